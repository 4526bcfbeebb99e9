/* SPDX-License-Identifier: MIT */
/*
 * tests/ref/test_reset.c - what ref/ leaves in RAM: it writes RAM only to
 * zero it (__GFP_ZERO), so a machine its users did not write reads zero
 * after any allocations and frees; ref_mm_reset() keeps RAM as it is
 * (clearing what they wrote is the users' part, as mm.h says).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "leakcheck.h"
#include "internal.h"
#include "ref_machine.h"

static long first_dirty(const struct ref_mm *mm)
{
	for (size_t i = 0; i < mm->max_pfn * mm->page_size; i++)
		if (mm->phys[i])
			return (long)i;
	return -1;
}

MMT_TEST(reset, ref_writes_only_zeroes_into_ram)
{
	struct ref_mm *mm = make("ram=4M");
	struct ref_page *p[8];

	for (int round = 0; round < 2; round++) {
		for (unsigned int o = 0; o < 8; o++) {
			p[o] = ref_alloc_pages(mm,
					       o % 2 ? REF_GFP_KERNEL |
							       REF_GFP_ZERO :
						       REF_GFP_KERNEL,
					       o);
			cr_assert_not_null(p[o], "order %u", o);
		}
		for (unsigned int o = 0; o < 8; o++)
			cr_assert_eq(ref_free_pages_page(mm, p[o], o), 0);
		cr_assert_eq(ref_mm_reset(mm), 0);
	}
	cr_assert_eq(first_dirty(mm), -1, "ref wrote a non-zero byte");
	ref_mm_destroy(mm);
}

MMT_TEST(reset, reset_keeps_ram)
{
	struct ref_mm *mm = make("ram=4M");

	mm->phys[12345] = 0x5a;
	cr_assert_eq(ref_mm_reset(mm), 0);
	cr_assert_eq(mm->phys[12345], 0x5a);
	mm->phys[12345] = 0;
	ref_mm_destroy(mm);
}
