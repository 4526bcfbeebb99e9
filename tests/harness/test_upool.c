/* SPDX-License-Identifier: MIT */
/*
 * test_upool.c - the upool layer: its ops in both forms, the ABI rows of
 * its table, ref-pages' pools under the pool shadow, and each POOL-* id
 * from a pool allocator broken that way.
 *
 * The broken allocator ("bad") forwards to ref-pages' machine and its
 * UPOOL table and breaks one thing as its options say:
 *   nullpool  create returns 0 and no pool
 *   zero      create of count 0 or size 0 succeeds (a pool of one chunk)
 *   misalign  alloc returns the chunk plus 8 bytes (free takes it back)
 *   twice     every second alloc returns the previous chunk again
 *   scribble  an alloc writes one byte into the chunk before it
 *   short     a pool holds one chunk fewer than asked
 *   extra     a pool holds one chunk more than asked
 *   freeerr   free refuses with -EBUSY
 *   destroylie destroy returns 0 while chunks are live
 * A second table ("bad-a1") declares an alignment of 1, so ref's 16-byte
 * chunk rounding spreads a pool over more than count x stride: POOL-SPAN.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/diff.h>
#include <mmtorture/exec.h>
#include <mmtorture/ops.h>

#include "leakcheck.h"
#include "prog_text.h"

static const struct mmt_adapter *ref(void)
{
	return &mmt_adapter_ref_pages;
}

struct bad {
	void *inner;
	char mode[16];
	unsigned long nr_allocs;
	unsigned char *last;
};

static int bad_is(const struct bad *b, const char *m)
{
	return strcmp(b->mode, m) == 0;
}

static int bad_create(const struct mmt_adapter_env *env, void **state,
		      char *err, size_t errlen)
{
	struct mmt_adapter_env inner_env = *env;
	struct bad *b = calloc(1, sizeof(*b));
	int ret;

	if (!b)
		return -ENOMEM;
	inner_env.options = "";
	ret = ref()->create(&inner_env, &b->inner, err, errlen);
	if (ret) {
		free(b);
		return ret;
	}
	snprintf(b->mode, sizeof(b->mode), "%s", env->options);
	*state = b;
	return 0;
}

static void bad_destroy(void *state)
{
	struct bad *b = state;

	ref()->destroy(b->inner);
	free(b);
}

static long bad_check(void *state, unsigned int level, mmt_finding_fn fn,
		      void *ctx)
{
	struct bad *b = state;

	return ref()->check(b->inner, level, fn, ctx);
}

static int bad_pool_create(void *state, size_t size, uint64_t count,
			   uint32_t gfp, void **pool)
{
	struct bad *b = state;

	if (bad_is(b, "nullpool")) {
		*pool = NULL;
		return 0;
	}
	if (bad_is(b, "zero") && (size == 0 || count == 0))
		size = count = 1;
	if (bad_is(b, "short") && count > 1)
		count--;
	if (bad_is(b, "extra"))
		count++;
	return ref()->upool->create(b->inner, size, count, gfp, pool);
}

static void *bad_alloc(void *state, void *pool)
{
	struct bad *b = state;
	unsigned char *p;

	if (bad_is(b, "twice") && b->last && b->nr_allocs++ % 2)
		return b->last;
	p = ref()->upool->alloc(b->inner, pool);
	if (p && bad_is(b, "scribble") && b->last)
		b->last[0] ^= 0xFF;
	if (p && bad_is(b, "misalign"))
		p += 8;
	b->last = p;
	return p;
}

static int bad_free(void *state, void *pool, void *ptr)
{
	struct bad *b = state;

	if (bad_is(b, "freeerr"))
		return -EBUSY;
	if (bad_is(b, "misalign"))
		ptr = (unsigned char *)ptr - 8;
	if (ptr == b->last)
		b->last = NULL;
	return ref()->upool->free(b->inner, pool, ptr);
}

static long bad_pool_destroy(void *state, void *pool)
{
	struct bad *b = state;
	long ret = ref()->upool->destroy(b->inner, pool);

	return bad_is(b, "destroylie") ? 0 : ret;
}

static const struct mmt_upool_ops bad_ops = {
	.struct_size = sizeof(struct mmt_upool_ops),
	.version = MMT_UPOOL_OPS_VERSION,
	.create = bad_pool_create,
	.alloc = bad_alloc,
	.free = bad_free,
	.destroy = bad_pool_destroy,
	.align = 16,
};

static const struct mmt_upool_ops bad_ops_a1 = {
	.struct_size = sizeof(struct mmt_upool_ops),
	.version = MMT_UPOOL_OPS_VERSION,
	.create = bad_pool_create,
	.alloc = bad_alloc,
	.free = bad_free,
	.destroy = bad_pool_destroy,
	.align = 1,
};

static const struct mmt_adapter bad_ad = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "bad",
	.description = "ref-pages' pools, broken on purpose",
	.caps = MMT_CAP_UPOOL | MMT_CAP_CHECK,
	.create = bad_create,
	.destroy = bad_destroy,
	.check = bad_check,
	.upool = &bad_ops,
};

static const struct mmt_adapter bad_a1_ad = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "bad-a1",
	.description = "ref-pages' pools declaring alignment 1",
	.caps = MMT_CAP_UPOOL | MMT_CAP_CHECK,
	.create = bad_create,
	.destroy = bad_destroy,
	.check = bad_check,
	.upool = &bad_ops_a1,
};

static int run_on(const struct mmt_adapter *ad, const char *opts,
		  const char *text, struct mmt_exec_result *res)
{
	struct mmt_prog p;
	char err[256] = "";
	int ret;

	parse(text, &p);
	ret = mmt_exec_run(ad, opts, &p, NULL, res, err, sizeof(err));
	mmt_prog_free(&p);
	cr_assert_neq(ret, MMT_EXIT_USAGE, "%s", err);
	return ret;
}

/* The first violation is id at op. */
static void expect_first(const struct mmt_exec_result *res, const char *id,
			 size_t op)
{
	const struct mmt_violation *v = &res->report.v[0];

	cr_assert_geq(res->report.nr, 1, "no violation, expected %s", id);
	cr_assert_str_eq(v->id, id, "first is %s: %s", v->id, v->message);
	cr_assert_eq(v->op_index, op, "%s at op %zu: %s", v->id, v->op_index,
		     v->message);
}

static void expect_bug(const struct mmt_adapter *ad, const char *mode,
		       const char *text, const char *id, size_t op)
{
	struct mmt_exec_result res;

	cr_assert_eq(run_on(ad, mode, text, &res), MMT_EXIT_BUG,
		     "%s: no violation", mode);
	expect_first(&res, id, op);
}

static const char prog[] = "opset upool\n"
			   "upool_create pool=0 size=40 count=3\n"
			   "upool_alloc s0 pool=0\n"
			   "upool_alloc s1 pool=0\n"
			   "upool_alloc s2 pool=0\n"
			   "upool_alloc s3 pool=0\n"
			   "upool_free s0\n"
			   "upool_destroy pool=0\n"
			   "upool_free s1\n"
			   "upool_free s2\n"
			   "upool_destroy pool=0\n"
			   "check\n";

/* ------------------------------------------------------------ clean runs */

MMT_TEST(upool, ref_pages_pools_hold_under_the_shadow)
{
	struct mmt_exec_result res;

	cr_assert(ref()->caps & MMT_CAP_UPOOL);
	cr_assert_eq(run_on(ref(), "", prog, &res), MMT_EXIT_OK, "%s: %s",
		     res.report.v[0].id, res.report.v[0].message);
	cr_assert_eq(res.allocs, 3, "the fourth found the pool full");
	cr_assert_eq(res.alloc_fails, 1);
	cr_assert_eq(res.frees, 3);
}

MMT_TEST(upool, the_forwarder_is_clean_without_a_mode)
{
	struct mmt_exec_result res;

	cr_assert_eq(run_on(&bad_ad, "", prog, &res), MMT_EXIT_OK, "%s: %s",
		     res.report.v[0].id, res.report.v[0].message);
}

MMT_TEST(upool, outcomes_say_what_the_oracle_required)
{
	struct mmt_exec_opts o;
	struct mmt_exec *ex;
	struct mmt_op_outcome oc;
	struct mmt_prog p;
	char err[256] = "";

	parse(prog, &p);
	mmt_exec_opts_default(&o);
	cr_assert_eq(mmt_exec_open(ref(), "", &p, &o, &ex, err, sizeof(err)), 0,
		     "%s", err);
	mmt_exec_step(ex, 0, &oc);
	cr_assert(oc.ok && !oc.is_alloc && !oc.must_fail, "create");
	mmt_exec_step(ex, 1, &oc);
	cr_assert(oc.is_alloc && oc.ok && oc.must_succeed && !oc.must_fail);
	cr_assert_eq(oc.size, 40);
	cr_assert_geq(oc.addr_align, 16);
	mmt_exec_step(ex, 2, &oc);
	mmt_exec_step(ex, 3, &oc);
	mmt_exec_step(ex, 4, &oc);
	cr_assert(oc.is_alloc && !oc.ok && !oc.must_succeed && oc.must_fail,
		  "the fourth of three must fail");
	mmt_exec_step(ex, 5, &oc);
	cr_assert(oc.is_free && oc.ok);
	mmt_exec_step(ex, 6, &oc);
	cr_assert(!oc.ok && !oc.skipped, "destroy with 2 live keeps it");
	mmt_exec_finish(ex);
	cr_assert_eq(mmt_exec_result(ex)->report.total, 0);
	mmt_exec_close(ex);
	mmt_prog_free(&p);
}

MMT_TEST(upool, two_ref_pages_agree_and_a_short_pool_diverges)
{
	struct mmt_diff_result *res = calloc(1, sizeof(*res));
	struct mmt_diff_opts o;
	struct mmt_prog p;
	char err[512] = "";

	cr_assert_not_null(res);
	parse(prog, &p);
	mmt_diff_opts_default(&o);
	cr_assert_eq(mmt_diff_run(ref(), "", ref(), "", &p, &o, res, err,
				  sizeof(err)),
		     MMT_EXIT_OK, "%s", err);
	cr_assert_eq(mmt_diff_run(ref(), "", &bad_ad, "short", &p, &o, res, err,
				  sizeof(err)),
		     MMT_EXIT_BUG, "%s", err);
	cr_assert_gt(res->report.nr, 0);
	cr_assert_str_eq(res->report.v[0].id, "POOL-EXHAUSTED", "%s",
			 res->report.v[0].message);
	cr_assert_str_eq(res->report.v[1].id, "DIFF-MUST-SUCCEED", "%s",
			 res->report.v[1].message);
	mmt_prog_free(&p);
	free(res);
}

/* ------------------------------------------------------------ POOL-* ids */

MMT_TEST(upool, create_without_a_pool_is_pool_create)
{
	expect_bug(&bad_ad, "nullpool", prog, "POOL-CREATE", 0);
}

MMT_TEST(upool, a_pool_of_no_chunks_is_pool_create)
{
	expect_bug(&bad_ad, "zero",
		   "opset upool\nupool_create pool=1 size=8 count=0\n",
		   "POOL-CREATE", 0);
	expect_bug(&bad_ad, "zero",
		   "opset upool\nupool_create pool=1 size=0 count=5\n",
		   "POOL-CREATE", 0);
}

MMT_TEST(upool, a_misaligned_chunk_is_pool_align)
{
	expect_bug(&bad_ad, "misalign", prog, "POOL-ALIGN", 1);
}

MMT_TEST(upool, chunks_beyond_one_span_are_pool_span)
{
	expect_bug(&bad_a1_ad, "",
		   "opset upool\nupool_create pool=0 size=1 count=4\n"
		   "upool_alloc s0 pool=0\nupool_alloc s1 pool=0\n",
		   "POOL-SPAN", 2);
}

MMT_TEST(upool, a_chunk_handed_out_twice_is_pool_overlap)
{
	expect_bug(&bad_ad, "twice", prog, "POOL-OVERLAP", 3);
}

MMT_TEST(upool, a_write_into_a_live_chunk_is_pool_cookie)
{
	expect_bug(&bad_ad, "scribble", prog, "POOL-COOKIE", 5);
}

MMT_TEST(upool, null_below_the_count_is_pool_exhausted)
{
	expect_bug(&bad_ad, "short", prog, "POOL-EXHAUSTED", 3);
}

MMT_TEST(upool, a_chunk_past_the_count_is_pool_overflow)
{
	expect_bug(&bad_ad, "extra", prog, "POOL-OVERFLOW", 4);
}

MMT_TEST(upool, a_refused_free_is_pool_free)
{
	expect_bug(&bad_ad, "freeerr", prog, "POOL-FREE", 5);
}

MMT_TEST(upool, destroy_that_ignores_live_chunks_is_pool_destroy)
{
	expect_bug(&bad_ad, "destroylie", prog, "POOL-DESTROY", 6);
}

/* ------------------------------------------------------------ the ABI */

static char verr[256];

static int validate(const struct mmt_adapter *ad)
{
	verr[0] = '\0';
	return mmt_adapter_validate(ad, verr, sizeof(verr));
}

MMT_TEST(abi, upool_table_rows_are_validated)
{
	struct mmt_adapter ad = bad_ad;
	struct mmt_upool_ops ops = bad_ops;

	ad.upool = &ops;
	cr_assert_eq(validate(&ad), 0, "%s", verr);
	ops.free = NULL;
	cr_assert_eq(validate(&ad), MMT_EXIT_USAGE);
	cr_assert(strstr(verr, "capability UPOOL declared but upool->free is "
			       "NULL"),
		  "%s", verr);
	ops = bad_ops;
	ops.align = 24;
	cr_assert_eq(validate(&ad), MMT_EXIT_USAGE);
	cr_assert(strstr(verr, "upool->align 24 is not a power of two"), "%s",
		  verr);
	ops = bad_ops;
	ops.version = 9;
	cr_assert_eq(validate(&ad), MMT_EXIT_USAGE);
	cr_assert(strstr(verr, "struct mmt_upool_ops: version 9"), "%s", verr);
	ops = bad_ops;
	ops.struct_size = (uint32_t)MMT_UPOOL_OPS_MIN_SIZE - 1;
	cr_assert_eq(validate(&ad), MMT_EXIT_USAGE);
	cr_assert(strstr(verr, "struct mmt_upool_ops: struct_size"), "%s",
		  verr);
	ad.upool = NULL;
	cr_assert_eq(validate(&ad), MMT_EXIT_USAGE);
	cr_assert(strstr(verr, "capability UPOOL declared but upool is NULL"),
		  "%s", verr);
}

/*
 * An adapter built before the upool table was appended: its struct_size
 * ends at objects. Without UPOOL it validates (the pointer past its size
 * is never read, whatever lies there); declaring UPOOL, it has no table.
 */
MMT_TEST(abi, an_adapter_ending_before_upool_has_no_upool_table)
{
	struct mmt_adapter ad = bad_ad;

	ad.struct_size = (uint32_t)MMT_ADAPTER_MIN_SIZE;
	ad.upool = (const struct mmt_upool_ops *)&verr; /* past its size */
	cr_assert_eq(validate(&ad), MMT_EXIT_USAGE);
	cr_assert(strstr(verr, "capability UPOOL declared but upool is NULL"),
		  "%s", verr);
	ad.caps = MMT_CAP_CHECK;
	cr_assert_eq(validate(&ad), 0, "%s", verr);
}

MMT_TEST(upool, a_program_needs_the_upool_capability)
{
	struct mmt_adapter nocap = bad_ad;
	struct mmt_prog p;
	struct mmt_exec_result res;
	char err[256] = "";

	nocap.caps = MMT_CAP_CHECK;
	parse(prog, &p);
	cr_assert_eq(mmt_exec_run(&nocap, "", &p, NULL, &res, err, sizeof(err)),
		     MMT_EXIT_USAGE);
	cr_assert(strstr(err, "has no UPOOL capability"), "%s", err);
	mmt_prog_free(&p);
}

/* ------------------------------------------------------------ op format */

MMT_TEST(opformat, upool_ops_round_trip_through_both_forms)
{
	struct mmt_prog p, q, r;
	uint8_t *bin;
	size_t len;
	char *text;
	struct mmt_parse_error e;

	parse("opset upool\n"
	      "upool_create count=100000 gfp=GFP_ATOMIC pool=7 size=3\n"
	      "upool_create pool=0 size=8 count=0\n"
	      "upool_create pool=1 size=8 count=1048576\n"
	      "upool_create pool=2 size=8 count=512\n"
	      "upool_alloc s255 pool=7\nupool_free s255\n"
	      "upool_destroy pool=7\ncheck\n",
	      &p);
	cr_assert_eq(p.opset, MMT_OPSET_UPOOL);
	cr_assert_eq(p.nr_ops, 8);
	cr_assert_eq(p.ops[0].pool, 7);
	cr_assert_eq(p.ops[0].count, 100000);
	cr_assert_eq(p.ops[0].size, 3);
	cr_assert_eq(p.ops[0].gfp, MMT_GFP_ATOMIC);
	cr_assert_eq(p.ops[1].gfp, MMT_GFP_KERNEL, "the row's default");
	cr_assert_eq(mmt_prog_encode(&p, &bin, &len), 0);
	cr_assert_eq(bin[0], MMT_OPSET_UPOOL);
	cr_assert_eq(mmt_prog_decode(bin, len, &q), 0);
	text = mmt_prog_format_text(&q);
	cr_assert_not_null(text);
	cr_assert(strstr(text, "upool_create gfp=GFP_ATOMIC size=3 pool=7 "
			       "count=100000\n"),
		  "%s", text);
	cr_assert_eq(mmt_prog_parse_text(text, strlen(text), "t", &r, &e), 0,
		     "%s", e.message);
	cr_assert_eq(r.nr_ops, p.nr_ops);
	for (size_t i = 0; i < p.nr_ops; i++) {
		cr_assert_eq(q.ops[i].kind, p.ops[i].kind, "op %zu", i);
		cr_assert_eq(q.ops[i].pool, p.ops[i].pool, "op %zu", i);
		cr_assert_eq(q.ops[i].count, p.ops[i].count, "op %zu", i);
		cr_assert_eq(r.ops[i].count, p.ops[i].count, "op %zu", i);
		cr_assert_eq(r.ops[i].slot, p.ops[i].slot, "op %zu", i);
	}
	free(text);
	free(bin);
	mmt_prog_free(&p);
	mmt_prog_free(&q);
	mmt_prog_free(&r);
}

MMT_TEST(opformat, random_upool_bytes_decode_and_round_trip)
{
	uint64_t x = 12345;
	uint8_t buf[300];

	for (int n = 0; n < 2000; n++) {
		struct mmt_prog p, q;
		uint8_t *bin;
		size_t len, blen;

		len = 1 + (size_t)(n % (int)sizeof(buf));
		for (size_t i = 0; i < len; i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			buf[i] = (uint8_t)(x >> 56);
		}
		buf[0] = MMT_OPSET_UPOOL;
		cr_assert_eq(mmt_prog_decode(buf, len, &p), 0);
		for (size_t i = 0; i < p.nr_ops; i++) {
			cr_assert_lt(p.ops[i].pool, MMT_NR_POOLS);
			cr_assert_leq(p.ops[i].count, MMT_MAX_COUNT);
		}
		cr_assert_eq(mmt_prog_encode(&p, &bin, &blen), 0);
		cr_assert_eq(mmt_prog_decode(bin, blen, &q), 0);
		cr_assert_eq(q.nr_ops, p.nr_ops);
		for (size_t i = 0; i < p.nr_ops; i++)
			cr_assert(p.ops[i].kind == q.ops[i].kind &&
					  p.ops[i].pool == q.ops[i].pool &&
					  p.ops[i].count == q.ops[i].count &&
					  p.ops[i].size == q.ops[i].size &&
					  p.ops[i].slot == q.ops[i].slot,
				  "input %d op %zu", n, i);
		free(bin);
		mmt_prog_free(&p);
		mmt_prog_free(&q);
	}
}

static void expect_parse_error(const char *text, const char *field,
			       const char *msg)
{
	struct mmt_prog p;
	struct mmt_parse_error e;

	cr_assert_eq(mmt_prog_parse_text(text, strlen(text), "t", &p, &e), -1,
		     "%s parsed", text);
	cr_assert_str_eq(e.field, field, "%s: %s", e.field, e.message);
	cr_assert(strstr(e.message, msg), "%s", e.message);
}

MMT_TEST(opformat, bad_upool_fields_name_the_field)
{
	expect_parse_error("upool_create pool=8 size=1 count=1\n", "pool",
			   "pool 8 is out of range 0..7");
	expect_parse_error("upool_create pool=0 size=1 count=1048577\n",
			   "count", "count 1048577 is out of range");
	expect_parse_error("upool_create pool=0 size=1\n", "count",
			   "'upool_create' needs count=N");
	expect_parse_error("upool_alloc s1\n", "pool",
			   "'upool_alloc' needs pool=N");
	expect_parse_error("upool_destroy pool=1 size=3\n", "key",
			   "unknown key 'size' for upool_destroy");
	expect_parse_error("opset pages\nupool_destroy pool=1\n", "op",
			   "not in op set pages");
}
