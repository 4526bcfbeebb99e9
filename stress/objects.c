/* SPDX-License-Identifier: MIT */
/*
 * stress/objects.c - scenario kmalloc-mix: threads sharing one OBJECTS
 * allocator (a malloc family) with the request sizes a kernel's kmalloc
 * sees.
 *
 * Sizes: six in ten are exactly a kmalloc class (8, 16, 32, 64, 96, 128,
 * 192, 256, 512, 1024, 2048, 4096, 8192, as in Linux's kmalloc caches),
 * three in ten an odd size strictly between two classes (1..7 below the
 * first), one in ten a larger one up to 64 KiB.
 *
 * Each thread has STRESS_OBJ_SLOTS slots. Step n of thread i draws from
 * thread i's own stream only: a slot, an op (free 45%, malloc 25%,
 * kzalloc = malloc with __GFP_ZERO 5%, calloc 8%, aligned 7% with an
 * alignment of 16..4096, realloc 10%), a size, and whether and to whom a
 * freed object is handed. The draws do not depend on results, so a seed
 * gives the same op sequence on every run. Slot rules: an allocation into
 * a live slot frees the old object first; realloc of a live slot resizes
 * it (of an empty slot it is a malloc); a free of an empty slot does
 * nothing. A quarter of frees (with more than one thread) hand the object
 * to another thread, which checks and frees it.
 *
 * Checks:
 *   STRESS-DOUBLE-ALLOC an address handed out while live: every live
 *                       object's address is in a lock-striped hash set
 *                       (liveset.c), inserted after the allocation and
 *                       removed just before the free or realloc;
 *   STRESS-COOKIE       the header (address, owner thread, sequence, size,
 *                       fill key; its first min(size, 32) bytes) changed
 *                       between allocation and free;
 *   STRESS-FILL         the fill pattern changed: written over bytes
 *                       32..255, the last 64 bytes and 8 bytes at every
 *                       4 KiB of the object (all of a small object);
 *   STRESS-REALLOC      realloc did not keep the old contents up to the
 *                       smaller of the two sizes;
 *   STRESS-ZERO         calloc or kzalloc memory not zero (all of it up to
 *                       4 KiB, then 8 bytes every 4 KiB and the last 64);
 *   STRESS-USABLE       (USABLE_SIZE) usable_size() below the request,
 *                       or implausibly far above it (mmt_usable_extent());
 *                       the fill covers the usable bytes, so a usable size
 *                       reaching into a neighbour breaks the neighbour's
 *                       cookie or fill;
 *   STRESS-ALIGN        aligned() result not aligned as asked, or any
 *                       result below what the allocator declares for its
 *                       size (min(objects->min_align, largest power of
 *                       two <= size));
 *   STRESS-OWNER        an object's address missing from the set at free
 *                       (a harness bug);
 *   STRESS-IMPOSSIBLE   a request no allocator can serve returned a block:
 *                       one step in 64 (bits 16..21 of its first draw, so
 *                       the op sequence is the same as without it) first
 *                       asks for one, by bits 22..23: malloc(SIZE_MAX - k),
 *                       calloc(2^62 + 1, 4) (the product wraps to 4),
 *                       aligned(64, 2^63 + k), or realloc of the slot's
 *                       live object to SIZE_MAX - k (malloc when empty).
 *                       It must return NULL; a failed realloc's object
 *                       must still hold its cookie and fill. A block
 *                       returned is freed at once.
 * A NULL result is counted as a failed allocation (the sizes are never 0),
 * not a violation.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/adapter.h>

#include "mmt_lib.h"
#include "stress_int.h"

#define COOKIE_MAGIC 0x6b6d616c6c6f6321ULL
#define FILL_HEAD 256u /* pattern over [cookie, FILL_HEAD) */
#define FILL_TAIL 64u /* and over the last FILL_TAIL bytes */
#define STRIDE 4096u /* and 8 bytes every STRIDE bytes */
#define ZERO_FULL 4096u /* zero check of every byte up to this */
#define TAIL_MAX 65536u /* largest request */

enum obj_kind {
	OBJ_FREE = 0,
	OBJ_MALLOC,
	OBJ_KZALLOC,
	OBJ_CALLOC,
	OBJ_ALIGNED,
	OBJ_REALLOC,
};

static const char *const kind_names[] = { "free",   "malloc",  "kzalloc",
					  "calloc", "aligned", "realloc" };

static const uint32_t kmalloc_classes[] = { 8,	  16,	32,  64,  96,
					    128,  192,	256, 512, 1024,
					    2048, 4096, 8192 };
#define NR_CLASSES (sizeof(kmalloc_classes) / sizeof(kmalloc_classes[0]))

/* A live object. */
struct oobj {
	void *addr;
	uintptr_t origin; /* address the cookie was written at */
	uint64_t seq; /* the allocating thread's allocation number */
	uint64_t key; /* fill key */
	size_t size; /* requested bytes */
	size_t extent; /* bytes it owns: mmt_usable_extent() (USABLE_SIZE) */
	size_t align; /* asked alignment (aligned), else 0 */
	size_t elem; /* element size (calloc), else 0 */
	uint32_t thread; /* who allocated it */
	uint32_t kind; /* enum obj_kind */
};

/* At the start of every object (only its first `size` bytes if shorter). */
struct ocookie {
	uint64_t magic; /* COOKIE_MAGIC ^ address */
	uint64_t seq;
	uint32_t thread;
	uint32_t size; /* low 32 bits */
	uint64_t key;
};

/* ------------------------------------------------------ the op sequence */

struct oop {
	uint32_t slot;
	uint32_t kind;
	size_t size;
	size_t align; /* OBJ_ALIGNED */
	size_t elem; /* OBJ_CALLOC: element size, divides size */
	int hand;
	unsigned int to;
	uint64_t impossible; /* non-zero: ask for an impossible size first */
};

static size_t gen_size(uint64_t r)
{
	uint32_t k = (uint32_t)(r % 10), idx;
	uint64_t lo, hi;

	r /= 10;
	idx = (uint32_t)(r % NR_CLASSES);
	r /= NR_CLASSES;
	if (k < 6)
		return kmalloc_classes[idx];
	if (k < 9) {
		lo = idx ? kmalloc_classes[idx - 1] + 1 : 1;
		hi = kmalloc_classes[idx] - 1; /* strictly between */
		return (size_t)(lo + r % (hi - lo + 1));
	}
	lo = kmalloc_classes[NR_CLASSES - 1] + 1;
	return (size_t)(lo + r % (TAIL_MAX - lo + 1));
}

static void gen_oop(struct stress_worker *w, struct oop *op)
{
	uint64_t r1 = mmt_stress_rand(&w->rng), r2 = mmt_stress_rand(&w->rng);
	uint64_t r3 = mmt_stress_rand(&w->rng);
	uint32_t k;

	memset(op, 0, sizeof(*op));
	op->slot = (uint32_t)(r1 % STRESS_OBJ_SLOTS);
	k = (uint32_t)((r1 >> 32) % 100);
	op->kind = k < 45 ? OBJ_FREE :
		   k < 70 ? OBJ_MALLOC :
		   k < 75 ? OBJ_KZALLOC :
		   k < 83 ? OBJ_CALLOC :
		   k < 90 ? OBJ_ALIGNED :
			    OBJ_REALLOC;
	op->size = gen_size(r2);
	op->align = (size_t)16 << (r3 % 9); /* 16..4096 */
	switch ((r3 >> 8) & 3) {
	case 0:
		op->elem = 1;
		break;
	case 1:
		op->elem = op->size % 8 ? 1 : 8;
		break;
	case 2:
		op->elem = op->size % 16 ? 1 : 16;
		break;
	default:
		op->elem = op->size; /* calloc(1, size) */
		break;
	}
	op->hand = mmt_stress_pick_peer(w, r3 >> 16, &op->to);
	/* bits no other choice reads: the sequence stays the same */
	if (((r1 >> 16) & 63) == 0)
		op->impossible = r1 | 1;
}

/* ------------------------------------------------------ contents */

/*
 * The call that made o, every argument named, for messages:
 * "aligned(size 512, align 256)", "calloc(nmemb 64, size 8)",
 * "malloc(size 100)".
 */
struct ocall {
	char s[64];
};

static struct ocall call_of(const struct oobj *o)
{
	struct ocall c;

	if (o->kind == OBJ_ALIGNED)
		snprintf(c.s, sizeof(c.s), "aligned(size %zu, align %zu)",
			 o->size, o->align);
	else if (o->kind == OBJ_CALLOC && o->elem)
		snprintf(c.s, sizeof(c.s), "calloc(nmemb %zu, size %zu)",
			 o->size / o->elem, o->elem);
	else
		snprintf(c.s, sizeof(c.s), "%s(size %zu)", kind_names[o->kind],
			 o->size);
	return c;
}

static uint8_t pattern_byte(uint64_t key, size_t i)
{
	return (uint8_t)((uint8_t)(key >> ((i & 7) * 8)) ^ (uint8_t)(i >> 3));
}

static void make_cookie(const struct oobj *o, struct ocookie *c)
{
	memset(c, 0, sizeof(*c));
	c->magic = COOKIE_MAGIC ^ (uint64_t)o->origin;
	c->seq = o->seq;
	c->thread = o->thread;
	c->size = (uint32_t)o->size;
	c->key = o->key;
}

/*
 * Call fn on each patterned range [a, b) of an object of `size` bytes,
 * clipped to [0, limit). fn returns nonzero to stop; that value is
 * returned.
 */
typedef size_t (*range_fn)(unsigned char *p, size_t a, size_t b, uint64_t key);

static size_t each_range(unsigned char *p, size_t size, size_t limit,
			 uint64_t key, range_fn fn)
{
	size_t a = sizeof(struct ocookie), b, off, r;

	if (limit > size)
		limit = size;
	b = size < FILL_HEAD ? size : FILL_HEAD;
	if (a < b && a < limit && (r = fn(p, a, b < limit ? b : limit, key)))
		return r;
	if (size <= FILL_HEAD)
		return 0;
	for (off = STRIDE; off + 8 <= size - FILL_TAIL && off < limit;
	     off += STRIDE)
		if ((r = fn(p, off, off + 8 < limit ? off + 8 : limit, key)))
			return r;
	a = size - FILL_TAIL > FILL_HEAD ? size - FILL_TAIL : FILL_HEAD;
	if (a < limit && (r = fn(p, a, limit, key)))
		return r;
	return 0;
}

static size_t fill_range(unsigned char *p, size_t a, size_t b, uint64_t key)
{
	for (; a < b; a++)
		p[a] = pattern_byte(key, a);
	return 0;
}

/* Returns 1 + the first bad offset, or 0. */
static size_t check_range(unsigned char *p, size_t a, size_t b, uint64_t key)
{
	for (; a < b; a++)
		if (p[a] != pattern_byte(key, a))
			return a + 1;
	return 0;
}

static void write_contents(struct oobj *o)
{
	struct ocookie c;
	size_t n = o->size < sizeof(c) ? o->size : sizeof(c);

	o->origin = (uintptr_t)o->addr;
	make_cookie(o, &c);
	memcpy(o->addr, &c, n);
	each_range(o->addr, o->extent, o->extent, o->key, fill_range);
}

/*
 * Check o's contents at p over [0, limit): the cookie, then the pattern.
 * new_size: SIZE_MAX, or the size o was realloc'd to (to p). Returns 0,
 * or reports under id (NULL: STRESS-COOKIE / STRESS-FILL) and returns -1.
 */
static int verify_contents(struct stress_worker *w, const struct oobj *o,
			   const void *p, size_t limit, size_t new_size,
			   const char *id)
{
	struct ocookie c;
	size_t n = o->size < sizeof(c) ? o->size : sizeof(c), bad;
	const unsigned char *q = p, *e = (const unsigned char *)&c;
	unsigned char want;
	char what[192];
	int len;

	make_cookie(o, &c);
	if (n > limit)
		n = limit;
	for (bad = 0; bad < n; bad++)
		if (q[bad] != e[bad])
			break;
	if (bad < n) {
		want = e[bad];
	} else {
		bad = each_range((unsigned char *)(uintptr_t)p, o->extent,
				 limit, o->key, check_range);
		if (!bad)
			return 0;
		bad--;
		want = pattern_byte(o->key, bad);
	}
	len = snprintf(what, sizeof(what),
		       "%zu-byte object at %p (%s, thread %u's allocation "
		       "#%" PRIu64 ")",
		       o->size, o->addr, call_of(o).s, o->thread, o->seq);
	if (new_size != SIZE_MAX && len > 0 && (size_t)len < sizeof(what))
		snprintf(what + len, sizeof(what) - (size_t)len,
			 " realloc'd to size %zu at %p", new_size, p);
	if (!id)
		id = bad < sizeof(c) ? "STRESS-COOKIE" : "STRESS-FILL";
	mmt_stress_worker_violation(w, (uint64_t)(uintptr_t)p, id,
				    "%s: %s %zu is 0x%02x, want 0x%02x", what,
				    bad < sizeof(c) ? "header byte" : "byte",
				    bad, q[bad], want);
	return -1;
}

/* 1 + first nonzero offset of the checked bytes, or 0. */
static size_t zero_probe(const unsigned char *p, size_t size)
{
	size_t i, full = size < ZERO_FULL ? size : ZERO_FULL;

	for (i = 0; i < full; i++)
		if (p[i])
			return i + 1;
	for (i = ZERO_FULL; i + 8 <= size; i += STRIDE) {
		size_t k;

		for (k = i; k < i + 8; k++)
			if (p[k])
				return k + 1;
	}
	for (i = size > FILL_TAIL ? size - FILL_TAIL : 0; i < size; i++)
		if (p[i])
			return i + 1;
	return 0;
}

/* ------------------------------------------------------ objects */

static uint64_t tag_of(const struct oobj *o)
{
	return ((uint64_t)o->thread << 48) | (o->seq & 0xffffffffffffULL);
}

/* The alignment a size-byte object owes on an allocator declaring
 * min_align (a power of two). */
static size_t c_align_for(uint64_t min_align, size_t size)
{
	size_t a = (size_t)min_align;

	while (a > 1 && a > size)
		a >>= 1;
	return a;
}

/*
 * Checks on an object just handed out; 0 keeps it (contents written),
 * -1 drops it (the run is over: it stays allocated on purpose).
 */
static int accept_obj(struct stress_worker *w, struct oobj *o)
{
	struct stress *s = w->s;
	uintptr_t a = (uintptr_t)o->addr;
	uint64_t old = 0;
	size_t want, bad;
	int rc;

	o->extent = o->size;
	rc = mmt_liveset_insert(s->priv, a, tag_of(o), &old);
	if (rc == 1) {
		mmt_stress_worker_violation(
			w, (uint64_t)a, "STRESS-DOUBLE-ALLOC",
			"%s returned %p, which is live: thread %u holds it "
			"as its allocation #%" PRIu64,
			call_of(o).s, o->addr, (unsigned int)(old >> 48),
			(uint64_t)(old & 0xffffffffffffULL));
		return -1;
	}
	if (rc < 0) {
		mmt_stress_worker_violation(w, (uint64_t)a, "STRESS-OOM",
					    "the harness ran out of memory");
		return -1;
	}
	/* An object that is ours but wrong is kept (and freed at the end);
	 * the first thing found wrong with it is the one reported. */
	want = c_align_for(s->ad->objects->min_align, o->size);
	if (o->kind == OBJ_ALIGNED && o->align > want)
		want = o->align;
	if (a % want) {
		if (o->kind == OBJ_ALIGNED)
			mmt_stress_worker_violation(
				w, (uint64_t)a, "STRESS-ALIGN",
				"%s returned %p, not aligned to %zu",
				call_of(o).s, o->addr, want);
		else
			mmt_stress_worker_violation(
				w, (uint64_t)a, "STRESS-ALIGN",
				"%s returned %p, not aligned to %zu (what a "
				"%zu-byte object has under the %" PRIu64
				" it declares, objects->min_align)",
				call_of(o).s, o->addr, want, o->size,
				s->ad->objects->min_align);
		goto keep;
	}
	if (s->ad->caps & MMT_CAP_USABLE_SIZE) {
		size_t us;

		mmt_stress_lock(s);
		us = s->ad->objects->usable_size(s->state, o->addr);
		mmt_stress_unlock(s);
		if (us < o->size ||
		    mmt_usable_implausible(o->size, o->align, us)) {
			mmt_stress_worker_violation(
				w, (uint64_t)a, "STRESS-USABLE",
				"usable_size(%p) is %zu, %s the %zu bytes %s "
				"asked for",
				o->addr, us,
				us < o->size ? "below" :
					       "implausibly far above",
				o->size, call_of(o).s);
			goto keep;
		}
		/* the usable bytes are the allocator's promise: the
		 * fill covers them all */
		o->extent = (size_t)mmt_usable_extent(o->size, o->align, us);
	}
	if ((o->kind == OBJ_CALLOC || o->kind == OBJ_KZALLOC) &&
	    (bad = zero_probe(o->addr, o->size)) != 0)
		mmt_stress_worker_violation(
			w, (uint64_t)a, "STRESS-ZERO",
			"%s returned %p: byte %zu is 0x%02x, not 0",
			call_of(o).s, o->addr, bad - 1,
			((const unsigned char *)o->addr)[bad - 1]);
keep:
	write_contents(o);
	mmt_stress_live_add(w, (int64_t)o->size);
	return 0;
}

static uint64_t fill_key(const struct stress *s, uint32_t thread, uint64_t seq)
{
	uint64_t st = s->seed ^ ((uint64_t)thread << 40) ^ (seq * 0x9e37ULL);

	return mmt_stress_rand(&st);
}

/* Free an object this thread holds (its own or handed in). */
/* also the scenario's release: item is a struct oobj */
static void free_obj(struct stress_worker *w, const void *item)
{
	const struct oobj *o = item;
	struct stress *s = w->s;

	if (verify_contents(w, o, o->addr, o->extent, SIZE_MAX, NULL) != 0)
		return; /* leave it: the run is over */
	if (mmt_stress_fault_take(MMT_STRESS_FAULT_LOSE))
		mmt_liveset_remove(s->priv, (uintptr_t)o->addr, NULL);
	if (mmt_liveset_remove(s->priv, (uintptr_t)o->addr, NULL) != 0)
		mmt_stress_worker_violation(
			w, (uint64_t)(uintptr_t)o->addr, "STRESS-OWNER",
			"live object %p was not in the live set", o->addr);
	mmt_stress_live_add(w, -(int64_t)o->size);
	mmt_stress_lock(s);
	s->ad->objects->free(s->state, o->addr);
	mmt_stress_unlock(s);
	w->ops++;
	w->frees++;
}

/* Allocate into o (kind, size, align set); 0 when o is now live. */
static int alloc_obj(struct stress_worker *w, struct oobj *o, size_t elem)
{
	struct stress *s = w->s;
	const struct mmt_objects_ops *ob = s->ad->objects;
	void *p;

	o->thread = w->id;
	o->seq = ++w->seq;
	o->key = fill_key(s, w->id, o->seq);
	o->elem = o->kind == OBJ_CALLOC ? elem : 0;
	mmt_stress_lock(s);
	switch (o->kind) {
	case OBJ_KZALLOC:
		p = ob->malloc(s->state, o->size,
			       MMT_GFP_KERNEL | MMT_GFP_ZERO);
		break;
	case OBJ_CALLOC:
		p = ob->calloc(s->state, o->size / elem, elem, MMT_GFP_KERNEL);
		break;
	case OBJ_ALIGNED:
		p = ob->aligned(s->state, o->align, o->size, MMT_GFP_KERNEL);
		break;
	default:
		o->kind = OBJ_MALLOC;
		p = ob->malloc(s->state, o->size, MMT_GFP_KERNEL);
		break;
	}
	mmt_stress_unlock(s);
	w->ops++;
	if (!p) {
		if (o->size) /* a NULL for nothing asked is no failure */
			w->fails++;
		return -1;
	}
	w->allocs++;
	o->addr = p;
	return accept_obj(w, o);
}

/* Resize the live object o to size; returns 1 while it is still live. */
static int realloc_obj(struct stress_worker *w, struct oobj *o, size_t size)
{
	struct stress *s = w->s;
	struct oobj old = *o;
	size_t keep = old.size < size ? old.size : size;
	uint64_t prev = 0;
	void *p;

	if (verify_contents(w, &old, old.addr, old.extent, SIZE_MAX, NULL) != 0)
		return 0;
	/* Out of the set first: once realloc moves, the old address may be
	 * handed to another thread at once. */
	mmt_liveset_remove(s->priv, (uintptr_t)old.addr, NULL);
	mmt_stress_lock(s);
	p = s->ad->objects->realloc(s->state, old.addr, size, MMT_GFP_KERNEL);
	mmt_stress_unlock(s);
	w->ops++;
	if (!p) {
		/* Failed: the old object is still ours and unchanged. */
		if (size)
			w->fails++;
		if (mmt_liveset_insert(s->priv, (uintptr_t)old.addr,
				       tag_of(&old), &prev) == 1) {
			mmt_stress_worker_violation(
				w, (uint64_t)(uintptr_t)old.addr,
				"STRESS-DOUBLE-ALLOC",
				"realloc(%p, size %zu) failed, but %p was "
				"handed to thread %u meanwhile (its "
				"allocation #%" PRIu64 ")",
				old.addr, size, old.addr,
				(unsigned int)(prev >> 48),
				(uint64_t)(prev & 0xffffffffffffULL));
			return 0;
		}
		return 1;
	}
	w->allocs++;
	w->frees++;
	mmt_stress_live_add(w, -(int64_t)old.size);
	if (verify_contents(w, &old, p, keep, size, "STRESS-REALLOC") != 0)
		return 0;
	o->addr = p;
	o->size = size;
	o->align = 0;
	o->elem = 0;
	o->kind = OBJ_REALLOC;
	o->thread = w->id;
	o->seq = ++w->seq;
	o->key = fill_key(s, w->id, o->seq);
	return accept_obj(w, o) == 0;
}

/*
 * A request no allocator can serve (above PTRDIFF_MAX bytes, or a calloc
 * whose product wraps), chosen by bits 22..23 of r; o is the slot's object
 * when held is set (realloc then resizes it). Returns 1 while o is still
 * live (held and the request failed as it must).
 */
static int impossible_obj(struct stress_worker *w, struct oobj *o, int held,
			  uint64_t r)
{
	struct stress *s = w->s;
	const struct mmt_objects_ops *ob = s->ad->objects;
	size_t k = (size_t)((r >> 24) & 15);
	unsigned int pick = (unsigned int)((r >> 22) & 3);
	char call[80];
	uint64_t prev = 0;
	void *p;

	if (pick == 3 && !held)
		pick = 0;
	if (pick == 3 &&
	    verify_contents(w, o, o->addr, o->extent, SIZE_MAX, NULL) != 0)
		return 0;
	if (pick == 3) /* out of the set while realloc may move it */
		mmt_liveset_remove(s->priv, (uintptr_t)o->addr, NULL);
	mmt_stress_lock(s);
	switch (pick) {
	case 0:
		snprintf(call, sizeof(call), "malloc(size SIZE_MAX - %zu)", k);
		p = ob->malloc(s->state, SIZE_MAX - k, MMT_GFP_KERNEL);
		break;
	case 1:
		snprintf(call, sizeof(call),
			 "calloc(nmemb 2^62 + 1, size 4): the product wraps");
		p = ob->calloc(s->state, ((size_t)1 << 62) + 1, 4,
			       MMT_GFP_KERNEL);
		break;
	case 2:
		snprintf(call, sizeof(call),
			 "aligned(size 2^63 + %zu, align 64)", k);
		p = ob->aligned(s->state, 64, ((size_t)1 << 63) + k,
				MMT_GFP_KERNEL);
		break;
	default:
		snprintf(call, sizeof(call), "realloc(%p, size SIZE_MAX - %zu)",
			 o->addr, k);
		p = ob->realloc(s->state, o->addr, SIZE_MAX - k,
				MMT_GFP_KERNEL);
		break;
	}
	mmt_stress_unlock(s);
	w->ops++;
	if (p) {
		w->allocs++;
		mmt_stress_worker_violation(
			w, (uint64_t)(uintptr_t)p, "STRESS-IMPOSSIBLE",
			"%s returned %p: no allocator can serve a request "
			"above PTRDIFF_MAX bytes, it must return NULL",
			call, p);
		mmt_stress_lock(s);
		ob->free(s->state, p);
		mmt_stress_unlock(s);
		w->frees++;
		if (pick == 3) /* the old object went with it */
			mmt_stress_live_add(w, -(int64_t)o->size);
		return pick == 3 ? 0 : held;
	}
	/* a NULL here is the answer required, not a failed allocation */
	if (pick != 3)
		return held;
	if (mmt_liveset_insert(s->priv, (uintptr_t)o->addr, tag_of(o), &prev) ==
	    1) {
		mmt_stress_worker_violation(
			w, (uint64_t)(uintptr_t)o->addr, "STRESS-DOUBLE-ALLOC",
			"%s failed, but %p was handed to thread %u meanwhile "
			"(its allocation #%" PRIu64 ")",
			call, o->addr, (unsigned int)(prev >> 48),
			(uint64_t)(prev & 0xffffffffffffULL));
		return 0;
	}
	/* no side effect: the object is as it was */
	return verify_contents(w, o, o->addr, o->extent, SIZE_MAX, NULL) == 0;
}

/* ------------------------------------------------------ scenario hooks */

static int objects_setup(struct stress *s, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	s->priv = mmt_liveset_create((size_t)s->nr_threads * STRESS_OBJ_SLOTS);
	s->where_name = "addr";
	return s->priv ? 0 : -1;
}

static void objects_teardown(struct stress *s)
{
	mmt_liveset_destroy(s->priv);
	s->priv = NULL;
}

static void objects_step(struct stress_worker *w)
{
	struct oobj *o;
	struct oop op;

	gen_oop(w, &op);
	o = mmt_stress_slot(w, op.slot);
	if (op.impossible) {
		w->held[op.slot] =
			impossible_obj(w, o, w->held[op.slot], op.impossible);
		if (mmt_stress_failed(w->s))
			return;
	}
	if (op.kind == OBJ_REALLOC && w->held[op.slot]) {
		w->held[op.slot] = realloc_obj(w, o, op.size);
		return;
	}
	if (w->held[op.slot]) {
		w->held[op.slot] = false;
		if (op.kind == OBJ_FREE &&
		    mmt_stress_pass_on(w, op.hand, op.to, o))
			return;
		free_obj(w, o);
	}
	if (op.kind == OBJ_FREE || mmt_stress_failed(w->s))
		return; /* a free, or the run stopped at a violation */
	memset(o, 0, sizeof(*o));
	o->kind = op.kind;
	o->size = op.size;
	o->align = op.kind == OBJ_ALIGNED ? op.align : 0;
	w->held[op.slot] = alloc_obj(w, o, op.elem) == 0;
}

const struct stress_scenario mmt_stress_kmalloc_mix = STRESS_SCENARIO(
	"kmalloc-mix", MMT_CAP_OBJECTS, "bytes",
	"kmalloc-class sizes, malloc/calloc/realloc/aligned/free, "
	"cross-thread frees (OBJECTS)",
	struct oobj, STRESS_OBJ_SLOTS, objects, free_obj, NULL);
