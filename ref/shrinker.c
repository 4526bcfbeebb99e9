/* SPDX-License-Identifier: MIT */
/*
 * ref/shrinker.c - shrinkers and shrink_slab.
 *
 * Models mm/shrinker.c of Linux 6.12 (shrinker_register, shrinker_free,
 * shrink_slab, do_shrink_slab; no memcg or NUMA awareness: one node, one
 * deferred count per shrinker) and the shrink_slab() of 2.6.18's
 * mm/vmscan.c, chosen by config.era. The API is ref/shrinker.h.
 *
 * Algorithm (6.12, do_shrink_slab): freeable = count_objects(); nothing to
 * do at 0 or SHRINK_EMPTY. nr = the deferred work, taken (set to 0).
 *   delta      = (freeable >> priority) * 4 / seeks, or freeable / 2
 *                when seeks is 0 (objects that need no IO to recreate)
 *   total_scan = min((nr >> priority) + delta, 2 * freeable)
 * then scan_objects in calls of min(batch, total_scan) objects while
 * total_scan >= batch or total_scan >= freeable (a cache smaller than a
 * batch is still emptied once memory is tight), each call taking
 * nr_scanned (the callback may lower it) off total_scan, until one
 * returns SHRINK_STOP. The work left over is carried:
 *   nr_deferred += min(max(nr + delta - scanned, 0), 2 * freeable).
 * Algorithm (2.6.18, shrink_slab(scanned, gfp_mask, lru_pages)): with no
 * LRU lists modelled, scanned is SWAP_CLUSTER_MAX (what 2.6.18 used when
 * nothing was scanned) and lru_pages 0, so for each shrinker
 *   nr += (4 * scanned / seeks) * max_pass / (lru_pages + 1),
 *   nr = min(nr, 2 * max_pass),
 * then calls of SHRINK_BATCH objects while at least SHRINK_BATCH are left
 * (a cache of fewer than 64 objects is never scanned there: 2.6.18 had no
 * "tight on memory" rule), each one's progress the drop in
 * count_objects() across it (2.6.18 read the count before and after), and
 * what is left goes back to nr. 2.6.18 knew no per-shrinker batch and no
 * seeks of 0: ref takes batch as SHRINK_BATCH and seeks 0 as 1 there.
 *
 * The mask rule: the kernel leaves it to each shrinker (a file-system
 * shrinker's callbacks return SHRINK_STOP, 2.6.18's -1, without
 * __GFP_FS); ref lifts it into shrink_slab from the flags a shrinker
 * declares (REF_SHRINKER_NEEDS_FS, _IO): a mask without the bit skips the
 * shrinker entirely. do_shrink_slab records a scan call against the rule
 * anyway (mm->reclaim.nr_bad and its text), which ref_check() reports as
 * CTX-RECLAIM: that is how a shrink_slab that broke the rule is caught.
 *
 * Invariants: a registered shrinker is on mm->reclaim.shrinkers exactly
 * once; active counts the passes between taking and dropping it; an
 * unregistered one is off the list and no pass holds it.
 *
 * Locks: shrinker_lock guards the list and active/dead; a pass takes a
 * shrinker (active++) under it, drops it to call out, takes it again to
 * step to the next entry (a shrinker with active > 0 stays on the list,
 * so its link is still good) and to drop the reference, waking an
 * unregister that waits for active to reach 0 (the kernel's
 * shrinker_try_get/shrinker_put with the RCU walk). No other ref lock is
 * held across any of this. nr_deferred is an atomic (xchg, add).
 *
 * Injected bug (REF_BUG 12, "reclaim-mask"): shrink_slab runs every
 * shrinker whatever the mask, so GFP_NOFS reclaim scans a file-system
 * cache (CTX-RECLAIM).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char *shrinker_name(const struct ref_shrinker *s)
{
	return s->name ? s->name : "shrinker";
}

int ref_shrinker_allowed(const struct ref_shrinker *s, ref_gfp_t gfp)
{
	if ((s->flags & REF_SHRINKER_NEEDS_FS) && !(gfp & REF_GFP_FS))
		return 0;
	if ((s->flags & REF_SHRINKER_NEEDS_IO) && !(gfp & REF_GFP_IO))
		return 0;
	return 1;
}

int ref_register_shrinker(struct ref_mm *mm, struct ref_shrinker *s)
{
	struct ref_reclaim *rc = &mm->reclaim;

	REF_ASSERT(mm != NULL && s != NULL);
	if (s->registered || !s->count_objects || !s->scan_objects ||
	    s->seeks < 0 || s->batch < 0)
		return -1;
	atomic_init(&s->nr_deferred, 0);
	s->active = 0;
	s->dead = 0;
	s->registered = 1;
	pthread_mutex_lock(&rc->shrinker_lock);
	ref_list_add_tail(&s->list, &rc->shrinkers);
	pthread_mutex_unlock(&rc->shrinker_lock);
	return 0;
}

void ref_unregister_shrinker(struct ref_mm *mm, struct ref_shrinker *s)
{
	struct ref_reclaim *rc = &mm->reclaim;

	REF_ASSERT(mm != NULL && s != NULL);
	if (!s->registered)
		return;
	pthread_mutex_lock(&rc->shrinker_lock);
	s->dead = 1;
	while (s->active)
		pthread_cond_wait(&rc->shrinker_idle, &rc->shrinker_lock);
	ref_list_del(&s->list);
	s->registered = 0;
	pthread_mutex_unlock(&rc->shrinker_lock);
}

/* A scan call about to run against the mask: count it, keep its text. */
static void record_bad_scan(struct ref_mm *mm, const struct ref_shrinker *s,
			    ref_gfp_t gfp)
{
	char g[160];

	atomic_fetch_add(&mm->reclaim.nr_bad, 1);
	ref_gfp_format(gfp, g, sizeof(g));
	pthread_mutex_lock(&mm->bad_lock);
	snprintf(mm->reclaim.last_bad, sizeof(mm->reclaim.last_bad),
		 "%.40s (needs%s%s) scanned by reclaim for %.80s",
		 shrinker_name(s),
		 (s->flags & REF_SHRINKER_NEEDS_FS) ? " __GFP_FS" : "",
		 (s->flags & REF_SHRINKER_NEEDS_IO) ? " __GFP_IO" : "", g);
	pthread_mutex_unlock(&mm->bad_lock);
}

/* One scan_objects call of nr objects: its result, *scanned the objects
 * it looked at. */
static unsigned long call_scan(struct ref_mm *mm, struct ref_shrinker *s,
			       struct ref_shrink_control *sc, unsigned long nr,
			       unsigned long *scanned)
{
	unsigned long ret;

	if (!ref_shrinker_allowed(s, sc->gfp_mask))
		record_bad_scan(mm, s, sc->gfp_mask);
	sc->nr_to_scan = nr;
	sc->nr_scanned = nr;
	ret = s->scan_objects(s, sc);
	atomic_fetch_add(&mm->reclaim.shrinker_calls, 1);
	*scanned = sc->nr_scanned <= nr ? sc->nr_scanned : nr;
	if (ret != REF_SHRINK_STOP)
		atomic_fetch_add(&mm->reclaim.slabs_scanned, *scanned);
	return ret;
}

static unsigned long count_of(struct ref_shrinker *s,
			      struct ref_shrink_control *sc)
{
	unsigned long n = s->count_objects(s, sc);

	return n == REF_SHRINK_EMPTY ? 0 : n;
}

/* 6.12's do_shrink_slab (the file header has the formula). */
static unsigned long do_shrink_612(struct ref_mm *mm, struct ref_shrinker *s,
				   struct ref_shrink_control *sc, int priority)
{
	long batch = s->batch ? s->batch : REF_SHRINK_BATCH;
	unsigned long freed = 0, ret;
	long freeable, nr, delta, total_scan, scanned = 0, next;

	ret = s->count_objects(s, sc);
	if (ret == 0 || ret == REF_SHRINK_EMPTY)
		return 0;
	freeable = ret > (unsigned long)(LONG_MAX / 8) ? LONG_MAX / 8 :
							 (long)ret;
	nr = atomic_exchange(&s->nr_deferred, 0);
	if (s->seeks)
		delta = (freeable >> priority) * 4 / s->seeks;
	else
		delta = freeable / 2;
	total_scan = (nr >> priority) + delta;
	if (total_scan > 2 * freeable)
		total_scan = 2 * freeable;
	while (total_scan >= batch || total_scan >= freeable) {
		unsigned long got, did;
		long want = total_scan < batch ? total_scan : batch;

		got = call_scan(mm, s, sc, (unsigned long)want, &did);
		if (got == REF_SHRINK_STOP)
			break;
		freed += got;
		total_scan -= (long)did;
		scanned += (long)did;
		if (!did)
			break; /* scanned nothing: the kernel would spin */
	}
	next = nr + delta - scanned;
	if (next < 0)
		next = 0;
	if (next > 2 * freeable)
		next = 2 * freeable;
	atomic_fetch_add(&s->nr_deferred, next);
	return freed;
}

/* 2.6.18's per-shrinker step of shrink_slab (see the file header). */
static unsigned long do_shrink_26(struct ref_mm *mm, struct ref_shrinker *s,
				  struct ref_shrink_control *sc)
{
	const long scanned_pages = REF_SWAP_CLUSTER_MAX, lru_pages = 0;
	long seeks = s->seeks > 0 ? s->seeks : 1;
	long max_pass, nr, total_scan;
	unsigned long freed = 0;

	max_pass = (long)count_of(s, sc);
	if (max_pass > LONG_MAX / 256)
		max_pass = LONG_MAX / 256;
	nr = atomic_exchange(&s->nr_deferred, 0);
	nr += (4 * scanned_pages / seeks) * max_pass / (lru_pages + 1);
	if (nr > 2 * max_pass)
		nr = 2 * max_pass;
	total_scan = nr;
	while (total_scan >= REF_SHRINK_BATCH) {
		unsigned long before = count_of(s, sc), after, did;

		if (call_scan(mm, s, sc, REF_SHRINK_BATCH, &did) ==
		    REF_SHRINK_STOP)
			break;
		after = count_of(s, sc);
		if (after < before)
			freed += before - after;
		total_scan -= REF_SHRINK_BATCH;
	}
	atomic_fetch_add(&s->nr_deferred, total_scan);
	return freed;
}

unsigned long ref_do_shrink_slab(struct ref_mm *mm, struct ref_shrinker *s,
				 struct ref_shrink_control *sc, int priority)
{
	if (priority < 0)
		priority = 0;
	if (priority > REF_DEF_PRIORITY)
		priority = REF_DEF_PRIORITY;
	if (mm->config.era == REF_ERA_2_6)
		return do_shrink_26(mm, s, sc);
	return do_shrink_612(mm, s, sc, priority);
}

/* Take the first live shrinker at or after pos (a list link). Caller
 * holds shrinker_lock. */
static struct ref_shrinker *take_from(struct ref_reclaim *rc,
				      struct ref_list_head *pos, ref_gfp_t gfp)
{
	for (; pos != &rc->shrinkers; pos = pos->next) {
		struct ref_shrinker *s =
			ref_list_entry(pos, struct ref_shrinker, list);

		if (s->dead)
			continue;
#if REF_BUG != 12
		if (!ref_shrinker_allowed(s, gfp))
			continue;
#else
		(void)gfp;
#endif
		s->active++;
		return s;
	}
	return NULL;
}

/* Drop a pass's reference on s. Caller holds shrinker_lock. */
static void put_locked(struct ref_reclaim *rc, struct ref_shrinker *s)
{
	if (--s->active == 0 && s->dead)
		pthread_cond_broadcast(&rc->shrinker_idle);
}

unsigned long ref_shrink_slab(struct ref_mm *mm, ref_gfp_t gfp, int priority)
{
	struct ref_reclaim *rc = &mm->reclaim;
	struct ref_shrinker *s;
	unsigned long freed = 0;

	REF_ASSERT(mm != NULL);
	pthread_mutex_lock(&rc->shrinker_lock);
	s = take_from(rc, rc->shrinkers.next, gfp);
	while (s) {
		struct ref_shrink_control sc = {
			.gfp_mask = gfp,
			.kswapd = (ref_current_flags(mm) & REF_PF_KSWAPD) != 0,
		};
		struct ref_shrinker *next;
		unsigned long got;

		pthread_mutex_unlock(&rc->shrinker_lock);
		got = ref_do_shrink_slab(mm, s, &sc, priority);
		freed += got;
		pthread_mutex_lock(&rc->shrinker_lock);
		next = take_from(rc, s->list.next, gfp);
		put_locked(rc, s);
		s = next;
	}
	pthread_mutex_unlock(&rc->shrinker_lock);
	return freed;
}
