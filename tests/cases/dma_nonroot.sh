#!/usr/bin/env bash
# No root needed once a NIC is handed over to vfio-pci: an unprivileged user
# who owns /dev/vfio/N drives two NICs, with no hugepages at all (DMA memory
# falls back to 4 KiB pages, which the IOMMU maps), and the NICs stay on
# vfio-pci afterwards as they were. Raw access without root is refused
# with a message that says why; as root, raw access reserves the hugepages
# it needs by itself.
. "$(dirname "$0")/lib.sh"

if ! in_guest; then
	vm_run --hugepages 0 --nic e1000 --nic e1000e
	finish
fi

expect_eq "no hugepages reserved" "$(cat /proc/sys/vm/nr_hugepages)" 0
for pci in 0000:00:04.0 0000:00:05.0; do
	dev=/sys/bus/pci/devices/$pci
	echo vfio-pci >$dev/driver_override
	echo $pci >$dev/driver/unbind
	echo $pci >/sys/bus/pci/drivers_probe
	group=$(basename "$(readlink $dev/iommu_group)")
	chown 65534:65534 /dev/vfio/$group
done
expect_eq "handed over to vfio-pci by root" "$(nic_driver 0000:00:04.0) $(nic_driver 0000:00:05.0)" \
	"vfio-pci vfio-pci"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
ulimit -l unlimited

run_capture as_nobody ixl-txrx loop 0000:00:04.0 0000:00:05.0 2000
echo "$out"
expect_eq "unprivileged loop e1000 -> e1000e: exit" "$rc" 0
expect_match "unprivileged: 2000 frames intact" "$out" "sent=2000 received=2000 bad=0"
expect_eq "still no hugepages (4 KiB fallback)" "$(cat /proc/sys/vm/nr_hugepages)" 0
expect_eq "NICs stay with vfio-pci, as they were" \
	"$(nic_driver 0000:00:04.0) $(nic_driver 0000:00:05.0)" "vfio-pci vfio-pci"

run_capture as_nobody ixl-probe --json 0000:00:05.0
expect_eq "unprivileged ixl-probe ADDR: exit" "$rc" 0
expect_match "unprivileged ixl-probe reports the link" "$out" '"link_up": true, "speed_mbps": 1000'

expect_exit "raw access as a user is refused" 77 as_nobody ixl-probe --no-vfio 0000:00:04.0
expect_match "raw access: message" "$out" "0000:00:04.0: raw PCI access needs root"

run_capture ixl-txrx loop --no-vfio 0000:00:04.0 0000:00:05.0 2000
expect_match "root, raw access, no hugepages at boot: 2000 frames intact" "$out" \
	"sent=2000 received=2000 bad=0"
expect_true "libixl reserved hugepages itself ($(cat /proc/sys/vm/nr_hugepages))" \
	test "$(cat /proc/sys/vm/nr_hugepages)" -gt 0
finish
