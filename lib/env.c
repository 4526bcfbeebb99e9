/* SPDX-License-Identifier: MIT */
/*
 * env.c - environment knobs that more than one part reads (lib/mmt_lib.h),
 * so each is spelled and defaulted in one place.
 */
#include "mmt_lib.h"

#include <stdatomic.h>
#include <stdlib.h>

int mmt_reuse_enabled(void)
{
	static atomic_int state = -1; /* read once; racing readers agree */
	const char *v, *old;
	int s = atomic_load_explicit(&state, memory_order_relaxed);

	if (s < 0) {
		v = getenv("MMT_REUSE");
		old = getenv("MMT_REF_REUSE");
		s = !((v && v[0] == '0') || (old && old[0] == '0'));
		atomic_store_explicit(&state, s, memory_order_relaxed);
	}
	return s;
}
