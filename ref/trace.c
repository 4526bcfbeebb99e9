/* SPDX-License-Identifier: MIT */
/*
 * ref/trace.c - the page allocator's and the memory pool's trace events.
 *
 * Models the two tracepoints of include/trace/events/kmem.h (Linux 6.12)
 * with one optional subscriber per machine instead of ftrace buffers, and
 * the TP_printk text of each:
 *   mm_page_alloc: "page=%p pfn=0x%lx order=%d migratetype=%d gfp_flags=%s"
 *   mm_page_free:  "page=%p pfn=0x%lx order=%d"
 * %p prints the struct ref_page address as 16 hex digits without "0x" (as
 * a hashed or raw kernel pointer reads); a failed allocation carries no
 * page and prints page=0000000000000000 pfn=0x0 like the kernel, whose
 * event records pfn -1 for a NULL page.
 *
 * The memory pool (upool.c) adds two events of its own, with no kernel
 * counterpart, in the same shape:
 *   upool_create:  "page=%p pfn=0x%lx order=%d gfp_flags=%s"
 *   upool_destroy: "page=%p pfn=0x%lx order=%d"
 * upool_create comes after the mm_page_alloc of the pool's block and
 * upool_destroy before its mm_page_free, both with no lock held: a
 * subscriber that sees them knows the block's pages belong to the pool
 * (not to whoever asked for the op) until the destroy.
 *
 * Two more carry the state of mobility grouping (ref/migrate.c, 6.12),
 * which no kernel tracepoint prints whole:
 *   mm_pageblock_type: "page=%p pfn=0x%lx order=%d migratetype=%d", the
 *     pageblocks from pfn over 2^order pages took that type;
 *   mm_zone_boost:     "page=%p pfn=0x%lx order=0 nr=%lu", the zone whose
 *     first pfn is pfn has watermark_boost nr now.
 * Both come under zone->lock, where the change is made.
 *
 * warn_alloc (ref/show_mem.c) carries the page allocation failure
 * warning the kernel would print to its log; its text is the warning's
 * lines. It comes before the failed request's mm_page_alloc, with no lock
 * held.
 *
 * When: mm_page_alloc on every allocation attempt, success or failure,
 * after zone->lock is dropped; mm_page_free on every accepted free, under
 * zone->lock, before the block is merged. So for any one page its free
 * event always precedes the event of its next allocation. Refused (bad
 * page) frees are not traced: they are counted by ref_bad_page_count().
 *
 * Locks: the subscriber may be called with a zone->lock held and must not
 * call back into the allocator. It is read without a lock: subscribe
 * before sharing the machine between threads.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* What an event carries beyond page, pfn and order, and prints in turn. */
enum {
	TRACE_MIGRATETYPE = 1 << 0,
	TRACE_GFP = 1 << 1,
	TRACE_NR = 1 << 2,
	TRACE_WARN = 1 << 3, /* the text is the warning alone */
};

/* One row per event type: its name and its extra fields. */
static const struct {
	const char *name;
	unsigned int fields;
} trace_types[REF_NR_TRACE_TYPES] = {
	[REF_TRACE_MM_PAGE_ALLOC] = { "mm_page_alloc",
				      TRACE_MIGRATETYPE | TRACE_GFP },
	[REF_TRACE_MM_PAGE_FREE] = { "mm_page_free", 0 },
	[REF_TRACE_UPOOL_CREATE] = { "upool_create", TRACE_GFP },
	[REF_TRACE_UPOOL_DESTROY] = { "upool_destroy", 0 },
	[REF_TRACE_MM_PAGEBLOCK_TYPE] = { "mm_pageblock_type",
					  TRACE_MIGRATETYPE },
	[REF_TRACE_MM_ZONE_BOOST] = { "mm_zone_boost", TRACE_NR },
	[REF_TRACE_WARN_ALLOC] = { "warn_alloc", TRACE_GFP | TRACE_WARN },
};

void ref_trace_subscribe(struct ref_mm *mm, ref_trace_fn fn, void *ctx)
{
	mm->trace_fn = fn;
	mm->trace_ctx = fn ? ctx : NULL;
}

void ref_trace_emit(struct ref_mm *mm, enum ref_trace_type type,
		    const struct ref_page *page, unsigned long pfn,
		    unsigned int order, uint32_t gfp)
{
	struct ref_trace_event ev;

	if (!mm->trace_fn)
		return;
	ev.type = type;
	ev.name = trace_types[type].name;
	ev.page = page;
	ev.pfn = page ? pfn : 0;
	ev.order = order;
	ev.gfp = trace_types[type].fields & TRACE_GFP ? gfp : 0;
	ev.migratetype = type == REF_TRACE_MM_PAGE_ALLOC ?
				 ref_gfp_migratetype(mm, gfp) :
				 0;
	ev.nr = 0;
	ev.cpu = ref_smp_processor_id(mm);
	mm->trace_fn(mm->trace_ctx, &ev);
}

void ref_trace_emit_pageblock(struct ref_mm *mm, unsigned long pfn,
			      unsigned int order, int mt)
{
	struct ref_trace_event ev = { 0 };

	if (!mm->trace_fn)
		return;
	ev.type = REF_TRACE_MM_PAGEBLOCK_TYPE;
	ev.name = trace_types[ev.type].name;
	ev.page = &mm->mem_map[pfn];
	ev.pfn = pfn;
	ev.order = order;
	ev.migratetype = mt;
	ev.cpu = ref_smp_processor_id(mm);
	mm->trace_fn(mm->trace_ctx, &ev);
}

void ref_trace_emit_boost(struct ref_mm *mm, const struct ref_zone *zone)
{
	struct ref_trace_event ev = { 0 };

	if (!mm->trace_fn)
		return;
	ev.type = REF_TRACE_MM_ZONE_BOOST;
	ev.name = trace_types[ev.type].name;
	ev.page = &mm->mem_map[zone->zone_start_pfn];
	ev.pfn = zone->zone_start_pfn;
	ev.nr = zone->watermark_boost;
	ev.cpu = ref_smp_processor_id(mm);
	ev.warn = NULL;
	mm->trace_fn(mm->trace_ctx, &ev);
}

void ref_trace_emit_warn(struct ref_mm *mm, const struct ref_alloc_warn *w)
{
	struct ref_trace_event ev;

	if (!mm->trace_fn)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = REF_TRACE_WARN_ALLOC;
	ev.name = trace_types[REF_TRACE_WARN_ALLOC].name;
	ev.order = w->order;
	ev.gfp = w->gfp;
	ev.cpu = ref_smp_processor_id(mm);
	ev.warn = w;
	mm->trace_fn(mm->trace_ctx, &ev);
}

size_t ref_trace_format(const struct ref_mm *mm,
			const struct ref_trace_event *ev, char *buf, size_t len)
{
	unsigned int fields = ev->type < REF_NR_TRACE_TYPES ?
				      trace_types[ev->type].fields :
				      0;
	char gfp[512];
	struct ref_fmtbuf b = { buf, len, 0 };

	if (buf && len)
		buf[0] = '\0';
	if ((fields & TRACE_WARN) && ev->warn)
		return ref_alloc_warn_format(mm, ev->warn, buf, len);
	ref_fb_printf(&b, "page=%016" PRIxPTR " pfn=0x%lx order=%d",
		      (uintptr_t)ev->page, ev->page ? ev->pfn : 0,
		      (int)ev->order);
	if (fields & TRACE_MIGRATETYPE)
		ref_fb_printf(&b, " migratetype=%d", ev->migratetype);
	if (fields & TRACE_NR)
		ref_fb_printf(&b, " nr=%lu", ev->nr);
	if (fields & TRACE_GFP) {
		ref_gfp_format(ev->gfp, gfp, sizeof(gfp));
		ref_fb_printf(&b, " gfp_flags=%s", gfp);
	}
	return b.pos;
}
