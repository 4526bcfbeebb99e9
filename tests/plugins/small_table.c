/* SPDX-License-Identifier: MIT */
/*
 * small_table.c - the adapter is whole but its PAGES table says it is 16
 * bytes, smaller than this ABI's struct mmt_pages_ops: refused, exit 2,
 * naming the table and both sizes.
 */
#include "common.h"

static const struct mmt_pages_ops small_pages = {
	.struct_size = 16,
	.version = MMT_PAGES_OPS_VERSION,
	.alloc = tp_alloc,
	.free = tp_free,
};

static const struct mmt_adapter small_table =
	TP_ADAPTER("small-table", MMT_ADAPTER_ABI_VERSION,
		   sizeof(struct mmt_adapter), tp_create, &small_pages);

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void);
MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void)
{
	return &small_table;
}
