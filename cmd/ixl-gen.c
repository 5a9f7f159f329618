/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ixl-gen: a packet generator. Sends numbered Ethernet/IPv4/UDP frames (or
 * replays a pcap file) at a precise rate or as fast as the NIC goes.
 *
 * Frames are built once into the buffers of a dedicated tx mempool, as
 * ixy-pktgen does: a buffer comes back from the NIC with its contents
 * intact, so per packet only the sequence number, the timestamp and the UDP
 * checksum (incrementally) are written. Only when flows or sizes vary are
 * the 42 header bytes rewritten, from precomputed partial checksums.
 */
#include <argp.h>
#include <err.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "common.h"

#define BATCH 32
#define SIZE_MAX_FRAME 16384    /* parse-time bound; the NIC's own maximum is checked later */
#define SIZES_MAX 16384         /* entries in a size list after expanding ranges */
#define LINK_WAIT_MS 5000
#define DRAIN_TIMEOUT_S 2.0
/* Waits longer than this sleep; shorter ones spin, since a sleep overshoots by ~100 us. */
#define SPIN_NS 1000000

static struct gen_options {
	struct ixl_tool_rate rate;
	bool rate_set;
	uint32_t *sizes;        /* cycled: packet k has sizes[k % n_sizes] */
	uint32_t n_sizes;
	uint8_t src_mac[6];
	bool src_mac_set;
	uint8_t dst_mac[6];
	uint32_t src_ip_lo, src_ip_hi, dst_ip_lo, dst_ip_hi;
	uint16_t src_port_lo, src_port_hi, dst_port_lo, dst_port_hi;
	const char *pcap_path;
	uint64_t loop;          /* passes over the pcap file, 0 = forever */
	bool loop_set;
	unsigned flags;         /* enum ixl_device_flags */
	const char *address;
} opts = {
	.src_ip_lo = 0x0a000001, .src_ip_hi = 0x0a000001, /* 10.0.0.1 */
	.dst_ip_lo = 0x0a000002, .dst_ip_hi = 0x0a000002, /* 10.0.0.2 */
	.src_port_lo = 1024, .src_port_hi = 1024,
	.dst_port_lo = 9, .dst_port_hi = 9,               /* discard */
	.loop = 1,
	/* Locally administered unicast: see the doc text for why not broadcast. */
	.dst_mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 },
};

enum {
	OPT_RATE = 0x100,
	OPT_SRC_MAC,
	OPT_DST_MAC,
	OPT_SRC_IP,
	OPT_DST_IP,
	OPT_SRC_PORT,
	OPT_DST_PORT,
	OPT_PCAP,
	OPT_LOOP,
};

static const char doc[] =
	"Send numbered UDP frames, or replay a pcap file, at a precise rate.\v"
	"RATE: a plain number, with an optional SI suffix k, M or G (powers of "
	"1000), is PACKETS per second: --rate 10M sends 10,000,000 packets/s "
	"(other generators read 10M as bits; ixl-gen does not). A unit makes it "
	"explicit: 500kpps (packets/s); 500Mbit, 500Mbps or 500Mbit/s (bits/s "
	"counting each frame with its 4-byte FCS, without preamble and gap); 50% "
	"(share of the link's line rate, counting FCS, preamble and gap: 24 bytes "
	"per frame on top of the frame). Anything else is an error. Without --rate "
	"ixl-gen sends as fast as the NIC takes frames. At start it says how it "
	"understood the rate.\n\n"
	"SIZES (FCS excluded, 60 to the NIC's maximum frame size): one size, a "
	"list 64,128,1514, or a range 60-1514 (every size in turn); sizes are "
	"cycled in order, packet k has the (k mod n)th size. Default 60.\n\n"
	"Frames: Ethernet II, IPv4 (DF, TTL 64), UDP, valid checksums, then the "
	"payload \"IXLG\", the 64-bit big-endian sequence number (0, 1, 2, ...) "
	"and a 48-bit big-endian send time (CLOCK_MONOTONIC ns mod 2^48); filler "
	"byte at frame offset i is i & 0xff. Each address or port range is stepped "
	"through one value per packet, independently. Defaults: source MAC the "
	"NIC's, destination 02:00:00:00:00:02 (locally administered unicast: "
	"receivers must be promiscuous, and nobody's CPU gets a broadcast storm), "
	"10.0.0.1:1024 -> 10.0.0.2:9.\n\n"
	"ADDR: the NIC's PCI address; default $IXL_DEVICE, else the one supported "
	"NIC whose kernel interface is absent or down.\n\n"
	"Examples:\n"
	"  ixl-gen --rate 10M 0000:03:00.0     # 10 million packets/s\n"
	"  ixl-gen --rate 500Mbit -s 1514      # 500 Mbit/s of full-size frames\n"
	"  ixl-gen -c 1000 --dst-ip 10.0.0.1-10.0.0.100 --json\n"
	"  ixl-gen --pcap trace.pcap --loop 0 --rate 50%\n\n"
	"Exit status: 0 success; 64 bad usage or value; 65 the pcap file is not "
	"Ethernet or has no frame to send; 66 no such device or pcap file; 69 not "
	"supported or no link; 71 out of memory; 74 I/O error; 75 NIC busy; 77 no "
	"permission.";

static const char args_doc[] = "[ADDR]";

static const struct argp_option options[] = {
	{ "rate", OPT_RATE, "RATE", 0,
	  "Packets/s (10M = 10,000,000 packets/s), or with a unit: 500kpps, 500Mbit, "
	  "1Gbps, 50% (default: as fast as possible)", 0 },
	{ "size", 's', "SIZES", 0, "Frame size(s) without FCS: 60, 64,128,1514 or 60-1514 "
				   "(cycled; default 60)", 0 },
	{ "src-mac", OPT_SRC_MAC, "MAC", 0, "Source MAC (default the NIC's)", 0 },
	{ "dst-mac", OPT_DST_MAC, "MAC", 0, "Destination MAC (default 02:00:00:00:00:02)", 0 },
	{ "src-ip", OPT_SRC_IP, "IP[-IP]", 0, "Source IPv4 address or range (default 10.0.0.1)",
	  0 },
	{ "dst-ip", OPT_DST_IP, "IP[-IP]", 0,
	  "Destination IPv4 address or range (default 10.0.0.2)", 0 },
	{ "src-port", OPT_SRC_PORT, "PORT[-PORT]", 0, "Source UDP port or range (default 1024)",
	  0 },
	{ "dst-port", OPT_DST_PORT, "PORT[-PORT]", 0,
	  "Destination UDP port or range (default 9)", 0 },
	{ "pcap", OPT_PCAP, "FILE", 0, "Replay the frames of FILE instead (unchanged)", 0 },
	{ "loop", OPT_LOOP, "N", 0, "Replay the pcap file N times, 0 = forever (default 1)", 0 },
	{ 0 },
};

/* One size of a --size list; errors name the whole argument. */
static long long size_item(struct argp_state *state, const char *arg, const char *item)
{
	const char *errstr = NULL;
	long long v = 0;

	/* strtonum alone would take blanks and a '+'. */
	if (item[0] < '0' || item[0] > '9')
		errstr = "not a number";
	else
		v = strtonum(item, IXL_TOOL_GEN_MIN_FRAME, SIZE_MAX_FRAME, &errstr);
	if (errstr && strcmp(errstr, "too small") == 0)
		argp_error(state, "invalid value '%s' for --size: must be at least %d", arg,
			   IXL_TOOL_GEN_MIN_FRAME);
	else if (errstr && strcmp(errstr, "too large") == 0)
		argp_error(state, "invalid value '%s' for --size: must be at most %d", arg,
			   SIZE_MAX_FRAME);
	else if (errstr)
		argp_error(state, "invalid value '%s' for --size: '%s' is not a number", arg, item);
	return v;
}

/* "60", "64,128,1514", "60-1514", or a list mixing both. */
static void sizes_parse(struct argp_state *state, const char *arg)
{
	char *copy = strdup(arg), *save = NULL;

	if (!copy)
		err(EX_OSERR, "strdup");
	free(opts.sizes);
	opts.sizes = malloc(SIZES_MAX * sizeof(*opts.sizes));
	if (!opts.sizes)
		err(EX_OSERR, "malloc");
	opts.n_sizes = 0;
	/* An empty item ("64,,128", a trailing comma) is a typo, which strtok would skip. */
	if (!arg[0] || arg[0] == ',' || arg[strlen(arg) - 1] == ',' || strstr(arg, ",,"))
		argp_error(state, "invalid value '%s' for --size: expected 60, 64,128,1514 or "
				  "60-1514", arg);
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(item, '-');
		long long lo, hi;

		if (dash == item)
			argp_error(state, "invalid value '%s' for --size: sizes cannot be negative",
				   arg);
		if (dash)
			*dash = '\0';
		lo = size_item(state, arg, item);
		hi = dash ? size_item(state, arg, dash + 1) : lo;
		if (hi < lo)
			argp_error(state, "invalid value '%s' for --size: the range %lld-%lld ends "
					  "before it starts", arg, lo, hi);
		for (long long s = lo; s <= hi; s++) {
			if (opts.n_sizes == SIZES_MAX)
				argp_error(state, "invalid value '%s' for --size: more than %d sizes",
					   arg, SIZES_MAX);
			opts.sizes[opts.n_sizes++] = (uint32_t)s;
		}
	}
	free(copy);
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case OPT_RATE:
		ixl_tool_parse_rate(state, "--rate", arg, &opts.rate);
		opts.rate_set = true;
		break;
	case 's':
		sizes_parse(state, arg);
		break;
	case OPT_SRC_MAC:
		ixl_tool_parse_mac(state, "--src-mac", arg, opts.src_mac);
		opts.src_mac_set = true;
		break;
	case OPT_DST_MAC:
		ixl_tool_parse_mac(state, "--dst-mac", arg, opts.dst_mac);
		break;
	case OPT_SRC_IP:
		ixl_tool_parse_ipv4_range(state, "--src-ip", arg, &opts.src_ip_lo, &opts.src_ip_hi);
		break;
	case OPT_DST_IP:
		ixl_tool_parse_ipv4_range(state, "--dst-ip", arg, &opts.dst_ip_lo, &opts.dst_ip_hi);
		break;
	case OPT_SRC_PORT:
		ixl_tool_parse_port_range(state, "--src-port", arg, &opts.src_port_lo,
					  &opts.src_port_hi);
		break;
	case OPT_DST_PORT:
		ixl_tool_parse_port_range(state, "--dst-port", arg, &opts.dst_port_lo,
					  &opts.dst_port_hi);
		break;
	case OPT_PCAP:
		opts.pcap_path = arg;
		break;
	case OPT_LOOP:
		opts.loop = ixl_tool_parse_u64(state, "--loop", arg, 0, UINT64_MAX);
		opts.loop_set = true;
		break;
	case ARGP_KEY_ARG:
		if (state->arg_num >= 1)
			argp_error(state, "too many arguments: one PCI address at most");
		opts.address = arg;
		break;
	case ARGP_KEY_END:
		if (opts.loop_set && !opts.pcap_path)
			argp_error(state, "--loop needs --pcap");
		if (opts.pcap_path && opts.sizes)
			argp_error(state, "--size does not apply to --pcap: frames keep their size");
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

/* ------------------------------------------------------------ pcap input */

struct pcap_frames {
	uint8_t **data;
	uint32_t *len;
	uint32_t n;
	uint64_t skipped_big;
	uint64_t skipped_cut;
	double mean_len;
};

/*
 * Reads the whole file before the NIC is taken: a bad file is then an error
 * with the NIC untouched, and replay does not depend on disk speed.
 */
static void pcap_load(const char *path, struct pcap_frames *pf)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint32_t cap = 0;
	pcap_t *p;
	int ret;

	FILE *f;

	memset(pf, 0, sizeof(*pf));
	/* Opened here so that "cannot read" (66) and "not a capture" (65) differ. */
	f = fopen(path, "rb");
	if (!f)
		err(EX_NOINPUT, "cannot read pcap file %s", path);
	p = pcap_fopen_offline(f, errbuf);
	if (!p)
		errx(EX_DATAERR, "%s: not a pcap file: %s", path, errbuf);
	if (pcap_datalink(p) != DLT_EN10MB)
		errx(EX_DATAERR, "%s: link type %s, but ixl-gen replays only Ethernet", path,
		     pcap_datalink_val_to_name(pcap_datalink(p)) ?: "unknown");
	while ((ret = pcap_next_ex(p, &h, &data)) == 1) {
		uint32_t len = h->caplen < IXL_TOOL_GEN_MIN_FRAME ? IXL_TOOL_GEN_MIN_FRAME : h->caplen;

		/* A truncated frame is not what was on the wire: sending it would lie. */
		if (h->caplen < h->len) {
			pf->skipped_cut++;
			continue;
		}
		if (h->caplen > SIZE_MAX_FRAME) {
			pf->skipped_big++;
			continue;
		}
		if (pf->n == cap) {
			cap = cap ? 2 * cap : 256;
			pf->data = reallocarray(pf->data, cap, sizeof(*pf->data));
			pf->len = reallocarray(pf->len, cap, sizeof(*pf->len));
			if (!pf->data || !pf->len)
				err(EX_OSERR, "%s", path);
		}
		/* Short frames get the zero padding a NIC would add on the wire. */
		pf->data[pf->n] = calloc(1, len);
		if (!pf->data[pf->n])
			err(EX_OSERR, "%s", path);
		memcpy(pf->data[pf->n], data, h->caplen);
		pf->len[pf->n++] = len;
	}
	if (ret == PCAP_ERROR)
		errx(EX_DATAERR, "%s: %s", path, pcap_geterr(p));
	pcap_close(p);
	if (pf->skipped_cut)
		warnx("%s: skipped %llu frames captured truncated (snaplen)", path,
		      (unsigned long long)pf->skipped_cut);
}

/* Drops frames the NIC cannot send, now that its maximum is known. */
static void pcap_fit(struct pcap_frames *pf, uint32_t max_len, const char *path)
{
	uint32_t o = 0;
	double total = 0;

	for (uint32_t i = 0; i < pf->n; i++) {
		if (pf->len[i] > max_len) {
			pf->skipped_big++;
			free(pf->data[i]);
			continue;
		}
		total += pf->len[i];
		pf->data[o] = pf->data[i];
		pf->len[o++] = pf->len[i];
	}
	pf->n = o;
	if (pf->skipped_big)
		warnx("%s: skipped %llu frames longer than the NIC's maximum of %u bytes", path,
		      (unsigned long long)pf->skipped_big, max_len);
	pf->mean_len = o ? total / o : 0;
}

/* --------------------------------------------------------- frame build */

struct gen_state {
	struct ixl_device *dev;
	struct ixl_mempool *pool;
	uint8_t src_mac[6];
	bool dynamic;            /* flows or sizes vary per packet */
	uint32_t max_len;
	uint32_t fixed_len;      /* every frame this long, or 0 (spares a division per frame) */
	uint32_t *filler_sum;    /* partial sums of the filler from offset 60 to each size */
	uint32_t static_udp_sum; /* dynamic == false: everything but seq, ts and checksum */
	uint32_t ip_const_sum;   /* IPv4 words that never change */
	struct pcap_frames pcap;
	uint32_t *buf_frame;     /* pcap: which frame a pool buffer holds (by pool_index) */
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* The k-th value of [lo, hi], stepping one per packet. */
static uint32_t range_at(uint32_t lo, uint32_t hi, uint64_t k)
{
	return lo + (uint32_t)(k % ((uint64_t)hi - lo + 1));
}

/*
 * Writes the headers of packet seq into p and returns the UDP checksum sum
 * of everything except the seq/ts words (and the checksum field, left 0).
 */
static uint32_t headers_write(const struct gen_state *g, uint8_t *p, uint64_t seq)
{
	uint32_t len = opts.sizes[seq % opts.n_sizes];
	uint32_t sip = range_at(opts.src_ip_lo, opts.src_ip_hi, seq);
	uint32_t dip = range_at(opts.dst_ip_lo, opts.dst_ip_hi, seq);
	uint16_t sport = (uint16_t)range_at(opts.src_port_lo, opts.src_port_hi, seq);
	uint16_t dport = (uint16_t)range_at(opts.dst_port_lo, opts.dst_port_hi, seq);
	uint16_t udp_len = (uint16_t)(len - 34), ip_len = (uint16_t)(len - 14);
	uint8_t *ip = p + 14, *udp = p + 34;
	uint32_t sum;

	put16(ip + 2, ip_len);
	put32(ip + 12, sip);
	put32(ip + 16, dip);
	sum = g->ip_const_sum + ip_len + (sip >> 16) + (sip & 0xffff) + (dip >> 16) + (dip & 0xffff);
	put16(ip + 10, (uint16_t)~ixl_tool_csum_fold(sum));
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, udp_len);
	put16(udp + 6, 0);
	/* Pseudo-header + UDP header (length counted twice: once in each) + magic + filler. */
	sum = (sip >> 16) + (sip & 0xffff) + (dip >> 16) + (dip & 0xffff) + 17u + udp_len;
	sum += sport + dport + udp_len;
	sum += ('I' << 8 | 'X') + ('L' << 8 | 'G');
	return sum + g->filler_sum[len];
}

/* The bytes that never change: MACs, type, constant IPv4 fields, magic, filler. */
static void frame_template(const struct gen_state *g, uint8_t *p)
{
	memcpy(p, opts.dst_mac, 6);
	memcpy(p + 6, g->src_mac, 6);
	p[12] = 0x08;
	p[13] = 0x00;
	memset(p + 14, 0, 20);
	p[14] = 0x45;            /* IPv4, 20-byte header */
	put16(p + 20, 0x4000);   /* DF, id 0 */
	p[22] = 64;              /* TTL */
	p[23] = 17;              /* UDP */
	memcpy(p + IXL_TOOL_GEN_PAYLOAD_OFFSET, IXL_TOOL_GEN_MAGIC, 4);
	memset(p + IXL_TOOL_GEN_PAYLOAD_OFFSET + 4, 0, 14);
	for (uint32_t i = IXL_TOOL_GEN_MIN_FRAME; i < g->max_len; i++)
		p[i] = (uint8_t)i;
}

static void gen_prepare(struct gen_state *g)
{
	uint8_t *tmpl = calloc(1, g->max_len);

	g->filler_sum = calloc(g->max_len + 1, sizeof(*g->filler_sum));
	if (!tmpl || !g->filler_sum)
		err(EX_OSERR, "malloc");
	frame_template(g, tmpl);
	/* Filler starts at offset 60, an even distance from the UDP header at 34. */
	for (uint32_t len = IXL_TOOL_GEN_MIN_FRAME; len <= g->max_len; len++)
		g->filler_sum[len] = ixl_tool_csum_add(0, tmpl + IXL_TOOL_GEN_MIN_FRAME,
						       len - IXL_TOOL_GEN_MIN_FRAME);
	g->ip_const_sum = 0x4500 + 0x4000 + (64 << 8 | 17);
	g->dynamic = opts.n_sizes > 1 || opts.src_ip_lo != opts.src_ip_hi ||
		     opts.dst_ip_lo != opts.dst_ip_hi || opts.src_port_lo != opts.src_port_hi ||
		     opts.dst_port_lo != opts.dst_port_hi;

	/* Fill every buffer of the pool once; they come back from the NIC intact. */
	uint32_t size = ixl_mempool_size(g->pool), n = 0;
	struct ixl_pkt_buf **all = calloc(size, sizeof(*all));

	if (!all)
		err(EX_OSERR, "malloc");
	while (n < size) {
		uint32_t got = ixl_pkt_buf_alloc_batch(g->pool, all + n, size - n);

		if (!got)
			break;
		n += got;
	}
	for (uint32_t i = 0; i < n; i++) {
		memcpy(all[i]->data, tmpl, g->max_len);
		g->static_udp_sum = headers_write(g, all[i]->data, 0);
		all[i]->len = opts.sizes[0];
	}
	ixl_pkt_buf_free_batch(all, n);
	free(all);
	free(tmpl);
}

/* Per packet: seq, time, and the UDP checksum; the headers too if they vary. */
/* The checksum words of a 48-bit send time: one time serves a whole batch. */
static uint32_t ts_sum(uint64_t ts_ns)
{
	return (uint32_t)(ts_ns >> 32 & 0xffff) + (uint32_t)(ts_ns >> 16 & 0xffff) +
	       (uint32_t)(ts_ns & 0xffff);
}

static void gen_fill(const struct gen_state *g, struct ixl_pkt_buf *b, uint64_t seq,
		     uint64_t ts_ns, uint32_t ts_words)
{
	uint8_t *p = b->data;
	uint8_t *pl = p + IXL_TOOL_GEN_PAYLOAD_OFFSET + 4;
	uint32_t sum;
	uint16_t c;

	if (g->dynamic) {
		sum = headers_write(g, p, seq);
		b->len = opts.sizes[seq % opts.n_sizes];
	} else {
		sum = g->static_udp_sum;
	}
	/*
	 * Big-endian stores and their checksum words straight from the integers:
	 * the payload's 16-bit words are the 16-bit slices of seq and ts, since
	 * it starts an even distance (12 bytes) from the UDP header. Under
	 * emulation every guest instruction counts; this is per frame.
	 */
	uint64_t seq_be = __builtin_bswap64(seq), ts_be = __builtin_bswap64(ts_ns << 16);

	memcpy(pl, &seq_be, 8);
	memcpy(pl + 8, &ts_be, 6);
	sum += (uint32_t)(seq >> 48) + (uint32_t)(seq >> 32 & 0xffff) +
	       (uint32_t)(seq >> 16 & 0xffff) + (uint32_t)(seq & 0xffff);
	sum += ts_words;
	/* Two folds take any 32-bit sum to 16 bits (inline: per frame). */
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	c = (uint16_t)~sum;
	/* 0 means "no checksum" in UDP; its ones' complement twin 0xffff says the same sum. */
	c = __builtin_bswap16(c ? c : 0xffff);
	memcpy(p + 40, &c, 2);
}

static void pcap_fill(const struct gen_state *g, struct ixl_pkt_buf *b, uint64_t k)
{
	uint32_t f = (uint32_t)(k % g->pcap.n);

	if (g->buf_frame[b->pool_index] != f) {
		memcpy(b->data, g->pcap.data[f], g->pcap.len[f]);
		b->len = g->pcap.len[f];
		g->buf_frame[b->pool_index] = f;
	}
}

/* ------------------------------------------------------------ pacing */

static uint32_t frame_len_at(const struct gen_state *g, uint64_t k)
{
	if (g->fixed_len)
		return g->fixed_len;
	return opts.pcap_path ? g->pcap.len[k % g->pcap.n] : opts.sizes[k % opts.n_sizes];
}


/*
 * Two token buckets in rate units (packets, or bits counted as the rate
 * says) against CLOCK_MONOTONIC, refilled continuously. The first holds up
 * to 100 ms of credit at the rate, so that a stall (the CPU taken away for a
 * few ms, common under a hypervisor) is made up and each second still gets
 * its share. The second refills at twice the rate and holds one batch: the
 * making-up runs at no more than double rate, never as a burst larger than
 * a batch.
 */
#define PACE_CREDIT_NS 100e6
#define PACE_PEAK_FACTOR 2.0

struct pacer {
	bool on;
	enum ixl_tool_rate_unit unit;
	double per_ns;      /* units per ns */
	double tokens, cap; /* the rate */
	double peak, peak_cap; /* the ceiling while catching up */
	uint64_t last_ns;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* What one frame of len bytes costs in the rate's units. */
static double pacer_cost(const struct pacer *pc, uint32_t len)
{
	switch (pc->unit) {
	case IXL_TOOL_RATE_BPS:
		return (len + 4) * 8.0;
	case IXL_TOOL_RATE_PERCENT:
		return (len + 24) * 8.0;
	default:
		return 1;
	}
}

static void pacer_start(struct pacer *pc, uint32_t max_len, uint32_t first_len, uint64_t now)
{
	pc->peak_cap = BATCH * pacer_cost(pc, max_len);
	pc->cap = pc->per_ns * PACE_CREDIT_NS;
	if (pc->cap < pc->peak_cap)
		pc->cap = pc->peak_cap;
	/* The first frame goes at once; from then on the buckets decide. */
	pc->tokens = pc->peak = pacer_cost(pc, first_len);
	pc->last_ns = now;
}

static void pacer_refill(struct pacer *pc, uint64_t now)
{
	double dt = (double)(now - pc->last_ns);

	pc->last_ns = now;
	pc->tokens += dt * pc->per_ns;
	if (pc->tokens > pc->cap)
		pc->tokens = pc->cap;
	pc->peak += dt * pc->per_ns * PACE_PEAK_FACTOR;
	if (pc->peak > pc->peak_cap)
		pc->peak = pc->peak_cap;
}

/* How many of the next n frames (starting with frame k) may go now. */
static uint32_t pacer_allow(const struct pacer *pc, const struct gen_state *g, uint64_t k,
			    uint32_t n)
{
	double tokens = pc->tokens, peak = pc->peak;

	if (pc->unit == IXL_TOOL_RATE_PPS || g->fixed_len) {
		/* One cost for every frame: no walk over the batch. */
		double c = pacer_cost(pc, frame_len_at(g, k));
		double room = (tokens < peak ? tokens : peak) / c;

		return room >= n ? n : room > 0 ? (uint32_t)room : 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		double c = pacer_cost(pc, frame_len_at(g, k + i));

		if (tokens < c || peak < c)
			return i;
		tokens -= c;
		peak -= c;
	}
	return n;
}

static void pacer_take(struct pacer *pc, double cost)
{
	pc->tokens -= cost;
	pc->peak -= cost;
}

/* Sleeps through long waits; short ones are left to the caller's spinning. */
static void pacer_wait(const struct pacer *pc, uint32_t next_len)
{
	double c = pacer_cost(pc, next_len);
	double wait = (c - pc->tokens) / pc->per_ns;
	double wait_peak = (c - pc->peak) / (pc->per_ns * PACE_PEAK_FACTOR);

	if (wait_peak > wait)
		wait = wait_peak;
	if (wait > SPIN_NS) {
		struct timespec ts;
		uint64_t ns = (uint64_t)wait - SPIN_NS / 2;

		ts.tv_sec = (time_t)(ns / 1000000000u);
		ts.tv_nsec = (long)(ns % 1000000000u);
		/* EINTR from a signal is welcome: the loop looks at the flags. */
		nanosleep(&ts, NULL);
	}
}

/* ------------------------------------------------------------ the run */

static void rate_announce(const struct gen_state *g, const struct pacer *pc, double mean_len,
			  uint32_t link_mbps)
{
	char what[64];

	if (opts.pcap_path)
		snprintf(what, sizeof(what), "frames of %s (mean %.1f bytes)", opts.pcap_path,
			 mean_len);
	else if (opts.n_sizes == 1)
		snprintf(what, sizeof(what), "%u-byte frames", opts.sizes[0]);
	else
		snprintf(what, sizeof(what), "frames of %u sizes (mean %.1f bytes)", opts.n_sizes,
			 mean_len);
	if (ixl_tool_verbosity() < 0)
		return;
	if (!pc->on) {
		warnx("%s: sending %s as fast as the NIC goes", ixl_device_address(g->dev), what);
		return;
	}
	double pps = ixl_tool_rate_pps(&opts.rate, mean_len, link_mbps);
	double mbps = pps * (mean_len + 4) * 8 / 1e6, wire = pps * (mean_len + 24) * 8 / 1e6;

	warnx("%s: rate %.0f packets/s = %.3f Mbit/s counting FCS (%.3f Mbit/s with "
	      "preamble and gap, %.2f%% of %u Mbit/s) with %s",
	      ixl_device_address(g->dev), pps, mbps, wire,
	      link_mbps ? wire / link_mbps * 100 : 0.0, link_mbps, what);
}

static void close_and_exit(struct gen_state *g, int code)
{
	ixl_device_close(g->dev);
	exit(code);
}

static void nic_stats_add(struct gen_state *g, struct ixl_device_stats *nic)
{
	ixl_device_read_stats(g->dev, nic);
}

int main(int argc, char **argv)
{
	struct ixl_device_config cfg = { 0 };
	struct ixl_tool_reporter rep;
	struct ixl_tool_counters tot = { 0 };
	struct ixl_device_stats nic = { 0 };
	struct ixl_pkt_buf *bufs[BATCH];
	struct gen_state g = { 0 };
	struct pacer pc = { 0 };
	uint64_t limit = UINT64_MAX, sent = 0;
	uint32_t max_len, link_mbps, entry;
	double mean_len = 0;
	int code = EX_OK;

	ixl_tool_init("ixl-gen");
	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (!opts.sizes) {
		static uint32_t sixty = IXL_TOOL_GEN_MIN_FRAME;

		opts.sizes = &sixty;
		opts.n_sizes = 1;
	}
	if (opts.pcap_path)
		pcap_load(opts.pcap_path, &g.pcap);

	opts.address = ixl_tool_device_pick(opts.address);
	ixl_tool_signals_install();
	cfg.flags = opts.flags | ixl_tool_device_flags;
	g.dev = ixl_tool_device_open(opts.address, &cfg);
	max_len = ixl_device_max_frame_size(g.dev);

	if (opts.pcap_path) {
		pcap_fit(&g.pcap, max_len, opts.pcap_path);
		if (!g.pcap.n) {
			warnx("%s: no frame to send", opts.pcap_path);
			close_and_exit(&g, EX_DATAERR);
		}
		mean_len = g.pcap.mean_len;
		g.max_len = 0;
		for (uint32_t i = 0; i < g.pcap.n; i++)
			if (g.pcap.len[i] > g.max_len)
				g.max_len = g.pcap.len[i];
		if (opts.loop)
			limit = opts.loop * (uint64_t)g.pcap.n;
	} else {
		g.max_len = 0;
		for (uint32_t i = 0; i < opts.n_sizes; i++) {
			if (opts.sizes[i] > max_len) {
				warnx("invalid value %u for --size: more than the NIC's maximum frame "
				      "size of %u bytes", opts.sizes[i], max_len);
				close_and_exit(&g, EX_USAGE);
			}
			if (opts.sizes[i] > g.max_len)
				g.max_len = opts.sizes[i];
			mean_len += opts.sizes[i];
		}
		mean_len /= opts.n_sizes;
	}
	if (ixl_tool_run.count && ixl_tool_run.count < limit)
		limit = ixl_tool_run.count;
	if (!opts.pcap_path && opts.n_sizes == 1)
		g.fixed_len = opts.sizes[0];

	/* A pool of its own, deep enough to fill the tx ring and have a batch in hand. */
	/*
	 * Entries just as large as the longest frame: small frames then share
	 * pages, and a pool of 64-byte frames spans 40 pages instead of 320,
	 * which the TLB (and an emulator's software TLB even more) notices.
	 */
	entry = (IXL_PKT_BUF_HEADER + g.max_len + 63) / 64 * 64;
	g.pool = ixl_mempool_create(g.dev, ixl_device_tx_queue_depth(g.dev) + 4 * BATCH, entry);
	if (!g.pool) {
		warnx("cannot create the tx mempool: %s", strerror(errno));
		close_and_exit(&g, ixl_tool_exit_code(-errno));
	}
	if (opts.pcap_path) {
		g.buf_frame = malloc(ixl_mempool_size(g.pool) * sizeof(*g.buf_frame));
		if (!g.buf_frame)
			err(EX_OSERR, "malloc");
		memset(g.buf_frame, 0xff, ixl_mempool_size(g.pool) * sizeof(*g.buf_frame));
	} else {
		if (opts.src_mac_set)
			memcpy(g.src_mac, opts.src_mac, 6);
		else
			ixl_device_mac_get(g.dev, g.src_mac);
		gen_prepare(&g);
	}

	ixl_tool_log_mute(true);
	if (ixl_device_wait_link(g.dev, LINK_WAIT_MS) < 0 && !ixl_tool_stop) {
		ixl_tool_log_mute(false);
		warnx("%s: no link within %d s", ixl_device_address(g.dev), LINK_WAIT_MS / 1000);
		close_and_exit(&g, EX_UNAVAILABLE);
	}
	ixl_tool_log_mute(false);
	link_mbps = ixl_device_link_speed(g.dev);

	if (opts.rate_set) {
		pc.on = true;
		pc.unit = opts.rate.unit;
		if (pc.unit == IXL_TOOL_RATE_PERCENT)
			pc.per_ns = opts.rate.value / 100 * link_mbps * 1e6 / 1e9;
		else
			pc.per_ns = opts.rate.value / 1e9;
		if (pc.per_ns <= 0) {
			warnx("%s: link speed unknown, cannot send a share of it",
			      ixl_device_address(g.dev));
			close_and_exit(&g, EX_UNAVAILABLE);
		}
	}
	rate_announce(&g, &pc, mean_len, link_mbps);

	ixl_device_read_stats(g.dev, NULL);
	ixl_tool_reporter_start(&rep, "ixl-gen", 1);
	rep.show_rx = false;
	if (pc.on)
		pacer_start(&pc, g.max_len, frame_len_at(&g, 0), now_ns());

	for (;;) {
		/* One clock read per batch serves the pacer, the timestamps, the
		 * reports and --duration. */
		uint64_t now = now_ns();
		double now_s = (double)now * 1e-9;
		uint32_t n = BATCH, got, taken;

		if (sent >= limit || ixl_tool_done_at(&rep, sent, now_s))
			break;
		if (limit - sent < n)
			n = (uint32_t)(limit - sent);
		if (pc.on) {
			pacer_refill(&pc, now);
			n = pacer_allow(&pc, &g, sent, n);
		}
		if (n) {
			uint64_t ts = now & IXL_TOOL_GEN_TS_MASK;
			uint32_t ts_words = ts_sum(ts);

			got = ixl_pkt_buf_alloc_batch(g.pool, bufs, n);
			if (opts.pcap_path) {
				for (uint32_t i = 0; i < got; i++)
					pcap_fill(&g, bufs[i], sent + i);
			} else {
				for (uint32_t i = 0; i < got; i++)
					gen_fill(&g, bufs[i], sent + i, ts, ts_words);
			}
			taken = ixl_device_tx_batch(g.dev, 0, bufs, got);
			/* Not taken: back to the pool, rebuilt with the right numbers next time. */
			ixl_pkt_buf_free_batch(bufs + taken, got - taken);
			if (g.fixed_len) {
				tot.tx_bytes += (uint64_t)taken * g.fixed_len;
				if (pc.on)
					pacer_take(&pc, taken * pacer_cost(&pc, g.fixed_len));
			} else {
				for (uint32_t i = 0; i < taken; i++) {
					uint32_t len = frame_len_at(&g, sent + i);

					tot.tx_bytes += len;
					if (pc.on)
						pacer_take(&pc, pacer_cost(&pc, len));
				}
			}
			tot.tx_packets += taken;
			sent += taken;
			if (!got)
				ixl_device_tx_batch(g.dev, 0, NULL, 0);
		} else {
			ixl_device_tx_batch(g.dev, 0, NULL, 0);
			if (pc.on)
				pacer_wait(&pc, frame_len_at(&g, sent));
		}
		if (ixl_tool_reporter_due(&rep, now_s)) {
			struct ixl_tool_field extra[] = {
				{ "nic_tx_packets", 0 }, { "nic_tx_bytes", 0 }, { "nic_tx_errors", 0 },
			};

			nic_stats_add(&g, &nic);
			extra[0].value = nic.tx_packets;
			extra[1].value = nic.tx_bytes;
			extra[2].value = nic.tx_errors;
			ixl_tool_reporter_tick(&rep, &tot, extra, 3);
		}
	}

	/* Let the NIC send what it holds before the counters are read and the NIC reset. */
	for (double t0 = ixl_tool_now();
	     ixl_mempool_free_count(g.pool) < ixl_mempool_size(g.pool) &&
	     ixl_tool_now() - t0 < DRAIN_TIMEOUT_S;)
		ixl_device_tx_batch(g.dev, 0, NULL, 0);
	if (ixl_mempool_free_count(g.pool) < ixl_mempool_size(g.pool)) {
		warnx("%s: %u frames still queued after %.0f s: the NIC stopped sending",
		      ixl_device_address(g.dev),
		      ixl_mempool_size(g.pool) - ixl_mempool_free_count(g.pool), DRAIN_TIMEOUT_S);
		code = EX_IOERR;
	}
	nic_stats_add(&g, &nic);
	{
		struct ixl_tool_field extra[] = {
			{ "nic_tx_packets", nic.tx_packets },
			{ "nic_tx_bytes", nic.tx_bytes },
			{ "nic_tx_errors", nic.tx_errors },
		};

		ixl_tool_report_summary(&rep, &tot, extra, 3);
	}
	/* Buffers the NIC still holds are freed with the device. */
	if (code == EX_OK)
		ixl_mempool_destroy(g.pool);
	ixl_device_close(g.dev);
	return code;
}
