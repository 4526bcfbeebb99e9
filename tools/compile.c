/* SPDX-License-Identifier: MIT */
/*
 * tools/compile.c - `mmtorture compile`: text op sequence -> binary.
 *
 * Parses FILE.txt with the strict text parser and writes the program's
 * canonical binary (mmt_prog_encode) to OUT: the bytes a fuzzer would
 * have to produce to run exactly these ops, suitable for corpus/. The op
 * set comes from the text itself, so --target is not needed.
 *
 * Safety: nothing is written unless the whole input parsed and encoded;
 * OUT is written to a temp file beside it and renamed into place, so a
 * failure never leaves a half-written or stale-looking output.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	OPT_OUT = 1,
};

static const struct mmt_cli_opt compile_opts[] = {
	{ "output", 'o', 1, OPT_OUT },
	{ NULL, 0, 0, 0 },
};

static void compile_usage(FILE *out)
{
	fputs("usage: mmtorture compile FILE.txt -o FILE\n"
	      "\n"
	      "Parse a text op sequence and write its canonical binary to FILE\n"
	      "('-o -' writes to stdout). Nothing is written on a parse "
	      "error.\n",
	      out);
}

int mmt_cmd_compile(int argc, char **argv)
{
	const char *file = NULL, *out = NULL, *value;
	struct mmt_cli_parser p;
	struct mmt_prog prog;
	uint8_t *bin = NULL;
	size_t len = 0;
	int id, rc;

	mmt_cli_init(&p, "compile", argc, argv, compile_opts);
	while ((id = mmt_cli_next(&p, &value)) != MMT_CLI_END) {
		switch (id) {
		case MMT_CLI_OPERAND:
			if (mmt_cli_single_operand("compile", &file, value))
				return MMT_EXIT_USAGE;
			break;
		case MMT_CLI_HELP:
			compile_usage(stdout);
			return MMT_EXIT_OK;
		case OPT_OUT:
			out = value;
			break;
		default:
			compile_usage(stderr);
			return MMT_EXIT_USAGE;
		}
	}
	if (!file || !out) {
		mmt_cli_error("compile", "%s",
			      !file ? "no FILE.txt given" :
				      "no output: -o FILE is required");
		compile_usage(stderr);
		return MMT_EXIT_USAGE;
	}

	memset(&prog, 0, sizeof(prog));
	rc = mmt_cli_load_prog("compile", file, MMT_FORM_TEXT, &prog, NULL);
	if (rc != MMT_EXIT_OK) {
		mmt_cli_error("compile", "%s: not compiled, %s left untouched",
			      file, out);
		return rc;
	}
	if (mmt_prog_encode(&prog, &bin, &len) != 0) {
		mmt_prog_free(&prog);
		mmt_cli_error("compile", "%s: out of memory encoding", file);
		return MMT_EXIT_ENV;
	}
	mmt_prog_free(&prog);
	rc = mmt_cli_write_file("compile", out, bin, len);
	free(bin);
	return rc;
}
