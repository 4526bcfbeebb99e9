/* SPDX-License-Identifier: MIT */
/*
 * test_exec.c - the executor against ref-pages and against a tiny in-test
 * allocator that can be broken on purpose (options string), each breakage
 * caught with the right id; adapter validation and selection messages.
 *
 * The tiny allocator ("tiny"): first fit over the arena the harness maps,
 * one byte per pfn (0 free), aligned blocks that stay inside one zone, the
 * GFP zone rules of the shadow. Correct unless told otherwise:
 *   overlap   hands out pfn 0 again and again (no bookkeeping)
 *   noreuse   never reuses freed memory
 *   misalign  returns blocks one page past their alignment
 *   zone      ignores the GFP zone modifiers (and declares ZONES)
 *   dirty     leaves a byte set in every block it hands out
 *   scribble  writes into the first live block on each allocation
 *   finding   its check() reports BUDDY-COALESCE
 *   endonly   its check() reports ZONE-NRFREE once every page is free
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <mmtorture/exec.h>
#include <mmtorture/machine.h>
#include <mmtorture/ops.h>

#include "leakcheck.h"
#include "prog_text.h"

struct tiny {
	struct mmt_arena a;
	uint8_t *used; /* per pfn: 0 free, 1 + order at a block head, 0xFF tail */
	uint64_t next; /* noreuse: first pfn never handed out */
	int overlap, noreuse, misalign, zone, dirty, scribble, finding, endonly;
	unsigned int maxorder; /* "maxorder2": orders >= 2 fail, 0 = none */
	uint64_t first_live;
};

static int tiny_create(const struct mmt_adapter_env *env, void **state,
		       char *err, size_t errlen)
{
	struct tiny *t;
	const char *o = env->options;

	if (strstr(o, "nolib")) {
		snprintf(err, errlen, "tiny: libtiny.so.1 is not installed");
		return -ENOENT;
	}
	if (strstr(o, "fail")) {
		snprintf(err, errlen, "tiny: asked to fail");
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->a = env->arena;
	t->used = calloc(t->a.nr_pfns, 1);
	t->overlap = !!strstr(o, "overlap");
	t->noreuse = !!strstr(o, "noreuse");
	t->misalign = !!strstr(o, "misalign");
	t->zone = !!strstr(o, "zone");
	t->dirty = !!strstr(o, "dirty");
	t->scribble = !!strstr(o, "scribble");
	t->finding = !!strstr(o, "finding");
	t->endonly = !!strstr(o, "endonly");
	t->maxorder = strstr(o, "maxorder2") ? 2 : 0;
	t->first_live = UINT64_MAX;
	*state = t;
	return 0;
}

static void tiny_destroy(void *state)
{
	struct tiny *t = state;

	free(t->used);
	free(t);
}

static int usable(const struct tiny *t, uint64_t pfn)
{
	for (uint32_t i = 0; i < t->a.nr_reserved; i++)
		if (pfn >= t->a.reserved[i].start_pfn &&
		    pfn < t->a.reserved[i].start_pfn +
				    t->a.reserved[i].nr_pages)
			return 0;
	for (uint32_t i = 0; i < t->a.nr_present; i++)
		if (pfn >= t->a.present[i].start_pfn &&
		    pfn < t->a.present[i].start_pfn + t->a.present[i].nr_pages)
			return !t->used[pfn];
	return 0;
}

static int tiny_alloc(void *state, unsigned int order, uint32_t gfp,
		      uint32_t api, void **addr)
{
	struct tiny *t = state;
	uint64_t n = 1ULL << order;
	unsigned int top = 2;
	int zb = !!(gfp & MMT_GFP_DMA) + !!(gfp & MMT_GFP_DMA32) +
		 !!(gfp & MMT_GFP_HIGHMEM);

	*addr = NULL;
	if (api == MMT_API_ALLOC_PAGE || api == MMT_API_GET_FREE_PAGE ||
	    api == MMT_API_GET_ZEROED_PAGE) {
		n = 1;
		order = 0;
	}
	if (order >= t->a.nr_orders || (t->maxorder && order >= t->maxorder))
		return 0;
	if (t->overlap) {
		*addr = t->a.base;
		return 0;
	}
	if (zb > 1)
		return 0;
	if (!t->zone) {
		int has32 = 0, hashigh = 0;

		for (uint32_t z = 0; z < t->a.nr_zones; z++) {
			has32 |= t->a.zones[z].type == MMT_ZONE_DMA32;
			hashigh |= t->a.zones[z].type == MMT_ZONE_HIGHMEM;
		}
		if (gfp & MMT_GFP_DMA)
			top = 0;
		else if ((gfp & MMT_GFP_DMA32) && has32)
			top = 1;
		else if ((gfp & MMT_GFP_HIGHMEM) && hashigh)
			top = 3;
	}
	for (uint32_t z = 0; z < t->a.nr_zones; z++) {
		const struct mmt_arena_zone *az = &t->a.zones[z];
		uint64_t start = (az->start_pfn + n - 1) & ~(n - 1);

		if (!az->present || az->type > top)
			continue;
		if (t->noreuse && start < t->next)
			start = (t->next + n - 1) & ~(n - 1);
		for (uint64_t p = start; p + n <= az->end_pfn; p += n) {
			uint64_t k;

			for (k = 0; k < n && usable(t, p + k); k++)
				;
			if (k < n)
				continue;
			for (k = 0; k < n; k++)
				t->used[p + k] = 0xFF;
			t->used[p] = (uint8_t)(1 + order);
			if (t->noreuse)
				t->next = p + n;
			if (t->scribble && t->first_live != UINT64_MAX)
				((uint8_t *)t->a.base)[t->first_live *
						       t->a.page_size] ^= 1;
			if (t->first_live == UINT64_MAX)
				t->first_live = p;
			if ((gfp & MMT_GFP_ZERO) ||
			    api == MMT_API_GET_ZEROED_PAGE)
				memset((uint8_t *)t->a.base +
					       p * t->a.page_size,
				       0, n * t->a.page_size);
			if (t->dirty)
				((uint8_t *)t->a.base)[p * t->a.page_size + 99] =
					1;
			if (t->misalign && order > 0)
				p++;
			*addr = (uint8_t *)t->a.base + p * t->a.page_size;
			return 0;
		}
	}
	return 0;
}

static int tiny_free(void *state, void *addr, unsigned int order, uint32_t api)
{
	struct tiny *t = state;
	uint64_t pfn = (uint64_t)((uint8_t *)addr - (uint8_t *)t->a.base) /
		       t->a.page_size;

	(void)api;
	if (t->overlap)
		return 0;
	if (t->misalign && order > 0)
		pfn--;
	if (pfn >= t->a.nr_pfns || t->used[pfn] != 1 + order)
		return -EINVAL;
	if (pfn == t->first_live)
		t->first_live = UINT64_MAX;
	memset(t->used + pfn, 0, 1ULL << order);
	return 0;
}

static long tiny_check(void *state, unsigned int level, mmt_finding_fn fn,
		       void *ctx)
{
	struct tiny *t = state;

	(void)level;
	if (t->finding) {
		fn(ctx, "BUDDY-COALESCE", "tiny: pretend a merge was missed");
		return 1;
	}
	if (t->endonly) {
		for (uint64_t p = 0; p < t->a.nr_pfns; p++)
			if (t->used[p])
				return 0;
		fn(ctx, "ZONE-NRFREE", "tiny: everything is free");
		return 1;
	}
	return 0;
}

static size_t tiny_dump(void *state, const char *view, char *buf, size_t len)
{
	(void)state;
	return (size_t)snprintf(buf, len, "tiny %s view\n", view);
}

static const struct mmt_pages_ops tiny_pages = {
	.struct_size = sizeof(struct mmt_pages_ops),
	.version = MMT_PAGES_OPS_VERSION,
	.alloc = tiny_alloc,
	.free = tiny_free,
};

static const struct mmt_adapter tiny = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "tiny",
	.description = "first fit, breakable",
	.caps = MMT_CAP_PAGES | MMT_CAP_ZONES | MMT_CAP_POLICY_BUDDY |
		MMT_CAP_CHECK,
	.create = tiny_create,
	.destroy = tiny_destroy,
	.check = tiny_check,
	.dump = tiny_dump,
	.pages = &tiny_pages,
};

/* tiny declaring that it serves orders 0..3 only */
static const struct mmt_pages_ops tiny4_pages = {
	.struct_size = sizeof(struct mmt_pages_ops),
	.version = MMT_PAGES_OPS_VERSION,
	.alloc = tiny_alloc,
	.free = tiny_free,
	.nr_orders = 4,
};

static const struct mmt_adapter tiny4 = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "tiny4",
	.description = "tiny, declaring orders 0..3",
	.caps = MMT_CAP_PAGES | MMT_CAP_ZONES | MMT_CAP_POLICY_BUDDY |
		MMT_CAP_CHECK,
	.create = tiny_create,
	.destroy = tiny_destroy,
	.check = tiny_check,
	.dump = tiny_dump,
	.pages = &tiny4_pages,
};

static int run(const struct mmt_adapter *ad, const char *opts, const char *text,
	       struct mmt_exec_result *res)
{
	struct mmt_prog p;
	struct mmt_exec_opts o;
	char err[256];
	int ret;

	parse(text, &p);
	mmt_exec_opts_default(&o);
	ret = mmt_exec_run(ad, opts, &p, &o, res, err, sizeof(err));
	mmt_prog_free(&p);
	return ret;
}

static const char churn[] =
	"machine bank=32M@0 orders=6\n"
	"alloc_pages s1 order=3\n"
	"alloc_pages s2 order=0 gfp=GFP_DMA\n"
	"get_zeroed_page s3\n"
	"get_free_pages s4 order=2 gfp=GFP_KERNEL|GFP_DMA32\n"
	"free_pages s1\n"
	"alloc_page s5 gfp=GFP_KERNEL|__GFP_ZERO\n"
	"alloc_pages s6 order=5 gfp=GFP_DMA\n"
	"free_pages_page s2\n"
	"check\n"
	"alloc_pages s7 order=3\n";

static void expect_first(const struct mmt_exec_result *res, const char *id)
{
	cr_assert_geq(res->report.nr, 1, "no violation, expected %s", id);
	cr_assert_str_eq(res->report.v[0].id, id, "first is %s: %s",
			 res->report.v[0].id, res->report.v[0].message);
}

MMT_TEST(exec, tiny_correct_runs_clean)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&tiny, "", churn, &res), MMT_EXIT_OK, "%s: %s",
		     res.report.v[0].id, res.report.v[0].message);
	cr_assert_eq(res.ops_run, 10);
	cr_assert_eq(res.allocs, 7);
	cr_assert_eq(res.frees, 7); /* 2 by ops, 5 at teardown */
	cr_assert_eq(res.checks, 3); /* check op, end, after teardown */
}

/*
 * pages->nr_orders: above the orders an allocator declares, a failure is
 * no ORACLE-MUST-SUCCEED and the outcome says it need not succeed; below
 * them the strict oracle still holds.
 */
static unsigned long order_failure(const struct mmt_adapter *ad,
				   const char *text, int *must_succeed)
{
	struct mmt_prog p;
	struct mmt_exec *ex = NULL;
	struct mmt_op_outcome oc;
	unsigned long n;
	char err[256];

	parse(text, &p);
	cr_assert_eq(mmt_exec_open(ad, "maxorder2", &p, NULL, &ex, err,
				   sizeof(err)),
		     0, "%s", err);
	n = mmt_exec_step(ex, 0, &oc);
	*must_succeed = oc.must_succeed;
	cr_assert_eq(oc.ok, 0, "the allocation failed");
	mmt_exec_close(ex);
	mmt_prog_free(&p);
	return n;
}

MMT_TEST(exec, declared_nr_orders_bounds_the_strict_oracle)
{
	static const char order5[] = "machine bank=32M@0 orders=6\n"
				     "alloc_pages s0 order=5\n";
	static const char order3[] = "machine bank=32M@0 orders=6\n"
				     "alloc_pages s0 order=3\n";
	int ms;

	/* declaring every order of the arena: order 5 must succeed */
	cr_assert_eq(order_failure(&tiny, order5, &ms), 1);
	cr_assert_eq(ms, 1);
	/* declaring 0..3: order 5 may fail */
	cr_assert_eq(order_failure(&tiny4, order5, &ms), 0);
	cr_assert_eq(ms, 0);
	/* but order 3 is served, so its failure is still caught */
	cr_assert_eq(order_failure(&tiny4, order3, &ms), 1);
	cr_assert_eq(ms, 1);
}

MMT_TEST(exec, tiny_random_programs_run_clean)
{
	uint64_t s = 7;

	for (int i = 0; i < 100; i++) {
		uint8_t buf[300];
		struct mmt_prog p;
		struct mmt_exec_opts o;
		struct mmt_exec_result res;
		char err[256];
		int ret;

		for (size_t k = 0; k < sizeof(buf); k++) {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			buf[k] = (uint8_t)(s >> 56);
		}
		buf[0] = MMT_OPSET_PAGES;
		buf[1] = (uint8_t)(i % 6); /* table layouts without a 4G bank */
		buf[2] &= 0xF8u;
		cr_assert_eq(mmt_prog_decode(buf, sizeof(buf), &p), 0);
		mmt_exec_opts_default(&o);
		o.caller_rules = 0; /* random context ops break them */
		ret = mmt_exec_run(&tiny, "", &p, &o, &res, err, sizeof(err));
		cr_assert_eq(ret, MMT_EXIT_OK, "input %d: op %zu %s: %s", i,
			     res.report.v[0].op_index, res.report.v[0].id,
			     res.report.v[0].message);
		mmt_prog_free(&p);
	}
}

MMT_TEST(exec, overlapping_blocks_caught)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&tiny, "overlap", churn, &res), MMT_EXIT_BUG);
	expect_first(&res, "SHADOW-OVERLAP");
	cr_assert_eq(res.report.v[0].op_index, 1);
	cr_assert_str_eq(res.report.v[0].layer, "shadow");
	cr_assert_str_eq(res.state, "tiny buddyinfo view\n");
}

MMT_TEST(exec, never_reusing_memory_caught)
{
	struct mmt_exec_result res;
	static const char txt[] = "machine bank=8M@0 orders=4\n"
				  "alloc_pages s1 order=3 gfp=GFP_DMA\n"
				  "free_pages s1\n"
				  "alloc_pages s1 order=3 gfp=GFP_DMA\n"
				  "free_pages s1\n";
	char prog[16384];
	size_t n = 0;

	/* 8M = 2048 pages = 256 order-3 blocks: 300 rounds run out */
	n += (size_t)snprintf(prog + n, sizeof(prog) - n, "%s", txt);
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(
			prog + n, sizeof(prog) - n,
			"alloc_pages s1 order=3\nfree_pages s1\n");
	cr_assert_eq(run(&tiny, "noreuse", prog, &res), MMT_EXIT_BUG);
	expect_first(&res, "ORACLE-MUST-SUCCEED");
	cr_assert_str_eq(res.report.v[0].layer, "oracle");
}

MMT_TEST(exec, misaligned_block_caught)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&tiny, "misalign", churn, &res), MMT_EXIT_BUG);
	expect_first(&res, "SHADOW-ALIGN");
	cr_assert_eq(res.report.v[0].op_index, 0);
}

MMT_TEST(exec, wrong_zone_caught)
{
	struct mmt_exec_result res;

	/* first fit uses DMA first: fill it, then ask for DMA */
	cr_assert_eq(run(&tiny, "zone",
			 "machine bank=32M@0\nalloc_pages s1 order=10\n"
			 "alloc_pages s1 order=10\nalloc_pages s2 order=10\n"
			 "alloc_pages s3 order=10\nalloc_pages s4 order=10\n"
			 "alloc_pages s9 order=0 gfp=GFP_DMA\n",
			 &res),
		     MMT_EXIT_BUG);
	expect_first(&res, "SHADOW-ZONE");
	cr_assert_eq(res.report.v[0].op_index, 5);
}

MMT_TEST(exec, dirty_zeroed_page_caught)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&tiny, "dirty",
			 "alloc_pages s1\nfree_pages s1\nget_zeroed_page s2\n",
			 &res),
		     MMT_EXIT_BUG);
	expect_first(&res, "SHADOW-ZERO");
	cr_assert_eq(res.report.v[0].op_index, 2);
}

MMT_TEST(exec, scribbled_block_caught)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&tiny, "scribble",
			 "alloc_pages s1\nalloc_pages s2\nfree_pages s1\n",
			 &res),
		     MMT_EXIT_BUG);
	expect_first(&res, "SHADOW-FILL");
	cr_assert_eq(res.report.v[0].op_index, 2);
}

MMT_TEST(exec, adapter_findings_get_their_layer)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&tiny, "finding", churn, &res), MMT_EXIT_BUG);
	expect_first(&res, "BUDDY-COALESCE");
	cr_assert_str_eq(res.report.v[0].layer, "buddy");
	cr_assert_eq(res.report.v[0].op_index, 8); /* the check op */
	/* the teardown check runs after every slot is freed */
	cr_assert_eq(run(&tiny, "endonly", churn, &res), MMT_EXIT_BUG);
	expect_first(&res, "ZONE-NRFREE");
	cr_assert_str_eq(res.report.v[0].layer, "zone");
	cr_assert_eq(res.report.v[0].op_index, SIZE_MAX);
	cr_assert_eq(res.frees, 7);
}

MMT_TEST(exec, check_every_and_stop)
{
	struct mmt_prog p;
	struct mmt_exec_opts o;
	struct mmt_exec_result res;
	char err[256];

	parse(churn, &p);
	p.check_every = 2;
	mmt_exec_opts_default(&o);
	cr_assert_eq(mmt_exec_run(&tiny, "", &p, &o, &res, err, sizeof(err)),
		     MMT_EXIT_OK);
	/* after ops 1, 3, 5, 7, 9 and after the teardown frees; the check op
	 * (right after op 7's check) and the end check (right after op 9's)
	 * see an unchanged machine and are skipped */
	cr_assert_eq(res.checks, 6);
	cr_assert_eq(res.checks_skipped, 2);
	o.stop_on_violation = 0;
	cr_assert_eq(mmt_exec_run(&tiny, "finding", &p, &o, &res, err,
				  sizeof(err)),
		     MMT_EXIT_BUG);
	cr_assert_eq(res.ops_run, 10);
	cr_assert_eq(res.report.total, 6); /* one per check run */
	o.stop_on_violation = 1;
	cr_assert_eq(mmt_exec_run(&tiny, "finding", &p, &o, &res, err,
				  sizeof(err)),
		     MMT_EXIT_BUG);
	cr_assert_eq(res.ops_run, 2);
	mmt_prog_free(&p);
}

/* The harness's arena is aligned to a top-order block, whatever mmap
 * hands out, so an 8K-page machine's blocks are 8K-aligned addresses. */
MMT_TEST(exec, arena_map_is_aligned_to_a_top_block)
{
	static const char *const specs[] = {
		"machine page=4K orders=11 bank=16M@0\n",
		"machine page=8K orders=11 bank=16M@0\n",
		"machine page=8K orders=12 bank=8M@0 bank=8M@4G\n",
		"machine page=4K orders=1 bank=1M@0\n",
	};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct mmt_prog p;
		size_t len, top;
		void *map;

		parse(specs[i], &p);
		top = ((size_t)1 << p.machine.page_shift)
		      << (p.machine.nr_orders - 1);
		/* several maps, so an unaligned one would show up */
		for (int k = 0; k < 4; k++) {
			map = mmt_arena_map(&p.machine, &len);
			cr_assert_neq(map, MAP_FAILED, "%s", specs[i]);
			cr_assert_eq((uintptr_t)map % top, 0,
				     "%s: arena %p not aligned to %zu",
				     specs[i], map, top);
			cr_assert_geq(len,
				      (size_t)1
					      << 20); /* the smallest machine */
			((volatile char *)map)[len - 1] = 1; /* all mapped */
			munmap(map, len);
		}
		mmt_prog_free(&p);
	}
}

/*
 * tiny with OWN_ARENA: it maps its own RAM and describes it from the
 * machine it was given, as a reference does. Options break the map it
 * reports: "extra" one page of RAM beyond the last bank, "unreserve" the
 * last page of the first reserved range, "nomem" ignores mem=.
 */
struct own {
	struct tiny *t;
	void *map;
	size_t len;
	struct mmt_arena reported;
};

static int own_create(const struct mmt_adapter_env *env, void **state,
		      char *err, size_t errlen)
{
	struct mmt_adapter_env e = *env;
	struct mmt_machine m = env->machine;
	struct own *o = calloc(1, sizeof(*o));
	int ret;

	if (!o)
		return -ENOMEM;
	if (strstr(env->options, "nomem"))
		m.mem_limit = 0;
	o->map = mmt_arena_map(&m, &o->len);
	if (o->map == MAP_FAILED) {
		free(o);
		return -ENOMEM;
	}
	mmt_arena_from_machine(&m, o->map, &e.arena);
	o->reported = e.arena;
	if (strstr(env->options, "extra"))
		o->reported.present[o->reported.nr_present - 1].nr_pages++;
	if (strstr(env->options, "unreserve") && o->reported.nr_reserved)
		o->reported.reserved[0].nr_pages--;
	ret = tiny_create(&e, (void **)&o->t, err, errlen);
	if (ret) {
		munmap(o->map, o->len);
		free(o);
		return ret;
	}
	*state = o;
	return 0;
}

static void own_destroy(void *state)
{
	struct own *o = state;

	tiny_destroy(o->t);
	munmap(o->map, o->len);
	free(o);
}

static int own_arena(void *state, struct mmt_arena *out)
{
	*out = ((struct own *)state)->reported;
	return 0;
}

static int own_alloc(void *state, unsigned int order, uint32_t gfp,
		     uint32_t api, void **addr)
{
	return tiny_alloc(((struct own *)state)->t, order, gfp, api, addr);
}

static int own_free(void *state, void *addr, unsigned int order, uint32_t api)
{
	return tiny_free(((struct own *)state)->t, addr, order, api);
}

static const struct mmt_pages_ops own_pages = {
	.struct_size = sizeof(struct mmt_pages_ops),
	.version = MMT_PAGES_OPS_VERSION,
	.arena = own_arena,
	.alloc = own_alloc,
	.free = own_free,
};

static const struct mmt_adapter own = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "own",
	.description = "tiny on an arena of its own",
	.caps = MMT_CAP_PAGES | MMT_CAP_ZONES | MMT_CAP_POLICY_BUDDY |
		MMT_CAP_OWN_ARENA,
	.create = own_create,
	.destroy = own_destroy,
	.pages = &own_pages,
};

static const char own_prog[] = "machine bank=8M@0 bank=4M@4G reserve=64K@1M "
			       "mem=4098M orders=6\n"
			       "alloc_pages s1 order=3\n"
			       "free_pages s1\n";

MMT_TEST(exec, the_map_is_the_machines_not_the_allocators)
{
	struct mmt_exec_result res;
	static const char *const bad[] = { "extra", "unreserve", "nomem" };

	cr_assert_eq(run(&own, "", own_prog, &res), MMT_EXIT_OK, "%s",
		     res.report.nr ? res.report.v[0].message : "");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(run(&own, bad[i], own_prog, &res), MMT_EXIT_BUG,
			     "%s", bad[i]);
		cr_assert_str_eq(res.report.v[0].id, "SHADOW-MAP", "%s: %s",
				 bad[i], res.report.v[0].message);
		cr_assert_eq(res.report.v[0].op_index, MMT_OP_BOOT, "%s",
			     bad[i]);
	}
}

MMT_TEST(exec, mem_limit_removes_ram_above_it)
{
	struct mmt_machine m;
	struct mmt_arena a;
	char msg[200];

	cr_assert_eq(mmt_machine_parse_arg("bank=8M@0 bank=4M@4G mem=4G+2M", &m,
					   msg, sizeof(msg)),
		     -1); /* sizes take one unit, no sums */
	cr_assert_eq(mmt_machine_parse_arg("bank=8M@0 bank=4M@4G mem=4098M", &m,
					   msg, sizeof(msg)),
		     0, "%s", msg);
	cr_assert_eq(m.mem_limit, 4098ULL << 20);
	cr_assert_eq(mmt_machine_present_pages(&m), (10ULL << 20) / 4096);
	mmt_arena_from_machine(&m, NULL, &a);
	cr_assert_eq(a.nr_present, 2);
	cr_assert_eq(a.present[1].nr_pages, (2ULL << 20) / 4096);
	cr_assert_eq(a.nr_pfns, (4098ULL << 20) / 4096);
	/* below the first bank's end: the second bank is gone */
	cr_assert_eq(mmt_machine_parse_arg("bank=8M@0 bank=4M@4G mem=6M "
					   "reserve=4K@7M",
					   &m, msg, sizeof(msg)),
		     0, "%s", msg);
	mmt_arena_from_machine(&m, NULL, &a);
	cr_assert_eq(a.nr_present, 1);
	cr_assert_eq(a.present[0].nr_pages, (6ULL << 20) / 4096);
	cr_assert_eq(a.nr_reserved, 0); /* 7M lies above the limit */
	cr_assert_eq(a.zones[2].present, 0);
	/* and the spec says it back */
	mmt_machine_format_spec(&m, msg, sizeof(msg));
	cr_assert(strstr(msg, " mem=6M") != NULL, "%s", msg);
}

/* A v2 plug-in: its env ends at nr_threads, and struct mmt_machine at
 * reserved[]. It must read the machine clipped at mem=. */
struct v2_machine {
	uint32_t profile, era, page_shift, nr_orders, nr_cpus, nr_banks;
	struct mmt_pfn_range banks[MMT_MAX_RANGES];
	uint32_t nr_reserved;
	struct mmt_pfn_range reserved[MMT_MAX_RANGES];
};

struct v2_env {
	uint32_t abi_version, struct_size;
	const char *options;
	struct v2_machine machine;
	struct mmt_arena arena;
	uint32_t nr_threads;
};

static struct v2_env v2_seen;

static int v2_create(const struct mmt_adapter_env *env, void **state, char *err,
		     size_t errlen)
{
	const struct v2_env *e = (const void *)env;
	struct mmt_adapter_env mine;

	v2_seen = *e;
	memset(&mine, 0, sizeof(mine));
	mine.options = e->options;
	mine.arena = e->arena;
	return tiny_create(&mine, state, err, errlen);
}

MMT_TEST(exec, a_v2_plugin_still_runs_on_the_v2_env)
{
	struct mmt_adapter v2 = tiny;
	struct mmt_exec_result res;

	v2.abi_version = 2;
	v2.create = v2_create;
	cr_assert_eq(run(&v2, "",
			 "machine bank=8M@0 bank=4M@4G mem=4098M orders=6\n"
			 "alloc_pages s1 order=3\n",
			 &res),
		     MMT_EXIT_OK, "%s",
		     res.report.nr ? res.report.v[0].message : "");
	cr_assert_eq(v2_seen.abi_version, 2u);
	cr_assert_eq(v2_seen.struct_size, sizeof(struct v2_env));
	cr_assert_eq(v2_seen.machine.nr_orders, 6u);
	cr_assert_eq(v2_seen.machine.nr_banks, 2u);
	cr_assert_eq(v2_seen.machine.banks[1].nr_pages, (2ULL << 20) / 4096);
	cr_assert_eq(v2_seen.arena.nr_present, 2u);
	cr_assert_eq(v2_seen.arena.present[1].nr_pages, (2ULL << 20) / 4096);
}

MMT_TEST(exec, check_of_an_unchanged_machine_is_skipped)
{
	struct mmt_exec_result res;

	/* boot check, then 4 more checks with nothing in between */
	cr_assert_eq(run(&tiny, "",
			 "machine bank=32M@0 orders=6\n"
			 "check\ncheck\ncheck\n",
			 &res),
		     MMT_EXIT_OK);
	/* the capacity probe at the end gives back all it took: with no
	 * slot to free the check after the teardown is skipped too */
	cr_assert_eq(res.checks, 1);
	cr_assert_eq(res.checks_skipped, 4); /* 2 ops, end, teardown */
	/* any op in between makes the next check run */
	cr_assert_eq(run(&tiny, "",
			 "machine bank=32M@0 orders=6\n"
			 "check\nalloc_pages s1 order=0\ncheck\n"
			 "check\n",
			 &res),
		     MMT_EXIT_OK);
	cr_assert_eq(res.checks, 3); /* op 0, op 2, after teardown */
	cr_assert_eq(res.checks_skipped, 2); /* op 3, end */
	/* and a finding there is still found by the one that runs */
	cr_assert_eq(run(&tiny, "finding",
			 "machine bank=32M@0 orders=6\n"
			 "check\ncheck\n",
			 &res),
		     MMT_EXIT_BUG);
	expect_first(&res, "BUDDY-COALESCE");
	cr_assert_eq(res.report.v[0].op_index, 0);
}

MMT_TEST(exec, ref_pages_runs_a_text_program)
{
	struct mmt_prog p;
	struct mmt_exec_opts o;
	struct mmt_exec_result res;
	char err[256], *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);

	parse("machine profile=x86_64 page=4K orders=11 cpus=2 bank=32M@0 "
	      "bank=32M@4G reserve=4K@0\n"
	      "check_every 3\n"
	      "alloc_pages s1 order=10 gfp=GFP_DMA\n"
	      "alloc_pages s2 order=9 gfp=GFP_DMA32|__GFP_ZERO\n"
	      "get_zeroed_page s3 gfp=GFP_HIGHUSER\n"
	      "get_free_pages s4 order=3 gfp=GFP_ATOMIC\n"
	      "alloc_pages s5 order=11\n"
	      "alloc_pages s6 order=15 gfp=GFP_DMA\n"
	      "free_pages s1\nfree_pages_page s2\nfree_page s3\nfree_page s4\n"
	      "free_pages s40\n"
	      "alloc_page s7 gfp=GFP_HIGHUSER_MOVABLE\n"
	      "check\n",
	      &p);
	mmt_exec_opts_default(&o);
	o.trace = f;
	cr_assert_eq(mmt_exec_run(&mmt_adapter_ref_pages, "", &p, &o, &res, err,
				  sizeof(err)),
		     MMT_EXIT_OK, "%s: %s (%s)", res.report.v[0].id,
		     res.report.v[0].message, err);
	fclose(f);
	cr_assert_eq(res.allocs, 5);
	cr_assert_eq(res.alloc_fails, 2);
	cr_assert_eq(res.frees, 5);
	cr_assert_geq(res.checks, 5);
	cr_assert_not_null(strstr(out, "     0  alloc_pages s1 order=10 "
				       "gfp=GFP_DMA -> pfn 0x"),
			   "%s", out);
	cr_assert_not_null(strstr(out, "alloc_pages s5 order=11 gfp=GFP_KERNEL "
				       "-> NULL"),
			   "%s", out);
	cr_assert_not_null(strstr(out, "free_pages s40 -> skipped"), "%s", out);
	free(out);
	mmt_prog_free(&p);
}

MMT_TEST(exec, ref_pages_random_programs_run_clean)
{
	uint64_t s = 99;

	for (int i = 0; i < 80; i++) {
		uint8_t buf[400];
		struct mmt_prog p;
		struct mmt_exec_opts o;
		struct mmt_exec_result res;
		char err[256];
		int ret;

		for (size_t k = 0; k < sizeof(buf); k++) {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			buf[k] = (uint8_t)(s >> 56);
		}
		buf[0] = MMT_OPSET_PAGES;
		cr_assert_eq(mmt_prog_decode(buf, sizeof(buf), &p), 0);
		mmt_exec_opts_default(&o);
		o.caller_rules = 0; /* random context ops break them */
		ret = mmt_exec_run(&mmt_adapter_ref_pages, "", &p, &o, &res,
				   err, sizeof(err));
		cr_assert_eq(ret, MMT_EXIT_OK, "input %d: %s op %zu %s: %s", i,
			     err, res.report.v[0].op_index, res.report.v[0].id,
			     res.report.v[0].message);
		mmt_prog_free(&p);
	}
}

/*
 * Every machine the binary header's table form gives boots on ref-pages,
 * and ref's own map is the machine's (no SHADOW-MAP): each layout with
 * each mem= choice and each reserve choice, the order, page and
 * profile/era codes cycling, a few ops and the capacity probe after them.
 */
MMT_TEST(exec, every_table_machine_boots_on_ref_pages)
{
	static const uint8_t res_codes[8] = { 0, 9, 10, 11, 12, 13, 14, 15 };
	unsigned int n = 0, seen_mem = 0, seen_orders[17] = { 0 };

	for (unsigned int l = 0; l < 16; l++)
		for (unsigned int mc = 0; mc < 4; mc++)
			for (unsigned int rc = 0; rc < 8; rc++, n++) {
				uint8_t buf[] = { MMT_OPSET_PAGES,
						  0,
						  0,
						  0,
						  0,
						  0,
						  0,
						  5,
						  1,
						  2,
						  2,
						  0,
						  6,
						  0,
						  3 };
				struct mmt_prog p;
				struct mmt_exec_opts o;
				struct mmt_exec_result res;
				char err[256];
				int ret;

				buf[1] = (uint8_t)l;
				buf[2] = (uint8_t)((n % 8) |
						   ((n / 8 % 2) * 3) << 3 |
						   (n / 16 % 8) << 5);
				buf[3] = (uint8_t)(mc << 2 |
						   (unsigned int)res_codes[rc]
							   << 4 |
						   (n % 2));
				cr_assert_eq(mmt_prog_decode(buf, sizeof(buf),
							     &p),
					     0);
				seen_mem += p.machine.mem_limit != 0;
				seen_orders[p.machine.nr_orders]++;
				mmt_exec_opts_default(&o);
				ret = mmt_exec_run(&mmt_adapter_ref_pages, "",
						   &p, &o, &res, err,
						   sizeof(err));
				cr_assert_eq(
					ret, MMT_EXIT_OK,
					"layout %u mem %u res %u: %s %s: %s", l,
					mc, rc, err,
					res.report.nr ? res.report.v[0].id : "",
					res.report.nr ?
						res.report.v[0].message :
						"");
				mmt_prog_free(&p);
			}
	cr_assert_gt(seen_mem, 100u);
	cr_assert_gt(seen_orders[13], 0u);
	cr_assert_gt(seen_orders[16], 0u);
}

/*
 * The capacity probe's budget: a machine of one order on 64M would take
 * 16384 order-0 blocks, past MMT_PROBE_BUDGET, so the probe stops there
 * (and says so); a machine of many orders is drained whole.
 */
MMT_TEST(exec, probe_stops_at_its_budget)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&mmt_adapter_ref_pages, "",
			 "machine ram=64M orders=1\nalloc_page s0\n", &res),
		     MMT_EXIT_OK);
	cr_assert_eq(res.probe_partial, 1u);
	cr_assert_leq(res.probe_blocks, MMT_PROBE_BUDGET);
	cr_assert_eq(run(&mmt_adapter_ref_pages, "",
			 "machine ram=64M\nalloc_page s0\n", &res),
		     MMT_EXIT_OK);
	cr_assert_eq(res.probe_partial, 0u);
	cr_assert_eq(res.probe_blocks, 16u); /* 4M blocks: 4 DMA, 12 DMA32 */
}

MMT_TEST(exec, alloc_into_live_slot_frees_first)
{
	struct mmt_exec_result res;

	cr_assert_eq(run(&mmt_adapter_ref_pages, "",
			 "alloc_pages s1 order=3\nalloc_pages s1 order=3\n"
			 "free_page s9\n",
			 &res),
		     MMT_EXIT_OK);
	cr_assert_eq(res.allocs, 2);
	cr_assert_eq(res.frees,
		     2); /* one before the second alloc, one at end */
}

MMT_TEST(exec, usage_and_environment_errors)
{
	struct mmt_prog p;
	struct mmt_exec_opts o;
	struct mmt_exec_result res;
	char err[256];

	mmt_exec_opts_default(&o);
	mmt_prog_init(&p, MMT_OPSET_OBJECTS);
	cr_assert_eq(mmt_exec_run(&tiny, "", &p, &o, &res, err, sizeof(err)),
		     MMT_EXIT_USAGE);
	cr_assert_not_null(strstr(err, "OBJECTS"), "%s", err);
	mmt_prog_free(&p);
	mmt_prog_init(&p, MMT_OPSET_PAGES);
	cr_assert_eq(mmt_exec_run(&tiny, "fail", &p, &o, &res, err,
				  sizeof(err)),
		     MMT_EXIT_USAGE);
	cr_assert_str_eq(err, "adapter 'tiny': create failed: tiny: asked to "
			      "fail");
	/* a missing library is the environment, not bad input */
	cr_assert_eq(mmt_exec_run(&tiny, "nolib", &p, &o, &res, err,
				  sizeof(err)),
		     MMT_EXIT_ENV);
	cr_assert_not_null(strstr(err, "libtiny.so.1 is not installed"), "%s",
			   err);
	cr_assert_eq(mmt_exec_run(&mmt_adapter_ref_pages, "bogus=1", &p, &o,
				  &res, err, sizeof(err)),
		     MMT_EXIT_USAGE);
	cr_assert_not_null(strstr(err, "adapter 'ref-pages': create failed"),
			   "%s", err);
	mmt_prog_free(&p);
}

MMT_TEST(exec, create_errors_map_to_one_exit_code)
{
	cr_assert_eq(mmt_exit_for_create(0), MMT_EXIT_OK);
	cr_assert_eq(mmt_exit_for_create(-ENOMEM), MMT_EXIT_ENV);
	cr_assert_eq(mmt_exit_for_create(-ENOENT), MMT_EXIT_ENV);
	cr_assert_eq(mmt_exit_for_create(-EAGAIN), MMT_EXIT_ENV);
	cr_assert_eq(mmt_exit_for_create(-EMFILE), MMT_EXIT_ENV);
	cr_assert_eq(mmt_exit_for_create(-ENFILE), MMT_EXIT_ENV);
	cr_assert_eq(mmt_exit_for_create(-ENOSPC), MMT_EXIT_ENV);
	cr_assert_eq(mmt_exit_for_create(-EINVAL), MMT_EXIT_USAGE);
	cr_assert_eq(mmt_exit_for_create(-EPERM), MMT_EXIT_USAGE);
	cr_assert_eq(mmt_exit_for_create(-1), MMT_EXIT_USAGE);
	cr_assert_eq(mmt_exit_for_create(-12345), MMT_EXIT_USAGE);
}

static void expect_invalid(const struct mmt_adapter *ad, const char *msg)
{
	char err[256];

	cr_assert_eq(mmt_adapter_validate(ad, err, sizeof(err)),
		     MMT_EXIT_USAGE);
	cr_assert_str_eq(err, msg);
}

MMT_TEST(validate, messages_name_what_is_wrong)
{
	struct mmt_adapter a = tiny;
	struct mmt_pages_ops pages = *tiny.pages;
	char err[256];

	cr_assert_eq(mmt_adapter_validate(&tiny, err, sizeof(err)), 0);
	cr_assert_eq(mmt_adapter_validate(&mmt_adapter_ref_pages, err,
					  sizeof(err)),
		     0, "%s", err);
	pages.free = NULL;
	a.pages = &pages;
	expect_invalid(&a, "adapter 'tiny': capability PAGES declared but "
			   "pages->free is NULL");
	a = tiny;
	a.abi_version = 4;
	expect_invalid(&a, "adapter 'tiny': ABI version 4, this mmtorture "
			   "speaks version 3 (rebuild it against this "
			   "include/mmtorture/adapter.h)");
	a = tiny;
	a.struct_size = 16;
	cr_assert_eq(mmt_adapter_validate(&a, err, sizeof(err)),
		     MMT_EXIT_USAGE);
	cr_assert_not_null(strstr(err, "struct_size 16"), "%s", err);
	a = tiny;
	a.name = "";
	expect_invalid(&a, "adapter has no name");
	a = tiny;
	a.destroy = NULL;
	expect_invalid(&a, "adapter 'tiny': destroy is NULL");
	a = tiny;
	a.caps |= MMT_CAP_OWN_ARENA;
	expect_invalid(&a, "adapter 'tiny': capability OWN_ARENA declared but "
			   "pages->arena is NULL");
	a = tiny;
	a.check = NULL;
	expect_invalid(&a, "adapter 'tiny': capability CHECK declared but "
			   "check is NULL");
	a = tiny;
	a.caps |= MMT_CAP_OBJECTS;
	expect_invalid(&a, "adapter 'tiny': capability OBJECTS declared but "
			   "objects is NULL");
	a = tiny;
	a.caps |= MMT_CAP_TRACE;
	expect_invalid(&a, "adapter 'tiny': capability TRACE declared but "
			   "set_trace is NULL");
	/* the executor refuses it too */
	{
		struct mmt_prog p;
		struct mmt_exec_result res;

		mmt_prog_init(&p, MMT_OPSET_PAGES);
		cr_assert_eq(mmt_exec_run(&a, "", &p, NULL, &res, err,
					  sizeof(err)),
			     MMT_EXIT_USAGE);
		mmt_prog_free(&p);
	}
}

MMT_TEST(registry, builtins_and_select)
{
	size_t n;
	const struct mmt_adapter_info *b = mmt_adapters_builtin(&n);
	const struct mmt_adapter *ad;
	const char *opts;
	char err[256];

	cr_assert_geq(n, 1);
	cr_assert_str_eq(b[0].adapter->name, "ref-pages");
	cr_assert_eq(b[0].available, 1);
	cr_assert_eq(mmt_adapter_select("ref-pages", &ad, &opts, err,
					sizeof(err)),
		     0);
	cr_assert_eq(ad, &mmt_adapter_ref_pages);
	cr_assert_str_eq(opts, "");
	cr_assert_eq(mmt_adapter_select("ref-pages:cpus=2", &ad, &opts, err,
					sizeof(err)),
		     0);
	cr_assert_str_eq(opts, "cpus=2");
	cr_assert_eq(mmt_adapter_select("glibc-nope", &ad, &opts, err,
					sizeof(err)),
		     MMT_EXIT_USAGE);
	cr_assert_not_null(strstr(err, "unknown allocator 'glibc-nope'"), "%s",
			   err);
	cr_assert_not_null(strstr(err, "ref-pages"), "%s", err);
	cr_assert_eq(mmt_adapter_select("/no/such/plugin.so:x=1", &ad, &opts,
					err, sizeof(err)),
		     MMT_EXIT_USAGE);
	cr_assert_not_null(strstr(err, "/no/such/plugin.so"), "%s", err);
	cr_assert_eq(mmt_adapter_select("", &ad, &opts, err, sizeof(err)),
		     MMT_EXIT_USAGE);
}

/* ------------------------------------------------------------ step API */

static struct mmt_exec *open_text(const struct mmt_adapter *ad,
				  const char *opts, const char *text,
				  struct mmt_prog *p)
{
	struct mmt_exec *ex = NULL;
	struct mmt_exec_opts o;
	char err[256];

	parse(text, p);
	mmt_exec_opts_default(&o);
	o.caller_rules = 0; /* the allocator's outcomes, as diff steps them */
	cr_assert_eq(mmt_exec_open(ad, opts, p, &o, &ex, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_not_null(ex);
	return ex;
}

MMT_TEST(step, pages_outcomes)
{
	struct mmt_prog p;
	struct mmt_op_outcome oc;
	struct mmt_exec *ex =
		open_text(&tiny, "",
			  "machine bank=32M@0 orders=6\n"
			  "alloc_pages s1 order=3\n" /* 0 */
			  "alloc_pages s2 order=3 gfp=GFP_DMA\n" /* 1 */
			  "alloc_pages s3 order=6\n" /* 2: impossible */
			  "alloc_pages s4 order=0 gfp=GFP_DMA|GFP_DMA32\n"
			  "free_pages s1\n" /* 4 */
			  "free_page s1\n" /* 5: empty */
			  "get_zeroed_page s5\n" /* 6 */
			  "alloc_page s6 gfp=GFP_KERNEL|__GFP_ZERO\n"
			  "alloc_pages s7 order=5 gfp=GFP_DMA32\n" /* 8 */
			  "alloc_page s8\n" /* 9: no digest */
			  "check\n",
			  &p);

	cr_assert_eq(mmt_exec_step(ex, 0, &oc), 0);
	cr_assert(oc.is_alloc && oc.ok && !oc.is_free && !oc.skipped);
	cr_assert_eq(oc.kind, MMT_OP_ALLOC_PAGES);
	cr_assert_eq(oc.slot, 1);
	cr_assert_eq(oc.pfn, 0);
	cr_assert_eq(oc.order, 3);
	cr_assert_eq(oc.zone, MMT_ZONE_DMA);
	cr_assert_eq(oc.must_succeed, 1);
	cr_assert_eq(oc.must_fail, 0);
	cr_assert_eq(oc.has_digest, 0);
	cr_assert_eq(mmt_exec_step(ex, 1, &oc), 0);
	cr_assert_eq(oc.pfn, 8);
	cr_assert_eq(oc.must_succeed, 1);
	cr_assert_eq(mmt_exec_step(ex, 2, &oc), 0);
	cr_assert(oc.is_alloc && !oc.ok && oc.must_fail && !oc.must_succeed);
	cr_assert_eq(oc.pfn, UINT64_MAX);
	cr_assert_eq(oc.order, 6);
	/* a forbidden zone combination must fail (the caller's error too,
	 * GFP-ZONE-BAD, which outcomes leave to caller_rules: off here, as
	 * in a differential run) */
	cr_assert_eq(mmt_exec_step(ex, 3, &oc), 0);
	cr_assert(oc.must_fail && !oc.ok, "forbidden zone combination");
	cr_assert_eq(mmt_exec_step(ex, 4, &oc), 0);
	cr_assert(oc.is_free && oc.ok && !oc.is_alloc);
	cr_assert_eq(oc.pfn, 0);
	cr_assert_eq(oc.order, 3);
	cr_assert_eq(oc.zone, MMT_ZONE_DMA);
	cr_assert_eq(mmt_exec_step(ex, 5, &oc), 0);
	cr_assert(oc.skipped && !oc.is_free && !oc.ok);
	{
		struct mmt_op_outcome z1, z2;

		cr_assert_eq(mmt_exec_step(ex, 6, &z1), 0);
		cr_assert_eq(mmt_exec_step(ex, 7, &z2), 0);
		cr_assert(z1.has_digest && z2.has_digest);
		cr_assert_eq(z1.digest, z2.digest);
		cr_assert_neq(z1.pfn, z2.pfn);
	}
	cr_assert_eq(mmt_exec_step(ex, 8, &oc), 0);
	cr_assert_eq(oc.zone, MMT_ZONE_DMA); /* first fit: DMA is allowed */
	cr_assert_eq(oc.pfn % 32, 0);
	cr_assert_eq(mmt_exec_step(ex, 9, &oc), 0);
	cr_assert_eq(oc.has_digest, 0);
	cr_assert_eq(mmt_exec_step(ex, 10, &oc), 0);
	cr_assert_eq(oc.kind, MMT_OP_CHECK);
	cr_assert(!oc.is_alloc && !oc.is_free && !oc.skipped);
	/* stepping past the end does nothing */
	cr_assert_eq(mmt_exec_step(ex, 11, &oc), 0);
	cr_assert(oc.skipped);
	mmt_exec_finish(ex);
	cr_assert_eq(mmt_exec_result(ex)->report.total, 0);
	cr_assert_eq(mmt_exec_result(ex)->frees, 6); /* s1, then 5 live */
	mmt_exec_close(ex);
	mmt_prog_free(&p);
}

MMT_TEST(step, dirty_zero_digest_differs)
{
	static const char txt[] = "alloc_pages s1\nfree_pages s1\n"
				  "get_zeroed_page s2\n";
	struct mmt_prog p1, p2;
	struct mmt_op_outcome a, b;
	struct mmt_exec *good = open_text(&tiny, "", txt, &p1);
	struct mmt_exec *bad = open_text(&tiny, "dirty", txt, &p2);

	for (size_t i = 0; i < 3; i++) {
		mmt_exec_step(good, i, &a);
		mmt_exec_step(bad, i, &b);
	}
	cr_assert(a.has_digest && b.has_digest);
	cr_assert_neq(a.digest, b.digest);
	cr_assert_str_eq(mmt_exec_result(bad)->report.v[0].id, "SHADOW-ZERO");
	mmt_exec_close(good);
	mmt_exec_close(bad);
	mmt_prog_free(&p1);
	mmt_prog_free(&p2);
}

MMT_TEST(step, must_succeed_when_the_allocator_misses_space)
{
	char prog[16384];
	size_t n = 0, i;
	struct mmt_prog p;
	struct mmt_op_outcome oc;
	struct mmt_exec *ex;

	n += (size_t)snprintf(prog + n, sizeof(prog) - n,
			      "machine bank=8M@0 orders=4\n");
	for (int k = 0; k < 300; k++)
		n += (size_t)snprintf(
			prog + n, sizeof(prog) - n,
			"alloc_pages s1 order=3\nfree_pages s1\n");
	ex = open_text(&tiny, "noreuse", prog, &p);
	for (i = 0; i < p.nr_ops; i++)
		if (mmt_exec_step(ex, i, &oc))
			break;
	cr_assert_lt(i, p.nr_ops);
	cr_assert(oc.is_alloc && !oc.ok && oc.must_succeed && !oc.must_fail);
	cr_assert_str_eq(mmt_exec_result(ex)->report.v[0].id,
			 "ORACLE-MUST-SUCCEED");
	mmt_exec_close(ex);
	mmt_prog_free(&p);
}

MMT_TEST(step, ref_pages_pfn_is_arena_relative)
{
	struct mmt_prog p;
	struct mmt_op_outcome oc;
	struct mmt_exec *ex = open_text(&mmt_adapter_ref_pages, "",
					"machine bank=32M@0 bank=32M@4G\n"
					"alloc_pages s1 order=4\n"
					"alloc_pages s2 order=10 gfp=GFP_DMA\n"
					"free_pages s2\n",
					&p);

	cr_assert_eq(mmt_exec_step(ex, 0, &oc), 0);
	cr_assert(oc.ok && oc.must_succeed);
	cr_assert_eq(oc.pfn % 16, 0);
	cr_assert_geq(oc.pfn, 0x100000); /* Normal: at 4G */
	cr_assert_eq(oc.zone, MMT_ZONE_NORMAL);
	cr_assert_eq(mmt_exec_step(ex, 1, &oc), 0);
	cr_assert(oc.ok && oc.must_succeed);
	cr_assert_lt(oc.pfn, 4096); /* DMA: below 16M */
	cr_assert_eq(oc.pfn % 1024, 0);
	cr_assert_eq(oc.zone, MMT_ZONE_DMA);
	{
		uint64_t pfn = oc.pfn;

		cr_assert_eq(mmt_exec_step(ex, 2, &oc), 0);
		cr_assert(oc.is_free && oc.ok);
		cr_assert_eq(oc.pfn, pfn);
	}
	mmt_exec_close(ex); /* without finish: live blocks are not leaked */
	mmt_prog_free(&p);
}

static void same_result(const struct mmt_exec_result *a,
			const struct mmt_exec_result *b)
{
	cr_assert_eq(a->ops_run, b->ops_run);
	cr_assert_eq(a->allocs, b->allocs);
	cr_assert_eq(a->alloc_fails, b->alloc_fails);
	cr_assert_eq(a->frees, b->frees);
	cr_assert_eq(a->checks, b->checks);
	cr_assert_eq(a->report.total, b->report.total);
	cr_assert_eq(a->report.nr, b->report.nr);
	for (unsigned int i = 0; i < a->report.nr; i++) {
		cr_assert_eq(a->report.v[i].op_index, b->report.v[i].op_index);
		cr_assert_str_eq(a->report.v[i].id, b->report.v[i].id);
		cr_assert_str_eq(a->report.v[i].message,
				 b->report.v[i].message);
	}
	cr_assert_str_eq(a->state, b->state);
}

/* open + step each op (stop at the first report) + finish == run */
static void run_equals_steps(const struct mmt_adapter *ad, const char *opts,
			     const struct mmt_prog *p)
{
	struct mmt_exec_result *r1 = malloc(sizeof(*r1));
	struct mmt_exec *ex;
	struct mmt_op_outcome oc;
	char err[256];
	int ret, stop = 0;

	cr_assert_not_null(r1);
	ret = mmt_exec_run(ad, opts, p, NULL, r1, err, sizeof(err));
	cr_assert_eq(mmt_exec_open(ad, opts, p, NULL, &ex, err, sizeof(err)),
		     0);
	for (size_t i = 0; i < p->nr_ops && !stop; i++)
		stop = mmt_exec_step(ex, i, &oc) != 0;
	if (!stop)
		mmt_exec_finish(ex);
	same_result(r1, mmt_exec_result(ex));
	cr_assert_eq(ret, mmt_exec_result(ex)->report.total ? MMT_EXIT_BUG :
							      MMT_EXIT_OK);
	mmt_exec_close(ex);
	free(r1);
}

MMT_TEST(step, run_is_open_step_finish)
{
	static const char *const bugs[] = { "",		"overlap", "noreuse",
					    "misalign", "dirty",   "scribble",
					    "finding",	"endonly" };
	uint64_t s = 11;
	struct mmt_prog p;

	for (size_t b = 0; b < sizeof(bugs) / sizeof(bugs[0]); b++) {
		parse(churn, &p);
		run_equals_steps(&tiny, bugs[b], &p);
		mmt_prog_free(&p);
	}
	for (int i = 0; i < 40; i++) {
		uint8_t buf[300];

		for (size_t k = 0; k < sizeof(buf); k++) {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			buf[k] = (uint8_t)(s >> 56);
		}
		buf[0] = MMT_OPSET_PAGES;
		cr_assert_eq(mmt_prog_decode(buf, sizeof(buf), &p), 0);
		run_equals_steps(&mmt_adapter_ref_pages, "", &p);
		buf[1] = (uint8_t)(i % 6);
		buf[2] &= 0xF8u;
		mmt_prog_free(&p);
		cr_assert_eq(mmt_prog_decode(buf, sizeof(buf), &p), 0);
		run_equals_steps(&tiny, (i & 1) ? "scribble" : "", &p);
		mmt_prog_free(&p);
	}
}

MMT_TEST(step, open_refuses_like_run)
{
	struct mmt_prog p;
	struct mmt_exec *ex = (struct mmt_exec *)&p;
	char err[256];

	mmt_prog_init(&p, MMT_OPSET_OBJECTS);
	cr_assert_eq(mmt_exec_open(&tiny, "", &p, NULL, &ex, err, sizeof(err)),
		     MMT_EXIT_USAGE);
	cr_assert_null(ex);
	cr_assert_not_null(strstr(err, "OBJECTS"), "%s", err);
	mmt_prog_free(&p);
	mmt_prog_init(&p, MMT_OPSET_PAGES);
	cr_assert_eq(mmt_exec_open(&tiny, "fail", &p, NULL, &ex, err,
				   sizeof(err)),
		     MMT_EXIT_USAGE);
	cr_assert_null(ex);
	mmt_prog_free(&p);
}
