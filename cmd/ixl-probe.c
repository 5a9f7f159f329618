/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ixl-probe: which NICs this machine has and which ixl can drive; with an
 * address, opens that NIC and shows what ixl sees of it.
 */
#include <argp.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "common.h"

#define LINK_WAIT_MS 3000

static struct probe_options {
	bool json;
	unsigned flags; /* enum ixl_device_flags */
	const char *address;
} opts;

enum {
	OPT_JSON = 0x100,
};

static const char doc[] =
	"List PCI network devices and whether ixl supports them, or open one and "
	"show its state.\v"
	"Without ADDRESS, lists every PCI network device: address, vendor:device, "
	"model, the ixl driver that supports it (- if none), the kernel driver and "
	"interface bound now (marked \"(up)\" when it is up), IOMMU group and NUMA "
	"node.\n\n"
	"With ADDRESS (0000:03:00.0 or 03:00.0), takes the NIC from its kernel "
	"driver, initialises it, waits up to 3 s for link, prints driver, access "
	"method, MAC, link, queues and frame size, and gives the NIC back.\n\n"
	"Examples:\n"
	"  ixl-probe                  # list NICs\n"
	"  ixl-probe --json           # the same as a JSON array\n"
	"  sudo ixl-probe 00:03.0     # open and inspect one NIC\n\n"
	"Exit status: 0 on success, otherwise a sysexits(3) code: 64 bad usage or "
	"address, 66 no such device, 69 not supported, 75 NIC busy, 77 no "
	"permission, 74 I/O error.";

static const char args_doc[] = "[ADDRESS]";

static const struct argp_option options[] = {
	{ "json", OPT_JSON, NULL, 0, "Print JSON instead of a table", 0 },
	{ 0 },
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case OPT_JSON:
		opts.json = true;
		break;
	case ARGP_KEY_ARG:
		if (state->arg_num >= 1)
			argp_error(state, "too many arguments: one PCI address at most");
		opts.address = arg;
		break;
	case ARGP_KEY_END:
		if (!opts.address && ixl_tool_device_flags)
			argp_error(state, "--force and --no-vfio need an ADDRESS");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child children[] = {
	{ &ixl_tool_device_argp, 0, NULL, 0 },
	{ &ixl_tool_common_argp, 0, NULL, 0 },
	{ 0 },
};

static const struct argp argp = {
	.options = options,
	.parser = parse_opt,
	.args_doc = args_doc,
	.doc = doc,
	.children = children,
};

/* ------------------------------------------------------------- listing */

static const char *model_name(const struct ixl_pci_info *p)
{
	return p->model ? p->model->name : "unknown";
}

static const char *ixl_driver_name(const struct ixl_pci_info *p)
{
	return p->model ? p->model->driver : NULL;
}

static void list_json(const struct ixl_pci_info *list, int n)
{
	printf("[");
	for (int i = 0; i < n; i++) {
		const struct ixl_pci_info *p = &list[i];

		printf("%s\n  {\"address\": ", i ? "," : "");
		ixl_tool_json_string(stdout, p->address);
		printf(", \"vendor\": \"%04x\", \"device\": \"%04x\", \"name\": ", p->vendor,
		       p->device);
		ixl_tool_json_string(stdout, p->model ? p->model->name : NULL);
		printf(", \"supported\": %s, \"ixl_driver\": ",
		       ixl_driver_name(p) ? "true" : "false");
		ixl_tool_json_string(stdout, ixl_driver_name(p));
		printf(", \"kernel_driver\": ");
		ixl_tool_json_string(stdout, p->kernel_driver[0] ? p->kernel_driver : NULL);
		printf(", \"interface\": ");
		ixl_tool_json_string(stdout, p->interface[0] ? p->interface : NULL);
		if (p->iommu_group >= 0)
			printf(", \"iommu_group\": %d", p->iommu_group);
		else
			printf(", \"iommu_group\": null");
		if (p->numa_node >= 0)
			printf(", \"numa_node\": %d}", p->numa_node);
		else
			printf(", \"numa_node\": null}");
	}
	printf("%s]\n", n ? "\n" : "");
}

static void list_table(const struct ixl_pci_info *list, int n)
{
	int model_w = (int)strlen("MODEL"), kernel_w = (int)strlen("KERNEL");

	/* Widths from the data: model names run from 20 to 60 characters. */
	for (int i = 0; i < n; i++) {
		const struct ixl_pci_info *p = &list[i];
		int w = (int)strlen(model_name(p));

		if (w > model_w)
			model_w = w;
		w = p->kernel_driver[0] ? (int)strlen(p->kernel_driver) : 1;
		if (p->interface[0])
			w += 1 + (int)strlen(p->interface) + (p->interface_up ? 5 : 0);
		if (w > kernel_w)
			kernel_w = w;
	}
	printf("%-12s  %-9s  %-*s  %-6s  %-*s  %5s  %4s\n", "ADDRESS", "PCI ID", model_w, "MODEL",
	       "IXL", kernel_w, "KERNEL", "IOMMU", "NUMA");
	for (int i = 0; i < n; i++) {
		const struct ixl_pci_info *p = &list[i];
		char id[16], kernel[160], group[16], numa[16];

		snprintf(id, sizeof(id), "%04x:%04x", p->vendor, p->device);
		snprintf(kernel, sizeof(kernel), "%s%s%s%s",
			 p->kernel_driver[0] ? p->kernel_driver : "-", p->interface[0] ? " " : "",
			 p->interface, p->interface_up ? " (up)" : "");
		if (p->iommu_group >= 0)
			snprintf(group, sizeof(group), "%d", p->iommu_group);
		else
			strlcpy(group, "-", sizeof(group));
		if (p->numa_node >= 0)
			snprintf(numa, sizeof(numa), "%d", p->numa_node);
		else
			strlcpy(numa, "-", sizeof(numa));
		printf("%-12s  %-9s  %-*s  %-6s  %-*s  %5s  %4s\n", p->address, id, model_w,
		       model_name(p), ixl_driver_name(p) ? ixl_driver_name(p) : "-", kernel_w,
		       kernel, group, numa);
	}
}

static int probe_list(void)
{
	struct ixl_pci_info *list;
	int n = ixl_pci_list_network(&list);

	if (n < 0)
		return ixl_tool_exit_code(n);
	if (opts.json)
		list_json(list, n);
	else if (n == 0)
		warnx("no PCI network devices found");
	else
		list_table(list, n);
	free(list);
	return EX_OK;
}

/* -------------------------------------------------------- one device */

static int probe_device(void)
{
	struct ixl_device_config cfg = { .flags = opts.flags | ixl_tool_device_flags };
	char mac_str[IXL_TOOL_MAC_LEN];
	struct ixl_device *dev;
	uint8_t mac[6];
	bool link;
	uint32_t speed;

	dev = ixl_tool_device_open(opts.address, &cfg);
	/* A cable-less NIC is an answer here, not an error. */
	ixl_tool_log_mute(true);
	link = ixl_device_wait_link(dev, LINK_WAIT_MS) == 0;
	ixl_tool_log_mute(false);
	speed = link ? ixl_device_link_speed(dev) : 0;
	ixl_device_mac_get(dev, mac);
	ixl_tool_mac_format(mac, mac_str);

	if (opts.json) {
		printf("{\"address\": ");
		ixl_tool_json_string(stdout, ixl_device_address(dev));
		printf(", \"ixl_driver\": ");
		ixl_tool_json_string(stdout, ixl_device_driver(dev));
		printf(", \"model\": ");
		ixl_tool_json_string(stdout, ixl_device_model(dev));
		printf(", \"access\": ");
		ixl_tool_json_string(stdout, ixl_device_access(dev));
		printf(", \"mac\": \"%s\", \"link_up\": %s, \"speed_mbps\": %u", mac_str,
		       link ? "true" : "false", speed);
		printf(", \"rx_queues\": %u, \"tx_queues\": %u", ixl_device_rx_queues(dev),
		       ixl_device_tx_queues(dev));
		printf(", \"rx_queue_depth\": %u, \"tx_queue_depth\": %u",
		       ixl_device_rx_queue_depth(dev), ixl_device_tx_queue_depth(dev));
		printf(", \"max_frame_size\": %u}\n", ixl_device_max_frame_size(dev));
	} else {
		printf("address:        %s\n", ixl_device_address(dev));
		printf("driver:         %s\n", ixl_device_driver(dev));
		printf("model:          %s\n", ixl_device_model(dev));
		printf("access:         %s\n", ixl_device_access(dev));
		printf("mac:            %s\n", mac_str);
		if (link)
			printf("link:           up, %u Mbit/s\n", speed);
		else
			printf("link:           down (no link within %d s)\n", LINK_WAIT_MS / 1000);
		printf("queues:         %u rx x %u descriptors, %u tx x %u descriptors\n",
		       ixl_device_rx_queues(dev), ixl_device_rx_queue_depth(dev),
		       ixl_device_tx_queues(dev), ixl_device_tx_queue_depth(dev));
		printf("max frame size: %u bytes\n", ixl_device_max_frame_size(dev));
	}
	ixl_device_close(dev);
	return EX_OK;
}

int main(int argc, char **argv)
{
	ixl_tool_init("ixl-probe");
	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	return opts.address ? probe_device() : probe_list();
}
