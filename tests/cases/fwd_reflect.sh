#!/usr/bin/env bash
# ixl-fwd with one port sends every frame back with its MACs swapped:
#   NIC0 (hub 0, ixl-txrx send to NIC1's MAC) -> NIC1 (hub 0, ixl-fwd ADDR1)
# Oracles: QEMU's own capture of NIC1 (exact: N frames from NIC0, N back,
# each the original with source and destination swapped, in order), and the
# Linux kernel's capture on NIC2 (hub 0, tcpdump on eth2), which under TCG
# misses part of a full-speed burst (270 of 400 seen): there only every
# reflected frame it saw must carry the swapped MACs.
. "$(dirname "$0")/lib.sh"

N=400
MAC0=52:54:00:12:34:10
MAC1=52:54:00:12:34:11

# check_reflected PCAP: "IN OUT same|differ" for the 0x88b5 frames in PCAP.
check_reflected() {
	python3 - "$1" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
e = '<' if struct.unpack('<I', data[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d) else '>'
off, frames = 24, []
while off + 16 <= len(data):
    incl = struct.unpack(e + 'I', data[off + 8:off + 12])[0]
    frames.append(data[off + 16:off + 16 + incl])
    off += 16 + incl
m0, m1 = bytes.fromhex('525400123410'), bytes.fromhex('525400123411')
frames = [f for f in frames if f[12:14] == b'\x88\xb5']
orig = [f for f in frames if f[:12] == m1 + m0]
back = [f for f in frames if f[:12] == m0 + m1]
same = back == [f[6:12] + f[:6] + f[12:] for f in orig]
print(len(orig), len(back), 'same' if same else 'differ')
PY
}

if [ "${1:-}" = guest ]; then
	A=0000:00:04.0 B=0000:00:05.0
	sysctl -qw net.ipv6.conf.eth2.disable_ipv6=1
	ip link set eth2 up
	tcpdump -i eth2 -w "$WORK/kernel.pcap" -U ether proto 0x88b5 2>"$WORK/tcpdump.err" &
	tcpd=$!
	ixl-fwd --json -c $N --duration 120 $B >"$WORK/fwd.json" 2>"$WORK/fwd.err" &
	fwd=$!
	for _ in $(seq 200); do [ -s "$WORK/fwd.json" ] && break; sleep 0.1; done
	expect_exit "ixl-txrx sends $N frames to NIC1" 0 ixl-txrx send $A $N --dst-mac $MAC1
	wait $fwd
	expect_eq "ixl-fwd -c $N (one port) exits 0" $? 0
	sleep 1
	kill -INT $tcpd
	wait $tcpd
	sum=$(python3 -c 'import json,sys
s=[json.loads(l) for l in open(sys.argv[1])][-1]
print(s.get("summary"), s["rx_packets"], s["tx_packets"], s["fwd_1to1_packets"], s["fwd_1to1_dropped"])' \
		"$WORK/fwd.json")
	expect_eq "summary: rx tx fwd_1to1_packets fwd_1to1_dropped" "$sum" "True $N $N $N 0"
	kern=$(tshark -r "$WORK/kernel.pcap" -Y 'eth.src == 52:54:00:12:34:11' -T fields \
		-e eth.dst 2>/dev/null | sort | uniq -c | awk '{print $2}')
	expect_eq "kernel capture on eth2: reflected frames go to NIC0's MAC only" "$kern" $MAC0
	expect_eq "NIC1 is back with its kernel driver" "$(nic_driver $B)" e1000
	finish
fi

vm_run --nic e1000,hub=0 --nic e1000,hub=0,dump=$WORK/nic1.pcap --nic e1000,hub=0 --timeout 400
expect_eq "QEMU capture of NIC1: N in, N back swapped" "$(check_reflected "$WORK/nic1.pcap")" \
	"$N $N same"
finish
