/* SPDX-License-Identifier: MIT */
/*
 * harness/mmt_internal.h - helpers shared by the harness's own files (private).
 *
 * Grouped by the file that defines them. Nothing here includes ref/. The
 * machine model (spec, rules, zone layout, allowed zones) is
 * <mmtorture/machine.h>.
 *
 * ops.c: program equality (tests and the round-trip property).
 * arena.c: arenas leased and parked across runs, the zero scan
 *   (reuse on/off is lib's mmt_reuse_enabled()).
 */
#ifndef MMT_HARNESS_INTERNAL_H
#define MMT_HARNESS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <mmtorture/adapter.h>
#include <mmtorture/machine.h>
#include <mmtorture/ops.h>

/* ---------------------------------------------------------------- ops.c */

int mmt_op_equal(const struct mmt_op *a, const struct mmt_op *b);
/* Same machine, check_every, op set and ops (the line field is ignored). */
int mmt_prog_equal(const struct mmt_prog *a, const struct mmt_prog *b);

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
/* Offset of the first non-zero byte of [p, p + n), or n. */
uint64_t mmt_first_nonzero(const void *p, uint64_t n);

/* exec.c: the op set prog names, or NULL with err saying this build does
 * not know it (the executor's and the differential run's one message). */
const struct mmt_opset_desc *mmt_prog_opset(const struct mmt_prog *prog,
					    char *err, size_t errlen);

#endif /* MMT_HARNESS_INTERNAL_H */
