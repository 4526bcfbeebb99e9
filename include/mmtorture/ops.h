/* SPDX-License-Identifier: MIT */
/*
 * mmtorture/ops.h - op sequences, format v1 (docs/op-format.md).
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
 * An op set is the vocabulary a binary input is read with (one per fuzz
 * target); adding a set never changes how an existing one decodes.
 */
#ifndef MMTORTURE_OPS_H
#define MMTORTURE_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "adapter.h"

#define MMT_OP_FORMAT_VERSION 1u
#define MMT_NR_SLOTS 256u /* slot indices 0..255 */
#define MMT_MAX_OPS 65536u /* the decoder stops after this many */

enum mmt_op_kind {
	/* PAGES */
	MMT_OP_ALLOC_PAGES = 0, /* alloc_pages s order gfp */
	MMT_OP_ALLOC_PAGE, /* alloc_page s gfp */
	MMT_OP_GET_FREE_PAGES, /* get_free_pages s order gfp */
	MMT_OP_GET_FREE_PAGE, /* get_free_page s gfp */
	MMT_OP_GET_ZEROED_PAGE, /* get_zeroed_page s gfp */
	MMT_OP_FREE_PAGES, /* free_pages s        (by address) */
	MMT_OP_FREE_PAGES_PAGE, /* free_pages_page s   (__free_pages, by page) */
	MMT_OP_FREE_PAGE, /* free_page s         (order-0 by address) */
	/* any set */
	MMT_OP_CHECK, /* check               (full check now) */
	/* OBJECTS (plug-in issue) */
	MMT_OP_MALLOC, /* malloc s size */
	MMT_OP_CALLOC, /* calloc s size */
	MMT_OP_REALLOC, /* realloc s size */
	MMT_OP_ALIGNED, /* aligned s size align */
	MMT_OP_FREE, /* free s */
	MMT_NR_OP_KINDS
};

enum mmt_opset {
	MMT_OPSET_PAGES = 0, /* fuzz_pages: PAGES ops and check */
	MMT_OPSET_OBJECTS = 1, /* OBJECTS ops and check (plug-in issue) */
	MMT_NR_OPSETS
};

struct mmt_op {
	uint16_t kind; /* enum mmt_op_kind */
	uint16_t slot; /* < MMT_NR_SLOTS */
	uint32_t order; /* PAGES allocations; may exceed nr_orders */
	uint32_t gfp; /* MMT_GFP_* bits */
	uint64_t size; /* OBJECTS: bytes */
	uint64_t align; /* OBJECTS aligned: bytes, a power of two */
	uint32_t line; /* text: source line; 0 when decoded from binary */
};

struct mmt_prog {
	struct mmt_machine machine; /* the machine the ops run on */
	uint32_t check_every; /* full check every N ops; 0 = only at the end */
	enum mmt_opset opset;
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

/* The default machine: x86_64, 6.12, 64 MiB at 0, 4 KiB, 11 orders, 1 CPU. */
void mmt_machine_default(struct mmt_machine *m);

void mmt_prog_init(struct mmt_prog *p, enum mmt_opset set);
void mmt_prog_free(struct mmt_prog *p);
/* Append an op; returns 0, or -1 when out of memory or MMT_MAX_OPS reached. */
int mmt_prog_push(struct mmt_prog *p, const struct mmt_op *op);

/* Total decoder. Returns 0, or -1 only when out of memory. */
int mmt_prog_decode(const uint8_t *data, size_t len, enum mmt_opset set,
		    struct mmt_prog *out);
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
/* GFP text in the kernel's show_gfp_flags() spelling ("GFP_KERNEL|__GFP_ZERO"). */
size_t mmt_gfp_format(uint32_t gfp, char *buf, size_t len);
/* Parse such text (names joined by '|', or a 0x hex number). 0 or -1. */
int mmt_gfp_parse(const char *s, size_t len, uint32_t *gfp);
/* Which op set a fuzz target reads: "fuzz_pages" -> MMT_OPSET_PAGES; -1. */
int mmt_opset_for_target(const char *target);

#endif /* MMTORTURE_OPS_H */
