/* SPDX-License-Identifier: MIT */
/*
 * mmtorture/ops.h - op sequences, format v2 (docs/op-format.md).
 *
 * A program is a machine header plus a list of ops. Pointers never appear:
 * an op names a slot, an index into the executor's live table.
 *
 * Two forms:
 *   binary - what fuzzers mutate. The decoder is total: every byte string,
 *            the empty one included, decodes to a valid program. Values
 *            are reduced into range, never rejected.
 *   text   - what humans read and write, one op per line. The parser is
 *            strict: the first error stops it and names line, column and
 *            field.
 * binary -> text -> binary round-trips: mmt_prog_encode() writes the
 * canonical bytes of a program, and decoding them, printing, parsing and
 * encoding again gives the same bytes.
 *
 * A program names its op set (binary byte 0, the text's opset line), so
 * any file replays without being told what wrote it. Every op kind, op
 * set and fuzz target is one row of a table (harness/optable.c) and the
 * binary and text forms are driven from the rows field by field; adding a
 * kind or a set never changes how an existing program decodes.
 */
#ifndef MMTORTURE_OPS_H
#define MMTORTURE_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "adapter.h"
#include "machine.h"

#define MMT_OP_FORMAT_VERSION 2u
#define MMT_NR_SLOTS 256u /* slot indices 0..255 */
#define MMT_MAX_OPS 65536u /* the decoder stops after this many */

/*
 * Op kinds. The numbering is the executor's, never written anywhere: the
 * binary form names a kind by its op set's selector table and the text by
 * its name, so kinds may be added anywhere. Every kind is one row of
 * mmt_op_table (harness/optable.c).
 */
enum mmt_op_kind {
	/* pages */
	MMT_OP_ALLOC_PAGES = 0, /* alloc_pages s order gfp */
	MMT_OP_ALLOC_PAGE, /* alloc_page s gfp */
	MMT_OP_GET_FREE_PAGES, /* get_free_pages s order gfp */
	MMT_OP_GET_FREE_PAGE, /* get_free_page s gfp */
	MMT_OP_GET_ZEROED_PAGE, /* get_zeroed_page s gfp */
	MMT_OP_FREE_PAGES, /* free_pages s        (by address) */
	MMT_OP_FREE_PAGES_PAGE, /* free_pages_page s   (__free_pages, by page) */
	MMT_OP_FREE_PAGE, /* free_page s         (order-0 by address) */
	/* every op set */
	MMT_OP_CHECK, /* check               (full check now) */
	/* objects */
	MMT_OP_MALLOC, /* malloc s size */
	MMT_OP_CALLOC, /* calloc s size */
	MMT_OP_REALLOC, /* realloc s size */
	MMT_OP_ALIGNED, /* aligned s size align */
	MMT_OP_FREE, /* free s */
	/* upool */
	MMT_OP_UPOOL_CREATE, /* upool_create pool size count gfp */
	MMT_OP_UPOOL_ALLOC, /* upool_alloc s pool */
	MMT_OP_UPOOL_FREE, /* upool_free s   (to the pool it came from) */
	MMT_OP_UPOOL_DESTROY, /* upool_destroy pool */
	/* objects, added later (kinds are only ever appended) */
	MMT_OP_CALLOC_ARRAY, /* calloc_array s size nmemb: calloc(nmemb, size) */
	/* pages: the execution context of a simulated CPU */
	MMT_OP_CPU, /* cpu cpu: the following ops run on that CPU */
	MMT_OP_PREEMPT_DISABLE, /* preempt_disable */
	MMT_OP_PREEMPT_ENABLE, /* preempt_enable */
	MMT_OP_LOCAL_IRQ_DISABLE, /* local_irq_disable */
	MMT_OP_LOCAL_IRQ_ENABLE, /* local_irq_enable */
	MMT_OP_IRQ_ENTER, /* irq_enter */
	MMT_OP_IRQ_EXIT, /* irq_exit */
	MMT_OP_SPIN_LOCK, /* spin_lock lock */
	MMT_OP_SPIN_UNLOCK, /* spin_unlock lock */
	MMT_OP_LOCAL_BH_DISABLE, /* local_bh_disable */
	MMT_OP_LOCAL_BH_ENABLE, /* local_bh_enable */
	/* pages: CPU hot-unplug (appended later) */
	MMT_OP_CPU_OFFLINE, /* cpu_offline cpu=N: take CPU N down */
	MMT_OP_CPU_ONLINE, /* cpu_online cpu=N: bring CPU N back */
	/* pages: reclaim (appended later) */
	MMT_OP_SHRINKER_REGISTER, /* shrinker_register pool count order
				   * gfp needs: a harness cache */
	MMT_OP_SHRINKER_UNREGISTER, /* shrinker_unregister pool */
	/* pages: page isolation (appended later) */
	MMT_OP_ISOLATE_PAGEBLOCK, /* isolate_pageblock count=N */
	MMT_OP_UNDO_ISOLATE_PAGEBLOCK, /* undo_isolate_pageblock count=N */
	MMT_NR_OP_KINDS
};

/*
 * Op sets: the vocabulary a program is written in. The id is byte 0 of
 * the binary form and the "opset" line of the text, so a program says
 * how it is to be read and run. Ids are never reused or renumbered; a
 * byte naming no set decodes to a program that no target runs.
 */
enum mmt_opset {
	MMT_OPSET_PAGES = 0, /* page allocator: by order and GFP mask */
	MMT_OPSET_OBJECTS = 1, /* malloc family */
	MMT_OPSET_UPOOL = 2, /* fixed-size chunk pools */
	MMT_NR_OPSETS
};

/* The fields an op may carry, in the order the binary form writes them. */
enum mmt_field {
	MMT_FIELD_SLOT = 0, /* sN: the live-table entry the op works on */
	MMT_FIELD_ORDER, /* order=O: 2^O pages; up to nr_orders + 15 */
	MMT_FIELD_GFP, /* gfp=FLAGS: MMT_GFP_* bits */
	MMT_FIELD_SIZE, /* size=N: bytes */
	MMT_FIELD_ALIGN, /* align=A: bytes, a power of two up to 8 MiB */
	MMT_FIELD_POOL, /* pool=P: a pool index, 0..MMT_NR_POOLS-1 */
	MMT_FIELD_COUNT, /* count=C: chunks, a pageblock, 0..MMT_MAX_COUNT */
	MMT_FIELD_NMEMB, /* nmemb=N: calloc's element count, any u64 */
	MMT_FIELD_CPU, /* cpu=N: a simulated CPU, below the machine's cpus */
	MMT_FIELD_LOCK, /* lock=L: a spinlock, 0..MMT_CTX_NR_LOCKS-1 */
	MMT_FIELD_NEEDS, /* needs=fs|io: MMT_SHRINKER_NEEDS_* of a cache */
	MMT_NR_FIELDS
};
#define MMT_F(field) (1u << (field))
#define MMT_NR_POOLS 8u /* pool indices 0..7 */
#define MMT_MAX_COUNT (1u << 20) /* the largest count= */

/* What an op does to its slot: how the executor and diff judge it. */
enum mmt_op_role {
	MMT_ROLE_CHECK = 0, /* no slot: a full check of the allocator */
	MMT_ROLE_ALLOC, /* fills its slot (a live slot is freed first) */
	MMT_ROLE_FREE, /* empties a live slot; an empty one is skipped */
	MMT_ROLE_REALLOC, /* resizes a live slot, allocates into an empty one */
	MMT_ROLE_CREATE, /* no slot: builds a container (a pool) by index */
	MMT_ROLE_DESTROY, /* no slot: destroys a container by index */
	MMT_ROLE_CONTEXT, /* no slot: changes the simulated CPU's context */
};

/* One row of the op table. */
struct mmt_op_desc {
	const char *name; /* text name: "alloc_pages" */
	uint32_t set; /* enum mmt_opset; MMT_NR_OPSETS for every set */
	uint32_t role; /* enum mmt_op_role */
	uint32_t fields; /* MMT_F() bits it carries */
	uint32_t required; /* of those, the ones the text must give */
	uint32_t api; /* the adapter entry it stands for (MMT_API_*; for
		       * MMT_ROLE_CONTEXT the enum mmt_ctx_op call) */
	uint32_t gfp; /* gfp when the text gives none */
	const char *about; /* one line for listings */
};

/* One row of the op-set table. */
struct mmt_opset_desc {
	const char *name; /* "pages": the text's opset line */
	uint32_t caps; /* MMT_CAP_* an adapter needs to run it */
	const char *caps_name; /* those capabilities as messages name them */
	const uint8_t *kinds; /* binary selector byte % nr_kinds -> kind */
	size_t nr_kinds;
	const char *about;
};

/* One row of the fuzz-target table: one per target fuzz/ builds. */
struct mmt_fuzz_target {
	const char *name; /* "fuzz_pages" */
	uint32_t sets; /* bit per op set it runs; others it rejects */
	int diff; /* 1: two allocators in lockstep (replayed with diff) */
	const char *about;
};

/* The row of kind, or NULL. */
const struct mmt_op_desc *mmt_op_desc(unsigned int kind);
/* The row of set, or NULL for an id no set has. */
const struct mmt_opset_desc *mmt_opset_desc(unsigned int set);
/* The set called name (len bytes), or -1. */
int mmt_opset_by_name(const char *name, size_t len);
/* 1 when kind belongs to set (check belongs to all). */
int mmt_op_in_set(unsigned int kind, unsigned int set);
/* The fuzz targets, ended by a row with a NULL name. */
extern const struct mmt_fuzz_target mmt_fuzz_targets[];
/* The target called name, or NULL. */
const struct mmt_fuzz_target *mmt_fuzz_target(const char *name);

struct mmt_op {
	uint16_t kind; /* enum mmt_op_kind */
	uint16_t slot; /* < MMT_NR_SLOTS */
	uint32_t order; /* PAGES allocations; may exceed nr_orders */
	uint32_t gfp; /* MMT_GFP_* bits */
	uint64_t size; /* OBJECTS: bytes */
	uint64_t align; /* OBJECTS aligned: bytes, a power of two */
	/* UPOOL create: chunks; isolate_pageblock: the pageblock; <=
	 * MMT_MAX_COUNT */
	uint32_t count;
	uint64_t nmemb; /* OBJECTS calloc_array: elements of size bytes */
	uint8_t pool; /* UPOOL: pool index < MMT_NR_POOLS */
	uint8_t cpu; /* PAGES cpu: a simulated CPU < machine.nr_cpus */
	uint8_t lock; /* PAGES spin_lock/unlock: < MMT_CTX_NR_LOCKS */
	uint8_t needs; /* PAGES shrinker_register: MMT_SHRINKER_NEEDS_* */
	uint32_t line; /* text: source line; 0 when decoded from binary */
};

struct mmt_prog {
	struct mmt_machine machine; /* the machine the ops run on */
	uint32_t check_every; /* full check every N ops; 0 = only at the end */
	enum mmt_opset opset; /* may name no set (binary byte 0 unknown) */
	size_t nr_ops;
	size_t cap; /* allocated entries in ops */
	struct mmt_op *ops; /* malloc'd; free with mmt_prog_free() */
};

struct mmt_parse_error {
	const char *file; /* as given to the parser (not copied) */
	unsigned int line; /* 1-based */
	unsigned int column; /* 1-based */
	char field[32]; /* "op", "order", "gfp", "slot", "ram", ... */
	char message[200];
};

void mmt_prog_init(struct mmt_prog *p, enum mmt_opset set);
void mmt_prog_free(struct mmt_prog *p);
/* Append an op; returns 0, or -1 when out of memory or MMT_MAX_OPS reached. */
int mmt_prog_push(struct mmt_prog *p, const struct mmt_op *op);

/*
 * Total decoder: the op set is the program's own (byte 0). Returns 0, or
 * -1 only when out of memory. A byte 0 that names no set gives a program
 * of that id with no ops (mmt_opset_desc() is NULL for it).
 */
int mmt_prog_decode(const uint8_t *data, size_t len, struct mmt_prog *out);

/*
 * The machine of the binary header's table form (bytes 1-3, docs/op-format.md)
 * drawn from seed: the set every fuzz input's header reaches, for stress
 * (--machine any) to draw from. Same seed, same machine.
 */
void mmt_prog_table_machine(uint64_t seed, struct mmt_machine *m);
/* Canonical binary. *out is malloc'd. Returns 0, or -1 (no memory). */
int mmt_prog_encode(const struct mmt_prog *p, uint8_t **out, size_t *len);

/* Strict text parser. Returns 0, or -1 with *err filled. */
int mmt_prog_parse_text(const char *text, size_t len, const char *file,
			struct mmt_prog *out, struct mmt_parse_error *err);
/* Text form, malloc'd and NUL terminated. NULL when out of memory. */
char *mmt_prog_format_text(const struct mmt_prog *p);
/* One op as text (no newline) into buf; returns the full length. */
size_t mmt_op_format(const struct mmt_op *op, char *buf, size_t len);

/* Names: "alloc_pages" ... ; NULL for an unknown kind. */
const char *mmt_op_name(unsigned int kind);
/* "pages", "objects"; "unknown" for an id no set has. */
const char *mmt_opset_name(unsigned int set);
/* GFP text in the kernel's show_gfp_flags() spelling ("GFP_KERNEL|__GFP_ZERO"). */
size_t mmt_gfp_format(uint32_t gfp, char *buf, size_t len);
/* Parse such text (names joined by '|', or a 0x hex number). 0 or -1. */
int mmt_gfp_parse(const char *s, size_t len, uint32_t *gfp);

#endif /* MMTORTURE_OPS_H */
