/* SPDX-License-Identifier: MIT */
/*
 * tools/bench.c - `mmtorture bench`: figures for the reference allocator
 * and the same work through the production mallocs.
 *
 * Measures, with CLOCK_MONOTONIC around many repetitions:
 *   - ns per alloc+free pair at order 0 and order 3, straight through
 *     the ref API on a 256 MiB machine. Each allocation is freed at once,
 *     so every pair splits a top-order block down and merges it back up
 *     (the buddy's worst case; there are no per-CPU lists yet);
 *   - the same through the ref-pages adapter (mmt_adapter_ref_pages), so
 *     the cost of the adapter ABI shows as the difference;
 *   - churn, ns per alloc+free pair: 1024 slots, all filled first; each
 *     step draws a slot from splitmix64 (fixed seed BENCH_CHURN_SEED, the
 *     same slot sequence for every allocator), frees its block and
 *     allocates a new one into it, so 1024 blocks stay live and every
 *     step is one free plus one alloc. Through the ref API (order-0
 *     ref_alloc_page(GFP_KERNEL) / ref_free_pages_page on the 256 MiB
 *     machine), through the ref-pages adapter, and through each peer
 *     (glibc, jemalloc, mimalloc, tcmalloc: malloc(4096)/free of their
 *     OBJECTS adapter, found in the registry; a peer whose library does
 *     not load here is printed "not available" and skipped). Then the
 *     ratio ref/peer for each and for the fastest peer. The peers are
 *     reached through the adapter ABI (an indirect call and the adapter's
 *     wrapper per op), the ref API figure without it: the ref-pages row
 *     is the like-for-like one. The PRNG step is inside every figure;
 *     the blocks are not touched;
 *   - create+destroy of a 64 MiB machine;
 *   - a full ref_check of a 4 GiB machine with half its pages allocated
 *     (an order 0..3 mix), reported per GiB of simulated RAM.
 * Every pair and churn figure runs one untimed warm-up round, then
 * BENCH_ROUNDS (BENCH_ROUNDS_QUICK with --quick) timed rounds of N pairs,
 * and prints the median round: the machine may be shared.
 * There are no pass/fail thresholds: only a check finding or a failed
 * allocation (a bug, exit 1) or a machine or peer the environment cannot
 * back (exit 3) ends it early. Numbers from a sanitizer build are printed
 * with a note; use the release preset for real figures.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mmtorture/machine.h>
#include <mmtorture/registry.h>
#include <ref/check.h>
#include <ref/mm.h>

#include "../adapters/ref_pages.h"
#include "cli.h"
#include "mmt_lib.h"

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
/* Timed rounds per pair and churn figure (odd: the median is one round). */
#define BENCH_ROUNDS 5u
#define BENCH_ROUNDS_QUICK 3u
/* Machine specs (machine.h's grammar, as --machine everywhere). */
#define BENCH_PAIR_RAM "ram=256M"
/* Churn: live slots (a power of two), the peers' block, the PRNG seed. */
#define BENCH_CHURN_SLOTS 1024u
#define BENCH_CHURN_BLOCK 4096u
#define BENCH_CHURN_SEED 0x6d6d74u

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
	      "adapter);\n"
	      "churn (1024 live slots, a seeded random slot freed and "
	      "refilled per pair)\n"
	      "through the ref API at order 0, the ref-pages adapter and the "
	      "peers glibc,\n"
	      "jemalloc, mimalloc and tcmalloc with malloc(4096), and the "
	      "ratios ref/peer;\n"
	      "machine create+destroy, and a full check of a 4 GiB machine "
	      "half allocated.\n"
	      "Pair and churn figures: ns per alloc+free pair, the median of "
	      "5 timed rounds\n"
	      "(3 with --quick) after a warm-up round. A peer whose library "
	      "is missing is\n"
	      "printed as not available.\n"
	      "\n"
	      "  --quick         fewer repetitions (a smoke run)\n"
	      "  --iterations N  alloc+free pairs per round (default 1000000,\n"
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

/*
 * One figure's allocator and, for churn, its slots. Pair figures use
 * order; the ref API figures mm; the adapter figures ad and state. A slot
 * holds a struct ref_page * (ref API), an address (ref-pages) or an
 * object (peers); NULL is empty.
 */
struct fig {
	unsigned int order;
	struct ref_mm *mm;
	const struct mmt_adapter *ad;
	void *state;
	uint64_t rng; /* churn: splitmix64 state */
	uint64_t at; /* the step of the round that failed */
	void *slot[BENCH_CHURN_SLOTS];
};

/* One round of steps; NULL, or what failed (at f->at). */
typedef const char *(*round_fn)(struct fig *f, uint64_t steps);

static double median(double *v, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++) {
		double x = v[i];

		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return v[n / 2];
}

/*
 * An untimed warm-up round, then rounds (1..BENCH_ROUNDS) timed rounds of
 * steps; *ns the median ns per step. NULL, or what failed.
 */
static const char *timed_rounds(round_fn fn, struct fig *f, uint64_t steps,
				unsigned int rounds, double *ns)
{
	double t[BENCH_ROUNDS];
	const char *fail = fn(f, steps);
	unsigned int r;

	for (r = 0; r < rounds && !fail; r++) {
		uint64_t t0 = now_ns();

		fail = fn(f, steps);
		t[r] = (double)(now_ns() - t0) / (double)steps;
	}
	if (!fail)
		*ns = median(t, rounds);
	return fail;
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

static const char *ref_pair_round(struct fig *f, uint64_t steps)
{
	uint64_t i;

	for (i = 0; i < steps; i++) {
		struct ref_page *page =
			ref_alloc_pages(f->mm, REF_GFP_KERNEL, f->order);

		f->at = i;
		if (!page)
			return "ref_alloc_pages failed on an idle 256 MiB "
			       "machine";
		if (ref_free_pages_page(f->mm, page, f->order) != 0)
			return "ref_free_pages_page refused";
	}
	return NULL;
}

static const char *adapter_pair_round(struct fig *f, uint64_t steps)
{
	const struct mmt_pages_ops *pg = f->ad->pages;
	uint64_t i;

	for (i = 0; i < steps; i++) {
		void *addr = NULL;
		int rc = pg->alloc(f->state, f->order, MMT_GFP_KERNEL,
				   MMT_API_ALLOC_PAGES, &addr);

		f->at = i;
		if (rc != 0 || !addr)
			return "alloc failed";
		if (pg->free(f->state, addr, f->order,
			     MMT_API_FREE_PAGES_PAGE) != 0)
			return "free refused";
	}
	return NULL;
}

/* ref-pages on the pair machine, into f->ad and f->state. */
static int adapter_open(struct fig *f)
{
	const struct mmt_adapter *ad = &mmt_adapter_ref_pages;
	struct mmt_adapter_env env;
	char err[256];
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
	rc = mmt_adapter_create(ad, &env, &f->state, err, sizeof(err));
	if (rc != 0) {
		mmt_cli_error("bench", "adapter %s: create: %s", ad->name,
			      err[0] ? err : "failed");
		return MMT_EXIT_ENV;
	}
	f->ad = ad;
	return MMT_EXIT_OK;
}

/* ns per alloc+free pair through the ref API (adapter 0) or ref-pages. */
static int bench_pairs(int adapter, unsigned int order, uint64_t pairs,
		       unsigned int rounds, double *ns)
{
	struct fig *f = calloc(1, sizeof(*f));
	const char *fail;
	int rc;

	if (!f)
		return MMT_EXIT_ENV;
	f->order = order;
	rc = adapter ? adapter_open(f) : make_machine(BENCH_PAIR_RAM, &f->mm);
	if (rc == MMT_EXIT_OK) {
		fail = timed_rounds(adapter ? adapter_pair_round :
					      ref_pair_round,
				    f, pairs, rounds, ns);
		if (fail)
			rc = pair_failed(adapter ? f->ad->name : "", fail,
					 order, f->at);
	}
	if (f->mm)
		ref_mm_destroy(f->mm);
	if (f->state)
		f->ad->destroy(f->state);
	free(f);
	return rc;
}

/* ---------------------------------------------------------------- churn */

/* How a churn figure gets and puts one block (0, or the put failed). */
static inline void *ref_get(struct fig *f)
{
	return ref_alloc_page(f->mm, REF_GFP_KERNEL);
}

static inline int ref_put(struct fig *f, void *block)
{
	return ref_free_pages_page(f->mm, block, 0);
}

static inline void *rp_get(struct fig *f)
{
	void *addr = NULL;

	if (f->ad->pages->alloc(f->state, 0, MMT_GFP_KERNEL, MMT_API_ALLOC_PAGE,
				&addr) != 0)
		return NULL;
	return addr;
}

static inline int rp_put(struct fig *f, void *block)
{
	return f->ad->pages->free(f->state, block, 0, MMT_API_FREE_PAGES_PAGE);
}

static inline void *peer_get(struct fig *f)
{
	return f->ad->objects->malloc(f->state, BENCH_CHURN_BLOCK,
				      MMT_GFP_KERNEL);
}

static inline int peer_put(struct fig *f, void *block)
{
	f->ad->objects->free(f->state, block);
	return 0;
}

/*
 * steps churn steps: a slot from the PRNG, free what it holds, allocate
 * into it. Inlined into each figure's round so get and put are direct.
 */
static inline __attribute__((always_inline)) const char *
churn_steps(struct fig *f, uint64_t steps, void *(*get)(struct fig *),
	    int (*put)(struct fig *, void *))
{
	uint64_t i;

	for (i = 0; i < steps; i++) {
		uint64_t s = mmt_splitmix64_below(&f->rng, BENCH_CHURN_SLOTS);

		f->at = i;
		if (f->slot[s] && put(f, f->slot[s]) != 0)
			return "free refused";
		f->slot[s] = get(f);
		if (!f->slot[s])
			return "alloc failed";
	}
	return NULL;
}

static const char *ref_churn(struct fig *f, uint64_t steps)
{
	return churn_steps(f, steps, ref_get, ref_put);
}

static const char *rp_churn(struct fig *f, uint64_t steps)
{
	return churn_steps(f, steps, rp_get, rp_put);
}

static const char *peer_churn(struct fig *f, uint64_t steps)
{
	return churn_steps(f, steps, peer_get, peer_put);
}

/* A churn figure's allocator: its round and, untimed, its get and put. */
struct churn_kind {
	round_fn round;
	void *(*get)(struct fig *f);
	int (*put)(struct fig *f, void *block);
};

static const struct churn_kind churn_ref = { ref_churn, ref_get, ref_put };
static const struct churn_kind churn_rp = { rp_churn, rp_get, rp_put };
static const struct churn_kind churn_peer = { peer_churn, peer_get, peer_put };

/*
 * Fill every slot, time the churn (timed_rounds), free every slot. f has
 * its allocator open; NULL, or what failed (f->at: the step, or the slot
 * while filling and draining).
 */
static const char *churn_run(const struct churn_kind *k, struct fig *f,
			     uint64_t steps, unsigned int rounds, double *ns)
{
	const char *fail = NULL;
	uint64_t i;

	f->rng = BENCH_CHURN_SEED;
	for (i = 0; i < BENCH_CHURN_SLOTS && !fail; i++) {
		f->at = i;
		f->slot[i] = k->get(f);
		if (!f->slot[i])
			fail = "alloc failed while filling the slots";
	}
	if (!fail)
		fail = timed_rounds(k->round, f, steps, rounds, ns);
	for (i = 0; i < BENCH_CHURN_SLOTS; i++) {
		if (f->slot[i] && k->put(f, f->slot[i]) != 0 && !fail) {
			f->at = i;
			fail = "free refused while draining the slots";
		}
		f->slot[i] = NULL;
	}
	return fail;
}

/* Churn through the ref API (adapter 0) or ref-pages, as bench_pairs. */
static int bench_churn_ref(int adapter, uint64_t steps, unsigned int rounds,
			   double *ns)
{
	struct fig *f = calloc(1, sizeof(*f));
	const char *fail;
	int rc;

	if (!f)
		return MMT_EXIT_ENV;
	rc = adapter ? adapter_open(f) : make_machine(BENCH_PAIR_RAM, &f->mm);
	if (rc == MMT_EXIT_OK) {
		fail = churn_run(adapter ? &churn_rp : &churn_ref, f, steps,
				 rounds, ns);
		if (fail) {
			mmt_cli_error("bench",
				      "churn through %s: %s (step "
				      "%llu)",
				      adapter ? f->ad->name : "the ref API",
				      fail, (unsigned long long)f->at);
			rc = MMT_EXIT_BUG;
		}
	}
	if (f->mm)
		ref_mm_destroy(f->mm);
	if (f->state)
		f->ad->destroy(f->state);
	free(f);
	return rc;
}

/* The built-in adapter called name; NULL with *why_not when not usable. */
static const struct mmt_adapter *peer_find(const char *name,
					   const char **why_not)
{
	const struct mmt_adapter_info *b;
	size_t i, n;

	*why_not = "not built in";
	b = mmt_adapters_builtin(&n);
	for (i = 0; i < n; i++) {
		if (strcmp(b[i].adapter->name, name) != 0)
			continue;
		if (b[i].available && (b[i].adapter->caps & MMT_CAP_OBJECTS) &&
		    b[i].adapter->objects)
			return b[i].adapter;
		if (b[i].available)
			*why_not = "no OBJECTS operations";
		else if (b[i].why_not)
			*why_not = b[i].why_not;
		else
			*why_not = "?";
		return NULL;
	}
	return NULL;
}

/* Churn through peer ad with malloc(4096)/free. A failure is the peer's
 * or the environment's, not ref's: exit 3. */
static int bench_churn_peer(const struct mmt_adapter *ad, uint64_t steps,
			    unsigned int rounds, double *ns)
{
	struct mmt_adapter_env env;
	struct fig *f = calloc(1, sizeof(*f));
	const char *fail;
	char err[256];
	int rc;

	if (!f)
		return MMT_EXIT_ENV;
	memset(&env, 0, sizeof(env));
	env.abi_version = MMT_ADAPTER_ABI_VERSION;
	env.struct_size = (uint32_t)sizeof(env);
	env.options = "";
	mmt_machine_default(&env.machine);
	env.nr_threads = 1;
	err[0] = 0;
	f->ad = ad;
	if (mmt_adapter_create(ad, &env, &f->state, err, sizeof(err)) != 0) {
		mmt_cli_error("bench", "peer %s: create: %s", ad->name,
			      err[0] ? err : "failed");
		free(f);
		return MMT_EXIT_ENV;
	}
	rc = MMT_EXIT_OK;
	fail = churn_run(&churn_peer, f, steps, rounds, ns);
	if (fail) {
		mmt_cli_error("bench", "churn through peer %s: %s (step %llu)",
			      ad->name, fail, (unsigned long long)f->at);
		rc = MMT_EXIT_ENV;
	}
	ad->destroy(f->state);
	free(f);
	return rc;
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

/* The pair figures: order 0 and 3, ref API then ref-pages. */
static int bench_pair_rows(uint64_t pairs, unsigned int rounds)
{
	static const unsigned int orders[] = { 0, 3 };
	char what[64];
	unsigned int i;
	int adapter, rc;
	double v;

	for (adapter = 0; adapter < 2; adapter++) {
		for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
			rc = bench_pairs(adapter, orders[i], pairs, rounds, &v);
			if (rc != MMT_EXIT_OK)
				return rc;
			snprintf(what, sizeof(what),
				 "%s alloc+free order %u (256M)",
				 adapter ? "adapter" : "ref", orders[i]);
			row(what, v, "ns", pairs);
		}
	}
	return MMT_EXIT_OK;
}

/* The churn figures and the ratios ref/peer (see the top). */
static int bench_churn_rows(uint64_t steps, unsigned int rounds)
{
	static const char *const peers[] = { "glibc", "jemalloc", "mimalloc",
					     "tcmalloc" };
	enum { NR = sizeof(peers) / sizeof(peers[0]) };
	double ref, v, peer_ns[NR];
	const char *why[NR], *fastest = NULL;
	double best = 0;
	char what[64];
	unsigned int i;
	int rc;

	rc = bench_churn_ref(0, steps, rounds, &ref);
	if (rc != MMT_EXIT_OK)
		return rc;
	row("ref churn order 0 (256M)", ref, "ns", steps);
	rc = bench_churn_ref(1, steps, rounds, &v);
	if (rc != MMT_EXIT_OK)
		return rc;
	row("adapter churn order 0 (256M)", v, "ns", steps);
	for (i = 0; i < NR; i++) {
		const struct mmt_adapter *ad = peer_find(peers[i], &why[i]);

		snprintf(what, sizeof(what), "%s churn malloc(%u)", peers[i],
			 BENCH_CHURN_BLOCK);
		if (!ad) {
			printf("  %-40s not available (%s)\n", what, why[i]);
			continue;
		}
		why[i] = NULL;
		rc = bench_churn_peer(ad, steps, rounds, &peer_ns[i]);
		if (rc != MMT_EXIT_OK)
			return rc;
		row(what, peer_ns[i], "ns", steps);
		if (!fastest || peer_ns[i] < best) {
			fastest = peers[i];
			best = peer_ns[i];
		}
	}
	for (i = 0; i < NR; i++) {
		if (why[i])
			printf("ratio ref/%s: not available\n", peers[i]);
		else
			printf("ratio ref/%s: %.2f\n", peers[i],
			       ref / peer_ns[i]);
	}
	if (fastest)
		printf("ratio ref/fastest peer: %.2f (fastest: %s)\n",
		       ref / best, fastest);
	else
		printf("ratio ref/fastest peer: not available (no peer "
		       "loads here)\n");
	return MMT_EXIT_OK;
}

int mmt_cmd_bench(int argc, char **argv)
{
	struct mmt_cli_parser p;
	const char *value;
	uint64_t pairs = 0;
	unsigned int reps, rounds;
	int id, quick = 0, rc;
	double v;

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
	rounds = quick ? BENCH_ROUNDS_QUICK : BENCH_ROUNDS;

	printf("mmtorture bench: build %s, REF_ASSERT_LEVEL=%d\n",
	       BENCH_SANITIZED ? "with sanitizers (figures are slow; use "
				 "the release preset)" :
				 "without sanitizers",
	       REF_ASSERT_LEVEL);
	printf("pairs and churn: ns per alloc+free pair, median of %u rounds "
	       "of %llu pairs after a warm-up round\n",
	       rounds, (unsigned long long)pairs);
	printf("churn: %u slots, a splitmix64 slot (seed %#x) freed and "
	       "refilled per pair\n",
	       BENCH_CHURN_SLOTS, BENCH_CHURN_SEED);
	printf("  %-40s %12s %-6s %10s\n", "what", "time", "unit", "reps");
	rc = bench_pair_rows(pairs, rounds);
	if (rc == MMT_EXIT_OK)
		rc = bench_create(reps, &v);
	if (rc != MMT_EXIT_OK)
		return rc;
	row("machine create+destroy (64M)", v, "ms", reps);
	rc = bench_churn_rows(pairs, rounds);
	if (rc != MMT_EXIT_OK)
		return rc;
	fflush(stdout);
	return bench_check();
}
