/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Minimal checks for the unit tests: a failed check prints file:line, the
 * expression and both values, and the test goes on so that one run shows
 * every failure. main() ends with `return check_result();`.
 */
#ifndef IXL_TESTS_CHECK_H
#define IXL_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                  \
			check_failures++;                                                \
		}                                                                        \
	} while (0)

#define CHECK_INT(a, b)                                                                   \
	do {                                                                              \
		long long a_ = (long long)(a), b_ = (long long)(b);                       \
		if (a_ != b_) {                                                           \
			fprintf(stderr, "%s:%d: %s is %lld, expected %s = %lld\n", __FILE__, \
				__LINE__, #a, a_, #b, b_);                                \
			check_failures++;                                                 \
		}                                                                         \
	} while (0)

/* NULL is a value here: CHECK_STR(p, NULL) passes only for NULL. */
#define CHECK_STR(a, b)                                                                  \
	do {                                                                             \
		const char *a_ = (a), *b_ = (b);                                         \
		if (!(a_ == b_ || (a_ && b_ && strcmp(a_, b_) == 0))) {                  \
			fprintf(stderr, "%s:%d: %s is %s%s%s, expected %s%s%s\n", __FILE__, \
				__LINE__, #a, a_ ? "\"" : "", a_ ? a_ : "NULL",          \
				a_ ? "\"" : "", b_ ? "\"" : "", b_ ? b_ : "NULL",        \
				b_ ? "\"" : "");                                         \
			check_failures++;                                                \
		}                                                                        \
	} while (0)

static inline int check_result(void)
{
	if (check_failures)
		fprintf(stderr, "%d check(s) failed\n", check_failures);
	return check_failures ? 1 : 0;
}

#endif /* IXL_TESTS_CHECK_H */
