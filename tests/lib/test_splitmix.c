/* SPDX-License-Identifier: MIT */
/*
 * test_splitmix.c - lib/mmt_lib.h's splitmix64: the stream is splitmix64's
 * (its first outputs from seed 0 and from 1234567), mmt_mix64 is its
 * output for a state, and the bounded draw stays below its bound.
 */
#include <criterion/criterion.h>

#include "leakcheck.h"
#include "mmt_lib.h"

MMT_TEST(splitmix, stream_is_splitmix64)
{
	static const uint64_t from0[] = { 0xe220a8397b1dcdafULL,
					  0x6e789e6aa1b965f4ULL,
					  0x06c45d188009454fULL,
					  0xf88bb8a8724c81ecULL };
	static const uint64_t from1234567[] = { 0x599ed017fb08fc85ULL,
						0x2c73f08458540fa5ULL,
						0x883ebce5a3f27c77ULL };
	uint64_t s = 0;

	for (int i = 0; i < 4; i++)
		cr_assert_eq(mmt_splitmix64(&s), from0[i], "output %d", i);
	cr_assert_eq(s, 4 * MMT_SPLITMIX_GAMMA);
	s = 1234567;
	for (int i = 0; i < 3; i++)
		cr_assert_eq(mmt_splitmix64(&s), from1234567[i], "output %d",
			     i);
}

MMT_TEST(splitmix, mix64_is_the_output_for_a_state)
{
	for (uint64_t x = 0; x < 1000; x += 7) {
		uint64_t s = x * 0x100000001b3ULL;
		uint64_t want = mmt_mix64(s);

		cr_assert_eq(mmt_splitmix64(&s), want);
	}
	cr_assert_eq(mmt_mix64(0), 0xe220a8397b1dcdafULL);
}

MMT_TEST(splitmix, below_stays_below_and_reaches_every_value)
{
	uint64_t s = 42;
	unsigned int seen[7] = { 0 };

	for (int i = 0; i < 7000; i++) {
		uint64_t v = mmt_splitmix64_below(&s, 7);

		cr_assert_lt(v, 7);
		seen[v]++;
	}
	for (int v = 0; v < 7; v++)
		cr_assert_gt(seen[v], 800, "value %d drawn %u times", v,
			     seen[v]);
	cr_assert_eq(mmt_splitmix64_below(&s, 1), 0);
}
