/* SPDX-License-Identifier: MIT */
/*
 * ref/fault.c - fault injection for the page allocator.
 *
 * Models mm/fail_page_alloc.c (should_fail_alloc_page) on top of the
 * fault_attr state machine of lib/fault-inject.c (should_fail_ex), Linux
 * 6.12, with one attribute per machine (config.fail) instead of one per
 * kernel, and the per-task fail_nth as a per-machine counter. 2.6.18 had
 * no fault injection (it came with 2.6.20); the rules are 6.12's in
 * either era.
 *
 * Algorithm (ref_should_fail_alloc_page), in the kernel's order:
 *   filters (should_fail_alloc_page): order < min_order, __GFP_NOFAIL,
 *     ignore_highmem with __GFP_HIGHMEM, ignore_wait with
 *     __GFP_DIRECT_RECLAIM: no failure, and no counter moves.
 *     __GFP_NOWARN only silences the kernel's report: no effect here.
 *   should_fail_ex(size = 2^order):
 *     nth != 0: nth--; it fails when nth reaches 0 (even when times is
 *       0), else it does not; nothing else is looked at.
 *     probability 0: no failure. times 0: no failure.
 *     space > size: space -= size, no failure.
 *     interval > 1: count++, no failure unless count % interval == 0.
 *     a draw d uniform in 0..99 (splitmix64 % 100): no failure unless
 *       d < probability.
 *   a failure decrements times unless it is -1 (never below 0) and is
 *   counted (ref_fault_count).
 * Invariants: the state moves only on calls that pass the filters; a
 * config with probability 0 and nth 0 never moves it; reset and recreate
 * restart it from config.fail (drop marks it unloaded, the next call
 * loads it, so recreate's new config is the one used).
 *
 * Locks: mm->fault_lock guards mm->fault; a leaf, taken by
 * ref_alloc_pages() before any zone lock.
 */
#include <string.h>

#include "ref/fault.h"

#include "internal.h"

/* splitmix64 (ref keeps its own copy: it knows nothing of lib/). */
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t x = (*state += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* ------------------------------------------------------------ config */

/* A decimal or 0x hex number of up to 64 bits: 0, or -1. */
static int parse_u64(const char *s, size_t n, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;
	size_t i = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return -1;
	for (; i < n; i++) {
		unsigned int d;

		if (s[i] >= '0' && s[i] <= '9')
			d = (unsigned int)(s[i] - '0');
		else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
			d = (unsigned int)(s[i] - 'a' + 10);
		else if (base == 16 && s[i] >= 'A' && s[i] <= 'F')
			d = (unsigned int)(s[i] - 'A' + 10);
		else
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

static int key_eq(const char *key, size_t klen, const char *name)
{
	return strlen(name) == klen && !memcmp(key, name, klen);
}

int ref_fault_parse_key(struct ref_fault_config *f, const char *key,
			size_t klen, const char *val, size_t vlen, char *err,
			size_t errlen)
{
	int kl = (int)klen, vl = (int)vlen;
	uint64_t v;

	if (key_eq(key, klen, "fail_times") && key_eq(val, vlen, "-1")) {
		f->times = -1;
		return 0;
	}
	if (parse_u64(val, vlen, &v))
		goto bad;
	if (key_eq(key, klen, "fail_seed")) {
		f->seed = v;
		return 0;
	}
	if (key_eq(key, klen, "fail_interval")) {
		if (v > UINT32_MAX)
			goto bad;
		f->interval = (unsigned long)v;
		return 0;
	}
	if (v > INT32_MAX)
		goto bad;
	if (key_eq(key, klen, "fail_probability"))
		f->probability = (unsigned int)v;
	else if (key_eq(key, klen, "fail_times"))
		f->times = (int)v;
	else if (key_eq(key, klen, "fail_space"))
		f->space = (int)v;
	else if (key_eq(key, klen, "fail_min_order"))
		f->min_order = (unsigned int)v;
	else if (key_eq(key, klen, "fail_ignore_wait"))
		f->ignore_wait = (int)v;
	else if (key_eq(key, klen, "fail_ignore_highmem"))
		f->ignore_highmem = (int)v;
	else if (key_eq(key, klen, "fail_nth"))
		f->nth = (unsigned int)v;
	else {
		ref_set_err(
			err, errlen,
			"key '%.*s': unknown key (fail_probability, fail_interval, fail_times, fail_space, fail_min_order, fail_ignore_wait, fail_ignore_highmem, fail_nth, fail_seed)",
			kl, key);
		return -1;
	}
	return 0;
bad:
	ref_set_err(err, errlen, "key '%.*s': bad value '%.*s'", kl, key, vl,
		    val);
	return -1;
}

void ref_fault_format(const struct ref_fault_config *f, struct ref_fmtbuf *fb)
{
	if (f->probability)
		ref_fb_printf(fb, ",fail_probability=%u", f->probability);
	if (f->interval)
		ref_fb_printf(fb, ",fail_interval=%lu", f->interval);
	if (f->times != -1)
		ref_fb_printf(fb, ",fail_times=%d", f->times);
	if (f->space)
		ref_fb_printf(fb, ",fail_space=%d", f->space);
	if (f->min_order)
		ref_fb_printf(fb, ",fail_min_order=%u", f->min_order);
	if (f->ignore_wait)
		ref_fb_printf(fb, ",fail_ignore_wait=%d", f->ignore_wait);
	if (f->ignore_highmem)
		ref_fb_printf(fb, ",fail_ignore_highmem=%d", f->ignore_highmem);
	if (f->nth)
		ref_fb_printf(fb, ",fail_nth=%u", f->nth);
	if (f->seed)
		ref_fb_printf(fb, ",fail_seed=0x%llx",
			      (unsigned long long)f->seed);
}

int ref_fault_validate(const struct ref_fault_config *f, char *err,
		       size_t errlen)
{
	if (f->probability > 100) {
		ref_set_err(err, errlen, "fail_probability %u: must be 0..100",
			    f->probability);
		return -1;
	}
	if (f->times < -1 || f->space < 0) {
		ref_set_err(err, errlen,
			    "fail_times %d / fail_space %d: times must be -1 "
			    "or more, space 0 or more",
			    f->times, f->space);
		return -1;
	}
	if (f->min_order > REF_NR_ORDERS_MAX) {
		ref_set_err(err, errlen, "fail_min_order %u: must be 0..%d",
			    f->min_order, REF_NR_ORDERS_MAX);
		return -1;
	}
	if ((unsigned int)f->ignore_wait > 1 ||
	    (unsigned int)f->ignore_highmem > 1) {
		ref_set_err(err, errlen,
			    "fail_ignore_wait %d / fail_ignore_highmem %d: "
			    "each must be 0 or 1",
			    f->ignore_wait, f->ignore_highmem);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ state */

int ref_fault_enabled(const struct ref_fault_config *fail)
{
	return fail->probability || fail->nth;
}

/* Restart the state from config.fail. Caller holds fault_lock. */
static void fault_load_locked(struct ref_mm *mm)
{
	const struct ref_fault_config *f = &mm->config.fail;

	mm->fault.loaded = 1;
	mm->fault.count = 0;
	mm->fault.times = f->times;
	mm->fault.space = f->space;
	mm->fault.nth = f->nth;
	mm->fault.prng = f->seed;
	mm->fault.nr_injected = 0;
}

/* should_fail_ex() for a request of size pages. Caller holds fault_lock. */
static int should_fail_locked(struct ref_mm *mm, int size)
{
	const struct ref_fault_config *f = &mm->config.fail;
	struct ref_fault_state *st = &mm->fault;

	if (st->nth) {
		if (--st->nth)
			return 0;
		goto fail;
	}
	if (!f->probability || !st->times)
		return 0;
	if (st->space > size) {
		st->space -= size;
		return 0;
	}
	if (f->interval > 1 && ++st->count % f->interval)
		return 0;
	if (f->probability <= splitmix64(&st->prng) % 100)
		return 0;
fail:
	if (st->times > 0)
		st->times--;
	st->nr_injected++;
	return 1;
}

int ref_should_fail_alloc_page(struct ref_mm *mm, ref_gfp_t gfp,
			       unsigned int order)
{
	const struct ref_fault_config *f = &mm->config.fail;
	int fail;

	if (!ref_fault_enabled(f) || order >= mm->config.nr_orders)
		return 0;
#if REF_BUG != 9
	if (order < f->min_order)
		return 0;
#endif
#if REF_BUG != 10
	if (gfp & REF_GFP_NOFAIL)
		return 0;
#endif
	if (f->ignore_highmem && (gfp & REF_GFP_HIGHMEM))
		return 0;
	if (f->ignore_wait && (gfp & REF_GFP_DIRECT_RECLAIM))
		return 0;
	pthread_mutex_lock(&mm->fault_lock);
	if (!mm->fault.loaded)
		fault_load_locked(mm);
	fail = should_fail_locked(mm, 1 << order);
	pthread_mutex_unlock(&mm->fault_lock);
	return fail;
}

unsigned long ref_fault_count(struct ref_mm *mm)
{
	unsigned long n;

	pthread_mutex_lock(&mm->fault_lock);
	n = mm->fault.loaded ? mm->fault.nr_injected : 0;
	pthread_mutex_unlock(&mm->fault_lock);
	return n;
}

static void fault_init(struct ref_mm *mm)
{
	pthread_mutex_init(&mm->fault_lock, NULL);
	mm->fault.loaded = 0;
}

static void fault_drop(struct ref_mm *mm)
{
	pthread_mutex_lock(&mm->fault_lock);
	mm->fault.loaded = 0;
	pthread_mutex_unlock(&mm->fault_lock);
}

static void fault_exit(struct ref_mm *mm)
{
	pthread_mutex_destroy(&mm->fault_lock);
}

static void fault_check(struct ref_mm *mm, enum ref_check_level level,
			struct ref_report *r)
{
	(void)mm;
	(void)level;
	(void)r;
}

const struct ref_component ref_fault_component = {
	"fault", fault_init, fault_drop, fault_exit, fault_check,
};
