#!/usr/bin/env bash
# liveavatar recipe: RTMP. An audio file in, the talking avatar published
# to an RTMP server (YouTube Live, Twitch, nginx-rtmp, ...) as H.264 + AAC
# in FLV, at the pace of the audio (real time).
# Copyright (C) 2026 liveavatar developers
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   rtmp-publish.sh INPUT rtmp://HOST[:PORT]/APP/STREAM [extra liveavatarfilter properties]
#
# x264enc tune=zerolatency: no B-frames, no look-ahead: 60 ms of encoder
# latency instead of ~2 s. key-int-max=50: a keyframe every 2 s, what
# streaming services ask for (players join at a keyframe). flvmux
# streamable=true writes no index or duration at the end (there is no
# end on a live stream). rtmp2sink syncs on the clock, so a file is sent
# in real time; for live audio replace "filesrc ... ! decodebin" by a live
# source (pulsesrc, alsasrc, an RTP receiver) and nothing else changes.
#
# Real checkpoints and GPUs: replace "model=test" by
#   model-path=/path/to/Wan2.2-S2V-14B reference-image=face.png backend=cuda
# The encoder stays x264enc: H100/H200 have no NVENC. On a busy machine
# add speed-preset=ultrafast to x264enc; raise bitrate= (kbit/s) for
# 704x384 beyond the default 2048 as the service allows.
set -euo pipefail
in=${1:?input audio file}
url=${2:?rtmp://host:port/app/stream}
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
  flvmux name=mux streamable=true ! rtmp2sink location="$url"
