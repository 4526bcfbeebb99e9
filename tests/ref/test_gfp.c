/* SPDX-License-Identifier: MIT */
/*
 * tests/ref/test_gfp.c - GFP masks: gfp_zone()'s table on both profiles,
 * and its forbidden combinations (GFP_ZONE_BAD) failing as the caller's
 * error, counted with their text.
 */
#include <criterion/criterion.h>
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
