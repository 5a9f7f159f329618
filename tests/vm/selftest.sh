#!/usr/bin/env bash
# Self-check of the virtual NIC bench (tests/vm/ixl-vm): boots a few guests
# and proves what the bench promises. Prints "N passed, M failed" and exits
# non-zero on any failure (77 = skipped: not root).
#
#   tests/vm/selftest.sh            run everything (about a minute)
#   tests/vm/selftest.sh --guest    the part that runs inside the 6-NIC guest
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
vm=$here/ixl-vm
pass=0
fail=0
stamp() { [ -n "${IXL_VM:-}" ] && awk -v t="$EPOCHREALTIME" -v t0="$T0" 'BEGIN { printf " [%.1f s]", t - t0 }'; }
T0=$EPOCHREALTIME
ok() {
	echo "ok   - $*$(stamp)"
	pass=$((pass + 1))
}
bad() {
	echo "FAIL - $*$(stamp)"
	fail=$((fail + 1))
}
quiet() { "$@" >/dev/null 2>&1; }
check() { # check DESCRIPTION COMMAND...
	local d=$1
	shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}

# NICs of the main guest: model, vendor:device, PCI driver, hub.
models=(e1000 e1000e igb virtio-net-pci rtl8139 e1000-82545em)
ids=(8086:100e 8086:10d3 8086:10c9 1af4:1000 10ec:8139 8086:100f)
drivers=(e1000 e1000e igb virtio-pci 8139cp e1000)
hubs=(0 0 1 1 2 3)

# ---------------------------------------------------------------- in the guest
guest() {
	local i pci dev ifn n
	check "IXL_VM=1 in the guest" [ "${IXL_VM:-}" = 1 ]
	check "IXL_VM_NIC_COUNT=6" [ "${IXL_VM_NIC_COUNT:-}" = 6 ]
	for i in "${!models[@]}"; do
		pci=$(printf '0000:00:%02x.0' $((4 + i)))
		dev=/sys/bus/pci/devices/$pci
		n="NIC $i (${models[$i]})"
		check "$n: IXL_VM_NIC${i}_PCI=$pci" [ "$(printenv "IXL_VM_NIC${i}_PCI")" = "$pci" ]
		check "$n: lspci -n shows ${ids[$i]} at $pci" \
			bash -c "lspci -n -s $pci | grep -q ' ${ids[$i]}'"
		check "$n: sysfs ids ${ids[$i]}" \
			[ "$(sed 's/^0x//' $dev/vendor):$(sed 's/^0x//' $dev/device)" = "${ids[$i]}" ]
		check "$n: kernel driver ${drivers[$i]} bound" [ "$(basename "$(readlink $dev/driver)")" = "${drivers[$i]}" ]
		ifn=$(printenv "IXL_VM_NIC${i}_IF")
		check "$n: interface eth$i (IXL_VM_NIC${i}_IF)" [ "$ifn" = "eth$i" -a -e "/sys/class/net/eth$i" ]
		check "$n: eth$i has MAC 52:54:00:12:34:$((10 + i))" [ "$(cat /sys/class/net/eth$i/address 2>/dev/null)" = "52:54:00:12:34:$((10 + i))" ]
		check "$n: eth$i is down" [ "$(cat /sys/class/net/eth$i/operstate 2>/dev/null)" = down ]
		check "$n: own IOMMU group" [ -e $dev/iommu_group ]
	done
	check "/dev/vfio/vfio exists" [ -c /dev/vfio/vfio ]
	check "vfio-pci module loaded" [ -d /sys/bus/pci/drivers/vfio-pci ]
	check "vfio_iommu_type1 loaded" [ -d /sys/module/vfio_iommu_type1 ]

	# To vfio-pci and back, every NIC.
	for i in "${!models[@]}"; do
		pci=$(printf '0000:00:%02x.0' $((4 + i)))
		dev=/sys/bus/pci/devices/$pci
		n="NIC $i (${models[$i]})"
		echo vfio-pci >$dev/driver_override
		echo $pci >$dev/driver/unbind
		echo $pci >/sys/bus/pci/drivers_probe
		local grp
		grp=$(basename "$(readlink $dev/iommu_group)")
		check "$n: bound to vfio-pci, /dev/vfio/$grp exists" \
			[ "$(basename "$(readlink $dev/driver)")" = vfio-pci -a -c "/dev/vfio/$grp" ]
		check "$n: no interface while on vfio-pci" \
			[ -z "$(ls $dev/net $dev/virtio*/net 2>/dev/null)" ]
		echo $pci >$dev/driver/unbind
		echo >$dev/driver_override
		echo $pci >/sys/bus/pci/drivers_probe
		check "$n: back on ${drivers[$i]}" [ "$(basename "$(readlink $dev/driver)")" = "${drivers[$i]}" ]
		ifn=$(ls $dev/net $dev/virtio*/net 2>/dev/null | grep -v : | head -n1)
		check "$n: has an interface again ($ifn)" [ -n "$ifn" -a -e "/sys/class/net/$ifn" ]
		# Give it back its bench name for the traffic checks below.
		[ -n "$ifn" ] && [ "$ifn" != "eth$i" ] && ip link set dev "$ifn" name "eth$i"
	done

	check "256 huge pages reserved" grep -q '^HugePages_Total: *256$' /proc/meminfo
	check "hugetlbfs on /dev/hugepages" grep -q ' /dev/hugepages hugetlbfs ' /proc/mounts
	check "modprobe pktgen (wrapper in PATH)" bash -c 'modprobe pktgen && [ -e /proc/net/pktgen/pgctrl ]'
	check "ixl-vm-modprobe and IXL_VM_MODDIR" bash -c 'ixl-vm-modprobe -n veth && modprobe -d "$IXL_VM_MODDIR" -n dummy'
	check "/tmp is writable" bash -c 'echo x >/tmp/selftest && [ "$(cat /tmp/selftest)" = x ]'
	check "/ is read-only" bash -c '! touch /selftest-ro 2>/dev/null'
	check "work dir $IXL_VM_WORKDIR is writable" bash -c 'echo from-guest >"$IXL_VM_WORKDIR/guest-wrote"'

	# Traffic: hub 0 carries eth0 (e1000) <-> eth1 (e1000e), hub 1 carries
	# eth2 (igb) <-> eth3 (virtio); one end of each pair in a netns.
	local a b net ns
	for pair in "0 1 10.0.0" "2 3 10.0.1"; do
		read -r a b net <<<"$pair"
		ns=ns$b
		ip netns add $ns
		ip link set eth$b netns $ns
		ip addr add $net.1/24 dev eth$a
		ip link set eth$a up
		ip -n $ns addr add $net.2/24 dev eth$b
		ip -n $ns link set eth$b up
		ip -n $ns link set lo up
		# Links come up after autonegotiation; ping until one answer.
		local got=0
		for _ in $(seq 1 20); do
			busybox ping -c 1 -W 1 $net.2 >/dev/null 2>&1 && got=1 && break
		done
		check "ping eth$a (${models[$a]}) -> eth$b (${models[$b]}) in a netns, hub ${hubs[$a]}" [ $got = 1 ]
		check "5 pings eth$a -> eth$b, none lost" quiet busybox ping -q -c 5 -i 0.2 -W 2 $net.2
		check "5 pings from the netns eth$b -> eth$a" quiet ip netns exec $ns busybox ping -q -c 5 -i 0.2 -W 2 $net.1
	done
	n=$(tcpdump -nr "$IXL_VM_WORKDIR/hub0.pcap" icmp 2>/dev/null | wc -l)
	check "tcpdump in the guest reads $n ICMP frames from the hub 0 dump" [ "$n" -gt 0 ]
}

if [ "${1:-}" = --guest ]; then
	guest
	echo "guest: $pass passed, $fail failed"
	[ $fail -eq 0 ]
	exit
fi

# ---------------------------------------------------------------- on the host
if [ "$(id -u)" -ne 0 ]; then
	echo "selftest: needs root (QEMU, 9p as root, the cache); skipped" >&2
	exit 77
fi
export IXL_VM_QUIET=1
T0=$(date +%s.%N)
unset IXL_VM
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ixl-vm-selftest.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$here/prepare.sh" --quick || {
	echo "selftest: prepare.sh failed" >&2
	exit 1
}

echo "# boot overhead: ixl-vm -- true"
t=$(now)
IXL_VM_TIMING=1 "$vm" -- true 2>"$work/err"
rc=$?
boot=$(secs "$t" "$(now)")
sed 's/^/  /' "$work/err"
check "ixl-vm -- true exits 0 (${boot} s)" [ $rc = 0 ]

echo "# exit status, argument quoting, stdout/stderr, cwd, env pass-through"
t=$(now)
(cd "$here" && IXL_SELFTEST_VAR='x y' "$vm" -- bash -c 'printf "%s|" "$PWD" "$IXL_SELFTEST_VAR" "$@"; echo to-stderr >&2; exit 3' \
	argv0 'a b' "c'd" '$x' '' 'e"f' '*' >"$work/out" 2>"$work/err")
rc=$?
check "exit 3 in the guest gives 3" [ $rc = 3 ]
want="$here|x y|a b|c'd|\$x||e\"f|*|"
check "arguments and cwd survive: $(cat "$work/out")" [ "$(cat "$work/out")" = "$want" ]
check "stderr is separate" [ "$(cat "$work/err")" = to-stderr ]
echo "  (took $(secs "$t" "$(now)") s)"

echo "# timeout"
t=$(now)
"$vm" --timeout 4 -- sleep 100 2>"$work/err"
rc=$?
check "--timeout 4 -- sleep 100 exits 124 ($(secs "$t" "$(now)") s)" [ $rc = 124 ]
check "timeout message" grep -q 'timeout' "$work/err"

echo "# QEMU failure"
"$vm" --nic no-such-nic -- true 2>"$work/err"
rc=$?
g=$(grep -c "no-such-nic" "$work/err")
check "bad NIC model: exit 125 with QEMU's message" [ $rc = 125 -a "$g" -gt 0 ]
"$vm" --nic igb,hub=x -- true 2>/dev/null
check "bad --nic option: exit 2" [ $? = 2 ]
"$vm" $(printf -- '--nic e1000 %.0s' {1..10}) --nic igb -- true 2>"$work/err"
rc=$?
g=$(grep -c 'igb must be one of NICs 0-9' "$work/err")
check "igb as NIC 10 refused (SR-IOV VF slots): exit 2" [ $rc = 2 -a "$g" = 1 ]

echo "# SIGTERM kills QEMU"
"$vm" -- sleep 100 &
lpid=$!
sleep 3
qpid=$(pgrep -P $lpid qemu)
kill -TERM $lpid
wait $lpid
rc=$?
sleep 0.5
check "launcher exits on SIGTERM ($rc)" [ $rc -ge 128 ]
alive=no
[ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null && alive=yes
check "its QEMU (${qpid:-not found}) is gone" [ -n "$qpid" -a $alive = no ]

echo "# interactive shell (through a pty)"
t=$(now)
python3 - "$vm" <<'EOF'
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "--timeout", "120"])
buf = b""
def wait_for(s, t):
    global buf
    end = time.time() + t
    while s not in buf and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                break
    return s in buf
ok = wait_for(b"ixl-vm:/", 90)
os.write(fd, b"echo MARK$((6*7)); tty; exit 5\r")
ok = ok and wait_for(b"MARK42", 30)
_, st = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(st)
print("  shell said MARK42:", ok, "exit status:", code)
sys.exit(0 if ok and code == 5 else 1)
EOF
check "interactive shell runs commands, exit 5 gives 5 ($(secs "$t" "$(now)") s)" [ $? = 0 ]

echo "# the 6-NIC guest"
t=$(now)
nics=()
for i in "${!models[@]}"; do
	spec="${models[$i]},hub=${hubs[$i]}"
	[ $i = 0 ] && spec+=",dump=$work/hub0.pcap"
	[ $i = 2 ] && spec+=",dump=$work/hub1.pcap"
	nics+=(--nic "$spec")
done
IXL_VM_QUIET=0 "$vm" "${nics[@]}" --workdir "$work" --timeout 300 -- "$here/selftest.sh" --guest >"$work/guest.log"
rc=$?
cat "$work/guest.log"
gpass=$(grep -c '^ok   - ' "$work/guest.log")
gfail=$(grep -c '^FAIL - ' "$work/guest.log")
pass=$((pass + gpass))
fail=$((fail + gfail))
g=$(grep -c '^guest: ' "$work/guest.log")
check "6-NIC guest ran to the end and exited 0 ($(secs "$t" "$(now)") s)" [ $rc = 0 -a "$g" = 1 ]
check "the guest's file reached the host work dir" [ "$(cat "$work/guest-wrote" 2>/dev/null)" = from-guest ]
n0=$(tcpdump -nr "$work/hub0.pcap" icmp 2>/dev/null | wc -l)
n1=$(tcpdump -nr "$work/hub1.pcap" icmp 2>/dev/null | wc -l)
check "QEMU dump of hub 0 holds ICMP frames ($n0)" [ "$n0" -gt 0 ]
check "QEMU dump of hub 1 holds ICMP frames ($n1)" [ "$n1" -gt 0 ]
x0=$(tcpdump -nr "$work/hub0.pcap" net 10.0.1.0/24 2>/dev/null | wc -l)
x1=$(tcpdump -nr "$work/hub1.pcap" net 10.0.0.0/24 2>/dev/null | wc -l)
check "hubs are separate: no 10.0.1.x on hub 0 ($x0), no 10.0.0.x on hub 1 ($x1)" [ "$x0" = 0 -a "$x1" = 0 ]

echo "# boot overhead (ixl-vm -- true): ${boot} s; selftest total: $(secs "$T0" "$(now)") s"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
