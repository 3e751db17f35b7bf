#!/usr/bin/env bash
# Installs what is needed, builds, and renders a talking-avatar video from
# speech: espeak-ng speaks a sentence, liveavatarfilter turns it into video,
# x264enc + AAC go into an MP4. Prints the path of the file it wrote.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
tools/build.sh build

mkdir -p out
speech=out/demo-speech.wav
espeak-ng -w "$speech" -s 150 \
  "Hello. I am a live avatar. My mouth follows what I say, twenty five frames every second."

GST_PLUGIN_PATH=$PWD/build/gst \
  bash examples/pipelines/record-mp4.sh "$speech" out/demo.mp4 >/dev/null

echo "wrote $PWD/out/demo.mp4"
