/* SPDX-License-Identifier: MIT */
/*
 * tests/harness/test_wmarks.c - the harness's own derivation of the
 * watermarks (harness/watermark.c, what the shadow predicts by) against
 * ref's (ref/watermark.c): two copies of the kernel's rules, written
 * apart, must give the same min_free_kbytes, min/low/high/promo and
 * lowmem_reserve for every machine. Fixed machines (three sizes per
 * profile and era, holes, reserved ranges, mem=, both sysctls) and a
 * thousand random ones.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <mmtorture/machine.h>
#include <mmtorture/ops.h>
#include <ref/mm.h>
#include <ref/types.h>

#include "../adapters/ref_pages.h"
#include "leakcheck.h"
#include "mmt_lib.h"

/* The two derivations of machine m agree; the first difference else. */
static void agree(const struct mmt_machine *m, const char *what)
{
	struct ref_config c;
	struct ref_mm *mm = NULL;
	struct mmt_wmarks w;
	char err[256] = "", spec[512];

	mmt_machine_format_spec(m, spec, sizeof(spec));
	cr_assert_eq(mmt_ref_pages_config(m, "", &c, err, sizeof(err)), 0,
		     "%s: %s: %s", what, spec, err);
	cr_assert_eq(ref_mm_create(&c, &mm, err, sizeof(err)), 0, "%s: %s",
		     spec, err);
	mmt_machine_wmarks(m, &w);
	cr_assert_eq(w.min_free_kbytes, mm->min_free_kbytes,
		     "%s: %s: min_free_kbytes %llu, ref %lu", what, spec,
		     (unsigned long long)w.min_free_kbytes,
		     mm->min_free_kbytes);
	for (unsigned int t = 0; t < MMT_NR_ZONE_TYPES; t++) {
		const struct ref_zone *z = &mm->zones[t];

		cr_assert_eq(w.zone[t].managed, z->managed_pages,
			     "%s: %s: zone %u managed %llu, ref %lu", what,
			     spec, t, (unsigned long long)w.zone[t].managed,
			     z->managed_pages);
		for (unsigned int k = 0; k < MMT_NR_WMARK; k++)
			cr_assert_eq(w.zone[t].mark[k], z->watermark[k],
				     "%s: %s: zone %u mark %u: %llu, ref %lu",
				     what, spec, t, k,
				     (unsigned long long)w.zone[t].mark[k],
				     z->watermark[k]);
		for (unsigned int j = 0; j < MMT_NR_ZONE_TYPES; j++)
			cr_assert_eq(
				w.zone[t].lowmem_reserve[j],
				z->lowmem_reserve[j],
				"%s: %s: zone %u protection[%u]: %llu, "
				"ref %lu",
				what, spec, t, j,
				(unsigned long long)w.zone[t].lowmem_reserve[j],
				z->lowmem_reserve[j]);
	}
	ref_mm_destroy(mm);
}

static void agree_spec(const char *spec)
{
	struct mmt_machine m;
	char msg[256];

	cr_assert_eq(mmt_machine_parse_arg(spec, &m, msg, sizeof(msg)), 0,
		     "%s: %s", spec, msg);
	agree(&m, "fixed");
}

MMT_TEST(wmarks, fixed_machines_agree_with_ref)
{
	static const char *const specs[] = {
		"profile=x86_64 era=6.12 ram=64M",
		"profile=x86_64 era=6.12 ram=1G",
		"profile=x86_64 era=6.12 bank=32M@0 bank=2G@4G",
		"profile=x86_64 era=2.6 ram=64M",
		"profile=x86_64 era=2.6 ram=1G",
		"profile=x86_64 era=2.6 bank=32M@0 bank=2G@4G",
		"profile=x86_32 era=6.12 ram=64M",
		"profile=x86_32 era=6.12 ram=1G",
		"profile=x86_32 era=6.12 ram=2G",
		"profile=x86_32 era=2.6 ram=64M",
		"profile=x86_32 era=2.6 ram=1G",
		"profile=x86_32 era=2.6 ram=2G",
		"profile=x86_32 era=2.6 bank=32M@0 bank=8M@1G",
		"ram=64M reserve=1M@0 reserve=3M@20M",
		"era=2.6 ram=64M reserve=1M@0 reserve=3M@20M",
		"ram=64M reserve=1M@0 reserve=2M@512K",
		"ram=128M mem=40M",
		"ram=64M min_free_kbytes=4096",
		"ram=1G watermark_scale_factor=300",
		"era=2.6 ram=64M min_free_kbytes=100",
		"page=8K ram=64M",
		"era=2.6 page=8K ram=256M",
		"ram=16M",
	};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		agree_spec(specs[i]);
}

MMT_TEST(wmarks, random_machines_agree_with_ref)
{
	uint64_t seed = 0x77617465726d61ULL; /* "waterma" */

	for (unsigned int n = 0; n < 1000; n++) {
		struct mmt_machine m;
		uint64_t r = mmt_splitmix64(&seed);
		uint64_t at = 0;

		mmt_machine_default(&m);
		m.profile = r & 1;
		m.era = (r >> 1) & 1;
		m.nr_banks = 1 + (uint32_t)((r >> 2) % 3);
		for (uint32_t b = 0; b < m.nr_banks; b++) {
			uint64_t len = 1024 + mmt_splitmix64(&seed) % 60000;

			m.banks[b].start_pfn = at;
			m.banks[b].nr_pages = len;
			at += len + mmt_splitmix64(&seed) % 300000;
		}
		m.nr_reserved = (uint32_t)((r >> 4) % 3);
		for (uint32_t k = 0; k < m.nr_reserved; k++) {
			m.reserved[k].start_pfn =
				mmt_splitmix64(&seed) % m.banks[0].nr_pages;
			m.reserved[k].nr_pages = 1 + mmt_splitmix64(&seed) % 64;
		}
		if ((r >> 6) % 4 == 0)
			m.min_free_kbytes = 128 + (r >> 8) % 20000;
		if (!m.era && (r >> 30) % 4 == 0)
			m.watermark_scale_factor =
				1 + (uint32_t)((r >> 32) % 3000);
		if (mmt_machine_check(&m, NULL))
			continue;
		agree(&m, "random");
	}
}

MMT_TEST(wmarks, table_machines_agree_with_ref)
{
	/* the machines every fuzz input's header reaches, watermark knobs
	 * of byte 2 included */
	unsigned int knobs = 0;

	for (uint64_t seed = 0; seed < 600; seed++) {
		struct mmt_machine m;

		mmt_prog_table_machine(seed, &m);
		knobs += m.min_free_kbytes || m.watermark_scale_factor;
		agree(&m, "table");
	}
	cr_assert_gt(knobs, 0, "no table machine drew a watermark knob");
}
