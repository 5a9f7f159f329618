/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libixl: drive a network card from userspace.
 *
 * A C form of Ixylon's device interface on Linux: open a NIC by PCI address,
 * receive and transmit packet buffers in batches, read statistics, close.
 *
 * Conventions: every function that can fail returns a negative errno value
 * (or NULL with errno set) and reports the reason through the log callback
 * (ixl_log_set); the library never exits or aborts the process.
 */
#ifndef IXL_IXL_H
#define IXL_IXL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IXL_VERSION "0.1.0"

/* ------------------------------------------------------------------ log */

enum ixl_log_level {
	IXL_LOG_ERROR = 0,
	IXL_LOG_WARN = 1,
	IXL_LOG_INFO = 2,
	IXL_LOG_DEBUG = 3,
};

/*
 * Messages up to max_level go to fn (NULL restores the default, which writes
 * "ixl: message" to stderr for warnings and errors).
 */
typedef void ixl_log_fn(enum ixl_log_level level, const char *msg, void *arg);
void ixl_log_set(ixl_log_fn *fn, void *arg, enum ixl_log_level max_level);

/* The last error message logged by this thread ("" if none). */
const char *ixl_last_error(void);

/* ------------------------------------------------------------ PCI names */

struct ixl_pci_addr {
	uint16_t domain;
	uint8_t bus;
	uint8_t dev;
	uint8_t func;
};

/* Accepts "0000:03:00.0" and "03:00.0". Returns 0 or -EINVAL. */
int ixl_pci_addr_parse(const char *str, struct ixl_pci_addr *out);
/* Canonical "dddd:bb:dd.f"; buf needs IXL_PCI_ADDR_LEN bytes. */
#define IXL_PCI_ADDR_LEN 13
void ixl_pci_addr_format(const struct ixl_pci_addr *addr, char *buf);

/* What ixl knows of a vendor:device pair. */
struct ixl_pci_model {
	uint16_t vendor;
	uint16_t device;
	const char *name;   /* "82540EM Gigabit Ethernet Controller" */
	const char *driver; /* ixl driver name, NULL if unsupported */
};

/*
 * Looks up vendor:device in ixl's driver tables, then in a table of known but
 * unsupported NICs. Returns NULL if ixl has never heard of it.
 */
const struct ixl_pci_model *ixl_pci_model_lookup(uint16_t vendor, uint16_t device);

/* One PCI network device (class 0x02) as sysfs describes it. */
struct ixl_pci_info {
	char address[IXL_PCI_ADDR_LEN];
	uint16_t vendor;
	uint16_t device;
	uint32_t class_code;    /* 24-bit class/subclass/prog-if */
	char kernel_driver[64]; /* "" when unbound */
	char interface[64];     /* first net interface, "" if none */
	bool interface_up;
	int iommu_group;        /* -1 without an IOMMU */
	int numa_node;          /* -1 when unknown */
	const struct ixl_pci_model *model; /* NULL if unknown to ixl */
};

/* Fills info for one device. -ENODEV if there is no such device. */
int ixl_pci_info_read(const char *address, struct ixl_pci_info *info);

/*
 * Lists PCI network devices sorted by address. *out is malloc'd (free it);
 * returns the count or a negative errno.
 */
int ixl_pci_list_network(struct ixl_pci_info **out);

/* --------------------------------------------------- mempools, buffers */

struct ixl_device;
struct ixl_mempool;

/*
 * A packet buffer lives at the start of a mempool entry; the frame follows
 * in data[]. The header is one cache line so that data[] stays aligned.
 */
struct ixl_pkt_buf {
	uint64_t dma_addr;        /* bus address of data[] (IOVA or physical) */
	struct ixl_mempool *pool; /* the pool it returns to when freed */
	uint32_t pool_index;      /* entry number inside the pool */
	uint32_t len;             /* bytes of frame in data[] (FCS excluded) */
	uint8_t meta[40];         /* free for the driver or the application */
	uint8_t data[] __attribute__((aligned(64)));
};

#define IXL_PKT_BUF_HEADER 64
/* Default entry size: header plus a 2 KiB buffer, enough for 1518-byte frames. */
#define IXL_MEMPOOL_DEFAULT_ENTRY_SIZE 2048

/*
 * Creates a pool of DMA memory serving dev, with `entries` entries of
 * entry_size bytes each (0: IXL_MEMPOOL_DEFAULT_ENTRY_SIZE). Entries are
 * never split across a page boundary, so every data[] is physically
 * contiguous.
 */
struct ixl_mempool *ixl_mempool_create(struct ixl_device *dev, uint32_t entries,
				       uint32_t entry_size);
/* Adds `entries` more entries (a new DMA chunk). */
int ixl_mempool_extend(struct ixl_mempool *pool, uint32_t entries);
/* Frees the pool; every buffer must have been returned to it. */
void ixl_mempool_destroy(struct ixl_mempool *pool);
uint32_t ixl_mempool_free_count(const struct ixl_mempool *pool);
uint32_t ixl_mempool_size(const struct ixl_mempool *pool);
/* Room for frame bytes in each buffer: entry size minus the header. */
uint32_t ixl_mempool_buf_capacity(const struct ixl_mempool *pool);

/* One buffer, or NULL when the pool is empty (errno ENOBUFS). */
struct ixl_pkt_buf *ixl_pkt_buf_alloc(struct ixl_mempool *pool);
/* Up to n buffers; returns how many it got (fewer when the pool runs low). */
uint32_t ixl_pkt_buf_alloc_batch(struct ixl_mempool *pool, struct ixl_pkt_buf **bufs,
				 uint32_t n);
void ixl_pkt_buf_free(struct ixl_pkt_buf *buf);
void ixl_pkt_buf_free_batch(struct ixl_pkt_buf **bufs, uint32_t n);

/* -------------------------------------------------------------- device */

enum ixl_device_flags {
	/* Take the NIC even though its kernel interface is up. */
	IXL_DEVICE_FORCE = 1u << 0,
	/* Use raw sysfs access (root) even when VFIO is available. */
	IXL_DEVICE_NO_VFIO = 1u << 1,
	/* Do not put the NIC into promiscuous mode at init. */
	IXL_DEVICE_NO_PROMISC = 1u << 2,
};

/* A queue depth that asks for the largest ring the driver supports. */
#define IXL_QUEUE_DEPTH_MAX UINT32_MAX

struct ixl_device_config {
	uint16_t rx_queues;        /* 0 means 1 */
	uint16_t tx_queues;        /* 0 means 1 */
	/* Descriptors per queue; 0: the driver's default, or IXL_QUEUE_DEPTH_MAX. */
	uint32_t rx_queue_depth;
	uint32_t tx_queue_depth;
	/*
	 * Ixylon's interrupt modes: 0 polls. -1 (interrupts for an external
	 * waiter), other negative values (wait forever) and positive timeouts
	 * are reserved until interrupts exist and are rejected with -ENOTSUP.
	 */
	int irq_timeout_ms;
	uint32_t max_frame_size;   /* largest frame to receive, FCS excluded; 0: 1514 */
	/* Per rx queue; 0: twice the queue depth, at most the depth + 4096. */
	uint32_t rx_pool_entries;
	unsigned flags;            /* enum ixl_device_flags */
};

/* Counters. read_stats adds the counts since its last call; bytes exclude the FCS. */
struct ixl_device_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint64_t rx_missed;    /* frames the NIC dropped: no descriptor or FIFO full */
	uint64_t rx_errors;    /* CRC, length, alignment and other receive errors */
	uint64_t tx_errors;
};

/*
 * Takes exclusive control of the NIC at pci_addr ("0000:03:00.0" or
 * "03:00.0"): unbinds its kernel driver, binds vfio-pci when an IOMMU group
 * exists (raw sysfs access otherwise), picks the ixl driver from the PCI ID,
 * resets and initialises the NIC. cfg may be NULL for defaults. The kernel
 * driver is given back by ixl_device_close, at exit, and on a signal that
 * would end the process (SIGINT, SIGTERM, SIGHUP, SIGQUIT, and the crash
 * signals SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL) for each of them the
 * application has not installed a handler of its own for. SIGKILL cannot
 * be caught: the NIC then stays unbound (or on vfio-pci).
 */
int ixl_device_open(const char *pci_addr, const struct ixl_device_config *cfg,
		    struct ixl_device **out);
/* Stops the NIC, frees its memory and gives it back to its kernel driver. */
void ixl_device_close(struct ixl_device *dev);

/*
 * Receives up to n frames from rx queue `queue` into bufs; the caller owns
 * them and frees them with ixl_pkt_buf_free. Never blocks while polling.
 */
uint32_t ixl_device_rx_batch(struct ixl_device *dev, uint16_t queue,
			     struct ixl_pkt_buf **bufs, uint32_t n);
/*
 * Queues up to n frames for sending on tx queue `queue`; returns how many were
 * taken. Taken buffers belong to the driver, which frees them to their pool
 * once the NIC has sent them; the rest stay the caller's.
 */
uint32_t ixl_device_tx_batch(struct ixl_device *dev, uint16_t queue,
			     struct ixl_pkt_buf **bufs, uint32_t n);

/* NULL resets the counters; otherwise adds the counts since the last call. */
int ixl_device_read_stats(struct ixl_device *dev, struct ixl_device_stats *stats);
int ixl_device_set_promisc(struct ixl_device *dev, bool on);
bool ixl_device_promisc(const struct ixl_device *dev);
bool ixl_device_link_up(struct ixl_device *dev);
/* Link speed in Mbit/s, 0 while the link is down. */
uint32_t ixl_device_link_speed(struct ixl_device *dev);
/* Brings the link up or down (set link up / force the PHY off). */
int ixl_device_set_link(struct ixl_device *dev, bool up);
/*
 * Waits up to timeout_ms for link up; returns 0, or -ETIMEDOUT after logging
 * that it waited for the link.
 */
int ixl_device_wait_link(struct ixl_device *dev, unsigned timeout_ms);
void ixl_device_mac_get(const struct ixl_device *dev, uint8_t mac[6]);
int ixl_device_mac_set(struct ixl_device *dev, const uint8_t mac[6]);

uint16_t ixl_device_rx_queues(const struct ixl_device *dev);
uint16_t ixl_device_tx_queues(const struct ixl_device *dev);
uint32_t ixl_device_rx_queue_depth(const struct ixl_device *dev);
uint32_t ixl_device_tx_queue_depth(const struct ixl_device *dev);
/* Largest frame the NIC can send and receive, FCS excluded (jumbo included). */
uint32_t ixl_device_max_frame_size(const struct ixl_device *dev);
/*
 * Largest frame rx is set up for, FCS excluded: the config's max_frame_size
 * (1514 by default). Longer frames are dropped and counted as rx errors.
 */
uint32_t ixl_device_rx_frame_size(const struct ixl_device *dev);
/* Adds entries to the pool that feeds rx queue `queue`. */
int ixl_device_rx_pool_extend(struct ixl_device *dev, uint16_t queue, uint32_t entries);
struct ixl_mempool *ixl_device_rx_pool(const struct ixl_device *dev, uint16_t queue);

const char *ixl_device_address(const struct ixl_device *dev);  /* "0000:03:00.0" */
const char *ixl_device_driver(const struct ixl_device *dev);   /* "e1000" */
const char *ixl_device_model(const struct ixl_device *dev);    /* model name */
/* "vfio" or "sysfs": how the device is reached. */
const char *ixl_device_access(const struct ixl_device *dev);

#ifdef __cplusplus
}
#endif

#endif /* IXL_IXL_H */
