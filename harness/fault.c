/* SPDX-License-Identifier: MIT */
/*
 * harness/fault.c - the harness's model of page-allocator fault injection.
 *
 * Written without ref/: the rules of Linux 6.12's should_fail_alloc_page
 * (mm/fail_page_alloc.c) over should_fail_ex (lib/fault-inject.c), from
 * the fail_* knobs of struct mmt_machine, so the shadow knows which calls
 * an adapter with MMT_CAP_FAULT_INJECT must fail. A second copy on
 * purpose (ref/fault.c is the first): tests/harness/test_fault.c holds
 * the two to the same verdicts call for call.
 *
 * Per call, in the kernel's order: order < min_order, __GFP_NOFAIL,
 * ignore_highmem with __GFP_HIGHMEM, ignore_wait with
 * __GFP_DIRECT_RECLAIM: no failure and no state moves. Then nth (when
 * set, it counts down and fails at 0, and nothing else is asked);
 * probability 0 or no times left: no failure; space above the request's
 * 2^order pages: taken from space, no failure; interval above 1: count
 * up, no failure unless count is a multiple of it; a draw
 * splitmix64 % 100 below probability fails. A failure takes one from
 * times unless there is no limit.
 *
 * Also the fail_* knobs' spelling (machine spec keys and --fail), one
 * parser for both.
 */
#include <stdio.h>
#include <string.h>

#include <mmtorture/machine.h>

#include "mmt_lib.h"

int mmt_fault_enabled(const struct mmt_machine *m)
{
	return m->fail_probability || m->fail_nth;
}

void mmt_fault_init(struct mmt_fault *f, const struct mmt_machine *m)
{
	memset(f, 0, sizeof(*f));
	f->on = mmt_fault_enabled(m);
	f->nr_orders = m->nr_orders;
	f->probability = m->fail_probability;
	f->interval = m->fail_interval;
	f->min_order = m->fail_min_order;
	f->flags = m->fail_flags;
	f->times = m->fail_times ? m->fail_times : -1;
	f->space = m->fail_space;
	f->nth = m->fail_nth;
	f->prng = m->fail_seed;
}

/* should_fail_ex for a request of size pages */
static int fault_attr_fails(struct mmt_fault *f, int64_t size)
{
	if (f->nth) {
		f->nth--;
		if (f->nth)
			return 0;
	} else {
		if (!f->probability || f->times == 0)
			return 0;
		if (f->space > size) {
			f->space -= size;
			return 0;
		}
		if (f->interval > 1) {
			f->count++;
			if (f->count % f->interval)
				return 0;
		}
		if (mmt_splitmix64(&f->prng) % 100 >= f->probability)
			return 0;
	}
	if (f->times > 0)
		f->times--;
	f->nr_injected++;
	return 1;
}

int mmt_fault_should_fail(struct mmt_fault *f, uint32_t gfp, uint32_t order)
{
	if (!f->on || order >= f->nr_orders || order < f->min_order ||
	    (gfp & MMT_GFP_NOFAIL))
		return 0;
	if ((f->flags & MMT_FAIL_IGNORE_HIGHMEM) && (gfp & MMT_GFP_HIGHMEM))
		return 0;
	if ((f->flags & MMT_FAIL_IGNORE_WAIT) && (gfp & MMT_GFP_DIRECT_RECLAIM))
		return 0;
	return fault_attr_fails(f, (int64_t)1 << order);
}

/* ------------------------------------------------------------ spelling */

static int name_is(const char *k, size_t kn, const char *name)
{
	return strlen(name) == kn && !memcmp(k, name, kn);
}

int mmt_fault_set(struct mmt_machine *m, const char *key, size_t kn,
		  const char *v, size_t vn, char *msg, size_t msglen)
{
	int ik = (int)(kn < 40 ? kn : 40), iv = (int)(vn < 40 ? vn : 40);
	uint64_t x = 0;
	int bad;

	if (name_is(key, kn, "times") && vn == 2 && !memcmp(v, "-1", 2)) {
		m->fail_times = 0; /* no limit */
		return 0;
	}
	bad = mmt_u64_parse(v, vn, &x);
	if (name_is(key, kn, "seed")) {
		if (bad)
			goto range;
		m->fail_seed = x;
	} else if (name_is(key, kn, "probability")) {
		if (bad || x > 100)
			goto range;
		m->fail_probability = (uint32_t)x;
	} else if (name_is(key, kn, "interval")) {
		if (bad || x > UINT32_MAX)
			goto range;
		m->fail_interval = (uint32_t)x;
	} else if (name_is(key, kn, "times")) {
		if (bad || x == 0 || x > INT32_MAX)
			goto range;
		m->fail_times = (int32_t)x;
	} else if (name_is(key, kn, "space")) {
		if (bad || x > INT32_MAX)
			goto range;
		m->fail_space = (uint32_t)x;
	} else if (name_is(key, kn, "min_order")) {
		if (bad || x > MMT_MACHINE_MAX_ORDERS)
			goto range;
		m->fail_min_order = (uint8_t)x;
	} else if (name_is(key, kn, "nth")) {
		if (bad || x > UINT32_MAX)
			goto range;
		m->fail_nth = (uint32_t)x;
	} else if (name_is(key, kn, "ignore_wait") ||
		   name_is(key, kn, "ignore_highmem")) {
		uint8_t bit = key[7] == 'w' ? MMT_FAIL_IGNORE_WAIT :
					      MMT_FAIL_IGNORE_HIGHMEM;

		if (bad || x > 1)
			goto range;
		m->fail_flags = (uint8_t)(x ? m->fail_flags | bit :
					      m->fail_flags & ~bit);
	} else {
		snprintf(msg, msglen,
			 "unknown fail key '%.*s' (expected probability, "
			 "interval, times, space, min_order, ignore_wait, "
			 "ignore_highmem, nth, seed)",
			 ik, key);
		return -1;
	}
	return 0;
range:
	snprintf(msg, msglen,
		 "bad value '%.*s' for fail_%.*s (probability 0..100, "
		 "interval 0..4294967295, times -1 or 1..2147483647, space "
		 "0..2147483647 pages, min_order 0..16, ignore_wait and "
		 "ignore_highmem 0 or 1, nth 0..4294967295, seed any 64-bit "
		 "number)",
		 iv, v, ik, key);
	return -1;
}

int mmt_fault_parse_option(const char *spec, struct mmt_machine *m, char *msg,
			   size_t msglen)
{
	struct mmt_machine t = *m;
	const char *p = spec;

	if (!*p) {
		snprintf(msg, msglen, "empty fail spec (expected KEY=VALUE)");
		return -1;
	}
	while (*p) {
		size_t n = strcspn(p, ",");
		const char *eq = memchr(p, '=', n);
		size_t kn;

		if (!eq || eq == p) {
			snprintf(msg, msglen, "expected KEY=VALUE, got '%.*s'",
				 (int)(n < 40 ? n : 40), p);
			return -1;
		}
		kn = (size_t)(eq - p);
		if (kn > 5 && !memcmp(p, "fail_", 5)) {
			p += 5;
			kn -= 5;
			n -= 5;
		}
		if (mmt_fault_set(&t, p, kn, eq + 1, n - kn - 1, msg, msglen))
			return -1;
		p += n;
		if (*p == ',')
			p++;
	}
	*m = t;
	return 0;
}

size_t mmt_fault_format(const struct mmt_machine *m, char *buf, size_t len)
{
	struct mmt_sbuf b;

	mmt_sbuf_init(&b, buf, len);
	if (m->fail_probability)
		mmt_sbuf_printf(&b, " fail_probability=%u",
				m->fail_probability);
	if (m->fail_interval)
		mmt_sbuf_printf(&b, " fail_interval=%u", m->fail_interval);
	if (m->fail_times)
		mmt_sbuf_printf(&b, " fail_times=%d", m->fail_times);
	if (m->fail_space)
		mmt_sbuf_printf(&b, " fail_space=%u", m->fail_space);
	if (m->fail_min_order)
		mmt_sbuf_printf(&b, " fail_min_order=%u", m->fail_min_order);
	if (m->fail_flags & MMT_FAIL_IGNORE_WAIT)
		mmt_sbuf_puts(&b, " fail_ignore_wait=1");
	if (m->fail_flags & MMT_FAIL_IGNORE_HIGHMEM)
		mmt_sbuf_puts(&b, " fail_ignore_highmem=1");
	if (m->fail_nth)
		mmt_sbuf_printf(&b, " fail_nth=%u", m->fail_nth);
	if (m->fail_seed)
		mmt_sbuf_printf(&b, " fail_seed=0x%llx",
				(unsigned long long)m->fail_seed);
	return b.pos;
}
