/* SPDX-License-Identifier: MIT */
/*
 * test_pages.c - the pages layer's own rules (harness/layers/pages.c) on
 * ref-pages: GFP-ZONE-BAD, the caller's rule for masks gfp_zone() forbids,
 * reported with caller_rules whatever fault injection does, and tracked
 * without a finding when caller_rules is off (the fuzz targets, diff);
 * and the trace of a run showing the kernel warning of a failed request.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <mmtorture/exec.h>
#include <mmtorture/ops.h>

#include "leakcheck.h"
#include "prog_text.h"

static int run_traced(const char *text, int caller, FILE *trace,
		      struct mmt_exec_result *res)
{
	struct mmt_parse_error perr;
	struct mmt_exec_opts o;
	struct mmt_prog p;
	char err[256] = "";
	int ret;

	cr_assert_eq(mmt_prog_parse_text(text, strlen(text), "t", &p, &perr), 0,
		     "%u:%u %s: %s", perr.line, perr.column, perr.field,
		     perr.message);
	mmt_exec_opts_default(&o);
	o.stop_on_violation = 0;
	o.caller_rules = caller;
	o.trace = trace;
	ret = mmt_exec_run(&mmt_adapter_ref_pages, "", &p, &o, res, err,
			   sizeof(err));
	cr_assert_neq(ret, MMT_EXIT_USAGE, "%s", err);
	mmt_prog_free(&p);
	return ret;
}

static int run(const char *text, int caller, struct mmt_exec_result *res)
{
	return run_traced(text, caller, NULL, res);
}

/* Ops 0-7 are GFP_ZONE_BAD (7 with __GFP_NOFAIL too); 8-10 are not. */
static const char zone_bad_ops[] =
	"alloc_pages s0 order=0 gfp=GFP_KERNEL|GFP_DMA|GFP_DMA32\n"
	"alloc_pages s1 order=0 gfp=GFP_KERNEL|GFP_DMA|__GFP_HIGHMEM\n"
	"alloc_pages s2 order=0 gfp=GFP_KERNEL|GFP_DMA32|__GFP_HIGHMEM\n"
	"alloc_pages s3 order=0 "
	"gfp=GFP_KERNEL|GFP_DMA|GFP_DMA32|__GFP_HIGHMEM\n"
	"alloc_pages s4 order=0 "
	"gfp=GFP_KERNEL|__GFP_MOVABLE|GFP_DMA|__GFP_HIGHMEM\n"
	"alloc_pages s5 order=2 "
	"gfp=GFP_KERNEL|__GFP_MOVABLE|GFP_DMA32|GFP_DMA\n"
	"alloc_page s6 gfp=GFP_DMA|GFP_DMA32\n"
	"alloc_page s7 gfp=GFP_KERNEL|GFP_DMA|GFP_DMA32|__GFP_NOFAIL\n"
	"get_free_pages s8 order=0 gfp=GFP_KERNEL|GFP_DMA|__GFP_HIGHMEM\n"
	"alloc_pages s9 order=11 gfp=GFP_KERNEL|GFP_DMA|GFP_DMA32\n"
	"alloc_page s10 gfp=GFP_KERNEL\n";

static void expect_zone_bad_at_ops_0_to_7(const struct mmt_exec_result *res)
{
	cr_assert_eq(res->report.total, 8, "%s", ids(res));
	for (size_t i = 0; i < 8; i++) {
		const struct mmt_violation *v = &res->report.v[i];

		cr_assert_str_eq(v->id, "GFP-ZONE-BAD", "%s", ids(res));
		cr_assert_str_eq(v->layer, "caller");
		cr_assert_eq(v->op_index, i, "%s", ids(res));
	}
	cr_assert(strstr(res->report.v[0].message,
			 "mode 0xcc5 (GFP_KERNEL|GFP_DMA|GFP_DMA32)"),
		  "%s", res->report.v[0].message);
}

MMT_TEST(pages, forbidden_zone_combinations_are_gfp_zone_bad)
{
	char text[2048];
	struct mmt_exec_result res;

	snprintf(text, sizeof(text),
		 "opset pages\nmachine bank=32M@0 "
		 "bank=32M@4G\n%s",
		 zone_bad_ops);
	cr_assert_eq(run(text, 1, &res), MMT_EXIT_BUG);
	expect_zone_bad_at_ops_0_to_7(&res);
	cr_assert_eq(res.allocs, 2, "ops 8 and 10 succeed");
	cr_assert_eq(res.alloc_fails, 9);
}

MMT_TEST(pages, gfp_zone_bad_is_reported_whatever_fault_injection_does)
{
	char text[2048];
	struct mmt_exec_result res;

	/* every eligible call fails: the forbidden ones too, and still the
	 * program is wrong (gfp_zone runs first) */
	snprintf(text, sizeof(text),
		 "opset pages\nmachine bank=32M@0 bank=32M@4G "
		 "fail_probability=100\n%s",
		 zone_bad_ops);
	cr_assert_eq(run(text, 1, &res), MMT_EXIT_BUG);
	expect_zone_bad_at_ops_0_to_7(&res);
	cr_assert_eq(res.allocs, 0);
}

MMT_TEST(pages, without_caller_rules_gfp_zone_bad_is_no_finding)
{
	char text[2048];
	struct mmt_exec_result res;

	snprintf(text, sizeof(text),
		 "opset pages\nmachine bank=32M@0 "
		 "bank=32M@4G\n%s",
		 zone_bad_ops);
	cr_assert_eq(run(text, 0, &res), MMT_EXIT_OK, "%s", ids(&res));
	cr_assert_eq(res.report.total, 0);
	cr_assert_eq(res.alloc_fails, 9, "the requests still fail");
}

/*
 * 32M (DMA and DMA32, 4096 pages each): after an order-10 block and a
 * page, five more order-10 blocks fit; op 7 fails with the warning, op 8
 * (__GFP_NOWARN) fails without one.
 */
static const char fill_32m[] =
	"opset pages\nmachine bank=32M@0 cpus=2\n"
	"alloc_pages s0 order=10\nalloc_page s1\n"
	"alloc_pages s2 order=10\nalloc_pages s3 order=10\n"
	"alloc_pages s4 order=10\nalloc_pages s5 order=10\n"
	"alloc_pages s6 order=10\nalloc_pages s7 order=10\n"
	"alloc_pages s8 order=10 gfp=GFP_KERNEL|__GFP_NOWARN\n";

MMT_TEST(pages, the_trace_shows_the_kernel_warning_of_a_failed_request)
{
	struct mmt_exec_result res;
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	const char *at;

	cr_assert_eq(run_traced(fill_32m, 1, f, &res), MMT_EXIT_OK, "%s",
		     ids(&res));
	fclose(f);
	cr_assert_eq(res.alloc_fails, 2);
	at = strstr(out, "alloc_pages s7 order=10 gfp=GFP_KERNEL -> NULL\n"
			 "        kernel: mmtorture: page allocation failure: "
			 "order:10, mode:0xcc0(GFP_KERNEL), nodemask=(null)\n"
			 "        kernel: Node 0 DMA free:4096kB boost:0kB "
			 "min:360kB low:448kB high:536kB ");
	cr_assert_not_null(at, "%s", out);
	cr_assert_not_null(strstr(at,
				  "        kernel: Node 0 DMA32: 1*4kB (U) "),
			   "%s", out);
	/* seven lines of it, then op 8, which says nothing */
	cr_assert_not_null(strstr(at, "= 4092kB\n     8  alloc_pages s8 "
				      "order=10 gfp=GFP_KERNEL|__GFP_NOWARN "
				      "-> NULL\n   end"),
			   "%s", out);
	for (const char *p = strstr(out, "kernel: "); p;
	     p = strstr(p + 1, "kernel: "))
		cr_assert_lt(p - out, strstr(out, "     8  ") - out,
			     "a warning after op 7: %s", out);
	free(out);
}
