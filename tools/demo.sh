#!/usr/bin/env bash
# Installs what is needed, builds, and renders a talking-avatar video from
# speech with the real Live Avatar pipeline on the tiny model: espeak-ng
# speaks a sentence, liveavatar-cli writes the tiny checkpoint folder (the
# official layout, random weights), liveavatarfilter model=liveavatar turns
# the speech and examples/images/face.png into video (wav2vec2 -> causal DiT,
# 4 steps per block -> streaming VAE), x264enc + AAC go into an MP4. Prints
# the path of the file it wrote.
#
# The tiny model's weights are random: after the first 3 frames (the
# picture itself, where Live Avatar's decoder gives nothing) the video is
# coloured noise that changes with the speech. With the official
# checkpoints, pass model-path=/path/to/Wan2.2-S2V-14B and a real size.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
tools/build.sh build

mkdir -p out
build/src/cli/liveavatar-cli make-tiny-model out/tiny-model
speech=out/demo-speech.wav
espeak-ng -w "$speech" -s 150 \
  "Hello. I am a live avatar. My mouth follows what I say, twenty five frames every second."

GST_PLUGIN_PATH=$PWD/build/gst \
  bash examples/pipelines/record-mp4.sh "$speech" out/demo.mp4 \
  model=liveavatar model-path="$PWD/out/tiny-model" \
  reference-image="$PWD/examples/images/face.png" width=128 height=128 \
  >/dev/null

echo "wrote $PWD/out/demo.mp4"
