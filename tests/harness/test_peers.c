/* SPDX-License-Identifier: MIT */
/*
 * test_peers.c - the built-in peers (glibc, jemalloc, mimalloc, tcmalloc)
 * and mmt_process_init().
 *
 * main() is ours: it calls mmt_process_init(argc, argv) before Criterion
 * starts, as every mmtorture program does, so the binary re-executes once
 * with the static TLS tunable and jemalloc can be loaded. Started with
 * MMT_TEST_PROBE in the environment it instead runs probe_main(): init,
 * then print what init left behind (how many times the image started, the
 * tunables, jemalloc's status) for the process tests to read.
 *
 * Each available peer: malloc/calloc/realloc/aligned/free/usable_size
 * behave. Isolation is checked by asking each allocator who owns a block:
 * mimalloc (mi_check_owned: this thread's heap), tcmalloc (MallocExtension_
 * GetOwnership), jemalloc (its per-thread allocated counter moves),
 * glibc (mallinfo2 of libc itself, which the sanitizer does not see) and
 * ASan (__sanitizer_get_ownership: the process malloc). A block from one
 * peer must be owned by that allocator and by no other. A peer that is not
 * available is skipped with cr_skip naming why.
 */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mmtorture/exec.h>

#include "leakcheck.h"

#ifdef MMT_HAVE_LSAN
#include <sanitizer/allocator_interface.h>
#endif

#define TLS_TUNABLE "glibc.rtld.optional_static_tls=16384"

/* ---------------------------------------------------------------- peers */

struct peer {
	const struct mmt_adapter *ad;
	void *state;
};

/* Open peer NAME, or skip the test saying why it is not available. */
static void peer_open(const char *name, struct peer *p)
{
	struct mmt_adapter_env env;
	const char *options;
	char err[1024];
	int ret = mmt_adapter_select(name, &p->ad, &options, err, sizeof(err));

	if (ret == MMT_EXIT_ENV)
		cr_skip_test("%s", err);
	cr_assert_eq(ret, 0, "%s: exit %d: %s", name, ret, err);
	memset(&env, 0, sizeof(env));
	env.abi_version = MMT_ADAPTER_ABI_VERSION;
	env.struct_size = sizeof(env);
	env.options = options;
	env.nr_threads = 1;
	cr_assert_eq(p->ad->create(&env, &p->state, err, sizeof(err)), 0,
		     "%s: create: %s", name, err);
}

static void peer_close(struct peer *p)
{
	p->ad->destroy(p->state);
}

static int all_bytes(const void *p, int c, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != (unsigned char)c)
			return 0;
	return 1;
}

static void check_basic_ops(const char *name)
{
	struct peer p;
	const struct mmt_objects_ops *o;
	unsigned char *a, *b, *c;

	peer_open(name, &p);
	o = p.ad->objects;
	cr_assert(p.ad->caps & MMT_CAP_OBJECTS);
	cr_assert(p.ad->caps & MMT_CAP_USABLE_SIZE);

	/* malloc: usable, at least the size, 16-byte aligned (x86_64 ABI). */
	a = o->malloc(p.state, 100, 0);
	cr_assert_not_null(a);
	cr_assert_geq(o->usable_size(p.state, a), 100);
	cr_assert_eq((uintptr_t)a % 16, 0);
	memset(a, 0xa5, 100);

	/* calloc: zeroed, even where a freed block was dirty. */
	o->free(p.state, a);
	for (int i = 0; i < 8; i++) {
		b = o->calloc(p.state, 10, 100, 0);
		cr_assert_not_null(b);
		cr_assert(all_bytes(b, 0, 1000), "%s: calloc not zeroed", name);
		memset(b, 0x5a, 1000);
		o->free(p.state, b);
	}
	/* calloc overflow fails instead of wrapping. */
	cr_assert_null(o->calloc(p.state, SIZE_MAX / 2, 4, 0));

	/* malloc with __GFP_ZERO: zeroed. */
	a = o->malloc(p.state, 1000, MMT_GFP_ZERO);
	cr_assert_not_null(a);
	cr_assert(all_bytes(a, 0, 1000), "%s: __GFP_ZERO not honoured", name);

	/* realloc keeps the prefix when growing and shrinking. */
	memset(a, 0x3c, 1000);
	c = o->realloc(p.state, a, 100000, 0);
	cr_assert_not_null(c);
	cr_assert_geq(o->usable_size(p.state, c), 100000);
	cr_assert(all_bytes(c, 0x3c, 1000), "%s: realloc lost data", name);
	memset(c, 0x3c, 100000);
	c = o->realloc(p.state, c, 10, 0);
	cr_assert_not_null(c);
	cr_assert(all_bytes(c, 0x3c, 10));
	o->free(p.state, c);

	/* realloc(NULL, n) is malloc. */
	c = o->realloc(p.state, NULL, 64, 0);
	cr_assert_not_null(c);
	o->free(p.state, c);

	/* aligned: every power of two from 16 to 64 KiB. */
	for (size_t align = 16; align <= 65536; align <<= 1) {
		c = o->aligned(p.state, align, 3 * align / 2, 0);
		cr_assert_not_null(c, "%s: aligned(%zu)", name, align);
		cr_assert_eq((uintptr_t)c % align, 0, "%s: %p not %zu-aligned",
			     name, (void *)c, align);
		cr_assert_geq(o->usable_size(p.state, c), 3 * align / 2);
		memset(c, 1, 3 * align / 2);
		o->free(p.state, c);
	}

	/* free(NULL) is a no-op. */
	o->free(p.state, NULL);
	peer_close(&p);
}

MMT_TEST(peers, glibc_ops)
{
	check_basic_ops("glibc");
}
MMT_TEST(peers, jemalloc_ops)
{
	check_basic_ops("jemalloc");
}
MMT_TEST(peers, mimalloc_ops)
{
	check_basic_ops("mimalloc");
}
MMT_TEST(peers, tcmalloc_ops)
{
	check_basic_ops("tcmalloc");
}

/* ------------------------------------------------- mimalloc#700 and options */

/*
 * Does the installed libmimalloc have microsoft/mimalloc#700? Asked of the
 * library directly (its own mi_memalign), not through the peer: 2.0.9
 * returns mi_memalign(256, 256) 128-aligned. Skips when it is not installed.
 */
static int mimalloc_has_700(void)
{
	void *h = dlopen("libmimalloc.so.2",
			 RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	void *(*memalign_fn)(size_t, size_t);
	void (*free_fn)(void *);
	void *s, *p;
	int bug;

	if (!h)
		cr_skip_test("libmimalloc.so.2 is not installed: %s",
			     dlerror());
	s = dlsym(h, "mi_memalign");
	cr_assert_not_null(s);
	memcpy(&memalign_fn, &s, sizeof(s));
	s = dlsym(h, "mi_free");
	cr_assert_not_null(s);
	memcpy(&free_fn, &s, sizeof(s));
	p = memalign_fn(256, 256);
	cr_assert_not_null(p);
	bug = (uintptr_t)p % 256 != 0;
	free_fn(p);
	dlclose(h);
	return bug;
}

/* Every alignment 16..4096 with every size 0..2048: aligned, big enough. */
static void check_aligned_grid(const char *spec)
{
	struct peer p;
	const struct mmt_objects_ops *o;
	unsigned long bad = 0;
	size_t first_a = 0, first_s = 0;

	peer_open(spec, &p);
	o = p.ad->objects;
	for (size_t align = 16; align <= 4096; align <<= 1) {
		for (size_t size = 0; size <= 2048; size++) {
			unsigned char *c = o->aligned(p.state, align, size, 0);

			cr_assert_not_null(c, "%s: aligned(%zu, %zu)", spec,
					   align, size);
			if ((uintptr_t)c % align ||
			    o->usable_size(p.state, c) < size) {
				if (!bad++) {
					first_a = align;
					first_s = size;
				}
			}
			if (size)
				c[size - 1] = 0x5a;
			o->free(p.state, c);
		}
	}
	peer_close(&p);
	cr_assert_eq(bad, 0,
		     "%s: %lu (align, size) pairs misaligned or short, first "
		     "(%zu, %zu)",
		     spec, bad, first_a, first_s);
}

MMT_TEST(peers, mimalloc_aligned_every_align_and_size)
{
	mimalloc_has_700(); /* skips without the library */
	check_aligned_grid("mimalloc");
}

/* The other peers keep the same promise (jemalloc via aligned_alloc). */
MMT_TEST(peers, other_peers_aligned_every_align_and_size)
{
	check_aligned_grid("glibc");
	check_aligned_grid("tcmalloc");
	check_aligned_grid("jemalloc");
}

/* `raw` is accepted and really calls mi_memalign: the bug shows iff present. */
MMT_TEST(peers, mimalloc_raw_keeps_mi_memalign)
{
	int bug = mimalloc_has_700();
	struct peer p;
	const struct mmt_objects_ops *o;
	int misaligned = 0;

	peer_open("mimalloc:raw", &p);
	o = p.ad->objects;
	for (size_t align = 256; align <= 1024; align <<= 1) {
		for (size_t size = align; size <= 1024; size <<= 1) {
			void *c = o->aligned(p.state, align, size, 0);

			cr_assert_not_null(c);
			misaligned += (uintptr_t)c % align != 0;
			o->free(p.state, c);
		}
	}
	peer_close(&p);
	if (bug)
		cr_assert_gt(misaligned, 0,
			     "raw: none of the #700 pairs misaligned: the "
			     "workaround is on");
	else
		cr_assert_eq(misaligned, 0);
}

/* The description says whether the workaround is on, and with what. */
MMT_TEST(peers, mimalloc_description_names_the_workaround)
{
	int bug = mimalloc_has_700();
	const struct mmt_adapter_info *b;
	const char *d = NULL;
	size_t n;

	b = mmt_adapters_builtin(&n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(b[i].adapter->name, "mimalloc") == 0)
			d = b[i].adapter->description;
	cr_assert_not_null(d);
	cr_assert(strncmp(d, "mimalloc ", 9) == 0 && d[9] >= '1' && d[9] <= '9',
		  "no version: %s", d);
	if (bug) {
		cr_assert(strstr(d, "aligned via mi_malloc_aligned_at: "
				    "mimalloc#700"),
			  "%s", d);
		cr_assert(strstr(d, ":raw"), "%s", d);
	} else {
		cr_assert_null(strstr(d, "#700"), "%s", d);
	}
}

static int create_with(const char *name, const char *options, char *err,
		       size_t errlen)
{
	const struct mmt_adapter *ad;
	struct mmt_adapter_env env;
	const char *opt;
	void *state = NULL;
	int ret = mmt_adapter_select(name, &ad, &opt, err, errlen);

	if (ret == MMT_EXIT_ENV)
		cr_skip_test("%s", err);
	cr_assert_eq(ret, 0, "%s", err);
	memset(&env, 0, sizeof(env));
	env.abi_version = MMT_ADAPTER_ABI_VERSION;
	env.struct_size = sizeof(env);
	env.options = options;
	env.nr_threads = 1;
	err[0] = '\0';
	ret = ad->create(&env, &state, err, errlen);
	if (ret == 0)
		ad->destroy(state);
	return ret;
}

MMT_TEST(peers, options_known_accepted_unknown_refused)
{
	char err[512];

	cr_assert_eq(create_with("mimalloc", "", err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(create_with("mimalloc", "raw", err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(create_with("mimalloc", " raw ", err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(create_with("mimalloc", "bogus", err, sizeof(err)),
		     -EINVAL);
	cr_assert(strstr(err, "unknown option 'bogus'"), "%s", err);
	cr_assert(strstr(err, "known: raw"), "%s", err);
	cr_assert_eq(create_with("mimalloc", "raw rawer", err, sizeof(err)),
		     -EINVAL);
	cr_assert(strstr(err, "'rawer'"), "%s", err);
	cr_assert_eq(create_with("mimalloc", "ra", err, sizeof(err)), -EINVAL);
	/* raw is mimalloc's: the other peers take no options at all. */
	cr_assert_eq(create_with("glibc", "raw", err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "glibc: unknown option 'raw'"), "%s", err);
	cr_assert_eq(create_with("tcmalloc", "x=1", err, sizeof(err)), -EINVAL);
	cr_assert_eq(create_with("glibc", "", err, sizeof(err)), 0, "%s", err);
}

/* Through the executor: the spec's options reach create(); exit codes. */
static int run_objects(const char *spec, const char *text,
		       struct mmt_exec_result *res, char *err, size_t errlen)
{
	const struct mmt_adapter *ad;
	const char *opt;
	struct mmt_prog prog;
	struct mmt_parse_error perr;
	int ret = mmt_adapter_select(spec, &ad, &opt, err, errlen);

	memset(res, 0, sizeof(*res));
	if (ret == MMT_EXIT_ENV)
		cr_skip_test("%s", err);
	cr_assert_eq(ret, 0, "%s", err);
	cr_assert_eq(mmt_prog_parse_text(text, strlen(text), "t", &prog, &perr),
		     0, "%s", perr.message);
	ret = mmt_exec_run(ad, opt, &prog, NULL, res, err, errlen);
	mmt_prog_free(&prog);
	return ret;
}

MMT_TEST(peers, mimalloc_exec_default_clean_raw_reproduces_bogus_exit_2)
{
	static const char text[] = "opset objects\n"
				   "aligned s0 size=512 align=512\n"
				   "aligned s1 size=256 align=256\n"
				   "aligned s2 size=1024 align=1024\n"
				   "free s0\nfree s1\nfree s2\n";
	int bug = mimalloc_has_700();
	struct mmt_exec_result res;
	char err[512];

	cr_assert_eq(run_objects("mimalloc", text, &res, err, sizeof(err)),
		     MMT_EXIT_OK, "%s: %s", err,
		     res.report.nr ? res.report.v[0].message : "");
	if (bug) {
		cr_assert_eq(run_objects("mimalloc:raw", text, &res, err,
					 sizeof(err)),
			     MMT_EXIT_BUG, "%s", err);
		cr_assert_str_eq(res.report.v[0].id, "OBJ-ALIGN");
	}
	cr_assert_eq(run_objects("mimalloc:bogus", text, &res, err,
				 sizeof(err)),
		     MMT_EXIT_USAGE);
	cr_assert(strstr(err, "unknown option 'bogus'"), "%s", err);
}

/* ---------------------------------------------------------------- isolation */

enum { GLIBC, JEMALLOC, MIMALLOC, TCMALLOC, NR };
static const char *const names[NR] = { "glibc", "jemalloc", "mimalloc",
				       "tcmalloc" };
static const char *const libs[NR] = { "libc.so.6", "libjemalloc.so.2",
				      "libmimalloc.so.2",
				      "libtcmalloc_minimal.so.4" };

/* The ownership queries, looked up in the libraries the peers loaded. */
struct owners {
	struct mallinfo2 (*mallinfo2)(void); /* libc's own, not ASan's */
	int (*mallctl)(const char *, void *, size_t *, void *, size_t);
	_Bool (*mi_check_owned)(const void *);
	int (*tc_get_ownership)(const void *);
};

static void *sym(const char *lib, const char *name)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
	void *s;

	cr_assert_not_null(h, "%s is not loaded by its peer", lib);
	s = dlsym(h, name);
	cr_assert_not_null(s, "%s has no %s", lib, name);
	dlclose(h);
	return s;
}

/*
 * Bytes allocated so far by this thread in jemalloc (thread.allocated);
 * UINT64_MAX when jemalloc was built without statistics. No assertion in
 * here: it runs between samples of glibc's counters, and an assertion may
 * allocate with the process malloc (glibc in a build without ASan).
 */
static uint64_t je_allocated(const struct owners *w)
{
	uint64_t v = 0;
	size_t len = sizeof(v);

	if (w->mallctl("thread.allocated", &v, &len, NULL, 0) != 0)
		return UINT64_MAX;
	return v;
}

/*
 * Which allocators own the block p that was just allocated? glibc and
 * jemalloc are asked through counters sampled before and after the
 * allocation (before[]), mimalloc and tcmalloc directly. glibc goes
 * first, before anything else can allocate.
 */
static void owners_of(const struct owners *w, const int *avail, const void *p,
		      const uint64_t *before, int *owned)
{
	if (avail[GLIBC])
		owned[GLIBC] = w->mallinfo2().uordblks > before[GLIBC];
	if (avail[JEMALLOC])
		owned[JEMALLOC] = je_allocated(w) > before[JEMALLOC];
	if (avail[MIMALLOC])
		owned[MIMALLOC] = w->mi_check_owned(p);
	if (avail[TCMALLOC])
		owned[TCMALLOC] = w->tc_get_ownership(p) == 1; /* kOwned */
}

MMT_TEST(peers, each_block_owned_by_its_allocator_only)
{
	struct peer p[NR];
	struct owners w;
	int avail[NR], n_avail = 0;
	char skipped[1024] = "";
	void *s;

	memset(&w, 0, sizeof(w));
	for (int i = 0; i < NR; i++) {
		const struct mmt_adapter *ad;
		const char *opt;
		char err[512];

		avail[i] = mmt_adapter_select(names[i], &ad, &opt, err,
					      sizeof(err)) == 0;
		if (!avail[i]) {
			size_t l = strlen(skipped);
			snprintf(skipped + l, sizeof(skipped) - l, " [%s]",
				 err);
			continue;
		}
		peer_open(names[i], &p[i]);
		n_avail++;
	}
	if (n_avail < 2)
		cr_skip_test("fewer than two peers available:%s", skipped);
	if (avail[GLIBC]) {
		s = sym(libs[GLIBC], "mallinfo2");
		memcpy(&w.mallinfo2, &s, sizeof(s));
	}
	if (avail[JEMALLOC]) {
		s = sym(libs[JEMALLOC], "mallctl");
		memcpy(&w.mallctl, &s, sizeof(s));
	}
	if (avail[MIMALLOC]) {
		s = sym(libs[MIMALLOC], "mi_check_owned");
		memcpy(&w.mi_check_owned, &s, sizeof(s));
	}
	if (avail[TCMALLOC]) {
		s = sym(libs[TCMALLOC], "MallocExtension_GetOwnership");
		memcpy(&w.tc_get_ownership, &s, sizeof(s));
	}

	for (int from = 0; from < NR; from++) {
		uint64_t before[NR] = { 0 };
		void *blk;

		if (!avail[from])
			continue;
		int owned[NR] = { 0 };

		if (avail[JEMALLOC])
			before[JEMALLOC] = je_allocated(&w);
		if (avail[GLIBC])
			before[GLIBC] = w.mallinfo2().uordblks;
		blk = p[from].ad->objects->malloc(p[from].state, 4000, 0);
		owners_of(&w, avail, blk, before, owned);
		cr_assert_not_null(blk);
		memset(blk, 0x77, 4000);
		cr_assert(!avail[JEMALLOC] || before[JEMALLOC] != UINT64_MAX,
			  "jemalloc has no thread.allocated statistic");
		for (int who = 0; who < NR; who++) {
			if (!avail[who])
				continue;
			cr_assert_eq(owned[who], who == from,
				     "a %s block is %sowned by %s", names[from],
				     who == from ? "not " : "", names[who]);
		}
#ifdef MMT_HAVE_LSAN
		/* Nor is it the sanitizer's (the process malloc). */
		cr_assert(!__sanitizer_get_ownership(blk),
			  "a %s block belongs to ASan's malloc", names[from]);
#endif
		p[from].ad->objects->free(p[from].state, blk);
	}
#ifdef MMT_HAVE_LSAN
	{
		/* The check itself can tell: the process malloc is ASan's. */
		void *mine = malloc(16);
		cr_assert(__sanitizer_get_ownership(mine));
		free(mine);
	}
#endif
	for (int i = 0; i < NR; i++)
		if (avail[i])
			peer_close(&p[i]);
}

/* Blocks of all peers live at once, interleaved, freed in another order. */
MMT_TEST(peers, interleaved_blocks_stay_intact)
{
	struct peer p[NR];
	int avail[NR];
	unsigned char *blk[NR][64];

	for (int i = 0; i < NR; i++) {
		const struct mmt_adapter *ad;
		const char *opt;
		char err[512];

		avail[i] = mmt_adapter_select(names[i], &ad, &opt, err,
					      sizeof(err)) == 0;
		if (avail[i])
			peer_open(names[i], &p[i]);
	}
	for (int k = 0; k < 64; k++)
		for (int i = 0; i < NR; i++) {
			size_t n = (size_t)(k * 97 % 3000) + 1;

			if (!avail[i])
				continue;
			blk[i][k] = p[i].ad->objects->malloc(p[i].state, n, 0);
			cr_assert_not_null(blk[i][k]);
			memset(blk[i][k], i * 64 + k, n);
		}
	for (int k = 63; k >= 0; k--)
		for (int i = NR - 1; i >= 0; i--) {
			size_t n = (size_t)(k * 97 % 3000) + 1;

			if (!avail[i])
				continue;
			cr_assert(all_bytes(blk[i][k], i * 64 + k, n),
				  "%s block %d overwritten", names[i], k);
			p[i].ad->objects->free(p[i].state, blk[i][k]);
		}
	for (int i = 0; i < NR; i++)
		if (avail[i])
			peer_close(&p[i]);
}

/* ---------------------------------------------------------------- registry */

MMT_TEST(peers, builtins_in_order_with_reasons)
{
	static const char *const want[] = { "ref-pages", "glibc", "jemalloc",
					    "mimalloc", "tcmalloc" };
	const struct mmt_adapter_info *b;
	size_t n;

	b = mmt_adapters_builtin(&n);
	cr_assert_eq(n, 5);
	for (size_t i = 0; i < n; i++) {
		char err[256];

		cr_assert_str_eq(b[i].adapter->name, want[i]);
		cr_assert_eq(mmt_adapter_validate(b[i].adapter, err,
						  sizeof(err)),
			     0, "%s: %s", want[i], err);
		if (!b[i].available)
			cr_assert(b[i].why_not && b[i].why_not[0],
				  "%s unavailable without a reason", want[i]);
		else
			cr_assert_null(b[i].why_not);
	}
	cr_assert(b[0].available, "ref-pages is always available");
}

MMT_TEST(peers, glibc_always_available)
{
	const struct mmt_adapter *ad;
	const char *opt;
	char err[512];

	cr_assert_eq(mmt_adapter_select("glibc", &ad, &opt, err, sizeof(err)),
		     0, "%s", err);
}

/* ---------------------------------------------------------------- process */

static char self[4096];

/*
 * Run this binary in probe mode with exactly the environment env (env -i:
 * nothing of Criterion's worker environment may reach it); output in out.
 */
static void probe(const char *env, char *out, size_t len)
{
	char cmd[8192];
	FILE *f;
	size_t n;
	ssize_t sl;

	/* Criterion's workers do not run main(): find ourselves here. */
	sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	cr_assert_gt(sl, 0);
	self[sl] = '\0';
	snprintf(cmd, sizeof(cmd), "env -i %s '%s'", env, self);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	cr_assert_eq(pclose(f), 0, "probe '%s' failed: %s", cmd, out);
}

MMT_TEST(process, this_process_has_the_tunable)
{
	const char *t = getenv("GLIBC_TUNABLES");

	cr_assert_not_null(t, "mmt_process_init() did not set GLIBC_TUNABLES");
	cr_assert(strstr(t, TLS_TUNABLE), "GLIBC_TUNABLES=%s", t);
	cr_assert_null(getenv("MMT_PROCESS_REEXEC"),
		       "the guard must not leak to children");
}

MMT_TEST(process, reexec_sets_tunable_once)
{
	char out[2048];

	probe("MMT_TEST_PROBE=argv", out, sizeof(out));
	cr_assert(strstr(out, "starts=2\n"), "%s", out);
	cr_assert(strstr(out, "tunables=" TLS_TUNABLE "\n"), "%s", out);
	cr_assert(strstr(out, "jemalloc=available\n"), "%s", out);
	cr_assert(strstr(out, "guard=unset\n"), "%s", out);
}

MMT_TEST(process, appends_to_existing_tunables)
{
	char out[2048];

	probe("MMT_TEST_PROBE=argv GLIBC_TUNABLES=glibc.malloc.tcache_count=3",
	      out, sizeof(out));
	cr_assert(strstr(out, "starts=2\n"), "%s", out);
	cr_assert(strstr(out,
			 "tunables=glibc.malloc.tcache_count=3:" TLS_TUNABLE
			 "\n"),
		  "%s", out);
}

MMT_TEST(process, no_reexec_when_already_set)
{
	char out[2048];

	probe("MMT_TEST_PROBE=argv GLIBC_TUNABLES=" TLS_TUNABLE, out,
	      sizeof(out));
	cr_assert(strstr(out, "starts=1\n"), "%s", out);
	cr_assert(strstr(out, "jemalloc=available\n"), "%s", out);
}

MMT_TEST(process, no_argv_means_no_reexec_and_a_reason)
{
	char out[2048];

	probe("MMT_TEST_PROBE=noargv", out, sizeof(out));
	cr_assert(strstr(out, "starts=1\n"), "%s", out);
	cr_assert(strstr(out, "tunables=\n"), "%s", out);
	cr_assert(strstr(out, "jemalloc=not available: libjemalloc.so.2 "
			      "needs surplus static TLS"),
		  "%s", out);
	cr_assert(strstr(out, "no argv"), "%s", out);
}

MMT_TEST(process, guard_stops_a_second_reexec)
{
	char out[2048];

	probe("MMT_TEST_PROBE=argv MMT_PROCESS_REEXEC=1", out, sizeof(out));
	cr_assert(strstr(out, "starts=1\n"), "%s", out);
	cr_assert(strstr(out, "did not arrive"), "%s", out);
}

MMT_TEST(process, afl_is_not_reexecuted)
{
	char out[2048];

	probe("MMT_TEST_PROBE=argv __AFL_SHM_ID=1", out, sizeof(out));
	cr_assert(strstr(out, "starts=1\n"), "%s", out);
	cr_assert(strstr(out, "AFL++"), "%s", out);
}

/* Probe mode: count starts, init, report. */
static int probe_main(int argc, char **argv)
{
	const char *starts = getenv("MMT_TEST_STARTS");
	char buf[64];
	const struct mmt_adapter *ad;
	const char *opt, *t, *guard;
	char err[1024];
	int ret;

	snprintf(buf, sizeof(buf), "%sx", starts ? starts : "");
	setenv("MMT_TEST_STARTS", buf, 1);
	if (strcmp(getenv("MMT_TEST_PROBE"), "noargv") == 0)
		mmt_process_init(0, NULL);
	else
		mmt_process_init(argc, argv);
	t = getenv("GLIBC_TUNABLES");
	guard = getenv("MMT_PROCESS_REEXEC");
	ret = mmt_adapter_select("jemalloc", &ad, &opt, err, sizeof(err));
	printf("starts=%zu\ntunables=%s\nguard=%s\n",
	       strlen(getenv("MMT_TEST_STARTS")), t ? t : "",
	       guard ? guard : "unset");
	if (ret == 0)
		printf("jemalloc=available\n");
	else
		printf("jemalloc=not available: %s\n",
		       strstr(err, "libjemalloc") ? strstr(err, "libjemalloc") :
						    err);
	return 0;
}

int main(int argc, char **argv)
{
	struct criterion_test_set *tests;
	int result = 0;

	if (getenv("MMT_TEST_PROBE"))
		return probe_main(argc, argv);
	mmt_process_init(argc, argv);
	tests = criterion_initialize();
	if (criterion_handle_args(argc, argv, true))
		result = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	return result;
}
