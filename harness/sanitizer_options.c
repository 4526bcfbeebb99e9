/* SPDX-License-Identifier: MIT */
/*
 * sanitizer_options.c - the sanitizer defaults compiled into mmtorture and
 * into the fuzz targets (linked into those executables only, not into
 * mmt_harness: the unit tests keep the options ctest gives them).
 *
 * Exit status. Every report of ASan, UBSan, LSan or TSan ends the process
 * with 1, "a bug was found", the status every program of the suite uses
 * for a bug (README.md, exit codes). ASan, UBSan and LSan default to 1
 * already; ThreadSanitizer's own default is 66, which no caller of ours
 * reads as a bug. The fuzz targets keep libFuzzer's conventions: a crash
 * libFuzzer handles itself (a deadly signal, a timeout, a leak it finds)
 * still ends with its -error_exitcode / -timeout_exitcode, and a
 * sanitizer report still runs libFuzzer's death callback, which saves the
 * input, before the sanitizer exits with 1 (its default, unchanged).
 * Neither abort_on_error nor any handle_* flag is set, so who handles a
 * signal is as before.
 *
 * Fuzz targets (MMT_SANITIZER_OPTIONS_FUZZ) also get a 16 MiB ASan
 * quarantine instead of 256 MiB: with the default, every input's few KiB
 * of heap are fresh memory (a page fault) for the first minutes of a run,
 * which halves exec/s; 16 MiB still keeps thousands of inputs' frees
 * poisoned for use-after-free detection.
 *
 * allocator_may_return_null=1 (ASan): the objects layer asks for sizes no
 * allocator can serve (above PTRDIFF_MAX, a calloc whose nmemb x size
 * wraps) and requires NULL. A plug-in that passes such a request on to
 * the host's malloc reaches ASan's allocator in these builds, which by
 * default ends the process instead (allocation-size-too-big,
 * calloc-overflow); with this key it returns NULL as the allocator it
 * stands for does.
 *
 * A sanitizer parses these strings before its *SAN_OPTIONS variable, so
 * the environment overrides each key (ASAN_OPTIONS=exitcode=23 gives 23,
 * ASAN_OPTIONS=quarantine_size_mb=256 the default quarantine) and keeps
 * the others.
 *
 * MMT_SANITIZER_SELFTEST=asan|ubsan|lsan|tsan in the environment makes
 * the program commit that sanitizer's kind of bug at start-up (a heap
 * overflow, a signed overflow, a leak, a data race), so a test can check
 * the exit status of a report (tests/tools/sanitizers.sh). A kind this
 * build has no sanitizer for is said on stderr and not committed.
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANOPT_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define SANOPT_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(SANOPT_ASAN)
#define SANOPT_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__) && !defined(SANOPT_TSAN)
#define SANOPT_TSAN 1
#endif

#ifdef MMT_SANITIZER_OPTIONS_FUZZ
#define SANOPT_ASAN_EXTRA ":quarantine_size_mb=16"
#else
#define SANOPT_ASAN_EXTRA ""
#endif

/* The runtimes' hooks (declared here: their headers do not all have them). */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);
const char *__lsan_default_options(void);
const char *__tsan_default_options(void);

const char *__asan_default_options(void)
{
	return "exitcode=1:allocator_may_return_null=1" SANOPT_ASAN_EXTRA;
}

const char *__ubsan_default_options(void)
{
	return "exitcode=1";
}

const char *__lsan_default_options(void)
{
	return "exitcode=1";
}

const char *__tsan_default_options(void)
{
	return "exitcode=1";
}

/* ------------------------------------------------------------ self-test */

static void *volatile sanopt_sink __attribute__((unused));
#ifdef SANOPT_TSAN
static int sanopt_racy;

static void *sanopt_race(void *arg)
{
	sanopt_racy++;
	return arg;
}
#endif

static void sanopt_not_built(const char *kind, const char *sanitizer)
{
	fprintf(stderr,
		"MMT_SANITIZER_SELFTEST=%s: this build has no %s, nothing "
		"done\n",
		kind, sanitizer);
}

#ifdef SANOPT_ASAN
__attribute__((noinline)) static void sanopt_leak(void)
{
	sanopt_sink = malloc(96);
	sanopt_sink = NULL;
}
#endif

__attribute__((constructor)) static void sanopt_selftest(void)
{
	const char *kind = getenv("MMT_SANITIZER_SELFTEST");

	if (!kind || !*kind)
		return;
	if (strcmp(kind, "asan") == 0) {
#ifdef SANOPT_ASAN
		volatile size_t at = 16;
		char *p = malloc(16);

		if (p)
			p[at] = 1; /* one past the end: heap-buffer-overflow */
		free(p);
#else
		sanopt_not_built(kind, "AddressSanitizer");
#endif
	} else if (strcmp(kind, "ubsan") == 0) {
#ifdef MMT_SANITIZER_OPTIONS_UBSAN
		volatile int big = INT_MAX, one = 1;
		int sum = big + one; /* signed overflow */

		sanopt_sink = (void *)(size_t)(unsigned int)sum;
#else
		sanopt_not_built(kind, "UndefinedBehaviorSanitizer");
#endif
	} else if (strcmp(kind, "lsan") == 0) {
#ifdef SANOPT_ASAN
		sanopt_leak(); /* reported when the program exits */
#else
		sanopt_not_built(kind, "LeakSanitizer");
#endif
	} else if (strcmp(kind, "tsan") == 0) {
#ifdef SANOPT_TSAN
		pthread_t t;

		if (pthread_create(&t, NULL, sanopt_race, NULL) == 0) {
			sanopt_racy++; /* unsynchronised with the thread's */
			pthread_join(t, NULL);
		}
#else
		sanopt_not_built(kind, "ThreadSanitizer");
#endif
	} else {
		fprintf(stderr,
			"MMT_SANITIZER_SELFTEST=%s: want asan, ubsan, lsan or "
			"tsan\n",
			kind);
	}
}
