/* SPDX-License-Identifier: MIT */
/*
 * tests/ref/test_wmark_check.c - the watermark check on the allocation
 * path (ref/page_alloc.c), by era: the ALLOC_* flags a mask gets
 * (gfp_to_alloc_flags), zone_watermark_ok on hand-built free lists, and
 * what ref_alloc_pages() grants at the watermarks: GFP_KERNEL stops at
 * min, __GFP_HIGH and atomic requests go below it by the era's
 * allowances, __GFP_MEMALLOC ignores it, __GFP_NOMEMALLOC takes that
 * away, a zone keeps its lowmem_reserve from requests that could have
 * used a higher zone, and __GFP_NOFAIL that finds nothing is counted.
 * Figures are computed by hand from the kernel's rules
 * (docs/watermarks.md).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "leakcheck.h"
#include "ref_machine.h"

#define KERNEL_MEMALLOC (REF_GFP_KERNEL | REF_GFP_MEMALLOC)

MMT_TEST(wmark_check, alloc_flags_by_era)
{
	struct ref_mm *mm = make("era=6.12");
	struct ref_mm *old = make("era=2.6");
	const unsigned int atomic = REF_ALLOC_WMARK_MIN |
				    REF_ALLOC_MIN_RESERVE | REF_ALLOC_NON_BLOCK;

	cr_assert_eq(ref_gfp_to_alloc_flags(mm, REF_GFP_KERNEL, 0),
		     REF_ALLOC_WMARK_MIN);
	cr_assert_eq(ref_gfp_to_alloc_flags(mm, REF_GFP_ATOMIC, 0), atomic);
	cr_assert_eq(ref_gfp_to_alloc_flags(mm, REF_GFP_ATOMIC, 3),
		     atomic | REF_ALLOC_HIGHATOMIC);
	/* GFP_NOWAIT cannot reclaim (NON_BLOCK) but has no __GFP_HIGH,
	 * which 6.12's check needs before it gives NON_BLOCK anything */
	cr_assert_eq(ref_gfp_to_alloc_flags(mm, REF_GFP_NOWAIT, 0),
		     REF_ALLOC_NON_BLOCK);
	cr_assert_eq(ref_gfp_to_alloc_flags(mm, REF_GFP_NOWAIT, 2),
		     REF_ALLOC_NON_BLOCK);
	cr_assert_eq(ref_gfp_to_alloc_flags(
			     mm, REF_GFP_ATOMIC | REF_GFP_NOMEMALLOC, 0),
		     REF_ALLOC_MIN_RESERVE);
	cr_assert_eq(ref_gfp_to_alloc_flags(mm, REF_GFP_KERNEL | REF_GFP_HIGH,
					    0),
		     REF_ALLOC_MIN_RESERVE);
	/* 2.6.18: !__GFP_WAIT is ALLOC_HARDER, __GFP_HIGH is ALLOC_HIGH */
	cr_assert_eq(ref_gfp_to_alloc_flags(old, REF_GFP_KERNEL, 0),
		     REF_ALLOC_WMARK_MIN);
	cr_assert_eq(ref_gfp_to_alloc_flags(old, REF_GFP_ATOMIC, 3),
		     REF_ALLOC_HIGH | REF_ALLOC_HARDER);
	cr_assert_eq(ref_gfp_to_alloc_flags(old, REF_GFP_NOWAIT, 0),
		     REF_ALLOC_HARDER);
	cr_assert_eq(ref_gfp_to_alloc_flags(
			     old, REF_GFP_ATOMIC | REF_GFP_NOMEMALLOC, 0),
		     REF_ALLOC_HIGH | REF_ALLOC_HARDER);
	ref_mm_destroy(mm);
	ref_mm_destroy(old);
}

/*
 * Zone DMA of a default machine (4096 pages) taken whole, then every
 * other page freed: 2048 free order-0 blocks and no pair, plus (when
 * pair) one free order-1 block made of pfns 0 and 1.
 */
static struct ref_zone *checkerboard(struct ref_mm *mm, int pair)
{
	struct ref_zone *dma = &mm->zones[REF_ZONE_DMA];
	unsigned long pfn;

	for (pfn = 0; pfn < 4096; pfn++)
		cr_assert_not_null(
			ref_alloc_page(mm, KERNEL_MEMALLOC | REF_GFP_DMA));
	cr_assert_eq(dma->nr_free_pages, 0);
	for (pfn = 2; pfn < 4096; pfn += 2)
		cr_assert_eq(ref_free_pages_page(mm, ref_pfn_to_page(mm, pfn),
						 0),
			     0);
	if (pair) {
		cr_assert_eq(ref_free_pages_page(mm, ref_pfn_to_page(mm, 0), 0),
			     0);
		cr_assert_eq(ref_free_pages_page(mm, ref_pfn_to_page(mm, 1), 0),
			     0);
	}
	/* the frees sit on the CPU's lists until drained */
	ref_drain_all_pages(mm);
	if (pair)
		cr_assert_eq(dma->free_area[1].nr_free, 1);
	return dma;
}

MMT_TEST(wmark_check, zone_watermark_ok_by_era)
{
	struct ref_mm *mm = make("era=6.12");
	struct ref_mm *old = make("era=2.6");
	struct ref_zone *z = checkerboard(mm, 1);
	struct ref_zone *oz = checkerboard(old, 1);
	const int dma = REF_ZONE_DMA;

	/* 2049 free: 2047 singles and one order-1 block. Order 0 against
	 * mark m passes while 2049 > m (no reserve for a DMA request). */
	cr_assert_eq(z->nr_free_pages, 2049);
	cr_assert(ref_zone_watermark_ok(mm, z, 0, 2048, dma, 0));
	cr_assert(!ref_zone_watermark_ok(mm, z, 0, 2049, dma, 0));
	/* __GFP_HIGH: min - min/2; with NON_BLOCK a quarter of that more:
	 * 4200 -> 2100 -> 1575 */
	cr_assert(!ref_zone_watermark_ok(mm, z, 0, 4200, dma,
					 REF_ALLOC_MIN_RESERVE));
	cr_assert(ref_zone_watermark_ok(mm, z, 0, 4200, dma,
					REF_ALLOC_MIN_RESERVE |
						REF_ALLOC_NON_BLOCK));
	/* 4096 -> 2048 passes, 4097 -> 2049 does not */
	cr_assert(ref_zone_watermark_ok(mm, z, 0, 4096, dma,
					REF_ALLOC_MIN_RESERVE));
	cr_assert(!ref_zone_watermark_ok(mm, z, 0, 4097, dma,
					 REF_ALLOC_MIN_RESERVE));
	/* NON_BLOCK alone gives nothing in 6.12 */
	cr_assert(!ref_zone_watermark_ok(mm, z, 0, 2049, dma,
					 REF_ALLOC_NON_BLOCK));
	/* 6.12, order 1: 2049 - 1 > m, and an order-1 block exists */
	cr_assert(ref_zone_watermark_ok(mm, z, 1, 100, dma, 0));
	cr_assert(!ref_zone_watermark_ok(mm, z, 2, 100, dma, 0));

	/* 2.6.18: ALLOC_HARDER alone takes a quarter off: 2731 - 682 =
	 * 2049 fails (2049 <= 2049), 2730 - 682 = 2048 passes */
	cr_assert(!ref_zone_watermark_ok(old, oz, 0, 2731, dma,
					 REF_ALLOC_HARDER));
	cr_assert(
		ref_zone_watermark_ok(old, oz, 0, 2730, dma, REF_ALLOC_HARDER));
	/* the order walk: order 1 against 100: 2048 > 100, then the 2047
	 * single pages go: 1 left, not above 50 */
	cr_assert(!ref_zone_watermark_ok(old, oz, 1, 100, dma, 0));
	/* against 2: 1 left, not above 1 either; against 1: 1 > 0 */
	cr_assert(!ref_zone_watermark_ok(old, oz, 1, 2, dma, 0));
	cr_assert(ref_zone_watermark_ok(old, oz, 1, 1, dma, 0));
	ref_mm_destroy(mm);
	ref_mm_destroy(old);
}

MMT_TEST(wmark_check, lowmem_reserve_counts_for_the_request)
{
	/* 64M x86_64, 6.12: DMA (4096 pages, min 64) keeps 48 from a
	 * DMA32 or Normal request, nothing from a DMA one */
	struct ref_mm *mm = make("era=6.12");
	struct ref_zone *z = &mm->zones[REF_ZONE_DMA];

	cr_assert_eq(z->lowmem_reserve[REF_ZONE_NORMAL], 48);
	cr_assert(ref_zone_watermark_ok(mm, z, 0, 4095, REF_ZONE_DMA, 0));
	cr_assert(!ref_zone_watermark_ok(mm, z, 0, 4095 - 47, REF_ZONE_NORMAL,
					 0));
	cr_assert(
		ref_zone_watermark_ok(mm, z, 0, 4095 - 48, REF_ZONE_NORMAL, 0));
	ref_mm_destroy(mm);
}

/* Take order-0 pages with gfp until one fails; the count. */
static unsigned long take_all(struct ref_mm *mm, ref_gfp_t gfp)
{
	unsigned long n = 0;

	while (ref_alloc_page(mm, gfp))
		n++;
	return n;
}

/* Fill the zone of a single-zone request down to its min and beyond:
 * what each mask gets, on a machine of one DMA zone. */
MMT_TEST(wmark_check, allowances_at_min_612)
{
	/* 16M: DMA alone, 4096 pages, min_free_kbytes 256 (sqrt(16384 *
	 * 16) = 512, the machine sets 256): min 64 */
	struct ref_mm *mm = make("era=6.12,ram=16M,min_free_kbytes=256");
	struct ref_zone *z = &mm->zones[REF_ZONE_DMA];

	cr_assert_eq(z->watermark[REF_WMARK_MIN], 64);
	/* GFP_KERNEL stops with 64 left (free must stay above min) */
	cr_assert_eq(take_all(mm, REF_GFP_KERNEL), 4096 - 64);
	cr_assert_eq(z->nr_free_pages, 64);
	/* GFP_NOWAIT: nothing below min in 6.12 */
	cr_assert_eq(take_all(mm, REF_GFP_NOWAIT), 0);
	/* __GFP_HIGH with reclaim: min 32, so down to 32 */
	cr_assert_eq(take_all(mm, REF_GFP_KERNEL | REF_GFP_HIGH), 32);
	/* GFP_ATOMIC: 32 - 8 = 24 */
	cr_assert_eq(take_all(mm, REF_GFP_ATOMIC), 8);
	cr_assert_eq(z->nr_free_pages, 24);
	/* no NON_BLOCK quarter with __GFP_NOMEMALLOC */
	cr_assert_eq(take_all(mm, REF_GFP_ATOMIC | REF_GFP_NOMEMALLOC), 0);
	cr_assert_eq(take_all(mm, KERNEL_MEMALLOC | REF_GFP_NOMEMALLOC), 0);
	/* __GFP_NOFAIL whose highest zone is DMA (no OOM path for it):
	 * __GFP_HIGH's min once more, then counted as stuck */
	cr_assert_null(ref_alloc_page(mm, REF_GFP_KERNEL | REF_GFP_DMA |
						  REF_GFP_NOFAIL));
	cr_assert_eq(ref_nofail_stuck_count(mm), 1);
	/* __GFP_MEMALLOC: the rest */
	cr_assert_eq(take_all(mm, KERNEL_MEMALLOC), 24);
	cr_assert_eq(z->nr_free_pages, 0);
	ref_mm_destroy(mm);
}

MMT_TEST(wmark_check, allowances_at_min_26)
{
	struct ref_mm *mm = make("era=2.6,ram=16M,min_free_kbytes=256");
	struct ref_zone *z = &mm->zones[REF_ZONE_DMA];

	cr_assert_eq(z->watermark[REF_WMARK_MIN], 64);
	cr_assert_eq(take_all(mm, REF_GFP_KERNEL), 4096 - 64);
	/* 2.6.18: cannot wait is ALLOC_HARDER on its own: 64 - 16 = 48 */
	cr_assert_eq(take_all(mm, REF_GFP_NOWAIT), 16);
	/* GFP_ATOMIC: ALLOC_HIGH then ALLOC_HARDER: 32 - 8 = 24 */
	cr_assert_eq(take_all(mm, REF_GFP_ATOMIC), 24);
	/* __GFP_NOMEMALLOC does not take the atomic allowance in 2.6.18 */
	cr_assert_eq(z->nr_free_pages, 24);
	cr_assert_eq(take_all(mm, REF_GFP_ATOMIC | REF_GFP_NOMEMALLOC), 0);
	/* no __GFP_HIGH retry for NOFAIL in 2.6.18: it loops (stuck) */
	cr_assert_null(ref_alloc_page(mm, REF_GFP_KERNEL | REF_GFP_NOFAIL));
	cr_assert_eq(ref_nofail_stuck_count(mm), 1);
	/* __GFP_MEMALLOC stands for PF_MEMALLOC: the rest */
	cr_assert_eq(take_all(mm, KERNEL_MEMALLOC), 24);
	ref_mm_destroy(mm);
}

MMT_TEST(wmark_check, nofail_gets_high_allowance_in_612)
{
	struct ref_mm *mm = make("era=6.12,ram=16M,min_free_kbytes=256");

	cr_assert_eq(take_all(mm, REF_GFP_KERNEL), 4096 - 64);
	/* without the OOM path (__GFP_RETRY_MAYFAIL skips it): down to
	 * min / 2 = 32 */
	cr_assert_eq(take_all(mm, REF_GFP_KERNEL | REF_GFP_RETRY_MAYFAIL |
					  REF_GFP_NOFAIL),
		     32);
	cr_assert_eq(ref_nofail_stuck_count(mm), 1);
	/* without direct reclaim NOFAIL is only a warning: not stuck */
	cr_assert_null(ref_alloc_page(mm, REF_GFP_NOWAIT | REF_GFP_NOFAIL));
	cr_assert_eq(ref_nofail_stuck_count(mm), 1);
	ref_mm_destroy(mm);
}

/*
 * 6.12's __alloc_pages_may_oom gives a __GFP_NOFAIL request that reaches
 * it (order <= 3, no __GFP_RETRY_MAYFAIL or __GFP_THISNODE, highest zone
 * NORMAL or above) a try with no watermarks at all; one whose highest
 * zone is below NORMAL, or that says __GFP_NORETRY, does not get there.
 */
MMT_TEST(wmark_check, nofail_ignores_watermarks_on_the_oom_path_in_612)
{
	struct ref_mm *mm = make("era=6.12,ram=16M,min_free_kbytes=256");
	struct ref_zone *z = &mm->zones[REF_ZONE_DMA];

	cr_assert_eq(take_all(mm, REF_GFP_KERNEL), 4096 - 64);
	cr_assert_eq(take_all(mm,
			      REF_GFP_KERNEL | REF_GFP_DMA32 | REF_GFP_NOFAIL),
		     32);
	cr_assert_eq(take_all(mm, REF_GFP_KERNEL | REF_GFP_NORETRY |
					  REF_GFP_NOFAIL),
		     0);
	cr_assert_eq(ref_nofail_stuck_count(mm), 2);
	cr_assert_eq(take_all(mm, REF_GFP_KERNEL | REF_GFP_NOFAIL), 32);
	cr_assert_eq(z->nr_free_pages, 0);
	cr_assert_eq(ref_nofail_stuck_count(mm), 3);
	ref_mm_destroy(mm);
}

/* 2.6.18 had no such path: GFP_KERNEL|__GFP_NOFAIL stops at min. */
MMT_TEST(wmark_check, nofail_keeps_to_min_in_26)
{
	struct ref_mm *mm = make("era=2.6,ram=16M,min_free_kbytes=256");

	cr_assert_eq(take_all(mm, REF_GFP_KERNEL | REF_GFP_NOFAIL), 4096 - 64);
	cr_assert_eq(ref_nofail_stuck_count(mm), 1);
	ref_mm_destroy(mm);
}

MMT_TEST(wmark_check, protection_keeps_dma_from_normal_requests)
{
	/* 64M x86_64 6.12: a GFP_KERNEL request may take DMA only down to
	 * min 64 + protection 48 = 112 free; a GFP_DMA one down to 64 */
	struct ref_mm *mm = make("era=6.12");
	struct ref_zone *dma = &mm->zones[REF_ZONE_DMA];
	struct ref_zone *dma32 = &mm->zones[REF_ZONE_DMA32];

	take_all(mm, REF_GFP_KERNEL);
	cr_assert_eq(dma32->nr_free_pages, 192);
	cr_assert_eq(dma->nr_free_pages, 64 + 48);
	cr_assert_eq(take_all(mm, REF_GFP_KERNEL | REF_GFP_DMA), 48);
	cr_assert_eq(dma->nr_free_pages, 64);
	ref_mm_destroy(mm);
}

MMT_TEST(wmark_check, reset_clears_the_stuck_count)
{
	struct ref_mm *mm = make("era=6.12,ram=16M,min_free_kbytes=256");

	take_all(mm, KERNEL_MEMALLOC);
	cr_assert_null(ref_alloc_page(mm, REF_GFP_KERNEL | REF_GFP_NOFAIL));
	cr_assert_eq(ref_nofail_stuck_count(mm), 1);
	cr_assert_eq(ref_mm_reset(mm), 0);
	cr_assert_eq(ref_nofail_stuck_count(mm), 0);
	ref_mm_destroy(mm);
}
