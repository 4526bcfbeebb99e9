/* SPDX-License-Identifier: MIT */
/*
 * tests/ref/test_watermark.c - the zones' watermarks, min_free_kbytes and
 * lowmem reserves (ref/watermark.c) against figures computed by hand from
 * the kernel's formulas: 6.12's calculate_min_free_kbytes,
 * __setup_per_zone_wmarks and setup_per_zone_lowmem_reserve, 2.6.18's
 * init_per_zone_pages_min, setup_per_zone_pages_min and its
 * setup_per_zone_lowmem_reserve (docs/watermarks.md). Three machine sizes
 * per profile and era, a machine with reserved pages (6.12 shares by
 * managed pages, 2.6.18 by present ones) and the two sysctls.
 *
 * The rows are in ref's zone order DMA, DMA32, Normal, HighMem; a zone
 * the era's kernel does not have (6.12: x86_64's HighMem, x86_32's DMA32)
 * reads all zero. Watermarks are {min, low, high, promo} (2.6.18: promo
 * = high); lowmem_reserve[j] of a row is what that zone keeps back from a
 * request whose highest zone is j.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "leakcheck.h"
#include "ref_machine.h"

struct wm_case {
	const char *spec;
	unsigned long min_free_kbytes;
	unsigned long wm[REF_NR_ZONE_TYPES][REF_NR_WMARK];
	unsigned long reserve[REF_NR_ZONE_TYPES][REF_NR_ZONE_TYPES];
};

static const struct wm_case cases[] = {
	{ "profile=x86_64,era=6.12,ram=64M",
	  1024,
	  { { 64, 80, 96, 112 },
	    { 192, 240, 288, 336 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 } },
	  { { 0, 48, 48, 48 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 } } },
	{ "profile=x86_64,era=6.12,ram=1G",
	  4096,
	  { { 16, 20, 24, 28 },
	    { 1008, 1266, 1524, 1782 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 } },
	  { { 0, 1008, 1008, 1008 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 } } },
	{ "profile=x86_64,era=6.12,bank=32M@0,bank=2G@4G",
	  5837,
	  { { 11, 15, 19, 23 },
	    { 11, 15, 19, 23 },
	    { 1436, 1960, 2484, 3008 },
	    { 0, 0, 0, 0 } },
	  { { 0, 16, 2064, 2064 },
	    { 0, 0, 2048, 2048 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 } } },
	{ "profile=x86_64,era=2.6,ram=64M",
	  1024,
	  { { 64, 80, 96, 96 },
	    { 192, 240, 288, 288 },
	    { 0, 0, 0, 0 },
	    { 32, 32, 32, 32 } },
	  { { 0, 48, 48, 48 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 } } },
	{ "profile=x86_64,era=2.6,ram=1G",
	  4096,
	  { { 16, 20, 24, 24 },
	    { 1008, 1260, 1512, 1512 },
	    { 0, 0, 0, 0 },
	    { 32, 32, 32, 32 } },
	  { { 0, 1008, 1008, 1008 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 } } },
	{ "profile=x86_64,era=2.6,bank=32M@0,bank=2G@4G",
	  5837,
	  { { 11, 13, 16, 16 },
	    { 11, 13, 16, 16 },
	    { 1436, 1795, 2154, 2154 },
	    { 32, 32, 32, 32 } },
	  { { 0, 16, 2064, 2064 },
	    { 0, 0, 2048, 2048 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 } } },
	{ "profile=x86_32,era=6.12,ram=64M",
	  1024,
	  { { 64, 80, 96, 112 },
	    { 0, 0, 0, 0 },
	    { 192, 240, 288, 336 },
	    { 32, 32, 32, 32 } },
	  { { 0, 0, 48, 48 }, { 0, 0, 0, 0 }, { 0, 0, 0, 0 }, { 0, 0, 0, 0 } } },
	{ "profile=x86_32,era=6.12,ram=512M",
	  2896,
	  { { 22, 27, 32, 37 },
	    { 0, 0, 0, 0 },
	    { 701, 876, 1051, 1226 },
	    { 32, 32, 32, 32 } },
	  { { 0, 0, 496, 496 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 } } },
	{ "profile=x86_32,era=6.12,ram=2G",
	  3831,
	  { { 17, 21, 25, 29 },
	    { 0, 0, 0, 0 },
	    { 939, 1173, 1407, 1641 },
	    { 128, 435, 742, 1049 } },
	  { { 0, 0, 880, 2032 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 9216 },
	    { 0, 0, 0, 0 } } },
	{ "profile=x86_32,era=2.6,ram=64M",
	  1024,
	  { { 64, 80, 96, 96 },
	    { 0, 0, 0, 0 },
	    { 192, 240, 288, 288 },
	    { 32, 32, 32, 32 } },
	  { { 0, 0, 48, 48 },
	    { 0, 0, 48, 48 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 } } },
	{ "profile=x86_32,era=2.6,ram=512M",
	  2896,
	  { { 22, 27, 33, 33 },
	    { 0, 0, 0, 0 },
	    { 701, 876, 1051, 1051 },
	    { 32, 32, 32, 32 } },
	  { { 0, 0, 496, 496 },
	    { 0, 0, 496, 496 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 } } },
	{ "profile=x86_32,era=2.6,ram=2G",
	  3831,
	  { { 17, 21, 25, 25 },
	    { 0, 0, 0, 0 },
	    { 939, 1173, 1408, 1408 },
	    { 128, 435, 743, 743 } },
	  { { 0, 0, 880, 2032 },
	    { 0, 0, 880, 2032 },
	    { 0, 0, 0, 9216 },
	    { 0, 0, 0, 0 } } },
	{ "profile=x86_64,era=6.12,ram=64M,reserve=1M@0",
	  1015,
	  { { 60, 75, 90, 105 },
	    { 192, 240, 288, 336 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 } },
	  { { 0, 48, 48, 48 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 } } },
	{ "profile=x86_64,era=2.6,ram=64M,reserve=1M@0",
	  1024,
	  { { 64, 80, 96, 96 },
	    { 192, 240, 288, 288 },
	    { 0, 0, 0, 0 },
	    { 32, 32, 32, 32 } },
	  { { 0, 48, 48, 48 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 } } },
	{ "profile=x86_64,era=6.12,ram=1G,min_free_kbytes=4096,watermark_scale_factor=200",
	  4096,
	  { { 16, 97, 178, 259 },
	    { 1008, 6168, 11328, 16488 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 } },
	  { { 0, 1008, 1008, 1008 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 },
	    { 0, 0, 0, 0 } } },
	{ "profile=x86_32,era=2.6,ram=2G,min_free_kbytes=2000",
	  2000,
	  { { 8, 10, 12, 12 },
	    { 0, 0, 0, 0 },
	    { 491, 613, 736, 736 },
	    { 128, 288, 449, 449 } },
	  { { 0, 0, 880, 2032 },
	    { 0, 0, 880, 2032 },
	    { 0, 0, 0, 9216 },
	    { 0, 0, 0, 0 } } },
};

MMT_TEST(watermark, figures_are_the_kernels)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct wm_case *w = &cases[i];
		struct ref_mm *mm = make(w->spec);

		cr_assert_eq(mm->min_free_kbytes, w->min_free_kbytes,
			     "%s: min_free_kbytes %lu, want %lu", w->spec,
			     mm->min_free_kbytes, w->min_free_kbytes);
		for (unsigned int z = 0; z < REF_NR_ZONE_TYPES; z++) {
			const struct ref_zone *zone = &mm->zones[z];

			for (unsigned int k = 0; k < REF_NR_WMARK; k++)
				cr_assert_eq(zone->watermark[k], w->wm[z][k],
					     "%s: zone %u watermark %u is %lu, "
					     "want %lu",
					     w->spec, z, k, zone->watermark[k],
					     w->wm[z][k]);
			for (unsigned int j = 0; j < REF_NR_ZONE_TYPES; j++)
				cr_assert_eq(
					zone->lowmem_reserve[j],
					w->reserve[z][j],
					"%s: zone %u lowmem_reserve[%u] is "
					"%lu, want %lu",
					w->spec, z, j, zone->lowmem_reserve[j],
					w->reserve[z][j]);
		}
		ref_mm_destroy(mm);
	}
}

/* A reset or a recreate on another config computes them again. */
MMT_TEST(watermark, reset_and_recreate_recompute)
{
	struct ref_mm *mm = make("profile=x86_64,era=6.12,ram=64M");
	struct ref_config c;
	char err[256] = "";

	cr_assert_eq(ref_mm_reset(mm), 0);
	cr_assert_eq(mm->zones[REF_ZONE_DMA32].watermark[REF_WMARK_HIGH], 288);
	ref_config_init(&c);
	cr_assert_eq(ref_config_parse(&c, "profile=x86_64,era=2.6,ram=1G", err,
				      sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(ref_mm_recreate(mm, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(mm->zones[REF_ZONE_DMA32].watermark[REF_WMARK_HIGH], 1512);
	cr_assert_eq(mm->zones[REF_ZONE_DMA].lowmem_reserve[REF_ZONE_DMA32],
		     1008);
	ref_mm_destroy(mm);
}

/* zoneinfo shows them where /proc/zoneinfo does, protection over the
 * era's zone array. */
MMT_TEST(watermark, zoneinfo_shows_them)
{
	static char buf[8192];
	struct ref_mm *mm = make("profile=x86_32,era=6.12,ram=2G");

	ref_proc_zoneinfo(mm, buf, sizeof(buf));
	cr_assert(strstr(buf, "zone   Normal\n  pages free     225280\n"
			      "        boost    0\n"
			      "        min      939\n"
			      "        low      1173\n"
			      "        high     1407\n"
			      "        promo    1641\n") != NULL,
		  "%s", buf);
	cr_assert(strstr(buf, "protection: (0, 880, 2032, 2032)") != NULL, "%s",
		  buf);
	cr_assert(strstr(buf, "protection: (0, 0, 9216, 9216)") != NULL, "%s",
		  buf);
	ref_mm_destroy(mm);
	mm = make("profile=x86_32,era=2.6,ram=2G");
	ref_proc_zoneinfo(mm, buf, sizeof(buf));
	cr_assert(strstr(buf, "protection: (0, 0, 880, 2032)") != NULL, "%s",
		  buf);
	ref_mm_destroy(mm);
}

MMT_TEST(watermark, sysctls_parse_and_check)
{
	struct ref_config c;
	char err[256] = "", out[256];

	ref_config_init(&c);
	cr_assert_eq(ref_config_parse(&c,
				      "ram=64M,min_free_kbytes=2048,"
				      "watermark_scale_factor=100",
				      err, sizeof(err)),
		     0, "%s", err);
	ref_config_format(&c, out, sizeof(out));
	cr_assert(strstr(out, ",min_free_kbytes=2048,watermark_scale_factor="
			      "100") != NULL,
		  "%s", out);
	ref_config_init(&c);
	cr_assert_eq(ref_config_parse(&c, "era=2.6,watermark_scale_factor=10",
				      err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(ref_config_validate(&c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "2.6.18 has no such sysctl") != NULL, "%s", err);
	ref_config_init(&c);
	cr_assert_eq(ref_config_parse(&c, "watermark_scale_factor=3001", err,
				      sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(ref_config_validate(&c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "must be 1..3000") != NULL, "%s", err);
}
