/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmark program: sends fixed-size frames as fast as the NIC takes them,
 * and prints the NIC's own tx counter once per second.
 *
 *   ixl-txbench ADDR SECONDS [FRAME_SIZE [BATCH]]
 *
 * Frames are written once into the buffers of a dedicated pool and reused:
 * a buffer comes back from the driver with its bytes intact, as in ixy's
 * packet generator, so the loop measures the driver, not memcpy.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <ixl/ixl.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct ixl_pkt_buf *bufs[512];
	struct ixl_device_stats total = { 0 };
	struct ixl_device *dev;
	struct ixl_mempool *pool;
	uint32_t size = 60, batch = 32, n;
	double seconds, start, next;
	int ret;

	if (argc < 3)
		errx(EX_USAGE, "usage: ixl-txbench ADDR SECONDS [FRAME_SIZE [BATCH]]");
	seconds = atof(argv[2]);
	if (argc > 3)
		size = (uint32_t)atoi(argv[3]);
	if (argc > 4)
		batch = (uint32_t)atoi(argv[4]);
	if (size < 60 || size > 1514 || batch < 1 || batch > 512 || seconds <= 0)
		errx(EX_USAGE, "bad size, batch or seconds");
	ret = ixl_device_open(argv[1], NULL, &dev);
	if (ret < 0)
		errx(EX_UNAVAILABLE, "%s", ixl_last_error());
	ixl_device_wait_link(dev, 5000);
	pool = ixl_mempool_create(dev, 4096, 0);
	if (!pool)
		errx(EX_OSERR, "%s", ixl_last_error());
	/* Fill every buffer once: broadcast, local experimental ethertype. */
	static struct ixl_pkt_buf *all[4096];
	uint32_t n_all = ixl_pkt_buf_alloc_batch(pool, all, 4096);

	for (uint32_t i = 0; i < n_all; i++) {
		memset(all[i]->data, 0, size);
		memset(all[i]->data, 0xff, 6);
		ixl_device_mac_get(dev, all[i]->data + 6);
		all[i]->data[12] = 0x88;
		all[i]->data[13] = 0xb5;
		all[i]->len = size;
	}
	ixl_pkt_buf_free_batch(all, n_all);
	ixl_device_read_stats(dev, NULL);
	start = now_s();
	next = start + 1;
	for (;;) {
		n = ixl_pkt_buf_alloc_batch(pool, bufs, batch);
		uint32_t sent = ixl_device_tx_batch(dev, 0, bufs, n);

		ixl_pkt_buf_free_batch(bufs + sent, n - sent);
		if (now_s() >= next) {
			struct ixl_device_stats st = { 0 };
			double t = now_s();

			ixl_device_read_stats(dev, &st);
			total.tx_packets += st.tx_packets;
			printf("tx_pps %.0f\n", (double)st.tx_packets / (t - next + 1));
			fflush(stdout);
			next = t + 1;
			if (t - start >= seconds)
				break;
		}
	}
	printf("total %llu packets in %.2f s\n", (unsigned long long)total.tx_packets,
	       now_s() - start);
	ixl_device_close(dev);
	return 0;
}
