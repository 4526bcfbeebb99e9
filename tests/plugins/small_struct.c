/* SPDX-License-Identifier: MIT */
/*
 * small_struct.c - struct_size says struct mmt_adapter is smaller than
 * this ABI's (a header older than the one it claims): refused, exit 2,
 * naming the struct and both sizes.
 */
#include "common.h"

static const struct mmt_adapter small_struct = TP_ADAPTER(
	"small-struct", MMT_ADAPTER_ABI_VERSION, 16, tp_create, &tp_pages);

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void);
MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void)
{
	return &small_struct;
}
