/* SPDX-License-Identifier: MIT */
/*
 * tests/ref/test_fault.c - fault injection (ref/fault.c): each knob of
 * fail_page_alloc on its own, with the calls that fail computed by hand
 * from should_fail_alloc_page / should_fail_ex (Linux 6.12), the failed
 * trace an injected failure emits, the config keys, and the restart on
 * reset and recreate.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "leakcheck.h"
#include "ref/fault.h"
#include "ref_machine.h"

/* The verdicts of n calls of order with gfp: bit i set when call i failed
 * (through ref_alloc_pages, freeing what it got). */
static uint64_t run(struct ref_mm *mm, ref_gfp_t gfp, unsigned int order,
		    unsigned int n)
{
	uint64_t failed = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct ref_page *p = ref_alloc_pages(mm, gfp, order);

		if (!p)
			failed |= 1ULL << i;
		else
			ref_free_pages_page(mm, p, order);
	}
	return failed;
}

MMT_TEST(fault, off_by_default)
{
	struct ref_mm *mm = make("ram=8M,fail_interval=2,fail_space=4");

	cr_assert_eq(run(mm, REF_GFP_KERNEL, 1, 20), 0);
	cr_assert_eq(ref_fault_count(mm), 0);
	ref_mm_destroy(mm);
}

MMT_TEST(fault, nth_fails_once)
{
	struct ref_mm *mm = make("ram=8M,fail_nth=3");

	/* the third call only, then never again (fail_nth is one-shot) */
	cr_assert_eq(run(mm, REF_GFP_KERNEL, 0, 10), 1ULL << 2);
	cr_assert_eq(ref_fault_count(mm), 1);
	ref_mm_destroy(mm);
}

MMT_TEST(fault, probability_100_and_times)
{
	struct ref_mm *mm = make("ram=8M,fail_probability=100,fail_times=3");

	cr_assert_eq(run(mm, REF_GFP_KERNEL, 0, 8), 0x7);
	ref_mm_destroy(mm);
	mm = make("ram=8M,fail_probability=100");
	cr_assert_eq(run(mm, REF_GFP_KERNEL, 0, 8), 0xff, "times -1: no limit");
	cr_assert_eq(ref_fault_count(mm), 8);
	ref_mm_destroy(mm);
	mm = make("ram=8M,fail_probability=100,fail_times=0");
	cr_assert_eq(run(mm, REF_GFP_KERNEL, 0, 8), 0, "times 0: none");
	ref_mm_destroy(mm);
}

MMT_TEST(fault, nth_ignores_times_and_probability)
{
	/* the nth path skips the probability and times checks */
	struct ref_mm *mm = make("ram=8M,fail_nth=2,fail_times=0");

	cr_assert_eq(run(mm, REF_GFP_KERNEL, 0, 4), 0x2);
	ref_mm_destroy(mm);
}

MMT_TEST(fault, interval)
{
	/* count 1, 2, 3, ...: every third call fails */
	struct ref_mm *mm = make("ram=8M,fail_probability=100,fail_interval=3");

	cr_assert_eq(run(mm, REF_GFP_KERNEL, 0, 9), 0x124);
	ref_mm_destroy(mm);
}

MMT_TEST(fault, space_in_pages)
{
	/* space 5: order-1 calls (2 pages) pass while space > 2: 5 -> 3 ->
	 * 1; then space 1 is not above 2, so every call may fail */
	struct ref_mm *mm = make("ram=8M,fail_probability=100,fail_space=5");

	cr_assert_eq(run(mm, REF_GFP_KERNEL, 1, 5), 0x1c);
	ref_mm_destroy(mm);
	/* space equal to the size never drains: 1 > 1 is false */
	mm = make("ram=8M,fail_probability=100,fail_space=1");
	cr_assert_eq(run(mm, REF_GFP_KERNEL, 0, 3), 0x7);
	ref_mm_destroy(mm);
}

MMT_TEST(fault, min_order_and_nofail_move_nothing)
{
	struct ref_mm *mm = make("ram=8M,fail_nth=2,fail_min_order=1");

	/* order 0 is below min_order: not counted towards nth */
	cr_assert_eq(run(mm, REF_GFP_KERNEL, 0, 5), 0);
	cr_assert_eq(run(mm, REF_GFP_KERNEL | REF_GFP_NOFAIL, 1, 5), 0,
		     "__GFP_NOFAIL never fails, nor counts");
	cr_assert_eq(run(mm, REF_GFP_KERNEL, 1, 3), 0x2);
	ref_mm_destroy(mm);
}

MMT_TEST(fault, ignore_wait_and_highmem)
{
	struct ref_mm *mm =
		make("ram=8M,fail_probability=100,fail_ignore_wait=1");

	cr_assert_eq(run(mm, REF_GFP_KERNEL, 0, 3), 0, "may sleep: ignored");
	cr_assert_eq(run(mm, REF_GFP_ATOMIC, 0, 3), 0x7);
	cr_assert_eq(run(mm, REF_GFP_NOWAIT | REF_GFP_NOWARN, 0, 2), 0x3,
		     "__GFP_NOWARN changes nothing");
	ref_mm_destroy(mm);
	mm = make("ram=8M,fail_probability=100,fail_ignore_highmem=1");
	cr_assert_eq(run(mm, REF_GFP_KERNEL | REF_GFP_HIGHMEM, 0, 3), 0);
	cr_assert_eq(run(mm, REF_GFP_KERNEL, 0, 2), 0x3);
	/* __get_free_pages drops __GFP_HIGHMEM before asking */
	cr_assert_eq(
		ref_get_free_pages(mm, REF_GFP_KERNEL | REF_GFP_HIGHMEM, 0), 0);
	ref_mm_destroy(mm);
}

MMT_TEST(fault, probability_draws_are_the_seeded_stream)
{
	struct ref_mm *a = make("ram=8M,fail_probability=50,fail_seed=42");
	struct ref_mm *b = make("ram=8M,fail_probability=50,fail_seed=42");
	uint64_t x = run(a, REF_GFP_KERNEL, 0, 64), st = 42, want = 0;

	/* draw i = splitmix64 output i % 100; fail when below 50 */
	for (unsigned int i = 0; i < 64; i++) {
		uint64_t z = (st += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		if (z % 100 < 50)
			want |= 1ULL << i;
	}
	cr_assert_eq(x, want);
	cr_assert_eq(run(b, REF_GFP_KERNEL, 0, 64), x, "same seed, same calls");
	cr_assert(x != 0 && x != ~0ULL);
	ref_mm_destroy(a);
	ref_mm_destroy(b);
}

MMT_TEST(fault, order_beyond_the_machine_is_not_asked)
{
	struct ref_mm *mm = make("ram=8M,fail_nth=2");

	cr_assert_null(ref_alloc_pages(mm, REF_GFP_KERNEL, 30));
	cr_assert_eq(run(mm, REF_GFP_KERNEL, 0, 3), 0x2);
	ref_mm_destroy(mm);
}

struct trace_seen {
	int allocs, failed;
};

static void on_trace(void *ctx, const struct ref_trace_event *ev)
{
	struct trace_seen *t = ctx;

	if (ev->type == REF_TRACE_MM_PAGE_ALLOC) {
		t->allocs++;
		t->failed += ev->page == NULL;
	}
}

MMT_TEST(fault, injected_failure_emits_a_failed_trace)
{
	struct ref_mm *mm = make("ram=8M,fail_nth=1");
	struct trace_seen t = { 0, 0 };

	ref_trace_subscribe(mm, on_trace, &t);
	cr_assert_null(ref_alloc_pages(mm, REF_GFP_KERNEL, 0));
	cr_assert_eq(t.allocs, 1);
	cr_assert_eq(t.failed, 1);
	ref_trace_subscribe(mm, NULL, NULL);
	ref_mm_destroy(mm);
}

MMT_TEST(fault, reset_and_recreate_restart_it)
{
	struct ref_mm *mm = make("ram=8M,fail_nth=2");
	struct ref_config c;
	char err[256] = "";

	cr_assert_eq(run(mm, REF_GFP_KERNEL, 0, 3), 0x2);
	cr_assert_eq(ref_mm_reset(mm), 0);
	cr_assert_eq(ref_fault_count(mm), 0);
	cr_assert_eq(run(mm, REF_GFP_KERNEL, 0, 3), 0x2);
	ref_config_init(&c);
	cr_assert_eq(ref_config_parse(&c, "ram=8M,fail_nth=1", err,
				      sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(ref_mm_recreate(mm, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(run(mm, REF_GFP_KERNEL, 0, 3), 0x1);
	ref_mm_destroy(mm);
}

MMT_TEST(fault, config_keys_parse_format_validate)
{
	struct ref_config c, d;
	char err[256] = "", out[512];

	ref_config_init(&c);
	cr_assert_eq(ref_config_parse(&c,
				      "fail_probability=10,fail_interval=2,"
				      "fail_times=5,fail_space=8,"
				      "fail_min_order=1,fail_ignore_wait=1,"
				      "fail_ignore_highmem=1,fail_nth=3,"
				      "fail_seed=0x2a",
				      err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(ref_config_validate(&c, err, sizeof(err)), 0, "%s", err);
	ref_config_format(&c, out, sizeof(out));
	cr_assert(strstr(out, ",fail_probability=10,fail_interval=2,"
			      "fail_times=5,fail_space=8,fail_min_order=1,"
			      "fail_ignore_wait=1,fail_ignore_highmem=1,"
			      "fail_nth=3,fail_seed=0x2a"),
		  "%s", out);
	ref_config_init(&d);
	cr_assert_eq(ref_config_parse(&d, out, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(memcmp(&c, &d, sizeof(c)), 0, "round trip");
	cr_assert_eq(ref_config_parse(&c, "fail_times=-1", err, sizeof(err)),
		     0);
	cr_assert_eq(c.fail.times, -1);
	cr_assert_eq(ref_config_parse(&c, "fail_probability=x", err,
				      sizeof(err)),
		     -1);
	cr_assert(strstr(err, "fail_probability"), "%s", err);
	cr_assert_eq(ref_config_parse(&c, "fail_bogus=1", err, sizeof(err)),
		     -1);
	cr_assert(strstr(err, "fail_bogus"), "%s", err);
	ref_config_init(&c);
	cr_assert_eq(ref_config_parse(&c, "fail_probability=101", err,
				      sizeof(err)),
		     0);
	cr_assert_eq(ref_config_validate(&c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "fail_probability 101"), "%s", err);
	ref_config_init(&c);
	c.fail.ignore_wait = 2;
	cr_assert_eq(ref_config_validate(&c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "fail_ignore_wait"), "%s", err);
}
