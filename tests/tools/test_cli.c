/* SPDX-License-Identifier: MIT */
/*
 * tests/tools/test_cli.c - unit tests of the CLI helpers in tools/cli.c.
 *
 * tools/ builds into the mmtorture executable only, so this test compiles
 * tools/cli.c into itself (it depends on the harness alone). Covered: the
 * option parser (every accepted spelling and every error), strict number
 * parsing, bounded whole-file reads, atomic writes (nothing left behind on
 * failure), target inference from paths, the target table against the
 * harness, shell quoting and capability words; and what replay and diff
 * share: their option parsing, "reproduce:" lines, the failure report's
 * lines, the directory walk and the exit code over many files; the op set
 * of a binary file (target, directory, the .txt beside it, the command's
 * default) and the programs a directory holds that the allocators cannot
 * run (skipped with a word, counted apart).
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../tools/cli.c"

enum { T_ALLOC = 1, T_OUT, T_FLAG };

static const struct mmt_cli_opt t_opts[] = {
	{ "allocator", 0, 1, T_ALLOC },
	{ "output", 'o', 1, T_OUT },
	{ "flag", 'f', 0, T_FLAG },
	{ NULL, 0, 0, 0 },
};

/* Run the parser over argv; record ids and values (up to 16). */
struct parsed {
	int n;
	int ids[16];
	const char *vals[16];
};

static void parse_all(char **argv, int argc, struct parsed *out)
{
	struct mmt_cli_parser p;
	const char *v;
	int id;

	memset(out, 0, sizeof(*out));
	mmt_cli_init(&p, "test", argc, argv, t_opts);
	do {
		id = mmt_cli_next(&p, &v);
		out->ids[out->n] = id;
		out->vals[out->n] = v;
		out->n++;
	} while (id != MMT_CLI_END && id != MMT_CLI_ERROR &&
		 id != MMT_CLI_HELP && out->n < 16);
}

Test(cli_opts, every_spelling_of_a_value)
{
	char *argv[] = {
		"cmd", "--allocator=a", "--allocator", "b",	      "-o",
		"c",   "-od",		"--output=e",  "file",	      "-",
		"-f",  "--flag",	"--",	       "--allocator", NULL
	};
	struct parsed r;

	parse_all(argv, 14, &r);
	cr_assert_eq(r.n, 11);
	cr_assert_eq(r.ids[0], T_ALLOC);
	cr_assert_str_eq(r.vals[0], "a");
	cr_assert_eq(r.ids[1], T_ALLOC);
	cr_assert_str_eq(r.vals[1], "b");
	cr_assert_eq(r.ids[2], T_OUT);
	cr_assert_str_eq(r.vals[2], "c");
	cr_assert_eq(r.ids[3], T_OUT);
	cr_assert_str_eq(r.vals[3], "d");
	cr_assert_eq(r.ids[4], T_OUT);
	cr_assert_str_eq(r.vals[4], "e");
	cr_assert_eq(r.ids[5], MMT_CLI_OPERAND);
	cr_assert_str_eq(r.vals[5], "file");
	cr_assert_eq(r.ids[6], MMT_CLI_OPERAND);
	cr_assert_str_eq(r.vals[6], "-");
	cr_assert_eq(r.ids[7], T_FLAG);
	cr_assert_null(r.vals[7]);
	cr_assert_eq(r.ids[8], T_FLAG);
	/* After "--" an option-looking word is an operand. */
	cr_assert_eq(r.ids[9], MMT_CLI_OPERAND);
	cr_assert_str_eq(r.vals[9], "--allocator");
	cr_assert_eq(r.ids[10], MMT_CLI_END);
}

Test(cli_opts, errors_name_the_flag)
{
	char *unknown[] = { "cmd", "--frob", NULL };
	char *unknown_short[] = { "cmd", "-x", NULL };
	char *missing[] = { "cmd", "--allocator", NULL };
	char *missing_short[] = { "cmd", "-o", NULL };
	char *no_arg[] = { "cmd", "--flag=1", NULL };
	char *glued[] = { "cmd", "-fx", NULL };
	char *prefix[] = { "cmd", "--alloc", "x", NULL };
	struct parsed r;

	parse_all(unknown, 2, &r);
	cr_assert_eq(r.ids[r.n - 1], MMT_CLI_ERROR);
	parse_all(unknown_short, 2, &r);
	cr_assert_eq(r.ids[r.n - 1], MMT_CLI_ERROR);
	parse_all(missing, 2, &r);
	cr_assert_eq(r.ids[r.n - 1], MMT_CLI_ERROR);
	parse_all(missing_short, 2, &r);
	cr_assert_eq(r.ids[r.n - 1], MMT_CLI_ERROR);
	parse_all(no_arg, 2, &r);
	cr_assert_eq(r.ids[r.n - 1], MMT_CLI_ERROR);
	parse_all(glued, 2, &r);
	cr_assert_eq(r.ids[r.n - 1], MMT_CLI_ERROR);
	/* No abbreviations: a prefix of a long name is unknown. */
	parse_all(prefix, 3, &r);
	cr_assert_eq(r.ids[r.n - 1], MMT_CLI_ERROR);
}

Test(cli_opts, help)
{
	char *l[] = { "cmd", "x", "--help", NULL };
	char *s[] = { "cmd", "-h", NULL };
	struct parsed r;

	parse_all(l, 3, &r);
	cr_assert_eq(r.ids[0], MMT_CLI_OPERAND);
	cr_assert_eq(r.ids[1], MMT_CLI_HELP);
	parse_all(s, 2, &r);
	cr_assert_eq(r.ids[0], MMT_CLI_HELP);
}

Test(cli_numbers, strict_decimal_in_range)
{
	uint64_t v = 7;

	cr_assert_eq(mmt_cli_parse_u64("t", "--n", "0", 0, 10, &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(mmt_cli_parse_u64("t", "--n", "10", 0, 10, &v), 0);
	cr_assert_eq(v, 10);
	cr_assert_eq(mmt_cli_parse_u64("t", "--n", "18446744073709551615", 0,
				       UINT64_MAX, &v),
		     0);
	cr_assert_eq(v, UINT64_MAX);
	v = 7;
	cr_assert_eq(mmt_cli_parse_u64("t", "--n", "11", 0, 10, &v), -1);
	cr_assert_eq(mmt_cli_parse_u64("t", "--n", "", 0, 10, &v), -1);
	cr_assert_eq(mmt_cli_parse_u64("t", "--n", "1x", 0, 10, &v), -1);
	cr_assert_eq(mmt_cli_parse_u64("t", "--n", "-1", 0, 10, &v), -1);
	cr_assert_eq(mmt_cli_parse_u64("t", "--n", " 1", 0, 10, &v), -1);
	cr_assert_eq(mmt_cli_parse_u64("t", "--n", "18446744073709551616", 0,
				       UINT64_MAX, &v),
		     -1);
	cr_assert_eq(mmt_cli_parse_u64("t", "--n", "0", 1, 10, &v), -1);
	cr_assert_eq(v, 7, "a failed parse must not write the result");
}

/* A fresh temp directory per test; Criterion runs each in its own child. */
static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mmt-test-cli.XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

static void put_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

static int count_entries(const char *dir)
{
	char cmd[128];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_assert_eq(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

Test(cli_files, read_whole_with_nul, .init = make_tmpdir, .fini = remove_tmpdir)
{
	char path[128];
	uint8_t *data = NULL;
	size_t len = 1;
	static const uint8_t bytes[5] = { 1, 0, 2, 0xff, 3 };

	snprintf(path, sizeof(path), "%s/f.bin", tmpdir);
	put_file(path, bytes, sizeof(bytes));
	cr_assert_eq(mmt_cli_read_file("t", path, 1024, &data, &len),
		     MMT_EXIT_OK);
	cr_assert_eq(len, 5);
	cr_assert_arr_eq(data, bytes, 5);
	cr_assert_eq(data[5], 0);
	free(data);

	/* Empty file: a valid, NUL-terminated, zero-length buffer. */
	put_file(path, "", 0);
	cr_assert_eq(mmt_cli_read_file("t", path, 1024, &data, &len),
		     MMT_EXIT_OK);
	cr_assert_eq(len, 0);
	cr_assert_not_null(data);
	cr_assert_eq(data[0], 0);
	free(data);
}

Test(cli_files, read_refusals_are_usage_errors, .init = make_tmpdir,
     .fini = remove_tmpdir)
{
	char path[128];
	uint8_t *data = (uint8_t *)1;
	size_t len = 1;

	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	cr_assert_eq(mmt_cli_read_file("t", path, 1024, &data, &len),
		     MMT_EXIT_USAGE);
	cr_assert_null(data);
	cr_assert_eq(mmt_cli_read_file("t", tmpdir, 1024, &data, &len),
		     MMT_EXIT_USAGE, "a directory is refused");

	snprintf(path, sizeof(path), "%s/big", tmpdir);
	put_file(path, "0123456789", 10);
	cr_assert_eq(mmt_cli_read_file("t", path, 9, &data, &len),
		     MMT_EXIT_USAGE, "over the limit");
	cr_assert_eq(mmt_cli_read_file("t", path, 10, &data, &len), MMT_EXIT_OK,
		     "exactly at the limit");
	cr_assert_eq(len, 10);
	free(data);
}

Test(cli_files, read_limit_holds_for_a_pipe)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int fds[2];
	char path[64];
	static const char text[] = "0123456789abcdef";

	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(write(fds[1], text, 16), 16);
	close(fds[1]);
	snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
	/* A pipe has no size: the limit must be enforced while reading. */
	cr_assert_eq(mmt_cli_read_file("t", path, 8, &data, &len),
		     MMT_EXIT_USAGE);
	close(fds[0]);
}

Test(cli_files, write_is_atomic, .init = make_tmpdir, .fini = remove_tmpdir)
{
	char path[128], bad[128];
	uint8_t *data = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/out.bin", tmpdir);
	cr_assert_eq(mmt_cli_write_file("t", path, "abc", 3), MMT_EXIT_OK);
	cr_assert_eq(mmt_cli_read_file("t", path, 100, &data, &len),
		     MMT_EXIT_OK);
	cr_assert_eq(len, 3);
	cr_assert_eq(memcmp(data, "abc", 3), 0);
	free(data);
	/* Overwrite replaces the whole file. */
	cr_assert_eq(mmt_cli_write_file("t", path, "z", 1), MMT_EXIT_OK);
	cr_assert_eq(mmt_cli_read_file("t", path, 100, &data, &len),
		     MMT_EXIT_OK);
	cr_assert_eq(len, 1);
	free(data);
	cr_assert_eq(count_entries(tmpdir), 1, "no temp file left behind");

	snprintf(bad, sizeof(bad), "%s/nodir/out.bin", tmpdir);
	cr_assert_eq(mmt_cli_write_file("t", bad, "abc", 3), MMT_EXIT_USAGE);
	/* Renaming over a directory fails after the temp file was made. */
	snprintf(bad, sizeof(bad), "%s/adir", tmpdir);
	cr_assert_eq(mkdir(bad, 0755), 0);
	cr_assert_neq(mmt_cli_write_file("t", bad, "abc", 3), MMT_EXIT_OK);
	cr_assert_eq(count_entries(tmpdir), 2, "out.bin and adir only");
}

Test(cli_names, text_by_suffix)
{
	cr_assert(mmt_cli_is_text_name("a.txt"));
	cr_assert(mmt_cli_is_text_name("dir/x.y.txt"));
	cr_assert(!mmt_cli_is_text_name("a.bin"));
	cr_assert(!mmt_cli_is_text_name("txt"));
	cr_assert(!mmt_cli_is_text_name("a.txt.bin"));
	cr_assert(!mmt_cli_is_text_name(""));
}

Test(cli_targets, table_agrees_with_the_harness)
{
	unsigned int kinds[MMT_NR_OP_KINDS];
	size_t n, i;
	int nr = 0;

	for (const struct mmt_fuzz_target *t = mmt_fuzz_targets; t->name;
	     t++, nr++) {
		cr_assert_eq(mmt_fuzz_target(t->name), t);
		cr_assert_neq(t->sets, 0u, "%s runs no op set", t->name);
		cr_assert_eq(t->sets >> MMT_NR_OPSETS, 0u, "%s", t->name);
		cr_assert_not_null(t->about);
	}
	cr_assert_geq(nr, 2);
	cr_assert_null(mmt_fuzz_target("fuzz_nosuch"));
	n = mmt_cli_opset_kinds(MMT_OPSET_PAGES, kinds, MMT_NR_OP_KINDS);
	cr_assert_eq(n, 26); /* 8 page ops, 15 context ops (cpu hotplug
			      * and page isolation too), 2 shrinker ops and
			      * check */
	cr_assert_eq(kinds[0], MMT_OP_ALLOC_PAGES);
	cr_assert_eq(kinds[n - 1], MMT_OP_CHECK);
	for (i = 0; i < n; i++)
		cr_assert_not_null(mmt_op_name(kinds[i]));
	n = mmt_cli_opset_kinds(MMT_OPSET_OBJECTS, kinds, MMT_NR_OP_KINDS);
	cr_assert_eq(n, 7); /* malloc calloc realloc aligned free calloc_array
			     * and check */
	cr_assert_eq(kinds[0], MMT_OP_MALLOC);
	cr_assert_str_eq(mmt_opset_name(MMT_OPSET_PAGES), "pages");
}

Test(cli_targets, target_only_checks_the_programs_own_set)
{
	struct mmt_prog p;

	mmt_prog_init(&p, MMT_OPSET_OBJECTS);
	cr_assert_eq(mmt_cli_target_runs("t", NULL, "x", &p), MMT_EXIT_OK);
	cr_assert_eq(mmt_cli_target_runs("t", "fuzz_diff", "x", &p),
		     MMT_EXIT_OK);
	cr_assert_eq(mmt_cli_target_runs("t", "fuzz_pages", "x", &p),
		     MMT_EXIT_USAGE, "fuzz_pages runs no objects program");
	p.opset = MMT_OPSET_PAGES;
	cr_assert_eq(mmt_cli_target_runs("t", "fuzz_pages", "x", &p),
		     MMT_EXIT_OK);
	p.opset = (enum mmt_opset)200; /* a byte 0 naming no set */
	cr_assert_eq(mmt_cli_target_runs("t", "fuzz_diff", "x", &p),
		     MMT_EXIT_USAGE);
	mmt_prog_free(&p);
}

Test(cli_output, shell_quoting)
{
	char buf[128];
	size_t pos = 0;

	buf[0] = 0;
	mmt_cli_shell_append(buf, sizeof(buf), &pos, "build/dev/bin/mmtorture");
	mmt_cli_shell_append(buf, sizeof(buf), &pos, "ref-pages:ram=64M");
	mmt_cli_shell_append(buf, sizeof(buf), &pos, "a b");
	mmt_cli_shell_append(buf, sizeof(buf), &pos, "it's");
	mmt_cli_shell_append(buf, sizeof(buf), &pos, "");
	cr_assert_str_eq(buf, "build/dev/bin/mmtorture ref-pages:ram=64M "
			      "'a b' 'it'\\''s' ''");
	cr_assert_eq(pos, strlen(buf));

	/* Truncation keeps the buffer terminated and in bounds. */
	pos = 0;
	mmt_cli_shell_append(buf, 8, &pos, "0123456789");
	cr_assert_eq(strlen(buf), 7);
}

Test(cli_output, caps_as_words)
{
	char buf[256];

	mmt_cli_caps_format(MMT_CAP_PAGES | MMT_CAP_ZONES | MMT_CAP_TRACE, buf,
			    sizeof(buf));
	cr_assert_str_eq(buf, "PAGES ZONES TRACE");
	mmt_cli_caps_format(0, buf, sizeof(buf));
	cr_assert_str_eq(buf, "none");
	mmt_cli_caps_format(1u << 31, buf, sizeof(buf));
	cr_assert_str_eq(buf, "bit31");
	cr_assert_eq(mmt_cli_caps_format(MMT_CAP_PAGES, buf, 3), 5);
	cr_assert_str_eq(buf, "PA");
}

/* ------------------------------------------------------------ file runs */

Test(cli_runs, tally_exit_prefers_usage_then_env_then_bug)
{
	struct mmt_cli_tally t;

	memset(&t, 0, sizeof(t));
	cr_assert_eq(mmt_cli_tally_exit(&t), MMT_EXIT_OK);
	cr_assert_eq(mmt_cli_tally_total(&t), 0);
	mmt_cli_tally_add(&t, MMT_EXIT_OK);
	cr_assert_eq(mmt_cli_tally_exit(&t), MMT_EXIT_OK);
	mmt_cli_tally_add(&t, MMT_EXIT_BUG);
	cr_assert_eq(mmt_cli_tally_exit(&t), MMT_EXIT_BUG);
	mmt_cli_tally_add(&t, MMT_EXIT_ENV);
	cr_assert_eq(mmt_cli_tally_exit(&t), MMT_EXIT_ENV);
	mmt_cli_tally_add(&t, 42); /* anything else is bad input */
	cr_assert_eq(mmt_cli_tally_exit(&t), MMT_EXIT_USAGE);
	cr_assert_eq(t.nr_ok, 1);
	cr_assert_eq(t.nr_bug, 1);
	cr_assert_eq(t.nr_env, 1);
	cr_assert_eq(t.nr_usage, 1);
	cr_assert_eq(mmt_cli_tally_total(&t), 4);
}

/* Records the paths mmt_cli_walk() hands out; "b*" files are bugs. */
struct walked {
	int n;
	char paths[16][160];
};

static int record_path(void *ctx, const char *path)
{
	struct walked *w = ctx;
	const char *base = strrchr(path, '/');

	if (w->n < 16)
		snprintf(w->paths[w->n], sizeof(w->paths[0]), "%s", path);
	w->n++;
	base = base ? base + 1 : path;
	return base[0] == 'b' ? MMT_EXIT_BUG : MMT_EXIT_OK;
}

Test(cli_runs, walk_in_name_order_skipping_dot_files, .init = make_tmpdir,
     .fini = remove_tmpdir)
{
	struct mmt_cli_tally t;
	struct walked w;
	char path[160], want[160];

	snprintf(path, sizeof(path), "%s/sub", tmpdir);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/sub/b2", tmpdir);
	put_file(path, "x", 1);
	snprintf(path, sizeof(path), "%s/a1", tmpdir);
	put_file(path, "x", 1);
	snprintf(path, sizeof(path), "%s/c3", tmpdir);
	put_file(path, "x", 1);
	snprintf(path, sizeof(path), "%s/.hidden", tmpdir);
	put_file(path, "x", 1);

	memset(&t, 0, sizeof(t));
	memset(&w, 0, sizeof(w));
	mmt_cli_walk("t", tmpdir, record_path, &w, &t);
	cr_assert_eq(w.n, 3, "three files, the dot file skipped");
	snprintf(want, sizeof(want), "%s/a1", tmpdir);
	cr_assert_str_eq(w.paths[0], want);
	snprintf(want, sizeof(want), "%s/c3", tmpdir);
	cr_assert_str_eq(w.paths[1], want);
	snprintf(want, sizeof(want), "%s/sub/b2", tmpdir);
	cr_assert_str_eq(w.paths[2], want);
	cr_assert_eq(t.nr_ok, 2);
	cr_assert_eq(t.nr_bug, 1);

	/* A trailing slash is not doubled; a file or "-" is run as given. */
	memset(&w, 0, sizeof(w));
	snprintf(path, sizeof(path), "%s/sub/", tmpdir);
	mmt_cli_walk("t", path, record_path, &w, &t);
	cr_assert_eq(w.n, 1);
	snprintf(want, sizeof(want), "%s/sub/b2", tmpdir);
	cr_assert_str_eq(w.paths[0], want);
	memset(&w, 0, sizeof(w));
	mmt_cli_walk("t", "-", record_path, &w, &t);
	mmt_cli_walk("t", "/nonexistent/x", record_path, &w, &t);
	cr_assert_eq(w.n, 2);
	cr_assert_str_eq(w.paths[0], "-");
	cr_assert_str_eq(w.paths[1], "/nonexistent/x");
}

Test(cli_runs, walk_refuses_deep_nesting_and_counts_empty_as_nothing,
     .init = make_tmpdir, .fini = remove_tmpdir)
{
	struct mmt_cli_tally t;
	struct walked w;
	char path[160];
	size_t len;
	int i;

	memset(&t, 0, sizeof(t));
	memset(&w, 0, sizeof(w));
	mmt_cli_walk("t", tmpdir, record_path, &w, &t);
	cr_assert_eq(mmt_cli_tally_total(&t), 0, "an empty directory");

	len = (size_t)snprintf(path, sizeof(path), "%s", tmpdir);
	for (i = 0; i < MMT_CLI_MAX_DEPTH; i++) {
		len += (size_t)snprintf(path + len, sizeof(path) - len, "/d");
		cr_assert_eq(mkdir(path, 0755), 0);
	}
	snprintf(path + len, sizeof(path) - len, "/a");
	put_file(path, "x", 1);
	mmt_cli_walk("t", tmpdir, record_path, &w, &t);
	cr_assert_eq(w.n, 0, "the file below the limit is not reached");
	cr_assert_eq(t.nr_usage, 1);
	cr_assert_eq(mmt_cli_tally_exit(&t), MMT_EXIT_USAGE);
}

enum { T_OWN = MMT_CLI_OPT_OWN };

static const struct mmt_cli_opt run_opts[] = {
	{ "allocator", 0, 1, MMT_CLI_OPT_ALLOCATOR },
	{ "text", 0, 0, MMT_CLI_OPT_TEXT },
	{ "binary", 0, 0, MMT_CLI_OPT_BINARY },
	{ "trace", 0, 0, MMT_CLI_OPT_TRACE },
	{ "own", 0, 1, T_OWN },
	{ NULL, 0, 0, 0 },
};

static int usage_calls;

static void count_usage(FILE *out)
{
	(void)out;
	usage_calls++;
}

static void take_own(void *ctx, int id, const char *value)
{
	cr_assert_eq(id, T_OWN);
	*(const char **)ctx = value;
}

Test(cli_runs, parse_run_shared_and_own_options)
{
	char *argv[] = { "cmd",	    "--allocator", "glibc", "a",
			 "--trace", "--own",	   "x",	    "--text",
			 "--",	    "--binary",	   NULL };
	struct mmt_cli_run_args a;
	const char *own = NULL;

	usage_calls = 0;
	cr_assert_eq(mmt_cli_parse_run("t", 10, argv, run_opts, count_usage,
				       take_own, &own, &a),
		     -1);
	cr_assert_str_eq(a.spec, "glibc");
	cr_assert_eq(a.form, MMT_FORM_TEXT);
	cr_assert_eq(a.trace, 1);
	cr_assert_str_eq(own, "x");
	cr_assert_eq(a.nr_files, 2);
	cr_assert_str_eq(a.files[0], "a");
	cr_assert_str_eq(a.files[1], "--binary", "an operand after --");
	cr_assert_eq(usage_calls, 0);
	mmt_cli_run_args_free(&a);
	cr_assert_null(a.files);
}

Test(cli_runs, parse_run_help_errors_and_no_file)
{
	char *help[] = { "cmd", "x", "--help", NULL };
	char *bad[] = { "cmd", "x", "--frob", NULL };
	char *none[] = { "cmd", "--binary", NULL };
	struct mmt_cli_run_args a;
	const char *own = NULL;

	usage_calls = 0;
	cr_assert_eq(mmt_cli_parse_run("t", 3, help, run_opts, count_usage,
				       take_own, &own, &a),
		     MMT_EXIT_OK);
	cr_assert_null(a.files);
	cr_assert_eq(mmt_cli_parse_run("t", 3, bad, run_opts, count_usage,
				       take_own, &own, &a),
		     MMT_EXIT_USAGE);
	cr_assert_eq(mmt_cli_parse_run("t", 2, none, run_opts, count_usage,
				       take_own, &own, &a),
		     MMT_EXIT_USAGE);
	cr_assert_eq(usage_calls, 3, "usage printed each time");
	cr_assert_null(own);
}

Test(cli_runs, parse_run_defaults)
{
	char *argv[] = { "cmd", "f", NULL };
	struct mmt_cli_run_args a;

	cr_assert_eq(unsetenv("MMT_ALLOCATOR"), 0);
	cr_assert_eq(mmt_cli_parse_run("t", 2, argv, run_opts, count_usage,
				       take_own, NULL, &a),
		     -1);
	cr_assert_str_eq(a.spec, "ref-pages", "the default allocator");
	cr_assert_eq(a.form, MMT_FORM_AUTO);
	cr_assert_eq(a.trace, 0);
	cr_assert_eq(a.nr_files, 1);
	mmt_cli_run_args_free(&a);
}

Test(cli_runs, allocator_default_target_and_opset)
{
	const struct mmt_adapter *ad = NULL;
	const char *options = NULL;

	cr_assert_eq(unsetenv("MMT_ALLOCATOR"), 0);
	cr_assert_str_eq(mmt_cli_default_allocator(), "ref-pages");
	cr_assert_eq(setenv("MMT_ALLOCATOR", "", 1), 0);
	cr_assert_str_eq(mmt_cli_default_allocator(), "ref-pages");
	cr_assert_eq(setenv("MMT_ALLOCATOR", "glibc", 1), 0);
	cr_assert_str_eq(mmt_cli_default_allocator(), "glibc");
	cr_assert_eq(unsetenv("MMT_ALLOCATOR"), 0);

	cr_assert_eq(mmt_cli_select("t", "--allocator", "ref-pages", &ad,
				    &options),
		     MMT_EXIT_OK);
	cr_assert_not_null(ad);
	cr_assert_eq(mmt_cli_select("t", "--allocator", "no-such", &ad,
				    &options),
		     MMT_EXIT_USAGE);
	/* created once: options create() refuses are refused here */
	cr_assert_eq(mmt_cli_select("t", "--allocator", "ref-pages:bogus", &ad,
				    &options),
		     MMT_EXIT_USAGE);
	cr_assert_null(ad);
	cr_assert_eq(mmt_cli_select("t", "--allocator", "glibc:x", &ad,
				    &options),
		     MMT_EXIT_USAGE);
	cr_assert_eq(mmt_cli_select("t", "--allocator", "ref-pages:cpus=2", &ad,
				    &options),
		     MMT_EXIT_OK);
	cr_assert_str_eq(options, "cpus=2");

	cr_assert_eq(mmt_cli_check_target("t", "fuzz_pages"), MMT_EXIT_OK);
	cr_assert_eq(mmt_cli_check_target("t", "fuzz_nosuch"), MMT_EXIT_USAGE);
}

Test(cli_runs, refusals_and_single_operand)
{
	const char *file = NULL;

	cr_assert_eq(mmt_cli_refused("t", "f", MMT_EXIT_ENV, "", "dflt"),
		     MMT_EXIT_ENV);
	cr_assert_eq(mmt_cli_refused("t", "f", MMT_EXIT_USAGE, "why", "d"),
		     MMT_EXIT_USAGE);
	cr_assert_eq(mmt_cli_refused("t", "f", -7, "", "d"), MMT_EXIT_USAGE);
	cr_assert_eq(mmt_cli_single_operand("t", &file, "a"), MMT_EXIT_OK);
	cr_assert_str_eq(file, "a");
	cr_assert_eq(mmt_cli_single_operand("t", &file, "b"), MMT_EXIT_USAGE);
	cr_assert_str_eq(file, "a", "the first operand is kept");
}

Test(cli_runs, cmdline_quotes_and_guards_a_dash_file)
{
	struct mmt_cli_cmdline c;
	const char *saved = mmt_cli_progname;

	mmt_cli_progname = "bin/mmtorture";
	mmt_cli_cmdline_init(&c, "replay");
	mmt_cli_cmdline_add(&c, "--allocator");
	mmt_cli_cmdline_add(&c, "a b.so");
	mmt_cli_cmdline_add_form(&c, MMT_FORM_AUTO);
	mmt_cli_cmdline_add_form(&c, MMT_FORM_BINARY);
	mmt_cli_cmdline_add_file(&c, "-x.bin");
	cr_assert_str_eq(c.buf, "bin/mmtorture replay --allocator 'a b.so' "
				"--binary -- -x.bin");
	mmt_cli_cmdline_init(&c, "diff");
	mmt_cli_cmdline_add_form(&c, MMT_FORM_TEXT);
	mmt_cli_cmdline_add_file(&c, "f.txt");
	cr_assert_str_eq(c.buf, "bin/mmtorture diff --text f.txt");
	cr_assert_eq(c.pos, strlen(c.buf));
	mmt_cli_progname = saved;
}

static void fill_report(struct mmt_report *r, unsigned long total,
			unsigned int nr, size_t first_op)
{
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->total = total;
	r->nr = nr;
	for (i = 0; i < nr && i < MMT_REPORT_MAX; i++) {
		struct mmt_violation *v = &r->v[i];

		v->op_index = i ? SIZE_MAX : first_op;
		snprintf(v->id, sizeof(v->id), "ID-%u", i);
		snprintf(v->layer, sizeof(v->layer), "shadow");
		snprintf(v->message, sizeof(v->message), "m%u", i);
	}
}

Test(cli_runs, report_lines, .init = cr_redirect_stdout)
{
	struct mmt_report *r = calloc(1, sizeof(*r));
	struct mmt_prog prog;

	cr_assert_not_null(r);
	memset(&prog, 0, sizeof(prog));
	fill_report(r, 3, 2, 5);
	/* prog has no op 5: the headline alone. */
	mmt_cli_print_headline("f", "FAIL", "violation", &prog, r, 9);
	mmt_cli_print_violations(r, "violation");
	fill_report(r, 1, 0, 0);
	mmt_cli_print_headline("g", "DIVERGED", "finding", &prog, r, 9);
	fflush(stdout);
	cr_assert_stdout_eq_str(
		"f: FAIL: 3 violations, first at op 5\n"
		"  violation 1: op 5: ID-0 [shadow] m0\n"
		"  violation 2: end of input: ID-1 [shadow] m1\n"
		"  ... and 1 more not kept\n"
		"g: DIVERGED: 1 finding, first at the end of input (after 9 "
		"ops)\n");
	free(r);
}

/* Operands as mmt_cli_parse_run leaves them: a malloc'd array. */
static void set_files(struct mmt_cli_run_args *a, const char *f1,
		      const char *f2)
{
	memset(a, 0, sizeof(*a));
	a->files = calloc(2, sizeof(*a->files));
	cr_assert_not_null(a->files);
	a->files[a->nr_files++] = f1;
	if (f2)
		a->files[a->nr_files++] = f2;
}

static void run_files_setup(void)
{
	make_tmpdir();
	cr_redirect_stdout();
}

Test(cli_runs, run_files_summary_and_exit, .init = run_files_setup,
     .fini = remove_tmpdir)
{
	struct mmt_cli_run_args a;
	struct walked w;
	char ok[160], bug[160], empty[160];

	snprintf(ok, sizeof(ok), "%s/a1", tmpdir);
	put_file(ok, "x", 1);
	snprintf(bug, sizeof(bug), "%s/b2", tmpdir);
	put_file(bug, "x", 1);
	snprintf(empty, sizeof(empty), "%s/empty", tmpdir);
	cr_assert_eq(mkdir(empty, 0755), 0);

	memset(&w, 0, sizeof(w));
	set_files(&a, ok, NULL);
	cr_assert_eq(mmt_cli_run_files("t", &a, record_path, &w, "test", "ok",
				       "failed"),
		     MMT_EXIT_OK, "one file: no summary line");
	cr_assert_null(a.files);
	set_files(&a, ok, bug);
	cr_assert_eq(mmt_cli_run_files("t", &a, record_path, &w, "test",
				       "agree", "diverged"),
		     MMT_EXIT_BUG);
	set_files(&a, empty, NULL);
	cr_assert_eq(mmt_cli_run_files("t", &a, record_path, &w, "test", "ok",
				       "failed"),
		     MMT_EXIT_USAGE, "directories that hold no file");
	cr_assert_eq(w.n, 3);
	fflush(stdout);
	cr_assert_stdout_eq_str(
		"t: 1 agree, 1 diverged, 0 bad input, 0 environment\n");
}

Test(cli_runs, parse_run_keeps_target)
{
	static const struct mmt_cli_opt opts[] = {
		{ "target", 0, 1, T_OWN },
		{ NULL, 0, 0, 0 },
	};
	char *argv[] = { "cmd", "--target", "fuzz_pages", "f", NULL };
	struct mmt_cli_run_args a;
	const char *own = NULL;

	cr_assert_eq(mmt_cli_parse_run("t", 4, argv, opts, count_usage,
				       take_own, &own, &a),
		     -1);
	cr_assert_str_eq(a.target, "fuzz_pages");
	cr_assert_str_eq(own, "fuzz_pages", "the command still gets it");
	mmt_cli_run_args_free(&a);
	argv[1] = "f";
	cr_assert_eq(mmt_cli_parse_run("t", 2, argv, run_opts, count_usage,
				       take_own, &own, &a),
		     -1);
	cr_assert_null(a.target);
	mmt_cli_run_args_free(&a);
}

/* Counts the files run; every one is ok. */
static int count_run(void *ctx, const char *path)
{
	(void)path;
	(*(int *)ctx)++;
	return MMT_EXIT_OK;
}

Test(cli_runs, directory_programs_the_allocators_cannot_run_are_skipped,
     .init = run_files_setup, .fini = remove_tmpdir)
{
	static const char objects_txt[] = "opset objects\nmalloc s0 size=8\n";
	static const char pages_txt[] = "alloc_page s0 gfp=GFP_KERNEL\n";
	const struct mmt_adapter *glibc;
	struct mmt_cli_run_args a;
	char path[192], obj[192], out[4096];
	const char *opts;
	int ran = 0;

	cr_assert_eq(mmt_adapter_select("glibc", &glibc, &opts, out,
					sizeof(out)),
		     0, "%s", out);
	snprintf(obj, sizeof(obj), "%s/o.txt", tmpdir);
	put_file(obj, objects_txt, strlen(objects_txt));
	snprintf(path, sizeof(path), "%s/o.bin", tmpdir);
	put_file(path, "\x01", 1); /* byte 0: op set objects */
	snprintf(path, sizeof(path), "%s/p.txt", tmpdir);
	put_file(path, pages_txt, strlen(pages_txt));
	snprintf(path, sizeof(path), "%s/q.bin", tmpdir);
	put_file(path, "\x01\x02", 2); /* objects too, no text beside it */
	snprintf(path, sizeof(path), "%s/bad.txt", tmpdir);
	put_file(path, "frobnicate\n", 11); /* runs: the run says why */

	/* one PAGES allocator, taken from spec: the objects ones skipped */
	set_files(&a, tmpdir, NULL);
	a.spec = "ref-pages";
	cr_assert_eq(mmt_cli_run_files("t", &a, count_run, &ran, "test", "ok",
				       "failed"),
		     MMT_EXIT_OK);
	cr_assert_eq(ran, 2, "bad.txt, p.txt");
	/* a file named is never skipped */
	set_files(&a, obj, NULL);
	a.spec = "ref-pages";
	cr_assert_eq(mmt_cli_run_files("t", &a, count_run, &ran, "test", "ok",
				       "failed"),
		     MMT_EXIT_OK);
	cr_assert_eq(ran, 3);
	/* a pair: glibc lacks PAGES, so the pages ones are skipped too */
	set_files(&a, tmpdir, NULL);
	a.ad[0] = &mmt_adapter_ref_pages;
	a.ad[1] = glibc;
	cr_assert_eq(mmt_cli_run_files("t", &a, count_run, &ran, "test",
				       "agree", "diverged"),
		     MMT_EXIT_OK);
	cr_assert_eq(ran, 4, "bad.txt only");
	/* an objects pair runs q.bin too */
	set_files(&a, tmpdir, NULL);
	a.ad[0] = glibc;
	a.ad[1] = glibc;
	cr_assert_eq(mmt_cli_run_files("t", &a, count_run, &ran, "test",
				       "agree", "diverged"),
		     MMT_EXIT_OK);
	cr_assert_eq(ran, 8, "bad.txt, o.bin, o.txt, q.bin");
	fflush(stdout);
	snprintf(out, sizeof(out),
		 "%s/o.bin: skipped: needs OBJECTS ('ref-pages' lacks it)\n"
		 "%s/o.txt: skipped: needs OBJECTS ('ref-pages' lacks it)\n"
		 "%s/q.bin: skipped: needs OBJECTS ('ref-pages' lacks it)\n"
		 "t: 2 ok, 0 failed, 0 bad input, 0 environment; 2 ran, 3 "
		 "skipped (needs OBJECTS)\n"
		 "%s/o.bin: skipped: needs OBJECTS ('ref-pages' lacks it)\n"
		 "%s/o.txt: skipped: needs OBJECTS ('ref-pages' lacks it)\n"
		 "%s/p.txt: skipped: needs PAGES ('glibc' lacks it)\n"
		 "%s/q.bin: skipped: needs OBJECTS ('ref-pages' lacks it)\n"
		 "t: 1 agree, 0 diverged, 0 bad input, 0 environment; 1 ran, "
		 "4 skipped (1 needs PAGES, 3 need OBJECTS)\n"
		 "%s/p.txt: skipped: needs PAGES ('glibc' lacks it)\n"
		 "t: 4 agree, 0 diverged, 0 bad input, 0 environment; 4 ran, "
		 "1 skipped (needs PAGES)\n",
		 tmpdir, tmpdir, tmpdir, tmpdir, tmpdir, tmpdir, tmpdir,
		 tmpdir);
	cr_assert_stdout_eq_str(out);
}

Test(cli_runs, nothing_ran_when_every_file_was_skipped, .init = make_tmpdir,
     .fini = remove_tmpdir)
{
	static const char objects_txt[] = "opset objects\nmalloc s0 size=8\n";
	struct mmt_cli_run_args a;
	char path[192];
	int ran = 0;

	snprintf(path, sizeof(path), "%s/o.txt", tmpdir);
	put_file(path, objects_txt, strlen(objects_txt));
	set_files(&a, tmpdir, NULL);
	a.ad[0] = &mmt_adapter_ref_pages;
	cr_assert_eq(mmt_cli_run_files("t", &a, count_run, &ran, "test", "ok",
				       "failed"),
		     MMT_EXIT_USAGE, "nothing was tested");
	cr_assert_eq(ran, 0);
}

Test(cli_runs, state_titled_by_what_it_shows, .init = cr_redirect_stdout)
{
	static const char objs[] = "live objects 1, 8 bytes asked\n"
				   "s0 0x1000 size 8 usable 8 align 4096";
	static const char buddy[] = "Node 0, zone      DMA      1\n";

	mmt_cli_print_state("state of A glibc", MMT_OPSET_OBJECTS, objs,
			    sizeof(objs));
	mmt_cli_print_state("state of B ref-pages", MMT_OPSET_PAGES, buddy,
			    sizeof(buddy));
	mmt_cli_print_state("state of B none", MMT_OPSET_PAGES, "", 1);
	mmt_cli_print_state("cut", MMT_OPSET_PAGES, buddy, 4);
	fflush(stdout);
	cr_assert_stdout_eq_str("state of A glibc (live objects):\n"
				"live objects 1, 8 bytes asked\n"
				"s0 0x1000 size 8 usable 8 align 4096\n"
				"state of B ref-pages (buddyinfo):\n"
				"Node 0, zone      DMA      1\n"
				"cut (buddyinfo):\nNode\n");
}
