/* SPDX-License-Identifier: MIT */
/*
 * text.c - op sequences, format v1: the text form (docs/op-format.md).
 *
 * What humans read and write. One op per line; '#' starts a comment that
 * runs to the end of the line; blank lines are fine; tokens are separated
 * by spaces or tabs. Header lines (before the first op):
 *     machine KEY=VALUE...      the machine spec (also the binary escape)
 *     check_every N
 *     opset pages|objects       optional: inferred from the first op
 * Op lines: NAME [sSLOT] [KEY=VALUE...], e.g.
 *     alloc_pages s3 order=2 gfp=GFP_KERNEL|__GFP_ZERO
 *
 * The parser is strict: the first error stops it and names the 1-based
 * line and column of the offending token and the field ("op", "slot",
 * "order", "gfp", "key", "bank", ...). The formatter writes every field,
 * so parse(format(p)) == p.
 *
 * GFP masks are spelled as the kernel's show_gfp_flags(): names are taken
 * greedily in the kernel's table order (composites first), leftover bits
 * print as one 0x number, and 0 is "none".
 *
 * No global mutable state; every table is const.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/ops.h>

#include "mmt_internal.h"

#define KIB (1ULL << 10)

/* ------------------------------------------------------------ gfp names */

struct gfp_name {
	const char *name;
	uint32_t mask;
};

#define G_RECLAIM (MMT_GFP_DIRECT_RECLAIM | MMT_GFP_KSWAPD_RECLAIM)
#define G_USER (G_RECLAIM | MMT_GFP_IO | MMT_GFP_FS | MMT_GFP_HARDWALL)
#define G_HIGHUSER_MOVABLE (G_USER | MMT_GFP_HIGHMEM | MMT_GFP_MOVABLE)
#define G_TRANSHUGE_LIGHT                                          \
	((G_HIGHUSER_MOVABLE | MMT_GFP_COMP | MMT_GFP_NOMEMALLOC | \
	  MMT_GFP_NOWARN) &                                        \
	 ~G_RECLAIM)

/*
 * The kernel's show_gfp_flags() order (include/trace/events/mmflags.h,
 * 6.12): masks with most bits first, so composites win. The 2.6 bits we
 * carry above bit 28 come last. Entries after "__GFP_COLD" are parse-only
 * aliases.
 */
static const struct gfp_name gfp_names[] = {
	{ "GFP_TRANSHUGE", G_TRANSHUGE_LIGHT | MMT_GFP_DIRECT_RECLAIM },
	{ "GFP_TRANSHUGE_LIGHT", G_TRANSHUGE_LIGHT },
	{ "GFP_HIGHUSER_MOVABLE", G_HIGHUSER_MOVABLE },
	{ "GFP_HIGHUSER", G_USER | MMT_GFP_HIGHMEM },
	{ "GFP_USER", G_USER },
	{ "GFP_KERNEL_ACCOUNT", MMT_GFP_KERNEL | MMT_GFP_ACCOUNT },
	{ "GFP_KERNEL", MMT_GFP_KERNEL },
	{ "GFP_NOFS", G_RECLAIM | MMT_GFP_IO },
	{ "GFP_ATOMIC", MMT_GFP_ATOMIC },
	{ "GFP_NOIO", G_RECLAIM },
	{ "GFP_NOWAIT", MMT_GFP_KSWAPD_RECLAIM | MMT_GFP_NOWARN },
	{ "GFP_DMA", MMT_GFP_DMA },
	{ "__GFP_HIGHMEM", MMT_GFP_HIGHMEM },
	{ "GFP_DMA32", MMT_GFP_DMA32 },
	{ "__GFP_HIGH", MMT_GFP_HIGH },
	{ "__GFP_IO", MMT_GFP_IO },
	{ "__GFP_FS", MMT_GFP_FS },
	{ "__GFP_NOWARN", MMT_GFP_NOWARN },
	{ "__GFP_RETRY_MAYFAIL", MMT_GFP_RETRY_MAYFAIL },
	{ "__GFP_NOFAIL", MMT_GFP_NOFAIL },
	{ "__GFP_NORETRY", MMT_GFP_NORETRY },
	{ "__GFP_COMP", MMT_GFP_COMP },
	{ "__GFP_ZERO", MMT_GFP_ZERO },
	{ "__GFP_NOMEMALLOC", MMT_GFP_NOMEMALLOC },
	{ "__GFP_MEMALLOC", MMT_GFP_MEMALLOC },
	{ "__GFP_HARDWALL", MMT_GFP_HARDWALL },
	{ "__GFP_THISNODE", MMT_GFP_THISNODE },
	{ "__GFP_RECLAIMABLE", MMT_GFP_RECLAIMABLE },
	{ "__GFP_MOVABLE", MMT_GFP_MOVABLE },
	{ "__GFP_ACCOUNT", MMT_GFP_ACCOUNT },
	{ "__GFP_WRITE", MMT_GFP_WRITE },
	{ "__GFP_RECLAIM", G_RECLAIM },
	{ "__GFP_DIRECT_RECLAIM", MMT_GFP_DIRECT_RECLAIM },
	{ "__GFP_KSWAPD_RECLAIM", MMT_GFP_KSWAPD_RECLAIM },
	{ "__GFP_ZEROTAGS", MMT_GFP_ZEROTAGS },
	{ "__GFP_REPEAT", MMT_GFP_REPEAT },
	{ "__GFP_COLD", MMT_GFP_COLD },
	/* parse-only aliases */
	{ "__GFP_DMA", MMT_GFP_DMA },
	{ "__GFP_DMA32", MMT_GFP_DMA32 },
};
#define NR_GFP_NAMES (sizeof(gfp_names) / sizeof(gfp_names[0]))
#define NR_GFP_FORMAT_NAMES (NR_GFP_NAMES - 2)

/* Append to a bounded buffer, always counting the full length. */
struct sbuf {
	char *buf;
	size_t len, pos;
};

static void sb_putn(struct sbuf *b, const char *s, size_t n)
{
	if (b->pos < b->len) {
		size_t room = b->len - b->pos - 1;
		size_t k = n < room ? n : room;

		memcpy(b->buf + b->pos, s, k);
		b->buf[b->pos + k] = '\0';
	}
	b->pos += n;
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

static void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_putn(b, tmp,
			(size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void sb_init(struct sbuf *b, char *buf, size_t len)
{
	b->buf = buf;
	b->len = len;
	b->pos = 0;
	if (buf && len)
		buf[0] = '\0';
}

size_t mmt_gfp_format(uint32_t gfp, char *buf, size_t len)
{
	struct sbuf b;
	int first = 1;

	sb_init(&b, buf, len);
	if (gfp == 0) {
		sb_puts(&b, "none");
		return b.pos;
	}
	for (size_t i = 0; i < NR_GFP_FORMAT_NAMES && gfp; i++) {
		uint32_t m = gfp_names[i].mask;

		if ((gfp & m) != m)
			continue;
		if (!first)
			sb_puts(&b, "|");
		sb_puts(&b, gfp_names[i].name);
		first = 0;
		gfp &= ~m;
	}
	if (gfp) {
		if (!first)
			sb_puts(&b, "|");
		sb_printf(&b, "0x%x", gfp);
	}
	return b.pos;
}

/* ------------------------------------------------------------ numbers */

/* Whole decimal or 0x hex number; -1 on anything else or overflow. */
static int parse_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i = 0;

	if (n == 0)
		return -1;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (n - 2 > 16)
			return -1;
		for (i = 2; i < n; i++) {
			int c = (unsigned char)s[i];
			unsigned int d;

			if (c >= '0' && c <= '9')
				d = (unsigned int)(c - '0');
			else if (c >= 'a' && c <= 'f')
				d = (unsigned int)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				d = (unsigned int)(c - 'A' + 10);
			else
				return -1;
			x = (x << 4) | d;
		}
		*v = x;
		return 0;
	}
	for (i = 0; i < n; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned int)(s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

/* A number with an optional K/M/G/T suffix (powers of 1024). */
static int parse_size(const char *s, size_t n, uint64_t *v)
{
	unsigned int shift = 0;
	uint64_t x;

	if (n > 1 && !(n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))) {
		switch (s[n - 1]) {
		case 'K':
		case 'k':
			shift = 10;
			break;
		case 'M':
		case 'm':
			shift = 20;
			break;
		case 'G':
		case 'g':
			shift = 30;
			break;
		case 'T':
		case 't':
			shift = 40;
			break;
		default:
			break;
		}
		if (shift)
			n--;
	}
	if (parse_u64(s, n, &x))
		return -1;
	if (shift && x > (UINT64_MAX >> shift))
		return -1;
	*v = x << shift;
	return 0;
}

size_t mmt_size_format(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "TGMK";
	int n;

	for (unsigned int i = 0; i < 4; i++) {
		unsigned int shift = 40u - 10u * i;

		if (bytes && (bytes & ((1ULL << shift) - 1)) == 0) {
			n = snprintf(buf, len, "%llu%c",
				     (unsigned long long)(bytes >> shift),
				     units[i]);
			return n > 0 ? (size_t)n : 0;
		}
	}
	n = snprintf(buf, len, "%llu", (unsigned long long)bytes);
	return n > 0 ? (size_t)n : 0;
}

/* Parse "NAME|NAME|0xHEX"; on error *bad is the offset of the bad part. */
static int gfp_parse_at(const char *s, size_t len, uint32_t *gfp, size_t *bad)
{
	uint32_t g = 0;
	size_t i = 0;

	*bad = 0;
	if (len == 0)
		return -1;
	if (len == 4 && memcmp(s, "none", 4) == 0) {
		*gfp = 0;
		return 0;
	}
	while (i <= len) {
		size_t j = i, k;
		uint64_t v;

		while (j < len && s[j] != '|')
			j++;
		for (k = 0; k < NR_GFP_NAMES; k++)
			if (strlen(gfp_names[k].name) == j - i &&
			    memcmp(gfp_names[k].name, s + i, j - i) == 0)
				break;
		if (k < NR_GFP_NAMES) {
			g |= gfp_names[k].mask;
		} else if (j - i > 2 && s[i] == '0' &&
			   (s[i + 1] == 'x' || s[i + 1] == 'X') &&
			   parse_u64(s + i, j - i, &v) == 0 &&
			   v <= UINT32_MAX) {
			g |= (uint32_t)v;
		} else {
			*bad = i;
			return -1;
		}
		i = j + 1;
	}
	*gfp = g;
	return 0;
}

int mmt_gfp_parse(const char *s, size_t len, uint32_t *gfp)
{
	size_t bad;

	return gfp_parse_at(s, len, gfp, &bad);
}

/* ------------------------------------------------------------ tokens */

struct tok {
	const char *s;
	size_t n;
	unsigned int col; /* 1-based */
};

#define MAX_TOKS 64

/*
 * Split one line into tokens (spaces and tabs), stopping at '#'. Returns
 * the number of tokens, or -1 when there are more than MAX_TOKS.
 */
static int tokenize(const char *line, size_t n, unsigned int col0,
		    struct tok *t)
{
	size_t i = 0;
	int nt = 0;

	while (i < n) {
		size_t j;

		if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
			i++;
			continue;
		}
		if (line[i] == '#')
			break;
		j = i;
		while (j < n && line[j] != ' ' && line[j] != '\t' &&
		       line[j] != '\r' && line[j] != '#')
			j++;
		if (nt == MAX_TOKS)
			return -1;
		t[nt].s = line + i;
		t[nt].n = j - i;
		t[nt].col = col0 + (unsigned int)i;
		nt++;
		i = j;
	}
	return nt;
}

static int tok_is(const struct tok *t, const char *s)
{
	return t->n == strlen(s) && memcmp(t->s, s, t->n) == 0;
}

/* Printable copy of a token for messages (truncated). */
static const char *tok_str(const struct tok *t, char *buf, size_t len)
{
	size_t n = t->n < len - 1 ? t->n : len - 1;

	for (size_t i = 0; i < n; i++)
		buf[i] = isprint((unsigned char)t->s[i]) ? t->s[i] : '?';
	buf[n] = '\0';
	if (t->n > n && n > 3)
		memcpy(buf + n - 3, "...", 3);
	return buf;
}

/* ------------------------------------------------------------ machine spec */

static void spec_err(struct mmt_spec_error *e, unsigned int col,
		     const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void spec_err(struct mmt_spec_error *e, unsigned int col,
		     const char *field, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	e->column = col;
	snprintf(e->field, sizeof(e->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

uint64_t mmt_machine_end_pfn(const struct mmt_machine *m)
{
	uint64_t end = 0;

	for (uint32_t i = 0; i < m->nr_banks && i < MMT_MAX_RANGES; i++) {
		uint64_t e = m->banks[i].start_pfn + m->banks[i].nr_pages;

		if (e > end)
			end = e;
	}
	return end;
}

/*
 * The rules; *which is set to the bank or reserve index at fault (or -1)
 * so the parser can point at its token.
 */
static int machine_check_at(const struct mmt_machine *m,
			    struct mmt_spec_error *e, int *which)
{
	uint64_t max_pfn, pages = 0, end;

	*which = -1;
	if (m->page_shift != 12 && m->page_shift != 13) {
		spec_err(e, 1, "page", "page size must be 4K or 8K");
		return -1;
	}
	if (m->profile > 1 || m->era > 1) {
		spec_err(e, 1, m->profile > 1 ? "profile" : "era", "unknown %s",
			 m->profile > 1 ? "profile" : "era");
		return -1;
	}
	if (m->nr_orders < 1 || m->nr_orders > MMT_MACHINE_MAX_ORDERS) {
		spec_err(e, 1, "orders", "orders %u is out of range 1..%u",
			 m->nr_orders, MMT_MACHINE_MAX_ORDERS);
		return -1;
	}
	if (m->nr_cpus < 1 || m->nr_cpus > MMT_MACHINE_MAX_CPUS) {
		spec_err(e, 1, "cpus", "cpus %u is out of range 1..%u",
			 m->nr_cpus, MMT_MACHINE_MAX_CPUS);
		return -1;
	}
	if (m->nr_banks < 1 || m->nr_banks > MMT_MAX_RANGES) {
		spec_err(e, 1, "bank", "a machine has 1..%u banks, not %u",
			 MMT_MAX_RANGES, m->nr_banks);
		return -1;
	}
	max_pfn = MMT_MACHINE_MAX_BYTES >> m->page_shift;
	end = 0;
	for (uint32_t i = 0; i < m->nr_banks; i++) {
		const struct mmt_pfn_range *b = &m->banks[i];

		*which = (int)i;
		if (b->nr_pages == 0) {
			spec_err(e, 1, "bank", "bank %u is empty", i);
			return -1;
		}
		if (b->start_pfn > max_pfn || b->nr_pages > max_pfn ||
		    b->start_pfn + b->nr_pages > max_pfn) {
			spec_err(e, 1, "bank", "bank %u ends above 1T", i);
			return -1;
		}
		if (i > 0 && b->start_pfn < end) {
			spec_err(e, 1, "bank",
				 "bank %u starts below the end of bank %u "
				 "(banks must be sorted and disjoint)",
				 i, i - 1);
			return -1;
		}
		end = b->start_pfn + b->nr_pages;
		pages += b->nr_pages;
	}
	*which = 0; /* point at the first bank */
	if (pages < (1ULL << (m->nr_orders - 1))) {
		char a[32], t[32];

		mmt_size_format(pages << m->page_shift, a, sizeof(a));
		mmt_size_format((1ULL << (m->nr_orders - 1)) << m->page_shift,
				t, sizeof(t));
		spec_err(e, 1, "bank",
			 "RAM %s is below one top-order block (%s)", a, t);
		return -1;
	}
	if (m->nr_reserved > MMT_MAX_RANGES) {
		spec_err(e, 1, "reserve", "at most %u reserved ranges",
			 MMT_MAX_RANGES);
		return -1;
	}
	for (uint32_t i = 0; i < m->nr_reserved; i++) {
		const struct mmt_pfn_range *r = &m->reserved[i];

		*which = (int)(MMT_MAX_RANGES + i);
		if (r->nr_pages == 0) {
			spec_err(e, 1, "reserve", "reserved range %u is empty",
				 i);
			return -1;
		}
		if (r->start_pfn >= end || r->nr_pages > end ||
		    r->start_pfn + r->nr_pages > end) {
			spec_err(e, 1, "reserve",
				 "reserved range %u ends beyond the last bank",
				 i);
			return -1;
		}
	}
	*which = -1;
	return 0;
}

int mmt_machine_check(const struct mmt_machine *m, struct mmt_spec_error *e)
{
	int which;

	return machine_check_at(m, e, &which);
}

/* SIZE@START into bytes. */
static int parse_range(const char *s, size_t n, uint64_t *size, uint64_t *start)
{
	const char *at = memchr(s, '@', n);

	if (!at)
		return -1;
	if (parse_size(s, (size_t)(at - s), size))
		return -1;
	return parse_size(at + 1, n - (size_t)(at - s) - 1, start);
}

struct spec_range {
	uint64_t size, start;
	unsigned int col;
};

int mmt_machine_parse_spec(const char *s, size_t len, struct mmt_machine *m,
			   struct mmt_spec_error *e)
{
	struct tok t[MAX_TOKS];
	struct spec_range banks[MMT_MAX_RANGES], res[MMT_MAX_RANGES];
	unsigned int nb = 0, nr = 0, seen = 0, ram_col = 0;
	int nt = tokenize(s, len, 1, t), which;
	uint64_t ps;
	char tb[48];

	static const char *const keys[] = { "profile", "era",  "page",
					    "orders",  "cpus", "bank",
					    "reserve", "ram" };

	if (e)
		memset(e, 0, sizeof(*e));
	mmt_machine_default(m);
	if (nt < 0) {
		spec_err(e, 1, "machine", "too many fields");
		return -1;
	}
	for (int i = 0; i < nt; i++) {
		const char *eq = memchr(t[i].s, '=', t[i].n);
		size_t kn, vn;
		const char *v;
		unsigned int k;
		uint64_t x;

		if (!eq) {
			spec_err(e, t[i].col, "key",
				 "expected KEY=VALUE, got '%s'",
				 tok_str(&t[i], tb, sizeof(tb)));
			return -1;
		}
		kn = (size_t)(eq - t[i].s);
		v = eq + 1;
		vn = t[i].n - kn - 1;
		for (k = 0; k < 8; k++)
			if (strlen(keys[k]) == kn &&
			    memcmp(keys[k], t[i].s, kn) == 0)
				break;
		if (k == 8) {
			struct tok kt = { t[i].s, kn, t[i].col };

			spec_err(e, t[i].col, "key",
				 "unknown machine key '%s' (expected profile, "
				 "era, page, orders, cpus, bank, reserve, ram)",
				 tok_str(&kt, tb, sizeof(tb)));
			return -1;
		}
		if (k != 5 && k != 6 && (seen & (1u << k))) {
			spec_err(e, t[i].col, keys[k], "duplicate key '%s'",
				 keys[k]);
			return -1;
		}
		seen |= 1u << k;
		switch (k) {
		case 0:
			if (vn == 6 && memcmp(v, "x86_64", 6) == 0) {
				m->profile = 0;
			} else if (vn == 6 && memcmp(v, "x86_32", 6) == 0) {
				m->profile = 1;
			} else {
				spec_err(e, t[i].col, "profile",
					 "profile must be x86_64 or x86_32");
				return -1;
			}
			break;
		case 1:
			if (vn == 4 && memcmp(v, "6.12", 4) == 0) {
				m->era = 0;
			} else if (vn == 3 && memcmp(v, "2.6", 3) == 0) {
				m->era = 1;
			} else {
				spec_err(e, t[i].col, "era",
					 "era must be 6.12 or 2.6");
				return -1;
			}
			break;
		case 2:
			if (parse_size(v, vn, &x) || (x != 4096 && x != 8192)) {
				spec_err(e, t[i].col, "page",
					 "page must be 4K or 8K");
				return -1;
			}
			m->page_shift = x == 4096 ? 12 : 13;
			break;
		case 3:
		case 4:
			if (parse_u64(v, vn, &x) || x > 1000) {
				spec_err(e, t[i].col, keys[k],
					 "bad number for %s", keys[k]);
				return -1;
			}
			if (k == 3)
				m->nr_orders = (uint32_t)x;
			else
				m->nr_cpus = (uint32_t)x;
			break;
		case 5:
		case 6: {
			struct spec_range *r = k == 5 ? &banks[nb] : &res[nr];
			unsigned int *cnt = k == 5 ? &nb : &nr;

			if (*cnt == MMT_MAX_RANGES) {
				spec_err(e, t[i].col, keys[k],
					 "at most %u %s ranges", MMT_MAX_RANGES,
					 keys[k]);
				return -1;
			}
			if (parse_range(v, vn, &r->size, &r->start)) {
				spec_err(e, t[i].col, keys[k],
					 "bad %s '%s' (expected SIZE@START)",
					 keys[k],
					 tok_str(&t[i], tb, sizeof(tb)));
				return -1;
			}
			r->col = t[i].col;
			(*cnt)++;
			break;
		}
		default: /* ram */
			if (parse_size(v, vn, &x)) {
				spec_err(e, t[i].col, "ram",
					 "bad size for ram");
				return -1;
			}
			ram_col = t[i].col;
			banks[0].size = x;
			banks[0].start = 0;
			banks[0].col = t[i].col;
			break;
		}
	}
	if (ram_col && nb) {
		spec_err(e, ram_col, "ram",
			 "ram= and bank= exclude each other");
		return -1;
	}
	if (ram_col)
		nb = 1;
	ps = 1ULL << m->page_shift;
	if (nb) {
		m->nr_banks = nb;
		memset(m->banks, 0, sizeof(m->banks));
	}
	for (unsigned int i = 0; i < nb + nr; i++) {
		const struct spec_range *r = i < nb ? &banks[i] : &res[i - nb];
		const char *f = i < nb ? (ram_col ? "ram" : "bank") : "reserve";
		struct mmt_pfn_range *out = i < nb ? &m->banks[i] :
						     &m->reserved[i - nb];

		if ((r->size | r->start) & (ps - 1)) {
			spec_err(e, r->col, f,
				 "%s is not a multiple of the page size %llu",
				 f, (unsigned long long)ps);
			return -1;
		}
		if (r->start > MMT_MACHINE_MAX_BYTES ||
		    r->size > MMT_MACHINE_MAX_BYTES) {
			spec_err(e, r->col, f, "%s lies above 1T", f);
			return -1;
		}
		out->start_pfn = r->start >> m->page_shift;
		out->nr_pages = r->size >> m->page_shift;
	}
	m->nr_reserved = nr;
	if (machine_check_at(m, e, &which)) {
		if (e && which >= 0 && which < (int)MMT_MAX_RANGES &&
		    (unsigned int)which < nb)
			e->column = banks[which].col;
		else if (e && which >= (int)MMT_MAX_RANGES)
			e->column = res[which - (int)MMT_MAX_RANGES].col;
		return -1;
	}
	return 0;
}

size_t mmt_machine_format_spec(const struct mmt_machine *m, char *buf,
			       size_t len)
{
	struct sbuf b;
	char a[32], c[32];

	sb_init(&b, buf, len);
	sb_printf(&b, "profile=%s era=%s page=%s orders=%u cpus=%u",
		  m->profile ? "x86_32" : "x86_64", m->era ? "2.6" : "6.12",
		  m->page_shift == 13 ? "8K" : "4K", m->nr_orders, m->nr_cpus);
	for (uint32_t i = 0; i < m->nr_banks && i < MMT_MAX_RANGES; i++) {
		mmt_size_format(m->banks[i].nr_pages << m->page_shift, a,
				sizeof(a));
		mmt_size_format(m->banks[i].start_pfn << m->page_shift, c,
				sizeof(c));
		sb_printf(&b, " bank=%s@%s", a, c);
	}
	for (uint32_t i = 0; i < m->nr_reserved && i < MMT_MAX_RANGES; i++) {
		mmt_size_format(m->reserved[i].nr_pages << m->page_shift, a,
				sizeof(a));
		mmt_size_format(m->reserved[i].start_pfn << m->page_shift, c,
				sizeof(c));
		sb_printf(&b, " reserve=%s@%s", a, c);
	}
	return b.pos;
}

/* ------------------------------------------------------------ ops as text */

/* The text key of each field but the slot, which is positional (sN). */
static const char *const field_keys[MMT_NR_FIELDS] = {
	[MMT_FIELD_SLOT] = "slot",   [MMT_FIELD_ORDER] = "order",
	[MMT_FIELD_GFP] = "gfp",     [MMT_FIELD_SIZE] = "size",
	[MMT_FIELD_ALIGN] = "align",
};

static void format_field(struct sbuf *b, enum mmt_field f,
			 const struct mmt_op *op)
{
	char g[400];

	switch (f) {
	case MMT_FIELD_SLOT:
		sb_printf(b, " s%u", op->slot);
		break;
	case MMT_FIELD_ORDER:
		sb_printf(b, " order=%u", op->order);
		break;
	case MMT_FIELD_GFP:
		mmt_gfp_format(op->gfp, g, sizeof(g));
		sb_puts(b, " gfp=");
		sb_puts(b, g);
		break;
	case MMT_FIELD_SIZE:
		sb_printf(b, " size=%llu", (unsigned long long)op->size);
		break;
	case MMT_FIELD_ALIGN:
		sb_printf(b, " align=%llu", (unsigned long long)op->align);
		break;
	case MMT_NR_FIELDS:
		break;
	}
}

size_t mmt_op_format(const struct mmt_op *op, char *buf, size_t len)
{
	const struct mmt_op_desc *d = mmt_op_desc(op->kind);
	struct sbuf b;

	sb_init(&b, buf, len);
	if (!d) {
		sb_printf(&b, "# unknown op kind %u", op->kind);
		return b.pos;
	}
	sb_puts(&b, d->name);
	for (unsigned int f = 0; f < MMT_NR_FIELDS; f++)
		if (d->fields & MMT_F(f))
			format_field(&b, (enum mmt_field)f, op);
	return b.pos;
}

/* A growing NUL-terminated string. */
struct dstr {
	char *s;
	size_t len, cap;
	int oom;
};

static void ds_putn(struct dstr *d, const char *s, size_t n)
{
	if (d->oom)
		return;
	if (d->len + n + 1 > d->cap) {
		size_t cap = d->cap ? d->cap : 1024;
		char *ns;

		while (cap < d->len + n + 1)
			cap *= 2;
		ns = realloc(d->s, cap);
		if (!ns) {
			d->oom = 1;
			return;
		}
		d->s = ns;
		d->cap = cap;
	}
	memcpy(d->s + d->len, s, n);
	d->len += n;
	d->s[d->len] = '\0';
}

char *mmt_prog_format_text(const struct mmt_prog *p)
{
	struct dstr d = { NULL, 0, 0, 0 };
	char line[1200];
	size_t n;

	ds_putn(&d, "# mmtorture ops v2\nopset ",
		strlen("# mmtorture ops v2\nopset "));
	ds_putn(&d, mmt_opset_name(p->opset), strlen(mmt_opset_name(p->opset)));
	ds_putn(&d, "\nmachine ", strlen("\nmachine "));
	n = mmt_machine_format_spec(&p->machine, line, sizeof(line));
	ds_putn(&d, line, n < sizeof(line) ? n : sizeof(line) - 1);
	n = (size_t)snprintf(line, sizeof(line), "\ncheck_every %u\n",
			     p->check_every);
	ds_putn(&d, line, n);
	for (size_t i = 0; i < p->nr_ops; i++) {
		n = mmt_op_format(&p->ops[i], line, sizeof(line) - 1);
		if (n > sizeof(line) - 2)
			n = sizeof(line) - 2;
		line[n++] = '\n';
		ds_putn(&d, line, n);
	}
	if (d.oom) {
		free(d.s);
		return NULL;
	}
	return d.s;
}

/* ------------------------------------------------------------ parser */

struct parser {
	const char *file;
	unsigned int line;
	struct mmt_parse_error *err;
};

static int perr(struct parser *ps, unsigned int col, const char *field,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int perr(struct parser *ps, unsigned int col, const char *field,
		const char *fmt, ...)
{
	va_list ap;
	struct mmt_parse_error *e = ps->err;

	if (!e)
		return -1;
	e->file = ps->file;
	e->line = ps->line;
	e->column = col;
	snprintf(e->field, sizeof(e->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}

/* "order, gfp": the keys of fields (the slot is not a key). */
static const char *keys_list(uint32_t fields, char *buf, size_t len)
{
	struct sbuf b;

	sb_init(&b, buf, len);
	for (unsigned int f = MMT_FIELD_SLOT + 1; f < MMT_NR_FIELDS; f++)
		if (fields & MMT_F(f))
			sb_printf(&b, "%s%s", b.pos ? ", " : "", field_keys[f]);
	if (!b.pos)
		sb_puts(&b, "none");
	return buf;
}

static int parse_slot(struct parser *ps, const struct tok *t, int nt,
		      struct mmt_op *op)
{
	const char *name = mmt_op_name(op->kind);
	char tb[48];
	uint64_t v;

	if (nt < 2)
		return perr(ps, t[0].col + (unsigned int)t[0].n + 1, "slot",
			    "'%s' needs a slot (s0..s%u)", name,
			    MMT_NR_SLOTS - 1);
	if (t[1].n < 2 || t[1].s[0] != 's' ||
	    parse_u64(t[1].s + 1, t[1].n - 1, &v) ||
	    (t[1].s[1] == '0' && t[1].n > 2))
		return perr(ps, t[1].col, "slot",
			    "bad slot '%s' (expected s0..s%u)",
			    tok_str(&t[1], tb, sizeof(tb)), MMT_NR_SLOTS - 1);
	if (v >= MMT_NR_SLOTS)
		return perr(ps, t[1].col, "slot",
			    "slot %llu is out of range 0..%u",
			    (unsigned long long)v, MMT_NR_SLOTS - 1);
	op->slot = (uint16_t)v;
	return 0;
}

static int parse_gfp_value(struct parser *ps, const char *v, size_t vn,
			   unsigned int vcol, struct mmt_op *op)
{
	char tb[48];
	size_t bad;
	uint32_t g;

	if (gfp_parse_at(v, vn, &g, &bad)) {
		const char *bs = v + bad;
		const char *be = memchr(bs, '|', vn - bad);
		struct tok bt = { bs, be ? (size_t)(be - bs) : vn - bad, vcol };

		return perr(ps, vcol + (unsigned int)bad, "gfp",
			    "unknown gfp flag '%s'",
			    tok_str(&bt, tb, sizeof(tb)));
	}
	if (g & ~MMT_GFP_VALID_MASK)
		return perr(ps, vcol, "gfp", "gfp bits 0x%x are not GFP bits",
			    g & ~MMT_GFP_VALID_MASK);
	op->gfp = g;
	return 0;
}

/* The value of field f (not the slot) at v, vn bytes, column vcol. */
static int parse_value(struct parser *ps, const struct mmt_prog *p,
		       enum mmt_field f, const char *v, size_t vn,
		       unsigned int vcol, struct mmt_op *op)
{
	const char *key = field_keys[f];
	char tb[48];
	uint64_t x;

	if (f == MMT_FIELD_GFP)
		return parse_gfp_value(ps, v, vn, vcol, op);
	if (parse_u64(v, vn, &x)) {
		struct tok vt = { v, vn, vcol };

		return perr(ps, vcol, key, "bad number '%s' for %s",
			    tok_str(&vt, tb, sizeof(tb)), key);
	}
	switch (f) {
	case MMT_FIELD_ORDER:
		if (x > p->machine.nr_orders + 15ULL)
			return perr(ps, vcol, key,
				    "order %llu is out of range 0..%u "
				    "(orders %u + 15 impossible ones)",
				    (unsigned long long)x,
				    p->machine.nr_orders + 15,
				    p->machine.nr_orders);
		op->order = (uint32_t)x;
		return 0;
	case MMT_FIELD_SIZE:
		op->size = x;
		return 0;
	case MMT_FIELD_ALIGN:
		if (x == 0 || (x & (x - 1)) || x > (1ULL << 23))
			return perr(ps, vcol, key,
				    "align %llu must be a power of two up to "
				    "8M",
				    (unsigned long long)x);
		op->align = x;
		return 0;
	default:
		return perr(ps, vcol, key, "field %s has no value", key);
	}
}

/* One KEY=VALUE token of an op whose row is d; *seen collects fields. */
static int parse_key(struct parser *ps, const struct mmt_prog *p,
		     const struct mmt_op_desc *d, const struct tok *t,
		     uint32_t *seen, struct mmt_op *op)
{
	const char *eq = memchr(t->s, '=', t->n);
	size_t kn = eq ? (size_t)(eq - t->s) : 0;
	struct tok kt = { t->s, kn, t->col };
	char tb[48], kl[64];
	unsigned int f;

	if (!eq)
		return perr(ps, t->col, "op",
			    "unexpected '%s' after %s (expected KEY=VALUE; "
			    "keys: %s)",
			    tok_str(t, tb, sizeof(tb)), d->name,
			    keys_list(d->fields, kl, sizeof(kl)));
	for (f = MMT_FIELD_SLOT + 1; f < MMT_NR_FIELDS; f++)
		if (tok_is(&kt, field_keys[f]))
			break;
	if (f == MMT_NR_FIELDS || !(d->fields & MMT_F(f)))
		return perr(ps, t->col, "key",
			    "unknown key '%s' for %s (keys: %s)",
			    tok_str(&kt, tb, sizeof(tb)), d->name,
			    keys_list(d->fields, kl, sizeof(kl)));
	if (*seen & MMT_F(f))
		return perr(ps, t->col, field_keys[f], "duplicate key '%s'",
			    field_keys[f]);
	*seen |= MMT_F(f);
	return parse_value(ps, p, (enum mmt_field)f, eq + 1, t->n - kn - 1,
			   t->col + (unsigned int)kn + 1, op);
}

/*
 * The op set a program in no declared set takes from its first op that
 * belongs to one; check belongs to all.
 */
static int op_set_for(struct parser *ps, const struct tok *t, unsigned int kind,
		      struct mmt_prog *p, int *opset_fixed)
{
	const struct mmt_op_desc *d = mmt_op_desc(kind);

	if (mmt_op_in_set(kind, p->opset))
		goto ok;
	if (*opset_fixed)
		return perr(ps, t->col, "op", "op '%s' is not in op set %s",
			    d->name, mmt_opset_name(p->opset));
	p->opset = (enum mmt_opset)d->set;
ok:
	if (d->set != MMT_NR_OPSETS)
		*opset_fixed = 1;
	return 0;
}

static int parse_op(struct parser *ps, const struct tok *t, int nt,
		    struct mmt_prog *p, int *opset_fixed)
{
	const struct mmt_op_desc *d = NULL;
	struct mmt_op op;
	uint32_t seen = 0, missing;
	unsigned int kind;
	char tb[48];
	int i = 1;

	memset(&op, 0, sizeof(op));
	for (kind = 0; kind < MMT_NR_OP_KINDS; kind++)
		if (tok_is(&t[0], mmt_op_name(kind)))
			break;
	if (kind == MMT_NR_OP_KINDS)
		return perr(ps, t[0].col, "op", "unknown op '%s'",
			    tok_str(&t[0], tb, sizeof(tb)));
	d = mmt_op_desc(kind);
	if (op_set_for(ps, &t[0], kind, p, opset_fixed))
		return -1;
	op.kind = (uint16_t)kind;
	op.line = ps->line;
	op.gfp = d->gfp;
	op.align = (d->fields & MMT_F(MMT_FIELD_ALIGN)) ? 1 : 0;
	if (d->fields & MMT_F(MMT_FIELD_SLOT)) {
		if (parse_slot(ps, t, nt, &op))
			return -1;
		seen |= MMT_F(MMT_FIELD_SLOT);
		i = 2;
	} else if (nt > 1) {
		return perr(ps, t[1].col, "op",
			    "unexpected '%s': %s takes no arguments",
			    tok_str(&t[1], tb, sizeof(tb)), d->name);
	}
	for (; i < nt; i++)
		if (parse_key(ps, p, d, &t[i], &seen, &op))
			return -1;
	missing = d->required & ~seen;
	for (unsigned int f = 0; f < MMT_NR_FIELDS; f++)
		if (missing & MMT_F(f))
			return perr(ps, t[0].col, field_keys[f],
				    "'%s' needs %s=N", d->name, field_keys[f]);
	if (mmt_prog_push(p, &op))
		return perr(ps, t[0].col, "op",
			    p->nr_ops >= MMT_MAX_OPS ? "more than %u ops" :
						       "out of memory (%u)",
			    MMT_MAX_OPS);
	return 0;
}

/* "pages, objects": every op set's name. */
static const char *opset_names(char *buf, size_t len)
{
	struct sbuf b;

	sb_init(&b, buf, len);
	for (unsigned int i = 0; i < MMT_NR_OPSETS; i++)
		sb_printf(&b, "%s%s", i ? ", " : "", mmt_opset_name(i));
	return buf;
}

int mmt_prog_parse_text(const char *text, size_t len, const char *file,
			struct mmt_prog *out, struct mmt_parse_error *err)
{
	struct parser ps = { file, 0, err };
	struct tok t[MAX_TOKS];
	size_t pos = 0;
	int seen_machine = 0, seen_check = 0, seen_opset = 0, opset_fixed = 0;
	char tb[48], sets[160];

	if (err)
		memset(err, 0, sizeof(*err));
	mmt_prog_init(out, MMT_OPSET_PAGES);
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		int nt;

		pos += n + (nl ? 1 : 0);
		ps.line++;
		if (memchr(line, '\0', n)) {
			perr(&ps,
			     (unsigned int)((const char *)memchr(line, '\0',
								 n) -
					    line) +
				     1,
			     "text", "NUL byte in a text program");
			goto fail;
		}
		nt = tokenize(line, n, 1, t);
		if (nt < 0) {
			perr(&ps, 1, "op", "too many fields on one line");
			goto fail;
		}
		if (nt == 0)
			continue;
		if (tok_is(&t[0], "machine")) {
			struct mmt_spec_error se;
			size_t off = (size_t)(t[0].s - line) + t[0].n;

			if (seen_machine || out->nr_ops) {
				perr(&ps, t[0].col, "machine",
				     seen_machine ? "duplicate machine line" :
						    "machine must come before "
						    "the first op");
				goto fail;
			}
			seen_machine = 1;
			if (mmt_machine_parse_spec(line + off, n - off,
						   &out->machine, &se)) {
				perr(&ps, (unsigned int)off + se.column,
				     se.field, "%s", se.message);
				goto fail;
			}
			continue;
		}
		if (tok_is(&t[0], "check_every")) {
			uint64_t v;

			if (seen_check) {
				perr(&ps, t[0].col, "check_every",
				     "duplicate check_every line");
				goto fail;
			}
			seen_check = 1;
			if (nt != 2 || parse_u64(t[1].s, t[1].n, &v) ||
			    v > UINT32_MAX) {
				perr(&ps, nt >= 2 ? t[1].col : t[0].col,
				     "check_every",
				     "check_every needs one number 0..%u",
				     UINT32_MAX);
				goto fail;
			}
			out->check_every = (uint32_t)v;
			continue;
		}
		if (tok_is(&t[0], "opset")) {
			if (seen_opset || out->nr_ops) {
				perr(&ps, t[0].col, "opset",
				     seen_opset ? "duplicate opset line" :
						  "opset must come before the "
						  "first op");
				goto fail;
			}
			seen_opset = 1;
			opset_fixed = 1;
			if (nt > 2) {
				perr(&ps, t[2].col, "opset", "unexpected '%s'",
				     tok_str(&t[2], tb, sizeof(tb)));
				goto fail;
			}
			if (nt < 2 || mmt_opset_by_name(t[1].s, t[1].n) < 0) {
				perr(&ps, nt >= 2 ? t[1].col : t[0].col,
				     "opset", "opset must be one of: %s",
				     opset_names(sets, sizeof(sets)));
				goto fail;
			}
			out->opset = (enum mmt_opset)mmt_opset_by_name(t[1].s,
								       t[1].n);
			continue;
		}
		if (parse_op(&ps, t, nt, out, &opset_fixed))
			goto fail;
	}
	return 0;
fail:
	mmt_prog_free(out);
	return -1;
}
