/* SPDX-License-Identifier: MIT */
/*
 * simple_buddy.c - an example mmtorture PAGES plug-in: a small binary buddy
 * allocator over the arena the harness hands in.
 *
 * Model: one buddy system per zone, as Linux does it. Free blocks of order o
 * are 2^o pages aligned to 2^o pages and never cross a zone boundary. A
 * free block's head is recorded in head_order[] and linked on the zone's
 * list for its order (doubly linked through next[]/prev[]; no metadata
 * lives inside the arena, so the harness's fill checks see only what this
 * allocator hands out).
 *
 * Metadata: the per-page arrays cover present pages only, bank after bank
 * (page_index()), as the kernel's sparse memory model keeps a struct page
 * only for memory that exists: a machine with a bank at 4 GiB spans a
 * million pfns but may have a few thousand pages.
 *
 * Allocation: the GFP zone bits choose the highest allowed zone and it
 * falls back downwards (the kernel's gfp_zone() rules); in a zone take the
 * smallest order with a free block and split it, returning upper halves.
 * Free: merge with the buddy (pfn ^ (1 << order)) while the buddy is a free
 * head of the same order in the same zone; the parent is pfn & buddy.
 *
 * Locking: one mutex around everything, so it declares THREAD_SAFE.
 *
 * Build with -DSIMPLE_BUDDY_BUG=1 to get the deliberately broken copy used to
 * show that fuzz_diff catches a block handed out twice; -DSIMPLE_BUDDY_BUG=2
 * gives one that ignores __GFP_ZERO (a block keeps what its last owner
 * wrote), which the tests use to show that a content-dependent finding
 * replays the same in a fresh process; -DSIMPLE_BUDDY_BUG=3 loses the free
 * of about one page in two hundred (the capacity probe's example);
 * -DSIMPLE_BUDDY_BUG=4 never falls back into ZONE_DMA from a request whose
 * highest zone is above it (stress's fallback probe's example);
 * -DSIMPLE_BUDDY_BUG=5 ignores __GFP_ZERO for a block in ZONE_HIGHMEM (the
 * GFP mix's zeroing-on-every-zone example); -DSIMPLE_BUDDY_BUG=6 merges a
 * free buddy across a zone line (two order-12 blocks at 0 and 16M become
 * one of order 13, reachable only with 14 or more orders).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/adapter.h>

#ifndef SIMPLE_BUDDY_BUG
#define SIMPLE_BUDDY_BUG 0
#endif

#define NO_PFN UINT32_MAX
#define MAX_ORDERS 32
#define BOOT_ORDER 2 /* largest block handed to the lists at create */

struct zone_lists {
	uint32_t head[MAX_ORDERS]; /* first free block of each order */
};

struct sb {
	struct mmt_arena arena;
	pthread_mutex_t lock;
	uint64_t first_index[MMT_MAX_RANGES]; /* of each present range's pfn */
	/* per present page (page_index()): */
	uint8_t *head_order; /* 0 = not a free head, else order + 1 */
	uint8_t *alloc_order; /* 0 = not an allocation, else order + 1 */
	uint32_t *next, *prev; /* free list links: pfns, NO_PFN ends */
	struct zone_lists zones[MMT_NR_ZONE_TYPES];
};

/* Where pfn's entries are in the per-page arrays; NO_PFN in a hole. */
static uint32_t page_index(const struct sb *sb, uint64_t pfn)
{
	for (uint32_t i = 0; i < sb->arena.nr_present; i++) {
		const struct mmt_pfn_range *r = &sb->arena.present[i];

		if (pfn >= r->start_pfn && pfn - r->start_pfn < r->nr_pages)
			return (uint32_t)(sb->first_index[i] + pfn -
					  r->start_pfn);
	}
	return NO_PFN;
}

static int zone_spans(const struct mmt_arena_zone *z, uint64_t pfn)
{
	return z->present && pfn >= z->start_pfn && pfn < z->end_pfn;
}

/* The zone whose span holds pfn, or NULL. */
static const struct mmt_arena_zone *zone_of(const struct sb *sb, uint64_t pfn)
{
	for (uint32_t i = 0; i < sb->arena.nr_zones; i++)
		if (zone_spans(&sb->arena.zones[i], pfn))
			return &sb->arena.zones[i];
	return NULL;
}

/* Link a free block at pfn (present) on its zone's list. */
static void list_add(struct sb *sb, int zone, uint32_t pfn, unsigned int order)
{
	uint32_t *head = &sb->zones[zone].head[order];
	uint32_t i = page_index(sb, pfn);

	sb->next[i] = *head;
	sb->prev[i] = NO_PFN;
	if (*head != NO_PFN)
		sb->prev[page_index(sb, *head)] = pfn;
	*head = pfn;
	sb->head_order[i] = (uint8_t)(order + 1);
}

static void list_del(struct sb *sb, int zone, uint32_t pfn, unsigned int order)
{
	uint32_t i = page_index(sb, pfn);
	uint32_t next = sb->next[i], prev = sb->prev[i];

	if (prev != NO_PFN)
		sb->next[page_index(sb, prev)] = next;
	else
		sb->zones[zone].head[order] = next;
	if (next != NO_PFN)
		sb->prev[page_index(sb, next)] = prev;
	sb->head_order[i] = 0;
}

/*
 * Put a free block back, merging with free buddies. z is the zone that
 * spans pfn (zone spans are disjoint, so a buddy is in the same zone when
 * z spans it). Caller holds lock.
 */
static void free_block_locked(struct sb *sb, const struct mmt_arena_zone *z,
			      uint32_t pfn, unsigned int order)
{
	int zone = (int)z->type;

	while (order + 1 < sb->arena.nr_orders) {
		uint32_t buddy = pfn ^ (1u << order);
		uint32_t bi = page_index(sb, buddy);

#if SIMPLE_BUDDY_BUG == 6
		/* The bug: a buddy in the next zone is merged too, taken off
		 * its own zone's list. */
		if (bi != NO_PFN && !zone_spans(z, buddy) &&
		    sb->head_order[bi] == order + 1 && zone_of(sb, buddy)) {
			list_del(sb, (int)zone_of(sb, buddy)->type, buddy,
				 order);
			pfn &= buddy;
			order++;
			continue;
		}
#endif
		if (bi == NO_PFN || !zone_spans(z, buddy) ||
		    sb->head_order[bi] != order + 1)
			break;
#if SIMPLE_BUDDY_BUG == 1
		/* The bug: at order 2 the buddy stays on its list. */
		if (order != 2)
			list_del(sb, zone, buddy, order);
		else
			sb->head_order[bi] = 0;
#else
		list_del(sb, zone, buddy, order);
#endif
		pfn &= buddy;
		order++;
	}
	list_add(sb, zone, pfn, order);
}

static int is_reserved(const struct sb *sb, uint64_t pfn)
{
	for (uint32_t i = 0; i < sb->arena.nr_reserved; i++) {
		const struct mmt_pfn_range *r = &sb->arena.reserved[i];
		if (pfn >= r->start_pfn && pfn < r->start_pfn + r->nr_pages)
			return 1;
	}
	return 0;
}

/*
 * May pfn start a free block of this order at boot? Aligned, below end
 * (of the bank's part of one zone), below the top order, nothing reserved.
 */
static int fits(const struct sb *sb, uint64_t pfn, unsigned int order,
		uint64_t end)
{
	uint64_t n = 1ull << order;

	if (order >= sb->arena.nr_orders || (pfn & (n - 1)) || pfn + n > end)
		return 0;
	for (uint32_t i = 0; i < sb->arena.nr_reserved; i++) {
		const struct mmt_pfn_range *r = &sb->arena.reserved[i];
		if (r->start_pfn < pfn + n && pfn < r->start_pfn + r->nr_pages)
			return 0;
	}
	return 1;
}

/*
 * Hand the usable pages of bank r inside zone z to the buddy in aligned
 * blocks of up to BOOT_ORDER that fit; free_block_locked() merges
 * neighbours, so the lists end fully coalesced and boot already runs the
 * merge path from order BOOT_ORDER up (the buggy copy's order-2 merge too).
 */
static void boot_range(struct sb *sb, const struct mmt_arena_zone *z,
		       const struct mmt_pfn_range *r)
{
	uint64_t lo = r->start_pfn, hi = r->start_pfn + r->nr_pages;

	if (!z->present)
		return;
	if (lo < z->start_pfn)
		lo = z->start_pfn;
	if (hi > z->end_pfn)
		hi = z->end_pfn;
	for (uint64_t pfn = lo; pfn < hi;) {
		unsigned int order = 0;

		if (is_reserved(sb, pfn)) {
			pfn++;
			continue;
		}
		while (order < BOOT_ORDER && fits(sb, pfn, order + 1, hi))
			order++;
		free_block_locked(sb, z, (uint32_t)pfn, order);
		pfn += 1ull << order;
	}
}

static int sb_create(const struct mmt_adapter_env *env, void **state, char *err,
		     size_t errlen)
{
	const struct mmt_arena *a = &env->arena;
	uint64_t nr_pages = 0;
	struct sb *sb;

	for (uint32_t i = 0; i < a->nr_present && i < MMT_MAX_RANGES; i++)
		nr_pages += a->present[i].nr_pages;
	if (!a->base || a->nr_pfns == 0 || a->nr_pfns >= NO_PFN ||
	    a->nr_present > MMT_MAX_RANGES || nr_pages == 0 ||
	    a->nr_orders == 0 || a->nr_orders > MAX_ORDERS) {
		snprintf(err, errlen, "simple-buddy: unusable arena");
		return -EINVAL;
	}
	sb = calloc(1, sizeof(*sb));
	if (!sb)
		return -ENOMEM;
	sb->arena = *a;
	for (uint32_t i = 1; i < a->nr_present; i++)
		sb->first_index[i] =
			sb->first_index[i - 1] + a->present[i - 1].nr_pages;
	sb->head_order = calloc(nr_pages, 1);
	sb->alloc_order = calloc(nr_pages, 1);
	sb->next = calloc(nr_pages, sizeof(uint32_t));
	sb->prev = calloc(nr_pages, sizeof(uint32_t));
	if (!sb->head_order || !sb->alloc_order || !sb->next || !sb->prev) {
		free(sb->head_order);
		free(sb->alloc_order);
		free(sb->next);
		free(sb->prev);
		free(sb);
		return -ENOMEM;
	}
	pthread_mutex_init(&sb->lock, NULL);
	for (int z = 0; z < MMT_NR_ZONE_TYPES; z++)
		for (int o = 0; o < MAX_ORDERS; o++)
			sb->zones[z].head[o] = NO_PFN;
	/* Each bank's part of each zone, in pfn order (zones[] ascend). */
	for (uint32_t i = 0; i < a->nr_present; i++)
		for (uint32_t j = 0; j < a->nr_zones; j++)
			boot_range(sb, &a->zones[j], &a->present[i]);
	*state = sb;
	return 0;
}

static void sb_destroy(void *state)
{
	struct sb *sb = state;

	pthread_mutex_destroy(&sb->lock);
	free(sb->head_order);
	free(sb->alloc_order);
	free(sb->next);
	free(sb->prev);
	free(sb);
}

/* The highest zone a GFP mask allows on this arena, or -1 (forbidden). */
static int highest_zone(const struct sb *sb, uint32_t gfp)
{
	uint32_t z = gfp & (MMT_GFP_DMA | MMT_GFP_DMA32 | MMT_GFP_HIGHMEM);
	int has_highmem = 0, has_dma32 = 0;

	for (uint32_t i = 0; i < sb->arena.nr_zones; i++) {
		has_highmem |= sb->arena.zones[i].type == MMT_ZONE_HIGHMEM;
		has_dma32 |= sb->arena.zones[i].type == MMT_ZONE_DMA32;
	}
	if (z == MMT_GFP_DMA)
		return MMT_ZONE_DMA;
	if (z == MMT_GFP_DMA32)
		return has_dma32 ? MMT_ZONE_DMA32 : MMT_ZONE_NORMAL;
	if (z == MMT_GFP_HIGHMEM)
		return has_highmem ? MMT_ZONE_HIGHMEM : MMT_ZONE_NORMAL;
	if (z == 0)
		return MMT_ZONE_NORMAL;
	return -1;
}

static int sb_alloc(void *state, unsigned int order, uint32_t gfp, uint32_t api,
		    void **addr)
{
	struct sb *sb = state;
	int top, lowest = MMT_ZONE_DMA;

	(void)api;
	*addr = NULL;
	if (order >= sb->arena.nr_orders)
		return 0;
	top = highest_zone(sb, gfp);
#if SIMPLE_BUDDY_BUG == 4
	/* The bug: only a GFP_DMA request reaches ZONE_DMA. */
	if (top > MMT_ZONE_DMA)
		lowest = MMT_ZONE_DMA + 1;
#endif
	pthread_mutex_lock(&sb->lock);
	for (int zone = top; zone >= lowest; zone--) {
		for (unsigned int o = order; o < sb->arena.nr_orders; o++) {
			uint32_t pfn = sb->zones[zone].head[o];

			if (pfn == NO_PFN)
				continue;
			list_del(sb, zone, pfn, o);
			while (o > order) { /* split: keep the lower half */
				o--;
				list_add(sb, zone, pfn + (1u << o), o);
			}
			sb->alloc_order[page_index(sb, pfn)] =
				(uint8_t)(order + 1);
			pthread_mutex_unlock(&sb->lock);
			*addr = (char *)sb->arena.base +
				(uint64_t)pfn * sb->arena.page_size;
			if ((gfp & MMT_GFP_ZERO) && SIMPLE_BUDDY_BUG != 2 &&
			    (SIMPLE_BUDDY_BUG != 5 || zone != MMT_ZONE_HIGHMEM))
				memset(*addr, 0,
				       (size_t)sb->arena.page_size << order);
			return 0;
		}
	}
	pthread_mutex_unlock(&sb->lock);
	return 0;
}

static int sb_free(void *state, void *addr, unsigned int order, uint32_t api)
{
	struct sb *sb = state;
	uintptr_t off = (uintptr_t)addr - (uintptr_t)sb->arena.base;
	uint64_t pfn = off / sb->arena.page_size;
	uint32_t i;

	(void)api;
	if ((uintptr_t)addr < (uintptr_t)sb->arena.base ||
	    off % sb->arena.page_size || pfn >= sb->arena.nr_pfns)
		return -EINVAL;
	i = page_index(sb, pfn);
	if (i == NO_PFN) /* a hole: never handed out */
		return -EINVAL;
	pthread_mutex_lock(&sb->lock);
	if (sb->alloc_order[i] != order + 1) { /* not live, or wrong order */
		pthread_mutex_unlock(&sb->lock);
		return -EINVAL;
	}
	sb->alloc_order[i] = 0;
#if SIMPLE_BUDDY_BUG == 3
	/* The bug: the free of page pfn 17 mod 211 is lost (about one
	 * order-0 free in two hundred): the page never reaches a list. */
	if (order == 0 && pfn % 211 == 17) {
		pthread_mutex_unlock(&sb->lock);
		return 0;
	}
#endif
	free_block_locked(sb, zone_of(sb, pfn), (uint32_t)pfn, order);
	pthread_mutex_unlock(&sb->lock);
	return 0;
}

static const struct mmt_pages_ops simple_buddy_pages = {
	.struct_size = sizeof(struct mmt_pages_ops),
	.version = MMT_PAGES_OPS_VERSION,
	.alloc = sb_alloc,
	.free = sb_free,
	.nr_orders = 0, /* every order of the arena it is given */
};

static const struct mmt_adapter simple_buddy = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
#if SIMPLE_BUDDY_BUG == 1
	.name = "simple-buddy-buggy",
	.description = "example page buddy with a deliberate double hand-out",
#elif SIMPLE_BUDDY_BUG == 2
	.name = "simple-buddy-nozero",
	.description = "example page buddy that ignores __GFP_ZERO",
#elif SIMPLE_BUDDY_BUG == 3
	.name = "simple-buddy-lossy",
	.description = "example page buddy that loses one free in ~200",
#elif SIMPLE_BUDDY_BUG == 4
	.name = "simple-buddy-nofallback",
	.description = "example page buddy that never falls back into ZONE_DMA",
#elif SIMPLE_BUDDY_BUG == 5
	.name = "simple-buddy-hizero",
	.description = "example page buddy that does not zero HighMem blocks",
#else
	.name = "simple-buddy",
	.description = "example page buddy, one free list per zone and order",
#endif
	.caps = MMT_CAP_PAGES | MMT_CAP_ZONES | MMT_CAP_POLICY_BUDDY |
		MMT_CAP_THREAD_SAFE,
	.create = sb_create,
	.destroy = sb_destroy,
	.pages = &simple_buddy_pages,
};

#ifndef MMT_EXPORT
#define MMT_EXPORT
#endif

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void);

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void)
{
	return &simple_buddy;
}
