/* SPDX-License-Identifier: MIT */
/*
 * tools/main.c - the mmtorture command line: dispatch to one command.
 *
 *   mmtorture <command> [options] [operands]
 *
 * Commands live one per file (replay.c, diff.c, trace.c, compile.c,
 * list.c, dump.c, bench.c); stress is stress/stress.c's
 * mmt_stress_main(). Each gets argv starting at its own name and returns
 * an enum mmt_exit, which becomes the process exit status: 0 every check
 * held, 1 a bug was found, 2 bad usage or bad input, 3 the environment
 * refused (a resource or a dependency is missing).
 *
 * Before a command runs, stdout is made line buffered, so that every line
 * (a --trace line, a result) reaches its file or pipe as it is printed,
 * and the crash note of mmtorture/crash.h is installed: when an allocator
 * aborts or faults mid-run, stderr gets the ops that ran and the one that
 * was running, stdout a one-line note, and the signal then goes on to
 * ASan or the default action, which decide the exit status as before.
 *
 * Single threaded; the only state kept is the program name for messages
 * and "reproduce:" lines.
 */
#include <stdio.h>
#include <string.h>

#include <mmtorture/crash.h>

#include "cli.h"
#include "stress.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis;
};

static int run_stress(int argc, char **argv)
{
	return mmt_stress_main(argc, argv);
}

static const struct command commands[] = {
	{ "replay", mmt_cmd_replay,
	  "replay [--allocator SPEC] [--target NAME] [--text|--binary] [--trace] FILE...\n"
	  "      run op sequences under every check; exit 1 names the op and invariant" },
	{ "diff", mmt_cmd_diff,
	  "diff --allocator A --against B [--strict] [--trace] FILE...\n"
	  "      run op sequences on two allocators in lockstep; exit 1 names the\n"
	  "      op where they diverge" },
	{ "trace", mmt_cmd_trace,
	  "trace FILE [--target NAME] [-o OUT]\n"
	  "      print a binary op sequence as text" },
	{ "compile", mmt_cmd_compile,
	  "compile FILE.txt -o FILE\n"
	  "      turn a text op sequence into its canonical binary" },
	{ "list", mmt_cmd_list,
	  "list\n"
	  "      show the adapters and the fuzz targets" },
	{ "dump", mmt_cmd_dump,
	  "dump [--machine SPEC] [--view buddyinfo|zoneinfo|all]\n"
	  "      build a reference machine and print its /proc views" },
	{ "bench", mmt_cmd_bench,
	  "bench [--quick] [--iterations N]\n"
	  "      time alloc+free pairs, machine creation and a full check" },
	{ "stress", run_stress,
	  "stress [--allocator SPEC] [--threads N] [--seconds S] [--seed X] ...\n"
	  "      many threads on one machine (see 'mmtorture stress --help')" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *out)
{
	const struct command *c;

	fputs("usage: mmtorture <command> [options]\n"
	      "       mmtorture <command> --help\n\n"
	      "commands:\n",
	      out);
	for (c = commands; c->name; c++)
		fprintf(out, "  %s\n", c->synopsis);
	fputs("\nexit status: 0 all checks held, 1 a bug was found, "
	      "2 bad usage or input,\n"
	      "             3 environment (a resource or dependency missing)\n"
	      "environment: MMT_ALLOCATOR sets the default --allocator "
	      "(else ref-pages)\n",
	      out);
}

int main(int argc, char **argv)
{
	const struct command *c;
	const char *name;

	/* Before anything else: it may re-execute the process (exec.h). */
	mmt_process_init(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	mmt_crash_install(stdout);
	if (argc > 0 && argv[0] && argv[0][0])
		mmt_cli_progname = argv[0];
	if (argc < 2) {
		usage(stderr);
		return MMT_EXIT_USAGE;
	}
	name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
	    strcmp(name, "help") == 0) {
		if (strcmp(name, "help") == 0 && argc > 2) {
			for (c = commands; c->name; c++) {
				if (strcmp(c->name, argv[2]) == 0) {
					char help[] = "--help";
					char *hargv[] = { argv[2], help, NULL };

					return c->run(2, hargv);
				}
			}
			mmt_cli_error(NULL, "unknown command '%s'", argv[2]);
			usage(stderr);
			return MMT_EXIT_USAGE;
		}
		usage(stdout);
		return MMT_EXIT_OK;
	}
	for (c = commands; c->name; c++) {
		if (strcmp(c->name, name) == 0)
			return c->run(argc - 1, argv + 1);
	}
	if (name[0] == '-')
		mmt_cli_error(NULL,
			      "unknown option '%s' (a command comes first)",
			      name);
	else
		mmt_cli_error(NULL, "unknown command '%s'", name);
	usage(stderr);
	return MMT_EXIT_USAGE;
}
