/* SPDX-License-Identifier: MIT */
/*
 * small_objects.c - a correct OBJECTS plug-in ("small-objects") whose
 * contract is narrower than a desktop malloc's, as an embedded one's may
 * be: no object above 4 KiB (max_size 4096; a larger request returns
 * NULL) and every object aligned to 8 and never to 16 (min_align 8):
 * each one lies 8 bytes past a 16-byte boundary. aligned(A, S) is
 * A-aligned. Options: none ("" only; anything else is -EINVAL).
 *
 * Builds: SMALL_OBJECTS_MIN_ALIGN (default 8) is the min_align declared.
 * small_objects_liar.so declares 16 and still hands out 8-aligned objects
 * (the oracles must catch it); small_objects_badalign.so declares 24,
 * which is no power of two (the loader must refuse it).
 *
 * Layout: each object p has the size asked at p - 16 and the block b it
 * lies in (from posix_memalign) at p - 8, so free and realloc need no
 * table. Plain objects: b 16-aligned, p = b + 24. aligned with A > 8:
 * b A-aligned, p = b + A.
 */
#define _POSIX_C_SOURCE 200112L

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/adapter.h>

#ifndef MMT_EXPORT
#define MMT_EXPORT __attribute__((visibility("default")))
#endif

#ifndef SMALL_OBJECTS_MIN_ALIGN
#define SMALL_OBJECTS_MIN_ALIGN 8
#endif

#define SO_MAX_SIZE 4096u

static int so_state;

static int so_create(const struct mmt_adapter_env *env, void **state, char *err,
		     size_t errlen)
{
	if (env->options[0]) {
		snprintf(err, errlen, "unknown option '%s' (none known)",
			 env->options);
		return -EINVAL;
	}
	*state = &so_state;
	return 0;
}

static void so_destroy(void *state)
{
	(void)state;
}

/* An object of size bytes off bytes into a block aligned to block_align. */
static void *so_new(size_t size, size_t block_align, size_t off)
{
	void *b;
	unsigned char *p;

	if (size > SO_MAX_SIZE || posix_memalign(&b, block_align, size + off))
		return NULL;
	p = (unsigned char *)b + off;
	memcpy(p - 16, &size, sizeof(size));
	memcpy(p - 8, &b, sizeof(b));
	return p;
}

static size_t so_size(const void *p)
{
	size_t size;

	memcpy(&size, (const unsigned char *)p - 16, sizeof(size));
	return size;
}

static void so_free(void *state, void *p)
{
	void *b;

	(void)state;
	if (!p)
		return;
	memcpy(&b, (unsigned char *)p - 8, sizeof(b));
	free(b);
}

static void *so_malloc(void *state, size_t size, uint32_t gfp)
{
	(void)state;
	(void)gfp;
	return so_new(size, 16, 24);
}

static void *so_calloc(void *state, size_t n, size_t size, uint32_t gfp)
{
	void *p;

	(void)state;
	(void)gfp;
	if (size && n > SIZE_MAX / size)
		return NULL;
	p = so_new(n * size, 16, 24);
	if (p)
		memset(p, 0, n * size);
	return p;
}

static void *so_realloc(void *state, void *old, size_t size, uint32_t gfp)
{
	void *p;

	(void)gfp;
	if (!old)
		return so_malloc(state, size, 0);
	p = so_new(size, 16, 24);
	if (!p)
		return NULL;
	memcpy(p, old, so_size(old) < size ? so_size(old) : size);
	so_free(state, old);
	return p;
}

static void *so_aligned(void *state, size_t align, size_t size, uint32_t gfp)
{
	(void)state;
	(void)gfp;
	if (align <= 8)
		return so_new(size, 16, 24);
	return so_new(size, align, align);
}

static const struct mmt_objects_ops small_objects_ops = {
	.struct_size = sizeof(struct mmt_objects_ops),
	.version = MMT_OBJECTS_OPS_VERSION,
	.malloc = so_malloc,
	.calloc = so_calloc,
	.realloc = so_realloc,
	.aligned = so_aligned,
	.free = so_free,
	.max_size = SO_MAX_SIZE,
	.min_align = SMALL_OBJECTS_MIN_ALIGN,
};

static const struct mmt_adapter small_objects = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "small-objects",
	.description = "a malloc of objects up to 4 KiB aligned to 8",
	.caps = MMT_CAP_OBJECTS,
	.create = so_create,
	.destroy = so_destroy,
	.objects = &small_objects_ops,
};

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void);
MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void)
{
	return &small_objects;
}
