/* SPDX-License-Identifier: MIT */
/*
 * ref/shrinker.h - shrinkers, page reclaim, kswapd and the OOM hook.
 *
 * A shrinker is a cache that gives memory back when the page allocator
 * runs short (include/linux/shrinker.h): count_objects says how many
 * objects could be freed, scan_objects frees up to nr_to_scan of them and
 * says how many it freed. Reclaim asks each registered shrinker in turn
 * (shrink_slab), scaled by its priority (ref/shrinker.c); the pages the
 * callbacks hand back to the allocator on the reclaiming thread are its
 * progress (ref/reclaim.c). A shrinker whose objects need the file system
 * or block I/O to be torn down says so (REF_SHRINKER_NEEDS_*): reclaim
 * for a mask without __GFP_FS (GFP_NOFS) skips those needing FS, and for
 * one without __GFP_IO (GFP_NOIO) those needing IO as well. A scan
 * against that rule is recorded and reported by ref_check() as
 * CTX-RECLAIM.
 *
 *   ref_register_shrinker(mm, s)   -> 0, or -1 (registered already, no
 *                                     callbacks, a negative seeks)
 *   ref_unregister_shrinker(mm, s) -> once it returns no callback of s
 *                                     runs, or will
 *   ref_shrink_slab(mm, gfp, prio) -> objects freed by one pass
 *   ref_register_oom_notifier(mm, fn, ctx)  the OOM hook (one per machine)
 *   ref_kswapd_run(mm), ref_kswapd_stop(mm)  kswapd as a thread, or inline
 *   ref_reclaim_stats(mm, &st)     the counters below
 *
 * The allocator reclaims by itself (ref_alloc_pages(): direct reclaim for
 * a mask with __GFP_DIRECT_RECLAIM, kswapd for one that misses the low
 * watermark), so callers use these only to register caches and to watch.
 *
 * kswapd: without a thread (the default) a wake-up is remembered and the
 * balancing pass runs on the allocating thread right after the
 * allocation that woke it has decided its result and emitted its
 * mm_page_alloc event, so a single-threaded run stays deterministic;
 * ref_kswapd_run() starts a thread that does the passes instead (stress).
 *
 * Callbacks: they run on whatever thread reclaims (an allocating thread,
 * inside its ref_alloc_pages(), or kswapd), with no ref lock held. They
 * may free pages (ref_free_pages and friends); an allocation they make is
 * served without direct reclaim and below the watermarks (the kernel's
 * PF_MEMALLOC), unless it says __GFP_NOMEMALLOC. They must not register
 * or unregister shrinkers (the kernel's shrinker_free() from its own
 * callback deadlocks too).
 *
 * Ownership: the shrinker's memory is the caller's and must stay valid
 * until ref_unregister_shrinker() returns. ref_mm_reset(),
 * ref_mm_recreate() and ref_mm_destroy() forget every shrinker and the
 * OOM hook (and stop a kswapd thread) without calling them.
 */
#ifndef REF_SHRINKER_H
#define REF_SHRINKER_H

#include <stdatomic.h>
#include <stddef.h>

#include "gfp.h"
#include "types.h"

#define REF_SHRINK_STOP (~0UL) /* scan: no progress possible now */
#define REF_SHRINK_EMPTY (~0UL - 1) /* count: nothing to free at all */
#define REF_DEFAULT_SEEKS 2 /* a good number if you don't know better */
#define REF_SHRINK_BATCH 128 /* objects a scan call is asked, by default */
#define REF_DEF_PRIORITY 12 /* reclaim priorities run 12 .. 0 */
#define REF_SWAP_CLUSTER_MAX 32 /* pages a direct reclaim round aims at */
#define REF_MAX_RECLAIM_RETRIES 16 /* rounds without progress */
#define REF_PAGE_ALLOC_COSTLY_ORDER 3

/* What tearing a shrinker's objects down needs of the reclaim context. */
#define REF_SHRINKER_NEEDS_FS 0x1u /* __GFP_FS: the file system */
#define REF_SHRINKER_NEEDS_IO 0x2u /* __GFP_IO: block I/O */

/* struct shrink_control: what reclaim tells a callback. */
struct ref_shrink_control {
	ref_gfp_t gfp_mask; /* the mask reclaim runs for */
	unsigned long nr_to_scan; /* objects scan_objects should look at */
	/* objects it did look at: set to nr_to_scan before each call, the
	 * callback lowers it when it stopped early */
	unsigned long nr_scanned;
	int kswapd; /* 1: background reclaim (current_is_kswapd()) */
};

struct ref_shrinker {
	/* objects it could free now, REF_SHRINK_EMPTY for none at all, or
	 * 0 when it cannot tell (skipped this time) */
	unsigned long (*count_objects)(struct ref_shrinker *s,
				       struct ref_shrink_control *sc);
	/* free up to sc->nr_to_scan objects: how many were freed, or
	 * REF_SHRINK_STOP */
	unsigned long (*scan_objects)(struct ref_shrinker *s,
				      struct ref_shrink_control *sc);
	long batch; /* objects per scan call, 0 = REF_SHRINK_BATCH */
	int seeks; /* cost to recreate an object; 0 = no IO: halve it */
	unsigned int flags; /* REF_SHRINKER_NEEDS_* */
	const char *name; /* for reports; NULL = "shrinker" */
	void *private_data; /* the caller's */

	/* ref's own, set by ref_register_shrinker(): */
	struct ref_list_head list; /* on mm->reclaim.shrinkers */
	atomic_long nr_deferred; /* objects of scan work carried over */
	int active; /* passes calling it now (under shrinker_lock) */
	int dead; /* being unregistered: no new pass takes it */
	int registered; /* on a machine's list */
};

int ref_register_shrinker(struct ref_mm *mm, struct ref_shrinker *s);
void ref_unregister_shrinker(struct ref_mm *mm, struct ref_shrinker *s);

/*
 * One shrink_slab pass at priority (0..REF_DEF_PRIORITY) for gfp, by the
 * machine's era (ref/shrinker.c): the objects its scan calls freed. Pages
 * the callbacks free are not counted as anyone's progress: the callers
 * in ref/reclaim.c do that.
 */
unsigned long ref_shrink_slab(struct ref_mm *mm, ref_gfp_t gfp, int priority);

/*
 * The OOM hook (the kernel's register_oom_notifier): called where the
 * allocator would call out_of_memory(), with no ref lock held; returns
 * the pages it freed. One per machine; fn NULL removes it.
 */
typedef unsigned long (*ref_oom_notify_fn)(void *ctx, struct ref_mm *mm,
					   ref_gfp_t gfp, unsigned int order);
void ref_register_oom_notifier(struct ref_mm *mm, ref_oom_notify_fn fn,
			       void *ctx);

/*
 * kswapd as a thread of its own: 0, or -1 when it runs already or the
 * thread could not start. ref_kswapd_stop() waits for a pass in flight
 * and ends it; balancing is inline again afterwards.
 */
int ref_kswapd_run(struct ref_mm *mm);
void ref_kswapd_stop(struct ref_mm *mm);

/* The counters, named as /proc/vmstat's where the kernel has one. */
struct ref_reclaim_stats {
	unsigned long allocstall; /* direct reclaim rounds */
	unsigned long direct_reclaimed; /* pages they freed */
	unsigned long pageoutrun; /* kswapd balancing passes */
	unsigned long kswapd_reclaimed; /* pages those freed */
	unsigned long kswapd_wakes; /* wake-ups that asked for a pass */
	unsigned long slabs_scanned; /* objects shrinkers were asked */
	unsigned long shrinker_calls; /* scan_objects calls */
	unsigned long oom_calls; /* out_of_memory() calls */
	unsigned long oom_freed; /* pages the OOM hook said it freed */
	unsigned long nr_bad_reclaim; /* scans against the mask (CTX-RECLAIM) */
	unsigned int kswapd_failures; /* passes in a row that freed nothing */
};
void ref_reclaim_stats(struct ref_mm *mm, struct ref_reclaim_stats *st);

#endif /* REF_SHRINKER_H */
