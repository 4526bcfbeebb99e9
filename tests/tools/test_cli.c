/* SPDX-License-Identifier: MIT */
/*
 * tests/tools/test_cli.c - unit tests of the CLI helpers in tools/cli.c.
 *
 * tools/ builds into the mmtorture executable only, so this test compiles
 * tools/cli.c into itself (it depends on the harness alone). Covered: the
 * option parser (every accepted spelling and every error), strict number
 * parsing, bounded whole-file reads, atomic writes (nothing left behind on
 * failure), target inference from paths, the target table against the
 * harness, shell quoting and capability words.
 */
#include <criterion/criterion.h>

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

Test(cli_targets, inferred_from_directories)
{
	char buf[64];
	const char *t;

	t = mmt_cli_target_from_path("crashes/new/fuzz_pages/crash-1", buf,
				     sizeof(buf));
	cr_assert_not_null(t);
	cr_assert_str_eq(t, "fuzz_pages");
	t = mmt_cli_target_from_path("/abs/corpus/fuzz_pages/sub/x", buf,
				     sizeof(buf));
	cr_assert_not_null(t);
	cr_assert_str_eq(t, "fuzz_pages");
	cr_assert_null(mmt_cli_target_from_path("fuzz_pages", buf, sizeof(buf)),
		       "a file name is not a directory");
	cr_assert_null(mmt_cli_target_from_path("a/b/c", buf, sizeof(buf)));
	cr_assert_null(
		mmt_cli_target_from_path("fuzz_nosuch/x", buf, sizeof(buf)));
	cr_assert_null(mmt_cli_target_from_path("/x", buf, sizeof(buf)));
	cr_assert_null(mmt_cli_target_from_path("", buf, sizeof(buf)));
	cr_assert_null(mmt_cli_target_from_path("fuzz_pages/x", buf, 4),
		       "a name that does not fit is not matched");
}

Test(cli_targets, table_agrees_with_the_harness)
{
	const struct mmt_cli_target *t;
	unsigned int kinds[MMT_NR_OP_KINDS];
	size_t n, i;
	int nr = 0;

	for (t = mmt_cli_targets; t->name; t++, nr++) {
		cr_assert_eq(mmt_opset_for_target(t->name), (int)t->opset, "%s",
			     t->name);
		cr_assert_eq(mmt_cli_find_target(t->name), t);
		cr_assert_not_null(t->what);
	}
	cr_assert_geq(nr, 1);
	cr_assert_null(mmt_cli_find_target("fuzz_nosuch"));
	n = mmt_cli_opset_kinds(MMT_OPSET_PAGES, kinds, MMT_NR_OP_KINDS);
	cr_assert_eq(n, 9);
	cr_assert_eq(kinds[0], MMT_OP_ALLOC_PAGES);
	cr_assert_eq(kinds[n - 1], MMT_OP_CHECK);
	for (i = 0; i < n; i++)
		cr_assert_not_null(mmt_op_name(kinds[i]));
	cr_assert_str_eq(mmt_cli_opset_name(MMT_OPSET_PAGES), "pages");
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
