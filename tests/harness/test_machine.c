/* SPDX-License-Identifier: MIT */
/*
 * test_machine.c - the harness's machine model (harness/machine.c): the
 * spec grammar round-trips and names the field of every error, the rules
 * name theirs, the zone layout of both profiles at several sizes (banks
 * above 4 GiB, HighMem above 896 MiB), the allowed zones of every
 * combination of the zone bits on both profiles (the forbidden ones
 * refused), the zone of a pfn, and the layout agreeing with the one the
 * reference builds for itself.
 */
#include <criterion/criterion.h>
#include <string.h>

#include <mmtorture/exec.h>
#include <mmtorture/machine.h>

#include "leakcheck.h"

#define MIB_PFNS(x) ((uint64_t)(x) << 8) /* MiB in 4K pages */

static void parse_ok(const char *spec, struct mmt_machine *m)
{
	struct mmt_spec_error e;

	cr_assert_eq(mmt_machine_parse_spec(spec, strlen(spec), m, &e), 0,
		     "'%s' refused: column %u: %s: %s", spec, e.column, e.field,
		     e.message);
	cr_assert_eq(mmt_machine_check(m, NULL), 0, "'%s' fails the rules",
		     spec);
}

Test(machine, spec_round_trips_through_the_canonical_form)
{
	static const char *const specs[] = {
		"",
		"ram=16M",
		"profile=x86_32 era=2.6 page=8K orders=12 cpus=4 ram=1G",
		"bank=32M@0 bank=32M@4G reserve=4K@0 reserve=256K@2M",
		"cpus=64 orders=16 bank=512M@0 bank=1G@8G",
		"page=4096 ram=0x4000000",
		"ram=64M # a comment ends the spec",
		"bank=8M@0 bank=4M@4G mem=4098M",
		"ram=1G min_free_kbytes=4096 watermark_scale_factor=200",
	};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct mmt_machine a, b;
		char f1[512], f2[512];
		size_t n;

		parse_ok(specs[i], &a);
		n = mmt_machine_format_spec(&a, f1, sizeof(f1));
		cr_assert_eq(n, strlen(f1), "length of '%s'", f1);
		parse_ok(f1, &b);
		cr_assert(mmt_machine_equal(&a, &b), "'%s' -> '%s' differs",
			  specs[i], f1);
		mmt_machine_format_spec(&b, f2, sizeof(f2));
		cr_assert_str_eq(f1, f2);
	}
}

Test(machine, an_empty_spec_is_the_default_machine)
{
	struct mmt_machine m, d;
	char buf[256];

	parse_ok("", &m);
	mmt_machine_default(&d);
	cr_assert(mmt_machine_equal(&m, &d));
	mmt_machine_format_spec(&d, buf, sizeof(buf));
	cr_assert_str_eq(buf, "profile=x86_64 era=6.12 page=4K orders=11 "
			      "cpus=1 bank=64M@0");
	cr_assert_eq(mmt_machine_end_pfn(&d), MIB_PFNS(64));
	cr_assert_eq(mmt_machine_present_pages(&d), MIB_PFNS(64));
}

Test(machine, the_formatter_reports_its_full_length_when_cut)
{
	struct mmt_machine m;
	char small[8];
	char full[256];

	mmt_machine_default(&m);
	cr_assert_eq(mmt_machine_format_spec(&m, small, sizeof(small)),
		     mmt_machine_format_spec(&m, full, sizeof(full)));
	cr_assert_eq(strlen(small), sizeof(small) - 1);
	cr_assert_eq(strncmp(small, full, sizeof(small) - 1), 0);
}

struct bad_spec {
	const char *spec;
	const char *field;
	unsigned int column;
};

Test(machine, every_spec_error_names_its_field_and_column)
{
	static const struct bad_spec bad[] = {
		{ "rams=64M", "key", 1 },
		{ "ram", "key", 1 },
		{ "profile=arm", "profile", 1 },
		{ "era=3.0", "era", 1 },
		{ "page=16K", "page", 1 },
		{ "page=4K page=8K", "page", 9 },
		{ "orders=x", "orders", 1 },
		{ "orders=11K", "orders", 1 },
		{ "orders=0", "orders", 1 },
		{ "orders=17", "orders", 1 },
		{ "cpus=65", "cpus", 1 },
		{ "cpus=0", "cpus", 1 },
		{ "cpus=2 cpus=3", "cpus", 8 },
		{ "ram=bogus", "ram", 1 },
		{ "ram=128M,cpus=2", "ram", 1 },
		{ "ram=64M bank=64M@0", "ram", 1 },
		{ "ram=5000", "ram", 1 },
		{ "ram=2T", "ram", 1 },
		{ "bank=64M", "bank", 1 },
		{ "bank=5000@0", "bank", 1 },
		{ "bank=1M@0", "bank", 1 },
		{ "bank=16M@0 bank=16M@8M", "bank", 12 },
		{ "bank=16M@0 bank=0@32M", "bank", 12 },
		{ "bank=4M@0 bank=4M@4M bank=4M@8M bank=4M@12M bank=4M@16M "
		  "bank=4M@20M bank=4M@24M bank=4M@28M bank=4M@32M",
		  "bank", 93 },
		{ "bank=4M@1023G bank=4M@1T", "bank", 15 },
		{ "reserve=4K", "reserve", 1 },
		{ "reserve=0@0", "reserve", 1 },
		{ "ram=16M reserve=4K@16M", "reserve", 9 },
		{ "ram=16M reserve=6K@0", "reserve", 9 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mmt_spec_error e;
		struct mmt_machine m;
		char msg[400], want[400];

		cr_assert_eq(mmt_machine_parse_spec(
				     bad[i].spec, strlen(bad[i].spec), &m, &e),
			     -1, "'%s' accepted", bad[i].spec);
		cr_assert_str_eq(e.field, bad[i].field, "'%s': field '%s' (%s)",
				 bad[i].spec, e.field, e.message);
		cr_assert_eq(e.column, bad[i].column, "'%s': column %u (%s)",
			     bad[i].spec, e.column, e.message);
		cr_assert_neq(e.message[0], '\0', "'%s': no message",
			      bad[i].spec);
		cr_assert_eq(mmt_machine_parse_arg(bad[i].spec, &m, msg,
						   sizeof(msg)),
			     -1);
		snprintf(want, sizeof(want), "column %u: field '%s': %s",
			 e.column, e.field, e.message);
		cr_assert_str_eq(msg, want);
	}
}

Test(machine, every_broken_rule_names_its_field)
{
	static const char *const fields[] = { "profile", "era",	   "page",
					      "orders",	 "cpus",   "bank",
					      "bank",	 "reserve" };

	for (unsigned int i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		struct mmt_spec_error e;
		struct mmt_machine m;

		mmt_machine_default(&m);
		cr_assert_eq(mmt_machine_check(&m, &e), 0);
		switch (i) {
		case 0:
			m.profile = 2;
			break;
		case 1:
			m.era = 2;
			break;
		case 2:
			m.page_shift = 14;
			break;
		case 3:
			m.nr_orders = 0;
			break;
		case 4:
			m.nr_cpus = MMT_MACHINE_MAX_CPUS + 1;
			break;
		case 5:
			m.nr_banks = 0;
			break;
		case 6:
			m.banks[0].nr_pages = 1; /* below one top block */
			break;
		default:
			m.nr_reserved = 1;
			m.reserved[0] = (struct mmt_pfn_range){ 0, 0 };
			break;
		}
		cr_assert_eq(mmt_machine_check(&m, &e), -1, "rule %u", i);
		cr_assert_str_eq(e.field, fields[i], "rule %u: '%s' (%s)", i,
				 e.field, e.message);
	}
}

Test(machine, equality_sees_every_field)
{
	struct mmt_machine a, b;

	parse_ok("bank=32M@0 bank=32M@4G reserve=4K@0", &a);
	for (unsigned int i = 0; i < 8; i++) {
		b = a;
		cr_assert(mmt_machine_equal(&a, &b));
		switch (i) {
		case 0:
			b.profile = 1;
			break;
		case 1:
			b.era = 1;
			break;
		case 2:
			b.page_shift = 13;
			break;
		case 3:
			b.nr_orders = 10;
			break;
		case 4:
			b.nr_cpus = 2;
			break;
		case 5:
			b.banks[1].start_pfn++;
			break;
		case 6:
			b.reserved[0].nr_pages++;
			break;
		default:
			b.nr_reserved = 0;
			break;
		}
		cr_assert(!mmt_machine_equal(&a, &b), "field %u ignored", i);
	}
	/* entries past nr_banks do not count */
	b = a;
	b.banks[5].nr_pages = 99;
	cr_assert(mmt_machine_equal(&a, &b));
}

/* ------------------------------------------------------------ layout */

struct want_zone {
	uint32_t type;
	uint32_t present;
	uint64_t start, end; /* pfns, when present */
};

struct layout_case {
	const char *spec;
	struct want_zone z[3];
};

#define Z(t, s, e)                        \
	{                                 \
		MMT_ZONE_##t, 1, (s), (e) \
	}
#define EMPTY(t)                      \
	{                             \
		MMT_ZONE_##t, 0, 0, 0 \
	}

static const struct layout_case layouts[] = {
	/* x86_64 */
	{ "ram=8M", { Z(DMA, 0, MIB_PFNS(8)), EMPTY(DMA32), EMPTY(NORMAL) } },
	{ "ram=64M",
	  { Z(DMA, 0, MIB_PFNS(16)), Z(DMA32, MIB_PFNS(16), MIB_PFNS(64)),
	    EMPTY(NORMAL) } },
	/* spans are the kernel's: the zone's bounds clipped to RAM's first
	 * and last pfn, holes included */
	{ "bank=32M@0 bank=32M@4G",
	  { Z(DMA, 0, MIB_PFNS(16)), Z(DMA32, MIB_PFNS(16), MIB_PFNS(4096)),
	    Z(NORMAL, MIB_PFNS(4096), MIB_PFNS(4096 + 32)) } },
	{ "ram=6G",
	  { Z(DMA, 0, MIB_PFNS(16)), Z(DMA32, MIB_PFNS(16), MIB_PFNS(4096)),
	    Z(NORMAL, MIB_PFNS(4096), MIB_PFNS(6144)) } },
	{ "bank=8M@0 bank=4M@4G",
	  { Z(DMA, 0, MIB_PFNS(16)), EMPTY(DMA32),
	    Z(NORMAL, MIB_PFNS(4096), MIB_PFNS(4100)) } },
	{ "bank=8M@32M bank=16M@8G",
	  { EMPTY(DMA), Z(DMA32, MIB_PFNS(32), MIB_PFNS(4096)),
	    Z(NORMAL, MIB_PFNS(4096), MIB_PFNS(8208)) } },
	/* a bank across the 16M line is split between DMA and DMA32 */
	{ "bank=8M@12M",
	  { Z(DMA, MIB_PFNS(12), MIB_PFNS(16)),
	    Z(DMA32, MIB_PFNS(16), MIB_PFNS(20)), EMPTY(NORMAL) } },
	/* x86_32 */
	{ "profile=x86_32 ram=16M",
	  { Z(DMA, 0, MIB_PFNS(16)), EMPTY(NORMAL), EMPTY(HIGHMEM) } },
	{ "profile=x86_32 ram=512M",
	  { Z(DMA, 0, MIB_PFNS(16)), Z(NORMAL, MIB_PFNS(16), MIB_PFNS(512)),
	    EMPTY(HIGHMEM) } },
	{ "profile=x86_32 ram=896M",
	  { Z(DMA, 0, MIB_PFNS(16)), Z(NORMAL, MIB_PFNS(16), MIB_PFNS(896)),
	    EMPTY(HIGHMEM) } },
	{ "profile=x86_32 ram=1G",
	  { Z(DMA, 0, MIB_PFNS(16)), Z(NORMAL, MIB_PFNS(16), MIB_PFNS(896)),
	    Z(HIGHMEM, MIB_PFNS(896), MIB_PFNS(1024)) } },
	{ "profile=x86_32 bank=8M@0 bank=4M@4G",
	  { Z(DMA, 0, MIB_PFNS(16)), EMPTY(NORMAL),
	    Z(HIGHMEM, MIB_PFNS(896), MIB_PFNS(4100)) } },
	{ "profile=x86_32 bank=4M@0 bank=32M@880M",
	  { Z(DMA, 0, MIB_PFNS(16)), Z(NORMAL, MIB_PFNS(16), MIB_PFNS(896)),
	    Z(HIGHMEM, MIB_PFNS(896), MIB_PFNS(912)) } },
};

static void check_layout(const struct layout_case *c, const struct mmt_arena *a)
{
	for (unsigned int z = 0; z < 3; z++) {
		const struct want_zone *w = &c->z[z];
		const struct mmt_arena_zone *g = &a->zones[z];

		cr_assert_eq(g->type, w->type, "%s: zone %u type %u", c->spec,
			     z, g->type);
		cr_assert_eq(g->present, w->present, "%s: %s present %u",
			     c->spec, mmt_zone_name((int)w->type), g->present);
		if (!w->present)
			continue;
		cr_assert_eq(g->start_pfn, w->start, "%s: %s starts at %llu",
			     c->spec, mmt_zone_name((int)w->type),
			     (unsigned long long)g->start_pfn);
		cr_assert_eq(g->end_pfn, w->end, "%s: %s ends at %llu", c->spec,
			     mmt_zone_name((int)w->type),
			     (unsigned long long)g->end_pfn);
	}
}

Test(machine, zone_layout_of_both_profiles)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		struct mmt_machine m;
		struct mmt_arena a;

		parse_ok(layouts[i].spec, &m);
		mmt_arena_from_machine(&m, (void *)0x10000, &a);
		cr_assert_eq(a.base, (void *)0x10000);
		cr_assert_eq(a.nr_zones, 3u);
		cr_assert_eq(a.nr_pfns, mmt_machine_end_pfn(&m));
		cr_assert_eq(a.page_size, 4096u);
		cr_assert_eq(a.nr_orders, m.nr_orders);
		cr_assert_eq(a.nr_present, m.nr_banks);
		check_layout(&layouts[i], &a);
	}
}

Test(machine, zone_layout_scales_with_the_page_size)
{
	struct mmt_machine m;
	struct mmt_arena a;

	parse_ok("page=8K bank=32M@0 bank=32M@4G reserve=8K@0", &m);
	mmt_arena_from_machine(&m, NULL, &a);
	cr_assert_eq(a.page_size, 8192u);
	cr_assert_eq(a.zones[0].end_pfn, (16u << 20) / 8192u);
	cr_assert_eq(a.zones[1].start_pfn, (16u << 20) / 8192u);
	cr_assert_eq(a.zones[2].start_pfn, (4ULL << 30) / 8192u);
	cr_assert_eq(a.nr_reserved, 1u);
	cr_assert_eq(a.reserved[0].nr_pages, 1u);
}

Test(machine, the_zone_of_a_pfn)
{
	struct mmt_machine m;
	struct mmt_arena a;

	parse_ok("bank=32M@0 bank=32M@4G", &m);
	mmt_arena_from_machine(&m, NULL, &a);
	cr_assert_eq(mmt_arena_zone_of(&a, 0), MMT_ZONE_DMA);
	cr_assert_eq(mmt_arena_zone_of(&a, MIB_PFNS(16) - 1), MMT_ZONE_DMA);
	cr_assert_eq(mmt_arena_zone_of(&a, MIB_PFNS(16)), MMT_ZONE_DMA32);
	cr_assert_eq(mmt_arena_zone_of(&a, MIB_PFNS(32)), -1); /* the hole */
	cr_assert_eq(mmt_arena_zone_of(&a, MIB_PFNS(4096)), MMT_ZONE_NORMAL);
	cr_assert_eq(mmt_arena_zone_of(&a, MIB_PFNS(4128)), -1);
	parse_ok("profile=x86_32 ram=1G", &m);
	mmt_arena_from_machine(&m, NULL, &a);
	cr_assert_eq(mmt_arena_zone_of(&a, MIB_PFNS(896) - 1), MMT_ZONE_NORMAL);
	cr_assert_eq(mmt_arena_zone_of(&a, MIB_PFNS(896)), MMT_ZONE_HIGHMEM);
	/* a zone that spans pfns but is not populated holds none of them */
	a.zones[1].present = 0;
	cr_assert_eq(mmt_arena_zone_of(&a, MIB_PFNS(100)), -1);
	cr_assert_str_eq(mmt_zone_name(MMT_ZONE_HIGHMEM), "HighMem");
	cr_assert_str_eq(mmt_zone_name(-1), "none");
}

/*
 * The reference builds its zones itself (ref/zone.c) and ref-pages
 * reports them as ref built them. Spans may differ across holes (the
 * kernel's span a zone's whole range up to the last pfn), so the two must
 * agree on which zones are populated and on the zone of every present pfn
 * (every 64th, and each bank's ends) on every layout above.
 */
static void same_zones(const char *spec, const struct mmt_arena *model,
		       const struct mmt_arena *ref)
{
	for (unsigned int z = 0; z < 3; z++) {
		cr_assert_eq(ref->zones[z].type, model->zones[z].type);
		cr_assert_eq(ref->zones[z].present, model->zones[z].present,
			     "%s: %s populated %u in ref", spec,
			     mmt_zone_name((int)model->zones[z].type),
			     ref->zones[z].present);
	}
	for (uint32_t b = 0; b < model->nr_present; b++) {
		uint64_t s = model->present[b].start_pfn;
		uint64_t e = s + model->present[b].nr_pages;

		for (uint64_t pfn = s; pfn < e; pfn += pfn + 64 < e ? 64 : 1)
			cr_assert_eq(
				mmt_arena_zone_of(ref, pfn),
				mmt_arena_zone_of(model, pfn),
				"%s: pfn %llu in zone %s in ref, %s here", spec,
				(unsigned long long)pfn,
				mmt_zone_name(mmt_arena_zone_of(ref, pfn)),
				mmt_zone_name(mmt_arena_zone_of(model, pfn)));
	}
}

Test(machine, zone_layout_agrees_with_the_reference)
{
	const struct mmt_adapter *ad = &mmt_adapter_ref_pages;

	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		struct mmt_adapter_env env;
		struct mmt_arena model, ref;
		void *state = NULL;
		char err[256] = "";
		int rc;

		memset(&env, 0, sizeof(env));
		env.abi_version = MMT_ADAPTER_ABI_VERSION;
		env.struct_size = (uint32_t)sizeof(env);
		env.options = "";
		env.nr_threads = 1;
		parse_ok(layouts[i].spec, &env.machine);
		mmt_arena_from_machine(&env.machine, NULL, &model);
		cr_assert_eq(ad->create(&env, &state, err, sizeof(err)), 0,
			     "%s: %s", layouts[i].spec, err);
		rc = ad->pages->arena(state, &ref);
		if (rc == 0)
			same_zones(layouts[i].spec, &model, &ref);
		ad->destroy(state);
		cr_assert_eq(rc, 0);
	}
	mmt_leakcheck();
}

/* ------------------------------------------------------------ gfp zones */

#define DMA_ (1u << MMT_ZONE_DMA)
#define DMA32_ (1u << MMT_ZONE_DMA32)
#define NORMAL_ (1u << MMT_ZONE_NORMAL)
#define HIGH_ (1u << MMT_ZONE_HIGHMEM)

/*
 * Every combination of __GFP_DMA (bit 0), __GFP_HIGHMEM (bit 1) and
 * __GFP_DMA32 (bit 2), indexed by the mask: the zones allowed on x86_64
 * and on x86_32. More than one of them is gfp_zone()'s GFP_ZONE_BAD.
 */
static const unsigned int want_x86_64[8] = {
	[0] = DMA_ | DMA32_ | NORMAL_,
	[MMT_GFP_DMA] = DMA_,
	[MMT_GFP_HIGHMEM] = DMA_ | DMA32_ | NORMAL_, /* no HighMem: Normal */
	[MMT_GFP_DMA32] = DMA_ | DMA32_,
	[MMT_GFP_DMA | MMT_GFP_HIGHMEM] = 0,
	[MMT_GFP_DMA | MMT_GFP_DMA32] = 0,
	[MMT_GFP_HIGHMEM | MMT_GFP_DMA32] = 0,
	[MMT_GFP_DMA | MMT_GFP_HIGHMEM | MMT_GFP_DMA32] = 0,
};

static const unsigned int want_x86_32[8] = {
	[0] = DMA_ | NORMAL_,
	[MMT_GFP_DMA] = DMA_,
	[MMT_GFP_HIGHMEM] = DMA_ | NORMAL_ | HIGH_,
	[MMT_GFP_DMA32] = DMA_ | NORMAL_, /* no DMA32: Normal */
	[MMT_GFP_DMA | MMT_GFP_HIGHMEM] = 0,
	[MMT_GFP_DMA | MMT_GFP_DMA32] = 0,
	[MMT_GFP_HIGHMEM | MMT_GFP_DMA32] = 0,
	[MMT_GFP_DMA | MMT_GFP_HIGHMEM | MMT_GFP_DMA32] = 0,
};

static void check_allowed(const char *spec, const unsigned int want[8])
{
	static const uint32_t others[] = { 0, MMT_GFP_KERNEL, MMT_GFP_MOVABLE,
					   MMT_GFP_ATOMIC | MMT_GFP_ZERO };
	struct mmt_machine m;
	struct mmt_arena a;

	parse_ok(spec, &m);
	mmt_arena_from_machine(&m, NULL, &a);
	for (uint32_t zb = 0; zb < 8; zb++) {
		for (size_t o = 0; o < sizeof(others) / sizeof(others[0]);
		     o++) {
			uint32_t gfp = zb | others[o];
			char g[64], w[64];

			mmt_zone_mask_format(mmt_arena_allowed_zones(&a, gfp),
					     g, sizeof(g));
			mmt_zone_mask_format(want[zb], w, sizeof(w));
			cr_assert_str_eq(g, w, "%s gfp 0x%x: %s, want %s", spec,
					 gfp, g, w);
			cr_assert_eq(mmt_machine_allowed_zones(&m, gfp),
				     want[zb]);
		}
	}
}

Test(machine, allowed_zones_of_every_zone_bit_combination)
{
	check_allowed("bank=32M@0 bank=32M@4G", want_x86_64);
	/* the rule does not depend on which zones are populated */
	check_allowed("ram=8M", want_x86_64);
	check_allowed("profile=x86_32 ram=1G", want_x86_32);
	check_allowed("profile=x86_32 ram=16M", want_x86_32);
}

Test(machine, an_arena_without_zones_allows_all_but_the_forbidden)
{
	struct mmt_arena a;

	memset(&a, 0, sizeof(a));
	cr_assert_eq(mmt_arena_allowed_zones(&a, MMT_GFP_DMA),
		     (1u << MMT_NR_ZONE_TYPES) - 1);
	cr_assert_eq(mmt_arena_allowed_zones(&a, MMT_GFP_DMA | MMT_GFP_HIGHMEM),
		     0u);
}

Test(machine, zone_masks_format_in_type_order)
{
	char buf[64];

	mmt_zone_mask_format(DMA_ | NORMAL_ | HIGH_, buf, sizeof(buf));
	cr_assert_str_eq(buf, "DMA|Normal|HighMem");
	mmt_zone_mask_format(0, buf, sizeof(buf));
	cr_assert_str_eq(buf, "none");
	cr_assert_eq(mmt_zone_mask_format(DMA_ | DMA32_, buf, 4), 9u);
	cr_assert_str_eq(buf, "DMA");
}

Test(machine, sysctl_keys_and_their_rules)
{
	struct mmt_machine m;
	struct mmt_spec_error e;
	static const struct {
		const char *spec, *field, *msg;
	} bad[] = {
		{ "min_free_kbytes=0", "min_free_kbytes", "bad number" },
		{ "min_free_kbytes=x", "min_free_kbytes", "bad number" },
		{ "watermark_scale_factor=3001", "watermark_scale_factor",
		  "1..3000" },
		{ "era=2.6 watermark_scale_factor=10", "watermark_scale_factor",
		  "2.6.18 has no watermark_scale_factor" },
	};

	parse_ok("ram=64M min_free_kbytes=2048 watermark_scale_factor=30", &m);
	cr_assert_eq(m.min_free_kbytes, 2048);
	cr_assert_eq(m.watermark_scale_factor, 30u);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(mmt_machine_parse_spec(
				     bad[i].spec, strlen(bad[i].spec), &m, &e),
			     -1, "%s", bad[i].spec);
		cr_assert_str_eq(e.field, bad[i].field, "%s", bad[i].spec);
		cr_assert(strstr(e.message, bad[i].msg) != NULL, "%s: %s",
			  bad[i].spec, e.message);
	}
}
