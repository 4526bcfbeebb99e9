/* SPDX-License-Identifier: MIT */
/*
 * tests/ref/ref_machine.h - the machine builder the ref/ tests share:
 * make(spec) parses a ref_config_parse() spec onto the defaults and boots
 * it, failing the test with ref's message if either refuses;
 * expect_healthy(mm) fails it on any finding of a FULL or a CHEAP check.
 */
#ifndef MMT_TESTS_REF_MACHINE_H
#define MMT_TESTS_REF_MACHINE_H

#include <criterion/criterion.h>

#include "internal.h"

static inline struct ref_mm *make(const char *spec)
{
	struct ref_config c;
	struct ref_mm *mm = NULL;
	char err[256] = "";

	ref_config_init(&c);
	cr_assert_eq(ref_config_parse(&c, spec, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(ref_mm_create(&c, &mm, err, sizeof(err)), 0, "%s", err);
	return mm;
}

static inline void expect_healthy(struct ref_mm *mm)
{
	struct ref_report r;

	ref_report_init(&r);
	cr_assert_eq(ref_check(mm, REF_CHECK_FULL, &r), 0, "finding %s: %s",
		     r.nr ? r.findings[0].id : "",
		     r.nr ? r.findings[0].message : "");
	cr_assert_eq(ref_check(mm, REF_CHECK_CHEAP, &r), 0, "finding %s: %s",
		     r.nr ? r.findings[0].id : "",
		     r.nr ? r.findings[0].message : "");
	cr_assert_eq(r.total, 0);
}

#endif /* MMT_TESTS_REF_MACHINE_H */
