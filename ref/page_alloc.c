/* SPDX-License-Identifier: MIT */
/*
 * ref/page_alloc.c - the binary buddy allocator.
 *
 * Models mm/page_alloc.c of Linux 6.12 and 2.6.18 (config.era) without
 * compaction (not modelled yet): an allocation comes from the CPU's
 * per-CPU list (ref/pcp.c) or the free lists of its migrate type or a
 * fallback (ref/migrate.c), only from a zone its watermark check lets it
 * use, and may reclaim first (ref/reclaim.c, ref/shrinker.c).
 *
 * Algorithm:
 *   alloc: ref_gfp_zone() gives the highest zone the mask allows (-1 means
 *     a forbidden combination: fail, counted as the caller's error). The zonelist runs from it downwards
 *     (NORMAL -> DMA32 -> DMA; HIGHMEM -> NORMAL -> DMA on x86_32),
 *     skipping unpopulated zones; each zone is tried only when its
 *     watermark check (watermark_ok_locked, the era's zone_watermark_ok)
 *     passes, counting the zone's lowmem_reserve for the request's
 *     highest zone (6.12: gfp_zone(); 2.6.18: the first populated zone of
 *     the zonelist). Passes, as the kernel makes them: the low watermark
 *     with no allowance (the fast path); the min watermark with the
 *     allowances of ref_gfp_to_alloc_flags() (__GFP_HIGH, a request that
 *     cannot reclaim); no watermarks for __GFP_MEMALLOC without
 *     __GFP_NOMEMALLOC; __GFP_NOFAIL (with direct reclaim) once more on
 *     min with __GFP_HIGH's allowance in 6.12, then it is counted as
 *     stuck and fails. Between those passes a request that may reclaim
 *     directly reclaims and retries by the era's rules (the slow path
 *     below, docs/reclaim.md), and one with __GFP_KSWAPD_RECLAIM (any in
 *     2.6.18) wakes kswapd, whose pass runs after the allocation when no
 *     thread does it. In the chosen zone rmqueue_smallest takes the head
 *     of the first free_area[o].free_list with o >= order, and expand()
 *     splits it:
 *     while o > order, o--, the upper half [pfn + 2^o, pfn + 2^(o+1)) goes
 *     back on free_area[o]; the lower half is kept. A block of order > 0
 *     asked with __GFP_COMP becomes a compound page (prep_compound_page:
 *     PG_head on the head, PG_tail and compound_head on every tail, the
 *     order on the first tail; 6.12 and 2.6.18 keep the same facts in
 *     different fields, see struct ref_page).
 *   free: the head of a live allocation of that order, else a bad page
 *     (a tail of a compound page included); a compound page's tails are
 *     checked (free_tail_page_prepare) and cleared before the block is
 *     merged, and a bad tail refuses the whole free.
 * Invariants (checked by check.c): every free block is aligned to 2^order,
 * lies inside its zone and one bank, has PG_buddy and private == order on
 * its head only, and no two free buddies of one order below the top are
 * both on the lists. nr_free counts list entries; nr_free_pages, the pages.
 * A live compound page has PG_head on its head and PG_tail with
 * compound_head == head on each tail; no other page has either mark.
 *
 * Locks: zone->lock guards the zone's free_area[], its counters, and the
 * flags/private/lru/owner fields of every page of the zone. Only one zone
 * lock is held at a time. The mm_page_free trace runs under zone->lock;
 * mm_page_alloc runs after it is dropped. Reclaim (shrinker callbacks,
 * the OOM hook, an inline kswapd pass) runs with no lock held.
 *
 * RAM: the only bytes of RAM ref/ writes are the zeroes of __GFP_ZERO
 * (ref_mm_reset() relies on it: see mm.h).
 *
 * Injected bugs (REF_BUG, compile time only): 1 "nomerge" never merges,
 * 2 "buddy-order" computes the buddy with order + 1 in the merge loop,
 * 3 "nozero" ignores __GFP_ZERO (a block comes back with whatever its
 * last owner left in it). 4 "upool-highmem" lives in upool.c, 5 "memlimit"
 * (mem= keeps the page at the limit) and 6 "reserve-short" (the last page
 * of each reserved range reaches the buddy) in memblock.c. 7 "wmark"
 * skips the watermark check (a zone serves requests below its min);
 * 8 "wmark-strict" gives the slow path no allowance (GFP_ATOMIC and
 * __GFP_HIGH requests are refused at min like any other). 9
 * "fault-minorder" and 10 "fault-nofail" live in fault.c. 11
 * "pcp-nodrain" lets a request fail without draining the per-CPU lists
 * first (neither after a reclaim round nor before it fails). 12
 * "reclaim-mask" lives in shrinker.c (shrink_slab ignores what a
 * shrinker needs of the mask).
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "ref/context.h"
#include "ref/fault.h"

static inline struct ref_page *pfn_page(struct ref_mm *mm, unsigned long pfn)
{
	return &mm->mem_map[pfn];
}

/*
 * account_freepages: NR_FREE_PAGES changes under zone->lock; the order-0
 * watermark check reads it without (as the kernel's zone_page_state
 * does), so every write is an atomic store. ISOLATE pages are not free
 * pages; HIGHATOMIC ones are also counted apart.
 */
static inline void account_freepages(struct ref_zone *zone, long delta, int mt)
{
	if (mt == REF_MIGRATE_ISOLATE) {
		zone->nr_free_isolate += (unsigned long)delta;
		return;
	}
	__atomic_store_n(&zone->nr_free_pages,
			 zone->nr_free_pages + (unsigned long)delta,
			 __ATOMIC_RELAXED);
	if (mt == REF_MIGRATE_HIGHATOMIC)
		__atomic_store_n(&zone->nr_free_highatomic,
				 zone->nr_free_highatomic +
					 (unsigned long)delta,
				 __ATOMIC_RELAXED);
}

void ref_add_to_free_list_locked(struct ref_zone *zone, struct ref_page *page,
				 unsigned int order, int mt, int tail)
{
	struct ref_free_area *area = &zone->free_area[order];

	REF_ASSERT_INTERNAL(!ref_page_test(page, REF_PG_buddy));
	REF_ASSERT_INTERNAL(!ref_page_test(page, REF_PG_owner));
	ref_page_set(page, REF_PF(REF_PG_buddy));
	page->private = order;
	if (tail)
		ref_list_add_tail(&page->lru, &area->free_list[mt]);
	else
		ref_list_add(&page->lru, &area->free_list[mt]);
	area->nr_free++;
	account_freepages(zone, 1L << order, mt);
}

void ref_del_from_free_list_locked(struct ref_zone *zone, struct ref_page *page,
				   unsigned int order, int mt)
{
	struct ref_free_area *area = &zone->free_area[order];

	REF_ASSERT_INTERNAL(ref_page_test(page, REF_PG_buddy));
	REF_ASSERT_INTERNAL(page->private == order);
	ref_list_del(&page->lru);
	ref_page_clear(page, REF_PF(REF_PG_buddy));
	page->private = 0;
	area->nr_free--;
	account_freepages(zone, -(1L << order), mt);
}

void ref_move_free_block_locked(struct ref_zone *zone, struct ref_page *page,
				unsigned int order, int old_mt, int new_mt)
{
	struct ref_free_area *area = &zone->free_area[order];

	ref_list_del(&page->lru);
	ref_list_add_tail(&page->lru, &area->free_list[new_mt]);
	account_freepages(zone, -(1L << order), old_mt);
	account_freepages(zone, 1L << order, new_mt);
}

void ref_add_boot_block_locked(struct ref_mm *mm, struct ref_zone *zone,
			       unsigned long pfn, unsigned int order)
{
	ref_add_to_free_list_locked(zone, pfn_page(mm, pfn), order,
				    ref_pageblock_mt(mm, pfn), 1);
}

/*
 * Pages after the head of a block hold no buddy or owner state. Used only
 * by REF_ASSERT_EXPENSIVE, whose disabled form still names it.
 */
__attribute__((unused)) static int
block_tails_clean(struct ref_mm *mm, unsigned long pfn, unsigned int order)
{
	unsigned long i;

	for (i = 1; i < (1UL << order); i++) {
		const struct ref_page *p = pfn_page(mm, pfn + i);

		if (p->flags & (REF_PF(REF_PG_buddy) | REF_PF(REF_PG_owner) |
				REF_PF(REF_PG_reserved)))
			return 0;
	}
	return 1;
}

void ref_expand_locked(struct ref_mm *mm, struct ref_zone *zone,
		       unsigned long pfn, unsigned int low, unsigned int high,
		       int mt)
{
	REF_ASSERT_INTERNAL(high >= low);
	while (high > low) {
		high--;
		ref_add_to_free_list_locked(
			zone, pfn_page(mm, pfn + (1UL << high)), high, mt, 0);
	}
}

/*
 * prep_compound_page(): the head is marked PG_head, each of the 2^order - 1
 * tails PG_tail with compound_head pointing at the head, and the first
 * tail keeps the order. Caller holds the lock of the list the block came
 * from; order > 0.
 */
static void prep_compound_page(struct ref_page *page, unsigned int order)
{
	unsigned long nr = 1UL << order;

	ref_page_set(page, REF_PF(REF_PG_head));
	for (unsigned long i = 1; i < nr; i++) {
		page[i].compound_head = page;
		ref_page_set(&page[i], REF_PF(REF_PG_tail));
	}
	page[1].compound_order = order;
}

/* Make a freshly taken block a live allocation (page state only; the
 * caller counts it). Caller holds the lock of the list it came from. */
void ref_prep_new_page(struct ref_zone *zone, struct ref_page *page,
		       unsigned int order, ref_gfp_t gfp)
{
	ref_page_set(page, REF_PF(REF_PG_owner));
	if (zone->type == REF_ZONE_HIGHMEM)
		ref_page_set(page, REF_PF(REF_PG_highmem));
	page->owner_order = order;
	page->owner_gfp = gfp;
	atomic_store_explicit(&page->refcount, 1, memory_order_relaxed);
	/* an order-0 page is never compound: the kernel's test, in its
	 * order, so the hot path pays one compare */
	if (order && (gfp & REF_GFP_COMP))
		prep_compound_page(page, order);
}

/*
 * The watermark check of the era (zone_watermark_ok), on free pages
 * free_pages of zone. Caller holds zone->lock, or reads free_pages
 * without it for order 0 (nothing else of the zone is read then).
 *
 * 2.6.18: free = free_pages - 2^order + 1; ALLOC_HIGH takes half of min,
 * ALLOC_HARDER a further quarter; fail when free <= min + the reserve;
 * then for each order o below the request, take the pages of free blocks
 * of order o out of free, halve min, fail when free <= min.
 * 6.12: free = free_pages - (2^order - 1), less the free pages of the
 * highatomic reserve without ALLOC_RESERVES; with ALLOC_MIN_RESERVE half
 * of min, with ALLOC_NON_BLOCK as well a further quarter, with ALLOC_OOM
 * a further half; fail when free <= min + the reserve; order 0 passes, a
 * higher order needs a free block of at least its order on a list of
 * UNMOVABLE, MOVABLE or RECLAIMABLE (or HIGHATOMIC, for ALLOC_HIGHATOMIC
 * and ALLOC_OOM).
 */
static int watermark_ok_locked(const struct ref_mm *mm,
			       const struct ref_zone *zone, unsigned int order,
			       unsigned long mark, int classzone,
			       unsigned int alloc_flags, long free_pages)
{
	long min = (long)mark;
	long reserve = (long)zone->lowmem_reserve[classzone];

	if (mm->config.era == REF_ERA_2_6) {
		free_pages -= (1L << order) - 1;
		if (alloc_flags & REF_ALLOC_HIGH)
			min -= min / 2;
		if (alloc_flags & REF_ALLOC_HARDER)
			min -= min / 4;
		if (free_pages <= min + reserve)
			return 0;
		for (unsigned int o = 0; o < order; o++) {
			free_pages -= (long)(zone->free_area[o].nr_free << o);
			min >>= 1;
			if (free_pages <= min)
				return 0;
		}
		return 1;
	}
	free_pages -= (1L << order) - 1;
	if (!(alloc_flags & REF_ALLOC_RESERVES))
		free_pages -= (long)__atomic_load_n(&zone->nr_free_highatomic,
						    __ATOMIC_RELAXED);
	if (alloc_flags & REF_ALLOC_RESERVES) {
		if (alloc_flags & REF_ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & REF_ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		if (alloc_flags & REF_ALLOC_OOM)
			min -= min / 2;
	}
	if (free_pages <= min + reserve)
		return 0;
	if (!order)
		return 1;
	for (unsigned int o = order; o < mm->config.nr_orders; o++) {
		const struct ref_free_area *area = &zone->free_area[o];

		if (!area->nr_free)
			continue;
		for (int mt = 0; mt < REF_MIGRATE_PCPTYPES; mt++)
			if (!ref_list_empty(&area->free_list[mt]))
				return 1;
		if ((alloc_flags & (REF_ALLOC_HIGHATOMIC | REF_ALLOC_OOM)) &&
		    !ref_list_empty(&area->free_list[REF_MIGRATE_HIGHATOMIC]))
			return 1;
	}
	return 0;
}

int ref_zone_watermark_ok(struct ref_mm *mm, struct ref_zone *zone,
			  unsigned int order, unsigned long mark,
			  int highest_zoneidx, unsigned int alloc_flags)
{
	int ok;

	REF_ASSERT(mm != NULL && zone != NULL);
	if (highest_zoneidx < 0 || highest_zoneidx >= REF_NR_ZONE_TYPES ||
	    order >= mm->config.nr_orders)
		return 0;
	pthread_mutex_lock(&zone->lock);
	ok = watermark_ok_locked(mm, zone, order, mark, highest_zoneidx,
				 alloc_flags, (long)zone->nr_free_pages);
	pthread_mutex_unlock(&zone->lock);
	return ok;
}

/*
 * The zone allocation context of a request (struct alloc_context): the
 * highest zone the mask allows, the zone whose lowmem_reserve entry the
 * watermark check adds (6.12 takes gfp_zone() itself, highest_zoneidx;
 * 2.6.18 took the first zone of its zonelist, whose zonelists held
 * populated zones only, classzone_idx) and the migrate type asked for.
 * -1: no zone.
 */
struct alloc_ctx {
	int highest;
	int classzone;
	int migratetype;
};

static int alloc_ctx_init(struct ref_mm *mm, ref_gfp_t gfp, unsigned int order,
			  struct alloc_ctx *ac)
{
	ac->highest = order < mm->config.nr_orders ? ref_gfp_zone(mm, gfp) : -1;
	ac->classzone = ac->highest;
	ac->migratetype = ref_gfp_migratetype(mm, gfp);
	if (ac->highest < 0) {
		/* the order is refused before gfp_zone() looks at the mask */
		if (order < mm->config.nr_orders)
			ref_gfp_zone_bad(mm, gfp);
		return -1;
	}
	if (mm->config.era == REF_ERA_2_6) {
		while (ac->classzone >= 0 &&
		       !mm->zones[ac->classzone].populated)
			ac->classzone--;
		if (ac->classzone < 0)
			return -1;
	}
	return 0;
}

/*
 * The zone's watermark check for this pass (zone_watermark_fast):
 * lockless for order 0 (the fast path reads NR_FREE_PAGES alone), under
 * zone->lock for a higher order (the free lists are read). 6.12: an
 * order-0 ALLOC_MIN_RESERVE request at the min watermark of a boosted
 * zone is checked again against the mark without the boost.
 */
__attribute__((unused)) static int
zone_ok(struct ref_mm *mm, struct ref_zone *zone, unsigned int order, int wmark,
	int classzone, unsigned int alloc_flags)
{
	unsigned long mark = wmark == REF_WMARK_HIGH ?
				     ref_wmark_pages(zone, REF_WMARK_HIGH) :
				     ref_wmark_pages(zone, wmark);
	int ok;

	if (!order) {
		long free = (long)__atomic_load_n(&zone->nr_free_pages,
						  __ATOMIC_RELAXED);

		ok = watermark_ok_locked(mm, zone, 0, mark, classzone,
					 alloc_flags, free);
		if (!ok && (alloc_flags & REF_ALLOC_MIN_RESERVE) &&
		    wmark == REF_WMARK_MIN &&
		    __atomic_load_n(&zone->watermark_boost, __ATOMIC_RELAXED))
			ok = watermark_ok_locked(mm, zone, 0,
						 zone->watermark[REF_WMARK_MIN],
						 classzone, alloc_flags, free);
		return ok;
	}
	pthread_mutex_lock(&zone->lock);
	ok = watermark_ok_locked(mm, zone, order, mark, classzone, alloc_flags,
				 (long)zone->nr_free_pages);
	pthread_mutex_unlock(&zone->lock);
	return ok;
}

/* Whether zone may serve the pass (6.12 tries the high watermark first
 * while the zone is not known to be below it: ZONE_BELOW_HIGH). */
static int zone_passes(struct ref_mm *mm, struct ref_zone *zone,
		       unsigned int order, unsigned int alloc_flags,
		       const struct alloc_ctx *ac)
{
#if REF_BUG == 7
	(void)mm;
	(void)zone;
	(void)order;
	(void)alloc_flags;
	(void)ac;
	return 1;
#else
	if (mm->config.era != REF_ERA_2_6 && !ref_zone_below_high(zone, 0)) {
		if (zone_ok(mm, zone, order, REF_WMARK_HIGH, ac->classzone,
			    alloc_flags))
			return 1;
		ref_zone_below_high(zone, 1);
	}
	if (alloc_flags & REF_ALLOC_NO_WATERMARKS)
		return 1;
	return zone_ok(mm, zone, order,
		       (int)(alloc_flags & REF_ALLOC_WMARK_MASK), ac->classzone,
		       alloc_flags);
#endif
}

/*
 * rmqueue(): the CPU's list for the orders it holds, else the buddy
 * (rmqueue_buddy); then, 6.12, kswapd for a zone whose watermarks a
 * fallback boosted, when the request may wake it (wakeup_kswapd(zone, 0,
 * 0, zone_idx(zone))): its pass, inline after the allocation or on
 * kswapd's thread, ends by taking the boost back (ref/reclaim.c).
 */
static unsigned long rmqueue(struct ref_mm *mm, struct ref_zone *zone,
			     unsigned int order, ref_gfp_t gfp,
			     unsigned int alloc_flags, int mt)
{
	unsigned int cpu = ref_this_cpu(mm);
	unsigned long pfn = ~0UL;

	if (ref_pcp_index(mm, order, mt) >= 0 && ref_cpu_is_online(mm, cpu)) {
		pfn = ref_pcp_alloc(mm, zone, order, gfp, cpu, mt, alloc_flags);
		/* 2.6.18's buffered_rmqueue fails the zone with its list;
		 * 6.12 falls back to the buddy (rmqueue_buddy) */
		if (pfn != ~0UL || mm->config.era == REF_ERA_2_6)
			goto out;
	}
	pthread_mutex_lock(&zone->lock);
	pfn = ref_rmqueue_buddy_locked(mm, zone, order, mt, alloc_flags);
	if (pfn != ~0UL) {
		ref_prep_new_page(zone, pfn_page(mm, pfn), order, gfp);
		zone->nr_alloc_pages += 1UL << order;
		zone->pgalloc++;
		REF_ASSERT_EXPENSIVE(block_tails_clean(mm, pfn, order));
	}
	pthread_mutex_unlock(&zone->lock);
out:
	if ((alloc_flags & REF_ALLOC_KSWAPD) &&
	    (atomic_load_explicit(&zone->zflags, memory_order_relaxed) &
	     REF_ZONE_BOOSTED_WATERMARK)) {
		atomic_fetch_and(&zone->zflags, ~REF_ZONE_BOOSTED_WATERMARK);
		ref_wakeup_kswapd(mm, 0, 0, (int)zone->type);
	}
	return pfn;
}

/*
 * get_page_from_freelist: walk the zonelist from the highest zone down
 * (skipping unpopulated zones); take the block from the first zone whose
 * watermark (alloc_flags & REF_ALLOC_WMARK_MASK, with the allowances of
 * the flags) passes, or from the first with a block at all under
 * REF_ALLOC_NO_WATERMARKS. After an ALLOC_HIGHATOMIC success the block's
 * pageblock may join the highatomic reserve. Under ALLOC_NOFRAGMENT a
 * walk that finds nothing is made again without it. Returns the block's
 * pfn or ~0UL.
 */
static unsigned long get_page_from_freelist(struct ref_mm *mm, ref_gfp_t gfp,
					    unsigned int order,
					    unsigned int alloc_flags,
					    const struct alloc_ctx *ac)
{
retry:
	for (int z = ac->highest; z >= 0; z--) {
		struct ref_zone *zone = &mm->zones[z];
		unsigned long pfn;

		if (!zone->populated ||
		    !zone_passes(mm, zone, order, alloc_flags, ac))
			continue;
		pfn = rmqueue(mm, zone, order, gfp, alloc_flags,
			      ac->migratetype);
		if (pfn != ~0UL) {
			if (alloc_flags & REF_ALLOC_HIGHATOMIC) {
				pthread_mutex_lock(&zone->lock);
				ref_reserve_highatomic_locked(mm, zone, pfn,
							      order);
				pthread_mutex_unlock(&zone->lock);
			}
			return pfn;
		}
	}
	if (alloc_flags & REF_ALLOC_NOFRAGMENT) {
		alloc_flags &= ~REF_ALLOC_NOFRAGMENT;
		goto retry;
	}
	return ~0UL;
}

unsigned int ref_gfp_to_alloc_flags(const struct ref_mm *mm, ref_gfp_t gfp,
				    unsigned int order)
{
	unsigned int flags = REF_ALLOC_WMARK_MIN;

	if (mm->config.era == REF_ERA_2_6) {
		/* !wait (no __GFP_WAIT, 6.12's __GFP_DIRECT_RECLAIM) is
		 * ALLOC_HARDER; __GFP_HIGH is ALLOC_HIGH */
		if (!(gfp & REF_GFP_DIRECT_RECLAIM))
			flags |= REF_ALLOC_HARDER;
		if (gfp & REF_GFP_HIGH)
			flags |= REF_ALLOC_HIGH;
		return flags;
	}
	if (gfp & REF_GFP_HIGH)
		flags |= REF_ALLOC_MIN_RESERVE;
	if (!(gfp & REF_GFP_DIRECT_RECLAIM) && !(gfp & REF_GFP_NOMEMALLOC)) {
		flags |= REF_ALLOC_NON_BLOCK;
		if (order > 0 && (flags & REF_ALLOC_MIN_RESERVE))
			flags |= REF_ALLOC_HIGHATOMIC;
	}
	return flags;
}

/* The fast path's flags (alloc_flags_nofragment): ALLOC_KSWAPD from the
 * mask, and ALLOC_NOFRAGMENT when the preferred zone is NORMAL on a
 * machine with DMA32 (x86_64). */
static unsigned int fast_flags(const struct ref_mm *mm, ref_gfp_t gfp,
			       const struct alloc_ctx *ac)
{
	unsigned int flags = REF_ALLOC_WMARK_LOW;
	int z = ac->highest;

	if (mm->config.era == REF_ERA_2_6)
		return flags;
	flags |= gfp & REF_GFP_KSWAPD_RECLAIM ? REF_ALLOC_KSWAPD : 0;
	while (z >= 0 && !mm->zones[z].populated)
		z--;
	if (z == REF_ZONE_NORMAL && mm->config.profile == REF_PROFILE_X86_64)
		flags |= REF_ALLOC_NOFRAGMENT;
	return flags;
}

/* ALLOC_KSWAPD of a slow-path pass (gfp_to_alloc_flags adds it). */
static unsigned int kswapd_flag(const struct ref_mm *mm, ref_gfp_t gfp)
{
	return mm->config.era != REF_ERA_2_6 && (gfp & REF_GFP_KSWAPD_RECLAIM) ?
		       REF_ALLOC_KSWAPD :
		       0;
}

/*
 * Whether the request may ignore watermarks (__gfp_pfmemalloc_flags):
 * never with __GFP_NOMEMALLOC; with __GFP_MEMALLOC; and outside
 * interrupts on a thread that is reclaiming (PF_MEMALLOC: a shrinker's
 * own allocation, kswapd's). 2.6.18 had no __GFP_MEMALLOC (it came with
 * 3.6): there the bit stands for the task flag PF_MEMALLOC it was made
 * to carry, which 2.6.18 honoured outside interrupts unless
 * __GFP_NOMEMALLOC.
 */
static int pfmemalloc_allowed(struct ref_mm *mm, ref_gfp_t gfp)
{
	unsigned int pf = ref_current_flags(mm);

	if (gfp & REF_GFP_NOMEMALLOC)
		return 0;
	if (gfp & REF_GFP_MEMALLOC)
		return 1;
	/* kswapd is never in an interrupt (and its thread owns no CPU's
	 * context to ask) */
	return (pf & REF_PF_MEMALLOC) &&
	       ((pf & REF_PF_KSWAPD) || !ref_in_interrupt(mm));
}

/* drain_all_pages, unless REF_BUG 11 leaves the lists alone. */
static int drain_pcp(struct ref_mm *mm)
{
#if REF_BUG == 11
	(void)mm;
	return 0;
#else
	ref_drain_all_pages(mm);
	return 1;
#endif
}

/*
 * What one request carries through its slow path (the locals of 6.12's
 * __alloc_pages_slowpath, and ref's own bound on the kernel's endless
 * retries).
 *   alloc_flags       the flags its attempts use (NO_WATERMARKS once the
 *                     mask may ignore them)
 *   drained           drain_all_pages ran for it
 *   no_progress_loops should_reclaim_retry's count
 *   mark              pages this thread had freed at the last decision
 *                     to retry for ever: the kernel would retry again,
 *                     ref does only when something was freed since
 *   rounds            reclaim rounds (a safety net, REF_SLOW_MAX_ROUNDS)
 *   nofail_min        6.12: a __GFP_NOFAIL request that may reclaim is
 *                     given min with ALLOC_MIN_RESERVE at nopage
 *   nofail_nowmark    6.12: the OOM path gave it ALLOC_NO_WATERMARKS
 */
struct slow_state {
	unsigned int alloc_flags;
	int drained;
	int no_progress_loops;
	unsigned long mark;
	unsigned int rounds;
	int nofail_min;
	int nofail_nowmark;
};

#define REF_SLOW_MAX_ROUNDS 65536u

/* The attempts without reclaim, once more (after a drain). */
static unsigned long last_tries(struct ref_mm *mm, ref_gfp_t gfp,
				unsigned int order, const struct alloc_ctx *ac,
				const struct slow_state *st)
{
	unsigned long pfn =
		get_page_from_freelist(mm, gfp, order, st->alloc_flags, ac);

	if (pfn == ~0UL && st->nofail_min)
		pfn = get_page_from_freelist(
			mm, gfp, order,
			REF_ALLOC_WMARK_MIN | REF_ALLOC_MIN_RESERVE, ac);
	if (pfn == ~0UL && st->nofail_nowmark)
		pfn = get_page_from_freelist(mm, gfp, order,
					     REF_ALLOC_NO_WATERMARKS, ac);
	return pfn;
}

/*
 * __alloc_pages_direct_reclaim: a reclaim round, then the freelists;
 * when that fails, pages may be pinned in the highatomic reserve or on
 * the per-CPU lists: a reserve block goes back to the request's type
 * (the last kept: unreserve_highatomic_pageblock(ac, false)), the lists
 * are drained (not with REF_BUG 11) and the freelists tried once more.
 * *progress: the pages the round freed (nothing is tried without).
 */
static unsigned long direct_reclaim(struct ref_mm *mm, ref_gfp_t gfp,
				    unsigned int order,
				    const struct alloc_ctx *ac,
				    struct slow_state *st,
				    unsigned long *progress)
{
	unsigned long pfn;
	int drained = 0;

	st->rounds++;
	*progress = ref_try_to_free_pages(mm, gfp, order);
	if (!*progress)
		return ~0UL;
	for (;;) {
		pfn = get_page_from_freelist(mm, gfp, order, st->alloc_flags,
					     ac);
		if (pfn != ~0UL || drained)
			return pfn;
		ref_unreserve_highatomic(mm, ac->highest, ac->migratetype, 0);
		if (drain_pcp(mm))
			st->drained = 1;
		drained = 1;
	}
}

/*
 * should_reclaim_retry (6.12): no_progress_loops is reset by progress
 * (for orders up to PAGE_ALLOC_COSTLY_ORDER only) and otherwise counts
 * up; beyond MAX_RECLAIM_RETRIES, the highatomic reserve is exhausted
 * before the OOM path: one block goes back, forced (the last too), and
 * that it did is the answer (unreserve_highatomic_pageblock(ac, true)).
 * Else yes when some zone of the zonelist would pass min (with its
 * boost) with the request's flags had every reclaimable page been
 * freed: zone_reclaimable_pages() is the LRU's pages, none here, and
 * with none it counts the zone's free pages instead, so available is
 * twice NR_FREE_PAGES.
 */
static int should_reclaim_retry(struct ref_mm *mm, unsigned int order,
				const struct alloc_ctx *ac,
				struct slow_state *st, int progress)
{
	if (progress && order <= REF_PAGE_ALLOC_COSTLY_ORDER)
		st->no_progress_loops = 0;
	else
		st->no_progress_loops++;
	if (st->no_progress_loops > REF_MAX_RECLAIM_RETRIES)
		return ref_unreserve_highatomic(mm, ac->highest,
						ac->migratetype, 1);
	for (int z = ac->highest; z >= 0; z--) {
		struct ref_zone *zone = &mm->zones[z];
		long avail;
		int ok;

		if (!zone->populated)
			continue;
		pthread_mutex_lock(&zone->lock);
		avail = 2 * (long)zone->nr_free_pages;
		ok = watermark_ok_locked(mm, zone, order,
					 ref_wmark_pages(zone, REF_WMARK_MIN),
					 ac->classzone, st->alloc_flags, avail);
		pthread_mutex_unlock(&zone->lock);
		if (ok)
			return 1;
	}
	return 0;
}

/*
 * __alloc_pages_may_oom (6.12): the high watermark once more (a parallel
 * OOM kill may have freed memory), then out_of_memory() unless the order
 * is costly, the mask says __GFP_RETRY_MAYFAIL or __GFP_THISNODE, or its
 * highest zone is below ZONE_NORMAL. Progress from it (or a __GFP_NOFAIL
 * request, which the kernel warns about and helps) sets *progress; a
 * __GFP_NOFAIL request then tries with no watermarks at all.
 */
static unsigned long may_oom(struct ref_mm *mm, ref_gfp_t gfp,
			     unsigned int order, const struct alloc_ctx *ac,
			     struct slow_state *st, int *progress)
{
	unsigned long pfn, freed;

	*progress = 0;
	pfn = get_page_from_freelist(mm, gfp, order, REF_ALLOC_WMARK_HIGH, ac);
	if (pfn != ~0UL || order > REF_PAGE_ALLOC_COSTLY_ORDER ||
	    (gfp & (REF_GFP_RETRY_MAYFAIL | REF_GFP_THISNODE)) ||
	    ac->highest < REF_ZONE_NORMAL)
		return pfn;
	if (ref_out_of_memory(mm, gfp, order, &freed) ||
	    (gfp & REF_GFP_NOFAIL)) {
		*progress = 1;
		if (gfp & REF_GFP_NOFAIL) {
			st->nofail_nowmark = 1;
			pfn = get_page_from_freelist(
				mm, gfp, order, REF_ALLOC_NO_WATERMARKS, ac);
		}
	}
	return pfn;
}

/*
 * The kernel would retry once more (OOM progress, __GFP_NOFAIL); ref does
 * only when this thread freed a page since the last such decision (with
 * one thread nothing else can change), and within its safety net.
 */
static int worth_retrying(struct slow_state *st)
{
	if (ref_reclaim_current.reclaimed == st->mark ||
	    st->rounds >= REF_SLOW_MAX_ROUNDS)
		return 0;
	st->mark = ref_reclaim_current.reclaimed;
	return 1;
}

/* 6.12's retry loop from "retry:" to "nopage:"; ~0UL at nopage. */
static unsigned long reclaim_loop_612(struct ref_mm *mm, ref_gfp_t gfp,
				      unsigned int order,
				      const struct alloc_ctx *ac,
				      struct slow_state *st)
{
	const int costly = order > REF_PAGE_ALLOC_COSTLY_ORDER;
	unsigned long pfn, progress;
	int oom_progress;

	for (;;) {
		/* "retry:" tries the freelists first (what the OOM path or a
		 * round before freed) */
		pfn = get_page_from_freelist(mm, gfp, order, st->alloc_flags,
					     ac);
		if (pfn != ~0UL)
			return pfn;
		pfn = direct_reclaim(mm, gfp, order, ac, st, &progress);
		if (pfn != ~0UL || (gfp & REF_GFP_NORETRY) ||
		    (costly && !(gfp & REF_GFP_RETRY_MAYFAIL)))
			return pfn;
		if (should_reclaim_retry(mm, order, ac, st, progress > 0)) {
			if (st->rounds >= REF_SLOW_MAX_ROUNDS)
				return ~0UL;
			continue;
		}
		pfn = may_oom(mm, gfp, order, ac, st, &oom_progress);
		if (pfn != ~0UL || !oom_progress || !worth_retrying(st))
			return pfn;
		st->no_progress_loops = 0;
	}
}

/*
 * 6.12's __alloc_pages_slowpath (no compaction, no cpusets): wake kswapd
 * (__GFP_KSWAPD_RECLAIM), the min watermark with gfp_to_alloc_flags'
 * allowances, then no watermarks when the mask may (pfmemalloc_allowed);
 * a request that cannot reclaim directly (or reclaims already) ends
 * there. Else the retry loop: direct reclaim and a try; __GFP_NORETRY
 * ends after one round, a costly order without __GFP_RETRY_MAYFAIL too;
 * should_reclaim_retry may send it round again; then the OOM path, whose
 * progress sends it round again. At nopage a __GFP_NOFAIL request tries
 * min with ALLOC_MIN_RESERVE and goes round again: for ever in the
 * kernel, here while its rounds free something (worth_retrying), after
 * which ref_alloc_pages counts it stuck.
 */
static unsigned long slowpath_612(struct ref_mm *mm, ref_gfp_t gfp,
				  unsigned int order,
				  const struct alloc_ctx *ac,
				  struct slow_state *st)
{
	struct ref_reclaim_current save;
	unsigned long pfn;

	if (gfp & REF_GFP_KSWAPD_RECLAIM)
		ref_wakeup_kswapd(mm, gfp, order, ac->highest);
	pfn = get_page_from_freelist(mm, gfp, order, st->alloc_flags, ac);
	if (pfn != ~0UL)
		return pfn;
	if (pfmemalloc_allowed(mm, gfp)) {
		st->alloc_flags = REF_ALLOC_NO_WATERMARKS |
				  kswapd_flag(mm, gfp);
		pfn = get_page_from_freelist(mm, gfp, order, st->alloc_flags,
					     ac);
		if (pfn != ~0UL)
			return pfn;
	}
	if (!(gfp & REF_GFP_DIRECT_RECLAIM))
		return ~0UL;
	st->nofail_min = (gfp & REF_GFP_NOFAIL) != 0;
	/* no direct reclaim from inside reclaim (PF_MEMALLOC) */
	if (ref_current_flags(mm) & REF_PF_MEMALLOC)
		return st->nofail_min ? last_tries(mm, gfp, order, ac, st) :
					~0UL;
	ref_reclaim_enter(mm, 0, &save);
	for (;;) {
		pfn = reclaim_loop_612(mm, gfp, order, ac, st);
		if (pfn != ~0UL || !(gfp & REF_GFP_NOFAIL))
			break;
		pfn = get_page_from_freelist(
			mm, gfp, order,
			REF_ALLOC_WMARK_MIN | REF_ALLOC_MIN_RESERVE, ac);
		if (pfn != ~0UL || !worth_retrying(st))
			break;
	}
	ref_reclaim_leave(&save);
	return pfn;
}

/*
 * 2.6.18's reclaim loop (its "rebalance:"): try_to_free_pages; with
 * progress a try; without, for a mask with __GFP_FS and no
 * __GFP_NORETRY, the high watermark, the OOM hook and a restart (the
 * fast path and the first try again); then round again unless
 * __GFP_NORETRY, or the order is above 3 with neither __GFP_REPEAT (or
 * the __GFP_RETRY_MAYFAIL bit it became) nor __GFP_NOFAIL. 2.6.18 went
 * round for ever; ref stops after MAX_RECLAIM_RETRIES rounds in a row
 * that freed nothing.
 */
static unsigned long reclaim_loop_26(struct ref_mm *mm, ref_gfp_t gfp,
				     unsigned int order,
				     const struct alloc_ctx *ac,
				     struct slow_state *st)
{
	const int do_retry = !(gfp & REF_GFP_NORETRY) &&
			     (order <= REF_PAGE_ALLOC_COSTLY_ORDER ||
			      (gfp & (REF_GFP_REPEAT | REF_GFP_RETRY_MAYFAIL |
				      REF_GFP_NOFAIL)));
	unsigned long pfn = ~0UL, progress, freed;
	unsigned int idle = 0;

	while (st->rounds < REF_SLOW_MAX_ROUNDS) {
		unsigned long before = ref_reclaim_current.reclaimed;
		int oom = 0;

		st->rounds++;
		progress = ref_try_to_free_pages(mm, gfp, order);
		if (progress) {
			pfn = get_page_from_freelist(mm, gfp, order,
						     st->alloc_flags, ac);
		} else if ((gfp & REF_GFP_FS) && !(gfp & REF_GFP_NORETRY)) {
			oom = 1;
			pfn = get_page_from_freelist(mm, gfp, order,
						     REF_ALLOC_WMARK_HIGH, ac);
			if (pfn == ~0UL) {
				ref_out_of_memory(mm, gfp, order, &freed);
				ref_wakeup_kswapd(mm, gfp, order, ac->highest);
				pfn = get_page_from_freelist(
					mm, gfp, order, REF_ALLOC_WMARK_LOW,
					ac);
			}
			if (pfn == ~0UL)
				pfn = get_page_from_freelist(
					mm, gfp, order, st->alloc_flags, ac);
		}
		if (pfn != ~0UL || (!oom && !do_retry))
			break;
		idle = ref_reclaim_current.reclaimed == before ? idle + 1 : 0;
		if (idle >= REF_MAX_RECLAIM_RETRIES)
			break;
	}
	return pfn;
}

/*
 * 2.6.18's __alloc_pages after its fast path: wake kswapd (every request
 * then), the min watermark with the era's allowances; a PF_MEMALLOC
 * request (__GFP_MEMALLOC here, or a reclaiming thread) tries with no
 * watermarks and ends there (a __GFP_NOFAIL one looped on that: stuck);
 * one that cannot wait ends there; the rest reclaims (reclaim_loop_26).
 */
static unsigned long slowpath_26(struct ref_mm *mm, ref_gfp_t gfp,
				 unsigned int order, const struct alloc_ctx *ac,
				 struct slow_state *st)
{
	struct ref_reclaim_current save;
	unsigned long pfn;

	ref_wakeup_kswapd(mm, gfp, order, ac->highest);
	pfn = get_page_from_freelist(mm, gfp, order, st->alloc_flags, ac);
	if (pfn != ~0UL)
		return pfn;
	if ((gfp & REF_GFP_MEMALLOC) ||
	    (ref_current_flags(mm) & REF_PF_MEMALLOC)) {
		if (pfmemalloc_allowed(mm, gfp)) {
			st->alloc_flags = REF_ALLOC_NO_WATERMARKS |
					  kswapd_flag(mm, gfp);
			pfn = get_page_from_freelist(mm, gfp, order,
						     st->alloc_flags, ac);
		}
		return pfn;
	}
	if (!(gfp & REF_GFP_DIRECT_RECLAIM))
		return ~0UL;
	ref_reclaim_enter(mm, 0, &save);
	pfn = reclaim_loop_26(mm, gfp, order, ac, st);
	ref_reclaim_leave(&save);
	return pfn;
}

/* The slow path of the era; st starts zeroed. */
static unsigned long alloc_slowpath(struct ref_mm *mm, ref_gfp_t gfp,
				    unsigned int order,
				    const struct alloc_ctx *ac,
				    struct slow_state *st)
{
#if REF_BUG == 8
	st->alloc_flags = REF_ALLOC_WMARK_MIN;
#else
	st->alloc_flags = ref_gfp_to_alloc_flags(mm, gfp, order) |
			  kswapd_flag(mm, gfp);
#endif
	if (mm->config.era == REF_ERA_2_6)
		return slowpath_26(mm, gfp, order, ac, st);
	return slowpath_612(mm, gfp, order, ac, st);
}

struct ref_page *ref_alloc_pages(struct ref_mm *mm, ref_gfp_t gfp,
				 unsigned int order)
{
	struct ref_page *page = NULL;
	unsigned long pfn = ~0UL;
	struct alloc_ctx ac;
	int ctx;

	REF_ASSERT(mm != NULL);
	/* kswapd's own allocations run in no CPU's context */
	if (!(ref_current_flags(mm) & REF_PF_KSWAPD))
		ref_might_sleep_if(mm, (gfp & REF_GFP_DIRECT_RECLAIM) != 0);
	/* prepare_alloc_pages(): gfp_zone() (a forbidden mask is counted
	 * there) before should_fail_alloc_page() */
	ctx = alloc_ctx_init(mm, gfp, order, &ac);
	if (ref_should_fail_alloc_page(mm, gfp, order)) {
		/* injected (ref/fault.c): no zone is tried */
		ref_trace_emit(mm, REF_TRACE_MM_PAGE_ALLOC, NULL, ~0UL, order,
			       gfp);
		return NULL;
	}
	if (ctx == 0) {
		struct slow_state st = { 0 };

		/* the fast path: the low watermark, no allowances */
		pfn = get_page_from_freelist(mm, gfp, order,
					     fast_flags(mm, gfp, &ac), &ac);
		if (pfn == ~0UL)
			pfn = alloc_slowpath(mm, gfp, order, &ac, &st);
		/* drain_all_pages before a request may fail: the per-CPU
		 * lists' pages count again, merged */
		if (pfn == ~0UL && !st.drained && ref_pcp_pages(mm) &&
		    drain_pcp(mm))
			pfn = last_tries(mm, gfp, order, &ac, &st);
		if (pfn == ~0UL && (gfp & REF_GFP_NOFAIL) &&
		    (gfp & REF_GFP_DIRECT_RECLAIM))
			atomic_fetch_add(&mm->nr_nofail_stuck, 1);
		else if (pfn == ~0UL)
			ref_warn_alloc(mm, gfp, order, ac.highest);
	}
	if (pfn != ~0UL)
		page = pfn_page(mm, pfn);
#if REF_BUG != 3
	if (page && (gfp & REF_GFP_ZERO))
		memset(mm->phys + (size_t)pfn * mm->page_size, 0,
		       mm->page_size << order);
#endif
	ref_trace_emit(mm, REF_TRACE_MM_PAGE_ALLOC, page, pfn, order, gfp);
	/* a pass kswapd was woken for, after the result (no thread) */
	ref_kswapd_after_alloc(mm);
	return page;
}

struct ref_page *ref_alloc_page(struct ref_mm *mm, ref_gfp_t gfp)
{
	return ref_alloc_pages(mm, gfp, 0);
}

unsigned long ref_get_free_pages(struct ref_mm *mm, ref_gfp_t gfp,
				 unsigned int order)
{
	struct ref_page *page;

	/* 6.12: __get_free_pages() cannot return highmem, so drops it. */
	page = ref_alloc_pages(mm, gfp & ~REF_GFP_HIGHMEM, order);
	if (!page)
		return 0;
	return (unsigned long)(uintptr_t)ref_page_address(mm, page);
}

unsigned long ref_get_free_page(struct ref_mm *mm, ref_gfp_t gfp)
{
	return ref_get_free_pages(mm, gfp, 0);
}

unsigned long ref_get_zeroed_page(struct ref_mm *mm, ref_gfp_t gfp)
{
	return ref_get_free_pages(mm, gfp | REF_GFP_ZERO, 0);
}

/*
 * __free_one_page: merge the block of 2^order pages at pfn, of migrate
 * type mt, with its free buddies and put the result on its free list:
 * at the tail when its own buddy one order up is free too (so that block
 * is likely to merge soon and should not be handed out first:
 * buddy_merge_likely), else at the head. Caller holds zone->lock; the
 * pages are already cleared of owner state.
 */
void ref_free_one_page_mt_locked(struct ref_mm *mm, struct ref_zone *zone,
				 unsigned long pfn, unsigned int order, int mt)
{
	unsigned int top = mm->config.nr_orders - 1;
	unsigned long buddy_pfn = pfn;
	int tail = 0;

#if REF_BUG != 1
	while (order < top) {
		struct ref_page *buddy;
		int buddy_mt = mt;

#if REF_BUG == 2
		buddy_pfn = pfn ^ (1UL << (order + 1));
#else
		buddy_pfn = pfn ^ (1UL << order);
#endif
		if (!ref_pfn_valid(mm, buddy_pfn) ||
		    ref_pfn_zone_type(mm, buddy_pfn) != zone->type)
			break;
		buddy = pfn_page(mm, buddy_pfn);
		if (!ref_page_test(buddy, REF_PG_buddy) ||
		    buddy->private != order)
			break;
		if (order >= mm->pageblock_order) {
			buddy_mt = ref_pageblock_mt(mm, buddy_pfn);
			if (ref_merge_blocked(mm, order, mt, buddy_mt))
				break;
		}
		ref_del_from_free_list_locked(zone, buddy, order, buddy_mt);
		if (buddy_mt != mt)
			ref_set_pageblock_range_locked(mm, buddy_pfn, order,
						       mt);
		pfn &= buddy_pfn;
		order++;
	}
	if (order + 1 < top) {
		unsigned long higher = pfn & buddy_pfn;
		unsigned long hb = higher ^ (1UL << (order + 1));

		tail = ref_pfn_valid(mm, hb) &&
		       ref_pfn_zone_type(mm, hb) == zone->type &&
		       ref_page_test(pfn_page(mm, hb), REF_PG_buddy) &&
		       pfn_page(mm, hb)->private == order + 1;
	}
#else
	(void)top;
	(void)buddy_pfn;
#endif
	ref_add_to_free_list_locked(zone, pfn_page(mm, pfn), order, mt, tail);
}

void ref_free_one_page_locked(struct ref_mm *mm, struct ref_zone *zone,
			      unsigned long pfn, unsigned int order)
{
	unsigned long end = pfn + (1UL << order);
	unsigned int o = order < mm->pageblock_order ? order :
						       mm->pageblock_order;

	while (pfn < end) {
		ref_free_one_page_mt_locked(mm, zone, pfn, o,
					    ref_pageblock_mt(mm, pfn));
		pfn += 1UL << o;
	}
}

/* Why a free of page at order is refused, in reason; "" when it is
 * good. Caller holds the lock of the list the free goes to. */
static void free_check(const struct ref_mm *mm, const struct ref_page *page,
		       unsigned int order, char *reason, size_t len)
{
	int rc = atomic_load_explicit(&page->refcount, memory_order_relaxed);

	reason[0] = '\0';
	if (ref_page_test(page, REF_PG_reserved))
		snprintf(
			reason, len,
			"order:%u freed but the page is reserved (PG_reserved)",
			order);
	else if (ref_page_test(page, REF_PG_buddy) ||
		 ref_page_test(page, REF_PG_pcp))
		snprintf(reason, len,
			 "order:%u freed but the page is already free (%s)",
			 order,
			 ref_page_test(page, REF_PG_buddy) ?
				 "PG_buddy" :
				 "on a per-CPU list");
	else if (ref_page_test(page, REF_PG_tail))
		snprintf(
			reason, len,
			"order:%u freed at a tail page (PG_tail) of the compound page at pfn 0x%lx: only its head may be freed",
			order, ref_page_pfn_checked(mm, page->compound_head));
	else if (!ref_page_test(page, REF_PG_owner))
		snprintf(
			reason, len,
			"order:%u freed but the page is not the head of a live allocation (already freed, or a tail)",
			order);
	else if (page->owner_order != order)
		snprintf(reason, len,
			 "order:%u freed but the allocation has order %u",
			 order, page->owner_order);
	else if (rc <= 0)
		snprintf(reason, len, "order:%u freed with refcount %d", order,
			 rc);
}

/*
 * free_tail_page_prepare() for every tail of the compound page at page:
 * the first tail holds the order the block is freed at, each tail has
 * PG_tail and points at this head. Any of them wrong is a bad page (the
 * kernel's "PageTail not set", "compound_head not consistent"): reason
 * says which tail, *bad_pfn is its pfn, and nothing is changed. Caller
 * holds the lock of the list the free goes to; order > 0.
 */
static int compound_free_check(struct ref_mm *mm, const struct ref_page *page,
			       unsigned int order, char *reason, size_t len,
			       unsigned long *bad_pfn)
{
	unsigned long nr = 1UL << order, head = ref_page_to_pfn(mm, page);

	*bad_pfn = head + 1;
	if (page[1].compound_order != order) {
		snprintf(
			reason, len,
			"order:%u freed but the compound page stores order %lu",
			order, page[1].compound_order);
		return -1;
	}
	for (unsigned long i = 1; i < nr; i++) {
		const struct ref_page *p = &page[i];

		*bad_pfn = head + i;
		if (!ref_page_test(p, REF_PG_tail)) {
			snprintf(
				reason, len,
				"compound page pfn 0x%lx order:%u: tail pfn 0x%lx has no PG_tail (PageTail not set)",
				head, order, head + i);
			return -1;
		}
		if (p->compound_head != page) {
			snprintf(
				reason, len,
				"compound page pfn 0x%lx order:%u: tail pfn 0x%lx names pfn 0x%lx as its head (compound_head not consistent)",
				head, order, head + i,
				ref_page_pfn_checked(mm, p->compound_head));
			return -1;
		}
	}
	return 0;
}

/* Drop the lock a free took (a CPU's list's, or the zone's). */
static void free_unlock(struct ref_zone *zone, struct ref_per_cpu_pages *pcp)
{
	if (pcp)
		ref_pcp_unlock(pcp);
	else
		pthread_mutex_unlock(&zone->lock);
}

/* Undo prep_compound_page() on a block that passed the check above. */
static void destroy_compound_page(struct ref_page *page, unsigned int order)
{
	unsigned long nr = 1UL << order;

	for (unsigned long i = 1; i < nr; i++) {
		ref_page_clear(&page[i], REF_PF(REF_PG_tail));
		page[i].compound_head = NULL;
	}
	page[1].compound_order = 0;
	ref_page_clear(page, REF_PF(REF_PG_head));
}

int ref_free_pages_page(struct ref_mm *mm, struct ref_page *page,
			unsigned int order)
{
	struct ref_per_cpu_pages *pcp = NULL;
	unsigned long pfn, bad_pfn;
	struct ref_zone *zone;
	unsigned int cpu;
	int compound, mt;
	char reason[160];

	REF_ASSERT(mm != NULL);
	pfn = ref_page_pfn_checked(mm, page);
	bad_pfn = pfn;
	if (pfn == ~0UL || !ref_pfn_valid(mm, pfn)) {
		snprintf(reason, sizeof(reason),
			 "free of %p, which is no present page of mem_map",
			 (const void *)page);
		ref_bad_page(mm, ~0UL, reason);
		return -1;
	}
	zone = &mm->zones[ref_pfn_zone_type(mm, pfn)];
	/* free_unref_page(): the orders the CPU's lists hold go there, on
	 * the list of the pageblock's type (HIGHATOMIC on MOVABLE's, ISOLATE
	 * straight to the buddy) */
	cpu = ref_this_cpu(mm);
	mt = ref_pageblock_mt(mm, pfn);
	if (mt == REF_MIGRATE_HIGHATOMIC)
		mt = REF_MIGRATE_MOVABLE;
	if (mt != REF_MIGRATE_ISOLATE && ref_pcp_index(mm, order, mt) >= 0 &&
	    ref_cpu_is_online(mm, cpu)) {
		pcp = &zone->pageset[cpu];
		ref_pcp_lock(pcp);
	} else {
		pthread_mutex_lock(&zone->lock);
	}
	free_check(mm, page, order, reason, sizeof(reason));
	/* put_page_testzero() as a load and a store under the list's or
	 * the zone's lock: nothing in ref takes a second reference yet (no
	 * get_page()), so no other thread changes the count of a live page
	 * meanwhile; the day something does, this becomes an atomic
	 * decrement again */
	if (!reason[0] &&
	    atomic_load_explicit(&page->refcount, memory_order_relaxed) > 1) {
		atomic_store_explicit(
			&page->refcount,
			atomic_load_explicit(&page->refcount,
					     memory_order_relaxed) -
				1,
			memory_order_relaxed);
		free_unlock(zone, pcp);
		return 0;
	}
	/* the last reference: a compound page's tails are checked first */
	compound = order && ref_page_test(page, REF_PG_head);
	if (!reason[0] && compound)
		compound_free_check(mm, page, order, reason, sizeof(reason),
				    &bad_pfn);
	if (reason[0]) {
		/* refused: nothing changes (the kernel leaks a block whose
		 * tails are bad; ref leaves it live as it was) */
		free_unlock(zone, pcp);
		ref_bad_page(mm, bad_pfn, reason);
		return -1;
	}
	if (compound)
		destroy_compound_page(page, order);
	atomic_store_explicit(&page->refcount, 0, memory_order_relaxed);
	REF_ASSERT_EXPENSIVE(block_tails_clean(mm, pfn, order));
	ref_page_clear(page, REF_PF(REF_PG_owner) | REF_PF(REF_PG_highmem));
	page->owner_order = 0;
	page->owner_gfp = 0;
	ref_trace_emit(mm, REF_TRACE_MM_PAGE_FREE, page, pfn, order, 0);
	/* a reclaiming thread's progress (reclaim_state) */
	ref_reclaim_account(mm, order);
	if (pcp) {
		ref_pcp_free(mm, zone, pcp, pfn, order, mt);
		ref_pcp_unlock(pcp);
		return 0;
	}
	zone->nr_alloc_pages -= 1UL << order;
	zone->pgfree++;
	ref_free_one_page_locked(mm, zone, pfn, order);
	pthread_mutex_unlock(&zone->lock);
	return 0;
}

int ref_free_pages(struct ref_mm *mm, unsigned long addr, unsigned int order)
{
	struct ref_page *page;
	char reason[96];

	REF_ASSERT(mm != NULL);
	if (!addr)
		return 0; /* free_pages(0, order) is a no-op */
	page = ref_virt_to_page(mm, (const void *)(uintptr_t)addr);
	if (!page) {
		snprintf(reason, sizeof(reason),
			 "free_pages of 0x%lx, outside the direct map", addr);
		ref_bad_page(mm, ~0UL, reason);
		return -1;
	}
	return ref_free_pages_page(mm, page, order);
}

int ref_free_page(struct ref_mm *mm, unsigned long addr)
{
	return ref_free_pages(mm, addr, 0);
}

unsigned long ref_nr_free_pages(struct ref_mm *mm)
{
	struct ref_zone *zone;
	unsigned long sum = 0;

	for_each_zone(mm, zone) {
		pthread_mutex_lock(&zone->lock);
		sum += zone->nr_free_pages;
		pthread_mutex_unlock(&zone->lock);
	}
	return sum;
}

unsigned long ref_totalram_pages(const struct ref_mm *mm)
{
	unsigned long sum = 0;
	unsigned int t;

	for (t = 0; t < REF_NR_ZONE_TYPES; t++)
		sum += mm->zones[t].managed_pages;
	return sum;
}
