/* SPDX-License-Identifier: BSD-3-Clause */
/* libixl internals shared by the core and the drivers; not installed. */
#ifndef IXL_INTERNAL_H
#define IXL_INTERNAL_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ixl/ixl.h"

struct pidfh;

#define IXL_MAX_QUEUES 16

/* -------------------------------------------------------------- logging */

/* Logs and remembers the message for ixl_last_error(). */
void ixl_log(enum ixl_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define ixl_err(...) ixl_log(IXL_LOG_ERROR, __VA_ARGS__)
#define ixl_warn(...) ixl_log(IXL_LOG_WARN, __VA_ARGS__)
#define ixl_info(...) ixl_log(IXL_LOG_INFO, __VA_ARGS__)
#define ixl_debug(...) ixl_log(IXL_LOG_DEBUG, __VA_ARGS__)

/* ---------------------------------------------------------- DMA memory */

/* One DMA-reachable allocation. */
struct ixl_dma {
	void *virt;
	uint64_t iova;  /* what the device uses: IOVA under VFIO, physical otherwise */
	size_t size;
	size_t page_size; /* contiguity guaranteed within pages of this size */
	uint64_t *page_iova; /* raw access: bus address of each page, else NULL */
};

/*
 * Allocates size bytes of zeroed DMA memory for dev. With `contiguous`, the
 * whole range is contiguous for the device (a descriptor ring); otherwise
 * only each page_size page is (mempools never straddle a page).
 */
int ixl_dma_alloc(struct ixl_device *dev, size_t size, bool contiguous, struct ixl_dma *out);
void ixl_dma_free(struct ixl_device *dev, struct ixl_dma *dma);
/* The bus address of a virtual address inside dma. */
static inline uint64_t ixl_dma_iova(const struct ixl_dma *dma, const void *p)
{
	size_t off = (size_t)((const uint8_t *)p - (const uint8_t *)dma->virt);

	if (dma->page_iova)
		return dma->page_iova[off / dma->page_size] + off % dma->page_size;
	return dma->iova + off;
}

/* VFIO (lib/vfio.c): container, group, device, BAR0, IOMMU mappings. */
int ixl_vfio_open(struct ixl_device *dev);
void ixl_vfio_close(struct ixl_device *dev);
int ixl_vfio_dma_map(struct ixl_device *dev, void *virt, size_t size, uint64_t *iova);
void ixl_vfio_dma_unmap(struct ixl_device *dev, uint64_t iova, size_t size);

/* ------------------------------------------------------------- mempool */

/* Internal: a pool's free stack; the driver's fast path uses these inline. */
struct ixl_mempool_chunk {
	struct ixl_dma dma;
	struct ixl_mempool_chunk *next;
};

struct ixl_mempool {
	struct ixl_device *dev;
	uint32_t entry_size;
	uint32_t size;       /* entries in all chunks */
	uint32_t free_top;   /* entries on free_stack */
	uint32_t stack_cap;
	struct ixl_pkt_buf **free_stack;
	struct ixl_mempool_chunk *chunks;
};

/* ------------------------------------------------------ PCI and device */

struct ixl_pci_id {
	uint16_t vendor;
	uint16_t device;
	const char *name;
};

struct ixl_driver;

struct ixl_device {
	char address[IXL_PCI_ADDR_LEN];
	struct ixl_pci_info pci;
	const struct ixl_driver *driver;
	const struct ixl_pci_id *id;
	struct ixl_device_config cfg;

	/* access */
	bool vfio;
	int vfio_container;
	int vfio_group;
	int vfio_device;
	int config_fd;       /* sysfs config or -1 (VFIO uses its region) */
	uint64_t config_offset; /* VFIO config region offset */
	volatile uint8_t *bar0;
	size_t bar0_size;
	bool dma_fake;       /* unit tests: DMA memory no device sees */
	struct pidfh *lock; /* libbsd pidfile: one process per NIC */
	char original_driver[64]; /* to give the NIC back to */
	bool unbound;

	/* state filled in by the driver at init */
	uint16_t rx_queues;
	uint16_t tx_queues;
	uint32_t rx_depth;
	uint32_t tx_depth;
	uint32_t max_frame_size;    /* largest frame rx is set up for (config) */
	uint32_t hw_max_frame_size; /* largest the NIC handles; driver sets it in init */
	uint8_t mac[6];
	bool promisc;
	struct ixl_mempool *rx_pool[IXL_MAX_QUEUES];

	void *priv; /* the driver's own state */
	struct ixl_device *next_open; /* list of open devices for exit handling */
};

/* Driver interface: one static const table per driver. */
struct ixl_driver {
	const char *name;
	const struct ixl_pci_id *ids; /* terminated by vendor 0 */
	/* Largest frame (FCS excluded) for a device ID, and default depths. */
	uint32_t max_frame_size;
	uint32_t default_rx_depth;
	uint32_t default_tx_depth;
	uint32_t max_depth;
	uint16_t max_queues;

	/*
	 * Resets and initialises the NIC; dev->cfg holds the validated config
	 * with rx_pool_entries resolved (never 0), and
	 * dev->rx_queues/tx_queues/rx_depth/tx_depth/max_frame_size are set.
	 * Allocates dev->priv, rings and the rx pools (dev->rx_pool[q]).
	 */
	int (*init)(struct ixl_device *dev);
	/* Stops DMA, resets the NIC and frees everything init allocated. */
	void (*shutdown)(struct ixl_device *dev);
	uint32_t (*rx_batch)(struct ixl_device *dev, uint16_t queue,
			     struct ixl_pkt_buf **bufs, uint32_t n);
	uint32_t (*tx_batch)(struct ixl_device *dev, uint16_t queue,
			     struct ixl_pkt_buf **bufs, uint32_t n);
	/* Adds the hardware counts since the last call to stats (may be NULL). */
	void (*read_stats)(struct ixl_device *dev, struct ixl_device_stats *stats);
	int (*set_promisc)(struct ixl_device *dev, bool on);
	bool (*link_up)(struct ixl_device *dev);
	uint32_t (*link_speed)(struct ixl_device *dev);
	int (*set_link)(struct ixl_device *dev, bool up);
	int (*set_mac)(struct ixl_device *dev, const uint8_t mac[6]);
};

/* The explicit driver table (lib/drivers.c), NULL-terminated. */
extern const struct ixl_driver *const ixl_drivers[];

/* Finds the driver and ID entry for vendor:device; NULL if none. */
const struct ixl_driver *ixl_driver_find(uint16_t vendor, uint16_t device,
					 const struct ixl_pci_id **id);

/* ------------------------------------------------------ register access */

static inline uint32_t ixl_reg_read(const struct ixl_device *dev, uint32_t reg)
{
	uint32_t v = *(volatile uint32_t *)(dev->bar0 + reg);
	atomic_thread_fence(memory_order_acquire);
	return v;
}

static inline void ixl_reg_write(const struct ixl_device *dev, uint32_t reg, uint32_t val)
{
	/* Descriptor writes must be visible to the NIC before it sees the tail. */
	atomic_thread_fence(memory_order_release);
	*(volatile uint32_t *)(dev->bar0 + reg) = val;
}

static inline void ixl_reg_set(const struct ixl_device *dev, uint32_t reg, uint32_t bits)
{
	ixl_reg_write(dev, reg, ixl_reg_read(dev, reg) | bits);
}

static inline void ixl_reg_clear(const struct ixl_device *dev, uint32_t reg, uint32_t bits)
{
	ixl_reg_write(dev, reg, ixl_reg_read(dev, reg) & ~bits);
}

/*
 * Polls reg until (value & mask) == expect, for at most timeout_ms. On
 * timeout logs "ADDR: timed out after N ms waiting for WHAT (reg 0x.. = 0x..)"
 * and returns -ETIMEDOUT.
 */
int ixl_reg_wait(const struct ixl_device *dev, uint32_t reg, uint32_t mask,
		 uint32_t expect, unsigned timeout_ms, const char *what);

/* PCI config space (sysfs file or VFIO region). */
int ixl_pci_config_read(struct ixl_device *dev, uint32_t off, void *buf, size_t len);
int ixl_pci_config_write(struct ixl_device *dev, uint32_t off, const void *buf, size_t len);

/* Monotonic clock in nanoseconds, and a sleep, for drivers. */
uint64_t ixl_time_ns(void);
void ixl_sleep_us(unsigned us);

#endif /* IXL_INTERNAL_H */
