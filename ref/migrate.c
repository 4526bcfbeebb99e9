// SPDX-License-Identifier: MIT
/*
 * ref/migrate.c - migrate types: pageblocks, fallback, stealing and the
 * highatomic reserve of the 6.12 buddy allocator.
 *
 * Models the grouping of pages by mobility of mm/page_alloc.c (Linux
 * 6.12, without CONFIG_CMA). Memory is cut into pageblocks of
 * 2^pageblock_order pages (the THP order, or the top order when that is
 * smaller); each has a migrate type, MOVABLE at boot (memmap_init). A
 * free block sits on free_area[order].free_list[type of its pageblock];
 * an allocation asks for the type its mask gives (gfp_migratetype:
 * __GFP_MOVABLE, __GFP_RECLAIMABLE, else UNMOVABLE; UNMOVABLE for all
 * when page_group_by_mobility_disabled, a machine of fewer than
 * pageblock_nr_pages * MIGRATE_TYPES managed pages).
 *
 * __rmqueue, in modes the refill of a per-CPU list keeps across its
 * blocks (rmqueue_mode):
 *   NORMAL  the smallest block of the asked type (__rmqueue_smallest).
 *   CLAIM   from the top order down (to pageblock_order under
 *           ALLOC_NOFRAGMENT), the first order with a block on a
 *           fallback list (fallbacks[]: UNMOVABLE -> RECLAIMABLE,
 *           MOVABLE; MOVABLE -> RECLAIMABLE, UNMOVABLE; RECLAIMABLE ->
 *           UNMOVABLE, MOVABLE) that may be stolen (can_steal_fallback:
 *           order >= pageblock_order / 2, or an UNMOVABLE or RECLAIMABLE
 *           request, or mobility grouping off); a block of
 *           pageblock_order or more changes type whole; a smaller one
 *           boosts the watermarks (boost_watermark) and takes its whole
 *           pageblock when at least half of it is free or alike (an
 *           UNMOVABLE or RECLAIMABLE request counts every used page of
 *           a MOVABLE block alike; no page here is on an LRU, so none
 *           counts as movable), then the smallest block of the asked
 *           type is taken (try_to_steal_block).
 *   STEAL   without ALLOC_NOFRAGMENT, the smallest block of any order on
 *           a fallback list, split onto that list's type
 *           (__rmqueue_steal).
 * A block freed merges with its buddy as before, but not across a
 * pageblock boundary when either side's type cannot merge (HIGHATOMIC,
 * ISOLATE); when two types merge, the buddy's pageblocks take the freed
 * block's type (__free_one_page). A block larger than a pageblock is
 * freed pageblock by pageblock, each under its own type
 * (split_large_buddy).
 *
 * Highatomic reserve: after an ALLOC_HIGHATOMIC allocation succeeds, its
 * pageblock becomes HIGHATOMIC while the zone's reserve is below 1% of
 * its managed pages rounded up to a pageblock (none when 1% is less than
 * a pageblock); ALLOC_HIGHATOMIC requests take from those lists first,
 * non-blocking and OOM ones after everything else failed; the watermark
 * check of a request without ALLOC_RESERVES does not count their free
 * pages. unreserve_highatomic_pageblock gives a block back to the
 * request's type when a request's direct reclaim made progress and its
 * try failed (keeping one block), and, forced, before each retry of one
 * that is out of reclaim retries (should_reclaim_retry).
 *
 * Watermark boost: a steal that does not take a whole pageblock raises
 * every watermark of the zone by a pageblock, up to
 * max(pageblock_nr_pages, high * watermark_boost_factor / 10000) with
 * the factor 15000 (not in zones smaller than four pageblocks), and with
 * ALLOC_KSWAPD marks the zone ZONE_BOOSTED_WATERMARK; the next
 * allocation served from it with ALLOC_KSWAPD wakes kswapd, whose
 * pass ends by taking back the boosts it began with (balance_pgdat, in
 * ref/reclaim.c: inline after the allocation, or on kswapd's thread).
 *
 * 2.6.18 had none of this: there every pageblock is UNMOVABLE, every
 * request asks for UNMOVABLE and free_list[0] is the one list.
 *
 * Trace: every change of a pageblock's type (mm_pageblock_type, pfn of
 * the first pageblock, the order of the range, the new type) and of a
 * zone's boost (mm_zone_boost, the new boost in nr) is an event, so the
 * harness's shadow knows which free pages a request may reach.
 *
 * Locks: everything here but ref_gfp_migratetype and the init runs under
 * the zone's lock; pageblock types are written under it with relaxed
 * atomic stores and read without it by the free path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define WATERMARK_BOOST_FACTOR 15000UL

static const int fallbacks[REF_MIGRATE_PCPTYPES][REF_MIGRATE_PCPTYPES - 1] = {
	[REF_MIGRATE_UNMOVABLE] = { REF_MIGRATE_RECLAIMABLE,
				    REF_MIGRATE_MOVABLE },
	[REF_MIGRATE_MOVABLE] = { REF_MIGRATE_RECLAIMABLE,
				  REF_MIGRATE_UNMOVABLE },
	[REF_MIGRATE_RECLAIMABLE] = { REF_MIGRATE_UNMOVABLE,
				      REF_MIGRATE_MOVABLE },
};

const char *const ref_migratetype_names[REF_MIGRATE_TYPES] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "Isolate",
};

int ref_migrate_setup(struct ref_mm *mm)
{
	unsigned int top = mm->config.nr_orders - 1;
	size_t n;
	unsigned char mt = REF_MIGRATE_MOVABLE;

	if (mm->config.era == REF_ERA_2_6) {
		mm->pageblock_order = top;
		mt = REF_MIGRATE_UNMOVABLE;
	} else {
		unsigned int thp =
			mm->config.profile == REF_PROFILE_X86_32 ? 10 : 9;

		mm->pageblock_order = thp < top ? thp : top;
	}
	n = (mm->max_pfn >> mm->pageblock_order) + 1;
	if (n > mm->nr_pageblocks) {
		unsigned char *p = realloc(mm->pageblock_mt, n);

		if (!p)
			return -1;
		mm->pageblock_mt = p;
		mm->nr_pageblocks = n;
	}
	memset(mm->pageblock_mt, mt, mm->nr_pageblocks);
	mm->mobility_disabled =
		mm->config.era != REF_ERA_2_6 &&
		ref_totalram_pages(mm) <
			(1UL << mm->pageblock_order) * REF_MIGRATE_TYPES;
	return 0;
}

void ref_migrate_release(struct ref_mm *mm)
{
	free(mm->pageblock_mt);
	mm->pageblock_mt = NULL;
	mm->nr_pageblocks = 0;
}

int ref_gfp_migratetype(const struct ref_mm *mm, ref_gfp_t gfp)
{
	if (mm->config.era == REF_ERA_2_6 || mm->mobility_disabled)
		return REF_MIGRATE_UNMOVABLE;
	/* both bits at once is a caller's bug the kernel only warns of: it
	 * reads as the type after RECLAIMABLE, which no request may ask for
	 * here; take it as RECLAIMABLE */
	if ((gfp & REF_GFP_MOVABLE) && (gfp & REF_GFP_RECLAIMABLE))
		return REF_MIGRATE_RECLAIMABLE;
	if (gfp & REF_GFP_MOVABLE)
		return REF_MIGRATE_MOVABLE;
	if (gfp & REF_GFP_RECLAIMABLE)
		return REF_MIGRATE_RECLAIMABLE;
	return REF_MIGRATE_UNMOVABLE;
}

static unsigned long pageblock_nr(const struct ref_mm *mm)
{
	return 1UL << mm->pageblock_order;
}

void ref_set_pageblock_range_locked(struct ref_mm *mm, unsigned long pfn,
				    unsigned int order, int mt)
{
	unsigned int pb = mm->pageblock_order;
	unsigned long first, n;

	if (order < pb)
		order = pb;
	first = (pfn & ~((1UL << order) - 1)) >> pb;
	n = 1UL << (order - pb);
	for (unsigned long i = 0; i < n && first + i < mm->nr_pageblocks; i++)
		__atomic_store_n(&mm->pageblock_mt[first + i],
				 (unsigned char)mt, __ATOMIC_RELAXED);
	ref_trace_emit_pageblock(mm, first << pb, order, mt);
}

static int mergeable(int mt)
{
	return mt < REF_MIGRATE_PCPTYPES;
}

int ref_merge_blocked(const struct ref_mm *mm, unsigned int order, int mt,
		      int buddy_mt)
{
	return order >= mm->pageblock_order && mt != buddy_mt &&
	       (!mergeable(mt) || !mergeable(buddy_mt));
}

static struct ref_page *first_free(struct ref_zone *zone, unsigned int order,
				   int mt)
{
	struct ref_list_head *l = &zone->free_area[order].free_list[mt];

	return ref_list_empty(l) ?
		       NULL :
		       ref_list_first_entry(l, struct ref_page, lru);
}

static unsigned long page_pfn(const struct ref_mm *mm,
			      const struct ref_page *page)
{
	return (unsigned long)(page - mm->mem_map);
}

/* page_del_and_expand: take the free block at page of order high off
 * list mt and split it down to low onto mt's lists. */
static unsigned long del_and_expand(struct ref_mm *mm, struct ref_zone *zone,
				    struct ref_page *page, unsigned int low,
				    unsigned int high, int mt)
{
	unsigned long pfn = page_pfn(mm, page);

	ref_del_from_free_list_locked(zone, page, high, mt);
	ref_expand_locked(mm, zone, pfn, low, high, mt);
	return pfn;
}

unsigned long ref_rmqueue_smallest_locked(struct ref_mm *mm,
					  struct ref_zone *zone,
					  unsigned int order, int mt)
{
	for (unsigned int o = order; o < mm->config.nr_orders; o++) {
		struct ref_page *page = first_free(zone, o, mt);

		if (page)
			return del_and_expand(mm, zone, page, order, o, mt);
	}
	return ~0UL;
}

static int can_steal_fallback(const struct ref_mm *mm, unsigned int order,
			      int start_mt)
{
	return order >= mm->pageblock_order / 2 ||
	       start_mt == REF_MIGRATE_RECLAIMABLE ||
	       start_mt == REF_MIGRATE_UNMOVABLE || mm->mobility_disabled;
}

/* find_suitable_fallback(only_stealable = false): the first fallback
 * type with a block of this order, or -1. */
static int find_fallback(const struct ref_mm *mm, struct ref_zone *zone,
			 unsigned int order, int start_mt, int *can_steal)
{
	struct ref_free_area *area = &zone->free_area[order];

	*can_steal = 0;
	if (!area->nr_free)
		return -1;
	for (int i = 0; i < REF_MIGRATE_PCPTYPES - 1; i++) {
		int mt = fallbacks[start_mt][i];

		if (ref_list_empty(&area->free_list[mt]))
			continue;
		*can_steal = can_steal_fallback(mm, order, start_mt);
		return mt;
	}
	return -1;
}

static int boost_watermark(struct ref_mm *mm, struct ref_zone *zone)
{
	unsigned long pb_nr = pageblock_nr(mm), high, max_boost;

	if (pb_nr * 4 > zone->managed_pages)
		return 0;
	high = zone->watermark[REF_WMARK_HIGH];
	/* mult_frac(high, factor, 10000) */
	max_boost = (high / 10000) * WATERMARK_BOOST_FACTOR +
		    (high % 10000) * WATERMARK_BOOST_FACTOR / 10000;
	if (!max_boost)
		return 0;
	if (max_boost < pb_nr)
		max_boost = pb_nr;
	/* read without the lock by the watermark checks: a relaxed store */
	__atomic_store_n(&zone->watermark_boost,
			 zone->watermark_boost + pb_nr < max_boost ?
				 zone->watermark_boost + pb_nr :
				 max_boost,
			 __ATOMIC_RELAXED);
	ref_trace_emit_boost(mm, zone);
	return 1;
}

/* prep_move_freepages_block: the pageblock of pfn lies in the zone's
 * span; count its free pages (none is movable: nothing is on an LRU). */
static int prep_move(struct ref_mm *mm, struct ref_zone *zone,
		     unsigned long pfn, unsigned long *start, long *nr_free)
{
	unsigned long pb_nr = pageblock_nr(mm);
	unsigned long s = pfn & ~(pb_nr - 1), e = s + pb_nr;
	unsigned long zs = zone->zone_start_pfn,
		      ze = zone->zone_start_pfn + zone->spanned_pages;

	if (s < zs || s >= ze || e - 1 < zs || e - 1 >= ze)
		return 0;
	*start = s;
	if (nr_free) {
		*nr_free = 0;
		for (unsigned long p = s; p < e;) {
			const struct ref_page *page = &mm->mem_map[p];

			if (ref_page_test(page, REF_PG_buddy)) {
				*nr_free += 1L << page->private;
				p += 1UL << page->private;
			} else {
				p++;
			}
		}
	}
	return 1;
}

/* __move_freepages_block: every free block of the pageblock at start
 * from old_mt's lists to new_mt's, and the pageblock's type. Returns the
 * pages moved. */
static long move_freepages_block(struct ref_mm *mm, struct ref_zone *zone,
				 unsigned long start, int old_mt, int new_mt)
{
	unsigned long e = start + pageblock_nr(mm);
	long moved = 0;

	for (unsigned long p = start; p < e;) {
		struct ref_page *page = &mm->mem_map[p];
		unsigned int order;

		if (!ref_page_test(page, REF_PG_buddy)) {
			p++;
			continue;
		}
		order = (unsigned int)page->private;
		ref_move_free_block_locked(zone, page, order, old_mt, new_mt);
		p += 1UL << order;
		moved += 1L << order;
	}
	ref_set_pageblock_range_locked(mm, start, 0, new_mt);
	return moved;
}

static unsigned long
try_to_steal_block(struct ref_mm *mm, struct ref_zone *zone,
		   struct ref_page *page, unsigned int current_order,
		   unsigned int order, int start_mt, unsigned int alloc_flags)
{
	unsigned long pfn = page_pfn(mm, page), start;
	int block_mt = ref_pageblock_mt(mm, pfn);
	long nr_free, alike = 0;

	if (block_mt == REF_MIGRATE_HIGHATOMIC)
		return ~0UL;
	if (current_order >= mm->pageblock_order) {
		ref_del_from_free_list_locked(zone, page, current_order,
					      block_mt);
		ref_set_pageblock_range_locked(mm, pfn, current_order,
					       start_mt);
		ref_expand_locked(mm, zone, pfn, order, current_order,
				  start_mt);
		return pfn;
	}
	if (boost_watermark(mm, zone) && (alloc_flags & REF_ALLOC_KSWAPD))
		atomic_fetch_or(&zone->zflags, REF_ZONE_BOOSTED_WATERMARK);
	if (!prep_move(mm, zone, pfn, &start, &nr_free))
		return ~0UL;
	/* pages alike the request: for an UNMOVABLE or RECLAIMABLE one in a
	 * MOVABLE block, every page not free (none is movable); else none */
	if (start_mt != REF_MIGRATE_MOVABLE && block_mt == REF_MIGRATE_MOVABLE)
		alike = (long)pageblock_nr(mm) - nr_free;
	if (nr_free + alike >= (long)(pageblock_nr(mm) / 2) ||
	    mm->mobility_disabled) {
		move_freepages_block(mm, zone, start, block_mt, start_mt);
		return ref_rmqueue_smallest_locked(mm, zone, order, start_mt);
	}
	return ~0UL;
}

static unsigned long rmqueue_claim(struct ref_mm *mm, struct ref_zone *zone,
				   unsigned int order, int start_mt,
				   unsigned int alloc_flags)
{
	int min_order = (int)order, can_steal;

	if (order < mm->pageblock_order && (alloc_flags & REF_ALLOC_NOFRAGMENT))
		min_order = (int)mm->pageblock_order;
	for (int co = (int)mm->config.nr_orders - 1; co >= min_order; co--) {
		int mt = find_fallback(mm, zone, (unsigned int)co, start_mt,
				       &can_steal);
		unsigned long pfn;

		if (mt < 0)
			continue;
		if (!can_steal)
			break;
		pfn = try_to_steal_block(mm, zone,
					 first_free(zone, (unsigned int)co, mt),
					 (unsigned int)co, order, start_mt,
					 alloc_flags);
		if (pfn != ~0UL)
			return pfn;
	}
	return ~0UL;
}

static unsigned long rmqueue_steal(struct ref_mm *mm, struct ref_zone *zone,
				   unsigned int order, int start_mt)
{
	int can_steal;

	for (unsigned int co = order; co < mm->config.nr_orders; co++) {
		int mt = find_fallback(mm, zone, co, start_mt, &can_steal);

		if (mt < 0)
			continue;
		return del_and_expand(mm, zone, first_free(zone, co, mt), order,
				      co, mt);
	}
	return ~0UL;
}

unsigned long ref_rmqueue_locked(struct ref_mm *mm, struct ref_zone *zone,
				 unsigned int order, int mt,
				 unsigned int alloc_flags, int *mode)
{
	unsigned long pfn;

	if (mm->config.era == REF_ERA_2_6)
		return ref_rmqueue_smallest_locked(mm, zone, order, 0);
	switch (*mode) {
	case REF_RMQUEUE_NORMAL:
		pfn = ref_rmqueue_smallest_locked(mm, zone, order, mt);
		if (pfn != ~0UL)
			return pfn;
		__attribute__((fallthrough));
	case REF_RMQUEUE_CLAIM:
		pfn = rmqueue_claim(mm, zone, order, mt, alloc_flags);
		if (pfn != ~0UL) {
			*mode = REF_RMQUEUE_NORMAL;
			return pfn;
		}
		__attribute__((fallthrough));
	default:
		if (!(alloc_flags & REF_ALLOC_NOFRAGMENT)) {
			pfn = rmqueue_steal(mm, zone, order, mt);
			if (pfn != ~0UL) {
				*mode = REF_RMQUEUE_STEAL;
				return pfn;
			}
		}
	}
	return ~0UL;
}

unsigned long ref_rmqueue_buddy_locked(struct ref_mm *mm, struct ref_zone *zone,
				       unsigned int order, int mt,
				       unsigned int alloc_flags)
{
	unsigned long pfn = ~0UL;
	int mode = REF_RMQUEUE_NORMAL;

	if (mm->config.era == REF_ERA_2_6)
		return ref_rmqueue_smallest_locked(mm, zone, order, 0);
	if (alloc_flags & REF_ALLOC_HIGHATOMIC)
		pfn = ref_rmqueue_smallest_locked(mm, zone, order,
						  REF_MIGRATE_HIGHATOMIC);
	if (pfn == ~0UL)
		pfn = ref_rmqueue_locked(mm, zone, order, mt, alloc_flags,
					 &mode);
	if (pfn == ~0UL &&
	    (alloc_flags & (REF_ALLOC_OOM | REF_ALLOC_NON_BLOCK)))
		pfn = ref_rmqueue_smallest_locked(mm, zone, order,
						  REF_MIGRATE_HIGHATOMIC);
	return pfn;
}

void ref_reserve_highatomic_locked(struct ref_mm *mm, struct ref_zone *zone,
				   unsigned long pfn, unsigned int order)
{
	unsigned long pb_nr = pageblock_nr(mm), max_managed, start;
	int mt;

	if (zone->managed_pages / 100 < pb_nr)
		return;
	max_managed = (zone->managed_pages / 100 + pb_nr - 1) & ~(pb_nr - 1);
	if (zone->nr_reserved_highatomic >= max_managed)
		return;
	mt = ref_pageblock_mt(mm, pfn);
	if (!mergeable(mt))
		return;
	if (order < mm->pageblock_order) {
		if (!prep_move(mm, zone, pfn, &start, NULL))
			return;
		move_freepages_block(mm, zone, start, mt,
				     REF_MIGRATE_HIGHATOMIC);
		zone->nr_reserved_highatomic += pb_nr;
	} else {
		ref_set_pageblock_range_locked(mm, pfn, order,
					       REF_MIGRATE_HIGHATOMIC);
		zone->nr_reserved_highatomic += 1UL << order;
	}
}

int ref_unreserve_highatomic(struct ref_mm *mm, int highest, int mt, int force)
{
	unsigned long pb_nr = pageblock_nr(mm);

	if (mm->config.era == REF_ERA_2_6)
		return 0;
	for (int z = highest; z >= 0; z--) {
		struct ref_zone *zone = &mm->zones[z];

		if (!zone->populated)
			continue;
		pthread_mutex_lock(&zone->lock);
		/* keep a pageblock unless forced (read under the lock: the
		 * kernel's unlocked read is a benign race) */
		if (!force && zone->nr_reserved_highatomic <= pb_nr) {
			pthread_mutex_unlock(&zone->lock);
			continue;
		}
		for (unsigned int o = 0; o < mm->config.nr_orders; o++) {
			struct ref_page *page =
				first_free(zone, o, REF_MIGRATE_HIGHATOMIC);
			unsigned long pfn, start;
			long moved;
			int bmt;

			if (!page)
				continue;
			pfn = page_pfn(mm, page);
			bmt = ref_pageblock_mt(mm, pfn);
			if (bmt == REF_MIGRATE_HIGHATOMIC) {
				unsigned long size = 1UL << o;

				size = size > pb_nr ? size : pb_nr;
				if (size > zone->nr_reserved_highatomic)
					size = zone->nr_reserved_highatomic;
				zone->nr_reserved_highatomic -= size;
			}
			if (o < mm->pageblock_order) {
				moved = prep_move(mm, zone, pfn, &start, NULL) ?
						move_freepages_block(mm, zone,
								     start, bmt,
								     mt) :
						-1;
			} else {
				ref_move_free_block_locked(zone, page, o, bmt,
							   mt);
				ref_set_pageblock_range_locked(mm, pfn, o, mt);
				moved = 1;
			}
			if (moved > 0) {
				zone->nr_unmerged_moves++;
				pthread_mutex_unlock(&zone->lock);
				return 1;
			}
		}
		pthread_mutex_unlock(&zone->lock);
	}
	return 0;
}

void ref_zone_boost_done(struct ref_mm *mm, struct ref_zone *zone,
			 unsigned long nr)
{
	/* balance_pgdat: "watermark_boost -= min(watermark_boost,
	 * zone_boosts[i])" (a boost raised during the pass stays) */
	pthread_mutex_lock(&zone->lock);
	if (zone->watermark_boost && nr) {
		__atomic_store_n(&zone->watermark_boost,
				 zone->watermark_boost -
					 (nr < zone->watermark_boost ?
						  nr :
						  zone->watermark_boost),
				 __ATOMIC_RELAXED);
		ref_trace_emit_boost(mm, zone);
	}
	pthread_mutex_unlock(&zone->lock);
}

/* has_unmovable_pages over the pageblock at start: an allocated or
 * reserved page (none here is on an LRU or movable). */
static int has_unmovable(struct ref_mm *mm, unsigned long start)
{
	unsigned long e = start + pageblock_nr(mm);

	for (unsigned long p = start; p < e;) {
		const struct ref_page *page = &mm->mem_map[p];

		if (!ref_pfn_valid(mm, p)) {
			p++;
			continue;
		}
		if (ref_page_test(page, REF_PG_reserved) ||
		    ref_page_test(page, REF_PG_owner))
			return 1;
		if (ref_page_test(page, REF_PG_buddy))
			p += 1UL << page->private;
		else
			p++;
	}
	return 0;
}

/* The free buddy that holds pfn and is larger than a pageblock, or ~0UL
 * (find_large_buddy, and the start of a pageblock heading one). */
static unsigned long large_buddy(struct ref_mm *mm, unsigned long start)
{
	for (unsigned int o = mm->pageblock_order + 1; o < mm->config.nr_orders;
	     o++) {
		unsigned long b = start & ~((1UL << o) - 1);
		const struct ref_page *page = &mm->mem_map[b];

		if (ref_page_test(page, REF_PG_buddy) && page->private >= o)
			return b;
	}
	return ~0UL;
}

int ref_isolate_pageblock(struct ref_mm *mm, unsigned long pfn)
{
	struct ref_zone *zone;
	unsigned long start, big;
	int mt, ret = 0;

	REF_ASSERT(mm != NULL);
	if (mm->config.era == REF_ERA_2_6 || !ref_pfn_valid(mm, pfn))
		return -EINVAL;
	zone = &mm->zones[ref_pfn_zone_type(mm, pfn)];
	pthread_mutex_lock(&zone->lock);
	mt = ref_pageblock_mt(mm, pfn);
	if (!prep_move(mm, zone, pfn, &start, NULL) ||
	    mt == REF_MIGRATE_ISOLATE || mt == REF_MIGRATE_HIGHATOMIC ||
	    has_unmovable(mm, start)) {
		ret = -EBUSY;
		goto out;
	}
	/* move_freepages_block_isolate: a buddy larger than the block is
	 * split into pageblocks, each freed under its type (this one's is
	 * ISOLATE by then, so it stays apart) */
	big = large_buddy(mm, start);
	if (big != ~0UL) {
		struct ref_page *page = &mm->mem_map[big];
		unsigned int order = (unsigned int)page->private;

		ref_del_from_free_list_locked(zone, page, order,
					      ref_pageblock_mt(mm, big));
		ref_set_pageblock_range_locked(mm, start, 0,
					       REF_MIGRATE_ISOLATE);
		ref_free_one_page_locked(mm, zone, big, order);
	} else {
		move_freepages_block(mm, zone, start, mt, REF_MIGRATE_ISOLATE);
	}
	zone->nr_unmerged_moves++;
out:
	pthread_mutex_unlock(&zone->lock);
	if (!ret)
		ref_drain_all_pages(mm);
	return ret;
}

int ref_undo_isolate_pageblock(struct ref_mm *mm, unsigned long pfn)
{
	struct ref_zone *zone;
	unsigned long start;
	struct ref_page *head;

	REF_ASSERT(mm != NULL);
	if (mm->config.era == REF_ERA_2_6 || !ref_pfn_valid(mm, pfn))
		return -EINVAL;
	zone = &mm->zones[ref_pfn_zone_type(mm, pfn)];
	pthread_mutex_lock(&zone->lock);
	if (ref_pageblock_mt(mm, pfn) != REF_MIGRATE_ISOLATE ||
	    !prep_move(mm, zone, pfn, &start, NULL)) {
		pthread_mutex_unlock(&zone->lock);
		return -EINVAL;
	}
	head = &mm->mem_map[start];
	if (ref_page_test(head, REF_PG_buddy) &&
	    head->private == mm->pageblock_order) {
		/* a whole free pageblock: taken off and freed again, so it
		 * merges with its buddy (__putback_isolated_page) */
		ref_del_from_free_list_locked(zone, head, mm->pageblock_order,
					      REF_MIGRATE_ISOLATE);
		ref_set_pageblock_range_locked(mm, start, 0,
					       REF_MIGRATE_MOVABLE);
		ref_free_one_page_mt_locked(mm, zone, start,
					    mm->pageblock_order,
					    REF_MIGRATE_MOVABLE);
	} else {
		move_freepages_block(mm, zone, start, REF_MIGRATE_ISOLATE,
				     REF_MIGRATE_MOVABLE);
		zone->nr_unmerged_moves++;
	}
	pthread_mutex_unlock(&zone->lock);
	return 0;
}
