/* SPDX-License-Identifier: MIT */
/*
 * stress/stress.c - many threads hammering one machine through the adapter
 * ABI: `mmtorture stress`.
 *
 *   mmtorture stress --allocator SPEC --threads N --seconds S --seed X
 *                    [--machine SPEC] [--scenario pages-mix]
 *
 * --machine takes the text op format's machine spec (docs/op-format.md:
 * the words after "machine", e.g. "profile=x86_64 bank=64M@0 bank=64M@4G");
 * it goes through the harness parser, so it means the same thing as in a
 * trace. The default machine is x86_64 with 64 MiB at 0 and 64 MiB at
 * 4 GiB, so ZONE_DMA, ZONE_DMA32 and ZONE_NORMAL all exist (32 + 32 MiB
 * under ThreadSanitizer). Its CPU count is raised to the thread count.
 *
 * Scenario pages-mix. One adapter instance is shared by all threads;
 * thread i enters simulated CPU i and loops with its own splitmix64 stream
 * seeded from seed + i:
 *   - allocate (orders mostly 0..3, sometimes up to the top order; a mix
 *     of GFP zone masks and of the kernel entry points) into a local table;
 *   - free a random block of the table, or hand it to another thread
 *     through that thread's inbox (a mutex-protected queue), which frees it;
 *   - free what others handed in.
 * Every page of a live block has its bit set in a global ownership bitmap
 * over the arena's pfns (atomic fetch-or; a bit found set means the
 * allocator handed a page out twice: STRESS-DOUBLE-ALLOC) and is cleared
 * (atomic fetch-and) just before the block is freed. A cookie (thread,
 * sequence number, seed, pfn, order) is written into the head of every
 * page at allocation and verified at free (STRESS-FILL). Other ids:
 * STRESS-RANGE (block outside the arena or misaligned), STRESS-ZONE (in a
 * zone the GFP mask forbids; adapters with ZONES), STRESS-ZERO (__GFP_ZERO
 * page heads not zero), STRESS-FREE (the adapter refused a valid free),
 * STRESS-OWNER (ownership bits lost: a harness bug). Findings of the
 * adapter's own check keep the adapter's ids (BUDDY-COALESCE, ...).
 *
 * Once a second the main thread parks every worker at a barrier, runs the
 * adapter's full check (level 2) and prints a progress line; at the end it
 * parks them a last time, checks, lets each free its blocks, joins them and
 * checks the now idle machine once more. SIGINT only sets a flag; the run
 * then ends the same way and prints its summary.
 *
 * Locks: an inbox mutex is held only to push or pop a block, never across
 * an adapter call. The report mutex is a leaf. The adapter must declare
 * THREAD_SAFE to be run with more than one thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <mmtorture/adapter.h>
#include <mmtorture/exec.h>
#include <mmtorture/ops.h>

#include "stress.h"

#ifdef MMT_TSAN
#define STRESS_BANK_MIB 32u /* per bank */
#define STRESS_TABLE 64u /* live blocks per thread */
#else
#define STRESS_BANK_MIB 64u
#define STRESS_TABLE 256u
#endif
#define STRESS_INBOX 1024u /* blocks waiting in one thread's inbox */
#define STRESS_MAX_THREADS 64u
#define STRESS_KEPT 16u /* violations kept for the report */
#define STRESS_CHECK_LEVEL 2u /* the adapters' full level */
#define STRESS_COOKIE_MAGIC 0x6d6d74537472734bULL
#define STRESS_ZERO_BYTES 64u /* bytes of a page head checked for zero */

/* A live block. The cookie in each of its pages repeats these fields. */
struct stress_block {
	void *addr;
	uint64_t pfn;
	uint64_t seq; /* per-thread allocation number */
	uint32_t order;
	uint32_t thread; /* who allocated it */
	uint32_t api; /* enum mmt_pages_api it was allocated with */
	uint32_t gfp;
};

/* Written at the head of every page of a live block. */
struct stress_cookie {
	uint64_t magic;
	uint64_t seed;
	uint64_t seq;
	uint64_t pfn; /* of this page */
	uint32_t thread;
	uint32_t order;
};

struct stress_inbox {
	pthread_mutex_t lock;
	size_t n;
	struct stress_block v[STRESS_INBOX];
};

struct stress_violation {
	uint64_t op; /* operations done by the thread so far */
	int thread; /* -1: the main thread (a self-check) */
	uint64_t pfn; /* UINT64_MAX when none */
	char id[32];
	char message[200];
};

struct stress;

struct stress_worker {
	struct stress *s;
	unsigned int id;
	pthread_t tid;
	uint64_t rng;
	uint64_t seq;
	size_t nlive;
	struct stress_block live[STRESS_TABLE];
	/* Counters, read by the main thread only while the worker is parked. */
	uint64_t ops, allocs, fails, frees, handed;
};

struct stress {
	const struct mmt_adapter *ad;
	void *state;
	struct mmt_arena arena;
	uint64_t seed;
	unsigned int nr_threads;
	int has_dma32, has_highmem;

	_Atomic uint64_t *owner; /* one bit per pfn of the arena */
	size_t owner_words;

	struct stress_inbox *inbox; /* one per thread */
	struct stress_worker *workers;

	atomic_int park; /* main asks the workers to park */
	atomic_int stop; /* set before the last park */
	atomic_int failed; /* a violation was recorded */
	atomic_long live_pages;
	pthread_barrier_t park_in, park_out;

	const char *spec; /* --allocator as given */
	pthread_mutex_t vlock;
	unsigned long nr_violations;
	unsigned long nr_reported; /* violations already printed */
	struct stress_violation kept[STRESS_KEPT];
	unsigned long checks;
};

static volatile sig_atomic_t stress_interrupted;

static void stress_on_sigint(int sig)
{
	(void)sig;
	stress_interrupted = 1;
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd_below(uint64_t *st, uint32_t n)
{
	return (uint32_t)(splitmix64(st) % n);
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void stress_violation(struct stress *s, int thread, uint64_t op,
			     uint64_t pfn, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void stress_violation(struct stress *s, int thread, uint64_t op,
			     uint64_t pfn, const char *id, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&s->vlock);
	if (s->nr_violations < STRESS_KEPT) {
		struct stress_violation *v = &s->kept[s->nr_violations];

		v->op = op;
		v->thread = thread;
		v->pfn = pfn;
		snprintf(v->id, sizeof(v->id), "%s", id);
		va_start(ap, fmt);
		vsnprintf(v->message, sizeof(v->message), fmt, ap);
		va_end(ap);
	}
	s->nr_violations++;
	pthread_mutex_unlock(&s->vlock);
	atomic_store(&s->failed, 1);
}

/* ------------------------------------------------------ ownership bitmap */

/* Index of the lowest set bit of x (x != 0). */
static uint64_t ctz64(uint64_t x)
{
	return (uint64_t)(unsigned int)__builtin_ctzll(x);
}

/*
 * Set the bits of [pfn, pfn + n). Returns the first pfn that was already
 * set, or UINT64_MAX when none was (all bits are set either way).
 */
static uint64_t owner_claim(struct stress *s, uint64_t pfn, uint64_t n)
{
	uint64_t p = pfn, end = pfn + n, first = UINT64_MAX;

	while (p < end) {
		uint64_t bit = p & 63, len = 64 - bit;
		uint64_t mask, old;

		if (len > end - p)
			len = end - p;
		mask = (len == 64 ? ~0ULL : ((1ULL << len) - 1)) << bit;
		old = atomic_fetch_or_explicit(&s->owner[p >> 6], mask,
					       memory_order_acq_rel);
		if ((old & mask) && first == UINT64_MAX)
			first = (p & ~(uint64_t)63) + ctz64(old & mask);
		p += len;
	}
	return first;
}

/* Clear them; returns the first pfn whose bit was not set, or UINT64_MAX. */
static uint64_t owner_release(struct stress *s, uint64_t pfn, uint64_t n)
{
	uint64_t p = pfn, end = pfn + n, first = UINT64_MAX;

	while (p < end) {
		uint64_t bit = p & 63, len = 64 - bit;
		uint64_t mask, old;

		if (len > end - p)
			len = end - p;
		mask = (len == 64 ? ~0ULL : ((1ULL << len) - 1)) << bit;
		old = atomic_fetch_and_explicit(&s->owner[p >> 6], ~mask,
						memory_order_acq_rel);
		if ((old & mask) != mask && first == UINT64_MAX)
			first = (p & ~(uint64_t)63) + ctz64(~old & mask);
		p += len;
	}
	return first;
}

/* ------------------------------------------------------ zones */

static int zone_of_pfn(const struct mmt_arena *a, uint64_t pfn)
{
	uint32_t i;

	for (i = 0; i < a->nr_zones && i < MMT_NR_ZONE_TYPES; i++) {
		const struct mmt_arena_zone *z = &a->zones[i];

		if (z->present && pfn >= z->start_pfn && pfn < z->end_pfn)
			return (int)z->type;
	}
	return -1;
}

/*
 * The highest zone a mask may use (the kernel's gfp_zone(): DMA, else
 * DMA32, else HIGHMEM when movable-or-highmem allows it, else NORMAL),
 * mapped onto the zones this machine has. Lower zones are fallbacks.
 */
static int highest_zone(const struct stress *s, uint32_t gfp)
{
	if (gfp & MMT_GFP_DMA)
		return MMT_ZONE_DMA;
	if (gfp & MMT_GFP_DMA32)
		return s->has_dma32 ? MMT_ZONE_DMA32 : MMT_ZONE_NORMAL;
	if ((gfp & MMT_GFP_HIGHMEM) && s->has_highmem)
		return MMT_ZONE_HIGHMEM;
	return MMT_ZONE_NORMAL;
}

/* ------------------------------------------------------ the machine */

/* Zone boundaries of a profile, in bytes: [lo, hi) per zone type. */
static void profile_zone_bounds(uint32_t profile, uint64_t lo[], uint64_t hi[])
{
	int t;

	for (t = 0; t < MMT_NR_ZONE_TYPES; t++)
		lo[t] = hi[t] = 0;
	lo[MMT_ZONE_DMA] = 0;
	hi[MMT_ZONE_DMA] = 16ULL << 20;
	if (profile == 1) { /* x86_32 */
		lo[MMT_ZONE_NORMAL] = 16ULL << 20;
		hi[MMT_ZONE_NORMAL] = 896ULL << 20;
		lo[MMT_ZONE_HIGHMEM] = 896ULL << 20;
		hi[MMT_ZONE_HIGHMEM] = UINT64_MAX;
	} else {
		lo[MMT_ZONE_DMA32] = 16ULL << 20;
		hi[MMT_ZONE_DMA32] = 4ULL << 30;
		lo[MMT_ZONE_NORMAL] = 4ULL << 30;
		hi[MMT_ZONE_NORMAL] = UINT64_MAX;
	}
}

/*
 * Describe (and map) the arena of an adapter without OWN_ARENA: pfn p at
 * base + p * page_size, zones by the profile's boundaries.
 */
static int build_arena(const struct mmt_machine *m, struct mmt_arena *a,
		       void **map, size_t *map_len, char *err, size_t errlen)
{
	uint64_t lo[MMT_NR_ZONE_TYPES], hi[MMT_NR_ZONE_TYPES];
	uint64_t page = 1ULL << m->page_shift, end = 0;
	uint32_t i;
	int t;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < m->nr_banks && i < MMT_MAX_RANGES; i++) {
		uint64_t e = m->banks[i].start_pfn + m->banks[i].nr_pages;

		if (e > end)
			end = e;
		a->present[a->nr_present++] = m->banks[i];
	}
	for (i = 0; i < m->nr_reserved && i < MMT_MAX_RANGES; i++)
		a->reserved[a->nr_reserved++] = m->reserved[i];
	if (!end) {
		snprintf(err, errlen, "machine has no memory");
		return -1;
	}
	*map_len = (size_t)(end * page);
	*map = mmap(NULL, *map_len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (*map == MAP_FAILED) {
		*map = NULL;
		snprintf(err, errlen, "mmap of a %" PRIu64 " MiB arena: %s",
			 (end * page) >> 20, strerror(errno));
		return -2;
	}
	a->base = *map;
	a->nr_pfns = end;
	a->page_size = page;
	a->nr_orders = m->nr_orders;
	profile_zone_bounds(m->profile, lo, hi);
	for (t = 0; t < MMT_NR_ZONE_TYPES; t++) {
		uint64_t zlo = UINT64_MAX, zhi = 0;

		if (hi[t] == 0)
			continue;
		for (i = 0; i < a->nr_present; i++) {
			uint64_t bs = a->present[i].start_pfn * page;
			uint64_t be = bs + a->present[i].nr_pages * page;

			if (bs < lo[t])
				bs = lo[t];
			if (be > hi[t])
				be = hi[t];
			if (bs >= be)
				continue;
			if (bs < zlo)
				zlo = bs;
			if (be > zhi)
				zhi = be;
		}
		if (zlo >= zhi)
			continue;
		a->zones[a->nr_zones].type = (uint32_t)t;
		a->zones[a->nr_zones].present = 1;
		a->zones[a->nr_zones].start_pfn = zlo / page;
		a->zones[a->nr_zones].end_pfn = zhi / page;
		a->nr_zones++;
	}
	return 0;
}

/* --machine: "machine SPEC" through the text parser. 0, or -1 (printed). */
static int parse_machine(const char *spec, struct mmt_machine *m)
{
	static const char word[] = "machine ";
	size_t n = strlen(spec);
	struct mmt_parse_error perr;
	struct mmt_prog prog;
	char *text = malloc(sizeof(word) + n + 1);
	int rc;

	if (!text) {
		fprintf(stderr, "stress: out of memory\n");
		return -1;
	}
	memcpy(text, word, sizeof(word) - 1);
	memcpy(text + sizeof(word) - 1, spec, n);
	text[sizeof(word) - 1 + n] = '\n';
	text[sizeof(word) + n] = '\0';
	memset(&perr, 0, sizeof(perr));
	mmt_prog_init(&prog, MMT_OPSET_PAGES);
	rc = mmt_prog_parse_text(text, sizeof(word) + n, "--machine", &prog,
				 &perr);
	if (rc == 0) {
		*m = prog.machine;
	} else {
		unsigned int col =
			perr.column > sizeof(word) - 1 ?
				perr.column - (unsigned int)(sizeof(word) - 1) :
				1;

		fprintf(stderr,
			"stress: --machine '%s': column %u: field '%s': %s\n",
			spec, col, perr.field, perr.message);
	}
	mmt_prog_free(&prog);
	free(text);
	return rc == 0 ? 0 : -1;
}

/* ------------------------------------------------------ the workers */

struct gfp_choice {
	uint32_t gfp;
	uint32_t weight;
};

static const struct gfp_choice stress_gfps[] = {
	{ MMT_GFP_KERNEL, 8 },
	{ MMT_GFP_KERNEL | MMT_GFP_DMA32, 3 },
	{ MMT_GFP_KERNEL | MMT_GFP_DMA, 1 },
	{ MMT_GFP_ATOMIC, 2 },
	{ MMT_GFP_KERNEL | MMT_GFP_ZERO, 2 },
	{ MMT_GFP_KERNEL | MMT_GFP_HARDWALL | MMT_GFP_HIGHMEM | MMT_GFP_MOVABLE,
	  2 }, /* GFP_HIGHUSER_MOVABLE */
	{ MMT_GFP_KSWAPD_RECLAIM | MMT_GFP_NOWARN, 1 }, /* GFP_NOWAIT */
};

static uint32_t pick_gfp(uint64_t *st)
{
	uint32_t total = 0, r, i;

	for (i = 0; i < sizeof(stress_gfps) / sizeof(stress_gfps[0]); i++)
		total += stress_gfps[i].weight;
	r = rnd_below(st, total);
	for (i = 0; i < sizeof(stress_gfps) / sizeof(stress_gfps[0]); i++) {
		if (r < stress_gfps[i].weight)
			return stress_gfps[i].gfp;
		r -= stress_gfps[i].weight;
	}
	return MMT_GFP_KERNEL;
}

static void write_cookies(struct stress *s, const struct stress_block *b)
{
	uint64_t i, n = 1ULL << b->order;

	for (i = 0; i < n; i++) {
		struct stress_cookie c = {
			.magic = STRESS_COOKIE_MAGIC,
			.seed = s->seed,
			.seq = b->seq,
			.pfn = b->pfn + i,
			.thread = b->thread,
			.order = b->order,
		};

		memcpy((char *)b->addr + i * s->arena.page_size, &c, sizeof(c));
	}
}

/* Verify every page head of b; reports the first bad one. 0 or -1. */
static int verify_cookies(struct stress_worker *w, const struct stress_block *b)
{
	struct stress *s = w->s;
	uint64_t i, n = 1ULL << b->order;

	for (i = 0; i < n; i++) {
		struct stress_cookie c;

		memcpy(&c, (const char *)b->addr + i * s->arena.page_size,
		       sizeof(c));
		if (c.magic != STRESS_COOKIE_MAGIC || c.seed != s->seed ||
		    c.seq != b->seq || c.pfn != b->pfn + i ||
		    c.thread != b->thread || c.order != b->order) {
			stress_violation(
				s, (int)w->id, w->ops, b->pfn + i,
				"STRESS-FILL",
				"cookie of page %" PRIu64 " (page %" PRIu64
				" of an order-%u block allocated by thread "
				"%u as #%" PRIu64 ") was overwritten: magic "
				"0x%016" PRIx64 " thread %u seq %" PRIu64,
				b->pfn + i, i, b->order, b->thread, b->seq,
				c.magic, c.thread, c.seq);
			return -1;
		}
	}
	return 0;
}

/* Checks on a block just handed out. 0 keeps it, -1 drops it. */
static int accept_block(struct stress_worker *w, struct stress_block *b)
{
	struct stress *s = w->s;
	const struct mmt_arena *a = &s->arena;
	uintptr_t base = (uintptr_t)a->base, addr = (uintptr_t)b->addr;
	uint64_t n = 1ULL << b->order, off, clash, i;

	off = (uint64_t)(addr - base);
	if (addr < base || off % a->page_size ||
	    off / a->page_size + n > a->nr_pfns) {
		stress_violation(s, (int)w->id, w->ops, UINT64_MAX,
				 "STRESS-RANGE",
				 "order-%u block at %p is outside the arena "
				 "[%p, +%" PRIu64 " pages)",
				 b->order, b->addr, a->base, a->nr_pfns);
		return -1;
	}
	b->pfn = off / a->page_size;
	if (b->pfn & (n - 1)) {
		stress_violation(s, (int)w->id, w->ops, b->pfn, "STRESS-RANGE",
				 "order-%u block at pfn %" PRIu64
				 " is not aligned to %" PRIu64 " pages",
				 b->order, b->pfn, n);
		return -1;
	}
	clash = owner_claim(s, b->pfn, n);
	if (clash != UINT64_MAX) {
		stress_violation(s, (int)w->id, w->ops, clash,
				 "STRESS-DOUBLE-ALLOC",
				 "page %" PRIu64
				 " handed out twice: it is in the order-%u "
				 "block at pfn %" PRIu64
				 " and already in a live block",
				 clash, b->order, b->pfn);
		return -1; /* leaked on purpose: the run is over */
	}
	if (s->ad->caps & MMT_CAP_ZONES) {
		uint32_t gfp = b->gfp;
		int zfirst = zone_of_pfn(a, b->pfn);
		int zlast = zone_of_pfn(a, b->pfn + n - 1);

		if (zfirst < 0 || zfirst != zlast ||
		    zfirst > highest_zone(s, gfp))
			stress_violation(s, (int)w->id, w->ops, b->pfn,
					 "STRESS-ZONE",
					 "order-%u block at pfn %" PRIu64
					 " lies in zone %d..%d but gfp 0x%x "
					 "allows zones up to %d",
					 b->order, b->pfn, zfirst, zlast, gfp,
					 highest_zone(s, gfp));
	}
	if ((b->gfp & MMT_GFP_ZERO) || b->api == MMT_API_GET_ZEROED_PAGE) {
		for (i = 0; i < n; i++) {
			const unsigned char *p =
				(const unsigned char *)b->addr +
				i * a->page_size;
			unsigned int k;

			for (k = 0; k < STRESS_ZERO_BYTES; k++)
				if (p[k])
					break;
			if (k < STRESS_ZERO_BYTES) {
				stress_violation(
					s, (int)w->id, w->ops, b->pfn + i,
					"STRESS-ZERO",
					"byte %u of page %" PRIu64
					" is 0x%02x in zeroed order-%u block",
					k, b->pfn + i, p[k], b->order);
				break;
			}
		}
	}
	write_cookies(s, b);
	atomic_fetch_add_explicit(&s->live_pages, (long)n,
				  memory_order_relaxed);
	return 0;
}

static void do_alloc(struct stress_worker *w)
{
	struct stress *s = w->s;
	uint32_t top = s->arena.nr_orders ? s->arena.nr_orders : 1;
	struct stress_block b;
	void *addr = NULL;
	int rc;

	memset(&b, 0, sizeof(b));
	b.order = rnd_below(&w->rng, 8) ?
			  rnd_below(&w->rng, top < 4 ? top : 4) :
			  rnd_below(&w->rng, top);
	b.gfp = pick_gfp(&w->rng);
	switch (rnd_below(&w->rng, 8)) {
	case 0:
	case 1:
	case 2:
		b.api = MMT_API_ALLOC_PAGES;
		break;
	case 3:
	case 4:
		b.api = MMT_API_GET_FREE_PAGES;
		break;
	case 5:
		b.api = MMT_API_ALLOC_PAGE;
		b.order = 0;
		break;
	case 6:
		b.api = MMT_API_GET_FREE_PAGE;
		b.order = 0;
		break;
	default:
		/* get_zeroed_page(gfp) is __get_free_page(gfp | __GFP_ZERO). */
		b.api = MMT_API_GET_ZEROED_PAGE;
		b.gfp |= MMT_GFP_ZERO;
		b.order = 0;
		break;
	}
	/*
	 * The entry points' own rules, applied here so an adapter that
	 * ignores api still gets the kernel's meaning: __get_free_pages()
	 * drops __GFP_HIGHMEM (its result needs an address).
	 */
	if (b.api == MMT_API_GET_FREE_PAGES || b.api == MMT_API_GET_FREE_PAGE ||
	    b.api == MMT_API_GET_ZEROED_PAGE)
		b.gfp &= ~MMT_GFP_HIGHMEM;
	b.thread = w->id;
	b.seq = ++w->seq;
	rc = s->ad->pages.alloc(s->state, b.order, b.gfp, b.api, &addr);
	if (rc != 0 || !addr) {
		w->fails++;
		return;
	}
	w->allocs++;
	b.addr = addr;
	if (accept_block(w, &b) != 0)
		return;
	w->live[w->nlive++] = b;
}

/* Free a block this thread holds (its own or handed in). */
static void free_block(struct stress_worker *w, const struct stress_block *b)
{
	struct stress *s = w->s;
	uint64_t n = 1ULL << b->order, lost;
	uint32_t api;
	int rc;

	if (verify_cookies(w, b) != 0)
		return; /* leave it: the run is over */
	lost = owner_release(s, b->pfn, n);
	if (lost != UINT64_MAX)
		stress_violation(s, (int)w->id, w->ops, lost, "STRESS-OWNER",
				 "page %" PRIu64
				 " of a live order-%u block was not marked "
				 "owned at free",
				 lost, b->order);
	atomic_fetch_sub_explicit(&s->live_pages, (long)n,
				  memory_order_relaxed);
	/*
	 * Kernel rules: a struct page from alloc_pages goes back through
	 * __free_pages (a highmem page has no address to free by); an address
	 * from __get_free_pages may use either.
	 */
	if (b->api == MMT_API_ALLOC_PAGES || b->api == MMT_API_ALLOC_PAGE)
		api = MMT_API_FREE_PAGES_PAGE;
	else if (b->order == 0 && rnd_below(&w->rng, 2))
		api = MMT_API_FREE_PAGE;
	else if (rnd_below(&w->rng, 4) == 0)
		api = MMT_API_FREE_PAGES_PAGE;
	else
		api = MMT_API_FREE_PAGES;
	rc = s->ad->pages.free(s->state, b->addr, b->order, api);
	w->frees++;
	if (rc != 0)
		stress_violation(s, (int)w->id, w->ops, b->pfn, "STRESS-FREE",
				 "the allocator refused to free the order-%u "
				 "block at pfn %" PRIu64 " (error %d)",
				 b->order, b->pfn, rc);
}

/* Give b to thread `to`; 0, or -1 when its inbox is full. */
static int hand_off(struct stress *s, unsigned int to,
		    const struct stress_block *b)
{
	struct stress_inbox *in = &s->inbox[to];
	int rc = -1;

	pthread_mutex_lock(&in->lock);
	if (in->n < STRESS_INBOX) {
		in->v[in->n++] = *b;
		rc = 0;
	}
	pthread_mutex_unlock(&in->lock);
	return rc;
}

/* Free up to max blocks others handed to w. */
static void drain_inbox(struct stress_worker *w, size_t max)
{
	struct stress_inbox *in = &w->s->inbox[w->id];
	struct stress_block batch[32];
	size_t n, i;

	while (max) {
		pthread_mutex_lock(&in->lock);
		n = in->n < 32 ? in->n : 32;
		if (n > max)
			n = max;
		in->n -= n;
		memcpy(batch, &in->v[in->n], n * sizeof(batch[0]));
		pthread_mutex_unlock(&in->lock);
		if (!n)
			break;
		for (i = 0; i < n; i++)
			free_block(w, &batch[i]);
		max -= n;
	}
}

static void do_free(struct stress_worker *w)
{
	struct stress *s = w->s;
	size_t i = rnd_below(&w->rng, (uint32_t)w->nlive);
	struct stress_block b = w->live[i];

	w->live[i] = w->live[--w->nlive];
	if (s->nr_threads > 1 && rnd_below(&w->rng, 4) == 0) {
		unsigned int to =
			(w->id + 1 + rnd_below(&w->rng, s->nr_threads - 1)) %
			s->nr_threads;

		if (hand_off(s, to, &b) == 0) {
			w->handed++;
			return;
		}
	}
	free_block(w, &b);
}

static void *worker_main(void *arg)
{
	struct stress_worker *w = arg;
	struct stress *s = w->s;
	size_t i;

	if (s->ad->cpu_enter)
		s->ad->cpu_enter(s->state, w->id);
	for (;;) {
		if (atomic_load_explicit(&s->park, memory_order_acquire)) {
			pthread_barrier_wait(&s->park_in);
			pthread_barrier_wait(&s->park_out);
			if (atomic_load(&s->stop))
				break;
			continue;
		}
		if ((w->ops & 15) == 0)
			drain_inbox(w, 16);
		if (w->nlive == 0 ||
		    (w->nlive < STRESS_TABLE && rnd_below(&w->rng, 100) < 52))
			do_alloc(w);
		else
			do_free(w);
		w->ops++;
	}
	/* Teardown: no more hand-offs, so the inbox only shrinks now. */
	for (i = w->nlive; i > 0; i--)
		free_block(w, &w->live[i - 1]);
	w->nlive = 0;
	drain_inbox(w, SIZE_MAX);
	return NULL;
}

/* ------------------------------------------------------ main thread */

struct check_ctx {
	struct stress *s;
	uint64_t ops;
};

static void on_finding(void *ctx, const char *id, const char *message)
{
	struct check_ctx *c = ctx;

	stress_violation(c->s, -1, c->ops, UINT64_MAX, id ? id : "CHECK", "%s",
			 message ? message : "(no message)");
}

static void run_check(struct stress *s, uint64_t ops)
{
	struct check_ctx c = { s, ops };

	if (!s->ad->check)
		return;
	s->ad->check(s->state, STRESS_CHECK_LEVEL, on_finding, &c);
	s->checks++;
}

static uint64_t total_ops(const struct stress *s)
{
	uint64_t t = 0;
	unsigned int i;

	for (i = 0; i < s->nr_threads; i++)
		t += s->workers[i].ops;
	return t;
}

/* Print the violations not printed yet and the zone state. */
static void print_report(struct stress *s)
{
	char *buf;
	unsigned long i;
	const size_t len = 16384;

	if (s->nr_reported >= s->nr_violations)
		return;
	fprintf(stderr,
		"stress: %lu violation(s); reproduce: mmtorture stress "
		"--allocator %s --threads %u --seed %" PRIu64 "\n",
		s->nr_violations - s->nr_reported, s->spec, s->nr_threads,
		s->seed);
	for (i = s->nr_reported; i < s->nr_violations && i < STRESS_KEPT; i++) {
		const struct stress_violation *v = &s->kept[i];

		if (v->thread < 0)
			fprintf(stderr,
				"  self-check after %" PRIu64 " ops: ", v->op);
		else
			fprintf(stderr, "  thread %d op %" PRIu64 ": ",
				v->thread, v->op);
		fprintf(stderr, "%s", v->id);
		if (v->pfn != UINT64_MAX)
			fprintf(stderr, " pfn %" PRIu64 " (0x%" PRIx64 ")",
				v->pfn, v->pfn);
		fprintf(stderr, ": %s\n", v->message);
	}
	if (s->ad->dump && (buf = malloc(len)) != NULL) {
		buf[0] = '\0';
		s->ad->dump(s->state, "buddyinfo", buf, len);
		buf[len - 1] = '\0';
		if (buf[0])
			fprintf(stderr, "buddyinfo:\n%s%s", buf,
				buf[strlen(buf) - 1] == '\n' ? "" : "\n");
		free(buf);
	}
	if (s->nr_violations > STRESS_KEPT)
		fprintf(stderr, "  (%lu more not kept)\n",
			s->nr_violations - STRESS_KEPT);
	s->nr_reported = s->nr_violations;
}

/* Park every worker, check, print progress; they resume on return. */
static void park_and_check(struct stress *s, double t, uint64_t *last_ops,
			   double *last_t, int quiet)
{
	uint64_t ops;
	double dt;

	atomic_store_explicit(&s->park, 1, memory_order_release);
	pthread_barrier_wait(&s->park_in);
	ops = total_ops(s);
	run_check(s, ops);
	dt = t - *last_t;
	if (!quiet)
		printf("t=%.0fs ops/s=%.0f live_pages=%ld checks=%lu\n", t,
		       dt > 0 ? (double)(ops - *last_ops) / dt : 0.0,
		       atomic_load(&s->live_pages), s->checks);
	fflush(stdout);
	*last_ops = ops;
	*last_t = t;
	atomic_store_explicit(&s->park, 0, memory_order_release);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mmtorture stress [--allocator SPEC] [--threads N] "
		"[--seconds S]\n"
		"                        [--seed X] [--machine SPEC] "
		"[--scenario pages-mix]\n"
		"  --allocator SPEC  adapter (default $MMT_ALLOCATOR or "
		"ref-pages)\n"
		"  --threads N       1..%u worker threads, one simulated CPU "
		"each (2)\n"
		"  --seconds S       run time (10)\n"
		"  --seed X          PRNG seed; thread i uses X + i (1)\n"
		"  --machine SPEC    a text-format machine line without "
		"'machine',\n"
		"                    e.g. \"profile=x86_64 bank=64M@0 "
		"bank=64M@4G\" (default)\n"
		"  --scenario NAME   pages-mix (default)\n",
		STRESS_MAX_THREADS);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

struct stress_args {
	const char *allocator;
	const char *machine;
	const char *scenario;
	uint64_t threads, seed;
	double seconds;
};

/* Returns -1 to go on, else an exit code. */
static int parse_args(int argc, char **argv, struct stress_args *a)
{
	int i;

	a->allocator = getenv("MMT_ALLOCATOR");
	if (!a->allocator || !*a->allocator)
		a->allocator = "ref-pages";
	a->machine = NULL;
	a->scenario = "pages-mix";
	a->threads = 2;
	a->seed = 1;
	a->seconds = 10;
	for (i = 1; i < argc; i++) {
		const char *opt = argv[i],
			   *val = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;

		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			usage(stdout);
			return MMT_EXIT_OK;
		}
		if (strncmp(opt, "--", 2) != 0) {
			fprintf(stderr, "stress: unexpected argument '%s'\n",
				opt);
			usage(stderr);
			return MMT_EXIT_USAGE;
		}
		if (strcmp(opt, "--allocator") && strcmp(opt, "--machine") &&
		    strcmp(opt, "--scenario") && strcmp(opt, "--threads") &&
		    strcmp(opt, "--seed") && strcmp(opt, "--seconds")) {
			fprintf(stderr, "stress: unknown option '%s'\n", opt);
			usage(stderr);
			return MMT_EXIT_USAGE;
		}
		if (!val) {
			fprintf(stderr, "stress: %s needs a value\n", opt);
			return MMT_EXIT_USAGE;
		}
		i++;
		if (!strcmp(opt, "--allocator")) {
			a->allocator = val;
		} else if (!strcmp(opt, "--machine")) {
			a->machine = val;
		} else if (!strcmp(opt, "--scenario")) {
			a->scenario = val;
		} else if (!strcmp(opt, "--threads")) {
			if (parse_u64(val, &a->threads) || a->threads == 0 ||
			    a->threads > STRESS_MAX_THREADS) {
				fprintf(stderr,
					"stress: --threads '%s': want 1..%u\n",
					val, STRESS_MAX_THREADS);
				return MMT_EXIT_USAGE;
			}
		} else if (!strcmp(opt, "--seed")) {
			if (parse_u64(val, &a->seed)) {
				fprintf(stderr,
					"stress: --seed '%s': not a number\n",
					val);
				return MMT_EXIT_USAGE;
			}
		} else if (!strcmp(opt, "--seconds")) {
			errno = 0;
			a->seconds = strtod(val, &end);
			if (errno || *end || end == val ||
			    !(a->seconds > 0 && a->seconds <= 1e7)) {
				fprintf(stderr,
					"stress: --seconds '%s': want a "
					"positive number\n",
					val);
				return MMT_EXIT_USAGE;
			}
		} else {
			fprintf(stderr, "stress: unknown option '%s'\n", opt);
			usage(stderr);
			return MMT_EXIT_USAGE;
		}
	}
	if (strcmp(a->scenario, "pages-mix") != 0) {
		fprintf(stderr,
			"stress: --scenario '%s': unknown (known: pages-mix)\n",
			a->scenario);
		return MMT_EXIT_USAGE;
	}
	return -1;
}

static void default_machine(struct mmt_machine *m)
{
	mmt_machine_default(m);
	m->nr_banks = 2;
	m->banks[0].start_pfn = 0;
	m->banks[0].nr_pages = ((uint64_t)STRESS_BANK_MIB << 20) >>
			       m->page_shift;
	m->banks[1].start_pfn = (4ULL << 30) >> m->page_shift;
	m->banks[1].nr_pages = m->banks[0].nr_pages;
}

/* Run the threads; returns the elapsed seconds. */
static double run_workers(struct stress *s, double seconds)
{
	double t0 = now_seconds(), t = 0, next = 1, last_t = 0;
	uint64_t last_ops = 0;
	unsigned int i;

	for (;;) {
		struct timespec nap = { 0, 20 * 1000 * 1000 };

		nanosleep(&nap, NULL);
		t = now_seconds() - t0;
		if (stress_interrupted || atomic_load(&s->failed) ||
		    t >= seconds)
			break;
		if (t >= next) {
			park_and_check(s, t, &last_ops, &last_t, 0);
			pthread_barrier_wait(&s->park_out);
			next += 1;
		}
	}
	/* The last park: check, then let the workers free and leave. */
	atomic_store(&s->stop, 1);
	park_and_check(s, t, &last_ops, &last_t, 1);
	/* Report while the machine is as the failure left it. */
	print_report(s);
	pthread_barrier_wait(&s->park_out);
	for (i = 0; i < s->nr_threads; i++)
		pthread_join(s->workers[i].tid, NULL);
	return t;
}

static int stress_run(const struct stress_args *args)
{
	struct stress *s;
	struct mmt_adapter_env env;
	struct mmt_machine machine;
	const struct mmt_adapter *ad = NULL;
	const char *options = "";
	struct sigaction sa, old_sa;
	void *map = NULL;
	size_t map_len = 0;
	char err[512];
	double elapsed;
	unsigned int i, created = 0;
	uint64_t ops;
	int rc;

	err[0] = '\0';
	rc = mmt_adapter_select(args->allocator, &ad, &options, err,
				sizeof(err));
	if (rc != 0 || !ad) {
		fprintf(stderr, "stress: --allocator '%s': %s\n",
			args->allocator, err[0] ? err : "not available");
		return rc ? rc : MMT_EXIT_USAGE;
	}
	if (mmt_adapter_validate(ad, err, sizeof(err)) != 0) {
		fprintf(stderr, "stress: %s\n", err);
		return MMT_EXIT_USAGE;
	}
	if (!(ad->caps & MMT_CAP_PAGES)) {
		fprintf(stderr,
			"stress: allocator '%s' has no PAGES capability; "
			"scenario pages-mix needs it\n",
			ad->name);
		return MMT_EXIT_USAGE;
	}
	if (args->threads > 1 && !(ad->caps & MMT_CAP_THREAD_SAFE)) {
		fprintf(stderr,
			"stress: allocator '%s' is not THREAD_SAFE; run it "
			"with --threads 1\n",
			ad->name);
		return MMT_EXIT_USAGE;
	}
	if (args->machine) {
		if (parse_machine(args->machine, &machine) != 0)
			return MMT_EXIT_USAGE;
	} else {
		default_machine(&machine);
	}
	if (machine.nr_cpus < args->threads)
		machine.nr_cpus = (uint32_t)args->threads;

	s = calloc(1, sizeof(*s));
	if (!s) {
		fprintf(stderr, "stress: out of memory\n");
		return MMT_EXIT_ENV;
	}
	s->ad = ad;
	s->spec = args->allocator;
	s->seed = args->seed;
	s->nr_threads = (unsigned int)args->threads;
	pthread_mutex_init(&s->vlock, NULL);

	memset(&env, 0, sizeof(env));
	env.abi_version = MMT_ADAPTER_ABI_VERSION;
	env.struct_size = (uint32_t)sizeof(env);
	env.options = options ? options : "";
	env.machine = machine;
	env.nr_threads = s->nr_threads;
	if (!(ad->caps & MMT_CAP_OWN_ARENA)) {
		rc = build_arena(&machine, &env.arena, &map, &map_len, err,
				 sizeof(err));
		if (rc != 0) {
			fprintf(stderr, "stress: %s\n", err);
			rc = rc == -1 ? MMT_EXIT_USAGE : MMT_EXIT_ENV;
			goto out_free;
		}
	}
	err[0] = '\0';
	rc = ad->create(&env, &s->state, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr,
			"stress: allocator '%s' refused the machine: %s\n",
			ad->name, err[0] ? err : strerror(-rc));
		rc = rc == -EINVAL ? MMT_EXIT_USAGE : MMT_EXIT_ENV;
		goto out_unmap;
	}
	if (ad->caps & MMT_CAP_OWN_ARENA)
		rc = ad->pages.arena(s->state, &s->arena);
	else
		s->arena = env.arena;
	if (rc != 0 || !s->arena.base || !s->arena.page_size ||
	    !s->arena.nr_pfns) {
		fprintf(stderr, "stress: allocator '%s' gave no usable arena\n",
			ad->name);
		rc = MMT_EXIT_ENV;
		goto out_destroy;
	}
	for (i = 0; i < s->arena.nr_zones && i < MMT_NR_ZONE_TYPES; i++) {
		if (!s->arena.zones[i].present)
			continue;
		s->has_dma32 |= s->arena.zones[i].type == MMT_ZONE_DMA32;
		s->has_highmem |= s->arena.zones[i].type == MMT_ZONE_HIGHMEM;
	}

	s->owner_words = (size_t)((s->arena.nr_pfns + 63) / 64);
	s->owner = calloc(s->owner_words, sizeof(*s->owner));
	s->inbox = calloc(s->nr_threads, sizeof(*s->inbox));
	s->workers = calloc(s->nr_threads, sizeof(*s->workers));
	if (!s->owner || !s->inbox || !s->workers) {
		fprintf(stderr, "stress: out of memory\n");
		rc = MMT_EXIT_ENV;
		goto out_destroy;
	}
	for (i = 0; i < s->nr_threads; i++)
		pthread_mutex_init(&s->inbox[i].lock, NULL);
	pthread_barrier_init(&s->park_in, NULL, s->nr_threads + 1);
	pthread_barrier_init(&s->park_out, NULL, s->nr_threads + 1);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stress_on_sigint;
	sigemptyset(&sa.sa_mask);
	stress_interrupted = 0;
	sigaction(SIGINT, &sa, &old_sa);

	printf("stress: allocator=%s threads=%u seconds=%g seed=%" PRIu64
	       " arena=%" PRIu64 " pages of %" PRIu64 " bytes, %u orders\n",
	       ad->name, s->nr_threads, args->seconds, s->seed,
	       s->arena.nr_pfns, s->arena.page_size, s->arena.nr_orders);
	fflush(stdout);
	for (i = 0; i < s->nr_threads; i++) {
		struct stress_worker *w = &s->workers[i];

		w->s = s;
		w->id = i;
		w->rng = s->seed + i;
		if (pthread_create(&w->tid, NULL, worker_main, w) != 0)
			break;
		created++;
	}
	if (created < s->nr_threads) {
		/* Cannot run short-handed: the barriers count every thread. */
		fprintf(stderr, "stress: pthread_create failed after %u\n",
			created);
		_exit(MMT_EXIT_ENV);
	}
	elapsed = run_workers(s, args->seconds);
	run_check(s, total_ops(s)); /* the idle machine, all freed */
	print_report(s);
	sigaction(SIGINT, &old_sa, NULL);

	ops = total_ops(s);
	if (stress_interrupted)
		printf("stress: interrupted\n");
	printf("stress: allocator=%s threads=%u seconds=%.0f ops=%" PRIu64
	       " ops/s=%.0f checks=%lu violations=%lu\n",
	       ad->name, s->nr_threads, elapsed, ops,
	       elapsed > 0 ? (double)ops / elapsed : 0.0, s->checks,
	       s->nr_violations);
	fflush(stdout);
	rc = s->nr_violations ? MMT_EXIT_BUG : MMT_EXIT_OK;
	pthread_barrier_destroy(&s->park_in);
	pthread_barrier_destroy(&s->park_out);
	for (i = 0; i < s->nr_threads; i++)
		pthread_mutex_destroy(&s->inbox[i].lock);
out_destroy:
	ad->destroy(s->state);
out_unmap:
	if (map)
		munmap(map, map_len);
out_free:
	free(s->owner);
	free(s->inbox);
	free(s->workers);
	pthread_mutex_destroy(&s->vlock);
	free(s);
	return rc;
}

int mmt_stress_main(int argc, char **argv)
{
	struct stress_args args;
	int rc = parse_args(argc, argv, &args);

	if (rc >= 0)
		return rc;
	return stress_run(&args);
}
