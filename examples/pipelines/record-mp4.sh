#!/usr/bin/env bash
# Record: an audio file in, a talking-avatar MP4 (H.264 + AAC) out.
#
#   record-mp4.sh INPUT.wav OUTPUT.mp4 [extra liveavatarfilter properties]
#
# With real checkpoints and a GPU, replace "model=test" by
#   model-path=/path/to/Wan2.2-S2V-14B reference-image=face.png backend=cuda
# (see docs/usage.md). The audio is split with a tee: one branch drives the
# avatar, the other is encoded as the soundtrack; both carry the same
# timestamps, so they stay in sync in the file.
set -euo pipefail
in=${1:?input audio file}
out=${2:?output .mp4}
shift 2

gst-launch-1.0 -e \
  filesrc location="$in" ! decodebin ! audioconvert ! audioresample ! \
    audio/x-raw,format=F32LE,rate=16000,channels=1 ! tee name=a \
  a. ! queue ! liveavatarfilter model=test "$@" ! videoconvert ! \
    x264enc tune=zerolatency ! h264parse ! queue ! mux. \
  a. ! queue ! audioconvert ! avenc_aac ! aacparse ! queue ! mux. \
  mp4mux name=mux ! filesink location="$out"
