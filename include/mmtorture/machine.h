/* SPDX-License-Identifier: MIT */
/*
 * mmtorture/machine.h - the harness's one model of a simulated machine.
 *
 * Every rule about struct mmt_machine (adapter.h) lives behind this
 * header, once: the spec grammar ("profile=x86_64 era=6.12 page=4K
 * orders=11 cpus=1 bank=32M@0 bank=32M@4G reserve=4K@0", the text after
 * "machine " in a text program, the payload of the binary escape and what
 * every --machine option takes), its formatter, the validity rules, the
 * default machine, equality, the mem= limit, the zone layout of a profile, the arena a
 * machine gives an adapter, the zones a GFP mask allows and the zone of a
 * pfn. The executor, the shadow, stress and the CLI all use it.
 *
 * Independence: this is harness code and includes no ref/ header. The
 * reference keeps its own rules (ref/machine.c, ref/zone.c); tests hold
 * the two against each other.
 *
 * Zone layout (bytes):
 *   x86_64   DMA [0, 16M)  DMA32 [16M, 4G)    Normal [4G, ...)
 *   x86_32   DMA [0, 16M)  Normal [16M, 896M) HighMem [896M, ...)
 *
 * No global mutable state; every table is const.
 */
#ifndef MMTORTURE_MACHINE_H
#define MMTORTURE_MACHINE_H

#include <stddef.h>
#include <stdint.h>

#include <mmtorture/adapter.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Highest byte address a machine may span: 1 TiB, the reference's limit. */
#define MMT_MACHINE_MAX_BYTES (1ULL << 40)
#define MMT_MACHINE_MAX_CPUS 64u
#define MMT_MACHINE_MAX_ORDERS 16u
/* The largest min_free_kbytes a machine may set (an int sysctl). */
#define MMT_MACHINE_MAX_MIN_FREE_KBYTES 0x7fffffffu

/* A parse or validation error: 1-based column in the spec, the field. */
struct mmt_spec_error {
	unsigned int column;
	char field[32]; /* "profile", "page", "bank", "ram", "key", ... */
	char message[200];
};

/* The default machine: x86_64, 6.12, 64 MiB at 0, 4 KiB, 11 orders, 1 CPU. */
void mmt_machine_default(struct mmt_machine *m);

/*
 * Parse a machine spec (len bytes, need not be NUL terminated; '#' ends
 * it). Keys are separated by spaces or tabs; missing keys keep
 * mmt_machine_default()'s values; without bank= or ram= the default bank
 * stays. Returns 0, or -1 with *e filled (e may be NULL); the result then
 * passed mmt_machine_check().
 */
int mmt_machine_parse_spec(const char *s, size_t len, struct mmt_machine *m,
			   struct mmt_spec_error *e);

/* Canonical spec of m (every key). Returns the full length, snprintf-like. */
size_t mmt_machine_format_spec(const struct mmt_machine *m, char *buf,
			       size_t len);

/*
 * Parse a NUL-terminated spec given as a command's option. Returns 0, or
 * -1 with msg holding "column C: field 'F': MESSAGE", the one wording
 * every command prints after its "--machine 'SPEC': ".
 */
int mmt_machine_parse_arg(const char *spec, struct mmt_machine *m, char *msg,
			  size_t len);

/*
 * Rules every machine obeys: profile and era known, page_shift 12 or 13,
 * 1..16 orders, 1..64 CPUs, 1..8 sorted disjoint non-empty banks below
 * 1 TiB, at least one top-order block of RAM, 0..8 reserved ranges,
 * non-empty and inside the span. Returns 0, or -1 with field and message
 * set (e may be NULL; column is 1).
 */
int mmt_machine_check(const struct mmt_machine *m, struct mmt_spec_error *e);

/* 1 when a and b are the same machine (unused array entries ignored). */
int mmt_machine_equal(const struct mmt_machine *a, const struct mmt_machine *b);

/* One past the highest present pfn (below the mem= limit). */
uint64_t mmt_machine_end_pfn(const struct mmt_machine *m);

/* Total present pages (below the mem= limit). */
uint64_t mmt_machine_present_pages(const struct mmt_machine *m);

/*
 * The machine after boot's mem= (x86: RAM at or above the limit is
 * removed): banks clipped at m->mem_limit (a bank wholly above it
 * dropped), reserved ranges clipped at the new end of RAM, mem_limit 0.
 * out may be m.
 */
void mmt_machine_apply_mem(const struct mmt_machine *m,
			   struct mmt_machine *out);

/*
 * Describe the arena a machine gives an adapter without OWN_ARENA (and the
 * map the shadow holds every adapter to): base is pfn 0; mem= applied
 * (mmt_machine_apply_mem); the profile's three zone types in order, each
 * spanning its bounds clipped to the span of RAM (the kernel's zone span: holes included) when it has present pages (an empty one has present
 * = 0 and start_pfn = end_pfn); present and reserved copied from the
 * machine.
 */
void mmt_arena_from_machine(const struct mmt_machine *m, void *base,
			    struct mmt_arena *a);

/*
 * Whether got is the map want describes (the shadow's SHADOW-MAP): the
 * same page size and orders, the same present RAM (sorted, touching
 * ranges merged), the same reserved pages inside it, the same span of
 * every populated zone. Returns 0, or 1 with the first difference in buf
 * ("present RAM pfns 0x0-0xbff, not 0x0-0xfff").
 */
int mmt_arena_map_diff(const struct mmt_arena *want,
		       const struct mmt_arena *got, char *buf, size_t len);

/*
 * The zone types a profile has, lowest first (three of them). Returns
 * the number written to types[] (0 for an unknown profile).
 */
unsigned int mmt_profile_zone_types(uint32_t profile,
				    uint32_t types[MMT_NR_ZONE_TYPES]);

/*
 * gfp_zone()'s GFP_ZONE_BAD: the mask names more than one of __GFP_DMA,
 * __GFP_DMA32 and __GFP_HIGHMEM (with or without __GFP_MOVABLE), a
 * combination the kernel refuses with a VM_BUG_ON. The one place the
 * harness spells the rule.
 */
int mmt_gfp_zone_bad(uint32_t gfp);

/*
 * The zones a mask allows on arena a, as a bit mask of zone types (bit t
 * = type t), following gfp_zone(): the highest zone from DMA/DMA32/HIGHMEM
 * (a type the arena lacks becomes Normal) and every lower type the arena
 * has. Returns 0 for a forbidden combination (more than one of the three).
 * Ignores whether zones are populated; an arena without zones allows all.
 */
unsigned int mmt_arena_allowed_zones(const struct mmt_arena *a, uint32_t gfp);

/* The same on the arena of machine m. */
unsigned int mmt_machine_allowed_zones(const struct mmt_machine *m,
				       uint32_t gfp);

/* The populated zone of a holding pfn (enum mmt_zone_type), or -1. */
int mmt_arena_zone_of(const struct mmt_arena *a, uint64_t pfn);

/*
 * The zone modifier of a mask whose highest zone is type (GFP_DMA,
 * GFP_DMA32, none for Normal, __GFP_HIGHMEM); 0 for an unknown type.
 */
uint32_t mmt_zone_gfp(int type);

/*
 * Pfn predicate of mmt_arena_probe_plan(): non-zero when pfn is held
 * (by a live block, a layer, the probe itself).
 */
typedef int (*mmt_pfn_held_fn)(const void *ctx, uint64_t pfn);

/*
 * The capacity probe's plan (docs/checkers.md): what a buddy allocator
 * with every free page coalesced hands back on a of zone type zone (-1:
 * the whole arena, zones ignored), drained from order top - 1 down to 0:
 * expect[k] blocks of order k, the aligned 2^k ranges wholly free
 * (present, unreserved, not held) in the zone less those inside a free
 * range of order k + 1. held NULL: nothing is held. Adjacent present
 * ranges count as one (a buddy merges across them). top <= 63.
 * Returns the free pages counted.
 */
uint64_t mmt_arena_probe_plan(const struct mmt_arena *a, int zone, uint32_t top,
			      mmt_pfn_held_fn held, const void *ctx,
			      uint64_t *expect);

/*
 * Watermarks (harness/watermark.c): what the kernel of the machine's era
 * sets at boot (init_per_zone_wmark_min) and checks on every allocation,
 * re-derived from the machine alone (docs/watermarks.md has the formulas
 * and the kernel function each comes from). Indexed by zone type.
 */
enum mmt_wmark {
	MMT_WMARK_MIN = 0,
	MMT_WMARK_LOW = 1,
	MMT_WMARK_HIGH = 2,
	MMT_WMARK_PROMO = 3, /* 6.12; high in 2.6 */
	MMT_NR_WMARK = 4,
};

struct mmt_zone_wmarks {
	uint32_t exists; /* the era's kernel has the zone (maybe empty) */
	uint64_t present; /* pages of RAM in the zone's span */
	uint64_t managed; /* present pages less reserved ones */
	uint64_t mark[MMT_NR_WMARK]; /* pages */
	/* pages kept back from a request whose highest zone is the index */
	uint64_t lowmem_reserve[MMT_NR_ZONE_TYPES];
};

struct mmt_wmarks {
	uint32_t era;
	uint32_t nr_orders;
	/* 6.12: pageblock_order, the THP order (9 on x86_64, 10 on x86_32)
	 * or the top order, the smaller; 2.6.18: the top order (no
	 * pageblocks) */
	uint32_t pageblock_order;
	uint64_t min_free_kbytes; /* in effect */
	struct mmt_zone_wmarks zone[MMT_NR_ZONE_TYPES];
};

/* The watermarks of machine m after boot (mem= applied). */
void mmt_machine_wmarks(const struct mmt_machine *m, struct mmt_wmarks *w);

/*
 * Allocation flags (the kernel's ALLOC_* of mm/internal.h): the low bits
 * name the watermark; the rest are allowances. 2.6.18 spelt MIN_RESERVE
 * ALLOC_HIGH and NON_BLOCK ALLOC_HARDER (with a rule of its own).
 */
#define MMT_ALLOC_WMARK_MIN 0x00u
#define MMT_ALLOC_WMARK_LOW 0x01u
#define MMT_ALLOC_WMARK_MASK 0x03u
#define MMT_ALLOC_NO_WATERMARKS 0x04u
#define MMT_ALLOC_OOM 0x08u
#define MMT_ALLOC_NON_BLOCK 0x10u
#define MMT_ALLOC_MIN_RESERVE 0x20u
#define MMT_ALLOC_HIGHATOMIC 0x200u

/* The slow path's flags for a request (gfp_to_alloc_flags of the era). */
unsigned int mmt_wmark_alloc_flags(uint32_t era, uint32_t gfp, uint32_t order);

/*
 * The zone whose lowmem_reserve entry a request's check adds, on arena a
 * (6.12: the highest zone the mask allows; 2.6.18: the first populated
 * zone of its zonelist), or -1 when the mask allows none.
 */
int mmt_wmark_classzone(uint32_t era, const struct mmt_arena *a, uint32_t gfp);

/* mark less the allowances of flags, by the era's rule (the min the
 * check compares with). */
int64_t mmt_wmark_allowed(uint32_t era, uint64_t mark, unsigned int flags);

/*
 * Pages in free blocks of order k or more of a zone, for the watermark
 * check's orders (the 2.6.18 check walks the orders below the request;
 * 6.12 asks whether one block of the request's order is free).
 */
typedef uint64_t (*mmt_free_from_order_fn)(void *ctx, uint32_t k);

/*
 * zone_watermark_ok of the era: whether zone (a type) with free_pages
 * free may serve an order-order request against mark with flags'
 * allowances, keeping lowmem_reserve[classzone] back. from_order is only
 * called for order > 0.
 */
int mmt_wmark_ok(const struct mmt_wmarks *w, int zone, uint32_t order,
		 uint64_t mark, int classzone, unsigned int flags,
		 int64_t free_pages, mmt_free_from_order_fn from_order,
		 void *ctx);

/*
 * Fault injection (harness/fault.c, docs/fault-injection.md): the
 * harness's own copy of fail_page_alloc's state machine, driven by the
 * machine's fail_* knobs, for the shadow to follow an adapter with
 * MMT_CAP_FAULT_INJECT call for call.
 */
struct mmt_fault {
	int on; /* fail_probability or fail_nth set */
	uint32_t nr_orders; /* calls of an order at or above it are not asked */
	uint32_t probability, interval, min_order, flags;
	uint64_t count; /* calls past space while interval > 1 */
	int64_t times; /* failures left; -1: no limit */
	int64_t space; /* pages left to let through */
	uint32_t nth; /* eligible calls left until the forced failure */
	uint64_t prng; /* splitmix64 state */
	uint64_t nr_injected; /* failures predicted */
};

/* Whether m injects anything at all. */
int mmt_fault_enabled(const struct mmt_machine *m);

/* The state machine at boot for machine m. */
void mmt_fault_init(struct mmt_fault *f, const struct mmt_machine *m);

/*
 * Whether the page-allocator call for 2^order pages with gfp (the mask
 * the allocator sees) fails; advances the state as the allocator's does.
 */
int mmt_fault_should_fail(struct mmt_fault *f, uint32_t gfp, uint32_t order);

/*
 * One fail knob by its name without "fail_" ("probability", "interval",
 * "times", "space", "min_order", "ignore_wait", "ignore_highmem", "nth",
 * "seed") and value v[0, vn) onto m. 0, or -1 with a message naming the
 * key and the range it takes in msg.
 */
int mmt_fault_set(struct mmt_machine *m, const char *key, size_t kn,
		  const char *v, size_t vn, char *msg, size_t msglen);

/*
 * The --fail option: "KEY=VALUE[,KEY=VALUE...]" with the keys of
 * mmt_fault_set() (fail_ prefix optional), on top of m. 0, or -1 with a
 * message naming the key in msg; m is then unchanged.
 */
int mmt_fault_parse_option(const char *spec, struct mmt_machine *m, char *msg,
			   size_t msglen);

/* m's fail knobs as " fail_KEY=VALUE" words (none when off). Full length. */
size_t mmt_fault_format(const struct mmt_machine *m, char *buf, size_t len);

/* The kernel's zone name ("DMA", "DMA32", "Normal", "HighMem"), or "none". */
const char *mmt_zone_name(int type);

/* "DMA|DMA32|Normal" for a zone bit mask, "none" for 0. Full length. */
size_t mmt_zone_mask_format(unsigned int mask, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* MMTORTURE_MACHINE_H */
