/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The strict option parsers of cmd/common.c: exact accept lists with the
 * values they give, and reject lists where each input must end the process
 * with EX_USAGE and a message naming the bad value (checked in a child).
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "check.h"
#include "common.h"

/*
 * Runs body in a child with stderr captured; passes if the child exits
 * EX_USAGE and its message contains the quoted argument.
 */
#define CHECK_REJECT(arg, body)                                                           \
	do {                                                                              \
		char msg_[512] = "", want_[128];                                          \
		int fd_[2], st_ = 0;                                                      \
		ssize_t n_;                                                               \
		pid_t pid_;                                                               \
		if (pipe(fd_) < 0)                                                        \
			abort();                                                          \
		pid_ = fork();                                                            \
		if (pid_ == 0) {                                                          \
			dup2(fd_[1], 2);                                                  \
			body;                                                             \
			_exit(0);                                                         \
		}                                                                         \
		close(fd_[1]);                                                            \
		for (size_t o_ = 0; (n_ = read(fd_[0], msg_ + o_, sizeof(msg_) - 1 - o_)) > 0;) \
			o_ += (size_t)n_;                                                 \
		close(fd_[0]);                                                            \
		waitpid(pid_, &st_, 0);                                                   \
		if (!WIFEXITED(st_) || WEXITSTATUS(st_) != EX_USAGE) {                    \
			fprintf(stderr, "%s:%d: '%s' accepted (status %d), expected exit 64\n", \
				__FILE__, __LINE__, arg, st_);                            \
			check_failures++;                                                 \
		}                                                                         \
		snprintf(want_, sizeof(want_), "invalid value '%s'", arg);               \
		if (!strstr(msg_, want_)) {                                               \
			fprintf(stderr, "%s:%d: message for '%s' is \"%s\"\n", __FILE__,  \
				__LINE__, arg, msg_);                                     \
			check_failures++;                                                 \
		}                                                                         \
	} while (0)

static void test_mac(void)
{
	static const char *bad[] = { "", "52:54:00:12:34", "52:54:00:12:34:5",
				     "52:54:00:12:34:567", "52-54-00-12-34-56",
				     "5:54:00:12:34:56a", "52:54:00:12:34:5g", " 2:54:00:12:34:56",
				     "52:54:00:12:34:56:", "1:2:3:4:5:6" };
	uint8_t mac[6];

	ixl_tool_parse_mac(NULL, "--dst-mac", "52:54:00:12:34:5f", mac);
	CHECK_INT(mac[0], 0x52);
	CHECK_INT(mac[4], 0x34);
	CHECK_INT(mac[5], 0x5f);
	ixl_tool_parse_mac(NULL, "--dst-mac", "FF:ff:Ff:fF:ff:FF", mac);
	for (int i = 0; i < 6; i++)
		CHECK_INT(mac[i], 0xff);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_REJECT(bad[i], ixl_tool_parse_mac(NULL, "--dst-mac", bad[i], mac));
}

static void test_ipv4(void)
{
	static const char *bad[] = { "", "10.0.0", "10.0.0.1.", "10.0.0.256", "010.0.0.1",
				     "10.0.0.01", "10.0.0.1-", "-10.0.0.1", "10.0.0.1-10.0.0",
				     "10.0.0.5-10.0.0.4", "10.0.0.1 ", " 10.0.0.1", "10.0.0.1/24",
				     "10.0.0.1--10.0.0.2", "1.2.3.4-5.6.7.8-9.9.9.9", "a.b.c.d",
				     "10.0.0.1000", "0x0a.0.0.1", "+10.0.0.1" };
	uint32_t lo, hi;

	ixl_tool_parse_ipv4_range(NULL, "--src-ip", "10.0.0.1", &lo, &hi);
	CHECK_INT(lo, 0x0a000001);
	CHECK_INT(hi, 0x0a000001);
	ixl_tool_parse_ipv4_range(NULL, "--src-ip", "0.0.0.0-255.255.255.255", &lo, &hi);
	CHECK_INT(lo, 0);
	CHECK_INT(hi, 0xffffffffu);
	ixl_tool_parse_ipv4_range(NULL, "--src-ip", "10.0.0.1-10.0.1.100", &lo, &hi);
	CHECK_INT(lo, 0x0a000001);
	CHECK_INT(hi, 0x0a000164);
	ixl_tool_parse_ipv4_range(NULL, "--src-ip", "192.168.0.10-192.168.0.10", &lo, &hi);
	CHECK_INT(lo, 0xc0a8000a);
	CHECK_INT(hi, 0xc0a8000a);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_REJECT(bad[i], ixl_tool_parse_ipv4_range(NULL, "--src-ip", bad[i], &lo, &hi));
}

static void test_port(void)
{
	static const char *bad[] = { "", "65536", "-1", "+1", "01", "1-", "-5", "5-4",
				     "1 ", "1-2-3", "99999999999999999999", "1e3", "0x10",
				     "1000-70000", "a" };
	uint16_t lo, hi;

	ixl_tool_parse_port_range(NULL, "--dst-port", "0", &lo, &hi);
	CHECK_INT(lo, 0);
	CHECK_INT(hi, 0);
	ixl_tool_parse_port_range(NULL, "--dst-port", "65535", &lo, &hi);
	CHECK_INT(lo, 65535);
	CHECK_INT(hi, 65535);
	ixl_tool_parse_port_range(NULL, "--dst-port", "1000-2000", &lo, &hi);
	CHECK_INT(lo, 1000);
	CHECK_INT(hi, 2000);
	ixl_tool_parse_port_range(NULL, "--dst-port", "9-9", &lo, &hi);
	CHECK_INT(lo, 9);
	CHECK_INT(hi, 9);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_REJECT(bad[i], ixl_tool_parse_port_range(NULL, "--dst-port", bad[i], &lo, &hi));
}

static void test_seconds(void)
{
	static const char *bad[] = { "", "0", "0.0", "-1", "+1", "1.", ".5", "1e3", "1s",
				     " 1", "inf", "nan", "0x10", "101", "1,5" };

	CHECK(ixl_tool_parse_seconds(NULL, "--duration", "1", 100) == 1.0);
	CHECK(ixl_tool_parse_seconds(NULL, "--duration", "1.5", 100) == 1.5);
	CHECK(ixl_tool_parse_seconds(NULL, "--duration", "0.001", 100) == 0.001);
	CHECK(ixl_tool_parse_seconds(NULL, "--duration", "100", 100) == 100.0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_REJECT(bad[i], ixl_tool_parse_seconds(NULL, "--duration", bad[i], 100));
}

static void check_rate(const char *arg, enum ixl_tool_rate_unit unit, double value)
{
	struct ixl_tool_rate r = { 0 };

	ixl_tool_parse_rate(NULL, "--rate", arg, &r);
	if (r.unit != unit || r.value != value) {
		fprintf(stderr, "rate '%s' gave unit %d value %f, expected %d %f\n", arg, r.unit,
			r.value, unit, value);
		check_failures++;
	}
}

static void test_rate(void)
{
	static const char *bad[] = { "", "10X", "-5", "0", "0.0", "0kpps", "0%", "10 M", " 10",
				     "10M ", "101%", "100.1%", "1e6", "10Mbits", "10Mbits?",
				     "10Mbps?", "10m", "10Mpps/s", "10MM", "10%%", "10k%",
				     "10Gbit/", "10.M", ".5M", "+10", "pps", "M", "inf", "nan",
				     "0x10", "1,000", "10Kbyte", "10MB", "20000000000",
				     "11Gpps", "10001Gbit", "99999999999999999999999999999G",
				     "18446744073709551617" };

	check_rate("10M", IXL_TOOL_RATE_PPS, 10e6);
	check_rate("10", IXL_TOOL_RATE_PPS, 10);
	check_rate("0.5", IXL_TOOL_RATE_PPS, 0.5);
	check_rate("100k", IXL_TOOL_RATE_PPS, 100e3);
	check_rate("100K", IXL_TOOL_RATE_PPS, 100e3);
	check_rate("500kpps", IXL_TOOL_RATE_PPS, 500e3);
	check_rate("1.5Mpps", IXL_TOOL_RATE_PPS, 1.5e6);
	check_rate("2G", IXL_TOOL_RATE_PPS, 2e9);
	check_rate("1000pps", IXL_TOOL_RATE_PPS, 1000);
	check_rate("10000000000", IXL_TOOL_RATE_PPS, 1e10);
	check_rate("500Mbit", IXL_TOOL_RATE_BPS, 500e6);
	check_rate("500Mbps", IXL_TOOL_RATE_BPS, 500e6);
	check_rate("500Mbit/s", IXL_TOOL_RATE_BPS, 500e6);
	check_rate("1Gbps", IXL_TOOL_RATE_BPS, 1e9);
	check_rate("64kbit", IXL_TOOL_RATE_BPS, 64e3);
	check_rate("9600bps", IXL_TOOL_RATE_BPS, 9600);
	check_rate("10000Gbit", IXL_TOOL_RATE_BPS, 1e13);
	check_rate("50%", IXL_TOOL_RATE_PERCENT, 50);
	check_rate("100%", IXL_TOOL_RATE_PERCENT, 100);
	check_rate("0.1%", IXL_TOOL_RATE_PERCENT, 0.1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ixl_tool_rate r;

		CHECK_REJECT(bad[i], ixl_tool_parse_rate(NULL, "--rate", bad[i], &r));
	}
}

static void test_rate_pps(void)
{
	struct ixl_tool_rate r;

	/* 64-byte frames (60 + FCS) at 10G line rate: the classic 14.88 Mpps. */
	r = (struct ixl_tool_rate){ IXL_TOOL_RATE_PERCENT, 100 };
	CHECK_INT((long long)(ixl_tool_rate_pps(&r, 60, 10000) + 0.5), 14880952);
	r = (struct ixl_tool_rate){ IXL_TOOL_RATE_PERCENT, 50 };
	CHECK_INT((long long)(ixl_tool_rate_pps(&r, 1514, 1000) + 0.5), 40637);
	/* Bit rates count frame + FCS only: 1 Gbit/s of 1514-byte frames is 1e9 / (1518 * 8). */
	r = (struct ixl_tool_rate){ IXL_TOOL_RATE_BPS, 1e9 };
	CHECK_INT((long long)(ixl_tool_rate_pps(&r, 1514, 1000) + 0.5), 82345);
	r = (struct ixl_tool_rate){ IXL_TOOL_RATE_PPS, 1234 };
	CHECK(ixl_tool_rate_pps(&r, 1514, 1000) == 1234.0);
}

int main(void)
{
	test_mac();
	test_ipv4();
	test_port();
	test_seconds();
	test_rate();
	test_rate_pps();
	return check_result();
}
