#!/usr/bin/env bash
# ixl-gen into ixl-stat, both ours, end to end:
#   NIC0 (e1000, hub 0, ixl-gen; QEMU dump=) -> NIC1 (e1000, hub 0, ixl-stat)
# Run 1: ixl-gen -c N; ixl-stat must count exactly N frames, N of them
# ixl-gen's, none lost, reordered or duplicated.
# Run 2: ixl-gen --pcap replays a capture built here in ixl-gen's layout
# (checked by tshark) with sequence numbers 0..199 minus 3, 50, 51, 52, 120,
# 198 and 101 sent before 100: ixl-stat must say 194 frames, 6 lost, 1
# reordered, 0 duplicates.
# Oracles: ixl-gen's own summary, tshark on the replayed file, and QEMU's
# capture of what NIC0 put on the wire (host side, after the guest).
. "$(dirname "$0")/lib.sh"

N=3000
GONE="3 50 51 52 120 198"

# stat_summary FILE: "rx_packets gen_packets lost reordered duplicates
# rx_dropped rx_errors" of ixl-stat's --json summary.
stat_summary() {
	python3 -c 'import json,sys
lines=[json.loads(l) for l in open(sys.argv[1])]
s=lines[-1]
iv=[o for o in lines if not o.get("summary")]
assert s.get("summary") is True
assert sum(o["rx_packets"] for o in iv) == s["rx_packets"], "intervals do not add up"
print(s["rx_packets"], s["gen_packets"], s["lost"], s["reordered"], s["duplicates"],
      s["rx_dropped"], s["rx_errors"])' "$1" 2>&1
}

# ixl-gen's --json summary (its stderr lines skipped): "True tx_packets nic_tx_packets".
gen_summary() {
	python3 -c 'import json,sys
s=[json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][-1]
print(s.get("summary"), s["tx_packets"], s["nic_tx_packets"])' "$1" 2>&1
}

# start_stat OUT: ixl-stat on NIC1 in the background ($st), ready to count.
start_stat() {
	ixl-stat --json -i 1 $B >"$1" 2>"$1.err" &
	st=$!
	expect_true "ixl-stat holds NIC1 (vfio-pci)" wait_taken $B
	# The first line comes a second after counting started; QEMU's e1000
	# holds frames back for about a second after RCTL is written.
	for _ in $(seq 300); do [ -s "$1" ] && break; sleep 0.1; done
	sleep 1.5
}

# stop_stat: SIGINT after the last frame had time to land; exit 0.
stop_stat() {
	sleep 1.5
	kill -INT $st
	wait $st
	expect_eq "ixl-stat ends on SIGINT with exit 0" $? 0
}

if [ "${1:-}" = guest ]; then
	A=0000:00:04.0 B=0000:00:05.0

	start_stat "$WORK/stat1.json"
	expect_exit "ixl-gen -c $N --rate 20k exits 0" 0 \
		ixl-gen -c $N --rate 20k --json $A
	echo "$out" >"$WORK/gen1.json"
	expect_eq "ixl-gen summary: tx_packets, NIC's count" "$(gen_summary "$WORK/gen1.json")" \
		"True $N $N"
	stop_stat
	expect_eq "ixl-stat: rx gen lost reordered duplicates dropped errors" \
		"$(stat_summary "$WORK/stat1.json")" "$N $N 0 0 0 0 0"

	# The replayed file: ixl-gen's layout (60 bytes, valid checksums).
	python3 - "$WORK/gaps.pcap" $GONE <<'PY'
import struct, sys
gone = {int(x) for x in sys.argv[2:]}
def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('>%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
src, dst = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
def frame(q):
    payload = b'IXLG' + struct.pack('>Q', q) + (5000 + q).to_bytes(6, 'big')
    udp = struct.pack('>HHHH', 1024, 9, 8 + len(payload), 0) + payload
    c = csum(src + dst + struct.pack('>BBH', 0, 17, len(udp)) + udp) or 0xffff
    udp = udp[:6] + struct.pack('>H', c) + udp[8:]
    ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack('>H', csum(ip)) + ip[12:]
    return bytes.fromhex('020000000002525400123410') + b'\x08\x00' + ip + udp
seqs = [q for q in range(200) if q not in gone]
i = seqs.index(100)
seqs[i], seqs[i + 1] = seqs[i + 1], seqs[i]
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for k, q in enumerate(seqs):
        b = frame(q)
        f.write(struct.pack('<IIII', k, 0, len(b), len(b)) + b)
PY
	got=$(tshark -r "$WORK/gaps.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-T fields -e ip.checksum.status -e udp.checksum.status 2>/dev/null | sort | uniq -c |
		awk '{print $1, $2, $3}')
	# tshark checksum status 1 is "Good" (0 Bad, 2 Unverified).
	expect_eq "tshark: 194 frames in the file, IP and UDP checksums good" "$got" "194 1 1"

	start_stat "$WORK/stat2.json"
	expect_exit "ixl-gen --pcap (194 frames) exits 0" 0 \
		ixl-gen --pcap "$WORK/gaps.pcap" --rate 5k --json $A
	echo "$out" >"$WORK/gen2.json"
	expect_eq "ixl-gen summary: tx_packets, NIC's count" "$(gen_summary "$WORK/gen2.json")" \
		"True 194 194"
	stop_stat
	expect_eq "ixl-stat: rx gen lost reordered duplicates dropped errors" \
		"$(stat_summary "$WORK/stat2.json")" "194 194 6 1 0 0 0"
	expect_eq "NIC0 back with e1000" "$(nic_driver $A)" e1000
	expect_eq "NIC1 back with e1000" "$(nic_driver $B)" e1000
	finish
fi

vm_run --nic e1000,hub=0,dump=$WORK/nic0.pcap --nic e1000,hub=0 --timeout 300
# QEMU's capture of NIC0: the sequence numbers it put on the wire, in order.
got=$(tshark -r "$WORK/nic0.pcap" -Y 'eth.src == 52:54:00:12:34:10 && udp' -T fields \
	-e udp.payload 2>/dev/null | python3 -c '
import sys
gone = {int(x) for x in sys.argv[2:]}
n = int(sys.argv[1])
seqs = [int(l[8:24], 16) for l in sys.stdin.read().split() if l.startswith("49584c47")]
want = list(range(n)) + [q for q in range(200) if q not in gone]
i = n + want[n:].index(100)
want[i], want[i + 1] = want[i + 1], want[i]
print(len(seqs), seqs == want)' $N $GONE)
expect_eq "QEMU capture of NIC0: N + 194 ixl-gen frames, sequence numbers as expected" \
	"$got" "$((N + 194)) True"
finish
