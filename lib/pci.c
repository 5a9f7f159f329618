/* SPDX-License-Identifier: BSD-3-Clause */
/* PCI names and sysfs: addresses, model names, what the kernel knows of a NIC. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* ------------------------------------------------------------ addresses */

/*
 * Reads exactly `width` hex digits. Hand-written rather than strtoul, which
 * would take signs, leading blanks, "0x" and any number of digits.
 */
static const char *hex_field(const char *s, int width, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < width; i++, s++) {
		int c = (unsigned char)*s;

		if (!isxdigit(c))
			return NULL;
		v = v * 16 + (unsigned)(isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
	}
	*out = v;
	return s;
}

int ixl_pci_addr_parse(const char *str, struct ixl_pci_addr *out)
{
	unsigned domain = 0, bus, dev, func;
	const char *p = str;

	if (!str)
		return -EINVAL;
	/* The domain is there iff the fifth character is the second colon. */
	if (strlen(str) > 4 && str[4] == ':') {
		p = hex_field(p, 4, &domain);
		if (!p || *p++ != ':')
			return -EINVAL;
	}
	p = hex_field(p, 2, &bus);
	if (!p || *p++ != ':')
		return -EINVAL;
	p = hex_field(p, 2, &dev);
	if (!p || *p++ != '.')
		return -EINVAL;
	p = hex_field(p, 1, &func);
	if (!p || *p != '\0' || dev > 0x1f || func > 7)
		return -EINVAL;
	out->domain = (uint16_t)domain;
	out->bus = (uint8_t)bus;
	out->dev = (uint8_t)dev;
	out->func = (uint8_t)func;
	return 0;
}

void ixl_pci_addr_format(const struct ixl_pci_addr *addr, char *buf)
{
	snprintf(buf, IXL_PCI_ADDR_LEN, "%04x:%02x:%02x.%x", addr->domain, addr->bus,
		 addr->dev & 0x1f, addr->func & 7);
}

/* --------------------------------------------------------------- models */

/*
 * NICs ixl knows by name but has no driver for yet, so that ixl-probe can
 * say what a card is and that it is not supported. The driver tables are
 * searched first: a card that gains a driver needs no change here.
 */
static const struct ixl_pci_model unsupported_models[] = {
	/* igb */
	{ 0x8086, 0x10a7, "82575EB Gigabit Network Connection", NULL },
	{ 0x8086, 0x10a9, "82575EB Gigabit Backplane Connection", NULL },
	{ 0x8086, 0x10d6, "82575GB Gigabit Network Connection", NULL },
	{ 0x8086, 0x10c9, "82576 Gigabit Network Connection", NULL },
	{ 0x8086, 0x10e6, "82576 Gigabit Network Connection", NULL },
	{ 0x8086, 0x10e7, "82576 Gigabit Network Connection", NULL },
	{ 0x8086, 0x10e8, "82576 Gigabit Network Connection", NULL },
	{ 0x8086, 0x1526, "82576 Gigabit Network Connection", NULL },
	{ 0x8086, 0x150a, "82576NS Gigabit Network Connection", NULL },
	{ 0x8086, 0x1518, "82576NS SerDes Gigabit Network Connection", NULL },
	{ 0x8086, 0x10ca, "82576 Virtual Function", NULL },
	{ 0x8086, 0x1521, "I350 Gigabit Network Connection", NULL },
	{ 0x8086, 0x1522, "I350 Gigabit Fiber Network Connection", NULL },
	{ 0x8086, 0x1523, "I350 Gigabit Backplane Connection", NULL },
	{ 0x8086, 0x1524, "I350 Gigabit Connection", NULL },
	{ 0x8086, 0x1520, "I350 Ethernet Controller Virtual Function", NULL },
	{ 0x8086, 0x1533, "I210 Gigabit Network Connection", NULL },
	{ 0x8086, 0x1536, "I210 Gigabit Fiber Network Connection", NULL },
	{ 0x8086, 0x1537, "I210 Gigabit Backplane Connection", NULL },
	{ 0x8086, 0x1538, "I210 Gigabit Network Connection", NULL },
	{ 0x8086, 0x157b, "I210 Gigabit Network Connection", NULL },
	{ 0x8086, 0x157c, "I210 Gigabit Backplane Connection", NULL },
	/* e1000e */
	{ 0x8086, 0x10d3, "82574L Gigabit Network Connection", NULL },
	{ 0x8086, 0x10f6, "82574L Gigabit Network Connection", NULL },
	{ 0x8086, 0x150c, "82583V Gigabit Network Connection", NULL },
	{ 0x8086, 0x1502, "82579LM Gigabit Network Connection (Lewisville)", NULL },
	{ 0x8086, 0x1503, "82579V Gigabit Network Connection", NULL },
	{ 0x8086, 0x153a, "Ethernet Connection I217-LM", NULL },
	{ 0x8086, 0x153b, "Ethernet Connection I217-V", NULL },
	{ 0x8086, 0x15b7, "Ethernet Connection (2) I219-LM", NULL },
	{ 0x8086, 0x15b8, "Ethernet Connection (2) I219-V", NULL },
	{ 0x8086, 0x15d7, "Ethernet Connection (4) I219-LM", NULL },
	{ 0x8086, 0x15d8, "Ethernet Connection (4) I219-V", NULL },
	{ 0x8086, 0x15e3, "Ethernet Connection (5) I219-LM", NULL },
	{ 0x8086, 0x15be, "Ethernet Connection (6) I219-V", NULL },
	{ 0x8086, 0x15bb, "Ethernet Connection (7) I219-LM", NULL },
	{ 0x8086, 0x15bc, "Ethernet Connection (7) I219-V", NULL },
	{ 0x8086, 0x0d4e, "Ethernet Connection (10) I219-LM", NULL },
	{ 0x8086, 0x0d4f, "Ethernet Connection (10) I219-V", NULL },
	{ 0x8086, 0x0d4c, "Ethernet Connection (11) I219-LM", NULL },
	{ 0x8086, 0x0d4d, "Ethernet Connection (11) I219-V", NULL },
	{ 0x8086, 0x15fb, "Ethernet Connection (13) I219-LM", NULL },
	{ 0x8086, 0x15fc, "Ethernet Connection (13) I219-V", NULL },
	{ 0x8086, 0x15f9, "Ethernet Connection (14) I219-LM", NULL },
	{ 0x8086, 0x15fa, "Ethernet Connection (14) I219-V", NULL },
	/* ixgbe */
	{ 0x8086, 0x10fb, "82599ES 10-Gigabit SFI/SFP+ Network Connection", NULL },
	{ 0x8086, 0x10fc, "82599 10 Gigabit Dual Port Network Connection", NULL },
	{ 0x8086, 0x10f8, "82599 10 Gigabit Dual Port Backplane Connection", NULL },
	{ 0x8086, 0x10f9, "82599 10 Gigabit Dual Port Network Connection", NULL },
	{ 0x8086, 0x154d, "Ethernet 10G 2P X520 Adapter", NULL },
	{ 0x8086, 0x1557, "82599 10 Gigabit Network Connection", NULL },
	{ 0x8086, 0x10ed, "82599 Ethernet Controller Virtual Function", NULL },
	{ 0x8086, 0x1528, "Ethernet Controller 10-Gigabit X540-AT2", NULL },
	{ 0x8086, 0x1560, "Ethernet Controller X540", NULL },
	{ 0x8086, 0x1515, "X540 Ethernet Controller Virtual Function", NULL },
	{ 0x8086, 0x1563, "Ethernet Controller X550", NULL },
	{ 0x8086, 0x15d1, "Ethernet Controller 10G X550T", NULL },
	/* i40e, ice */
	{ 0x8086, 0x1572, "Ethernet Controller X710 for 10GbE SFP+", NULL },
	{ 0x8086, 0x1583, "Ethernet Controller XL710 for 40GbE QSFP+", NULL },
	{ 0x8086, 0x1584, "Ethernet Controller XL710 for 40GbE QSFP+", NULL },
	{ 0x8086, 0x1589, "Ethernet Controller X710/X557-AT 10GBASE-T", NULL },
	{ 0x8086, 0x158a, "Ethernet Controller XXV710 for 25GbE backplane", NULL },
	{ 0x8086, 0x158b, "Ethernet Controller XXV710 for 25GbE SFP28", NULL },
	{ 0x8086, 0x37d2, "Ethernet Connection X722 for 10GBASE-T", NULL },
	{ 0x8086, 0x1592, "Ethernet Controller E810-C for QSFP", NULL },
	{ 0x8086, 0x1593, "Ethernet Controller E810-C for SFP", NULL },
	{ 0x8086, 0x159b, "Ethernet Controller E810-XXV for SFP", NULL },
	/* paravirtual and other emulated NICs */
	{ 0x1af4, 0x1000, "Virtio network device (legacy/transitional)", NULL },
	{ 0x1af4, 0x1041, "Virtio 1.0 network device", NULL },
	{ 0x15ad, 0x07b0, "VMXNET3 Ethernet Controller", NULL },
	{ 0x15ad, 0x0720, "VMXNET Ethernet Controller", NULL },
	{ 0x10ec, 0x8139, "RTL-8100/8101L/8139 PCI Fast Ethernet Adapter", NULL },
	{ 0x10ec, 0x8168, "RTL8111/8168/8411 PCI Express Gigabit Ethernet Controller", NULL },
	{ 0x10ec, 0x8169, "RTL8169 PCI Gigabit Ethernet Controller", NULL },
};

/*
 * The driver tables hold struct ixl_pci_id, which lacks the driver name a
 * model carries, so the supported models are built once from them. One
 * allocation for the life of the process, made under pthread_once so that
 * concurrent lookups neither race nor allocate twice.
 */
static struct ixl_pci_model *supported_models;
static size_t supported_count;
static pthread_once_t supported_once = PTHREAD_ONCE_INIT;

static void supported_models_build(void)
{
	size_t n = 0, i = 0;

	for (const struct ixl_driver *const *drv = ixl_drivers; *drv; drv++)
		for (const struct ixl_pci_id *id = (*drv)->ids; id->vendor; id++)
			n++;
	supported_models = calloc(n ? n : 1, sizeof(*supported_models));
	if (!supported_models)
		return;
	for (const struct ixl_driver *const *drv = ixl_drivers; *drv; drv++) {
		for (const struct ixl_pci_id *id = (*drv)->ids; id->vendor; id++) {
			supported_models[i] = (struct ixl_pci_model){
				.vendor = id->vendor,
				.device = id->device,
				.name = id->name,
				.driver = (*drv)->name,
			};
			i++;
		}
	}
	supported_count = n;
}

const struct ixl_pci_model *ixl_pci_model_lookup(uint16_t vendor, uint16_t device)
{
	pthread_once(&supported_once, supported_models_build);
	for (size_t i = 0; i < supported_count; i++)
		if (supported_models[i].vendor == vendor && supported_models[i].device == device)
			return &supported_models[i];
	for (size_t i = 0; i < sizeof(unsupported_models) / sizeof(unsupported_models[0]); i++)
		if (unsupported_models[i].vendor == vendor &&
		    unsupported_models[i].device == device)
			return &unsupported_models[i];
	return NULL;
}

/* ---------------------------------------------------------------- sysfs */

/* Unit tests point this at a fake tree; read per call so a test can switch. */
static const char *sysfs_root(void)
{
	const char *root = getenv("IXL_SYSFS_ROOT");

	return root && *root ? root : "/sys";
}

/*
 * Attribute helpers work relative to a directory fd, which spares building
 * (and bounds-checking) a path for every attribute.
 */

/* Reads a small sysfs file into buf without the trailing newline. */
static int sysfs_read(int dirfd, const char *name, char *buf, size_t size)
{
	ssize_t n;
	int fd, err;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* A number in a sysfs attribute: "0x8086", "0x020000", "-1", "12". */
static int sysfs_read_long(int dirfd, const char *name, int base, long *out)
{
	char buf[64], *end;
	int ret = sysfs_read(dirfd, name, buf, sizeof(buf));

	if (ret < 0)
		return ret;
	errno = 0;
	*out = strtol(buf, &end, base);
	if (errno || end == buf || *end)
		return -EIO;
	return 0;
}

/* The last path component of a symlink's target ("vfio-pci", "12"). */
static int sysfs_link_name(int dirfd, const char *name, char *buf, size_t size)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
	const char *base;

	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	strlcpy(buf, base ? base + 1 : target, size);
	return 0;
}

/* The alphabetically first entry of dirfd/name (no dot files), or -ENOENT. */
static int first_entry(int dirfd, const char *name, char *buf, size_t size)
{
	struct dirent *de;
	bool found = false;
	int fd;
	DIR *d;

	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (!found || strcmp(de->d_name, buf) < 0)
			strlcpy(buf, de->d_name, size);
		found = true;
	}
	closedir(d);
	return found ? 0 : -ENOENT;
}

/*
 * The device's network interface. Most NIC drivers put it in net/; virtio
 * hangs it off the virtio device instead (virtioN/net/).
 */
static void interface_find(int devfd, struct ixl_pci_info *info)
{
	char sub[NAME_MAX + 8];
	struct dirent *de;
	int fd;
	DIR *d;

	if (first_entry(devfd, "net", info->interface, sizeof(info->interface)) == 0)
		return;
	fd = openat(devfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "virtio", 6) != 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/net", de->d_name);
		if (first_entry(devfd, sub, info->interface, sizeof(info->interface)) == 0)
			break;
	}
	closedir(d);
}

static bool interface_is_up(const char *root, const char *ifname)
{
	char path[PATH_MAX];
	long flags;
	int n = snprintf(path, sizeof(path), "%s/class/net/%s", root, ifname);
	bool up;
	int fd;

	if (n < 0 || (size_t)n >= sizeof(path))
		return false;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	up = sysfs_read_long(fd, "flags", 16, &flags) == 0 && (flags & IFF_UP);
	close(fd);
	return up;
}

/*
 * Fills info for the canonical address `addr` under root. quiet: the caller
 * copes with a missing device itself (a listing racing a hot unplug).
 */
static int pci_info_fill(const char *root, const char *addr, struct ixl_pci_info *info,
			 bool quiet)
{
	char devdir[PATH_MAX], buf[64];
	long vendor, device, class_code, numa;
	const char *attr;
	int devfd, ret, n;

	memset(info, 0, sizeof(*info));
	strlcpy(info->address, addr, sizeof(info->address));
	n = snprintf(devdir, sizeof(devdir), "%s/bus/pci/devices/%s", root, addr);
	if (n < 0 || (size_t)n >= sizeof(devdir)) {
		ixl_err("sysfs path for %s under %s is too long", addr, root);
		return -ENAMETOOLONG;
	}
	devfd = open(devdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (devfd < 0 && (errno == ENOENT || errno == ENOTDIR)) {
		if (!quiet)
			ixl_err("no PCI device at %s", addr);
		return -ENODEV;
	}
	if (devfd < 0) {
		ret = -errno;
		ixl_err("cannot open %s: %s", devdir, strerror(-ret));
		return ret;
	}

	ret = sysfs_read_long(devfd, attr = "vendor", 16, &vendor);
	if (ret == 0)
		ret = sysfs_read_long(devfd, attr = "device", 16, &device);
	if (ret == 0)
		ret = sysfs_read_long(devfd, attr = "class", 16, &class_code);
	if (ret < 0) {
		ixl_err("cannot read %s/%s: %s", devdir, attr, strerror(-ret));
		close(devfd);
		return ret;
	}
	info->vendor = (uint16_t)vendor;
	info->device = (uint16_t)device;
	info->class_code = (uint32_t)class_code & 0xffffff;

	sysfs_link_name(devfd, "driver", info->kernel_driver, sizeof(info->kernel_driver));

	interface_find(devfd, info);
	if (info->interface[0])
		info->interface_up = interface_is_up(root, info->interface);

	info->iommu_group = -1;
	if (sysfs_link_name(devfd, "iommu_group", buf, sizeof(buf)) == 0) {
		const char *errstr;
		long long group = strtonum(buf, 0, INT_MAX, &errstr);

		if (!errstr)
			info->iommu_group = (int)group;
	}

	info->numa_node = -1;
	if (sysfs_read_long(devfd, "numa_node", 10, &numa) == 0 && numa >= 0 && numa <= INT_MAX)
		info->numa_node = (int)numa;

	close(devfd);
	info->model = ixl_pci_model_lookup(info->vendor, info->device);
	return 0;
}

int ixl_pci_info_read(const char *address, struct ixl_pci_info *info)
{
	struct ixl_pci_addr addr;
	char canon[IXL_PCI_ADDR_LEN];

	if (ixl_pci_addr_parse(address, &addr) < 0) {
		ixl_err("'%s' is not a PCI address (expected DDDD:BB:DD.F or BB:DD.F, "
			"e.g. 0000:03:00.0)", address ? address : "(null)");
		return -EINVAL;
	}
	ixl_pci_addr_format(&addr, canon);
	return pci_info_fill(sysfs_root(), canon, info, false);
}

static int info_cmp(const void *a, const void *b)
{
	/* Canonical addresses are fixed-width lowercase hex: text order is bus order. */
	return strcmp(((const struct ixl_pci_info *)a)->address,
		      ((const struct ixl_pci_info *)b)->address);
}

int ixl_pci_list_network(struct ixl_pci_info **out)
{
	const char *root = sysfs_root();
	struct ixl_pci_info *list = NULL, info;
	size_t count = 0, cap = 0;
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/bus/pci/devices", root);
	d = opendir(path);
	if (!d) {
		ret = -errno;
		ixl_err("cannot list PCI devices in %s: %s", path, strerror(-ret));
		return ret;
	}
	while ((de = readdir(d))) {
		struct ixl_pci_addr addr;
		char canon[IXL_PCI_ADDR_LEN];

		if (ixl_pci_addr_parse(de->d_name, &addr) < 0)
			continue;
		ixl_pci_addr_format(&addr, canon);
		ret = pci_info_fill(root, canon, &info, true);
		if (ret == -ENODEV)
			continue; /* gone since readdir */
		if (ret < 0)
			goto fail;
		if (info.class_code >> 16 != 0x02)
			continue;
		if (count == cap) {
			struct ixl_pci_info *grown;

			cap = cap ? cap * 2 : 8;
			grown = reallocarray(list, cap, sizeof(*list));
			if (!grown) {
				ret = -ENOMEM;
				ixl_err("out of memory listing PCI devices");
				goto fail;
			}
			list = grown;
		}
		list[count++] = info;
	}
	closedir(d);
	if (count > 1)
		qsort(list, count, sizeof(*list), info_cmp);
	*out = list;
	return (int)count;

fail:
	closedir(d);
	free(list);
	return ret;
}
