/* SPDX-License-Identifier: MIT */
/*
 * The harness side's shared helpers: one leaf under harness/, stress/,
 * tools/, fuzz/ and adapters/, which may all use it and of which it uses
 * nothing (it includes only the C library). ref/ keeps its own copies: it
 * knows nothing of the harness.
 *
 * - string buffers: a bounded one over a caller's array and a growing one;
 * - splitmix64: the seeded PRNG and its output function;
 * - shell quoting: one safe set for every command line we print;
 * - whole-file read with a size limit, and a sorted directory listing;
 * - numbers and sizes as the op format and the machine spec spell them;
 * - the environment knobs read by more than one part (MMT_REUSE).
 */
#ifndef MMT_LIB_H
#define MMT_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ sbuf */

/*
 * Append to a caller's buffer of len bytes. What fits is written and kept
 * NUL terminated (when len > 0); pos counts every byte appended, so
 * pos >= len after the fact says the text was cut (snprintf's contract).
 */
struct mmt_sbuf {
	char *buf;
	size_t len; /* bytes of buf */
	size_t pos; /* bytes appended, fitted or not */
};

/* An empty buffer over buf (which may be NULL when len is 0). */
void mmt_sbuf_init(struct mmt_sbuf *b, char *buf, size_t len);
void mmt_sbuf_putn(struct mmt_sbuf *b, const char *s, size_t n);
void mmt_sbuf_puts(struct mmt_sbuf *b, const char *s);
void mmt_sbuf_putc(struct mmt_sbuf *b, char c);
void mmt_sbuf_printf(struct mmt_sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mmt_sbuf_vprintf(struct mmt_sbuf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* ------------------------------------------------------------ dstr */

/*
 * A growing NUL-terminated string on the heap. An allocation failure sets
 * oom and makes every later append a no-op; mmt_dstr_take() then returns
 * NULL. Start from MMT_DSTR_INIT.
 */
struct mmt_dstr {
	char *s; /* NULL until the first append */
	size_t len, cap; /* bytes used (without the NUL), allocated */
	int oom;
};

#define MMT_DSTR_INIT         \
	{                     \
		NULL, 0, 0, 0 \
	}

void mmt_dstr_putn(struct mmt_dstr *d, const char *s, size_t n);
void mmt_dstr_puts(struct mmt_dstr *d, const char *s);
void mmt_dstr_printf(struct mmt_dstr *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The string (the caller frees it; "" when nothing was appended), or NULL
 * after an allocation failure. Leaves d empty either way. */
char *mmt_dstr_take(struct mmt_dstr *d);
void mmt_dstr_free(struct mmt_dstr *d);

/* ------------------------------------------------------------ splitmix64 */

/* splitmix64's increment: the golden ratio as a 64-bit fraction. */
#define MMT_SPLITMIX_GAMMA 0x9e3779b97f4a7c15ULL

/*
 * splitmix64's output for state x: a bijection of the 64-bit words whose
 * every output bit depends on every input bit, used as a hash and for
 * fill patterns and digests.
 */
static inline uint64_t mmt_mix64(uint64_t x)
{
	x += MMT_SPLITMIX_GAMMA;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The next number of the splitmix64 stream at *state (any seed). */
static inline uint64_t mmt_splitmix64(uint64_t *state)
{
	uint64_t x = *state;

	*state = x + MMT_SPLITMIX_GAMMA;
	return mmt_mix64(x);
}

/* Uniform in [0, n) for n > 0, up to a modulo bias of n / 2^64. */
static inline uint64_t mmt_splitmix64_below(uint64_t *state, uint64_t n)
{
	return mmt_splitmix64(state) % n;
}

/* ------------------------------------------------------------ shell */

/*
 * Append arg as one word of a POSIX shell command line: as it is when it
 * is not empty and every byte is in [A-Za-z0-9_./:=,@+-], else in single
 * quotes with each ' written '\''. Nothing the shell expands or splits
 * (space, $, `, \, ", *, ?, [, ~, #, !, %, ;, &, |, <, >, (, ), newline,
 * bytes >= 0x80) is ever left bare.
 */
void mmt_shell_quote(struct mmt_sbuf *b, const char *arg);

/* ------------------------------------------------------------ files */

/*
 * Read path whole ("-" is standard input) into a malloc'd buffer with a
 * NUL after the data (not counted in *len). Returns 0, or -1 with errno:
 * EISDIR for a directory, EFBIG when there are more than limit bytes (for
 * a regular file, said before anything is read), ENOMEM, or what open()
 * or read() said. *data is NULL after a failure.
 */
int mmt_file_read(const char *path, size_t limit, uint8_t **data, size_t *len);

/*
 * The names in directory path except those starting with '.', sorted by
 * strcmp() (byte order, whatever the locale). Returns the count with
 * *names a malloc'd array of malloc'd strings (free with
 * mmt_dir_list_free()), or -1 with errno.
 */
int mmt_dir_list(const char *path, char ***names);
void mmt_dir_list_free(char **names, int n);

/* ------------------------------------------------------------ numbers */

/*
 * A whole number as the op format and the machine spec spell it: decimal
 * digits, or 0x/0X and hex digits; no sign, space or suffix. Returns 0,
 * or -1 on anything else or past UINT64_MAX.
 */
int mmt_u64_parse(const char *s, size_t n, uint64_t *v);

/*
 * A size: such a number with an optional K/M/G/T (any case) suffix,
 * powers of 1024, the suffix only after a decimal number ("0x10M" is
 * refused). Returns 0, or -1 on anything else or overflow.
 */
int mmt_size_parse(const char *s, size_t n, uint64_t *v);

/* bytes with the largest of T/G/M/K that divides it exactly ("3G",
 * "12K", "100", "0"). Returns the full length, as snprintf does. */
size_t mmt_size_format(uint64_t bytes, char *buf, size_t len);

/* ------------------------------------------------------------ environment */

/*
 * 0 when MMT_REUSE=0 (or MMT_REF_REUSE=0, its older name) is in the
 * environment: no arena or machine is kept for the next run, in the harness
 * or in ref-pages. Read once per process; 1 otherwise.
 */
int mmt_reuse_enabled(void);

/* ------------------------------------------------------------ objects */

/*
 * A usable size no allocator gives for a request of size bytes aligned to
 * align (0: not an aligned op): more than the larger of the request and
 * 1 MiB, plus twice the alignment, above the request (size classes round
 * up by a fraction of the size, large blocks to pages, and an aligned
 * block may keep the slack its alignment cost).
 */
static inline int mmt_usable_implausible(uint64_t size, uint64_t align,
					 uint64_t usable)
{
	uint64_t slack = (size > (1u << 20) ? size : (1u << 20)) + 2 * align;

	return usable > size && usable - size > slack;
}

/*
 * The bytes of an object the harness owns (overlap, fill) given its
 * usable_size() (0 without one): the usable size is the allocator's
 * promise, so all of it unless implausible; else the request.
 */
static inline uint64_t mmt_usable_extent(uint64_t size, uint64_t align,
					 uint64_t usable)
{
	return usable > size && !mmt_usable_implausible(size, align, usable) ?
		       usable :
		       size;
}

#ifdef __cplusplus
}
#endif

#endif /* MMT_LIB_H */
