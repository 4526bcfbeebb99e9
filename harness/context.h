/* SPDX-License-Identifier: MIT */
/*
 * context.h - the harness's own model of each simulated CPU's execution
 * context (harness/context.c), for the pages layer. No ref header.
 */
#ifndef MMT_CONTEXT_H
#define MMT_CONTEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mmtorture/adapter.h>
#include <mmtorture/ops.h>
#include <mmtorture/report.h>

#define MMT_CTX_MAX_CPUS 64u /* the machine grammar's cpus limit */
#define MMT_CTX_MAX_PREEMPT 255u /* the kernel's preemption field */
#define MMT_CTX_MAX_HARDIRQ 15u /* the hardirq field */
#define MMT_CTX_MAX_BH 127u /* local_bh_disable() nesting both eras hold */

struct mmt_ctx_cpu {
	uint32_t preempt; /* preempt_disable() nesting, locks not counted */
	uint32_t locks; /* spinlocks held */
	uint32_t hardirq; /* irq_enter() nesting */
	uint32_t bh; /* local_bh_disable() nesting */
	int irqs_off; /* local_irq_disable() */
};

struct mmt_ctx {
	unsigned int nr_cpus; /* the machine's */
	unsigned int cur; /* the CPU ops run on */
	int switched; /* a cpu op ran: the thread goes back to CPU 0 */
	struct mmt_ctx_cpu cpu[MMT_CTX_MAX_CPUS];
	int lock_owner[MMT_CTX_NR_LOCKS]; /* CPU holding it, -1: free */
	uint64_t online; /* CPUs online (cpu_offline/cpu_online), a bit each */
	int caller_rules; /* report CTX-SLEEP and CTX-LEAK */
	/* the adapter: its context call (NULL: none) and cpu_enter */
	int (*fn)(void *state, uint32_t op, uint32_t arg);
	void (*cpu_enter)(void *state, unsigned int cpu);
	void *state;
	int counts; /* fn answers MMT_CTX_SLEEP_REPORTS */
	long before; /* its count before the running allocation */
	int expect; /* the running allocation must be reported */
	uint64_t sleeps; /* CTX-SLEEP cases seen, reported or not */
};

/* pages->context of a table read through its struct_size, or NULL. */
int (*mmt_pages_context_fn(const struct mmt_pages_ops *pages))(void *, uint32_t,
							       uint32_t);

void mmt_ctx_init(struct mmt_ctx *c, const struct mmt_adapter *ad, void *state,
		  unsigned int nr_cpus, int caller_rules);
/* Whether the running CPU is in atomic context (or has irqs off). */
int mmt_ctx_atomic(const struct mmt_ctx *c);
/* Run a context op (MMT_ROLE_CONTEXT) at op index i; 1 when skipped. */
int mmt_ctx_step(struct mmt_ctx *c, size_t i, const struct mmt_op *op,
		 struct mmt_report *r, FILE *trace);
/* Enter the running CPU again before an adapter call (after a cpu op). */
void mmt_ctx_enter(struct mmt_ctx *c);
/* Around an allocation with the mask the adapter gets. */
void mmt_ctx_before_alloc(struct mmt_ctx *c, size_t i, uint32_t kind,
			  uint32_t gfp, struct mmt_report *r, FILE *trace);
void mmt_ctx_after_alloc(struct mmt_ctx *c, size_t i, struct mmt_report *r);
/* Whether CPU cpu is online (hot-unplug: cpu_offline, cpu_online). */
int mmt_ctx_cpu_online(const struct mmt_ctx *c, unsigned int cpu);
/* End of input: CTX-LEAK per CPU left in atomic context, then every CPU
 * unwound through the adapter, every offline CPU brought back up, and
 * the thread back on CPU 0. */
void mmt_ctx_finish(struct mmt_ctx *c, struct mmt_report *r, FILE *trace);

#endif /* MMT_CONTEXT_H */
