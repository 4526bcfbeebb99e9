/* SPDX-License-Identifier: MIT */
/*
 * tests/stress/test_stress_ids.c - the negative tests of the registry's
 * stress ids (harness/invariants.c) that test_stress.c does not already
 * have: each run makes exactly its condition happen and expects exactly
 * its id as the first violation, from thread 0.
 *
 * The in-test PAGES allocator ("bad-pages") hands out one wrong block, as
 * its options string says, and NULL for every other call, so the first
 * block the harness sees is the wrong one:
 *   pastend   the page just past the end of the arena
 *   unaligned an order >= 1 block at pfn 1
 *   hole      pfn 2048 of a machine with no RAM in [2048, 4096)
 *   reserved  pfn 1024 of a machine reserving it
 *   across    (ZONES) the order-13 block at pfn 0 of a 32 MiB machine,
 *             DMA and DMA32 both
 *   above     (ZONES) a GFP_DMA request served at pfn 4096, in DMA32
 * The in-test OBJECTS allocator ("bump") is a bump allocator over one
 * buffer that never reuses memory (free does nothing), so whatever its
 * bug writes stays in memory it owns; "scribble" flips the first byte of
 * the object it returned before on every allocation.
 *
 * STRESS-OOM and STRESS-OWNER are failures of the harness's own
 * bookkeeping, which no allocator can cause: their tests arm the
 * test-only fault injection of stress_int.h (mmt_stress_fault).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/adapter.h>
#include <mmtorture/ops.h>

#include "leakcheck.h"
#include "stress_int.h"

/* ------------------------------------------------------ bad-pages */

struct bstate {
	struct mmt_arena a;
	char mode[16];
	int handed; /* the wrong block went out */
};

static int b_create(const struct mmt_adapter_env *env, void **state, char *err,
		    size_t errlen)
{
	struct bstate *st = calloc(1, sizeof(*st));

	(void)err;
	(void)errlen;
	if (!st)
		return -ENOMEM;
	st->a = env->arena;
	snprintf(st->mode, sizeof(st->mode), "%s", env->options);
	*state = st;
	return 0;
}

static void b_destroy(void *state)
{
	free(state);
}

/* The wrong block's pfn for this request, or -1 (NULL). */
static int64_t b_pick(const struct bstate *st, unsigned int order, uint32_t gfp)
{
	if (!strcmp(st->mode, "pastend"))
		return (int64_t)st->a.nr_pfns;
	if (!strcmp(st->mode, "unaligned"))
		return order >= 1 ? 1 : -1;
	if (!strcmp(st->mode, "hole"))
		return order <= 11 ? 2048 : -1;
	if (!strcmp(st->mode, "reserved"))
		return order <= 10 ? 1024 : -1;
	if (!strcmp(st->mode, "across"))
		return order == 13 ? 0 : -1;
	if (!strcmp(st->mode, "above"))
		return (gfp & MMT_GFP_DMA) && order <= 12 ? 4096 : -1;
	return -1;
}

static int b_alloc(void *state, unsigned int order, uint32_t gfp, uint32_t api,
		   void **addr)
{
	struct bstate *st = state;
	int64_t pfn;

	(void)api;
	*addr = NULL;
	if (st->handed)
		return 0;
	pfn = b_pick(st, order, gfp);
	if (pfn < 0)
		return 0;
	st->handed = 1;
	*addr = (char *)st->a.base + (uint64_t)pfn * st->a.page_size;
	return 0;
}

static int b_free(void *state, void *addr, unsigned int order, uint32_t api)
{
	(void)state;
	(void)addr;
	(void)order;
	(void)api;
	return 0;
}

static const struct mmt_pages_ops b_pages = {
	.struct_size = sizeof(struct mmt_pages_ops),
	.version = MMT_PAGES_OPS_VERSION,
	.alloc = b_alloc,
	.free = b_free,
};

static const struct mmt_adapter bad_pages = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "bad-pages",
	.description = "one wrong block",
	.caps = MMT_CAP_PAGES,
	.create = b_create,
	.destroy = b_destroy,
	.pages = &b_pages,
};

/* The same, declaring ZONES. */
static const struct mmt_adapter bad_pages_zones = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "bad-pages-zones",
	.description = "one wrong block, claims ZONES",
	.caps = MMT_CAP_PAGES | MMT_CAP_ZONES,
	.create = b_create,
	.destroy = b_destroy,
	.pages = &b_pages,
};

/* ------------------------------------------------------ bump */

#define BUMP_BYTES (64u << 20)
#define BUMP_HEAD 16u /* the size, before every object */

struct ustate {
	unsigned char *buf;
	size_t used;
	int scribble;
	unsigned char *last; /* the object returned before */
};

static int u_create(const struct mmt_adapter_env *env, void **state, char *err,
		    size_t errlen)
{
	struct ustate *st = calloc(1, sizeof(*st));

	(void)err;
	(void)errlen;
	if (!st)
		return -ENOMEM;
	st->buf = calloc(1, BUMP_BYTES);
	if (!st->buf) {
		free(st);
		return -ENOMEM;
	}
	st->scribble = !strcmp(env->options, "scribble");
	*state = st;
	return 0;
}

static void u_destroy(void *state)
{
	struct ustate *st = state;

	free(st->buf);
	free(st);
}

/* size bytes aligned to align (a power of two >= 16); NULL when full. */
static void *u_take(struct ustate *st, size_t align, size_t size)
{
	uintptr_t base = (uintptr_t)st->buf, p;

	p = (base + st->used + BUMP_HEAD + align - 1) & ~(uintptr_t)(align - 1);
	/* (written so that no size wraps it: kmalloc-mix asks for
	 * SIZE_MAX - k, which must fail) */
	if (size > BUMP_BYTES || p - base > BUMP_BYTES - size)
		return NULL;
	memcpy((void *)(p - BUMP_HEAD), &size, sizeof(size));
	st->used = p - base + size;
	if (st->scribble && st->last)
		st->last[0] ^= 0xff;
	st->last = (unsigned char *)p;
	return (void *)p;
}

static void *u_malloc(void *state, size_t size, uint32_t gfp)
{
	(void)gfp; /* the buffer is never reused: still zero */
	return u_take(state, 16, size);
}

static void *u_calloc(void *state, size_t n, size_t size, uint32_t gfp)
{
	(void)gfp;
	if (size && n > SIZE_MAX / size)
		return NULL;
	return u_take(state, 16, n * size);
}

static void *u_realloc(void *state, void *ptr, size_t size, uint32_t gfp)
{
	size_t old = 0;
	void *p;

	(void)gfp;
	if (ptr)
		memcpy(&old, (char *)ptr - BUMP_HEAD, sizeof(old));
	p = u_take(state, 16, size);
	if (p && ptr)
		memcpy(p, ptr, old < size ? old : size);
	return p;
}

static void *u_aligned(void *state, size_t align, size_t size, uint32_t gfp)
{
	(void)gfp;
	return u_take(state, align < 16 ? 16 : align, size);
}

static void u_free(void *state, void *ptr)
{
	(void)state;
	(void)ptr;
}

static const struct mmt_objects_ops u_objects = {
	.struct_size = sizeof(struct mmt_objects_ops),
	.version = MMT_OBJECTS_OPS_VERSION,
	.malloc = u_malloc,
	.calloc = u_calloc,
	.realloc = u_realloc,
	.aligned = u_aligned,
	.free = u_free,
	.min_align = 16,
};

static const struct mmt_adapter bump = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "bump",
	.description = "bump allocator, never reuses",
	.caps = MMT_CAP_OBJECTS,
	.create = u_create,
	.destroy = u_destroy,
	.objects = &u_objects,
};

/* ------------------------------------------------------ runs */

static char text[1 << 16]; /* the last run's stderr */

/* One thread, 1 s at most (a violation stops it at once), seed 1. */
static int run(const struct mmt_adapter *ad, const char *options,
	       const struct stress_scenario *sc, const struct mmt_machine *m)
{
	FILE *out = fopen("/dev/null", "w"), *err = tmpfile();
	struct mmt_stress_row row;
	struct mmt_stress_opts o = {
		.spec = ad->name,
		.options = options,
		.sc = sc,
		.machine = m,
		.threads = 1,
		.seconds = 1,
		.seed = 1,
		.out = out,
		.err = err,
	};
	size_t n;
	int rc;

	cr_assert(out && err);
	rc = mmt_stress_run(ad, &o, &row);
	rewind(err);
	n = fread(text, 1, sizeof(text) - 1, err);
	text[n] = '\0';
	fclose(out);
	fclose(err);
	return rc;
}

/*
 * The run failed and its first violation ("  thread 0 op N: ID ...", the
 * line after the one naming the count) is id; returns its line.
 */
static const char *expect_first(int rc, const char *id)
{
	const char *line = strstr(text, " violation(s) on ");
	char got[32] = "";
	unsigned long long op = 0;
	int thread = -1;

	cr_assert_eq(rc, 1, "want %s, exit %d:\n%s", id, rc, text);
	cr_assert_not_null(line, "%s", text);
	line = strchr(line, '\n');
	cr_assert_not_null(line, "%s", text);
	line++;
	cr_assert_eq(sscanf(line, "  thread %d op %llu: %31[A-Z0-9-]", &thread,
			    &op, got),
		     3, "%s", text);
	cr_assert_str_eq(got, id, "first is %s, want %s:\n%s", got, id, text);
	cr_assert_eq(thread, 0);
	return line;
}

/* 16 MiB (DMA only) or 32 MiB (DMA and DMA32) from pfn 0, orders 0..n-1. */
static void machine(struct mmt_machine *m, uint64_t pages, uint32_t orders)
{
	mmt_machine_default(m);
	m->nr_banks = 1;
	m->banks[0].start_pfn = 0;
	m->banks[0].nr_pages = pages;
	m->nr_orders = orders;
	m->nr_reserved = 0;
}

/* ------------------------------------------------------ pages-mix */

MMT_TEST(stress_ids, block_past_the_arena_is_range)
{
	struct mmt_machine m;
	const char *l;

	machine(&m, 4096, 6);
	l = expect_first(run(&bad_pages, "pastend", &mmt_stress_pages_mix, &m),
			 "STRESS-RANGE");
	cr_assert_not_null(strstr(l, "is outside the arena"), "%s", l);
}

MMT_TEST(stress_ids, misaligned_block_is_range)
{
	struct mmt_machine m;
	const char *l;

	machine(&m, 4096, 6);
	l = expect_first(run(&bad_pages, "unaligned", &mmt_stress_pages_mix,
			     &m),
			 "STRESS-RANGE");
	cr_assert_not_null(strstr(l, "at pfn 1 is not aligned to"), "%s", l);
}

MMT_TEST(stress_ids, block_in_a_hole_is_range)
{
	struct mmt_machine m;
	const char *l;

	machine(&m, 2048, 6);
	m.nr_banks = 2;
	m.banks[1].start_pfn = 4096;
	m.banks[1].nr_pages = 4096;
	l = expect_first(run(&bad_pages, "hole", &mmt_stress_pages_mix, &m),
			 "STRESS-RANGE");
	cr_assert_not_null(strstr(l, "at pfn 2048 covers a page that is not "
				     "present or is reserved"),
			   "%s", l);
}

MMT_TEST(stress_ids, block_on_a_reserved_page_is_range)
{
	struct mmt_machine m;
	const char *l;

	machine(&m, 4096, 6);
	m.nr_reserved = 1;
	m.reserved[0].start_pfn = 1024;
	m.reserved[0].nr_pages = 1;
	l = expect_first(run(&bad_pages, "reserved", &mmt_stress_pages_mix, &m),
			 "STRESS-RANGE");
	cr_assert_not_null(strstr(l, "at pfn 1024 covers a page that is not "
				     "present or is reserved"),
			   "%s", l);
}

/* The same reserved page is no violation for the bank that lacks it. */
MMT_TEST(stress_ids, the_same_block_without_the_reservation_is_clean)
{
	struct mmt_machine m;

	machine(&m, 4096, 6);
	cr_assert_eq(run(&bad_pages, "reserved", &mmt_stress_pages_mix, &m), 0,
		     "%s", text);
}

MMT_TEST(stress_ids, block_across_two_zones_is_zone)
{
	struct mmt_machine m;
	const char *l;

	machine(&m, 8192, 14); /* the top block is all of it */
	l = expect_first(run(&bad_pages_zones, "across", &mmt_stress_pages_mix,
			     &m),
			 "STRESS-ZONE");
	cr_assert_not_null(strstr(l, "order-13 block at pfn 0 is not inside "
				     "one zone"),
			   "%s", l);
}

MMT_TEST(stress_ids, block_above_the_allowed_zone_is_zone)
{
	struct mmt_machine m;
	const char *l;

	machine(&m, 8192, 6);
	l = expect_first(run(&bad_pages_zones, "above", &mmt_stress_pages_mix,
			     &m),
			 "STRESS-ZONE");
	cr_assert_not_null(strstr(l, "at pfn 4096 lies in zone DMA32"), "%s",
			   l);
}

/* Without ZONES the arena is one zone: the same block is no violation. */
MMT_TEST(stress_ids, zones_are_judged_only_when_declared)
{
	struct mmt_machine m;

	machine(&m, 8192, 14);
	cr_assert_eq(run(&bad_pages, "across", &mmt_stress_pages_mix, &m), 0,
		     "%s", text);
}

MMT_TEST(stress_ids, lost_ownership_bit_is_owner)
{
	struct mmt_machine m;
	const char *l;

	machine(&m, 4096, 6);
	atomic_store(&mmt_stress_fault, MMT_STRESS_FAULT_LOSE);
	/* any correct block will do: "reserved" on a machine without one */
	l = expect_first(run(&bad_pages, "reserved", &mmt_stress_pages_mix, &m),
			 "STRESS-OWNER");
	cr_assert_not_null(strstr(l, "page 1024 of a live order-"), "%s", l);
	cr_assert_eq(atomic_load(&mmt_stress_fault), MMT_STRESS_FAULT_NONE);
}

/* ------------------------------------------------------ kmalloc-mix */

MMT_TEST(stress_ids, bump_allocator_runs_clean)
{
	cr_assert_eq(run(&bump, "", &mmt_stress_kmalloc_mix, NULL), 0, "%s",
		     text);
}

MMT_TEST(stress_ids, changed_header_is_cookie)
{
	const char *l = expect_first(run(&bump, "scribble",
					 &mmt_stress_kmalloc_mix, NULL),
				     "STRESS-COOKIE");

	cr_assert_not_null(strstr(l, "header byte 0 is 0x"), "%s", l);
}

MMT_TEST(stress_ids, no_memory_for_the_live_set_is_oom)
{
	const char *l;

	atomic_store(&mmt_stress_fault, MMT_STRESS_FAULT_NOMEM);
	l = expect_first(run(&bump, "", &mmt_stress_kmalloc_mix, NULL),
			 "STRESS-OOM");
	cr_assert_not_null(strstr(l, "the harness ran out of memory"), "%s", l);
	cr_assert_eq(atomic_load(&mmt_stress_fault), MMT_STRESS_FAULT_NONE);
}

MMT_TEST(stress_ids, address_lost_from_the_live_set_is_owner)
{
	const char *l;

	atomic_store(&mmt_stress_fault, MMT_STRESS_FAULT_LOSE);
	l = expect_first(run(&bump, "", &mmt_stress_kmalloc_mix, NULL),
			 "STRESS-OWNER");
	cr_assert_not_null(strstr(l, "was not in the live set"), "%s", l);
	cr_assert_eq(atomic_load(&mmt_stress_fault), MMT_STRESS_FAULT_NONE);
}
