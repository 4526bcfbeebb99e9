/* SPDX-License-Identifier: MIT */
/*
 * harness/mmt_internal.h - helpers shared by the harness's own files (private).
 *
 * Grouped by the file that defines them. Nothing here includes ref/.
 *
 * text.c: the machine spec, the text after "machine " in a text program
 *   and the payload of the binary escape header ("profile=x86_64 era=6.12
 *   page=4K orders=11 cpus=1 bank=32M@0 bank=32M@4G reserve=4K@0").
 * ops.c: program equality (tests and the round-trip property).
 * shadow.c: zone layout of a machine (the arena of an adapter that does
 *   not build its own).
 * arena.c: arenas leased and parked across runs, reuse on/off, the
 *   zero scan.
 */
#ifndef MMT_HARNESS_INTERNAL_H
#define MMT_HARNESS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <mmtorture/adapter.h>
#include <mmtorture/ops.h>

/* Highest byte address a machine may span: 1 TiB, the reference's limit. */
#define MMT_MACHINE_MAX_BYTES (1ULL << 40)
#define MMT_MACHINE_MAX_CPUS 64u
#define MMT_MACHINE_MAX_ORDERS 16u

/* A parse error inside a machine spec: 1-based column in the spec. */
struct mmt_spec_error {
	unsigned int column;
	char field[32];
	char message[200];
};

/* ---------------------------------------------------------------- text.c */

/*
 * Parse a machine spec (len bytes, need not be NUL terminated). Keys
 * missing keep mmt_machine_default()'s values; without bank= or ram= the
 * default bank stays. Returns 0, or -1 with *e filled.
 */
int mmt_machine_parse_spec(const char *s, size_t len, struct mmt_machine *m,
			   struct mmt_spec_error *e);
/* Canonical spec of m (every key). Returns the full length. */
size_t mmt_machine_format_spec(const struct mmt_machine *m, char *buf,
			       size_t len);
/*
 * Rules every machine obeys: page_shift 12 or 13, 1..16 orders, 1..64
 * CPUs, 1..8 sorted disjoint non-empty banks below 1 TiB, at least one
 * top-order block of RAM, reserved ranges non-empty and inside the span.
 * Returns 0, or -1 with field and message set (e may be NULL).
 */
int mmt_machine_check(const struct mmt_machine *m, struct mmt_spec_error *e);
/* Size in the spec's spelling: largest of T/G/M/K dividing it exactly. */
size_t mmt_size_format(uint64_t bytes, char *buf, size_t len);

/* ---------------------------------------------------------------- ops.c */

int mmt_machine_equal(const struct mmt_machine *a, const struct mmt_machine *b);
int mmt_op_equal(const struct mmt_op *a, const struct mmt_op *b);
/* Same machine, check_every, op set and ops (the line field is ignored). */
int mmt_prog_equal(const struct mmt_prog *a, const struct mmt_prog *b);
/* 1 when kind belongs to op set set. */
int mmt_op_in_set(unsigned int kind, enum mmt_opset set);
/* Total present pages of a machine. */
uint64_t mmt_machine_present_pages(const struct mmt_machine *m);

/* ---------------------------------------------------------------- shadow.c */

/*
 * Describe the arena a machine gives an adapter without OWN_ARENA: base is
 * pfn 0, zones from the profile (x86_64: DMA < 16M <= DMA32 < 4G <=
 * NORMAL; x86_32: DMA < 16M <= NORMAL < 896M <= HIGHMEM), each zone's
 * span clipped to the present pages inside it.
 */
void mmt_arena_from_machine(const struct mmt_machine *m, void *base,
			    struct mmt_arena *a);
/* One past the highest present pfn. */
uint64_t mmt_machine_end_pfn(const struct mmt_machine *m);

/* ---------------------------------------------------------------- arena.c */

/*
 * An arena leased for one run (PAGES adapters without OWN_ARENA). base is
 * aligned to one top-order block and is pfn 0. The host pages of ranges[]
 * (the machine's banks) are readable and writable and read zero at
 * lease; every other byte of [base, base + cap) is PROT_NONE: the holes
 * between banks and, for a parked arena larger than the machine, the tail
 * past len.
 */
struct mmt_arena_range {
	size_t lo, hi; /* host pages [lo, hi) from base: present */
	size_t index; /* bit of page lo in touched[] */
};

struct mmt_arena_lease {
	unsigned char *base; /* NULL when none */
	size_t len; /* bytes of the machine's span, holes included */
	size_t cap; /* bytes mapped */
	size_t page; /* host page size: the unit of ranges and touched[] */
	unsigned int nr_ranges;
	struct mmt_arena_range ranges[MMT_MAX_RANGES]; /* sorted, disjoint */
	size_t nr_present; /* host pages in ranges[] */
	size_t nr_alloc; /* bits allocated in touched[] */
	uint64_t *touched; /* bit per present host page the run handed out */
	size_t touched_lo, touched_hi; /* words of touched[] that may be set */
};

/* Lease an arena for machine m: a parked one made to fit, else a fresh
 * mapping. Returns 0, or -1 with errno set. */
int mmt_arena_lease(const struct mmt_machine *m, struct mmt_arena_lease *l);
/* Mark [addr, addr + bytes) as handed out (clipped to the machine). */
void mmt_arena_touch(struct mmt_arena_lease *l, const void *addr, size_t bytes);
/* End the lease: bring every present page back to zero and park it, or
 * unmap it. */
void mmt_arena_release(struct mmt_arena_lease *l);
/* 0 when MMT_REUSE=0 (or MMT_REF_REUSE=0): no machine or arena reuse. */
int mmt_reuse_enabled(void);
/* Offset of the first non-zero byte of [p, p + n), or n. */
uint64_t mmt_first_nonzero(const void *p, uint64_t n);

#endif /* MMT_HARNESS_INTERNAL_H */
