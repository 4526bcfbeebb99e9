/* SPDX-License-Identifier: MIT */
/*
 * stress/pages.c - scenario pages-mix: threads allocating and freeing page
 * blocks of a PAGES allocator that all of them share.
 *
 * Each thread is a simulated CPU (cpu_enter) with a table of
 * STRESS_PAGE_SLOTS slots. Step n of thread i draws, from thread i's own
 * stream only, a slot, alloc-or-free, an order (mostly 0..3, one in eight
 * up to the top order), a GFP mask (every zone modifier, the forbidden
 * GFP_DMA|GFP_DMA32 too, each with and without __GFP_ZERO; ATOMIC,
 * NOWAIT), a kernel entry point (alloc_pages,
 * __get_free_pages, alloc_page, __get_free_page, get_zeroed_page), the
 * free entry point, and whether and to whom to hand the block. The draws
 * do not depend on results, so the sequence of ops is the same for a seed
 * on every run (the op format's slot rules: an allocation into a live slot
 * frees the old block first, a free of an empty slot does nothing). A
 * block handed to another thread goes to its inbox; that thread frees it
 * with the entry point the block's own numbers choose.
 *
 * Checks on every block:
 *   STRESS-RANGE        outside the arena, misaligned, or on a page that is
 *                       not present or is reserved;
 *   STRESS-DOUBLE-ALLOC a page already live: every page of a live block
 *                       has its bit set in an ownership bitmap over the
 *                       arena's pfns (atomic fetch-or at allocation,
 *                       fetch-and just before the free);
 *   STRESS-ZONE         (ZONES) the block crosses a zone or lies in a zone
 *                       its mask does not allow (mmt_arena_allowed_zones:
 *                       none for a forbidden combination); an allocator
 *                       without ZONES treats the arena as one zone, so
 *                       only STRESS-RANGE applies to it;
 *   STRESS-ZERO         a __GFP_ZERO / get_zeroed_page page head not zero,
 *                       in whatever zone (HighMem too);
 *   STRESS-FILL         the cookie (seed, thread, sequence, pfn, order)
 *                       written at the head of every page at allocation was
 *                       changed by the time of the free;
 *   STRESS-FREE         the allocator refused a valid free;
 *   STRESS-OWNER        ownership bits lost (a harness bug).
 *
 * Zones, present and reserved ranges, span and orders come from s->model,
 * the arena the harness derives from the machine alone, never from the
 * arena an OWN_ARENA allocator reports (that one gives only the base), so
 * a wrong report cannot vouch for itself. An allocator without OWN_ARENA
 * gets the arena stress.c mapped.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/adapter.h>
#include <mmtorture/machine.h>

#include "stress_int.h"

#define COOKIE_MAGIC 0x6d6d74537472734bULL
#define ZERO_BYTES 64u /* bytes of a page head checked for zero */

/* Written at the head of every page of a live block. */
struct pcookie {
	uint64_t magic;
	uint64_t seed;
	uint64_t seq;
	uint64_t pfn; /* of this page */
	uint32_t thread;
	uint32_t order;
};

struct pshared {
	_Atomic uint64_t *owner; /* one bit per pfn of the arena */
	size_t owner_words;
	unsigned long probes; /* probes run (the main thread's only) */
};

/* ------------------------------------------------------ ownership bitmap */

static uint64_t ctz64(uint64_t x)
{
	return (uint64_t)(unsigned int)__builtin_ctzll(x);
}

/*
 * Set (claim) or clear (release) the bits of [pfn, pfn + n), a word at a
 * time. Returns the first pfn whose bit was already set (claim) or was not
 * set (release), or UINT64_MAX when none was; every bit is changed either
 * way.
 */
static uint64_t owner_update(struct pshared *ps, uint64_t pfn, uint64_t n,
			     bool claim)
{
	uint64_t p = pfn, end = pfn + n, first = UINT64_MAX;

	while (p < end) {
		_Atomic uint64_t *word = &ps->owner[p >> 6];
		uint64_t bit = p & 63, len = 64 - bit;
		uint64_t mask, bad;

		if (len > end - p)
			len = end - p;
		mask = (len == 64 ? ~0ULL : ((1ULL << len) - 1)) << bit;
		/* bad: the bits of mask that were already as asked. */
		if (claim)
			bad = atomic_fetch_or_explicit(word, mask,
						       memory_order_acq_rel);
		else
			bad = ~atomic_fetch_and_explicit(word, ~mask,
							 memory_order_acq_rel);
		bad &= mask;
		if (bad && first == UINT64_MAX)
			first = (p & ~(uint64_t)63) + ctz64(bad);
		p += len;
	}
	return first;
}

/* 1 when every pfn of [pfn, pfn + n) is present and not reserved. */
static int pages_usable(const struct mmt_arena *a, uint64_t pfn, uint64_t n)
{
	uint64_t end = pfn + n;
	uint32_t i;
	int in = 0;

	for (i = 0; i < a->nr_present && i < MMT_MAX_RANGES; i++) {
		uint64_t s = a->present[i].start_pfn;
		uint64_t e = s + a->present[i].nr_pages;

		if (pfn >= s && end <= e)
			in = 1;
	}
	if (!in && a->nr_present)
		return 0;
	for (i = 0; i < a->nr_reserved && i < MMT_MAX_RANGES; i++) {
		uint64_t s = a->reserved[i].start_pfn;
		uint64_t e = s + a->reserved[i].nr_pages;

		if (pfn < e && s < end)
			return 0;
	}
	return 1;
}

/* ------------------------------------------------------ the op sequence */

struct gfp_choice {
	uint32_t gfp;
	uint32_t weight;
};

#define GFP_HIGHUSER_MOVABLE \
	(MMT_GFP_KERNEL | MMT_GFP_HARDWALL | MMT_GFP_HIGHMEM | MMT_GFP_MOVABLE)
#define GFP_NOWAIT (MMT_GFP_KSWAPD_RECLAIM | MMT_GFP_NOWARN)

/*
 * Every zone modifier (none, GFP_DMA32, GFP_DMA, __GFP_HIGHMEM and the
 * forbidden GFP_DMA|GFP_DMA32, which must fail), each also with
 * __GFP_ZERO, so that every (highest zone x zeroed) pair of either
 * profile is drawn often (x86_32: GFP_DMA32 is Normal; x86_64:
 * __GFP_HIGHMEM is Normal). After the entry points' rules (gen_pop)
 * each pair is at least 3 % of the allocations
 * (tests/stress/test_stress_zones.c).
 */
static const struct gfp_choice stress_gfps[] = {
	{ MMT_GFP_KERNEL, 6 },
	{ MMT_GFP_KERNEL | MMT_GFP_ZERO, 2 },
	{ MMT_GFP_KERNEL | MMT_GFP_DMA32, 3 },
	{ MMT_GFP_KERNEL | MMT_GFP_DMA32 | MMT_GFP_ZERO, 1 },
	{ MMT_GFP_KERNEL | MMT_GFP_DMA, 2 },
	{ MMT_GFP_KERNEL | MMT_GFP_DMA | MMT_GFP_ZERO, 1 },
	{ GFP_HIGHUSER_MOVABLE, 3 },
	{ GFP_HIGHUSER_MOVABLE | MMT_GFP_ZERO, 2 },
	{ MMT_GFP_ATOMIC, 2 },
	{ GFP_NOWAIT, 1 },
	{ MMT_GFP_KERNEL | MMT_GFP_DMA | MMT_GFP_DMA32, 1 }, /* forbidden */
	{ MMT_GFP_KERNEL | MMT_GFP_DMA | MMT_GFP_DMA32 | MMT_GFP_ZERO, 1 },
};

#define NR_GFPS (sizeof(stress_gfps) / sizeof(stress_gfps[0]))

static uint32_t pick_gfp(uint32_t r)
{
	uint32_t total = 0, i;

	for (i = 0; i < NR_GFPS; i++)
		total += stress_gfps[i].weight;
	r %= total;
	for (i = 0; i < NR_GFPS; i++) {
		if (r < stress_gfps[i].weight)
			return stress_gfps[i].gfp;
		r -= stress_gfps[i].weight;
	}
	return MMT_GFP_KERNEL;
}

/* One step's draws: always three numbers, whatever happens. */
struct pop {
	uint32_t slot;
	int is_free;
	struct stress_pblock b; /* order, gfp, api of an allocation */
	uint32_t free_api;
	int hand; /* hand the freed block to thread `to` */
	unsigned int to;
};

static void gen_pop(struct stress_worker *w, uint32_t top, struct pop *op)
{
	uint64_t r1 = mmt_stress_rand(&w->rng), r2 = mmt_stress_rand(&w->rng);
	uint64_t r3 = mmt_stress_rand(&w->rng);

	memset(op, 0, sizeof(*op));
	op->slot = (uint32_t)(r1 % STRESS_PAGE_SLOTS);
	op->is_free = (r1 >> 20) % 100 >= 52;
	op->b.order = ((r2 >> 0) & 7) ?
			      (uint32_t)((r2 >> 3) % (top < 4 ? top : 4)) :
			      (uint32_t)((r2 >> 3) % top);
	op->b.gfp = pick_gfp((uint32_t)(r2 >> 16));
	switch ((r2 >> 32) & 7) {
	case 0:
	case 1:
	case 2:
		op->b.api = MMT_API_ALLOC_PAGES;
		break;
	case 3:
	case 4:
		op->b.api = MMT_API_GET_FREE_PAGES;
		break;
	case 5:
		op->b.api = MMT_API_ALLOC_PAGE;
		op->b.order = 0;
		break;
	case 6:
		op->b.api = MMT_API_GET_FREE_PAGE;
		op->b.order = 0;
		break;
	default:
		/* get_zeroed_page(gfp) is __get_free_page(gfp | __GFP_ZERO). */
		op->b.api = MMT_API_GET_ZEROED_PAGE;
		op->b.gfp |= MMT_GFP_ZERO;
		op->b.order = 0;
		break;
	}
	/*
	 * The entry points' own rules, applied here so an adapter that
	 * ignores api still gets the kernel's meaning: __get_free_pages()
	 * drops __GFP_HIGHMEM (its result needs an address).
	 */
	if (op->b.api == MMT_API_GET_FREE_PAGES ||
	    op->b.api == MMT_API_GET_FREE_PAGE ||
	    op->b.api == MMT_API_GET_ZEROED_PAGE)
		op->b.gfp &= ~MMT_GFP_HIGHMEM;
	op->free_api = (uint32_t)(r3 & 7);
	op->hand = mmt_stress_pick_peer(w, r3 >> 8, &op->to);
}

void mmt_stress_pages_draw(struct stress_worker *w, uint32_t top, int *is_free,
			   uint32_t *order, uint32_t *gfp, uint32_t *api)
{
	struct pop op;

	gen_pop(w, top, &op);
	*is_free = op.is_free;
	*order = op.b.order;
	*gfp = op.b.gfp;
	*api = op.b.api;
}

/*
 * Kernel rules for the free: a struct page from alloc_pages goes back
 * through __free_pages (a highmem page has no address to free by); an
 * address from __get_free_pages may use either. r picks among the allowed.
 */
static uint32_t free_api_for(const struct stress_pblock *b, uint32_t r)
{
	if (b->api == MMT_API_ALLOC_PAGES || b->api == MMT_API_ALLOC_PAGE)
		return MMT_API_FREE_PAGES_PAGE;
	if (b->order == 0 && (r & 1))
		return MMT_API_FREE_PAGE;
	if (((r >> 1) & 3) == 0)
		return MMT_API_FREE_PAGES_PAGE;
	return MMT_API_FREE_PAGES;
}

/* ------------------------------------------------------ blocks */

static void write_cookies(struct stress *s, const struct stress_pblock *b)
{
	uint64_t i, n = 1ULL << b->order;

	for (i = 0; i < n; i++) {
		struct pcookie c = {
			.magic = COOKIE_MAGIC,
			.seed = s->seed,
			.seq = b->seq,
			.pfn = b->pfn + i,
			.thread = b->thread,
			.order = b->order,
		};

		memcpy((char *)b->addr + i * s->model.page_size, &c, sizeof(c));
	}
}

static void block_violation(struct stress *s, struct stress_worker *w,
			    uint64_t where, const char *id, const char *fmt,
			    ...) __attribute__((format(printf, 5, 6)));

/* A violation of worker w, or of no worker (thread -1) when w is NULL. */
static void block_violation(struct stress *s, struct stress_worker *w,
			    uint64_t where, const char *id, const char *fmt,
			    ...)
{
	va_list ap;

	va_start(ap, fmt);
	mmt_stress_vviolation(s, w ? (int)w->id : -1, w ? w->ops : 0, where, id,
			      fmt, ap);
	va_end(ap);
}

/* Verify every page head of b; reports the first bad one. 0 or -1. */
static int verify_cookies(struct stress *s, struct stress_worker *w,
			  const struct stress_pblock *b)
{
	uint64_t i, n = 1ULL << b->order;

	for (i = 0; i < n; i++) {
		struct pcookie c;

		memcpy(&c, (const char *)b->addr + i * s->model.page_size,
		       sizeof(c));
		if (c.magic != COOKIE_MAGIC || c.seed != s->seed ||
		    c.seq != b->seq || c.pfn != b->pfn + i ||
		    c.thread != b->thread || c.order != b->order) {
			block_violation(s, w, b->pfn + i, "STRESS-FILL",
					"cookie of page %" PRIu64
					" (page %" PRIu64
					" of the order-%u block at pfn %" PRIu64
					", thread %u's allocation #%" PRIu64
					") was overwritten: magic 0x%016" PRIx64
					", thread %u, allocation #%" PRIu64,
					b->pfn + i, i, b->order, b->pfn,
					b->thread, b->seq, c.magic, c.thread,
					c.seq);
			return -1;
		}
	}
	return 0;
}

/*
 * The pfn of the 2^order-page block at addr: 0, or -1 when the block is
 * not page aligned or not inside both the model's span and the memory the
 * allocator was given or reports (s->arena, which only bounds what the
 * harness may touch).
 */
static int block_pfn(const struct stress *s, uintptr_t addr, uint32_t order,
		     uint64_t *pfn)
{
	const struct mmt_arena *m = &s->model;
	uintptr_t base = (uintptr_t)m->base;
	uint64_t off = (uint64_t)(addr - base), limit;

	limit = m->nr_pfns * m->page_size;
	if (s->arena.nr_pfns * s->arena.page_size < limit)
		limit = s->arena.nr_pfns * s->arena.page_size;
	if (addr < base || off % m->page_size || order >= 63 || off > limit ||
	    limit - off < (m->page_size << order))
		return -1;
	*pfn = off / m->page_size;
	return 0;
}

/* Checks on a block just handed out. 0 keeps it, -1 drops it. */
static int accept_block(struct stress_worker *w, struct stress_pblock *b)
{
	struct stress *s = w->s;
	struct pshared *ps = s->priv;
	const struct mmt_arena *a = &s->model;
	uint64_t n = 1ULL << b->order, clash, i;

	if (block_pfn(s, (uintptr_t)b->addr, b->order, &b->pfn)) {
		mmt_stress_worker_violation(
			w, UINT64_MAX, "STRESS-RANGE",
			"order-%u block at %p is outside the "
			"arena [%p, +%" PRIu64 " pages)",
			b->order, b->addr, a->base, a->nr_pfns);
		return -1;
	}
	if (b->pfn & (n - 1)) {
		mmt_stress_worker_violation(w, b->pfn, "STRESS-RANGE",
					    "order-%u block at pfn %" PRIu64
					    " is not aligned to %" PRIu64
					    " pages",
					    b->order, b->pfn, n);
		return -1;
	}
	if (!pages_usable(a, b->pfn, n)) {
		mmt_stress_worker_violation(
			w, b->pfn, "STRESS-RANGE",
			"order-%u block at pfn %" PRIu64
			" covers a page that is not present or "
			"is reserved",
			b->order, b->pfn);
		return -1;
	}
	clash = owner_update(ps, b->pfn, n, true);
	if (clash != UINT64_MAX) {
		mmt_stress_worker_violation(
			w, clash, "STRESS-DOUBLE-ALLOC",
			"page %" PRIu64
			" handed out twice: it is in the order-%u "
			"block at pfn %" PRIu64 " and already in a live block",
			clash, b->order, b->pfn);
		return -1; /* leaked on purpose: the run is over */
	}
	/* A block that is ours but wrong is kept (and freed at the end);
	 * the first thing found wrong with it is the one reported. */
	if (s->ad->caps & MMT_CAP_ZONES) {
		int zfirst = mmt_arena_zone_of(a, b->pfn);
		int zlast = mmt_arena_zone_of(a, b->pfn + n - 1);
		unsigned int allowed = mmt_arena_allowed_zones(a, b->gfp);
		char zones[64];

		if (zfirst < 0 || zfirst != zlast) {
			mmt_stress_worker_violation(
				w, b->pfn, "STRESS-ZONE",
				"order-%u block at pfn %" PRIu64
				" is not inside one zone: its first page is "
				"in zone %s, its last in zone %s",
				b->order, b->pfn, mmt_zone_name(zfirst),
				mmt_zone_name(zlast));
			goto keep;
		}
		if (!(allowed & (1u << zfirst))) {
			mmt_zone_mask_format(allowed, zones, sizeof(zones));
			mmt_stress_worker_violation(
				w, b->pfn, "STRESS-ZONE",
				"order-%u block at pfn %" PRIu64
				" lies in zone %s, but gfp 0x%x allows zones "
				"%s",
				b->order, b->pfn, mmt_zone_name(zfirst), b->gfp,
				zones);
			goto keep;
		}
	}
	if (b->gfp & MMT_GFP_ZERO) {
		for (i = 0; i < n; i++) {
			const unsigned char *p =
				(const unsigned char *)b->addr +
				i * a->page_size;
			unsigned int k;

			for (k = 0; k < ZERO_BYTES; k++)
				if (p[k])
					break;
			if (k < ZERO_BYTES) {
				mmt_stress_worker_violation(
					w, b->pfn + i, "STRESS-ZERO",
					"byte %u of page %" PRIu64
					" is 0x%02x, not 0, in the order-%u "
					"block at pfn %" PRIu64
					" asked zeroed (gfp 0x%x)",
					k, b->pfn + i, p[k], b->order, b->pfn,
					b->gfp);
				break;
			}
		}
	}
keep:
	write_cookies(s, b);
	mmt_stress_live_add(w, (int64_t)n);
	return 0;
}

/* Free a block this thread holds (its own or handed in); w NULL: a
 * thread that is no worker (its counters are nobody's). */
static void free_block_from(struct stress *s, struct stress_worker *w,
			    const struct stress_pblock *b, uint32_t api)
{
	uint64_t n = 1ULL << b->order, lost;
	int rc;

	if (verify_cookies(s, w, b) != 0)
		return; /* leave it: the run is over */
	if (mmt_stress_fault_take(MMT_STRESS_FAULT_LOSE))
		owner_update(s->priv, b->pfn, 1, false);
	lost = owner_update(s->priv, b->pfn, n, false);
	if (lost != UINT64_MAX)
		block_violation(s, w, lost, "STRESS-OWNER",
				"page %" PRIu64
				" of a live order-%u block was not marked "
				"owned at free",
				lost, b->order);
	if (w)
		mmt_stress_live_add(w, -(int64_t)n);
	mmt_stress_lock(s);
	rc = s->ad->pages->free(s->state, b->addr, b->order, api);
	mmt_stress_unlock(s);
	if (w) {
		w->ops++;
		w->frees++;
	}
	if (rc != 0 && lost == UINT64_MAX) /* one violation per op */
		block_violation(s, w, b->pfn, "STRESS-FREE",
				"the allocator refused to free the "
				"order-%u block at pfn %" PRIu64 " (error %d)",
				b->order, b->pfn, rc);
}

static void free_block(struct stress_worker *w, const struct stress_pblock *b,
		       uint32_t api)
{
	free_block_from(w->s, w, b, api);
}

/* ------------------------------------------------------ scenario hooks */

static int pages_setup(struct stress *s, char *err, size_t errlen)
{
	struct pshared *ps = calloc(1, sizeof(*ps));

	(void)err;
	(void)errlen;
	if (!ps)
		return -1;
	ps->owner_words = (size_t)((s->model.nr_pfns + 63) / 64);
	ps->owner = calloc(ps->owner_words, sizeof(*ps->owner));
	if (!ps->owner) {
		free(ps);
		return -1;
	}
	s->priv = ps;
	s->where_name = "pfn";
	return 0;
}

int mmt_stress_pages_setup(struct stress *s, char *err, size_t errlen)
{
	return pages_setup(s, err, errlen);
}

static void pages_teardown(struct stress *s)
{
	struct pshared *ps = s->priv;

	if (ps)
		free(ps->owner);
	free(ps);
	s->priv = NULL;
}

void mmt_stress_pages_teardown(struct stress *s)
{
	pages_teardown(s);
}

int mmt_stress_pages_alloc(struct stress_worker *w, struct stress_pblock *b,
			   uint32_t order, uint32_t gfp, uint32_t api)
{
	struct stress *s = w->s;
	void *addr = NULL;
	int rc;

	memset(b, 0, sizeof(*b));
	b->order = order;
	b->gfp = gfp;
	b->api = api;
	b->thread = w->id;
	b->seq = ++w->seq;
	mmt_stress_lock(s);
	rc = s->ad->pages->alloc(s->state, order, gfp, api, &addr);
	mmt_stress_unlock(s);
	w->ops++;
	if (rc != 0 || !addr) {
		w->fails++;
		return -1;
	}
	w->allocs++;
	b->addr = addr;
	return accept_block(w, b);
}

static void pages_step(struct stress_worker *w)
{
	struct stress *s = w->s;
	uint32_t top = s->model.nr_orders ? s->model.nr_orders : 1;
	struct stress_pblock *b;
	struct pop op;
	void *addr = NULL;
	int rc;

	gen_pop(w, top, &op);
	b = mmt_stress_slot(w, op.slot);
	if (w->held[op.slot]) {
		/* A free, or an allocation into a live slot: free it first. */
		w->held[op.slot] = false;
		if (op.is_free && mmt_stress_pass_on(w, op.hand, op.to, b))
			return;
		free_block(w, b, free_api_for(b, op.free_api));
	}
	if (op.is_free || mmt_stress_failed(s))
		return; /* a free, or the run stopped at a violation */
	op.b.thread = w->id;
	op.b.seq = ++w->seq;
	mmt_stress_lock(s);
	rc = s->ad->pages->alloc(s->state, op.b.order, op.b.gfp, op.b.api,
				 &addr);
	mmt_stress_unlock(s);
	w->ops++;
	if (rc != 0 || !addr) {
		w->fails++;
		return;
	}
	w->allocs++;
	op.b.addr = addr;
	if (accept_block(w, &op.b) != 0)
		return;
	*b = op.b;
	w->held[op.slot] = true;
}

/*
 * The capacity probe at a park (docs/checkers.md): the workers hold their
 * blocks; drain the allocator, order by order from the highest it serves,
 * each block checked as a worker's is for range, alignment, present RAM,
 * a page already live and (ZONES) its zone; then free them all. With
 * POLICY_BUDDY every order's count must be the plan (mmt_arena_probe_plan
 * over the ownership bitmap): else STRESS-PROBE. Parks alternate between
 * two drains of an allocator with ZONES:
 * Every drain asks with __GFP_MEMALLOC as well, so an allocator with
 * watermarks hands out its reserves too.
 *   zone by zone  from the lowest zone, each with GFP_KERNEL and the zone's
 *                 own modifier (the zones below are already empty), every
 *                 block in the zone being drained; the plan is the zone's;
 *   fallback      the whole arena with one mask that allows every zone
 *                 (GFP_KERNEL, with __GFP_HIGHMEM when the profile has
 *                 HighMem), every block inside one zone; the plan is the
 *                 sum of the zones' plans (blocks never cross zones), so a
 *                 zone the allocator's fallback skips leaves a shortfall.
 * An allocator without ZONES is drained in one pass over the arena.
 */
/* The probe's mask: GFP_KERNEL below the watermarks too (__GFP_MEMALLOC;
 * an allocator without watermarks ignores the bit). */
#define PROBE_GFP (MMT_GFP_KERNEL | MMT_GFP_MEMALLOC)

struct probe_ctx {
	struct stress *s;
	uint64_t ops;
	void **addr;
	uint32_t *order;
	size_t nr, cap;
	unsigned int zones; /* ZONES: the zones a block may lie in */
	int fallback; /* the fallback drain (for messages) */
};

static int bitmap_held(const void *ctx, uint64_t pfn)
{
	const struct pshared *ps = ctx;

	return (atomic_load_explicit(&ps->owner[pfn >> 6],
				     memory_order_relaxed) >>
		(pfn & 63)) &
	       1;
}

/* Check and keep one probe block; 0, or -1 when the probe must stop. */
static int probe_keep(struct probe_ctx *c, void *addr, uint32_t k)
{
	struct stress *s = c->s;
	const struct mmt_arena *a = &s->model;
	uint64_t n = 1ULL << k, pfn, clash;
	int zfirst, zlast;

	if (c->nr == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 256;
		void **na = realloc(c->addr, nc * sizeof(*na));
		uint32_t *no = na ? realloc(c->order, nc * sizeof(*no)) : NULL;

		if (na)
			c->addr = na;
		if (!na || !no) { /* out of memory: give addr back, stop */
			mmt_stress_lock(s);
			s->ad->pages->free(s->state, addr, k,
					   MMT_API_FREE_PAGES_PAGE);
			mmt_stress_unlock(s);
			return -1;
		}
		c->order = no;
		c->cap = nc;
	}
	if (block_pfn(s, (uintptr_t)addr, k, &pfn)) {
		mmt_stress_violation(s, -1, c->ops, UINT64_MAX, "STRESS-RANGE",
				     "capacity probe: order-%u block at %p is "
				     "outside the arena",
				     k, addr);
		return -1;
	}
	if ((pfn & (n - 1)) || !pages_usable(a, pfn, n)) {
		mmt_stress_violation(s, -1, c->ops, pfn, "STRESS-RANGE",
				     "capacity probe: order-%u block at pfn "
				     "%" PRIu64 " is misaligned or covers a "
				     "page that is not present or is reserved",
				     k, pfn);
		return -1;
	}
	clash = owner_update(s->priv, pfn, n, true);
	if (clash != UINT64_MAX) {
		mmt_stress_violation(s, -1, c->ops, clash,
				     "STRESS-DOUBLE-ALLOC",
				     "capacity probe: page %" PRIu64
				     " of the order-%u block at pfn %" PRIu64
				     " is already live",
				     clash, k, pfn);
		return -1;
	}
	c->addr[c->nr] = addr;
	c->order[c->nr++] = k;
	if (!(s->ad->caps & MMT_CAP_ZONES))
		return 0;
	zfirst = mmt_arena_zone_of(a, pfn);
	zlast = mmt_arena_zone_of(a, pfn + n - 1);
	if (zfirst < 0 || zfirst != zlast || !(c->zones & (1u << zfirst))) {
		char zones[64];

		mmt_zone_mask_format(c->zones, zones, sizeof(zones));
		mmt_stress_violation(s, -1, c->ops, pfn, "STRESS-ZONE",
				     "%s probe: order-%u block at pfn %" PRIu64
				     " (zone %s to zone %s) is not inside "
				     "one zone of %s%s",
				     c->fallback ? "fallback" : "capacity", k,
				     pfn, mmt_zone_name(zfirst),
				     mmt_zone_name(zlast), zones,
				     c->fallback ?
					     ", the zones its mask allows" :
					     ", the one being drained (every "
					     "zone below it is empty)");
		return -1;
	}
	return 0;
}

/* The zone types of the model that have pages, as a bit mask. */
static unsigned int present_zones(const struct mmt_arena *a)
{
	unsigned int m = 0;

	for (uint32_t i = 0; i < a->nr_zones && i < MMT_NR_ZONE_TYPES; i++)
		if (a->zones[i].present && a->zones[i].type < MMT_NR_ZONE_TYPES)
			m |= 1u << a->zones[i].type;
	return m;
}

/*
 * The plan of a drain of zones (a mask; 0: the whole arena, zones
 * ignored) from order top - 1: the sum of the zones' own plans.
 */
static void probe_plan(struct stress *s, unsigned int zones, uint32_t top,
		       uint64_t *expect)
{
	uint64_t one[64];

	memset(expect, 0, sizeof(one));
	if (!zones) {
		mmt_arena_probe_plan(&s->model, -1, top, bitmap_held, s->priv,
				     expect);
		return;
	}
	for (int z = 0; z < MMT_NR_ZONE_TYPES; z++) {
		if (!(zones & (1u << z)))
			continue;
		mmt_arena_probe_plan(&s->model, z, top, bitmap_held, s->priv,
				     one);
		for (uint32_t k = 0; k < top; k++)
			expect[k] += one[k];
	}
}

/*
 * After a fallback drain's shortfall at order k: "DMA 3" for each zone
 * that still has aligned free order-k ranges (the ones not reached).
 */
static void probe_left(struct stress *s, uint32_t k, char *buf, size_t len)
{
	unsigned int zones = present_zones(&s->model);
	size_t at = 0;

	buf[0] = '\0';
	for (int z = 0; z < MMT_NR_ZONE_TYPES && at < len; z++) {
		uint64_t left[64];

		if (!(zones & (1u << z)))
			continue;
		mmt_arena_probe_plan(&s->model, z, k + 1, bitmap_held, s->priv,
				     left);
		if (left[k])
			at += (size_t)snprintf(buf + at, len - at,
					       "%s%s %" PRIu64, at ? ", " : "",
					       mmt_zone_name(z), left[k]);
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}

/*
 * Drain with gfp, zones (0: the arena, zones ignored) at orders
 * top-1..0; -1 when stopped. name is the zone drained, or NULL for the
 * fallback drain.
 */
static int probe_drain(struct probe_ctx *c, unsigned int zones, uint32_t gfp,
		       uint32_t top, const char *name)
{
	struct stress *s = c->s;
	uint64_t expect[64];

	c->zones = zones;
	probe_plan(s, zones, top, expect);
	for (uint32_t k = top; k-- > 0;) {
		uint64_t got = 0;
		char left[96], allowed[64];

		while (got <= (s->model.nr_pfns >> k)) {
			void *addr = NULL;
			int rc;

			mmt_stress_lock(s);
			rc = s->ad->pages->alloc(s->state, k, gfp,
						 MMT_API_ALLOC_PAGES, &addr);
			mmt_stress_unlock(s);
			if (rc || !addr)
				break;
			if (probe_keep(c, addr, k))
				return -1;
			got++;
		}
		if (got == expect[k] || !(s->ad->caps & MMT_CAP_POLICY_BUDDY))
			continue;
		if (!c->fallback) {
			mmt_stress_violation(
				s, -1, c->ops, UINT64_MAX, "STRESS-PROBE",
				"capacity probe: with the workers parked, "
				"%s%s gave %" PRIu64 " order-%u block(s), but "
				"%" PRIu64 " aligned order-%u range(s) there "
				"are free and not inside a free range of the "
				"order above",
				name ? "zone " : "the arena", name ? name : "",
				got, k, expect[k], k);
			return -1;
		}
		probe_left(s, k, left, sizeof(left));
		mmt_zone_mask_format(zones, allowed, sizeof(allowed));
		mmt_stress_violation(
			s, -1, c->ops, UINT64_MAX, "STRESS-PROBE",
			"fallback probe: with the workers parked, gfp 0x%x "
			"(zones %s) gave %" PRIu64 " order-%u block(s) from "
			"the whole arena, but the zones' plans sum to %" PRIu64
			"; aligned free order-%u ranges left per zone: %s",
			gfp, allowed, got, k, expect[k], k, left);
		return -1;
	}
	return 0;
}

/* Zone by zone from the lowest, each with its own modifier. */
static void probe_by_zone(struct probe_ctx *c, uint32_t top)
{
	struct stress *s = c->s;
	unsigned int zones = present_zones(&s->model);

	for (int z = 0; z < MMT_NR_ZONE_TYPES; z++) {
		uint32_t gfp = PROBE_GFP | mmt_zone_gfp(z);

		if ((zones & (1u << z)) &&
		    (mmt_arena_allowed_zones(&s->model, gfp) & (1u << z)) &&
		    probe_drain(c, 1u << z, gfp, top, mmt_zone_name(z)))
			break;
	}
}

/*
 * The most permissive mask of the model's profile: GFP_KERNEL, with
 * __GFP_HIGHMEM when the profile has a HighMem zone type.
 */
static uint32_t probe_widest_gfp(const struct mmt_arena *a)
{
	for (uint32_t i = 0; i < a->nr_zones && i < MMT_NR_ZONE_TYPES; i++)
		if (a->zones[i].type == MMT_ZONE_HIGHMEM)
			return PROBE_GFP | MMT_GFP_HIGHMEM;
	return PROBE_GFP;
}

void mmt_stress_pages_probe(struct stress *s, uint64_t ops)
{
	struct pshared *ps = s->priv;
	struct probe_ctx c = { s, ops, NULL, NULL, 0, 0, 0, 0 };
	uint32_t top = s->model.nr_orders, served = s->ad->pages->nr_orders;

	if (served && served < top)
		top = served;
	if (top > 63)
		top = 63;
	if (!(s->ad->caps & MMT_CAP_ZONES)) {
		probe_drain(&c, 0, PROBE_GFP, top, NULL);
	} else if (ps->probes++ & 1) {
		uint32_t gfp = probe_widest_gfp(&s->model);

		c.fallback = 1;
		probe_drain(&c,
			    mmt_arena_allowed_zones(&s->model, gfp) &
				    present_zones(&s->model),
			    gfp, top, NULL);
	} else {
		probe_by_zone(&c, top);
	}
	for (size_t i = c.nr; i-- > 0;) {
		uint64_t pfn = (uint64_t)((uintptr_t)c.addr[i] -
					  (uintptr_t)s->model.base) /
			       s->model.page_size;
		int rc;

		owner_update(s->priv, pfn, 1ULL << c.order[i], false);
		mmt_stress_lock(s);
		rc = s->ad->pages->free(s->state, c.addr[i], c.order[i],
					MMT_API_FREE_PAGES_PAGE);
		mmt_stress_unlock(s);
		if (rc)
			mmt_stress_violation(s, -1, ops, pfn, "STRESS-FREE",
					     "%s probe: the allocator "
					     "refused to free its order-%u "
					     "block at pfn %" PRIu64,
					     c.fallback ? "fallback" :
							  "capacity",
					     c.order[i], pfn);
	}
	free(c.addr);
	free(c.order);
}

/* A block handed in or left in a slot: its own numbers pick the entry
 * point, no draw. */
void mmt_stress_pages_release(struct stress_worker *w, const void *item)
{
	const struct stress_pblock *b = item;

	free_block(w, b, free_api_for(b, (uint32_t)b->seq));
}

void mmt_stress_pages_release_from(struct stress *s, struct stress_worker *w,
				   const struct stress_pblock *b)
{
	free_block_from(s, w, b, free_api_for(b, (uint32_t)b->seq));
}

const struct stress_scenario mmt_stress_pages_mix = STRESS_SCENARIO(
	"pages-mix", MMT_CAP_PAGES, "pages",
	"page blocks of mixed orders, zones and entry points (PAGES)",
	struct stress_pblock, STRESS_PAGE_SLOTS, pages,
	mmt_stress_pages_release, mmt_stress_pages_probe);
