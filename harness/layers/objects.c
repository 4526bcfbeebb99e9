/* SPDX-License-Identifier: MIT */
/*
 * layers/objects.c - the objects layer of the executor: the malloc
 * family on an OBJECTS adapter, under the object shadow
 * (harness/shadow_objects.c).
 *
 * Slot rules: malloc/calloc/aligned into a live slot free the old object
 * first; realloc of an empty slot is malloc; realloc to size 0 is free of
 * the slot (C23 made realloc(p, 0) undefined), skipped when the slot is
 * empty; free of an empty slot is skipped. calloc is calloc(1, S),
 * calloc_array calloc(N, S). Impossible requests (above PTRDIFF_MAX
 * bytes, or an N x S that wraps: mmt_objshadow_impossible()) are run and
 * must fail: the slot is left as it is (a live object is not freed
 * first), a returned block is OBJ-IMPOSSIBLE and is freed at once, and
 * every live object's fill is verified after it (must_fail). Caps, so a
 * fuzzer cannot exhaust the host: any other request above 64 MiB, one
 * that would take the live total past 256 MiB, or an aligned request
 * whose alignment is not a power of two up to 8 MiB is skipped (not run,
 * the slot unchanged, "skipped" in the outcome and the trace). Every
 * request run must succeed unless its size is 0, above the
 * objects->max_size the allocator declares (OBJ-NULL; must_succeed) or
 * impossible. At the end live slots
 * are freed in slot order; the close of a run that stopped early frees
 * the objects the shadow accepted, so host allocators do not leak. The
 * state a report shows is the shadow's live table (an OBJECTS adapter
 * has no buddyinfo).
 */
#include <stdio.h>
#include <string.h>

#include "../exec_int.h"
#include "../shadow_objects.h"

#define OBJ_SIZE_CAP (64ULL << 20) /* largest object run */
#define OBJ_LIVE_CAP (256ULL << 20) /* most bytes live at once */
#define OBJ_ALIGN_CAP (8ULL << 20) /* largest alignment run */
#define OBJ_SH(ex) ((struct mmt_objshadow *)(ex)->ls[MMT_OPSET_OBJECTS])

/*
 * An OBJECTS adapter has no buddyinfo: the state is the shadow's live
 * table (slot, address, size, usable size, alignment asked).
 */
static void objects_state(struct mmt_exec *ex, char *buf, size_t len)
{
	size_t n;

	n = (size_t)snprintf(
		buf, len, "live objects %zu, %llu bytes asked\n",
		mmt_objshadow_live_objects(OBJ_SH(ex)),
		(unsigned long long)mmt_objshadow_live_bytes(OBJ_SH(ex)));
	for (unsigned int s = 0; s < MMT_NR_SLOTS && n < len; s++) {
		const struct mmt_objshadow_obj *o =
			mmt_objshadow_slot(OBJ_SH(ex), s);

		if (!o->live)
			continue;
		/* the alignment the address has, as outcome lines say it,
		 * and the one an aligned op asked for */
		n += (size_t)snprintf(
			buf + n, len - n,
			"s%u %p size %llu usable %llu align %llu", s, o->addr,
			(unsigned long long)o->size,
			(unsigned long long)o->usable,
			(unsigned long long)mmt_objshadow_addr_align(o->addr));
		if (o->align && n < len)
			n += (size_t)snprintf(buf + n, len - n, " (asked %llu)",
					      (unsigned long long)o->align);
		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, "\n");
	}
	buf[len - 1] = '\0';
}

/* Why a request of size bytes replacing old bytes is not run, or NULL. */
static const char *obj_over_cap(const struct mmt_exec *ex, uint64_t size,
				uint64_t old)
{
	if (size > OBJ_SIZE_CAP)
		return "size above the 64 MiB cap";
	if (mmt_objshadow_live_bytes(OBJ_SH(ex)) - old + size > OBJ_LIVE_CAP)
		return "live bytes would pass the 256 MiB cap";
	return NULL;
}

static uint64_t obj_usable(const struct mmt_exec *ex, const void *addr)
{
	if (!addr || !(ex->ad->caps & MMT_CAP_USABLE_SIZE) ||
	    !ex->ad->objects->usable_size)
		return 0;
	return ex->ad->objects->usable_size(ex->state, addr);
}

static void obj_free_slot(struct mmt_exec *ex, size_t op_index,
			  unsigned int slot)
{
	const struct mmt_objshadow_obj *o =
		mmt_objshadow_slot(OBJ_SH(ex), slot);

	mmt_objshadow_verify_fill(OBJ_SH(ex), op_index, slot, &ex->res.report);
	ex->ad->objects->free(ex->state, o->addr);
	ex->res.frees++;
	mmt_objshadow_release(OBJ_SH(ex), slot);
}

/* Count an allocation's outcome and note it in oc; its usable size. */
static uint64_t obj_result(struct mmt_exec *ex, const void *addr,
			   struct mmt_op_outcome *oc)
{
	if (addr)
		ex->res.allocs++;
	else
		ex->res.alloc_fails++;
	if (oc)
		oc->ok = addr != NULL;
	return obj_usable(ex, addr);
}

static void obj_trace_result(const struct mmt_exec *ex, void *addr,
			     uint64_t usable)
{
	FILE *t = ex->o.trace;

	if (!t)
		return;
	if (!addr)
		fprintf(t, " -> NULL\n");
	else if (ex->ad->caps & MMT_CAP_USABLE_SIZE)
		fprintf(t, " -> %p usable %llu\n", addr,
			(unsigned long long)usable);
	else
		fprintf(t, " -> %p\n", addr);
}

static void obj_skip(struct mmt_exec *ex, const char *why,
		     struct mmt_op_outcome *oc)
{
	if (ex->o.trace)
		fprintf(ex->o.trace, " -> skipped (%s)\n", why);
	if (oc)
		oc->skipped = 1;
}

/* The elements an op asks for: nmemb for calloc_array, else 1. */
static uint64_t obj_nmemb(const struct mmt_op *op)
{
	return op->kind == MMT_OP_CALLOC_ARRAY ? op->nmemb : 1;
}

/* Call the adapter's entry point for an allocating op of size bytes (the
 * element size for calloc_array). */
static void *obj_call(struct mmt_exec *ex, const struct mmt_op *op)
{
	const struct mmt_objects_ops *ops = ex->ad->objects;

	switch (op->kind) {
	case MMT_OP_CALLOC:
		return ops->calloc(ex->state, 1, (size_t)op->size, op->gfp);
	case MMT_OP_CALLOC_ARRAY:
		return ops->calloc(ex->state, (size_t)op->nmemb,
				   (size_t)op->size, op->gfp);
	case MMT_OP_ALIGNED:
		return ops->aligned(ex->state, (size_t)op->align,
				    (size_t)op->size, op->gfp);
	default:
		return ops->malloc(ex->state, (size_t)op->size, op->gfp);
	}
}

/*
 * A request no allocator can serve: run it with the slot as it is (a
 * live object stays: a correct allocator fails, and the object must come
 * through untouched), require NULL and no side effects, free a block it
 * returned anyway. realloc of a live slot passes the old object.
 */
static void obj_impossible_op(struct mmt_exec *ex, size_t i,
			      const struct mmt_op *op, unsigned int slot,
			      struct mmt_op_outcome *oc)
{
	const struct mmt_objshadow_obj *o =
		mmt_objshadow_slot(OBJ_SH(ex), slot);
	int re = op->kind == MMT_OP_REALLOC && o->live;
	uint64_t usable = 0;
	void *addr;

	if (oc) {
		oc->is_alloc = 1;
		oc->must_fail = 1;
		oc->size = op->size;
	}
	if (ex->o.trace && o->live)
		fprintf(ex->o.trace, " (s%u holds %p, %llu bytes: kept)", slot,
			o->addr, (unsigned long long)o->size);
	if (re) {
		mmt_objshadow_verify_fill(OBJ_SH(ex), i, slot, &ex->res.report);
		addr = ex->ad->objects->realloc(ex->state, o->addr,
						(size_t)op->size, op->gfp);
	} else {
		addr = obj_call(ex, op);
	}
	if (addr) {
		ex->res.allocs++;
		if (oc)
			oc->ok = 1;
		if (re) /* the old object is the allocator's again */
			mmt_objshadow_release(OBJ_SH(ex), slot);
	} else {
		ex->res.alloc_fails++;
		if (re)
			usable = obj_usable(ex, o->addr);
	}
	mmt_objshadow_impossible_done(OBJ_SH(ex), i, slot, op->kind,
				      obj_nmemb(op), op->size, op->align, addr,
				      usable, &ex->res.report);
	if (ex->o.trace)
		fprintf(ex->o.trace,
			addr ? " -> %p (impossible: must fail; freed)\n" :
			       " -> NULL (impossible: must fail)\n",
			addr);
	if (addr) {
		ex->ad->objects->free(ex->state, addr);
		ex->res.frees++;
	}
}

/* malloc, calloc, calloc_array, aligned; and realloc of an empty slot (as
 * malloc). */
static void obj_alloc_op(struct mmt_exec *ex, size_t i, const struct mmt_op *op,
			 unsigned int slot, struct mmt_op_outcome *oc)
{
	const struct mmt_objshadow_obj *o =
		mmt_objshadow_slot(OBJ_SH(ex), slot);
	uint64_t size = op->size, align = op->align, usable;
	const char *why = NULL;
	void *addr = NULL;

	if (op->kind == MMT_OP_ALIGNED &&
	    (align == 0 || (align & (align - 1)) || align > OBJ_ALIGN_CAP))
		why = "alignment not a power of two up to 8 MiB";
	if (!why && mmt_objshadow_impossible(obj_nmemb(op), op->size, &size)) {
		obj_impossible_op(ex, i, op, slot, oc);
		return;
	}
	if (!why)
		why = obj_over_cap(ex, size, o->live ? o->size : 0);
	if (why) {
		if (oc)
			oc->size = size;
		obj_skip(ex, why, oc);
		return;
	}
	if (o->live) {
		if (ex->o.trace)
			fprintf(ex->o.trace,
				" (s%u held %p, %llu bytes: freed first)", slot,
				o->addr, (unsigned long long)o->size);
		obj_free_slot(ex, i, slot);
	}
	if (oc) {
		oc->is_alloc = 1;
		oc->must_succeed = mmt_objshadow_must_succeed(OBJ_SH(ex), size);
	}
	addr = obj_call(ex, op);
	usable = obj_result(ex, addr, oc);
	mmt_objshadow_alloc(OBJ_SH(ex), i, slot, op->kind, size, align, addr,
			    usable, &ex->res.report, oc);
	obj_trace_result(ex, addr, usable);
}

static void obj_realloc_op(struct mmt_exec *ex, size_t i,
			   const struct mmt_op *op, unsigned int slot,
			   struct mmt_op_outcome *oc)
{
	const struct mmt_objshadow_obj *o =
		mmt_objshadow_slot(OBJ_SH(ex), slot);
	uint64_t size = op->size, usable;
	const char *why;
	void *addr, *old;

	if (!o->live) {
		if (size == 0) {
			obj_skip(ex, "realloc to 0 of an empty slot", oc);
			return;
		}
		obj_alloc_op(ex, i, op, slot, oc);
		return;
	}
	if (size == 0) {
		/* realloc(p, 0) is undefined in C23: run as free(p) */
		if (ex->o.trace)
			fprintf(ex->o.trace,
				" -> freed %p (realloc to 0 frees)\n", o->addr);
		if (oc) {
			oc->is_free = 1;
			oc->ok = 1;
			oc->size = o->size;
		}
		obj_free_slot(ex, i, slot);
		return;
	}
	if (mmt_objshadow_impossible(1, size, &size)) {
		obj_impossible_op(ex, i, op, slot, oc);
		return;
	}
	why = obj_over_cap(ex, size, o->size);
	if (why) {
		if (oc)
			oc->size = size;
		obj_skip(ex, why, oc);
		return;
	}
	if (oc) {
		oc->is_alloc = 1;
		oc->must_succeed = mmt_objshadow_must_succeed(OBJ_SH(ex), size);
	}
	if (ex->o.trace)
		fprintf(ex->o.trace, " (s%u held %p, %llu bytes)", slot,
			o->addr, (unsigned long long)o->size);
	mmt_objshadow_verify_fill(OBJ_SH(ex), i, slot, &ex->res.report);
	old = o->addr;
	addr = ex->ad->objects->realloc(ex->state, old, (size_t)size, op->gfp);
	usable = obj_result(ex, addr, oc);
	mmt_objshadow_realloc(OBJ_SH(ex), i, slot, size, addr, usable,
			      &ex->res.report, oc);
	obj_trace_result(ex, addr, usable);
}

static void objects_op(struct mmt_exec *ex, size_t i, const struct mmt_op *op,
		       unsigned int slot, struct mmt_op_outcome *oc)
{
	const struct mmt_objshadow_obj *o =
		mmt_objshadow_slot(OBJ_SH(ex), slot);

	switch (op->kind) {
	case MMT_OP_MALLOC:
	case MMT_OP_CALLOC:
	case MMT_OP_CALLOC_ARRAY:
	case MMT_OP_ALIGNED:
		obj_alloc_op(ex, i, op, slot, oc);
		break;
	case MMT_OP_REALLOC:
		obj_realloc_op(ex, i, op, slot, oc);
		break;
	case MMT_OP_FREE:
		if (!o->live) {
			obj_skip(ex, "the slot is empty", oc);
			break;
		}
		if (ex->o.trace)
			fprintf(ex->o.trace, " -> freed %p (%llu bytes)\n",
				o->addr, (unsigned long long)o->size);
		if (oc) {
			oc->is_free = 1;
			oc->ok = 1;
			oc->size = o->size;
		}
		obj_free_slot(ex, i, slot);
		break;
	default:
		obj_skip(ex, "not an OBJECTS op", oc);
		break;
	}
}

static int objects_open(struct mmt_exec *ex, char *err, size_t errlen)
{
	struct mmt_objshadow *osh =
		mmt_objshadow_create(ex->ad->caps, ex->ad->objects->min_align,
				     ex->ad->objects->max_size, MMT_FILL_SEED);

	if (!osh) {
		snprintf(err, errlen, "out of memory for the shadow model");
		return MMT_EXIT_ENV;
	}
	ex->ls[MMT_OPSET_OBJECTS] = osh;
	return 0;
}

static void objects_teardown(struct mmt_exec *ex)
{
	for (unsigned int s = 0; s < MMT_NR_SLOTS; s++) {
		const struct mmt_objshadow_obj *o =
			mmt_objshadow_slot(OBJ_SH(ex), s);

		if (!o->live)
			continue;
		if (ex->o.trace)
			fprintf(ex->o.trace,
				"   end  free s%u -> freed %p (%llu bytes)\n",
				s, o->addr, (unsigned long long)o->size);
		ex->dirty = 1;
		obj_free_slot(ex, SIZE_MAX, s);
	}
}

static void objects_close(struct mmt_exec *ex)
{
	struct mmt_objshadow *osh = OBJ_SH(ex);

	/*
	 * A run stopped early leaves objects live: hand back the ones the
	 * shadow accepted (never one that overlapped another: that could be
	 * a double free), so a host allocator does not leak.
	 */
	for (unsigned int s = 0; s < MMT_NR_SLOTS; s++) {
		const struct mmt_objshadow_obj *o = mmt_objshadow_slot(osh, s);

		if (o->live && o->indexed)
			ex->ad->objects->free(ex->state, o->addr);
	}
	mmt_objshadow_destroy(osh);
	ex->ls[MMT_OPSET_OBJECTS] = NULL;
}

const struct mmt_layer mmt_layer_objects = {
	.name = "objects",
	.set = MMT_OPSET_OBJECTS,
	.open = objects_open,
	.step = objects_op,
	.teardown = objects_teardown,
	.state = objects_state,
	.close = objects_close,
};
