/* SPDX-License-Identifier: MIT */
/*
 * test_context.c - the context ops of the pages op set: their text and
 * binary round trip and parse errors, and the executor's context model
 * (harness/context.c) on ref-pages: CTX-SLEEP, CTX-LEAK, the unbalanced
 * ops it skips, ref's agreement (CTX-REPORT caught on adapters that lie
 * or refuse), and an old pages table without context().
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/exec.h>
#include <mmtorture/ops.h>

#include "leakcheck.h"
#include "prog_text.h"

static const char every_op[] =
	"# mmtorture ops v2\n"
	"opset pages\n"
	"machine profile=x86_64 era=6.12 page=4K orders=11 cpus=4 "
	"bank=8M@0\n"
	"check_every 0\n"
	"cpu cpu=3\n"
	"preempt_disable\n"
	"preempt_enable\n"
	"local_irq_disable\n"
	"local_irq_enable\n"
	"irq_enter\n"
	"irq_exit\n"
	"spin_lock lock=2\n"
	"spin_unlock lock=2\n"
	"local_bh_disable\n"
	"local_bh_enable\n"
	"alloc_page s0 gfp=GFP_KERNEL\n";

MMT_TEST(context, ops_round_trip_text_binary_text)
{
	struct mmt_prog p, q;
	uint8_t *bin;
	size_t len;
	char *text;

	parse(every_op, &p);
	cr_assert_eq(p.nr_ops, 12);
	cr_assert_eq(p.ops[0].kind, MMT_OP_CPU);
	cr_assert_eq(p.ops[0].cpu, 3);
	cr_assert_eq(p.ops[7].lock, 2);
	text = mmt_prog_format_text(&p);
	cr_assert_str_eq(text, every_op);
	cr_assert_eq(mmt_prog_encode(&p, &bin, &len), 0);
	cr_assert_eq(mmt_prog_decode(bin, len, &q), 0);
	cr_assert_eq(q.nr_ops, p.nr_ops);
	for (size_t i = 0; i < p.nr_ops; i++) {
		cr_assert_eq(q.ops[i].kind, p.ops[i].kind, "op %zu", i);
		cr_assert_eq(q.ops[i].cpu, p.ops[i].cpu, "op %zu", i);
		cr_assert_eq(q.ops[i].lock, p.ops[i].lock, "op %zu", i);
	}
	free(text);
	text = mmt_prog_format_text(&q);
	cr_assert_str_eq(text, every_op);
	free(text);
	free(bin);
	mmt_prog_free(&p);
	mmt_prog_free(&q);
}

MMT_TEST(context, bad_context_ops_are_refused_with_their_field)
{
	parse_fails("machine cpus=2\ncpu cpu=2\n", "cpu");
	parse_fails("cpu\n", "cpu");
	parse_fails("spin_lock lock=4\n", "lock");
	parse_fails("spin_unlock\n", "lock");
	parse_fails("preempt_disable s0\n", "op");
	parse_fails("irq_enter lock=1\n", "op");
}

static int run(const struct mmt_adapter *ad, const char *text, int caller,
	       struct mmt_exec_result *res)
{
	struct mmt_prog p;
	struct mmt_exec_opts o;
	char err[256] = "";
	int ret;

	parse(text, &p);
	mmt_exec_opts_default(&o);
	o.stop_on_violation = 0;
	o.caller_rules = caller;
	ret = mmt_exec_run(ad, "", &p, &o, res, err, sizeof(err));
	cr_assert_neq(ret, MMT_EXIT_USAGE, "%s", err);
	mmt_prog_free(&p);
	return ret;
}

static const char sleeping[] = "machine cpus=2 bank=8M@0\n"
			       "spin_lock lock=0\n"
			       "alloc_page s0 gfp=GFP_ATOMIC\n"
			       "get_free_page s1 gfp=GFP_NOWAIT\n"
			       "alloc_pages s2 order=1 gfp=GFP_KERNEL\n"
			       "spin_unlock lock=0\n"
			       "cpu cpu=1\n"
			       "irq_enter\n"
			       "get_zeroed_page s3 gfp=GFP_NOIO\n"
			       "irq_exit\n"
			       "local_irq_disable\n"
			       "alloc_page s4 gfp=GFP_ATOMIC\n"
			       "local_irq_enable\n"
			       "alloc_page s5 gfp=GFP_KERNEL\n";

MMT_TEST(context, sleeping_allocations_in_atomic_context_are_ctx_sleep)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&mmt_adapter_ref_pages, sleeping, 1, &res),
		     MMT_EXIT_BUG);
	cr_assert_eq(res.report.total, 2, "%s", ids(&res));
	cr_assert_str_eq(res.report.v[0].id, "CTX-SLEEP");
	cr_assert_eq(res.report.v[0].op_index, 3);
	cr_assert_str_eq(res.report.v[0].layer, "context");
	cr_assert_str_eq(res.report.v[1].id, "CTX-SLEEP");
	cr_assert_eq(res.report.v[1].op_index, 7);
	cr_assert_eq(res.allocs, 6, "the allocations still proceed");
}

MMT_TEST(context, caller_rules_off_tracks_without_a_finding)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&mmt_adapter_ref_pages, sleeping, 0, &res),
		     MMT_EXIT_OK, "%s", ids(&res));
	cr_assert_eq(run(&mmt_adapter_ref_pages,
			 "preempt_disable\nspin_lock lock=1\n", 0, &res),
		     MMT_EXIT_OK, "%s", ids(&res));
}

MMT_TEST(context, a_cpu_left_atomic_is_ctx_leak_and_is_unwound)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&mmt_adapter_ref_pages,
			 "machine cpus=3\n"
			 "cpu cpu=1\npreempt_disable\nspin_lock lock=3\n"
			 "cpu cpu=2\nlocal_bh_disable\nirq_enter\n"
			 "local_irq_disable\n"
			 "cpu cpu=0\nalloc_page s0\n",
			 1, &res),
		     MMT_EXIT_BUG);
	cr_assert_eq(res.report.total, 2, "%s", ids(&res));
	cr_assert_str_eq(res.report.v[0].id, "CTX-LEAK");
	cr_assert_eq(res.report.v[0].op_index, MMT_OP_END);
	cr_assert(strstr(res.report.v[0].message, "cpu 1 "), "%s",
		  res.report.v[0].message);
	cr_assert(strstr(res.report.v[1].message, "cpu 2 "), "%s",
		  res.report.v[1].message);
	/* the probe ran in process context: no CTX-REPORT; and the parked
	 * machine comes back balanced */
	cr_assert_eq(run(&mmt_adapter_ref_pages,
			 "machine cpus=3\ncpu cpu=1\nalloc_page s0\n"
			 "cpu cpu=2\nalloc_page s1\n",
			 1, &res),
		     MMT_EXIT_OK, "%s", ids(&res));
}

MMT_TEST(context, unbalanced_ops_are_skipped)
{
	struct mmt_exec_result res;

	/* each would unbalance: skipped, so nothing is atomic after them
	 * and ref (which would count them) never sees them */
	cr_assert_eq(run(&mmt_adapter_ref_pages,
			 "machine cpus=2\n"
			 "preempt_enable\nirq_exit\nlocal_bh_enable\n"
			 "spin_unlock lock=0\n"
			 "spin_lock lock=1\ncpu cpu=1\nspin_lock lock=1\n"
			 "spin_unlock lock=1\nalloc_page s0\n"
			 "cpu cpu=0\nspin_unlock lock=1\nalloc_page s1\n",
			 1, &res),
		     MMT_EXIT_OK, "%s", ids(&res));
}

/* ref-pages with a context() that drops preempt_disable, or refuses. */
static int lie_mode;

static int liar_context(void *state, uint32_t op, uint32_t arg)
{
	if (lie_mode == 1 && op == MMT_CTX_PREEMPT_DISABLE)
		return 0;
	if (lie_mode == 2 && op == MMT_CTX_IRQ_ENTER)
		return -EIO;
	return mmt_adapter_ref_pages.pages->context(state, op, arg);
}

static struct mmt_pages_ops liar_pages;
static struct mmt_adapter liar;

static const struct mmt_adapter *make_liar(int mode, size_t pages_size)
{
	lie_mode = mode;
	liar_pages = *mmt_adapter_ref_pages.pages;
	liar_pages.context = liar_context;
	liar_pages.struct_size = (uint32_t)pages_size;
	liar = mmt_adapter_ref_pages;
	liar.pages = &liar_pages;
	return &liar;
}

MMT_TEST(context, an_allocator_that_misses_the_context_is_ctx_report)
{
	struct mmt_exec_result res;
	const struct mmt_adapter *ad =
		make_liar(1, sizeof(struct mmt_pages_ops));

	cr_assert_eq(run(ad, "preempt_disable\nalloc_page s0\npreempt_enable\n",
			 0, &res),
		     MMT_EXIT_BUG);
	cr_assert_eq(res.report.total, 1, "%s", ids(&res));
	cr_assert_str_eq(res.report.v[0].id, "CTX-REPORT");
	cr_assert_str_eq(res.report.v[0].layer, "adapter");
	cr_assert_eq(res.report.v[0].op_index, 1);
	/* a GFP_ATOMIC allocation there is fine either way */
	cr_assert_eq(run(ad,
			 "preempt_disable\nalloc_page s0 gfp=GFP_ATOMIC\n"
			 "preempt_enable\n",
			 0, &res),
		     MMT_EXIT_OK, "%s", ids(&res));
}

MMT_TEST(context, a_refused_context_call_is_ctx_report)
{
	struct mmt_exec_result res;
	const struct mmt_adapter *ad =
		make_liar(2, sizeof(struct mmt_pages_ops));

	cr_assert_eq(run(ad, "irq_enter\nirq_exit\n", 0, &res), MMT_EXIT_BUG);
	cr_assert_str_eq(res.report.v[0].id, "CTX-REPORT");
	cr_assert(strstr(res.report.v[0].message, "refused with -5"), "%s",
		  res.report.v[0].message);
}

MMT_TEST(context, a_pages_table_without_context_still_runs)
{
	struct mmt_exec_result res;
	/* built before context() was appended: the harness must not read
	 * it (were it called, it would lie and CTX-REPORT would say so) */
	const struct mmt_adapter *ad =
		make_liar(1, offsetof(struct mmt_pages_ops, context));

	cr_assert_eq(run(ad, "preempt_disable\nalloc_page s0\npreempt_enable\n",
			 1, &res),
		     MMT_EXIT_BUG);
	cr_assert_eq(res.report.total, 1, "%s", ids(&res));
	cr_assert_str_eq(res.report.v[0].id, "CTX-SLEEP",
			 "the harness tracks the context itself");
}

/* Random pages programs (context ops among them, up to 4 CPUs): ref
 * agrees with the harness's context at every allocation. */
MMT_TEST(context, ref_pages_agrees_on_random_programs)
{
	uint64_t s = 11;
	uint64_t sleeps = 0;

	for (int i = 0; i < 150; i++) {
		uint8_t buf[300];
		struct mmt_prog p;
		struct mmt_exec_opts o;
		struct mmt_exec_result res;
		char err[256];
		int ret;

		for (size_t k = 0; k < sizeof(buf); k++) {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			buf[k] = (uint8_t)(s >> 56);
		}
		buf[0] = MMT_OPSET_PAGES;
		buf[1] = (uint8_t)(i % 6);
		cr_assert_eq(mmt_prog_decode(buf, sizeof(buf), &p), 0);
		mmt_exec_opts_default(&o);
		o.caller_rules = 0;
		ret = mmt_exec_run(&mmt_adapter_ref_pages, "", &p, &o, &res,
				   err, sizeof(err));
		cr_assert_eq(ret, MMT_EXIT_OK, "input %d: %s %s", i, err,
			     ids(&res));
		o.caller_rules = 1;
		ret = mmt_exec_run(&mmt_adapter_ref_pages, "", &p, &o, &res,
				   err, sizeof(err));
		for (size_t v = 0; v < res.report.nr; v++)
			cr_assert(strncmp(res.report.v[v].id, "CTX-SLEEP", 9) ==
						  0 ||
					  strcmp(res.report.v[v].id,
						 "CTX-LEAK") == 0 ||
					  strcmp(res.report.v[v].id,
						 "NOFAIL-STUCK") == 0 ||
					  strcmp(res.report.v[v].id,
						 "GFP-ZONE-BAD") == 0,
				  "input %d: %s", i, ids(&res));
		sleeps += ret == MMT_EXIT_BUG;
		mmt_prog_free(&p);
	}
	cr_assert_gt(sleeps, 0, "no random program broke a context rule");
}

/* ------------------------------------------------------ CPU hotplug */

MMT_TEST(context, hotplug_ops_round_trip_and_need_their_cpu)
{
	static const char text[] = "# mmtorture ops v2\n"
				   "opset pages\n"
				   "machine profile=x86_64 era=6.12 page=4K "
				   "orders=11 cpus=4 bank=8M@0\n"
				   "check_every 0\n"
				   "cpu_offline cpu=3\n"
				   "cpu_online cpu=3\n";
	struct mmt_prog p, q;
	uint8_t *bin;
	size_t len;
	char *out;

	parse(text, &p);
	cr_assert_eq(p.nr_ops, 2);
	cr_assert_eq(p.ops[0].kind, MMT_OP_CPU_OFFLINE);
	cr_assert_eq(p.ops[1].kind, MMT_OP_CPU_ONLINE);
	cr_assert_eq(p.ops[1].cpu, 3);
	cr_assert_eq(mmt_prog_encode(&p, &bin, &len), 0);
	cr_assert_eq(mmt_prog_decode(bin, len, &q), 0);
	out = mmt_prog_format_text(&q);
	cr_assert_str_eq(out, text);
	free(out);
	free(bin);
	mmt_prog_free(&p);
	mmt_prog_free(&q);
	parse_fails("machine cpus=2\ncpu_offline cpu=2\n", "cpu");
	parse_fails("cpu_online\n", "cpu");
}

/* The hotplug calls ref-pages was asked for, in order ("-1 +1 ..."). */
static char hotplug_calls[256];
static int hotplug_refuse;

static int hotplug_context(void *state, uint32_t op, uint32_t arg)
{
	size_t n = strlen(hotplug_calls);

	if (op == MMT_CTX_CPU_OFFLINE || op == MMT_CTX_CPU_ONLINE) {
		snprintf(hotplug_calls + n, sizeof(hotplug_calls) - n, "%s%c%u",
			 n ? " " : "", op == MMT_CTX_CPU_OFFLINE ? '-' : '+',
			 arg);
		if (hotplug_refuse)
			return -EBUSY;
	}
	return mmt_adapter_ref_pages.pages->context(state, op, arg);
}

/* ref-pages recording its hotplug calls; without its checker, which
 * wants every CPU's pcp high inside the bounds a hotplug just moved. */
static const struct mmt_adapter *make_recorder(int refuse)
{
	hotplug_calls[0] = '\0';
	hotplug_refuse = refuse;
	liar_pages = *mmt_adapter_ref_pages.pages;
	liar_pages.context = hotplug_context;
	liar = mmt_adapter_ref_pages;
	liar.pages = &liar_pages;
	liar.check = NULL;
	liar.caps &= ~MMT_CAP_CHECK;
	return &liar;
}

MMT_TEST(context, hotplug_reaches_the_adapter_only_when_the_kernel_would)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(make_recorder(0),
			 "machine cpus=3 bank=8M@0\n"
			 "cpu cpu=1\nalloc_page s0\n"
			 "cpu_offline cpu=1\n" /* -1, the thread to cpu 0 */
			 "cpu cpu=1\n" /* skipped: offline */
			 "cpu_offline cpu=1\n" /* skipped: offline */
			 "cpu_offline cpu=2\n" /* -2 */
			 "cpu_offline cpu=0\n" /* skipped: the last */
			 "preempt_disable\n"
			 "cpu_online cpu=1\n" /* skipped: atomic */
			 "preempt_enable\n"
			 "cpu_online cpu=1\n" /* +1 */
			 "cpu_online cpu=1\n" /* skipped: online */
			 "cpu cpu=1\npreempt_disable\ncpu cpu=0\n"
			 "cpu_offline cpu=1\n" /* skipped: cpu 1 atomic */
			 "cpu cpu=1\npreempt_enable\nfree_page s0\n"
			 "alloc_page s1 gfp=GFP_KERNEL\n", /* on cpu 1 */
			 1, &res),
		     MMT_EXIT_OK, "%s", ids(&res));
	/* cpu 2 comes back up when the context is unwound at the end */
	cr_assert_str_eq(hotplug_calls, "-1 -2 +1 +2");
	cr_assert_eq(res.allocs, 2);
}

MMT_TEST(context, a_refused_hotplug_is_ctx_report)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(make_recorder(1),
			 "machine cpus=2 bank=8M@0\ncpu_offline cpu=1\n", 0,
			 &res),
		     MMT_EXIT_BUG);
	cr_assert_str_eq(res.report.v[0].id, "CTX-REPORT");
	cr_assert(strstr(res.report.v[0].message, "refused with -16"), "%s",
		  res.report.v[0].message);
}
