#!/usr/bin/env bash
# The ixl demo on the virtual bench, on a Debian 12 machine (root installs
# what is missing): builds ixl, boots a QEMU guest with an e1000 and an
# e1000e on one virtual wire, and inside it lists the NICs, starts ixl-dump
# on the e1000e, sends 1000 numbered frames from the e1000 with ixl-gen,
# and shows what ixl-dump captured, read back by tcpdump.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build

if [ "${IXL_VM:-}" != 1 ]; then
	bash "$top/tests/vm/install-deps.sh"
	bash "$top/tests/vm/prepare.sh"
	cmake -S "$top" -B "$build" >/dev/null
	cmake --build "$build" -j"$(nproc)" >/dev/null
	exec "$top/tests/vm/ixl-vm" --nic e1000 --nic e1000e -- bash "$0" "$@"
fi
# In the guest from here on.
PATH=$build/cmd:$PATH
run() {
	printf '\n$ %s\n' "$*"
	"$@"
}
A=0000:00:04.0 # e1000, sends
B=0000:00:05.0 # e1000e, captures
N=1000
pcap=$IXL_VM_WORKDIR/demo.pcap

run ixl-probe

# ixl-dump in the background; its messages go to a file, shown below.
printf '\n$ %s\n' "ixl-dump -c $N -w $pcap $B 2>dump.log &"
ixl-dump -c $N -w "$pcap" $B 2>"$IXL_VM_WORKDIR/dump.log" &
dump=$!
for _ in $(seq 300); do
	grep -q "listening on" "$IXL_VM_WORKDIR/dump.log" && break
	sleep 0.1
done
head -1 "$IXL_VM_WORKDIR/dump.log"
# QEMU's emulated NICs hold received frames back for about a second after
# the receiver is switched on; frames sent earlier would not be seen.
sleep 1.5

run ixl-gen -c $N --rate 10k $A

# ixl-dump stops by itself after N frames; a lost frame would keep it
# waiting, so it gets 20 s and then SIGINT (the summary says what it got).
for _ in $(seq 200); do kill -0 $dump 2>/dev/null || break; sleep 0.1; done
if kill -0 $dump 2>/dev/null; then
	printf '\n$ kill -INT %s   # ixl-dump did not get %s frames in 20 s\n' $dump $N
	kill -INT $dump
fi
rc=0
wait $dump || rc=$?
printf '\n$ cat dump.log   # ixl-dump exited with status %s\n' $rc
cat "$IXL_VM_WORKDIR/dump.log"

run tcpdump -nr "$pcap" -c 5
run ixl-probe
exit $rc
