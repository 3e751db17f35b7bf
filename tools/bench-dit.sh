#!/usr/bin/env bash
# liveavatar: one DiT forward of a block, ours against PyTorch, one command
# Copyright (C) 2026 liveavatar developers
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tools/bench-dit.sh [--device cuda|cpu] [--precision fp32|bf16|fp8]
#                    [--compute f32|bf16] [--torch-dtype bf16|fp32] [ARGS]...
#
# Runs liveavatar-bench-dit (tests/backend/bench-dit.c) and
# tests/backend/bench_dit_torch.py on the same device with the same ARGS
# (--layers N --size WxH --dim D --heads H --ffn F --text-len T
# --text-dim T --audio-dim A --iters N; defaults: the 14B's shapes, 2
# layers, 704x384), then prints a markdown table for docs/performance.md
# with the device named and the ratio ours / PyTorch in time (below 1:
# ours is faster). The device defaults to cuda where nvidia-smi sees a GPU.
# --precision is how our DiT stores its linear weights (default: bf16 on
# cuda, fp32 on cpu, as the engine's auto); --compute the dtype our DiT
# computes in (default: bf16 on cuda, Live Avatar's autocast numerics and
# the number to hold against PyTorch bf16; f32 on cpu, or under fp32
# weights); the PyTorch baseline stays
# --torch-dtype (bf16), and with --precision fp8 PyTorch also runs Live
# Avatar's --fp8 linears (torch._scaled_mm) as a second row.
# Builds BUILD (default build-bench, no GStreamer, CUDA when nvcc is
# there) when the benchmark is missing; PYTHON defaults to python3, or
# /work/venv/bin/python when python3 has no torch.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
. tools/lib-bench.sh

device=
dtype=bf16
precision=
compute=
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device=$2; shift 2 ;;
    --torch-dtype) dtype=$2; shift 2 ;;
    --precision) precision=$2; shift 2 ;;
    --compute) compute=$2; shift 2 ;;
    -h|--help) sed -n 5,26p "$0"; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done

if [ -z "$device" ]; then
  if nvidia-smi -L >/dev/null 2>&1; then device=cuda; else device=cpu; fi
fi
case "$device" in
  cuda) name=$(nvidia-smi -L 2>/dev/null | head -1) ;;
  cpu) name="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'),"
       name="$name $(nproc) cores" ;;
  *) echo "--device must be cuda or cpu" >&2; exit 2 ;;
esac
if [ -z "$precision" ]; then
  if [ "$device" = cuda ]; then precision=bf16; else precision=fp32; fi
fi
case "$precision" in
  fp32|bf16|fp8) ;;
  *) echo "--precision must be fp32, bf16 or fp8" >&2; exit 2 ;;
esac
if [ -z "$compute" ]; then
  if [ "$device" = cuda ] && [ "$precision" != fp32 ]; then compute=bf16
  else compute=f32; fi
fi
case "$compute" in
  f32|bf16) ;;
  *) echo "--compute must be f32 or bf16" >&2; exit 2 ;;
esac

bench_build tests/backend/liveavatar-bench-dit
bench_python
bench_log_dir
echo "device: $name"
echo "== liveavatar-bench-dit --backend $device --precision $precision --compute $compute ${args[*]}"
"$bench" --backend "$device" --precision "$precision" --compute "$compute" \
  "${args[@]}" |
  tee "$log/ours" || { echo "liveavatar-bench-dit failed" >&2; exit 1; }
echo "== bench_dit_torch.py --device $device --dtype $dtype ${args[*]}"
"$py" tests/backend/bench_dit_torch.py --device "$device" --dtype "$dtype" \
  "${args[@]}" | tee "$log/torch" ||
  { echo "bench_dit_torch.py failed" >&2; exit 1; }
rows="ours torch"
if [ "$precision" = fp8 ]; then
  echo "== bench_dit_torch.py --device $device --dtype fp8 ${args[*]}"
  if "$py" tests/backend/bench_dit_torch.py --device "$device" --dtype fp8 \
      "${args[@]}" | tee "$log/torch8"; then
    rows="$rows torch8"
  else
    echo "(the PyTorch FP8 baseline failed; its row is left out)" >&2
  fi
fi

# field VALUE of the RESULT line in FILE
field () {
  sed -n "s/^RESULT .*$2=\([^ ]*\).*/\1/p" "$1"
}
shape=$(sed -n 's/^shape: //p' "$log/ours")
config=$(sed -n 's/^config: //p' "$log/ours")
echo
echo "DiT forward of one block, $shape; $config"
echo "Device: $name"
echo
echo "| implementation | ms per layer | TFLOP/s | 40 layers, ms | fps, 1 device, 4 steps |"
echo "|---|---|---|---|---|"
tv=$("$py" -c 'import torch; print(torch.__version__)')
for who in $rows; do
  case $who in
    ours) label="liveavatar ($device, $precision weights, $compute compute)" ;;
    torch) label="PyTorch $tv ($device, $dtype, SDPA)" ;;
    torch8) label="PyTorch $tv ($device, bf16 + Live Avatar fp8 linears, SDPA)" ;;
  esac
  printf '| %s | %s | %s | %s | %s |\n' "$label" \
    "$(field "$log/$who" ms_per_layer)" "$(field "$log/$who" tflops)" \
    "$(field "$log/$who" ms_40_layers)" "$(field "$log/$who" fps)"
done
a=$(field "$log/ours" ms_per_layer)
b=$(field "$log/torch" ms_per_layer)
echo
echo "liveavatar stores its linear weights in $precision (la-dit.h"
echo "LaDitWeights) and computes in $compute (LaDitCompute: bf16 as Live"
echo "Avatar's autocast, fp32 norms, modulation and residual); PyTorch runs"
echo "$dtype weights and matmuls with an fp32 residual stream. TFLOP/s count the linears and"
echo "attention only (formula in tests/backend/bench-dit.c); 40 layers is"
echo "scaled by FLOPs (12 of 40 layers inject audio); fps = 12 video frames"
echo "per 4 forwards (one block, 4 steps) on this one device."
if [ -z "$a" ] || [ -z "$b" ]; then
  echo "a RESULT line is missing" >&2
  exit 1
fi
awk -v a="$a" -v b="$b" -v d="$dtype" 'BEGIN { printf "\nratio ours / PyTorch %s (time): %.3f (%.2fx %s)\n", d, a / b, (a < b ? b / a : a / b), (a < b ? "faster" : "slower") }'
