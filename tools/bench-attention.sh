#!/usr/bin/env bash
# liveavatar: attention TFLOP/s, our kernels against PyTorch SDPA, one command
# Copyright (C) 2026 liveavatar developers
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tools/bench-attention.sh [--lq N] [--lk N] [--heads N] [--batch N]
#     [--iters N]
#
# Runs liveavatar-bench-attention (tests/attention/bench-attention.c: the
# flash kernel and the v1 kernel through la_attention) and
# tests/attention/bench_attention_torch.py (scaled_dot_product_attention,
# bf16) on CUDA device 0 with the same shape (default: the DiT's
# self-attention, 3168 queries x 15312 keys, 40 heads x 128), then prints
# a markdown table for docs/performance.md with the device named and the
# ratios in TFLOP/s (above 1: ours is faster). Needs a GPU. Builds BUILD
# (default build-bench, no GStreamer, CUDA) when the benchmark is missing;
# PYTHON defaults to python3, or /work/venv/bin/python when python3 has
# no torch.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
. tools/lib-bench.sh

args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) sed -n 6,18p "$0" | sed "s/^# \{0,1\}//"; exit 0 ;;
    --lq|--lk|--heads|--batch|--iters)
      [ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }
      args+=("$1" "$2"); shift 2 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if ! nvidia-smi -L >/dev/null 2>&1; then
  echo "bench-attention: needs a GPU (nvidia-smi sees none)" >&2
  exit 1
fi
name=$(nvidia-smi -L 2>/dev/null | head -1)

bench_build tests/attention/liveavatar-bench-attention -Dcuda=enabled
bench_python
bench_log_dir
echo "device: $name"
echo "== liveavatar-bench-attention ${args[*]}"
"$bench" "${args[@]}" | tee "$log/ours" ||
  { echo "liveavatar-bench-attention failed" >&2; exit 1; }
echo "== bench_attention_torch.py ${args[*]}"
"$py" tests/attention/bench_attention_torch.py --device cuda "${args[@]}" |
  tee "$log/torch" ||
  { echo "bench_attention_torch.py failed" >&2; exit 1; }

# field NAME of the RESULT line of IMPL in FILE
field () {
  sed -n "s/^RESULT impl=$2 .*$3=\([^ ]*\).*/\1/p" "$1"
}
shape=$(sed -n 's/^shape: //p' "$log/ours")
tv=$("$py" -c 'import torch; print(torch.__version__)')
echo
echo "Attention, $shape"
echo "Device: $name"
echo
echo "| implementation | ms per call | TFLOP/s |"
echo "|---|---|---|"
printf '| liveavatar flash (mma.sync bf16) | %s | %s |\n' \
  "$(field "$log/ours" flash ms)" "$(field "$log/ours" flash tflops)"
printf '| liveavatar v1 (CUDA cores) | %s | %s |\n' \
  "$(field "$log/ours" v1 ms)" "$(field "$log/ours" v1 tflops)"
printf '| PyTorch %s SDPA (bf16) | %s | %s |\n' "$tv" \
  "$(field "$log/torch" torch ms)" "$(field "$log/torch" torch tflops)"
t=$(field "$log/torch" torch tflops)
echo
echo "TFLOP/s count the two matmuls, 4 B H Lq Lk D per call."
for impl in flash v1; do
  a=$(field "$log/ours" $impl tflops)
  if [ -z "$a" ] || [ -z "$t" ]; then
    echo "a RESULT line is missing ($impl or torch)" >&2
    exit 1
  fi
  awk -v a="$a" -v b="$t" -v n="$impl" 'BEGIN { printf "ratio %s / PyTorch (TFLOP/s): %.3f\n", n, a / b }'
done
