#!/usr/bin/env bash
# ixl-probe ADDR on every e1000-family model, through VFIO and through raw
# sysfs access: the MAC QEMU was given, link up at 1000 Mbit/s; afterwards
# the kernel driver is bound again and its interface exists.
. "$(dirname "$0")/lib.sh"

if ! in_guest; then
	vm_run --nic e1000 --nic e1000-82545em --nic e1000-82544gc --nic e1000e
	finish
fi

for i in 0 1 2 3; do
	pci_var=IXL_VM_NIC${i}_PCI mac_var=IXL_VM_NIC${i}_MAC model_var=IXL_VM_NIC${i}_MODEL
	pci=${!pci_var} mac=${!mac_var} model=${!model_var}
	kdrv=$(nic_driver "$pci")
	for mode in vfio sysfs; do
		flag=
		[ $mode = sysfs ] && flag=--no-vfio
		run_capture ixl-probe --json $flag "$pci"
		expect_eq "$model via $mode: exit" "$rc" 0
		got=$(python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
print(d["address"], d["ixl_driver"], d["access"], d["mac"], d["link_up"], d["speed_mbps"],
      d["rx_queues"], d["tx_queues"], d["rx_queue_depth"], d["tx_queue_depth"], d["max_frame_size"] >= 9000)
' <<<"$out" 2>&1)
		expect_eq "$model via $mode: probe" "$got" "$pci e1000 $mode $mac True 1000 1 1 512 512 True"
		expect_eq "$model via $mode: kernel driver back" "$(nic_driver "$pci")" "$kdrv"
		expect_eq "$model via $mode: interface back" "$(nic_ifname "$pci")" "eth$i"
		expect_eq "$model via $mode: driver_override cleared" \
			"$(cat /sys/bus/pci/devices/$pci/driver_override)" "(null)"
	done
done

run_capture ixl-probe 0000:00:05.0
expect_eq "human detail exits 0" "$rc" 0
expect_match "human detail shows the MAC" "$out" '52:54:00:12:34:11'
expect_match "human detail shows link speed" "$out" '1000'
finish
