/* SPDX-License-Identifier: MIT */
/*
 * harness/shadow_upool.c - the pool shadow: what a UPOOL allocator must do,
 * re-derived from the contract alone (shadow_upool.h lists the checks).
 *
 * Rules, from the ABI (include/mmtorture/adapter.h, struct mmt_upool_ops)
 * and nothing else:
 *   - a pool of count chunks of size bytes holds exactly count chunks:
 *     while fewer are live an alloc must succeed, when all are it must
 *     return NULL (the pool never grows, never asks for more memory);
 *   - every chunk is aligned to the declared align, so chunks sit at
 *     least stride = roundup(size, align) bytes apart, and count of them
 *     fit in one span of count * stride bytes: the lowest byte any chunk
 *     of the pool covered and the highest are never further apart;
 *   - chunks are distinct: [addr, addr + size) overlaps no live chunk, of
 *     this pool or another;
 *   - a chunk is the caller's until freed: a fill written at alloc reads
 *     back intact at free;
 *   - a free of a live chunk is accepted, and destroy with n live chunks
 *     returns n (the pool stays), with none returns 0.
 * A wrong chunk is still recorded as live (so the counts stay the
 * allocator's) but marked unsound; the layer never hands an unsound chunk
 * back at close, where it could be a double free.
 *
 * Fill: byte i of a chunk with key k is byte (i % 8) of k plus i / 8,
 * written over its first FILL_HEAD bytes and its last FILL_TAIL (all of a
 * small chunk), and cleared to zero when the free is accepted, so the
 * memory reads as the allocator left it (ref-pages reuses its machine:
 * its RAM must read as a new machine's).
 *
 * Cost: an alloc scans the live slots for overlap, O(MMT_NR_SLOTS).
 * Single threaded.
 */
#include <stdlib.h>
#include <string.h>

#include <mmt_lib.h>

#include "shadow_upool.h"

#define FILL_HEAD 4096u
#define FILL_TAIL 64u

struct mmt_upshadow {
	uint64_t align;
	uint64_t seed;
	uint64_t seq; /* allocations recorded, for the fill keys */
	struct mmt_upshadow_pool pool[MMT_NR_POOLS];
	struct mmt_upshadow_chunk slot[MMT_NR_SLOTS];
};

struct mmt_upshadow *mmt_upshadow_create(uint64_t align, uint64_t seed)
{
	struct mmt_upshadow *sh = calloc(1, sizeof(*sh));

	if (!sh)
		return NULL;
	sh->align = align ? align : 1;
	sh->seed = seed;
	return sh;
}

void mmt_upshadow_destroy(struct mmt_upshadow *sh)
{
	free(sh);
}

const struct mmt_upshadow_pool *mmt_upshadow_pool(const struct mmt_upshadow *sh,
						  unsigned int pool)
{
	return &sh->pool[pool % MMT_NR_POOLS];
}

const struct mmt_upshadow_chunk *
mmt_upshadow_slot(const struct mmt_upshadow *sh, unsigned int slot)
{
	return &sh->slot[slot % MMT_NR_SLOTS];
}

uint64_t mmt_upshadow_addr_align(const void *addr)
{
	uintptr_t a = (uintptr_t)addr;
	uint64_t al = 1;

	while (al < 4096 && !(a & al))
		al <<= 1;
	return al;
}

int mmt_upshadow_create_must_fail(uint64_t size, uint64_t count)
{
	return size == 0 || count == 0;
}

void mmt_upshadow_created(struct mmt_upshadow *sh, size_t op_index,
			  unsigned int pool, uint64_t size, uint64_t count,
			  int rc, void *handle, struct mmt_report *r)
{
	struct mmt_upshadow_pool *p = &sh->pool[pool % MMT_NR_POOLS];

	if (rc > 0 || (rc == 0 && !handle) || (rc < 0 && handle)) {
		mmt_report_add(r, op_index, "shadow", "POOL-CREATE",
			       "create(size %llu, count %llu) returned %d "
			       "with pool %p: 0 goes with a pool, an error "
			       "without one",
			       (unsigned long long)size,
			       (unsigned long long)count, rc, handle);
		return;
	}
	if (rc < 0)
		return;
	if (mmt_upshadow_create_must_fail(size, count))
		mmt_report_add(r, op_index, "shadow", "POOL-CREATE",
			       "create(size %llu, count %llu) succeeded: a "
			       "pool of no chunks or of 0-byte chunks must be "
			       "refused",
			       (unsigned long long)size,
			       (unsigned long long)count);
	memset(p, 0, sizeof(*p));
	p->live = 1;
	p->handle = handle;
	p->size = size;
	p->count = count;
	p->stride = (size + sh->align - 1) & ~(sh->align - 1);
	p->lo = UINTPTR_MAX;
	p->hi = 0;
}

int mmt_upshadow_must_succeed(const struct mmt_upshadow *sh, unsigned int pool)
{
	const struct mmt_upshadow_pool *p = &sh->pool[pool % MMT_NR_POOLS];

	return p->live && p->nr_live < p->count;
}

static uint8_t fill_byte(uint64_t key, size_t i)
{
	return (uint8_t)((key >> ((i & 7u) * 8u)) + (i >> 3));
}

/* The ranges a chunk's fill covers: [0, head) and [tail, size). */
static void fill_ranges(uint64_t size, size_t *head, size_t *tail)
{
	*head = size < FILL_HEAD ? (size_t)size : FILL_HEAD;
	*tail = size < FILL_TAIL ? 0 : (size_t)size - FILL_TAIL;
	if (*tail < *head)
		*tail = *head;
}

static void write_fill(const struct mmt_upshadow_chunk *c)
{
	unsigned char *b = c->addr;
	size_t head, tail;

	fill_ranges(c->size, &head, &tail);
	for (size_t i = 0; i < head; i++)
		b[i] = fill_byte(c->key, i);
	for (size_t i = tail; i < c->size; i++)
		b[i] = fill_byte(c->key, i);
}

static void clear_fill(const struct mmt_upshadow_chunk *c)
{
	unsigned char *b = c->addr;
	size_t head, tail;

	fill_ranges(c->size, &head, &tail);
	memset(b, 0, head);
	memset(b + tail, 0, (size_t)c->size - tail);
}

/* The first live chunk other than slot that overlaps [a, a + n), or NULL. */
static const struct mmt_upshadow_chunk *
overlapping(const struct mmt_upshadow *sh, unsigned int slot, uintptr_t a,
	    uint64_t n, unsigned int *other)
{
	for (unsigned int s = 0; s < MMT_NR_SLOTS; s++) {
		const struct mmt_upshadow_chunk *c = &sh->slot[s];
		uintptr_t ca = (uintptr_t)c->addr;

		if (s == slot || !c->live)
			continue;
		if (a < ca + c->size && ca < a + n) {
			*other = s;
			return c;
		}
	}
	return NULL;
}

/* The placement rules of a chunk: 1 when it breaks none. */
static int judge_place(struct mmt_upshadow *sh, size_t op_index,
		       unsigned int slot, struct mmt_upshadow_pool *p,
		       unsigned int pool, void *addr, struct mmt_report *r)
{
	uintptr_t a = (uintptr_t)addr, lo, hi;
	const struct mmt_upshadow_chunk *o;
	unsigned int os = 0;

	if (a % sh->align) {
		mmt_report_add(r, op_index, "shadow", "POOL-ALIGN",
			       "pool %u chunk %p is not aligned to the %llu "
			       "bytes upool->align declares",
			       pool, addr, (unsigned long long)sh->align);
		return 0;
	}
	lo = a < p->lo ? a : p->lo;
	hi = a + p->size > p->hi ? a + p->size : p->hi;
	if (hi - lo > p->count * p->stride) {
		mmt_report_add(r, op_index, "shadow", "POOL-SPAN",
			       "pool %u chunk %p: its chunks now cover [%p, "
			       "%p), %llu bytes, more than the %llu x %llu of "
			       "one span",
			       pool, addr, (void *)lo, (void *)hi,
			       (unsigned long long)(hi - lo),
			       (unsigned long long)p->count,
			       (unsigned long long)p->stride);
		return 0;
	}
	p->lo = lo;
	p->hi = hi;
	o = overlapping(sh, slot, a, p->size, &os);
	if (o) {
		mmt_report_add(r, op_index, "shadow", "POOL-OVERLAP",
			       "pool %u chunk [%p, +%llu) overlaps live chunk "
			       "s%u [%p, +%llu) of pool %u",
			       pool, addr, (unsigned long long)p->size, os,
			       o->addr, (unsigned long long)o->size, o->pool);
		return 0;
	}
	return 1;
}

void mmt_upshadow_alloc(struct mmt_upshadow *sh, size_t op_index,
			unsigned int slot, unsigned int pool, void *addr,
			struct mmt_report *r)
{
	struct mmt_upshadow_pool *p = &sh->pool[pool % MMT_NR_POOLS];
	struct mmt_upshadow_chunk *c = &sh->slot[slot % MMT_NR_SLOTS];
	int must = p->nr_live < p->count;

	if (!addr) {
		if (must)
			mmt_report_add(r, op_index, "oracle", "POOL-EXHAUSTED",
				       "pool %u returned NULL with %llu of its "
				       "%llu chunks live",
				       pool, (unsigned long long)p->nr_live,
				       (unsigned long long)p->count);
		return;
	}
	if (!must)
		mmt_report_add(r, op_index, "oracle", "POOL-OVERFLOW",
			       "pool %u handed out %p with all %llu of its "
			       "chunks live",
			       pool, addr, (unsigned long long)p->count);
	memset(c, 0, sizeof(*c));
	c->live = 1;
	c->pool = pool % MMT_NR_POOLS;
	c->addr = addr;
	c->size = p->size;
	c->key = sh->seed ^ (++sh->seq * MMT_SPLITMIX_GAMMA) ^
		 ((uint64_t)slot << 48);
	p->nr_live++;
	c->sound = must && judge_place(sh, op_index, slot, p, pool, addr, r);
	if (c->sound)
		write_fill(c);
}

void mmt_upshadow_verify_fill(struct mmt_upshadow *sh, size_t op_index,
			      unsigned int slot, struct mmt_report *r)
{
	const struct mmt_upshadow_chunk *c = &sh->slot[slot % MMT_NR_SLOTS];
	const unsigned char *b = c->addr;
	size_t head, tail, bad = SIZE_MAX;

	if (!c->live || !c->sound)
		return;
	fill_ranges(c->size, &head, &tail);
	for (size_t i = 0; i < head && bad == SIZE_MAX; i++)
		if (b[i] != fill_byte(c->key, i))
			bad = i;
	for (size_t i = tail; i < c->size && bad == SIZE_MAX; i++)
		if (b[i] != fill_byte(c->key, i))
			bad = i;
	if (bad != SIZE_MAX)
		mmt_report_add(r, op_index, "shadow", "POOL-COOKIE",
			       "s%u chunk %p of pool %u: byte %zu is 0x%02x, "
			       "the fill wrote 0x%02x",
			       slot % MMT_NR_SLOTS, c->addr, c->pool, bad,
			       b[bad], fill_byte(c->key, bad));
}

void mmt_upshadow_freed(struct mmt_upshadow *sh, size_t op_index,
			unsigned int slot, int rc, struct mmt_report *r)
{
	struct mmt_upshadow_chunk *c = &sh->slot[slot % MMT_NR_SLOTS];
	struct mmt_upshadow_pool *p = &sh->pool[c->pool];

	if (!c->live)
		return;
	if (rc != 0 && r)
		mmt_report_add(r, op_index, "adapter", "POOL-FREE",
			       "free of live chunk %p (s%u) of pool %u "
			       "refused: %d",
			       c->addr, slot % MMT_NR_SLOTS, c->pool, rc);
	else if (c->sound)
		clear_fill(c);
	if (p->nr_live)
		p->nr_live--;
	memset(c, 0, sizeof(*c));
}

void mmt_upshadow_destroyed(struct mmt_upshadow *sh, size_t op_index,
			    unsigned int pool, long ret, struct mmt_report *r)
{
	struct mmt_upshadow_pool *p = &sh->pool[pool % MMT_NR_POOLS];

	if (!p->live)
		return;
	if (ret < 0 || (uint64_t)ret != p->nr_live)
		mmt_report_add(r, op_index, "adapter", "POOL-DESTROY",
			       "destroy of pool %u returned %ld with %llu "
			       "chunks live (0 when none, else their number)",
			       pool % MMT_NR_POOLS, ret,
			       (unsigned long long)p->nr_live);
	if (ret != 0)
		return; /* kept, as the allocator says */
	for (unsigned int s = 0; s < MMT_NR_SLOTS; s++)
		if (sh->slot[s].live && sh->slot[s].pool == pool % MMT_NR_POOLS)
			memset(&sh->slot[s], 0, sizeof(sh->slot[s]));
	memset(p, 0, sizeof(*p));
}
