#!/usr/bin/env bash
# Runs every ixl test on a Debian 12 machine, installing what is missing
# (needs root for that): the unit tests in a -Werror build and again under
# AddressSanitizer + UBSan, then the whole ctest suite, whose bench tests
# (label vm) boot QEMU guests with emulated NICs.
#   tests/all.sh [CTEST ARGS...]     e.g. tests/all.sh -L unit
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)

bash "$top/tests/vm/install-deps.sh"
bash "$top/tests/vm/prepare.sh"

cmake -S "$top" -B "$top/build-asan" -DIXL_WERROR=ON -DIXL_SANITIZE=ON -DIXL_VM_TESTS=OFF \
	-DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$top/build-asan" -j"$jobs"
(cd "$top/build-asan" && ctest -L unit --output-on-failure)

cmake -S "$top" -B "$top/build" -DIXL_WERROR=ON >/dev/null
cmake --build "$top/build" -j"$jobs"
cd "$top/build"
exec ctest --output-on-failure "$@"
