/* SPDX-License-Identifier: MIT */
/*
 * fuzz/driver.c - a standalone main() for fuzz targets built without
 * libFuzzer (dev, tsan, release and afl presets).
 *
 * Usage, a subset of libFuzzer's:
 *   fuzz_X [-seconds=N] [-runs=N] [-seed=S] [-max_len=N]
 *          [-max_crashes=N] [-artifact_prefix=DIR/] [FILE|DIR]...
 *
 * (-max_total_time is an alias of -seconds; -print_final_stats is
 * accepted and ignored; other -name=value flags are ignored with a note.)
 *
 * Modes:
 *   replay  - only files or directories given: run each file once (the
 *             files of a directory in name order). Exit 0 when all pass,
 *             1 when any found a bug, 2 when one cannot be read.
 *   fuzz    - -seconds (or -max_total_time) or -runs given: run the given
 *             files once, then generate inputs until the budget is spent.
 *             Stops after -max_crashes crashes (default 1, as libFuzzer
 *             stops at its first). Prints "fuzz_X: runs=N exec/s=M
 *             crashes=K" at the end and exits 1 when a crash was found.
 *   stdin   - no argument: run one input read from standard input; under
 *             AFL++ (built by afl-clang-fast) this is a persistent loop.
 *
 * Generation is deterministic for a seed: a splitmix64 stream chooses, for
 * each input, either fresh random bytes of a log-distributed length (byte
 * 0 an op set the target runs) or a
 * mutation of a corpus file (bit flips, byte sets, inserts, deletes,
 * chunk copies, splices with a second file, truncations). There is no
 * coverage feedback; this driver is for smoke runs and replays, the fuzz
 * preset's libFuzzer is for finding bugs.
 *
 * Crashes: the target calls mmt_fuzz_on_bug() (fuzz/fuzz.h) before it
 * aborts. Here that writes the input to <artifact_prefix>crash-<FNV-1a 64
 * in 16 hex digits> (default crashes/new/<target>/) and asks the target to
 * return, so a run counts every crash. Sanitizer deaths (ASan death
 * callback) and SIGABRT (a failed assertion) write the current input the
 * same way before the process dies. The crash note of mmtorture/crash.h
 * is installed in front of those handlers: a crash inside the allocator
 * first prints the ops that ran and the one that was running, then the
 * driver's handler saves the input. Each saved artifact is followed by a
 * "reproduce:" line: mmtorture, the target's mmt_fuzz_reproduce_args()
 * ("replay --allocator A", "diff --allocator A
 * --against B"; "replay" for a target that defines none), the file.
 *
 * State: single threaded; the current input is kept in file-scope
 * variables only so that the death paths can save it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DRIVER_HAVE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(DRIVER_HAVE_ASAN)
#define DRIVER_HAVE_ASAN 1
#endif
#ifdef DRIVER_HAVE_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT();
#endif

#pragma weak LLVMFuzzerInitialize

#define DRIVER_MAX_LEN_DEFAULT 4096u
#define DRIVER_MAX_FILE (64u << 20) /* bytes read from one file at most */

enum driver_mode { MODE_REPLAY, MODE_FUZZ, MODE_STDIN };

struct corpus_file {
	char *path;
	uint8_t *data;
	size_t len;
};

/* The run in progress, as the bug hook and the death paths see it. */
static enum driver_mode drv_mode;
static const char *drv_target = "fuzz";
static char drv_prefix[1024];
static char drv_bindir[1024];
static const uint8_t *drv_cur_data;
static size_t drv_cur_len;
static const char *drv_cur_path; /* replay: the file being run */
static unsigned long drv_bugs; /* bug hook calls */
static unsigned long drv_crashes_written;

/* Uniform in [0, n), n > 0 (the slight modulo bias does not matter). */
static size_t rnd_below(uint64_t *st, size_t n)
{
	return (size_t)mmt_splitmix64_below(st, n);
}

static uint64_t fnv1a64(const uint8_t *data, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= data[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* mkdir -p of the directory part of a prefix such as "a/b/c/" or "a/x-". */
static void make_prefix_dirs(const char *prefix)
{
	char path[1024];
	size_t i, n = strlen(prefix);

	if (n >= sizeof(path))
		return;
	memcpy(path, prefix, n + 1);
	for (i = 1; i < n; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			return;
		path[i] = '/';
	}
}

/*
 * Build "<prefix>crash-<16 hex>" into buf without stdio, so the SIGABRT
 * handler may use it too. Returns 0, or -1 when buf is too small.
 */
static int artifact_path(const uint8_t *data, size_t len, char *buf,
			 size_t buflen)
{
	static const char hex[] = "0123456789abcdef";
	static const char word[] = "crash-";
	size_t plen = strlen(drv_prefix), i;
	uint64_t h = fnv1a64(data, len);

	if (plen + sizeof(word) - 1 + 16 + 1 > buflen)
		return -1;
	memcpy(buf, drv_prefix, plen);
	memcpy(buf + plen, word, sizeof(word) - 1);
	plen += sizeof(word) - 1;
	for (i = 0; i < 16; i++)
		buf[plen + i] = hex[(h >> (60 - 4 * i)) & 0xf];
	buf[plen + 16] = '\0';
	return 0;
}

/* Write data to path with plain syscalls. 0 or -1. */
static int write_file_raw(const char *path, const uint8_t *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)w;
	}
	return close(fd);
}

static void save_artifact(const uint8_t *data, size_t len)
{
	char path[1200];
	const char *args;

	if (artifact_path(data, len, path, sizeof(path)) != 0) {
		fprintf(stderr, "%s: artifact prefix too long\n", drv_target);
		return;
	}
	make_prefix_dirs(drv_prefix);
	if (write_file_raw(path, data, len) != 0) {
		fprintf(stderr, "%s: cannot write %s: %s\n", drv_target, path,
			strerror(errno));
		return;
	}
	drv_crashes_written++;
	fprintf(stderr, "%s: artifact written to %s (%zu bytes)\n", drv_target,
		path, len);
	args = mmt_fuzz_reproduce_args ? mmt_fuzz_reproduce_args() : NULL;
	fprintf(stderr, "%s: reproduce: %smmtorture %s %s\n", drv_target,
		drv_bindir, args ? args : "replay", path);
}

int mmt_fuzz_on_bug(const uint8_t *data, size_t size)
{
	drv_bugs++;
	switch (drv_mode) {
	case MODE_REPLAY:
		fprintf(stderr, "%s: bug while replaying %s\n", drv_target,
			drv_cur_path ? drv_cur_path : "(input)");
		return 1;
	case MODE_FUZZ:
		save_artifact(data, size);
		return 1;
	case MODE_STDIN:
		break;
	}
	return 0; /* stdin / AFL++: let the target abort */
}

/* A death the target could not report itself: save what was running. */
static void save_current_on_death(void)
{
	char path[1200];
	static const char msg[] = "driver: input saved to ";

	if (drv_mode != MODE_FUZZ || !drv_cur_data)
		return;
	if (artifact_path(drv_cur_data, drv_cur_len, path, sizeof(path)) != 0)
		return;
	make_prefix_dirs(drv_prefix);
	if (write_file_raw(path, drv_cur_data, drv_cur_len) != 0)
		return;
	if (write(2, msg, sizeof(msg) - 1) < 0 ||
	    write(2, path, strlen(path)) < 0 || write(2, "\n", 1) < 0)
		return;
}

static void on_sigabrt(int sig)
{
	save_current_on_death();
	if (drv_mode == MODE_REPLAY && drv_cur_path) {
		static const char msg[] = "driver: died while replaying ";

		if (write(2, msg, sizeof(msg) - 1) < 0 ||
		    write(2, drv_cur_path, strlen(drv_cur_path)) < 0 ||
		    write(2, "\n", 1) < 0) {
			/* nothing more to do */
		}
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

#ifdef DRIVER_HAVE_ASAN
static void on_sanitizer_death(void)
{
	save_current_on_death();
}
#endif

static void run_one(const uint8_t *data, size_t len)
{
	drv_cur_data = data;
	drv_cur_len = len;
	LLVMFuzzerTestOneInput(data, len);
	drv_cur_data = NULL;
	drv_cur_len = 0;
}

/* A whole file (at most DRIVER_MAX_FILE bytes). 0, or -1 with errno. */
static int read_file(const char *path, uint8_t **out, size_t *len)
{
	return mmt_file_read(path, DRIVER_MAX_FILE, out, len);
}

struct path_list {
	char **v;
	size_t n, cap;
};

static int path_list_add(struct path_list *l, const char *path)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		char **nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv)
			return -1;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n] = strdup(path);
	if (!l->v[l->n])
		return -1;
	l->n++;
	return 0;
}

static void path_list_free(struct path_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* Add the regular files of directory dir (not recursively) in name
 * order. 0, or -1 after a message. */
static int expand_dir(const char *dir, struct path_list *out)
{
	char **names;
	int n = mmt_dir_list(dir, &names), rc = 0;

	if (n < 0) {
		fprintf(stderr, "%s: %s: %s\n", drv_target, dir,
			strerror(errno));
		return -1;
	}
	for (int k = 0; k < n && rc == 0; k++) {
		char p[4096];
		struct stat fst;

		snprintf(p, sizeof(p), "%s/%s", dir, names[k]);
		if (stat(p, &fst) == 0 && S_ISREG(fst.st_mode))
			rc = path_list_add(out, p);
	}
	mmt_dir_list_free(names, n);
	return rc;
}

/*
 * Expand the arguments into regular files: a directory gives its regular
 * files (not recursively) in name order. Returns 0, or 2 after a message
 * when an argument cannot be read.
 */
static int expand_args(char **args, int nargs, struct path_list *out)
{
	int i;

	for (i = 0; i < nargs; i++) {
		struct stat st;

		if (stat(args[i], &st) != 0) {
			fprintf(stderr, "%s: %s: %s\n", drv_target, args[i],
				strerror(errno));
			return 2;
		}
		if (S_ISDIR(st.st_mode)) {
			if (expand_dir(args[i], out) != 0)
				return 2;
		} else if (path_list_add(out, args[i]) != 0) {
			return 2;
		}
	}
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s [-seconds=N] [-runs=N] [-seed=S] [-max_len=N]\n"
		"       %*s [-max_crashes=N] [-artifact_prefix=DIR/] "
		"[FILE|DIR]...\n"
		"  files only: replay each once (exit 0 if all pass)\n"
		"  -seconds/-runs: fuzz with random and mutated inputs\n"
		"  no argument: run one input from stdin (AFL++ persistent)\n",
		drv_target, (int)strlen(drv_target), "");
}

/* Parse "-name=value" with an unsigned value. 1 matched, 0 not, -1 bad. */
static int flag_u64(const char *arg, const char *name, uint64_t *out)
{
	size_t n = strlen(name);
	char *end;

	if (strncmp(arg, name, n) != 0 || arg[n] != '=')
		return 0;
	errno = 0;
	*out = strtoull(arg + n + 1, &end, 0);
	if (errno || end == arg + n + 1 || *end || arg[n + 1] == '-')
		return -1;
	return 1;
}

/* One mutation step on buf (len bytes, room for cap). Returns new len. */
static size_t mutate_once(uint64_t *st, uint8_t *buf, size_t len, size_t cap,
			  const struct corpus_file *files, size_t nfiles)
{
	static const uint8_t interesting[] = { 0x00, 0x01, 0x02, 0x07, 0x08,
					       0x0f, 0x10, 0x7f, 0x80, 0xef,
					       0xf0, 0xf1, 0xfe, 0xff };
	size_t pos, n, k;

	switch (rnd_below(st, 8)) {
	case 0: /* flip one bit */
		if (!len)
			break;
		pos = rnd_below(st, len);
		buf[pos] ^= (uint8_t)(1u << rnd_below(st, 8));
		break;
	case 1: /* set a byte to a random or interesting value */
		if (!len)
			break;
		pos = rnd_below(st, len);
		if (rnd_below(st, 2))
			buf[pos] =
				interesting[rnd_below(st, sizeof(interesting))];
		else
			buf[pos] = (uint8_t)mmt_splitmix64(st);
		break;
	case 2: /* insert random bytes */
		n = 1 + rnd_below(st, 16);
		if (len + n > cap)
			break;
		pos = rnd_below(st, len + 1);
		memmove(buf + pos + n, buf + pos, len - pos);
		for (k = 0; k < n; k++)
			buf[pos + k] = (uint8_t)mmt_splitmix64(st);
		len += n;
		break;
	case 3: /* delete a range */
		if (!len)
			break;
		pos = rnd_below(st, len);
		n = 1 + rnd_below(st, len - pos < 32 ? len - pos : 32);
		memmove(buf + pos, buf + pos + n, len - pos - n);
		len -= n;
		break;
	case 4: /* copy a chunk elsewhere (repeats ops) */
		if (len < 2)
			break;
		pos = rnd_below(st, len);
		n = 1 + rnd_below(st, len - pos < 64 ? len - pos : 64);
		if (len + n > cap)
			break;
		k = rnd_below(st, len + 1);
		memmove(buf + k + n, buf + k, len - k);
		/* The source may have moved if it lay after the gap. */
		memmove(buf + k, buf + (pos >= k ? pos + n : pos), n);
		len += n;
		break;
	case 5: /* splice: keep a prefix, append the tail of another file */
		if (!nfiles)
			break;
		{
			const struct corpus_file *o =
				&files[rnd_below(st, nfiles)];
			size_t cut = rnd_below(st, len + 1);
			size_t from = rnd_below(st, o->len + 1);

			n = o->len - from;
			if (cut + n > cap)
				n = cap - cut;
			memcpy(buf + cut, o->data + from, n);
			len = cut + n;
		}
		break;
	case 6: /* truncate */
		if (len)
			len = rnd_below(st, len);
		break;
	default: /* overwrite a run with random bytes */
		if (!len)
			break;
		pos = rnd_below(st, len);
		n = 1 + rnd_below(st, len - pos < 8 ? len - pos : 8);
		for (k = 0; k < n; k++)
			buf[pos + k] = (uint8_t)mmt_splitmix64(st);
		break;
	}
	return len;
}

/*
 * Byte 0 of fresh bytes: an op set the target runs (a program names its
 * set there, and one of the 254 ids no set has would only be rejected).
 */
static uint8_t fresh_opset(uint64_t *st)
{
	const struct mmt_fuzz_target *t = mmt_fuzz_target(drv_target);
	unsigned int ids[MMT_NR_OPSETS], n = 0;

	for (unsigned int i = 0; t && i < MMT_NR_OPSETS; i++)
		if (t->sets & (1u << i))
			ids[n++] = i;
	return n ? (uint8_t)ids[rnd_below(st, n)] : 0;
}

/* Next input into buf (capacity cap). Returns its length. */
static size_t next_input(uint64_t *st, uint8_t *buf, size_t cap,
			 const struct corpus_file *files, size_t nfiles)
{
	size_t len, steps, i;

	if (nfiles && rnd_below(st, 4) != 0) {
		const struct corpus_file *f = &files[rnd_below(st, nfiles)];

		len = f->len < cap ? f->len : cap;
		memcpy(buf, f->data, len);
		steps = 1 + rnd_below(st, 6);
		for (i = 0; i < steps; i++)
			len = mutate_once(st, buf, len, cap, files, nfiles);
		return len;
	}
	/* Fresh bytes, length log-distributed so short inputs are common. */
	len = rnd_below(st, (size_t)1 << rnd_below(st, 13));
	if (len > cap)
		len = cap;
	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)mmt_splitmix64(st);
	if (len)
		buf[0] = fresh_opset(st);
	return len;
}

static int run_replay(const struct path_list *paths)
{
	size_t i, failed = 0, unreadable = 0;

	for (i = 0; i < paths->n; i++) {
		uint8_t *data = NULL;
		size_t len = 0;
		unsigned long before = drv_bugs;

		if (read_file(paths->v[i], &data, &len) != 0) {
			fprintf(stderr, "%s: %s: %s\n", drv_target, paths->v[i],
				strerror(errno));
			unreadable++;
			continue;
		}
		drv_cur_path = paths->v[i];
		run_one(data, len);
		drv_cur_path = NULL;
		free(data);
		if (drv_bugs != before)
			failed++;
	}
	fprintf(stderr, "%s: replayed %zu file(s): %zu passed, %zu failed\n",
		drv_target, paths->n - unreadable,
		paths->n - unreadable - failed, failed);
	if (unreadable)
		return 2;
	return failed ? 1 : 0;
}

static int run_fuzz(const struct path_list *paths, uint64_t seed,
		    double seconds, uint64_t runs, size_t max_len,
		    uint64_t max_crashes)
{
	struct corpus_file *files = NULL;
	size_t nfiles = 0, i;
	uint64_t st = seed, done = 0;
	uint8_t *buf;
	double t0 = now_seconds(), elapsed, next_status = 1.0;
	int rc = 0;

	if (paths->n) {
		files = calloc(paths->n, sizeof(*files));
		if (!files)
			return 3;
	}
	for (i = 0; i < paths->n; i++) {
		struct corpus_file *f = &files[nfiles];

		if (read_file(paths->v[i], &f->data, &f->len) != 0) {
			fprintf(stderr, "%s: %s: %s\n", drv_target, paths->v[i],
				strerror(errno));
			rc = 2;
			continue;
		}
		f->path = paths->v[i];
		if (f->len > max_len)
			max_len = f->len;
		nfiles++;
	}
	buf = malloc(max_len ? max_len : 1);
	if (!buf) {
		rc = 3;
		goto out;
	}
	fprintf(stderr, "%s: fuzzing: seed=%llu corpus=%zu file(s) max_len=%zu",
		drv_target, (unsigned long long)seed, nfiles, max_len);
	if (seconds > 0)
		fprintf(stderr, " seconds=%.0f", seconds);
	if (runs)
		fprintf(stderr, " runs=%llu", (unsigned long long)runs);
	fputc('\n', stderr);

	/* The corpus runs first, as libFuzzer does. */
	for (i = 0; i < nfiles && (!runs || done < runs) &&
		    (!max_crashes || drv_bugs < max_crashes);
	     i++, done++) {
		uint8_t *copy = malloc(files[i].len ? files[i].len : 1);

		if (!copy)
			break;
		memcpy(copy, files[i].data, files[i].len);
		run_one(copy, files[i].len);
		free(copy);
	}
	for (;;) {
		size_t len;

		if (runs && done >= runs)
			break;
		if (max_crashes && drv_bugs >= max_crashes)
			break; /* 0: no limit */
		if ((done & 63) == 0) {
			elapsed = now_seconds() - t0;
			if (seconds > 0 && elapsed >= seconds)
				break;
			if (elapsed >= next_status) {
				fprintf(stderr,
					"#%llu\tpulse  exec/s: %.0f  "
					"crashes: %lu\n",
					(unsigned long long)done,
					(double)done / elapsed, drv_bugs);
				next_status *= 2;
			}
		}
		len = next_input(&st, buf, max_len, files, nfiles);
		run_one(buf, len);
		done++;
	}
	elapsed = now_seconds() - t0;
	printf("%s: runs=%llu exec/s=%.0f crashes=%lu\n", drv_target,
	       (unsigned long long)done,
	       elapsed > 0 ? (double)done / elapsed : 0.0, drv_bugs);
	fflush(stdout);
	if (drv_bugs)
		rc = 1;
	free(buf);
out:
	for (i = 0; i < nfiles; i++)
		free(files[i].data);
	free(files);
	return rc;
}

static int run_stdin(void)
{
#ifdef __AFL_FUZZ_TESTCASE_LEN
	unsigned char *buf;

	__AFL_INIT();
	buf = __AFL_FUZZ_TESTCASE_BUF;
	while (__AFL_LOOP(10000)) {
		size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;

		run_one(buf, len);
	}
	return 0;
#else
	uint8_t *data = NULL;
	size_t len = 0;

	if (read_file("/dev/stdin", &data, &len) != 0) {
		fprintf(stderr, "%s: stdin: %s\n", drv_target, strerror(errno));
		return 2;
	}
	run_one(data, len);
	free(data);
	return drv_bugs ? 1 : 0;
#endif
}

int main(int argc, char **argv)
{
	struct path_list paths = { 0 };
	uint64_t seed = 1, runs = 0, secs = 0, max_len = DRIVER_MAX_LEN_DEFAULT;
	uint64_t ignored, max_crashes = 1;
	const char *prefix = NULL;
	char **files;
	int nfiles = 0, i, rc, fuzz = 0;
	const char *slash;

	if (argc > 0 && argv[0]) {
		slash = strrchr(argv[0], '/');
		drv_target = slash ? slash + 1 : argv[0];
		if (slash && (size_t)(slash - argv[0] + 1) < sizeof(drv_bindir))
			memcpy(drv_bindir, argv[0],
			       (size_t)(slash - argv[0] + 1));
	}
	files = calloc((size_t)(argc > 0 ? argc : 1), sizeof(*files));
	if (!files)
		return 3;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int m;

		if (strcmp(a, "-help=1") == 0 || strcmp(a, "--help") == 0 ||
		    strcmp(a, "-h") == 0) {
			usage(stdout);
			free(files);
			return 0;
		}
		if (a[0] != '-' || a[1] == '\0') {
			files[nfiles++] = argv[i];
			continue;
		}
		if ((m = flag_u64(a, "-seconds", &secs)) ||
		    (m = flag_u64(a, "-max_total_time", &secs))) {
			fuzz = 1;
		} else if ((m = flag_u64(a, "-runs", &runs))) {
			fuzz = 1;
		} else if ((m = flag_u64(a, "-seed", &seed))) {
		} else if ((m = flag_u64(a, "-max_len", &max_len))) {
		} else if ((m = flag_u64(a, "-max_crashes", &max_crashes))) {
		} else if ((m = flag_u64(a, "-print_final_stats", &ignored))) {
		} else if (strncmp(a, "-artifact_prefix=", 17) == 0) {
			prefix = a + 17;
			m = 1;
		} else if (a[1] != '-' && strchr(a, '=')) {
			fprintf(stderr, "%s: ignoring unsupported flag %s\n",
				drv_target, a);
			m = 1;
		} else {
			fprintf(stderr, "%s: unknown argument '%s'\n",
				drv_target, a);
			usage(stderr);
			free(files);
			return 2;
		}
		if (m < 0) {
			fprintf(stderr, "%s: bad number in '%s'\n", drv_target,
				a);
			free(files);
			return 2;
		}
	}
	if (max_len == 0 || max_len > DRIVER_MAX_FILE) {
		fprintf(stderr, "%s: -max_len must be 1..%u\n", drv_target,
			DRIVER_MAX_FILE);
		free(files);
		return 2;
	}
	if (prefix)
		snprintf(drv_prefix, sizeof(drv_prefix), "%s", prefix);
	else
		snprintf(drv_prefix, sizeof(drv_prefix), "crashes/new/%s/",
			 drv_target);

	signal(SIGABRT, on_sigabrt);
#ifdef DRIVER_HAVE_ASAN
	__sanitizer_set_death_callback(on_sanitizer_death);
#endif
	/* After ours, so the crash note runs first and hands on to them. */
	mmt_crash_install(NULL);
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);

	if (!fuzz && nfiles == 0) {
		drv_mode = MODE_STDIN;
		free(files);
		return run_stdin();
	}
	rc = expand_args(files, nfiles, &paths);
	free(files);
	if (rc != 0) {
		path_list_free(&paths);
		return rc;
	}
	if (fuzz) {
		drv_mode = MODE_FUZZ;
		rc = run_fuzz(&paths, seed, (double)secs, runs, (size_t)max_len,
			      max_crashes);
	} else {
		drv_mode = MODE_REPLAY;
		rc = run_replay(&paths);
	}
	path_list_free(&paths);
	return rc;
}
