#!/usr/bin/env bash
# ixl-fwd counts and frees what the egress NIC cannot take. Forced: ixl-fwd
# is stopped (SIGSTOP) while N frames arrive, so its 1024-descriptor rx ring
# fills; after SIGCONT one rx batch of 512 meets a 64-descriptor tx ring that
# takes at most 63. Then SIGINT must end the run with the summary.
#   NIC0 (hub 0, ixl-txrx send) -> NIC1 (hub 0) =ixl-fwd=> NIC2 (hub 1, QEMU capture)
# Checks: dropped > 0; per direction forwarded + dropped == received; what
# QEMU saw NIC2 send == forwarded; NIC1's own drop counter + received == N;
# both NICs back with their kernel driver.
. "$(dirname "$0")/lib.sh"

N=2000

if [ "${1:-}" = guest ]; then
	A=0000:00:04.0 B=0000:00:05.0 C=0000:00:06.0
	ixl-fwd --json --batch 512 --rx-depth 1024 --tx-depth 64 --duration 120 $B $C \
		>"$WORK/fwd.json" 2>"$WORK/fwd.err" &
	fwd=$!
	for _ in $(seq 200); do [ -s "$WORK/fwd.json" ] && break; sleep 0.1; done
	kill -STOP $fwd
	expect_exit "ixl-txrx sends $N frames while ixl-fwd is stopped" 0 ixl-txrx send $A $N
	kill -CONT $fwd
	sleep 3
	kill -INT $fwd
	wait $fwd
	expect_eq "ixl-fwd ends on SIGINT with exit 0" $? 0
	cat "$WORK/fwd.err"
	python3 -c 'import json,sys
s=[json.loads(l) for l in open(sys.argv[1])][-1]
print(" ".join(str(s[k]) for k in ("summary","rx_packets","fwd_1to2_packets","fwd_1to2_dropped","tx_packets","rx_missed","fwd_2to1_packets")))' \
		"$WORK/fwd.json" >"$WORK/summary.txt"
	read -r summ rx fwd12 drop12 tx missed fwd21 <"$WORK/summary.txt"
	echo "summary: rx=$rx forwarded=$fwd12 dropped=$drop12 tx=$tx rx_missed=$missed"
	expect_eq "a summary object ends the JSON" "$summ" True
	expect_true "frames were dropped at the full tx ring ($drop12)" [ "$drop12" -gt 0 ]
	expect_eq "forwarded + dropped == received" $((fwd12 + drop12)) "$rx"
	expect_eq "tx_packets == forwarded" "$tx" "$fwd12"
	expect_eq "NIC1 received + missed by the NIC == $N" $((rx + missed)) $N
	expect_eq "nothing went the other way" "$fwd21" 0
	expect_eq "NIC1 back with e1000" "$(nic_driver $B)" e1000
	expect_eq "NIC2 back with e1000" "$(nic_driver $C)" e1000
	finish
fi

vm_run --nic e1000,hub=0 --nic e1000,hub=0 --nic e1000,hub=1,dump=$WORK/nic2.pcap --timeout 400
read -r _ _ fwd12 _ <"$WORK/summary.txt" || fwd12=missing
expect_eq "QEMU saw NIC2 send exactly the forwarded frames" \
	"$(pcap_count "$WORK/nic2.pcap" 'eth.src == 52:54:00:12:34:10 && eth.type == 0x88b5')" "$fwd12"
finish
