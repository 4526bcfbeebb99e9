/* SPDX-License-Identifier: MIT */
/*
 * bad_align.c - an OBJECTS plug-in ("bad-align") that is correct but for
 * one thing: aligned(A, S) with A >= 32 returns a block aligned to exactly
 * 16 bytes. Every other object is aligned to at least 64, so a diff against
 * any correct malloc diverges at the first such aligned op (OBJ-ALIGN,
 * DIFF-ALIGN), and the side's table of live objects shows both kinds:
 * 64 or more for the plain ones, 16 where 32 or more was asked. Options:
 * none ("" only; anything else is -EINVAL).
 *
 * Layout: each object p lies inside a block b from posix_memalign(), with
 * b at p - 16 (aligned ops) or p - 64 (the rest); the size asked is kept at
 * p - 16 and b at p - 8, so free, realloc and usable_size need no table.
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

static int ba_state;

static int ba_create(const struct mmt_adapter_env *env, void **state, char *err,
		     size_t errlen)
{
	if (env->options[0]) {
		snprintf(err, errlen, "unknown option '%s' (none known)",
			 env->options);
		return -EINVAL;
	}
	*state = &ba_state;
	return 0;
}

static void ba_destroy(void *state)
{
	(void)state;
}

/* An object of size bytes at offset off (16 or 64) into a block aligned to
 * block_align (>= 64): off 16 makes it exactly 16-aligned. */
static void *ba_new(size_t size, size_t block_align, size_t off)
{
	void *b;
	unsigned char *p;

	if (size > SIZE_MAX - block_align - off ||
	    posix_memalign(&b, block_align, size + off))
		return NULL;
	p = (unsigned char *)b + off;
	memcpy(p - 16, &size, sizeof(size));
	memcpy(p - 8, &b, sizeof(b));
	return p;
}

static size_t ba_size(const void *p)
{
	size_t size;

	memcpy(&size, (const unsigned char *)p - 16, sizeof(size));
	return size;
}

static void ba_free(void *state, void *p)
{
	void *b;

	(void)state;
	if (!p)
		return;
	memcpy(&b, (unsigned char *)p - 8, sizeof(b));
	free(b);
}

static void *ba_malloc(void *state, size_t size, uint32_t gfp)
{
	(void)state;
	(void)gfp;
	return ba_new(size, 64, 64);
}

static void *ba_calloc(void *state, size_t n, size_t size, uint32_t gfp)
{
	void *p;

	(void)state;
	(void)gfp;
	if (size && n > SIZE_MAX / size)
		return NULL;
	p = ba_new(n * size, 64, 64);
	if (p)
		memset(p, 0, n * size);
	return p;
}

static void *ba_realloc(void *state, void *old, size_t size, uint32_t gfp)
{
	void *p;

	(void)gfp;
	if (!old)
		return ba_malloc(state, size, 0);
	p = ba_new(size, 64, 64);
	if (!p)
		return NULL;
	memcpy(p, old, ba_size(old) < size ? ba_size(old) : size);
	ba_free(state, old);
	return p;
}

static void *ba_aligned(void *state, size_t align, size_t size, uint32_t gfp)
{
	(void)state;
	(void)gfp;
	/* the bug: 16 bytes into a block aligned to max(align, 64) */
	return ba_new(size, align > 64 ? align : 64, 16);
}

static size_t ba_usable(void *state, const void *p)
{
	(void)state;
	return p ? ba_size(p) : 0;
}

static const struct mmt_objects_ops bad_align_ops = {
	.struct_size = sizeof(struct mmt_objects_ops),
	.version = MMT_OBJECTS_OPS_VERSION,
	.malloc = ba_malloc,
	.calloc = ba_calloc,
	.realloc = ba_realloc,
	.aligned = ba_aligned,
	.free = ba_free,
	.usable_size = ba_usable,
	.max_size = 0,
	.min_align = 16,
};

static const struct mmt_adapter bad_align = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "bad-align",
	.description = "a malloc whose aligned op keeps only 16 bytes",
	.caps = MMT_CAP_OBJECTS | MMT_CAP_USABLE_SIZE,
	.create = ba_create,
	.destroy = ba_destroy,
	.objects = &bad_align_ops,
};

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void);
MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void)
{
	return &bad_align;
}
