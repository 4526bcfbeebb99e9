/* SPDX-License-Identifier: MIT */
/*
 * tests/ref/test_context.c - ref/context.c: each CPU's preempt count, irq
 * flag, interrupt and bottom-half state, spinlocks, the reports of
 * unbalanced calls, the might_sleep report of an allocation that may
 * sleep in atomic context (CTX-SLEEP) in each era, and reset.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "leakcheck.h"
#include "internal.h"
#include "ref/context.h"
#include "ref_machine.h"

MMT_TEST(context, preempt_nests)
{
	struct ref_mm *mm = make("ram=4M");

	cr_assert_eq(ref_in_atomic(mm), 0);
	ref_preempt_disable(mm);
	ref_preempt_disable(mm);
	cr_assert_eq(ref_preempt_count(mm), 2);
	cr_assert(ref_in_atomic(mm));
	cr_assert_eq(ref_in_interrupt(mm), 0);
	ref_preempt_enable(mm);
	cr_assert(ref_in_atomic(mm));
	ref_preempt_enable(mm);
	cr_assert_eq(ref_in_atomic(mm), 0);
	cr_assert_eq(ref_ctx_unbalanced_count(mm), 0);
	ref_mm_destroy(mm);
}

MMT_TEST(context, enable_below_zero_is_reported_not_applied)
{
	struct ref_mm *mm = make("ram=4M");
	char buf[160];

	ref_preempt_enable(mm);
	cr_assert_eq(ref_preempt_count(mm), 0);
	cr_assert_eq(ref_ctx_unbalanced_count(mm), 1);
	ref_ctx_unbalanced_last(mm, buf, sizeof(buf));
	cr_assert(strstr(buf, "preempt_enable underflow on CPU#0"), "%s", buf);
	ref_irq_exit(mm);
	ref_local_bh_enable(mm);
	cr_assert_eq(ref_ctx_unbalanced_count(mm), 3);
	cr_assert_eq(ref_preempt_count(mm), 0);
	ref_mm_destroy(mm);
}

MMT_TEST(context, preempt_overflow_is_reported)
{
	struct ref_mm *mm = make("ram=4M");

	for (int i = 0; i < 256; i++)
		ref_preempt_disable(mm);
	cr_assert_eq(ref_preempt_count(mm), 255, "%x", ref_preempt_count(mm));
	cr_assert_eq(ref_ctx_unbalanced_count(mm), 1);
	cr_assert_eq(ref_in_interrupt(mm), 0, "spilled into softirq");
	ref_mm_destroy(mm);
}

MMT_TEST(context, irq_and_bh_are_interrupt_context)
{
	struct ref_mm *mm = make("ram=4M");

	ref_irq_enter(mm);
	cr_assert(ref_in_interrupt(mm));
	cr_assert(ref_in_hardirq(mm));
	cr_assert_eq(ref_preempt_count(mm), REF_HARDIRQ_OFFSET);
	ref_irq_exit(mm);
	ref_local_bh_disable(mm);
	cr_assert(ref_in_interrupt(mm));
	cr_assert_eq(ref_in_hardirq(mm), 0);
	cr_assert_eq(ref_preempt_count(mm), 2 * REF_SOFTIRQ_OFFSET, "6.12");
	ref_local_bh_enable(mm);
	cr_assert_eq(ref_preempt_count(mm), 0);
	ref_mm_destroy(mm);

	mm = make("ram=4M,era=2.6");
	ref_local_bh_disable(mm);
	cr_assert_eq(ref_preempt_count(mm), REF_SOFTIRQ_OFFSET, "2.6.18");
	ref_local_bh_enable(mm);
	cr_assert_eq(ref_ctx_unbalanced_count(mm), 0);
	ref_mm_destroy(mm);
}

MMT_TEST(context, irq_save_restore_nests)
{
	struct ref_mm *mm = make("ram=4M");
	unsigned long outer, inner;

	outer = ref_local_irq_save(mm);
	cr_assert_eq(outer, REF_IRQ_FLAGS_IF);
	cr_assert(ref_irqs_disabled(mm));
	inner = ref_local_irq_save(mm);
	cr_assert_eq(inner, 0);
	ref_local_irq_restore(mm, inner);
	cr_assert(ref_irqs_disabled(mm), "the inner restore keeps them off");
	ref_local_irq_restore(mm, outer);
	cr_assert_eq(ref_irqs_disabled(mm), 0);
	cr_assert_eq(ref_ctx_unbalanced_count(mm), 0);
	/* 6.12 (DEBUG_IRQFLAGS): a restore with irqs enabled is reported */
	ref_local_irq_restore(mm, REF_IRQ_FLAGS_IF);
	cr_assert_eq(ref_ctx_unbalanced_count(mm), 1);
	ref_mm_destroy(mm);

	mm = make("ram=4M,era=2.6");
	ref_local_irq_restore(mm, REF_IRQ_FLAGS_IF);
	cr_assert_eq(ref_ctx_unbalanced_count(mm), 0, "2.6.18 has no check");
	ref_mm_destroy(mm);
}

MMT_TEST(context, spinlock_holds_preemption_off)
{
	struct ref_mm *mm = make("ram=4M,cpus=2");
	struct ref_spinlock l;
	char buf[160];

	ref_spin_lock_init(&l);
	ref_spin_lock(mm, &l);
	cr_assert(ref_spin_is_locked(&l));
	cr_assert_eq(ref_preempt_count(mm), 1);
	ref_spin_lock(mm, &l);
	cr_assert_eq(ref_ctx_unbalanced_count(mm), 1);
	ref_ctx_unbalanced_last(mm, buf, sizeof(buf));
	cr_assert(strstr(buf, "spinlock recursion on CPU#0"), "%s", buf);
	cr_assert_eq(ref_preempt_count(mm), 1,
		     "a refused lock changes nothing");
	ref_cpu_enter(mm, 1);
	ref_spin_lock(mm, &l);
	ref_spin_unlock(mm, &l);
	cr_assert_eq(ref_ctx_unbalanced_count(mm), 3);
	ref_ctx_unbalanced_last(mm, buf, sizeof(buf));
	cr_assert(strstr(buf, "wrong CPU on CPU#1"), "%s", buf);
	cr_assert_eq(ref_preempt_count(mm), 0, "CPU 1 untouched");
	ref_cpu_enter(mm, 0);
	ref_spin_unlock(mm, &l);
	cr_assert_eq(ref_spin_is_locked(&l), 0);
	cr_assert_eq(ref_preempt_count(mm), 0);
	ref_spin_unlock(mm, &l);
	ref_ctx_unbalanced_last(mm, buf, sizeof(buf));
	cr_assert(strstr(buf, "already unlocked"), "%s", buf);
	cr_assert_eq(ref_ctx_unbalanced_count(mm), 4);
	ref_mm_destroy(mm);
}

MMT_TEST(context, cpus_are_separate)
{
	struct ref_mm *mm = make("ram=4M,cpus=2");

	ref_preempt_disable(mm);
	ref_cpu_enter(mm, 1);
	cr_assert_eq(ref_in_atomic(mm), 0);
	ref_local_irq_disable(mm);
	ref_cpu_enter(mm, 0);
	cr_assert_eq(ref_irqs_disabled(mm), 0);
	cr_assert(ref_in_atomic(mm));
	ref_preempt_enable(mm);
	ref_mm_destroy(mm);
}

/* An allocation that may sleep, in each atomic context, and one that may
 * not: exactly the former are reported, and all of them succeed. */
MMT_TEST(context, might_sleep_reports_exactly_the_sleeping_allocations)
{
	struct ref_mm *mm = make("ram=4M");
	struct ref_page *p;

	p = ref_alloc_pages(mm, REF_GFP_KERNEL, 0);
	cr_assert_not_null(p);
	ref_free_pages_page(mm, p, 0);
	cr_assert_eq(ref_ctx_sleep_count(mm), 0, "process context");

	ref_preempt_disable(mm);
	p = ref_alloc_pages(mm, REF_GFP_ATOMIC, 0);
	cr_assert_not_null(p);
	ref_free_pages_page(mm, p, 0);
	cr_assert_eq(ref_ctx_sleep_count(mm), 0, "GFP_ATOMIC may not sleep");
	p = ref_alloc_pages(mm, REF_GFP_KERNEL, 0);
	cr_assert_not_null(p, "the allocation still proceeds");
	ref_free_pages_page(mm, p, 0);
	cr_assert_eq(ref_ctx_sleep_count(mm), 1);
	ref_preempt_enable(mm);

	ref_local_irq_disable(mm);
	p = ref_alloc_pages(mm, REF_GFP_KERNEL, 0);
	ref_free_pages_page(mm, p, 0);
	ref_local_irq_enable(mm);
	ref_irq_enter(mm);
	p = ref_alloc_pages(mm, REF_GFP_KERNEL, 1);
	ref_free_pages_page(mm, p, 1);
	ref_irq_exit(mm);
	ref_local_bh_disable(mm);
	cr_assert_eq(ref_get_free_page(mm, REF_GFP_NOWAIT) != 0, 1);
	ref_local_bh_enable(mm);
	cr_assert_eq(ref_ctx_sleep_count(mm), 3);
	ref_drain_all_pages(mm); /* the frees sit on the CPU's lists */
	cr_assert_eq(ref_nr_free_pages(mm) + 1, ref_totalram_pages(mm));
	ref_mm_destroy(mm);
}

MMT_TEST(context, sleep_report_text_6_12)
{
	struct ref_mm *mm = make("ram=4M,cpus=4");
	struct ref_page *p;
	char buf[256];

	ref_cpu_enter(mm, 2);
	ref_preempt_disable(mm);
	ref_local_irq_disable(mm);
	p = ref_alloc_pages(mm, REF_GFP_KERNEL, 0);
	ref_free_pages_page(mm, p, 0);
	ref_ctx_sleep_last(mm, buf, sizeof(buf));
	cr_assert_str_eq(buf,
			 "BUG: sleeping function called from invalid context "
			 "at include/linux/sched/mm.h:321\n"
			 "in_atomic(): 1, irqs_disabled(): 1, non_block: 0, "
			 "pid: 3, name: cpu2\n"
			 "preempt_count: 1, expected: 0");
	ref_local_irq_enable(mm);
	ref_preempt_enable(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(context, sleep_report_text_2_6)
{
	struct ref_mm *mm = make("ram=4M,era=2.6");
	char buf[256];

	ref_local_irq_disable(mm);
	cr_assert_eq(ref_might_sleep_if(mm, 1), 1);
	ref_ctx_sleep_last(mm, buf, sizeof(buf));
	cr_assert_str_eq(buf,
			 "BUG: sleeping function called from invalid context "
			 "at mm/page_alloc.c:934\n"
			 "in_atomic():0, irqs_disabled():1");
	cr_assert_eq(ref_might_sleep_if(mm, 0), 0);
	ref_local_irq_enable(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(context, reset_and_recreate_clear_every_cpu)
{
	struct ref_mm *mm = make("ram=4M,cpus=2");
	struct ref_config c;
	char err[256] = "";

	for (unsigned int cpu = 0; cpu < 2; cpu++) {
		ref_cpu_enter(mm, cpu);
		ref_preempt_disable(mm);
		ref_irq_enter(mm);
		ref_local_irq_disable(mm);
		ref_preempt_enable(mm);
		ref_preempt_enable(mm); /* unbalanced */
		ref_might_sleep_if(mm, 1);
	}
	cr_assert_eq(ref_ctx_sleep_count(mm), 2);
	cr_assert_eq(ref_mm_reset(mm), 0);
	for (unsigned int cpu = 0; cpu < 2; cpu++) {
		ref_cpu_enter(mm, cpu);
		cr_assert_eq(ref_preempt_count(mm), 0);
		cr_assert_eq(ref_irqs_disabled(mm), 0);
		cr_assert_eq(ref_ctx_sleep_last(mm, NULL, 0), 0);
		ref_preempt_disable(mm);
	}
	cr_assert_eq(ref_ctx_sleep_count(mm), 0);
	cr_assert_eq(ref_ctx_unbalanced_count(mm), 0);
	ref_config_init(&c);
	cr_assert_eq(ref_config_parse(&c, "ram=8M,cpus=2", err, sizeof(err)),
		     0);
	cr_assert_eq(ref_mm_recreate(mm, &c, err, sizeof(err)), 0, "%s", err);
	ref_cpu_enter(mm, 1);
	cr_assert_eq(ref_in_atomic(mm), 0);
	ref_mm_destroy(mm);
}
