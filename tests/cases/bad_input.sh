#!/usr/bin/env bash
# Bad input gets a clear message and a sysexits code, and the NIC stays with
# (or goes back to) its kernel driver: unknown address, malformed address,
# a non-network device, an unsupported NIC, a NIC held by another process,
# a NIC whose interface is up; and a holder killed by SIGTERM or SIGINT with
# no handler of its own gives the NIC back through libixl's handler.
. "$(dirname "$0")/lib.sh"

if ! in_guest; then
	vm_run --nic e1000 --nic e1000e --nic rtl8139
	finish
fi

expect_exit "unknown address" 66 ixl-probe 0000:00:1c.0
expect_match "unknown address: message" "$out" "no PCI device at 0000:00:1c.0"
expect_exit "malformed address" 64 ixl-probe 00:1c
expect_match "malformed address: message" "$out" "00:1c"
expect_exit "non-network device" 69 ixl-probe 0000:00:1f.0
expect_match "non-network device: message" "$out" "0000:00:1f.0 is not a network device \(8086:2918"
expect_exit "unsupported NIC" 69 ixl-probe 0000:00:06.0
expect_match "unsupported NIC: message" "$out" "0000:00:06.0 is a 10ec:8139 \(RTL-8100/8101L/8139.*\), which no ixl driver supports"
expect_eq "unsupported NIC keeps its kernel driver" "$(nic_driver 0000:00:06.0)" 8139cp

# held by another process
wait_ready() { for _ in $(seq 100); do grep -q ready "$1" && return 0; sleep 0.1; done; return 1; }
# wait_exit PID: waits up to 20 s, sets $code (the exit status, or "hung")
wait_exit() {
	for _ in $(seq 200); do
		if ! kill -0 "$1" 2>/dev/null; then
			wait "$1"
			code=$?
			return
		fi
		sleep 0.1
	done
	code=hung
	kill -KILL "$1"
}
ixl-txrx recv --timeout 60 0000:00:04.0 1 >"$WORK/holder.out" 2>&1 &
holder=$!
expect_true "holder started" wait_ready "$WORK/holder.out"
expect_exit "NIC held by another process" 75 ixl-probe 0000:00:04.0
expect_match "held: message names the holder" "$out" "0000:00:04.0 is in use by process $holder \(ixl-txrx\)"
kill -TERM $holder
wait_exit $holder
expect_eq "holder with its own handler ends cleanly on SIGTERM (1 frame missing)" "$code" 1
expect_eq "e1000 back with its kernel driver" "$(nic_driver 0000:00:04.0)" e1000
expect_eq "e1000 interface back" "$(nic_ifname 0000:00:04.0)" eth0

# interface up
ip link set eth1 up
expect_exit "NIC whose interface is up" 75 ixl-probe 0000:00:05.0
expect_match "interface up: message" "$out" "0000:00:05.0 is bound to e1000e and eth1 is up; bring it down \(ip link set eth1 down\) or force it"
expect_eq "interface-up NIC keeps its driver" "$(nic_driver 0000:00:05.0)" e1000e
expect_eq "and its interface stays up (IFF_UP)" "$(($(cat /sys/class/net/eth1/flags) & 1))" 1
expect_exit "--force takes it anyway" 0 ixl-probe --force 0000:00:05.0
expect_eq "forced NIC goes back to e1000e" "$(nic_driver 0000:00:05.0)" e1000e
expect_eq "forced NIC's interface exists again" "$(nic_ifname 0000:00:05.0)" eth1

# no handler of the application's: libixl's handler gives the NIC back,
# also when the application crashes (SIGSEGV)
for sig in TERM INT SEGV; do
	for access in vfio sysfs; do
		flag=
		[ $access = sysfs ] && flag=--no-vfio
		# A script's background jobs start with SIGINT ignored; give it back.
		env --default-signal=INT ixl-txrx recv --default-signals $flag --timeout 60 \
			0000:00:04.0 1 >"$WORK/h.out" 2>&1 &
		holder=$!
		expect_true "SIG$sig/$access: holder started" wait_ready "$WORK/h.out"
		expect_eq "SIG$sig/$access: NIC is off its kernel driver meanwhile" \
			"$(nic_driver 0000:00:04.0)" "$([ $access = vfio ] && echo vfio-pci)"
		kill -$sig $holder
		wait_exit $holder
		want=$((128 + $(kill -l $sig)))
		expect_eq "SIG$sig/$access: died of the signal" "$code" "$want"
		expect_eq "SIG$sig/$access: e1000 back with its kernel driver" "$(nic_driver 0000:00:04.0)" e1000
		expect_eq "SIG$sig/$access: interface back" "$(nic_ifname 0000:00:04.0)" eth0
		expect_eq "SIG$sig/$access: driver_override cleared" \
			"$(cat /sys/bus/pci/devices/0000:00:04.0/driver_override)" "(null)"
	done
done
finish
