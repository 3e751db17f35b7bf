#!/usr/bin/env bash
# liveavatar recipe: live source in a conferencing pipeline. The talker's
# voice comes in as RTP (Opus) on a UDP port; the avatar and the voice go
# out as RTP (H.264 + Opus, with RTCP for lip sync) to a conferencing peer
# or SFU. The avatar never stalls: frames leave every 40 ms whether the
# talker speaks, pauses or has not connected at all.
# Copyright (C) 2026 liveavatar developers
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   live-conference.sh IN_PORT OUT_HOST OUT_PORT [extra liveavatarsrc properties]
#
# In:  RTP/Opus, payload 97, on 127.0.0.1:IN_PORT (a talker, a TTS engine,
#      another call leg). Test it with
#        gst-launch-1.0 autoaudiosrc ! audioconvert ! audioresample ! opusenc ! \
#          rtpopuspay pt=97 ! udpsink host=127.0.0.1 port=IN_PORT
# Out: video RTP/H.264 (payload 96) to OUT_HOST:OUT_PORT, its RTCP to
#      OUT_PORT+1; voice RTP/Opus (payload 97) to OUT_PORT+2, RTCP to +3.
#      docs/recipes.md has a receiver line to watch it.
#
# Why it never stalls: liveavatarsrc is a live source that makes a frame on
# the clock for every 40 ms slot; audio missing by the slot's deadline
# (slot end + its latency, which includes the jitter buffer's) becomes
# silence: an idle face, not a frozen one. The voice is resent through the
# same pipeline, so both sinks wait for the pipeline latency (the avatar's
# 0.52 s with the test model) and leave together; RTCP sender reports tie
# both RTP clocks to one NTP clock for the receiver's lip sync.
#
# Real checkpoints and GPUs: replace "model=test" by
#   model-path=/path/to/Wan2.2-S2V-14B reference-image=face.png backend=cuda
# H100/H200 have no NVENC: x264enc stays. Raise bitrate= for 704x384.
set -euo pipefail
in_port=${1:?port to receive the voice on}
host=${2:?host to send to}
out_port=${3:?first of the 4 ports to send to}
shift 3

# No -e: there is no file to finish, and EOS would wait on RTCP BYE timers.
exec gst-launch-1.0 rtpbin name=rtp \
  udpsrc address=127.0.0.1 port="$in_port" \
    caps="application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS,payload=97" ! \
    rtpjitterbuffer latency=60 ! rtpopusdepay ! opusdec ! audioconvert ! \
    audioresample ! audio/x-raw,rate=48000 ! tee name=voice \
  voice. ! queue ! audioconvert ! audioresample ! \
    audio/x-raw,format=F32LE,rate=16000,channels=1 ! avatar.audio \
  liveavatarsrc name=avatar model=test "$@" ! videoconvert ! \
    x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 bitrate=800 ! \
    rtph264pay config-interval=-1 pt=96 ! rtp.send_rtp_sink_0 \
  rtp.send_rtp_src_0 ! udpsink host="$host" port="$out_port" \
  rtp.send_rtcp_src_0 ! udpsink host="$host" port=$((out_port + 1)) sync=false async=false \
  voice. ! queue max-size-time=3000000000 max-size-bytes=0 max-size-buffers=0 ! \
    opusenc ! rtpopuspay pt=97 ! rtp.send_rtp_sink_1 \
  rtp.send_rtp_src_1 ! udpsink host="$host" port=$((out_port + 2)) async=false \
  rtp.send_rtcp_src_1 ! udpsink host="$host" port=$((out_port + 3)) sync=false async=false
