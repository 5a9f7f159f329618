/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VFIO: the device's BARs and config space through file descriptors, and
 * DMA through the IOMMU (type1), so that no physical address is ever needed
 * and a user who owns /dev/vfio/N needs no root.
 * Reference: Documentation/driver-api/vfio.rst in the Linux sources.
 */
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

/*
 * IOVAs are handed out upwards from 1 GiB: clear of page zero and far below
 * the x86 MSI window at 0xfee00000 for any sane amount of buffer memory.
 */
#define IOVA_BASE (1ull << 30)
#define IOVA_LIMIT 0xfee00000ull

/*
 * One container per process, shared by every device opened through VFIO:
 * all IOMMU groups in it see the same IOVA space, so a buffer received on
 * one NIC can be sent by another (zero-copy forwarding). Not thread-safe,
 * like device open and close.
 */
static int container_fd = -1;
static unsigned container_users;
static uint64_t container_next_iova = IOVA_BASE;
static bool container_has_iommu;

int ixl_vfio_dma_map(struct ixl_device *dev, void *virt, size_t size, uint64_t *iova)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)virt,
		.size = size,
	};

	/* Keep hugepage mappings 2 MiB aligned in IOVA space too, for the IOMMU's sake. */
	uint64_t iova_next = (container_next_iova + (2u << 20) - 1) & ~((2ull << 20) - 1);

	if (iova_next + size > IOVA_LIMIT) {
		ixl_err("%s: out of IOVA space mapping %zu bytes (%llu MiB mapped already)",
			dev->address, size, (unsigned long long)(iova_next - IOVA_BASE) >> 20);
		return -ENOMEM;
	}
	map.iova = iova_next;
	if (ioctl(dev->vfio_container, VFIO_IOMMU_MAP_DMA, &map) < 0) {
		int e = errno;

		ixl_err("%s: VFIO could not map %zu bytes for DMA: %s%s", dev->address, size,
			strerror(e), e == ENOMEM ? " (raise the locked-memory limit: ulimit -l)" : "");
		return -e;
	}
	*iova = map.iova;
	container_next_iova = iova_next + size;
	return 0;
}

void ixl_vfio_dma_unmap(struct ixl_device *dev, uint64_t iova, size_t size)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = size,
	};

	if (dev->vfio_container >= 0 && ioctl(dev->vfio_container, VFIO_IOMMU_UNMAP_DMA, &unmap) < 0)
		ixl_warn("%s: VFIO unmap of IOVA 0x%llx failed: %s", dev->address,
			 (unsigned long long)iova, strerror(errno));
}

static int region_info(struct ixl_device *dev, unsigned index, struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	if (ioctl(dev->vfio_device, VFIO_DEVICE_GET_REGION_INFO, info) < 0) {
		int e = errno;

		ixl_err("%s: VFIO region %u: %s", dev->address, index, strerror(e));
		return -e;
	}
	return 0;
}

static void container_release(struct ixl_device *dev)
{
	if (dev->vfio_container < 0)
		return;
	dev->vfio_container = -1;
	if (--container_users == 0) {
		close(container_fd);
		container_fd = -1;
	}
}

int ixl_vfio_open(struct ixl_device *dev)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_region_info bar0, config;
	char path[64];
	void *bar;
	int ret;

	if (container_fd < 0) {
		container_fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
		if (container_fd < 0) {
			ret = -errno;
			ixl_err("%s: cannot open /dev/vfio/vfio: %s (load vfio-pci: modprobe vfio-pci)",
				dev->address, strerror(-ret));
			return ret;
		}
		if (ioctl(container_fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
		    ioctl(container_fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) != 1) {
			ixl_err("%s: the kernel's VFIO lacks the type1 IOMMU this needs", dev->address);
			close(container_fd);
			container_fd = -1;
			return -ENOTSUP;
		}
		container_has_iommu = false;
		container_next_iova = IOVA_BASE;
	}
	container_users++;
	dev->vfio_container = container_fd;

	snprintf(path, sizeof(path), "/dev/vfio/%d", dev->pci.iommu_group);
	dev->vfio_group = open(path, O_RDWR | O_CLOEXEC);
	if (dev->vfio_group < 0) {
		ret = -errno;
		if (ret == -EBUSY)
			ixl_err("%s: %s is held by another process", dev->address, path);
		else if (ret != -EACCES)
			ixl_err("%s: cannot open %s: %s", dev->address, path, strerror(-ret));
		else
			ixl_err("%s: cannot open %s: permission denied; run as root or hand the "
				"group to your user: chown $USER %s", dev->address, path, path);
		goto err_container;
	}
	if (ioctl(dev->vfio_group, VFIO_GROUP_GET_STATUS, &status) < 0 ||
	    !(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		ixl_err("%s: IOMMU group %d is not viable: bind every device in "
			"/sys/kernel/iommu_groups/%d/devices to vfio-pci", dev->address,
			dev->pci.iommu_group, dev->pci.iommu_group);
		ret = -EBUSY;
		goto err_group;
	}
	/* The IOMMU model is set once, when the first group joins. */
	if (ioctl(dev->vfio_group, VFIO_GROUP_SET_CONTAINER, &dev->vfio_container) < 0 ||
	    (!container_has_iommu &&
	     ioctl(dev->vfio_container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU) < 0)) {
		ret = -errno;
		ixl_err("%s: cannot attach IOMMU group %d to a VFIO container: %s",
			dev->address, dev->pci.iommu_group, strerror(-ret));
		goto err_group;
	}
	container_has_iommu = true;
	dev->vfio_device = ioctl(dev->vfio_group, VFIO_GROUP_GET_DEVICE_FD, dev->address);
	if (dev->vfio_device < 0) {
		ret = -errno;
		ixl_err("%s: VFIO will not hand out the device: %s", dev->address, strerror(-ret));
		goto err_group;
	}

	ret = region_info(dev, VFIO_PCI_CONFIG_REGION_INDEX, &config);
	if (ret < 0)
		goto err_device;
	dev->config_offset = config.offset;
	ret = region_info(dev, VFIO_PCI_BAR0_REGION_INDEX, &bar0);
	if (ret < 0)
		goto err_device;
	if (!(bar0.flags & VFIO_REGION_INFO_FLAG_MMAP) || bar0.size == 0) {
		ixl_err("%s: BAR0 cannot be memory-mapped through VFIO", dev->address);
		ret = -ENOTSUP;
		goto err_device;
	}
	bar = mmap(NULL, bar0.size, PROT_READ | PROT_WRITE, MAP_SHARED, dev->vfio_device,
		   (off_t)bar0.offset);
	if (bar == MAP_FAILED) {
		ret = -errno;
		ixl_err("%s: cannot map BAR0 through VFIO: %s", dev->address, strerror(-ret));
		goto err_device;
	}
	dev->bar0 = bar;
	dev->bar0_size = bar0.size;
	return 0;

err_device:
	close(dev->vfio_device);
	dev->vfio_device = -1;
err_group:
	close(dev->vfio_group);
	dev->vfio_group = -1;
err_container:
	container_release(dev);
	return ret;
}

void ixl_vfio_close(struct ixl_device *dev)
{
	if (dev->bar0) {
		munmap((void *)dev->bar0, dev->bar0_size);
		dev->bar0 = NULL;
	}
	/* Closing the device fd makes vfio-pci disable and reset the function. */
	if (dev->vfio_device >= 0)
		close(dev->vfio_device);
	if (dev->vfio_group >= 0)
		close(dev->vfio_group);
	dev->vfio_device = dev->vfio_group = -1;
	container_release(dev);
}
