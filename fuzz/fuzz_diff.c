/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_diff.c - the differential fuzz target: one program, two
 * allocators, every op compared (harness/diff.c, docs/diff.md).
 *
 * Sides: A is $MMT_ALLOCATOR (default "ref-pages"), B is $MMT_AGAINST
 * (default "ref-pages" when A has PAGES, else "glibc"); $MMT_STRICT=1
 * compares PAGES block offsets exactly (both sides must be PAGES with
 * POLICY_BUDDY, else the target refuses to start, exit 2). The op set the
 * bytes decode to follows the pair: pages when both have PAGES, else
 * objects when both have OBJECTS, else the target refuses to start.
 *
 * Every byte string is a program (the binary op format v1 is total). The
 * input is copied into a buffer of exactly its size so an over-read by
 * the decoder is seen by ASan. Each side runs under its own shadow model;
 * mmt_diff_run() stops at the first op that reports anything.
 *
 * On a finding the target prints the program as text (the ops that ran,
 * with their index), both outcomes of the first op that reported, every
 * violation and divergence and the command that replays it, then calls
 * mmt_fuzz_on_bug() and aborts unless the hook says return (fuzz/fuzz.h).
 * Inputs a side cannot run (a machine it refuses) are counted and the
 * first is reported once; they are not findings.
 *
 * State: the two adapters are resolved once in LLVMFuzzerInitialize;
 * nothing else outlives an input. Single threaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/diff.h>
#include <mmtorture/exec.h>
#include <mmtorture/ops.h>

#include "fuzz.h"

static const struct mmt_adapter *fuzz_a, *fuzz_b;
static const char *fuzz_opts_a, *fuzz_opts_b;
static const char *fuzz_spec_a, *fuzz_spec_b;
static uint32_t fuzz_sets; /* bit per op set both sides can run */
static int fuzz_strict;
static int fuzz_ready;
static unsigned long fuzz_nr_refused;
static char fuzz_repro[2400]; /* mmtorture arguments that replay an input */

static void select_side(const char *var, const char *spec,
			const struct mmt_adapter **ad, const char **opts)
{
	char err[256] = "";

	if (mmt_adapter_select(spec, ad, opts, err, sizeof(err)) != 0 || !*ad) {
		fprintf(stderr, "fuzz_diff: %s='%s': %s\n", var, spec,
			err[0] ? err : "cannot select this allocator");
		exit(MMT_EXIT_USAGE);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *strict = getenv("MMT_STRICT");
	struct mmt_sbuf repro;
	char err[400] = "";

	mmt_process_init(argc ? *argc : 0, argv ? *argv : NULL);
	fuzz_spec_a = getenv("MMT_ALLOCATOR");
	if (!fuzz_spec_a || !*fuzz_spec_a)
		fuzz_spec_a = "ref-pages";
	select_side("MMT_ALLOCATOR", fuzz_spec_a, &fuzz_a, &fuzz_opts_a);
	fuzz_spec_b = getenv("MMT_AGAINST");
	if (!fuzz_spec_b || !*fuzz_spec_b)
		fuzz_spec_b = (fuzz_a->caps & MMT_CAP_PAGES) ? "ref-pages" :
							       "glibc";
	select_side("MMT_AGAINST", fuzz_spec_b, &fuzz_b, &fuzz_opts_b);
	/* options create() refuses: exit now, not one refusal per input */
	for (int side = 0; side < 2; side++) {
		int rc = mmt_adapter_try_create(
			side ? fuzz_b : fuzz_a,
			side ? fuzz_opts_b : fuzz_opts_a, err, sizeof(err));

		if (rc != 0) {
			fprintf(stderr, "fuzz_diff: %s='%s': %s\n",
				side ? "MMT_AGAINST" : "MMT_ALLOCATOR",
				side ? fuzz_spec_b : fuzz_spec_a, err);
			exit(rc == MMT_EXIT_ENV ? MMT_EXIT_ENV :
						  MMT_EXIT_USAGE);
		}
	}
	if (mmt_diff_opsets(fuzz_a, fuzz_b, &fuzz_sets, err, sizeof(err))) {
		fprintf(stderr, "fuzz_diff: %s\n", err);
		exit(MMT_EXIT_USAGE);
	}
	fuzz_strict = strict && strcmp(strict, "1") == 0;
	if (strict && *strict && strcmp(strict, "0") != 0 &&
	    strcmp(strict, "1") != 0) {
		fprintf(stderr, "fuzz_diff: MMT_STRICT='%s': want 0 or 1\n",
			strict);
		exit(MMT_EXIT_USAGE);
	}
	if (fuzz_strict &&
	    mmt_diff_strict_ok(fuzz_a, fuzz_b, err, sizeof(err))) {
		fprintf(stderr, "fuzz_diff: MMT_STRICT=1: %s\n", err);
		exit(MMT_EXIT_USAGE);
	}
	mmt_sbuf_init(&repro, fuzz_repro, sizeof(fuzz_repro));
	mmt_sbuf_puts(&repro, "diff");
	mmt_fuzz_put_arg(&repro, "allocator", fuzz_spec_a);
	mmt_fuzz_put_arg(&repro, "against", fuzz_spec_b);
	if (fuzz_strict)
		mmt_sbuf_puts(&repro, " --strict");
	fprintf(stderr, "fuzz_diff: A=%s B=%s op sets", fuzz_a->name,
		fuzz_b->name);
	for (unsigned int i = 0; i < MMT_NR_OPSETS; i++)
		if (fuzz_sets & (1u << i))
			fprintf(stderr, " %s", mmt_opset_name(i));
	fprintf(stderr, "%s\n", fuzz_strict ? " (strict)" : "");
	fuzz_ready = 1;
	return 0;
}

const char *mmt_fuzz_reproduce_args(void)
{
	return fuzz_ready ? fuzz_repro : NULL;
}

static void print_bug(FILE *out, const struct mmt_prog *prog,
		      const struct mmt_diff_result *res)
{
	char title[300], ta[200], tb[200];

	snprintf(title, sizeof(title), "fuzz_diff: finding: A '%s' vs B '%s'%s",
		 fuzz_a->name, fuzz_b->name, fuzz_strict ? " strict" : "");
	mmt_fuzz_print_program(out, title, prog, res->ops_run);
	if (res->have_outcomes) {
		mmt_diff_outcome_format(&res->a, ta, sizeof(ta));
		mmt_diff_outcome_format(&res->b, tb, sizeof(tb));
		fprintf(out, "==== op #%zu: A %s: %s\n              B %s: %s\n",
			res->first_op, fuzz_a->name, ta, fuzz_b->name, tb);
	}
	mmt_fuzz_print_report(out, "finding(s)", &res->report);
	mmt_fuzz_print_state(out, "state of A", res->side[0].state);
	mmt_fuzz_print_state(out, "state of B", res->side[1].state);
	mmt_fuzz_print_reproduce(out);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	if (!fuzz_ready)
		LLVMFuzzerInitialize(NULL, NULL);
	return mmt_fuzz_mutate(data, size, max_size, seed, fuzz_sets);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mmt_diff_result res;
	struct mmt_diff_opts opts;
	struct mmt_prog prog;
	uint8_t *copy;
	char err[512];
	int rc;

	mmt_fuzz_crash_install();
	if (!fuzz_ready)
		LLVMFuzzerInitialize(NULL, NULL);
	rc = mmt_fuzz_decode(data, size, fuzz_sets, &copy, &prog);
	if (rc)
		return rc < 0 ? -1 : 0; /* -1 keeps it out of the corpus */
	mmt_diff_opts_default(&opts);
	opts.strict = fuzz_strict;
	opts.stop_on_divergence = 1;
	err[0] = '\0';
	rc = mmt_diff_run(fuzz_a, fuzz_opts_a, fuzz_b, fuzz_opts_b, &prog,
			  &opts, &res, err, sizeof(err));
	if (rc == MMT_EXIT_BUG) {
		print_bug(stderr, &prog, &res);
		return mmt_fuzz_bug_end(&prog, copy, size);
	}
	if (rc != MMT_EXIT_OK && fuzz_nr_refused++ == 0)
		fprintf(stderr,
			"fuzz_diff: note: an input was refused (exit %d): %s "
			"(reported once)\n",
			rc, err[0] ? err : "no reason");
	mmt_prog_free(&prog);
	free(copy);
	return 0;
}
