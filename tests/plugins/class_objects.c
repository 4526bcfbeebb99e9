/* SPDX-License-Identifier: MIT */
/*
 * class_objects.c - a correct OBJECTS plug-in ("class-objects") of the
 * size-class kind: a request of up to 4 KiB is rounded up to a multiple
 * of 16 (its class), and objects of one class are carved back to back
 * out of 64 KiB chunks, each chunk one class; a freed object goes on its
 * class's free list (LIFO). usable_size() is the class size. Larger
 * requests, and aligned ones whose class would exceed 4 KiB, go to the
 * host's aligned_alloc, recorded in a list. One mutex: THREAD_SAFE.
 *
 * A request above PTRDIFF_MAX bytes, or a calloc whose nmemb x size
 * wraps, fails (NULL, nothing changed), as in glibc.
 *
 * Builds: CLASS_OBJECTS_BUG=1 gives class_objects_wide.so
 * ("class-objects-wide"), whose usable_size() reports 16 bytes more than
 * the class: the promise reaches into the next object of the chunk. Only
 * a harness that checks overlap and fill over the usable bytes sees it.
 * CLASS_OBJECTS_BUG=2 gives class_objects_overflow.so
 * ("class-objects-overflow"), whose calloc multiplies nmemb x size without
 * checking: calloc(2^62 + 1, 4) wraps to 4 bytes and hands back a tiny
 * block. CLASS_OBJECTS_BUG=3 gives class_objects_wrap.so
 * ("class-objects-wrap"), whose malloc adds a 16-byte header to the size
 * before its PTRDIFF_MAX check: malloc(SIZE_MAX - 3) wraps to 12 bytes.
 * Only a harness that asks for impossible sizes and requires NULL sees
 * either; every request of a sane size is served as the correct build
 * serves it.
 */
#define _POSIX_C_SOURCE 200112L

#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/adapter.h>

#ifndef MMT_EXPORT
#define MMT_EXPORT __attribute__((visibility("default")))
#endif
#ifndef CLASS_OBJECTS_BUG
#define CLASS_OBJECTS_BUG 0
#endif

#define CHUNK (64u * 1024u)
#define FIRST 4096u /* objects start one page into a chunk */
#define MAX_CLASS 4096u
#define NR_CLASSES (MAX_CLASS / 16u)

struct chunk {
	struct chunk *next;
	size_t class;
	size_t used; /* bytes carved from FIRST on */
};

struct big {
	struct big *next;
	void *p;
	size_t size;
};

struct co {
	pthread_mutex_t lock;
	struct chunk *chunks;
	struct chunk *open[NR_CLASSES]; /* the chunk each class carves from */
	void *free_list[NR_CLASSES];
	struct big *bigs;
};

static int co_create(const struct mmt_adapter_env *env, void **state, char *err,
		     size_t errlen)
{
	struct co *c;

	(void)err;
	(void)errlen;
	if (env->options[0])
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	*state = c;
	return 0;
}

static void co_destroy(void *state)
{
	struct co *c = state;

	while (c->chunks) {
		struct chunk *n = c->chunks->next;

		free(c->chunks);
		c->chunks = n;
	}
	while (c->bigs) {
		struct big *n = c->bigs->next;

		free(c->bigs->p);
		free(c->bigs);
		c->bigs = n;
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* The chunk holding p, or NULL (a big object). Caller holds the lock. */
static struct chunk *chunk_of(struct co *c, const void *p)
{
	for (struct chunk *k = c->chunks; k; k = k->next)
		if ((uintptr_t)p >= (uintptr_t)k + FIRST &&
		    (uintptr_t)p < (uintptr_t)k + CHUNK)
			return k;
	return NULL;
}

static struct big *big_of(struct co *c, const void *p, struct big ***link)
{
	for (struct big **l = &c->bigs; *l; l = &(*l)->next)
		if ((*l)->p == p) {
			if (link)
				*link = l;
			return *l;
		}
	return NULL;
}

static void *class_alloc(struct co *c, size_t class)
{
	size_t i = class / 16u - 1;
	struct chunk *k = c->open[i];
	void *p = c->free_list[i];

	if (p) {
		memcpy(&c->free_list[i], p, sizeof(void *));
		return p;
	}
	if (!k || FIRST + k->used + class > CHUNK) {
		k = aligned_alloc(CHUNK, CHUNK);
		if (!k)
			return NULL;
		k->class = class;
		k->used = 0;
		k->next = c->chunks;
		c->chunks = k;
		c->open[i] = k;
	}
	p = (char *)k + FIRST + k->used;
	k->used += class;
	return p;
}

static void *big_alloc(struct co *c, size_t align, size_t size)
{
	struct big *b = malloc(sizeof(*b));
	size_t n = (size + align - 1) / align * align;

	if (!b)
		return NULL;
	b->p = aligned_alloc(align, n ? n : align);
	if (!b->p) {
		free(b);
		return NULL;
	}
	b->size = size;
	b->next = c->bigs;
	c->bigs = b;
	return b->p;
}

static void *co_aligned(void *state, size_t align, size_t size, uint32_t gfp)
{
	struct co *c = state;
	size_t class = size ? size : 1;
	void *p;

	(void)gfp;
	if (size > PTRDIFF_MAX || align > PTRDIFF_MAX - size)
		return NULL; /* no object is that large */
	if (align < 16)
		align = 16;
	if (class > MAX_CLASS || align > MAX_CLASS)
		class = MAX_CLASS + 1; /* big */
	else
		class = (class + align - 1) / align * align;
	pthread_mutex_lock(&c->lock);
	p = class <= MAX_CLASS ? class_alloc(c, class) :
				 big_alloc(c, align, size);
	pthread_mutex_unlock(&c->lock);
	return p;
}

static void *co_malloc(void *state, size_t size, uint32_t gfp)
{
	void *p;

#if CLASS_OBJECTS_BUG == 3
	/* the bug: a 16-byte header added before the check wraps, and the
	 * wrapped sum passes it and is what gets carved */
	size_t with_header = size + 16u;

	if (with_header < 16u)
		size = with_header;
#endif
	p = co_aligned(state, 16, size, gfp);

	if (p && (gfp & MMT_GFP_ZERO))
		memset(p, 0, size);
	return p;
}

static void *co_calloc(void *state, size_t n, size_t size, uint32_t gfp)
{
	void *p;

#if CLASS_OBJECTS_BUG != 2
	if (size && n > SIZE_MAX / size)
		return NULL;
#endif
	/* the overflow build: n * size wraps, and the wrapped size is served */
	p = co_aligned(state, 16, n * size, gfp);
	if (p)
		memset(p, 0, n * size);
	return p;
}

/* Bytes an object has (its class, or a big object's size). */
static size_t size_locked(struct co *c, const void *p)
{
	struct chunk *k = chunk_of(c, p);
	struct big *b;

	if (k)
		return k->class;
	b = big_of(c, p, NULL);
	return b ? b->size : 0;
}

/* What usable_size() says; the wide build claims 16 bytes more of a
 * class object than it has. */
static size_t usable_locked(struct co *c, const void *p)
{
	size_t n = size_locked(c, p);

	if (CLASS_OBJECTS_BUG == 1 && chunk_of(c, p))
		n += 16u;
	return n;
}

static size_t co_usable(void *state, const void *p)
{
	struct co *c = state;
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = usable_locked(c, p);
	pthread_mutex_unlock(&c->lock);
	return n;
}

static void co_free(void *state, void *p)
{
	struct co *c = state;
	struct chunk *k;
	struct big *b, **link = NULL;

	if (!p)
		return;
	pthread_mutex_lock(&c->lock);
	k = chunk_of(c, p);
	if (k) {
		size_t i = k->class / 16u - 1;

		memcpy(p, &c->free_list[i], sizeof(void *));
		c->free_list[i] = p;
	} else if ((b = big_of(c, p, &link))) {
		*link = b->next;
		free(b->p);
		free(b);
	}
	pthread_mutex_unlock(&c->lock);
}

static void *co_realloc(void *state, void *p, size_t size, uint32_t gfp)
{
	struct co *c = state;
	size_t old;
	void *q;

	if (!p)
		return co_malloc(state, size, gfp);
	if (size > PTRDIFF_MAX)
		return NULL; /* every build: the old object stays */
	pthread_mutex_lock(&c->lock);
	old = size_locked(c, p);
	pthread_mutex_unlock(&c->lock);
	q = co_malloc(state, size, gfp & ~MMT_GFP_ZERO);
	if (!q)
		return NULL;
	memcpy(q, p, old < size ? old : size);
	co_free(state, p);
	return q;
}

static const struct mmt_objects_ops class_objects_ops = {
	.struct_size = sizeof(struct mmt_objects_ops),
	.version = MMT_OBJECTS_OPS_VERSION,
	.malloc = co_malloc,
	.calloc = co_calloc,
	.realloc = co_realloc,
	.aligned = co_aligned,
	.free = co_free,
	.usable_size = co_usable,
	.min_align = 16,
};

static const struct mmt_adapter class_objects = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
#if CLASS_OBJECTS_BUG == 1
	.name = "class-objects-wide",
	.description = "size classes whose usable size reaches the neighbour",
#elif CLASS_OBJECTS_BUG == 2
	.name = "class-objects-overflow",
	.description = "size classes whose calloc's nmemb x size wraps",
#elif CLASS_OBJECTS_BUG == 3
	.name = "class-objects-wrap",
	.description = "size classes whose malloc header wraps huge sizes",
#else
	.name = "class-objects",
	.description = "size classes of 16 bytes up to 4 KiB, carved chunks",
#endif
	.caps = MMT_CAP_OBJECTS | MMT_CAP_USABLE_SIZE | MMT_CAP_THREAD_SAFE,
	.create = co_create,
	.destroy = co_destroy,
	.objects = &class_objects_ops,
};

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void);
MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void)
{
	return &class_objects;
}
