/* SPDX-License-Identifier: MIT */
/*
 * tests/ref/test_migrate.c - mobility grouping (ref/migrate.c): the
 * pageblock order and types at boot of each profile and era, the free
 * list a mask draws on, a fallback that claims a whole block and the
 * largest first, the watermark boost of a steal inside a pageblock and
 * kswapd taking it back, the highatomic reserve and the watermark check
 * that leaves its free pages out, the merge barrier of non-mergeable
 * types, and the events that tell a subscriber of each change.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "leakcheck.h"
#include "ref_machine.h"

static int block_mt(const struct ref_mm *mm, unsigned long pfn)
{
	return mm->pageblock_mt[pfn >> mm->pageblock_order];
}

/* Pages on the free lists of type mt in zone z. */
static unsigned long list_pages(struct ref_mm *mm, int z, int mt)
{
	struct ref_zone *zone = &mm->zones[z];
	unsigned long n = 0;

	for (unsigned int o = 0; o < mm->config.nr_orders; o++) {
		struct ref_list_head *h = &zone->free_area[o].free_list[mt];

		for (struct ref_list_head *p = h->next; p != h; p = p->next)
			n += 1UL << o;
	}
	return n;
}

MMT_TEST(migrate, pageblocks_at_boot)
{
	struct ref_mm *mm = make("ram=1G");

	cr_assert_eq(mm->pageblock_order, 9); /* HPAGE_PMD_ORDER */
	cr_assert_eq(mm->mobility_disabled, 0);
	for (size_t i = 0; i < mm->nr_pageblocks; i++)
		cr_assert_eq(mm->pageblock_mt[i], REF_MIGRATE_MOVABLE);
	cr_assert_eq(list_pages(mm, REF_ZONE_DMA32, REF_MIGRATE_MOVABLE),
		     mm->zones[REF_ZONE_DMA32].nr_free_pages);
	expect_healthy(mm);
	ref_mm_destroy(mm);
	mm = make("profile=x86_32,ram=1G");
	cr_assert_eq(mm->pageblock_order, 10); /* 4M pages without PAE */
	ref_mm_destroy(mm);
	mm = make("ram=64M,orders=6");
	cr_assert_eq(mm->pageblock_order, 5); /* the top order */
	ref_mm_destroy(mm);
	mm = make("era=2.6,ram=64M");
	for (size_t i = 0; i < mm->nr_pageblocks; i++)
		cr_assert_eq(mm->pageblock_mt[i], REF_MIGRATE_UNMOVABLE);
	cr_assert_eq(ref_gfp_migratetype(mm, REF_GFP_HIGHUSER_MOVABLE),
		     REF_MIGRATE_UNMOVABLE);
	ref_mm_destroy(mm);
	/* 1024 pages < pageblock_nr_pages x MIGRATE_TYPES: grouping off */
	mm = make("ram=4M");
	cr_assert_eq(mm->mobility_disabled, 1);
	cr_assert_eq(ref_gfp_migratetype(mm, REF_GFP_HIGHUSER_MOVABLE),
		     REF_MIGRATE_UNMOVABLE);
	ref_mm_destroy(mm);
}

MMT_TEST(migrate, the_mask_picks_the_list)
{
	struct ref_mm *mm = make("ram=64M");
	struct ref_page *mov, *unm, *rec;

	cr_assert_eq(ref_gfp_migratetype(mm, REF_GFP_KERNEL),
		     REF_MIGRATE_UNMOVABLE);
	cr_assert_eq(ref_gfp_migratetype(mm, REF_GFP_HIGHUSER_MOVABLE),
		     REF_MIGRATE_MOVABLE);
	cr_assert_eq(ref_gfp_migratetype(mm,
					 REF_GFP_KERNEL | REF_GFP_RECLAIMABLE),
		     REF_MIGRATE_RECLAIMABLE);
	/* order 10 is off the per-CPU lists: the buddy answers at once */
	mov = ref_alloc_pages(mm, REF_GFP_HIGHUSER_MOVABLE, 10);
	unm = ref_alloc_pages(mm, REF_GFP_KERNEL, 10);
	rec = ref_alloc_pages(mm, REF_GFP_KERNEL | REF_GFP_RECLAIMABLE, 10);
	cr_assert(mov && unm && rec);
	/* a MOVABLE request keeps its block's type; the others claim the
	 * whole block (order >= pageblock_order) for theirs */
	cr_assert_eq(block_mt(mm, ref_page_to_pfn(mm, mov)),
		     REF_MIGRATE_MOVABLE);
	cr_assert_eq(block_mt(mm, ref_page_to_pfn(mm, unm)),
		     REF_MIGRATE_UNMOVABLE);
	cr_assert_eq(block_mt(mm, ref_page_to_pfn(mm, unm) + 512),
		     REF_MIGRATE_UNMOVABLE);
	cr_assert_eq(block_mt(mm, ref_page_to_pfn(mm, rec)),
		     REF_MIGRATE_RECLAIMABLE);
	/* freed, each block goes to its pageblock's list */
	cr_assert_eq(ref_free_pages_page(mm, unm, 10), 0);
	cr_assert_eq(list_pages(mm, REF_ZONE_DMA32, REF_MIGRATE_UNMOVABLE),
		     1024);
	expect_healthy(mm);
	ref_free_pages_page(mm, mov, 10);
	ref_free_pages_page(mm, rec, 10);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(migrate, a_fallback_claims_the_largest_block)
{
	/* DMA: order-8 block at 0, then order 9 at 512 and 10 at 1024..2047
	 * (bank 8M), the reserve keeping the first pageblock short */
	struct ref_mm *mm = make("bank=8M@0,bank=40M@24M,reserve=64K@1M");
	struct ref_page *p = ref_alloc_pages(mm, REF_GFP_DMA, 4);
	unsigned long pfn = ref_page_to_pfn(mm, p);

	/* UNMOVABLE has nothing: the claim walks from the top order down
	 * and takes the order-10 MOVABLE block whole */
	cr_assert_eq(pfn, 1024);
	cr_assert_eq(block_mt(mm, 1024), REF_MIGRATE_UNMOVABLE);
	cr_assert_eq(block_mt(mm, 1536), REF_MIGRATE_UNMOVABLE);
	cr_assert_eq(block_mt(mm, 512), REF_MIGRATE_MOVABLE);
	/* the next comes from the claimed block: smallest of its own type */
	p = ref_alloc_pages(mm, REF_GFP_DMA, 4);
	cr_assert_eq(ref_page_to_pfn(mm, p), 1024 + 16);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

struct boost_log {
	unsigned int n;
	unsigned long nr[8];
};

static void on_boost(void *ctx, const struct ref_trace_event *ev)
{
	struct boost_log *log = ctx;

	if (ev->type == REF_TRACE_MM_ZONE_BOOST && log->n < 8)
		log->nr[log->n++] = ev->nr;
}

/* DMA of 20M@0 with its last page reserved: three order-10 blocks and an
 * order-9 one go UNMOVABLE whole; then an order-0 request finds only the
 * pageblock at 0xe00 (511 free pages, not one block) to steal from. */
static struct ref_mm *steal_state(ref_gfp_t last, struct boost_log *log)
{
	struct ref_mm *mm = make("bank=20M@0,reserve=4K@16380K,reserve=4K@16M");

	ref_trace_subscribe(mm, on_boost, log);
	for (int i = 0; i < 3; i++)
		cr_assert_not_null(ref_alloc_pages(mm, REF_GFP_DMA, 10));
	cr_assert_not_null(ref_alloc_pages(mm, REF_GFP_DMA, 9));
	cr_assert_not_null(ref_alloc_pages(mm, last, 0));
	return mm;
}

MMT_TEST(migrate, a_steal_inside_a_pageblock_boosts_the_watermarks)
{
	struct boost_log log = { 0 };
	struct ref_mm *mm = steal_state(REF_GFP_DMA, &log);
	struct ref_zone *dma = &mm->zones[REF_ZONE_DMA];
	char zi[8192];

	/* boost_watermark: + pageblock_nr_pages, at most max(512, high x
	 * 15000 / 10000); half the block free: claimed whole */
	cr_assert_eq(dma->watermark_boost, 512);
	cr_assert_eq(block_mt(mm, 0xe00), REF_MIGRATE_UNMOVABLE);
	cr_assert_eq(log.n, 1);
	cr_assert_eq(log.nr[0], 512);
	/* no ALLOC_KSWAPD in GFP_DMA: the zone is not marked for kswapd */
	cr_assert_eq(atomic_load(&dma->zflags) & REF_ZONE_BOOSTED_WATERMARK, 0);
	ref_proc_zoneinfo(mm, zi, sizeof(zi));
	cr_assert(strstr(zi, "        boost    512\n"), "%s", zi);
	/* every watermark reads with the boost */
	cr_assert_eq(ref_wmark_pages(dma, REF_WMARK_MIN),
		     dma->watermark[REF_WMARK_MIN] + 512);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(migrate, kswapd_takes_the_boost_back)
{
	struct boost_log log = { 0 };
	struct ref_mm *mm =
		steal_state(REF_GFP_DMA | REF_GFP_KSWAPD_RECLAIM, &log);
	struct ref_zone *dma = &mm->zones[REF_ZONE_DMA];

	/* the steal marked the zone ZONE_BOOSTED_WATERMARK; the same
	 * rmqueue woke kswapd, whose boosted pass ends at boost 0 */
	cr_assert_eq(dma->watermark_boost, 0);
	cr_assert_eq(log.n, 2);
	cr_assert_eq(log.nr[0], 512);
	cr_assert_eq(log.nr[1], 0);
	cr_assert_eq(atomic_load(&dma->zflags) & REF_ZONE_BOOSTED_WATERMARK, 0);
	ref_mm_destroy(mm);
}

MMT_TEST(migrate, the_highatomic_reserve)
{
	struct ref_mm *mm = make("ram=1G");
	struct ref_zone *z = &mm->zones[REF_ZONE_DMA32];
	struct ref_page *p;
	unsigned long pfn, free, ha, mark;
	int i;

	/* below the low watermark, so the fast path fails: only the slow
	 * path's flags have ALLOC_HIGHATOMIC */
	for (i = 0; i < 1000 && ref_alloc_pages(mm, REF_GFP_KERNEL, 10); i++)
		;
	cr_assert_lt(i, 1000);
	/* order 1, GFP_ATOMIC: __GFP_HIGH and non-blocking */
	p = ref_alloc_pages(mm, REF_GFP_ATOMIC, 1);
	cr_assert_not_null(p);
	pfn = ref_page_to_pfn(mm, p);
	cr_assert_eq(block_mt(mm, pfn), REF_MIGRATE_HIGHATOMIC);
	cr_assert_eq(z->nr_reserved_highatomic, 512);
	cr_assert_gt(z->nr_free_highatomic, 0);
	cr_assert_eq(list_pages(mm, REF_ZONE_DMA32, REF_MIGRATE_HIGHATOMIC),
		     z->nr_free_highatomic);
	expect_healthy(mm);
	/* the watermark check of a request without ALLOC_RESERVES leaves
	 * the reserve's free pages out; one with them counts them */
	free = z->nr_free_pages;
	ha = z->nr_free_highatomic;
	mark = free - ha - 1;
	cr_assert(ref_zone_watermark_ok(mm, z, 0, mark, REF_ZONE_DMA32, 0));
	cr_assert(
		!ref_zone_watermark_ok(mm, z, 0, mark + 1, REF_ZONE_DMA32, 0));
	cr_assert(ref_zone_watermark_ok(mm, z, 0, 2 * (mark + 1),
					REF_ZONE_DMA32, REF_ALLOC_MIN_RESERVE));
	/* at most 1% of the zone, rounded up to a pageblock */
	for (i = 0; i < 200; i++)
		ref_alloc_pages(mm, REF_GFP_ATOMIC, 2);
	cr_assert_leq(z->nr_reserved_highatomic,
		      ((z->managed_pages / 100) + 511) & ~511UL);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(migrate, non_mergeable_types_do_not_merge)
{
	struct ref_mm *mm = make("ram=64M");

	/* from pageblock_order up, only when the types differ and one of
	 * them is HIGHATOMIC or ISOLATE */
	cr_assert(!ref_merge_blocked(mm, 9, REF_MIGRATE_MOVABLE,
				     REF_MIGRATE_UNMOVABLE));
	cr_assert(ref_merge_blocked(mm, 9, REF_MIGRATE_MOVABLE,
				    REF_MIGRATE_HIGHATOMIC));
	cr_assert(ref_merge_blocked(mm, 9, REF_MIGRATE_ISOLATE,
				    REF_MIGRATE_MOVABLE));
	cr_assert(!ref_merge_blocked(mm, 8, REF_MIGRATE_MOVABLE,
				     REF_MIGRATE_HIGHATOMIC));
	cr_assert(!ref_merge_blocked(mm, 9, REF_MIGRATE_HIGHATOMIC,
				     REF_MIGRATE_HIGHATOMIC));
	ref_mm_destroy(mm);
}

MMT_TEST(migrate, page_isolation)
{
	struct ref_mm *mm = make("ram=64M");
	struct ref_zone *z = &mm->zones[REF_ZONE_DMA32];
	unsigned long before = z->nr_free_pages, pfn = 0x2200;
	char bi0[512], bi1[512];
	struct ref_page *p;

	ref_proc_buddyinfo(mm, bi0, sizeof(bi0));
	/* the upper half of the free order-10 block at 0x2000: split, the
	 * half isolated apart from the other */
	cr_assert_eq(ref_isolate_pageblock(mm, pfn), 0);
	cr_assert_eq(block_mt(mm, pfn), REF_MIGRATE_ISOLATE);
	cr_assert_eq(z->nr_free_pages, before - 512);
	cr_assert_eq(z->nr_free_isolate, 512);
	cr_assert_eq(list_pages(mm, REF_ZONE_DMA32, REF_MIGRATE_ISOLATE), 512);
	cr_assert_eq(ref_isolate_pageblock(mm, pfn), -EBUSY); /* already */
	expect_healthy(mm);
	/* no request takes an isolated page */
	for (int i = 0; i < 64; i++) {
		p = ref_alloc_pages(mm, REF_GFP_HIGHUSER_MOVABLE, 9);
		if (!p)
			break;
		cr_assert_neq(ref_page_to_pfn(mm, p), pfn);
	}
	/* given back, the whole free block merges with its buddy again */
	cr_assert_eq(ref_undo_isolate_pageblock(mm, pfn), 0);
	cr_assert_eq(ref_undo_isolate_pageblock(mm, pfn), -EINVAL);
	cr_assert_eq(z->nr_free_isolate, 0);
	expect_healthy(mm);
	ref_mm_destroy(mm);

	mm = make("ram=64M");
	ref_proc_buddyinfo(mm, bi0, sizeof(bi0));
	cr_assert_eq(ref_isolate_pageblock(mm, 0x2200), 0);
	cr_assert_eq(ref_undo_isolate_pageblock(mm, 0x2200), 0);
	ref_proc_buddyinfo(mm, bi1, sizeof(bi1));
	cr_assert_str_eq(bi0, bi1);
	/* an allocated page keeps its block from isolation */
	p = ref_alloc_pages(mm, REF_GFP_KERNEL, 10);
	cr_assert_eq(ref_isolate_pageblock(mm, ref_page_to_pfn(mm, p)), -EBUSY);
	expect_healthy(mm);
	ref_mm_destroy(mm);
	mm = make("era=2.6,ram=64M");
	cr_assert_eq(ref_isolate_pageblock(mm, 0x2200), -EINVAL);
	ref_mm_destroy(mm);
}
