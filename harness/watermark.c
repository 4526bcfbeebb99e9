// SPDX-License-Identifier: MIT
/*
 * watermark.c - the harness's own derivation of the kernel's watermarks,
 * lowmem reserves and watermark check (mmtorture/machine.h), from the
 * machine line alone: the shadow predicts by it which allocations the
 * kernel of the machine's era grants (docs/watermarks.md).
 *
 * Independence: no ref/ header; the reference has its own copy of these
 * rules (ref/watermark.c, ref/page_alloc.c) and tests hold the two
 * against each other.
 *
 * Boot (init_per_zone_wmark_min of each era):
 *   size           a zone's managed pages (6.12) or present pages (2.6.18)
 *   min_free_kbytes  the machine's value, else the integer square root of
 *                  16 x the KiB of the lowmem zones (all but HighMem),
 *                  clamped to 128..262144 (6.12) or 128..65536 (2.6.18)
 *   share          min_free_kbytes in pages x size / lowmem size
 *   min            share; HighMem: size / 1024 clamped to 32..128
 *   low, high      2.6.18: min + share / 4, min + share / 2 (promo = high)
 *                  6.12: step = max(share / 4, size x scale / 10000),
 *                  low = min + step, high = low + step, promo = high + step
 *   lowmem_reserve zone i, for a request whose highest zone is j > i:
 *                  the sizes of zones i+1..j over ratio[i] (DMA 256,
 *                  DMA32 256, Normal 32); 6.12 keeps nothing in an empty
 *                  zone or one with no ratio, 2.6.18 uses a ratio of 1
 *   zones          6.12 has the profile's three; 2.6.18 all four (empty
 *                  ones included)
 *
 * Check (zone_watermark_ok):
 *   2.6.18  free - 2^order + 1 must stay above min + reserve, min halved
 *           by ALLOC_HIGH and cut by a quarter by ALLOC_HARDER; then, for
 *           each order o below the request, the pages in free blocks of
 *           order o + 1 or more, less 2^order - 1, above min >> (o + 1)
 *   6.12    free - (2^order - 1) above min + reserve, min halved by
 *           MIN_RESERVE and then cut by a quarter by NON_BLOCK, halved by
 *           OOM; an order above 0 needs one free block of its order
 *
 * No state; pure functions.
 */
#include <string.h>

#include <mmtorture/machine.h>

#define SWAP_CLUSTER_MAX 32u
#define SCALE_DEFAULT 10u

/* floor(sqrt(x)) by Newton's iteration from above. */
static uint64_t isqrt(uint64_t x)
{
	uint64_t r = x, y;

	if (x < 2)
		return x;
	y = (r + 1) / 2;
	while (y < r) {
		r = y;
		y = (r + x / r) / 2;
	}
	return r;
}

static uint64_t overlap(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	uint64_t lo = a > c ? a : c, hi = b < d ? b : d;

	return hi > lo ? hi - lo : 0;
}

/* Present and reserved pages of zone span [lo, hi) of arena a. */
static void zone_pages(const struct mmt_arena *a, uint64_t lo, uint64_t hi,
		       uint64_t *present, uint64_t *reserved)
{
	*present = 0;
	*reserved = 0;
	for (uint32_t i = 0; i < a->nr_present && i < MMT_MAX_RANGES; i++) {
		const struct mmt_pfn_range *p = &a->present[i];
		uint64_t ps = p->start_pfn, pe = ps + p->nr_pages;

		*present += overlap(ps, pe, lo, hi);
		/* a pfn reserved twice counts once: walk it page by page
		 * only where two reserved ranges overlap (rare) */
		for (uint32_t k = 0; k < a->nr_reserved && k < MMT_MAX_RANGES;
		     k++) {
			const struct mmt_pfn_range *r = &a->reserved[k];
			uint64_t rs = r->start_pfn, re = rs + r->nr_pages;
			uint64_t s = rs > ps ? rs : ps, e = re < pe ? re : pe;

			if (s < lo)
				s = lo;
			if (e > hi)
				e = hi;
			for (uint64_t q = s; q < e;) {
				uint64_t stop = e;
				int dup = 0;

				for (uint32_t j = 0; j < k; j++) {
					uint64_t js = a->reserved[j].start_pfn;
					uint64_t je =
						js + a->reserved[j].nr_pages;

					if (q >= js && q < je) {
						dup = 1;
						stop = je < e ? je : e;
						break;
					}
					if (js > q && js < stop)
						stop = js;
				}
				if (!dup)
					*reserved += stop - q;
				q = stop;
			}
		}
	}
}

static uint64_t zone_size(const struct mmt_wmarks *w, unsigned int t)
{
	return w->era == MMT_ERA_2_6 ? w->zone[t].present : w->zone[t].managed;
}

static void setup_marks(const struct mmt_machine *m, struct mmt_wmarks *w)
{
	uint64_t lowmem = 0, pages_min, kib;
	uint64_t scale = m->watermark_scale_factor ? m->watermark_scale_factor :
						     SCALE_DEFAULT;

	for (unsigned int t = 0; t < MMT_NR_ZONE_TYPES; t++)
		if (t != MMT_ZONE_HIGHMEM)
			lowmem += zone_size(w, t);
	/* at boot no zone has a high watermark yet: every lowmem page
	 * counts (nr_free_buffer_pages) */
	kib = lowmem << (m->page_shift - 10);
	if (m->min_free_kbytes) {
		w->min_free_kbytes = m->min_free_kbytes;
	} else {
		uint64_t v = isqrt(kib * 16);
		uint64_t cap = w->era == MMT_ERA_2_6 ? 65536 : 262144;

		w->min_free_kbytes = v < 128 ? 128 : v > cap ? cap : v;
	}
	pages_min = w->min_free_kbytes >> (m->page_shift - 10);
	for (unsigned int t = 0; t < MMT_NR_ZONE_TYPES; t++) {
		struct mmt_zone_wmarks *z = &w->zone[t];
		uint64_t size = zone_size(w, t);
		uint64_t share = lowmem ? pages_min * size / lowmem : 0;

		if (!z->exists)
			continue;
		if (t == MMT_ZONE_HIGHMEM) {
			uint64_t v = size / 1024;

			z->mark[MMT_WMARK_MIN] = v < SWAP_CLUSTER_MAX ?
							 SWAP_CLUSTER_MAX :
						 v > 128 ? 128 :
							   v;
		} else {
			z->mark[MMT_WMARK_MIN] = share;
		}
		if (w->era == MMT_ERA_2_6) {
			z->mark[MMT_WMARK_LOW] =
				z->mark[MMT_WMARK_MIN] + share / 4;
			z->mark[MMT_WMARK_HIGH] =
				z->mark[MMT_WMARK_MIN] + share / 2;
			z->mark[MMT_WMARK_PROMO] = z->mark[MMT_WMARK_HIGH];
		} else {
			uint64_t scaled = size * scale / 10000;
			uint64_t step = share / 4 > scaled ? share / 4 : scaled;

			z->mark[MMT_WMARK_LOW] = z->mark[MMT_WMARK_MIN] + step;
			z->mark[MMT_WMARK_HIGH] = z->mark[MMT_WMARK_LOW] + step;
			z->mark[MMT_WMARK_PROMO] =
				z->mark[MMT_WMARK_HIGH] + step;
		}
	}
}

static void setup_reserve(struct mmt_wmarks *w)
{
	static const uint64_t ratio[MMT_NR_ZONE_TYPES] = {
		[MMT_ZONE_DMA] = 256,
		[MMT_ZONE_DMA32] = 256,
		[MMT_ZONE_NORMAL] = 32,
		[MMT_ZONE_HIGHMEM] = 0,
	};

	for (unsigned int i = 0; i < MMT_NR_ZONE_TYPES; i++) {
		struct mmt_zone_wmarks *z = &w->zone[i];
		uint64_t sum = 0;
		int none = w->era != MMT_ERA_2_6 &&
			   (!ratio[i] || !zone_size(w, i));

		for (unsigned int j = i + 1; j < MMT_NR_ZONE_TYPES; j++) {
			sum += zone_size(w, j);
			if (!none)
				z->lowmem_reserve[j] =
					sum / (ratio[i] ? ratio[i] : 1);
		}
	}
}

void mmt_machine_wmarks(const struct mmt_machine *m, struct mmt_wmarks *w)
{
	struct mmt_arena a;

	memset(w, 0, sizeof(*w));
	w->era = m->era;
	w->nr_orders = m->nr_orders;
	w->pageblock_order = m->nr_orders ? m->nr_orders - 1 : 0;
	if (m->era != MMT_ERA_2_6) {
		uint32_t thp = m->profile == MMT_PROFILE_X86_32 ? 10 : 9;

		if (thp < w->pageblock_order)
			w->pageblock_order = thp;
	}
	mmt_arena_from_machine(m, NULL, &a);
	for (uint32_t i = 0; i < a.nr_zones && i < MMT_NR_ZONE_TYPES; i++) {
		const struct mmt_arena_zone *az = &a.zones[i];
		struct mmt_zone_wmarks *z;
		uint64_t present = 0, reserved = 0;

		if (az->type >= MMT_NR_ZONE_TYPES)
			continue;
		z = &w->zone[az->type];
		z->exists = 1;
		if (az->present)
			zone_pages(&a, az->start_pfn, az->end_pfn, &present,
				   &reserved);
		z->present = present;
		z->managed =
			present - (reserved < present ? reserved : present);
	}
	if (w->era == MMT_ERA_2_6)
		for (unsigned int t = 0; t < MMT_NR_ZONE_TYPES; t++)
			w->zone[t].exists = 1;
	setup_marks(m, w);
	setup_reserve(w);
}

unsigned int mmt_wmark_alloc_flags(uint32_t era, uint32_t gfp, uint32_t order)
{
	unsigned int f = MMT_ALLOC_WMARK_MIN;
	int can_reclaim = (gfp & MMT_GFP_DIRECT_RECLAIM) != 0;

	if (era == MMT_ERA_2_6) {
		/* 2.6.18: cannot wait -> ALLOC_HARDER, __GFP_HIGH ->
		 * ALLOC_HIGH, independently */
		if (!can_reclaim)
			f |= MMT_ALLOC_NON_BLOCK;
		if (gfp & MMT_GFP_HIGH)
			f |= MMT_ALLOC_MIN_RESERVE;
		return f;
	}
	if (gfp & MMT_GFP_HIGH)
		f |= MMT_ALLOC_MIN_RESERVE;
	if (!can_reclaim && !(gfp & MMT_GFP_NOMEMALLOC)) {
		f |= MMT_ALLOC_NON_BLOCK;
		if (order && (f & MMT_ALLOC_MIN_RESERVE))
			f |= MMT_ALLOC_HIGHATOMIC;
	}
	return f;
}

int mmt_wmark_classzone(uint32_t era, const struct mmt_arena *a, uint32_t gfp)
{
	unsigned int allowed = mmt_arena_allowed_zones(a, gfp);

	for (int t = MMT_NR_ZONE_TYPES - 1; t >= 0; t--) {
		if (!(allowed & (1u << t)))
			continue;
		if (era != MMT_ERA_2_6)
			return t;
		for (uint32_t i = 0; i < a->nr_zones && i < MMT_NR_ZONE_TYPES;
		     i++)
			if ((int)a->zones[i].type == t && a->zones[i].present)
				return t;
	}
	return -1;
}

int64_t mmt_wmark_allowed(uint32_t era, uint64_t mark, unsigned int flags)
{
	int64_t min = (int64_t)mark;

	if (era == MMT_ERA_2_6) {
		if (flags & MMT_ALLOC_MIN_RESERVE)
			min -= min / 2;
		if (flags & MMT_ALLOC_NON_BLOCK)
			min -= min / 4;
		return min;
	}
	if (flags & MMT_ALLOC_MIN_RESERVE) {
		min -= min / 2;
		if (flags & MMT_ALLOC_NON_BLOCK)
			min -= min / 4;
	}
	if (flags & MMT_ALLOC_OOM)
		min -= min / 2;
	return min;
}

int mmt_wmark_ok(const struct mmt_wmarks *w, int zone, uint32_t order,
		 uint64_t mark, int classzone, unsigned int flags,
		 int64_t free_pages, mmt_free_from_order_fn from_order,
		 void *ctx)
{
	int64_t min = mmt_wmark_allowed(w->era, mark, flags), reserve, left;

	if (zone < 0 || zone >= MMT_NR_ZONE_TYPES || classzone < 0 ||
	    classzone >= MMT_NR_ZONE_TYPES || order >= 63)
		return 0;
	reserve = (int64_t)w->zone[zone].lowmem_reserve[classzone];
	left = free_pages - (int64_t)((1ULL << order) - 1);
	if (left <= min + reserve)
		return 0;
	if (w->era == MMT_ERA_2_6) {
		for (uint32_t o = 0; o < order; o++) {
			/* what is left once the free blocks of orders 0..o
			 * are taken out */
			int64_t above = (int64_t)from_order(ctx, o + 1) -
					(int64_t)((1ULL << order) - 1);

			min >>= 1;
			if (above <= min)
				return 0;
		}
		return 1;
	}
	return !order || from_order(ctx, order) > 0;
}
