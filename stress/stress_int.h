/* SPDX-License-Identifier: MIT */
/*
 * stress/stress_int.h - what the stress files share: the run (struct
 * stress), its workers, the scenario table, the inboxes that carry blocks
 * to another thread, violations, the seeded PRNG and the lock that
 * serializes calls into an adapter that is not THREAD_SAFE.
 *
 * Files: stress.c (CLI, the run loop, parking, checks, the table, and
 * what every scenario's workers share: the slot table, hand-offs, the
 * drain of the inbox, the final release), pages.c (pages-mix),
 * pagepath.c (atomic-burst, highorder-frag, pcp-churn, dma-starve on
 * pages-mix's checks), reclaim.c (reclaim: shrinker caches, on the same
 * checks), objects.c
 * (kmalloc-mix), liveset.c (the lock-striped set of live object
 * addresses).
 *
 * A scenario supplies the step and how to free one of its items; the
 * worker loop around them is stress.c's: every 16 steps a worker frees up
 * to 16 items others handed it, and after the last park it frees what its
 * slots hold (last slot first), then everything left in its inbox.
 *
 * Locks, in order: the serial lock (only around one adapter call), then
 * an inbox lock or a live-set stripe lock (never both), then the report
 * lock (a leaf). No lock is held across a park.
 */
#ifndef MMT_STRESS_INT_H
#define MMT_STRESS_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include <mmtorture/adapter.h>

#include "mmt_lib.h"

#ifdef MMT_TSAN
#define STRESS_BANK_MIB 32u /* per bank of the default machine */
#define STRESS_PAGE_SLOTS 64u /* live blocks per thread, pages-mix */
#define STRESS_OBJ_SLOTS 256u /* live objects per thread, kmalloc-mix */
#else
#define STRESS_BANK_MIB 64u
#define STRESS_PAGE_SLOTS 256u
#define STRESS_OBJ_SLOTS 1024u
#endif
#define STRESS_INBOX 1024u /* items waiting in one thread's inbox */
#define STRESS_BATCH 32u /* items taken from an inbox at once */
#define STRESS_MAX_THREADS 64u
#define STRESS_KEPT 16u /* violations kept for the report */
#define STRESS_CHECK_LEVEL 2u /* the adapters' full level */

struct stress;
struct stress_worker;

/* A scenario: what one worker step does and what it needs. */
struct stress_scenario {
	const char *name; /* "pages-mix" */
	uint32_t needs; /* MMT_CAP_* the allocator must declare */
	const char *live_unit; /* "pages" or "bytes" */
	const char *summary; /* one line for --help */
	size_t item_size; /* bytes of an item (a slot's, a hand-off's) */
	size_t nr_slots; /* items one worker holds at most */
	/* After create(): scenario-wide state. 0, or an exit code (err). */
	int (*setup)(struct stress *s, char *err, size_t errlen);
	void (*teardown)(struct stress *s);
	/* One op of the thread's deterministic sequence. */
	void (*step)(struct stress_worker *w);
	/*
	 * Free an item w holds: one handed in, or one left in a slot at the
	 * end. Any choice (which entry point) comes from the item's own
	 * numbers, not from w's stream.
	 */
	void (*release)(struct stress_worker *w, const void *item);
	/*
	 * At every park, the workers stopped, after the allocator's check:
	 * what the scenario can check of the allocator as a whole (pages-mix:
	 * the capacity probe). ops: the calls so far. May be NULL.
	 */
	void (*probe)(struct stress *s, uint64_t ops);
};

/*
 * A layer's scenario row: its name, the caps it needs, its live unit and
 * --help line, its item type and slots, and its functions, named
 * PREFIX_setup, PREFIX_teardown and PREFIX_step, plus the item's release
 * and the park-time probe (or NULL).
 */
#define STRESS_SCENARIO(nm, caps, unit, text, item_type, slots, prefix, rel, \
			prb)                                                 \
	{                                                                    \
		.name = (nm), .needs = (caps), .live_unit = (unit),          \
		.summary = (text), .item_size = sizeof(item_type),           \
		.nr_slots = (slots), .setup = prefix##_setup,                \
		.teardown = prefix##_teardown, .step = prefix##_step,        \
		.release = (rel), .probe = (prb)                             \
	}

extern const struct stress_scenario mmt_stress_pages_mix;
extern const struct stress_scenario mmt_stress_kmalloc_mix;
extern const struct stress_scenario mmt_stress_upool_mix;
extern const struct stress_scenario mmt_stress_atomic_burst;
extern const struct stress_scenario mmt_stress_highorder_frag;
extern const struct stress_scenario mmt_stress_pcp_churn;
extern const struct stress_scenario mmt_stress_dma_starve;
extern const struct stress_scenario mmt_stress_reclaim;

/* A mutex-protected queue of fixed-size items (blocks handed over). */
struct stress_inbox {
	pthread_mutex_t lock;
	size_t n, item_size;
	unsigned char *v; /* STRESS_INBOX items */
};

struct stress_worker {
	struct stress *s;
	unsigned int id;
	pthread_t tid;
	uint64_t rng; /* this thread's splitmix64 stream */
	uint64_t step; /* steps of the sequence done */
	uint64_t seq; /* allocations numbered by this thread */
	/* Counters, read by the main thread only while the worker is parked. */
	uint64_t ops; /* calls into the allocator */
	uint64_t allocs, fails, frees, handed;
	/* Live units this thread added minus those it removed (may go below
	 * zero when it frees what others allocated). One writer. */
	_Atomic int64_t live;
	/* The slot table: sc->nr_slots items of sc->item_size bytes, and
	 * which of them hold a live item. This thread's only. */
	unsigned char *slots;
	bool *held;
	unsigned char *batch; /* STRESS_BATCH items taken from the inbox */
	size_t batch_n, batch_pos; /* taken, and released so far */
};

struct stress_violation {
	uint64_t op; /* ops of the thread so far */
	int thread; /* -1: the main thread (a self-check) */
	uint64_t where; /* pfn or address; UINT64_MAX when none */
	char id[32];
	char message[256];
};

struct stress {
	const struct mmt_adapter *ad;
	const struct stress_scenario *sc;
	void *state; /* the adapter instance */
	int created; /* state was created (destroy it at the end) */
	uint64_t seed;
	unsigned int nr_threads;
	unsigned int nr_inited; /* workers and inboxes to free */
	int barriers; /* park_in and park_out were initialised */
	int serialize; /* adapter not THREAD_SAFE: one call at a time */
	pthread_mutex_t serial;
	const char *where_name; /* "pfn" or "addr" in reports */

	/*
	 * PAGES: the arena the allocator was given (or, OWN_ARENA, reports),
	 * and the model: the same machine's arena derived by the harness
	 * alone (mmt_arena_from_machine at arena.base). Every check takes
	 * zones, present and reserved ranges, the span, the page size and
	 * the orders from the model, so an allocator whose reported arena
	 * is wrong cannot vouch for itself; the reported arena gives only
	 * the base and bounds the addresses the harness touches.
	 */
	struct mmt_arena arena;
	struct mmt_arena model;
	struct mmt_machine machine; /* PAGES: the machine it was created on */
	/* the machine injects faults into a FAULT_INJECT adapter: its
	 * failures are expected, and the capacity probe does not run (a
	 * drain that stops at an injected failure is no shortfall) */
	int fault_on;

	struct stress_inbox *inbox; /* one per thread */
	struct stress_worker *workers;
	void *priv; /* the scenario's shared state */
	void *xpriv; /* pagepath.c's own, beside pages.c's priv */

	atomic_int park; /* main asks the workers to park */
	atomic_int stop; /* set before the last park */
	atomic_int failed; /* a violation was recorded: the run stops */
	pthread_barrier_t park_in, park_out;

	FILE *out, *errf; /* progress and reports */
	pthread_mutex_t vlock;
	double t0, first_at; /* start, and when the first violation came */
	unsigned long nr_violations;
	unsigned long nr_reported; /* violations already printed */
	/*
	 * Set (under vlock) once the workers are parked for the last time:
	 * after a violation, what they find while freeing what they hold is
	 * counted in nr_late, not recorded.
	 */
	int sealed;
	int first_sealed; /* the first violation came after sealed */
	unsigned long nr_late;
	struct stress_violation kept[STRESS_KEPT];
	unsigned long checks;
	char reproduce[512]; /* the command that reruns this */
};

/* ---------------------------------------------------------------- stress.c */

/* A thread's stream is lib's splitmix64 (lib/mmt_lib.h). */
static inline uint64_t mmt_stress_rand(uint64_t *state)
{
	return mmt_splitmix64(state);
}

/* Uniform in [0, n), n > 0. */
static inline uint32_t mmt_stress_below(uint64_t *state, uint32_t n)
{
	return (uint32_t)mmt_splitmix64_below(state, n);
}
/* Thread i's stream for a seed. */
uint64_t mmt_stress_stream(uint64_t seed, unsigned int thread);

void mmt_stress_violation(struct stress *s, int thread, uint64_t op,
			  uint64_t where, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* The same with a va_list. */
void mmt_stress_vviolation(struct stress *s, int thread, uint64_t op,
			   uint64_t where, const char *id, const char *fmt,
			   va_list ap) __attribute__((format(printf, 6, 0)));
/* The same, found by worker w after its w->ops calls. */
void mmt_stress_worker_violation(struct stress_worker *w, uint64_t where,
				 const char *id, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * A violation has been recorded, so the run is stopping: a worker starts no
 * further op (it asks before each step, each item of its inbox and each op
 * of a step), and a step ends at its own first violation.
 */
static inline int mmt_stress_failed(struct stress *s)
{
	return atomic_load_explicit(&s->failed, memory_order_relaxed);
}

/*
 * Test-only fault injection: the failures of the harness's own bookkeeping
 * that no allocator can cause, made to happen so that a test sees their
 * checks fire (tests/stress/test_stress_ids.c). A test arms one before a
 * run; the first place it applies to takes it, so it fires once. Nothing
 * else arms it: in every real run it is 0 and costs one relaxed load per
 * insert into the live set and per free.
 *   MMT_STRESS_FAULT_NOMEM  the live set's next insert fails as its growth
 *                           does without memory (STRESS-OOM)
 *   MMT_STRESS_FAULT_LOSE   the next free finds its bookkeeping lost: the
 *                           object's address is already out of the live
 *                           set, the block's first ownership bit already
 *                           clear (STRESS-OWNER)
 */
enum mmt_stress_fault {
	MMT_STRESS_FAULT_NONE = 0,
	MMT_STRESS_FAULT_NOMEM,
	MMT_STRESS_FAULT_LOSE,
};

extern _Atomic int mmt_stress_fault;

/* 1 when fault f was armed (and is now disarmed). */
static inline int mmt_stress_fault_take(int f)
{
	int want = f;

	return atomic_load_explicit(&mmt_stress_fault, memory_order_relaxed) ==
		       f &&
	       atomic_compare_exchange_strong(&mmt_stress_fault, &want,
					      MMT_STRESS_FAULT_NONE);
}

/* Around every adapter call: a no-op unless s->serialize. */
void mmt_stress_lock(struct stress *s);
void mmt_stress_unlock(struct stress *s);

/*
 * From the draw r: whether a freed item goes to another thread (one in
 * four, never with one thread) and to which (*to, never self). Uses the
 * low 2 bits of r for the first and the bits above 8 for the second.
 */
int mmt_stress_pick_peer(const struct stress_worker *w, uint64_t r,
			 unsigned int *to);
/*
 * When hand is set, queue the item for thread `to` and count it in
 * w->handed: 1. 0 when hand is not set or the inbox is full (the caller
 * frees the item itself).
 */
int mmt_stress_pass_on(struct stress_worker *w, int hand, unsigned int to,
		       const void *item);

/* Slot i of w's table (sc->item_size bytes); w->held[i] says if live. */
static inline void *mmt_stress_slot(struct stress_worker *w, size_t i)
{
	return w->slots + i * w->s->sc->item_size;
}

/* Adjust w's live count (w's thread only). */
static inline void mmt_stress_live_add(struct stress_worker *w, int64_t d)
{
	atomic_store_explicit(
		&w->live,
		atomic_load_explicit(&w->live, memory_order_relaxed) + d,
		memory_order_relaxed);
}

/* ---------------------------------------------------------------- pages.c */

/* A live block. The cookie in each of its pages repeats these fields. */
struct stress_pblock {
	void *addr;
	uint64_t pfn;
	uint64_t seq; /* the allocating thread's allocation number */
	uint32_t order;
	uint32_t thread; /* who allocated it */
	uint32_t api; /* enum mmt_pages_api it was allocated with */
	uint32_t gfp;
};

/*
 * What the page scenarios share (pagepath.c uses pages-mix's checks):
 * the ownership bitmap (setup, teardown), one allocation through the
 * adapter with every per-block check of pages-mix (0: *b is live and
 * held by w; -1: failed, counted in w->fails, or dropped at a
 * violation), the release of a held block (cookie check, ownership,
 * free) and the capacity probe.
 */
int mmt_stress_pages_setup(struct stress *s, char *err, size_t errlen);
void mmt_stress_pages_teardown(struct stress *s);
int mmt_stress_pages_alloc(struct stress_worker *w, struct stress_pblock *b,
			   uint32_t order, uint32_t gfp, uint32_t api);
void mmt_stress_pages_release(struct stress_worker *w, const void *item);
/*
 * The release of a block from a thread that may be no worker (w NULL: an
 * allocator's own reclaim thread calling a shrinker): the same checks,
 * its violations filed under thread -1; w's counters only when w is set.
 */
void mmt_stress_pages_release_from(struct stress *s, struct stress_worker *w,
				   const struct stress_pblock *b);
void mmt_stress_pages_probe(struct stress *s, uint64_t ops);

/*
 * One step's draws of pages-mix from w's stream (w->s->nr_threads set),
 * without running it: whether it is a free, and the order, GFP mask and
 * entry point of an allocation after the entry points' rules. For tests
 * of the mix (tests/stress/test_stress_zones.c).
 */
void mmt_stress_pages_draw(struct stress_worker *w, uint32_t top, int *is_free,
			   uint32_t *order, uint32_t *gfp, uint32_t *api);

/* ---------------------------------------------------------------- liveset.c */

/*
 * A set of live addresses, each with a 64-bit tag (who holds it), split
 * into lock-striped open-addressing tables that grow as needed.
 */
struct mmt_liveset;

struct mmt_liveset *mmt_liveset_create(size_t expected);
void mmt_liveset_destroy(struct mmt_liveset *ls);
/* 0 added; 1 already present (*old_tag set, nothing changed); -1 no memory. */
int mmt_liveset_insert(struct mmt_liveset *ls, uintptr_t addr, uint64_t tag,
		       uint64_t *old_tag);
/* 0 removed (*tag set when tag is not NULL); -1 not present. */
int mmt_liveset_remove(struct mmt_liveset *ls, uintptr_t addr, uint64_t *tag);
size_t mmt_liveset_count(struct mmt_liveset *ls);

/* ---------------------------------------------------------------- one run */

struct mmt_stress_opts {
	const char *spec; /* --allocator item as given (for reports) */
	const char *options; /* options for create() */
	const struct stress_scenario *sc;
	const struct mmt_machine *machine; /* PAGES: NULL for the default */
	const char *machine_spec; /* --machine text, for the reproduce line */
	unsigned int threads;
	double seconds;
	uint64_t seed;
	FILE *out, *err; /* NULL: stdout, stderr */
};

/* One row of the comparison table. */
struct mmt_stress_row {
	char allocator[64];
	char scenario[24];
	unsigned int threads;
	double seconds;
	uint64_t ops;
	double ops_per_s;
	uint64_t alloc_calls; /* allocation calls, failed ones too */
	uint64_t alloc_fails; /* of which failed (NULL for a size > 0) */
	int64_t peak_live;
	const char *live_unit;
	unsigned long violations;
	int serialized;
	int interrupted;
	int rc; /* enum mmt_exit */
};

/* Run one scenario on one adapter; fills row; returns an exit code. */
int mmt_stress_run(const struct mmt_adapter *ad,
		   const struct mmt_stress_opts *o, struct mmt_stress_row *row);

/* More than half of the `calls` allocation calls failed (`fails`). */
int mmt_stress_mostly_failed(uint64_t fails, uint64_t calls);
/* "ok", "FAIL", "error", "mostly-fail" or "interrupted". */
const char *mmt_stress_verdict(const struct mmt_stress_row *r);
/* The comparison table of n runs. */
void mmt_stress_print_table(FILE *f, const struct mmt_stress_row *rows,
			    size_t n);

/* The first scenario the caps allow, or NULL. */
const struct stress_scenario *mmt_stress_default_scenario(uint32_t caps);
/* By name, or NULL. */
const struct stress_scenario *mmt_stress_scenario(const char *name);
/* Names of the caps in need & ~caps ("OBJECTS, USABLE_SIZE") into buf. */
void mmt_stress_missing_caps(uint32_t need, uint32_t caps, char *buf,
			     size_t len);

#endif /* MMT_STRESS_INT_H */
