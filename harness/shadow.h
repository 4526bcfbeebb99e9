/* SPDX-License-Identifier: MIT */
/*
 * harness/shadow.h - the shadow model of a PAGES allocator (private).
 *
 * An independent oracle: it knows only the arena (struct mmt_arena), the
 * adapter's capability bits and the ops, never ref/. It tracks every live
 * block per slot and which slot owns each pfn, and after each op checks
 * the result, adding violations (stable ids, docs/op-format.md):
 *   SHADOW-RANGE   block inside the arena, in present RAM, not reserved
 *   SHADOW-ZONE    block in one zone the GFP mask allows   (MMT_CAP_ZONES)
 *   SHADOW-ALIGN   address page aligned and 2^order-page aligned
 *   SHADOW-OVERLAP no page already owned by a live block
 *   SHADOW-FILL    cookies written at allocation intact at free
 *   SHADOW-ZERO    __GFP_ZERO / get_zeroed_page memory all zero
 *   ORACLE-MUST-FAIL / ORACLE-MUST-SUCCEED   the capacity oracle
 *   ORACLE-WATERMARK  a zone served a request its watermark check refuses
 *                  (MMT_CAP_WATERMARKS, strict)
 *   ORACLE-FAULT   a success the fault model fails  (MMT_CAP_FAULT_INJECT)
 *   TRACE-ALLOC / TRACE-FREE   trace events match     (MMT_CAP_TRACE)
 *
 * Not thread safe: one shadow per executor run.
 */
#ifndef MMT_HARNESS_SHADOW_H
#define MMT_HARNESS_SHADOW_H

#include <stddef.h>
#include <stdint.h>

#include <mmtorture/adapter.h>
#include <mmtorture/exec.h>
#include <mmtorture/machine.h>

struct mmt_shadow;

/* A live block as the shadow sees it. */
struct mmt_shadow_block {
	int live;
	uint64_t pfn;
	uint32_t order;
	int zone; /* enum mmt_zone_type, -1 outside every zone */
	uint32_t gfp; /* effective mask the block was allocated with */
	uint64_t fill; /* fill seed: derived from the seed, slot, op index */
	void *addr; /* as returned by the adapter */
};

/* Build a shadow for arena a. NULL when out of memory. */
struct mmt_shadow *mmt_shadow_create(const struct mmt_arena *a, uint32_t caps,
				     int strict, uint64_t seed);
void mmt_shadow_destroy(struct mmt_shadow *s);
/*
 * The allocator serves orders 0..nr_orders-1 only (its declared
 * pages->nr_orders; 0 or more than the arena has: every order of the
 * arena): above them a failure is no ORACLE-MUST-SUCCEED.
 */
void mmt_shadow_set_served_orders(struct mmt_shadow *s, uint32_t nr_orders);
/*
 * Hold the allocator to the kernel's watermark rules (an adapter with
 * MMT_CAP_WATERMARKS): w is the machine's (mmt_machine_wmarks); NULL
 * turns them off (the default: a buddy with no reserves).
 */
void mmt_shadow_set_wmarks(struct mmt_shadow *s, const struct mmt_wmarks *w);
/*
 * Under the strict oracle, whether an order-order request with effective
 * mask eff must succeed now: the first pfn of a free aligned range of a
 * zone the mask allows whose watermark check the request passes, or -1
 * (not strict, an order not served, must fail, or nothing owed).
 */
int64_t mmt_shadow_owed(const struct mmt_shadow *s, uint32_t order,
			uint32_t eff);
/*
 * Follow the fault injection of machine m (an adapter with
 * MMT_CAP_FAULT_INJECT; otherwise, or when m injects nothing, off).
 */
void mmt_shadow_set_fault(struct mmt_shadow *s, const struct mmt_machine *m);
/*
 * Ask the fault model about the allocator call about to be made (order
 * and the mask the allocator sees): 1 when it is to fail. The next
 * mmt_shadow_alloc() takes this verdict instead of asking again, so ask
 * once per call, before it (the capacity probe asks for each of its
 * calls and passes none to mmt_shadow_alloc).
 */
int mmt_shadow_fault_next(struct mmt_shadow *s, uint32_t order, uint32_t eff);
/* Failures the fault model predicted so far. */
uint64_t mmt_shadow_fault_count(const struct mmt_shadow *s);
/* Whether the strict must-succeed oracle applies to order. */
int mmt_shadow_order_served(const struct mmt_shadow *s, uint32_t order);
/*
 * Zero the cookie bytes of every block this shadow filled since it was
 * created (live or freed), so the arena holds no byte the shadow wrote:
 * with an allocator that writes only zeroes into RAM (ref-pages), the next
 * run on the same arena sees the RAM a new machine would give it. The
 * arena must still be mapped. -1 when a record was lost (out of memory):
 * the arena then cannot be trusted to read zero.
 */
int mmt_shadow_clear_fills(struct mmt_shadow *s);
/*
 * Offset of a non-zero byte in the n pages at pfn, or n pages' bytes when
 * the bytes SHADOW-ZERO reads are all zero: every byte of a block of up
 * to 16 pages, the first and last 16 bytes of every page of a larger one
 * (where any fill cookie lies). The pages must be present.
 */
uint64_t mmt_shadow_zero_probe(const struct mmt_shadow *s, uint64_t pfn,
			       uint64_t n);

/* The slot's block (live == 0 when empty); NULL for a slot out of range. */
const struct mmt_shadow_block *mmt_shadow_slot(const struct mmt_shadow *s,
					       unsigned int slot);

/*
 * The GFP mask an op kind really asks with: get_free_page(s) and
 * get_zeroed_page strip __GFP_HIGHMEM (6.12), get_zeroed_page adds
 * __GFP_ZERO.
 */
uint32_t mmt_shadow_effective_gfp(unsigned int kind, uint32_t gfp);

/*
 * Record the result of an allocation op: kind (enum mmt_op_kind), order
 * as asked (0 for the single-page kinds), gfp as in the op, addr (NULL
 * when it failed). Checks, then tracks the block in slot (which must be
 * empty) and writes its fill. Returns 1 when the block is tracked.
 */
int mmt_shadow_alloc(struct mmt_shadow *s, size_t op_index, unsigned int slot,
		     unsigned int kind, uint32_t order, uint32_t gfp,
		     void *addr, struct mmt_report *r);

/*
 * The harness's shrinker caches (the pages layer's, docs/reclaim.md):
 * pages a cache holds are owned by it, as a slot's are by the slot, so
 * no block may overlap them and the capacity oracle does not count them
 * free. mmt_shadow_cache_alloc() judges one allocation made to fill cache
 * (every check of mmt_shadow_alloc() but the fill) and records the block:
 * 1 when it is held. mmt_shadow_cache_free() is told of the free of one
 * (from a shrinker callback, or the cache's teardown), just after the
 * adapter's free returned: with MMT_CAP_TRACE that free's mm_page_free
 * must have come (TRACE-FREE) and is taken off the op's events. A free
 * made after the allocation in flight decided its result (background
 * reclaim inside alloc(), MMT_SHRINK_KSWAPD) is deferred: the pages stay
 * the cache's for that allocation's checks (a block the allocator had
 * already handed out on top of them overlaps them), and
 * mmt_shadow_cache_flush() releases them after it. Every other free
 * releases at once, so the checks of the allocation in flight judge the
 * state after the frees its own reclaim made: the state its last try saw.
 */
int mmt_shadow_cache_alloc(struct mmt_shadow *s, size_t op_index,
			   unsigned int cache, uint32_t order, uint32_t gfp,
			   void *addr, struct mmt_report *r);
void mmt_shadow_cache_free(struct mmt_shadow *s, size_t op_index,
			   unsigned int cache, void *addr, uint32_t order,
			   int deferred, struct mmt_report *r);
void mmt_shadow_cache_flush(struct mmt_shadow *s);
/* Pages the caches hold now. */
uint64_t mmt_shadow_cache_pages(const struct mmt_shadow *s);

/* Before the adapter frees slot: verify the fill (SHADOW-FILL). */
void mmt_shadow_verify_fill(struct mmt_shadow *s, size_t op_index,
			    unsigned int slot, struct mmt_report *r);
/* After the adapter freed slot: release its pages, check the trace. */
void mmt_shadow_release(struct mmt_shadow *s, size_t op_index,
			unsigned int slot, struct mmt_report *r);

/*
 * Trace events (the executor subscribes the shadow). Page events are
 * those of the op in progress, checked by TRACE-ALLOC/-FREE; a layer's
 * MMT_EV_PAGES_TAKEN / _RETURNED change page ownership at once and report
 * SHADOW-OWNER into the report bound here, under *op_index.
 */
void mmt_shadow_trace_reset(struct mmt_shadow *s);
void mmt_shadow_trace_event(void *shadow, const struct mmt_event *ev);
void mmt_shadow_bind_report(struct mmt_shadow *s, struct mmt_report *r,
			    const size_t *op_index);
/* Pages layers of the allocator hold for themselves now. */
uint64_t mmt_shadow_layer_pages(const struct mmt_shadow *s);
/* PAGES_TAKEN and _RETURNED events seen so far. */
uint64_t mmt_shadow_layer_events(const struct mmt_shadow *s);

/*
 * Capacity scan: the first pfn of an aligned 2^order range wholly inside
 * one zone in allowed (bit mask), present, unreserved and unowned; -1
 * when none exists.
 */
int64_t mmt_shadow_find_free(const struct mmt_shadow *s, uint32_t order,
			     unsigned int allowed);
/* The same for a request that cannot take the highatomic reserve (no
 * block in a HIGHATOMIC or ISOLATE pageblock); -2 when it cannot be
 * known (above pageblock_order in a zone where a reserve went back, so
 * free blocks there need not have merged). */
int64_t mmt_shadow_find_usable(const struct mmt_shadow *s, uint32_t order,
			       unsigned int allowed);
/* Pageblocks that joined or left the highatomic reserve (or isolation)
 * so far, by MMT_EV_PAGEBLOCK_TYPE. */
uint64_t mmt_shadow_pageblock_events(const struct mmt_shadow *s);

/*
 * Capacity probe (docs/checkers.md, "The capacity probe"): with every slot
 * freed and no layer taking or returning pages meanwhile, a buddy
 * allocator holding all its free pages coalesced hands back, draining
 * orders top-1 down to 0, exactly expect[k] blocks of
 * order k from zone (enum mmt_zone_type; -1: the whole arena, for an
 * allocator without MMT_CAP_ZONES): the aligned ranges of each order wholly
 * free (present, unreserved, unowned) in the zone, less those inside a
 * free range of the order above. expect has top entries.
 */
void mmt_shadow_probe_plan(const struct mmt_shadow *s, int zone, uint32_t top,
			   uint64_t *expect);
/*
 * A block the probe got: SHADOW-RANGE, -ALIGN, -ZONE (in zone, when the
 * allocator has MMT_CAP_ZONES and zone >= 0) and -OVERLAP (with a slot,
 * a layer or an earlier probe block) under op index SIZE_MAX; a good
 * block is marked as the probe's. Its pfn, or -1 when it was bad.
 */
int64_t mmt_shadow_probe_take(struct mmt_shadow *s, void *addr, uint32_t order,
			      int zone, struct mmt_report *r);
/* The probe freed the block at pfn: unmark it. */
void mmt_shadow_probe_put(struct mmt_shadow *s, uint64_t pfn, uint32_t order);

/* Live blocks and pages owned now. */
size_t mmt_shadow_live_blocks(const struct mmt_shadow *s);
uint64_t mmt_shadow_live_pages(const struct mmt_shadow *s);

#endif /* MMT_HARNESS_SHADOW_H */
