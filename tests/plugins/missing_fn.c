/* SPDX-License-Identifier: MIT */
/*
 * missing_fn.c - declares PAGES but leaves pages->free NULL: refused with
 * "capability PAGES declared but pages->free is NULL", exit 2.
 */
#include "common.h"

static const struct mmt_pages_ops missing_free = TP_PAGES(NULL);

static const struct mmt_adapter missing_fn =
	TP_ADAPTER("missing-fn", MMT_ADAPTER_ABI_VERSION,
		   sizeof(struct mmt_adapter), tp_create, &missing_free);

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void);
MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void)
{
	return &missing_fn;
}
