/* SPDX-License-Identifier: MIT */
/*
 * sbuf.c - string buffers (lib/mmt_lib.h): a bounded append into a
 * caller's array that counts what did not fit, and a growing heap string
 * whose allocation failure is sticky, so a formatter checks once at the
 * end instead of after every append.
 */
#include "mmt_lib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ sbuf */

void mmt_sbuf_init(struct mmt_sbuf *b, char *buf, size_t len)
{
	b->buf = buf;
	b->len = buf ? len : 0;
	b->pos = 0;
	if (b->len)
		buf[0] = '\0';
}

void mmt_sbuf_putn(struct mmt_sbuf *b, const char *s, size_t n)
{
	if (b->pos + 1 < b->len) {
		size_t room = b->len - b->pos - 1;
		size_t k = n < room ? n : room;

		memcpy(b->buf + b->pos, s, k);
		b->buf[b->pos + k] = '\0';
	}
	b->pos += n;
}

void mmt_sbuf_puts(struct mmt_sbuf *b, const char *s)
{
	mmt_sbuf_putn(b, s, strlen(s));
}

void mmt_sbuf_putc(struct mmt_sbuf *b, char c)
{
	mmt_sbuf_putn(b, &c, 1);
}

void mmt_sbuf_vprintf(struct mmt_sbuf *b, const char *fmt, va_list ap)
{
	int n;

	/* vsnprintf writes what fits at pos and terminates it; past the end
	 * it only counts */
	if (b->pos < b->len)
		n = vsnprintf(b->buf + b->pos, b->len - b->pos, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	if (n > 0)
		b->pos += (size_t)n;
}

void mmt_sbuf_printf(struct mmt_sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mmt_sbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ dstr */

/* Room for n more bytes and the NUL; 0, or -1 with oom set. */
static int dstr_reserve(struct mmt_dstr *d, size_t n)
{
	size_t need, cap;
	char *ns;

	if (d->oom)
		return -1;
	if (n > SIZE_MAX - d->len - 1)
		goto oom;
	need = d->len + n + 1;
	if (need <= d->cap)
		return 0;
	cap = d->cap ? d->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	ns = realloc(d->s, cap);
	if (!ns)
		goto oom;
	d->s = ns;
	d->cap = cap;
	return 0;
oom:
	d->oom = 1;
	return -1;
}

void mmt_dstr_putn(struct mmt_dstr *d, const char *s, size_t n)
{
	if (dstr_reserve(d, n))
		return;
	memcpy(d->s + d->len, s, n);
	d->len += n;
	d->s[d->len] = '\0';
}

void mmt_dstr_puts(struct mmt_dstr *d, const char *s)
{
	mmt_dstr_putn(d, s, strlen(s));
}

void mmt_dstr_printf(struct mmt_dstr *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0 || dstr_reserve(d, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(d->s + d->len, d->cap - d->len, fmt, ap);
	va_end(ap);
	d->len += (size_t)n;
}

char *mmt_dstr_take(struct mmt_dstr *d)
{
	char *s;

	if (!d->oom && !d->s)
		dstr_reserve(d, 0);
	if (d->oom) {
		mmt_dstr_free(d);
		return NULL;
	}
	s = d->s;
	s[d->len] = '\0';
	d->s = NULL;
	d->len = d->cap = 0;
	return s;
}

void mmt_dstr_free(struct mmt_dstr *d)
{
	free(d->s);
	d->s = NULL;
	d->len = d->cap = 0;
	d->oom = 0;
}
