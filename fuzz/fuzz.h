/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz.h - what a fuzz target and fuzz/driver.c agree on.
 *
 * A target defines the two libFuzzer entry points. It may be linked either
 * with libFuzzer (-fsanitize=fuzzer, fuzz preset) or with fuzz/driver.c,
 * the standalone main() used by every other preset (dev, tsan, release,
 * afl).
 *
 * When a target finds a bug it prints a readable trace (the helpers
 * below, shared by every target: a title line, the program's header and
 * each op that ran, the violations, the state, the reproduce command),
 * then calls the weak hook mmt_fuzz_on_bug() if something defines it, and
 * aborts unless the hook returned non-zero. libFuzzer defines no hook, so
 * the abort makes it save the input; the driver defines the hook to write
 * the artifact itself, and asks the target to return so it can count the
 * crash and go on (under afl-fuzz it lets the abort happen, so AFL++ saves
 * the input).
 *
 * When the allocator itself crashes (aborts, faults, makes ASan report),
 * no target code runs to print a report: the crash note of
 * mmtorture/crash.h prints the ops that ran and the one that was running,
 * then hands the signal on, so libFuzzer or the driver still save the
 * input. A target installs it at its first input
 * (mmt_fuzz_crash_install()), once libFuzzer has set its own handlers.
 * A finding the allocator raises from inside an op (a ref assertion,
 * REF-ASSERT) is printed as a bug report and then aborts the same way.
 *
 * How an input replays depends on the target (fuzz_pages: mmtorture
 * replay; fuzz_diff: mmtorture diff with both sides): each target defines
 * mmt_fuzz_reproduce_args(), which the driver's "reproduce:" line uses.
 */
#ifndef MMT_FUZZ_H
#define MMT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/crash.h>
#include <mmtorture/exec.h>
#include <mmtorture/machine.h>
#include <mmtorture/ops.h>

#include "mmt_lib.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);
/* libFuzzer's own mutator; weak, since driver.c builds do not have it */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size)
	__attribute__((weak));

/*
 * Called by a target on a bug, after its report, with the input as given.
 * Return 0 to let the target abort(), non-zero to make it return instead.
 */
int mmt_fuzz_on_bug(const uint8_t *data, size_t size) __attribute__((weak));

/*
 * The mmtorture arguments that replay an input of this target, without the
 * file: "replay --allocator ref-pages", "diff --allocator A --against B".
 * Defined by each target (weak, so a driver linked with a target that
 * lacks it falls back to "replay"); NULL before the target's set-up ran.
 */
const char *mmt_fuzz_reproduce_args(void) __attribute__((weak));

/*
 * Append " --NAME SPEC" to b, SPEC quoted for a POSIX shell where it needs
 * it (lib's mmt_shell_quote(), the CLI's quoting too).
 */
static inline void mmt_fuzz_put_arg(struct mmt_sbuf *b, const char *name,
				    const char *spec)
{
	mmt_sbuf_puts(b, " --");
	mmt_sbuf_puts(b, name);
	mmt_sbuf_putc(b, ' ');
	mmt_shell_quote(b, spec);
}

/*
 * Bug report, part 1: the title line ("==== TITLE (N ops, M ran)"), the
 * program's header lines as text, then each op that ran as text with its
 * index ("#12     alloc_pages s3 order=2 gfp=GFP_KERNEL"). Ops past the
 * last that ran never executed and are left out.
 */
static inline void mmt_fuzz_print_program(FILE *out, const char *title,
					  const struct mmt_prog *prog,
					  size_t ops_run)
{
	struct mmt_prog hdr = *prog;
	size_t last = prog->nr_ops < ops_run ? prog->nr_ops : ops_run;
	char line[512];
	char *text;

	fprintf(out, "==== %s (%zu ops, %zu ran)\n", title, prog->nr_ops,
		ops_run);
	hdr.nr_ops = 0;
	text = mmt_prog_format_text(&hdr);
	if (text) {
		fputs(text, out);
		free(text);
	}
	for (size_t n = 0; n < last; n++) {
		mmt_op_format(&prog->ops[n], line, sizeof(line));
		fprintf(out, "#%-6zu %s\n", n, line);
	}
}

/*
 * Part 2: "==== N WHAT:" ("violation(s)", "finding(s)"), then each kept
 * violation with its op index (or "at end of input"), id, layer, message.
 */
static inline void mmt_fuzz_print_report(FILE *out, const char *what,
					 const struct mmt_report *r)
{
	fprintf(out, "==== %lu %s:\n", r->total, what);
	for (unsigned int i = 0; i < r->nr && i < MMT_REPORT_MAX; i++) {
		const struct mmt_violation *v = &r->v[i];

		if (v->op_index == MMT_OP_END)
			fprintf(out, "  at end of input: ");
		else if (v->op_index == MMT_OP_BOOT)
			fprintf(out, "  at boot: ");
		else
			fprintf(out, "  op #%zu: ", v->op_index);
		fprintf(out, "%s [%s] %s\n", v->id, v->layer, v->message);
	}
}

/* Part 3: "==== TITLE:" and a state dump (buddyinfo, a live table), when
 * there is one; a missing final newline is added. */
static inline void mmt_fuzz_print_state(FILE *out, const char *title,
					const char *state)
{
	size_t n = strlen(state);

	if (n)
		fprintf(out, "==== %s:\n%s%s", title, state,
			state[n - 1] == '\n' ? "" : "\n");
}

/* Part 4: the command that replays the input, then flush. */
static inline void mmt_fuzz_print_reproduce(FILE *out)
{
	const char *args = mmt_fuzz_reproduce_args ? mmt_fuzz_reproduce_args() :
						     NULL;

	fprintf(out, "==== reproduce: mmtorture %s FILE\n",
		args ? args : "replay");
	fflush(out);
}

/*
 * A finding from inside the allocator that cannot return (mmtorture/
 * crash.h: a ref assertion, REF-ASSERT): the same report as a bug the run
 * returns, the running op last, then mmt_crash_finding() aborts, so
 * libFuzzer or the driver save the input as for any crash.
 */
static inline void mmt_fuzz_on_finding(void *ctx,
				       const struct mmt_crash_finding *f)
{
	static struct mmt_report r;
	char title[200];
	size_t ran;

	(void)ctx;
	if (!f->prog)
		return;
	memset(&r, 0, sizeof(r));
	r.nr = 1;
	r.total = 1;
	r.v[0] = f->v;
	ran = f->v.op_index < f->prog->nr_ops ? f->v.op_index + 1 :
						f->prog->nr_ops;
	snprintf(title, sizeof(title),
		 "bug found by allocator '%s' inside an op", f->adapter);
	mmt_fuzz_print_program(stderr, title, f->prog, ran);
	mmt_fuzz_print_report(stderr, "violation(s)", &r);
	mmt_fuzz_print_reproduce(stderr);
}

/*
 * The crash note, installed at a target's first input rather than in
 * LLVMFuzzerInitialize: libFuzzer sets its handlers after that call and
 * leaves alone a signal that already has one, so a note installed first
 * would keep libFuzzer from handling SIGABRT, SIGBUS, SIGILL and SIGFPE
 * (and from saving the input). Installed after, it runs first and hands
 * each signal on to libFuzzer's handler. The driver installs it itself,
 * after its own handlers; then this does nothing.
 */
static inline void mmt_fuzz_crash_install(void)
{
	static int done;

	if (!done) {
		done = 1;
		mmt_crash_install(NULL);
		mmt_crash_set_reporter(mmt_fuzz_on_finding, NULL, 1);
	}
}

/*
 * Present RAM a fuzz input's machine may have. The table machines of the
 * binary format are at most 64 MiB, but the escape form carries a text
 * machine spec, and a mutated one can ask for tens of GiB: such an input
 * runs for seconds (every full check walks every present page) and drags
 * the whole campaign down. Targets skip it and return -1, which keeps it
 * out of libFuzzer's corpus. Replay has no such limit.
 */
#define MMT_FUZZ_MAX_RAM (256ULL << 20)

static inline int mmt_fuzz_machine_too_big(const struct mmt_prog *prog)
{
	const struct mmt_machine *m = &prog->machine;

	if (prog->opset != MMT_OPSET_PAGES)
		return 0;
	/* the RAM the machine has, below its mem= limit */
	return (mmt_machine_present_pages(m) << m->page_shift) >
	       MMT_FUZZ_MAX_RAM;
}

/*
 * The start every target shares: copy the input into a buffer of exactly
 * its size (so a decoder over-read is seen by ASan) and decode it.
 * Returns 0 with *copy and *prog to free, 1 when out of memory (nothing to
 * learn: return 0), -1 when the program's op set is not among sets (bit
 * per set: the program names its own, byte 0) or the machine is too big
 * (return -1: kept out of the corpus).
 */
static inline int mmt_fuzz_decode(const uint8_t *data, size_t size,
				  uint32_t sets, uint8_t **copy,
				  struct mmt_prog *prog)
{
	*copy = malloc(size ? size : 1);
	if (!*copy)
		return 1;
	if (size)
		memcpy(*copy, data, size);
	if (mmt_prog_decode(*copy, size, prog) != 0) {
		free(*copy);
		return 1;
	}
	if ((unsigned int)prog->opset >= 32 || !(sets & (1u << prog->opset)) ||
	    mmt_fuzz_machine_too_big(prog)) {
		mmt_prog_free(prog);
		free(*copy);
		return -1;
	}
	return 0;
}

/*
 * The end every target shares once a bug's report is printed: free the
 * program, let the driver's hook keep the input (it returns non-zero to
 * go on), else abort so libFuzzer or AFL++ saves it. Returns 0 for the
 * target to return.
 */
static inline int mmt_fuzz_bug_end(struct mmt_prog *prog, uint8_t *copy,
				   size_t size)
{
	mmt_prog_free(prog);
	if (mmt_fuzz_on_bug && mmt_fuzz_on_bug(copy, size)) {
		free(copy);
		return 0;
	}
	abort();
}

/*
 * The mutator every target installs as LLVMFuzzerCustomMutator: byte 0
 * names the program's op set (format v2), and a target rejects a set it
 * cannot run, so libFuzzer's byte mutations of byte 0 (and inserts or
 * erases at offset 0) would spend a quarter of all executions on inputs
 * that are thrown away. Byte 0 is kept to a set in sets; libFuzzer's
 * mutator works on the rest. libFuzzer turns its -len_control ramp off
 * when a target has a custom mutator (max_size is -max_len at once), and
 * long programs are slow programs, so the mutator keeps its own ramp: no
 * input grows past MMT_FUZZ_LEN0 bytes plus one per MMT_FUZZ_LEN_STEP
 * mutations so far (longer seeds are mutated within their size). One
 * mutation in 64 moves a program to another set the target runs, so a
 * target with several sets still crosses between them. Deterministic in
 * seed and the number of calls.
 */
#define MMT_FUZZ_LEN0 32
#define MMT_FUZZ_LEN_STEP 512

static inline size_t mmt_fuzz_mutate(uint8_t *data, size_t size,
				     size_t max_size, unsigned int seed,
				     uint32_t sets)
{
	static size_t nr_calls;
	unsigned int nr = (unsigned int)__builtin_popcount(sets), pick;
	size_t rest, limit = MMT_FUZZ_LEN0 + nr_calls++ / MMT_FUZZ_LEN_STEP;

	if (!LLVMFuzzerMutate || max_size < 2 || nr == 0)
		return size;
	if (size == 0 || data[0] >= 32 || !(sets & (1u << data[0])) ||
	    (nr > 1 && seed % 64 == 0)) {
		pick = (seed / 64) % nr;
		for (unsigned int id = 0; id < 32; id++)
			if ((sets & (1u << id)) && pick-- == 0) {
				data[0] = (uint8_t)id;
				break;
			}
		if (size == 0)
			size = 1;
	}
	if (limit < size)
		limit = size;
	if (max_size > limit)
		max_size = limit;
	rest = LLVMFuzzerMutate(data + 1, size - 1, max_size - 1);
	return rest + 1;
}

/*
 * A single-allocator target (fuzz_pages, fuzz_upool): the program's set,
 * the allocator, the state's label in a report and the run's stops, and
 * how many inputs the allocator refused (the first is reported once).
 */
struct mmt_fuzz_single {
	const char *target; /* "fuzz_pages" */
	unsigned int set; /* MMT_OPSET_* the target runs */
	const char *state_label; /* "state", "pools" */
	int check_at_end, stop_on_violation;
	const struct mmt_adapter *adapter; /* set by the target's init */
	const char *options;
	unsigned long nr_refused;
};

/*
 * The body of LLVMFuzzerTestOneInput for such a target: decode (rejects
 * return -1), run under the shadow, and on a bug print the program, the
 * violations, the state and the reproduce line, then mmt_fuzz_bug_end().
 */
static inline int mmt_fuzz_run_single(struct mmt_fuzz_single *t,
				      const uint8_t *data, size_t size)
{
	static struct mmt_exec_result res;
	struct mmt_exec_opts opts;
	struct mmt_prog prog;
	char err[256] = "", title[200];
	uint8_t *copy;
	int rc;

	rc = mmt_fuzz_decode(data, size, 1u << t->set, &copy, &prog);
	if (rc)
		return rc < 0 ? -1 : 0; /* -1 keeps it out of the corpus */
	mmt_exec_opts_default(&opts);
	opts.check_at_end = t->check_at_end;
	opts.stop_on_violation = t->stop_on_violation;
	opts.caller_rules = 0; /* the allocator's bugs, not the program's */
	memset(&res, 0, sizeof(res));
	rc = mmt_exec_run(t->adapter, t->options, &prog, &opts, &res, err,
			  sizeof(err));
	if (rc == MMT_EXIT_BUG) {
		snprintf(title, sizeof(title),
			 "%s: bug found by allocator '%s'", t->target,
			 t->adapter->name);
		mmt_fuzz_print_program(stderr, title, &prog, res.ops_run);
		mmt_fuzz_print_report(stderr, "violation(s)", &res.report);
		mmt_fuzz_print_state(stderr, t->state_label, res.state);
		mmt_fuzz_print_reproduce(stderr);
		return mmt_fuzz_bug_end(&prog, copy, size);
	}
	if (rc != MMT_EXIT_OK && t->nr_refused++ == 0)
		fprintf(stderr,
			"%s: note: allocator '%s' refused an input (exit %d): "
			"%s (reported once)\n",
			t->target, t->adapter->name, rc,
			err[0] ? err : "no reason");
	mmt_prog_free(&prog);
	free(copy);
	return 0;
}

/*
 * The two libFuzzer entry points of a single-allocator target t (a
 * struct mmt_fuzz_single) whose LLVMFuzzerInitialize sets ad and opts.
 */
#define MMT_FUZZ_SINGLE_ENTRIES(t, ad, opts)                               \
	size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,         \
				       size_t max_size, unsigned int seed) \
	{                                                                  \
		return mmt_fuzz_mutate(data, size, max_size, seed,         \
				       1u << (t).set);                     \
	}                                                                  \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)       \
	{                                                                  \
		mmt_fuzz_crash_install();                                  \
		if (!(ad))                                                 \
			LLVMFuzzerInitialize(NULL, NULL);                  \
		(t).adapter = (ad);                                        \
		(t).options = (opts);                                      \
		return mmt_fuzz_run_single(&(t), data, size);              \
	}

#endif /* MMT_FUZZ_H */
