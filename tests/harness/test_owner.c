/* SPDX-License-Identifier: MIT */
/*
 * test_owner.c - page ownership by owner: a layer of the allocator that
 * takes pages for itself keeps the page shadow's capacity oracle and
 * overlap check exact, and a wrong owner record is caught (SHADOW-OWNER).
 *
 * The allocator ("taker") forwards to ref-pages with all of ref-pages'
 * capabilities, TRACE included (ref's page events reach the shadow), and
 * plays a layer that takes pages internally: before every third
 * allocation it takes a block of the asked order from ref-pages for
 * itself and says so with MMT_EV_PAGES_TAKEN, and at every fourth free it
 * gives the last one back (MMT_EV_PAGES_RETURNED, then the free). Its
 * options break it:
 *   silent       takes and returns without the PAGES_* events
 *   overlap      the third allocation hands out the block it just took
 *   wrongtake    the take event names the block the last allocation
 *                handed to a slot
 *   wrongreturn  the return event names that block too
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/exec.h>
#include <mmtorture/ops.h>

#include "leakcheck.h"

#define MAX_HELD 256

struct taker {
	void *inner;
	struct mmt_arena arena;
	mmt_event_fn fn;
	void *ctx;
	int silent, overlap, wrongtake, wrongreturn;
	unsigned long nr_alloc, nr_free;
	void *last; /* the last block handed to a caller */
	void *held[MAX_HELD];
	unsigned int held_order[MAX_HELD];
	unsigned int nr_held;
};

static const struct mmt_adapter *ref(void)
{
	return &mmt_adapter_ref_pages;
}

static uint64_t pfn_of(const struct taker *t, const void *addr)
{
	return (uint64_t)((const char *)addr - (const char *)t->arena.base) /
	       t->arena.page_size;
}

static void emit(struct taker *t, uint32_t type, const void *addr,
		 unsigned int order)
{
	struct mmt_event ev;

	if (t->silent || !t->fn)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.name = type == MMT_EV_PAGES_TAKEN ? "taker_take" : "taker_return";
	ev.pfn = pfn_of(t, addr);
	ev.order = order;
	ev.owner = MMT_OWNER_OTHER;
	t->fn(t->ctx, &ev);
}

static int taker_create(const struct mmt_adapter_env *env, void **state,
			char *err, size_t errlen)
{
	struct mmt_adapter_env inner_env = *env;
	struct taker *t = calloc(1, sizeof(*t));
	int ret;

	if (!t)
		return -ENOMEM;
	inner_env.options = "";
	ret = ref()->create(&inner_env, &t->inner, err, errlen);
	if (ret) {
		free(t);
		return ret;
	}
	ref()->pages->arena(t->inner, &t->arena);
	t->silent = !!strstr(env->options, "silent");
	t->overlap = !!strstr(env->options, "overlap");
	t->wrongtake = !!strstr(env->options, "wrongtake");
	t->wrongreturn = !!strstr(env->options, "wrongreturn");
	*state = t;
	return 0;
}

static void taker_destroy(void *state)
{
	struct taker *t = state;

	/* ref-pages gets every block back when it is destroyed */
	ref()->destroy(t->inner);
	free(t);
}

static int taker_arena(void *state, struct mmt_arena *out)
{
	struct taker *t = state;

	return ref()->pages->arena(t->inner, out);
}

/* Take a block of order for the layer; NULL when ref-pages has none. */
static void *take(struct taker *t, unsigned int order)
{
	void *b = NULL;

	if (t->nr_held == MAX_HELD ||
	    ref()->pages->alloc(t->inner, order, MMT_GFP_KERNEL,
				MMT_API_ALLOC_PAGES, &b) ||
	    !b)
		return NULL;
	t->held_order[t->nr_held] = order;
	t->held[t->nr_held++] = b;
	emit(t, MMT_EV_PAGES_TAKEN, t->wrongtake && t->last ? t->last : b,
	     order);
	return b;
}

static int taker_alloc(void *state, unsigned int order, uint32_t gfp,
		       uint32_t api, void **addr)
{
	struct taker *t = state;
	int ret;

	*addr = NULL;
	if (++t->nr_alloc % 3 == 0) {
		void *b = take(t, order);

		if (b && t->overlap) {
			*addr = b; /* the layer's own block, to a caller */
			return 0;
		}
	}
	ret = ref()->pages->alloc(t->inner, order, gfp, api, addr);
	if (*addr)
		t->last = *addr;
	return ret;
}

static int taker_free(void *state, void *addr, unsigned int order, uint32_t api)
{
	struct taker *t = state;
	int ret = ref()->pages->free(t->inner, addr, order, api);

	if (++t->nr_free % 4 == 0 && t->nr_held) {
		void *b = t->held[--t->nr_held];
		unsigned int o = t->held_order[t->nr_held];

		emit(t, MMT_EV_PAGES_RETURNED,
		     t->wrongreturn && t->last ? t->last : b, o);
		ref()->pages->free(t->inner, b, o, MMT_API_FREE_PAGES);
	}
	return ret;
}

static long taker_check(void *state, unsigned int level, mmt_finding_fn fn,
			void *ctx)
{
	struct taker *t = state;

	return ref()->check(t->inner, level, fn, ctx);
}

static size_t taker_dump(void *state, const char *view, char *buf, size_t len)
{
	struct taker *t = state;

	return ref()->dump(t->inner, view, buf, len);
}

static void taker_set_trace(void *state, unsigned int flags, mmt_event_fn fn,
			    void *ctx)
{
	struct taker *t = state;

	t->fn = fn;
	t->ctx = ctx;
	ref()->set_trace(t->inner, flags, fn, ctx);
}

static const struct mmt_pages_ops taker_pages = {
	.struct_size = sizeof(struct mmt_pages_ops),
	.version = MMT_PAGES_OPS_VERSION,
	.arena = taker_arena,
	.alloc = taker_alloc,
	.free = taker_free,
};

static struct mmt_adapter taker_ad = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "taker",
	.description = "ref-pages with a layer that takes pages for itself",
	.create = taker_create,
	.destroy = taker_destroy,
	.check = taker_check,
	.dump = taker_dump,
	.set_trace = taker_set_trace,
	.pages = &taker_pages,
};

static const struct mmt_adapter *taker(void)
{
	/* PAGES ZONES POLICY_BUDDY TRACE ...; no upool table of its own */
	taker_ad.caps = ref()->caps & ~MMT_CAP_UPOOL;
	return &taker_ad;
}

/*
 * A 4 MiB machine (1024 pages) filled by order-2 allocations into every
 * slot, then half of them freed and refilled: the layer's takes leave
 * too few pages for the last allocations, which must fail, and the
 * strict capacity oracle must agree that nothing was free.
 */
static void exhaust(struct mmt_prog *p)
{
	struct mmt_op op;

	mmt_prog_init(p, MMT_OPSET_PAGES);
	p->machine.banks[0].nr_pages = 1024;
	memset(&op, 0, sizeof(op));
	for (int round = 0; round < 2; round++) {
		for (unsigned int s = 0; s < MMT_NR_SLOTS; s++) {
			if (round && s % 2)
				continue;
			op.kind = MMT_OP_FREE_PAGES;
			op.slot = (uint16_t)s;
			if (round)
				cr_assert_eq(mmt_prog_push(p, &op), 0);
			op.kind = MMT_OP_ALLOC_PAGES;
			op.order = 2;
			op.gfp = MMT_GFP_KERNEL;
			cr_assert_eq(mmt_prog_push(p, &op), 0);
		}
	}
}

static int run(const char *options, struct mmt_exec_result *res)
{
	struct mmt_exec_opts o;
	struct mmt_prog p;
	char err[256] = "";
	int rc;

	exhaust(&p);
	mmt_exec_opts_default(&o);
	o.stop_on_violation = 1;
	rc = mmt_exec_run(taker(), options, &p, &o, res, err, sizeof(err));
	cr_assert(rc == MMT_EXIT_OK || rc == MMT_EXIT_BUG, "%s", err);
	mmt_prog_free(&p);
	return rc;
}

MMT_TEST(owner, a_layer_that_says_what_it_takes_keeps_the_oracle_exact)
{
	static struct mmt_exec_result res;

	cr_assert_eq(run("", &res), MMT_EXIT_OK, "%s %s: %s",
		     res.report.nr ? res.report.v[0].id : "",
		     res.report.nr ? res.report.v[0].layer : "",
		     res.report.nr ? res.report.v[0].message : "");
	cr_assert_gt(res.alloc_fails, 0, "the layer's takes exhausted RAM");
	cr_assert_gt(res.allocs, 200);
}

MMT_TEST(owner, the_same_takes_unsaid_are_not_exact)
{
	static struct mmt_exec_result res;

	/* without the PAGES_* events the shadow counts the layer's pages as
	 * free (and their page events as the op's own) */
	cr_assert_eq(run("silent", &res), MMT_EXIT_BUG);
	cr_assert(strcmp(res.report.v[0].id, "TRACE-ALLOC") == 0 ||
			  strcmp(res.report.v[0].id, "ORACLE-MUST-SUCCEED") ==
				  0,
		  "%s", res.report.v[0].id);
}

MMT_TEST(owner, a_block_handed_out_from_the_layers_pages_is_an_overlap)
{
	static struct mmt_exec_result res;

	cr_assert_eq(run("overlap", &res), MMT_EXIT_BUG);
	cr_assert_str_eq(res.report.v[0].id, "SHADOW-OVERLAP");
	cr_assert_eq(res.report.v[0].op_index, 2, "the third allocation");
	cr_assert(strstr(res.report.v[0].message, "held by layer other"), "%s",
		  res.report.v[0].message);
}

MMT_TEST(owner, a_take_of_a_slots_pages_is_a_wrong_owner_record)
{
	static struct mmt_exec_result res;

	cr_assert_eq(run("wrongtake", &res), MMT_EXIT_BUG);
	cr_assert_str_eq(res.report.v[0].id, "SHADOW-OWNER");
	cr_assert_eq(res.report.v[0].op_index, 2);
	cr_assert(strstr(res.report.v[0].message, "held by slot s1"), "%s",
		  res.report.v[0].message);
}

MMT_TEST(owner, a_return_of_pages_not_taken_is_a_wrong_owner_record)
{
	static struct mmt_exec_result res;

	cr_assert_eq(run("wrongreturn", &res), MMT_EXIT_BUG);
	cr_assert_str_eq(res.report.v[0].id, "SHADOW-OWNER");
	cr_assert(strstr(res.report.v[0].message, "returned"), "%s",
		  res.report.v[0].message);
}
