/* SPDX-License-Identifier: MIT */
/*
 * tools/list.c - `mmtorture list`: the adapters and the fuzz targets.
 *
 * Adapters come from the harness registry (mmt_adapters_builtin, which
 * probes each peer's library): name, available yes/no, capabilities as
 * words, description, and "not available: why". Op sets and fuzz targets
 * come from the op table (harness/optable.c): each set's id, name, the
 * capabilities it needs and its op kinds; each target's op sets.
 *
 * `mmtorture list SPEC` describes one adapter instead: a plug-in
 * PATH.so[:options] (loaded and validated as --allocator would, so a bad
 * plug-in is refused here with the same message and exit 2) or a built-in
 * NAME (exit 3 when it is not available here). Either is then created once
 * on the default machine with its options and destroyed
 * (mmt_adapter_try_create, as every command does before it runs
 * anything): options create() refuses are exit 2 with its message, a
 * resource it lacks exit 3. No op runs.
 */
#include <stddef.h>
#include <string.h>

#include "cli.h"

static void list_usage(FILE *out)
{
	fputs("usage: mmtorture list [--invariants] [NAME | PATH.so[:options]]\n"
	      "\n"
	      "Show the adapters (--allocator NAME), the op sets and the fuzz "
	      "targets\n(--target NAME); --invariants: the harness's "
	      "invariant ids, one per line\n(ID LAYER MEANING);\n"
	      "with an argument, describe that adapter or plug-in, created "
	      "once with its\noptions on the default machine (exit 2 when "
	      "the plug-in or its options are\nrefused, 3 when a built-in "
	      "is not available here).\n",
	      out);
}

/*
 * The table: NAME, AVAILABLE (yes/no), CAPABILITIES, then the description
 * and, for an unavailable one, "not available: why" (tests/tools/cli.sh
 * reads the first line's columns).
 */
static void list_adapters(void)
{
	const struct mmt_adapter_info *info;
	size_t n = 0, i;
	char caps[256];

	info = mmt_adapters_builtin(&n);
	printf("adapters:\n");
	printf("  %-14s %-10s %s\n", "NAME", "AVAILABLE", "CAPABILITIES");
	for (i = 0; info && i < n; i++) {
		const struct mmt_adapter *ad = info[i].adapter;

		if (!ad)
			continue;
		mmt_cli_caps_format(ad->caps, caps, sizeof(caps));
		printf("  %-14s %-10s %s\n", ad->name ? ad->name : "?",
		       info[i].available ? "yes" : "no", caps);
		if (ad->description)
			printf("  %-14s %-10s %s\n", "", "", ad->description);
		if (!info[i].available)
			printf("  %-14s %-10s not available: %s\n", "", "",
			       info[i].why_not ? info[i].why_not : "unknown");
	}
	printf("  (a plug-in: --allocator PATH.so[:options]; describe one "
	       "with `mmtorture list PATH.so`)\n");
}

/* One adapter, in detail: what `list SPEC` prints. */
static void describe(const char *spec, const struct mmt_adapter *ad,
		     const char *options)
{
	const struct {
		const char *what;
		int set;
	} optional[] = {
		{ "check", ad->check != NULL },
		{ "dump", ad->dump != NULL },
		{ "set_trace", ad->set_trace != NULL },
		{ "cpu_enter", ad->cpu_enter != NULL },
		{ "pages->arena",
		  (ad->caps & MMT_CAP_PAGES) && ad->pages->arena != NULL },
		{ "objects->usable_size",
		  (ad->caps & MMT_CAP_OBJECTS) &&
			  ad->objects->usable_size != NULL },
	};
	char caps[256];
	size_t i;
	int any = 0;

	mmt_cli_caps_format(ad->caps, caps, sizeof(caps));
	printf("adapter:      %s\n", ad->name);
	printf("spec:         %s\n", spec);
	printf("description:  %s\n", ad->description ? ad->description : "");
	printf("abi:          version %u, struct_size %u (this mmtorture: "
	       "%u, %zu)\n",
	       ad->abi_version, ad->struct_size, MMT_ADAPTER_ABI_VERSION,
	       sizeof(struct mmt_adapter));
	printf("capabilities: %s (0x%x)\n", caps, ad->caps);
	printf("optional:    ");
	for (i = 0; i < sizeof(optional) / sizeof(optional[0]); i++) {
		if (optional[i].set) {
			printf(" %s", optional[i].what);
			any = 1;
		}
	}
	printf("%s\n", any ? "" : " none");
	printf("options:      \"%s\" (passed to create(), which accepted "
	       "them on the default machine)\n",
	       options);
}

static int list_one(const char *spec)
{
	const struct mmt_adapter *ad;
	const char *options;
	char err[1024];
	int ret;

	ret = mmt_adapter_select(spec, &ad, &options, err, sizeof(err));
	if (ret == 0)
		ret = mmt_adapter_try_create(ad, options, err, sizeof(err));
	if (ret) {
		mmt_cli_error("list", "%s", err);
		return ret;
	}
	describe(spec, ad, options);
	return MMT_EXIT_OK;
}

static void list_targets(void)
{
	unsigned int kinds[MMT_NR_OP_KINDS];
	size_t n, i;

	printf("op sets (a program names its own: binary byte 0, the text's "
	       "opset line):\n");
	printf("  %-3s %-10s %-9s %s\n", "ID", "NAME", "NEEDS", "OPS");
	for (unsigned int s = 0; s < MMT_NR_OPSETS; s++) {
		const struct mmt_opset_desc *d = mmt_opset_desc(s);

		printf("  %-3u %-10s %-9s", s, d->name, d->caps_name);
		n = mmt_cli_opset_kinds((enum mmt_opset)s, kinds,
					MMT_NR_OP_KINDS);
		for (i = 0; i < n; i++)
			printf(" %s", mmt_op_name(kinds[i]));
		printf("\n  %-3s %-10s %-9s %s\n", "", "", "", d->about);
	}
	printf("\nfuzz targets:\n");
	printf("  %-14s %s\n", "NAME", "OP SETS");
	for (const struct mmt_fuzz_target *t = mmt_fuzz_targets; t->name; t++) {
		printf("  %-14s", t->name);
		for (unsigned int s = 0; s < MMT_NR_OPSETS; s++)
			if (t->sets & (1u << s))
				printf(" %s", mmt_opset_name(s));
		printf("\n  %-14s %s\n", "", t->about);
	}
}

/* The registry of harness/invariants.c: ID LAYER MEANING. */
static void list_invariants(void)
{
	size_t n;
	const struct mmt_invariant *v = mmt_invariants(&n);

	for (size_t i = 0; i < n; i++)
		printf("%-20s %-8s %s\n", v[i].id, v[i].layer, v[i].what);
}

enum { OPT_INVARIANTS = MMT_CLI_OPT_OWN };

int mmt_cmd_list(int argc, char **argv)
{
	static const struct mmt_cli_opt list_opts[] = {
		{ "invariants", 0, 0, OPT_INVARIANTS },
		{ NULL, 0, 0, 0 },
	};
	struct mmt_cli_parser p;
	const char *value, *spec = NULL;
	int id, invariants = 0;

	mmt_cli_init(&p, "list", argc, argv, list_opts);
	while ((id = mmt_cli_next(&p, &value)) != MMT_CLI_END) {
		if (id == OPT_INVARIANTS) {
			invariants = 1;
			continue;
		}
		if (id == MMT_CLI_HELP) {
			list_usage(stdout);
			return MMT_EXIT_OK;
		}
		if (id == MMT_CLI_OPERAND && !spec) {
			spec = value;
			continue;
		}
		if (id == MMT_CLI_OPERAND)
			mmt_cli_error("list", "unexpected argument '%s'",
				      value);
		list_usage(stderr);
		return MMT_EXIT_USAGE;
	}
	if (invariants && spec) {
		mmt_cli_error("list", "--invariants takes no NAME");
		list_usage(stderr);
		return MMT_EXIT_USAGE;
	}
	if (invariants) {
		list_invariants();
		return MMT_EXIT_OK;
	}
	if (spec)
		return list_one(spec);
	list_adapters();
	printf("\n");
	list_targets();
	return MMT_EXIT_OK;
}
