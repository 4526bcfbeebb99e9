/* SPDX-License-Identifier: MIT */
/*
 * tools/bench.c - `mmtorture bench`: figures for the reference allocator.
 *
 * Measures, with CLOCK_MONOTONIC around many repetitions:
 *   - ns per alloc+free pair at order 0 and order 3, straight through
 *     the ref API on a 256 MiB machine. Each allocation is freed at once,
 *     so every pair splits a top-order block down and merges it back up
 *     (the buddy's worst case; there are no per-CPU lists yet);
 *   - the same through the ref-pages adapter (mmt_adapter_ref_pages), so
 *     the cost of the adapter ABI shows as the difference;
 *   - create+destroy of a 64 MiB machine;
 *   - a full ref_check of a 4 GiB machine with half its pages allocated
 *     (an order 0..3 mix), reported per GiB of simulated RAM.
 * There are no pass/fail thresholds: only a check finding or a failed
 * allocation (a bug, exit 1) or a machine the environment cannot back
 * (exit 3) ends it early. Numbers from a sanitizer build are printed with
 * a note; use the release preset for real figures.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mmtorture/machine.h>
#include <mmtorture/registry.h>
#include <ref/check.h>
#include <ref/mm.h>

#include "../adapters/ref_pages.h"
#include "cli.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define BENCH_SANITIZED 1
#endif
#endif
#if !defined(BENCH_SANITIZED) && \
	(defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__))
#define BENCH_SANITIZED 1
#endif
#ifndef BENCH_SANITIZED
#define BENCH_SANITIZED 0
#endif
#ifndef REF_ASSERT_LEVEL
#define REF_ASSERT_LEVEL 1
#endif

#define BENCH_PAIRS_DEFAULT 1000000u
#define BENCH_PAIRS_QUICK 50000u
/* Machine specs (machine.h's grammar, as --machine everywhere). */
#define BENCH_PAIR_RAM "ram=256M"

enum {
	OPT_QUICK = 1,
	OPT_ITERATIONS,
};

static const struct mmt_cli_opt bench_opts[] = {
	{ "quick", 0, 0, OPT_QUICK },
	{ "iterations", 0, 1, OPT_ITERATIONS },
	{ NULL, 0, 0, 0 },
};

static void bench_usage(FILE *out)
{
	fputs("usage: mmtorture bench [--quick] [--iterations N]\n"
	      "\n"
	      "Time alloc+free pairs (order 0 and 3, ref API and ref-pages "
	      "adapter),\n"
	      "machine create+destroy, and a full check of a 4 GiB machine "
	      "half allocated.\n"
	      "\n"
	      "  --quick         fewer repetitions (a smoke run)\n"
	      "  --iterations N  alloc+free pairs per figure (default 1000000,\n"
	      "                  50000 with --quick)\n",
	      out);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The machine of spec, as the harness reads it and ref-pages builds it. */
static int spec_machine(const char *spec, struct mmt_machine *m)
{
	mmt_machine_default(m);
	return mmt_cli_parse_machine("bench", spec, m) ? MMT_EXIT_USAGE :
							 MMT_EXIT_OK;
}

static int make_machine(const char *spec, struct ref_mm **mm)
{
	struct mmt_machine m;
	struct ref_config cfg;
	char err[256];
	int rc = spec_machine(spec, &m);

	if (rc != MMT_EXIT_OK)
		return rc;
	err[0] = 0;
	if (mmt_ref_pages_config(&m, "", &cfg, err, sizeof(err)) != 0) {
		mmt_cli_error("bench", "machine '%s': %s", spec, err);
		return MMT_EXIT_USAGE;
	}
	rc = ref_mm_create(&cfg, mm, err, sizeof(err));
	if (rc != 0) {
		mmt_cli_error("bench", "machine '%s': %s", spec, err);
		return rc == -1 ? MMT_EXIT_USAGE : MMT_EXIT_ENV;
	}
	return MMT_EXIT_OK;
}

static void row(const char *what, double value, const char *unit, uint64_t reps)
{
	printf("  %-40s %12.1f %-6s %10llu\n", what, value, unit,
	       (unsigned long long)reps);
}

/* A timed pair went wrong: say which (through adapter ad, "" for the
 * ref API) and at which pair; an idle machine must not fail, so a bug. */
static int pair_failed(const char *ad, const char *what, unsigned int order,
		       uint64_t pair)
{
	mmt_cli_error("bench", "%s%s%s%s (order %u, pair %llu)",
		      ad[0] ? "adapter " : "", ad, ad[0] ? ": " : "", what,
		      order, (unsigned long long)pair);
	return MMT_EXIT_BUG;
}

/* ns per alloc+free pair through the ref API; <0 on failure (exit code). */
static int bench_ref_pairs(unsigned int order, uint64_t pairs, double *ns)
{
	struct ref_mm *mm = NULL;
	const char *fail = NULL;
	uint64_t i, t0, t1;
	int rc = make_machine(BENCH_PAIR_RAM, &mm);

	if (rc != MMT_EXIT_OK)
		return rc;
	t0 = now_ns();
	for (i = 0; i < pairs && !fail; i++) {
		struct ref_page *page =
			ref_alloc_pages(mm, REF_GFP_KERNEL, order);

		if (!page)
			fail = "ref_alloc_pages failed on an idle 256 MiB "
			       "machine";
		else if (ref_free_pages_page(mm, page, order) != 0)
			fail = "ref_free_pages_page refused";
	}
	t1 = now_ns();
	ref_mm_destroy(mm);
	if (fail)
		return pair_failed("", fail, order, i - 1);
	*ns = (double)(t1 - t0) / (double)pairs;
	return MMT_EXIT_OK;
}

/* The same through the adapter ABI. */
static int bench_adapter_pairs(unsigned int order, uint64_t pairs, double *ns)
{
	const struct mmt_adapter *ad = &mmt_adapter_ref_pages;
	struct mmt_adapter_env env;
	void *state = NULL;
	const char *fail = NULL;
	char err[256];
	uint64_t i, t0, t1;
	int rc;

	memset(&env, 0, sizeof(env));
	env.abi_version = MMT_ADAPTER_ABI_VERSION;
	env.struct_size = (uint32_t)sizeof(env);
	env.options = "";
	rc = spec_machine(BENCH_PAIR_RAM, &env.machine);
	if (rc != MMT_EXIT_OK)
		return rc;
	env.nr_threads = 1;
	err[0] = 0;
	if (!ad->create || !ad->pages || !ad->pages->alloc ||
	    !ad->pages->free) {
		mmt_cli_error("bench", "adapter %s has no PAGES operations",
			      ad->name);
		return MMT_EXIT_ENV;
	}
	rc = mmt_adapter_create(ad, &env, &state, err, sizeof(err));
	if (rc != 0) {
		mmt_cli_error("bench", "adapter %s: create: %s", ad->name,
			      err[0] ? err : "failed");
		return MMT_EXIT_ENV;
	}
	t0 = now_ns();
	for (i = 0; i < pairs && !fail; i++) {
		void *addr = NULL;

		rc = ad->pages->alloc(state, order, MMT_GFP_KERNEL,
				      MMT_API_ALLOC_PAGES, &addr);
		if (rc != 0 || !addr)
			fail = "alloc failed";
		else if (ad->pages->free(state, addr, order,
					 MMT_API_FREE_PAGES_PAGE) != 0)
			fail = "free refused";
	}
	t1 = now_ns();
	ad->destroy(state);
	if (fail)
		return pair_failed(ad->name, fail, order, i - 1);
	*ns = (double)(t1 - t0) / (double)pairs;
	return MMT_EXIT_OK;
}

static int bench_create(unsigned int reps, double *ms)
{
	uint64_t t0, t1;
	unsigned int i;

	t0 = now_ns();
	for (i = 0; i < reps; i++) {
		struct ref_mm *mm = NULL;
		int rc = make_machine("ram=64M", &mm);

		if (rc != MMT_EXIT_OK)
			return rc;
		ref_mm_destroy(mm);
	}
	t1 = now_ns();
	*ms = (double)(t1 - t0) / 1e6 / reps;
	return MMT_EXIT_OK;
}

static void print_findings(const struct ref_report *r)
{
	unsigned int i;

	for (i = 0; i < r->nr && i < REF_REPORT_MAX; i++)
		mmt_cli_error("bench", "finding %s [%s] pfn 0x%lx: %.*s",
			      r->findings[i].id, r->findings[i].layer,
			      r->findings[i].pfn, REF_REPORT_MSG,
			      r->findings[i].message);
}

/* Full check of a 4 GiB machine with half its pages in an order 0..3 mix. */
static int bench_check(void)
{
	static const char spec[] = "ram=4G";
	const double gib = 4.0;
	struct ref_report report;
	struct ref_mm *mm = NULL;
	unsigned long total, nr_free, found;
	uint64_t t0, t1, allocs = 0;
	unsigned int order = 0;
	double ms;
	int rc = make_machine(spec, &mm);

	if (rc != MMT_EXIT_OK)
		return rc;
	total = ref_nr_free_pages(mm);
	nr_free = total;
	while (nr_free > total / 2) {
		if (!ref_alloc_pages(mm, REF_GFP_KERNEL, order)) {
			mmt_cli_error("bench",
				      "4 GiB machine: order %u failed with %lu "
				      "of %lu pages free",
				      order, nr_free, total);
			ref_mm_destroy(mm);
			return MMT_EXIT_BUG;
		}
		allocs++;
		nr_free -= 1ul << order;
		order = (order + 1) & 3;
	}
	nr_free = ref_nr_free_pages(mm);
	ref_report_init(&report);
	t0 = now_ns();
	found = ref_check(mm, REF_CHECK_FULL, &report);
	t1 = now_ns();
	ms = (double)(t1 - t0) / 1e6;
	printf("  (4 GiB machine: %llu blocks of order 0..3 allocated, %lu of "
	       "%lu pages free)\n",
	       (unsigned long long)allocs, nr_free, total);
	printf("full check: 4 GiB, 50%% allocated: %.1f ms (%.1f ms/GiB)\n", ms,
	       ms / gib);
	if (found) {
		mmt_cli_error("bench", "the full check found %lu problem%s",
			      report.total, report.total == 1 ? "" : "s");
		print_findings(&report);
		rc = MMT_EXIT_BUG;
	}
	ref_mm_destroy(mm);
	return rc;
}

int mmt_cmd_bench(int argc, char **argv)
{
	static const unsigned int orders[] = { 0, 3 };
	struct mmt_cli_parser p;
	const char *value;
	uint64_t pairs = 0;
	unsigned int reps, i;
	int id, quick = 0, rc;
	double v;
	char what[64];

	mmt_cli_init(&p, "bench", argc, argv, bench_opts);
	while ((id = mmt_cli_next(&p, &value)) != MMT_CLI_END) {
		switch (id) {
		case MMT_CLI_HELP:
			bench_usage(stdout);
			return MMT_EXIT_OK;
		case OPT_QUICK:
			quick = 1;
			break;
		case OPT_ITERATIONS:
			if (mmt_cli_parse_u64("bench", "--iterations", value, 1,
					      1000000000u, &pairs) != 0)
				return MMT_EXIT_USAGE;
			break;
		case MMT_CLI_OPERAND:
			mmt_cli_error("bench", "unexpected argument '%s'",
				      value);
			bench_usage(stderr);
			return MMT_EXIT_USAGE;
		default:
			bench_usage(stderr);
			return MMT_EXIT_USAGE;
		}
	}
	if (!pairs)
		pairs = quick ? BENCH_PAIRS_QUICK : BENCH_PAIRS_DEFAULT;
	reps = quick ? 3 : 20;

	printf("mmtorture bench: build %s, REF_ASSERT_LEVEL=%d\n",
	       BENCH_SANITIZED ? "with sanitizers (figures are slow; use "
				 "the release preset)" :
				 "without sanitizers",
	       REF_ASSERT_LEVEL);
	printf("  %-40s %12s %-6s %10s\n", "what", "time", "unit", "reps");
	for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		rc = bench_ref_pairs(orders[i], pairs, &v);
		if (rc != MMT_EXIT_OK)
			return rc;
		snprintf(what, sizeof(what), "ref alloc+free order %u (256M)",
			 orders[i]);
		row(what, v, "ns", pairs);
	}
	for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		rc = bench_adapter_pairs(orders[i], pairs, &v);
		if (rc != MMT_EXIT_OK)
			return rc;
		snprintf(what, sizeof(what),
			 "adapter alloc+free order %u (256M)", orders[i]);
		row(what, v, "ns", pairs);
	}
	rc = bench_create(reps, &v);
	if (rc != MMT_EXIT_OK)
		return rc;
	row("machine create+destroy (64M)", v, "ms", reps);
	fflush(stdout);
	return bench_check();
}
