/* SPDX-License-Identifier: MIT */
/*
 * registry.c - which adapters exist and how a --allocator spec names one.
 *
 * Built-ins live in a const table in a fixed order. A spec is
 * "NAME[:options]" for a built-in, or "PATH.so[:options]" (anything with
 * a '/' or a name ending in ".so") for a plug-in, loaded by plugin.c.
 * The options text is handed to create() untouched.
 *
 * Availability is probed lazily: the built-in peers (glibc, jemalloc,
 * mimalloc, tcmalloc; adapters/peers.c) dlopen their library only when a
 * caller first asks about them, mmt_adapters_builtin() (which `mmtorture
 * list` uses) probes every entry, mmt_adapter_select() only the one named.
 * Each entry's probe runs once per process (pthread_once in peers.c); the
 * table entries are written once under probe_lock and never change after.
 *
 * mmt_adapter_validate() is the one place that decides whether a table is
 * usable: ABI version, struct size, name, and for every declared
 * capability every function that capability needs.
 *
 * mmt_adapter_try_create() is the one place that decides, before any input
 * runs, whether a spec's options are accepted: it creates one instance on
 * the default machine (an arena mapped as the executor maps it, for PAGES
 * without OWN_ARENA) and destroys it at once. Every command and fuzz
 * target calls it right after selecting, so options create() refuses end
 * the run at start-up (exit 2, or 3 for the environment) instead of
 * failing every input one by one.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <mmtorture/exec.h>
#include <mmtorture/ops.h>

#include "../adapters/peers.h"
#include "mmt_internal.h"
#include "plugin.h"

#define NO_PEER (-1)

/* peer[i]: the enum mmt_peer behind builtins[i], or NO_PEER (always there). */
static const int builtin_peer[] = {
	NO_PEER,	   MMT_PEER_GLIBC,    MMT_PEER_JEMALLOC,
	MMT_PEER_MIMALLOC, MMT_PEER_TCMALLOC,
};

#define NR_BUILTINS (sizeof(builtin_peer) / sizeof(builtin_peer[0]))

/* available starts at 0 for the peers: probe() fills it. */
static struct mmt_adapter_info builtins[NR_BUILTINS] = {
	{ &mmt_adapter_ref_pages, 1, NULL },
	{ &mmt_adapter_glibc, 0, "not probed" },
	{ &mmt_adapter_jemalloc, 0, "not probed" },
	{ &mmt_adapter_mimalloc, 0, "not probed" },
	{ &mmt_adapter_tcmalloc, 0, "not probed" },
};
static int probed[NR_BUILTINS];
static pthread_mutex_t probe_lock = PTHREAD_MUTEX_INITIALIZER;

/* Find out once whether builtins[i] can be used in this process. */
static void probe(size_t i)
{
	const char *why;

	if (builtin_peer[i] == NO_PEER)
		return;
	/* Outside the lock: dlopen runs library constructors. */
	why = mmt_peer_unavailable((enum mmt_peer)builtin_peer[i]);
	pthread_mutex_lock(&probe_lock);
	if (!probed[i]) {
		builtins[i].available = why == NULL;
		builtins[i].why_not = why;
		probed[i] = 1;
	}
	pthread_mutex_unlock(&probe_lock);
}

const struct mmt_adapter_info *mmt_adapters_builtin(size_t *n)
{
	for (size_t i = 0; i < NR_BUILTINS; i++)
		probe(i);
	*n = NR_BUILTINS;
	return builtins;
}

/* Is the part before ':' a plug-in path? Sets *name_len to its length. */
static int is_plugin(const char *spec, size_t *name_len)
{
	const char *so = NULL, *p = spec;

	/* A path may hold ':' itself; the options start after ".so:". */
	while ((p = strstr(p, ".so")) != NULL) {
		if (p[3] == '\0' || p[3] == ':') {
			so = p;
			break;
		}
		p += 3;
	}
	if (so) {
		*name_len = (size_t)(so + 3 - spec);
		return 1;
	}
	*name_len = strcspn(spec, ":");
	return memchr(spec, '/', *name_len) != NULL;
}

int mmt_adapter_select(const char *spec, const struct mmt_adapter **ad,
		       const char **options, char *err, size_t errlen)
{
	size_t n, nb = NR_BUILTINS;
	const struct mmt_adapter_info *b = builtins;
	char known[256] = "";
	size_t kl = 0;

	*ad = NULL;
	*options = "";
	if (!spec || !*spec) {
		snprintf(err, errlen, "empty allocator name");
		return MMT_EXIT_USAGE;
	}
	if (is_plugin(spec, &n)) {
		char path[4096];
		int ret;

		if (n >= sizeof(path)) {
			snprintf(err, errlen, "plug-in path is too long");
			return MMT_EXIT_USAGE;
		}
		memcpy(path, spec, n);
		path[n] = '\0';
		ret = mmt_plugin_load(path, ad, err, errlen);
		if (ret)
			return ret;
		*options = spec[n] == ':' ? spec + n + 1 : "";
		return 0;
	}
	for (size_t i = 0; i < nb; i++) {
		const char *name = b[i].adapter->name;

		if (strlen(name) == n && memcmp(name, spec, n) == 0) {
			probe(i);
			if (!b[i].available) {
				snprintf(err, errlen,
					 "allocator '%s' is not available: %s",
					 name,
					 b[i].why_not ? b[i].why_not : "?");
				return MMT_EXIT_ENV;
			}
			*ad = b[i].adapter;
			*options = spec[n] == ':' ? spec + n + 1 : "";
			return 0;
		}
		kl += (size_t)snprintf(
			known + kl, kl < sizeof(known) ? sizeof(known) - kl : 0,
			"%s%s", i ? ", " : "", name);
		if (kl >= sizeof(known))
			kl = sizeof(known) - 1;
	}
	snprintf(err, errlen,
		 "unknown allocator '%.*s' (known: %s; or a plug-in "
		 "PATH.so)",
		 (int)(n > 64 ? 64 : n), spec, known);
	return MMT_EXIT_USAGE;
}

struct cap_need {
	uint32_t cap;
	const char *cap_name;
	const char *field;
	size_t offset; /* of the function pointer in struct mmt_adapter */
};

#define NEED(c, f)                                                   \
	{                                                            \
		MMT_CAP_##c, #c, #f, offsetof(struct mmt_adapter, f) \
	}

static const struct cap_need needs[] = {
	NEED(PAGES, pages.alloc),
	NEED(PAGES, pages.free),
	NEED(OWN_ARENA, pages.arena),
	NEED(OBJECTS, objects.malloc),
	NEED(OBJECTS, objects.free),
	NEED(OBJECTS, objects.realloc),
	NEED(OBJECTS, objects.aligned),
	NEED(OBJECTS, objects.calloc),
	NEED(USABLE_SIZE, objects.usable_size),
	NEED(CACHES, caches.create),
	NEED(CACHES, caches.alloc),
	NEED(CACHES, caches.free),
	NEED(CACHES, caches.destroy),
	NEED(VMALLOC, vmalloc.vmalloc),
	NEED(VMALLOC, vmalloc.vfree),
	NEED(DMA, dma.alloc_coherent),
	NEED(DMA, dma.free_coherent),
	NEED(CHECK, check),
	NEED(TRACE, set_trace),
};

int mmt_adapter_validate(const struct mmt_adapter *ad, char *err, size_t errlen)
{
	if (!ad) {
		snprintf(err, errlen, "no adapter table");
		return MMT_EXIT_USAGE;
	}
	if (ad->abi_version != MMT_ADAPTER_ABI_VERSION) {
		snprintf(err, errlen,
			 "adapter '%s': ABI version %u, expected %u",
			 ad->name ? ad->name : "?", ad->abi_version,
			 MMT_ADAPTER_ABI_VERSION);
		return MMT_EXIT_USAGE;
	}
	if (ad->struct_size < sizeof(struct mmt_adapter)) {
		snprintf(err, errlen,
			 "adapter '%s': struct_size %u is smaller than the v1 "
			 "layout (%zu bytes)",
			 ad->name ? ad->name : "?", ad->struct_size,
			 sizeof(struct mmt_adapter));
		return MMT_EXIT_USAGE;
	}
	if (!ad->name || !ad->name[0]) {
		snprintf(err, errlen, "adapter has no name");
		return MMT_EXIT_USAGE;
	}
	if (!ad->create || !ad->destroy) {
		snprintf(err, errlen, "adapter '%s': %s is NULL", ad->name,
			 !ad->create ? "create" : "destroy");
		return MMT_EXIT_USAGE;
	}
	if ((ad->caps & MMT_CAP_OWN_ARENA) && !(ad->caps & MMT_CAP_PAGES)) {
		snprintf(err, errlen,
			 "adapter '%s': capability OWN_ARENA declared without "
			 "PAGES",
			 ad->name);
		return MMT_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
		void (*fn)(void);

		if (!(ad->caps & needs[i].cap))
			continue;
		memcpy(&fn, (const char *)ad + needs[i].offset, sizeof(fn));
		if (!fn) {
			snprintf(err, errlen,
				 "adapter '%s': capability %s declared but %s "
				 "is NULL",
				 ad->name, needs[i].cap_name, needs[i].field);
			return MMT_EXIT_USAGE;
		}
	}
	return 0;
}

int mmt_adapter_try_create(const struct mmt_adapter *ad, const char *options,
			   char *err, size_t errlen)
{
	struct mmt_exec *ex = NULL;
	struct mmt_prog prog;
	int ret;

	/* no op set it runs: nothing to create it for, but the table */
	if (!ad || !(ad->caps & (MMT_CAP_PAGES | MMT_CAP_OBJECTS)))
		return mmt_adapter_validate(ad, err, errlen);
	/* An empty program on the default machine, opened the way every run
	 * opens one (validation, env, arena, create() error mapping). */
	mmt_prog_init(&prog, (ad->caps & MMT_CAP_PAGES) ? MMT_OPSET_PAGES :
							  MMT_OPSET_OBJECTS);
	ret = mmt_exec_open(ad, options, &prog, NULL, &ex, err, errlen);
	mmt_exec_close(ex);
	mmt_prog_free(&prog);
	return ret;
}
