/* SPDX-License-Identifier: BSD-3-Clause */
/* The pieces every ixl tool shares; see common.h. */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "common.h"

const char *argp_program_version;
const char *argp_program_bug_address = "the ixl issue tracker";

static char version_buf[64];
static int verbosity;
static bool log_muted;
/* Errors the callback printed: tells whether a failure was already explained. */
static unsigned errors_printed;

static void log_to_warnx(enum ixl_log_level level, const char *msg, void *arg)
{
	if (log_muted)
		return;
	switch (level) {
	case IXL_LOG_ERROR:
		errors_printed++;
		warnx("%s", msg);
		break;
	case IXL_LOG_WARN:
		warnx("warning: %s", msg);
		break;
	case IXL_LOG_INFO:
		warnx("%s", msg);
		break;
	case IXL_LOG_DEBUG:
		warnx("debug: %s", msg);
		break;
	}
}

void ixl_tool_log_setup(int level)
{
	enum ixl_log_level max;

	verbosity = level;
	if (level < 0)
		max = IXL_LOG_ERROR;
	else if (level == 0)
		max = IXL_LOG_WARN;
	else if (level == 1)
		max = IXL_LOG_INFO;
	else
		max = IXL_LOG_DEBUG;
	ixl_log_set(log_to_warnx, NULL, max);
}

void ixl_tool_log_mute(bool mute)
{
	log_muted = mute;
}

int ixl_tool_verbosity(void)
{
	return verbosity;
}

void ixl_tool_init(const char *name)
{
	snprintf(version_buf, sizeof(version_buf), "%s %s", name, IXL_VERSION);
	argp_program_version = version_buf;
	/* glibc's default already, but the tools promise it: bad usage exits 64. */
	argp_err_exit_status = EX_USAGE;
	ixl_tool_log_setup(0);
}

/* ------------------------------------------------------- -v and -q */

static const struct argp_option common_options[] = {
	{ "verbose", 'v', NULL, 0, "Say more (repeat for debug messages)", -1 },
	{ "quiet", 'q', NULL, 0, "Print only errors", -1 },
	{ 0 },
};

static error_t common_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'v':
		if (verbosity < 0)
			verbosity = 0;
		verbosity++;
		break;
	case 'q':
		verbosity = -1;
		break;
	case ARGP_KEY_END:
		ixl_tool_log_setup(verbosity);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp ixl_tool_common_argp = {
	.options = common_options,
	.parser = common_parse,
};

/* ---------------------------------------------------------- exit codes */

/*
 * errno to sysexits(3), so that scripts can tell "fix your command line"
 * from "try again later" from "this machine cannot do it":
 *   EINVAL, ERANGE            EX_USAGE        bad address, option or config
 *   ENODEV, ENOENT, ENXIO     EX_NOINPUT      no such device to open
 *   EBUSY, EAGAIN             EX_TEMPFAIL     NIC in use (interface up, locked)
 *   EACCES, EPERM             EX_NOPERM       needs root or VFIO permissions
 *   ENOTSUP (= EOPNOTSUPP)    EX_UNAVAILABLE  not a NIC, or no ixl driver
 *   ENOMEM, ENOBUFS, ENOSPC,
 *   EMFILE, ENFILE            EX_OSERR        out of an OS resource
 *   EIO, ETIMEDOUT            EX_IOERR        the NIC did not respond
 *   anything else             EX_SOFTWARE
 */
int ixl_tool_exit_code(int neg_errno)
{
	switch (-neg_errno) {
	case 0:
		return EX_OK;
	case EINVAL:
	case ERANGE:
		return EX_USAGE;
	case ENODEV:
	case ENOENT:
	case ENXIO:
		return EX_NOINPUT;
	case EBUSY:
	case EAGAIN:
		return EX_TEMPFAIL;
	case EACCES:
	case EPERM:
		return EX_NOPERM;
	case ENOTSUP: /* the same value as EOPNOTSUPP on Linux */
		return EX_UNAVAILABLE;
	case ENOMEM:
	case ENOBUFS:
	case ENOSPC:
	case EMFILE:
	case ENFILE:
		return EX_OSERR;
	case EIO:
	case ETIMEDOUT:
		return EX_IOERR;
	default:
		return EX_SOFTWARE;
	}
}

/* ------------------------------------------------------ number parsing */

static void usage_error(struct argp_state *state, const char *opt, const char *arg,
			const char *why)
{
	if (state)
		argp_error(state, "invalid value '%s' for %s: %s", arg, opt, why);
	warnx("invalid value '%s' for %s: %s", arg, opt, why);
	exit(EX_USAGE);
}

long long ixl_tool_parse_int(struct argp_state *state, const char *opt, const char *arg,
			     long long min, long long max)
{
	const char *errstr;
	long long v;

	/* strtonum takes leading blanks and a '+', which an option value should not have. */
	if (!isdigit((unsigned char)arg[0]) && !(arg[0] == '-' && min < 0))
		usage_error(state, opt, arg, "not a number");
	v = strtonum(arg, min, max, &errstr);
	if (errstr) {
		char why[96];

		if (strcmp(errstr, "too small") == 0)
			snprintf(why, sizeof(why), "must be at least %lld", min);
		else if (strcmp(errstr, "too large") == 0)
			snprintf(why, sizeof(why), "must be at most %lld", max);
		else
			snprintf(why, sizeof(why), "not a number");
		usage_error(state, opt, arg, why);
	}
	return v;
}

/*
 * strtonum stops at LLONG_MAX, and strtoull quietly wraps "-1" to
 * UINT64_MAX and accepts blanks and '+', so 64-bit counters (packet counts,
 * byte limits) get a digit-by-digit parser with an exact overflow check.
 */
uint64_t ixl_tool_parse_u64(struct argp_state *state, const char *opt, const char *arg,
			    uint64_t min, uint64_t max)
{
	uint64_t v = 0;
	char why[96];

	if (!arg[0])
		usage_error(state, opt, arg, "not a number");
	for (const char *p = arg; *p; p++) {
		unsigned d;

		if (!isdigit((unsigned char)*p))
			usage_error(state, opt, arg, "not a number");
		d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10) {
			snprintf(why, sizeof(why), "must be at most %llu", (unsigned long long)max);
			usage_error(state, opt, arg, why);
		}
		v = v * 10 + d;
	}
	if (v < min) {
		snprintf(why, sizeof(why), "must be at least %llu", (unsigned long long)min);
		usage_error(state, opt, arg, why);
	}
	if (v > max) {
		snprintf(why, sizeof(why), "must be at most %llu", (unsigned long long)max);
		usage_error(state, opt, arg, why);
	}
	return v;
}

/* ------------------------------------------------------------- devices */

struct ixl_device *ixl_tool_device_open(const char *address,
					const struct ixl_device_config *cfg)
{
	unsigned before = errors_printed;
	struct ixl_device *dev;
	int ret;

	ret = ixl_device_open(address, cfg, &dev);
	if (ret < 0) {
		/* Some failures (out of memory) come without a library message. */
		if (errors_printed == before)
			warnx("cannot open %s: %s", address, strerror(-ret));
		exit(ixl_tool_exit_code(ret));
	}
	return dev;
}

/* -------------------------------------------------------------- output */

void ixl_tool_json_string(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			/* Bytes >= 0x80 pass through: sysfs names are UTF-8 or ASCII. */
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

void ixl_tool_mac_format(const uint8_t mac[6], char *buf)
{
	snprintf(buf, IXL_TOOL_MAC_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
}

/* ------------------------------------------------- device options */

unsigned ixl_tool_device_flags;

enum {
	OPT_FORCE = 0x1100,
	OPT_NO_VFIO,
};

static const struct argp_option device_options[] = {
	{ "force", OPT_FORCE, NULL, 0,
	  "Take the NIC even though its kernel interface is up", -3 },
	{ "no-vfio", OPT_NO_VFIO, NULL, 0,
	  "Use raw sysfs access (root) even when VFIO is available", -3 },
	{ 0 },
};

static error_t device_parse(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	(void)state;
	switch (key) {
	case OPT_FORCE:
		ixl_tool_device_flags |= IXL_DEVICE_FORCE;
		break;
	case OPT_NO_VFIO:
		ixl_tool_device_flags |= IXL_DEVICE_NO_VFIO;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp ixl_tool_device_argp = {
	.options = device_options,
	.parser = device_parse,
};

/* ------------------------------------------------- run control: options */

struct ixl_tool_run_opts ixl_tool_run;

enum {
	OPT_DURATION = 0x1000,
	OPT_JSON,
};

static const struct argp_option run_options[] = {
	{ "count", 'c', "N", 0, "Stop after N packets", -2 },
	{ "duration", OPT_DURATION, "SECONDS", 0, "Stop after SECONDS (decimals allowed)", -2 },
	{ "json", OPT_JSON, NULL, 0,
	  "JSON lines on stdout: one object per second, then a summary object", -2 },
	{ 0 },
};

/* A year: longer runs are a typo, and it keeps the double exact enough. */
#define RUN_MAX_SECONDS (366.0 * 24 * 3600)

static error_t run_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'c':
		ixl_tool_run.count = ixl_tool_parse_u64(state, "--count", arg, 1, UINT64_MAX);
		break;
	case OPT_DURATION:
		ixl_tool_run.duration = ixl_tool_parse_seconds(state, "--duration", arg,
							       RUN_MAX_SECONDS);
		break;
	case OPT_JSON:
		ixl_tool_run.json = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp ixl_tool_run_argp = {
	.options = run_options,
	.parser = run_parse,
};

/* ------------------------------------------------- run control: signals */

volatile sig_atomic_t ixl_tool_stop;
volatile sig_atomic_t ixl_tool_report_now;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		ixl_tool_report_now = 1;
	else
		ixl_tool_stop = 1;
}

void ixl_tool_signals_install(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* No SA_RESTART: a blocking read or write must return EINTR so the loop sees the flag. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
}

double ixl_tool_seconds(const struct timespec *ts)
{
	return (double)ts->tv_sec + (double)ts->tv_nsec / 1e9;
}

double ixl_tool_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ixl_tool_seconds(&ts);
}

bool ixl_tool_done_at(const struct ixl_tool_reporter *r, uint64_t packets, double now)
{
	if (ixl_tool_stop)
		return true;
	if (ixl_tool_run.count && packets >= ixl_tool_run.count)
		return true;
	return ixl_tool_run.duration > 0 && now - r->start >= ixl_tool_run.duration;
}

bool ixl_tool_done(const struct ixl_tool_reporter *r, uint64_t packets)
{
	/* The clock only when it matters: under emulation a read is not free. */
	if (ixl_tool_stop || (ixl_tool_run.count && packets >= ixl_tool_run.count))
		return true;
	return ixl_tool_run.duration > 0 && ixl_tool_done_at(r, packets, ixl_tool_now());
}

/* ------------------------------------------------ run control: reporter */

/* "1,234,567": rates are read at a glance, and thousands separators help. */
static void fmt_thousands(char *buf, size_t size, uint64_t v)
{
	char digits[32];
	size_t n, o = 0;

	n = (size_t)snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	for (size_t i = 0; i < n && o + 2 < size; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

static double mbit(uint64_t packets, uint64_t bytes, double secs)
{
	/* Each frame with its FCS, without preamble and gap (see common.h). */
	return secs > 0 ? (double)(bytes + 4 * packets) * 8 / 1e6 / secs : 0;
}

static double per_sec(uint64_t v, double secs)
{
	return secs > 0 ? (double)v / secs : 0;
}

void ixl_tool_reporter_start(struct ixl_tool_reporter *r, const char *tool, double interval)
{
	memset(r, 0, sizeof(*r));
	r->tool = tool;
	r->interval = interval > 0 ? interval : 1;
	r->start = r->last = ixl_tool_now();
	r->show_rx = r->show_tx = true;
}

static struct ixl_tool_counters counters_sub(const struct ixl_tool_counters *a,
					     const struct ixl_tool_counters *b)
{
	return (struct ixl_tool_counters){
		.rx_packets = a->rx_packets - b->rx_packets,
		.rx_bytes = a->rx_bytes - b->rx_bytes,
		.tx_packets = a->tx_packets - b->tx_packets,
		.tx_bytes = a->tx_bytes - b->tx_bytes,
		.rx_dropped = a->rx_dropped - b->rx_dropped,
		.rx_errors = a->rx_errors - b->rx_errors,
	};
}

/*
 * The reporter keeps its own copy of the extra values for interval deltas;
 * prev_extra points to it (a malloc'd array freed by the summary).
 */
static uint64_t extra_prev(const struct ixl_tool_reporter *r, size_t i)
{
	return r->prev_extra ? r->prev_extra[i].value : 0;
}

static void extra_remember(struct ixl_tool_reporter *r, const struct ixl_tool_field *extra,
			   size_t n_extra)
{
	struct ixl_tool_field *copy = (struct ixl_tool_field *)r->prev_extra;

	if (!n_extra)
		return;
	if (!copy) {
		copy = calloc(n_extra, sizeof(*copy));
		if (!copy)
			return; /* then deltas become totals: better than stopping the run */
		r->prev_extra = copy;
	}
	memcpy(copy, extra, n_extra * sizeof(*copy));
}

enum report_kind { REPORT_INTERVAL, REPORT_SNAPSHOT, REPORT_SUMMARY };

static void report_json(const struct ixl_tool_reporter *r, enum report_kind kind,
			const struct ixl_tool_counters *c, double secs, double elapsed,
			const struct ixl_tool_field *extra, const uint64_t *extra_v, size_t n_extra)
{
	printf("{\"tool\": ");
	ixl_tool_json_string(stdout, r->tool);
	printf(", \"seconds\": %.3f", elapsed);
	if (kind == REPORT_INTERVAL)
		printf(", \"interval\": %.3f", secs);
	printf(", \"rx_packets\": %llu, \"rx_bytes\": %llu, \"tx_packets\": %llu, "
	       "\"tx_bytes\": %llu, \"rx_dropped\": %llu, \"rx_errors\": %llu",
	       (unsigned long long)c->rx_packets, (unsigned long long)c->rx_bytes,
	       (unsigned long long)c->tx_packets, (unsigned long long)c->tx_bytes,
	       (unsigned long long)c->rx_dropped, (unsigned long long)c->rx_errors);
	printf(", \"rx_pps\": %.1f, \"tx_pps\": %.1f, \"rx_mbps\": %.3f, \"tx_mbps\": %.3f",
	       per_sec(c->rx_packets, secs), per_sec(c->tx_packets, secs),
	       mbit(c->rx_packets, c->rx_bytes, secs), mbit(c->tx_packets, c->tx_bytes, secs));
	for (size_t i = 0; i < n_extra; i++) {
		printf(", ");
		ixl_tool_json_string(stdout, extra[i].key);
		printf(": %llu", (unsigned long long)extra_v[i]);
	}
	if (kind == REPORT_SNAPSHOT)
		printf(", \"snapshot\": true");
	if (kind == REPORT_SUMMARY)
		printf(", \"summary\": true");
	printf("}\n");
	/* Someone reads these lines as they come (a pipe is fully buffered otherwise). */
	fflush(stdout);
}

static void report_text(const struct ixl_tool_reporter *r, enum report_kind kind,
			const struct ixl_tool_counters *c, double secs,
			const struct ixl_tool_field *extra, const uint64_t *extra_v, size_t n_extra)
{
	char line[1024], a[32], b[32];
	size_t o = 0;

#define APPEND(...) \
	(o += (size_t)snprintf(line + o, o < sizeof(line) ? sizeof(line) - o : 0, __VA_ARGS__))
	if (kind == REPORT_SNAPSHOT)
		APPEND("so far (%.1f s): ", secs);
	if (kind == REPORT_SUMMARY)
		APPEND("total (%.2f s): ", secs);
	if (r->show_rx) {
		fmt_thousands(a, sizeof(a), c->rx_packets);
		if (kind == REPORT_INTERVAL) {
			fmt_thousands(b, sizeof(b), (uint64_t)(per_sec(c->rx_packets, secs) + 0.5));
			APPEND("rx %s pps %.1f Mbit/s", b, mbit(c->rx_packets, c->rx_bytes, secs));
		} else {
			fmt_thousands(b, sizeof(b), c->rx_bytes);
			APPEND("rx %s packets %s bytes (%.0f pps %.1f Mbit/s)", a, b,
			       per_sec(c->rx_packets, secs), mbit(c->rx_packets, c->rx_bytes, secs));
		}
	}
	if (r->show_tx) {
		if (r->show_rx)
			APPEND(" | ");
		fmt_thousands(a, sizeof(a), c->tx_packets);
		if (kind == REPORT_INTERVAL) {
			fmt_thousands(b, sizeof(b), (uint64_t)(per_sec(c->tx_packets, secs) + 0.5));
			APPEND("tx %s pps %.1f Mbit/s", b, mbit(c->tx_packets, c->tx_bytes, secs));
		} else {
			fmt_thousands(b, sizeof(b), c->tx_bytes);
			APPEND("tx %s packets %s bytes (%.0f pps %.1f Mbit/s)", a, b,
			       per_sec(c->tx_packets, secs), mbit(c->tx_packets, c->tx_bytes, secs));
		}
	}
	if (r->show_rx) {
		fmt_thousands(a, sizeof(a), c->rx_dropped);
		fmt_thousands(b, sizeof(b), c->rx_errors);
		APPEND(" | dropped %s errors %s", a, b);
	}
	for (size_t i = 0; i < n_extra; i++) {
		fmt_thousands(a, sizeof(a), extra_v[i]);
		APPEND("%s%s %s", i ? " " : (o ? " | " : ""), extra[i].key, a);
	}
#undef APPEND
	fprintf(stderr, "%s: %s\n", r->tool, line);
}

static void report(struct ixl_tool_reporter *r, enum report_kind kind,
		   const struct ixl_tool_counters *c, double secs, double elapsed,
		   const struct ixl_tool_field *extra, const uint64_t *extra_v, size_t n_extra)
{
	if (ixl_tool_run.json)
		report_json(r, kind, c, secs, elapsed, extra, extra_v, n_extra);
	else if (kind == REPORT_SNAPSHOT || ixl_tool_verbosity() >= 0)
		report_text(r, kind, c, secs, extra, extra_v, n_extra);
}

#define EXTRA_MAX 16

bool ixl_tool_reporter_due(const struct ixl_tool_reporter *r, double now)
{
	return ixl_tool_report_now || now - r->last >= r->interval;
}

bool ixl_tool_reporter_tick(struct ixl_tool_reporter *r, const struct ixl_tool_counters *total,
			    const struct ixl_tool_field *extra, size_t n_extra)
{
	uint64_t values[EXTRA_MAX];
	double now = ixl_tool_now();
	bool printed = false;

	if (n_extra > EXTRA_MAX)
		n_extra = EXTRA_MAX;
	if (ixl_tool_report_now) {
		ixl_tool_report_now = 0;
		for (size_t i = 0; i < n_extra; i++)
			values[i] = extra[i].value;
		report(r, REPORT_SNAPSHOT, total, now - r->start, now - r->start, extra, values,
		       n_extra);
		printed = true;
	}
	if (now - r->last >= r->interval) {
		struct ixl_tool_counters d = counters_sub(total, &r->prev);

		for (size_t i = 0; i < n_extra; i++)
			values[i] = extra[i].value - extra_prev(r, i);
		report(r, REPORT_INTERVAL, &d, now - r->last, now - r->start, extra, values,
		       n_extra);
		r->prev = *total;
		extra_remember(r, extra, n_extra);
		/*
		 * The next interval starts now rather than at last + interval: a late
		 * tick then covers its real length and the rate stays right.
		 */
		r->last = now;
		printed = true;
	}
	return printed;
}

void ixl_tool_report_summary(struct ixl_tool_reporter *r, const struct ixl_tool_counters *total,
			     const struct ixl_tool_field *extra, size_t n_extra)
{
	uint64_t values[EXTRA_MAX];
	double secs = ixl_tool_now() - r->start;

	if (n_extra > EXTRA_MAX)
		n_extra = EXTRA_MAX;
	for (size_t i = 0; i < n_extra; i++)
		values[i] = extra[i].value;
	report(r, REPORT_SUMMARY, total, secs, secs, extra, values, n_extra);
	free((void *)r->prev_extra);
	r->prev_extra = NULL;
}

/* ------------------------------------------------- run control: devices */

static bool pick_candidate(const struct ixl_pci_info *p)
{
	return p->model && p->model->driver && !(p->interface[0] && p->interface_up);
}

const char *ixl_tool_device_pick(const char *addr)
{
	static char picked[IXL_PCI_ADDR_LEN];
	struct ixl_pci_info *list;
	const char *env;
	int n, free_n = 0, supported = 0, which = -1;

	if (addr)
		return addr;
	env = getenv("IXL_DEVICE");
	if (env && env[0])
		return env;
	n = ixl_pci_list_network(&list);
	if (n < 0) {
		warnx("no device given, and the PCI network devices cannot be listed: %s",
		      strerror(-n));
		exit(ixl_tool_exit_code(n));
	}
	for (int i = 0; i < n; i++) {
		if (!list[i].model || !list[i].model->driver)
			continue;
		supported++;
		if (pick_candidate(&list[i])) {
			free_n++;
			which = i;
		}
	}
	if (free_n == 1) {
		strlcpy(picked, list[which].address, sizeof(picked));
		free(list);
		return picked;
	}
	if (supported == 0)
		warnx("no device given, and this machine has no NIC that ixl supports "
		      "(ixl-probe lists them)");
	else if (free_n == 0)
		warnx("no device given, and every NIC ixl supports has its kernel interface up; "
		      "name one (ADDR or $IXL_DEVICE) and add --force if a tool offers it:");
	else
		warnx("no device given, and %d NICs could be used; name one (ADDR or "
		      "$IXL_DEVICE):", free_n);
	for (int i = 0; i < n; i++) {
		const struct ixl_pci_info *p = &list[i];

		if (!p->model || !p->model->driver)
			continue;
		fprintf(stderr, "  %s  %s  %s%s%s\n", p->address, p->model->driver,
			p->interface[0] ? "interface " : "no kernel interface",
			p->interface, p->interface[0] ? (p->interface_up ? " (up, in use)" : " (down)")
						      : "");
	}
	free(list);
	exit(EX_USAGE);
}

/* ------------------------------------------------- run control: parsers */

void ixl_tool_parse_mac(struct argp_state *state, const char *opt, const char *arg,
			uint8_t mac[6])
{
	/* Exactly six colon-separated pairs: sscanf's %x would take "1:2:3:4:5:6" and blanks. */
	if (strlen(arg) != 17)
		usage_error(state, opt, arg, "expected a MAC address like 52:54:00:12:34:56");
	for (int i = 0; i < 6; i++) {
		const char *p = arg + 3 * i;
		char hex[3] = { p[0], p[1], 0 };

		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
		    (i < 5 && p[2] != ':'))
			usage_error(state, opt, arg,
				    "expected a MAC address like 52:54:00:12:34:56");
		mac[i] = (uint8_t)strtoul(hex, NULL, 16);
	}
}

/*
 * Dotted quad, each part 0..255 in decimal without leading zeros: inet_aton
 * would read "10.1" and "010.0.0.1" (octal), which nobody means on a command
 * line. Returns the end of the address, or NULL.
 */
static const char *ipv4_scan(const char *s, uint32_t *out)
{
	uint32_t v = 0;

	for (int part = 0; part < 4; part++) {
		unsigned n = 0;
		int digits = 0;

		if (part && *s++ != '.')
			return NULL;
		while (isdigit((unsigned char)*s) && digits < 4) {
			n = n * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || n > 255 || (digits > 1 && s[-digits] == '0'))
			return NULL;
		v = v << 8 | n;
	}
	*out = v;
	return s;
}

void ixl_tool_parse_ipv4_range(struct argp_state *state, const char *opt, const char *arg,
			       uint32_t *lo, uint32_t *hi)
{
	const char *end = ipv4_scan(arg, lo);

	if (!end)
		usage_error(state, opt, arg, "expected an IPv4 address like 10.0.0.1 or a range "
					     "like 10.0.0.1-10.0.0.100");
	if (*end == '\0') {
		*hi = *lo;
		return;
	}
	if (*end != '-' || !(end = ipv4_scan(end + 1, hi)) || *end != '\0')
		usage_error(state, opt, arg, "expected an IPv4 address like 10.0.0.1 or a range "
					     "like 10.0.0.1-10.0.0.100");
	if (*hi < *lo)
		usage_error(state, opt, arg, "the range ends before it starts");
}

/* Decimal 0..65535 without sign or leading zeros; returns the end or NULL. */
static const char *port_scan(const char *s, uint16_t *out)
{
	unsigned v = 0;
	int digits = 0;

	while (isdigit((unsigned char)*s) && digits < 6) {
		v = v * 10 + (unsigned)(*s++ - '0');
		digits++;
	}
	if (digits == 0 || v > 65535 || (digits > 1 && s[-digits] == '0'))
		return NULL;
	*out = (uint16_t)v;
	return s;
}

void ixl_tool_parse_port_range(struct argp_state *state, const char *opt, const char *arg,
			       uint16_t *lo, uint16_t *hi)
{
	const char *end = port_scan(arg, lo);

	if (!end)
		usage_error(state, opt, arg, "expected a port 0..65535 or a range like 1000-2000");
	if (*end == '\0') {
		*hi = *lo;
		return;
	}
	if (*end != '-' || !(end = port_scan(end + 1, hi)) || *end != '\0')
		usage_error(state, opt, arg, "expected a port 0..65535 or a range like 1000-2000");
	if (*hi < *lo)
		usage_error(state, opt, arg, "the range ends before it starts");
}

/*
 * "123" or "123.456": digits, at most one point with digits after it. strtod
 * would take blanks, signs, hex, exponents, "inf" and "nan". Returns the end
 * of the number or NULL; *v gets the value (capped at 1e18 so it stays finite).
 */
static const char *decimal_scan(const char *s, double *v)
{
	double x = 0, scale = 1;
	int digits = 0;

	while (isdigit((unsigned char)*s)) {
		if (x < 1e18)
			x = x * 10 + (*s - '0');
		s++;
		digits++;
	}
	if (!digits)
		return NULL;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return NULL;
		while (isdigit((unsigned char)*s)) {
			scale /= 10;
			x += (*s++ - '0') * scale;
		}
	}
	*v = x;
	return s;
}

double ixl_tool_parse_seconds(struct argp_state *state, const char *opt, const char *arg,
			      double max)
{
	const char *end;
	char why[96];
	double v;

	end = decimal_scan(arg, &v);
	if (!end || *end)
		usage_error(state, opt, arg, "expected seconds like 10 or 1.5");
	if (v <= 0)
		usage_error(state, opt, arg, "must be more than 0");
	if (v > max) {
		snprintf(why, sizeof(why), "must be at most %g", max);
		usage_error(state, opt, arg, why);
	}
	return v;
}

void ixl_tool_parse_rate(struct argp_state *state, const char *opt, const char *arg,
			 struct ixl_tool_rate *rate)
{
	static const char grammar[] =
		"expected packets/s like 10M or 500kpps, a bit rate like 500Mbit or 1Gbps, "
		"or a share of line rate like 50%";
	const char *p;
	double v, mult = 1;
	char why[128];

	p = decimal_scan(arg, &v);
	if (!p)
		usage_error(state, opt, arg, grammar);
	if (*p == '%') {
		if (p[1])
			usage_error(state, opt, arg, grammar);
		if (v <= 0)
			usage_error(state, opt, arg, "must be more than 0%");
		if (v > 100)
			usage_error(state, opt, arg, "must be at most 100%");
		rate->unit = IXL_TOOL_RATE_PERCENT;
		rate->value = v;
		return;
	}
	switch (*p) {
	case 'k':
	case 'K':
		mult = 1e3;
		p++;
		break;
	case 'M':
		mult = 1e6;
		p++;
		break;
	case 'G':
		mult = 1e9;
		p++;
		break;
	}
	v *= mult;
	if (*p == '\0' || strcmp(p, "pps") == 0) {
		rate->unit = IXL_TOOL_RATE_PPS;
		if (v > IXL_TOOL_RATE_MAX_PPS) {
			snprintf(why, sizeof(why), "more than %.0f packets/s", IXL_TOOL_RATE_MAX_PPS);
			usage_error(state, opt, arg, why);
		}
	} else if (strcmp(p, "bit") == 0 || strcmp(p, "bps") == 0 || strcmp(p, "bit/s") == 0) {
		rate->unit = IXL_TOOL_RATE_BPS;
		if (v > IXL_TOOL_RATE_MAX_BPS) {
			snprintf(why, sizeof(why), "more than %.0f bit/s", IXL_TOOL_RATE_MAX_BPS);
			usage_error(state, opt, arg, why);
		}
	} else {
		usage_error(state, opt, arg, grammar);
	}
	if (v <= 0)
		usage_error(state, opt, arg, "must be more than 0");
	rate->value = v;
}

double ixl_tool_rate_pps(const struct ixl_tool_rate *rate, double frame_len, uint32_t link_mbps)
{
	switch (rate->unit) {
	case IXL_TOOL_RATE_PPS:
		return rate->value;
	case IXL_TOOL_RATE_BPS:
		return rate->value / ((frame_len + 4) * 8);
	case IXL_TOOL_RATE_PERCENT:
		return rate->value / 100 * link_mbps * 1e6 / ((frame_len + 4 + 20) * 8);
	}
	return 0;
}

/* ------------------------------------------------------ ixl-gen frames */

uint32_t ixl_tool_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t s = sum;

	for (; len >= 2; p += 2, len -= 2)
		s += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		s += (uint32_t)p[0] << 8;
	/* Keep it in 32 bits for the caller's accumulator; folding preserves the sum. */
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t ixl_tool_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint64_t be_read(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

bool ixl_tool_gen_parse(const uint8_t *frame, uint32_t len, uint64_t *seq, uint64_t *ts_ns)
{
	const uint8_t *ip, *udp;
	const struct ixl_tool_gen_payload *pl;
	uint32_t l2 = 14, ihl, ip_len, udp_len, sum;

	if (len < IXL_TOOL_GEN_MIN_FRAME)
		return false;
	/* ixl-gen sends untagged, but a switch port or a tap may add a tag on the way. */
	if (frame[12] == 0x81 && frame[13] == 0x00)
		l2 = 18;
	/* Ethernet + IPv4 + UDP + payload: 60 bytes untagged, 64 with a tag. */
	if (len < l2 + 20 + 8 + sizeof(*pl) || frame[l2 - 2] != 0x08 || frame[l2 - 1] != 0x00)
		return false;
	ip = frame + l2;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	ip_len = (uint32_t)be_read(ip + 2, 2);
	if ((ip[0] >> 4) != 4 || ihl < 20 || ip_len < ihl + 8 || l2 + ip_len > len ||
	    ip[9] != 17)
		return false;
	/* A fragment's UDP checksum cannot be checked here, and ixl-gen never fragments. */
	if ((be_read(ip + 6, 2) & 0x3fff) != 0)
		return false;
	if (ixl_tool_csum_fold(ixl_tool_csum_add(0, ip, ihl)) != 0xffff)
		return false;
	udp = ip + ihl;
	udp_len = (uint32_t)be_read(udp + 4, 2);
	if (udp_len != ip_len - ihl || udp_len < 8 + sizeof(*pl) || be_read(udp + 6, 2) == 0)
		return false;
	/* Pseudo-header: addresses, zero, protocol, UDP length. */
	sum = ixl_tool_csum_add(0, ip + 12, 8);
	sum = ixl_tool_csum_add(sum, (const uint8_t[]){ 0, 17, (uint8_t)(udp_len >> 8),
							(uint8_t)udp_len }, 4);
	sum = ixl_tool_csum_add(sum, udp, udp_len);
	if (ixl_tool_csum_fold(sum) != 0xffff)
		return false;
	pl = (const struct ixl_tool_gen_payload *)(udp + 8);
	if (memcmp(pl->magic, IXL_TOOL_GEN_MAGIC, 4) != 0)
		return false;
	if (seq)
		*seq = be_read(pl->seq, 8);
	if (ts_ns)
		*ts_ns = be_read(pl->ts_ns, 6);
	return true;
}
