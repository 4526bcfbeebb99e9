/* SPDX-License-Identifier: MIT */
/*
 * ref/upool.h - a fixed-size memory pool carved out of one block of pages.
 *
 * The user memory pool of the seeds: at start-up the pool takes one large
 * block from the page allocator and carves it into chunks of one size;
 * every allocation is a chunk of that block, never a new request to the
 * allocator below, and the block goes back to it only when the pool is
 * destroyed. Not the kernel's mempool_t (a reserve in front of another
 * allocator): that is a separate component.
 *
 *   ref_upool_create(mm, &cfg, &pool, err, errlen) -> 0, -EINVAL, -ENOMEM
 *   ref_upool_alloc(pool)                     -> a chunk, or NULL when empty
 *   ref_upool_free(pool, ptr)                 -> 0, or -EINVAL (refused)
 *   ref_upool_destroy(mm, pool)               -> 0, live chunks, or -EINVAL
 *
 * Chunks come back LIFO: the chunk freed last is the next one allocated. A
 * fresh pool hands its chunks out in ascending address order.
 *
 * Pool pointers belong to their machine: ref_mm_reset(), ref_mm_recreate()
 * and ref_mm_destroy() drop every pool of the machine (the buddy gets its
 * pages back by being rebuilt) and the pointers are invalid afterwards.
 *
 * Threads: every call may run concurrently with any other on the same or
 * another pool, except that a pool must not be used while it is destroyed.
 */
#ifndef REF_UPOOL_H
#define REF_UPOOL_H

#include <pthread.h>
#include <stddef.h>

#include "check.h"
#include "gfp.h"
#include "types.h"

/*
 * Chunk sizes are rounded up to this many bytes. The pool stands in for
 * malloc/new, so a chunk must hold any object those could return: that is
 * _Alignof(max_align_t), 16 on the x86 profiles modelled. It is a fixed
 * number rather than the host's value, so a pool has the same geometry on
 * every host that runs the reference.
 */
#define REF_UPOOL_ALIGN 16u
#define REF_UPOOL_NAME_MAX 32 /* bytes of a name, the NUL included */
#define REF_UPOOL_ERR_MAX 160 /* bytes of a pool's last error message */

struct ref_upool_config {
	const char *name; /* printable, no spaces; NULL = "upool" */
	size_t object_size; /* bytes asked for each chunk, >= 1 */
	/*
	 * Exactly one of the two sizes the block: nr_chunks > 0 takes the
	 * smallest block holding that many chunks (order must then be 0);
	 * nr_chunks == 0 takes a block of this order and carves all of it.
	 */
	unsigned long nr_chunks; /* chunks */
	unsigned int order; /* block order, < the machine's nr_orders */
	/*
	 * Mask for the block. __GFP_HIGHMEM is dropped (chunks are
	 * addresses in the direct map, as __get_free_pages() gives);
	 * __GFP_ZERO zeroes the block once, at creation.
	 */
	ref_gfp_t gfp;
};

/* Per-chunk state, one byte each in ref_upool.state. */
enum ref_upool_chunk_state {
	REF_UPOOL_CHUNK_FREE = 1, /* on the free list */
	REF_UPOOL_CHUNK_LIVE = 2, /* handed out by ref_upool_alloc() */
};

/* A pool's geometry and counters, as ref_upool_get_stats() copies them. */
struct ref_upool_stats {
	size_t object_size; /* bytes asked per chunk */
	size_t chunk_size; /* bytes per chunk */
	size_t block_bytes; /* bytes of the block */
	unsigned int order; /* block order */
	unsigned long pfn; /* first pfn of the block */
	unsigned long total; /* chunks carved */
	unsigned long free; /* chunks on the free list */
	unsigned long in_use; /* chunks handed out */
	unsigned long high_water; /* largest in_use seen */
	unsigned long allocs; /* allocations served */
	unsigned long frees; /* frees accepted */
	unsigned long failed; /* allocations refused: pool empty */
	unsigned long invalid_frees; /* double or foreign frees refused */
};

/*
 * One pool. The free list is kept out of band, in link[] beside the block,
 * not in the free chunks themselves: ref/ writes RAM only to zero it (see
 * mm.h), and a stray write into a free chunk must not be able to steer the
 * allocator. st's counters and the fields from lock down are guarded by
 * lock.
 */
struct ref_upool {
	char name[REF_UPOOL_NAME_MAX];
	struct ref_mm *mm;
	struct ref_list_head list; /* on mm->upools, under mm->upool_lock */
	struct ref_page *page; /* head of the block */
	ref_gfp_t gfp; /* mask the block was allocated with */
	unsigned char *base; /* direct-map address of the block */
	/*
	 * The block's geometry (object_size .. pfn, set at create and then
	 * read only) and its counters (total .. invalid_frees, under lock),
	 * kept in the form ref_upool_get_stats() hands out.
	 */
	struct ref_upool_stats st;
	pthread_mutex_t lock; /* the pool lock */
	void *free_head; /* first free chunk, NULL when empty */
	void **link; /* st.total: link[i] follows chunk i on the free list */
	unsigned char *state; /* st.total: enum ref_upool_chunk_state */
	unsigned char *check_mark; /* st.total: checker's marks, 0 between */
	char last_error[REF_UPOOL_ERR_MAX]; /* latest refusal, "" if none */
};

/*
 * Create a pool on mm. 0 and *out set; -EINVAL for a bad config (err names
 * the field); -ENOMEM when the page allocator has no block for it or the
 * pool's own bookkeeping cannot be allocated (err says which). *out is
 * NULL on error.
 */
int ref_upool_create(struct ref_mm *mm, const struct ref_upool_config *cfg,
		     struct ref_upool **out, char *err, size_t errlen);

/* A free chunk in O(1), or NULL when the pool has none (counted). */
void *ref_upool_alloc(struct ref_upool *pool);

/*
 * Return a chunk in O(1). A pointer that is not the start of a chunk of
 * this pool, or a chunk that is not live (a double free), is refused:
 * -EINVAL, nr_invalid_frees counted and last_error set; the pool is left
 * as it was. free(NULL) is a no-op returning 0.
 */
int ref_upool_free(struct ref_upool *pool, void *ptr);

/*
 * Destroy a pool and give its block back to the page allocator. Returns 0
 * when destroyed. With chunks still live the pool is kept, as
 * kmem_cache_destroy() keeps a cache that still has objects: the count of
 * live chunks is returned and recorded in last_error. -EINVAL when pool is
 * not a pool of mm (NULL, or already destroyed): it is never dereferenced
 * unless found on the machine's list.
 */
long ref_upool_destroy(struct ref_mm *mm, struct ref_upool *pool);

/* A consistent snapshot of the pool's counters. */
void ref_upool_get_stats(struct ref_upool *pool, struct ref_upool_stats *out);

/* The latest refusal (free or destroy) of the pool; returns its length. */
size_t ref_upool_last_error(struct ref_upool *pool, char *buf, size_t len);

/*
 * Check one pool (UPOOL-* ids, docs/checkers.md): CHEAP runs the O(1)
 * counter form of UPOOL-COUNT and UPOOL-BLOCK, FULL adds the free-list
 * walk. ref_check() runs this for every pool of the machine. Takes
 * pool->lock, then the block's zone->lock; the caller holds neither.
 * Returns the findings added.
 */
unsigned long ref_upool_check(struct ref_upool *pool,
			      enum ref_check_level level, struct ref_report *r);

/* Pools the machine has now. */
unsigned long ref_upool_count(struct ref_mm *mm);

/*
 * /proc-like view, in the manner of /proc/slabinfo: one header line, then
 * one line per pool, newest first:
 *   # name <in_use> <total> <chunk_size> <object_size> <order> <pfn> :
 *     stats <high_water> <allocs> <frees> <failed> <invalid_frees>
 * Writes into buf (NUL terminated, truncated if short) and returns the
 * full length.
 */
size_t ref_proc_upoolinfo(struct ref_mm *mm, char *buf, size_t len);

#endif /* REF_UPOOL_H */
