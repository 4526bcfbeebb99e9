/* SPDX-License-Identifier: MIT */
/*
 * small_struct.c - struct_size says the table is smaller than the v1
 * layout (a header older than the one it claims): refused, exit 2.
 */
#include "common.h"

static const struct mmt_adapter small_struct = TP_ADAPTER(
	"small-struct", MMT_ADAPTER_ABI_VERSION, 16, tp_create, tp_free);

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void);
MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void)
{
	return &small_struct;
}
