/* SPDX-License-Identifier: MIT */
/*
 * test_shadow.c - the shadow model fed a fake arena and fake results:
 * every SHADOW-*, ORACLE-* and TRACE-* id fires on exactly its case and
 * stays quiet on the correct one.
 *
 * Fake arena: 1024 pfns of 4K, 4 orders (blocks up to 8 pages).
 *   zones    DMA [0, 252)  DMA32 [252, 768)  Normal [768, 1024)
 *   present  [0, 512) and [640, 1024)  (hole 512..639, inside DMA32)
 *   reserved [16, 20)
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/mman.h>

#include <mmtorture/exec.h>
#include <mmtorture/ops.h>

#include "leakcheck.h"
#include "mmt_internal.h"
#include "shadow.h"

#define NR_PFNS 1024u
#define PS 4096u
#define STRICT_CAPS (MMT_CAP_PAGES | MMT_CAP_ZONES | MMT_CAP_POLICY_BUDDY)

static uint8_t *mem;
static struct mmt_arena arena;
static struct mmt_report rep;

static void setup(void)
{
	mem = mmap(NULL, (size_t)NR_PFNS * PS, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(mem, MAP_FAILED);
	memset(&arena, 0, sizeof(arena));
	arena.base = mem;
	arena.nr_pfns = NR_PFNS;
	arena.page_size = PS;
	arena.nr_orders = 4;
	arena.nr_zones = 3;
	arena.zones[0] = (struct mmt_arena_zone){ MMT_ZONE_DMA, 1, 0, 252 };
	arena.zones[1] = (struct mmt_arena_zone){ MMT_ZONE_DMA32, 1, 252, 768 };
	arena.zones[2] =
		(struct mmt_arena_zone){ MMT_ZONE_NORMAL, 1, 768, 1024 };
	arena.nr_present = 2;
	arena.present[0] = (struct mmt_pfn_range){ 640, 384 };
	arena.present[1] = (struct mmt_pfn_range){ 0, 512 };
	arena.nr_reserved = 1;
	arena.reserved[0] = (struct mmt_pfn_range){ 16, 4 };
	mmt_report_init(&rep);
}

static void teardown(void)
{
	munmap(mem, (size_t)NR_PFNS * PS);
}

TestSuite(shadow, .init = setup, .fini = teardown);

static void *at(uint64_t pfn)
{
	return mem + pfn * PS;
}

static unsigned int count(const char *id)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < rep.nr; i++)
		if (strcmp(rep.v[i].id, id) == 0)
			n++;
	return n;
}

/* Exactly one violation, and it is id. */
static void expect_only(const char *id)
{
	cr_assert_eq(rep.total, 1, "expected only %s, got %lu (first %s: %s)",
		     id, rep.total, rep.nr ? rep.v[0].id : "-",
		     rep.nr ? rep.v[0].message : "");
	cr_assert_str_eq(rep.v[0].id, id, "%s", rep.v[0].message);
	mmt_report_init(&rep);
}

static void expect_none(void)
{
	cr_assert_eq(rep.total, 0, "unexpected %s: %s",
		     rep.nr ? rep.v[0].id : "-",
		     rep.nr ? rep.v[0].message : "");
}

static struct mmt_shadow *mk(uint32_t caps, int strict)
{
	struct mmt_shadow *s = mmt_shadow_create(&arena, caps, strict, 1);

	cr_assert_not_null(s);
	return s;
}

static int alloc(struct mmt_shadow *s, unsigned int slot, uint32_t order,
		 uint32_t gfp, void *addr)
{
	return mmt_shadow_alloc(s, 7, slot, MMT_OP_ALLOC_PAGES, order, gfp,
				addr, &rep);
}

static void release(struct mmt_shadow *s, unsigned int slot)
{
	mmt_shadow_verify_fill(s, 9, slot, &rep);
	mmt_shadow_release(s, 9, slot, &rep);
}

MMT_TEST(shadow, correct_blocks_are_quiet)
{
	struct mmt_shadow *s = mk(STRICT_CAPS, 1);

	cr_assert_eq(alloc(s, 1, 3, MMT_GFP_KERNEL, at(800)), 1);
	cr_assert_eq(alloc(s, 2, 2, MMT_GFP_DMA | MMT_GFP_KERNEL, at(32)), 1);
	cr_assert_eq(alloc(s, 3, 0, MMT_GFP_KERNEL | MMT_GFP_ZERO, at(641)), 1);
	cr_assert_eq(mmt_shadow_live_blocks(s), 3);
	cr_assert_eq(mmt_shadow_live_pages(s), 13);
	cr_assert_eq(mmt_shadow_slot(s, 1)->zone, MMT_ZONE_NORMAL);
	release(s, 1);
	release(s, 2);
	release(s, 3);
	expect_none();
	cr_assert_eq(mmt_shadow_live_pages(s), 0);
	/* A failure with no free block in DMA is fine too. */
	for (unsigned int i = 0; i < 31; i++)
		if (i * 8 < 16 || i * 8 >= 20)
			cr_assert_eq(
				alloc(s, 10 + i, 3, MMT_GFP_DMA, at(i * 8)), 1);
	expect_none(); /* 16..23 holds reserved pages: left alone */
	cr_assert_eq(alloc(s, 60, 3, MMT_GFP_DMA, NULL), 0);
	expect_none();
	mmt_shadow_destroy(s);
}

MMT_TEST(shadow, range_hole_reserved_outside)
{
	struct mmt_shadow *s = mk(STRICT_CAPS, 1);

	alloc(s, 1, 2, MMT_GFP_KERNEL, at(520)); /* hole */
	expect_only("SHADOW-RANGE");
	alloc(s, 2, 2, MMT_GFP_KERNEL, at(16)); /* reserved */
	expect_only("SHADOW-RANGE");
	cr_assert_eq(alloc(s, 3, 0, MMT_GFP_KERNEL, at(NR_PFNS + 4)), 0);
	expect_only("SHADOW-RANGE");
	cr_assert_eq(alloc(s, 4, 0, MMT_GFP_KERNEL, mem - PS), 0);
	expect_only("SHADOW-RANGE");
	mmt_shadow_destroy(s);
}

MMT_TEST(shadow, align_order_and_page)
{
	struct mmt_shadow *s = mk(STRICT_CAPS, 1);

	alloc(s, 1, 2, MMT_GFP_KERNEL, at(802));
	expect_only("SHADOW-ALIGN");
	cr_assert_eq(alloc(s, 2, 0, MMT_GFP_KERNEL, mem + 100), 0);
	expect_only("SHADOW-ALIGN");
	alloc(s, 3, 0, MMT_GFP_KERNEL, at(811)); /* order 0: any pfn */
	expect_none();
	mmt_shadow_destroy(s);
}

MMT_TEST(shadow, zone_disallowed_and_crossing)
{
	struct mmt_shadow *s = mk(STRICT_CAPS, 1);
	struct mmt_shadow *nz = mk(MMT_CAP_PAGES | MMT_CAP_POLICY_BUDDY, 1);

	alloc(s, 1, 0, MMT_GFP_DMA | MMT_GFP_KERNEL, at(800)); /* Normal */
	expect_only("SHADOW-ZONE");
	alloc(s, 2, 1, MMT_GFP_DMA32, at(900)); /* Normal for DMA32 */
	expect_only("SHADOW-ZONE");
	alloc(s, 3, 3, MMT_GFP_KERNEL, at(248)); /* 248..255 crosses 252 */
	expect_only("SHADOW-ZONE");
	/* Lower zones are always allowed: DMA memory for GFP_KERNEL. */
	alloc(s, 4, 0, MMT_GFP_KERNEL, at(40));
	expect_none();
	/* Without MMT_CAP_ZONES the zone is not checked. */
	alloc(nz, 1, 0, MMT_GFP_DMA, at(800));
	expect_none();
	mmt_shadow_destroy(s);
	mmt_shadow_destroy(nz);
}

MMT_TEST(shadow, overlap_with_a_live_block)
{
	struct mmt_shadow *s = mk(STRICT_CAPS, 1);

	alloc(s, 1, 2, MMT_GFP_KERNEL, at(800));
	alloc(s, 2, 1, MMT_GFP_KERNEL, at(802));
	cr_assert_eq(count("SHADOW-OVERLAP"), 1);
	/* the second block rewrote s1's cookies at page 2 */
	mmt_report_init(&rep);
	release(s, 2);
	expect_none();
	/* once s2 is gone its pages are s1's again: no false overlap */
	alloc(s, 3, 0, MMT_GFP_KERNEL, at(810));
	expect_none();
	release(s, 1);
	cr_assert_eq(count("SHADOW-FILL"), 1);
	mmt_report_init(&rep);
	/* freed pages can be handed out again */
	alloc(s, 4, 2, MMT_GFP_KERNEL, at(800));
	expect_none();
	mmt_shadow_destroy(s);
}

MMT_TEST(shadow, fill_cookie_overwritten)
{
	struct mmt_shadow *s = mk(STRICT_CAPS, 1);

	alloc(s, 1, 3, MMT_GFP_KERNEL, at(800));
	mem[803 * PS + PS - 1] ^= 0x5a; /* end cookie of page 3 */
	release(s, 1);
	expect_only("SHADOW-FILL");
	/* a write in the middle of a page is not a cookie: quiet */
	alloc(s, 1, 3, MMT_GFP_KERNEL, at(800));
	mem[803 * PS + 2000] ^= 0x5a;
	release(s, 1);
	expect_none();
	mmt_shadow_destroy(s);
}

MMT_TEST(shadow, fill_cookies_of_a_large_block)
{
	struct mmt_arena big = arena;
	struct mmt_shadow *s;

	big.nr_orders = 8;
	s = mmt_shadow_create(&big, STRICT_CAPS, 1, 1);
	cr_assert_not_null(s);
	mmt_shadow_alloc(s, 1, 5, MMT_OP_ALLOC_PAGES, 7, MMT_GFP_KERNEL,
			 at(768), &rep);
	expect_none();
	/* last page of the 128: always a cookie page */
	mem[(768 + 127) * PS] ^= 1;
	release(s, 5);
	expect_only("SHADOW-FILL");
	mmt_shadow_destroy(s);
}

/* A small zeroed block is read whole: one dirty byte anywhere in it is
 * found and named by its offset (the first and last byte, either side of
 * each 64-byte step and of a page boundary). */
MMT_TEST(shadow, zero_probe_names_the_dirty_offset)
{
	static const uint64_t offs[] = { 0,  7,	       8,	  63,
					 64, 65,       1234,	  PS - 1,
					 PS, PS + 640, 4 * PS - 1 };
	struct mmt_shadow *s = mk(STRICT_CAPS, 1);

	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		char want[64];

		memset(at(704), 0, 4 * PS);
		mem[704 * PS + offs[i]] = 0x5a;
		alloc(s, 1, 2, MMT_GFP_KERNEL | MMT_GFP_ZERO, at(704));
		snprintf(want, sizeof(want), "offset 0x%llx",
			 (unsigned long long)offs[i]);
		cr_assert_str_eq(rep.v[0].id, "SHADOW-ZERO");
		cr_assert_not_null(strstr(rep.v[0].message, want),
				   "dirty at 0x%llx: %s",
				   (unsigned long long)offs[i],
				   rep.v[0].message);
		expect_only("SHADOW-ZERO");
		mmt_shadow_release(s, 9, 1, &rep);
	}
	memset(at(704), 0, 4 * PS);
	alloc(s, 1, 2, MMT_GFP_KERNEL | MMT_GFP_ZERO, at(704));
	expect_none();
	mmt_shadow_release(s, 9, 1, &rep);
	mmt_shadow_destroy(s);
}

MMT_TEST(shadow, zero_requested_but_dirty)
{
	struct mmt_shadow *s = mk(STRICT_CAPS, 1);

	mem[700 * PS + 1234] = 7;
	alloc(s, 1, 0, MMT_GFP_KERNEL | MMT_GFP_ZERO, at(700));
	expect_only("SHADOW-ZERO");
	release(s, 1);
	mem[700 * PS + 1234] = 7;
	mmt_shadow_alloc(s, 1, 2, MMT_OP_GET_ZEROED_PAGE, 0, MMT_GFP_KERNEL,
			 at(700), &rep);
	expect_only("SHADOW-ZERO");
	release(s, 2);
	/* not asked zeroed: dirty memory is fine */
	mem[701 * PS] = 9;
	alloc(s, 3, 0, MMT_GFP_KERNEL, at(701));
	expect_none();
	mmt_shadow_destroy(s);
}

MMT_TEST(shadow, oracle_must_fail)
{
	struct mmt_shadow *s = mk(STRICT_CAPS, 1);
	struct mmt_arena nodma = arena;
	struct mmt_shadow *s2;

	alloc(s, 1, 4, MMT_GFP_KERNEL, at(768)); /* order 4 >= 4 orders */
	expect_only("ORACLE-MUST-FAIL");
	alloc(s, 2, 0, MMT_GFP_DMA | MMT_GFP_DMA32 | MMT_GFP_KERNEL, at(30));
	expect_only("ORACLE-MUST-FAIL");
	alloc(s, 3, 0, MMT_GFP_DMA32 | MMT_GFP_HIGHMEM, at(300));
	expect_only("ORACLE-MUST-FAIL");
	/* the same failing is right */
	alloc(s, 4, 4, MMT_GFP_KERNEL, NULL);
	alloc(s, 5, 0, MMT_GFP_DMA | MMT_GFP_HIGHMEM, NULL);
	expect_none();
	/* no populated zone the mask allows */
	nodma.zones[0].present = 0;
	s2 = mmt_shadow_create(&nodma, STRICT_CAPS, 1, 1);
	mmt_shadow_alloc(s2, 1, 1, MMT_OP_ALLOC_PAGE, 0, MMT_GFP_DMA, at(30),
			 &rep);
	cr_assert_eq(count("ORACLE-MUST-FAIL"), 1);
	mmt_shadow_destroy(s2);
	mmt_shadow_destroy(s);
}

MMT_TEST(shadow, oracle_must_fail_success_without_room)
{
	struct mmt_shadow *s = mk(STRICT_CAPS, 1);

	/* fill DMA with order-2 blocks (pfn 16..19 is reserved) */
	for (unsigned int i = 0; i < 63; i++)
		if (i != 4)
			alloc(s, i, 2, MMT_GFP_DMA, at(i * 4));
	expect_none();
	/* a DMA allocation "succeeds" on top of s0: no room existed */
	alloc(s, 100, 2, MMT_GFP_DMA, at(0));
	cr_assert_eq(count("SHADOW-OVERLAP"), 1);
	cr_assert_eq(count("ORACLE-MUST-FAIL"), 1);
	cr_assert_eq(rep.total, 2);
	mmt_shadow_destroy(s);
}

MMT_TEST(shadow, oracle_must_succeed)
{
	struct mmt_shadow *s = mk(STRICT_CAPS, 1);
	struct mmt_shadow *lax = mk(MMT_CAP_PAGES | MMT_CAP_ZONES, 0);

	alloc(s, 1, 3, MMT_GFP_KERNEL, NULL);
	expect_only("ORACLE-MUST-SUCCEED");
	/* not strict (no POLICY_BUDDY): a failure is allowed */
	alloc(lax, 1, 3, MMT_GFP_KERNEL, NULL);
	expect_none();
	/* DMA: take every order-3 block but one, then fail order 3 */
	for (unsigned int i = 0; i < 31; i++)
		if (i != 2 && i != 20)
			alloc(s, 10 + i, 3, MMT_GFP_DMA, at(i * 8));
	expect_none();
	alloc(s, 60, 3, MMT_GFP_DMA, NULL);
	expect_only("ORACLE-MUST-SUCCEED"); /* pfn 160..167 is free */
	cr_assert_eq(mmt_shadow_find_free(s, 3, 1u << MMT_ZONE_DMA), 160);
	alloc(s, 61, 3, MMT_GFP_DMA, at(160));
	alloc(s, 62, 3, MMT_GFP_DMA, NULL);
	expect_none();
	cr_assert_eq(mmt_shadow_find_free(s, 3, 1u << MMT_ZONE_DMA), -1);
	mmt_shadow_destroy(s);
	mmt_shadow_destroy(lax);
}

MMT_TEST(shadow, trace_alloc_and_free)
{
	struct mmt_shadow *s = mk(STRICT_CAPS | MMT_CAP_TRACE, 1);
	struct mmt_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = MMT_EV_PAGE_ALLOC;
	ev.pfn = 800;
	ev.order = 1;
	mmt_shadow_trace_reset(s);
	mmt_shadow_trace_event(s, &ev);
	alloc(s, 1, 1, MMT_GFP_KERNEL, at(800));
	expect_none();
	/* no event */
	mmt_shadow_trace_reset(s);
	alloc(s, 2, 1, MMT_GFP_KERNEL, at(802));
	expect_only("TRACE-ALLOC");
	/* wrong pfn */
	ev.pfn = 805;
	mmt_shadow_trace_reset(s);
	mmt_shadow_trace_event(s, &ev);
	alloc(s, 3, 1, MMT_GFP_KERNEL, at(804));
	expect_only("TRACE-ALLOC");
	/* a failed allocation may report one event without a page */
	ev.pfn = UINT64_MAX;
	mmt_shadow_trace_reset(s);
	mmt_shadow_trace_event(s, &ev);
	alloc(s, 4, 3, MMT_GFP_DMA | MMT_GFP_DMA32, NULL);
	expect_none();
	/* free: one mm_page_free with pfn and order */
	ev.type = MMT_EV_PAGE_FREE;
	ev.pfn = 800;
	ev.order = 1;
	mmt_shadow_trace_reset(s);
	mmt_shadow_trace_event(s, &ev);
	release(s, 1);
	expect_none();
	mmt_shadow_trace_reset(s);
	release(s, 2);
	expect_only("TRACE-FREE");
	/* without MMT_CAP_TRACE nothing is expected */
	{
		struct mmt_shadow *q = mk(STRICT_CAPS, 1);

		alloc(q, 1, 0, MMT_GFP_KERNEL, at(900));
		release(q, 1);
		expect_none();
		mmt_shadow_destroy(q);
	}
	mmt_shadow_destroy(s);
}

MMT_TEST(shadow, gfp_zone_rules)
{
	struct mmt_arena x32 = arena;

	/* x86_64-like arena: DMA, DMA32, Normal */
	cr_assert_eq(mmt_arena_allowed_zones(&arena, MMT_GFP_KERNEL), 7u);
	cr_assert_eq(mmt_arena_allowed_zones(&arena, MMT_GFP_DMA), 1u);
	cr_assert_eq(mmt_arena_allowed_zones(&arena, MMT_GFP_DMA32), 3u);
	/* no HighMem zone: __GFP_HIGHMEM means Normal */
	cr_assert_eq(mmt_arena_allowed_zones(&arena, MMT_GFP_HIGHMEM), 7u);
	cr_assert_eq(mmt_arena_allowed_zones(&arena,
					     MMT_GFP_HIGHMEM | MMT_GFP_MOVABLE),
		     7u);
	cr_assert_eq(mmt_arena_allowed_zones(&arena,
					     MMT_GFP_DMA | MMT_GFP_DMA32),
		     0u);
	cr_assert_eq(mmt_arena_allowed_zones(&arena,
					     MMT_GFP_DMA | MMT_GFP_HIGHMEM),
		     0u);
	cr_assert_eq(mmt_arena_allowed_zones(&arena,
					     MMT_GFP_DMA32 | MMT_GFP_HIGHMEM),
		     0u);
	/* x86_32-like: DMA, Normal, HighMem; no DMA32 zone */
	x32.zones[1].type = MMT_ZONE_NORMAL;
	x32.zones[2].type = MMT_ZONE_HIGHMEM;
	cr_assert_eq(mmt_arena_allowed_zones(&x32, MMT_GFP_HIGHMEM), 0xdu);
	cr_assert_eq(mmt_arena_allowed_zones(&x32, MMT_GFP_KERNEL), 0x5u);
	cr_assert_eq(mmt_arena_allowed_zones(&x32, MMT_GFP_DMA32), 0x5u);
	/* get_free_page(s) strip __GFP_HIGHMEM, get_zeroed_page adds ZERO */
	cr_assert_eq(mmt_shadow_effective_gfp(MMT_OP_GET_FREE_PAGES,
					      MMT_GFP_HIGHMEM | MMT_GFP_KERNEL),
		     MMT_GFP_KERNEL);
	cr_assert_eq(mmt_shadow_effective_gfp(MMT_OP_GET_ZEROED_PAGE,
					      MMT_GFP_KERNEL),
		     MMT_GFP_KERNEL | MMT_GFP_ZERO);
	cr_assert_eq(mmt_shadow_effective_gfp(MMT_OP_ALLOC_PAGES,
					      MMT_GFP_HIGHMEM),
		     MMT_GFP_HIGHMEM);
}

MMT_TEST(shadow, highmem_stripped_for_get_free_pages)
{
	struct mmt_arena x32 = arena;
	struct mmt_shadow *s;

	x32.zones[1].type = MMT_ZONE_NORMAL;
	x32.zones[2].type = MMT_ZONE_HIGHMEM;
	s = mmt_shadow_create(&x32, STRICT_CAPS, 1, 1);
	mmt_shadow_alloc(s, 1, 1, MMT_OP_ALLOC_PAGES, 0,
			 MMT_GFP_HIGHMEM | MMT_GFP_KERNEL, at(800), &rep);
	expect_none();
	mmt_shadow_alloc(s, 1, 2, MMT_OP_GET_FREE_PAGE, 0,
			 MMT_GFP_HIGHMEM | MMT_GFP_KERNEL, at(801), &rep);
	expect_only("SHADOW-ZONE");
	mmt_shadow_destroy(s);
}

MMT_TEST(shadow, arena_from_machine_zones)
{
	struct mmt_machine m;
	struct mmt_arena a;
	struct mmt_spec_error e;
	static const char spec[] = "bank=32M@0 bank=32M@4G reserve=4K@0";

	cr_assert_eq(mmt_machine_parse_spec(spec, strlen(spec), &m, &e), 0);
	mmt_arena_from_machine(&m, NULL, &a);
	cr_assert_eq(a.nr_pfns, (1ULL << 20) + 8192);
	cr_assert_eq(a.nr_zones, 3);
	cr_assert_eq(a.zones[0].type, MMT_ZONE_DMA);
	cr_assert_eq(a.zones[0].end_pfn, 4096);
	cr_assert_eq(a.zones[1].type, MMT_ZONE_DMA32);
	cr_assert_eq(a.zones[1].start_pfn, 4096);
	cr_assert_eq(a.zones[1].end_pfn, 1ULL << 20); /* the hole inside */
	cr_assert_eq(a.zones[2].type, MMT_ZONE_NORMAL);
	cr_assert_eq(a.zones[2].present, 1);
	cr_assert_eq(a.zones[2].start_pfn, 1ULL << 20);
	cr_assert_eq(a.nr_present, 2);
	cr_assert_eq(a.nr_reserved, 1);
	/* x86_32, 16M: DMA only populated */
	cr_assert_eq(mmt_machine_parse_spec("profile=x86_32 ram=16M", 22, &m,
					    &e),
		     0);
	mmt_arena_from_machine(&m, NULL, &a);
	cr_assert_eq(a.zones[0].present, 1);
	cr_assert_eq(a.zones[1].type, MMT_ZONE_NORMAL);
	cr_assert_eq(a.zones[1].present, 0);
	cr_assert_eq(a.zones[2].type, MMT_ZONE_HIGHMEM);
	cr_assert_eq(a.zones[2].present, 0);
}

MMT_TEST(shadow, sparse_layout_is_cheap)
{
	/* 32M at 0 and 32M at 1T-32M: the map covers present pages only */
	struct mmt_arena a;
	struct mmt_machine m;
	struct mmt_spec_error e;
	struct mmt_shadow *s;
	static const char spec[] = "bank=32M@0 bank=32M@1016G";

	cr_assert_eq(mmt_machine_parse_spec(spec, strlen(spec), &m, &e), 0,
		     "%s", e.message);
	mmt_arena_from_machine(&m, (void *)0x1000, &a);
	s = mmt_shadow_create(&a, STRICT_CAPS, 1, 1);
	cr_assert_not_null(s);
	cr_assert_eq(mmt_shadow_find_free(s, 10, 1u << MMT_ZONE_NORMAL),
		     (int64_t)((1016ULL << 30) >> 12));
	mmt_shadow_destroy(s);
}

/* Every cookie written this run goes: live blocks, freed ones, blocks of
 * more than 8 pages (sampled cookie pages), one filled twice. */
MMT_TEST(shadow, clear_fills_leaves_no_byte_written)
{
	struct mmt_shadow *s = mk(STRICT_CAPS, 1);
	size_t bytes = (size_t)NR_PFNS * PS;
	int written = 0;

	cr_assert_eq(alloc(s, 1, 3, MMT_GFP_KERNEL, at(800)), 1);
	cr_assert_eq(alloc(s, 2, 0, MMT_GFP_KERNEL, at(33)), 1);
	release(s, 2);
	cr_assert_eq(alloc(s, 2, 0, MMT_GFP_KERNEL | MMT_GFP_ZERO, at(34)), 1);
	cr_assert_eq(alloc(s, 3, 3, MMT_GFP_KERNEL, at(640)), 1);
	release(s, 3);
	for (size_t i = 0; i < bytes && !written; i++)
		written = mem[i] != 0;
	cr_assert(written, "the cookies are in the arena");
	cr_assert_eq(mmt_shadow_clear_fills(s), 0);
	for (size_t i = 0; i < bytes; i++)
		cr_assert_eq(mem[i], 0, "byte %zu (pfn %zu) left non-zero", i,
			     i / PS);
	/* nothing recorded twice: a second clear has nothing to do */
	cr_assert_eq(mmt_shadow_clear_fills(s), 0);
	mmt_shadow_destroy(s);
}

/* ------------------------------------------------------ mobility grouping */

/* DMA with every order-3 block taken but pfns 160..167, and in 200..231
 * only the odd pages free: 32 free pages, one free order-3 block. The
 * 6.12 watermarks: min 4, no reserve; pageblock_order 3 (the top). */
static struct mmt_shadow *grouping_state(void)
{
	struct mmt_shadow *s = mk(STRICT_CAPS | MMT_CAP_WATERMARKS, 1);
	struct mmt_wmarks w;
	unsigned int slot = 0;

	memset(&w, 0, sizeof(w));
	w.era = MMT_ERA_6_12;
	w.nr_orders = 4;
	w.pageblock_order = 3;
	for (int t = 0; t < MMT_NR_ZONE_TYPES; t++) {
		w.zone[t].exists = 1;
		w.zone[t].managed = t == MMT_ZONE_DMA ? 248 : 0;
	}
	w.zone[MMT_ZONE_DMA].mark[MMT_WMARK_MIN] = 4;
	w.zone[MMT_ZONE_DMA].mark[MMT_WMARK_LOW] = 5;
	w.zone[MMT_ZONE_DMA].mark[MMT_WMARK_HIGH] = 6;
	mmt_shadow_set_wmarks(s, &w);
	for (unsigned int i = 0; i < 31; i++)
		if (i != 2 && i != 20 && (i < 25 || i > 28))
			alloc(s, slot++, 3, MMT_GFP_DMA, at(i * 8));
	for (unsigned int p = 200; p < 232; p += 2)
		alloc(s, slot++, 0, MMT_GFP_DMA, at(p));
	mmt_shadow_trace_reset(s);
	expect_none();
	return s;
}

static void event(struct mmt_shadow *s, uint32_t type, uint64_t pfn,
		  uint32_t order, uint32_t value)
{
	struct mmt_event ev = { .type = type, .pfn = pfn, .order = order };

	if (type == MMT_EV_PAGEBLOCK_TYPE)
		ev.owner = value;
	else
		ev.gfp = value;
	mmt_shadow_trace_event(s, &ev);
}

MMT_TEST(shadow, the_highatomic_reserve_is_not_owed_to_every_request)
{
	struct mmt_shadow *s = grouping_state();
	const uint32_t blocking = MMT_GFP_KERNEL | MMT_GFP_DMA;

	/* nothing known of 160..167: a blocking order-3 request is owed it */
	alloc(s, 200, 3, blocking, NULL);
	expect_only("ORACLE-MUST-SUCCEED");
	/* its pageblock joins the highatomic reserve (type 3) */
	event(s, MMT_EV_PAGEBLOCK_TYPE, 160, 3, 3);
	mmt_shadow_trace_reset(s);
	alloc(s, 200, 3, blocking, NULL);
	expect_none();
	cr_assert_eq(mmt_shadow_find_usable(s, 3, 1u << MMT_ZONE_DMA), -1);
	cr_assert_eq(mmt_shadow_find_free(s, 3, 1u << MMT_ZONE_DMA), 160);
	/* GFP_ATOMIC order 3 (ALLOC_HIGHATOMIC) may take it: owed */
	mmt_shadow_trace_reset(s);
	alloc(s, 200, 3, MMT_GFP_ATOMIC | MMT_GFP_DMA, NULL);
	expect_only("ORACLE-MUST-SUCCEED");
	/* given back (type 0, UNMOVABLE): owed to everyone again */
	event(s, MMT_EV_PAGEBLOCK_TYPE, 160, 3, 0);
	mmt_shadow_trace_reset(s);
	alloc(s, 200, 3, blocking, NULL);
	expect_only("ORACLE-MUST-SUCCEED");
	mmt_shadow_destroy(s);
}

MMT_TEST(shadow, a_boost_raises_the_marks)
{
	struct mmt_shadow *s = grouping_state();

	/* 32 free, min 4: an order-0 request is owed a page */
	alloc(s, 200, 0, MMT_GFP_KERNEL | MMT_GFP_DMA, NULL);
	expect_only("ORACLE-MUST-SUCCEED");
	/* boosted by 100: min 104, more than is free */
	event(s, MMT_EV_ZONE_BOOST, 0, 0, 100);
	mmt_shadow_trace_reset(s);
	alloc(s, 200, 0, MMT_GFP_KERNEL | MMT_GFP_DMA, NULL);
	expect_none();
	/* a success then is below the boosted min: ORACLE-WATERMARK */
	mmt_shadow_trace_reset(s);
	alloc(s, 200, 0, MMT_GFP_KERNEL | MMT_GFP_DMA, at(201));
	expect_only("ORACLE-WATERMARK");
	release(s, 200);
	/* but not when the boost came during the op (after its check) */
	event(s, MMT_EV_ZONE_BOOST, 0, 0, 0);
	mmt_shadow_trace_reset(s);
	event(s, MMT_EV_ZONE_BOOST, 0, 0, 100);
	alloc(s, 200, 0, MMT_GFP_KERNEL | MMT_GFP_DMA, at(201));
	expect_none();
	mmt_shadow_destroy(s);
}

MMT_TEST(shadow, a_failure_is_judged_on_the_boost_it_decided_with)
{
	struct mmt_shadow *s = grouping_state();

	/* boosted by 100 when the request failed (its mm_page_alloc came
	 * without a page); kswapd's pass after the result takes the boost
	 * back: the failure was right, nothing is owed */
	event(s, MMT_EV_ZONE_BOOST, 0, 0, 100);
	mmt_shadow_trace_reset(s);
	event(s, MMT_EV_PAGE_ALLOC, UINT64_MAX, 0, 0);
	event(s, MMT_EV_ZONE_BOOST, 0, 0, 0);
	alloc(s, 200, 0, MMT_GFP_KERNEL | MMT_GFP_DMA, NULL);
	expect_none();
	/* the next request decides without the boost: owed */
	mmt_shadow_trace_reset(s);
	event(s, MMT_EV_PAGE_ALLOC, UINT64_MAX, 0, 0);
	alloc(s, 200, 0, MMT_GFP_KERNEL | MMT_GFP_DMA, NULL);
	expect_only("ORACLE-MUST-SUCCEED");
	/* a boost raised before the decision counts */
	mmt_shadow_trace_reset(s);
	event(s, MMT_EV_ZONE_BOOST, 0, 0, 100);
	event(s, MMT_EV_PAGE_ALLOC, UINT64_MAX, 0, 0);
	alloc(s, 200, 0, MMT_GFP_KERNEL | MMT_GFP_DMA, NULL);
	expect_none();
	mmt_shadow_destroy(s);
}
