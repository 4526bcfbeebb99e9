/* SPDX-License-Identifier: MIT */
/* no_name.c - the table has no name: refused, exit 2. */
#include "common.h"

static const struct mmt_adapter no_name =
	TP_ADAPTER(NULL, MMT_ADAPTER_ABI_VERSION, sizeof(struct mmt_adapter),
		   tp_create, &tp_pages);

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void);
MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void)
{
	return &no_name;
}
