/* SPDX-License-Identifier: MIT */
/*
 * exec.c - run an op sequence on an adapter under the shadow model.
 *
 * The executor reaches the allocator only through struct mmt_adapter:
 *   1. validate the table; a pages program needs PAGES, an objects
 *      program OBJECTS (exit 2 naming the capability otherwise);
 *   2. build the env from prog->machine; a PAGES adapter without OWN_ARENA
 *      gets an arena leased from harness/arena.c (anonymous, reading zero
 *      as a fresh mapping would: a parked one is scrubbed first; every
 *      block the adapter hands out is marked so that scrub is cheap),
 *      described by mmt_arena_from_machine(). An
 *      objects program on an adapter without PAGES needs no machine: the
 *      machine line is ignored and no arena is mapped;
 *   3. create, read the arena (pages->arena() for OWN_ARENA), open the
 *      program's layer (its shadow; the pages layer subscribes to trace
 *      events with MMT_CAP_TRACE), enter CPU 0;
 *   4. run the ops; after every op the shadow checks the result, every
 *      check_every ops the adapter's own check() runs at full level;
 *   5. at the end: a full check, then the layer frees every live slot in
 *      slot order (op index SIZE_MAX), each layer probes the emptied
 *      allocator (pages: the capacity probe, docs/checkers.md) and the
 *      check runs again, so leaks and merges missed at teardown are seen.
 * A full check with no op run since the last one is skipped (counted in
 * checks_skipped): it would find what the last one found.
 * Steps 1-3 are mmt_exec_open(), 4 is mmt_exec_step() once per op, 5 is
 * mmt_exec_finish(); mmt_exec_run() is exactly open, step every op (stop
 * at the first op that reports when stop_on_violation), finish, close.
 *
 * Layers: every op but check runs in the layer that owns the op's op set
 * (exec_int.h; harness/layers/pages.c, harness/layers/objects.c), which
 * keeps its own shadow, slot rules, teardown and state view; the layer
 * files say what each op does and reports.
 *
 * Violations from check() take their layer from the id's prefix (BUDDY-
 * -> "buddy", ZONE- -> "zone", PAGE- -> "page", else "adapter"). On the
 * first violation res->state gets the adapter's "buddyinfo" view.
 *
 * Deterministic: no clock, no unseeded randomness. Single threaded: one
 * struct mmt_exec per thread, no locks.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/crash.h>
#include <mmtorture/exec.h>
#include <mmtorture/machine.h>
#include <mmtorture/registry.h>

#include "exec_int.h"

void mmt_exec_opts_default(struct mmt_exec_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->check_every = 0;
	o->check_at_end = 1;
	o->strict = -1;
	o->trace = NULL;
	o->stop_on_violation = 1;
	o->caller_rules = 1;
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
	struct mmt_exec *ex = ctx;

	if (!id)
		id = "ADAPTER-CHECK";
	mmt_report_add(&ex->res.report, ex->cur_op, layer_of(id), id, "%s",
		       message ? message : "");
}

/* Keep the adapter's view of the first violation. */
static void capture_state(struct mmt_exec *ex)
{
	if (ex->dumped || ex->res.report.total == 0)
		return;
	ex->dumped = 1;
	for (unsigned int s = 0; s < MMT_NR_OPSETS; s++)
		if (ex->ls[s]) {
			mmt_layer_for(s)->state(ex, ex->res.state,
						sizeof(ex->res.state));
			break;
		}
	ex->res.state[sizeof(ex->res.state) - 1] = '\0';
}

/*
 * The adapter's full check, unless no op ran since the last one: a check
 * of an unchanged machine finds what the last one found, and check storms
 * (runs of check ops, a check op right after a periodic check, the
 * teardown check with no slot live) would otherwise cost a fuzz input most
 * of its time. Skipped checks are counted in res.checks_skipped.
 */
static void full_check(struct mmt_exec *ex, size_t op_index)
{
	if (!(ex->ad->caps & MMT_CAP_CHECK) || !ex->ad->check)
		return;
	if (!ex->dirty) {
		ex->res.checks_skipped++;
		if (ex->o.trace)
			fprintf(ex->o.trace, "        (check skipped: nothing "
					     "ran since the last one)\n");
		return;
	}
	ex->dirty = 0;
	ex->cur_op = op_index;
	ex->res.checks++;
	ex->ad->check(ex->state, 2, on_finding, ex);
}

static void print_new(struct mmt_exec *ex, unsigned long before)
{
	const struct mmt_report *r = &ex->res.report;

	if (!ex->o.trace)
		return;
	for (unsigned long i = before; i < r->total && i < r->nr; i++)
		fprintf(ex->o.trace, "        !! %s %s: %s\n", r->v[i].layer,
			r->v[i].id, r->v[i].message);
	if (r->total > r->nr && before < r->total)
		fprintf(ex->o.trace, "        !! (%lu violations so far)\n",
			r->total);
}

/* ------------------------------------------------------------ PAGES */

int mmt_exit_for_create(int ret)
{
	switch (ret) {
	case 0:
		return MMT_EXIT_OK;
	case -ENOMEM:
	case -ENOENT:
	case -EAGAIN:
	case -EMFILE:
	case -ENFILE:
	case -ENOSPC:
		return MMT_EXIT_ENV;
	default:
		return MMT_EXIT_USAGE;
	}
}

/* ------------------------------------------------------------ OBJECTS */

/* ------------------------------------------------------------ steps */

unsigned long mmt_exec_step(struct mmt_exec *ex, size_t i,
			    struct mmt_op_outcome *oc)
{
	struct mmt_report *r = &ex->res.report;
	unsigned long before = r->total;
	const struct mmt_layer *l;
	const struct mmt_op *op;
	unsigned int slot;

	if (oc) {
		memset(oc, 0, sizeof(*oc));
		oc->zone = -1;
		oc->pfn = UINT64_MAX;
	}
	if (!ex || ex->finished || i >= ex->prog->nr_ops) {
		if (oc)
			oc->skipped = 1;
		return 0;
	}
	op = &ex->prog->ops[i];
	slot = op->slot % MMT_NR_SLOTS;
	ex->cur_op = i;
	if (oc) {
		oc->kind = op->kind;
		oc->slot = slot;
	}
	if (ex->o.trace) {
		char line[512];

		mmt_op_format(op, line, sizeof(line));
		fprintf(ex->o.trace, "%6zu  %s", i, line);
	}
	mmt_crash_point(ex->ad->name, ex->prog, i, ex->o.trace);
	if (op->kind == MMT_OP_CHECK) {
		if (ex->o.trace)
			fprintf(ex->o.trace, "\n");
		full_check(ex, i);
	} else if ((l = mmt_layer_for(mmt_op_desc(op->kind)->set)) &&
		   ex->ls[l->set]) {
		ex->dirty = 1;
		l->step(ex, i, op, slot, oc);
	} else {
		/* not the program's op set: the codecs never make one */
		if (ex->o.trace)
			fprintf(ex->o.trace, " -> skipped (not in op set %s)\n",
				mmt_opset_name(ex->prog->opset));
		if (oc)
			oc->skipped = 1;
	}
	ex->res.ops_run++;
	if (ex->every && (i + 1) % ex->every == 0 && op->kind != MMT_OP_CHECK)
		full_check(ex, i);
	if (r->total != before) {
		capture_state(ex);
		print_new(ex, before);
	}
	return r->total - before;
}

void mmt_exec_finish(struct mmt_exec *ex)
{
	struct mmt_report *r = &ex->res.report;
	FILE *t = ex->o.trace;
	unsigned long before;

	if (ex->finished)
		return;
	ex->finished = 1;
	if (!ex->o.check_at_end)
		return;
	mmt_crash_point(ex->ad->name, ex->prog, MMT_CRASH_AT_END, t);
	before = r->total;
	if (t)
		fprintf(t, "   end  check\n");
	full_check(ex, SIZE_MAX);
	print_new(ex, before);
	capture_state(ex);
	if (r->total && ex->o.stop_on_violation)
		return;
	before = r->total;
	for (unsigned int s = 0; s < MMT_NR_OPSETS; s++)
		if (ex->ls[s])
			mmt_layer_for(s)->teardown(ex);
	for (unsigned int s = 0; s < MMT_NR_OPSETS; s++)
		if (ex->ls[s] && mmt_layer_for(s)->probe)
			mmt_layer_for(s)->probe(ex);
	if (t)
		fprintf(t, "   end  check after freeing every slot\n");
	full_check(ex, SIZE_MAX);
	print_new(ex, before);
	capture_state(ex);
}

const struct mmt_exec_result *mmt_exec_result(const struct mmt_exec *ex)
{
	return &ex->res;
}

/*
 * One closed executor is kept for the next open: a fuzzer opens one per
 * input, and ~9 KB of fresh memory each time (the result, its report and
 * state text) is page faults under the sanitizers' quarantine. Guarded by
 * spare_lock; freed at exit.
 */
static pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mmt_exec *spare_ex;
static int spare_registered;

static void spare_free(void)
{
	pthread_mutex_lock(&spare_lock);
	free(spare_ex);
	spare_ex = NULL;
	pthread_mutex_unlock(&spare_lock);
}

static struct mmt_exec *exec_state_alloc(void)
{
	struct mmt_exec *ex;

	pthread_mutex_lock(&spare_lock);
	ex = spare_ex;
	spare_ex = NULL;
	pthread_mutex_unlock(&spare_lock);
	if (!ex)
		return calloc(1, sizeof(*ex));
	memset(ex, 0, sizeof(*ex));
	return ex;
}

static void exec_state_free(struct mmt_exec *ex)
{
	pthread_mutex_lock(&spare_lock);
	if (!spare_registered) {
		spare_registered = 1;
		atexit(spare_free);
	}
	if (!spare_ex) {
		spare_ex = ex;
		ex = NULL;
	}
	pthread_mutex_unlock(&spare_lock);
	free(ex);
}

void mmt_exec_close(struct mmt_exec *ex)
{
	if (!ex)
		return;
	for (unsigned int s = 0; s < MMT_NR_OPSETS; s++)
		if (ex->ls[s])
			mmt_layer_for(s)->close(ex);
	if (ex->created)
		ex->ad->destroy(ex->state);
	mmt_arena_release(&ex->lease);
	mmt_crash_point(NULL, NULL, 0, NULL);
	exec_state_free(ex);
}

/* ------------------------------------------------------------ open */

/* Pick the arena: the adapter's own, or the one we mapped. */
static int get_arena(struct mmt_exec *ex, const struct mmt_adapter_env *env,
		     char *err, size_t errlen)
{
	struct mmt_arena *a = &ex->arena, got;
	char why[600];
	int ret;

	if (!(ex->ad->caps & MMT_CAP_OWN_ARENA)) {
		*a = env->arena;
		return 0;
	}
	memset(&got, 0, sizeof(got));
	ret = ex->ad->pages->arena(ex->state, &got);
	if (ret != 0 || !got.base || got.page_size == 0 ||
	    (got.page_size & (got.page_size - 1)) || got.nr_orders == 0) {
		snprintf(err, errlen,
			 "adapter '%s': pages->arena() gave no usable arena "
			 "(%d)",
			 ex->ad->name, ret);
		return MMT_EXIT_ENV;
	}
	/*
	 * The shadow holds the allocator to the map the machine line gives
	 * by the kernel's rules (harness/machine.c), never to the one the
	 * allocator reports: a reference that keeps one page too many would
	 * otherwise agree with itself. Only the base is the adapter's.
	 */
	mmt_arena_from_machine(&env->machine, got.base, a);
	if (mmt_arena_map_diff(a, &got, why, sizeof(why)))
		mmt_report_add(&ex->res.report, MMT_OP_BOOT, "shadow",
			       "SHADOW-MAP",
			       "the allocator's own map of memory is not the "
			       "machine's: %s",
			       why);
	return 0;
}

const struct mmt_opset_desc *mmt_prog_opset(const struct mmt_prog *prog,
					    char *err, size_t errlen)
{
	const struct mmt_opset_desc *set = mmt_opset_desc(prog->opset);

	if (!set)
		snprintf(err, errlen,
			 "the program names op set %u, which this build does "
			 "not know",
			 (unsigned int)prog->opset);
	return set;
}

/* The capability check: 0, or MMT_EXIT_USAGE with err naming it. */
static int needs_caps(const struct mmt_adapter *ad, const struct mmt_prog *prog,
		      char *err, size_t errlen)
{
	const struct mmt_opset_desc *set = mmt_prog_opset(prog, err, errlen);

	if (!set)
		return MMT_EXIT_USAGE;
	if ((ad->caps & set->caps) != set->caps) {
		snprintf(err, errlen,
			 "adapter '%s' has no %s capability; the program "
			 "needs %s (op set %s: %s)",
			 ad->name, set->caps_name, set->caps_name, set->name,
			 set->about);
		return MMT_EXIT_USAGE;
	}
	/* no machine needed unless the adapter works on pages */
	if (!(ad->caps & MMT_CAP_PAGES))
		return 0;
	if (mmt_machine_check(&prog->machine, NULL)) {
		snprintf(err, errlen, "the program's machine is not valid");
		return MMT_EXIT_USAGE;
	}
	return 0;
}

int mmt_exec_open(const struct mmt_adapter *ad, const char *options,
		  const struct mmt_prog *prog, const struct mmt_exec_opts *opts,
		  struct mmt_exec **out, char *err, size_t errlen)
{
	struct mmt_adapter_env env;
	struct mmt_exec *ex;
	int ret;
	char cerr[256] = "";
	char dummy[1];

	*out = NULL;
	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	ret = mmt_adapter_validate(ad, err, errlen);
	if (ret)
		return ret;
	ret = needs_caps(ad, prog, err, errlen);
	if (ret)
		return ret;
	ex = exec_state_alloc();
	if (!ex) {
		snprintf(err, errlen, "out of memory for the executor");
		return MMT_EXIT_ENV;
	}
	ex->ad = ad;
	ex->prog = prog;
	ex->dirty = 1; /* the booted machine is checked once */
	if (opts)
		ex->o = *opts;
	else
		mmt_exec_opts_default(&ex->o);
	ex->every = ex->o.check_every ? ex->o.check_every : prog->check_every;
	ex->strict = ex->o.strict < 0 ? !!(ad->caps & MMT_CAP_POLICY_BUDDY) :
					ex->o.strict;
	mmt_report_init(&ex->res.report);
	memset(&env, 0, sizeof(env));
	env.abi_version = MMT_ADAPTER_ABI_VERSION;
	env.struct_size = sizeof(env);
	env.options = options ? options : "";
	env.machine = prog->machine;
	env.nr_threads = 1;
	if ((ad->caps & MMT_CAP_PAGES) && !(ad->caps & MMT_CAP_OWN_ARENA)) {
		uint64_t bytes = mmt_machine_end_pfn(&prog->machine)
				 << prog->machine.page_shift;

		if (mmt_arena_lease(&prog->machine, &ex->lease)) {
			snprintf(err, errlen,
				 "cannot map a %llu-byte arena: %s",
				 (unsigned long long)bytes, strerror(errno));
			mmt_exec_close(ex);
			return MMT_EXIT_ENV;
		}
		mmt_arena_from_machine(&prog->machine, ex->lease.base,
				       &env.arena);
	}
	ret = mmt_adapter_create(ad, &env, &ex->state, cerr, sizeof(cerr));
	if (ret != 0) {
		snprintf(err, errlen, "adapter '%s': create failed: %s",
			 ad->name, cerr[0] ? cerr : strerror(-ret));
		mmt_exec_close(ex);
		return mmt_exit_for_create(ret);
	}
	ex->created = 1;
	if (ad->caps & MMT_CAP_PAGES) {
		ret = get_arena(ex, &env, err, errlen);
		if (ret) {
			mmt_exec_close(ex);
			return ret;
		}
	}
	ret = mmt_layer_for(prog->opset)->open(ex, err, errlen);
	if (ret) {
		mmt_exec_close(ex);
		return ret;
	}
	if (ad->cpu_enter)
		ad->cpu_enter(ex->state, 0);
	*out = ex;
	return 0;
}

int mmt_exec_run(const struct mmt_adapter *ad, const char *options,
		 const struct mmt_prog *prog, const struct mmt_exec_opts *opts,
		 struct mmt_exec_result *res, char *err, size_t errlen)
{
	struct mmt_exec *ex;
	int ret, stop = 0;

	memset(res, 0, sizeof(*res));
	mmt_report_init(&res->report);
	ret = mmt_exec_open(ad, options, prog, opts, &ex, err, errlen);
	if (ret)
		return ret;
	for (size_t i = 0; i < prog->nr_ops; i++) {
		if (mmt_exec_step(ex, i, NULL) && ex->o.stop_on_violation) {
			stop = 1;
			break;
		}
	}
	if (!stop)
		mmt_exec_finish(ex);
	*res = ex->res;
	ret = res->report.total ? MMT_EXIT_BUG : MMT_EXIT_OK;
	mmt_exec_close(ex);
	return ret;
}
