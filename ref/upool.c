/* SPDX-License-Identifier: MIT */
/*
 * ref/upool.c - the seeds' user memory pool: one block, fixed-size chunks.
 *
 * Models the memory pool the seeds describe as the usual replacement for
 * malloc/free: at start-up it takes one large block and carves it into
 * smaller chunks of one size; each request is served from those chunks
 * and never reaches the allocator below. Here the block comes from the
 * reference page allocator (ref_alloc_pages), so the pool is the first
 * layer that holds pages for itself. It is not the kernel's mempool_t.
 *
 * Algorithm:
 *   create: round object_size up to REF_UPOOL_ALIGN (upool.h says why);
 *     the block is the given order, or the smallest order whose
 *     page_size << order bytes hold the chunks asked for. The bookkeeping
 *     (struct, link[], state[], the checker's marks) is one calloc, made
 *     before the block is taken so that a failure never allocates and
 *     frees pages the caller did not see. Chunk i is base + i * chunk_size;
 *     the free list is threaded through link[] in ascending order.
 *   alloc: pop free_head (O(1)); NULL when the list is empty.
 *   free: the chunk index is (ptr - base) / chunk_size, accepted only when
 *     ptr is inside the carved chunks, on a chunk boundary and its state
 *     byte says live (O(1)); then it is pushed on free_head, so chunks are
 *     reused last in, first out.
 *   destroy: refused while chunks are live (the count is returned);
 *     otherwise the pool leaves the machine's list and the block goes back
 *     through ref_free_pages_page, where it merges like any free.
 *
 * Invariants (ref_upool_check, docs/checkers.md):
 *   UPOOL-BLOCK     the block is a live allocation of the buddy of the
 *                   recorded order, at the recorded pfn and address, and
 *                   the carved chunks fit inside it
 *   UPOOL-COUNT     st.free + st.in_use == st.total, st.high_water >=
 *                   st.in_use; the list holds st.free chunks; every chunk
 *                   off the list is marked live
 *   UPOOL-FREELIST  every list entry is the start of a chunk of the pool
 *   UPOOL-DOUBLE    no chunk is reached twice (a double free closes the
 *                   list into a cycle) and no live chunk is on the list
 * The walk stops at the first entry that breaks FREELIST or the cycle rule
 * of DOUBLE, and the O(n) COUNT forms run only over a list that held, so
 * one corruption gives one id.
 *
 * Trace: the block's pages show up as mm_page_alloc / mm_page_free events
 * of the page allocator; upool_create follows the block's mm_page_alloc
 * once the pool exists and upool_destroy precedes its mm_page_free (both
 * carry the block's page, pfn and order), so a subscriber can attribute
 * [pfn, pfn + 2^order) to the pool in between. Chunks raise no events.
 *
 * Injected bug (REF_BUG == 4, "upool-highmem", compile time only): create
 * keeps __GFP_HIGHMEM, so on a machine with highmem the block can have no
 * address, and the REF_ASSERT after ref_alloc_pages fires (the test of
 * the embedder's assertion handler: tests/tools/ref_assert.sh).
 *
 * Locks: mm->upool_lock (the machine's list of pools) -> pool->lock ->
 * zone->lock. alloc and free take only pool->lock. The checker takes all
 * three in that order; create and destroy call the page allocator with
 * none held. The trace subscriber runs with no pool lock held.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ref/upool.h"

_Static_assert(REF_UPOOL_ALIGN >= _Alignof(max_align_t),
	       "a chunk must hold any object malloc could return");
_Static_assert((REF_UPOOL_ALIGN & (REF_UPOOL_ALIGN - 1)) == 0,
	       "REF_UPOOL_ALIGN is a power of two");

#define NO_CHUNK (~0UL)

/* Bytes of a block of this order on mm. */
static size_t block_bytes(const struct ref_mm *mm, unsigned int order)
{
	return mm->page_size << order;
}

/* The pool's geometry, worked out from a config before anything is taken. */
struct upool_shape {
	const char *name;
	size_t chunk_size; /* bytes */
	unsigned long nr_chunks;
	unsigned int order;
	ref_gfp_t gfp;
};

static int check_name(const char *name, char *err, size_t errlen)
{
	size_t n = strlen(name), i;

	if (n == 0 || n >= REF_UPOOL_NAME_MAX) {
		ref_set_err(err, errlen, "name '%s': %zu characters, not 1..%d",
			    name, n, REF_UPOOL_NAME_MAX - 1);
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		if (!isgraph((unsigned char)name[i])) {
			ref_set_err(
				err, errlen,
				"name '%s': character %zu is a space or not printable",
				name, i);
			return -EINVAL;
		}
	return 0;
}

/* The block order and chunk count, from nr_chunks or from order. */
static int shape_block(const struct ref_mm *mm,
		       const struct ref_upool_config *cfg,
		       struct upool_shape *s, char *err, size_t errlen)
{
	unsigned int top = mm->config.nr_orders - 1;
	size_t top_bytes = block_bytes(mm, top);

	if (cfg->nr_chunks && cfg->order) {
		ref_set_err(
			err, errlen,
			"nr_chunks %lu and order %u: give one of the two, not both",
			cfg->nr_chunks, cfg->order);
		return -EINVAL;
	}
	if (cfg->nr_chunks) {
		if (cfg->nr_chunks > top_bytes / s->chunk_size) {
			ref_set_err(
				err, errlen,
				"nr_chunks %lu: %lu chunks of %zu bytes exceed the top-order block (order %u, %zu bytes)",
				cfg->nr_chunks, cfg->nr_chunks, s->chunk_size,
				top, top_bytes);
			return -EINVAL;
		}
		s->nr_chunks = cfg->nr_chunks;
		for (s->order = 0;
		     block_bytes(mm, s->order) < s->nr_chunks * s->chunk_size;
		     s->order++)
			;
		return 0;
	}
	if (cfg->order > top) {
		ref_set_err(err, errlen, "order %u: beyond the top order %u",
			    cfg->order, top);
		return -EINVAL;
	}
	s->order = cfg->order;
	s->nr_chunks = block_bytes(mm, s->order) / s->chunk_size;
	if (!s->nr_chunks) {
		ref_set_err(
			err, errlen,
			"object_size %zu: a chunk of %zu bytes is larger than the order-%u block (%zu bytes)",
			cfg->object_size, s->chunk_size, s->order,
			block_bytes(mm, s->order));
		return -EINVAL;
	}
	return 0;
}

static int shape_pool(const struct ref_mm *mm,
		      const struct ref_upool_config *cfg, struct upool_shape *s,
		      char *err, size_t errlen)
{
	size_t top_bytes = block_bytes(mm, mm->config.nr_orders - 1);
	int rc;

	memset(s, 0, sizeof(*s));
	s->name = cfg->name ? cfg->name : "upool";
	rc = check_name(s->name, err, errlen);
	if (rc)
		return rc;
	if (cfg->object_size == 0 || cfg->object_size > top_bytes) {
		ref_set_err(err, errlen,
			    "object_size %zu: not 1..%zu (the top-order block)",
			    cfg->object_size, top_bytes);
		return -EINVAL;
	}
	s->chunk_size = (cfg->object_size + REF_UPOOL_ALIGN - 1) &
			~(size_t)(REF_UPOOL_ALIGN - 1);
#if REF_BUG == 4
	s->gfp = cfg->gfp; /* injected: a highmem block has no address */
#else
	s->gfp = cfg->gfp & ~REF_GFP_HIGHMEM;
#endif
	if (cfg->gfp & ~REF_GFP_VALID_MASK) {
		ref_set_err(err, errlen, "gfp 0x%x: bits 0x%x are no GFP flag",
			    cfg->gfp, cfg->gfp & ~REF_GFP_VALID_MASK);
		return -EINVAL;
	}
	if (ref_gfp_zone(mm, s->gfp) < 0) {
		ref_set_err(
			err, errlen,
			"gfp 0x%x: a forbidden combination of zone modifiers",
			cfg->gfp);
		return -EINVAL;
	}
	return shape_block(mm, cfg, s, err, errlen);
}

/* One calloc for the pool, link[], state[] and check_mark[]. */
static struct ref_upool *upool_calloc(unsigned long nr_chunks)
{
	size_t head = sizeof(struct ref_upool);
	size_t links = nr_chunks * sizeof(void *);
	unsigned char *mem = calloc(1, head + links + 2 * nr_chunks);
	struct ref_upool *pool = (void *)mem;

	if (!pool)
		return NULL;
	pool->link = (void *)(mem + head);
	pool->state = mem + head + links;
	pool->check_mark = pool->state + nr_chunks;
	return pool;
}

/* Chunk i is base + i * chunk_size; thread them all on the free list. */
static void carve(struct ref_upool *pool)
{
	unsigned long i;

	for (i = 0; i < pool->st.total; i++) {
		pool->state[i] = REF_UPOOL_CHUNK_FREE;
		pool->link[i] =
			i + 1 < pool->st.total ?
				pool->base + (i + 1) * pool->st.chunk_size :
				NULL;
	}
	pool->free_head = pool->base;
	pool->st.free = pool->st.total;
}

static void upool_init(struct ref_upool *pool, struct ref_mm *mm,
		       const struct upool_shape *s, size_t object_size,
		       struct ref_page *page)
{
	snprintf(pool->name, sizeof(pool->name), "%s", s->name);
	pool->mm = mm;
	pool->page = page;
	pool->st.pfn = ref_page_to_pfn(mm, page);
	pool->st.order = s->order;
	pool->gfp = s->gfp;
	pool->base = ref_page_address(mm, page);
	pool->st.block_bytes = block_bytes(mm, s->order);
	pool->st.object_size = object_size;
	pool->st.chunk_size = s->chunk_size;
	pool->st.total = s->nr_chunks;
	pthread_mutex_init(&pool->lock, NULL);
	carve(pool);
}

int ref_upool_create(struct ref_mm *mm, const struct ref_upool_config *cfg,
		     struct ref_upool **out, char *err, size_t errlen)
{
	struct upool_shape s;
	struct ref_upool *pool;
	struct ref_page *page;
	char gfp[256];
	int rc;

	if (out)
		*out = NULL;
	if (!mm || !cfg || !out) {
		ref_set_err(err, errlen,
			    "no machine, config or output pointer");
		return -EINVAL;
	}
	rc = shape_pool(mm, cfg, &s, err, errlen);
	if (rc)
		return rc;
	pool = upool_calloc(s.nr_chunks);
	if (!pool) {
		ref_set_err(err, errlen,
			    "calloc: no memory for %lu chunks' state",
			    s.nr_chunks);
		return -ENOMEM;
	}
	page = ref_alloc_pages(mm, s.gfp, s.order);
	if (!page) {
		ref_gfp_format(s.gfp, gfp, sizeof(gfp));
		ref_set_err(err, errlen,
			    "no free block of order %u for gfp_flags=%s",
			    s.order, gfp);
		free(pool);
		return -ENOMEM;
	}
	REF_ASSERT(ref_page_address(mm, page) != NULL);
	upool_init(pool, mm, &s, cfg->object_size, page);
	pthread_mutex_lock(&mm->upool_lock);
	ref_list_add(&pool->list, &mm->upools);
	pthread_mutex_unlock(&mm->upool_lock);
	ref_trace_emit(mm, REF_TRACE_UPOOL_CREATE, page, pool->st.pfn,
		       pool->st.order, pool->gfp);
	*out = pool;
	return 0;
}

/* The index of the chunk starting at p, or NO_CHUNK. Never dereferences p. */
static unsigned long chunk_index(const struct ref_upool *pool, const void *p)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)pool->base;
	uintptr_t off;

	if (a < b || pool->st.chunk_size == 0)
		return NO_CHUNK;
	off = a - b;
	if (off % pool->st.chunk_size ||
	    off / pool->st.chunk_size >= pool->st.total)
		return NO_CHUNK;
	return (unsigned long)(off / pool->st.chunk_size);
}

static void set_error_locked(struct ref_upool *pool, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Record a refusal in last_error. Caller holds pool->lock. */
static void set_error_locked(struct ref_upool *pool, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(pool->last_error, sizeof(pool->last_error),
		     "upool %s: ", pool->name);
	if (n < 0 || (size_t)n >= sizeof(pool->last_error))
		return;
	va_start(ap, fmt);
	vsnprintf(pool->last_error + n, sizeof(pool->last_error) - (size_t)n,
		  fmt, ap);
	va_end(ap);
}

void *ref_upool_alloc(struct ref_upool *pool)
{
	void *p;
	unsigned long i;

	REF_ASSERT(pool != NULL);
	pthread_mutex_lock(&pool->lock);
	p = pool->free_head;
	i = p ? chunk_index(pool, p) : NO_CHUNK;
	if (p && (i == NO_CHUNK || pool->state[i] != REF_UPOOL_CHUNK_FREE)) {
		/* A corrupt list: never hand out what is not a free chunk. */
		set_error_locked(
			pool,
			"alloc: the free list head %p is not a free chunk", p);
		p = NULL;
	}
	if (!p) {
		pool->st.failed++;
		pthread_mutex_unlock(&pool->lock);
		return NULL;
	}
	pool->free_head = pool->link[i];
	pool->link[i] = NULL;
	pool->state[i] = REF_UPOOL_CHUNK_LIVE;
	pool->st.free--;
	pool->st.in_use++;
	pool->st.allocs++;
	if (pool->st.in_use > pool->st.high_water)
		pool->st.high_water = pool->st.in_use;
	pthread_mutex_unlock(&pool->lock);
	return p;
}

int ref_upool_free(struct ref_upool *pool, void *ptr)
{
	unsigned long i;

	REF_ASSERT(pool != NULL);
	if (!ptr)
		return 0;
	pthread_mutex_lock(&pool->lock);
	i = chunk_index(pool, ptr);
	if (i == NO_CHUNK || pool->state[i] != REF_UPOOL_CHUNK_LIVE) {
		if (i == NO_CHUNK)
			set_error_locked(
				pool,
				"free of %p: not the start of a chunk of this pool ([%p, +%lu x %zu))",
				ptr, (void *)pool->base, pool->st.total,
				pool->st.chunk_size);
		else
			set_error_locked(
				pool,
				"double free of chunk %lu (%p): it is not live",
				i, ptr);
		pool->st.invalid_frees++;
		pthread_mutex_unlock(&pool->lock);
		return -EINVAL;
	}
	pool->state[i] = REF_UPOOL_CHUNK_FREE;
	pool->link[i] = pool->free_head;
	pool->free_head = ptr;
	pool->st.free++;
	pool->st.in_use--;
	pool->st.frees++;
	pthread_mutex_unlock(&pool->lock);
	return 0;
}

/* Is pool on mm's list? Compares pointers only. Caller holds upool_lock. */
static int upool_listed_locked(struct ref_mm *mm, const struct ref_upool *pool)
{
	struct ref_list_head *pos;

	ref_list_for_each(pos, &mm->upools)
		if (pos == &pool->list)
			return 1;
	return 0;
}

long ref_upool_destroy(struct ref_mm *mm, struct ref_upool *pool)
{
	unsigned long live;

	if (!mm || !pool)
		return -EINVAL;
	pthread_mutex_lock(&mm->upool_lock);
	if (!upool_listed_locked(mm, pool)) {
		pthread_mutex_unlock(&mm->upool_lock);
		return -EINVAL;
	}
	pthread_mutex_lock(&pool->lock);
	live = pool->st.in_use;
	if (live) {
		set_error_locked(pool,
				 "destroy: %lu chunks still in use; pool kept",
				 live);
		pthread_mutex_unlock(&pool->lock);
		pthread_mutex_unlock(&mm->upool_lock);
		return (long)live;
	}
	ref_list_del(&pool->list);
	pthread_mutex_unlock(&pool->lock);
	pthread_mutex_unlock(&mm->upool_lock);
	ref_trace_emit(mm, REF_TRACE_UPOOL_DESTROY, pool->page, pool->st.pfn,
		       pool->st.order, 0);
	ref_free_pages_page(mm, pool->page, pool->st.order);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
	return 0;
}

void ref_upool_get_stats(struct ref_upool *pool, struct ref_upool_stats *out)
{
	REF_ASSERT(pool != NULL && out != NULL);
	pthread_mutex_lock(&pool->lock);
	*out = pool->st;
	pthread_mutex_unlock(&pool->lock);
}

size_t ref_upool_last_error(struct ref_upool *pool, char *buf, size_t len)
{
	size_t n;

	REF_ASSERT(pool != NULL);
	pthread_mutex_lock(&pool->lock);
	n = strlen(pool->last_error);
	if (buf && len)
		snprintf(buf, len, "%s", pool->last_error);
	pthread_mutex_unlock(&pool->lock);
	return n;
}

unsigned long ref_upool_count(struct ref_mm *mm)
{
	struct ref_list_head *pos;
	unsigned long n = 0;

	pthread_mutex_lock(&mm->upool_lock);
	ref_list_for_each(pos, &mm->upools)
		n++;
	pthread_mutex_unlock(&mm->upool_lock);
	return n;
}

/* ------------------------------------------------------------ view */

/* snprintf at pos of buf, counting what did not fit. */
static void view_put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void view_put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf && *pos < len ? buf + *pos : NULL,
		      buf && *pos < len ? len - *pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n;
}

size_t ref_proc_upoolinfo(struct ref_mm *mm, char *buf, size_t len)
{
	struct ref_list_head *pos;
	size_t at = 0;

	if (buf && len)
		buf[0] = '\0';
	view_put(
		buf, len, &at,
		"# name            <in_use> <total> <chunk_size> <object_size> <order> <pfn> : stats <high_water> <allocs> <frees> <failed> <invalid_frees>\n");
	pthread_mutex_lock(&mm->upool_lock);
	ref_list_for_each(pos, &mm->upools) {
		struct ref_upool *pool =
			ref_list_entry(pos, struct ref_upool, list);
		struct ref_upool_stats st;

		ref_upool_get_stats(pool, &st);
		view_put(
			buf, len, &at,
			"%-17s %8lu %7lu %12zu %13zu %7u 0x%05lx : stats %12lu %8lu %7lu %8lu %15lu\n",
			pool->name, st.in_use, st.total, st.chunk_size,
			st.object_size, st.order, st.pfn, st.high_water,
			st.allocs, st.frees, st.failed, st.invalid_frees);
	}
	pthread_mutex_unlock(&mm->upool_lock);
	return at;
}

/* ------------------------------------------------------------ machine */

static void upools_init(struct ref_mm *mm)
{
	pthread_mutex_init(&mm->upool_lock, NULL);
	ref_list_init(&mm->upools);
}

static void upools_drop(struct ref_mm *mm)
{
	while (!ref_list_empty(&mm->upools)) {
		struct ref_upool *pool = ref_list_first_entry(
			&mm->upools, struct ref_upool, list);

		ref_list_del(&pool->list);
		pthread_mutex_destroy(&pool->lock);
		free(pool);
	}
}

static void upools_exit(struct ref_mm *mm)
{
	upools_drop(mm);
	pthread_mutex_destroy(&mm->upool_lock);
}

/* ------------------------------------------------------------ checker */

static void upool_report(struct ref_report *r, const struct ref_upool *pool,
			 const char *id, enum ref_cost cost, const char *fmt,
			 ...) __attribute__((format(printf, 5, 6)));

static void upool_report(struct ref_report *r, const struct ref_upool *pool,
			 const char *id, enum ref_cost cost, const char *fmt,
			 ...)
{
	char msg[REF_REPORT_MSG];
	va_list ap;
	int n;

	n = snprintf(msg, sizeof(msg), "upool %s: ", pool->name);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	ref_check_report(r, id, cost, pool->st.pfn, msg);
}

/* The recorded shape is self-consistent: returns 1 when it is. */
static int check_geometry(const struct ref_upool *pool, struct ref_report *r)
{
	const struct ref_mm *mm = pool->mm;

	if (pool->st.order >= mm->config.nr_orders ||
	    pool->st.block_bytes != block_bytes(mm, pool->st.order)) {
		upool_report(
			r, pool, "UPOOL-BLOCK", REF_COST_O1,
			"order %u with %zu block bytes: not a block of this machine",
			pool->st.order, pool->st.block_bytes);
		return 0;
	}
	if (pool->st.chunk_size == 0 || pool->st.chunk_size % REF_UPOOL_ALIGN ||
	    pool->st.chunk_size < pool->st.object_size || pool->st.total == 0 ||
	    pool->st.total > pool->st.block_bytes / pool->st.chunk_size) {
		upool_report(
			r, pool, "UPOOL-BLOCK", REF_COST_O1,
			"%lu chunks of %zu bytes (objects of %zu) do not fit the %zu-byte block",
			pool->st.total, pool->st.chunk_size,
			pool->st.object_size, pool->st.block_bytes);
		return 0;
	}
	return 1;
}

/* The block is live in the buddy at the recorded pfn, order and address. */
static int check_block_locked(struct ref_upool *pool, struct ref_report *r)
{
	struct ref_mm *mm = pool->mm;
	struct ref_page *page = pool->page;
	struct ref_zone *zone;
	char why[96] = "";

	if (!check_geometry(pool, r))
		return 0;
	if (!ref_pfn_valid(mm, pool->st.pfn) ||
	    page != &mm->mem_map[pool->st.pfn] ||
	    pool->base != ref_page_address(mm, page)) {
		upool_report(
			r, pool, "UPOOL-BLOCK", REF_COST_O1,
			"page %p, pfn 0x%lx and address %p do not name one present lowmem page",
			(void *)page, pool->st.pfn, (void *)pool->base);
		return 0;
	}
	zone = ref_page_zone(mm, page);
	pthread_mutex_lock(&zone->lock);
	if (!ref_page_test(page, REF_PG_owner) ||
	    ref_page_test(page, REF_PG_buddy))
		snprintf(why, sizeof(why), "is not a live allocation%s",
			 ref_page_test(page, REF_PG_buddy) ? " (it is free)" :
							     "");
	else if (page->owner_order != pool->st.order)
		snprintf(why, sizeof(why), "is allocated with order %u",
			 page->owner_order);
	pthread_mutex_unlock(&zone->lock);
	if (why[0])
		upool_report(r, pool, "UPOOL-BLOCK", REF_COST_O1,
			     "block pfn 0x%lx order %u %s", pool->st.pfn,
			     pool->st.order, why);
	return why[0] == '\0';
}

static void check_counts_locked(struct ref_upool *pool, struct ref_report *r)
{
	if (pool->st.free + pool->st.in_use != pool->st.total)
		upool_report(r, pool, "UPOOL-COUNT", REF_COST_O1,
			     "free %lu + in use %lu != total %lu",
			     pool->st.free, pool->st.in_use, pool->st.total);
	if (pool->st.high_water < pool->st.in_use)
		upool_report(r, pool, "UPOOL-COUNT", REF_COST_O1,
			     "high-water mark %lu below in use %lu",
			     pool->st.high_water, pool->st.in_use);
}

/*
 * Walk the free list marking each chunk reached. Returns the list length,
 * or NO_CHUNK when the walk broke (FREELIST, or DOUBLE's cycle).
 */
static unsigned long walk_freelist_locked(struct ref_upool *pool,
					  struct ref_report *r)
{
	unsigned long count = 0, i;
	int broken = 0;
	void *p;

	for (p = pool->free_head; p; p = pool->link[i], count++) {
		i = chunk_index(pool, p);
		if (i == NO_CHUNK) {
			upool_report(
				r, pool, "UPOOL-FREELIST", REF_COST_ON,
				"free list entry %lu, %p, is not the start of a chunk",
				count, p);
			return NO_CHUNK;
		}
		if (pool->check_mark[i]) {
			upool_report(
				r, pool, "UPOOL-DOUBLE", REF_COST_ON,
				"chunk %lu is reached twice: the free list cycles at entry %lu",
				i, count);
			return NO_CHUNK;
		}
		pool->check_mark[i] = 1;
		if (pool->state[i] != REF_UPOOL_CHUNK_FREE) {
			upool_report(
				r, pool, "UPOOL-DOUBLE", REF_COST_ON,
				"chunk %lu on the free list (entry %lu) is marked live",
				i, count);
			broken = 1;
		}
	}
	return broken ? NO_CHUNK : count;
}

/* The O(n) forms: list length and every chunk off the list live. */
static void check_freelist_locked(struct ref_upool *pool, struct ref_report *r)
{
	unsigned long count = walk_freelist_locked(pool, r), i;

	if (count != NO_CHUNK && count != pool->st.free)
		upool_report(r, pool, "UPOOL-COUNT", REF_COST_ON,
			     "the free list holds %lu chunks, free is %lu",
			     count, pool->st.free);
	for (i = 0; count != NO_CHUNK && i < pool->st.total; i++)
		if (!pool->check_mark[i] &&
		    pool->state[i] != REF_UPOOL_CHUNK_LIVE)
			upool_report(
				r, pool, "UPOOL-COUNT", REF_COST_ON,
				"chunk %lu is on no free list but not marked live (state %u)",
				i, pool->state[i]);
	memset(pool->check_mark, 0, pool->st.total);
}

unsigned long ref_upool_check(struct ref_upool *pool,
			      enum ref_check_level level, struct ref_report *r)
{
	unsigned long before;

	if (!pool || !r || level == REF_CHECK_NONE)
		return 0;
	before = r->total;
	pthread_mutex_lock(&pool->lock);
	check_counts_locked(pool, r);
	if (check_block_locked(pool, r) && level >= REF_CHECK_FULL)
		check_freelist_locked(pool, r);
	pthread_mutex_unlock(&pool->lock);
	return r->total - before;
}

static void check_upools(struct ref_mm *mm, enum ref_check_level level,
			 struct ref_report *r)
{
	struct ref_list_head *pos;

	pthread_mutex_lock(&mm->upool_lock);
	ref_list_for_each(pos, &mm->upools)
		ref_upool_check(ref_list_entry(pos, struct ref_upool, list),
				level, r);
	pthread_mutex_unlock(&mm->upool_lock);
}

const struct ref_component ref_upool_component = {
	"upool", upools_init, upools_drop, upools_exit, check_upools,
};
