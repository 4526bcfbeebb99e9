/* SPDX-License-Identifier: MIT */
/*
 * tests/harness/test_arena.c - leased arenas (harness/arena.c): a parked
 * arena comes back reading zero whatever was written where (pages marked
 * as handed out, pages the adapter wrote without handing them out), a
 * larger parked arena serves a smaller machine with its tail PROT_NONE,
 * and the zero scan finds the first non-zero byte.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mmtorture/exec.h>
#include <mmtorture/ops.h>

#include "leakcheck.h"
#include "mmt_internal.h"

static void machine(struct mmt_machine *m, uint64_t pages)
{
	mmt_machine_default(m);
	m->nr_banks = 1;
	m->banks[0].start_pfn = 0;
	m->banks[0].nr_pages = pages;
}

static size_t first_dirty(const struct mmt_arena_lease *l)
{
	uint64_t nz = mmt_first_nonzero(l->base, l->len);

	return nz < l->len ? (size_t)nz : SIZE_MAX;
}

/* Protection of the page at p, from /proc/self/maps ("rw-p", "---p"). */
static void prot_of(const void *p, char out[5])
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];

	strcpy(out, "?");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perm[5];

		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perm) == 3 &&
		    (uintptr_t)p >= lo && (uintptr_t)p < hi) {
			strcpy(out, perm);
			break;
		}
	}
	fclose(f);
}

MMT_TEST(arena, parked_arena_reads_zero_again)
{
	struct mmt_machine m;
	struct mmt_arena_lease l;
	unsigned char *base;
	size_t ps;

	machine(&m, 4096); /* 16 MiB */
	cr_assert_eq(mmt_arena_lease(&m, &l), 0);
	ps = l.page;
	base = l.base;
	/* a block handed out and written all over */
	mmt_arena_touch(&l, base + 8 * ps, 4 * ps);
	memset(base + 8 * ps, 0x5a, 4 * ps);
	/* the adapter's own writes, never handed out */
	base[100 * ps + 7] = 1;
	base[l.len - 1] = 2;
	mmt_arena_release(&l);

	cr_assert_eq(mmt_arena_lease(&m, &l), 0);
	cr_assert_eq(l.base, base, "the parked arena is reused");
	cr_assert_eq(first_dirty(&l), SIZE_MAX, "byte %zu reads non-zero",
		     first_dirty(&l));
	mmt_arena_release(&l);
}

MMT_TEST(arena, larger_parked_arena_hides_its_tail)
{
	struct mmt_machine big, small;
	struct mmt_arena_lease a, b, l;
	char perm[5];

	machine(&big, 8192); /* 32 MiB */
	machine(&small, 2048); /* 8 MiB */
	/* two leases at once (a differential run), both parked */
	cr_assert_eq(mmt_arena_lease(&big, &a), 0);
	cr_assert_eq(mmt_arena_lease(&big, &b), 0);
	memset(a.base + a.len - 4096, 0x77, 4096);
	mmt_arena_release(&a);
	mmt_arena_release(&b);

	cr_assert_eq(mmt_arena_lease(&small, &l), 0);
	cr_assert_eq(l.len, (size_t)2048 * 4096);
	cr_assert_geq(l.cap, (size_t)8192 * 4096, "a parked big one serves");
	prot_of(l.base, perm);
	cr_assert_str_eq(perm, "rw-p");
	prot_of(l.base + l.len, perm);
	cr_assert_str_eq(perm, "---p", "past the machine: %s", perm);
	cr_assert_eq(first_dirty(&l), SIZE_MAX);
	mmt_arena_release(&l);

	/* and grown back for a big machine, reading zero to its end */
	cr_assert_eq(mmt_arena_lease(&big, &l), 0);
	prot_of(l.base + l.len - 1, perm);
	cr_assert_str_eq(perm, "rw-p");
	cr_assert_eq(first_dirty(&l), SIZE_MAX, "byte %zu", first_dirty(&l));
	mmt_arena_release(&l);
}

MMT_TEST(arena, a_lease_is_aligned_and_release_empties_it)
{
	struct mmt_machine m;
	struct mmt_arena_lease l;

	machine(&m, 1024);
	cr_assert_eq(mmt_arena_lease(&m, &l), 0);
	cr_assert_eq(l.len, (size_t)1024 * 4096);
	cr_assert_eq((uintptr_t)l.base % (4096u << 10), 0,
		     "aligned to a top-order block");
	mmt_arena_release(&l);
	cr_assert_null(l.base);
}

Test(arena, first_nonzero_finds_every_offset)
{
	static unsigned char buf[300];

	for (size_t n = 0; n <= sizeof(buf); n += 37) {
		memset(buf, 0, sizeof(buf));
		cr_assert_eq(mmt_first_nonzero(buf, n), n);
		for (size_t i = 0; i < n; i++) {
			buf[i] = 0x80;
			cr_assert_eq(mmt_first_nonzero(buf, n), i,
				     "n %zu i %zu", n, i);
			buf[i] = 0;
		}
	}
}
