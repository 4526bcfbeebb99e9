/* SPDX-License-Identifier: MIT */
/*
 * ref/gfp.c - GFP masks: zone selection and the ftrace spelling of a mask.
 *
 * Models gfp_zone() (include/linux/gfp.h) and show_gfp_flags()
 * (include/trace/events/mmflags.h) of Linux 6.12.
 *
 * gfp_zone: the low four bits (DMA, HIGHMEM, DMA32, MOVABLE) index a table
 * of sixteen entries. Eight combinations are forbidden (GFP_ZONE_BAD: more
 * than one of DMA/DMA32/HIGHMEM, with or without MOVABLE); the rest name
 * the highest zone allowed. Zone types the profile lacks collapse the way
 * the kernel's OPT_ZONE_* do: HIGHMEM is NORMAL on x86_64, DMA32 is NORMAL
 * on x86_32. MOVABLE|HIGHMEM would be ZONE_MOVABLE, which this machine
 * does not have (not modelled yet): it falls to the highest real zone.
 *
 * show_gfp_flags: walk a fixed list of named masks, composites first and
 * most bits first; print every name whose whole mask is still present,
 * "|" separated, and remove its bits; print what is left as 0x%x; a zero
 * mask is "none".
 *
 * Invariants: pure functions of their arguments. Locks: none.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/*
 * One entry per value of gfp & GFP_ZONEMASK: the zone asked for, or -1 for
 * a forbidden combination. Written in terms of the 6.12 table with
 * HIGHMEM left symbolic; the profile resolves it below.
 */
static const signed char gfp_zone_table[16] = {
	[0x0] = REF_ZONE_NORMAL,
	[0x1] = REF_ZONE_DMA, /* DMA */
	[0x2] = REF_ZONE_HIGHMEM, /* HIGHMEM */
	[0x3] = -1, /* DMA | HIGHMEM */
	[0x4] = REF_ZONE_DMA32, /* DMA32 */
	[0x5] = -1, /* DMA | DMA32 */
	[0x6] = -1, /* DMA32 | HIGHMEM */
	[0x7] = -1, /* DMA | DMA32 | HIGHMEM */
	[0x8] = REF_ZONE_NORMAL, /* MOVABLE */
	[0x9] = REF_ZONE_DMA, /* MOVABLE | DMA */
	[0xa] = REF_ZONE_HIGHMEM, /* MOVABLE | HIGHMEM: ZONE_MOVABLE */
	[0xb] = -1, /* MOVABLE | DMA | HIGHMEM */
	[0xc] = REF_ZONE_DMA32, /* MOVABLE | DMA32 */
	[0xd] = -1, /* MOVABLE | DMA | DMA32 */
	[0xe] = -1, /* MOVABLE | DMA32 | HIGHMEM */
	[0xf] = -1, /* all four */
};

int ref_gfp_zone(const struct ref_mm *mm, ref_gfp_t gfp)
{
	int z = gfp_zone_table[gfp & REF_GFP_ZONEMASK];

	if (z < 0)
		return -1;
	if (z == REF_ZONE_HIGHMEM && mm->config.profile != REF_PROFILE_X86_32)
		return REF_ZONE_NORMAL;
	if (z == REF_ZONE_DMA32 && mm->config.profile == REF_PROFILE_X86_32)
		return REF_ZONE_NORMAL;
	return z;
}

struct gfp_name {
	ref_gfp_t mask;
	const char *name;
};

#define GFP_TRANSHUGE_LIGHT                                              \
	((REF_GFP_HIGHUSER_MOVABLE | REF_GFP_COMP | REF_GFP_NOMEMALLOC | \
	  REF_GFP_NOWARN) &                                              \
	 ~REF_GFP_RECLAIM)
#define GFP_TRANSHUGE (GFP_TRANSHUGE_LIGHT | REF_GFP_DIRECT_RECLAIM)

/* The order of mmflags.h's __def_gfpflag_names (6.12, no KASAN tags). */
static const struct gfp_name gfp_names[] = {
	{ GFP_TRANSHUGE, "GFP_TRANSHUGE" },
	{ GFP_TRANSHUGE_LIGHT, "GFP_TRANSHUGE_LIGHT" },
	{ REF_GFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE" },
	{ REF_GFP_HIGHUSER, "GFP_HIGHUSER" },
	{ REF_GFP_USER, "GFP_USER" },
	{ REF_GFP_KERNEL_ACCOUNT, "GFP_KERNEL_ACCOUNT" },
	{ REF_GFP_KERNEL, "GFP_KERNEL" },
	{ REF_GFP_NOFS, "GFP_NOFS" },
	{ REF_GFP_ATOMIC, "GFP_ATOMIC" },
	{ REF_GFP_NOIO, "GFP_NOIO" },
	{ REF_GFP_NOWAIT, "GFP_NOWAIT" },
	{ REF_GFP_DMA, "GFP_DMA" },
	{ REF_GFP_HIGHMEM, "__GFP_HIGHMEM" },
	{ REF_GFP_DMA32, "GFP_DMA32" },
	{ REF_GFP_HIGH, "__GFP_HIGH" },
	{ REF_GFP_IO, "__GFP_IO" },
	{ REF_GFP_FS, "__GFP_FS" },
	{ REF_GFP_NOWARN, "__GFP_NOWARN" },
	{ REF_GFP_RETRY_MAYFAIL, "__GFP_RETRY_MAYFAIL" },
	{ REF_GFP_NOFAIL, "__GFP_NOFAIL" },
	{ REF_GFP_NORETRY, "__GFP_NORETRY" },
	{ REF_GFP_COMP, "__GFP_COMP" },
	{ REF_GFP_ZERO, "__GFP_ZERO" },
	{ REF_GFP_NOMEMALLOC, "__GFP_NOMEMALLOC" },
	{ REF_GFP_MEMALLOC, "__GFP_MEMALLOC" },
	{ REF_GFP_HARDWALL, "__GFP_HARDWALL" },
	{ REF_GFP_THISNODE, "__GFP_THISNODE" },
	{ REF_GFP_RECLAIMABLE, "__GFP_RECLAIMABLE" },
	{ REF_GFP_MOVABLE, "__GFP_MOVABLE" },
	{ REF_GFP_ACCOUNT, "__GFP_ACCOUNT" },
	{ REF_GFP_WRITE, "__GFP_WRITE" },
	{ REF_GFP_RECLAIM, "__GFP_RECLAIM" },
	{ REF_GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM" },
	{ REF_GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM" },
	{ REF_GFP_ZEROTAGS, "__GFP_ZEROTAGS" },
};

static void put_str(char *buf, size_t len, size_t *pos, const char *s)
{
	size_t n = strlen(s);

	if (buf && *pos < len) {
		size_t room = len - *pos - 1;
		size_t c = n < room ? n : room;

		memcpy(buf + *pos, s, c);
		buf[*pos + c] = '\0';
	}
	*pos += n;
}

size_t ref_gfp_format(ref_gfp_t gfp, char *buf, size_t len)
{
	size_t pos = 0, i;
	ref_gfp_t left = gfp;

	if (buf && len)
		buf[0] = '\0';
	if (!gfp) {
		put_str(buf, len, &pos, "none");
		return pos;
	}
	for (i = 0; i < REF_ARRAY_SIZE(gfp_names); i++) {
		ref_gfp_t m = gfp_names[i].mask;

		if ((left & m) != m)
			continue;
		left &= ~m;
		if (pos)
			put_str(buf, len, &pos, "|");
		put_str(buf, len, &pos, gfp_names[i].name);
	}
	if (left) {
		char hex[16];

		snprintf(hex, sizeof(hex), "0x%x", (unsigned int)left);
		if (pos)
			put_str(buf, len, &pos, "|");
		put_str(buf, len, &pos, hex);
	}
	return pos;
}
