/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reporter of cmd/common.c: JSON lines with interval deltas, extra
 * fields as deltas, SIGUSR1 snapshots with totals, the summary with totals
 * and "summary": true; when a report is due; ixl_tool_seconds; and
 * ixl_tool_done's count limit.
 */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "common.h"

static char out[8192];

/* Runs the reporter with stdout in a temporary file and reads it back. */
static void run(void)
{
	struct ixl_tool_counters c = { 0 };
	struct ixl_tool_field extra[1] = { { "lost", 0 } };
	struct ixl_tool_reporter r;
	FILE *tmp = tmpfile();
	int saved = dup(1);
	size_t n;

	fflush(stdout);
	dup2(fileno(tmp), 1);
	ixl_tool_reporter_start(&r, "ixl-test", 0.05);
	/* Due once an interval is over, by the caller's clock reading. */
	CHECK(!ixl_tool_reporter_due(&r, r.start + 0.049));
	CHECK(ixl_tool_reporter_due(&r, r.start + 0.051));
	/* Interval 1: 100 tx frames of 60 bytes, 3 lost. */
	c.tx_packets = 100;
	c.tx_bytes = 6000;
	extra[0].value = 3;
	usleep(60000);
	CHECK(ixl_tool_reporter_tick(&r, &c, extra, 1));
	/* Not due yet: nothing. */
	CHECK(!ixl_tool_reporter_tick(&r, &c, extra, 1));
	/* Interval 2: 50 more and 7 rx, 2 more lost; SIGUSR1 asks for a snapshot. */
	c.tx_packets = 150;
	c.tx_bytes = 9000;
	c.rx_packets = 7;
	c.rx_bytes = 700;
	extra[0].value = 5;
	raise(SIGUSR1);
	CHECK(ixl_tool_report_now);
	/* SIGUSR1 makes a report due at once. */
	CHECK(ixl_tool_reporter_due(&r, r.last));
	usleep(60000);
	CHECK(ixl_tool_reporter_tick(&r, &c, extra, 1));
	CHECK(!ixl_tool_report_now);
	ixl_tool_report_summary(&r, &c, extra, 1);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
}

static const char *line(int i)
{
	static char buf[2048];
	const char *p = out;

	for (; i > 0 && p; i--) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return "";
	strlcpy(buf, p, sizeof(buf));
	if (strchr(buf, '\n'))
		*strchr(buf, '\n') = '\0';
	return buf;
}

#define CHECK_HAS(s, sub)                                                                \
	do {                                                                             \
		if (!strstr((s), (sub))) {                                               \
			fprintf(stderr, "%s:%d: '%s' lacks '%s'\n", __FILE__, __LINE__, (s), \
				(sub));                                                  \
			check_failures++;                                                \
		}                                                                        \
	} while (0)

int main(void)
{
	struct ixl_tool_reporter r;

	ixl_tool_init("test");
	ixl_tool_signals_install();
	ixl_tool_run.json = true;
	run();
	/* interval 1, snapshot, interval 2, summary */
	CHECK_HAS(line(0), "{\"tool\": \"ixl-test\", \"seconds\": ");
	CHECK_HAS(line(0), "\"tx_packets\": 100, \"tx_bytes\": 6000");
	CHECK_HAS(line(0), "\"lost\": 3}");
	CHECK(!strstr(line(0), "summary"));
	CHECK_HAS(line(1), "\"tx_packets\": 150, \"tx_bytes\": 9000");
	CHECK_HAS(line(1), "\"rx_packets\": 7, \"rx_bytes\": 700");
	CHECK_HAS(line(1), "\"lost\": 5, \"snapshot\": true}");
	CHECK_HAS(line(2), "\"rx_packets\": 7, \"rx_bytes\": 700, \"tx_packets\": 50, "
			   "\"tx_bytes\": 3000, \"rx_dropped\": 0, \"rx_errors\": 0");
	CHECK_HAS(line(2), "\"interval\": ");
	CHECK_HAS(line(2), "\"lost\": 2}");
	CHECK_HAS(line(3), "\"tx_packets\": 150, \"tx_bytes\": 9000");
	CHECK_HAS(line(3), "\"lost\": 5, \"summary\": true}");
	CHECK(!strstr(line(3), "\"interval\""));
	CHECK_STR(line(4), "");

	/* -c: done once the count is reached; SIGINT ends it too. */
	ixl_tool_run.count = 10;
	ixl_tool_reporter_start(&r, "ixl-test", 1);
	CHECK(!ixl_tool_done(&r, 9));
	CHECK(ixl_tool_done(&r, 10));
	ixl_tool_run.count = 0;
	CHECK(!ixl_tool_done(&r, 1000000));
	ixl_tool_run.duration = 0.05;
	usleep(60000);
	CHECK(ixl_tool_done(&r, 0));
	ixl_tool_run.duration = 0;
	/* A clock reading the caller already has, in ixl_tool_now's seconds. */
	CHECK(ixl_tool_seconds(&(struct timespec){ .tv_sec = 7, .tv_nsec = 250000000 }) == 7.25);
	raise(SIGINT);
	CHECK(ixl_tool_done(&r, 0));
	if (check_failures)
		fprintf(stderr, "output was:\n%s", out);
	return check_result();
}
