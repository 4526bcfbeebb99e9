/* SPDX-License-Identifier: MIT */
/*
 * test_sbuf.c - lib/sbuf.c: the bounded buffer writes what fits, stays
 * terminated and counts what did not fit, at every boundary; the growing
 * string grows past its first block and hands its text over.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "leakcheck.h"
#include "mmt_lib.h"

MMT_TEST(sbuf, appends_fit_and_stay_terminated)
{
	char buf[32];
	struct mmt_sbuf b;

	mmt_sbuf_init(&b, buf, sizeof(buf));
	cr_assert_str_eq(buf, "");
	mmt_sbuf_puts(&b, "order ");
	mmt_sbuf_printf(&b, "%u pfn 0x%llx", 3u, 0x1000ULL);
	mmt_sbuf_putc(&b, '!');
	mmt_sbuf_putn(&b, "xyz", 2);
	cr_assert_str_eq(buf, "order 3 pfn 0x1000!xy");
	cr_assert_eq(b.pos, strlen("order 3 pfn 0x1000!xy"));
}

MMT_TEST(sbuf, cut_text_is_counted_whole_and_never_overruns)
{
	char buf[8 + 1];
	struct mmt_sbuf b;

	for (size_t len = 0; len <= 8; len++) {
		memset(buf, '#', sizeof(buf));
		mmt_sbuf_init(&b, buf, len);
		mmt_sbuf_puts(&b, "abc");
		mmt_sbuf_printf(&b, "%s", "defg");
		mmt_sbuf_putc(&b, 'h');
		mmt_sbuf_printf(&b, "%d", 42);
		cr_assert_eq(b.pos, 10, "len %zu: pos %zu", len, b.pos);
		cr_assert_eq(buf[len], '#', "len %zu: wrote past the end", len);
		if (len) {
			cr_assert_eq(strlen(buf), len - 1, "len %zu", len);
			cr_assert_eq(strncmp(buf, "abcdefgh42", len - 1), 0);
		}
	}
}

MMT_TEST(sbuf, a_null_buffer_only_counts)
{
	struct mmt_sbuf b;

	mmt_sbuf_init(&b, NULL, 0);
	mmt_sbuf_printf(&b, "%s=%u", "cpus", 4u);
	mmt_sbuf_puts(&b, "abc");
	cr_assert_eq(b.pos, 9);
}

MMT_TEST(dstr, grows_past_its_first_block_and_hands_over)
{
	struct mmt_dstr d = MMT_DSTR_INIT;
	char *s;

	for (int i = 0; i < 1000; i++)
		mmt_dstr_printf(&d, "%04d\n", i);
	mmt_dstr_puts(&d, "end");
	mmt_dstr_putn(&d, "xyz", 1);
	cr_assert_eq(d.len, 5000 + 4);
	s = mmt_dstr_take(&d);
	cr_assert_not_null(s);
	cr_assert_eq(strncmp(s, "0000\n0001\n", 10), 0);
	cr_assert_eq(strncmp(s + 4995, "0999\nendx", 9), 0);
	cr_assert_eq(strlen(s), 5004);
	cr_assert_null(d.s);
	free(s);
}

MMT_TEST(dstr, empty_takes_as_an_empty_string)
{
	struct mmt_dstr d = MMT_DSTR_INIT;
	char *s = mmt_dstr_take(&d);

	cr_assert_not_null(s);
	cr_assert_str_eq(s, "");
	free(s);
}

MMT_TEST(dstr, an_allocation_failure_is_sticky)
{
	struct mmt_dstr d = MMT_DSTR_INIT;

	mmt_dstr_puts(&d, "abc");
	/* a length that overflows size_t: refused before realloc, sticks */
	mmt_dstr_putn(&d, "x", SIZE_MAX - 2);
	cr_assert(d.oom);
	mmt_dstr_puts(&d, "def");
	cr_assert_eq(d.len, 3);
	cr_assert_null(mmt_dstr_take(&d));
	cr_assert_null(d.s);
}
