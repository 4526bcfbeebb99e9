/* SPDX-License-Identifier: MIT */
/*
 * tests/ref/test_reclaim.c - reclaim on the allocation path (ref/reclaim.c,
 * ref/page_alloc.c): direct reclaim frees the caches the mask allows and
 * the request succeeds; the retry rules of 6.12 (__GFP_NORETRY once,
 * costly orders once, MAX_RECLAIM_RETRIES rounds without progress,
 * __GFP_RETRY_MAYFAIL without the OOM path, __GFP_NOFAIL while progress
 * is made, then stuck) and of 2.6.18; the OOM hook; kswapd inline after
 * the allocation and as a thread. Figures by hand on a 16M machine: one
 * DMA zone of 4096 pages, min_free_kbytes 256, so min 64, low 80, high 96
 * (6.12) and min 64, low 80, high 96 (2.6.18: min + min/4, min + min/2).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leakcheck.h"
#include "ref_machine.h"

#define M16 "ram=16M,min_free_kbytes=256"
/* GFP_KERNEL without __GFP_KSWAPD_RECLAIM: direct reclaim alone */
#define GFP_DIRECT (REF_GFP_DIRECT_RECLAIM | REF_GFP_IO | REF_GFP_FS)
#define NOFS_DIRECT (REF_GFP_DIRECT_RECLAIM | REF_GFP_IO)
#define NOIO_DIRECT (REF_GFP_DIRECT_RECLAIM)
#define MAXP 2048

/* A cache holding order-0 pages of the machine, freed when scanned; with
 * per_scan set, a scan call frees at most that many. */
struct pcache {
	struct ref_shrinker s;
	struct ref_mm *mm;
	struct ref_page *pages[MAXP];
	unsigned int n;
	unsigned int per_scan;
	int one_object; /* count says 1 while it holds a page */
	unsigned int scans, kswapd_scans;
};

static unsigned long pc_count(struct ref_shrinker *s,
			      struct ref_shrink_control *sc)
{
	struct pcache *c = s->private_data;

	(void)sc;
	if (!c->n)
		return REF_SHRINK_EMPTY;
	return c->one_object ? 1 : c->n;
}

static unsigned long pc_scan(struct ref_shrinker *s,
			     struct ref_shrink_control *sc)
{
	struct pcache *c = s->private_data;
	unsigned long want = sc->nr_to_scan, k = 0;

	c->scans++;
	if (sc->kswapd)
		c->kswapd_scans++;
	if (c->per_scan && want > c->per_scan)
		want = c->per_scan;
	while (k < want && c->n) {
		ref_free_pages_page(c->mm, c->pages[--c->n], 0);
		k++;
	}
	return k;
}

/* n pages allocated with gfp (order 0) into a cache needing flags. */
static void pc_init(struct pcache *c, struct ref_mm *mm, unsigned int n,
		    unsigned int flags)
{
	memset(c, 0, sizeof(*c));
	c->mm = mm;
	c->s.count_objects = pc_count;
	c->s.scan_objects = pc_scan;
	c->s.seeks = REF_DEFAULT_SEEKS;
	c->s.flags = flags;
	c->s.name = "pcache";
	c->s.private_data = c;
	while (c->n < n && c->n < MAXP) {
		struct ref_page *p = ref_alloc_page(mm, GFP_DIRECT);

		cr_assert_not_null(p);
		c->pages[c->n++] = p;
	}
	cr_assert_eq(ref_register_shrinker(mm, &c->s), 0);
}

static void pc_exit(struct pcache *c)
{
	ref_unregister_shrinker(c->mm, &c->s);
	while (c->n)
		ref_free_pages_page(c->mm, c->pages[--c->n], 0);
}

/* Pages taken with gfp until one fails (kept: the test ends with the
 * machine). */
static unsigned long take_all(struct ref_mm *mm, ref_gfp_t gfp)
{
	unsigned long n = 0;

	while (ref_alloc_page(mm, gfp))
		n++;
	return n;
}

static unsigned long take(struct ref_mm *mm, ref_gfp_t gfp, unsigned long n)
{
	unsigned long k = 0;

	while (k < n && ref_alloc_page(mm, gfp))
		k++;
	return k;
}

static struct ref_reclaim_stats stats(struct ref_mm *mm)
{
	struct ref_reclaim_stats st;

	ref_reclaim_stats(mm, &st);
	return st;
}

static void expect_clean(struct ref_mm *mm)
{
	struct ref_report r;

	ref_report_init(&r);
	cr_assert_eq(ref_check(mm, REF_CHECK_FULL, &r), 0, "%s: %s",
		     r.nr ? r.findings[0].id : "",
		     r.nr ? r.findings[0].message : "");
}

/* GFP_KERNEL-style direct reclaim empties the cache before it fails:
 * every page above min is handed out, the cache's 1000 too. */
MMT_TEST(reclaim, direct_reclaim_gives_the_cache_to_the_request)
{
	struct ref_mm *mm = make(M16);
	struct pcache c;
	struct ref_reclaim_stats st;

	pc_init(&c, mm, 1000, REF_SHRINKER_NEEDS_FS | REF_SHRINKER_NEEDS_IO);
	cr_assert_eq(take_all(mm, GFP_DIRECT), 4096 - 64 - 1000 + 1000);
	cr_assert_eq(c.n, 0);
	st = stats(mm);
	cr_assert_eq(st.direct_reclaimed, 1000);
	cr_assert_gt(st.allocstall, 1);
	cr_assert_eq(st.pageoutrun, 0); /* no __GFP_KSWAPD_RECLAIM */
	cr_assert_eq(c.kswapd_scans, 0);
	expect_clean(mm);
	pc_exit(&c);
	ref_mm_destroy(mm);
}

/* GFP_NOIO reclaims only caches that need neither; GFP_NOFS those that
 * need no FS; GFP_KERNEL all. */
MMT_TEST(reclaim, nofs_and_noio_leave_the_caches_they_must)
{
	struct ref_mm *mm = make(M16);
	struct pcache plain, io, fs;

	pc_init(&plain, mm, 200, 0);
	pc_init(&io, mm, 200, REF_SHRINKER_NEEDS_IO);
	pc_init(&fs, mm, 200, REF_SHRINKER_NEEDS_FS | REF_SHRINKER_NEEDS_IO);
	take_all(mm, NOIO_DIRECT);
	cr_assert_eq(plain.n, 0);
	cr_assert_eq(io.n, 200);
	cr_assert_eq(fs.n, 200);
	cr_assert_eq(take_all(mm, NOFS_DIRECT), 200);
	cr_assert_eq(io.n, 0);
	cr_assert_eq(fs.n, 200);
	cr_assert_eq(take_all(mm, GFP_DIRECT), 200);
	cr_assert_eq(fs.n, 0);
	cr_assert_eq(stats(mm).nr_bad_reclaim, 0);
	expect_clean(mm);
	pc_exit(&plain);
	pc_exit(&io);
	pc_exit(&fs);
	ref_mm_destroy(mm);
}

/*
 * 6.12's retry rules, counted in direct reclaim rounds (allocstall) and
 * OOM calls, from 64 free pages (min) with nothing to reclaim: one round
 * for __GFP_NORETRY and for a costly order; else should_reclaim_retry
 * says yes while 2 x free (zone_reclaimable_pages counts the free pages
 * when there are no LRU pages) passes min, until the 17th round without
 * progress (MAX_RECLAIM_RETRIES 16); then the OOM path for GFP_KERNEL
 * (no task to kill: it fails) and GFP_NOFS (the kernel retries for ever
 * without progress: ref stops), never for __GFP_RETRY_MAYFAIL or a
 * costly order.
 */
MMT_TEST(reclaim, retry_rules_612)
{
	struct ref_mm *mm = make("era=6.12," M16);
	struct ref_reclaim_stats a, b;
	static const struct {
		ref_gfp_t gfp;
		unsigned int order;
		unsigned long rounds, oom;
	} rows[] = {
		{ GFP_DIRECT | REF_GFP_NORETRY, 0, 1, 0 },
		{ GFP_DIRECT, 4, 1, 0 },
		{ GFP_DIRECT | REF_GFP_RETRY_MAYFAIL, 4, 17, 0 },
		{ GFP_DIRECT | REF_GFP_RETRY_MAYFAIL, 0, 17, 0 },
		{ GFP_DIRECT, 0, 17, 1 },
		{ NOFS_DIRECT, 0, 17, 1 },
		/* highest zone DMA: no OOM path */
		{ GFP_DIRECT | REF_GFP_DMA, 0, 17, 0 },
	};

	cr_assert_eq(take_all(mm, GFP_DIRECT), 4096 - 64);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		a = stats(mm);
		cr_assert_null(ref_alloc_pages(mm, rows[i].gfp, rows[i].order));
		b = stats(mm);
		cr_assert_eq(b.allocstall - a.allocstall, rows[i].rounds,
			     "row %zu: %lu rounds", i,
			     b.allocstall - a.allocstall);
		cr_assert_eq(b.oom_calls - a.oom_calls, rows[i].oom,
			     "row %zu: %lu OOM calls", i,
			     b.oom_calls - a.oom_calls);
	}
	/* with fewer free pages than min / 2 should_reclaim_retry says no
	 * at once: one round, then the OOM path */
	take(mm, GFP_DIRECT | REF_GFP_MEMALLOC, 40);
	a = stats(mm);
	cr_assert_null(ref_alloc_page(mm, GFP_DIRECT));
	b = stats(mm);
	cr_assert_eq(b.allocstall - a.allocstall, 1);
	cr_assert_eq(b.oom_calls - a.oom_calls, 1);
	ref_mm_destroy(mm);
}

/*
 * 2.6.18: __GFP_NORETRY one round; an order above 3 without __GFP_REPEAT
 * one round (no progress, no FS) or, with FS, rounds through the OOM
 * hook; orders up to 3 retried for ever there: ref stops after 16 rounds
 * in a row that freed nothing.
 */
MMT_TEST(reclaim, retry_rules_26)
{
	struct ref_mm *mm = make("era=2.6," M16);
	struct ref_reclaim_stats a, b;
	static const struct {
		ref_gfp_t gfp;
		unsigned int order;
		unsigned long rounds, oom;
	} rows[] = {
		{ GFP_DIRECT | REF_GFP_NORETRY, 0, 1, 0 },
		{ NOFS_DIRECT, 4, 1, 0 },
		{ NOFS_DIRECT | REF_GFP_REPEAT, 4, 16, 0 },
		{ NOFS_DIRECT | REF_GFP_RETRY_MAYFAIL, 4, 16, 0 },
		{ NOFS_DIRECT, 0, 16, 0 },
		{ GFP_DIRECT, 0, 16, 16 },
		{ GFP_DIRECT, 4, 16, 16 },
	};

	cr_assert_eq(take_all(mm, GFP_DIRECT), 4096 - 64);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		a = stats(mm);
		cr_assert_null(ref_alloc_pages(mm, rows[i].gfp, rows[i].order));
		b = stats(mm);
		cr_assert_eq(b.allocstall - a.allocstall, rows[i].rounds,
			     "row %zu: %lu rounds", i,
			     b.allocstall - a.allocstall);
		cr_assert_eq(b.oom_calls - a.oom_calls, rows[i].oom,
			     "row %zu: %lu OOM calls", i,
			     b.oom_calls - a.oom_calls);
	}
	ref_mm_destroy(mm);
}

/*
 * __GFP_NOFAIL goes round while rounds free something. The cache gives
 * one page a round (it counts as one object while it holds a page: only
 * priority 0 scans it, once). From 20 free, a GFP_DMA request (no OOM
 * path) has min 64 and, at nopage, min with ALLOC_MIN_RESERVE 32: with
 * 5 pages to give it reaches 25 and is stuck; with 20 it reaches 33, and
 * should_reclaim_retry (2 x free above min) keeps it reclaiming until the
 * cache is empty (40 free): then MIN_RESERVE serves it.
 */
static void nofail_case(unsigned int cached, int served)
{
	struct ref_mm *mm = make("era=6.12," M16);
	struct ref_zone *z = &mm->zones[REF_ZONE_DMA];
	const ref_gfp_t nofail = GFP_DIRECT | REF_GFP_DMA | REF_GFP_NOFAIL;
	struct pcache c;
	struct ref_page *p;

	pc_init(&c, mm, cached, REF_SHRINKER_NEEDS_FS | REF_SHRINKER_NEEDS_IO);
	c.one_object = 1;
	/* GFP_NOFS leaves the cache alone */
	take_all(mm, NOFS_DIRECT);
	ref_drain_all_pages(mm);
	cr_assert_eq(z->nr_free_pages, 64);
	cr_assert_eq(c.n, cached);
	take(mm, NOFS_DIRECT | REF_GFP_MEMALLOC, 44);
	/* the per-CPU lists' refills are not NR_FREE_PAGES: put them back */
	ref_drain_all_pages(mm);
	cr_assert_eq(z->nr_free_pages, 20);
	p = ref_alloc_page(mm, nofail);
	cr_assert_eq(p != NULL, served);
	cr_assert_eq(c.n, 0);
	cr_assert_geq(stats(mm).allocstall, cached);
	cr_assert_eq(ref_nofail_stuck_count(mm), served ? 0 : 1);
	ref_drain_all_pages(mm);
	cr_assert_eq(z->nr_free_pages, 20 + cached - (served ? 1 : 0));
	expect_clean(mm);
	pc_exit(&c);
	ref_mm_destroy(mm);
}

MMT_TEST(reclaim, nofail_is_stuck_when_nothing_more_frees)
{
	nofail_case(5, 0);
}

MMT_TEST(reclaim, nofail_retries_while_reclaim_frees)
{
	nofail_case(20, 1);
}

struct oomer {
	struct ref_mm *mm;
	struct ref_page *pages[256];
	unsigned int n, calls;
	ref_gfp_t last;
};

/* The OOM hook: gives back every page it holds. */
static unsigned long oom_give(void *ctx, struct ref_mm *mm, ref_gfp_t gfp,
			      unsigned int order)
{
	struct oomer *o = ctx;
	unsigned long k = 0;

	(void)order;
	cr_assert_eq(mm, o->mm);
	o->calls++;
	o->last = gfp;
	while (o->n) {
		ref_free_pages_page(mm, o->pages[--o->n], 0);
		k++;
	}
	return k;
}

/*
 * The OOM hook runs where __alloc_pages_may_oom calls out_of_memory:
 * after the reclaim rounds, for GFP_KERNEL and GFP_NOFS alike (the
 * notifiers run before the __GFP_FS test), not for __GFP_NORETRY, a
 * costly order, __GFP_RETRY_MAYFAIL or a request below ZONE_NORMAL. What
 * it frees serves the request.
 */
MMT_TEST(reclaim, oom_hook_where_may_oom_runs)
{
	struct ref_mm *mm = make("era=6.12," M16);
	static const struct {
		ref_gfp_t gfp;
		unsigned int order;
	} skip[] = {
		{ GFP_DIRECT | REF_GFP_NORETRY, 0 },
		{ GFP_DIRECT | REF_GFP_RETRY_MAYFAIL, 0 },
		{ GFP_DIRECT | REF_GFP_RETRY_MAYFAIL, 4 },
		{ GFP_DIRECT, 4 },
		{ GFP_DIRECT | REF_GFP_DMA, 0 },
		{ GFP_DIRECT | REF_GFP_DMA32, 0 },
	};
	struct oomer o = { .mm = mm };

	while (o.n < 100)
		o.pages[o.n++] = ref_alloc_page(mm, GFP_DIRECT);
	ref_register_oom_notifier(mm, oom_give, &o);
	take_all(mm, GFP_DIRECT | REF_GFP_NORETRY);
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		cr_assert_null(ref_alloc_pages(mm, skip[i].gfp, skip[i].order));
	cr_assert_eq(o.calls, 0);
	cr_assert_eq(o.n, 100);
	cr_assert_not_null(ref_alloc_page(mm, NOFS_DIRECT));
	cr_assert_eq(o.calls, 1);
	cr_assert_eq(o.last, NOFS_DIRECT);
	cr_assert_eq(o.n, 0);
	cr_assert_eq(stats(mm).oom_freed, 100);
	/* the hook's 100 pages, less the one just taken */
	cr_assert_eq(take_all(mm, GFP_DIRECT), 99);
	cr_assert_eq(o.calls, 2);
	ref_register_oom_notifier(mm, NULL, NULL);
	expect_clean(mm);
	ref_mm_destroy(mm);
}

/*
 * kswapd without a thread: a mask without __GFP_KSWAPD_RECLAIM wakes
 * nothing however low the zone (6.12); the first request with the bit
 * that misses the low watermark wakes it, and right after that
 * allocation the pass shrinks the cache with GFP_KERNEL until the zone
 * passes its high watermark again (96 free pages: NR_FREE_PAGES, which
 * the per-CPU lists' pages are not part of).
 */
MMT_TEST(reclaim, kswapd_inline_balances_to_high)
{
	struct ref_mm *mm = make("era=6.12," M16);
	struct ref_zone *z = &mm->zones[REF_ZONE_DMA];
	struct pcache c;
	struct ref_reclaim_stats st;

	pc_init(&c, mm, 1000, REF_SHRINKER_NEEDS_FS | REF_SHRINKER_NEEDS_IO);
	/* no reclaim bit at all: down to min, neither reclaim nor kswapd */
	take_all(mm, 0);
	ref_drain_all_pages(mm);
	cr_assert_leq(z->nr_free_pages, z->watermark[REF_WMARK_MIN]);
	st = stats(mm);
	cr_assert_eq(st.kswapd_wakes + st.pageoutrun + st.allocstall, 0);
	cr_assert_eq(c.n, 1000);
	/* GFP_ATOMIC: served below min, and kswapd balances after it */
	cr_assert_not_null(ref_alloc_page(mm, REF_GFP_ATOMIC));
	st = stats(mm);
	cr_assert_eq(st.kswapd_wakes, 1);
	cr_assert_eq(st.pageoutrun, 1);
	cr_assert_eq(st.allocstall, 0);
	cr_assert_gt(st.kswapd_reclaimed, 0);
	cr_assert_gt(c.scans, 0);
	cr_assert_eq(c.kswapd_scans, c.scans);
	cr_assert(ref_zone_watermark_ok(mm, z, 0, z->watermark[REF_WMARK_HIGH],
					REF_ZONE_NORMAL, 0));
	cr_assert_lt(c.n, 1000);
	/* balanced: a request that passes low wakes nothing */
	cr_assert(ref_zone_watermark_ok(mm, z, 0, z->watermark[REF_WMARK_LOW],
					REF_ZONE_NORMAL, 0));
	cr_assert_not_null(ref_alloc_page(mm, REF_GFP_KERNEL));
	cr_assert_eq(stats(mm).kswapd_wakes, 1);
	expect_clean(mm);
	pc_exit(&c);
	ref_mm_destroy(mm);
}

/* The same program gives the same passes: the inline pass is a function
 * of the program alone. */
static void kswapd_run(struct ref_reclaim_stats *st, unsigned long *left)
{
	struct ref_mm *mm = make("era=6.12," M16);
	struct pcache c;

	pc_init(&c, mm, 1500, 0);
	for (int i = 0; i < 6000; i++) {
		struct ref_page *p = ref_alloc_page(mm, REF_GFP_KERNEL);

		if (p && (i % 3) == 0)
			ref_free_pages_page(mm, p, 0);
	}
	*st = stats(mm);
	*left = c.n;
	pc_exit(&c);
	ref_mm_destroy(mm);
}

MMT_TEST(reclaim, kswapd_inline_is_deterministic)
{
	struct ref_reclaim_stats a, b;
	unsigned long la, lb;

	kswapd_run(&a, &la);
	kswapd_run(&b, &lb);
	cr_assert_gt(a.pageoutrun, 0);
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0);
	cr_assert_eq(la, lb);
}

/*
 * A pass that frees nothing is a failure; after MAX_RECLAIM_RETRIES in a
 * row kswapd is not woken (the node is hopeless) until a reclaim frees
 * something again.
 */
MMT_TEST(reclaim, kswapd_failures_stop_wakeups)
{
	struct ref_mm *mm = make("era=6.12," M16);
	struct ref_reclaim_stats st;
	struct pcache c;

	pc_init(&c, mm, 300, 0);
	ref_unregister_shrinker(mm, &c.s);
	take_all(mm, 0);
	for (int i = 0; i < 40; i++)
		ref_alloc_page(mm, REF_GFP_ATOMIC);
	st = stats(mm);
	cr_assert_eq(st.pageoutrun, REF_MAX_RECLAIM_RETRIES);
	cr_assert_eq(st.kswapd_failures, REF_MAX_RECLAIM_RETRIES);
	/* the cache is back: direct reclaim frees, kswapd is worth waking */
	cr_assert_eq(ref_register_shrinker(mm, &c.s), 0);
	cr_assert_not_null(ref_alloc_page(mm, GFP_DIRECT));
	cr_assert_eq(stats(mm).kswapd_failures, 0);
	for (int i = 0;
	     i < 200 && stats(mm).pageoutrun == REF_MAX_RECLAIM_RETRIES; i++)
		ref_alloc_page(mm, REF_GFP_ATOMIC);
	cr_assert_eq(stats(mm).pageoutrun, REF_MAX_RECLAIM_RETRIES + 1);
	pc_exit(&c);
	ref_mm_destroy(mm);
}

/* 2.6.18 woke kswapd for any request whose zone missed low (there was
 * no __GFP_KSWAPD_RECLAIM), and balanced all zones to high. */
MMT_TEST(reclaim, kswapd_26_wakes_for_every_mask)
{
	struct ref_mm *mm = make("era=2.6," M16);
	struct ref_zone *z = &mm->zones[REF_ZONE_DMA];
	struct pcache c;

	pc_init(&c, mm, 1000, 0);
	take(mm, NOIO_DIRECT & ~REF_GFP_DIRECT_RECLAIM, 4096 - 1000 - 70);
	cr_assert_geq(stats(mm).pageoutrun, 1);
	cr_assert(ref_zone_watermark_ok(mm, z, 0, z->watermark[REF_WMARK_HIGH],
					0, 0));
	pc_exit(&c);
	ref_mm_destroy(mm);
}

/* With a thread, the passes happen there; ref_check holds them off. */
MMT_TEST(reclaim, kswapd_thread_balances)
{
	struct ref_mm *mm = make("era=6.12," M16);
	struct ref_zone *z = &mm->zones[REF_ZONE_DMA];
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	struct pcache c;
	int i;

	pc_init(&c, mm, 1000, 0);
	cr_assert_eq(ref_kswapd_run(mm), 0);
	cr_assert_eq(ref_kswapd_run(mm), -1);
	take(mm, GFP_DIRECT, 4096 - 1000 - 70);
	cr_assert_not_null(ref_alloc_page(mm, REF_GFP_KERNEL));
	for (i = 0; i < 1000 && !stats(mm).pageoutrun; i++)
		nanosleep(&ts, NULL);
	cr_assert_gt(stats(mm).pageoutrun, 0);
	expect_clean(mm);
	ref_kswapd_stop(mm);
	ref_kswapd_stop(mm);
	cr_assert(ref_zone_watermark_ok(mm, z, 0, z->watermark[REF_WMARK_HIGH],
					REF_ZONE_NORMAL, 0));
	cr_assert_gt(c.kswapd_scans, 0);
	pc_exit(&c);
	/* a machine destroyed with its thread running stops it */
	cr_assert_eq(ref_kswapd_run(mm), 0);
	ref_mm_destroy(mm);
}

/* A shrinker's own allocation (PF_MEMALLOC) reclaims nothing itself and
 * ignores the watermarks. */
struct greedy {
	struct ref_shrinker s;
	struct ref_mm *mm;
	struct ref_page *got;
	int asked;
};

static unsigned long gr_count(struct ref_shrinker *s,
			      struct ref_shrink_control *sc)
{
	(void)sc;
	return ((struct greedy *)s->private_data)->asked ? REF_SHRINK_EMPTY : 1;
}

static unsigned long gr_scan(struct ref_shrinker *s,
			     struct ref_shrink_control *sc)
{
	struct greedy *g = s->private_data;

	(void)sc;
	g->asked = 1;
	g->got = ref_alloc_page(g->mm, GFP_DIRECT);
	return 0;
}

MMT_TEST(reclaim, a_shrinkers_allocation_is_pf_memalloc)
{
	struct ref_mm *mm = make("era=6.12," M16);
	struct ref_zone *z = &mm->zones[REF_ZONE_DMA];
	struct greedy g = { .mm = mm };
	struct ref_reclaim_stats st;

	g.s.count_objects = gr_count;
	g.s.scan_objects = gr_scan;
	g.s.seeks = REF_DEFAULT_SEEKS;
	g.s.private_data = &g;
	take_all(mm, GFP_DIRECT);
	cr_assert_eq(ref_register_shrinker(mm, &g.s), 0);
	st = stats(mm);
	cr_assert_null(ref_alloc_page(mm, GFP_DIRECT | REF_GFP_NORETRY));
	/* one round: the nested allocation reclaimed nothing itself */
	cr_assert_eq(stats(mm).allocstall, st.allocstall + 1);
	cr_assert_not_null(g.got);
	/* it went below min (64): PF_MEMALLOC ignores watermarks */
	cr_assert_eq(z->nr_free_pages + ref_pcp_pages(mm), 63);
	ref_unregister_shrinker(mm, &g.s);
	ref_mm_destroy(mm);
}

/* Reset forgets shrinkers, the hook and the counters. */
MMT_TEST(reclaim, reset_forgets_everything)
{
	struct ref_mm *mm = make(M16);
	struct pcache c;
	struct oomer o = { .mm = mm };
	struct ref_reclaim_stats st;

	pc_init(&c, mm, 100, 0);
	ref_register_oom_notifier(mm, oom_give, &o);
	take_all(mm, REF_GFP_KERNEL);
	cr_assert_gt(stats(mm).allocstall, 0);
	cr_assert_eq(ref_mm_reset(mm), 0);
	cr_assert_eq(c.s.registered, 0);
	st = stats(mm);
	cr_assert_eq(st.allocstall + st.pageoutrun + st.oom_calls, 0);
	o.calls = 0;
	take_all(mm, REF_GFP_KERNEL);
	cr_assert_eq(o.calls, 0);
	ref_mm_destroy(mm);
}
