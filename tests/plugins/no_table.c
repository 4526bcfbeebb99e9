/* SPDX-License-Identifier: MIT */
/*
 * no_table.c - declares PAGES but its pages table pointer is NULL:
 * refused with "capability PAGES declared but pages is NULL", exit 2.
 */
#include "common.h"

static const struct mmt_adapter no_table =
	TP_ADAPTER("no-table", MMT_ADAPTER_ABI_VERSION,
		   sizeof(struct mmt_adapter), tp_create, NULL);

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void);
MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void)
{
	return &no_table;
}
