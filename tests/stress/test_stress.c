/* SPDX-License-Identifier: MIT */
/*
 * tests/stress/test_stress.c - the stress harness (the stress/ sources): the live
 * address set, each kmalloc-mix and pages-mix check against an in-test
 * allocator broken in exactly that way, serialization of an allocator that
 * is not THREAD_SAFE, capability refusal, and determinism of the op
 * sequence per thread.
 *
 * The in-test OBJECTS allocator is the C library's malloc behind the
 * adapter ABI; its "bug" knob makes one call in `every` misbehave. The
 * in-test PAGES allocator is a first-fit bitmap over the arena the harness
 * maps (no OWN_ARENA, no ZONES), one mutex around it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/adapter.h>
#include <mmtorture/ops.h>

#include "leakcheck.h"
#include "stress.h"
#include "stress_int.h"

/* ------------------------------------------------------ live set */

MMT_TEST(liveset, insert_remove_duplicate)
{
	struct mmt_liveset *ls = mmt_liveset_create(16);
	uint64_t tag = 0;

	cr_assert_not_null(ls);
	cr_assert_eq(mmt_liveset_insert(ls, 0x1000, 7, NULL), 0);
	cr_assert_eq(mmt_liveset_insert(ls, 0x1000, 8, &tag), 1);
	cr_assert_eq(tag, 7, "the first holder is reported");
	cr_assert_eq(mmt_liveset_remove(ls, 0x1000, &tag), 0);
	cr_assert_eq(tag, 7);
	cr_assert_eq(mmt_liveset_remove(ls, 0x1000, NULL), -1);
	cr_assert_eq(mmt_liveset_count(ls), 0);
	mmt_liveset_destroy(ls);
}

/* Random inserts and removes against a plain array model; forces growth
 * and long probe runs (addresses 16 apart, as a malloc hands them out). */
MMT_TEST(liveset, matches_model)
{
	enum { N = 20000 };
	static unsigned char in[N];
	struct mmt_liveset *ls = mmt_liveset_create(1);
	uint64_t rng = 42;
	size_t live = 0;
	int i;

	cr_assert_not_null(ls);
	memset(in, 0, sizeof(in));
	for (i = 0; i < 200000; i++) {
		uint32_t k = mmt_stress_below(&rng, N);
		uintptr_t addr = 0x10000 + (uintptr_t)k * 16;
		uint64_t tag = 0;

		if (mmt_stress_below(&rng, 2)) {
			int rc = mmt_liveset_insert(ls, addr, k, &tag);

			cr_assert_eq(rc, in[k] ? 1 : 0, "insert %u", k);
			if (rc == 1)
				cr_assert_eq(tag, k);
			if (!in[k])
				live++;
			in[k] = 1;
		} else {
			int rc = mmt_liveset_remove(ls, addr, &tag);

			cr_assert_eq(rc, in[k] ? 0 : -1, "remove %u", k);
			if (in[k]) {
				cr_assert_eq(tag, k);
				live--;
			}
			in[k] = 0;
		}
	}
	cr_assert_eq(mmt_liveset_count(ls), live);
	mmt_liveset_destroy(ls);
}

/* ------------------------------------------------------ test allocators */

enum obug {
	OBUG_NONE,
	OBUG_DOUBLE, /* malloc returns a live object again */
	OBUG_CALLOC_DIRTY, /* calloc leaves a byte set */
	OBUG_USABLE, /* usable_size one byte short */
	OBUG_ALIGN, /* aligned() ignores the alignment */
	OBUG_REALLOC, /* realloc loses a byte of the old contents */
	OBUG_SCRIBBLE, /* malloc writes into the previous object */
	OBUG_RACE, /* none: counts concurrent entries */
};

static enum obug obug;
static atomic_long ocalls;
static atomic_int inside, max_inside;
static _Thread_local unsigned int my_cpu;

/* Per-thread record of the first allocations: kind*1e6 + size. */
#define REC 4000
static uint64_t rec[4][REC];
static atomic_uint nrec[4];

static void record(uint64_t v)
{
	unsigned int c = my_cpu < 4 ? my_cpu : 3;
	unsigned int i = atomic_fetch_add(&nrec[c], 1);

	if (i < REC)
		rec[c][i] = v;
}

static void enter(void)
{
	int n = atomic_fetch_add(&inside, 1) + 1, m = atomic_load(&max_inside);

	while (n > m && !atomic_compare_exchange_weak(&max_inside, &m, n))
		;
	atomic_fetch_add(&ocalls, 1);
}

static void leave(void)
{
	atomic_fetch_sub(&inside, 1);
}

static int every(long n)
{
	return atomic_load(&ocalls) % n == 0;
}

struct ostate {
	pthread_mutex_t lock;
	void *last; /* last object malloc returned (OBUG_DOUBLE/SCRIBBLE) */
	size_t last_size;
};

static int o_create(const struct mmt_adapter_env *env, void **state, char *err,
		    size_t errlen)
{
	struct ostate *st = calloc(1, sizeof(*st));

	(void)env;
	(void)err;
	(void)errlen;
	if (!st)
		return -ENOMEM;
	pthread_mutex_init(&st->lock, NULL);
	*state = st;
	return 0;
}

static void o_destroy(void *state)
{
	struct ostate *st = state;

	pthread_mutex_destroy(&st->lock);
	free(st);
}

static void o_cpu_enter(void *state, unsigned int cpu)
{
	(void)state;
	my_cpu = cpu;
}

static void *o_malloc(void *state, size_t size, uint32_t gfp)
{
	struct ostate *st = state;
	void *p;

	enter();
	record(1000000 + size);
	pthread_mutex_lock(&st->lock);
	if (obug == OBUG_DOUBLE && st->last && every(50)) {
		p = st->last;
	} else {
		if (obug == OBUG_SCRIBBLE && st->last && st->last_size > 40 &&
		    every(50))
			((unsigned char *)st->last)[st->last_size - 1] ^= 0x5a;
		p = malloc(size);
		st->last = p;
		st->last_size = size;
	}
	pthread_mutex_unlock(&st->lock);
	if (p && (gfp & MMT_GFP_ZERO))
		memset(p, 0, size);
	leave();
	return p;
}

static void *o_calloc(void *state, size_t n, size_t size, uint32_t gfp)
{
	void *p;

	(void)state;
	(void)gfp;
	enter();
	record(2000000 + n * size);
	p = calloc(n, size);
	if (p && obug == OBUG_CALLOC_DIRTY && every(20))
		((unsigned char *)p)[n * size / 2] = 1;
	leave();
	return p;
}

static void *o_realloc(void *state, void *ptr, size_t size, uint32_t gfp)
{
	struct ostate *st = state;
	size_t old;
	void *p;

	(void)gfp;
	enter();
	record(3000000 + size);
	pthread_mutex_lock(&st->lock);
	if (st->last == ptr)
		st->last = NULL;
	pthread_mutex_unlock(&st->lock);
	if (obug == OBUG_ALIGN && ((uintptr_t)ptr & 4095) == 16) {
		/* One of the misaligned ones: libc must not see it (ASan
		 * aborts on malloc_usable_size of it); the realloc fails and
		 * the caller keeps it, as o_free does. */
		leave();
		return NULL;
	}
	old = malloc_usable_size(ptr);
	p = realloc(ptr, size);
	if (p && obug == OBUG_REALLOC && every(20))
		((unsigned char *)p)[(old < size ? old : size) - 1] ^= 0xff;
	leave();
	return p;
}

static void *o_aligned(void *state, size_t align, size_t size, uint32_t gfp)
{
	void *p = NULL;

	(void)state;
	(void)gfp;
	enter();
	record(4000000 + size);
	if (obug == OBUG_ALIGN && align > 16 && every(5)) {
		/* 16 bytes past an aligned block: never 32-aligned. */
		if (posix_memalign(&p, 4096, size + 4096) == 0)
			p = (char *)p + 16;
	} else if (posix_memalign(&p, align, size) != 0) {
		p = NULL;
	}
	leave();
	return p;
}

static void o_free(void *state, void *ptr)
{
	struct ostate *st = state;

	enter();
	pthread_mutex_lock(&st->lock);
	if (st->last == ptr)
		st->last = NULL;
	pthread_mutex_unlock(&st->lock);
	if (obug != OBUG_ALIGN || ((uintptr_t)ptr & 4095) != 16)
		free(ptr);
	leave();
}

static size_t o_usable(void *state, const void *ptr)
{
	size_t n;

	(void)state;
	enter();
	if (obug == OBUG_ALIGN && ((uintptr_t)ptr & 4095) == 16)
		n = SIZE_MAX; /* one of the misaligned ones: not ours to ask */
	else
		n = malloc_usable_size((void *)(uintptr_t)ptr);
	if (obug == OBUG_USABLE && every(20))
		n = 0;
	leave();
	return n;
}

static struct mmt_adapter test_objects = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "test-objects",
	.description = "libc malloc with injectable bugs",
	.caps = MMT_CAP_OBJECTS | MMT_CAP_THREAD_SAFE | MMT_CAP_USABLE_SIZE,
	.create = o_create,
	.destroy = o_destroy,
	.cpu_enter = o_cpu_enter,
	.objects = { .malloc = o_malloc,
		     .calloc = o_calloc,
		     .realloc = o_realloc,
		     .aligned = o_aligned,
		     .free = o_free,
		     .usable_size = o_usable },
};

static void reset_objects(enum obug b)
{
	obug = b;
	atomic_store(&ocalls, 0);
	atomic_store(&inside, 0);
	atomic_store(&max_inside, 0);
	for (int i = 0; i < 4; i++)
		atomic_store(&nrec[i], 0);
	memset(rec, 0, sizeof(rec));
	test_objects.caps = MMT_CAP_OBJECTS | MMT_CAP_THREAD_SAFE |
			    MMT_CAP_USABLE_SIZE;
}

/* Run a scenario; returns its exit code and its stderr text in buf. */
static int run(const struct mmt_adapter *ad, const struct stress_scenario *sc,
	       unsigned int threads, double seconds, uint64_t seed,
	       const struct mmt_machine *m, struct mmt_stress_row *row,
	       char *buf, size_t len)
{
	FILE *out = fopen("/dev/null", "w"), *err = tmpfile();
	struct mmt_stress_opts o = {
		.spec = ad->name,
		.options = "",
		.sc = sc,
		.machine = m,
		.threads = threads,
		.seconds = seconds,
		.seed = seed,
		.out = out,
		.err = err,
	};
	size_t n;
	int rc;

	cr_assert(out && err);
	rc = mmt_stress_run(ad, &o, row);
	rewind(err);
	n = fread(buf, 1, len - 1, err);
	buf[n] = '\0';
	fclose(out);
	fclose(err);
	return rc;
}

static char text[1 << 16];

MMT_TEST(kmalloc_mix, clean_allocator_holds)
{
	struct mmt_stress_row row;

	reset_objects(OBUG_NONE);
	cr_assert_eq(run(&test_objects, &mmt_stress_kmalloc_mix, 2, 0.5, 1,
			 NULL, &row, text, sizeof(text)),
		     0, "%s", text);
	cr_assert_eq(row.violations, 0);
	cr_assert_gt(row.ops, 1000);
	cr_assert_gt(row.peak_live, 0);
	cr_assert_str_eq(row.scenario, "kmalloc-mix");
}

/*
 * Each bug must be reported under its own id. One thread, so the broken
 * allocator's writes race with nothing. Bugs leak on purpose.
 */
static void expect_id(enum obug b, const char *id)
{
	struct mmt_stress_row row;

	reset_objects(b);
	cr_assert_eq(run(&test_objects, &mmt_stress_kmalloc_mix, 1, 5, 1, NULL,
			 &row, text, sizeof(text)),
		     1, "bug %d not found", (int)b);
	cr_assert_gt(row.violations, 0);
	cr_assert_not_null(strstr(text, id), "want %s in:\n%s", id, text);
	cr_assert_not_null(strstr(text, "reproduce: mmtorture stress"));
}

Test(kmalloc_mix, double_hand_out)
{
	expect_id(OBUG_DOUBLE, "STRESS-DOUBLE-ALLOC");
}

Test(kmalloc_mix, calloc_not_zero)
{
	expect_id(OBUG_CALLOC_DIRTY, "STRESS-ZERO");
}

Test(kmalloc_mix, usable_size_short)
{
	expect_id(OBUG_USABLE, "STRESS-USABLE");
}

Test(kmalloc_mix, aligned_ignores_alignment)
{
	expect_id(OBUG_ALIGN, "STRESS-ALIGN");
}

Test(kmalloc_mix, realloc_loses_contents)
{
	expect_id(OBUG_REALLOC, "STRESS-REALLOC");
}

Test(kmalloc_mix, write_into_live_object)
{
	expect_id(OBUG_SCRIBBLE, "STRESS-FILL");
}

MMT_TEST(kmalloc_mix, not_thread_safe_is_serialized)
{
	struct mmt_stress_row row;

	reset_objects(OBUG_NONE);
	test_objects.caps &= ~MMT_CAP_THREAD_SAFE;
	cr_assert_eq(run(&test_objects, &mmt_stress_kmalloc_mix, 4, 0.5, 3,
			 NULL, &row, text, sizeof(text)),
		     0, "%s", text);
	cr_assert_eq(row.serialized, 1);
	cr_assert_eq(atomic_load(&max_inside), 1,
		     "two threads were inside the allocator at once");
	cr_assert_gt(row.ops, 1000);
}

MMT_TEST(kmalloc_mix, same_seed_same_ops_per_thread)
{
	static uint64_t first[2][REC];
	unsigned int n1[2], t;
	struct mmt_stress_row row;
	int differ = 0;

	reset_objects(OBUG_NONE);
	cr_assert_eq(run(&test_objects, &mmt_stress_kmalloc_mix, 2, 0.3, 9,
			 NULL, &row, text, sizeof(text)),
		     0);
	for (t = 0; t < 2; t++) {
		n1[t] = atomic_load(&nrec[t]);
		memcpy(first[t], rec[t], sizeof(first[t]));
	}
	reset_objects(OBUG_NONE);
	cr_assert_eq(run(&test_objects, &mmt_stress_kmalloc_mix, 2, 0.3, 9,
			 NULL, &row, text, sizeof(text)),
		     0);
	for (t = 0; t < 2; t++) {
		unsigned int n = atomic_load(&nrec[t]);

		if (n > n1[t])
			n = n1[t];
		if (n > REC)
			n = REC;
		cr_assert_gt(n, 100, "thread %u made too few calls", t);
		for (unsigned int i = 0; i < n; i++)
			cr_assert_eq(rec[t][i], first[t][i],
				     "thread %u call %u differs", t, i);
	}
	/* A different seed gives a different sequence. */
	reset_objects(OBUG_NONE);
	cr_assert_eq(run(&test_objects, &mmt_stress_kmalloc_mix, 2, 0.3, 10,
			 NULL, &row, text, sizeof(text)),
		     0);
	for (unsigned int i = 0; i < 100; i++)
		differ |= rec[0][i] != first[0][i];
	cr_assert(differ);
}

MMT_TEST(scenario, refused_without_capability)
{
	struct mmt_stress_row row;
	char miss[64];

	reset_objects(OBUG_NONE);
	cr_assert_eq(run(&test_objects, &mmt_stress_pages_mix, 1, 0.1, 1, NULL,
			 &row, text, sizeof(text)),
		     2);
	cr_assert_not_null(strstr(text, "PAGES"), "%s", text);
	cr_assert_eq(mmt_stress_default_scenario(MMT_CAP_OBJECTS),
		     &mmt_stress_kmalloc_mix);
	cr_assert_eq(mmt_stress_default_scenario(MMT_CAP_PAGES |
						 MMT_CAP_OBJECTS),
		     &mmt_stress_pages_mix);
	cr_assert_null(mmt_stress_default_scenario(MMT_CAP_CACHES));
	mmt_stress_missing_caps(MMT_CAP_OBJECTS | MMT_CAP_USABLE_SIZE,
				MMT_CAP_PAGES, miss, sizeof(miss));
	cr_assert_str_eq(miss, "OBJECTS, USABLE_SIZE");
}

/* ------------------------------------------------------ a page allocator */

struct pstate {
	pthread_mutex_t lock;
	struct mmt_arena a;
	unsigned char *used; /* per pfn */
	int bug; /* hand out pfn 0's block again every 100th call */
	long calls;
};

static int p_create(const struct mmt_adapter_env *env, void **state, char *err,
		    size_t errlen)
{
	struct pstate *st = calloc(1, sizeof(*st));

	(void)err;
	(void)errlen;
	if (!st)
		return -ENOMEM;
	st->a = env->arena;
	st->used = calloc(st->a.nr_pfns, 1);
	st->bug = env->options && !strcmp(env->options, "bug");
	pthread_mutex_init(&st->lock, NULL);
	*state = st;
	return 0;
}

static void p_destroy(void *state)
{
	struct pstate *st = state;

	pthread_mutex_destroy(&st->lock);
	free(st->used);
	free(st);
}

static int p_alloc(void *state, unsigned int order, uint32_t gfp, uint32_t api,
		   void **addr)
{
	struct pstate *st = state;
	uint64_t n = 1ULL << order, pfn, i;

	(void)api;
	*addr = NULL;
	pthread_mutex_lock(&st->lock);
	st->calls++;
	if (st->bug && st->calls % 100 == 0 && st->used[0]) {
		*addr = st->a.base; /* pfn 0 again */
		pthread_mutex_unlock(&st->lock);
		return 0;
	}
	for (pfn = 0; pfn + n <= st->a.nr_pfns; pfn += n) {
		for (i = 0; i < n && !st->used[pfn + i]; i++)
			;
		if (i == n) {
			memset(st->used + pfn, 1, n);
			*addr = (char *)st->a.base + pfn * st->a.page_size;
			break;
		}
	}
	pthread_mutex_unlock(&st->lock);
	if (*addr && (gfp & MMT_GFP_ZERO))
		memset(*addr, 0, n * st->a.page_size);
	return 0;
}

static int p_free(void *state, void *addr, unsigned int order, uint32_t api)
{
	struct pstate *st = state;
	uint64_t pfn =
		(uint64_t)((char *)addr - (char *)st->a.base) / st->a.page_size;

	(void)api;
	pthread_mutex_lock(&st->lock);
	memset(st->used + pfn, 0, 1ULL << order);
	pthread_mutex_unlock(&st->lock);
	return 0;
}

static const struct mmt_adapter test_pages = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "test-pages",
	.description = "first-fit page bitmap",
	.caps = MMT_CAP_PAGES | MMT_CAP_THREAD_SAFE,
	.create = p_create,
	.destroy = p_destroy,
	.pages = { .alloc = p_alloc, .free = p_free },
};

static void small_machine(struct mmt_machine *m)
{
	mmt_machine_default(m);
	m->nr_banks = 1;
	m->banks[0].start_pfn = 0;
	m->banks[0].nr_pages = 4096; /* 16 MiB, all ZONE_DMA */
	m->nr_orders = 6;
}

MMT_TEST(pages_mix, harness_arena_allocator_holds)
{
	struct mmt_machine m;
	struct mmt_stress_row row;

	small_machine(&m);
	cr_assert_eq(run(&test_pages, &mmt_stress_pages_mix, 2, 0.5, 1, &m,
			 &row, text, sizeof(text)),
		     0, "%s", text);
	cr_assert_eq(row.violations, 0);
	cr_assert_gt(row.ops, 1000);
	cr_assert_gt(row.peak_live, 0);
	cr_assert_str_eq(row.allocator, "test-pages"); /* no options */
}

Test(pages_mix, page_handed_out_twice)
{
	struct mmt_machine m;
	struct mmt_stress_row row;
	struct mmt_stress_opts o;
	FILE *out = fopen("/dev/null", "w"), *err = tmpfile();
	size_t n;

	small_machine(&m);
	memset(&o, 0, sizeof(o));
	o.spec = "test-pages:bug";
	o.options = "bug";
	o.sc = &mmt_stress_pages_mix;
	o.machine = &m;
	o.threads = 2;
	o.seconds = 5;
	o.seed = 1;
	o.out = out;
	o.err = err;
	cr_assert_eq(mmt_stress_run(&test_pages, &o, &row), 1);
	/* the table row names the options too, so A and A:opt differ */
	cr_assert_str_eq(row.allocator, "test-pages:bug");
	rewind(err);
	n = fread(text, 1, sizeof(text) - 1, err);
	text[n] = '\0';
	cr_assert_not_null(strstr(text, "STRESS-DOUBLE-ALLOC pfn 0"), "%s",
			   text);
	fclose(out);
	fclose(err);
}

/* ------------------------------------------------------ the command line */

static int stress_cmd(const char *a1, const char *a2, const char *a3,
		      const char *a4)
{
	char *argv[6] = { "stress", NULL, NULL, NULL, NULL, NULL };
	const char *in[4] = { a1, a2, a3, a4 };
	int argc = 1;

	for (int i = 0; i < 4 && in[i]; i++)
		argv[argc++] = (char *)(uintptr_t)in[i];
	return mmt_stress_main(argc, argv);
}

MMT_TEST(cli, usage_errors_exit_2)
{
	cr_assert_eq(stress_cmd("--bogus", NULL, NULL, NULL), 2);
	cr_assert_eq(stress_cmd("--bogus", "1", NULL, NULL), 2);
	cr_assert_eq(stress_cmd("--threads", NULL, NULL, NULL), 2);
	cr_assert_eq(stress_cmd("--threads", "0", NULL, NULL), 2);
	cr_assert_eq(stress_cmd("--seconds", "-1", NULL, NULL), 2);
	cr_assert_eq(stress_cmd("--scenario", "nosuch", NULL, NULL), 2);
	cr_assert_eq(stress_cmd("--allocator", "ref-pages", "--scenario",
				"kmalloc-mix"),
		     2);
	cr_assert_eq(stress_cmd("--allocator", "glibc", "--scenario",
				"pages-mix"),
		     2);
	cr_assert_eq(stress_cmd("--allocator", "ref-pages,nosuch", NULL, NULL),
		     2, "the list is resolved before anything runs");
	cr_assert_eq(stress_cmd("--allocator", "ref-pages,", NULL, NULL), 2);
	cr_assert_eq(stress_cmd("--help", NULL, NULL, NULL), 0);
}
