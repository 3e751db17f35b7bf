#!/usr/bin/env bash
# liveavatar recipe: record. An audio file in, a talking-avatar Matroska
# file out (H.264 + Opus), audio and video in sync.
# Copyright (C) 2026 liveavatar developers
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   record-mkv.sh INPUT OUTPUT.mkv [extra liveavatarfilter properties]
#
# INPUT is anything decodebin reads (WAV, MP3, Ogg, ...). A tee splits the
# decoded audio: one branch becomes what the avatar takes (F32LE, 16 kHz,
# mono), the other the soundtrack, Opus at 48 kHz. Both branches keep the
# input's timestamps and the element stamps frame n at exactly n x 40 ms,
# so they are in sync in the file. The video has ceil(samples / 640)
# frames: the last may run up to 40 ms past the sound. Opus in Matroska
# records its encoder delay (pre-skip) and players remove it, so the sound
# is not shifted (AAC in MP4 is: see record-mp4.sh). Unlike MP4, a Matroska
# file cut short (a crash, a kill) still plays up to where it stopped.
#
# Real checkpoints and GPUs: replace "model=test" by
#   model-path=/path/to/Wan2.2-S2V-14B reference-image=face.png backend=cuda
# and pick devices and precision (one 80 GB GPU: dit-devices=0 precision=fp8;
# see docs/recipes.md). The output is 704x384 unless width/height say
# otherwise. Extra arguments are appended to the element's, so they override
# the ones here. Encoding stays on the CPU (x264enc): H100/H200 have no NVENC.
set -euo pipefail
in=${1:?input audio file}
out=${2:?output .mkv}
shift 2

gst-launch-1.0 -e \
  filesrc location="$in" ! decodebin ! tee name=a \
  a. ! queue ! audioconvert ! audioresample ! \
    audio/x-raw,format=F32LE,rate=16000,channels=1 ! \
    liveavatarfilter model=test "$@" ! videoconvert ! \
    x264enc tune=zerolatency speed-preset=veryfast key-int-max=50 ! \
    h264parse ! queue ! mux. \
  a. ! queue ! audioconvert ! audioresample ! audio/x-raw,rate=48000 ! \
    opusenc ! queue ! mux. \
  matroskamux name=mux ! filesink location="$out"
