/* SPDX-License-Identifier: MIT */
/*
 * report.c - the violation report every layer writes into.
 *
 * A report keeps the first MMT_REPORT_MAX violations (op index, layer,
 * invariant id, message) and counts every one, so a run that goes badly
 * wrong stays bounded in memory and the first cause is never pushed out.
 * Strings are truncated, never overflowed. No locks: one report per run.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mmtorture/exec.h>

void mmt_report_init(struct mmt_report *r)
{
	memset(r, 0, sizeof(*r));
}

void mmt_report_add(struct mmt_report *r, size_t op_index, const char *layer,
		    const char *id, const char *fmt, ...)
{
	struct mmt_violation *v;
	va_list ap;

	r->total++;
	if (r->nr >= MMT_REPORT_MAX)
		return;
	v = &r->v[r->nr++];
	v->op_index = op_index;
	snprintf(v->layer, sizeof(v->layer), "%s", layer ? layer : "");
	snprintf(v->id, sizeof(v->id), "%s", id ? id : "");
	va_start(ap, fmt);
	vsnprintf(v->message, sizeof(v->message), fmt, ap);
	va_end(ap);
}
