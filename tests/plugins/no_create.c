/* SPDX-License-Identifier: MIT */
/* no_create.c - create is NULL: refused, exit 2. */
#include "common.h"

static const struct mmt_adapter no_create =
	TP_ADAPTER("no-create", MMT_ADAPTER_ABI_VERSION,
		   sizeof(struct mmt_adapter), NULL, &tp_pages);

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void);
MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void)
{
	return &no_create;
}
