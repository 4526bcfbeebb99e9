/* SPDX-License-Identifier: MIT */
/*
 * mmtorture/registry.h - adapters by name: the built-ins, plug-ins by
 * path, their validation, and the process set-up every program starts
 * with.
 */
#ifndef MMTORTURE_REGISTRY_H
#define MMTORTURE_REGISTRY_H

#include <stddef.h>

#include "adapter.h"

/*
 * Call first thing in every program's main() (and a fuzz target's
 * LLVMFuzzerInitialize): makes the process able to host every built-in
 * peer (jemalloc's initial-exec TLS needs surplus static TLS, which glibc
 * only reserves at start-up when GLIBC_TUNABLES asks, so the process may
 * re-execute itself once with the tunable set). argv may be NULL: then it
 * only notes what it could not do. Returns 0; never exits on its own.
 */
int mmt_process_init(int argc, char **argv);

/* Built-in and plug-in adapters. */
struct mmt_adapter_info {
	const struct mmt_adapter *adapter;
	int available; /* 1 when usable on this machine */
	const char *why_not; /* when not available */
};

/* Built-ins in a fixed order; *n set to their number. */
const struct mmt_adapter_info *mmt_adapters_builtin(size_t *n);

/*
 * Resolve "NAME[:options]" (a built-in) or "PATH.so[:options]" (a plug-in).
 * On success *ad and *options (pointing into a static copy
 * or into spec) are set and 0 returned; otherwise MMT_EXIT_USAGE or
 * MMT_EXIT_ENV with err naming the problem.
 */
int mmt_adapter_select(const char *spec, const struct mmt_adapter **ad,
		       const char **options, char *err, size_t errlen);

/* Validate an adapter table: version, struct size, pointers per capability. */
int mmt_adapter_validate(const struct mmt_adapter *ad, char *err,
			 size_t errlen);

/*
 * ad->create(env, state, err, errlen), as the adapter's ABI version reads
 * it: a v2 adapter gets the env of v2 (struct mmt_machine without
 * mem_limit), its banks and reserved ranges clipped at env->machine's
 * mem_limit. Every caller of create() goes through here.
 */
int mmt_adapter_create(const struct mmt_adapter *ad,
		       const struct mmt_adapter_env *env, void **state,
		       char *err, size_t errlen);

/*
 * Create one instance of ad with options on the default machine (the one
 * a program without a machine line gets; an arena is mapped for PAGES
 * without OWN_ARENA) and destroy it again: whether the options are
 * accepted at all, before any input runs. Returns 0, or
 * mmt_exit_for_create()'s code (MMT_EXIT_USAGE for -EINVAL and any other
 * error, MMT_EXIT_ENV for -ENOMEM and the other environment errnos) with
 * err "adapter 'NAME': create failed: MESSAGE" (the adapter's own words);
 * MMT_EXIT_USAGE for a table mmt_adapter_validate() refuses; MMT_EXIT_ENV
 * when the arena cannot be mapped. Every command and fuzz target calls it
 * once after mmt_adapter_select(). A program's own machine may still be
 * refused later, per input.
 */
int mmt_adapter_try_create(const struct mmt_adapter *ad, const char *options,
			   char *err, size_t errlen);

/*
 * The capability names of caps in bit order, sep between them ("bitN" for
 * a bit adapter.h does not define; "" for none), into buf as snprintf
 * does; returns the whole length.
 */
size_t mmt_caps_format(uint32_t caps, const char *sep, char *buf, size_t len);

/* The reference page allocator as an adapter ("ref-pages"). */
extern const struct mmt_adapter mmt_adapter_ref_pages;

#endif /* MMTORTURE_REGISTRY_H */
