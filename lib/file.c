/* SPDX-License-Identifier: MIT */
/*
 * file.c - whole-file reads and sorted directory listings (lib/mmt_lib.h).
 *
 * Inputs (programs, corpus files, crash files) are read whole: the decoder
 * needs the exact length and the fuzz targets copy into an exactly sized
 * buffer. The limit is checked on the size fstat() gives before anything
 * is read, and again while reading, for pipes and files that grow.
 * Listings are sorted by strcmp(), not the locale's collation, so every
 * run visits a directory in the same order.
 */
#include "mmt_lib.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Grow *buf so it has room for at least one byte past used and the NUL,
 * to at most limit + 2 bytes (one over the limit shows it exceeded). */
static int read_grow(uint8_t **buf, size_t *cap, size_t used, size_t want,
		     size_t limit)
{
	size_t ncap = *cap ? *cap * 2 : 4096;
	uint8_t *nb;

	if (ncap < want)
		ncap = want;
	if (limit < SIZE_MAX - 2 && ncap > limit + 2)
		ncap = limit + 2;
	if (ncap <= used + 1) {
		errno = EFBIG;
		return -1;
	}
	nb = realloc(*buf, ncap);
	if (!nb) {
		errno = ENOMEM;
		return -1;
	}
	*buf = nb;
	*cap = ncap;
	return 0;
}

static int read_fd(int fd, const struct stat *st, size_t limit, uint8_t **out,
		   size_t *len)
{
	size_t want = S_ISREG(st->st_mode) ? (size_t)st->st_size + 2 : 0;
	uint8_t *buf = NULL;
	size_t cap = 0, used = 0;

	for (;;) {
		ssize_t got;

		if (cap - used < 2 &&
		    read_grow(&buf, &cap, used, want, limit) != 0)
			goto fail;
		got = read(fd, buf + used, cap - used - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			goto fail;
		if (got == 0)
			break;
		used += (size_t)got;
		if (used > limit) {
			errno = EFBIG;
			goto fail;
		}
	}
	if (!buf && read_grow(&buf, &cap, 0, 1, SIZE_MAX) != 0)
		goto fail;
	buf[used] = '\0';
	*out = buf;
	*len = used;
	return 0;
fail:
	free(buf);
	return -1;
}

int mmt_file_read(const char *path, size_t limit, uint8_t **data, size_t *len)
{
	struct stat st;
	int fd, rc = -1, saved;

	*data = NULL;
	*len = 0;
	fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) :
				      open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0)
		goto out;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto out;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > limit) {
		errno = EFBIG;
		goto out;
	}
	rc = read_fd(fd, &st, limit, data, len);
out:
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append a copy of name to *v (n used, *cap allocated). */
static int list_add(char ***v, int n, int *cap, const char *name)
{
	if (n == *cap) {
		int ncap = *cap ? *cap * 2 : 16;
		char **nv = realloc(*v, (size_t)ncap * sizeof(*nv));

		if (!nv)
			return -1;
		*v = nv;
		*cap = ncap;
	}
	(*v)[n] = strdup(name);
	return (*v)[n] ? 0 : -1;
}

int mmt_dir_list(const char *path, char ***names)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **v = NULL;
	int n = 0, cap = 0;

	*names = NULL;
	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == INT32_MAX || list_add(&v, n, &cap, de->d_name) != 0) {
			closedir(d);
			mmt_dir_list_free(v, n);
			errno = ENOMEM;
			return -1;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, (size_t)n, sizeof(*v), cmp_name);
	*names = v;
	return n;
}

void mmt_dir_list_free(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
