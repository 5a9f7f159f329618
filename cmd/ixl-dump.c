/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ixl-dump: capture what a NIC receives into pcap files, tcpdump-style, with
 * the NIC driven by libixl: BPF filters, snaplen, nanosecond timestamps and
 * tcpdump's -C/-G/-W rotation; every file it leaves holds whole records only.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define BATCH 64
#define SNAPLEN_MAX 262144 /* tcpdump's MAXIMUM_SNAPLEN, also what -s 0 means */
#define OUT_BUF_SIZE (1u << 20)
#define LINK_WAIT_MS 3000
/*
 * The receive ring is ixl-dump's capture buffer: frames wait in it while we
 * are in write(2) or not scheduled, and there is no kernel socket buffer
 * behind it (tcpdump's -B). So by default it is the largest the NIC takes
 * (65528 descriptors on the e1000 family, about 140 MiB with the buffers).
 * On the QEMU bench, unpaced ixl-gen into ixl-dump -w kept 56-78 % of
 * 1,200,000 frames with 4096 descriptors (0 of 10 tries lossless), all of
 * them in 10 of 10 tries with 65528: the loop itself keeps up, but a stall
 * of tens of ms fills a small ring, and QEMU then delivers the backlog in
 * our own thread, on each tail write, slowing us further.
 */
#define RING_DEFAULT IXL_QUEUE_DEPTH_MAX
/* Flush buffered records after this long without traffic, so a reader of a
 * pipe or a growing file is never more than a moment behind. */
#define IDLE_FLUSH_S 0.1

static struct dump_options {
	const char *address;
	const char *output;   /* -w FILE, "-" for stdout; NULL prints one line per packet */
	char *filter;         /* the FILTER words joined by blanks; NULL keeps everything */
	uint32_t snaplen;
	bool nano;
	uint64_t file_size;   /* -C in bytes; 0: no size rotation */
	long long rotate_secs; /* -G; 0: no time rotation */
	long long max_files;  /* -W; 0: no limit */
	uint32_t ring;
	unsigned flags;       /* enum ixl_device_flags */
} opts = { .snaplen = SNAPLEN_MAX, .ring = RING_DEFAULT };

enum {
	OPT_NANO = 0x100,
	OPT_RING,
};

static const char doc[] =
	"Capture the frames a NIC receives into a pcap file, as tcpdump -w does, with "
	"the NIC driven from userspace by libixl.\v"
	"ADDR is the NIC's PCI address (0000:03:00.0 or 03:00.0). FILTER is a pcap-filter(7) "
	"expression (\"udp port 53\"), compiled by libpcap; frames it rejects are counted as "
	"filtered out. Without -w, one line per frame goes to stdout; to decode frames, pipe "
	"\"-w -\" into tcpdump -r - or tshark -r -.\n\n"
	"Rotation follows tcpdump: with -C the files are FILE, FILE1, FILE2...; with -W as "
	"well they are FILE0..FILE<W-1> (zero-padded) and the oldest is overwritten; -G "
	"passes FILE through strftime(3) and starts a new file every SECONDS (checked when "
	"a frame arrives); -G with -W (no -C) stops after W files.\n\n"
	"The NIC is promiscuous unless -p. Rates once per second and the summary go to "
	"stderr (--json: JSON lines on stdout). Mbit/s count each frame with its 4-byte FCS, "
	"not preamble and gap. SIGINT/SIGTERM end the capture, SIGUSR1 prints the counts.\n\n"
	"Examples:\n"
	"  ixl-dump -w dns.pcap 0000:03:00.0 udp port 53\n"
	"  ixl-dump -w - 03:00.0 | tcpdump -nr -\n"
	"  ixl-dump -w ring.pcap -C 100 -W 10 03:00.0\n\n"
	"Exit status: 0 success; 64 bad option, filter or address; 73 output file cannot "
	"be created; 74 write error or full disk (the file keeps every complete record), or "
	"the NIC did not respond; other sysexits(3) codes for device errors (66 no such "
	"device, 69 unsupported, 75 busy, 77 no permission).";

static const char args_doc[] = "ADDR [FILTER...]";

static const struct argp_option options[] = {
	{ NULL, 'w', "FILE", 0, "Write frames to pcap FILE (- for stdout)", 0 },
	{ NULL, 's', "SNAPLEN", 0, "Keep at most SNAPLEN bytes of each frame (0 or default: 262144)",
	  0 },
	{ NULL, 'p', NULL, 0, "Do not put the NIC into promiscuous mode", 0 },
	{ "nano", OPT_NANO, NULL, 0, "Nanosecond timestamps (pcap magic 0xa1b23c4d)", 0 },
	{ NULL, 'C', "MB", 0, "Start a new file when the current one is over MB x 1,000,000 bytes",
	  1 },
	{ NULL, 'G', "SECONDS", 0, "Start a new file every SECONDS (FILE is a strftime format)",
	  1 },
	{ NULL, 'W', "FILES", 0, "With -C: reuse FILES names in a ring; with -G: stop after FILES",
	  1 },
	{ "ring", OPT_RING, "N", 0,
	  "Receive descriptors, the capture buffer (multiple of 8; default: the most the NIC "
	  "takes, 65528 on e1000/e1000e)", 2 },
	{ 0 },
};

/* Room for the joined filter words. */
static size_t filter_len;

static void filter_append(const char *word)
{
	size_t n = strlen(word);
	char *f = realloc(opts.filter, filter_len + n + 2);

	if (!f)
		err(EX_OSERR, "filter");
	if (filter_len)
		f[filter_len++] = ' ';
	memcpy(f + filter_len, word, n + 1);
	filter_len += n;
	opts.filter = f;
}

static struct bpf_program filter_prog;

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'w':
		if (!arg[0])
			argp_error(state, "-w needs a file name (or - for stdout)");
		opts.output = arg;
		break;
	case 's':
		opts.snaplen = (uint32_t)ixl_tool_parse_int(state, "-s", arg, 0, SNAPLEN_MAX);
		if (opts.snaplen == 0)
			opts.snaplen = SNAPLEN_MAX;
		break;
	case 'p':
		opts.flags |= IXL_DEVICE_NO_PROMISC;
		break;
	case OPT_NANO:
		opts.nano = true;
		break;
	case 'C':
		/* tcpdump's unit: millions of bytes, not MiB. */
		opts.file_size = ixl_tool_parse_u64(state, "-C", arg, 1, UINT64_MAX / 1000000) *
				 1000000;
		break;
	case 'G':
		opts.rotate_secs = ixl_tool_parse_int(state, "-G", arg, 1, INT_MAX);
		break;
	case 'W':
		opts.max_files = ixl_tool_parse_int(state, "-W", arg, 1, INT_MAX);
		break;
	case OPT_RING:
		opts.ring = (uint32_t)ixl_tool_parse_int(state, "--ring", arg, 8, IXL_TOOL_DEPTH_MAX);
		if (opts.ring % 8)
			argp_error(state, "invalid value '%s' for --ring: must be a multiple of 8",
				   arg);
		break;
	case ARGP_KEY_ARG:
		if (state->arg_num == 0)
			opts.address = arg;
		else
			filter_append(arg);
		break;
	case ARGP_KEY_END: {
		bool rotating = opts.file_size || opts.rotate_secs || opts.max_files;
		pcap_t *pd;

		if (!opts.address)
			argp_error(state, "missing ADDR, the NIC's PCI address");
		if (rotating && (!opts.output || strcmp(opts.output, "-") == 0))
			argp_error(state, "-C, -G and -W need -w FILE (a file, not -)");
		/* tcpdump silently ignores a lone -W; here it would surely be a mistake. */
		if (opts.max_files && !opts.file_size && !opts.rotate_secs)
			argp_error(state, "-W needs -C or -G");
		if (ixl_tool_run.json && opts.output && strcmp(opts.output, "-") == 0)
			argp_error(state, "--json and -w - both want stdout");
		/* A filter that does not compile is a usage error, found before the NIC is touched. */
		if (opts.filter) {
			pd = pcap_open_dead_with_tstamp_precision(
				DLT_EN10MB, (int)opts.snaplen,
				opts.nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
			if (!pd)
				errx(EX_OSERR, "pcap_open_dead failed");
			if (pcap_compile(pd, &filter_prog, opts.filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
				argp_error(state, "invalid filter '%s': %s", opts.filter,
					   pcap_geterr(pd));
			pcap_close(pd);
		}
		break;
	}
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

/* --------------------------------------------------------- pcap output */

/*
 * Records are written here rather than with pcap_dump(): pcap_dump goes
 * through stdio, which may push out part of a record before a write fails
 * (ENOSPC) and then cannot say how much of the file is whole. Our buffer
 * only ever holds whole records and is handed to write(2) in one piece; when
 * a write fails we know the last record boundary that reached the file and
 * truncate back to it. The format is pcap's (pcap-savefile(5)): a 24-byte
 * file header, then a 16-byte header before each record, in host byte order.
 */
#define PCAP_MAGIC_USEC 0xa1b2c3d4u
#define PCAP_MAGIC_NSEC 0xa1b23c4du

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t version_major;
	uint16_t version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

struct pcap_rec_hdr {
	uint32_t ts_sec;
	uint32_t ts_frac; /* microseconds, or nanoseconds with --nano */
	uint32_t caplen;
	uint32_t len;
};

static struct savefile {
	int fd;
	char name[PATH_MAX];
	bool is_stdout;
	bool truncatable; /* a regular file: cut back to the last whole record on error */
	off_t base;       /* where our header starts (stdout may be appended to) */
	uint64_t size;    /* bytes of this file on disk, all whole records */
	uint8_t *buf;
	size_t len;       /* bytes buffered, whole records only */
	uint64_t buffered; /* records in buf */
} out = { .fd = -1 };

/* Records known to be in the output files, and records accepted so far (-c). */
static uint64_t written, accepted;
/* Set when writing failed: errno, and whether that ends the run as an error. */
static int write_errno;

/* Rotation, as tcpdump's Cflag_count, Gflag_count, Gflag_time, WflagChars. */
static unsigned c_count, g_count;
static time_t g_time;
static int w_chars;

/* Writes all of p; returns the bytes that reached the file and sets errno on failure. */
static size_t write_full(int fd, const uint8_t *p, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(fd, p + done, n - done);

		if (w > 0) {
			done += (size_t)w;
		} else if (w < 0 && errno == EINTR) {
			/* A signal only asks the loop to stop: the records in hand still go out whole. */
			continue;
		} else {
			if (w == 0)
				errno = EIO;
			break;
		}
	}
	return done;
}

static int savefile_name(char *dst, size_t size, unsigned cnt)
{
	char base[PATH_MAX];
	int n;

	if (opts.rotate_secs) {
		struct tm tm;

		localtime_r(&g_time, &tm);
		if (strftime(base, sizeof(base), opts.output, &tm) == 0) {
			warnx("%s: file name too long after strftime", opts.output);
			return -1;
		}
	} else {
		strlcpy(base, opts.output, sizeof(base));
	}
	/* tcpdump's MakeFilename: a number only with -C, padded to the digits of W - 1. */
	if (!opts.file_size || (cnt == 0 && w_chars == 0))
		n = snprintf(dst, size, "%s", base);
	else
		n = snprintf(dst, size, "%s%0*u", base, w_chars, cnt);
	if (n < 0 || (size_t)n >= size) {
		warnx("%s: file name too long", base);
		return -1;
	}
	return 0;
}

/* Opens the current file name and writes the pcap header; exits EX_CANTCREAT/EX_IOERR. */
static int savefile_open(void)
{
	struct pcap_file_hdr h = {
		.magic = opts.nano ? PCAP_MAGIC_NSEC : PCAP_MAGIC_USEC,
		.version_major = 2,
		.version_minor = 4,
		.snaplen = opts.snaplen,
		.linktype = DLT_EN10MB,
	};
	struct stat st;

	if (out.is_stdout) {
		out.fd = STDOUT_FILENO;
	} else {
		out.fd = open(out.name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out.fd < 0) {
			warn("%s", out.name);
			return EX_CANTCREAT;
		}
	}
	out.truncatable = fstat(out.fd, &st) == 0 && S_ISREG(st.st_mode);
	out.base = out.truncatable ? lseek(out.fd, 0, SEEK_CUR) : 0;
	if (out.base < 0)
		out.base = 0;
	out.size = 0;
	out.len = 0;
	out.buffered = 0;
	if (write_full(out.fd, (const uint8_t *)&h, sizeof(h)) != sizeof(h)) {
		int e = errno;

		/* Not even a header: leave an empty file rather than a broken one. */
		if (out.truncatable && ftruncate(out.fd, out.base) < 0)
			warn("%s: cannot truncate", out.name);
		errno = e;
		warn("%s: cannot write the pcap header", out.name);
		write_errno = e;
		return EX_IOERR;
	}
	out.size = sizeof(h);
	return EX_OK;
}

/* Bytes of buf that hold whole records within the first `reached` bytes, and how many. */
static size_t savefile_whole(size_t reached, uint64_t *records)
{
	size_t off = 0;

	*records = 0;
	while (off + sizeof(struct pcap_rec_hdr) <= out.len) {
		struct pcap_rec_hdr h;
		size_t end;

		memcpy(&h, out.buf + off, sizeof(h));
		end = off + sizeof(h) + h.caplen;
		if (end > reached)
			break;
		off = end;
		(*records)++;
	}
	return off;
}

/*
 * Hands the buffer to the file. On failure the file is cut back to its last
 * whole record (regular files; a pipe's reader is gone anyway), and
 * write_errno says why. Returns 0 or -1.
 */
static int savefile_flush(void)
{
	size_t done;

	if (!out.len)
		return 0;
	done = write_full(out.fd, out.buf, out.len);
	if (done == out.len) {
		out.size += out.len;
		written += out.buffered;
	} else {
		int e = errno;
		uint64_t whole_records;
		size_t whole = savefile_whole(done, &whole_records);

		if (done != whole && out.truncatable &&
		    ftruncate(out.fd, out.base + (off_t)(out.size + whole)) < 0)
			warn("%s: cannot truncate to the last whole record", out.name);
		out.size += whole;
		written += whole_records;
		write_errno = e;
	}
	out.len = 0;
	out.buffered = 0;
	return write_errno ? -1 : 0;
}

static int savefile_close(void)
{
	int ret = savefile_flush();

	if (out.fd >= 0 && !out.is_stdout && close(out.fd) < 0 && !write_errno) {
		/* Some file systems report a failed write only at close. */
		write_errno = errno;
		ret = -1;
	}
	out.fd = -1;
	return ret;
}

/*
 * tcpdump's rotation checks, made before each record: -G first (a new time
 * window restarts the -C numbering), then -C on the size with buffered bytes.
 * Returns EX_OK, or the exit status that ends the capture (-1: -W files done).
 */
static int savefile_rotate(time_t now)
{
	bool rotate = false;
	int ret;

	if (opts.rotate_secs && now - g_time >= opts.rotate_secs) {
		g_time = now;
		g_count++;
		c_count = 0;
		if (!opts.file_size && opts.max_files && g_count >= opts.max_files) {
			if (savefile_close() < 0)
				return EX_IOERR;
			warnx("maximum file limit reached: %lld", opts.max_files);
			return -1;
		}
		rotate = true;
	} else if (opts.file_size && out.size + out.len > opts.file_size) {
		c_count++;
		if (opts.max_files && c_count >= opts.max_files)
			c_count = 0;
		rotate = true;
	}
	if (!rotate)
		return EX_OK;
	if (out.fd >= 0 && savefile_close() < 0)
		return EX_IOERR;
	if (savefile_name(out.name, sizeof(out.name), c_count) < 0)
		return EX_CANTCREAT;
	ret = savefile_open();
	return ret;
}

static void savefile_add(const struct pcap_rec_hdr *h, const uint8_t *data)
{
	size_t need = sizeof(*h) + h->caplen;

	if (out.len + need > OUT_BUF_SIZE)
		savefile_flush();
	if (write_errno)
		return;
	memcpy(out.buf + out.len, h, sizeof(*h));
	memcpy(out.buf + out.len + sizeof(*h), data, h->caplen);
	out.len += need;
	out.buffered++;
}

/* --------------------------------------------------------- text output */

static const char *ethertype_name(uint16_t t)
{
	switch (t) {
	case 0x0800:
		return "IPv4";
	case 0x0806:
		return "ARP";
	case 0x86dd:
		return "IPv6";
	case 0x8100:
		return "802.1Q";
	case 0x88cc:
		return "LLDP";
	default:
		return t < 0x0600 ? "802.3 length" : "ethertype";
	}
}

/* One line per frame, like tcpdump -e without the protocol decoding. */
static void frame_print(const struct timespec *ts, const struct ixl_pkt_buf *b)
{
	char src[IXL_TOOL_MAC_LEN], dst[IXL_TOOL_MAC_LEN];
	struct tm tm;
	uint16_t type;

	localtime_r(&ts->tv_sec, &tm);
	if (opts.nano)
		printf("%02d:%02d:%02d.%09ld ", tm.tm_hour, tm.tm_min, tm.tm_sec, ts->tv_nsec);
	else
		printf("%02d:%02d:%02d.%06ld ", tm.tm_hour, tm.tm_min, tm.tm_sec,
		       ts->tv_nsec / 1000);
	if (b->len < 14) {
		printf("runt frame, length %u\n", b->len);
		return;
	}
	ixl_tool_mac_format(b->data + 6, src);
	ixl_tool_mac_format(b->data, dst);
	type = (uint16_t)(b->data[12] << 8 | b->data[13]);
	printf("%s > %s, %s (0x%04x), length %u\n", src, dst, ethertype_name(type), type, b->len);
}

/* ---------------------------------------------------------------- main */

static struct ixl_tool_counters totals;
static uint64_t filtered, nic_packets;

/*
 * The capture loop reads one clock per iteration, the monotonic one, for the
 * record timestamps, the reports and --duration alike: under emulation clock
 * reads are not free (with two or three per iteration they took about 30 % of
 * ixl-dump's samples in a guest profile at 225 kpps under TCG). Wall time
 * for the records is that reading plus this offset, taken again with each
 * counter read (twice a second), so a step of the system clock reaches the
 * records within half a second. DPDK's pcapng writer (dpdk-dumpcap) takes
 * its offset between TSC and wall clock only once.
 */
static int64_t wall_offset_ns;

static int64_t timespec_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static void wall_offset_sync(void)
{
	struct timespec mono, wall;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &wall);
	wall_offset_ns = timespec_ns(&wall) - timespec_ns(&mono);
}

/*
 * Takes one batch: filter, rotate, buffer. One timestamp (mono, the
 * monotonic clock just after the batch arrived) serves the whole batch: its
 * frames arrived within microseconds. Returns an exit status to stop with,
 * or EX_OK.
 */
static int batch_handle(struct ixl_pkt_buf **bufs, uint32_t n, const struct timespec *mono)
{
	int64_t wall = timespec_ns(mono) + wall_offset_ns;
	struct timespec ts = { .tv_sec = wall / 1000000000, .tv_nsec = wall % 1000000000 };
	int ret = EX_OK;

	for (uint32_t i = 0; i < n; i++) {
		const struct ixl_pkt_buf *b = bufs[i];
		struct pcap_rec_hdr h = {
			.ts_sec = (uint32_t)ts.tv_sec,
			.ts_frac = (uint32_t)(opts.nano ? ts.tv_nsec : ts.tv_nsec / 1000),
			.caplen = b->len < opts.snaplen ? b->len : opts.snaplen,
			.len = b->len,
		};

		if (ixl_tool_run.count && accepted >= ixl_tool_run.count)
			break;
		totals.rx_packets++;
		totals.rx_bytes += b->len;
		if (opts.filter) {
			/* The filter sees the whole frame, as the kernel's does for tcpdump. */
			struct pcap_pkthdr ph = { .caplen = b->len, .len = b->len };

			if (!pcap_offline_filter(&filter_prog, &ph, b->data)) {
				filtered++;
				continue;
			}
		}
		if (!opts.output) {
			/* --json owns stdout: frames are only counted then. */
			if (!ixl_tool_run.json)
				frame_print(&ts, b);
			accepted++;
			continue;
		}
		if (opts.file_size || opts.rotate_secs) {
			ret = savefile_rotate(ts.tv_sec);
			if (ret != EX_OK)
				break;
		}
		savefile_add(&h, b->data);
		if (write_errno)
			break;
		accepted++;
	}
	ixl_pkt_buf_free_batch(bufs, n);
	return ret;
}

static void stats_update(struct ixl_device *dev)
{
	struct ixl_device_stats st = { 0 };

	if (ixl_device_read_stats(dev, &st) < 0)
		return;
	nic_packets += st.rx_packets;
	totals.rx_dropped += st.rx_missed;
	totals.rx_errors += st.rx_errors;
}

static int capture(struct ixl_device *dev)
{
	struct ixl_pkt_buf *bufs[BATCH];
	struct ixl_tool_reporter rep;
	double last_rx, next_stats;
	int ret = EX_OK;
	struct ixl_tool_field extra[3] = {
		{ "captured", 0 },
		{ "filtered", 0 },
		{ "nic_rx_packets", 0 },
	};

	ixl_device_read_stats(dev, NULL);
	wall_offset_sync();
	ixl_tool_reporter_start(&rep, "ixl-dump", 0);
	rep.show_tx = false;
	last_rx = next_stats = rep.start;
	for (;;) {
		uint32_t n = ixl_device_rx_batch(dev, 0, bufs, BATCH);
		struct timespec mono;
		double now;

		clock_gettime(CLOCK_MONOTONIC, &mono);
		now = ixl_tool_seconds(&mono);
		if (n) {
			ret = batch_handle(bufs, n, &mono);
			if (ret != EX_OK || write_errno)
				break;
			last_rx = now;
		} else if (now - last_rx >= IDLE_FLUSH_S) {
			if (opts.output ? savefile_flush() < 0 : fflush(stdout) == EOF)
				break;
		}
		/* Register reads are slow (an exit to the hypervisor in a VM): twice a second. */
		if (now >= next_stats) {
			stats_update(dev);
			wall_offset_sync();
			next_stats = now + 0.5;
		}
		if (ixl_tool_reporter_due(&rep, now)) {
			extra[0].value = written + out.buffered;
			extra[1].value = filtered;
			extra[2].value = nic_packets;
			ixl_tool_reporter_tick(&rep, &totals, extra, 3);
		}
		if (ixl_tool_done_at(&rep, accepted, now))
			break;
	}
	if (opts.output && out.fd >= 0)
		savefile_close();
	else if (!opts.output && fflush(stdout) == EOF)
		write_errno = errno;
	stats_update(dev);
	if (!opts.output)
		written = accepted;

	extra[0].value = written;
	extra[1].value = filtered;
	extra[2].value = nic_packets;
	ixl_tool_report_summary(&rep, &totals, extra, 3);
	if (!ixl_tool_run.json && ixl_tool_verbosity() >= 0)
		fprintf(stderr,
			"%llu packets captured\n%llu packets received by the NIC\n"
			"%llu packets dropped by the NIC\n%llu packets filtered out\n",
			(unsigned long long)written, (unsigned long long)nic_packets,
			(unsigned long long)totals.rx_dropped, (unsigned long long)filtered);
	if (ret == -1) /* -G with -W: the last file is complete */
		ret = EX_OK;
	if (write_errno) {
		/* The reader of a pipe went away: the capture is over, not failed (tcpdump too). */
		if (write_errno == EPIPE)
			return ret;
		warnx("%s: %s; it holds %llu complete packets", opts.output ? out.name : "stdout",
		      strerror(write_errno), (unsigned long long)(opts.output ? written : 0));
		return EX_IOERR;
	}
	return ret;
}

int main(int argc, char **argv)
{
	struct ixl_device_config cfg = { 0 };
	struct ixl_device *dev;
	int ret;

	ixl_tool_init("ixl-dump");
	argp_parse(&argp, argc, argv, 0, NULL, NULL);

	/* Output first: a typo in the file name should cost nothing at the NIC. */
	if (opts.output) {
		out.buf = malloc(OUT_BUF_SIZE);
		if (!out.buf)
			err(EX_OSERR, "output buffer");
		out.is_stdout = strcmp(opts.output, "-") == 0;
		if (opts.max_files) {
			for (long long x = opts.max_files - 1; x > 0; x /= 10)
				w_chars++;
		}
		g_time = time(NULL);
		if (out.is_stdout)
			strlcpy(out.name, "stdout", sizeof(out.name));
		else if (savefile_name(out.name, sizeof(out.name), 0) < 0)
			return EX_CANTCREAT;
		ret = savefile_open();
		if (ret != EX_OK)
			return ret;
	}
	/* A pipe whose reader quits gives EPIPE, which ends the capture with its summary. */
	signal(SIGPIPE, SIG_IGN);
	ixl_tool_signals_install();

	cfg.rx_queue_depth = opts.ring;
	cfg.flags = opts.flags | ixl_tool_device_flags;
	dev = ixl_tool_device_open(opts.address, &cfg);
	/* No link yet is not an error for a capture: frames come when it does. */
	ixl_tool_log_mute(true);
	if (ixl_device_wait_link(dev, LINK_WAIT_MS) < 0)
		warnx("%s: no link yet; capturing anyway", ixl_device_address(dev));
	ixl_tool_log_mute(false);
	if (ixl_tool_verbosity() >= 0)
		fprintf(stderr,
			"ixl-dump: listening on %s (%s%s), link-type EN10MB (Ethernet), "
			"snapshot length %u bytes\n",
			ixl_device_address(dev), ixl_device_driver(dev),
			ixl_device_promisc(dev) ? ", promiscuous" : "", opts.snaplen);
	if (ixl_tool_verbosity() > 0)
		fprintf(stderr, "ixl-dump: capture buffer: %u receive descriptors, %u packet buffers\n",
			ixl_device_rx_queue_depth(dev), ixl_mempool_size(ixl_device_rx_pool(dev, 0)));
	ret = capture(dev);
	ixl_device_close(dev);
	if (opts.filter)
		pcap_freecode(&filter_prog);
	free(opts.filter);
	free(out.buf);
	return ret;
}
