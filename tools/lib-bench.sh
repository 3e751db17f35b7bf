# liveavatar: what the tools/bench-*.sh scripts share (sourced, not run)
# Copyright (C) 2026 liveavatar developers
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Run from the source root, after `set -uo pipefail`. Each function exits
# the script with a message on failure.

# bench_build TARGET [MESON SETUP OPTIONS]...: sets $bench to
# $build/TARGET, building it when missing in BUILD (default build-bench,
# set up with -Dgst=disabled -Dbuildtype=release and the options given).
bench_build () {
  local target=$1
  shift
  build=${BUILD:-build-bench}
  bench=$build/$target
  if [ ! -x "$bench" ]; then
    if [ ! -d "$build" ]; then
      meson setup "$build" -Dgst=disabled "$@" -Dbuildtype=release \
        >/dev/null || { echo "meson setup $build failed" >&2; exit 1; }
    fi
    ninja -C "$build" "$target" >/dev/null ||
      { echo "building $bench failed" >&2; exit 1; }
  fi
}

# Sets $py: PYTHON, or python3, or /work/venv/bin/python when python3 has
# no torch.
bench_python () {
  py=${PYTHON:-python3}
  if [ -z "${PYTHON:-}" ] && ! python3 -c 'import torch' 2>/dev/null &&
     [ -x /work/venv/bin/python ]; then
    py=/work/venv/bin/python
  fi
}

# Sets $log to a temporary folder removed when the script exits.
bench_log_dir () {
  log=$(mktemp -d)
  trap 'rm -rf "$log"' EXIT
}
