/* SPDX-License-Identifier: MIT */
/*
 * ref/context.h - the execution context of a simulated CPU: preemption,
 * interrupts, bottom halves, spinlocks, and the might_sleep check of the
 * page allocator (ref/context.c).
 *
 * Every call acts on the calling thread's simulated CPU
 * (ref_smp_processor_id(), ref_cpu_enter() in mm.h), as the kernel's act
 * on the current CPU. The names are the kernel's with a ref_ prefix:
 *   ref_preempt_disable/enable       preempt_count() += / -= 1
 *   ref_local_irq_disable/enable     the CPU's irq flag
 *   ref_local_irq_save/restore       the flag saved in a word and put back
 *   ref_spin_lock/unlock             preemption off while a lock is held
 *   ref_irq_enter/exit               hardirq nesting (HARDIRQ_OFFSET)
 *   ref_local_bh_disable/enable      softirq count (the era's offset)
 *   ref_in_atomic, ref_in_interrupt, ref_irqs_disabled, ref_preempt_count
 * A call that would unbalance the context (an enable below zero, an
 * irq_exit without irq_enter, the unlock of a lock not held, a nesting
 * past its field) is reported, not asserted, and changes nothing: a
 * counter and the latest text, as bad pages are (ref_bad_page_count).
 *
 * An allocation that may sleep (gfp has __GFP_DIRECT_RECLAIM, 2.6's
 * __GFP_WAIT) in atomic context (preempt_count() != 0, which covers
 * interrupts, or irqs disabled) is the kernel's "BUG: sleeping function
 * called from invalid context" (CTX-SLEEP), counted and kept as text;
 * the allocation still proceeds, as the kernel's might_sleep only warns.
 */
#ifndef REF_CONTEXT_H
#define REF_CONTEXT_H

#include <stddef.h>

#include "types.h"

/* preempt_count() fields (include/linux/preempt.h). */
#define REF_PREEMPT_OFFSET 0x1u
#define REF_PREEMPT_MASK 0xffu
#define REF_SOFTIRQ_OFFSET 0x100u
#define REF_SOFTIRQ_MASK 0xff00u
#define REF_HARDIRQ_OFFSET 0x10000u
#define REF_HARDIRQ_MASK 0xf0000u
/* The x86 interrupt flag: what ref_local_irq_save() returns when irqs
 * were enabled (X86_EFLAGS_IF). */
#define REF_IRQ_FLAGS_IF 0x200ul

void ref_preempt_disable(struct ref_mm *mm);
void ref_preempt_enable(struct ref_mm *mm);
void ref_local_irq_disable(struct ref_mm *mm);
void ref_local_irq_enable(struct ref_mm *mm);
/* The flags to hand back to ref_local_irq_restore(); irqs are then off. */
unsigned long ref_local_irq_save(struct ref_mm *mm);
/* 6.12 (CONFIG_DEBUG_IRQFLAGS) reports a restore with irqs enabled. */
void ref_local_irq_restore(struct ref_mm *mm, unsigned long flags);
void ref_irq_enter(struct ref_mm *mm);
void ref_irq_exit(struct ref_mm *mm);
void ref_local_bh_disable(struct ref_mm *mm);
void ref_local_bh_enable(struct ref_mm *mm);

/* An unlocked lock. */
void ref_spin_lock_init(struct ref_spinlock *lock);
/*
 * Preemption off, then the lock. A lock already held is reported
 * ("recursion" on its owner, "lockup suspected" on another CPU) and
 * neither taken nor waited for; preemption is left as it was.
 */
void ref_spin_lock(struct ref_mm *mm, struct ref_spinlock *lock);
/* The lock, then preemption back. Reported, and nothing changed, when
 * the lock is not held or held by another CPU. */
void ref_spin_unlock(struct ref_mm *mm, struct ref_spinlock *lock);
int ref_spin_is_locked(struct ref_spinlock *lock);

/* The calling CPU's context. */
unsigned int ref_preempt_count(const struct ref_mm *mm);
int ref_in_atomic(const struct ref_mm *mm); /* preempt_count() != 0 */
int ref_in_interrupt(const struct ref_mm *mm); /* hardirq or softirq */
int ref_in_hardirq(const struct ref_mm *mm);
int ref_irqs_disabled(const struct ref_mm *mm);

/*
 * might_sleep_if(cond) at the top of the allocator: when cond and the CPU
 * is in atomic context or has irqs off, a CTX-SLEEP report. Returns 1
 * when it reported, 0 otherwise.
 */
int ref_might_sleep_if(struct ref_mm *mm, int cond);

/* Reports over every CPU, and the latest text of the calling CPU. */
unsigned long ref_ctx_sleep_count(const struct ref_mm *mm);
size_t ref_ctx_sleep_last(struct ref_mm *mm, char *buf, size_t len);
unsigned long ref_ctx_unbalanced_count(const struct ref_mm *mm);
size_t ref_ctx_unbalanced_last(struct ref_mm *mm, char *buf, size_t len);

/* Every CPU back to process context, irqs on, reports cleared
 * (ref_mm_reset() and ref_mm_recreate() call it). No other thread may
 * use the machine meanwhile. */
void ref_context_reset(struct ref_mm *mm);

#endif /* REF_CONTEXT_H */
