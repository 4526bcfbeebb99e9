/* SPDX-License-Identifier: MIT */
/*
 * optable.c - the op table: every op kind, op set and fuzz target, once.
 *
 * A kind's row says what the binary codec (ops.c), the text codec
 * (text.c), the executor (exec.c), the differential runner (diff.c) and
 * the listings (tools/) need to know of it: its name, its op set, the
 * fields it carries (each field has one binary and one text form, so the
 * codecs work field by field, never kind by kind), which of them the text
 * must give, its role (what it does to its slot) and the adapter entry it
 * stands for. Adding an op is a row here, a row in its set's selector
 * table, and its semantics in the layer that runs it.
 *
 * Selector tables: a binary op starts with a selector byte, and kind =
 * kinds[sel % nr_kinds] of the program's set. Repeats weight a kind: the
 * tables keep allocations and frees roughly balanced. A table only ever
 * grows at its end (which re-weights, but keeps every selector below the
 * old size reading the same kind); check has a selector byte of its own
 * in the codec.
 */
#include <string.h>

#include <mmtorture/ops.h>

#define PAGES MMT_OPSET_PAGES
#define OBJECTS MMT_OPSET_OBJECTS
#define EVERY MMT_NR_OPSETS
#define F_SLOT MMT_F(MMT_FIELD_SLOT)
#define F_ORDER MMT_F(MMT_FIELD_ORDER)
#define F_GFP MMT_F(MMT_FIELD_GFP)
#define F_SIZE MMT_F(MMT_FIELD_SIZE)
#define F_ALIGN MMT_F(MMT_FIELD_ALIGN)
#define UPOOL MMT_OPSET_UPOOL
#define F_POOL MMT_F(MMT_FIELD_POOL)
#define F_COUNT MMT_F(MMT_FIELD_COUNT)
#define F_NMEMB MMT_F(MMT_FIELD_NMEMB)
#define F_CPU MMT_F(MMT_FIELD_CPU)
#define F_LOCK MMT_F(MMT_FIELD_LOCK)
#define F_NEEDS MMT_F(MMT_FIELD_NEEDS)
#define CTX(kind, name, call, fields, about)                                  \
	[kind] = {                                                            \
		name, PAGES, MMT_ROLE_CONTEXT, fields, fields, call, 0, about \
	}

static const struct mmt_op_desc op_table[MMT_NR_OP_KINDS] = {
	[MMT_OP_ALLOC_PAGES] = { "alloc_pages", PAGES, MMT_ROLE_ALLOC,
				 F_SLOT | F_ORDER | F_GFP, F_SLOT,
				 MMT_API_ALLOC_PAGES, MMT_GFP_KERNEL,
				 "2^order pages (struct page *)" },
	[MMT_OP_ALLOC_PAGE] = { "alloc_page", PAGES, MMT_ROLE_ALLOC,
				F_SLOT | F_GFP, F_SLOT, MMT_API_ALLOC_PAGE,
				MMT_GFP_KERNEL, "one page (struct page *)" },
	[MMT_OP_GET_FREE_PAGES] = { "get_free_pages", PAGES, MMT_ROLE_ALLOC,
				    F_SLOT | F_ORDER | F_GFP, F_SLOT,
				    MMT_API_GET_FREE_PAGES, MMT_GFP_KERNEL,
				    "2^order pages (address)" },
	[MMT_OP_GET_FREE_PAGE] = { "get_free_page", PAGES, MMT_ROLE_ALLOC,
				   F_SLOT | F_GFP, F_SLOT,
				   MMT_API_GET_FREE_PAGE, MMT_GFP_KERNEL,
				   "one page (address)" },
	[MMT_OP_GET_ZEROED_PAGE] = { "get_zeroed_page", PAGES, MMT_ROLE_ALLOC,
				     F_SLOT | F_GFP, F_SLOT,
				     MMT_API_GET_ZEROED_PAGE, MMT_GFP_KERNEL,
				     "one zeroed page (gfp | __GFP_ZERO)" },
	[MMT_OP_FREE_PAGES] = { "free_pages", PAGES, MMT_ROLE_FREE, F_SLOT,
				F_SLOT, MMT_API_FREE_PAGES, 0,
				"free by address and order" },
	[MMT_OP_FREE_PAGES_PAGE] = { "free_pages_page", PAGES, MMT_ROLE_FREE,
				     F_SLOT, F_SLOT, MMT_API_FREE_PAGES_PAGE, 0,
				     "free by page and order" },
	[MMT_OP_FREE_PAGE] = { "free_page", PAGES, MMT_ROLE_FREE, F_SLOT,
			       F_SLOT, MMT_API_FREE_PAGE, 0,
			       "free one page by address" },
	[MMT_OP_CHECK] = { "check", EVERY, MMT_ROLE_CHECK, 0, 0, 0, 0,
			   "full check of the allocator now" },
	[MMT_OP_MALLOC] = { "malloc", OBJECTS, MMT_ROLE_ALLOC, F_SLOT | F_SIZE,
			    F_SLOT | F_SIZE, 0, 0, "size bytes" },
	[MMT_OP_CALLOC] = { "calloc", OBJECTS, MMT_ROLE_ALLOC, F_SLOT | F_SIZE,
			    F_SLOT | F_SIZE, 0, 0,
			    "size zeroed bytes (1 x size)" },
	[MMT_OP_REALLOC] = { "realloc", OBJECTS, MMT_ROLE_REALLOC,
			     F_SLOT | F_SIZE, F_SLOT | F_SIZE, 0, 0,
			     "resize, keeping the prefix" },
	[MMT_OP_ALIGNED] = { "aligned", OBJECTS, MMT_ROLE_ALLOC,
			     F_SLOT | F_SIZE | F_ALIGN, F_SLOT | F_SIZE, 0, 0,
			     "size bytes aligned to align" },
	[MMT_OP_FREE] = { "free", OBJECTS, MMT_ROLE_FREE, F_SLOT, F_SLOT, 0, 0,
			  "free" },
	[MMT_OP_UPOOL_CREATE] = { "upool_create", UPOOL, MMT_ROLE_CREATE,
				  F_GFP | F_SIZE | F_POOL | F_COUNT,
				  F_SIZE | F_POOL | F_COUNT, 0, MMT_GFP_KERNEL,
				  "a pool of count chunks of size bytes" },
	[MMT_OP_UPOOL_ALLOC] = { "upool_alloc", UPOOL, MMT_ROLE_ALLOC,
				 F_SLOT | F_POOL, F_SLOT | F_POOL, 0, 0,
				 "a chunk of the pool" },
	[MMT_OP_UPOOL_FREE] = { "upool_free", UPOOL, MMT_ROLE_FREE, F_SLOT,
				F_SLOT, 0, 0, "the chunk back to its pool" },
	[MMT_OP_UPOOL_DESTROY] = { "upool_destroy", UPOOL, MMT_ROLE_DESTROY,
				   F_POOL, F_POOL, 0, 0,
				   "destroy the pool (kept while chunks are "
				   "live)" },
	[MMT_OP_CALLOC_ARRAY] = { "calloc_array", OBJECTS, MMT_ROLE_ALLOC,
				  F_SLOT | F_SIZE | F_NMEMB,
				  F_SLOT | F_SIZE | F_NMEMB, 0, 0,
				  "nmemb zeroed elements of size bytes "
				  "(calloc(nmemb, size))" },
	/* the context of the simulated CPU (docs/op-format.md, "Context") */
	[MMT_OP_CPU] = { "cpu", PAGES, MMT_ROLE_CONTEXT, F_CPU, F_CPU, 0, 0,
			 "the following ops run on simulated CPU cpu" },
	CTX(MMT_OP_PREEMPT_DISABLE, "preempt_disable", MMT_CTX_PREEMPT_DISABLE,
	    0, "preempt_count() + 1"),
	CTX(MMT_OP_PREEMPT_ENABLE, "preempt_enable", MMT_CTX_PREEMPT_ENABLE, 0,
	    "preempt_count() - 1"),
	CTX(MMT_OP_LOCAL_IRQ_DISABLE, "local_irq_disable", MMT_CTX_IRQ_DISABLE,
	    0, "interrupts off on this CPU"),
	CTX(MMT_OP_LOCAL_IRQ_ENABLE, "local_irq_enable", MMT_CTX_IRQ_ENABLE, 0,
	    "interrupts on on this CPU"),
	CTX(MMT_OP_IRQ_ENTER, "irq_enter", MMT_CTX_IRQ_ENTER, 0,
	    "a hardirq handler starts (hardirq count + 1)"),
	CTX(MMT_OP_IRQ_EXIT, "irq_exit", MMT_CTX_IRQ_EXIT, 0,
	    "the hardirq handler ends"),
	CTX(MMT_OP_SPIN_LOCK, "spin_lock", MMT_CTX_SPIN_LOCK, F_LOCK,
	    "take spinlock lock (preemption off while held)"),
	CTX(MMT_OP_SPIN_UNLOCK, "spin_unlock", MMT_CTX_SPIN_UNLOCK, F_LOCK,
	    "release spinlock lock"),
	CTX(MMT_OP_LOCAL_BH_DISABLE, "local_bh_disable", MMT_CTX_BH_DISABLE, 0,
	    "softirqs off (softirq count + the era's offset)"),
	CTX(MMT_OP_LOCAL_BH_ENABLE, "local_bh_enable", MMT_CTX_BH_ENABLE, 0,
	    "softirqs back on"),
	/* CPU hot-unplug: the machine's, not the running CPU's context */
	CTX(MMT_OP_CPU_OFFLINE, "cpu_offline", MMT_CTX_CPU_OFFLINE, F_CPU,
	    "take CPU cpu down (its per-CPU lists drained)"),
	CTX(MMT_OP_CPU_ONLINE, "cpu_online", MMT_CTX_CPU_ONLINE, F_CPU,
	    "bring CPU cpu back up"),
	/* reclaim: a cache of the harness's that shrinkers free */
	[MMT_OP_SHRINKER_REGISTER] = { "shrinker_register", PAGES,
				       MMT_ROLE_CREATE,
				       F_POOL | F_COUNT | F_ORDER | F_GFP |
					       F_NEEDS,
				       F_POOL | F_COUNT, 0, MMT_GFP_KERNEL,
				       "a cache (pool) of count blocks of "
				       "2^order pages taken with gfp, freed "
				       "by reclaim whose mask has what needs "
				       "says" },
	[MMT_OP_SHRINKER_UNREGISTER] = { "shrinker_unregister", PAGES,
					 MMT_ROLE_DESTROY, F_POOL, F_POOL, 0, 0,
					 "unregister the cache and free its "
					 "blocks" },
	/* page isolation: the machine's too; count names the pageblock */
	CTX(MMT_OP_ISOLATE_PAGEBLOCK, "isolate_pageblock",
	    MMT_CTX_ISOLATE_PAGEBLOCK, F_COUNT,
	    "isolate pageblock count (modulo the machine's): its free pages "
	    "leave use"),
	CTX(MMT_OP_UNDO_ISOLATE_PAGEBLOCK, "undo_isolate_pageblock",
	    MMT_CTX_UNDO_ISOLATE_PAGEBLOCK, F_COUNT,
	    "give isolated pageblock count back as MOVABLE"),
};

/* The context ops came later: appended, so selectors 0..30 read as
 * before; the hotplug ops after them (0..41 as before); the shrinker ops
 * after those (0..43 as before), then the isolation ops (0..45 as
 * before). */
static const uint8_t pages_kinds[48] = {
	MMT_OP_ALLOC_PAGES,	  MMT_OP_ALLOC_PAGES,
	MMT_OP_ALLOC_PAGES,	  MMT_OP_ALLOC_PAGES,
	MMT_OP_ALLOC_PAGES,	  MMT_OP_ALLOC_PAGES,
	MMT_OP_ALLOC_PAGE,	  MMT_OP_ALLOC_PAGE,
	MMT_OP_ALLOC_PAGE,	  MMT_OP_GET_FREE_PAGES,
	MMT_OP_GET_FREE_PAGES,	  MMT_OP_GET_FREE_PAGES,
	MMT_OP_GET_FREE_PAGE,	  MMT_OP_GET_FREE_PAGE,
	MMT_OP_GET_ZEROED_PAGE,	  MMT_OP_GET_ZEROED_PAGE,
	MMT_OP_FREE_PAGES,	  MMT_OP_FREE_PAGES,
	MMT_OP_FREE_PAGES,	  MMT_OP_FREE_PAGES,
	MMT_OP_FREE_PAGES,	  MMT_OP_FREE_PAGES,
	MMT_OP_FREE_PAGES,	  MMT_OP_FREE_PAGES_PAGE,
	MMT_OP_FREE_PAGES_PAGE,	  MMT_OP_FREE_PAGES_PAGE,
	MMT_OP_FREE_PAGES_PAGE,	  MMT_OP_FREE_PAGES_PAGE,
	MMT_OP_FREE_PAGE,	  MMT_OP_FREE_PAGE,
	MMT_OP_FREE_PAGE,	  MMT_OP_CPU,
	MMT_OP_PREEMPT_DISABLE,	  MMT_OP_PREEMPT_ENABLE,
	MMT_OP_LOCAL_IRQ_DISABLE, MMT_OP_LOCAL_IRQ_ENABLE,
	MMT_OP_IRQ_ENTER,	  MMT_OP_IRQ_EXIT,
	MMT_OP_SPIN_LOCK,	  MMT_OP_SPIN_UNLOCK,
	MMT_OP_LOCAL_BH_DISABLE,  MMT_OP_LOCAL_BH_ENABLE,
	MMT_OP_CPU_OFFLINE,	  MMT_OP_CPU_ONLINE,
	MMT_OP_SHRINKER_REGISTER, MMT_OP_SHRINKER_UNREGISTER,
	MMT_OP_ISOLATE_PAGEBLOCK, MMT_OP_UNDO_ISOLATE_PAGEBLOCK,
};

/* calloc_array came later: appended, so selectors 0..14 read as before. */
static const uint8_t objects_kinds[16] = {
	MMT_OP_MALLOC,	MMT_OP_MALLOC,	MMT_OP_MALLOC,	MMT_OP_MALLOC,
	MMT_OP_CALLOC,	MMT_OP_CALLOC,	MMT_OP_REALLOC, MMT_OP_REALLOC,
	MMT_OP_ALIGNED, MMT_OP_ALIGNED, MMT_OP_FREE,	MMT_OP_FREE,
	MMT_OP_FREE,	MMT_OP_FREE,	MMT_OP_FREE,	MMT_OP_CALLOC_ARRAY,
};

/* Allocations and frees balanced; create and destroy rarer. */
static const uint8_t upool_kinds[16] = {
	MMT_OP_UPOOL_CREATE,  MMT_OP_UPOOL_CREATE, MMT_OP_UPOOL_ALLOC,
	MMT_OP_UPOOL_ALLOC,   MMT_OP_UPOOL_ALLOC,  MMT_OP_UPOOL_ALLOC,
	MMT_OP_UPOOL_ALLOC,   MMT_OP_UPOOL_ALLOC,  MMT_OP_UPOOL_ALLOC,
	MMT_OP_UPOOL_FREE,    MMT_OP_UPOOL_FREE,   MMT_OP_UPOOL_FREE,
	MMT_OP_UPOOL_FREE,    MMT_OP_UPOOL_FREE,   MMT_OP_UPOOL_DESTROY,
	MMT_OP_UPOOL_DESTROY,
};

static const struct mmt_opset_desc opset_table[MMT_NR_OPSETS] = {
	[MMT_OPSET_PAGES] = { "pages", MMT_CAP_PAGES, "PAGES", pages_kinds,
			      sizeof(pages_kinds),
			      "alloc and free of pages by order and GFP mask" },
	[MMT_OPSET_OBJECTS] = { "objects", MMT_CAP_OBJECTS, "OBJECTS",
				objects_kinds, sizeof(objects_kinds),
				"malloc, calloc, realloc, aligned, free" },
	[MMT_OPSET_UPOOL] = { "upool", MMT_CAP_UPOOL, "UPOOL", upool_kinds,
			      sizeof(upool_kinds),
			      "fixed-size chunk pools: create, alloc, free, "
			      "destroy" },
};

const struct mmt_fuzz_target mmt_fuzz_targets[] = {
	{ "fuzz_pages", 1u << MMT_OPSET_PAGES, 0,
	  "page allocator under the shadow model, full checks" },
	{ "fuzz_diff",
	  (1u << MMT_OPSET_PAGES) | (1u << MMT_OPSET_OBJECTS) |
		  (1u << MMT_OPSET_UPOOL),
	  1,
	  "two allocators in lockstep ($MMT_ALLOCATOR vs $MMT_AGAINST); "
	  "runs each program whose op set both can run" },
	{ "fuzz_upool", 1u << MMT_OPSET_UPOOL, 0,
	  "memory pools under the pool shadow, full checks" },
	{ NULL, 0, 0, NULL },
};

const struct mmt_op_desc *mmt_op_desc(unsigned int kind)
{
	return kind < MMT_NR_OP_KINDS ? &op_table[kind] : NULL;
}

const char *mmt_op_name(unsigned int kind)
{
	return kind < MMT_NR_OP_KINDS ? op_table[kind].name : NULL;
}

const struct mmt_opset_desc *mmt_opset_desc(unsigned int set)
{
	return set < MMT_NR_OPSETS ? &opset_table[set] : NULL;
}

const char *mmt_opset_name(unsigned int set)
{
	return set < MMT_NR_OPSETS ? opset_table[set].name : "unknown";
}

int mmt_opset_by_name(const char *name, size_t len)
{
	for (unsigned int i = 0; i < MMT_NR_OPSETS; i++)
		if (strlen(opset_table[i].name) == len &&
		    memcmp(opset_table[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

int mmt_op_in_set(unsigned int kind, unsigned int set)
{
	if (kind >= MMT_NR_OP_KINDS || set >= MMT_NR_OPSETS)
		return 0;
	return op_table[kind].set == set || op_table[kind].set == EVERY;
}

const struct mmt_fuzz_target *mmt_fuzz_target(const char *name)
{
	for (const struct mmt_fuzz_target *t = mmt_fuzz_targets; t->name; t++)
		if (name && strcmp(t->name, name) == 0)
			return t;
	return NULL;
}
