/* SPDX-License-Identifier: MIT */
/*
 * layers/pages.c - the pages layer of the executor: alloc_pages and
 * friends on a PAGES adapter, under the page shadow (harness/shadow.c).
 *
 * Op outcomes (struct mmt_op_outcome, for differential runs):
 *   must_fail     order >= nr_orders; with MMT_CAP_ZONES also a forbidden
 *                 zone combination or no populated allowed zone (the
 *                 shadow's own must-fail rules, restated here);
 *   must_succeed  only when the strict oracle applies (POLICY_BUDDY or
 *                 opts->strict) to an order below the pages->nr_orders
 *                 the allocator declares (0: every order of the arena):
 *                 not must_fail and mmt_shadow_owed() finds a free
 *                 aligned range of the order in an allowed zone (whose
 *                 watermark check passes, with MMT_CAP_WATERMARKS),
 *                 scanned after the slot's old block (if any) was freed
 *                 and before the allocation is recorded. The scan runs
 *                 only when the caller asks for an outcome;
 *   pfn           block offset from the arena base in pages (UINT64_MAX
 *                 when the allocation failed or the address lies outside
 *                 the arena); order as allocated; zone from the shadow;
 *   digest        for __GFP_ZERO (get_zeroed_page included): ZERO_DIGEST
 *                 mixed with the block size when every byte SHADOW-ZERO
 *                 reads is zero, else a hash of the first non-zero one
 *                 and its offset; read before the shadow writes its fill
 *                 (only when the caller asks for an outcome).
 *   A free of a live slot: is_free, ok when the adapter accepted it, the
 *   block's pfn/order/zone. An allocation into a live slot reports the
 *   allocation only (is_free stays 0). Skipped ops set skipped.
 *
 * GFP: the adapter gets the mask the entry point really uses
 * (mmt_shadow_effective_gfp(): get_free_page(s) and get_zeroed_page drop
 * __GFP_HIGHMEM, get_zeroed_page adds __GFP_ZERO), so an allocator that
 * ignores the api argument still sees the right request; the api is the
 * op row's (harness/optable.c).
 *
 * Slot rules: an allocation into a live slot first frees the old block
 * (by address, as free_pages would), then allocates; a free of an empty
 * slot is skipped. free_page on a block of order > 0 frees it with
 * free_pages and the block's order; a by-address free of a block in
 * ZONE_HIGHMEM (no direct-map address) frees by page instead. At the end
 * every live slot is freed by page in slot order. The state a report
 * shows is the adapter's "buddyinfo" view.
 *
 * Shrinker caches (docs/op-format.md, "Reclaim"): shrinker_register
 * fills cache pool=P with blocks taken through the adapter (each judged
 * as an allocation, owned in the shadow by the cache) and registers a
 * shrinker with the adapter's shrinker_register(); its scan callback
 * frees the newest blocks through free() and tells the shadow, deferring
 * the release when background reclaim (MMT_SHRINK_KSWAPD) frees inside
 * an allocation (in_alloc), after it decided; the allocation op flushes
 * those after its checks. The caches are unregistered and emptied first
 * at the end of input, and unregistered at close (a run stopped early).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../context.h"
#include "../exec_int.h"
#include "../shadow.h"

#define ZERO_DIGEST 0x7a65726f7a65726fULL /* "zerozero" */

#define CACHE_MAX_BLOCKS 512u /* blocks one shrinker cache holds */

struct pages_ls;

/*
 * A shrinker cache of the harness's (shrinker_register pool=P): blocks it
 * took through the adapter, which its scan callback frees (newest first)
 * when the allocator reclaims; the shadow owns them by the cache.
 */
struct hcache {
	struct pages_ls *ls;
	unsigned int id;
	int live; /* registered with the adapter */
	void *handle;
	uint32_t needs, order;
	uint32_t n; /* blocks held */
	void *addr[CACHE_MAX_BLOCKS];
	uint64_t freed_op; /* blocks reclaim freed during the op at hand */
};

/* The layer's state: the page shadow, the CPUs' context, the caches;
 * under --trace, the kernel warning the op at hand gave (warn_alloc). */
struct pages_ls {
	struct mmt_shadow *sh;
	struct mmt_ctx ctx;
	struct mmt_exec *ex;
	int in_alloc; /* an adapter alloc() is in flight */
	struct hcache caches[MMT_NR_POOLS];
	char warn[4096];
};
#define PAGES_LS(ex) ((struct pages_ls *)(ex)->ls[MMT_OPSET_PAGES])
#define PAGES_SH(ex) (PAGES_LS(ex)->sh)
#define PAGES_CTX(ex) (&PAGES_LS(ex)->ctx)

/* Free a live slot; api is the op's choice, adjusted as documented. */
static int free_slot(struct mmt_exec *ex, size_t op_index, unsigned int slot,
		     uint32_t api)
{
	const struct mmt_shadow_block *b = mmt_shadow_slot(PAGES_SH(ex), slot);
	int ret;

	if (api == MMT_API_FREE_PAGE && b->order != 0)
		api = MMT_API_FREE_PAGES;
	if (api != MMT_API_FREE_PAGES_PAGE && b->zone == MMT_ZONE_HIGHMEM)
		api = MMT_API_FREE_PAGES_PAGE;
	mmt_shadow_verify_fill(PAGES_SH(ex), op_index, slot, &ex->res.report);
	mmt_shadow_trace_reset(PAGES_SH(ex));
	mmt_ctx_enter(PAGES_CTX(ex));
	ret = ex->ad->pages->free(ex->state, b->addr, b->order, api);
	if (ret != 0)
		mmt_report_add(&ex->res.report, op_index, "adapter",
			       "ADAPTER-FREE",
			       "free of s%u (pfn 0x%llx order %u) refused with "
			       "%d",
			       slot, (unsigned long long)b->pfn, b->order, ret);
	ex->res.frees++;
	mmt_shadow_release(PAGES_SH(ex), op_index, slot, &ex->res.report);
	return ret;
}

/*
 * The trace subscriber under --trace: a warn_alloc event's text (the
 * kernel's page allocation failure warning, MMT_TRACE_TEXT) is kept for
 * the op's trace line; every event goes on to the shadow.
 */
static void pages_trace_event(void *ctx, const struct mmt_event *ev)
{
	struct pages_ls *ls = ctx;

	if (ev->type == MMT_EV_OTHER && ev->name && ev->text &&
	    !strcmp(ev->name, "warn_alloc"))
		snprintf(ls->warn, sizeof(ls->warn), "%s", ev->text);
	mmt_shadow_trace_event(ls->sh, ev);
}

/* The warning an op gave, each line as the kernel log's "kernel: ...". */
static void print_warn(FILE *t, struct pages_ls *ls)
{
	const char *p = ls->warn;

	while (*p) {
		size_t n = strcspn(p, "\n");

		fprintf(t, "        kernel: %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
	ls->warn[0] = '\0';
}

static uint32_t alloc_api(unsigned int kind)
{
	return mmt_op_desc(kind)->api;
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
		return mmt_mix64(~ZERO_DIGEST ^ bytes);
	i = mmt_shadow_zero_probe(PAGES_SH(ex), pfn, n);
	if (i < bytes)
		return mmt_mix64(mmt_mix64(i) ^ p[i] ^ bytes);
	return mmt_mix64(ZERO_DIGEST ^ bytes);
}

/*
 * A __GFP_NOFAIL request that may reclaim and got nothing: the kernel
 * never returns it NULL but retries for ever (6.12's
 * __alloc_pages_slowpath, 2.6.18's __alloc_pages), so the program would
 * hang the machine: NOFAIL-STUCK, a rule of the caller's (reported with
 * caller_rules; the fuzz targets break it all the time). A request that
 * cannot reclaim only warns in the kernel and fails.
 */
static void nofail_stuck(struct mmt_exec *ex, size_t i, uint32_t order,
			 uint32_t eff)
{
	char g[200];

	if (!ex->o.caller_rules || !(eff & MMT_GFP_NOFAIL) ||
	    !(eff & MMT_GFP_DIRECT_RECLAIM) ||
	    pages_must_fail(ex, order,
			    mmt_arena_allowed_zones(&ex->arena, eff)))
		return; /* an impossible request is no hang: it fails */
	mmt_gfp_format(eff, g, sizeof(g));
	mmt_report_add(&ex->res.report, i, "caller", "NOFAIL-STUCK",
		       "order-%u allocation (%s) found nothing: the kernel "
		       "retries a __GFP_NOFAIL request for ever, so this "
		       "program would hang it",
		       order, g);
}

/*
 * A mask gfp_zone() forbids (more than one of DMA, DMA32, HIGHMEM): the
 * kernel stops at a VM_BUG_ON before fault injection or any zone is
 * tried, so whatever the allocator answered, the program is wrong:
 * GFP-ZONE-BAD, a rule of the caller's (with caller_rules, like
 * NOFAIL-STUCK). An order the kernel refuses first is not one. That the
 * allocation failed is the shadow's to check (ORACLE-MUST-FAIL).
 */
static void gfp_zone_bad(struct mmt_exec *ex, size_t i, uint32_t order,
			 uint32_t eff)
{
	char g[200];

	if (!ex->o.caller_rules || order >= ex->arena.nr_orders ||
	    !mmt_gfp_zone_bad(eff))
		return;
	mmt_gfp_format(eff, g, sizeof(g));
	mmt_report_add(&ex->res.report, i, "caller", "GFP-ZONE-BAD",
		       "order-%u allocation with mode %#x (%s): more than "
		       "one of __GFP_DMA, __GFP_DMA32 and __GFP_HIGHMEM is "
		       "a combination gfp_zone() refuses with a VM_BUG_ON",
		       order, eff, g);
}

/* ------------------------------------------------------------ caches */

/* The adapter's shrinker calls: both there (docs/adapters.md). */
static int has_shrinkers(const struct mmt_exec *ex)
{
	const struct mmt_pages_ops *p = ex->ad->pages;

	return MMT_ABI_HAS(struct mmt_pages_ops, shrinker_unregister,
			   p->struct_size) &&
	       p->shrinker_register && p->shrinker_unregister;
}

/* "none", "fs", "io", "fs|io" */
static const char *needs_name(uint32_t needs)
{
	static const char *const names[4] = { "none", "fs", "io", "fs|io" };

	return names[needs & 3u];
}

/*
 * Free c's newest block through the adapter and tell the shadow (op
 * index i); deferred when background reclaim frees it inside an
 * allocation that already decided its result.
 */
static void cache_pop(struct hcache *c, size_t i, int deferred)
{
	struct pages_ls *ls = c->ls;
	struct mmt_exec *ex = ls->ex;
	void *addr = c->addr[--c->n];
	int ret;

	if (!ls->in_alloc)
		mmt_shadow_trace_reset(ls->sh);
	ret = ex->ad->pages->free(ex->state, addr, c->order,
				  MMT_API_FREE_PAGES_PAGE);
	if (ret != 0)
		mmt_report_add(&ex->res.report, i, "adapter", "ADAPTER-FREE",
			       "free of shrinker cache %u's block at %p (order "
			       "%u) refused with %d",
			       c->id, addr, c->order, ret);
	ex->res.frees++;
	mmt_shadow_cache_free(ls->sh, i, c->id, addr, c->order, deferred,
			      &ex->res.report);
}

static uint64_t cache_count(void *ctx, const struct mmt_shrink_control *sc)
{
	const struct hcache *c = ctx;

	(void)sc;
	return c->n ? c->n : MMT_SHRINK_EMPTY;
}

/* The scan callback: the newest nr_to_scan blocks back to the adapter. */
static uint64_t cache_scan(void *ctx, struct mmt_shrink_control *sc)
{
	struct hcache *c = ctx;
	int deferred = c->ls->in_alloc && (sc->flags & MMT_SHRINK_KSWAPD);
	uint64_t k = 0;

	while (k < sc->nr_to_scan && c->n) {
		cache_pop(c, c->ls->ex->cur_op, deferred);
		k++;
	}
	c->freed_op += k;
	return k;
}

/* Unregister c (if registered) and free what it holds; the number of
 * blocks freed. */
static uint32_t cache_destroy(struct mmt_exec *ex, struct hcache *c, size_t i)
{
	uint32_t n = c->n;

	if (c->live) {
		ex->ad->pages->shrinker_unregister(ex->state, c->handle);
		c->live = 0;
		c->handle = NULL;
	}
	mmt_ctx_enter(PAGES_CTX(ex));
	while (c->n)
		cache_pop(c, i, 0);
	return n;
}

/* One allocation of c's fill, with every check of an allocation op; 0
 * when it holds the block. */
static int cache_fill_one(struct mmt_exec *ex, size_t i, struct hcache *c,
			  uint32_t gfp)
{
	struct pages_ls *ls = PAGES_LS(ex);
	void *addr = NULL;
	int ret, injected, kept;

	injected = mmt_shadow_fault_next(ls->sh, c->order, gfp);
	mmt_ctx_before_alloc(PAGES_CTX(ex), i, MMT_OP_SHRINKER_REGISTER, gfp,
			     &ex->res.report, ex->o.trace);
	mmt_shadow_trace_reset(ls->sh);
	ls->in_alloc = 1;
	ret = ex->ad->pages->alloc(ex->state, c->order, gfp,
				   MMT_API_ALLOC_PAGES, &addr);
	ls->in_alloc = 0;
	mmt_ctx_after_alloc(PAGES_CTX(ex), i, &ex->res.report);
	if (ret != 0) {
		mmt_report_add(&ex->res.report, i, "adapter", "ADAPTER-ALLOC",
			       "alloc returned error %d", ret);
		addr = NULL;
	}
	if (addr) {
		ex->res.allocs++;
		mmt_arena_touch(
			&ex->lease, addr,
			c->order < 40 ? ex->arena.page_size << c->order : 0);
	} else {
		ex->res.alloc_fails++;
	}
	kept = mmt_shadow_cache_alloc(ls->sh, i, c->id, c->order, gfp, addr,
				      &ex->res.report);
	mmt_shadow_cache_flush(ls->sh);
	if (!addr && !injected)
		nofail_stuck(ex, i, c->order, gfp);
	if (!kept)
		return -1;
	c->addr[c->n++] = addr;
	return 0;
}

/*
 * shrinker_register pool=P count=N order=O gfp=G needs=...: a cache of up
 * to N blocks (at most CACHE_MAX_BLOCKS) of order O taken with G until
 * one fails, then registered as a shrinker that needs what needs says;
 * a live cache P is unregistered and emptied first. Skipped when the
 * adapter has no shrinkers.
 */
static void shrinker_register_op(struct mmt_exec *ex, size_t i,
				 const struct mmt_op *op,
				 struct mmt_op_outcome *oc)
{
	struct pages_ls *ls = PAGES_LS(ex);
	struct hcache *c = &ls->caches[op->pool % MMT_NR_POOLS];
	uint32_t want = op->count < CACHE_MAX_BLOCKS ? op->count :
						       CACHE_MAX_BLOCKS;
	struct mmt_shrinker shr;
	char name[24];
	FILE *t = ex->o.trace;
	int ret;

	if (!has_shrinkers(ex)) {
		if (t)
			fprintf(t, " -> skipped (the allocator has no "
				   "shrinkers)\n");
		if (oc)
			oc->skipped = 1;
		return;
	}
	if (c->live || c->n) {
		uint32_t n = cache_destroy(ex, c, i);

		if (t)
			fprintf(t,
				" (cache %u was live: %u block(s) freed "
				"first)",
				c->id, n);
	}
	c->order = op->order;
	c->needs = op->needs & (MMT_SHRINKER_NEEDS_FS | MMT_SHRINKER_NEEDS_IO);
	while (c->n < want && !cache_fill_one(ex, i, c, op->gfp))
		;
	snprintf(name, sizeof(name), "mmt-cache%u", c->id);
	memset(&shr, 0, sizeof(shr));
	shr.needs = c->needs;
	shr.seeks = 2; /* DEFAULT_SEEKS */
	shr.name = name;
	shr.count = cache_count;
	shr.scan = cache_scan;
	shr.ctx = c;
	ret = ex->ad->pages->shrinker_register(ex->state, &shr, &c->handle);
	if (ret != 0) {
		uint32_t n = cache_destroy(ex, c, i);

		if (t)
			fprintf(t,
				" -> registration refused (%d): %u "
				"block(s) freed\n",
				ret, n);
		if (oc)
			oc->ok = 0;
		return;
	}
	c->live = 1;
	if (t)
		fprintf(t,
			" -> cache %u holds %u block(s) of order %u, needs "
			"%s\n",
			c->id, c->n, c->order, needs_name(c->needs));
	if (oc)
		oc->ok = 1;
}

/* shrinker_unregister pool=P: the cache's shrinker goes, its blocks are
 * freed; skipped when it is not live. */
static void shrinker_unregister_op(struct mmt_exec *ex, size_t i,
				   const struct mmt_op *op,
				   struct mmt_op_outcome *oc)
{
	struct hcache *c = &PAGES_LS(ex)->caches[op->pool % MMT_NR_POOLS];
	FILE *t = ex->o.trace;
	uint32_t n;

	if (!has_shrinkers(ex) || !c->live) {
		if (t)
			fprintf(t, " -> skipped (cache %u is not registered)\n",
				c->id);
		if (oc)
			oc->skipped = 1;
		return;
	}
	n = cache_destroy(ex, c, i);
	if (t)
		fprintf(t, " -> cache %u unregistered, %u block(s) freed\n",
			c->id, n);
	if (oc)
		oc->ok = 1;
}

/* " (reclaim freed c0:5 c2:1)" for the blocks caches lost this op. */
static void reclaim_note(struct pages_ls *ls, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (unsigned int k = 0; k < MMT_NR_POOLS && at + 1 < len; k++) {
		int w;

		if (!ls->caches[k].freed_op)
			continue;
		w = snprintf(buf + at, len - at, "%sc%u:%llu",
			     at ? " " : " (reclaim freed ", k,
			     (unsigned long long)ls->caches[k].freed_op);
		if (w < 0)
			break;
		at += (size_t)w < len - at ? (size_t)w : len - at - 1;
	}
	if (at && at + 2 < len) {
		buf[at] = ')';
		buf[at + 1] = '\0';
	}
}

static void pages_alloc_op(struct mmt_exec *ex, size_t i,
			   const struct mmt_op *op, unsigned int slot,
			   struct mmt_op_outcome *oc)
{
	FILE *t = ex->o.trace;
	const struct mmt_shadow_block *b = mmt_shadow_slot(PAGES_SH(ex), slot);
	unsigned int order = (op->kind == MMT_OP_ALLOC_PAGES ||
			      op->kind == MMT_OP_GET_FREE_PAGES) ?
				     op->order :
				     0;
	uint32_t eff = mmt_shadow_effective_gfp(op->kind, op->gfp);
	void *addr = NULL;
	int ret, injected;

	if (b->live) {
		if (t)
			fprintf(t,
				" (s%u held pfn 0x%llx order %u: freed first)",
				slot, (unsigned long long)b->pfn, b->order);
		free_slot(ex, i, slot, MMT_API_FREE_PAGES);
	}
	if (oc) {
		unsigned int allowed = mmt_arena_allowed_zones(&ex->arena, eff);

		oc->is_alloc = 1;
		oc->order = order;
		oc->must_fail = pages_must_fail(ex, order, allowed);
	}
	/* the fault model, once per allocator call (docs/fault-injection.md) */
	injected = mmt_shadow_fault_next(PAGES_SH(ex), order, eff);
	if (oc)
		oc->must_succeed = !oc->must_fail && !injected &&
				   mmt_shadow_owed(PAGES_SH(ex), order, eff) >=
					   0;
	mmt_ctx_before_alloc(PAGES_CTX(ex), i, op->kind, eff, &ex->res.report,
			     t);
	mmt_shadow_trace_reset(PAGES_SH(ex));
	for (unsigned int k = 0; k < MMT_NR_POOLS; k++)
		PAGES_LS(ex)->caches[k].freed_op = 0;
	PAGES_LS(ex)->in_alloc = 1;
	PAGES_LS(ex)->warn[0] = '\0';
	ret = ex->ad->pages->alloc(ex->state, order, eff, alloc_api(op->kind),
				   &addr);
	PAGES_LS(ex)->in_alloc = 0;
	mmt_ctx_after_alloc(PAGES_CTX(ex), i, &ex->res.report);
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
	mmt_shadow_alloc(PAGES_SH(ex), i, slot, op->kind, order, op->gfp, addr,
			 &ex->res.report);
	/* background reclaim's frees after the result: released now */
	mmt_shadow_cache_flush(PAGES_SH(ex));
	gfp_zone_bad(ex, i, order, eff);
	if (!addr && !injected)
		nofail_stuck(ex, i, order, eff);
	if (oc && b->live)
		oc->zone = b->zone;
	if (t) {
		char note[96];

		reclaim_note(PAGES_LS(ex), note, sizeof(note));
		if (!addr) {
			fprintf(t, " -> NULL%s\n", note);
			print_warn(t, PAGES_LS(ex));
		} else if (b->live) {
			fprintf(t, " -> pfn 0x%llx%s\n",
				(unsigned long long)b->pfn, note);
		} else {
			fprintf(t, " -> %p (untracked)%s\n", addr, note);
		}
	}
}

static void pages_free_op(struct mmt_exec *ex, size_t i,
			  const struct mmt_op *op, unsigned int slot,
			  struct mmt_op_outcome *oc)
{
	FILE *t = ex->o.trace;
	const struct mmt_shadow_block *b = mmt_shadow_slot(PAGES_SH(ex), slot);
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
	case MMT_OP_SHRINKER_REGISTER:
		shrinker_register_op(ex, i, op, oc);
		break;
	case MMT_OP_SHRINKER_UNREGISTER:
		shrinker_unregister_op(ex, i, op, oc);
		break;
	default:
		if (mmt_op_desc(op->kind)->role == MMT_ROLE_CONTEXT) {
			int skipped = mmt_ctx_step(PAGES_CTX(ex), i, op,
						   &ex->res.report,
						   ex->o.trace);

			if (oc) {
				oc->skipped = skipped;
				oc->ok = !skipped;
			}
			break;
		}
		if (ex->o.trace)
			fprintf(ex->o.trace, " -> skipped (not a PAGES op)\n");
		if (oc)
			oc->skipped = 1;
		break;
	}
}

static int pages_open(struct mmt_exec *ex, char *err, size_t errlen)
{
	struct pages_ls *ls = malloc(sizeof(*ls));
	struct mmt_shadow *sh = ls ? mmt_shadow_create(&ex->arena, ex->ad->caps,
						       ex->strict,
						       MMT_FILL_SEED) :
				     NULL;

	if (!sh) {
		free(ls);
		snprintf(err, errlen, "out of memory for the shadow model");
		return MMT_EXIT_ENV;
	}
	ls->sh = sh;
	ls->ex = ex;
	ls->in_alloc = 0;
	for (unsigned int k = 0; k < MMT_NR_POOLS; k++) {
		memset(&ls->caches[k], 0, sizeof(ls->caches[k]));
		ls->caches[k].ls = ls;
		ls->caches[k].id = k;
	}
	ls->warn[0] = '\0';
	mmt_ctx_init(&ls->ctx, ex->ad, ex->state, ex->prog->machine.nr_cpus,
		     ex->o.caller_rules);
	mmt_shadow_set_served_orders(sh, ex->ad->pages->nr_orders);
	mmt_shadow_set_fault(sh, &ex->prog->machine);
	if (ex->ad->caps & MMT_CAP_WATERMARKS) {
		struct mmt_wmarks w;

		mmt_machine_wmarks(&ex->prog->machine, &w);
		mmt_shadow_set_wmarks(sh, &w);
	}
	mmt_shadow_bind_report(sh, &ex->res.report, &ex->cur_op);
	ex->ls[MMT_OPSET_PAGES] = ls;
	/* under --trace, with the events' text, for the warnings */
	if ((ex->ad->caps & MMT_CAP_TRACE) && ex->ad->set_trace && ex->o.trace)
		ex->ad->set_trace(ex->state, MMT_TRACE_TEXT, pages_trace_event,
				  ls);
	else if ((ex->ad->caps & MMT_CAP_TRACE) && ex->ad->set_trace)
		ex->ad->set_trace(ex->state, 0, mmt_shadow_trace_event, sh);
	return 0;
}

static void pages_teardown(struct mmt_exec *ex)
{
	/* first the context: the frees and the probe run in process
	 * context on CPU 0 */
	mmt_ctx_finish(PAGES_CTX(ex), &ex->res.report, ex->o.trace);
	/* the caches first: no shrinker is left for the probe */
	for (unsigned int k = 0; k < MMT_NR_POOLS; k++) {
		struct hcache *c = &PAGES_LS(ex)->caches[k];
		uint32_t n;

		if (!c->live && !c->n)
			continue;
		n = cache_destroy(ex, c, SIZE_MAX);
		ex->dirty = 1;
		if (ex->o.trace)
			fprintf(ex->o.trace,
				"   end  shrinker_unregister pool=%u -> %u "
				"block(s) freed\n",
				k, n);
	}
	for (unsigned int s = 0; s < MMT_NR_SLOTS; s++) {
		const struct mmt_shadow_block *b =
			mmt_shadow_slot(PAGES_SH(ex), s);

		if (!b->live)
			continue;
		if (ex->o.trace)
			fprintf(ex->o.trace,
				"   end  free s%u -> freed pfn 0x%llx "
				"order %u\n",
				s, (unsigned long long)b->pfn, b->order);
		ex->dirty = 1;
		free_slot(ex, SIZE_MAX, s, MMT_API_FREE_PAGES_PAGE);
	}
}

/*
 * The capacity probe (docs/checkers.md): with every slot freed, drain the
 * allocator zone by zone from the lowest (each with the mask whose first
 * zone it is, so the zones below, already empty, cannot serve it), order
 * by order from the highest served, and give every block back by page.
 * Each block gets the shadow's block checks. Under the strict oracle an
 * order's drain that fails while a free aligned range of the order is
 * left in the zone is ORACLE-PROBE (the first such order of a zone); the
 * shadow's plan (mmt_shadow_probe_plan) says when the scan is needed: a
 * count that differs from it, or a layer that took or returned pages
 * during the probe. Without MMT_CAP_ZONES one pass over the whole arena
 * with GFP_KERNEL.
 */
struct probe_block {
	void *addr;
	int64_t pfn;
	uint32_t order;
};

/* Keep block addr of order k in *v; -1 (and the block freed) out of memory. */
static int probe_keep(struct mmt_exec *ex, void *addr, uint32_t k, int zone,
		      struct probe_block **v, size_t *nr, size_t *cap)
{
	if (*nr == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		struct probe_block *nv = realloc(*v, nc * sizeof(**v));

		if (!nv) {
			ex->ad->pages->free(ex->state, addr, k,
					    MMT_API_FREE_PAGES_PAGE);
			return -1;
		}
		*v = nv;
		*cap = nc;
	}
	(*v)[*nr].addr = addr;
	(*v)[*nr].order = k;
	(*v)[*nr].pfn = mmt_shadow_probe_take(PAGES_SH(ex), addr, k, zone,
					      &ex->res.report);
	(*nr)++;
	return 0;
}

/* The failed order-k probe allocation in zone (-1: all), under the
 * strict oracle: a free aligned range left is ORACLE-PROBE. */
static void probe_failed(struct mmt_exec *ex, int zone, uint32_t k,
			 uint64_t got, uint64_t expect)
{
	unsigned int scan = zone < 0 ? (1u << MMT_NR_ZONE_TYPES) - 1 :
				       1u << zone;
	/* the probe's mask cannot take the highatomic reserve */
	int64_t f = mmt_shadow_find_usable(PAGES_SH(ex), k, scan);

	if (f < 0)
		return;
	mmt_report_add(&ex->res.report, SIZE_MAX, "oracle", "ORACLE-PROBE",
		       "capacity probe: with every slot freed, an order-%u "
		       "allocation in %s%s failed after %llu block(s), but "
		       "pfns 0x%llx-0x%llx are free and aligned (a buddy "
		       "with every free page coalesced gives %llu)",
		       k, zone < 0 ? "the arena" : "zone ",
		       zone < 0 ? "" : mmt_zone_name(zone),
		       (unsigned long long)got, (unsigned long long)f,
		       (unsigned long long)f + (1ULL << k) - 1,
		       (unsigned long long)expect);
}

/* Drain zone (-1: all) at orders top-1..0 into *v; 0, 1 after a bad
 * block (the probe stops), or -1 out of memory. */
static int probe_zone(struct mmt_exec *ex, int zone, uint32_t gfp, uint32_t top,
		      struct probe_block **v, size_t *nr, size_t *cap)
{
	struct mmt_shadow *sh = PAGES_SH(ex);
	uint64_t expect[64], events = mmt_shadow_layer_events(sh);
	uint64_t pb_events = mmt_shadow_pageblock_events(sh);
	uint64_t limit = ex->arena.nr_pfns;
	int reported = 0;

	mmt_shadow_probe_plan(sh, zone, top, expect);
	for (uint32_t k = top; k-- > 0;) {
		uint64_t got = 0;
		void *addr = NULL;

		/* the budget: an order whose plan would pass it is not
		 * drained, nor any below it (the verdicts of the orders
		 * drained stand) */
		if (*nr + expect[k] > MMT_PROBE_BUDGET) {
			ex->res.probe_partial++;
			if (ex->o.trace)
				fprintf(ex->o.trace,
					"   end  capacity probe of %s stops "
					"above order %u: %llu more block(s) "
					"would pass its budget of %u\n",
					zone < 0 ? "the arena" :
						   mmt_zone_name(zone),
					k, (unsigned long long)expect[k],
					MMT_PROBE_BUDGET);
			return 2;
		}
		/* until it fails; a block beyond the arena's worth of pages
		 * is handed out twice (SHADOW-OVERLAP already said so), and
		 * twice the budget is as far as it goes */
		while (got <= (limit >> k) && *nr < 2 * MMT_PROBE_BUDGET) {
			int injected = mmt_shadow_fault_next(sh, k, gfp);

			addr = NULL;
			mmt_shadow_trace_reset(sh);
			if (ex->ad->pages->alloc(ex->state, k, gfp,
						 MMT_API_ALLOC_PAGES, &addr))
				addr = NULL;
			if (injected && addr)
				mmt_report_add(&ex->res.report, SIZE_MAX,
					       "oracle", "ORACLE-FAULT",
					       "capacity probe: order-%u "
					       "allocation succeeded, but the "
					       "machine's fault injection "
					       "fails this call",
					       k);
			if (injected && !addr) {
				/* an injected failure ends the probe, as
				 * its budget does: the orders drained
				 * before stand, the rest is not known */
				if (ex->o.trace)
					fprintf(ex->o.trace,
						"   end  capacity probe stops "
						"at order %u: the fault model "
						"fails the call\n",
						k);
				return 2;
			}
			if (!addr)
				break;
			if (probe_keep(ex, addr, k, zone, v, nr, cap))
				return -1;
			if ((*v)[*nr - 1].pfn < 0)
				return 1; /* a bad block: the rest is noise */
			got++;
		}
		/* the plan is exact while no layer took or returned pages;
		 * else only a scan tells */
		if (ex->strict && !reported && !addr &&
		    (got != expect[k] ||
		     mmt_shadow_layer_events(sh) != events ||
		     mmt_shadow_pageblock_events(sh) != pb_events)) {
			unsigned long before = ex->res.report.total;

			probe_failed(ex, zone, k, got, expect[k]);
			reported = ex->res.report.total != before;
		}
	}
	return 0;
}

static int has_zone(const struct mmt_arena *a, int type)
{
	for (uint32_t z = 0; z < a->nr_zones && z < MMT_NR_ZONE_TYPES; z++)
		if (a->zones[z].present && (int)a->zones[z].type == type)
			return 1;
	return 0;
}

static void pages_probe(struct mmt_exec *ex)
{
	struct mmt_shadow *sh = PAGES_SH(ex);
	struct probe_block *v = NULL;
	size_t nr = 0, cap = 0;
	uint32_t top = 0;
	int stop = 0;

	while (top < ex->arena.nr_orders && top < 63 &&
	       mmt_shadow_order_served(sh, top))
		top++;
	if (!top)
		return;
	if (ex->o.trace)
		fprintf(ex->o.trace, "   end  capacity probe (orders %u..0)\n",
			top - 1);
	if (!(ex->ad->caps & MMT_CAP_ZONES)) {
		stop = probe_zone(ex, -1,
				  MMT_GFP_KERNEL | MMT_GFP_MEMALLOC |
					  MMT_GFP_NOWARN,
				  top, &v, &nr, &cap);
	} else {
		for (int z = 0; z < MMT_NR_ZONE_TYPES && !stop; z++) {
			/* __GFP_MEMALLOC: below the watermarks too; every
			 * order's drain ends in a failure, which is no news
			 * (__GFP_NOWARN) */
			uint32_t gfp = MMT_GFP_KERNEL | MMT_GFP_MEMALLOC |
				       MMT_GFP_NOWARN | mmt_zone_gfp(z);
			unsigned int allowed =
				mmt_arena_allowed_zones(&ex->arena, gfp);

			if ((allowed & (1u << z)) && has_zone(&ex->arena, z))
				stop = probe_zone(ex, z, gfp, top, &v, &nr,
						  &cap);
		}
	}
	if (stop < 0 && ex->o.trace)
		fprintf(ex->o.trace, "   end  capacity probe stopped: out of "
				     "memory for its block list\n");
	for (size_t i = nr; i-- > 0;) {
		mmt_shadow_trace_reset(sh);
		if (ex->ad->pages->free(ex->state, v[i].addr, v[i].order,
					MMT_API_FREE_PAGES_PAGE))
			mmt_report_add(&ex->res.report, SIZE_MAX, "adapter",
				       "ADAPTER-FREE",
				       "capacity probe: free of its block at "
				       "%p order %u refused",
				       v[i].addr, v[i].order);
		if (v[i].pfn >= 0)
			mmt_shadow_probe_put(sh, (uint64_t)v[i].pfn,
					     v[i].order);
	}
	ex->res.probe_blocks += nr;
	/* The probe gave back all it took: it does not make the machine
	 * dirty, so the check after the teardown runs only when the
	 * teardown freed something (a full check costs more than a probe of
	 * a machine of many orders). */
	free(v);
}

static void pages_state(struct mmt_exec *ex, char *buf, size_t len)
{
	if (ex->ad->dump)
		ex->ad->dump(ex->state, "buddyinfo", buf, len);
}

static void pages_close(struct mmt_exec *ex)
{
	struct mmt_shadow *sh = PAGES_SH(ex);

	/* a run stopped early skipped the teardown: no callback of a cache
	 * may outlive the layer (its blocks go with the adapter instance) */
	for (unsigned int k = 0; k < MMT_NR_POOLS; k++) {
		struct hcache *c = &PAGES_LS(ex)->caches[k];

		if (c->live)
			ex->ad->pages->shrinker_unregister(ex->state,
							   c->handle);
		c->live = 0;
		c->n = 0;
	}
	if ((ex->ad->caps & MMT_CAP_TRACE) && ex->ad->set_trace)
		ex->ad->set_trace(ex->state, 0, NULL, NULL);
	/* The arena (a parked machine's RAM, a leased arena) outlives the
	 * run: the shadow's cookies go, so the next run sees fresh RAM. */
	mmt_shadow_clear_fills(sh);
	mmt_shadow_destroy(sh);
	/* a run stopped early (stop_on_violation) skipped the teardown:
	 * the machine may be parked, so give its CPUs back balanced */
	mmt_ctx_finish(PAGES_CTX(ex), NULL, NULL);
	free(PAGES_LS(ex));
	ex->ls[MMT_OPSET_PAGES] = NULL;
}

const struct mmt_layer mmt_layer_pages = {
	.name = "pages",
	.set = MMT_OPSET_PAGES,
	.open = pages_open,
	.step = pages_op,
	.teardown = pages_teardown,
	.probe = pages_probe,
	.state = pages_state,
	.close = pages_close,
};
