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

#endif /* IXL_CMD_COMMON_H */
