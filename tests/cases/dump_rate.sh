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
# rate rather than as loss. The checks are on counts only (every frame
# captured once); the rates are printed for the record. Absolute rates move
# with the host's load: compare the two lines of one run.
. "$(dirname "$0")/lib.sh"

N=${IXL_DUMP_RATE_FRAMES:-1000000}

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

# ---- ixl-dump on NIC 0
"$DUMP" -w "$T/ixl.pcap" "$IXL_VM_NIC0_PCI" 2>"$T/ixl.err" &
DPID=$!
for _ in $(seq 600); do grep -q "listening on" "$T/ixl.err" && break; sleep 0.1; done
ixl_pps=$(pg_run eth1 "$IXL_VM_NIC0_MAC")
sleep 1
kill -INT "$DPID"
wait "$DPID"
expect_eq "ixl-dump: exit 0" "$?" 0
ixl_cap=$(sed -nE 's/^([0-9]+) packets captured/\1/p' "$T/ixl.err")
ixl_drop=$(sed -nE 's/^([0-9]+) packets dropped by the NIC/\1/p' "$T/ixl.err")
expect_eq "ixl-dump: captured every frame" "$ixl_cap" "$N"
expect_eq "ixl-dump: the NIC dropped none" "$ixl_drop" 0
expect_eq "ixl-dump: pktgen's sequence numbers, each once" "$(pktgen_distinct "$T/ixl.pcap")" "$N"
grep -E "total" "$T/ixl.err"
rm -f "$T/ixl.pcap"

# ---- the kernel's e1000 and tcpdump on NIC 2
tcpdump -i eth2 -n -Z root -B 32768 -w "$T/k.pcap" 2>"$T/k.err" &
KPID=$!
for _ in $(seq 600); do grep -q "listening on" "$T/k.err" && break; sleep 0.1; done
k_pps=$(pg_run eth3 "$IXL_VM_NIC2_MAC")
sleep 1
kill -INT "$KPID"
wait "$KPID"
k_cap=$(sed -nE 's/^([0-9]+) packets? captured/\1/p' "$T/k.err")
k_drop=$(sed -nE 's/^([0-9]+) packets? dropped by kernel/\1/p' "$T/k.err")
k_distinct=$(pktgen_distinct "$T/k.pcap")
rm -f "$T/k.pcap"

echo "RATE ixl-dump (e1000, ixl):       $ixl_pps frames/s end to end, $ixl_cap of $N captured, $ixl_drop dropped"
echo "RATE tcpdump -w (e1000, kernel):  $k_pps frames/s end to end, $k_cap of $N captured ($k_distinct distinct), $k_drop dropped by kernel"
if [ -n "$ixl_pps" ] && [ -n "$k_pps" ] && [ "$k_pps" -gt 0 ]; then
	echo "RATE ratio ixl-dump / tcpdump: $(awk -v a="$ixl_pps" -v b="$k_pps" 'BEGIN {printf "%.2f", a / b}')"
fi
finish
