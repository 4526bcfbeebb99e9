/* SPDX-License-Identifier: MIT */
/*
 * no_entry.c - a shared object with an adapter table but no
 * mmt_adapter_entry symbol (misspelt): refused, exit 2.
 */
#include "common.h"

static const struct mmt_adapter no_entry =
	TP_ADAPTER("no-entry", MMT_ADAPTER_ABI_VERSION,
		   sizeof(struct mmt_adapter), tp_create, &tp_pages);

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entrypoint(void);
MMT_EXPORT const struct mmt_adapter *mmt_adapter_entrypoint(void)
{
	return &no_entry;
}
