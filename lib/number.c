/* SPDX-License-Identifier: MIT */
/*
 * number.c - whole numbers and sizes as the op format and the machine spec
 * spell them (lib/mmt_lib.h). Parsers take (pointer, length), not a C
 * string, because they read tokens inside a line; they are total and
 * refuse overflow instead of wrapping, since a wrapped RAM size or pfn is
 * the classic silent allocator-test bug.
 */
#include "mmt_lib.h"

#include <stdio.h>

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int mmt_u64_parse(const char *s, size_t n, uint64_t *v)
{
	int hex = n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	unsigned int base = hex ? 16 : 10;
	uint64_t x = 0;

	if (n == 0)
		return -1;
	for (size_t i = hex ? 2 : 0; i < n; i++) {
		int d = hex_digit(s[i]);

		if (d < 0 || (unsigned int)d >= base)
			return -1;
		if (x > (UINT64_MAX - (unsigned int)d) / base)
			return -1;
		x = x * base + (unsigned int)d;
	}
	*v = x;
	return 0;
}

/* log2 of the unit a size suffix names (K 10 .. T 40), 0 for none. */
static unsigned int suffix_shift(char c)
{
	switch (c) {
	case 'K':
	case 'k':
		return 10;
	case 'M':
	case 'm':
		return 20;
	case 'G':
	case 'g':
		return 30;
	case 'T':
	case 't':
		return 40;
	default:
		return 0;
	}
}

int mmt_size_parse(const char *s, size_t n, uint64_t *v)
{
	int hex = n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	unsigned int shift = n > 1 && !hex ? suffix_shift(s[n - 1]) : 0;
	uint64_t x;

	if (mmt_u64_parse(s, shift ? n - 1 : n, &x))
		return -1;
	if (shift && x > (UINT64_MAX >> shift))
		return -1;
	*v = x << shift;
	return 0;
}

size_t mmt_size_format(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "TGMK";
	int n;

	for (unsigned int i = 0; i < 4; i++) {
		unsigned int shift = 40u - 10u * i;

		if (bytes && (bytes & ((1ULL << shift) - 1)) == 0) {
			n = snprintf(buf, len, "%llu%c",
				     (unsigned long long)(bytes >> shift),
				     units[i]);
			return n > 0 ? (size_t)n : 0;
		}
	}
	n = snprintf(buf, len, "%llu", (unsigned long long)bytes);
	return n > 0 ? (size_t)n : 0;
}
