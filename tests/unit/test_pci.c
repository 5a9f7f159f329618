/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI names and sysfs reading: address syntax, model lookup, and the device
 * details read from a fake sysfs tree (IXL_SYSFS_ROOT), so no NIC is needed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"

/* ----------------------------------------------------------- addresses */

static void check_parse(const char *str, int domain, int bus, int dev, int func,
			const char *canonical)
{
	struct ixl_pci_addr a;
	char buf[IXL_PCI_ADDR_LEN];
	int ret = ixl_pci_addr_parse(str, &a);

	if (ret != 0) {
		fprintf(stderr, "parsing \"%s\":\n", str);
		CHECK_INT(ret, 0);
		return;
	}
	CHECK_INT(a.domain, domain);
	CHECK_INT(a.bus, bus);
	CHECK_INT(a.dev, dev);
	CHECK_INT(a.func, func);
	ixl_pci_addr_format(&a, buf);
	CHECK_STR(buf, canonical);
	/* The canonical form parses back to the same address. */
	struct ixl_pci_addr b;
	CHECK_INT(ixl_pci_addr_parse(buf, &b), 0);
	/* Field by field: memcmp would also compare the struct's padding byte. */
	CHECK_INT(b.domain, a.domain);
	CHECK_INT(b.bus, a.bus);
	CHECK_INT(b.dev, a.dev);
	CHECK_INT(b.func, a.func);
}

static void check_reject(const char *str)
{
	struct ixl_pci_addr a = { 0 };
	int ret = ixl_pci_addr_parse(str, &a);

	if (ret != -EINVAL) {
		fprintf(stderr, "parsing \"%s\" should fail:\n", str);
		CHECK_INT(ret, -EINVAL);
	}
}

static void test_addr(void)
{
	check_parse("0000:03:00.0", 0, 3, 0, 0, "0000:03:00.0");
	check_parse("03:00.0", 0, 3, 0, 0, "0000:03:00.0");
	check_parse("abcd:ef:1f.7", 0xabcd, 0xef, 0x1f, 7, "abcd:ef:1f.7");
	check_parse("ABCD:EF:1F.7", 0xabcd, 0xef, 0x1f, 7, "abcd:ef:1f.7");
	check_parse("FF:1e.3", 0, 0xff, 0x1e, 3, "0000:ff:1e.3");
	check_parse("ffff:ff:1f.7", 0xffff, 0xff, 0x1f, 7, "ffff:ff:1f.7");
	check_parse("0000:00:00.0", 0, 0, 0, 0, "0000:00:00.0");

	static const char *const bad[] = {
		"", "0000:03:00", "03:00.8", "0000:03:20.0", "g0:00.0", "0000:03:00.0x",
		" 03:00.0", "03:00.0 ", "+3:00.0", "-3:00.0", "00000:03:00.0", "000:03:00.0",
		"0000:3:00.0", "3:00.0", "03:0.0", "03:000.0", "03:00.00", "03:00:0",
		"03.00.0", "0000-03:00.0", "0000:03:00.", "0000:03:00.0\n", "0x03:00.0",
		"0000::00.0", ":03:00.0", "0000:03:00.0:0", "03:00.0.0",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_reject(bad[i]);
	check_reject(NULL);
}

/* --------------------------------------------------------------- models */

static void test_model(void)
{
	const struct ixl_pci_id *id = NULL;
	const struct ixl_driver *drv = ixl_driver_find(0x8086, 0x100e, &id);
	const struct ixl_pci_model *m;

	CHECK(drv != NULL);
	m = ixl_pci_model_lookup(0x8086, 0x100e);
	CHECK(m != NULL);
	if (m && drv && id) {
		CHECK_INT(m->vendor, 0x8086);
		CHECK_INT(m->device, 0x100e);
		CHECK_STR(m->driver, "e1000");
		CHECK_STR(m->name, id->name);
		/* Static storage: the same answer every time. */
		CHECK(ixl_pci_model_lookup(0x8086, 0x100e) == m);
	}

	m = ixl_pci_model_lookup(0x10ec, 0x8139);
	CHECK(m != NULL);
	if (m) {
		CHECK_STR(m->name, "RTL-8100/8101L/8139 PCI Fast Ethernet Adapter");
		CHECK_STR(m->driver, NULL);
	}
	m = ixl_pci_model_lookup(0x1af4, 0x1041);
	CHECK(m != NULL);
	if (m) {
		CHECK_STR(m->name, "Virtio 1.0 network device");
		CHECK_STR(m->driver, NULL);
	}
	m = ixl_pci_model_lookup(0x8086, 0x10fb);
	CHECK(m != NULL);
	if (m)
		CHECK_STR(m->driver, NULL);

	CHECK(ixl_pci_model_lookup(0xffff, 0xffff) == NULL);
	CHECK(ixl_pci_model_lookup(0, 0) == NULL);
	CHECK(ixl_pci_model_lookup(0x8086, 0x0000) == NULL);

	/* Every ID in every driver table is found as supported by that driver. */
	for (const struct ixl_driver *const *d = ixl_drivers; *d; d++) {
		for (const struct ixl_pci_id *p = (*d)->ids; p->vendor; p++) {
			m = ixl_pci_model_lookup(p->vendor, p->device);
			CHECK(m != NULL);
			if (m) {
				CHECK_STR(m->driver, (*d)->name);
				CHECK_STR(m->name, p->name);
			}
		}
	}
}

/* ---------------------------------------------------------- fake sysfs */

static char root[64];

/* mkdir -p root/rel */
static void mkdirs(const char *rel)
{
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/%s", root, rel);
	for (char *p = dir + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
	mkdir(dir, 0755);
}

/* Writes root/rel (a sysfs attribute: content and a newline), making its directory. */
static void put(const char *rel, const char *content)
{
	char path[512], parent[512], *slash;
	FILE *f;

	strlcpy(parent, rel, sizeof(parent));
	slash = strrchr(parent, '/');
	if (slash) {
		*slash = '\0';
		mkdirs(parent);
	}
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	fprintf(f, "%s\n", content);
	fclose(f);
}

static void link_to(const char *rel, const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (symlink(target, path) < 0) {
		perror(path);
		exit(2);
	}
}

/*
 * One PCI device as the kernel shows it: the real directory under
 * devices/pci0000:00/, a symlink to it in bus/pci/devices/.
 */
static void fake_device(const char *addr, const char *vendor, const char *device,
			const char *class_code)
{
	char rel[256], target[256];

	snprintf(rel, sizeof(rel), "devices/pci0000:00/%s/vendor", addr);
	put(rel, vendor);
	snprintf(rel, sizeof(rel), "devices/pci0000:00/%s/device", addr);
	put(rel, device);
	snprintf(rel, sizeof(rel), "devices/pci0000:00/%s/class", addr);
	put(rel, class_code);
	mkdirs("bus/pci/devices");
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s", addr);
	snprintf(target, sizeof(target), "../../../devices/pci0000:00/%s", addr);
	link_to(rel, target);
}

static void fake_attr(const char *addr, const char *attr, const char *content)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "devices/pci0000:00/%s/%s", addr, attr);
	put(rel, content);
}

static void fake_link(const char *addr, const char *name, const char *target)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "devices/pci0000:00/%s/%s", addr, name);
	link_to(rel, target);
}

static void fake_sysfs_build(void)
{
	strlcpy(root, "/tmp/ixl-test-pci-XXXXXX", sizeof(root));
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(2);
	}

	/* An e1000 bound to the kernel, interface down, IOMMU group 12, node 0. */
	fake_device("0000:00:02.0", "0x8086", "0x100e", "0x020000");
	fake_link("0000:00:02.0", "driver", "../../../bus/pci/drivers/e1000");
	fake_link("0000:00:02.0", "iommu_group", "../../../kernel/iommu_groups/12");
	fake_attr("0000:00:02.0", "numa_node", "0");
	fake_attr("0000:00:02.0", "net/eth0/address", "52:54:00:12:34:56");
	put("class/net/eth0/flags", "0x1002");

	/* virtio-net: the interface hangs off virtio2/, and it is up. */
	fake_device("0000:00:03.0", "0x1af4", "0x1041", "0x020000");
	fake_link("0000:00:03.0", "driver", "../../../bus/pci/drivers/virtio-pci");
	fake_link("0000:00:03.0", "iommu_group", "../../../kernel/iommu_groups/3");
	fake_attr("0000:00:03.0", "numa_node", "-1");
	fake_attr("0000:00:03.0", "virtio2/net/ens3/address", "52:54:00:aa:bb:cc");
	put("class/net/ens3/flags", "0x1003");

	/* A host bridge: not a network device, never listed. */
	fake_device("0000:00:00.0", "0x8086", "0x29c0", "0x060000");
	fake_link("0000:00:00.0", "iommu_group", "../../../kernel/iommu_groups/0");

	/* A dual-port 82599: two interfaces, the first by name is reported. */
	fake_device("0000:0a:00.1", "0x8086", "0x10fb", "0x020000");
	fake_link("0000:0a:00.1", "driver", "../../../bus/pci/drivers/ixgbe");
	fake_attr("0000:0a:00.1", "numa_node", "1");
	fake_attr("0000:0a:00.1", "net/enp10s0f1/address", "00:1b:21:00:00:01");
	fake_attr("0000:0a:00.1", "net/enp10s0b/address", "00:1b:21:00:00:02");
	put("class/net/enp10s0b/flags", "0x1003");
	put("class/net/enp10s0f1/flags", "0x1002");

	/* Unbound RTL8139 in another domain: no driver, interface, group or numa_node. */
	fake_device("0001:00:01.0", "0x10ec", "0x8139", "0x020000");

	/* A NIC nobody has heard of, bound to vfio-pci, sorted before 0a:00.1. */
	fake_device("0000:09:00.0", "0xffff", "0xffff", "0x028000");
	fake_link("0000:09:00.0", "driver", "../../../bus/pci/drivers/vfio-pci");
	fake_link("0000:09:00.0", "iommu_group", "../../../kernel/iommu_groups/25");

	/* A directory that is no PCI address must be skipped. */
	put("bus/pci/devices/not-an-address/vendor", "0x8086");

	setenv("IXL_SYSFS_ROOT", root, 1);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void fake_sysfs_remove(void)
{
	nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	unsetenv("IXL_SYSFS_ROOT");
}

static char logged[512];

static void log_capture(enum ixl_log_level level, const char *msg, void *arg)
{
	if (level == IXL_LOG_ERROR)
		strlcpy(logged, msg, sizeof(logged));
}

static void check_info(const struct ixl_pci_info *p, const char *address, unsigned vendor,
		       unsigned device, unsigned class_code, const char *kdrv,
		       const char *ifname, bool up, int group, int numa, const char *ixl_drv,
		       bool known)
{
	CHECK_STR(p->address, address);
	CHECK_INT(p->vendor, vendor);
	CHECK_INT(p->device, device);
	CHECK_INT(p->class_code, class_code);
	CHECK_STR(p->kernel_driver, kdrv);
	CHECK_STR(p->interface, ifname);
	CHECK_INT(p->interface_up, up);
	CHECK_INT(p->iommu_group, group);
	CHECK_INT(p->numa_node, numa);
	CHECK_INT(p->model != NULL, known);
	if (p->model) {
		CHECK_STR(p->model->driver, ixl_drv);
		CHECK(p->model == ixl_pci_model_lookup(p->vendor, p->device));
	}
}

static void test_info_read(void)
{
	struct ixl_pci_info info;

	CHECK_INT(ixl_pci_info_read("0000:00:02.0", &info), 0);
	check_info(&info, "0000:00:02.0", 0x8086, 0x100e, 0x020000, "e1000", "eth0", false, 12,
		   0, "e1000", true);

	/* Short and upper-case addresses name the same device. */
	memset(&info, 0xaa, sizeof(info));
	CHECK_INT(ixl_pci_info_read("00:03.0", &info), 0);
	check_info(&info, "0000:00:03.0", 0x1af4, 0x1041, 0x020000, "virtio-pci", "ens3", true,
		   3, -1, NULL, true);

	CHECK_INT(ixl_pci_info_read("0000:0A:00.1", &info), 0);
	check_info(&info, "0000:0a:00.1", 0x8086, 0x10fb, 0x020000, "ixgbe", "enp10s0b", true,
		   -1, 1, NULL, true);

	memset(&info, 0xaa, sizeof(info));
	CHECK_INT(ixl_pci_info_read("0001:00:01.0", &info), 0);
	check_info(&info, "0001:00:01.0", 0x10ec, 0x8139, 0x020000, "", "", false, -1, -1, NULL,
		   true);

	/* Any device can be read, network or not; ixl_device_open refuses it later. */
	CHECK_INT(ixl_pci_info_read("00:00.0", &info), 0);
	check_info(&info, "0000:00:00.0", 0x8086, 0x29c0, 0x060000, "", "", false, 0, -1, NULL,
		   false);

	logged[0] = '\0';
	CHECK_INT(ixl_pci_info_read("00:09.1", &info), -ENODEV);
	CHECK_STR(logged, "no PCI device at 0000:00:09.1");
	CHECK_INT(ixl_pci_info_read("00:09", &info), -EINVAL);
	CHECK_INT(ixl_pci_info_read("not-an-address", &info), -EINVAL);
}

static void test_list(void)
{
	struct ixl_pci_info *list = NULL;
	int n = ixl_pci_list_network(&list);

	CHECK_INT(n, 5);
	if (n != 5 || !list) {
		free(list);
		return;
	}
	check_info(&list[0], "0000:00:02.0", 0x8086, 0x100e, 0x020000, "e1000", "eth0", false,
		   12, 0, "e1000", true);
	check_info(&list[1], "0000:00:03.0", 0x1af4, 0x1041, 0x020000, "virtio-pci", "ens3",
		   true, 3, -1, NULL, true);
	check_info(&list[2], "0000:09:00.0", 0xffff, 0xffff, 0x028000, "vfio-pci", "", false,
		   25, -1, NULL, false);
	check_info(&list[3], "0000:0a:00.1", 0x8086, 0x10fb, 0x020000, "ixgbe", "enp10s0b",
		   true, -1, 1, NULL, true);
	check_info(&list[4], "0001:00:01.0", 0x10ec, 0x8139, 0x020000, "", "", false, -1, -1,
		   NULL, true);
	free(list);
}

static void test_list_no_sysfs(void)
{
	struct ixl_pci_info *list = (struct ixl_pci_info *)&list; /* must be reset */
	char missing[128];

	snprintf(missing, sizeof(missing), "%s/nonexistent", root);
	setenv("IXL_SYSFS_ROOT", missing, 1);
	CHECK_INT(ixl_pci_list_network(&list), -ENOENT);
	CHECK(list == NULL);
	setenv("IXL_SYSFS_ROOT", root, 1);
}

int main(void)
{
	ixl_log_set(log_capture, NULL, IXL_LOG_ERROR);
	test_addr();
	test_model();
	fake_sysfs_build();
	test_info_read();
	test_list();
	test_list_no_sysfs();
	fake_sysfs_remove();
	return check_result();
}
