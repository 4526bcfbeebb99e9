/* SPDX-License-Identifier: MIT */
/*
 * test_file.c - lib/file.c: a whole read gives the bytes and a NUL after
 * them, the limit holds for files and pipes at the exact edge, a
 * directory and a missing file are refused with their errno; a listing
 * skips dot names and is in byte order.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leakcheck.h"
#include "mmt_lib.h"

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/mmt_lib_test.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void put_file(const char *name, size_t n)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	cr_assert_not_null(f);
	for (size_t i = 0; i < n; i++)
		fputc((int)(i * 7 % 251), f);
	fclose(f);
}

static void remove_dir(void)
{
	char **names, path[128];
	int n = mmt_dir_list(dir, &names);

	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (rmdir(path) != 0)
			unlink(path);
	}
	mmt_dir_list_free(names, n);
	snprintf(path, sizeof(path), "%s/.hidden", dir);
	unlink(path);
	rmdir(dir);
}

static int read_in(const char *name, size_t limit, uint8_t **d, size_t *n)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return mmt_file_read(path, limit, d, n);
}

Test(file, reads_whole_with_a_nul_after, .init = make_dir, .fini = remove_dir)
{
	uint8_t *d;
	size_t n;

	put_file("big", 100000);
	cr_assert_eq(read_in("big", 100000, &d, &n), 0);
	cr_assert_eq(n, 100000);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(d[i], (uint8_t)(i * 7 % 251), "byte %zu", i);
	cr_assert_eq(d[n], 0);
	free(d);
	put_file("empty", 0);
	cr_assert_eq(read_in("empty", 10, &d, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(d[0], 0);
	free(d);
	mmt_leakcheck();
}

Test(file, limit_holds_at_the_edge, .init = make_dir, .fini = remove_dir)
{
	uint8_t *d = (uint8_t *)1;
	size_t n = 1;

	put_file("f", 4097);
	errno = 0;
	cr_assert_eq(read_in("f", 4096, &d, &n), -1);
	cr_assert_eq(errno, EFBIG);
	cr_assert_null(d);
	cr_assert_eq(n, 0);
	cr_assert_eq(read_in("f", 4097, &d, &n), 0);
	cr_assert_eq(n, 4097);
	free(d);
	mmt_leakcheck();
}

MMT_TEST(file, limit_holds_for_a_pipe)
{
	int fds[2], saved = dup(STDIN_FILENO);
	static uint8_t block[9000];
	uint8_t *d;
	size_t n;

	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(write(fds[1], block, sizeof(block)),
		     (ssize_t)sizeof(block));
	close(fds[1]);
	dup2(fds[0], STDIN_FILENO);
	close(fds[0]);
	errno = 0;
	cr_assert_eq(mmt_file_read("-", 8999, &d, &n), -1);
	cr_assert_eq(errno, EFBIG);
	dup2(saved, STDIN_FILENO);
	close(saved);

	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(write(fds[1], block, sizeof(block)),
		     (ssize_t)sizeof(block));
	close(fds[1]);
	saved = dup(STDIN_FILENO);
	dup2(fds[0], STDIN_FILENO);
	close(fds[0]);
	cr_assert_eq(mmt_file_read("-", 9000, &d, &n), 0);
	cr_assert_eq(n, 9000);
	free(d);
	dup2(saved, STDIN_FILENO);
	close(saved);
}

Test(file, directories_and_missing_files_are_refused, .init = make_dir,
     .fini = remove_dir)
{
	uint8_t *d;
	size_t n;

	errno = 0;
	cr_assert_eq(mmt_file_read(dir, 100, &d, &n), -1);
	cr_assert_eq(errno, EISDIR);
	errno = 0;
	cr_assert_eq(read_in("missing", 100, &d, &n), -1);
	cr_assert_eq(errno, ENOENT);
	mmt_leakcheck();
}

Test(file, listing_skips_dot_names_in_byte_order, .init = make_dir,
     .fini = remove_dir)
{
	static const char *const want[] = { "A", "B10",	  "B9",
					    "a", "b.bin", "sub" };
	char **names, path[128];
	int n;

	put_file("b.bin", 1);
	put_file("B9", 1);
	put_file("a", 1);
	put_file("B10", 1);
	put_file(".hidden", 1);
	put_file("A", 1);
	snprintf(path, sizeof(path), "%s/sub", dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	n = mmt_dir_list(dir, &names);
	cr_assert_eq(n, 6);
	for (int i = 0; i < n; i++)
		cr_assert_str_eq(names[i], want[i], "entry %d", i);
	mmt_dir_list_free(names, n);
	errno = 0;
	cr_assert_eq(mmt_dir_list("/nonexistent/mmt", &names), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert_null(names);
	mmt_leakcheck();
}
