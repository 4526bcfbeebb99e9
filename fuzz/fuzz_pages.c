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
static unsigned long fuzz_nr_refused;
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

static void print_bug(FILE *out, const struct mmt_prog *prog,
		      const struct mmt_exec_result *res)
{
	char title[200];

	snprintf(title, sizeof(title),
		 "fuzz_pages: bug found by allocator '%s'", fuzz_adapter->name);
	mmt_fuzz_print_program(out, title, prog, res->ops_run);
	mmt_fuzz_print_report(out, "violation(s)", &res->report);
	mmt_fuzz_print_state(out, "state", res->state);
	mmt_fuzz_print_reproduce(out);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	return mmt_fuzz_mutate(data, size, max_size, seed,
			       1u << MMT_OPSET_PAGES);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mmt_exec_result res;
	struct mmt_exec_opts opts;
	struct mmt_prog prog;
	uint8_t *copy;
	char err[256];
	int rc;

	mmt_fuzz_crash_install();
	if (!fuzz_adapter)
		LLVMFuzzerInitialize(NULL, NULL);
	rc = mmt_fuzz_decode(data, size, 1u << MMT_OPSET_PAGES, &copy, &prog);
	if (rc)
		return rc < 0 ? -1 : 0; /* -1 keeps it out of the corpus */

	mmt_exec_opts_default(&opts);
	opts.check_at_end = 1;
	opts.stop_on_violation = 1;
	memset(&res, 0, sizeof(res));
	err[0] = '\0';
	rc = mmt_exec_run(fuzz_adapter, fuzz_options, &prog, &opts, &res, err,
			  sizeof(err));
	if (rc == MMT_EXIT_BUG) {
		print_bug(stderr, &prog, &res);
		return mmt_fuzz_bug_end(&prog, copy, size);
	}
	if (rc != MMT_EXIT_OK && fuzz_nr_refused++ == 0)
		fprintf(stderr,
			"fuzz_pages: note: allocator '%s' refused an input "
			"(exit %d): %s (reported once)\n",
			fuzz_adapter->name, rc, err[0] ? err : "no reason");
	mmt_prog_free(&prog);
	free(copy);
	return 0;
}
