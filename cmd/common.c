/* SPDX-License-Identifier: BSD-3-Clause */
/* The pieces every ixl tool shares; see common.h. */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

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
