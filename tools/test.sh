#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite twice: a
# normal build (with the CUDA backend when nvcc is present; GPU tests skip
# without a GPU) and an AddressSanitizer + UndefinedBehaviorSanitizer build.
# Ends with one line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh || exit 1

rc=0
tools/build.sh build || exit 1
meson test -C build --print-errorlogs --num-processes 2 || rc=1

# CUDA stays out of the sanitizer build: the CUDA runtime and ASan's shadow
# memory do not mix, and nothing CUDA runs on a machine without a GPU.
# Optimised (-O2 -g): the model tests run real convolutions, which at -O0
# under ASan take minutes each; the sanitizers check the same accesses.
tools/build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false \
  -Dcuda=disabled -Dbuildtype=debugoptimized || exit 1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
G_SLICE=always-malloc \
  meson test -C build-asan --print-errorlogs --num-processes 2 \
  --timeout-multiplier 4 || rc=1

python3 - build/meson-logs/testlog.json build-asan/meson-logs/testlog.json <<'PY'
import json, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0}
for path in sys.argv[1:]:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        counts["FAIL"] += 1
        continue
    for line in lines:
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            counts["OK"] += 1
        elif r == "SKIP":
            counts["SKIP"] += 1
        else:
            counts["FAIL"] += 1
print(f"{counts['OK']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
PY
exit $rc
