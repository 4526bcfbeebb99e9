/* SPDX-License-Identifier: MIT */
/*
 * stress/reclaim.c - scenario reclaim: threads allocate against
 * shrinkers that hold pages, under pressure (docs/reclaim.md).
 *
 * Four caches of the harness's are registered as shrinkers through the
 * adapter's shrinker calls (docs/adapters.md): one of order-0 blocks that
 * needs nothing, one that needs I/O, one that needs the file system and
 * I/O, and one of order-2 blocks that needs the file system and I/O. Each
 * may hold up to a quarter of five quarters of the machine's managed
 * pages, so together they could take more than all of it: the
 * allocator has to reclaim from them to serve anything once they are
 * full. A worker step fills a cache one in four steps (a block taken
 * with GFP_KERNEL, GFP_NOFS, GFP_NOIO or GFP_HIGHUSER_MOVABLE, with every
 * check of pages-mix: range, zone, ownership, zero, cookies), and
 * otherwise churns its slots with the reclaim masks (GFP_KERNEL,
 * GFP_NOFS, GFP_NOIO, GFP_ATOMIC, GFP_NOWAIT, __GFP_NORETRY,
 * __GFP_RETRY_MAYFAIL, a rare __GFP_NOFAIL; orders 0..3, one in sixteen
 * 4 or 5), a quarter of the frees handed to a peer. The caches' scan
 * callbacks free their newest blocks through the adapter with pages-mix's
 * release checks (cookies, ownership), on whatever thread reclaims: a
 * worker inside its own allocation (direct reclaim) or the allocator's
 * own thread (ref-pages runs kswapd as one when several threads call
 * in), whose violations are filed under thread -1.
 *
 * No capacity probe at the parks: background reclaim may free cache
 * blocks while the workers are parked, so no plan of free ranges holds.
 * The adapter's check runs at every park as in every scenario (ref's
 * holds its kswapd off meanwhile, and reports CTX-RECLAIM when a cache
 * was scanned against the needs ref was told). The caches check the rule
 * themselves, against the needs they really have: a scan for a mask
 * without __GFP_FS of a cache that needs the file system, or without
 * __GFP_IO of one that needs I/O, is STRESS-RECLAIM (and the cache
 * answers SHRINK_STOP, as such a kernel cache does). At the end the
 * caches are unregistered (no callback runs after) and emptied.
 *
 * Needs PAGES and THREAD_SAFE (a callback frees into the allocator from
 * inside one of its calls: a serializing lock would be taken twice) and
 * the shrinker calls; refused with exit 2 otherwise.
 *
 * Locks: a cache's lock is a leaf, held to push or pop, never across an
 * adapter call.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/adapter.h>
#include <mmtorture/exec.h>
#include <mmtorture/machine.h>

#include "stress_int.h"

#define NR_CACHES 4u
#define SCAN_MAX 256u /* blocks one scan call frees at most */

#define GFP_NOFS (MMT_GFP_RECLAIM | MMT_GFP_IO)
#define GFP_NOIO MMT_GFP_RECLAIM
#define GFP_NOWAIT (MMT_GFP_KSWAPD_RECLAIM | MMT_GFP_NOWARN)
#define GFP_HIGHUSER_MOVABLE \
	(MMT_GFP_KERNEL | MMT_GFP_HARDWALL | MMT_GFP_HIGHMEM | MMT_GFP_MOVABLE)

struct rcache {
	struct stress *s;
	unsigned int id;
	uint32_t needs, order;
	pthread_mutex_t lock; /* guards v and n */
	struct stress_pblock *v; /* cap blocks, the newest last */
	size_t n, cap;
	void *handle; /* the adapter's, while registered */
	_Atomic uint64_t filled, reclaimed, background;
};

struct rshared {
	struct rcache c[NR_CACHES];
	int inited; /* caches whose lock is initialised */
};

/* The worker this thread is, NULL on a thread of the allocator's. */
static _Thread_local struct stress_worker *this_worker;

static const struct {
	uint32_t needs, order;
} cache_rows[NR_CACHES] = {
	{ 0, 0 },
	{ MMT_SHRINKER_NEEDS_IO, 0 },
	{ MMT_SHRINKER_NEEDS_FS | MMT_SHRINKER_NEEDS_IO, 0 },
	{ MMT_SHRINKER_NEEDS_FS | MMT_SHRINKER_NEEDS_IO, 2 },
};

static const uint32_t fill_gfps[] = {
	MMT_GFP_KERNEL,
	GFP_NOFS,
	GFP_NOIO,
	GFP_HIGHUSER_MOVABLE,
};

static const uint32_t churn_gfps[] = {
	MMT_GFP_KERNEL,
	MMT_GFP_KERNEL,
	GFP_NOFS,
	GFP_NOIO,
	MMT_GFP_ATOMIC,
	GFP_NOWAIT,
	MMT_GFP_KERNEL | MMT_GFP_NORETRY | MMT_GFP_NOWARN,
	MMT_GFP_KERNEL | MMT_GFP_RETRY_MAYFAIL,
	MMT_GFP_KERNEL | MMT_GFP_ZERO,
	GFP_NOFS | MMT_GFP_DMA32,
	GFP_HIGHUSER_MOVABLE,
	MMT_GFP_KERNEL | MMT_GFP_NOFAIL,
};
#define NR_CHURN_GFPS (sizeof(churn_gfps) / sizeof(churn_gfps[0]))

/* ------------------------------------------------------ callbacks */

static uint64_t rc_count(void *ctx, const struct mmt_shrink_control *sc)
{
	struct rcache *c = ctx;
	size_t n;

	(void)sc;
	pthread_mutex_lock(&c->lock);
	n = c->n;
	pthread_mutex_unlock(&c->lock);
	return n ? n : MMT_SHRINK_EMPTY;
}

/* STRESS-RECLAIM: reclaim for gfp may not tear c's objects down. */
static int scan_refused(struct rcache *c, uint32_t gfp)
{
	const char *need = NULL;

	if ((c->needs & MMT_SHRINKER_NEEDS_FS) && !(gfp & MMT_GFP_FS))
		need = "__GFP_FS";
	else if ((c->needs & MMT_SHRINKER_NEEDS_IO) && !(gfp & MMT_GFP_IO))
		need = "__GFP_IO";
	if (!need)
		return 0;
	if (this_worker)
		mmt_stress_worker_violation(
			this_worker, UINT64_MAX, "STRESS-RECLAIM",
			"shrinker cache %u, which needs %s, was scanned by "
			"reclaim for gfp 0x%x",
			c->id, need, gfp);
	else
		mmt_stress_violation(c->s, -1, 0, UINT64_MAX, "STRESS-RECLAIM",
				     "shrinker cache %u, which needs %s, was "
				     "scanned by background reclaim for gfp "
				     "0x%x",
				     c->id, need, gfp);
	return 1;
}

/* The newest blocks back to the allocator, with the release checks. */
static uint64_t rc_scan(void *ctx, struct mmt_shrink_control *sc)
{
	struct rcache *c = ctx;
	struct stress_pblock got[SCAN_MAX];
	uint64_t want = sc->nr_to_scan < SCAN_MAX ? sc->nr_to_scan : SCAN_MAX;
	size_t k = 0;

	if (scan_refused(c, sc->gfp))
		return MMT_SHRINK_STOP; /* what such a cache answers */
	pthread_mutex_lock(&c->lock);
	while (k < want && c->n)
		got[k++] = c->v[--c->n];
	pthread_mutex_unlock(&c->lock);
	for (size_t i = 0; i < k; i++) {
		mmt_stress_pages_release_from(c->s, this_worker, &got[i]);
		/* a cache's block was no worker's live block */
		if (this_worker)
			mmt_stress_live_add(this_worker,
					    (int64_t)1 << got[i].order);
	}
	atomic_fetch_add_explicit(&c->reclaimed, k, memory_order_relaxed);
	if (sc->flags & MMT_SHRINK_KSWAPD)
		atomic_fetch_add_explicit(&c->background, k,
					  memory_order_relaxed);
	return k;
}

/* ------------------------------------------------------ hooks */

static int has_shrinkers(const struct stress *s)
{
	const struct mmt_pages_ops *p = s->ad->pages;

	return MMT_ABI_HAS(struct mmt_pages_ops, shrinker_unregister,
			   p->struct_size) &&
	       p->shrinker_register && p->shrinker_unregister;
}

static void rshared_free(struct stress *s)
{
	struct rshared *rs = s->xpriv;

	if (!rs)
		return;
	for (int i = 0; i < rs->inited; i++) {
		pthread_mutex_destroy(&rs->c[i].lock);
		free(rs->c[i].v);
	}
	free(rs);
	s->xpriv = NULL;
}

static int reclaim_setup(struct stress *s, char *err, size_t errlen)
{
	struct mmt_wmarks wm;
	struct rshared *rs;
	uint64_t usable = 0;
	int rc;

	if (!has_shrinkers(s) || s->serialize) {
		snprintf(err, errlen,
			 "reclaim: allocator '%s' has %s (the scenario "
			 "registers shrinkers, whose callbacks free from "
			 "inside the allocator's calls)",
			 s->ad->name,
			 s->serialize ? "no THREAD_SAFE capability" :
					"no shrinker calls");
		return MMT_EXIT_USAGE;
	}
	rc = mmt_stress_pages_setup(s, err, errlen);
	if (rc)
		return rc;
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return -1;
	s->xpriv = rs;
	mmt_machine_wmarks(&s->machine, &wm);
	for (int z = 0; z < MMT_NR_ZONE_TYPES; z++)
		usable += wm.zone[z].managed;
	for (unsigned int i = 0; i < NR_CACHES; i++) {
		struct rcache *c = &rs->c[i];
		struct mmt_shrinker shr;
		char name[24];

		c->s = s;
		c->id = i;
		c->needs = cache_rows[i].needs;
		c->order = cache_rows[i].order;
		if (c->order + 1 >= s->model.nr_orders)
			c->order = 0;
		/* a quarter each of 5/4 of the managed pages */
		c->cap = (size_t)(usable * 5 / 16 >> c->order) + 1;
		pthread_mutex_init(&c->lock, NULL);
		rs->inited++;
		c->v = calloc(c->cap, sizeof(*c->v));
		if (!c->v)
			return -1;
		snprintf(name, sizeof(name), "stress-cache%u", i);
		memset(&shr, 0, sizeof(shr));
		shr.needs = c->needs;
		shr.seeks = 2;
		shr.name = name;
		shr.count = rc_count;
		shr.scan = rc_scan;
		shr.ctx = c;
		rc = s->ad->pages->shrinker_register(s->state, &shr,
						     &c->handle);
		if (rc) {
			snprintf(err, errlen,
				 "reclaim: allocator '%s' refused shrinker "
				 "%u (%d)",
				 s->ad->name, i, rc);
			return MMT_EXIT_ENV;
		}
	}
	return 0;
}

static void reclaim_teardown(struct stress *s)
{
	struct rshared *rs = s->xpriv;
	uint64_t filled = 0, reclaimed = 0, background = 0;

	if (!rs) {
		mmt_stress_pages_teardown(s);
		return;
	}
	for (int i = 0; i < rs->inited; i++) {
		struct rcache *c = &rs->c[i];

		if (c->handle)
			s->ad->pages->shrinker_unregister(s->state, c->handle);
		c->handle = NULL;
		/* no callback runs now: what is left goes back (no worker's
		 * live count has it) */
		while (c->n) {
			c->n--;
			mmt_stress_pages_release_from(s, NULL, &c->v[c->n]);
		}
		filled += atomic_load(&c->filled);
		reclaimed += atomic_load(&c->reclaimed);
		background += atomic_load(&c->background);
	}
	if (s->out)
		fprintf(s->out,
			"stress: reclaim: %" PRIu64 " cache block(s) filled, "
			"%" PRIu64 " reclaimed (%" PRIu64
			" by background reclaim)\n",
			filled, reclaimed, background);
	rshared_free(s);
	mmt_stress_pages_teardown(s);
}

/* Fill cache c with one block (r picks the mask); full: nothing. */
static void fill_cache(struct stress_worker *w, struct rcache *c, uint64_t r)
{
	struct stress_pblock b;
	int kept = 0;

	pthread_mutex_lock(&c->lock);
	kept = c->n < c->cap;
	pthread_mutex_unlock(&c->lock);
	if (!kept ||
	    mmt_stress_pages_alloc(
		    w, &b, c->order,
		    fill_gfps[r % (sizeof(fill_gfps) / sizeof(fill_gfps[0]))],
		    MMT_API_ALLOC_PAGES))
		return;
	pthread_mutex_lock(&c->lock);
	kept = c->n < c->cap;
	if (kept)
		c->v[c->n++] = b;
	pthread_mutex_unlock(&c->lock);
	if (kept) {
		atomic_fetch_add_explicit(&c->filled, 1, memory_order_relaxed);
		/* the cache's now: live counts the workers' blocks only */
		mmt_stress_live_add(w, -((int64_t)1 << b.order));
	} else {
		mmt_stress_pages_release(w, &b);
	}
}

/* Free what slot i holds, or hand it to a peer (1 in 4 from r). */
static void drop_or_hand(struct stress_worker *w, size_t i, uint64_t r)
{
	unsigned int to;
	int hand;

	if (!w->held[i])
		return;
	w->held[i] = false;
	hand = mmt_stress_pick_peer(w, r, &to);
	if (!mmt_stress_pass_on(w, hand, to, mmt_stress_slot(w, i)))
		mmt_stress_pages_release(w, mmt_stress_slot(w, i));
}

static void reclaim_step(struct stress_worker *w)
{
	struct rshared *rs = w->s->xpriv;
	uint64_t r = mmt_stress_rand(&w->rng);
	size_t i = (size_t)((r >> 32) % STRESS_PAGE_SLOTS);
	struct stress_pblock b;
	uint32_t order, top = w->s->model.nr_orders;

	this_worker = w;
	if ((r & 3) == 0) {
		fill_cache(w, &rs->c[(r >> 2) % NR_CACHES], r >> 8);
		return;
	}
	if ((r >> 12) % 100 < 45) {
		drop_or_hand(w, i, r >> 16);
		return;
	}
	order = ((r >> 20) & 15) ? (uint32_t)((r >> 24) & 3) :
				   4 + (uint32_t)((r >> 24) & 1);
	if (order >= top)
		order = 0;
	drop_or_hand(w, i, r >> 16);
	if (mmt_stress_failed(w->s) ||
	    mmt_stress_pages_alloc(w, &b, order,
				   churn_gfps[(r >> 40) % NR_CHURN_GFPS],
				   MMT_API_ALLOC_PAGES))
		return;
	memcpy(mmt_stress_slot(w, i), &b, sizeof(b));
	w->held[i] = true;
}

static void reclaim_release(struct stress_worker *w, const void *item)
{
	this_worker = w;
	mmt_stress_pages_release(w, item);
}

const struct stress_scenario mmt_stress_reclaim = STRESS_SCENARIO(
	"reclaim", MMT_CAP_PAGES | MMT_CAP_THREAD_SAFE, "pages",
	"allocations against shrinker caches that could hold more than all "
	"of memory: direct reclaim and kswapd under pressure (PAGES, "
	"THREAD_SAFE, shrinkers)",
	struct stress_pblock, STRESS_PAGE_SLOTS, reclaim, reclaim_release,
	NULL);
