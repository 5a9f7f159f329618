#!/usr/bin/env bash
# libixl against the Linux kernel's own drivers on one hub: frames sent with
# libixl (e1000) are counted by the kernel's e1000e driver, exactly; frames
# the kernel sends with pktgen (e1000e) are received by libixl (e1000),
# each pktgen sequence number exactly once.
. "$(dirname "$0")/lib.sh"
N=100000

if ! in_guest; then
	vm_run --nic e1000 --nic e1000e
	finish
fi

# No IPv6 chatter (router solicitations, MLD) among the counted frames.
sysctl -qw net.ipv6.conf.eth1.disable_ipv6=1
ip link set eth1 up
for _ in $(seq 50); do [ "$(cat /sys/class/net/eth1/carrier 2>/dev/null)" = 1 ] && break; sleep 0.1; done
rx0=$(cat /sys/class/net/eth1/statistics/rx_packets)
run_capture ixl-txrx send --dst-mac "$IXL_VM_NIC1_MAC" --pcap "$WORK/sent.pcap" 0000:00:04.0 $N
expect_eq "ixl-txrx send exit" "$rc" 0
expect_match "libixl sent $N frames" "$out" "sent=$N "
sleep 0.5
rx1=$(cat /sys/class/net/eth1/statistics/rx_packets)
expect_eq "the kernel's e1000e counted every frame libixl sent" "$((rx1 - rx0))" "$N"
expect_eq "e1000 back with its kernel driver after sending" "$(nic_driver 0000:00:04.0)" e1000

# The other way: kernel pktgen on eth1 -> libixl on the e1000.
modprobe pktgen
pg=/proc/net/pktgen
ixl-txrx recv --pktgen --timeout 120 0000:00:04.0 $N >"$WORK/recv.out" 2>&1 &
recv_pid=$!
for _ in $(seq 100); do grep -q ready "$WORK/recv.out" && break; sleep 0.1; done
echo "rem_device_all" >$pg/kpktgend_0
echo "add_device eth1" >$pg/kpktgend_0
for cmd in "count $N" "pkt_size 60" "delay 0" "dst 10.0.0.2" "dst_mac $IXL_VM_NIC0_MAC" \
	"udp_dst_min 9" "udp_dst_max 9"; do
	echo "$cmd" >$pg/eth1
done
echo start >$pg/pgctrl
sent=$(sed -n 's/^ *pkts-sofar: \([0-9]*\).*/\1/p' $pg/eth1)
expect_eq "pktgen sent $N frames" "$sent" "$N"
wait $recv_pid
rc=$?
out=$(cat "$WORK/recv.out")
echo "$out"
expect_eq "ixl-txrx recv --pktgen exit" "$rc" 0
expect_match "libixl received each pktgen frame once" "$out" "received=$N bad=0"
expect_match "the e1000 counted them in hardware" "$out" "rx stats: packets=$N "
expect_eq "e1000 back with its kernel driver after receiving" "$(nic_driver 0000:00:04.0)" e1000
finish
