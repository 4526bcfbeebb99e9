/* SPDX-License-Identifier: MIT */
/*
 * layers/upool.c - the upool layer of the executor: pools of fixed-size
 * chunks on a UPOOL adapter (the seeds' memory pool), under the pool
 * shadow (harness/shadow_upool.c).
 *
 * Pools are named by index (pool=0..7), chunks by slot. Rules:
 *   upool_create  into a live index first frees that pool's live chunks
 *                 and destroys it; a size above 64 MiB or a pool above
 *                 256 MiB (size x count) is skipped (not run: the host's
 *                 memory is not the allocator's to exhaust). A create may
 *                 fail (no block free) unless its size or count is 0, when
 *                 it must (must_fail).
 *   upool_alloc   of a pool index with no pool is skipped; into a live slot
 *                 frees the old chunk first. It must succeed while the
 *                 pool has fewer than count chunks live and must return
 *                 NULL when all are (must_succeed / must_fail).
 *   upool_free    of an empty slot is skipped; else back to its own pool.
 *   upool_destroy of an index with no pool is skipped; with chunks live it
 *                 must return their number and the pool stays.
 * At the end of input every pool's live chunks are freed (slot order) and
 * every pool destroyed, index order; the close of a run that stopped early
 * does the same for the chunks the shadow found sound, ignoring results.
 * The state a report shows is the shadow's pools and live chunks.
 */
#include <stdio.h>
#include <string.h>

#include "../exec_int.h"
#include "../shadow_upool.h"

#define UPOOL_SIZE_CAP (64ULL << 20) /* largest chunk run */
#define UPOOL_BYTES_CAP (256ULL << 20) /* largest pool run */
#define UP_SH(ex) ((struct mmt_upshadow *)(ex)->ls[MMT_OPSET_UPOOL])

static void up_state(struct mmt_exec *ex, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int p = 0; p < MMT_NR_POOLS && n < len; p++) {
		const struct mmt_upshadow_pool *sp =
			mmt_upshadow_pool(UP_SH(ex), p);

		if (!sp->live)
			continue;
		n += (size_t)snprintf(buf + n, len - n,
				      "pool %u: size %llu count %llu stride "
				      "%llu live %llu\n",
				      p, (unsigned long long)sp->size,
				      (unsigned long long)sp->count,
				      (unsigned long long)sp->stride,
				      (unsigned long long)sp->nr_live);
	}
	for (unsigned int s = 0; s < MMT_NR_SLOTS && n < len; s++) {
		const struct mmt_upshadow_chunk *c =
			mmt_upshadow_slot(UP_SH(ex), s);

		if (c->live)
			n += (size_t)snprintf(buf + n, len - n,
					      "s%u pool %u %p\n", s, c->pool,
					      c->addr);
	}
	buf[len - 1] = '\0';
}

static void up_skip(struct mmt_exec *ex, const char *why,
		    struct mmt_op_outcome *oc)
{
	if (ex->o.trace)
		fprintf(ex->o.trace, " -> skipped (%s)\n", why);
	if (oc)
		oc->skipped = 1;
}

/* Free the live chunk in slot (op index i: SIZE_MAX at the end). */
static void up_free_slot(struct mmt_exec *ex, size_t i, unsigned int slot)
{
	const struct mmt_upshadow_chunk *c = mmt_upshadow_slot(UP_SH(ex), slot);
	const struct mmt_upshadow_pool *p =
		mmt_upshadow_pool(UP_SH(ex), c->pool);
	int rc;

	mmt_upshadow_verify_fill(UP_SH(ex), i, slot, &ex->res.report);
	rc = ex->ad->upool->free(ex->state, p->handle, c->addr);
	ex->res.frees++;
	mmt_upshadow_freed(UP_SH(ex), i, slot, rc, &ex->res.report);
}

/* Free every live chunk of pool, then destroy it; the destroy's result. */
static long up_empty_pool(struct mmt_exec *ex, size_t i, unsigned int pool)
{
	const struct mmt_upshadow_pool *p = mmt_upshadow_pool(UP_SH(ex), pool);
	long ret;

	for (unsigned int s = 0; s < MMT_NR_SLOTS; s++) {
		const struct mmt_upshadow_chunk *c =
			mmt_upshadow_slot(UP_SH(ex), s);

		if (c->live && c->pool == pool)
			up_free_slot(ex, i, s);
	}
	ret = ex->ad->upool->destroy(ex->state, p->handle);
	mmt_upshadow_destroyed(UP_SH(ex), i, pool, ret, &ex->res.report);
	return ret;
}

static void up_create(struct mmt_exec *ex, size_t i, const struct mmt_op *op,
		      struct mmt_op_outcome *oc)
{
	unsigned int pool = op->pool % MMT_NR_POOLS;
	void *handle = NULL;
	int rc;

	if (oc) {
		oc->size = op->size;
		oc->must_fail =
			mmt_upshadow_create_must_fail(op->size, op->count);
	}
	if (op->size > UPOOL_SIZE_CAP ||
	    op->size * op->count > UPOOL_BYTES_CAP) {
		up_skip(ex, "pool above the 64 MiB chunk / 256 MiB pool cap",
			oc);
		return;
	}
	if (mmt_upshadow_pool(UP_SH(ex), pool)->live) {
		if (ex->o.trace)
			fprintf(ex->o.trace,
				" (pool %u existed: emptied and "
				"destroyed first)",
				pool);
		if (up_empty_pool(ex, i, pool) != 0) {
			up_skip(ex, "the old pool was kept", oc);
			return;
		}
	}
	rc = ex->ad->upool->create(ex->state, (size_t)op->size, op->count,
				   op->gfp, &handle);
	if (oc)
		oc->ok = rc == 0;
	mmt_upshadow_created(UP_SH(ex), i, pool, op->size, op->count, rc,
			     handle, &ex->res.report);
	if (!ex->o.trace)
		return;
	if (rc == 0)
		fprintf(ex->o.trace, " -> pool %p\n", handle);
	else
		fprintf(ex->o.trace, " -> error %d\n", rc);
}

static void up_alloc(struct mmt_exec *ex, size_t i, const struct mmt_op *op,
		     unsigned int slot, struct mmt_op_outcome *oc)
{
	unsigned int pool = op->pool % MMT_NR_POOLS;
	const struct mmt_upshadow_pool *p = mmt_upshadow_pool(UP_SH(ex), pool);
	void *addr;

	if (!p->live) {
		up_skip(ex, "no pool at this index", oc);
		return;
	}
	if (mmt_upshadow_slot(UP_SH(ex), slot)->live) {
		if (ex->o.trace)
			fprintf(ex->o.trace, " (s%u held a chunk: freed first)",
				slot);
		up_free_slot(ex, i, slot);
	}
	if (oc) {
		oc->is_alloc = 1;
		oc->must_succeed = mmt_upshadow_must_succeed(UP_SH(ex), pool);
		oc->must_fail = !oc->must_succeed;
		oc->size = p->size;
	}
	addr = ex->ad->upool->alloc(ex->state, p->handle);
	if (addr)
		ex->res.allocs++;
	else
		ex->res.alloc_fails++;
	if (oc) {
		oc->ok = addr != NULL;
		oc->addr_align = addr ? mmt_upshadow_addr_align(addr) : 0;
	}
	mmt_upshadow_alloc(UP_SH(ex), i, slot, pool, addr, &ex->res.report);
	if (ex->o.trace)
		fprintf(ex->o.trace, addr ? " -> %p\n" : " -> NULL\n", addr);
}

static void up_step(struct mmt_exec *ex, size_t i, const struct mmt_op *op,
		    unsigned int slot, struct mmt_op_outcome *oc)
{
	const struct mmt_upshadow_chunk *c = mmt_upshadow_slot(UP_SH(ex), slot);
	unsigned int pool = op->pool % MMT_NR_POOLS;
	long ret;

	switch (op->kind) {
	case MMT_OP_UPOOL_CREATE:
		up_create(ex, i, op, oc);
		break;
	case MMT_OP_UPOOL_ALLOC:
		up_alloc(ex, i, op, slot, oc);
		break;
	case MMT_OP_UPOOL_FREE:
		if (!c->live) {
			up_skip(ex, "the slot is empty", oc);
			break;
		}
		if (ex->o.trace)
			fprintf(ex->o.trace, " -> freed %p (pool %u)\n",
				c->addr, c->pool);
		if (oc) {
			oc->is_free = 1;
			oc->size = c->size;
		}
		up_free_slot(ex, i, slot);
		if (oc)
			oc->ok = 1;
		break;
	case MMT_OP_UPOOL_DESTROY:
		if (!mmt_upshadow_pool(UP_SH(ex), pool)->live) {
			up_skip(ex, "no pool at this index", oc);
			break;
		}
		ret = ex->ad->upool->destroy(
			ex->state, mmt_upshadow_pool(UP_SH(ex), pool)->handle);
		if (oc)
			oc->ok = ret == 0;
		if (ex->o.trace)
			fprintf(ex->o.trace,
				ret ? " -> kept (%ld chunks live)\n" :
				      " -> destroyed\n",
				ret);
		mmt_upshadow_destroyed(UP_SH(ex), i, pool, ret,
				       &ex->res.report);
		break;
	default:
		up_skip(ex, "not a UPOOL op", oc);
		break;
	}
}

static int up_open(struct mmt_exec *ex, char *err, size_t errlen)
{
	struct mmt_upshadow *sh =
		mmt_upshadow_create(ex->ad->upool->align, MMT_FILL_SEED);

	if (!sh) {
		snprintf(err, errlen, "out of memory for the pool shadow");
		return MMT_EXIT_ENV;
	}
	ex->ls[MMT_OPSET_UPOOL] = sh;
	return 0;
}

static void up_teardown(struct mmt_exec *ex)
{
	for (unsigned int p = 0; p < MMT_NR_POOLS; p++) {
		if (!mmt_upshadow_pool(UP_SH(ex), p)->live)
			continue;
		if (ex->o.trace)
			fprintf(ex->o.trace, "   end  upool_destroy pool=%u\n",
				p);
		ex->dirty = 1;
		up_empty_pool(ex, SIZE_MAX, p);
	}
}

static void up_close(struct mmt_exec *ex)
{
	struct mmt_upshadow *sh = UP_SH(ex);
	const struct mmt_upool_ops *u = ex->ad->upool;
	/*
	 * A run stopped early: hand back the sound chunks and the pools, so
	 * the allocator's memory is its own again; what this finds is not
	 * reported (the run already has its finding).
	 */
	for (unsigned int s = 0; s < MMT_NR_SLOTS; s++) {
		const struct mmt_upshadow_chunk *c = mmt_upshadow_slot(sh, s);

		if (c->live && c->sound)
			mmt_upshadow_freed(
				sh, SIZE_MAX, s,
				u->free(ex->state,
					mmt_upshadow_pool(sh, c->pool)->handle,
					c->addr),
				NULL);
	}
	for (unsigned int p = 0; p < MMT_NR_POOLS; p++)
		if (mmt_upshadow_pool(sh, p)->live)
			u->destroy(ex->state, mmt_upshadow_pool(sh, p)->handle);
	mmt_upshadow_destroy(sh);
	ex->ls[MMT_OPSET_UPOOL] = NULL;
}

const struct mmt_layer mmt_layer_upool = {
	.name = "upool",
	.set = MMT_OPSET_UPOOL,
	.open = up_open,
	.step = up_step,
	.teardown = up_teardown,
	.state = up_state,
	.close = up_close,
};
