/* SPDX-License-Identifier: MIT */
/*
 * ops.c - op sequences, format v2: the binary form (docs/op-format.md).
 *
 * What fuzzers mutate. The decoder is TOTAL: every byte string, the empty
 * one included, is a valid program. Values are reduced into range with
 * modulo and tables, never rejected; a header cut short reads as zero
 * bytes, an op cut short is dropped, and the decoder never reads past len.
 *
 * Layout:
 *   byte 0       op set id (enum mmt_opset). An id no set has gives a
 *                program of that id with no ops, which no target runs.
 *   byte 1       machine: 0..0xFE -> layout table[b % 16], fault
 *                injection b >> 4 (8-15: table_fault); 0xFF -> escape:
 *                u16 LE length, then that many bytes of a machine spec
 *                (harness/machine.c); a spec that does not parse gives the
 *                default machine.
 *   byte 2       (table form only) shape: bits 0-2 orders {11 x4, 13, 16,
 *                9, 12},
 *                bits 3-4 page (3 = 8K, else 4K; 1 and 2 with
 *                watermark knobs: table_wmark), bits 5-7 profile/era
 *                (0-4 x86_64 6.12, 5 x86_32 6.12, 6 x86_64 2.6, 7 x86_32
 *                2.6). Orders are lowered until RAM holds one top block.
 *   byte 3       (table form only) bits 0-1 cpus-1, bits 2-3 mem= choice,
 *                bits 4-7 reserved ranges table.
 *   next byte    check_every: 0xFF -> u32 LE follows; else table[b & 7].
 *   then ops     selector byte -> kind = set table[sel % size]
 *                (harness/optable.c; 0x9C is check), then the fields
 *                its row names, in enum mmt_field order: slot (1 byte), order (1 byte: < 0xF0 -> b %
 *                nr_orders, else nr_orders + (b & 15), an impossible order),
 *                gfp (1 byte: table index; 0xFF -> u32 LE masked by
 *                MMT_GFP_VALID_MASK), sizes (class byte weighted to
 *                small sizes + raw bytes; 0xFE: one byte, a size no
 *                allocator can serve; 0xFF: a raw u64),
 *                align (1 byte: 1 << (b % 24)), pool (1 byte: b %
 *                MMT_NR_POOLS), count (1 byte: < 0x80 itself, 0x80-0xFE
 *                128 << ((b - 0x80) % 8), 0xFF a u32 LE % (MMT_MAX_COUNT
 *                + 1)), nmemb (1 byte: < 0x80 itself, 0x80-0xBF
 *                2^(b - 0x80), 0xC0-0xFE the least count whose product
 *                with the op's size wraps, plus b - 0xC0; 0xFF a u64 LE),
 *                cpu (1 byte: b % the machine's cpus), lock (1 byte: b %
 *                MMT_CTX_NR_LOCKS).
 *
 * The encoder writes the canonical bytes: table forms where they give the
 * same value, the escapes otherwise, so decode(encode(p)) == p for every
 * decoded p. Nothing here is global and mutable.
 */
#include <stdlib.h>
#include <string.h>

#include <mmtorture/ops.h>

#include "mmt_internal.h"
#include "mmt_lib.h"

#define MIB (1ULL << 20)
#define GIB (1ULL << 30)

/*
 * check has one selector byte of its own: a full check walks every page,
 * and a kind that any byte = 31 mod 32 selected made 0xFF runs (a
 * favourite of mutators) into check storms that cost the fuzzer most of
 * its speed.
 */
#define CHECK_SELECTOR 0x9Cu

/* ------------------------------------------------------------ tables */

#define GFP_K MMT_GFP_KERNEL
#define GFP_USER_ (MMT_GFP_RECLAIM | MMT_GFP_IO | MMT_GFP_FS | MMT_GFP_HARDWALL)
#define GFP_HU (GFP_USER_ | MMT_GFP_HIGHMEM)
#define GFP_NOWAIT_ (MMT_GFP_KSWAPD_RECLAIM | MMT_GFP_NOWARN)

/* Common masks; index 0xFF is the raw escape. Duplicates weight a mask. */
static const uint32_t gfp_table[] = {
	GFP_K,
	GFP_K,
	GFP_K | MMT_GFP_ZERO,
	MMT_GFP_ATOMIC,
	GFP_NOWAIT_,
	MMT_GFP_RECLAIM, /* GFP_NOIO */
	MMT_GFP_RECLAIM | MMT_GFP_IO, /* GFP_NOFS */
	GFP_USER_,
	GFP_HU,
	GFP_HU | MMT_GFP_MOVABLE,
	MMT_GFP_DMA | GFP_K,
	MMT_GFP_DMA32 | GFP_K,
	MMT_GFP_DMA | GFP_K | MMT_GFP_ZERO,
	MMT_GFP_DMA32 | GFP_K | MMT_GFP_ZERO,
	GFP_HU | MMT_GFP_ZERO,
	GFP_HU | MMT_GFP_MOVABLE | MMT_GFP_ZERO,
	MMT_GFP_ATOMIC | MMT_GFP_ZERO,
	MMT_GFP_ATOMIC | MMT_GFP_DMA,
	GFP_K | MMT_GFP_COMP,
	GFP_K | MMT_GFP_NOWARN | MMT_GFP_NORETRY,
	GFP_K | MMT_GFP_MOVABLE,
	MMT_GFP_DMA | MMT_GFP_DMA32 | GFP_K, /* forbidden: must fail */
	MMT_GFP_DMA | MMT_GFP_HIGHMEM | GFP_K, /* forbidden */
	MMT_GFP_DMA32 | MMT_GFP_HIGHMEM | GFP_K, /* forbidden */
	0,
	GFP_K | MMT_GFP_ACCOUNT,
	MMT_GFP_DMA32 | MMT_GFP_MOVABLE | GFP_K,
	GFP_K | MMT_GFP_COLD | MMT_GFP_REPEAT,
};
#define NR_GFP_TABLE (sizeof(gfp_table) / sizeof(gfp_table[0]))
#define GFP_ESCAPE 0xFFu

/* Sparse on purpose: a full check walks every page, and a fuzzer that
 * checks after every op runs at a few execs per second. */
static const uint32_t check_every_table[8] = {
	0, 256, 128, 0, 1024, 64, 0, 512
};
#define CHECK_EVERY_ESCAPE 0xFFu

struct layout {
	unsigned int nr;
	uint64_t start[2], size[2]; /* bytes */
};

/* Small on purpose: a full check walks every present page, and splits,
 * merges and exhaustion are reached sooner on a small machine. 8-15 reach
 * what the first eight cannot, as small as each allows: a zone line
 * inside a top-order block (32M with 14 or more orders: 16M is an
 * order-12 block), holes inside a zone, RAM that starts above 0 or
 * straddles a zone line, the x86_32 lowmem line at 896M, and (layout 14
 * with orders code 5 only, see table_machine) 16 orders of 4K pages,
 * which need 128M. */
#define NR_LAYOUTS 16u
static const struct layout layouts[NR_LAYOUTS] = {
	{ 1, { 0 }, { 8 * MIB } },
	{ 1, { 0 }, { 4 * MIB } },
	{ 1, { 0 }, { 20 * MIB } },
	{ 1, { 0 }, { 12 * MIB } },
	{ 1, { 0 }, { 6 * MIB } },
	{ 1, { 0 }, { 16 * MIB } },
	{ 2, { 0, 4 * GIB }, { 8 * MIB, 4 * MIB } },
	{ 2, { 0, 4 * GIB }, { 20 * MIB, 4 * MIB } },
	{ 1, { 0 }, { 32 * MIB } },
	{ 2, { 0, 4 * MIB }, { 2 * MIB, 6 * MIB } },
	{ 1, { 4 * MIB }, { 4 * MIB } },
	{ 1, { 12 * MIB }, { 8 * MIB } },
	{ 2, { 16 * MIB, 24 * MIB }, { 4 * MIB, 4 * MIB } },
	{ 2, { 0, 892 * MIB }, { 4 * MIB, 8 * MIB } },
	{ 2, { 0, 124 * MIB }, { 4 * MIB, 4 * MIB } },
	{ 2, { 0, 14 * MIB }, { 4 * MIB, 4 * MIB } },
};

/* Layout 14 under orders code 5 (16 orders): the one machine that holds a
 * block of order 15 of 4K pages. */
static const struct layout layout_max = { 1, { 0 }, { 128 * MIB } };
#define LAYOUT_MAX_ALIAS 14u
#define ORDERS_CODE_MAX 5u
#define MACHINE_ESCAPE 0xFFu

struct reserve_choice {
	unsigned int nr;
	uint64_t start[2], size[2]; /* bytes; rounded outward to pages */
};

/* Indexed by byte 3 >> 4: 0..8 reserve nothing; 9 and 10 sit on zone
 * lines (16M; 896M and 4G). */
static const struct reserve_choice reserves[16] = {
	[9] = { 2, { 16 * MIB - 4096, 16 * MIB }, { 4096, 4096 } },
	[10] = { 2, { 896 * MIB - 4096, 4 * GIB }, { 8192, 4096 } },
	[11] = { 1, { 0 }, { 4096 } },
	[12] = { 1, { 0 }, { MIB } },
	[13] = { 1, { MIB }, { 64 * 1024 } },
	[14] = { 1, { 5 * MIB }, { 12 * 1024 } },
	[15] = { 2, { 0, 2 * MIB }, { 4096, 256 * 1024 } },
};

/* ------------------------------------------------------------ programs */

void mmt_prog_init(struct mmt_prog *p, enum mmt_opset set)
{
	memset(p, 0, sizeof(*p));
	mmt_machine_default(&p->machine);
	p->opset = set;
}

void mmt_prog_free(struct mmt_prog *p)
{
	free(p->ops);
	p->ops = NULL;
	p->nr_ops = 0;
	p->cap = 0;
}

int mmt_prog_push(struct mmt_prog *p, const struct mmt_op *op)
{
	if (p->nr_ops >= MMT_MAX_OPS)
		return -1;
	if (p->nr_ops == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct mmt_op *ops;

		if (cap > MMT_MAX_OPS)
			cap = MMT_MAX_OPS;
		ops = realloc(p->ops, cap * sizeof(*ops));
		if (!ops)
			return -1;
		p->ops = ops;
		p->cap = cap;
	}
	p->ops[p->nr_ops++] = *op;
	return 0;
}

int mmt_op_equal(const struct mmt_op *a, const struct mmt_op *b)
{
	return a->kind == b->kind && a->slot == b->slot &&
	       a->order == b->order && a->gfp == b->gfp && a->size == b->size &&
	       a->align == b->align && a->pool == b->pool &&
	       a->count == b->count && a->nmemb == b->nmemb &&
	       a->cpu == b->cpu && a->lock == b->lock && a->needs == b->needs;
}

int mmt_prog_equal(const struct mmt_prog *a, const struct mmt_prog *b)
{
	if (!mmt_machine_equal(&a->machine, &b->machine) ||
	    a->check_every != b->check_every || a->opset != b->opset ||
	    a->nr_ops != b->nr_ops)
		return 0;
	for (size_t i = 0; i < a->nr_ops; i++)
		if (!mmt_op_equal(&a->ops[i], &b->ops[i]))
			return 0;
	return 1;
}

/* ------------------------------------------------------------ decoding */

/* A bounded reader: reads past the end fail (or read 0 where allowed). */
struct reader {
	const uint8_t *data;
	size_t len, pos;
};

static int rd_byte(struct reader *r, uint8_t *b)
{
	if (r->pos >= r->len)
		return -1;
	*b = r->data[r->pos++];
	return 0;
}

/* Header bytes: a missing byte reads as 0 (the header is total). */
static uint8_t rd_byte0(struct reader *r)
{
	uint8_t b = 0;

	(void)rd_byte(r, &b);
	return b;
}

/* Little-endian n bytes (n <= 8); -1 when fewer remain. */
static int rd_le(struct reader *r, unsigned int n, uint64_t *v)
{
	uint64_t x = 0;

	if (r->len - r->pos < n)
		return -1;
	for (unsigned int i = 0; i < n; i++)
		x |= (uint64_t)r->data[r->pos + i] << (8 * i);
	r->pos += n;
	*v = x;
	return 0;
}

static void add_range(struct mmt_pfn_range *ranges, uint32_t *nr,
		      uint64_t start, uint64_t size, unsigned int shift)
{
	uint64_t ps = 1ULL << shift;
	uint64_t first = start >> shift;
	uint64_t end = (start + size + ps - 1) >> shift;

	ranges[*nr].start_pfn = first;
	ranges[*nr].nr_pages = end - first;
	(*nr)++;
}

/*
 * The mem= limit of byte 3 bits 2-3 on layout l (bytes; 0: none): 1 cuts
 * 64K below the end of RAM, 2 4K past the 16M line (RAM above it goes),
 * 3 at the end of the first bank (every bank above it goes) or, with one
 * bank, three quarters up it. A limit at or past the end of RAM is none.
 */
static uint64_t table_mem(const struct layout *l, unsigned int choice)
{
	uint64_t end = l->start[l->nr - 1] + l->size[l->nr - 1], mem = 0;

	switch (choice & 3) {
	case 1:
		mem = end - 64 * 1024;
		break;
	case 2:
		mem = 16 * MIB + 8192;
		break;
	case 3:
		mem = l->nr > 1 ? l->start[0] + l->size[0] :
				  l->start[0] + l->size[0] / 4 * 3;
		break;
	}
	mem &= ~(uint64_t)8191; /* a multiple of either page size */
	return mem < end ? mem : 0;
}

/*
 * Fault injection of byte 1 bits 4-7 (docs/fault-injection.md): 0-7 none,
 * so half of all random headers inject nothing and the files written
 * before the knob (whose byte 1 is a layout, 0-15) decode alike; 8-15 a
 * fail_page_alloc setting each, seed 0. Code 15 under layout 15 is the
 * escape byte, so it is reachable only with layouts 0-14.
 */
struct fault_choice {
	uint32_t probability, interval, nth, space;
	int32_t times;
	uint8_t min_order, flags;
};

static const struct fault_choice fault_choices[8] = {
	{ 0, 0, 1, 0, 0, 0, 0 }, /* the first call */
	{ 0, 0, 5, 0, 0, 0, 0 }, /* the fifth */
	{ 10, 0, 0, 0, 0, 0, 0 }, /* one call in ten, on average */
	{ 50, 0, 0, 0, 0, 0, 0 }, /* every second */
	{ 100, 3, 0, 0, 0, 0, 0 }, /* every third */
	{ 100, 0, 0, 64, 2, 0, 0 }, /* two, after 64 pages went through */
	{ 100, 0, 0, 0, 0, 1, MMT_FAIL_IGNORE_WAIT }, /* order >= 1 atomic */
	{ 30, 0, 0, 0, 0, 1, MMT_FAIL_IGNORE_WAIT | MMT_FAIL_IGNORE_HIGHMEM },
};
#define FAULT_CODE_FIRST 8u

static void table_fault(unsigned int code, struct mmt_machine *m)
{
	const struct fault_choice *f;

	if (code < FAULT_CODE_FIRST)
		return;
	f = &fault_choices[code - FAULT_CODE_FIRST];
	m->fail_probability = f->probability;
	m->fail_interval = f->interval;
	m->fail_nth = f->nth;
	m->fail_space = f->space;
	m->fail_times = f->times;
	m->fail_min_order = f->min_order;
	m->fail_flags = f->flags;
}

/* The fault code (byte 1 >> 4) giving m's fail knobs, or -1. */
static int find_fault_code(const struct mmt_machine *m)
{
	for (unsigned int c = 0; c < 16; c++) {
		struct mmt_machine t;

		memset(&t, 0, sizeof(t));
		table_fault(c, &t);
		if (t.fail_probability == m->fail_probability &&
		    t.fail_interval == m->fail_interval &&
		    t.fail_nth == m->fail_nth &&
		    t.fail_space == m->fail_space &&
		    t.fail_times == m->fail_times &&
		    t.fail_min_order == m->fail_min_order &&
		    t.fail_flags == m->fail_flags && !m->fail_seed)
			return (int)c;
	}
	return -1;
}

/*
 * The watermark knobs of byte 2's page code (4K pages either way): 1 a
 * tight machine, min_free_kbytes 1024 (about three times the boot value
 * of the table's small machines: every zone's marks rise with it); 2 the
 * widest gaps between the marks, watermark_scale_factor 1000 on 6.12, and
 * on 2.6 (which has no such sysctl) the lowest marks, min_free_kbytes 128.
 */
static void table_wmark(unsigned int code, int era26, struct mmt_machine *m)
{
	if (code == 1)
		m->min_free_kbytes = 1024;
	else if (code == 2 && !era26)
		m->watermark_scale_factor = 1000;
	else if (code == 2)
		m->min_free_kbytes = 128;
}

/* The machine of a table-form header (layout: byte 1). */
static void table_machine(unsigned int layout, uint8_t shape, uint8_t misc,
			  struct mmt_machine *m)
{
	static const uint32_t orders[8] = { 11, 11, 11, 11, 13, 16, 9, 12 };
	const struct layout *l = &layouts[layout % NR_LAYOUTS];
	const struct reserve_choice *rc = &reserves[misc >> 4];
	unsigned int pe = (unsigned int)(shape >> 5) & 7u;
	uint64_t pages;

	if (layout % NR_LAYOUTS == LAYOUT_MAX_ALIAS &&
	    (shape & 7u) == ORDERS_CODE_MAX)
		l = &layout_max;

	memset(m, 0, sizeof(*m));
	m->nr_orders = orders[shape & 7];
	m->page_shift = ((shape >> 3) & 3) == 3 ? 13 : 12;
	table_wmark((shape >> 3) & 3, pe >= 6, m);
	m->profile = (pe == 5 || pe == 7) ? 1 : 0;
	m->era = pe >= 6 ? 1 : 0;
	m->nr_cpus = (uint32_t)(misc & 3) + 1;
	for (unsigned int i = 0; i < l->nr; i++)
		add_range(m->banks, &m->nr_banks, l->start[i], l->size[i],
			  m->page_shift);
	/* A reserved range not inside one bank (12K@5M on the 4M layout,
	 * 4K@0 on RAM from 4M) is left out: boot reserves RAM only. */
	for (unsigned int i = 0; i < rc->nr; i++)
		for (unsigned int b = 0; b < l->nr; b++)
			if (rc->start[i] >= l->start[b] &&
			    rc->start[i] + rc->size[i] <=
				    l->start[b] + l->size[b])
				add_range(m->reserved, &m->nr_reserved,
					  rc->start[i], rc->size[i],
					  m->page_shift);
	m->mem_limit = table_mem(l, (unsigned int)(misc >> 2) & 3u);
	pages = mmt_machine_present_pages(m); /* below mem= */
	/* boot needs 1M of RAM below the limit */
	if (m->mem_limit && pages < (MIB >> m->page_shift))
		m->mem_limit = 0;
	pages = mmt_machine_present_pages(m);
	while (m->nr_orders > 1 && pages < (1ULL << (m->nr_orders - 1)))
		m->nr_orders--;
	table_fault((layout >> 4) & 15u, m);
}

/*
 * Orders: 0x00-0x3F uniform over the machine's orders; 0x40-0xEF the four
 * lowest (most kernel allocations are small, and every high-order block a
 * fuzz input zeroes or fills costs it time); 0xF0-0xFF beyond the top
 * (impossible requests).
 */
static unsigned int decode_order(uint8_t b, uint32_t nr_orders)
{
	if (b < 0x40)
		return b % nr_orders;
	if (b < 0xF0)
		return (b - 0x40u) % (nr_orders < 4 ? nr_orders : 4u);
	return nr_orders + (b & 0x0Fu);
}

static int decode_gfp(struct reader *r, uint32_t *gfp)
{
	uint8_t b;
	uint64_t v;

	if (rd_byte(r, &b))
		return -1;
	if (b != GFP_ESCAPE) {
		*gfp = gfp_table[b % NR_GFP_TABLE];
		return 0;
	}
	if (rd_le(r, 4, &v))
		return -1;
	*gfp = (uint32_t)v & MMT_GFP_VALID_MASK;
	return 0;
}

/*
 * Sizes (docs/op-format.md): a class byte b, then raw bytes. Real
 * allocators see mostly small requests, and the executor skips any above
 * its 64 MiB cap, so the classes put most of the mass on 0..4 KiB, a fair
 * share up to 1 MiB and a little up to the cap; one class byte gives a
 * size no allocator can serve (the executor runs those and requires NULL),
 * and only the escape reaches anything else beyond the cap (text traces
 * may name any u64 size):
 *
 *   b <  156  c = b % 13: c == 0 -> size 0, else e = c - 1   (0..11)
 *   b <  236  e = 12 + (b - 156) % 8                         (12..19)
 *   b <  254  e = 20 + (b - 236) % 6                         (20..25)
 *   b == 254  impossible: one raw byte r; r < 0x80 -> SIZE_MAX - r (a
 *             header or rounding added to it wraps), else 2^63 + (r -
 *             0x80) (just above PTRDIFF_MAX)
 *   b == 255  escape: the size is a u64 LE
 *
 * With an exponent e the size is 2^e + (r mod 2^e), r the (e + 7) / 8 raw
 * LE bytes that follow: 1..4095, 4 KiB..1 MiB-1, 1 MiB..64 MiB-1.
 */
#define SIZE_SMALL_END 156u /* 12 * 13 class bytes: sizes below 4 KiB */
#define SIZE_MEDIUM_END 236u /* then 10 * 8: 4 KiB .. 1 MiB */
#define SIZE_LARGE_END 254u /* then 3 * 6: 1 MiB .. 64 MiB */
#define SIZE_HUGE 0xFEu /* then one byte: a size above PTRDIFF_MAX */
#define SIZE_ESCAPE 0xFFu /* then a u64 */
#define SIZE_SMALL_EXP 12u /* exponents of the small classes: 0..11 */
#define SIZE_MEDIUM_EXP 8u /* 12..19 */
#define SIZE_LARGE_EXP 6u /* 20..25 */

static int decode_size(struct reader *r, uint64_t *size)
{
	uint8_t b;
	unsigned int e;
	uint64_t raw;

	if (rd_byte(r, &b))
		return -1;
	if (b == SIZE_ESCAPE)
		return rd_le(r, 8, size);
	if (b == SIZE_HUGE) {
		if (rd_byte(r, &b))
			return -1;
		*size = b < 0x80 ? UINT64_MAX - b : (1ULL << 63) + (b - 0x80u);
		return 0;
	}
	if (b < SIZE_SMALL_END) {
		unsigned int c = b % (SIZE_SMALL_EXP + 1);

		if (c == 0) {
			*size = 0;
			return 0;
		}
		e = c - 1;
	} else if (b < SIZE_MEDIUM_END) {
		e = SIZE_SMALL_EXP + (b - SIZE_SMALL_END) % SIZE_MEDIUM_EXP;
	} else {
		e = SIZE_SMALL_EXP + SIZE_MEDIUM_EXP +
		    (b - SIZE_MEDIUM_END) % SIZE_LARGE_EXP;
	}
	if (rd_le(r, (e + 7) / 8, &raw))
		return -1;
	*size = (1ULL << e) | (e ? raw & ((1ULL << e) - 1) : 0);
	return 0;
}

static int decode_align(struct reader *r, uint64_t *align)
{
	uint8_t b;

	if (rd_byte(r, &b))
		return -1;
	*align = 1ULL << (b % 24u);
	return 0;
}

/*
 * Counts: small ones (0..127) directly, so a pool is exhausted within a
 * few hundred ops and count 0 (a create that must fail) is common; powers
 * of two up to 16384 for larger pools; an escape for the rest.
 */
#define COUNT_DIRECT 0x80u
#define COUNT_ESCAPE 0xFFu

static int decode_count(struct reader *r, uint32_t *count)
{
	uint8_t b;
	uint64_t v;

	if (rd_byte(r, &b))
		return -1;
	if (b < COUNT_DIRECT) {
		*count = b;
		return 0;
	}
	if (b != COUNT_ESCAPE) {
		*count = COUNT_DIRECT << ((b - COUNT_DIRECT) % 8u);
		return 0;
	}
	if (rd_le(r, 4, &v))
		return -1;
	*count = (uint32_t)(v % (MMT_MAX_COUNT + 1ULL));
	return 0;
}

/*
 * calloc's element counts: small ones directly, powers of two (2^32 x
 * 2^32 wraps to 0), and the counts just past the one whose product with
 * the op's size (decoded before it) wraps: nmemb x size then wraps to a
 * few multiples of size, the classic overflow (a calloc that multiplies
 * without checking hands back a tiny block). For a size of 0 or 1 no
 * count wraps; those bytes give UINT64_MAX - j.
 */
#define NMEMB_DIRECT 0x80u
#define NMEMB_POW2 0xC0u
#define NMEMB_ESCAPE 0xFFu

/* The least count whose product with size wraps (size >= 2). */
static uint64_t nmemb_wrap_base(uint64_t size)
{
	return UINT64_MAX / size + 1;
}

static uint64_t nmemb_wrap(uint64_t size, unsigned int j)
{
	if (size < 2)
		return UINT64_MAX - j;
	return nmemb_wrap_base(size) + j;
}

static int decode_nmemb(struct reader *r, uint64_t size, uint64_t *nmemb)
{
	uint8_t b;

	if (rd_byte(r, &b))
		return -1;
	if (b < NMEMB_DIRECT)
		*nmemb = b;
	else if (b < NMEMB_POW2)
		*nmemb = 1ULL << (b - NMEMB_DIRECT);
	else if (b != NMEMB_ESCAPE)
		*nmemb = nmemb_wrap(size, b - NMEMB_POW2);
	else
		return rd_le(r, 8, nmemb);
	return 0;
}

/* Field f of op, in its binary form; -1 when the input ends inside it. */
static int decode_field(struct reader *r, const struct mmt_prog *p,
			enum mmt_field f, struct mmt_op *op)
{
	uint8_t b;

	switch (f) {
	case MMT_FIELD_SLOT:
		if (rd_byte(r, &b))
			return -1;
		op->slot = b;
		return 0;
	case MMT_FIELD_ORDER:
		if (rd_byte(r, &b))
			return -1;
		op->order = decode_order(b, p->machine.nr_orders);
		return 0;
	case MMT_FIELD_GFP:
		return decode_gfp(r, &op->gfp);
	case MMT_FIELD_SIZE:
		return decode_size(r, &op->size);
	case MMT_FIELD_ALIGN:
		return decode_align(r, &op->align);
	case MMT_FIELD_POOL:
		if (rd_byte(r, &b))
			return -1;
		op->pool = (uint8_t)(b % MMT_NR_POOLS);
		return 0;
	case MMT_FIELD_COUNT:
		return decode_count(r, &op->count);
	case MMT_FIELD_NMEMB:
		return decode_nmemb(r, op->size, &op->nmemb);
	case MMT_FIELD_CPU:
		if (rd_byte(r, &b))
			return -1;
		op->cpu =
			(uint8_t)(b % (p->machine.nr_cpus ? p->machine.nr_cpus :
							    1u));
		return 0;
	case MMT_FIELD_LOCK:
		if (rd_byte(r, &b))
			return -1;
		op->lock = (uint8_t)(b % MMT_CTX_NR_LOCKS);
		return 0;
	case MMT_FIELD_NEEDS:
		if (rd_byte(r, &b))
			return -1;
		op->needs = (uint8_t)(b & (MMT_SHRINKER_NEEDS_FS |
					   MMT_SHRINKER_NEEDS_IO));
		return 0;
	case MMT_NR_FIELDS:
		break;
	}
	return -1;
}

/* One op; -1 when the input ends inside it (the op is dropped). */
static int decode_op(struct reader *r, const struct mmt_prog *p,
		     const struct mmt_opset_desc *set, struct mmt_op *op)
{
	const struct mmt_op_desc *d;
	uint8_t b;

	memset(op, 0, sizeof(*op));
	if (rd_byte(r, &b))
		return -1;
	op->kind = b == CHECK_SELECTOR ? MMT_OP_CHECK :
					 set->kinds[b % set->nr_kinds];
	d = mmt_op_desc(op->kind);
	for (unsigned int f = 0; f < MMT_NR_FIELDS; f++)
		if ((d->fields & MMT_F(f)) &&
		    decode_field(r, p, (enum mmt_field)f, op))
			return -1;
	return 0;
}

void mmt_prog_table_machine(uint64_t seed, struct mmt_machine *m)
{
	uint64_t x = mmt_mix64(seed); /* every seed bit moves every byte */

	table_machine((unsigned int)(x & 0xFFu) % NR_LAYOUTS, (uint8_t)(x >> 8),
		      (uint8_t)(x >> 16), m);
}

int mmt_prog_decode(const uint8_t *data, size_t len, struct mmt_prog *out)
{
	struct reader r = { data, data ? len : 0, 0 };
	const struct mmt_opset_desc *set;
	uint8_t b0, b;
	uint64_t v;
	struct mmt_op op;

	b0 = rd_byte0(&r);
	mmt_prog_init(out, (enum mmt_opset)b0);
	set = mmt_opset_desc(b0);
	b0 = rd_byte0(&r);
	if (b0 == MACHINE_ESCAPE) {
		uint64_t n = rd_byte0(&r);
		struct mmt_spec_error e;

		n |= (uint64_t)rd_byte0(&r) << 8;
		if (n > r.len - r.pos)
			n = r.len - r.pos;
		if (mmt_machine_parse_spec((const char *)r.data + r.pos,
					   (size_t)n, &out->machine, &e))
			mmt_machine_default(&out->machine);
		r.pos += (size_t)n;
	} else {
		uint8_t shape = rd_byte0(&r);
		uint8_t misc = rd_byte0(&r);

		table_machine(b0, shape, misc, &out->machine);
	}
	b = rd_byte0(&r);
	if (b == CHECK_EVERY_ESCAPE) {
		/* A short value reads as its available low bytes. */
		v = 0;
		for (unsigned int i = 0; i < 4 && r.pos < r.len; i++)
			v |= (uint64_t)r.data[r.pos++] << (8 * i);
		out->check_every = (uint32_t)v;
	} else {
		out->check_every = check_every_table[b & 7];
	}
	while (set && out->nr_ops < MMT_MAX_OPS &&
	       decode_op(&r, out, set, &op) == 0) {
		if (mmt_prog_push(out, &op)) {
			mmt_prog_free(out);
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ encoding */

struct writer {
	uint8_t *buf;
	size_t len, cap;
	int oom;
};

static void wr_bytes(struct writer *w, const void *src, size_t n)
{
	if (w->oom)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		uint8_t *nb;

		while (cap < w->len + n)
			cap *= 2;
		nb = realloc(w->buf, cap);
		if (!nb) {
			w->oom = 1;
			return;
		}
		w->buf = nb;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, src, n);
	w->len += n;
}

static void wr_byte(struct writer *w, unsigned int b)
{
	uint8_t x = (uint8_t)b;

	wr_bytes(w, &x, 1);
}

static void wr_le(struct writer *w, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		wr_byte(w, (unsigned int)(v >> (8 * i)) & 0xFFu);
}

/* Find table-form header bytes giving m; 0 when found. */
static int find_table_header(const struct mmt_machine *m, uint8_t hdr[3])
{
	static const uint8_t order_codes[5] = { 0, 4, 5, 6, 7 };
	static const uint8_t res_codes[8] = { 0, 9, 10, 11, 12, 13, 14, 15 };
	unsigned int pe, fc;
	struct mmt_machine t;
	int code = find_fault_code(m);

	if (code < 0)
		return -1;
	fc = (unsigned int)code << 4;
	if (m->nr_cpus < 1 || m->nr_cpus > 4 || m->profile > 1 || m->era > 1 ||
	    (m->page_shift != 12 && m->page_shift != 13))
		return -1;
	if (m->era == 0)
		pe = m->profile ? 5 : 0;
	else
		pe = m->profile ? 7 : 6;
	/* layouts first, then orders, reserves, mem=: the first match wins,
	 * so a machine the eight first layouts give keeps its old header */
	for (unsigned int i = 0; i < NR_LAYOUTS * 5 * 8 * 4; i++) {
		unsigned int l = i / (5 * 8 * 4), oc = i / (8 * 4) % 5;
		unsigned int rc = i / 4 % 8, mc = i % 4;
		uint8_t shape = (uint8_t)(order_codes[oc] | (pe << 5));
		uint8_t misc = (uint8_t)((m->nr_cpus - 1) | (mc << 2) |
					 ((unsigned int)res_codes[rc] << 4));

		if (m->page_shift == 13)
			shape = (uint8_t)(shape | (3u << 3));
		else if (m->min_free_kbytes == 1024)
			shape = (uint8_t)(shape | (1u << 3));
		else if (m->min_free_kbytes || m->watermark_scale_factor)
			shape = (uint8_t)(shape | (2u << 3));
		if ((l | fc) == MACHINE_ESCAPE)
			continue;
		table_machine(l | fc, shape, misc, &t);
		if (mmt_machine_equal(&t, m)) {
			hdr[0] = (uint8_t)(l | fc);
			hdr[1] = shape;
			hdr[2] = misc;
			return 0;
		}
	}
	return -1;
}

static void encode_gfp(struct writer *w, uint32_t gfp)
{
	for (size_t i = 0; i < NR_GFP_TABLE; i++) {
		if (gfp_table[i] == gfp) {
			wr_byte(w, (unsigned int)i);
			return;
		}
	}
	wr_byte(w, GFP_ESCAPE);
	wr_le(w, gfp & MMT_GFP_VALID_MASK, 4);
}

/* The canonical class of decode_size(): the first class byte that gives
 * the size's exponent, the escape above the last class. */
static void encode_size(struct writer *w, uint64_t size)
{
	unsigned int e = 0;

	if (size == 0) {
		wr_byte(w, 0);
		return;
	}
	while (e < 63 && (size >> (e + 1)) != 0)
		e++;
	if (e >= SIZE_SMALL_EXP + SIZE_MEDIUM_EXP + SIZE_LARGE_EXP) {
		wr_byte(w, SIZE_ESCAPE);
		wr_le(w, size, 8);
		return;
	}
	if (e < SIZE_SMALL_EXP)
		wr_byte(w, e + 1);
	else if (e < SIZE_SMALL_EXP + SIZE_MEDIUM_EXP)
		wr_byte(w, SIZE_SMALL_END + (e - SIZE_SMALL_EXP));
	else
		wr_byte(w, SIZE_MEDIUM_END +
				   (e - SIZE_SMALL_EXP - SIZE_MEDIUM_EXP));
	wr_le(w, e ? size & ((1ULL << e) - 1) : 0, (e + 7) / 8);
}

static void encode_order(struct writer *w, uint32_t order, uint32_t nr_orders)
{
	if (order < nr_orders)
		wr_byte(w, order);
	else if (order - nr_orders < 16)
		wr_byte(w, 0xF0u + (order - nr_orders));
	else
		wr_byte(w, 0xFF);
}

static void encode_align(struct writer *w, uint64_t align)
{
	unsigned int a = 0;

	while (a < 23 && (1ULL << a) < align)
		a++;
	wr_byte(w, a);
}

static void encode_count(struct writer *w, uint32_t count)
{
	for (unsigned int k = 0; k < 8; k++) {
		if (count == COUNT_DIRECT << k) {
			wr_byte(w, COUNT_DIRECT + k);
			return;
		}
	}
	if (count < COUNT_DIRECT) {
		wr_byte(w, count);
		return;
	}
	wr_byte(w, COUNT_ESCAPE);
	wr_le(w, count, 4);
}

static void encode_nmemb(struct writer *w, uint64_t size, uint64_t nmemb)
{
	if (nmemb < NMEMB_DIRECT) {
		wr_byte(w, (unsigned int)nmemb);
		return;
	}
	if ((nmemb & (nmemb - 1)) == 0) {
		unsigned int k = 0;

		while ((1ULL << k) != nmemb)
			k++;
		wr_byte(w, NMEMB_DIRECT + k);
		return;
	}
	for (unsigned int j = 0; j < NMEMB_ESCAPE - NMEMB_POW2; j++) {
		if (nmemb_wrap(size, j) == nmemb) {
			wr_byte(w, NMEMB_POW2 + j);
			return;
		}
	}
	wr_byte(w, NMEMB_ESCAPE);
	wr_le(w, nmemb, 8);
}

static void encode_field(struct writer *w, const struct mmt_prog *p,
			 enum mmt_field f, const struct mmt_op *op)
{
	switch (f) {
	case MMT_FIELD_SLOT:
		wr_byte(w, op->slot & 0xFFu);
		break;
	case MMT_FIELD_ORDER:
		encode_order(w, op->order, p->machine.nr_orders);
		break;
	case MMT_FIELD_GFP:
		encode_gfp(w, op->gfp);
		break;
	case MMT_FIELD_SIZE:
		encode_size(w, op->size);
		break;
	case MMT_FIELD_ALIGN:
		encode_align(w, op->align);
		break;
	case MMT_FIELD_POOL:
		wr_byte(w, op->pool % MMT_NR_POOLS);
		break;
	case MMT_FIELD_COUNT:
		encode_count(w, op->count);
		break;
	case MMT_FIELD_NMEMB:
		encode_nmemb(w, op->size, op->nmemb);
		break;
	case MMT_FIELD_CPU:
		wr_byte(w, op->cpu);
		break;
	case MMT_FIELD_LOCK:
		wr_byte(w, op->lock % MMT_CTX_NR_LOCKS);
		break;
	case MMT_FIELD_NEEDS:
		wr_byte(w, op->needs & (MMT_SHRINKER_NEEDS_FS |
					MMT_SHRINKER_NEEDS_IO));
		break;
	case MMT_NR_FIELDS:
		break;
	}
}

static void encode_op(struct writer *w, const struct mmt_prog *p,
		      const struct mmt_opset_desc *set, const struct mmt_op *op)
{
	const struct mmt_op_desc *d = mmt_op_desc(op->kind);
	size_t sel;

	if (!d || !mmt_op_in_set(op->kind, p->opset))
		return; /* not in this op set: cannot be written */
	if (op->kind == MMT_OP_CHECK) {
		wr_byte(w, CHECK_SELECTOR);
		return;
	}
	for (sel = 0; sel < set->nr_kinds; sel++)
		if (set->kinds[sel] == op->kind)
			break;
	wr_byte(w, (unsigned int)sel);
	for (unsigned int f = 0; f < MMT_NR_FIELDS; f++)
		if (d->fields & MMT_F(f))
			encode_field(w, p, (enum mmt_field)f, op);
}

int mmt_prog_encode(const struct mmt_prog *p, uint8_t **out, size_t *len)
{
	struct writer w = { NULL, 0, 0, 0 };
	const struct mmt_opset_desc *set = mmt_opset_desc(p->opset);
	uint8_t hdr[3];

	wr_byte(&w, (unsigned int)p->opset & 0xFFu);
	if (find_table_header(&p->machine, hdr) == 0) {
		wr_bytes(&w, hdr, 3);
	} else {
		char spec[1024];
		size_t n = mmt_machine_format_spec(&p->machine, spec,
						   sizeof(spec));

		if (n >= sizeof(spec))
			n = sizeof(spec) - 1;
		wr_byte(&w, MACHINE_ESCAPE);
		wr_le(&w, n, 2);
		wr_bytes(&w, spec, n);
	}
	{
		unsigned int i;

		for (i = 0; i < 8; i++)
			if (check_every_table[i] == p->check_every)
				break;
		if (i < 8) {
			wr_byte(&w, i);
		} else {
			wr_byte(&w, CHECK_EVERY_ESCAPE);
			wr_le(&w, p->check_every, 4);
		}
	}
	for (size_t i = 0; set && i < p->nr_ops; i++)
		encode_op(&w, p, set, &p->ops[i]);
	if (w.oom || !w.buf) {
		/* An empty program still has a header, so buf is set. */
		free(w.buf);
		*out = NULL;
		*len = 0;
		return -1;
	}
	*out = w.buf;
	*len = w.len;
	return 0;
}
