#!/usr/bin/env bash
# Benchmark, not a timing test: how fast ixl-dump captures without loss,
# next to the Linux kernel's e1000 driver with tcpdump -w, in one guest run.
# Each pair is alone on its QEMU hub: kernel pktgen on an e1000e sends
# 1,000,000 64-byte frames (60 + FCS) to an e1000, captured by ixl-dump
# (hub 0) or by the kernel and tcpdump (hub 1).
#
# On a QEMU hub the receiver paces the sender: when the receiving NIC has no
# free descriptor, QEMU holds the frame back instead of dropping it, so the
# figure is the rate of the whole chain, and a slow receiver shows as a low
# rate rather than as loss. That holds only while QEMU's queue lasts: frames
# beyond it vanish (counted by nobody), and the e1000 model counts a frame it
# had no descriptor for as missed (MPC). Whether every frame arrives is
# therefore a matter of rates, and is printed ("LOSSLESS yes/no"), not
# checked; the checks are what must hold at any rate: a clean exit, as many
# records in the file as the summary says, no sequence number twice, and no
# more frames accounted for than were sent. Absolute rates move with the
# host's load: compare the lines of one run.
. "$(dirname "$0")/lib.sh"

N=${IXL_DUMP_RATE_FRAMES:-300000}

if [ "${1:-}" != guest ]; then
	vm_run --nic e1000,hub=0 --nic e1000e,hub=0 --nic e1000,hub=1 --nic e1000e,hub=1 \
		--timeout 500
	finish
fi

T=/tmp/rate
mkdir -p "$T"
DUMP=$IXL_BUILD/cmd/ixl-dump
for i in 1 2 3; do sysctl -qw "net.ipv6.conf.eth$i.disable_ipv6=1"; done
ip link set eth1 up
ip link set eth3 up
ip link set eth2 up
modprobe pktgen
for _ in $(seq 100); do
	[ "$(cat /sys/class/net/eth1/operstate)$(cat /sys/class/net/eth3/operstate)" = upup ] && break
	sleep 0.1
done

# wait_listening FILE: until the capture says it listens, then 1.2 s more:
# QEMU's e1000 model refuses frames for one second after every write to RCTL
# (flush_queue_timer in hw/net/e1000.c; device init and promiscuous mode both
# write it) and then delivers the held frames in one burst that no ring holds.
wait_listening() {
	dump_listening "$1" 60
	sleep 1.2
}
# pg_run IFACE DST_MAC: sends $N frames from IFACE, prints pktgen's pps.
pg_run() {
	local d=/proc/net/pktgen/$1
	echo rem_device_all >/proc/net/pktgen/kpktgend_0
	echo "add_device $1" >/proc/net/pktgen/kpktgend_0
	for c in "count $N" "pkt_size 60" "delay 0" "dst 10.0.0.2" "dst_mac $2" \
		"udp_dst_min 9" "udp_dst_max 9" "clone_skb 0" "burst 1"; do
		echo "$c" >"$d"
	done
	echo start >/proc/net/pktgen/pgctrl
	grep -Eo '[0-9]+pps' "$d" | head -1 | tr -d pps
}
pktgen_distinct() {
	python3 - "$1" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
off, seqs = 24, set()
while off + 16 <= len(d):
    cap = struct.unpack('<I', d[off + 8:off + 12])[0]
    if d[off + 16 + 42:off + 16 + 46] == b'\xbe\x9b\xe9\x55':
        seqs.add(struct.unpack('>I', d[off + 16 + 46:off + 16 + 50])[0])
    off += 16 + cap
print(len(seqs))
EOF
}

# pktgen's thread runs on CPU 0; both receivers get CPU 1 to themselves.
# ---- ixl-dump on NIC 0
taskset -c 1 "$DUMP" -w "$T/ixl.pcap" "$IXL_VM_NIC0_PCI" 2>"$T/ixl.err" &
DPID=$!
wait_listening "$T/ixl.err"
ixl_pps=$(pg_run eth1 "$IXL_VM_NIC0_MAC")
sleep 1
kill -INT "$DPID"
wait "$DPID"
expect_eq "ixl-dump: exit 0" "$?" 0
ixl_cap=$(sed -nE 's/^([0-9]+) packets captured/\1/p' "$T/ixl.err")
ixl_drop=$(sed -nE 's/^([0-9]+) packets dropped by the NIC/\1/p' "$T/ixl.err")
ixl_recs=$(python3 - "$T/ixl.pcap" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
off = 24
n = 0
while off + 16 <= len(d):
    off += 16 + struct.unpack('<I', d[off + 8:off + 12])[0]
    n += 1
print(n if off == len(d) else -1)
EOF
)
expect_eq "ixl-dump: records in the file = summary's captured" "$ixl_recs" "$ixl_cap"
expect_eq "ixl-dump: no pktgen sequence number twice" "$(pktgen_distinct "$T/ixl.pcap")" "$ixl_cap"
expect_true "ixl-dump: captured + dropped <= sent" test $((ixl_cap + ixl_drop)) -le "$N"
grep -E "total" "$T/ixl.err"
rm -f "$T/ixl.pcap"

# ---- the kernel's e1000 and tcpdump on NIC 2
taskset -c 1 tcpdump -i eth2 -n -Z root -B 32768 -w "$T/k.pcap" 2>"$T/k.err" &
KPID=$!
wait_listening "$T/k.err"
k_pps=$(pg_run eth3 "$IXL_VM_NIC2_MAC")
sleep 1
kill -INT "$KPID"
wait "$KPID"
k_cap=$(sed -nE 's/^([0-9]+) packets? captured/\1/p' "$T/k.err")
k_drop=$(sed -nE 's/^([0-9]+) packets? dropped by kernel/\1/p' "$T/k.err")
k_distinct=$(pktgen_distinct "$T/k.pcap")
k_missed=$(cat /sys/class/net/eth2/statistics/rx_missed_errors)
rm -f "$T/k.pcap"

# ---- ixl-gen on NIC 1 (ixl too) into ixl-dump, when ixl-gen is built
GEN=$IXL_BUILD/cmd/ixl-gen
if [ -x "$GEN" ]; then
	ip link set eth1 down
	taskset -c 1 "$DUMP" -w "$T/gen.pcap" "$IXL_VM_NIC0_PCI" 2>"$T/gen-dump.err" &
	DPID=$!
	wait_listening "$T/gen-dump.err"
	taskset -c 0 "$GEN" --json -q -c "$N" --dst-mac "$IXL_VM_NIC0_MAC" "$IXL_VM_NIC1_PCI" \
		>"$T/gen.json" 2>"$T/gen.err"
	expect_eq "ixl-gen: exit 0" "$?" 0
	gen_pps=$(tail -1 "$T/gen.json" | python3 -c 'import json, sys; print(int(json.load(sys.stdin)["tx_pps"]))')
	sleep 1
	kill -INT "$DPID"
	wait "$DPID"
	gen_cap=$(sed -nE 's/^([0-9]+) packets captured/\1/p' "$T/gen-dump.err")
	gen_drop=$(sed -nE 's/^([0-9]+) packets dropped by the NIC/\1/p' "$T/gen-dump.err")
	gen_distinct=$(python3 - "$T/gen.pcap" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
off, seqs = 24, set()
while off + 16 <= len(d):
    cap = struct.unpack('<I', d[off + 8:off + 12])[0]
    f = d[off + 16:off + 16 + cap]
    if f[42:46] == b'IXLG':
        seqs.add(struct.unpack('>Q', f[46:54])[0])
    off += 16 + cap
print(len(seqs))
EOF
	)
	rm -f "$T/gen.pcap"
	expect_eq "ixl-gen -> ixl-dump: no sequence number twice" "$gen_distinct" "$gen_cap"
	expect_true "ixl-gen -> ixl-dump: captured + dropped <= sent" \
		test $((gen_cap + gen_drop)) -le "$N"
	echo "LOSSLESS ixl-gen -> ixl-dump: $([ "$gen_cap" = "$N" ] && echo yes || echo no)"
	echo "RATE ixl-gen -> ixl-dump (e1000e -> e1000, both ixl): $gen_pps frames/s sent, $gen_cap of $N captured, $gen_drop dropped"
fi

echo "LOSSLESS pktgen -> ixl-dump: $([ "$ixl_cap" = "$N" ] && echo yes || echo no)"
echo "LOSSLESS pktgen -> tcpdump: $([ "$k_cap" = "$N" ] && echo yes || echo no)"
echo "RATE ixl-dump (e1000, ixl):       $ixl_pps frames/s end to end, $ixl_cap of $N captured, $ixl_drop dropped"
echo "RATE tcpdump -w (e1000, kernel):  $k_pps frames/s end to end, $k_cap of $N captured ($k_distinct distinct), $k_drop dropped by kernel, $k_missed missed by the NIC"
if [ -n "$ixl_pps" ] && [ -n "$k_pps" ] && [ "$k_pps" -gt 0 ]; then
	echo "RATE ratio ixl-dump / tcpdump: $(awk -v a="$ixl_pps" -v b="$k_pps" 'BEGIN {printf "%.2f", a / b}')"
fi
finish
