#!/usr/bin/env bash
# Frames per second and peak memory of liveavatarfilter running the test
# model on this machine's CPU: 60 s of audio as fast as the pipeline goes.
#   tools/bench-test-model.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
export GST_PLUGIN_PATH=$PWD/$build/gst
seconds=60
frames=$((seconds * 25))
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
for size in 704x384 688x368 64x64; do
  w=${size%x*}; h=${size#*x}
  for fmt in RGB I420; do
    out=$( { /usr/bin/time -f "%e %M" gst-launch-1.0 -q \
      audiotestsrc num-buffers=$((seconds * 10)) samplesperbuffer=1600 ! \
      audio/x-raw,rate=16000,channels=1,format=F32LE ! \
      liveavatarfilter model=test backend=cpu width=$w height=$h ! \
      video/x-raw,format=$fmt ! fakesink ; } 2>&1 | tail -1)
    set -- $out
    awk -v s="$size" -v f="$fmt" -v n=$frames -v t="$1" -v m="$2" \
      'BEGIN { printf "%-8s %-5s %5d frames in %6.2f s = %7.0f fps (%.0fx real time), peak RSS %.1f MiB\n", s, f, n, t, n / t, n / t / 25, m / 1024 }'
  done
done
