/* SPDX-License-Identifier: MIT */
/*
 * tests/ref/test_upool.c - the memory pool (ref/upool.c) and its checker.
 *
 * Behaviour first: carving, alloc until empty, LIFO reuse, refused frees,
 * destroy with live chunks, the pages coming back to the buddy, the
 * statistics, the view, the trace events, bad configs, and machines that
 * drop their pools. Then one test per UPOOL-* id that corrupts exactly one
 * thing and expects a report holding that id and no other. Every test is
 * an MMT_TEST, so a leak fails it under ASan.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "leakcheck.h"
#include "ref/upool.h"
#include "ref_machine.h"

static struct ref_upool *pool_new(struct ref_mm *mm, const char *name,
				  size_t object_size, unsigned long nr_chunks,
				  unsigned int order)
{
	struct ref_upool_config cfg = { name, object_size, nr_chunks, order,
					REF_GFP_KERNEL };
	struct ref_upool *pool = NULL;
	char err[256] = "";

	cr_assert_eq(ref_upool_create(mm, &cfg, &pool, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_not_null(pool);
	return pool;
}

/* The level's report holds id, only id, each naming the pool's block. */
static void expect_only_at(struct ref_mm *mm, enum ref_check_level level,
			   const char *id, unsigned long pfn)
{
	struct ref_report r;
	unsigned long n;
	unsigned int i;

	ref_report_init(&r);
	n = ref_check(mm, level, &r);
	cr_assert_geq(n, 1, "no finding, expected %s", id);
	for (i = 0; i < r.nr; i++) {
		cr_assert_str_eq(r.findings[i].id, id, "unexpected %s: %s",
				 r.findings[i].id, r.findings[i].message);
		cr_assert_str_eq(r.findings[i].layer, "upool");
		cr_assert_eq(r.findings[i].pfn, pfn, "%s",
			     r.findings[i].message);
	}
}

static void expect_only(struct ref_mm *mm, const char *id, unsigned long pfn)
{
	expect_only_at(mm, REF_CHECK_FULL, id, pfn);
}

static struct ref_upool_stats stats(struct ref_upool *pool)
{
	struct ref_upool_stats st;

	ref_upool_get_stats(pool, &st);
	return st;
}

static void *chunk(struct ref_upool *pool, unsigned long i)
{
	return pool->base + i * pool->st.chunk_size;
}

/* ------------------------------------------------------------ behaviour */

MMT_TEST(upool, create_rounds_chunks_to_16_and_sizes_the_block)
{
	struct ref_mm *mm = make("");
	unsigned long before = ref_nr_free_pages(mm);
	struct ref_upool *a = pool_new(mm, "a", 24, 300, 0);
	struct ref_upool *b = pool_new(mm, "b", 100, 0, 2);
	struct ref_upool_stats st = stats(a);

	/* 300 chunks of 32 bytes: 9600 bytes, the smallest block is order 2 */
	cr_assert_eq(st.object_size, 24);
	cr_assert_eq(st.chunk_size, 32);
	cr_assert_eq(st.order, 2);
	cr_assert_eq(st.block_bytes, 16384);
	cr_assert_eq(st.total, 300);
	cr_assert_eq(st.free, 300);
	cr_assert_eq(st.in_use, 0);
	/* order 2 carved whole into chunks of 112 bytes */
	st = stats(b);
	cr_assert_eq(st.chunk_size, 112);
	cr_assert_eq(st.total, 16384 / 112);
	cr_assert_eq(ref_nr_free_pages(mm), before - 8);
	cr_assert_eq(ref_upool_count(mm), 2);
	expect_healthy(mm);
	cr_assert_eq(ref_upool_destroy(mm, a), 0);
	cr_assert_eq(ref_upool_destroy(mm, b), 0);
	ref_mm_destroy(mm);
}

MMT_TEST(upool, alloc_until_empty_then_null)
{
	struct ref_mm *mm = make("");
	struct ref_upool *pool = pool_new(mm, "p", 48, 0, 0);
	unsigned long i, total = stats(pool).total;

	cr_assert_eq(total, 4096 / 48);
	for (i = 0; i < total; i++) {
		unsigned char *p = ref_upool_alloc(pool);

		/* a fresh pool hands its chunks out in address order */
		cr_assert_eq(p, chunk(pool, i));
		cr_assert_eq((uintptr_t)p % REF_UPOOL_ALIGN, 0);
	}
	cr_assert_null(ref_upool_alloc(pool));
	cr_assert_null(ref_upool_alloc(pool));
	cr_assert_eq(stats(pool).failed, 2);
	cr_assert_eq(stats(pool).in_use, total);
	cr_assert_eq(stats(pool).free, 0);
	expect_healthy(mm);
	for (i = 0; i < total; i++)
		cr_assert_eq(ref_upool_free(pool, chunk(pool, i)), 0);
	cr_assert_eq(ref_upool_destroy(mm, pool), 0);
	ref_mm_destroy(mm);
}

MMT_TEST(upool, chunks_come_back_last_in_first_out)
{
	struct ref_mm *mm = make("");
	struct ref_upool *pool = pool_new(mm, "lifo", 16, 8, 0);
	void *a = ref_upool_alloc(pool), *b = ref_upool_alloc(pool);
	void *c = ref_upool_alloc(pool);

	cr_assert_eq(ref_upool_free(pool, a), 0);
	cr_assert_eq(ref_upool_free(pool, c), 0);
	cr_assert_eq(ref_upool_alloc(pool), c);
	cr_assert_eq(ref_upool_alloc(pool), a);
	cr_assert_eq(ref_upool_alloc(pool), chunk(pool, 3));
	expect_healthy(mm);
	(void)b;
	ref_mm_destroy(mm);
}

MMT_TEST(upool, double_free_is_refused_and_changes_nothing)
{
	struct ref_mm *mm = make("");
	struct ref_upool *pool = pool_new(mm, "df", 64, 4, 0);
	void *a = ref_upool_alloc(pool);
	char msg[REF_UPOOL_ERR_MAX];

	cr_assert_eq(ref_upool_last_error(pool, msg, sizeof(msg)), 0);
	cr_assert_eq(ref_upool_free(pool, a), 0);
	cr_assert_eq(ref_upool_free(pool, a), -EINVAL);
	cr_assert_eq(stats(pool).invalid_frees, 1);
	cr_assert_eq(stats(pool).frees, 1);
	cr_assert_eq(stats(pool).free, 4);
	ref_upool_last_error(pool, msg, sizeof(msg));
	cr_assert(strstr(msg, "upool df: double free of chunk 0"), "%s", msg);
	/* a chunk never handed out is not live either */
	cr_assert_eq(ref_upool_free(pool, chunk(pool, 2)), -EINVAL);
	cr_assert_eq(stats(pool).invalid_frees, 2);
	expect_healthy(mm);
	/* the refused frees did not put a chunk on the list twice */
	cr_assert_eq(ref_upool_alloc(pool), a);
	cr_assert_eq(ref_upool_alloc(pool), chunk(pool, 1));
	ref_mm_destroy(mm);
}

MMT_TEST(upool, foreign_pointers_are_refused)
{
	struct ref_mm *mm = make("");
	struct ref_upool *pool = pool_new(mm, "mine", 32, 10, 0);
	struct ref_upool *other = pool_new(mm, "other", 32, 10, 0);
	unsigned char *a = ref_upool_alloc(pool);
	void *theirs = ref_upool_alloc(other);
	int local;
	void *bad[] = {
		a + 8, /* inside a chunk */
		a - 16, /* before the block */
		chunk(pool, 10), /* past the carved chunks, inside the block */
		pool->base + pool->st.block_bytes, /* past the block */
		theirs, /* a live chunk of another pool */
		&local, /* not pool memory at all */
	};
	char msg[REF_UPOOL_ERR_MAX];
	unsigned int i;

	for (i = 0; i < REF_ARRAY_SIZE(bad); i++) {
		cr_assert_eq(ref_upool_free(pool, bad[i]), -EINVAL, "bad[%u]",
			     i);
		ref_upool_last_error(pool, msg, sizeof(msg));
		cr_assert(strstr(msg, "not the start of a chunk of this pool"),
			  "%s", msg);
	}
	cr_assert_eq(stats(pool).invalid_frees, REF_ARRAY_SIZE(bad));
	cr_assert_eq(stats(pool).in_use, 1);
	cr_assert_eq(ref_upool_free(pool, NULL), 0);
	cr_assert_eq(stats(pool).invalid_frees, REF_ARRAY_SIZE(bad));
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(upool, destroy_with_live_chunks_keeps_the_pool_and_reports_them)
{
	struct ref_mm *mm = make("");
	unsigned long before = ref_nr_free_pages(mm);
	struct ref_upool *pool = pool_new(mm, "busy", 128, 0, 1);
	void *p[3];
	char msg[REF_UPOOL_ERR_MAX];
	unsigned int i;

	for (i = 0; i < 3; i++)
		p[i] = ref_upool_alloc(pool);
	cr_assert_eq(ref_upool_destroy(mm, pool), 3);
	ref_upool_last_error(pool, msg, sizeof(msg));
	cr_assert_str_eq(msg, "upool busy: destroy: 3 chunks still in use; "
			      "pool kept");
	cr_assert_eq(ref_upool_count(mm), 1);
	ref_drain_all_pages(mm);
	cr_assert_eq(ref_nr_free_pages(mm), before - 2);
	expect_healthy(mm);
	cr_assert_eq(ref_upool_free(pool, p[1]), 0);
	cr_assert_eq(ref_upool_destroy(mm, pool), 2);
	cr_assert_eq(ref_upool_free(pool, p[0]), 0);
	cr_assert_eq(ref_upool_free(pool, p[2]), 0);
	cr_assert_eq(ref_upool_destroy(mm, pool), 0);
	cr_assert_eq(ref_upool_count(mm), 0);
	ref_drain_all_pages(mm);
	cr_assert_eq(ref_nr_free_pages(mm), before);
	ref_mm_destroy(mm);
}

MMT_TEST(upool, destroy_refuses_what_is_no_pool_of_the_machine)
{
	struct ref_mm *mm = make(""), *mm2 = make("ram=16M");
	struct ref_upool *theirs = pool_new(mm2, "theirs", 16, 1, 0);
	struct ref_upool *gone = pool_new(mm, "gone", 16, 1, 0);

	cr_assert_eq(ref_upool_destroy(mm, NULL), -EINVAL);
	cr_assert_eq(ref_upool_destroy(NULL, gone), -EINVAL);
	cr_assert_eq(ref_upool_destroy(mm, theirs), -EINVAL);
	cr_assert_eq(ref_upool_destroy(mm, gone), 0);
	/* a second destroy: the freed pointer is compared, never read */
	cr_assert_eq(ref_upool_destroy(mm, gone), -EINVAL);
	cr_assert_eq(ref_upool_count(mm2), 1);
	ref_mm_destroy(mm);
	ref_mm_destroy(mm2);
}

MMT_TEST(upool, destroy_gives_the_pages_back_merged)
{
	struct ref_mm *mm = make("");
	char before[1024], after[1024];
	struct ref_upool *pool;
	unsigned int i;

	ref_proc_buddyinfo(mm, before, sizeof(before));
	pool = pool_new(mm, "merge", 200, 0, 3);
	for (i = 0; i < 5; i++)
		ref_upool_free(pool, ref_upool_alloc(pool));
	ref_drain_all_pages(mm);
	cr_assert_eq(ref_nr_free_pages(mm), ref_totalram_pages(mm) - 8);
	cr_assert_eq(ref_upool_destroy(mm, pool), 0);
	ref_drain_all_pages(mm);
	ref_proc_buddyinfo(mm, after, sizeof(after));
	cr_assert_str_eq(after, before);
	cr_assert_eq(ref_nr_free_pages(mm), ref_totalram_pages(mm));
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(upool, statistics_follow_every_call)
{
	struct ref_mm *mm = make("");
	struct ref_upool *pool = pool_new(mm, "st", 16, 4, 0);
	struct ref_upool_stats st;
	void *p[4];
	unsigned int i;

	for (i = 0; i < 4; i++)
		p[i] = ref_upool_alloc(pool);
	ref_upool_alloc(pool);
	ref_upool_free(pool, p[0]);
	ref_upool_free(pool, p[1]);
	ref_upool_free(pool, p[1]);
	p[0] = ref_upool_alloc(pool);
	st = stats(pool);
	cr_assert_eq(st.total, 4);
	cr_assert_eq(st.in_use, 3);
	cr_assert_eq(st.free, 1);
	cr_assert_eq(st.high_water, 4);
	cr_assert_eq(st.allocs, 5);
	cr_assert_eq(st.frees, 2);
	cr_assert_eq(st.failed, 1);
	cr_assert_eq(st.invalid_frees, 1);
	cr_assert_eq(st.pfn, pool->st.pfn);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(upool, bad_configs_are_refused_with_a_message)
{
	static const struct {
		struct ref_upool_config cfg;
		int rc;
		const char *says;
	} cases[] = {
		{ { "p", 0, 1, 0, REF_GFP_KERNEL }, -EINVAL, "object_size 0" },
		{ { "p", (4UL << 20) + 1, 1, 0, REF_GFP_KERNEL },
		  -EINVAL,
		  "object_size 4194305" },
		{ { "p", 16, 4, 1, REF_GFP_KERNEL }, -EINVAL, "not both" },
		{ { "p", 16, 0, 11, REF_GFP_KERNEL },
		  -EINVAL,
		  "order 11: beyond the top order 10" },
		{ { "p", 16, 1UL << 20, 0, REF_GFP_KERNEL },
		  -EINVAL,
		  "exceed the top-order block" },
		{ { "p", 8192, 0, 0, REF_GFP_KERNEL },
		  -EINVAL,
		  "larger than the order-0 block" },
		{ { "p", 16, 1, 0, 0x80000000u }, -EINVAL, "no GFP flag" },
		{ { "p", 16, 1, 0, REF_GFP_DMA | REF_GFP_DMA32 },
		  -EINVAL,
		  "forbidden combination" },
		{ { "a b", 16, 1, 0, REF_GFP_KERNEL }, -EINVAL, "character 1" },
		{ { "", 16, 1, 0, REF_GFP_KERNEL }, -EINVAL, "not 1..31" },
		{ { "a-name-of-thirty-two-characters!", 16, 1, 0,
		    REF_GFP_KERNEL },
		  -EINVAL,
		  "not 1..31" },
	};
	struct ref_mm *mm = make("");
	struct ref_upool *pool = (void *)&pool;
	char err[256];
	unsigned int i;

	for (i = 0; i < REF_ARRAY_SIZE(cases); i++) {
		err[0] = '\0';
		cr_assert_eq(ref_upool_create(mm, &cases[i].cfg, &pool, err,
					      sizeof(err)),
			     cases[i].rc, "case %u: %s", i, err);
		cr_assert_null(pool);
		cr_assert(strstr(err, cases[i].says), "case %u: %s", i, err);
	}
	cr_assert_eq(ref_upool_create(mm, NULL, &pool, err, sizeof(err)),
		     -EINVAL);
	cr_assert_eq(ref_upool_create(mm, &cases[0].cfg, NULL, err, 0),
		     -EINVAL);
	cr_assert_eq(ref_upool_count(mm), 0);
	cr_assert_eq(ref_nr_free_pages(mm), ref_totalram_pages(mm));
	ref_mm_destroy(mm);
}

MMT_TEST(upool, no_free_block_is_enomem_and_takes_nothing)
{
	struct ref_mm *mm = make("ram=4M");
	/* the whole machine in one pool: below the watermarks
	 * (__GFP_MEMALLOC) */
	struct ref_upool_config cfg = { NULL, 16, 0, 10,
					REF_GFP_KERNEL | REF_GFP_MEMALLOC };
	struct ref_page *all =
		ref_alloc_pages(mm, REF_GFP_KERNEL | REF_GFP_MEMALLOC, 10);
	struct ref_upool *pool = NULL;
	char err[256] = "";

	cr_assert_not_null(all);
	cr_assert_eq(ref_upool_create(mm, &cfg, &pool, err, sizeof(err)),
		     -ENOMEM);
	cr_assert_null(pool);
	cr_assert(strstr(err, "no free block of order 10"), "%s", err);
	cr_assert_eq(ref_free_pages_page(mm, all, 10), 0);
	cr_assert_eq(ref_upool_create(mm, &cfg, &pool, err, sizeof(err)), 0);
	cr_assert_str_eq(pool->name, "upool");
	cr_assert_eq(stats(pool).total, (4UL << 20) / 16);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(upool, highmem_is_dropped_from_the_mask)
{
	struct ref_mm *mm = make("profile=x86_32,ram=1G");
	struct ref_upool_config cfg = { "hi", 64, 0, 0, REF_GFP_HIGHUSER };
	struct ref_upool *pool = NULL;
	char err[256] = "";

	cr_assert_eq(ref_upool_create(mm, &cfg, &pool, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_lt(pool->st.pfn, mm->max_low_pfn);
	cr_assert_eq(pool->gfp, REF_GFP_USER);
	cr_assert_not_null(pool->base);
	memset(ref_upool_alloc(pool), 0x5a, 64);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(upool, upoolinfo_has_a_header_and_a_line_per_pool)
{
	struct ref_mm *mm = make("");
	struct ref_upool *a = pool_new(mm, "first", 24, 10, 0);
	struct ref_upool *b = pool_new(mm, "second", 100, 0, 1);
	char buf[1024], name[32], small[16];
	unsigned long in_use, total, hw;
	size_t cs, os, n;
	unsigned int order;
	const char *line;

	ref_upool_alloc(a);
	ref_upool_alloc(a);
	n = ref_proc_upoolinfo(mm, buf, sizeof(buf));
	cr_assert_eq(n, strlen(buf));
	cr_assert_eq(strncmp(buf, "# name ", 7), 0, "%s", buf);
	line = strchr(buf, '\n') + 1;
	/* newest first */
	cr_assert_eq(sscanf(line, "%31s %lu %lu %zu %zu %u", name, &in_use,
			    &total, &cs, &os, &order),
		     6);
	cr_assert_str_eq(name, "second");
	cr_assert_eq(total, 8192 / 112);
	line = strchr(line, '\n') + 1;
	cr_assert_eq(sscanf(line, "%31s %lu %lu %zu %zu %u", name, &in_use,
			    &total, &cs, &os, &order),
		     6);
	cr_assert_str_eq(name, "first");
	cr_assert_eq(in_use, 2);
	cr_assert_eq(total, 10);
	cr_assert_eq(cs, 32);
	cr_assert_eq(os, 24);
	cr_assert_eq(order, 0);
	cr_assert_eq(sscanf(strstr(line, ": stats"), ": stats %lu", &hw), 1);
	cr_assert_eq(hw, 2);
	cr_assert_eq(strchr(line, '\n')[1], '\0');
	/* truncated: NUL terminated, the full length returned */
	cr_assert_eq(ref_proc_upoolinfo(mm, small, sizeof(small)), n);
	cr_assert_eq(strlen(small), sizeof(small) - 1);
	cr_assert_eq(ref_proc_upoolinfo(mm, NULL, 0), n);
	(void)b;
	ref_mm_destroy(mm);
}

struct trace_log {
	unsigned int n;
	struct ref_trace_event ev[8];
	char text[8][160];
};

static void record(void *ctx, const struct ref_trace_event *ev)
{
	struct trace_log *log = ctx;

	if (ev->type == REF_TRACE_MM_PAGEBLOCK_TYPE ||
	    ev->type == REF_TRACE_MM_ZONE_BOOST)
		return; /* mobility grouping: test_migrate.c */
	cr_assert_lt(log->n, 8);
	log->ev[log->n] = *ev;
	log->n++;
}

MMT_TEST(upool, the_block_is_traced_as_pages_and_the_pool_around_them)
{
	struct ref_mm *mm = make("");
	struct trace_log log = { 0 };
	struct ref_upool *pool;
	char text[256];
	void *p;

	ref_trace_subscribe(mm, record, &log);
	pool = pool_new(mm, "tr", 16, 0, 2);
	cr_assert_eq(log.n, 2);
	cr_assert_eq(log.ev[0].type, REF_TRACE_MM_PAGE_ALLOC);
	cr_assert_eq(log.ev[1].type, REF_TRACE_UPOOL_CREATE);
	cr_assert_str_eq(log.ev[1].name, "upool_create");
	cr_assert_eq(log.ev[1].pfn, log.ev[0].pfn);
	cr_assert_eq(log.ev[1].pfn, pool->st.pfn);
	cr_assert_eq(log.ev[1].order, 2);
	cr_assert_eq(log.ev[1].gfp, REF_GFP_KERNEL);
	cr_assert_eq(log.ev[1].page, pool->page);
	ref_trace_format(mm, &log.ev[1], text, sizeof(text));
	cr_assert(strstr(text, " order=2 gfp_flags=GFP_KERNEL"), "%s", text);
	/* chunks raise no events */
	p = ref_upool_alloc(pool);
	ref_upool_free(pool, p);
	cr_assert_eq(log.n, 2);
	cr_assert_eq(ref_upool_destroy(mm, pool), 0);
	cr_assert_eq(log.n, 4);
	cr_assert_eq(log.ev[2].type, REF_TRACE_UPOOL_DESTROY);
	cr_assert_str_eq(log.ev[2].name, "upool_destroy");
	cr_assert_eq(log.ev[2].pfn, log.ev[0].pfn);
	cr_assert_eq(log.ev[2].order, 2);
	cr_assert_eq(log.ev[3].type, REF_TRACE_MM_PAGE_FREE);
	cr_assert_eq(log.ev[3].pfn, log.ev[0].pfn);
	ref_trace_format(mm, &log.ev[2], text, sizeof(text));
	cr_assert(strstr(text, " order=2") && !strstr(text, "gfp_flags"), "%s",
		  text);
	ref_mm_destroy(mm);
}

MMT_TEST(upool, a_failed_create_traces_no_pool)
{
	struct ref_mm *mm = make("ram=4M");
	struct ref_upool_config cfg = { "x", 16, 0, 10, REF_GFP_KERNEL };
	struct ref_page *all = ref_alloc_pages(mm, REF_GFP_KERNEL, 10);
	struct trace_log log = { 0 };
	struct ref_upool *pool;

	ref_trace_subscribe(mm, record, &log);
	cr_assert_eq(ref_upool_create(mm, &cfg, &pool, NULL, 0), -ENOMEM);
	/* the block's failure warns (GFP_KERNEL, no __GFP_NOWARN), then
	 * its failed mm_page_alloc, and no upool_create */
	cr_assert_eq(log.n, 2);
	cr_assert_eq(log.ev[0].type, REF_TRACE_WARN_ALLOC);
	cr_assert_eq(log.ev[1].type, REF_TRACE_MM_PAGE_ALLOC);
	cr_assert_null(log.ev[1].page);
	(void)all;
	ref_mm_destroy(mm);
}

MMT_TEST(upool, reset_recreate_and_destroy_drop_every_pool)
{
	struct ref_mm *mm = make("");
	struct ref_config c;
	char err[256] = "";

	ref_upool_alloc(pool_new(mm, "one", 16, 5, 0));
	pool_new(mm, "two", 16, 5, 0);
	cr_assert_eq(ref_mm_reset(mm), 0);
	cr_assert_eq(ref_upool_count(mm), 0);
	cr_assert_eq(ref_nr_free_pages(mm), ref_totalram_pages(mm));
	expect_healthy(mm);
	ref_upool_alloc(pool_new(mm, "three", 16, 5, 0));
	ref_config_init(&c);
	cr_assert_eq(ref_config_parse(&c, "ram=32M", err, sizeof(err)), 0);
	cr_assert_eq(ref_mm_recreate(mm, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ref_upool_count(mm), 0);
	expect_healthy(mm);
	/* the destroy of a machine with live pools leaks nothing (ASan) */
	ref_upool_alloc(pool_new(mm, "four", 16, 5, 0));
	ref_mm_destroy(mm);
}

struct churn {
	struct ref_upool *pool;
	unsigned int rounds;
};

static void *churn_thread(void *arg)
{
	struct churn *c = arg;
	void *p[8];
	unsigned int r, i;

	for (r = 0; r < c->rounds; r++) {
		for (i = 0; i < 8; i++)
			p[i] = ref_upool_alloc(c->pool);
		for (i = 0; i < 8; i++)
			if (p[i] && ref_upool_free(c->pool, p[i]))
				return arg;
	}
	return NULL;
}

MMT_TEST(upool, two_threads_share_a_pool)
{
	struct ref_mm *mm = make("");
	struct churn c = { pool_new(mm, "shared", 16, 12, 0), 20000 };
	pthread_t t[2];
	void *rv[2];
	unsigned int i;

	for (i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, churn_thread, &c), 0);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], &rv[i]);
	cr_assert_null(rv[0]);
	cr_assert_null(rv[1]);
	cr_assert_eq(stats(c.pool).in_use, 0);
	cr_assert_eq(stats(c.pool).invalid_frees, 0);
	cr_assert_eq(stats(c.pool).allocs + stats(c.pool).failed, 320000);
	cr_assert_eq(stats(c.pool).allocs, stats(c.pool).frees);
	cr_assert_leq(stats(c.pool).high_water, 12);
	expect_healthy(mm);
	cr_assert_eq(ref_upool_destroy(mm, c.pool), 0);
	ref_mm_destroy(mm);
}

MMT_TEST(upool, alloc_refuses_a_corrupt_free_list_head)
{
	struct ref_mm *mm = make("");
	struct ref_upool *pool = pool_new(mm, "bad", 16, 4, 0);
	char msg[REF_UPOOL_ERR_MAX];

	pool->free_head = pool->base + 8;
	cr_assert_null(ref_upool_alloc(pool));
	cr_assert_eq(stats(pool).failed, 1);
	cr_assert_eq(stats(pool).in_use, 0);
	ref_upool_last_error(pool, msg, sizeof(msg));
	cr_assert(strstr(msg, "is not a free chunk"), "%s", msg);
	ref_mm_destroy(mm);
}

/* ------------------------------------------------------------ one per id */

/* A pool of 8 chunks with chunks 0..2 live: the list is 3, 4, ..., 7. */
static struct ref_upool *busy_pool(struct ref_mm *mm)
{
	struct ref_upool *pool = pool_new(mm, "victim", 16, 8, 0);
	unsigned int i;

	for (i = 0; i < 3; i++)
		ref_upool_alloc(pool);
	expect_healthy(mm);
	return pool;
}

static unsigned long idx(struct ref_upool *pool, const void *p)
{
	return (unsigned long)((const unsigned char *)p - pool->base) /
	       pool->st.chunk_size;
}

MMT_TEST(upool, UPOOL_BLOCK_freed_behind_the_pools_back)
{
	struct ref_mm *mm = make("");
	struct ref_upool *pool = busy_pool(mm);

	/* a legal free as far as the buddy knows: only the pool is wrong */
	cr_assert_eq(ref_free_pages_page(mm, pool->page, pool->st.order), 0);
	expect_only(mm, "UPOOL-BLOCK", pool->st.pfn);
	expect_only_at(mm, REF_CHECK_CHEAP, "UPOOL-BLOCK", pool->st.pfn);
	ref_mm_destroy(mm);
}

MMT_TEST(upool, UPOOL_BLOCK_recorded_order_differs)
{
	struct ref_mm *mm = make("");
	struct ref_upool *pool = busy_pool(mm);

	/* the buddy holds an order-0 block, the pool says order 1 */
	pool->st.order = 1;
	pool->st.block_bytes = mm->page_size << 1;
	expect_only(mm, "UPOOL-BLOCK", pool->st.pfn);
	/* the pool's own record disagrees with itself */
	pool->st.order = 0;
	expect_only(mm, "UPOOL-BLOCK", pool->st.pfn);
	pool->st.block_bytes = mm->page_size;
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(upool, UPOOL_BLOCK_chunks_no_longer_fit_the_block)
{
	struct ref_mm *mm = make("");
	struct ref_upool *pool = busy_pool(mm);

	/* a chunk size off the 16-byte grid */
	pool->st.chunk_size = 24;
	expect_only(mm, "UPOOL-BLOCK", pool->st.pfn);
	/* more chunks than the block holds */
	pool->st.chunk_size = 16;
	pool->st.total = 4096 / 16 + 1;
	pool->st.free += 4096 / 16 + 1 - 8;
	expect_only(mm, "UPOOL-BLOCK", pool->st.pfn);
	ref_mm_destroy(mm);
}

MMT_TEST(upool, UPOOL_COUNT_counters_do_not_add_up)
{
	struct ref_mm *mm = make("");
	struct ref_upool *pool = busy_pool(mm);

	pool->st.in_use++;
	pool->st.high_water++;
	expect_only(mm, "UPOOL-COUNT", pool->st.pfn);
	expect_only_at(mm, REF_CHECK_CHEAP, "UPOOL-COUNT", pool->st.pfn);
	ref_mm_destroy(mm);
}

MMT_TEST(upool, UPOOL_COUNT_high_water_below_in_use)
{
	struct ref_mm *mm = make("");
	struct ref_upool *pool = busy_pool(mm);

	pool->st.high_water = 2;
	expect_only(mm, "UPOOL-COUNT", pool->st.pfn);
	expect_only_at(mm, REF_CHECK_CHEAP, "UPOOL-COUNT", pool->st.pfn);
	ref_mm_destroy(mm);
}

MMT_TEST(upool, UPOOL_COUNT_list_length_is_not_nr_free)
{
	struct ref_mm *mm = make("");
	struct ref_upool *pool = busy_pool(mm);
	struct ref_report r;

	/* counters moved as for an alloc, the list left as it was */
	pool->st.free--;
	pool->st.in_use++;
	pool->st.high_water++;
	ref_report_init(&r);
	cr_assert_eq(ref_check(mm, REF_CHECK_CHEAP, &r), 0, "%s",
		     r.findings[0].message);
	expect_only(mm, "UPOOL-COUNT", pool->st.pfn);
	ref_mm_destroy(mm);
}

MMT_TEST(upool, UPOOL_COUNT_a_lost_chunk)
{
	struct ref_mm *mm = make("");
	struct ref_upool *pool = busy_pool(mm);

	/* live chunk 1 marked free but on no list */
	pool->state[1] = REF_UPOOL_CHUNK_FREE;
	expect_only(mm, "UPOOL-COUNT", pool->st.pfn);
	ref_mm_destroy(mm);
}

MMT_TEST(upool, UPOOL_FREELIST_an_entry_inside_a_chunk)
{
	struct ref_mm *mm = make("");
	struct ref_upool *pool = busy_pool(mm);
	unsigned long head = idx(pool, pool->free_head);

	cr_assert_eq(head, 3);
	pool->link[head] = (unsigned char *)chunk(pool, 4) + 8;
	expect_only(mm, "UPOOL-FREELIST", pool->st.pfn);
	ref_mm_destroy(mm);
}

MMT_TEST(upool, UPOOL_FREELIST_an_entry_outside_the_block)
{
	struct ref_mm *mm = make("");
	struct ref_upool *pool = busy_pool(mm);

	pool->link[7] = pool->base + pool->st.block_bytes;
	expect_only(mm, "UPOOL-FREELIST", pool->st.pfn);
	ref_mm_destroy(mm);
}

MMT_TEST(upool, UPOOL_DOUBLE_the_list_cycles)
{
	struct ref_mm *mm = make("");
	struct ref_upool *pool = busy_pool(mm);

	/* 3 -> 4 -> 5 -> 4: what a double free of chunk 4 leaves behind */
	pool->link[5] = chunk(pool, 4);
	expect_only(mm, "UPOOL-DOUBLE", pool->st.pfn);
	ref_mm_destroy(mm);
}

MMT_TEST(upool, UPOOL_DOUBLE_a_live_chunk_on_the_list)
{
	struct ref_mm *mm = make("");
	struct ref_upool *pool = busy_pool(mm);

	/* a free that skipped its checks: chunk 1 pushed, still live */
	pool->link[1] = pool->free_head;
	pool->free_head = chunk(pool, 1);
	pool->st.free++;
	pool->st.in_use--;
	expect_only(mm, "UPOOL-DOUBLE", pool->st.pfn);
	ref_mm_destroy(mm);
}
