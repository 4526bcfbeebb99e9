/* SPDX-License-Identifier: MIT */
/*
 * arena.c - the arenas the harness maps for PAGES adapters without
 * OWN_ARENA, and their reuse across runs.
 *
 * Models: the RAM a fresh process would hand an allocator: an anonymous
 * mapping whose every byte reads zero, aligned to one top-order block
 * (mmt_arena_map(), also what stress maps).
 *
 * Reuse: a fuzzer runs thousands of programs a second, and a fresh
 * mapping per program pays a page fault for every page the program
 * touches (the allocator's zeroing, the shadow's fill cookies): the
 * faults were most of what an input cost for a plug-in. A leased arena
 * (mmt_arena_lease()) is therefore parked when its run ends and the next
 * lease of a machine that fits takes it, but only after it has been made
 * to read as a fresh one again, so that what a run observes never depends
 * on the runs before it (a reproducer replays the same in a fresh
 * process):
 *   - the executor marks every page of every block the adapter handed out
 *     (mmt_arena_touch()): the only pages the shadow writes, and the ones
 *     an allocator zeroes;
 *   - release asks mincore() which pages are resident. A resident marked
 *     page is cleared with memset() and stays resident (the next run's
 *     writes to it cost no fault); a resident page not marked was touched
 *     some other way (the allocator's own metadata, a stray write, a page
 *     kept from an earlier run) and is dropped with MADV_DONTNEED, which
 *     gives a private anonymous page back as zero on its next touch.
 *   So after release every resident page is zero and the rest read zero,
 *   whatever the adapter wrote where. The work is proportional to the
 *   pages the run touched, not to the arena. (Keeping unmarked pages
 *   resident for later runs, zeroed after a read, cost more CPU than the
 *   faults it saved: the pages a fuzz input touches differ from one input
 *   to the next.)
 * Holes: only the machine's banks are readable and writable; the pfns no
 * bank covers, and the tail of a parked arena larger than the machine,
 * are PROT_NONE, in a fresh mapping and a parked one alike (a fresh one is
 * fitted to the machine as a parked one is, by lease_protect()). An
 * adapter touching a hole is buggy and faults the same either way
 * (harness/crash.c reports it); pages leaving the banks at a refit are
 * dropped first, so a hole holds no page. Release therefore scans and
 * mincore()s the banks only, and a machine with a bank at 4 GiB (an arena
 * spanning more than 4 GiB, a few MiB of it present) is parked as cheaply
 * as a small one.
 *
 * Invariants: a parked arena has no page that reads non-zero, no resident
 * page outside its banks and an empty touched map; at most ARENA_PARKED
 * are parked (a differential run holds two at once), each with at most
 * ARENA_PARK_MAX present bytes (the span is address space only).
 *
 * Locks: park_lock guards the parked slots only; a lease belongs to one
 * run (one thread).
 *
 * MMT_REUSE=0 in the environment turns reuse off here and in ref-pages
 * (mmt_reuse_enabled(); MMT_REF_REUSE=0, its older name, too).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mmtorture/exec.h>
#include <mmtorture/machine.h>

#include "mmt_internal.h"
#include "mmt_lib.h"

#define ARENA_PARKED 2
#define ARENA_PARK_MAX (1ULL << 30) /* present bytes of a parked arena */
#define ARENA_VEC 16384u /* mincore() entries per call */
/* Alignment of a leased arena: the largest any checked machine asks for
 * (16 orders of 8 KiB pages), so a parked arena fits every machine's
 * alignment (address space only: map_aligned() trims the slack). */
#define ARENA_ALIGN ((size_t)1 << 28)

static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mmt_arena_lease parked[ARENA_PARKED];
static int park_registered;

static size_t host_page(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	return ps > 0 ? (size_t)ps : 4096;
}

/* Bytes and alignment of m's arena; 0 when it cannot be mapped. */
static int arena_geometry(const struct mmt_machine *m, size_t *bytes,
			  size_t *align)
{
	uint64_t b = mmt_machine_end_pfn(m) << m->page_shift;
	uint64_t a = 1ULL << m->page_shift;

	if (m->page_shift < 12 || m->page_shift > 20)
		a = 4096;
	else if (m->nr_orders >= 1 && m->nr_orders <= 32)
		a <<= m->nr_orders - 1;
	if (b == 0 || b > SIZE_MAX / 2 || a > SIZE_MAX / 2)
		return -1;
	if (a < host_page())
		a = host_page();
	*bytes = (size_t)b;
	*align = (size_t)a;
	return 0;
}

/* An anonymous mapping of bytes at an address aligned to align. */
static void *map_aligned(size_t bytes, size_t align)
{
	size_t span = bytes + align, head;
	unsigned char *r;

	r = mmap(NULL, span, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		return MAP_FAILED;
	head = (size_t)((align - (uintptr_t)r % align) % align);
	if (head)
		munmap(r, head);
	if (span - head - bytes)
		munmap(r + head + bytes, span - head - bytes);
	return r + head;
}

void *mmt_arena_map(const struct mmt_machine *m, size_t *len)
{
	size_t bytes, align;
	void *p;

	*len = 0;
	if (arena_geometry(m, &bytes, &align)) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	p = map_aligned(bytes, align);
	if (p != MAP_FAILED)
		*len = bytes;
	return p;
}

uint64_t mmt_first_nonzero(const void *p, uint64_t n)
{
	const unsigned char *b = p;
	uint64_t i = 0;

	/* 64 bytes a step while they are all zero (the common case: the
	 * compiler turns the OR of eight words into vector loads). */
	for (; i + 64 <= n; i += 64) {
		uint64_t w[8], any = 0;

		memcpy(w, b + i, sizeof(w));
		for (unsigned int k = 0; k < 8; k++)
			any |= w[k];
		if (any)
			break;
	}
	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, b + i, 8);
		if (w)
			break;
	}
	for (; i < n; i++)
		if (b[i])
			return i;
	return n;
}

/* ------------------------------------------------------------ lease */

static void lease_unmap(struct mmt_arena_lease *l)
{
	if (l->base)
		munmap(l->base, l->cap);
	free(l->touched);
	memset(l, 0, sizeof(*l));
}

static void park_drain(void)
{
	pthread_mutex_lock(&park_lock);
	for (unsigned int i = 0; i < ARENA_PARKED; i++)
		lease_unmap(&parked[i]);
	pthread_mutex_unlock(&park_lock);
}

/* A parked arena that can serve bytes at align, taken out; 0 if none. */
static int park_take(size_t bytes, size_t align, struct mmt_arena_lease *l)
{
	int pick = -1;

	pthread_mutex_lock(&park_lock);
	for (int i = 0; i < ARENA_PARKED; i++) {
		const struct mmt_arena_lease *p = &parked[i];

		if (!p->base || p->cap < bytes || (uintptr_t)p->base % align)
			continue;
		/* the smallest that fits leaves the big one for a big run */
		if (pick < 0 || p->cap < parked[pick].cap)
			pick = i;
	}
	if (pick >= 0) {
		*l = parked[pick];
		memset(&parked[pick], 0, sizeof(parked[pick]));
	}
	pthread_mutex_unlock(&park_lock);
	return pick >= 0;
}

/*
 * The host pages of m's banks below its mem= limit, sorted and merged (banks are sorted and
 * disjoint in a checked machine; a host page larger than the machine's
 * may round two banks into one range). Returns the number of ranges.
 */
static unsigned int machine_ranges(const struct mmt_machine *raw, size_t page,
				   struct mmt_arena_range *r)
{
	struct mmt_machine mm;
	const struct mmt_machine *m = &mm;
	unsigned int n = 0;

	/* the RAM below mem= only: the mapping ends with it */
	mmt_machine_apply_mem(raw, &mm);

	for (uint32_t i = 0; i < m->nr_banks && i < MMT_MAX_RANGES; i++) {
		uint64_t lo = m->banks[i].start_pfn << m->page_shift;
		uint64_t hi = lo + (m->banks[i].nr_pages << m->page_shift);
		unsigned int k = n;

		if (m->banks[i].nr_pages == 0)
			continue;
		/* insertion sort: at most MMT_MAX_RANGES banks */
		while (k > 0 && r[k - 1].lo > lo / page) {
			r[k] = r[k - 1];
			k--;
		}
		r[k].lo = (size_t)(lo / page);
		r[k].hi = (size_t)((hi + page - 1) / page);
		n++;
	}
	for (unsigned int i = 1; i < n;) {
		if (r[i].lo <= r[i - 1].hi) {
			if (r[i].hi > r[i - 1].hi)
				r[i - 1].hi = r[i].hi;
			memmove(&r[i], &r[i + 1], (n - i - 1) * sizeof(r[0]));
			n--;
		} else {
			i++;
		}
	}
	return n;
}

static int in_ranges(const struct mmt_arena_range *r, unsigned int n, size_t p)
{
	for (unsigned int i = 0; i < n; i++)
		if (p >= r[i].lo && p < r[i].hi)
			return 1;
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Change the protection of l from its ranges to the n ranges r: pages
 * leaving them are dropped (they read zero already; this frees them) and
 * made PROT_NONE, pages entering them made readable and writable. The
 * rest of the arena is not touched, so a page kept resident in both stays.
 */
static int lease_protect(struct mmt_arena_lease *l,
			 const struct mmt_arena_range *r, unsigned int n)
{
	size_t cut[4 * MMT_MAX_RANGES + 2], ncut = 0;
	size_t npages = (l->cap + l->page - 1) / l->page;

	cut[ncut++] = 0;
	cut[ncut++] = npages;
	for (unsigned int i = 0; i < l->nr_ranges; i++) {
		cut[ncut++] = l->ranges[i].lo;
		cut[ncut++] = l->ranges[i].hi;
	}
	for (unsigned int i = 0; i < n; i++) {
		cut[ncut++] = r[i].lo < npages ? r[i].lo : npages;
		cut[ncut++] = r[i].hi < npages ? r[i].hi : npages;
	}
	qsort(cut, ncut, sizeof(cut[0]), cmp_size);
	for (size_t i = 0; i + 1 < ncut; i++) {
		size_t a = cut[i], b = cut[i + 1];
		int was = in_ranges(l->ranges, l->nr_ranges, a);
		int now = in_ranges(r, n, a);
		unsigned char *p = l->base + a * l->page;
		size_t bytes = (b - a) * l->page;

		if (a == b || was == now)
			continue;
		if (now && mprotect(p, bytes, PROT_READ | PROT_WRITE))
			return -1;
		if (!now && (madvise(p, bytes, MADV_DONTNEED) ||
			     mprotect(p, bytes, PROT_NONE)))
			return -1;
	}
	return 0;
}

/*
 * Fit l to machine m: protection (lease_protect()), len, and the per-page
 * map sized to its present pages (empty: l is fresh or was scrubbed).
 */
static int lease_fit(struct mmt_arena_lease *l, const struct mmt_machine *m,
		     size_t bytes)
{
	struct mmt_arena_range r[MMT_MAX_RANGES];
	unsigned int n = machine_ranges(m, l->page, r);
	size_t present = 0;
	int same;

	for (unsigned int i = 0; i < n; i++) {
		r[i].index = present;
		present += r[i].hi - r[i].lo;
	}
	same = n == l->nr_ranges && !memcmp(r, l->ranges, n * sizeof(r[0]));
	if (present > l->nr_alloc) {
		free(l->touched);
		l->touched = calloc((present + 63) / 64, sizeof(uint64_t));
		l->nr_alloc = l->touched ? present : 0;
		if (!l->nr_alloc)
			return -1;
	}
	if (!same && lease_protect(l, r, n))
		return -1;
	memcpy(l->ranges, r, n * sizeof(r[0]));
	l->nr_ranges = n;
	l->nr_present = present;
	l->len = bytes;
	l->touched_lo = SIZE_MAX;
	l->touched_hi = 0;
	return 0;
}

int mmt_arena_lease(const struct mmt_machine *m, struct mmt_arena_lease *l)
{
	size_t bytes, align;

	memset(l, 0, sizeof(*l));
	if (arena_geometry(m, &bytes, &align)) {
		errno = ENOMEM;
		return -1;
	}
	if (mmt_reuse_enabled() && park_take(bytes, align, l)) {
		if (lease_fit(l, m, bytes) == 0)
			return 0;
		lease_unmap(l);
	}
	l->base = map_aligned(bytes, align > ARENA_ALIGN ? align : ARENA_ALIGN);
	if (l->base == MAP_FAILED) {
		l->base = NULL;
		return -1;
	}
	/* a fresh mapping is one readable range, fitted as a parked one is:
	 * the same protection either way, so the same outcome */
	l->cap = bytes;
	l->page = host_page();
	l->nr_ranges = 1;
	l->ranges[0].hi = (bytes + l->page - 1) / l->page;
	if (lease_fit(l, m, bytes)) {
		int e = errno ? errno : ENOMEM;

		lease_unmap(l);
		errno = e;
		return -1;
	}
	return 0;
}

static void mark(struct mmt_arena_lease *l, size_t first, size_t last)
{
	if (first / 64 < l->touched_lo)
		l->touched_lo = first / 64;
	if (last / 64 + 1 > l->touched_hi)
		l->touched_hi = last / 64 + 1;
	for (size_t p = first; p <= last;) {
		if (p % 64 == 0 && last - p >= 63) {
			l->touched[p / 64] = ~0ULL;
			p += 64;
		} else {
			l->touched[p / 64] |= 1ULL << (p % 64);
			p++;
		}
	}
}

void mmt_arena_touch(struct mmt_arena_lease *l, const void *addr, size_t bytes)
{
	uintptr_t a = (uintptr_t)addr, b = (uintptr_t)l->base;
	size_t first, last;

	if (!l->base || !bytes || a < b || a - b >= l->len)
		return;
	if (bytes > l->len - (a - b))
		bytes = l->len - (a - b);
	first = (a - b) / l->page;
	last = (a - b + bytes - 1) / l->page;
	for (unsigned int i = 0; i < l->nr_ranges; i++) {
		const struct mmt_arena_range *r = &l->ranges[i];
		size_t lo = first > r->lo ? first : r->lo;
		size_t hi = last < r->hi - 1 ? last : r->hi - 1;

		if (lo <= hi)
			mark(l, r->index + lo - r->lo, r->index + hi - r->lo);
	}
}

static int touched(const struct mmt_arena_lease *l, size_t i)
{
	return (l->touched[i / 64] >> (i % 64)) & 1;
}

/* Drop the pages [*drop, end) (resident, not marked); *drop = SIZE_MAX. */
static int lease_drop(struct mmt_arena_lease *l, size_t *drop, size_t end)
{
	int ret = madvise(l->base + *drop * l->page, (end - *drop) * l->page,
			  MADV_DONTNEED);

	*drop = SIZE_MAX;
	return ret;
}

/*
 * Bring every present page of range r back to zero (file comment): memset
 * the resident marked pages, drop the resident unmarked ones. Returns 0,
 * or -1 when the kernel refused.
 */
static int scrub_range(struct mmt_arena_lease *l,
		       const struct mmt_arena_range *r)
{
	unsigned char vec[ARENA_VEC];
	size_t drop = SIZE_MAX, drop_end = 0;

	for (size_t p0 = r->lo; p0 < r->hi; p0 += ARENA_VEC) {
		size_t n = r->hi - p0 < ARENA_VEC ? r->hi - p0 : ARENA_VEC;

		if (mincore(l->base + p0 * l->page, n * l->page, vec))
			return -1;
		for (size_t i = 0; i < n; i++) {
			size_t p = p0 + i, k = r->index + p - r->lo;
			uint64_t w;

			/* eight non-resident pages at a time (the untouched
			 * bulk of an arena) */
			if (i % 8 == 0 && n - i >= 8) {
				memcpy(&w, vec + i, 8);
				if (!(w & 0x0101010101010101ULL)) {
					i += 7;
					continue;
				}
			}
			if (!(vec[i] & 1))
				continue;
			if (!touched(l, k)) {
				if (drop == SIZE_MAX)
					drop = p;
				drop_end = p + 1;
				continue;
			}
			if (drop != SIZE_MAX && lease_drop(l, &drop, drop_end))
				return -1;
			memset(l->base + p * l->page, 0, l->page);
		}
	}
	if (drop != SIZE_MAX && lease_drop(l, &drop, drop_end))
		return -1;
	return 0;
}

/* Scrub every range and empty the touched map. Returns 0, or -1 when the
 * kernel refused (the arena must then be unmapped, not parked). */
static int lease_scrub(struct mmt_arena_lease *l)
{
	for (unsigned int i = 0; i < l->nr_ranges; i++)
		if (scrub_range(l, &l->ranges[i]))
			return -1;
	if (l->touched_hi > l->touched_lo)
		memset(l->touched + l->touched_lo, 0,
		       (l->touched_hi - l->touched_lo) * sizeof(uint64_t));
	l->touched_lo = SIZE_MAX;
	l->touched_hi = 0;
	return 0;
}

void mmt_arena_release(struct mmt_arena_lease *l)
{
	int slot = -1;

	if (!l->base)
		return;
	if (!mmt_reuse_enabled() || l->nr_present > ARENA_PARK_MAX / l->page ||
	    lease_scrub(l)) {
		lease_unmap(l);
		return;
	}
	pthread_mutex_lock(&park_lock);
	if (!park_registered) {
		park_registered = 1;
		atexit(park_drain);
	}
	for (int i = 0; i < ARENA_PARKED && slot < 0; i++)
		if (!parked[i].base)
			slot = i;
	if (slot < 0) {
		/* all full: this one replaces the smallest if it is larger */
		slot = 0;
		for (int i = 1; i < ARENA_PARKED; i++)
			if (parked[i].cap < parked[slot].cap)
				slot = i;
		if (parked[slot].cap >= l->cap)
			slot = -1;
	}
	if (slot >= 0) {
		struct mmt_arena_lease old = parked[slot];

		parked[slot] = *l;
		*l = old;
	}
	pthread_mutex_unlock(&park_lock);
	lease_unmap(l); /* the one not kept, if any */
}
