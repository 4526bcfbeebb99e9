/* SPDX-License-Identifier: MIT */
/*
 * tools/list.c - `mmtorture list`: the adapters and the fuzz targets.
 *
 * Adapters come from the harness registry (mmt_adapters_builtin): name,
 * whether it can be used here (and why not), its capabilities as words,
 * and its description. Fuzz targets come from the table in cli.c, which
 * mirrors fuzz/fuzz_*.c; for each the op set its bytes decode to (as
 * mmt_opset_for_target() says) and the op kinds that set reads.
 */
#include <string.h>

#include "cli.h"

static void list_usage(FILE *out)
{
	fputs("usage: mmtorture list\n"
	      "\n"
	      "Show the adapters (--allocator NAME) and the fuzz targets "
	      "(--target NAME).\n",
	      out);
}

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
}

static void list_targets(void)
{
	const struct mmt_cli_target *t;
	unsigned int kinds[MMT_NR_OP_KINDS];
	size_t n, i;

	printf("fuzz targets:\n");
	printf("  %-14s %-10s %s\n", "NAME", "OP SET", "OPS");
	for (t = mmt_cli_targets; t->name; t++) {
		int set = mmt_opset_for_target(t->name);

		if (set < 0) {
			printf("  %-14s %-10s (not known to this harness)\n",
			       t->name, "-");
			continue;
		}
		printf("  %-14s %-10s", t->name,
		       mmt_cli_opset_name((enum mmt_opset)set));
		n = mmt_cli_opset_kinds((enum mmt_opset)set, kinds,
					MMT_NR_OP_KINDS);
		for (i = 0; i < n; i++) {
			const char *name = mmt_op_name(kinds[i]);

			printf(" %s", name ? name : "?");
		}
		printf("\n  %-14s %-10s %s\n", "", "", t->what);
	}
}

int mmt_cmd_list(int argc, char **argv)
{
	static const struct mmt_cli_opt no_opts[] = { { NULL, 0, 0, 0 } };
	struct mmt_cli_parser p;
	const char *value;
	int id;

	mmt_cli_init(&p, "list", argc, argv, no_opts);
	while ((id = mmt_cli_next(&p, &value)) != MMT_CLI_END) {
		if (id == MMT_CLI_HELP) {
			list_usage(stdout);
			return MMT_EXIT_OK;
		}
		if (id == MMT_CLI_OPERAND)
			mmt_cli_error("list", "unexpected argument '%s'",
				      value);
		list_usage(stderr);
		return MMT_EXIT_USAGE;
	}
	list_adapters();
	printf("\n");
	list_targets();
	return MMT_EXIT_OK;
}
