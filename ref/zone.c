/* SPDX-License-Identifier: MIT */
/*
 * ref/zone.c - zone layout per profile and pfn -> zone lookup.
 *
 * Models free_area_init() and zone_spanned_pages_in_node() of Linux 6.12
 * for one node: each zone type has an architectural pfn range
 *   x86_64: DMA [0, 16M)  DMA32 [16M, 4G)  NORMAL [4G, ...)
 *   x86_32: DMA [0, 16M)  NORMAL [16M, 896M)  HIGHMEM [896M, ...)
 * and a zone spans that range clamped to the node [first pfn, max_pfn).
 * present_pages counts the bank pfns inside the span (holes excluded);
 * managed_pages starts equal and loses every reserved page (memblock.c).
 * A zone type outside the profile (HIGHMEM on x86_64, DMA32 on x86_32) is
 * left empty and unpopulated; so is a zone whose span holds no RAM.
 *
 * Invariants: zones do not overlap; every present pfn lies in exactly one
 * zone; spanned >= present >= managed.
 *
 * Locks: creates and destroys each zone->lock; nothing else.
 */
#include "internal.h"

static const char *const zone_names[REF_NR_ZONE_TYPES] = {
	[REF_ZONE_DMA] = "DMA",
	[REF_ZONE_DMA32] = "DMA32",
	[REF_ZONE_NORMAL] = "Normal",
	[REF_ZONE_HIGHMEM] = "HighMem",
};

#define MB(x) ((uint64_t)(x) << 20)
#define GB(x) ((uint64_t)(x) << 30)

int ref_zone_configured(const struct ref_mm *mm, enum ref_zone_type type)
{
	if (mm->config.profile == REF_PROFILE_X86_32)
		return type != REF_ZONE_DMA32;
	return type != REF_ZONE_HIGHMEM;
}

/* Architectural start of each zone type, in bytes. */
static uint64_t zone_low_bytes(const struct ref_mm *mm, enum ref_zone_type type)
{
	int x86_32 = mm->config.profile == REF_PROFILE_X86_32;

	switch (type) {
	case REF_ZONE_DMA:
		return 0;
	case REF_ZONE_DMA32:
		return MB(16);
	case REF_ZONE_NORMAL:
		return x86_32 ? MB(16) : GB(4);
	case REF_ZONE_HIGHMEM:
		return MB(896);
	case REF_NR_ZONE_TYPES:
		break;
	}
	return 0;
}

unsigned long ref_zone_low_pfn(const struct ref_mm *mm, enum ref_zone_type type)
{
	return (unsigned long)(zone_low_bytes(mm, type) >>
			       mm->config.page_shift);
}

/* Architectural end (exclusive) of a configured zone type, in pfns. */
static unsigned long zone_high_pfn(const struct ref_mm *mm,
				   enum ref_zone_type type)
{
	int x86_32 = mm->config.profile == REF_PROFILE_X86_32;

	switch (type) {
	case REF_ZONE_DMA:
		return ref_zone_low_pfn(mm, x86_32 ? REF_ZONE_NORMAL :
						     REF_ZONE_DMA32);
	case REF_ZONE_DMA32:
		return ref_zone_low_pfn(mm, REF_ZONE_NORMAL);
	case REF_ZONE_NORMAL:
		return x86_32 ? ref_zone_low_pfn(mm, REF_ZONE_HIGHMEM) : ~0UL;
	case REF_ZONE_HIGHMEM:
	case REF_NR_ZONE_TYPES:
		break;
	}
	return ~0UL;
}

enum ref_zone_type ref_pfn_zone_type(const struct ref_mm *mm, unsigned long pfn)
{
	if (pfn < ref_zone_low_pfn(mm, REF_ZONE_DMA32))
		return REF_ZONE_DMA;
	if (mm->config.profile == REF_PROFILE_X86_32)
		return pfn < ref_zone_low_pfn(mm, REF_ZONE_HIGHMEM) ?
			       REF_ZONE_NORMAL :
			       REF_ZONE_HIGHMEM;
	return pfn < ref_zone_low_pfn(mm, REF_ZONE_NORMAL) ? REF_ZONE_DMA32 :
							     REF_ZONE_NORMAL;
}

static unsigned long clamp_pfn(unsigned long v, unsigned long lo,
			       unsigned long hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void ref_zones_init(struct ref_mm *mm)
{
	unsigned long node_start = mm->nr_banks ? mm->bank_start[0] : 0;
	unsigned long node_end = mm->max_pfn;
	unsigned int t, o, b;

	for (t = 0; t < REF_NR_ZONE_TYPES; t++) {
		struct ref_zone *zone = &mm->zones[t];
		enum ref_zone_type type = (enum ref_zone_type)t;
		unsigned long start, end;

		zone->name = zone_names[t];
		zone->type = type;
		zone->mm = mm;
		pthread_mutex_init(&zone->lock, NULL);
		for (o = 0; o < REF_NR_ORDERS_MAX; o++) {
			for (int mt = 0; mt < REF_MIGRATE_TYPES; mt++)
				ref_list_init(
					&zone->free_area[o].free_list[mt]);
			zone->free_area[o].nr_free = 0;
		}
		if (!ref_zone_configured(mm, type))
			continue;
		start = clamp_pfn(ref_zone_low_pfn(mm, type), node_start,
				  node_end);
		end = clamp_pfn(zone_high_pfn(mm, type), node_start, node_end);
		zone->zone_start_pfn = start;
		zone->spanned_pages = end - start;
		for_each_bank(mm, b) {
			unsigned long s = mm->bank_start[b],
				      e = mm->bank_end[b];

			if (s < start)
				s = start;
			if (e > end)
				e = end;
			if (e > s)
				zone->present_pages += e - s;
		}
		zone->managed_pages = zone->present_pages;
		zone->populated = zone->present_pages > 0;
	}
}

void ref_zones_destroy(struct ref_mm *mm)
{
	unsigned int t;

	for (t = 0; t < REF_NR_ZONE_TYPES; t++)
		if (mm->zones[t].mm)
			pthread_mutex_destroy(&mm->zones[t].lock);
}
