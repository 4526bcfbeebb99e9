/* SPDX-License-Identifier: MIT */
/*
 * stress/pagepath.c - scenarios of the page allocation path, on the
 * checks of pages-mix (pages.c: every block's range, ownership, zone,
 * zero and cookie checks; the adapter's check and the capacity probe at
 * every park):
 *
 *   atomic-burst    interrupt-context GFP_ATOMIC bursts beside GFP_KERNEL
 *                   churn near the watermarks: a burst enters a hardirq
 *                   through the adapter's context() (irq_enter ...
 *                   irq_exit), allocates 1..8 blocks of order 0..3 with
 *                   masks that cannot sleep, frees some in the handler
 *                   and keeps the rest (freed later in process context,
 *                   or by a peer); odd workers burst every 8 steps on
 *                   average, even ones every 64. At every park the
 *                   allocator's count of allocations that may sleep in
 *                   atomic context must still be 0 (CTX-REPORT).
 *   highorder-frag  order-9 requests (the top order less one when the
 *                   machine has fewer) amid order-0 churn: a ballast of
 *                   order-9 blocks holds three quarters of RAM, one step
 *                   in 16 gives one of them back and asks again, the rest
 *                   allocate and free single pages in random slots. Order
 *                   9 may fail (counted); what it returns is checked.
 *   pcp-churn       free on one CPU, allocate on another: order 0..3
 *                   (the per-CPU lists' orders), three frees in four
 *                   handed to a peer, which frees the block on its own
 *                   CPU's lists. The first park and every other one
 *                   after it take one CPU down and up again (MMT_CTX_CPU_OFFLINE / _ONLINE, its lists
 *                   drained) while the workers are parked, before the
 *                   probe; skipped when the adapter lacks the calls or
 *                   the machine has one CPU.
 *   dma-starve      GFP_DMA workers (even ids) take DMA down to its min
 *                   watermark while GFP_KERNEL / GFP_DMA32 workers (odd
 *                   ids) take the zones above it down to theirs, both
 *                   with a greedy ballast, then churn. STRESS-PROTECTION:
 *                   a plain-min request (mmt_wmark_alloc_flags) whose
 *                   classzone is above DMA took a DMA block although DMA's
 *                   free pages were at or below min + lowmem_reserve
 *                   [classzone] (mmt_machine_wmarks(), the harness's
 *                   own figures) for the whole of the call; see
 *                   protection_bound().
 *
 * The draws come from the worker's stream alone, as in pages-mix, so a
 * seed gives the same op sequence per thread (ballasts stop at the first
 * failure, so how much they hold depends on the others).
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/adapter.h>
#include <mmtorture/machine.h>

#include "stress_int.h"

#define GFP_NOWAIT (MMT_GFP_KSWAPD_RECLAIM | MMT_GFP_NOWARN)
#define GFP_HIGHUSER_MOVABLE \
	(MMT_GFP_KERNEL | MMT_GFP_HARDWALL | MMT_GFP_HIGHMEM | MMT_GFP_MOVABLE)
#define BURST_MAX 8u /* blocks one interrupt allocates */
#define HO_ORDER 9u /* pageblock_order on x86 */

/* ------------------------------------------------------ shared */

/* Scenario-wide state beside pages.c's (s->xpriv). */
struct ppath {
	struct mmt_wmarks wm; /* the machine's, by the harness */
	int has_wm; /* the adapter declares WATERMARKS */
	int (*ctx)(void *state, uint32_t op, uint32_t arg); /* or NULL */
	uint64_t usable; /* managed pages of every zone */
	uint64_t ballast; /* pages a worker's ballast aims at */
	uint32_t ho_order; /* highorder-frag's order */
	/* dma-starve: pages of DMA blocks claimed and released so far */
	_Atomic uint64_t dma_claimed, dma_released;
	uint64_t dma_usable; /* DMA's managed pages */
	int dma_zone; /* the model has a populated DMA zone */
	unsigned long parks, hotplugs;
	/* dma-starve: allocations the rule applied to, and of them those
	 * whose bound was at or below the mark (served above DMA) */
	_Atomic unsigned long protect_checks, protect_tight;
	int hotplug_off; /* the adapter refused: no more hotplug */
};

static uint32_t top_order(const struct stress *s)
{
	uint32_t top = s->model.nr_orders ? s->model.nr_orders : 1;
	uint32_t served = s->ad->pages->nr_orders;

	if (served && served < top)
		top = served;
	return top > 20 ? 20 : top;
}

static int ppath_setup(struct stress *s, char *err, size_t errlen)
{
	struct ppath *pp;
	int rc = mmt_stress_pages_setup(s, err, errlen);

	if (rc)
		return rc;
	pp = calloc(1, sizeof(*pp));
	if (!pp)
		return -1;
	mmt_machine_wmarks(&s->machine, &pp->wm);
	pp->has_wm = (s->ad->caps & MMT_CAP_WATERMARKS) != 0;
	if (MMT_ABI_HAS(struct mmt_pages_ops, context,
			s->ad->pages->struct_size))
		pp->ctx = s->ad->pages->context;
	for (int z = 0; z < MMT_NR_ZONE_TYPES; z++)
		pp->usable += pp->wm.zone[z].managed;
	pp->dma_usable = pp->wm.zone[MMT_ZONE_DMA].managed;
	for (uint32_t i = 0; i < s->model.nr_zones && i < MMT_NR_ZONE_TYPES;
	     i++)
		if (s->model.zones[i].type == MMT_ZONE_DMA &&
		    s->model.zones[i].present)
			pp->dma_zone = 1;
	pp->ho_order = top_order(s) > HO_ORDER ? HO_ORDER : top_order(s) - 1;
	s->xpriv = pp;
	return 0;
}

static void ppath_teardown(struct stress *s)
{
	free(s->xpriv);
	s->xpriv = NULL;
	mmt_stress_pages_teardown(s);
}

/* A context call on w's CPU, serialized like any adapter call. */
static int ctx_call(struct stress *s, uint32_t op, uint32_t arg)
{
	struct ppath *pp = s->xpriv;
	int rc;

	if (!pp->ctx)
		return -1;
	mmt_stress_lock(s);
	rc = pp->ctx(s->state, op, arg);
	mmt_stress_unlock(s);
	return rc;
}

/* Free what slot i holds (its own numbers pick the entry point). */
static void drop_slot(struct stress_worker *w, size_t i)
{
	if (!w->held[i])
		return;
	w->held[i] = false;
	w->s->sc->release(w, mmt_stress_slot(w, i));
}

/*
 * Free slot i's block, or hand it to a peer when hand (1 in 4 from r,
 * or 3 in 4 with often set).
 */
static void free_or_hand(struct stress_worker *w, size_t i, uint64_t r,
			 int often)
{
	unsigned int n = w->s->nr_threads, to;
	int hand;

	if (!w->held[i])
		return;
	if (n < 2) {
		drop_slot(w, i);
		return;
	}
	to = (w->id + 1 + (unsigned int)((r >> 8) % (n - 1))) % n;
	hand = often ? (r & 3) != 0 : (r & 3) == 0;
	w->held[i] = false;
	if (!mmt_stress_pass_on(w, hand, to, mmt_stress_slot(w, i)))
		w->s->sc->release(w, mmt_stress_slot(w, i));
}

/* Allocate into slot i (its old block freed first); 0 when it holds one. */
static int fill_slot(struct stress_worker *w, size_t i, uint32_t order,
		     uint32_t gfp)
{
	struct stress_pblock b;

	drop_slot(w, i);
	if (mmt_stress_failed(w->s) ||
	    mmt_stress_pages_alloc(w, &b, order, gfp, MMT_API_ALLOC_PAGES))
		return -1;
	memcpy(mmt_stress_slot(w, i), &b, sizeof(b));
	w->held[i] = true;
	return 0;
}

/*
 * Fill slots [first, first + n) with blocks of gfp, the largest order
 * that still fits under want pages first, down to order 0, each order
 * until it fails.
 */
static void fill_ballast(struct stress_worker *w, size_t first, size_t n,
			 uint64_t want, uint32_t gfp, uint32_t max_order)
{
	size_t i = first;
	uint64_t got = 0;

	for (uint32_t k = max_order + 1; k-- > 0 && i < first + n;) {
		while (i < first + n && got + (1ULL << k) <= want) {
			if (fill_slot(w, i, k, gfp))
				break;
			got += 1ULL << k;
			i++;
		}
	}
}

static int ppath_failed(struct stress_worker *w)
{
	return mmt_stress_failed(w->s);
}

/* ------------------------------------------------------ atomic-burst */

/* Masks an interrupt handler may use: none has __GFP_DIRECT_RECLAIM. */
static const uint32_t burst_gfps[] = {
	MMT_GFP_ATOMIC,
	MMT_GFP_ATOMIC | MMT_GFP_ZERO,
	MMT_GFP_ATOMIC | MMT_GFP_NOWARN,
	GFP_NOWAIT,
	MMT_GFP_ATOMIC | MMT_GFP_DMA32,
	MMT_GFP_ATOMIC | MMT_GFP_DMA,
};
#define NR_BURST_GFPS (sizeof(burst_gfps) / sizeof(burst_gfps[0]))

/* Churn and burst slots; the rest (nr_slots / 8) is the ballast. */
#define AB_BALLAST (STRESS_PAGE_SLOTS / 8u)
#define AB_BURST (STRESS_PAGE_SLOTS / 8u)
#define AB_CHURN (STRESS_PAGE_SLOTS - AB_BALLAST - AB_BURST)

static int atomic_burst_setup(struct stress *s, char *err, size_t errlen)
{
	struct ppath *pp;
	uint64_t keep = 0, churn;
	int rc;

	for (size_t i = 0; i < NR_BURST_GFPS; i++)
		if (burst_gfps[i] & MMT_GFP_DIRECT_RECLAIM) {
			snprintf(err, errlen,
				 "atomic-burst: burst mask 0x%x may sleep",
				 burst_gfps[i]);
			return -1;
		}
	rc = ppath_setup(s, err, errlen);
	if (rc)
		return rc;
	pp = s->xpriv;
	/*
	 * Aim the ballasts so that with every churn and burst slot full
	 * (3.75 pages on average, order 0..3) and as much again in flight
	 * to peers, free memory is near the high watermarks plus the
	 * lowmem reserves: the churn then runs between high and min.
	 */
	for (int z = 0; z < MMT_NR_ZONE_TYPES; z++) {
		uint64_t res = 0;

		for (int j = 0; j < MMT_NR_ZONE_TYPES; j++)
			if (pp->wm.zone[z].lowmem_reserve[j] > res)
				res = pp->wm.zone[z].lowmem_reserve[j];
		keep += pp->wm.zone[z].mark[MMT_WMARK_HIGH] + res;
	}
	churn = (uint64_t)s->nr_threads * (AB_CHURN + AB_BURST) * 15 / 2;
	if (pp->usable > keep + churn)
		pp->ballast = (pp->usable - keep - churn) / s->nr_threads;
	return 0;
}

static void atomic_burst_teardown(struct stress *s)
{
	ppath_teardown(s);
}

/* One interrupt: irq_enter, the allocations, some frees, irq_exit. */
static void atomic_burst_irq(struct stress_worker *w, uint64_t r)
{
	struct stress *s = w->s;
	struct stress_pblock got[BURST_MAX];
	uint32_t n = 1 + (uint32_t)((r >> 8) % BURST_MAX), kept = 0;
	int in_irq = ctx_call(s, MMT_CTX_IRQ_ENTER, 0) == 0;

	for (uint32_t j = 0; j < n && !ppath_failed(w); j++) {
		uint64_t d = mmt_stress_rand(&w->rng);
		uint32_t gfp = burst_gfps[d % NR_BURST_GFPS];

		if (!mmt_stress_pages_alloc(w, &got[kept],
					    (uint32_t)(d >> 8) & 3, gfp,
					    MMT_API_ALLOC_PAGES))
			kept++;
	}
	/* the handler frees every other block before it returns */
	for (uint32_t j = 0; j < kept; j++)
		if (!(j & 1) && !ppath_failed(w))
			s->sc->release(w, &got[j]);
	if (in_irq)
		ctx_call(s, MMT_CTX_IRQ_EXIT, 0);
	/* the rest is process context's: into the burst slots, or to a
	 * peer (a buffer consumed on another CPU) */
	for (uint32_t j = 1; j < kept; j += 2) {
		size_t i = AB_CHURN + (size_t)((r >> 16) + j) % AB_BURST;

		if (ppath_failed(w))
			break;
		free_or_hand(w, i, r >> 24, 0);
		memcpy(mmt_stress_slot(w, i), &got[j], sizeof(got[j]));
		w->held[i] = true;
	}
}

static void atomic_burst_step(struct stress_worker *w)
{
	struct ppath *pp = w->s->xpriv;
	uint64_t r = mmt_stress_rand(&w->rng);
	uint32_t every = (w->id & 1) ? 8 : 64;
	size_t i = (size_t)((r >> 32) % AB_CHURN);

	if (w->step == 0)
		fill_ballast(w, AB_CHURN + AB_BURST, AB_BALLAST, pp->ballast,
			     MMT_GFP_KERNEL, top_order(w->s) - 1);
	if ((r >> 4) % every == 0) {
		atomic_burst_irq(w, mmt_stress_rand(&w->rng));
		return;
	}
	/* GFP_KERNEL churn: 52 % allocations, order 0..3 */
	if ((r >> 20) % 100 >= 52)
		free_or_hand(w, i, r >> 40, 0);
	else
		fill_slot(w, i, (uint32_t)(r >> 8) & 3,
			  ((r >> 12) & 3) ? MMT_GFP_KERNEL :
					    MMT_GFP_KERNEL | MMT_GFP_ZERO);
}

/* At a park: no allocation may have been reported as sleeping in
 * atomic context (the bursts use masks that cannot sleep, the churn runs
 * in process context), then the capacity probe. */
static void atomic_burst_probe(struct stress *s, uint64_t ops)
{
	int n = ctx_call(s, MMT_CTX_SLEEP_REPORTS, 0);

	if (n > 0)
		mmt_stress_violation(
			s, -1, ops, UINT64_MAX, "CTX-REPORT",
			"the allocator counts %d allocation(s) that may sleep "
			"in atomic context, but every burst in interrupt "
			"context used a mask without __GFP_DIRECT_RECLAIM and "
			"every other allocation ran in process context",
			n);
	if (!mmt_stress_failed(s))
		mmt_stress_pages_probe(s, ops);
}

const struct stress_scenario mmt_stress_atomic_burst = STRESS_SCENARIO(
	"atomic-burst", MMT_CAP_PAGES, "pages",
	"GFP_ATOMIC bursts in simulated interrupts beside GFP_KERNEL churn "
	"near the watermarks (PAGES)",
	struct stress_pblock, STRESS_PAGE_SLOTS, atomic_burst,
	mmt_stress_pages_release, atomic_burst_probe);

/* ------------------------------------------------------ highorder-frag */

#define HF_BALLAST (STRESS_PAGE_SLOTS / 8u) /* order-9 slots */
#define HF_CHURN (STRESS_PAGE_SLOTS - HF_BALLAST)

static int highorder_frag_setup(struct stress *s, char *err, size_t errlen)
{
	struct ppath *pp;
	int rc = ppath_setup(s, err, errlen);

	if (rc)
		return rc;
	pp = s->xpriv;
	pp->ballast = pp->usable / 4 * 3 / s->nr_threads;
	return 0;
}

static void highorder_frag_teardown(struct stress *s)
{
	ppath_teardown(s);
}

static void highorder_frag_step(struct stress_worker *w)
{
	struct ppath *pp = w->s->xpriv;
	uint64_t r = mmt_stress_rand(&w->rng);

	if (w->step == 0) {
		uint64_t want = pp->ballast;

		/* order-9 blocks only: the rest of RAM is the churn's */
		for (size_t i = HF_CHURN;
		     i < STRESS_PAGE_SLOTS && want >= (1ULL << pp->ho_order);
		     i++) {
			if (fill_slot(w, i, pp->ho_order, MMT_GFP_KERNEL))
				break;
			want -= 1ULL << pp->ho_order;
		}
	}
	if ((r & 15) == 0) {
		size_t i = HF_CHURN + (size_t)((r >> 8) % HF_BALLAST);

		/* the order-9 request may fail: counted, not a finding */
		fill_slot(w, i, pp->ho_order,
			  ((r >> 4) & 1) ? GFP_HIGHUSER_MOVABLE :
					   MMT_GFP_KERNEL);
		return;
	}
	{
		size_t i = (size_t)((r >> 32) % HF_CHURN);

		if ((r >> 20) % 100 >= 55)
			free_or_hand(w, i, r >> 40, 0);
		else
			fill_slot(w, i, 0,
				  ((r >> 12) & 3) ? MMT_GFP_KERNEL :
						    GFP_HIGHUSER_MOVABLE);
	}
}

const struct stress_scenario mmt_stress_highorder_frag = STRESS_SCENARIO(
	"highorder-frag", MMT_CAP_PAGES, "pages",
	"order-9 requests amid order-0 churn over a fragmented arena (PAGES)",
	struct stress_pblock, STRESS_PAGE_SLOTS, highorder_frag,
	mmt_stress_pages_release, mmt_stress_pages_probe);

/* ------------------------------------------------------ pcp-churn */

static int pcp_churn_setup(struct stress *s, char *err, size_t errlen)
{
	return ppath_setup(s, err, errlen);
}

static void pcp_churn_teardown(struct stress *s)
{
	struct ppath *pp = s->xpriv;

	if (pp && s->out)
		fprintf(s->out,
			"stress: pcp-churn: %lu CPU hot-unplug/replug "
			"cycle(s)%s\n",
			pp->hotplugs,
			pp->hotplug_off ?
				" (the allocator has no CPU hotplug)" :
				"");
	ppath_teardown(s);
}

static void pcp_churn_step(struct stress_worker *w)
{
	uint64_t r = mmt_stress_rand(&w->rng);
	size_t i = (size_t)((r >> 32) % STRESS_PAGE_SLOTS);
	static const uint32_t gfps[4] = { MMT_GFP_KERNEL, MMT_GFP_KERNEL,
					  GFP_HIGHUSER_MOVABLE,
					  MMT_GFP_ATOMIC };
	/* order 0 mostly, 1..3 (the 6.12 lists' other orders) a third */
	uint32_t order = (r % 3) ? 0 : 1 + (uint32_t)((r >> 2) % 3);

	if ((r >> 20) % 100 >= 50)
		free_or_hand(w, i, r >> 40, 1); /* 3 in 4 to a peer */
	else
		fill_slot(w, i, order, gfps[(r >> 12) & 3]);
}

/*
 * At the first park and every other one after it, the workers parked:
 * one CPU down and up again (its
 * lists drained and the others' high recomputed), the CPUs in turn, then
 * the capacity probe. Both calls at one park, so no worker ever runs on
 * an offline CPU and no check runs while one is down (ref's PCP-HIGH
 * wants every CPU's high inside the new bounds at once, where the
 * kernel clamps it at the next use).
 */
static void pcp_churn_probe(struct stress *s, uint64_t ops)
{
	struct ppath *pp = s->xpriv;
	unsigned int cpus = s->machine.nr_cpus;

	if (pp->ctx && !pp->hotplug_off && cpus > 1 && !(pp->parks++ & 1)) {
		unsigned int cpu = (unsigned int)(pp->hotplugs % cpus);

		if (ctx_call(s, MMT_CTX_CPU_OFFLINE, cpu) < 0) {
			pp->hotplug_off = !pp->hotplugs;
			if (pp->hotplugs)
				mmt_stress_violation(
					s, -1, ops, UINT64_MAX, "CTX-REPORT",
					"pcp-churn: the allocator refused to "
					"take cpu %u down (every cpu online, "
					"%u of them)",
					cpu, cpus);
		} else if (ctx_call(s, MMT_CTX_CPU_ONLINE, cpu) < 0) {
			mmt_stress_violation(s, -1, ops, UINT64_MAX,
					     "CTX-REPORT",
					     "pcp-churn: the allocator refused "
					     "to bring cpu %u back up",
					     cpu);
		} else {
			pp->hotplugs++;
		}
	}
	if (!mmt_stress_failed(s))
		mmt_stress_pages_probe(s, ops);
}

const struct stress_scenario mmt_stress_pcp_churn = STRESS_SCENARIO(
	"pcp-churn", MMT_CAP_PAGES, "pages",
	"free on one CPU, allocate on another, CPU hot-unplug at parks "
	"(PAGES)",
	struct stress_pblock, STRESS_PAGE_SLOTS, pcp_churn,
	mmt_stress_pages_release, pcp_churn_probe);

/* ------------------------------------------------------ dma-starve */

#define DS_BALLAST (STRESS_PAGE_SLOTS / 2u)
#define DS_CHURN (STRESS_PAGE_SLOTS - DS_BALLAST)

static int dma_starve_setup(struct stress *s, char *err, size_t errlen)
{
	return ppath_setup(s, err, errlen);
}

static void dma_starve_teardown(struct stress *s)
{
	struct ppath *pp = s->xpriv;

	if (pp && s->out)
		fprintf(s->out,
			"stress: dma-starve: %lu allocation(s) above DMA held "
			"to its protection, %lu of them while DMA was provably "
			"at or below min + lowmem_reserve%s\n",
			atomic_load(&pp->protect_checks),
			atomic_load(&pp->protect_tight),
			pp->dma_zone && pp->has_wm ?
				"" :
				" (no DMA zone or no WATERMARKS: not checked)");
	ppath_teardown(s);
}

static int in_dma(const struct stress *s, const struct stress_pblock *b)
{
	return mmt_arena_zone_of(&s->model, b->pfn) == MMT_ZONE_DMA;
}

/*
 * An upper bound on DMA's free pages (NR_FREE_PAGES, the count a
 * watermark check reads) at every moment of an allocation call, from
 * the claimed count read before it (c0) and the released count read
 * after it (r1): the allocator's free pages are at most DMA's managed
 * pages less those of live blocks, and
 *   live(t) = claimed(t) - released(t) >= c0 - r1
 * for every t in the call, as claimed only grows after an allocation
 * returned (the allocator's count fell first) and released grows before
 * a free is called (before its count can rise; a block the allocator
 * keeps on a per-CPU list is not even counted free). Pages the harness
 * cannot see (an allocator's own, per-CPU lists) only lower the true
 * count. So when the bound less 2^order - 1 is at or below min +
 * lowmem_reserve, __zone_watermark_ok() failed throughout the call.
 * Exact counts are assumed: the kernel reads NR_FREE_PAGES through
 * per-CPU vmstat deltas that may lag by up to nr_cpus x the stat
 * threshold, which the reference does not model.
 */
static uint64_t protection_bound(const struct ppath *pp, uint64_t c0,
				 uint64_t r1)
{
	uint64_t live = c0 > r1 ? c0 - r1 : 0;

	return live < pp->dma_usable ? pp->dma_usable - live : 0;
}

/* One allocation of dma-starve, with the STRESS-PROTECTION check. */
static void dma_fill(struct stress_worker *w, size_t i, uint32_t order,
		     uint32_t gfp)
{
	struct stress *s = w->s;
	struct ppath *pp = s->xpriv;
	struct stress_pblock *b = mmt_stress_slot(w, i);
	uint64_t c0, r1, bound, mark;
	unsigned int flags;
	int cz, dma;

	drop_slot(w, i);
	c0 = atomic_load(&pp->dma_claimed);
	if (fill_slot(w, i, order, gfp))
		return;
	r1 = atomic_load(&pp->dma_released);
	dma = in_dma(s, b);
	if (dma)
		atomic_fetch_add(&pp->dma_claimed, 1ULL << order);
	if (!pp->dma_zone || !pp->has_wm)
		return;
	cz = mmt_wmark_classzone(pp->wm.era, &s->model, gfp);
	flags = mmt_wmark_alloc_flags(pp->wm.era, gfp, order);
	/* only requests held to the plain min watermark */
	if (cz <= MMT_ZONE_DMA || cz >= MMT_NR_ZONE_TYPES ||
	    flags != MMT_ALLOC_WMARK_MIN)
		return;
	atomic_fetch_add_explicit(&pp->protect_checks, 1, memory_order_relaxed);
	bound = protection_bound(pp, c0, r1);
	mark = pp->wm.zone[MMT_ZONE_DMA].mark[MMT_WMARK_MIN] +
	       pp->wm.zone[MMT_ZONE_DMA].lowmem_reserve[cz];
	if (bound >= (1ULL << order) - 1 &&
	    bound - ((1ULL << order) - 1) > mark)
		return;
	atomic_fetch_add_explicit(&pp->protect_tight, 1, memory_order_relaxed);
	if (dma)
		mmt_stress_worker_violation(
			w, b->pfn, "STRESS-PROTECTION",
			"order-%u block at pfn %" PRIu64
			" (gfp 0x%x, classzone %s) taken from DMA while DMA "
			"had at most %" PRIu64 " free pages throughout the "
			"call, at or below min %" PRIu64
			" + lowmem_reserve[%s] %" PRIu64,
			order, b->pfn, gfp, mmt_zone_name(cz), bound,
			pp->wm.zone[MMT_ZONE_DMA].mark[MMT_WMARK_MIN],
			mmt_zone_name(cz),
			pp->wm.zone[MMT_ZONE_DMA].lowmem_reserve[cz]);
}

/* The release: a DMA block is counted released before its free. */
static void dma_starve_release(struct stress_worker *w, const void *item)
{
	struct ppath *pp = w->s->xpriv;
	const struct stress_pblock *b = item;

	if (in_dma(w->s, b))
		atomic_fetch_add(&pp->dma_released, 1ULL << b->order);
	mmt_stress_pages_release(w, item);
}

static void dma_starve_step(struct stress_worker *w)
{
	struct stress *s = w->s;
	uint64_t r = mmt_stress_rand(&w->rng);
	int dma = s->nr_threads > 1 ? !(w->id & 1) : !(w->step & 1);
	uint32_t gfp;
	size_t i;

	if (w->step == 0) {
		/* greedy: each order until it fails, from the top down */
		uint32_t g = dma ? MMT_GFP_KERNEL | MMT_GFP_DMA :
				   MMT_GFP_KERNEL;
		size_t at = DS_CHURN;

		uint64_t back = 0;

		for (uint32_t k = top_order(s);
		     k-- > 0 && at < STRESS_PAGE_SLOTS;)
			while (at < STRESS_PAGE_SLOTS && !ppath_failed(w)) {
				dma_fill(w, at, k, g);
				if (!w->held[at])
					break;
				at++;
			}
		/* then give the smallest back, 3 x DS_CHURN pages, for
		 * the churn to move around the watermarks; the GFP_KERNEL
		 * side keeps what it took from DMA (it could not have it
		 * again while DMA is that low) */
		while (at > DS_CHURN && back < 3 * DS_CHURN) {
			const struct stress_pblock *b =
				mmt_stress_slot(w, --at);

			if (!w->held[at] || (!dma && in_dma(s, b)))
				continue;
			back += 1ULL << b->order;
			drop_slot(w, at);
		}
	}
	if (dma)
		gfp = MMT_GFP_KERNEL | MMT_GFP_DMA |
		      (((r >> 12) & 3) ? 0 : MMT_GFP_ZERO);
	else
		gfp = ((r >> 12) & 1) ? MMT_GFP_KERNEL :
					MMT_GFP_KERNEL | MMT_GFP_DMA32;
	if ((r & 63) == 0) {
		/* turn a ballast block over */
		i = DS_CHURN + (size_t)((r >> 32) % DS_BALLAST);
		if (w->held[i]) {
			const struct stress_pblock *b = mmt_stress_slot(w, i);

			dma_fill(w, i, b->order, b->gfp);
		}
		return;
	}
	i = (size_t)((r >> 32) % DS_CHURN);
	/* a DMA worker frees on its own CPU: a DMA page on another CPU's
	 * list is out of its reach until drained */
	if ((r >> 20) % 100 >= (dma ? 40u : 60u) && dma)
		drop_slot(w, i);
	else if ((r >> 20) % 100 >= 60u)
		free_or_hand(w, i, r >> 40, 0);
	else
		dma_fill(w, i, (uint32_t)((r >> 8) % 3), gfp);
}

const struct stress_scenario mmt_stress_dma_starve = STRESS_SCENARIO(
	"dma-starve", MMT_CAP_PAGES, "pages",
	"GFP_DMA pressure against lowmem_reserve beside GFP_KERNEL / "
	"GFP_DMA32 workers (PAGES)",
	struct stress_pblock, STRESS_PAGE_SLOTS, dma_starve, dma_starve_release,
	mmt_stress_pages_probe);
