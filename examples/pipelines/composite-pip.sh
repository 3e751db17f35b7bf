#!/usr/bin/env bash
# liveavatar recipe: composition, picture-in-picture. A live scene,
# OBS-style: a full-frame background with the avatar in the bottom-right
# corner, recorded to Matroska (H.264 + Opus) until Ctrl-C.
# Copyright (C) 2026 liveavatar developers
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   composite-pip.sh OUTPUT.mkv [extra liveavatarsrc properties]
#
# Layout of the 640x360, 25 fps scene (pixels, top-left corners):
#   sink_0  background, the whole frame: a "slide" of colour #1f3a5f
#   sink_1  white border 168x168 at (460,180)
#   sink_2  avatar 160x160 at (464,184): 16 px from the bottom-right corner
# The test avatar is rendered at its box's size (width/height below), so
# nothing is scaled. With the real model (704x384), keep sink_2's width
# and height: the compositor scales the avatar into the box.
#
# The speaker is SPEECH, a gst-launch source (default autoaudiosrc: the
# microphone). liveavatarsrc makes a frame every 40 ms on the clock and
# never waits for audio: the avatar talks when the speaker does and idles
# when not. The speech is also the soundtrack; audio and frames carry the
# pipeline's running time, so they are in sync in the file. The avatar is
# late by its latency (0.52 s with the test model); the compositor waits
# for it because the pipeline latency includes it.
#
# To change: the background videotestsrc for your content (v4l2src,
# ximagesrc, "filesrc location=bg.png ! pngdec ! imagefreeze is-live=true");
# the x264enc...filesink tail for "autovideosink" to watch, or for the
# flvmux/rtmp2sink tail of rtmp-publish.sh to stream.
# Real checkpoints and GPUs: replace "model=test width=160 height=160" by
#   model-path=/path/to/Wan2.2-S2V-14B reference-image=face.png backend=cuda
set -euo pipefail
out=${1:?output .mkv}
shift

# shellcheck disable=SC2086 # SPEECH is a pipeline fragment, split on purpose
exec gst-launch-1.0 -e \
  compositor name=scene background=black \
      sink_0::xpos=0 sink_0::ypos=0 sink_0::zorder=0 \
      sink_1::xpos=460 sink_1::ypos=180 sink_1::zorder=1 \
      sink_2::xpos=464 sink_2::ypos=184 sink_2::width=160 sink_2::height=160 \
      sink_2::zorder=2 sink_2::repeat-after-eos=true ! \
    video/x-raw,width=640,height=360,framerate=25/1 ! videoconvert ! \
    x264enc tune=zerolatency speed-preset=ultrafast key-int-max=50 ! \
    h264parse ! queue ! mux. \
  videotestsrc is-live=true pattern=solid-color foreground-color=0xff1f3a5f ! \
    video/x-raw,width=640,height=360,framerate=25/1 ! scene.sink_0 \
  videotestsrc is-live=true pattern=white ! \
    video/x-raw,width=168,height=168,framerate=25/1 ! scene.sink_1 \
  liveavatarsrc name=avatar model=test width=160 height=160 "$@" ! \
    scene.sink_2 \
  ${SPEECH:-autoaudiosrc} ! audioconvert ! audioresample ! \
    audio/x-raw,rate=48000 ! tee name=speech \
  speech. ! queue ! audioconvert ! audioresample ! \
    audio/x-raw,format=F32LE,rate=16000,channels=1 ! avatar.audio \
  speech. ! queue max-size-time=3000000000 max-size-bytes=0 \
    max-size-buffers=0 ! opusenc ! queue ! mux. \
  matroskamux name=mux ! filesink location="$out"
