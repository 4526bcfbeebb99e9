/* SPDX-License-Identifier: MIT */
/*
 * text.c - op sequences, format v1: the text form (docs/op-format.md).
 *
 * What humans read and write. One op per line; '#' starts a comment that
 * runs to the end of the line; blank lines are fine; tokens are separated
 * by spaces or tabs. Header lines (before the first op):
 *     machine KEY=VALUE...      the machine spec (harness/machine.c)
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
#include "mmt_lib.h"

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

size_t mmt_gfp_format(uint32_t gfp, char *buf, size_t len)
{
	struct mmt_sbuf b;
	int first = 1;

	mmt_sbuf_init(&b, buf, len);
	if (gfp == 0) {
		mmt_sbuf_puts(&b, "none");
		return b.pos;
	}
	for (size_t i = 0; i < NR_GFP_FORMAT_NAMES && gfp; i++) {
		uint32_t m = gfp_names[i].mask;

		if ((gfp & m) != m)
			continue;
		if (!first)
			mmt_sbuf_puts(&b, "|");
		mmt_sbuf_puts(&b, gfp_names[i].name);
		first = 0;
		gfp &= ~m;
	}
	if (gfp) {
		if (!first)
			mmt_sbuf_puts(&b, "|");
		mmt_sbuf_printf(&b, "0x%x", gfp);
	}
	return b.pos;
}

/* ------------------------------------------------------------ numbers */

/* Whole decimal or 0x hex number; -1 on anything else or overflow. */
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
			   mmt_u64_parse(s + i, j - i, &v) == 0 &&
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

/* ------------------------------------------------------------ ops as text */

/* The text key of each field but the slot, which is positional (sN). */
static const char *const field_keys[MMT_NR_FIELDS] = {
	[MMT_FIELD_SLOT] = "slot",   [MMT_FIELD_ORDER] = "order",
	[MMT_FIELD_GFP] = "gfp",     [MMT_FIELD_SIZE] = "size",
	[MMT_FIELD_ALIGN] = "align", [MMT_FIELD_POOL] = "pool",
	[MMT_FIELD_COUNT] = "count", [MMT_FIELD_NMEMB] = "nmemb",
	[MMT_FIELD_CPU] = "cpu",     [MMT_FIELD_LOCK] = "lock",
	[MMT_FIELD_NEEDS] = "needs",
};

/* needs=: "none", "fs", "io" or "fs|io" (the canonical spelling). */
static const char *const needs_names[4] = { "none", "fs", "io", "fs|io" };

static void format_field(struct mmt_sbuf *b, enum mmt_field f,
			 const struct mmt_op *op)
{
	char g[400];

	switch (f) {
	case MMT_FIELD_SLOT:
		mmt_sbuf_printf(b, " s%u", op->slot);
		break;
	case MMT_FIELD_ORDER:
		mmt_sbuf_printf(b, " order=%u", op->order);
		break;
	case MMT_FIELD_GFP:
		mmt_gfp_format(op->gfp, g, sizeof(g));
		mmt_sbuf_puts(b, " gfp=");
		mmt_sbuf_puts(b, g);
		break;
	case MMT_FIELD_SIZE:
		mmt_sbuf_printf(b, " size=%llu", (unsigned long long)op->size);
		break;
	case MMT_FIELD_ALIGN:
		mmt_sbuf_printf(b, " align=%llu",
				(unsigned long long)op->align);
		break;
	case MMT_FIELD_POOL:
		mmt_sbuf_printf(b, " pool=%u", op->pool);
		break;
	case MMT_FIELD_COUNT:
		mmt_sbuf_printf(b, " count=%u", op->count);
		break;
	case MMT_FIELD_NMEMB:
		mmt_sbuf_printf(b, " nmemb=%llu",
				(unsigned long long)op->nmemb);
		break;
	case MMT_FIELD_CPU:
		mmt_sbuf_printf(b, " cpu=%u", op->cpu);
		break;
	case MMT_FIELD_LOCK:
		mmt_sbuf_printf(b, " lock=%u", op->lock);
		break;
	case MMT_FIELD_NEEDS:
		mmt_sbuf_printf(b, " needs=%s", needs_names[op->needs & 3u]);
		break;
	case MMT_NR_FIELDS:
		break;
	}
}

size_t mmt_op_format(const struct mmt_op *op, char *buf, size_t len)
{
	const struct mmt_op_desc *d = mmt_op_desc(op->kind);
	struct mmt_sbuf b;

	mmt_sbuf_init(&b, buf, len);
	if (!d) {
		mmt_sbuf_printf(&b, "# unknown op kind %u", op->kind);
		return b.pos;
	}
	mmt_sbuf_puts(&b, d->name);
	for (unsigned int f = 0; f < MMT_NR_FIELDS; f++)
		if (d->fields & MMT_F(f))
			format_field(&b, (enum mmt_field)f, op);
	return b.pos;
}

char *mmt_prog_format_text(const struct mmt_prog *p)
{
	struct mmt_dstr d = MMT_DSTR_INIT;
	char line[1200];
	size_t n;

	mmt_dstr_printf(&d, "# mmtorture ops v2\nopset %s\nmachine ",
			mmt_opset_name(p->opset));
	n = mmt_machine_format_spec(&p->machine, line, sizeof(line));
	mmt_dstr_putn(&d, line, n < sizeof(line) ? n : sizeof(line) - 1);
	mmt_dstr_printf(&d, "\ncheck_every %u\n", p->check_every);
	for (size_t i = 0; i < p->nr_ops; i++) {
		n = mmt_op_format(&p->ops[i], line, sizeof(line));
		mmt_dstr_putn(&d, line,
			      n < sizeof(line) ? n : sizeof(line) - 1);
		mmt_dstr_putn(&d, "\n", 1);
	}
	return mmt_dstr_take(&d);
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

/* A header line (machine, opset) comes once and before the first op; -1
 * after the error when this one does not. Marks it seen. */
static int header_once(struct parser *ps, const struct tok *key,
		       const char *name, int *seen, size_t nr_ops)
{
	if (*seen)
		return perr(ps, key->col, name, "duplicate %s line", name);
	if (nr_ops)
		return perr(ps, key->col, name,
			    "%s must come before the first op", name);
	*seen = 1;
	return 0;
}

/* "order, gfp": the keys of fields (the slot is not a key). */
static const char *keys_list(uint32_t fields, char *buf, size_t len)
{
	struct mmt_sbuf b;

	mmt_sbuf_init(&b, buf, len);
	for (unsigned int f = MMT_FIELD_SLOT + 1; f < MMT_NR_FIELDS; f++)
		if (fields & MMT_F(f))
			mmt_sbuf_printf(&b, "%s%s", b.pos ? ", " : "",
					field_keys[f]);
	if (!b.pos)
		mmt_sbuf_puts(&b, "none");
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
	    mmt_u64_parse(t[1].s + 1, t[1].n - 1, &v) ||
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

/* needs=NAME[|NAME...]: fs, io, none, in any order. */
static int parse_needs_value(struct parser *ps, const char *v, size_t vn,
			     unsigned int vcol, struct mmt_op *op)
{
	size_t at = 0;
	uint8_t needs = 0;
	char tb[48];

	while (at <= vn) {
		const char *bs = v + at;
		const char *be = memchr(bs, '|', vn - at);
		size_t n = be ? (size_t)(be - bs) : vn - at;
		struct tok bt = { bs, n, vcol + (unsigned int)at };

		if (tok_is(&bt, "fs"))
			needs |= MMT_SHRINKER_NEEDS_FS;
		else if (tok_is(&bt, "io"))
			needs |= MMT_SHRINKER_NEEDS_IO;
		else if (!tok_is(&bt, "none"))
			return perr(ps, bt.col, "needs",
				    "unknown need '%s' (want fs, io or none)",
				    tok_str(&bt, tb, sizeof(tb)));
		at += n + 1;
	}
	op->needs = needs;
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
	if (f == MMT_FIELD_NEEDS)
		return parse_needs_value(ps, v, vn, vcol, op);
	if (mmt_u64_parse(v, vn, &x)) {
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
	case MMT_FIELD_POOL:
		if (x >= MMT_NR_POOLS)
			return perr(ps, vcol, key,
				    "pool %llu is out of range 0..%u",
				    (unsigned long long)x, MMT_NR_POOLS - 1);
		op->pool = (uint8_t)x;
		return 0;
	case MMT_FIELD_COUNT:
		if (x > MMT_MAX_COUNT)
			return perr(ps, vcol, key,
				    "count %llu is out of range 0..%u",
				    (unsigned long long)x, MMT_MAX_COUNT);
		op->count = (uint32_t)x;
		return 0;
	case MMT_FIELD_NMEMB:
		op->nmemb = x;
		return 0;
	case MMT_FIELD_CPU:
		if (x >= p->machine.nr_cpus)
			return perr(ps, vcol, key,
				    "cpu %llu is out of range 0..%u (the "
				    "machine's cpus - 1)",
				    (unsigned long long)x,
				    p->machine.nr_cpus - 1);
		op->cpu = (uint8_t)x;
		return 0;
	case MMT_FIELD_LOCK:
		if (x >= MMT_CTX_NR_LOCKS)
			return perr(ps, vcol, key,
				    "lock %llu is out of range 0..%u",
				    (unsigned long long)x,
				    MMT_CTX_NR_LOCKS - 1);
		op->lock = (uint8_t)x;
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
	} else if (nt > 1 && !d->fields) {
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
	struct mmt_sbuf b;

	mmt_sbuf_init(&b, buf, len);
	for (unsigned int i = 0; i < MMT_NR_OPSETS; i++)
		mmt_sbuf_printf(&b, "%s%s", i ? ", " : "", mmt_opset_name(i));
	return buf;
}

/* The header lines' state while a program is parsed. */
struct header {
	int seen_machine, seen_check, seen_opset;
	int opset_fixed; /* the op set is settled (opset line or an op) */
};

/* "machine KEY=VALUE ..." (t[0] is "machine", the line n bytes). */
static int machine_line(struct parser *ps, struct header *h, const char *line,
			size_t n, const struct tok *t, struct mmt_prog *out)
{
	struct mmt_spec_error se;
	size_t off = (size_t)(t[0].s - line) + t[0].n;

	if (header_once(ps, &t[0], "machine", &h->seen_machine, out->nr_ops))
		return -1;
	if (mmt_machine_parse_spec(line + off, n - off, &out->machine, &se))
		return perr(ps, (unsigned int)off + se.column, se.field, "%s",
			    se.message);
	return 0;
}

/* "check_every N". */
static int check_every_line(struct parser *ps, struct header *h,
			    const struct tok *t, int nt, struct mmt_prog *out)
{
	uint64_t v;

	if (h->seen_check)
		return perr(ps, t[0].col, "check_every",
			    "duplicate check_every line");
	h->seen_check = 1;
	if (nt != 2 || mmt_u64_parse(t[1].s, t[1].n, &v) || v > UINT32_MAX)
		return perr(ps, nt >= 2 ? t[1].col : t[0].col, "check_every",
			    "check_every needs one number 0..%u", UINT32_MAX);
	out->check_every = (uint32_t)v;
	return 0;
}

/* "opset NAME". */
static int opset_line(struct parser *ps, struct header *h, const struct tok *t,
		      int nt, struct mmt_prog *out)
{
	char tb[48], sets[160];
	int set;

	if (header_once(ps, &t[0], "opset", &h->seen_opset, out->nr_ops))
		return -1;
	h->opset_fixed = 1;
	if (nt > 2)
		return perr(ps, t[2].col, "opset", "unexpected '%s'",
			    tok_str(&t[2], tb, sizeof(tb)));
	set = nt == 2 ? mmt_opset_by_name(t[1].s, t[1].n) : -1;
	if (set < 0)
		return perr(ps, nt >= 2 ? t[1].col : t[0].col, "opset",
			    "opset must be one of: %s",
			    opset_names(sets, sizeof(sets)));
	out->opset = (enum mmt_opset)set;
	return 0;
}

/* One line of n bytes (no newline): a header line, an op, or nothing. */
static int parse_line(struct parser *ps, struct header *h, const char *line,
		      size_t n, struct mmt_prog *out)
{
	const char *nul = memchr(line, '\0', n);
	struct tok t[MAX_TOKS];
	int nt;

	if (nul)
		return perr(ps, (unsigned int)(nul - line) + 1, "text",
			    "NUL byte in a text program");
	nt = tokenize(line, n, 1, t);
	if (nt < 0)
		return perr(ps, 1, "op", "too many fields on one line");
	if (nt == 0)
		return 0;
	if (tok_is(&t[0], "machine"))
		return machine_line(ps, h, line, n, t, out);
	if (tok_is(&t[0], "check_every"))
		return check_every_line(ps, h, t, nt, out);
	if (tok_is(&t[0], "opset"))
		return opset_line(ps, h, t, nt, out);
	return parse_op(ps, t, nt, out, &h->opset_fixed);
}

int mmt_prog_parse_text(const char *text, size_t len, const char *file,
			struct mmt_prog *out, struct mmt_parse_error *err)
{
	struct parser ps = { file, 0, err };
	struct header h = { 0, 0, 0, 0 };
	size_t pos = 0;

	if (err)
		memset(err, 0, sizeof(*err));
	mmt_prog_init(out, MMT_OPSET_PAGES);
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;

		pos += n + (nl ? 1 : 0);
		ps.line++;
		if (parse_line(&ps, &h, line, n, out)) {
			mmt_prog_free(out);
			return -1;
		}
	}
	return 0;
}
