/* SPDX-License-Identifier: MIT */
/*
 * ref/machine.c - one simulated machine: its config, its RAM, its mem_map.
 *
 * Models what a kernel sets up before the page allocator runs: the firmware
 * memory map (config banks, here e820-like), the mem= limit, RAM itself and
 * the mem_map array of struct page (Linux 6.12, FLATMEM).
 *
 * Algorithm:
 *   - The config is a plain struct; ref_config_parse() reads "key=value"
 *     specs onto it, ref_config_format() writes one back, and
 *     ref_config_validate() refuses anything ref_mm_create() cannot build,
 *     with a message that names the field.
 *   - RAM is a memfd of max_pfn pages mapped once MAP_SHARED (mm->phys).
 *     The direct map is phys itself for pfn < max_low_pfn; highmem pfns are
 *     only reachable through the harness window.
 *   - mem_map is an anonymous MAP_NORESERVE mapping, zero until written.
 *     The zero struct page means "inside a free block, not its head", so
 *     creation writes only block heads and reserved pages: creation cost is
 *     O(blocks + reserved pages), not O(RAM).
 *
 * Invariants: after ref_mm_create() returns 0 every zone holds its boot
 * free blocks and ref_check() finds nothing. Nothing here is global except
 * the per-thread current CPU (C11 _Thread_local).
 *
 * Locks: none at creation (single threaded). mm->bad_lock guards
 * last_bad_page and last_gfp_zone_bad; it may be taken with a zone->lock
 * held (zone->lock -> bad_lock), never the other way round.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "ref/context.h"

/* ------------------------------------------------------------ helpers */

/*
 * The embedder's assertion handler (mm.h). Two atomics rather than one
 * struct: a handler is set once at start-up and never changed under a
 * running assertion, so a torn pair is not a case worth a lock.
 */
static _Atomic(ref_assert_fn) assert_fn;
static void *_Atomic assert_ctx;

void ref_set_assert_handler(ref_assert_fn fn, void *ctx)
{
	atomic_store(&assert_ctx, ctx);
	atomic_store(&assert_fn, fn);
}

_Noreturn void ref_assert_fail(const char *file, int line, const char *expr)
{
	ref_assert_fn fn = atomic_load(&assert_fn);
	char num[16];
	char *p = num + sizeof(num);
	unsigned int v = line > 0 ? (unsigned int)line : 0;
	ssize_t rc;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v && p > num);
	rc = write(2, "ref: assertion failed: ", 23);
	rc = write(2, expr, strlen(expr));
	rc = write(2, " at ", 4);
	rc = write(2, file, strlen(file));
	rc = write(2, ":", 1);
	rc = write(2, p, (size_t)(num + sizeof(num) - p));
	rc = write(2, "\n", 1);
	(void)rc;
	if (fn)
		fn(atomic_load(&assert_ctx), file, line, expr);
	abort();
}

void ref_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

size_t ref_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char suffix[] = "KMGT";
	unsigned int i;
	int n;

	for (i = 4; i > 0; i--) {
		uint64_t unit = 1ULL << (10 * i);

		if (bytes && bytes % unit == 0) {
			n = snprintf(buf, len, "%" PRIu64 "%c", bytes / unit,
				     suffix[i - 1]);
			return n < 0 ? 0 : (size_t)n;
		}
	}
	n = snprintf(buf, len, "%" PRIu64, bytes);
	return n < 0 ? 0 : (size_t)n;
}

/* ------------------------------------------------------------ config */

void ref_config_init(struct ref_config *c)
{
	memset(c, 0, sizeof(*c));
	c->profile = REF_PROFILE_X86_64;
	c->era = REF_ERA_6_12;
	c->ram = 64ULL << 20;
	c->page_shift = 12;
	c->nr_orders = REF_NR_ORDERS_DEFAULT;
	c->nr_cpus = 1;
	c->fail.times = -1;
}

/* Parse a decimal or 0x number with an optional K/M/G/T suffix. */
static int parse_size(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0, mul = 1;
	unsigned int base = 10;
	size_t i = 0, digits = 0;

	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (n > i) {
		switch (s[n - 1]) {
		case 'k':
		case 'K':
			mul = 1ULL << 10;
			n--;
			break;
		case 'm':
		case 'M':
			mul = 1ULL << 20;
			n--;
			break;
		case 'g':
		case 'G':
			mul = 1ULL << 30;
			n--;
			break;
		case 't':
		case 'T':
			mul = 1ULL << 40;
			n--;
			break;
		default:
			break;
		}
	}
	for (; i < n; i++, digits++) {
		unsigned int d;
		char ch = s[i];

		if (ch >= '0' && ch <= '9')
			d = (unsigned int)(ch - '0');
		else if (base == 16 && ch >= 'a' && ch <= 'f')
			d = (unsigned int)(ch - 'a' + 10);
		else if (base == 16 && ch >= 'A' && ch <= 'F')
			d = (unsigned int)(ch - 'A' + 10);
		else
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	if (!digits || v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

static int parse_uint(const char *s, size_t n, unsigned int *out)
{
	uint64_t v;
	size_t i;

	if (!n || n > 9)
		return -1;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	if (parse_size(s, n, &v))
		return -1;
	*out = (unsigned int)v;
	return 0;
}

/* "SIZE@START" */
static int parse_range(const char *s, size_t n, struct ref_mem_range *r)
{
	const char *at = memchr(s, '@', n);

	if (!at)
		return -1;
	if (parse_size(s, (size_t)(at - s), &r->size))
		return -1;
	return parse_size(at + 1, n - (size_t)(at - s) - 1, &r->start);
}

static int key_is(const char *key, size_t klen, const char *name)
{
	return strlen(name) == klen && memcmp(key, name, klen) == 0;
}

static int parse_one(struct ref_config *c, const char *key, size_t klen,
		     const char *val, size_t vlen, char *err, size_t errlen)
{
	int kl = (int)klen, vl = (int)vlen;
	uint64_t v;

	if (key_is(key, klen, "profile")) {
		if (key_is(val, vlen, "x86_64"))
			c->profile = REF_PROFILE_X86_64;
		else if (key_is(val, vlen, "x86_32"))
			c->profile = REF_PROFILE_X86_32;
		else
			goto bad_value;
	} else if (key_is(key, klen, "era")) {
		if (key_is(val, vlen, "6.12"))
			c->era = REF_ERA_6_12;
		else if (key_is(val, vlen, "2.6") ||
			 key_is(val, vlen, "2.6.18"))
			c->era = REF_ERA_2_6;
		else
			goto bad_value;
	} else if (key_is(key, klen, "ram")) {
		if (parse_size(val, vlen, &c->ram))
			goto bad_value;
	} else if (key_is(key, klen, "mem")) {
		if (parse_size(val, vlen, &c->mem_limit))
			goto bad_value;
	} else if (key_is(key, klen, "page")) {
		unsigned int shift = 0;

		if (parse_size(val, vlen, &v) || !v)
			goto bad_value;
		if (v & (v - 1)) {
			ref_set_err(err, errlen,
				    "key 'page': '%.*s' is not a power of two",
				    vl, val);
			return -1;
		}
		while ((1ULL << shift) < v)
			shift++;
		c->page_shift = shift;
	} else if (key_is(key, klen, "orders")) {
		if (parse_uint(val, vlen, &c->nr_orders))
			goto bad_value;
	} else if (key_is(key, klen, "cpus")) {
		if (parse_uint(val, vlen, &c->nr_cpus))
			goto bad_value;
	} else if (key_is(key, klen, "min_free_kbytes")) {
		unsigned int kb;

		if (parse_uint(val, vlen, &kb))
			goto bad_value;
		c->min_free_kbytes = kb;
	} else if (key_is(key, klen, "watermark_scale_factor")) {
		if (parse_uint(val, vlen, &c->watermark_scale_factor))
			goto bad_value;
	} else if (klen > 5 && !memcmp(key, "fail_", 5)) {
		return ref_fault_parse_key(&c->fail, key, klen, val, vlen, err,
					   errlen);
	} else if (key_is(key, klen, "bank")) {
		if (c->nr_banks >= REF_MAX_BANKS) {
			ref_set_err(err, errlen,
				    "key 'bank': more than %d banks",
				    REF_MAX_BANKS);
			return -1;
		}
		if (parse_range(val, vlen, &c->banks[c->nr_banks]))
			goto bad_range;
		c->nr_banks++;
	} else if (key_is(key, klen, "reserve")) {
		if (c->nr_reserved >= REF_MAX_RESERVED) {
			ref_set_err(
				err, errlen,
				"key 'reserve': more than %d reserved ranges",
				REF_MAX_RESERVED);
			return -1;
		}
		if (parse_range(val, vlen, &c->reserved[c->nr_reserved]))
			goto bad_range;
		c->nr_reserved++;
	} else {
		ref_set_err(
			err, errlen,
			"key '%.*s': unknown key (profile, era, ram, page, orders, cpus, mem, bank, reserve, min_free_kbytes, watermark_scale_factor, fail_*)",
			kl, key);
		return -1;
	}
	return 0;

bad_value:
	ref_set_err(err, errlen, "key '%.*s': bad value '%.*s'", kl, key, vl,
		    val);
	return -1;
bad_range:
	ref_set_err(err, errlen,
		    "key '%.*s': bad value '%.*s' (want SIZE@START)", kl, key,
		    vl, val);
	return -1;
}

int ref_config_parse(struct ref_config *c, const char *spec, char *err,
		     size_t errlen)
{
	const char *p = spec;

	if (!c || !spec) {
		ref_set_err(err, errlen, "no config or spec given");
		return -1;
	}
	while (*p) {
		const char *tok, *eq;
		size_t n;

		while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		tok = p;
		while (*p && *p != ',' && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		n = (size_t)(p - tok);
		eq = memchr(tok, '=', n);
		if (!eq) {
			ref_set_err(err, errlen,
				    "key '%.*s': expected key=value", (int)n,
				    tok);
			return -1;
		}
		if (parse_one(c, tok, (size_t)(eq - tok), eq + 1,
			      n - (size_t)(eq - tok) - 1, err, errlen))
			return -1;
	}
	return 0;
}

void ref_fb_printf(struct ref_fmtbuf *fb, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *dst = NULL;
	size_t room = 0;

	if (fb->buf && fb->pos < fb->len) {
		dst = fb->buf + fb->pos;
		room = fb->len - fb->pos;
	}
	va_start(ap, fmt);
	n = vsnprintf(dst, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		fb->pos += (size_t)n;
}

size_t ref_config_format(const struct ref_config *c, char *buf, size_t len)
{
	struct ref_fmtbuf fb = { buf, len, 0 };
	char a[32], b[32];
	unsigned int i;

	if (buf && len)
		buf[0] = '\0';
	ref_format_size(c->ram, a, sizeof(a));
	ref_format_size(1ULL << c->page_shift, b, sizeof(b));
	ref_fb_printf(&fb, "profile=%s,era=%s,ram=%s,page=%s,orders=%u,cpus=%u",
		      c->profile == REF_PROFILE_X86_32 ? "x86_32" : "x86_64",
		      c->era == REF_ERA_2_6 ? "2.6" : "6.12", a,
		      c->page_shift < 64 ? b : "0", c->nr_orders, c->nr_cpus);
	if (c->mem_limit) {
		ref_format_size(c->mem_limit, a, sizeof(a));
		ref_fb_printf(&fb, ",mem=%s", a);
	}
	if (c->min_free_kbytes)
		ref_fb_printf(&fb, ",min_free_kbytes=%lu", c->min_free_kbytes);
	if (c->watermark_scale_factor)
		ref_fb_printf(&fb, ",watermark_scale_factor=%u",
			      c->watermark_scale_factor);
	ref_fault_format(&c->fail, &fb);
	for (i = 0; i < c->nr_banks && i < REF_MAX_BANKS; i++) {
		ref_format_size(c->banks[i].size, a, sizeof(a));
		ref_format_size(c->banks[i].start, b, sizeof(b));
		ref_fb_printf(&fb, ",bank=%s@%s", a, b);
	}
	for (i = 0; i < c->nr_reserved && i < REF_MAX_RESERVED; i++) {
		ref_format_size(c->reserved[i].size, a, sizeof(a));
		ref_format_size(c->reserved[i].start, b, sizeof(b));
		ref_fb_printf(&fb, ",reserve=%s@%s", a, b);
	}
	return fb.pos;
}

/* Is [start, end) inside one bank of the config (or [0, ram))? */
static int inside_ram(const struct ref_config *c, uint64_t start, uint64_t end)
{
	unsigned int i;

	if (!c->nr_banks)
		return end <= c->ram;
	for (i = 0; i < c->nr_banks; i++) {
		uint64_t bs = c->banks[i].start;

		if (start >= bs && end <= bs + c->banks[i].size)
			return 1;
	}
	return 0;
}

/* Profile, era, page size, orders, CPUs and table sizes: 0, or -1. */
static int validate_shape(const struct ref_config *c, char *err, size_t errlen)
{
	char a[32];

	if (c->profile != REF_PROFILE_X86_64 &&
	    c->profile != REF_PROFILE_X86_32) {
		ref_set_err(err, errlen, "profile %d: unknown profile",
			    (int)c->profile);
		return -1;
	}
	if (c->era != REF_ERA_6_12 && c->era != REF_ERA_2_6) {
		ref_set_err(err, errlen, "era %d: unknown era", (int)c->era);
		return -1;
	}
	if (c->page_shift != 12 && c->page_shift != 13) {
		if (c->page_shift < 40)
			ref_format_size(1ULL << c->page_shift, a, sizeof(a));
		else
			snprintf(a, sizeof(a), "2^%u", c->page_shift);
		ref_set_err(
			err, errlen,
			"page %s (page_shift %u): page size must be 4K or 8K (page_shift 12 or 13)",
			a, c->page_shift);
		return -1;
	}
	if (c->nr_orders == 0 || c->nr_orders > REF_NR_ORDERS_MAX) {
		ref_set_err(
			err, errlen,
			"orders %u (nr_orders): must be 1..%d (orders 0..nr_orders-1)",
			c->nr_orders, REF_NR_ORDERS_MAX);
		return -1;
	}
	if (c->nr_cpus == 0 || c->nr_cpus > REF_MAX_CPUS) {
		ref_set_err(err, errlen, "cpus %u (nr_cpus): must be 1..%d",
			    c->nr_cpus, REF_MAX_CPUS);
		return -1;
	}
	if (c->nr_banks > REF_MAX_BANKS) {
		ref_set_err(err, errlen, "bank: %u banks, at most %d",
			    c->nr_banks, REF_MAX_BANKS);
		return -1;
	}
	if (c->nr_reserved > REF_MAX_RESERVED) {
		ref_set_err(err, errlen, "reserve: %u ranges, at most %d",
			    c->nr_reserved, REF_MAX_RESERVED);
		return -1;
	}
	if (c->watermark_scale_factor && c->era == REF_ERA_2_6) {
		ref_set_err(err, errlen,
			    "watermark_scale_factor %u: 2.6.18 has no such "
			    "sysctl (it came with 4.6)",
			    c->watermark_scale_factor);
		return -1;
	}
	if (c->watermark_scale_factor > 3000) {
		ref_set_err(err, errlen,
			    "watermark_scale_factor %u: must be 1..3000",
			    c->watermark_scale_factor);
		return -1;
	}
	if (ref_fault_validate(&c->fail, err, errlen))
		return -1;
	return 0;
}

/* ram= (a machine without banks): 0, or -1. */
static int validate_ram(const struct ref_config *c, uint64_t page, uint64_t top,
			char *err, size_t errlen)
{
	char a[32], b[32];

	ref_format_size(c->ram, a, sizeof(a));
	if (c->ram % page) {
		ref_set_err(err, errlen,
			    "ram %s: not a multiple of the page size", a);
		return -1;
	}
	if (c->ram > REF_RAM_MAX) {
		ref_set_err(err, errlen, "ram %s is above the maximum 1T", a);
		return -1;
	}
	if (c->ram < REF_RAM_MIN) {
		ref_set_err(err, errlen, "ram %s is below the minimum 1M", a);
		return -1;
	}
	if (c->ram < top) {
		ref_format_size(top, b, sizeof(b));
		ref_set_err(err, errlen,
			    "ram %s is below one top-order block (%s)", a, b);
		return -1;
	}
	return 0;
}

/* Every bank page aligned, below 1T and disjoint: 0, or -1. */
static int validate_banks(const struct ref_config *c, uint64_t page, char *err,
			  size_t errlen)
{
	char a[32], b[32];

	for (unsigned int i = 0; i < c->nr_banks; i++) {
		const struct ref_mem_range *r = &c->banks[i];

		ref_format_size(r->size, a, sizeof(a));
		ref_format_size(r->start, b, sizeof(b));
		if (!r->size || r->size % page || r->start % page) {
			ref_set_err(
				err, errlen,
				"bank %u (%s@%s): empty or not page aligned", i,
				a, b);
			return -1;
		}
		if (r->start > REF_RAM_MAX ||
		    r->size > REF_RAM_MAX - r->start) {
			ref_set_err(
				err, errlen,
				"bank %u (%s@%s): ends above the maximum 1T", i,
				a, b);
			return -1;
		}
		for (unsigned int j = 0; j < i; j++) {
			const struct ref_mem_range *q = &c->banks[j];

			if (r->start < q->start + q->size &&
			    q->start < r->start + r->size) {
				ref_set_err(err, errlen,
					    "bank %u (%s@%s): overlaps bank %u",
					    i, a, b, j);
				return -1;
			}
		}
	}
	return 0;
}

/* Every reserved range page aligned and inside one bank: 0, or -1. */
static int validate_reserved(const struct ref_config *c, uint64_t page,
			     char *err, size_t errlen)
{
	char a[32], b[32];

	for (unsigned int i = 0; i < c->nr_reserved; i++) {
		const struct ref_mem_range *r = &c->reserved[i];

		ref_format_size(r->size, a, sizeof(a));
		ref_format_size(r->start, b, sizeof(b));
		if (!r->size || r->size % page || r->start % page) {
			ref_set_err(
				err, errlen,
				"reserve %u (%s@%s): empty or not page aligned",
				i, a, b);
			return -1;
		}
		if (r->start > REF_RAM_MAX || r->size > REF_RAM_MAX ||
		    !inside_ram(c, r->start, r->start + r->size)) {
			ref_set_err(
				err, errlen,
				"reserve %u (%s@%s): outside RAM (must lie inside one bank)",
				i, a, b);
			return -1;
		}
	}
	return 0;
}

/* RAM that survives mem=, in bytes. */
static uint64_t present_bytes(const struct ref_config *c, uint64_t page)
{
	uint64_t present = 0;

	if (!c->nr_banks) {
		present = c->ram;
		if (c->mem_limit && c->mem_limit < present)
			present = c->mem_limit / page * page;
		return present;
	}
	for (unsigned int i = 0; i < c->nr_banks; i++) {
		uint64_t s = c->banks[i].start;
		uint64_t e = s + c->banks[i].size;

		if (c->mem_limit && e > c->mem_limit)
			e = c->mem_limit / page * page;
		if (e > s)
			present += e - s;
	}
	return present;
}

int ref_config_validate(const struct ref_config *c, char *err, size_t errlen)
{
	char a[32], b[32], m[32];
	uint64_t page, top, present;

	if (!c) {
		ref_set_err(err, errlen, "no config given");
		return -1;
	}
	if (validate_shape(c, err, errlen))
		return -1;
	page = 1ULL << c->page_shift;
	top = page << (c->nr_orders - 1);
	if (!c->nr_banks && validate_ram(c, page, top, err, errlen))
		return -1;
	if (validate_banks(c, page, err, errlen) ||
	    validate_reserved(c, page, err, errlen))
		return -1;
	/* RAM that survives mem=: it must still hold one top-order block. */
	present = present_bytes(c, page);
	if (present >= top && present >= REF_RAM_MIN)
		return 0;
	ref_format_size(present, a, sizeof(a));
	ref_format_size(top > REF_RAM_MIN ? top : REF_RAM_MIN, b, sizeof(b));
	if (c->mem_limit) {
		ref_format_size(c->mem_limit, m, sizeof(m));
		ref_set_err(
			err, errlen,
			"mem %s (mem_limit): leaves %s of RAM, below one top-order block or the minimum (%s)",
			m, a, b);
	} else {
		ref_set_err(
			err, errlen,
			"bank: banks hold %s of RAM, below one top-order block or the minimum (%s)",
			a, b);
	}
	return -1;
}

/* ------------------------------------------------------------ machine */

/* The components above the buddy (internal.h), one row each. */
const struct ref_component *const ref_components[] = {
	&ref_upool_component,
	&ref_fault_component,
	&ref_reclaim_component,
};
const size_t ref_nr_components = REF_ARRAY_SIZE(ref_components);

static void init_components(struct ref_mm *mm)
{
	for (size_t i = 0; i < ref_nr_components; i++)
		ref_components[i]->init(mm);
}

static void drop_components(struct ref_mm *mm)
{
	for (size_t i = 0; i < ref_nr_components; i++)
		ref_components[i]->drop(mm);
}

static void exit_components(struct ref_mm *mm)
{
	for (size_t i = ref_nr_components; i-- > 0;)
		ref_components[i]->exit(mm);
}

/* Forget every report the machine counted (reset, recreate). */
static void clear_reports(struct ref_mm *mm)
{
	atomic_store(&mm->nr_bad_page, 0);
	atomic_store(&mm->nr_nofail_stuck, 0);
	atomic_store(&mm->nr_gfp_zone_bad, 0);
	pthread_mutex_lock(&mm->bad_lock);
	atomic_store(&mm->nr_alloc_warn, 0);
	memset(&mm->last_alloc_warn, 0, sizeof(mm->last_alloc_warn));
	mm->last_bad_page[0] = '\0';
	mm->last_gfp_zone_bad[0] = '\0';
	pthread_mutex_unlock(&mm->bad_lock);
}

static void mm_release(struct ref_mm *mm)
{
	if (mm->mem_map && mm->mem_map != MAP_FAILED)
		munmap(mm->mem_map, mm->mem_map_bytes);
	if (mm->phys && mm->phys != MAP_FAILED)
		munmap(mm->phys, mm->phys_bytes);
	if (mm->memfd >= 0)
		close(mm->memfd);
	ref_zones_destroy(mm);
	exit_components(mm);
	pthread_mutex_destroy(&mm->bad_lock);
	pthread_mutex_destroy(&mm->check_lock);
	free(mm->check_mark);
	ref_migrate_release(mm);
	free(mm);
}

/* Bytes of one top-order block: the direct map's alignment. */
static size_t top_block_bytes(const struct ref_mm *mm)
{
	return mm->page_size << (mm->config.nr_orders - 1);
}

/*
 * Map bytes of the memfd at an address aligned to align (a power of two),
 * so that, as in the kernel's direct map, a block of order k starts at an
 * address aligned to 2^k pages and not only at a pfn aligned so. A
 * PROT_NONE reservation one alignment larger is trimmed to fit.
 */
static void *map_phys(int fd, size_t bytes, size_t align)
{
	size_t span = bytes + align, head;
	unsigned char *r, *p;

	r = mmap(NULL, span, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		return MAP_FAILED;
	head = (align - (uintptr_t)r % align) % align;
	p = mmap(r + head, bytes, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED) {
		int e = errno;

		munmap(r, span);
		errno = e;
		return MAP_FAILED;
	}
	if (head)
		munmap(r, head);
	if (span - head - bytes)
		munmap(p + bytes, span - head - bytes);
	return p;
}

int ref_mm_create(const struct ref_config *c, struct ref_mm **out, char *err,
		  size_t errlen)
{
	struct ref_mm *mm;
	size_t bytes;
	int e;

	if (out)
		*out = NULL;
	if (!out) {
		ref_set_err(err, errlen, "no output pointer given");
		return -1;
	}
	if (ref_config_validate(c, err, errlen))
		return -1;
	mm = calloc(1, sizeof(*mm));
	if (!mm) {
		ref_set_err(err, errlen, "calloc(struct ref_mm): %s",
			    strerror(errno));
		return -2;
	}
	mm->memfd = -1;
	mm->config = *c;
	mm->page_size = (size_t)1 << c->page_shift;
	pthread_mutex_init(&mm->bad_lock, NULL);
	pthread_mutex_init(&mm->check_lock, NULL);
	init_components(mm);
	atomic_init(&mm->nr_bad_page, 0);
	atomic_init(&mm->nr_nofail_stuck, 0);
	atomic_init(&mm->nr_gfp_zone_bad, 0);
	atomic_init(&mm->nr_alloc_warn, 0);

	ref_memblock_layout(mm);
	ref_zones_init(mm);

	mm->memfd = memfd_create("mmtorture-ram", MFD_CLOEXEC);
	if (mm->memfd < 0) {
		e = errno;
		mm_release(mm);
		ref_set_err(err, errlen, "memfd_create: %s", strerror(e));
		return -2;
	}
	bytes = (size_t)mm->max_pfn * mm->page_size;
	if (ftruncate(mm->memfd, (off_t)bytes)) {
		e = errno;
		ref_set_err(err, errlen, "ftruncate(memfd, %zu): %s", bytes,
			    strerror(e));
		goto env_fail;
	}
	mm->phys = map_phys(mm->memfd, bytes, top_block_bytes(mm));
	if (mm->phys == MAP_FAILED) {
		e = errno;
		mm->phys = NULL;
		ref_set_err(err, errlen, "mmap(memfd, %zu): %s", bytes,
			    strerror(e));
		goto env_fail;
	}
	mm->phys_bytes = bytes;
	mm->mem_map_bytes = (size_t)mm->max_pfn * sizeof(struct ref_page);
	mm->mem_map = mmap(NULL, mm->mem_map_bytes, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mm->mem_map == MAP_FAILED) {
		e = errno;
		mm->mem_map = NULL;
		ref_set_err(err, errlen, "mmap(mem_map, %zu): %s",
			    mm->mem_map_bytes, strerror(e));
		goto env_fail;
	}
	mm->nr_reserved_pages = ref_memblock_reserve_pages(mm);
	if (ref_migrate_setup(mm)) {
		ref_set_err(err, errlen, "out of memory for pageblock flags");
		goto env_fail;
	}
	ref_pcp_init(mm);
	ref_memblock_free_all(mm);
	ref_setup_watermarks(mm);
	*out = mm;
	return 0;

env_fail:
	mm_release(mm);
	return -2;
}

/* Present ranges of mem_map at most this large (a 16 GiB machine) are
 * cleared in place: a memset runs at memory speed while a page fault costs
 * microseconds on a VM. Larger ones are dropped back to lazily zero pages. */
#define RESET_MEMSET_MAX (256UL << 20)

/*
 * Return mem_map to all zero. Only entries of present pfns are ever
 * written (memblock, buddy and checker all test pfn_valid first), so
 * clearing the banks' ranges is enough.
 */
static int clear_mem_map(struct ref_mm *mm)
{
	size_t present = 0;

	for (unsigned int i = 0; i < mm->nr_banks; i++)
		present += (mm->bank_end[i] - mm->bank_start[i]) *
			   sizeof(struct ref_page);
	if (present > RESET_MEMSET_MAX)
		return madvise(mm->mem_map, mm->mem_map_bytes, MADV_DONTNEED) ?
			       -2 :
			       0;
	for (unsigned int i = 0; i < mm->nr_banks; i++)
		memset(&mm->mem_map[mm->bank_start[i]], 0,
		       (mm->bank_end[i] - mm->bank_start[i]) *
			       sizeof(struct ref_page));
	return 0;
}

int ref_mm_recreate(struct ref_mm *mm, const struct ref_config *c, char *err,
		    size_t errlen)
{
	size_t bytes, map_bytes;
	int e;

	if (!mm || !c) {
		ref_set_err(err, errlen, "no machine or config given");
		return -1;
	}
	if (ref_config_validate(c, err, errlen))
		return -1;
	drop_components(mm);
	if (clear_mem_map(mm)) {
		e = errno;
		ref_set_err(err, errlen, "madvise(mem_map): %s", strerror(e));
		return -2;
	}
	ref_zones_destroy(mm);
	memset(mm->zones, 0, sizeof(mm->zones));
	mm->config = *c;
	mm->page_size = (size_t)1 << c->page_shift;
	mm->trace_fn = NULL;
	mm->trace_ctx = NULL;
	ref_memblock_layout(mm);
	ref_zones_init(mm);

	bytes = (size_t)mm->max_pfn * mm->page_size;
	if (bytes > mm->phys_bytes ||
	    (uintptr_t)mm->phys % top_block_bytes(mm)) {
		unsigned char *p;

		if (bytes > mm->phys_bytes &&
		    ftruncate(mm->memfd, (off_t)bytes)) {
			e = errno;
			ref_set_err(err, errlen, "ftruncate(memfd, %zu): %s",
				    bytes, strerror(e));
			return -2;
		}
		if (bytes < mm->phys_bytes)
			bytes = mm->phys_bytes;
		p = map_phys(mm->memfd, bytes, top_block_bytes(mm));
		if (p == MAP_FAILED) {
			e = errno;
			ref_set_err(err, errlen, "mmap(memfd, %zu): %s", bytes,
				    strerror(e));
			return -2;
		}
		munmap(mm->phys, mm->phys_bytes);
		mm->phys = p;
		mm->phys_bytes = bytes;
	}
	map_bytes = (size_t)mm->max_pfn * sizeof(struct ref_page);
	if (map_bytes > mm->mem_map_bytes) {
		struct ref_page *p;

		p = mmap(NULL, map_bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED) {
			e = errno;
			ref_set_err(err, errlen, "mmap(mem_map, %zu): %s",
				    map_bytes, strerror(e));
			return -2;
		}
		munmap(mm->mem_map, mm->mem_map_bytes);
		mm->mem_map = p;
		mm->mem_map_bytes = map_bytes;
	}
	clear_reports(mm);
	ref_context_reset(mm);
	mm->nr_reserved_pages = ref_memblock_reserve_pages(mm);
	if (ref_migrate_setup(mm)) {
		ref_set_err(err, errlen, "out of memory for pageblock flags");
		return -2;
	}
	ref_pcp_init(mm);
	ref_memblock_free_all(mm);
	ref_setup_watermarks(mm);
	return 0;
}

int ref_mm_reset(struct ref_mm *mm)
{
	struct ref_zone *zone;
	unsigned int o;

	drop_components(mm);
	if (clear_mem_map(mm))
		return -2;
	for_each_zone(mm, zone) {
		for (o = 0; o < REF_NR_ORDERS_MAX; o++) {
			for (int mt = 0; mt < REF_MIGRATE_TYPES; mt++)
				ref_list_init(
					&zone->free_area[o].free_list[mt]);
			zone->free_area[o].nr_free = 0;
		}
		zone->nr_free_pages = 0;
		zone->nr_free_highatomic = 0;
		zone->nr_free_isolate = 0;
		zone->nr_reserved_highatomic = 0;
		zone->nr_unmerged_moves = 0;
		zone->watermark_boost = 0;
		zone->nr_alloc_pages = 0;
		zone->pgalloc = 0;
		zone->pgfree = 0;
		zone->managed_pages = zone->present_pages;
	}
	mm->nr_reserved_pages = ref_memblock_reserve_pages(mm);
	if (ref_migrate_setup(mm))
		return -2;
	ref_pcp_init(mm);
	ref_memblock_free_all(mm);
	ref_setup_watermarks(mm);
	clear_reports(mm);
	ref_context_reset(mm);
	return 0;
}

void ref_mm_destroy(struct ref_mm *mm)
{
	if (mm)
		mm_release(mm);
}

/* ------------------------------------------------------------ cpus */

/* The simulated CPU of this thread, valid for one machine at a time. */
_Thread_local struct ref_current_cpu ref_current_cpu;

/* cpu is taken modulo nr_cpus, so any value names some CPU. */
void ref_cpu_enter(struct ref_mm *mm, unsigned int cpu)
{
	ref_current_cpu.mm = mm;
	ref_current_cpu.cpu = mm ? cpu % mm->config.nr_cpus : 0;
}

unsigned int ref_smp_processor_id(const struct ref_mm *mm)
{
	return ref_current_cpu.mm == mm ? ref_current_cpu.cpu : 0;
}

/* ------------------------------------------------------------ pfns */

unsigned long ref_page_pfn_checked(const struct ref_mm *mm,
				   const struct ref_page *page)
{
	uintptr_t base = (uintptr_t)mm->mem_map, p = (uintptr_t)page;
	uintptr_t off;

	if (!page || p < base)
		return ~0UL;
	off = p - base;
	if (off >= mm->mem_map_bytes || off % sizeof(struct ref_page))
		return ~0UL;
	return (unsigned long)(off / sizeof(struct ref_page));
}

int ref_pfn_valid(const struct ref_mm *mm, unsigned long pfn)
{
	return ref_memblock_bank_of(mm, pfn) >= 0;
}

struct ref_page *ref_pfn_to_page(struct ref_mm *mm, unsigned long pfn)
{
	return ref_pfn_valid(mm, pfn) ? &mm->mem_map[pfn] : NULL;
}

unsigned long ref_page_to_pfn(const struct ref_mm *mm,
			      const struct ref_page *page)
{
	return ref_page_pfn_checked(mm, page);
}

void *ref_page_address(const struct ref_mm *mm, const struct ref_page *page)
{
	unsigned long pfn = ref_page_pfn_checked(mm, page);

	if (pfn == ~0UL || pfn >= mm->max_low_pfn)
		return NULL;
	return mm->phys + (size_t)pfn * mm->page_size;
}

struct ref_page *ref_virt_to_page(struct ref_mm *mm, const void *addr)
{
	uintptr_t base = (uintptr_t)mm->phys, a = (uintptr_t)addr;
	unsigned long pfn;

	if (a < base || a - base >= (uintptr_t)mm->max_low_pfn * mm->page_size)
		return NULL;
	pfn = (unsigned long)((a - base) >> mm->config.page_shift);
	return ref_pfn_to_page(mm, pfn);
}

struct ref_zone *ref_page_zone(struct ref_mm *mm, const struct ref_page *page)
{
	unsigned long pfn = ref_page_pfn_checked(mm, page);

	if (pfn == ~0UL)
		return NULL;
	return &mm->zones[ref_pfn_zone_type(mm, pfn)];
}

void *ref_phys_window(const struct ref_mm *mm)
{
	return mm->phys;
}

/* ------------------------------------------------------------ bad_page */

void ref_bad_page(struct ref_mm *mm, unsigned long pfn, const char *reason)
{
	atomic_fetch_add(&mm->nr_bad_page, 1);
	pthread_mutex_lock(&mm->bad_lock);
	if (pfn == ~0UL)
		snprintf(mm->last_bad_page, sizeof(mm->last_bad_page),
			 "BUG: Bad page state: %s", reason);
	else
		snprintf(mm->last_bad_page, sizeof(mm->last_bad_page),
			 "BUG: Bad page state: pfn:0x%lx %s", pfn, reason);
	pthread_mutex_unlock(&mm->bad_lock);
}

unsigned long ref_bad_page_count(const struct ref_mm *mm)
{
	return atomic_load(&mm->nr_bad_page);
}

unsigned long ref_nofail_stuck_count(const struct ref_mm *mm)
{
	return atomic_load(&mm->nr_nofail_stuck);
}

/* Copy one of the last_* messages out under bad_lock; its full length. */
static size_t copy_last(struct ref_mm *mm, const char *msg, char *buf,
			size_t len)
{
	size_t n;

	pthread_mutex_lock(&mm->bad_lock);
	n = strlen(msg);
	if (buf && len) {
		size_t c = n < len - 1 ? n : len - 1;

		memcpy(buf, msg, c);
		buf[c] = '\0';
	}
	pthread_mutex_unlock(&mm->bad_lock);
	return n;
}

size_t ref_bad_page_last(struct ref_mm *mm, char *buf, size_t len)
{
	return copy_last(mm, mm->last_bad_page, buf, len);
}

/* ------------------------------------------------------------ gfp_zone */

void ref_gfp_zone_bad(struct ref_mm *mm, ref_gfp_t gfp)
{
	char mode[256];

	atomic_fetch_add(&mm->nr_gfp_zone_bad, 1);
	ref_gfp_format(gfp, mode, sizeof(mode));
	pthread_mutex_lock(&mm->bad_lock);
	snprintf(
		mm->last_gfp_zone_bad, sizeof(mm->last_gfp_zone_bad),
		"gfp_zone: mode:%#x(%s) names more than one of __GFP_DMA, __GFP_DMA32 and __GFP_HIGHMEM (GFP_ZONE_BAD: a VM_BUG_ON in the kernel)",
		(unsigned int)gfp, mode);
	pthread_mutex_unlock(&mm->bad_lock);
}

unsigned long ref_gfp_zone_bad_count(const struct ref_mm *mm)
{
	return atomic_load(&mm->nr_gfp_zone_bad);
}

size_t ref_gfp_zone_bad_last(struct ref_mm *mm, char *buf, size_t len)
{
	return copy_last(mm, mm->last_gfp_zone_bad, buf, len);
}
