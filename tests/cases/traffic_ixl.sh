#!/usr/bin/env bash
# 100,000 frames of 60 to 1514 bytes sent with libixl on one e1000-family
# NIC arrive byte for byte and in order at another through a hub (ixl-txrx
# checks every byte), first e1000 -> e1000e through VFIO, then e1000e ->
# e1000 through raw sysfs access. QEMU's own capture of each NIC (both
# directions) holds exactly the frames libixl meant to send, run after run.
# No buffer leaks: ixl-txrx fails unless every pool's free count is back
# where it started. Last, the e1000e's receive checksum offload is off while
# ixl-dump holds it.
. "$(dirname "$0")/lib.sh"
N=100000

if ! in_guest; then
	vm_run --nic e1000,dump="$WORK/wire-e1000.pcap" --nic e1000e,dump="$WORK/wire-e1000e.pcap"
	for nic in e1000 e1000e; do
		run_capture python3 "$IXL_TOP/tests/cases/pcap_compare.py" "$WORK/wire-$nic.pcap" \
			"$WORK/sent-e1000.pcap" "$WORK/sent-e1000e.pcap"
		expect_eq "QEMU's capture at the $nic is what libixl sent: $out" "$rc" 0
		expect_match "QEMU's capture at the $nic holds both runs" "$out" "^frames=$((2 * N)) "
	done
	finish
fi

run_capture ixl-txrx loop --pcap "$WORK/sent-e1000.pcap" 0000:00:04.0 0000:00:05.0 $N
echo "$out"
expect_eq "e1000 -> e1000e via VFIO: exit" "$rc" 0
expect_match "e1000 -> e1000e: all received intact" "$out" "sent=$N received=$N bad=0"
expect_match "e1000e hardware counted $N frames in" "$out" "rx stats: packets=$N "
expect_match "e1000 hardware counted $N frames out" "$out" "tx stats: packets=$N "

run_capture ixl-txrx loop --no-vfio --pcap "$WORK/sent-e1000e.pcap" 0000:00:05.0 0000:00:04.0 $N
echo "$out"
expect_eq "e1000e -> e1000 via raw sysfs: exit" "$rc" 0
expect_match "e1000e -> e1000: all received intact" "$out" "sent=$N received=$N bad=0"
expect_match "e1000 hardware counted $N frames in" "$out" "rx stats: packets=$N "
expect_match "e1000e hardware counted $N frames out" "$out" "tx stats: packets=$N "
# Bytes: the same PRNG sizes both runs, so the byte counts must agree exactly.
sent_bytes=$(python3 - "$WORK/sent-e1000.pcap" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read(); off = 24; total = 0
while off < len(d):
    n = struct.unpack("<I", d[off + 8:off + 12])[0]; total += n; off += 16 + n
print(total)
PY
)
expect_match "hardware rx byte count equals the bytes sent" "$out" "rx stats: packets=$N bytes=$sent_bytes "
expect_eq "e1000 back with its kernel driver" "$(nic_driver 0000:00:04.0)" e1000
expect_eq "e1000e back with its kernel driver" "$(nic_driver 0000:00:05.0)" e1000e

# Receive checksum offload is off while libixl drives the NIC: nothing reads
# its result, and QEMU's e1000e, whose reset value of RXCSUM (05000h) is
# 0x300, would sum every frame in software. Read through sysfs while
# ixl-dump holds the e1000e raw; RCTL.EN shows the mapping is the live NIC.
ixl-dump --no-vfio --ring 64 -w /dev/null 0000:00:05.0 2>"$WORK/rxcsum.err" &
dpid=$!
dump_listening "$WORK/rxcsum.err"
regs=$(python3 - <<'PY'
import mmap, struct
with open('/sys/bus/pci/devices/0000:00:05.0/resource0', 'r+b') as f:
    m = mmap.mmap(f.fileno(), 0x6000)
    rctl, rxcsum = struct.unpack_from('<I', m, 0x100)[0], struct.unpack_from('<I', m, 0x5000)[0]
print(f'rctl_en={rctl >> 1 & 1} rxcsum={rxcsum:#x}')
PY
)
kill -INT $dpid
wait $dpid
expect_eq "e1000e under ixl-dump: receiver on, RXCSUM 0" "$regs" "rctl_en=1 rxcsum=0x0"
expect_eq "e1000e back with its kernel driver after ixl-dump" "$(nic_driver 0000:00:05.0)" e1000e
finish
