#!/usr/bin/env bash
# How often libixl's e1000 receive path rings the doorbell (writes RDT, the
# rx tail register). In a VM every doorbell is an exit into the device model
# under the hypervisor's lock, so it should ring once per 1024 frames
# (E1000_RX_REFILL_MAX) on a deep ring, and once more when the line goes
# quiet: not every few frames, as when it topped the ring up on every
# empty poll. ixl-gen on the e1000 sends N frames at 100,000/s to ixl-dump
# on the e1000e (its default ring of 65528 descriptors), one hub. Every frame
# must arrive, and QEMU's own trace of the e1000e's register writes (-trace
# e1000e_core_write, host side) must show between N / 1088 and N / 500 tail
# writes: 100-102 in three runs here, against 37,913 when the ring was topped
# up on every empty poll. The upper bound leaves room for a few top-ups in
# the middle of the run, after stalls of the guest.
. "$(dirname "$0")/lib.sh"

N=100000
RDT=0x2818 # SDM 13.4.29 (82574L: RDT0)

if [ "${1:-}" = guest ]; then
	A=0000:00:04.0 B=0000:00:05.0

	ixl-dump -w /dev/null "$B" 2>"$WORK/dump.err" &
	dpid=$!
	dump_listening "$WORK/dump.err"
	expect_exit "ixl-gen -c $N --rate 100k exits 0" 0 ixl-gen -q -c $N --rate 100k "$A"
	sleep 1
	kill -INT $dpid
	wait $dpid
	expect_eq "ixl-dump ends on SIGINT with exit 0" $? 0
	expect_match "ixl-dump captured all $N frames" "$(cat "$WORK/dump.err")" \
		"^$N packets captured$"
	finish
fi

IXL_VM_QEMU_ARGS="-trace enable=e1000e_core_write -D $WORK/qemu-trace.log" \
	vm_run --nic e1000,hub=0 --nic e1000e,hub=0
# Tail writes with a nonzero value: ixl-dump's refills. The zeros are its
# ring set-up and the kernel driver's resets, before and after.
count=$(grep -c "e1000e_core_write Write to register $RDT, 4 byte(s), value: 0x[1-9a-f]" \
	"$WORK/qemu-trace.log")
echo "QEMU saw $count rx tail writes with a nonzero tail for $N frames"
# Each refill hands back at most 1087 slots (it comes once 1024 are missing,
# checked every batch of up to 64), and by the end all N are back.
expect_true "at least N / 1088 = $((N / 1088)) rx tail writes ($count)" [ "$count" -ge $((N / 1088)) ]
expect_true "at most N / 500 = $((N / 500)) rx tail writes ($count)" [ "$count" -le $((N / 500)) ]
finish
