/* SPDX-License-Identifier: MIT */
/*
 * tests/harness/test_arena.c - leased arenas (harness/arena.c): a parked
 * arena comes back reading zero whatever was written where (pages marked
 * as handed out, pages the adapter wrote without handing them out), a
 * larger parked arena serves a smaller machine with its tail PROT_NONE,
 * the pfns between banks are PROT_NONE in a fresh arena and a parked one
 * alike (a write there faults), an arena spanning more than 4 GiB with
 * little present is parked and reads zero again, and the zero scan finds
 * the first non-zero byte.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
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

/* Two banks of n pages: at pfn 0 and at pfn hole_at (hole between). */
static void two_banks(struct mmt_machine *m, uint64_t n, uint64_t hole_at)
{
	machine(m, n);
	m->nr_banks = 2;
	m->banks[1].start_pfn = hole_at;
	m->banks[1].nr_pages = n;
}

/* First non-zero byte of the lease's banks (offset from base), or SIZE_MAX:
 * the holes are PROT_NONE and must not be read. */
static size_t first_dirty_banks(const struct mmt_arena_lease *l)
{
	for (unsigned int i = 0; i < l->nr_ranges; i++) {
		const struct mmt_arena_range *r = &l->ranges[i];
		size_t off = r->lo * l->page, len = (r->hi - r->lo) * l->page;
		uint64_t nz = mmt_first_nonzero(l->base + off, len);

		if (nz < len)
			return off + (size_t)nz;
	}
	return SIZE_MAX;
}

/* 1 when a child writing one byte at p is killed by SIGSEGV. */
static int write_faults(unsigned char *p)
{
	int status = 0;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		*(volatile unsigned char *)p = 1;
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

/* The hole of a two_banks() machine is PROT_NONE, the banks are not. */
static void assert_hole(const struct mmt_arena_lease *l, uint64_t n,
			uint64_t hole_at, const char *which)
{
	unsigned char *hole = l->base + n * 4096,
		      *bank1 = l->base + hole_at * 4096;
	char perm[5];

	prot_of(hole, perm);
	cr_assert_str_eq(perm, "---p", "%s: hole is %s", which, perm);
	prot_of(bank1 - 1, perm);
	cr_assert_str_eq(perm, "---p", "%s: hole end is %s", which, perm);
	prot_of(l->base, perm);
	cr_assert_str_eq(perm, "rw-p", "%s: bank 0 is %s", which, perm);
	prot_of(bank1, perm);
	cr_assert_str_eq(perm, "rw-p", "%s: bank 1 is %s", which, perm);
	cr_assert(write_faults(hole), "%s: a write into the hole faults",
		  which);
	cr_assert(!write_faults(bank1), "%s: a write into a bank does not",
		  which);
}

MMT_TEST(arena, a_hole_faults_in_a_fresh_and_a_parked_arena)
{
	struct mmt_machine m;
	struct mmt_arena_lease l;
	unsigned char *base;

	two_banks(&m, 1024, 4096); /* 4 MiB, 12 MiB hole, 4 MiB */
	cr_assert_eq(mmt_arena_lease(&m, &l), 0);
	base = l.base;
	assert_hole(&l, 1024, 4096, "fresh");
	memset(l.base + 4096 * 4096, 0x33, 4096); /* unmarked, bank 1 */
	mmt_arena_release(&l);

	cr_assert_eq(mmt_arena_lease(&m, &l), 0);
	cr_assert_eq(l.base, base, "the parked arena is reused");
	assert_hole(&l, 1024, 4096, "parked");
	cr_assert_eq(first_dirty_banks(&l), SIZE_MAX, "byte %zu",
		     first_dirty_banks(&l));
	mmt_arena_release(&l);
}

MMT_TEST(arena, a_parked_arena_refitted_to_a_machine_with_a_hole)
{
	struct mmt_machine flat, holed;
	struct mmt_arena_lease l;
	unsigned char vec[1];

	machine(&flat, 5120); /* 20 MiB, one bank */
	two_banks(&holed, 1024, 4096); /* the same span, a hole inside */
	cr_assert_eq(mmt_arena_lease(&flat, &l), 0);
	mmt_arena_touch(&l, l.base + 2048 * 4096, 4096);
	memset(l.base + 2048 * 4096, 0x44, 4096); /* to be a hole */
	mmt_arena_release(&l);

	cr_assert_eq(mmt_arena_lease(&holed, &l), 0);
	assert_hole(&l, 1024, 4096, "refitted");
	cr_assert_eq(mincore(l.base + 2048 * 4096, 4096, vec), 0);
	cr_assert_eq(vec[0] & 1, 0, "a hole holds no page");
	mmt_arena_release(&l);

	/* and back: the old hole reads zero again */
	cr_assert_eq(mmt_arena_lease(&flat, &l), 0);
	cr_assert_eq(first_dirty(&l), SIZE_MAX, "byte %zu", first_dirty(&l));
	mmt_arena_release(&l);
}

MMT_TEST(arena, an_arena_past_4g_is_parked_and_reads_zero)
{
	struct mmt_machine m;
	struct mmt_arena_lease l;
	unsigned char *base, *high;
	const uint64_t at4g = (4ULL << 30) / 4096;

	two_banks(&m, 8192, at4g); /* 32M@0 and 32M@4G */
	cr_assert_eq(mmt_arena_lease(&m, &l), 0);
	cr_assert_gt(l.cap, (size_t)4 << 30);
	base = l.base;
	high = l.base + at4g * 4096;
	mmt_arena_touch(&l, high + 16 * 4096, 8 * 4096);
	memset(high + 16 * 4096, 0x5a, 8 * 4096); /* handed out */
	high[8191 * 4096 + 5] = 9; /* not handed out */
	base[3] = 7;
	mmt_arena_release(&l);

	cr_assert_eq(mmt_arena_lease(&m, &l), 0);
	cr_assert_eq(l.base, base, "an arena spanning > 4 GiB is parked");
	cr_assert_eq(first_dirty_banks(&l), SIZE_MAX, "byte %zu",
		     first_dirty_banks(&l));
	cr_assert(write_faults(l.base + (2ULL << 30)), "the hole faults");
	mmt_arena_release(&l);
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

/*
 * A machine cut by mem=: the arena maps the RAM below the limit only, and
 * every range the release scrubs lies inside that mapping. (Ranges from
 * the banks as the firmware reports them ran past the mapping: the scrub
 * then zeroed whatever the process had mapped there, a fuzzer's corpus
 * once.)
 */
MMT_TEST(arena, mem_limit_keeps_the_scrub_inside_the_mapping)
{
	struct mmt_machine m;
	struct mmt_arena_lease l;

	mmt_machine_default(&m);
	m.nr_banks = 2;
	m.banks[0] = (struct mmt_pfn_range){ 0, 2048 }; /* 8M */
	m.banks[1] = (struct mmt_pfn_range){ 1ULL << 20, 1024 }; /* 4M@4G */
	m.mem_limit = 6ULL << 20;
	cr_assert_eq(mmt_arena_lease(&m, &l), 0);
	cr_assert_eq(l.len, (size_t)6 << 20);
	cr_assert_eq(l.nr_ranges, 1u);
	for (unsigned int i = 0; i < l.nr_ranges; i++)
		cr_assert_leq(l.ranges[i].hi * l.page, l.len,
			      "range %u ends at byte %zu, the arena at %zu", i,
			      l.ranges[i].hi * l.page, l.len);
	mmt_arena_touch(&l, l.base, l.len);
	memset(l.base, 0x5a, l.len);
	mmt_arena_release(&l);
}
