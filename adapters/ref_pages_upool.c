/* SPDX-License-Identifier: MIT */
/*
 * ref_pages_upool.c - the UPOOL table of ref-pages: the reference memory
 * pool (ref/upool.c) on the adapter's machine.
 *
 * A pool is a struct ref_upool of the instance's machine, handed to the
 * harness as an opaque pointer. create asks ref for a pool of nr_chunks
 * chunks (the block is the smallest order holding them, taken from the
 * machine's buddy with gfp, so its pages show up as mm_page_alloc); a count
 * of 0 is refused here, since ref reads nr_chunks == 0 as "carve a whole
 * order-0 block", which the ABI does not offer. alloc, free and destroy
 * are ref's calls unchanged: free refuses a pointer that is not a live
 * chunk with -EINVAL, destroy with live chunks returns their number and
 * keeps the pool. The alignment declared is ref's chunk rounding.
 *
 * Pools live as long as the machine: ref-pages' reuse (ref_mm_reset) drops
 * any pool left, so a run that stops early leaks nothing into the next.
 *
 * Locks: ref's own (the pool lock, then the zone lock); nothing here.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>

#include <ref/upool.h>

#include "ref_pages.h"

static int rpu_create(void *state, size_t chunk_size, uint64_t nr_chunks,
		      uint32_t gfp, void **pool)
{
	struct ref_pages *rp = state;
	struct ref_upool_config cfg = { 0 };
	struct ref_upool *p = NULL;
	int rc;

	*pool = NULL;
	if (chunk_size == 0 || nr_chunks == 0 || nr_chunks > ULONG_MAX)
		return -EINVAL;
	cfg.name = "upool";
	cfg.object_size = chunk_size;
	cfg.nr_chunks = (unsigned long)nr_chunks;
	cfg.gfp = gfp;
	rc = ref_upool_create(rp->mm, &cfg, &p, NULL, 0);
	if (rc)
		return rc;
	*pool = p;
	return 0;
}

static void *rpu_alloc(void *state, void *pool)
{
	(void)state;
	return ref_upool_alloc(pool);
}

static int rpu_free(void *state, void *pool, void *ptr)
{
	(void)state;
	return ref_upool_free(pool, ptr);
}

static long rpu_destroy(void *state, void *pool)
{
	struct ref_pages *rp = state;

	return ref_upool_destroy(rp->mm, pool);
}

const struct mmt_upool_ops mmt_ref_pages_upool_ops = {
	.struct_size = sizeof(struct mmt_upool_ops),
	.version = MMT_UPOOL_OPS_VERSION,
	.create = rpu_create,
	.alloc = rpu_alloc,
	.free = rpu_free,
	.destroy = rpu_destroy,
	.align = REF_UPOOL_ALIGN,
};
