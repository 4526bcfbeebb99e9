/* SPDX-License-Identifier: MIT */
/*
 * context.c - the execution context of each simulated CPU as the harness
 * sees it, independent of ref/ (no ref header): the context ops of a
 * pages program (docs/op-format.md, "Context"), the atomic-context rule
 * of allocations and its findings.
 *
 * Model: per CPU, preempt_disable() nesting, spinlocks held, irq_enter()
 * and local_bh_disable() nesting and the irq flag; a CPU is atomic when
 * any count is non-zero or irqs are off (the kernel's in_atomic() ||
 * irqs_disabled(), preempt_count() holding every count). Ops that would
 * unbalance it (an enable without its disable, irq_exit outside an
 * interrupt, the unlock of a lock the CPU does not hold, the lock of a
 * held one, a nesting past the kernel's field) are skipped, like the
 * free of an empty slot: the allocator only ever sees balanced calls.
 *
 * CPU hot-unplug: which CPUs are online (all at the start). cpu_offline
 * is skipped for an offline CPU, the last online one, a CPU in atomic
 * context (stop_machine would wait for it to leave) and from atomic
 * context (cpu_down() sleeps); cpu_online for an online CPU and from
 * atomic context. A thread cannot run on an offline CPU: the cpu op to
 * one is skipped, and the thread on a CPU taken down moves to the lowest
 * online CPU (the kernel migrates its tasks). At the end of input every
 * offline CPU comes back up, so the next run starts on a whole machine.
 *
 * Findings: CTX-SLEEP, an allocation whose mask has __GFP_DIRECT_RECLAIM
 * on an atomic CPU (the kernel's might_sleep BUG; the caller's, so only
 * with caller_rules); CTX-LEAK, a CPU left atomic at the end of input
 * (caller_rules); CTX-REPORT, the adapter disagreed: it answers
 * MMT_CTX_SLEEP_REPORTS and its count did not rise by exactly one at a
 * CTX-SLEEP allocation and by none at any other, or it refused a
 * balanced call.
 */
#include <errno.h>
#include <string.h>

#include "context.h"

int (*mmt_pages_context_fn(const struct mmt_pages_ops *pages))(void *, uint32_t,
							       uint32_t)
{
	if (!pages ||
	    !MMT_ABI_HAS(struct mmt_pages_ops, context, pages->struct_size))
		return NULL;
	return pages->context;
}

void mmt_ctx_init(struct mmt_ctx *c, const struct mmt_adapter *ad, void *state,
		  unsigned int nr_cpus, int caller_rules)
{
	memset(c, 0, sizeof(*c));
	c->nr_cpus = nr_cpus ? nr_cpus : 1;
	if (c->nr_cpus > MMT_CTX_MAX_CPUS)
		c->nr_cpus = MMT_CTX_MAX_CPUS;
	for (unsigned int l = 0; l < MMT_CTX_NR_LOCKS; l++)
		c->lock_owner[l] = -1;
	c->online = c->nr_cpus >= 64 ? ~0ULL : (1ULL << c->nr_cpus) - 1;
	c->caller_rules = caller_rules;
	c->fn = (ad->caps & MMT_CAP_PAGES) ? mmt_pages_context_fn(ad->pages) :
					     NULL;
	c->cpu_enter = ad->cpu_enter;
	c->state = state;
	c->counts = c->fn && c->fn(state, MMT_CTX_SLEEP_REPORTS, 0) >= 0;
}

static int cpu_atomic(const struct mmt_ctx_cpu *p)
{
	return p->preempt || p->locks || p->hardirq || p->bh || p->irqs_off;
}

int mmt_ctx_atomic(const struct mmt_ctx *c)
{
	return cpu_atomic(&c->cpu[c->cur]);
}

int mmt_ctx_cpu_online(const struct mmt_ctx *c, unsigned int cpu)
{
	return cpu < c->nr_cpus && ((c->online >> cpu) & 1);
}

/* Why hotplug op (cpu_offline, cpu_online) cannot run now, or NULL. */
static const char *hotplug_refused(const struct mmt_ctx *c,
				   const struct mmt_op *op)
{
	unsigned int cpu = op->cpu;
	int up = mmt_ctx_cpu_online(c, cpu);

	if (cpu >= c->nr_cpus)
		return "no such cpu";
	if (cpu_atomic(&c->cpu[c->cur]))
		return "cpu hotplug may sleep: this cpu is in atomic context";
	if (op->kind == MMT_OP_CPU_ONLINE)
		return up ? "the cpu is online" : NULL;
	if (!up)
		return "the cpu is offline";
	if (__builtin_popcountll(c->online) == 1)
		return "the last online cpu";
	if (cpu_atomic(&c->cpu[cpu]))
		return "the cpu is in atomic context (stop_machine would wait "
		       "for it)";
	return NULL;
}

/* The lowest online CPU (there is always one). */
static unsigned int first_online(const struct mmt_ctx *c)
{
	return c->online ? (unsigned int)__builtin_ctzll(c->online) : 0;
}

/* "preempt 1, locks 1, hardirq 0, softirq 0, irqs off" */
static void describe(const struct mmt_ctx_cpu *p, char *buf, size_t len)
{
	snprintf(buf, len, "preempt %u, locks %u, hardirq %u, bh %u, irqs %s",
		 p->preempt, p->locks, p->hardirq, p->bh,
		 p->irqs_off ? "off" : "on");
}

/* Hand a balanced call to the adapter, if it has the entry. */
static void call(struct mmt_ctx *c, size_t i, uint32_t op, uint32_t arg,
		 struct mmt_report *r)
{
	int ret;

	if (!c->fn)
		return;
	ret = c->fn(c->state, op, arg);
	if (ret < 0 && r)
		mmt_report_add(r, i, "adapter", "CTX-REPORT",
			       "context call %u (arg %u) on cpu %u refused "
			       "with %d",
			       op, arg, c->cur, ret);
}

/* Why op cannot run now, or NULL. */
static const char *unbalanced(const struct mmt_ctx *c, const struct mmt_op *op)
{
	const struct mmt_ctx_cpu *p = &c->cpu[c->cur];
	int owner = c->lock_owner[op->lock % MMT_CTX_NR_LOCKS];

	switch (op->kind) {
	case MMT_OP_PREEMPT_DISABLE:
		return p->preempt + p->locks >= MMT_CTX_MAX_PREEMPT ?
			       "preemption nested to the field's limit" :
			       NULL;
	case MMT_OP_PREEMPT_ENABLE:
		return p->preempt ? NULL : "no preempt_disable to undo";
	case MMT_OP_IRQ_ENTER:
		return p->hardirq >= MMT_CTX_MAX_HARDIRQ ?
			       "hardirqs nested to the field's limit" :
			       NULL;
	case MMT_OP_IRQ_EXIT:
		return p->hardirq ? NULL : "not in a hardirq";
	case MMT_OP_LOCAL_BH_DISABLE:
		return p->bh >= MMT_CTX_MAX_BH ?
			       "bottom halves nested to the limit" :
			       NULL;
	case MMT_OP_LOCAL_BH_ENABLE:
		return p->bh ? NULL : "no local_bh_disable to undo";
	case MMT_OP_SPIN_LOCK:
		if (owner >= 0)
			return (unsigned int)owner == c->cur ?
				       "the lock is held by this cpu "
				       "(recursion)" :
				       "the lock is held by another cpu (it "
				       "would spin for ever)";
		return p->preempt + p->locks >= MMT_CTX_MAX_PREEMPT ?
			       "preemption nested to the field's limit" :
			       NULL;
	case MMT_OP_SPIN_UNLOCK:
		if (owner < 0)
			return "the lock is not held";
		return (unsigned int)owner == c->cur ?
			       NULL :
			       "the lock is held by another cpu";
	case MMT_OP_CPU_OFFLINE:
	case MMT_OP_CPU_ONLINE:
		return hotplug_refused(c, op);
	case MMT_OP_ISOLATE_PAGEBLOCK:
	case MMT_OP_UNDO_ISOLATE_PAGEBLOCK:
		return cpu_atomic(p) ? "page isolation may sleep: this cpu is "
				       "in atomic context" :
				       NULL;
	default:
		return NULL;
	}
}

/* A hotplug op that may run (hotplug_refused said NULL). 0. */
static int hotplug(struct mmt_ctx *c, size_t i, const struct mmt_op *op,
		   struct mmt_report *r, FILE *trace)
{
	unsigned int cpu = op->cpu;

	call(c, i, mmt_op_desc(op->kind)->api, cpu, r);
	if (op->kind == MMT_OP_CPU_ONLINE) {
		c->online |= 1ULL << cpu;
		if (trace)
			fprintf(trace, " -> cpu %u online\n", cpu);
		return 0;
	}
	c->online &= ~(1ULL << cpu);
	if (trace)
		fprintf(trace, " -> cpu %u offline", cpu);
	if (cpu == c->cur) {
		/* the kernel migrates the tasks of a dying CPU */
		c->cur = first_online(c);
		c->switched = 1;
		if (c->cpu_enter)
			c->cpu_enter(c->state, c->cur);
		if (trace)
			fprintf(trace, ", the thread moves to cpu %u", c->cur);
	}
	if (trace)
		fprintf(trace, "\n");
	return 0;
}

/* An isolation op: the allocator's refusal is the kernel's answer. */
static int isolation(struct mmt_ctx *c, const struct mmt_op *op, FILE *trace)
{
	int ret =
		c->fn ? c->fn(c->state, mmt_op_desc(op->kind)->api, op->count) :
			-EOPNOTSUPP;

	if (trace) {
		if (ret < 0)
			fprintf(trace, " -> refused (%d)\n", ret);
		else
			fprintf(trace, " -> pageblock %u %s\n", op->count,
				op->kind == MMT_OP_ISOLATE_PAGEBLOCK ?
					"isolated" :
					"given back");
	}
	return 0;
}

int mmt_ctx_step(struct mmt_ctx *c, size_t i, const struct mmt_op *op,
		 struct mmt_report *r, FILE *trace)
{
	struct mmt_ctx_cpu *p;
	const char *why;
	char d[120];

	if (op->kind == MMT_OP_CPU) {
		if (!mmt_ctx_cpu_online(c, op->cpu % c->nr_cpus)) {
			if (trace)
				fprintf(trace,
					" -> skipped (cpu %u is offline: no "
					"task runs there)\n",
					op->cpu % c->nr_cpus);
			return 1;
		}
		c->cur = op->cpu % c->nr_cpus;
		c->switched = 1;
		if (c->cpu_enter)
			c->cpu_enter(c->state, c->cur);
		if (trace)
			fprintf(trace, " -> on cpu %u\n", c->cur);
		return 0;
	}
	mmt_ctx_enter(c);
	why = unbalanced(c, op);
	if (why) {
		if (trace)
			fprintf(trace, " -> skipped (%s)\n", why);
		return 1;
	}
	p = &c->cpu[c->cur];
	switch (op->kind) {
	case MMT_OP_PREEMPT_DISABLE:
		p->preempt++;
		break;
	case MMT_OP_PREEMPT_ENABLE:
		p->preempt--;
		break;
	case MMT_OP_LOCAL_IRQ_DISABLE:
		p->irqs_off = 1;
		break;
	case MMT_OP_LOCAL_IRQ_ENABLE:
		p->irqs_off = 0;
		break;
	case MMT_OP_IRQ_ENTER:
		p->hardirq++;
		break;
	case MMT_OP_IRQ_EXIT:
		p->hardirq--;
		break;
	case MMT_OP_SPIN_LOCK:
		c->lock_owner[op->lock % MMT_CTX_NR_LOCKS] = (int)c->cur;
		p->locks++;
		break;
	case MMT_OP_SPIN_UNLOCK:
		c->lock_owner[op->lock % MMT_CTX_NR_LOCKS] = -1;
		p->locks--;
		break;
	case MMT_OP_LOCAL_BH_DISABLE:
		p->bh++;
		break;
	case MMT_OP_LOCAL_BH_ENABLE:
		p->bh--;
		break;
	case MMT_OP_CPU_OFFLINE:
	case MMT_OP_CPU_ONLINE:
		return hotplug(c, i, op, r, trace);
	case MMT_OP_ISOLATE_PAGEBLOCK:
	case MMT_OP_UNDO_ISOLATE_PAGEBLOCK:
		return isolation(c, op, trace);
	default:
		return 1;
	}
	call(c, i, mmt_op_desc(op->kind)->api, op->lock % MMT_CTX_NR_LOCKS, r);
	if (trace) {
		describe(p, d, sizeof(d));
		fprintf(trace, " -> cpu %u: %s\n", c->cur, d);
	}
	return 0;
}

void mmt_ctx_enter(struct mmt_ctx *c)
{
	/* a thread runs as one CPU of one machine at a time (ref's
	 * cpu_enter is per thread): a run in lockstep with another (diff)
	 * enters its CPU again before each call */
	if (c->switched && c->cpu_enter)
		c->cpu_enter(c->state, c->cur);
}

static long sleep_reports(struct mmt_ctx *c)
{
	return c->counts ? c->fn(c->state, MMT_CTX_SLEEP_REPORTS, 0) : -1;
}

void mmt_ctx_before_alloc(struct mmt_ctx *c, size_t i, uint32_t kind,
			  uint32_t gfp, struct mmt_report *r, FILE *trace)
{
	const struct mmt_ctx_cpu *p = &c->cpu[c->cur];
	char d[120], g[200];

	mmt_ctx_enter(c);
	c->expect = (gfp & MMT_GFP_DIRECT_RECLAIM) && cpu_atomic(p);
	c->before = sleep_reports(c);
	if (!c->expect)
		return;
	c->sleeps++;
	if (trace)
		fprintf(trace, " (may sleep in atomic context)");
	if (!c->caller_rules)
		return;
	describe(p, d, sizeof(d));
	mmt_gfp_format(gfp, g, sizeof(g));
	mmt_report_add(r, i, "context", "CTX-SLEEP",
		       "%s with %s may sleep (__GFP_DIRECT_RECLAIM) but cpu "
		       "%u is in atomic context (%s): the kernel's \"BUG: "
		       "sleeping function called from invalid context\"",
		       mmt_op_name(kind), g, c->cur, d);
}

void mmt_ctx_after_alloc(struct mmt_ctx *c, size_t i, struct mmt_report *r)
{
	long after, want;

	if (c->before < 0)
		return;
	after = sleep_reports(c);
	want = c->before + (c->expect ? 1 : 0);
	if (after == want)
		return;
	mmt_report_add(r, i, "adapter", "CTX-REPORT",
		       "the allocator's count of allocations that may sleep in "
		       "atomic context went from %ld to %ld; the context (cpu "
		       "%u %s) says %ld",
		       c->before, after, c->cur,
		       c->expect ? "atomic, the mask may sleep" :
				   "not atomic or a mask that cannot sleep",
		       want);
}

/* Undo every count of CPU cpu through the adapter. */
static void unwind(struct mmt_ctx *c, unsigned int cpu, struct mmt_report *r)
{
	struct mmt_ctx_cpu *p = &c->cpu[cpu];

	if (c->cpu_enter)
		c->cpu_enter(c->state, cpu);
	c->cur = cpu;
	for (unsigned int l = 0; l < MMT_CTX_NR_LOCKS; l++)
		if (c->lock_owner[l] == (int)cpu) {
			call(c, MMT_OP_END, MMT_CTX_SPIN_UNLOCK, l, r);
			c->lock_owner[l] = -1;
		}
	for (; p->hardirq; p->hardirq--)
		call(c, MMT_OP_END, MMT_CTX_IRQ_EXIT, 0, r);
	for (; p->bh; p->bh--)
		call(c, MMT_OP_END, MMT_CTX_BH_ENABLE, 0, r);
	for (; p->preempt; p->preempt--)
		call(c, MMT_OP_END, MMT_CTX_PREEMPT_ENABLE, 0, r);
	if (p->irqs_off)
		call(c, MMT_OP_END, MMT_CTX_IRQ_ENABLE, 0, r);
	memset(p, 0, sizeof(*p));
}

void mmt_ctx_finish(struct mmt_ctx *c, struct mmt_report *r, FILE *trace)
{
	char d[120];

	for (unsigned int cpu = 0; cpu < c->nr_cpus; cpu++) {
		const struct mmt_ctx_cpu *p = &c->cpu[cpu];

		if (!cpu_atomic(p))
			continue;
		describe(p, d, sizeof(d));
		if (trace)
			fprintf(trace,
				"   end  cpu %u left in atomic context (%s): "
				"unwound\n",
				cpu, d);
		if (c->caller_rules && r)
			mmt_report_add(r, MMT_OP_END, "context", "CTX-LEAK",
				       "cpu %u is left in atomic context at "
				       "the end of input (%s)",
				       cpu, d);
		unwind(c, cpu, r);
		c->switched = 1;
	}
	for (unsigned int cpu = 0; cpu < c->nr_cpus; cpu++) {
		if (mmt_ctx_cpu_online(c, cpu))
			continue;
		if (trace)
			fprintf(trace, "   end  cpu %u offline: brought up\n",
				cpu);
		call(c, MMT_OP_END, MMT_CTX_CPU_ONLINE, cpu, r);
		c->online |= 1ULL << cpu;
	}
	if (c->switched && c->cpu_enter)
		c->cpu_enter(c->state, 0);
	c->cur = 0;
	c->switched = 0;
}
