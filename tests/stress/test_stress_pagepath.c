/* SPDX-License-Identifier: MIT */
/*
 * tests/stress/test_stress_pagepath.c - the page allocation path
 * scenarios (stress/pagepath.c) on ref-pages and on wrappers of it that
 * watch or break one thing: every scenario runs clean on ref-pages;
 * atomic-burst's bursts are balanced irq_enter/irq_exit pairs and never
 * allocate with a mask that may sleep inside them, and an allocator that
 * counts a might_sleep report is CTX-REPORT; pcp-churn takes CPUs down and
 * up through context() at parks; dma-starve's STRESS-PROTECTION fires for
 * an allocator that serves GFP_KERNEL from DMA below its protection.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/adapter.h>
#include <mmtorture/registry.h>

#include "leakcheck.h"
#include "stress_int.h"

/* ------------------------------------------------------ the wrapper */

static const struct mmt_adapter *ref(void)
{
	return &mmt_adapter_ref_pages;
}

/* What the wrapper saw, over every thread (one wrapper at a time). */
static struct {
	_Atomic unsigned long irq_enter, irq_exit, sleepy_in_irq, allocs_in_irq;
	_Atomic unsigned long offline, online;
} seen;

static _Thread_local int in_irq; /* this thread's hardirq nesting */

struct wrap {
	void *inner;
	char mode[16]; /* "", "lying" (a sleep report), "leaky" (no
			* lowmem protection) */
};

static int w_create(const struct mmt_adapter_env *env, void **state, char *err,
		    size_t errlen)
{
	struct wrap *w = calloc(1, sizeof(*w));
	struct mmt_adapter_env e = *env;
	int rc;

	if (!w)
		return -1;
	snprintf(w->mode, sizeof(w->mode), "%s", env->options);
	e.options = "";
	rc = ref()->create(&e, &w->inner, err, errlen);
	if (rc) {
		free(w);
		return rc;
	}
	*state = w;
	return 0;
}

static void w_destroy(void *state)
{
	struct wrap *w = state;

	ref()->destroy(w->inner);
	free(w);
}

static int w_arena(void *state, struct mmt_arena *out)
{
	return ref()->pages->arena(((struct wrap *)state)->inner, out);
}

static int w_alloc(void *state, unsigned int order, uint32_t gfp, uint32_t api,
		   void **addr)
{
	struct wrap *w = state;

	if (in_irq) {
		atomic_fetch_add(&seen.allocs_in_irq, 1);
		if (gfp & MMT_GFP_DIRECT_RECLAIM)
			atomic_fetch_add(&seen.sleepy_in_irq, 1);
	}
	/* leaky: a request with no zone modifier is served from DMA, past
	 * every watermark (the mask the harness judges stays GFP_KERNEL) */
	if (!strcmp(w->mode, "leaky") &&
	    !(gfp & (MMT_GFP_DMA | MMT_GFP_DMA32 | MMT_GFP_HIGHMEM)))
		gfp |= MMT_GFP_DMA | MMT_GFP_MEMALLOC;
	return ref()->pages->alloc(w->inner, order, gfp, api, addr);
}

static int w_free(void *state, void *addr, unsigned int order, uint32_t api)
{
	return ref()->pages->free(((struct wrap *)state)->inner, addr, order,
				  api);
}

static int w_context(void *state, uint32_t op, uint32_t arg)
{
	struct wrap *w = state;

	switch (op) {
	case MMT_CTX_IRQ_ENTER:
		in_irq++;
		atomic_fetch_add(&seen.irq_enter, 1);
		break;
	case MMT_CTX_IRQ_EXIT:
		in_irq--;
		atomic_fetch_add(&seen.irq_exit, 1);
		break;
	case MMT_CTX_CPU_OFFLINE:
		atomic_fetch_add(&seen.offline, 1);
		break;
	case MMT_CTX_CPU_ONLINE:
		atomic_fetch_add(&seen.online, 1);
		break;
	case MMT_CTX_SLEEP_REPORTS:
		if (!strcmp(w->mode, "lying"))
			return 1;
		break;
	default:
		break;
	}
	return ref()->pages->context(w->inner, op, arg);
}

static long w_check(void *state, unsigned int level, mmt_finding_fn fn,
		    void *ctx)
{
	return ref()->check(((struct wrap *)state)->inner, level, fn, ctx);
}

static void w_cpu_enter(void *state, unsigned int cpu)
{
	ref()->cpu_enter(((struct wrap *)state)->inner, cpu);
}

static const struct mmt_pages_ops w_pages = {
	.struct_size = sizeof(struct mmt_pages_ops),
	.version = MMT_PAGES_OPS_VERSION,
	.arena = w_arena,
	.alloc = w_alloc,
	.free = w_free,
	.context = w_context,
};

static const struct mmt_adapter wrapped = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "wrapped-ref-pages",
	.description = "ref-pages, watched",
	.caps = MMT_CAP_PAGES | MMT_CAP_ZONES | MMT_CAP_OWN_ARENA |
		MMT_CAP_CHECK | MMT_CAP_THREAD_SAFE | MMT_CAP_WATERMARKS,
	.create = w_create,
	.destroy = w_destroy,
	.check = w_check,
	.cpu_enter = w_cpu_enter,
	.pages = &w_pages,
};

/* ------------------------------------------------------ runs */

static char out_text[1 << 16], err_text[1 << 16];

static void slurp(FILE *f, char *buf, size_t len)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* threads threads for seconds on the default machine, seed 1. */
static int run(const struct mmt_adapter *ad, const char *options,
	       const char *scenario, unsigned int threads, double seconds)
{
	FILE *out = tmpfile(), *err = tmpfile();
	struct mmt_stress_row row;
	struct mmt_stress_opts o = {
		.spec = ad->name,
		.options = options,
		.sc = mmt_stress_scenario(scenario),
		.threads = threads,
		.seconds = seconds,
		.seed = 1,
		.out = out,
		.err = err,
	};
	int rc;

	cr_assert(out && err);
	cr_assert_not_null(o.sc, "%s", scenario);
	memset(&seen, 0, sizeof(seen));
	rc = mmt_stress_run(ad, &o, &row);
	slurp(out, out_text, sizeof(out_text));
	slurp(err, err_text, sizeof(err_text));
	return rc;
}

/* ------------------------------------------------------ tests */

MMT_TEST(pagepath, every_scenario_is_clean_on_ref_pages)
{
	static const char *const names[] = { "atomic-burst", "highorder-frag",
					     "pcp-churn", "dma-starve" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		cr_assert_eq(run(ref(), "", names[i], 2, 1.2), 0, "%s:\n%s%s",
			     names[i], out_text, err_text);
		cr_assert_not_null(strstr(out_text, "violations=0"), "%s",
				   out_text);
	}
}

MMT_TEST(pagepath, bursts_are_balanced_and_never_sleep)
{
	cr_assert_eq(run(&wrapped, "", "atomic-burst", 2, 0.5), 0, "%s%s",
		     out_text, err_text);
	cr_assert_gt(atomic_load(&seen.irq_enter), 0);
	cr_assert_eq(atomic_load(&seen.irq_enter), atomic_load(&seen.irq_exit));
	cr_assert_gt(atomic_load(&seen.allocs_in_irq), 0);
	cr_assert_eq(atomic_load(&seen.sleepy_in_irq), 0);
}

MMT_TEST(pagepath, a_sleep_report_is_ctx_report)
{
	cr_assert_eq(run(&wrapped, "lying", "atomic-burst", 1, 1.5), 1, "%s%s",
		     out_text, err_text);
	cr_assert_not_null(strstr(err_text, "CTX-REPORT: the allocator "
					    "counts 1 allocation(s) that may "
					    "sleep in atomic context"),
			   "%s", err_text);
}

MMT_TEST(pagepath, pcp_churn_takes_cpus_down_and_up_at_parks)
{
	char want[64];

	/* parks at 1 s and 2 s (later on a loaded machine), then the last */
	cr_assert_eq(run(&wrapped, "", "pcp-churn", 2, 2.5), 0, "%s%s",
		     out_text, err_text);
	cr_assert_geq(atomic_load(&seen.offline), 1);
	cr_assert_eq(atomic_load(&seen.online), atomic_load(&seen.offline));
	snprintf(want, sizeof(want),
		 "pcp-churn: %lu CPU hot-unplug/replug cycle(s)\n",
		 atomic_load(&seen.offline));
	cr_assert_not_null(strstr(out_text, want), "%s", out_text);
	/* one CPU: nothing to take down */
	cr_assert_eq(run(&wrapped, "", "pcp-churn", 1, 1.5), 0, "%s%s",
		     out_text, err_text);
	cr_assert_eq(atomic_load(&seen.offline), 0);
}

MMT_TEST(pagepath, dma_starve_checks_the_protection)
{
	cr_assert_eq(run(ref(), "", "dma-starve", 2, 0.5), 0, "%s%s", out_text,
		     err_text);
	cr_assert_not_null(strstr(out_text, "dma-starve: "), "%s", out_text);
	cr_assert_null(strstr(out_text, "dma-starve: 0 allocation"), "%s",
		       out_text);
}

MMT_TEST(pagepath, dma_taken_below_its_protection_is_protection)
{
	const char *l;

	/* thread 1 asks GFP_KERNEL (its ballast first): all from DMA */
	cr_assert_eq(run(&wrapped, "leaky", "dma-starve", 2, 2), 1, "%s%s",
		     out_text, err_text);
	l = strstr(err_text, " violation(s) on ");
	cr_assert_not_null(l, "%s", err_text);
	l = strchr(l, '\n');
	cr_assert_not_null(l);
	cr_assert(strncmp(l + 1, "  thread 1 op ", 14) == 0, "%s", err_text);
	cr_assert_not_null(strstr(l, ": STRESS-PROTECTION pfn "), "%s",
			   err_text);
	cr_assert_not_null(strstr(l, "classzone Normal) taken from DMA while "
				     "DMA had at most"),
			   "%s", err_text);
}
