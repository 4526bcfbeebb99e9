/* SPDX-License-Identifier: MIT */
/*
 * mmtorture/report.h - exit codes, findings and the registry of the
 * harness's invariant ids.
 *
 * A report keeps the first MMT_REPORT_MAX violations and counts them all;
 * each names the op index, the layer and the invariant id, so a bug is
 * found again from its report alone.
 */
#ifndef MMTORTURE_REPORT_H
#define MMTORTURE_REPORT_H

#include <stddef.h>

/* Exit codes shared by every command, fuzz replay and stress. */
enum mmt_exit {
	MMT_EXIT_OK = 0, /* every check held */
	MMT_EXIT_BUG = 1, /* a bug was found */
	MMT_EXIT_USAGE = 2, /* bad usage or bad input */
	MMT_EXIT_ENV = 3, /* environment: dependency or resource missing */
};

#define MMT_REPORT_MAX 16
#define MMT_OP_END SIZE_MAX /* a finding of the end of input */
#define MMT_OP_BOOT (SIZE_MAX - 1) /* a finding at boot, before op 0 */

struct mmt_violation {
	/* 0-based index of the op; MMT_OP_END: the end of input;
	 * MMT_OP_BOOT: at boot, before the first op */
	size_t op_index;
	char layer[16]; /* "shadow", "oracle", "buddy", "zone", "page", ... */
	char id[32]; /* invariant id: "BUDDY-COALESCE", "ORACLE-MUST-SUCCEED" */
	char message[240];
};

struct mmt_report {
	unsigned int nr; /* violations kept */
	unsigned long total; /* violations seen */
	struct mmt_violation v[MMT_REPORT_MAX];
};

/* One row of the registry of the harness's invariant ids. */
struct mmt_invariant {
	const char *id; /* "SHADOW-OVERLAP" */
	const char *layer; /* the layer its reports carry */
	const char *what; /* one line */
};

/* The registry (harness/invariants.c); *n gets its number of rows. */
const struct mmt_invariant *mmt_invariants(size_t *n);
/* The row of id, or NULL (an allocator's own self-check ids are not rows). */
const struct mmt_invariant *mmt_invariant_find(const char *id);

void mmt_report_init(struct mmt_report *r);
/* Append (kept while room remains, always counted). printf-style message. */
void mmt_report_add(struct mmt_report *r, size_t op_index, const char *layer,
		    const char *id, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif /* MMTORTURE_REPORT_H */
