/* SPDX-License-Identifier: MIT */
/*
 * tools/replay.c - `mmtorture replay`: run op sequences under every check.
 *
 * Each FILE is read whole and turned into a program: text when its name
 * ends in .txt (or --text), otherwise binary decoded with the op set of
 * the fuzz target it belongs to (--target, else the innermost directory
 * named after a target, e.g. crashes/new/fuzz_pages/..., else fuzz_pages).
 * A directory operand replays every file below it, in name order, skipping
 * dot files. The program runs on the chosen adapter through
 * mmt_exec_run(): the shadow checks every op, the adapter's full check
 * runs every check_every ops (the program's value) and at the end.
 *
 * Output: one "FILE: ok ..." line per file, or on a bug the op index,
 * invariant id, layer and message of each violation, the state the
 * executor captured (buddyinfo for a pages program; for an objects
 * program, which has none, the object shadow's live table), and a
 * "reproduce:" command line. --trace prints each op and its result first.
 * An objects program (text with objects ops or "opset objects", binary
 * under a fuzz_objects directory or --target fuzz_objects) needs an
 * OBJECTS adapter (--allocator glibc, jemalloc, ...; the default
 * ref-pages refuses it with exit 2).
 *
 * Exit status over all files: 2 if any file was bad input (or the usage
 * was, or directories held no file at all), else 3 if the environment
 * refused any, else 1 if any bug, else 0.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

#define REPLAY_MAX_DEPTH 8

enum {
	OPT_ALLOCATOR = 1,
	OPT_TARGET,
	OPT_TEXT,
	OPT_BINARY,
	OPT_TRACE,
};

static const struct mmt_cli_opt replay_opts[] = {
	{ "allocator", 0, 1, OPT_ALLOCATOR }, { "target", 0, 1, OPT_TARGET },
	{ "text", 0, 0, OPT_TEXT },	      { "binary", 0, 0, OPT_BINARY },
	{ "trace", 0, 0, OPT_TRACE },	      { NULL, 0, 0, 0 },
};

struct replay_ctx {
	const struct mmt_adapter *ad;
	const char *spec; /* as the user gave it (or the default) */
	const char *options; /* adapter options from the spec */
	const char *target; /* --target, or NULL */
	enum mmt_cli_form form;
	int trace;
	/* Outcome counts. */
	unsigned int nr_ok, nr_bug, nr_usage, nr_env;
};

static void replay_usage(FILE *out)
{
	fputs("usage: mmtorture replay [--allocator SPEC] [--target NAME] "
	      "[--text|--binary] [--trace] FILE...\n"
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
	      "  --trace           print each op and its result\n"
	      "\n"
	      "exit: 0 all held, 1 a bug was found, 2 bad usage or input, "
	      "3 environment\n",
	      out);
}

static void count(struct replay_ctx *ctx, int rc)
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

static void print_reproduce(const struct replay_ctx *ctx, const char *path)
{
	char cmd[4096];
	size_t pos = 0;

	cmd[0] = 0;
	mmt_cli_shell_append(cmd, sizeof(cmd), &pos, mmt_cli_progname);
	mmt_cli_shell_append(cmd, sizeof(cmd), &pos, "replay");
	mmt_cli_shell_append(cmd, sizeof(cmd), &pos, "--allocator");
	mmt_cli_shell_append(cmd, sizeof(cmd), &pos, ctx->spec);
	if (ctx->target) {
		mmt_cli_shell_append(cmd, sizeof(cmd), &pos, "--target");
		mmt_cli_shell_append(cmd, sizeof(cmd), &pos, ctx->target);
	}
	if (ctx->form == MMT_FORM_TEXT)
		mmt_cli_shell_append(cmd, sizeof(cmd), &pos, "--text");
	else if (ctx->form == MMT_FORM_BINARY)
		mmt_cli_shell_append(cmd, sizeof(cmd), &pos, "--binary");
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

static void print_failure(const struct replay_ctx *ctx, const char *path,
			  const struct mmt_prog *prog,
			  const struct mmt_exec_result *res)
{
	const struct mmt_report *r = &res->report;
	unsigned int i, nr = r->nr < MMT_REPORT_MAX ? r->nr : MMT_REPORT_MAX;
	size_t first = nr ? r->v[0].op_index : SIZE_MAX;

	if (first == SIZE_MAX)
		printf("%s: FAIL: %lu violation%s, first at the end of input "
		       "(after %zu ops)\n",
		       path, r->total, r->total == 1 ? "" : "s", res->ops_run);
	else
		printf("%s: FAIL: %lu violation%s, first at op %zu\n", path,
		       r->total, r->total == 1 ? "" : "s", first);
	print_op(prog, first);
	for (i = 0; i < nr; i++) {
		const struct mmt_violation *v = &r->v[i];

		if (v->op_index == SIZE_MAX)
			printf("  violation %u: end of input: %.*s [%.*s] "
			       "%.*s\n",
			       i + 1, (int)sizeof(v->id), v->id,
			       (int)sizeof(v->layer), v->layer,
			       (int)sizeof(v->message), v->message);
		else
			printf("  violation %u: op %zu: %.*s [%.*s] %.*s\n",
			       i + 1, v->op_index, (int)sizeof(v->id), v->id,
			       (int)sizeof(v->layer), v->layer,
			       (int)sizeof(v->message), v->message);
	}
	if (r->total > nr)
		printf("  ... and %lu more not kept\n", r->total - nr);
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
	print_reproduce(ctx, path);
}

static int replay_file(struct replay_ctx *ctx, const char *path)
{
	enum mmt_opset set = MMT_OPSET_PAGES;
	const char *target = ctx->target;
	char found[64], err[512];
	struct mmt_exec_opts opts;
	struct mmt_exec_result *res;
	struct mmt_prog prog;
	int rc, is_text = 0;

	if (!target)
		target = mmt_cli_target_from_path(path, found, sizeof(found));
	if (target && mmt_opset_for_target(target) >= 0)
		set = (enum mmt_opset)mmt_opset_for_target(target);

	memset(&prog, 0, sizeof(prog));
	rc = mmt_cli_load_prog("replay", path, ctx->form, set, &prog, &is_text);
	if (rc != MMT_EXIT_OK)
		return rc;

	res = calloc(1, sizeof(*res));
	if (!res) {
		mmt_cli_error("replay", "%s: out of memory", path);
		mmt_prog_free(&prog);
		return MMT_EXIT_ENV;
	}
	mmt_exec_opts_default(&opts);
	opts.check_every = 0; /* the program's own value */
	opts.check_at_end = 1;
	opts.trace = ctx->trace ? stdout : NULL;
	if (ctx->trace)
		printf("== %s (%s, op set %s, %zu ops)\n", path,
		       is_text ? "text" : "binary",
		       mmt_cli_opset_name(prog.opset), prog.nr_ops);
	err[0] = 0;
	rc = mmt_exec_run(ctx->ad, ctx->options, &prog, &opts, res, err,
			  sizeof(err));
	switch (rc) {
	case MMT_EXIT_OK:
		printf("%s: ok: %zu ops, %zu allocs (%zu failed), %zu frees, "
		       "%zu checks",
		       path, res->ops_run, res->allocs, res->alloc_fails,
		       res->frees, res->checks);
		if (res->checks_skipped)
			printf(" (%zu more skipped: nothing ran since the "
			       "last)",
			       res->checks_skipped);
		putchar('\n');
		break;
	case MMT_EXIT_BUG:
		print_failure(ctx, path, &prog, res);
		break;
	case MMT_EXIT_ENV:
		mmt_cli_error("replay", "%s: environment: %s", path,
			      err[0] ? err : "adapter could not be created");
		break;
	default:
		rc = MMT_EXIT_USAGE;
		mmt_cli_error("replay", "%s: %s", path,
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

static void replay_path(struct replay_ctx *ctx, const char *path, int depth)
{
	struct dirent **names;
	struct stat st;
	int i, n;

	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		count(ctx, replay_file(ctx, path));
		return;
	}
	if (depth >= REPLAY_MAX_DEPTH) {
		mmt_cli_error("replay", "%s: directories nested too deep",
			      path);
		count(ctx, MMT_EXIT_USAGE);
		return;
	}
	n = scandir(path, &names, skip_dot, alphasort);
	if (n < 0) {
		mmt_cli_error("replay", "%s: cannot list directory", path);
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
			replay_path(ctx, child, depth + 1);
			free(child);
		} else {
			count(ctx, MMT_EXIT_ENV);
		}
		free(names[i]);
	}
	free(names);
}

int mmt_cmd_replay(int argc, char **argv)
{
	struct replay_ctx ctx;
	struct mmt_cli_parser p;
	const char **files;
	const char *value, *env;
	char err[512];
	size_t nr_files = 0, i;
	int id, rc;

	memset(&ctx, 0, sizeof(ctx));
	files = calloc((size_t)(argc > 0 ? argc : 1), sizeof(*files));
	if (!files) {
		mmt_cli_error("replay", "out of memory");
		return MMT_EXIT_ENV;
	}
	mmt_cli_init(&p, "replay", argc, argv, replay_opts);
	while ((id = mmt_cli_next(&p, &value)) != MMT_CLI_END) {
		switch (id) {
		case MMT_CLI_OPERAND:
			files[nr_files++] = value;
			break;
		case MMT_CLI_HELP:
			replay_usage(stdout);
			free(files);
			return MMT_EXIT_OK;
		case OPT_ALLOCATOR:
			ctx.spec = value;
			break;
		case OPT_TARGET:
			ctx.target = value;
			break;
		case OPT_TEXT:
			ctx.form = MMT_FORM_TEXT;
			break;
		case OPT_BINARY:
			ctx.form = MMT_FORM_BINARY;
			break;
		case OPT_TRACE:
			ctx.trace = 1;
			break;
		default:
			replay_usage(stderr);
			free(files);
			return MMT_EXIT_USAGE;
		}
	}
	if (nr_files == 0) {
		mmt_cli_error("replay", "no FILE given");
		replay_usage(stderr);
		free(files);
		return MMT_EXIT_USAGE;
	}
	if (ctx.target && mmt_opset_for_target(ctx.target) < 0) {
		mmt_cli_error("replay",
			      "--target: unknown fuzz target '%s' (see "
			      "'mmtorture list')",
			      ctx.target);
		free(files);
		return MMT_EXIT_USAGE;
	}
	if (!ctx.spec) {
		env = getenv("MMT_ALLOCATOR");
		ctx.spec = env && *env ? env : "ref-pages";
	}
	err[0] = 0;
	rc = mmt_adapter_select(ctx.spec, &ctx.ad, &ctx.options, err,
				sizeof(err));
	if (rc != 0) {
		mmt_cli_error("replay", "--allocator '%s': %s", ctx.spec,
			      err[0] ? err : "cannot be used");
		free(files);
		return rc == MMT_EXIT_ENV ? MMT_EXIT_ENV : MMT_EXIT_USAGE;
	}

	for (i = 0; i < nr_files; i++)
		replay_path(&ctx, files[i], 0);
	free(files);
	if (ctx.nr_ok + ctx.nr_bug + ctx.nr_usage + ctx.nr_env == 0) {
		mmt_cli_error("replay", "nothing to replay: the directories "
					"given hold no files");
		return MMT_EXIT_USAGE;
	}

	if (ctx.nr_ok + ctx.nr_bug + ctx.nr_usage + ctx.nr_env > 1)
		printf("replay: %u ok, %u failed, %u bad input, %u "
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
