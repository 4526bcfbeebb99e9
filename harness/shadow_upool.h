/* SPDX-License-Identifier: MIT */
/*
 * harness/shadow_upool.h - the shadow model of a UPOOL allocator (pools of
 * fixed-size chunks; private to the harness).
 *
 * An independent oracle: it knows only the contract the UPOOL table
 * declares (the chunk alignment), what each create asked for (chunk size,
 * count) and what the allocator returned. It never looks at how a pool is
 * built. Per pool index it keeps {handle, size, count, stride, live
 * chunks, the lowest and highest byte any chunk of it covered}; per slot
 * {pool, addr, fill key}. It checks, with stable ids (docs/op-format.md):
 *   POOL-CREATE    create kept its word: 0 with a pool, an error without;
 *                  a size or count of 0 must fail
 *   POOL-ALIGN     every chunk is aligned to the declared upool->align
 *   POOL-SPAN      the chunks of one pool lie within one span of count *
 *                  stride bytes (stride: size rounded up to align)
 *   POOL-OVERLAP   [addr, addr + size) overlaps no live chunk of any pool
 *   POOL-EXHAUSTED alloc returned NULL while fewer than count were live
 *   POOL-OVERFLOW  alloc returned a chunk while all count were live
 *   POOL-COOKIE    the fill written at alloc is intact at free
 *   POOL-FREE      the free of a live chunk was refused
 *   POOL-DESTROY   destroy did not return the number of live chunks
 *
 * The layer (harness/layers/upool.c) owns the slot rules and calls the
 * adapter; the shadow judges each result. Not thread safe: one shadow per
 * executor run.
 */
#ifndef MMT_HARNESS_SHADOW_UPOOL_H
#define MMT_HARNESS_SHADOW_UPOOL_H

#include <stddef.h>
#include <stdint.h>

#include <mmtorture/exec.h>
#include <mmtorture/ops.h>

/* A pool index as the shadow sees it. */
struct mmt_upshadow_pool {
	int live; /* created and not destroyed */
	void *handle; /* what create() gave */
	uint64_t size; /* bytes asked per chunk */
	uint64_t count; /* chunks asked for */
	uint64_t stride; /* size rounded up to the declared alignment */
	uint64_t nr_live; /* chunks of this pool in slots */
	uintptr_t lo,
		hi; /* [lo, hi): bytes its chunks covered; lo > hi: none */
};

/* A slot as the shadow sees it. */
struct mmt_upshadow_chunk {
	int live;
	unsigned int pool; /* index < MMT_NR_POOLS */
	void *addr;
	uint64_t size; /* the pool's chunk size */
	uint64_t key; /* fill key */
	int sound; /* aligned, in its span, overlapping nothing */
};

struct mmt_upshadow;

/* A shadow for an allocator declaring chunk alignment align (a power of
 * two); seed keys the fills. NULL when out of memory. */
struct mmt_upshadow *mmt_upshadow_create(uint64_t align, uint64_t seed);
void mmt_upshadow_destroy(struct mmt_upshadow *sh);

const struct mmt_upshadow_pool *mmt_upshadow_pool(const struct mmt_upshadow *sh,
						  unsigned int pool);
const struct mmt_upshadow_chunk *
mmt_upshadow_slot(const struct mmt_upshadow *sh, unsigned int slot);

/* 1 when create(size, count) may not succeed: a size or count of 0. */
int mmt_upshadow_create_must_fail(uint64_t size, uint64_t count);
/* Judge create's result rc, handle into pool index pool (free before). */
void mmt_upshadow_created(struct mmt_upshadow *sh, size_t op_index,
			  unsigned int pool, uint64_t size, uint64_t count,
			  int rc, void *handle, struct mmt_report *r);

/* 1 when an alloc of pool must succeed: fewer than count chunks live. */
int mmt_upshadow_must_succeed(const struct mmt_upshadow *sh, unsigned int pool);
/*
 * Judge alloc's result addr (NULL or a chunk) for pool into the empty slot:
 * the capacity rules, alignment, span and overlap; a chunk is recorded
 * (even a wrong one, so counts stay the allocator's) and its fill written.
 */
void mmt_upshadow_alloc(struct mmt_upshadow *sh, size_t op_index,
			unsigned int slot, unsigned int pool, void *addr,
			struct mmt_report *r);
/* Before a free: the fill of the live slot is intact (POOL-COOKIE). */
void mmt_upshadow_verify_fill(struct mmt_upshadow *sh, size_t op_index,
			      unsigned int slot, struct mmt_report *r);
/* After free() returned rc for the live slot: POOL-FREE when refused; the
 * slot is emptied, its fill cleared when accepted. r NULL: report nothing
 * (the close of a run that stopped early). */
void mmt_upshadow_freed(struct mmt_upshadow *sh, size_t op_index,
			unsigned int slot, int rc, struct mmt_report *r);
/*
 * After destroy() returned ret for pool: POOL-DESTROY unless ret is the
 * number of live chunks. 0 ends the pool (its slots, if any were wrongly
 * still live, are dropped without a free); anything else keeps it.
 */
void mmt_upshadow_destroyed(struct mmt_upshadow *sh, size_t op_index,
			    unsigned int pool, long ret, struct mmt_report *r);

/* The largest power of two dividing addr, capped at 4096. */
uint64_t mmt_upshadow_addr_align(const void *addr);

#endif /* MMT_HARNESS_SHADOW_UPOOL_H */
