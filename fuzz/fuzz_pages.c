/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_pages.c - the page allocator fuzz target.
 *
 * Decode, run, check. Every byte string is a program (the binary op format
 * v1 of docs/op-format.md is total): a machine header, then PAGES ops
 * (alloc_pages, alloc_page, get_free_pages, get_free_page, get_zeroed_page,
 * free_pages, free_pages_page, free_page, check) on slots of a live table.
 * The executor runs them on the adapter named by the environment variable
 * MMT_ALLOCATOR (default "ref-pages") under the shadow model, with the
 * adapter's full self-check at the end of every input.
 *
 * The input is first copied into a buffer of exactly its size so that an
 * over-read by the decoder is seen by ASan.
 *
 * On a bug (MMT_EXIT_BUG) the target prints every op that ran, with its
 * index, then each violation (op index, id, layer, message), the zone
 * state and the command that replays it (mmtorture replay --target
 * fuzz_pages --allocator SPEC FILE), with the helpers of fuzz/fuzz.h, and
 * aborts so libFuzzer or AFL++ keeps the input (see fuzz/fuzz.h for the
 * driver's hook). Inputs the adapter cannot run (a machine it
 * refuses, a missing capability) are not bugs: they are counted and the
 * first one is reported once.
 *
 * State: the adapter is resolved once in LLVMFuzzerInitialize; nothing
 * else outlives an input. Single threaded, as libFuzzer and AFL++ are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/exec.h>
#include <mmtorture/ops.h>

#include "fuzz.h"

static const struct mmt_adapter *fuzz_adapter;
static const char *fuzz_options;
static struct mmt_fuzz_single pages_target = {
	.target = "fuzz_pages",
	.set = MMT_OPSET_PAGES,
	.state_label = "state",
	.check_at_end = 1,
	.stop_on_violation = 1,
};
static char fuzz_repro[1200]; /* mmtorture arguments that replay an input */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *spec = getenv("MMT_ALLOCATOR");
	struct mmt_sbuf repro;
	char err[512];
	int rc;

	/* May re-execute the process once so any peer can be loaded. */
	mmt_process_init(argc ? *argc : 0, argv ? *argv : NULL);
	if (!spec || !*spec)
		spec = "ref-pages";
	err[0] = '\0';
	if (mmt_adapter_select(spec, &fuzz_adapter, &fuzz_options, err,
			       sizeof(err)) != 0 ||
	    !fuzz_adapter) {
		fprintf(stderr, "fuzz_pages: MMT_ALLOCATOR='%s': %s\n", spec,
			err[0] ? err : "cannot select this allocator");
		exit(MMT_EXIT_USAGE);
	}
	/* every input is a pages program: an allocator without PAGES would
	 * refuse each one, so refuse it once, now */
	if (!(fuzz_adapter->caps & MMT_CAP_PAGES)) {
		fprintf(stderr,
			"fuzz_pages: MMT_ALLOCATOR='%s': allocator '%s' has no "
			"PAGES capability; fuzz_pages runs page programs (for "
			"an OBJECTS allocator use fuzz_diff)\n",
			spec, fuzz_adapter->name);
		exit(MMT_EXIT_USAGE);
	}
	/* options create() refuses: exit now, not one refusal per input */
	rc = mmt_adapter_try_create(fuzz_adapter, fuzz_options, err,
				    sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "fuzz_pages: MMT_ALLOCATOR='%s': %s\n", spec,
			err);
		exit(rc == MMT_EXIT_ENV ? MMT_EXIT_ENV : MMT_EXIT_USAGE);
	}
	mmt_sbuf_init(&repro, fuzz_repro, sizeof(fuzz_repro));
	mmt_sbuf_puts(&repro, "replay");
	mmt_fuzz_put_arg(&repro, "allocator", spec);
	return 0;
}

const char *mmt_fuzz_reproduce_args(void)
{
	return fuzz_adapter ? fuzz_repro : NULL;
}

MMT_FUZZ_SINGLE_ENTRIES(pages_target, fuzz_adapter, fuzz_options)
