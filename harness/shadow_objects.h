/* SPDX-License-Identifier: MIT */
/*
 * harness/shadow_objects.h - the shadow model of an OBJECTS allocator
 * (malloc family; private to the harness).
 *
 * An independent oracle: it knows only the addresses and sizes the
 * allocator handed out, the adapter's capability bits, the contract its
 * OBJECTS table declares (min_align, max_size) and the ops. Per slot
 * it keeps {addr, size, usable, align, fill seed}; live objects are also
 * kept in an index sorted by address for the overlap check. After each op
 * it checks, adding violations with stable ids (docs/op-format.md):
 *   OBJ-NULL     an allocation within the caps of a size from 1 to the
 *                declared max_size (0: any size) returned NULL
 *   OBJ-OVERLAP  [addr, addr + max(size, 1)) overlaps a live object
 *   OBJ-ALIGN    malloc/calloc/realloc: addr aligned to min(min_align,
 *                largest power of two <= size), min_align as declared;
 *                aligned: addr % align == 0
 *   OBJ-USABLE   usable_size(addr) >= size           (MMT_CAP_USABLE_SIZE)
 *   OBJ-FILL     the fill written at allocation is intact at free and
 *                before realloc
 *   OBJ-ZERO     calloc memory reads zero
 *   OBJ-REALLOC  realloc kept the prefix min(old, new) of the old fill
 *   OBJ-IMPOSSIBLE  a request above PTRDIFF_MAX bytes (or a calloc whose
 *                nmemb x size wraps) returned a block, or a realloc to
 *                one that failed changed the old object's usable size
 *
 * The executor owns the slot rules and the caps (it never hands the shadow
 * a request it did not run). Not thread safe: one shadow per executor run.
 */
#ifndef MMT_HARNESS_SHADOW_OBJECTS_H
#define MMT_HARNESS_SHADOW_OBJECTS_H

#include <stddef.h>
#include <stdint.h>

#include <mmtorture/adapter.h>
#include <mmtorture/exec.h>

struct mmt_objshadow;

/* A slot as the shadow sees it. */
struct mmt_objshadow_obj {
	int live;
	void *addr; /* as returned by the adapter */
	uint64_t size; /* bytes asked */
	uint64_t usable; /* usable_size() when allocated, else 0 */
	uint64_t extent; /* bytes owned: mmt_usable_extent(size, usable) */
	uint64_t align; /* the aligned op's alignment, 0 for the others */
	uint64_t fill; /* fill seed: from the seed, slot and op index */
	uint32_t kind; /* enum mmt_op_kind that made it */
	int indexed; /* in the overlap index (it overlapped nothing) */
	int fill_ok; /* the fill was written (so it can be verified) */
};

/* Largest power of two dividing addr, capped at 4096 (0 counts as the
 * cap): the alignment an outcome line and the live table show. */
uint64_t mmt_objshadow_addr_align(const void *addr);

/*
 * A shadow judging against the declared contract: min_align (a power of
 * two) and max_size (0 = no limit), as the OBJECTS table gives them. NULL
 * when out of memory.
 */
struct mmt_objshadow *mmt_objshadow_create(uint32_t caps, uint64_t min_align,
					   uint64_t max_size, uint64_t seed);
void mmt_objshadow_destroy(struct mmt_objshadow *s);

/* The slot (live == 0 when empty); NULL for a slot out of range. */
const struct mmt_objshadow_obj *
mmt_objshadow_slot(const struct mmt_objshadow *s, unsigned int slot);

/* Live objects and the bytes they asked for. */
size_t mmt_objshadow_live_objects(const struct mmt_objshadow *s);
uint64_t mmt_objshadow_live_bytes(const struct mmt_objshadow *s);

/* The alignment malloc(size) must give under min_align (OBJ-ALIGN). */
uint64_t mmt_objshadow_min_align(uint64_t min_align, uint64_t size);

/* Whether a request of size bytes must succeed: 1..max_size (0 = any). */
int mmt_objshadow_must_succeed(const struct mmt_objshadow *s, uint64_t size);

/*
 * Whether nmemb x size bytes is a request no allocator of a 64-bit
 * process can serve: the product wraps, or it is above PTRDIFF_MAX
 * (object sizes and pointer differences must fit in ptrdiff_t; glibc,
 * jemalloc and mimalloc refuse such sizes). *bytes gets the product
 * (UINT64_MAX when it wraps). nmemb is 1 for all but calloc_array.
 */
int mmt_objshadow_impossible(uint64_t nmemb, uint64_t size, uint64_t *bytes);

/*
 * After the executor ran an impossible request (kind into slot, the slot
 * left as it was): addr is what it returned, usable the slot's usable
 * size measured after it (realloc of a live slot; else ignored).
 * OBJ-IMPOSSIBLE when addr is not NULL, or when a failed realloc changed
 * the old object's usable size; then every live object's fill is
 * verified (OBJ-FILL), as such a request must have no side effects. The
 * caller frees a returned block and, for realloc, releases the slot
 * first (the old object may be gone).
 */
void mmt_objshadow_impossible_done(struct mmt_objshadow *s, size_t op_index,
				   unsigned int slot, unsigned int kind,
				   uint64_t nmemb, uint64_t size,
				   uint64_t align, const void *addr,
				   uint64_t usable, struct mmt_report *r);

/*
 * Record malloc/calloc/aligned (kind) into the empty slot: size and align
 * as asked (align only for aligned), addr as returned (NULL = failed),
 * usable from usable_size() (0 without MMT_CAP_USABLE_SIZE). Checks,
 * tracks the object and writes its fill. oc (may be NULL) gets size,
 * usable, addr_align and, for calloc, the digest. 1 when tracked.
 */
int mmt_objshadow_alloc(struct mmt_objshadow *s, size_t op_index,
			unsigned int slot, unsigned int kind, uint64_t size,
			uint64_t align, void *addr, uint64_t usable,
			struct mmt_report *r, struct mmt_op_outcome *oc);

/* Before the adapter frees or reallocs slot: OBJ-FILL. */
void mmt_objshadow_verify_fill(struct mmt_objshadow *s, size_t op_index,
			       unsigned int slot, struct mmt_report *r);

/* After the adapter freed slot: forget it. */
void mmt_objshadow_release(struct mmt_objshadow *s, unsigned int slot);

/*
 * After realloc of the live slot to size returned addr: NULL keeps the old
 * object (OBJ-NULL for size > 0); else the old one is gone and the new one
 * is checked (OBJ-REALLOC on the prefix, then as an allocation) and
 * tracked with a fresh fill. oc gets the digest of the prefix. 1 when the
 * new object is tracked.
 */
int mmt_objshadow_realloc(struct mmt_objshadow *s, size_t op_index,
			  unsigned int slot, uint64_t size, void *addr,
			  uint64_t usable, struct mmt_report *r,
			  struct mmt_op_outcome *oc);

#endif /* MMT_HARNESS_SHADOW_OBJECTS_H */
