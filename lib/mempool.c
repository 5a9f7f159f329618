/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempools: fixed-size packet buffers in DMA memory, handed out from a LIFO
 * stack so that the most recently used (cache-warm) buffer goes out first.
 * A pool is not thread-safe: give each queue (and thread) its own.
 */
#include <stdlib.h>

#include "internal.h"

/* Pools are laid out in 2 MiB units; an entry never crosses one. */
#define POOL_UNIT (2u * 1024 * 1024)

static uint32_t entry_size_round(uint32_t entry_size)
{
	if (entry_size == 0)
		entry_size = IXL_MEMPOOL_DEFAULT_ENTRY_SIZE;
	return (entry_size + 63u) & ~63u;
}

static int pool_stack_grow(struct ixl_mempool *pool, uint32_t total)
{
	struct ixl_pkt_buf **stack;

	if (total <= pool->stack_cap)
		return 0;
	stack = realloc(pool->free_stack, total * sizeof(*stack));
	if (!stack)
		return -ENOMEM;
	pool->free_stack = stack;
	pool->stack_cap = total;
	return 0;
}

int ixl_mempool_extend(struct ixl_mempool *pool, uint32_t entries)
{
	uint32_t per_unit = POOL_UNIT / pool->entry_size;
	struct ixl_mempool_chunk *chunk;
	size_t units, size;
	int ret;

	if (entries == 0)
		return 0;
	if (pool->size + (uint64_t)entries > UINT32_MAX / 2) {
		ixl_err("%s: a mempool of %u + %u entries is too large",
			pool->dev->address, pool->size, entries);
		return -EINVAL;
	}
	ret = pool_stack_grow(pool, pool->size + entries);
	if (ret < 0)
		goto err_nomem;
	chunk = calloc(1, sizeof(*chunk));
	if (!chunk) {
		ret = -ENOMEM;
		goto err_nomem;
	}
	units = (entries + per_unit - 1) / per_unit;
	size = units * POOL_UNIT;
	ret = ixl_dma_alloc(pool->dev, size, false, &chunk->dma);
	if (ret < 0)
		goto err_chunk;

	for (uint32_t i = 0; i < entries; i++) {
		uint8_t *p = (uint8_t *)chunk->dma.virt + (size_t)(i / per_unit) * POOL_UNIT +
			     (size_t)(i % per_unit) * pool->entry_size;
		struct ixl_pkt_buf *buf = (struct ixl_pkt_buf *)p;

		buf->dma_addr = ixl_dma_iova(&chunk->dma, buf->data);
		buf->pool = pool;
		buf->pool_index = pool->size + i;
		buf->len = 0;
		pool->free_stack[pool->free_top++] = buf;
	}
	pool->size += entries;
	chunk->next = pool->chunks;
	pool->chunks = chunk;
	return 0;

err_chunk:
	free(chunk);
err_nomem:
	if (ret == -ENOMEM)
		ixl_err("%s: out of memory extending a mempool by %u entries",
			pool->dev->address, entries);
	return ret;
}

struct ixl_mempool *ixl_mempool_create(struct ixl_device *dev, uint32_t entries,
				       uint32_t entry_size)
{
	struct ixl_mempool *pool;
	int ret;

	entry_size = entry_size_round(entry_size);
	if (entry_size <= IXL_PKT_BUF_HEADER || entry_size > POOL_UNIT) {
		ixl_err("%s: mempool entry size %u is outside %u..%u bytes",
			dev->address, entry_size, IXL_PKT_BUF_HEADER + 1, POOL_UNIT);
		errno = EINVAL;
		return NULL;
	}
	pool = calloc(1, sizeof(*pool));
	if (!pool) {
		errno = ENOMEM;
		return NULL;
	}
	pool->dev = dev;
	pool->entry_size = entry_size;
	ret = ixl_mempool_extend(pool, entries);
	if (ret < 0) {
		ixl_mempool_destroy(pool);
		errno = -ret;
		return NULL;
	}
	return pool;
}

void ixl_mempool_destroy(struct ixl_mempool *pool)
{
	struct ixl_mempool_chunk *chunk, *next;

	if (!pool)
		return;
	if (pool->free_top != pool->size)
		ixl_warn("%s: mempool destroyed with %u of %u buffers still in use",
			 pool->dev->address, pool->size - pool->free_top, pool->size);
	for (chunk = pool->chunks; chunk; chunk = next) {
		next = chunk->next;
		ixl_dma_free(pool->dev, &chunk->dma);
		free(chunk);
	}
	free(pool->free_stack);
	free(pool);
}

uint32_t ixl_mempool_free_count(const struct ixl_mempool *pool)
{
	return pool->free_top;
}

uint32_t ixl_mempool_size(const struct ixl_mempool *pool)
{
	return pool->size;
}

uint32_t ixl_mempool_buf_capacity(const struct ixl_mempool *pool)
{
	return pool->entry_size - IXL_PKT_BUF_HEADER;
}

struct ixl_pkt_buf *ixl_pkt_buf_alloc(struct ixl_mempool *pool)
{
	if (pool->free_top == 0) {
		errno = ENOBUFS;
		return NULL;
	}
	return pool->free_stack[--pool->free_top];
}

uint32_t ixl_pkt_buf_alloc_batch(struct ixl_mempool *pool, struct ixl_pkt_buf **bufs,
				 uint32_t n)
{
	struct ixl_pkt_buf **top;

	if (n > pool->free_top)
		n = pool->free_top;
	/*
	 * Popped one by one, most recently freed first, not with memcpy: where
	 * the CPU has AVX2, glibc's memcpy uses 256-bit registers, and under
	 * QEMU's TCG a 256-bit guest instruction leaves the host's upper vector
	 * state dirty (TCG clears it only when leaving translated code). The NIC
	 * model then ran behind the next doorbell write with that state, most
	 * likely paying SSE/AVX transition stalls: on the bench, QEMU's reads of
	 * ixl-gen's tx descriptors took 9-14 % of its vCPU thread with the
	 * memcpy here and about 1 % with this loop.
	 */
	top = &pool->free_stack[pool->free_top];
	for (uint32_t i = 0; i < n; i++)
		bufs[i] = *--top;
	pool->free_top -= n;
	return n;
}

void ixl_pkt_buf_free(struct ixl_pkt_buf *buf)
{
	struct ixl_mempool *pool = buf->pool;

	/* One compare keeps a double free from running off the stack. */
	if (pool->free_top >= pool->size) {
		ixl_err("%s: buffer %u freed twice into a full mempool",
			pool->dev->address, buf->pool_index);
		return;
	}
	pool->free_stack[pool->free_top++] = buf;
}

void ixl_pkt_buf_free_batch(struct ixl_pkt_buf **bufs, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		ixl_pkt_buf_free(bufs[i]);
}
