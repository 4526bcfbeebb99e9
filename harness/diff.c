/* SPDX-License-Identifier: MIT */
/*
 * diff.c - differential runs: the same program on two adapters in
 * lockstep, every op compared (include/mmtorture/diff.h, docs/diff.md).
 *
 * Algorithm: open one step-by-step executor per side (mmt_exec_open), each
 * with its own arena and shadow model. For op i: step A, step B, copy the
 * violations each side's own checks added (id kept, layer "A:..."/"B:...",
 * message naming the side and adapter), then compare the two outcomes:
 *
 *   both allocate, exactly one fails and its oracle said must succeed
 *                                   -> DIFF-MUST-SUCCEED
 *   both succeed with content digests that differ -> DIFF-CONTENT
 *   OBJECTS: a side served a request no allocator can (above
 *   PTRDIFF_MAX, a calloc whose nmemb x size wraps; must_fail)
 *                                   -> DIFF-MUST-FAIL
 *   a side's usable size (USABLE_SIZE) is below the request -> DIFF-USABLE
 *   a side's address breaks the alignment it owes -> DIFF-ALIGN
 *       OBJECTS: min(objects->min_align as that side declares it,
 *       largest power of two <= size), raised to the requested
 *       alignment for aligned (capped at 4096, as addr_align is);
 *       PAGES: 2^order pages
 * DIFF-MUST-FAIL, DIFF-USABLE and DIFF-ALIGN restate, in the diff's terms,
 * what a side's shadow also reports (OBJ-IMPOSSIBLE, OBJ-USABLE,
 * OBJ-ALIGN, SHADOW-ALIGN): both appear. Both sides must fail an
 * impossible request; both failing is agreement.
 *   strict, both succeed, pfn or order differ -> DIFF-OFFSET
 *
 * After the last op both sides run their end of input (full check, free
 * every live slot, check again) and what that finds is copied too, with
 * op index SIZE_MAX.
 *
 * The slot tables of the two sides can drift apart legitimately (one side
 * failed an allocation its oracle allowed to fail: a PAGES allocator
 * without the strict oracle, an OBJECTS request above the max_size one
 * side declares), so a free that is skipped on one side only is not
 * compared, and a slot whose allocations went differently holds
 * different contents on the two sides until both allocate or free it
 * again: its DIFF-CONTENT is not compared meanwhile (drift[]).
 *
 * Each side's state (res->side[i].state, captured by its executor at its
 * first violation) is kept: buddyinfo for PAGES, the live objects for
 * OBJECTS (each with the alignment its address has, as outcome lines say
 * it, and the one an aligned op asked for).
 *
 * Invariants: a side violation is never dropped silently (it is copied or
 * counted); the result holds both outcomes of the first op that reported.
 * Single threaded, nothing global.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <mmtorture/diff.h>

#include "mmt_internal.h"
#include "mmt_lib.h"

#define DIFF_ALIGN_CAP 4096u /* addr_align is capped here (exec.h) */

struct diff_side {
	const struct mmt_adapter *ad;
	struct mmt_exec *ex;
	char tag; /* 'A' or 'B' */
	unsigned long seen; /* violations of its report copied so far */
};

void mmt_diff_opts_default(struct mmt_diff_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->strict = 0;
	o->trace = NULL;
	o->stop_on_divergence = 1;
}

int mmt_diff_opsets(const struct mmt_adapter *a, const struct mmt_adapter *b,
		    uint32_t *sets, char *err, size_t errlen)
{
	uint32_t both = a->caps & b->caps;

	*sets = 0;
	for (unsigned int i = 0; i < MMT_NR_OPSETS; i++)
		if ((both & mmt_opset_desc(i)->caps) == mmt_opset_desc(i)->caps)
			*sets |= 1u << i;
	if (*sets)
		return 0;
	/* Name what is missing: a set one side could run, the other not. */
	for (unsigned int i = 0; i < MMT_NR_OPSETS; i++) {
		uint32_t need = mmt_opset_desc(i)->caps;
		const struct mmt_adapter *has = (a->caps & need) == need ? a :
						(b->caps & need) == need ? b :
									   NULL;

		if (has) {
			snprintf(err, errlen,
				 "'%s' has %s for %s programs but '%s' does "
				 "not, and they share no other op set: "
				 "nothing to compare",
				 has->name, mmt_opset_desc(i)->caps_name,
				 mmt_opset_name(i),
				 has == a ? b->name : a->name);
			return MMT_EXIT_USAGE;
		}
	}
	snprintf(err, errlen,
		 "neither '%s' nor '%s' can run any op set: nothing to compare",
		 a->name, b->name);
	return MMT_EXIT_USAGE;
}

int mmt_diff_strict_ok(const struct mmt_adapter *a, const struct mmt_adapter *b,
		       char *err, size_t errlen)
{
	const uint32_t need = MMT_CAP_PAGES | MMT_CAP_POLICY_BUDDY;
	const struct mmt_adapter *bad = NULL;

	if ((a->caps & need) != need)
		bad = a;
	else if ((b->caps & need) != need)
		bad = b;
	if (!bad)
		return 0;
	snprintf(err, errlen,
		 "--strict compares block offsets, which only means something "
		 "for two PAGES allocators of the same policy (both declaring "
		 "PAGES and POLICY_BUDDY); '%s' lacks %s",
		 bad->name,
		 !(bad->caps & MMT_CAP_PAGES) ? "PAGES" : "POLICY_BUDDY");
	return MMT_EXIT_USAGE;
}

static const char *zone_name(int zone)
{
	switch (zone) {
	case MMT_ZONE_DMA:
		return "DMA";
	case MMT_ZONE_DMA32:
		return "DMA32";
	case MMT_ZONE_NORMAL:
		return "Normal";
	case MMT_ZONE_HIGHMEM:
		return "HighMem";
	default:
		return "?";
	}
}

static int is_pages_kind(uint32_t kind)
{
	return kind < MMT_OP_CHECK;
}

size_t mmt_diff_outcome_format(const struct mmt_op_outcome *oc, char *buf,
			       size_t len)
{
	struct mmt_sbuf b;

	mmt_sbuf_init(&b, buf, len);
	if (oc->kind == MMT_OP_CHECK) {
		mmt_sbuf_puts(&b, "check");
		return b.pos;
	}
	if (oc->skipped) {
		mmt_sbuf_puts(&b, "skipped");
		return b.pos;
	}
	if (oc->is_alloc && !oc->ok) {
		mmt_sbuf_puts(&b, "NULL");
		if (oc->must_succeed)
			mmt_sbuf_puts(&b, " (must succeed)");
		else if (oc->must_fail)
			mmt_sbuf_puts(&b, " (must fail)");
		return b.pos;
	}
	if (oc->is_free)
		mmt_sbuf_puts(&b, oc->ok ? "freed" : "free refused");
	else if (oc->is_alloc)
		mmt_sbuf_puts(&b, "ok");
	else
		mmt_sbuf_puts(&b, "done");
	if (is_pages_kind(oc->kind)) {
		mmt_sbuf_printf(&b, " pfn 0x%llx order %u",
				(unsigned long long)oc->pfn, oc->order);
		if (oc->zone >= 0)
			mmt_sbuf_printf(&b, " zone %s", zone_name(oc->zone));
	} else if (oc->is_alloc) {
		mmt_sbuf_printf(&b, " size %llu usable %llu align %llu",
				(unsigned long long)oc->size,
				(unsigned long long)oc->usable,
				(unsigned long long)oc->addr_align);
	}
	if (oc->is_alloc && oc->has_digest)
		mmt_sbuf_printf(&b, " digest %016llx",
				(unsigned long long)oc->digest);
	if (oc->is_alloc && oc->must_fail)
		mmt_sbuf_puts(&b, " (must fail)");
	return b.pos;
}

/*
 * The alignment an OBJECTS allocation owes on an allocator declaring
 * min_align, capped like addr_align; *why says where it comes from.
 */
static uint64_t owed_align(const struct mmt_op *op,
			   const struct mmt_op_outcome *oc, uint64_t min_align,
			   char *why, size_t len)
{
	/* calloc_array: the outcome's size is the product, 0 included */
	uint64_t size = oc->size || op->kind == MMT_OP_CALLOC_ARRAY ? oc->size :
								      op->size;
	uint64_t want = 1;

	if (size == 0)
		return 1;
	while (want < min_align && want * 2 <= size)
		want *= 2;
	if (want == min_align)
		snprintf(why, len, "it declares (objects->min_align)");
	else
		snprintf(why, len, "any %llu-byte object has",
			 (unsigned long long)size);
	if (op->kind == MMT_OP_ALIGNED && op->align > want) {
		want = op->align;
		snprintf(why, len, "asked for");
	}
	if (want > DIFF_ALIGN_CAP)
		want = DIFF_ALIGN_CAP;
	return want;
}

/* Copy the violations side s's own checks added since the last call. */
static void copy_side(struct diff_side *s, struct mmt_report *out)
{
	const struct mmt_report *r = &mmt_exec_result(s->ex)->report;
	char layer[16];

	for (; s->seen < r->total; s->seen++) {
		const struct mmt_violation *v;

		if (s->seen >= r->nr) {
			/* Counted by the side but not kept: count it too. */
			mmt_report_add(out, SIZE_MAX, s->tag == 'A' ? "A" : "B",
				       "DIFF-SIDE-LOST",
				       "%c %s: a violation its report could "
				       "not keep (%lu in all)",
				       s->tag, s->ad->name, r->total);
			continue;
		}
		v = &r->v[s->seen];
		/* "A:" and the side's layer, cut to what the report keeps */
		snprintf(layer, sizeof(layer), "%c:%.*s", s->tag,
			 (int)sizeof(layer) - 3, v->layer);
		mmt_report_add(out, v->op_index, layer, v->id, "%c %s: %.*s",
			       s->tag, s->ad->name, (int)sizeof(v->message),
			       v->message);
	}
}

static void check_side(struct mmt_report *r, size_t i, const struct mmt_op *op,
		       const struct diff_side *s,
		       const struct mmt_op_outcome *oc)
{
	char why[64];
	uint64_t want;

	if (!oc->is_alloc || !oc->ok || oc->skipped)
		return;
	if (is_pages_kind(oc->kind)) {
		/* UINT64_MAX: outside the arena, SHADOW-RANGE says so. */
		if (oc->pfn != UINT64_MAX && oc->order < 64 &&
		    (oc->pfn & ((1ULL << oc->order) - 1)) != 0)
			mmt_report_add(r, i, "diff", "DIFF-ALIGN",
				       "%c %s: order-%u block at pfn 0x%llx is "
				       "not aligned to 2^%u pages",
				       s->tag, s->ad->name, oc->order,
				       (unsigned long long)oc->pfn, oc->order);
		return;
	}
	if (mmt_op_desc(oc->kind)->set != MMT_OPSET_OBJECTS)
		return; /* a layer of its own: its shadow judges placement */
	if (oc->must_fail) {
		/* the block was handed back at once: nothing to place */
		mmt_report_add(r, i, "diff", "DIFF-MUST-FAIL",
			       "%c %s: %s of %llu bytes%s succeeded, where no "
			       "allocator can serve it (more than PTRDIFF_MAX "
			       "bytes)",
			       s->tag, s->ad->name, mmt_op_name(oc->kind),
			       (unsigned long long)oc->size,
			       oc->kind == MMT_OP_CALLOC_ARRAY ? " each" : "");
		return;
	}
	if ((s->ad->caps & MMT_CAP_USABLE_SIZE) && oc->usable < oc->size)
		mmt_report_add(r, i, "diff", "DIFF-USABLE",
			       "%c %s: usable size %llu is below the %llu "
			       "bytes asked for",
			       s->tag, s->ad->name,
			       (unsigned long long)oc->usable,
			       (unsigned long long)oc->size);
	want = owed_align(op, oc, s->ad->objects->min_align, why, sizeof(why));
	if (oc->addr_align < want)
		mmt_report_add(r, i, "diff", "DIFF-ALIGN",
			       "%c %s: %s of %llu bytes is aligned to %llu, "
			       "below the %llu %s",
			       s->tag, s->ad->name, mmt_op_name(oc->kind),
			       (unsigned long long)oc->size,
			       (unsigned long long)oc->addr_align,
			       (unsigned long long)want, why);
}

/* Compare the two outcomes of op i; adds divergences to r. */
static void compare(struct mmt_report *r, size_t i, const struct mmt_op *op,
		    const struct diff_side *sa, const struct mmt_op_outcome *a,
		    const struct diff_side *sb, const struct mmt_op_outcome *b,
		    int strict, unsigned char *drift)
{
	unsigned char *d = &drift[a->slot % MMT_NR_SLOTS];
	int drifted = *d;

	char ta[160], tb[160];

	check_side(r, i, op, sa, a);
	check_side(r, i, op, sb, b);
	if (a->is_free && b->is_free)
		*d = 0;
	if (!a->is_alloc || !b->is_alloc || a->skipped || b->skipped)
		return;
	*d = a->ok != b->ok || (drifted && !(a->ok && b->ok));
	if (a->ok != b->ok) {
		const struct diff_side *fs = a->ok ? sb : sa;
		const struct diff_side *os = a->ok ? sa : sb;
		const struct mmt_op_outcome *f = a->ok ? b : a;
		const struct mmt_op_outcome *o = a->ok ? a : b;

		if (f->must_succeed) {
			mmt_diff_outcome_format(o, ta, sizeof(ta));
			mmt_report_add(r, i, "diff", "DIFF-MUST-SUCCEED",
				       "%c %s failed where its oracle says it "
				       "must succeed; %c %s: %s",
				       fs->tag, fs->ad->name, os->tag,
				       os->ad->name, ta);
		}
		return;
	}
	if (!a->ok)
		return; /* both failed: never a divergence */
	if (a->has_digest && b->has_digest && a->digest != b->digest &&
	    !drifted)
		mmt_report_add(r, i, "diff", "DIFF-CONTENT",
			       "contents differ: A %s digest %016llx, B %s "
			       "digest %016llx",
			       sa->ad->name, (unsigned long long)a->digest,
			       sb->ad->name, (unsigned long long)b->digest);
	if (strict && is_pages_kind(a->kind) &&
	    (a->pfn != b->pfn || a->order != b->order)) {
		mmt_diff_outcome_format(a, ta, sizeof(ta));
		mmt_diff_outcome_format(b, tb, sizeof(tb));
		mmt_report_add(r, i, "diff", "DIFF-OFFSET",
			       "strict: A %s %s; B %s %s", sa->ad->name, ta,
			       sb->ad->name, tb);
	}
}

static void trace_op(FILE *t, size_t i, const struct mmt_op *op,
		     const struct mmt_op_outcome *a,
		     const struct mmt_op_outcome *b)
{
	char line[256], ta[160], tb[160];

	mmt_op_format(op, line, sizeof(line));
	mmt_diff_outcome_format(a, ta, sizeof(ta));
	mmt_diff_outcome_format(b, tb, sizeof(tb));
	fprintf(t, "%6zu  %s\n        A: %s\n        B: %s\n", i, line, ta, tb);
}

static void trace_new(FILE *t, const struct mmt_report *r, unsigned long from)
{
	for (unsigned long k = from; k < r->total && k < r->nr; k++)
		fprintf(t, "        !! %s %s: %s\n", r->v[k].layer, r->v[k].id,
			r->v[k].message);
}

static int open_side(struct diff_side *s, const char *options,
		     const struct mmt_prog *prog,
		     const struct mmt_exec_opts *eo, char *err, size_t errlen)
{
	char e[400] = "";
	int rc;

	rc = mmt_exec_open(s->ad, options, prog, eo, &s->ex, e, sizeof(e));
	if (rc != MMT_EXIT_OK) {
		s->ex = NULL;
		snprintf(err, errlen, "%c (%s): %s", s->tag, s->ad->name,
			 e[0] ? e : "the executor refused the program");
		return rc == MMT_EXIT_ENV ? MMT_EXIT_ENV : MMT_EXIT_USAGE;
	}
	return MMT_EXIT_OK;
}

static int check_pair(const struct mmt_adapter *a, const struct mmt_adapter *b,
		      const struct mmt_prog *prog,
		      const struct mmt_diff_opts *opts, char *err,
		      size_t errlen)
{
	const struct mmt_opset_desc *set = NULL;
	char e[256] = "";
	int rc;

	if (!a || !b) {
		snprintf(err, errlen, "no adapter given for side %s",
			 a ? "B" : "A");
		return MMT_EXIT_USAGE;
	}
	if ((rc = mmt_adapter_validate(a, e, sizeof(e))) != 0 ||
	    (rc = mmt_adapter_validate(b, e, sizeof(e))) != 0) {
		snprintf(err, errlen, "%s", e);
		return rc;
	}
	set = mmt_prog_opset(prog, err, errlen);
	if (!set)
		return MMT_EXIT_USAGE;
	if ((a->caps & set->caps) != set->caps ||
	    (b->caps & set->caps) != set->caps) {
		snprintf(err, errlen,
			 "the program uses the %s op set, which needs %s; "
			 "'%s' lacks it",
			 set->name, set->caps_name,
			 (a->caps & set->caps) == set->caps ? b->name :
							      a->name);
		return MMT_EXIT_USAGE;
	}
	if (opts->strict)
		return mmt_diff_strict_ok(a, b, err, errlen);
	return 0;
}

int mmt_diff_run(const struct mmt_adapter *a, const char *optsA,
		 const struct mmt_adapter *b, const char *optsB,
		 const struct mmt_prog *prog, const struct mmt_diff_opts *opts,
		 struct mmt_diff_result *res, char *err, size_t errlen)
{
	struct mmt_diff_opts defo;
	struct mmt_exec_opts eo;
	struct diff_side sa = { a, NULL, 'A', 0 }, sb = { b, NULL, 'B', 0 };
	unsigned char drift[MMT_NR_SLOTS] = { 0 }; /* slots that drifted */
	struct mmt_report *r = &res->report;
	char dummy[8];
	int rc, stopped = 0;

	memset(res, 0, sizeof(*res));
	mmt_report_init(r);
	res->first_op = SIZE_MAX;
	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (!opts) {
		mmt_diff_opts_default(&defo);
		opts = &defo;
	}
	rc = check_pair(a, b, prog, opts, err, errlen);
	if (rc)
		return rc;

	mmt_exec_opts_default(&eo);
	eo.check_every = 0; /* the program's own value */
	eo.check_at_end = 1;
	eo.strict = -1; /* each side's oracle from its own caps */
	eo.trace = NULL; /* the diff prints its own trace */
	eo.caller_rules = 0; /* both sides run the same program */
	eo.stop_on_violation = 0; /* the diff decides when to stop */
	rc = open_side(&sa, optsA, prog, &eo, err, errlen);
	if (rc)
		return rc;
	rc = open_side(&sb, optsB, prog, &eo, err, errlen);
	if (rc) {
		mmt_exec_close(sa.ex);
		return rc;
	}

	for (size_t i = 0; i < prog->nr_ops; i++) {
		struct mmt_op_outcome oa, ob;
		unsigned long before = r->total;

		memset(&oa, 0, sizeof(oa));
		memset(&ob, 0, sizeof(ob));
		oa.zone = ob.zone = -1;
		mmt_exec_step(sa.ex, i, &oa);
		mmt_exec_step(sb.ex, i, &ob);
		res->ops_run++;
		if (opts->trace)
			trace_op(opts->trace, i, &prog->ops[i], &oa, &ob);
		copy_side(&sa, r);
		copy_side(&sb, r);
		compare(r, i, &prog->ops[i], &sa, &oa, &sb, &ob, opts->strict,
			drift);
		if (r->total == before)
			continue;
		if (res->first_op == SIZE_MAX && !res->have_outcomes) {
			res->first_op = i;
			res->have_outcomes = 1;
			res->a = oa;
			res->b = ob;
		}
		if (opts->trace)
			trace_new(opts->trace, r, before);
		if (opts->stop_on_divergence) {
			stopped = 1;
			break;
		}
	}
	if (!stopped) {
		unsigned long before = r->total;

		if (opts->trace)
			fprintf(opts->trace, "   end  check, free every slot, "
					     "check (both sides)\n");
		mmt_exec_finish(sa.ex);
		mmt_exec_finish(sb.ex);
		copy_side(&sa, r);
		copy_side(&sb, r);
		res->finished = 1;
		if (opts->trace)
			trace_new(opts->trace, r, before);
	}
	res->side[0] = *mmt_exec_result(sa.ex);
	res->side[1] = *mmt_exec_result(sb.ex);
	mmt_exec_close(sa.ex);
	mmt_exec_close(sb.ex);
	return r->total ? MMT_EXIT_BUG : MMT_EXIT_OK;
}
