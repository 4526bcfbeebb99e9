/* SPDX-License-Identifier: MIT */
/*
 * tests/stress/test_stress_reclaim.c - the reclaim scenario
 * (stress/reclaim.c): clean on ref-pages with one thread (kswapd inline)
 * and with two (kswapd a thread of its own), the caches filled and
 * reclaimed by direct and background reclaim; an allocator that runs a
 * cache against its needs (a wrapper that hides them from ref) is
 * STRESS-RECLAIM; one without the shrinker calls is refused (exit 2).
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/adapter.h>
#include <mmtorture/registry.h>

#include "leakcheck.h"
#include "stress_int.h"

static const struct mmt_adapter *ref(void)
{
	return &mmt_adapter_ref_pages;
}

/* ref-pages, its shrinkers registered with their needs hidden ("strip")
 * or as they are; the registrations counted. */
static int strip;
static _Atomic int registered;

static int w_register(void *state, const struct mmt_shrinker *shr,
		      void **handle)
{
	struct mmt_shrinker copy = *shr;
	int rc;

	if (strip)
		copy.needs = 0;
	rc = ref()->pages->shrinker_register(state, &copy, handle);
	if (!rc)
		atomic_fetch_add(&registered, 1);
	return rc;
}

static void w_unregister(void *state, void *handle)
{
	atomic_fetch_sub(&registered, 1);
	ref()->pages->shrinker_unregister(state, handle);
}

static struct mmt_pages_ops w_pages;
static struct mmt_adapter wrapped;

static const struct mmt_adapter *make(int strip_needs, size_t pages_size)
{
	strip = strip_needs;
	atomic_store(&registered, 0);
	w_pages = *ref()->pages;
	w_pages.shrinker_register = w_register;
	w_pages.shrinker_unregister = w_unregister;
	w_pages.struct_size = (uint32_t)pages_size;
	wrapped = *ref();
	wrapped.name = "wrapped-ref-pages";
	wrapped.pages = &w_pages;
	return &wrapped;
}

static char out_text[1 << 16], err_text[1 << 16];

static void slurp(FILE *f, char *buf, size_t len)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static int run(const struct mmt_adapter *ad, unsigned int threads,
	       double seconds)
{
	FILE *out = tmpfile(), *err = tmpfile();
	struct mmt_stress_row row;
	struct mmt_stress_opts o = {
		.spec = ad->name,
		.options = "",
		.sc = mmt_stress_scenario("reclaim"),
		.threads = threads,
		.seconds = seconds,
		.seed = 1,
		.out = out,
		.err = err,
	};
	int rc;

	cr_assert(out && err);
	cr_assert_not_null(o.sc);
	rc = mmt_stress_run(ad, &o, &row);
	slurp(out, out_text, sizeof(out_text));
	slurp(err, err_text, sizeof(err_text));
	return rc;
}

/* "stress: reclaim: F cache block(s) filled, R reclaimed (B by
 * background reclaim)" */
static void counts(uint64_t *filled, uint64_t *reclaimed, uint64_t *bg)
{
	const char *l = strstr(out_text, "stress: reclaim: ");

	cr_assert_not_null(l, "%s", out_text);
	cr_assert_eq(sscanf(l,
			    "stress: reclaim: %" SCNu64
			    " cache block(s) filled, %" SCNu64
			    " reclaimed (%" SCNu64,
			    filled, reclaimed, bg),
		     3, "%s", l);
}

MMT_TEST(reclaim, clean_on_ref_pages_with_kswapd_inline_and_as_a_thread)
{
	uint64_t f, r, b;

	for (unsigned int threads = 1; threads <= 2; threads++) {
		cr_assert_eq(run(ref(), threads, 1.5), 0, "%u:\n%s%s", threads,
			     out_text, err_text);
		cr_assert_not_null(strstr(out_text, "violations=0"), "%s",
				   out_text);
		counts(&f, &r, &b);
		cr_assert_gt(f, 0);
		cr_assert_gt(r, 0, "%s", out_text);
		cr_assert_gt(b, 0, "%s", out_text);
		cr_assert_gt(r - b, 0, "no direct reclaim: %s", out_text);
		cr_assert_leq(r, f);
	}
}

MMT_TEST(reclaim, every_cache_is_unregistered_at_the_end)
{
	cr_assert_eq(run(make(0, sizeof(w_pages)), 2, 0.5), 0, "%s%s", out_text,
		     err_text);
	cr_assert_eq(atomic_load(&registered), 0);
}

MMT_TEST(reclaim, a_cache_scanned_against_its_needs_is_stress_reclaim)
{
	cr_assert_eq(run(make(1, sizeof(w_pages)), 2, 2), 1, "%s%s", out_text,
		     err_text);
	cr_assert_not_null(strstr(err_text,
				  ": STRESS-RECLAIM: shrinker cache "),
			   "%s", err_text);
	cr_assert_not_null(strstr(err_text, ", which needs __GFP_"), "%s",
			   err_text);
	cr_assert_eq(atomic_load(&registered), 0);
}

MMT_TEST(reclaim, an_allocator_without_shrinkers_is_refused)
{
	cr_assert_eq(
		run(make(0, offsetof(struct mmt_pages_ops, shrinker_register)),
		    1, 0.2),
		2, "%s%s", out_text, err_text);
	cr_assert_not_null(strstr(err_text, "has no shrinker calls"), "%s",
			   err_text);
}
