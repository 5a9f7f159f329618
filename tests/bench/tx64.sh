#!/usr/bin/env bash
# Benchmark (not a test): tx packets per second of 60-byte frames (64 with
# FCS) with libixl versus dpdk-testpmd --forward-mode=txonly, on the same
# emulated e1000 and e1000e, in one guest run, printing the ratio. Each NIC
# is alone on its hub, so nothing paces the sender but the emulation.
#   tests/bench/tx64.sh [SECONDS]      (default 10 per contender)
# Absolute rates move with the host's load: read the ratios.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${IXL_BUILD:-$top/build}
secs=${1:-10}

if [ "${IXL_VM:-}" != 1 ]; then
	bash "$top/tests/vm/install-deps.sh" dpdk-dev
	bash "$top/tests/vm/prepare.sh"
	cmake -S "$top" -B "$build" >/dev/null && cmake --build "$build" -j"$(nproc)" >/dev/null
	exec env IXL_BUILD="$build" "$top/tests/vm/ixl-vm" --host-idle-poll --nic e1000,hub=0 --nic e1000e,hub=1 \
		--hugepages 512 -- bash "$0" "$secs"
fi

# mean of the per-second rates, leaving out the first (warm-up) and last
mean_mid() { awk '{ v[NR] = $1 } END { n = 0; s = 0; for (i = 2; i < NR; i++) { s += v[i]; n++ }
	if (n == 0 && NR > 0) { s = v[NR]; n = 1 } printf "%.0f\n", n ? s / n : 0 }'; }

ixl_pps() {
	"$build/tests/ixl-txbench" "$1" "$secs" 60 "$2" | awk '/^tx_pps/ { print $2 }' | mean_mid
}

dpdk_pps() {
	local pci=$1 sysdev=/sys/bus/pci/devices/$1 drv
	drv=$(basename "$(readlink $sysdev/driver)")
	echo vfio-pci >$sysdev/driver_override
	echo "$pci" >$sysdev/driver/unbind
	echo "$pci" >/sys/bus/pci/drivers_probe
	timeout -s INT $((secs + 3)) dpdk-testpmd -l 0-1 -n 1 -a "$pci" --file-prefix ixlbench \
		-m 256 --log-level=1 -- --forward-mode=txonly --txpkts=60 --burst="$2" --txq=1 --rxq=1 \
		--stats-period 1 2>/dev/null | tr -d '\033' |
		awk '{ for (i = 1; i < NF; i++) if ($i == "Tx-pps:") print $(i + 1) }' | mean_mid
	echo "$pci" >$sysdev/driver/unbind
	echo >$sysdev/driver_override
	echo "$pci" >/sys/bus/pci/drivers/$drv/bind
}

printf '%-8s %6s %14s %14s %8s\n' NIC burst "libixl pps" "testpmd pps" ratio
for nic in "0000:00:04.0 e1000" "0000:00:05.0 e1000e"; do
	set -- $nic
	for burst in 32 128; do
		a=$(ixl_pps "$1" $burst)
		b=$(dpdk_pps "$1" $burst)
		ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
		printf '%-8s %6s %14s %14s %8s\n' "$2" $burst "$a" "$b" "$ratio"
	done
done
