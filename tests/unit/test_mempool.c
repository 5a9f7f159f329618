/* SPDX-License-Identifier: BSD-3-Clause */
/* Mempool behaviour on plain memory (the dma_fake seam): no NIC needed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int failures;

#define EXPECT_EQ(a, b)                                                                       \
	do {                                                                                  \
		long long a_ = (long long)(a), b_ = (long long)(b);                           \
		if (a_ != b_) {                                                               \
			fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, \
				__LINE__, #a, a_, #b, b_);                                    \
			failures++;                                                           \
		}                                                                             \
	} while (0)

static struct ixl_device fake = { .address = "0000:00:00.0", .dma_fake = true };

static void test_alloc_free(void)
{
	struct ixl_mempool *pool = ixl_mempool_create(&fake, 100, 0);
	struct ixl_pkt_buf *a, *b;

	EXPECT_EQ(pool != NULL, 1);
	EXPECT_EQ(ixl_mempool_size(pool), 100);
	EXPECT_EQ(ixl_mempool_free_count(pool), 100);
	EXPECT_EQ(ixl_mempool_buf_capacity(pool), IXL_MEMPOOL_DEFAULT_ENTRY_SIZE - 64);
	a = ixl_pkt_buf_alloc(pool);
	b = ixl_pkt_buf_alloc(pool);
	EXPECT_EQ(ixl_mempool_free_count(pool), 98);
	EXPECT_EQ(a->pool == pool, 1);
	EXPECT_EQ(a != b, 1);
	/* data[] is cache-line aligned and its bus address matches (IOVA = VA here). */
	EXPECT_EQ((uintptr_t)a->data % 64, 0);
	EXPECT_EQ(a->dma_addr, (uintptr_t)a->data);
	EXPECT_EQ((uint8_t *)a->data - (uint8_t *)a, IXL_PKT_BUF_HEADER);
	memset(a->data, 0xab, ixl_mempool_buf_capacity(pool)); /* ASan checks the bounds */
	ixl_pkt_buf_free(a);
	/* LIFO: the buffer just freed is the next one out. */
	EXPECT_EQ(ixl_pkt_buf_alloc(pool) == a, 1);
	ixl_pkt_buf_free(a);
	ixl_pkt_buf_free(b);
	EXPECT_EQ(ixl_mempool_free_count(pool), 100);
	/* A double free into a full pool is refused, not counted. */
	ixl_pkt_buf_free(b);
	EXPECT_EQ(ixl_mempool_free_count(pool), 100);
	ixl_mempool_destroy(pool);
}

static void test_batch_exhaustion(void)
{
	struct ixl_mempool *pool = ixl_mempool_create(&fake, 50, 4096);
	struct ixl_pkt_buf *bufs[64];
	uint32_t n;

	n = ixl_pkt_buf_alloc_batch(pool, bufs, 32);
	EXPECT_EQ(n, 32);
	/* Only 18 are left: a batch of 32 gets exactly those. */
	n = ixl_pkt_buf_alloc_batch(pool, bufs + 32, 32);
	EXPECT_EQ(n, 18);
	EXPECT_EQ(ixl_mempool_free_count(pool), 0);
	EXPECT_EQ(ixl_pkt_buf_alloc(pool) == NULL, 1);
	EXPECT_EQ(errno, ENOBUFS);
	EXPECT_EQ(ixl_pkt_buf_alloc_batch(pool, bufs + 50, 4), 0);
	/* Every buffer is distinct and has its own index. */
	for (int i = 0; i < 50; i++)
		for (int j = i + 1; j < 50; j++)
			if (bufs[i] == bufs[j] || bufs[i]->pool_index == bufs[j]->pool_index)
				EXPECT_EQ(i, j);
	ixl_pkt_buf_free_batch(bufs, 50);
	EXPECT_EQ(ixl_mempool_free_count(pool), 50);
	ixl_mempool_destroy(pool);
}

static void test_extend(void)
{
	/* 16448-byte entries: 127 fit in a 2 MiB unit, and none may cross one. */
	struct ixl_mempool *pool = ixl_mempool_create(&fake, 130, 16384 + 64);
	struct ixl_pkt_buf *bufs[300];
	uint32_t n;

	EXPECT_EQ(ixl_mempool_size(pool), 130);
	EXPECT_EQ(ixl_mempool_extend(pool, 150), 0);
	EXPECT_EQ(ixl_mempool_size(pool), 280);
	EXPECT_EQ(ixl_mempool_free_count(pool), 280);
	n = ixl_pkt_buf_alloc_batch(pool, bufs, 300);
	EXPECT_EQ(n, 280);
	for (uint32_t i = 0; i < n; i++) {
		uintptr_t start = (uintptr_t)bufs[i], end = start + 16384 + 64 - 1;
		struct ixl_mempool_chunk *c;

		for (c = pool->chunks; c; c = c->next)
			if (start >= (uintptr_t)c->dma.virt &&
			    start < (uintptr_t)c->dma.virt + c->dma.size)
				break;
		EXPECT_EQ(c != NULL, 1);
		if (c)
			EXPECT_EQ((start - (uintptr_t)c->dma.virt) >> 21,
				  (end - (uintptr_t)c->dma.virt) >> 21);
	}
	ixl_pkt_buf_free_batch(bufs, n);
	EXPECT_EQ(ixl_mempool_free_count(pool), 280);
	ixl_mempool_destroy(pool);
}

static void test_bad_sizes(void)
{
	EXPECT_EQ(ixl_mempool_create(&fake, 10, 32) == NULL, 1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(ixl_mempool_create(&fake, 10, 4u << 20) == NULL, 1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(strstr(ixl_last_error(), "entry size") != NULL, 1);
}

static void quiet(enum ixl_log_level level, const char *msg, void *arg)
{
}

int main(void)
{
	ixl_log_set(quiet, NULL, IXL_LOG_DEBUG);
	test_alloc_free();
	test_batch_exhaustion();
	test_extend();
	test_bad_sizes();
	printf("test_mempool: %s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
