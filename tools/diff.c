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
 * Each FILE is text when its name ends in .txt (or --text; its opset line
 * decides the op set), else binary decoded with the op set both adapters
 * share: pages when both have PAGES, else objects. "-" reads stdin; a
 * directory runs every file below it in name order, skipping dot files.
 *
 * Output: "FILE: ok ..." per file, or the first op that diverged with
 * both sides' outcomes, every finding (op index, id, layer, message) and
 * a "reproduce:" command line. --trace prints every op with both outcomes.
 *
 * Exit over all files: 2 if any was bad input or the usage was (unknown
 * allocator, --strict on a pair it does not apply to, no op set in
 * common), else 3 if the environment refused one, else 1 if any diverged,
 * else 0.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mmtorture/diff.h>

#include "cli.h"

#define DIFF_MAX_DEPTH 8

enum {
	OPT_ALLOCATOR = 1,
	OPT_AGAINST,
	OPT_STRICT,
	OPT_TRACE,
	OPT_TEXT,
	OPT_BINARY,
};

static const struct mmt_cli_opt diff_opts[] = {
	{ "allocator", 0, 1, OPT_ALLOCATOR },
	{ "against", 0, 1, OPT_AGAINST },
	{ "strict", 0, 0, OPT_STRICT },
	{ "trace", 0, 0, OPT_TRACE },
	{ "text", 0, 0, OPT_TEXT },
	{ "binary", 0, 0, OPT_BINARY },
	{ NULL, 0, 0, 0 },
};

struct diff_ctx {
	const struct mmt_adapter *a, *b;
	const char *spec_a, *spec_b; /* as given (or the defaults) */
	const char *opts_a, *opts_b;
	enum mmt_opset set; /* for binary files */
	enum mmt_cli_form form;
	int strict, trace;
	unsigned int nr_ok, nr_bug, nr_usage, nr_env;
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
	      "Binary files decode with the op set both share: pages when "
	      "both have\n"
	      "PAGES, else objects. Findings: DIFF-MUST-SUCCEED, "
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

static void count(struct diff_ctx *ctx, int rc)
{
	switch (rc) {
	case MMT_EXIT_OK:
		ctx->nr_ok++;
		break;
	case MMT_EXIT_BUG:
		ctx->nr_bug++;
		break;
	case MMT_EXIT_ENV:
		ctx->nr_env++;
		break;
	default:
		ctx->nr_usage++;
		break;
	}
}

static void print_reproduce(const struct diff_ctx *ctx, const char *path)
{
	char cmd[4096];
	size_t pos = 0;

	cmd[0] = 0;
	mmt_cli_shell_append(cmd, sizeof(cmd), &pos, mmt_cli_progname);
	mmt_cli_shell_append(cmd, sizeof(cmd), &pos, "diff");
	mmt_cli_shell_append(cmd, sizeof(cmd), &pos, "--allocator");
	mmt_cli_shell_append(cmd, sizeof(cmd), &pos, ctx->spec_a);
	mmt_cli_shell_append(cmd, sizeof(cmd), &pos, "--against");
	mmt_cli_shell_append(cmd, sizeof(cmd), &pos, ctx->spec_b);
	if (ctx->strict)
		mmt_cli_shell_append(cmd, sizeof(cmd), &pos, "--strict");
	if (ctx->form == MMT_FORM_TEXT)
		mmt_cli_shell_append(cmd, sizeof(cmd), &pos, "--text");
	else if (ctx->form == MMT_FORM_BINARY)
		mmt_cli_shell_append(cmd, sizeof(cmd), &pos, "--binary");
	if (strcmp(path, "-") == 0) {
		printf("reproduce: %s FILE   (the input came from stdin: "
		       "save it as FILE)\n",
		       cmd);
		return;
	}
	if (path[0] == '-')
		mmt_cli_shell_append(cmd, sizeof(cmd), &pos, "--");
	mmt_cli_shell_append(cmd, sizeof(cmd), &pos, path);
	printf("reproduce: %s\n", cmd);
}

static void print_op(const struct mmt_prog *prog, size_t index)
{
	char text[256];
	const struct mmt_op *op;

	if (index >= prog->nr_ops)
		return;
	op = &prog->ops[index];
	mmt_op_format(op, text, sizeof(text));
	if (op->line)
		printf("  op %zu (line %u): %s\n", index, op->line, text);
	else
		printf("  op %zu: %s\n", index, text);
}

static void print_failure(const struct diff_ctx *ctx, const char *path,
			  const struct mmt_prog *prog,
			  const struct mmt_diff_result *res)
{
	const struct mmt_report *r = &res->report;
	unsigned int i, nr = r->nr < MMT_REPORT_MAX ? r->nr : MMT_REPORT_MAX;
	size_t first = nr ? r->v[0].op_index : SIZE_MAX;
	char text[256];

	if (first == SIZE_MAX)
		printf("%s: DIVERGED: %lu finding%s, first at the end of "
		       "input (after %zu ops)\n",
		       path, r->total, r->total == 1 ? "" : "s", res->ops_run);
	else
		printf("%s: DIVERGED: %lu finding%s, first at op %zu\n", path,
		       r->total, r->total == 1 ? "" : "s", first);
	print_op(prog, first);
	if (res->have_outcomes) {
		mmt_diff_outcome_format(&res->a, text, sizeof(text));
		printf("    A %s: %s\n", ctx->a->name, text);
		mmt_diff_outcome_format(&res->b, text, sizeof(text));
		printf("    B %s: %s\n", ctx->b->name, text);
	}
	for (i = 0; i < nr; i++) {
		const struct mmt_violation *v = &r->v[i];

		if (v->op_index == SIZE_MAX)
			printf("  finding %u: end of input: %.*s [%.*s] %.*s\n",
			       i + 1, (int)sizeof(v->id), v->id,
			       (int)sizeof(v->layer), v->layer,
			       (int)sizeof(v->message), v->message);
		else
			printf("  finding %u: op %zu: %.*s [%.*s] %.*s\n",
			       i + 1, v->op_index, (int)sizeof(v->id), v->id,
			       (int)sizeof(v->layer), v->layer,
			       (int)sizeof(v->message), v->message);
	}
	if (r->total > nr)
		printf("  ... and %lu more not kept\n", r->total - nr);
	for (i = 0; i < 2; i++) {
		const char *st = res->side[i].state;
		size_t n = strnlen(st, sizeof(res->side[i].state));

		if (!n)
			continue;
		printf("state of %c %s (buddyinfo):\n%.*s", 'A' + i,
		       i ? ctx->b->name : ctx->a->name, (int)n, st);
		if (st[n - 1] != '\n')
			putchar('\n');
	}
	print_reproduce(ctx, path);
}

static int diff_file(struct diff_ctx *ctx, const char *path)
{
	struct mmt_diff_result *res;
	struct mmt_diff_opts opts;
	struct mmt_prog prog;
	char err[512];
	int rc, is_text = 0;

	memset(&prog, 0, sizeof(prog));
	rc = mmt_cli_load_prog("diff", path, ctx->form, ctx->set, &prog,
			       &is_text);
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
	opts.trace = ctx->trace ? stdout : NULL;
	opts.stop_on_divergence = 1;
	if (ctx->trace)
		printf("== %s (%s, op set %s, %zu ops): A %s, B %s\n", path,
		       is_text ? "text" : "binary",
		       mmt_cli_opset_name(prog.opset), prog.nr_ops,
		       ctx->a->name, ctx->b->name);
	err[0] = 0;
	rc = mmt_diff_run(ctx->a, ctx->opts_a, ctx->b, ctx->opts_b, &prog,
			  &opts, res, err, sizeof(err));
	switch (rc) {
	case MMT_EXIT_OK:
		printf("%s: ok: %zu ops agree; A %s: %zu allocs (%zu failed), "
		       "%zu frees; B %s: %zu allocs (%zu failed), %zu frees\n",
		       path, res->ops_run, ctx->a->name, res->side[0].allocs,
		       res->side[0].alloc_fails, res->side[0].frees,
		       ctx->b->name, res->side[1].allocs,
		       res->side[1].alloc_fails, res->side[1].frees);
		break;
	case MMT_EXIT_BUG:
		print_failure(ctx, path, &prog, res);
		break;
	case MMT_EXIT_ENV:
		mmt_cli_error("diff", "%s: environment: %s", path,
			      err[0] ? err : "an adapter could not be created");
		break;
	default:
		rc = MMT_EXIT_USAGE;
		mmt_cli_error("diff", "%s: %s", path,
			      err[0] ? err : "refused by the executor");
		break;
	}
	fflush(stdout);
	free(res);
	mmt_prog_free(&prog);
	return rc;
}

static int skip_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static void diff_path(struct diff_ctx *ctx, const char *path, int depth)
{
	struct dirent **names;
	struct stat st;
	int i, n;

	if (strcmp(path, "-") == 0 || stat(path, &st) != 0 ||
	    !S_ISDIR(st.st_mode)) {
		count(ctx, diff_file(ctx, path));
		return;
	}
	if (depth >= DIFF_MAX_DEPTH) {
		mmt_cli_error("diff", "%s: directories nested too deep", path);
		count(ctx, MMT_EXIT_USAGE);
		return;
	}
	n = scandir(path, &names, skip_dot, alphasort);
	if (n < 0) {
		mmt_cli_error("diff", "%s: cannot list directory", path);
		count(ctx, MMT_EXIT_USAGE);
		return;
	}
	for (i = 0; i < n; i++) {
		size_t len = strlen(path) + strlen(names[i]->d_name) + 2;
		char *child = malloc(len);

		if (child) {
			snprintf(child, len, "%s%s%s", path,
				 path[strlen(path) - 1] == '/' ? "" : "/",
				 names[i]->d_name);
			diff_path(ctx, child, depth + 1);
			free(child);
		} else {
			count(ctx, MMT_EXIT_ENV);
		}
		free(names[i]);
	}
	free(names);
}

static int select_side(const char *flag, const char *spec,
		       const struct mmt_adapter **ad, const char **opts)
{
	char err[512] = "";
	int rc = mmt_adapter_select(spec, ad, opts, err, sizeof(err));

	if (rc == 0 && *ad)
		return MMT_EXIT_OK;
	mmt_cli_error("diff", "%s '%s': %s", flag, spec,
		      err[0] ? err : "cannot be used");
	return rc == MMT_EXIT_ENV ? MMT_EXIT_ENV : MMT_EXIT_USAGE;
}

int mmt_cmd_diff(int argc, char **argv)
{
	struct diff_ctx ctx;
	struct mmt_cli_parser p;
	const char **files;
	const char *value, *env;
	char err[512];
	size_t nr_files = 0, i;
	int id, rc;

	memset(&ctx, 0, sizeof(ctx));
	files = calloc((size_t)(argc > 0 ? argc : 1), sizeof(*files));
	if (!files) {
		mmt_cli_error("diff", "out of memory");
		return MMT_EXIT_ENV;
	}
	mmt_cli_init(&p, "diff", argc, argv, diff_opts);
	while ((id = mmt_cli_next(&p, &value)) != MMT_CLI_END) {
		switch (id) {
		case MMT_CLI_OPERAND:
			files[nr_files++] = value;
			break;
		case MMT_CLI_HELP:
			diff_usage(stdout);
			free(files);
			return MMT_EXIT_OK;
		case OPT_ALLOCATOR:
			ctx.spec_a = value;
			break;
		case OPT_AGAINST:
			ctx.spec_b = value;
			break;
		case OPT_STRICT:
			ctx.strict = 1;
			break;
		case OPT_TRACE:
			ctx.trace = 1;
			break;
		case OPT_TEXT:
			ctx.form = MMT_FORM_TEXT;
			break;
		case OPT_BINARY:
			ctx.form = MMT_FORM_BINARY;
			break;
		default:
			diff_usage(stderr);
			free(files);
			return MMT_EXIT_USAGE;
		}
	}
	if (nr_files == 0) {
		mmt_cli_error("diff", "no FILE given");
		diff_usage(stderr);
		free(files);
		return MMT_EXIT_USAGE;
	}
	if (!ctx.spec_a) {
		env = getenv("MMT_ALLOCATOR");
		ctx.spec_a = env && *env ? env : "ref-pages";
	}
	rc = select_side("--allocator", ctx.spec_a, &ctx.a, &ctx.opts_a);
	if (rc) {
		free(files);
		return rc;
	}
	if (!ctx.spec_b) {
		env = getenv("MMT_AGAINST");
		if (env && *env)
			ctx.spec_b = env;
		else
			ctx.spec_b = (ctx.a->caps & MMT_CAP_PAGES) ?
					     "ref-pages" :
					     "glibc";
	}
	rc = select_side("--against", ctx.spec_b, &ctx.b, &ctx.opts_b);
	if (rc) {
		free(files);
		return rc;
	}
	err[0] = 0;
	if (mmt_diff_opset(ctx.a, ctx.b, &ctx.set, err, sizeof(err))) {
		mmt_cli_error("diff", "%s", err);
		free(files);
		return MMT_EXIT_USAGE;
	}
	if (ctx.strict && mmt_diff_strict_ok(ctx.a, ctx.b, err, sizeof(err))) {
		mmt_cli_error("diff", "%s", err);
		free(files);
		return MMT_EXIT_USAGE;
	}

	for (i = 0; i < nr_files; i++)
		diff_path(&ctx, files[i], 0);
	free(files);
	if (ctx.nr_ok + ctx.nr_bug + ctx.nr_usage + ctx.nr_env == 0) {
		mmt_cli_error("diff", "nothing to run: the directories given "
				      "hold no files");
		return MMT_EXIT_USAGE;
	}
	if (ctx.nr_ok + ctx.nr_bug + ctx.nr_usage + ctx.nr_env > 1)
		printf("diff: %u agree, %u diverged, %u bad input, %u "
		       "environment\n",
		       ctx.nr_ok, ctx.nr_bug, ctx.nr_usage, ctx.nr_env);
	if (ctx.nr_usage)
		return MMT_EXIT_USAGE;
	if (ctx.nr_env)
		return MMT_EXIT_ENV;
	if (ctx.nr_bug)
		return MMT_EXIT_BUG;
	return MMT_EXIT_OK;
}
