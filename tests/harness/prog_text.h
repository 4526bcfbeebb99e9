/* SPDX-License-Identifier: MIT */
/*
 * tests/harness/prog_text.h - text programs for the harness tests:
 * parse(text, p) parses an op sequence in the text form into *p, failing
 * the test with the parser's line, column, field and message;
 * parse_fails(text, field) expects the parser to refuse text and to name
 * field; ids(res) lists the findings of a run, one "ID: message" per line,
 * for a failing assertion's message.
 */
#ifndef MMT_TESTS_HARNESS_PROG_TEXT_H
#define MMT_TESTS_HARNESS_PROG_TEXT_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <mmtorture/exec.h>
#include <mmtorture/ops.h>

static inline void parse(const char *text, struct mmt_prog *p)
{
	struct mmt_parse_error err;

	cr_assert_eq(mmt_prog_parse_text(text, strlen(text), "t", p, &err), 0,
		     "%u:%u %s: %s", err.line, err.column, err.field,
		     err.message);
}

static inline void parse_fails(const char *text, const char *field)
{
	struct mmt_parse_error err;
	struct mmt_prog p;

	cr_assert_neq(mmt_prog_parse_text(text, strlen(text), "t", &p, &err), 0,
		      "%s parsed", text);
	cr_assert_str_eq(err.field, field, "%s: %s", text, err.message);
}

/* Every id the report holds, one per line, for messages. */
static inline const char *ids(const struct mmt_exec_result *res)
{
	static char buf[2048];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < res->report.nr && n < sizeof(buf) - 200; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s: %s\n",
				      res->report.v[i].id,
				      res->report.v[i].message);
	return buf;
}

#endif /* MMT_TESTS_HARNESS_PROG_TEXT_H */
