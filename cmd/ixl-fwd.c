/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ixl-fwd: forwards frames between two NICs in both directions, or sends
 * each frame back out of the port it came in on with its MACs swapped.
 * Zero copy: the buffer the ingress NIC filled is the one the egress NIC
 * sends; the egress driver frees it to the ingress NIC's rx pool.
 */
#include <argp.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "common.h"

/*
 * 64, not DPDK's 32: a forwarder pays one tx doorbell per batch, and on the
 * QEMU bench ixl-fwd forwarded 95-158 kpps of 150-250 kpps offered with 64
 * against 72-93 kpps with 32, fed and measured as tests/bench/tools.sh's
 * forward table does (a doorbell there is a VM exit that waits for QEMU's
 * device lock).
 */
#define BATCH_DEFAULT 64
#define BATCH_MAX 512
#define LINK_WAIT_MS 5000
/* How long the end of a run waits for the NICs to send what they accepted. */
#define DRAIN_SECONDS 1.0
/* Hardware drop and error counters are read this often, not per batch:
 * each read is a handful of (slow, on emulated NICs) register reads. */
#define HW_STATS_PERIOD 0.25

static struct fwd_options {
	uint32_t batch;
	uint32_t rx_depth; /* 0: the driver's default */
	uint32_t tx_depth;
	bool dst_mac_set;
	uint8_t dst_mac[6];
	unsigned flags; /* enum ixl_device_flags */
	const char *address[2];
	int ports;
} opts = {
	.batch = BATCH_DEFAULT,
};

enum {
	OPT_BATCH = 0x100,
	OPT_DST_MAC,
	OPT_RX_DEPTH,
	OPT_TX_DEPTH,
};

static const char doc[] =
	"Forward frames between two NICs, or reflect them on one.\v"
	"With ADDR1 and ADDR2, every frame received on one port is sent out of the "
	"other, in both directions, unchanged unless --dst-mac is given. With ADDR1 "
	"alone, every frame goes back out of the port it came in on with its "
	"source and destination MAC addresses swapped.\n\n"
	"Frames the egress NIC cannot take (its transmit ring is full) are freed "
	"and counted as dropped, per direction. -c/--count N stops after N frames "
	"have been received (forwarded or dropped). Bit rates count each frame "
	"with its 4-byte FCS, not preamble and inter-frame gap.\n\n"
	"Examples:\n"
	"  ixl-fwd 00:04.0 00:05.0             # forward between two ports\n"
	"  ixl-fwd --dst-mac 02:00:00:00:00:01 00:04.0 00:05.0\n"
	"  ixl-fwd --duration 10 --json 00:04.0  # reflect for 10 s, JSON lines\n\n"
	"Exit status: 0 on success, otherwise a sysexits(3) code: 64 bad usage, "
	"66 no such device, 69 not supported, 75 NIC busy, 77 no permission, "
	"71 out of memory, 74 I/O error.";

static const char args_doc[] = "ADDR1 [ADDR2]";

static const struct argp_option options[] = {
	{ "batch", OPT_BATCH, "N", 0, "Frames per receive/transmit call (1-512, default 64)", 0 },
	{ "dst-mac", OPT_DST_MAC, "MAC", 0, "Rewrite the destination MAC of every frame", 0 },
	{ "rx-depth", OPT_RX_DEPTH, "N", 0,
	  "Receive descriptors per port (multiple of 8; default: the driver's)", 0 },
	{ "tx-depth", OPT_TX_DEPTH, "N", 0,
	  "Transmit descriptors per port (multiple of 8; default: the driver's)", 0 },
	{ 0 },
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case OPT_BATCH:
		opts.batch = (uint32_t)ixl_tool_parse_int(state, "--batch", arg, 1, BATCH_MAX);
		break;
	case OPT_DST_MAC:
		ixl_tool_parse_mac(state, "--dst-mac", arg, opts.dst_mac);
		opts.dst_mac_set = true;
		break;
	case OPT_RX_DEPTH:
		opts.rx_depth = (uint32_t)ixl_tool_parse_int(state, "--rx-depth", arg, 8,
							     IXL_TOOL_DEPTH_MAX);
		break;
	case OPT_TX_DEPTH:
		opts.tx_depth = (uint32_t)ixl_tool_parse_int(state, "--tx-depth", arg, 8,
							     IXL_TOOL_DEPTH_MAX);
		break;
	case ARGP_KEY_ARG:
		if (state->arg_num >= 2)
			argp_error(state, "too many arguments: two PCI addresses at most");
		opts.address[state->arg_num] = arg;
		opts.ports = (int)state->arg_num + 1;
		break;
	case ARGP_KEY_END:
		if (opts.ports == 0)
			argp_error(state, "missing PCI address of the port to forward from");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child children[] = {
	{ &ixl_tool_device_argp, 0, NULL, 0 },
	{ &ixl_tool_run_argp, 0, NULL, 0 },
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

/* ------------------------------------------------------------- forwarding */

/* One direction: frames received on `in` go out of `out` (the same port in one-port mode). */
struct fwd_dir {
	struct ixl_device *in;
	struct ixl_device *out;
	/*
	 * NULL: zero copy, out sends the buffers in filled. Otherwise frames
	 * are copied into this pool of out's first (see fwd_needs_copy).
	 */
	struct ixl_mempool *copy_pool;
	struct ixl_pkt_buf **copies;
	uint64_t packets;  /* received on in */
	uint64_t bytes;
	uint64_t sent;     /* taken by out's tx_batch */
	uint64_t sent_bytes;
	uint64_t dropped;  /* received but refused by out, freed */
};

static void fwd_rewrite(struct ixl_pkt_buf **bufs, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *p = bufs[i]->data;

		/* Shorter than an Ethernet header: nothing to rewrite, sent as is. */
		if (bufs[i]->len < 12)
			continue;
		if (opts.ports == 1) {
			uint8_t tmp[6];

			memcpy(tmp, p, 6);
			memcpy(p, p + 6, 6);
			memcpy(p + 6, tmp, 6);
		}
		if (opts.dst_mac_set)
			memcpy(p, opts.dst_mac, 6);
	}
}

/* Moves one batch; returns how many frames arrived. */
static uint32_t fwd_dir_run(struct fwd_dir *d, struct ixl_pkt_buf **bufs, uint32_t batch)
{
	uint32_t n, sent, got_total;

	if (batch == 0)
		return 0;
	n = got_total = ixl_device_rx_batch(d->in, 0, bufs, batch);
	if (n == 0)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		d->bytes += bufs[i]->len;
	d->packets += n;
	if (opts.ports == 1 || opts.dst_mac_set)
		fwd_rewrite(bufs, n);
	if (d->copy_pool) {
		uint32_t got = ixl_pkt_buf_alloc_batch(d->copy_pool, d->copies, n);

		for (uint32_t i = 0; i < got; i++) {
			memcpy(d->copies[i]->data, bufs[i]->data, bufs[i]->len);
			d->copies[i]->len = bufs[i]->len;
		}
		ixl_pkt_buf_free_batch(bufs, n);
		/* Frames beyond what the pool had are dropped like refused ones. */
		d->dropped += n - got;
		n = got;
		bufs = d->copies;
	}
	sent = ixl_device_tx_batch(d->out, 0, bufs, n);
	for (uint32_t i = 0; i < sent; i++)
		d->sent_bytes += bufs[i]->len;
	d->sent += sent;
	/* tx_batch took the first `sent`; the rest are still ours to free. */
	if (sent < n) {
		ixl_pkt_buf_free_batch(bufs + sent, n - sent);
		d->dropped += n - sent;
	}
	return got_total;
}

/*
 * Zero copy needs the egress NIC to reach the ingress NIC's buffers at the
 * bus addresses they carry. With raw sysfs access those are physical
 * addresses, valid for every NIC; under VFIO libixl puts all NICs of a
 * process in one IOMMU address space. Only a mix of the two (one NIC with
 * VFIO, the other raw) leaves the addresses meaningless to the other NIC:
 * then ixl-fwd copies each frame into a pool of the egress NIC.
 */
static bool fwd_needs_copy(struct ixl_device *in, struct ixl_device *out)
{
	return in != out && strcmp(ixl_device_access(in), ixl_device_access(out)) != 0;
}

static void fwd_dir_setup(struct fwd_dir *d, struct ixl_device *in, struct ixl_device *out)
{
	d->in = in;
	d->out = out;
	if (!fwd_needs_copy(in, out))
		return;
	/* Room for a full tx ring plus a batch being filled; buffers as large as in's. */
	d->copy_pool = ixl_mempool_create(out, ixl_device_tx_queue_depth(out) + opts.batch,
					  ixl_mempool_buf_capacity(ixl_device_rx_pool(in, 0)) +
						  IXL_PKT_BUF_HEADER);
	d->copies = calloc(opts.batch, sizeof(*d->copies));
	if (!d->copy_pool || !d->copies) {
		warnx("%s: no memory for copying frames to %s", ixl_device_address(in),
		      ixl_device_address(out));
		ixl_tool_stop = 1;
	} else if (ixl_tool_verbosity() > 0) {
		warnx("%s -> %s: one NIC under VFIO, the other raw: copying frames",
		      ixl_device_address(in), ixl_device_address(out));
	}
}

/* The next batch size: -c N is exact, so never more frames than remain. */
static uint32_t fwd_batch(const struct fwd_dir *dirs, int n_dirs)
{
	uint64_t received = 0;

	if (!ixl_tool_run.count)
		return opts.batch;
	for (int d = 0; d < n_dirs; d++)
		received += dirs[d].packets;
	if (received >= ixl_tool_run.count)
		return 0;
	return ixl_tool_run.count - received < opts.batch ? (uint32_t)(ixl_tool_run.count - received)
							   : opts.batch;
}

/* ---------------------------------------------------------------- report */

/*
 * Extra report fields: per direction packets, bytes and drops, then the
 * NICs' own drop count. Keys "fwd_1to2_*" and "fwd_2to1_*", or "fwd_1to1_*"
 * with one port.
 */
#define FIELDS_PER_DIR 3
struct fwd_report {
	char keys[2][FIELDS_PER_DIR][32];
	struct ixl_tool_field fields[2 * FIELDS_PER_DIR + 1];
	size_t n_fields;
};

static void fwd_report_init(struct fwd_report *rep, int dirs)
{
	static const char *const names[2] = { "1to2", "2to1" };
	static const char *const what[FIELDS_PER_DIR] = { "packets", "bytes", "dropped" };

	rep->n_fields = 0;
	for (int d = 0; d < dirs; d++) {
		for (int k = 0; k < FIELDS_PER_DIR; k++) {
			snprintf(rep->keys[d][k], sizeof(rep->keys[d][k]), "fwd_%s_%s",
				 opts.ports == 1 ? "1to1" : names[d], what[k]);
			rep->fields[rep->n_fields++].key = rep->keys[d][k];
		}
	}
	rep->fields[rep->n_fields++].key = "rx_missed";
}

/*
 * Common counters: rx what ixl-fwd received on all ports, tx what the egress
 * NICs accepted (frames without FCS); rx_dropped both the frames ixl-fwd
 * had to free and those the NICs dropped for want of descriptors (rx_missed).
 */
static void fwd_report_fill(struct fwd_report *rep, const struct fwd_dir *dirs, int n_dirs,
			    const struct ixl_device_stats *hw, struct ixl_tool_counters *c)
{
	size_t f = 0;

	memset(c, 0, sizeof(*c));
	for (int d = 0; d < n_dirs; d++) {
		c->rx_packets += dirs[d].packets;
		c->rx_bytes += dirs[d].bytes;
		c->tx_packets += dirs[d].sent;
		c->tx_bytes += dirs[d].sent_bytes;
		c->rx_dropped += dirs[d].dropped;
		rep->fields[f++].value = dirs[d].sent;
		rep->fields[f++].value = dirs[d].sent_bytes;
		rep->fields[f++].value = dirs[d].dropped;
	}
	c->rx_dropped += hw->rx_missed;
	c->rx_errors = hw->rx_errors;
	rep->fields[f++].value = hw->rx_missed;
}

static void fwd_hw_stats(struct ixl_device **devs, int n, struct ixl_device_stats *hw)
{
	for (int i = 0; i < n; i++)
		ixl_device_read_stats(devs[i], hw);
}

/*
 * Lets the NICs send what they accepted so its buffers return to their
 * pools: until every copy pool is whole again and, for zero copy, the rx
 * pools stop filling up (DRAIN_SECONDS at most).
 */
static void fwd_drain(struct ixl_device **devs, int n, const struct fwd_dir *dirs, int n_dirs)
{
	double deadline = ixl_tool_now() + DRAIN_SECONDS;
	bool busy = true;

	while (busy && ixl_tool_now() < deadline) {
		busy = false;
		for (int i = 0; i < n; i++) {
			struct ixl_mempool *pool = ixl_device_rx_pool(devs[i], 0);
			uint32_t before = ixl_mempool_free_count(pool);

			ixl_device_tx_batch(devs[i], 0, NULL, 0);
			if (ixl_mempool_free_count(pool) != before)
				busy = true;
		}
		for (int d = 0; d < n_dirs; d++) {
			struct ixl_mempool *pool = dirs[d].copy_pool;

			if (pool && ixl_mempool_free_count(pool) != ixl_mempool_size(pool))
				busy = true;
		}
	}
}

static void fwd_dir_free(struct fwd_dir *d)
{
	/* A pool with buffers still in a tx ring must outlive the ring; the
	 * process ends right after, so it is left to exit. */
	if (d->copy_pool && ixl_mempool_free_count(d->copy_pool) == ixl_mempool_size(d->copy_pool))
		ixl_mempool_destroy(d->copy_pool);
	free(d->copies);
}

/* "00:04.0" and "0000:00:04.0" are one NIC; unparsable names are left to the open. */
static bool fwd_same_nic(const char *a, const char *b)
{
	struct ixl_pci_addr pa, pb;

	if (ixl_pci_addr_parse(a, &pa) < 0 || ixl_pci_addr_parse(b, &pb) < 0)
		return strcmp(a, b) == 0;
	return pa.domain == pb.domain && pa.bus == pb.bus && pa.dev == pb.dev &&
	       pa.func == pb.func;
}

int main(int argc, char **argv)
{
	struct ixl_device_config cfg = { 0 };
	struct ixl_device *devs[2] = { NULL, NULL };
	struct ixl_device_stats hw = { 0 };
	struct ixl_tool_reporter rep;
	struct ixl_tool_counters total;
	struct fwd_report fields;
	struct fwd_dir dirs[2];
	struct ixl_pkt_buf **bufs;
	double next_hw;
	int n_dirs;

	ixl_tool_init("ixl-fwd");
	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (opts.ports == 2 && fwd_same_nic(opts.address[0], opts.address[1]))
		errx(EX_USAGE, "ADDR1 and ADDR2 are the same NIC (%s); give one address to "
			       "reflect frames on one port", opts.address[0]);

	bufs = calloc(opts.batch, sizeof(*bufs));
	if (!bufs)
		err(EX_OSERR, "calloc");
	cfg.flags = opts.flags | ixl_tool_device_flags;
	cfg.rx_queue_depth = opts.rx_depth;
	cfg.tx_queue_depth = opts.tx_depth;
	/* Installed before the NICs are taken: a signal during the opens must
	 * still reach the code that closes them. */
	ixl_tool_signals_install();
	for (int i = 0; i < opts.ports; i++) {
		struct ixl_device *dev;
		int ret = ixl_device_open(opts.address[i], &cfg, &dev);

		if (ret < 0) {
			/* Not ixl_tool_device_open: it would exit with the first NIC
			 * still taken. The library has printed its reason, if any. */
			if (!*ixl_last_error())
				warnx("cannot open %s: %s", opts.address[i], strerror(-ret));
			ixl_device_close(devs[0]);
			free(bufs);
			return ixl_tool_exit_code(ret);
		}
		devs[i] = dev;
	}
	for (int i = 0; i < opts.ports; i++) {
		/* A port without link is worth a warning, not a refusal: the
		 * other direction may still have traffic, and link can come later. */
		if (ixl_device_wait_link(devs[i], LINK_WAIT_MS) < 0)
			warnx("warning: %s: no link yet; forwarding anyway", opts.address[i]);
		ixl_device_read_stats(devs[i], NULL);
	}

	memset(dirs, 0, sizeof(dirs));
	n_dirs = opts.ports;
	fwd_dir_setup(&dirs[0], devs[0], opts.ports == 2 ? devs[1] : devs[0]);
	if (opts.ports == 2)
		fwd_dir_setup(&dirs[1], devs[1], devs[0]);
	fwd_report_init(&fields, n_dirs);
	fwd_report_fill(&fields, dirs, n_dirs, &hw, &total);
	ixl_tool_reporter_start(&rep, "ixl-fwd", 1.0);
	next_hw = rep.start + HW_STATS_PERIOD;

	for (;;) {
		uint32_t got = 0;
		double now;

		for (int d = 0; d < n_dirs; d++)
			got += fwd_dir_run(&dirs[d], bufs, fwd_batch(dirs, n_dirs));
		if (got == 0) {
			/* Idle: reclaim sent buffers so the rx pools stay full. */
			for (int i = 0; i < opts.ports; i++)
				ixl_device_tx_batch(devs[i], 0, NULL, 0);
		}
		now = ixl_tool_now();
		if (now >= next_hw || ixl_tool_report_now) {
			fwd_hw_stats(devs, opts.ports, &hw);
			next_hw = now + HW_STATS_PERIOD;
		}
		fwd_report_fill(&fields, dirs, n_dirs, &hw, &total);
		/* The one clock read above serves the counters, the report and
		 * --duration: under emulation a read is not free. */
		if (ixl_tool_reporter_due(&rep, now))
			ixl_tool_reporter_tick(&rep, &total, fields.fields, fields.n_fields);
		if (ixl_tool_done_at(&rep, total.rx_packets, now))
			break;
	}

	fwd_drain(devs, opts.ports, dirs, n_dirs);
	fwd_hw_stats(devs, opts.ports, &hw);
	fwd_report_fill(&fields, dirs, n_dirs, &hw, &total);
	ixl_tool_report_summary(&rep, &total, fields.fields, fields.n_fields);
	for (int d = 0; d < n_dirs; d++)
		fwd_dir_free(&dirs[d]);
	for (int i = 0; i < opts.ports; i++)
		ixl_device_close(devs[i]);
	free(bufs);
	return EX_OK;
}
