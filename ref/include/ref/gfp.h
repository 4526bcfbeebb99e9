/* SPDX-License-Identifier: MIT */
/*
 * ref/gfp.h - GFP ("get free pages") mask bits with the kernel's meanings.
 *
 * Bit values are Linux 6.12's (include/linux/gfp_types.h) so that masks read
 * the same in traces. The kernel's double-underscore modifier names
 * (__GFP_DMA, ...) become REF_GFP_DMA etc.; the composite types (GFP_KERNEL,
 * ...) become REF_GFP_KERNEL etc. 2.6-era bits that 6.12 no longer has
 * (__GFP_COLD, __GFP_REPEAT) live above bit 27 where 6.12 has nothing.
 *
 * Zone modifiers: at most one of DMA, DMA32, HIGHMEM (MOVABLE may join
 * any one). The zone chosen is the highest the mask allows, falling back
 * downwards: HIGHMEM -> NORMAL -> DMA32 -> DMA (gfp_zone()).
 */
#ifndef REF_GFP_H
#define REF_GFP_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

typedef uint32_t ref_gfp_t;

/* Zone modifiers (GFP_ZONEMASK). */
#define REF_GFP_DMA 0x01u
#define REF_GFP_HIGHMEM 0x02u
#define REF_GFP_DMA32 0x04u
#define REF_GFP_MOVABLE 0x08u
#define REF_GFP_ZONEMASK \
	(REF_GFP_DMA | REF_GFP_HIGHMEM | REF_GFP_DMA32 | REF_GFP_MOVABLE)
/* Page mobility and placement. */
#define REF_GFP_RECLAIMABLE 0x10u
#define REF_GFP_HARDWALL 0x100000u
#define REF_GFP_THISNODE 0x200000u
#define REF_GFP_ACCOUNT 0x400000u
/* Watermark modifiers. */
#define REF_GFP_HIGH 0x20u
#define REF_GFP_MEMALLOC 0x20000u
#define REF_GFP_NOMEMALLOC 0x80000u
/* Reclaim modifiers. */
#define REF_GFP_IO 0x40u
#define REF_GFP_FS 0x80u
#define REF_GFP_DIRECT_RECLAIM 0x400u
#define REF_GFP_KSWAPD_RECLAIM 0x800u
#define REF_GFP_RECLAIM (REF_GFP_DIRECT_RECLAIM | REF_GFP_KSWAPD_RECLAIM)
#define REF_GFP_WRITE 0x1000u
#define REF_GFP_RETRY_MAYFAIL 0x4000u
#define REF_GFP_NOFAIL 0x8000u
#define REF_GFP_NORETRY 0x10000u
/* Action modifiers. */
#define REF_GFP_NOWARN 0x2000u
#define REF_GFP_COMP 0x40000u
#define REF_GFP_ZERO 0x100u
#define REF_GFP_ZEROTAGS 0x800000u
/* 2.6-era modifiers (gone from 6.12). */
#define REF_GFP_REPEAT 0x20000000u
#define REF_GFP_COLD 0x40000000u

#define REF_GFP_VALID_MASK 0x60fffdffu /* every bit above, nothing else */

/* The composite types, as in 6.12. */
#define REF_GFP_ATOMIC (REF_GFP_HIGH | REF_GFP_KSWAPD_RECLAIM)
#define REF_GFP_KERNEL (REF_GFP_RECLAIM | REF_GFP_IO | REF_GFP_FS)
#define REF_GFP_KERNEL_ACCOUNT (REF_GFP_KERNEL | REF_GFP_ACCOUNT)
#define REF_GFP_NOWAIT (REF_GFP_KSWAPD_RECLAIM | REF_GFP_NOWARN)
#define REF_GFP_NOIO (REF_GFP_RECLAIM)
#define REF_GFP_NOFS (REF_GFP_RECLAIM | REF_GFP_IO)
#define REF_GFP_USER \
	(REF_GFP_RECLAIM | REF_GFP_IO | REF_GFP_FS | REF_GFP_HARDWALL)
#define REF_GFP_HIGHUSER (REF_GFP_USER | REF_GFP_HIGHMEM)
#define REF_GFP_HIGHUSER_MOVABLE (REF_GFP_HIGHUSER | REF_GFP_MOVABLE)

/*
 * gfp_zone(): the highest zone type the mask allows on this machine's
 * profile (HIGHMEM becomes NORMAL on x86_64, DMA32 becomes NORMAL on
 * x86_32). Returns -1 for a forbidden combination (GFP_ZONE_BAD).
 */
int ref_gfp_zone(const struct ref_mm *mm, ref_gfp_t gfp);

/*
 * Format a mask as the kernel's show_gfp_flags() does ("GFP_KERNEL|__GFP_ZERO",
 * "none" for 0). Returns the length that would have been written.
 */
size_t ref_gfp_format(ref_gfp_t gfp, char *buf, size_t len);

#endif /* REF_GFP_H */
