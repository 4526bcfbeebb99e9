/* SPDX-License-Identifier: MIT */
/*
 * tests/ref/test_buddy.c - the buddy allocator: split and merge, alignment,
 * orders, zones and GFP modifiers, exhaustion, bad frees, zeroing, the
 * free APIs, trace events, /proc text, and two threads sharing a machine.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "leakcheck.h"
#include "internal.h"
#include "ref_machine.h"

static unsigned long pfn_of(struct ref_mm *mm, struct ref_page *p)
{
	return ref_page_to_pfn(mm, p);
}

/* splitmix64 */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

MMT_TEST(buddy, order0_splits_a_top_block_and_free_merges_it_back)
{
	struct ref_mm *mm = make("");
	struct ref_zone *z = &mm->zones[REF_ZONE_DMA32];
	struct ref_page *p;
	unsigned int o;

	p = ref_alloc_page(mm, REF_GFP_KERNEL);
	cr_assert_not_null(p);
	/* the CPU's list took a batch: back to the buddy with the rest */
	ref_drain_all_pages(mm);
	/* NORMAL is empty on a 64M machine: DMA32 serves, lowest pfn first. */
	cr_assert_eq(pfn_of(mm, p), 4096);
	cr_assert_eq(atomic_load(&p->refcount), 1);
	cr_assert(p->flags & (1UL << REF_PG_owner));
	cr_assert_eq(p->flags & (1UL << REF_PG_buddy), 0);
	cr_assert_eq(z->free_area[10].nr_free, 11);
	for (o = 0; o < 10; o++) {
		struct ref_page *head = ref_list_first_entry(
			&z->free_area[o].free_list[REF_MIGRATE_UNMOVABLE],
			struct ref_page, lru);

		cr_assert_eq(z->free_area[o].nr_free, 1, "order %u", o);
		/* expand() left the upper half of each split at its order */
		cr_assert_eq(pfn_of(mm, head), 4096 + (1UL << o));
		cr_assert_eq(head->private, o);
	}
	cr_assert_eq(z->nr_free_pages, 12288 - 1);
	/* counted on the CPU's list it came through */
	cr_assert_eq(z->nr_alloc_pages +
			     (unsigned long)z->pageset[0].nr_alloc_pages,
		     1);
	expect_healthy(mm);
	cr_assert_eq(ref_free_pages_page(mm, p, 0), 0);
	ref_drain_all_pages(mm);
	for (o = 0; o < 10; o++)
		cr_assert_eq(z->free_area[o].nr_free, 0, "order %u", o);
	cr_assert_eq(z->free_area[10].nr_free, 12);
	cr_assert_eq(z->nr_free_pages, 12288);
	cr_assert_eq(z->nr_alloc_pages, 0);
	cr_assert_eq(atomic_load(&p->refcount), 0);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(buddy, every_order_is_aligned_and_disjoint)
{
	struct ref_mm *mm = make("ram=256M");
	struct ref_page *got[11][3];
	unsigned int o, i;

	for (o = 0; o < 11; o++) {
		for (i = 0; i < 3; i++) {
			struct ref_page *p =
				ref_alloc_pages(mm, REF_GFP_KERNEL, o);
			unsigned long pfn;

			cr_assert_not_null(p, "order %u", o);
			pfn = pfn_of(mm, p);
			cr_assert_eq(pfn & ((1UL << o) - 1), 0,
				     "order %u pfn %lu", o, pfn);
			cr_assert_eq(p->owner_order, o);
			got[o][i] = p;
		}
	}
	expect_healthy(mm);
	for (o = 0; o < 11; o++)
		for (i = 0; i < 3; i++)
			cr_assert_eq(ref_free_pages_page(mm, got[o][i], o), 0);
	ref_drain_all_pages(mm);
	cr_assert_eq(ref_nr_free_pages(mm), 65536);
	cr_assert_eq(mm->zones[REF_ZONE_DMA32].free_area[10].nr_free, 60);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(buddy, order_at_or_above_nr_orders_fails)
{
	struct ref_mm *mm = make("orders=5,ram=8M");

	cr_assert_null(ref_alloc_pages(mm, REF_GFP_KERNEL, 5));
	cr_assert_null(ref_alloc_pages(mm, REF_GFP_KERNEL, 40));
	cr_assert_eq(ref_get_free_pages(mm, REF_GFP_KERNEL, 5), 0);
	cr_assert_not_null(ref_alloc_pages(mm, REF_GFP_KERNEL, 4));
	ref_mm_destroy(mm);
	mm = make("");
	cr_assert_null(ref_alloc_pages(mm, REF_GFP_KERNEL, 11));
	cr_assert_eq(ref_nr_free_pages(mm), 16384);
	ref_mm_destroy(mm);
}

MMT_TEST(buddy, gfp_zone_table)
{
	struct ref_mm *m64 = make("");
	struct ref_mm *m32 = make("profile=x86_32,ram=64M");
	/* value of gfp & ZONEMASK -> zone on x86_64, on x86_32 */
	static const int want64[16] = { 2, 0, 2, -1, 1, -1, -1, -1,
					2, 0, 2, -1, 1, -1, -1, -1 };
	static const int want32[16] = { 2, 0, 3, -1, 2, -1, -1, -1,
					2, 0, 3, -1, 2, -1, -1, -1 };
	unsigned int bits;

	for (bits = 0; bits < 16; bits++) {
		cr_assert_eq(ref_gfp_zone(m64, bits | REF_GFP_KERNEL),
			     want64[bits], "x86_64 bits 0x%x", bits);
		cr_assert_eq(ref_gfp_zone(m32, bits), want32[bits],
			     "x86_32 bits 0x%x", bits);
		if (want64[bits] < 0)
			cr_assert_null(ref_alloc_pages(m64, bits, 0));
	}
	cr_assert_eq(ref_nr_free_pages(m64), 16384);
	ref_mm_destroy(m64);
	ref_mm_destroy(m32);
}

MMT_TEST(buddy, zone_modifiers_and_fallback)
{
	/* 4G + 64M: DMA 16M, DMA32 4G-16M, NORMAL 64M. */
	struct ref_mm *mm = make("ram=4160M");
	struct ref_zone *dma = &mm->zones[REF_ZONE_DMA];
	struct ref_zone *dma32 = &mm->zones[REF_ZONE_DMA32];
	struct ref_zone *normal = &mm->zones[REF_ZONE_NORMAL];
	struct ref_page *p;
	unsigned long n = 0;

	p = ref_alloc_page(mm, REF_GFP_KERNEL);
	cr_assert_eq(ref_page_zone(mm, p), normal);
	ref_free_pages_page(mm, p, 0);
	p = ref_alloc_page(mm, REF_GFP_HIGHUSER_MOVABLE);
	cr_assert_eq(ref_page_zone(mm, p), normal);
	ref_free_pages_page(mm, p, 0);
	p = ref_alloc_page(mm, REF_GFP_KERNEL | REF_GFP_DMA32);
	cr_assert_eq(ref_page_zone(mm, p), dma32);
	ref_free_pages_page(mm, p, 0);

	/* DMA only ever comes from ZONE_DMA, then fails. __GFP_MEMALLOC
	 * (ignore the watermarks) from here on: the zones are drained to
	 * the last page. */
	while ((p = ref_alloc_pages(
			mm, REF_GFP_KERNEL | REF_GFP_DMA | REF_GFP_MEMALLOC,
			10))) {
		cr_assert_eq(ref_page_zone(mm, p), dma);
		n++;
	}
	cr_assert_eq(n, 4);
	cr_assert_eq(dma->nr_free_pages, 0);
	cr_assert_null(ref_alloc_page(mm, REF_GFP_DMA));

	/* DMA32 falls back to DMA but never climbs to NORMAL. */
	n = 0;
	while ((p = ref_alloc_pages(mm, REF_GFP_DMA32 | REF_GFP_MEMALLOC,
				    10))) {
		cr_assert_eq(ref_page_zone(mm, p), dma32);
		n++;
	}
	cr_assert_eq(n, dma32->present_pages >> 10);
	cr_assert_null(ref_alloc_page(mm, REF_GFP_DMA32));
	cr_assert_eq(normal->nr_free_pages, normal->present_pages);

	/* NORMAL allocations fill NORMAL and then fail (all below are full). */
	n = 0;
	while ((p = ref_alloc_pages(mm, REF_GFP_KERNEL | REF_GFP_MEMALLOC,
				    10))) {
		cr_assert_eq(ref_page_zone(mm, p), normal);
		n++;
	}
	cr_assert_eq(n, 16);
	cr_assert_eq(ref_nr_free_pages(mm), 0);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(buddy, normal_falls_back_to_dma32_then_dma)
{
	struct ref_mm *mm = make("ram=4160M");
	struct ref_page *p;
	unsigned long n = 0, got[REF_NR_ZONE_TYPES] = { 0 };
	enum ref_zone_type last = REF_ZONE_NORMAL;

	/*
	 * Below the watermarks too (__GFP_MEMALLOC): every block. The fast
	 * pass (the low watermark) walks Normal, DMA32, DMA, each while it
	 * is above its low mark (DMA's protection keeps it out for a
	 * Normal request); only then does the no-watermark pass take what
	 * is left, from Normal down again.
	 */
	while ((p = ref_alloc_pages(mm, REF_GFP_KERNEL | REF_GFP_MEMALLOC,
				    10))) {
		enum ref_zone_type t = ref_page_zone(mm, p)->type;

		if (n == 0)
			cr_assert_eq(t, REF_ZONE_NORMAL);
		if (t > last)
			cr_assert(
				mm->zones[last].nr_free_pages <=
					mm->zones[last].watermark[REF_WMARK_LOW] +
						mm->zones[last].lowmem_reserve
							[REF_ZONE_NORMAL],
				"block %lu climbed back from %s", n,
				mm->zones[last].name);
		last = t;
		got[t]++;
		n++;
	}
	cr_assert_eq(got[REF_ZONE_NORMAL], 16);
	cr_assert_eq(got[REF_ZONE_DMA32], 1020);
	cr_assert_eq(got[REF_ZONE_DMA], 4);
	cr_assert_eq(ref_nr_free_pages(mm), 0);
	ref_mm_destroy(mm);
}

MMT_TEST(buddy, exhaustion_then_full_recovery)
{
	struct ref_mm *mm = make("");
	static struct ref_page *pages[16385];
	unsigned long n = 0, i;
	uint64_t seed = 42;

	/* below the watermarks too (__GFP_MEMALLOC): every page */
	while ((pages[n] =
			ref_alloc_page(mm, REF_GFP_KERNEL | REF_GFP_MEMALLOC)))
		n++;
	cr_assert_eq(n, 16384);
	cr_assert_eq(ref_nr_free_pages(mm), 0);
	cr_assert_null(ref_alloc_pages(mm, REF_GFP_KERNEL, 0));
	expect_healthy(mm);
	/* Free in a shuffled order: merging must still rebuild every block. */
	for (i = n - 1; i > 0; i--) {
		unsigned long j = (unsigned long)(next_rand(&seed) % (i + 1));
		struct ref_page *t = pages[i];

		pages[i] = pages[j];
		pages[j] = t;
	}
	for (i = 0; i < n; i++)
		cr_assert_eq(ref_free_pages_page(mm, pages[i], 0), 0);
	ref_drain_all_pages(mm);
	cr_assert_eq(ref_nr_free_pages(mm), 16384);
	cr_assert_eq(mm->zones[REF_ZONE_DMA].free_area[10].nr_free, 4);
	cr_assert_eq(mm->zones[REF_ZONE_DMA32].free_area[10].nr_free, 12);
	for (i = 0; i < 10; i++)
		cr_assert_eq(mm->zones[REF_ZONE_DMA32].free_area[i].nr_free, 0);
	cr_assert_eq(ref_bad_page_count(mm), 0);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

static void expect_refused(struct ref_mm *mm, int rc, unsigned long *count,
			   const char *want)
{
	char msg[256];

	cr_assert_eq(rc, -1, "free accepted, expected '%s'", want);
	cr_assert_eq(ref_bad_page_count(mm), ++*count);
	ref_bad_page_last(mm, msg, sizeof(msg));
	cr_assert(strstr(msg, want), "message '%s' lacks '%s'", msg, want);
}

MMT_TEST(buddy, invalid_and_double_frees_are_refused_and_counted)
{
	struct ref_mm *mm = make("reserve=4K@0");
	struct ref_page *p, *q;
	unsigned long count = 0, addr, free_before;
	char small[8];

	p = ref_alloc_pages(mm, REF_GFP_KERNEL, 2);
	q = ref_alloc_page(mm, REF_GFP_KERNEL);
	addr = (unsigned long)(uintptr_t)ref_page_address(mm, q);
	free_before = ref_nr_free_pages(mm);

	expect_refused(mm, ref_free_pages_page(mm, p, 1), &count,
		       "order:1 freed but the allocation has order 2");
	expect_refused(mm, ref_free_pages_page(mm, p + 1, 0), &count,
		       "not the head of a live allocation");
	expect_refused(mm, ref_free_pages_page(mm, ref_pfn_to_page(mm, 0), 0),
		       &count, "reserved");
	expect_refused(mm, ref_free_pages_page(mm, NULL, 0), &count,
		       "no present page of mem_map");
	expect_refused(mm,
		       ref_free_pages_page(mm, (struct ref_page *)(void *)small,
					   0),
		       &count, "no present page of mem_map");
	expect_refused(mm,
		       ref_free_pages(mm, (unsigned long)(uintptr_t)small, 0),
		       &count, "outside the direct map");
	cr_assert_eq(ref_nr_free_pages(mm), free_before);
	expect_healthy(mm);

	cr_assert_eq(ref_free_page(mm, addr), 0);
	/* q merged with its buddy: the page is now a free interior or head */
	expect_refused(mm, ref_free_page(mm, addr), &count, "order:0 freed");
	cr_assert_eq(ref_free_pages_page(mm, p, 2), 0);
	expect_refused(mm, ref_free_pages_page(mm, p, 2), &count,
		       "order:2 freed");
	/* A double free of a block that is still a free head says so: on
	 * the CPU's list, and in the buddy once drained there. */
	p = ref_alloc_pages(mm, REF_GFP_KERNEL, 0);
	q = ref_alloc_pages(mm, REF_GFP_KERNEL, 0);
	cr_assert_eq(pfn_of(mm, q), pfn_of(mm, p) + 1);
	cr_assert_eq(ref_free_pages_page(mm, q, 0), 0);
	expect_refused(mm, ref_free_pages_page(mm, q, 0), &count,
		       "already free (on a per-CPU list)");
	ref_drain_all_pages(mm);
	expect_refused(mm, ref_free_pages_page(mm, q, 0), &count,
		       "already free (PG_buddy)");
	cr_assert_eq(ref_free_pages_page(mm, p, 0), 0);
	cr_assert_eq(ref_free_pages(mm, 0, 3), 0); /* free_pages(0) no-op */
	ref_drain_all_pages(mm);
	cr_assert_eq(ref_nr_free_pages(mm), 16383);
	cr_assert_eq(ref_bad_page_count(mm), count);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(buddy, zeroed_pages_are_zero)
{
	struct ref_mm *mm = make("");
	unsigned char *a, *b;
	struct ref_page *p;
	size_t i;

	a = (unsigned char *)(uintptr_t)ref_get_free_page(mm, REF_GFP_KERNEL);
	cr_assert_not_null(a);
	memset(a, 0xaa, 4096);
	ref_free_page(mm, (unsigned long)(uintptr_t)a);
	b = (unsigned char *)(uintptr_t)ref_get_zeroed_page(mm, REF_GFP_KERNEL);
	cr_assert_eq(a, b, "the same page should come back");
	for (i = 0; i < 4096; i++)
		cr_assert_eq(b[i], 0, "byte %zu", i);
	cr_assert(ref_virt_to_page(mm, b)->owner_gfp & REF_GFP_ZERO);
	memset(b, 0x55, 4096);
	ref_free_page(mm, (unsigned long)(uintptr_t)b);

	/* alloc_pages with __GFP_ZERO zeroes the whole block via phys. */
	p = ref_alloc_pages(mm, REF_GFP_KERNEL, 2);
	a = ref_page_address(mm, p);
	memset(a, 0x77, 4 * 4096);
	ref_free_pages_page(mm, p, 2);
	p = ref_alloc_pages(mm, REF_GFP_KERNEL | REF_GFP_ZERO, 2);
	cr_assert_eq(ref_page_address(mm, p), a);
	for (i = 0; i < 4 * 4096; i++)
		cr_assert_eq(a[i], 0, "byte %zu", i);
	ref_mm_destroy(mm);
}

MMT_TEST(buddy, free_by_page_and_by_address)
{
	struct ref_mm *mm = make("");
	unsigned long addr = ref_get_free_pages(mm, REF_GFP_KERNEL, 3);
	struct ref_page *p = ref_virt_to_page(mm, (void *)addr);
	struct ref_page *q;

	cr_assert_not_null(p);
	cr_assert_eq(ref_page_address(mm, p), (void *)addr);
	cr_assert_eq((unsigned char *)addr,
		     (unsigned char *)ref_phys_window(mm) +
			     pfn_of(mm, p) * 4096);
	/* an address inside the head page names the head (virt_to_page) */
	cr_assert_eq(ref_virt_to_page(mm, (void *)(addr + 100)), p);
	cr_assert_eq(ref_free_pages(mm, addr, 3), 0);
	q = ref_alloc_pages(mm, REF_GFP_KERNEL, 3);
	cr_assert_eq(q, p);
	cr_assert_eq(ref_free_pages_page(mm, q, 3), 0);
	cr_assert_eq(ref_nr_free_pages(mm), 16384);
	ref_mm_destroy(mm);
}

struct trace_log {
	unsigned int n;
	struct ref_trace_event ev[8];
	char text[8][256];
	const struct ref_mm *mm;
};

static void collect(void *ctx, const struct ref_trace_event *ev)
{
	struct trace_log *log = ctx;

	/* the page events only (test_migrate.c follows pageblocks) */
	if (log->n >= 8 || ev->type == REF_TRACE_MM_PAGEBLOCK_TYPE ||
	    ev->type == REF_TRACE_MM_ZONE_BOOST)
		return;
	log->ev[log->n] = *ev;
	ref_trace_format(log->mm, ev, log->text[log->n], 256);
	log->n++;
}

MMT_TEST(buddy, trace_events_in_ftrace_text)
{
	struct ref_mm *mm = make("cpus=2");
	struct trace_log log = { .mm = mm };
	char want[256];
	struct ref_page *p;

	ref_trace_subscribe(mm, collect, &log);
	ref_cpu_enter(mm, 1);
	p = ref_alloc_pages(mm, REF_GFP_KERNEL | REF_GFP_ZERO, 1);
	cr_assert_not_null(p);
	cr_assert_null(
		ref_alloc_pages(mm, REF_GFP_ATOMIC | REF_GFP_NOWARN, 11));
	cr_assert_eq(ref_free_pages_page(mm, p, 1), 0);
	cr_assert_eq(ref_free_pages_page(mm, p, 1), -1); /* not traced */
	cr_assert_eq(log.n, 3);

	cr_assert_str_eq(log.ev[0].name, "mm_page_alloc");
	cr_assert_eq(log.ev[0].type, REF_TRACE_MM_PAGE_ALLOC);
	cr_assert_eq(log.ev[0].page, p);
	cr_assert_eq(log.ev[0].pfn, 4096);
	cr_assert_eq(log.ev[0].cpu, 1);
	snprintf(
		want, sizeof(want),
		"page=%016lx pfn=0x1000 order=1 migratetype=0 gfp_flags=GFP_KERNEL|__GFP_ZERO",
		(unsigned long)(uintptr_t)p);
	cr_assert_str_eq(log.text[0], want);

	cr_assert_null(log.ev[1].page);
	cr_assert_str_eq(
		log.text[1],
		"page=0000000000000000 pfn=0x0 order=11 migratetype=0 gfp_flags=GFP_ATOMIC|__GFP_NOWARN");

	cr_assert_str_eq(log.ev[2].name, "mm_page_free");
	cr_assert_eq(log.ev[2].type, REF_TRACE_MM_PAGE_FREE);
	snprintf(want, sizeof(want), "page=%016lx pfn=0x1000 order=1",
		 (unsigned long)(uintptr_t)p);
	cr_assert_str_eq(log.text[2], want);

	ref_trace_subscribe(mm, NULL, NULL);
	p = ref_alloc_page(mm, REF_GFP_KERNEL);
	ref_free_pages_page(mm, p, 0);
	cr_assert_eq(log.n, 3);
	ref_mm_destroy(mm);
}

MMT_TEST(buddy, get_free_pages_strips_highmem)
{
	struct ref_mm *mm = make("profile=x86_32,ram=1G");
	struct trace_log log = { .mm = mm };
	unsigned long addr;
	struct ref_page *p;

	ref_trace_subscribe(mm, collect, &log);
	addr = ref_get_free_pages(mm, REF_GFP_HIGHUSER, 0);
	cr_assert_neq(addr, 0);
	p = ref_virt_to_page(mm, (void *)addr);
	cr_assert_eq(ref_page_zone(mm, p)->type, REF_ZONE_NORMAL);
	cr_assert_eq(p->owner_gfp, REF_GFP_USER);
	cr_assert(strstr(log.text[0], "gfp_flags=GFP_USER"), "%s", log.text[0]);
	/* alloc_pages keeps HIGHMEM and gets a page with no address. */
	p = ref_alloc_page(mm, REF_GFP_HIGHUSER);
	cr_assert_eq(ref_page_zone(mm, p)->type, REF_ZONE_HIGHMEM);
	cr_assert_null(ref_page_address(mm, p));
	cr_assert(strstr(log.text[1], "gfp_flags=GFP_HIGHUSER"), "%s",
		  log.text[1]);
	ref_mm_destroy(mm);
}

MMT_TEST(buddy, gfp_format_spelling)
{
	char buf[256];

	ref_gfp_format(0, buf, sizeof(buf));
	cr_assert_str_eq(buf, "none");
	ref_gfp_format(REF_GFP_KERNEL, buf, sizeof(buf));
	cr_assert_str_eq(buf, "GFP_KERNEL");
	ref_gfp_format(REF_GFP_KERNEL | REF_GFP_ZERO | REF_GFP_NOWARN |
			       REF_GFP_COMP,
		       buf, sizeof(buf));
	cr_assert_str_eq(buf, "GFP_KERNEL|__GFP_NOWARN|__GFP_COMP|__GFP_ZERO");
	ref_gfp_format(REF_GFP_HIGHUSER_MOVABLE, buf, sizeof(buf));
	cr_assert_str_eq(buf, "GFP_HIGHUSER_MOVABLE");
	ref_gfp_format(REF_GFP_DMA | REF_GFP_KERNEL, buf, sizeof(buf));
	cr_assert_str_eq(buf, "GFP_KERNEL|GFP_DMA");
	ref_gfp_format(REF_GFP_NOWAIT, buf, sizeof(buf));
	cr_assert_str_eq(buf, "GFP_NOWAIT");
	ref_gfp_format(REF_GFP_KERNEL | REF_GFP_COLD, buf, sizeof(buf));
	cr_assert_str_eq(buf, "GFP_KERNEL|0x40000000");
	ref_gfp_format(REF_GFP_DIRECT_RECLAIM, buf, sizeof(buf));
	cr_assert_str_eq(buf, "__GFP_DIRECT_RECLAIM");
	ref_gfp_format((REF_GFP_HIGHUSER_MOVABLE | REF_GFP_COMP |
			REF_GFP_NOMEMALLOC | REF_GFP_NOWARN) &
			       ~REF_GFP_KSWAPD_RECLAIM,
		       buf, sizeof(buf));
	cr_assert_str_eq(buf, "GFP_TRANSHUGE");
	cr_assert_eq(ref_gfp_format(REF_GFP_KERNEL, buf, 4), 10);
	cr_assert_str_eq(buf, "GFP");
}

MMT_TEST(buddy, buddyinfo_and_zoneinfo_text)
{
	struct ref_mm *mm = make("");
	char buf[4096];
	size_t n;

	cr_assert_not_null(ref_alloc_page(mm, REF_GFP_KERNEL));
	/* the refill's other pages back from the CPU's list: one split */
	ref_drain_all_pages(mm);
	n = ref_proc_buddyinfo(mm, buf, sizeof(buf));
	cr_assert_str_eq(
		buf,
		"Node 0, zone      DMA      0      0      0      0      0      0      0      0      0      0      4 \n"
		"Node 0, zone    DMA32      1      1      1      1      1      1      1      1      1      1     11 \n");
	cr_assert_eq(n, strlen(buf));
	cr_assert_eq(ref_proc_buddyinfo(mm, buf, 20), n);
	cr_assert_eq(strlen(buf), 19);

	n = ref_proc_zoneinfo(mm, buf, sizeof(buf));
	cr_assert_eq(n, strlen(buf));
	cr_assert_str_eq(buf, "Node 0, zone      DMA"
			      "\n  pages free     4096"
			      "\n        boost    0"
			      "\n        min      64"
			      "\n        low      80"
			      "\n        high     96"
			      "\n        promo    112"
			      "\n        spanned  4096"
			      "\n        present  4096"
			      "\n        managed  4096"
			      "\n        cma      0"
			      "\n        protection: (0, 48, 48, 48)"
			      "\n      nr_free_pages 4096"
			      /* never used: high 0 (per_cpu_pages_init) */
			      "\n  pagesets"
			      "\n    cpu: 0"
			      "\n              count: 0"
			      "\n              high:  0"
			      "\n              batch: 1"
			      "\n  vm stats threshold: 2"
			      "\n  node_unreclaimable:  0"
			      "\n  start_pfn:           0\n"
			      "Node 0, zone    DMA32"
			      "\n  pages free     12287"
			      "\n        boost    0"
			      "\n        min      192"
			      "\n        low      240"
			      "\n        high     288"
			      "\n        promo    336"
			      "\n        spanned  12288"
			      "\n        present  12288"
			      "\n        managed  12288"
			      "\n        cma      0"
			      "\n        protection: (0, 0, 0, 0)"
			      "\n      nr_free_pages 12287"
			      /* the refill raised high from high_min 240
			       * by its batch of 3; the drain emptied it */
			      "\n  pagesets"
			      "\n    cpu: 0"
			      "\n              count: 0"
			      "\n              high:  243"
			      "\n              batch: 3"
			      "\n  vm stats threshold: 2"
			      "\n  node_unreclaimable:  0"
			      "\n  start_pfn:           4096\n"
			      "Node 0, zone   Normal"
			      "\n  pages free     0"
			      "\n        boost    0"
			      "\n        min      0"
			      "\n        low      0"
			      "\n        high     0"
			      "\n        promo    0"
			      "\n        spanned  0"
			      "\n        present  0"
			      "\n        managed  0"
			      "\n        cma      0"
			      "\n        protection: (0, 0, 0, 0)\n");
	ref_mm_destroy(mm);
}

struct worker {
	struct ref_mm *mm;
	unsigned int cpu;
	uint64_t seed;
	unsigned long bad;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct ref_page *live[64] = { 0 };
	unsigned int orders[64] = { 0 };
	unsigned int i, k;

	ref_cpu_enter(w->mm, w->cpu);
	for (i = 0; i < 20000; i++) {
		unsigned int slot = (unsigned int)(next_rand(&w->seed) % 64);
		unsigned char *data;

		if (live[slot]) {
			data = (unsigned char *)ref_phys_window(w->mm) +
			       ref_page_to_pfn(w->mm, live[slot]) * 4096;
			for (k = 0; k < (4096u << orders[slot]); k += 512)
				if (data[k] != (unsigned char)(w->cpu + 1))
					w->bad++;
			if (ref_free_pages_page(w->mm, live[slot],
						orders[slot]))
				w->bad++;
			live[slot] = NULL;
		} else {
			unsigned int o =
				(unsigned int)(next_rand(&w->seed) % 4);
			ref_gfp_t gfp = next_rand(&w->seed) % 8 ?
						REF_GFP_KERNEL :
						REF_GFP_DMA;

			live[slot] = ref_alloc_pages(w->mm, gfp, o);
			if (!live[slot])
				continue;
			orders[slot] = o;
			data = (unsigned char *)ref_phys_window(w->mm) +
			       ref_page_to_pfn(w->mm, live[slot]) * 4096;
			memset(data, (int)(w->cpu + 1), 4096u << o);
		}
	}
	for (i = 0; i < 64; i++)
		if (live[i] && ref_free_pages_page(w->mm, live[i], orders[i]))
			w->bad++;
	return NULL;
}

MMT_TEST(buddy, two_threads_share_a_machine)
{
	struct ref_mm *mm = make("cpus=2");
	struct worker w[2] = { { mm, 0, 1, 0 }, { mm, 1, 2, 0 } };
	pthread_t t[2];
	int i;

	for (i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	cr_assert_eq(w[0].bad + w[1].bad, 0);
	cr_assert_eq(ref_bad_page_count(mm), 0);
	expect_healthy(mm); /* with both CPUs' lists holding pages */
	ref_drain_all_pages(mm);
	cr_assert_eq(ref_nr_free_pages(mm), 16384);
	cr_assert_eq(mm->zones[REF_ZONE_DMA32].free_area[10].nr_free, 12);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}
