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

#endif /* MMTORTURE_CRASH_H */
