/* SPDX-License-Identifier: MIT */
/*
 * tests/ref/test_gfp.c - GFP masks: gfp_zone()'s table on both profiles,
 * its forbidden combinations (GFP_ZONE_BAD) failing as the caller's
 * error, counted with their text; and warn_alloc(), the page allocation
 * failure warning: its text line by line, when it is given and when not.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "leakcheck.h"
#include "internal.h"
#include "ref/fault.h"
#include "ref_machine.h"

#define DMA REF_GFP_DMA
#define D32 REF_GFP_DMA32
#define HI REF_GFP_HIGHMEM
#define MOV REF_GFP_MOVABLE

/* The eight GFP_ZONE_BAD combinations of the zone modifiers. */
static const ref_gfp_t zone_bad[] = {
	DMA | HI,	DMA | D32,	 D32 | HI,	 DMA | D32 | HI,
	MOV | DMA | HI, MOV | DMA | D32, MOV | D32 | HI, MOV | DMA | D32 | HI,
};

MMT_TEST(gfp, gfp_zone_picks_the_highest_zone_the_profile_has)
{
	struct ref_mm *m64 = make("");
	struct ref_mm *m32 = make("profile=x86_32,ram=1G");
	/* index: the four zone bits; -1 forbidden */
	static const int want64[16] = {
		[0x0] = REF_ZONE_NORMAL,
		[0x1] = REF_ZONE_DMA,
		[0x2] = REF_ZONE_NORMAL,
		[0x3] = -1,
		[0x4] = REF_ZONE_DMA32,
		[0x5] = -1,
		[0x6] = -1,
		[0x7] = -1,
		[0x8] = REF_ZONE_NORMAL,
		[0x9] = REF_ZONE_DMA,
		[0xa] = REF_ZONE_NORMAL,
		[0xb] = -1,
		[0xc] = REF_ZONE_DMA32,
		[0xd] = -1,
		[0xe] = -1,
		[0xf] = -1,
	};
	static const int want32[16] = {
		[0x0] = REF_ZONE_NORMAL,
		[0x1] = REF_ZONE_DMA,
		[0x2] = REF_ZONE_HIGHMEM,
		[0x3] = -1,
		[0x4] = REF_ZONE_NORMAL,
		[0x5] = -1,
		[0x6] = -1,
		[0x7] = -1,
		[0x8] = REF_ZONE_NORMAL,
		[0x9] = REF_ZONE_DMA,
		[0xa] = REF_ZONE_HIGHMEM,
		[0xb] = -1,
		[0xc] = REF_ZONE_NORMAL,
		[0xd] = -1,
		[0xe] = -1,
		[0xf] = -1,
	};

	for (ref_gfp_t z = 0; z < 16; z++) {
		cr_assert_eq(ref_gfp_zone(m64, REF_GFP_KERNEL | z), want64[z],
			     "x86_64 zone bits 0x%x", z);
		cr_assert_eq(ref_gfp_zone(m32, REF_GFP_KERNEL | z), want32[z],
			     "x86_32 zone bits 0x%x", z);
	}
	ref_mm_destroy(m64);
	ref_mm_destroy(m32);
}

MMT_TEST(gfp, a_forbidden_zone_combination_fails_and_is_counted)
{
	struct ref_mm *mm = make("");
	char msg[400];

	cr_assert_eq(ref_gfp_zone_bad_count(mm), 0);
	cr_assert_eq(ref_gfp_zone_bad_last(mm, msg, sizeof(msg)), 0);
	for (unsigned int i = 0; i < REF_ARRAY_SIZE(zone_bad); i++) {
		cr_assert_null(
			ref_alloc_pages(mm, REF_GFP_KERNEL | zone_bad[i], 0));
		cr_assert_eq(ref_gfp_zone_bad_count(mm), i + 1);
	}
	/* the latest names its mask as show_gfp_flags spells it */
	cr_assert_null(ref_alloc_page(mm, REF_GFP_ATOMIC | DMA | D32));
	ref_gfp_zone_bad_last(mm, msg, sizeof(msg));
	cr_assert_str_eq(
		msg,
		"gfp_zone: mode:0x825(GFP_ATOMIC|GFP_DMA|GFP_DMA32) names more "
		"than one of __GFP_DMA, __GFP_DMA32 and __GFP_HIGHMEM "
		"(GFP_ZONE_BAD: a VM_BUG_ON in the kernel)");
	cr_assert_eq(ref_gfp_zone_bad_count(mm), 9);
	/* nothing else is a bad page, and the machine is untouched */
	cr_assert_eq(ref_bad_page_count(mm), 0);
	cr_assert_eq(ref_nr_free_pages(mm), ref_totalram_pages(mm));
	ref_mm_destroy(mm);
}

MMT_TEST(gfp, allowed_masks_and_impossible_orders_are_not_counted)
{
	struct ref_mm *mm = make("");
	struct ref_page *p;
	unsigned long a;

	for (ref_gfp_t z = 0; z < 16; z++) {
		if (ref_gfp_zone(mm, z) < 0)
			continue;
		p = ref_alloc_page(mm, REF_GFP_KERNEL | z);
		cr_assert_not_null(p, "zone bits 0x%x", z);
		cr_assert_eq(ref_free_pages_page(mm, p, 0), 0);
	}
	/* the order is refused first: gfp_zone never sees the mask */
	cr_assert_null(ref_alloc_pages(mm, REF_GFP_KERNEL | DMA | HI, 11));
	/* __get_free_pages drops __GFP_HIGHMEM: DMA|HIGHMEM becomes DMA */
	a = ref_get_free_pages(mm, REF_GFP_KERNEL | DMA | HI, 0);
	cr_assert_neq(a, 0);
	cr_assert_eq(ref_free_pages(mm, a, 0), 0);
	cr_assert_eq(ref_gfp_zone_bad_count(mm), 0);
	ref_mm_destroy(mm);
}

MMT_TEST(gfp, a_forbidden_mask_is_counted_before_fault_injection)
{
	struct ref_mm *mm = make("ram=8M,fail_probability=100,fail_times=1");

	/* gfp_zone runs first: counted, and still the call fault injection
	 * fails (it takes the one failure) */
	cr_assert_null(ref_alloc_page(mm, REF_GFP_KERNEL | DMA | D32));
	cr_assert_eq(ref_gfp_zone_bad_count(mm), 1);
	cr_assert_eq(ref_fault_count(mm), 1);
	cr_assert_not_null(ref_alloc_page(mm, REF_GFP_KERNEL));
	ref_mm_destroy(mm);
}

MMT_TEST(gfp, reset_forgets_the_count_and_the_text)
{
	struct ref_mm *mm = make("");
	char msg[64];

	cr_assert_null(ref_alloc_page(mm, REF_GFP_KERNEL | DMA | HI));
	cr_assert_eq(ref_gfp_zone_bad_count(mm), 1);
	cr_assert_eq(ref_mm_reset(mm), 0);
	cr_assert_eq(ref_gfp_zone_bad_count(mm), 0);
	cr_assert_eq(ref_gfp_zone_bad_last(mm, msg, sizeof(msg)), 0);
	cr_assert_str_eq(msg, "");
	ref_mm_destroy(mm);
}

/* ------------------------------------------------------------ warn_alloc */

/* Split text at '\n' into lines[] (at most max); returns how many. */
static size_t split_lines(char *text, char **lines, size_t max)
{
	size_t n = 0;

	for (char *p = text; *p && n < max;) {
		char *nl = strchr(p, '\n');

		cr_assert_not_null(nl, "line %zu does not end in a newline", n);
		*nl = '\0';
		lines[n++] = p;
		p = nl + 1;
	}
	return n;
}

static void expect_lines(char *text, const char *const *want, size_t nr)
{
	char *got[16];
	size_t n = split_lines(text, got, 16);

	for (size_t i = 0; i < n && i < nr; i++)
		cr_assert_str_eq(got[i], want[i], "line %zu", i + 1);
	cr_assert_eq(n, nr, "%zu lines, want %zu", n, nr);
}

/*
 * 32M x86_64, 6.12: DMA [0, 16M) and DMA32 [16M, 32M), 4096 pages each.
 * min_free_kbytes = int_sqrt(32768 * 16) = 724: min 181 pages, 90 per
 * zone by managed share (360kB); low = min + max(min / 4, managed * 10 /
 * 10000) = 112 (448kB), high 134 (536kB). DMA's lowmem_reserve against
 * DMA32 and Normal is 4096 / 256 = 16, and Movable repeats Normal's.
 * One order-10 block and one page come from DMA32 (the page splits a
 * block: one free block of each order 0..9 is left there), then order-10
 * blocks until none passes: two more from DMA32, three from DMA, whose
 * last block then leaves 1 page against min + 16. Every pageblock is
 * MOVABLE at boot; these UNMOVABLE requests claim whole blocks, so the
 * split one's pieces are (U), and DMA's last block, untouched, is (M).
 */
static const char *const warn_32m[] = {
	"mmtorture: page allocation failure: order:10, "
	"mode:0xcc0(GFP_KERNEL), nodemask=(null)",
	"Node 0 DMA free:4096kB boost:0kB min:360kB low:448kB high:536kB "
	"reserved_highatomic:0KB active_anon:0kB inactive_anon:0kB "
	"active_file:0kB inactive_file:0kB unevictable:0kB writepending:0kB "
	"present:16384kB managed:16384kB mlocked:0kB bounce:0kB "
	"free_pcp:0kB local_pcp:0kB free_cma:0kB",
	"lowmem_reserve[]: 0 16 16 16",
	"Node 0 DMA32 free:4092kB boost:0kB min:360kB low:448kB high:536kB "
	"reserved_highatomic:0KB active_anon:0kB inactive_anon:0kB "
	"active_file:0kB inactive_file:0kB unevictable:0kB writepending:0kB "
	"present:16384kB managed:16384kB mlocked:0kB bounce:0kB "
	"free_pcp:0kB local_pcp:0kB free_cma:0kB",
	"lowmem_reserve[]: 0 0 0 0",
	"Node 0 DMA: 0*4kB 0*8kB 0*16kB 0*32kB 0*64kB 0*128kB 0*256kB "
	"0*512kB 0*1024kB 0*2048kB 1*4096kB (M) = 4096kB",
	"Node 0 DMA32: 1*4kB (U) 1*8kB (U) 1*16kB (U) 1*32kB (U) 1*64kB (U) "
	"1*128kB (U) 1*256kB (U) 1*512kB (U) 1*1024kB (U) 1*2048kB (U) "
	"0*4096kB = 4092kB",
};

static struct ref_mm *fill_32m(void)
{
	struct ref_mm *mm = make("ram=32M,cpus=2");
	int n = 0;

	cr_assert_not_null(ref_alloc_pages(mm, REF_GFP_KERNEL, 10));
	cr_assert_not_null(ref_alloc_page(mm, REF_GFP_KERNEL));
	while (ref_alloc_pages(mm, REF_GFP_KERNEL, 10))
		n++;
	cr_assert_eq(n, 5);
	return mm;
}

MMT_TEST(gfp, warn_alloc_prints_the_kernels_warning_and_zone_state)
{
	struct ref_mm *mm = fill_32m();
	char text[4096];
	size_t n;

	cr_assert_eq(ref_alloc_warn_count(mm), 1);
	n = ref_alloc_warn_last(mm, text, sizeof(text));
	cr_assert_eq(n, strlen(text));
	expect_lines(text, warn_32m, REF_ARRAY_SIZE(warn_32m));
	ref_mm_destroy(mm);
}

MMT_TEST(gfp, warn_alloc_shows_the_zones_up_to_the_requests_own)
{
	struct ref_mm *mm = fill_32m();
	char text[4096];
	const char *const want[] = { "mmtorture: page allocation failure: "
				     "order:10, mode:0xcc1(GFP_KERNEL|GFP_DMA), "
				     "nodemask=(null)",
				     warn_32m[1], warn_32m[2], warn_32m[5] };

	/* GFP_DMA: gfp_zone() is DMA, so DMA32 is not shown */
	cr_assert_null(ref_alloc_pages(mm, REF_GFP_KERNEL | DMA, 10));
	cr_assert_eq(ref_alloc_warn_count(mm), 2);
	ref_alloc_warn_last(mm, text, sizeof(text));
	expect_lines(text, want, REF_ARRAY_SIZE(want));
	ref_mm_destroy(mm);
}

MMT_TEST(gfp, warn_alloc_in_kb_of_8k_pages_and_on_x86_32)
{
	struct ref_mm *mm = make("profile=x86_32,ram=1G,page=8K,era=2.6");
	char text[8192], *lines[16];
	size_t n;

	/* an order-10 block of 8K pages is 8M: HighMem (896M..1G) holds
	 * 16, Normal and DMA the rest; ask for more than there is */
	while (ref_alloc_pages(mm, REF_GFP_HIGHUSER, 10))
		;
	cr_assert_eq(ref_alloc_warn_count(mm), 1);
	ref_alloc_warn_last(mm, text, sizeof(text));
	n = split_lines(text, lines, 16);
	cr_assert_eq(n, 1 + 3 * 2 + 3, "%s", text);
	cr_assert(strstr(lines[0], "order:10, mode:0x100cc2(GFP_HIGHUSER)"),
		  "%s", lines[0]);
	cr_assert(!strncmp(lines[5], "Node 0 HighMem free:", 20), "%s",
		  lines[5]);
	/* 2.6.18's zone array: DMA, DMA32, Normal, HighMem */
	cr_assert(!strncmp(lines[6], "lowmem_reserve[]: 0 0 0 0", 25), "%s",
		  lines[6]);
	cr_assert(!strncmp(lines[7], "Node 0 DMA: 0*8kB 0*16kB", 24), "%s",
		  lines[7]);
	cr_assert(!strncmp(lines[9], "Node 0 HighMem: ", 16), "%s", lines[9]);
	/* HighMem's last 8M block stays: 1 page above min is no pass */
	cr_assert(strstr(lines[9], " 0*4096kB 1*8192kB (U) = 8192kB"), "%s",
		  lines[9]);
	ref_mm_destroy(mm);
}

MMT_TEST(gfp, warn_alloc_shows_the_boost_in_the_marks)
{
	struct ref_mm *mm = fill_32m();
	char text[4096], *lines[16];
	const char *const want = "Node 0 DMA free:4096kB boost:128kB "
				 "min:488kB low:576kB high:664kB "
				 "reserved_highatomic:2048KB ";

	/* 32 pages of boost on DMA: min 90 + 32 = 122 pages (488kB), low
	 * 144 (576kB), high 166 (664kB); and a 512-page highatomic reserve
	 * counted (the zone's figure, shown as the kernel's KB) */
	mm->zones[REF_ZONE_DMA].watermark_boost = 32;
	mm->zones[REF_ZONE_DMA].nr_reserved_highatomic = 512;
	cr_assert_null(ref_alloc_pages(mm, REF_GFP_KERNEL | DMA, 10));
	ref_alloc_warn_last(mm, text, sizeof(text));
	cr_assert_eq(split_lines(text, lines, 16), 4);
	cr_assert(!strncmp(lines[1], want, strlen(want)), "%s", lines[1]);
	mm->zones[REF_ZONE_DMA].watermark_boost = 0;
	mm->zones[REF_ZONE_DMA].nr_reserved_highatomic = 0;
	ref_mm_destroy(mm);
}

MMT_TEST(gfp, warn_alloc_names_each_migrate_type_with_a_free_block)
{
	struct ref_mm *mm = make("ram=4M,orders=3");
	struct ref_alloc_warn w;
	char text[1024], *lines[8];
	const char *const want =
		"Node 0 DMA: 3*4kB (UM) 1*8kB (EHI) 0*16kB = 20kB";

	/* a snapshot made by hand: DMA shown, order 0 on the UNMOVABLE and
	 * MOVABLE lists, order 1 on RECLAIMABLE, HIGHATOMIC and ISOLATE */
	memset(&w, 0, sizeof(w));
	w.gfp = REF_GFP_KERNEL;
	w.zone[REF_ZONE_DMA].shown = 1;
	w.zone[REF_ZONE_DMA].nr_free[0] = 3;
	w.zone[REF_ZONE_DMA].types[0] = 1u << REF_MIGRATE_UNMOVABLE |
					1u << REF_MIGRATE_MOVABLE;
	w.zone[REF_ZONE_DMA].nr_free[1] = 1;
	w.zone[REF_ZONE_DMA].types[1] = 1u << REF_MIGRATE_RECLAIMABLE |
					1u << REF_MIGRATE_HIGHATOMIC |
					1u << REF_MIGRATE_ISOLATE;
	ref_alloc_warn_format(mm, &w, text, sizeof(text));
	cr_assert_eq(split_lines(text, lines, 8), 4);
	cr_assert_str_eq(lines[3], want);
	ref_mm_destroy(mm);
}

MMT_TEST(gfp, no_warning_with_gfp_nowarn)
{
	struct ref_mm *mm = fill_32m();
	char text[4096];

	cr_assert_eq(ref_alloc_warn_count(mm), 1);
	cr_assert_null(
		ref_alloc_pages(mm, REF_GFP_KERNEL | REF_GFP_NOWARN, 10));
	cr_assert_null(ref_alloc_pages(mm, REF_GFP_NOWAIT, 10));
	cr_assert_eq(ref_alloc_warn_count(mm), 1, "__GFP_NOWARN warned");
	/* the one before is still the latest */
	ref_alloc_warn_last(mm, text, sizeof(text));
	cr_assert(strstr(text, "mode:0xcc0(GFP_KERNEL)"), "%s", text);
	ref_mm_destroy(mm);
}

MMT_TEST(gfp, every_failure_warns_and_no_other_does)
{
	struct ref_mm *mm = fill_32m();
	struct ref_mm *nodma = make("bank=8M@16M");
	struct ref_mm *inj = make("ram=8M,fail_probability=100");
	char text[4096];

	/* no rate limit: each one is counted */
	for (int i = 0; i < 20; i++)
		cr_assert_null(ref_alloc_pages(mm, REF_GFP_KERNEL, 10));
	cr_assert_eq(ref_alloc_warn_count(mm), 21);
	/* a __GFP_NOFAIL request that cannot reclaim fails with the
	 * warning; one that may reclaim would be retried for ever */
	cr_assert_null(
		ref_alloc_pages(mm, REF_GFP_ATOMIC | REF_GFP_NOFAIL, 10));
	cr_assert_eq(ref_alloc_warn_count(mm), 22);
	cr_assert_null(
		ref_alloc_pages(mm, REF_GFP_KERNEL | REF_GFP_NOFAIL, 10));
	cr_assert_eq(ref_nofail_stuck_count(mm), 1);
	/* refused before the slow path: an order too high, a mask
	 * gfp_zone() forbids */
	cr_assert_null(ref_alloc_pages(mm, REF_GFP_KERNEL, 11));
	cr_assert_null(ref_alloc_pages(mm, REF_GFP_KERNEL | DMA | D32, 0));
	cr_assert_eq(ref_alloc_warn_count(mm), 22);
	/* a mask of no bit at all: the kernel's %#x says 0x0, %pGg
	 * nothing */
	cr_assert_null(ref_alloc_pages(mm, 0, 10));
	ref_alloc_warn_last(mm, text, sizeof(text));
	cr_assert(!strncmp(text,
			   "mmtorture: page allocation failure: order:10, "
			   "mode:0x0(), nodemask=(null)\n",
			   73),
		  "%s", text);
	/* __GFP_DMA with no DMA pages at all (has_managed_dma()) */
	cr_assert_null(ref_alloc_page(nodma, REF_GFP_KERNEL | DMA));
	cr_assert_eq(ref_alloc_warn_count(nodma), 0);
	cr_assert_not_null(ref_alloc_page(nodma, REF_GFP_KERNEL));
	cr_assert_eq(ref_alloc_warn_count(nodma), 0);
	/* fault injection fails the call before the slow path */
	cr_assert_null(ref_alloc_page(inj, REF_GFP_KERNEL));
	cr_assert_eq(ref_fault_count(inj), 1);
	cr_assert_eq(ref_alloc_warn_count(inj), 0);
	ref_mm_destroy(mm);
	ref_mm_destroy(nodma);
	ref_mm_destroy(inj);
}

/* The events a subscriber saw: types in order, the warning's text. */
struct seen {
	struct ref_mm *mm;
	enum ref_trace_type type[8];
	int n;
	char warn[4096];
};

static void on_event(void *ctx, const struct ref_trace_event *ev)
{
	struct seen *s = ctx;

	if (s->n < 8)
		s->type[s->n++] = ev->type;
	if (ev->type == REF_TRACE_WARN_ALLOC) {
		cr_assert_not_null(ev->warn);
		cr_assert_null(ev->page);
		cr_assert_str_eq(ev->name, "warn_alloc");
		ref_trace_format(s->mm, ev, s->warn, sizeof(s->warn));
	}
}

MMT_TEST(gfp, warn_alloc_goes_to_the_trace_subscriber_first)
{
	struct ref_mm *mm = fill_32m();
	struct seen s;
	char last[4096];

	memset(&s, 0, sizeof(s));
	s.mm = mm;
	ref_trace_subscribe(mm, on_event, &s);
	cr_assert_null(ref_alloc_pages(mm, REF_GFP_KERNEL, 10));
	cr_assert_eq(s.n, 2);
	cr_assert_eq(s.type[0], REF_TRACE_WARN_ALLOC);
	cr_assert_eq(s.type[1], REF_TRACE_MM_PAGE_ALLOC);
	ref_alloc_warn_last(mm, last, sizeof(last));
	cr_assert_str_eq(s.warn, last);
	ref_trace_subscribe(mm, NULL, NULL);
	ref_mm_destroy(mm);
}

MMT_TEST(gfp, reset_forgets_the_warnings)
{
	struct ref_mm *mm = fill_32m();
	char text[64] = "x";

	cr_assert_eq(ref_mm_reset(mm), 0);
	cr_assert_eq(ref_alloc_warn_count(mm), 0);
	cr_assert_eq(ref_alloc_warn_last(mm, text, sizeof(text)), 0);
	cr_assert_str_eq(text, "");
	ref_mm_destroy(mm);
}
