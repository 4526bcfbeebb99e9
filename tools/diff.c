/* SPDX-License-Identifier: MIT */
/*
 * tools/diff.c - `mmtorture diff`: run op sequences on two allocators in
 * lockstep and report where they diverge (harness/diff.c, docs/diff.md).
 *
 *   mmtorture diff --allocator A --against B [--strict] [--trace]
 *                  [--text|--binary] FILE...
 *
 * A defaults to $MMT_ALLOCATOR, else ref-pages; B to $MMT_AGAINST, else
 * ref-pages when A has PAGES, else glibc (the same rule as fuzz_diff).
 * Each FILE is text when its name ends in .txt (or --text), else binary;
 * either names its own op set (the opset line or its ops; byte 0), and
 * the pair must share the capabilities it needs. "-" reads stdin; a directory runs every
 * file below it in name order, skipping dot files, and skips ("FILE:
 * skipped: needs OBJECTS ...") the programs the pair cannot run; a FILE
 * named that the pair cannot run is bad input.
 *
 * Output: "FILE: ok ..." per file, or the first op that diverged with
 * both sides' outcomes, every finding (op index, id, layer, message), the
 * state of each side that reported (its buddyinfo for a pages program, its
 * live objects for an objects one) and a "reproduce:" command line. --trace prints every op with both outcomes.
 *
 * Exit over all files: 2 if any was bad input or the usage was (unknown
 * allocator, --strict on a pair it does not apply to, no op set in
 * common), else 3 if the environment refused one, else 1 if any diverged,
 * else 0.
 */
#include <stdlib.h>
#include <string.h>

#include <mmtorture/diff.h>

#include "cli.h"

enum {
	OPT_AGAINST = MMT_CLI_OPT_OWN,
	OPT_STRICT,
};

static const struct mmt_cli_opt diff_opts[] = {
	{ "allocator", 0, 1, MMT_CLI_OPT_ALLOCATOR },
	{ "against", 0, 1, OPT_AGAINST },
	{ "strict", 0, 0, OPT_STRICT },
	{ "trace", 0, 0, MMT_CLI_OPT_TRACE },
	{ "text", 0, 0, MMT_CLI_OPT_TEXT },
	{ "binary", 0, 0, MMT_CLI_OPT_BINARY },
	{ NULL, 0, 0, 0 },
};

struct diff_ctx {
	struct mmt_cli_run_args run; /* run.spec is side A */
	const struct mmt_adapter *a, *b;
	const char *spec_b; /* --against, or the default */
	const char *opts_a, *opts_b;
	uint32_t sets; /* the op sets both sides can run */
	int strict;
};

static void diff_usage(FILE *out)
{
	fputs("usage: mmtorture diff --allocator A --against B [--strict] "
	      "[--trace]\n"
	      "                      [--text|--binary] FILE...\n"
	      "\n"
	      "Run each op sequence on two allocators in lockstep, each under "
	      "its own\n"
	      "shadow model, and report where they diverge (docs/diff.md).\n"
	      "FILE may be '-' (stdin) or a directory (every file below it).\n"
	      "\n"
	      "  --allocator A  side A, NAME[:options] or PATH.so[:options]\n"
	      "                 (default: env MMT_ALLOCATOR, else ref-pages)\n"
	      "  --against B    side B (default: env MMT_AGAINST, else "
	      "ref-pages when A\n"
	      "                 has PAGES, else glibc)\n"
	      "  --strict       also compare PAGES block offsets exactly "
	      "(both sides\n"
	      "                 PAGES with POLICY_BUDDY)\n"
	      "  --trace        print every op with both outcomes\n"
	      "  --text         read every FILE as text\n"
	      "  --binary       read every FILE as binary (even *.txt)\n"
	      "\n"
	      "Binary files decode with the op set of a fuzz_pages (...) "
	      "directory in\n"
	      "their path, else of NAME.txt beside NAME.bin, else the one "
	      "both share:\n"
	      "pages when both have PAGES, else objects. In a directory, "
	      "programs the\n"
	      "pair cannot run are skipped. Findings: DIFF-MUST-SUCCEED, "
	      "DIFF-CONTENT,\n"
	      "DIFF-USABLE, DIFF-ALIGN, DIFF-OFFSET (strict), and each side's "
	      "own\n"
	      "violations with layer A:... or B:...\n"
	      "\n"
	      "exit: 0 no divergence, 1 a divergence or violation, 2 bad usage "
	      "or input,\n"
	      "      3 environment\n",
	      out);
}

static void print_reproduce(const struct diff_ctx *ctx, const char *path)
{
	struct mmt_cli_cmdline repro;

	mmt_cli_cmdline_init(&repro, "diff");
	mmt_cli_cmdline_add(&repro, "--allocator");
	mmt_cli_cmdline_add(&repro, ctx->run.spec);
	mmt_cli_cmdline_add(&repro, "--against");
	mmt_cli_cmdline_add(&repro, ctx->spec_b);
	if (ctx->strict)
		mmt_cli_cmdline_add(&repro, "--strict");
	mmt_cli_cmdline_add_form(&repro, ctx->run.form);
	if (strcmp(path, "-") == 0) {
		printf("reproduce: %s FILE   (the input came from stdin: "
		       "save it as FILE)\n",
		       repro.buf);
		return;
	}
	mmt_cli_cmdline_add_file(&repro, path);
	printf("reproduce: %s\n", repro.buf);
}

static void print_failure(const struct diff_ctx *ctx, const char *path,
			  const struct mmt_prog *prog,
			  const struct mmt_diff_result *res)
{
	char text[256];
	unsigned int i;

	mmt_cli_print_headline(path, "DIVERGED", "finding", prog, &res->report,
			       res->ops_run);
	if (res->have_outcomes) {
		mmt_diff_outcome_format(&res->a, text, sizeof(text));
		printf("    A %s: %s\n", ctx->a->name, text);
		mmt_diff_outcome_format(&res->b, text, sizeof(text));
		printf("    B %s: %s\n", ctx->b->name, text);
	}
	mmt_cli_print_violations(&res->report, "finding");
	for (i = 0; i < 2; i++) {
		char title[160];

		snprintf(title, sizeof(title), "state of %c %s", 'A' + i,
			 i ? ctx->b->name : ctx->a->name);
		mmt_cli_print_state(title, prog->opset, res->side[i].state,
				    sizeof(res->side[i].state));
	}
	print_reproduce(ctx, path);
}

static int diff_file(void *arg, const char *path)
{
	struct diff_ctx *ctx = arg;
	struct mmt_diff_result *res;
	struct mmt_diff_opts opts;
	struct mmt_prog prog;
	char err[512];
	int rc, is_text = 0;

	memset(&prog, 0, sizeof(prog));
	rc = mmt_cli_load_prog("diff", path, ctx->run.form, &prog, &is_text);
	if (rc != MMT_EXIT_OK)
		return rc;
	res = calloc(1, sizeof(*res));
	if (!res) {
		mmt_cli_error("diff", "%s: out of memory", path);
		mmt_prog_free(&prog);
		return MMT_EXIT_ENV;
	}
	mmt_diff_opts_default(&opts);
	opts.strict = ctx->strict;
	opts.trace = ctx->run.trace ? stdout : NULL;
	opts.stop_on_divergence = 1;
	if (ctx->run.trace)
		printf("== %s (%s, op set %s, %zu ops): A %s, B %s\n", path,
		       is_text ? "text" : "binary", mmt_opset_name(prog.opset),
		       prog.nr_ops, ctx->a->name, ctx->b->name);
	err[0] = 0;
	rc = mmt_diff_run(ctx->a, ctx->opts_a, ctx->b, ctx->opts_b, &prog,
			  &opts, res, err, sizeof(err));
	if (rc == MMT_EXIT_OK)
		printf("%s: ok: %zu ops agree; A %s: %zu allocs (%zu failed), "
		       "%zu frees; B %s: %zu allocs (%zu failed), %zu frees\n",
		       path, res->ops_run, ctx->a->name, res->side[0].allocs,
		       res->side[0].alloc_fails, res->side[0].frees,
		       ctx->b->name, res->side[1].allocs,
		       res->side[1].alloc_fails, res->side[1].frees);
	else if (rc == MMT_EXIT_BUG)
		print_failure(ctx, path, &prog, res);
	else
		rc = mmt_cli_refused("diff", path, rc, err,
				     "an adapter could not be created");
	fflush(stdout);
	free(res);
	mmt_prog_free(&prog);
	return rc;
}

static void diff_option(void *arg, int id, const char *value)
{
	struct diff_ctx *ctx = arg;

	if (id == OPT_AGAINST)
		ctx->spec_b = value;
	else if (id == OPT_STRICT)
		ctx->strict = 1;
}

/* Both sides resolved, and what they can be compared on. */
static int diff_setup(struct diff_ctx *ctx)
{
	const char *env;
	char err[512];
	int rc;

	rc = mmt_cli_select("diff", "--allocator", ctx->run.spec, &ctx->a,
			    &ctx->opts_a);
	if (rc)
		return rc;
	if (!ctx->spec_b) {
		env = getenv("MMT_AGAINST");
		if (env && *env)
			ctx->spec_b = env;
		else
			ctx->spec_b = (ctx->a->caps & MMT_CAP_PAGES) ?
					      "ref-pages" :
					      "glibc";
	}
	rc = mmt_cli_select("diff", "--against", ctx->spec_b, &ctx->b,
			    &ctx->opts_b);
	if (rc)
		return rc;
	err[0] = 0;
	if (mmt_diff_opsets(ctx->a, ctx->b, &ctx->sets, err, sizeof(err)) ||
	    (ctx->strict &&
	     mmt_diff_strict_ok(ctx->a, ctx->b, err, sizeof(err)))) {
		mmt_cli_error("diff", "%s", err);
		return MMT_EXIT_USAGE;
	}
	return MMT_EXIT_OK;
}

int mmt_cmd_diff(int argc, char **argv)
{
	struct diff_ctx ctx;
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	rc = mmt_cli_parse_run("diff", argc, argv, diff_opts, diff_usage,
			       diff_option, &ctx, &ctx.run);
	if (rc >= 0)
		return rc;
	rc = diff_setup(&ctx);
	if (rc) {
		mmt_cli_run_args_free(&ctx.run);
		return rc;
	}
	/* a file in a directory that the pair cannot run is skipped */
	ctx.run.ad[0] = ctx.a;
	ctx.run.ad[1] = ctx.b;
	return mmt_cli_run_files("diff", &ctx.run, diff_file, &ctx, "run",
				 "agree", "diverged");
}
