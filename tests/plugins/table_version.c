/* SPDX-License-Identifier: MIT */
/*
 * table_version.c - the PAGES table is version 7, one this harness cannot
 * read: refused, exit 2, naming the table and both versions.
 */
#include "common.h"

static const struct mmt_pages_ops v7_pages = {
	.struct_size = sizeof(struct mmt_pages_ops),
	.version = 7,
	.alloc = tp_alloc,
	.free = tp_free,
};

static const struct mmt_adapter table_version =
	TP_ADAPTER("table-version", MMT_ADAPTER_ABI_VERSION,
		   sizeof(struct mmt_adapter), tp_create, &v7_pages);

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void);
MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void)
{
	return &table_version;
}
