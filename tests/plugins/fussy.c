/* SPDX-License-Identifier: MIT */
/*
 * fussy.c - a valid plug-in whose create() refuses options other than
 * "ok" with -EINVAL and a message: the run exits 2 with that message.
 */
#include "common.h"

static const struct mmt_adapter fussy =
	TP_ADAPTER("fussy", MMT_ADAPTER_ABI_VERSION, sizeof(struct mmt_adapter),
		   tp_create, &tp_pages);

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void);
MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void)
{
	return &fussy;
}
