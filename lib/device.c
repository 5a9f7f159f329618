/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Taking a NIC from the kernel and giving it back: checks, locking, binding
 * to vfio-pci (or raw sysfs access), the driver's init, and the way back on
 * close, exit or a fatal signal.
 */
#define _GNU_SOURCE
#include <bsd/libutil.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define SYSFS_PCI "/sys/bus/pci"
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4

/* Open devices, for the exit and signal paths. Not thread-safe: open and close from one thread. */
static struct ixl_device *open_devices;
static bool exit_hooks_installed;
/*
 * Signals that end a process by default. SIGINT and SIGTERM are the ones a
 * user sends; the crash signals are here so that a bug in the application
 * does not leave the NIC on vfio-pci or driverless either.
 */
static const int fatal_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS,
				     SIGABRT, SIGFPE, SIGILL };
#define N_FATAL (sizeof(fatal_signals) / sizeof(fatal_signals[0]))

/* ------------------------------------------------------------ sysfs */

/* Only open/write/close: also used from the signal handler. */
static int sysfs_write(const char *path, const char *val)
{
	size_t len = strlen(val);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	return 0;
}

/* Async-signal-safe string building for sysfs paths. */
static void path_join(char *dst, size_t size, const char *a, const char *b, const char *c)
{
	size_t n = 0;

	for (const char *parts[3] = { a, b, c }, **p = parts; p < parts + 3; p++)
		for (const char *s = *p; s && *s && n + 1 < size; s++)
			dst[n++] = *s;
	dst[n] = '\0';
}

static int current_driver(const char *address, char *buf, size_t size)
{
	char path[256], link[256];
	ssize_t n;

	path_join(path, sizeof(path), SYSFS_PCI "/devices/", address, "/driver");
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		buf[0] = '\0';
		return errno == ENOENT ? 0 : -errno;
	}
	link[n] = '\0';
	strlcpy(buf, strrchr(link, '/') ? strrchr(link, '/') + 1 : link, size);
	return 0;
}

static int driver_unbind(const char *address, const char *driver)
{
	char path[256];

	path_join(path, sizeof(path), SYSFS_PCI "/drivers/", driver, "/unbind");
	return sysfs_write(path, address);
}

/*
 * Gives the NIC back to the driver it had. Uses only async-signal-safe calls
 * because the fatal-signal path runs it too.
 */
static void driver_restore(struct ixl_device *dev)
{
	char path[256], now[64] = "";

	if (!dev->unbound)
		return;
	current_driver(dev->address, now, sizeof(now));
	if (now[0] && strcmp(now, dev->original_driver) != 0)
		driver_unbind(dev->address, now);
	path_join(path, sizeof(path), SYSFS_PCI "/devices/", dev->address, "/driver_override");
	/* A lone newline clears driver_override. */
	sysfs_write(path, "\n");
	if (dev->original_driver[0] && strcmp(now, dev->original_driver) != 0) {
		path_join(path, sizeof(path), SYSFS_PCI "/drivers/", dev->original_driver, "/bind");
		if (sysfs_write(path, dev->address) < 0)
			sysfs_write(SYSFS_PCI "/drivers_probe", dev->address);
	}
	dev->unbound = false;
}

/* -------------------------------------------------------- config space */

int ixl_pci_config_read(struct ixl_device *dev, uint32_t off, void *buf, size_t len)
{
	ssize_t n;

	if (dev->vfio)
		n = pread(dev->vfio_device, buf, len, (off_t)(dev->config_offset + off));
	else
		n = pread(dev->config_fd, buf, len, off);
	if (n != (ssize_t)len) {
		ixl_err("%s: cannot read PCI config space at 0x%x", dev->address, off);
		return n < 0 ? -errno : -EIO;
	}
	return 0;
}

int ixl_pci_config_write(struct ixl_device *dev, uint32_t off, const void *buf, size_t len)
{
	ssize_t n;

	if (dev->vfio)
		n = pwrite(dev->vfio_device, buf, len, (off_t)(dev->config_offset + off));
	else
		n = pwrite(dev->config_fd, buf, len, off);
	if (n != (ssize_t)len) {
		ixl_err("%s: cannot write PCI config space at 0x%x", dev->address, off);
		return n < 0 ? -errno : -EIO;
	}
	return 0;
}

/* PCI Local Bus Spec 3.0 §6.2.2: the command register gates MMIO and DMA. */
static int bus_master_set(struct ixl_device *dev, bool on)
{
	uint16_t cmd;
	int ret = ixl_pci_config_read(dev, PCI_COMMAND, &cmd, sizeof(cmd));

	if (ret < 0)
		return ret;
	if (on)
		cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	else
		cmd &= (uint16_t)~PCI_COMMAND_MASTER;
	return ixl_pci_config_write(dev, PCI_COMMAND, &cmd, sizeof(cmd));
}

/* ------------------------------------------------- exit and signal path */

static void close_all_at_exit(void)
{
	while (open_devices)
		ixl_device_close(open_devices);
}

/*
 * On SIGINT/SIGTERM with no handler of the application's: stop DMA and give
 * every NIC back, then die of the signal as we would have.
 */
static void on_fatal_signal(int sig)
{
	for (struct ixl_device *dev = open_devices; dev; dev = dev->next_open) {
		if (dev->vfio) {
			/*
			 * vfio-pci disables the function when the last reference
			 * goes; the BAR mapping is one, and unbinding below would
			 * wait for it forever.
			 */
			if (dev->bar0)
				munmap((void *)dev->bar0, dev->bar0_size);
			close(dev->vfio_device);
			close(dev->vfio_group);
			close(dev->vfio_container);
		} else if (dev->config_fd >= 0) {
			uint16_t cmd = PCI_COMMAND_MEMORY;

			pwrite(dev->config_fd, &cmd, sizeof(cmd), PCI_COMMAND);
		}
		driver_restore(dev);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void exit_hooks_install(void)
{
	struct sigaction sa = { .sa_handler = on_fatal_signal }, old;

	if (exit_hooks_installed)
		return;
	exit_hooks_installed = true;
	atexit(close_all_at_exit);
	/* Block the others while one runs: the NICs are given back once. */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < N_FATAL; i++)
		sigaddset(&sa.sa_mask, fatal_signals[i]);
	for (size_t i = 0; i < N_FATAL; i++) {
		sigaction(fatal_signals[i], NULL, &old);
		/* An application that handles (or ignores) the signal itself keeps it. */
		if (old.sa_handler == SIG_DFL)
			sigaction(fatal_signals[i], &sa, NULL);
	}
}

static void open_list_remove(struct ixl_device *dev)
{
	for (struct ixl_device **p = &open_devices; *p; p = &(*p)->next_open) {
		if (*p == dev) {
			*p = dev->next_open;
			return;
		}
	}
}

/* ------------------------------------------------------------ locking */

static const char *lock_dir(void)
{
	const char *env = getenv("IXL_LOCK_DIR");
	struct stat st;

	if (env && *env)
		return env;
	return stat("/run/lock", &st) == 0 ? "/run/lock" : "/tmp";
}

static int device_lock(struct ixl_device *dev)
{
	char path[256], comm[64] = "?";
	pid_t other = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/ixl-%s.pid", lock_dir(), dev->address);
	/* libbsd's pidfile: an flock'ed file holding the owner's pid, released at death. */
	dev->lock = pidfile_open(path, 0644, &other);
	if (!dev->lock) {
		if (errno == EEXIST) {
			snprintf(path, sizeof(path), "/proc/%d/comm", (int)other);
			f = fopen(path, "r");
			if (f) {
				if (fgets(comm, sizeof(comm), f))
					comm[strcspn(comm, "\n")] = '\0';
				fclose(f);
			}
			ixl_err("%s is in use by process %d (%s); stop it first", dev->address,
				(int)other, comm);
			return -EBUSY;
		}
		ixl_err("%s: cannot create lock file %s: %s", dev->address, path, strerror(errno));
		return -errno;
	}
	pidfile_write(dev->lock);
	return 0;
}

/* ------------------------------------------------------------ access */

static int bind_vfio(struct ixl_device *dev)
{
	char path[256], now[64] = "";
	int ret;

	if (strcmp(dev->original_driver, "vfio-pci") == 0)
		return 0; /* handed over already: no root needed */
	if (access(SYSFS_PCI "/drivers/vfio-pci", F_OK) != 0) {
		ixl_err("%s: the vfio-pci driver is not loaded; load it (modprobe vfio-pci) "
			"or use raw access as root", dev->address);
		return -ENOENT;
	}
	path_join(path, sizeof(path), SYSFS_PCI "/devices/", dev->address, "/driver_override");
	ret = sysfs_write(path, "vfio-pci");
	if (ret < 0) {
		ixl_err("%s: cannot hand the device to vfio-pci (%s: %s); run as root or bind "
			"it to vfio-pci beforehand", dev->address, path, strerror(-ret));
		return ret;
	}
	dev->unbound = true;
	if (dev->original_driver[0]) {
		ret = driver_unbind(dev->address, dev->original_driver);
		if (ret < 0) {
			ixl_err("%s: cannot unbind %s: %s", dev->address, dev->original_driver,
				strerror(-ret));
			return ret;
		}
	}
	sysfs_write(SYSFS_PCI "/drivers_probe", dev->address);
	current_driver(dev->address, now, sizeof(now));
	if (strcmp(now, "vfio-pci") != 0) {
		ixl_err("%s: vfio-pci did not take the device (bound to: %s)", dev->address,
			now[0] ? now : "nothing");
		return -EIO;
	}
	/* devtmpfs creates the group node asynchronously; give it a moment. */
	snprintf(path, sizeof(path), "/dev/vfio/%d", dev->pci.iommu_group);
	for (int i = 0; i < 100 && access(path, F_OK) != 0; i++)
		ixl_sleep_us(10000);
	return 0;
}

static int open_raw(struct ixl_device *dev)
{
	char path[256];
	struct stat st;
	void *bar;
	int fd, ret;

	if (geteuid() != 0) {
		ixl_err("%s: raw PCI access needs root%s", dev->address,
			dev->pci.iommu_group >= 0 ? "; without --no-vfio VFIO needs none" :
						    " (no IOMMU group: enable the IOMMU for VFIO)");
		return -EPERM;
	}
	if (dev->original_driver[0]) {
		/* Two drivers must never program the same NIC. */
		ret = driver_unbind(dev->address, dev->original_driver);
		if (ret < 0) {
			ixl_err("%s: cannot unbind %s: %s", dev->address, dev->original_driver,
				strerror(-ret));
			return ret;
		}
		dev->unbound = true;
	}
	snprintf(path, sizeof(path), SYSFS_PCI "/devices/%s/config", dev->address);
	dev->config_fd = open(path, O_RDWR | O_CLOEXEC);
	if (dev->config_fd < 0) {
		ret = -errno;
		ixl_err("%s: cannot open %s: %s", dev->address, path, strerror(-ret));
		return ret;
	}
	snprintf(path, sizeof(path), SYSFS_PCI "/devices/%s/resource0", dev->address);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = -errno;
		ixl_err("%s: cannot open %s: %s", dev->address, path, strerror(-ret));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	bar = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (bar == MAP_FAILED) {
		ret = -errno;
		ixl_err("%s: cannot map BAR0 (%s): %s", dev->address, path, strerror(-ret));
		return ret;
	}
	dev->bar0 = bar;
	dev->bar0_size = (size_t)st.st_size;
	return 0;
}

static void access_close(struct ixl_device *dev)
{
	if (dev->vfio) {
		ixl_vfio_close(dev);
	} else {
		if (dev->bar0)
			munmap((void *)dev->bar0, dev->bar0_size);
		dev->bar0 = NULL;
		if (dev->config_fd >= 0)
			close(dev->config_fd);
		dev->config_fd = -1;
	}
}

/* --------------------------------------------------------- open/close */

/* A queue depth as asked for: 0 is the driver's default, IXL_QUEUE_DEPTH_MAX its largest. */
static uint32_t depth_resolve(uint32_t asked, uint32_t dflt, uint32_t max)
{
	if (asked == 0)
		return dflt;
	return asked == IXL_QUEUE_DEPTH_MAX ? max : asked;
}

static int config_check(struct ixl_device *dev, const struct ixl_device_config *cfg)
{
	const struct ixl_driver *drv = dev->driver;

	dev->cfg = cfg ? *cfg : (struct ixl_device_config){ 0 };
	cfg = &dev->cfg;
	if (cfg->irq_timeout_ms != 0) {
		ixl_err("%s: irq_timeout_ms = %d asks for interrupts, which ixl does not "
			"implement yet; use 0 (polling)", dev->address, cfg->irq_timeout_ms);
		return -ENOTSUP;
	}
	dev->rx_queues = cfg->rx_queues ? cfg->rx_queues : 1;
	dev->tx_queues = cfg->tx_queues ? cfg->tx_queues : 1;
	if (dev->rx_queues > drv->max_queues || dev->tx_queues > drv->max_queues) {
		ixl_err("%s: %u rx / %u tx queues asked for; the %s driver has at most %u",
			dev->address, dev->rx_queues, dev->tx_queues, drv->name, drv->max_queues);
		return -EINVAL;
	}
	dev->rx_depth = depth_resolve(cfg->rx_queue_depth, drv->default_rx_depth, drv->max_depth);
	dev->tx_depth = depth_resolve(cfg->tx_queue_depth, drv->default_tx_depth, drv->max_depth);
	for (int i = 0; i < 2; i++) {
		uint32_t depth = i ? dev->tx_depth : dev->rx_depth;

		if (depth < 8 || depth > drv->max_depth || depth % 8) {
			ixl_err("%s: %s queue depth %u is not a multiple of 8 from 8 to %u",
				dev->address, i ? "tx" : "rx", depth, drv->max_depth);
			return -EINVAL;
		}
	}
	/* Room for a full ring plus as many in the application's hands (a
	 * forwarder's tx ring); a ring beyond 4096 is a backlog buffer, and
	 * doubling it would only idle memory. */
	if (!cfg->rx_pool_entries)
		dev->cfg.rx_pool_entries = dev->rx_depth + (dev->rx_depth < 4096 ? dev->rx_depth : 4096);
	dev->max_frame_size = cfg->max_frame_size ? cfg->max_frame_size : 1514;
	if (dev->max_frame_size < 60 || dev->max_frame_size > drv->max_frame_size) {
		ixl_err("%s: max frame size %u is outside 60..%u bytes for %s", dev->address,
			dev->max_frame_size, drv->max_frame_size, drv->name);
		return -EINVAL;
	}
	return 0;
}

static int device_identify(struct ixl_device *dev)
{
	const struct ixl_pci_info *pci = &dev->pci;

	if (pci->class_code >> 16 != 0x02) {
		ixl_err("%s is not a network device (%04x:%04x, PCI class 0x%06x)", dev->address,
			pci->vendor, pci->device, pci->class_code);
		return -ENOTSUP;
	}
	dev->driver = ixl_driver_find(pci->vendor, pci->device, &dev->id);
	if (!dev->driver) {
		ixl_err("%s is a %04x:%04x (%s), which no ixl driver supports", dev->address,
			pci->vendor, pci->device, pci->model ? pci->model->name : "unknown NIC");
		return -ENOTSUP;
	}
	return 0;
}

int ixl_device_open(const char *pci_addr, const struct ixl_device_config *cfg,
		    struct ixl_device **out)
{
	struct ixl_pci_addr addr;
	struct ixl_device *dev;
	int ret;

	*out = NULL;
	if (ixl_pci_addr_parse(pci_addr, &addr) < 0) {
		ixl_err("'%s' is not a PCI address (expected DDDD:BB:DD.F or BB:DD.F, "
			"e.g. 0000:03:00.0)", pci_addr);
		return -EINVAL;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->vfio_container = dev->vfio_group = dev->vfio_device = dev->config_fd = -1;
	ixl_pci_addr_format(&addr, dev->address);

	ret = ixl_pci_info_read(dev->address, &dev->pci);
	if (ret < 0)
		goto err_free;
	ret = device_identify(dev);
	if (ret < 0)
		goto err_free;
	ret = config_check(dev, cfg);
	if (ret < 0)
		goto err_free;
	ret = device_lock(dev);
	if (ret < 0)
		goto err_free;
	strlcpy(dev->original_driver, dev->pci.kernel_driver, sizeof(dev->original_driver));
	if (dev->pci.interface_up && !(dev->cfg.flags & IXL_DEVICE_FORCE)) {
		ixl_err("%s is bound to %s and %s is up; bring it down (ip link set %s down) "
			"or force it", dev->address, dev->original_driver, dev->pci.interface,
			dev->pci.interface);
		ret = -EBUSY;
		goto err_unlock;
	}

	exit_hooks_install();
	dev->next_open = open_devices;
	open_devices = dev;
	dev->vfio = dev->pci.iommu_group >= 0 && !(dev->cfg.flags & IXL_DEVICE_NO_VFIO);
	if (dev->vfio) {
		ret = bind_vfio(dev);
		if (ret == 0)
			ret = ixl_vfio_open(dev);
	} else {
		ret = open_raw(dev);
	}
	if (ret < 0)
		goto err_access;
	ret = bus_master_set(dev, true);
	if (ret < 0)
		goto err_access;
	ixl_info("%s: %s via %s, %s", dev->address, dev->id->name, dev->vfio ? "VFIO" : "sysfs",
		 dev->driver->name);
	ret = dev->driver->init(dev);
	if (ret < 0)
		goto err_bus_master;
	if (!dev->hw_max_frame_size)
		dev->hw_max_frame_size = dev->driver->max_frame_size;
	*out = dev;
	return 0;

err_bus_master:
	bus_master_set(dev, false);
err_access:
	access_close(dev);
	driver_restore(dev);
	open_list_remove(dev);
err_unlock:
	pidfile_remove(dev->lock);
err_free:
	free(dev);
	return ret;
}

void ixl_device_close(struct ixl_device *dev)
{
	if (!dev)
		return;
	dev->driver->shutdown(dev);
	bus_master_set(dev, false);
	access_close(dev);
	driver_restore(dev);
	open_list_remove(dev);
	pidfile_remove(dev->lock);
	free(dev);
}

/* ------------------------------------------------------------ the rest */

uint32_t ixl_device_rx_batch(struct ixl_device *dev, uint16_t queue,
			     struct ixl_pkt_buf **bufs, uint32_t n)
{
	if (queue >= dev->rx_queues)
		return 0;
	return dev->driver->rx_batch(dev, queue, bufs, n);
}

uint32_t ixl_device_tx_batch(struct ixl_device *dev, uint16_t queue,
			     struct ixl_pkt_buf **bufs, uint32_t n)
{
	if (queue >= dev->tx_queues)
		return 0;
	return dev->driver->tx_batch(dev, queue, bufs, n);
}

int ixl_device_read_stats(struct ixl_device *dev, struct ixl_device_stats *stats)
{
	dev->driver->read_stats(dev, stats);
	return 0;
}

int ixl_device_set_promisc(struct ixl_device *dev, bool on)
{
	int ret = dev->driver->set_promisc(dev, on);

	if (ret == 0)
		dev->promisc = on;
	return ret;
}

bool ixl_device_promisc(const struct ixl_device *dev)
{
	return dev->promisc;
}

bool ixl_device_link_up(struct ixl_device *dev)
{
	return dev->driver->link_up(dev);
}

uint32_t ixl_device_link_speed(struct ixl_device *dev)
{
	return dev->driver->link_up(dev) ? dev->driver->link_speed(dev) : 0;
}

int ixl_device_set_link(struct ixl_device *dev, bool up)
{
	if (!dev->driver->set_link) {
		ixl_err("%s: the %s driver cannot switch the link", dev->address, dev->driver->name);
		return -ENOTSUP;
	}
	return dev->driver->set_link(dev, up);
}

int ixl_device_wait_link(struct ixl_device *dev, unsigned timeout_ms)
{
	uint64_t deadline = ixl_time_ns() + (uint64_t)timeout_ms * 1000000u;

	while (!dev->driver->link_up(dev)) {
		if (ixl_time_ns() > deadline) {
			ixl_err("%s: timed out after %u ms waiting for link up", dev->address,
				timeout_ms);
			return -ETIMEDOUT;
		}
		ixl_sleep_us(10000);
	}
	return 0;
}

void ixl_device_mac_get(const struct ixl_device *dev, uint8_t mac[6])
{
	memcpy(mac, dev->mac, 6);
}

int ixl_device_mac_set(struct ixl_device *dev, const uint8_t mac[6])
{
	int ret;

	if (mac[0] & 1) {
		ixl_err("%s: %02x:%02x:%02x:%02x:%02x:%02x is a multicast address, not a station "
			"address", dev->address, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
		return -EINVAL;
	}
	ret = dev->driver->set_mac(dev, mac);
	if (ret == 0)
		memcpy(dev->mac, mac, 6);
	return ret;
}

uint16_t ixl_device_rx_queues(const struct ixl_device *dev)
{
	return dev->rx_queues;
}

uint16_t ixl_device_tx_queues(const struct ixl_device *dev)
{
	return dev->tx_queues;
}

uint32_t ixl_device_rx_queue_depth(const struct ixl_device *dev)
{
	return dev->rx_depth;
}

uint32_t ixl_device_tx_queue_depth(const struct ixl_device *dev)
{
	return dev->tx_depth;
}

uint32_t ixl_device_max_frame_size(const struct ixl_device *dev)
{
	return dev->hw_max_frame_size;
}

uint32_t ixl_device_rx_frame_size(const struct ixl_device *dev)
{
	return dev->max_frame_size;
}

int ixl_device_rx_pool_extend(struct ixl_device *dev, uint16_t queue, uint32_t entries)
{
	if (queue >= dev->rx_queues || !dev->rx_pool[queue]) {
		ixl_err("%s: no rx queue %u", dev->address, queue);
		return -EINVAL;
	}
	return ixl_mempool_extend(dev->rx_pool[queue], entries);
}

struct ixl_mempool *ixl_device_rx_pool(const struct ixl_device *dev, uint16_t queue)
{
	return queue < dev->rx_queues ? dev->rx_pool[queue] : NULL;
}

const char *ixl_device_address(const struct ixl_device *dev)
{
	return dev->address;
}

const char *ixl_device_driver(const struct ixl_device *dev)
{
	return dev->driver->name;
}

const char *ixl_device_model(const struct ixl_device *dev)
{
	return dev->id->name;
}

const char *ixl_device_access(const struct ixl_device *dev)
{
	return dev->vfio ? "vfio" : "sysfs";
}
