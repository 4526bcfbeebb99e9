/* SPDX-License-Identifier: MIT */
/*
 * stress/upool.c - scenario upool-mix: threads sharing the pools of one
 * UPOOL allocator (the seeds' memory pool), chunks freed by other threads
 * than the ones that took them.
 *
 * Setup creates NR_POOLS pools shared by every thread, of chunk sizes 24,
 * 64, 200 and 1000 bytes, each of POOL_CHUNKS_PER_THREAD chunks per thread
 * (so pools run full now and then: a NULL is a failed allocation, not a
 * violation; the single-threaded capacity rules are the pool shadow's).
 * Each thread has STRESS_UPOOL_SLOTS slots. Step n of thread i draws from
 * thread i's stream only: a slot, an op (free 45%, alloc 55%), a pool and
 * whether and to whom a freed chunk is handed. An alloc into a live slot
 * frees the old chunk first; a free of an empty slot does nothing; a
 * quarter of frees (with more than one thread) hand the chunk to another
 * thread, which checks and frees it into its pool.
 *
 * Checks:
 *   STRESS-DOUBLE-ALLOC a chunk handed out while live: every live chunk's
 *                       address is in the lock-striped live set
 *                       (liveset.c), inserted after the alloc and removed
 *                       just before the free;
 *   STRESS-ALIGN        a chunk below the upool->align declared;
 *   STRESS-COOKIE       the cookie (address, thread, sequence, key over
 *                       the first min(size, 32) bytes) and the fill after
 *                       it up to 256 bytes changed between alloc and free;
 *   STRESS-FREE         the free of a live chunk was refused;
 *   STRESS-OWNER        a chunk's address missing from the set at free.
 * At teardown (every chunk freed) each pool is destroyed; a pool that
 * reports live chunks then is STRESS-FREE too (its chunks were all
 * returned).
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/adapter.h>

#include "stress_int.h"

#ifdef MMT_TSAN
#define STRESS_UPOOL_SLOTS 64u
#else
#define STRESS_UPOOL_SLOTS 256u
#endif
#define NR_POOLS 4u
#define POOL_CHUNKS_PER_THREAD 32u
#define COOKIE_MAGIC 0x75706f6f6c636b21ULL
#define FILL_END 256u /* the fill covers [cookie, FILL_END) */

static const size_t pool_sizes[NR_POOLS] = { 24, 64, 200, 1000 };

struct upools {
	struct mmt_liveset *live;
	void *pool[NR_POOLS];
};

/* A live chunk. */
struct uchunk {
	void *addr;
	uint64_t seq; /* the allocating thread's allocation number */
	uint64_t key; /* fill key */
	uint32_t pool;
	uint32_t thread;
};

/* At the start of every chunk (its first min(size, 32) bytes). */
struct ucookie {
	uint64_t magic; /* COOKIE_MAGIC ^ address */
	uint64_t seq;
	uint64_t key;
	uint32_t thread;
	uint32_t pool;
};

static struct upools *UP(const struct stress *s)
{
	return s->priv;
}

static uint64_t tag_of(const struct uchunk *c)
{
	return ((uint64_t)c->thread << 48) | (c->seq & 0xffffffffffffULL);
}

static void make_cookie(const struct uchunk *c, struct ucookie *k)
{
	memset(k, 0, sizeof(*k));
	k->magic = COOKIE_MAGIC ^ (uint64_t)(uintptr_t)c->addr;
	k->seq = c->seq;
	k->key = c->key;
	k->thread = c->thread;
	k->pool = c->pool;
}

static uint8_t fill_byte(uint64_t key, size_t i)
{
	return (uint8_t)((key >> ((i & 7u) * 8u)) + (i >> 3));
}

static void write_chunk(const struct uchunk *c)
{
	size_t size = pool_sizes[c->pool], head = sizeof(struct ucookie);
	unsigned char *b = c->addr;
	struct ucookie k;

	make_cookie(c, &k);
	memcpy(b, &k, size < head ? size : head);
	for (size_t i = head; i < size && i < FILL_END; i++)
		b[i] = fill_byte(c->key, i);
}

/* 0 when the cookie and fill are intact, else a violation and -1. */
static int verify_chunk(struct stress_worker *w, const struct uchunk *c)
{
	size_t size = pool_sizes[c->pool], head = sizeof(struct ucookie);
	const unsigned char *b = c->addr;
	struct ucookie k;
	size_t bad = SIZE_MAX;

	make_cookie(c, &k);
	if (memcmp(b, &k, size < head ? size : head) != 0)
		bad = 0;
	for (size_t i = head; bad == SIZE_MAX && i < size && i < FILL_END; i++)
		if (b[i] != fill_byte(c->key, i))
			bad = i;
	if (bad == SIZE_MAX)
		return 0;
	mmt_stress_worker_violation(
		w, (uint64_t)(uintptr_t)c->addr, "STRESS-COOKIE",
		"chunk %p of pool %u (thread %u's allocation #%" PRIu64
		"): %s changed before the free",
		c->addr, c->pool, c->thread, c->seq,
		bad == 0 ? "the cookie" : "the fill");
	return -1;
}

/* Free a chunk this thread holds (its own or handed in). */
/* also the scenario's release: item is a struct uchunk */
static void free_chunk(struct stress_worker *w, const void *item)
{
	const struct uchunk *c = item;
	struct stress *s = w->s;
	int rc;

	if (verify_chunk(w, c) != 0)
		return; /* leave it: the run is over */
	if (mmt_liveset_remove(UP(s)->live, (uintptr_t)c->addr, NULL) != 0)
		mmt_stress_worker_violation(
			w, (uint64_t)(uintptr_t)c->addr, "STRESS-OWNER",
			"live chunk %p was not in the live set", c->addr);
	mmt_stress_live_add(w, -(int64_t)pool_sizes[c->pool]);
	mmt_stress_lock(s);
	rc = s->ad->upool->free(s->state, UP(s)->pool[c->pool], c->addr);
	mmt_stress_unlock(s);
	w->ops++;
	w->frees++;
	if (rc)
		mmt_stress_worker_violation(
			w, (uint64_t)(uintptr_t)c->addr, "STRESS-FREE",
			"free of live chunk %p of pool %u refused: %d", c->addr,
			c->pool, rc);
}

/* Allocate from c->pool into c; 0 when c is now live. */
static int alloc_chunk(struct stress_worker *w, struct uchunk *c)
{
	struct stress *s = w->s;
	uint64_t old = 0, st;
	void *p;
	int rc;

	mmt_stress_lock(s);
	p = s->ad->upool->alloc(s->state, UP(s)->pool[c->pool]);
	mmt_stress_unlock(s);
	w->ops++;
	if (!p) {
		w->fails++;
		return -1;
	}
	w->allocs++;
	c->addr = p;
	c->thread = w->id;
	c->seq = ++w->seq;
	st = s->seed ^ ((uint64_t)w->id << 40) ^ (c->seq * 0x9e37ULL);
	c->key = mmt_stress_rand(&st);
	rc = mmt_liveset_insert(UP(s)->live, (uintptr_t)p, tag_of(c), &old);
	if (rc == 1) {
		mmt_stress_worker_violation(
			w, (uint64_t)(uintptr_t)p, "STRESS-DOUBLE-ALLOC",
			"pool %u returned %p, which is live: thread %u holds "
			"it as its allocation #%" PRIu64,
			c->pool, p, (unsigned int)(old >> 48),
			(uint64_t)(old & 0xffffffffffffULL));
		return -1;
	}
	if (rc < 0) {
		mmt_stress_worker_violation(w, (uint64_t)(uintptr_t)p,
					    "STRESS-OOM",
					    "the harness ran out of memory");
		return -1;
	}
	if ((uintptr_t)p % s->ad->upool->align)
		mmt_stress_worker_violation(
			w, (uint64_t)(uintptr_t)p, "STRESS-ALIGN",
			"pool %u returned %p, not aligned to the %" PRIu64
			" upool->align declares",
			c->pool, p, s->ad->upool->align);
	write_chunk(c);
	mmt_stress_live_add(w, (int64_t)pool_sizes[c->pool]);
	return 0;
}

static int upool_setup(struct stress *s, char *err, size_t errlen)
{
	struct upools *u = calloc(1, sizeof(*u));
	uint64_t count = (uint64_t)s->nr_threads * POOL_CHUNKS_PER_THREAD;

	if (!u)
		return -1;
	s->priv = u;
	s->where_name = "addr";
	u->live =
		mmt_liveset_create((size_t)s->nr_threads * STRESS_UPOOL_SLOTS);
	if (!u->live)
		return -1;
	for (unsigned int i = 0; i < NR_POOLS; i++) {
		int rc = s->ad->upool->create(s->state, pool_sizes[i], count,
					      MMT_GFP_KERNEL, &u->pool[i]);

		if (rc) {
			snprintf(err, errlen,
				 "upool->create(%zu bytes x %llu) failed: %d",
				 pool_sizes[i], (unsigned long long)count, rc);
			return -1;
		}
	}
	return 0;
}

static void upool_teardown(struct stress *s)
{
	struct upools *u = UP(s);

	if (!u)
		return;
	for (unsigned int i = 0; i < NR_POOLS; i++) {
		long left;

		if (!u->pool[i])
			continue;
		left = s->ad->upool->destroy(s->state, u->pool[i]);
		if (left && !mmt_stress_failed(s))
			mmt_stress_violation(s, -1, 0, UINT64_MAX,
					     "STRESS-FREE",
					     "pool %u: destroy returned %ld "
					     "after every chunk was freed",
					     i, left);
	}
	mmt_liveset_destroy(u->live);
	free(u);
	s->priv = NULL;
}

static void upool_step(struct stress_worker *w)
{
	uint64_t r = mmt_stress_rand(&w->rng), r2 = mmt_stress_rand(&w->rng);
	uint32_t slot = (uint32_t)(r % STRESS_UPOOL_SLOTS);
	int is_free = (r >> 32) % 100 < 45;
	struct uchunk *c = mmt_stress_slot(w, slot);
	unsigned int to = 0;
	int hand = mmt_stress_pick_peer(w, r2 >> 8, &to);

	if (w->held[slot]) {
		w->held[slot] = false;
		if (!is_free || !mmt_stress_pass_on(w, hand, to, c))
			free_chunk(w, c);
	}
	if (is_free || mmt_stress_failed(w->s))
		return;
	memset(c, 0, sizeof(*c));
	c->pool = (uint32_t)(r2 % NR_POOLS);
	w->held[slot] = alloc_chunk(w, c) == 0;
}

const struct stress_scenario mmt_stress_upool_mix = STRESS_SCENARIO(
	"upool-mix", MMT_CAP_UPOOL, "bytes",
	"shared fixed-size pools, alloc/free, cross-thread frees (UPOOL)",
	struct uchunk, STRESS_UPOOL_SLOTS, upool, free_chunk, NULL);
