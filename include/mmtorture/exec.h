/* SPDX-License-Identifier: MIT */
/*
 * mmtorture/exec.h - run an op sequence on an adapter under the shadow.
 *
 * The executor reaches the allocator only through struct mmt_adapter. After
 * every op the shadow model (harness/shadow.c, independent of ref/) checks
 * the result; every check_every ops and at the end the adapter's own
 * check() (ref_check for the reference) runs at full level.
 *
 * Reports always carry the op index, the layer and the invariant id.
 * The report type and exit codes are report.h's, the adapters by name
 * registry.h's, the machine model machine.h's; this header includes them.
 */
#ifndef MMTORTURE_EXEC_H
#define MMTORTURE_EXEC_H

#include <stdint.h>
#include <stdio.h>

#include "adapter.h"
#include "ops.h"

#include "machine.h"
#include "registry.h"
#include "report.h"

struct mmt_exec_opts {
	uint32_t check_every; /* 0: take the program's value */
	int check_at_end; /* full adapter check after the last op (1) */
	int strict; /* -1 from caps (POLICY_BUDDY), 0 off, 1 on */
	FILE *trace; /* non-NULL: print each op and its result here */
	int stop_on_violation; /* stop at the first op that reports (1) */
	/*
	 * Report the program's own breaches of the context rules (1): an
	 * allocation that may sleep in atomic context (CTX-SLEEP) and a CPU
	 * left atomic at the end (CTX-LEAK). 0 tracks them without a
	 * finding: the fuzz targets and diff judge the allocator, and random
	 * programs break these rules all the time. Whether the allocator
	 * agreed (CTX-REPORT) is checked either way.
	 */
	int caller_rules;
};

void mmt_exec_opts_default(struct mmt_exec_opts *o);

/*
 * The capacity probe's budget in blocks (docs/checkers.md): an order whose
 * plan would take the probe past it is not drained, nor any order below
 * it. A machine of few orders on much RAM (one order over 64 MiB: 16384
 * order-0 blocks) would otherwise cost a fuzz input a hundred times its
 * ops; the machines of the binary layouts need a few dozen.
 */
#define MMT_PROBE_BUDGET 1024u

struct mmt_exec_result {
	size_t ops_run;
	size_t allocs; /* successful allocations */
	size_t alloc_fails; /* allocations that returned NULL */
	size_t frees;
	size_t checks; /* full checks run */
	size_t checks_skipped; /* full checks of an unchanged machine skipped */
	size_t probe_blocks; /* blocks the capacity probe drained */
	size_t probe_partial; /* probes stopped at MMT_PROBE_BUDGET */
	struct mmt_report report;
	char state[4096]; /* on a violation: buddyinfo of the adapter, if any */
};

/*
 * The exit code for an adapter's create() error, the same in every
 * command: the environment (MMT_EXIT_ENV) for -ENOMEM, -ENOENT (a library
 * or file the allocator needs is missing), -EAGAIN, -EMFILE, -ENFILE and
 * -ENOSPC; bad input (MMT_EXIT_USAGE) for anything else, -EINVAL for an
 * option or a machine the allocator does not support in particular.
 */
int mmt_exit_for_create(int ret);

/*
 * The arena the harness maps for a PAGES adapter without OWN_ARENA (and for
 * stress): anonymous, MAP_NORESERVE (untouched pages cost nothing), one
 * page per pfn up to the machine's last present pfn, and aligned to one
 * top-order block, so that a block of order k at a pfn aligned to 2^k
 * pages lies at an address aligned to 2^k pages too, as in a direct map.
 * *len gets the length to munmap(); MAP_FAILED with errno on failure.
 */
void *mmt_arena_map(const struct mmt_machine *m, size_t *len);

/*
 * Create the adapter for prog->machine, run every op, destroy it.
 * Returns MMT_EXIT_OK, MMT_EXIT_BUG (see res->report), MMT_EXIT_USAGE (the
 * program needs a capability the adapter lacks; err says which), or
 * MMT_EXIT_ENV (create failed for lack of a resource; err says which).
 */
int mmt_exec_run(const struct mmt_adapter *ad, const char *options,
		 const struct mmt_prog *prog, const struct mmt_exec_opts *opts,
		 struct mmt_exec_result *res, char *err, size_t errlen);

/*
 * Step by step: the same run as mmt_exec_run(), one op at a time, so that
 * a differential runner can drive two adapters in lockstep and compare
 * what each op did. mmt_exec_run() is built on these.
 *
 *   mmt_exec_open()    validate, create the adapter, build the shadow;
 *                      returns as mmt_exec_run() does (0, 2 or 3).
 *   mmt_exec_step()    run op i (ops must be stepped in order 0..n-1),
 *                      including the every-N check; fills *oc; returns the
 *                      number of violations this op added.
 *   mmt_exec_finish()  end of input: the full check, free every live slot,
 *                      the check again (as mmt_exec_run() does).
 *   mmt_exec_result()  the running totals and report.
 *   mmt_exec_close()   destroy the adapter and free everything.
 */
struct mmt_exec;

/* What one op did, in terms two different allocators can be compared on. */
struct mmt_op_outcome {
	uint32_t kind; /* enum mmt_op_kind */
	uint32_t slot;
	int is_alloc; /* the op allocates (pages, malloc, calloc, realloc...) */
	int is_free; /* the op frees a live slot */
	int skipped; /* nothing happened (free of an empty slot, ...) */
	int ok; /* allocation: non-NULL; free: accepted */
	int must_succeed; /* the capacity oracle required success */
	int must_fail; /* the request was impossible (order, zone, size) */
	/* PAGES: the block's pfn relative to the arena and its order. */
	uint64_t pfn;
	uint32_t order;
	int zone; /* enum mmt_zone_type, -1 when not known */
	/* OBJECTS: requested size, usable size (0 unless USABLE_SIZE) and
	 * the largest power of two dividing the address (capped at 4096). */
	uint64_t size;
	uint64_t usable;
	uint64_t addr_align;
	/* Digest of the contents the op promises (calloc/zeroed: zeros;
	 * realloc: the preserved prefix of the old fill), 0 when the op
	 * promises none; equal for two correct allocators. */
	uint64_t digest;
	int has_digest;
};

int mmt_exec_open(const struct mmt_adapter *ad, const char *options,
		  const struct mmt_prog *prog, const struct mmt_exec_opts *opts,
		  struct mmt_exec **out, char *err, size_t errlen);
unsigned long mmt_exec_step(struct mmt_exec *ex, size_t i,
			    struct mmt_op_outcome *oc);
void mmt_exec_finish(struct mmt_exec *ex);
const struct mmt_exec_result *mmt_exec_result(const struct mmt_exec *ex);
void mmt_exec_close(struct mmt_exec *ex);

#endif /* MMTORTURE_EXEC_H */
