/* SPDX-License-Identifier: MIT */
/*
 * ref_pages.c - the reference page allocator (ref/) as the adapter
 * "ref-pages". The only file that sees both the adapter ABI and ref/.
 *
 * create: a struct ref_config from env->machine (profile, era, page size,
 * orders, CPUs, banks and reserved ranges, pfns turned into bytes), then
 * the options string (ref_config_parse() syntax, e.g. mem=) on top:
 * mmt_ref_pages_config(), which dump and bench use too; ref_mm_create()
 * failing with -1 (bad config) gives -EINVAL, -2 (memfd/mmap) -ENOMEM,
 * with ref's message either way.
 *
 * arena: the harness window (ref_phys_window(): every pfn, highmem too,
 * at phys + pfn * page_size), the banks as present ranges, the profile's
 * zone types (mmt_profile_zone_types) with the spans ref gave them, and as reserved the configured ranges (rounded
 * outward to pages) when they account for every page ref kept from the
 * buddy (present - managed, O(1)); otherwise the runs of PG_reserved pages
 * read from mem_map (more than MMT_MAX_RANGES runs: the configured ones).
 *
 * Addresses: the harness speaks window addresses. alloc_pages returns a
 * page, turned into pfn and window address; get_free_pages returns a
 * direct-map address, turned into its page the same way. Frees go back
 * through the page: by address via page_address() (free_pages,
 * free_page), by page via __free_pages.
 *
 * Reuse: building a machine costs a memfd, two mappings and a page fault
 * per page first touched (about 17 us each on a VM), far more than a
 * fuzz input's ops. destroy therefore parks an idle machine of at most
 * REUSE_MAX_BYTES of RAM in a small process-wide cache (REUSE_SLOTS
 * entries, one mutex), and create takes a parked machine: one of an
 * identical config is ref_mm_reset(), another is ref_mm_recreate()d with
 * the new config. Either way it is the boot-time state again (mem_map
 * cleared, free lists rebuilt from memblock) with RAM pages and mem_map
 * already resident. RAM is kept as it was; since ref/ writes RAM only to
 * zero it and the executor clears the fill cookies it wrote before the
 * machine is parked, the next input observes the RAM a new machine would
 * give it, whatever ran before it. Parked machines are destroyed at exit.
 * MMT_REUSE=0 (or MMT_REF_REUSE=0) turns reuse off.
 *
 * Trace: mm_page_alloc and mm_page_free are MMT_EV_PAGE_ALLOC/FREE,
 * mm_pageblock_type and mm_zone_boost MMT_EV_PAGEBLOCK_TYPE/ZONE_BOOST;
 * the rest (upool_create, upool_destroy, warn_alloc) go as MMT_EV_OTHER
 * under their names, with ref_trace_format()'s text when MMT_TRACE_TEXT
 * is asked (for warn_alloc, the kernel's failure warning, a few lines).
 *
 * Shrinkers: each mmt_shrinker registered is copied into a ref_shrinker
 * whose callbacks call the harness's (ref/shrinker.h: the mask rule, the
 * scan formula); ref's PF_KSWAPD pass is the ABI's MMT_SHRINK_KSWAPD.
 * kswapd: when the env says more than one thread will call in (stress),
 * create starts ref's kswapd thread (ref_kswapd_run); otherwise its
 * passes run inline after the allocation that woke it, so a single-
 * threaded run stays deterministic. destroy stops the thread and
 * unregisters what the caller left registered before the machine is
 * parked.
 *
 * Locks: none of its own but the cache mutex and the shrinker list's;
 * ref/ locks per zone, so THREAD_SAFE holds. The trace subscriber is set
 * before threads start and read only by ref.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/adapter.h>
#include <mmtorture/crash.h>
#include <mmtorture/exec.h>

#include "mmt_lib.h"
#include "ref_pages.h"

#include <ref/check.h>
#include <ref/context.h>
#include <ref/gfp.h>
#include <ref/mm.h>
#include <ref/shrinker.h>
#include <ref/types.h>

/*
 * The ABI's numbers are ref's: GFP bits and masks, zone types, profiles
 * and eras pass between the two unconverted (or converted by a rule that
 * assumes equal values), so a change on either side must fail the build.
 */
#define SAME(a, b) _Static_assert((a) == (b), #a " differs from " #b)
SAME(MMT_GFP_DMA, REF_GFP_DMA);
SAME(MMT_GFP_HIGHMEM, REF_GFP_HIGHMEM);
SAME(MMT_GFP_DMA32, REF_GFP_DMA32);
SAME(MMT_GFP_MOVABLE, REF_GFP_MOVABLE);
SAME(MMT_GFP_RECLAIMABLE, REF_GFP_RECLAIMABLE);
SAME(MMT_GFP_HIGH, REF_GFP_HIGH);
SAME(MMT_GFP_IO, REF_GFP_IO);
SAME(MMT_GFP_FS, REF_GFP_FS);
SAME(MMT_GFP_ZERO, REF_GFP_ZERO);
SAME(MMT_GFP_DIRECT_RECLAIM, REF_GFP_DIRECT_RECLAIM);
SAME(MMT_GFP_KSWAPD_RECLAIM, REF_GFP_KSWAPD_RECLAIM);
SAME(MMT_GFP_WRITE, REF_GFP_WRITE);
SAME(MMT_GFP_NOWARN, REF_GFP_NOWARN);
SAME(MMT_GFP_RETRY_MAYFAIL, REF_GFP_RETRY_MAYFAIL);
SAME(MMT_GFP_NOFAIL, REF_GFP_NOFAIL);
SAME(MMT_GFP_NORETRY, REF_GFP_NORETRY);
SAME(MMT_GFP_MEMALLOC, REF_GFP_MEMALLOC);
SAME(MMT_GFP_COMP, REF_GFP_COMP);
SAME(MMT_GFP_NOMEMALLOC, REF_GFP_NOMEMALLOC);
SAME(MMT_GFP_HARDWALL, REF_GFP_HARDWALL);
SAME(MMT_GFP_THISNODE, REF_GFP_THISNODE);
SAME(MMT_GFP_ACCOUNT, REF_GFP_ACCOUNT);
SAME(MMT_GFP_ZEROTAGS, REF_GFP_ZEROTAGS);
SAME(MMT_GFP_REPEAT, REF_GFP_REPEAT);
SAME(MMT_GFP_COLD, REF_GFP_COLD);
SAME(MMT_GFP_VALID_MASK, REF_GFP_VALID_MASK);
SAME(MMT_GFP_ZONEMASK, REF_GFP_ZONEMASK);
SAME(MMT_GFP_RECLAIM, REF_GFP_RECLAIM);
SAME(MMT_GFP_KERNEL, REF_GFP_KERNEL);
SAME(MMT_GFP_ATOMIC, REF_GFP_ATOMIC);
SAME(MMT_ZONE_DMA, REF_ZONE_DMA);
SAME(MMT_ZONE_DMA32, REF_ZONE_DMA32);
SAME(MMT_ZONE_NORMAL, REF_ZONE_NORMAL);
SAME(MMT_ZONE_HIGHMEM, REF_ZONE_HIGHMEM);
SAME(MMT_NR_ZONE_TYPES, REF_NR_ZONE_TYPES);
SAME(MMT_PROFILE_X86_64, REF_PROFILE_X86_64);
SAME(MMT_PROFILE_X86_32, REF_PROFILE_X86_32);
SAME(MMT_ERA_6_12, REF_ERA_6_12);
SAME(MMT_ERA_2_6, REF_ERA_2_6);
SAME(MMT_SHRINKER_NEEDS_FS, REF_SHRINKER_NEEDS_FS);
SAME(MMT_SHRINKER_NEEDS_IO, REF_SHRINKER_NEEDS_IO);
#undef SAME

/* ------------------------------------------------------------ reuse */

#define REUSE_SLOTS 2
#define REUSE_MAX_BYTES (1ULL << 30) /* present RAM of a parked machine */

struct parked {
	struct ref_mm *mm;
	struct ref_config config;
};

static pthread_mutex_t reuse_lock = PTHREAD_MUTEX_INITIALIZER;
static struct parked reuse_cache[REUSE_SLOTS];
static int reuse_state = -1; /* -1 unknown, 0 off, 1 on */

/* One destroyed adapter state kept with the machines: a fresh one per
 * input is ~5 KB of new memory (the check report), which the sanitizers'
 * quarantine makes page faults. Guarded by reuse_lock. */
static struct ref_pages *spare_rp;

static void reuse_drain(void)
{
	pthread_mutex_lock(&reuse_lock);
	for (int i = 0; i < REUSE_SLOTS; i++) {
		ref_mm_destroy(reuse_cache[i].mm);
		reuse_cache[i].mm = NULL;
	}
	free(spare_rp);
	spare_rp = NULL;
	pthread_mutex_unlock(&reuse_lock);
}

/* Caller holds reuse_lock. */
static int reuse_on_locked(void)
{
	if (reuse_state < 0) {
		reuse_state = mmt_reuse_enabled();
		if (reuse_state)
			atexit(reuse_drain);
	}
	return reuse_state;
}

/* Present RAM of a config: what a parked machine may hold resident. */
static uint64_t config_bytes(const struct ref_config *c)
{
	uint64_t sum = 0;

	if (!c->nr_banks)
		return c->ram;
	for (unsigned int i = 0; i < c->nr_banks && i < REF_MAX_BANKS; i++)
		sum += c->banks[i].size;
	return sum;
}

/*
 * A parked machine booted as config c (already validated by the caller's
 * ref_config_validate()); NULL if none is parked or rebooting it failed.
 */
static struct ref_mm *reuse_take(const struct ref_config *c)
{
	struct ref_mm *mm = NULL;
	int same = 0, pick = -1;
	char err[256];

	pthread_mutex_lock(&reuse_lock);
	if (reuse_on_locked()) {
		for (int i = REUSE_SLOTS - 1; i >= 0; i--) {
			if (!reuse_cache[i].mm)
				continue;
			if (!memcmp(&reuse_cache[i].config, c, sizeof(*c))) {
				pick = i;
				same = 1;
				break;
			}
			if (pick < 0)
				pick = i; /* the most recently parked */
		}
		if (pick >= 0) {
			mm = reuse_cache[pick].mm;
			reuse_cache[pick].mm = NULL;
		}
	}
	pthread_mutex_unlock(&reuse_lock);
	if (mm && (same ? ref_mm_reset(mm) :
			  ref_mm_recreate(mm, c, err, sizeof(err))) != 0) {
		ref_mm_destroy(mm);
		mm = NULL;
	}
	return mm;
}

/* A zeroed adapter state: the spare one, or a new one. */
static struct ref_pages *rp_state_alloc(void)
{
	struct ref_pages *rp;

	pthread_mutex_lock(&reuse_lock);
	rp = spare_rp;
	spare_rp = NULL;
	pthread_mutex_unlock(&reuse_lock);
	if (!rp)
		return calloc(1, sizeof(*rp));
	memset(rp, 0, sizeof(*rp));
	return rp;
}

/* Keep rp as the spare (when reuse is on and none is kept) or free it. */
static void rp_state_free(struct ref_pages *rp)
{
	pthread_mutex_lock(&reuse_lock);
	if (reuse_on_locked() && !spare_rp) {
		spare_rp = rp;
		rp = NULL;
	}
	pthread_mutex_unlock(&reuse_lock);
	free(rp);
}

/* Park mm (built from c) or destroy it. */
static void reuse_put(struct ref_mm *mm, const struct ref_config *c)
{
	pthread_mutex_lock(&reuse_lock);
	if (reuse_on_locked() && config_bytes(c) <= REUSE_MAX_BYTES) {
		int victim = 0;

		for (int i = 0; i < REUSE_SLOTS; i++) {
			if (!reuse_cache[i].mm) {
				victim = i;
				break;
			}
			victim = REUSE_SLOTS - 1;
		}
		/* The oldest entry goes: slots shift down, the new one on top. */
		if (reuse_cache[victim].mm) {
			ref_mm_destroy(reuse_cache[0].mm);
			memmove(&reuse_cache[0], &reuse_cache[1],
				sizeof(reuse_cache[0]) * (REUSE_SLOTS - 1));
		}
		reuse_cache[victim].mm = mm;
		reuse_cache[victim].config = *c;
		mm = NULL;
	}
	pthread_mutex_unlock(&reuse_lock);
	ref_mm_destroy(mm);
}

/* ------------------------------------------------------------ adapter */

int mmt_ref_pages_config(const struct mmt_machine *m, const char *options,
			 struct ref_config *c, char *err, size_t errlen)
{
	ref_config_init(c);
	c->profile = m->profile == MMT_PROFILE_X86_32 ? REF_PROFILE_X86_32 :
							REF_PROFILE_X86_64;
	c->era = m->era == MMT_ERA_2_6 ? REF_ERA_2_6 : REF_ERA_6_12;
	c->page_shift = m->page_shift;
	c->nr_orders = m->nr_orders;
	c->nr_cpus = m->nr_cpus;
	c->nr_banks = 0;
	for (uint32_t i = 0; i < m->nr_banks && i < REF_MAX_BANKS; i++) {
		c->banks[i].start = m->banks[i].start_pfn << m->page_shift;
		c->banks[i].size = m->banks[i].nr_pages << m->page_shift;
		c->nr_banks++;
	}
	c->nr_reserved = 0;
	for (uint32_t i = 0; i < m->nr_reserved && i < REF_MAX_RESERVED; i++) {
		c->reserved[i].start = m->reserved[i].start_pfn
				       << m->page_shift;
		c->reserved[i].size = m->reserved[i].nr_pages << m->page_shift;
		c->nr_reserved++;
	}
	c->mem_limit = m->mem_limit;
	c->min_free_kbytes = (unsigned long)m->min_free_kbytes;
	c->watermark_scale_factor = m->watermark_scale_factor;
	c->fail.probability = m->fail_probability;
	c->fail.interval = m->fail_interval;
	c->fail.times = m->fail_times ? (int)m->fail_times : -1;
	c->fail.space = (int)(m->fail_space <= INT32_MAX ? m->fail_space : 0);
	c->fail.min_order = m->fail_min_order;
	c->fail.ignore_wait = !!(m->fail_flags & MMT_FAIL_IGNORE_WAIT);
	c->fail.ignore_highmem = !!(m->fail_flags & MMT_FAIL_IGNORE_HIGHMEM);
	c->fail.nth = m->fail_nth;
	c->fail.seed = m->fail_seed;
	if (options && options[0] && ref_config_parse(c, options, err, errlen))
		return -1;
	return ref_config_validate(c, err, errlen) ? -1 : 0;
}

/*
 * A failed ref assertion (ref_set_assert_handler, ref/mm.h) is the finding
 * REF-ASSERT of the op that was running: "EXPR at ref/FILE.c:LINE" (the
 * path from its last "ref/" on, so a report reads the same in any tree).
 */
static void rp_assert_failed(void *ctx, const char *file, int line,
			     const char *expr)
{
	const char *rel = file, *s;
	char msg[240];

	(void)ctx;
	for (s = file; (s = strstr(s, "ref/")); s++)
		rel = s;
	snprintf(msg, sizeof(msg), "%s at %s:%d", expr, rel, line);
	mmt_crash_finding("REF-ASSERT", "ref", msg);
}

static int rp_create(const struct mmt_adapter_env *env, void **state, char *err,
		     size_t errlen)
{
	struct ref_config c;
	struct ref_pages *rp;
	int ret;

	ref_set_assert_handler(rp_assert_failed, NULL);
	if (mmt_ref_pages_config(&env->machine, env->options, &c, err, errlen))
		return -EINVAL;
	rp = rp_state_alloc();
	if (!rp) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rp->config = c;
	pthread_mutex_init(&rp->report_lock, NULL);
	pthread_mutex_init(&rp->shrinker_lock, NULL);
	for (unsigned int l = 0; l < MMT_CTX_NR_LOCKS; l++)
		ref_spin_lock_init(&rp->locks[l]);
	rp->mm = reuse_take(&c);
	if (!rp->mm) {
		ret = ref_mm_create(&c, &rp->mm, err, errlen);
		if (ret != 0) {
			pthread_mutex_destroy(&rp->report_lock);
			pthread_mutex_destroy(&rp->shrinker_lock);
			rp_state_free(rp);
			return ret == -2 ? -ENOMEM : -EINVAL;
		}
	}
	/* several threads: kswapd is a thread of its own, as in the kernel */
	if (env->nr_threads > 1)
		rp->kswapd_thread = ref_kswapd_run(rp->mm) == 0;
	*state = rp;
	return 0;
}

/* ------------------------------------------------------------ shrinkers */

struct rp_shrinker {
	struct ref_shrinker rs;
	struct mmt_shrinker ms;
	char name[32];
	struct rp_shrinker *next; /* on rp->shrinkers */
};

static void rp_shrink_control(const struct ref_shrink_control *sc,
			      struct mmt_shrink_control *c)
{
	c->gfp = sc->gfp_mask;
	c->flags = sc->kswapd ? MMT_SHRINK_KSWAPD : 0;
	c->nr_to_scan = sc->nr_to_scan;
	c->nr_scanned = sc->nr_scanned;
}

static unsigned long rp_count(struct ref_shrinker *rs,
			      struct ref_shrink_control *sc)
{
	struct rp_shrinker *p = rs->private_data;
	struct mmt_shrink_control c;
	uint64_t n;

	rp_shrink_control(sc, &c);
	n = p->ms.count(p->ms.ctx, &c);
	if (n == MMT_SHRINK_EMPTY)
		return REF_SHRINK_EMPTY;
	return n >= REF_SHRINK_EMPTY ? REF_SHRINK_EMPTY - 1 : (unsigned long)n;
}

static unsigned long rp_scan(struct ref_shrinker *rs,
			     struct ref_shrink_control *sc)
{
	struct rp_shrinker *p = rs->private_data;
	struct mmt_shrink_control c;
	uint64_t n;

	rp_shrink_control(sc, &c);
	n = p->ms.scan(p->ms.ctx, &c);
	sc->nr_scanned = c.nr_scanned < sc->nr_to_scan ?
				 (unsigned long)c.nr_scanned :
				 sc->nr_to_scan;
	if (n == MMT_SHRINK_STOP)
		return REF_SHRINK_STOP;
	return n >= REF_SHRINK_EMPTY ? REF_SHRINK_EMPTY - 1 : (unsigned long)n;
}

static int rp_shrinker_register(void *state, const struct mmt_shrinker *shr,
				void **handle)
{
	struct ref_pages *rp = state;
	struct rp_shrinker *p;

	*handle = NULL;
	if (!shr || !shr->count || !shr->scan ||
	    (shr->needs & ~(MMT_SHRINKER_NEEDS_FS | MMT_SHRINKER_NEEDS_IO)) ||
	    shr->seeks > INT_MAX || shr->batch > LONG_MAX)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->ms = *shr;
	snprintf(p->name, sizeof(p->name), "%s",
		 shr->name ? shr->name : "shrinker");
	p->ms.name = p->name;
	p->rs.count_objects = rp_count;
	p->rs.scan_objects = rp_scan;
	p->rs.seeks = (int)shr->seeks;
	p->rs.batch = (long)shr->batch;
	p->rs.flags = shr->needs;
	p->rs.name = p->name;
	p->rs.private_data = p;
	if (ref_register_shrinker(rp->mm, &p->rs)) {
		free(p);
		return -EINVAL;
	}
	pthread_mutex_lock(&rp->shrinker_lock);
	p->next = rp->shrinkers;
	rp->shrinkers = p;
	pthread_mutex_unlock(&rp->shrinker_lock);
	*handle = p;
	return 0;
}

static void rp_shrinker_unregister(void *state, void *handle)
{
	struct ref_pages *rp = state;
	struct rp_shrinker *p = handle, **pp;
	int found = 0;

	pthread_mutex_lock(&rp->shrinker_lock);
	for (pp = &rp->shrinkers; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			found = 1;
			break;
		}
	}
	pthread_mutex_unlock(&rp->shrinker_lock);
	if (!found)
		return; /* not one of this instance's */
	ref_unregister_shrinker(rp->mm, &p->rs);
	free(p);
}

static void rp_destroy(void *state)
{
	struct ref_pages *rp = state;

	if (!rp)
		return;
	ref_kswapd_stop(rp->mm);
	while (rp->shrinkers) {
		struct rp_shrinker *p = rp->shrinkers;

		rp->shrinkers = p->next;
		ref_unregister_shrinker(rp->mm, &p->rs);
		free(p);
	}
	ref_trace_subscribe(rp->mm, NULL, NULL);
	reuse_put(rp->mm, &rp->config);
	pthread_mutex_destroy(&rp->report_lock);
	pthread_mutex_destroy(&rp->shrinker_lock);
	rp_state_free(rp);
}

/* Runs of PG_reserved pages inside present RAM; -1 when too many. */
static int reserved_runs(struct ref_pages *rp, struct mmt_arena *a)
{
	struct ref_mm *mm = rp->mm;

	a->nr_reserved = 0;
	for (unsigned int b = 0; b < mm->nr_banks; b++) {
		unsigned long pfn = mm->bank_start[b];

		while (pfn < mm->bank_end[b]) {
			unsigned long s;

			if (!(mm->mem_map[pfn].flags &
			      (1UL << REF_PG_reserved))) {
				pfn++;
				continue;
			}
			s = pfn;
			while (pfn < mm->bank_end[b] &&
			       (mm->mem_map[pfn].flags &
				(1UL << REF_PG_reserved)))
				pfn++;
			if (a->nr_reserved == MMT_MAX_RANGES)
				return -1;
			a->reserved[a->nr_reserved].start_pfn = s;
			a->reserved[a->nr_reserved].nr_pages = pfn - s;
			a->nr_reserved++;
		}
	}
	return 0;
}

static int cmp_range(const void *x, const void *y)
{
	const struct mmt_pfn_range *p = x, *q = y;

	return p->start_pfn < q->start_pfn ? -1 : p->start_pfn > q->start_pfn;
}

/*
 * The configured reserved ranges in pfns (rounded outward, sorted,
 * merged) into a; returns the present pages they cover.
 */
static uint64_t config_reserved(struct ref_mm *mm, struct mmt_arena *a)
{
	unsigned int shift = mm->config.page_shift, n = 0;
	uint64_t ps = mm->page_size, pages = 0;
	struct mmt_pfn_range r[MMT_MAX_RANGES];

	for (unsigned int i = 0;
	     i < mm->config.nr_reserved && i < MMT_MAX_RANGES; i++) {
		const struct ref_mem_range *m = &mm->config.reserved[i];
		uint64_t s = m->start >> shift;
		uint64_t e = (m->start + m->size + ps - 1) >> shift;

		if (e > s) {
			r[n].start_pfn = s;
			r[n].nr_pages = e - s;
			n++;
		}
	}
	qsort(r, n, sizeof(r[0]), cmp_range);
	a->nr_reserved = 0;
	for (unsigned int i = 0; i < n; i++) {
		struct mmt_pfn_range *last =
			a->nr_reserved ? &a->reserved[a->nr_reserved - 1] :
					 NULL;
		uint64_t e = r[i].start_pfn + r[i].nr_pages;

		if (last &&
		    r[i].start_pfn <= last->start_pfn + last->nr_pages) {
			if (e > last->start_pfn + last->nr_pages)
				last->nr_pages = e - last->start_pfn;
			continue;
		}
		a->reserved[a->nr_reserved++] = r[i];
	}
	for (unsigned int i = 0; i < a->nr_reserved; i++) {
		uint64_t s = a->reserved[i].start_pfn;
		uint64_t e = s + a->reserved[i].nr_pages;

		for (unsigned int b = 0; b < mm->nr_banks; b++) {
			uint64_t lo = s > mm->bank_start[b] ? s :
							      mm->bank_start[b];
			uint64_t hi = e < mm->bank_end[b] ? e : mm->bank_end[b];

			if (lo < hi)
				pages += hi - lo;
		}
	}
	return pages;
}

static int rp_arena(void *state, struct mmt_arena *a)
{
	struct ref_pages *rp = state;
	struct ref_mm *mm = rp->mm;
	uint32_t types[MMT_NR_ZONE_TYPES];
	uint64_t kept = 0;

	memset(a, 0, sizeof(*a));
	a->base = ref_phys_window(mm);
	a->nr_pfns = mm->max_pfn;
	a->page_size = mm->page_size;
	a->nr_orders = mm->config.nr_orders;
	/* the profile's zone types from the harness's model, spans as ref
	 * built them */
	a->nr_zones = mmt_profile_zone_types(
		mm->config.profile == REF_PROFILE_X86_32 ? MMT_PROFILE_X86_32 :
							   MMT_PROFILE_X86_64,
		types);
	for (unsigned int i = 0; i < a->nr_zones; i++) {
		const struct ref_zone *z = &mm->zones[types[i]];

		kept += z->present_pages - z->managed_pages;
		a->zones[i].type = types[i];
		a->zones[i].present = z->populated ? 1 : 0;
		a->zones[i].start_pfn = z->zone_start_pfn;
		a->zones[i].end_pfn = z->zone_start_pfn + z->spanned_pages;
	}
	for (unsigned int b = 0; b < mm->nr_banks && b < MMT_MAX_RANGES; b++) {
		a->present[b].start_pfn = mm->bank_start[b];
		a->present[b].nr_pages = mm->bank_end[b] - mm->bank_start[b];
		a->nr_present++;
	}
	/*
	 * Cheap path: when the configured ranges account for every page
	 * ref keeps from the buddy (present - managed), they are the
	 * reserved set; otherwise read PG_reserved from mem_map.
	 */
	if (config_reserved(mm, a) != kept && reserved_runs(rp, a))
		(void)config_reserved(mm, a);
	return 0;
}

static void *window_addr(struct ref_pages *rp, const struct ref_page *page)
{
	unsigned long pfn = ref_page_to_pfn(rp->mm, page);

	return (unsigned char *)ref_phys_window(rp->mm) +
	       (size_t)pfn * rp->mm->page_size;
}

/* Window address -> page, or NULL outside the window. */
static struct ref_page *window_page(struct ref_pages *rp, void *addr)
{
	unsigned char *base = ref_phys_window(rp->mm);
	unsigned char *p = addr;
	size_t off;

	if (p < base)
		return NULL;
	off = (size_t)(p - base);
	if (off % rp->mm->page_size ||
	    off / rp->mm->page_size >= rp->mm->max_pfn)
		return NULL;
	return ref_pfn_to_page(rp->mm, off / rp->mm->page_size);
}

static int rp_alloc(void *state, unsigned int order, uint32_t gfp, uint32_t api,
		    void **addr)
{
	struct ref_pages *rp = state;
	struct ref_page *page = NULL;
	unsigned long va = 0;

	*addr = NULL;
	switch (api) {
	case MMT_API_ALLOC_PAGE:
		page = ref_alloc_page(rp->mm, gfp);
		break;
	case MMT_API_GET_FREE_PAGES:
		va = ref_get_free_pages(rp->mm, gfp, order);
		break;
	case MMT_API_GET_FREE_PAGE:
		va = ref_get_free_page(rp->mm, gfp);
		break;
	case MMT_API_GET_ZEROED_PAGE:
		va = ref_get_zeroed_page(rp->mm, gfp);
		break;
	default:
		page = ref_alloc_pages(rp->mm, gfp, order);
		break;
	}
	if (va) {
		page = ref_virt_to_page(rp->mm, (const void *)va);
		if (!page) {
			/* Not a direct-map address: hand it on as is. */
			*addr = (void *)va;
			return 0;
		}
	}
	if (page)
		*addr = window_addr(rp, page);
	return 0;
}

static int rp_free(void *state, void *addr, unsigned int order, uint32_t api)
{
	struct ref_pages *rp = state;
	struct ref_page *page = window_page(rp, addr);
	void *va;
	int ret;

	if (!page)
		return -EINVAL;
	va = ref_page_address(rp->mm, page);
	if (!va)
		api = MMT_API_FREE_PAGES_PAGE; /* highmem: no address */
	switch (api) {
	case MMT_API_FREE_PAGES:
		ret = ref_free_pages(rp->mm, (unsigned long)va, order);
		break;
	case MMT_API_FREE_PAGE:
		ret = order == 0 ?
			      ref_free_page(rp->mm, (unsigned long)va) :
			      ref_free_pages(rp->mm, (unsigned long)va, order);
		break;
	default:
		ret = ref_free_pages_page(rp->mm, page, order);
		break;
	}
	return ret ? -EINVAL : 0;
}

static long rp_check(void *state, unsigned int level, mmt_finding_fn fn,
		     void *ctx)
{
	struct ref_pages *rp = state;
	struct ref_report *r = &rp->report;
	enum ref_check_level lv = level >= 2 ? REF_CHECK_FULL :
				  level == 1 ? REF_CHECK_CHEAP :
					       REF_CHECK_NONE;
	long total;

	pthread_mutex_lock(&rp->report_lock);
	ref_report_init(r);
	ref_check(rp->mm, lv, r);
	for (unsigned int i = 0; fn && i < r->nr; i++)
		fn(ctx, r->findings[i].id, r->findings[i].message);
	total = (long)r->total;
	pthread_mutex_unlock(&rp->report_lock);
	return total;
}

static size_t rp_dump(void *state, const char *view, char *buf, size_t len)
{
	struct ref_pages *rp = state;

	if (view && strcmp(view, "buddyinfo") == 0)
		return ref_proc_buddyinfo(rp->mm, buf, len);
	if (view && strcmp(view, "zoneinfo") == 0)
		return ref_proc_zoneinfo(rp->mm, buf, len);
	if (view && strcmp(view, "context") == 0) {
		char sleep[256];

		ref_ctx_sleep_last(rp->mm, sleep, sizeof(sleep));
		return (size_t)snprintf(
			buf, len,
			"cpu %u: preempt_count %#x irqs_disabled %d\n"
			"might_sleep reports %lu, unbalanced calls %lu\n%s%s",
			ref_smp_processor_id(rp->mm), ref_preempt_count(rp->mm),
			ref_irqs_disabled(rp->mm), ref_ctx_sleep_count(rp->mm),
			ref_ctx_unbalanced_count(rp->mm), sleep,
			sleep[0] ? "\n" : "");
	}
	if (buf && len)
		buf[0] = '\0';
	return 0;
}

static void rp_trace_cb(void *ctx, const struct ref_trace_event *ev)
{
	struct ref_pages *rp = ctx;
	struct mmt_event me;
	char text[4096]; /* a warn_alloc warning runs to a few lines */

	if (!rp->fn)
		return;
	memset(&me, 0, sizeof(me));
	switch (ev->type) {
	case REF_TRACE_MM_PAGE_ALLOC:
		me.type = MMT_EV_PAGE_ALLOC;
		break;
	case REF_TRACE_MM_PAGE_FREE:
		me.type = MMT_EV_PAGE_FREE;
		break;
	case REF_TRACE_MM_PAGEBLOCK_TYPE:
		me.type = MMT_EV_PAGEBLOCK_TYPE;
		me.owner = (uint32_t)ev->migratetype;
		break;
	case REF_TRACE_MM_ZONE_BOOST:
		me.type = MMT_EV_ZONE_BOOST;
		break;
	default:
		me.type = MMT_EV_OTHER;
		break;
	}
	/* the rest (upool_*, warn_alloc) go as MMT_EV_OTHER by name */
	me.name = ev->name;
	me.pfn = ev->page ? (uint64_t)ev->pfn : UINT64_MAX;
	me.order = ev->order;
	me.gfp = ev->type == REF_TRACE_MM_ZONE_BOOST ? (uint32_t)ev->nr :
						       ev->gfp;
	me.cpu = ev->cpu;
	if (rp->flags & MMT_TRACE_TEXT) {
		ref_trace_format(rp->mm, ev, text, sizeof(text));
		me.text = text;
	}
	rp->fn(rp->ctx, &me);
}

static void rp_set_trace(void *state, unsigned int flags, mmt_event_fn fn,
			 void *ctx)
{
	struct ref_pages *rp = state;

	if (!fn) {
		ref_trace_subscribe(rp->mm, NULL, NULL);
		rp->fn = NULL;
		rp->ctx = NULL;
		return;
	}
	rp->fn = fn;
	rp->ctx = ctx;
	rp->flags = flags;
	ref_trace_subscribe(rp->mm, rp_trace_cb, rp);
}

static void rp_cpu_enter(void *state, unsigned int cpu)
{
	struct ref_pages *rp = state;

	ref_cpu_enter(rp->mm, cpu);
}

/* Context calls: ref's API on the calling thread's simulated CPU. */
static int rp_context(void *state, uint32_t op, uint32_t arg)
{
	struct ref_pages *rp = state;
	struct ref_mm *mm = rp->mm;
	unsigned long n;

	switch (op) {
	case MMT_CTX_PREEMPT_DISABLE:
		ref_preempt_disable(mm);
		return 0;
	case MMT_CTX_PREEMPT_ENABLE:
		ref_preempt_enable(mm);
		return 0;
	case MMT_CTX_IRQ_DISABLE:
		ref_local_irq_disable(mm);
		return 0;
	case MMT_CTX_IRQ_ENABLE:
		ref_local_irq_enable(mm);
		return 0;
	case MMT_CTX_IRQ_ENTER:
		ref_irq_enter(mm);
		return 0;
	case MMT_CTX_IRQ_EXIT:
		ref_irq_exit(mm);
		return 0;
	case MMT_CTX_SPIN_LOCK:
	case MMT_CTX_SPIN_UNLOCK:
		if (arg >= MMT_CTX_NR_LOCKS)
			return -EINVAL;
		if (op == MMT_CTX_SPIN_LOCK)
			ref_spin_lock(mm, &rp->locks[arg]);
		else
			ref_spin_unlock(mm, &rp->locks[arg]);
		return 0;
	case MMT_CTX_BH_DISABLE:
		ref_local_bh_disable(mm);
		return 0;
	case MMT_CTX_BH_ENABLE:
		ref_local_bh_enable(mm);
		return 0;
	case MMT_CTX_CPU_OFFLINE:
		/* -1: offline already or the last online CPU */
		return ref_cpu_offline(mm, arg) ? -EBUSY : 0;
	case MMT_CTX_CPU_ONLINE:
		/* -1: online already or no such CPU */
		return ref_cpu_online(mm, arg) ? -EINVAL : 0;
	case MMT_CTX_ISOLATE_PAGEBLOCK:
	case MMT_CTX_UNDO_ISOLATE_PAGEBLOCK: {
		unsigned long pfn = ((unsigned long)arg % mm->nr_pageblocks)
				    << mm->pageblock_order;

		if (op == MMT_CTX_ISOLATE_PAGEBLOCK)
			return ref_isolate_pageblock(mm, pfn);
		return ref_undo_isolate_pageblock(mm, pfn);
	}
	case MMT_CTX_SLEEP_REPORTS:
		n = ref_ctx_sleep_count(mm);
		return n > INT_MAX ? INT_MAX : (int)n;
	default:
		return -EINVAL;
	}
}

static const struct mmt_pages_ops rp_pages_ops = {
	.struct_size = sizeof(struct mmt_pages_ops),
	.version = MMT_PAGES_OPS_VERSION,
	.arena = rp_arena,
	.alloc = rp_alloc,
	.free = rp_free,
	.nr_orders = 0, /* every order of the machine it builds */
	.context = rp_context,
	.shrinker_register = rp_shrinker_register,
	.shrinker_unregister = rp_shrinker_unregister,
};

const struct mmt_adapter mmt_adapter_ref_pages = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "ref-pages",
	.description = "the reference Linux buddy page allocator (ref/)",
	.caps = MMT_CAP_PAGES | MMT_CAP_ZONES | MMT_CAP_POLICY_BUDDY |
		MMT_CAP_OWN_ARENA | MMT_CAP_CHECK | MMT_CAP_TRACE |
		MMT_CAP_THREAD_SAFE | MMT_CAP_UPOOL | MMT_CAP_WATERMARKS |
		MMT_CAP_FAULT_INJECT,
	.create = rp_create,
	.destroy = rp_destroy,
	.check = rp_check,
	.dump = rp_dump,
	.set_trace = rp_set_trace,
	.cpu_enter = rp_cpu_enter,
	.pages = &rp_pages_ops,
	.upool = &mmt_ref_pages_upool_ops,
};
