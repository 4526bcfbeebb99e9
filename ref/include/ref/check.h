/* SPDX-License-Identifier: MIT */
/*
 * ref/check.h - invariant checkers over the reference structures.
 *
 * A checker reports and never aborts: it appends findings to a report and
 * returns. Every invariant has a stable id (docs/checkers.md) and a cost
 * class. The caller decides what a finding means.
 *
 * Lock rule: ref_check() takes each zone->lock in turn (zone order DMA ..
 * HIGHMEM). The caller must not hold any zone lock and must make sure no
 * allocation is in flight on another thread (stress parks its threads).
 */
#ifndef REF_CHECK_H
#define REF_CHECK_H

#include <stddef.h>

#include "types.h"

enum ref_check_level {
	REF_CHECK_NONE = 0,
	REF_CHECK_CHEAP = 1, /* O(1) per zone: counters only */
	REF_CHECK_FULL = 2, /* O(pages): walks free lists and mem_map */
};

enum ref_cost {
	REF_COST_O1 = 1, /* constant per zone or per op */
	REF_COST_ON = 2, /* linear walk */
};

#define REF_REPORT_MAX 16 /* findings kept; more are only counted */
#define REF_REPORT_MSG 200

struct ref_finding {
	const char *id; /* stable invariant id, e.g. "BUDDY-COALESCE" */
	const char *layer; /* "buddy", "zone", "page" */
	enum ref_cost cost;
	unsigned long pfn; /* the page concerned, or ~0UL */
	char message[REF_REPORT_MSG]; /* one line, no newline */
};

struct ref_report {
	unsigned int nr; /* findings in the array */
	unsigned long total; /* findings seen, including those not kept */
	struct ref_finding findings[REF_REPORT_MAX];
};

/* Empty a report. */
void ref_report_init(struct ref_report *r);

/*
 * Check the whole machine at the given level. Returns the number of new
 * findings added to report (0 when everything holds).
 */
unsigned long ref_check(struct ref_mm *mm, enum ref_check_level level,
			struct ref_report *report);

/*
 * Check one zone. Caller holds the lock of every per-CPU list of the
 * zone, then zone->lock. Returns the new findings.
 * Ids: BUDDY-ALIGN, BUDDY-RANGE, BUDDY-FLAGS, BUDDY-DISJOINT,
 * BUDDY-COALESCE, ZONE-NRFREE, PAGE-STATE, ZONE-CONSERVE, PCP-COUNT,
 * PCP-PAGE, PCP-HIGH.
 */
unsigned long ref_check_zone_locked(struct ref_mm *mm, struct ref_zone *zone,
				    enum ref_check_level level,
				    struct ref_report *report);

/* Table of every invariant id ref/ can report, NULL terminated. */
struct ref_invariant {
	const char *id;
	const char *layer;
	enum ref_cost cost;
	const char *meaning; /* one line */
};
extern const struct ref_invariant ref_invariants[];

#endif /* REF_CHECK_H */
