/* SPDX-License-Identifier: MIT */
/*
 * test_number.c - lib/number.c: numbers and sizes in the spelling of the
 * op format and the machine spec, every refusal, overflow at the edge,
 * and the size formatter's choice of unit.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "leakcheck.h"
#include "mmt_lib.h"

static int u64(const char *s, uint64_t *v)
{
	return mmt_u64_parse(s, strlen(s), v);
}

static int size(const char *s, uint64_t *v)
{
	return mmt_size_parse(s, strlen(s), v);
}

MMT_TEST(number, decimal_and_hex_up_to_the_last_value)
{
	uint64_t v;

	cr_assert_eq(u64("0", &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(u64("4096", &v), 0);
	cr_assert_eq(v, 4096);
	cr_assert_eq(u64("0x1F", &v), 0);
	cr_assert_eq(v, 31);
	cr_assert_eq(u64("0XaBc", &v), 0);
	cr_assert_eq(v, 0xabc);
	cr_assert_eq(u64("18446744073709551615", &v), 0);
	cr_assert_eq(v, UINT64_MAX);
	cr_assert_eq(u64("0xffffffffffffffff", &v), 0);
	cr_assert_eq(v, UINT64_MAX);
	cr_assert_eq(u64("0x0000000000000000001", &v), 0);
	cr_assert_eq(v, 1);
	cr_assert_eq(mmt_u64_parse("123xyz", 3, &v), 0, "only n bytes read");
	cr_assert_eq(v, 123);
}

MMT_TEST(number, refuses_everything_else)
{
	static const char *const bad[] = {
		"",
		"x",
		"0x",
		"0xg",
		"+1",
		"-1",
		" 1",
		"1 ",
		"1k",
		"1.5",
		"0b101",
		"12a",
		"18446744073709551616",
		"0x10000000000000000",
		"99999999999999999999",
	};
	uint64_t v = 7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(u64(bad[i], &v), -1, "'%s' accepted", bad[i]);
	cr_assert_eq(v, 7, "a refusal wrote the value");
}

MMT_TEST(number, sizes_parse_in_the_spec_spelling)
{
	uint64_t v;

	cr_assert_eq(size("4K", &v), 0);
	cr_assert_eq(v, 4096);
	cr_assert_eq(size("3g", &v), 0);
	cr_assert_eq(v, 3ULL << 30);
	cr_assert_eq(size("0x1000", &v), 0);
	cr_assert_eq(v, 4096);
	cr_assert_eq(size("1T", &v), 0);
	cr_assert_eq(v, 1ULL << 40);
	cr_assert_eq(size("16777215T", &v), 0);
	cr_assert_eq(v, 16777215ULL << 40);
	cr_assert_eq(size("12", &v), 0);
	cr_assert_eq(v, 12);
	cr_assert_eq(size("", &v), -1);
	cr_assert_eq(size("K", &v), -1);
	cr_assert_eq(size("0x", &v), -1);
	cr_assert_eq(size("0x10M", &v), -1);
	cr_assert_eq(size("+4", &v), -1);
	cr_assert_eq(size(" 4", &v), -1);
	cr_assert_eq(size("4X", &v), -1);
	cr_assert_eq(size("4KK", &v), -1);
	cr_assert_eq(size("18446744073709551616", &v), -1);
	cr_assert_eq(size("16777216T", &v), -1);
}

MMT_TEST(number, sizes_format_with_the_largest_exact_unit)
{
	char buf[32];

	cr_assert_eq(mmt_size_format(3ULL << 30, buf, sizeof(buf)), 2);
	cr_assert_str_eq(buf, "3G");
	mmt_size_format(12288, buf, sizeof(buf));
	cr_assert_str_eq(buf, "12K");
	mmt_size_format(1536ULL << 20, buf, sizeof(buf));
	cr_assert_str_eq(buf, "1536M");
	mmt_size_format(5ULL << 40, buf, sizeof(buf));
	cr_assert_str_eq(buf, "5T");
	mmt_size_format(100, buf, sizeof(buf));
	cr_assert_str_eq(buf, "100");
	mmt_size_format(0, buf, sizeof(buf));
	cr_assert_str_eq(buf, "0");
	cr_assert_eq(mmt_size_format(12288, buf, 2), 3, "full length");
	cr_assert_str_eq(buf, "1");
}

MMT_TEST(number, sizes_round_trip)
{
	uint64_t v;
	char buf[32];

	for (uint64_t x = 1; x < (1ULL << 50); x = x * 3 + 1024) {
		size_t n = mmt_size_format(x, buf, sizeof(buf));

		cr_assert_eq(mmt_size_parse(buf, n, &v), 0, "%s", buf);
		cr_assert_eq(v, x, "%s", buf);
	}
}
