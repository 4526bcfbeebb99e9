/* SPDX-License-Identifier: MIT */
/*
 * test_shell.c - lib/shell.c: a quoted word is read back by /bin/sh as
 * exactly the bytes it was made from, for the words that break naive
 * quoting; safe words stay bare; a cut buffer never overruns.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "leakcheck.h"
#include "mmt_lib.h"

static const char *quoted(const char *arg, char *buf, size_t len)
{
	struct mmt_sbuf b;

	mmt_sbuf_init(&b, buf, len);
	mmt_shell_quote(&b, arg);
	cr_assert_lt(b.pos, len, "'%s' did not fit", arg);
	return buf;
}

/* What /bin/sh makes of the quoted word: printf %s of it, read back. */
static size_t shell_reads(const char *arg, char *out, size_t len)
{
	char cmd[1024], word[512];
	struct mmt_sbuf b;
	FILE *p;
	size_t n;

	mmt_sbuf_init(&b, cmd, sizeof(cmd));
	mmt_sbuf_puts(&b, "printf %s ");
	mmt_sbuf_puts(&b, quoted(arg, word, sizeof(word)));
	/* a second word proves the first did not swallow or split it */
	mmt_sbuf_puts(&b, " && printf '|%s' end");
	cr_assert_lt(b.pos, sizeof(cmd));
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	cr_assert_eq(pclose(p), 0, "sh failed on %s", cmd);
	return n;
}

MMT_TEST(shell, tricky_words_come_back_byte_for_byte)
{
	static const char *const words[] = {
		"",
		"'",
		"''",
		"it's",
		"a b",
		"a\tb",
		"a\nb",
		"$(touch x)",
		"`id`",
		"$HOME",
		"${x:-y}",
		"\\",
		"\\'",
		"\"",
		"*",
		"?",
		"[a]",
		"~",
		"~root",
		"#c",
		"!",
		"%1",
		"a;b",
		"a&b",
		"a|b",
		"<x",
		">x",
		"(x)",
		"{a,b}",
		"-n",
		"--",
		"\xc3\xa9",
		"ram=64M,cpus=2",
		"ref-pages:mem=16M",
		"x'\"'y",
	};
	char out[512], want[512];

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		shell_reads(words[i], out, sizeof(out));
		snprintf(want, sizeof(want), "%s|end", words[i]);
		cr_assert_str_eq(out, want, "word %zu", i);
	}
}

MMT_TEST(shell, safe_words_stay_bare_and_others_are_quoted)
{
	char buf[128];

	cr_assert_str_eq(quoted("ref-pages:mem=16M,x@y/z.bin+_", buf,
				sizeof(buf)),
			 "ref-pages:mem=16M,x@y/z.bin+_");
	cr_assert_str_eq(quoted("", buf, sizeof(buf)), "''");
	cr_assert_str_eq(quoted("it's", buf, sizeof(buf)), "'it'\\''s'");
	cr_assert_str_eq(quoted("a b", buf, sizeof(buf)), "'a b'");
	cr_assert_str_eq(quoted("50%", buf, sizeof(buf)), "'50%'");
	cr_assert_str_eq(quoted("~", buf, sizeof(buf)), "'~'");
	cr_assert_str_eq(quoted("\xc3\xa9", buf, sizeof(buf)), "'\xc3\xa9'");
}

MMT_TEST(shell, a_cut_word_never_overruns)
{
	char buf[6];
	struct mmt_sbuf b;

	memset(buf, '#', sizeof(buf));
	mmt_sbuf_init(&b, buf, 5);
	mmt_shell_quote(&b, "it's long");
	cr_assert_eq(b.pos, strlen("'it'\\''s long'"));
	cr_assert_str_eq(buf, "'it'");
	cr_assert_eq(buf[5], '#');
}
