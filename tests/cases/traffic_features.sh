#!/usr/bin/env bash
# The e1000 driver's features beyond plain rx/tx, each checked by what
# arrives: jumbo frames up to 9014 bytes (byte for byte, and in QEMU's own
# capture), promiscuous mode on and off, the station address filter after
# a MAC change, link down and up, and the rejection of interrupt modes.
. "$(dirname "$0")/lib.sh"

if ! in_guest; then
	vm_run --nic e1000,dump="$WORK/wire.pcap" --nic e1000e
	run_capture python3 "$IXL_TOP/tests/cases/pcap_compare.py" "$WORK/wire.pcap" \
		"$WORK/jumbo.pcap" "$WORK/promisc.pcap" "$WORK/filtered.pcap" "$WORK/mac.pcap"
	expect_eq "QEMU's capture at the e1000 is what libixl sent: $out" "$rc" 0
	finish
fi

run_capture ixl-txrx loop --max-size 9014 --extend-rx 1000 --pcap "$WORK/jumbo.pcap" \
	0000:00:04.0 0000:00:05.0 3000
expect_match "jumbo: 3000 frames of 60..9014 bytes arrive intact" "$out" "sent=3000 received=3000 bad=0"
expect_eq "jumbo: exit" "$rc" 0
# 1024 entries (twice the ring), 511 of them in the ring: 513 free, then 1000 more.
expect_match "rx pool extended by 1000 while open" "$out" "rx pool extended: size 1024 -> 2024, free 513 -> 1513"


foreign=02:00:00:00:00:99
run_capture ixl-txrx loop --dst-mac $foreign --pcap "$WORK/promisc.pcap" 0000:00:04.0 0000:00:05.0 1000
expect_match "promiscuous (default): frames for another MAC arrive" "$out" "sent=1000 received=1000 bad=0"
run_capture ixl-txrx loop --no-promisc --expect-rx 0 --dst-mac $foreign --pcap "$WORK/filtered.pcap" \
	0000:00:04.0 0000:00:05.0 1000
expect_match "not promiscuous: frames for another MAC are filtered" "$out" "sent=1000 received=0 bad=0"
expect_eq "not promiscuous: exit" "$rc" 0
run_capture ixl-txrx loop --no-promisc --rx-mac $foreign --dst-mac $foreign --pcap "$WORK/mac.pcap" \
	0000:00:04.0 0000:00:05.0 1000
expect_match "MAC set to $foreign: frames for it arrive without promiscuous mode" "$out" \
	"sent=1000 received=1000 bad=0"

run_capture ixl-txrx recv --link-cycle --expect-rx 0 --timeout 1 0000:00:05.0 0
expect_match "link down: no link, speed 0" "$out" "link down: link_up=0 speed=0"
expect_match "link up again at 1000 Mbit/s" "$out" "link up: link_up=1 speed=1000"
expect_eq "link cycle: exit" "$rc" 0

expect_exit "irq_timeout_ms = 100 is rejected" 69 ixl-txrx send --irq-timeout 100 0000:00:04.0 1
expect_match "irq mode: message" "$out" "irq_timeout_ms = 100 asks for interrupts, which ixl does not implement yet; use 0 \(polling\)"
expect_eq "irq mode: e1000 keeps its kernel driver" "$(nic_driver 0000:00:04.0)" e1000
finish
