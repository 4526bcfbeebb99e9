/* SPDX-License-Identifier: MIT */
/*
 * ref/context.c - the execution context of each simulated CPU and the
 * page allocator's might_sleep check.
 *
 * Models include/linux/preempt.h, irqflags.h, bottom_half.h, the debug
 * spinlock checks (kernel/locking/spinlock_debug.c) and __might_resched()
 * of Linux 6.12 (kernel/sched/core.c), and their 2.6.18 forms, on a
 * CONFIG_PREEMPT kernel (without it 2.6.18's preempt_disable() does not
 * count, and a spinlock held is invisible to might_sleep).
 *
 * Algorithm: each CPU keeps preempt_count() in the kernel's layout
 * (preemption 0-7, softirq 8-15, hardirq 16-19) and an irq flag. A
 * disable adds its field's offset, an enable takes it back; a spinlock is
 * a compare-and-swap word plus a preempt_disable(). in_atomic() is
 * preempt_count() != 0, in_interrupt() is a non-zero softirq or hardirq
 * field. ref_might_sleep_if(), called once at the top of
 * ref_alloc_pages() with __GFP_DIRECT_RECLAIM, reports when the CPU is
 * atomic or has irqs off, as __might_resched() does (offsets 0, no RCU
 * nesting, a task that is never the idle task and never non_block), and
 * the allocation goes on.
 *
 * Where the eras differ:
 *   - the report's site: 6.12 calls might_alloc(), an inline function of
 *     include/linux/sched/mm.h, from prepare_alloc_pages(), so the file
 *     and line are that header's (might_sleep_if() expands there);
 *     2.6.18's __alloc_pages() has might_sleep_if(wait) itself, so the
 *     site is mm/page_alloc.c;
 *   - the second line: 6.12 "in_atomic(): %d, irqs_disabled(): %d,
 *     non_block: %d, pid: %d, name: %s" and a third, "preempt_count: %x,
 *     expected: %x"; 2.6.18 "in_atomic():%d, irqs_disabled():%d" only;
 *   - local_bh_disable() adds SOFTIRQ_DISABLE_OFFSET (2 * SOFTIRQ_OFFSET)
 *     in 6.12, SOFTIRQ_OFFSET in 2.6.18;
 *   - local_irq_restore() with irqs enabled is reported in 6.12
 *     (CONFIG_DEBUG_IRQFLAGS), not in 2.6.18.
 * Both kernels rate-limit the report to one per second of jiffies; ref
 * has no clock and counts every one. The task is the CPU's own: pid
 * cpu + 1 (pid 0 is the idle task, which the check exempts), name
 * "cpuN". The condition is the same in both: 2.6.18's __GFP_WAIT is
 * 6.12's __GFP_DIRECT_RECLAIM (gfpflags_allow_blocking()).
 *
 * Invariants: a call that would take a field below zero or past its
 * width, an irq_exit outside an interrupt, the unlock of a lock not held
 * by the calling CPU and the lock of a held one change nothing and are
 * counted as unbalanced, with the latest text kept per CPU.
 *
 * Locks: a CPU's context is touched only by the thread running as it;
 * the counters are atomics; the texts are written under mm->bad_lock (a
 * leaf, never held across a call out). No zone lock is held here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ref/context.h"

#include "internal.h"

/* might_sleep_if() in 6.12's might_alloc() (include/linux/sched/mm.h). */
#define SITE_6_12_FILE "include/linux/sched/mm.h"
#define SITE_6_12_LINE 321
/*
 * might_sleep_if(wait) in 2.6.18's __alloc_pages(). The 2.6.18 tree is
 * not at hand here: this line is not checked against it.
 */
#define SITE_2_6_FILE "mm/page_alloc.c"
#define SITE_2_6_LINE 934

static struct ref_cpu_context *this_ctx(struct ref_mm *mm)
{
	return &mm->cpu_ctx[ref_smp_processor_id(mm) % REF_MAX_CPUS];
}

static const struct ref_cpu_context *this_ctx_const(const struct ref_mm *mm)
{
	return &mm->cpu_ctx[ref_smp_processor_id(mm) % REF_MAX_CPUS];
}

static unsigned int bh_offset(const struct ref_mm *mm)
{
	return mm->config.era == REF_ERA_2_6 ? REF_SOFTIRQ_OFFSET :
					       2 * REF_SOFTIRQ_OFFSET;
}

/* Count an unbalanced call on this CPU and keep its text. */
static void unbalanced(struct ref_mm *mm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void unbalanced(struct ref_mm *mm, const char *fmt, ...)
{
	struct ref_cpu_context *c = this_ctx(mm);
	va_list ap;

	atomic_fetch_add(&c->nr_unbalanced, 1);
	pthread_mutex_lock(&mm->bad_lock);
	va_start(ap, fmt);
	vsnprintf(c->last_unbalanced, sizeof(c->last_unbalanced), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&mm->bad_lock);
}

/* Add off to the field mask of this CPU's count, or report. */
static void count_add(struct ref_mm *mm, unsigned int off, unsigned int mask,
		      const char *what)
{
	struct ref_cpu_context *c = this_ctx(mm);

	if ((c->preempt_count & mask) > mask - off) {
		unbalanced(mm,
			   "BUG: %s nesting overflow on CPU#%u "
			   "(preempt_count %#x)",
			   what, ref_smp_processor_id(mm), c->preempt_count);
		return;
	}
	c->preempt_count += off;
}

/* Take off back from the field mask of this CPU's count, or report. */
static void count_sub(struct ref_mm *mm, unsigned int off, unsigned int mask,
		      const char *what)
{
	struct ref_cpu_context *c = this_ctx(mm);

	if ((c->preempt_count & mask) < off) {
		unbalanced(mm,
			   "BUG: %s underflow on CPU#%u (preempt_count %#x)",
			   what, ref_smp_processor_id(mm), c->preempt_count);
		return;
	}
	c->preempt_count -= off;
}

void ref_preempt_disable(struct ref_mm *mm)
{
	count_add(mm, REF_PREEMPT_OFFSET, REF_PREEMPT_MASK, "preempt_disable");
}

void ref_preempt_enable(struct ref_mm *mm)
{
	count_sub(mm, REF_PREEMPT_OFFSET, REF_PREEMPT_MASK, "preempt_enable");
}

void ref_local_irq_disable(struct ref_mm *mm)
{
	this_ctx(mm)->irqs_disabled = 1;
}

void ref_local_irq_enable(struct ref_mm *mm)
{
	this_ctx(mm)->irqs_disabled = 0;
}

unsigned long ref_local_irq_save(struct ref_mm *mm)
{
	struct ref_cpu_context *c = this_ctx(mm);
	unsigned long flags = c->irqs_disabled ? 0 : REF_IRQ_FLAGS_IF;

	c->irqs_disabled = 1;
	return flags;
}

void ref_local_irq_restore(struct ref_mm *mm, unsigned long flags)
{
	struct ref_cpu_context *c = this_ctx(mm);

	if (mm->config.era != REF_ERA_2_6 && !c->irqs_disabled)
		unbalanced(mm,
			   "local_irq_restore() called with IRQs enabled "
			   "on CPU#%u",
			   ref_smp_processor_id(mm));
	c->irqs_disabled = (flags & REF_IRQ_FLAGS_IF) == 0;
}

void ref_irq_enter(struct ref_mm *mm)
{
	count_add(mm, REF_HARDIRQ_OFFSET, REF_HARDIRQ_MASK, "irq_enter");
}

void ref_irq_exit(struct ref_mm *mm)
{
	count_sub(mm, REF_HARDIRQ_OFFSET, REF_HARDIRQ_MASK, "irq_exit");
}

void ref_local_bh_disable(struct ref_mm *mm)
{
	count_add(mm, bh_offset(mm), REF_SOFTIRQ_MASK, "local_bh_disable");
}

void ref_local_bh_enable(struct ref_mm *mm)
{
	count_sub(mm, bh_offset(mm), REF_SOFTIRQ_MASK, "local_bh_enable");
}

void ref_spin_lock_init(struct ref_spinlock *lock)
{
	atomic_init(&lock->locked, 0);
	atomic_init(&lock->owner_cpu, 0);
}

void ref_spin_lock(struct ref_mm *mm, struct ref_spinlock *lock)
{
	unsigned int cpu = ref_smp_processor_id(mm);
	int unlocked = 0;

	if (!atomic_compare_exchange_strong(&lock->locked, &unlocked, 1)) {
		unsigned int owner = atomic_load(&lock->owner_cpu);

		if (owner == cpu)
			unbalanced(mm, "BUG: spinlock recursion on CPU#%u",
				   cpu);
		else
			unbalanced(mm,
				   "BUG: spinlock lockup suspected on "
				   "CPU#%u, held by CPU#%u",
				   cpu, owner);
		return;
	}
	atomic_store(&lock->owner_cpu, cpu);
	ref_preempt_disable(mm);
}

void ref_spin_unlock(struct ref_mm *mm, struct ref_spinlock *lock)
{
	unsigned int cpu = ref_smp_processor_id(mm);

	if (!atomic_load(&lock->locked)) {
		unbalanced(mm, "BUG: spinlock already unlocked on CPU#%u", cpu);
		return;
	}
	if (atomic_load(&lock->owner_cpu) != cpu) {
		unbalanced(mm,
			   "BUG: spinlock wrong CPU on CPU#%u, held by "
			   "CPU#%u",
			   cpu, atomic_load(&lock->owner_cpu));
		return;
	}
	atomic_store(&lock->locked, 0);
	ref_preempt_enable(mm);
}

int ref_spin_is_locked(struct ref_spinlock *lock)
{
	return atomic_load(&lock->locked) != 0;
}

unsigned int ref_preempt_count(const struct ref_mm *mm)
{
	return this_ctx_const(mm)->preempt_count;
}

int ref_in_atomic(const struct ref_mm *mm)
{
	return ref_preempt_count(mm) != 0;
}

int ref_in_interrupt(const struct ref_mm *mm)
{
	return (ref_preempt_count(mm) &
		(REF_SOFTIRQ_MASK | REF_HARDIRQ_MASK)) != 0;
}

int ref_in_hardirq(const struct ref_mm *mm)
{
	return (ref_preempt_count(mm) & REF_HARDIRQ_MASK) != 0;
}

int ref_irqs_disabled(const struct ref_mm *mm)
{
	return this_ctx_const(mm)->irqs_disabled;
}

int ref_might_sleep_if(struct ref_mm *mm, int cond)
{
	struct ref_cpu_context *c;
	unsigned int cpu;
	int atomic, irqs_off;

	if (!cond)
		return 0;
	c = this_ctx(mm);
	atomic = c->preempt_count != 0;
	irqs_off = c->irqs_disabled;
	if (!atomic && !irqs_off)
		return 0;
	cpu = ref_smp_processor_id(mm);
	atomic_fetch_add(&c->nr_sleep_bad, 1);
	pthread_mutex_lock(&mm->bad_lock);
	if (mm->config.era == REF_ERA_2_6)
		snprintf(c->last_sleep, sizeof(c->last_sleep),
			 "BUG: sleeping function called from invalid context "
			 "at %s:%d\nin_atomic():%d, irqs_disabled():%d",
			 SITE_2_6_FILE, SITE_2_6_LINE, atomic, irqs_off);
	else
		snprintf(c->last_sleep, sizeof(c->last_sleep),
			 "BUG: sleeping function called from invalid context "
			 "at %s:%d\nin_atomic(): %d, irqs_disabled(): %d, "
			 "non_block: 0, pid: %u, name: cpu%u\n"
			 "preempt_count: %x, expected: 0",
			 SITE_6_12_FILE, SITE_6_12_LINE, atomic, irqs_off,
			 cpu + 1, cpu, c->preempt_count);
	pthread_mutex_unlock(&mm->bad_lock);
	return 1;
}

unsigned long ref_ctx_sleep_count(const struct ref_mm *mm)
{
	unsigned long n = 0;

	/* only the machine's CPUs ever run (ref_cpu_enter clamps) */
	for (unsigned int i = 0; i < mm->config.nr_cpus && i < REF_MAX_CPUS;
	     i++)
		n += atomic_load_explicit(&mm->cpu_ctx[i].nr_sleep_bad,
					  memory_order_relaxed);
	return n;
}

unsigned long ref_ctx_unbalanced_count(const struct ref_mm *mm)
{
	unsigned long n = 0;

	for (unsigned int i = 0; i < REF_MAX_CPUS; i++)
		n += atomic_load(&mm->cpu_ctx[i].nr_unbalanced);
	return n;
}

static size_t copy_text(struct ref_mm *mm, const char *text, char *buf,
			size_t len)
{
	size_t n;

	pthread_mutex_lock(&mm->bad_lock);
	n = strlen(text);
	if (buf && len) {
		size_t c = n < len - 1 ? n : len - 1;

		memcpy(buf, text, c);
		buf[c] = '\0';
	}
	pthread_mutex_unlock(&mm->bad_lock);
	return n;
}

size_t ref_ctx_sleep_last(struct ref_mm *mm, char *buf, size_t len)
{
	return copy_text(mm, this_ctx(mm)->last_sleep, buf, len);
}

size_t ref_ctx_unbalanced_last(struct ref_mm *mm, char *buf, size_t len)
{
	return copy_text(mm, this_ctx(mm)->last_unbalanced, buf, len);
}

void ref_context_reset(struct ref_mm *mm)
{
	pthread_mutex_lock(&mm->bad_lock);
	for (unsigned int i = 0; i < REF_MAX_CPUS; i++) {
		struct ref_cpu_context *c = &mm->cpu_ctx[i];

		c->preempt_count = 0;
		c->irqs_disabled = 0;
		atomic_store(&c->nr_sleep_bad, 0);
		atomic_store(&c->nr_unbalanced, 0);
		c->last_sleep[0] = '\0';
		c->last_unbalanced[0] = '\0';
	}
	pthread_mutex_unlock(&mm->bad_lock);
}
