/* SPDX-License-Identifier: MIT */
/*
 * test_reclaim.c - the shrinker ops of the pages op set: their text and
 * binary round trip and parse errors, and the pages layer's caches on
 * ref-pages (reclaim serves requests, the shadow judges the state after
 * the frees reclaim made during the call, and keeps the frees of
 * background reclaim after the result out of that judgement), with
 * adapters that break the contract: one that reclaims but never tries
 * again (ORACLE-MUST-SUCCEED), one whose frees inside an allocation
 * emit no mm_page_free (TRACE-FREE), and an old table without shrinkers.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/exec.h>
#include <mmtorture/ops.h>

#include "leakcheck.h"
#include "mmt_internal.h"
#include "prog_text.h"

static const char every_op[] =
	"# mmtorture ops v2\n"
	"opset pages\n"
	"machine profile=x86_64 era=6.12 page=4K orders=11 cpus=1 "
	"bank=16M@0\n"
	"check_every 0\n"
	"shrinker_register order=0 gfp=GFP_KERNEL pool=0 count=64 "
	"needs=fs|io\n"
	"shrinker_register order=2 gfp=GFP_NOIO pool=7 count=3 needs=io\n"
	"shrinker_register order=0 gfp=GFP_KERNEL pool=1 count=0 "
	"needs=none\n"
	"shrinker_register order=1 gfp=GFP_NOFS pool=2 count=9 needs=fs\n"
	"shrinker_unregister pool=7\n";

MMT_TEST(reclaim, ops_round_trip_text_binary_text)
{
	struct mmt_prog p, q;
	uint8_t *bin;
	size_t len;
	char *text;

	parse(every_op, &p);
	cr_assert_eq(p.nr_ops, 5);
	cr_assert_eq(p.ops[0].kind, MMT_OP_SHRINKER_REGISTER);
	cr_assert_eq(p.ops[0].needs,
		     MMT_SHRINKER_NEEDS_FS | MMT_SHRINKER_NEEDS_IO);
	cr_assert_eq(p.ops[1].needs, MMT_SHRINKER_NEEDS_IO);
	cr_assert_eq(p.ops[1].pool, 7);
	cr_assert_eq(p.ops[1].order, 2);
	cr_assert_eq(p.ops[3].needs, MMT_SHRINKER_NEEDS_FS);
	cr_assert_eq(p.ops[4].kind, MMT_OP_SHRINKER_UNREGISTER);
	text = mmt_prog_format_text(&p);
	cr_assert_str_eq(text, every_op);
	cr_assert_eq(mmt_prog_encode(&p, &bin, &len), 0);
	cr_assert_eq(mmt_prog_decode(bin, len, &q), 0);
	cr_assert_eq(q.nr_ops, p.nr_ops);
	for (size_t i = 0; i < p.nr_ops; i++)
		cr_assert(mmt_op_equal(&q.ops[i], &p.ops[i]), "op %zu", i);
	free(text);
	text = mmt_prog_format_text(&q);
	cr_assert_str_eq(text, every_op);
	free(text);
	free(bin);
	mmt_prog_free(&p);
	mmt_prog_free(&q);
}

MMT_TEST(reclaim, needs_parse_in_any_order)
{
	struct mmt_prog p;

	parse("shrinker_register pool=0 count=1 needs=io|fs\n"
	      "shrinker_register pool=0 count=1 needs=none|io\n"
	      "shrinker_register pool=0 count=1\n",
	      &p);
	cr_assert_eq(p.ops[0].needs,
		     MMT_SHRINKER_NEEDS_FS | MMT_SHRINKER_NEEDS_IO);
	cr_assert_eq(p.ops[1].needs, MMT_SHRINKER_NEEDS_IO);
	cr_assert_eq(p.ops[2].needs, 0);
	cr_assert_eq(p.ops[2].gfp, MMT_GFP_KERNEL);
	mmt_prog_free(&p);
}

MMT_TEST(reclaim, bad_shrinker_ops_are_refused_with_their_field)
{
	parse_fails("shrinker_register pool=0 count=1 needs=xfs\n", "needs");
	parse_fails("shrinker_register pool=0 count=1 needs=fs|\n", "needs");
	parse_fails("shrinker_register pool=8 count=1\n", "pool");
	parse_fails("shrinker_register pool=0\n", "count");
	parse_fails("shrinker_register count=3\n", "pool");
	parse_fails("shrinker_unregister\n", "pool");
	parse_fails("shrinker_unregister s0 pool=1\n", "op");
}

static int run_opts(const struct mmt_adapter *ad, const char *text, int stop,
		    struct mmt_exec_result *res, char **trace)
{
	struct mmt_prog p;
	struct mmt_exec_opts o;
	char err[256] = "";
	size_t tlen = 0;
	FILE *t = NULL;
	int ret;

	parse(text, &p);
	mmt_exec_opts_default(&o);
	o.stop_on_violation = stop;
	if (trace) {
		t = open_memstream(trace, &tlen);
		o.trace = t;
	}
	ret = mmt_exec_run(ad, "", &p, &o, res, err, sizeof(err));
	if (t)
		fclose(t);
	cr_assert_neq(ret, MMT_EXIT_USAGE, "%s", err);
	mmt_prog_free(&p);
	return ret;
}

static int run(const struct mmt_adapter *ad, const char *text,
	       struct mmt_exec_result *res)
{
	return run_opts(ad, text, 0, res, NULL);
}

/*
 * A 16M machine (DMA alone, min 64 with min_free_kbytes=256), a cache of
 * 64 pages that needs nothing, the rest taken down to min by masks that
 * neither reclaim nor wake kswapd; then GFP_KERNEL must reclaim to be
 * served (op 8).
 */
static const char pressed[] = "machine bank=16M@0 min_free_kbytes=256\n"
			      "shrinker_register pool=0 count=64 needs=none\n"
			      "alloc_pages s0 order=10 gfp=__GFP_NOWARN\n"
			      "alloc_pages s1 order=10 gfp=__GFP_NOWARN\n"
			      "alloc_pages s2 order=10 gfp=__GFP_NOWARN\n"
			      "alloc_pages s3 order=9 gfp=__GFP_NOWARN\n"
			      "alloc_pages s4 order=8 gfp=__GFP_NOWARN\n"
			      "alloc_pages s5 order=7 gfp=__GFP_NOWARN\n"
			      "alloc_page s6 gfp=__GFP_NOWARN\n"
			      "alloc_page s7 gfp=GFP_KERNEL\n"
			      "check\n";

MMT_TEST(reclaim, reclaim_serves_the_request_and_the_shadow_agrees)
{
	struct mmt_exec_result res;
	char *trace = NULL;

	cr_assert_eq(run_opts(&mmt_adapter_ref_pages, pressed, 0, &res, &trace),
		     MMT_EXIT_OK, "%s", ids(&res));
	cr_assert(strstr(trace, "alloc_page s6 gfp=__GFP_NOWARN -> NULL"), "%s",
		  trace);
	cr_assert(strstr(trace, "alloc_page s7 gfp=GFP_KERNEL -> pfn") &&
			  strstr(trace, "(reclaim freed c0:"),
		  "%s", trace);
	cr_assert(strstr(trace, "end  shrinker_unregister pool=0"), "%s",
		  trace);
	free(trace);
}

/* The pages layer holds a cache's pages: registering a live pool again
 * frees its blocks first, and no block overlaps them. */
MMT_TEST(reclaim, a_live_cache_registered_again_is_emptied_first)
{
	struct mmt_exec_result res;
	char *trace = NULL;

	cr_assert_eq(run_opts(&mmt_adapter_ref_pages,
			      "machine bank=8M@0\n"
			      "shrinker_register pool=3 count=40 order=1\n"
			      "shrinker_register pool=3 count=5 needs=fs\n"
			      "alloc_pages s0 order=10\n"
			      "shrinker_unregister pool=3\n"
			      "shrinker_unregister pool=3\n",
			      0, &res, &trace),
		     MMT_EXIT_OK, "%s", ids(&res));
	cr_assert(strstr(trace, "(cache 3 was live: 40 block(s) freed first)"),
		  "%s", trace);
	cr_assert(strstr(trace, "cache 3 unregistered, 5 block(s) freed"), "%s",
		  trace);
	cr_assert(strstr(trace, "skipped (cache 3 is not registered)"), "%s",
		  trace);
	free(trace);
}

/* ------------------------------------------------------ forwarders */

/*
 * ref-pages whose shrinkers are kept here instead of in ref: alloc()
 * asks ref, and when ref fails (mode RECLAIM_NO_RETRY) runs every kept
 * shrinker's scan as direct reclaim would, then gives up without trying
 * again. Mode FREE_NO_EVENT registers them with ref as usual, but drops
 * the mm_page_free events of the frees made inside an alloc().
 */
enum { RECLAIM_NO_RETRY = 1, FREE_NO_EVENT = 2 };

static int fwd_mode;
static struct mmt_shrinker kept[8];
static int kept_used[8], kept_live;
static int in_alloc;
static mmt_event_fn fwd_fn;
static void *fwd_ctx;

static int fwd_register(void *state, const struct mmt_shrinker *shr,
			void **handle)
{
	int ret;

	if (fwd_mode == FREE_NO_EVENT) {
		ret = mmt_adapter_ref_pages.pages->shrinker_register(state, shr,
								     handle);
		kept_live += ret == 0;
		return ret;
	}
	for (int i = 0; i < 8; i++) {
		if (!kept_used[i]) {
			kept[i] = *shr;
			kept_used[i] = 1;
			kept_live++;
			*handle = &kept[i];
			return 0;
		}
	}
	return -ENOMEM;
}

static void fwd_unregister(void *state, void *handle)
{
	kept_live--;
	if (fwd_mode == FREE_NO_EVENT) {
		mmt_adapter_ref_pages.pages->shrinker_unregister(state, handle);
		return;
	}
	kept_used[(struct mmt_shrinker *)handle - kept] = 0;
}

static int fwd_alloc(void *state, unsigned int order, uint32_t gfp,
		     uint32_t api, void **addr)
{
	int ret;

	in_alloc = 1;
	ret = mmt_adapter_ref_pages.pages->alloc(state, order, gfp, api, addr);
	if (!ret && !*addr && fwd_mode == RECLAIM_NO_RETRY &&
	    (gfp & MMT_GFP_DIRECT_RECLAIM)) {
		for (int i = 0; i < 8; i++) {
			struct mmt_shrink_control sc = { .gfp = gfp,
							 .nr_to_scan = 1000,
							 .nr_scanned = 1000 };

			if (kept_used[i])
				kept[i].scan(kept[i].ctx, &sc);
		}
	}
	in_alloc = 0;
	return ret;
}

static void fwd_event(void *ctx, const struct mmt_event *ev)
{
	(void)ctx;
	if (fwd_mode == FREE_NO_EVENT && in_alloc &&
	    ev->type == MMT_EV_PAGE_FREE)
		return;
	fwd_fn(fwd_ctx, ev);
}

static void fwd_set_trace(void *state, unsigned int flags, mmt_event_fn fn,
			  void *ctx)
{
	fwd_fn = fn;
	fwd_ctx = ctx;
	mmt_adapter_ref_pages.set_trace(state, flags, fn ? fwd_event : NULL,
					NULL);
}

static struct mmt_pages_ops fwd_pages;
static struct mmt_adapter fwd;

static const struct mmt_adapter *make_fwd(int mode, size_t pages_size)
{
	fwd_mode = mode;
	memset(kept_used, 0, sizeof(kept_used));
	kept_live = 0;
	fwd_pages = *mmt_adapter_ref_pages.pages;
	fwd_pages.alloc = fwd_alloc;
	fwd_pages.shrinker_register = fwd_register;
	fwd_pages.shrinker_unregister = fwd_unregister;
	fwd_pages.struct_size = (uint32_t)pages_size;
	fwd = mmt_adapter_ref_pages;
	fwd.set_trace = fwd_set_trace;
	fwd.pages = &fwd_pages;
	return &fwd;
}

/* Reclaim that frees but never tries again fails a request the state
 * after its frees owes: the shadow judges that state. */
MMT_TEST(reclaim, reclaim_without_a_retry_is_oracle_must_succeed)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(make_fwd(RECLAIM_NO_RETRY, sizeof(fwd_pages)), pressed,
			 &res),
		     MMT_EXIT_BUG);
	cr_assert_eq(res.report.total, 1, "%s", ids(&res));
	cr_assert_str_eq(res.report.v[0].id, "ORACLE-MUST-SUCCEED");
	cr_assert_eq(res.report.v[0].op_index, 8);
	cr_assert_eq(kept_live, 0);
}

/* A free inside an allocation without its mm_page_free is TRACE-FREE. */
MMT_TEST(reclaim, a_reclaim_free_without_its_event_is_trace_free)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(make_fwd(FREE_NO_EVENT, sizeof(fwd_pages)), pressed,
			 &res),
		     MMT_EXIT_BUG);
	cr_assert_geq(res.report.total, 1);
	cr_assert_str_eq(res.report.v[0].id, "TRACE-FREE", "%s", ids(&res));
	cr_assert_eq(res.report.v[0].op_index, 8);
	cr_assert(strstr(res.report.v[0].message, "shrinker cache 0"), "%s",
		  res.report.v[0].message);
	cr_assert_eq(kept_live, 0);
}

/* A run that stops at its first violation skips the teardown: its
 * caches are unregistered all the same. */
MMT_TEST(reclaim, a_run_stopped_early_unregisters_its_caches)
{
	struct mmt_exec_result res;

	cr_assert_eq(run_opts(make_fwd(FREE_NO_EVENT, sizeof(fwd_pages)),
			      pressed, 1, &res, NULL),
		     MMT_EXIT_BUG);
	cr_assert_eq(res.report.v[res.report.nr - 1].op_index, 8, "%s",
		     ids(&res));
	cr_assert_eq(kept_live, 0);
}

/* A pages table that ends before the shrinker calls: the ops are
 * skipped, and nothing is owed for the cache that never was. */
MMT_TEST(reclaim, an_old_table_without_shrinkers_skips_the_ops)
{
	struct mmt_exec_result res;
	char *trace = NULL;
	const struct mmt_adapter *ad =
		make_fwd(0, offsetof(struct mmt_pages_ops, shrinker_register));

	cr_assert_eq(run_opts(ad, pressed, 0, &res, &trace), MMT_EXIT_OK, "%s",
		     ids(&res));
	cr_assert(strstr(trace, "skipped (the allocator has no shrinkers)"),
		  "%s", trace);
	cr_assert(strstr(trace, "alloc_page s7 gfp=GFP_KERNEL -> NULL") ||
			  strstr(trace, "alloc_page s7 gfp=GFP_KERNEL -> pfn"),
		  "%s", trace);
	cr_assert_eq(kept_live, 0);
	free(trace);
}
