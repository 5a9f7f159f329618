/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test program for the bench: sends and receives numbered, deterministic
 * frames with libixl and checks every byte, so that a test can compare what
 * one NIC sent with what another received, with QEMU's own capture of the
 * wire, or with what the Linux kernel counted.
 *
 *   ixl-txrx send ADDR N [--dst-mac MAC] [--pcap FILE]
 *   ixl-txrx recv ADDR N [--timeout S] [--pktgen]
 *   ixl-txrx loop TX_ADDR RX_ADDR N [--pcap FILE]
 * Common options: --no-vfio (raw sysfs access), --default-signals (install no
 * SIGINT/SIGTERM handler, so that libixl's own one gives the NIC back),
 * --max-size N (frames up to N bytes, rx set up for them), --no-promisc,
 * --expect-rx K (K frames must arrive instead of N), --rx-mac MAC (set the
 * receiver's station address), --link-cycle (link down and up before
 * sending), --irq-timeout MS (passed to the config), --extend-rx N (add N
 * entries to the receiver's rx pool first).
 *
 * Frame i: a size from 60 to 1514 bytes picked by a PRNG seeded with i,
 * ethertype 0x88b5 (IEEE local experimental), then "IXLT", i as 64-bit big
 * endian, and PRNG bytes. --pktgen instead accepts the kernel's pktgen frames
 * (UDP, magic 0xbe9be955, sequence numbers from 1) and checks each once.
 * Exit 0 only if exactly N frames arrived, all intact, and every mempool is
 * back to the free count it started with.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <err.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <ixl/ixl.h>

#define BATCH 32
#define MIN_FRAME 60
#define MAX_JUMBO 16128

static uint8_t dst_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const char *pcap_path;
static unsigned timeout_s = 60;
static bool pktgen;
static uint32_t max_frame = 1514;
static bool no_promisc;
static int64_t expect_rx = -1;
static bool rx_mac_set;
static uint8_t rx_mac[6];
static bool link_cycle;
static int irq_timeout_ms;
static uint32_t extend_rx;
static bool default_signals;
static unsigned open_flags;

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t frame_len(uint64_t seq)
{
	uint64_t s = seq * 7919 + 1;

	/* Every 16th frame at each extreme, so both limits are always exercised. */
	if (seq % 16 == 0)
		return MIN_FRAME;
	if (seq % 16 == 1)
		return max_frame;
	return MIN_FRAME + (uint32_t)(splitmix(&s) % (max_frame - MIN_FRAME + 1));
}

static void frame_build(uint8_t *p, uint64_t seq, const uint8_t src[6])
{
	uint32_t len = frame_len(seq);
	uint64_t s = seq, be = htobe64(seq);

	memcpy(p, dst_mac, 6);
	memcpy(p + 6, src, 6);
	p[12] = 0x88;
	p[13] = 0xb5;
	memcpy(p + 14, "IXLT", 4);
	memcpy(p + 18, &be, 8);
	for (uint32_t i = 26; i < len; i++) {
		if ((i - 26) % 8 == 0)
			s = splitmix(&s);
		p[i] = (uint8_t)(s >> (8 * ((i - 26) % 8)));
	}
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &end) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static struct ixl_device *open_dev(const char *addr)
{
	struct ixl_device_config cfg = {
		.flags = open_flags | (no_promisc ? IXL_DEVICE_NO_PROMISC : 0),
		.max_frame_size = max_frame,
		.irq_timeout_ms = irq_timeout_ms,
	};
	struct ixl_device *dev;
	int ret;

	ret = ixl_device_open(addr, &cfg, &dev);
	if (ret < 0)
		errx(EX_UNAVAILABLE, "cannot open %s: %s", addr, ixl_last_error());
	if (ixl_device_wait_link(dev, 5000) < 0)
		errx(EX_IOERR, "%s: no link", addr);
	return dev;
}

/* Link down, then up again: each state must show in link_up and the speed. */
static int tx_link_cycle(struct ixl_device *dev)
{
	uint32_t speed;

	if (ixl_device_set_link(dev, false) < 0)
		return -1;
	usleep(200 * 1000);
	speed = ixl_device_link_speed(dev);
	printf("link down: link_up=%d speed=%u\n", ixl_device_link_up(dev), speed);
	if (ixl_device_link_up(dev) || speed != 0)
		return -1;
	if (ixl_device_set_link(dev, true) < 0 || ixl_device_wait_link(dev, 5000) < 0)
		return -1;
	speed = ixl_device_link_speed(dev);
	printf("link up: link_up=%d speed=%u\n", ixl_device_link_up(dev), speed);
	return speed == 1000 ? 0 : -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sends frames first..first+n-1 from pool; returns how many went out. */
static uint64_t send_some(struct ixl_device *dev, struct ixl_mempool *pool, uint64_t seq,
			  uint64_t end, pcap_dumper_t *dump)
{
	struct ixl_pkt_buf *bufs[BATCH];
	uint8_t src[6];
	uint32_t n, sent;

	ixl_device_mac_get(dev, src);
	n = (uint32_t)(end - seq < BATCH ? end - seq : BATCH);
	n = ixl_pkt_buf_alloc_batch(pool, bufs, n);
	for (uint32_t i = 0; i < n; i++) {
		frame_build(bufs[i]->data, seq + i, src);
		bufs[i]->len = frame_len(seq + i);
	}
	sent = ixl_device_tx_batch(dev, 0, bufs, n);
	for (uint32_t i = 0; i < sent && dump; i++) {
		struct pcap_pkthdr h = { .caplen = bufs[i]->len, .len = bufs[i]->len };

		pcap_dump((u_char *)dump, &h, bufs[i]->data);
	}
	ixl_pkt_buf_free_batch(bufs + sent, n - sent);
	return sent;
}

struct rx_check {
	uint64_t expect;   /* next sequence number in order */
	uint64_t got;
	uint64_t bad;
	uint8_t *seen;     /* pktgen: each sequence number once */
	uint64_t count;
	uint8_t src[6];
	bool check_src;
};

static void check_frame(struct rx_check *c, const struct ixl_pkt_buf *b)
{
	static uint8_t want[MAX_JUMBO];

	c->got++;
	if (pktgen) {
		/* pktgen: IPv4/UDP, payload starts with magic, seq, tv_sec, tv_usec. */
		const uint8_t *p = b->data + 14 + 20 + 8;
		uint32_t magic, seq;

		if (b->len < 14 + 20 + 8 + 8) {
			c->bad++;
			return;
		}
		memcpy(&magic, p, 4);
		memcpy(&seq, p + 4, 4);
		seq = be32toh(seq);
		/* pktgen numbers its frames from 1. */
		if (be32toh(magic) != 0xbe9be955 || seq == 0 || seq > c->count || c->seen[seq]++) {
			if (c->bad++ < 5)
				warnx("unexpected pktgen frame: magic %08x seq %u", be32toh(magic), seq);
		}
		return;
	}
	frame_build(want, c->expect, c->src);
	/* The source MAC is known only when this process sent the frames. */
	if (!c->check_src)
		memcpy(want + 6, b->data + 6, 6);
	if (b->len != frame_len(c->expect) || memcmp(b->data, want, b->len) != 0) {
		if (c->bad++ < 5) {
			uint64_t seq = 0;

			if (b->len >= 26)
				memcpy(&seq, b->data + 18, 8);
			warnx("frame %llu: got %u bytes (seq field %llu), expected %u bytes",
			      (unsigned long long)c->expect, b->len,
			      (unsigned long long)be64toh(seq), frame_len(c->expect));
		}
	}
	c->expect++;
}

static uint32_t receive_some(struct ixl_device *dev, struct rx_check *c)
{
	struct ixl_pkt_buf *bufs[BATCH];
	uint32_t n = ixl_device_rx_batch(dev, 0, bufs, BATCH);

	for (uint32_t i = 0; i < n; i++)
		check_frame(c, bufs[i]);
	ixl_pkt_buf_free_batch(bufs, n);
	return n;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: ixl-txrx send ADDR N [--dst-mac MAC] [--pcap FILE]\n"
			"       ixl-txrx recv ADDR N [--timeout S] [--pktgen]\n"
			"       ixl-txrx loop TX_ADDR RX_ADDR N [--pcap FILE]\n");
	exit(EX_USAGE);
}

/* The receiver's pool: back to its free count at start, once the ring is topped up. */
static bool rx_pool_back(struct ixl_device *dev, uint32_t rx_free_before)
{
	uint32_t rx_free = ixl_mempool_free_count(ixl_device_rx_pool(dev, 0));

	if (rx_free == rx_free_before)
		return true;
	warnx("%s: rx pool has %u free buffers, %u at start", ixl_device_address(dev), rx_free,
	      rx_free_before);
	return false;
}

/* The sender's pool: every buffer back after the drain. */
static bool tx_pool_back(struct ixl_device *dev, struct ixl_mempool *tx)
{
	if (ixl_mempool_free_count(tx) == ixl_mempool_size(tx))
		return true;
	warnx("%s: tx pool has %u of %u buffers free", ixl_device_address(dev),
	      ixl_mempool_free_count(tx), ixl_mempool_size(tx));
	return false;
}

/* Lets the NIC finish and reclaims sent buffers by sending empty batches. */
static void tx_drain(struct ixl_device *dev, struct ixl_mempool *pool)
{
	double deadline = now_s() + 2;

	while (ixl_mempool_free_count(pool) != ixl_mempool_size(pool) && now_s() < deadline)
		ixl_device_tx_batch(dev, 0, NULL, 0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dst-mac", required_argument, NULL, 'd' },
		{ "pcap", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ "pktgen", no_argument, NULL, 'g' },
		{ "no-vfio", no_argument, NULL, 'r' },
		{ "default-signals", no_argument, NULL, 's' },
		{ "max-size", required_argument, NULL, 'm' },
		{ "no-promisc", no_argument, NULL, 'P' },
		{ "expect-rx", required_argument, NULL, 'e' },
		{ "rx-mac", required_argument, NULL, 'M' },
		{ "link-cycle", no_argument, NULL, 'l' },
		{ "irq-timeout", required_argument, NULL, 'i' },
		{ "extend-rx", required_argument, NULL, 'x' },
		{ 0 },
	};
	struct ixl_device *tx = NULL, *rx = NULL;
	struct ixl_mempool *pool = NULL;
	struct rx_check check = { 0 };
	pcap_dumper_t *dump = NULL;
	pcap_t *pc = NULL;
	uint32_t rx_free_before = 0;
	uint64_t count, sent = 0, expected;
	const char *mode;
	double start, deadline;
	int c, ok;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_mac(optarg, dst_mac) < 0)
				errx(EX_USAGE, "bad MAC '%s'", optarg);
			break;
		case 'w':
			pcap_path = optarg;
			break;
		case 't':
			timeout_s = (unsigned)atoi(optarg);
			break;
		case 'g':
			pktgen = true;
			break;
		case 'r':
			open_flags |= IXL_DEVICE_NO_VFIO;
			break;
		case 's':
			default_signals = true;
			break;
		case 'm':
			max_frame = (uint32_t)atoi(optarg);
			if (max_frame < MIN_FRAME || max_frame > MAX_JUMBO)
				errx(EX_USAGE, "bad --max-size '%s'", optarg);
			break;
		case 'P':
			no_promisc = true;
			break;
		case 'e':
			expect_rx = atoll(optarg);
			break;
		case 'M':
			if (parse_mac(optarg, rx_mac) < 0)
				errx(EX_USAGE, "bad MAC '%s'", optarg);
			rx_mac_set = true;
			break;
		case 'l':
			link_cycle = true;
			break;
		case 'i':
			irq_timeout_ms = atoi(optarg);
			break;
		case 'x':
			extend_rx = (uint32_t)atoi(optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 3)
		usage();
	mode = argv[0];
	count = strtoull(argv[argc - 1], NULL, 10);
	/* --default-signals leaves SIGINT/SIGTERM to libixl's own handler. */
	if (!default_signals) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
	}

	if (strcmp(mode, "send") == 0 || strcmp(mode, "loop") == 0)
		tx = open_dev(argv[1]);
	if (strcmp(mode, "recv") == 0)
		rx = open_dev(argv[1]);
	else if (strcmp(mode, "loop") == 0 && argc == 4)
		rx = open_dev(argv[2]);
	else if (strcmp(mode, "send") != 0)
		usage();
	if (tx) {
		pool = ixl_mempool_create(tx, 2 * ixl_device_tx_queue_depth(tx),
					  max_frame + IXL_PKT_BUF_HEADER);
		if (!pool)
			errx(EX_OSERR, "tx mempool: %s", ixl_last_error());
	}
	if (link_cycle && tx_link_cycle(tx ? tx : rx) < 0)
		errx(EX_SOFTWARE, "link cycle failed");
	if (rx && rx_mac_set && ixl_device_mac_set(rx, rx_mac) < 0)
		errx(EX_SOFTWARE, "cannot set the MAC: %s", ixl_last_error());
	if (rx && extend_rx) {
		struct ixl_mempool *rp = ixl_device_rx_pool(rx, 0);
		uint32_t size = ixl_mempool_size(rp), nfree = ixl_mempool_free_count(rp);

		if (ixl_device_rx_pool_extend(rx, 0, extend_rx) < 0)
			errx(EX_SOFTWARE, "cannot extend the rx pool: %s", ixl_last_error());
		printf("rx pool extended: size %u -> %u, free %u -> %u\n", size,
		       ixl_mempool_size(rp), nfree, ixl_mempool_free_count(rp));
	}
	if (rx) {
		rx_free_before = ixl_mempool_free_count(ixl_device_rx_pool(rx, 0));
		if (tx)
			ixl_device_mac_get(tx, check.src);
		check.check_src = tx != NULL;
		check.count = count;
		check.seen = calloc(count + 1, 1);
		ixl_device_read_stats(rx, NULL);
	}
	if (pcap_path) {
		pc = pcap_open_dead(DLT_EN10MB, 65535);
		dump = pcap_dump_open(pc, pcap_path);
		if (!dump)
			errx(EX_CANTCREAT, "%s: %s", pcap_path, pcap_geterr(pc));
	}

	/*
	 * QEMU's e1000 model holds back received frames for about a second
	 * after RCTL is written (its flush-queue timer); frames sent meanwhile
	 * pile up at the hub, which drops past its queue limit. Real NICs do
	 * not do this, but waiting costs the bench little.
	 */
	if (rx)
		usleep(1500 * 1000);
	/* Tests wait for this line to know the NICs are held. */
	printf("ready\n");
	fflush(stdout);
	expected = expect_rx >= 0 ? (uint64_t)expect_rx : count;
	start = now_s();
	deadline = start + timeout_s;
	while (!stop && now_s() < deadline) {
		if (tx && sent < count)
			sent += send_some(tx, pool, sent, count, dump);
		if (rx && receive_some(rx, &check) == 0 && tx && sent == count)
			ixl_device_tx_batch(tx, 0, NULL, 0); /* reclaim while waiting */
		if ((!tx || sent == count) && (!rx || check.got >= expected))
			break;
	}
	if (tx)
		tx_drain(tx, pool);
	if (rx) {
		/* Anything beyond N is an error too: wait briefly for stragglers. */
		double t = now_s() + 0.3;

		while (now_s() < t)
			receive_some(rx, &check);
	}
	printf("mode=%s sent=%llu received=%llu bad=%llu seconds=%.2f\n", mode,
	       (unsigned long long)sent, (unsigned long long)check.got,
	       (unsigned long long)check.bad, now_s() - start);

	ok = 1;
	if (tx && sent != count) {
		warnx("sent %llu of %llu frames", (unsigned long long)sent, (unsigned long long)count);
		ok = 0;
	}
	if (rx) {
		struct ixl_device_stats st = { 0 };

		ixl_device_read_stats(rx, &st);
		printf("rx stats: packets=%llu bytes=%llu missed=%llu errors=%llu\n",
		       (unsigned long long)st.rx_packets, (unsigned long long)st.rx_bytes,
		       (unsigned long long)st.rx_missed, (unsigned long long)st.rx_errors);
		if (check.got != expected || check.bad) {
			warnx("received %llu frames (%llu bad), expected %llu intact",
			      (unsigned long long)check.got, (unsigned long long)check.bad,
			      (unsigned long long)expected);
			ok = 0;
		}
		if (!rx_pool_back(rx, rx_free_before))
			ok = 0;
	}
	if (tx) {
		struct ixl_device_stats st = { 0 };

		ixl_device_read_stats(tx, &st);
		printf("tx stats: packets=%llu bytes=%llu\n", (unsigned long long)st.tx_packets,
		       (unsigned long long)st.tx_bytes);
		if (!tx_pool_back(tx, pool))
			ok = 0;
	}
	if (dump)
		pcap_dump_close(dump);
	if (pc)
		pcap_close(pc);
	if (pool)
		ixl_mempool_destroy(pool);
	ixl_device_close(rx);
	ixl_device_close(tx);
	free(check.seen);
	return ok ? 0 : 1;
}
