#!/usr/bin/env bash
# ixl-gen, ixl-fwd and ixl-dump in a chain, each on its own NIC:
#   Part 1 (two ports):
#   NIC0 (hub 0, ixl-gen) -> NIC1 (hub 0) ixl-fwd --dst-mac NIC2 (hub 1) -> NIC3 (hub 1, ixl-dump)
#   Part 2 (one port, reflect):
#   NIC0 (hub 0, ixl-gen) -> NIC1 (hub 0, ixl-fwd ADDR1) -> back on hub 0;
#   NIC4 (hub 0, ixl-dump) sees every frame twice: the original and the
#   reflection with its MACs swapped. ixl-gen and ixl-dump use raw sysfs
#   access here (--no-vfio).
# Counts are exact: ixl-gen -c N, ixl-fwd -c N and ixl-dump -c N (2N in
# part 2) end each tool. Oracles: tshark (sequence numbers, checksums) and
# QEMU's captures of NIC0 (what ixl-gen put on the wire) and NIC3 (what
# reached the dumping NIC), compared byte for byte on the host.
. "$(dirname "$0")/lib.sh"

N1=2000
N2=1000
DST=02:00:00:00:00:33
GEN_DST=02:00:00:00:00:02 # ixl-gen's default destination

# wait_file FILE [PATTERN]: until FILE is non-empty (or holds PATTERN), 30 s.
wait_file() {
	for _ in $(seq 300); do
		if [ -z "${2:-}" ]; then [ -s "$1" ] && return 0
		else grep -q -- "$2" "$1" 2>/dev/null && return 0; fi
		sleep 0.1
	done
	return 1
}

# end_within PID SECONDS: the exit status of PID, which must end by itself
# within SECONDS; else it gets SIGINT and this returns 200.
end_within() {
	local pid=$1 t
	for t in $(seq $(($2 * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -INT "$pid"
		wait "$pid"
		return 200
	fi
	wait "$pid"
}

# seq_check PCAP [FILTER]: the ixl-gen sequence numbers in PCAP per tshark,
# as "COUNT DISTINCT MIN MAX" and "in-order" if they are exactly 0, 1, 2...
seq_check() {
	tshark -r "$1" -Y "${2:-udp}" -T fields -e udp.payload 2>/dev/null |
		sed -n 's/^49584c47\(.\{16\}\).*/\1/p' | while read -r h; do echo $((16#$h)); done |
		awk '{ n++; if (!($1 in seen)) d++; seen[$1] = 1
		       if (n == 1 || $1 < lo) lo = $1; if (n == 1 || $1 > hi) hi = $1
		       if ($1 != n - 1) bad = 1 }
		     END { print n + 0, d + 0, lo, hi, bad ? "out-of-order" : "in-order" }'
}

# "FRAMES GOOD-IP GOOD-UDP" of PCAP per tshark (checksum status 1 = Good).
csum_good() {
	local all ipg udpg
	all=$(pcap_count "$1")
	ipg=$(tshark -r "$1" -o ip.check_checksum:TRUE -Y 'ip.checksum.status == 1' \
		-T fields -e frame.number 2>/dev/null | wc -l)
	udpg=$(tshark -r "$1" -o udp.check_checksum:TRUE -Y 'udp.checksum.status == 1' \
		-T fields -e frame.number 2>/dev/null | wc -l)
	echo "$all $ipg $udpg"
}

# json_summary FILE KEYS...: "True V1 V2..." from a tool's --json summary.
json_summary() {
	python3 - "$@" <<'PY' 2>&1
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][-1]
print(s.get("summary"), *[s[k] for k in sys.argv[2:]])
PY
}

# frames.py (pcap checks), written on the host before the guest boots, used on both.
write_pcap_tool() {
	cat >"$WORK/frames.py" <<'PY'
import struct, sys
def frames(path):
    d = open(path, 'rb').read()
    e = '<' if struct.unpack('<I', d[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    off, out = 24, []
    while off + 16 <= len(d):
        incl = struct.unpack(e + 'I', d[off + 8:off + 12])[0]
        out.append(d[off + 16:off + 16 + incl])
        off += 16 + incl
    return out
mac = lambda s: bytes.fromhex(s.replace(':', ''))
NIC0 = mac('52:54:00:12:34:10')
mode = sys.argv[1]
if mode == 'two':      # DUMP NIC0-DUMP NIC3-DUMP N DST
    got, n, dst = frames(sys.argv[2]), int(sys.argv[5]), mac(sys.argv[6])
    sent = [f for f in frames(sys.argv[3]) if f[6:12] == NIC0][:n]
    print(len(sent), got == [dst + f[6:] for f in sent], got == frames(sys.argv[4]))
elif mode == 'refl':   # DUMP N GEN-DST: originals, reflections, swapped, in order
    got, n, gd = frames(sys.argv[2]), int(sys.argv[3]), mac(sys.argv[4])
    orig = [f for f in got if f[:12] == gd + NIC0]
    back = [f for f in got if f[:12] == NIC0 + gd]
    print(len(got), len(orig), len(back), back == [f[6:12] + f[:6] + f[12:] for f in orig])
elif mode == 'sent':   # DUMP NIC0-DUMP FROM N: the originals are NIC0's frames FROM..FROM+N
    a, k, n = int(sys.argv[4]), 0, int(sys.argv[5])
    sent = [f for f in frames(sys.argv[3]) if f[6:12] == NIC0][a:a + n]
    orig = [f for f in frames(sys.argv[2]) if f[6:12] == NIC0]
    print(len(sent), orig == sent)
PY
}

if [ "${1:-}" = guest ]; then
	A=0000:00:04.0 B=0000:00:05.0 C=0000:00:06.0 D=0000:00:07.0 E=0000:00:08.0

	# ---- Part 1: gen -> fwd (two ports, --dst-mac) -> dump
	ixl-dump -c $N1 -w "$WORK/two.pcap" $D 2>"$WORK/dump1.err" &
	dump=$!
	expect_true "ixl-dump says it is listening on NIC3" wait_file "$WORK/dump1.err" "listening on"
	expect_true "ixl-dump holds NIC3 (vfio-pci)" wait_taken $D
	ixl-fwd --json -c $N1 --duration 120 --dst-mac $DST $B $C >"$WORK/fwd1.json" \
		2>"$WORK/fwd1.err" &
	fwd=$!
	expect_true "ixl-fwd holds NIC1 (vfio-pci)" wait_taken $B
	expect_true "ixl-fwd holds NIC2 (vfio-pci)" wait_taken $C
	# Its first line comes a second after it started; QEMU's e1000 holds
	# frames back for about a second after RCTL is written.
	expect_true "ixl-fwd reports" wait_file "$WORK/fwd1.json"
	sleep 1.5
	expect_exit "ixl-gen -c $N1 --rate 10k exits 0" 0 ixl-gen -c $N1 --rate 10k --json $A
	echo "$out" >"$WORK/gen1.json"
	expect_eq "ixl-gen summary: tx_packets nic_tx_packets" \
		"$(json_summary "$WORK/gen1.json" tx_packets nic_tx_packets)" "True $N1 $N1"
	end_within $fwd 30
	expect_eq "ixl-fwd -c $N1 ends by itself, exit 0" $? 0
	expect_eq "ixl-fwd summary: rx tx 1to2 1to2_dropped 2to1 rx_dropped" \
		"$(json_summary "$WORK/fwd1.json" rx_packets tx_packets fwd_1to2_packets \
			fwd_1to2_dropped fwd_2to1_packets rx_dropped)" "True $N1 $N1 $N1 0 0 0"
	end_within $dump 30
	expect_eq "ixl-dump -c $N1 ends by itself, exit 0" $? 0
	expect_match "ixl-dump: $N1 packets captured" "$(cat "$WORK/dump1.err")" \
		"^$N1 packets captured$"
	expect_match "ixl-dump: none dropped by the NIC" "$(cat "$WORK/dump1.err")" \
		"^0 packets dropped by the NIC$"
	expect_eq "tshark: frames, good IP checksums, good UDP checksums" \
		"$(csum_good "$WORK/two.pcap")" "$N1 $N1 $N1"
	expect_eq "tshark: sequence numbers 0..N1-1, each once, in order" \
		"$(seq_check "$WORK/two.pcap")" "$N1 $N1 0 $((N1 - 1)) in-order"
	expect_eq "tshark: every destination MAC rewritten" \
		"$(tshark -r "$WORK/two.pcap" -T fields -e eth.dst 2>/dev/null | sort | uniq -c |
			awk '{print $1, $2}')" "$N1 $DST"

	# ---- Part 2: gen -> fwd (one port, reflect); dump on a third NIC sees both
	# ixl-dump and ixl-gen take their NICs raw here (--no-vfio), ixl-fwd through VFIO.
	ixl-dump --no-vfio -c $((2 * N2)) -w "$WORK/refl.pcap" $E 2>"$WORK/dump2.err" &
	dump=$!
	expect_true "ixl-dump says it is listening on NIC4" wait_file "$WORK/dump2.err" "listening on"
	expect_true "ixl-dump --no-vfio holds NIC4 raw (no driver bound)" wait_taken $E raw
	ixl-fwd --json -c $N2 --duration 120 $B >"$WORK/fwd2.json" 2>"$WORK/fwd2.err" &
	fwd=$!
	expect_true "ixl-fwd holds NIC1 (vfio-pci)" wait_taken $B
	expect_true "ixl-fwd reports" wait_file "$WORK/fwd2.json"
	sleep 1.5
	expect_exit "ixl-gen --no-vfio -c $N2 --rate 10k exits 0" 0 ixl-gen --no-vfio -c $N2 --rate 10k --json $A
	echo "$out" >"$WORK/gen2.json"
	expect_eq "ixl-gen summary: tx_packets nic_tx_packets" \
		"$(json_summary "$WORK/gen2.json" tx_packets nic_tx_packets)" "True $N2 $N2"
	end_within $fwd 30
	expect_eq "ixl-fwd -c $N2 (one port) ends by itself, exit 0" $? 0
	expect_eq "ixl-fwd summary: rx tx 1to1 1to1_dropped rx_dropped" \
		"$(json_summary "$WORK/fwd2.json" rx_packets tx_packets fwd_1to1_packets \
			fwd_1to1_dropped rx_dropped)" "True $N2 $N2 $N2 0 0"
	end_within $dump 30
	expect_eq "ixl-dump -c $((2 * N2)) ends by itself, exit 0" $? 0
	expect_match "ixl-dump: $((2 * N2)) packets captured" "$(cat "$WORK/dump2.err")" \
		"^$((2 * N2)) packets captured$"
	expect_eq "frames, originals, reflections, reflections == originals with MACs swapped" \
		"$(python3 "$WORK/frames.py" refl "$WORK/refl.pcap" $N2 $GEN_DST)" \
		"$((2 * N2)) $N2 $N2 True"
	expect_eq "tshark: originals carry 0..N2-1, each once, in order" \
		"$(seq_check "$WORK/refl.pcap" "eth.src == 52:54:00:12:34:10")" \
		"$N2 $N2 0 $((N2 - 1)) in-order"
	expect_eq "tshark: so do the reflections" \
		"$(seq_check "$WORK/refl.pcap" "eth.dst == 52:54:00:12:34:10")" \
		"$N2 $N2 0 $((N2 - 1)) in-order"
	expect_eq "tshark: frames, good IP checksums, good UDP checksums" \
		"$(csum_good "$WORK/refl.pcap")" "$((2 * N2)) $((2 * N2)) $((2 * N2))"
	for x in $A $B $C $D $E; do
		expect_eq "$x back with e1000" "$(nic_driver $x)" e1000
	done
	finish
fi

write_pcap_tool
vm_run --nic e1000,hub=0,dump=$WORK/nic0.pcap --nic e1000,hub=0 --nic e1000,hub=1 \
	--nic e1000,hub=1,dump=$WORK/nic3.pcap --nic e1000,hub=0 --timeout 400
expect_eq "part 1: ixl-dump's frames == QEMU's of NIC0 (dst MAC rewritten) == QEMU's of NIC3" \
	"$(python3 "$WORK/frames.py" two "$WORK/two.pcap" "$WORK/nic0.pcap" "$WORK/nic3.pcap" \
		$N1 $DST 2>&1)" "$N1 True True"
expect_eq "part 2: originals in ixl-dump's capture == QEMU's capture of NIC0" \
	"$(python3 "$WORK/frames.py" sent "$WORK/refl.pcap" "$WORK/nic0.pcap" $N1 $N2 2>&1)" \
	"$N2 True"
finish
