/* SPDX-License-Identifier: MIT */
/*
 * ref/reclaim.c - page reclaim: direct reclaim, kswapd and the OOM hook.
 *
 * Models, of Linux 6.12, try_to_free_pages / do_try_to_free_pages,
 * wakeup_kswapd, pgdat_balanced, balance_pgdat and kswapd() (mm/vmscan.c)
 * and out_of_memory() (mm/oom_kill.c), on a machine with no LRU lists:
 * the only reclaimable memory is what shrinkers hold (ref/shrinker.c).
 * 2.6.18's forms where they differ, by config.era. The allocator's side
 * (when to reclaim, when to retry, when to call the OOM hook) is in
 * ref/page_alloc.c; the API is ref/shrinker.h.
 *
 * Algorithm:
 *   progress: the pages the reclaiming thread frees on the machine while
 *     it reclaims (the kernel's reclaim_state, which is how slab pages
 *     count): ref_free_pages_page() adds 2^order to this thread's
 *     ref_reclaim_current when it is inside a scope of the machine.
 *   direct reclaim (try_to_free_pages): shrink_slab at priority 12, 11,
 *     ... 0 with the request's mask, stopping once SWAP_CLUSTER_MAX (32)
 *     pages came back; the thread is PF_MEMALLOC meanwhile. Both eras
 *     (2.6.18 also stopped at 32 pages).
 *   kswapd wake-up (6.12 wakeup_kswapd): remember the largest order and
 *     highest zone asked for; no pass when kswapd failed MAX_RECLAIM_
 *     RETRIES passes in a row, or the node is balanced already and no
 *     zone up to the highest has a watermark boost; else a pass is
 *     wanted. rmqueue wakes it so (order 0, the zone's own index) for a
 *     zone a fallback boosted (ZONE_BOOSTED_WATERMARK, ref/migrate.c). 2.6.18 woke kswapd for every zone of the request
 *     that failed its low watermark, whatever the mask.
 *   balanced (pgdat_balanced): 6.12, some zone up to the highest asked
 *     for with managed pages passes its high watermark at the order
 *     (lowmem_reserve of that highest zone counted; the mark without
 *     the zone's boost, which the kernel adds), or no such zone has
 *     managed pages; 2.6.18, every populated zone passes its high
 *     watermark at the order (classzone 0).
 *   a pass (balance_pgdat, GFP_KERNEL, PF_MEMALLOC | PF_KSWAPD): from
 *     priority 12 while it is >= 1: stop once balanced; else
 *     shrink_slab at the priority; priority drops unless the step freed
 *     at least nr_to_reclaim (the sum over the zones up to the highest of
 *     max(high watermark, 32)); once twice the order's pages came back
 *     the order is taken as 0 (compact_gap). A pass that ends without
 *     balance and without freeing a page is a failure (kswapd_failures);
 *     any reclaim that frees a page resets the count. The pass ends by
 *     taking back from each zone up to the highest the boost it had when
 *     the pass began (a boost raised meanwhile stays); ref reclaims
 *     nothing for a boost (the kernel's nr_boost_reclaim: a node that is
 *     balanced but boosted is reclaimed from no further here).
 *   where a pass runs: on a kswapd thread (ref_kswapd_run), which sleeps
 *     until a pass is wanted; without one, on the allocating thread right
 *     after the allocation that wanted it (ref_kswapd_after_alloc(),
 *     after its mm_page_alloc event): deterministic for one thread. A
 *     thread inside reclaim or the OOM hook does not run one.
 *   out_of_memory: the OOM hook (the notifier chain) first: pages freed
 *     are progress. Then, as 6.12 does, a mask without __GFP_FS is
 *     progress without a kill (the allocator retries it). Otherwise the
 *     kernel kills a task, and with none to kill panics ("no killable
 *     processes"); ref has no tasks: it returns 0 and the request goes on
 *     to fail (documented in docs/reclaim.md).
 *
 * Invariants: ref_reclaim_current is the calling thread's own; a scope
 * is left in the order it was entered. At most one pass runs at a time
 * (pass_lock).
 *
 * Locks, in order: pass_lock (a pass, ref_check), then shrinker_lock or
 * kswapd_lock (leaves, never held across a callback or a zone lock);
 * oom_lock is held across the OOM hook and taken by trylock only. No
 * zone or list lock is held when a callback runs.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define KSWAPD_MAX_STEPS 4096 /* a pass's steps at most (a safety net) */

_Thread_local struct ref_reclaim_current ref_reclaim_current;

void ref_reclaim_enter(struct ref_mm *mm, unsigned int flags,
		       struct ref_reclaim_current *save)
{
	*save = ref_reclaim_current;
	if (ref_reclaim_current.mm != mm) {
		ref_reclaim_current.mm = mm;
		ref_reclaim_current.flags = 0;
	}
	ref_reclaim_current.flags |= flags;
	ref_reclaim_current.reclaimed = 0;
}

unsigned long ref_reclaim_leave(const struct ref_reclaim_current *save)
{
	const struct ref_mm *mm = ref_reclaim_current.mm;
	unsigned long got = ref_reclaim_current.reclaimed;

	ref_reclaim_current = *save;
	if (save->mm == mm)
		ref_reclaim_current.reclaimed += got; /* the outer's too */
	return got;
}

/* Pages came back: kswapd is worth waking again (shrink_node). */
static void reclaimed_some(struct ref_mm *mm, unsigned long pages)
{
	if (pages)
		atomic_store(&mm->reclaim.kswapd_failures, 0);
}

unsigned long ref_try_to_free_pages(struct ref_mm *mm, ref_gfp_t gfp,
				    unsigned int order)
{
	struct ref_reclaim_current save;
	unsigned long got;

	(void)order;
	atomic_fetch_add(&mm->reclaim.allocstall, 1);
	ref_reclaim_enter(mm, REF_PF_MEMALLOC, &save);
	for (int prio = REF_DEF_PRIORITY; prio >= 0; prio--) {
		ref_shrink_slab(mm, gfp, prio);
		if (ref_reclaim_current.reclaimed >= REF_SWAP_CLUSTER_MAX)
			break;
	}
	got = ref_reclaim_leave(&save);
	atomic_fetch_add(&mm->reclaim.direct_reclaimed, got);
	reclaimed_some(mm, got);
	return got;
}

/* ------------------------------------------------------------ kswapd */

static int pgdat_balanced(struct ref_mm *mm, unsigned int order, int highest)
{
	int seen = 0;

	if (mm->config.era == REF_ERA_2_6) {
		struct ref_zone *zone;

		for_each_populated_zone(mm, zone)
			if (!ref_zone_watermark_ok(
				    mm, zone, order,
				    zone->watermark[REF_WMARK_HIGH], 0, 0))
				return 0;
		return 1;
	}
	for (int z = 0; z <= highest && z < REF_NR_ZONE_TYPES; z++) {
		struct ref_zone *zone = &mm->zones[z];

		if (!zone->managed_pages)
			continue;
		seen = 1;
		if (ref_zone_watermark_ok(mm, zone, order,
					  zone->watermark[REF_WMARK_HIGH],
					  highest, 0))
			return 1;
	}
	return !seen;
}

/* kswapd_shrink_node's nr_to_reclaim: max(high, 32) over the zones. */
static unsigned long nr_to_reclaim(const struct ref_mm *mm, int highest)
{
	unsigned long n = 0;

	for (int z = 0; z <= highest && z < REF_NR_ZONE_TYPES; z++) {
		const struct ref_zone *zone = &mm->zones[z];
		unsigned long high = zone->watermark[REF_WMARK_HIGH];

		if (zone->managed_pages)
			n += high > REF_SWAP_CLUSTER_MAX ? high :
							   REF_SWAP_CLUSTER_MAX;
	}
	return n;
}

/* pgdat_watermark_boosted: a zone up to highest has a boost (6.12). */
static int pgdat_boosted(const struct ref_mm *mm, int highest)
{
	for (int z = 0; z <= highest && z < REF_NR_ZONE_TYPES; z++)
		if (__atomic_load_n(&mm->zones[z].watermark_boost,
				    __ATOMIC_RELAXED))
			return 1;
	return 0;
}

/* balance_pgdat; caller holds pass_lock. */
static void balance_pgdat(struct ref_mm *mm, unsigned int order, int highest)
{
	struct ref_reclaim *rc = &mm->reclaim;
	struct ref_reclaim_current save;
	int prio = REF_DEF_PRIORITY, balanced = 0;
	unsigned long total, boosts[REF_NR_ZONE_TYPES] = { 0 };
	unsigned int steps = 0;

	atomic_fetch_add(&rc->pageoutrun, 1);
	/* zone_boosts[]: the boosts the pass began with (taken back at its
	 * end; ref reclaims nothing for them) */
	for (int z = 0; z <= highest && z < REF_NR_ZONE_TYPES; z++)
		if (mm->zones[z].managed_pages)
			boosts[z] =
				__atomic_load_n(&mm->zones[z].watermark_boost,
						__ATOMIC_RELAXED);
	ref_reclaim_enter(mm, REF_PF_MEMALLOC | REF_PF_KSWAPD, &save);
	do {
		unsigned long before = ref_reclaim_current.reclaimed, got;

		if (pgdat_balanced(mm, order, highest)) {
			balanced = 1;
			break;
		}
		ref_shrink_slab(mm, REF_GFP_KERNEL, prio);
		got = ref_reclaim_current.reclaimed - before;
		if (order && got >= (2UL << order))
			order = 0;
		if (!got || got < nr_to_reclaim(mm, highest))
			prio--;
	} while (prio >= 1 && ++steps < KSWAPD_MAX_STEPS);
	total = ref_reclaim_leave(&save);
	atomic_fetch_add(&rc->kswapd_reclaimed, total);
	if (total)
		reclaimed_some(mm, total);
	else if (!balanced)
		atomic_fetch_add(&rc->kswapd_failures, 1);
	for (int z = 0; z <= highest && z < REF_NR_ZONE_TYPES; z++)
		if (boosts[z])
			ref_zone_boost_done(mm, &mm->zones[z], boosts[z]);
}

/* Take the order and zone asked for since the last pass. Caller holds
 * kswapd_lock. */
static int take_request_locked(struct ref_reclaim *rc, unsigned int *order)
{
	int highest = rc->kswapd_highest;

	*order = (unsigned int)rc->kswapd_order;
	rc->kswapd_highest = -1;
	rc->kswapd_order = 0;
	atomic_store(&rc->kswapd_wanted, 0);
	return highest;
}

/* 2.6.18: a zone of the request below its low watermark wakes kswapd. */
static int below_low_26(struct ref_mm *mm, unsigned int order, int highest)
{
	for (int z = highest; z >= 0; z--) {
		struct ref_zone *zone = &mm->zones[z];

		if (zone->populated &&
		    !ref_zone_watermark_ok(mm, zone, order,
					   zone->watermark[REF_WMARK_LOW], 0,
					   0))
			return 1;
	}
	return 0;
}

void ref_wakeup_kswapd(struct ref_mm *mm, ref_gfp_t gfp, unsigned int order,
		       int highest)
{
	struct ref_reclaim *rc = &mm->reclaim;

	(void)gfp;
	if (highest < 0 || highest >= REF_NR_ZONE_TYPES)
		return;
	if (mm->config.era == REF_ERA_2_6 && !below_low_26(mm, order, highest))
		return;
	pthread_mutex_lock(&rc->kswapd_lock);
	if (rc->kswapd_highest < highest)
		rc->kswapd_highest = highest;
	if (rc->kswapd_order < (int)order)
		rc->kswapd_order = (int)order;
	pthread_mutex_unlock(&rc->kswapd_lock);
	if (atomic_load(&rc->kswapd_failures) >= REF_MAX_RECLAIM_RETRIES)
		return; /* hopeless: left to direct reclaim */
	if (mm->config.era != REF_ERA_2_6 &&
	    pgdat_balanced(mm, order, highest) && !pgdat_boosted(mm, highest))
		return;
	atomic_fetch_add(&rc->kswapd_wakes, 1);
	pthread_mutex_lock(&rc->kswapd_lock);
	atomic_store(&rc->kswapd_wanted, 1);
	if (rc->kswapd_running)
		pthread_cond_signal(&rc->kswapd_wait);
	pthread_mutex_unlock(&rc->kswapd_lock);
}

void ref_kswapd_inline(struct ref_mm *mm)
{
	struct ref_reclaim *rc = &mm->reclaim;
	unsigned int order;
	int highest;

	if (ref_current_flags(mm) & (REF_PF_MEMALLOC | REF_PF_OOM))
		return; /* not inside reclaim: the request stays for later */
	pthread_mutex_lock(&rc->kswapd_lock);
	if (rc->kswapd_running || !atomic_load(&rc->kswapd_wanted)) {
		pthread_mutex_unlock(&rc->kswapd_lock);
		return;
	}
	highest = take_request_locked(rc, &order);
	pthread_mutex_unlock(&rc->kswapd_lock);
	if (highest < 0)
		return;
	if (pthread_mutex_trylock(&rc->pass_lock))
		return; /* a pass runs on another thread: it serves this */
	balance_pgdat(mm, order, highest);
	pthread_mutex_unlock(&rc->pass_lock);
}

static void *kswapd_main(void *arg)
{
	struct ref_mm *mm = arg;
	struct ref_reclaim *rc = &mm->reclaim;

	pthread_mutex_lock(&rc->kswapd_lock);
	for (;;) {
		unsigned int order;
		int highest;

		while (!rc->kswapd_stop && !atomic_load(&rc->kswapd_wanted))
			pthread_cond_wait(&rc->kswapd_wait, &rc->kswapd_lock);
		if (rc->kswapd_stop)
			break;
		highest = take_request_locked(rc, &order);
		pthread_mutex_unlock(&rc->kswapd_lock);
		if (highest >= 0) {
			pthread_mutex_lock(&rc->pass_lock);
			balance_pgdat(mm, order, highest);
			pthread_mutex_unlock(&rc->pass_lock);
		}
		pthread_mutex_lock(&rc->kswapd_lock);
	}
	pthread_mutex_unlock(&rc->kswapd_lock);
	return NULL;
}

int ref_kswapd_run(struct ref_mm *mm)
{
	struct ref_reclaim *rc = &mm->reclaim;
	int ret = 0;

	REF_ASSERT(mm != NULL);
	pthread_mutex_lock(&rc->kswapd_lock);
	if (rc->kswapd_running) {
		ret = -1;
	} else {
		rc->kswapd_stop = 0;
		rc->kswapd_running = 1;
		if (pthread_create(&rc->kswapd_thread, NULL, kswapd_main, mm)) {
			rc->kswapd_running = 0;
			ret = -1;
		}
	}
	pthread_mutex_unlock(&rc->kswapd_lock);
	return ret;
}

void ref_kswapd_stop(struct ref_mm *mm)
{
	struct ref_reclaim *rc = &mm->reclaim;
	pthread_t t;

	REF_ASSERT(mm != NULL);
	pthread_mutex_lock(&rc->kswapd_lock);
	if (!rc->kswapd_running || rc->kswapd_stop) {
		pthread_mutex_unlock(&rc->kswapd_lock);
		return;
	}
	rc->kswapd_stop = 1;
	t = rc->kswapd_thread;
	pthread_cond_signal(&rc->kswapd_wait);
	pthread_mutex_unlock(&rc->kswapd_lock);
	pthread_join(t, NULL);
	pthread_mutex_lock(&rc->kswapd_lock);
	rc->kswapd_running = 0;
	rc->kswapd_stop = 0;
	pthread_mutex_unlock(&rc->kswapd_lock);
}

void ref_kswapd_pause(struct ref_mm *mm)
{
	pthread_mutex_lock(&mm->reclaim.pass_lock);
}

void ref_kswapd_resume(struct ref_mm *mm)
{
	pthread_mutex_unlock(&mm->reclaim.pass_lock);
}

/* ------------------------------------------------------------ OOM */

void ref_register_oom_notifier(struct ref_mm *mm, ref_oom_notify_fn fn,
			       void *ctx)
{
	REF_ASSERT(mm != NULL);
	pthread_mutex_lock(&mm->reclaim.oom_lock);
	mm->reclaim.oom_fn = fn;
	mm->reclaim.oom_ctx = fn ? ctx : NULL;
	pthread_mutex_unlock(&mm->reclaim.oom_lock);
}

int ref_out_of_memory(struct ref_mm *mm, ref_gfp_t gfp, unsigned int order,
		      unsigned long *freed)
{
	struct ref_reclaim *rc = &mm->reclaim;
	struct ref_reclaim_current save;
	unsigned long n = 0;

	*freed = 0;
	/* someone else is in the OOM path: it makes progress for us */
	if (pthread_mutex_trylock(&rc->oom_lock))
		return 1;
	atomic_fetch_add(&rc->oom_calls, 1);
	if (rc->oom_fn) {
		ref_reclaim_enter(mm, REF_PF_OOM, &save);
		n = rc->oom_fn(rc->oom_ctx, mm, gfp, order);
		reclaimed_some(mm, ref_reclaim_leave(&save));
	}
	pthread_mutex_unlock(&rc->oom_lock);
	*freed = n;
	atomic_fetch_add(&rc->oom_freed, n);
	if (n > 0)
		return 1;
	/* the OOM killer does not make up for reclaim without FS */
	if (!(gfp & REF_GFP_FS))
		return 1;
	return 0; /* no task to kill (the kernel would panic) */
}

/* ------------------------------------------------------------ stats */

void ref_reclaim_stats(struct ref_mm *mm, struct ref_reclaim_stats *st)
{
	struct ref_reclaim *rc = &mm->reclaim;

	REF_ASSERT(mm != NULL && st != NULL);
	memset(st, 0, sizeof(*st));
	st->allocstall = atomic_load(&rc->allocstall);
	st->direct_reclaimed = atomic_load(&rc->direct_reclaimed);
	st->pageoutrun = atomic_load(&rc->pageoutrun);
	st->kswapd_reclaimed = atomic_load(&rc->kswapd_reclaimed);
	st->kswapd_wakes = atomic_load(&rc->kswapd_wakes);
	st->slabs_scanned = atomic_load(&rc->slabs_scanned);
	st->shrinker_calls = atomic_load(&rc->shrinker_calls);
	st->oom_calls = atomic_load(&rc->oom_calls);
	st->oom_freed = atomic_load(&rc->oom_freed);
	st->nr_bad_reclaim = atomic_load(&rc->nr_bad);
	st->kswapd_failures = atomic_load(&rc->kswapd_failures);
}

/* ------------------------------------------------------------ component */

static void reclaim_counters_clear(struct ref_reclaim *rc)
{
	atomic_store(&rc->allocstall, 0);
	atomic_store(&rc->direct_reclaimed, 0);
	atomic_store(&rc->pageoutrun, 0);
	atomic_store(&rc->kswapd_reclaimed, 0);
	atomic_store(&rc->kswapd_wakes, 0);
	atomic_store(&rc->slabs_scanned, 0);
	atomic_store(&rc->shrinker_calls, 0);
	atomic_store(&rc->oom_calls, 0);
	atomic_store(&rc->oom_freed, 0);
	atomic_store(&rc->nr_bad, 0);
	atomic_store(&rc->kswapd_failures, 0);
	atomic_store(&rc->kswapd_wanted, 0);
	rc->kswapd_order = 0;
	rc->kswapd_highest = -1;
}

static void reclaim_init(struct ref_mm *mm)
{
	struct ref_reclaim *rc = &mm->reclaim;

	pthread_mutex_init(&rc->shrinker_lock, NULL);
	pthread_cond_init(&rc->shrinker_idle, NULL);
	pthread_mutex_init(&rc->oom_lock, NULL);
	pthread_mutex_init(&rc->kswapd_lock, NULL);
	pthread_cond_init(&rc->kswapd_wait, NULL);
	pthread_mutex_init(&rc->pass_lock, NULL);
	ref_list_init(&rc->shrinkers);
	rc->kswapd_running = 0;
	rc->kswapd_stop = 0;
	reclaim_counters_clear(rc);
	rc->last_bad[0] = '\0';
}

/* Forget the shrinkers, the hook and the counters; stop kswapd. */
static void reclaim_drop(struct ref_mm *mm)
{
	struct ref_reclaim *rc = &mm->reclaim;
	struct ref_list_head *pos, *next;

	ref_kswapd_stop(mm);
	pthread_mutex_lock(&rc->shrinker_lock);
	for (pos = rc->shrinkers.next; pos != &rc->shrinkers; pos = next) {
		struct ref_shrinker *s =
			ref_list_entry(pos, struct ref_shrinker, list);

		next = pos->next;
		s->registered = 0;
	}
	ref_list_init(&rc->shrinkers);
	pthread_mutex_unlock(&rc->shrinker_lock);
	ref_register_oom_notifier(mm, NULL, NULL);
	reclaim_counters_clear(rc);
	pthread_mutex_lock(&mm->bad_lock);
	rc->last_bad[0] = '\0';
	pthread_mutex_unlock(&mm->bad_lock);
}

static void reclaim_exit(struct ref_mm *mm)
{
	struct ref_reclaim *rc = &mm->reclaim;

	reclaim_drop(mm);
	pthread_mutex_destroy(&rc->shrinker_lock);
	pthread_cond_destroy(&rc->shrinker_idle);
	pthread_mutex_destroy(&rc->oom_lock);
	pthread_mutex_destroy(&rc->kswapd_lock);
	pthread_cond_destroy(&rc->kswapd_wait);
	pthread_mutex_destroy(&rc->pass_lock);
}

/* CTX-RECLAIM: a shrinker was scanned for a mask that forbids it. */
static void reclaim_check(struct ref_mm *mm, enum ref_check_level level,
			  struct ref_report *r)
{
	unsigned long n = atomic_load(&mm->reclaim.nr_bad);
	char msg[REF_REPORT_MSG];

	if (level == REF_CHECK_NONE || !n)
		return;
	pthread_mutex_lock(&mm->bad_lock);
	snprintf(msg, sizeof(msg),
		 "%lu shrinker scan(s) against the reclaim mask; last: %.120s",
		 n, mm->reclaim.last_bad);
	pthread_mutex_unlock(&mm->bad_lock);
	ref_check_report(r, "CTX-RECLAIM", REF_COST_O1, ~0UL, msg);
}

const struct ref_component ref_reclaim_component = {
	"reclaim", reclaim_init, reclaim_drop, reclaim_exit, reclaim_check,
};
