/* SPDX-License-Identifier: MIT */
/*
 * exec.c - run an op sequence on an adapter under the shadow model.
 *
 * The executor reaches the allocator only through struct mmt_adapter:
 *   1. validate the table; the program's op set needs PAGES (OBJECTS
 *      programs are refused with exit 2 until the plug-in issue runs them);
 *   2. build the env from prog->machine; an adapter without OWN_ARENA gets
 *      an anonymous MAP_NORESERVE mapping of nr_pfns pages (untouched
 *      pages cost nothing), described by mmt_arena_from_machine();
 *   3. create, read the arena (pages.arena() for OWN_ARENA), build the
 *      shadow, subscribe to trace events (MMT_CAP_TRACE), enter CPU 0;
 *   4. run the ops; after every op the shadow checks the result, every
 *      check_every ops the adapter's own check() runs at full level;
 *   5. at the end: a full check, then every live slot is freed in slot
 *      order (op index SIZE_MAX) and the check runs again, so leaks and
 *      merges missed at teardown are seen.
 *
 * GFP: the adapter gets the mask the entry point really uses
 * (mmt_shadow_effective_gfp(): get_free_page(s) and get_zeroed_page drop
 * __GFP_HIGHMEM, get_zeroed_page adds __GFP_ZERO), so an allocator that
 * ignores the api argument still sees the right request.
 *
 * Slot rules: an allocation into a live slot first frees the old block
 * (by address, as free_pages would), then allocates; a free of an empty
 * slot is skipped. free_page on a block of order > 0 frees it with
 * free_pages and the block's order; a by-address free of a block in
 * ZONE_HIGHMEM (no direct-map address) frees by page instead.
 *
 * Violations from check() take their layer from the id's prefix (BUDDY-
 * -> "buddy", ZONE- -> "zone", PAGE- -> "page", else "adapter"). On the
 * first violation res->state gets the adapter's "buddyinfo" view.
 *
 * Deterministic: no clock, no unseeded randomness. Single threaded.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <mmtorture/exec.h>

#include "mmt_internal.h"
#include "shadow.h"

#define FILL_SEED 0x6d6d74307274ULL /* "mmtort" */

struct exec {
	const struct mmt_adapter *ad;
	void *state;
	struct mmt_shadow *sh;
	const struct mmt_exec_opts *o;
	struct mmt_exec_result *res;
	size_t cur_op; /* op index findings are filed under */
	int dumped;
};

void mmt_exec_opts_default(struct mmt_exec_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->check_every = 0;
	o->check_at_end = 1;
	o->strict = -1;
	o->trace = NULL;
	o->stop_on_violation = 1;
}

static const char *layer_of(const char *id)
{
	if (strncmp(id, "BUDDY-", 6) == 0)
		return "buddy";
	if (strncmp(id, "ZONE-", 5) == 0)
		return "zone";
	if (strncmp(id, "PAGE-", 5) == 0)
		return "page";
	return "adapter";
}

static void on_finding(void *ctx, const char *id, const char *message)
{
	struct exec *ex = ctx;

	if (!id)
		id = "ADAPTER-CHECK";
	mmt_report_add(&ex->res->report, ex->cur_op, layer_of(id), id, "%s",
		       message ? message : "");
}

/* Keep the adapter's view of the first violation. */
static void capture_state(struct exec *ex)
{
	if (ex->dumped || ex->res->report.total == 0)
		return;
	ex->dumped = 1;
	if (ex->ad->dump)
		ex->ad->dump(ex->state, "buddyinfo", ex->res->state,
			     sizeof(ex->res->state));
	ex->res->state[sizeof(ex->res->state) - 1] = '\0';
}

static void full_check(struct exec *ex, size_t op_index)
{
	if (!(ex->ad->caps & MMT_CAP_CHECK) || !ex->ad->check)
		return;
	ex->cur_op = op_index;
	ex->res->checks++;
	ex->ad->check(ex->state, 2, on_finding, ex);
}

static void print_new(struct exec *ex, unsigned long before)
{
	const struct mmt_report *r = &ex->res->report;

	if (!ex->o->trace)
		return;
	for (unsigned long i = before; i < r->total && i < r->nr; i++)
		fprintf(ex->o->trace, "        !! %s %s: %s\n", r->v[i].layer,
			r->v[i].id, r->v[i].message);
	if (r->total > r->nr && before < r->total)
		fprintf(ex->o->trace, "        !! (%lu violations so far)\n",
			r->total);
}

/* Free a live slot; api is the op's choice, adjusted as documented. */
static void free_slot(struct exec *ex, size_t op_index, unsigned int slot,
		      uint32_t api)
{
	const struct mmt_shadow_block *b = mmt_shadow_slot(ex->sh, slot);
	int ret;

	if (api == MMT_API_FREE_PAGE && b->order != 0)
		api = MMT_API_FREE_PAGES;
	if (api != MMT_API_FREE_PAGES_PAGE && b->zone == MMT_ZONE_HIGHMEM)
		api = MMT_API_FREE_PAGES_PAGE;
	mmt_shadow_verify_fill(ex->sh, op_index, slot, &ex->res->report);
	mmt_shadow_trace_reset(ex->sh);
	ret = ex->ad->pages.free(ex->state, b->addr, b->order, api);
	if (ret != 0)
		mmt_report_add(&ex->res->report, op_index, "adapter",
			       "ADAPTER-FREE",
			       "free of s%u (pfn 0x%llx order %u) refused with "
			       "%d",
			       slot, (unsigned long long)b->pfn, b->order, ret);
	ex->res->frees++;
	mmt_shadow_release(ex->sh, op_index, slot, &ex->res->report);
}

static uint32_t alloc_api(unsigned int kind)
{
	switch (kind) {
	case MMT_OP_ALLOC_PAGE:
		return MMT_API_ALLOC_PAGE;
	case MMT_OP_GET_FREE_PAGES:
		return MMT_API_GET_FREE_PAGES;
	case MMT_OP_GET_FREE_PAGE:
		return MMT_API_GET_FREE_PAGE;
	case MMT_OP_GET_ZEROED_PAGE:
		return MMT_API_GET_ZEROED_PAGE;
	case MMT_OP_FREE_PAGES:
		return MMT_API_FREE_PAGES;
	case MMT_OP_FREE_PAGES_PAGE:
		return MMT_API_FREE_PAGES_PAGE;
	case MMT_OP_FREE_PAGE:
		return MMT_API_FREE_PAGE;
	default:
		return MMT_API_ALLOC_PAGES;
	}
}

static void run_op(struct exec *ex, size_t i, const struct mmt_op *op)
{
	FILE *t = ex->o->trace;
	unsigned int slot = op->slot % MMT_NR_SLOTS;
	const struct mmt_shadow_block *b = mmt_shadow_slot(ex->sh, slot);
	char line[512];

	ex->cur_op = i;
	if (t) {
		mmt_op_format(op, line, sizeof(line));
		fprintf(t, "%6zu  %s", i, line);
	}
	switch (op->kind) {
	case MMT_OP_ALLOC_PAGES:
	case MMT_OP_ALLOC_PAGE:
	case MMT_OP_GET_FREE_PAGES:
	case MMT_OP_GET_FREE_PAGE:
	case MMT_OP_GET_ZEROED_PAGE: {
		unsigned int order = (op->kind == MMT_OP_ALLOC_PAGES ||
				      op->kind == MMT_OP_GET_FREE_PAGES) ?
					     op->order :
					     0;
		void *addr = NULL;
		int ret;

		if (b->live) {
			if (t)
				fprintf(t,
					" (s%u held pfn 0x%llx order %u: "
					"freed first)",
					slot, (unsigned long long)b->pfn,
					b->order);
			free_slot(ex, i, slot, MMT_API_FREE_PAGES);
		}
		mmt_shadow_trace_reset(ex->sh);
		ret = ex->ad->pages.alloc(ex->state, order,
					  mmt_shadow_effective_gfp(op->kind,
								   op->gfp),
					  alloc_api(op->kind), &addr);
		if (ret != 0) {
			mmt_report_add(&ex->res->report, i, "adapter",
				       "ADAPTER-ALLOC",
				       "alloc returned error %d", ret);
			addr = NULL;
		}
		if (addr)
			ex->res->allocs++;
		else
			ex->res->alloc_fails++;
		mmt_shadow_alloc(ex->sh, i, slot, op->kind, order, op->gfp,
				 addr, &ex->res->report);
		if (t) {
			if (!addr)
				fprintf(t, " -> NULL\n");
			else if (b->live)
				fprintf(t, " -> pfn 0x%llx\n",
					(unsigned long long)b->pfn);
			else
				fprintf(t, " -> %p (untracked)\n", addr);
		}
		break;
	}
	case MMT_OP_FREE_PAGES:
	case MMT_OP_FREE_PAGES_PAGE:
	case MMT_OP_FREE_PAGE:
		if (!b->live) {
			if (t)
				fprintf(t, " -> skipped (s%u is empty)\n",
					slot);
			break;
		}
		if (t)
			fprintf(t, " -> freed pfn 0x%llx order %u\n",
				(unsigned long long)b->pfn, b->order);
		free_slot(ex, i, slot, alloc_api(op->kind));
		break;
	case MMT_OP_CHECK:
		if (t)
			fprintf(t, "\n");
		full_check(ex, i);
		break;
	default:
		if (t)
			fprintf(t, " -> skipped (not a PAGES op)\n");
		break;
	}
}

/* Pick the arena: the adapter's own, or the one we mapped. */
static int get_arena(struct exec *ex, const struct mmt_adapter_env *env,
		     struct mmt_arena *a, char *err, size_t errlen)
{
	int ret;

	if (!(ex->ad->caps & MMT_CAP_OWN_ARENA)) {
		*a = env->arena;
		return 0;
	}
	memset(a, 0, sizeof(*a));
	ret = ex->ad->pages.arena(ex->state, a);
	if (ret != 0 || !a->base || a->page_size == 0 ||
	    (a->page_size & (a->page_size - 1)) || a->nr_orders == 0) {
		snprintf(err, errlen,
			 "adapter '%s': pages.arena() gave no usable arena "
			 "(%d)",
			 ex->ad->name, ret);
		return MMT_EXIT_ENV;
	}
	return 0;
}

static int run_pages(struct exec *ex, const struct mmt_prog *prog,
		     const struct mmt_exec_opts *o)
{
	struct mmt_report *r = &ex->res->report;
	uint32_t every = o->check_every ? o->check_every : prog->check_every;
	unsigned long before;

	for (size_t i = 0; i < prog->nr_ops; i++) {
		before = r->total;
		run_op(ex, i, &prog->ops[i]);
		ex->res->ops_run++;
		if (every && (i + 1) % every == 0 &&
		    prog->ops[i].kind != MMT_OP_CHECK)
			full_check(ex, i);
		if (r->total != before) {
			capture_state(ex);
			print_new(ex, before);
			if (o->stop_on_violation)
				return 1;
		}
	}
	if (!o->check_at_end)
		return 0;
	before = r->total;
	if (o->trace)
		fprintf(o->trace, "   end  check\n");
	full_check(ex, SIZE_MAX);
	print_new(ex, before);
	capture_state(ex);
	if (r->total && o->stop_on_violation)
		return 1;
	before = r->total;
	for (unsigned int s = 0; s < MMT_NR_SLOTS; s++) {
		const struct mmt_shadow_block *b = mmt_shadow_slot(ex->sh, s);

		if (!b->live)
			continue;
		if (o->trace)
			fprintf(o->trace,
				"   end  free s%u -> freed pfn 0x%llx "
				"order %u\n",
				s, (unsigned long long)b->pfn, b->order);
		free_slot(ex, SIZE_MAX, s, MMT_API_FREE_PAGES_PAGE);
	}
	if (o->trace)
		fprintf(o->trace, "   end  check after freeing every slot\n");
	full_check(ex, SIZE_MAX);
	print_new(ex, before);
	capture_state(ex);
	return 0;
}

int mmt_exec_run(const struct mmt_adapter *ad, const char *options,
		 const struct mmt_prog *prog, const struct mmt_exec_opts *opts,
		 struct mmt_exec_result *res, char *err, size_t errlen)
{
	struct mmt_exec_opts defo;
	struct mmt_adapter_env env;
	struct mmt_arena arena;
	struct exec ex;
	void *map = MAP_FAILED;
	size_t map_len = 0;
	int ret, strict;
	char cerr[256] = "";

	memset(res, 0, sizeof(*res));
	mmt_report_init(&res->report);
	if (err && errlen)
		err[0] = '\0';
	if (!opts) {
		mmt_exec_opts_default(&defo);
		opts = &defo;
	}
	ret = mmt_adapter_validate(ad, err, errlen);
	if (ret)
		return ret;
	if (prog->opset != MMT_OPSET_PAGES) {
		snprintf(err, errlen,
			 "adapter '%s': the program uses the objects op set, "
			 "which this executor does not run yet (it needs "
			 "OBJECTS, the plug-in issue)",
			 ad->name);
		return MMT_EXIT_USAGE;
	}
	if (!(ad->caps & MMT_CAP_PAGES)) {
		snprintf(err, errlen,
			 "adapter '%s' has no PAGES capability; the program "
			 "needs PAGES",
			 ad->name);
		return MMT_EXIT_USAGE;
	}
	if (mmt_machine_check(&prog->machine, NULL)) {
		snprintf(err, errlen, "the program's machine is not valid");
		return MMT_EXIT_USAGE;
	}
	memset(&env, 0, sizeof(env));
	env.abi_version = MMT_ADAPTER_ABI_VERSION;
	env.struct_size = sizeof(env);
	env.options = options ? options : "";
	env.machine = prog->machine;
	env.nr_threads = 1;
	if (!(ad->caps & MMT_CAP_OWN_ARENA)) {
		uint64_t bytes = mmt_machine_end_pfn(&prog->machine)
				 << prog->machine.page_shift;

		map_len = (size_t)bytes;
		map = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (map == MAP_FAILED) {
			snprintf(err, errlen,
				 "cannot map a %llu-byte arena: %s",
				 (unsigned long long)bytes, strerror(errno));
			return MMT_EXIT_ENV;
		}
		mmt_arena_from_machine(&prog->machine, map, &env.arena);
	}
	memset(&ex, 0, sizeof(ex));
	ex.ad = ad;
	ex.o = opts;
	ex.res = res;
	ret = ad->create(&env, &ex.state, cerr, sizeof(cerr));
	if (ret != 0) {
		snprintf(err, errlen, "adapter '%s': create failed: %s",
			 ad->name, cerr[0] ? cerr : strerror(-ret));
		ret = ret == -ENOMEM ? MMT_EXIT_ENV : MMT_EXIT_USAGE;
		goto out_unmap;
	}
	ret = get_arena(&ex, &env, &arena, err, errlen);
	if (ret)
		goto out_destroy;
	strict = opts->strict < 0 ? !!(ad->caps & MMT_CAP_POLICY_BUDDY) :
				    opts->strict;
	ex.sh = mmt_shadow_create(&arena, ad->caps, strict, FILL_SEED);
	if (!ex.sh) {
		snprintf(err, errlen, "out of memory for the shadow model");
		ret = MMT_EXIT_ENV;
		goto out_destroy;
	}
	if ((ad->caps & MMT_CAP_TRACE) && ad->set_trace)
		ad->set_trace(ex.state, 0, mmt_shadow_trace_event, ex.sh);
	if (ad->cpu_enter)
		ad->cpu_enter(ex.state, 0);
	run_pages(&ex, prog, opts);
	if ((ad->caps & MMT_CAP_TRACE) && ad->set_trace)
		ad->set_trace(ex.state, 0, NULL, NULL);
	ret = res->report.total ? MMT_EXIT_BUG : MMT_EXIT_OK;
	mmt_shadow_destroy(ex.sh);
out_destroy:
	ad->destroy(ex.state);
out_unmap:
	if (map != MAP_FAILED)
		munmap(map, map_len);
	return ret;
}
