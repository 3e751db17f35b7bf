#!/usr/bin/env bash
# liveavatar: end-to-end speed on a random model of the real size
# Copyright (C) 2026 liveavatar developers
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tools/bench-e2e.sh [--dit-layers N] [--precision bf16|fp8|fp32]
#                    [--backend cuda|cpu] [--size WxH] [--blocks N]
#                    [--no-t5] [--tiny] [--out DIR]
#
# Writes the official-size random model (liveavatar-cli make-tiny-model
# --official: Wan2.2-S2V-14B, the Wan2.1 VAE, umT5-xxl, wav2vec2-large,
# seeded random weights; no checkpoint needed) into OUT (default out/),
# unless it is there already, runs tests/avatar/bench-avatar on it (default
# CUDA, 704x384, 8 blocks, bf16) and prints a markdown row for
# docs/performance.md: time to first frame, steady-state blocks/s and fps,
# DiT ms per step, VAE ms per block. The full DiT is 40 layers, ~32 GB;
# --dit-layers N writes and runs N (~0.8 GB each) and the row then also
# gives the DiT's ms per step scaled linearly to 40 layers, labelled as an
# extrapolation (it scales the embeddings and the head too, so it
# slightly overstates). --no-t5 writes the tiny umT5 instead of the 11 GB
# one: only the prompt's encode time changes, which is not in the row.
# --tiny uses the tiny model's sizes (seconds on a CPU: a check of this
# script, not a measurement). Builds BUILD (default build-bench, no
# GStreamer, CUDA when nvcc is there) when the programs are missing.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
. tools/lib-bench.sh

layers=40
precision=bf16
backend=cuda
size=704x384
blocks=8
no_t5=
tiny=
out=out
while [ $# -gt 0 ]; do
  case "$1" in
    --dit-layers) layers=$2; shift 2 ;;
    --precision) precision=$2; shift 2 ;;
    --backend) backend=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --blocks) blocks=$2; shift 2 ;;
    --no-t5) no_t5=1; shift ;;
    --tiny) tiny=1; shift ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n 5,24p "$0"; exit 0 ;;
    *) echo "unknown argument '$1' (--help)" >&2; exit 2 ;;
  esac
done
case "$layers" in
  ''|*[!0-9]*) echo "--dit-layers must be a number" >&2; exit 2 ;;
esac
[ "$layers" -ge 1 ] || { echo "--dit-layers must be 1 or more" >&2; exit 2; }
case "$precision" in
  fp32|bf16|fp8) ;;
  *) echo "--precision must be bf16, fp8 or fp32" >&2; exit 2 ;;
esac
case "$backend" in
  cuda|cpu) ;;
  *) echo "--backend must be cuda or cpu" >&2; exit 2 ;;
esac

cuda_opt=-Dcuda=disabled
command -v nvcc >/dev/null 2>&1 && cuda_opt=-Dcuda=enabled
bench_build src/cli/liveavatar-cli "$cuda_opt"
cli=$bench
bench_build tests/avatar/bench-avatar "$cuda_opt"

if [ -n "$tiny" ]; then
  name=tiny-L$layers
  make_args=(--dit-layers "$layers")
  full_layers=4
else
  name=official-L$layers${no_t5:+-no-t5}
  make_args=(--official --dit-layers "$layers" ${no_t5:+--no-t5})
  full_layers=40
fi
model=$out/bench-model-$name
# README.txt is written last: its presence means a complete folder
if [ ! -f "$model/README.txt" ]; then
  echo "writing the $name random model into $model ..." >&2
  mkdir -p "$out"
  start=$(date +%s)
  "$cli" make-tiny-model "$model" "${make_args[@]}" ||
    { echo "make-tiny-model failed" >&2; exit 1; }
  echo "written in $(( $(date +%s) - start )) s ($(du -sh "$model" | cut -f1))" >&2
fi

bench_log_dir
"$bench" --model "$model" --backend "$backend" --size "$size" \
  --blocks "$blocks" --precision "$precision" >"$log/out" 2>"$log/err"
rc=$?
cat "$log/out" >&2
if [ $rc -eq 77 ]; then
  echo "skipped: no $backend device" >&2
  exit 77
fi
[ $rc -eq 0 ] || { cat "$log/err" >&2; echo "bench-avatar failed" >&2; exit 1; }

result=$(grep '^RESULT ' "$log/out" | tail -1)
[ -n "$result" ] || { echo "no RESULT line" >&2; exit 1; }
get () { printf '%s\n' "$result" | sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p"; }
device=$(printf '%s\n' "$result" | sed -n 's/.*device="\([^"]*\)".*/\1/p')
dit=$(get dit_ms_per_step)

echo "| device | model | precision | size | blocks | time to first frame (s) | blocks/s | fps | DiT ms/step | VAE ms/block |"
echo "|---|---|---|---|---|---|---|---|---|---|"
echo "| $device | $name random | $(get precision) | $(get size) | $(get blocks) | $(get ttff_s) | $(get blocks_per_s) | $(get fps) | $dit | $(get vae_ms_per_block) |"
if [ "$layers" -lt "$full_layers" ]; then
  scaled=$(awk -v t="$dit" -v l="$layers" -v f="$full_layers" \
    'BEGIN { printf "%.1f", t * f / l }')
  echo
  echo "Extrapolation, not a measurement: DiT ms/step scaled from $layers to" \
    "$full_layers layers = $scaled ms (linear in layers; the other columns" \
    "are of the $layers-layer model)."
fi
