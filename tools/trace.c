/* SPDX-License-Identifier: MIT */
/*
 * tools/trace.c - `mmtorture trace`: print an op sequence as text.
 *
 * A binary FILE is decoded, with the op set its byte 0 names, by the same
 * total decoder the fuzzers use, so what is printed is exactly what a
 * fuzzer ran (--target only checks that target runs that op set). A FILE ending in .txt (or --text) is parsed and
 * printed back in canonical form. The text goes to stdout, or to OUT
 * (written whole, then renamed into place).
 *
 * Round trip: `compile` of this output gives the canonical bytes of the
 * program (docs/op-format.md).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	OPT_TARGET = 1,
	OPT_OUT,
	OPT_TEXT,
	OPT_BINARY,
};

static const struct mmt_cli_opt trace_opts[] = {
	{ "target", 0, 1, OPT_TARGET },
	{ "output", 'o', 1, OPT_OUT },
	{ "text", 0, 0, OPT_TEXT },
	{ "binary", 0, 0, OPT_BINARY },
	{ NULL, 0, 0, 0 },
};

static void trace_usage(FILE *out)
{
	fputs("usage: mmtorture trace FILE [--target NAME] [-o OUT]\n"
	      "\n"
	      "Print an op sequence as text, one op per line.\n"
	      "\n"
	      "  --target NAME  decode as NAME's op set (default: from a "
	      "directory named\n"
	      "                 fuzz_*, else from NAME.txt beside NAME.bin, "
	      "else fuzz_pages)\n"
	      "  -o, --output OUT  write to OUT instead of stdout\n"
	      "  --text         FILE is text: print it back in canonical form\n"
	      "  --binary       FILE is binary even if it ends in .txt\n",
	      out);
}

int mmt_cmd_trace(int argc, char **argv)
{
	enum mmt_cli_form form = MMT_FORM_AUTO;
	const char *file = NULL, *out = NULL, *target = NULL, *value;
	struct mmt_cli_parser p;
	struct mmt_prog prog;
	char *text;
	int id, rc;

	mmt_cli_init(&p, "trace", argc, argv, trace_opts);
	while ((id = mmt_cli_next(&p, &value)) != MMT_CLI_END) {
		switch (id) {
		case MMT_CLI_OPERAND:
			if (mmt_cli_single_operand("trace", &file, value))
				return MMT_EXIT_USAGE;
			break;
		case MMT_CLI_HELP:
			trace_usage(stdout);
			return MMT_EXIT_OK;
		case OPT_TARGET:
			target = value;
			break;
		case OPT_OUT:
			out = value;
			break;
		case OPT_TEXT:
			form = MMT_FORM_TEXT;
			break;
		case OPT_BINARY:
			form = MMT_FORM_BINARY;
			break;
		default:
			trace_usage(stderr);
			return MMT_EXIT_USAGE;
		}
	}
	if (!file) {
		mmt_cli_error("trace", "no FILE given");
		trace_usage(stderr);
		return MMT_EXIT_USAGE;
	}
	if (target && mmt_cli_check_target("trace", target))
		return MMT_EXIT_USAGE;

	memset(&prog, 0, sizeof(prog));
	rc = mmt_cli_load_prog("trace", file, form, &prog, NULL);
	if (rc != MMT_EXIT_OK)
		return rc;
	rc = mmt_cli_target_runs("trace", target, file, &prog);
	if (rc != MMT_EXIT_OK) {
		mmt_prog_free(&prog);
		return rc;
	}
	text = mmt_prog_format_text(&prog);
	mmt_prog_free(&prog);
	if (!text) {
		mmt_cli_error("trace", "%s: out of memory formatting", file);
		return MMT_EXIT_ENV;
	}
	rc = mmt_cli_write_file("trace", out ? out : "-", text, strlen(text));
	free(text);
	return rc;
}
