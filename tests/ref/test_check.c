/* SPDX-License-Identifier: MIT */
/*
 * tests/ref/test_check.c - the invariant checker.
 *
 * Healthy machines report nothing. Then, for each invariant id, one test
 * corrupts exactly one thing through ref/internal.h and expects a report
 * holding that id and no other (lib/slub_kunit.c style), naming the pfn.
 *
 * Most negative tests start from the same state: a 64M x86_64 machine with
 * one order-0 page allocated from ZONE_DMA (pfn 0), which leaves the DMA
 * free lists holding pfn 1 (order 0), 2 (order 1), 4 (order 2), ...,
 * 512 (order 9) and 1024, 2048, 3072 (order 10).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "leakcheck.h"
#include "internal.h"
#include "ref_machine.h"

/* The FULL report holds id, only id, and (unless ~0UL) names pfn. */
static void expect_only(struct ref_mm *mm, const char *id, unsigned long pfn)
{
	struct ref_report r;
	unsigned long n;
	unsigned int i;
	int named = pfn == ~0UL;

	ref_report_init(&r);
	n = ref_check(mm, REF_CHECK_FULL, &r);
	cr_assert_geq(n, 1, "no finding, expected %s", id);
	cr_assert_eq(n, r.total);
	for (i = 0; i < r.nr; i++) {
		cr_assert_str_eq(r.findings[i].id, id, "unexpected %s: %s",
				 r.findings[i].id, r.findings[i].message);
		cr_assert_neq(r.findings[i].message[0], '\0');
		if (r.findings[i].pfn == pfn)
			named = 1;
	}
	cr_assert(named, "no %s finding names pfn %lu (first: %s)", id, pfn,
		  r.findings[0].message);
}

static struct ref_mm *dma_state(void)
{
	struct ref_mm *mm = make("");
	struct ref_page *p = ref_alloc_page(mm, REF_GFP_DMA);

	cr_assert_eq(ref_page_to_pfn(mm, p), 0);
	expect_healthy(mm);
	return mm;
}

static struct ref_zone *dma(struct ref_mm *mm)
{
	return &mm->zones[REF_ZONE_DMA];
}

/* Raw list surgery that keeps the counters as they are. */
static void unlist(struct ref_mm *mm, unsigned long pfn)
{
	struct ref_page *p = &mm->mem_map[pfn];

	ref_list_del(&p->lru);
	p->flags &= ~(1UL << REF_PG_buddy);
	p->private = 0;
}

/* The migrate type of pfn's pageblock: the list its free block is on. */
static int block_mt(const struct ref_mm *mm, unsigned long pfn)
{
	return mm->pageblock_mt[pfn >> mm->pageblock_order];
}

static void enlist(struct ref_mm *mm, struct ref_zone *z, unsigned long pfn,
		   unsigned int order)
{
	struct ref_page *p = &mm->mem_map[pfn];

	p->flags |= 1UL << REF_PG_buddy;
	p->private = order;
	ref_list_add(&p->lru,
		     &z->free_area[order].free_list[block_mt(mm, pfn)]);
}

/* ------------------------------------------------------------ healthy */

MMT_TEST(check, fresh_machines_are_healthy)
{
	static const char *const specs[] = {
		"",
		"page=8K",
		"profile=x86_32,ram=1G",
		"bank=8M@0,bank=40M@24M,reserve=64K@1M,reserve=12K@30M",
		"orders=1,ram=1M",
		"orders=16,ram=256M",
		"ram=4160M,mem=4100M",
	};
	unsigned int i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct ref_mm *mm = make(specs[i]);

		expect_healthy(mm);
		ref_mm_destroy(mm);
	}
}

static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void random_ops(const char *spec, uint64_t seed)
{
	static const ref_gfp_t gfps[] = { REF_GFP_KERNEL,
					  REF_GFP_DMA,
					  REF_GFP_DMA32,
					  REF_GFP_HIGHUSER,
					  REF_GFP_HIGHUSER_MOVABLE,
					  REF_GFP_KERNEL | REF_GFP_COMP,
					  REF_GFP_DMA | REF_GFP_COMP };
	struct ref_mm *mm = make(spec);
	struct ref_page *live[256] = { 0 };
	unsigned int orders[256] = { 0 };
	unsigned int i;

	for (i = 0; i < 4000; i++) {
		unsigned int s = (unsigned int)(next_rand(&seed) % 256);

		if (live[s]) {
			cr_assert_eq(
				ref_free_pages_page(mm, live[s], orders[s]), 0);
			live[s] = NULL;
		} else {
			orders[s] = (unsigned int)(next_rand(&seed) % 11);
			live[s] = ref_alloc_pages(
				mm,
				gfps[next_rand(&seed) % REF_ARRAY_SIZE(gfps)],
				orders[s]);
		}
		if (i % 500 == 0)
			expect_healthy(mm);
	}
	expect_healthy(mm);
	for (i = 0; i < 256; i++)
		if (live[i])
			ref_free_pages_page(mm, live[i], orders[i]);
	/* the per-CPU lists hold free pages NR_FREE_PAGES does not count */
	ref_drain_all_pages(mm);
	cr_assert_eq(ref_nr_free_pages(mm), ref_totalram_pages(mm));
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(check, healthy_after_random_ops)
{
	random_ops("", 1);
	random_ops("profile=x86_32,ram=1G", 2);
	random_ops("bank=8M@0,bank=40M@24M,reserve=64K@1M,reserve=4K@60M", 3);
	random_ops("page=8K,ram=128M", 4);
}

MMT_TEST(check, invariant_table_lists_every_id)
{
	static const char *const ids[] = {
		"BUDDY-ALIGN",	  "BUDDY-RANGE",    "BUDDY-FLAGS",
		"BUDDY-DISJOINT", "BUDDY-COALESCE", "ZONE-NRFREE",
		"PAGE-STATE",	  "ZONE-CONSERVE",  "PCP-COUNT",
		"PCP-PAGE",	  "PCP-HIGH",	    "MIGRATE-LIST",
		"PAGEBLOCK-TYPE", "ZONE-BOOST",	    "COMPOUND-HEAD",
		"COMPOUND-TAIL",  "COMPOUND-ORDER", "UPOOL-BLOCK",
		"UPOOL-COUNT",	  "UPOOL-FREELIST", "UPOOL-DOUBLE",
		"CTX-RECLAIM",
	};
	unsigned int i, n = 0;

	for (n = 0; ref_invariants[n].id; n++) {
		cr_assert_not_null(ref_invariants[n].layer);
		cr_assert_not_null(ref_invariants[n].meaning);
		cr_assert(ref_invariants[n].cost == REF_COST_O1 ||
			  ref_invariants[n].cost == REF_COST_ON);
	}
	cr_assert_eq(n, REF_ARRAY_SIZE(ids));
	for (i = 0; i < REF_ARRAY_SIZE(ids); i++)
		cr_assert_str_eq(ref_invariants[i].id, ids[i]);
}

/* ------------------------------------------------------------ one per id */

MMT_TEST(check, BUDDY_ALIGN)
{
	struct ref_mm *mm = dma_state();

	/* pfn 1 (o0) + pfn 2 (o1) become pfn 1 (o1, misaligned) + pfn 3 (o0):
	 * same pages free, same counts, no buddy pair. */
	unlist(mm, 1);
	unlist(mm, 2);
	enlist(mm, dma(mm), 1, 1);
	enlist(mm, dma(mm), 3, 0);
	expect_only(mm, "BUDDY-ALIGN", 1);
	ref_mm_destroy(mm);
}

MMT_TEST(check, BUDDY_RANGE)
{
	/* DMA32 spans [16M, 64M) with a hole at [16M, 24M). */
	struct ref_mm *mm = make("bank=16M@0,bank=40M@24M");
	struct ref_zone *z = &mm->zones[REF_ZONE_DMA32];

	expect_healthy(mm);
	/* A "free page" in the hole, counted as if it were RAM. */
	enlist(mm, z, 4096, 0);
	z->free_area[0].nr_free++;
	z->nr_free_pages++;
	z->present_pages++;
	z->managed_pages++;
	expect_only(mm, "BUDDY-RANGE", 4096);
	ref_mm_destroy(mm);
}

MMT_TEST(check, BUDDY_FLAGS)
{
	struct ref_mm *mm = dma_state();

	mm->mem_map[1024].private = 3; /* on free_area[10] */
	expect_only(mm, "BUDDY-FLAGS", 1024);
	ref_mm_destroy(mm);
}

MMT_TEST(check, BUDDY_FLAGS_on_a_page_inside_a_free_block)
{
	struct ref_mm *mm = dma_state();

	mm->mem_map[1030].flags |= 1UL << REF_PG_buddy;
	expect_only(mm, "BUDDY-FLAGS", 1030);
	ref_mm_destroy(mm);
}

MMT_TEST(check, BUDDY_DISJOINT)
{
	struct ref_mm *mm = dma_state();

	/* Move the order-0 entry from pfn 1 onto pfn 3, inside the order-1
	 * block at pfn 2: counts unchanged, two free blocks overlap. */
	unlist(mm, 1);
	enlist(mm, dma(mm), 3, 0);
	expect_only(mm, "BUDDY-DISJOINT", 2);
	ref_mm_destroy(mm);
}

MMT_TEST(check, BUDDY_DISJOINT_free_block_over_live_allocation)
{
	struct ref_mm *mm = dma_state();
	struct ref_page *p = &mm->mem_map[1024 + 8];

	/* A live order-0 allocation inside the free top block at 1024. The
	 * counters are made to balance (one more page allocated, present and
	 * managed), so only the overlap itself is wrong. */
	p->flags |= 1UL << REF_PG_owner;
	atomic_store(&p->refcount, 1);
	dma(mm)->nr_alloc_pages++;
	dma(mm)->present_pages++;
	dma(mm)->managed_pages++;
	expect_only(mm, "BUDDY-DISJOINT", 1024 + 8);
	ref_mm_destroy(mm);
}

MMT_TEST(check, BUDDY_COALESCE)
{
	struct ref_mm *mm = dma_state();

	/* Split the free order-1 block at pfn 2 into two order-0 buddies. */
	unlist(mm, 2);
	dma(mm)->free_area[1].nr_free--;
	enlist(mm, dma(mm), 2, 0);
	enlist(mm, dma(mm), 3, 0);
	dma(mm)->free_area[0].nr_free += 2;
	expect_only(mm, "BUDDY-COALESCE", 2);
	ref_mm_destroy(mm);
}

MMT_TEST(check, ZONE_NRFREE)
{
	struct ref_mm *mm = dma_state();
	struct ref_report r;

	dma(mm)->free_area[3].nr_free++;
	expect_only(mm, "ZONE-NRFREE", ~0UL);
	/* The counter form is seen at CHEAP level too. */
	ref_report_init(&r);
	cr_assert_eq(ref_check(mm, REF_CHECK_CHEAP, &r), 1);
	cr_assert_str_eq(r.findings[0].id, "ZONE-NRFREE");
	cr_assert_eq(r.findings[0].cost, REF_COST_O1);
	ref_mm_destroy(mm);
}

MMT_TEST(check, PAGE_STATE)
{
	struct ref_mm *mm = dma_state();
	struct ref_report r;

	atomic_store(&mm->mem_map[2048 + 77].refcount, 1); /* a free tail */
	expect_only(mm, "PAGE-STATE", 2048 + 77);
	/* O(n) only: CHEAP does not see it. */
	ref_report_init(&r);
	cr_assert_eq(ref_check(mm, REF_CHECK_CHEAP, &r), 0);
	ref_mm_destroy(mm);
}

MMT_TEST(check, PAGE_STATE_live_head_without_refcount)
{
	struct ref_mm *mm = dma_state();

	atomic_store(&mm->mem_map[0].refcount, 0);
	expect_only(mm, "PAGE-STATE", 0);
	ref_mm_destroy(mm);
}

MMT_TEST(check, ZONE_CONSERVE)
{
	struct ref_mm *mm = dma_state();
	struct ref_report r;

	dma(mm)->nr_alloc_pages++;
	expect_only(mm, "ZONE-CONSERVE", ~0UL);
	ref_report_init(&r);
	cr_assert_eq(ref_check(mm, REF_CHECK_CHEAP, &r), 1);
	cr_assert_str_eq(r.findings[0].id, "ZONE-CONSERVE");
	ref_mm_destroy(mm);
}

MMT_TEST(check, ZONE_CONSERVE_managed_vs_reserved)
{
	struct ref_mm *mm = make("reserve=8K@0");

	cr_assert_eq(mm->zones[REF_ZONE_DMA].managed_pages, 4094);
	/* Forget one reserved page in managed and present alike. */
	mm->zones[REF_ZONE_DMA].managed_pages++;
	mm->zones[REF_ZONE_DMA].present_pages++;
	expect_only(mm, "ZONE-CONSERVE", ~0UL);
	ref_mm_destroy(mm);
}

/* Two pages on CPU 0's DMA32 list: a GFP_KERNEL page took a batch of 3. */
static struct ref_mm *pcp_state(const char *spec)
{
	struct ref_mm *mm = make(spec);

	cr_assert_not_null(ref_alloc_page(mm, REF_GFP_KERNEL));
	cr_assert_eq(mm->zones[REF_ZONE_DMA32].pageset[0].count, 2);
	expect_healthy(mm);
	return mm;
}

MMT_TEST(check, PCP_COUNT)
{
	/* 2.6.18: hot and cold each keep a count; move one between them
	 * (the CPU's total stays right, so CONSERVE holds) */
	struct ref_mm *mm = pcp_state("era=2.6");
	struct ref_per_cpu_pages *p = &mm->zones[REF_ZONE_DMA32].pageset[0];

	p->hc[0].count--;
	p->hc[1].count++;
	expect_only(mm, "PCP-COUNT", ~0UL);
	ref_mm_destroy(mm);
}

MMT_TEST(check, PCP_PAGE)
{
	struct ref_mm *mm = pcp_state("era=6.12");
	struct ref_per_cpu_pages *p = &mm->zones[REF_ZONE_DMA32].pageset[0];
	struct ref_page *head =
		ref_list_first_entry(&p->lists[0], struct ref_page, lru);
	unsigned long pfn = ref_page_to_pfn(mm, head);

	head->private = 3; /* an order-3 head on the order-0 list */
	expect_only(mm, "PCP-PAGE", pfn);
	ref_mm_destroy(mm);
}

MMT_TEST(check, PCP_PAGE_flag_off_every_list)
{
	struct ref_mm *mm = dma_state();

	/* a page inside a free block of DMA marked as on a list */
	mm->mem_map[2048 + 5].flags |= 1UL << REF_PG_pcp;
	expect_only(mm, "PCP-PAGE", 2048 + 5);
	ref_mm_destroy(mm);
}

MMT_TEST(check, PCP_HIGH)
{
	struct ref_mm *mm = pcp_state("era=6.12");
	struct ref_per_cpu_pages *p = &mm->zones[REF_ZONE_DMA32].pageset[0];
	struct ref_report r;

	p->high = p->high_max + 1;
	expect_only(mm, "PCP-HIGH", ~0UL);
	/* O(1): CHEAP sees it */
	ref_report_init(&r);
	cr_assert_eq(ref_check(mm, REF_CHECK_CHEAP, &r), 1);
	cr_assert_str_eq(r.findings[0].id, "PCP-HIGH");
	ref_mm_destroy(mm);
}

MMT_TEST(check, PCP_HIGH_26_list_over_its_high)
{
	struct ref_mm *mm = pcp_state("era=2.6");
	struct ref_per_cpu_pages *p = &mm->zones[REF_ZONE_DMA32].pageset[0];

	p->hc[0].high = 2; /* two pages on a list whose high is 2 */
	expect_only(mm, "PCP-HIGH", ~0UL);
	ref_mm_destroy(mm);
}

/*
 * A live compound page of order 3 (GFP_KERNEL|__GFP_COMP, from DMA32)
 * beside a live order-3 block without __GFP_COMP; *head and *plain get
 * their pfns.
 */
static struct ref_mm *compound_state(unsigned long *head, unsigned long *plain)
{
	struct ref_mm *mm = make("");
	struct ref_page *c =
		ref_alloc_pages(mm, REF_GFP_KERNEL | REF_GFP_COMP, 3);
	struct ref_page *p = ref_alloc_pages(mm, REF_GFP_KERNEL, 3);

	cr_assert_not_null(c);
	cr_assert_not_null(p);
	*head = ref_page_to_pfn(mm, c);
	*plain = ref_page_to_pfn(mm, p);
	cr_assert(ref_page_test(c, REF_PG_head));
	cr_assert(!ref_page_test(p, REF_PG_head));
	expect_healthy(mm);
	return mm;
}

MMT_TEST(check, COMPOUND_HEAD)
{
	unsigned long head, plain;
	struct ref_mm *mm = compound_state(&head, &plain);
	struct ref_report r;

	mm->mem_map[head].flags &= ~(1UL << REF_PG_head);
	expect_only(mm, "COMPOUND-HEAD", head);
	/* O(n) only: CHEAP does not see it */
	ref_report_init(&r);
	cr_assert_eq(ref_check(mm, REF_CHECK_CHEAP, &r), 0);
	ref_mm_destroy(mm);
}

MMT_TEST(check, COMPOUND_HEAD_on_an_allocation_without_gfp_comp)
{
	unsigned long head, plain;
	struct ref_mm *mm = compound_state(&head, &plain);

	mm->mem_map[plain].flags |= 1UL << REF_PG_head;
	expect_only(mm, "COMPOUND-HEAD", plain);
	ref_mm_destroy(mm);
}

MMT_TEST(check, COMPOUND_HEAD_on_a_free_page)
{
	struct ref_mm *mm = dma_state();

	mm->mem_map[2048 + 9].flags |= 1UL << REF_PG_head;
	expect_only(mm, "COMPOUND-HEAD", 2048 + 9);
	ref_mm_destroy(mm);
}

MMT_TEST(check, COMPOUND_TAIL)
{
	unsigned long head, plain;
	struct ref_mm *mm = compound_state(&head, &plain);

	/* the fifth tail names the other block's head as its own */
	mm->mem_map[head + 5].compound_head = &mm->mem_map[plain];
	expect_only(mm, "COMPOUND-TAIL", head + 5);
	ref_mm_destroy(mm);
}

MMT_TEST(check, COMPOUND_TAIL_mark_lost)
{
	unsigned long head, plain;
	struct ref_mm *mm = compound_state(&head, &plain);

	mm->mem_map[head + 7].flags &= ~(1UL << REF_PG_tail);
	expect_only(mm, "COMPOUND-TAIL", head + 7);
	ref_mm_destroy(mm);
}

MMT_TEST(check, COMPOUND_TAIL_on_a_free_page)
{
	struct ref_mm *mm = dma_state();

	mm->mem_map[2048 + 10].flags |= 1UL << REF_PG_tail;
	expect_only(mm, "COMPOUND-TAIL", 2048 + 10);
	ref_mm_destroy(mm);
}

MMT_TEST(check, COMPOUND_TAIL_on_a_tail_of_a_plain_allocation)
{
	unsigned long head, plain;
	struct ref_mm *mm = compound_state(&head, &plain);

	mm->mem_map[plain + 2].flags |= 1UL << REF_PG_tail;
	mm->mem_map[plain + 2].compound_head = &mm->mem_map[plain];
	expect_only(mm, "COMPOUND-TAIL", plain + 2);
	ref_mm_destroy(mm);
}

MMT_TEST(check, COMPOUND_ORDER)
{
	unsigned long head, plain;
	struct ref_mm *mm = compound_state(&head, &plain);

	cr_assert_eq(mm->mem_map[head + 1].compound_order, 3);
	mm->mem_map[head + 1].compound_order = 2;
	expect_only(mm, "COMPOUND-ORDER", head);
	ref_mm_destroy(mm);
}

/* ------------------------------------------------------------ robustness */

MMT_TEST(check, report_keeps_16_and_counts_all)
{
	struct ref_mm *mm = dma_state();
	struct ref_report r;
	unsigned int i;

	for (i = 0; i < 20; i++)
		atomic_store(&mm->mem_map[2049 + i].refcount, 1);
	ref_report_init(&r);
	cr_assert_eq(ref_check(mm, REF_CHECK_FULL, &r), 20);
	cr_assert_eq(r.nr, REF_REPORT_MAX);
	cr_assert_eq(r.total, 20);
	ref_mm_destroy(mm);
}

MMT_TEST(check, garbage_list_pointers_are_reported_not_followed)
{
	struct ref_mm *mm = dma_state();
	struct ref_list_head bogus = { &bogus, &bogus };
	struct ref_list_head *l5 =
		&dma(mm)->free_area[5].free_list[block_mt(mm, 0)];
	struct ref_list_head *saved = l5->next;
	struct ref_report r;
	unsigned int i;
	int seen = 0;

	l5->next = &bogus;
	ref_report_init(&r);
	cr_assert_geq(ref_check(mm, REF_CHECK_FULL, &r), 1);
	for (i = 0; i < r.nr; i++)
		if (!strcmp(r.findings[i].id, "BUDDY-RANGE"))
			seen = 1;
	cr_assert(seen);
	/* A cycle: the order-9 head points back to itself. */
	l5->next = saved;
	mm->mem_map[512].lru.next = &mm->mem_map[512].lru;
	ref_report_init(&r);
	cr_assert_geq(ref_check(mm, REF_CHECK_FULL, &r), 1);
	cr_assert_str_eq(r.findings[0].id, "ZONE-NRFREE");
	ref_mm_destroy(mm);
}

MMT_TEST(check, level_none_checks_nothing)
{
	struct ref_mm *mm = dma_state();
	struct ref_report r;

	dma(mm)->nr_alloc_pages += 5;
	ref_report_init(&r);
	cr_assert_eq(ref_check(mm, REF_CHECK_NONE, &r), 0);
	cr_assert_eq(r.total, 0);
	ref_mm_destroy(mm);
}

/* ------------------------------------------------------ migrate types */

MMT_TEST(check, MIGRATE_LIST)
{
	struct ref_mm *mm = dma_state();
	struct ref_zone *z = dma(mm);
	/* pfn 2, order 1: a free block on its pageblock's list (the DMA
	 * request made pageblock 0 UNMOVABLE); put it on RECLAIMABLE's */
	struct ref_page *p = &mm->mem_map[2];

	cr_assert_eq(block_mt(mm, 2), REF_MIGRATE_UNMOVABLE);
	ref_list_del(&p->lru);
	ref_list_add(&p->lru,
		     &z->free_area[1].free_list[REF_MIGRATE_RECLAIMABLE]);
	expect_only(mm, "MIGRATE-LIST", 2);
	ref_mm_destroy(mm);
}

MMT_TEST(check, MIGRATE_LIST_counts_the_highatomic_reserve)
{
	struct ref_mm *mm = dma_state();

	dma(mm)->nr_free_highatomic = 1; /* no HIGHATOMIC list holds a page */
	expect_only(mm, "MIGRATE-LIST", ~0UL);
	ref_mm_destroy(mm);
}

MMT_TEST(check, PAGEBLOCK_TYPE)
{
	struct ref_mm *mm = dma_state();
	/* a whole live pageblock: no free block lies in it, so only the
	 * type itself is wrong */
	struct ref_page *p =
		ref_alloc_pages(mm, REF_GFP_DMA, mm->pageblock_order);
	unsigned long pfn = ref_page_to_pfn(mm, p);

	mm->pageblock_mt[pfn >> mm->pageblock_order] = 7;
	expect_only(mm, "PAGEBLOCK-TYPE", pfn);
	ref_mm_destroy(mm);
}

MMT_TEST(check, PAGEBLOCK_TYPE_counts_the_reserve)
{
	struct ref_mm *mm = dma_state();

	dma(mm)->nr_reserved_highatomic = 1UL << mm->pageblock_order;
	expect_only(mm, "PAGEBLOCK-TYPE", ~0UL);
	ref_mm_destroy(mm);
}

MMT_TEST(check, ZONE_BOOST)
{
	struct ref_mm *mm = dma_state();

	dma(mm)->watermark_boost = 1UL << 30;
	expect_only(mm, "ZONE-BOOST", ~0UL);
	ref_mm_destroy(mm);
}
