/* SPDX-License-Identifier: MIT */
/*
 * test_diff.c - differential runs (harness/diff.c): correct pairs agree,
 * broken allocators are caught with the right DIFF- or shadow id, strict
 * and op-set rules refuse what they must.
 *
 * The broken PAGES allocator ("wrap") forwards to ref-pages and misbehaves
 * as its options string says, from the allocation numbered after=N on
 * (0-based count of successful forwarded allocations):
 *   null     returns NULL without asking ref-pages (an allocation its
 *            strict oracle says must succeed)
 *   twice    hands out the previous block again (a block given twice)
 *   dirty    writes a byte into every __GFP_ZERO block it returns
 *   other    a correct but different choice: takes two blocks, keeps the
 *            second, gives the first back (strict sees the offset); when
 *            only one is free, that one
 *   misalign returns the block one page past its start
 *   scribble flips the first byte of the previous block it handed out
 * It copies ref-pages' capabilities but for TRACE (its choices are not
 * ref's events); "wrap-nobuddy" also drops POLICY_BUDDY.
 *
 * The OBJECTS pair: "libc" is the host malloc with USABLE_SIZE, correct
 * unless its options say
 *   null     allocations from number after=N on return NULL
 *   short    usable_size() reports one byte less than asked
 *   shift    every object starts 8 bytes into its malloc block
 *   dirty    calloc memory is malloc memory with a byte set
 *   nocopy   realloc allocates anew without keeping the contents
 *
 * Also the bug printing fuzz_diff and fuzz_pages share (fuzz/fuzz.h):
 * program, findings, state, reproduce command and its shell quoting.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/diff.h>
#include <mmtorture/exec.h>
#include <mmtorture/ops.h>

#include "../../fuzz/fuzz.h"
#include "leakcheck.h"

struct wrap {
	void *inner;
	unsigned long after, nr_allocs;
	int null, twice, dirty, other, misalign, scribble;
	void *last, *dup; /* twice: the block handed out again */
	unsigned int last_order;
	uint64_t page_size;
};

static const struct mmt_adapter *ref(void)
{
	return &mmt_adapter_ref_pages;
}

static int wrap_create(const struct mmt_adapter_env *env, void **state,
		       char *err, size_t errlen)
{
	const char *o = env->options;
	const char *a = strstr(o, "after=");
	struct mmt_adapter_env inner_env;
	struct mmt_arena arena;
	struct wrap *w;
	int ret;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	inner_env = *env;
	inner_env.options = ""; /* ref-pages parses its own options */
	ret = ref()->create(&inner_env, &w->inner, err, errlen);
	if (ret) {
		free(w);
		return ret;
	}
	w->after = a ? strtoul(a + 6, NULL, 10) : 0;
	w->null = !!strstr(o, "null");
	w->twice = !!strstr(o, "twice");
	w->dirty = !!strstr(o, "dirty");
	w->other = !!strstr(o, "other");
	w->misalign = !!strstr(o, "misalign");
	w->scribble = !!strstr(o, "scribble");
	ref()->pages->arena(w->inner, &arena);
	w->page_size = arena.page_size;
	*state = w;
	return 0;
}

static void wrap_destroy(void *state)
{
	struct wrap *w = state;

	ref()->destroy(w->inner);
	free(w);
}

static int wrap_arena(void *state, struct mmt_arena *out)
{
	struct wrap *w = state;

	return ref()->pages->arena(w->inner, out);
}

static int wrap_alloc(void *state, unsigned int order, uint32_t gfp,
		      uint32_t api, void **addr)
{
	struct wrap *w = state;
	int broken = w->nr_allocs >= w->after;
	void *first = NULL;
	int ret;

	*addr = NULL;
	if (broken && w->null)
		return 0;
	if (broken && w->twice && w->last && w->last_order == order &&
	    !w->dup) {
		w->dup = w->last;
		*addr = w->last;
		return 0;
	}
	if (broken && w->scribble && w->last)
		((unsigned char *)w->last)[0] ^= 0xff;
	if (broken && w->other) {
		ret = ref()->pages->alloc(w->inner, order, gfp, api, &first);
		if (ret)
			return ret;
	}
	ret = ref()->pages->alloc(w->inner, order, gfp, api, addr);
	if (first && !ret && *addr) {
		ref()->pages->free(w->inner, first, order, MMT_API_FREE_PAGES);
	} else if (first) {
		*addr = first; /* the last free block: still a correct answer */
		ret = 0;
	}
	if (ret || !*addr)
		return ret;
	w->nr_allocs++;
	w->last = *addr;
	w->last_order = order;
	if (broken && w->dirty && (gfp & MMT_GFP_ZERO))
		((unsigned char *)*addr)[100] = 0xa5;
	if (broken && w->misalign)
		*addr = (char *)*addr + w->page_size;
	return 0;
}

static int wrap_free(void *state, void *addr, unsigned int order, uint32_t api)
{
	struct wrap *w = state;

	if (w->dup && addr == w->dup) {
		w->dup = NULL; /* the second hand-out: swallow one free */
		return 0;
	}
	if (w->misalign)
		addr = (char *)addr - w->page_size;
	return ref()->pages->free(w->inner, addr, order, api);
}

static long wrap_check(void *state, unsigned int level, mmt_finding_fn fn,
		       void *ctx)
{
	struct wrap *w = state;

	return ref()->check ? ref()->check(w->inner, level, fn, ctx) : 0;
}

static size_t wrap_dump(void *state, const char *view, char *buf, size_t len)
{
	struct wrap *w = state;

	return ref()->dump ? ref()->dump(w->inner, view, buf, len) : 0;
}

static void wrap_cpu_enter(void *state, unsigned int cpu)
{
	struct wrap *w = state;

	if (ref()->cpu_enter)
		ref()->cpu_enter(w->inner, cpu);
}

static const struct mmt_pages_ops wrap_pages = {
	.struct_size = sizeof(struct mmt_pages_ops),
	.version = MMT_PAGES_OPS_VERSION,
	.arena = wrap_arena,
	.alloc = wrap_alloc,
	.free = wrap_free,
};

#define WRAP_ADAPTER(var, nm, mask)                                           \
	static struct mmt_adapter var = {                                     \
		.abi_version = MMT_ADAPTER_ABI_VERSION,                       \
		.struct_size = sizeof(struct mmt_adapter),                    \
		.name = nm,                                                   \
		.description = "ref-pages, broken on purpose",                \
		.create = wrap_create,                                        \
		.destroy = wrap_destroy,                                      \
		.pages = &wrap_pages,                                         \
	};                                                                    \
	static const struct mmt_adapter *var##_get(void)                      \
	{                                                                     \
		var.caps = ref()->caps &                                      \
			   ~(uint32_t)(MMT_CAP_TRACE | MMT_CAP_UPOOL | mask); \
		var.check = ref()->check ? wrap_check : NULL;                 \
		var.dump = ref()->dump ? wrap_dump : NULL;                    \
		var.cpu_enter = ref()->cpu_enter ? wrap_cpu_enter : NULL;     \
		return &var;                                                  \
	}

WRAP_ADAPTER(wrap_ad, "wrap", 0u)
WRAP_ADAPTER(wrap_nobuddy_ad, "wrap-nobuddy", MMT_CAP_POLICY_BUDDY)

/* An OBJECTS-only adapter table (never created here: op-set checks). */
static void *obj_malloc(void *s, size_t size, uint32_t gfp)
{
	(void)s;
	(void)gfp;
	return malloc(size);
}

static void *obj_calloc(void *s, size_t nmemb, size_t size, uint32_t gfp)
{
	(void)s;
	(void)gfp;
	return calloc(nmemb, size);
}

static void *obj_realloc(void *s, void *p, size_t size, uint32_t gfp)
{
	(void)s;
	(void)gfp;
	return realloc(p, size);
}

static void *obj_aligned(void *s, size_t align, size_t size, uint32_t gfp)
{
	(void)s;
	(void)gfp;
	return aligned_alloc(align, (size + align - 1) / align * align);
}

static void obj_free(void *s, void *p)
{
	(void)s;
	free(p);
}

static int obj_create(const struct mmt_adapter_env *env, void **state,
		      char *err, size_t errlen)
{
	(void)env;
	(void)err;
	(void)errlen;
	*state = NULL;
	return 0;
}

static void obj_destroy(void *state)
{
	(void)state;
}

static const struct mmt_objects_ops objects_only_objects = {
	.struct_size = sizeof(struct mmt_objects_ops),
	.version = MMT_OBJECTS_OPS_VERSION,
	.malloc = obj_malloc,
	.calloc = obj_calloc,
	.realloc = obj_realloc,
	.aligned = obj_aligned,
	.free = obj_free,
	.min_align = 16,
};

static const struct mmt_adapter objects_only = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "objects-only",
	.description = "an OBJECTS table for op-set checks",
	.caps = MMT_CAP_OBJECTS,
	.create = obj_create,
	.destroy = obj_destroy,
	.objects = &objects_only_objects,
};

/* ------------------------------------------------------------ helpers */

static void parse(const char *text, struct mmt_prog *p)
{
	struct mmt_parse_error e;

	memset(&e, 0, sizeof(e));
	cr_assert_eq(mmt_prog_parse_text(text, strlen(text), "t.txt", p, &e), 0,
		     "parse: %u:%u %s: %s", e.line, e.column, e.field,
		     e.message);
}

static struct mmt_diff_result *run(const struct mmt_adapter *a, const char *oa,
				   const struct mmt_adapter *b, const char *ob,
				   const char *text, int strict, int *rc)
{
	struct mmt_diff_result *res = calloc(1, sizeof(*res));
	struct mmt_diff_opts o;
	struct mmt_prog p;
	char err[512] = "";

	cr_assert_not_null(res);
	parse(text, &p);
	mmt_diff_opts_default(&o);
	o.strict = strict;
	*rc = mmt_diff_run(a, oa, b, ob, &p, &o, res, err, sizeof(err));
	if (*rc == MMT_EXIT_USAGE || *rc == MMT_EXIT_ENV)
		fprintf(stderr, "mmt_diff_run: exit %d: %s\n", *rc, err);
	mmt_prog_free(&p);
	return res;
}

/* The violation with this id, or NULL. */
static const struct mmt_violation *find(const struct mmt_diff_result *res,
					const char *id)
{
	for (unsigned int i = 0; i < res->report.nr; i++)
		if (strcmp(res->report.v[i].id, id) == 0)
			return &res->report.v[i];
	return NULL;
}

static void dump_report(const struct mmt_diff_result *res)
{
	for (unsigned int i = 0; i < res->report.nr; i++)
		fprintf(stderr, "  op %zu %s [%s] %s\n",
			res->report.v[i].op_index, res->report.v[i].id,
			res->report.v[i].layer, res->report.v[i].message);
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A random PAGES program on a 32 MiB machine (DMA and DMA32). */
static void random_prog(uint64_t *st, struct mmt_prog *p)
{
	static const uint32_t gfps[] = {
		MMT_GFP_KERNEL,
		MMT_GFP_KERNEL | MMT_GFP_ZERO,
		MMT_GFP_KERNEL | MMT_GFP_DMA,
		MMT_GFP_KERNEL | MMT_GFP_DMA32,
		MMT_GFP_ATOMIC,
		MMT_GFP_KERNEL | MMT_GFP_HIGHMEM | MMT_GFP_MOVABLE,
	};
	size_t n = 10 + splitmix64(st) % 40;

	mmt_prog_init(p, MMT_OPSET_PAGES);
	p->machine.banks[0].nr_pages = (32u << 20) >> 12;
	for (size_t i = 0; i < n; i++) {
		struct mmt_op op;
		uint64_t r = splitmix64(st);

		memset(&op, 0, sizeof(op));
		op.kind = (uint16_t)(r % 10 == 9 ? MMT_OP_CHECK : (r % 10) % 8);
		op.slot = (uint16_t)((r >> 8) % 12);
		op.order = (uint32_t)((r >> 16) % 12); /* 11: impossible */
		op.gfp = gfps[(r >> 24) % (sizeof(gfps) / sizeof(gfps[0]))];
		cr_assert_eq(mmt_prog_push(p, &op), 0);
	}
}

static const char *const pages_prog =
	"machine ram=32M\n"
	"alloc_pages s0 order=2 gfp=GFP_KERNEL\n"
	"alloc_pages s1 order=2 gfp=GFP_KERNEL\n"
	"get_zeroed_page s2 gfp=GFP_KERNEL\n"
	"alloc_pages s3 order=2 gfp=GFP_KERNEL\n"
	"alloc_pages s4 order=3 gfp=GFP_KERNEL|__GFP_ZERO\n"
	"free_pages s0\n"
	"free_pages s3\n"
	"alloc_pages s5 order=2 gfp=GFP_KERNEL\n"
	"check\n";

/* ------------------------------------------------------------ tests */

MMT_TEST(diff, ref_pages_pair_agrees_on_1000_random_programs)
{
	struct mmt_diff_result *res = calloc(1, sizeof(*res));
	struct mmt_diff_opts o;
	uint64_t st = 42;
	char err[512];

	cr_assert_not_null(res);
	mmt_diff_opts_default(&o);
	for (int k = 0; k < 1000; k++) {
		struct mmt_prog p;
		int rc;

		random_prog(&st, &p);
		o.strict = k % 4 == 0; /* a quarter also strict */
		err[0] = 0;
		rc = mmt_diff_run(ref(), "", ref(), "", &p, &o, res, err,
				  sizeof(err));
		if (rc != MMT_EXIT_OK) {
			char *t = mmt_prog_format_text(&p);

			fprintf(stderr, "program %d (rc %d, %s):\n%s", k, rc,
				err, t ? t : "");
			free(t);
			dump_report(res);
		}
		cr_assert_eq(rc, MMT_EXIT_OK, "program %d diverged", k);
		cr_assert_eq(res->ops_run, p.nr_ops);
		cr_assert(res->finished);
		cr_assert_eq(res->side[0].allocs, res->side[1].allocs);
		mmt_prog_free(&p);
	}
	free(res);
}

MMT_TEST(diff, strict_ref_pages_pair_is_equal_op_by_op)
{
	int rc;
	struct mmt_diff_result *res =
		run(ref(), "", ref(), "", pages_prog, 1, &rc);

	dump_report(res);
	cr_assert_eq(rc, MMT_EXIT_OK);
	cr_assert_eq(res->ops_run, 9);
	cr_assert_eq(res->first_op, SIZE_MAX);
	cr_assert_eq(res->side[0].allocs, 6);
	free(res);
}

MMT_TEST(diff, correct_wrapper_agrees_even_strict)
{
	int rc;
	struct mmt_diff_result *res =
		run(ref(), "", wrap_ad_get(), "", pages_prog, 1, &rc);

	dump_report(res);
	cr_assert_eq(rc, MMT_EXIT_OK);
	free(res);
}

MMT_TEST(diff, null_where_oracle_says_must_succeed)
{
	int rc;
	struct mmt_diff_result *res = run(ref(), "", wrap_ad_get(),
					  "null after=3", pages_prog, 0, &rc);
	const struct mmt_violation *v = find(res, "DIFF-MUST-SUCCEED");

	dump_report(res);
	cr_assert_eq(rc, MMT_EXIT_BUG);
	cr_assert_not_null(v);
	cr_assert_eq(v->op_index, 3);
	cr_assert_str_eq(v->layer, "diff");
	cr_assert(strstr(v->message, "B wrap failed") != NULL, "%s",
		  v->message);
	/* B's own strict oracle says so too, filed under B. */
	v = find(res, "ORACLE-MUST-SUCCEED");
	cr_assert_not_null(v);
	cr_assert_str_eq(v->layer, "B:oracle");
	cr_assert(strncmp(v->message, "B wrap: ", 8) == 0, "%s", v->message);
	cr_assert_eq(res->first_op, 3);
	cr_assert(res->have_outcomes);
	cr_assert(res->a.ok && !res->b.ok && res->b.must_succeed);
	cr_assert_eq(res->ops_run, 4, "stops at the first divergence");
	free(res);
}

MMT_TEST(diff, both_failing_is_not_a_divergence)
{
	int rc;
	/* Order 10 blocks on 32M: 8 exist (2 in DMA, 6 in DMA32); the 9th
	 * and 10th fail on both sides, which no oracle forbids. */
	struct mmt_diff_result *res =
		run(ref(), "", ref(), "",
		    "machine ram=32M\n"
		    "alloc_pages s0 order=10 gfp=GFP_KERNEL\n"
		    "alloc_pages s1 order=10 gfp=GFP_KERNEL\n"
		    "alloc_pages s2 order=10 gfp=GFP_KERNEL\n"
		    "alloc_pages s3 order=10 gfp=GFP_KERNEL\n"
		    "alloc_pages s4 order=10 gfp=GFP_KERNEL\n"
		    "alloc_pages s5 order=10 gfp=GFP_KERNEL\n"
		    "alloc_pages s6 order=10 gfp=GFP_KERNEL\n"
		    "alloc_pages s7 order=10 gfp=GFP_KERNEL\n"
		    "alloc_pages s8 order=10 gfp=GFP_KERNEL\n"
		    "alloc_pages s9 order=11 gfp=GFP_KERNEL\n",
		    0, &rc);

	dump_report(res);
	cr_assert_eq(rc, MMT_EXIT_OK);
	cr_assert_gt(res->side[0].alloc_fails, 0);
	cr_assert_eq(res->side[0].alloc_fails, res->side[1].alloc_fails);
	free(res);
}

MMT_TEST(diff, block_handed_out_twice_is_a_side_violation)
{
	int rc;
	struct mmt_diff_result *res = run(wrap_ad_get(), "twice after=1", ref(),
					  "", pages_prog, 0, &rc);
	const struct mmt_violation *v = find(res, "SHADOW-OVERLAP");

	dump_report(res);
	cr_assert_eq(rc, MMT_EXIT_BUG);
	cr_assert_not_null(v);
	cr_assert_eq(v->op_index, 1);
	cr_assert_str_eq(v->layer, "A:shadow");
	cr_assert(strncmp(v->message, "A wrap: ", 8) == 0, "%s", v->message);
	/* a PAGES side's state is its buddyinfo, as the adapter wrote it */
	cr_assert(strncmp(res->side[0].state, "Node 0, zone", 12) == 0, "%s",
		  res->side[0].state);
	free(res);
}

MMT_TEST(diff, dirty_zeroed_block_is_a_content_divergence)
{
	int rc;
	struct mmt_diff_result *res = run(ref(), "", wrap_ad_get(),
					  "dirty after=0", pages_prog, 0, &rc);
	const struct mmt_violation *v = find(res, "DIFF-CONTENT");

	dump_report(res);
	cr_assert_eq(rc, MMT_EXIT_BUG);
	cr_assert_not_null(v);
	cr_assert_eq(v->op_index, 2, "get_zeroed_page is op 2");
	cr_assert_str_eq(v->layer, "diff");
	cr_assert(res->a.has_digest && res->b.has_digest);
	cr_assert_neq(res->a.digest, res->b.digest);
	v = find(res, "SHADOW-ZERO");
	cr_assert_not_null(v);
	cr_assert_str_eq(v->layer, "B:shadow");
	free(res);
}

MMT_TEST(diff, strict_sees_a_different_offset)
{
	int rc;
	struct mmt_diff_result *res = run(ref(), "", wrap_ad_get(),
					  "other after=1", pages_prog, 1, &rc);
	const struct mmt_violation *v = find(res, "DIFF-OFFSET");

	dump_report(res);
	cr_assert_eq(rc, MMT_EXIT_BUG);
	cr_assert_not_null(v);
	cr_assert_eq(v->op_index, 1);
	cr_assert_eq(res->report.total, 1, "a correct choice: nothing else");
	cr_assert_neq(res->a.pfn, res->b.pfn);
	free(res);

	/* Without --strict the same pair agrees. */
	res = run(ref(), "", wrap_ad_get(), "other after=1", pages_prog, 0,
		  &rc);
	dump_report(res);
	cr_assert_eq(rc, MMT_EXIT_OK);
	free(res);
}

MMT_TEST(diff, misaligned_block_is_reported_by_its_side)
{
	int rc;
	struct mmt_diff_result *res =
		run(ref(), "", wrap_ad_get(), "misalign after=0",
		    "alloc_pages s0 order=2 gfp=GFP_KERNEL\n", 0, &rc);
	const struct mmt_violation *v = find(res, "SHADOW-ALIGN");

	dump_report(res);
	cr_assert_eq(rc, MMT_EXIT_BUG);
	cr_assert_not_null(v);
	cr_assert_str_eq(v->layer, "B:shadow");
	v = find(res, "DIFF-ALIGN");
	cr_assert_not_null(v);
	cr_assert_str_eq(v->layer, "diff");
	cr_assert(strstr(v->message, "B wrap: order-2 block") != NULL, "%s",
		  v->message);
	free(res);
}

MMT_TEST(diff, end_of_input_findings_are_copied)
{
	/* s1's allocation scribbles on s0's block; nothing sees it until
	 * the end of input frees s0 and its fill is checked. */
	int rc;
	struct mmt_diff_result *res =
		run(ref(), "", wrap_ad_get(), "scribble after=1",
		    "alloc_pages s0 order=0 gfp=GFP_KERNEL\n"
		    "alloc_pages s1 order=0 gfp=GFP_KERNEL\n",
		    0, &rc);
	const struct mmt_violation *v = find(res, "SHADOW-FILL");

	dump_report(res);
	cr_assert_eq(rc, MMT_EXIT_BUG);
	cr_assert(res->finished);
	cr_assert_eq(res->ops_run, 2);
	cr_assert_not_null(v);
	cr_assert_eq(v->op_index, SIZE_MAX);
	cr_assert_str_eq(v->layer, "B:shadow");
	cr_assert_eq(res->first_op, SIZE_MAX);
	cr_assert(!res->have_outcomes);
	free(res);
}

MMT_TEST(diff, strict_refused_unless_both_are_buddies)
{
	struct mmt_diff_result *res = calloc(1, sizeof(*res));
	struct mmt_diff_opts o;
	struct mmt_prog p;
	char err[512] = "";
	int rc;

	parse(pages_prog, &p);
	mmt_diff_opts_default(&o);
	o.strict = 1;
	rc = mmt_diff_run(ref(), "", wrap_nobuddy_ad_get(), "", &p, &o, res,
			  err, sizeof(err));
	cr_assert_eq(rc, MMT_EXIT_USAGE);
	cr_assert(strstr(err, "POLICY_BUDDY") && strstr(err, "wrap-nobuddy"),
		  "%s", err);
	cr_assert_eq(res->ops_run, 0);
	/* Not strict: the same pair runs. */
	o.strict = 0;
	rc = mmt_diff_run(ref(), "", wrap_nobuddy_ad_get(), "", &p, &o, res,
			  err, sizeof(err));
	cr_assert_eq(rc, MMT_EXIT_OK, "%s", err);
	mmt_prog_free(&p);
	free(res);
}

MMT_TEST(diff, opset_from_common_capabilities)
{
	uint32_t sets = 0;
	char err[512] = "";

	cr_assert_eq(mmt_diff_opsets(ref(), wrap_ad_get(), &sets, err,
				     sizeof(err)),
		     0);
	cr_assert_eq(sets, 1u << MMT_OPSET_PAGES);
	cr_assert_eq(mmt_diff_opsets(&objects_only, &objects_only, &sets, err,
				     sizeof(err)),
		     0);
	cr_assert_eq(sets, 1u << MMT_OPSET_OBJECTS);
	cr_assert_eq(mmt_diff_opsets(ref(), &objects_only, &sets, err,
				     sizeof(err)),
		     MMT_EXIT_USAGE);
	cr_assert(strstr(err, "PAGES") && strstr(err, "objects-only"), "%s",
		  err);
	cr_assert_eq(mmt_diff_strict_ok(&objects_only, ref(), err, sizeof(err)),
		     MMT_EXIT_USAGE);
	cr_assert(strstr(err, "lacks PAGES"), "%s", err);
}

MMT_TEST(diff, pages_program_needs_pages_on_both_sides)
{
	struct mmt_diff_result *res = calloc(1, sizeof(*res));
	struct mmt_prog p;
	char err[512] = "";
	int rc;

	parse(pages_prog, &p);
	rc = mmt_diff_run(ref(), "", &objects_only, "", &p, NULL, res, err,
			  sizeof(err));
	cr_assert_eq(rc, MMT_EXIT_USAGE);
	cr_assert(strstr(err, "needs PAGES") && strstr(err, "objects-only"),
		  "%s", err);
	mmt_prog_free(&p);
	free(res);
}

MMT_TEST(diff, create_failure_names_the_side)
{
	struct mmt_diff_result *res = calloc(1, sizeof(*res));
	struct mmt_prog p;
	char err[512] = "";
	int rc;

	/* A machine ref-pages refuses is refused before any op runs. */
	parse(pages_prog, &p);
	p.machine.nr_orders = 99;
	rc = mmt_diff_run(ref(), "", ref(), "", &p, NULL, res, err,
			  sizeof(err));
	cr_assert_eq(rc, MMT_EXIT_USAGE);
	cr_assert(strncmp(err, "A (ref-pages): ", 15) == 0, "%s", err);
	mmt_prog_free(&p);
	free(res);
}

MMT_TEST(diff, trace_prints_both_outcomes)
{
	struct mmt_diff_result *res = calloc(1, sizeof(*res));
	struct mmt_diff_opts o;
	struct mmt_prog p;
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	cr_assert_not_null(f);
	parse(pages_prog, &p);
	mmt_diff_opts_default(&o);
	o.trace = f;
	rc = mmt_diff_run(ref(), "", wrap_ad_get(), "null after=3", &p, &o, res,
			  err, sizeof(err));
	fclose(f);
	cr_assert_eq(rc, MMT_EXIT_BUG);
	cr_assert(strstr(buf, "     0  alloc_pages s0 order=2"), "%s", buf);
	cr_assert(strstr(buf, "        A: ok pfn"), "%s", buf);
	cr_assert(strstr(buf, "        B: NULL (must succeed)"), "%s", buf);
	cr_assert(strstr(buf, "!! diff DIFF-MUST-SUCCEED"), "%s", buf);
	free(buf);
	mmt_prog_free(&p);
	free(res);
}

/* ------------------------------------------------------------ OBJECTS */

struct libc {
	unsigned long after, nr_allocs;
	int null, shortsz, shift, dirty, nocopy, wrap;
};

#define SHIFT 8u

static int libc_create(const struct mmt_adapter_env *env, void **state,
		       char *err, size_t errlen)
{
	const char *o = env->options;
	const char *a = strstr(o, "after=");
	struct libc *l = calloc(1, sizeof(*l));

	(void)err;
	(void)errlen;
	if (!l)
		return -ENOMEM;
	l->after = a ? strtoul(a + 6, NULL, 10) : 0;
	l->null = !!strstr(o, "null");
	l->shortsz = !!strstr(o, "short");
	l->shift = !!strstr(o, "shift");
	l->dirty = !!strstr(o, "dirty");
	l->nocopy = !!strstr(o, "nocopy");
	l->wrap = !!strstr(o, "wrap");
	*state = l;
	return 0;
}

static void libc_destroy(void *state)
{
	free(state);
}

/* One more allocation: 0 when the null mode says fail. */
static int libc_may(struct libc *l)
{
	if (l->null && l->nr_allocs >= l->after)
		return 0;
	l->nr_allocs++;
	return 1;
}

static void *libc_out(struct libc *l, void *p)
{
	return p && l->shift ? (char *)p + SHIFT : p;
}

static void *libc_in(struct libc *l, void *p)
{
	return p && l->shift ? (char *)p - SHIFT : p;
}

static void *libc_malloc(void *state, size_t size, uint32_t gfp)
{
	struct libc *l = state;

	(void)gfp;
	if (!libc_may(l))
		return NULL;
	return libc_out(l, malloc(size + (l->shift ? SHIFT : 0)));
}

static void *libc_calloc(void *state, size_t nmemb, size_t size, uint32_t gfp)
{
	struct libc *l = state;
	unsigned char *p;

	(void)gfp;
	if (!l->wrap && size && nmemb > SIZE_MAX / size)
		return NULL; /* wrap: nmemb x size wraps unchecked */
	if (!libc_may(l))
		return NULL;
	if (!l->dirty)
		return libc_out(
			l, calloc(1, nmemb * size + (l->shift ? SHIFT : 0)));
	p = libc_out(l, malloc(nmemb * size + (l->shift ? SHIFT : 0)));
	if (p && nmemb * size != 0) {
		memset(p, 0, nmemb * size);
		p[nmemb * size - 1] = 0x5a;
	}
	return p;
}

static void *libc_realloc(void *state, void *ptr, size_t size, uint32_t gfp)
{
	struct libc *l = state;
	void *n;

	(void)gfp;
	if (!libc_may(l))
		return NULL;
	if (!l->nocopy || !ptr)
		return libc_out(l, realloc(libc_in(l, ptr),
					   size + (l->shift ? SHIFT : 0)));
	n = malloc(size + (l->shift ? SHIFT : 0));
	if (n) {
		memset(n, 0x77, size + (l->shift ? SHIFT : 0));
		free(libc_in(l, ptr));
	}
	return libc_out(l, n);
}

static void *libc_aligned(void *state, size_t align, size_t size, uint32_t gfp)
{
	struct libc *l = state;

	(void)gfp;
	if (!libc_may(l))
		return NULL;
	if (l->shift)
		return libc_out(l, malloc(size + SHIFT));
	return aligned_alloc(align, (size + align - 1) / align * align);
}

static void libc_free(void *state, void *ptr)
{
	free(libc_in(state, ptr));
}

static size_t libc_usable(void *state, const void *ptr)
{
	struct libc *l = state;
	size_t n;

	if (!ptr)
		return 0;
	n = malloc_usable_size(libc_in(l, (void *)(uintptr_t)ptr)) -
	    (l->shift ? SHIFT : 0);
	/* short: claim less than any request could have asked for. */
	return l->shortsz && n ? 0 : n;
}

static const struct mmt_objects_ops libc_ad_objects = {
	.struct_size = sizeof(struct mmt_objects_ops),
	.version = MMT_OBJECTS_OPS_VERSION,
	.malloc = libc_malloc,
	.calloc = libc_calloc,
	.realloc = libc_realloc,
	.aligned = libc_aligned,
	.free = libc_free,
	.usable_size = libc_usable,
	.min_align = 16,
};

static const struct mmt_adapter libc_ad = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "libc",
	.description = "host malloc, breakable",
	.caps = MMT_CAP_OBJECTS | MMT_CAP_USABLE_SIZE,
	.create = libc_create,
	.destroy = libc_destroy,
	.objects = &libc_ad_objects,
};

static const char *const objects_prog = "opset objects\n"
					"malloc s0 size=40\n"
					"calloc s1 size=100\n"
					"realloc s0 size=4000\n"
					"aligned s2 size=64 align=64\n"
					"malloc s3 size=1\n"
					"free s1\n"
					"calloc s1 size=5000\n"
					"check\n";

/* A random OBJECTS program of 10..49 ops on 16 slots. */
static void random_objects_prog(uint64_t *st, struct mmt_prog *p)
{
	static const uint64_t sizes[] = { 0, 1, 7, 16, 24, 100, 4096, 70000 };
	size_t n = 10 + splitmix64(st) % 40;

	mmt_prog_init(p, MMT_OPSET_OBJECTS);
	for (size_t i = 0; i < n; i++) {
		struct mmt_op op;
		uint64_t r = splitmix64(st);

		memset(&op, 0, sizeof(op));
		op.kind = (uint16_t)(r % 11 == 10 ?
					     MMT_OP_CHECK :
					     MMT_OP_MALLOC + (r % 11) % 5);
		op.slot = (uint16_t)((r >> 8) % 16);
		op.size = sizes[(r >> 16) % 8] + ((r >> 24) % 3);
		op.align = 1ULL << ((r >> 32) % 13);
		cr_assert_eq(mmt_prog_push(p, &op), 0);
	}
}

MMT_TEST(diff, objects_pair_agrees_on_300_random_programs)
{
	struct mmt_diff_result *res = calloc(1, sizeof(*res));
	uint64_t st = 7;
	char err[512];

	cr_assert_not_null(res);
	for (int k = 0; k < 300; k++) {
		struct mmt_prog p;
		int rc;

		random_objects_prog(&st, &p);
		err[0] = 0;
		rc = mmt_diff_run(&libc_ad, "", &libc_ad, "", &p, NULL, res,
				  err, sizeof(err));
		if (rc != MMT_EXIT_OK) {
			char *t = mmt_prog_format_text(&p);

			fprintf(stderr, "program %d (rc %d, %s):\n%s", k, rc,
				err, t ? t : "");
			free(t);
			dump_report(res);
		}
		cr_assert_eq(rc, MMT_EXIT_OK, "program %d diverged", k);
		cr_assert(res->finished);
		mmt_prog_free(&p);
	}
	free(res);
}

MMT_TEST(diff, objects_null_is_must_succeed)
{
	int rc;
	struct mmt_diff_result *res = run(&libc_ad, "", &libc_ad,
					  "null after=2", objects_prog, 0, &rc);
	const struct mmt_violation *v = find(res, "DIFF-MUST-SUCCEED");

	dump_report(res);
	cr_assert_eq(rc, MMT_EXIT_BUG);
	cr_assert_not_null(v);
	cr_assert_eq(v->op_index, 2, "the third allocation: realloc");
	cr_assert(strstr(v->message, "B libc failed") != NULL, "%s",
		  v->message);
	v = find(res, "OBJ-NULL");
	cr_assert_not_null(v);
	cr_assert_eq(strncmp(v->layer, "B:", 2), 0, "%s", v->layer);
	free(res);
}

MMT_TEST(diff, objects_short_usable_size)
{
	int rc;
	struct mmt_diff_result *res =
		run(&libc_ad, "short", &libc_ad, "", objects_prog, 0, &rc);
	const struct mmt_violation *v = find(res, "DIFF-USABLE");

	dump_report(res);
	cr_assert_eq(rc, MMT_EXIT_BUG);
	cr_assert_not_null(v);
	cr_assert_eq(v->op_index, 0);
	cr_assert(strstr(v->message, "A libc: usable size 0") != NULL, "%s",
		  v->message);
	cr_assert_eq(res->a.usable, 0);
	cr_assert_geq(res->b.usable, 40);
	free(res);
}

MMT_TEST(diff, objects_broken_alignment)
{
	int rc;
	struct mmt_diff_result *res =
		run(&libc_ad, "", &libc_ad, "shift", objects_prog, 0, &rc);
	const struct mmt_violation *v = find(res, "DIFF-ALIGN");

	dump_report(res);
	cr_assert_eq(rc, MMT_EXIT_BUG);
	cr_assert_not_null(v);
	cr_assert_eq(v->op_index, 0);
	cr_assert(strstr(v->message, "B libc: malloc of 40 bytes is aligned "
				     "to 8, below the 16") != NULL,
		  "%s", v->message);
	free(res);
}

/* The line of slot "sN " in a side's state, copied into buf ("" if none). */
static const char *state_line(const char *state, const char *slot, char *buf,
			      size_t len)
{
	const char *p = state;
	size_t n = strlen(slot);

	buf[0] = '\0';
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t ll = nl ? (size_t)(nl - p) : strlen(p);

		if (ll > n && strncmp(p, slot, n) == 0 && p[n] == ' ') {
			snprintf(buf, len, "%.*s", (int)ll, p);
			break;
		}
		p = nl ? nl + 1 : NULL;
	}
	return buf;
}

MMT_TEST(diff, objects_state_shows_the_alignment_each_address_has)
{
	char line[256], want[64];
	int rc;
	struct mmt_diff_result *res = run(&libc_ad, "", &libc_ad, "shift",
					  "opset objects\nmalloc s0 size=40\n",
					  0, &rc);

	cr_assert_eq(rc, MMT_EXIT_BUG);
	cr_assert_str_eq(res->side[0].state, "", "A reported nothing");
	cr_assert(strstr(res->side[1].state, "live objects 1, 40 bytes "
					     "asked\n") == res->side[1].state,
		  "%s", res->side[1].state);
	state_line(res->side[1].state, "s0", line, sizeof(line));
	/* what the outcome line says, not "align 0" (nothing asked) */
	snprintf(want, sizeof(want), " align %llu",
		 (unsigned long long)res->b.addr_align);
	cr_assert_eq(res->b.addr_align, 8);
	cr_assert(strstr(line, " size 40 usable "), "%s", line);
	cr_assert(strlen(line) > strlen(want) &&
			  strcmp(line + strlen(line) - strlen(want), want) == 0,
		  "'%s' does not end in '%s'", line, want);
	free(res);

	/* an aligned op: the alignment it has, then the one it asked */
	res = run(&libc_ad, "", &libc_ad, "shift",
		  "opset objects\naligned s3 size=64 align=64\n", 0, &rc);
	cr_assert_eq(rc, MMT_EXIT_BUG);
	state_line(res->side[1].state, "s3", line, sizeof(line));
	cr_assert(strstr(line, " size 64 usable "), "%s", line);
	cr_assert(strstr(line, " align 8 (asked 64)") &&
			  strcmp(line + strlen(line) - 19,
				 " align 8 (asked 64)") == 0,
		  "%s", line);
	cr_assert_not_null(find(res, "OBJ-ALIGN"));
	free(res);
}

MMT_TEST(diff, objects_dirty_calloc_is_content)
{
	int rc;
	struct mmt_diff_result *res =
		run(&libc_ad, "dirty", &libc_ad, "", objects_prog, 0, &rc);
	const struct mmt_violation *v = find(res, "DIFF-CONTENT");

	dump_report(res);
	cr_assert_eq(rc, MMT_EXIT_BUG);
	cr_assert_not_null(v);
	cr_assert_eq(v->op_index, 1);
	cr_assert_not_null(find(res, "OBJ-ZERO"));
	free(res);
}

MMT_TEST(diff, objects_lost_realloc_contents_is_content)
{
	int rc;
	struct mmt_diff_result *res =
		run(&libc_ad, "", &libc_ad, "nocopy", objects_prog, 0, &rc);
	const struct mmt_violation *v = find(res, "DIFF-CONTENT");

	dump_report(res);
	cr_assert_eq(rc, MMT_EXIT_BUG);
	cr_assert_not_null(v);
	cr_assert_eq(v->op_index, 2);
	cr_assert(res->a.has_digest && res->b.has_digest);
	free(res);
}

MMT_TEST(diff, objects_strict_refused)
{
	struct mmt_diff_result *res = calloc(1, sizeof(*res));
	struct mmt_diff_opts o;
	struct mmt_prog p;
	char err[512] = "";

	parse(objects_prog, &p);
	mmt_diff_opts_default(&o);
	o.strict = 1;
	cr_assert_eq(mmt_diff_run(&libc_ad, "", &libc_ad, "", &p, &o, res, err,
				  sizeof(err)),
		     MMT_EXIT_USAGE);
	cr_assert(strstr(err, "lacks PAGES"), "%s", err);
	mmt_prog_free(&p);
	free(res);
}

/* ------------------------------------------------------ fuzz/fuzz.h */

MMT_TEST(fuzz_print, reproduce_args_are_quoted_for_the_shell)
{
	char buf[256], tiny[8];
	struct mmt_sbuf b;

	mmt_sbuf_init(&b, buf, sizeof(buf));
	mmt_sbuf_puts(&b, "diff");
	mmt_fuzz_put_arg(&b, "allocator", "/p/simple_buddy.so:seed=1,x=2");
	mmt_fuzz_put_arg(&b, "against", "ref-pages");
	cr_assert_str_eq(buf, "diff --allocator /p/simple_buddy.so:seed=1,x=2 "
			      "--against ref-pages");
	cr_assert_eq(b.pos, strlen(buf));
	mmt_sbuf_init(&b, buf, sizeof(buf));
	mmt_fuzz_put_arg(&b, "allocator", "/tmp/my lib.so");
	cr_assert_str_eq(buf, " --allocator '/tmp/my lib.so'");
	mmt_sbuf_init(&b, buf, sizeof(buf));
	mmt_fuzz_put_arg(&b, "allocator", "it's;$(x)");
	cr_assert_str_eq(buf, " --allocator 'it'\\''s;$(x)'");
	mmt_sbuf_init(&b, buf, sizeof(buf));
	mmt_fuzz_put_arg(&b, "allocator", "");
	cr_assert_str_eq(buf, " --allocator ''");
	/* a short buffer is cut and terminated; the length still counts */
	mmt_sbuf_init(&b, tiny, sizeof(tiny));
	mmt_fuzz_put_arg(&b, "allocator", "glibc");
	cr_assert_str_eq(tiny, " --allo");
	cr_assert_eq(b.pos, strlen(" --allocator glibc"));
}

static char *print_to_string(const struct mmt_prog *p, size_t ran,
			     const struct mmt_report *r, const char *state)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	cr_assert_not_null(f);
	mmt_fuzz_print_program(f, "fuzz_x: bug found", p, ran);
	mmt_fuzz_print_report(f, "finding(s)", r);
	mmt_fuzz_print_state(f, "state of A", state);
	mmt_fuzz_print_reproduce(f);
	fclose(f);
	return out;
}

MMT_TEST(fuzz_print, program_findings_state_and_command)
{
	struct mmt_parse_error err;
	struct mmt_report r;
	struct mmt_prog p;
	static const char text[] = "machine ram=16M\n"
				   "alloc_pages s1 order=2 gfp=GFP_KERNEL\n"
				   "free_pages s1\n"
				   "alloc_page s2 gfp=GFP_KERNEL\n";
	char *out;

	cr_assert_eq(mmt_prog_parse_text(text, strlen(text), "t", &p, &err), 0);
	mmt_report_init(&r);
	mmt_report_add(&r, 1, "A:shadow", "SHADOW-FILL", "A x: cookie");
	mmt_report_add(&r, SIZE_MAX, "diff", "DIFF-ZZZ", "at the end");
	out = print_to_string(&p, 2, &r, "Node 0, zone DMA 1 2 3");
	cr_assert_not_null(
		strstr(out, "==== fuzz_x: bug found (3 ops, 2 "
			    "ran)\n# mmtorture ops v2\nopset pages\nmachine "),
		"%s", out);
	cr_assert_not_null(strstr(out, "\n#0      alloc_pages s1 order=2 "
				       "gfp=GFP_KERNEL\n#1      free_pages "
				       "s1\n==== 2 finding(s):\n"),
			   "%s", out);
	cr_assert_null(strstr(out, "alloc_page s2"), "op 2 never ran: %s", out);
	cr_assert_not_null(strstr(out, "  op #1: SHADOW-FILL [A:shadow] A x: "
				       "cookie\n  at end of input: DIFF-ZZZ "
				       "[diff] at the end\n"),
			   "%s", out);
	/* the missing newline after the state is added */
	cr_assert_not_null(strstr(out, "==== state of A:\nNode 0, zone DMA 1 "
				       "2 3\n==== reproduce: "),
			   "%s", out);
	/* this test binary defines no mmt_fuzz_reproduce_args: "replay" */
	cr_assert_not_null(strstr(out, "==== reproduce: mmtorture replay "
				       "FILE\n"),
			   "%s", out);
	free(out);
	/* no state: no state section; more ops run than exist: all shown */
	out = print_to_string(&p, 99, &r, "");
	cr_assert_null(strstr(out, "==== state"), "%s", out);
	cr_assert_not_null(strstr(out, "#2      alloc_page s2"), "%s", out);
	free(out);
	mmt_prog_free(&p);
}

/* ------------------------------------------------------------ impossible */

static const char *const impossible_prog =
	"opset objects\n"
	"malloc s0 size=40\n"
	"calloc_array s1 size=8 nmemb=16\n"
	"malloc s2 size=18446744073709551615\n"
	"realloc s0 size=9223372036854775808\n"
	"calloc_array s2 size=4 nmemb=4611686018427387905\n"
	"free s0\n";

MMT_TEST(diff, both_sides_must_fail_an_impossible_request)
{
	const struct mmt_adapter *glibc;
	const char *go;
	struct mmt_diff_result *res;
	char err[256];
	int rc;

	cr_assert_eq(mmt_adapter_select("glibc", &glibc, &go, err, sizeof(err)),
		     0, "%s", err);
	/* both fail every impossible request: agreement */
	res = run(&libc_ad, "", glibc, go, impossible_prog, 0, &rc);
	dump_report(res);
	cr_assert_eq(rc, MMT_EXIT_OK);
	cr_assert(res->finished);
	free(res);
	/* a calloc whose product wraps hands back 4 bytes on side A */
	res = run(&libc_ad, "wrap", glibc, go, impossible_prog, 0, &rc);
	cr_assert_eq(rc, MMT_EXIT_BUG);
	cr_assert_eq(res->first_op, 4);
	cr_assert_str_eq(res->report.v[0].id, "OBJ-IMPOSSIBLE");
	cr_assert_str_eq(res->report.v[0].layer, "A:oracle");
	cr_assert_not_null(find(res, "DIFF-MUST-FAIL"));
	cr_assert(res->a.must_fail && res->a.ok && res->b.must_fail &&
		  !res->b.ok);
	cr_assert_null(find(res, "DIFF-USABLE"));
	free(res);
}

/* calloc_array's size is the product: 0 elements owe no alignment (seen
 * first when fuzz_diff ran jemalloc, which serves calloc(0, 4096) from
 * an 8-aligned class, against glibc). */
MMT_TEST(diff, calloc_array_of_nothing_owes_no_alignment)
{
	struct mmt_diff_result *res;
	int rc;

	res = run(&libc_ad, "shift", &libc_ad, "",
		  "opset objects\ncalloc_array s1 size=4096 nmemb=0\n", 0, &rc);
	dump_report(res);
	cr_assert_eq(rc, MMT_EXIT_OK);
	cr_assert_null(find(res, "DIFF-ALIGN"));
	free(res);
}
