/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA memory. Under VFIO any memory works: the IOMMU maps it to one
 * contiguous IOVA range. With raw access the device sees physical addresses,
 * so we need memory that stays put and whose physical layout we know:
 * hugepages, which are never swapped or migrated and are physically
 * contiguous within each 2 MiB page.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/memfd.h>

#include "internal.h"

#define HUGEPAGE_SIZE (2ul * 1024 * 1024)
#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"

static size_t round_up(size_t v, size_t to)
{
	return (v + to - 1) / to * to;
}

/*
 * memfd with MFD_HUGETLB needs no hugetlbfs mount; it only needs free pages
 * in the pool, which root may enlarge.
 */
static void *hugepage_map(size_t size)
{
	void *virt;
	int fd;

	fd = memfd_create("ixl-dma", MFD_CLOEXEC | MFD_HUGETLB | MFD_HUGE_2MB);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		return NULL;
	}
	virt = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	close(fd);
	if (virt == MAP_FAILED)
		return NULL;
	/* MAP_POPULATE does not report a failure to fault in; touching does (SIGBUS). */
	return virt;
}

static long free_hugepages(void)
{
	char buf[32] = "";
	long n = -1;
	FILE *f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "r");

	if (f) {
		if (fgets(buf, sizeof(buf), f))
			n = strtol(buf, NULL, 10);
		fclose(f);
	}
	return n;
}

/* As root, add the pages we lack to the kernel's pool (what dpdk-hugepages.py does by hand). */
static void hugepage_reserve(size_t size)
{
	long have = free_hugepages(), need = (long)(size / HUGEPAGE_SIZE), total = 0;
	char buf[32] = "";
	FILE *f;

	if (geteuid() != 0 || have < 0 || have >= need)
		return;
	f = fopen(NR_HUGEPAGES, "r+");
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f))
		total = strtol(buf, NULL, 10);
	rewind(f);
	fprintf(f, "%ld\n", total + need - have);
	fclose(f);
	ixl_info("reserved %ld more 2 MiB hugepages", need - have);
}

/* Physical address of a locked page, from /proc/self/pagemap (root only). */
static int virt_to_phys(const void *virt, uint64_t *phys)
{
	long pagesize = sysconf(_SC_PAGESIZE);
	uint64_t entry = 0;
	uintptr_t v = (uintptr_t)virt;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, &entry, sizeof(entry), (off_t)(v / (uintptr_t)pagesize * sizeof(entry)));
	close(fd);
	if (n != sizeof(entry))
		return -EIO;
	/* Bit 63: present; bits 0-54: page frame number (zero unless CAP_SYS_ADMIN). */
	if (!(entry & (1ull << 63)) || (entry & ((1ull << 55) - 1)) == 0)
		return -EPERM;
	*phys = (entry & ((1ull << 55) - 1)) * (uint64_t)pagesize + v % (uintptr_t)pagesize;
	return 0;
}

static int dma_alloc_vfio(struct ixl_device *dev, size_t size, struct ixl_dma *out)
{
	size_t len = round_up(size, HUGEPAGE_SIZE);
	void *virt = hugepage_map(len);
	int ret;

	if (!virt) {
		hugepage_reserve(len);
		virt = hugepage_map(len);
	}
	if (!virt) {
		/* The IOMMU pins and maps ordinary pages too; only the TLB pays. */
		len = round_up(size, (size_t)sysconf(_SC_PAGESIZE));
		virt = mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (virt == MAP_FAILED) {
			ixl_err("%s: cannot allocate %zu bytes of DMA memory: %s",
				dev->address, len, strerror(errno));
			return -ENOMEM;
		}
		ixl_debug("%s: no free hugepages, using 4 KiB pages under VFIO", dev->address);
	}
	ret = ixl_vfio_dma_map(dev, virt, len, &out->iova);
	if (ret < 0) {
		munmap(virt, len);
		return ret;
	}
	out->virt = virt;
	out->size = len;
	out->page_size = len; /* one contiguous IOVA range */
	out->page_iova = NULL;
	return 0;
}

static int dma_alloc_raw(struct ixl_device *dev, size_t size, bool contiguous,
			 struct ixl_dma *out)
{
	size_t len = round_up(size, HUGEPAGE_SIZE), pages = len / HUGEPAGE_SIZE;
	void *virt;
	int ret;

	if (contiguous && len > HUGEPAGE_SIZE) {
		ixl_err("%s: %zu bytes of physically contiguous memory asked for; at most one "
			"2 MiB hugepage can be guaranteed without an IOMMU", dev->address, size);
		return -EINVAL;
	}
	virt = hugepage_map(len);
	if (!virt) {
		hugepage_reserve(len);
		virt = hugepage_map(len);
	}
	if (!virt) {
		ixl_err("%s: no free 2 MiB hugepages for %zu bytes of DMA memory; raw access "
			"needs them: echo 256 > " NR_HUGEPAGES " (or use VFIO: enable the IOMMU "
			"with intel_iommu=on)", dev->address, len);
		return -ENOMEM;
	}
	out->page_iova = calloc(pages, sizeof(*out->page_iova));
	if (!out->page_iova) {
		ret = -ENOMEM;
		goto err_unmap;
	}
	for (size_t i = 0; i < pages; i++) {
		ret = virt_to_phys((uint8_t *)virt + i * HUGEPAGE_SIZE, &out->page_iova[i]);
		if (ret < 0) {
			ixl_err("%s: cannot read physical addresses from /proc/self/pagemap (%s); "
				"raw access needs root", dev->address, strerror(-ret));
			goto err_free;
		}
	}
	out->virt = virt;
	out->size = len;
	out->page_size = HUGEPAGE_SIZE;
	out->iova = out->page_iova[0];
	return 0;

err_free:
	free(out->page_iova);
	out->page_iova = NULL;
err_unmap:
	munmap(virt, len);
	return ret;
}

/* Unit tests: plain memory that no device will ever see. */
static int dma_alloc_fake(struct ixl_device *dev, size_t size, struct ixl_dma *out)
{
	size_t len = round_up(size, HUGEPAGE_SIZE);
	void *virt = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (virt == MAP_FAILED) {
		ixl_err("%s: cannot allocate %zu bytes: %s", dev->address, len, strerror(errno));
		return -ENOMEM;
	}
	out->virt = virt;
	out->size = len;
	out->page_size = len;
	out->iova = (uintptr_t)virt;
	return 0;
}

int ixl_dma_alloc(struct ixl_device *dev, size_t size, bool contiguous, struct ixl_dma *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	if (size == 0)
		return -EINVAL;
	if (dev->dma_fake)
		ret = dma_alloc_fake(dev, size, out);
	else if (dev->vfio)
		ret = dma_alloc_vfio(dev, size, out);
	else
		ret = dma_alloc_raw(dev, size, contiguous, out);
	if (ret == 0)
		memset(out->virt, 0, out->size);
	return ret;
}

void ixl_dma_free(struct ixl_device *dev, struct ixl_dma *dma)
{
	if (!dma->virt)
		return;
	if (dev->vfio && !dev->dma_fake)
		ixl_vfio_dma_unmap(dev, dma->iova, dma->size);
	munmap(dma->virt, dma->size);
	free(dma->page_iova);
	memset(dma, 0, sizeof(*dma));
}
