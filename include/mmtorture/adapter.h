/* SPDX-License-Identifier: MIT */
/*
 * mmtorture/adapter.h - the adapter ABI: how any allocator is plugged in.
 *
 * Self-contained: a plug-in includes only this header and the C library.
 *
 * An adapter is a const struct mmt_adapter: an ABI version, a name,
 * capability bits, create/destroy, and, per capability, a pointer to that
 * capability's table of operations and declared contract (pages for
 * MMT_CAP_PAGES, objects for MMT_CAP_OBJECTS, upool for MMT_CAP_UPOOL). A shared-object plug-in
 * exports one function,
 *
 *     const struct mmt_adapter *mmt_adapter_entry(void);
 *
 * (MMT_ADAPTER_ENTRY_SYMBOL). The harness checks abi_version, the sizes
 * and versions of the adapter and of every table a declared capability
 * needs, that every pointer such a capability needs is set and that the
 * contract is well formed, and refuses the adapter with a message naming
 * what is wrong otherwise.
 *
 * Versioning: struct mmt_adapter and each table open with their own
 * struct_size (sizeof as the plug-in was built) and grow only by
 * appending. The harness accepts any struct_size at least the minimum of
 * this ABI (MMT_ADAPTER_MIN_SIZE, MMT_PAGES_OPS_MIN_SIZE,
 * MMT_OBJECTS_OPS_MIN_SIZE) and reads a field that lies past the
 * struct_size it was given as absent (NULL or 0; MMT_ABI_HAS says whether
 * it is there). So a table built against an older header keeps working
 * when fields are appended, and a capability of a later layer (CACHES,
 * VMALLOC, DMA) becomes a new table pointer at the end of struct
 * mmt_adapter. abi_version changes only when an existing field of struct
 * mmt_adapter changes meaning or struct mmt_adapter_env changes layout
 * (3: struct mmt_machine gained mem_limit; a v2 plug-in still runs, given
 * the env of v2); a table's version when one of its own does.
 * docs/adapters.md describes the layout and how to port a v1 plug-in.
 *
 * Contract: the tables carry what the allocator promises beyond the API
 * (the largest object, the alignment it guarantees, the orders it serves)
 * and the oracles judge it against that, never against more.
 *
 * Memory: a PAGES allocator manages an arena the harness maps and hands in
 * (env->arena) so the harness can watch every byte, unless it declares
 * MMT_CAP_OWN_ARENA, in which case it builds its own and reports it through
 * pages->arena() (the reference machine does this: its RAM is a memfd).
 *
 * Errors: functions returning int return 0 on success and a negative errno
 * value on failure. Allocation failure is a NULL address, not an error.
 */
#ifndef MMTORTURE_ADAPTER_H
#define MMTORTURE_ADAPTER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MMT_ADAPTER_ABI_VERSION 3u
#define MMT_PAGES_OPS_VERSION 1u /* struct mmt_pages_ops */
#define MMT_OBJECTS_OPS_VERSION 1u /* struct mmt_objects_ops */
#define MMT_UPOOL_OPS_VERSION 1u /* struct mmt_upool_ops */
#define MMT_ADAPTER_ENTRY_SYMBOL "mmt_adapter_entry"

/* Capability bits. */
#define MMT_CAP_PAGES (1u << 0) /* alloc/free by order and GFP mask */
#define MMT_CAP_OBJECTS (1u << 1) /* malloc/free/realloc/aligned */
/* Reserved for layers not designed yet: a plug-in declaring one is refused
 * until its table is appended to struct mmt_adapter. */
#define MMT_CAP_CACHES (1u << 2) /* kmem_cache create/alloc/free/destroy */
#define MMT_CAP_VMALLOC (1u << 3) /* vmalloc/vfree */
#define MMT_CAP_DMA (1u << 4) /* dma_alloc_coherent/free with a mask */
#define MMT_CAP_THREAD_SAFE (1u << 5) /* ops may be called concurrently */
#define MMT_CAP_USABLE_SIZE (1u << 6) /* objects->usable_size meaningful */
#define MMT_CAP_POLICY_BUDDY \
	(1u << 7) /* full buddy coalescing: strict oracle */
#define MMT_CAP_ZONES (1u << 8) /* honours GFP zone modifiers */
#define MMT_CAP_OWN_ARENA (1u << 9) /* PAGES arena built by the adapter */
#define MMT_CAP_CHECK (1u << 10) /* has a self-check (check()) */
#define MMT_CAP_TRACE (1u << 11) /* emits trace events (set_trace()) */
#define MMT_CAP_UPOOL (1u << 12) /* fixed-size chunk pools (upool table) */
/*
 * Applies the kernel's watermark check of the machine's era: a zone
 * serves a request only while its free pages stay above its min
 * watermark plus the lowmem reserve, with the allowances of the mask
 * (__GFP_HIGH, a request that cannot reclaim, __GFP_MEMALLOC), from
 * min_free_kbytes and watermark_scale_factor (struct mmt_machine). The
 * strict oracle then predicts by those rules (docs/watermarks.md).
 */
#define MMT_CAP_WATERMARKS (1u << 13)
/*
 * Injects allocation failures as the machine's fail_* knobs say (Linux
 * 6.12's fail_page_alloc, struct mmt_machine), consulting its fault state
 * once per page-allocator call, its own layers' calls included. The
 * shadow then runs its own copy of that state machine: a failure it
 * predicts is not must-succeed, a success where it predicts one is
 * ORACLE-FAULT (docs/fault-injection.md).
 */
#define MMT_CAP_FAULT_INJECT (1u << 14)

/* struct mmt_machine.fail_flags */
#define MMT_FAIL_IGNORE_WAIT 0x01u /* ignore-gfp-wait: __GFP_DIRECT_RECLAIM */
#define MMT_FAIL_IGNORE_HIGHMEM 0x02u /* ignore-gfp-highmem: __GFP_HIGHMEM */

/*
 * GFP bits as carried in ops and passed to adapters: the values and
 * meanings of Linux 6.12 (include/linux/gfp_types.h); 2.6-era COLD and
 * REPEAT above bit 28. An allocator that has no use for a bit ignores it.
 */
#define MMT_GFP_DMA 0x01u
#define MMT_GFP_HIGHMEM 0x02u
#define MMT_GFP_DMA32 0x04u
#define MMT_GFP_MOVABLE 0x08u
#define MMT_GFP_RECLAIMABLE 0x10u
#define MMT_GFP_HIGH 0x20u
#define MMT_GFP_IO 0x40u
#define MMT_GFP_FS 0x80u
#define MMT_GFP_ZERO 0x100u
#define MMT_GFP_DIRECT_RECLAIM 0x400u
#define MMT_GFP_KSWAPD_RECLAIM 0x800u
#define MMT_GFP_WRITE 0x1000u
#define MMT_GFP_NOWARN 0x2000u
#define MMT_GFP_RETRY_MAYFAIL 0x4000u
#define MMT_GFP_NOFAIL 0x8000u
#define MMT_GFP_NORETRY 0x10000u
#define MMT_GFP_MEMALLOC 0x20000u
#define MMT_GFP_COMP 0x40000u
#define MMT_GFP_NOMEMALLOC 0x80000u
#define MMT_GFP_HARDWALL 0x100000u
#define MMT_GFP_THISNODE 0x200000u
#define MMT_GFP_ACCOUNT 0x400000u
#define MMT_GFP_ZEROTAGS 0x800000u
#define MMT_GFP_REPEAT 0x20000000u
#define MMT_GFP_COLD 0x40000000u
#define MMT_GFP_VALID_MASK 0x60fffdffu
#define MMT_GFP_ZONEMASK 0x0fu
#define MMT_GFP_RECLAIM (MMT_GFP_DIRECT_RECLAIM | MMT_GFP_KSWAPD_RECLAIM)
#define MMT_GFP_KERNEL (MMT_GFP_RECLAIM | MMT_GFP_IO | MMT_GFP_FS)
#define MMT_GFP_ATOMIC (MMT_GFP_HIGH | MMT_GFP_KSWAPD_RECLAIM)

/* Zone types, the kernel's enum zone_type order. */
enum mmt_zone_type {
	MMT_ZONE_DMA = 0,
	MMT_ZONE_DMA32 = 1,
	MMT_ZONE_NORMAL = 2,
	MMT_ZONE_HIGHMEM = 3,
	MMT_NR_ZONE_TYPES = 4,
};

/* Machine profiles (struct mmt_machine.profile). */
enum mmt_profile {
	MMT_PROFILE_X86_64 = 0, /* DMA < 16 MiB <= DMA32 < 4 GiB <= NORMAL */
	MMT_PROFILE_X86_32 =
		1, /* DMA < 16 MiB <= NORMAL < 896 MiB <= HIGHMEM */
};

/* Kernel eras whose behaviour is modelled (struct mmt_machine.era). */
enum mmt_era {
	MMT_ERA_6_12 = 0, /* Linux 6.12 */
	MMT_ERA_2_6 = 1, /* Linux 2.6 */
};

#define MMT_MAX_RANGES 8

/* A range of page frames. */
struct mmt_pfn_range {
	uint64_t start_pfn;
	uint64_t nr_pages;
};

struct mmt_arena_zone {
	uint32_t type; /* enum mmt_zone_type */
	uint32_t present; /* 1 when the machine has this zone */
	uint64_t start_pfn; /* first pfn of the zone span */
	uint64_t end_pfn; /* one past the last */
};

/*
 * A PAGES arena: page frame pfn lives at base + pfn * page_size. Only
 * pfns inside present[] and outside reserved[] may be handed out; a block
 * of order o is 2^o pages aligned to 2^o pages and lies inside one zone.
 */
struct mmt_arena {
	void *base; /* address of pfn 0 */
	uint64_t nr_pfns; /* pfns [0, nr_pfns) are spanned */
	uint64_t page_size; /* bytes: 4096 or 8192 */
	uint32_t nr_orders; /* orders 0..nr_orders-1 may succeed */
	uint32_t nr_zones; /* entries used in zones[] */
	struct mmt_arena_zone zones[MMT_NR_ZONE_TYPES];
	uint32_t nr_present;
	struct mmt_pfn_range present[MMT_MAX_RANGES];
	uint32_t nr_reserved;
	struct mmt_pfn_range reserved[MMT_MAX_RANGES];
};

/*
 * The machine the harness asks for. A PAGES adapter without OWN_ARENA
 * finds the memory already mapped in env->arena; one with OWN_ARENA builds
 * a machine of this shape itself.
 */
struct mmt_machine {
	uint32_t profile; /* enum mmt_profile */
	uint32_t era; /* enum mmt_era */
	uint32_t page_shift; /* 12 or 13 */
	uint32_t nr_orders;
	uint32_t nr_cpus;
	uint32_t nr_banks;
	struct mmt_pfn_range banks[MMT_MAX_RANGES]; /* present RAM */
	uint32_t nr_reserved;
	struct mmt_pfn_range reserved[MMT_MAX_RANGES];
	/*
	 * ABI 3: the boot mem= limit in bytes, a multiple of the page size,
	 * 0 for none: RAM at or above it is removed before boot (the x86
	 * meaning, an address limit), so banks[] are RAM as the firmware
	 * reports it and the machine has only what lies below the limit. The
	 * arena a PAGES adapter without OWN_ARENA is given has it applied
	 * already; one with OWN_ARENA applies it itself. A v2 plug-in is
	 * given banks and reserved ranges clipped at it, and mem_limit 0.
	 */
	uint64_t mem_limit;
	/* ABI 3: vm.min_free_kbytes as a user set it; 0 = the boot value. */
	uint64_t min_free_kbytes;
	/* ABI 3: vm.watermark_scale_factor (6.12 only); 0 = the default, 10. */
	uint32_t watermark_scale_factor;
	uint32_t pad0; /* zero */
	/*
	 * ABI 3, in what was spare[0..3]: fault injection, fail_page_alloc's
	 * knobs (docs/fault-injection.md), applied by an adapter with
	 * MMT_CAP_FAULT_INJECT; all zero is none, and nothing fails unless
	 * fail_probability or fail_nth is set.
	 */
	uint64_t fail_seed; /* splitmix64 seed of the probability draws */
	uint32_t fail_probability; /* percent of eligible calls, 0..100 */
	uint32_t fail_interval; /* calls: only every Nth may fail; 0 = 1 */
	int32_t fail_times; /* failures at most, 1..; 0 = no limit (-1) */
	uint32_t fail_space; /* pages (2^order a call) let through first */
	uint32_t fail_nth; /* the Nth eligible call fails, once; 0 = off */
	uint8_t fail_min_order; /* orders below it never fail, 0..16 */
	uint8_t fail_flags; /* MMT_FAIL_IGNORE_WAIT | _IGNORE_HIGHMEM */
	uint16_t fail_pad; /* zero */
	/*
	 * Zero. Room for the machine knobs of later layers, so that adding
	 * one does not move the fields of struct mmt_adapter_env after it
	 * (a v3 plug-in reads a knob it does not know as absent).
	 */
	uint64_t spare[2];
};

/* Trace event kinds an adapter may emit. */
enum mmt_event_type {
	MMT_EV_PAGE_ALLOC = 0, /* mm_page_alloc */
	MMT_EV_PAGE_FREE = 1, /* mm_page_free */
	/*
	 * Pages a layer of the allocator takes from its own page allocator
	 * for itself (a pool's block, a slab, a page table, a per-CPU list
	 * refill) and gives back: pfn, order and owner say which. Emit
	 * PAGES_TAKEN after the block's mm_page_alloc and PAGES_RETURNED
	 * before its mm_page_free, so the harness knows those page events
	 * are not the op's own and keeps its page ownership exact: the
	 * capacity oracle does not count those pages free, and a block
	 * handed to a caller on top of them is an overlap.
	 */
	MMT_EV_PAGES_TAKEN = 2,
	MMT_EV_PAGES_RETURNED = 3,
	/*
	 * Mobility grouping (6.12), for an allocator that models it:
	 * PAGEBLOCK_TYPE says the pageblocks of [pfn, pfn + 2^order) have
	 * migrate type owner now (0 UNMOVABLE, 1 MOVABLE, 2 RECLAIMABLE,
	 * 3 HIGHATOMIC, 4 ISOLATE; every pageblock is MOVABLE at boot);
	 * ZONE_BOOST says the zone holding pfn has its watermarks raised
	 * by gfp pages now (watermark_boost). The harness reads them to
	 * know which free pages a request may reach and what the
	 * watermarks are; an allocator that does not send them is taken to
	 * have neither reserves nor boosts.
	 */
	MMT_EV_PAGEBLOCK_TYPE = 4,
	MMT_EV_ZONE_BOOST = 5,
	MMT_EV_OTHER = 255,
};

/* Who holds pages taken with MMT_EV_PAGES_TAKEN (1..255; 0 is none). */
enum mmt_page_owner {
	MMT_OWNER_NONE = 0, /* the op's caller: not a PAGES_* event */
	MMT_OWNER_UPOOL = 1, /* a memory pool's block */
	MMT_OWNER_SLAB = 2, /* a slab cache's slab */
	MMT_OWNER_VMALLOC = 3, /* vmalloc backing pages */
	MMT_OWNER_DMA = 4, /* a DMA pool or coherent buffer */
	MMT_OWNER_PCP = 5, /* pages on a per-CPU list */
	MMT_OWNER_OTHER = 255, /* anything else the allocator keeps */
};

struct mmt_event {
	uint32_t type; /* enum mmt_event_type */
	const char *name; /* the kernel's tracepoint name */
	uint64_t pfn; /* UINT64_MAX for a failed allocation */
	uint32_t order;
	uint32_t gfp;
	uint32_t cpu;
	const char *text; /* ftrace text, or NULL unless MMT_TRACE_TEXT asked */
	uint32_t owner; /* PAGES_TAKEN/RETURNED: enum mmt_page_owner */
};

#define MMT_TRACE_TEXT 1u

typedef void (*mmt_event_fn)(void *ctx, const struct mmt_event *ev);
/* Called once per finding by a self-check. */
typedef void (*mmt_finding_fn)(void *ctx, const char *id, const char *message);

/* What create() is given. */
struct mmt_adapter_env {
	uint32_t abi_version; /* the harness's MMT_ADAPTER_ABI_VERSION */
	uint32_t struct_size; /* sizeof(struct mmt_adapter_env) */
	const char *options; /* text after ':' in --allocator, or "" */
	struct mmt_machine machine; /* the machine asked for */
	struct mmt_arena arena; /* PAGES without OWN_ARENA: the memory */
	uint32_t nr_threads; /* threads that will call in */
};

/*
 * Which kernel entry point an op stands for, so an allocator with several
 * (the reference) can exercise each. Others ignore it.
 */
enum mmt_pages_api {
	MMT_API_ALLOC_PAGES = 0, /* alloc_pages(gfp, order) */
	MMT_API_ALLOC_PAGE = 1, /* alloc_page(gfp) */
	MMT_API_GET_FREE_PAGES = 2, /* __get_free_pages(gfp, order) */
	MMT_API_GET_FREE_PAGE = 3, /* __get_free_page(gfp) */
	MMT_API_GET_ZEROED_PAGE = 4, /* get_zeroed_page(gfp) */
	MMT_API_FREE_PAGES = 5, /* free_pages(addr, order) */
	MMT_API_FREE_PAGES_PAGE = 6, /* __free_pages(page, order) */
	MMT_API_FREE_PAGE = 7, /* free_page(addr) */
};

/*
 * Context calls (struct mmt_pages_ops.context): the kernel's, on the
 * simulated CPU the calling thread runs as (cpu_enter()). A harness
 * makes only balanced calls: no enable without its disable, no irq_exit
 * outside irq_enter, no unlock of a lock the CPU does not hold, no lock
 * of a held one.
 */
enum mmt_ctx_op {
	MMT_CTX_PREEMPT_DISABLE = 0, /* preempt_disable() */
	MMT_CTX_PREEMPT_ENABLE = 1, /* preempt_enable() */
	MMT_CTX_IRQ_DISABLE = 2, /* local_irq_disable() */
	MMT_CTX_IRQ_ENABLE = 3, /* local_irq_enable() */
	MMT_CTX_IRQ_ENTER = 4, /* irq_enter(): a hardirq handler starts */
	MMT_CTX_IRQ_EXIT = 5, /* irq_exit() */
	MMT_CTX_SPIN_LOCK = 6, /* spin_lock(lock arg), arg < MMT_CTX_NR_LOCKS */
	MMT_CTX_SPIN_UNLOCK = 7, /* spin_unlock(lock arg) */
	MMT_CTX_BH_DISABLE = 8, /* local_bh_disable() */
	MMT_CTX_BH_ENABLE = 9, /* local_bh_enable() */
	/*
	 * CPU hotplug (appended later), arg the CPU: cpu_down(arg), its
	 * per-CPU lists drained (page_alloc_cpu_dead), and cpu_up(arg). Not
	 * on the calling CPU's context but on the machine's: the harness
	 * asks only for a change (never the last online CPU down, never an
	 * online CPU up) and never from atomic context (cpu_down sleeps).
	 */
	MMT_CTX_CPU_OFFLINE = 10,
	MMT_CTX_CPU_ONLINE = 11,
	/*
	 * Page isolation (appended later), arg a pageblock number, taken
	 * modulo the machine's pageblocks: start_isolate_page_range() and
	 * undo_isolate_page_range() of that one pageblock (6.12; its free
	 * pages then reach no request, and the allocator says so with
	 * MMT_EV_PAGEBLOCK_TYPE). The machine's, not the CPU's context;
	 * never from atomic context (it may sleep). -EBUSY or -EINVAL when
	 * the allocator refuses (a page of the block in use, not isolated,
	 * an era without migrate types): the kernel's answers, not errors.
	 */
	MMT_CTX_ISOLATE_PAGEBLOCK = 12,
	MMT_CTX_UNDO_ISOLATE_PAGEBLOCK = 13,
	/*
	 * A query, arg 0: how many allocations that may sleep the allocator
	 * has reported in atomic context since create (the kernel's "BUG:
	 * sleeping function called from invalid context"), as a
	 * non-negative int; -EOPNOTSUPP when it does not count them.
	 */
	MMT_CTX_SLEEP_REPORTS = 64,
};
#define MMT_CTX_NR_LOCKS 4u /* spinlocks a program names: lock=0..3 */

/*
 * Shrinkers (struct mmt_pages_ops.shrinker_register, appended later): a
 * cache of the caller's that gives memory back when the allocator
 * reclaims (the kernel's struct shrinker, include/linux/shrinker.h).
 * count says how many objects it could free now (MMT_SHRINK_EMPTY: none
 * at all); scan frees up to nr_to_scan of them and returns how many it
 * freed (MMT_SHRINK_STOP: it cannot make progress now), lowering
 * nr_scanned when it looked at fewer. needs says what tearing its objects
 * down takes of the reclaim context: an allocator runs it only for a
 * reclaim whose mask has __GFP_FS (NEEDS_FS) and __GFP_IO (NEEDS_IO) as
 * asked, so GFP_NOFS reclaim skips FS caches and GFP_NOIO reclaim I/O
 * ones as well.
 *
 * Where the callbacks run: on any thread, with no lock of the
 * allocator's held: inside an alloc() of the calling thread (direct
 * reclaim: its frees come before that call's last try, so they decide
 * its result), or as background reclaim, flagged MMT_SHRINK_KSWAPD (a
 * thread of the allocator's, or, inside an alloc(), only after that
 * call has decided its result). A callback may free() into the same
 * instance; it must not alloc(), register or unregister. After
 * shrinker_unregister() returns no callback of it runs or will run.
 */
#define MMT_SHRINK_STOP UINT64_MAX /* scan: no progress possible now */
#define MMT_SHRINK_EMPTY (UINT64_MAX - 1) /* count: nothing to free */
#define MMT_SHRINKER_NEEDS_FS 0x1u /* runs only for a mask with __GFP_FS */
#define MMT_SHRINKER_NEEDS_IO 0x2u /* runs only for a mask with __GFP_IO */
#define MMT_SHRINK_KSWAPD 0x1u /* mmt_shrink_control.flags: background */

struct mmt_shrink_control {
	uint32_t gfp; /* the mask reclaim runs for */
	uint32_t flags; /* MMT_SHRINK_KSWAPD */
	uint64_t nr_to_scan; /* objects scan should look at */
	uint64_t nr_scanned; /* set to nr_to_scan; lowered by the callback */
};

struct mmt_shrinker {
	uint32_t needs; /* MMT_SHRINKER_NEEDS_* */
	uint32_t seeks; /* cost to recreate an object: 2 the kernel's
			 * default, 0 none (reclaimed harder) */
	uint64_t batch; /* objects a scan call is asked, 0 the default */
	const char *name; /* for reports; copied at registration */
	uint64_t (*count)(void *ctx, const struct mmt_shrink_control *sc);
	uint64_t (*scan)(void *ctx, struct mmt_shrink_control *sc);
	void *ctx;
};

/*
 * PAGES: alloc/free by order and GFP mask, and what the allocator
 * declares beyond the API. Every allocation returns 2^order pages aligned
 * to 2^order pages inside the arena (one zone of those the mask allows,
 * with MMT_CAP_ZONES).
 */
struct mmt_pages_ops {
	uint32_t struct_size; /* sizeof(struct mmt_pages_ops) */
	uint32_t version; /* MMT_PAGES_OPS_VERSION */
	/* The arena managed (required with OWN_ARENA, else optional). */
	int (*arena)(void *state, struct mmt_arena *out);
	/* Allocate 2^order pages; *addr = block start in the arena, or NULL. */
	int (*alloc)(void *state, unsigned int order, uint32_t gfp,
		     uint32_t api, void **addr);
	/* Free a block. -EINVAL when the allocator detects a bad free. */
	int (*free)(void *state, void *addr, unsigned int order, uint32_t api);
	/*
	 * Contract. nr_orders: the orders served are 0..nr_orders-1; 0 means
	 * every order the arena has. An order at or above it may fail
	 * without a finding, and the strict must-succeed oracle
	 * (MMT_CAP_POLICY_BUDDY) does not apply to it.
	 */
	uint32_t nr_orders;
	/*
	 * Appended (optional; absent from a table whose struct_size ends
	 * before it): a context call (enum mmt_ctx_op) on the calling
	 * thread's simulated CPU. 0 (or the query's count), or a negative
	 * errno. Without it the harness still tracks the context itself
	 * and the calls change nothing in the allocator.
	 */
	int (*context)(void *state, uint32_t op, uint32_t arg);
	/*
	 * Appended (optional, both or neither): shrinkers. register copies
	 * *shr and hands back a handle: 0, or a negative errno (-EINVAL for
	 * a table without callbacks). unregister waits for a callback in
	 * flight on another thread. An allocator without them has nothing
	 * to reclaim from but what is free.
	 */
	int (*shrinker_register)(void *state, const struct mmt_shrinker *shr,
				 void **handle);
	void (*shrinker_unregister)(void *state, void *handle);
};

/*
 * OBJECTS: a malloc family, and what the allocator declares beyond the
 * API.
 */
struct mmt_objects_ops {
	uint32_t struct_size; /* sizeof(struct mmt_objects_ops) */
	uint32_t version; /* MMT_OBJECTS_OPS_VERSION */
	void *(*malloc)(void *state, size_t size, uint32_t gfp);
	void *(*calloc)(void *state, size_t nmemb, size_t size, uint32_t gfp);
	void *(*realloc)(void *state, void *ptr, size_t size, uint32_t gfp);
	void *(*aligned)(void *state, size_t align, size_t size, uint32_t gfp);
	void (*free)(void *state, void *ptr);
	size_t (*usable_size)(void *state, const void *ptr);
	/*
	 * Contract. max_size: bytes of the largest object served, 0 for no
	 * limit; a request above it may fail without a finding, and the
	 * must-succeed rules do not apply to it.
	 */
	uint64_t max_size;
	/*
	 * min_align: bytes, a power of two, required: the alignment of every
	 * malloc/calloc/realloc result of at least min_align bytes. A smaller
	 * object of n bytes is aligned to the largest power of two <= n (C17
	 * 7.22.3: "suitably aligned for any type that fits"). aligned()
	 * results are aligned to what was asked.
	 */
	uint64_t min_align;
};

/*
 * UPOOL: pools of fixed-size chunks, each pool carved out of one block
 * taken when it is created (the seeds' memory pool). A pool handed out by
 * create() is passed back to alloc, free and destroy; chunks of one pool
 * are distinct, lie inside one span of nr_chunks * stride bytes (stride:
 * chunk_size rounded up to align) and stay put until freed.
 */
struct mmt_upool_ops {
	uint32_t struct_size; /* sizeof(struct mmt_upool_ops) */
	uint32_t version; /* MMT_UPOOL_OPS_VERSION */
	/*
	 * A pool of nr_chunks chunks of chunk_size bytes, its block taken
	 * with gfp. 0 and *pool set; a negative errno and *pool NULL
	 * otherwise (-EINVAL for a chunk_size or nr_chunks of 0 or beyond
	 * what it can carve, -ENOMEM when no block is free).
	 */
	int (*create)(void *state, size_t chunk_size, uint64_t nr_chunks,
		      uint32_t gfp, void **pool);
	/* A free chunk of pool, or NULL when all nr_chunks are live. */
	void *(*alloc)(void *state, void *pool);
	/* Give a chunk back: 0, or -EINVAL for a pointer that is not a live
	 * chunk of pool (a double or foreign free). */
	int (*free)(void *state, void *pool, void *ptr);
	/*
	 * 0 when the pool is destroyed (its block given back); with chunks
	 * still live, their number, and the pool stays usable.
	 */
	long (*destroy)(void *state, void *pool);
	/*
	 * Contract. align: bytes, a power of two: every chunk is aligned to
	 * it, and chunk i + 1 of the span lies at most stride bytes after
	 * chunk i's place.
	 */
	uint64_t align;
};

struct mmt_adapter {
	uint32_t abi_version; /* MMT_ADAPTER_ABI_VERSION */
	uint32_t struct_size; /* sizeof(struct mmt_adapter) */
	const char *name; /* short, lower case: "ref-pages" */
	const char *description; /* one line */
	uint32_t caps; /* MMT_CAP_* */

	/* Build an instance. *state is passed to every other call. */
	int (*create)(const struct mmt_adapter_env *env, void **state,
		      char *err, size_t errlen);
	void (*destroy)(void *state);

	/* Optional: walk own structures, report findings; returns their number. */
	long (*check)(void *state, unsigned int level, mmt_finding_fn fn,
		      void *ctx);
	/* Optional: a state view ("buddyinfo", "zoneinfo") into buf. */
	size_t (*dump)(void *state, const char *view, char *buf, size_t len);
	/* Optional: subscribe to trace events (NULL fn unsubscribes). */
	void (*set_trace)(void *state, unsigned int flags, mmt_event_fn fn,
			  void *ctx);
	/* Optional: the calling thread now runs as simulated CPU cpu. */
	void (*cpu_enter)(void *state, unsigned int cpu);

	/* One table per capability; read only when the capability is
	 * declared. Tables of later layers are appended after these. */
	const struct mmt_pages_ops *pages; /* MMT_CAP_PAGES */
	const struct mmt_objects_ops *objects; /* MMT_CAP_OBJECTS */
	/* Appended: an adapter whose struct_size ends before it has none. */
	const struct mmt_upool_ops *upool; /* MMT_CAP_UPOOL */
};

/*
 * Whether field of type lies wholly inside the first size bytes: a field
 * for which this is 0 is absent from a table whose struct_size is size.
 */
#define MMT_ABI_FIELD_END(type, field) \
	(offsetof(type, field) + sizeof(((type *)0)->field))
#define MMT_ABI_HAS(type, field, size) \
	(MMT_ABI_FIELD_END(type, field) <= (size_t)(size))

/* The smallest struct_size this ABI accepts: up to its last field. */
#define MMT_ADAPTER_MIN_SIZE MMT_ABI_FIELD_END(struct mmt_adapter, objects)
#define MMT_PAGES_OPS_MIN_SIZE \
	MMT_ABI_FIELD_END(struct mmt_pages_ops, nr_orders)
#define MMT_OBJECTS_OPS_MIN_SIZE \
	MMT_ABI_FIELD_END(struct mmt_objects_ops, min_align)
#define MMT_UPOOL_OPS_MIN_SIZE MMT_ABI_FIELD_END(struct mmt_upool_ops, align)

typedef const struct mmt_adapter *(*mmt_adapter_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* MMTORTURE_ADAPTER_H */
