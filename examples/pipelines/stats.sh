#!/usr/bin/env bash
# liveavatar recipe: watch what each block costs. liveavatarfilter posts a
# "liveavatar-stats" element message per block (12 frames, 0.48 s): time
# per stage and the device it ran on, queue depths, QoS drops and repeats,
# latency (docs/usage.md, "Bus messages", lists every field). gst-launch-1.0
# -m prints every bus message; this keeps those, one line each, as the
# GstStructure text an application can parse back
# (gst_structure_from_string, Gst.Structure.from_string):
#
#   liveavatar-stats, block=(guint64)3, frame=(guint64)36, n-frames=(uint)12,
#   pts=(guint64)1440000000, ..., audio-us=(gint64)17, dit-us=(gint64)< 0, 0 >,
#   dit-devices=(string)< 0, 1 >, vae-us=(gint64)117, vae-device=(int)1,
#   block-us=(gint64)408908, ..., queue-depths=(uint)< 0, 0, 0, 1 >,
#   frames-dropped=(guint64)0, ..., latency=(guint64)1880000000;
#
# (A file renders faster than the sink shows it, so finished blocks wait for
# the sink: the VAE's queue fills and block-us counts the wait.)
#
# Copyright (C) 2026 liveavatar developers
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   stats.sh AUDIO_FILE [extra liveavatarfilter properties]
#
# e.g. stats.sh speech.wav dit-devices=0,1 to see a two-stage pipeline.
# The sink syncs to the clock, so the file plays in real time as in a live
# pipeline, and a machine too slow for it shows in frames-dropped and
# blocks-skipped (QoS). In your own pipeline: name the element, run
# gst-launch-1.0 with -m and keep the lines this sed keeps; liveavatarsrc
# posts the same message (plus audio-dropped and silence).
#
# Real checkpoints and GPUs: replace "model=test" by
#   model-path=/path/to/Wan2.2-S2V-14B reference-image=face.png backend=cuda
# and pass dit-devices=0,1,2,3 (one DiT stage per GPU): dit-us then tells
# whether the stages are balanced and block-us whether a block fits in
# its 480 ms.
set -euo pipefail
audio=${1:?audio file to render}
shift

gst-launch-1.0 -m filesrc location="$audio" ! decodebin ! audioconvert ! \
  audioresample ! liveavatarfilter name=avatar model=test "$@" ! \
  videoconvert ! fakesink sync=true qos=true |
  sed -u -n 's/^Got message #[0-9]* from element "avatar" (element): //p'
