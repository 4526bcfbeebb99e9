/* SPDX-License-Identifier: MIT */
/*
 * tests/ref/test_pcp.c - the per-CPU page lists (ref/pcp.c) against
 * figures computed by hand from the kernel's formulas: 6.12's
 * zone_batchsize and zone_highsize (high_min from the low watermark,
 * high_max from managed / 8, both over the online CPUs, at least 4 x
 * batch), 2.6.18's zone_batchsize and setup_pageset (hot 6 x batch, cold
 * 2 x batch and batch / 2) for three machine sizes per profile and era;
 * then what the lists do: a free goes on the list and comes back first,
 * refills and drains move batches, 2.6.18's hot list drains its batch
 * from the tail at high and __GFP_COLD takes the cold list, 6.12 keeps
 * orders 0..3 and the THP order on lists of their own, drain_all_pages
 * empties every list, and CPU hot-unplug drains the CPU's lists and
 * shares high among the CPUs left.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "leakcheck.h"
#include "ref_machine.h"

/* One zone's figures: 6.12 {batch, high_min, high_max}; 2.6.18 {hot
 * high, hot batch, cold high, cold batch}. */
struct pcp_case {
	const char *spec;
	enum ref_zone_type zone;
	int v[4];
};

static const struct pcp_case cases[] = {
	/* 6.12 x86_64, one CPU: DMA 4096 managed: 4 / 4 = 1, 2^0 - 1 = 0,
	 * at least 1; low 80, 4096 / 8 = 512 */
	{ "profile=x86_64,era=6.12,ram=64M", REF_ZONE_DMA, { 1, 80, 512 } },
	/* DMA32 12288: 12 / 4 = 3, 3 + 1 = 4 -> 4 - 1 = 3; low 240; 1536 */
	{ "profile=x86_64,era=6.12,ram=64M", REF_ZONE_DMA32, { 3, 240, 1536 } },
	{ "profile=x86_64,era=6.12,ram=1G", REF_ZONE_DMA, { 1, 20, 512 } },
	/* DMA32 258048: 252 / 4 = 63, 63 + 31 = 94 -> 64 - 1 = 63; low
	 * 1266 > 252; 258048 / 8 = 32256 */
	{ "profile=x86_64,era=6.12,ram=1G",
	  REF_ZONE_DMA32,
	  { 63, 1266, 32256 } },
	{ "profile=x86_64,era=6.12,bank=32M@0,bank=2G@4G",
	  REF_ZONE_DMA32,
	  { 1, 15, 512 } },
	/* Normal 524288: 512 capped at 256 (1 MiB), / 4 = 64, 96 -> 63 */
	{ "profile=x86_64,era=6.12,bank=32M@0,bank=2G@4G",
	  REF_ZONE_NORMAL,
	  { 63, 1960, 65536 } },
	/* 6.12 x86_32, two CPUs: everything over 2 */
	{ "profile=x86_32,era=6.12,ram=64M,cpus=2",
	  REF_ZONE_DMA,
	  { 1, 40, 256 } },
	{ "profile=x86_32,era=6.12,ram=64M,cpus=2",
	  REF_ZONE_NORMAL,
	  { 3, 120, 768 } },
	/* Normal 126976: 124 / 4 = 31, 46 -> 31; 876 / 2 = 438; 7936 */
	{ "profile=x86_32,era=6.12,ram=512M,cpus=2",
	  REF_ZONE_NORMAL,
	  { 31, 438, 7936 } },
	/* Normal 225280: 220 / 4 = 55, 82 -> 63; 1173 / 2 = 586; 14080 */
	{ "profile=x86_32,era=6.12,ram=2G,cpus=2",
	  REF_ZONE_NORMAL,
	  { 63, 586, 14080 } },
	/* HighMem 294912: 288 -> 256 / 4 = 64, 96 -> 63; 435 / 2 = 217 <
	 * 252 = 4 x 63; 18432 */
	{ "profile=x86_32,era=6.12,ram=2G,cpus=2",
	  REF_ZONE_HIGHMEM,
	  { 63, 252, 18432 } },
	/* 2.6.18: present / 1024 capped at 512 KiB (128 pages), / 4, at
	 * least 1, 2^fls(b + b/2) - 1 */
	{ "profile=x86_64,era=2.6,ram=64M", REF_ZONE_DMA, { 0, 1, 0, 1 } },
	{ "profile=x86_64,era=2.6,ram=64M", REF_ZONE_DMA32, { 18, 3, 6, 1 } },
	/* DMA32 258048: 252 -> 128 / 4 = 32, 48 -> 31: the 186/31 and 62/15
	 * of 2.6 machines */
	{ "profile=x86_64,era=2.6,ram=1G", REF_ZONE_DMA32, { 186, 31, 62, 15 } },
	{ "profile=x86_64,era=2.6,bank=32M@0,bank=2G@4G",
	  REF_ZONE_NORMAL,
	  { 186, 31, 62, 15 } },
	{ "profile=x86_32,era=2.6,ram=64M", REF_ZONE_NORMAL, { 18, 3, 6, 1 } },
	/* Normal 126976: 124 < 128, / 4 = 31, 46 -> 31 */
	{ "profile=x86_32,era=2.6,ram=512M",
	  REF_ZONE_NORMAL,
	  { 186, 31, 62, 15 } },
	{ "profile=x86_32,era=2.6,ram=2G",
	  REF_ZONE_HIGHMEM,
	  { 186, 31, 62, 15 } },
};

MMT_TEST(pcp, batch_and_high_are_the_kernels)
{
	for (size_t i = 0; i < REF_ARRAY_SIZE(cases); i++) {
		const struct pcp_case *k = &cases[i];
		struct ref_mm *mm = make(k->spec);
		const struct ref_zone *z = &mm->zones[k->zone];

		for (unsigned int c = 0; c < mm->config.nr_cpus; c++) {
			const struct ref_per_cpu_pages *p = &z->pageset[c];

			if (mm->config.era == REF_ERA_2_6) {
				cr_assert_eq(p->hc[0].high, k->v[0],
					     "%s %s: hot high %d", k->spec,
					     z->name, p->hc[0].high);
				cr_assert_eq(p->hc[0].batch, k->v[1],
					     "%s %s: hot batch %d", k->spec,
					     z->name, p->hc[0].batch);
				cr_assert_eq(p->hc[1].high, k->v[2],
					     "%s %s: cold high %d", k->spec,
					     z->name, p->hc[1].high);
				cr_assert_eq(p->hc[1].batch, k->v[3],
					     "%s %s: cold batch %d", k->spec,
					     z->name, p->hc[1].batch);
				continue;
			}
			cr_assert_eq(p->batch, k->v[0], "%s %s: batch %d",
				     k->spec, z->name, p->batch);
			cr_assert_eq(p->high_min, k->v[1], "%s %s: high_min %d",
				     k->spec, z->name, p->high_min);
			cr_assert_eq(p->high_max, k->v[2], "%s %s: high_max %d",
				     k->spec, z->name, p->high_max);
			cr_assert_eq(p->high, 0, "never used: high 0");
		}
		ref_mm_destroy(mm);
	}
}

MMT_TEST(pcp, refill_612_scales_with_runs_of_allocations)
{
	struct ref_mm *mm = make("era=6.12");
	struct ref_zone *z = &mm->zones[REF_ZONE_DMA32];
	struct ref_per_cpu_pages *p = &z->pageset[0];
	struct ref_page *pg[4];

	/* first refill: high = clamp(0) = 240, + batch 3 = 243; batch 3
	 * << alloc_factor 0; alloc_factor becomes 1 */
	pg[0] = ref_alloc_page(mm, REF_GFP_KERNEL);
	cr_assert_eq(p->count, 2);
	cr_assert_eq(p->high, 243);
	cr_assert_eq(p->alloc_factor, 1);
	cr_assert_eq(z->nr_free_pages, 12288 - 3);
	pg[1] = ref_alloc_page(mm, REF_GFP_KERNEL);
	pg[2] = ref_alloc_page(mm, REF_GFP_KERNEL);
	cr_assert_eq(p->count, 0);
	/* second: 3 << 1 = 6 pages, high 243 + 6 = 249, factor 2 */
	pg[3] = ref_alloc_page(mm, REF_GFP_KERNEL);
	cr_assert_eq(p->count, 5);
	cr_assert_eq(p->high, 249);
	cr_assert_eq(p->alloc_factor, 2);
	/* a free halves the factor and comes back first (LIFO) */
	cr_assert_eq(ref_free_pages_page(mm, pg[1], 0), 0);
	cr_assert_eq(p->alloc_factor, 1);
	cr_assert_eq(p->count, 6);
	cr_assert_eq(ref_alloc_page(mm, REF_GFP_KERNEL), pg[1]);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(pcp, orders_612_have_lists_of_their_own)
{
	struct ref_mm *mm = make("era=6.12,ram=1G"); /* high_min 1266 */
	struct ref_zone *z = &mm->zones[REF_ZONE_DMA32];
	struct ref_per_cpu_pages *p = &z->pageset[0];
	struct ref_page *o2 = ref_alloc_pages(mm, REF_GFP_KERNEL, 2);
	struct ref_page *o4 = ref_alloc_pages(mm, REF_GFP_KERNEL, 4);
	struct ref_page *o9 = ref_alloc_pages(mm, REF_GFP_KERNEL, 9);
	int before;

	cr_assert(o2 && o4 && o9);
	before = p->count;
	cr_assert_eq(ref_free_pages_page(mm, o2, 2), 0);
	cr_assert_eq(p->count, before + 4);
	/* order 2, UNMOVABLE: lists[3 * 2 + 0] */
	cr_assert(!ref_list_empty(&p->lists[6]));
	/* order 4 is above PAGE_ALLOC_COSTLY_ORDER: straight to the buddy */
	cr_assert_eq(ref_free_pages_page(mm, o4, 4), 0);
	cr_assert_eq(p->count, before + 4);
	/* order 9, the THP order on x86_64: its own list */
	cr_assert_eq(ref_free_pages_page(mm, o9, 9), 0);
	cr_assert_eq(p->count, before + 4 + 512);
	cr_assert(!ref_list_empty(&p->lists[12])); /* THP, not movable */
	cr_assert(ref_pfn_to_page(mm, ref_page_to_pfn(mm, o9))->flags &
		  (1UL << REF_PG_pcp));
	expect_healthy(mm);
	ref_drain_all_pages(mm);
	cr_assert_eq(p->count, 0);
	cr_assert_eq(ref_nr_free_pages(mm), ref_totalram_pages(mm));
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(pcp, hot_list_26_drains_its_batch_at_high)
{
	/* DMA32: hot high 18, batch 3; cold high 6, batch 1 */
	struct ref_mm *mm = make("era=2.6");
	struct ref_zone *z = &mm->zones[REF_ZONE_DMA32];
	struct ref_per_cpu_pages *p = &z->pageset[0];
	struct ref_page *pg[30], *cold;
	unsigned int i;

	for (i = 0; i < 30; i++)
		pg[i] = ref_alloc_page(mm, REF_GFP_KERNEL);
	/* ten refills of 3, all taken */
	cr_assert_eq(p->hc[0].count, 0);
	cr_assert_eq(z->nr_free_pages, 12288 - 30);
	for (i = 0; i < 30; i++) {
		cr_assert_eq(ref_free_pages_page(mm, pg[i], 0), 0);
		/* at 18 the 3 oldest go back: 15 */
		cr_assert(p->hc[0].count < 18, "free %u: count %d", i,
			  p->hc[0].count);
	}
	cr_assert_eq(p->hc[0].count, 15);
	cr_assert_eq(z->nr_free_pages, 12288 - 15);
	/* the newest free is the next hot page */
	cr_assert_eq(ref_alloc_page(mm, REF_GFP_KERNEL), pg[29]);
	/* __GFP_COLD refills the cold list (batch 1) and leaves hot */
	cold = ref_alloc_page(mm, REF_GFP_KERNEL | REF_GFP_COLD);
	cr_assert_not_null(cold);
	cr_assert_eq(p->hc[0].count, 14);
	cr_assert_eq(p->hc[1].count, 0);
	cr_assert_eq(z->nr_free_pages, 12288 - 15 - 1);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(pcp, zoneinfo_26_prints_both_lists_of_a_busy_cpu)
{
	struct ref_mm *mm = make("era=2.6,cpus=2");
	char buf[8192];

	cr_assert_not_null(ref_alloc_page(mm, REF_GFP_KERNEL));
	ref_proc_zoneinfo(mm, buf, sizeof(buf));
	cr_assert_not_null(strstr(buf, "\n  pagesets"
				       "\n    cpu: 0 pcp: 0"
				       "\n              count: 2"
				       "\n              high:  18"
				       "\n              batch: 3"
				       "\n    cpu: 0 pcp: 1"
				       "\n              count: 0"
				       "\n              high:  6"
				       "\n              batch: 1"
				       "\n  vm stats threshold: 4"),
			   "%s", buf);
	/* CPU 1 has nothing on either list: not printed */
	cr_assert_null(strstr(buf, "cpu: 1"), "%s", buf);
	ref_mm_destroy(mm);
}

MMT_TEST(pcp, cpu_offline_drains_and_shares_high)
{
	struct ref_mm *mm = make("era=6.12,cpus=2");
	struct ref_zone *z = &mm->zones[REF_ZONE_DMA32];
	struct ref_page *pg;

	/* two CPUs: DMA32 high_min 240 / 2 = 120, high_max 1536 / 2 */
	cr_assert_eq(z->pageset[1].high_min, 120);
	cr_assert_eq(z->pageset[1].high_max, 768);
	ref_cpu_enter(mm, 1);
	pg = ref_alloc_page(mm, REF_GFP_KERNEL);
	cr_assert_eq(ref_free_pages_page(mm, pg, 0), 0);
	cr_assert_eq(z->pageset[1].count, 3);
	ref_cpu_enter(mm, 0);
	cr_assert_eq(ref_cpu_offline(mm, 1), 0);
	cr_assert_eq(z->pageset[1].count, 0);
	cr_assert_eq(z->nr_free_pages, 12288);
	cr_assert_eq(z->pageset[0].high_min, 240);
	/* CPU 1's high (clamped to the old bounds) waits for its next use,
	 * as pageset_update leaves it: no PCP-HIGH */
	expect_healthy(mm);
	/* the last CPU cannot go, an offline one not twice */
	cr_assert_eq(ref_cpu_offline(mm, 0), -1);
	cr_assert_eq(ref_cpu_offline(mm, 1), -1);
	cr_assert_eq(ref_cpu_online(mm, 1), 0);
	cr_assert_eq(ref_cpu_online(mm, 1), -1);
	cr_assert_eq(z->pageset[0].high_min, 120);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(pcp, a_request_drains_every_list_before_it_fails)
{
	/* 16M, one zone: fill every page below the watermarks too, with
	 * CPU 1's list holding a batch when the last order-10 block is
	 * asked for: it is there once the lists are drained */
	struct ref_mm *mm = make("era=6.12,ram=16M,cpus=2");
	struct ref_page *p;
	unsigned int n = 0;

	ref_cpu_enter(mm, 1);
	p = ref_alloc_page(mm, REF_GFP_KERNEL);
	cr_assert_eq(ref_free_pages_page(mm, p, 0), 0);
	cr_assert(ref_pcp_pages(mm) > 0);
	ref_cpu_enter(mm, 0);
	while (ref_alloc_pages(mm, REF_GFP_KERNEL | REF_GFP_MEMALLOC, 10))
		n++;
	cr_assert_eq(n, 4);
	cr_assert_eq(ref_pcp_pages(mm), 0);
	ref_mm_destroy(mm);
}
