/* SPDX-License-Identifier: BSD-3-Clause */
/* Logging through a callback: the library reports, the application decides. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static ixl_log_fn *log_fn;
static void *log_arg;
static enum ixl_log_level log_max = IXL_LOG_WARN;
/* Per thread, so that concurrent opens do not mix up their reasons. */
static __thread char last_error[512];

void ixl_log_set(ixl_log_fn *fn, void *arg, enum ixl_log_level max_level)
{
	log_fn = fn;
	log_arg = arg;
	log_max = max_level;
}

const char *ixl_last_error(void)
{
	return last_error;
}

void ixl_log(enum ixl_log_level level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (level == IXL_LOG_ERROR)
		memcpy(last_error, msg, sizeof(last_error));
	if (level > log_max)
		return;
	if (log_fn)
		log_fn(level, msg, log_arg);
	else
		fprintf(stderr, "ixl: %s\n", msg);
}

uint64_t ixl_time_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void ixl_sleep_us(unsigned us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int ixl_reg_wait(const struct ixl_device *dev, uint32_t reg, uint32_t mask,
		 uint32_t expect, unsigned timeout_ms, const char *what)
{
	uint64_t deadline = ixl_time_ns() + (uint64_t)timeout_ms * 1000000u;
	uint32_t v;

	for (;;) {
		v = ixl_reg_read(dev, reg);
		if ((v & mask) == expect)
			return 0;
		if (ixl_time_ns() > deadline)
			break;
		ixl_sleep_us(100);
	}
	ixl_err("%s: timed out after %u ms waiting for %s (register 0x%05x = 0x%08x)",
		dev->address, timeout_ms, what, reg, v);
	return -ETIMEDOUT;
}
