#!/usr/bin/env bash
# liveavatar recipe: record. An audio file in, a talking-avatar MP4 out
# (H.264 + AAC), audio and video in sync.
# Copyright (C) 2026 liveavatar developers
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   record-mp4.sh INPUT OUTPUT.mp4 [extra liveavatarfilter properties]
#
# INPUT is anything decodebin reads (WAV, MP3, Ogg, ...). A tee splits the
# decoded audio: one branch becomes what the avatar takes (F32LE, 16 kHz,
# mono), the other the soundtrack, AAC at 48 kHz (its frames are 21 ms
# there, 64 ms at 16 kHz, so the track ends within a frame of the video).
# Both branches keep the input's timestamps and the element stamps frame n
# at exactly n x 40 ms, so they are in sync in the file. The video has
# ceil(samples / 640) frames: the last may run up to 40 ms past the sound.
# avenc_aac starts with 1024 samples of encoder delay that mp4mux does not
# mark, so players hear the sound 21.3 ms (half a frame) late;
# record-mkv.sh (Opus) has no such shift.
#
# Real checkpoints and GPUs: replace "model=test" by
#   model-path=/path/to/Wan2.2-S2V-14B reference-image=face.png backend=cuda
# and pick devices and precision (one 80 GB GPU: dit-devices=0 precision=fp8;
# see docs/recipes.md). The output is 704x384 unless width/height say
# otherwise. Extra arguments are appended to the element's, so they override
# the ones here. Encoding stays on the CPU (x264enc): H100/H200 have no NVENC.
set -euo pipefail
in=${1:?input audio file}
out=${2:?output .mp4}
shift 2

gst-launch-1.0 -e \
  filesrc location="$in" ! decodebin ! tee name=a \
  a. ! queue ! audioconvert ! audioresample ! \
    audio/x-raw,format=F32LE,rate=16000,channels=1 ! \
    liveavatarfilter model=test "$@" ! videoconvert ! \
    x264enc tune=zerolatency speed-preset=veryfast key-int-max=50 ! \
    h264parse ! queue ! mux. \
  a. ! queue ! audioconvert ! audioresample ! audio/x-raw,rate=48000 ! \
    avenc_aac ! aacparse ! queue ! mux. \
  mp4mux name=mux ! filesink location="$out"
