/* SPDX-License-Identifier: MIT */
/*
 * test_plugin.c - shared-object plug-ins through mmt_adapter_select():
 * every broken plug-in in tests/plugins/ is refused with exit 2 and a
 * message naming the problem; the example simple_buddy.so loads, runs a
 * program under the shadow with no violation, and its buggy build is
 * caught; create() refusing its options is exit 2 with its own words,
 * both per run and at start-up (mmt_adapter_try_create).
 *
 * The plug-ins are built by cmake/MmtPlugins.cmake into MMT_PLUGIN_DIR
 * (a compile definition it adds to this target).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glob.h>

#include <mmtorture/diff.h>
#include <mmtorture/exec.h>
#include <mmtorture/ops.h>

#include "leakcheck.h"

#ifndef MMT_PLUGIN_DIR
#error "MMT_PLUGIN_DIR is set by cmake/MmtPlugins.cmake"
#endif
#ifndef MMT_SOURCE_DIR
#error "MMT_SOURCE_DIR is set by cmake/MmtPlugins.cmake"
#endif

static char err[1024];
/* *options points into the spec: it must outlive the select. */
static char spec[4096];

/* Select "<plugin dir>/<name><suffix>"; returns the exit code. */
static int select_plugin(const char *name, const char *suffix,
			 const struct mmt_adapter **ad, const char **options)
{
	snprintf(spec, sizeof(spec), "%s/%s%s", MMT_PLUGIN_DIR, name, suffix);
	err[0] = '\0';
	return mmt_adapter_select(spec, ad, options, err, sizeof(err));
}

/* The plug-in is refused with exit 2 and err holds every word given. */
static void expect_refused(const char *name, const char *w1, const char *w2)
{
	const struct mmt_adapter *ad = (const void *)1;
	const char *options = NULL;
	int ret = select_plugin(name, ".so", &ad, &options);

	cr_assert_eq(ret, MMT_EXIT_USAGE, "%s: exit %d, message '%s'", name,
		     ret, err);
	cr_assert_null(ad, "%s: no adapter on a refusal", name);
	cr_assert(strstr(err, name) != NULL, "%s: path not named in '%s'", name,
		  err);
	cr_assert(strstr(err, w1) != NULL, "%s: '%s' not in '%s'", name, w1,
		  err);
	if (w2)
		cr_assert(strstr(err, w2) != NULL, "%s: '%s' not in '%s'", name,
			  w2, err);
}

MMT_TEST(plugin, missing_file)
{
	expect_refused("does_not_exist", "No such file", NULL);
}

MMT_TEST(plugin, not_a_shared_object)
{
	expect_refused("not_elf", "cannot load", "not a shared object");
}

MMT_TEST(plugin, directory)
{
	const struct mmt_adapter *ad;
	const char *options;
	int ret = mmt_adapter_select(MMT_PLUGIN_DIR "/", &ad, &options, err,
				     sizeof(err));

	cr_assert_eq(ret, MMT_EXIT_USAGE, "exit %d: %s", ret, err);
	cr_assert(strstr(err, "not a regular file"), "%s", err);
}

MMT_TEST(plugin, no_entry_symbol)
{
	expect_refused("no_entry", "no entry symbol 'mmt_adapter_entry'", NULL);
}

MMT_TEST(plugin, entry_returns_null)
{
	expect_refused("null_entry", "mmt_adapter_entry() returned NULL", NULL);
}

MMT_TEST(plugin, wrong_abi_version)
{
	expect_refused("bad_abi", "ABI version 99", "speaks version 3");
}

MMT_TEST(plugin, v1_plugin_is_told_how_to_port)
{
	expect_refused("v1_plugin",
		       "ABI v1 plug-in: rebuild against this adapter.h; see "
		       "docs/adapters.md 'Porting from v1'",
		       "'v1-plugin'");
}

MMT_TEST(plugin, struct_size_too_small)
{
	char both[128];

	snprintf(both, sizeof(both), "struct_size 16 is below the %zu bytes",
		 (size_t)MMT_ADAPTER_MIN_SIZE);
	expect_refused("small_struct", "struct mmt_adapter", both);
}

MMT_TEST(plugin, table_struct_size_too_small)
{
	char both[128];

	snprintf(both, sizeof(both), "struct_size 16 is below the %zu bytes",
		 (size_t)MMT_PAGES_OPS_MIN_SIZE);
	expect_refused("small_table", "struct mmt_pages_ops", both);
}

MMT_TEST(plugin, table_version_unknown)
{
	expect_refused("table_version", "struct mmt_pages_ops: version 7",
		       "reads version 1");
}

MMT_TEST(plugin, declared_capability_without_table)
{
	expect_refused("no_table",
		       "capability PAGES declared but pages is NULL", NULL);
}

MMT_TEST(plugin, reserved_capability_declared)
{
	expect_refused("reserved_cap",
		       "capability CACHES is not supported by this harness "
		       "yet",
		       NULL);
}

MMT_TEST(plugin, min_align_not_a_power_of_two)
{
	expect_refused("small_objects_badalign",
		       "objects->min_align 24 is not a power of two", NULL);
}

MMT_TEST(plugin, missing_function_for_capability)
{
	expect_refused("missing_fn",
		       "capability PAGES declared but pages->free is NULL",
		       "'missing-fn'");
}

MMT_TEST(plugin, missing_create)
{
	expect_refused("no_create", "create is NULL", NULL);
}

MMT_TEST(plugin, missing_name)
{
	expect_refused("no_name", "has no name", NULL);
}

/* A short PAGES program: splits, merges, a zone-restricted allocation. */
static const char prog_text[] =
	"machine profile=x86_64 era=6.12 page=4K orders=11 cpus=1 ram=32M\n"
	"check_every 4\n"
	"alloc_pages s0 order=0 gfp=GFP_KERNEL\n"
	"alloc_pages s1 order=3 gfp=GFP_KERNEL\n"
	"get_free_pages s2 order=2 gfp=GFP_KERNEL|GFP_DMA\n"
	"free_pages_page s0\n"
	"alloc_pages s3 order=10 gfp=GFP_KERNEL\n"
	"get_zeroed_page s4 gfp=GFP_KERNEL\n"
	"free_pages s2\n"
	"free_pages_page s1\n"
	"free_page s4\n"
	"free_pages_page s3\n";

/* The program of the example's bug: one block of each order 0..10. */
static char *split_text(void)
{
	static char buf[2048];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "%s",
				    "machine profile=x86_64 era=6.12 page=4K "
				    "orders=11 cpus=1 ram=16M\n");

	for (int o = 0; o <= 10; o++)
		n += (size_t)snprintf(
			buf + n, sizeof(buf) - n,
			"alloc_pages s%d order=%d gfp=GFP_KERNEL\n", o, o);
	return buf;
}

static int run_text(const struct mmt_adapter *ad, const char *options,
		    const char *text, struct mmt_exec_result *res)
{
	struct mmt_prog prog;
	struct mmt_parse_error perr;
	struct mmt_exec_opts opts;
	int ret;

	cr_assert_eq(
		mmt_prog_parse_text(text, strlen(text), "test", &prog, &perr),
		0, "line %u col %u: %s", perr.line, perr.column, perr.message);
	mmt_exec_opts_default(&opts);
	err[0] = '\0';
	ret = mmt_exec_run(ad, options, &prog, &opts, res, err, sizeof(err));
	mmt_prog_free(&prog);
	return ret;
}

MMT_TEST(plugin, example_loads_and_runs_clean)
{
	const struct mmt_adapter *ad;
	const char *options;
	static struct mmt_exec_result res;
	int ret = select_plugin("simple_buddy", ".so", &ad, &options);

	cr_assert_eq(ret, 0, "exit %d: %s", ret, err);
	cr_assert_str_eq(ad->name, "simple-buddy");
	cr_assert(ad->caps & MMT_CAP_PAGES);
	cr_assert_str_eq(options, "");
	ret = run_text(ad, options, prog_text, &res);
	cr_assert_eq(ret, MMT_EXIT_OK, "exit %d (%s), %lu violations: %s %s",
		     ret, err, res.report.total,
		     res.report.nr ? res.report.v[0].id : "",
		     res.report.nr ? res.report.v[0].message : "");
	cr_assert_eq(res.allocs, 5);
	cr_assert_eq(res.alloc_fails, 0);
	ret = run_text(ad, options, split_text(), &res);
	cr_assert_eq(ret, MMT_EXIT_OK, "split: exit %d, %lu violations", ret,
		     res.report.total);
}

MMT_TEST(plugin, same_path_twice_same_table)
{
	const struct mmt_adapter *a, *b;
	const char *options;

	cr_assert_eq(select_plugin("simple_buddy", ".so", &a, &options), 0);
	cr_assert_eq(select_plugin("simple_buddy", ".so:x", &b, &options), 0);
	cr_assert_eq(a, b);
	cr_assert_str_eq(options, "x");
}

MMT_TEST(plugin, example_bug_is_caught)
{
	const struct mmt_adapter *ad;
	const char *options;
	static struct mmt_exec_result res;
	int ret = select_plugin("simple_buddy_buggy", ".so", &ad, &options);

	cr_assert_eq(ret, 0, "exit %d: %s", ret, err);
	cr_assert_str_eq(ad->name, "simple-buddy-buggy");
	ret = run_text(ad, options, split_text(), &res);
	cr_assert_eq(ret, MMT_EXIT_BUG, "exit %d: %s", ret, err);
	cr_assert_gt(res.report.nr, 0);
}

MMT_TEST(plugin, options_reach_create)
{
	const struct mmt_adapter *ad;
	const char *options;
	static struct mmt_exec_result res;
	int ret = select_plugin("fussy", ".so:ok", &ad, &options);

	cr_assert_eq(ret, 0, "exit %d: %s", ret, err);
	cr_assert_str_eq(options, "ok");
	/* fussy never hands out memory: a run is clean or an oracle
	 * finding, but create() accepted "ok". */
	ret = run_text(ad, options, "alloc_pages s0 order=11 gfp=GFP_KERNEL\n",
		       &res);
	cr_assert_eq(ret, MMT_EXIT_OK, "exit %d: %s", ret, err);
}

MMT_TEST(plugin, options_refused_by_create_is_exit_2)
{
	const struct mmt_adapter *ad;
	const char *options;
	static struct mmt_exec_result res;
	int ret = select_plugin("fussy", ".so:frobnicate", &ad, &options);

	cr_assert_eq(ret, 0, "loading does not look at options: %s", err);
	ret = run_text(ad, options, "alloc_pages s0 order=0 gfp=GFP_KERNEL\n",
		       &res);
	cr_assert_eq(ret, MMT_EXIT_USAGE, "exit %d: %s", ret, err);
	cr_assert(strstr(err, "unknown option 'frobnicate'"), "%s", err);
	cr_assert(strstr(err, "fussy"), "%s", err);
}

MMT_TEST(plugin, relative_path_without_slash)
{
	const struct mmt_adapter *ad;
	const char *options;
	char cwd[4096];
	int ret;

	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert_eq(chdir(MMT_PLUGIN_DIR), 0);
	ret = mmt_adapter_select("simple_buddy.so", &ad, &options, err,
				 sizeof(err));
	cr_assert_eq(chdir(cwd), 0);
	cr_assert_eq(ret, 0, "exit %d: %s", ret, err);
	cr_assert_str_eq(ad->name, "simple-buddy");
}

/*
 * mmt_adapter_try_create(): what every command and fuzz target asks once
 * before any input runs.
 */
MMT_TEST(plugin, try_create_refused_options_are_exit_2_with_its_words)
{
	const struct mmt_adapter *ad;
	const char *options;
	int ret = select_plugin("fussy", ".so:bogus", &ad, &options);

	cr_assert_eq(ret, 0, "loading does not look at options: %s", err);
	err[0] = '\0';
	ret = mmt_adapter_try_create(ad, options, err, sizeof(err));
	cr_assert_eq(ret, MMT_EXIT_USAGE, "exit %d: %s", ret, err);
	cr_assert(strstr(err, "adapter 'fussy': create failed: unknown "
			      "option 'bogus'"),
		  "%s", err);
	cr_assert_eq(select_plugin("fussy", ".so:ok", &ad, &options), 0);
	err[0] = '\0';
	cr_assert_eq(mmt_adapter_try_create(ad, options, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_str_eq(err, "");
}

MMT_TEST(plugin, try_create_example_gets_an_arena)
{
	const struct mmt_adapter *ad;
	const char *options;

	/* simple-buddy refuses a create without an arena */
	cr_assert_eq(select_plugin("simple_buddy", ".so", &ad, &options), 0);
	cr_assert_eq(mmt_adapter_try_create(ad, options, err, sizeof(err)), 0,
		     "%s", err);
}

MMT_TEST(plugin, try_create_builtins)
{
	const struct mmt_adapter *ad;
	const char *options;

	cr_assert_eq(mmt_adapter_select("ref-pages:bogus", &ad, &options, err,
					sizeof(err)),
		     0);
	cr_assert_eq(mmt_adapter_try_create(ad, options, err, sizeof(err)),
		     MMT_EXIT_USAGE);
	cr_assert(strstr(err, "adapter 'ref-pages': create failed: "), "%s",
		  err);
	cr_assert_eq(mmt_adapter_try_create(ad, "", err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(mmt_adapter_select("glibc:x", &ad, &options, err,
					sizeof(err)),
		     0);
	cr_assert_eq(mmt_adapter_try_create(ad, options, err, sizeof(err)),
		     MMT_EXIT_USAGE, "an OBJECTS peer, no arena: %s", err);
	cr_assert(strstr(err, "unknown option 'x'"), "%s", err);
	cr_assert_eq(mmt_adapter_try_create(ad, "", NULL, 0), 0);
}

/* A create() that fails with the errno its options say. */
static const struct mmt_adapter_env *seen_env;
static struct mmt_adapter_env seen_copy;

static int errno_create(const struct mmt_adapter_env *env, void **state,
			char *e, size_t elen)
{
	seen_copy = *env;
	seen_env = &seen_copy;
	*state = NULL;
	if (strcmp(env->options, "enomem") == 0) {
		snprintf(e, elen, "no room");
		return -ENOMEM;
	}
	if (strcmp(env->options, "eperm") == 0)
		return -EPERM; /* no message: strerror's words */
	return 0;
}

static void errno_destroy(void *state)
{
	(void)state;
}

static void *errno_malloc(void *state, size_t size, uint32_t gfp)
{
	(void)state;
	(void)size;
	(void)gfp;
	return NULL;
}

static void *errno_calloc(void *state, size_t n, size_t size, uint32_t gfp)
{
	(void)state;
	(void)n;
	(void)size;
	(void)gfp;
	return NULL;
}

static void *errno_realloc(void *state, void *p, size_t size, uint32_t gfp)
{
	(void)state;
	(void)p;
	(void)size;
	(void)gfp;
	return NULL;
}

static void *errno_aligned(void *state, size_t al, size_t size, uint32_t gfp)
{
	(void)state;
	(void)al;
	(void)size;
	(void)gfp;
	return NULL;
}

static void errno_free(void *state, void *p)
{
	(void)state;
	(void)p;
}

static const struct mmt_objects_ops errno_ad_objects = {
	.struct_size = sizeof(struct mmt_objects_ops),
	.version = MMT_OBJECTS_OPS_VERSION,
	.malloc = errno_malloc,
	.calloc = errno_calloc,
	.realloc = errno_realloc,
	.aligned = errno_aligned,
	.free = errno_free,
	.min_align = 16,
};

static const struct mmt_adapter errno_ad = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "errno",
	.caps = MMT_CAP_OBJECTS,
	.create = errno_create,
	.destroy = errno_destroy,
	.objects = &errno_ad_objects,
};

MMT_TEST(plugin, try_create_maps_errno_and_gives_the_default_machine)
{
	struct mmt_machine m;

	cr_assert_eq(mmt_adapter_try_create(&errno_ad, "enomem", err,
					    sizeof(err)),
		     MMT_EXIT_ENV);
	cr_assert_str_eq(err, "adapter 'errno': create failed: no room");
	cr_assert_eq(mmt_adapter_try_create(&errno_ad, "eperm", err,
					    sizeof(err)),
		     MMT_EXIT_USAGE);
	cr_assert(strstr(err, "create failed: Operation not permitted"), "%s",
		  err);
	seen_env = NULL;
	cr_assert_eq(mmt_adapter_try_create(&errno_ad, NULL, err, sizeof(err)),
		     0);
	cr_assert_not_null(seen_env);
	cr_assert_str_eq(seen_env->options, "", "NULL options are \"\"");
	cr_assert_eq(seen_env->abi_version, MMT_ADAPTER_ABI_VERSION);
	cr_assert_null(seen_env->arena.base, "no arena for OBJECTS only");
	mmt_machine_default(&m);
	cr_assert_eq(seen_env->machine.page_shift, m.page_shift);
	cr_assert_eq(seen_env->machine.nr_orders, m.nr_orders);
	cr_assert_eq(seen_env->machine.nr_banks, m.nr_banks);
	cr_assert_eq(seen_env->machine.banks[0].nr_pages, m.banks[0].nr_pages,
		     "the default machine");
	cr_assert_eq(mmt_adapter_try_create(NULL, "", err, sizeof(err)),
		     MMT_EXIT_USAGE, "a table validate refuses");
}

/* ------------------------------------------------------------ contract */

/* The objects programs of the differential corpus, parsed. */
static size_t objects_corpus(struct mmt_prog *progs, size_t max)
{
	glob_t g;
	size_t n = 0;

	cr_assert_eq(glob(MMT_SOURCE_DIR "/corpus/fuzz_diff/objects_*.txt", 0,
			  NULL, &g),
		     0, "no objects programs in the corpus");
	for (size_t i = 0; i < g.gl_pathc && n < max; i++, n++) {
		static char text[1 << 16];
		struct mmt_parse_error perr;
		FILE *f = fopen(g.gl_pathv[i], "r");
		size_t len;

		cr_assert_not_null(f, "%s", g.gl_pathv[i]);
		len = fread(text, 1, sizeof(text), f);
		fclose(f);
		cr_assert_lt(len, sizeof(text), "%s", g.gl_pathv[i]);
		cr_assert_eq(mmt_prog_parse_text(text, len, g.gl_pathv[i],
						 &progs[n], &perr),
			     0, "%s:%u: %s", g.gl_pathv[i], perr.line,
			     perr.message);
	}
	globfree(&g);
	cr_assert_gt(n, 0);
	return n;
}

static const struct mmt_adapter *must_select(const char *name)
{
	const struct mmt_adapter *ad;
	const char *options;
	int ret = select_plugin(name, ".so", &ad, &options);

	cr_assert_eq(ret, 0, "%s: exit %d: %s", name, ret, err);
	return ad;
}

/*
 * small_objects.so serves objects up to 4 KiB aligned to 8 and declares
 * exactly that: the whole objects corpus runs clean on it (a run judged
 * by a 16-byte rule and no size limit stops at op 0), though requests
 * above 4 KiB failed.
 */
MMT_TEST(contract, declared_max_size_and_min_align_run_the_corpus_clean)
{
	static struct mmt_prog progs[32];
	static struct mmt_exec_result res;
	const struct mmt_adapter *ad = must_select("small_objects");
	size_t n = objects_corpus(progs, 32);
	unsigned long fails = 0;

	cr_assert_eq(ad->objects->min_align, 8);
	cr_assert_eq(ad->objects->max_size, 4096);
	for (size_t i = 0; i < n; i++) {
		int ret = mmt_exec_run(ad, "", &progs[i], NULL, &res, err,
				       sizeof(err));

		cr_assert_eq(ret, MMT_EXIT_OK, "program %zu: exit %d: %s %s", i,
			     ret, res.report.nr ? res.report.v[0].id : err,
			     res.report.nr ? res.report.v[0].message : "");
		fails += res.alloc_fails;
		mmt_prog_free(&progs[i]);
	}
	cr_assert_gt(fails, 0, "no request above 4 KiB: max_size untested");
}

/* The same allocator declaring 16 it does not give is caught at once. */
MMT_TEST(contract, undelivered_min_align_is_caught)
{
	static struct mmt_prog progs[32];
	static struct mmt_exec_result res;
	const struct mmt_adapter *ad = must_select("small_objects_liar");
	size_t n = objects_corpus(progs, 32), caught = 0;

	for (size_t i = 0; i < n; i++) {
		int ret = mmt_exec_run(ad, "", &progs[i], NULL, &res, err,
				       sizeof(err));

		if (ret == MMT_EXIT_BUG) {
			cr_assert_str_eq(res.report.v[0].id, "OBJ-ALIGN");
			cr_assert(strstr(res.report.v[0].message,
					 "aligned to 8, below the 16 it "
					 "declares (objects->min_align)"),
				  "%s", res.report.v[0].message);
			caught++;
		}
		mmt_prog_free(&progs[i]);
	}
	/* all but objects_aligned.txt, whose every op is an aligned one (the
	 * alignment asked for, not min_align, applies there) */
	cr_assert_eq(caught, n - 1, "caught in %zu of %zu programs", caught, n);
}

/*
 * Against glibc: the requests small_objects may refuse are no
 * DIFF-MUST-SUCCEED, its 8-byte alignment is no DIFF-ALIGN; the liar's
 * is, with the side's own declaration in the message.
 */
MMT_TEST(contract, diff_judges_each_side_by_its_declaration)
{
	static struct mmt_prog progs[32];
	static struct mmt_diff_result res;
	const struct mmt_adapter *ok = must_select("small_objects");
	const struct mmt_adapter *liar = must_select("small_objects_liar");
	const struct mmt_adapter *glibc;
	const char *options;
	size_t n = objects_corpus(progs, 32), caught = 0;

	if (mmt_adapter_select("glibc", &glibc, &options, err, sizeof(err))) {
		for (size_t i = 0; i < n; i++)
			mmt_prog_free(&progs[i]);
		cr_skip_test("glibc not available: %s", err);
	}
	for (size_t i = 0; i < n; i++) {
		int ret = mmt_diff_run(ok, "", glibc, "", &progs[i], NULL, &res,
				       err, sizeof(err));

		cr_assert_eq(ret, MMT_EXIT_OK, "program %zu: exit %d: %s %s", i,
			     ret, res.report.nr ? res.report.v[0].id : err,
			     res.report.nr ? res.report.v[0].message : "");
	}
	for (size_t i = 0; i < n; i++) {
		int ret = mmt_diff_run(liar, "", glibc, "", &progs[i], NULL,
				       &res, err, sizeof(err));

		for (size_t k = 0; ret == MMT_EXIT_BUG && k < res.report.nr;
		     k++)
			if (!strcmp(res.report.v[k].id, "DIFF-ALIGN") &&
			    strstr(res.report.v[k].message,
				   "below the 16 it declares "
				   "(objects->min_align)")) {
				caught++;
				break;
			}
	}
	/* all but objects_aligned.txt, as without the diff */
	cr_assert_eq(caught, n - 1, "DIFF-ALIGN in %zu of %zu programs", caught,
		     n);
	for (size_t i = 0; i < n; i++)
		mmt_prog_free(&progs[i]);
}

/* ------------------------------------------------------------ struct_size */

/*
 * struct_size is honoured: the v2 minimum and anything larger (a plug-in
 * built against a header with fields appended) are accepted, one byte
 * less is refused naming the struct and both sizes; MMT_ABI_HAS says which
 * fields a size holds.
 */
MMT_TEST(abi, struct_size_from_the_minimum_up_is_accepted)
{
	struct {
		struct mmt_adapter ad;
		uint64_t appended[4];
	} newer;
	struct {
		struct mmt_objects_ops ops;
		uint64_t appended[4];
	} table;
	char want[160];

	memset(&newer, 0, sizeof(newer));
	memset(&table, 0, sizeof(table));
	newer.ad = errno_ad;
	table.ops = *errno_ad.objects;
	newer.ad.objects = &table.ops;
	newer.ad.struct_size = (uint32_t)sizeof(newer);
	table.ops.struct_size = (uint32_t)sizeof(table);
	cr_assert_eq(mmt_adapter_validate(&newer.ad, err, sizeof(err)), 0, "%s",
		     err);
	newer.ad.struct_size = (uint32_t)MMT_ADAPTER_MIN_SIZE;
	table.ops.struct_size = (uint32_t)MMT_OBJECTS_OPS_MIN_SIZE;
	cr_assert_eq(mmt_adapter_validate(&newer.ad, err, sizeof(err)), 0, "%s",
		     err);
	table.ops.struct_size = (uint32_t)MMT_OBJECTS_OPS_MIN_SIZE - 1;
	cr_assert_eq(mmt_adapter_validate(&newer.ad, err, sizeof(err)),
		     MMT_EXIT_USAGE);
	snprintf(want, sizeof(want),
		 "struct mmt_objects_ops: struct_size %zu is below the %zu "
		 "bytes",
		 (size_t)MMT_OBJECTS_OPS_MIN_SIZE - 1,
		 (size_t)MMT_OBJECTS_OPS_MIN_SIZE);
	cr_assert(strstr(err, want), "'%s' not in '%s'", want, err);
	table.ops.struct_size = (uint32_t)MMT_OBJECTS_OPS_MIN_SIZE;
	newer.ad.struct_size = (uint32_t)MMT_ADAPTER_MIN_SIZE - 1;
	cr_assert_eq(mmt_adapter_validate(&newer.ad, err, sizeof(err)),
		     MMT_EXIT_USAGE);
	cr_assert(strstr(err, "struct mmt_adapter: struct_size"), "%s", err);

	cr_assert(MMT_ABI_HAS(struct mmt_objects_ops, min_align,
			      MMT_OBJECTS_OPS_MIN_SIZE));
	cr_assert(!MMT_ABI_HAS(struct mmt_objects_ops, min_align,
			       MMT_OBJECTS_OPS_MIN_SIZE - 1));
	cr_assert(MMT_ABI_HAS(struct mmt_objects_ops, malloc,
			      MMT_OBJECTS_OPS_MIN_SIZE - 1));
	cr_assert(!MMT_ABI_HAS(struct mmt_adapter, objects,
			       MMT_ADAPTER_MIN_SIZE - 1));
	/* the layout of ABI v2 before the upool table was appended */
	cr_assert_eq(MMT_ADAPTER_MIN_SIZE, offsetof(struct mmt_adapter, upool));
	cr_assert(
		!MMT_ABI_HAS(struct mmt_adapter, upool, MMT_ADAPTER_MIN_SIZE));
}
