/* SPDX-License-Identifier: MIT */
/*
 * ref/mm.h - the reference machine and its page allocator API.
 *
 * Kernel semantics (include/linux/gfp.h, mm/page_alloc.c), ref_ prefixed:
 *   ref_alloc_pages(mm, gfp, order)      -> struct ref_page * or NULL
 *   ref_alloc_page(mm, gfp)              -> order 0
 *   ref_get_free_pages(mm, gfp, order)   -> lowmem address or 0 (HIGHMEM
 *                                           is stripped from gfp, as 6.12)
 *   ref_get_free_page(mm, gfp), ref_get_zeroed_page(mm, gfp)
 *   ref_free_pages(mm, addr, order)      -> free by address
 *   ref_free_pages_page(mm, page, order) -> __free_pages(), free by page
 *   ref_free_page(mm, addr)
 * An order >= nr_orders fails. A mask naming more than one of __GFP_DMA,
 * __GFP_DMA32 and __GFP_HIGHMEM (gfp_zone's GFP_ZONE_BAD) fails and is
 * counted as the caller's error (ref_gfp_zone_bad_count). A free whose
 * page/order does not match a live allocation is refused and reported as a
 * bad page (ref_bad_page_count).
 *
 * Threads: any number may share a machine. A thread that allocates should
 * first enter a simulated CPU with ref_cpu_enter(); the default is CPU 0.
 */
#ifndef REF_MM_H
#define REF_MM_H

#include <stddef.h>
#include <stdint.h>

#include "gfp.h"
#include "types.h"

/* Fill defaults: x86_64, era 6.12, 64 MiB, 4 KiB pages, 11 orders, 1 CPU. */
void ref_config_init(struct ref_config *c);

/*
 * Parse "key=value[,key=value...]" (spaces also separate) onto c. Keys:
 *   profile=x86_64|x86_32  era=6.12|2.6  ram=SIZE  page=4K|8K|4096|8192
 *   orders=N  cpus=N  mem=SIZE  bank=SIZE@START (repeatable)
 *   reserve=SIZE@START (repeatable)
 * SIZE and START take K/M/G/T suffixes (powers of 1024). On error returns
 * -1 and writes "key 'ram': ..." into err; c may be partly updated.
 */
int ref_config_parse(struct ref_config *c, const char *spec, char *err,
		     size_t errlen);

/* Format c as a spec ref_config_parse() accepts. Returns the length. */
size_t ref_config_format(const struct ref_config *c, char *buf, size_t len);

/*
 * Check a config without building anything. 0, or -1 with a message naming
 * the field ("ram 512K is below one top-order block (4M)").
 */
int ref_config_validate(const struct ref_config *c, char *err, size_t errlen);

/*
 * Build a machine: memblock layout, zones, mem_map, all free memory handed
 * to the buddy. Returns 0; -1 for a bad config (err says why); -2 when the
 * environment refused (memfd, mmap), err says which call.
 */
int ref_mm_create(const struct ref_config *c, struct ref_mm **out, char *err,
		  size_t errlen);
void ref_mm_destroy(struct ref_mm *mm);

/*
 * Return a machine to the state ref_mm_create() left it in (free lists,
 * counters, bad-page reports), reusing its mappings: RAM contents are kept
 * (as across a reboot) and the trace subscriber stays. ref/ itself writes
 * RAM only to zero it (__GFP_ZERO), so RAM reads zero again, as a new
 * machine's does, once each user of the machine has cleared what it wrote
 * (the harness clears its fill cookies at the end of every run). For callers that
 * build many machines of one config (fuzzers): on hosts where a page fault
 * costs microseconds, reset avoids the fresh mappings a create pays for.
 * No other thread may use the machine meanwhile. Returns 0, or -2 with
 * errno set when madvise() refuses (the machine is then unusable).
 */
int ref_mm_reset(struct ref_mm *mm);

/*
 * Reboot a machine with another config, reusing its RAM and mem_map
 * mappings where they are large enough (grown otherwise): the result is
 * the state ref_mm_create(c) gives, but for RAM contents (kept, as across
 * a reboot) and the trace subscriber (dropped). For callers that cycle
 * through many configs (fuzzers). No other thread may use the machine.
 * Returns 0; -1 for a bad config (the machine is unchanged); -2 when the
 * environment refused (err says which call; the machine must then only
 * be destroyed).
 */
int ref_mm_recreate(struct ref_mm *mm, const struct ref_config *c, char *err,
		    size_t errlen);

/*
 * Per-CPU page lists (ref/pcp.c): pages freed there are free but not in
 * the buddy (ref_nr_free_pages() does not count them) until drained.
 * drain_all_pages(): every CPU's lists of every zone back to the buddy;
 * drain_local_pages(): the calling thread's CPU's. ref_pcp_pages(): the
 * pages on all lists now. ref_cpu_offline() (CPU hot-unplug) drains the
 * CPU's lists and shares high among the CPUs left; -1 when cpu is
 * offline already or the last one. ref_cpu_online() brings it back; -1
 * when it is online or beyond nr_cpus. A thread on an offline CPU
 * allocates and frees straight through the buddy.
 */
void ref_drain_all_pages(struct ref_mm *mm);
void ref_drain_local_pages(struct ref_mm *mm);
unsigned long ref_pcp_pages(struct ref_mm *mm);
int ref_cpu_offline(struct ref_mm *mm, unsigned int cpu);
int ref_cpu_online(struct ref_mm *mm, unsigned int cpu);

/* Simulated CPUs: the calling thread runs as cpu until it enters another. */
/*
 * Page isolation (6.12, ref/migrate.c): ref_isolate_pageblock() makes the
 * pageblock of pfn MIGRATE_ISOLATE as start_isolate_page_range() does
 * for one pageblock (its free pages leave NR_FREE_PAGES and no request
 * takes them), then drains the per-CPU lists as alloc_contig_range()
 * does, so their pages of the block come back isolated too; -EBUSY when
 * a page of it is allocated or reserved (has_unmovable_pages: nothing
 * here is movable), when it is isolated already, in the highatomic
 * reserve or not wholly in one zone; -EINVAL for a pfn outside the
 * machine or in 2.6.18 (no migrate types). ref_undo_isolate_pageblock()
 * gives it back as MOVABLE (unset_migratetype_isolate), merging a whole
 * free pageblock with its free buddy; -EINVAL when it is not isolated.
 */
int ref_isolate_pageblock(struct ref_mm *mm, unsigned long pfn);
int ref_undo_isolate_pageblock(struct ref_mm *mm, unsigned long pfn);

void ref_cpu_enter(struct ref_mm *mm, unsigned int cpu);
unsigned int ref_smp_processor_id(const struct ref_mm *mm);

/* pfn <-> page <-> address. page_address() is NULL for highmem pages. */
struct ref_page *ref_pfn_to_page(struct ref_mm *mm, unsigned long pfn);
unsigned long ref_page_to_pfn(const struct ref_mm *mm,
			      const struct ref_page *page);
int ref_pfn_valid(const struct ref_mm *mm, unsigned long pfn);
void *ref_page_address(const struct ref_mm *mm, const struct ref_page *page);
struct ref_page *ref_virt_to_page(struct ref_mm *mm, const void *addr);
struct ref_zone *ref_page_zone(struct ref_mm *mm, const struct ref_page *page);
/* The harness window: every pfn (highmem included) at phys + pfn*page_size. */
void *ref_phys_window(const struct ref_mm *mm);

/* The page allocator. */
struct ref_page *ref_alloc_pages(struct ref_mm *mm, ref_gfp_t gfp,
				 unsigned int order);
struct ref_page *ref_alloc_page(struct ref_mm *mm, ref_gfp_t gfp);
unsigned long ref_get_free_pages(struct ref_mm *mm, ref_gfp_t gfp,
				 unsigned int order);
unsigned long ref_get_free_page(struct ref_mm *mm, ref_gfp_t gfp);
unsigned long ref_get_zeroed_page(struct ref_mm *mm, ref_gfp_t gfp);
/* Frees return 0, or -1 when refused as a bad page (reported, not freed). */
int ref_free_pages_page(struct ref_mm *mm, struct ref_page *page,
			unsigned int order);
int ref_free_pages(struct ref_mm *mm, unsigned long addr, unsigned int order);
int ref_free_page(struct ref_mm *mm, unsigned long addr);

/*
 * Allocation flags (the kernel's ALLOC_*, mm/internal.h): which watermark
 * a zone must clear and which allowances a request has. The low bits
 * index zone->watermark[]. 6.12 names: MIN_RESERVE (__GFP_HIGH: half of
 * min), NON_BLOCK (cannot reclaim: a further quarter, with MIN_RESERVE
 * only), OOM (an OOM victim: a further half), HIGHATOMIC (may use the
 * high-atomic reserve). 2.6.18 names: HIGH (__GFP_HIGH: half of min) and
 * HARDER (cannot wait, or real-time: a further quarter, on its own).
 */
#define REF_ALLOC_WMARK_MIN 0x00u
#define REF_ALLOC_WMARK_LOW 0x01u
#define REF_ALLOC_WMARK_HIGH 0x02u
#define REF_ALLOC_NO_WATERMARKS 0x04u
#define REF_ALLOC_WMARK_MASK (REF_ALLOC_NO_WATERMARKS - 1)
#define REF_ALLOC_OOM 0x08u
#define REF_ALLOC_NON_BLOCK 0x10u
#define REF_ALLOC_MIN_RESERVE 0x20u
#define REF_ALLOC_HIGHATOMIC 0x200u
#define REF_ALLOC_RESERVES                                                    \
	(REF_ALLOC_NON_BLOCK | REF_ALLOC_MIN_RESERVE | REF_ALLOC_HIGHATOMIC | \
	 REF_ALLOC_OOM)
#define REF_ALLOC_HIGH REF_ALLOC_MIN_RESERVE /* 2.6.18 */
#define REF_ALLOC_HARDER REF_ALLOC_NON_BLOCK /* 2.6.18 */

/*
 * zone_watermark_ok(): whether zone, with the free pages it has now, may
 * serve an order-order request against mark (pages) with alloc_flags'
 * allowances, keeping lowmem_reserve[highest_zoneidx] back, by the era's
 * rule (docs/watermarks.md). Takes zone->lock.
 */
int ref_zone_watermark_ok(struct ref_mm *mm, struct ref_zone *zone,
			  unsigned int order, unsigned long mark,
			  int highest_zoneidx, unsigned int alloc_flags);
/* The slow path's flags for a mask (gfp_to_alloc_flags, by era). */
unsigned int ref_gfp_to_alloc_flags(const struct ref_mm *mm, ref_gfp_t gfp,
				    unsigned int order);
/*
 * __GFP_NOFAIL requests that found nothing (the kernel would retry for
 * ever; ref fails them and counts them here).
 */
unsigned long ref_nofail_stuck_count(const struct ref_mm *mm);

/*
 * Requests refused because gfp_zone() forbids their zone modifiers
 * (GFP_ZONE_BAD: more than one of __GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM,
 * with or without __GFP_MOVABLE), where the kernel stops at a VM_BUG_ON:
 * the caller's error. Counted whether or not fault injection then fails
 * the call too (gfp_zone runs before should_fail_alloc_page); not for an
 * order >= nr_orders (refused before gfp_zone). The latest text names the
 * mask: "gfp_zone: mode:0x5(GFP_DMA|GFP_DMA32) ...".
 */
unsigned long ref_gfp_zone_bad_count(const struct ref_mm *mm);
size_t ref_gfp_zone_bad_last(struct ref_mm *mm, char *buf, size_t len);

/*
 * warn_alloc(): a failed allocation without __GFP_NOWARN gives the
 * kernel's warning, "mmtorture: page allocation failure: order:N,
 * mode:0x...(...), nodemask=(null)" and then, for each populated zone up
 * to the request's highest, show_free_areas()'s zone line, its
 * "lowmem_reserve[]:" line and its per-order line (ref/show_mem.c). Not
 * for a failure fault injection made, an order >= nr_orders, a mask
 * gfp_zone() refuses, a __GFP_DMA request on a machine without DMA pages
 * or a __GFP_NOFAIL request that may reclaim (the kernel would retry
 * it). The kernel rate-limits it; ref counts every one and keeps the
 * last, and hands each to the trace subscriber (REF_TRACE_WARN_ALLOC,
 * whose ref_trace_format() text is the warning). ref never prints it.
 * ref_alloc_warn_last() writes the latest warning ("" for none), one
 * line per '\n', and returns its full length.
 */
unsigned long ref_alloc_warn_count(const struct ref_mm *mm);
size_t ref_alloc_warn_last(struct ref_mm *mm, char *buf, size_t len);

/* Bad-page reports (invalid or double frees) so far, and the latest text. */
unsigned long ref_bad_page_count(const struct ref_mm *mm);
size_t ref_bad_page_last(struct ref_mm *mm, char *buf, size_t len);

/* Trace: one optional subscriber per machine; NULL unsubscribes. */
void ref_trace_subscribe(struct ref_mm *mm, ref_trace_fn fn, void *ctx);
/* Format an event as ftrace's text for it ("page=%p pfn=0x%lx order=%d");
 * a warn_alloc event's text is the warning (mm: the machine that emitted
 * it, during the callback). */
size_t ref_trace_format(const struct ref_mm *mm,
			const struct ref_trace_event *ev, char *buf,
			size_t len);

/*
 * Assertions. A failed REF_ASSERT (the tiers of ref/internal.h) writes
 * "ref: assertion failed: EXPR at FILE:LINE" to stderr and aborts. An
 * embedder that wants to report it as a finding of its own sets a handler:
 * after that line the failure path calls fn(ctx, file, line, expr), with
 * expr the assertion's source text and file:line where it sits. fn runs on the
 * thread that failed, maybe with a zone lock or a pool lock held, with the
 * machine in whatever state broke the assertion: it must not call back
 * into ref/, and is expected not to return (it exits or aborts); if it
 * returns, ref aborts as without it. One handler per process (a plain
 * pointer pair, stored and read atomically); fn NULL removes it. Setting
 * it allocates nothing, and the failure path allocates nothing before or
 * after calling fn.
 */
typedef void (*ref_assert_fn)(void *ctx, const char *file, int line,
			      const char *expr);
void ref_set_assert_handler(ref_assert_fn fn, void *ctx);

/* Counters. */
unsigned long ref_nr_free_pages(struct ref_mm *mm); /* all zones, pages */
unsigned long ref_totalram_pages(const struct ref_mm *mm); /* managed */

/*
 * /proc views in the kernel's formats. Each writes into buf (NUL
 * terminated, truncated if short) and returns the full length.
 *   buddyinfo: "Node 0, zone      DMA      1      0 ..."
 *   zoneinfo:  "Node 0, zone      DMA\n  pages free     ..." (subset)
 */
size_t ref_proc_buddyinfo(struct ref_mm *mm, char *buf, size_t len);
size_t ref_proc_zoneinfo(struct ref_mm *mm, char *buf, size_t len);

#endif /* REF_MM_H */
