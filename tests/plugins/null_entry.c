/* SPDX-License-Identifier: MIT */
/* null_entry.c - mmt_adapter_entry() returns NULL: refused, exit 2. */
#include "common.h"

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void);
MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void)
{
	return NULL;
}
