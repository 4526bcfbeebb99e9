/* SPDX-License-Identifier: MIT */
/* bad_abi.c - a plug-in built for ABI version 99: refused, exit 2. */
#include "common.h"

static const struct mmt_adapter bad_abi = TP_ADAPTER(
	"bad-abi", 99, sizeof(struct mmt_adapter), tp_create, &tp_pages);

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void);
MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void)
{
	return &bad_abi;
}
