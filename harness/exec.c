/* SPDX-License-Identifier: MIT */
/*
 * exec.c - run an op sequence on an adapter under the shadow model.
 *
 * The executor reaches the allocator only through struct mmt_adapter:
 *   1. validate the table; a pages program needs PAGES, an objects
 *      program OBJECTS (exit 2 naming the capability otherwise);
 *   2. build the env from prog->machine; a PAGES adapter without OWN_ARENA
 *      gets an arena leased from harness/arena.c (anonymous, reading zero
 *      as a fresh mapping would: a parked one is scrubbed first; every
 *      block the adapter hands out is marked so that scrub is cheap),
 *      described by mmt_arena_from_machine(). An
 *      objects program on an adapter without PAGES needs no machine: the
 *      machine line is ignored and no arena is mapped;
 *   3. create, read the arena (pages->arena() for OWN_ARENA), build the
 *      shadow (harness/shadow.c for pages, harness/shadow_objects.c for
 *      objects), subscribe to trace events (MMT_CAP_TRACE, pages only),
 *      enter CPU 0;
 *   4. run the ops; after every op the shadow checks the result, every
 *      check_every ops the adapter's own check() runs at full level;
 *   5. at the end: a full check, then every live slot is freed in slot
 *      order (op index SIZE_MAX) and the check runs again, so leaks and
 *      merges missed at teardown are seen.
 * A full check with no op run since the last one is skipped (counted in
 * checks_skipped): it would find what the last one found.
 * Steps 1-3 are mmt_exec_open(), 4 is mmt_exec_step() once per op, 5 is
 * mmt_exec_finish(); mmt_exec_run() is exactly open, step every op (stop
 * at the first op that reports when stop_on_violation), finish, close.
 *
 * Op outcomes (struct mmt_op_outcome, for differential runs), PAGES:
 *   must_fail     order >= nr_orders; with MMT_CAP_ZONES also a forbidden
 *                 zone combination or no populated allowed zone (the
 *                 shadow's own must-fail rules, restated here);
 *   must_succeed  only when the strict oracle applies (POLICY_BUDDY or
 *                 opts->strict) to an order below the pages->nr_orders
 *                 the allocator declares (0: every order of the arena):
 *                 not must_fail and mmt_shadow_find_free()
 *                 finds a free aligned range of the order in an allowed
 *                 zone, scanned after the slot's old block (if any) was
 *                 freed and before the allocation is recorded. The scan
 *                 runs only when the caller asks for an outcome;
 *   pfn           block offset from the arena base in pages (UINT64_MAX
 *                 when the allocation failed or the address lies outside
 *                 the arena); order as allocated; zone from the shadow;
 *   digest        for __GFP_ZERO (get_zeroed_page included): ZERO_DIGEST
 *                 mixed with the block size when every byte SHADOW-ZERO
 *                 reads is zero, else a hash of the first non-zero one
 *                 and its offset;
 *                 read before the shadow writes its fill (only when the
 *                 caller asks for an outcome).
 *   A free of a live slot: is_free, ok when the adapter accepted it, the
 *   block's pfn/order/zone. An allocation into a live slot reports the
 *   allocation only (is_free stays 0). Skipped ops set skipped.
 *
 * GFP: the adapter gets the mask the entry point really uses
 * (mmt_shadow_effective_gfp(): get_free_page(s) and get_zeroed_page drop
 * __GFP_HIGHMEM, get_zeroed_page adds __GFP_ZERO), so an allocator that
 * ignores the api argument still sees the right request.
 *
 * Slot rules: an allocation into a live slot first frees the old block
 * (by address, as free_pages would), then allocates; a free of an empty
 * slot is skipped. free_page on a block of order > 0 frees it with
 * free_pages and the block's order; a by-address free of a block in
 * ZONE_HIGHMEM (no direct-map address) frees by page instead.
 *
 * OBJECTS slot rules: malloc/calloc/aligned into a live slot free the old
 * object first; realloc of an empty slot is malloc; realloc to size 0 is
 * free of the slot (C23 made realloc(p, 0) undefined), skipped when the
 * slot is empty; free of an empty slot is skipped. calloc is calloc(1, S).
 * Caps, so a fuzzer cannot exhaust the host: a request above 64 MiB, one
 * that would take the live total past 256 MiB, or an aligned request whose
 * alignment is not a power of two up to 8 MiB is skipped (not run, the
 * slot unchanged, "skipped" in the outcome and the trace). Every request
 * run must succeed unless its size is 0 or above the objects->max_size
 * the allocator declares (OBJ-NULL; must_succeed). At the
 * end live slots are freed in slot order; mmt_exec_close() of a run that
 * stopped early frees the objects the shadow accepted, so host allocators
 * do not leak. On the first violation res->state gets the shadow's live
 * table (an OBJECTS adapter has no buddyinfo).
 *
 * Violations from check() take their layer from the id's prefix (BUDDY-
 * -> "buddy", ZONE- -> "zone", PAGE- -> "page", else "adapter"). On the
 * first violation res->state gets the adapter's "buddyinfo" view.
 *
 * Deterministic: no clock, no unseeded randomness. Single threaded: one
 * struct mmt_exec per thread, no locks.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/crash.h>
#include <mmtorture/exec.h>

#include "mmt_internal.h"
#include "shadow.h"
#include "shadow_objects.h"

#define FILL_SEED 0x6d6d74307274ULL /* "mmtort" */
#define ZERO_DIGEST 0x7a65726f7a65726fULL /* "zerozero" */
#define OBJ_SIZE_CAP (64ULL << 20) /* largest object run */
#define OBJ_LIVE_CAP (256ULL << 20) /* most bytes live at once */
#define OBJ_ALIGN_CAP (8ULL << 20) /* largest alignment run */

struct mmt_exec {
	const struct mmt_adapter *ad;
	void *state;
	int created;
	const struct mmt_prog *prog;
	struct mmt_exec_opts o;
	uint32_t every; /* check every N ops, 0 = never */
	int strict;
	struct mmt_arena arena;
	struct mmt_arena_lease lease; /* ours (no OWN_ARENA); base NULL else */
	struct mmt_shadow *sh; /* PAGES programs */
	struct mmt_objshadow *osh; /* OBJECTS programs */
	int objects; /* the program is an OBJECTS program */
	size_t cur_op; /* op index findings are filed under */
	int dumped;
	int finished;
	int dirty; /* an op ran since the last full check (1 at open) */
	struct mmt_exec_result res;
};

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void mmt_exec_opts_default(struct mmt_exec_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->check_every = 0;
	o->check_at_end = 1;
	o->strict = -1;
	o->trace = NULL;
	o->stop_on_violation = 1;
}

static const char *layer_of(const char *id)
{
	if (strncmp(id, "BUDDY-", 6) == 0)
		return "buddy";
	if (strncmp(id, "ZONE-", 5) == 0)
		return "zone";
	if (strncmp(id, "PAGE-", 5) == 0)
		return "page";
	return "adapter";
}

static void on_finding(void *ctx, const char *id, const char *message)
{
	struct mmt_exec *ex = ctx;

	if (!id)
		id = "ADAPTER-CHECK";
	mmt_report_add(&ex->res.report, ex->cur_op, layer_of(id), id, "%s",
		       message ? message : "");
}

/*
 * An OBJECTS adapter has no buddyinfo: the state is the shadow's live
 * table (slot, address, size, usable size, alignment asked).
 */
static void objects_state(struct mmt_exec *ex)
{
	char *buf = ex->res.state;
	size_t len = sizeof(ex->res.state), n;

	n = (size_t)snprintf(
		buf, len, "live objects %zu, %llu bytes asked\n",
		mmt_objshadow_live_objects(ex->osh),
		(unsigned long long)mmt_objshadow_live_bytes(ex->osh));
	for (unsigned int s = 0; s < MMT_NR_SLOTS && n < len; s++) {
		const struct mmt_objshadow_obj *o =
			mmt_objshadow_slot(ex->osh, s);

		if (!o->live)
			continue;
		/* the alignment the address has, as outcome lines say it,
		 * and the one an aligned op asked for */
		n += (size_t)snprintf(
			buf + n, len - n,
			"s%u %p size %llu usable %llu align %llu", s, o->addr,
			(unsigned long long)o->size,
			(unsigned long long)o->usable,
			(unsigned long long)mmt_objshadow_addr_align(o->addr));
		if (o->align && n < len)
			n += (size_t)snprintf(buf + n, len - n, " (asked %llu)",
					      (unsigned long long)o->align);
		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, "\n");
	}
	buf[len - 1] = '\0';
}

/* Keep the adapter's view of the first violation. */
static void capture_state(struct mmt_exec *ex)
{
	if (ex->dumped || ex->res.report.total == 0)
		return;
	ex->dumped = 1;
	if (ex->objects) {
		objects_state(ex);
		return;
	}
	if (ex->ad->dump)
		ex->ad->dump(ex->state, "buddyinfo", ex->res.state,
			     sizeof(ex->res.state));
	ex->res.state[sizeof(ex->res.state) - 1] = '\0';
}

/*
 * The adapter's full check, unless no op ran since the last one: a check
 * of an unchanged machine finds what the last one found, and check storms
 * (runs of check ops, a check op right after a periodic check, the
 * teardown check with no slot live) would otherwise cost a fuzz input most
 * of its time. Skipped checks are counted in res.checks_skipped.
 */
static void full_check(struct mmt_exec *ex, size_t op_index)
{
	if (!(ex->ad->caps & MMT_CAP_CHECK) || !ex->ad->check)
		return;
	if (!ex->dirty) {
		ex->res.checks_skipped++;
		if (ex->o.trace)
			fprintf(ex->o.trace, "        (check skipped: nothing "
					     "ran since the last one)\n");
		return;
	}
	ex->dirty = 0;
	ex->cur_op = op_index;
	ex->res.checks++;
	ex->ad->check(ex->state, 2, on_finding, ex);
}

static void print_new(struct mmt_exec *ex, unsigned long before)
{
	const struct mmt_report *r = &ex->res.report;

	if (!ex->o.trace)
		return;
	for (unsigned long i = before; i < r->total && i < r->nr; i++)
		fprintf(ex->o.trace, "        !! %s %s: %s\n", r->v[i].layer,
			r->v[i].id, r->v[i].message);
	if (r->total > r->nr && before < r->total)
		fprintf(ex->o.trace, "        !! (%lu violations so far)\n",
			r->total);
}

/* ------------------------------------------------------------ PAGES */

/* Free a live slot; api is the op's choice, adjusted as documented. */
static int free_slot(struct mmt_exec *ex, size_t op_index, unsigned int slot,
		     uint32_t api)
{
	const struct mmt_shadow_block *b = mmt_shadow_slot(ex->sh, slot);
	int ret;

	if (api == MMT_API_FREE_PAGE && b->order != 0)
		api = MMT_API_FREE_PAGES;
	if (api != MMT_API_FREE_PAGES_PAGE && b->zone == MMT_ZONE_HIGHMEM)
		api = MMT_API_FREE_PAGES_PAGE;
	mmt_shadow_verify_fill(ex->sh, op_index, slot, &ex->res.report);
	mmt_shadow_trace_reset(ex->sh);
	ret = ex->ad->pages->free(ex->state, b->addr, b->order, api);
	if (ret != 0)
		mmt_report_add(&ex->res.report, op_index, "adapter",
			       "ADAPTER-FREE",
			       "free of s%u (pfn 0x%llx order %u) refused with "
			       "%d",
			       slot, (unsigned long long)b->pfn, b->order, ret);
	ex->res.frees++;
	mmt_shadow_release(ex->sh, op_index, slot, &ex->res.report);
	return ret;
}

static uint32_t alloc_api(unsigned int kind)
{
	switch (kind) {
	case MMT_OP_ALLOC_PAGE:
		return MMT_API_ALLOC_PAGE;
	case MMT_OP_GET_FREE_PAGES:
		return MMT_API_GET_FREE_PAGES;
	case MMT_OP_GET_FREE_PAGE:
		return MMT_API_GET_FREE_PAGE;
	case MMT_OP_GET_ZEROED_PAGE:
		return MMT_API_GET_ZEROED_PAGE;
	case MMT_OP_FREE_PAGES:
		return MMT_API_FREE_PAGES;
	case MMT_OP_FREE_PAGES_PAGE:
		return MMT_API_FREE_PAGES_PAGE;
	case MMT_OP_FREE_PAGE:
		return MMT_API_FREE_PAGE;
	default:
		return MMT_API_ALLOC_PAGES;
	}
}

/* The request is impossible: the shadow's must-fail rules. */
static int pages_must_fail(const struct mmt_exec *ex, uint32_t order,
			   unsigned int allowed)
{
	if (order >= ex->arena.nr_orders)
		return 1;
	if (!(ex->ad->caps & MMT_CAP_ZONES))
		return 0;
	if (!allowed)
		return 1;
	for (uint32_t z = 0; z < ex->arena.nr_zones && z < MMT_NR_ZONE_TYPES;
	     z++)
		if (ex->arena.zones[z].present &&
		    ex->arena.zones[z].type < MMT_NR_ZONE_TYPES &&
		    (allowed & (1u << ex->arena.zones[z].type)))
			return 0;
	return 1;
}

/* pfn range [pfn, pfn + n) lies in one present range of the arena. */
static int block_present(const struct mmt_arena *a, uint64_t pfn, uint64_t n)
{
	for (uint32_t i = 0; i < a->nr_present && i < MMT_MAX_RANGES; i++) {
		const struct mmt_pfn_range *r = &a->present[i];

		if (pfn >= r->start_pfn && pfn < r->start_pfn + r->nr_pages)
			return n <= r->start_pfn + r->nr_pages - pfn;
	}
	return 0;
}

/* Arena-relative pfn of addr, UINT64_MAX outside the arena. */
static uint64_t pfn_of(const struct mmt_arena *a, const void *addr)
{
	uintptr_t base = (uintptr_t)a->base, at = (uintptr_t)addr;
	uint64_t pfn;

	if (!addr || at < base || !a->page_size)
		return UINT64_MAX;
	pfn = (uint64_t)(at - base) / a->page_size;
	return pfn < a->nr_pfns ? pfn : UINT64_MAX;
}

int mmt_exit_for_create(int ret)
{
	switch (ret) {
	case 0:
		return MMT_EXIT_OK;
	case -ENOMEM:
	case -ENOENT:
	case -EAGAIN:
	case -EMFILE:
	case -ENFILE:
	case -ENOSPC:
		return MMT_EXIT_ENV;
	default:
		return MMT_EXIT_USAGE;
	}
}

/*
 * Digest of the zero promise of a block at addr, read before the shadow
 * writes its fill, over the bytes SHADOW-ZERO reads
 * (mmt_shadow_zero_probe: all of a block of up to 16 pages, where any
 * cookie lies beyond; a full read of a 4 MiB block cost more than the rest
 * of a fuzz input): ZERO_DIGEST mixed with the size when they are all
 * zero, else a hash of the offset and value of the first non-zero one.
 */
static uint64_t zero_digest(const struct mmt_exec *ex, const void *addr,
			    uint32_t order)
{
	const struct mmt_arena *a = &ex->arena;
	uint64_t n = 1ULL << order, pfn = pfn_of(a, addr);
	uint64_t bytes = n * a->page_size, i;
	const uint8_t *p = addr;

	/* Page alignment is relative to the arena base (pfn_of() checked
	 * addr >= base): the base itself need not be page aligned. */
	if (pfn == UINT64_MAX ||
	    ((uintptr_t)addr - (uintptr_t)a->base) % a->page_size ||
	    !block_present(a, pfn, n))
		return mix64(~ZERO_DIGEST ^ bytes);
	i = mmt_shadow_zero_probe(ex->sh, pfn, n);
	if (i < bytes)
		return mix64(mix64(i) ^ p[i] ^ bytes);
	return mix64(ZERO_DIGEST ^ bytes);
}

static void pages_alloc_op(struct mmt_exec *ex, size_t i,
			   const struct mmt_op *op, unsigned int slot,
			   struct mmt_op_outcome *oc)
{
	FILE *t = ex->o.trace;
	const struct mmt_shadow_block *b = mmt_shadow_slot(ex->sh, slot);
	unsigned int order = (op->kind == MMT_OP_ALLOC_PAGES ||
			      op->kind == MMT_OP_GET_FREE_PAGES) ?
				     op->order :
				     0;
	uint32_t eff = mmt_shadow_effective_gfp(op->kind, op->gfp);
	void *addr = NULL;
	int ret;

	if (b->live) {
		if (t)
			fprintf(t,
				" (s%u held pfn 0x%llx order %u: freed first)",
				slot, (unsigned long long)b->pfn, b->order);
		free_slot(ex, i, slot, MMT_API_FREE_PAGES);
	}
	if (oc) {
		unsigned int allowed =
			mmt_shadow_allowed_zones(&ex->arena, eff);

		oc->is_alloc = 1;
		oc->order = order;
		oc->must_fail = pages_must_fail(ex, order, allowed);
		if (ex->strict && !oc->must_fail &&
		    mmt_shadow_order_served(ex->sh, order)) {
			unsigned int scan =
				(ex->ad->caps & MMT_CAP_ZONES) ?
					allowed :
					(1u << MMT_NR_ZONE_TYPES) - 1;

			oc->must_succeed =
				mmt_shadow_find_free(ex->sh, order, scan) >= 0;
		}
	}
	mmt_shadow_trace_reset(ex->sh);
	ret = ex->ad->pages->alloc(ex->state, order, eff, alloc_api(op->kind),
				   &addr);
	if (ret != 0) {
		mmt_report_add(&ex->res.report, i, "adapter", "ADAPTER-ALLOC",
			       "alloc returned error %d", ret);
		addr = NULL;
	}
	if (addr) {
		ex->res.allocs++;
		mmt_arena_touch(&ex->lease, addr,
				order < 40 ? ex->arena.page_size << order : 0);
	} else {
		ex->res.alloc_fails++;
	}
	if (oc) {
		oc->ok = addr != NULL;
		oc->pfn = pfn_of(&ex->arena, addr);
		if (addr && (eff & MMT_GFP_ZERO) && order < 63) {
			oc->has_digest = 1;
			oc->digest = zero_digest(ex, addr, order);
		}
	}
	mmt_shadow_alloc(ex->sh, i, slot, op->kind, order, op->gfp, addr,
			 &ex->res.report);
	if (oc && b->live)
		oc->zone = b->zone;
	if (t) {
		if (!addr)
			fprintf(t, " -> NULL\n");
		else if (b->live)
			fprintf(t, " -> pfn 0x%llx\n",
				(unsigned long long)b->pfn);
		else
			fprintf(t, " -> %p (untracked)\n", addr);
	}
}

static void pages_free_op(struct mmt_exec *ex, size_t i,
			  const struct mmt_op *op, unsigned int slot,
			  struct mmt_op_outcome *oc)
{
	FILE *t = ex->o.trace;
	const struct mmt_shadow_block *b = mmt_shadow_slot(ex->sh, slot);
	int ret;

	if (!b->live) {
		if (t)
			fprintf(t, " -> skipped (s%u is empty)\n", slot);
		if (oc)
			oc->skipped = 1;
		return;
	}
	if (t)
		fprintf(t, " -> freed pfn 0x%llx order %u\n",
			(unsigned long long)b->pfn, b->order);
	if (oc) {
		oc->is_free = 1;
		oc->pfn = b->pfn;
		oc->order = b->order;
		oc->zone = b->zone;
	}
	ret = free_slot(ex, i, slot, alloc_api(op->kind));
	if (oc)
		oc->ok = ret == 0;
}

static void pages_op(struct mmt_exec *ex, size_t i, const struct mmt_op *op,
		     unsigned int slot, struct mmt_op_outcome *oc)
{
	switch (op->kind) {
	case MMT_OP_ALLOC_PAGES:
	case MMT_OP_ALLOC_PAGE:
	case MMT_OP_GET_FREE_PAGES:
	case MMT_OP_GET_FREE_PAGE:
	case MMT_OP_GET_ZEROED_PAGE:
		pages_alloc_op(ex, i, op, slot, oc);
		break;
	case MMT_OP_FREE_PAGES:
	case MMT_OP_FREE_PAGES_PAGE:
	case MMT_OP_FREE_PAGE:
		pages_free_op(ex, i, op, slot, oc);
		break;
	default:
		if (ex->o.trace)
			fprintf(ex->o.trace, " -> skipped (not a PAGES op)\n");
		if (oc)
			oc->skipped = 1;
		break;
	}
}

/* ------------------------------------------------------------ OBJECTS */

/* Why a request of size bytes replacing old bytes is not run, or NULL. */
static const char *obj_over_cap(const struct mmt_exec *ex, uint64_t size,
				uint64_t old)
{
	if (size > OBJ_SIZE_CAP)
		return "size above the 64 MiB cap";
	if (mmt_objshadow_live_bytes(ex->osh) - old + size > OBJ_LIVE_CAP)
		return "live bytes would pass the 256 MiB cap";
	return NULL;
}

static uint64_t obj_usable(const struct mmt_exec *ex, const void *addr)
{
	if (!addr || !(ex->ad->caps & MMT_CAP_USABLE_SIZE) ||
	    !ex->ad->objects->usable_size)
		return 0;
	return ex->ad->objects->usable_size(ex->state, addr);
}

static void obj_free_slot(struct mmt_exec *ex, size_t op_index,
			  unsigned int slot)
{
	const struct mmt_objshadow_obj *o = mmt_objshadow_slot(ex->osh, slot);

	mmt_objshadow_verify_fill(ex->osh, op_index, slot, &ex->res.report);
	ex->ad->objects->free(ex->state, o->addr);
	ex->res.frees++;
	mmt_objshadow_release(ex->osh, slot);
}

static void obj_trace_result(const struct mmt_exec *ex, void *addr,
			     uint64_t usable)
{
	FILE *t = ex->o.trace;

	if (!t)
		return;
	if (!addr)
		fprintf(t, " -> NULL\n");
	else if (ex->ad->caps & MMT_CAP_USABLE_SIZE)
		fprintf(t, " -> %p usable %llu\n", addr,
			(unsigned long long)usable);
	else
		fprintf(t, " -> %p\n", addr);
}

static void obj_skip(struct mmt_exec *ex, const char *why,
		     struct mmt_op_outcome *oc)
{
	if (ex->o.trace)
		fprintf(ex->o.trace, " -> skipped (%s)\n", why);
	if (oc)
		oc->skipped = 1;
}

/* malloc, calloc, aligned; and realloc of an empty slot (as malloc). */
static void obj_alloc_op(struct mmt_exec *ex, size_t i, const struct mmt_op *op,
			 unsigned int slot, struct mmt_op_outcome *oc)
{
	const struct mmt_objshadow_obj *o = mmt_objshadow_slot(ex->osh, slot);
	const struct mmt_objects_ops *ops = ex->ad->objects;
	uint64_t size = op->size, align = op->align, usable;
	const char *why = obj_over_cap(ex, size, o->live ? o->size : 0);
	void *addr = NULL;

	if (op->kind == MMT_OP_ALIGNED && !why &&
	    (align == 0 || (align & (align - 1)) || align > OBJ_ALIGN_CAP))
		why = "alignment not a power of two up to 8 MiB";
	if (why) {
		if (oc)
			oc->size = size;
		obj_skip(ex, why, oc);
		return;
	}
	if (o->live) {
		if (ex->o.trace)
			fprintf(ex->o.trace,
				" (s%u held %p, %llu bytes: freed first)", slot,
				o->addr, (unsigned long long)o->size);
		obj_free_slot(ex, i, slot);
	}
	if (oc) {
		oc->is_alloc = 1;
		oc->must_succeed = mmt_objshadow_must_succeed(ex->osh, size);
	}
	switch (op->kind) {
	case MMT_OP_CALLOC:
		addr = ops->calloc(ex->state, 1, (size_t)size, op->gfp);
		break;
	case MMT_OP_ALIGNED:
		addr = ops->aligned(ex->state, (size_t)align, (size_t)size,
				    op->gfp);
		break;
	default:
		addr = ops->malloc(ex->state, (size_t)size, op->gfp);
		break;
	}
	if (addr)
		ex->res.allocs++;
	else
		ex->res.alloc_fails++;
	usable = obj_usable(ex, addr);
	if (oc)
		oc->ok = addr != NULL;
	mmt_objshadow_alloc(ex->osh, i, slot, op->kind, size, align, addr,
			    usable, &ex->res.report, oc);
	obj_trace_result(ex, addr, usable);
}

static void obj_realloc_op(struct mmt_exec *ex, size_t i,
			   const struct mmt_op *op, unsigned int slot,
			   struct mmt_op_outcome *oc)
{
	const struct mmt_objshadow_obj *o = mmt_objshadow_slot(ex->osh, slot);
	uint64_t size = op->size, usable;
	const char *why;
	void *addr, *old;

	if (!o->live) {
		if (size == 0) {
			obj_skip(ex, "realloc to 0 of an empty slot", oc);
			return;
		}
		obj_alloc_op(ex, i, op, slot, oc);
		return;
	}
	if (size == 0) {
		/* realloc(p, 0) is undefined in C23: run as free(p) */
		if (ex->o.trace)
			fprintf(ex->o.trace,
				" -> freed %p (realloc to 0 frees)\n", o->addr);
		if (oc) {
			oc->is_free = 1;
			oc->ok = 1;
			oc->size = o->size;
		}
		obj_free_slot(ex, i, slot);
		return;
	}
	why = obj_over_cap(ex, size, o->size);
	if (why) {
		if (oc)
			oc->size = size;
		obj_skip(ex, why, oc);
		return;
	}
	if (oc) {
		oc->is_alloc = 1;
		oc->must_succeed = mmt_objshadow_must_succeed(ex->osh, size);
	}
	if (ex->o.trace)
		fprintf(ex->o.trace, " (s%u held %p, %llu bytes)", slot,
			o->addr, (unsigned long long)o->size);
	mmt_objshadow_verify_fill(ex->osh, i, slot, &ex->res.report);
	old = o->addr;
	addr = ex->ad->objects->realloc(ex->state, old, (size_t)size, op->gfp);
	if (addr)
		ex->res.allocs++;
	else
		ex->res.alloc_fails++;
	usable = obj_usable(ex, addr);
	if (oc)
		oc->ok = addr != NULL;
	mmt_objshadow_realloc(ex->osh, i, slot, size, addr, usable,
			      &ex->res.report, oc);
	obj_trace_result(ex, addr, usable);
}

static void objects_op(struct mmt_exec *ex, size_t i, const struct mmt_op *op,
		       unsigned int slot, struct mmt_op_outcome *oc)
{
	const struct mmt_objshadow_obj *o = mmt_objshadow_slot(ex->osh, slot);

	switch (op->kind) {
	case MMT_OP_MALLOC:
	case MMT_OP_CALLOC:
	case MMT_OP_ALIGNED:
		obj_alloc_op(ex, i, op, slot, oc);
		break;
	case MMT_OP_REALLOC:
		obj_realloc_op(ex, i, op, slot, oc);
		break;
	case MMT_OP_FREE:
		if (!o->live) {
			obj_skip(ex, "the slot is empty", oc);
			break;
		}
		if (ex->o.trace)
			fprintf(ex->o.trace, " -> freed %p (%llu bytes)\n",
				o->addr, (unsigned long long)o->size);
		if (oc) {
			oc->is_free = 1;
			oc->ok = 1;
			oc->size = o->size;
		}
		obj_free_slot(ex, i, slot);
		break;
	default:
		obj_skip(ex, "not an OBJECTS op", oc);
		break;
	}
}

/* ------------------------------------------------------------ steps */

unsigned long mmt_exec_step(struct mmt_exec *ex, size_t i,
			    struct mmt_op_outcome *oc)
{
	struct mmt_report *r = &ex->res.report;
	unsigned long before = r->total;
	const struct mmt_op *op;
	unsigned int slot;

	if (oc) {
		memset(oc, 0, sizeof(*oc));
		oc->zone = -1;
		oc->pfn = UINT64_MAX;
	}
	if (!ex || ex->finished || i >= ex->prog->nr_ops) {
		if (oc)
			oc->skipped = 1;
		return 0;
	}
	op = &ex->prog->ops[i];
	slot = op->slot % MMT_NR_SLOTS;
	ex->cur_op = i;
	if (oc) {
		oc->kind = op->kind;
		oc->slot = slot;
	}
	if (ex->o.trace) {
		char line[512];

		mmt_op_format(op, line, sizeof(line));
		fprintf(ex->o.trace, "%6zu  %s", i, line);
	}
	mmt_crash_point(ex->ad->name, ex->prog, i, ex->o.trace);
	if (op->kind == MMT_OP_CHECK) {
		if (ex->o.trace)
			fprintf(ex->o.trace, "\n");
		full_check(ex, i);
	} else if (ex->objects) {
		ex->dirty = 1;
		objects_op(ex, i, op, slot, oc);
	} else {
		ex->dirty = 1;
		pages_op(ex, i, op, slot, oc);
	}
	ex->res.ops_run++;
	if (ex->every && (i + 1) % ex->every == 0 && op->kind != MMT_OP_CHECK)
		full_check(ex, i);
	if (r->total != before) {
		capture_state(ex);
		print_new(ex, before);
	}
	return r->total - before;
}

void mmt_exec_finish(struct mmt_exec *ex)
{
	struct mmt_report *r = &ex->res.report;
	FILE *t = ex->o.trace;
	unsigned long before;

	if (ex->finished)
		return;
	ex->finished = 1;
	if (!ex->o.check_at_end)
		return;
	mmt_crash_point(ex->ad->name, ex->prog, MMT_CRASH_AT_END, t);
	before = r->total;
	if (t)
		fprintf(t, "   end  check\n");
	full_check(ex, SIZE_MAX);
	print_new(ex, before);
	capture_state(ex);
	if (r->total && ex->o.stop_on_violation)
		return;
	before = r->total;
	for (unsigned int s = 0; s < MMT_NR_SLOTS && ex->objects; s++) {
		const struct mmt_objshadow_obj *o =
			mmt_objshadow_slot(ex->osh, s);

		if (!o->live)
			continue;
		if (t)
			fprintf(t,
				"   end  free s%u -> freed %p (%llu bytes)\n",
				s, o->addr, (unsigned long long)o->size);
		ex->dirty = 1;
		obj_free_slot(ex, SIZE_MAX, s);
	}
	for (unsigned int s = 0; s < MMT_NR_SLOTS && !ex->objects; s++) {
		const struct mmt_shadow_block *b = mmt_shadow_slot(ex->sh, s);

		if (!b->live)
			continue;
		if (t)
			fprintf(t,
				"   end  free s%u -> freed pfn 0x%llx "
				"order %u\n",
				s, (unsigned long long)b->pfn, b->order);
		ex->dirty = 1;
		free_slot(ex, SIZE_MAX, s, MMT_API_FREE_PAGES_PAGE);
	}
	if (t)
		fprintf(t, "   end  check after freeing every slot\n");
	full_check(ex, SIZE_MAX);
	print_new(ex, before);
	capture_state(ex);
}

const struct mmt_exec_result *mmt_exec_result(const struct mmt_exec *ex)
{
	return &ex->res;
}

/*
 * One closed executor is kept for the next open: a fuzzer opens one per
 * input, and ~9 KB of fresh memory each time (the result, its report and
 * state text) is page faults under the sanitizers' quarantine. Guarded by
 * spare_lock; freed at exit.
 */
static pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mmt_exec *spare_ex;
static int spare_registered;

static void spare_free(void)
{
	pthread_mutex_lock(&spare_lock);
	free(spare_ex);
	spare_ex = NULL;
	pthread_mutex_unlock(&spare_lock);
}

static struct mmt_exec *exec_state_alloc(void)
{
	struct mmt_exec *ex;

	pthread_mutex_lock(&spare_lock);
	ex = spare_ex;
	spare_ex = NULL;
	pthread_mutex_unlock(&spare_lock);
	if (!ex)
		return calloc(1, sizeof(*ex));
	memset(ex, 0, sizeof(*ex));
	return ex;
}

static void exec_state_free(struct mmt_exec *ex)
{
	pthread_mutex_lock(&spare_lock);
	if (!spare_registered) {
		spare_registered = 1;
		atexit(spare_free);
	}
	if (!spare_ex) {
		spare_ex = ex;
		ex = NULL;
	}
	pthread_mutex_unlock(&spare_lock);
	free(ex);
}

void mmt_exec_close(struct mmt_exec *ex)
{
	if (!ex)
		return;
	if (ex->sh && ex->created && (ex->ad->caps & MMT_CAP_TRACE) &&
	    ex->ad->set_trace)
		ex->ad->set_trace(ex->state, 0, NULL, NULL);
	/* The arena (a parked machine's RAM, a leased arena) outlives the
	 * run: the shadow's cookies go, so the next run sees fresh RAM. */
	if (ex->sh && ex->created)
		mmt_shadow_clear_fills(ex->sh);
	if (ex->sh)
		mmt_shadow_destroy(ex->sh);
	/*
	 * A run stopped early leaves objects live: hand back the ones the
	 * shadow accepted (never one that overlapped another: that could be
	 * a double free), so a host allocator does not leak.
	 */
	for (unsigned int s = 0; ex->osh && ex->created && s < MMT_NR_SLOTS;
	     s++) {
		const struct mmt_objshadow_obj *o =
			mmt_objshadow_slot(ex->osh, s);

		if (o->live && o->indexed)
			ex->ad->objects->free(ex->state, o->addr);
	}
	if (ex->osh)
		mmt_objshadow_destroy(ex->osh);
	if (ex->created)
		ex->ad->destroy(ex->state);
	mmt_arena_release(&ex->lease);
	mmt_crash_point(NULL, NULL, 0, NULL);
	exec_state_free(ex);
}

/* ------------------------------------------------------------ open */

/* Pick the arena: the adapter's own, or the one we mapped. */
static int get_arena(struct mmt_exec *ex, const struct mmt_adapter_env *env,
		     char *err, size_t errlen)
{
	struct mmt_arena *a = &ex->arena;
	int ret;

	if (!(ex->ad->caps & MMT_CAP_OWN_ARENA)) {
		*a = env->arena;
		return 0;
	}
	memset(a, 0, sizeof(*a));
	ret = ex->ad->pages->arena(ex->state, a);
	if (ret != 0 || !a->base || a->page_size == 0 ||
	    (a->page_size & (a->page_size - 1)) || a->nr_orders == 0) {
		snprintf(err, errlen,
			 "adapter '%s': pages->arena() gave no usable arena "
			 "(%d)",
			 ex->ad->name, ret);
		return MMT_EXIT_ENV;
	}
	return 0;
}

/* The capability check: 0, or MMT_EXIT_USAGE with err naming it. */
static int needs_caps(const struct mmt_adapter *ad, const struct mmt_prog *prog,
		      char *err, size_t errlen)
{
	const struct mmt_opset_desc *set = mmt_opset_desc(prog->opset);

	if (!set) {
		snprintf(err, errlen,
			 "the program names op set %u, which this build does "
			 "not know",
			 (unsigned int)prog->opset);
		return MMT_EXIT_USAGE;
	}
	if ((ad->caps & set->caps) != set->caps) {
		snprintf(err, errlen,
			 "adapter '%s' has no %s capability; the program "
			 "needs %s (op set %s: %s)",
			 ad->name, set->caps_name, set->caps_name, set->name,
			 set->about);
		return MMT_EXIT_USAGE;
	}
	/* no machine needed unless the adapter works on pages */
	if (!(ad->caps & MMT_CAP_PAGES))
		return 0;
	if (mmt_machine_check(&prog->machine, NULL)) {
		snprintf(err, errlen, "the program's machine is not valid");
		return MMT_EXIT_USAGE;
	}
	return 0;
}

int mmt_exec_open(const struct mmt_adapter *ad, const char *options,
		  const struct mmt_prog *prog, const struct mmt_exec_opts *opts,
		  struct mmt_exec **out, char *err, size_t errlen)
{
	struct mmt_adapter_env env;
	struct mmt_exec *ex;
	int ret;
	char cerr[256] = "";
	char dummy[1];

	*out = NULL;
	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	ret = mmt_adapter_validate(ad, err, errlen);
	if (ret)
		return ret;
	ret = needs_caps(ad, prog, err, errlen);
	if (ret)
		return ret;
	ex = exec_state_alloc();
	if (!ex) {
		snprintf(err, errlen, "out of memory for the executor");
		return MMT_EXIT_ENV;
	}
	ex->ad = ad;
	ex->prog = prog;
	ex->dirty = 1; /* the booted machine is checked once */
	ex->objects = prog->opset == MMT_OPSET_OBJECTS;
	if (opts)
		ex->o = *opts;
	else
		mmt_exec_opts_default(&ex->o);
	ex->every = ex->o.check_every ? ex->o.check_every : prog->check_every;
	ex->strict = ex->o.strict < 0 ? !!(ad->caps & MMT_CAP_POLICY_BUDDY) :
					ex->o.strict;
	mmt_report_init(&ex->res.report);
	memset(&env, 0, sizeof(env));
	env.abi_version = MMT_ADAPTER_ABI_VERSION;
	env.struct_size = sizeof(env);
	env.options = options ? options : "";
	env.machine = prog->machine;
	env.nr_threads = 1;
	if ((ad->caps & MMT_CAP_PAGES) && !(ad->caps & MMT_CAP_OWN_ARENA)) {
		uint64_t bytes = mmt_machine_end_pfn(&prog->machine)
				 << prog->machine.page_shift;

		if (mmt_arena_lease(&prog->machine, &ex->lease)) {
			snprintf(err, errlen,
				 "cannot map a %llu-byte arena: %s",
				 (unsigned long long)bytes, strerror(errno));
			mmt_exec_close(ex);
			return MMT_EXIT_ENV;
		}
		mmt_arena_from_machine(&prog->machine, ex->lease.base,
				       &env.arena);
	}
	ret = ad->create(&env, &ex->state, cerr, sizeof(cerr));
	if (ret != 0) {
		snprintf(err, errlen, "adapter '%s': create failed: %s",
			 ad->name, cerr[0] ? cerr : strerror(-ret));
		mmt_exec_close(ex);
		return mmt_exit_for_create(ret);
	}
	ex->created = 1;
	if (ad->caps & MMT_CAP_PAGES) {
		ret = get_arena(ex, &env, err, errlen);
		if (ret) {
			mmt_exec_close(ex);
			return ret;
		}
	}
	if (ex->objects)
		ex->osh = mmt_objshadow_create(ad->caps, ad->objects->min_align,
					       ad->objects->max_size,
					       FILL_SEED);
	else
		ex->sh = mmt_shadow_create(&ex->arena, ad->caps, ex->strict,
					   FILL_SEED);
	if (ex->sh)
		mmt_shadow_set_served_orders(ex->sh, ad->pages->nr_orders);
	if (!ex->sh && !ex->osh) {
		snprintf(err, errlen, "out of memory for the shadow model");
		mmt_exec_close(ex);
		return MMT_EXIT_ENV;
	}
	if (ex->sh && (ad->caps & MMT_CAP_TRACE) && ad->set_trace)
		ad->set_trace(ex->state, 0, mmt_shadow_trace_event, ex->sh);
	if (ad->cpu_enter)
		ad->cpu_enter(ex->state, 0);
	*out = ex;
	return 0;
}

int mmt_exec_run(const struct mmt_adapter *ad, const char *options,
		 const struct mmt_prog *prog, const struct mmt_exec_opts *opts,
		 struct mmt_exec_result *res, char *err, size_t errlen)
{
	struct mmt_exec *ex;
	int ret, stop = 0;

	memset(res, 0, sizeof(*res));
	mmt_report_init(&res->report);
	ret = mmt_exec_open(ad, options, prog, opts, &ex, err, errlen);
	if (ret)
		return ret;
	for (size_t i = 0; i < prog->nr_ops; i++) {
		if (mmt_exec_step(ex, i, NULL) && ex->o.stop_on_violation) {
			stop = 1;
			break;
		}
	}
	if (!stop)
		mmt_exec_finish(ex);
	*res = ex->res;
	ret = res->report.total ? MMT_EXIT_BUG : MMT_EXIT_OK;
	mmt_exec_close(ex);
	return ret;
}
