/* SPDX-License-Identifier: MIT */
/*
 * tests/ref/test_shrinker.c - shrinkers and shrink_slab (ref/shrinker.c):
 * registration, the scan counts of 6.12's do_shrink_slab and of 2.6.18's
 * shrink_slab computed by hand from their formulas, the mask rule (FS
 * and IO needs), and CTX-RECLAIM for a scan against it.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "leakcheck.h"
#include "ref_machine.h"

#define GFP_NOIO_DIRECT REF_GFP_DIRECT_RECLAIM
#define GFP_NOFS_DIRECT (REF_GFP_DIRECT_RECLAIM | REF_GFP_IO)

/* A cache of objects that are only numbers (no pages): each scan call is
 * logged with its nr_to_scan. */
struct numcache {
	struct ref_shrinker s;
	unsigned long objects;
	unsigned int calls, counts;
	unsigned long asked[64];
	int stop_after; /* scan calls before SHRINK_STOP; -1 never */
	unsigned long scanned_cap; /* nr_scanned set to at most this; 0 off */
	ref_gfp_t last_gfp;
	_Atomic int in_scan, release; /* the waiting test */
};

static unsigned long nc_count(struct ref_shrinker *s,
			      struct ref_shrink_control *sc)
{
	struct numcache *c = s->private_data;

	c->counts++;
	c->last_gfp = sc->gfp_mask;
	return c->objects ? c->objects : REF_SHRINK_EMPTY;
}

static unsigned long nc_scan(struct ref_shrinker *s,
			     struct ref_shrink_control *sc)
{
	struct numcache *c = s->private_data;
	unsigned long n = sc->nr_to_scan < c->objects ? sc->nr_to_scan :
							c->objects;

	atomic_store(&c->in_scan, 1);
	while (atomic_load(&c->release) == 1)
		;
	if (c->calls < 64)
		c->asked[c->calls] = sc->nr_to_scan;
	c->calls++;
	if (c->stop_after >= 0 && c->calls > (unsigned int)c->stop_after)
		return REF_SHRINK_STOP;
	if (c->scanned_cap && sc->nr_scanned > c->scanned_cap)
		sc->nr_scanned = c->scanned_cap;
	c->objects -= n;
	return n;
}

static void nc_init(struct numcache *c, unsigned long objects, int seeks,
		    long batch, unsigned int flags)
{
	memset(c, 0, sizeof(*c));
	c->objects = objects;
	c->stop_after = -1;
	c->s.count_objects = nc_count;
	c->s.scan_objects = nc_scan;
	c->s.seeks = seeks;
	c->s.batch = batch;
	c->s.flags = flags;
	c->s.name = "numcache";
	c->s.private_data = c;
}

MMT_TEST(shrinker, register_refuses_twice_and_without_callbacks)
{
	struct ref_mm *mm = make("ram=16M");
	struct numcache c, bad;

	nc_init(&c, 10, REF_DEFAULT_SEEKS, 0, 0);
	cr_assert_eq(ref_register_shrinker(mm, &c.s), 0);
	cr_assert_eq(ref_register_shrinker(mm, &c.s), -1);
	nc_init(&bad, 10, REF_DEFAULT_SEEKS, 0, 0);
	bad.s.scan_objects = NULL;
	cr_assert_eq(ref_register_shrinker(mm, &bad.s), -1);
	nc_init(&bad, 10, -1, 0, 0);
	cr_assert_eq(ref_register_shrinker(mm, &bad.s), -1);
	ref_unregister_shrinker(mm, &c.s);
	/* an unregistered shrinker is never asked again */
	ref_shrink_slab(mm, REF_GFP_KERNEL, 0);
	cr_assert_eq(c.counts, 0);
	cr_assert_eq(c.calls, 0);
	/* and may be registered again */
	cr_assert_eq(ref_register_shrinker(mm, &c.s), 0);
	ref_shrink_slab(mm, REF_GFP_KERNEL, 0);
	cr_assert_eq(c.calls, 1);
	ref_unregister_shrinker(mm, &c.s);
	ref_mm_destroy(mm);
}

/*
 * 6.12, 1000 objects, seeks 2, batch 128, priority 2:
 *   delta = (1000 >> 2) * 4 / 2 = 500, total_scan = 500: calls of 128,
 *   128, 128 (116 left, below the batch and below freeable), deferred
 *   500 - 384 = 116.
 * Again at priority 2 with 616 objects: delta = (616 >> 2) * 4 / 2 = 308,
 *   total_scan = (116 >> 2) + 308 = 337: two calls, deferred
 *   116 + 308 - 256 = 168.
 */
MMT_TEST(shrinker, do_shrink_slab_612_by_hand)
{
	struct ref_mm *mm = make("ram=16M,era=6.12");
	struct numcache c;

	nc_init(&c, 1000, REF_DEFAULT_SEEKS, 0, 0);
	cr_assert_eq(ref_register_shrinker(mm, &c.s), 0);
	cr_assert_eq(ref_shrink_slab(mm, REF_GFP_KERNEL, 2), 384);
	cr_assert_eq(c.calls, 3);
	cr_assert_eq(c.asked[0], 128);
	cr_assert_eq(c.asked[2], 128);
	cr_assert_eq(atomic_load(&c.s.nr_deferred), 116);
	cr_assert_eq(ref_shrink_slab(mm, REF_GFP_KERNEL, 2), 256);
	cr_assert_eq(c.calls, 5);
	cr_assert_eq(atomic_load(&c.s.nr_deferred), 168);
	/* priority 12: (360 >> 12) = 0, and 168 >> 12 = 0: nothing */
	cr_assert_eq(ref_shrink_slab(mm, REF_GFP_KERNEL, 12), 0);
	cr_assert_eq(c.calls, 5);
	cr_assert_eq(atomic_load(&c.s.nr_deferred), 168);
	ref_unregister_shrinker(mm, &c.s);
	ref_mm_destroy(mm);
}

/*
 * A cache smaller than a batch is scanned once memory is tight: 50
 * objects at priority 0, delta 100, total_scan min(100, 100) = 100 >=
 * freeable: one call of 100. seeks 0 halves: 300 objects, delta 150,
 * one call of 128 (22 left). A custom batch of 10 at priority 4 with 100
 * objects: delta (100 >> 4) * 4 / 2 = 12: one call of 10, 2 deferred.
 * A callback that scans fewer than asked (nr_scanned) is asked again for
 * the rest; SHRINK_STOP ends the shrinker's turn.
 */
MMT_TEST(shrinker, do_shrink_slab_612_edges)
{
	struct ref_mm *mm = make("ram=16M,era=6.12");
	struct numcache c;

	nc_init(&c, 50, REF_DEFAULT_SEEKS, 0, 0);
	ref_register_shrinker(mm, &c.s);
	cr_assert_eq(ref_shrink_slab(mm, REF_GFP_KERNEL, 0), 50);
	cr_assert_eq(c.calls, 1);
	cr_assert_eq(c.asked[0], 100);
	cr_assert_eq(atomic_load(&c.s.nr_deferred), 0);
	/* an empty cache (SHRINK_EMPTY) is only counted */
	cr_assert_eq(ref_shrink_slab(mm, REF_GFP_KERNEL, 0), 0);
	cr_assert_eq(c.calls, 1);
	ref_unregister_shrinker(mm, &c.s);

	nc_init(&c, 300, 0, 0, 0);
	ref_register_shrinker(mm, &c.s);
	cr_assert_eq(ref_shrink_slab(mm, REF_GFP_KERNEL, 12), 128);
	cr_assert_eq(c.calls, 1);
	cr_assert_eq(atomic_load(&c.s.nr_deferred), 22);
	ref_unregister_shrinker(mm, &c.s);

	nc_init(&c, 100, REF_DEFAULT_SEEKS, 10, 0);
	ref_register_shrinker(mm, &c.s);
	cr_assert_eq(ref_shrink_slab(mm, REF_GFP_KERNEL, 4), 10);
	cr_assert_eq(c.calls, 1);
	cr_assert_eq(c.asked[0], 10);
	cr_assert_eq(atomic_load(&c.s.nr_deferred), 2);
	ref_unregister_shrinker(mm, &c.s);

	/* scans 50 of each 128 asked: priority 2 of 1000 wants 500, each
	 * call takes 50 off, so calls at 500, 450, ... 150 (eight), and
	 * 100 left is below the batch: deferred 500 - 400 = 100 */
	nc_init(&c, 1000, REF_DEFAULT_SEEKS, 0, 0);
	c.scanned_cap = 50;
	ref_register_shrinker(mm, &c.s);
	ref_shrink_slab(mm, REF_GFP_KERNEL, 2);
	cr_assert_eq(c.calls, 8);
	cr_assert_eq(c.asked[7], 128);
	cr_assert_eq(atomic_load(&c.s.nr_deferred), 100);
	ref_unregister_shrinker(mm, &c.s);

	nc_init(&c, 1000, REF_DEFAULT_SEEKS, 0, 0);
	c.stop_after = 1;
	ref_register_shrinker(mm, &c.s);
	cr_assert_eq(ref_shrink_slab(mm, REF_GFP_KERNEL, 0), 128);
	cr_assert_eq(c.calls, 2);
	/* deferred: 0 + 2000 - 128 scanned, capped at 2 x 1000 */
	cr_assert_eq(atomic_load(&c.s.nr_deferred), 1872);
	ref_unregister_shrinker(mm, &c.s);
	ref_mm_destroy(mm);
}

/*
 * 2.6.18, no LRU pages: scanned = SWAP_CLUSTER_MAX 32, lru_pages 0, so
 * nr += (4 * 32 / 2) * max_pass / 1 = 64 x max_pass, capped at 2 x
 * max_pass, whatever the priority; then batches of 128 while 128 are
 * left. 1000 objects: 2000 wanted, 15 calls (1920), 80 carried. A cache
 * of 50 objects is never scanned (100 < 128): 2.6.18 had no tight-memory
 * rule. The freed count is the drop of count_objects() across a call.
 */
MMT_TEST(shrinker, shrink_slab_26_by_hand)
{
	struct ref_mm *mm = make("ram=16M,era=2.6");
	struct numcache c, small;

	nc_init(&c, 1000, REF_DEFAULT_SEEKS, 0, 0);
	nc_init(&small, 50, REF_DEFAULT_SEEKS, 0, 0);
	ref_register_shrinker(mm, &c.s);
	ref_register_shrinker(mm, &small.s);
	cr_assert_eq(ref_shrink_slab(mm, REF_GFP_KERNEL, 12), 1000);
	cr_assert_eq(c.calls, 15);
	cr_assert_eq(c.asked[0], REF_SHRINK_BATCH);
	cr_assert_eq(atomic_load(&c.s.nr_deferred), 80);
	cr_assert_eq(small.calls, 0);
	cr_assert_eq(atomic_load(&small.s.nr_deferred), 100);
	cr_assert_eq(ref_shrink_slab(mm, REF_GFP_KERNEL, 0), 0);
	cr_assert_eq(small.calls, 0);
	cr_assert_eq(small.objects, 50);
	ref_unregister_shrinker(mm, &c.s);
	ref_unregister_shrinker(mm, &small.s);
	ref_mm_destroy(mm);
}

/* GFP_NOFS skips shrinkers that need __GFP_FS, GFP_NOIO those that need
 * __GFP_IO too; the mask reaches the callbacks. */
MMT_TEST(shrinker, the_mask_decides_which_run)
{
	struct ref_mm *mm = make("ram=16M");
	struct numcache plain, io, fs;

	nc_init(&plain, 100, REF_DEFAULT_SEEKS, 0, 0);
	nc_init(&io, 100, REF_DEFAULT_SEEKS, 0, REF_SHRINKER_NEEDS_IO);
	nc_init(&fs, 100, REF_DEFAULT_SEEKS, 0,
		REF_SHRINKER_NEEDS_FS | REF_SHRINKER_NEEDS_IO);
	ref_register_shrinker(mm, &plain.s);
	ref_register_shrinker(mm, &io.s);
	ref_register_shrinker(mm, &fs.s);
	ref_shrink_slab(mm, GFP_NOIO_DIRECT, 0);
	cr_assert_eq(plain.counts, 1);
	cr_assert_eq(plain.last_gfp, GFP_NOIO_DIRECT);
	cr_assert_eq(io.counts + fs.counts, 0);
	ref_shrink_slab(mm, GFP_NOFS_DIRECT, 0);
	cr_assert_eq(io.counts, 1);
	cr_assert_eq(fs.counts, 0);
	ref_shrink_slab(mm, REF_GFP_KERNEL, 0);
	cr_assert_eq(fs.counts, 1);
	cr_assert_eq(fs.objects, 0);
	{
		struct ref_reclaim_stats st;
		struct ref_report r;

		ref_reclaim_stats(mm, &st);
		cr_assert_eq(st.nr_bad_reclaim, 0);
		ref_report_init(&r);
		cr_assert_eq(ref_check(mm, REF_CHECK_FULL, &r), 0);
	}
	ref_unregister_shrinker(mm, &plain.s);
	ref_unregister_shrinker(mm, &io.s);
	ref_unregister_shrinker(mm, &fs.s);
	ref_mm_destroy(mm);
}

/* CTX-RECLAIM: a scan call for a mask the shrinker cannot run under
 * (do_shrink_slab called around shrink_slab's rule) is reported, once,
 * at CHEAP and FULL, and reset clears it. */
MMT_TEST(shrinker, CTX_RECLAIM)
{
	struct ref_mm *mm = make("ram=16M");
	struct ref_shrink_control sc = { .gfp_mask = GFP_NOFS_DIRECT };
	struct numcache fs;
	struct ref_report r;

	nc_init(&fs, 100, REF_DEFAULT_SEEKS, 0,
		REF_SHRINKER_NEEDS_FS | REF_SHRINKER_NEEDS_IO);
	ref_register_shrinker(mm, &fs.s);
	ref_report_init(&r);
	cr_assert_eq(ref_check(mm, REF_CHECK_FULL, &r), 0);
	fs.s.active++; /* what shrink_slab holds around the call */
	cr_assert_eq(ref_do_shrink_slab(mm, &fs.s, &sc, 0), 100);
	fs.s.active--;
	ref_report_init(&r);
	cr_assert_eq(ref_check(mm, REF_CHECK_CHEAP, &r), 1);
	cr_assert_str_eq(r.findings[0].id, "CTX-RECLAIM");
	cr_assert_str_eq(r.findings[0].layer, "reclaim");
	cr_assert(strstr(r.findings[0].message, "numcache") != NULL, "%s",
		  r.findings[0].message);
	ref_report_init(&r);
	cr_assert_eq(ref_check(mm, REF_CHECK_FULL, &r), 1);
	cr_assert_str_eq(r.findings[0].id, "CTX-RECLAIM");
	cr_assert_eq(ref_mm_reset(mm), 0);
	cr_assert_eq(fs.s.registered, 0);
	ref_report_init(&r);
	cr_assert_eq(ref_check(mm, REF_CHECK_FULL, &r), 0);
	ref_mm_destroy(mm);
}

struct unreg_arg {
	struct ref_mm *mm;
	struct numcache *c;
	_Atomic int done;
};

static void *do_shrink(void *p)
{
	struct unreg_arg *a = p;

	ref_shrink_slab(a->mm, REF_GFP_KERNEL, 0);
	return NULL;
}

static void *do_unregister(void *p)
{
	struct unreg_arg *a = p;

	ref_unregister_shrinker(a->mm, &a->c->s);
	atomic_store(&a->done, 1);
	return NULL;
}

/* ref_unregister_shrinker waits for a scan in flight on another thread. */
MMT_TEST(shrinker, unregister_waits_for_a_scan_in_flight)
{
	struct ref_mm *mm = make("ram=16M");
	struct numcache c;
	struct unreg_arg a = { .mm = mm, .c = &c };
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	pthread_t t1, t2;

	nc_init(&c, 10, REF_DEFAULT_SEEKS, 0, 0);
	atomic_store(&c.release, 1); /* the scan waits */
	ref_register_shrinker(mm, &c.s);
	pthread_create(&t1, NULL, do_shrink, &a);
	while (!atomic_load(&c.in_scan))
		;
	pthread_create(&t2, NULL, do_unregister, &a);
	nanosleep(&ts, NULL);
	cr_assert_eq(atomic_load(&a.done), 0);
	atomic_store(&c.release, 0);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	cr_assert_eq(atomic_load(&a.done), 1);
	cr_assert_eq(c.s.registered, 0);
	ref_mm_destroy(mm);
}
