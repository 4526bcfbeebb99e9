/* SPDX-License-Identifier: MIT */
/*
 * tests/ref/test_compound.c - compound pages (__GFP_COMP): what an
 * allocation marks (head, tails pointing at it, the order on the first
 * tail), what a free clears, and the frees refused as bad pages (a tail
 * freed, a tail whose head pointer or mark is wrong, a stored order that
 * differs), in both eras and through both the per-CPU lists and the buddy.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "leakcheck.h"
#include "internal.h"
#include "ref_machine.h"

/* Every page of the block at page holds the compound marks of order. */
static void expect_compound(struct ref_page *page, unsigned int order)
{
	cr_assert(ref_page_test(page, REF_PG_head));
	cr_assert(!ref_page_test(page, REF_PG_tail));
	cr_assert_eq(page[1].compound_order, order);
	for (unsigned long i = 1; i < (1UL << order); i++) {
		cr_assert(ref_page_test(&page[i], REF_PG_tail), "tail %lu", i);
		cr_assert(!ref_page_test(&page[i], REF_PG_head), "tail %lu", i);
		cr_assert_eq(page[i].compound_head, page, "tail %lu", i);
	}
}

/* No page of the 2^order at page holds a compound mark or field. */
static void expect_plain(struct ref_page *page, unsigned int order)
{
	for (unsigned long i = 0; i < (1UL << order); i++) {
		cr_assert(!ref_page_test(&page[i], REF_PG_head), "page %lu", i);
		cr_assert(!ref_page_test(&page[i], REF_PG_tail), "page %lu", i);
		if (i)
			cr_assert_null(page[i].compound_head, "page %lu", i);
	}
	if (order)
		cr_assert_eq(page[1].compound_order, 0);
}

/*
 * Allocate and free a compound page at each order that takes a different
 * path (6.12: per-CPU lists for 1..3 and the THP order, the buddy for the
 * rest; 2.6.18: the buddy for every order above 0).
 */
static void alloc_and_free_each_path(const char *spec)
{
	static const unsigned int orders[] = { 1, 3, 5, 9, 10 };
	struct ref_mm *mm = make(spec);

	for (unsigned int i = 0; i < REF_ARRAY_SIZE(orders); i++) {
		unsigned int o = orders[i];
		struct ref_page *p =
			ref_alloc_pages(mm, REF_GFP_KERNEL | REF_GFP_COMP, o);

		cr_assert_not_null(p, "%s order %u", spec, o);
		expect_compound(p, o);
		expect_healthy(mm);
		cr_assert_eq(ref_free_pages_page(mm, p, o), 0);
		expect_plain(p, o);
		expect_healthy(mm);
	}
	cr_assert_eq(ref_bad_page_count(mm), 0);
	ref_mm_destroy(mm);
}

MMT_TEST(compound, gfp_comp_marks_head_and_tails_and_free_clears_them)
{
	alloc_and_free_each_path("era=6.12");
	alloc_and_free_each_path("era=2.6");
	alloc_and_free_each_path("profile=x86_32,ram=1G");
}

MMT_TEST(compound, order_0_and_requests_without_gfp_comp_are_not_compound)
{
	struct ref_mm *mm = make("");
	struct ref_page *one =
		ref_alloc_pages(mm, REF_GFP_KERNEL | REF_GFP_COMP, 0);
	struct ref_page *plain = ref_alloc_pages(mm, REF_GFP_KERNEL, 4);

	cr_assert_not_null(one);
	cr_assert_not_null(plain);
	expect_plain(one, 0);
	expect_plain(plain, 4);
	expect_healthy(mm);
	cr_assert_eq(ref_free_pages_page(mm, one, 0), 0);
	cr_assert_eq(ref_free_pages_page(mm, plain, 4), 0);
	ref_mm_destroy(mm);
}

MMT_TEST(compound, a_zeroed_compound_page_by_address)
{
	struct ref_mm *mm = make("era=2.6");
	unsigned long a = ref_get_free_pages(
		mm, REF_GFP_KERNEL | REF_GFP_COMP | REF_GFP_ZERO, 2);
	struct ref_page *p = ref_virt_to_page(mm, (void *)a);

	cr_assert_neq(a, 0);
	expect_compound(p, 2);
	cr_assert_eq(ref_free_pages(mm, a, 2), 0);
	expect_plain(p, 2);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

/* The free is refused as a bad page whose text holds want, counted once,
 * and the compound page is left live as it was. */
static void expect_refused(struct ref_mm *mm, int rc, unsigned long count,
			   const char *want)
{
	char msg[256];

	cr_assert_eq(rc, -1, "free accepted, expected '%s'", want);
	cr_assert_eq(ref_bad_page_count(mm), count);
	ref_bad_page_last(mm, msg, sizeof(msg));
	cr_assert(strstr(msg, want), "message '%s' lacks '%s'", msg, want);
}

MMT_TEST(compound, freeing_a_tail_page_is_a_bad_page)
{
	struct ref_mm *mm = make("");
	struct ref_page *p =
		ref_alloc_pages(mm, REF_GFP_KERNEL | REF_GFP_COMP, 2);
	char want[96];

	snprintf(want, sizeof(want),
		 "tail page (PG_tail) of the compound page at pfn 0x%lx",
		 ref_page_to_pfn(mm, p));
	expect_refused(mm, ref_free_pages_page(mm, &p[1], 0), 1, want);
	expect_refused(mm, ref_free_pages_page(mm, &p[3], 2), 2, want);
	expect_compound(p, 2);
	expect_healthy(mm);
	cr_assert_eq(ref_free_pages_page(mm, p, 2), 0);
	ref_mm_destroy(mm);
}

MMT_TEST(compound, a_tail_with_the_wrong_head_is_a_bad_page)
{
	struct ref_mm *mm = make("");
	struct ref_page *p =
		ref_alloc_pages(mm, REF_GFP_KERNEL | REF_GFP_COMP, 3);
	struct ref_page *q = ref_alloc_page(mm, REF_GFP_KERNEL);
	char msg[256];

	p[6].compound_head = q;
	expect_refused(mm, ref_free_pages_page(mm, p, 3), 1,
		       "compound_head not consistent");
	ref_bad_page_last(mm, msg, sizeof(msg));
	cr_assert(strstr(msg, "pfn:0x"), "%s", msg);
	/* refused: the tails are as they were, the bad one included */
	cr_assert(ref_page_test(p, REF_PG_head));
	cr_assert(ref_page_test(&p[6], REF_PG_tail));
	cr_assert_eq(p[6].compound_head, q);
	p[6].compound_head = p;
	expect_healthy(mm);
	cr_assert_eq(ref_free_pages_page(mm, p, 3), 0);
	cr_assert_eq(ref_free_pages_page(mm, q, 0), 0);
	ref_mm_destroy(mm);
}

MMT_TEST(compound, a_tail_without_its_mark_is_a_bad_page)
{
	struct ref_mm *mm = make("era=2.6");
	struct ref_page *p =
		ref_alloc_pages(mm, REF_GFP_KERNEL | REF_GFP_COMP, 4);

	p[15].flags &= ~(1UL << REF_PG_tail);
	expect_refused(mm, ref_free_pages_page(mm, p, 4), 1,
		       "PageTail not set");
	cr_assert_eq(p[1].compound_order, 4, "nothing was cleared");
	p[15].flags |= 1UL << REF_PG_tail;
	cr_assert_eq(ref_free_pages_page(mm, p, 4), 0);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(compound, a_stored_order_that_differs_is_a_bad_page)
{
	struct ref_mm *mm = make("");
	struct ref_page *p =
		ref_alloc_pages(mm, REF_GFP_KERNEL | REF_GFP_COMP, 1);

	p[1].compound_order = 0;
	expect_refused(mm, ref_free_pages_page(mm, p, 1), 1,
		       "the compound page stores order 0");
	p[1].compound_order = 1;
	cr_assert_eq(ref_free_pages_page(mm, p, 1), 0);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}
