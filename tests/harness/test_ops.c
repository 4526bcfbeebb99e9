/* SPDX-License-Identifier: MIT */
/*
 * test_ops.c - op format v1: the total binary decoder, the canonical
 * encoder, the strict text parser and formatter, GFP spelling.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/ops.h>

#include "../../fuzz/fuzz.h"
#include "leakcheck.h"
#include "mmt_internal.h"

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Every decoded program obeys the format's ranges. */
static void assert_valid(const struct mmt_prog *p, enum mmt_opset set)
{
	struct mmt_spec_error e;

	cr_assert_eq(mmt_machine_check(&p->machine, &e), 0,
		     "decoded machine invalid: %s: %s", e.field, e.message);
	cr_assert_eq(p->opset, set);
	cr_assert_leq(p->nr_ops, MMT_MAX_OPS);
	for (size_t i = 0; i < p->nr_ops; i++) {
		const struct mmt_op *op = &p->ops[i];

		cr_assert(mmt_op_in_set(op->kind, set), "op %zu kind %u", i,
			  op->kind);
		cr_assert_lt(op->slot, MMT_NR_SLOTS);
		cr_assert_leq(op->order, p->machine.nr_orders + 15);
		cr_assert_eq(op->gfp & ~MMT_GFP_VALID_MASK, 0u);
		cr_assert_eq(op->line, 0u);
		if (op->kind == MMT_OP_ALIGNED)
			cr_assert(op->align && !(op->align & (op->align - 1)));
	}
}

/* Decode from an exactly sized heap copy so ASan sees any overread. */
static void decode_raw(const uint8_t *data, size_t len, struct mmt_prog *p)
{
	uint8_t *copy = malloc(len ? len : 1);

	cr_assert_not_null(copy);
	if (len)
		memcpy(copy, data, len);
	cr_assert_eq(mmt_prog_decode(copy, len, p), 0);
	free(copy);
}

/* Decode the program of op set set whose bytes after byte 0 (the op set
 * id) are data: the vectors below are written without it. */
static void decode_exact(const uint8_t *data, size_t len, enum mmt_opset set,
			 struct mmt_prog *p)
{
	uint8_t *copy = malloc(len + 1);

	cr_assert_not_null(copy);
	copy[0] = (uint8_t)set;
	if (len)
		memcpy(copy + 1, data, len);
	decode_raw(copy, len + 1, p);
	cr_assert_eq(p->opset, set);
	free(copy);
}

/* The round-trip property of docs/op-format.md for one input. */
static void round_trip(const uint8_t *data, size_t len, enum mmt_opset set)
{
	struct mmt_prog p, q, t;
	struct mmt_parse_error err;
	uint8_t *e, *e2;
	size_t elen, e2len;
	char *text;

	decode_exact(data, len, set, &p);
	assert_valid(&p, set);
	cr_assert_eq(mmt_prog_encode(&p, &e, &elen), 0);
	cr_assert_eq(e[0], (uint8_t)set, "byte 0 names the op set");
	decode_raw(e, elen, &q);
	cr_assert(mmt_prog_equal(&p, &q), "decode(encode(p)) != p");
	text = mmt_prog_format_text(&p);
	cr_assert_not_null(text);
	cr_assert_eq(mmt_prog_parse_text(text, strlen(text), "rt", &t, &err), 0,
		     "parse(format(p)) failed: %u:%u %s: %s\n%s", err.line,
		     err.column, err.field, err.message, text);
	cr_assert(mmt_prog_equal(&p, &t), "parse(format(p)) != p:\n%s", text);
	cr_assert_eq(mmt_prog_encode(&t, &e2, &e2len), 0);
	cr_assert_eq(e2len, elen);
	cr_assert_eq(memcmp(e, e2, elen), 0, "encode(parse(format(p))) != e");
	free(text);
	free(e);
	free(e2);
	mmt_prog_free(&p);
	mmt_prog_free(&q);
	mmt_prog_free(&t);
}

MMT_TEST(decode, empty_input_is_a_program)
{
	struct mmt_prog p;

	decode_exact(NULL, 0, MMT_OPSET_PAGES, &p);
	assert_valid(&p, MMT_OPSET_PAGES);
	cr_assert_eq(p.nr_ops, 0);
	/* Layout 0 (8M at 0), 11 orders, 4K, x86_64, 1 CPU. */
	cr_assert_eq(p.machine.nr_banks, 1);
	cr_assert_eq(p.machine.banks[0].nr_pages, 2048);
	cr_assert_eq(p.machine.nr_orders, 11);
	cr_assert_eq(p.machine.page_shift, 12);
	cr_assert_eq(p.machine.nr_cpus, 1);
	cr_assert_eq(p.check_every, 0);
	mmt_prog_free(&p);
	round_trip(NULL, 0, MMT_OPSET_PAGES);
	round_trip(NULL, 0, MMT_OPSET_OBJECTS);
}

MMT_TEST(decode, every_single_byte)
{
	for (unsigned int b = 0; b < 256; b++) {
		uint8_t d = (uint8_t)b;

		round_trip(&d, 1, MMT_OPSET_PAGES);
		round_trip(&d, 1, MMT_OPSET_OBJECTS);
	}
}

MMT_TEST(decode, all_ff_and_all_zero)
{
	uint8_t buf[600];

	for (size_t n = 0; n <= sizeof(buf); n += 7) {
		memset(buf, 0xFF, n);
		round_trip(buf, n, MMT_OPSET_PAGES);
		round_trip(buf, n, MMT_OPSET_OBJECTS);
		memset(buf, 0, n);
		round_trip(buf, n, MMT_OPSET_PAGES);
		round_trip(buf, n, MMT_OPSET_OBJECTS);
	}
}

/* Every table header (layout x shape x misc) decodes to a valid machine:
 * a reserved range past the end of a small layout is left out. */
MMT_TEST(decode, every_table_header_is_a_valid_machine)
{
	for (unsigned int layout = 0; layout < 8; layout++)
		for (unsigned int shape = 0; shape < 256; shape += 3)
			for (unsigned int misc = 0; misc < 256; misc += 5) {
				uint8_t in[4] = { (uint8_t)layout,
						  (uint8_t)shape, (uint8_t)misc,
						  0 };
				struct mmt_prog p;

				decode_exact(in, sizeof(in), MMT_OPSET_PAGES,
					     &p);
				assert_valid(&p, MMT_OPSET_PAGES);
				mmt_prog_free(&p);
			}
	/* 4M (layout 1) with reserve choice 14 (12K@5M): left out */
	{
		static const uint8_t in[] = { 1, 0, 14 << 4, 0 };
		struct mmt_prog p;

		decode_exact(in, sizeof(in), MMT_OPSET_PAGES, &p);
		cr_assert_eq(p.machine.nr_reserved, 0);
		mmt_prog_free(&p);
	}
}

MMT_TEST(decode, known_bytes_decode_as_documented)
{
	/* layout 6 (8M@0 + 4M@4G), shape 0x1E (orders code 6 = 9, 8K
	 * pages), misc 0xB1 (2 CPUs, reserve 4K@0), check_every code 2 (128),
	 * then alloc_pages s3 order 2 gfp table[2], free_pages s3, check
	 * (selector 0x9C), get_zeroed_page s7 gfp escape 0x00000101, an
	 * order 0xF3; then order bytes 0x32 (uniform: 50 % 9 = 5) and 0x67
	 * (low four: (0x67 - 0x40) % 4 = 3). */
	static const uint8_t in[] = {
		6,    0x1E, 0xB1, 2,	0,    3,    2,	  2,	16,   3,
		0x9C, 14,   7,	  0xFF, 0x01, 0x01, 0x00, 0x00, 0,    9,
		0xF3, 0,    0,	  1,	0x32, 0,    0,	  2,	0x67, 0,
	};
	struct mmt_prog p;
	char buf[200];

	decode_exact(in, sizeof(in), MMT_OPSET_PAGES, &p);
	cr_assert_eq(p.machine.nr_banks, 2);
	cr_assert_eq(p.machine.page_shift, 13);
	cr_assert_eq(p.machine.nr_orders, 9);
	cr_assert_eq(p.machine.nr_cpus, 2);
	cr_assert_eq(p.machine.banks[1].start_pfn, (4ULL << 30) >> 13);
	cr_assert_eq(p.machine.nr_reserved, 1);
	cr_assert_eq(p.machine.reserved[0].nr_pages, 1);
	cr_assert_eq(p.check_every, 128);
	cr_assert_eq(p.nr_ops, 7);
	mmt_op_format(&p.ops[0], buf, sizeof(buf));
	cr_assert_str_eq(buf,
			 "alloc_pages s3 order=2 gfp=GFP_KERNEL|__GFP_ZERO");
	mmt_op_format(&p.ops[1], buf, sizeof(buf));
	cr_assert_str_eq(buf, "free_pages s3");
	cr_assert_eq(p.ops[2].kind, MMT_OP_CHECK);
	mmt_op_format(&p.ops[3], buf, sizeof(buf));
	cr_assert_str_eq(buf, "get_zeroed_page s7 gfp=GFP_DMA|__GFP_ZERO");
	/* order byte 0xF3 with 9 orders: 9 + 3 = 12, an impossible order */
	cr_assert_eq(p.ops[4].kind, MMT_OP_ALLOC_PAGES);
	cr_assert_eq(p.ops[4].order, 12);
	cr_assert_eq(p.ops[5].order, 5);
	cr_assert_eq(p.ops[6].order, 3);
	mmt_prog_free(&p);
	round_trip(in, sizeof(in), MMT_OPSET_PAGES);
}

MMT_TEST(decode, truncated_op_is_dropped)
{
	/* header, then alloc_pages s1 with the gfp byte missing */
	static const uint8_t in[] = { 0, 0, 0, 0, 0, 1, 2 };
	struct mmt_prog p;

	decode_exact(in, sizeof(in), MMT_OPSET_PAGES, &p);
	cr_assert_eq(p.nr_ops, 0);
	mmt_prog_free(&p);
	/* gfp escape cut short: dropped too */
	{
		static const uint8_t in2[] = { 0, 0, 0, 0, 6, 1, 0xFF, 1, 2 };

		decode_exact(in2, sizeof(in2), MMT_OPSET_PAGES, &p);
		cr_assert_eq(p.nr_ops, 0);
		mmt_prog_free(&p);
	}
}

MMT_TEST(decode, cap_at_max_ops)
{
	size_t n = MMT_MAX_OPS + 100 + 4;
	uint8_t *in = malloc(n);
	struct mmt_prog p;

	memset(in, 0x9C, n); /* selector 0x9C = check */
	in[0] = in[1] = in[2] = in[3] = 0;
	decode_exact(in, n, MMT_OPSET_PAGES, &p);
	cr_assert_eq(p.nr_ops, MMT_MAX_OPS);
	mmt_prog_free(&p);
	free(in);
}

MMT_TEST(decode, machine_escape_and_fallback)
{
	const char *spec = "profile=x86_32 era=2.6 page=4K orders=10 cpus=3 "
			   "bank=20M@0 bank=8M@1G reserve=8K@64K";
	size_t sl = strlen(spec);
	uint8_t in[256];
	struct mmt_prog p;

	in[0] = 0xFF;
	in[1] = (uint8_t)sl;
	in[2] = 0;
	memcpy(in + 3, spec, sl);
	in[3 + sl] = 0xFF; /* check_every escape */
	in[4 + sl] = 5;
	in[5 + sl] = 0;
	in[6 + sl] = 0;
	in[7 + sl] = 0;
	decode_exact(in, sl + 8, MMT_OPSET_PAGES, &p);
	cr_assert_eq(p.machine.profile, 1);
	cr_assert_eq(p.machine.era, 1);
	cr_assert_eq(p.machine.nr_orders, 10);
	cr_assert_eq(p.machine.nr_cpus, 3);
	cr_assert_eq(p.machine.nr_banks, 2);
	cr_assert_eq(p.machine.reserved[0].start_pfn, 16);
	cr_assert_eq(p.check_every, 5);
	mmt_prog_free(&p);
	round_trip(in, sl + 8, MMT_OPSET_PAGES);

	/* A spec that does not parse: the default machine. */
	memcpy(in + 3, "bogus=1", 7);
	in[1] = 7;
	decode_exact(in, 10, MMT_OPSET_PAGES, &p);
	{
		struct mmt_machine d;

		mmt_machine_default(&d);
		cr_assert(mmt_machine_equal(&p.machine, &d));
	}
	mmt_prog_free(&p);
	/* A length beyond the input: what remains is the spec. */
	in[1] = 0xFF;
	in[2] = 0xFF;
	round_trip(in, 20, MMT_OPSET_PAGES);
}

MMT_TEST(roundtrip, ten_thousand_random_inputs)
{
	uint64_t s = 42;
	uint8_t buf[512];

	for (int i = 0; i < 10000; i++) {
		size_t n = (size_t)(rng_next(&s) % sizeof(buf));
		enum mmt_opset set = (i & 1) ? MMT_OPSET_OBJECTS :
					       MMT_OPSET_PAGES;

		for (size_t k = 0; k < n; k += 8) {
			uint64_t v = rng_next(&s);

			memcpy(buf + k, &v, n - k < 8 ? n - k : 8);
		}
		/* Bias some inputs towards the escapes. */
		if (n > 4 && (i % 7) == 0)
			buf[3] = 0xFF;
		if (n > 40 && (i % 11) == 0) {
			static const char sp[] = "orders=12 page=8K bank=64M@0 "
						 "bank=16M@5G cpus=9";

			buf[0] = 0xFF;
			buf[1] = sizeof(sp) - 1;
			buf[2] = 0;
			memcpy(buf + 3, sp,
			       sizeof(sp) - 1 < n - 3 ? sizeof(sp) - 1 : n - 3);
		}
		round_trip(buf, n, set);
	}
}

MMT_TEST(roundtrip, hand_built_programs)
{
	struct mmt_prog p;
	struct mmt_op op;
	uint8_t *e;
	size_t elen;
	struct mmt_prog q;

	mmt_prog_init(&p, MMT_OPSET_PAGES);
	p.machine.nr_cpus = 17; /* not in the table: escape */
	p.check_every = 1000;
	memset(&op, 0, sizeof(op));
	op.kind = MMT_OP_ALLOC_PAGES;
	op.slot = 255;
	op.order = 3;
	op.gfp = 0x60000000u | MMT_GFP_THISNODE; /* not in the gfp table */
	cr_assert_eq(mmt_prog_push(&p, &op), 0);
	cr_assert_eq(mmt_prog_encode(&p, &e, &elen), 0);
	cr_assert_eq(e[0], MMT_OPSET_PAGES);
	cr_assert_eq(e[1], 0xFF, "expected the machine escape");
	cr_assert_eq(mmt_prog_decode(e, elen, &q), 0);
	cr_assert(mmt_prog_equal(&p, &q));
	free(e);
	mmt_prog_free(&q);
	mmt_prog_free(&p);

	/* A table machine: 3 header bytes and check_every. */
	mmt_prog_init(&p, MMT_OPSET_PAGES);
	p.machine.banks[0].nr_pages = (16u << 20) >> 12;
	cr_assert_eq(mmt_prog_encode(&p, &e, &elen), 0);
	cr_assert_eq(elen, 5);
	cr_assert_eq(e[1], 5); /* layout 5 = 16M */
	free(e);
	mmt_prog_free(&p);

	/* The text default (64M) is bigger than any table machine. */
	mmt_prog_init(&p, MMT_OPSET_PAGES);
	cr_assert_eq(mmt_prog_encode(&p, &e, &elen), 0);
	cr_assert_eq(e[0], MMT_OPSET_PAGES);
	cr_assert_eq(e[1], 0xFF, "expected the machine escape");
	cr_assert_eq(mmt_prog_decode(e, elen, &q), 0);
	cr_assert(mmt_prog_equal(&p, &q));
	free(e);
	mmt_prog_free(&q);
	mmt_prog_free(&p);
}

/* ------------------------------------------------------------ sizes */

#define OBJ_CAP (64ULL << 20) /* the executor's per-object cap */

/* Decode one malloc whose size field is the class byte cls and the raw
 * bytes raw[0..7] (the op takes as many as its class reads). */
static uint64_t decode_malloc_size(uint8_t cls, const uint8_t raw[8],
				   size_t *used)
{
	uint8_t in[4 + 3 + 8] = { 0, 0, 0, 0, 0 /* malloc */, 5, cls };
	struct mmt_prog p;
	uint8_t *e;
	size_t elen;
	uint64_t size;

	memcpy(in + 7, raw, 8);
	decode_exact(in, sizeof(in), MMT_OPSET_OBJECTS, &p);
	cr_assert_geq(p.nr_ops, 1, "class 0x%02x", cls);
	cr_assert_eq(p.ops[0].kind, MMT_OP_MALLOC);
	size = p.ops[0].size;
	/* unread raw bytes decode as further ops: drop them; the encoder's
	 * bytes for the first op say how many the decoder read */
	p.nr_ops = 1;
	cr_assert_eq(mmt_prog_encode(&p, &e, &elen), 0);
	*used = elen - 5; /* op set, 3 machine bytes, check_every */
	free(e);
	mmt_prog_free(&p);
	return size;
}

MMT_TEST(sizes, class_bytes_decode_as_documented)
{
	static const uint8_t zero[8] = { 0 };
	static const uint8_t ones[8] = { 0xFF, 0xFF, 0xFF, 0xFF,
					 0xFF, 0xFF, 0xFF, 0xFF };
	static const uint8_t esc[8] = { 0x01, 0x02, 0x03, 0x04,
					0x05, 0x06, 0x07, 0x08 };
	size_t used;

	/* small: c = b % 13, 0 -> 0, else 2^(c-1) + raw */
	cr_assert_eq(decode_malloc_size(0, ones, &used), 0);
	cr_assert_eq(decode_malloc_size(13, ones, &used), 0);
	cr_assert_eq(decode_malloc_size(1, ones, &used), 1);
	cr_assert_eq(decode_malloc_size(2, ones, &used), 3);
	cr_assert_eq(decode_malloc_size(12, zero, &used), 2048);
	cr_assert_eq(decode_malloc_size(12, ones, &used), 4095);
	cr_assert_eq(decode_malloc_size(155, ones, &used), 4095); /* 155%13 */
	/* medium: e = 12 + (b - 156) % 8 */
	cr_assert_eq(decode_malloc_size(156, zero, &used), 4096);
	cr_assert_eq(decode_malloc_size(156, ones, &used), 8191);
	cr_assert_eq(decode_malloc_size(163, ones, &used), (1u << 20) - 1);
	cr_assert_eq(decode_malloc_size(164, zero, &used), 4096);
	cr_assert_eq(decode_malloc_size(235, ones, &used), (1u << 20) - 1);
	/* large: e = 20 + (b - 236) % 6 */
	cr_assert_eq(decode_malloc_size(236, zero, &used), 1u << 20);
	cr_assert_eq(decode_malloc_size(241, ones, &used), OBJ_CAP - 1);
	cr_assert_eq(decode_malloc_size(253, ones, &used), OBJ_CAP - 1);
	/* impossible: one raw byte, SIZE_MAX - r or 2^63 + (r - 0x80) */
	cr_assert_eq(decode_malloc_size(254, esc, &used), UINT64_MAX - 1);
	cr_assert_eq(decode_malloc_size(254, zero, &used), UINT64_MAX);
	cr_assert_eq(decode_malloc_size(254, ones, &used), (1ULL << 63) + 127);
	/* escape: a raw u64 */
	cr_assert_eq(decode_malloc_size(255, esc, &used),
		     0x0807060504030201ULL);
	cr_assert_eq(decode_malloc_size(255, ones, &used), UINT64_MAX);
	cr_assert_eq(used, 3 + 8);
}

MMT_TEST(sizes, edge_sizes_round_trip_exactly)
{
	static const uint64_t sizes[] = {
		0,
		1,
		2,
		3,
		8,
		16,
		4095,
		4096,
		4097,
		65535,
		65536,
		(1u << 20) - 1,
		1u << 20,
		(1u << 20) + 1,
		OBJ_CAP - 1,
		OBJ_CAP,
		OBJ_CAP + 1,
		1ULL << 32,
		(1ULL << 63) + 12345,
		UINT64_MAX - 1,
		UINT64_MAX,
	};
	static const unsigned int kinds[] = { MMT_OP_MALLOC, MMT_OP_CALLOC,
					      MMT_OP_REALLOC, MMT_OP_ALIGNED };
	struct mmt_prog p, q;
	struct mmt_op op;
	uint8_t *e;
	size_t elen;

	mmt_prog_init(&p, MMT_OPSET_OBJECTS);
	p.machine.banks[0].nr_pages = (16u << 20) >> 12; /* table machine */
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(&op, 0, sizeof(op));
		op.kind = (uint16_t)kinds[i % 4];
		op.slot = (uint16_t)i;
		op.size = sizes[i];
		op.align = op.kind == MMT_OP_ALIGNED ? 64 : 0;
		cr_assert_eq(mmt_prog_push(&p, &op), 0);
	}
	cr_assert_eq(mmt_prog_encode(&p, &e, &elen), 0);
	decode_raw(e, elen, &q);
	cr_assert(mmt_prog_equal(&p, &q), "decode(encode(p)) != p");
	for (size_t i = 0; i < q.nr_ops; i++)
		cr_assert_eq(q.ops[i].size, sizes[i], "size %zu", i);
	/* and the text form, through the full property */
	round_trip(e + 1, elen - 1, MMT_OPSET_OBJECTS);
	free(e);
	mmt_prog_free(&q);
	mmt_prog_free(&p);

	/* Each size alone: canonical class and length. */
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		mmt_prog_init(&p, MMT_OPSET_OBJECTS);
		p.machine.banks[0].nr_pages = (16u << 20) >> 12;
		memset(&op, 0, sizeof(op));
		op.kind = MMT_OP_MALLOC;
		op.size = sizes[i];
		cr_assert_eq(mmt_prog_push(&p, &op), 0);
		cr_assert_eq(mmt_prog_encode(&p, &e, &elen), 0);
		cr_assert_geq(elen, 5 + 3);
		if (sizes[i] >= OBJ_CAP) {
			cr_assert_eq(e[7], 0xFF, "size %llu: class 0x%02x",
				     (unsigned long long)sizes[i], e[7]);
			cr_assert_eq(elen, 5 + 3 + 8);
		} else {
			cr_assert_lt(e[7], 254, "size %llu: class 0x%02x",
				     (unsigned long long)sizes[i], e[7]);
			cr_assert_leq(elen, 5 + 3 + 4);
		}
		if (sizes[i] > 0 && sizes[i] < 4096)
			cr_assert_lt(e[7], 13);
		free(e);
		mmt_prog_free(&p);
	}
}

MMT_TEST(sizes, random_class_bytes_favour_small_sizes)
{
	uint64_t s = 4096, small = 0, medium = 0, large = 0, escaped = 0;
	uint64_t above_cap = 0;

	for (int i = 0; i < 10000; i++) {
		uint64_t r = rng_next(&s), v = rng_next(&s), size;
		uint8_t cls = (uint8_t)r, raw[8];
		size_t used;

		memcpy(raw, &v, 8);
		size = decode_malloc_size(cls, raw, &used);
		if (cls >= 254) {
			escaped++;
			continue;
		}
		if (size > OBJ_CAP)
			above_cap++;
		else if (size <= 4096)
			small++;
		else if (size <= (1u << 20))
			medium++;
		else
			large++;
	}
	cr_assert_eq(above_cap, 0,
		     "%llu sizes above the cap without the "
		     "escape",
		     (unsigned long long)above_cap);
	cr_assert_gt(small, 5000, "only %llu of 10000 sizes <= 4 KiB",
		     (unsigned long long)small);
	cr_assert_gt(medium, 2000, "only %llu sizes in 4 KiB..1 MiB",
		     (unsigned long long)medium);
	cr_assert_gt(large, 200, "only %llu sizes in 1..64 MiB",
		     (unsigned long long)large);
	cr_assert_lt(large, 1500);
	cr_assert_gt(escaped, 0);
	cr_assert_lt(escaped, 200);
}

/* ------------------------------------------------------------ gfp */

MMT_TEST(gfp, format_in_kernel_spelling)
{
	char buf[256];

	mmt_gfp_format(MMT_GFP_KERNEL | MMT_GFP_ZERO, buf, sizeof(buf));
	cr_assert_str_eq(buf, "GFP_KERNEL|__GFP_ZERO");
	mmt_gfp_format(0, buf, sizeof(buf));
	cr_assert_str_eq(buf, "none");
	mmt_gfp_format(MMT_GFP_KERNEL | MMT_GFP_HARDWALL | MMT_GFP_HIGHMEM |
			       MMT_GFP_MOVABLE,
		       buf, sizeof(buf));
	cr_assert_str_eq(buf, "GFP_HIGHUSER_MOVABLE");
	mmt_gfp_format(MMT_GFP_DMA32 | MMT_GFP_KERNEL, buf, sizeof(buf));
	cr_assert_str_eq(buf, "GFP_KERNEL|GFP_DMA32");
	mmt_gfp_format(MMT_GFP_ATOMIC | MMT_GFP_DMA, buf, sizeof(buf));
	cr_assert_str_eq(buf, "GFP_ATOMIC|GFP_DMA");
	mmt_gfp_format(MMT_GFP_DIRECT_RECLAIM, buf, sizeof(buf));
	cr_assert_str_eq(buf, "__GFP_DIRECT_RECLAIM");
	mmt_gfp_format(0x200u | MMT_GFP_IO, buf, sizeof(buf));
	cr_assert_str_eq(buf, "__GFP_IO|0x200");
	/* Length is reported even when the buffer is short. */
	cr_assert_eq(mmt_gfp_format(MMT_GFP_KERNEL, buf, 4), 10);
	cr_assert_str_eq(buf, "GFP");
}

MMT_TEST(gfp, parse_names_aliases_and_hex)
{
	uint32_t g;

	cr_assert_eq(mmt_gfp_parse("GFP_KERNEL|__GFP_ZERO", 21, &g), 0);
	cr_assert_eq(g, MMT_GFP_KERNEL | MMT_GFP_ZERO);
	cr_assert_eq(mmt_gfp_parse("__GFP_DMA32", 11, &g), 0);
	cr_assert_eq(g, MMT_GFP_DMA32);
	cr_assert_eq(mmt_gfp_parse("0x40|__GFP_FS", 13, &g), 0);
	cr_assert_eq(g, MMT_GFP_IO | MMT_GFP_FS);
	cr_assert_eq(mmt_gfp_parse("none", 4, &g), 0);
	cr_assert_eq(g, 0);
	cr_assert_eq(mmt_gfp_parse("GFP_KERNAL", 10, &g), -1);
	cr_assert_eq(mmt_gfp_parse("GFP_KERNEL|", 11, &g), -1);
	cr_assert_eq(mmt_gfp_parse("", 0, &g), -1);
	/* Every valid mask formats and parses back. */
	for (uint32_t bit = 0; bit < 32; bit++) {
		uint32_t m = (1u << bit) & MMT_GFP_VALID_MASK;
		char buf[300];

		m |= MMT_GFP_KERNEL;
		mmt_gfp_format(m, buf, sizeof(buf));
		cr_assert_eq(mmt_gfp_parse(buf, strlen(buf), &g), 0, "%s", buf);
		cr_assert_eq(g, m, "%s", buf);
	}
}

/* ------------------------------------------------------------ text */

static void expect_error(const char *text, unsigned int line, unsigned int col,
			 const char *field)
{
	struct mmt_prog p;
	struct mmt_parse_error err;

	cr_assert_eq(mmt_prog_parse_text(text, strlen(text), "t.txt", &p, &err),
		     -1, "parsed: %s", text);
	cr_assert_eq(err.line, line, "line %u, expected %u: %s", err.line, line,
		     err.message);
	cr_assert_eq(err.column, col, "column %u, expected %u: %s", err.column,
		     col, err.message);
	cr_assert_str_eq(err.field, field, "%s", err.message);
	cr_assert_str_eq(err.file, "t.txt");
	cr_assert_neq(err.message[0], '\0');
	cr_assert_null(p.ops);
}

MMT_TEST(text, parses_the_documented_example)
{
	static const char txt[] =
		"# mmtorture ops v2\n"
		"machine profile=x86_64 era=6.12 page=4K orders=11 cpus=1 "
		"bank=32M@0 bank=32M@4G reserve=4K@0\n"
		"check_every 8\n"
		"\n"
		"alloc_pages s3 order=2 gfp=GFP_KERNEL|__GFP_ZERO  # a comment\n"
		"get_zeroed_page s4 gfp=GFP_KERNEL\n"
		"\tfree_pages s3\n"
		"check\n";
	struct mmt_prog p;
	struct mmt_parse_error err;

	cr_assert_eq(mmt_prog_parse_text(txt, strlen(txt), "x", &p, &err), 0,
		     "%u:%u %s", err.line, err.column, err.message);
	cr_assert_eq(p.machine.nr_banks, 2);
	cr_assert_eq(p.machine.banks[1].start_pfn, 1ULL << 20);
	cr_assert_eq(p.machine.nr_reserved, 1);
	cr_assert_eq(p.check_every, 8);
	cr_assert_eq(p.nr_ops, 4);
	cr_assert_eq(p.ops[0].kind, MMT_OP_ALLOC_PAGES);
	cr_assert_eq(p.ops[0].slot, 3);
	cr_assert_eq(p.ops[0].order, 2);
	cr_assert_eq(p.ops[0].gfp, MMT_GFP_KERNEL | MMT_GFP_ZERO);
	cr_assert_eq(p.ops[0].line, 5);
	cr_assert_eq(p.ops[1].kind, MMT_OP_GET_ZEROED_PAGE);
	cr_assert_eq(p.ops[2].kind, MMT_OP_FREE_PAGES);
	cr_assert_eq(p.ops[2].line, 7);
	cr_assert_eq(p.ops[3].kind, MMT_OP_CHECK);
	mmt_prog_free(&p);
}

MMT_TEST(text, defaults_and_objects_inference)
{
	static const char txt[] = "alloc_pages s1\ncheck\n";
	static const char obj[] = "check\nmalloc s1 size=100\n"
				  "aligned s2 size=64 align=4096\nfree s1\n";
	struct mmt_prog p;
	struct mmt_parse_error err;
	struct mmt_machine d;

	cr_assert_eq(mmt_prog_parse_text(txt, strlen(txt), "x", &p, &err), 0);
	mmt_machine_default(&d);
	cr_assert(mmt_machine_equal(&p.machine, &d));
	cr_assert_eq(p.ops[0].order, 0);
	cr_assert_eq(p.ops[0].gfp, MMT_GFP_KERNEL);
	cr_assert_eq(p.opset, MMT_OPSET_PAGES);
	mmt_prog_free(&p);
	cr_assert_eq(mmt_prog_parse_text(obj, strlen(obj), "x", &p, &err), 0,
		     "%s", err.message);
	cr_assert_eq(p.opset, MMT_OPSET_OBJECTS);
	cr_assert_eq(p.ops[2].align, 4096);
	mmt_prog_free(&p);
	expect_error("malloc s1 size=1\nalloc_page s2\n", 2, 1, "op");
}

MMT_TEST(text, error_unknown_op)
{
	expect_error("check\n  alloc_pagez s1\n", 2, 3, "op");
}

MMT_TEST(text, error_bad_number)
{
	expect_error("alloc_pages s1 order=2x\n", 1, 22, "order");
	expect_error("malloc s1 size=99999999999999999999999\n", 1, 16, "size");
	expect_error("check_every eight\n", 1, 13, "check_every");
}

MMT_TEST(text, error_bad_slot)
{
	expect_error("free_pages x1\n", 1, 12, "slot");
	expect_error("free_pages s256\n", 1, 12, "slot");
	expect_error("free_pages s-1\n", 1, 12, "slot");
	expect_error("free_pages\n", 1, 12, "slot");
}

MMT_TEST(text, error_bad_order)
{
	/* 11 orders: 0..26 allowed, 27 is out of range */
	expect_error("alloc_pages s1 order=26\nalloc_pages s1 order=27\n", 2,
		     22, "order");
	expect_error("machine orders=9\nalloc_pages s1 order=25\n", 2, 22,
		     "order");
}

MMT_TEST(text, error_bad_gfp_name)
{
	expect_error("alloc_page s1 gfp=GFP_KERNEL|__GFP_ZERRO\n", 1, 30,
		     "gfp");
	expect_error("alloc_page s1 gfp=\n", 1, 19, "gfp");
	expect_error("alloc_page s1 gfp=0x200\n", 1, 19, "gfp");
}

MMT_TEST(text, error_unknown_machine_key)
{
	expect_error("machine page=4K rams=64M\n", 1, 17, "key");
	expect_error("machine page=4K page=8K\n", 1, 17, "page");
	expect_error("machine bank=5000@0\n", 1, 9, "bank");
	expect_error("machine bank=1M@0\n", 1, 9, "bank"); /* < 4M block */
	expect_error("machine bank=16M@0 bank=16M@8M\n", 1, 20, "bank");
	expect_error("machine profile=arm\n", 1, 9, "profile");
	expect_error("check\nmachine cpus=2\n", 2, 1, "machine");
}

MMT_TEST(text, error_garbage)
{
	expect_error("free_pages s1 junk\n", 1, 15, "op");
	expect_error("check now\n", 1, 7, "op");
	expect_error("alloc_pages s1 size=3\n", 1, 16, "key");
	expect_error("alloc_pages s1 order=1 order=2\n", 1, 24, "order");
	expect_error("machine cpus=2 +\n", 1, 16, "key");
	expect_error("opset pages extra\n", 1, 13, "opset");
	expect_error("aligned s1 size=8 align=48\n", 1, 25, "align");
	expect_error("malloc s1\n", 1, 1, "size");
}

MMT_TEST(text, format_then_parse_is_identity)
{
	static const char txt[] =
		"machine profile=x86_32 era=2.6 page=8K orders=12 cpus=4 "
		"bank=64M@0 bank=1G@1G reserve=16K@8K\n"
		"check_every 3\n"
		"alloc_pages s0 order=26 gfp=GFP_DMA|GFP_DMA32\n"
		"get_free_pages s9 order=1 gfp=GFP_HIGHUSER|__GFP_COLD\n"
		"free_page s9\nfree_pages_page s0\n";
	struct mmt_prog p, q;
	struct mmt_parse_error err;
	char *text;

	cr_assert_eq(mmt_prog_parse_text(txt, strlen(txt), "x", &p, &err), 0,
		     "%u:%u %s", err.line, err.column, err.message);
	text = mmt_prog_format_text(&p);
	cr_assert_not_null(strstr(text, "bank=1G@1G reserve=16K@8K"), "%s",
			   text);
	cr_assert_eq(mmt_prog_parse_text(text, strlen(text), "x", &q, &err), 0);
	cr_assert(mmt_prog_equal(&p, &q));
	free(text);
	mmt_prog_free(&p);
	mmt_prog_free(&q);
}

MMT_TEST(names, op_names_and_targets)
{
	cr_assert_str_eq(mmt_op_name(MMT_OP_FREE_PAGES_PAGE),
			 "free_pages_page");
	cr_assert_null(mmt_op_name(MMT_NR_OP_KINDS));
	cr_assert_eq(mmt_fuzz_target("fuzz_pages")->sets,
		     1u << MMT_OPSET_PAGES);
	cr_assert_null(mmt_fuzz_target("fuzz_nothing"));
	cr_assert_str_eq(mmt_opset_name(MMT_OPSET_OBJECTS), "objects");
	cr_assert_str_eq(mmt_opset_name(MMT_NR_OPSETS), "unknown");
}

/* ------------------------------------------------------------ fuzz */

/* A binary program whose machine is the escape form of spec. */
static size_t escape_program(const char *spec, uint8_t *buf, size_t cap)
{
	size_t n = strlen(spec);

	cr_assert_lt(n + 5, cap);
	buf[0] = MMT_OPSET_PAGES;
	buf[1] = 0xFF;
	buf[2] = (uint8_t)(n & 0xFF);
	buf[3] = (uint8_t)(n >> 8);
	memcpy(buf + 4, spec, n);
	buf[4 + n] = 0; /* check_every */
	return n + 5;
}

/* The fuzz targets skip (-1) a machine of more than 256 MiB of RAM, and
 * only for pages programs. */
MMT_TEST(fuzz, big_machines_are_kept_out)
{
	static const struct {
		const char *spec;
		int want;
	} cases[] = {
		{ "bank=256M@0", 0 },
		{ "bank=128M@0 bank=128M@4G", 0 },
		{ "bank=257M@0", -1 },
		{ "bank=32G@880M", -1 },
		{ "bank=200M@0 bank=64M@4G", -1 },
	};
	uint8_t buf[128], *copy;
	struct mmt_prog p;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = escape_program(cases[i].spec, buf, sizeof(buf));
		int rc = mmt_fuzz_decode(buf, n, 1u << MMT_OPSET_PAGES, &copy,
					 &p);

		cr_assert_eq(rc, cases[i].want, "%s: %d", cases[i].spec, rc);
		if (rc == 0) {
			mmt_prog_free(&p);
			free(copy);
		}
		/* an objects program ignores the machine: never skipped */
		buf[0] = MMT_OPSET_OBJECTS;
		cr_assert_eq(mmt_fuzz_decode(buf, n, 1u << MMT_OPSET_OBJECTS,
					     &copy, &p),
			     0, "%s", cases[i].spec);
		mmt_prog_free(&p);
		free(copy);
	}
}

/* ------------------------------------------------------------ op table */

MMT_TEST(optable, every_row_is_consistent_and_every_kind_reachable)
{
	for (unsigned int k = 0; k < MMT_NR_OP_KINDS; k++) {
		const struct mmt_op_desc *d = mmt_op_desc(k);
		int found = d->set == MMT_NR_OPSETS; /* check: own selector */

		cr_assert_not_null(d->name, "kind %u has no row", k);
		cr_assert_leq(d->set, MMT_NR_OPSETS, "%s", d->name);
		cr_assert_eq(d->fields >> MMT_NR_FIELDS, 0u, "%s", d->name);
		cr_assert_eq(d->required & ~d->fields, 0u, "%s", d->name);
		cr_assert_eq(!!(d->fields & MMT_F(MMT_FIELD_SLOT)),
			     d->role == MMT_ROLE_ALLOC ||
				     d->role == MMT_ROLE_FREE ||
				     d->role == MMT_ROLE_REALLOC,
			     "%s: a slot iff it allocates or frees", d->name);
		for (unsigned int s = 0; s < MMT_NR_OPSETS && !found; s++) {
			const struct mmt_opset_desc *sd = mmt_opset_desc(s);

			for (size_t i = 0; i < sd->nr_kinds; i++)
				found |= sd->kinds[i] == k;
		}
		cr_assert(found, "%s is in no selector table", d->name);
		cr_assert_str_eq(mmt_op_name(k), d->name);
	}
	for (unsigned int s = 0; s < MMT_NR_OPSETS; s++) {
		const struct mmt_opset_desc *sd = mmt_opset_desc(s);

		cr_assert_neq(sd->caps, 0u);
		cr_assert_eq(mmt_opset_by_name(sd->name, strlen(sd->name)),
			     (int)s);
		for (size_t i = 0; i < sd->nr_kinds; i++)
			cr_assert(mmt_op_in_set(sd->kinds[i], s),
				  "%s selects %s", sd->name,
				  mmt_op_name(sd->kinds[i]));
	}
	cr_assert_null(mmt_op_desc(MMT_NR_OP_KINDS));
	cr_assert_null(mmt_opset_desc(MMT_NR_OPSETS));
	cr_assert_eq(mmt_opset_by_name("pagesx", 6), -1);
}

MMT_TEST(decode, byte_0_names_the_op_set)
{
	static const uint8_t objects[] = { 1, 0, 0, 0, 0, 0 /* malloc */,
					   7, 3, 1 };
	static const uint8_t unknown[] = { 200, 0, 0, 0, 0, 0, 7, 3 };
	uint8_t *copy;
	struct mmt_prog p;

	decode_raw(objects, sizeof(objects), &p);
	cr_assert_eq(p.opset, MMT_OPSET_OBJECTS);
	cr_assert_eq(p.nr_ops, 1);
	cr_assert_eq(p.ops[0].kind, MMT_OP_MALLOC);
	mmt_prog_free(&p);
	/* the same bytes after a pages byte 0 are a pages program */
	decode_exact(objects + 1, sizeof(objects) - 1, MMT_OPSET_PAGES, &p);
	cr_assert_eq(p.ops[0].kind, MMT_OP_ALLOC_PAGES);
	mmt_prog_free(&p);
	decode_raw(unknown, sizeof(unknown), &p);
	cr_assert_eq((unsigned int)p.opset, 200u);
	cr_assert_eq(p.nr_ops, 0, "no set: no ops are read");
	cr_assert_null(mmt_opset_desc(p.opset));
	mmt_prog_free(&p);
	/* a fuzz target runs only the sets it names */
	cr_assert_eq(mmt_fuzz_decode(objects, sizeof(objects),
				     1u << MMT_OPSET_PAGES, &copy, &p),
		     -1);
	cr_assert_eq(mmt_fuzz_decode(unknown, sizeof(unknown), ~0u, &copy, &p),
		     -1);
	cr_assert_eq(mmt_fuzz_decode(objects, sizeof(objects),
				     1u << MMT_OPSET_OBJECTS, &copy, &p),
		     0);
	mmt_prog_free(&p);
	free(copy);
}

/* The header lines (machine, opset): once each, before the first op, and
 * the message says which of the two rules broke. */
MMT_TEST(text, header_lines_come_once_and_before_the_first_op)
{
	static const struct {
		const char *text, *field, *message;
		unsigned int line;
	} cases[] = {
		{ "machine cpus=2\nmachine cpus=2\n", "machine",
		  "duplicate machine line", 2 },
		{ "check\nmachine cpus=2\n", "machine",
		  "machine must come before the first op", 2 },
		{ "opset pages\nopset pages\n", "opset", "duplicate opset line",
		  2 },
		{ "check\nopset pages\n", "opset",
		  "opset must come before the first op", 2 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mmt_prog p;
		struct mmt_parse_error err;

		cr_assert_eq(mmt_prog_parse_text(cases[i].text,
						 strlen(cases[i].text), "t", &p,
						 &err),
			     -1, "parsed: %s", cases[i].text);
		cr_assert_eq(err.line, cases[i].line);
		cr_assert_eq(err.column, 1);
		cr_assert_str_eq(err.field, cases[i].field);
		cr_assert_str_eq(err.message, cases[i].message);
	}
}

/* ------------------------------------------------------------ calloc_array */

MMT_TEST(nmemb, class_bytes_decode_as_documented)
{
	/* table machine, check_every 0; calloc_array (selector 15), slot 1,
	 * size class 3 (4..7) raw 0 -> 4, then the nmemb byte */
	static const struct {
		uint8_t b;
		uint64_t raw, want;
	} v[] = {
		{ 0x00, 0, 0 },
		{ 0x7F, 0, 127 },
		{ 0x80, 0, 1 },
		{ 0xA0, 0, 1ULL << 32 },
		{ 0xBF, 0, 1ULL << 63 },
		/* the least count whose product with 4 wraps, plus j */
		{ 0xC0, 0, (1ULL << 62) },
		{ 0xC1, 0, (1ULL << 62) + 1 },
		{ 0xFE, 0, (1ULL << 62) + 62 },
		{ 0xFF, 0x0102030405060708ULL, 0x0102030405060708ULL },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t in[4 + 5 + 8] = { 0, 0, 0, 0, 15, 1, 3, 0 };
		struct mmt_prog p;

		in[7] = 0; /* the size's raw byte */
		in[8] = v[i].b;
		for (unsigned int k = 0; k < 8; k++)
			in[9 + k] = (uint8_t)(v[i].raw >> (8 * k));
		decode_exact(in, v[i].b == 0xFF ? 17 : 9, MMT_OPSET_OBJECTS,
			     &p);
		cr_assert_geq(p.nr_ops, 1, "nmemb byte 0x%02x", v[i].b);
		cr_assert_eq(p.ops[0].kind, MMT_OP_CALLOC_ARRAY);
		cr_assert_eq(p.ops[0].size, 4);
		cr_assert_eq(p.ops[0].nmemb, v[i].want, "0x%02x: %llu", v[i].b,
			     (unsigned long long)p.ops[0].nmemb);
		mmt_prog_free(&p);
	}
}

MMT_TEST(nmemb, wrap_counts_follow_the_size)
{
	/* the wrap class depends on the size decoded before it */
	static const uint64_t sizes[] = { 0, 1, 2, 3, 24, 4095, 1u << 20 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct mmt_prog p, q;
		struct mmt_op op;
		uint8_t *e;
		size_t elen;

		mmt_prog_init(&p, MMT_OPSET_OBJECTS);
		p.machine.banks[0].nr_pages = (16u << 20) >> 12;
		memset(&op, 0, sizeof(op));
		op.kind = MMT_OP_CALLOC_ARRAY;
		op.size = sizes[i];
		op.nmemb = sizes[i] < 2 ? UINT64_MAX - 5 :
					  UINT64_MAX / sizes[i] + 1 + 5;
		cr_assert_eq(mmt_prog_push(&p, &op), 0);
		cr_assert_eq(mmt_prog_encode(&p, &e, &elen), 0);
		/* header 5, selector, slot, size, then one nmemb byte */
		cr_assert_eq(e[elen - 1], 0xC5, "size %llu: 0x%02x",
			     (unsigned long long)sizes[i], e[elen - 1]);
		decode_raw(e, elen, &q);
		cr_assert(mmt_prog_equal(&p, &q), "size %llu",
			  (unsigned long long)sizes[i]);
		if (sizes[i] >= 2) /* the product wraps to a few multiples */
			cr_assert_leq(q.ops[0].nmemb * sizes[i], 6 * sizes[i]);
		round_trip(e + 1, elen - 1, MMT_OPSET_OBJECTS);
		free(e);
		mmt_prog_free(&q);
		mmt_prog_free(&p);
	}
}

MMT_TEST(nmemb, calloc_array_round_trips_in_every_form)
{
	static const char text[] =
		"opset objects\n"
		"calloc_array s1 size=4 nmemb=4611686018427387905\n"
		"calloc_array s2 nmemb=16 size=8\n"
		"calloc_array s3 size=4294967296 nmemb=4294967296\n"
		"calloc_array s4 size=0 nmemb=18446744073709551615\n"
		"calloc_array s5 size=3 nmemb=1000\n"
		"calloc_array s6 size=7 nmemb=12345678901234\n"
		"malloc s7 size=18446744073709551615\n";
	static const uint64_t nmemb[] = {
		(1ULL << 62) + 1, 16,	1ULL << 32,
		UINT64_MAX,	  1000, 12345678901234ULL,
	};
	struct mmt_prog p;
	struct mmt_parse_error err;
	uint8_t *e;
	size_t elen;
	char *out;

	cr_assert_eq(mmt_prog_parse_text(text, strlen(text), "t", &p, &err), 0,
		     "%u:%u %s: %s", err.line, err.column, err.field,
		     err.message);
	cr_assert_eq(p.nr_ops, 7);
	for (size_t i = 0; i < 6; i++) {
		cr_assert_eq(p.ops[i].kind, MMT_OP_CALLOC_ARRAY);
		cr_assert_eq(p.ops[i].nmemb, nmemb[i], "op %zu", i);
	}
	out = mmt_prog_format_text(&p);
	cr_assert_not_null(out);
	cr_assert_not_null(strstr(out, "calloc_array s2 size=8 nmemb=16\n"),
			   "%s", out);
	free(out);
	cr_assert_eq(mmt_prog_encode(&p, &e, &elen), 0);
	round_trip(e + 1, elen - 1, MMT_OPSET_OBJECTS);
	free(e);
	mmt_prog_free(&p);
	/* nmemb is required */
	expect_error("calloc_array s1 size=4\n", 1, 1, "nmemb");
}
