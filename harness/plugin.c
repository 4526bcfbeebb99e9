/* SPDX-License-Identifier: MIT */
/*
 * plugin.c - load an allocator plug-in: a shared object that exports
 * mmt_adapter_entry() returning a const struct mmt_adapter.
 *
 * The object is opened RTLD_NOW | RTLD_LOCAL so that its symbols (a
 * malloc, say) never interpose on the harness's own. Every way a plug-in
 * can be wrong is a message naming the file and the problem, and the
 * caller exits 2: no such file, not a shared object, no entry symbol, the
 * entry returns NULL, and everything mmt_adapter_validate() refuses: an
 * ABI v1 plug-in (with how to port it), another ABI version, a table
 * smaller than this ABI's, a reserved capability, a missing function for
 * a declared capability, a malformed contract.
 *
 * A path without a '/' is taken relative to the current directory (as
 * "./PATH"), never looked up in the library search path: `--allocator
 * my.so` means the file my.so here.
 *
 * Every refusal is MMT_EXIT_USAGE (exit 2): the plug-in is bad input.
 * Whether create() then accepts the options is not decided here: every
 * command and fuzz target next creates one instance on the default machine
 * (mmt_adapter_try_create() in registry.c) before any input runs, and the
 * executor creates one per program (mmt_exec_open); both map the error
 * with mmt_exit_for_create(): an environment errno is exit 3, any other
 * error exit 2 with the adapter's own message.
 *
 * Handles stay open for the life of the process: adapters hold pointers
 * into the object, and loading the same path twice returns the same table
 * (dlopen counts references to one object).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <mmtorture/exec.h>

#include "plugin.h"

int mmt_plugin_load(const char *path, const struct mmt_adapter **out, char *err,
		    size_t errlen)
{
	struct stat st;
	void *handle;
	union {
		void *obj;
		mmt_adapter_entry_fn fn;
	} entry;
	const struct mmt_adapter *ad;
	int ret;

	char local[4096];
	const char *file = path;

	*out = NULL;
	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "plug-in '%s': %s", path,
			 strerror(errno));
		return MMT_EXIT_USAGE;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen,
			 "plug-in '%s': not a regular file (a shared object "
			 "is expected)",
			 path);
		return MMT_EXIT_USAGE;
	}
	if (!strchr(path, '/')) {
		if ((size_t)snprintf(local, sizeof(local), "./%s", path) >=
		    sizeof(local)) {
			snprintf(err, errlen, "plug-in path is too long");
			return MMT_EXIT_USAGE;
		}
		file = local;
	}
	dlerror();
	handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		const char *why = dlerror();
		snprintf(err, errlen,
			 "plug-in '%s': cannot load (not a shared object for "
			 "this machine?): %s",
			 path, why ? why : "unknown dlopen error");
		return MMT_EXIT_USAGE;
	}
	dlerror();
	entry.obj = dlsym(handle, MMT_ADAPTER_ENTRY_SYMBOL);
	if (!entry.obj) {
		snprintf(err, errlen,
			 "plug-in '%s': no entry symbol '%s' (export "
			 "'const struct mmt_adapter *%s(void)')",
			 path, MMT_ADAPTER_ENTRY_SYMBOL,
			 MMT_ADAPTER_ENTRY_SYMBOL);
		dlclose(handle);
		return MMT_EXIT_USAGE;
	}
	ad = entry.fn();
	if (!ad) {
		snprintf(err, errlen, "plug-in '%s': %s() returned NULL", path,
			 MMT_ADAPTER_ENTRY_SYMBOL);
		dlclose(handle);
		return MMT_EXIT_USAGE;
	}
	ret = mmt_adapter_validate(ad, err, errlen);
	if (ret != 0) {
		char why[512];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "plug-in '%s': %s", path, why);
		dlclose(handle);
		return MMT_EXIT_USAGE;
	}
	*out = ad; /* the handle stays open: ad points into it */
	return 0;
}
