/* SPDX-License-Identifier: MIT */
/*
 * layers.c - the executor's layers, one row per op set (exec_int.h).
 */
#include "exec_int.h"

static const struct mmt_layer *const layers[MMT_NR_OPSETS] = {
	[MMT_OPSET_PAGES] = &mmt_layer_pages,
	[MMT_OPSET_OBJECTS] = &mmt_layer_objects,
	[MMT_OPSET_UPOOL] = &mmt_layer_upool,
};

const struct mmt_layer *mmt_layer_for(unsigned int set)
{
	return set < MMT_NR_OPSETS ? layers[set] : NULL;
}
