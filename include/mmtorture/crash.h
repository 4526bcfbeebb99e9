/* SPDX-License-Identifier: MIT */
/*
 * mmtorture/crash.h - say which op was running when the allocator crashed.
 *
 * A plug-in that aborts or faults takes the process with it, and with it
 * the report the harness would have printed. mmt_crash_install() puts a
 * handler in front of whatever handles SIGSEGV, SIGBUS, SIGABRT, SIGILL
 * and SIGFPE (a sanitizer's, libFuzzer's, the standalone driver's or the
 * default action) and registers with ASan's error report callback (under
 * TSan, which reports SIGSEGV, SIGBUS and SIGFPE itself, with its death
 * callback instead of those three handlers: harness/crash.c). While a run
 * is in progress, a crash then prints, on stderr:
 *
 *   ==== crash: SIGABRT in allocator 'crasher' during op #4 (47 ops, 4 ran before it)
 *   #0      alloc_pages s0 order=0 gfp=GFP_KERNEL
 *   ...
 *   #4      alloc_pages s4 order=4 gfp=GFP_KERNEL   <- running
 *   ==== crash: SIGABRT during op #4 of allocator 'crasher'; ...
 *
 * and one line, "!! crash: SIGABRT in allocator 'crasher' during op #4:
 * alloc_pages ...", on the run's trace stream and on the report stream
 * given to mmt_crash_install() when they are other files than stderr.
 * Then the handler that was there before runs with the same arguments, so
 * ASan still prints its report, libFuzzer or the driver still save the
 * input, and the process ends with the status it would have had. Outside
 * a run (no op registered) a crash only goes to that previous handler.
 *
 * Where a run is, is told by the executor: mmt_crash_point() before each
 * op (flushing the trace stream, so every line written so far has reached
 * its file or pipe), MMT_CRASH_AT_END for the end-of-input checks and
 * frees, and mmt_crash_point(NULL, NULL, 0, NULL) once the run is closed.
 * The point is per thread; a crash reports the run of the thread that
 * crashed.
 *
 * Install it after the handlers it must chain to: in main() for the CLI,
 * at the first input for a fuzz target (libFuzzer sets its own handlers
 * after LLVMFuzzerInitialize, and it leaves a signal alone that already
 * has a handler). MMT_CRASH_NOTE=0 in the environment leaves every handler
 * as it is. The handler formats with the harness's own op printer into
 * stack buffers and writes with write(2); it allocates nothing.
 */
#ifndef MMTORTURE_CRASH_H
#define MMTORTURE_CRASH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ops.h"
#include "report.h"

/* The op index that stands for the end-of-input checks and frees. */
#define MMT_CRASH_AT_END SIZE_MAX

/*
 * Install the handlers (once per process; later calls do nothing).
 * report: a stream that gets the one-line note too (the CLI's stdout), or
 * NULL. Returns 0, or -1 when MMT_CRASH_NOTE=0 kept them out.
 */
int mmt_crash_install(FILE *report);

/*
 * The calling thread's run is about to run op `op` of prog on the adapter
 * named adapter (MMT_CRASH_AT_END: the end-of-input phase); trace is the
 * run's trace stream or NULL, and is flushed here. prog NULL: no run.
 */
void mmt_crash_point(const char *adapter, const struct mmt_prog *prog,
		     size_t op, FILE *trace);

/*
 * Findings that cannot return. An allocator that detects its own
 * corruption deep inside an op (a ref assertion: adapters/ref_pages.c
 * gives ref a handler that calls mmt_crash_finding()) cannot hand a
 * report back to the executor, and abort() would end the run as a crash
 * with no id. mmt_crash_finding() turns it into a finding of the op the
 * calling thread's run is in (its crash point), and ends the process:
 *   - the trace stream gets "\n!! ID in allocator 'A' during op #K: OP"
 *     (so the trace line of the op that was running is ended);
 *   - the reporter set with mmt_crash_set_reporter() prints the finding
 *     as its front end prints findings (replay: the FAIL block), or, with
 *     none set, stderr gets "==== finding: ID [LAYER] during op #K of
 *     allocator 'A': MESSAGE" and the report stream of
 *     mmt_crash_install() the "!!" line;
 *   - every stdio stream is flushed (fflush(NULL));
 *   - then _exit(MMT_EXIT_BUG) (no atexit handler, no leak check: the run
 *     was cut short), or, when the reporter asked for it (a fuzz target,
 *     so libFuzzer or the driver save the input), abort(), which the
 *     crash note's SIGABRT handler hands on as for any crash.
 * Outside a run the finding is printed with "outside a run" and the
 * process ends the same way. When several threads get here at once, the
 * first reports and the others wait for the end. Not for signal
 * handlers: it formats with snprintf and flushes stdio.
 */
struct mmt_crash_finding {
	const char *adapter; /* the run's allocator; NULL outside a run */
	const struct mmt_prog *prog; /* NULL outside a run */
	struct mmt_violation v; /* op_index MMT_CRASH_AT_END: end of input */
};

typedef void (*mmt_crash_report_fn)(void *ctx,
				    const struct mmt_crash_finding *f);

/*
 * The process's reporter for mmt_crash_finding() (fn NULL: the default
 * print), and whether to abort() rather than exit 1 after it.
 */
void mmt_crash_set_reporter(mmt_crash_report_fn fn, void *ctx, int abort_after);

_Noreturn void mmt_crash_finding(const char *id, const char *layer,
				 const char *message);

#endif /* MMTORTURE_CRASH_H */
