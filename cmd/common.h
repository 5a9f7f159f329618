/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the ixl tools share: version and bug address for argp, the -v/-q
 * options and the routing of libixl's messages through warnx(3), errno to
 * sysexits(3) codes, strict number parsing for option arguments, opening a
 * device, and small output helpers (JSON strings, MAC addresses).
 *
 * A tool calls ixl_tool_init() first, lists ixl_tool_common_argp among its
 * argp children, and from then on library errors reach the user by
 * themselves.
 */
#ifndef IXL_CMD_COMMON_H
#define IXL_CMD_COMMON_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <ixl/ixl.h>

/*
 * Sets argp_program_version to "NAME VERSION", the bug address, and installs
 * the log callback at the default verbosity. name is e.g. "ixl-probe".
 */
void ixl_tool_init(const char *name);

/*
 * The -v/--verbose (repeatable) and -q/--quiet options; put it in a tool's
 * argp children. It applies the verbosity to libixl's log when parsing ends.
 */
extern const struct argp ixl_tool_common_argp;
/*
 * Argp child with how a tool takes its NICs: --force (even with the kernel
 * interface up) and --no-vfio (raw sysfs access). Every tool that opens a
 * NIC lists it and ORs ixl_tool_device_flags (enum ixl_device_flags) into
 * its ixl_device_config.
 */
extern const struct argp ixl_tool_device_argp;
extern unsigned ixl_tool_device_flags;

/* -1 quiet, 0 default, 1 -v, 2 -vv and more. */
int ixl_tool_verbosity(void);

/*
 * Routes libixl messages through warnx(3): with -q only errors, by default
 * warnings too, -v adds info, -vv debug.
 */
void ixl_tool_log_setup(int verbosity);

/*
 * Drops library messages until called again with false, around calls whose
 * failure is an expected answer rather than an error (waiting for a link
 * that may stay down).
 */
void ixl_tool_log_mute(bool mute);

/* Maps a negative errno from libixl to a sysexits(3) code; 0 gives EX_OK. */
int ixl_tool_exit_code(int neg_errno);

/*
 * Strict decimal parsing of an option argument in [min, max]: no blanks,
 * signs only where min < 0, nothing after the digits. On bad input reports
 * "invalid value 'ARG' for OPT: REASON" through argp_error (state != NULL,
 * exit EX_USAGE) or warnx and exit(EX_USAGE) (state == NULL).
 */
long long ixl_tool_parse_int(struct argp_state *state, const char *opt, const char *arg,
			     long long min, long long max);
uint64_t ixl_tool_parse_u64(struct argp_state *state, const char *opt, const char *arg,
			    uint64_t min, uint64_t max);

/*
 * The upper bound tools put on a queue depth option: above every driver's
 * limit, so the driver, which knows its own, names it when the NIC opens.
 */
#define IXL_TOOL_DEPTH_MAX 65536

/*
 * ixl_device_open that does not return on failure: the reason is printed
 * (the library's message, or strerror when the library had none) and the
 * process exits with ixl_tool_exit_code.
 */
struct ixl_device *ixl_tool_device_open(const char *address,
					const struct ixl_device_config *cfg);

/* Writes s as a JSON string literal with quotes; NULL writes null. */
void ixl_tool_json_string(FILE *f, const char *s);

#define IXL_TOOL_MAC_LEN 18
/* "52:54:00:12:34:56"; buf needs IXL_TOOL_MAC_LEN bytes. */
void ixl_tool_mac_format(const uint8_t mac[6], char *buf);


/* ------------------------------------------------------------------------
 * Run control for the traffic tools (ixl-dump, ixl-gen, ixl-fwd, ixl-stat).
 * Implemented in common.c.
 */
#include <signal.h>

/* What -c/--count, --duration and --json set; the traffic tools share them. */
struct ixl_tool_run_opts {
	uint64_t count;   /* -c N: stop after N packets (0: no limit); a tool says what it counts */
	double duration;  /* --duration SECONDS: stop after this long (0: no limit) */
	bool json;        /* --json: JSON lines on stdout instead of text on stderr */
};
extern struct ixl_tool_run_opts ixl_tool_run;
/* Argp child with -c/--count, --duration, --json (strictly parsed). */
extern const struct argp ixl_tool_run_argp;

/*
 * SIGINT/SIGTERM set ixl_tool_stop (the main loop ends, the summary is
 * printed, the device closed); SIGUSR1 sets ixl_tool_report_now (print the
 * counters so far and carry on, as tcpdump does). Installed without
 * SA_RESTART so a blocking write returns EINTR.
 */
extern volatile sig_atomic_t ixl_tool_stop;
extern volatile sig_atomic_t ixl_tool_report_now;
void ixl_tool_signals_install(void);

/* Monotonic seconds. */
double ixl_tool_now(void);
/* ts (a CLOCK_MONOTONIC reading the caller already has) in ixl_tool_now's seconds. */
double ixl_tool_seconds(const struct timespec *ts);

/* Counters a tool reports; each tool fills what applies and leaves the rest 0. */
struct ixl_tool_counters {
	uint64_t rx_packets;
	uint64_t rx_bytes;   /* frame bytes without FCS */
	uint64_t tx_packets;
	uint64_t tx_bytes;   /* frame bytes without FCS */
	uint64_t rx_dropped; /* what the NIC or ixl had to drop */
	uint64_t rx_errors;
};

/* A tool's own extra figures for a report line ("lost", "filtered", ...). */
struct ixl_tool_field {
	const char *key;
	uint64_t value;
};

/*
 * The periodic reporter: once per interval (1 s unless set otherwise) it
 * prints the rates since the previous report, and ixl_tool_report_summary
 * prints the totals at the end. Text goes to stderr (unless -q), JSON lines
 * to stdout with --json: one object per interval with the counter keys
 * rx_packets, rx_bytes, tx_packets, tx_bytes, rx_dropped, rx_errors (the
 * interval's deltas), seconds (elapsed since start), rx_pps, tx_pps,
 * rx_mbps, tx_mbps, plus the extra fields; the final object carries the
 * totals and "summary": true. Bit rates count each frame with its 4-byte
 * FCS, but not preamble and inter-frame gap.
 */
struct ixl_tool_reporter {
	const char *tool;
	double interval;   /* seconds, 0 means 1 */
	double start;
	double last;
	struct ixl_tool_counters prev;
	const struct ixl_tool_field *prev_extra;
	/*
	 * Which directions the text lines show; reporter_start sets both, a tool
	 * that only sends or only receives clears the other. "dropped" and
	 * "errors" go with rx. JSON always carries every key.
	 */
	bool show_rx;
	bool show_tx;
};
void ixl_tool_reporter_start(struct ixl_tool_reporter *r, const char *tool, double interval);
/*
 * Prints an interval report when due (or when SIGUSR1 asked for one).
 * Returns true if it printed. It reads the clock; a loop that has read it
 * already calls it only when ixl_tool_reporter_due says so.
 */
bool ixl_tool_reporter_tick(struct ixl_tool_reporter *r, const struct ixl_tool_counters *total,
			    const struct ixl_tool_field *extra, size_t n_extra);
/* True when tick would print: an interval is over at now (ixl_tool_now's clock) or SIGUSR1 came. */
bool ixl_tool_reporter_due(const struct ixl_tool_reporter *r, double now);
void ixl_tool_report_summary(struct ixl_tool_reporter *r, const struct ixl_tool_counters *total,
			     const struct ixl_tool_field *extra, size_t n_extra);
/*
 * Text goes to stderr and is silenced by -q, except what SIGUSR1 asked for.
 * A SIGUSR1 report carries the totals so far ("so far:" in text, "snapshot":
 * true in JSON) and leaves the interval in progress alone. JSON interval
 * objects also carry "interval": the seconds the deltas cover.
 */

/*
 * True once the loop should end: a signal arrived, --duration passed, or
 * packets reached --count.
 */
bool ixl_tool_done(const struct ixl_tool_reporter *r, uint64_t packets);
/* The same with the time (ixl_tool_now's clock) already read by the caller. */
bool ixl_tool_done_at(const struct ixl_tool_reporter *r, uint64_t packets, double now);

/*
 * The device argument of a tool whose device is optional (ixl-gen): addr if
 * given, else $IXL_DEVICE, else the one supported NIC that no kernel
 * interface is using; otherwise exits EX_USAGE listing the candidates.
 */
const char *ixl_tool_device_pick(const char *addr);

/* Strict parsers; on bad input they report "invalid VALUE for OPT: why" like ixl_tool_parse_int. */
void ixl_tool_parse_mac(struct argp_state *state, const char *opt, const char *arg,
			uint8_t mac[6]);
/* IPv4 address or range "A-B" (host byte order, lo <= hi). */
void ixl_tool_parse_ipv4_range(struct argp_state *state, const char *opt, const char *arg,
			       uint32_t *lo, uint32_t *hi);
/* Port or range "A-B", 0..65535. */
void ixl_tool_parse_port_range(struct argp_state *state, const char *opt, const char *arg,
			       uint16_t *lo, uint16_t *hi);
/* Seconds as a decimal number > 0 ("1.5"); max bounds it. */
double ixl_tool_parse_seconds(struct argp_state *state, const char *opt, const char *arg,
			      double max);

/*
 * Packet or bit rate (--rate). A plain number with an optional SI suffix
 * k, M or G (powers of 1000) is packets per second: "10M" is 10,000,000
 * packets/s. A unit makes it explicit: "500kpps"; "500Mbit", "500Mbps" or
 * "500Mbit/s" count each frame with its 4-byte FCS but without preamble and
 * gap; "50%" is a share of the line rate counting preamble and gap (20 bytes
 * per frame). Decimals are allowed ("1.5Mpps"); signs, blanks, exponents,
 * 0, other units and more than 100% are errors.
 */
enum ixl_tool_rate_unit {
	IXL_TOOL_RATE_PPS,     /* packets per second */
	IXL_TOOL_RATE_BPS,     /* bits per second, frame + FCS */
	IXL_TOOL_RATE_PERCENT, /* percent of line rate, frame + FCS + 20 */
};
struct ixl_tool_rate {
	enum ixl_tool_rate_unit unit;
	double value;          /* > 0 */
};
#define IXL_TOOL_RATE_MAX_PPS 1e10
#define IXL_TOOL_RATE_MAX_BPS 1e13
void ixl_tool_parse_rate(struct argp_state *state, const char *opt, const char *arg,
			 struct ixl_tool_rate *rate);
/*
 * Packets per second that rate means for frames of frame_len bytes (FCS
 * excluded) on a link of link_mbps (used only for percentages).
 */
double ixl_tool_rate_pps(const struct ixl_tool_rate *rate, double frame_len, uint32_t link_mbps);

/* ------------------------------------------------------------------------
 * The frames of ixl-gen, as ixl-stat and others recognise them.
 *
 * Ethernet II (14 bytes, type 0x0800), IPv4 (20 bytes, no options, DF, TTL
 * 64, id 0), UDP (8 bytes), then at frame offset 42 this payload of 18
 * bytes, so that a 60-byte frame (the minimum, FCS excluded) carries it
 * whole. The rest of a larger frame is filler: the byte at frame offset i
 * is i & 0xff. IPv4 and UDP checksums are always valid (never 0 for UDP).
 */
#define IXL_TOOL_GEN_MAGIC "IXLG"
#define IXL_TOOL_GEN_PAYLOAD_OFFSET 42
#define IXL_TOOL_GEN_MIN_FRAME 60
struct ixl_tool_gen_payload {
	char magic[4];    /* "IXLG" */
	uint8_t seq[8];   /* sequence number, big endian, from 0 per run */
	uint8_t ts_ns[6]; /* send time: CLOCK_MONOTONIC ns mod 2^48, big endian */
} __attribute__((packed));
/* Timestamps wrap every 2^48 ns (78 hours): compare them modulo this. */
#define IXL_TOOL_GEN_TS_MASK ((UINT64_C(1) << 48) - 1)

/*
 * True if frame (len bytes, FCS excluded) is an ixl-gen frame: Ethernet
 * type IPv4, untagged or behind one 802.1Q tag (type 0x8100, any TCI; the
 * frame is then 4 bytes longer), a valid IPv4 header checksum, not fragmented, UDP whose length
 * fits and whose checksum is valid, and the magic. Then *seq and *ts_ns
 * (either may be NULL) get the sequence number and the 48-bit send time.
 * Trailing bytes beyond the IP length (padding) are allowed.
 */
bool ixl_tool_gen_parse(const uint8_t *frame, uint32_t len, uint64_t *seq, uint64_t *ts_ns);

/*
 * Internet checksum helpers (RFC 1071) shared by the generator and the
 * parser: sum adds 16-bit big-endian words of data (an odd last byte is the
 * high half of a word) to a 32-bit accumulator; fold gives the final 16-bit
 * ones' complement sum, not yet inverted.
 */
uint32_t ixl_tool_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t ixl_tool_csum_fold(uint64_t sum);

#endif /* IXL_CMD_COMMON_H */
