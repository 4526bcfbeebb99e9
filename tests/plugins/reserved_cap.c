/* SPDX-License-Identifier: MIT */
/*
 * reserved_cap.c - a correct PAGES plug-in that also declares CACHES, a
 * capability whose layer has no table yet: refused with "capability
 * CACHES is not supported by this harness yet", exit 2.
 */
#include "common.h"

static const struct mmt_adapter reserved_cap = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "reserved-cap",
	.description = "a test plug-in",
	.caps = MMT_CAP_PAGES | MMT_CAP_CACHES,
	.create = tp_create,
	.destroy = tp_destroy,
	.pages = &tp_pages,
};

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void);
MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void)
{
	return &reserved_cap;
}
