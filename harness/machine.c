/* SPDX-License-Identifier: MIT */
/*
 * machine.c - the harness's machine model (include/mmtorture/machine.h).
 *
 * Models: the machine a program runs on, as the harness sees it: a
 * profile (x86_64 or x86_32, i.e. which zones exist where), an era, a page
 * size, the number of orders, CPUs, banks of present RAM and reserved
 * ranges. Nothing here includes ref/: the shadow's zones and the allowed
 * zones of a mask come from here, independently of the reference's own
 * zone setup, and tests compare the two.
 *
 * Algorithm: the spec is a list of KEY=VALUE tokens; each token is looked
 * up in one key table (spec_keys[]) whose row names the key, whether it
 * may repeat, and the function that parses its value. Banks and reserved
 * ranges are collected in bytes with their columns, converted to pfns
 * once the page size is known (page= may come last), and the whole
 * machine then goes through mmt_machine_check(), whose error names a bank
 * or range index so the parser can point at its token.
 *
 * Invariants: a machine that parsed passes mmt_machine_check();
 * parse(format(m)) == m for every m that passes it; the zones of
 * mmt_arena_from_machine() are disjoint, in type order, and cover every
 * present page.
 *
 * Locks: none; no global mutable state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtorture/machine.h>
#include "mmt_lib.h"

/* The fail_* knobs took spare[0..3]: nothing else of the ABI moved. */
_Static_assert(sizeof(struct mmt_machine) == 360, "struct mmt_machine size");
_Static_assert(offsetof(struct mmt_machine, fail_seed) == 312 &&
		       offsetof(struct mmt_machine, spare) == 344,
	       "struct mmt_machine layout");
_Static_assert(offsetof(struct mmt_adapter_env, arena) == 376,
	       "struct mmt_adapter_env layout");

#define MIB (1ULL << 20)
#define GIB (1ULL << 30)
#define NO_LIMIT UINT64_MAX

/* ------------------------------------------------------------ profiles */

/* One zone of a profile: its type and the byte address it ends at. */
struct zone_bound {
	uint32_t type;
	uint64_t end; /* bytes; NO_LIMIT for the top zone */
};

#define ZONES_PER_PROFILE 3u

#define NR_PROFILES 2u
#define NR_ERAS 2u

static const struct zone_bound profile_zones[NR_PROFILES][ZONES_PER_PROFILE] = {
	[MMT_PROFILE_X86_64] = { { MMT_ZONE_DMA, 16 * MIB },
				 { MMT_ZONE_DMA32, 4 * GIB },
				 { MMT_ZONE_NORMAL, NO_LIMIT } },
	/* x86_32: lowmem ends at 896M, the rest is highmem */
	[MMT_PROFILE_X86_32] = { { MMT_ZONE_DMA, 16 * MIB },
				 { MMT_ZONE_NORMAL, 896 * MIB },
				 { MMT_ZONE_HIGHMEM, NO_LIMIT } },
};

static const char *const profile_names[NR_PROFILES] = {
	[MMT_PROFILE_X86_64] = "x86_64",
	[MMT_PROFILE_X86_32] = "x86_32",
};
static const char *const era_names[NR_ERAS] = {
	[MMT_ERA_6_12] = "6.12",
	[MMT_ERA_2_6] = "2.6",
};

unsigned int mmt_profile_zone_types(uint32_t profile,
				    uint32_t types[MMT_NR_ZONE_TYPES])
{
	if (profile >= NR_PROFILES)
		return 0;
	for (unsigned int z = 0; z < ZONES_PER_PROFILE; z++)
		types[z] = profile_zones[profile][z].type;
	return ZONES_PER_PROFILE;
}

static const char *const zone_names[MMT_NR_ZONE_TYPES] = {
	[MMT_ZONE_DMA] = "DMA",
	[MMT_ZONE_DMA32] = "DMA32",
	[MMT_ZONE_NORMAL] = "Normal",
	[MMT_ZONE_HIGHMEM] = "HighMem",
};

const char *mmt_zone_name(int type)
{
	return type >= 0 && type < MMT_NR_ZONE_TYPES ? zone_names[type] :
						       "none";
}

size_t mmt_zone_mask_format(unsigned int mask, char *buf, size_t len)
{
	struct mmt_sbuf b;

	mmt_sbuf_init(&b, buf, len);
	if (!(mask & ((1u << MMT_NR_ZONE_TYPES) - 1)))
		mmt_sbuf_puts(&b, "none");
	for (int t = 0; t < MMT_NR_ZONE_TYPES; t++) {
		if (!(mask & (1u << t)))
			continue;
		if (b.pos)
			mmt_sbuf_putc(&b, '|');
		mmt_sbuf_puts(&b, zone_names[t]);
	}
	return b.pos;
}

/* ------------------------------------------------------------ basics */

void mmt_machine_default(struct mmt_machine *m)
{
	memset(m, 0, sizeof(*m));
	m->profile = MMT_PROFILE_X86_64;
	m->era = MMT_ERA_6_12;
	m->page_shift = 12;
	m->nr_orders = 11;
	m->nr_cpus = 1;
	m->nr_banks = 1;
	m->banks[0].start_pfn = 0;
	m->banks[0].nr_pages = (64 * MIB) >> 12;
}

static int ranges_equal(const struct mmt_pfn_range *a,
			const struct mmt_pfn_range *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i].start_pfn != b[i].start_pfn ||
		    a[i].nr_pages != b[i].nr_pages)
			return 0;
	return 1;
}

int mmt_machine_equal(const struct mmt_machine *a, const struct mmt_machine *b)
{
	if (a->profile != b->profile || a->era != b->era ||
	    a->page_shift != b->page_shift || a->nr_orders != b->nr_orders ||
	    a->nr_cpus != b->nr_cpus || a->nr_banks != b->nr_banks ||
	    a->nr_reserved != b->nr_reserved || a->mem_limit != b->mem_limit ||
	    a->min_free_kbytes != b->min_free_kbytes ||
	    a->watermark_scale_factor != b->watermark_scale_factor ||
	    a->fail_seed != b->fail_seed ||
	    a->fail_probability != b->fail_probability ||
	    a->fail_interval != b->fail_interval ||
	    a->fail_times != b->fail_times || a->fail_space != b->fail_space ||
	    a->fail_nth != b->fail_nth ||
	    a->fail_min_order != b->fail_min_order ||
	    a->fail_flags != b->fail_flags)
		return 0;
	if (a->nr_banks > MMT_MAX_RANGES || a->nr_reserved > MMT_MAX_RANGES)
		return 0;
	return ranges_equal(a->banks, b->banks, a->nr_banks) &&
	       ranges_equal(a->reserved, b->reserved, a->nr_reserved);
}

/* The mem= limit of m in pfns (UINT64_MAX: none). */
static uint64_t mem_limit_pfn(const struct mmt_machine *m)
{
	return m->mem_limit ? m->mem_limit >> m->page_shift : UINT64_MAX;
}

/* Bank i of m below the mem= limit: 0 when none of it is. */
static int bank_below(const struct mmt_machine *m, uint32_t i, uint64_t *s,
		      uint64_t *e)
{
	uint64_t lim = mem_limit_pfn(m);

	*s = m->banks[i].start_pfn;
	*e = *s + m->banks[i].nr_pages;
	if (*e > lim)
		*e = lim;
	return *s < *e;
}

uint64_t mmt_machine_end_pfn(const struct mmt_machine *m)
{
	uint64_t end = 0, s, e;

	for (uint32_t i = 0; i < m->nr_banks && i < MMT_MAX_RANGES; i++)
		if (bank_below(m, i, &s, &e) && e > end)
			end = e;
	return end;
}

uint64_t mmt_machine_present_pages(const struct mmt_machine *m)
{
	uint64_t n = 0, s, e;

	for (uint32_t i = 0; i < m->nr_banks && i < MMT_MAX_RANGES; i++)
		if (bank_below(m, i, &s, &e))
			n += e - s;
	return n;
}

void mmt_machine_apply_mem(const struct mmt_machine *m, struct mmt_machine *out)
{
	struct mmt_machine t = *m;
	uint64_t end, s, e;

	t.nr_banks = 0;
	t.nr_reserved = 0;
	t.mem_limit = 0;
	for (uint32_t i = 0; i < m->nr_banks && i < MMT_MAX_RANGES; i++) {
		if (!bank_below(m, i, &s, &e))
			continue;
		t.banks[t.nr_banks].start_pfn = s;
		t.banks[t.nr_banks].nr_pages = e - s;
		t.nr_banks++;
	}
	end = mmt_machine_end_pfn(m);
	for (uint32_t i = 0; i < m->nr_reserved && i < MMT_MAX_RANGES; i++) {
		s = m->reserved[i].start_pfn;
		e = s + m->reserved[i].nr_pages;
		if (e > end)
			e = end;
		if (s >= e)
			continue;
		t.reserved[t.nr_reserved].start_pfn = s;
		t.reserved[t.nr_reserved].nr_pages = e - s;
		t.nr_reserved++;
	}
	for (uint32_t i = t.nr_banks; i < MMT_MAX_RANGES; i++)
		t.banks[i] = (struct mmt_pfn_range){ 0, 0 };
	for (uint32_t i = t.nr_reserved; i < MMT_MAX_RANGES; i++)
		t.reserved[i] = (struct mmt_pfn_range){ 0, 0 };
	*out = t;
}

/* ------------------------------------------------------------ arena */

/* The present pfns of m inside [lo, hi): first and one past the last. */
static int present_span(const struct mmt_machine *m, uint64_t lo, uint64_t hi,
			uint64_t *first, uint64_t *last)
{
	*first = UINT64_MAX;
	*last = 0;
	for (uint32_t i = 0; i < m->nr_banks && i < MMT_MAX_RANGES; i++) {
		uint64_t s = m->banks[i].start_pfn;
		uint64_t e = s + m->banks[i].nr_pages;

		s = s > lo ? s : lo;
		e = e < hi ? e : hi;
		if (s >= e)
			continue;
		*first = s < *first ? s : *first;
		*last = e > *last ? e : *last;
	}
	return *first != UINT64_MAX;
}

void mmt_arena_from_machine(const struct mmt_machine *raw, void *base,
			    struct mmt_arena *a)
{
	const struct zone_bound *zb =
		profile_zones[raw->profile < NR_PROFILES ? raw->profile :
							   MMT_PROFILE_X86_64];
	struct mmt_machine mm;
	const struct mmt_machine *m = &mm;
	uint64_t lo = 0;

	uint64_t node_first, node_last;

	mmt_machine_apply_mem(raw, &mm);
	if (!present_span(m, 0, UINT64_MAX, &node_first, &node_last))
		node_first = 0;

	memset(a, 0, sizeof(*a));
	a->base = base;
	a->nr_pfns = mmt_machine_end_pfn(m);
	a->page_size = 1ULL << m->page_shift;
	a->nr_orders = m->nr_orders;
	a->nr_zones = ZONES_PER_PROFILE;
	for (unsigned int z = 0; z < ZONES_PER_PROFILE; z++) {
		uint64_t hi = zb[z].end == NO_LIMIT ?
				      NO_LIMIT :
				      zb[z].end >> m->page_shift;
		struct mmt_arena_zone *az = &a->zones[z];
		uint64_t first, last;

		az->type = zb[z].type;
		if (present_span(m, lo, hi, &first, &last)) {
			/* the kernel's span: the zone's bounds clipped to the
			 * node's, holes inside included */
			az->present = 1;
			az->start_pfn = lo > node_first ? lo : node_first;
			az->end_pfn = hi < a->nr_pfns ? hi : a->nr_pfns;
		} else {
			az->present = 0;
			az->start_pfn = lo < a->nr_pfns ? lo : a->nr_pfns;
			az->end_pfn = az->start_pfn;
		}
		lo = hi;
	}
	a->nr_present = m->nr_banks < MMT_MAX_RANGES ? m->nr_banks :
						       MMT_MAX_RANGES;
	memcpy(a->present, m->banks, sizeof(a->present[0]) * a->nr_present);
	a->nr_reserved = m->nr_reserved < MMT_MAX_RANGES ? m->nr_reserved :
							   MMT_MAX_RANGES;
	memcpy(a->reserved, m->reserved,
	       sizeof(a->reserved[0]) * a->nr_reserved);
}

/* ------------------------------------------------------------ map diff */

/* Ranges r[0, n) sorted, touching ones merged, clipped to [0, end); into
 * out (at most MMT_MAX_RANGES). Returns the count. */
static uint32_t norm_ranges(const struct mmt_pfn_range *r, uint32_t n,
			    struct mmt_pfn_range *out)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < n && i < MMT_MAX_RANGES; i++) {
		struct mmt_pfn_range x = r[i];
		uint32_t j = k;

		if (!x.nr_pages)
			continue;
		while (j > 0 && out[j - 1].start_pfn > x.start_pfn) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = x;
		k++;
	}
	n = k;
	k = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (k && out[i].start_pfn <=
				 out[k - 1].start_pfn + out[k - 1].nr_pages) {
			uint64_t e = out[i].start_pfn + out[i].nr_pages;

			if (e > out[k - 1].start_pfn + out[k - 1].nr_pages)
				out[k - 1].nr_pages = e - out[k - 1].start_pfn;
			continue;
		}
		out[k++] = out[i];
	}
	return k;
}

/* Reserved pages of a inside its present RAM, normalized. */
static uint32_t norm_reserved(const struct mmt_arena *a,
			      struct mmt_pfn_range *out)
{
	struct mmt_pfn_range p[MMT_MAX_RANGES], r[MMT_MAX_RANGES];
	struct mmt_pfn_range cut[MMT_MAX_RANGES];
	uint32_t np = norm_ranges(a->present, a->nr_present, p);
	uint32_t nr = norm_ranges(a->reserved, a->nr_reserved, r), nc = 0;

	for (uint32_t i = 0; i < nr; i++)
		for (uint32_t j = 0; j < np && nc < MMT_MAX_RANGES; j++) {
			uint64_t s = r[i].start_pfn > p[j].start_pfn ?
					     r[i].start_pfn :
					     p[j].start_pfn;
			uint64_t e1 = r[i].start_pfn + r[i].nr_pages;
			uint64_t e2 = p[j].start_pfn + p[j].nr_pages;
			uint64_t e = e1 < e2 ? e1 : e2;

			if (s < e)
				cut[nc++] = (struct mmt_pfn_range){ s, e - s };
		}
	return norm_ranges(cut, nc, out);
}

static size_t fmt_pfn_ranges(const struct mmt_pfn_range *r, uint32_t n,
			     char *buf, size_t len)
{
	size_t pos = 0;

	if (len)
		buf[0] = 0;
	for (uint32_t i = 0; i < n && pos < len; i++) {
		int k = snprintf(buf + pos, len - pos, "%s0x%llx-0x%llx",
				 i ? " " : "",
				 (unsigned long long)r[i].start_pfn,
				 (unsigned long long)(r[i].start_pfn +
						      r[i].nr_pages - 1));
		if (k < 0)
			break;
		pos += (size_t)k;
	}
	if (!n)
		snprintf(buf, len, "none");
	return pos;
}

static const struct mmt_arena_zone *zone_typed(const struct mmt_arena *a,
					       uint32_t type)
{
	for (uint32_t i = 0; i < a->nr_zones && i < MMT_NR_ZONE_TYPES; i++)
		if (a->zones[i].type == type && a->zones[i].present)
			return &a->zones[i];
	return NULL;
}

int mmt_arena_map_diff(const struct mmt_arena *want,
		       const struct mmt_arena *got, char *buf, size_t len)
{
	struct mmt_pfn_range w[MMT_MAX_RANGES], g[MMT_MAX_RANGES];
	char ws[256], gs[256];
	uint32_t nw, ng;

	if (want->page_size != got->page_size) {
		snprintf(buf, len, "page size %llu, not %llu",
			 (unsigned long long)got->page_size,
			 (unsigned long long)want->page_size);
		return 1;
	}
	if (want->nr_orders != got->nr_orders) {
		snprintf(buf, len, "%u orders, not %u", got->nr_orders,
			 want->nr_orders);
		return 1;
	}
	nw = norm_ranges(want->present, want->nr_present, w);
	ng = norm_ranges(got->present, got->nr_present, g);
	if (nw != ng || memcmp(w, g, sizeof(w[0]) * nw)) {
		fmt_pfn_ranges(w, nw, ws, sizeof(ws));
		fmt_pfn_ranges(g, ng, gs, sizeof(gs));
		snprintf(buf, len, "present RAM pfns %s, not %s", gs, ws);
		return 1;
	}
	nw = norm_reserved(want, w);
	ng = norm_reserved(got, g);
	if (nw != ng || memcmp(w, g, sizeof(w[0]) * nw)) {
		fmt_pfn_ranges(w, nw, ws, sizeof(ws));
		fmt_pfn_ranges(g, ng, gs, sizeof(gs));
		snprintf(buf, len, "reserved pfns %s, not %s", gs, ws);
		return 1;
	}
	for (uint32_t t = 0; t < MMT_NR_ZONE_TYPES; t++) {
		const struct mmt_arena_zone *zw = zone_typed(want, t);
		const struct mmt_arena_zone *zg = zone_typed(got, t);

		if (!zw && !zg)
			continue;
		if (!zw || !zg || zw->start_pfn != zg->start_pfn ||
		    zw->end_pfn != zg->end_pfn) {
			snprintf(buf, len,
				 "zone %s spans pfns 0x%llx-0x%llx, not "
				 "0x%llx-0x%llx",
				 mmt_zone_name((int)t),
				 zg ? (unsigned long long)zg->start_pfn : 0ULL,
				 zg ? (unsigned long long)zg->end_pfn : 0ULL,
				 zw ? (unsigned long long)zw->start_pfn : 0ULL,
				 zw ? (unsigned long long)zw->end_pfn : 0ULL);
			return 1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ gfp zones */

static int arena_has_type(const struct mmt_arena *a, uint32_t t)
{
	for (uint32_t i = 0; i < a->nr_zones && i < MMT_NR_ZONE_TYPES; i++)
		if (a->zones[i].type == t)
			return 1;
	return 0;
}

int mmt_gfp_zone_bad(uint32_t gfp)
{
	return !!(gfp & MMT_GFP_DMA) + !!(gfp & MMT_GFP_DMA32) +
		       !!(gfp & MMT_GFP_HIGHMEM) >
	       1;
}

unsigned int mmt_arena_allowed_zones(const struct mmt_arena *a, uint32_t gfp)
{
	int dma = !!(gfp & MMT_GFP_DMA), dma32 = !!(gfp & MMT_GFP_DMA32);
	int high = !!(gfp & MMT_GFP_HIGHMEM);
	uint32_t top = MMT_ZONE_NORMAL;
	unsigned int mask = 0;

	/* at most one of the three; MOVABLE alone picks no zone here
	 * (there is no ZONE_MOVABLE) */
	if (mmt_gfp_zone_bad(gfp))
		return 0;
	if (a->nr_zones == 0)
		return (1u << MMT_NR_ZONE_TYPES) - 1;
	if (dma && arena_has_type(a, MMT_ZONE_DMA))
		top = MMT_ZONE_DMA;
	else if (dma32 && arena_has_type(a, MMT_ZONE_DMA32))
		top = MMT_ZONE_DMA32;
	else if (high && arena_has_type(a, MMT_ZONE_HIGHMEM))
		top = MMT_ZONE_HIGHMEM;
	for (uint32_t t = 0; t <= top; t++)
		if (arena_has_type(a, t))
			mask |= 1u << t;
	return mask;
}

unsigned int mmt_machine_allowed_zones(const struct mmt_machine *m,
				       uint32_t gfp)
{
	struct mmt_arena a;

	mmt_arena_from_machine(m, NULL, &a);
	return mmt_arena_allowed_zones(&a, gfp);
}

uint32_t mmt_zone_gfp(int type)
{
	switch (type) {
	case MMT_ZONE_DMA:
		return MMT_GFP_DMA;
	case MMT_ZONE_DMA32:
		return MMT_GFP_DMA32;
	case MMT_ZONE_HIGHMEM:
		return MMT_GFP_HIGHMEM;
	default:
		return 0;
	}
}

/* Count the aligned 2^k ranges of the free run [lo, hi) into f[k]. */
static void probe_run(uint64_t lo, uint64_t hi, uint32_t top, uint64_t *f)
{
	for (uint32_t k = 0; k < top; k++) {
		uint64_t n = 1ULL << k, b = hi & ~(n - 1);
		uint64_t a = (lo + n - 1) & ~(n - 1);

		if (a < lo || b <= a)
			break; /* none of this order: none above */
		f[k] += (b - a) >> k;
	}
}

/* The free runs of [lo, hi) (no reserved, no held pfn) into f. */
static uint64_t probe_interval(const struct mmt_arena *a, uint64_t lo,
			       uint64_t hi, uint32_t top, mmt_pfn_held_fn held,
			       const void *ctx, uint64_t *f)
{
	uint64_t p = lo, pages = 0;

	while (p < hi) {
		const struct mmt_pfn_range *res = NULL;
		uint64_t stop = hi, run = p;

		/* the reserved range met first from p on bounds the run */
		for (uint32_t i = 0; i < a->nr_reserved && i < MMT_MAX_RANGES;
		     i++) {
			const struct mmt_pfn_range *q = &a->reserved[i];

			if (q->start_pfn + q->nr_pages > p &&
			    q->start_pfn < hi &&
			    (!res || q->start_pfn < res->start_pfn))
				res = q;
		}
		if (res && res->start_pfn <= p) {
			p = res->start_pfn + res->nr_pages;
			continue;
		}
		if (res)
			stop = res->start_pfn;
		for (uint64_t q = p; held && q < stop; q++) {
			if (!held(ctx, q))
				continue;
			if (q > run)
				probe_run(run, q, top, f);
			pages += q - run;
			run = q + 1;
		}
		if (stop > run) {
			probe_run(run, stop, top, f);
			pages += stop - run;
		}
		p = stop;
	}
	return pages;
}

static int cmp_pfn_range(const void *x, const void *y)
{
	const struct mmt_pfn_range *a = x, *b = y;

	return a->start_pfn < b->start_pfn ? -1 : a->start_pfn > b->start_pfn;
}

uint64_t mmt_arena_probe_plan(const struct mmt_arena *a, int zone, uint32_t top,
			      mmt_pfn_held_fn held, const void *ctx,
			      uint64_t *expect)
{
	struct mmt_pfn_range r[MMT_MAX_RANGES];
	uint64_t f[64] = { 0 }, pages = 0;
	uint32_t nr = 0;

	if (top > 63)
		top = 63;
	for (uint32_t i = 0; i < a->nr_present && i < MMT_MAX_RANGES; i++)
		if (a->present[i].nr_pages)
			r[nr++] = a->present[i];
	qsort(r, nr, sizeof(r[0]), cmp_pfn_range);
	for (uint32_t i = 0; i < nr; i++) {
		uint64_t lo = r[i].start_pfn, hi = lo + r[i].nr_pages;

		/* adjacent ranges are one run */
		while (i + 1 < nr && r[i + 1].start_pfn == hi)
			hi += r[++i].nr_pages;
		if (zone < 0 || !a->nr_zones) {
			pages += probe_interval(a, lo, hi, top, held, ctx, f);
			continue;
		}
		for (uint32_t z = 0; z < a->nr_zones && z < MMT_NR_ZONE_TYPES;
		     z++) {
			const struct mmt_arena_zone *az = &a->zones[z];
			uint64_t zl, zh;

			if (!az->present || (int)az->type != zone)
				continue;
			zl = az->start_pfn > lo ? az->start_pfn : lo;
			zh = az->end_pfn < hi ? az->end_pfn : hi;
			if (zl < zh)
				pages += probe_interval(a, zl, zh, top, held,
							ctx, f);
		}
	}
	for (uint32_t k = 0; k < top; k++)
		expect[k] = k + 1 < top ? f[k] - 2 * f[k + 1] : f[k];
	return pages;
}

int mmt_arena_zone_of(const struct mmt_arena *a, uint64_t pfn)
{
	uint32_t i;

	for (i = 0; i < a->nr_zones && i < MMT_NR_ZONE_TYPES; i++) {
		const struct mmt_arena_zone *z = &a->zones[i];

		if (z->present && pfn >= z->start_pfn && pfn < z->end_pfn)
			break;
	}
	if (i == a->nr_zones || i >= MMT_NR_ZONE_TYPES)
		return -1;
	/* a hole inside a zone's span holds no page of it */
	for (uint32_t k = 0; k < a->nr_present && k < MMT_MAX_RANGES; k++)
		if (pfn >= a->present[k].start_pfn &&
		    pfn - a->present[k].start_pfn < a->present[k].nr_pages)
			return (int)a->zones[i].type;
	return -1;
}

/* ------------------------------------------------------------ errors */

static void spec_err(struct mmt_spec_error *e, unsigned int col,
		     const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void spec_err(struct mmt_spec_error *e, unsigned int col,
		     const char *field, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	e->column = col;
	snprintf(e->field, sizeof(e->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ the rules */

/* The fail_* knobs' ranges (docs/fault-injection.md). */
static int check_fail(const struct mmt_machine *m, struct mmt_spec_error *e)
{
	if (m->fail_probability > 100) {
		spec_err(e, 1, "fail_probability",
			 "fail_probability %u is out of range 0..100",
			 m->fail_probability);
		return -1;
	}
	if (m->fail_times < 0 || m->fail_space > INT32_MAX) {
		spec_err(e, 1, m->fail_times < 0 ? "fail_times" : "fail_space",
			 "fail_times %d / fail_space %u out of range (times "
			 "1.. or 0 for no limit, space 0..2147483647)",
			 m->fail_times, m->fail_space);
		return -1;
	}
	if (m->fail_min_order > MMT_MACHINE_MAX_ORDERS) {
		spec_err(e, 1, "fail_min_order",
			 "fail_min_order %u is out of range 0..%u",
			 m->fail_min_order, MMT_MACHINE_MAX_ORDERS);
		return -1;
	}
	if (m->fail_flags & ~(MMT_FAIL_IGNORE_WAIT | MMT_FAIL_IGNORE_HIGHMEM) ||
	    m->fail_pad) {
		spec_err(e, 1, "fail_flags", "unknown fail_flags bits 0x%x",
			 m->fail_flags);
		return -1;
	}
	return 0;
}

/*
 * Where a rule failed: the bank index, MMT_MAX_RANGES + the reserved
 * range index, or -1 for the machine as a whole.
 */
#define AT_MACHINE (-1)
#define AT_RESERVE(i) ((int)MMT_MAX_RANGES + (int)(i))

static int check_scalars(const struct mmt_machine *m, struct mmt_spec_error *e)
{
	if (m->page_shift != 12 && m->page_shift != 13) {
		spec_err(e, 1, "page", "page size must be 4K or 8K");
		return -1;
	}
	if (m->profile >= NR_PROFILES) {
		spec_err(e, 1, "profile", "unknown profile");
		return -1;
	}
	if (m->era >= NR_ERAS) {
		spec_err(e, 1, "era", "unknown era");
		return -1;
	}
	if (m->nr_orders < 1 || m->nr_orders > MMT_MACHINE_MAX_ORDERS) {
		spec_err(e, 1, "orders", "orders %u is out of range 1..%u",
			 m->nr_orders, MMT_MACHINE_MAX_ORDERS);
		return -1;
	}
	if (m->nr_cpus < 1 || m->nr_cpus > MMT_MACHINE_MAX_CPUS) {
		spec_err(e, 1, "cpus", "cpus %u is out of range 1..%u",
			 m->nr_cpus, MMT_MACHINE_MAX_CPUS);
		return -1;
	}
	if (m->min_free_kbytes > MMT_MACHINE_MAX_MIN_FREE_KBYTES) {
		spec_err(e, 1, "min_free_kbytes",
			 "min_free_kbytes %llu is above %u",
			 (unsigned long long)m->min_free_kbytes,
			 MMT_MACHINE_MAX_MIN_FREE_KBYTES);
		return -1;
	}
	if (m->watermark_scale_factor && m->era == MMT_ERA_2_6) {
		spec_err(e, 1, "watermark_scale_factor",
			 "2.6.18 has no watermark_scale_factor (it came with "
			 "4.6)");
		return -1;
	}
	if (m->watermark_scale_factor > 3000) {
		spec_err(e, 1, "watermark_scale_factor",
			 "watermark_scale_factor %u is out of range 1..3000",
			 m->watermark_scale_factor);
		return -1;
	}
	return check_fail(m, e);
}

static int check_banks(const struct mmt_machine *m, struct mmt_spec_error *e,
		       int *where)
{
	uint64_t max_pfn = MMT_MACHINE_MAX_BYTES >> m->page_shift;
	uint64_t end = 0, pages = 0, top = 1ULL << (m->nr_orders - 1);
	char a[32], t[32];

	if (m->nr_banks < 1 || m->nr_banks > MMT_MAX_RANGES) {
		spec_err(e, 1, "bank", "a machine has 1..%u banks, not %u",
			 MMT_MAX_RANGES, m->nr_banks);
		return -1;
	}
	for (uint32_t i = 0; i < m->nr_banks; i++) {
		const struct mmt_pfn_range *b = &m->banks[i];

		*where = (int)i;
		if (b->nr_pages == 0) {
			spec_err(e, 1, "bank", "bank %u is empty", i);
			return -1;
		}
		if (b->start_pfn > max_pfn || b->nr_pages > max_pfn ||
		    b->start_pfn + b->nr_pages > max_pfn) {
			spec_err(e, 1, "bank", "bank %u ends above 1T", i);
			return -1;
		}
		if (i > 0 && b->start_pfn < end) {
			spec_err(e, 1, "bank",
				 "bank %u starts below the end of bank %u "
				 "(banks must be sorted and disjoint)",
				 i, i - 1);
			return -1;
		}
		end = b->start_pfn + b->nr_pages;
		pages += b->nr_pages;
	}
	*where = 0; /* point at the first bank */
	if (m->mem_limit & ((1ULL << m->page_shift) - 1)) {
		*where = AT_MACHINE;
		spec_err(e, 1, "mem", "mem is not a multiple of the page size");
		return -1;
	}
	if (m->mem_limit) {
		*where = AT_MACHINE;
		pages = mmt_machine_present_pages(m);
		if (pages < top) {
			mmt_size_format(pages << m->page_shift, a, sizeof(a));
			mmt_size_format(top << m->page_shift, t, sizeof(t));
			spec_err(e, 1, "mem",
				 "mem= leaves %s of RAM, below one top-order "
				 "block (%s)",
				 a, t);
			return -1;
		}
	}
	if (pages < top) {
		mmt_size_format(pages << m->page_shift, a, sizeof(a));
		mmt_size_format(top << m->page_shift, t, sizeof(t));
		spec_err(e, 1, "bank",
			 "RAM %s is below one top-order block (%s)", a, t);
		return -1;
	}
	return 0;
}

static int check_reserved(const struct mmt_machine *m, struct mmt_spec_error *e,
			  int *where)
{
	uint64_t end = 0;

	for (uint32_t i = 0; i < m->nr_banks && i < MMT_MAX_RANGES; i++)
		if (m->banks[i].start_pfn + m->banks[i].nr_pages > end)
			end = m->banks[i].start_pfn + m->banks[i].nr_pages;

	if (m->nr_reserved > MMT_MAX_RANGES) {
		spec_err(e, 1, "reserve", "at most %u reserved ranges",
			 MMT_MAX_RANGES);
		return -1;
	}
	for (uint32_t i = 0; i < m->nr_reserved; i++) {
		const struct mmt_pfn_range *r = &m->reserved[i];

		*where = AT_RESERVE(i);
		if (r->nr_pages == 0) {
			spec_err(e, 1, "reserve", "reserved range %u is empty",
				 i);
			return -1;
		}
		if (r->start_pfn >= end || r->nr_pages > end ||
		    r->start_pfn + r->nr_pages > end) {
			spec_err(e, 1, "reserve",
				 "reserved range %u ends beyond the last bank",
				 i);
			return -1;
		}
	}
	return 0;
}

/* The rules; *where says which bank or range failed (AT_MACHINE: none). */
static int machine_check_at(const struct mmt_machine *m,
			    struct mmt_spec_error *e, int *where)
{
	*where = AT_MACHINE;
	if (check_scalars(m, e) || check_banks(m, e, where) ||
	    check_reserved(m, e, where))
		return -1;
	*where = AT_MACHINE;
	return 0;
}

int mmt_machine_check(const struct mmt_machine *m, struct mmt_spec_error *e)
{
	int where;

	if (e)
		memset(e, 0, sizeof(*e));
	return machine_check_at(m, e, &where);
}

/* ------------------------------------------------------------ the parser */

/* A range as written: bytes, and the column of its token. */
struct spec_range {
	uint64_t size, start;
	unsigned int col;
};

/* One spec being parsed. */
struct spec_parse {
	struct mmt_machine *m;
	struct mmt_spec_error *e;
	struct spec_range banks[MMT_MAX_RANGES], res[MMT_MAX_RANGES];
	unsigned int nb, nr, ram_col;
	unsigned int seen; /* bit per row of spec_keys[] */
	uint64_t mem; /* mem= in bytes, 0 if absent */
	unsigned int mem_col;
};

/* The token at hand: its key row, value and column. */
struct spec_tok {
	const char *key; /* the key's name (from the table) */
	const char *v; /* the value, vn bytes */
	size_t vn;
	unsigned int col; /* 1-based, of the token */
};

static int vis(const struct spec_tok *t, const char *s)
{
	return t->vn == strlen(s) && memcmp(t->v, s, t->vn) == 0;
}

/* Index of t's value in names[n], or -1. */
static int pick(const struct spec_tok *t, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (vis(t, names[i]))
			return i;
	return -1;
}

static int key_profile(struct spec_parse *p, const struct spec_tok *t)
{
	int i = pick(t, profile_names, (int)NR_PROFILES);

	if (i < 0) {
		spec_err(p->e, t->col, "profile",
			 "profile must be x86_64 or x86_32");
		return -1;
	}
	p->m->profile = (uint32_t)i;
	return 0;
}

static int key_era(struct spec_parse *p, const struct spec_tok *t)
{
	int i = pick(t, era_names, (int)NR_ERAS);

	if (i < 0) {
		spec_err(p->e, t->col, "era", "era must be 6.12 or 2.6");
		return -1;
	}
	p->m->era = (uint32_t)i;
	return 0;
}

static int key_page(struct spec_parse *p, const struct spec_tok *t)
{
	uint64_t x;

	if (mmt_size_parse(t->v, t->vn, &x) || (x != 4096 && x != 8192)) {
		spec_err(p->e, t->col, "page", "page must be 4K or 8K");
		return -1;
	}
	p->m->page_shift = x == 4096 ? 12 : 13;
	return 0;
}

/* orders= and cpus=: a plain number (the range is mmt_machine_check's). */
static int spec_count(struct spec_parse *p, const struct spec_tok *t,
		      uint32_t *out)
{
	uint64_t x;

	if (mmt_u64_parse(t->v, t->vn, &x) || x > 1000) {
		spec_err(p->e, t->col, t->key, "bad number for %s", t->key);
		return -1;
	}
	*out = (uint32_t)x;
	return 0;
}

static int key_orders(struct spec_parse *p, const struct spec_tok *t)
{
	return spec_count(p, t, &p->m->nr_orders);
}

static int key_cpus(struct spec_parse *p, const struct spec_tok *t)
{
	return spec_count(p, t, &p->m->nr_cpus);
}

/* SIZE@START into r (bytes). */
static int spec_range(struct spec_parse *p, const struct spec_tok *t,
		      struct spec_range *r)
{
	const char *at = memchr(t->v, '@', t->vn);
	size_t sn = at ? (size_t)(at - t->v) : 0;

	if (!at || mmt_size_parse(t->v, sn, &r->size) ||
	    mmt_size_parse(at + 1, t->vn - sn - 1, &r->start)) {
		spec_err(p->e, t->col, t->key,
			 "bad %s '%.*s' (expected SIZE@START)", t->key,
			 (int)(t->vn < 40 ? t->vn : 40), t->v);
		return -1;
	}
	r->col = t->col;
	return 0;
}

static int spec_add_range(struct spec_parse *p, const struct spec_tok *t,
			  struct spec_range *rs, unsigned int *n)
{
	if (*n == MMT_MAX_RANGES) {
		spec_err(p->e, t->col, t->key, "at most %u %s ranges",
			 MMT_MAX_RANGES, t->key);
		return -1;
	}
	if (spec_range(p, t, &rs[*n]))
		return -1;
	(*n)++;
	return 0;
}

static int key_bank(struct spec_parse *p, const struct spec_tok *t)
{
	return spec_add_range(p, t, p->banks, &p->nb);
}

static int key_reserve(struct spec_parse *p, const struct spec_tok *t)
{
	return spec_add_range(p, t, p->res, &p->nr);
}

static int key_mem(struct spec_parse *p, const struct spec_tok *t)
{
	uint64_t x;

	if (mmt_size_parse(t->v, t->vn, &x) || x == 0 ||
	    x > MMT_MACHINE_MAX_BYTES) {
		spec_err(p->e, t->col, "mem",
			 "bad size for mem (an address limit above 0, at "
			 "most 1T)");
		return -1;
	}
	p->mem = x;
	p->mem_col = t->col;
	return 0;
}

static int key_min_free_kbytes(struct spec_parse *p, const struct spec_tok *t)
{
	uint64_t x;

	if (mmt_u64_parse(t->v, t->vn, &x) || x == 0 ||
	    x > MMT_MACHINE_MAX_MIN_FREE_KBYTES) {
		spec_err(p->e, t->col, "min_free_kbytes",
			 "bad number for min_free_kbytes (1..%u)",
			 MMT_MACHINE_MAX_MIN_FREE_KBYTES);
		return -1;
	}
	p->m->min_free_kbytes = x;
	return 0;
}

static int key_wsf(struct spec_parse *p, const struct spec_tok *t)
{
	uint64_t x;

	if (mmt_u64_parse(t->v, t->vn, &x) || x == 0 || x > 3000) {
		spec_err(p->e, t->col, "watermark_scale_factor",
			 "bad number for watermark_scale_factor (1..3000)");
		return -1;
	}
	p->m->watermark_scale_factor = (uint32_t)x;
	return 0;
}

/* fail_*: one parser with --fail (harness/fault.c) */
static int key_fail(struct spec_parse *p, const struct spec_tok *t)
{
	char msg[sizeof(p->e->message)];

	if (mmt_fault_set(p->m, t->key + 5, strlen(t->key) - 5, t->v, t->vn,
			  msg, sizeof(msg))) {
		spec_err(p->e, t->col, t->key, "%s", msg);
		return -1;
	}
	return 0;
}

static int key_ram(struct spec_parse *p, const struct spec_tok *t)
{
	uint64_t x;

	if (mmt_size_parse(t->v, t->vn, &x)) {
		spec_err(p->e, t->col, "ram", "bad size for ram");
		return -1;
	}
	p->ram_col = t->col;
	p->banks[0] = (struct spec_range){ x, 0, t->col };
	return 0;
}

struct spec_key {
	const char *name;
	int repeats; /* may appear more than once */
	int (*parse)(struct spec_parse *p, const struct spec_tok *t);
};

static const struct spec_key spec_keys[] = {
	{ "profile", 0, key_profile },
	{ "era", 0, key_era },
	{ "page", 0, key_page },
	{ "orders", 0, key_orders },
	{ "cpus", 0, key_cpus },
	{ "bank", 1, key_bank },
	{ "reserve", 1, key_reserve },
	{ "ram", 0, key_ram },
	{ "mem", 0, key_mem },
	{ "min_free_kbytes", 0, key_min_free_kbytes },
	{ "watermark_scale_factor", 0, key_wsf },
	{ "fail_probability", 0, key_fail },
	{ "fail_interval", 0, key_fail },
	{ "fail_times", 0, key_fail },
	{ "fail_space", 0, key_fail },
	{ "fail_min_order", 0, key_fail },
	{ "fail_ignore_wait", 0, key_fail },
	{ "fail_ignore_highmem", 0, key_fail },
	{ "fail_nth", 0, key_fail },
	{ "fail_seed", 0, key_fail },
};

#define NR_SPEC_KEYS (sizeof(spec_keys) / sizeof(spec_keys[0]))

/* One KEY=VALUE token s[0, n) at column col. */
static int spec_token(struct spec_parse *p, const char *s, size_t n,
		      unsigned int col)
{
	const char *eq = memchr(s, '=', n);
	size_t kn = eq ? (size_t)(eq - s) : 0;
	struct spec_tok t;
	unsigned int k;

	if (!eq) {
		spec_err(p->e, col, "key", "expected KEY=VALUE, got '%.*s'",
			 (int)(n < 40 ? n : 40), s);
		return -1;
	}
	for (k = 0; k < NR_SPEC_KEYS; k++)
		if (strlen(spec_keys[k].name) == kn &&
		    memcmp(spec_keys[k].name, s, kn) == 0)
			break;
	if (k == NR_SPEC_KEYS) {
		spec_err(p->e, col, "key",
			 "unknown machine key '%.*s' (expected profile, era, "
			 "page, orders, cpus, bank, reserve, ram, mem, "
			 "min_free_kbytes, watermark_scale_factor, fail_*)",
			 (int)(kn < 40 ? kn : 40), s);
		return -1;
	}
	if (!spec_keys[k].repeats && (p->seen & (1u << k))) {
		spec_err(p->e, col, spec_keys[k].name, "duplicate key '%s'",
			 spec_keys[k].name);
		return -1;
	}
	p->seen |= 1u << k;
	t = (struct spec_tok){ spec_keys[k].name, eq + 1, n - kn - 1, col };
	if (memchr(t.v, ',', t.vn)) {
		spec_err(p->e, col, t.key,
			 "',' in '%.*s': keys are separated by spaces",
			 (int)(n < 40 ? n : 40), s);
		return -1;
	}
	return spec_keys[k].parse(p, &t);
}

/* Split s into tokens (spaces and tabs, '#' ends the spec), parse each. */
static int spec_tokens(struct spec_parse *p, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && s[i] != '#') {
		size_t j = i;

		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r') {
			i++;
			continue;
		}
		while (j < len && s[j] != ' ' && s[j] != '\t' && s[j] != '\r' &&
		       s[j] != '#')
			j++;
		if (spec_token(p, s + i, j - i, (unsigned int)i + 1))
			return -1;
		i = j;
	}
	return 0;
}

/* Banks and reserved ranges, bytes to pfns now that the page is known. */
static int spec_ranges_to_pfns(struct spec_parse *p)
{
	struct mmt_machine *m = p->m;
	uint64_t ps = 1ULL << m->page_shift;
	unsigned int nb = p->ram_col ? 1 : p->nb;

	if (nb) {
		m->nr_banks = nb;
		memset(m->banks, 0, sizeof(m->banks));
	}
	for (unsigned int i = 0; i < nb + p->nr; i++) {
		const struct spec_range *r = i < nb ? &p->banks[i] :
						      &p->res[i - nb];
		const char *f = i < nb ? (p->ram_col ? "ram" : "bank") :
					 "reserve";
		struct mmt_pfn_range *out = i < nb ? &m->banks[i] :
						     &m->reserved[i - nb];

		if ((r->size | r->start) & (ps - 1)) {
			spec_err(p->e, r->col, f,
				 "%s is not a multiple of the page size %llu",
				 f, (unsigned long long)ps);
			return -1;
		}
		if (r->start > MMT_MACHINE_MAX_BYTES ||
		    r->size > MMT_MACHINE_MAX_BYTES) {
			spec_err(p->e, r->col, f, "%s lies above 1T", f);
			return -1;
		}
		out->start_pfn = r->start >> m->page_shift;
		out->nr_pages = r->size >> m->page_shift;
	}
	m->nr_reserved = p->nr;
	if (p->mem_col && (p->mem & (ps - 1))) {
		spec_err(p->e, p->mem_col, "mem",
			 "mem is not a multiple of the page size %llu",
			 (unsigned long long)ps);
		return -1;
	}
	m->mem_limit = p->mem;
	return 0;
}

int mmt_machine_parse_spec(const char *s, size_t len, struct mmt_machine *m,
			   struct mmt_spec_error *e)
{
	struct spec_parse p;
	int where;

	memset(&p, 0, sizeof(p));
	p.m = m;
	p.e = e;
	if (e)
		memset(e, 0, sizeof(*e));
	mmt_machine_default(m);
	if (spec_tokens(&p, s, len))
		return -1;
	if (p.ram_col && p.nb) {
		spec_err(e, p.ram_col, "ram",
			 "ram= and bank= exclude each other");
		return -1;
	}
	if (spec_ranges_to_pfns(&p))
		return -1;
	if (machine_check_at(m, e, &where)) {
		/* point at the token of the bank or range at fault */
		if (e && where >= 0 && (unsigned int)where < m->nr_banks &&
		    where < (int)MMT_MAX_RANGES)
			e->column = p.banks[where].col;
		else if (e && where >= AT_RESERVE(0))
			e->column = p.res[where - AT_RESERVE(0)].col;
		else if (e && p.mem_col && !strcmp(e->field, "mem"))
			e->column = p.mem_col;
		return -1;
	}
	return 0;
}

int mmt_machine_parse_arg(const char *spec, struct mmt_machine *m, char *msg,
			  size_t len)
{
	struct mmt_spec_error e;

	if (mmt_machine_parse_spec(spec, strlen(spec), m, &e) == 0)
		return 0;
	snprintf(msg, len, "column %u: field '%s': %s", e.column, e.field,
		 e.message);
	return -1;
}

/* ------------------------------------------------------------ formatter */

/*
 * The longest canonical spec: the scalars (under 80 bytes) and 16 ranges
 * of at most 2 x 20 digits and a unit each, with their key: under 1K.
 * The spec is built whole in a local buffer of that size and then copied
 * out, snprintf-like.
 */
#define SPEC_MAX 1024

static size_t fmt_ranges(const struct mmt_machine *m, const char *key,
			 const struct mmt_pfn_range *r, uint32_t n, char *out,
			 size_t room)
{
	size_t pos = 0;
	char a[32], c[32];

	for (uint32_t i = 0; i < n && i < MMT_MAX_RANGES; i++) {
		int k;

		mmt_size_format(r[i].nr_pages << m->page_shift, a, sizeof(a));
		mmt_size_format(r[i].start_pfn << m->page_shift, c, sizeof(c));
		k = snprintf(out + pos, room - pos, " %s=%s@%s", key, a, c);
		if (k > 0 && (size_t)k < room - pos)
			pos += (size_t)k;
	}
	return pos;
}

size_t mmt_machine_format_spec(const struct mmt_machine *m, char *buf,
			       size_t len)
{
	char spec[SPEC_MAX];
	int k;
	size_t pos;

	k = snprintf(
		spec, sizeof(spec),
		"profile=%s era=%s page=%s orders=%u cpus=%u",
		profile_names[m->profile == MMT_PROFILE_X86_32 ?
				      MMT_PROFILE_X86_32 :
				      MMT_PROFILE_X86_64],
		era_names[m->era == MMT_ERA_2_6 ? MMT_ERA_2_6 : MMT_ERA_6_12],
		m->page_shift == 13 ? "8K" : "4K", m->nr_orders, m->nr_cpus);
	pos = k > 0 ? (size_t)k : 0;
	pos += fmt_ranges(m, "bank", m->banks, m->nr_banks, spec + pos,
			  sizeof(spec) - pos);
	pos += fmt_ranges(m, "reserve", m->reserved, m->nr_reserved, spec + pos,
			  sizeof(spec) - pos);
	if (m->mem_limit) {
		char a[32];

		mmt_size_format(m->mem_limit, a, sizeof(a));
		k = snprintf(spec + pos, sizeof(spec) - pos, " mem=%s", a);
		if (k > 0 && (size_t)k < sizeof(spec) - pos)
			pos += (size_t)k;
	}
	if (m->min_free_kbytes) {
		k = snprintf(spec + pos, sizeof(spec) - pos,
			     " min_free_kbytes=%llu",
			     (unsigned long long)m->min_free_kbytes);
		if (k > 0 && (size_t)k < sizeof(spec) - pos)
			pos += (size_t)k;
	}
	if (m->watermark_scale_factor) {
		k = snprintf(spec + pos, sizeof(spec) - pos,
			     " watermark_scale_factor=%u",
			     m->watermark_scale_factor);
		if (k > 0 && (size_t)k < sizeof(spec) - pos)
			pos += (size_t)k;
	}
	if (pos < sizeof(spec)) {
		size_t n = mmt_fault_format(m, spec + pos, sizeof(spec) - pos);

		pos += n < sizeof(spec) - pos ? n : 0;
	}
	if (buf && len)
		snprintf(buf, len, "%s", spec);
	return pos;
}
