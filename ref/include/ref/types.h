/* SPDX-License-Identifier: MIT */
/*
 * ref/types.h - every structure of the reference machine, in one place.
 *
 * Models the data structures of Linux mm: struct page (mem_map), struct zone
 * with its free_area[] (include/linux/mmzone.h), and the machine that holds
 * them (one pg_data_t, node 0). Field comments give the unit of each value.
 *
 * Two eras are modelled and selected by struct ref_config.era:
 *   REF_ERA_6_12 (default) - Linux 6.12: NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1.
 *   REF_ERA_2_6            - Linux 2.6.18 (the seeds): MAX_ORDER = 11 orders.
 * Both spell "11 orders, 0..10" by default; nr_orders below is the count.
 *
 * Nothing in this header knows about the harness.
 */
#ifndef REF_TYPES_H
#define REF_TYPES_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define REF_NR_ORDERS_DEFAULT \
	11 /* orders 0..10: 2.6 MAX_ORDER, 6.12 NR_PAGE_ORDERS */
#define REF_NR_ORDERS_MAX 16 /* configurable up to orders 0..15 */
#define REF_MAX_BANKS 8 /* e820-style usable RAM ranges */
#define REF_MAX_RESERVED 8 /* memblock_reserve()d ranges */
#define REF_MAX_CPUS 64
#define REF_RAM_MIN (1ULL << 20) /* 1 MiB */
#define REF_RAM_MAX (1ULL << 40) /* 1 TiB of simulated RAM */

enum ref_profile {
	REF_PROFILE_X86_64 = 0, /* DMA < 16M <= DMA32 < 4G <= NORMAL */
	REF_PROFILE_X86_32 = 1, /* DMA < 16M <= NORMAL < 896M <= HIGHMEM */
};

enum ref_era {
	REF_ERA_6_12 = 0, /* default */
	REF_ERA_2_6 = 1, /* the seeds: 2.6.18 */
};

/* The kernel's enum zone_type order: fallback goes from high to low. */
enum ref_zone_type {
	REF_ZONE_DMA = 0,
	REF_ZONE_DMA32 = 1,
	REF_ZONE_NORMAL = 2,
	REF_ZONE_HIGHMEM = 3,
	REF_NR_ZONE_TYPES = 4,
};

/* Watermark indices (enum zone_watermarks). */
enum ref_wmark {
	REF_WMARK_MIN = 0,
	REF_WMARK_LOW = 1,
	REF_WMARK_HIGH = 2,
	REF_WMARK_PROMO = 3,
	REF_NR_WMARK = 4,
};

/* A physical range in bytes. Both fields page aligned once validated. */
struct ref_mem_range {
	uint64_t start; /* bytes */
	uint64_t size; /* bytes */
};

/*
 * fail_page_alloc's knobs (mm/fail_page_alloc.c and the fault_attr of
 * lib/fault-inject.c, Linux 6.12), per machine; ref/fault.c. Off while
 * probability and nth are both 0 (ref_config_init's state).
 */
struct ref_fault_config {
	unsigned int probability; /* percent of eligible calls, 0..100 */
	unsigned long
		interval; /* calls; fail only every interval-th (0, 1: each) */
	int times; /* failures at most: -1 no limit (the default), 0 none */
	int space; /* pages (2^order per call) let through before any fails */
	unsigned int min_order; /* orders below it never fail */
	int ignore_wait; /* 1: a mask with __GFP_DIRECT_RECLAIM never fails */
	int ignore_highmem; /* 1: a mask with __GFP_HIGHMEM never fails */
	unsigned int nth; /* the nth eligible call fails, once (1-based); 0 off */
	uint64_t seed; /* splitmix64 seed of the probability draws */
};

/* The fault_attr counters of one machine, restarted by reset/recreate. */
struct ref_fault_state {
	int loaded; /* 0: reload from config.fail at the next call */
	unsigned long count; /* calls past space while interval > 1 */
	int times; /* failures left (-1: no limit) */
	int space; /* pages left to let through */
	unsigned int nth; /* eligible calls left until the forced failure */
	uint64_t prng; /* splitmix64 state */
	unsigned long nr_injected; /* failures injected since boot */
};

struct ref_config {
	enum ref_profile profile;
	enum ref_era era;
	/*
	 * Physical layout. With nr_banks == 0 one bank [0, ram) is used.
	 * Otherwise banks[] are the usable ranges (holes between them) and
	 * ram is ignored.
	 */
	uint64_t ram; /* bytes */
	unsigned int nr_banks;
	struct ref_mem_range banks[REF_MAX_BANKS];
	unsigned int nr_reserved;
	struct ref_mem_range reserved[REF_MAX_RESERVED];
	uint64_t mem_limit; /* bytes, the mem= boot parameter; 0 = none */
	unsigned int page_shift; /* 12 (4 KiB) or 13 (8 KiB) */
	unsigned int nr_orders; /* orders 0..nr_orders-1; 1..REF_NR_ORDERS_MAX */
	unsigned int nr_cpus; /* 1..REF_MAX_CPUS */
	/* vm.min_free_kbytes as set by a user: 0 = the boot-time value
	 * (calculate_min_free_kbytes / init_per_zone_pages_min) */
	unsigned long min_free_kbytes;
	/* vm.watermark_scale_factor (6.12 only; 0 = the default, 10) */
	unsigned int watermark_scale_factor;
	struct ref_fault_config fail; /* fault injection (ref/fault.c) */
};

/* Minimal intrusive list, the kernel's list_head. */
struct ref_list_head {
	struct ref_list_head *next;
	struct ref_list_head *prev;
};

/* struct page flag bits (include/linux/page-flags.h names). */
enum ref_pageflags {
	REF_PG_reserved = 0, /* never handed to the buddy (holes, memblock) */
	REF_PG_buddy = 1, /* head of a free block on free_area[private] */
	/* head of a compound page: a live __GFP_COMP block of order > 0
	 * (6.12 PG_head; 2.6.18 set PG_compound on every page of it) */
	REF_PG_head = 2,
	/* tail of a compound page: compound_head names its head (6.12 keeps
	 * the head in compound_head with bit 0 for "tail") */
	REF_PG_tail = 3,
	REF_PG_slab = 4, /* owned by a slab cache (not used yet) */
	REF_PG_owner = 5, /* page_owner: head of a live allocation */
	REF_PG_highmem = 6, /* lies in ZONE_HIGHMEM: no permanent mapping */
	/* head of a free block on a per-CPU list, private = its order (the
	 * kernel knows such a page by its list; ref marks it for the
	 * checker) */
	REF_PG_pcp = 7,
	REF_NR_PAGEFLAGS
};

/*
 * One per page frame, in mem_map. The all-zero state is "a page inside a
 * free block that is not its head", so mem_map can be a lazily zeroed
 * mapping and untouched RAM costs nothing.
 */
struct ref_page {
	unsigned long flags; /* 1UL << REF_PG_* */
	atomic_int refcount; /* _refcount: 0 free, >= 1 allocated head */
	atomic_int
		mapcount; /* _mapcount: -1 based in the kernel; 0 here = unmapped */
	unsigned long private; /* PG_buddy: order of the free block */
	unsigned int
		owner_order; /* PG_owner: order of the allocation (page_owner) */
	uint32_t owner_gfp; /* PG_owner: gfp mask of the allocation (page_owner) */
	/* A page is on a list or a tail, never both (the kernel overlays
	 * compound_head on lru.next the same way). */
	union {
		/* PG_buddy, PG_pcp: link on a free list */
		struct ref_list_head lru;
		struct {
			/* PG_tail: the head of its compound page (6.12
			 * compound_head; 2.6.18 kept it in private) */
			struct ref_page *compound_head;
			/* the first tail only: the compound order (6.12
			 * folio order in page[1]'s flags; 2.6.18
			 * page[1].lru.prev) */
			unsigned long compound_order;
		};
	};
};

/*
 * Migrate types (enum migratetype, include/linux/mmzone.h, 6.12 without
 * CONFIG_CMA): the kind of allocation a pageblock is kept for. The first
 * REF_MIGRATE_PCPTYPES have per-CPU lists and fall back to one another;
 * HIGHATOMIC holds the reserve of high-order atomic allocations; ISOLATE
 * keeps a block's free pages out of use. 2.6.18 had no migrate types:
 * there every block is UNMOVABLE and only free_list[0] is used.
 */
enum ref_migratetype {
	REF_MIGRATE_UNMOVABLE = 0,
	REF_MIGRATE_MOVABLE = 1,
	REF_MIGRATE_RECLAIMABLE = 2,
	REF_MIGRATE_PCPTYPES = 3,
	REF_MIGRATE_HIGHATOMIC = REF_MIGRATE_PCPTYPES,
	REF_MIGRATE_ISOLATE = 4,
	REF_MIGRATE_TYPES = 5,
};

struct ref_free_area {
	/* heads of free blocks of this order, by the migrate type of their
	 * pageblock */
	struct ref_list_head free_list[REF_MIGRATE_TYPES];
	unsigned long nr_free; /* blocks (not pages) on all the lists */
};

struct ref_mm;

/*
 * Per-CPU page lists (struct per_cpu_pages), one per CPU per zone.
 *   6.12: lists[3 * o + mt] holds free blocks of order o <= 3
 *         (PAGE_ALLOC_COSTLY_ORDER) taken for migrate type mt < 3
 *         (order_to_pindex); lists[12] and lists[13] those of the
 *         pageblock order, not movable and movable; count is in pages; high moves between high_min and
 *         high_max (pcp->high auto-tuning); free_count and alloc_factor
 *         scale the batches of consecutive frees and allocations.
 *   2.6:  lists[0] is the hot list, lists[1] the cold one, each with its
 *         own count, high and batch in hc[] (struct per_cpu_pages pcp[2]);
 *         order 0 only.
 * lock is taken before the zone's lock, never inside it. The counters
 * below count this CPU's share of the zone's allocations (its pcp path:
 * the zone's own counters hold the rest), under lock.
 */
#define REF_NR_PCP_LISTS 14 /* NR_PCP_LISTS with THP */

struct ref_pcp_list26 {
	int count; /* pages */
	int high;
	int batch;
};

struct ref_per_cpu_pages {
	_Alignas(64) atomic_int lock; /* a spinlock: 0 free, 1 held */
	int count; /* pages on the lists */
	int high, high_min, high_max, batch;
	int free_count; /* 6.12: pages freed in a row (batch scaling) */
	int alloc_factor; /* 6.12: log2 of the refill batch scale */
	/* 6.12: high was clamped into the current high_min..high_max (a
	 * refill or a free since zone_pcp_update last moved them, as
	 * pageset_update leaves high to be clamped at its next use) */
	int high_clamped;
	unsigned int flags; /* 6.12: PCPF_* */
	struct ref_pcp_list26 hc[2]; /* 2.6: hot, cold */
	struct ref_list_head lists[REF_NR_PCP_LISTS];
	long nr_alloc_pages; /* pages allocated minus freed on this path */
	unsigned long pgalloc, pgfree; /* blocks */
};

struct ref_zone {
	const char *name; /* "DMA", "DMA32", "Normal", "HighMem" */
	enum ref_zone_type type;
	int populated; /* present_pages > 0 */
	unsigned long zone_start_pfn; /* first pfn spanned */
	unsigned long spanned_pages; /* pages from start to end, holes included */
	unsigned long present_pages; /* pages of RAM in the span */
	unsigned long managed_pages; /* present minus reserved: given to buddy */
	unsigned long
		nr_free_pages; /* NR_FREE_PAGES: pages, = sum nr_free << order */
	unsigned long nr_alloc_pages; /* pages in live allocations */
	unsigned long pgalloc; /* allocations served (blocks) */
	unsigned long pgfree; /* frees received (blocks) */
	/* WMARK_MIN/LOW/HIGH/PROMO in pages (ref/watermark.c; 2.6 has no
	 * promo: it is high there) */
	unsigned long watermark[REF_NR_WMARK];
	/* pages this zone keeps back from a request whose highest zone is
	 * the index (lowmem_reserve[], "protection:" in zoneinfo) */
	unsigned long lowmem_reserve[REF_NR_ZONE_TYPES];
	pthread_mutex_t lock; /* zone->lock: free_area and counters */
	struct ref_free_area free_area[REF_NR_ORDERS_MAX];
	struct ref_mm *mm;
	/* 6.12 zone flags (ZONE_BELOW_HIGH, ZONE_BOOSTED_WATERMARK), atomic
	 * bits */
	atomic_uint zflags;
	/* 6.12, under lock: pages the watermarks are raised by after a
	 * fallback (boost_watermark; every wmark_pages() adds it), free
	 * pages on the HIGHATOMIC lists, pages of HIGHATOMIC pageblocks */
	unsigned long watermark_boost;
	unsigned long nr_free_highatomic;
	/* free pages on the ISOLATE lists (not in nr_free_pages; the kernel
	 * keeps no such counter, ref's checker needs it) */
	unsigned long nr_free_isolate;
	unsigned long nr_reserved_highatomic;
	/* pageblocks moved whole into or out of ISOLATE, or out of
	 * HIGHATOMIC, since boot: a move never merges, so their free pages
	 * need not have merged with their neighbours above pageblock_order */
	unsigned long nr_unmerged_moves;
	/* per-CPU lists, indexed by CPU (ref/pcp.c) */
	struct ref_per_cpu_pages pageset[REF_MAX_CPUS];
};

/*
 * What warn_alloc() says of a failed allocation (ref/show_mem.c): the
 * request and, for each zone show_free_areas() would show, its state at
 * the time. Numbers, not text: the text is made when it is read.
 */
struct ref_alloc_warn_zone {
	int shown; /* populated and no higher than the request's zone */
	unsigned long free; /* NR_FREE_PAGES, pages */
	unsigned long boost; /* watermark_boost, pages */
	unsigned long min, low, high; /* watermarks with the boost, pages */
	unsigned long reserved_highatomic; /* nr_reserved_highatomic, pages */
	unsigned long present, managed; /* pages */
	unsigned long free_pcp; /* pages on every online CPU's lists */
	unsigned long local_pcp; /* pages on the failing CPU's lists */
	unsigned long lowmem_reserve[REF_NR_ZONE_TYPES]; /* pages */
	unsigned long nr_free[REF_NR_ORDERS_MAX]; /* free blocks per order */
	/* per order, bit mt set: free_list[mt] holds a block */
	unsigned char types[REF_NR_ORDERS_MAX];
};

struct ref_alloc_warn {
	uint32_t gfp; /* the mask of the request */
	unsigned int order;
	struct ref_alloc_warn_zone zone[REF_NR_ZONE_TYPES];
};

/* Trace events, named as the kernel's tracepoints. */
enum ref_trace_type {
	REF_TRACE_MM_PAGE_ALLOC = 0,
	REF_TRACE_MM_PAGE_FREE = 1,
	REF_TRACE_UPOOL_CREATE = 2, /* a pool took its block (upool.h) */
	REF_TRACE_UPOOL_DESTROY = 3, /* a pool is giving its block back */
	/* 6.12: pageblocks [pfn, pfn + 2^order) took migratetype */
	REF_TRACE_MM_PAGEBLOCK_TYPE = 4,
	/* 6.12: the zone of pfn has watermark_boost nr now */
	REF_TRACE_MM_ZONE_BOOST = 5,
	/* warn_alloc(): a failed allocation's warning (no kernel
	 * tracepoint: the kernel prints it to its log) */
	REF_TRACE_WARN_ALLOC = 6,
	REF_NR_TRACE_TYPES
};

struct ref_trace_event {
	enum ref_trace_type type;
	const char *
		name; /* "mm_page_alloc", "mm_page_free", "upool_create", ... */
	const struct ref_page *page; /* NULL when an allocation failed */
	unsigned long pfn; /* valid when page != NULL */
	unsigned int order;
	uint32_t gfp; /* mm_page_alloc and upool_create only */
	/* mm_page_alloc: gfp_migratetype of the mask (MIGRATE_UNMOVABLE = 0);
	 * mm_pageblock_type: the new type */
	int migratetype;
	unsigned long nr; /* mm_zone_boost: the boost, pages */
	unsigned int cpu; /* simulated CPU that emitted it */
	/* warn_alloc only: the warning, valid during the callback */
	const struct ref_alloc_warn *warn;
};

typedef void (*ref_trace_fn)(void *ctx, const struct ref_trace_event *ev);

/*
 * The execution context of one simulated CPU (ref/context.c): what the
 * kernel keeps in preempt_count() and the irq flags. preempt_count uses
 * the kernel's layout (include/linux/preempt.h): bits 0-7 preemption
 * disabled (spinlocks held count here), 8-15 softirq (local_bh_disable
 * adds the era's offset), 16-19 hardirq nesting. Touched only by the
 * thread running as that CPU; the report counters are atomics and the
 * last texts are guarded by mm->bad_lock.
 */
struct ref_cpu_context {
	unsigned int preempt_count; /* the kernel's preempt_count() bits */
	int irqs_disabled; /* local_irq_disable(): 1, enabled: 0 */
	atomic_ulong nr_sleep_bad; /* might_sleep reports (CTX-SLEEP) */
	atomic_ulong nr_unbalanced; /* unbalanced or misused context calls */
	char last_sleep[256]; /* the latest might_sleep report, 3 lines */
	char last_unbalanced[160]; /* the latest unbalanced-call report */
};

/*
 * A simulated spinlock (ref/context.h): holding it keeps preemption off
 * on the CPU that took it. A spinlock of one simulated CPU never spins:
 * taking one that is held is reported (recursion or lockup), not waited
 * for.
 */
struct ref_spinlock {
	atomic_int locked; /* 1 while held (taken by compare-and-swap) */
	atomic_uint owner_cpu; /* the CPU that holds it, when locked */
};

/*
 * Reclaim state of one machine (ref/shrinker.c, ref/reclaim.c; the API
 * is ref/shrinker.h). shrinker_lock guards the shrinker list and each
 * shrinker's active/dead marks; it is never held across a callback nor
 * taken inside a zone lock. oom_lock is held across the OOM hook (the
 * kernel's oom_lock, taken by trylock). kswapd_lock guards the wake-up
 * fields and the thread's start and stop; pass_lock is held across a
 * balancing pass and by ref_check(), before any zone or list lock.
 */
struct ref_reclaim {
	pthread_mutex_t shrinker_lock;
	pthread_cond_t shrinker_idle; /* a shrinker's last pass ended */
	struct ref_list_head shrinkers; /* registered, oldest first */
	pthread_mutex_t oom_lock;
	/* the OOM hook (ref_oom_notify_fn): pages it freed */
	unsigned long (*oom_fn)(void *ctx, struct ref_mm *mm, uint32_t gfp,
				unsigned int order);
	void *oom_ctx;
	pthread_mutex_t kswapd_lock;
	pthread_cond_t kswapd_wait; /* the thread sleeps here */
	pthread_mutex_t pass_lock;
	pthread_t kswapd_thread;
	int kswapd_running; /* a thread does the passes */
	int kswapd_stop; /* the thread is asked to end */
	int kswapd_order; /* kswapd_order: the largest order asked for */
	int kswapd_highest; /* kswapd_highest_zoneidx, -1: none asked */
	atomic_int kswapd_wanted; /* a pass is asked for */
	atomic_uint kswapd_failures; /* passes in a row that freed nothing */
	/* counters (struct ref_reclaim_stats), pages or calls */
	atomic_ulong allocstall, direct_reclaimed, pageoutrun;
	atomic_ulong kswapd_reclaimed, kswapd_wakes, slabs_scanned;
	atomic_ulong shrinker_calls, oom_calls, oom_freed;
	atomic_ulong nr_bad; /* scans against the mask (CTX-RECLAIM) */
	char last_bad[200]; /* the latest one's text, under mm->bad_lock */
};

/*
 * One simulated machine (one node). Nothing in ref/ is global: create as
 * many as wanted. Threads share a machine; each enters a simulated CPU.
 */
struct ref_mm {
	struct ref_config config; /* validated copy */
	size_t page_size; /* bytes */
	unsigned long max_pfn; /* one past the highest present pfn */
	int memfd; /* the RAM: sparse file of max_pfn pages */
	unsigned char *phys; /* whole memfd mapped: the harness's window */
	size_t phys_bytes; /* mapped length of phys (>= max_pfn pages) */
	unsigned long max_low_pfn; /* end of the direct map (lowmem) */
	struct ref_page *mem_map; /* max_pfn entries, lazily zeroed mapping */
	size_t mem_map_bytes;
	unsigned int nr_banks; /* present ranges in pfns after mem= */
	unsigned long bank_start[REF_MAX_BANKS]; /* pfn */
	unsigned long bank_end[REF_MAX_BANKS]; /* pfn, exclusive */
	unsigned long nr_reserved_pages; /* pages */
	unsigned long min_free_kbytes; /* in effect (ref/watermark.c) */
	/* 6.12: the order of the per-CPU lists' last list (pageblock_order,
	 * THP's HPAGE_PMD_ORDER): 9 on x86_64, 10 on x86_32 without PAE,
	 * at most the top order */
	unsigned int pcp_thp_order;
	/* pageblocks (ref/migrate.c): pageblock_order (6.12: the THP order
	 * or the top order, the smaller; 2.6: the top order, unused), and
	 * the migrate type of each pageblock, by pfn >> pageblock_order,
	 * written under the zone's lock and read without it */
	unsigned int pageblock_order;
	int mobility_disabled; /* page_group_by_mobility_disabled */
	unsigned char *pageblock_mt;
	size_t nr_pageblocks;
	/* CPUs online (ref_cpu_offline / ref_cpu_online), a bit each */
	atomic_ullong cpu_online;
	struct ref_zone zones[REF_NR_ZONE_TYPES]; /* indexed by zone type */
	ref_trace_fn trace_fn; /* optional subscriber */
	void *trace_ctx;
	atomic_ulong nr_bad_page; /* bad_page() reports (invalid frees) */
	atomic_ulong nr_nofail_stuck; /* __GFP_NOFAIL requests failed */
	/* requests whose mask gfp_zone() refuses (GFP_ZONE_BAD) */
	atomic_ulong nr_gfp_zone_bad;
	char last_bad_page[256]; /* message of the latest bad_page() */
	char last_gfp_zone_bad[384]; /* message of the latest GFP_ZONE_BAD */
	/* warn_alloc() warnings (ref/show_mem.c), and the latest one */
	atomic_ulong nr_alloc_warn;
	struct ref_alloc_warn last_alloc_warn;
	pthread_mutex_t bad_lock; /* guards the last_* reports above */
	/* The full checker's mark buffer, kept between checks so a check
	 * does not pay a fresh mapping each time; guarded by check_lock
	 * (taken inside a zone lock, never the other way round). */
	pthread_mutex_t check_lock;
	unsigned char *check_mark;
	size_t check_mark_len;
	/* The machine's memory pools (struct ref_upool, upool.h), newest
	 * first; upool_lock guards the list and is taken before any pool's
	 * lock and never inside a zone lock. */
	pthread_mutex_t upool_lock;
	struct ref_list_head upools;
	/* Each simulated CPU's context (ref/context.h), by CPU number. */
	struct ref_cpu_context cpu_ctx[REF_MAX_CPUS];
	/* Fault injection (ref/fault.c): fault_lock guards fault, a leaf
	 * taken before any zone lock and never inside one. */
	pthread_mutex_t fault_lock;
	struct ref_fault_state fault;
	/* Shrinkers, reclaim and kswapd (struct ref_reclaim above). */
	struct ref_reclaim reclaim;
};

#endif /* REF_TYPES_H */
