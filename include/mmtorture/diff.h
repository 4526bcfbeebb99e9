/* SPDX-License-Identifier: MIT */
/*
 * mmtorture/diff.h - differential runs: one program on two allocators.
 *
 * mmt_diff_run() opens a step-by-step executor (exec.h) on each adapter
 * for the same program, runs op i on side A, then on side B, and compares
 * what each did (struct mmt_op_outcome). Each side keeps its own shadow
 * model, so every check of a single run still applies; the comparison
 * adds what only a second allocator can tell (docs/diff.md):
 *
 *   DIFF-MUST-SUCCEED  one side failed an allocation its oracle says must
 *                      succeed, while the other side succeeded
 *   DIFF-CONTENT       both promise contents (calloc, zeroed pages, the
 *                      kept prefix of a realloc) and the digests differ
 *   DIFF-USABLE        a side's usable size is below the request
 *   DIFF-ALIGN         a side broke an alignment promise
 *   DIFF-OFFSET        strict only: both succeeded, pfn or order differ
 *
 * Violations found by either side's own checks (shadow, oracle, the
 * adapter's self-check) are copied in with their id, the layer prefixed
 * "A:" or "B:" and the message with the side and the adapter's name.
 * Divergences have layer "diff".
 *
 * A failure on both sides is never a divergence, nor is a failure on one
 * side that its oracle allows (a different allocator may fragment
 * differently).
 *
 * Single threaded; nothing global.
 */
#ifndef MMTORTURE_DIFF_H
#define MMTORTURE_DIFF_H

#include <stddef.h>
#include <stdio.h>

#include "adapter.h"
#include "exec.h"
#include "ops.h"

struct mmt_diff_opts {
	int strict; /* compare PAGES block offsets exactly (DIFF-OFFSET) */
	FILE *trace; /* non-NULL: each op and both outcomes here */
	int stop_on_divergence; /* stop after the first op that reports */
};

/* strict 0, trace NULL, stop_on_divergence 1. */
void mmt_diff_opts_default(struct mmt_diff_opts *o);

struct mmt_diff_result {
	size_t ops_run; /* ops stepped on both sides */
	int finished; /* the end of input (finish) ran on both */
	/* Divergences and side violations, in the order found. */
	struct mmt_report report;
	/* The first op that reported, with both outcomes (SIZE_MAX: none,
	 * or the first report came at the end of input). */
	size_t first_op;
	int have_outcomes; /* a and b below are valid */
	struct mmt_op_outcome a, b;
	/* Each side's own totals (allocs, frees, checks) and report; its
	 * state from its first violation (PAGES: the adapter's buddyinfo;
	 * OBJECTS: the live objects, "sN ADDR size S usable U align A" with
	 * A the alignment ADDR has, as in the outcomes, and " (asked R)"
	 * after it for an aligned op). */
	struct mmt_exec_result side[2];
};

/*
 * The op sets two adapters can both run (bit per enum mmt_opset: both
 * have every capability the set needs). Returns 0 with *sets non-zero,
 * or MMT_EXIT_USAGE with err naming a set one side could run and the
 * other not.
 */
int mmt_diff_opsets(const struct mmt_adapter *a, const struct mmt_adapter *b,
		    uint32_t *sets, char *err, size_t errlen);

/*
 * Whether strict comparison applies to a pair: both PAGES and both
 * POLICY_BUDDY. Returns 0, or MMT_EXIT_USAGE with err saying why not.
 */
int mmt_diff_strict_ok(const struct mmt_adapter *a, const struct mmt_adapter *b,
		       char *err, size_t errlen);

/*
 * Run prog on A (options optsA) and B (optsB) in lockstep.
 * Returns MMT_EXIT_OK (no divergence, no violation), MMT_EXIT_BUG (see
 * res->report), MMT_EXIT_USAGE (strict on a pair it does not apply to,
 * the program's op set is not one both can run, or an executor refused
 * the program: err says which side and why) or MMT_EXIT_ENV (a side could
 * not be created for lack of a resource). res may be large: allocate it.
 */
int mmt_diff_run(const struct mmt_adapter *a, const char *optsA,
		 const struct mmt_adapter *b, const char *optsB,
		 const struct mmt_prog *prog, const struct mmt_diff_opts *opts,
		 struct mmt_diff_result *res, char *err, size_t errlen);

/* One outcome as text ("ok pfn 0x10 order 2 zone DMA32", "NULL (must
 * succeed)", "skipped", ...); returns the full length like snprintf. */
size_t mmt_diff_outcome_format(const struct mmt_op_outcome *oc, char *buf,
			       size_t len);

#endif /* MMTORTURE_DIFF_H */
