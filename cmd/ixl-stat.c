/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ixl-stat: takes a NIC, throws away what arrives and prints the NIC's own
 * counters once per interval, like vmstat(8) for a port. Frames from ixl-gen
 * carry sequence numbers; ixl-stat follows them and reports lost and
 * reordered frames.
 */
#include <argp.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "common.h"

#define BATCH 64
#define LINK_WAIT_MS 5000
/* The longest interval -i takes: a day. */
#define INTERVAL_MAX 86400.0
/*
 * How far behind the highest sequence number a late frame is still matched
 * to its gap (and duplicates told apart from late frames): 64 Ki numbers, an
 * 8 KiB bitmap, a quarter of a second at 256 kpps.
 */
#define SEQ_WINDOW (1u << 16)

static struct stat_options {
	double interval;
	bool csv;
	unsigned flags; /* enum ixl_device_flags */
	const char *address;
} opts = {
	.interval = 1.0,
};

enum {
	OPT_CSV = 0x100,
	OPT_NO_PROMISC,
};

static const char doc[] =
	"Show a NIC's hardware counters once per interval.\v"
	"ixl-stat takes the NIC at ADDR from its kernel driver, discards every "
	"frame that arrives, and prints per interval: received and sent packets "
	"per second and Mbit/s, frames the NIC dropped (no free descriptor) and "
	"receive errors. The counts come from the NIC's statistics registers, not "
	"from what ixl-stat saw. Bit rates count each frame with its 4-byte FCS, "
	"not preamble and inter-frame gap.\n\n"
	"Note: -c/--count counts INTERVALS here (as in vmstat), not packets as in "
	"the other ixl tools; --duration still ends the run after that many "
	"seconds.\n\n"
	"Frames from ixl-gen (IPv4 UDP with valid checksums, payload \"IXLG\", a "
	"64-bit sequence number and a 48-bit send time) are also followed: \"gen_packets\" counts them, \"lost\" is the "
	"number of sequence numbers skipped between the first and the highest seen "
	"that have not arrived (so far), \"reordered\" the frames that arrived with "
	"a sequence number lower than the highest seen before them. See "
	"ixl-stat(1).\n\n"
	"Examples:\n"
	"  ixl-stat 00:04.0                  # one line per second until Ctrl-C\n"
	"  ixl-stat -i 5 -c 12 00:04.0       # a minute in 5-second intervals\n"
	"  ixl-stat --csv -c 10 00:04.0 > counters.csv\n\n"
	"Exit status: 0 on success, otherwise a sysexits(3) code: 64 bad usage, "
	"66 no such device, 69 not supported, 75 NIC busy, 77 no permission, "
	"71 out of memory, 74 I/O error.";

static const char args_doc[] = "ADDR";

static const struct argp_option options[] = {
	{ "interval", 'i', "SECONDS", 0, "Seconds per line (default 1, decimals allowed)", 0 },
	{ "csv", OPT_CSV, NULL, 0, "CSV on stdout: a header, then one row per interval", 0 },
	{ "no-promisc", OPT_NO_PROMISC, NULL, 0,
	  "Count only frames addressed to the NIC (no promiscuous mode)", 0 },
	{ 0 },
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'i':
		opts.interval = ixl_tool_parse_seconds(state, "-i", arg, INTERVAL_MAX);
		break;
	case OPT_CSV:
		opts.csv = true;
		break;
	case OPT_NO_PROMISC:
		opts.flags |= IXL_DEVICE_NO_PROMISC;
		break;
	case ARGP_KEY_ARG:
		if (state->arg_num >= 1)
			argp_error(state, "too many arguments: one PCI address");
		opts.address = arg;
		break;
	case ARGP_KEY_END:
		if (!opts.address)
			argp_error(state, "missing PCI address");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child children[] = {
	{ &ixl_tool_device_argp, 0, NULL, 0 },
	/* The shared help says -c counts packets; here it counts lines. */
	{ &ixl_tool_run_argp, 0, "Run control (here -c N means N intervals, not packets):", 0 },
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

/* ------------------------------------------------------- sequence numbers */

/*
 * The sequence state of one ixl-gen stream. `seen` is a ring bitmap of the
 * SEQ_WINDOW numbers up to `highest`: a frame below the highest is a late
 * arrival that fills a gap if its bit is clear, a duplicate if set.
 */
struct stat_seq {
	bool started;
	uint64_t highest;
	uint64_t packets;    /* frames with an ixl-gen payload */
	uint64_t lost;       /* skipped numbers not (yet) filled */
	uint64_t reordered;  /* arrived below the highest seen before them */
	uint64_t duplicates; /* a number already seen (within the window) */
	uint64_t seen[SEQ_WINDOW / 64];
};

static bool seq_test(const struct stat_seq *s, uint64_t seq)
{
	uint32_t i = (uint32_t)(seq % SEQ_WINDOW);

	return s->seen[i / 64] >> (i % 64) & 1;
}

static void seq_set(struct stat_seq *s, uint64_t seq, bool on)
{
	uint32_t i = (uint32_t)(seq % SEQ_WINDOW);

	if (on)
		s->seen[i / 64] |= 1ull << (i % 64);
	else
		s->seen[i / 64] &= ~(1ull << (i % 64));
}

static void stat_seq_add(struct stat_seq *s, uint64_t seq)
{
	s->packets++;
	if (!s->started) {
		s->started = true;
		s->highest = seq;
		seq_set(s, seq, true);
		return;
	}
	if (seq > s->highest) {
		uint64_t gap = seq - s->highest - 1;

		/* The numbers skipped over are missing until they show up. */
		if (gap >= SEQ_WINDOW) {
			memset(s->seen, 0, sizeof(s->seen));
		} else {
			for (uint64_t q = s->highest + 1; q < seq; q++)
				seq_set(s, q, false);
		}
		s->lost += gap;
		s->highest = seq;
		seq_set(s, seq, true);
		return;
	}
	s->reordered++;
	if (s->highest - seq >= SEQ_WINDOW)
		return; /* too late to tell a gap from a duplicate: stays lost */
	if (seq_test(s, seq)) {
		s->duplicates++;
		return;
	}
	seq_set(s, seq, true);
	if (s->lost)
		s->lost--;
}

/* --------------------------------------------------------------- output */

/*
 * ixl-stat prints its own lines rather than through the shared reporter:
 * -c counts intervals, there is CSV, and "lost" is not a counter but the
 * number of gaps still open, which can shrink when a late frame fills one;
 * the reporter only prints deltas of its extra fields. The JSON keys are the
 * reporter's.
 */
enum stat_kind { STAT_INTERVAL, STAT_SNAPSHOT, STAT_SUMMARY };

static double stat_mbps(uint64_t packets, uint64_t bytes, double secs)
{
	/* Frames on the wire carry a 4-byte FCS that the byte counters leave out. */
	return secs > 0 ? (double)(bytes + 4 * packets) * 8 / secs / 1e6 : 0;
}

static double stat_pps(uint64_t packets, double secs)
{
	return secs > 0 ? (double)packets / secs : 0;
}

static void stat_csv_header(void)
{
	printf("interval,seconds,rx_packets,rx_bytes,rx_pps,rx_mbps,tx_packets,tx_bytes,tx_pps,"
	       "tx_mbps,rx_dropped,rx_errors,gen_packets,lost,reordered,duplicates\n");
	fflush(stdout);
}

/*
 * One line. c holds the interval's deltas (STAT_INTERVAL) or the totals;
 * secs is the time they cover, elapsed the time since the start. lost,
 * reordered and duplicates are always totals so far.
 */
static void stat_print(enum stat_kind kind, uint64_t n, const struct ixl_tool_counters *c,
		       uint64_t gen_packets, const struct stat_seq *s, double secs, double elapsed)
{
	unsigned long long rxp = c->rx_packets, rxb = c->rx_bytes, txp = c->tx_packets,
			   txb = c->tx_bytes, drop = c->rx_dropped, errs = c->rx_errors;

	if (opts.csv) {
		/* The summary would repeat the rows' sums; SIGUSR1 has no row. */
		if (kind != STAT_INTERVAL)
			return;
		printf("%llu,%.3f,%llu,%llu,%.0f,%.3f,%llu,%llu,%.0f,%.3f,%llu,%llu,%llu,%llu,%llu,"
		       "%llu\n",
		       (unsigned long long)n, elapsed, rxp, rxb, stat_pps(rxp, secs),
		       stat_mbps(rxp, rxb, secs), txp, txb, stat_pps(txp, secs),
		       stat_mbps(txp, txb, secs), drop, errs, (unsigned long long)gen_packets,
		       (unsigned long long)s->lost, (unsigned long long)s->reordered,
		       (unsigned long long)s->duplicates);
		fflush(stdout);
		return;
	}
	if (ixl_tool_run.json) {
		printf("{\"tool\": \"ixl-stat\", \"seconds\": %.3f", elapsed);
		if (kind == STAT_INTERVAL)
			printf(", \"interval\": %.3f", secs);
		printf(", \"rx_packets\": %llu, \"rx_bytes\": %llu, \"tx_packets\": %llu, "
		       "\"tx_bytes\": %llu, \"rx_dropped\": %llu, \"rx_errors\": %llu, "
		       "\"rx_pps\": %.1f, \"tx_pps\": %.1f, \"rx_mbps\": %.3f, \"tx_mbps\": %.3f, "
		       "\"gen_packets\": %llu, \"lost\": %llu, \"reordered\": %llu, "
		       "\"duplicates\": %llu",
		       rxp, rxb, txp, txb, drop, errs, stat_pps(rxp, secs), stat_pps(txp, secs),
		       stat_mbps(rxp, rxb, secs), stat_mbps(txp, txb, secs),
		       (unsigned long long)gen_packets, (unsigned long long)s->lost,
		       (unsigned long long)s->reordered, (unsigned long long)s->duplicates);
		if (kind == STAT_SNAPSHOT)
			printf(", \"snapshot\": true");
		if (kind == STAT_SUMMARY)
			printf(", \"summary\": true");
		printf("}\n");
		fflush(stdout);
		return;
	}
	/* Text: what SIGUSR1 asked for is printed even with -q. */
	if (kind != STAT_SNAPSHOT && ixl_tool_verbosity() < 0)
		return;
	if (kind == STAT_INTERVAL)
		fprintf(stderr, "ixl-stat: %6.1f s  rx %10.0f pps %9.1f Mbit/s  tx %10.0f pps %9.1f "
				"Mbit/s  dropped %llu errors %llu",
			elapsed, stat_pps(rxp, secs), stat_mbps(rxp, rxb, secs), stat_pps(txp, secs),
			stat_mbps(txp, txb, secs), drop, errs);
	else
		fprintf(stderr, "ixl-stat: %s (%.2f s): rx %llu packets %llu bytes (%.0f pps %.1f "
				"Mbit/s) | tx %llu packets %llu bytes (%.0f pps %.1f Mbit/s) | "
				"dropped %llu errors %llu",
			kind == STAT_SUMMARY ? "total" : "so far", elapsed, rxp, rxb,
			stat_pps(rxp, secs), stat_mbps(rxp, rxb, secs), txp, txb,
			stat_pps(txp, secs), stat_mbps(txp, txb, secs), drop, errs);
	if (s->started)
		fprintf(stderr, " | gen %llu lost %llu reordered %llu duplicates %llu",
			(unsigned long long)gen_packets, (unsigned long long)s->lost,
			(unsigned long long)s->reordered, (unsigned long long)s->duplicates);
	fputc('\n', stderr);
}

static void counters_sub(struct ixl_tool_counters *d, const struct ixl_tool_counters *a,
			 const struct ixl_tool_counters *b)
{
	d->rx_packets = a->rx_packets - b->rx_packets;
	d->rx_bytes = a->rx_bytes - b->rx_bytes;
	d->tx_packets = a->tx_packets - b->tx_packets;
	d->tx_bytes = a->tx_bytes - b->tx_bytes;
	d->rx_dropped = a->rx_dropped - b->rx_dropped;
	d->rx_errors = a->rx_errors - b->rx_errors;
}

/* The NIC's counters since the start, as the report keys name them. */
static void stat_read(struct ixl_device *dev, struct ixl_device_stats *hw,
		      struct ixl_tool_counters *c)
{
	ixl_device_read_stats(dev, hw);
	c->rx_packets = hw->rx_packets;
	c->rx_bytes = hw->rx_bytes;
	c->tx_packets = hw->tx_packets;
	c->tx_bytes = hw->tx_bytes;
	c->rx_dropped = hw->rx_missed;
	c->rx_errors = hw->rx_errors;
}

/* Receives and discards one batch, following ixl-gen sequence numbers. */
static uint32_t stat_rx(struct ixl_device *dev, struct stat_seq *s)
{
	struct ixl_pkt_buf *bufs[BATCH];
	uint32_t n = ixl_device_rx_batch(dev, 0, bufs, BATCH);

	for (uint32_t i = 0; i < n; i++) {
		uint64_t seq;

		/* The shared parser checks the checksums too: a damaged frame is no
		 * evidence of a sequence number. */
		if (ixl_tool_gen_parse(bufs[i]->data, bufs[i]->len, &seq, NULL))
			stat_seq_add(s, seq);
	}
	ixl_pkt_buf_free_batch(bufs, n);
	return n;
}

int main(int argc, char **argv)
{
	struct ixl_device_config cfg = { 0 };
	struct ixl_tool_counters total = { 0 }, prev = { 0 }, delta;
	struct ixl_device_stats hw = { 0 };
	struct ixl_tool_reporter clock;
	struct stat_seq *seq;
	struct ixl_device *dev;
	uint64_t intervals = 0, gen_prev = 0;
	double next, last;

	ixl_tool_init("ixl-stat");
	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (opts.csv && ixl_tool_run.json)
		errx(EX_USAGE, "--csv and --json exclude each other");

	seq = calloc(1, sizeof(*seq));
	if (!seq)
		err(EX_OSERR, "calloc");
	cfg.flags = opts.flags | ixl_tool_device_flags;
	ixl_tool_signals_install();
	dev = ixl_tool_device_open(opts.address, &cfg);
	if (ixl_device_wait_link(dev, LINK_WAIT_MS) < 0)
		warnx("warning: %s: no link yet; counting anyway", opts.address);
	/* Counting starts now: whatever the NIC saw before is not this run's. */
	ixl_device_read_stats(dev, NULL);

	/* Only its start time and ixl_tool_done's --duration check are used. */
	ixl_tool_reporter_start(&clock, "ixl-stat", opts.interval);
	if (opts.csv)
		stat_csv_header();
	last = clock.start;
	next = last + opts.interval;

	/* -c counts intervals here, so ixl_tool_done gets no packet count. */
	while (!ixl_tool_done(&clock, 0)) {
		double now;

		stat_rx(dev, seq);
		if (ixl_tool_report_now) {
			ixl_tool_report_now = 0;
			stat_read(dev, &hw, &total);
			now = ixl_tool_now();
			stat_print(STAT_SNAPSHOT, intervals, &total, seq->packets, seq,
				   now - clock.start, now - clock.start);
		}
		now = ixl_tool_now();
		if (now < next)
			continue;
		/* The registers are read once per line: each read is a round of
		 * MMIO, slow on emulated NICs. */
		stat_read(dev, &hw, &total);
		counters_sub(&delta, &total, &prev);
		stat_print(STAT_INTERVAL, ++intervals, &delta, seq->packets - gen_prev, seq,
			   now - last, now - clock.start);
		prev = total;
		gen_prev = seq->packets;
		last = now;
		/* Lines stay on the grid start + k * interval even after a late one. */
		while (next <= now)
			next += opts.interval;
		if (ixl_tool_run.count && intervals >= ixl_tool_run.count)
			break;
	}

	/* A run cut short mid-interval still accounts for every frame: the
	 * last, shorter interval gets a line of its own. After -c N intervals
	 * the totals stay those of the last line, so the lines add up to them. */
	if (!(ixl_tool_run.count && intervals >= ixl_tool_run.count)) {
		double now = ixl_tool_now();

		stat_read(dev, &hw, &total);
		counters_sub(&delta, &total, &prev);
		stat_print(STAT_INTERVAL, ++intervals, &delta, seq->packets - gen_prev, seq,
			   now - last, now - clock.start);
	}
	stat_print(STAT_SUMMARY, intervals, &total, seq->packets, seq,
		   ixl_tool_now() - clock.start, ixl_tool_now() - clock.start);
	ixl_device_close(dev);
	free(seq);
	return EX_OK;
}
