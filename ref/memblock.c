/* SPDX-License-Identifier: MIT */
/*
 * ref/memblock.c - boot memory: banks, reserved ranges, mem=, and handing
 * free memory to the buddy allocator.
 *
 * Models mm/memblock.c and the x86 e820 setup of Linux 6.12: the config's
 * banks are memblock.memory, its reserved ranges memblock.reserved.
 * mem=SIZE is the x86 meaning: memory above the address SIZE is removed
 * (e820__range_remove), so mem= is an address limit, not an amount.
 *
 * Algorithm:
 *   layout:   banks -> pfn ranges, sorted, clipped at mem=, touching banks
 *             merged (so two free buddies never sit in two "banks").
 *   reserve:  each reserved page gets PG_reserved and refcount 1 (as
 *             reserve_bootmem_region does) and leaves its zone's managed
 *             count. Only reserved pages are written.
 *   free_all: every present range minus the reserved ranges, cut at zone
 *             boundaries, is handed to the buddy as maximal aligned blocks
 *             (memblock_free_all -> __free_pages_core): at each start pfn
 *             take the largest order the pfn's alignment and the range end
 *             allow. That is the canonical decomposition, so no two free
 *             buddies are left unmerged and no merge is needed at boot.
 *
 * Invariants: after free_all, in every zone free + reserved == present and
 * managed == present - reserved. Boot blocks go to the tail of their list
 * (FPI_TO_TAIL) so the first allocations come from the lowest pfns.
 *
 * Locks: none; runs inside ref_mm_create() before the machine is shared.
 */
#include <string.h>

#include "internal.h"

struct pfn_range {
	unsigned long start;
	unsigned long end; /* exclusive */
};

static void sort_ranges(struct pfn_range *r, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++) {
		struct pfn_range key = r[i];

		for (j = i; j > 0 && r[j - 1].start > key.start; j--)
			r[j] = r[j - 1];
		r[j] = key;
	}
}

void ref_memblock_layout(struct ref_mm *mm)
{
	const struct ref_config *c = &mm->config;
	unsigned int shift = c->page_shift, i, n = 0;
	struct pfn_range r[REF_MAX_BANKS];
	unsigned long limit = ~0UL;

	if (c->mem_limit)
		limit = (unsigned long)(c->mem_limit >> shift);
#if REF_BUG == 5
	/* injected: mem= keeps the page at the limit */
	if (c->mem_limit)
		limit++;
#endif
	if (!c->nr_banks) {
		r[n].start = 0;
		r[n].end = (unsigned long)(c->ram >> shift);
		n++;
	} else {
		for (i = 0; i < c->nr_banks; i++) {
			r[n].start =
				(unsigned long)(c->banks[i].start >> shift);
			r[n].end = r[n].start +
				   (unsigned long)(c->banks[i].size >> shift);
			n++;
		}
	}
	sort_ranges(r, n);
	mm->nr_banks = 0;
	for (i = 0; i < n; i++) {
		unsigned long s = r[i].start, e = r[i].end;

		if (e > limit)
			e = limit;
		if (s >= e)
			continue;
		if (mm->nr_banks && mm->bank_end[mm->nr_banks - 1] == s) {
			mm->bank_end[mm->nr_banks - 1] = e;
			continue;
		}
		mm->bank_start[mm->nr_banks] = s;
		mm->bank_end[mm->nr_banks] = e;
		mm->nr_banks++;
	}
	mm->max_pfn = mm->nr_banks ? mm->bank_end[mm->nr_banks - 1] : 0;
	if (c->profile == REF_PROFILE_X86_32) {
		unsigned long lowmem_end =
			ref_zone_low_pfn(mm, REF_ZONE_HIGHMEM);

		mm->max_low_pfn = mm->max_pfn < lowmem_end ? mm->max_pfn :
							     lowmem_end;
	} else {
		mm->max_low_pfn = mm->max_pfn;
	}
}

int ref_memblock_bank_of(const struct ref_mm *mm, unsigned long pfn)
{
	unsigned int i;

	for (i = 0; i < mm->nr_banks; i++)
		if (pfn >= mm->bank_start[i] && pfn < mm->bank_end[i])
			return (int)i;
	return -1;
}

/* The config's reserved ranges in pfns, sorted and merged. */
static unsigned int reserved_ranges(const struct ref_mm *mm,
				    struct pfn_range *r)
{
	const struct ref_config *c = &mm->config;
	unsigned int i, n = 0, out = 0;

	for (i = 0; i < c->nr_reserved; i++) {
		r[n].start =
			(unsigned long)(c->reserved[i].start >> c->page_shift);
		r[n].end = r[n].start + (unsigned long)(c->reserved[i].size >>
							c->page_shift);
#if REF_BUG == 6
		/* injected: the last page of a range reaches the buddy */
		if (r[n].end > r[n].start)
			r[n].end--;
#endif
		n++;
	}
	sort_ranges(r, n);
	for (i = 0; i < n; i++) {
		if (out && r[i].start <= r[out - 1].end) {
			if (r[i].end > r[out - 1].end)
				r[out - 1].end = r[i].end;
			continue;
		}
		r[out++] = r[i];
	}
	return out;
}

unsigned long ref_memblock_reserve_pages(struct ref_mm *mm)
{
	struct pfn_range r[REF_MAX_RESERVED];
	unsigned int i, n = reserved_ranges(mm, r);
	unsigned long pfn, count = 0;

	for (i = 0; i < n; i++) {
		for (pfn = r[i].start; pfn < r[i].end && pfn < mm->max_pfn;
		     pfn++) {
			struct ref_page *page;

			if (!ref_pfn_valid(mm, pfn))
				continue;
			page = &mm->mem_map[pfn];
			ref_page_set(page, REF_PF(REF_PG_reserved));
			atomic_store(&page->refcount, 1);
			mm->zones[ref_pfn_zone_type(mm, pfn)].managed_pages--;
			count++;
		}
	}
	return count;
}

/* Hand [s, e) of one zone to the buddy as maximal aligned blocks. */
static void free_range(struct ref_mm *mm, struct ref_zone *zone,
		       unsigned long s, unsigned long e)
{
	unsigned int top = mm->config.nr_orders - 1;

	while (s < e) {
		unsigned int order = top;

		while (order > 0 &&
		       ((s & ((1UL << order) - 1)) || e - s < (1UL << order)))
			order--;
		ref_add_boot_block_locked(mm, zone, s, order);
		s += 1UL << order;
	}
}

/* Cut [s, e) at zone boundaries. */
static void free_range_zones(struct ref_mm *mm, unsigned long s,
			     unsigned long e)
{
	while (s < e) {
		enum ref_zone_type t = ref_pfn_zone_type(mm, s);
		struct ref_zone *zone = &mm->zones[t];
		unsigned long zend = ref_zone_end_pfn(zone);
		unsigned long stop = e < zend ? e : zend;

		REF_ASSERT_INTERNAL(stop > s);
		free_range(mm, zone, s, stop);
		s = stop;
	}
}

void ref_memblock_free_all(struct ref_mm *mm)
{
	struct pfn_range r[REF_MAX_RESERVED];
	unsigned int b, i, n = reserved_ranges(mm, r);

	for_each_bank(mm, b) {
		unsigned long s = mm->bank_start[b], e = mm->bank_end[b];

		for (i = 0; i < n && s < e; i++) {
			if (r[i].end <= s || r[i].start >= e)
				continue;
			if (r[i].start > s)
				free_range_zones(mm, s, r[i].start);
			s = r[i].end;
		}
		if (s < e)
			free_range_zones(mm, s, e);
	}
}
