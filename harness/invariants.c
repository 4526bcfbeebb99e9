/* SPDX-License-Identifier: MIT */
/*
 * invariants.c - the registry of the harness's invariant ids.
 *
 * Every id the harness itself reports (the shadow models, the oracles,
 * the differential runner, stress, the executor's view of the adapter) is
 * one row here: its id, the layer a report carries, and one line of what
 * it means. The allocator's own self-check ids (ref's BUDDY-*, ZONE-*,
 * PAGE-*, UPOOL-*, a plug-in's) are not here: ref keeps its own registry
 * (ref/check.c), a plug-in names its own.
 *
 * tests/invariants.sh holds this table complete: every id a source file
 * of harness/, stress/, tools/ or fuzz/ reports is a row, every row is
 * reported somewhere, documented in docs/ and expected by a test, so an
 * id's code, doc and test are found from it with one grep.
 */
#include <string.h>

#include <mmtorture/exec.h>

static const struct mmt_invariant invariants[] = {
	/* the page shadow (harness/shadow.c) */
	{ "SHADOW-RANGE", "shadow",
	  "a block outside the arena, present RAM or unreserved pages" },
	{ "SHADOW-ALIGN", "shadow",
	  "an address not page aligned or a block not aligned to 2^order" },
	{ "SHADOW-ZONE", "shadow",
	  "a block across zones or in a zone the GFP mask does not allow" },
	{ "SHADOW-MAP", "shadow",
	  "the allocator's own map of memory (present RAM, reserved pages, "
	  "zone spans, orders) is not the one the machine line gives" },
	{ "SHADOW-OVERLAP", "shadow", "a page of the block is already live" },
	{ "SHADOW-FILL", "shadow",
	  "the cookies written at allocation changed before the free" },
	{ "SHADOW-ZERO", "shadow",
	  "__GFP_ZERO memory that does not read zero" },
	{ "SHADOW-OWNER", "shadow",
	  "a layer's record of pages it took or gave back is wrong" },
	{ "ORACLE-MUST-FAIL", "oracle",
	  "an impossible request (order, zone, no free block) succeeded" },
	{ "ORACLE-MUST-SUCCEED", "oracle",
	  "a request failed though a suitable free range existed (strict; "
	  "with WATERMARKS, in a zone whose watermark check it passes)" },
	{ "NOFAIL-STUCK", "caller",
	  "caller rules: a __GFP_NOFAIL request that may reclaim found nothing "
	  "(the kernel would retry it for ever)" },
	{ "GFP-ZONE-BAD", "caller",
	  "caller rules: a mask names more than one of __GFP_DMA, "
	  "__GFP_DMA32 and __GFP_HIGHMEM (gfp_zone's GFP_ZONE_BAD, a "
	  "VM_BUG_ON in the kernel)" },
	{ "ORACLE-WATERMARK", "oracle",
	  "strict, WATERMARKS: a zone served a request its watermark check "
	  "(min, lowmem reserve, the mask's allowances) refuses" },
	{ "ORACLE-FAULT", "oracle",
	  "FAULT_INJECT: an allocation succeeded though the machine's fault "
	  "injection (fail_* knobs, the harness's own model) fails that call" },
	{ "ORACLE-PROBE", "oracle",
	  "strict: with every slot freed, the capacity probe's drain of an "
	  "order failed while a free aligned range of it was left" },
	{ "TRACE-ALLOC", "trace",
	  "an allocation without exactly one matching mm_page_alloc" },
	{ "TRACE-FREE", "trace",
	  "a free without exactly one matching mm_page_free" },
	/* the object shadow (harness/shadow_objects.c) */
	{ "OBJ-NULL", "oracle", "an allocation within the caps returned NULL" },
	{ "OBJ-OVERLAP", "shadow", "an object overlaps a live object" },
	{ "OBJ-ALIGN", "shadow",
	  "an object below the alignment declared or asked for" },
	{ "OBJ-USABLE", "shadow", "usable_size() below the request" },
	{ "OBJ-FILL", "shadow",
	  "the fill pattern changed before the free or realloc" },
	{ "OBJ-ZERO", "shadow", "calloc memory that does not read zero" },
	{ "OBJ-REALLOC", "shadow",
	  "realloc did not keep the old contents up to the smaller size" },
	{ "OBJ-IMPOSSIBLE", "oracle",
	  "a request above PTRDIFF_MAX bytes or a calloc whose nmemb x size "
	  "wraps returned a block (or a failed realloc changed the object)" },
	/* the pool shadow (harness/shadow_upool.c) */
	{ "POOL-CREATE", "shadow",
	  "create returned 0 without a pool, an error with one, or a pool "
	  "of size or count 0" },
	{ "POOL-ALIGN", "shadow",
	  "a chunk below the alignment upool->align declares" },
	{ "POOL-SPAN", "shadow",
	  "a pool's chunks spread over more than count x stride bytes" },
	{ "POOL-OVERLAP", "shadow", "a chunk overlaps a live chunk" },
	{ "POOL-EXHAUSTED", "oracle",
	  "alloc returned NULL while fewer than count chunks were live" },
	{ "POOL-OVERFLOW", "oracle",
	  "alloc returned a chunk while all count chunks were live" },
	{ "POOL-COOKIE", "shadow",
	  "the fill written at alloc changed before the free" },
	{ "POOL-FREE", "adapter", "the free of a live chunk was refused" },
	{ "POOL-DESTROY", "adapter",
	  "destroy did not return the number of live chunks" },
	/* the execution context of the simulated CPUs (harness/context.c) */
	{ "CTX-SLEEP", "context",
	  "an allocation that may sleep (__GFP_DIRECT_RECLAIM) ran in atomic "
	  "context: preemption or irqs off, in an interrupt or bottom half, "
	  "a spinlock held (the program's bug; replay and trace only)" },
	{ "CTX-LEAK", "context",
	  "a CPU was left in atomic context at the end of input (the "
	  "program's bug; replay and trace only)" },
	{ "CTX-REPORT", "adapter",
	  "the allocator's count of might-sleep reports did not rise exactly "
	  "at the CTX-SLEEP allocations, or it refused a balanced context "
	  "call" },
	/* the executor's view of the adapter (harness/exec.c) */
	{ "ADAPTER-ALLOC", "adapter", "an allocation returned an error" },
	{ "ADAPTER-FREE", "adapter", "the adapter refused a valid free" },
	{ "ADAPTER-CHECK", "adapter",
	  "the adapter's self-check reported a finding without an id" },
	/* the differential runner (harness/diff.c) */
	{ "DIFF-MUST-SUCCEED", "diff",
	  "one side failed where the other succeeded and its oracle says it "
	  "must not" },
	{ "DIFF-MUST-FAIL", "diff",
	  "a side served an objects request no allocator can (above "
	  "PTRDIFF_MAX, or a calloc whose product wraps)" },
	{ "DIFF-CONTENT", "diff",
	  "promised contents (zeroes, a kept prefix) differ between sides" },
	{ "DIFF-USABLE", "diff", "a side's usable size below the request" },
	{ "DIFF-ALIGN", "diff", "a side broke an alignment promise" },
	{ "DIFF-OFFSET", "diff", "strict: both succeeded at different blocks" },
	{ "DIFF-SIDE-LOST", "diff",
	  "a side counted more violations than its report kept" },
	/* stress (stress/pages.c, stress/pagepath.c, stress/reclaim.c,
	 * stress/objects.c) */
	{ "STRESS-RANGE", "stress",
	  "a block outside the arena, unaligned, or on absent or reserved "
	  "pages" },
	{ "STRESS-MAP", "stress",
	  "at boot, an OWN_ARENA allocator's own map of memory is not the "
	  "one the machine gives (as SHADOW-MAP)" },
	{ "STRESS-PROBE", "stress",
	  "POLICY_BUDDY: at a park the capacity probe got another count of "
	  "blocks of some order than the free ranges allow" },
	{ "STRESS-DOUBLE-ALLOC", "stress",
	  "a page or address handed out while it is live" },
	{ "STRESS-ZONE", "stress",
	  "a block across zones or above the zone the mask allows" },
	{ "STRESS-ZERO", "stress", "zeroed memory that does not read zero" },
	{ "STRESS-FILL", "stress", "the fill pattern changed before the free" },
	{ "STRESS-COOKIE", "stress",
	  "an object's header cookie changed before the free" },
	{ "STRESS-FREE", "stress", "the allocator refused a valid free" },
	{ "STRESS-OWNER", "stress",
	  "ownership of a live block or address lost (a harness bug)" },
	{ "STRESS-REALLOC", "stress", "realloc did not keep the old contents" },
	{ "STRESS-USABLE", "stress", "usable_size() below the request" },
	{ "STRESS-IMPOSSIBLE", "stress",
	  "a request above PTRDIFF_MAX bytes (or a wrapping calloc) returned "
	  "a block" },
	{ "STRESS-ALIGN", "stress",
	  "an object below its declared or asked alignment" },
	{ "STRESS-OOM", "stress",
	  "the harness could not allocate its own bookkeeping" },
	{ "STRESS-RECLAIM", "stress",
	  "reclaim: a shrinker cache that needs __GFP_FS (or __GFP_IO) was "
	  "scanned by reclaim for a mask without it (GFP_NOFS, GFP_NOIO)" },
	{ "STRESS-PROTECTION", "stress",
	  "dma-starve: a request whose classzone is above DMA took a DMA "
	  "block while DMA's free pages were provably at or below min + "
	  "lowmem_reserve for the whole call" },
};

const struct mmt_invariant *mmt_invariants(size_t *n)
{
	*n = sizeof(invariants) / sizeof(invariants[0]);
	return invariants;
}

const struct mmt_invariant *mmt_invariant_find(const char *id)
{
	for (size_t i = 0; id && i < sizeof(invariants) / sizeof(invariants[0]);
	     i++)
		if (strcmp(invariants[i].id, id) == 0)
			return &invariants[i];
	return NULL;
}
