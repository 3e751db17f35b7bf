#!/usr/bin/env bash
# What to run the first minutes a GPU is lent (docs/performance.md): the
# GPU machines have nvcc, meson, ninja and PyTorch but no GStreamer, so
# this builds the engine alone, then
#   1. every op on CUDA against the CPU reference (test-backend-ops -v),
#   2. the op benchmarks (liveavatar-bench-ops),
#   3. the tiny Live Avatar model generated on the CPU and on CUDA from the
#      same inputs, frames compared (PSNR per frame; the design's bar is
#      40 dB for bf16 against the fp32 CPU reference),
#   4. the engine (model=liveavatar, one avatar per device, threaded stages)
#      on CUDA against the CPU reference (fp32: >= 40 dB; auto/bf16: the
#      number), and threads sharing one CUDA backend (bit for bit as alone),
#   5. the whole test suite on this machine (the CUDA tests run instead of
#      skipping: flash attention, FP8 linear, bf16 compute, per-device),
#   6. the benchmarks with their PyTorch baselines in the same command:
#      attention (flash and v1 vs SDPA), one DiT forward at the 14B shapes
#      (bf16 weights and compute; FP8 linears) vs a PyTorch bf16 block,
#      and end to end at 704x384 on a real-size random model (4 DiT layers,
#      the DiT scaled to 40: time to first frame, fps, VAE per block).
# Steps 1-5 take a few minutes; 6 about as long again. STEPS="1 2 3 4 5 6"
# picks some.
# Writes everything under ${OUT:-out/gpu-check} and prints a summary.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-out/gpu-check}
mkdir -p "$out"

nvidia-smi -L | tee "$out/device.txt"
meson setup build-gpu -Dgst=disabled -Dcuda=enabled -Dbuildtype=release \
  >"$out/setup.log" 2>&1 || { tail -30 "$out/setup.log"; exit 1; }
ninja -C build-gpu >"$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }

steps=" ${STEPS:-1 2 3 4 5 6} "
want () { case "$steps" in *" $1 "*) return 0 ;; esac; return 1; }

want 1 && build-gpu/tests/backend/test-backend-ops -v 2>&1 | tee "$out/ops.txt" | tail -40
want 2 && build-gpu/tests/backend/liveavatar-bench-ops 2>&1 | tee "$out/bench-ops.txt" | tail -40

cli=build-gpu/src/cli/liveavatar-cli
$cli make-tiny-model "$out/tiny" || exit 1
if want 3; then
python3 - "$out/speech.wav" <<'PY'
import math, struct, sys, wave
with wave.open(sys.argv[1], "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
    w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i * 0.07)
        * (1 + math.sin(i / 3000.0)))) for i in range(2 * 30720)))
PY
for be in cpu cuda; do
  /usr/bin/time -f "$be: %e s" $cli generate --model "$out/tiny" \
    --image examples/images/face.png --audio "$out/speech.wav" \
    --size 256x256 --backend $be --out "$out/$be.rgb" 2>&1 | tail -2
done
python3 - "$out/cpu.rgb" "$out/cuda.rgb" <<'PY'
import math, sys
a, b = (open(p, "rb").read() for p in sys.argv[1:3])
n = 256 * 256 * 3
if len(a) != len(b) or not a:
    sys.exit("frame data differ in size: %d vs %d" % (len(a), len(b)))
worst = 1e9
for f in range(len(a) // n):
    se = sum((x - y) ** 2 for x, y in zip(a[f * n:(f + 1) * n], b[f * n:(f + 1) * n]))
    psnr = 99.0 if se == 0 else 10 * math.log10(255 ** 2 / (se / n))
    worst = min(worst, psnr)
print("tiny model, CUDA vs CPU: %d frames, worst PSNR %.1f dB" % (len(a) // n, worst))
PY
fi

# 4. the engine on CUDA; "# SKIP" lines mean the device was not usable
want 4 && for t in avatar-per-device:/avatar/per-device/cuda \
    backend-threads:/backend/threads/concurrent-chains-cuda; do
  build-gpu/tests/engine/test-engine-${t%%:*} -p "${t#*:}" --verbose 2>&1 \
    | grep -v DEBUG | tee "$out/engine-${t%%:*}.txt" | tail -12
done

want 5 && meson test -C build-gpu --num-processes 4 --print-errorlogs \
  2>&1 | tee "$out/tests.txt" | grep -E "FAIL|TIMEOUT|^Ok|^Fail|^Skip"

if want 6; then
  BUILD=build-gpu tools/bench-attention.sh 2>&1 | tee "$out/bench-attention.txt" | tail -12
  BUILD=build-gpu tools/bench-dit.sh --precision bf16 --layers 4 2>&1 \
    | tee "$out/bench-dit-bf16.txt" | tail -12
  BUILD=build-gpu tools/bench-dit.sh --precision fp8 --layers 4 2>&1 \
    | tee "$out/bench-dit-fp8.txt" | tail -12
  for p in bf16 fp8; do
    BUILD=build-gpu tools/bench-e2e.sh --dit-layers 4 --no-t5 --precision $p \
      2>&1 | tee "$out/bench-e2e-$p.txt" | tail -12
  done
fi
