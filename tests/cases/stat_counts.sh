#!/usr/bin/env bash
# ixl-stat counts what arrives, exactly, and follows ixl-gen sequence numbers.
#   NIC0 (hub 0, ixl-txrx send N)      \
#   NIC2 (hub 0, kernel eth2: python3   > NIC1 (hub 0, ixl-stat)
#         AF_PACKET, IXLG frames)      /
# The IXLG frames are crafted with numbers 0..99 minus 10, 11, 50 (lost),
# 60 sent after 70 (reordered) and 5 sent twice (a duplicate, also
# reordered), in ixl-gen's frame layout with valid checksums. Oracles:
# ixl-txrx's and the kernel's transmit counters.
. "$(dirname "$0")/lib.sh"

N=400

if [ "${1:-}" = guest ]; then
	A=0000:00:04.0 B=0000:00:05.0
	sysctl -qw net.ipv6.conf.eth2.disable_ipv6=1
	ip link set eth2 up

	# --json, -c counts intervals: 8 lines of 2 s, then the summary.
	ixl-stat --json -i 2 -c 8 $B >"$WORK/stat.json" 2>"$WORK/stat.err" &
	st=$!
	for _ in $(seq 200); do [ -s "$WORK/stat.json" ] && break; sleep 0.1; done
	ixl-txrx send $A $N >"$WORK/send.txt" 2>&1
	expect_eq "ixl-txrx sent $N frames (exit)" $? 0
	txrx_bytes=$(sed -n 's/^tx stats: packets=[0-9]* bytes=\([0-9]*\)$/\1/p' "$WORK/send.txt")
	k0=$(cat /sys/class/net/eth2/statistics/tx_packets)
	kb0=$(cat /sys/class/net/eth2/statistics/tx_bytes)
	python3 - eth2 <<'PY'
import socket, struct, sys
seqs = [s for s in range(100) if s not in (10, 11, 50, 60)]
seqs.insert(seqs.index(70) + 1, 60)
seqs.append(5)
def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('>%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
src, dst = bytes([10, 0, 0, 2]), bytes([10, 0, 0, 1])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
for q in seqs:
    # ixl-gen's layout: "IXLG", 64-bit seq, 48-bit time, both big endian;
    # 60-byte frames with valid checksums, as ixl-stat checks them.
    payload = b'IXLG' + struct.pack('>Q', q) + (1000 + q).to_bytes(6, 'big')
    udp = struct.pack('>HHHH', 9, 9, 8 + len(payload), 0) + payload
    c = csum(src + dst + struct.pack('>BBH', 0, 17, len(udp)) + udp) or 0xffff
    udp = udp[:6] + struct.pack('>H', c) + udp[8:]
    hdr = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), q, 0, 64, 17, 0, src, dst)
    hdr = hdr[:10] + struct.pack('>H', csum(hdr)) + hdr[12:]
    s.send(bytes.fromhex('525400123411525400123412') + b'\x08\x00' + hdr + udp)
PY
	sleep 1
	k=$(( $(cat /sys/class/net/eth2/statistics/tx_packets) - k0 ))
	kb=$(( $(cat /sys/class/net/eth2/statistics/tx_bytes) - kb0 ))
	expect_eq "kernel eth2 sent the 98 crafted frames" "$k" 98
	wait $st
	expect_eq "ixl-stat -c 8 exits 0" $? 0
	got=$(python3 -c 'import json,sys
lines=[json.loads(l) for l in open(sys.argv[1])]
iv=[o for o in lines if not o.get("summary")]
s=lines[-1]
print(len(iv), s.get("summary"), sum(o["rx_packets"] for o in iv), s["rx_packets"],
      sum(o["rx_bytes"] for o in iv), s["rx_bytes"], s["gen_packets"], s["lost"],
      s["reordered"], s["duplicates"], s["rx_dropped"], s["rx_errors"])' "$WORK/stat.json")
	read -r lines summ isum srx ibytes sbytes gen lost reord dup drop errs <<<"$got"
	expect_eq "8 interval objects and a summary" "$lines $summ" "8 True"
	expect_eq "sum of interval rx_packets == N + 98" "$isum" $((N + 98))
	expect_eq "summary rx_packets == N + 98" "$srx" $((N + 98))
	expect_eq "sum of interval rx_bytes == sent bytes (ixl-txrx + kernel)" "$ibytes" \
		$((txrx_bytes + kb))
	expect_eq "summary rx_bytes" "$sbytes" $((txrx_bytes + kb))
	expect_eq "ixl-gen frames / lost / reordered / duplicates" "$gen $lost $reord $dup" "98 3 2 1"
	expect_eq "no drops, no errors" "$drop $errs" "0 0"

	# --csv, ended by --duration: the last, partial interval has its row.
	ixl-stat --csv -i 1 --duration 8 $B >"$WORK/stat.csv" 2>"$WORK/stat2.err" &
	st=$!
	for _ in $(seq 200); do [ -s "$WORK/stat.csv" ] && [ "$(wc -l <"$WORK/stat.csv")" -ge 2 ] && break; sleep 0.1; done
	expect_exit "ixl-txrx sends $N more" 0 ixl-txrx send $A $N
	wait $st
	expect_eq "ixl-stat --duration exits 0" $? 0
	got=$(python3 -c 'import csv,sys
rows=list(csv.DictReader(open(sys.argv[1])))
print(len(rows) >= 8, sum(int(r["rx_packets"]) for r in rows), [int(r["interval"]) for r in rows] == list(range(1, len(rows)+1)))' "$WORK/stat.csv")
	expect_eq "CSV parses; rows >= 8, rx_packets sum, intervals numbered" "$got" "True $N True"
	expect_exit "-c is strict" 64 ixl-stat -c 1x $B
	expect_match "-c message names the value" "$out" "invalid value '1x' for"
	expect_eq "NIC1 back with e1000" "$(nic_driver $B)" e1000
	finish
fi

vm_run --nic e1000,hub=0 --nic e1000,hub=0 --nic e1000,hub=0 --timeout 400
finish
