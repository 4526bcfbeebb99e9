/* SPDX-License-Identifier: MIT */
/*
 * ref/check.c - invariant checkers for the buddy allocator and its zones.
 *
 * Models what CONFIG_DEBUG_VM and the kernel's bad_page()/check_new_page()
 * look for, as one walk that reports instead of crashing (mm/slub.c
 * check_slab style). Every finding carries a stable id (docs/checkers.md):
 *
 *   BUDDY-ALIGN     a free block's pfn is aligned to 2^order
 *   BUDDY-RANGE     a free block lies inside its zone span and one bank
 *   BUDDY-FLAGS     a listed head has PG_buddy and private == list order;
 *                   no other page has PG_buddy
 *   BUDDY-DISJOINT  free blocks overlap no free block, live allocation or
 *                   reserved page
 *   BUDDY-COALESCE  no two free buddies of one order < top are both listed
 *                   (6.12, from pageblock_order up: but for a
 *                   non-mergeable type on either side, or in a zone
 *                   where a pageblock was moved whole into or out of
 *                   ISOLATE or out of HIGHATOMIC)
 *   ZONE-NRFREE     nr_free == list length; nr_free_pages == sum nr_free<<o
 *   PAGE-STATE      free pages: refcount 0, no flag but PG_buddy on heads;
 *                   live heads: refcount >= 1, PG_owner, not PG_buddy;
 *                   allocation tails: not PG_buddy, refcount 0
 *   ZONE-CONSERVE   free + on per-CPU lists + allocated + reserved ==
 *                   present, and managed == present - reserved
 *   PCP-COUNT       a per-CPU list set's count is the pages on its lists
 *                   (2.6: each of hot and cold its own count)
 *   PCP-PAGE        every listed page is the head of a free block of the
 *                   list's order inside the zone and a bank, aligned,
 *                   PG_pcp with private == the order, nothing else set,
 *                   refcount 0, on no other list; no other page has
 *                   PG_pcp
 *   PCP-HIGH        6.12: 1 <= batch, 4 x batch <= high_min and high_max,
 *                   high 0 (never used) or, once used since the bounds
 *                   last moved (CPU hotplug: pageset_update leaves high
 *                   to its next use), between the two (either may be
 *                   the larger: zone_highsize's);
 *                   2.6: each list's count below its high (or 0 at high
 *                   0), 1 <= batch
 *   MIGRATE-LIST    every free block on free_list[mt] lies in pageblocks
 *                   of type mt (2.6: only list 0 is used); nr_free_pages
 *                   is the pages of every list but ISOLATE's and
 *                   nr_free_highatomic those of HIGHATOMIC's
 *   PAGEBLOCK-TYPE  every pageblock's type is a migrate type (2.6:
 *                   UNMOVABLE); a HIGHATOMIC pageblock lies wholly in its
 *                   zone; nr_reserved_highatomic == pageblock_nr_pages x
 *                   the zone's HIGHATOMIC pageblocks
 *   ZONE-BOOST      6.12: watermark_boost <= max(pageblock_nr_pages,
 *                   high * 15000 / 10000); 2.6: 0
 *   COMPOUND-HEAD   a live __GFP_COMP allocation of order > 0 has PG_head
 *                   on its head; no other page has PG_head
 *   COMPOUND-TAIL   every tail of such an allocation has PG_tail and
 *                   compound_head == its head; no other page has PG_tail
 *   COMPOUND-ORDER  such an allocation's first tail stores its order
 *   UPOOL-*         the memory pools, checked by ref/upool.c after the
 *                   zones (its header lists them)
 *   CTX-RECLAIM     no shrinker was scanned against the reclaim mask
 *                   (ref/shrinker.c records such a scan, ref/reclaim.c
 *                   reports it)
 *
 * Algorithm (FULL): one byte per spanned pfn of the zone (mm->check_mark,
 * kept and grown across checks; only present pfns are ever marked and
 * they are cleared after each zone), 0 = not seen on a list, 1 = inside a listed block,
 * 2 + o = head of a listed block of order o, IGNORE = head of a block that
 * lies out of range. (1) Walk each free list (bounded, every pointer
 * validated before it is followed): ALIGN, RANGE, FLAGS of the head, and
 * DISJOINT when marking finds a page already marked. (2) Walk mem_map over
 * the present pfns of the zone (never hole pfns), classifying each page as
 * live head, allocation tail, reserved, free, or none of those: PAGE-STATE,
 * the rest of FLAGS and DISJOINT, and the walked counts of allocated and
 * reserved pages for CONSERVE. (3) Scan the marks for listed buddy pairs:
 * COALESCE. CHEAP runs only the O(1) counter forms of NRFREE and CONSERVE.
 *
 * Each corruption is meant to produce exactly one id: e.g. a lost page
 * (on no list, in no allocation) is not itself reported; if the counters
 * still balance, some overlap must exist and DISJOINT reports it.
 *
 * Locks: ref_check() holds off kswapd passes (pass_lock, ref/reclaim.c)
 * for the whole walk, then takes, zone by zone, every per-CPU list lock of the
 * zone (CPU order) and then zone->lock; ref_check_zone_locked()
 * expects them held and takes mm->check_lock inside it for the marks. The checker never allocates from the machine and never
 * aborts.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const struct ref_invariant ref_invariants[] = {
	{ "BUDDY-ALIGN", "buddy", REF_COST_ON,
	  "every free block's first pfn is a multiple of 2^order" },
	{ "BUDDY-RANGE", "buddy", REF_COST_ON,
	  "every free block lies inside its zone's span and inside one bank of present RAM" },
	{ "BUDDY-FLAGS", "buddy", REF_COST_ON,
	  "a free block's head has PG_buddy and private == the order of its list; no other page has PG_buddy" },
	{ "BUDDY-DISJOINT", "buddy", REF_COST_ON,
	  "no two free blocks overlap, and no free block overlaps a live allocation or a reserved page" },
	{ "BUDDY-COALESCE", "buddy", REF_COST_ON,
	  "no block below the top order is on a free list together with its free buddy of the same order" },
	{ "ZONE-NRFREE", "zone", REF_COST_O1,
	  "zone nr_free_pages == sum of nr_free << order (O(1)); each free_area nr_free == its list length (O(n))" },
	{ "PAGE-STATE", "page", REF_COST_ON,
	  "free pages: refcount 0, no flag but PG_buddy on heads; live heads: refcount >= 1, PG_owner, not PG_buddy; tails: not PG_buddy, refcount 0" },
	{ "ZONE-CONSERVE", "zone", REF_COST_O1,
	  "free + allocated + reserved == present and managed == present - reserved (counters O(1); walked counts O(n))" },
	{ "PCP-COUNT", "pcp", REF_COST_ON,
	  "a CPU's per-CPU list count == the pages on its lists (2.6.18: hot and cold each)" },
	{ "PCP-PAGE", "pcp", REF_COST_ON,
	  "every page on a per-CPU list heads a free block of the list's order in its zone and a bank, PG_pcp, private == order, no other flag, refcount 0, on one list only; no other page has PG_pcp" },
	{ "PCP-HIGH", "pcp", REF_COST_O1,
	  "6.12: batch >= 1, high_min and high_max >= 4 x batch, high 0 or between high_min and high_max; 2.6.18: each list's count < its high (0 at high 0), batch >= 1" },
	{ "MIGRATE-LIST", "migrate", REF_COST_ON,
	  "a free block on free_list[mt] lies in pageblocks of type mt; nr_free_pages == pages on every list but ISOLATE's, nr_free_highatomic == pages on HIGHATOMIC's" },
	{ "PAGEBLOCK-TYPE", "migrate", REF_COST_ON,
	  "every pageblock has a migrate type (2.6.18: UNMOVABLE); a HIGHATOMIC pageblock lies inside its zone; nr_reserved_highatomic == pageblock_nr_pages x HIGHATOMIC pageblocks" },
	{ "ZONE-BOOST", "migrate", REF_COST_O1,
	  "6.12: watermark_boost <= max(pageblock_nr_pages, high x 15000 / 10000); 2.6.18: 0" },
	{ "COMPOUND-HEAD", "page", REF_COST_ON,
	  "a live __GFP_COMP allocation of order > 0 has PG_head on its head; no other page (order 0, no __GFP_COMP, a tail, a free or reserved page) has PG_head" },
	{ "COMPOUND-TAIL", "page", REF_COST_ON,
	  "every tail of a live compound page has PG_tail and compound_head == its head; no other page has PG_tail" },
	{ "COMPOUND-ORDER", "page", REF_COST_ON,
	  "the compound order stored on a compound page's first tail == the allocation's order" },
	{ "UPOOL-BLOCK", "upool", REF_COST_O1,
	  "a pool's block is a live buddy allocation of the recorded pfn, order and address, and its chunks fit inside it" },
	{ "UPOOL-COUNT", "upool", REF_COST_O1,
	  "free + in use == total and high-water >= in use (O(1)); the free list holds nr_free chunks and every chunk off it is live (O(n))" },
	{ "UPOOL-FREELIST", "upool", REF_COST_ON,
	  "every free-list entry is the start of a chunk of its pool" },
	{ "UPOOL-DOUBLE", "upool", REF_COST_ON,
	  "no chunk is on a pool's free list twice (a cycle) and no live chunk is on it" },
	{ "CTX-RECLAIM", "reclaim", REF_COST_O1,
	  "no shrinker is scanned by reclaim whose mask lacks what it needs: __GFP_FS for a file-system one, __GFP_IO for an I/O one (GFP_NOFS, GFP_NOIO)" },
	{ NULL, NULL, 0, NULL },
};

/* The marks of a compound page, which only COMPOUND-* reports. */
#define COMPOUND_FLAGS (REF_PF(REF_PG_head) | REF_PF(REF_PG_tail))

#define MARK_NONE 0
#define MARK_INSIDE 1
#define MARK_HEAD 2 /* + order */
#define MARK_PCP 0xfe /* head of a block on a per-CPU list */
#define MARK_IGNORE 0xff

void ref_report_init(struct ref_report *r)
{
	memset(r, 0, sizeof(*r));
}

static const struct ref_invariant *invariant(const char *id)
{
	const struct ref_invariant *inv;

	for (inv = ref_invariants; inv->id; inv++)
		if (!strcmp(inv->id, id))
			return inv;
	return &ref_invariants[0];
}

static void report(struct ref_report *r, const char *id, enum ref_cost cost,
		   unsigned long pfn, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void report(struct ref_report *r, const char *id, enum ref_cost cost,
		   unsigned long pfn, const char *fmt, ...)
{
	struct ref_finding *f;
	va_list ap;

	r->total++;
	if (r->nr >= REF_REPORT_MAX)
		return;
	f = &r->findings[r->nr++];
	f->id = invariant(id)->id;
	f->layer = invariant(id)->layer;
	f->cost = cost;
	f->pfn = pfn;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

void ref_check_report(struct ref_report *r, const char *id, enum ref_cost cost,
		      unsigned long pfn, const char *msg)
{
	report(r, id, cost, pfn, "%s", msg);
}

/* State shared by the passes of one zone check. */
struct zone_walk {
	struct ref_mm *mm;
	struct ref_zone *zone;
	struct ref_report *r;
	unsigned char *mark; /* spanned_pages bytes, or NULL */
	unsigned long zs, ze; /* zone span [zs, ze) */
	unsigned long pcp_pages; /* the lists' counts */
	unsigned long nr_alloc; /* the zone's and its lists' allocations */
};

/* [*s, *e): bank b clipped to the zone's span (empty when s >= e). */
static void bank_in_zone(const struct zone_walk *w, unsigned int b,
			 unsigned long *s, unsigned long *e)
{
	*s = w->mm->bank_start[b] > w->zs ? w->mm->bank_start[b] : w->zs;
	*e = w->mm->bank_end[b] < w->ze ? w->mm->bank_end[b] : w->ze;
}

static void check_counters(struct zone_walk *w)
{
	struct ref_zone *zone = w->zone;
	unsigned long sum = 0, reserved;
	unsigned int o, nr_orders = w->mm->config.nr_orders;

	for (o = 0; o < REF_NR_ORDERS_MAX; o++) {
		unsigned long nr = zone->free_area[o].nr_free;

		if (o >= nr_orders && nr)
			report(w->r, "ZONE-NRFREE", REF_COST_O1, ~0UL,
			       "zone %s: free_area[%u].nr_free = %lu beyond the top order %u",
			       zone->name, o, nr, nr_orders - 1);
		sum += nr << o;
	}
	if (sum != zone->nr_free_pages + zone->nr_free_isolate)
		report(w->r, "ZONE-NRFREE", REF_COST_O1, ~0UL,
		       "zone %s: nr_free_pages %lu + isolated %lu != sum of nr_free << order %lu",
		       zone->name, zone->nr_free_pages, zone->nr_free_isolate,
		       sum);
	if (zone->managed_pages > zone->present_pages) {
		report(w->r, "ZONE-CONSERVE", REF_COST_O1, ~0UL,
		       "zone %s: managed %lu > present %lu", zone->name,
		       zone->managed_pages, zone->present_pages);
		return;
	}
	reserved = zone->present_pages - zone->managed_pages;
	if (zone->nr_free_pages + zone->nr_free_isolate + w->pcp_pages +
		    w->nr_alloc + reserved !=
	    zone->present_pages)
		report(w->r, "ZONE-CONSERVE", REF_COST_O1, ~0UL,
		       "zone %s: free %lu + isolated %lu + on per-CPU lists %lu + allocated %lu + reserved %lu != present %lu",
		       zone->name, zone->nr_free_pages, zone->nr_free_isolate,
		       w->pcp_pages, w->nr_alloc, reserved,
		       zone->present_pages);
}

/* PCP-HIGH of one CPU's lists (O(1)). */
static void check_pcp_high(struct zone_walk *w, unsigned int cpu)
{
	const struct ref_per_cpu_pages *pcp = &w->zone->pageset[cpu];
	const char *zn = w->zone->name;

	if (w->mm->config.era == REF_ERA_2_6) {
		for (int i = 0; i < 2; i++) {
			const struct ref_pcp_list26 *l = &pcp->hc[i];

			if (l->batch < 1 ||
			    (l->high ? l->count >= l->high : l->count != 0))
				report(w->r, "PCP-HIGH", REF_COST_O1, ~0UL,
				       "zone %s cpu %u pcp %d: count %d, high %d, batch %d",
				       zn, cpu, i, l->count, l->high, l->batch);
		}
		return;
	}
	/* high is clamp(high, high_min, high_max), or high_min after a
	 * free below the zone's high mark: zone_highsize can give a small
	 * zone a high_min above its high_max, so high lies between the two
	 * whichever is larger */
	int lo = pcp->high_min < pcp->high_max ? pcp->high_min : pcp->high_max;
	int hi = pcp->high_min < pcp->high_max ? pcp->high_max : pcp->high_min;

	if (pcp->batch < 1 || lo < 4 * pcp->batch ||
	    (pcp->high && pcp->high_clamped &&
	     (pcp->high < lo || pcp->high > hi)))
		report(w->r, "PCP-HIGH", REF_COST_O1, ~0UL,
		       "zone %s cpu %u: high %d outside high_min %d .. high_max %d, or batch %d",
		       zn, cpu, pcp->high, pcp->high_min, pcp->high_max,
		       pcp->batch);
}

/* Are the n marks at m all MARK_NONE? A word at a time where it can. */
static int marks_clear(const unsigned char *m, unsigned long n)
{
	unsigned long i = 0;

	for (; i + sizeof(uint64_t) <= n; i += sizeof(uint64_t)) {
		uint64_t v;

		memcpy(&v, m + i, sizeof(v));
		if (v)
			return 0;
	}
	for (; i < n; i++)
		if (m[i])
			return 0;
	return 1;
}

/* Check one listed block and mark its pages. */
static void check_listed_block(struct zone_walk *w, unsigned long pfn,
			       unsigned int order)
{
	struct ref_mm *mm = w->mm;
	const struct ref_page *page = &mm->mem_map[pfn];
	unsigned long size = 1UL << order, i;
	int bank, overlap = 0;

	if (pfn & (size - 1))
		report(w->r, "BUDDY-ALIGN", REF_COST_ON, pfn,
		       "zone %s: free block pfn 0x%lx order %u is not aligned to %lu pages",
		       w->zone->name, pfn, order, size);
	bank = ref_memblock_bank_of(mm, pfn);
	if (pfn < w->zs || pfn >= w->ze || size > w->ze - pfn || bank < 0 ||
	    size > mm->bank_end[bank] - pfn) {
		report(w->r, "BUDDY-RANGE", REF_COST_ON, pfn,
		       "zone %s: free block pfn 0x%lx order %u lies outside %s [0x%lx, 0x%lx)",
		       w->zone->name, pfn, order,
		       bank < 0 ? "present RAM (a hole)" : "its zone or bank",
		       w->zs, w->ze);
		if (w->mark && bank >= 0 && pfn >= w->zs && pfn < w->ze &&
		    w->mark[pfn - w->zs] == MARK_NONE)
			w->mark[pfn - w->zs] = MARK_IGNORE;
		return;
	}
	if (!ref_page_test(page, REF_PG_buddy) || page->private != order)
		report(w->r, "BUDDY-FLAGS", REF_COST_ON, pfn,
		       "zone %s: free block head pfn 0x%lx on free_area[%u]: PG_buddy %s, private %lu",
		       w->zone->name, pfn, order,
		       ref_page_test(page, REF_PG_buddy) ? "set" : "clear",
		       page->private);
	if (!w->mark)
		return;
	if (marks_clear(&w->mark[pfn - w->zs], size)) {
		/* The common case: nothing marked yet, mark it in one go. */
		memset(&w->mark[pfn - w->zs], MARK_INSIDE, size);
		w->mark[pfn - w->zs] = (unsigned char)(MARK_HEAD + order);
		return;
	}
	for (i = 0; i < size; i++) {
		unsigned char *m = &w->mark[pfn - w->zs + i];

		if (*m != MARK_NONE)
			overlap = 1;
		else
			*m = i ? MARK_INSIDE :
				 (unsigned char)(MARK_HEAD + order);
	}
	if (overlap)
		report(w->r, "BUDDY-DISJOINT", REF_COST_ON, pfn,
		       "zone %s: free block pfn 0x%lx order %u overlaps another free block",
		       w->zone->name, pfn, order);
}

/* MIGRATE-LIST of one listed block: its pageblocks have the list's
 * type. */
static void check_block_type(struct zone_walk *w, unsigned long pfn,
			     unsigned int order, int mt)
{
	struct ref_mm *mm = w->mm;
	unsigned int pb = mm->pageblock_order;
	unsigned long first = pfn >> pb,
		      last = (pfn + (1UL << order) - 1) >> pb;

	for (unsigned long i = first; i <= last && i < mm->nr_pageblocks; i++) {
		if (mm->pageblock_mt[i] == mt)
			continue;
		report(w->r, "MIGRATE-LIST", REF_COST_ON, pfn,
		       "zone %s: free block pfn 0x%lx order %u on the %s list lies in pageblock 0x%lx of type %s",
		       w->zone->name, pfn, order, ref_migratetype_names[mt],
		       i << pb,
		       mm->pageblock_mt[i] < REF_MIGRATE_TYPES ?
			       ref_migratetype_names[mm->pageblock_mt[i]] :
			       "(invalid)");
		return;
	}
}

/* Walk free_area[order].free_list[mt], never following an unchecked
 * pointer; the list's pages into *pages. Returns the entries. */
static unsigned long walk_free_list(struct zone_walk *w, unsigned int order,
				    int mt, unsigned long *pages)
{
	struct ref_mm *mm = w->mm;
	struct ref_free_area *area = &w->zone->free_area[order];
	struct ref_list_head *head = &area->free_list[mt], *prev = head, *pos;
	unsigned long count = 0, limit = w->zone->present_pages + 1;

	for (pos = head->next; pos != head; prev = pos, pos = pos->next) {
		struct ref_page *page;
		unsigned long pfn;

		if (count >= limit) {
			report(w->r, "ZONE-NRFREE", REF_COST_ON, ~0UL,
			       "zone %s: free_area[%u] %s list does not end after %lu entries",
			       w->zone->name, order, ref_migratetype_names[mt],
			       count);
			return count;
		}
		page = ref_list_entry(pos, struct ref_page, lru);
		pfn = ref_page_pfn_checked(mm, page);
		if (pfn == ~0UL) {
			report(w->r, "BUDDY-RANGE", REF_COST_ON, ~0UL,
			       "zone %s: free_area[%u] entry %p is not a page of mem_map",
			       w->zone->name, order, (void *)pos);
			return count;
		}
		if (pos->prev != prev)
			report(w->r, "ZONE-NRFREE", REF_COST_ON, pfn,
			       "zone %s: free_area[%u] entry pfn 0x%lx has a broken prev link",
			       w->zone->name, order, pfn);
		count++;
		*pages += 1UL << order;
		check_listed_block(w, pfn, order);
		check_block_type(w, pfn, order, mt);
	}
	return count;
}

/* Every list of free_area[order]: nr_free, and the pages by type. */
static void walk_free_area(struct zone_walk *w, unsigned int order,
			   unsigned long pages[REF_MIGRATE_TYPES])
{
	struct ref_free_area *area = &w->zone->free_area[order];
	unsigned long count = 0;

	for (int mt = 0; mt < REF_MIGRATE_TYPES; mt++)
		count += walk_free_list(w, order, mt, &pages[mt]);
	if (count != area->nr_free)
		report(w->r, "ZONE-NRFREE", REF_COST_ON, ~0UL,
		       "zone %s: free_area[%u].nr_free %lu != list length %lu",
		       w->zone->name, order, area->nr_free, count);
}

/* MIGRATE-LIST's counters against the lists' pages. */
static void check_type_counters(struct zone_walk *w,
				const unsigned long pages[REF_MIGRATE_TYPES])
{
	struct ref_zone *zone = w->zone;
	unsigned long usable = 0;

	for (int mt = 0; mt < REF_MIGRATE_TYPES; mt++)
		if (mt != REF_MIGRATE_ISOLATE)
			usable += pages[mt];
	if (usable != zone->nr_free_pages)
		report(w->r, "MIGRATE-LIST", REF_COST_ON, ~0UL,
		       "zone %s: nr_free_pages %lu, but the lists but ISOLATE's hold %lu pages",
		       zone->name, zone->nr_free_pages, usable);
	if (pages[REF_MIGRATE_ISOLATE] != zone->nr_free_isolate)
		report(w->r, "MIGRATE-LIST", REF_COST_ON, ~0UL,
		       "zone %s: nr_free_isolate %lu, but the ISOLATE lists hold %lu pages",
		       zone->name, zone->nr_free_isolate,
		       pages[REF_MIGRATE_ISOLATE]);
	if (pages[REF_MIGRATE_HIGHATOMIC] != zone->nr_free_highatomic)
		report(w->r, "MIGRATE-LIST", REF_COST_ON, ~0UL,
		       "zone %s: nr_free_highatomic %lu, but the HIGHATOMIC lists hold %lu pages",
		       zone->name, zone->nr_free_highatomic,
		       pages[REF_MIGRATE_HIGHATOMIC]);
}

/* PAGEBLOCK-TYPE over the pageblocks that meet the zone's span. */
static void check_pageblocks(struct zone_walk *w)
{
	struct ref_mm *mm = w->mm;
	struct ref_zone *zone = w->zone;
	unsigned int pb = mm->pageblock_order;
	unsigned long nr_ha = 0;

	if (w->ze <= w->zs)
		return;
	for (unsigned long i = w->zs >> pb;
	     i <= (w->ze - 1) >> pb && i < mm->nr_pageblocks; i++) {
		unsigned char mt = mm->pageblock_mt[i];
		unsigned long s = i << pb, e = s + (1UL << pb);

		if (mt >= REF_MIGRATE_TYPES || (mm->config.era == REF_ERA_2_6 &&
						mt != REF_MIGRATE_UNMOVABLE)) {
			report(w->r, "PAGEBLOCK-TYPE", REF_COST_ON, s,
			       "zone %s: pageblock 0x%lx has type %u, which %s",
			       zone->name, s, mt,
			       mt >= REF_MIGRATE_TYPES ?
				       "is no migrate type" :
				       "2.6.18 does not have (UNMOVABLE only)");
			continue;
		}
		if (mt != REF_MIGRATE_HIGHATOMIC)
			continue;
		if (s < w->zs || e > w->ze) {
			report(w->r, "PAGEBLOCK-TYPE", REF_COST_ON, s,
			       "zone %s: HIGHATOMIC pageblock 0x%lx runs past the zone [0x%lx, 0x%lx)",
			       zone->name, s, w->zs, w->ze);
			continue;
		}
		nr_ha++;
	}
	if (zone->nr_reserved_highatomic != nr_ha << pb)
		report(w->r, "PAGEBLOCK-TYPE", REF_COST_ON, ~0UL,
		       "zone %s: nr_reserved_highatomic %lu, but %lu HIGHATOMIC pageblocks hold %lu pages",
		       zone->name, zone->nr_reserved_highatomic, nr_ha,
		       nr_ha << pb);
}

/* ZONE-BOOST (O(1)). */
static void check_boost(struct zone_walk *w)
{
	const struct ref_zone *zone = w->zone;
	unsigned long pb_nr = 1UL << w->mm->pageblock_order;
	unsigned long high = zone->watermark[REF_WMARK_HIGH];
	unsigned long max =
		(high / 10000) * 15000 + (high % 10000) * 15000 / 10000;

	if (max < pb_nr)
		max = pb_nr;
	if (w->mm->config.era == REF_ERA_2_6 ? zone->watermark_boost != 0 :
					       zone->watermark_boost > max)
		report(w->r, "ZONE-BOOST", REF_COST_O1, ~0UL,
		       "zone %s: watermark_boost %lu above its bound %lu",
		       zone->name, zone->watermark_boost,
		       w->mm->config.era == REF_ERA_2_6 ? 0UL : max);
}

/* Check one block on a per-CPU list and mark it. */
static void check_pcp_block(struct zone_walk *w, unsigned int cpu, int i,
			    unsigned long pfn, unsigned int order)
{
	struct ref_mm *mm = w->mm;
	const struct ref_page *page = &mm->mem_map[pfn];
	unsigned long size = 1UL << order, keep = REF_PF(REF_PG_pcp);
	int bank = ref_memblock_bank_of(mm, pfn), overlap = 0;
	int rc = atomic_load_explicit(&page->refcount, memory_order_relaxed);

	if ((pfn & (size - 1)) || pfn < w->zs || pfn >= w->ze ||
	    size > w->ze - pfn || bank < 0 || size > mm->bank_end[bank] - pfn) {
		report(w->r, "PCP-PAGE", REF_COST_ON, pfn,
		       "zone %s cpu %u list %d: block pfn 0x%lx order %u is misaligned or outside its zone or bank",
		       w->zone->name, cpu, i, pfn, order);
		return;
	}
	/* the compound marks are COMPOUND-*'s to report */
	if ((page->flags & ~(REF_PF(REF_PG_highmem) | COMPOUND_FLAGS)) !=
		    keep ||
	    page->private != order || rc != 0)
		report(w->r, "PCP-PAGE", REF_COST_ON, pfn,
		       "zone %s cpu %u list %d: head pfn 0x%lx has flags 0x%lx, private %lu, refcount %d (want PG_pcp, order %u, 0)",
		       w->zone->name, cpu, i, pfn, page->flags, page->private,
		       rc, order);
	if (!w->mark)
		return;
	for (unsigned long k = 0; k < size; k++) {
		unsigned char *m = &w->mark[pfn - w->zs + k];

		if (*m != MARK_NONE)
			overlap = 1;
		else
			*m = k ? MARK_INSIDE : MARK_PCP;
	}
	if (overlap)
		report(w->r, "PCP-PAGE", REF_COST_ON, pfn,
		       "zone %s cpu %u list %d: block pfn 0x%lx order %u overlaps a free block or another list's",
		       w->zone->name, cpu, i, pfn, order);
}

/* Walk every CPU's lists of the zone: PCP-COUNT, PCP-PAGE, PCP-HIGH;
 * add up the lists' pages and allocations. */
static void walk_pcp(struct zone_walk *w, int full)
{
	struct ref_mm *mm = w->mm;
	int nl = ref_pcp_nr_lists(mm);

	for (unsigned int c = 0; c < mm->config.nr_cpus; c++) {
		struct ref_per_cpu_pages *pcp = &w->zone->pageset[c];
		unsigned long pages = 0;

		w->pcp_pages += (unsigned long)pcp->count;
		w->nr_alloc += (unsigned long)pcp->nr_alloc_pages;
		check_pcp_high(w, c);
		if (!full)
			continue;
		for (int i = 0; i < nl; i++) {
			struct ref_list_head *head = &pcp->lists[i], *pos;
			struct ref_list_head *prev = head;
			unsigned int order = ref_pcp_list_order(mm, i);
			unsigned long n = 0, limit = w->zone->present_pages + 1;

			for (pos = head->next; pos != head;
			     prev = pos, pos = pos->next) {
				struct ref_page *page = ref_list_entry(
					pos, struct ref_page, lru);
				unsigned long pfn =
					ref_page_pfn_checked(mm, page);

				if (n >= limit || pfn == ~0UL ||
				    pos->prev != prev) {
					report(w->r, "PCP-COUNT", REF_COST_ON,
					       pfn,
					       "zone %s cpu %u list %d: broken after %lu entries",
					       w->zone->name, c, i, n);
					break;
				}
				n++;
				check_pcp_block(w, c, i, pfn, order);
			}
			pages += n << order;
			if (mm->config.era == REF_ERA_2_6 &&
			    (unsigned long)pcp->hc[i].count != n)
				report(w->r, "PCP-COUNT", REF_COST_ON, ~0UL,
				       "zone %s cpu %u pcp %d: count %d, but %lu pages are listed",
				       w->zone->name, c, i, pcp->hc[i].count,
				       n);
		}
		if ((unsigned long)pcp->count != pages)
			report(w->r, "PCP-COUNT", REF_COST_ON, ~0UL,
			       "zone %s cpu %u: count %d, but its lists hold %lu pages",
			       w->zone->name, c, pcp->count, pages);
	}
}

/*
 * The compound marks of a live head at pfn of order k (its pages end at
 * end, clipped to the bank): COMPOUND-HEAD when PG_head differs from what
 * the allocation asked for (comp: __GFP_COMP at an order above 0),
 * COMPOUND-ORDER when its first tail stores another order, COMPOUND-TAIL
 * when the head itself is marked a tail.
 */
static void check_compound_head(struct zone_walk *w, unsigned long pfn,
				unsigned long flags, unsigned int k, int comp,
				unsigned long end)
{
	const struct ref_page *tail = &w->mm->mem_map[pfn + 1];
	const char *zn = w->zone->name;

	if (!(flags & REF_PF(REF_PG_head)) != !comp)
		report(w->r, "COMPOUND-HEAD", REF_COST_ON, pfn,
		       "zone %s: live head pfn 0x%lx order %u %s PG_head (%s)",
		       zn, pfn, k, comp ? "lacks" : "has",
		       comp ? "a __GFP_COMP allocation" :
			      "not a compound allocation");
	if (flags & REF_PF(REF_PG_tail))
		report(w->r, "COMPOUND-TAIL", REF_COST_ON, pfn,
		       "zone %s: live head pfn 0x%lx has PG_tail", zn, pfn);
	if (comp && pfn + 1 < end && tail->compound_order != k)
		report(w->r, "COMPOUND-ORDER", REF_COST_ON, pfn,
		       "zone %s: compound page pfn 0x%lx of order %u stores order %lu on its first tail",
		       zn, pfn, k, tail->compound_order);
}

/* A tail at pfn of the live allocation at head (comp: a compound one). */
static void check_compound_tail(struct zone_walk *w, unsigned long pfn,
				unsigned long flags, unsigned long head,
				int comp)
{
	const struct ref_page *page = &w->mm->mem_map[pfn];
	const char *zn = w->zone->name;
	int marked = (flags & REF_PF(REF_PG_tail)) != 0;

	if (comp && (!marked || page->compound_head != &w->mm->mem_map[head]))
		report(w->r, "COMPOUND-TAIL", REF_COST_ON, pfn,
		       "zone %s: tail pfn 0x%lx of the compound page at pfn 0x%lx: PG_tail %s, compound_head pfn 0x%lx",
		       zn, pfn, head, marked ? "set" : "clear",
		       ref_page_pfn_checked(w->mm, page->compound_head));
	else if (!comp && marked)
		report(w->r, "COMPOUND-TAIL", REF_COST_ON, pfn,
		       "zone %s: pfn 0x%lx has PG_tail, but the allocation at pfn 0x%lx is not compound",
		       zn, pfn, head);
	if (flags & REF_PF(REF_PG_head))
		report(w->r, "COMPOUND-HEAD", REF_COST_ON, pfn,
		       "zone %s: tail pfn 0x%lx of the allocation at pfn 0x%lx has PG_head",
		       zn, pfn, head);
}

/* A page outside every live allocation (what: free, reserved, ...)
 * carries no compound mark. */
static void check_compound_stray(struct zone_walk *w, unsigned long pfn,
				 unsigned long flags, const char *what)
{
	if (flags & REF_PF(REF_PG_head))
		report(w->r, "COMPOUND-HEAD", REF_COST_ON, pfn,
		       "zone %s: %s pfn 0x%lx has PG_head", w->zone->name, what,
		       pfn);
	if (flags & REF_PF(REF_PG_tail))
		report(w->r, "COMPOUND-TAIL", REF_COST_ON, pfn,
		       "zone %s: %s pfn 0x%lx has PG_tail", w->zone->name, what,
		       pfn);
}

/* Walk mem_map over the zone's present pfns. */
static void walk_mem_map(struct zone_walk *w, unsigned long *walked_alloc,
			 unsigned long *walked_reserved)
{
	struct ref_mm *mm = w->mm;
	const char *zn = w->zone->name;
	unsigned int b, nr_orders = mm->config.nr_orders;
	const unsigned long stray_free =
		~(REF_PF(REF_PG_buddy) | COMPOUND_FLAGS);

	for_each_bank(mm, b) {
		unsigned long s, e, pfn, alloc_end = 0, alloc_head = 0;
		int alloc_comp = 0;

		bank_in_zone(w, b, &s, &e);
		for (pfn = s; pfn < e; pfn++) {
			const struct ref_page *page = &mm->mem_map[pfn];
			unsigned long flags = page->flags;
			unsigned char m = w->mark ? w->mark[pfn - w->zs] : 0;
			int rc = atomic_load_explicit(&page->refcount,
						      memory_order_relaxed);

			if (flags & REF_PF(REF_PG_owner)) {
				unsigned int k = page->owner_order;
				unsigned long size, end, i;
				int hit = 0, comp;

				if (pfn < alloc_end)
					report(w->r, "PAGE-STATE", REF_COST_ON,
					       pfn,
					       "zone %s: live head pfn 0x%lx lies inside the allocation at pfn 0x%lx",
					       zn, pfn, alloc_head);
				if (k >= nr_orders) {
					report(w->r, "PAGE-STATE", REF_COST_ON,
					       pfn,
					       "zone %s: live head pfn 0x%lx has owner_order %u beyond the top order",
					       zn, pfn, k);
					k = 0;
				}
				size = 1UL << k;
				if (pfn & (size - 1))
					report(w->r, "PAGE-STATE", REF_COST_ON,
					       pfn,
					       "zone %s: live head pfn 0x%lx is not aligned to its order %u",
					       zn, pfn, k);
				end = size > e - pfn ? e : pfn + size;
				if (size > e - pfn)
					report(w->r, "PAGE-STATE", REF_COST_ON,
					       pfn,
					       "zone %s: allocation pfn 0x%lx order %u runs past its zone or bank",
					       zn, pfn, k);
				for (i = pfn; w->mark && i < end; i++)
					if (w->mark[i - w->zs] != MARK_NONE &&
					    w->mark[i - w->zs] != MARK_IGNORE)
						hit = 1;
				if (hit)
					report(w->r, "BUDDY-DISJOINT",
					       REF_COST_ON, pfn,
					       "zone %s: a free block overlaps the live allocation pfn 0x%lx order %u",
					       zn, pfn, k);
				if (rc < 1)
					report(w->r, "PAGE-STATE", REF_COST_ON,
					       pfn,
					       "zone %s: live head pfn 0x%lx has refcount %d",
					       zn, pfn, rc);
				if ((flags & REF_PF(REF_PG_buddy)) && !hit)
					report(w->r, "PAGE-STATE", REF_COST_ON,
					       pfn,
					       "zone %s: live head pfn 0x%lx has PG_buddy",
					       zn, pfn);
				if (flags & REF_PF(REF_PG_reserved))
					report(w->r, "PAGE-STATE", REF_COST_ON,
					       pfn,
					       "zone %s: live head pfn 0x%lx is PG_reserved",
					       zn, pfn);
				comp = k > 0 &&
				       (page->owner_gfp & REF_GFP_COMP);
				if (!hit)
					check_compound_head(w, pfn, flags, k,
							    comp, end);
				*walked_alloc += size;
				if (pfn + size > alloc_end) {
					alloc_end = pfn + size;
					alloc_head = pfn;
					alloc_comp = comp;
				}
			} else if (pfn < alloc_end) {
				if (m != MARK_NONE)
					continue; /* DISJOINT at the head */
				if (flags & (REF_PF(REF_PG_buddy) |
					     REF_PF(REF_PG_reserved)) ||
				    rc != 0)
					report(w->r, "PAGE-STATE", REF_COST_ON,
					       pfn,
					       "zone %s: tail pfn 0x%lx of the allocation at pfn 0x%lx has flags 0x%lx refcount %d",
					       zn, pfn, alloc_head, flags, rc);
				check_compound_tail(w, pfn, flags, alloc_head,
						    alloc_comp);
			} else if (flags & REF_PF(REF_PG_reserved)) {
				(*walked_reserved)++;
				if (m != MARK_NONE && m != MARK_IGNORE)
					report(w->r, "BUDDY-DISJOINT",
					       REF_COST_ON, pfn,
					       "zone %s: reserved pfn 0x%lx lies inside a free block",
					       zn, pfn);
				check_compound_stray(w, pfn, flags, "reserved");
			} else if (m == MARK_IGNORE) {
				continue; /* reported as out of range */
			} else if (m == MARK_PCP) {
				/* a list's head: walk_pcp checked the rest */
				check_compound_stray(w, pfn, flags,
						     "per-CPU list head");
			} else if (flags & REF_PF(REF_PG_pcp)) {
				report(w->r, "PCP-PAGE", REF_COST_ON, pfn,
				       "zone %s: pfn 0x%lx has PG_pcp but heads no block on a per-CPU list",
				       zn, pfn);
			} else if (m != MARK_NONE) {
				unsigned long stray = flags & stray_free;

				if (rc != 0 || stray)
					report(w->r, "PAGE-STATE", REF_COST_ON,
					       pfn,
					       "zone %s: free pfn 0x%lx has refcount %d flags 0x%lx",
					       zn, pfn, rc, flags);
				if (m == MARK_INSIDE &&
				    (flags & REF_PF(REF_PG_buddy)))
					report(w->r, "BUDDY-FLAGS", REF_COST_ON,
					       pfn,
					       "zone %s: pfn 0x%lx inside a free block has PG_buddy",
					       zn, pfn);
				check_compound_stray(w, pfn, flags, "free");
			} else {
				check_compound_stray(w, pfn, flags, "unlisted");
				if (flags & REF_PF(REF_PG_buddy))
					report(w->r, "BUDDY-FLAGS", REF_COST_ON,
					       pfn,
					       "zone %s: pfn 0x%lx has PG_buddy but is on no free list",
					       zn, pfn);
				if (rc != 0)
					report(w->r, "PAGE-STATE", REF_COST_ON,
					       pfn,
					       "zone %s: pfn 0x%lx, in no free block, allocation or reserved range, has refcount %d",
					       zn, pfn, rc);
			}
		}
	}
}

/* Is the listed head at span index i unmerged with its listed buddy? */
static void check_coalesce_one(struct zone_walk *w, unsigned long i,
			       unsigned int top)
{
	unsigned char m = w->mark[i];
	unsigned int o;
	unsigned long pfn, buddy;

	if (m < MARK_HEAD || m == MARK_IGNORE || m == MARK_PCP)
		return;
	o = (unsigned int)(m - MARK_HEAD);
	pfn = w->zs + i;
	if (o >= top || (pfn & ((1UL << o) - 1)))
		return;
	buddy = pfn ^ (1UL << o);
	if (buddy < pfn || buddy >= w->ze)
		return;
	/* above pageblock_order, a non-mergeable type keeps buddies apart,
	 * and a pageblock moved whole into or out of ISOLATE or out of
	 * HIGHATOMIC does not merge then (move_freepages_block moves, it
	 * never merges) */
	if (o >= w->mm->pageblock_order &&
	    (ref_merge_blocked(w->mm, o, ref_pageblock_mt(w->mm, pfn),
			       ref_pageblock_mt(w->mm, buddy)) ||
	     w->zone->nr_unmerged_moves))
		return;
	if (w->mark[buddy - w->zs] == m)
		report(w->r, "BUDDY-COALESCE", REF_COST_ON, pfn,
		       "zone %s: free buddies pfn 0x%lx and 0x%lx of order %u are both listed, unmerged",
		       w->zone->name, pfn, buddy, o);
}

/* Listed buddy pairs of one order below the top, in the present part of
 * the span (a head listed in a hole is marked IGNORE, never HEAD). */
static void check_coalesce(struct zone_walk *w)
{
	unsigned int top = w->mm->config.nr_orders - 1, b;

	for_each_bank(w->mm, b) {
		unsigned long s, e;

		bank_in_zone(w, b, &s, &e);
		for (unsigned long pfn = s; pfn < e;) {
			uint64_t v;

			/* Skip 8 marks at once when none is a head: only
			 * NONE (0) and INSIDE (1) have no bit above bit 0. */
			if (e - pfn >= sizeof(v)) {
				memcpy(&v, &w->mark[pfn - w->zs], sizeof(v));
				if (!(v & 0xfefefefefefefefeULL)) {
					pfn += sizeof(v);
					continue;
				}
			}
			check_coalesce_one(w, pfn - w->zs, top);
			pfn++;
		}
	}
}

/*
 * The zone's marks: mm->check_mark, grown to the span. Marks are only ever
 * written at present pfns (a listed head in a hole is reported, not
 * marked), and clear_marks() zeroes those after each zone, so the buffer
 * is all zero between checks and a check pays for present pages, not for
 * the holes of its span. Caller holds mm->check_lock. NULL when out of
 * memory (the walks that need marks are then skipped).
 */
static unsigned char *zone_marks(struct ref_mm *mm, unsigned long span)
{
	if (mm->check_mark_len < span) {
		unsigned char *m = realloc(mm->check_mark, span);

		if (!m)
			return NULL;
		memset(m + mm->check_mark_len, 0, span - mm->check_mark_len);
		mm->check_mark = m;
		mm->check_mark_len = span;
	}
	return mm->check_mark;
}

static void clear_marks(struct zone_walk *w)
{
	unsigned int b;

	for_each_bank(w->mm, b) {
		unsigned long s, e;

		bank_in_zone(w, b, &s, &e);
		if (s < e)
			memset(w->mark + (s - w->zs), 0, e - s);
	}
}

unsigned long ref_check_zone_locked(struct ref_mm *mm, struct ref_zone *zone,
				    enum ref_check_level level,
				    struct ref_report *r)
{
	struct zone_walk w;
	unsigned long before = r->total, walked_alloc = 0, walked_reserved = 0;
	unsigned long type_pages[REF_MIGRATE_TYPES] = { 0 };
	unsigned int o;

	if (level == REF_CHECK_NONE)
		return 0;
	memset(&w, 0, sizeof(w));
	w.mm = mm;
	w.zone = zone;
	w.r = r;
	w.zs = zone->zone_start_pfn;
	w.ze = ref_zone_end_pfn(zone);
	w.nr_alloc = zone->nr_alloc_pages;
	if (level < REF_CHECK_FULL) {
		walk_pcp(&w, 0);
		check_counters(&w);
		check_boost(&w);
		return r->total - before;
	}

	pthread_mutex_lock(&mm->check_lock);
	if (w.ze > w.zs)
		w.mark = zone_marks(mm, w.ze - w.zs);
	for (o = 0; o < mm->config.nr_orders; o++)
		walk_free_area(&w, o, type_pages);
	walk_pcp(&w, 1);
	check_counters(&w);
	check_boost(&w);
	check_type_counters(&w, type_pages);
	check_pageblocks(&w);
	if (w.mark) {
		walk_mem_map(&w, &walked_alloc, &walked_reserved);
		check_coalesce(&w);
		clear_marks(&w);
		if (walked_alloc != w.nr_alloc)
			report(r, "ZONE-CONSERVE", REF_COST_ON, ~0UL,
			       "zone %s: nr_alloc_pages %lu != %lu pages in live allocations",
			       zone->name, w.nr_alloc, walked_alloc);
		if (zone->managed_pages + walked_reserved !=
		    zone->present_pages)
			report(r, "ZONE-CONSERVE", REF_COST_ON, ~0UL,
			       "zone %s: managed %lu != present %lu - reserved %lu",
			       zone->name, zone->managed_pages,
			       zone->present_pages, walked_reserved);
	}
	pthread_mutex_unlock(&mm->check_lock);
	return r->total - before;
}

/* Every zone, each under its lock. */
static void check_zones(struct ref_mm *mm, enum ref_check_level level,
			struct ref_report *r)
{
	struct ref_zone *zone;

	for_each_zone(mm, zone) {
		for (unsigned int c = 0; c < mm->config.nr_cpus; c++)
			ref_pcp_lock(&zone->pageset[c]);
		pthread_mutex_lock(&zone->lock);
		ref_check_zone_locked(mm, zone, level, r);
		pthread_mutex_unlock(&zone->lock);
		for (unsigned int c = 0; c < mm->config.nr_cpus; c++)
			ref_pcp_unlock(&zone->pageset[c]);
	}
}

unsigned long ref_check(struct ref_mm *mm, enum ref_check_level level,
			struct ref_report *report_out)
{
	unsigned long before;

	if (!mm || !report_out || level == REF_CHECK_NONE)
		return 0;
	before = report_out->total;
	/* a kswapd thread's pass frees pages: none runs during the walk */
	ref_kswapd_pause(mm);
	check_zones(mm, level, report_out);
	/* then each component above the buddy (internal.h), in its order */
	for (size_t i = 0; i < ref_nr_components; i++)
		ref_components[i]->check(mm, level, report_out);
	ref_kswapd_resume(mm);
	return report_out->total - before;
}
