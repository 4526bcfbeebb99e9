/* SPDX-License-Identifier: MIT */
/*
 * tests/harness/test_fault.c - the harness's fault model (harness/fault.c,
 * what the shadow predicts by) against ref's (ref/fault.c): two copies of
 * fail_page_alloc's rules, written apart, must fail the same calls, call
 * for call, over random knob settings and random requests. Also the
 * fail_* machine keys, their binary table form and the --fail option.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/machine.h>
#include <mmtorture/ops.h>
#include <ref/fault.h>
#include <ref/mm.h>

#include "../adapters/ref_pages.h"
#include "leakcheck.h"
#include "mmt_lib.h"

static const uint32_t masks[] = {
	MMT_GFP_KERNEL,
	MMT_GFP_ATOMIC,
	MMT_GFP_KERNEL | MMT_GFP_HIGHMEM,
	MMT_GFP_KERNEL | MMT_GFP_NOFAIL,
	MMT_GFP_KSWAPD_RECLAIM | MMT_GFP_NOWARN,
	MMT_GFP_HIGHMEM | MMT_GFP_HIGH,
	0,
};

static void random_knobs(uint64_t *st, struct mmt_machine *m)
{
	uint64_t r = mmt_splitmix64(st);

	m->fail_seed = mmt_splitmix64(st);
	m->fail_probability = (uint32_t)(r % 4 == 0 ? 100 : r % 101);
	m->fail_interval = (uint32_t)((r >> 8) % 4);
	m->fail_times = (int32_t)((r >> 12) % 6); /* 0: no limit */
	m->fail_space = (uint32_t)((r >> 16) % 3 == 0 ? (r >> 20) % 40 : 0);
	m->fail_min_order = (uint8_t)((r >> 28) % 3);
	m->fail_flags = (uint8_t)((r >> 32) % 4);
	m->fail_nth = (uint32_t)((r >> 36) % 3 == 0 ? 1 + (r >> 40) % 20 : 0);
}

MMT_TEST(fault, harness_model_agrees_with_ref_call_for_call)
{
	uint64_t st = 0x5eed, injected = 0;

	for (unsigned int k = 0; k < 300; k++) {
		struct mmt_machine m;
		struct mmt_fault f;
		struct ref_config c;
		struct ref_mm *mm = NULL;
		char err[256] = "", spec[512];

		mmt_machine_parse_spec("ram=8M", 6, &m, NULL);
		random_knobs(&st, &m);
		mmt_machine_format_spec(&m, spec, sizeof(spec));
		cr_assert_eq(mmt_ref_pages_config(&m, "", &c, err, sizeof(err)),
			     0, "%s: %s", spec, err);
		cr_assert_eq(ref_mm_create(&c, &mm, err, sizeof(err)), 0,
			     "%s: %s", spec, err);
		mmt_fault_init(&f, &m);
		for (unsigned int i = 0; i < 200; i++) {
			uint64_t r = mmt_splitmix64(&st);
			uint32_t gfp =
				masks[r % (sizeof(masks) / sizeof(masks[0]))];
			uint32_t order = (uint32_t)((r >> 8) % 14);
			int want = ref_should_fail_alloc_page(mm, gfp, order);
			int got = mmt_fault_should_fail(&f, gfp, order);

			cr_assert_eq(got, want,
				     "%s: call %u (order %u gfp 0x%x): "
				     "harness %d, ref %d",
				     spec, i, order, gfp, got, want);
		}
		cr_assert_eq(f.nr_injected, ref_fault_count(mm), "%s", spec);
		injected += f.nr_injected;
		ref_mm_destroy(mm);
	}
	cr_assert_gt(injected, 1000, "the settings fail calls at all");
}

MMT_TEST(fault, machine_keys_round_trip_and_refuse_bad_values)
{
	static const struct {
		const char *spec, *field, *msg;
	} bad[] = {
		{ "fail_probability=101", "fail_probability", "bad value" },
		{ "fail_times=0", "fail_times", "times -1 or 1.." },
		{ "fail_times=-2", "fail_times", "bad value" },
		{ "fail_min_order=17", "fail_min_order", "bad value" },
		{ "fail_ignore_wait=2", "fail_ignore_wait", "0 or 1" },
		{ "fail_space=2147483648", "fail_space", "bad value" },
		{ "fail_nth=x", "fail_nth", "bad value" },
		{ "fail_nth=1 fail_nth=2", "fail_nth", "duplicate" },
	};
	const char *good = "ram=8M fail_probability=10 fail_interval=3 "
			   "fail_times=4 fail_space=16 fail_min_order=1 "
			   "fail_ignore_wait=1 fail_ignore_highmem=1 "
			   "fail_nth=7 fail_seed=0x2a";
	struct mmt_machine m, n;
	struct mmt_spec_error e;
	char out[1024];

	cr_assert_eq(mmt_machine_parse_spec(good, strlen(good), &m, &e), 0,
		     "%s", e.message);
	cr_assert_eq(m.fail_probability, 10);
	cr_assert_eq(m.fail_interval, 3);
	cr_assert_eq(m.fail_times, 4);
	cr_assert_eq(m.fail_space, 16);
	cr_assert_eq(m.fail_min_order, 1);
	cr_assert_eq(m.fail_flags,
		     MMT_FAIL_IGNORE_WAIT | MMT_FAIL_IGNORE_HIGHMEM);
	cr_assert_eq(m.fail_nth, 7);
	cr_assert_eq(m.fail_seed, 0x2a);
	mmt_machine_format_spec(&m, out, sizeof(out));
	cr_assert_eq(mmt_machine_parse_spec(out, strlen(out), &n, &e), 0,
		     "%s: %s", out, e.message);
	cr_assert(mmt_machine_equal(&m, &n), "%s", out);
	cr_assert_eq(mmt_machine_parse_spec("fail_times=-1", 13, &m, &e), 0);
	cr_assert_eq(m.fail_times, 0, "-1 is no limit, stored as 0");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(mmt_machine_parse_spec(
				     bad[i].spec, strlen(bad[i].spec), &m, &e),
			     -1, "%s", bad[i].spec);
		cr_assert_str_eq(e.field, bad[i].field, "%s", bad[i].spec);
		cr_assert(strstr(e.message, bad[i].msg), "%s: %s", bad[i].spec,
			  e.message);
	}
}

MMT_TEST(fault, fail_option_sets_knobs_on_top)
{
	struct mmt_machine m;
	char msg[400];

	mmt_machine_default(&m);
	cr_assert_eq(mmt_fault_parse_option("probability=10,interval=1,"
					    "times=-1,fail_seed=9",
					    &m, msg, sizeof(msg)),
		     0, "%s", msg);
	cr_assert_eq(m.fail_probability, 10);
	cr_assert_eq(m.fail_interval, 1);
	cr_assert_eq(m.fail_times, 0);
	cr_assert_eq(m.fail_seed, 9);
	cr_assert_eq(mmt_fault_parse_option("nth=5", &m, msg, sizeof(msg)), 0);
	cr_assert_eq(m.fail_nth, 5);
	cr_assert_eq(m.fail_probability, 10, "other knobs kept");
	cr_assert_eq(mmt_fault_parse_option("nth=5,colour=red", &m, msg,
					    sizeof(msg)),
		     -1);
	cr_assert(strstr(msg, "'colour'"), "%s", msg);
	cr_assert_eq(mmt_fault_parse_option("probability", &m, msg,
					    sizeof(msg)),
		     -1);
	cr_assert(strstr(msg, "KEY=VALUE"), "%s", msg);
	cr_assert_eq(mmt_fault_parse_option("", &m, msg, sizeof(msg)), -1);
}

/* Every fault code of byte 1 decodes, and encodes back to itself. */
MMT_TEST(fault, table_form_fault_codes_round_trip)
{
	unsigned int on = 0;

	for (unsigned int b = 0; b < 0xFF; b++) {
		uint8_t in[5] = { 0, (uint8_t)b, 0, 0, 0 };
		struct mmt_prog p, q;
		uint8_t *enc = NULL;
		size_t n = 0;

		cr_assert_eq(mmt_prog_decode(in, sizeof(in), &p), 0);
		cr_assert_eq(mmt_fault_enabled(&p.machine), (b >> 4) >= 8,
			     "byte 1 0x%02x", b);
		on += (unsigned int)mmt_fault_enabled(&p.machine);
		cr_assert_eq(mmt_prog_encode(&p, &enc, &n), 0);
		cr_assert_eq(enc[1] >> 4, (b >> 4) >= 8 ? b >> 4 : 0,
			     "byte 1 0x%02x encodes as 0x%02x", b, enc[1]);
		cr_assert_eq(mmt_prog_decode(enc, n, &q), 0);
		cr_assert(mmt_machine_equal(&p.machine, &q.machine));
		free(enc);
		mmt_prog_free(&p);
		mmt_prog_free(&q);
	}
	cr_assert_eq(on, 8 * 16 - 1);
}
