#!/usr/bin/env bash
# The ixl demo on the virtual bench, on a Debian 12 machine (root installs
# what is missing): builds ixl, boots a QEMU guest with an e1000 and an
# e1000e on one virtual wire, and inside it lists the NICs and takes each
# in turn with ixl-probe, which gives it back to the kernel afterwards.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build

if [ "${IXL_VM:-}" != 1 ]; then
	bash "$top/tests/vm/install-deps.sh"
	bash "$top/tests/vm/prepare.sh"
	cmake -S "$top" -B "$build" >/dev/null
	cmake --build "$build" -j"$(nproc)" >/dev/null
	exec "$top/tests/vm/ixl-vm" --nic e1000 --nic e1000e -- bash "$0" "$@"
fi
# In the guest from here on.
PATH=$build/cmd:$PATH
run() {
	printf '\n$ %s\n' "$*"
	"$@"
}
run ixl-probe
run ixl-probe 0000:00:04.0
run ixl-probe 0000:00:05.0
run ixl-probe --json 0000:00:05.0
run ixl-probe
