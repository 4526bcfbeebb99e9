/* SPDX-License-Identifier: MIT */
/*
 * ref/page_alloc.c - the binary buddy allocator.
 *
 * Models mm/page_alloc.c of Linux 6.12 without watermarks, per-CPU page
 * lists, migratetypes, compaction or reclaim (not modelled yet): every
 * allocation is MIGRATE_UNMOVABLE and goes straight to the free lists.
 *
 * Algorithm:
 *   alloc: ref_gfp_zone() gives the highest zone the mask allows (-1 means
 *     a forbidden combination: fail). Walk the zonelist downwards
 *     (NORMAL -> DMA32 -> DMA; HIGHMEM -> NORMAL -> DMA on x86_32), skipping
 *     unpopulated zones. In a zone, rmqueue_smallest takes the head of the
 *     first free_area[o].free_list with o >= order, and expand() splits it:
 *     while o > order, o--, the upper half [pfn + 2^o, pfn + 2^(o+1)) goes
 *     back on free_area[o]; the lower half is kept.
 *   free: the page must be the head of a live allocation of that order
 *     (PG_owner, owner_order), else the free is refused as a bad page.
 *     Then merge: the buddy of a block of order o at pfn is pfn ^ (1 << o),
 *     the block that differs from it only in bit o. While o < top, and the
 *     buddy is present, in the same zone, PG_buddy with private == o, take
 *     the buddy off its list and continue with the parent pfn & buddy_pfn
 *     (bit o cleared: the lower of the two) at o + 1. Finally the block
 *     goes on the head of free_area[o].
 *
 * Invariants (checked by check.c): every free block is aligned to 2^order,
 * lies inside its zone and one bank, has PG_buddy and private == order on
 * its head only, and no two free buddies of one order below the top are
 * both on the lists. nr_free counts list entries; nr_free_pages, the pages.
 *
 * Locks: zone->lock guards the zone's free_area[], its counters, and the
 * flags/private/lru/owner fields of every page of the zone. Only one zone
 * lock is held at a time. The mm_page_free trace runs under zone->lock;
 * mm_page_alloc runs after it is dropped.
 *
 * RAM: the only bytes of RAM ref/ writes are the zeroes of __GFP_ZERO
 * (ref_mm_reset() relies on it: see mm.h).
 *
 * Injected bugs (REF_BUG, compile time only): 1 "nomerge" never merges,
 * 2 "buddy-order" computes the buddy with order + 1 in the merge loop,
 * 3 "nozero" ignores __GFP_ZERO (a block comes back with whatever its
 * last owner left in it). 4 "upool-highmem" lives in upool.c, 5 "memlimit"
 * (mem= keeps the page at the limit) and 6 "reserve-short" (the last page
 * of each reserved range reaches the buddy) in memblock.c.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static inline struct ref_page *pfn_page(struct ref_mm *mm, unsigned long pfn)
{
	return &mm->mem_map[pfn];
}

/* Put the head of a free block of 2^order pages on free_area[order]. */
static void add_to_free_list_locked(struct ref_zone *zone,
				    struct ref_page *page, unsigned int order,
				    int tail)
{
	struct ref_free_area *area = &zone->free_area[order];

	REF_ASSERT_INTERNAL(!ref_page_test(page, REF_PG_buddy));
	REF_ASSERT_INTERNAL(!ref_page_test(page, REF_PG_owner));
	page->flags |= REF_PF(REF_PG_buddy);
	page->private = order;
	if (tail)
		ref_list_add_tail(&page->lru, &area->free_list);
	else
		ref_list_add(&page->lru, &area->free_list);
	area->nr_free++;
	zone->nr_free_pages += 1UL << order;
}

static void del_page_from_free_list_locked(struct ref_zone *zone,
					   struct ref_page *page,
					   unsigned int order)
{
	struct ref_free_area *area = &zone->free_area[order];

	REF_ASSERT_INTERNAL(ref_page_test(page, REF_PG_buddy));
	REF_ASSERT_INTERNAL(page->private == order);
	ref_list_del(&page->lru);
	page->flags &= ~REF_PF(REF_PG_buddy);
	page->private = 0;
	area->nr_free--;
	zone->nr_free_pages -= 1UL << order;
}

void ref_add_boot_block_locked(struct ref_mm *mm, struct ref_zone *zone,
			       unsigned long pfn, unsigned int order)
{
	add_to_free_list_locked(zone, pfn_page(mm, pfn), order, 1);
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

/*
 * Split a block of order high at pfn down to order low, returning the
 * upper halves to the free lists. Caller holds zone->lock.
 */
static void expand_locked(struct ref_mm *mm, struct ref_zone *zone,
			  unsigned long pfn, unsigned int low,
			  unsigned int high)
{
	REF_ASSERT_INTERNAL(high >= low);
	while (high > low) {
		high--;
		add_to_free_list_locked(zone, pfn_page(mm, pfn + (1UL << high)),
					high, 0);
	}
}

/*
 * Take the smallest free block of order >= order and split it to order.
 * Returns the pfn of the block's head, or ~0UL. Caller holds zone->lock.
 */
static unsigned long rmqueue_smallest_locked(struct ref_mm *mm,
					     struct ref_zone *zone,
					     unsigned int order)
{
	unsigned int o;

	for (o = order; o < mm->config.nr_orders; o++) {
		struct ref_free_area *area = &zone->free_area[o];
		struct ref_page *page;
		unsigned long pfn;

		if (ref_list_empty(&area->free_list))
			continue;
		page = ref_list_first_entry(&area->free_list, struct ref_page,
					    lru);
		pfn = (unsigned long)(page - mm->mem_map);
		del_page_from_free_list_locked(zone, page, o);
		expand_locked(mm, zone, pfn, order, o);
		return pfn;
	}
	return ~0UL;
}

/* Make a freshly taken block a live allocation. Caller holds zone->lock. */
static void prep_new_page_locked(struct ref_zone *zone, struct ref_page *page,
				 unsigned int order, ref_gfp_t gfp)
{
	page->flags |= REF_PF(REF_PG_owner);
	if (zone->type == REF_ZONE_HIGHMEM)
		page->flags |= REF_PF(REF_PG_highmem);
	page->owner_order = order;
	page->owner_gfp = gfp;
	atomic_store(&page->refcount, 1);
	zone->nr_alloc_pages += 1UL << order;
	zone->pgalloc++;
}

struct ref_page *ref_alloc_pages(struct ref_mm *mm, ref_gfp_t gfp,
				 unsigned int order)
{
	struct ref_page *page = NULL;
	unsigned long pfn = ~0UL;
	int z;

	REF_ASSERT(mm != NULL);
	z = order < mm->config.nr_orders ? ref_gfp_zone(mm, gfp) : -1;
	for (; z >= 0; z--) {
		struct ref_zone *zone = &mm->zones[z];

		if (!zone->populated)
			continue;
		pthread_mutex_lock(&zone->lock);
		pfn = rmqueue_smallest_locked(mm, zone, order);
		if (pfn != ~0UL) {
			page = pfn_page(mm, pfn);
			prep_new_page_locked(zone, page, order, gfp);
			REF_ASSERT_EXPENSIVE(block_tails_clean(mm, pfn, order));
		}
		pthread_mutex_unlock(&zone->lock);
		if (page)
			break;
	}
#if REF_BUG != 3
	if (page && (gfp & REF_GFP_ZERO))
		memset(mm->phys + (size_t)pfn * mm->page_size, 0,
		       mm->page_size << order);
#endif
	ref_trace_emit(mm, REF_TRACE_MM_PAGE_ALLOC, page, pfn, order, gfp);
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
 * Merge the block of 2^order pages at pfn with its free buddies and put
 * the result on its free list. Caller holds zone->lock; the pages are
 * already cleared of owner state.
 */
static void free_one_page_locked(struct ref_mm *mm, struct ref_zone *zone,
				 unsigned long pfn, unsigned int order)
{
	unsigned int top = mm->config.nr_orders - 1;

#if REF_BUG != 1
	while (order < top) {
#if REF_BUG == 2
		unsigned long buddy_pfn = pfn ^ (1UL << (order + 1));
#else
		unsigned long buddy_pfn = pfn ^ (1UL << order);
#endif
		struct ref_page *buddy;

		if (!ref_pfn_valid(mm, buddy_pfn) ||
		    ref_pfn_zone_type(mm, buddy_pfn) != zone->type)
			break;
		buddy = pfn_page(mm, buddy_pfn);
		if (!ref_page_test(buddy, REF_PG_buddy) ||
		    buddy->private != order)
			break;
		del_page_from_free_list_locked(zone, buddy, order);
		pfn &= buddy_pfn;
		order++;
	}
#else
	(void)top;
#endif
	add_to_free_list_locked(zone, pfn_page(mm, pfn), order, 0);
}

int ref_free_pages_page(struct ref_mm *mm, struct ref_page *page,
			unsigned int order)
{
	unsigned long pfn;
	struct ref_zone *zone;
	char reason[128];

	REF_ASSERT(mm != NULL);
	pfn = ref_page_pfn_checked(mm, page);
	if (pfn == ~0UL || !ref_pfn_valid(mm, pfn)) {
		snprintf(reason, sizeof(reason),
			 "free of %p, which is no present page of mem_map",
			 (const void *)page);
		ref_bad_page(mm, ~0UL, reason);
		return -1;
	}
	zone = &mm->zones[ref_pfn_zone_type(mm, pfn)];
	reason[0] = '\0';
	pthread_mutex_lock(&zone->lock);
	if (ref_page_test(page, REF_PG_reserved))
		snprintf(
			reason, sizeof(reason),
			"order:%u freed but the page is reserved (PG_reserved)",
			order);
	else if (ref_page_test(page, REF_PG_buddy))
		snprintf(
			reason, sizeof(reason),
			"order:%u freed but the page is already free (PG_buddy)",
			order);
	else if (!ref_page_test(page, REF_PG_owner))
		snprintf(
			reason, sizeof(reason),
			"order:%u freed but the page is not the head of a live allocation (already freed, or a tail)",
			order);
	else if (page->owner_order != order)
		snprintf(reason, sizeof(reason),
			 "order:%u freed but the allocation has order %u",
			 order, page->owner_order);
	else if (atomic_load(&page->refcount) <= 0)
		snprintf(reason, sizeof(reason),
			 "order:%u freed with refcount %d", order,
			 atomic_load(&page->refcount));
	if (reason[0]) {
		pthread_mutex_unlock(&zone->lock);
		ref_bad_page(mm, pfn, reason);
		return -1;
	}
	if (atomic_fetch_sub(&page->refcount, 1) > 1) {
		/* Someone else still holds a reference (put_page_testzero). */
		pthread_mutex_unlock(&zone->lock);
		return 0;
	}
	REF_ASSERT_EXPENSIVE(block_tails_clean(mm, pfn, order));
	page->flags &= ~(REF_PF(REF_PG_owner) | REF_PF(REF_PG_highmem));
	page->owner_order = 0;
	page->owner_gfp = 0;
	ref_trace_emit(mm, REF_TRACE_MM_PAGE_FREE, page, pfn, order, 0);
	zone->nr_alloc_pages -= 1UL << order;
	zone->pgfree++;
	free_one_page_locked(mm, zone, pfn, order);
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
