/* SPDX-License-Identifier: MIT */
/*
 * tests/stress/test_stress_zones.c - pages-mix's zones: the GFP mix covers
 * every zone modifier with and without __GFP_ZERO on both profiles; the
 * zone check comes from the machine, not from the arena an OWN_ARENA
 * allocator reports; the fallback probe (STRESS-PROBE) fires on a buddy
 * that never falls back into ZONE_DMA and __GFP_ZERO is checked on
 * HighMem blocks (STRESS-ZERO), and neither fires on the correct example
 * plug-in or on ref-pages.
 *
 * The injected bugs are the example plug-in's (simple_buddy.c, built by
 * cmake/MmtPlugins.cmake into MMT_PLUGIN_DIR): simple_buddy_nofallback.so
 * (SIMPLE_BUDDY_BUG=4) and simple_buddy_hizero.so (SIMPLE_BUDDY_BUG=5).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <mmtorture/adapter.h>
#include <mmtorture/machine.h>
#include <mmtorture/registry.h>

#include "leakcheck.h"
#include "stress_int.h"

#ifndef MMT_PLUGIN_DIR
#error "MMT_PLUGIN_DIR is set by cmake/MmtPlugins.cmake"
#endif

#define X86_32_SPEC "profile=x86_32 bank=64M@0 bank=64M@1G"

/* ------------------------------------------------------ the GFP mix */

enum { MOD_NONE, MOD_DMA, MOD_DMA32, MOD_HIGHMEM, MOD_BAD, NR_MODS };

static const char *const mod_name[NR_MODS] = { "none", "GFP_DMA", "GFP_DMA32",
					       "__GFP_HIGHMEM", "forbidden" };

static int mod_of(uint32_t gfp)
{
	uint32_t z = gfp & (MMT_GFP_DMA | MMT_GFP_DMA32 | MMT_GFP_HIGHMEM);

	switch (z) {
	case 0:
		return MOD_NONE;
	case MMT_GFP_DMA:
		return MOD_DMA;
	case MMT_GFP_DMA32:
		return MOD_DMA32;
	case MMT_GFP_HIGHMEM:
		return MOD_HIGHMEM;
	default:
		return MOD_BAD;
	}
}

/* Highest zone type allowed, or MMT_NR_ZONE_TYPES for a forbidden mask. */
static int top_zone(const struct mmt_machine *m, uint32_t gfp)
{
	unsigned int allowed = mmt_machine_allowed_zones(m, gfp);
	int t = MMT_NR_ZONE_TYPES;

	for (int z = 0; z < MMT_NR_ZONE_TYPES; z++)
		if (allowed & (1u << z))
			t = z;
	return t;
}

#define DRAWS 200000
#define MIN_SHARE 0.03 /* of the allocations, each pair */

MMT_TEST(pages_gfp_mix, every_zone_modifier_with_and_without_zero)
{
	struct stress s;
	struct stress_worker w;
	struct mmt_machine m64, m32;
	char msg[200];
	unsigned long mods[NR_MODS][2] = { { 0 } };
	unsigned long z64[MMT_NR_ZONE_TYPES + 1][2] = { { 0 } };
	unsigned long z32[MMT_NR_ZONE_TYPES + 1][2] = { { 0 } };
	unsigned long allocs = 0;

	mmt_machine_default(&m64);
	cr_assert_eq(mmt_machine_parse_arg(X86_32_SPEC, &m32, msg, sizeof(msg)),
		     0, "%s", msg);
	memset(&s, 0, sizeof(s));
	s.nr_threads = 2;
	memset(&w, 0, sizeof(w));
	w.s = &s;
	w.rng = mmt_stress_stream(1, 0);
	for (int i = 0; i < DRAWS; i++) {
		int is_free, zero;
		uint32_t order, gfp, api;

		mmt_stress_pages_draw(&w, 11, &is_free, &order, &gfp, &api);
		if (is_free)
			continue;
		allocs++;
		zero = !!(gfp & MMT_GFP_ZERO);
		mods[mod_of(gfp)][zero]++;
		z64[top_zone(&m64, gfp)][zero]++;
		z32[top_zone(&m32, gfp)][zero]++;
		/* HighMem only where the entry point gives a struct page */
		if (gfp & MMT_GFP_HIGHMEM)
			cr_assert(api == MMT_API_ALLOC_PAGES ||
				  api == MMT_API_ALLOC_PAGE);
	}
	cr_assert_gt(allocs, DRAWS / 3);
	for (int k = 0; k < NR_MODS; k++)
		for (int z = 0; z < 2; z++)
			cr_expect_geq((double)mods[k][z] / (double)allocs,
				      MIN_SHARE,
				      "modifier %s%s: %lu of %lu allocations",
				      mod_name[k], z ? " | __GFP_ZERO" : "",
				      mods[k][z], allocs);
	/* x86_64: DMA, DMA32, Normal (HIGHMEM is Normal), forbidden */
	for (int t = 0; t <= MMT_NR_ZONE_TYPES; t++)
		for (int z = 0; z < 2 && t != MMT_ZONE_HIGHMEM; z++)
			cr_expect_geq((double)z64[t][z] / (double)allocs,
				      MIN_SHARE,
				      "x86_64 highest zone %s%s: %lu of %lu",
				      mmt_zone_name(t), z ? " zeroed" : "",
				      z64[t][z], allocs);
	cr_expect_eq(z64[MMT_ZONE_HIGHMEM][0] + z64[MMT_ZONE_HIGHMEM][1], 0);
	/* x86_32: DMA, Normal (DMA32 is Normal), HighMem, forbidden */
	for (int t = 0; t <= MMT_NR_ZONE_TYPES; t++)
		for (int z = 0; z < 2 && t != MMT_ZONE_DMA32; z++)
			cr_expect_geq((double)z32[t][z] / (double)allocs,
				      MIN_SHARE,
				      "x86_32 highest zone %s%s: %lu of %lu",
				      mmt_zone_name(t), z ? " zeroed" : "",
				      z32[t][z], allocs);
	cr_expect_eq(z32[MMT_ZONE_DMA32][0] + z32[MMT_ZONE_DMA32][1], 0);
}

/* ------------------------------------------------------ runs */

static char text[1 << 16]; /* the last run's stderr */

static int run(const struct mmt_adapter *ad, const char *options,
	       const struct mmt_machine *m, const char *mspec,
	       unsigned int threads, double seconds)
{
	FILE *out = fopen("/dev/null", "w"), *err = tmpfile();
	struct mmt_stress_row row;
	struct mmt_stress_opts o = {
		.spec = ad->name,
		.options = options,
		.sc = &mmt_stress_pages_mix,
		.machine = m,
		.machine_spec = mspec,
		.threads = threads,
		.seconds = seconds,
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

/* The first violation's line ("  ...: ID ..."), checked to be id. */
static const char *expect_first(int rc, const char *id)
{
	const char *line = strstr(text, " violation(s) on ");
	const char *eol;
	char want[48], want2[48];

	cr_assert_eq(rc, 1, "want %s, exit %d:\n%s", id, rc, text);
	cr_assert_not_null(line, "%s", text);
	line = strchr(line, '\n');
	cr_assert_not_null(line, "%s", text);
	line++;
	eol = strchr(line, '\n');
	/* a worker's "ID pfn ...", the main thread's "ID: ..." */
	snprintf(want, sizeof(want), ": %s ", id);
	snprintf(want2, sizeof(want2), ": %s: ", id);
	cr_assert((strstr(line, want) && strstr(line, want) < eol) ||
			  (strstr(line, want2) && strstr(line, want2) < eol),
		  "first is not %s:\n%s", id, text);
	return line;
}

static const struct mmt_adapter *plugin(const char *name)
{
	static char spec[4096];
	char err[1024] = "";
	const struct mmt_adapter *ad = NULL;
	const char *options = NULL;

	snprintf(spec, sizeof(spec), "%s/%s.so", MMT_PLUGIN_DIR, name);
	cr_assert_eq(mmt_adapter_select(spec, &ad, &options, err, sizeof(err)),
		     0, "%s: %s", spec, err);
	return ad;
}

static void x86_32(struct mmt_machine *m)
{
	char msg[200];

	cr_assert_eq(mmt_machine_parse_arg(X86_32_SPEC, m, msg, sizeof(msg)), 0,
		     "%s", msg);
}

/* 4 s: at least three parks, so both probes run. */
MMT_TEST(pages_zones, example_buddy_clean_on_both_profiles)
{
	struct mmt_machine m;
	const struct mmt_adapter *ad = plugin("simple_buddy");

	cr_assert_eq(run(ad, "", NULL, NULL, 2, 4), 0, "%s", text);
	x86_32(&m);
	cr_assert_eq(run(ad, "", &m, X86_32_SPEC, 2, 4), 0, "%s", text);
}

MMT_TEST(pages_zones, ref_pages_clean_on_both_profiles)
{
	struct mmt_machine m;
	const struct mmt_adapter *ad = NULL;
	const char *options = NULL;
	char err[512];

	cr_assert_eq(mmt_adapter_select("ref-pages", &ad, &options, err,
					sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(run(ad, "", NULL, NULL, 2, 4), 0, "%s", text);
	x86_32(&m);
	cr_assert_eq(run(ad, "", &m, X86_32_SPEC, 2, 4), 0, "%s", text);
}

/* The second park runs the fallback probe: GFP_KERNEL never reaches DMA. */
MMT_TEST(pages_zones, no_fallback_into_dma_is_probe)
{
	const char *l = expect_first(run(plugin("simple_buddy_nofallback"), "",
					 NULL, NULL, 2, 10),
				     "STRESS-PROBE");

	cr_assert_not_null(strstr(l, "fallback probe: "), "%s", l);
	cr_assert_not_null(strstr(l, "left per zone: DMA "), "%s", l);
}

/* ... and on x86_32, where GFP_KERNEL|__GFP_HIGHMEM is the widest mask. */
MMT_TEST(pages_zones, no_fallback_into_dma_is_probe_on_x86_32)
{
	struct mmt_machine m;
	const char *l;

	x86_32(&m);
	l = expect_first(run(plugin("simple_buddy_nofallback"), "", &m,
			     X86_32_SPEC, 2, 10),
			 "STRESS-PROBE");
	cr_assert_not_null(strstr(l, "gfp 0x20cc2 (zones DMA|Normal|HighMem)"),
			   "%s", l);
}

MMT_TEST(pages_zones, highmem_block_not_zeroed_is_zero)
{
	struct mmt_machine m;
	const char *l;
	unsigned long long pfn = 0;
	const char *at;

	x86_32(&m);
	l = expect_first(run(plugin("simple_buddy_hizero"), "", &m, X86_32_SPEC,
			     2, 10),
			 "STRESS-ZERO");
	at = strstr(l, " pfn ");
	cr_assert_not_null(at, "%s", l);
	cr_assert_eq(sscanf(at, " pfn %llu", &pfn), 1, "%s", l);
	cr_assert_geq(pfn, (896ull << 20) >> 12, "not in HighMem: %s", l);
}

/* Without HighMem the same plug-in is correct. */
MMT_TEST(pages_zones, highmem_bug_needs_highmem)
{
	cr_assert_eq(run(plugin("simple_buddy_hizero"), "", NULL, NULL, 2, 2),
		     0, "%s", text);
}

/* ------------------------------------------------------ a lying arena */

/*
 * An OWN_ARENA allocator of the machine's memory whose reported arena
 * says every pfn is ZONE_DMA, and which serves the first GFP_DMA request
 * at pfn 8192 (DMA32 by the machine) and NULL for every other. Judged by
 * its own report the block is fine; judged by the machine it is not.
 */
struct lstate {
	struct mmt_arena a;
	size_t len;
	int handed;
};

static int l_create(const struct mmt_adapter_env *env, void **state, char *err,
		    size_t errlen)
{
	struct lstate *st = calloc(1, sizeof(*st));
	void *base;

	(void)err;
	(void)errlen;
	if (!st)
		return -ENOMEM;
	mmt_arena_from_machine(&env->machine, NULL, &st->a);
	st->len = (size_t)(st->a.nr_pfns * st->a.page_size);
	base = mmap(NULL, st->len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		free(st);
		return -ENOMEM;
	}
	st->a.base = base;
	st->a.nr_zones = 1;
	st->a.zones[0].type = MMT_ZONE_DMA;
	st->a.zones[0].present = 1;
	st->a.zones[0].start_pfn = 0;
	st->a.zones[0].end_pfn = st->a.nr_pfns;
	*state = st;
	return 0;
}

static void l_destroy(void *state)
{
	struct lstate *st = state;

	munmap(st->a.base, st->len);
	free(st);
}

static int l_arena(void *state, struct mmt_arena *out)
{
	*out = ((struct lstate *)state)->a;
	return 0;
}

static int l_alloc(void *state, unsigned int order, uint32_t gfp, uint32_t api,
		   void **addr)
{
	struct lstate *st = state;

	(void)api;
	*addr = NULL;
	if (st->handed || order != 0 ||
	    (gfp & (MMT_GFP_DMA | MMT_GFP_DMA32 | MMT_GFP_HIGHMEM)) !=
		    MMT_GFP_DMA)
		return 0;
	st->handed = 1;
	*addr = (char *)st->a.base + 8192 * st->a.page_size;
	return 0;
}

static int l_free(void *state, void *addr, unsigned int order, uint32_t api)
{
	(void)state;
	(void)addr;
	(void)order;
	(void)api;
	return 0;
}

static const struct mmt_pages_ops l_pages = {
	.struct_size = sizeof(struct mmt_pages_ops),
	.version = MMT_PAGES_OPS_VERSION,
	.arena = l_arena,
	.alloc = l_alloc,
	.free = l_free,
};

static const struct mmt_adapter lying_arena = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "lying-arena",
	.description = "reports one DMA zone over all of the machine",
	.caps = MMT_CAP_PAGES | MMT_CAP_ZONES | MMT_CAP_OWN_ARENA,
	.create = l_create,
	.destroy = l_destroy,
	.pages = &l_pages,
};

MMT_TEST(pages_zones, zones_come_from_the_machine_not_the_report)
{
	/* the lie is named at boot (STRESS-MAP); every block after it is
	 * judged by the machine's zones, so a run that goes on past it
	 * reports the block in the wrong zone too */
	const char *l = expect_first(run(&lying_arena, "", NULL, NULL, 1, 1),
				     "STRESS-MAP");

	cr_assert_not_null(strstr(l, "at boot: the allocator's own map"), "%s",
			   l);
	cr_assert_not_null(strstr(l, "zone"), "%s", l);
}
