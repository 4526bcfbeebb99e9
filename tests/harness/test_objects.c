/* SPDX-License-Identifier: MIT */
/*
 * test_objects.c - the executor's OBJECTS op set and the object shadow
 * (harness/shadow_objects.c), against an in-test OBJECTS adapter ("lib")
 * backed by the C library's malloc that can be broken on purpose through
 * its options string; each breakage must be caught with exactly its id:
 *   overlap   every object at the same address          OBJ-OVERLAP
 *   misalign  objects 8 bytes past malloc's alignment   OBJ-ALIGN
 *   usable    usable_size() 16 bytes short              OBJ-USABLE
 *   lossy     realloc does not copy                     OBJ-REALLOC
 *   nozero    calloc does not zero                      OBJ-ZERO
 *   null      NULL for sizes below 64                   OBJ-NULL
 *   scribble  each malloc writes into the previous one  OBJ-FILL
 *             (byte 0, or byte N with "scribble@N")
 *   wrap      malloc, aligned and realloc serve a size   OBJ-IMPOSSIBLE
 *             above PTRDIFF_MAX as its low byte
 *   cwrap     calloc's nmemb x size wraps unchecked     OBJ-IMPOSSIBLE
 *   rscribble a realloc to an impossible size fails     OBJ-FILL
 *             but writes over the old object first
 * and two correct ones: the default (libc) and "bump" (a bump allocator in
 * a private pool, 16-aligned, a size header before each object); "align8"
 * serves sizes <= 8 8-byte aligned, which the weak C17 rule allows.
 * Also: slot rules, caps, outcomes and digests, the built-in glibc peer.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/exec.h>
#include <mmtorture/ops.h>

#include "leakcheck.h"
#include "prog_text.h"

#define POOL_BYTES (16u << 20)
#define HDR 16u

struct lib {
	int overlap, misalign, usable, lossy, nozero, null, scribble, bump,
		align8, wrap, cwrap, rscribble;
	uint8_t *pool;
	size_t pool_used;
	uint8_t *last; /* scribble: the previous malloc's object */
	size_t last_size, scribble_at; /* its size; the byte to flip */
};

static int lib_create(const struct mmt_adapter_env *env, void **state,
		      char *err, size_t errlen)
{
	const char *o = env->options;
	struct lib *l = calloc(1, sizeof(*l));

	(void)err;
	(void)errlen;
	if (!l)
		return -ENOMEM;
	l->overlap = !!strstr(o, "overlap");
	l->misalign = !!strstr(o, "misalign");
	l->usable = !!strstr(o, "usable");
	l->lossy = !!strstr(o, "lossy");
	l->nozero = !!strstr(o, "nozero");
	l->null = !!strstr(o, "null");
	l->scribble = !!strstr(o, "scribble") && !strstr(o, "rscribble");
	l->wrap = !!strstr(o, "wrap") && !strstr(o, "cwrap");
	l->cwrap = !!strstr(o, "cwrap");
	l->rscribble = !!strstr(o, "rscribble");
	if (strstr(o, "scribble@"))
		l->scribble_at = strtoul(strstr(o, "scribble@") + 9, NULL, 0);
	l->bump = !!strstr(o, "bump");
	l->align8 = !!strstr(o, "align8");
	if (l->overlap || l->bump || l->align8) {
		l->pool = malloc(POOL_BYTES);
		if (!l->pool) {
			free(l);
			return -ENOMEM;
		}
	}
	*state = l;
	return 0;
}

static void lib_destroy(void *state)
{
	struct lib *l = state;

	free(l->pool);
	free(l);
}

static int in_pool(const struct lib *l, const void *p)
{
	return l->pool && (const uint8_t *)p >= l->pool &&
	       (const uint8_t *)p < l->pool + POOL_BYTES;
}

/* Pool object: a 16-byte header holding the size, then the object. */
static void *pool_alloc(struct lib *l, size_t size)
{
	size_t need;
	uint8_t *p;

	if (size > POOL_BYTES)
		return NULL; /* and need cannot wrap */
	need = HDR + ((size + 15) & ~(size_t)15);
	if (l->overlap)
		l->pool_used = 0;
	if (need > POOL_BYTES - l->pool_used)
		return NULL;
	p = l->pool + l->pool_used;
	memcpy(p, &size, sizeof(size));
	l->pool_used += need;
	return p + HDR;
}

static size_t pool_size(const void *p)
{
	size_t size;

	memcpy(&size, (const uint8_t *)p - HDR, sizeof(size));
	return size;
}

static void *lib_malloc(void *state, size_t size, uint32_t gfp)
{
	struct lib *l = state;
	uint8_t *p;

	(void)gfp;
	if (size > PTRDIFF_MAX && !l->wrap)
		return NULL; /* as glibc: no object is that large */
	size = size > PTRDIFF_MAX ? size & 0xFF : size; /* wrap: a tiny one */
	if (l->null && size < 64)
		return NULL;
	/* last is live (free and realloc forget it) and the byte inside it */
	if (l->scribble && l->last && l->scribble_at < l->last_size)
		l->last[l->scribble_at] ^= 0x5a;
	if (l->overlap || l->bump) {
		p = pool_alloc(l, size);
	} else if (l->align8 && size <= 8) {
		p = pool_alloc(l, 8); /* 16 bytes: 8 in is 8-, not 16-aligned */
		p = p ? p + 8 : NULL;
	} else if (l->misalign) {
		p = malloc(size + 16); /* 8 in, the size bytes still inside */
		p = p ? p + 8 : NULL;
	} else {
		p = malloc(size);
	}
	if (l->scribble && size) {
		l->last = p;
		l->last_size = size;
	}
	return p;
}

static void lib_free(void *state, void *ptr)
{
	struct lib *l = state;

	if (ptr && ptr == l->last)
		l->last = NULL;
	if (in_pool(l, ptr))
		return;
	free(l->misalign && ptr ? (uint8_t *)ptr - 8 : ptr);
}

static void *lib_calloc(void *state, size_t nmemb, size_t size, uint32_t gfp)
{
	struct lib *l = state;
	size_t n = nmemb * size; /* wraps only under cwrap */
	void *p;

	if (size && nmemb > SIZE_MAX / size && !l->cwrap)
		return NULL; /* as calloc: the product does not wrap */
	if (l->null && n < 64)
		return NULL;
	p = lib_malloc(state, n, gfp);
	if (p) /* wrap: what lib_malloc served */
		memset(p, l->nozero ? 0xab : 0, n > PTRDIFF_MAX ? n & 0xFF : n);
	return p;
}

static size_t lib_usable(void *state, const void *ptr)
{
	struct lib *l = state;
	size_t u;

	if (in_pool(l, ptr))
		u = l->align8 ? 8 : pool_size(ptr);
	else if (l->misalign)
		u = malloc_usable_size((uint8_t *)ptr - 8) - 8;
	else
		u = malloc_usable_size((void *)ptr);
	if (l->usable) /* 16 short, never wrapping to a huge size */
		u = u > 16 ? u - 16 : 0;
	return u;
}

static void *lib_realloc(void *state, void *ptr, size_t size, uint32_t gfp)
{
	struct lib *l = state;
	void *p;
	size_t old;

	if (size > PTRDIFF_MAX && l->rscribble && ptr) {
		((uint8_t *)ptr)[0] ^= 0x5a; /* a side effect, then failure */
		return NULL;
	}
	if (size > PTRDIFF_MAX && !l->wrap)
		return NULL; /* the old object stays as it is */
	if (size > PTRDIFF_MAX) /* wrap: moved into a tiny one */
		return realloc(ptr, size & 0xFF);
	if (l->null && size < 64)
		return NULL;
	/* a realloc'd object moves or shrinks: no more the scribble's */
	if (ptr && ptr == l->last)
		l->last = NULL;
	if (l->lossy || in_pool(l, ptr)) {
		p = lib_malloc(state, size, gfp);
		if (!p)
			return NULL;
		if (l->lossy) {
			memset(p, 0xee, size);
		} else {
			/*
			 * Pool objects: under overlap the new one may overlap
			 * the old (memmove) and the old one's header may have
			 * been written over, so the copy stops at the pool's
			 * end whatever size it reads there.
			 */
			old = l->align8 ? 8 : pool_size(ptr);
			if (old >
			    (size_t)(l->pool + POOL_BYTES - (uint8_t *)ptr))
				old = (size_t)(l->pool + POOL_BYTES -
					       (uint8_t *)ptr);
			memmove(p, ptr, old < size ? old : size);
		}
		lib_free(state, ptr);
		return p;
	}
	if (l->misalign) {
		p = ptr ? realloc((uint8_t *)ptr - 8, size + 16) :
			  malloc(size + 16);
		return p ? (uint8_t *)p + 8 : NULL;
	}
	return realloc(ptr, size);
}

static void *lib_aligned(void *state, size_t align, size_t size, uint32_t gfp)
{
	struct lib *l = state;
	void *p = NULL;

	(void)gfp;
	if (size > PTRDIFF_MAX && !l->wrap)
		return NULL;
	size = size > PTRDIFF_MAX ? size & 0xFF : size;
	if (l->null && size < 64)
		return NULL;
	if ((l->bump && align <= 4096) || l->overlap) {
		/* pool objects are 16-aligned: pad, move the header along */
		uint8_t *q, *a;

		if (size > POOL_BYTES || align > POOL_BYTES)
			return NULL; /* size + align cannot wrap */
		q = pool_alloc(l, size + align);
		if (!q)
			return NULL;
		a = q + ((align - (uintptr_t)q % align) % align);
		memcpy(a - HDR, &size, sizeof(size));
		return a;
	}
	if (l->misalign) /* the same bug as malloc (and free stays simple) */
		return lib_malloc(state, size, gfp);
	if (posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align,
			   size))
		return NULL;
	return p;
}

static const struct mmt_objects_ops lib_objects = {
	.struct_size = sizeof(struct mmt_objects_ops),
	.version = MMT_OBJECTS_OPS_VERSION,
	.malloc = lib_malloc,
	.calloc = lib_calloc,
	.realloc = lib_realloc,
	.aligned = lib_aligned,
	.free = lib_free,
	.usable_size = lib_usable,
	.min_align = 16,
};

static const struct mmt_adapter lib = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "lib",
	.description = "libc malloc, breakable",
	.caps = MMT_CAP_OBJECTS | MMT_CAP_USABLE_SIZE,
	.create = lib_create,
	.destroy = lib_destroy,
	.objects = &lib_objects,
};
static int run_trace(const struct mmt_adapter *ad, const char *opts,
		     const char *text, struct mmt_exec_result *res, char **out)
{
	struct mmt_prog p;
	struct mmt_exec_opts o;
	char err[256];
	size_t outlen = 0;
	FILE *f = NULL;
	int ret;

	parse(text, &p);
	mmt_exec_opts_default(&o);
	if (out) {
		f = open_memstream(out, &outlen);
		o.trace = f;
	}
	ret = mmt_exec_run(ad, opts, &p, &o, res, err, sizeof(err));
	if (f)
		fclose(f);
	mmt_prog_free(&p);
	cr_assert(ret == MMT_EXIT_OK || ret == MMT_EXIT_BUG, "%d: %s", ret,
		  err);
	return ret;
}

static int run(const struct mmt_adapter *ad, const char *opts, const char *text,
	       struct mmt_exec_result *res)
{
	return run_trace(ad, opts, text, res, NULL);
}

/* Exactly one violation, with this id, at this op. */
static void expect_only(const struct mmt_exec_result *res, const char *id,
			size_t op_index)
{
	cr_assert_eq(res->report.total, 1, "%lu violations, first %s: %s",
		     res->report.total, res->report.v[0].id,
		     res->report.v[0].message);
	cr_assert_str_eq(res->report.v[0].id, id, "%s: %s", res->report.v[0].id,
			 res->report.v[0].message);
	cr_assert_eq(res->report.v[0].op_index, op_index, "at op %zu",
		     res->report.v[0].op_index);
}

static const char mix[] = "malloc s1 size=100\n" /* 0 */
			  "calloc s2 size=5000\n" /* 1 */
			  "realloc s1 size=300\n" /* 2 */
			  "aligned s3 size=200 align=4096\n" /* 3 */
			  "malloc s4 size=1\n" /* 4 */
			  "malloc s5 size=0\n" /* 5 */
			  "realloc s2 size=100000\n" /* 6 */
			  "realloc s2 size=7\n" /* 7 */
			  "free s1\n" /* 8 */
			  "free s1\n" /* 9: empty */
			  "realloc s6 size=64\n" /* 10: as malloc */
			  "realloc s6 size=0\n" /* 11: as free */
			  "check\n"
			  "malloc s3 size=9000\n"; /* 13: frees s3 first */

MMT_TEST(objects, libc_runs_clean)
{
	struct mmt_exec_result res;
	char *out = NULL;

	cr_assert_eq(run_trace(&lib, "", mix, &res, &out), MMT_EXIT_OK,
		     "%s: %s", res.report.v[0].id, res.report.v[0].message);
	cr_assert_eq(res.ops_run, 14);
	/* malloc x4 (0, 4, 5, 13), calloc, realloc x4 (2, 6, 7, 10), aligned */
	cr_assert_eq(res.allocs, 10);
	cr_assert_eq(res.alloc_fails, 0);
	/* s1, s6 (realloc 0), s3 before op 13, then s2 s3 s4 s5 at the end */
	cr_assert_eq(res.frees, 7);
	cr_assert_not_null(strstr(out, "free s1 -> skipped (the slot is "
				       "empty)"),
			   "%s", out);
	cr_assert_not_null(strstr(out, "(realloc to 0 frees)"), "%s", out);
	cr_assert_not_null(strstr(out, "   end  free s2 -> freed 0x"), "%s",
			   out);
	free(out);
}

MMT_TEST(objects, bump_and_align8_run_clean)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&lib, "bump", mix, &res), MMT_EXIT_OK, "%s: %s",
		     res.report.v[0].id, res.report.v[0].message);
	/* 1..8 bytes 8-aligned (not 16) is what C17 and jemalloc allow */
	cr_assert_eq(run(&lib, "align8",
			 "malloc s1 size=8\nmalloc s2 size=1\nmalloc s3 "
			 "size=5\ncalloc s4 size=8\nrealloc s4 size=3\n"
			 "malloc s5 size=16\nfree s1\n",
			 &res),
		     MMT_EXIT_OK, "%s: %s", res.report.v[0].id,
		     res.report.v[0].message);
}

MMT_TEST(objects, overlap_caught)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&lib, "overlap",
			 "malloc s1 size=100\nmalloc s2 size=10\n", &res),
		     MMT_EXIT_BUG);
	expect_only(&res, "OBJ-OVERLAP", 1);
	cr_assert_str_eq(res.report.v[0].layer, "shadow");
	cr_assert_not_null(strstr(res.state, "live objects 2, 110 bytes"), "%s",
			   res.state);
	cr_assert_not_null(strstr(res.state, "s1 0x"), "%s", res.state);
}

MMT_TEST(objects, misalign_caught)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&lib, "misalign",
			 "malloc s1 size=7\nmalloc s2 size=8\n"
			 "malloc s3 size=32\n",
			 &res),
		     MMT_EXIT_BUG);
	/* 7 and 8 bytes need only 4 and 8: 32 needs 16 */
	expect_only(&res, "OBJ-ALIGN", 2);
	cr_assert_eq(run(&lib, "",
			 "aligned s1 size=10 align=65536\n"
			 "aligned s2 size=0 align=1\n",
			 &res),
		     MMT_EXIT_OK);
	cr_assert_eq(run(&lib, "misalign", "aligned s1 size=10 align=8192\n",
			 &res),
		     MMT_EXIT_BUG);
	expect_only(&res, "OBJ-ALIGN", 0);
}

MMT_TEST(objects, usable_caught)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&lib, "usable", "malloc s1 size=100\n", &res),
		     MMT_EXIT_BUG);
	expect_only(&res, "OBJ-USABLE", 0);
}

MMT_TEST(objects, lossy_realloc_caught)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&lib, "lossy",
			 "malloc s1 size=100\nrealloc s1 size=200\n", &res),
		     MMT_EXIT_BUG);
	expect_only(&res, "OBJ-REALLOC", 1);
	/* shrinking must keep the prefix too */
	cr_assert_eq(run(&lib, "lossy",
			 "malloc s1 size=100000\nrealloc s1 size=9000\n", &res),
		     MMT_EXIT_BUG);
	expect_only(&res, "OBJ-REALLOC", 1);
}

MMT_TEST(objects, calloc_not_zeroing_caught)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&lib, "nozero",
			 "malloc s1 size=10\ncalloc s2 size=64\n", &res),
		     MMT_EXIT_BUG);
	expect_only(&res, "OBJ-ZERO", 1);
}

MMT_TEST(objects, null_on_small_size_caught)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&lib, "null",
			 "malloc s1 size=100\nmalloc s2 size=10\n", &res),
		     MMT_EXIT_BUG);
	expect_only(&res, "OBJ-NULL", 1);
	cr_assert_str_eq(res.report.v[0].layer, "oracle");
	cr_assert_eq(res.alloc_fails, 1);
	/* NULL for size 0 is allowed (C11 7.22.3) */
	cr_assert_eq(run(&lib, "null", "malloc s1 size=0\ncalloc s2 size=0\n",
			 &res),
		     MMT_EXIT_OK);
	/* a failed realloc leaves the old object live and intact */
	cr_assert_eq(run(&lib, "null",
			 "malloc s1 size=100\nrealloc s1 size=10\n", &res),
		     MMT_EXIT_BUG);
	expect_only(&res, "OBJ-NULL", 1);
	cr_assert_eq(res.frees, 0); /* stopped: no teardown */
}

MMT_TEST(objects, scribble_caught)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&lib, "scribble",
			 "malloc s1 size=100\nmalloc s2 size=10\nfree s1\n",
			 &res),
		     MMT_EXIT_BUG);
	expect_only(&res, "OBJ-FILL", 2);
	/* before a realloc too */
	cr_assert_eq(run(&lib, "scribble",
			 "malloc s1 size=100\nmalloc s2 size=10\n"
			 "realloc s1 size=50\n",
			 &res),
		     MMT_EXIT_BUG);
	cr_assert_str_eq(res.report.v[0].id, "OBJ-FILL");
	cr_assert_eq(res.report.v[0].op_index, 2);
}

/*
 * The fill is written and compared a word at a time where offsets allow
 * and byte by byte at ragged edges: a flipped byte must be found at its
 * exact offset wherever it lies among the filled positions: the first and
 * last byte, inside a word, an odd-sized object's last word, the tail of
 * an object whose size is not a multiple of 8 (it starts unaligned), and
 * a sampled word in the middle of a large object.
 */
MMT_TEST(objects, scribble_found_at_its_exact_offset)
{
	static const struct {
		unsigned int size, at;
	} cases[] = {
		{ 100, 0 },	    { 100, 99 },      { 100, 13 },
		{ 13, 12 },	    { 1, 0 },	      { 8192, 4096 },
		{ 10003, 4095 },    { 10003, 5907 },  { 10003, 5910 },
		{ 10003, 10002 },   { 100003, 4811 }, /* sampled word 4808 */
		{ 100003, 95184 }, /* the last sampled word */
		{ 100003, 95907 }, /* the tail, unaligned */
		{ 100003, 100002 },
	};
	struct mmt_exec_result res;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char opts[64], prog[128], want[64];

		snprintf(opts, sizeof(opts), "scribble@%u", cases[i].at);
		snprintf(prog, sizeof(prog),
			 "malloc s1 size=%u\nmalloc s2 size=10\nfree s1\n",
			 cases[i].size);
		cr_assert_eq(run(&lib, opts, prog, &res), MMT_EXIT_BUG,
			     "size %u, byte %u not seen", cases[i].size,
			     cases[i].at);
		expect_only(&res, "OBJ-FILL", 2);
		snprintf(want, sizeof(want), "offset %u was", cases[i].at);
		cr_assert_not_null(strstr(res.report.v[0].message, want),
				   "size %u byte %u: %s", cases[i].size,
				   cases[i].at, res.report.v[0].message);
	}
	/* a byte between sampled words is not a filled position */
	cr_assert_eq(run(&lib, "scribble@5000",
			 "malloc s1 size=100003\nmalloc s2 size=10\nfree s1\n",
			 &res),
		     MMT_EXIT_OK);
}

/* Shadows are parked and reused between runs: a run that stopped with
 * live objects must leave nothing behind for the next one. */
MMT_TEST(objects, reused_shadow_starts_empty)
{
	struct mmt_exec_result res;
	char *out = NULL;

	for (int k = 0; k < 3; k++) {
		cr_assert_eq(run(&lib, "null",
				 "malloc s1 size=100\naligned s7 size=64 "
				 "align=64\nmalloc s2 size=10\n",
				 &res),
			     MMT_EXIT_BUG);
		expect_only(&res, "OBJ-NULL", 2);
	}
	cr_assert_eq(run_trace(&lib, "", "free s1\nfree s7\nmalloc s1 size=8\n",
			       &res, &out),
		     MMT_EXIT_OK);
	cr_assert_not_null(strstr(out, "skipped"), "%s", out);
	cr_assert_eq(res.frees, 1, "%s", out); /* only s1 of op 2, at the end */
	free(out);
}

MMT_TEST(objects, caps_skip_and_slots_stay)
{
	struct mmt_exec_result res;
	char *out = NULL;

	cr_assert_eq(run_trace(&lib, "",
			       "malloc s1 size=67108864\n" /* 64 MiB: runs */
			       "malloc s2 size=67108865\n" /* skipped */
			       "malloc s3 size=67108864\n"
			       "malloc s4 size=67108864\n"
			       "calloc s5 size=67108864\n" /* 256 MiB live */
			       "malloc s6 size=1\n" /* skipped */
			       "realloc s1 size=67108865\n" /* skipped */
			       "malloc s1 size=1000000000000\n" /* skipped */
			       "realloc s1 size=1\n"
			       "malloc s6 size=1\n",
			       &res, &out),
		     MMT_EXIT_OK, "%s: %s", res.report.v[0].id,
		     res.report.v[0].message);
	cr_assert_eq(res.allocs, 6);
	cr_assert_eq(res.frees, 5); /* s1 s3 s4 s5 s6 at the end */
	cr_assert_not_null(strstr(out, "malloc s2 size=67108865 -> skipped "
				       "(size above the 64 MiB cap)"),
			   "%s", out);
	cr_assert_not_null(strstr(out, "malloc s6 size=1 -> skipped (live "
				       "bytes would pass the 256 MiB cap)"),
			   "%s", out);
	cr_assert_not_null(strstr(out, "realloc s1 size=67108865 -> skipped "
				       "(size above the 64 MiB cap)"),
			   "%s", out);
	free(out);
}

MMT_TEST(objects, needs_objects_capability)
{
	struct mmt_prog p;
	struct mmt_exec_result res;
	char err[256];

	parse("malloc s1 size=10\n", &p);
	cr_assert_eq(p.opset, MMT_OPSET_OBJECTS);
	cr_assert_eq(mmt_exec_run(&mmt_adapter_ref_pages, "", &p, NULL, &res,
				  err, sizeof(err)),
		     MMT_EXIT_USAGE);
	cr_assert_str_eq(err, "adapter 'ref-pages' has no OBJECTS capability; "
			      "the program needs OBJECTS (op set objects: "
			      "malloc, calloc, realloc, aligned, free)");
	mmt_prog_free(&p);
	/* and the other way round */
	parse("alloc_pages s1 order=0\n", &p);
	cr_assert_eq(mmt_exec_run(&lib, "", &p, NULL, &res, err, sizeof(err)),
		     MMT_EXIT_USAGE);
	cr_assert_not_null(strstr(err, "needs PAGES"), "%s", err);
	mmt_prog_free(&p);
}

/* Random objects programs of about n ops from seed s. */
static void random_prog(uint64_t *s, size_t bytes, uint64_t size_mod,
			struct mmt_prog *p)
{
	uint8_t *buf = malloc(bytes);

	cr_assert_not_null(buf);
	for (size_t k = 0; k < bytes; k++) {
		*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
		buf[k] = (uint8_t)(*s >> 56);
	}
	buf[0] = MMT_OPSET_OBJECTS;
	cr_assert_eq(mmt_prog_decode(buf, bytes, p), 0);
	free(buf);
	for (size_t i = 0; size_mod && i < p->nr_ops; i++) {
		p->ops[i].size %= size_mod;
		p->ops[i].nmemb %= 64; /* calloc_array: a product run */
	}
}

MMT_TEST(objects, libc_10k_random_ops_clean)
{
	uint64_t s = 5;
	size_t ops = 0;

	/* sizes below 64 KiB keep it fast under ASan (big ones: caps test) */
	for (int i = 0; i < 2; i++) {
		struct mmt_prog p;
		struct mmt_exec_result res;
		char err[256];

		random_prog(&s, 30000, 1u << 16, &p);
		ops += p.nr_ops;
		cr_assert_eq(mmt_exec_run(&lib, "", &p, NULL, &res, err,
					  sizeof(err)),
			     MMT_EXIT_OK, "input %d: op %zu %s: %s (%s)", i,
			     res.report.v[0].op_index, res.report.v[0].id,
			     res.report.v[0].message, err);
		cr_assert_eq(res.ops_run, p.nr_ops);
		mmt_prog_free(&p);
	}
	cr_assert_geq(ops, 10000);
}

MMT_TEST(objects, outcomes_and_digests_agree_between_correct_allocators)
{
	uint64_t s = 77;
	struct mmt_prog p;
	struct mmt_exec *a, *b, *c;
	char err[256];
	size_t digests = 0, reallocs = 0;
	uint64_t live[MMT_NR_SLOTS] = { 0 }; /* sizes in a, from outcomes */

	random_prog(&s, 4000, 20000, &p);
	cr_assert_eq(mmt_exec_open(&lib, "", &p, NULL, &a, err, sizeof(err)),
		     0);
	cr_assert_eq(
		mmt_exec_open(&lib, "bump", &p, NULL, &b, err, sizeof(err)), 0);
	cr_assert_eq(mmt_exec_open(&lib, "lossy", &p, NULL, &c, err,
				   sizeof(err)),
		     0);
	for (size_t i = 0; i < p.nr_ops; i++) {
		struct mmt_op_outcome x, y, z;

		cr_assert_eq(mmt_exec_step(a, i, &x), 0, "%s",
			     mmt_exec_result(a)->report.v[0].message);
		cr_assert_eq(mmt_exec_step(b, i, &y), 0, "%s",
			     mmt_exec_result(b)->report.v[0].message);
		mmt_exec_step(c, i, &z);
		cr_assert_eq(x.kind, y.kind);
		cr_assert_eq(x.is_alloc, y.is_alloc);
		cr_assert_eq(x.is_free, y.is_free);
		cr_assert_eq(x.skipped, y.skipped);
		cr_assert_eq(x.ok, y.ok);
		cr_assert_eq(x.must_succeed, y.must_succeed);
		cr_assert_eq(x.must_fail, 0);
		cr_assert_eq(x.size, y.size);
		cr_assert_eq(x.has_digest, y.has_digest);
		cr_assert_eq(x.digest, y.digest, "op %zu", i);
		if (x.is_alloc && x.ok) {
			cr_assert_geq(x.usable, x.size);
			cr_assert_geq(x.addr_align,
				      x.kind == MMT_OP_ALIGNED ?
					      (p.ops[i].align < 4096 ?
						       p.ops[i].align :
						       4096) :
					      (x.size >= 16 ? 16 : 1));
			cr_assert_leq(x.addr_align, 4096);
			cr_assert_eq(x.must_succeed, x.size > 0);
		}
		if (x.has_digest)
			digests++;
		/* the lossy realloc changes what a non-empty prefix reads */
		if (x.kind == MMT_OP_REALLOC && x.has_digest &&
		    live[x.slot] > 0 && z.has_digest) {
			reallocs++;
			cr_assert_neq(x.digest, z.digest, "op %zu", i);
		}
		if (x.is_alloc && x.ok)
			live[x.slot] = x.size;
		if (x.is_free)
			live[x.slot] = 0;
	}
	cr_assert_geq(digests, 20);
	cr_assert_geq(reallocs, 1);
	mmt_exec_finish(a);
	mmt_exec_finish(b);
	cr_assert_eq(mmt_exec_result(a)->report.total, 0);
	cr_assert_eq(mmt_exec_result(b)->report.total, 0);
	cr_assert_gt(mmt_exec_result(c)->report.total, 0);
	mmt_exec_close(a);
	mmt_exec_close(b);
	mmt_exec_close(c);
	mmt_prog_free(&p);
}

MMT_TEST(objects, glibc_peer_runs_clean)
{
	const struct mmt_adapter *ad;
	const char *opts;
	char err[256];
	uint64_t s = 1234;

	cr_assert_eq(mmt_adapter_select("glibc", &ad, &opts, err, sizeof(err)),
		     0, "%s", err);
	for (int i = 0; i < 3; i++) {
		struct mmt_prog p;
		struct mmt_exec_result res;

		random_prog(&s, 12000, 0, &p);
		cr_assert_eq(mmt_exec_run(ad, opts, &p, NULL, &res, err,
					  sizeof(err)),
			     MMT_EXIT_OK, "input %d: op %zu %s: %s (%s)", i,
			     res.report.v[0].op_index, res.report.v[0].id,
			     res.report.v[0].message, err);
		mmt_prog_free(&p);
	}
}

/* ------------------------------------------------------------ impossible */

static const char impossible_ops[] =
	"malloc s1 size=100\n" /* 0 */
	"malloc s2 size=18446744073709551615\n" /* 1 */
	"calloc s2 size=9223372036854775808\n" /* 2 */
	"aligned s2 size=18446744073709551600 align=64\n" /* 3 */
	"calloc_array s2 size=4 nmemb=4611686018427387905\n" /* 4: wraps */
	"calloc_array s2 size=2 nmemb=4611686018427387905\n" /* 5: 2^63+2 */
	"realloc s1 size=18446744073709551615\n" /* 6: s1 stays */
	"malloc s1 size=9223372036854775809\n" /* 7: s1 stays */
	"calloc_array s3 size=8 nmemb=16\n" /* 8: runs */
	"malloc s4 size=9223372036854775807\n" /* 9: skipped (cap) */
	"free s1\n";

MMT_TEST(impossible, correct_allocators_fail_them_and_keep_the_slot)
{
	static const char *const opts[] = { "", "bump" };
	struct mmt_exec_result res;
	char *out = NULL;

	for (size_t k = 0; k < 2; k++) {
		cr_assert_eq(run_trace(&lib, opts[k], impossible_ops, &res,
				       &out),
			     MMT_EXIT_OK, "%s: %s: %s\n%s", opts[k],
			     res.report.v[0].id, res.report.v[0].message, out);
		cr_assert_eq(res.allocs, 2, "%s", out); /* s1, s3 */
		cr_assert_eq(res.alloc_fails, 7, "%s", out);
		cr_assert_eq(res.frees, 2, "%s", out); /* s1, s3 at the end */
		cr_assert_not_null(strstr(out, "-> NULL (impossible: must "
					       "fail)"),
				   "%s", out);
		cr_assert_not_null(strstr(out,
					  "malloc s4 size=9223372036854775807"
					  " -> skipped (size above the "
					  "64 MiB cap)"),
				   "%s", out);
		free(out);
		out = NULL;
	}
}

MMT_TEST(impossible, failed_realloc_leaves_the_old_object)
{
	struct mmt_prog p;
	struct mmt_exec *ex;
	struct mmt_op_outcome oc;
	const struct mmt_exec_result *res;
	char err[256];

	parse("malloc s1 size=5000\n"
	      "realloc s1 size=18446744073709551615\n"
	      "realloc s1 size=9223372036854775808\n"
	      "free s1\n",
	      &p);
	cr_assert_eq(mmt_exec_open(&lib, "", &p, NULL, &ex, err, sizeof(err)),
		     0, "%s", err);
	memset(&oc, 0, sizeof(oc));
	mmt_exec_step(ex, 0, &oc);
	cr_assert(oc.ok);
	for (size_t i = 1; i < 3; i++) {
		memset(&oc, 0, sizeof(oc));
		mmt_exec_step(ex, i, &oc);
		cr_assert(oc.is_alloc && !oc.ok && oc.must_fail &&
				  !oc.must_succeed && !oc.skipped,
			  "op %zu", i);
	}
	/* the object is still the slot's, and its fill is verified at the
	 * free (OBJ-FILL otherwise) */
	res = mmt_exec_result(ex);
	cr_assert_eq(res->frees, 0);
	cr_assert_eq(res->alloc_fails, 2);
	mmt_exec_step(ex, 3, &oc);
	cr_assert(oc.is_free && oc.ok && oc.size == 5000);
	mmt_exec_finish(ex);
	cr_assert_eq(mmt_exec_result(ex)->report.total, 0, "%s",
		     mmt_exec_result(ex)->report.v[0].message);
	mmt_exec_close(ex);
	mmt_prog_free(&p);
}

MMT_TEST(impossible, a_block_for_an_impossible_size_is_caught)
{
	static const struct {
		const char *prog;
		size_t op;
	} v[] = {
		{ "malloc s1 size=18446744073709551615\n", 0 },
		{ "malloc s1 size=64\ncalloc s1 size=9223372036854775808\n",
		  1 },
		{ "aligned s1 size=18446744073709551600 align=64\n", 0 },
		{ "malloc s1 size=10\nrealloc s1 size=18446744073709551615\n",
		  1 },
		{ "realloc s1 size=18446744073709551615\n", 0 },
	};
	struct mmt_exec_result res;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		cr_assert_eq(run(&lib, "wrap", v[i].prog, &res), MMT_EXIT_BUG,
			     "%s", v[i].prog);
		expect_only(&res, "OBJ-IMPOSSIBLE", v[i].op);
		/* the block was handed back at once (MMT_TEST's leak check
		 * says nothing leaked) */
		cr_assert_geq(res.frees, 1, "%s", v[i].prog);
	}
	/* and nothing on the correct build of the same programs */
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		cr_assert_eq(run(&lib, "", v[i].prog, &res), MMT_EXIT_OK, "%s",
			     v[i].prog);
}

MMT_TEST(impossible, a_calloc_whose_product_wraps_is_caught)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&lib, "cwrap",
			 "calloc_array s1 size=8 nmemb=16\n"
			 "calloc_array s2 size=4 nmemb=4611686018427387905\n",
			 &res),
		     MMT_EXIT_BUG);
	expect_only(&res, "OBJ-IMPOSSIBLE", 1);
	cr_assert_not_null(strstr(res.report.v[0].message, "product wraps"),
			   "%s", res.report.v[0].message);
	/* a product above PTRDIFF_MAX that does not wrap: calloc refuses */
	cr_assert_eq(run(&lib, "cwrap",
			 "calloc_array s2 size=2 nmemb=4611686018427387905\n",
			 &res),
		     MMT_EXIT_OK);
}

MMT_TEST(impossible, a_side_effect_on_a_live_object_is_caught)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&lib, "rscribble",
			 "malloc s1 size=100\n"
			 "realloc s1 size=18446744073709551615\n"
			 "free s1\n",
			 &res),
		     MMT_EXIT_BUG);
	expect_only(&res, "OBJ-FILL", 1);
}
