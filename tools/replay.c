/* SPDX-License-Identifier: MIT */
/*
 * tools/replay.c - `mmtorture replay`: run op sequences under every check.
 *
 * Each FILE is read whole and turned into a program: text when its name
 * ends in .txt (or --text), otherwise binary. A program names its own op
 * set (the text's opset line or ops, the binary's byte 0); --target T
 * only checks that T runs programs of that set.
 * A directory operand replays every file below it, in name order, skipping
 * dot files. The program runs on the chosen adapter through
 * mmt_exec_run(): the shadow checks every op, the adapter's full check
 * runs every check_every ops (the program's value) and at the end.
 *
 * Output: one "FILE: ok ..." line per file, or on a bug the op index,
 * invariant id, layer and message of each violation, the state the
 * executor captured (buddyinfo for a pages program; for an objects
 * program, which has none, the object shadow's live table), and a
 * "reproduce:" command line. --trace prints each op and its result first,
 * with the page allocation failure warning an allocator gives for a
 * failed request (ref's warn_alloc, as "kernel: ..." lines).
 * A finding the allocator raises from inside an op and cannot return from
 * (a ref assertion: REF-ASSERT, mmtorture/crash.h) prints the same block
 * for that op, without the state, and ends the process with exit 1.
 * An objects program needs an OBJECTS adapter (--allocator glibc, jemalloc, ...; the default
 * ref-pages refuses it with exit 2).
 *
 * Exit status over all files: 2 if any file was bad input (or the usage
 * was, or directories held no file at all), else 3 if the environment
 * refused any, else 1 if any bug, else 0.
 */
#include <stdlib.h>
#include <string.h>

#include <mmtorture/crash.h>

#include "cli.h"

enum {
	OPT_TARGET = MMT_CLI_OPT_OWN,
	OPT_FAIL,
};

static const struct mmt_cli_opt replay_opts[] = {
	{ "allocator", 0, 1, MMT_CLI_OPT_ALLOCATOR },
	{ "target", 0, 1, OPT_TARGET },
	{ "fail", 0, 1, OPT_FAIL },
	{ "text", 0, 0, MMT_CLI_OPT_TEXT },
	{ "binary", 0, 0, MMT_CLI_OPT_BINARY },
	{ "trace", 0, 0, MMT_CLI_OPT_TRACE },
	{ NULL, 0, 0, 0 },
};

struct replay_ctx {
	struct mmt_cli_run_args run; /* --allocator, --text/--binary, --trace */
	const struct mmt_adapter *ad;
	const char *options; /* adapter options from run.spec */
	const char *target; /* --target, or NULL */
	const char *fail; /* --fail, or NULL */
};

static void replay_usage(FILE *out)
{
	fputs("usage: mmtorture replay [--allocator SPEC] [--target NAME] "
	      "[--text|--binary] [--trace] [--fail SPEC] FILE...\n"
	      "\n"
	      "Run each op sequence under the shadow model and the adapter's\n"
	      "full check. FILE may be a directory (every file below it).\n"
	      "\n"
	      "  --allocator SPEC  adapter NAME[:options] (default: env "
	      "MMT_ALLOCATOR,\n"
	      "                    else ref-pages; see 'mmtorture list')\n"
	      "  --target NAME     decode binary files as NAME's op set "
	      "(default: from a\n"
	      "                    directory named fuzz_*, else fuzz_pages)\n"
	      "  --text            read every FILE as text\n"
	      "  --binary          read every FILE as binary (even *.txt)\n"
	      "  --trace           print each op and its result (and the "
	      "kernel's page\n"
	      "                    allocation failure warning a failed "
	      "request gives)\n"
	      "  --fail SPEC       fault injection on top of each program's "
	      "machine:\n"
	      "                    KEY=VALUE[,...] of probability, interval, "
	      "times,\n"
	      "                    space, min_order, ignore_wait, "
	      "ignore_highmem, nth,\n"
	      "                    seed (docs/fault-injection.md), e.g. "
	      "nth=5\n"
	      "\n"
	      "exit: 0 all held, 1 a bug was found, 2 bad usage or input, "
	      "3 environment\n",
	      out);
}

static void print_failure(const struct replay_ctx *ctx, const char *path,
			  const struct mmt_prog *prog,
			  const struct mmt_exec_result *res)
{
	struct mmt_cli_cmdline repro;

	mmt_cli_print_headline(path, "FAIL", "violation", prog, &res->report,
			       res->ops_run);
	mmt_cli_print_violations(&res->report, "violation");
	if (res->state[0]) {
		size_t n = strnlen(res->state, sizeof(res->state));

		/* an OBJECTS adapter has no buddyinfo: the shadow's table */
		printf("%s:\n%.*s",
		       prog->opset == MMT_OPSET_OBJECTS ?
			       "object state (shadow)" :
			       "zone state (buddyinfo)",
		       (int)n, res->state);
		if (res->state[n - 1] != '\n')
			putchar('\n');
	}
	mmt_cli_cmdline_init(&repro, "replay");
	mmt_cli_cmdline_add(&repro, "--allocator");
	mmt_cli_cmdline_add(&repro, ctx->run.spec);
	if (ctx->target) {
		mmt_cli_cmdline_add(&repro, "--target");
		mmt_cli_cmdline_add(&repro, ctx->target);
	}
	if (ctx->fail) {
		mmt_cli_cmdline_add(&repro, "--fail");
		mmt_cli_cmdline_add(&repro, ctx->fail);
	}
	mmt_cli_cmdline_add_form(&repro, ctx->run.form);
	mmt_cli_cmdline_add_file(&repro, path);
	printf("reproduce: %s\n", repro.buf);
}

/* The file a run is on, for a finding the allocator cannot return. */
struct replay_run {
	const struct replay_ctx *ctx;
	const char *path;
};

/*
 * A finding from inside the allocator (mmtorture/crash.h: a ref
 * assertion): the same FAIL block as a report the run returns, with no
 * state (the allocator is mid-op, and may hold its locks).
 */
static void replay_on_finding(void *arg, const struct mmt_crash_finding *f)
{
	static struct mmt_exec_result res;
	const struct replay_run *run = arg;

	memset(&res, 0, sizeof(res));
	res.report.nr = 1;
	res.report.total = 1;
	res.report.v[0] = f->v;
	res.ops_run = f->v.op_index < f->prog->nr_ops ? f->v.op_index :
							f->prog->nr_ops;
	print_failure(run->ctx, run->path, f->prog, &res);
}

static int replay_file(void *arg, const char *path)
{
	struct replay_ctx *ctx = arg;
	struct mmt_exec_opts opts;
	struct mmt_exec_result *res;
	struct replay_run run;
	struct mmt_prog prog;
	char err[512];
	int rc, is_text = 0;

	memset(&prog, 0, sizeof(prog));
	rc = mmt_cli_load_prog("replay", path, ctx->run.form, &prog, &is_text);
	if (rc != MMT_EXIT_OK)
		return rc;
	rc = mmt_cli_target_runs("replay", ctx->target, path, &prog);
	if (rc == MMT_EXIT_OK && ctx->fail &&
	    mmt_fault_parse_option(ctx->fail, &prog.machine, err,
				   sizeof(err))) {
		mmt_cli_error("replay", "--fail '%s': %s", ctx->fail, err);
		rc = MMT_EXIT_USAGE;
	}
	if (rc != MMT_EXIT_OK) {
		mmt_prog_free(&prog);
		return rc;
	}

	res = calloc(1, sizeof(*res));
	if (!res) {
		mmt_cli_error("replay", "%s: out of memory", path);
		mmt_prog_free(&prog);
		return MMT_EXIT_ENV;
	}
	mmt_exec_opts_default(&opts);
	opts.check_every = 0; /* the program's own value */
	opts.check_at_end = 1;
	opts.trace = ctx->run.trace ? stdout : NULL;
	if (ctx->run.trace)
		printf("== %s (%s, op set %s, %zu ops)\n", path,
		       is_text ? "text" : "binary", mmt_opset_name(prog.opset),
		       prog.nr_ops);
	err[0] = 0;
	run.ctx = ctx;
	run.path = path;
	mmt_crash_set_reporter(replay_on_finding, &run, 0);
	rc = mmt_exec_run(ctx->ad, ctx->options, &prog, &opts, res, err,
			  sizeof(err));
	mmt_crash_set_reporter(NULL, NULL, 0);
	if (rc == MMT_EXIT_OK) {
		printf("%s: ok: %zu ops, %zu allocs (%zu failed), %zu frees, "
		       "%zu checks",
		       path, res->ops_run, res->allocs, res->alloc_fails,
		       res->frees, res->checks);
		if (res->checks_skipped)
			printf(" (%zu more skipped: nothing ran since the "
			       "last)",
			       res->checks_skipped);
		if (res->probe_partial)
			printf(", capacity probe stopped at its budget of %u "
			       "blocks",
			       MMT_PROBE_BUDGET);
		putchar('\n');
	} else if (rc == MMT_EXIT_BUG) {
		print_failure(ctx, path, &prog, res);
	} else {
		rc = mmt_cli_refused("replay", path, rc, err,
				     "adapter could not be created");
	}
	fflush(stdout);
	free(res);
	mmt_prog_free(&prog);
	return rc;
}

static void replay_option(void *arg, int id, const char *value)
{
	struct replay_ctx *ctx = arg;

	if (id == OPT_TARGET)
		ctx->target = value;
	else if (id == OPT_FAIL)
		ctx->fail = value;
}

int mmt_cmd_replay(int argc, char **argv)
{
	struct replay_ctx ctx;
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	rc = mmt_cli_parse_run("replay", argc, argv, replay_opts, replay_usage,
			       replay_option, &ctx, &ctx.run);
	if (rc >= 0)
		return rc;
	if (ctx.target)
		rc = mmt_cli_check_target("replay", ctx.target);
	else
		rc = MMT_EXIT_OK;
	if (rc == MMT_EXIT_OK && ctx.fail) {
		struct mmt_machine m;
		char msg[400];

		mmt_machine_default(&m);
		if (mmt_fault_parse_option(ctx.fail, &m, msg, sizeof(msg))) {
			mmt_cli_error("replay", "--fail '%s': %s", ctx.fail,
				      msg);
			rc = MMT_EXIT_USAGE;
		}
	}
	if (rc == MMT_EXIT_OK)
		rc = mmt_cli_select("replay", "--allocator", ctx.run.spec,
				    &ctx.ad, &ctx.options);
	if (rc != MMT_EXIT_OK) {
		mmt_cli_run_args_free(&ctx.run);
		return rc;
	}
	return mmt_cli_run_files("replay", &ctx.run, replay_file, &ctx,
				 "replay", "ok", "failed");
}
