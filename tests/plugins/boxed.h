/* SPDX-License-Identifier: MIT */
/*
 * tests/plugins/boxed.h - the malloc the OBJECTS test plug-ins share: each
 * object p lies inside a block b from posix_memalign(), with the size
 * asked at p - 16 and b at p - 8, so free, realloc and usable_size need no
 * table. A plug-in defines its plain layout before including this:
 *   BOXED_ALIGN  the block alignment of malloc, calloc and realloc
 *   BOXED_OFF    p - b for them (at least 16)
 *   BOXED_MAX    the largest object (0: no limit)
 * and then adds its own aligned() and table. No options: create accepts
 * "" only (anything else is -EINVAL).
 */
#ifndef MMT_TESTS_PLUGINS_BOXED_H
#define MMT_TESTS_PLUGINS_BOXED_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/adapter.h>

#ifndef MMT_EXPORT
#define MMT_EXPORT __attribute__((visibility("default")))
#endif

static int bx_state;

static int bx_create(const struct mmt_adapter_env *env, void **state, char *err,
		     size_t errlen)
{
	if (env->options[0]) {
		snprintf(err, errlen, "unknown option '%s' (none known)",
			 env->options);
		return -EINVAL;
	}
	*state = &bx_state;
	return 0;
}

static void bx_destroy(void *state)
{
	(void)state;
}

/* An object of size bytes off bytes into a block aligned to block_align. */
static void *bx_new(size_t size, size_t block_align, size_t off)
{
	void *b;
	unsigned char *p;

	if ((BOXED_MAX && size > BOXED_MAX) ||
	    size > SIZE_MAX - block_align - off ||
	    posix_memalign(&b, block_align, size + off))
		return NULL;
	p = (unsigned char *)b + off;
	memcpy(p - 16, &size, sizeof(size));
	memcpy(p - 8, &b, sizeof(b));
	return p;
}

static size_t bx_size(const void *p)
{
	size_t size;

	memcpy(&size, (const unsigned char *)p - 16, sizeof(size));
	return size;
}

static void bx_free(void *state, void *p)
{
	void *b;

	(void)state;
	if (!p)
		return;
	memcpy(&b, (unsigned char *)p - 8, sizeof(b));
	free(b);
}

static void *bx_malloc(void *state, size_t size, uint32_t gfp)
{
	(void)state;
	(void)gfp;
	return bx_new(size, BOXED_ALIGN, BOXED_OFF);
}

static void *bx_calloc(void *state, size_t n, size_t size, uint32_t gfp)
{
	void *p;

	(void)state;
	(void)gfp;
	if (size && n > SIZE_MAX / size)
		return NULL;
	p = bx_new(n * size, BOXED_ALIGN, BOXED_OFF);
	if (p)
		memset(p, 0, n * size);
	return p;
}

static void *bx_realloc(void *state, void *old, size_t size, uint32_t gfp)
{
	void *p;

	(void)gfp;
	if (!old)
		return bx_malloc(state, size, 0);
	p = bx_new(size, BOXED_ALIGN, BOXED_OFF);
	if (!p)
		return NULL;
	memcpy(p, old, bx_size(old) < size ? bx_size(old) : size);
	bx_free(state, old);
	return p;
}

__attribute__((unused)) static size_t bx_usable(void *state, const void *p)
{
	(void)state;
	return p ? bx_size(p) : 0;
}

#endif /* MMT_TESTS_PLUGINS_BOXED_H */
