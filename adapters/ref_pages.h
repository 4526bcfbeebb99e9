/* SPDX-License-Identifier: MIT */
/*
 * ref_pages.h - what the ref-pages adapter (adapters/ref_pages.c) offers
 * besides its adapter table: the one conversion of a harness machine and
 * ref-pages options into a reference config, for the commands that build
 * reference machines themselves (dump, bench).
 */
#ifndef MMT_ADAPTERS_REF_PAGES_H
#define MMT_ADAPTERS_REF_PAGES_H

#include <stddef.h>

#include <mmtorture/adapter.h>

struct ref_config;

/*
 * The config ref-pages' create() builds for machine m: its profile, era,
 * page size, orders, CPUs, banks and reserved ranges, then options (the
 * text after "ref-pages:" in --allocator: ref's own keys, such as mem=)
 * applied on top, and the result validated. Returns 0, or -1 with err
 * naming the key or rule.
 */
int mmt_ref_pages_config(const struct mmt_machine *m, const char *options,
			 struct ref_config *c, char *err, size_t errlen);

#endif /* MMT_ADAPTERS_REF_PAGES_H */
