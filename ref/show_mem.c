// SPDX-License-Identifier: MIT
/*
 * ref/show_mem.c - the page allocation failure warning.
 *
 * Models warn_alloc() (mm/page_alloc.c) and the zone part of
 * show_free_areas() (mm/show_mem.c) of Linux 6.12, in both eras (2.6.18
 * printed a shorter header and show_mem(); docs/gfp.md says what differs).
 *
 * When: a request that failed after the slow path (and the drain of the
 * per-CPU lists), whose order and mask the allocator accepted, and that
 * fault injection did not fail (prepare_alloc_pages() returns before the
 * slow path when should_fail_alloc_page() says so, so the kernel never
 * warns for it). A __GFP_NOFAIL request that may reclaim never fails in
 * the kernel (ref counts it as stuck instead), so it does not warn
 * either. warn_alloc() itself says no for __GFP_NOWARN and for __GFP_DMA
 * when no zone has DMA pages (has_managed_dma()). The kernel's rate limit
 * (one warning per 10 s) is a clock ref does not have: every warning is
 * counted and the latest kept, so a run says the same each time.
 *
 * Text (each line ends in '\n'):
 *   "mmtorture: page allocation failure: order:%u, mode:%#x(%s),
 *    nodemask=(null)": the comm is fixed; the mode's names are
 *   ref_gfp_format()'s (%pGg, but empty for 0, where show_gfp_flags says
 *   "none"); no nodemask; no cpuset (not modelled), so no
 *   ",cpuset=...,mems_allowed=..." after it. The stack dump, "Mem-Info:"
 *   and the node-wide counters of show_mem() are left out: the model has
 *   no stack, no LRU, slab or swap to count.
 *   Then for each populated zone no higher than gfp_zone() of the mask,
 *   in zone order: "Node 0 NAME free:%lukB boost:%lukB min:... low:...
 *   high:... reserved_highatomic:%luKB" (the marks with the boost, as
 *   min_wmark_pages() gives them) and the kernel's other fields (0kB
 *   where the model has nothing to count) with present, managed, free_pcp
 *   (every online CPU's lists) and local_pcp (the failing CPU's) filled
 *   in, then "lowmem_reserve[]:" and one " %lu" per entry of the kernel's
 *   zone array (zoneinfo's protection row). Then for each such zone
 *   "Node 0 NAME: " and "%lu*%lukB " per order, with "(UMEHI) " after a
 *   non-zero count: the migrate types whose list of that order holds a
 *   block (2.6: every block is UNMOVABLE, so "(U)"), and "= %lukB".
 *
 * Invariants: a warning is a snapshot: each zone's counters and free
 * lists are read under its lock, each CPU's list count under that list's
 * lock, one at a time; the text is made from the snapshot when read.
 *
 * Locks: ref_warn_alloc() takes, zone by zone, each online CPU's list
 * lock and then the zone's lock (the allocator's order), one at a time,
 * and then mm->bad_lock alone to store the warning. It is called with no
 * lock held. The trace subscriber runs with none held.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* kB of n pages (the kernel's K()). */
static unsigned long kb(const struct ref_mm *mm, unsigned long n)
{
	return n << (mm->config.page_shift - 10);
}

/* The state of one zone show_free_areas() shows. */
static void snapshot_zone(struct ref_mm *mm, struct ref_zone *zone,
			  struct ref_alloc_warn_zone *z)
{
	unsigned int this_cpu = ref_this_cpu(mm);

	z->shown = 1;
	for (unsigned int c = 0; c < mm->config.nr_cpus; c++) {
		struct ref_per_cpu_pages *pcp = &zone->pageset[c];
		unsigned long n;

		if (!ref_cpu_is_online(mm, c))
			continue;
		ref_pcp_lock(pcp);
		n = (unsigned long)pcp->count;
		ref_pcp_unlock(pcp);
		z->free_pcp += n;
		if (c == this_cpu)
			z->local_pcp = n;
	}
	pthread_mutex_lock(&zone->lock);
	z->free = zone->nr_free_pages;
	z->boost = zone->watermark_boost;
	z->min = ref_wmark_pages(zone, REF_WMARK_MIN);
	z->low = ref_wmark_pages(zone, REF_WMARK_LOW);
	z->high = ref_wmark_pages(zone, REF_WMARK_HIGH);
	z->reserved_highatomic = zone->nr_reserved_highatomic;
	z->present = zone->present_pages;
	z->managed = zone->managed_pages;
	memcpy(z->lowmem_reserve, zone->lowmem_reserve,
	       sizeof(z->lowmem_reserve));
	for (unsigned int o = 0; o < mm->config.nr_orders; o++) {
		const struct ref_free_area *area = &zone->free_area[o];

		z->nr_free[o] = area->nr_free;
		for (int mt = 0; mt < REF_MIGRATE_TYPES; mt++)
			if (!ref_list_empty(&area->free_list[mt]))
				z->types[o] |= (unsigned char)(1u << mt);
	}
	pthread_mutex_unlock(&zone->lock);
}

void ref_warn_alloc(struct ref_mm *mm, ref_gfp_t gfp, unsigned int order,
		    int highest)
{
	struct ref_alloc_warn w;

	if ((gfp & REF_GFP_NOWARN) ||
	    ((gfp & REF_GFP_DMA) && !mm->zones[REF_ZONE_DMA].managed_pages))
		return;
	memset(&w, 0, sizeof(w));
	w.gfp = gfp;
	w.order = order;
	for (int t = 0; t <= highest && t < REF_NR_ZONE_TYPES; t++)
		if (mm->zones[t].populated)
			snapshot_zone(mm, &mm->zones[t], &w.zone[t]);
	pthread_mutex_lock(&mm->bad_lock);
	mm->last_alloc_warn = w;
	atomic_fetch_add(&mm->nr_alloc_warn, 1);
	pthread_mutex_unlock(&mm->bad_lock);
	ref_trace_emit_warn(mm, &w);
}

/* "Node 0 DMA free:...kB ..." and its "lowmem_reserve[]:" line. */
static void format_zone(struct ref_fmtbuf *fb, const struct ref_mm *mm,
			const char *name, const struct ref_alloc_warn_zone *z)
{
	unsigned long row[REF_NR_ZONE_TYPES];
	unsigned int n;

	ref_fb_printf(fb,
		      "Node 0 %s free:%lukB boost:%lukB min:%lukB low:%lukB "
		      "high:%lukB reserved_highatomic:%luKB active_anon:0kB "
		      "inactive_anon:0kB active_file:0kB inactive_file:0kB "
		      "unevictable:0kB writepending:0kB present:%lukB "
		      "managed:%lukB mlocked:0kB bounce:0kB free_pcp:%lukB "
		      "local_pcp:%lukB free_cma:0kB\n",
		      name, kb(mm, z->free), kb(mm, z->boost), kb(mm, z->min),
		      kb(mm, z->low), kb(mm, z->high),
		      kb(mm, z->reserved_highatomic), kb(mm, z->present),
		      kb(mm, z->managed), kb(mm, z->free_pcp),
		      kb(mm, z->local_pcp));
	n = ref_lowmem_reserve_row(mm, z->lowmem_reserve, row);
	ref_fb_printf(fb, "lowmem_reserve[]:");
	for (unsigned int i = 0; i < n; i++)
		ref_fb_printf(fb, " %lu", row[i]);
	ref_fb_printf(fb, "\n");
}

/* "(UM) ": the migrate types with a free block, in the enum's order
 * (show_migration_types; no CMA, so no 'C'). */
static void format_types(struct ref_fmtbuf *fb, unsigned char types)
{
	static const char letter[REF_MIGRATE_TYPES] = {
		[REF_MIGRATE_UNMOVABLE] = 'U',	 [REF_MIGRATE_MOVABLE] = 'M',
		[REF_MIGRATE_RECLAIMABLE] = 'E', [REF_MIGRATE_HIGHATOMIC] = 'H',
		[REF_MIGRATE_ISOLATE] = 'I',
	};
	char s[REF_MIGRATE_TYPES + 1];
	int n = 0;

	for (int mt = 0; mt < REF_MIGRATE_TYPES; mt++)
		if (types & (1u << mt))
			s[n++] = letter[mt];
	s[n] = '\0';
	ref_fb_printf(fb, "(%s) ", s);
}

/* "Node 0 DMA: 1*4kB (U) 0*8kB ... = 4kB" */
static void format_orders(struct ref_fmtbuf *fb, const struct ref_mm *mm,
			  const char *name, const struct ref_alloc_warn_zone *z)
{
	unsigned long total = 0;

	ref_fb_printf(fb, "Node 0 %s: ", name);
	for (unsigned int o = 0; o < mm->config.nr_orders; o++) {
		ref_fb_printf(fb, "%lu*%lukB ", z->nr_free[o],
			      kb(mm, 1UL << o));
		if (z->nr_free[o])
			format_types(fb, z->types[o]);
		total += z->nr_free[o] << o;
	}
	ref_fb_printf(fb, "= %lukB\n", kb(mm, total));
}

size_t ref_alloc_warn_format(const struct ref_mm *mm,
			     const struct ref_alloc_warn *w, char *buf,
			     size_t len)
{
	struct ref_fmtbuf fb = { buf, len, 0 };
	char mode[256] = "";

	if (buf && len)
		buf[0] = '\0';
	if (w->gfp)
		ref_gfp_format(w->gfp, mode, sizeof(mode));
	ref_fb_printf(&fb,
		      "mmtorture: page allocation failure: order:%u, "
		      "mode:0x%x(%s), nodemask=(null)\n",
		      w->order, (unsigned int)w->gfp, mode);
	for (int t = 0; t < REF_NR_ZONE_TYPES; t++)
		if (w->zone[t].shown)
			format_zone(&fb, mm, mm->zones[t].name, &w->zone[t]);
	for (int t = 0; t < REF_NR_ZONE_TYPES; t++)
		if (w->zone[t].shown)
			format_orders(&fb, mm, mm->zones[t].name, &w->zone[t]);
	return fb.pos;
}

unsigned long ref_alloc_warn_count(const struct ref_mm *mm)
{
	return atomic_load(&mm->nr_alloc_warn);
}

size_t ref_alloc_warn_last(struct ref_mm *mm, char *buf, size_t len)
{
	struct ref_alloc_warn w;
	int any;

	pthread_mutex_lock(&mm->bad_lock);
	any = atomic_load(&mm->nr_alloc_warn) != 0;
	if (any)
		w = mm->last_alloc_warn;
	pthread_mutex_unlock(&mm->bad_lock);
	if (!any) {
		if (buf && len)
			buf[0] = '\0';
		return 0;
	}
	return ref_alloc_warn_format(mm, &w, buf, len);
}
