/* SPDX-License-Identifier: MIT */
/*
 * tests/stress/test_stress.c - the stress harness (the stress/ sources): the live
 * address set, each kmalloc-mix and pages-mix check against an in-test
 * allocator broken in exactly that way, serialization of an allocator that
 * is not THREAD_SAFE, capability refusal, and determinism of the op
 * sequence per thread; and that the broken allocators commit no memory
 * error of their own.
 *
 * The in-test OBJECTS allocator is the C library's malloc behind the
 * adapter ABI, with a record of the blocks it has out; its "bug" knob
 * makes one call in `every` misbehave. The in-test PAGES allocator is a
 * first-fit bitmap over the arena the harness maps (no OWN_ARENA, no
 * ZONES), one mutex around it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	OBUG_ALWAYS_SHORT, /* usable_size 0 on every call */
	OBUG_NULL, /* every allocation fails */
	OBUG_MALLOC8, /* malloc of 16 bytes or more: 8-aligned, never 16 */
	OBUG_HUGE, /* malloc above PTRDIFF_MAX: a 16-byte block */
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

/*
 * The test OBJECTS allocator keeps a record of every block it has handed
 * out, so that its bugs stay bugs of the allocator it pretends to be and
 * never become memory errors of its own, whatever the harness asks and in
 * whatever order the threads run:
 *   - a free or realloc of an address it does not hold is ignored (NULL
 *     for realloc), so nothing reaches libc twice;
 *   - a block handed out twice (OBUG_DOUBLE) counts its hand-outs and goes
 *     back to libc when the last is freed, so the holder freeing it while
 *     the harness looks at the second hand-out is not a use after free;
 *   - every write of a bug lies inside the block it names;
 *   - destroy frees what the harness left out (it keeps what it found
 *     corrupted), so the tests can check for leaks.
 */
struct oblock {
	void *p; /* what the caller got */
	void *base; /* what libc returned: p, or below it (OBUG_ALIGN) */
	size_t size; /* asked */
	unsigned int refs; /* hand-outs not freed yet */
	struct oblock *next;
};

#define OBUCKETS 4096u

struct ostate {
	pthread_mutex_t lock; /* the record and last */
	struct oblock *bucket[OBUCKETS];
	void *last; /* last block malloc returned, while out (DOUBLE/SCRIBBLE) */
	size_t last_size;
};

static struct oblock **oslot(struct ostate *st, const void *p)
{
	uintptr_t h = (uintptr_t)p;

	h ^= h >> 17;
	h *= 0xed5ad4bbu;
	return &st->bucket[(h >> 11) % OBUCKETS];
}

/* The record of the block at p, or NULL; st->lock held. */
static struct oblock *ofind(struct ostate *st, const void *p)
{
	struct oblock *b;

	for (b = *oslot(st, p); b; b = b->next)
		if (b->p == p)
			return b;
	return NULL;
}

/* Record a block libc just gave (base, handed out as p); p, or NULL after
 * giving it back when the record cannot be made. */
static void *otrack(struct ostate *st, void *p, void *base, size_t size)
{
	struct oblock *b = calloc(1, sizeof(*b)), **head;

	if (!b) {
		free(base);
		return NULL;
	}
	b->p = p;
	b->base = base;
	b->size = size;
	b->refs = 1;
	pthread_mutex_lock(&st->lock);
	head = oslot(st, p);
	b->next = *head;
	*head = b;
	pthread_mutex_unlock(&st->lock);
	return p;
}

/*
 * Drop one hand-out of p; st->lock held. Returns the record when that was
 * the last one (unlinked: the caller frees it and its base outside the
 * lock), else NULL (p unknown, or still out to another holder).
 */
static struct oblock *ountrack(struct ostate *st, const void *p)
{
	struct oblock **pp, *b;

	for (pp = oslot(st, p); (b = *pp) != NULL; pp = &b->next)
		if (b->p == p)
			break;
	if (!b)
		return NULL;
	if (st->last == p)
		st->last = NULL; /* freed by its holder: no more a live block */
	if (--b->refs)
		return NULL;
	*pp = b->next;
	return b;
}

static void orelease(struct oblock *b)
{
	if (b) {
		free(b->base);
		free(b);
	}
}

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
	unsigned int i;

	for (i = 0; i < OBUCKETS; i++) {
		while (st->bucket[i]) {
			struct oblock *b = st->bucket[i];

			st->bucket[i] = b->next;
			orelease(b);
		}
	}
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
	void *p = NULL;

	enter();
	record(1000000 + size);
	if (obug == OBUG_NULL) {
		leave();
		return NULL;
	}
	pthread_mutex_lock(&st->lock);
	/* The double hand-out only when the live block is big enough for
	 * the request: the memset below and the caller's writes stay in it,
	 * and its extra reference keeps it allocated until both hand-outs
	 * are freed. */
	if (obug == OBUG_DOUBLE && st->last && st->last_size >= size &&
	    every(50)) {
		ofind(st, st->last)->refs++;
		p = st->last;
	} else if (obug == OBUG_SCRIBBLE && st->last && st->last_size > 40 &&
		   every(50)) {
		/* last is out (a free or realloc of it clears it under this
		 * lock before libc sees it), and the byte is inside it */
		((unsigned char *)st->last)[st->last_size - 1] ^= 0x5a;
	}
	pthread_mutex_unlock(&st->lock);
	/* (size + 8 must not wrap: a huge size goes to libc, which fails) */
	if (!p && obug == OBUG_MALLOC8 && size >= 16 && size <= PTRDIFF_MAX) {
		void *base = NULL;

		if (posix_memalign(&base, 16, size + 8) == 0)
			p = otrack(st, (char *)base + 8, base, size);
		else
			p = NULL;
	} else if (!p && obug == OBUG_HUGE && size > PTRDIFF_MAX) {
		p = malloc(16); /* the wrapped size of a header added */
		p = p ? otrack(st, p, p, 16) : NULL;
	} else if (!p) {
		p = malloc(size);
		if (p && otrack(st, p, p, size)) {
			pthread_mutex_lock(&st->lock);
			st->last = p;
			st->last_size = size;
			pthread_mutex_unlock(&st->lock);
		}
	}
	if (p && (gfp & MMT_GFP_ZERO))
		memset(p, 0, size);
	leave();
	return p;
}

static void *o_calloc(void *state, size_t n, size_t size, uint32_t gfp)
{
	void *p;

	(void)gfp;
	enter();
	record(2000000 + n * size);
	p = obug == OBUG_NULL ? NULL : calloc(n, size); /* NULL on overflow */
	if (p)
		p = otrack(state, p, p, n * size);
	/* an empty block has no byte to dirty */
	if (p && n * size != 0 && obug == OBUG_CALLOC_DIRTY && every(20))
		((unsigned char *)p)[n * size / 2] = 1;
	leave();
	return p;
}

/*
 * A new block, the old contents copied, the old hand-out dropped: never
 * libc's realloc, which would free a block that a double hand-out still
 * has out. ptr stays allocated while it is copied: this caller holds one
 * of its hand-outs.
 */
static void *o_realloc(void *state, void *ptr, size_t size, uint32_t gfp)
{
	struct ostate *st = state;
	struct oblock *b;
	size_t old = 0, keep;
	unsigned char *p;

	(void)gfp;
	enter();
	record(3000000 + size);
	if (ptr) {
		pthread_mutex_lock(&st->lock);
		b = ofind(st, ptr);
		if (b)
			old = b->size;
		pthread_mutex_unlock(&st->lock);
		if (!b) {
			leave();
			return NULL; /* not ours */
		}
	}
	p = obug == OBUG_NULL ? NULL : malloc(size ? size : 1);
	if (p)
		p = otrack(st, p, p, size);
	if (!p) {
		leave();
		return NULL; /* the old block stays out, unchanged */
	}
	keep = old < size ? old : size;
	if (keep)
		memcpy(p, ptr, keep);
	/* the lost byte lies in the part that was to be kept */
	if (keep && obug == OBUG_REALLOC && every(20))
		p[keep - 1] ^= 0xff;
	if (ptr) {
		pthread_mutex_lock(&st->lock);
		b = ountrack(st, ptr);
		pthread_mutex_unlock(&st->lock);
		orelease(b);
	}
	leave();
	return p;
}

static void *o_aligned(void *state, size_t align, size_t size, uint32_t gfp)
{
	void *base = NULL, *p;

	(void)gfp;
	enter();
	record(4000000 + size);
	if (obug == OBUG_ALIGN && align > 16 && every(5)) {
		/* 16 bytes into a 4096-aligned block of size + 4096 bytes:
		 * never 32-aligned, and all of [p, p + size) inside it. */
		if (posix_memalign(&base, 4096, size + 4096) != 0)
			base = NULL;
		p = base ? (char *)base + 16 : NULL;
	} else if (obug != OBUG_NULL) {
		if (posix_memalign(&base, align, size) != 0)
			base = NULL;
		p = base;
	} else {
		p = NULL;
	}
	if (p)
		p = otrack(state, p, base, size);
	leave();
	return p;
}

static void o_free(void *state, void *ptr)
{
	struct ostate *st = state;
	struct oblock *b;

	enter();
	pthread_mutex_lock(&st->lock);
	b = ountrack(st, ptr);
	pthread_mutex_unlock(&st->lock);
	orelease(b);
	leave();
}

static size_t o_usable(void *state, const void *ptr)
{
	struct ostate *st = state;
	struct oblock *b;
	size_t n = 0;

	enter();
	pthread_mutex_lock(&st->lock);
	b = ofind(st, ptr);
	/* libc is asked about the block it returned; a misaligned block
	 * reaches from p to the end of that */
	if (b)
		n = malloc_usable_size(b->base) -
		    (size_t)((char *)b->p - (char *)b->base);
	pthread_mutex_unlock(&st->lock);
	if ((obug == OBUG_USABLE && every(20)) || obug == OBUG_ALWAYS_SHORT)
		n = 0;
	leave();
	return n;
}

static const struct mmt_objects_ops test_objects_ops = {
	.struct_size = sizeof(struct mmt_objects_ops),
	.version = MMT_OBJECTS_OPS_VERSION,
	.malloc = o_malloc,
	.calloc = o_calloc,
	.realloc = o_realloc,
	.aligned = o_aligned,
	.free = o_free,
	.usable_size = o_usable,
	.min_align = 16,
};

/* The same, declaring only 8-byte alignment (for OBUG_MALLOC8). */
static const struct mmt_objects_ops test_objects_ops8 = {
	.struct_size = sizeof(struct mmt_objects_ops),
	.version = MMT_OBJECTS_OPS_VERSION,
	.malloc = o_malloc,
	.calloc = o_calloc,
	.realloc = o_realloc,
	.aligned = o_aligned,
	.free = o_free,
	.usable_size = o_usable,
	.min_align = 8,
};

static struct mmt_adapter test_objects = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "test-objects",
	.description = "libc malloc with injectable bugs",
	.caps = MMT_CAP_OBJECTS | MMT_CAP_THREAD_SAFE | MMT_CAP_USABLE_SIZE,
	.create = o_create,
	.destroy = o_destroy,
	.cpu_enter = o_cpu_enter,
	.objects = &test_objects_ops,
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
	test_objects.objects = &test_objects_ops;
}

static char out_text[1 << 16]; /* the last run's stdout */

/*
 * Run a scenario on ad created with options; returns its exit code and its
 * stderr text in buf, its stdout text in out_text.
 */
static int run_with(const struct mmt_adapter *ad, const char *options,
		    const struct stress_scenario *sc, unsigned int threads,
		    double seconds, uint64_t seed, const struct mmt_machine *m,
		    struct mmt_stress_row *row, char *buf, size_t len)
{
	FILE *out = tmpfile(), *err = tmpfile();
	char spec[128];
	struct mmt_stress_opts o = {
		.spec = spec,
		.options = options,
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

	snprintf(spec, sizeof(spec), "%s%s%s", ad->name, options[0] ? ":" : "",
		 options);
	cr_assert(out && err);
	rc = mmt_stress_run(ad, &o, row);
	rewind(err);
	n = fread(buf, 1, len - 1, err);
	buf[n] = '\0';
	rewind(out);
	n = fread(out_text, 1, sizeof(out_text) - 1, out);
	out_text[n] = '\0';
	fclose(out);
	fclose(err);
	return rc;
}

static int run(const struct mmt_adapter *ad, const struct stress_scenario *sc,
	       unsigned int threads, double seconds, uint64_t seed,
	       const struct mmt_machine *m, struct mmt_stress_row *row,
	       char *buf, size_t len)
{
	return run_with(ad, "", sc, threads, seconds, seed, m, row, buf, len);
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
 * Each bug must be reported under its own id. One thread, so which call
 * the bug hits depends on how far the run gets only. What the harness
 * keeps back (a block it found corrupted) the allocator frees at destroy,
 * so the leak check holds.
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

MMT_TEST(kmalloc_mix, double_hand_out)
{
	expect_id(OBUG_DOUBLE, "STRESS-DOUBLE-ALLOC");
	cr_assert_not_null(strstr(text, "malloc(size "), "%s", text);
	cr_assert_not_null(strstr(text, ", which is live: thread 0 holds it "
					"as its allocation #"),
			   "%s", text);
}

MMT_TEST(kmalloc_mix, calloc_not_zero)
{
	expect_id(OBUG_CALLOC_DIRTY, "STRESS-ZERO");
}

MMT_TEST(kmalloc_mix, usable_size_short)
{
	expect_id(OBUG_USABLE, "STRESS-USABLE");
}

MMT_TEST(kmalloc_mix, block_for_an_impossible_size)
{
	expect_id(OBUG_HUGE, "STRESS-IMPOSSIBLE");
	cr_assert_not_null(strstr(text, "malloc(size SIZE_MAX - "), "%s", text);
}

/* The message names the size and the alignment as such. */
MMT_TEST(kmalloc_mix, aligned_ignores_alignment)
{
	const char *m;
	size_t size = 0, align = 0, to = 0;
	void *p = NULL;

	expect_id(OBUG_ALIGN, "STRESS-ALIGN");
	m = strstr(text, "STRESS-ALIGN addr ");
	cr_assert_not_null(m, "%s", text);
	m = strstr(m, ": aligned(size ");
	cr_assert_not_null(m, "%s", text);
	cr_assert_eq(sscanf(m,
			    ": aligned(size %zu, align %zu) returned %p, not "
			    "aligned to %zu",
			    &size, &align, &p, &to),
		     4, "%s", m);
	cr_assert_gt(align, 16, "%s", m);
	cr_assert_eq(to, align, "%s", m);
	cr_assert_neq((uintptr_t)p % align, 0, "%s", m);
	cr_assert_geq(size, 1, "%s", m);
}

/*
 * STRESS-ALIGN judges malloc by the min_align the allocator declares:
 * 8-aligned objects are caught when it declares 16, named as its
 * declaration, and are correct when it declares 8.
 */
MMT_TEST(kmalloc_mix, alignment_judged_by_declared_min_align)
{
	struct mmt_stress_row row;

	expect_id(OBUG_MALLOC8, "STRESS-ALIGN");
	cr_assert_not_null(strstr(text, "under the 16 it declares, "
					"objects->min_align"),
			   "%s", text);
	reset_objects(OBUG_MALLOC8);
	test_objects.objects = &test_objects_ops8;
	cr_assert_eq(run(&test_objects, &mmt_stress_kmalloc_mix, 1, 5, 1, NULL,
			 &row, text, sizeof(text)),
		     0, "declaring 8: %s", text);
	cr_assert_eq(row.violations, 0);
	reset_objects(OBUG_NONE);
}

MMT_TEST(kmalloc_mix, realloc_loses_contents)
{
	expect_id(OBUG_REALLOC, "STRESS-REALLOC");
}

MMT_TEST(kmalloc_mix, write_into_live_object)
{
	expect_id(OBUG_SCRIBBLE, "STRESS-FILL");
}

/*
 * A run stops at its first violation: with an allocator wrong on every
 * call, four threads and 10 s asked, it ends within a second, and besides
 * the first at most one violation per other thread is recorded (an op
 * already under way when the first was; an op stops at its own first).
 */
MMT_TEST(kmalloc_mix, stops_at_the_first_violation)
{
	struct mmt_stress_row row;

	reset_objects(OBUG_ALWAYS_SHORT);
	cr_assert_eq(run(&test_objects, &mmt_stress_kmalloc_mix, 4, 10, 1, NULL,
			 &row, text, sizeof(text)),
		     1, "%s", text);
	cr_assert_lt(row.seconds, 1.0, "ran %.2f s", row.seconds);
	cr_assert_geq(row.violations, 1);
	cr_assert_leq(row.violations, 4, "%lu violations:\n%s", row.violations,
		      text);
	cr_assert_not_null(strstr(text, "STRESS-USABLE"), "%s", text);
	cr_assert_not_null(strstr(text, "is 0, below the "), "%s", text);
	cr_assert_not_null(strstr(text, "reproduce: mmtorture stress"), "%s",
			   text);
	cr_assert_not_null(strstr(text, "stopped at the first violation"), "%s",
			   text);
}

/* The comparison table of one row, as text. */
static void table_of(const struct mmt_stress_row *row, char *buf, size_t len)
{
	FILE *f = tmpfile();
	size_t n;

	cr_assert_not_null(f);
	mmt_stress_print_table(f, row, 1);
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/*
 * Failed allocations are counted, shown beside ops/s in the progress line,
 * the summary and the table, and a run whose allocation calls mostly fail
 * is flagged (verdict mostly-fail, a warning with the fraction) without
 * changing the exit code; the clean allocator is not flagged.
 */
MMT_TEST(kmalloc_mix, failed_allocations_counted_and_flagged)
{
	struct mmt_stress_row row;
	unsigned long long f = 0, c = 0;
	char table[1024];
	const char *m;

	reset_objects(OBUG_NULL);
	/* 2.5 s: a progress line comes once a second, and under load the
	 * first may come late (t=2s) */
	cr_assert_eq(run(&test_objects, &mmt_stress_kmalloc_mix, 2, 2.5, 1,
			 NULL, &row, text, sizeof(text)),
		     0, "%s", text);
	cr_assert_gt(row.alloc_calls, 1000);
	cr_assert_eq(row.alloc_fails, row.alloc_calls);
	cr_assert_str_eq(mmt_stress_verdict(&row), "mostly-fail");
	cr_assert_not_null(strstr(text, "stress: warning: 100.0% of the "
					"allocation calls on test-objects "
					"failed ("),
			   "%s", text);
	m = strstr(out_text, "s test-objects kmalloc-mix ops/s=");
	cr_assert_not_null(m, "%s", out_text);
	/* "t=Ns": the second it came at */
	cr_assert(m - out_text >= 3 && !strncmp(m - 3, "t=", 2) &&
			  m[-1] >= '1' && m[-1] <= '9',
		  "%s", out_text);
	m = strstr(m, " failed=");
	cr_assert_not_null(m, "%s", out_text);
	cr_assert_eq(sscanf(m, " failed=%llu/%llu", &f, &c), 2, "%s", m);
	cr_assert(f > 0 && f == c, "%s", m);
	cr_assert_not_null(strstr(out_text, " (100.0%) peak_live_bytes="), "%s",
			   out_text);
	table_of(&row, table, sizeof(table));
	cr_assert_not_null(strstr(table, "failed"), "%s", table);
	cr_assert_not_null(strstr(table, " (100.0%) "), "%s", table);
	cr_assert_not_null(strstr(table, " mostly-fail"), "%s", table);

	reset_objects(OBUG_NONE);
	cr_assert_eq(run(&test_objects, &mmt_stress_kmalloc_mix, 2, 0.5, 1,
			 NULL, &row, text, sizeof(text)),
		     0, "%s", text);
	cr_assert_gt(row.alloc_calls, 1000);
	cr_assert_eq(row.alloc_fails, 0);
	cr_assert_str_eq(mmt_stress_verdict(&row), "ok");
	cr_assert_null(strstr(text, "warning"), "%s", text);
	cr_assert_not_null(strstr(out_text, " failed=0/"), "%s", out_text);
	table_of(&row, table, sizeof(table));
	cr_assert_not_null(strstr(table, " 0 (0.0%) "), "%s", table);
	cr_assert_not_null(strstr(table, " ok"), "%s", table);
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
	int badfree; /* refuse every free */
	int nomem; /* fail every allocation */
	int top; /* first fit from the top, whatever zone the mask asks */
	unsigned int order0; /* order of the block at pfn 0, while used */
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
	if (!st->used) {
		free(st);
		return -ENOMEM;
	}
	st->bug = env->options && !strcmp(env->options, "bug");
	st->badfree = env->options && !strcmp(env->options, "badfree");
	st->nomem = env->options && !strcmp(env->options, "nomem");
	st->top = env->options && !strcmp(env->options, "top");
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
	if (st->nomem)
		return -ENOMEM;
	pthread_mutex_lock(&st->lock);
	st->calls++;
	/* pfn 0's block again, only for an order it covers: the block the
	 * harness gets is one this allocator handed out, all in the arena */
	if (st->bug && st->calls % 100 == 0 && st->used[0] &&
	    order <= st->order0) {
		*addr = st->a.base;
		pthread_mutex_unlock(&st->lock);
		return 0;
	}
	for (pfn = 0; pfn + n <= st->a.nr_pfns; pfn += n) {
		uint64_t at = st->top ? (st->a.nr_pfns / n - 1) * n - pfn : pfn;

		for (i = 0; i < n && !st->used[at + i]; i++)
			;
		if (i == n) {
			pfn = at;
			memset(st->used + pfn, 1, n);
			if (pfn == 0)
				st->order0 = order;
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
	if (st->badfree)
		return -EBUSY;
	if ((char *)addr < (char *)st->a.base || pfn >= st->a.nr_pfns ||
	    (1ULL << order) > st->a.nr_pfns - pfn)
		return -EINVAL; /* not in the arena: nothing of ours to clear */
	pthread_mutex_lock(&st->lock);
	memset(st->used + pfn, 0, 1ULL << order);
	pthread_mutex_unlock(&st->lock);
	return 0;
}

static const struct mmt_pages_ops test_pages_ops = {
	.struct_size = sizeof(struct mmt_pages_ops),
	.version = MMT_PAGES_OPS_VERSION,
	.alloc = p_alloc,
	.free = p_free,
};

static const struct mmt_adapter test_pages = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "test-pages",
	.description = "first-fit page bitmap",
	.caps = MMT_CAP_PAGES | MMT_CAP_THREAD_SAFE,
	.create = p_create,
	.destroy = p_destroy,
	.pages = &test_pages_ops,
};

/* The same, claiming to honour the zone modifiers. */
static const struct mmt_adapter test_pages_zones = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "test-pages-zones",
	.description = "first-fit page bitmap that claims ZONES",
	.caps = MMT_CAP_PAGES | MMT_CAP_THREAD_SAFE | MMT_CAP_ZONES,
	.create = p_create,
	.destroy = p_destroy,
	.pages = &test_pages_ops,
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
	cr_assert_gt(row.alloc_calls, 1000);
	cr_assert_str_eq(mmt_stress_verdict(&row), "ok",
			 "%" PRIu64 " of %" PRIu64 " failed", row.alloc_fails,
			 row.alloc_calls);
}

/* An allocator out of memory from the start: flagged, exit still 0. */
MMT_TEST(pages_mix, failed_allocations_counted_and_flagged)
{
	struct mmt_machine m;
	struct mmt_stress_row row;

	small_machine(&m);
	cr_assert_eq(run_with(&test_pages, "nomem", &mmt_stress_pages_mix, 2,
			      0.3, 1, &m, &row, text, sizeof(text)),
		     0, "%s", text);
	cr_assert_gt(row.alloc_calls, 100);
	cr_assert_eq(row.alloc_fails, row.alloc_calls);
	cr_assert_str_eq(mmt_stress_verdict(&row), "mostly-fail");
	cr_assert_not_null(strstr(text, "stress: warning: 100.0% of the "
					"allocation calls on test-pages:nomem "
					"failed"),
			   "%s", text);
}

MMT_TEST(pages_mix, page_handed_out_twice)
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

/*
 * A ZONES allocator that hands a GFP_DMA request (or a forbidden mask) a
 * block from the top of a DMA + DMA32 machine breaks the machine model's
 * allowed zones.
 */
MMT_TEST(pages_mix, block_outside_the_zones_its_mask_allows)
{
	struct mmt_machine m;
	struct mmt_stress_row row;

	small_machine(&m);
	m.banks[0].nr_pages = 8192; /* 32 MiB: DMA and DMA32 */
	cr_assert_eq(run_with(&test_pages_zones, "top", &mmt_stress_pages_mix,
			      1, 10, 1, &m, &row, text, sizeof(text)),
		     1, "%s", text);
	cr_assert_not_null(strstr(text, "STRESS-ZONE"), "%s", text);
	cr_assert_not_null(strstr(text, "lies in zone DMA32, but gfp"), "%s",
			   text);
	/* the first wrong one: a GFP_DMA request, or the mix's forbidden
	 * GFP_DMA|GFP_DMA32, which allows no zone at all */
	cr_assert(strstr(text, "allows zones DMA\n") ||
			  strstr(text, "allows zones none\n"),
		  "%s", text);
}

/* The same stop with pages-mix: every free refused. */
MMT_TEST(pages_mix, stops_at_the_first_violation)
{
	struct mmt_machine m;
	struct mmt_stress_row row;

	small_machine(&m);
	cr_assert_eq(run_with(&test_pages, "badfree", &mmt_stress_pages_mix, 4,
			      10, 1, &m, &row, text, sizeof(text)),
		     1, "%s", text);
	cr_assert_lt(row.seconds, 1.0, "ran %.2f s", row.seconds);
	cr_assert_geq(row.violations, 1);
	cr_assert_leq(row.violations, 4, "%lu violations:\n%s", row.violations,
		      text);
	cr_assert_not_null(strstr(text, "STRESS-FREE"), "%s", text);
	cr_assert_not_null(strstr(text, "stopped at the first violation"), "%s",
			   text);
}

/* ------------------------------------------------------ the test allocators themselves */

/*
 * A broken test allocator must misbehave only in the way it names and never
 * commit a memory error of its own, whatever the harness asks and in
 * whatever order, or a test of the harness fails (or passes) by the luck
 * of the schedule. Each mode is driven here straight at its hazard, on the
 * bug's call, under ASan; MMT_TEST's leak check covers what stays out.
 */
static void *objects_start(enum obug b)
{
	struct mmt_adapter_env env;
	void *st = NULL;

	memset(&env, 0, sizeof(env));
	reset_objects(b);
	cr_assert_eq(o_create(&env, &st, NULL, 0), 0);
	return st;
}

/* Make the next call into the test OBJECTS allocator its call number n. */
static void next_call_is(long n)
{
	atomic_store(&ocalls, n - 1);
}

/* A live 64-byte block is not the answer to a zeroed 119-byte request (its
 * memset would run past it), but is to a 32-byte one; freeing both
 * hand-outs frees it once; a free of what is not live is ignored. */
MMT_TEST(test_allocators, double_only_when_the_block_fits)
{
	void *st = objects_start(OBUG_DOUBLE), *a, *b, *c;

	a = o_malloc(st, 64, MMT_GFP_KERNEL);
	cr_assert_not_null(a);
	next_call_is(50);
	b = o_malloc(st, 119, MMT_GFP_KERNEL | MMT_GFP_ZERO);
	cr_assert(b && b != a, "a 64-byte block handed out for 119 bytes");
	next_call_is(100);
	c = o_malloc(st, 32, MMT_GFP_KERNEL | MMT_GFP_ZERO);
	cr_assert_eq(c, b, "the double hand-out happens when the block fits");
	o_free(st, b);
	o_free(st, c);
	o_free(st, a);
	o_free(st, a);
	o_destroy(st);
}

/* A realloc to size 0 or from NULL has no byte to lose, and a NULL result
 * leaves the old block live. */
MMT_TEST(test_allocators, realloc_lossy_to_zero_and_from_null)
{
	void *st = objects_start(OBUG_REALLOC), *a, *b;

	a = o_malloc(st, 100, MMT_GFP_KERNEL);
	next_call_is(20);
	b = o_realloc(st, a, 0, MMT_GFP_KERNEL);
	o_free(st, b ? b : a);
	next_call_is(40);
	b = o_realloc(st, NULL, 10, MMT_GFP_KERNEL);
	o_free(st, b);
	o_destroy(st);
}

/* A misaligned block can be sized, resized and freed; what is still out at
 * destroy is freed then. */
MMT_TEST(test_allocators, misaligned_blocks_are_freed)
{
	void *st = objects_start(OBUG_ALIGN), *a, *b;

	next_call_is(5);
	a = o_aligned(st, 64, 100, MMT_GFP_KERNEL);
	cr_assert_not_null(a);
	cr_assert_neq((uintptr_t)a % 64, 0, "the bug's call misaligns");
	cr_assert_geq(o_usable(st, a), 100);
	b = o_realloc(st, a, 200, MMT_GFP_KERNEL);
	cr_assert_not_null(b);
	o_free(st, b);
	next_call_is(10);
	a = o_aligned(st, 64, 100, MMT_GFP_KERNEL);
	o_destroy(st);
}

/* The page allocator's bug hands pfn 0's block out again only for an
 * order it covers. */
MMT_TEST(test_allocators, pages_bug_only_when_the_block_fits)
{
	struct mmt_adapter_env env;
	struct pstate *st;
	void *state, *a = NULL, *b = NULL;

	memset(&env, 0, sizeof(env));
	env.options = "bug";
	env.arena.nr_pfns = 64;
	env.arena.page_size = 4096;
	env.arena.nr_orders = 4;
	env.arena.base = calloc(64, 4096);
	cr_assert_not_null(env.arena.base);
	cr_assert_eq(p_create(&env, &state, NULL, 0), 0);
	st = state;
	cr_assert_eq(p_alloc(state, 0, MMT_GFP_KERNEL, 0, &a), 0);
	cr_assert_eq(a, env.arena.base);
	st->calls = 99; /* the next call is the bug's */
	cr_assert_eq(p_alloc(state, 3, MMT_GFP_KERNEL | MMT_GFP_ZERO, 0, &b),
		     0);
	cr_assert_neq(b, a, "the order-0 block at pfn 0 handed out as order 3");
	st->calls = 199;
	cr_assert_eq(p_alloc(state, 0, MMT_GFP_KERNEL, 0, &b), 0);
	cr_assert_eq(b, a, "the double hand-out happens when the block fits");
	p_destroy(state);
	free(env.arena.base);
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
	{
		/* options create() refuses: exit 2 before the first runs */
		time_t t0 = time(NULL);

		cr_assert_eq(stress_cmd("--allocator",
					"ref-pages,ref-pages:bogus=1",
					"--seconds", "30"),
			     2);
		cr_assert_lt(time(NULL) - t0, 10, "the first one ran first");
	}
	cr_assert_eq(stress_cmd("--help", NULL, NULL, NULL), 0);
}
