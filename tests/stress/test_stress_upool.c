/* SPDX-License-Identifier: MIT */
/*
 * tests/stress/test_stress_upool.c - scenario upool-mix: clean on
 * ref-pages' pools with threads handing chunks to each other, and its
 * checks firing on a pool allocator broken that way ("bad-pool", ref-pages'
 * machine and pools behind a UPOOL table of its own):
 *   twice     every fourth alloc returns the chunk it returned before,
 *             while that one is live (STRESS-DOUBLE-ALLOC)
 *   scribble  every alloc flips the first byte of the chunk before it
 *             (STRESS-COOKIE)
 *   freeerr   every free is refused (STRESS-FREE)
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/adapter.h>
#include <mmtorture/exec.h>

#include "leakcheck.h"
#include "stress_int.h"

static const struct mmt_adapter *ref(void)
{
	return &mmt_adapter_ref_pages;
}

struct bp {
	void *inner;
	char mode[16];
	unsigned long n;
	unsigned char *last;
	pthread_mutex_t lock;
};

static int bp_create(const struct mmt_adapter_env *env, void **state, char *err,
		     size_t errlen)
{
	struct mmt_adapter_env inner_env = *env;
	struct bp *b = calloc(1, sizeof(*b));
	int ret;

	if (!b)
		return -ENOMEM;
	inner_env.options = "";
	ret = ref()->create(&inner_env, &b->inner, err, errlen);
	if (ret) {
		free(b);
		return ret;
	}
	snprintf(b->mode, sizeof(b->mode), "%s", env->options);
	pthread_mutex_init(&b->lock, NULL);
	*state = b;
	return 0;
}

static void bp_destroy(void *state)
{
	struct bp *b = state;

	ref()->destroy(b->inner);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

static int bp_pool_create(void *state, size_t size, uint64_t count,
			  uint32_t gfp, void **pool)
{
	struct bp *b = state;

	return ref()->upool->create(b->inner, size, count, gfp, pool);
}

static void *bp_alloc(void *state, void *pool)
{
	struct bp *b = state;
	unsigned char *p = NULL;

	pthread_mutex_lock(&b->lock);
	if (!strcmp(b->mode, "twice") && b->last && ++b->n % 4 == 0)
		p = b->last;
	pthread_mutex_unlock(&b->lock);
	if (p)
		return p;
	p = ref()->upool->alloc(b->inner, pool);
	pthread_mutex_lock(&b->lock);
	if (p && !strcmp(b->mode, "scribble") && b->last)
		b->last[0] ^= 0xFF;
	b->last = p;
	pthread_mutex_unlock(&b->lock);
	return p;
}

static int bp_free(void *state, void *pool, void *ptr)
{
	struct bp *b = state;

	if (!strcmp(b->mode, "freeerr"))
		return -EBUSY;
	pthread_mutex_lock(&b->lock);
	if (b->last == ptr)
		b->last = NULL;
	pthread_mutex_unlock(&b->lock);
	return ref()->upool->free(b->inner, pool, ptr);
}

static long bp_pool_destroy(void *state, void *pool)
{
	struct bp *b = state;

	return ref()->upool->destroy(b->inner, pool);
}

static const struct mmt_upool_ops bp_ops = {
	.struct_size = sizeof(struct mmt_upool_ops),
	.version = MMT_UPOOL_OPS_VERSION,
	.create = bp_pool_create,
	.alloc = bp_alloc,
	.free = bp_free,
	.destroy = bp_pool_destroy,
	.align = 16,
};

/* Not THREAD_SAFE: the harness serializes its calls, so `last` is the
 * chunk handed out just before, whichever thread took it. */
static const struct mmt_adapter bp_ad = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "bad-pool",
	.description = "ref-pages' pools, broken on purpose",
	.caps = MMT_CAP_UPOOL,
	.create = bp_create,
	.destroy = bp_destroy,
	.upool = &bp_ops,
};

static char text[1 << 16];

static int run(const struct mmt_adapter *ad, const char *options,
	       unsigned int threads)
{
	FILE *out = fopen("/dev/null", "w"), *err = tmpfile();
	struct mmt_stress_row row;
	struct mmt_stress_opts o = {
		.spec = ad->name,
		.options = options,
		.sc = mmt_stress_scenario("upool-mix"),
		.threads = threads,
		.seconds = 1,
		.seed = 1,
		.out = out,
		.err = err,
	};
	size_t n;
	int rc;

	cr_assert(out && err && o.sc);
	rc = mmt_stress_run(ad, &o, &row);
	rewind(err);
	n = fread(text, 1, sizeof(text) - 1, err);
	text[n] = '\0';
	fclose(out);
	fclose(err);
	if (rc == 0) {
		cr_assert_gt(row.alloc_calls, 1000, "%s", text);
		cr_assert_lt(row.alloc_fails, row.alloc_calls);
	}
	return rc;
}

static void expect(int rc, const char *id)
{
	cr_assert_eq(rc, MMT_EXIT_BUG, "want %s, exit %d:\n%s", id, rc, text);
	cr_assert(strstr(text, id), "want %s:\n%s", id, text);
}

MMT_TEST(stress_upool, is_the_scenario_of_a_upool_only_allocator)
{
	cr_assert_eq(mmt_stress_default_scenario(MMT_CAP_UPOOL),
		     mmt_stress_scenario("upool-mix"));
	cr_assert_eq(mmt_stress_default_scenario(ref()->caps),
		     mmt_stress_scenario("pages-mix"),
		     "ref-pages keeps pages-mix by default");
}

MMT_TEST(stress_upool, ref_pages_pools_run_clean_across_threads)
{
	cr_assert_eq(run(ref(), "", 3), MMT_EXIT_OK, "%s", text);
	cr_assert_eq(run(&bp_ad, "", 2), MMT_EXIT_OK, "%s", text);
}

MMT_TEST(stress_upool, a_chunk_handed_out_twice_is_double_alloc)
{
	expect(run(&bp_ad, "twice", 2), "STRESS-DOUBLE-ALLOC");
}

MMT_TEST(stress_upool, a_write_into_a_live_chunk_is_cookie)
{
	expect(run(&bp_ad, "scribble", 1), "STRESS-COOKIE");
}

MMT_TEST(stress_upool, a_refused_free_is_free)
{
	expect(run(&bp_ad, "freeerr", 1), "STRESS-FREE");
}
