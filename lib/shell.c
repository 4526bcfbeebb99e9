/* SPDX-License-Identifier: MIT */
/*
 * shell.c - quoting a word for a POSIX shell (lib/mmt_lib.h), for the
 * "reproduce:" lines the CLI and the fuzz targets print.
 *
 * The safe set is the bytes no POSIX shell treats specially anywhere in an
 * argument word: letters, digits and _./:=,@+-. Everything else, including
 * %, ~, bytes >= 0x80 and the empty word, goes in single quotes, inside
 * which the shell interprets nothing; a ' itself cannot appear there, so
 * it is written as close-quote, backslash-quote, reopen: '\''.
 */
#include "mmt_lib.h"

#include <string.h>

static int shell_safe(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("_./:=,@+-", c));
}

void mmt_shell_quote(struct mmt_sbuf *b, const char *arg)
{
	const char *c;
	int quote = *arg == '\0';

	for (c = arg; *c && !quote; c++)
		quote = !shell_safe(*c);
	if (!quote) {
		mmt_sbuf_puts(b, arg);
		return;
	}
	mmt_sbuf_putc(b, '\'');
	for (c = arg; *c; c++) {
		if (*c == '\'')
			mmt_sbuf_puts(b, "'\\''");
		else
			mmt_sbuf_putc(b, *c);
	}
	mmt_sbuf_putc(b, '\'');
}
