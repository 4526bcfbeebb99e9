/* SPDX-License-Identifier: MIT */
/*
 * peers.c - production mallocs as OBJECTS adapters: glibc, jemalloc,
 * mimalloc and tcmalloc.
 *
 * Isolation: each allocator is reached only through function pointers
 * looked up in its own shared object, opened RTLD_NOW | RTLD_LOCAL, so its
 * malloc never interposes on the process's (nor on a sanitizer's) and two
 * allocators in one process never free each other's memory:
 *   glibc     libc.so.6               __libc_malloc/__libc_free/... (the
 *                                      real glibc entry points, beneath any
 *                                      sanitizer interceptor)
 *   jemalloc  libjemalloc.so.2        malloc/free/... of that object
 *   mimalloc  libmimalloc.so.2        mi_malloc/mi_free/...
 *   tcmalloc  libtcmalloc_minimal.so.4 tc_malloc/tc_free/...
 * An allocator whose library is not installed is "not available" (list says
 * so and which package brings it); selecting it is an environment error.
 *
 * The library handle is opened once per process and kept: allocators keep
 * global state, so one instance per process is what they support. An
 * adapter instance only counts its live objects; destroy() does not free
 * what the harness left live (the executor frees every slot first).
 *
 * Aligned op: glibc and tcmalloc use their memalign; jemalloc its
 * aligned_alloc (5.3.0's memalign(a, 0) is not a-aligned). mimalloc uses
 * mi_memalign unless the library has microsoft/mimalloc#700: 2.0.9's
 * mi_memalign/mi_malloc_aligned/mi_aligned_alloc hand a power-of-two size
 * s with a <= s <= 1024 to the plain small-object path, whose pages start
 * 0x180 bytes into their slice, so (256,256) (256,512) (256,1024) (512,512)
 * (512,1024) (1024,1024) come back only 128-aligned. mi_malloc_aligned_at
 * (size, a, 0) skips that shortcut and is right. When the library loads,
 * mimalloc_probe() asks mi_memalign for every power-of-two a in 16..4096
 * and power-of-two size a..4096; if one block is misaligned and
 * mi_malloc_aligned_at passes the same probe, every instance calls
 * mi_malloc_aligned_at, and the description (`mmtorture list`) says so.
 * The probe decides, not mi_version(): the version only goes into the
 * description. The adapter option "raw" (--allocator mimalloc:raw) keeps
 * mi_memalign so the upstream bug can still be reproduced. Any other
 * option, and any option for the other peers, is refused (-EINVAL).
 *
 * Locks: each library is loaded, probed and its description written once,
 * under its pthread_once; afterwards all of peer_libs[] is read-only.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/adapter.h>

#include "peers.h"

/*
 * LeakSanitizer: a peer may allocate its own bookkeeping through the
 * process malloc (libtcmalloc_minimal's C++ code calls operator new) and
 * keep the pointer in memory LSan does not scan (the peer's own heap), so
 * LSan would call it a leak of ours. Everything the process malloc hands
 * out during a call into a peer (and while its library loads) is the
 * peer's business: those calls run between __lsan_disable/__lsan_enable.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PEER_LSAN 1
#endif
#endif
#if !defined(PEER_LSAN) && defined(__SANITIZE_ADDRESS__)
#define PEER_LSAN 1
#endif
#ifdef PEER_LSAN
#include <sanitizer/lsan_interface.h>
#define LSAN_OFF() __lsan_disable()
#define LSAN_ON() __lsan_enable()
#else
#define LSAN_OFF() ((void)0)
#define LSAN_ON() ((void)0)
#endif

struct peer_syms {
	void *(*malloc)(size_t);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	void *(*memalign)(size_t, size_t); /* (alignment, size) */
	void (*free)(void *);
	size_t (*usable_size)(const void *);
	/* mimalloc only, both optional: the #700 workaround and the version. */
	void *(*aligned_at)(size_t, size_t, size_t); /* (size, align, 0) */
	int (*version)(void);
};

struct peer_desc {
	const char *name;
	const char *library;
	const char *package; /* Debian package that brings library */
	const char *sym[6]; /* malloc calloc realloc memalign free usable */
};

static const struct peer_desc peer_descs[MMT_NR_PEERS] = {
	{ "glibc",
	  "libc.so.6",
	  "libc6",
	  { "__libc_malloc", "__libc_calloc", "__libc_realloc",
	    "__libc_memalign", "__libc_free", "malloc_usable_size" } },
	/* jemalloc 5.3.0's memalign(a, 0) returns a block that is not
	 * a-aligned (fixed upstream after 5.3.0); its aligned_alloc, the
	 * C11 entry point, gets it right, so the peer is reached there. */
	{ "jemalloc",
	  "libjemalloc.so.2",
	  "libjemalloc2",
	  { "malloc", "calloc", "realloc", "aligned_alloc", "free",
	    "malloc_usable_size" } },
	{ "mimalloc",
	  "libmimalloc.so.2",
	  "libmimalloc2.0",
	  { "mi_malloc", "mi_calloc", "mi_realloc", "mi_memalign", "mi_free",
	    "mi_usable_size" } },
	{ "tcmalloc",
	  "libtcmalloc_minimal.so.4",
	  "libtcmalloc-minimal4",
	  { "tc_malloc", "tc_calloc", "tc_realloc", "tc_memalign", "tc_free",
	    "tc_malloc_size" } },
};

struct peer_lib {
	pthread_once_t once;
	int loaded; /* 1 ok, -1 failed */
	int aligned_bug; /* the memalign form failed the probe (#700) */
	int aligned_fix; /* ...and aligned_at passed it: use that */
	char why[512];
	struct peer_syms syms;
};

static struct peer_lib peer_libs[MMT_NR_PEERS] = {
	{ PTHREAD_ONCE_INIT, 0, 0, 0, "", { 0 } },
	{ PTHREAD_ONCE_INIT, 0, 0, 0, "", { 0 } },
	{ PTHREAD_ONCE_INIT, 0, 0, 0, "", { 0 } },
	{ PTHREAD_ONCE_INIT, 0, 0, 0, "", { 0 } },
};

/*
 * mimalloc's one-line description: the table points here, and
 * mimalloc_probe() rewrites it (version, workaround) when the library
 * loads, before anyone can see the adapter as available.
 */
static char mimalloc_description[192] =
	"mimalloc from libmimalloc.so.2 (mi_* API)";

/* dlsym() returns void *; a union turns it into a function pointer. */
static void *lookup(void *handle, const char *sym)
{
	dlerror();
	return dlsym(handle, sym);
}

static char process_note[256];

void mmt_peer_set_process_note(const char *note)
{
	snprintf(process_note, sizeof(process_note), "%s", note ? note : "");
}

/* Why the static TLS surplus is missing, as far as this process knows. */
static const char *tls_hint(void)
{
	const char *t = getenv("GLIBC_TUNABLES");

	if (process_note[0])
		return process_note;
	if (t && strstr(t, MMT_PEER_TLS_NAME "="))
		return "GLIBC_TUNABLES sets it, but too small";
	return "the program did not call mmt_process_init()";
}

/* One aligned block from mimalloc, by the plain or the _at form. */
static void *mi_aligned_call(const struct peer_syms *s, int at, size_t align,
			     size_t size)
{
	return at ? s->aligned_at(size, align, 0) : s->memalign(align, size);
}

/*
 * Does this form give a-aligned blocks of at least s usable bytes for
 * every power-of-two a in 16..4096 and power-of-two s in a..4096? Two
 * blocks per pair are held at once, then freed: the #700 blocks come from
 * a misaligned page start, so every block of the pair is off.
 */
static int mi_aligned_form_ok(const struct peer_syms *s, int at)
{
	int ok = 1;

	for (size_t align = 16; align <= 4096; align <<= 1) {
		for (size_t size = align; size <= 4096; size <<= 1) {
			void *p[2];

			for (int i = 0; i < 2; i++) {
				p[i] = mi_aligned_call(s, at, align, size);
				if (!p[i] || (uintptr_t)p[i] % align ||
				    s->usable_size(p[i]) < size)
					ok = 0;
			}
			s->free(p[0]);
			s->free(p[1]);
		}
	}
	return ok;
}

/* Probe mimalloc's aligned op and write the description (see the top). */
static void mimalloc_probe(struct peer_lib *l)
{
	const struct peer_syms *s = &l->syms;
	const char *tail = "";
	char ver[32] = "";

	LSAN_OFF();
	l->aligned_bug = !mi_aligned_form_ok(s, 0);
	if (l->aligned_bug && s->aligned_at)
		l->aligned_fix = mi_aligned_form_ok(s, 1);
	LSAN_ON();
	if (s->version) {
		int v = s->version(); /* 209 is 2.0.9 */

		snprintf(ver, sizeof(ver), " %d.%d.%d", v / 100, v / 10 % 10,
			 v % 10);
	}
	if (l->aligned_fix)
		tail = "; aligned via mi_malloc_aligned_at: mimalloc#700, "
		       ":raw for mi_memalign";
	else if (l->aligned_bug)
		tail = "; mi_memalign misaligned: mimalloc#700, no workaround";
	snprintf(mimalloc_description, sizeof(mimalloc_description),
		 "mimalloc%s from libmimalloc.so.2 (mi_* API%s)", ver, tail);
}

static void peer_load(enum mmt_peer id)
{
	const struct peer_desc *d = &peer_descs[id];
	struct peer_lib *l = &peer_libs[id];
	void *handle, *p[6];

	dlerror();
	LSAN_OFF(); /* constructors may allocate for good */
	handle = dlopen(d->library, RTLD_NOW | RTLD_LOCAL);
	LSAN_ON();
	if (!handle) {
		const char *e = dlerror();

		if (!e || strstr(e, "No such file"))
			snprintf(l->why, sizeof(l->why),
				 "%s not found (apt-get install %s)",
				 d->library, d->package);
		else if (strstr(e, "static TLS"))
			snprintf(l->why, sizeof(l->why),
				 "%s needs surplus static TLS: start the "
				 "process with GLIBC_TUNABLES=%s (%s)",
				 d->library, MMT_PEER_TLS_TUNABLE, tls_hint());
		else
			snprintf(l->why, sizeof(l->why),
				 "%s cannot be loaded: %s", d->library, e);
		l->loaded = -1;
		return;
	}
	for (int i = 0; i < 6; i++) {
		p[i] = lookup(handle, d->sym[i]);
		if (!p[i]) {
			snprintf(l->why, sizeof(l->why), "%s has no symbol %s",
				 d->library, d->sym[i]);
			l->loaded = -1;
			return; /* the handle stays open; harmless */
		}
	}
	memcpy(&l->syms.malloc, &p[0], sizeof(p[0]));
	memcpy(&l->syms.calloc, &p[1], sizeof(p[1]));
	memcpy(&l->syms.realloc, &p[2], sizeof(p[2]));
	memcpy(&l->syms.memalign, &p[3], sizeof(p[3]));
	memcpy(&l->syms.free, &p[4], sizeof(p[4]));
	memcpy(&l->syms.usable_size, &p[5], sizeof(p[5]));
	if (id == MMT_PEER_MIMALLOC) {
		void *at = lookup(handle, "mi_malloc_aligned_at");
		void *ver = lookup(handle, "mi_version");

		memcpy(&l->syms.aligned_at, &at, sizeof(at));
		memcpy(&l->syms.version, &ver, sizeof(ver));
		mimalloc_probe(l);
	}
	l->loaded = 1;
}

static void load_glibc(void)
{
	peer_load(MMT_PEER_GLIBC);
}
static void load_jemalloc(void)
{
	peer_load(MMT_PEER_JEMALLOC);
}
static void load_mimalloc(void)
{
	peer_load(MMT_PEER_MIMALLOC);
}
static void load_tcmalloc(void)
{
	peer_load(MMT_PEER_TCMALLOC);
}

static void (*const loaders[MMT_NR_PEERS])(void) = { load_glibc, load_jemalloc,
						     load_mimalloc,
						     load_tcmalloc };

const char *mmt_peer_unavailable(enum mmt_peer id)
{
	struct peer_lib *l = &peer_libs[id];

	pthread_once(&l->once, loaders[id]);
	return l->loaded == 1 ? NULL : l->why;
}

struct peer_state {
	const struct peer_syms *s;
	void *sync; /* this peer's TSan sync object (its peer_lib) */
	int aligned_at; /* aligned op through s->aligned_at (mimalloc#700) */
};

/*
 * ThreadSanitizer cannot see the locks inside an uninstrumented allocator:
 * a block freed by one thread and handed to another by the next malloc
 * would look like a race between the two owners' fill writes. Every free
 * releases and every allocation acquires one sync object per peer, which
 * stands for the allocator's own synchronisation.
 */
#ifdef MMT_TSAN
#include <sanitizer/tsan_interface.h>
static void peer_acquire(const struct peer_state *st)
{
	__tsan_acquire(st->sync);
}
static void peer_release(const struct peer_state *st)
{
	__tsan_release(st->sync);
}
#else
static void peer_acquire(const struct peer_state *st)
{
	(void)st;
}
static void peer_release(const struct peer_state *st)
{
	(void)st;
}
#endif

/*
 * The options string: words separated by blanks or commas. mimalloc knows
 * "raw" (keep mi_memalign even where it is broken); nothing else is known.
 */
static int peer_options(enum mmt_peer id, const char *options, int *raw,
			char *err, size_t errlen)
{
	const char *name = peer_descs[id].name;
	const char *p = options ? options : "";
	static const char seps[] = " \t,";

	*raw = 0;
	for (;;) {
		size_t n;

		p += strspn(p, seps);
		if (!*p)
			return 0;
		n = strcspn(p, seps);
		if (id == MMT_PEER_MIMALLOC && n == 3 && !memcmp(p, "raw", 3)) {
			*raw = 1;
		} else {
			snprintf(err, errlen, "%s: unknown option '%.*s' (%s)",
				 name, (int)(n > 64 ? 64 : n), p,
				 id == MMT_PEER_MIMALLOC ?
					 "known: raw" :
					 "this peer takes no options");
			return -EINVAL;
		}
		p += n;
	}
}

static int peer_create(enum mmt_peer id, const char *options, void **state,
		       char *err, size_t errlen)
{
	const char *why;
	struct peer_state *st;
	int raw, ret;

	ret = peer_options(id, options, &raw, err, errlen);
	if (ret)
		return ret;
	why = mmt_peer_unavailable(id);
	if (why) {
		snprintf(err, errlen, "%s: %s", peer_descs[id].name, why);
		return -ENOENT;
	}
	st = malloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->s = &peer_libs[id].syms;
	st->sync = &peer_libs[id];
	st->aligned_at = peer_libs[id].aligned_fix && !raw;
	*state = st;
	return 0;
}

#define PEER_CREATE(fn, id)                                               \
	static int fn(const struct mmt_adapter_env *env, void **state,    \
		      char *err, size_t errlen)                           \
	{                                                                 \
		return peer_create(id, env->options, state, err, errlen); \
	}
PEER_CREATE(glibc_create, MMT_PEER_GLIBC)
PEER_CREATE(jemalloc_create, MMT_PEER_JEMALLOC)
PEER_CREATE(mimalloc_create, MMT_PEER_MIMALLOC)
PEER_CREATE(tcmalloc_create, MMT_PEER_TCMALLOC)

static void peer_destroy(void *state)
{
	free(state);
}

static void *peer_malloc(void *state, size_t size, uint32_t gfp)
{
	struct peer_state *st = state;
	void *p;

	LSAN_OFF();
	p = st->s->malloc(size);
	LSAN_ON();
	peer_acquire(st);
	if (p && (gfp & MMT_GFP_ZERO))
		memset(p, 0, size);
	return p;
}

static void *peer_calloc(void *state, size_t nmemb, size_t size, uint32_t gfp)
{
	struct peer_state *st = state;

	void *p;

	(void)gfp;
	LSAN_OFF();
	p = st->s->calloc(nmemb, size);
	LSAN_ON();
	peer_acquire(st);
	return p;
}

static void *peer_realloc(void *state, void *ptr, size_t size, uint32_t gfp)
{
	struct peer_state *st = state;

	void *p;

	(void)gfp;
	peer_release(st);
	LSAN_OFF();
	p = st->s->realloc(ptr, size);
	LSAN_ON();
	peer_acquire(st);
	return p;
}

static void *peer_aligned(void *state, size_t align, size_t size, uint32_t gfp)
{
	struct peer_state *st = state;
	void *p;

	LSAN_OFF();
	if (st->aligned_at)
		p = st->s->aligned_at(size, align, 0);
	else
		p = st->s->memalign(align, size);
	LSAN_ON();
	peer_acquire(st);
	if (p && (gfp & MMT_GFP_ZERO))
		memset(p, 0, size);
	return p;
}

static void peer_free(void *state, void *ptr)
{
	struct peer_state *st = state;

	peer_release(st);
	LSAN_OFF();
	st->s->free(ptr);
	LSAN_ON();
}

static size_t peer_usable_size(void *state, const void *ptr)
{
	struct peer_state *st = state;

	size_t n;

	LSAN_OFF();
	n = st->s->usable_size(ptr);
	LSAN_ON();
	return n;
}

#define PEER_CAPS (MMT_CAP_OBJECTS | MMT_CAP_THREAD_SAFE | MMT_CAP_USABLE_SIZE)
/*
 * The contract each declares. min_align: on x86_64 all four give 16
 * (alignof(max_align_t)) to every object of 16 bytes or more; jemalloc,
 * mimalloc and tcmalloc serve 1..8 bytes from an 8-byte class aligned to
 * 8, which the rule for objects smaller than min_align allows; glibc
 * aligns everything to 16 (2 * sizeof(size_t)). max_size: none of them
 * has a limit of its own anywhere near the largest object the harness
 * asks for, so 0 (no limit): a NULL for any request run is a finding.
 */
#define PEER_MIN_ALIGN 16u

static const struct mmt_objects_ops peer_objects = {
	.struct_size = sizeof(struct mmt_objects_ops),
	.version = MMT_OBJECTS_OPS_VERSION,
	.malloc = peer_malloc,
	.calloc = peer_calloc,
	.realloc = peer_realloc,
	.aligned = peer_aligned,
	.free = peer_free,
	.usable_size = peer_usable_size,
	.max_size = 0,
	.min_align = PEER_MIN_ALIGN,
};

const struct mmt_adapter mmt_adapter_glibc = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "glibc",
	.description = "glibc malloc (ptmalloc2) through __libc_malloc",
	.caps = PEER_CAPS,
	.create = glibc_create,
	.destroy = peer_destroy,
	.objects = &peer_objects,
};

const struct mmt_adapter mmt_adapter_jemalloc = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "jemalloc",
	.description = "jemalloc from libjemalloc.so.2, loaded locally",
	.caps = PEER_CAPS,
	.create = jemalloc_create,
	.destroy = peer_destroy,
	.objects = &peer_objects,
};

const struct mmt_adapter mmt_adapter_mimalloc = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "mimalloc",
	.description = mimalloc_description,
	.caps = PEER_CAPS,
	.create = mimalloc_create,
	.destroy = peer_destroy,
	.objects = &peer_objects,
};

const struct mmt_adapter mmt_adapter_tcmalloc = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "tcmalloc",
	.description =
		"gperftools tcmalloc from libtcmalloc_minimal.so.4 (tc_* API)",
	.caps = PEER_CAPS,
	.create = tcmalloc_create,
	.destroy = peer_destroy,
	.objects = &peer_objects,
};
