#!/usr/bin/env bash
# ixl-probe lists every PCI NIC with the right IDs and names; ixl supports
# exactly the e1000 family so far.
. "$(dirname "$0")/lib.sh"

if ! in_guest; then
	vm_run --nic e1000 --nic e1000-82545em --nic e1000e --nic igb --nic virtio-net-pci \
		--nic rtl8139 --nic e1000-82544gc
	finish
fi

run_capture ixl-probe --json
expect_eq "ixl-probe --json exits 0" "$rc" 0
# address vendor device supported ixl_driver kernel_driver interface iommu_group, one line per NIC
table=$(python3 -c '
import json, sys
for d in json.loads(sys.stdin.read()):
    if not d["address"].startswith("0000:00:0") or d["address"] == "0000:00:00.0":
        continue
    print(d["address"], d["vendor"], d["device"], d["supported"], d["ixl_driver"],
          d["kernel_driver"], d["interface"], d["iommu_group"] is not None, bool(d["name"]))
' <<<"$out")
expected="0000:00:04.0 8086 100e True e1000 e1000 eth0 True True
0000:00:05.0 8086 100f True e1000 e1000 eth1 True True
0000:00:06.0 8086 10d3 True e1000 e1000e eth2 True True
0000:00:07.0 8086 10c9 False None igb eth3 True True
0000:00:08.0 1af4 1000 False None virtio-pci eth4 True True
0000:00:09.0 10ec 8139 False None 8139cp eth5 True True
0000:00:0a.0 8086 100c True e1000 e1000 eth6 True True"
# The rtl8139 may be claimed by 8139cp or 8139too, whichever loaded first.
table=$(sed 's/ 8139too / 8139cp /' <<<"$table")
expect_eq "NIC table from --json" "$table" "$expected"

run_capture ixl-probe
expect_eq "ixl-probe exits 0" "$rc" 0
expect_match "human list names the 82540EM" "$out" '0000:00:04\.0 +8086:100e +82540EM Gigabit Ethernet Controller +e1000 +e1000 eth0'
expect_match "human list: igb is known but unsupported" "$out" '0000:00:07\.0 +8086:10c9 +82576.* +- +igb eth3'
expect_match "human list: rtl8139" "$out" '0000:00:09\.0 +10ec:8139 +RTL-8100/8101L/8139'
finish
