/* SPDX-License-Identifier: MIT */
/*
 * ref/fault.h - fault injection for the page allocator (fail_page_alloc).
 *
 * A machine whose config.fail asks for it (probability or nth not 0)
 * makes ref_alloc_pages() fail some requests before it tries any zone,
 * as Linux 6.12's should_fail_alloc_page() does from
 * prepare_alloc_pages(). The draws come from a splitmix64 stream seeded
 * by config.fail.seed, so one config and one sequence of calls fail the
 * same calls in any process. docs/fault-injection.md has the rules.
 */
#ifndef REF_FAULT_H
#define REF_FAULT_H

#include "gfp.h"
#include "types.h"

/*
 * Whether the allocation of 2^order pages with gfp is to fail: consults
 * (and advances) the machine's fault state once. An order the machine
 * does not have is refused by the allocator before this is asked, so it
 * returns 0 without touching the state. Thread safe.
 */
int ref_should_fail_alloc_page(struct ref_mm *mm, ref_gfp_t gfp,
			       unsigned int order);

/* Failures injected since the machine was built, reset or recreated. */
unsigned long ref_fault_count(struct ref_mm *mm);

/* Whether config fail injects anything at all (probability or nth). */
int ref_fault_enabled(const struct ref_fault_config *fail);

#endif /* REF_FAULT_H */
