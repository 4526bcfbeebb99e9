/* SPDX-License-Identifier: MIT */
/*
 * ref_pages.h - what the ref-pages adapter (adapters/ref_pages.c) offers
 * besides its adapter table: the one conversion of a harness machine and
 * ref-pages options into a reference config, for the commands that build
 * reference machines themselves (dump, bench); and the adapter's state
 * and capability tables, shared by its files (ref_pages.c: PAGES, the
 * machine, check, dump, trace; ref_pages_upool.c: UPOOL).
 */
#ifndef MMT_ADAPTERS_REF_PAGES_H
#define MMT_ADAPTERS_REF_PAGES_H

#include <pthread.h>
#include <stddef.h>

#include <mmtorture/adapter.h>

#include <ref/check.h>
#include <ref/mm.h>

struct rp_shrinker;

/* One ref-pages instance: a reference machine and what check() reuses. */
struct ref_pages {
	struct ref_mm *mm;
	struct ref_config config; /* as built: the reuse key */
	pthread_mutex_t report_lock; /* guards report */
	struct ref_report report; /* check()'s, kept: no allocation per check */
	mmt_event_fn fn;
	void *ctx;
	unsigned int flags;
	/* The spinlocks context calls name (lock=0..3); zeroed: unlocked. */
	struct ref_spinlock locks[MMT_CTX_NR_LOCKS];
	/* Shrinkers registered through the ABI and not yet unregistered
	 * (struct rp_shrinker, ref_pages.c), under shrinker_lock. */
	pthread_mutex_t shrinker_lock;
	struct rp_shrinker *shrinkers;
	int kswapd_thread; /* ref_kswapd_run() succeeded at create */
};

/* UPOOL: ref_upool pools on the instance's machine (ref_pages_upool.c). */
extern const struct mmt_upool_ops mmt_ref_pages_upool_ops;

/*
 * The config ref-pages' create() builds for machine m: its profile, era,
 * page size, orders, CPUs, banks and reserved ranges, then options (the
 * text after "ref-pages:" in --allocator: ref's own keys, such as mem=)
 * applied on top, and the result validated. Returns 0, or -1 with err
 * naming the key or rule.
 */
int mmt_ref_pages_config(const struct mmt_machine *m, const char *options,
			 struct ref_config *c, char *err, size_t errlen);

#endif /* MMT_ADAPTERS_REF_PAGES_H */
