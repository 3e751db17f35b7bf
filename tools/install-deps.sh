#!/usr/bin/env bash
# Installs the Debian 12 packages liveavatar needs to build, run its demo and
# recipes, and test: the recipes need nginx-rtmp, headless Chromium and
# python3-gi, so that every recipe in examples/pipelines/ runs after the
# README's set-up command. Idempotent; skips apt entirely when everything is
# already there.
set -euo pipefail

PKGS=(
  build-essential meson ninja-build pkg-config
  libglib2.0-dev libjson-glib-dev libpng-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-base-apps gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  espeak-ng sox python3-numpy
  nginx libnginx-mod-rtmp gstreamer1.0-nice python3-gi gir1.2-gstreamer-1.0
  gir1.2-gst-plugins-base-1.0 gir1.2-gst-plugins-bad-1.0
  chromium chromium-driver python3-selenium
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
