/* SPDX-License-Identifier: MIT */
/*
 * tests/plugins/common.h - a minimal correct PAGES adapter the broken
 * plug-ins start from, each then breaking exactly one thing.
 *
 * The allocator itself never hands out memory (every allocation fails),
 * which is legal: the loader tests only look at the table. MMT_EXPORT
 * gives the entry symbol default visibility (the plug-ins are built with
 * hidden visibility, as the example is).
 */
#ifndef MMT_TESTS_PLUGINS_COMMON_H
#define MMT_TESTS_PLUGINS_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/adapter.h>

#ifndef MMT_EXPORT
#define MMT_EXPORT __attribute__((visibility("default")))
#endif

#define TP_UNUSED __attribute__((unused))

TP_UNUSED static int tp_state;

TP_UNUSED static int tp_create(const struct mmt_adapter_env *env, void **state,
			       char *err, size_t errlen)
{
	/* Options: "" or "ok" are accepted, anything else is refused. */
	if (env->options[0] && strcmp(env->options, "ok") != 0) {
		snprintf(err, errlen, "unknown option '%s' (known: ok)",
			 env->options);
		return -EINVAL;
	}
	*state = &tp_state;
	return 0;
}

TP_UNUSED static void tp_destroy(void *state)
{
	(void)state;
}

TP_UNUSED static int tp_alloc(void *state, unsigned int order, uint32_t gfp,
			      uint32_t api, void **addr)
{
	(void)state;
	(void)order;
	(void)gfp;
	(void)api;
	*addr = NULL;
	return 0;
}

TP_UNUSED static int tp_free(void *state, void *addr, unsigned int order,
			     uint32_t api)
{
	(void)state;
	(void)addr;
	(void)order;
	(void)api;
	return -EINVAL;
}

/* The PAGES table of a correct plug-in, pages.free set to free_fn. */
#define TP_PAGES(free_fn)                                            \
	{                                                            \
		.struct_size = sizeof(struct mmt_pages_ops),         \
		.version = MMT_PAGES_OPS_VERSION, .alloc = tp_alloc, \
		.free = (free_fn)                                    \
	}

TP_UNUSED static const struct mmt_pages_ops tp_pages = TP_PAGES(tp_free);

/* A table with the given name, ABI version, struct_size, create and PAGES
 * table. */
#define TP_ADAPTER(nm, abi, size, create_fn, pages_ops)                    \
	{                                                                  \
		.abi_version = (abi), .struct_size = (size), .name = (nm), \
		.description = "a test plug-in", .caps = MMT_CAP_PAGES,    \
		.create = (create_fn), .destroy = tp_destroy,              \
		.pages = (pages_ops)                                       \
	}

#endif /* MMT_TESTS_PLUGINS_COMMON_H */
