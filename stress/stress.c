/* SPDX-License-Identifier: MIT */
/*
 * stress/stress.c - many threads hammering one allocator through the
 * adapter ABI: `mmtorture stress`, and the comparison table.
 *
 *   mmtorture stress --allocator A[,B,...] [--scenario NAME] --threads N
 *                    --seconds S --seed X [--machine SPEC]
 *
 * Scenarios (pages.c, pagepath.c, reclaim.c, objects.c, upool.c) are
 * chosen by capability: pages-mix and the page path scenarios need
 * PAGES, reclaim PAGES and THREAD_SAFE (and the shrinker calls, which
 * its setup asks for: exit 2 without), kmalloc-mix needs OBJECTS. Without --scenario each allocator runs
 * the first its capabilities allow; a --scenario an allocator cannot run
 * is refused (exit 2) naming the missing capability, before anything runs.
 * With a comma list the allocators run one after the other, each for
 * --seconds with the same seed (so the same op sequences), and one table
 * ends the output: allocator, scenario, threads, seconds, ops, ops/s,
 * failed allocations, peak live, violations, verdict. Exit 1 when any run
 * found a violation; a run whose allocation calls mostly failed (more than
 * half) gets the verdict mostly-fail and a warning, and still exits 0:
 * an allocator may run out of memory legitimately.
 *
 * One run: one adapter instance is shared by all threads. A PAGES adapter
 * without OWN_ARENA gets an anonymous MAP_NORESERVE arena mapped here and
 * described from the machine model (--machine: the machine spec grammar,
 * docs/op-format.md; default x86_64 with 64 MiB at 0 and 64 MiB at
 * 4 GiB, 32 + 32 MiB under ThreadSanitizer, CPU count raised to the thread
 * count). Thread i enters simulated CPU i and runs the scenario's step in
 * a loop; every 16 steps it frees what other threads handed it. Thread i's
 * stream is splitmix64 seeded from (seed, i); a step always takes the same
 * draws, so the op sequence of a thread depends on the seed only; the
 * clock decides when the run stops and the scheduler when handed-in blocks
 * are freed.
 *
 * An adapter without THREAD_SAFE still runs with several threads: every
 * call into it goes through one mutex (the progress lines say
 * "serialized"), so it meets cross-thread frees without concurrent calls.
 *
 * Once a second the main thread parks every worker at a barrier, runs the
 * adapter's full check (level 2) when it has one and prints a progress
 * line; "ops" counts calls into the allocator (allocations, frees,
 * reallocs). Peak live is the largest sum of the threads' live counts
 * (pages or requested bytes) seen by the main thread, which samples them
 * every 20 ms. At the end it parks them a last time, checks, lets each
 * free what it holds, joins them and checks the idle allocator again (no
 * checks once a violation has stopped the run).
 * SIGINT only sets a flag: the current run ends the same way, no further
 * allocator runs, and the table is printed.
 *
 * A run stops at its first violation: recording it raises s->failed; a
 * worker asks it before every op and starts no more, an op ends at its own
 * first violation, so besides the first at most one per other thread is
 * recorded (or the findings of the one check that found it). The main
 * thread sees it within 20 ms and ends the run as above, without checks;
 * what the workers find while freeing after that is counted apart
 * (nr_late), not recorded.
 *
 * mmt_process_init() (what makes jemalloc loadable) is called by the
 * dispatcher, tools/main.c, with the process's own argv before it gets
 * here; calling it again with argv starting at "stress" would re-execute
 * the program with the command name missing in the one case it re-runs.
 *
 * Locks: see stress_int.h. The report mutex is a leaf.
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
#include <unistd.h>

#include <mmtorture/adapter.h>
#include <mmtorture/exec.h>
#include <mmtorture/machine.h>
#include <mmtorture/ops.h>
#include <mmtorture/registry.h>

#include "stress.h"
#include "stress_int.h"

#define MAX_ALLOCATORS 16u

static const struct stress_scenario *const scenarios[] = {
	&mmt_stress_pages_mix,	    &mmt_stress_kmalloc_mix,
	&mmt_stress_upool_mix,	    &mmt_stress_atomic_burst,
	&mmt_stress_highorder_frag, &mmt_stress_pcp_churn,
	&mmt_stress_dma_starve,	    &mmt_stress_reclaim,
};
#define NR_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

static volatile sig_atomic_t stress_interrupted;

static void stress_on_sigint(int sig)
{
	(void)sig;
	stress_interrupted = 1;
}

/* ------------------------------------------------------ shared helpers */

uint64_t mmt_stress_stream(uint64_t seed, unsigned int thread)
{
	uint64_t st = seed ^ ((uint64_t)thread * 0xd1b54a32d192ed03ULL);

	return mmt_stress_rand(&st);
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void record_violation(struct stress *s, int thread, uint64_t op,
			     uint64_t where, const char *id, const char *fmt,
			     va_list ap) __attribute__((format(printf, 6, 0)));

static void record_violation(struct stress *s, int thread, uint64_t op,
			     uint64_t where, const char *id, const char *fmt,
			     va_list ap)
{
	pthread_mutex_lock(&s->vlock);
	if (s->sealed && s->nr_violations && thread >= 0) {
		/* The run stopped at a violation and the workers are freeing
		 * what they hold: the allocator is known broken, and this is
		 * not a finding of the run. */
		s->nr_late++;
		pthread_mutex_unlock(&s->vlock);
		return;
	}
	if (!s->nr_violations) {
		s->first_at = now_seconds() - s->t0;
		s->first_sealed = s->sealed;
	}
	if (s->nr_violations < STRESS_KEPT) {
		struct stress_violation *v = &s->kept[s->nr_violations];

		v->op = op;
		v->thread = thread;
		v->where = where;
		snprintf(v->id, sizeof(v->id), "%s", id);
		vsnprintf(v->message, sizeof(v->message), fmt, ap);
	}
	s->nr_violations++;
	pthread_mutex_unlock(&s->vlock);
	atomic_store(&s->failed, 1);
}

void mmt_stress_vviolation(struct stress *s, int thread, uint64_t op,
			   uint64_t where, const char *id, const char *fmt,
			   va_list ap)
{
	record_violation(s, thread, op, where, id, fmt, ap);
}

void mmt_stress_violation(struct stress *s, int thread, uint64_t op,
			  uint64_t where, const char *id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record_violation(s, thread, op, where, id, fmt, ap);
	va_end(ap);
}

_Atomic int mmt_stress_fault; /* tests only (stress_int.h) */

void mmt_stress_worker_violation(struct stress_worker *w, uint64_t where,
				 const char *id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record_violation(w->s, (int)w->id, w->ops, where, id, fmt, ap);
	va_end(ap);
}

void mmt_stress_lock(struct stress *s)
{
	if (s->serialize)
		pthread_mutex_lock(&s->serial);
}

void mmt_stress_unlock(struct stress *s)
{
	if (s->serialize)
		pthread_mutex_unlock(&s->serial);
}

int mmt_stress_pick_peer(const struct stress_worker *w, uint64_t r,
			 unsigned int *to)
{
	unsigned int n = w->s->nr_threads;

	if (n < 2) {
		*to = w->id;
		return 0;
	}
	*to = (w->id + 1 + (unsigned int)((r >> 8) % (n - 1))) % n;
	return (r & 3) == 0;
}

/* Queue an item for thread `to`; 0, or -1 when its inbox is full. */
static int hand_off(struct stress *s, unsigned int to, const void *item)
{
	struct stress_inbox *in = &s->inbox[to];
	int rc = -1;

	pthread_mutex_lock(&in->lock);
	if (in->n < STRESS_INBOX) {
		memcpy(in->v + in->n * in->item_size, item, in->item_size);
		in->n++;
		rc = 0;
	}
	pthread_mutex_unlock(&in->lock);
	return rc;
}

int mmt_stress_pass_on(struct stress_worker *w, int hand, unsigned int to,
		       const void *item)
{
	if (!hand || hand_off(w->s, to, item) != 0)
		return 0;
	w->handed++;
	return 1;
}

/* Take up to max items from w's inbox into buf; their number. */
static size_t take(struct stress_worker *w, void *buf, size_t max)
{
	struct stress_inbox *in = &w->s->inbox[w->id];
	size_t n;

	pthread_mutex_lock(&in->lock);
	n = in->n < max ? in->n : max;
	in->n -= n;
	memcpy(buf, in->v + in->n * in->item_size, n * in->item_size);
	pthread_mutex_unlock(&in->lock);
	return n;
}

const struct stress_scenario *mmt_stress_scenario(const char *name)
{
	size_t i;

	for (i = 0; i < NR_SCENARIOS; i++)
		if (!strcmp(scenarios[i]->name, name))
			return scenarios[i];
	return NULL;
}

const struct stress_scenario *mmt_stress_default_scenario(uint32_t caps)
{
	size_t i;

	for (i = 0; i < NR_SCENARIOS; i++)
		if ((scenarios[i]->needs & caps) == scenarios[i]->needs)
			return scenarios[i];
	return NULL;
}

void mmt_stress_missing_caps(uint32_t need, uint32_t caps, char *buf,
			     size_t len)
{
	mmt_caps_format(need & ~caps, ", ", buf, len);
}

/* ------------------------------------------------------ the machine */

/*
 * Map the arena of an adapter without OWN_ARENA (aligned to a top-order
 * block, as the executor's) and describe it from the machine model.
 */
static int build_arena(const struct mmt_machine *m, struct mmt_arena *a,
		       void **map, size_t *map_len, char *err, size_t errlen)
{
	*map = mmt_arena_map(m, map_len);
	if (*map == MAP_FAILED) {
		*map = NULL;
		snprintf(err, errlen, "mmap of a %" PRIu64 " MiB arena: %s",
			 (mmt_machine_end_pfn(m) << m->page_shift) >> 20,
			 strerror(errno));
		return -2;
	}
	mmt_arena_from_machine(m, *map, a);
	return 0;
}

/* --machine: the machine spec grammar. 0, or -1 (printed). */
static int parse_machine(const char *spec, struct mmt_machine *m)
{
	char msg[300];
	int rc = mmt_machine_parse_arg(spec, m, msg, sizeof(msg));

	if (rc)
		fprintf(stderr, "stress: --machine '%s': %s\n", spec, msg);
	return rc;
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

/* ------------------------------------------------------ the workers */

/*
 * Free up to max items others handed to w, the latest queued batch first.
 * With stoppable, stop before an item once the run has failed; the rest of
 * the batch stays in w->batch for worker_finish.
 */
static void worker_drain(struct stress_worker *w, size_t max, int stoppable)
{
	const struct stress_scenario *sc = w->s->sc;

	while (max) {
		if (w->batch_pos == w->batch_n) {
			w->batch_n =
				take(w, w->batch,
				     max < STRESS_BATCH ? max : STRESS_BATCH);
			w->batch_pos = 0;
			if (!w->batch_n)
				break;
		}
		if (stoppable && mmt_stress_failed(w->s))
			return;
		sc->release(w, w->batch + w->batch_pos * sc->item_size);
		w->batch_pos++;
		max--;
	}
}

/* After the last park: free what the slots hold, then the inbox. */
static void worker_finish(struct stress_worker *w)
{
	size_t i;

	for (i = w->s->sc->nr_slots; i > 0; i--) {
		if (w->held[i - 1]) {
			w->held[i - 1] = false;
			w->s->sc->release(w, mmt_stress_slot(w, i - 1));
		}
	}
	worker_drain(w, SIZE_MAX, 0);
}

/* The slot table and the batch buffer of worker w; 0 or -1. */
static int worker_alloc(struct stress_worker *w)
{
	const struct stress_scenario *sc = w->s->sc;

	w->slots = calloc(sc->nr_slots, sc->item_size);
	w->held = calloc(sc->nr_slots, sizeof(*w->held));
	w->batch = calloc(STRESS_BATCH, sc->item_size);
	return w->slots && w->held && w->batch ? 0 : -1;
}

static void worker_free(struct stress_worker *w)
{
	free(w->slots);
	free(w->held);
	free(w->batch);
	w->slots = w->batch = NULL;
	w->held = NULL;
}

static void *worker_main(void *arg)
{
	struct stress_worker *w = arg;
	struct stress *s = w->s;

	if (s->ad->cpu_enter) {
		mmt_stress_lock(s);
		s->ad->cpu_enter(s->state, w->id);
		mmt_stress_unlock(s);
	}
	for (;;) {
		if (atomic_load_explicit(&s->park, memory_order_acquire)) {
			pthread_barrier_wait(&s->park_in);
			pthread_barrier_wait(&s->park_out);
			if (atomic_load(&s->stop))
				break;
			continue;
		}
		if (mmt_stress_failed(s)) {
			/* Stopped at a violation: no more ops, wait for the
			 * main thread's last park (it polls every 20 ms). */
			struct timespec nap = { 0, 1000 * 1000 };

			nanosleep(&nap, NULL);
			continue;
		}
		if ((w->step & 15) == 0) {
			worker_drain(w, 16, 1);
			if (mmt_stress_failed(s))
				continue;
		}
		s->sc->step(w);
		w->step++;
	}
	/* Teardown: no more hand-offs, so the inboxes only shrink now. */
	worker_finish(w);
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

	mmt_stress_violation(c->s, -1, c->ops, UINT64_MAX, id ? id : "CHECK",
			     "%s", message ? message : "(no message)");
}

static void run_check(struct stress *s, uint64_t ops)
{
	struct check_ctx c = { s, ops };

	if (!s->ad->check)
		return;
	mmt_stress_lock(s);
	s->ad->check(s->state, STRESS_CHECK_LEVEL, on_finding, &c);
	mmt_stress_unlock(s);
	s->checks++;
}

/* The workers' counters, summed (read while they are parked or done). */
struct stress_totals {
	uint64_t ops; /* calls into the allocator */
	uint64_t calls; /* allocation calls: succeeded + failed */
	uint64_t fails; /* allocation calls that failed */
};

static struct stress_totals totals(const struct stress *s)
{
	struct stress_totals t = { 0, 0, 0 };
	unsigned int i;

	for (i = 0; i < s->nr_threads; i++) {
		t.ops += s->workers[i].ops;
		t.calls += s->workers[i].allocs + s->workers[i].fails;
		t.fails += s->workers[i].fails;
	}
	return t;
}

static uint64_t total_ops(const struct stress *s)
{
	return totals(s).ops;
}

static double percent(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

int mmt_stress_mostly_failed(uint64_t fails, uint64_t calls)
{
	return fails <= calls && fails > calls - fails; /* more than half */
}

static int64_t total_live(struct stress *s)
{
	int64_t t = 0;
	unsigned int i;

	for (i = 0; i < s->nr_threads; i++)
		t += atomic_load_explicit(&s->workers[i].live,
					  memory_order_relaxed);
	return t;
}

/* Print the violations not printed yet and the allocator's state. */
static void print_report(struct stress *s)
{
	char *buf;
	unsigned long i;
	const size_t len = 16384;

	if (s->nr_reported >= s->nr_violations)
		return;
	if (s->nr_reported >= STRESS_KEPT) {
		/* Only violations past the kept ones are new: count them. */
		fprintf(s->errf,
			"stress: %lu more violation(s) on %s while it was "
			"torn down (not kept)\n",
			s->nr_violations - s->nr_reported, s->ad->name);
		s->nr_reported = s->nr_violations;
		return;
	}
	fprintf(s->errf, "stress: %lu violation(s) on %s; reproduce: %s\n",
		s->nr_violations - s->nr_reported, s->ad->name, s->reproduce);
	for (i = s->nr_reported; i < s->nr_violations && i < STRESS_KEPT; i++) {
		const struct stress_violation *v = &s->kept[i];

		if (v->thread < 0)
			fprintf(s->errf,
				"  self-check after %" PRIu64 " ops: ", v->op);
		else
			fprintf(s->errf, "  thread %d op %" PRIu64 ": ",
				v->thread, v->op);
		fprintf(s->errf, "%s", v->id);
		if (v->where != UINT64_MAX && !strcmp(s->where_name, "pfn"))
			fprintf(s->errf, " pfn %" PRIu64 " (0x%" PRIx64 ")",
				v->where, v->where);
		else if (v->where != UINT64_MAX)
			fprintf(s->errf, " addr 0x%" PRIx64, v->where);
		fprintf(s->errf, ": %s\n", v->message);
	}
	if (s->ad->dump && (buf = malloc(len)) != NULL) {
		buf[0] = '\0';
		mmt_stress_lock(s);
		s->ad->dump(s->state, "buddyinfo", buf, len);
		mmt_stress_unlock(s);
		buf[len - 1] = '\0';
		if (buf[0])
			fprintf(s->errf, "buddyinfo:\n%s%s", buf,
				buf[strlen(buf) - 1] == '\n' ? "" : "\n");
		free(buf);
	}
	if (s->nr_violations > STRESS_KEPT)
		fprintf(s->errf, "  (%lu more not kept)\n",
			s->nr_violations - (s->nr_reported > STRESS_KEPT ?
						    s->nr_reported :
						    STRESS_KEPT));
	fflush(s->errf);
	s->nr_reported = s->nr_violations;
}

/*
 * After a run that found something: where it stopped and how many were
 * recorded before the threads stopped.
 */
static void print_stop(struct stress *s, double elapsed, double seconds)
{
	if (!s->nr_violations)
		return;
	if (s->first_sealed)
		fprintf(s->errf,
			"stress: the first violation was found at the end of "
			"the run (%g s), while the threads freed what they "
			"held",
			seconds);
	else
		fprintf(s->errf,
			"stress: stopped at the first violation, %.2f s into "
			"the run (of %g s; threads parked at %.2f s)",
			s->first_at, seconds, elapsed);
	if (s->nr_violations > 1)
		fprintf(s->errf,
			"; %lu violations recorded before the threads "
			"stopped: the first and %lu from ops (or the check) "
			"already under way",
			s->nr_violations, s->nr_violations - 1);
	fprintf(s->errf, "\n");
	if (s->nr_late)
		fprintf(s->errf,
			"stress: %lu more seen while freeing what the threads "
			"held, not counted\n",
			s->nr_late);
	fflush(s->errf);
}

/* Park every worker, check, print progress; they resume on park_out. */
static void park_and_check(struct stress *s, double t,
			   struct stress_totals *last, double *last_t,
			   int quiet)
{
	struct stress_totals now;
	double dt;

	atomic_store_explicit(&s->park, 1, memory_order_release);
	pthread_barrier_wait(&s->park_in);
	now = totals(s);
	if (!atomic_load(&s->failed)) /* stopped: nothing runs after it */
		run_check(s, now.ops);
	if (!atomic_load(&s->failed) && s->sc->probe && !s->fault_on)
		s->sc->probe(s, now.ops);
	dt = t - *last_t;
	if (!quiet) {
		/* failed: allocation calls of this second that failed */
		fprintf(s->out,
			"t=%.0fs %s %s ops/s=%.0f failed=%" PRIu64 "/%" PRIu64
			" live_%s=%" PRId64 " checks=%lu%s\n",
			t, s->ad->name, s->sc->name,
			dt > 0 ? (double)(now.ops - last->ops) / dt : 0.0,
			now.fails - last->fails, now.calls - last->calls,
			s->sc->live_unit, total_live(s), s->checks,
			s->serialize ? " serialized" : "");
		fflush(s->out);
	}
	*last = now;
	*last_t = t;
	atomic_store_explicit(&s->park, 0, memory_order_release);
}

/* Run the threads; returns the elapsed seconds. Sets *peak. */
static double run_workers(struct stress *s, double seconds, int64_t *peak)
{
	double t0 = s->t0, t = 0, next = 1, last_t = 0;
	struct stress_totals last = { 0, 0, 0 };
	unsigned int i;
	int64_t live;

	*peak = 0;
	for (;;) {
		struct timespec nap = { 0, 20 * 1000 * 1000 };

		nanosleep(&nap, NULL);
		t = now_seconds() - t0;
		live = total_live(s);
		if (live > *peak)
			*peak = live;
		if (stress_interrupted || atomic_load(&s->failed) ||
		    t >= seconds)
			break;
		if (t >= next) {
			park_and_check(s, t, &last, &last_t, 0);
			pthread_barrier_wait(&s->park_out);
			next += 1;
		}
	}
	/* The last park: check, then let the workers free and leave. */
	atomic_store(&s->stop, 1);
	park_and_check(s, t, &last, &last_t, 1);
	pthread_mutex_lock(&s->vlock);
	s->sealed = 1;
	pthread_mutex_unlock(&s->vlock);
	/* Report while the allocator is as the failure left it. */
	print_report(s);
	pthread_barrier_wait(&s->park_out);
	for (i = 0; i < s->nr_threads; i++)
		pthread_join(s->workers[i].tid, NULL);
	return t;
}

static void make_reproduce(struct stress *s, const struct mmt_stress_opts *o)
{
	int n = snprintf(s->reproduce, sizeof(s->reproduce),
			 "mmtorture stress --allocator %s --scenario %s "
			 "--threads %u --seed %" PRIu64,
			 o->spec, o->sc->name, o->threads, o->seed);

	if (o->machine_spec && n > 0 && (size_t)n < sizeof(s->reproduce))
		snprintf(s->reproduce + n, sizeof(s->reproduce) - (size_t)n,
			 " --machine '%s'", o->machine_spec);
}

/* The run's shared state, before the adapter exists; NULL: no memory. */
static struct stress *stress_new(const struct mmt_adapter *ad,
				 const struct mmt_stress_opts *o, FILE *out,
				 FILE *errf)
{
	struct stress *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->ad = ad;
	s->sc = o->sc;
	s->seed = o->seed;
	s->nr_threads = o->threads;
	s->serialize = !(ad->caps & MMT_CAP_THREAD_SAFE);
	s->out = out;
	s->errf = errf;
	s->where_name = "pfn";
	s->fault_on = (ad->caps & MMT_CAP_FAULT_INJECT) && o->machine &&
		      mmt_fault_enabled(o->machine);
	pthread_mutex_init(&s->vlock, NULL);
	pthread_mutex_init(&s->serial, NULL);
	make_reproduce(s, o);
	return s;
}

static void stress_free(struct stress *s)
{
	free(s->inbox);
	free(s->workers);
	pthread_mutex_destroy(&s->vlock);
	pthread_mutex_destroy(&s->serial);
	free(s);
}

/*
 * Map the arena (PAGES without OWN_ARENA) and create the adapter on
 * machine. 0 with s->state, s->arena and s->model set, else an exit code after a
 * message; *map is what to munmap() either way.
 */
static int stress_create(struct stress *s, const struct mmt_stress_opts *o,
			 const struct mmt_machine *machine, void **map,
			 size_t *map_len)
{
	const struct mmt_adapter *ad = s->ad;
	struct mmt_adapter_env env;
	char err[512];
	int rc;

	memset(&env, 0, sizeof(env));
	env.abi_version = MMT_ADAPTER_ABI_VERSION;
	env.struct_size = (uint32_t)sizeof(env);
	env.options = o->options ? o->options : "";
	env.machine = *machine;
	env.nr_threads = s->nr_threads;
	if ((ad->caps & MMT_CAP_PAGES) && !(ad->caps & MMT_CAP_OWN_ARENA)) {
		rc = build_arena(machine, &env.arena, map, map_len, err,
				 sizeof(err));
		if (rc != 0) {
			fprintf(s->errf, "stress: %s\n", err);
			return rc == -1 ? MMT_EXIT_USAGE : MMT_EXIT_ENV;
		}
	}
	err[0] = '\0';
	rc = mmt_adapter_create(ad, &env, &s->state, err, sizeof(err));
	if (rc != 0) {
		fprintf(s->errf,
			"stress: allocator '%s' refused to start: %s\n",
			ad->name, err[0] ? err : strerror(-rc));
		return mmt_exit_for_create(rc);
	}
	s->created = 1;
	s->machine = *machine;
	if (!(ad->caps & MMT_CAP_PAGES))
		return 0;
	rc = 0;
	if (ad->caps & MMT_CAP_OWN_ARENA)
		rc = ad->pages->arena(s->state, &s->arena);
	else
		s->arena = env.arena;
	if (rc != 0 || !s->arena.base || !s->arena.page_size ||
	    !s->arena.nr_pfns) {
		fprintf(s->errf,
			"stress: allocator '%s' gave no usable arena\n",
			ad->name);
		return MMT_EXIT_ENV;
	}
	mmt_arena_from_machine(machine, s->arena.base, &s->model);
	/* the map is the machine's; an allocator's own that differs is a
	 * finding, as the executor's SHADOW-MAP */
	if ((ad->caps & MMT_CAP_OWN_ARENA) &&
	    mmt_arena_map_diff(&s->model, &s->arena, err, sizeof(err)))
		mmt_stress_violation(s, -1, 0, UINT64_MAX, "STRESS-MAP",
				     "at boot: the allocator's own map of "
				     "memory is not the machine's: %s",
				     err);
	return 0;
}

/* The scenario's state, the inboxes and the workers; 0 or MMT_EXIT_ENV.
 * s->nr_inited counts the workers to free. */
static int stress_setup_workers(struct stress *s)
{
	char err[512] = "";
	int rc;

	s->inbox = calloc(s->nr_threads, sizeof(*s->inbox));
	s->workers = calloc(s->nr_threads, sizeof(*s->workers));
	if (!s->inbox || !s->workers) {
		fprintf(s->errf, "stress: out of memory\n");
		return MMT_EXIT_ENV;
	}
	/* a scenario refuses with an exit code and a message (one that
	 * needs what the allocator lacks), or -1 out of memory */
	rc = s->sc->setup(s, err, sizeof(err));
	if (rc) {
		fprintf(s->errf, "stress: %s\n",
			rc > 0 && err[0] ? err : "out of memory");
		return rc > 0 ? rc : MMT_EXIT_ENV;
	}
	for (unsigned int i = 0; i < s->nr_threads; i++) {
		struct stress_inbox *in = &s->inbox[i];
		struct stress_worker *w = &s->workers[i];

		pthread_mutex_init(&in->lock, NULL);
		in->item_size = s->sc->item_size;
		in->v = calloc(STRESS_INBOX, in->item_size);
		w->s = s;
		w->id = i;
		w->rng = mmt_stress_stream(s->seed, i);
		atomic_init(&w->live, 0);
		s->nr_inited++;
		if (!in->v || worker_alloc(w) != 0) {
			fprintf(s->errf, "stress: out of memory\n");
			return MMT_EXIT_ENV;
		}
	}
	pthread_barrier_init(&s->park_in, NULL, s->nr_threads + 1);
	pthread_barrier_init(&s->park_out, NULL, s->nr_threads + 1);
	s->barriers = 1;
	return 0;
}

static void stress_teardown_workers(struct stress *s)
{
	if (s->barriers) {
		pthread_barrier_destroy(&s->park_in);
		pthread_barrier_destroy(&s->park_out);
	}
	for (unsigned int i = 0; i < s->nr_inited; i++) {
		worker_free(&s->workers[i]);
		free(s->inbox[i].v);
		pthread_mutex_destroy(&s->inbox[i].lock);
	}
}

static void print_banner(const struct stress *s, double seconds)
{
	FILE *out = s->out;

	fprintf(out,
		"stress: allocator=%s scenario=%s threads=%u seconds=%g "
		"seed=%" PRIu64,
		s->ad->name, s->sc->name, s->nr_threads, seconds, s->seed);
	if (s->ad->caps & MMT_CAP_PAGES)
		fprintf(out,
			" arena=%" PRIu64 " pages of %" PRIu64
			" bytes, %u orders",
			s->arena.nr_pfns, s->arena.page_size,
			s->arena.nr_orders);
	fprintf(out, "\n");
	if (s->serialize && s->nr_threads > 1)
		fprintf(out,
			"stress: '%s' is not THREAD_SAFE: its calls are "
			"serialized through one mutex\n",
			s->ad->name);
	fflush(out);
}

/* Start every worker, run them for seconds, stop them; the elapsed time. */
static double stress_workers(struct stress *s, double seconds, int64_t *peak)
{
	unsigned int created = 0;

	s->t0 = now_seconds(); /* before any worker can record a violation */
	for (unsigned int i = 0; i < s->nr_threads; i++) {
		if (pthread_create(&s->workers[i].tid, NULL, worker_main,
				   &s->workers[i]) != 0)
			break;
		created++;
	}
	if (created < s->nr_threads) {
		/* Cannot run short-handed: the barriers count every thread. */
		fprintf(s->errf, "stress: pthread_create failed after %u\n",
			created);
		_exit(MMT_EXIT_ENV);
	}
	return run_workers(s, seconds, peak);
}

/* The row and the summary line of a finished run; its exit code. */
static int stress_summary(struct stress *s, double elapsed, int64_t peak,
			  struct mmt_stress_row *row)
{
	struct stress_totals tot = totals(s);

	row->seconds = elapsed;
	row->ops = tot.ops;
	row->ops_per_s = elapsed > 0 ? (double)row->ops / elapsed : 0.0;
	row->alloc_calls = tot.calls;
	row->alloc_fails = tot.fails;
	row->peak_live = peak;
	row->violations = s->nr_violations;
	row->serialized = s->serialize;
	row->interrupted = stress_interrupted != 0;
	if (stress_interrupted)
		fprintf(s->out, "stress: interrupted\n");
	fprintf(s->out,
		"stress: allocator=%s scenario=%s threads=%u seconds=%.0f "
		"ops=%" PRIu64 " ops/s=%.0f failed=%" PRIu64 "/%" PRIu64
		" (%.1f%%) peak_live_%s=%" PRId64
		" checks=%lu violations=%lu\n",
		s->ad->name, s->sc->name, s->nr_threads, elapsed, row->ops,
		row->ops_per_s, tot.fails, tot.calls,
		percent(tot.fails, tot.calls), s->sc->live_unit, peak,
		s->checks, s->nr_violations);
	fflush(s->out);
	if (mmt_stress_mostly_failed(tot.fails, tot.calls))
		fprintf(s->errf,
			"stress: warning: %.1f%% of the allocation calls on "
			"%s failed (%" PRIu64 " of %" PRIu64
			"): ops/s counts mostly failures, not allocations\n",
			percent(tot.fails, tot.calls), row->allocator,
			tot.fails, tot.calls);
	return s->nr_violations ? MMT_EXIT_BUG : MMT_EXIT_OK;
}

/* The row's names; MMT_EXIT_USAGE (after saying so) when the adapter
 * lacks a capability the scenario needs, else 0. */
static int stress_row_start(const struct mmt_adapter *ad,
			    const struct mmt_stress_opts *o,
			    struct mmt_stress_row *row, FILE *errf)
{
	char miss[128];

	memset(row, 0, sizeof(*row));
	/* name:options, so mimalloc and mimalloc:raw are told apart */
	snprintf(row->allocator, sizeof(row->allocator), "%s%s%s", ad->name,
		 o->options && o->options[0] ? ":" : "",
		 o->options ? o->options : "");
	snprintf(row->scenario, sizeof(row->scenario), "%s", o->sc->name);
	row->threads = o->threads;
	row->live_unit = o->sc->live_unit;
	row->rc = MMT_EXIT_ENV;
	if ((ad->caps & o->sc->needs) == o->sc->needs)
		return 0;
	mmt_stress_missing_caps(o->sc->needs, ad->caps, miss, sizeof(miss));
	fprintf(errf,
		"stress: scenario %s needs %s, which allocator '%s' does not "
		"declare\n",
		o->sc->name, miss, ad->name);
	return MMT_EXIT_USAGE;
}

int mmt_stress_run(const struct mmt_adapter *ad,
		   const struct mmt_stress_opts *o, struct mmt_stress_row *row)
{
	FILE *out = o->out ? o->out : stdout, *errf = o->err ? o->err : stderr;
	struct mmt_machine machine;
	struct stress *s;
	void *map = NULL;
	size_t map_len = 0;
	int64_t peak = 0;
	double elapsed;
	int rc;

	rc = stress_row_start(ad, o, row, errf);
	if (rc)
		return row->rc = rc;
	if (o->machine)
		machine = *o->machine;
	else
		default_machine(&machine);
	if (machine.nr_cpus < o->threads)
		machine.nr_cpus = o->threads;
	s = stress_new(ad, o, out, errf);
	if (!s) {
		fprintf(errf, "stress: out of memory\n");
		return row->rc = MMT_EXIT_ENV;
	}
	rc = stress_create(s, o, &machine, &map, &map_len);
	if (!rc)
		rc = stress_setup_workers(s);
	if (!rc) {
		print_banner(s, o->seconds);
		elapsed = stress_workers(s, o->seconds, &peak);
		if (!s->nr_violations)
			run_check(s, total_ops(s)); /* the idle allocator */
		print_report(s);
		print_stop(s, elapsed, o->seconds);
		rc = stress_summary(s, elapsed, peak, row);
	}
	stress_teardown_workers(s);
	if (s->priv)
		s->sc->teardown(s);
	if (s->created)
		ad->destroy(s->state);
	if (map)
		munmap(map, map_len);
	stress_free(s);
	return row->rc = rc;
}

/* ------------------------------------------------------ the command */

static void usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"usage: mmtorture stress [--allocator SPEC[,SPEC...]] "
		"[--scenario NAME]\n"
		"                        [--threads N] [--seconds S] "
		"[--seed X] [--machine SPEC]\n"
		"  --allocator LIST  one adapter, or a comma list run one after "
		"the other\n"
		"                    and compared in a table (default "
		"$MMT_ALLOCATOR or ref-pages)\n"
		"  --scenario NAME   default: the first the allocator's "
		"capabilities allow\n"
		"  --threads N       1..%u worker threads, one simulated CPU "
		"each (2)\n"
		"  --seconds S       run time per allocator (10)\n"
		"  --seed X          PRNG seed; same seed, same op sequence per "
		"thread (1)\n"
		"  --machine SPEC    pages-mix: a machine spec (as in a "
		"program's machine line\n"
		"                    and dump --machine), e.g. "
		"\"profile=x86_64 bank=64M@0\n"
		"                    bank=64M@4G\" (default); \"any\": one of "
		"the binary\n"
		"                    header's machines, drawn by the seed\n"
		"  --fail SPEC       pages-mix: fault injection on top of the "
		"machine,\n"
		"                    KEY=VALUE[,...], e.g. "
		"probability=10,times=-1\n"
		"                    (docs/fault-injection.md)\n"
		"scenarios:\n",
		STRESS_MAX_THREADS);
	for (i = 0; i < NR_SCENARIOS; i++)
		fprintf(out, "  %-12s %s\n", scenarios[i]->name,
			scenarios[i]->summary);
	fprintf(out, "exit: 0 held, 1 violation found, 2 bad usage, "
		     "3 environment\n");
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
	const char *fail; /* --fail */
	const char *scenario; /* NULL: by capability */
	uint64_t threads, seed;
	double seconds;
};

static const char *const value_options[] = { "--allocator", "--machine",
					     "--fail",	    "--scenario",
					     "--threads",   "--seed",
					     "--seconds" };

/* Returns -1 to go on, else an exit code. */
static int parse_args(int argc, char **argv, struct stress_args *a)
{
	int i;

	a->allocator = getenv("MMT_ALLOCATOR");
	if (!a->allocator || !*a->allocator)
		a->allocator = "ref-pages";
	a->machine = NULL;
	a->fail = NULL;
	a->scenario = NULL;
	a->threads = 2;
	a->seed = 1;
	a->seconds = 10;
	for (i = 1; i < argc; i++) {
		const char *opt = argv[i], *val;
		char *end;
		size_t k;

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
		for (k = 0;
		     k < sizeof(value_options) / sizeof(value_options[0]); k++)
			if (!strcmp(opt, value_options[k]))
				break;
		if (k == sizeof(value_options) / sizeof(value_options[0])) {
			fprintf(stderr, "stress: unknown option '%s'\n", opt);
			usage(stderr);
			return MMT_EXIT_USAGE;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "stress: %s needs a value\n", opt);
			return MMT_EXIT_USAGE;
		}
		val = argv[++i];
		if (!strcmp(opt, "--allocator")) {
			a->allocator = val;
		} else if (!strcmp(opt, "--machine")) {
			a->machine = val;
		} else if (!strcmp(opt, "--fail")) {
			a->fail = val;
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
		} else {
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
		}
	}
	if (a->scenario && !mmt_stress_scenario(a->scenario)) {
		fprintf(stderr, "stress: --scenario '%s': unknown (known:",
			a->scenario);
		for (size_t k = 0; k < NR_SCENARIOS; k++)
			fprintf(stderr, "%s %s", k ? "," : "",
				scenarios[k]->name);
		fprintf(stderr, ")\n");
		return MMT_EXIT_USAGE;
	}
	return -1;
}

/* One --allocator list item, resolved. */
struct stress_item {
	char spec[512];
	const struct mmt_adapter *ad;
	const char *options;
	const struct stress_scenario *sc;
};

/*
 * Split the list and resolve every item before anything runs, so a typo
 * or a scenario the caps forbid fails at once. 0, or an exit code.
 */
static int resolve_list(const struct stress_args *a, struct stress_item *it,
			size_t *n)
{
	const char *p = a->allocator;
	char err[512];

	*n = 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		struct stress_item *x;
		int rc;

		if (*n == MAX_ALLOCATORS) {
			fprintf(stderr,
				"stress: --allocator: more than %u allocators\n",
				MAX_ALLOCATORS);
			return MMT_EXIT_USAGE;
		}
		x = &it[*n];
		if (len == 0 || len >= sizeof(x->spec)) {
			fprintf(stderr,
				"stress: --allocator '%s': empty or too long "
				"item\n",
				a->allocator);
			return MMT_EXIT_USAGE;
		}
		memcpy(x->spec, p, len);
		x->spec[len] = '\0';
		err[0] = '\0';
		rc = mmt_adapter_select(x->spec, &x->ad, &x->options, err,
					sizeof(err));
		if (rc != 0 || !x->ad) {
			fprintf(stderr, "stress: --allocator '%s': %s\n",
				x->spec, err[0] ? err : "not available");
			return rc ? rc : MMT_EXIT_USAGE;
		}
		if (mmt_adapter_validate(x->ad, err, sizeof(err)) != 0) {
			fprintf(stderr, "stress: %s\n", err);
			return MMT_EXIT_USAGE;
		}
		/* options create() refuses stop the list before anything runs */
		rc = mmt_adapter_try_create(x->ad, x->options, err,
					    sizeof(err));
		if (rc != 0) {
			fprintf(stderr, "stress: --allocator '%s': %s\n",
				x->spec, err);
			return rc;
		}
		if (a->scenario) {
			x->sc = mmt_stress_scenario(a->scenario);
			if ((x->ad->caps & x->sc->needs) != x->sc->needs) {
				char miss[128];

				mmt_stress_missing_caps(x->sc->needs,
							x->ad->caps, miss,
							sizeof(miss));
				fprintf(stderr,
					"stress: --scenario %s needs the %s "
					"capability, which allocator '%s' "
					"lacks\n",
					x->sc->name, miss, x->ad->name);
				return MMT_EXIT_USAGE;
			}
		} else {
			x->sc = mmt_stress_default_scenario(x->ad->caps);
			if (!x->sc) {
				fprintf(stderr,
					"stress: allocator '%s' has neither "
					"PAGES nor OBJECTS: no scenario can "
					"run on it\n",
					x->ad->name);
				return MMT_EXIT_USAGE;
			}
		}
		(*n)++;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	return 0;
}

const char *mmt_stress_verdict(const struct mmt_stress_row *r)
{
	if (r->violations)
		return "FAIL";
	if (r->rc != MMT_EXIT_OK)
		return "error";
	if (mmt_stress_mostly_failed(r->alloc_fails, r->alloc_calls))
		return "mostly-fail";
	if (r->interrupted)
		return "interrupted";
	return "ok";
}

static void format_live(const struct mmt_stress_row *r, char *buf, size_t len)
{
	if (r->live_unit && !strcmp(r->live_unit, "bytes")) {
		if (r->peak_live >= (int64_t)10 << 20)
			snprintf(buf, len, "%.1f MiB",
				 (double)r->peak_live / (1 << 20));
		else
			snprintf(buf, len, "%.1f KiB",
				 (double)r->peak_live / 1024);
	} else {
		snprintf(buf, len, "%" PRId64 " %s", r->peak_live,
			 r->live_unit ? r->live_unit : "");
	}
}

void mmt_stress_print_table(FILE *f, const struct mmt_stress_row *rows,
			    size_t n)
{
	size_t i;
	int wa = 9;

	for (i = 0; i < n; i++)
		if ((int)strlen(rows[i].allocator) > wa)
			wa = (int)strlen(rows[i].allocator);
	fprintf(f, "\n%-*s %-12s %7s %7s %12s %12s %18s %14s %10s %s\n", wa,
		"allocator", "scenario", "threads", "seconds", "ops", "ops/s",
		"failed", "peak live", "violations", "verdict");
	for (i = 0; i < n; i++) {
		const struct mmt_stress_row *r = &rows[i];
		char live[32], failed[40];

		format_live(r, live, sizeof(live));
		snprintf(failed, sizeof(failed), "%" PRIu64 " (%.1f%%)",
			 r->alloc_fails,
			 percent(r->alloc_fails, r->alloc_calls));
		fprintf(f,
			"%-*s %-12s %7u %7.1f %12" PRIu64
			" %12.0f %18s %14s %10lu %s%s\n",
			wa, r->allocator, r->scenario, r->threads, r->seconds,
			r->ops, r->ops_per_s, failed, live, r->violations,
			mmt_stress_verdict(r),
			r->serialized && r->threads > 1 ? " (serialized)" : "");
	}
	fflush(f);
}

int mmt_stress_main(int argc, char **argv)
{
	static struct stress_item items[MAX_ALLOCATORS];
	struct mmt_stress_row rows[MAX_ALLOCATORS];
	struct mmt_machine machine;
	struct stress_args args;
	static char any_spec[1024];
	struct sigaction sa, old_sa;
	size_t n = 0, i, ran = 0;
	int rc = parse_args(argc, argv, &args), worst = MMT_EXIT_OK;
	int any_bug = 0;

	if (rc >= 0)
		return rc;
	rc = resolve_list(&args, items, &n);
	if (rc)
		return rc;
	if (args.machine && !strcmp(args.machine, "any")) {
		/* a machine of the binary header's set, drawn by the seed; the
		 * reproduce line names it */
		mmt_prog_table_machine(args.seed, &machine);
		mmt_machine_format_spec(&machine, any_spec, sizeof(any_spec));
		args.machine = any_spec;
		printf("stress: --machine any, seed %" PRIu64 ": %s\n",
		       args.seed, any_spec);
	} else if (args.machine && parse_machine(args.machine, &machine) != 0) {
		return MMT_EXIT_USAGE;
	}
	if (args.fail) {
		char msg[400];

		if (!args.machine)
			default_machine(&machine);
		if (mmt_fault_parse_option(args.fail, &machine, msg,
					   sizeof(msg))) {
			fprintf(stderr, "stress: --fail '%s': %s\n", args.fail,
				msg);
			return MMT_EXIT_USAGE;
		}
		/* the reproduce line names the machine with its fail_ keys */
		mmt_machine_format_spec(&machine, any_spec, sizeof(any_spec));
		args.machine = any_spec;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stress_on_sigint;
	sigemptyset(&sa.sa_mask);
	stress_interrupted = 0;
	sigaction(SIGINT, &sa, &old_sa);
	for (i = 0; i < n && !stress_interrupted; i++) {
		struct mmt_stress_opts o = {
			.spec = items[i].spec,
			.options = items[i].options,
			.sc = items[i].sc,
			.machine = args.machine ? &machine : NULL,
			.machine_spec = args.machine,
			.threads = (unsigned int)args.threads,
			.seconds = args.seconds,
			.seed = args.seed,
		};

		rc = mmt_stress_run(items[i].ad, &o, &rows[ran]);
		ran++;
		if (rc == MMT_EXIT_BUG)
			any_bug = 1;
		else if (rc != MMT_EXIT_OK && worst == MMT_EXIT_OK)
			worst = rc;
	}
	sigaction(SIGINT, &old_sa, NULL);
	mmt_stress_print_table(stdout, rows, ran);
	return any_bug ? MMT_EXIT_BUG : worst;
}
