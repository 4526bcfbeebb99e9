/* SPDX-License-Identifier: MIT */
/*
 * exec_int.h - what the executor (exec.c) and its layers (layers/) share.
 *
 * The executor is a generic driver: it validates the adapter, builds the
 * env and the arena, creates the adapter, and then runs each op through
 * the layer that owns the op's op set (a row of mmt_layers[], one per
 * op set, harness/layers.c), keeping for itself the check op, the
 * periodic and final full checks, the trace and the crash note. A layer
 * brings its own shadow (its state in ex->ls[its set]), its steps, its
 * teardown at the end of input, its probe of the emptied allocator, its state view for a report and its
 * close. Adding a layer is its file under harness/layers/ and a row.
 *
 * Single threaded: one struct mmt_exec per run, no locks.
 */
#ifndef MMT_EXEC_INT_H
#define MMT_EXEC_INT_H

#include <stdint.h>
#include <stdio.h>

#include <mmtorture/exec.h>

#include "mmt_internal.h"
#include "mmt_lib.h"

#define MMT_FILL_SEED 0x6d6d74307274ULL /* "mmtort" */

struct mmt_exec {
	const struct mmt_adapter *ad;
	void *state;
	int created;
	const struct mmt_prog *prog;
	struct mmt_exec_opts o;
	uint32_t every; /* check every N ops, 0 = never */
	int strict;
	struct mmt_arena arena; /* PAGES adapters: the arena they manage */
	struct mmt_arena_lease lease; /* ours (no OWN_ARENA); base NULL else */
	void *ls[MMT_NR_OPSETS]; /* each open layer's state (its shadow) */
	size_t cur_op; /* op index findings are filed under */
	int dumped;
	int finished;
	int dirty; /* an op ran since the last full check (1 at open) */
	struct mmt_exec_result res;
};

/* One allocator layer of the executor (see the file comment). */
struct mmt_layer {
	const char *name; /* "pages" */
	unsigned int set; /* the op set whose ops it runs */
	/* After create: build the state in ex->ls[set]; 0, or an exit code
	 * with err set. */
	int (*open)(struct mmt_exec *ex, char *err, size_t errlen);
	/* Run op i (never check) on slot; fill *oc when oc is not NULL. */
	void (*step)(struct mmt_exec *ex, size_t i, const struct mmt_op *op,
		     unsigned int slot, struct mmt_op_outcome *oc);
	/* End of input: free every live slot (op index SIZE_MAX). */
	void (*teardown)(struct mmt_exec *ex);
	/* After every layer's teardown: what the layer can check of an
	 * allocator with nothing live (pages: the capacity probe). May be
	 * NULL. */
	void (*probe)(struct mmt_exec *ex);
	/* The state a report shows (buf, len: ex->res.state). */
	void (*state)(struct mmt_exec *ex, char *buf, size_t len);
	/* Before the adapter is destroyed: hand back what a run stopped
	 * early left, drop the state. Called for an opened layer only. */
	void (*close)(struct mmt_exec *ex);
};

/* The layer of op set set, or NULL (harness/layers.c). */
const struct mmt_layer *mmt_layer_for(unsigned int set);

extern const struct mmt_layer mmt_layer_pages;
extern const struct mmt_layer mmt_layer_objects;
extern const struct mmt_layer mmt_layer_upool;

#endif /* MMT_EXEC_INT_H */
