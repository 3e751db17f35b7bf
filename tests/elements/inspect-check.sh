#!/usr/bin/env bash
# gst-inspect-1.0 must show every documented property of the element, with
# its flags, and the pad templates. Fails naming what is missing.
set -u
inspect=$1
name=$2
out=$("$inspect" "$name") || { echo "gst-inspect-1.0 $name failed"; exit 1; }

shared="model model-path reference-image prompt backend dit-devices vae-device
ulysses-size vae-parallel offload precision width height sample-steps
online-decode seed latency stats"
case $name in
  liveavatarfilter) own="qos" ;;
  liveavatarsrc) own="is-live audio-tolerance" ;;
  *) own="" ;;
esac

fail=0
for p in $shared $own; do
  if ! grep -qE "^  $p *:" <<<"$out"; then
    echo "property '$p' missing from gst-inspect-1.0 $name"
    fail=1
  fi
done
# prompt and reference-image are the shared properties that may change
# while playing
for p in prompt reference-image; do
  if ! grep -A4 -E "^  $p *:" <<<"$out" | grep -q "changeable in NULL, READY, PAUSED or PLAYING state"; then
    echo "$p is not marked changeable in PLAYING"
    fail=1
  fi
done
if ! grep -A3 -E "^  dit-devices *:" <<<"$out" | grep -q "changeable only in NULL or READY state"; then
  echo "dit-devices is not marked READY-only"
  fail=1
fi
grep -q "audio/x-raw" <<<"$out" || { echo "no audio caps in the pad templates"; fail=1; }
grep -q "video/x-raw" <<<"$out" || { echo "no video caps in the pad templates"; fail=1; }
[ $fail -eq 0 ] && echo "gst-inspect-1.0 $name: all properties and templates present"
exit $fail
