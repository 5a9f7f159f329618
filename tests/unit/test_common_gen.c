/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ixl_tool_gen_parse and the checksum helpers against frames built by an
 * independent Python script and confirmed by tshark (ip/udp checksum status
 * "Good"), then with every kind of damage the parser must refuse.
 */
#include <stdlib.h>

#include "check.h"
#include "common.h"

/* 60 bytes: seq 0x0102030405060708, ts 0x0a0b0c0d0e0f. */
static const char frame60_hex[] =
	"02000000000252540012341008004500002e00004000401126bd0a0000010a00000204000009001a"
	"1dd449584c4701020304050607080a0b0c0d0e0f";
/* 71 bytes (odd UDP length): seq 7, ts 123456789, filler i & 0xff. */
static const char frame71_hex[] =
	"02000000000252540012341008004500003900004000401126b20a0000010a000002040000090025"
	"f63a49584c4700000000000000070000075bcd153c3d3e3f40414243444546";

static uint32_t unhex(const char *hex, uint8_t *out)
{
	uint32_t n = 0;

	for (; hex[0] && hex[1]; hex += 2) {
		char b[3] = { hex[0], hex[1], 0 };

		out[n++] = (uint8_t)strtoul(b, NULL, 16);
	}
	return n;
}

static void test_valid(void)
{
	uint8_t f[128];
	uint64_t seq = 0, ts = 0;
	uint32_t len = unhex(frame60_hex, f);

	CHECK_INT(len, 60);
	CHECK(ixl_tool_gen_parse(f, len, &seq, &ts));
	CHECK_INT(seq, 0x0102030405060708);
	CHECK_INT(ts, 0x0a0b0c0d0e0f);
	len = unhex(frame71_hex, f);
	CHECK_INT(len, 71);
	CHECK(ixl_tool_gen_parse(f, len, &seq, &ts));
	CHECK_INT(seq, 7);
	CHECK_INT(ts, 123456789);
	CHECK(ixl_tool_gen_parse(f, len, NULL, NULL));
	/* Trailing padding after the IP datagram (a NIC's minimum frame) is fine. */
	f[71] = 0;
	CHECK(ixl_tool_gen_parse(f, 72, &seq, NULL));
}

static void test_damage(void)
{
	uint8_t f[128], g[128];
	uint32_t len = unhex(frame71_hex, f);

	/* Every single bit flipped in headers or payload must be caught (ignoring the MACs). */
	for (uint32_t i = 12; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(g, f, len);
			g[i] ^= (uint8_t)(1 << bit);
			if (ixl_tool_gen_parse(g, len, NULL, NULL)) {
				fprintf(stderr, "flip of byte %u bit %d accepted\n", i, bit);
				check_failures++;
			}
		}
	}
	/* Truncated: the IP length runs past the frame. */
	CHECK(!ixl_tool_gen_parse(f, len - 1, NULL, NULL));
	CHECK(!ixl_tool_gen_parse(f, 59, NULL, NULL));
	/* UDP checksum 0 ("not computed") is not an ixl-gen frame. */
	memcpy(g, f, len);
	g[40] = g[41] = 0;
	CHECK(!ixl_tool_gen_parse(g, len, NULL, NULL));
}

/* frame with an 802.1Q tag (TPID 0x8100, TCI tci) after the MACs. */
static uint32_t vlan_tag(const uint8_t *frame, uint32_t len, uint16_t tci, uint8_t *out)
{
	memcpy(out, frame, 12);
	out[12] = 0x81;
	out[13] = 0x00;
	out[14] = (uint8_t)(tci >> 8);
	out[15] = (uint8_t)tci;
	memcpy(out + 16, frame + 12, len - 12);
	return len + 4;
}

static void test_vlan(void)
{
	uint8_t f[128], t[132], g[132];
	uint64_t seq = 0, ts = 0;
	uint32_t len = unhex(frame60_hex, f), tlen = vlan_tag(f, len, 0x0064, t);

	/* ixl-gen's smallest frame, tagged on the way: 64 bytes, same numbers. */
	CHECK_INT(tlen, 64);
	CHECK(ixl_tool_gen_parse(t, tlen, &seq, &ts));
	CHECK_INT(seq, 0x0102030405060708);
	CHECK_INT(ts, 0x0a0b0c0d0e0f);
	/* Cut by the 4 bytes the tag added: the payload is incomplete. */
	CHECK(!ixl_tool_gen_parse(t, 60, NULL, NULL));
	CHECK(!ixl_tool_gen_parse(t, 63, NULL, NULL));
	/* Two tags (QinQ) are not followed. */
	memcpy(g, t, 12);
	g[12] = 0x81, g[13] = 0x00, g[14] = 0x00, g[15] = 0x05;
	memcpy(g + 16, t + 12, tlen - 12);
	CHECK(!ixl_tool_gen_parse(g, tlen + 4, NULL, NULL));
	/* Any priority, DEI and VLAN ID; every other bit flipped is caught. */
	len = unhex(frame71_hex, f);
	tlen = vlan_tag(f, len, 0xefff, t);
	CHECK(ixl_tool_gen_parse(t, tlen, &seq, NULL));
	CHECK_INT(seq, 7);
	for (uint32_t i = 12; i < tlen; i++) {
		if (i == 14 || i == 15)
			continue;
		for (int bit = 0; bit < 8; bit++) {
			memcpy(g, t, tlen);
			g[i] ^= (uint8_t)(1 << bit);
			if (ixl_tool_gen_parse(g, tlen, NULL, NULL)) {
				fprintf(stderr, "tagged: flip of byte %u bit %d accepted\n", i, bit);
				check_failures++;
			}
		}
	}
	/* The untagged frame is unchanged by all this: the tag is optional. */
	CHECK(ixl_tool_gen_parse(f, len, &seq, NULL));
}

static void test_csum(void)
{
	/* RFC 1071's example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2. */
	static const uint8_t rfc[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	CHECK_INT(ixl_tool_csum_fold(ixl_tool_csum_add(0, rfc, sizeof(rfc))), 0xddf2);
	/* Split at an even offset, the sum is the same. */
	CHECK_INT(ixl_tool_csum_fold(ixl_tool_csum_add(ixl_tool_csum_add(0, rfc, 4), rfc + 4, 4)),
		  0xddf2);
	/* An odd last byte is the high half of a word. */
	CHECK_INT(ixl_tool_csum_fold(ixl_tool_csum_add(0, (const uint8_t[]){ 0x12 }, 1)), 0x1200);
	CHECK_INT(ixl_tool_csum_fold(0x1fffeull), 0xffff);
}

int main(void)
{
	test_valid();
	test_damage();
	test_vlan();
	test_csum();
	return check_result();
}
