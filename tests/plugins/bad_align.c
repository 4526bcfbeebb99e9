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
 * Layout (tests/plugins/boxed.h): each object p lies inside a block b
 * from posix_memalign(), with b at p - 16 (aligned ops) or p - 64 (the
 * rest).
 */
#define _POSIX_C_SOURCE 200112L

#define BOXED_ALIGN 64
#define BOXED_OFF 64
#define BOXED_MAX 0
#include "boxed.h"

static void *ba_aligned(void *state, size_t align, size_t size, uint32_t gfp)
{
	(void)state;
	(void)gfp;
	/* the bug: 16 bytes into a block aligned to max(align, 64) */
	return bx_new(size, align > 64 ? align : 64, 16);
}

static const struct mmt_objects_ops bad_align_ops = {
	.struct_size = sizeof(struct mmt_objects_ops),
	.version = MMT_OBJECTS_OPS_VERSION,
	.malloc = bx_malloc,
	.calloc = bx_calloc,
	.realloc = bx_realloc,
	.aligned = ba_aligned,
	.free = bx_free,
	.usable_size = bx_usable,
	.max_size = 0,
	.min_align = 16,
};

static const struct mmt_adapter bad_align = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "bad-align",
	.description = "a malloc whose aligned op keeps only 16 bytes",
	.caps = MMT_CAP_OBJECTS | MMT_CAP_USABLE_SIZE,
	.create = bx_create,
	.destroy = bx_destroy,
	.objects = &bad_align_ops,
};

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void);
MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void)
{
	return &bad_align;
}
