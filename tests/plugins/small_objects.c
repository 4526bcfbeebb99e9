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
 * Layout (tests/plugins/boxed.h): plain objects: b 16-aligned, p = b + 24. aligned with A > 8:
 * b A-aligned, p = b + A.
 */
#define _POSIX_C_SOURCE 200112L

#ifndef SMALL_OBJECTS_MIN_ALIGN
#define SMALL_OBJECTS_MIN_ALIGN 8
#endif

#define SO_MAX_SIZE 4096u
#define BOXED_ALIGN 16
#define BOXED_OFF 24
#define BOXED_MAX SO_MAX_SIZE
#include "boxed.h"

static void *so_aligned(void *state, size_t align, size_t size, uint32_t gfp)
{
	(void)state;
	(void)gfp;
	if (align <= 8)
		return bx_new(size, 16, 24);
	return bx_new(size, align, align);
}

static const struct mmt_objects_ops small_objects_ops = {
	.struct_size = sizeof(struct mmt_objects_ops),
	.version = MMT_OBJECTS_OPS_VERSION,
	.malloc = bx_malloc,
	.calloc = bx_calloc,
	.realloc = bx_realloc,
	.aligned = so_aligned,
	.free = bx_free,
	.max_size = SO_MAX_SIZE,
	.min_align = SMALL_OBJECTS_MIN_ALIGN,
};

static const struct mmt_adapter small_objects = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "small-objects",
	.description = "a malloc of objects up to 4 KiB aligned to 8",
	.caps = MMT_CAP_OBJECTS,
	.create = bx_create,
	.destroy = bx_destroy,
	.objects = &small_objects_ops,
};

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void);
MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void)
{
	return &small_objects;
}
