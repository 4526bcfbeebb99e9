/* SPDX-License-Identifier: MIT */
/*
 * stress/stress_int.h - what the stress files share: the run (struct
 * stress), its workers, the scenario table, the inboxes that carry blocks
 * to another thread, violations, the seeded PRNG and the lock that
 * serializes calls into an adapter that is not THREAD_SAFE.
 *
 * Files: stress.c (CLI, the run loop, parking, checks, the table),
 * pages.c (pages-mix), objects.c (kmalloc-mix), liveset.c (the
 * lock-striped set of live object addresses).
 *
 * Locks, in order: the serial lock (only around one adapter call), then
 * an inbox lock or a live-set stripe lock (never both), then the report
 * lock (a leaf). No lock is held across a park.
 */
#ifndef MMT_STRESS_INT_H
#define MMT_STRESS_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mmtorture/adapter.h>

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
	size_t item_size; /* bytes of an item handed to another thread */
	/* After create(): scenario-wide state. 0, or an exit code (err). */
	int (*setup)(struct stress *s, char *err, size_t errlen);
	void (*teardown)(struct stress *s);
	/* Per worker, in the worker thread before its first step. */
	int (*worker_init)(struct stress_worker *w);
	/* One op of the thread's deterministic sequence. */
	void (*step)(struct stress_worker *w);
	/* Free up to max items others handed to w. */
	void (*drain)(struct stress_worker *w, size_t max);
	/* Free everything w holds (after the last park). */
	void (*finish)(struct stress_worker *w);
	void (*worker_fini)(struct stress_worker *w);
};

extern const struct stress_scenario mmt_stress_pages_mix;
extern const struct stress_scenario mmt_stress_kmalloc_mix;

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
	void *priv; /* the scenario's per-worker state */
};

struct stress_violation {
	uint64_t op; /* ops of the thread so far */
	int thread; /* -1: the main thread (a self-check) */
	uint64_t where; /* pfn or address; UINT64_MAX when none */
	char id[32];
	char message[200];
};

struct stress {
	const struct mmt_adapter *ad;
	const struct stress_scenario *sc;
	void *state; /* the adapter instance */
	uint64_t seed;
	unsigned int nr_threads;
	int serialize; /* adapter not THREAD_SAFE: one call at a time */
	pthread_mutex_t serial;
	const char *where_name; /* "pfn" or "addr" in reports */

	/* PAGES: the arena and whether it has these zones. */
	struct mmt_arena arena;
	int has_dma32, has_highmem;

	struct stress_inbox *inbox; /* one per thread */
	struct stress_worker *workers;
	void *priv; /* the scenario's shared state */

	atomic_int park; /* main asks the workers to park */
	atomic_int stop; /* set before the last park */
	atomic_int failed; /* a violation was recorded */
	pthread_barrier_t park_in, park_out;

	FILE *out, *errf; /* progress and reports */
	pthread_mutex_t vlock;
	unsigned long nr_violations;
	unsigned long nr_reported; /* violations already printed */
	struct stress_violation kept[STRESS_KEPT];
	unsigned long checks;
	char reproduce[512]; /* the command that reruns this */
};

/* ---------------------------------------------------------------- stress.c */

uint64_t mmt_stress_rand(uint64_t *state);
/* Uniform in [0, n), n > 0. */
uint32_t mmt_stress_below(uint64_t *state, uint32_t n);
/* Thread i's stream for a seed. */
uint64_t mmt_stress_stream(uint64_t seed, unsigned int thread);

void mmt_stress_violation(struct stress *s, int thread, uint64_t op,
			  uint64_t where, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Around every adapter call: a no-op unless s->serialize. */
void mmt_stress_lock(struct stress *s);
void mmt_stress_unlock(struct stress *s);

/* Queue an item for thread `to`; 0, or -1 when its inbox is full. */
int mmt_stress_hand_off(struct stress *s, unsigned int to, const void *item);
/* Take up to max items (max <= 32) from w's inbox into buf; their number. */
size_t mmt_stress_take(struct stress_worker *w, void *buf, size_t max);

/* Adjust w's live count (w's thread only). */
static inline void mmt_stress_live_add(struct stress_worker *w, int64_t d)
{
	atomic_store_explicit(
		&w->live,
		atomic_load_explicit(&w->live, memory_order_relaxed) + d,
		memory_order_relaxed);
}

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

/* The first scenario the caps allow, or NULL. */
const struct stress_scenario *mmt_stress_default_scenario(uint32_t caps);
/* By name, or NULL. */
const struct stress_scenario *mmt_stress_scenario(const char *name);
/* Names of the caps in need & ~caps ("OBJECTS, USABLE_SIZE") into buf. */
void mmt_stress_missing_caps(uint32_t need, uint32_t caps, char *buf,
			     size_t len);

#endif /* MMT_STRESS_INT_H */
