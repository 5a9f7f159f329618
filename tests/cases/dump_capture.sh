#!/usr/bin/env bash
# ixl-dump against sources and readers we did not write: the Linux kernel's
# pktgen on a kernel-driven e1000e (NIC 1) and ixl-txrx's numbered frames
# from an ixl-driven e1000 (NIC 2) go over one QEMU hub to NIC 0, which
# ixl-dump captures. tcpdump and tshark read every file it writes, pktgen's
# sequence numbers must each appear once, and QEMU's own capture of the
# senders (filter-dump) must agree with ixl-dump's files byte for byte.
# Then the file handling: -C/-W rotation against tcpdump's own rotation of
# the same frames, -G, -w - into tcpdump, SIGINT, a full tmpfs, bad input.
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" != guest ]; then
	vm_run --nic e1000 --nic "e1000e,dump=$WORK/qemu-nic1.pcap" \
		--nic "e1000,dump=$WORK/qemu-nic2.pcap" --timeout 400
	# Host side: QEMU's capture of each sender against ixl-dump's files.
	cmp_out=$(python3 - "$WORK" <<'EOF'
import struct, sys
work = sys.argv[1]

def read(path):
    with open(path, 'rb') as f:
        d = f.read()
    magic = struct.unpack('<I', d[:4])[0]
    assert magic in (0xa1b2c3d4, 0xa1b23c4d), hex(magic)
    off, recs = 24, []
    while off < len(d):
        assert off + 16 <= len(d), 'truncated record header'
        _, _, cap, ln = struct.unpack('<IIII', d[off:off + 16])
        assert off + 16 + cap <= len(d), 'truncated record'
        recs.append(d[off + 16:off + 16 + cap])
        off += 16 + cap
    return recs

def udp_dport(fr):
    return struct.unpack('>H', fr[36:38])[0] if len(fr) >= 42 and fr[12:14] == b'\x08\x00' and fr[23] == 17 else None

nic1 = read(work + '/qemu-nic1.pcap')
nic2 = read(work + '/qemu-nic2.pcap')
mac1, mac2 = bytes.fromhex('525400123411'), bytes.fromhex('525400123412')
# all.pcap: the pktgen run to UDP port 7; txrx.pcap: ixl-txrx's 0x88b5 frames.
want = [f for f in nic1 if f[6:12] == mac1 and udp_dport(f) == 7]
got = read(work + '/all.pcap')
print('pktgen', len(want), len(got), 'same' if want == got else 'differ')
want = [f for f in nic2 if f[6:12] == mac2 and f[12:14] == b'\x88\xb5']
got = read(work + '/txrx.pcap')
print('txrx', len(want), len(got), 'same' if want == got else 'differ')
# the filter run: QEMU saw 700 frames to port 100 and 300 to port 200
want = [f for f in nic1 if f[6:12] == mac1 and udp_dport(f) == 200]
got = read(work + '/filter.pcap')
print('filter', len(want), len(got), 'same' if want == got else 'differ')
EOF
	)
	echo "$cmp_out"
	expect_eq "QEMU's dump of pktgen's 5000 frames = ixl-dump's file" \
		"$(grep '^pktgen' <<<"$cmp_out")" "pktgen 5000 5000 same"
	expect_eq "QEMU's dump of ixl-txrx's 1000 frames = ixl-dump's file" \
		"$(grep '^txrx' <<<"$cmp_out")" "txrx 1000 1000 same"
	expect_eq "QEMU's dump of the port-200 frames = ixl-dump's filtered file" \
		"$(grep '^filter' <<<"$cmp_out")" "filter 300 300 same"
	finish
fi

# ------------------------------------------------------------------ guest
A=$IXL_VM_NIC0_PCI
T=/tmp/dump
mkdir -p "$T"
DUMP=$IXL_BUILD/cmd/ixl-dump
# pktgen's thread (kpktgend_0) runs on CPU 0:
# ixl-dump polls on CPU 1, as one would on a real machine.
TXRX=$IXL_BUILD/tests/ixl-txrx

# pktgen on eth1 (NIC 1), quiet otherwise: no IPv6 chatter on the hub.
sysctl -qw net.ipv6.conf.eth1.disable_ipv6=1
ip link set eth1 up
modprobe pktgen
echo rem_device_all >/proc/net/pktgen/kpktgend_0
echo "add_device eth1" >/proc/net/pktgen/kpktgend_0
for _ in $(seq 100); do [ "$(cat /sys/class/net/eth1/operstate)" = up ] && break; sleep 0.1; done
pg() { echo "$*" >/proc/net/pktgen/eth1; }
# pg_send COUNT SIZE UDP_DST_PORT [DST_MAC [DELAY_NS]]: blocks until sent.
# burst 1 and clone_skb 0: every frame is a new skb with its own sequence number.
# 10,000 frames/s by default: these checks are about what is captured, not how
# fast (dump_rate.sh is the benchmark), and TCG guests on a shared host stall.
pg_send() {
	pg "count $1"
	pg "pkt_size $2"
	pg "udp_dst_min $3"
	pg "udp_dst_max $3"
	pg "dst_mac ${4:-$IXL_VM_NIC0_MAC}"
	pg "delay ${5:-100000}"
	pg "dst 10.0.0.2"
	pg "clone_skb 0"
	pg "burst 1"
	echo start >/proc/net/pktgen/pgctrl
}

# wait_listening FILE: until ixl-dump says it listens, then 1.2 s more.
# QEMU's e1000 model refuses frames for one second after every write to RCTL
# (flush_queue_timer in hw/net/e1000.c), which device init does, and then
# delivers what it held back in one burst: more than any ring holds, and the
# first frame after the timer can overtake the held ones. Real NICs do not.
wait_listening() {
	if dump_listening "$1" 60; then
		sleep 1.2
		return 0
	fi
	not_ok "ixl-dump did not start: $(cat "$1")"
	return 1
}
# dump_start ARGS...: ixl-dump in the background (at most 120 s), stderr in
# $T/err; returns once it listens.
dump_start() {
	timeout -s INT 120 taskset -c 1 "$DUMP" "$@" 2>"$T/err" &
	DPID=$!
	wait_listening "$T/err"
}
# dump_wait: waits for it to end by itself; $DRC its status.
dump_wait() {
	wait "$DPID"
	DRC=$?
}
# dump_stop: lets the last frames arrive, then SIGINT.
dump_stop() {
	sleep 1
	kill -INT "$DPID"
	dump_wait
}
summary() { grep -E "^[0-9]+ packets $1" "$T/err" | awk '{print $1}'; }
tcpdump_count() { tcpdump -n -r "$1" 2>/dev/null | wc -l; }
# pcap_whole FILE: prints "N records whole" when every record is complete.
pcap_whole() {
	python3 - "$1" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
assert len(d) >= 24 and struct.unpack('<I', d[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d)
off = n = 0
off = 24
while off < len(d):
    if off + 16 > len(d):
        print('partial header at', off); sys.exit(0)
    cap, ln = struct.unpack('<II', d[off + 8:off + 16])
    if off + 16 + cap > len(d) or cap > ln:
        print('partial record at', off); sys.exit(0)
    off += 16 + cap; n += 1
print(n, 'records whole')
EOF
}
# pktgen_seqs FILE: "N frames, D distinct, MIN..MAX" of pktgen's sequence
# numbers (after the UDP header: magic 0xbe9be955, then the 32-bit number).
pktgen_seqs() {
	python3 - "$1" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
off, seqs = 24, []
while off + 16 <= len(d):
    cap = struct.unpack('<I', d[off + 8:off + 12])[0]
    fr = d[off + 16:off + 16 + cap]
    if len(fr) >= 50 and fr[42:46] == b'\xbe\x9b\xe9\x55':
        seqs.append(struct.unpack('>I', fr[46:50])[0])
    off += 16 + cap
print('%d frames, %d distinct, %d..%d' % (len(seqs), len(set(seqs)), min(seqs, default=0), max(seqs, default=0)))
EOF
}
# tshark_clean FILE: tshark reads it without a word on stderr.
# (tshark's warning about running as root is not about the file)
tshark_clean() {
	[ -z "$(tshark -r "$1" -T fields -e frame.number 2>&1 >/dev/null | grep -v 'Running as user')" ]
}

# ---- 1. -c N: exactly N of a longer stream
dump_start -w "$T/c.pcap" -c 1000 "$A"
pg_send 1500 60 9
dump_wait
expect_eq "-c 1000 exits by itself with 0" "$DRC" 0
expect_eq "-c 1000: tshark counts" "$(pcap_count "$T/c.pcap")" 1000
expect_eq "-c 1000: tcpdump counts" "$(tcpdump_count "$T/c.pcap")" 1000
expect_eq "-c 1000: summary 'packets captured'" "$(summary captured)" 1000

# ---- 2. no -c: every one of pktgen's 5000 frames, each sequence number once
# (UDP port 7 marks this run's frames in QEMU's dump)
dump_start -w "$T/all.pcap" "$A"
pg_send 5000 60 7
dump_stop
expect_eq "SIGINT ends the capture with 0" "$DRC" 0
expect_eq "5000 frames: tshark counts" "$(pcap_count "$T/all.pcap")" 5000
expect_eq "5000 frames: tcpdump counts" "$(tcpdump_count "$T/all.pcap")" 5000
expect_eq "summary: captured" "$(summary captured)" 5000
expect_eq "summary: received by the NIC" "$(summary received)" 5000
expect_eq "summary: dropped by the NIC" "$(summary dropped)" 0
expect_eq "summary: filtered out" "$(summary filtered)" 0
expect_eq "pktgen magic and sequence numbers 1..5000 each once" "$(pktgen_seqs "$T/all.pcap")" \
	"5000 frames, 5000 distinct, 1..5000"
cp "$T/all.pcap" "$WORK/"

# ---- 3. ixl-txrx's numbered frames, 60 to 1514 bytes, from an ixl-driven NIC
dump_start -w "$T/txrx.pcap" "$A"
expect_exit "ixl-txrx sends 1000 frames" 0 "$TXRX" send "$IXL_VM_NIC2_PCI" 1000
dump_stop
expect_eq "ixl-txrx: tshark counts 1000" "$(pcap_count "$T/txrx.pcap" "eth.type == 0x88b5")" 1000
expect_eq "ixl-txrx: frame sizes 60..1514" \
	"$(tshark -r "$T/txrx.pcap" -T fields -e frame.len 2>/dev/null | sort -n | sed -n '1p;$p' | xargs)" \
	"60 1514"
cp "$T/txrx.pcap" "$WORK/"

# ---- 4. a filter: 700 frames to port 100, 300 to port 200, keep port 200
dump_start -w "$T/filter.pcap" "$A" udp dst port 200
pg_send 700 60 100
pg_send 300 60 200
dump_stop
expect_eq "filter: captured exactly the 300" "$(pcap_count "$T/filter.pcap")" 300
expect_eq "filter: all are port 200" "$(pcap_count "$T/filter.pcap" "udp.dstport == 200")" 300
expect_eq "filter: summary captured" "$(summary captured)" 300
expect_eq "filter: summary filtered out" "$(summary filtered)" 700
cp "$T/filter.pcap" "$WORK/"

# ---- 5. snaplen: 1000-byte frames cut to 100, original length kept
dump_start -w "$T/snap.pcap" -s 100 "$A"
pg_send 200 1000 9
dump_stop
expect_eq "-s 100: caplen/len of every record" \
	"$(tshark -r "$T/snap.pcap" -T fields -e frame.cap_len -e frame.len 2>/dev/null | sort | uniq -c | xargs)" \
	"200 100 1000"

# ---- 6. -p: only frames for our MAC; promiscuous is the default
dump_start -w "$T/p.pcap" -p "$A"
pg_send 100 60 9 02:00:00:00:00:99
pg_send 50 60 9
dump_stop
expect_eq "-p: only the 50 frames for our MAC" "$(pcap_count "$T/p.pcap")" 50
dump_start -w "$T/promisc.pcap" "$A"
pg_send 100 60 9 02:00:00:00:00:99
dump_stop
expect_eq "default promiscuous: the 100 frames for another MAC" "$(pcap_count "$T/promisc.pcap")" 100

# ---- 7. --nano: magic and timestamps within the run
t0=$(date +%s)
dump_start -w "$T/nano.pcap" --nano -c 10 "$A"
pg_send 10 60 9
dump_wait
t1=$(date +%s)
expect_eq "--nano: magic 0xa1b23c4d" "$(od -An -tx4 -N4 "$T/nano.pcap" | xargs)" a1b23c4d
expect_eq "without --nano: magic 0xa1b2c3d4" "$(od -An -tx4 -N4 "$T/c.pcap" | xargs)" a1b2c3d4
ts_ok=$(tshark -r "$T/nano.pcap" -T fields -e frame.time_epoch 2>/dev/null |
	awk -v a="$t0" -v b="$t1" '$1 >= a && $1 <= b + 1 {n++} END {print n+0}')
expect_eq "--nano: 10 timestamps within the run" "$ts_ok" 10

# ---- 8. -C: 2000 frames of 1514 bytes in 1 MB files, as tcpdump rotates them
mkdir -p "$T/rot" "$T/ref" "$T/ring" "$T/ringref"
dump_start -w "$T/rot/r.pcap" -C 1 "$A"
pg_send 2000 1514 9
dump_stop
files=$(cd "$T/rot" && ls | sort -V | xargs)
expect_eq "-C 1: files" "$files" "r.pcap r.pcap1 r.pcap2 r.pcap3"
total=0
valid=0
for f in $files; do
	n=$(pcap_count "$T/rot/$f")
	total=$((total + n))
	tshark_clean "$T/rot/$f" && [ "$(pcap_whole "$T/rot/$f")" = "$n records whole" ] &&
		valid=$((valid + 1))
done
expect_eq "-C 1: every file valid, all records whole" "$valid" 4
expect_eq "-C 1: 2000 records in all" "$total" 2000
# tcpdump's rotation of the same frames is the reference for sizes and names.
(cd "$T/rot" && python3 -c '
import sys
out = open(sys.argv[1], "wb")
for i, f in enumerate(sys.argv[2:]):
    d = open(f, "rb").read()
    out.write(d if i == 0 else d[24:])' "$T/merged.pcap" $files)
(cd "$T/ref" && tcpdump -n -Z root -r "$T/merged.pcap" -w r.pcap -C 1 2>/dev/null)
per_file() { for f in $(cd "$1" && ls | sort -V); do echo "$f:$(pcap_count "$1/$f")"; done | xargs; }
expect_eq "-C 1: names and records per file as tcpdump -C 1" "$(per_file "$T/rot")" \
	"$(per_file "$T/ref")"

# ---- 9. -C with -W: a ring of 2 files, as tcpdump -C 1 -W 2 does with the same frames
dump_start -w "$T/ring/r.pcap" -C 1 -W 2 "$A"
pg_send 2000 1514 9
dump_stop
(cd "$T/ringref" && tcpdump -n -Z root -r "$T/merged.pcap" -w r.pcap -C 1 -W 2 2>/dev/null)
expect_eq "-C 1 -W 2: names and records per file as tcpdump" "$(per_file "$T/ring")" \
	"$(per_file "$T/ringref")"
expect_eq "-C 1 -W 2: summary counts every frame written" "$(summary captured)" 2000

# ---- 10. -G 1 -W 2 with strftime names: stops by itself after 2 files
mkdir -p "$T/g"
dump_start -w "$T/g/g-%s.pcap" -G 1 -W 2 "$A"
pg "count 0"
pg "delay 20000000" # 50 frames/s until stopped
echo start >/proc/net/pktgen/pgctrl &
PGPID=$!
dump_wait
echo stop >/proc/net/pktgen/pgctrl
wait "$PGPID"
expect_eq "-G 1 -W 2: exits 0 by itself" "$DRC" 0
expect_match "-G 1 -W 2: says why" "$(cat "$T/err")" "maximum file limit reached: 2"
gfiles=$(cd "$T/g" && ls)
expect_eq "-G 1 -W 2: two files" "$(echo "$gfiles" | wc -l)" 2
expect_match "-G: strftime names" "$(echo $gfiles)" '^g-[0-9]{10}\.pcap g-[0-9]{10}\.pcap$'
gsum=0
for f in $gfiles; do gsum=$((gsum + $(pcap_count "$T/g/$f"))); done
expect_eq "-G: the files hold every captured frame" "$gsum" "$(summary captured)"

# ---- 11. -w - into tcpdump -r -, and a reader that quits early (EPIPE)
( taskset -c 1 "$DUMP" -w - -c 500 "$A" 2>"$T/pipe.err" | tcpdump -n -r - 2>/dev/null | wc -l >"$T/pipe.n" ) &
PIPEPID=$!
wait_listening "$T/pipe.err"
pg_send 700 60 9
wait "$PIPEPID"
expect_eq "-w - | tcpdump -r -: 500 frames" "$(cat "$T/pipe.n")" 500
( taskset -c 1 "$DUMP" -w - "$A" 2>"$T/epipe.err" | tcpdump -n -r - -c 100 >/dev/null 2>&1
  echo "${PIPESTATUS[0]}" >"$T/epipe.rc" ) &
PIPEPID=$!
wait_listening "$T/epipe.err"
pg_send 300 60 9
sleep 1
pg_send 300 60 9 # tcpdump has gone: this batch meets EPIPE
for _ in $(seq 100); do [ -s "$T/epipe.rc" ] && break; sleep 0.1; done
expect_eq "reader gone: ixl-dump ends with 0" "$(cat "$T/epipe.rc" 2>/dev/null)" 0
expect_match "reader gone: summary printed" "$(cat "$T/epipe.err")" "packets captured"
kill "$PIPEPID" 2>/dev/null

# ---- 12. SIGINT in the middle of a stream: a valid file of whole records
dump_start -w "$T/int.pcap" "$A"
pg "count 0"
pg "delay 100000" # 10,000 frames/s: mid-stream, yet few enough for tshark in TCG
echo start >/proc/net/pktgen/pgctrl &
PGPID=$!
sleep 2
kill -INT "$DPID"
dump_wait
echo stop >/proc/net/pktgen/pgctrl
wait "$PGPID"
expect_eq "SIGINT mid-stream: exit 0" "$DRC" 0
expect_true "SIGINT mid-stream: tshark reads it without complaint" tshark_clean "$T/int.pcap"
n=$(pcap_count "$T/int.pcap")
expect_eq "SIGINT mid-stream: records whole, as many as the summary says" \
	"$(pcap_whole "$T/int.pcap")" "$(summary captured) records whole"
expect_true "SIGINT mid-stream: thousands of frames ($n)" test "$n" -gt 1000
expect_eq "SIGINT mid-stream: sequence numbers 1..$n, none lost" "$(pktgen_seqs "$T/int.pcap")" \
	"$n frames, $n distinct, 1..$n"

# ---- 13. a full disk: clear message, EX_IOERR, a valid file of whole records
mkdir -p /mnt/full
mount -t tmpfs -o size=256k tmpfs /mnt/full
dump_start -w /mnt/full/x.pcap "$A"
pg_send 1000 1000 9
for _ in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
dump_wait
expect_eq "full disk: exit EX_IOERR" "$DRC" 74
expect_match "full disk: the message says so" "$(cat "$T/err")" \
	"/mnt/full/x.pcap: No space left on device; it holds [0-9]+ complete packets"
kept=$(sed -nE 's/.*it holds ([0-9]+) complete packets.*/\1/p' "$T/err")
expect_true "full disk: tshark reads it without complaint" tshark_clean /mnt/full/x.pcap
expect_eq "full disk: every record whole, as many as the message says" \
	"$(pcap_whole /mnt/full/x.pcap)" "$kept records whole"
expect_eq "full disk: tcpdump agrees" "$(tcpdump_count /mnt/full/x.pcap)" "$kept"
expect_true "full disk: the tmpfs did fill ($kept of 1000 frames)" test "$kept" -gt 100 -a "$kept" -lt 1000
umount /mnt/full

# ---- 14. the capture buffer: the NIC's largest ring by default (RDLEN's
# 20 bits: 65528 descriptors), the ring plus 4096 buffers; --ring sets it
expect_exit "-v --duration 1: exit 0" 0 "$DUMP" -v --duration 1 -w /dev/null "$A"
expect_match "default ring: 65528 descriptors, 69624 buffers" "$out" \
	"capture buffer: 65528 receive descriptors, 69624 packet buffers"
expect_exit "--ring 1024 -v --duration 1: exit 0" 0 "$DUMP" --ring 1024 -v --duration 1 -w /dev/null "$A"
expect_match "--ring 1024: 1024 descriptors, twice as many buffers" "$out" \
	"capture buffer: 1024 receive descriptors, 2048 packet buffers"

# ---- 15. bad input, found before the NIC is touched
drv=$(nic_driver "$A")
expect_exit "malformed filter: EX_USAGE" 64 "$DUMP" -w "$T/x.pcap" "$A" udp prot 53
expect_match "malformed filter: the message names it" "$out" "invalid filter 'udp prot 53'"
expect_exit "unwritable output file: EX_CANTCREAT" 73 "$DUMP" -w /proc/nonexistent/x.pcap "$A"
expect_match "unwritable output file: named" "$out" "/proc/nonexistent/x.pcap"
expect_exit "-s abc: EX_USAGE" 64 "$DUMP" -s abc "$A"
expect_match "-s abc: named" "$out" "invalid value 'abc' for -s"
expect_exit "-s 262145: EX_USAGE" 64 "$DUMP" -s 262145 "$A"
expect_exit "-s -1: EX_USAGE" 64 "$DUMP" -s -1 "$A"
expect_exit "-c 0: EX_USAGE" 64 "$DUMP" -c 0 "$A"
expect_exit "-c 1e3: EX_USAGE" 64 "$DUMP" -c 1e3 "$A"
expect_match "-c 1e3: named" "$out" "invalid value '1e3' for --count"
expect_exit "-C 0: EX_USAGE" 64 "$DUMP" -w "$T/x.pcap" -C 0 "$A"
expect_exit "-C 1.5: EX_USAGE" 64 "$DUMP" -w "$T/x.pcap" -C 1.5 "$A"
expect_match "-C 1.5: named" "$out" "invalid value '1.5' for -C"
expect_exit "-C without -w: EX_USAGE" 64 "$DUMP" -C 1 "$A"
expect_exit "-W without -C or -G: EX_USAGE" 64 "$DUMP" -w "$T/x.pcap" -W 3 "$A"
expect_exit "no such device: EX_NOINPUT" 66 "$DUMP" -w "$T/x.pcap" 0000:00:1d.0
expect_exit "--ring 12: EX_USAGE" 64 "$DUMP" --ring 12 "$A"
expect_match "--ring 12: named" "$out" "invalid value '12' for --ring: must be a multiple of 8"
# 65536 passes the option's own bounds; the driver then names its limit
expect_exit "--ring 65536: EX_USAGE" 64 "$DUMP" --ring 65536 -w "$T/x.pcap" "$A"
expect_match "--ring 65536: the driver's limit named" "$out" \
	"rx queue depth 65536 is not a multiple of 8 from 8 to 65528"
expect_eq "the NIC still has its kernel driver" "$(nic_driver "$A")" "$drv"
finish
