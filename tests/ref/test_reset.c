/* SPDX-License-Identifier: MIT */
/*
 * tests/ref/test_reset.c - a rebooted machine's RAM reads zero: after
 * ref_mm_reset() or ref_mm_recreate(), every page the buddy handed out
 * before (and its owner wrote) reads zero again, as on a new machine.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "leakcheck.h"
#include "internal.h"

static struct ref_mm *make(const char *spec)
{
	struct ref_config c;
	struct ref_mm *mm = NULL;
	char err[256] = "";

	ref_config_init(&c);
	cr_assert_eq(ref_config_parse(&c, spec, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(ref_mm_create(&c, &mm, err, sizeof(err)), 0, "%s", err);
	return mm;
}

/* Allocate blocks of every order up to 5, fill every byte, free them. */
static void dirty(struct ref_mm *mm)
{
	struct ref_page *p[6];

	for (unsigned int o = 0; o < 6; o++) {
		p[o] = ref_alloc_pages(mm, REF_GFP_KERNEL, o);
		cr_assert_not_null(p[o], "order %u", o);
		memset(mm->phys + ref_page_to_pfn(mm, p[o]) * mm->page_size,
		       0xa5, mm->page_size << o);
	}
	for (unsigned int o = 0; o < 6; o++)
		cr_assert_eq(ref_free_pages_page(mm, p[o], o), 0);
}

/* Offset of the first non-zero byte of the first pages of RAM, or -1. */
static long first_dirty(const struct ref_mm *mm, unsigned long pages)
{
	for (size_t i = 0; i < pages * mm->page_size; i++)
		if (mm->phys[i])
			return (long)i;
	return -1;
}

MMT_TEST(reset, ram_reads_zero_after_reset)
{
	struct ref_mm *mm = make("ram=8M");

	dirty(mm);
	cr_assert_geq(first_dirty(mm, 2048), 0, "the owner's writes are there");
	cr_assert_eq(ref_mm_reset(mm), 0);
	cr_assert_eq(first_dirty(mm, 2048), -1,
		     "a page written before the reset reads non-zero");
	/* and the marks were cleared: a second reset has nothing to do */
	for (size_t w = 0; w < mm->ram_used_words; w++)
		cr_assert_eq(mm->ram_used[w], 0, "word %zu", w);
	ref_mm_destroy(mm);
}

MMT_TEST(reset, ram_reads_zero_after_recreate)
{
	struct ref_mm *mm = make("ram=16M");
	struct ref_config c;
	char err[256] = "";

	dirty(mm);
	ref_config_init(&c);
	cr_assert_eq(ref_config_parse(&c, "ram=8M page=8K", err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(ref_mm_recreate(mm, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(first_dirty(mm, 1024), -1,
		     "a page written before the reboot reads non-zero");
	ref_mm_destroy(mm);
}

MMT_TEST(reset, get_zeroed_page_after_reset_is_zero_anyway)
{
	struct ref_mm *mm = make("ram=8M");
	unsigned long a;

	dirty(mm);
	cr_assert_eq(ref_mm_reset(mm), 0);
	a = ref_get_zeroed_page(mm, REF_GFP_KERNEL);
	cr_assert_neq(a, 0);
	for (size_t i = 0; i < mm->page_size; i++)
		cr_assert_eq(((unsigned char *)a)[i], 0, "byte %zu", i);
	cr_assert_eq(ref_free_page(mm, a), 0);
	ref_mm_destroy(mm);
}
