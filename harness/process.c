/* SPDX-License-Identifier: MIT */
/*
 * process.c - make the process able to host every built-in peer.
 *
 * The problem: libjemalloc.so.2 keeps its thread state in initial-exec TLS.
 * A library loaded at start-up gets that from the static TLS block; one
 * loaded later with dlopen() must fit into the block's surplus, which glibc
 * sizes once, at start-up, from the tunable glibc.rtld.optional_static_tls
 * (512 bytes by default: too small, dlopen fails with "cannot allocate
 * memory in static TLS block"). Nothing can grow it afterwards.
 *
 * The fix: mmt_process_init(argc, argv), first thing in main() (or in a
 * fuzz target's LLVMFuzzerInitialize, with libFuzzer's argv), checks
 * GLIBC_TUNABLES. When the tunable is missing it appends it (keeping any
 * tunables already there), sets the guard variable MMT_PROCESS_REEXEC=1 and
 * re-executes /proc/self/exe with the same argv. The new image finds the
 * guard, removes it (so programs it starts may do the same once), and goes
 * on. At most one re-exec per process image: with the guard set and the
 * tunable still missing (glibc drops GLIBC_TUNABLES for set-uid programs)
 * it carries on and jemalloc reports itself unavailable with the reason.
 *
 * Cases where it does not re-execute and only notes why (the note is
 * handed to adapters/peers.c, which appends it to jemalloc's "not
 * available" reason; the harness depends on adapters/, never the reverse):
 *   - argv is NULL or empty;
 *   - AFL++ is driving the process (__AFL_SHM_ID in the environment): the
 *     fork server is already running in this image and a re-exec would
 *     start a second one on afl-fuzz's pipes; set GLIBC_TUNABLES in
 *     afl-fuzz's environment instead (it is passed to the target);
 *   - /proc/self/exe is the dynamic loader (a program started as
 *     "ld-linux-x86-64.so.2 ./prog"), which would not re-run the program;
 *   - execv() fails.
 * libFuzzer calls LLVMFuzzerInitialize before it parses its flags, opens
 * files or starts threads, so re-executing there is safe; its -fork/-jobs
 * children inherit the environment and do not re-execute again.
 *
 * Not thread-safe: call it before any thread starts (it edits environ).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mmtorture/exec.h>

#include "../adapters/peers.h"

#define REEXEC_GUARD "MMT_PROCESS_REEXEC"

static char process_note[256];

/* Does the GLIBC_TUNABLES value v already set the static TLS tunable? */
static int has_tls_tunable(const char *v)
{
	size_t len = strlen(MMT_PEER_TLS_NAME);

	while (v && *v) {
		if (strncmp(v, MMT_PEER_TLS_NAME, len) == 0 && v[len] == '=')
			return 1;
		v = strchr(v, ':');
		if (v)
			v++;
	}
	return 0;
}

/* Is /proc/self/exe the dynamic loader rather than the program? */
static int exe_is_loader(void)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	const char *base;

	if (n <= 0)
		return 0;
	path[n] = '\0';
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return strncmp(base, "ld-linux", 8) == 0 ||
	       strncmp(base, "ld.so", 5) == 0;
}

/* Re-execute with the tunable, or leave the reason in process_note. */
static void arrange_tls(int argc, char **argv)
{
	const char *old = getenv("GLIBC_TUNABLES");
	int guard = getenv(REEXEC_GUARD) != NULL;
	char *val;
	size_t len;

	if (guard)
		unsetenv(REEXEC_GUARD);
	if (has_tls_tunable(old))
		return;
	if (guard) {
		snprintf(process_note, sizeof(process_note),
			 "re-executed with GLIBC_TUNABLES=%s but the tunable "
			 "did not arrive (set-uid program?)",
			 MMT_PEER_TLS_TUNABLE);
		return;
	}
	if (!argv || argc < 1 || !argv[0]) {
		snprintf(process_note, sizeof(process_note),
			 "mmt_process_init() had no argv to re-execute with");
		return;
	}
	if (getenv("__AFL_SHM_ID")) {
		snprintf(process_note, sizeof(process_note),
			 "under AFL++ the process cannot re-execute itself: "
			 "export GLIBC_TUNABLES=%s before afl-fuzz",
			 MMT_PEER_TLS_TUNABLE);
		return;
	}
	if (exe_is_loader()) {
		snprintf(process_note, sizeof(process_note),
			 "started through the dynamic loader, cannot "
			 "re-execute");
		return;
	}
	len = (old ? strlen(old) + 1 : 0) + strlen(MMT_PEER_TLS_TUNABLE) + 1;
	val = malloc(len);
	if (!val) {
		snprintf(process_note, sizeof(process_note),
			 "out of memory setting GLIBC_TUNABLES");
		return;
	}
	if (old && *old)
		snprintf(val, len, "%s:%s", old, MMT_PEER_TLS_TUNABLE);
	else
		snprintf(val, len, "%s", MMT_PEER_TLS_TUNABLE);
	if (setenv("GLIBC_TUNABLES", val, 1) != 0 ||
	    setenv(REEXEC_GUARD, "1", 1) != 0) {
		snprintf(process_note, sizeof(process_note),
			 "cannot set GLIBC_TUNABLES: %s", strerror(errno));
		free(val);
		return;
	}
	free(val);
	fflush(NULL); /* nothing buffered may be lost or printed twice */
	execv("/proc/self/exe", argv);
	/* Still here: carry on without the tunable. */
	snprintf(process_note, sizeof(process_note),
		 "re-executing /proc/self/exe failed: %s", strerror(errno));
	unsetenv(REEXEC_GUARD);
	if (old)
		setenv("GLIBC_TUNABLES", old, 1);
	else
		unsetenv("GLIBC_TUNABLES");
	return;
}

int mmt_process_init(int argc, char **argv)
{
	arrange_tls(argc, argv);
	if (process_note[0])
		mmt_peer_set_process_note(process_note);
	return 0;
}
