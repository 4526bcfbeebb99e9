/* SPDX-License-Identifier: MIT */
/*
 * ref/proc.c - /proc/buddyinfo and /proc/zoneinfo views of a machine.
 *
 * Models frag_show_print() and zoneinfo_show_print() of mm/vmstat.c
 * (Linux 6.12), node 0 only:
 *   buddyinfo: per populated zone "Node 0, zone %8s " then "%6lu " per
 *     order (nr_free, blocks) and a newline.
 *   zoneinfo: per zone of the profile (populated or not) "Node 0, zone %8s"
 *     then pages free, boost, min, low, high, promo, spanned, present,
 *     managed, cma, and "protection: (0, 0, 0, 0)"; an unpopulated zone
 *     ends there as in the kernel; a populated one adds its nr_free_pages
 *     stat line, the pagesets (print_pagesets, by era),
 *     node_unreclaimable and start_pfn. The per-node stats and the other
 *     vmstat counters are left out (a subset) until the issues that add
 *     them. lowmem_reserve has one entry per kernel zone type: our three
 *     plus ZONE_MOVABLE, which 6.12 always has.
 *
 * Invariants: the text is a snapshot taken under each zone->lock in turn
 * and each per-CPU list lock in turn.
 * Locks: takes and drops each zone->lock and list lock; the caller holds
 * none.
 */
#include <stdio.h>

#include "internal.h"

size_t ref_proc_buddyinfo(struct ref_mm *mm, char *buf, size_t len)
{
	struct ref_fmtbuf pb = { buf, len, 0 };
	struct ref_zone *zone;
	unsigned int o;

	if (buf && len)
		buf[0] = '\0';
	for_each_populated_zone(mm, zone) {
		unsigned long nr[REF_NR_ORDERS_MAX];

		pthread_mutex_lock(&zone->lock);
		for (o = 0; o < mm->config.nr_orders; o++)
			nr[o] = zone->free_area[o].nr_free;
		pthread_mutex_unlock(&zone->lock);
		ref_fb_printf(&pb, "Node %d, zone %8s ", 0, zone->name);
		for (o = 0; o < mm->config.nr_orders; o++)
			ref_fb_printf(&pb, "%6lu ", nr[o]);
		ref_fb_printf(&pb, "\n");
	}
	return pb.pos;
}

/*
 * A zone's lowmem_reserve[] over the kernel's zone array, as zoneinfo's
 * "protection: (...)" and show_free_areas()'s "lowmem_reserve[]:" print
 * it. 2.6.18 had DMA, DMA32, Normal, HighMem on every machine; 6.12 has
 * the profile's three zones and Movable (empty here, so the entry repeats
 * the one below it; ZONE_DEVICE is not modelled). Fills row, returns the
 * number of entries (4).
 */
unsigned int ref_lowmem_reserve_row(const struct ref_mm *mm,
				    const unsigned long *reserve,
				    unsigned long row[REF_NR_ZONE_TYPES])
{
	static const enum ref_zone_type x86_64[] = { REF_ZONE_DMA,
						     REF_ZONE_DMA32,
						     REF_ZONE_NORMAL };
	static const enum ref_zone_type x86_32[] = { REF_ZONE_DMA,
						     REF_ZONE_NORMAL,
						     REF_ZONE_HIGHMEM };
	const enum ref_zone_type *z =
		mm->config.profile == REF_PROFILE_X86_32 ? x86_32 : x86_64;

	for (unsigned int i = 0; i < REF_NR_ZONE_TYPES; i++)
		row[i] = mm->config.era == REF_ERA_2_6 ?
				 reserve[i] :
				 reserve[z[i < 3 ? i : 2]];
	return REF_NR_ZONE_TYPES;
}

static void print_protection(struct ref_fmtbuf *pb, const struct ref_mm *mm,
			     const struct ref_zone *zone)
{
	unsigned long row[REF_NR_ZONE_TYPES];

	ref_lowmem_reserve_row(mm, zone->lowmem_reserve, row);
	ref_fb_printf(pb, "\n        protection: (%lu, %lu, %lu, %lu)", row[0],
		      row[1], row[2], row[3]);
}

/*
 * "pagesets": 6.12 prints every online CPU's count, high and batch, then
 * its vm stats threshold (calculate_normal_threshold: 2 x fls(online
 * CPUs) x (1 + fls(managed pages in 128 MiB units)), at most 125);
 * 2.6.18 printed, for every CPU with a page on either list, both lists
 * ("cpu: N pcp: 0" hot, "pcp: 1" cold) and the threshold.
 */
static int fls_int(unsigned long x)
{
	int n = 0;

	while (x) {
		n++;
		x >>= 1;
	}
	return n;
}

static void print_pagesets(struct ref_fmtbuf *pb, struct ref_mm *mm,
			   struct ref_zone *zone)
{
	unsigned int online = 0;
	int threshold;

	for (unsigned int c = 0; c < mm->config.nr_cpus; c++)
		online += (unsigned int)ref_cpu_is_online(mm, c);
	/* 2.6.18's calculate_threshold() used present pages */
	threshold = 2 * fls_int(online) *
		    (1 + fls_int((mm->config.era == REF_ERA_2_6 ?
					  zone->present_pages :
					  zone->managed_pages) >>
				 (27 - mm->config.page_shift)));
	if (threshold > 125)
		threshold = 125;
	ref_fb_printf(pb, "\n  pagesets");
	for (unsigned int c = 0; c < mm->config.nr_cpus; c++) {
		struct ref_per_cpu_pages *pcp = &zone->pageset[c];
		struct ref_pcp_list26 hc[2];
		int count, high, batch;

		if (!ref_cpu_is_online(mm, c))
			continue;
		ref_pcp_lock(pcp);
		count = pcp->count;
		high = pcp->high;
		batch = pcp->batch;
		hc[0] = pcp->hc[0];
		hc[1] = pcp->hc[1];
		ref_pcp_unlock(pcp);
		if (mm->config.era == REF_ERA_2_6) {
			if (!hc[0].count && !hc[1].count)
				continue;
			for (int j = 0; j < 2; j++)
				ref_fb_printf(pb,
					      "\n    cpu: %u pcp: %d"
					      "\n              count: %d"
					      "\n              high:  %d"
					      "\n              batch: %d",
					      c, j, hc[j].count, hc[j].high,
					      hc[j].batch);
		} else {
			ref_fb_printf(pb,
				      "\n    cpu: %u"
				      "\n              count: %d"
				      "\n              high:  %d"
				      "\n              batch: %d",
				      c, count, high, batch);
		}
		ref_fb_printf(pb, "\n  vm stats threshold: %d", threshold);
	}
}

size_t ref_proc_zoneinfo(struct ref_mm *mm, char *buf, size_t len)
{
	struct ref_fmtbuf pb = { buf, len, 0 };
	struct ref_zone *zone;

	if (buf && len)
		buf[0] = '\0';
	for_each_zone(mm, zone) {
		unsigned long nr_free, boost;

		if (!ref_zone_configured(mm, zone->type))
			continue;
		pthread_mutex_lock(&zone->lock);
		nr_free = zone->nr_free_pages;
		boost = zone->watermark_boost;
		pthread_mutex_unlock(&zone->lock);
		ref_fb_printf(&pb, "Node %d, zone %8s", 0, zone->name);
		ref_fb_printf(&pb,
			      "\n  pages free     %lu"
			      "\n        boost    %lu"
			      "\n        min      %lu"
			      "\n        low      %lu"
			      "\n        high     %lu"
			      "\n        promo    %lu"
			      "\n        spanned  %lu"
			      "\n        present  %lu"
			      "\n        managed  %lu"
			      "\n        cma      %lu",
			      nr_free, boost,
			      zone->watermark[REF_WMARK_MIN] + boost,
			      zone->watermark[REF_WMARK_LOW] + boost,
			      zone->watermark[REF_WMARK_HIGH] + boost,
			      zone->watermark[REF_WMARK_PROMO] + boost,
			      zone->spanned_pages, zone->present_pages,
			      zone->managed_pages, 0UL);
		print_protection(&pb, mm, zone);
		if (!zone->populated) {
			ref_fb_printf(&pb, "\n");
			continue;
		}
		ref_fb_printf(&pb, "\n      %-12s %lu", "nr_free_pages",
			      nr_free);
		print_pagesets(&pb, mm, zone);
		ref_fb_printf(&pb,
			      "\n  node_unreclaimable:  %u"
			      "\n  start_pfn:           %lu",
			      0U, zone->zone_start_pfn);
		ref_fb_printf(&pb, "\n");
	}
	return pb.pos;
}
