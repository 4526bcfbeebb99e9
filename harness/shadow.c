/* SPDX-License-Identifier: MIT */
/*
 * shadow.c - the shadow model: an independent oracle for PAGES allocators.
 *
 * Written without ref/: it knows the arena (base, page size, orders,
 * zones, present and reserved ranges), the adapter's capability bits and
 * the op results. It models what any correct buddy allocator must do, so
 * a wrong answer from the allocator shows up as a violation here even when
 * the allocator's own checker is fooled.
 *
 * State: slots[256] (the live table: pfn, order, zone, gfp, fill seed)
 * and an ownership map pfn -> owner: 0 free, slot + 1 for a page of a
 * live slot's block, OWNER_CACHE | id for a page of a shrinker cache of
 * the harness's, OWNER_LAYER | id for a page a layer of the allocator
 * took for itself (a pool's block, a slab), as the adapter's
 * MMT_EV_PAGES_TAKEN / _RETURNED events say (page ownership by owner). The map is one
 * calloc'd uint16_t array per present range (ranges sorted and merged
 * first), so a sparse layout (32M at 0 and 32M at 4G) costs only its
 * present pages; calloc of large arrays is lazily zeroed memory.
 *
 * Checks after an allocation: SHADOW-RANGE, SHADOW-ALIGN, SHADOW-ZONE
 * (only MMT_CAP_ZONES), SHADOW-OVERLAP (a live slot's page or a page a
 * layer holds), SHADOW-ZERO, the capacity oracle and TRACE-ALLOC (only
 * MMT_CAP_TRACE). At free: SHADOW-FILL, TRACE-FREE. On a PAGES_TAKEN or
 * PAGES_RETURNED event (MMT_CAP_TRACE): SHADOW-OWNER when the record is
 * wrong (pages outside present, unreserved RAM; taken while a slot or a
 * layer holds them; returned by a layer that does not hold them). The
 * page events of such a take or return are not counted as the op's own.
 *
 * Fill: a block gets 16-byte cookies at the start and at the end of some
 * of its pages: every page for blocks of up to 8 pages, else the first,
 * the last and 8 evenly spaced ones (page (k * (n - 1)) / 9, k = 1..8).
 * Cookie bytes are a splitmix64 function of (seed, slot, op index, page,
 * start/end), so a block that is handed out twice, or written by the
 * allocator while live, is seen at free. Zero checks read every byte of
 * blocks up to 16 pages and the cookie positions of every page beyond.
 *
 * Capacity oracle:
 *   must fail    order >= nr_orders; with ZONES: a forbidden zone
 *                combination, or no populated zone the mask allows.
 *   strict only  (MMT_CAP_POLICY_BUDDY, full coalescing, no watermarks):
 *                for an order the allocator serves (below the
 *                pages->nr_orders it declares, when it declares one),
 *                a failure while some aligned 2^order range lies wholly
 *                inside one allowed zone, present, unreserved and unowned
 *                is ORACLE-MUST-SUCCEED; a success when no such range
 *                exists is ORACLE-MUST-FAIL. The scan runs only on a
 *                failure, or on a success that already broke another
 *                check (a correct block proves a range existed).
 *   The scan skips whole owned blocks and reserved ranges, so its cost is
 *   about the number of live blocks plus candidates in the allowed zones.
 *
 * Reclaim (docs/reclaim.md): the pages layer's shrinker caches hold
 * their blocks as OWNER_CACHE | id (mmt_shadow_cache_alloc, judged as an
 * allocation is); a free from a shrinker callback releases them at once,
 * so an allocation that reclaimed is judged on the state after its own
 * reclaim's frees (the state its last try saw), except that background
 * reclaim's frees inside an allocation (after it decided) wait for
 * mmt_shadow_cache_flush() after its checks. Each such free must come
 * with its mm_page_free (TRACE-FREE), which is taken off the op's events.
 * Such a pass also takes zones' watermark boosts back (MMT_EV_ZONE_BOOST
 * after the op's mm_page_alloc): a failure is judged on the boosts its
 * allocation decided with.
 *
 * Fault injection (MMT_CAP_FAULT_INJECT, docs/fault-injection.md): the
 * machine's fail_* knobs drive the harness's own fault model
 * (harness/fault.c), asked once per allocation op (and once per capacity
 * probe call, by the pages layer), in the order the allocator asks its
 * own. A failure the model predicts is not must-succeed; a success it
 * predicts a failure for is ORACLE-FAULT.
 *
 * Not thread safe; one shadow per executor run. Nothing global.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmt_internal.h"
#include "mmt_lib.h"
#include "shadow.h"

#define COOKIE_BYTES 16u
#define MAX_TRACE 8u
#define OWNER_LAYER 0x1000u /* | enum mmt_page_owner: a layer holds it */
#define OWNER_CACHE 0x2000u /* | cache id: a harness shrinker cache */
#define MAX_EXEMPT 8u

struct shadow_range {
	uint64_t start, end; /* pfns, end exclusive */
	uint16_t *owner; /* end - start entries: slot + 1, or 0 */
	uint64_t *probe; /* a bit per page: the capacity probe holds it */
};

struct shadow_ev {
	uint32_t type;
	uint32_t order;
	uint64_t pfn;
};

struct shadow_filled {
	uint64_t pfn;
	uint32_t order;
};

struct shadow_cfree {
	uint64_t pfn;
	uint32_t order;
	uint32_t cache;
};

struct mmt_shadow {
	/* owner arrays of every range, one buffer (kept when parked) */
	uint16_t *owner_buf;
	size_t owner_cap; /* entries */
	/* the capacity probe's bitmaps of every range, one buffer (kept when
	 * parked; made at the first probe block of a run) */
	uint64_t *probe_buf;
	size_t probe_cap; /* words */
	uint64_t probe_pages; /* pages the probe holds */
	/* every block cookies were written into this run, for
	 * mmt_shadow_clear_fills() (buffer kept when parked) */
	struct shadow_filled *filled;
	size_t nr_filled, filled_cap;
	int filled_lost; /* a record could not be kept (out of memory) */
	struct mmt_arena a;
	uint32_t caps;
	int strict;
	uint32_t served_orders; /* strict oracle: orders below this only */
	uint64_t seed;
	unsigned int nr_ranges;
	struct shadow_range ranges[MMT_MAX_RANGES];
	struct mmt_shadow_block slots[MMT_NR_SLOTS];
	uint8_t fill_ok[MMT_NR_SLOTS]; /* cookies were written */
	size_t nr_live;
	uint64_t live_pages;
	unsigned int nr_ev, ev_lost;
	struct shadow_ev ev[MAX_TRACE];
	/* page events still to come of takes and returns already seen */
	unsigned int nr_exempt;
	struct shadow_ev exempt[MAX_EXEMPT];
	uint64_t layer_pages; /* pages layers hold */
	uint64_t layer_blocks; /* blocks layers hold */
	/* watermarks (MMT_CAP_WATERMARKS and mmt_shadow_set_wmarks) */
	int wm_on;
	struct mmt_wmarks wm;
	/* pages held in each zone (slots, layers, the probe), by type */
	uint64_t zone_used[MMT_NR_ZONE_TYPES];
	uint64_t layer_events; /* PAGES_TAKEN / _RETURNED events seen */
	/* the harness's shrinker caches: pages and blocks they hold, and
	 * the frees deferred to the end of the allocation in flight
	 * (buffer kept when parked) */
	uint64_t cache_pages, cache_blocks;
	struct shadow_cfree *deferred;
	size_t nr_deferred, deferred_cap;
	/* fault injection (MMT_CAP_FAULT_INJECT, mmt_shadow_set_fault): the
	 * model, and the verdict mmt_shadow_fault_next gave the op at hand */
	struct mmt_fault fault;
	int fault_asked, fault_verdict;
	/*
	 * Mobility grouping (MMT_EV_PAGEBLOCK_TYPE and _ZONE_BOOST, read
	 * only with watermarks on): each pageblock's migrate type (the map
	 * is made at the first event; every block is MOVABLE before), how
	 * many are HIGHATOMIC, each zone's boost now, its lowest since the
	 * op at hand began and what it was when the allocation in flight
	 * decided (its mm_page_alloc: a kswapd pass after the result takes
	 * boosts back, docs/reclaim.md), and the zones where a HIGHATOMIC
	 * block went back to another type (a reserve given back leaves its
	 * free pages unmerged with their neighbours: above pageblock_order
	 * such a zone is no longer fully coalesced)
	 */
	uint8_t *pb_mt;
	size_t pb_cap, nr_pb;
	uint64_t nr_ha;
	uint64_t boost[MMT_NR_ZONE_TYPES], boost_low[MMT_NR_ZONE_TYPES];
	uint64_t boost_dec[MMT_NR_ZONE_TYPES];
	int decided; /* the op's mm_page_alloc came (boost_dec is set) */
	int unmerged[MMT_NR_ZONE_TYPES];
	uint64_t pb_events;
	/* where PAGES_TAKEN/RETURNED findings go (mmt_shadow_bind_report) */
	struct mmt_report *rep;
	const size_t *rep_op;
};

/* ------------------------------------------------------------ gfp zones */

uint32_t mmt_shadow_effective_gfp(unsigned int kind, uint32_t gfp)
{
	switch (kind) {
	case MMT_OP_GET_FREE_PAGES:
	case MMT_OP_GET_FREE_PAGE:
		return gfp & ~MMT_GFP_HIGHMEM;
	case MMT_OP_GET_ZEROED_PAGE:
		return (gfp & ~MMT_GFP_HIGHMEM) | MMT_GFP_ZERO;
	default:
		return gfp;
	}
}

/* The populated zone holding pfn, or -1. */
/* The zone whose span holds pfn (a hole inside a span included), or -1:
 * a block is judged against spans; holes are SHADOW-RANGE's. */
static int zone_of(const struct mmt_shadow *s, uint64_t pfn)
{
	for (uint32_t i = 0; i < s->a.nr_zones; i++) {
		const struct mmt_arena_zone *z = &s->a.zones[i];

		if (z->present && pfn >= z->start_pfn && pfn < z->end_pfn)
			return (int)z->type;
	}
	return -1;
}

/* ------------------------------------------------------------ ownership */

static struct shadow_range *range_of(const struct mmt_shadow *s, uint64_t pfn)
{
	for (unsigned int i = 0; i < s->nr_ranges; i++)
		if (pfn >= s->ranges[i].start && pfn < s->ranges[i].end)
			return (struct shadow_range *)&s->ranges[i];
	return NULL;
}

/*
 * The part of [pfn, end) inside range r as owner indices [*lo, *hi) of
 * r->owner; 0 when they do not meet. Block walks go range by range (the
 * ranges are sorted and disjoint), not page by page through range_of().
 */
static int range_slice(const struct shadow_range *r, uint64_t pfn, uint64_t end,
		       uint64_t *lo, uint64_t *hi)
{
	uint64_t a = pfn > r->start ? pfn : r->start;
	uint64_t b = end < r->end ? end : r->end;

	if (a >= b)
		return 0;
	*lo = a - r->start;
	*hi = b - r->start;
	return 1;
}

/* Owner entries of [pfn, pfn + n) that are from become to. */
/* An owner value in each of the four entries of a 64-bit word. */
#define OWNER_WORD 0x0001000100010001ULL

static uint64_t relabel(struct mmt_shadow *s, uint64_t pfn, uint64_t n,
			unsigned int from, unsigned int to)
{
	uint64_t changed = 0;

	for (unsigned int i = 0; i < s->nr_ranges; i++) {
		struct shadow_range *pr = &s->ranges[i];
		uint64_t lo, hi;

		if (!range_slice(pr, pfn, pfn + n, &lo, &hi))
			continue;
		/* four entries a word where all four are from (the usual
		 * case: a block is all one owner's) */
		for (uint64_t k = lo; k < hi;) {
			uint64_t w;

			if (!(k & 3) && k + 4 <= hi) {
				memcpy(&w, &pr->owner[k], sizeof(w));
				if (w == from * OWNER_WORD) {
					w = to * OWNER_WORD;
					memcpy(&pr->owner[k], &w, sizeof(w));
					k += 4;
					changed += 4;
					continue;
				}
			}
			if (pr->owner[k] == from) {
				pr->owner[k] = (uint16_t)to;
				changed++;
			}
			k++;
		}
	}
	return changed;
}

/* n more (on) or fewer pages held in the zone of pfn. */
static void zone_account(struct mmt_shadow *s, uint64_t pfn, uint64_t n, int on)
{
	int z = zone_of(s, pfn);

	if (z < 0)
		return;
	if (on)
		s->zone_used[z] += n;
	else
		s->zone_used[z] -= n < s->zone_used[z] ? n : s->zone_used[z];
}

/*
 * The capacity probe's bitmaps: a bit per page of each range, worked a
 * word at a time (a probe holds up to the whole arena, and an owner entry
 * per page made it cost a fuzz input more than its ops).
 */
static uint64_t bits_mask(uint64_t lo,
			  uint64_t hi) /* bits lo..hi-1 of a word */
{
	uint64_t m = hi >= 64 ? ~0ULL : (1ULL << hi) - 1;

	return m & ~((1ULL << lo) - 1);
}

/* The first bit set in bits [lo, hi) of w, or hi. */
static uint64_t bits_first(const uint64_t *w, uint64_t lo, uint64_t hi)
{
	while (lo < hi) {
		uint64_t i = lo >> 6, b = lo & 63;
		uint64_t e = (i + 1) * 64 < hi ? 64 : hi - i * 64;
		uint64_t x = w[i] & bits_mask(b, e);

		if (x)
			return i * 64 + (uint64_t)__builtin_ctzll(x);
		lo = (i + 1) * 64;
	}
	return hi;
}

static void bits_set(uint64_t *w, uint64_t lo, uint64_t hi, int on)
{
	while (lo < hi) {
		uint64_t i = lo >> 6, b = lo & 63;
		uint64_t e = (i + 1) * 64 < hi ? 64 : hi - i * 64;
		uint64_t m = bits_mask(b, e);

		w[i] = on ? w[i] | m : w[i] & ~m;
		lo = (i + 1) * 64;
	}
}

/* The first probe-held pfn of [pfn, pfn + n), or -1. */
static int64_t probe_held(const struct mmt_shadow *s, uint64_t pfn, uint64_t n)
{
	if (!s->probe_pages)
		return -1;
	for (unsigned int i = 0; i < s->nr_ranges; i++) {
		const struct shadow_range *pr = &s->ranges[i];
		uint64_t lo, hi, f;

		if (!pr->probe || !range_slice(pr, pfn, pfn + n, &lo, &hi))
			continue;
		f = bits_first(pr->probe, lo, hi);
		if (f < hi)
			return (int64_t)(pr->start + f);
	}
	return -1;
}

/* One past the run of probe-held pages that starts at held pfn. */
static uint64_t probe_run_end(const struct mmt_shadow *s, uint64_t pfn)
{
	const struct shadow_range *pr = range_of(s, pfn);
	uint64_t i;

	if (!pr || !pr->probe)
		return pfn + 1;
	for (i = pfn - pr->start; i < pr->end - pr->start; i++) {
		uint64_t w = pr->probe[i >> 6] >> (i & 63);

		if (!(i & 63) && w == ~0ULL) {
			i += 63;
			continue;
		}
		if (!(w & 1))
			break;
	}
	return pr->start + i;
}

static void probe_mark(struct mmt_shadow *s, uint64_t pfn, uint64_t n, int on)
{
	for (unsigned int i = 0; i < s->nr_ranges; i++) {
		struct shadow_range *pr = &s->ranges[i];
		uint64_t lo, hi;

		if (pr->probe && range_slice(pr, pfn, pfn + n, &lo, &hi)) {
			bits_set(pr->probe, lo, hi, on);
			if (on)
				s->probe_pages += hi - lo;
			else
				s->probe_pages -= hi - lo;
			zone_account(s, pr->start + lo, hi - lo, on);
		}
	}
}

/* Give every range its bitmap, all clear; -1 out of memory. */
static int probe_ready(struct mmt_shadow *s)
{
	size_t words = 0, off = 0;

	for (unsigned int i = 0; i < s->nr_ranges; i++)
		words += (size_t)(s->ranges[i].end - s->ranges[i].start + 63) /
			 64;
	if (words > s->probe_cap) {
		free(s->probe_buf);
		s->probe_cap = 0;
		s->probe_buf = calloc(words, sizeof(uint64_t));
		if (!s->probe_buf)
			return -1;
		s->probe_cap = words;
	} else if (words) {
		memset(s->probe_buf, 0, words * sizeof(uint64_t));
	}
	for (unsigned int i = 0; i < s->nr_ranges; i++) {
		s->ranges[i].probe = s->probe_buf + off;
		off += (size_t)(s->ranges[i].end - s->ranges[i].start + 63) /
		       64;
	}
	s->probe_pages = 0;
	return 0;
}

static int cmp_range(const void *x, const void *y)
{
	const struct mmt_pfn_range *a = x, *b = y;

	return a->start_pfn < b->start_pfn ? -1 : a->start_pfn > b->start_pfn;
}

/*
 * One destroyed shadow is parked for the next create, owner buffer and
 * all: a fuzzer builds a shadow per input, and fresh memory for each (the
 * sanitizers' quarantine makes every allocation fresh) costs page faults
 * that dominate short inputs. Guarded by spare_lock; freed at exit.
 */
static pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;
#define SPARE_MAX 2 /* a differential run has two sides */
static struct mmt_shadow *spare[SPARE_MAX];
static int spare_registered;

static void spare_free(void)
{
	pthread_mutex_lock(&spare_lock);
	for (unsigned int i = 0; i < SPARE_MAX; i++) {
		if (spare[i]) {
			free(spare[i]->owner_buf);
			free(spare[i]->probe_buf);
			free(spare[i]->filled);
			free(spare[i]->deferred);
			free(spare[i]->pb_mt);
			free(spare[i]);
			spare[i] = NULL;
		}
	}
	pthread_mutex_unlock(&spare_lock);
}

static struct mmt_shadow *shadow_get(void)
{
	struct mmt_shadow *s;
	uint16_t *buf = NULL;
	uint64_t *pbuf;
	struct shadow_filled *filled = NULL;
	struct shadow_cfree *deferred;
	size_t cap = 0, fcap = 0, pcap, dcap, bcap;
	uint8_t *pb;

	s = NULL;
	pthread_mutex_lock(&spare_lock);
	for (unsigned int i = 0; i < SPARE_MAX && !s; i++) {
		s = spare[i];
		spare[i] = NULL;
	}
	pthread_mutex_unlock(&spare_lock);
	if (!s)
		return calloc(1, sizeof(*s));
	buf = s->owner_buf;
	cap = s->owner_cap;
	pbuf = s->probe_buf;
	pcap = s->probe_cap;
	filled = s->filled;
	fcap = s->filled_cap;
	deferred = s->deferred;
	dcap = s->deferred_cap;
	pb = s->pb_mt;
	bcap = s->pb_cap;
	memset(s, 0, sizeof(*s));
	s->deferred = deferred;
	s->deferred_cap = dcap;
	s->pb_mt = pb;
	s->pb_cap = bcap;
	s->owner_buf = buf;
	s->owner_cap = cap;
	s->probe_buf = pbuf;
	s->probe_cap = pcap;
	s->filled = filled;
	s->filled_cap = fcap;
	return s;
}

struct mmt_shadow *mmt_shadow_create(const struct mmt_arena *a, uint32_t caps,
				     int strict, uint64_t seed)
{
	struct mmt_shadow *s = shadow_get();
	struct mmt_pfn_range pr[MMT_MAX_RANGES];
	uint32_t np;
	size_t total = 0, off = 0;

	if (!s)
		return NULL;
	s->a = *a;
	if (s->a.nr_zones > MMT_NR_ZONE_TYPES)
		s->a.nr_zones = MMT_NR_ZONE_TYPES;
	if (s->a.nr_present > MMT_MAX_RANGES)
		s->a.nr_present = MMT_MAX_RANGES;
	if (s->a.nr_reserved > MMT_MAX_RANGES)
		s->a.nr_reserved = MMT_MAX_RANGES;
	if (s->a.page_size == 0)
		s->a.page_size = 4096;
	s->caps = caps;
	s->strict = strict;
	s->served_orders = s->a.nr_orders;
	s->seed = mmt_mix64(seed);
	np = s->a.nr_present;
	memcpy(pr, s->a.present, sizeof(pr[0]) * np);
	qsort(pr, np, sizeof(pr[0]), cmp_range);
	/* Merge touching or overlapping ranges; clip to the arena. */
	for (uint32_t i = 0; i < np; i++) {
		uint64_t st = pr[i].start_pfn, en = st + pr[i].nr_pages;
		struct shadow_range *last =
			s->nr_ranges ? &s->ranges[s->nr_ranges - 1] : NULL;

		if (en > s->a.nr_pfns)
			en = s->a.nr_pfns;
		if (st >= en)
			continue;
		if (last && st <= last->end) {
			if (en > last->end)
				last->end = en;
			continue;
		}
		s->ranges[s->nr_ranges].start = st;
		s->ranges[s->nr_ranges].end = en;
		s->nr_ranges++;
	}
	for (unsigned int i = 0; i < s->nr_ranges; i++)
		total += (size_t)(s->ranges[i].end - s->ranges[i].start);
	if (total > s->owner_cap) {
		free(s->owner_buf);
		s->owner_cap = 0;
		s->owner_buf = calloc(total ? total : 1, sizeof(uint16_t));
		if (!s->owner_buf) {
			free(s);
			return NULL;
		}
		s->owner_cap = total;
	} else if (total) {
		memset(s->owner_buf, 0, total * sizeof(uint16_t));
	}
	for (unsigned int i = 0; i < s->nr_ranges; i++) {
		s->ranges[i].owner = s->owner_buf + off;
		off += (size_t)(s->ranges[i].end - s->ranges[i].start);
	}
	if (probe_ready(s)) {
		free(s->owner_buf);
		free(s->filled);
		free(s);
		return NULL;
	}
	return s;
}

void mmt_shadow_destroy(struct mmt_shadow *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&spare_lock);
	if (!spare_registered) {
		spare_registered = 1;
		atexit(spare_free);
	}
	for (unsigned int i = 0; i < SPARE_MAX && s; i++) {
		if (!spare[i]) {
			spare[i] = s;
			s = NULL;
		}
	}
	pthread_mutex_unlock(&spare_lock);
	if (s) {
		free(s->owner_buf);
		free(s->probe_buf);
		free(s->filled);
		free(s->deferred);
		free(s->pb_mt);
		free(s);
	}
}

const struct mmt_shadow_block *mmt_shadow_slot(const struct mmt_shadow *s,
					       unsigned int slot)
{
	return slot < MMT_NR_SLOTS ? &s->slots[slot] : NULL;
}

size_t mmt_shadow_live_blocks(const struct mmt_shadow *s)
{
	return s->nr_live;
}

uint64_t mmt_shadow_live_pages(const struct mmt_shadow *s)
{
	return s->live_pages;
}

/* ------------------------------------------------------------ scan */

/* First reserved range intersecting [pfn, end), or NULL. */
/* ------------------------------------------------------------ pageblocks */

#define MT_MOVABLE 1u
#define MT_HIGHATOMIC 3u
#define MT_ISOLATE 4u

static uint32_t pb_order(const struct mmt_shadow *s)
{
	return s->wm.pageblock_order < 63 ? s->wm.pageblock_order : 62;
}

/* The map of pageblock types, made at the first event: 0, or -1. */
static int pb_ready(struct mmt_shadow *s)
{
	size_t n = (size_t)(s->a.nr_pfns >> pb_order(s)) + 1;

	if (s->nr_pb)
		return 0;
	if (n > s->pb_cap) {
		uint8_t *p = realloc(s->pb_mt, n);

		if (!p)
			return -1;
		s->pb_mt = p;
		s->pb_cap = n;
	}
	memset(s->pb_mt, MT_MOVABLE, n);
	s->nr_pb = n;
	return 0;
}

/* The end of the first pageblock of [pfn, pfn + n) whose free pages the
 * request may not take, or 0: excl 1, ISOLATE (no request); 2, ISOLATE
 * and HIGHATOMIC (a request without access to the reserve). */
static uint64_t reserved_block_end(const struct mmt_shadow *s, uint64_t pfn,
				   uint64_t n, int excl)
{
	uint32_t pb = pb_order(s);

	if (!s->nr_ha)
		return 0;
	for (uint64_t i = pfn >> pb; i <= (pfn + n - 1) >> pb; i++) {
		unsigned int mt = i < s->nr_pb ? s->pb_mt[i] : MT_MOVABLE;

		if (mt == MT_ISOLATE || (excl > 1 && mt == MT_HIGHATOMIC))
			return (i + 1) << pb;
	}
	return 0;
}

static const struct mmt_pfn_range *reserved_hit(const struct mmt_shadow *s,
						uint64_t pfn, uint64_t end)
{
	for (uint32_t i = 0; i < s->a.nr_reserved; i++) {
		const struct mmt_pfn_range *r = &s->a.reserved[i];

		if (r->start_pfn < end && pfn < r->start_pfn + r->nr_pages)
			return r;
	}
	return NULL;
}

static uint64_t align_up(uint64_t x, uint64_t n)
{
	return (x + n - 1) & ~(n - 1);
}

/* Search [lo, hi) inside one present range for a free aligned block
 * (excl: reserved_block_end's). */
static int64_t scan_interval(const struct mmt_shadow *s,
			     const struct shadow_range *r, uint64_t lo,
			     uint64_t hi, uint64_t n, int excl)
{
	uint64_t c = align_up(lo, n);

	while (c >= lo && c + n <= hi) {
		const struct mmt_pfn_range *res = reserved_hit(s, c, c + n);
		uint64_t next = 0, rb;
		int64_t ph;

		if (res) {
			next = align_up(res->start_pfn + res->nr_pages, n);
		} else if (excl && (rb = reserved_block_end(s, c, n, excl))) {
			next = align_up(rb, n);
		} else if ((ph = probe_held(s, c, n)) >= 0) {
			next = align_up(probe_run_end(s, (uint64_t)ph), n);
		} else {
			for (uint64_t p = c; p < c + n; p++) {
				unsigned int o = r->owner[p - r->start];
				const struct mmt_shadow_block *b;
				uint64_t bend;

				if (!o)
					continue;
				bend = p + 1;
				if (o <= MMT_NR_SLOTS) {
					b = &s->slots[o - 1];
					bend = b->pfn + (1ULL << b->order);
					if (bend < p + 1)
						bend = p + 1;
				}
				next = align_up(bend, n);
				break;
			}
			if (!next)
				return (int64_t)c;
		}
		if (next <= c)
			next = c + n;
		c = next;
	}
	return -1;
}

static int64_t find_free_x(const struct mmt_shadow *s, uint32_t order,
			   unsigned int allowed, int excl)
{
	uint64_t n;

	if (order >= 63)
		return -1;
	n = 1ULL << order;
	for (unsigned int i = 0; i < s->nr_ranges; i++) {
		const struct shadow_range *r = &s->ranges[i];

		if (s->a.nr_zones == 0) {
			int64_t f =
				scan_interval(s, r, r->start, r->end, n, excl);

			if (f >= 0)
				return f;
			continue;
		}
		for (uint32_t z = 0; z < s->a.nr_zones; z++) {
			const struct mmt_arena_zone *az = &s->a.zones[z];
			uint64_t lo, hi;
			int64_t f;

			if (!az->present || az->type >= MMT_NR_ZONE_TYPES ||
			    !(allowed & (1u << az->type)))
				continue;
			lo = az->start_pfn > r->start ? az->start_pfn :
							r->start;
			hi = az->end_pfn < r->end ? az->end_pfn : r->end;
			if (lo >= hi)
				continue;
			f = scan_interval(s, r, lo, hi, n, excl);
			if (f >= 0)
				return f;
		}
	}
	return -1;
}

int64_t mmt_shadow_find_free(const struct mmt_shadow *s, uint32_t order,
			     unsigned int allowed)
{
	return find_free_x(s, order, allowed, 0);
}

/* A free aligned block a request without the highatomic reserve may
 * take: none above pageblock_order in a zone whose reserve went back
 * (-2: not known there). */
int64_t mmt_shadow_find_usable(const struct mmt_shadow *s, uint32_t order,
			       unsigned int allowed)
{
	for (int t = 0; t < MMT_NR_ZONE_TYPES; t++)
		if ((allowed & (1u << t)) && s->unmerged[t] &&
		    order > pb_order(s))
			return -2;
	return find_free_x(s, order, allowed, 2);
}

/* ------------------------------------------------------------ fill */

static void cookie(const struct mmt_shadow_block *b, uint64_t page, int end,
		   uint8_t out[COOKIE_BYTES])
{
	uint64_t x = mmt_mix64(b->fill ^ (page * 0x100000001b3ULL) ^
			       (end ? 0xe7037ed1a0b428dbULL : 0));
	uint64_t y = mmt_mix64(x);

	memcpy(out, &x, 8);
	memcpy(out + 8, &y, 8);
}

/* The i-th cookie page of an n-page block; *count set to how many. */
static uint64_t cookie_page(uint64_t n, unsigned int i, unsigned int *count)
{
	if (n <= 8) {
		*count = (unsigned int)n;
		return i;
	}
	*count = 10;
	if (i == 0)
		return 0;
	if (i == 9)
		return n - 1;
	return ((uint64_t)i * (n - 1)) / 9;
}

static uint8_t *page_addr(const struct mmt_shadow *s, uint64_t pfn)
{
	return (uint8_t *)s->a.base + pfn * s->a.page_size;
}

/* Remember that b's cookies were written (mmt_shadow_clear_fills()). */
static void fill_record(struct mmt_shadow *s, const struct mmt_shadow_block *b)
{
	if (s->nr_filled == s->filled_cap) {
		size_t cap = s->filled_cap ? 2 * s->filled_cap : 64;
		struct shadow_filled *f = realloc(s->filled, cap * sizeof(*f));

		if (!f) {
			s->filled_lost = 1;
			return;
		}
		s->filled = f;
		s->filled_cap = cap;
	}
	s->filled[s->nr_filled].pfn = b->pfn;
	s->filled[s->nr_filled].order = b->order;
	s->nr_filled++;
}

static void fill_write(struct mmt_shadow *s, const struct mmt_shadow_block *b)
{
	uint64_t n = 1ULL << b->order;
	unsigned int count = 1;
	uint8_t c[COOKIE_BYTES];

	fill_record(s, b);
	for (unsigned int i = 0; i < count; i++) {
		uint64_t pg = cookie_page(n, i, &count);
		uint8_t *p = page_addr(s, b->pfn + pg);

		cookie(b, pg, 0, c);
		memcpy(p, c, COOKIE_BYTES);
		cookie(b, pg, 1, c);
		memcpy(p + s->a.page_size - COOKIE_BYTES, c, COOKIE_BYTES);
	}
}

int mmt_shadow_clear_fills(struct mmt_shadow *s)
{
	for (size_t f = 0; f < s->nr_filled; f++) {
		uint64_t n = 1ULL << s->filled[f].order;
		unsigned int count = 1;

		for (unsigned int i = 0; i < count; i++) {
			uint8_t *p =
				page_addr(s, s->filled[f].pfn +
						     cookie_page(n, i, &count));

			memset(p, 0, COOKIE_BYTES);
			memset(p + s->a.page_size - COOKIE_BYTES, 0,
			       COOKIE_BYTES);
		}
	}
	s->nr_filled = 0;
	return s->filled_lost ? -1 : 0;
}

void mmt_shadow_verify_fill(struct mmt_shadow *s, size_t op_index,
			    unsigned int slot, struct mmt_report *r)
{
	const struct mmt_shadow_block *b;
	uint64_t n;
	unsigned int count = 1;
	uint8_t c[COOKIE_BYTES];

	if (slot >= MMT_NR_SLOTS || !s->slots[slot].live || !s->fill_ok[slot])
		return;
	b = &s->slots[slot];
	n = 1ULL << b->order;
	for (unsigned int i = 0; i < count; i++) {
		uint64_t pg = cookie_page(n, i, &count);
		const uint8_t *p = page_addr(s, b->pfn + pg);

		for (int end = 0; end < 2; end++) {
			const uint8_t *q =
				end ? p + s->a.page_size - COOKIE_BYTES : p;

			cookie(b, pg, end, c);
			if (memcmp(q, c, COOKIE_BYTES) == 0)
				continue;
			mmt_report_add(
				r, op_index, "shadow", "SHADOW-FILL",
				"s%u pfn 0x%llx order %u: fill cookie at "
				"the %s of page %llu of the block was "
				"overwritten while the block was live",
				slot, (unsigned long long)b->pfn, b->order,
				end ? "end" : "start", (unsigned long long)pg);
			return;
		}
	}
}

/*
 * Offset of a non-zero byte in a block asked zeroed, or its size. Blocks
 * of up to ZERO_FULL_PAGES pages are read whole; larger ones (a 4 MiB
 * read per allocation would dominate a fuzzer's time) have the first and
 * last COOKIE_BYTES of every page read: every fill cookie a previous owner
 * can have left lies there, so a block the allocator failed to zero is
 * still seen whenever the harness dirtied it.
 */
#define ZERO_FULL_PAGES 16u

uint64_t mmt_shadow_zero_probe(const struct mmt_shadow *s, uint64_t pfn,
			       uint64_t n)
{
	uint64_t ps = s->a.page_size;

	if (n <= ZERO_FULL_PAGES)
		return mmt_first_nonzero(page_addr(s, pfn), n * ps);
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *p = page_addr(s, pfn + i);
		uint64_t nz = mmt_first_nonzero(p, COOKIE_BYTES);

		if (nz < COOKIE_BYTES)
			return i * ps + nz;
		nz = mmt_first_nonzero(p + ps - COOKIE_BYTES, COOKIE_BYTES);
		if (nz < COOKIE_BYTES)
			return i * ps + ps - COOKIE_BYTES + nz;
	}
	return n * ps;
}

/* ------------------------------------------------------------ trace */

/* The op's events are consumed (the boost's lowest starts again). */
static void trace_clear(struct mmt_shadow *s)
{
	s->nr_ev = 0;
	s->ev_lost = 0;
	memcpy(s->boost_low, s->boost, sizeof(s->boost));
}

void mmt_shadow_trace_reset(struct mmt_shadow *s)
{
	trace_clear(s);
	s->decided = 0;
}

static void pageblock_event(struct mmt_shadow *s, const struct mmt_event *ev)
{
	uint32_t pb = pb_order(s), order = ev->order < pb ? pb : ev->order;
	uint64_t first, n;

	if (!s->wm_on || order >= 63 || pb_ready(s))
		return;
	first = (ev->pfn & ~((1ULL << order) - 1)) >> pb;
	n = 1ULL << (order - pb);
	for (uint64_t i = first; i < first + n && i < s->nr_pb; i++) {
		unsigned int old = s->pb_mt[i];
		int z = zone_of(s, i << pb);

		if ((old == MT_HIGHATOMIC || old == MT_ISOLATE) &&
		    ev->owner != old && z >= 0)
			s->unmerged[z] = 1;
		/* only the reserve's changes move what a request may reach */
		if (old != ev->owner &&
		    (old == MT_HIGHATOMIC || old == MT_ISOLATE ||
		     ev->owner == MT_HIGHATOMIC || ev->owner == MT_ISOLATE))
			s->pb_events++;
		s->nr_ha -= old == MT_HIGHATOMIC || old == MT_ISOLATE;
		s->pb_mt[i] = (uint8_t)(ev->owner & 0xFFu);
		s->nr_ha += ev->owner == MT_HIGHATOMIC ||
			    ev->owner == MT_ISOLATE;
	}
}

static void boost_event(struct mmt_shadow *s, const struct mmt_event *ev)
{
	int z = zone_of(s, ev->pfn);

	if (!s->wm_on || z < 0 || z >= MMT_NR_ZONE_TYPES)
		return;
	s->boost[z] = ev->gfp;
	if (s->boost_low[z] > ev->gfp)
		s->boost_low[z] = ev->gfp;
}

uint64_t mmt_shadow_pageblock_events(const struct mmt_shadow *s)
{
	return s->pb_events;
}

/* The name of a layer owner, as reports say it. */
static const char *owner_name(unsigned int owner)
{
	static const char *const names[] = {
		[MMT_OWNER_UPOOL] = "upool",	 [MMT_OWNER_SLAB] = "slab",
		[MMT_OWNER_VMALLOC] = "vmalloc", [MMT_OWNER_DMA] = "dma",
		[MMT_OWNER_PCP] = "pcp",
	};

	if (owner < sizeof(names) / sizeof(names[0]) && names[owner])
		return names[owner];
	return "other";
}

void mmt_shadow_bind_report(struct mmt_shadow *s, struct mmt_report *r,
			    const size_t *op_index)
{
	s->rep = r;
	s->rep_op = op_index;
}

/* Drop the queued page event of type at pfn/order, else note it as one
 * still to come (the take or return arrived before its page event). */
static void exempt_event(struct mmt_shadow *s, uint32_t type, uint64_t pfn,
			 uint32_t order)
{
	for (unsigned int i = 0; i < s->nr_ev; i++) {
		if (s->ev[i].type == type && s->ev[i].pfn == pfn &&
		    s->ev[i].order == order) {
			s->ev[i] = s->ev[--s->nr_ev];
			return;
		}
	}
	if (s->nr_exempt < MAX_EXEMPT) {
		s->exempt[s->nr_exempt].type = type;
		s->exempt[s->nr_exempt].pfn = pfn;
		s->exempt[s->nr_exempt].order = order;
		s->nr_exempt++;
	}
}

/* 1 (and the note dropped) when a page event is a take's or a return's. */
static int exempted(struct mmt_shadow *s, const struct mmt_event *ev)
{
	for (unsigned int i = 0; i < s->nr_exempt; i++) {
		if (s->exempt[i].type == ev->type &&
		    s->exempt[i].pfn == ev->pfn &&
		    s->exempt[i].order == ev->order) {
			s->exempt[i] = s->exempt[--s->nr_exempt];
			return 1;
		}
	}
	return 0;
}

static void owner_finding(struct mmt_shadow *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void owner_finding(struct mmt_shadow *s, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	if (!s->rep)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mmt_report_add(s->rep, s->rep_op ? *s->rep_op : SIZE_MAX, "shadow",
		       "SHADOW-OWNER", "%s", msg);
}

/* The first page of [pfn, pfn + n) whose owner is not want, or -1; the
 * range must lie in present, unreserved RAM (-2 otherwise). */
static int64_t owner_mismatch(const struct mmt_shadow *s, uint64_t pfn,
			      uint64_t n, unsigned int want, unsigned int *got)
{
	const struct shadow_range *pr = range_of(s, pfn);

	if (!pr || n > pr->end - pfn || reserved_hit(s, pfn, pfn + n))
		return -2;
	for (uint64_t p = pfn; p < pfn + n; p++) {
		unsigned int o = pr->owner[p - pr->start];

		if (o != want) {
			*got = o;
			return (int64_t)p;
		}
	}
	return -1;
}

static const char *holder(unsigned int o, char *buf, size_t len)
{
	if (o >= OWNER_CACHE)
		snprintf(buf, len, "shrinker cache %u", o & 0xFFu);
	else if (o >= OWNER_LAYER)
		snprintf(buf, len, "layer %s", owner_name(o & ~OWNER_LAYER));
	else if (o)
		snprintf(buf, len, "slot s%u", o - 1);
	else
		snprintf(buf, len, "nobody (it is free)");
	return buf;
}

/* A layer took [pfn, pfn + 2^order) (take) or gave it back (!take). */
static void layer_pages(struct mmt_shadow *s, const struct mmt_event *ev,
			int take)
{
	unsigned int tag = OWNER_LAYER | (ev->owner & 0xFFu), got = 0;
	uint64_t n = ev->order < 63 ? 1ULL << ev->order : 0;
	const struct shadow_range *pr = range_of(s, ev->pfn);
	int64_t bad;
	char who[48];

	exempt_event(s, take ? MMT_EV_PAGE_ALLOC : MMT_EV_PAGE_FREE, ev->pfn,
		     ev->order);
	bad = n ? owner_mismatch(s, ev->pfn, n, take ? 0 : tag, &got) : -2;
	if (bad == -2) {
		owner_finding(s,
			      "layer %s %s pfn 0x%llx order %u, which is not "
			      "present, unreserved RAM of the arena",
			      owner_name(ev->owner), take ? "took" : "returned",
			      (unsigned long long)ev->pfn, ev->order);
		return;
	}
	if (bad >= 0) {
		owner_finding(s,
			      "layer %s %s pfn 0x%llx order %u, but pfn 0x%llx "
			      "is held by %s",
			      owner_name(ev->owner), take ? "took" : "returned",
			      (unsigned long long)ev->pfn, ev->order,
			      (unsigned long long)bad,
			      holder(got, who, sizeof(who)));
		return;
	}
	if (take && (bad = probe_held(s, ev->pfn, n)) >= 0) {
		owner_finding(s,
			      "layer %s took pfn 0x%llx order %u, but pfn "
			      "0x%llx is held by the capacity probe",
			      owner_name(ev->owner),
			      (unsigned long long)ev->pfn, ev->order,
			      (unsigned long long)bad);
		return;
	}
	for (uint64_t p = ev->pfn; p < ev->pfn + n; p++)
		pr->owner[p - pr->start] = (uint16_t)(take ? tag : 0);
	zone_account(s, ev->pfn, n, take);
	if (take) {
		s->layer_pages += n;
		s->layer_blocks++;
	} else {
		s->layer_pages -= n;
		s->layer_blocks -= s->layer_blocks ? 1 : 0;
	}
}

void mmt_shadow_trace_event(void *shadow, const struct mmt_event *ev)
{
	struct mmt_shadow *s = shadow;

	if (ev->type == MMT_EV_PAGES_TAKEN ||
	    ev->type == MMT_EV_PAGES_RETURNED) {
		s->layer_events++;
		layer_pages(s, ev, ev->type == MMT_EV_PAGES_TAKEN);
		return;
	}
	if (ev->type == MMT_EV_PAGEBLOCK_TYPE) {
		pageblock_event(s, ev);
		return;
	}
	if (ev->type == MMT_EV_ZONE_BOOST) {
		boost_event(s, ev);
		return;
	}
	if (ev->type != MMT_EV_PAGE_ALLOC && ev->type != MMT_EV_PAGE_FREE)
		return;
	if (ev->type == MMT_EV_PAGE_ALLOC && !s->decided) {
		memcpy(s->boost_dec, s->boost, sizeof(s->boost));
		s->decided = 1;
	}
	if (exempted(s, ev))
		return;
	if (s->nr_ev == MAX_TRACE) {
		s->ev_lost++;
		return;
	}
	s->ev[s->nr_ev].type = ev->type;
	s->ev[s->nr_ev].pfn = ev->pfn;
	s->ev[s->nr_ev].order = ev->order;
	s->nr_ev++;
}

uint64_t mmt_shadow_layer_pages(const struct mmt_shadow *s)
{
	return s->layer_pages;
}

uint64_t mmt_shadow_layer_events(const struct mmt_shadow *s)
{
	return s->layer_events;
}

/*
 * Expect exactly one event of type with pfn/order (pfn UINT64_MAX: a
 * failed allocation, which may emit one event without a page or none).
 */
static void trace_check(struct mmt_shadow *s, size_t op_index, uint32_t type,
			uint64_t pfn, uint32_t order, struct mmt_report *r)
{
	const char *id = type == MMT_EV_PAGE_ALLOC ? "TRACE-ALLOC" :
						     "TRACE-FREE";
	const char *name = type == MMT_EV_PAGE_ALLOC ? "mm_page_alloc" :
						       "mm_page_free";
	unsigned int total = s->ev_lost, match = 0;

	if (!(s->caps & MMT_CAP_TRACE))
		return;
	for (unsigned int i = 0; i < s->nr_ev; i++) {
		if (s->ev[i].type != type)
			continue;
		total++;
		if (s->ev[i].pfn == pfn &&
		    (pfn == UINT64_MAX || s->ev[i].order == order))
			match++;
	}
	if (pfn == UINT64_MAX) {
		if (total != match)
			mmt_report_add(r, op_index, "trace", id,
				       "a failed allocation emitted %s with a "
				       "page",
				       name);
	} else if (total != 1 || match != 1) {
		mmt_report_add(r, op_index, "trace", id,
			       "expected one %s for pfn 0x%llx order %u, saw "
			       "%u event(s), %u matching",
			       name, (unsigned long long)pfn, order, total,
			       match);
	}
	trace_clear(s); /* not decided: the verdict on a failure follows */
}

/* ------------------------------------------------------------ alloc/free */

/* Why an allocation must fail, or NULL. */
static const char *must_fail(const struct mmt_shadow *s, uint32_t order,
			     uint32_t gfp, unsigned int allowed)
{
	if (order >= s->a.nr_orders)
		return "the order is at or above nr_orders";
	if (!(s->caps & MMT_CAP_ZONES))
		return NULL;
	if (!allowed)
		return "the GFP zone modifiers are a forbidden combination";
	for (uint32_t i = 0; i < s->a.nr_zones; i++)
		if (s->a.zones[i].present &&
		    (allowed & (1u << s->a.zones[i].type)))
			return NULL;
	(void)gfp;
	return "no zone the GFP mask allows is populated";
}

void mmt_shadow_set_served_orders(struct mmt_shadow *s, uint32_t nr_orders)
{
	s->served_orders = nr_orders && nr_orders < s->a.nr_orders ?
				   nr_orders :
				   s->a.nr_orders;
}

int mmt_shadow_order_served(const struct mmt_shadow *s, uint32_t order)
{
	return order < s->served_orders;
}

/* Zones a scan may use: the allowed ones with ZONES, else all. */
static unsigned int scan_zones(const struct mmt_shadow *s, unsigned int allowed)
{
	return (s->caps & MMT_CAP_ZONES) ? allowed :
					   (1u << MMT_NR_ZONE_TYPES) - 1;
}

/* ------------------------------------------------------------ watermarks */

void mmt_shadow_set_wmarks(struct mmt_shadow *s, const struct mmt_wmarks *w)
{
	s->wm_on = w != NULL;
	if (w)
		s->wm = *w;
}

/*
 * The free pages of a zone in the buddy's terms (NR_FREE_PAGES): its
 * managed pages less those a slot, a layer or the probe holds.
 */
static int64_t zone_free(const struct mmt_shadow *s, int t)
{
	return (int64_t)s->wm.zone[t].managed - (int64_t)s->zone_used[t];
}

/*
 * What a buddy with every free page coalesced holds in blocks of order k
 * or more in one zone (mmt_free_from_order_fn): the watermark check's
 * view of the orders. mode LOWER and UPPER bound it in O(1); EXACT scans
 * the zone's free runs once and keeps every order's figure.
 */
enum { FROM_LOWER, FROM_UPPER, FROM_EXACT };

struct from_ctx {
	const struct mmt_shadow *s;
	int zone;
	int mode;
	int excl; /* EXACT: blocks in pageblocks reserved_block_end(excl)
		   * names do not count */
	int scanned;
	uint64_t ge[64]; /* EXACT: pages in wholly free aligned 2^k windows */
};

/* Add the wholly free aligned windows of the free run [a, b). */
static void run_windows(struct from_ctx *c, uint64_t a, uint64_t b)
{
	for (uint32_t k = 0; k < c->s->a.nr_orders && k < 63; k++) {
		uint64_t lo = (a + (1ULL << k) - 1) >> k, hi = b >> k;

		if (hi <= lo)
			break;
		c->ge[k] += (hi - lo) << k;
	}
}

/* Free runs of [lo, hi) inside range r, split at reserved pages. */
static void scan_runs(struct from_ctx *c, const struct shadow_range *r,
		      uint64_t lo, uint64_t hi)
{
	uint64_t run = UINT64_MAX;

	for (uint64_t p = lo; p < hi; p++) {
		int held = r->owner[p - r->start] != 0;

		if (!held && reserved_hit(c->s, p, p + 1)) {
			const struct mmt_pfn_range *res =
				reserved_hit(c->s, p, p + 1);

			if (run != UINT64_MAX)
				run_windows(c, run, p);
			run = UINT64_MAX;
			p = res->start_pfn + res->nr_pages - 1;
			continue;
		}
		if (held) {
			if (run != UINT64_MAX)
				run_windows(c, run, p);
			run = UINT64_MAX;
		} else if (run == UINT64_MAX) {
			run = p;
		}
	}
	if (run != UINT64_MAX)
		run_windows(c, run, hi);
}

static uint64_t free_from_order(void *ctx, uint32_t k)
{
	struct from_ctx *c = ctx;
	const struct mmt_shadow *s = c->s;
	int64_t f = zone_free(s, c->zone);
	uint64_t free = f > 0 ? (uint64_t)f : 0;
	uint64_t runs, loss;

	if (k >= 63)
		return 0;
	if (c->mode == FROM_UPPER)
		return free;
	if (c->mode == FROM_LOWER) {
		/* each free run loses at most 2^k - 1 pages at either end
		 * to blocks below order k; runs end at held blocks,
		 * reserved ranges, holes and zone edges */
		runs = s->nr_live + s->layer_blocks + s->cache_blocks +
		       s->a.nr_reserved + s->nr_ranges + s->a.nr_zones + 1;
		loss = runs * 2 * ((1ULL << k) - 1);
		return free > loss ? free - loss : 0;
	}
	if (!c->scanned) {
		c->scanned = 1;
		memset(c->ge, 0, sizeof(c->ge));
		for (unsigned int i = 0; i < s->nr_ranges; i++) {
			const struct shadow_range *r = &s->ranges[i];

			for (uint32_t z = 0; z < s->a.nr_zones; z++) {
				const struct mmt_arena_zone *az =
					&s->a.zones[z];
				uint64_t lo, hi;

				if (!az->present || (int)az->type != c->zone)
					continue;
				lo = az->start_pfn > r->start ? az->start_pfn :
								r->start;
				hi = az->end_pfn < r->end ? az->end_pfn :
							    r->end;
				if (lo < hi)
					scan_runs(c, r, lo, hi);
			}
		}
	}
	return c->ge[k];
}

/* The 6.12 check's one question, whether a block of order k is free. */
static uint64_t block_from_order(void *ctx, uint32_t k)
{
	struct from_ctx *c = ctx;

	if (c->mode != FROM_EXACT)
		return free_from_order(ctx, k);
	return find_free_x(c->s, k, 1u << c->zone, c->excl) >= 0;
}

/* Free pages of zone t in pageblocks of type mt (HIGHATOMIC:
 * nr_free_highatomic; ISOLATE: pages NR_FREE_PAGES leaves out), with
 * the pages on per-CPU lists counted free. */
static uint64_t type_free(const struct mmt_shadow *s, int t, unsigned int mt)
{
	uint32_t pb = pb_order(s);
	uint64_t free = 0;

	for (size_t i = 0; s->nr_ha && i < s->nr_pb; i++) {
		uint64_t p0 = (uint64_t)i << pb;

		if (s->pb_mt[i] != mt || zone_of(s, p0) != t)
			continue;
		for (uint64_t p = p0; p < p0 + (1ULL << pb); p++) {
			const struct shadow_range *r = range_of(s, p);

			if (r && !r->owner[p - r->start] &&
			    !reserved_hit(s, p, p + 1) &&
			    probe_held(s, p, 1) < 0)
				free++;
		}
	}
	return free;
}

#define ALLOC_RESERVES                                                 \
	(MMT_ALLOC_NON_BLOCK | MMT_ALLOC_MIN_RESERVE | MMT_ALLOC_OOM | \
	 MMT_ALLOC_HIGHATOMIC)

/* mmt_wmark_ok on the shadow's zone t: bounds first, a scan if they
 * cannot tell. exact (the verdict on a failure): the highatomic reserve
 * as 6.12's check counts it, its free pages out of the free count
 * without ALLOC_RESERVES and its blocks out of the order check without
 * ALLOC_HIGHATOMIC or ALLOC_OOM; else (a success) an upper bound that
 * counts them. */
static int zone_wmark_ok(const struct mmt_shadow *s, int t, uint32_t order,
			 uint64_t mark, int classzone, unsigned int flags,
			 int exact)
{
	struct from_ctx c = { .s = s, .zone = t };
	mmt_free_from_order_fn fn = s->wm.era == MMT_ERA_2_6 ? free_from_order :
							       block_from_order;
	int64_t free = zone_free(s, t);
	int ha = exact && s->nr_ha && s->wm.era != MMT_ERA_2_6;

	if (ha)
		free -= (int64_t)type_free(s, t, MT_ISOLATE);
	if (ha && !(flags & ALLOC_RESERVES))
		free -= (int64_t)type_free(s, t, MT_HIGHATOMIC);
	c.excl = !ha						? 0 :
		 flags & (MMT_ALLOC_HIGHATOMIC | MMT_ALLOC_OOM) ? 1 :
								  2;
	c.mode = FROM_LOWER;
	if (!ha && mmt_wmark_ok(&s->wm, t, order, mark, classzone, flags, free,
				fn, &c))
		return 1;
	c.mode = FROM_UPPER;
	if (!mmt_wmark_ok(&s->wm, t, order, mark, classzone, flags, free, fn,
			  &c))
		return 0;
	c.mode = FROM_EXACT;
	return mmt_wmark_ok(&s->wm, t, order, mark, classzone, flags, free, fn,
			    &c);
}

/*
 * 6.12: a __GFP_NOFAIL request that may reclaim and reaches the OOM path
 * (__alloc_pages_may_oom: not __GFP_NORETRY, which stops after one
 * reclaim round; order up to PAGE_ALLOC_COSTLY_ORDER; no
 * __GFP_RETRY_MAYFAIL or __GFP_THISNODE; a highest zone of NORMAL or
 * above) is given a try with no watermarks at all.
 */
static int nofail_oom_path(const struct mmt_shadow *s, uint32_t order,
			   uint32_t eff)
{
	return s->wm.era != MMT_ERA_2_6 && (eff & MMT_GFP_NOFAIL) &&
	       (eff & MMT_GFP_DIRECT_RECLAIM) && order <= 3 &&
	       !(eff & (MMT_GFP_NORETRY | MMT_GFP_RETRY_MAYFAIL |
			MMT_GFP_THISNODE)) &&
	       mmt_wmark_classzone(MMT_ERA_6_12, &s->a, eff) >= MMT_ZONE_NORMAL;
}

/*
 * One pass at the min watermark with flags: the mark raised by the
 * zone's boost (exact 1: now, for a failure's owed block; EXACT_DECIDED,
 * the verdict on the failure just made: when the allocation decided, so
 * that a kswapd pass after its result does not lower the marks it
 * failed on; 0: its lowest during the op, for a success), and, 6.12, an
 * order-0 ALLOC_MIN_RESERVE pass checked again without the boost
 * (zone_watermark_fast).
 */
#define EXACT_DECIDED 2

static int pass_ok(const struct mmt_shadow *s, int t, uint32_t order,
		   unsigned int flags, int cz, int exact)
{
	uint64_t boost = !exact ? s->boost_low[t] :
			 exact == EXACT_DECIDED && s->decided ?
				  s->boost_dec[t] :
				  s->boost[t];
	uint64_t min = s->wm.zone[t].mark[MMT_WMARK_MIN];

	if (zone_wmark_ok(s, t, order, min + boost, cz, flags, exact))
		return 1;
	return s->wm.era != MMT_ERA_2_6 && !order && boost &&
	       (flags & MMT_ALLOC_MIN_RESERVE) &&
	       zone_wmark_ok(s, t, order, min, cz, flags, exact);
}

/*
 * Whether the kernel's watermark rules let zone t serve the request: the
 * weakest pass its allocator makes for the mask (docs/watermarks.md):
 * min with gfp_to_alloc_flags' allowances; no watermarks for
 * __GFP_MEMALLOC without __GFP_NOMEMALLOC, nor for a 6.12 __GFP_NOFAIL
 * request on the OOM path (neither of those two passes reaches the
 * highatomic reserve); a 6.12 __GFP_NOFAIL request that may reclaim also
 * min with __GFP_HIGH's. 0: no pass; 1: a pass; 2: a pass that may also
 * take the highatomic reserve (6.12: a non-blocking, ALLOC_HIGHATOMIC or
 * OOM request, after the rest). Always 1 without watermarks. Reclaim
 * changes none of this: the shadow judges the state after the pages
 * reclaim freed during the call (mmt_shadow_cache_free), which is the
 * state the allocator's last try saw. exact: pass_ok's.
 */
static int wmark_allows(const struct mmt_shadow *s, int t, uint32_t order,
			uint32_t eff, int exact)
{
	unsigned int flags;
	int cz;

	if (!s->wm_on || t < 0 || t >= MMT_NR_ZONE_TYPES)
		return 1;
	cz = mmt_wmark_classzone(s->wm.era, &s->a, eff);
	if ((eff & MMT_GFP_MEMALLOC) && !(eff & MMT_GFP_NOMEMALLOC) &&
	    (!exact || cz < 0))
		return 1;
	if (cz < 0)
		return 0;
	flags = mmt_wmark_alloc_flags(s->wm.era, eff, order);
	if (pass_ok(s, t, order, flags, cz, exact))
		return s->wm.era != MMT_ERA_2_6 &&
				       (flags &
					(MMT_ALLOC_HIGHATOMIC |
					 MMT_ALLOC_NON_BLOCK | MMT_ALLOC_OOM)) ?
			       2 :
			       1;
	if (((eff & MMT_GFP_MEMALLOC) && !(eff & MMT_GFP_NOMEMALLOC)) ||
	    nofail_oom_path(s, order, eff))
		return 1;
	return s->wm.era != MMT_ERA_2_6 && (eff & MMT_GFP_NOFAIL) &&
	       (eff & MMT_GFP_DIRECT_RECLAIM) &&
	       pass_ok(s, t, order, MMT_ALLOC_MIN_RESERVE, cz, exact);
}

/* A free aligned block of zone t a pass may take (reach: the highatomic
 * reserve too); -2 above pageblock_order in a zone whose reserve went
 * back (its free blocks need not have merged). */
static int64_t find_owed(const struct mmt_shadow *s, uint32_t order, int t,
			 int reach)
{
	if (s->unmerged[t] && order > pb_order(s))
		return -2;
	return find_free_x(s, order, 1u << t, reach ? 1 : 2);
}

/* The figures of zone t's check for a message. */
static const char *wmark_why(const struct mmt_shadow *s, int t, uint32_t order,
			     uint32_t eff, char *buf, size_t len)
{
	int cz = mmt_wmark_classzone(s->wm.era, &s->a, eff);
	unsigned int flags = mmt_wmark_alloc_flags(s->wm.era, eff, order);
	uint64_t mark = s->wm.zone[t].mark[MMT_WMARK_MIN];

	if ((eff & MMT_GFP_MEMALLOC) && !(eff & MMT_GFP_NOMEMALLOC)) {
		snprintf(buf, len,
			 "the mask ignores watermarks (__GFP_MEMALLOC), %lld "
			 "free",
			 (long long)zone_free(s, t));
		return buf;
	}
	if (nofail_oom_path(s, order, eff)) {
		snprintf(buf, len,
			 "the OOM path gives this __GFP_NOFAIL request no "
			 "watermarks (6.12), %lld free",
			 (long long)zone_free(s, t));
		return buf;
	}
	snprintf(buf, len,
		 "%lld free, min %llu (%lld for this mask), protection "
		 "%llu up to %s, %s",
		 (long long)zone_free(s, t), (unsigned long long)mark,
		 (long long)mmt_wmark_allowed(s->wm.era, mark, flags),
		 (unsigned long long)(cz >= 0 ?
					      s->wm.zone[t].lowmem_reserve[cz] :
					      0),
		 mmt_zone_name(cz),
		 s->wm.era == MMT_ERA_2_6 ? "2.6.18" : "6.12");
	return buf;
}

/* mmt_shadow_owed, with pass_ok's exact (1 or EXACT_DECIDED). */
static int64_t owed_x(const struct mmt_shadow *s, uint32_t order, uint32_t eff,
		      int exact)
{
	unsigned int allowed = mmt_arena_allowed_zones(&s->a, eff);

	if (!s->strict || !mmt_shadow_order_served(s, order) ||
	    must_fail(s, order, eff, allowed))
		return -1;
	if (!s->wm_on)
		return mmt_shadow_find_free(s, order, scan_zones(s, allowed));
	for (int t = MMT_NR_ZONE_TYPES - 1; t >= 0; t--) {
		int64_t f;
		int w;

		if (!(allowed & (1u << t)))
			continue;
		if (!s->nr_ha && !s->unmerged[t]) {
			f = mmt_shadow_find_free(s, order, 1u << t);
			if (f >= 0 && wmark_allows(s, t, order, eff, exact))
				return f;
			continue;
		}
		w = wmark_allows(s, t, order, eff, exact);
		f = w ? find_owed(s, order, t, w == 2) : -1;
		if (f >= 0)
			return f;
	}
	return -1;
}

int64_t mmt_shadow_owed(const struct mmt_shadow *s, uint32_t order,
			uint32_t eff)
{
	return owed_x(s, order, eff, 1);
}

/* A failed allocation: the trace, and the strict oracle's must-succeed. */
static void alloc_failed(struct mmt_shadow *s, size_t op_index, uint32_t order,
			 uint32_t eff, struct mmt_report *r)
{
	int64_t f;
	int z;
	char g[200], w[200];

	trace_check(s, op_index, MMT_EV_PAGE_ALLOC, UINT64_MAX, order, r);
	f = owed_x(s, order, eff, EXACT_DECIDED);
	if (f < 0)
		return;
	z = zone_of(s, (uint64_t)f);
	mmt_gfp_format(eff, g, sizeof(g));
	if (s->wm_on)
		mmt_report_add(r, op_index, "oracle", "ORACLE-MUST-SUCCEED",
			       "order-%u allocation (%s) failed, but pfns "
			       "0x%llx-0x%llx in zone %s are free and aligned "
			       "and its watermark check passes: %s",
			       order, g, (unsigned long long)f,
			       (unsigned long long)f + (1ULL << order) - 1,
			       mmt_zone_name(z),
			       wmark_why(s, z, order, eff, w, sizeof(w)));
	else
		mmt_report_add(r, op_index, "oracle", "ORACLE-MUST-SUCCEED",
			       "order-%u allocation (%s) failed, but pfns "
			       "0x%llx-0x%llx in zone %s are free and aligned",
			       order, g, (unsigned long long)f,
			       (unsigned long long)f + (1ULL << order) - 1,
			       mmt_zone_name(z));
}

/* A success from zone z that its watermark forbids: ORACLE-WATERMARK. */
static void check_wmark(struct mmt_shadow *s, size_t op_index, uint64_t pfn,
			uint32_t order, uint32_t eff, int z,
			struct mmt_report *r)
{
	char g[200], w[200];

	if (!s->wm_on || !s->strict || z < 0 ||
	    wmark_allows(s, z, order, eff, 0))
		return;
	mmt_gfp_format(eff, g, sizeof(g));
	mmt_report_add(r, op_index, "oracle", "ORACLE-WATERMARK",
		       "order-%u allocation (%s) got pfn 0x%llx from zone %s, "
		       "whose watermark check refuses it: %s",
		       order, g, (unsigned long long)pfn, mmt_zone_name(z),
		       wmark_why(s, z, order, eff, w, sizeof(w)));
}

/*
 * The block's pfn from addr, or -1 after SHADOW-RANGE / SHADOW-ALIGN when
 * it is not a page of the arena (nothing more can be checked then).
 */
static int64_t block_pfn(const struct mmt_shadow *s, size_t op_index,
			 uint32_t order, void *addr, struct mmt_report *r)
{
	uintptr_t base = (uintptr_t)s->a.base, at = (uintptr_t)addr;
	uint64_t off, pfn;

	if (at < base || order >= 63) {
		mmt_report_add(r, op_index, "shadow", "SHADOW-RANGE",
			       "address %p lies outside the arena", addr);
		return -1;
	}
	off = (uint64_t)(at - base);
	if (off % s->a.page_size) {
		mmt_report_add(r, op_index, "shadow", "SHADOW-ALIGN",
			       "address %p is not page aligned (offset 0x%llx "
			       "in the arena)",
			       addr, (unsigned long long)off);
		return -1;
	}
	pfn = off / s->a.page_size;
	if (pfn >= s->a.nr_pfns || (1ULL << order) > s->a.nr_pfns - pfn) {
		mmt_report_add(r, op_index, "shadow", "SHADOW-RANGE",
			       "block pfn 0x%llx order %u ends beyond the "
			       "arena (%llu pfns)",
			       (unsigned long long)pfn, order,
			       (unsigned long long)s->a.nr_pfns);
		return -1;
	}
	return (int64_t)pfn;
}

/* SHADOW-RANGE for holes and reserved pages; 1 when all is present RAM. */
static int check_present(const struct mmt_shadow *s, size_t op_index,
			 uint64_t pfn, uint32_t order, struct mmt_report *r)
{
	uint64_t n = 1ULL << order;
	const struct shadow_range *pr = range_of(s, pfn);
	const struct mmt_pfn_range *res = reserved_hit(s, pfn, pfn + n);
	int present_ok = 1;

	if (!pr || pfn + n > pr->end) {
		present_ok = 0;
		mmt_report_add(r, op_index, "shadow", "SHADOW-RANGE",
			       "block pfn 0x%llx order %u covers a hole (pfns "
			       "without RAM)",
			       (unsigned long long)pfn, order);
	}
	if (res)
		mmt_report_add(r, op_index, "shadow", "SHADOW-RANGE",
			       "block pfn 0x%llx order %u overlaps reserved "
			       "pfns 0x%llx-0x%llx",
			       (unsigned long long)pfn, order,
			       (unsigned long long)res->start_pfn,
			       (unsigned long long)(res->start_pfn +
						    res->nr_pages - 1));
	if (pfn & (n - 1))
		mmt_report_add(r, op_index, "shadow", "SHADOW-ALIGN",
			       "block pfn 0x%llx is not aligned to its order "
			       "%u (%llu pages)",
			       (unsigned long long)pfn, order,
			       (unsigned long long)n);
	return present_ok;
}

/* SHADOW-ZONE (ZONES only); returns the zone of the block's first page. */
static int check_zone(const struct mmt_shadow *s, size_t op_index, uint64_t pfn,
		      uint32_t order, uint32_t eff, unsigned int allowed,
		      struct mmt_report *r)
{
	uint64_t n = 1ULL << order;
	int z1 = zone_of(s, pfn), z2 = zone_of(s, pfn + n - 1);
	char g[200];

	if (!(s->caps & MMT_CAP_ZONES))
		return z1;
	if (z1 < 0 || z1 != z2) {
		mmt_report_add(r, op_index, "shadow", "SHADOW-ZONE",
			       "block pfn 0x%llx order %u is not inside one "
			       "zone (%s .. %s)",
			       (unsigned long long)pfn, order,
			       mmt_zone_name(z1), mmt_zone_name(z2));
	} else if (allowed && !(allowed & (1u << z1))) {
		mmt_gfp_format(eff, g, sizeof(g));
		mmt_report_add(r, op_index, "shadow", "SHADOW-ZONE",
			       "block pfn 0x%llx order %u is in zone %s, which "
			       "%s does not allow",
			       (unsigned long long)pfn, order,
			       mmt_zone_name(z1), g);
	}
	return z1;
}

/* SHADOW-OVERLAP: a page of the block a slot or a layer holds. */
static void check_overlap(const struct mmt_shadow *s, size_t op_index,
			  uint64_t pfn, uint32_t order, struct mmt_report *r)
{
	uint64_t n = 1ULL << order, clash = 0, first = 0;
	unsigned int other = 0;

	for (unsigned int i = 0; i < s->nr_ranges; i++) {
		const struct shadow_range *pr = &s->ranges[i];
		uint64_t lo, hi;

		if (!range_slice(pr, pfn, pfn + n, &lo, &hi))
			continue;
		for (uint64_t k = lo; k < hi;) {
			unsigned int o;
			uint64_t w;

			if (!(k & 3) && k + 4 <= hi) {
				memcpy(&w, &pr->owner[k], sizeof(w));
				if (!w) { /* four free entries */
					k += 4;
					continue;
				}
			}
			o = pr->owner[k];
			if (o && !clash++) {
				first = pr->start + k;
				other = o;
			}
			k++;
		}
	}
	if (!clash)
		return;
	if (other > MMT_NR_SLOTS) { /* a layer, or the capacity probe */
		char who[64];

		mmt_report_add(r, op_index, "shadow", "SHADOW-OVERLAP",
			       "block pfn 0x%llx order %u overlaps %llu "
			       "page(s) held by %s, first pfn 0x%llx",
			       (unsigned long long)pfn, order,
			       (unsigned long long)clash,
			       holder(other, who, sizeof(who)),
			       (unsigned long long)first);
		return;
	}
	mmt_report_add(r, op_index, "shadow", "SHADOW-OVERLAP",
		       "block pfn 0x%llx order %u overlaps %llu live page(s), "
		       "first pfn 0x%llx of s%u (pfn 0x%llx order %u)",
		       (unsigned long long)pfn, order,
		       (unsigned long long)clash, (unsigned long long)first,
		       other - 1, (unsigned long long)s->slots[other - 1].pfn,
		       s->slots[other - 1].order);
}

/* Make the block slot's: owner map, fill cookies, counters. */
static void record_block(struct mmt_shadow *s, size_t op_index,
			 unsigned int slot, uint64_t pfn, uint32_t order,
			 int zone, uint32_t eff, void *addr, int present_ok)
{
	struct mmt_shadow_block *b = &s->slots[slot];
	uint64_t n = 1ULL << order;

	memset(b, 0, sizeof(*b));
	b->live = 1;
	b->pfn = pfn;
	b->order = order;
	b->zone = zone;
	b->gfp = eff;
	b->addr = addr;
	b->fill = mmt_mix64(s->seed ^ ((uint64_t)slot << 40) ^
			    mmt_mix64((uint64_t)op_index));
	zone_account(s, pfn, relabel(s, pfn, n, 0, slot + 1), 1);
	s->fill_ok[slot] = (uint8_t)present_ok;
	if (present_ok)
		fill_write(s, b);
	s->nr_live++;
	s->live_pages += n;
}

void mmt_shadow_set_fault(struct mmt_shadow *s, const struct mmt_machine *m)
{
	if ((s->caps & MMT_CAP_FAULT_INJECT) && mmt_fault_enabled(m))
		mmt_fault_init(&s->fault, m);
	else
		memset(&s->fault, 0, sizeof(s->fault));
}

int mmt_shadow_fault_next(struct mmt_shadow *s, uint32_t order, uint32_t eff)
{
	s->fault_asked = 1;
	s->fault_verdict = mmt_fault_should_fail(&s->fault, eff, order);
	return s->fault_verdict;
}

uint64_t mmt_shadow_fault_count(const struct mmt_shadow *s)
{
	return s->fault.nr_injected;
}

/* The model's verdict on the op at hand: asked before the call, or now. */
static int fault_verdict(struct mmt_shadow *s, uint32_t order, uint32_t eff)
{
	int v = s->fault_asked ? s->fault_verdict :
				 mmt_fault_should_fail(&s->fault, eff, order);

	s->fault_asked = 0;
	return v;
}

/*
 * The checks of one allocation's result, for a slot's or a cache's
 * (eff: the mask the allocator saw): the block's pfn, or -1 when it
 * failed or lies outside the arena (nothing to record then); *zone and
 * *present_ok for the record.
 */
static int64_t judge_alloc(struct mmt_shadow *s, size_t op_index,
			   uint32_t order, uint32_t eff, void *addr,
			   struct mmt_report *r, int *zone, int *present_ok)
{
	unsigned int allowed = mmt_arena_allowed_zones(&s->a, eff);
	const char *why = must_fail(s, order, eff, allowed);
	unsigned long before = r->total;
	int64_t at;
	uint64_t pfn, n;
	int injected;

	injected = fault_verdict(s, order, eff);
	if (!addr) {
		if (injected) /* not owed: the fault model fails it */
			trace_check(s, op_index, MMT_EV_PAGE_ALLOC, UINT64_MAX,
				    order, r);
		else
			alloc_failed(s, op_index, order, eff, r);
		return -1;
	}
	if (injected) {
		char g[200];

		mmt_gfp_format(eff, g, sizeof(g));
		mmt_report_add(r, op_index, "oracle", "ORACLE-FAULT",
			       "order-%u allocation (%s) succeeded at %p, but "
			       "the machine's fault injection fails this call "
			       "(failure %llu of the fail_* knobs)",
			       order, g, addr,
			       (unsigned long long)s->fault.nr_injected);
	}
	if (why)
		mmt_report_add(r, op_index, "oracle", "ORACLE-MUST-FAIL",
			       "order-%u allocation succeeded at %p, but it "
			       "must fail: %s",
			       order, addr, why);
	at = block_pfn(s, op_index, order, addr, r);
	if (at < 0)
		return -1;
	pfn = (uint64_t)at;
	n = 1ULL << order;
	*present_ok = check_present(s, op_index, pfn, order, r);
	*zone = check_zone(s, op_index, pfn, order, eff, allowed, r);
	check_overlap(s, op_index, pfn, order, r);
	if (r->total == before)
		check_wmark(s, op_index, pfn, order, eff, *zone, r);
	/* A bad block proves nothing: is there any legitimate range? */
	if (s->strict && !why && r->total != before &&
	    mmt_shadow_find_free(s, order, scan_zones(s, allowed)) < 0)
		mmt_report_add(r, op_index, "oracle", "ORACLE-MUST-FAIL",
			       "order-%u allocation succeeded, but no free "
			       "aligned block of that order exists in the "
			       "zones the mask allows",
			       order);
	if ((eff & MMT_GFP_ZERO) && *present_ok) {
		uint64_t bytes = n * s->a.page_size;
		uint64_t nz = mmt_shadow_zero_probe(s, pfn, n);

		if (nz < bytes)
			mmt_report_add(r, op_index, "shadow", "SHADOW-ZERO",
				       "block pfn 0x%llx order %u asked zeroed "
				       "has a non-zero byte at offset 0x%llx",
				       (unsigned long long)pfn, order,
				       (unsigned long long)nz);
	}
	trace_check(s, op_index, MMT_EV_PAGE_ALLOC, pfn, order, r);
	return (int64_t)pfn;
}

int mmt_shadow_alloc(struct mmt_shadow *s, size_t op_index, unsigned int slot,
		     unsigned int kind, uint32_t order, uint32_t gfp,
		     void *addr, struct mmt_report *r)
{
	uint32_t eff = mmt_shadow_effective_gfp(kind, gfp);
	int zone = -1, present_ok = 0;
	int64_t pfn;

	if (slot >= MMT_NR_SLOTS)
		return 0;
	if (kind == MMT_OP_ALLOC_PAGE || kind == MMT_OP_GET_FREE_PAGE ||
	    kind == MMT_OP_GET_ZEROED_PAGE)
		order = 0;
	pfn = judge_alloc(s, op_index, order, eff, addr, r, &zone, &present_ok);
	if (pfn < 0)
		return 0;
	record_block(s, op_index, slot, (uint64_t)pfn, order, zone, eff, addr,
		     present_ok);
	return 1;
}

/* ------------------------------------------------------------ caches */

int mmt_shadow_cache_alloc(struct mmt_shadow *s, size_t op_index,
			   unsigned int cache, uint32_t order, uint32_t gfp,
			   void *addr, struct mmt_report *r)
{
	int zone = -1, present_ok = 0;
	int64_t pfn;
	uint64_t n;

	pfn = judge_alloc(s, op_index, order, gfp, addr, r, &zone, &present_ok);
	if (pfn < 0)
		return 0;
	n = 1ULL << order;
	zone_account(s, (uint64_t)pfn,
		     relabel(s, (uint64_t)pfn, n, 0,
			     OWNER_CACHE | (cache & 0xFFu)),
		     1);
	s->cache_pages += n;
	s->cache_blocks++;
	return 1;
}

static void cache_release(struct mmt_shadow *s, uint64_t pfn, uint32_t order,
			  unsigned int cache)
{
	uint64_t n = 1ULL << order;

	zone_account(s, pfn,
		     relabel(s, pfn, n, OWNER_CACHE | (cache & 0xFFu), 0), 0);
	s->cache_pages -= n <= s->cache_pages ? n : s->cache_pages;
	s->cache_blocks -= s->cache_blocks ? 1 : 0;
}

/* Take the queued mm_page_free of pfn/order off the op's events: 1 when
 * it was there. */
static int take_free_event(struct mmt_shadow *s, uint64_t pfn, uint32_t order)
{
	for (unsigned int i = 0; i < s->nr_ev; i++) {
		if (s->ev[i].type == MMT_EV_PAGE_FREE && s->ev[i].pfn == pfn &&
		    s->ev[i].order == order) {
			s->ev[i] = s->ev[--s->nr_ev];
			return 1;
		}
	}
	return 0;
}

void mmt_shadow_cache_free(struct mmt_shadow *s, size_t op_index,
			   unsigned int cache, void *addr, uint32_t order,
			   int deferred, struct mmt_report *r)
{
	uintptr_t base = (uintptr_t)s->a.base, at = (uintptr_t)addr;
	uint64_t pfn;

	if (at < base || order >= 63 || !s->a.page_size)
		return;
	pfn = (uint64_t)(at - base) / s->a.page_size;
	if ((s->caps & MMT_CAP_TRACE) && !take_free_event(s, pfn, order))
		mmt_report_add(r, op_index, "trace", "TRACE-FREE",
			       "reclaim freed shrinker cache %u's block pfn "
			       "0x%llx order %u, but no mm_page_free came "
			       "for it",
			       cache, (unsigned long long)pfn, order);
	if (deferred) {
		if (s->nr_deferred == s->deferred_cap) {
			size_t cap = s->deferred_cap ? 2 * s->deferred_cap : 64;
			struct shadow_cfree *d =
				realloc(s->deferred, cap * sizeof(*d));

			if (!d) { /* release now: lenient, never wrong */
				cache_release(s, pfn, order, cache);
				return;
			}
			s->deferred = d;
			s->deferred_cap = cap;
		}
		s->deferred[s->nr_deferred].pfn = pfn;
		s->deferred[s->nr_deferred].order = order;
		s->deferred[s->nr_deferred].cache = cache;
		s->nr_deferred++;
		return;
	}
	cache_release(s, pfn, order, cache);
}

void mmt_shadow_cache_flush(struct mmt_shadow *s)
{
	for (size_t i = 0; i < s->nr_deferred; i++)
		cache_release(s, s->deferred[i].pfn, s->deferred[i].order,
			      s->deferred[i].cache);
	s->nr_deferred = 0;
}

uint64_t mmt_shadow_cache_pages(const struct mmt_shadow *s)
{
	return s->cache_pages;
}

void mmt_shadow_release(struct mmt_shadow *s, size_t op_index,
			unsigned int slot, struct mmt_report *r)
{
	struct mmt_shadow_block *b;
	uint64_t n;

	if (slot >= MMT_NR_SLOTS || !s->slots[slot].live)
		return;
	b = &s->slots[slot];
	n = 1ULL << b->order;
	trace_check(s, op_index, MMT_EV_PAGE_FREE, b->pfn, b->order, r);
	zone_account(s, b->pfn, relabel(s, b->pfn, n, slot + 1, 0), 0);
	b->live = 0;
	s->fill_ok[slot] = 0;
	s->nr_live--;
	s->live_pages -= n;
}

/* ------------------------------------------------------------ probe */

/* mmt_pfn_held_fn over the owner map */
static int shadow_held(const void *ctx, uint64_t pfn)
{
	const struct shadow_range *r = range_of(ctx, pfn);

	return r && (r->owner[pfn - r->start] || probe_held(ctx, pfn, 1) >= 0);
}

void mmt_shadow_probe_plan(const struct mmt_shadow *s, int zone, uint32_t top,
			   uint64_t *expect)
{
	/* nothing live and no layer pages: the owner map is all zero */
	int owned = s->nr_live || s->layer_pages || s->cache_pages;

	/* probe blocks of the zones drained before matter only inside */
	for (uint32_t z = 0; !owned && s->probe_pages && z < s->a.nr_zones;
	     z++) {
		const struct mmt_arena_zone *az = &s->a.zones[z];

		if ((zone < 0 || (int)az->type == zone) &&
		    az->end_pfn > az->start_pfn)
			owned = probe_held(s, az->start_pfn,
					   az->end_pfn - az->start_pfn) >= 0;
	}
	if (!s->a.nr_zones && s->probe_pages)
		owned = 1;

	mmt_arena_probe_plan(&s->a, zone, top, owned ? shadow_held : NULL, s,
			     expect);
}

int64_t mmt_shadow_probe_take(struct mmt_shadow *s, void *addr, uint32_t order,
			      int zone, struct mmt_report *r)
{
	unsigned long before = r->total;
	uint64_t pfn, n;
	int64_t at;
	int z1, z2;

	at = block_pfn(s, SIZE_MAX, order, addr, r);
	if (at < 0)
		return -1;
	pfn = (uint64_t)at;
	n = 1ULL << order;
	check_present(s, SIZE_MAX, pfn, order, r);
	z1 = zone_of(s, pfn);
	z2 = zone_of(s, pfn + n - 1);
	if (zone >= 0 && (s->caps & MMT_CAP_ZONES) &&
	    (z1 != zone || z2 != zone))
		mmt_report_add(r, SIZE_MAX, "shadow", "SHADOW-ZONE",
			       "capacity probe: block pfn 0x%llx order %u is "
			       "in zone %s .. %s, but every zone below %s is "
			       "already drained",
			       (unsigned long long)pfn, order,
			       mmt_zone_name(z1), mmt_zone_name(z2),
			       mmt_zone_name(zone));
	/* with no slot live and no layer pages the owner map is all zero */
	if (s->nr_live || s->layer_pages || s->cache_pages)
		check_overlap(s, SIZE_MAX, pfn, order, r);
	if (r->total == before && (at = probe_held(s, pfn, n)) >= 0)
		mmt_report_add(r, SIZE_MAX, "shadow", "SHADOW-OVERLAP",
			       "block pfn 0x%llx order %u overlaps a block the "
			       "capacity probe holds, first pfn 0x%llx",
			       (unsigned long long)pfn, order,
			       (unsigned long long)at);
	if (r->total != before)
		return -1; /* not marked: it may cover what others hold */
	probe_mark(s, pfn, n, 1); /* checked: all unowned */
	return (int64_t)pfn;
}

void mmt_shadow_probe_put(struct mmt_shadow *s, uint64_t pfn, uint32_t order)
{
	if (order < 63)
		probe_mark(s, pfn, 1ULL << order, 0);
}
