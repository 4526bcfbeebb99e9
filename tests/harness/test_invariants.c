/* SPDX-License-Identifier: MIT */
/*
 * test_invariants.c - the negative tests of the registry's adapter and
 * diff ids (harness/invariants.c) that test_exec.c and test_diff.c do not
 * already have: each makes exactly its condition happen and expects exactly
 * its id first, at the op that caused it.
 *
 * The broken PAGES allocator ("fwd") forwards to ref-pages, with ref-pages'
 * capabilities but TRACE (its calls are not ref's events), and breaks one
 * thing as its options string says:
 *   allocerr  alloc returns -ENOMEM without asking ref-pages
 *   freeerr   free refuses every free with -EBUSY (ref-pages keeps the
 *             block: destroy gives it back)
 *   nullid    check() reports one finding with a NULL id, then runs
 *             ref-pages' own check
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

struct fwd {
	void *inner;
	int allocerr, freeerr, nullid;
};

static const struct mmt_adapter *ref(void)
{
	return &mmt_adapter_ref_pages;
}

static int fwd_create(const struct mmt_adapter_env *env, void **state,
		      char *err, size_t errlen)
{
	struct mmt_adapter_env inner_env = *env;
	struct fwd *f = calloc(1, sizeof(*f));
	int ret;

	if (!f)
		return -ENOMEM;
	inner_env.options = ""; /* ref-pages parses its own options */
	ret = ref()->create(&inner_env, &f->inner, err, errlen);
	if (ret) {
		free(f);
		return ret;
	}
	f->allocerr = !!strstr(env->options, "allocerr");
	f->freeerr = !!strstr(env->options, "freeerr");
	f->nullid = !!strstr(env->options, "nullid");
	*state = f;
	return 0;
}

static void fwd_destroy(void *state)
{
	struct fwd *f = state;

	ref()->destroy(f->inner);
	free(f);
}

static int fwd_arena(void *state, struct mmt_arena *out)
{
	struct fwd *f = state;

	return ref()->pages->arena(f->inner, out);
}

static int fwd_alloc(void *state, unsigned int order, uint32_t gfp,
		     uint32_t api, void **addr)
{
	struct fwd *f = state;

	*addr = NULL;
	if (f->allocerr)
		return -ENOMEM;
	return ref()->pages->alloc(f->inner, order, gfp, api, addr);
}

static int fwd_free(void *state, void *addr, unsigned int order, uint32_t api)
{
	struct fwd *f = state;

	if (f->freeerr)
		return -EBUSY;
	return ref()->pages->free(f->inner, addr, order, api);
}

static long fwd_check(void *state, unsigned int level, mmt_finding_fn fn,
		      void *ctx)
{
	struct fwd *f = state;
	long n = 0;

	if (f->nullid) {
		fn(ctx, NULL, "fwd: a finding without an id");
		n++;
	}
	return n + ref()->check(f->inner, level, fn, ctx);
}

static size_t fwd_dump(void *state, const char *view, char *buf, size_t len)
{
	struct fwd *f = state;

	return ref()->dump(f->inner, view, buf, len);
}

static void fwd_cpu_enter(void *state, unsigned int cpu)
{
	struct fwd *f = state;

	ref()->cpu_enter(f->inner, cpu);
}

static const struct mmt_pages_ops fwd_pages = {
	.struct_size = sizeof(struct mmt_pages_ops),
	.version = MMT_PAGES_OPS_VERSION,
	.arena = fwd_arena,
	.alloc = fwd_alloc,
	.free = fwd_free,
};

static struct mmt_adapter fwd_ad = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "fwd",
	.description = "ref-pages, broken on purpose",
	.create = fwd_create,
	.destroy = fwd_destroy,
	.pages = &fwd_pages,
};

static const struct mmt_adapter *fwd(void)
{
	cr_assert(ref()->check && ref()->dump && ref()->cpu_enter,
		  "ref-pages has check, dump and cpu_enter");
	fwd_ad.caps = ref()->caps & ~(uint32_t)(MMT_CAP_TRACE | MMT_CAP_UPOOL);
	fwd_ad.check = fwd_check;
	fwd_ad.dump = fwd_dump;
	fwd_ad.cpu_enter = fwd_cpu_enter;
	return &fwd_ad;
}

static int run(const char *opts, const char *text, struct mmt_exec_result *res)
{
	struct mmt_prog p;
	char err[256] = "";
	int ret;

	parse(text, &p);
	ret = mmt_exec_run(fwd(), opts, &p, NULL, res, err, sizeof(err));
	cr_assert_neq(ret, MMT_EXIT_USAGE, "%s", err);
	mmt_prog_free(&p);
	return ret;
}

/* The first violation is id at op, from the adapter layer. */
static void expect_first(const struct mmt_exec_result *res, const char *id,
			 size_t op)
{
	const struct mmt_violation *v = &res->report.v[0];

	cr_assert_geq(res->report.nr, 1, "no violation, expected %s", id);
	cr_assert_str_eq(v->id, id, "first is %s: %s", v->id, v->message);
	cr_assert_eq(v->op_index, op, "%s at op %zu", v->id, v->op_index);
	cr_assert_str_eq(v->layer, "adapter");
}

static const char prog[] = "machine bank=32M@0 orders=6\n"
			   "alloc_pages s1 order=2\n"
			   "alloc_pages s2 order=0\n"
			   "free_pages s1\n"
			   "check\n";

MMT_TEST(invariants, forwarder_runs_clean)
{
	struct mmt_exec_result res;

	cr_assert_eq(run("", prog, &res), MMT_EXIT_OK, "%s: %s",
		     res.report.v[0].id, res.report.v[0].message);
	cr_assert_eq(res.allocs, 2);
	cr_assert_eq(res.frees, 2);
}

MMT_TEST(invariants, alloc_error_is_adapter_alloc)
{
	struct mmt_exec_result res;

	cr_assert_eq(run("allocerr", prog, &res), MMT_EXIT_BUG);
	expect_first(&res, "ADAPTER-ALLOC", 0);
	cr_assert_not_null(strstr(res.report.v[0].message, "error -12"), "%s",
			   res.report.v[0].message);
	cr_assert_eq(res.allocs, 0);
}

MMT_TEST(invariants, refused_free_is_adapter_free)
{
	struct mmt_exec_result res;

	cr_assert_eq(run("freeerr", prog, &res), MMT_EXIT_BUG);
	expect_first(&res, "ADAPTER-FREE", 2);
	cr_assert_not_null(strstr(res.report.v[0].message,
				  "free of s1 (pfn 0x"),
			   "%s", res.report.v[0].message);
	cr_assert_not_null(strstr(res.report.v[0].message, "refused with -16"),
			   "%s", res.report.v[0].message);
}

MMT_TEST(invariants, finding_without_id_is_adapter_check)
{
	struct mmt_exec_result res;

	cr_assert_eq(run("nullid", prog, &res), MMT_EXIT_BUG);
	expect_first(&res, "ADAPTER-CHECK", 3); /* the check op */
	cr_assert_str_eq(res.report.v[0].message,
			 "fwd: a finding without an id");
	cr_assert_eq(res.report.total, 1, "ref-pages' own check is clean");
}

/*
 * DIFF-SIDE-LOST: side B finds more violations than its report keeps (a
 * finding without an id at each of 20 check ops, and more at the end of
 * input), the diff neither side stops. Each one past B's MMT_REPORT_MAX
 * kept is counted in the diff's report as DIFF-SIDE-LOST, so its total is
 * every violation of both sides. The diff's own report is full by then
 * (it kept B's first MMT_REPORT_MAX), so no DIFF-SIDE-LOST is ever among
 * those it keeps: the count is what shows them.
 */
MMT_TEST(invariants, side_violations_past_its_report_are_counted)
{
	struct mmt_diff_result *res = calloc(1, sizeof(*res));
	struct mmt_diff_opts o;
	struct mmt_prog p;
	char text[2048], err[512] = "";
	size_t n = 0;
	int rc;

	cr_assert_not_null(res);
	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "machine bank=32M@0 orders=6\n");
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "alloc_pages s%d order=0\ncheck\n", i);
	parse(text, &p);
	mmt_diff_opts_default(&o);
	o.stop_on_divergence = 0;
	rc = mmt_diff_run(ref(), "", fwd(), "nullid", &p, &o, res, err,
			  sizeof(err));
	cr_assert_eq(rc, MMT_EXIT_BUG, "%s", err);
	cr_assert(res->finished);
	cr_assert_eq(res->side[0].report.total, 0, "A is ref-pages: clean");
	cr_assert_gt(res->side[1].report.total, MMT_REPORT_MAX);
	cr_assert_eq(res->side[1].report.nr, MMT_REPORT_MAX);
	/* every B violation is in the diff's count: the kept ones copied,
	 * the rest as DIFF-SIDE-LOST; and the diff found nothing itself */
	cr_assert_eq(res->report.total, res->side[1].report.total);
	cr_assert_eq(res->report.nr, MMT_REPORT_MAX);
	for (unsigned int i = 0; i < res->report.nr; i++) {
		cr_assert_str_eq(res->report.v[i].id, "ADAPTER-CHECK");
		cr_assert_str_eq(res->report.v[i].layer, "B:adapter");
		cr_assert_eq(res->report.v[i].op_index, 2 * i + 1);
	}
	mmt_prog_free(&p);
	free(res);
}
