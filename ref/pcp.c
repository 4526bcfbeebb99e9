// SPDX-License-Identifier: MIT
/*
 * ref/pcp.c - the per-CPU page lists (struct per_cpu_pages) of each era.
 *
 * Pages on these lists are free but not in the buddy: NR_FREE_PAGES does
 * not count them and they do not merge until drained. Every order-0
 * allocation and free goes through the current CPU's list of the zone
 * (and, in 6.12, every order up to PAGE_ALLOC_COSTLY_ORDER and the THP
 * order): a list operation under the list's own lock, the zone lock taken
 * only to refill or drain a batch.
 *
 * 6.12 (mm/page_alloc.c):
 *   batch     zone_batchsize(): min(managed / 1024, 1 MiB of pages) / 4,
 *             at least 1, rounded down to a power of two of b + b/2,
 *             less 1; at least 1
 *   high_min  zone_highsize(0): the low watermark over the online CPUs,
 *             at least 4 x batch
 *   high_max  zone_highsize(8): managed / 8 over the online CPUs, at
 *             least 4 x batch
 *   high      starts at 0 and is clamped into [high_min, high_max] at
 *             each use; a refill raises it by the batch while the zone
 *             is above its high watermark (ZONE_BELOW_HIGH clear); a
 *             free lowers it when the zone is below, raises it to hold a
 *             run of frees (nr_pcp_high)
 *   free      the block goes on the head of its order's list for the
 *             migrate type of its pageblock (lists[3 * order + type];
 *             the THP order has two lists, movable or not); when count
 *             reaches high, nr_pcp_free() pages (the run of frees, at
 *             least batch, at most high - batch) go back to the buddy
 *             from the lists' tails, round robin from the freed order's
 *             list (free_pcppages_bulk); after a run of high-order frees,
 *             up to batch << 5 (free_high)
 *   alloc     from the head of the order's list; an empty list is
 *             refilled with nr_pcp_alloc() blocks (batch, scaled by
 *             alloc_factor for a run of order-0 allocations and halved
 *             by every free; for order o, batch >> o but at least 2)
 *   Not modelled: the periodic decay of high (decay_pcp_high runs from
 *   the vmstat worker, which ref does not have), ZONE_RECLAIM_ACTIVE (no
 *   reclaim yet), PCPF_FREE_HIGH_BATCH (set only for large caches).
 * 2.6.18: two lists of order-0 pages, hot and cold (struct
 *   per_cpu_pages pcp[2]); batch = present / 1024 capped at 512 KiB of
 *   pages, / 4, at least 1, then 2^n - 1 (zone_batchsize); the hot list
 *   has high 6 x batch and batch, the cold one 2 x batch and batch / 2
 *   (setup_pageset). A free goes on the hot list's head (free_hot_page);
 *   at high, batch pages go back from its tail (free_pages_bulk). An
 *   allocation takes the head of the hot list, or of the cold one with
 *   __GFP_COLD, refilling an empty list with batch pages.
 *
 * Locks: a list's lock (a spinlock: the kernel disables preemption and
 * takes pcp->lock) is taken before its zone's lock, never inside it;
 * ref_drain_all_pages() takes one list lock at a time; the checker takes
 * every list lock of a zone, in CPU order, then the zone's lock.
 */
#include <sched.h>
#include <string.h>

#include "internal.h"

#define PAGE_ALLOC_COSTLY_ORDER 3u
#define PCP_BATCH_SCALE_MAX 5 /* CONFIG_PCP_BATCH_SCALE_MAX */
#define PCPF_PREV_FREE_HIGH_ORDER 0x1u
#define PCPF_FREE_HIGH_BATCH 0x2u
#define MIN_PERCPU_PAGELIST_HIGH_FRACTION 8
#define THP_INDEX 12 /* lists[] index of the THP order's first list */

void ref_pcp_lock_slow(struct ref_per_cpu_pages *pcp)
{
	do {
		while (atomic_load_explicit(&pcp->lock, memory_order_relaxed))
			sched_yield();
	} while (atomic_exchange_explicit(&pcp->lock, 1, memory_order_acquire));
}

/* The kernel's clamp(): min(max(v, lo), hi), hi when lo > hi. */
static int clampi(int v, int lo, int hi)
{
	v = v < lo ? lo : v;
	return v > hi ? hi : v;
}

static int mini(int a, int b)
{
	return a < b ? a : b;
}

static int maxi(int a, int b)
{
	return a > b ? a : b;
}

static unsigned int index_order(const struct ref_mm *mm, int i)
{
	return i >= THP_INDEX ? mm->pcp_thp_order :
				(unsigned int)i / REF_MIGRATE_PCPTYPES;
}

unsigned int ref_pcp_list_order(const struct ref_mm *mm, int i)
{
	return mm->config.era == REF_ERA_2_6 ? 0 : index_order(mm, i);
}

int ref_pcp_nr_lists(const struct ref_mm *mm)
{
	return mm->config.era == REF_ERA_2_6 ? 2 : REF_NR_PCP_LISTS;
}

void ref_pcp_init(struct ref_mm *mm)
{
	struct ref_zone *zone;

	/* HPAGE_PMD_ORDER: 2 MiB pages on x86_64, 4 MiB without PAE */
	mm->pcp_thp_order = mm->config.profile == REF_PROFILE_X86_32 ? 10 : 9;
	atomic_store(&mm->cpu_online, mm->config.nr_cpus >= 64 ?
					      ~0ULL :
					      (1ULL << mm->config.nr_cpus) - 1);
	for_each_zone(mm, zone) {
		atomic_store(&zone->zflags, 0);
		/* only the machine's CPUs are ever used (every loop stops at
		 * nr_cpus; a recreate with more CPUs comes through here) */
		for (unsigned int c = 0; c < mm->config.nr_cpus; c++) {
			struct ref_per_cpu_pages *pcp = &zone->pageset[c];

			memset((char *)pcp + sizeof(pcp->lock), 0,
			       sizeof(*pcp) - sizeof(pcp->lock));
			atomic_store(&pcp->lock, 0);
			for (int i = 0; i < REF_NR_PCP_LISTS; i++)
				ref_list_init(&pcp->lists[i]);
		}
	}
}

static unsigned int nr_online(const struct ref_mm *mm)
{
	unsigned int n = (unsigned int)__builtin_popcountll(
		atomic_load(&mm->cpu_online));

	return n ? n : 1;
}

/* rounddown_pow_of_two(x) - 1 for x >= 1: both eras' 2^n - 1 clamp. */
static int pow2_less_one(unsigned long x)
{
	unsigned long p = 1;

	while (p <= x / 2)
		p <<= 1;
	return (int)(p - 1);
}

static int batch_612(const struct ref_mm *mm, const struct ref_zone *zone)
{
	unsigned long b = zone->managed_pages >> 10;
	unsigned long cap = (1UL << 20) / mm->page_size;

	if (b > cap)
		b = cap;
	b /= 4;
	if (b < 1)
		b = 1;
	return maxi(1, pow2_less_one(b + b / 2));
}

static int batch_26(const struct ref_mm *mm, const struct ref_zone *zone)
{
	unsigned long b = zone->present_pages / 1024;

	if (b * mm->page_size > 512 * 1024)
		b = 512 * 1024 / mm->page_size;
	b /= 4;
	if (b < 1)
		b = 1;
	return pow2_less_one(b + b / 2);
}

void ref_pcp_setup(struct ref_mm *mm)
{
	struct ref_zone *zone;
	unsigned int cpus = nr_online(mm);

	for_each_zone(mm, zone) {
		for (unsigned int c = 0; c < mm->config.nr_cpus; c++) {
			struct ref_per_cpu_pages *pcp = &zone->pageset[c];

			if (mm->config.era == REF_ERA_2_6) {
				int b = batch_26(mm, zone);

				pcp->hc[0].high = 6 * b;
				pcp->hc[0].batch = maxi(1, b);
				pcp->hc[1].high = 2 * b;
				pcp->hc[1].batch = maxi(1, b / 2);
				pcp->batch = pcp->hc[0].batch;
				pcp->high = pcp->hc[0].high;
				continue;
			} else {
				int b = batch_612(mm, zone);
				unsigned long lo =
					ref_wmark_pages(zone, REF_WMARK_LOW) /
					cpus;
				unsigned long hi =
					zone->managed_pages /
					MIN_PERCPU_PAGELIST_HIGH_FRACTION /
					cpus;

				pcp->batch = b;
				pcp->high_min = maxi((int)lo, b << 2);
				pcp->high_max = maxi((int)hi, b << 2);
				/* high keeps its value until its next use */
				pcp->high_clamped = 0;
			}
		}
	}
}

/* Take up to count blocks of order for type mt from the buddy onto
 * list's tail, __rmqueue keeping its mode from one block to the next. */
static int rmqueue_bulk(struct ref_mm *mm, struct ref_zone *zone,
			unsigned int order, int count,
			struct ref_list_head *list, int mt,
			unsigned int alloc_flags)
{
	int i, mode = REF_RMQUEUE_NORMAL;

	pthread_mutex_lock(&zone->lock);
	for (i = 0; i < count; i++) {
		unsigned long pfn = ref_rmqueue_locked(mm, zone, order, mt,
						       alloc_flags, &mode);
		struct ref_page *page;

		if (pfn == ~0UL)
			break;
		page = &mm->mem_map[pfn];
		ref_page_set(page, REF_PF(REF_PG_pcp));
		page->private = order;
		ref_list_add_tail(&page->lru, list);
	}
	pthread_mutex_unlock(&zone->lock);
	return i;
}

/* Give back count pages from the lists' tails, round robin from the
 * list after index i - 1, each under its pageblock's type at that moment
 * (free_pcppages_bulk). Caller holds pcp->lock. */
static void free_pcppages_bulk(struct ref_mm *mm, struct ref_zone *zone,
			       int count, struct ref_per_cpu_pages *pcp, int i)
{
	int nr = ref_pcp_nr_lists(mm);

	count = mini(pcp->count, count);
	i--;
	pthread_mutex_lock(&zone->lock);
	while (count > 0) {
		struct ref_list_head *list;
		unsigned int order;

		do {
			if (++i > nr - 1)
				i = 0;
			list = &pcp->lists[i];
		} while (ref_list_empty(list));
		order = ref_pcp_list_order(mm, i);
		do {
			struct ref_page *page = ref_list_entry(
				list->prev, struct ref_page, lru);
			unsigned long pfn = (unsigned long)(page - mm->mem_map);

			ref_list_del(&page->lru);
			ref_page_clear(page, REF_PF(REF_PG_pcp));
			page->private = 0;
			count -= 1 << order;
			pcp->count -= 1 << order;
			if (mm->config.era == REF_ERA_2_6)
				pcp->hc[i].count--;
			ref_free_one_page_mt_locked(mm, zone, pfn, order,
						    ref_pageblock_mt(mm, pfn));
		} while (count > 0 && !ref_list_empty(list));
	}
	pthread_mutex_unlock(&zone->lock);
}

/* nr_pcp_alloc(): how many blocks a refill takes. */
static int nr_pcp_alloc(struct ref_per_cpu_pages *pcp, struct ref_zone *zone,
			unsigned int order)
{
	int base = pcp->batch, batch, high;

	high = pcp->high = clampi(pcp->high, pcp->high_min, pcp->high_max);
	pcp->high_clamped = 1;
	if (high < base)
		return 1;
	batch = order ? base : base << pcp->alloc_factor;
	if (pcp->high_min != pcp->high_max &&
	    !(atomic_load_explicit(&zone->zflags, memory_order_relaxed) &
	      REF_ZONE_BELOW_HIGH))
		high = pcp->high = mini(high + batch, pcp->high_max);
	if (!order) {
		int max_nr = maxi(high - pcp->count - base, base);

		if (batch <= max_nr && pcp->alloc_factor < PCP_BATCH_SCALE_MAX)
			pcp->alloc_factor++;
		batch = mini(batch, max_nr);
	}
	if (batch > 1)
		batch = maxi(batch >> order, 2);
	return batch;
}

/* The page leaves a list for a live allocation. Caller holds pcp->lock. */
static unsigned long take_head(struct ref_mm *mm, struct ref_zone *zone,
			       struct ref_per_cpu_pages *pcp,
			       struct ref_list_head *list, unsigned int order,
			       ref_gfp_t gfp)
{
	struct ref_page *page =
		ref_list_first_entry(list, struct ref_page, lru);

	ref_list_del(&page->lru);
	ref_page_clear(page, REF_PF(REF_PG_pcp));
	page->private = 0;
	pcp->count -= 1 << order;
	ref_prep_new_page(zone, page, order, gfp);
	pcp->nr_alloc_pages += 1L << order;
	pcp->pgalloc++;
	return (unsigned long)(page - mm->mem_map);
}

unsigned long ref_pcp_alloc(struct ref_mm *mm, struct ref_zone *zone,
			    unsigned int order, ref_gfp_t gfp, unsigned int cpu,
			    int mt, unsigned int alloc_flags)
{
	struct ref_per_cpu_pages *pcp = &zone->pageset[cpu];
	int i = ref_pcp_index(mm, order, mt);
	unsigned long pfn = ~0UL;
	struct ref_list_head *list;

	ref_pcp_lock(pcp);
	if (mm->config.era == REF_ERA_2_6) {
		int cold = (gfp & REF_GFP_COLD) != 0;
		struct ref_pcp_list26 *l = &pcp->hc[cold];

		list = &pcp->lists[cold];
		if (!l->count) {
			int got = rmqueue_bulk(mm, zone, 0, l->batch, list, 0,
					       alloc_flags);

			l->count += got;
			pcp->count += got;
		}
		if (l->count) {
			l->count--;
			pfn = take_head(mm, zone, pcp, list, 0, gfp);
		}
		ref_pcp_unlock(pcp);
		return pfn;
	}
	pcp->free_count >>= 1;
	list = &pcp->lists[i];
	if (ref_list_empty(list)) {
		int batch = nr_pcp_alloc(pcp, zone, order);

		pcp->count += rmqueue_bulk(mm, zone, order, batch, list, mt,
					   alloc_flags)
			      << order;
	}
	if (!ref_list_empty(list))
		pfn = take_head(mm, zone, pcp, list, order, gfp);
	ref_pcp_unlock(pcp);
	return pfn;
}

/* nr_pcp_high(): the high a free is held to (may retune pcp->high). */
static int nr_pcp_high(struct ref_per_cpu_pages *pcp, struct ref_zone *zone,
		       int batch, int free_high)
{
	int high, high_min = pcp->high_min, high_max = pcp->high_max;

	high = pcp->high = clampi(pcp->high, high_min, high_max);
	pcp->high_clamped = 1;
	if (!high)
		return 0;
	if (free_high) {
		pcp->high =
			maxi(high - (batch << PCP_BATCH_SCALE_MAX), high_min);
		return 0;
	}
	if (high_min == high_max)
		return high;
	if (atomic_load_explicit(&zone->zflags, memory_order_relaxed) &
	    REF_ZONE_BELOW_HIGH) {
		int free_count = maxi(pcp->free_count, batch);

		pcp->high = maxi(high - free_count, high_min);
		high = maxi(pcp->count, high_min);
	} else if (pcp->count >= high) {
		int need_high = pcp->free_count + batch;

		if (pcp->high < need_high)
			pcp->high = clampi(need_high, high_min, high_max);
	}
	return high;
}

/* nr_pcp_free(): how many pages a free at high gives back. */
static int nr_pcp_free(struct ref_per_cpu_pages *pcp, int batch, int high,
		       int free_high)
{
	if (free_high)
		return mini(pcp->count, batch << PCP_BATCH_SCALE_MAX);
	if (high < batch)
		return 1;
	return clampi(pcp->free_count, batch, high - batch);
}

void ref_pcp_free(struct ref_mm *mm, struct ref_zone *zone,
		  struct ref_per_cpu_pages *pcp, unsigned long pfn,
		  unsigned int order, int mt)
{
	struct ref_page *page = &mm->mem_map[pfn];
	int i = ref_pcp_index(mm, order, mt), batch, high, free_high = 0;

	ref_page_set(page, REF_PF(REF_PG_pcp));
	page->private = order;
	pcp->nr_alloc_pages -= 1L << order;
	pcp->pgfree++;
	if (mm->config.era == REF_ERA_2_6) {
		struct ref_pcp_list26 *l = &pcp->hc[0];

		ref_list_add(&page->lru, &pcp->lists[0]);
		l->count++;
		pcp->count++;
		if (l->count >= l->high)
			free_pcppages_bulk(mm, zone, mini(l->batch, l->count),
					   pcp, 0);
		return;
	}
	pcp->alloc_factor >>= 1;
	ref_list_add(&page->lru, &pcp->lists[i]);
	pcp->count += 1 << order;
	batch = pcp->batch;
	if (order && order <= PAGE_ALLOC_COSTLY_ORDER) {
		free_high = pcp->free_count >= batch &&
			    (pcp->flags & PCPF_PREV_FREE_HIGH_ORDER) &&
			    (!(pcp->flags & PCPF_FREE_HIGH_BATCH) ||
			     pcp->count >= batch);
		pcp->flags |= PCPF_PREV_FREE_HIGH_ORDER;
	} else if (pcp->flags & PCPF_PREV_FREE_HIGH_ORDER) {
		pcp->flags &= ~PCPF_PREV_FREE_HIGH_ORDER;
	}
	if (pcp->free_count < (batch << PCP_BATCH_SCALE_MAX))
		pcp->free_count += 1 << order;
	high = nr_pcp_high(pcp, zone, batch, free_high);
	if (pcp->count >= high) {
		free_pcppages_bulk(mm, zone,
				   nr_pcp_free(pcp, batch, high, free_high),
				   pcp, i);
		if ((atomic_load_explicit(&zone->zflags, memory_order_relaxed) &
		     REF_ZONE_BELOW_HIGH) &&
		    ref_zone_watermark_ok(mm, zone, 0,
					  ref_wmark_pages(zone, REF_WMARK_HIGH),
					  REF_NR_ZONE_TYPES - 1, 0))
			atomic_fetch_and(&zone->zflags, ~REF_ZONE_BELOW_HIGH);
	}
}

int ref_zone_below_high(struct ref_zone *zone, int set)
{
	if (set)
		atomic_fetch_or(&zone->zflags, REF_ZONE_BELOW_HIGH);
	return (atomic_load_explicit(&zone->zflags, memory_order_relaxed) &
		REF_ZONE_BELOW_HIGH) != 0;
}

/* drain_pages_zone(): every page of cpu's lists of zone to the buddy. */
static void drain_pages_zone(struct ref_mm *mm, struct ref_zone *zone,
			     unsigned int cpu)
{
	struct ref_per_cpu_pages *pcp = &zone->pageset[cpu];

	ref_pcp_lock(pcp);
	if (pcp->count)
		free_pcppages_bulk(mm, zone, pcp->count, pcp, 0);
	ref_pcp_unlock(pcp);
}

void ref_drain_all_pages(struct ref_mm *mm)
{
	struct ref_zone *zone;

	REF_ASSERT(mm != NULL);
	for_each_populated_zone(mm, zone)
		for (unsigned int c = 0; c < mm->config.nr_cpus; c++)
			drain_pages_zone(mm, zone, c);
}

void ref_drain_local_pages(struct ref_mm *mm)
{
	struct ref_zone *zone;
	unsigned int cpu = ref_smp_processor_id(mm);

	for_each_populated_zone(mm, zone)
		drain_pages_zone(mm, zone, cpu);
}

unsigned long ref_pcp_pages(struct ref_mm *mm)
{
	struct ref_zone *zone;
	unsigned long sum = 0;

	for_each_populated_zone(mm, zone)
		for (unsigned int c = 0; c < mm->config.nr_cpus; c++) {
			struct ref_per_cpu_pages *pcp = &zone->pageset[c];

			ref_pcp_lock(pcp);
			sum += (unsigned long)pcp->count;
			ref_pcp_unlock(pcp);
		}
	return sum;
}

int ref_cpu_offline(struct ref_mm *mm, unsigned int cpu)
{
	struct ref_zone *zone;

	REF_ASSERT(mm != NULL);
	if (!ref_cpu_is_online(mm, cpu) || nr_online(mm) == 1)
		return -1;
	atomic_fetch_and(&mm->cpu_online, ~(1ULL << cpu));
	/* page_alloc_cpu_dead(): its lists go back, the others' high is
	 * shared among fewer CPUs */
	for_each_populated_zone(mm, zone)
		drain_pages_zone(mm, zone, cpu);
	ref_pcp_setup(mm);
	return 0;
}

int ref_cpu_online(struct ref_mm *mm, unsigned int cpu)
{
	REF_ASSERT(mm != NULL);
	if (cpu >= mm->config.nr_cpus || ref_cpu_is_online(mm, cpu))
		return -1;
	atomic_fetch_or(&mm->cpu_online, 1ULL << cpu);
	ref_pcp_setup(mm);
	return 0;
}
