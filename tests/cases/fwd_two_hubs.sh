#!/usr/bin/env bash
# ixl-fwd between two hubs, both directions:
#   NIC0 (hub 0, ixl-txrx send) -> NIC1 (hub 0) =ixl-fwd=> NIC2 (hub 1) -> NIC3 (hub 1, ixl-txrx recv)
# and back from NIC3 to NIC0 with --dst-mac. The first direction runs over
# VFIO (ixl-fwd copies: each NIC has its own IOMMU space), the second with
# --no-vfio (zero copy on physical addresses). N fits in one rx ring, so a
# slow receiver cannot lose frames. ixl-txrx recv checks every byte
# and the exact count; QEMU's own captures of NIC1 and NIC2 must hold the
# same frames in the same order (dst MAC rewritten on the way back); the
# summary's per-direction counters must be exact.
# (ixl-txrx recv's exit status is not used: its end-of-run rx pool check
# also fails when the driver's bulk refill left a few buffers in the pool.)
. "$(dirname "$0")/lib.sh"

N=400
NEWDST=02:00:00:00:00:01

# wait_driver ADDR DRIVER: until the NIC is bound to DRIVER (ixl took it).
wait_driver() {
	for _ in $(seq 100); do
		[ "$(nic_driver "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_json FILE: until ixl-fwd printed its first interval (its loop runs).
wait_json() {
	for _ in $(seq 200); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# json_get FILE KEY: KEY of the summary object.
json_get() {
	python3 -c 'import json,sys
lines=[json.loads(l) for l in open(sys.argv[1])]
s=[o for o in lines if o.get("summary")]
print(s[-1][sys.argv[2]] if s else "no-summary")' "$1" "$2"
}

if [ "${1:-}" = guest ]; then
	A=0000:00:04.0 B=0000:00:05.0 C=0000:00:06.0 D=0000:00:07.0

	# Direction 1 -> 2: plain forwarding.
	ixl-txrx recv $D $N --timeout 90 >"$WORK/recv1.txt" 2>&1 &
	recv=$!
	wait_driver $D vfio-pci
	ixl-fwd --json -c $N --duration 120 $B $C >"$WORK/fwd1.json" 2>"$WORK/fwd1.err" &
	fwd=$!
	wait_json "$WORK/fwd1.json"
	sleep 1
	expect_exit "ixl-txrx sends $N frames into hub 0" 0 ixl-txrx send $A $N
	wait $recv
	wait $fwd
	expect_eq "ixl-fwd -c $N exits 0" $? 0
	cat "$WORK/recv1.txt"
	expect_match "hub 1 receiver: exactly $N frames, every byte right" \
		"$(cat "$WORK/recv1.txt")" "^mode=recv sent=0 received=$N bad=0 "
	expect_eq "fwd 1to2 summary: rx_packets" "$(json_get "$WORK/fwd1.json" rx_packets)" $N
	expect_eq "fwd 1to2 summary: fwd_1to2_packets" \
		"$(json_get "$WORK/fwd1.json" fwd_1to2_packets)" $N
	expect_eq "fwd 1to2 summary: tx_packets" "$(json_get "$WORK/fwd1.json" tx_packets)" $N
	expect_eq "fwd 1to2 summary: fwd_1to2_dropped" \
		"$(json_get "$WORK/fwd1.json" fwd_1to2_dropped)" 0
	expect_eq "fwd 1to2 summary: fwd_2to1_packets" \
		"$(json_get "$WORK/fwd1.json" fwd_2to1_packets)" 0
	expect_eq "fwd 1to2 summary: rx_bytes == tx_bytes" \
		"$(json_get "$WORK/fwd1.json" rx_bytes)" "$(json_get "$WORK/fwd1.json" tx_bytes)"

	# Direction 2 -> 1, rewriting the destination MAC.
	ixl-txrx recv $A $N --timeout 90 --dst-mac $NEWDST >"$WORK/recv2.txt" 2>&1 &
	recv=$!
	wait_driver $A vfio-pci
	ixl-fwd --json -c $N --duration 120 --no-vfio --dst-mac $NEWDST $B $C \
		>"$WORK/fwd2.json" 2>"$WORK/fwd2.err" &
	fwd=$!
	wait_json "$WORK/fwd2.json"
	sleep 1
	expect_exit "ixl-txrx sends $N frames into hub 1" 0 ixl-txrx send $D $N
	wait $recv
	wait $fwd
	expect_eq "ixl-fwd --dst-mac -c $N exits 0" $? 0
	cat "$WORK/recv2.txt"
	expect_match "hub 0 receiver: exactly $N frames, dst $NEWDST, every byte right" \
		"$(cat "$WORK/recv2.txt")" "^mode=recv sent=0 received=$N bad=0 "
	expect_eq "fwd 2to1 summary: fwd_2to1_packets" \
		"$(json_get "$WORK/fwd2.json" fwd_2to1_packets)" $N
	expect_eq "fwd 2to1 summary: fwd_2to1_dropped" \
		"$(json_get "$WORK/fwd2.json" fwd_2to1_dropped)" 0
	expect_eq "fwd 2to1 summary: tx_packets" "$(json_get "$WORK/fwd2.json" tx_packets)" $N
	expect_true "every JSON line parses, one summary last" python3 -c 'import json,sys
lines=[json.loads(l) for l in open(sys.argv[1])]
assert lines[-1].get("summary") is True and sum(1 for o in lines if o.get("summary"))==1
assert sum(o["rx_packets"] for o in lines[:-1] if not o.get("snapshot")) <= lines[-1]["rx_packets"]' \
		"$WORK/fwd2.json"
	finish
fi

vm_run --nic e1000,hub=0 --nic e1000,hub=0,dump=$WORK/b.pcap \
	--nic e1000,hub=1,dump=$WORK/c.pcap --nic e1000,hub=1 --timeout 500

# QEMU's captures: what NIC1 received from NIC0 must be exactly what NIC2
# sent, and what NIC2 received from NIC3 what NIC1 sent, dst rewritten.
cmp_out=$(python3 - "$WORK/b.pcap" "$WORK/c.pcap" "$N" "$NEWDST" <<'EOF'
import struct, sys
def frames(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    e = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    off, out = 24, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + 'IIII', data[off:off + 16])
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return out
b, c = frames(sys.argv[1]), frames(sys.argv[2])
n, newdst = int(sys.argv[3]), bytes.fromhex(sys.argv[4].replace(':', ''))
src0, src3 = bytes.fromhex('525400123410'), bytes.fromhex('525400123413')
fwd_in = [f for f in b if f[6:12] == src0 and f[12:14] == b'\x88\xb5']
fwd_out = [f for f in c if f[6:12] == src0 and f[12:14] == b'\x88\xb5']
back_in = [f for f in c if f[6:12] == src3 and f[12:14] == b'\x88\xb5']
back_out = [f for f in b if f[6:12] == src3 and f[12:14] == b'\x88\xb5']
print(len(fwd_in), len(fwd_out), len(back_in), len(back_out))
print('same1' if fwd_in == fwd_out else 'differ1')
print('same2' if [newdst + f[6:] for f in back_in] == back_out else 'differ2')
EOF
)
echo "$cmp_out"
expect_eq "QEMU dumps: frames in/out per direction" "$(sed -n 1p <<<"$cmp_out")" "$N $N $N $N"
expect_eq "QEMU dumps: 1->2 identical frame for frame" "$(sed -n 2p <<<"$cmp_out")" same1
expect_eq "QEMU dumps: 2->1 identical except the rewritten dst" "$(sed -n 3p <<<"$cmp_out")" same2
finish
