#!/usr/bin/env bash
# liveavatar recipe: composition, lower third. A live scene, OBS-style: a
# full-frame background with a banner across its bottom third and the
# avatar in the banner, recorded to Matroska (H.264 + Opus) until Ctrl-C.
# Copyright (C) 2026 liveavatar developers
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   composite-lower-third.sh OUTPUT.mkv [extra liveavatarsrc properties]
#
# Layout of the 640x360, 25 fps scene (pixels, top-left corners):
#   sink_0  background, the whole frame: a "slide" of colour #1f3a5f
#   sink_1  banner 640x128 at (0,232), colour #c0392b
#   sink_2  avatar 112x112 at (8,240), in the banner's left end
# A name in the banner: add "textoverlay text=Ava halignment=left
# valignment=bottom xpad=136 ypad=48 font-desc=\"Sans 24\"" after the
# compositor (element from Debian's gstreamer1.0-x).
# See composite-pip.sh for the speaker (SPEECH), timing and what to change;
# the same applies here.
# Real checkpoints and GPUs: replace "model=test width=112 height=112" by
#   model-path=/path/to/Wan2.2-S2V-14B reference-image=face.png backend=cuda
# and keep sink_2's width and height (the compositor scales 704x384 into
# the box; set sink_2::sizing-policy=keep-aspect-ratio to avoid stretching).
set -euo pipefail
out=${1:?output .mkv}
shift

# shellcheck disable=SC2086 # SPEECH is a pipeline fragment, split on purpose
exec gst-launch-1.0 -e \
  compositor name=scene background=black \
      sink_0::xpos=0 sink_0::ypos=0 sink_0::zorder=0 \
      sink_1::xpos=0 sink_1::ypos=232 sink_1::zorder=1 \
      sink_2::xpos=8 sink_2::ypos=240 sink_2::width=112 sink_2::height=112 \
      sink_2::zorder=2 sink_2::repeat-after-eos=true ! \
    video/x-raw,width=640,height=360,framerate=25/1 ! videoconvert ! \
    x264enc tune=zerolatency speed-preset=ultrafast key-int-max=50 ! \
    h264parse ! queue ! mux. \
  videotestsrc is-live=true pattern=solid-color foreground-color=0xff1f3a5f ! \
    video/x-raw,width=640,height=360,framerate=25/1 ! scene.sink_0 \
  videotestsrc is-live=true pattern=solid-color foreground-color=0xffc0392b ! \
    video/x-raw,width=640,height=128,framerate=25/1 ! scene.sink_1 \
  liveavatarsrc name=avatar model=test width=112 height=112 "$@" ! \
    scene.sink_2 \
  ${SPEECH:-autoaudiosrc} ! audioconvert ! audioresample ! \
    audio/x-raw,rate=48000 ! tee name=speech \
  speech. ! queue ! audioconvert ! audioresample ! \
    audio/x-raw,format=F32LE,rate=16000,channels=1 ! avatar.audio \
  speech. ! queue max-size-time=3000000000 max-size-bytes=0 \
    max-size-buffers=0 ! opusenc ! queue ! mux. \
  matroskamux name=mux ! filesink location="$out"
