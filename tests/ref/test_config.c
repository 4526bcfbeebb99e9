/* SPDX-License-Identifier: MIT */
/*
 * tests/ref/test_config.c - machine configs: defaults, parse/format,
 * validation messages, page sizes, large machines, zone layouts, banks,
 * holes, reserved ranges and mem=.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "leakcheck.h"
#include "internal.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static struct ref_mm *make(const char *spec)
{
	struct ref_config c;
	struct ref_mm *mm = NULL;
	char err[256] = "";
	int rc;

	ref_config_init(&c);
	cr_assert_eq(ref_config_parse(&c, spec, err, sizeof(err)), 0,
		     "parse '%s': %s", spec, err);
	rc = ref_mm_create(&c, &mm, err, sizeof(err));
	cr_assert_eq(rc, 0, "create '%s': %s", spec, err);
	cr_assert_not_null(mm);
	return mm;
}

static void expect_healthy(struct ref_mm *mm)
{
	struct ref_report r;

	ref_report_init(&r);
	cr_assert_eq(ref_check(mm, REF_CHECK_FULL, &r), 0,
		     "unexpected finding %s: %s", r.nr ? r.findings[0].id : "",
		     r.nr ? r.findings[0].message : "");
}

MMT_TEST(config, defaults)
{
	struct ref_config c;
	char buf[256];

	memset(&c, 0xa5, sizeof(c));
	ref_config_init(&c);
	cr_assert_eq(c.profile, REF_PROFILE_X86_64);
	cr_assert_eq(c.era, REF_ERA_6_12);
	cr_assert_eq(c.ram, 64 * MiB);
	cr_assert_eq(c.page_shift, 12);
	cr_assert_eq(c.nr_orders, 11);
	cr_assert_eq(c.nr_cpus, 1);
	cr_assert_eq(c.nr_banks, 0);
	cr_assert_eq(c.nr_reserved, 0);
	cr_assert_eq(c.mem_limit, 0);
	cr_assert_eq(ref_config_validate(&c, buf, sizeof(buf)), 0);
	ref_config_format(&c, buf, sizeof(buf));
	cr_assert_str_eq(
		buf,
		"profile=x86_64,era=6.12,ram=64M,page=4K,orders=11,cpus=1");
}

MMT_TEST(config, parse_format_round_trip)
{
	const char *spec =
		"profile=x86_32 era=2.6,ram=3G page=8192,orders=12,cpus=4,"
		"mem=2G,bank=1G@0,bank=512M@0x50000000,reserve=64K@1M,"
		"reserve=8K@1280M";
	struct ref_config a, b;
	char err[128] = "", text[512], text2[512];
	size_t n;

	ref_config_init(&a);
	cr_assert_eq(ref_config_parse(&a, spec, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(a.profile, REF_PROFILE_X86_32);
	cr_assert_eq(a.era, REF_ERA_2_6);
	cr_assert_eq(a.ram, 3 * GiB);
	cr_assert_eq(a.page_shift, 13);
	cr_assert_eq(a.nr_orders, 12);
	cr_assert_eq(a.nr_cpus, 4);
	cr_assert_eq(a.mem_limit, 2 * GiB);
	cr_assert_eq(a.nr_banks, 2);
	cr_assert_eq(a.banks[1].start, 0x50000000ULL);
	cr_assert_eq(a.banks[1].size, 512 * MiB);
	cr_assert_eq(a.nr_reserved, 2);
	cr_assert_eq(a.reserved[0].start, MiB);
	cr_assert_eq(a.reserved[0].size, 64 * 1024);
	n = ref_config_format(&a, text, sizeof(text));
	cr_assert_eq(n, strlen(text));
	cr_assert_str_eq(
		text,
		"profile=x86_32,era=2.6,ram=3G,page=8K,orders=12,cpus=4,mem=2G,"
		"bank=1G@0,bank=512M@1280M,reserve=64K@1M,reserve=8K@1280M");
	ref_config_init(&b);
	cr_assert_eq(ref_config_parse(&b, text, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0);
	ref_config_format(&b, text2, sizeof(text2));
	cr_assert_str_eq(text, text2);
	/* A short buffer is truncated but the full length is returned. */
	cr_assert_eq(ref_config_format(&a, text2, 10), n);
	cr_assert_eq(strlen(text2), 9);
}

static void parse_fails(const char *spec, const char *want)
{
	struct ref_config c;
	char err[256] = "";

	ref_config_init(&c);
	cr_assert_eq(ref_config_parse(&c, spec, err, sizeof(err)), -1,
		     "'%s' parsed", spec);
	cr_assert(strstr(err, want), "'%s': message '%s' lacks '%s'", spec, err,
		  want);
}

MMT_TEST(config, parse_errors_name_the_key)
{
	parse_fails("ram=64M,colour=blue", "key 'colour': unknown key");
	parse_fails("ram=12Q", "key 'ram': bad value '12Q'");
	parse_fails("ram=", "key 'ram': bad value ''");
	parse_fails("profile=arm64", "key 'profile': bad value 'arm64'");
	parse_fails("era=5.10", "key 'era': bad value '5.10'");
	parse_fails("page=12000", "key 'page': '12000' is not a power of two");
	parse_fails("orders=x", "key 'orders'");
	parse_fails("cpus=-1", "key 'cpus'");
	parse_fails("bank=64M",
		    "key 'bank': bad value '64M' (want SIZE@START)");
	parse_fails("reserve=4K@", "key 'reserve'");
	parse_fails("ram", "key 'ram': expected key=value");
	parse_fails("ram=99999999999999999999", "key 'ram'");
	parse_fails("bank=4M@0,bank=4M@4M,bank=4M@8M,bank=4M@12M,bank=4M@16M,"
		    "bank=4M@20M,bank=4M@24M,bank=4M@28M,bank=4M@32M",
		    "key 'bank': more than 8 banks");
}

static void invalid(const char *spec, const char *want)
{
	struct ref_config c;
	static struct ref_mm not_null; /* create must set mm to NULL */
	struct ref_mm *mm = &not_null;
	char err[256] = "", err2[256] = "";

	ref_config_init(&c);
	cr_assert_eq(ref_config_parse(&c, spec, err, sizeof(err)), 0,
		     "'%s': %s", spec, err);
	cr_assert_eq(ref_config_validate(&c, err, sizeof(err)), -1,
		     "'%s' validated", spec);
	cr_assert(strstr(err, want), "'%s': message '%s' lacks '%s'", spec, err,
		  want);
	cr_assert_eq(ref_mm_create(&c, &mm, err2, sizeof(err2)), -1);
	cr_assert_null(mm);
	cr_assert_str_eq(err, err2);
}

MMT_TEST(config, every_bad_config_names_its_field)
{
	invalid("page=16K",
		"page 16K (page_shift 14): page size must be 4K or 8K");
	invalid("page=2K", "page_shift 11");
	invalid("orders=0", "orders 0 (nr_orders): must be 1..16");
	invalid("orders=17", "orders 17 (nr_orders)");
	invalid("ram=2M", "ram 2M is below one top-order block (4M)");
	invalid("ram=8M,orders=13",
		"ram 8M is below one top-order block (16M)");
	invalid("ram=512K,orders=5", "ram 512K is below the minimum 1M");
	invalid("ram=2T", "ram 2T is above the maximum 1T");
	invalid("ram=65538K", "ram 65538K: not a multiple of the page size");
	invalid("cpus=0", "cpus 0 (nr_cpus): must be 1..64");
	invalid("cpus=65", "cpus 65 (nr_cpus)");
	invalid("bank=32M@0,bank=32M@16M", "bank 1 (32M@16M): overlaps bank 0");
	invalid("bank=32M@6K", "bank 0 (32M@6K): empty or not page aligned");
	invalid("bank=0@0", "bank 0 (0@0): empty or not page aligned");
	invalid("bank=4M@1023G,bank=4M@1T", "bank 1 (4M@1T): ends above");
	invalid("reserve=1M@64M", "reserve 0 (1M@64M): outside RAM");
	invalid("bank=16M@0,bank=16M@32M,reserve=8M@12M",
		"reserve 0 (8M@12M): outside RAM");
	invalid("reserve=5K@0", "reserve 0 (5K@0): empty or not page aligned");
	invalid("mem=2M", "mem 2M (mem_limit): leaves 2M of RAM");
	invalid("bank=2M@0,bank=1M@8M", "bank: banks hold 3M of RAM");
}

MMT_TEST(config, bad_enums_are_refused)
{
	struct ref_config c;
	char err[128];

	ref_config_init(&c);
	c.profile = (enum ref_profile)7;
	cr_assert_eq(ref_config_validate(&c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "profile 7: unknown profile"), "%s", err);
	ref_config_init(&c);
	c.era = (enum ref_era)3;
	cr_assert_eq(ref_config_validate(&c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "era 3: unknown era"), "%s", err);
	cr_assert_eq(ref_config_validate(NULL, err, sizeof(err)), -1);
	cr_assert_eq(ref_mm_create(&c, NULL, err, sizeof(err)), -1);
}

MMT_TEST(config, default_machine_layout)
{
	struct ref_mm *mm = make("");
	struct ref_zone *dma = &mm->zones[REF_ZONE_DMA];
	struct ref_zone *dma32 = &mm->zones[REF_ZONE_DMA32];
	unsigned int o;

	cr_assert_eq(mm->page_size, 4096);
	cr_assert_eq(mm->max_pfn, 16384);
	cr_assert_eq(mm->max_low_pfn, 16384);
	cr_assert_eq(dma->zone_start_pfn, 0);
	cr_assert_eq(dma->spanned_pages, 4096);
	cr_assert_eq(dma->present_pages, 4096);
	cr_assert_eq(dma->managed_pages, 4096);
	cr_assert_eq(dma32->zone_start_pfn, 4096);
	cr_assert_eq(dma32->spanned_pages, 12288);
	cr_assert(dma->populated && dma32->populated);
	cr_assert(!mm->zones[REF_ZONE_NORMAL].populated);
	cr_assert(!mm->zones[REF_ZONE_HIGHMEM].populated);
	/* Boot hands everything over as top-order blocks. */
	cr_assert_eq(dma->free_area[10].nr_free, 4);
	cr_assert_eq(dma32->free_area[10].nr_free, 12);
	for (o = 0; o < 10; o++)
		cr_assert_eq(dma->free_area[o].nr_free, 0);
	cr_assert_eq(ref_nr_free_pages(mm), 16384);
	cr_assert_eq(ref_totalram_pages(mm), 16384);
	cr_assert_eq(ref_zone_configured(mm, REF_ZONE_HIGHMEM), 0);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(config, page_size_8k)
{
	struct ref_mm *mm = make("page=8K,ram=64M");
	struct ref_zone *dma = &mm->zones[REF_ZONE_DMA];
	unsigned long a, b;
	struct ref_page *p;

	cr_assert_eq(mm->page_size, 8192);
	cr_assert_eq(mm->max_pfn, 8192);
	cr_assert_eq(dma->spanned_pages, 2048); /* 16M / 8K */
	cr_assert_eq(dma->free_area[10].nr_free, 2); /* 8M top blocks */
	cr_assert_eq(mm->zones[REF_ZONE_DMA32].free_area[10].nr_free, 6);
	a = ref_get_free_pages(mm, REF_GFP_KERNEL, 1);
	b = ref_get_free_pages(mm, REF_GFP_KERNEL, 1);
	cr_assert(a && b);
	cr_assert_eq(b - a, 2 * 8192);
	p = ref_virt_to_page(mm, (void *)a);
	cr_assert_eq(ref_page_to_pfn(mm, p), 2048);
	cr_assert_eq((unsigned char *)a,
		     (unsigned char *)ref_phys_window(mm) + 2048 * 8192UL);
	expect_healthy(mm);
	cr_assert_eq(ref_free_pages(mm, a, 1), 0);
	cr_assert_eq(ref_free_pages(mm, b, 1), 0);
	cr_assert_eq(mm->zones[REF_ZONE_DMA32].free_area[10].nr_free, 6);
	ref_mm_destroy(mm);
}

MMT_TEST(config, machine_of_64g_creates_and_works)
{
	struct ref_mm *mm = make("ram=64G");
	struct ref_zone *normal = &mm->zones[REF_ZONE_NORMAL];
	struct ref_report r;
	struct ref_page *p;

	cr_assert_eq(mm->max_pfn, 16UL << 20);
	cr_assert_eq(normal->zone_start_pfn, 1UL << 20);
	cr_assert_eq(normal->present_pages, 15UL << 20);
	cr_assert_eq(normal->free_area[10].nr_free, 15UL << 10);
	cr_assert_eq(ref_nr_free_pages(mm), 16UL << 20);
	p = ref_alloc_pages(mm, REF_GFP_KERNEL, 3);
	cr_assert_not_null(p);
	cr_assert_eq(ref_page_to_pfn(mm, p), 1UL << 20);
	ref_report_init(&r);
	cr_assert_eq(ref_check(mm, REF_CHECK_CHEAP, &r), 0);
	cr_assert_eq(ref_free_pages_page(mm, p, 3), 0);
	ref_mm_destroy(mm);
}

MMT_TEST(config, x86_32_zone_layout_with_highmem)
{
	struct ref_mm *mm = make("profile=x86_32,ram=1G");
	struct ref_zone *dma = &mm->zones[REF_ZONE_DMA];
	struct ref_zone *normal = &mm->zones[REF_ZONE_NORMAL];
	struct ref_zone *high = &mm->zones[REF_ZONE_HIGHMEM];
	struct ref_page *p;
	unsigned long addr;
	char buf[1024];

	cr_assert_eq(mm->max_pfn, 262144);
	cr_assert_eq(mm->max_low_pfn, 229376); /* 896M */
	cr_assert_eq(dma->spanned_pages, 4096);
	cr_assert_eq(normal->zone_start_pfn, 4096);
	cr_assert_eq(normal->spanned_pages, 229376 - 4096);
	cr_assert_eq(high->zone_start_pfn, 229376);
	cr_assert_eq(high->present_pages, 32768);
	cr_assert(!mm->zones[REF_ZONE_DMA32].populated);
	cr_assert_eq(ref_zone_configured(mm, REF_ZONE_DMA32), 0);
	cr_assert_str_eq(high->name, "HighMem");

	p = ref_alloc_pages(mm, REF_GFP_HIGHUSER, 0);
	cr_assert_not_null(p);
	cr_assert_eq(ref_page_zone(mm, p), high);
	cr_assert_null(ref_page_address(mm, p));
	cr_assert(p->flags & (1UL << REF_PG_highmem));
	/* DMA32 means NORMAL on x86_32; get_free_pages drops HIGHMEM. */
	cr_assert_eq(ref_gfp_zone(mm, REF_GFP_DMA32), REF_ZONE_NORMAL);
	cr_assert_eq(ref_gfp_zone(mm, REF_GFP_HIGHUSER_MOVABLE),
		     REF_ZONE_HIGHMEM);
	addr = ref_get_free_page(mm, REF_GFP_HIGHUSER);
	cr_assert_neq(addr, 0);
	cr_assert_eq(ref_page_zone(mm, ref_virt_to_page(mm, (void *)addr)),
		     normal);
	ref_proc_buddyinfo(mm, buf, sizeof(buf));
	cr_assert(strstr(buf, "zone      DMA "));
	cr_assert(strstr(buf, "zone   Normal "));
	cr_assert(strstr(buf, "zone  HighMem "));
	cr_assert_null(strstr(buf, "DMA32"));
	ref_proc_zoneinfo(mm, buf, sizeof(buf));
	cr_assert_null(strstr(buf, "DMA32"));
	expect_healthy(mm);
	cr_assert_eq(ref_free_pages_page(mm, p, 0), 0);
	cr_assert_eq(ref_free_page(mm, addr), 0);
	ref_drain_all_pages(mm);
	cr_assert_eq(ref_nr_free_pages(mm), 262144);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(config, banks_holes_reserved_and_mem_limit)
{
	/* RAM [0,8M) hole [8M,20M) RAM [20M,100M), mem= cuts at 96M. */
	struct ref_mm *mm = make("bank=8M@0,bank=80M@20M,reserve=64K@1M,"
				 "reserve=4K@24M,reserve=8K@1M,mem=96M");
	struct ref_zone *dma = &mm->zones[REF_ZONE_DMA];
	struct ref_zone *dma32 = &mm->zones[REF_ZONE_DMA32];
	unsigned long pfn;

	cr_assert_eq(mm->nr_banks, 2);
	cr_assert_eq(mm->max_pfn, 96 * 256);
	cr_assert_eq(mm->nr_reserved_pages, 17);
	cr_assert_eq(dma->spanned_pages, 4096);
	cr_assert_eq(dma->present_pages, 8 * 256);
	cr_assert_eq(dma->managed_pages, dma->present_pages - 16);
	cr_assert_eq(dma32->spanned_pages, 80 * 256);
	cr_assert_eq(dma32->present_pages, 76 * 256);
	cr_assert_eq(dma32->managed_pages, 76 * 256 - 1);
	cr_assert(!ref_pfn_valid(mm, 8 * 256));
	cr_assert(ref_pfn_valid(mm, 20 * 256));
	cr_assert(!ref_pfn_valid(mm, 96 * 256));
	cr_assert_null(ref_pfn_to_page(mm, 10 * 256));
	cr_assert(ref_pfn_to_page(mm, 256)->flags & (1UL << REF_PG_reserved));
	cr_assert_eq(ref_nr_free_pages(mm), ref_totalram_pages(mm));
	cr_assert_eq(ref_totalram_pages(mm), 84 * 256 - 17);
	expect_healthy(mm);
	/* Exhaust (below the watermarks too): no page ever comes from a
	 * hole or a reserved range. */
	for (;;) {
		struct ref_page *p =
			ref_alloc_page(mm, REF_GFP_KERNEL | REF_GFP_MEMALLOC);

		if (!p)
			break;
		pfn = ref_page_to_pfn(mm, p);
		cr_assert(ref_pfn_valid(mm, pfn));
		cr_assert_eq(p->flags & (1UL << REF_PG_reserved), 0);
	}
	cr_assert_eq(ref_nr_free_pages(mm), 0);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(config, adjacent_banks_merge)
{
	struct ref_mm *mm = make("bank=6M@0,bank=10M@6M");

	cr_assert_eq(mm->nr_banks, 1);
	cr_assert_eq(mm->bank_end[0], 16 * 256);
	/* One 16M range: four top blocks, not a split at 6M. */
	cr_assert_eq(mm->zones[REF_ZONE_DMA].free_area[10].nr_free, 4);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}

MMT_TEST(config, cpu_enter)
{
	struct ref_mm *mm = make("cpus=4");
	struct ref_mm *other = make("cpus=2");

	cr_assert_eq(ref_smp_processor_id(mm), 0);
	ref_cpu_enter(mm, 3);
	cr_assert_eq(ref_smp_processor_id(mm), 3);
	cr_assert_eq(ref_smp_processor_id(other), 0);
	ref_cpu_enter(mm, 6); /* modulo nr_cpus */
	cr_assert_eq(ref_smp_processor_id(mm), 2);
	ref_mm_destroy(mm);
	ref_mm_destroy(other);
}

MMT_TEST(config, reset_returns_to_boot_state)
{
	struct ref_mm *mm = make("bank=8M@0,bank=40M@24M,reserve=64K@1M");
	char before[1024], after[1024];
	struct ref_page *p;
	unsigned long pfn;
	int i;

	ref_proc_buddyinfo(mm, before, sizeof(before));
	for (i = 0; i < 100; i++)
		cr_assert_not_null(ref_alloc_pages(mm, REF_GFP_KERNEL, 1));
	p = ref_alloc_pages(mm, REF_GFP_DMA, 3);
	pfn = ref_page_to_pfn(mm, p);
	/* no UNMOVABLE block yet: the claim takes the largest MOVABLE one,
	 * the order-10 block at 4M */
	cr_assert_eq(pfn, 1024);
	cr_assert_eq(ref_free_pages_page(mm, p, 2), -1);
	cr_assert_eq(ref_mm_reset(mm), 0);
	ref_proc_buddyinfo(mm, after, sizeof(after));
	cr_assert_str_eq(before, after);
	cr_assert_eq(ref_bad_page_count(mm), 0);
	cr_assert_eq(ref_nr_free_pages(mm), ref_totalram_pages(mm));
	cr_assert_eq(mm->nr_reserved_pages, 16);
	cr_assert_eq(mm->zones[REF_ZONE_DMA].nr_alloc_pages, 0);
	expect_healthy(mm);
	p = ref_alloc_pages(mm, REF_GFP_DMA, 3);
	cr_assert_eq(ref_page_to_pfn(mm, p), pfn);
	ref_mm_destroy(mm);
}

/* Boot state of spec as /proc text, from a fresh machine. */
static void boot_views(const char *spec, char *bi, size_t bl, char *zi,
		       size_t zl)
{
	struct ref_mm *mm = make(spec);

	ref_proc_buddyinfo(mm, bi, bl);
	ref_proc_zoneinfo(mm, zi, zl);
	ref_mm_destroy(mm);
}

MMT_TEST(config, recreate_boots_another_config)
{
	/* Small to big (the RAM and mem_map mappings grow), then big to
	 * small with another page size and profile (they are reused). */
	static const char *const specs[] = {
		"ram=16M",
		"bank=8M@0,bank=40M@24M,reserve=64K@1M",
		"profile=x86_32,bank=16M@0,bank=32M@880M",
		"page=8K,ram=32M,orders=9",
		"ram=4M",
	};
	struct ref_mm *mm = make(specs[0]);
	static char want_bi[4096], want_zi[16384], bi[4096], zi[16384];

	for (size_t i = 1; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct ref_config c;
		char err[256] = "";

		/* Dirty the machine first: live blocks and a bad free. */
		for (int k = 0; k < 50; k++)
			ref_alloc_pages(mm, REF_GFP_KERNEL,
					(unsigned int)k % 4);
		ref_config_init(&c);
		cr_assert_eq(ref_config_parse(&c, specs[i], err, sizeof(err)),
			     0);
		cr_assert_eq(ref_mm_recreate(mm, &c, err, sizeof(err)), 0,
			     "recreate '%s': %s", specs[i], err);
		boot_views(specs[i], want_bi, sizeof(want_bi), want_zi,
			   sizeof(want_zi));
		ref_proc_buddyinfo(mm, bi, sizeof(bi));
		ref_proc_zoneinfo(mm, zi, sizeof(zi));
		cr_assert_str_eq(bi, want_bi, "buddyinfo after '%s'", specs[i]);
		cr_assert_str_eq(zi, want_zi, "zoneinfo after '%s'", specs[i]);
		cr_assert_eq(ref_bad_page_count(mm), 0);
		expect_healthy(mm);
	}
	ref_mm_destroy(mm);
}

/* The direct map is aligned to one top-order block, before and after a
 * recreate that needs a larger alignment (an 8K-page machine with 12
 * orders wants 16 MiB), so block addresses are as aligned as their pfns. */
MMT_TEST(config, direct_map_aligned_to_a_top_block)
{
	static const char *const specs[] = {
		"ram=16M",
		"page=8K,ram=32M",
		"page=8K,ram=32M,orders=12",
		"ram=8M,orders=9",
	};
	struct ref_mm *mm = make(specs[0]);

	cr_assert_eq((uintptr_t)ref_phys_window(mm) % (4096UL << 10), 0);
	for (size_t i = 1; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct ref_config c;
		char err[256] = "";
		struct ref_mm *fresh;
		size_t top;

		ref_config_init(&c);
		cr_assert_eq(ref_config_parse(&c, specs[i], err, sizeof(err)),
			     0);
		cr_assert_eq(ref_mm_recreate(mm, &c, err, sizeof(err)), 0,
			     "recreate '%s': %s", specs[i], err);
		top = ((size_t)1 << c.page_shift) << (c.nr_orders - 1);
		cr_assert_eq((uintptr_t)ref_phys_window(mm) % top, 0,
			     "recreated '%s': window %p not aligned to %zu",
			     specs[i], ref_phys_window(mm), top);
		fresh = make(specs[i]);
		cr_assert_eq((uintptr_t)ref_phys_window(fresh) % top, 0,
			     "created '%s': window %p not aligned to %zu",
			     specs[i], ref_phys_window(fresh), top);
		expect_healthy(mm);
		ref_mm_destroy(fresh);
	}
	ref_mm_destroy(mm);
}

MMT_TEST(config, recreate_refuses_bad_config_unchanged)
{
	struct ref_mm *mm = make("ram=16M");
	struct ref_config c;
	char err[256] = "", before[1024], after[1024];

	ref_proc_buddyinfo(mm, before, sizeof(before));
	ref_config_init(&c);
	c.page_shift = 11;
	cr_assert_eq(ref_mm_recreate(mm, &c, err, sizeof(err)), -1);
	cr_assert(strlen(err) > 0);
	ref_proc_buddyinfo(mm, after, sizeof(after));
	cr_assert_str_eq(before, after);
	expect_healthy(mm);
	ref_mm_destroy(mm);
}
