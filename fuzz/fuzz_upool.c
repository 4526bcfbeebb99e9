/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_upool.c - the memory pool fuzz target.
 *
 * Decode, run, check. Every byte string is a program (docs/op-format.md);
 * this target runs those of op set upool: upool_create, upool_alloc,
 * upool_free, upool_destroy and check, pools by index, chunks by slot.
 * The executor runs them on the adapter MMT_ALLOCATOR names (default
 * "ref-pages", whose pools take their blocks from the reference buddy)
 * under the pool shadow, with the adapter's full self-check at the end of
 * every input (for ref-pages that walks the pools, UPOOL-*, and the buddy
 * they took their blocks from).
 *
 * As fuzz_pages: the input is copied into an exactly sized buffer, a bug
 * prints the op trace, the violations, the pool state and the command
 * that replays it (fuzz/fuzz.h), then aborts so the fuzzer keeps the
 * input; an input the adapter refuses is noted once, not a bug.
 *
 * State: the adapter is resolved once in LLVMFuzzerInitialize. Single
 * threaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/exec.h>
#include <mmtorture/ops.h>

#include "fuzz.h"

#define TARGET "fuzz_upool"

static const struct mmt_adapter *up_adapter;
static const char *up_options;
static struct mmt_fuzz_single upool_target = {
	.target = TARGET,
	.set = MMT_OPSET_UPOOL,
	.state_label = "pools",
};
static char up_repro[1200];

/* The allocator MMT_ALLOCATOR names, refused now when it cannot run. */
static void up_select(const char *spec)
{
	char err[512] = "";
	int rc;

	if (mmt_adapter_select(spec, &up_adapter, &up_options, err,
			       sizeof(err)) ||
	    !up_adapter) {
		fprintf(stderr, TARGET ": MMT_ALLOCATOR='%s': %s\n", spec,
			err[0] ? err : "cannot select this allocator");
		exit(MMT_EXIT_USAGE);
	}
	if (!(up_adapter->caps & MMT_CAP_UPOOL)) {
		fprintf(stderr,
			TARGET ": MMT_ALLOCATOR='%s': allocator '%s' has no "
			       "UPOOL capability; " TARGET
			       " runs pool programs\n",
			spec, up_adapter->name);
		exit(MMT_EXIT_USAGE);
	}
	rc = mmt_adapter_try_create(up_adapter, up_options, err, sizeof(err));
	if (rc) {
		fprintf(stderr, TARGET ": MMT_ALLOCATOR='%s': %s\n", spec, err);
		exit(rc == MMT_EXIT_ENV ? MMT_EXIT_ENV : MMT_EXIT_USAGE);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *spec = getenv("MMT_ALLOCATOR");
	struct mmt_sbuf repro;

	mmt_process_init(argc ? *argc : 0, argv ? *argv : NULL);
	up_select(spec && *spec ? spec : "ref-pages");
	mmt_sbuf_init(&repro, up_repro, sizeof(up_repro));
	mmt_sbuf_puts(&repro, "replay");
	mmt_fuzz_put_arg(&repro, "allocator",
			 spec && *spec ? spec : "ref-pages");
	return 0;
}

const char *mmt_fuzz_reproduce_args(void)
{
	return up_adapter ? up_repro : NULL;
}

MMT_FUZZ_SINGLE_ENTRIES(upool_target, up_adapter, up_options)
