// SPDX-License-Identifier: MIT
/*
 * ref/watermark.c - the zones' watermarks and lowmem reserves, computed
 * once the buddy holds every free page (init_per_zone_wmark_min), by each
 * era's rules (docs/watermarks.md says which figure is which function's):
 *
 *   min_free_kbytes  int_sqrt(lowmem KiB * 16), clamped to 128..65536 in
 *                    2.6.18 and 128..262144 in 6.12; lowmem KiB are the
 *                    pages of the zones a GFP_USER request may use (every
 *                    zone but HighMem), less their high watermarks (none
 *                    yet). A user's value (config min_free_kbytes) is used
 *                    as given, as a write to the sysctl is.
 *   min              min_free_kbytes in pages, shared among the lowmem
 *                    zones by size; HighMem gets size / 1024 clamped to
 *                    SWAP_CLUSTER_MAX..128 instead.
 *   low, high        2.6.18: min + share / 4, min + share / 2.
 *                    6.12: step = max(share / 4, size * scale / 10000);
 *                    low = min + step, high = low + step, promo =
 *                    high + step.
 *   lowmem_reserve   zone i keeps sum(size of zones i+1..j) / ratio[i]
 *                    from a request whose highest zone is j; ratio DMA
 *                    256, DMA32 256, Normal 32, HighMem none.
 *
 * "size" is the zone's present pages in 2.6.18 (it had no managed count)
 * and its managed pages (present less reserved) in 6.12.
 */
#include "internal.h"

#define SWAP_CLUSTER_MAX 32UL
#define WMARK_SCALE_DEFAULT 10u

/* The largest r with r * r <= x (the kernel's int_sqrt). */
static unsigned long int_sqrt(unsigned long x)
{
	unsigned long r = 0, bit = 1UL << (sizeof(x) * 8 - 2);

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

static unsigned long zone_size(const struct ref_mm *mm,
			       const struct ref_zone *zone)
{
	return mm->config.era == REF_ERA_2_6 ? zone->present_pages :
					       zone->managed_pages;
}

static int is_highmem(const struct ref_zone *zone)
{
	return zone->type == REF_ZONE_HIGHMEM;
}

/*
 * Whether the era's kernel has the zone: 2.6.18 had all four on every
 * machine (an x86_64 HighMem, an x86_32 DMA32, empty); 6.12 has the
 * profile's three.
 */
static int zone_exists(const struct ref_mm *mm, unsigned int t)
{
	return mm->config.era == REF_ERA_2_6 ||
	       ref_zone_configured(mm, (enum ref_zone_type)t);
}

/* nr_free_buffer_pages() at boot: the lowmem zones' size above high. */
static unsigned long free_buffer_pages(const struct ref_mm *mm)
{
	unsigned long sum = 0;

	for (unsigned int t = 0; t < REF_NR_ZONE_TYPES; t++) {
		const struct ref_zone *zone = &mm->zones[t];
		unsigned long size = zone_size(mm, zone);
		unsigned long high = zone->watermark[REF_WMARK_HIGH];

		if (!is_highmem(zone) && size > high)
			sum += size - high;
	}
	return sum;
}

static unsigned long min_free_kbytes(const struct ref_mm *mm)
{
	unsigned long kib = free_buffer_pages(mm) * (mm->page_size >> 10);
	unsigned long v = int_sqrt(kib * 16);
	unsigned long cap = mm->config.era == REF_ERA_2_6 ? 65536 : 262144;

	if (mm->config.min_free_kbytes)
		return mm->config.min_free_kbytes;
	return v < 128 ? 128 : v > cap ? cap : v;
}

static void setup_wmarks(struct ref_mm *mm)
{
	unsigned long pages_min = mm->min_free_kbytes >>
				  (mm->config.page_shift - 10);
	unsigned long lowmem = 0;
	unsigned int scale = mm->config.watermark_scale_factor ?
				     mm->config.watermark_scale_factor :
				     WMARK_SCALE_DEFAULT;

	for (unsigned int t = 0; t < REF_NR_ZONE_TYPES; t++)
		if (!is_highmem(&mm->zones[t]))
			lowmem += zone_size(mm, &mm->zones[t]);
	for (unsigned int t = 0; t < REF_NR_ZONE_TYPES; t++) {
		struct ref_zone *zone = &mm->zones[t];
		unsigned long size = zone_size(mm, zone);
		unsigned long share =
			lowmem ? (unsigned long)((uint64_t)pages_min * size /
						 lowmem) :
				 0;
		unsigned long *w = zone->watermark;

		if (!zone_exists(mm, t))
			continue;

		if (is_highmem(zone)) {
			unsigned long m = size / 1024;

			w[REF_WMARK_MIN] = m < SWAP_CLUSTER_MAX ?
						   SWAP_CLUSTER_MAX :
					   m > 128 ? 128 :
						     m;
		} else {
			w[REF_WMARK_MIN] = share;
		}
		if (mm->config.era == REF_ERA_2_6) {
			w[REF_WMARK_LOW] = w[REF_WMARK_MIN] + (share >> 2);
			w[REF_WMARK_HIGH] = w[REF_WMARK_MIN] + (share >> 1);
			w[REF_WMARK_PROMO] = w[REF_WMARK_HIGH];
		} else {
			/* mult_frac(size, scale, 10000) */
			unsigned long f = size / 10000 * scale +
					  size % 10000 * scale / 10000;
			unsigned long step = share >> 2 > f ? share >> 2 : f;

			w[REF_WMARK_LOW] = w[REF_WMARK_MIN] + step;
			w[REF_WMARK_HIGH] = w[REF_WMARK_LOW] + step;
			w[REF_WMARK_PROMO] = w[REF_WMARK_HIGH] + step;
		}
	}
}

static void setup_lowmem_reserve(struct ref_mm *mm)
{
	static const unsigned int ratio[REF_NR_ZONE_TYPES] = {
		[REF_ZONE_DMA] = 256,
		[REF_ZONE_DMA32] = 256,
		[REF_ZONE_NORMAL] = 32,
		[REF_ZONE_HIGHMEM] = 0,
	};

	for (unsigned int i = 0; i < REF_NR_ZONE_TYPES; i++) {
		struct ref_zone *zone = &mm->zones[i];
		unsigned long above = 0;
		/* 6.12 clears the row of an empty zone or a zero ratio;
		 * 2.6.18 used a ratio of at least 1 and no such rule */
		int clear = mm->config.era == REF_ERA_2_6 ?
				    0 :
				    !ratio[i] || !zone_size(mm, zone);
		unsigned int r = ratio[i] ? ratio[i] : 1;

		for (unsigned int j = 0; j <= i; j++)
			zone->lowmem_reserve[j] = 0;
		for (unsigned int j = i + 1; j < REF_NR_ZONE_TYPES; j++) {
			above += zone_size(mm, &mm->zones[j]);
			zone->lowmem_reserve[j] = clear ? 0 : above / r;
		}
	}
}

void ref_setup_watermarks(struct ref_mm *mm)
{
	for (unsigned int t = 0; t < REF_NR_ZONE_TYPES; t++)
		for (unsigned int k = 0; k < REF_NR_WMARK; k++)
			mm->zones[t].watermark[k] = 0;
	mm->min_free_kbytes = min_free_kbytes(mm);
	setup_wmarks(mm);
	setup_lowmem_reserve(mm);
	/* zone_pcp_update: the lists' batch and high follow the marks */
	ref_pcp_setup(mm);
}
