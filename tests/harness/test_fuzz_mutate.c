/* SPDX-License-Identifier: MIT */
/*
 * tests/harness/test_fuzz_mutate.c - the targets' custom mutator
 * (fuzz/fuzz.h mmt_fuzz_mutate): byte 0 always names a set the target
 * runs, the rest is mutated, and inputs grow only along the ramp.
 *
 * libFuzzer's LLVMFuzzerMutate is replaced by a stand-in that writes
 * 0xff over the whole buffer it is given and fills it to max_size, so a
 * mutator that handed libFuzzer byte 0, or more room than the ramp
 * allows, is seen.
 */
#include <criterion/criterion.h>

#include "../../fuzz/fuzz.h"

static size_t stand_in_calls;

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size)
{
	(void)size;
	stand_in_calls++;
	memset(data, 0xff, max_size);
	return max_size;
}

Test(fuzz_mutate, byte0_stays_in_sets)
{
	uint8_t buf[4096];
	uint32_t sets = (1u << MMT_OPSET_PAGES) | (1u << MMT_OPSET_UPOOL);

	for (unsigned int seed = 0; seed < 2000; seed++) {
		size_t n;

		buf[0] = (uint8_t)(seed % 7); /* sets and non-sets alike */
		n = mmt_fuzz_mutate(buf, 10, sizeof(buf), seed, sets);
		cr_assert_geq(n, 10);
		cr_assert(buf[0] < 32 && (sets & (1u << buf[0])),
			  "seed %u: byte 0 is %u, not a set the target runs",
			  seed, buf[0]);
		cr_assert_eq(buf[1], 0xff, "the rest was not mutated");
	}
	cr_assert_eq(stand_in_calls, 2000);
}

Test(fuzz_mutate, empty_input_gets_a_set)
{
	uint8_t buf[64] = { 0 };
	size_t n =
		mmt_fuzz_mutate(buf, 0, sizeof(buf), 5, 1u << MMT_OPSET_UPOOL);

	cr_assert_geq(n, 1);
	cr_assert_eq(buf[0], MMT_OPSET_UPOOL);
}

Test(fuzz_mutate, growth_follows_the_ramp)
{
	static uint8_t buf[8192];
	size_t n = 0, limit;

	buf[0] = MMT_OPSET_PAGES;
	/* the ramp's counter is shared: each call may allow one more byte
	 * per MMT_FUZZ_LEN_STEP calls, never a jump to max_size */
	for (unsigned int i = 0; i < 3000; i++) {
		n = mmt_fuzz_mutate(buf, 4, sizeof(buf), i,
				    1u << MMT_OPSET_PAGES);
		limit = MMT_FUZZ_LEN0 + i / MMT_FUZZ_LEN_STEP + 1;
		cr_assert_leq(n, limit, "call %u grew the input to %zu", i, n);
	}
	cr_assert_geq(n, MMT_FUZZ_LEN0, "the ramp never allowed growth");
	/* a seed longer than the ramp is mutated within its own size */
	n = mmt_fuzz_mutate(buf, 1000, sizeof(buf), 1, 1u << MMT_OPSET_PAGES);
	cr_assert_eq(n, 1000);
}
