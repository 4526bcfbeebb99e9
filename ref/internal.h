/* SPDX-License-Identifier: MIT */
/*
 * ref/internal.h - cross-file internals of ref/, grouped by defining file.
 *
 * Not a public header: only the ref/ sources and the white-box tests in tests/ref/
 * include it. It holds the intrusive list helpers (the kernel's list.h in
 * miniature), the three assert tiers, the zone/bank iterators and the
 * prototypes each ref/ file exports to the others.
 *
 * Assert tiers (chosen by REF_ASSERT_LEVEL, set by cmake):
 *   REF_ASSERT           level >= 1  API preconditions, O(1)
 *   REF_ASSERT_INTERNAL  level >= 2  internal consistency, O(1)
 *   REF_ASSERT_EXPENSIVE level >= 3  consistency that costs O(block) or more
 * A disabled assert still type-checks its expression without evaluating it
 * (the kernel's VM_BUG_ON does the same). The failure path writes with
 * write(2), calls the embedder's handler when one is set
 * (ref_set_assert_handler, mm.h) and aborts; it never allocates.
 *
 * A build with an injected bug (REF_BUG != 0) keeps only REF_ASSERT: the
 * point of such a build is that the checker and the shadow model, not an
 * internal assert, find the bug.
 */
#ifndef REF_INTERNAL_H
#define REF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ref/check.h"
#include "ref/gfp.h"
#include "ref/mm.h"
#include "ref/shrinker.h"
#include "ref/types.h"

#ifndef REF_ASSERT_LEVEL
#define REF_ASSERT_LEVEL 1
#endif
#ifndef REF_BUG
#define REF_BUG 0
#endif

#if REF_BUG != 0
#define REF_ASSERT_EFFECTIVE_LEVEL (REF_ASSERT_LEVEL > 1 ? 1 : REF_ASSERT_LEVEL)
#else
#define REF_ASSERT_EFFECTIVE_LEVEL REF_ASSERT_LEVEL
#endif

/* ---------------------------------------------------------- machine.c */

/* vsnprintf into err when err and errlen are non-zero: the one way every
 * ref_*_create and validator says why it refused. */
void ref_set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Report an assert failure, call the handler, abort. Never allocates. */
_Noreturn void ref_assert_fail(const char *file, int line, const char *expr);

/* text: the expression as written (stringized before macro expansion) */
#define REF_ASSERT_ON(expr, text) \
	((expr) ? (void)0 : ref_assert_fail(__FILE__, __LINE__, text))
#define REF_ASSERT_OFF(expr) ((void)sizeof(!(expr)))

#if REF_ASSERT_EFFECTIVE_LEVEL >= 1
#define REF_ASSERT(expr) REF_ASSERT_ON(expr, #expr)
#else
#define REF_ASSERT(expr) REF_ASSERT_OFF(expr)
#endif
#if REF_ASSERT_EFFECTIVE_LEVEL >= 2
#define REF_ASSERT_INTERNAL(expr) REF_ASSERT_ON(expr, #expr)
#else
#define REF_ASSERT_INTERNAL(expr) REF_ASSERT_OFF(expr)
#endif
#if REF_ASSERT_EFFECTIVE_LEVEL >= 3
#define REF_ASSERT_EXPENSIVE(expr) REF_ASSERT_ON(expr, #expr)
#define REF_EXPENSIVE_CHECKS 1
#else
#define REF_ASSERT_EXPENSIVE(expr) REF_ASSERT_OFF(expr)
#define REF_EXPENSIVE_CHECKS 0
#endif

#define REF_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Page flag helpers: flags are bits, tested as bits. */
#define REF_PF(bit) (1UL << (bit))

/*
 * A page's flags are written by whoever holds it (the zone lock for a
 * page in the buddy, a list lock for a page on a per-CPU list, the lock
 * its free or allocation holds), one writer at a time, but read by a
 * merge under the zone lock while another CPU frees the neighbouring page
 * onto its list: every access is a relaxed atomic load or store (no
 * read-modify-write is needed with one writer), as the kernel's
 * READ_ONCE/WRITE_ONCE of page->flags and page_type.
 */
static inline unsigned long ref_page_flags(const struct ref_page *page)
{
	return __atomic_load_n(&page->flags, __ATOMIC_RELAXED);
}

static inline void ref_page_set(struct ref_page *page, unsigned long mask)
{
	__atomic_store_n(&page->flags, ref_page_flags(page) | mask,
			 __ATOMIC_RELAXED);
}

static inline void ref_page_clear(struct ref_page *page, unsigned long mask)
{
	__atomic_store_n(&page->flags, ref_page_flags(page) & ~mask,
			 __ATOMIC_RELAXED);
}

static inline int ref_page_test(const struct ref_page *page, int bit)
{
	return (ref_page_flags(page) & REF_PF(bit)) != 0;
}

/* Record a bad_page() report: counts it and keeps the message. */
void ref_bad_page(struct ref_mm *mm, unsigned long pfn, const char *reason);
/* Record a request whose mask gfp_zone() refuses: counts it and keeps the
 * message (ref_gfp_zone_bad_count). */
void ref_gfp_zone_bad(struct ref_mm *mm, ref_gfp_t gfp);

/*
 * The pfn of page if page points at an element of mem_map, else ~0UL.
 * Safe on any pointer value (never dereferences it).
 */
unsigned long ref_page_pfn_checked(const struct ref_mm *mm,
				   const struct ref_page *page);

/* Bytes -> "4K", "16M", "1G" when exact, else plain bytes. */
size_t ref_format_size(uint64_t bytes, char *buf, size_t len);

/* ---------------------------------------------------------- memblock.c */

/*
 * Turn the validated config into present banks (pfns, sorted, touching
 * banks merged, mem= applied) in mm->bank_start/end and set max_pfn.
 */
void ref_memblock_layout(struct ref_mm *mm);

/* Mark reserved ranges PG_reserved; returns the reserved page count. */
unsigned long ref_memblock_reserve_pages(struct ref_mm *mm);

/* Hand every free present range to the buddy (memblock_free_all). */
void ref_memblock_free_all(struct ref_mm *mm);
/* Watermarks, min_free_kbytes and lowmem reserves of every zone, once
 * the buddy holds every free page (ref/watermark.c). */
void ref_setup_watermarks(struct ref_mm *mm);

/* The bank index holding pfn, or -1 (a hole or beyond max_pfn). */
int ref_memblock_bank_of(const struct ref_mm *mm, unsigned long pfn);

#define for_each_bank(mm, i) for ((i) = 0; (i) < (mm)->nr_banks; (i)++)

/* ---------------------------------------------------------- zone.c */

/* Is this zone type part of the machine's profile? */
int ref_zone_configured(const struct ref_mm *mm, enum ref_zone_type type);

/* The first pfn of a zone type's range for the profile (not clamped). */
unsigned long ref_zone_low_pfn(const struct ref_mm *mm,
			       enum ref_zone_type type);

/* The zone type whose profile range holds pfn. */
enum ref_zone_type ref_pfn_zone_type(const struct ref_mm *mm,
				     unsigned long pfn);

/* Set up every zone's span, present/managed counts, lists and locks. */
void ref_zones_init(struct ref_mm *mm);
void ref_zones_destroy(struct ref_mm *mm);

static inline unsigned long ref_zone_end_pfn(const struct ref_zone *zone)
{
	return zone->zone_start_pfn + zone->spanned_pages;
}

#define for_each_zone(mm, zone)        \
	for ((zone) = &(mm)->zones[0]; \
	     (zone) < &(mm)->zones[REF_NR_ZONE_TYPES]; (zone)++)
#define for_each_populated_zone(mm, zone) \
	for_each_zone(mm, zone)           \
		if (!(zone)->populated) { \
		} else

/* ---------------------------------------------------------- page_alloc.c */

/*
 * Put a free block of 2^order pages at pfn on its free list with no merge
 * (boot). Caller holds zone->lock or is single threaded (creation).
 */
void ref_add_boot_block_locked(struct ref_mm *mm, struct ref_zone *zone,
			       unsigned long pfn, unsigned int order);

/* The free lists (callers hold zone->lock): put a free block's head on
 * free_area[order].free_list[mt] (at the tail or the head), take it off,
 * move it from old_mt's list to the tail of new_mt's, each counting
 * NR_FREE_PAGES as account_freepages does (not for ISOLATE; HIGHATOMIC
 * also in nr_free_highatomic); expand(): split the block of order high
 * at pfn (already off its list) down to low, the upper halves onto mt's
 * lists. */
void ref_add_to_free_list_locked(struct ref_zone *zone, struct ref_page *page,
				 unsigned int order, int mt, int tail);
void ref_del_from_free_list_locked(struct ref_zone *zone, struct ref_page *page,
				   unsigned int order, int mt);
void ref_move_free_block_locked(struct ref_zone *zone, struct ref_page *page,
				unsigned int order, int old_mt, int new_mt);
void ref_expand_locked(struct ref_mm *mm, struct ref_zone *zone,
		       unsigned long pfn, unsigned int low, unsigned int high,
		       int mt);
/* free_one_page: a block already cleared of owner state back to the
 * buddy, split into pageblocks when larger than one, each merged under
 * its pageblock's type (split_large_buddy, __free_one_page). Caller
 * holds zone->lock. */
void ref_free_one_page_locked(struct ref_mm *mm, struct ref_zone *zone,
			      unsigned long pfn, unsigned int order);
/* __free_one_page itself, for a block inside one pageblock or of a
 * known type (a per-CPU list's drain). */
void ref_free_one_page_mt_locked(struct ref_mm *mm, struct ref_zone *zone,
				 unsigned long pfn, unsigned int order, int mt);
/* The page state of a new live allocation (the caller counts it). */
void ref_prep_new_page(struct ref_zone *zone, struct ref_page *page,
		       unsigned int order, ref_gfp_t gfp);

/* The simulated CPU of this thread (machine.c, ref_cpu_enter), valid
 * for one machine at a time; read inline on the allocation path. */
struct ref_current_cpu {
	const struct ref_mm *mm;
	unsigned int cpu;
};
extern _Thread_local struct ref_current_cpu ref_current_cpu;

static inline unsigned int ref_this_cpu(const struct ref_mm *mm)
{
	return ref_current_cpu.mm == mm ? ref_current_cpu.cpu : 0;
}

/* ---------------------------------------------------------- pcp.c */

void ref_pcp_lock_slow(struct ref_per_cpu_pages *pcp);

static inline void ref_pcp_lock(struct ref_per_cpu_pages *pcp)
{
	if (atomic_exchange_explicit(&pcp->lock, 1, memory_order_acquire))
		ref_pcp_lock_slow(pcp);
}

static inline void ref_pcp_unlock(struct ref_per_cpu_pages *pcp)
{
	atomic_store_explicit(&pcp->lock, 0, memory_order_release);
}

/* lists[] index of an order and a migrate type below
 * REF_MIGRATE_PCPTYPES on the era's lists, or -1: not held there (6.12,
 * order_to_pindex: 3 * order + mt for orders 0..PAGE_ALLOC_COSTLY_ORDER,
 * 12 and 13 for the THP order, not movable and movable; 2.6.18: order 0
 * only, hot list first) */
static inline int ref_pcp_index(const struct ref_mm *mm, unsigned int order,
				int mt)
{
	if (mm->config.era == REF_ERA_2_6)
		return order == 0 ? 0 : -1;
	if (order <= 3)
		return (int)(REF_MIGRATE_PCPTYPES * order) + mt;
	if (order != mm->pcp_thp_order)
		return -1;
	return REF_MIGRATE_PCPTYPES * 4 + (mt == REF_MIGRATE_MOVABLE);
}

static inline int ref_cpu_is_online(const struct ref_mm *mm, unsigned int cpu)
{
	return cpu < mm->config.nr_cpus &&
	       ((atomic_load_explicit(&mm->cpu_online, memory_order_relaxed) >>
		 cpu) &
		1);
}
/* the order of lists[i], and how many lists the era has */
unsigned int ref_pcp_list_order(const struct ref_mm *mm, int i);
int ref_pcp_nr_lists(const struct ref_mm *mm);
/* Empty every list (boot), then the era's batch and high (after the
 * watermarks: zone_pcp_update). */
void ref_pcp_init(struct ref_mm *mm);
void ref_pcp_setup(struct ref_mm *mm);
/* rmqueue_pcplist: a live block from cpu's list of zone, or ~0UL. Takes
 * the list's lock (and the zone's to refill). */
unsigned long ref_pcp_alloc(struct ref_mm *mm, struct ref_zone *zone,
			    unsigned int order, ref_gfp_t gfp, unsigned int cpu,
			    int mt, unsigned int alloc_flags);
/* free_unref_page_commit: a block cleared of owner state onto pcp's
 * list for migrate type mt. Caller holds pcp's lock. */
void ref_pcp_free(struct ref_mm *mm, struct ref_zone *zone,
		  struct ref_per_cpu_pages *pcp, unsigned long pfn,
		  unsigned int order, int mt);
/* ZONE_BELOW_HIGH: set it when set, return it */
int ref_zone_below_high(struct ref_zone *zone, int set);

/* ---------------------------------------------------------- proc.c */

/* A zone's lowmem_reserve[] (reserve) as the kernel's zone array lists
 * it (zoneinfo's protection, show_free_areas' lowmem_reserve[]): fills
 * row, returns the number of entries. */
unsigned int ref_lowmem_reserve_row(const struct ref_mm *mm,
				    const unsigned long *reserve,
				    unsigned long row[REF_NR_ZONE_TYPES]);

/* ---------------------------------------------------------- show_mem.c */

/*
 * warn_alloc() for a request that failed (not injected, its order and
 * mask accepted): unless __GFP_NOWARN (or __GFP_DMA with no DMA pages)
 * says no, snapshot the zones up to highest, count it, keep it as the
 * latest and hand it to the trace subscriber. Caller holds no lock.
 */
void ref_warn_alloc(struct ref_mm *mm, ref_gfp_t gfp, unsigned int order,
		    int highest);
/* The warning's text (the kernel's log lines, '\n' after each). */
size_t ref_alloc_warn_format(const struct ref_mm *mm,
			     const struct ref_alloc_warn *w, char *buf,
			     size_t len);

/* ---------------------------------------------------------- check.c */

/*
 * Append to a snprintf-style buffer (machine.c): pos counts the whole
 * text, as snprintf's return does, even where buf ran out; buf stays
 * terminated when len > 0.
 */
struct ref_fmtbuf {
	char *buf;
	size_t len;
	size_t pos;
};
void ref_fb_printf(struct ref_fmtbuf *fb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Add one finding with a preformatted message (checkers of other files). */
void ref_check_report(struct ref_report *r, const char *id, enum ref_cost cost,
		      unsigned long pfn, const char *msg);

/* ---------------------------------------------------------- fault.c */

/* A fail_* key of ref_config_parse() onto f: 0, or -1 with err naming
 * the key. */
int ref_fault_parse_key(struct ref_fault_config *f, const char *key,
			size_t klen, const char *val, size_t vlen, char *err,
			size_t errlen);
/* Append f's keys that differ from ref_config_init()'s to fb. */
void ref_fault_format(const struct ref_fault_config *f, struct ref_fmtbuf *fb);
/* 0, or -1 with err naming the key out of range. */
int ref_fault_validate(const struct ref_fault_config *f, char *err,
		       size_t errlen);

/* ---------------------------------------------------------- shrinker.c */

/* Whether gfp lets shrinker s run: its REF_SHRINKER_NEEDS_* are in gfp. */
int ref_shrinker_allowed(const struct ref_shrinker *s, ref_gfp_t gfp);
/*
 * do_shrink_slab: one shrinker at priority, by the era's formula; the
 * objects its scan calls freed. Whether the mask lets s run is the
 * caller's test (ref_shrink_slab); a scan call against it is recorded
 * here all the same (CTX-RECLAIM). Caller holds no ref lock and a
 * reference on s (active).
 */
unsigned long ref_do_shrink_slab(struct ref_mm *mm, struct ref_shrinker *s,
				 struct ref_shrink_control *sc, int priority);

/* ---------------------------------------------------------- reclaim.c */

/*
 * What the calling thread is doing for a machine (the kernel's
 * current->flags and current->reclaim_state): PF_MEMALLOC while it
 * reclaims (an allocation then neither reclaims nor keeps to the
 * watermarks), PF_KSWAPD while it runs a balancing pass, PF_OOM inside
 * out_of_memory(); reclaimed counts the pages this thread freed on the
 * machine meanwhile (its progress).
 */
#define REF_PF_MEMALLOC 0x1u
#define REF_PF_KSWAPD 0x2u
#define REF_PF_OOM 0x4u

struct ref_reclaim_current {
	const struct ref_mm *mm; /* NULL: none */
	unsigned int flags; /* REF_PF_* */
	unsigned long reclaimed; /* pages freed on mm since entering */
};
extern _Thread_local struct ref_reclaim_current ref_reclaim_current;

/* A free of 2^order pages on mm by this thread (page_alloc.c). */
static inline void ref_reclaim_account(const struct ref_mm *mm,
				       unsigned int order)
{
	if (ref_reclaim_current.mm == mm)
		ref_reclaim_current.reclaimed += 1UL << order;
}

/* REF_PF_* of this thread for mm. */
static inline unsigned int ref_current_flags(const struct ref_mm *mm)
{
	return ref_reclaim_current.mm == mm ? ref_reclaim_current.flags : 0;
}

/* Enter (flags) and leave a reclaim scope on mm; leave returns the pages
 * this thread freed on mm inside it. Scopes nest. */
void ref_reclaim_enter(struct ref_mm *mm, unsigned int flags,
		       struct ref_reclaim_current *save);
unsigned long ref_reclaim_leave(const struct ref_reclaim_current *save);

/*
 * try_to_free_pages: one direct reclaim round for gfp (shrink_slab from
 * REF_DEF_PRIORITY down until REF_SWAP_CLUSTER_MAX pages came back);
 * the pages freed. Caller holds no ref lock.
 */
unsigned long ref_try_to_free_pages(struct ref_mm *mm, ref_gfp_t gfp,
				    unsigned int order);
/* wakeup_kswapd for a request of order whose highest zone is highest. */
void ref_wakeup_kswapd(struct ref_mm *mm, ref_gfp_t gfp, unsigned int order,
		       int highest);
/* The inline kswapd pass a wake-up asked for (no thread runs). */
void ref_kswapd_inline(struct ref_mm *mm);
static inline void ref_kswapd_after_alloc(struct ref_mm *mm)
{
	if (atomic_load_explicit(&mm->reclaim.kswapd_wanted,
				 memory_order_relaxed))
		ref_kswapd_inline(mm);
}
/*
 * out_of_memory(): the OOM hook, then the kernel's answer without a task
 * to kill: 1 (progress) when the hook freed pages or the mask has no
 * __GFP_FS (the kernel retries such a request), else 0. *freed: the
 * pages the hook said it freed.
 */
int ref_out_of_memory(struct ref_mm *mm, ref_gfp_t gfp, unsigned int order,
		      unsigned long *freed);
/* Hold off kswapd passes (ref_check): pass_lock. */
void ref_kswapd_pause(struct ref_mm *mm);
void ref_kswapd_resume(struct ref_mm *mm);

/* ------------------------------------------------------- components */

/*
 * A part of the machine above the buddy that keeps state of its own (the
 * memory pools; later the slab caches, vmalloc areas ...). Each is one row
 * of ref_components[] (machine.c), run in that order.
 */
struct ref_component {
	const char *name;
	/* At machine creation, before the first page is handed out. */
	void (*init)(struct ref_mm *mm);
	/* Forget all state without touching the buddy (reset, recreate). */
	void (*drop)(struct ref_mm *mm);
	/* At machine destruction: drop, then release what init made. */
	void (*exit)(struct ref_mm *mm);
	/* Its checkers, adding findings to r (ref_check). Caller holds no
	 * zone or component lock. */
	void (*check)(struct ref_mm *mm, enum ref_check_level level,
		      struct ref_report *r);
};

extern const struct ref_component *const ref_components[];
extern const size_t ref_nr_components;

/* The rows (each component's own file). */
extern const struct ref_component ref_upool_component; /* upool.c */
extern const struct ref_component ref_fault_component; /* fault.c */
extern const struct ref_component ref_reclaim_component; /* reclaim.c */

/* ---------------------------------------------------------- migrate.c */

/* ALLOC_* flags of the allocation path that only ref/ uses */
#define REF_ALLOC_NOFRAGMENT 0x100u
#define REF_ALLOC_KSWAPD 0x800u /* = __GFP_KSWAPD_RECLAIM */
/* zone->zflags bits */
#define REF_ZONE_BELOW_HIGH 0x1u
#define REF_ZONE_BOOSTED_WATERMARK 0x2u

/* __rmqueue's modes (rmqueue_mode, without CMA) */
enum { REF_RMQUEUE_NORMAL, REF_RMQUEUE_CLAIM, REF_RMQUEUE_STEAL };

extern const char *const ref_migratetype_names[REF_MIGRATE_TYPES];

/* pageblock_order, the types at boot (after the reserved pages are
 * counted), mobility grouping on or off; -1: out of memory */
int ref_migrate_setup(struct ref_mm *mm);
void ref_migrate_release(struct ref_mm *mm);
/* gfp_migratetype (UNMOVABLE in 2.6.18 and with grouping off) */
int ref_gfp_migratetype(const struct ref_mm *mm, ref_gfp_t gfp);

/* wmark_pages(): a watermark with the zone's boost (6.12; 0 in 2.6) */
static inline unsigned long ref_wmark_pages(const struct ref_zone *zone, int i)
{
	return zone->watermark[i] +
	       __atomic_load_n(&zone->watermark_boost, __ATOMIC_RELAXED);
}

static inline int ref_pageblock_mt(const struct ref_mm *mm, unsigned long pfn)
{
	return __atomic_load_n(&mm->pageblock_mt[pfn >> mm->pageblock_order],
			       __ATOMIC_RELAXED);
}

/* change_pageblock_range: every pageblock of the aligned 2^order range
 * of pfn (at least one pageblock) takes type mt. zone->lock held. */
void ref_set_pageblock_range_locked(struct ref_mm *mm, unsigned long pfn,
				    unsigned int order, int mt);
/* __free_one_page's barrier: at order >= pageblock_order, blocks of
 * different types merge only when both types can. */
int ref_merge_blocked(const struct ref_mm *mm, unsigned int order, int mt,
		      int buddy_mt);
/* Under zone->lock, each the pfn of a block of 2^order pages taken off
 * the free lists, or ~0UL: __rmqueue_smallest from type mt; __rmqueue
 * (smallest, claim, steal) in *mode; rmqueue_buddy's (the highatomic
 * reserve first for ALLOC_HIGHATOMIC, last for non-blocking and OOM
 * requests). */
unsigned long ref_rmqueue_smallest_locked(struct ref_mm *mm,
					  struct ref_zone *zone,
					  unsigned int order, int mt);
unsigned long ref_rmqueue_locked(struct ref_mm *mm, struct ref_zone *zone,
				 unsigned int order, int mt,
				 unsigned int alloc_flags, int *mode);
unsigned long ref_rmqueue_buddy_locked(struct ref_mm *mm, struct ref_zone *zone,
				       unsigned int order, int mt,
				       unsigned int alloc_flags);
/* reserve_highatomic_pageblock after an ALLOC_HIGHATOMIC success at pfn
 * (zone->lock held); unreserve_highatomic_pageblock over the zones from
 * highest down (takes each zone's lock): 1 when a block went back */
void ref_reserve_highatomic_locked(struct ref_mm *mm, struct ref_zone *zone,
				   unsigned long pfn, unsigned int order);
int ref_unreserve_highatomic(struct ref_mm *mm, int highest, int mt, int force);
/* The end of a boosted balance_pgdat: the zone's boost loses what it was
 * when the pass began, nr (takes zone->lock) */
void ref_zone_boost_done(struct ref_mm *mm, struct ref_zone *zone,
			 unsigned long nr);

/* ---------------------------------------------------------- trace.c */

void ref_trace_emit(struct ref_mm *mm, enum ref_trace_type type,
		    const struct ref_page *page, unsigned long pfn,
		    unsigned int order, uint32_t gfp);
void ref_trace_emit_pageblock(struct ref_mm *mm, unsigned long pfn,
			      unsigned int order, int mt);
void ref_trace_emit_boost(struct ref_mm *mm, const struct ref_zone *zone);
/* REF_TRACE_WARN_ALLOC carrying w (valid during the callback only). */
void ref_trace_emit_warn(struct ref_mm *mm, const struct ref_alloc_warn *w);

/* ---------------------------------------------------------- lists */

static inline void ref_list_init(struct ref_list_head *head)
{
	head->next = head;
	head->prev = head;
}

static inline int ref_list_empty(const struct ref_list_head *head)
{
	return head->next == head;
}

static inline void ref_list_insert(struct ref_list_head *entry,
				   struct ref_list_head *prev,
				   struct ref_list_head *next)
{
	next->prev = entry;
	entry->next = next;
	entry->prev = prev;
	prev->next = entry;
}

/* Add entry right after head (stack order: list head is the newest). */
static inline void ref_list_add(struct ref_list_head *entry,
				struct ref_list_head *head)
{
	ref_list_insert(entry, head, head->next);
}

/* Add entry at the tail (queue order). */
static inline void ref_list_add_tail(struct ref_list_head *entry,
				     struct ref_list_head *head)
{
	ref_list_insert(entry, head->prev, head);
}

/* Unlink entry and clear its links, so an unlisted page reads as zero. */
static inline void ref_list_del(struct ref_list_head *entry)
{
	entry->next->prev = entry->prev;
	entry->prev->next = entry->next;
	entry->next = NULL;
	entry->prev = NULL;
}

/* container_of through void * so -Wcast-align stays quiet. */
#define ref_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))
#define ref_list_entry(ptr, type, member) ref_container_of(ptr, type, member)
#define ref_list_first_entry(head, type, member) \
	ref_list_entry((head)->next, type, member)

#define ref_list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

#endif /* REF_INTERNAL_H */
