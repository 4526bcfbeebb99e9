/* SPDX-License-Identifier: MIT */
/*
 * v1_plugin.c - a plug-in built against ABI version 1, whose struct
 * mmt_adapter held the PAGES and OBJECTS tables by value: refused, exit 2,
 * with how to port it. The layout is v1's, spelt out here since this
 * header no longer has it; the harness reads only abi_version and name,
 * which sit where they always did.
 */
#include "common.h"

struct v1_pages_ops {
	int (*arena)(void *state, struct mmt_arena *out);
	int (*alloc)(void *state, unsigned int order, uint32_t gfp,
		     uint32_t api, void **addr);
	int (*free)(void *state, void *addr, unsigned int order, uint32_t api);
};

struct v1_adapter {
	uint32_t abi_version;
	uint32_t struct_size;
	const char *name;
	const char *description;
	uint32_t caps;
	int (*create)(const struct mmt_adapter_env *env, void **state,
		      char *err, size_t errlen);
	void (*destroy)(void *state);
	void (*optional[4])(void); /* check, dump, set_trace, cpu_enter */
	struct v1_pages_ops pages;
	void (*rest[14])(void); /* objects, caches, vmalloc, dma */
};

static const struct v1_adapter v1 = {
	.abi_version = 1,
	.struct_size = sizeof(struct v1_adapter),
	.name = "v1-plugin",
	.description = "a plug-in built against ABI version 1",
	.caps = MMT_CAP_PAGES,
	.create = tp_create,
	.destroy = tp_destroy,
	.pages = { .alloc = tp_alloc, .free = tp_free },
};

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void);
MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void)
{
	/* what a v1 entry returned: its table, read as a struct mmt_adapter */
	return (const struct mmt_adapter *)(const void *)&v1;
}
