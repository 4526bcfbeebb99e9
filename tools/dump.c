/* SPDX-License-Identifier: MIT */
/*
 * tools/dump.c - `mmtorture dump`: a reference machine's /proc views.
 *
 * Builds a fresh struct ref_mm from a machine spec, the one grammar of
 * every --machine and of a text program's machine line ("ram=128M
 * cpus=2", "bank=32M@0 bank=32M@4G", ...; include/mmtorture/machine.h),
 * with ref-pages options on top (--ref-options "mem=48M": the text after
 * "ref-pages:" in --allocator), converted to a ref config exactly as the
 * ref-pages adapter does (mmt_ref_pages_config), and prints
 * /proc/buddyinfo and/or /proc/zoneinfo in
 * the kernel's formats (ref_proc_buddyinfo, ref_proc_zoneinfo). Nothing
 * is allocated first, so this shows the boot-time free lists: how the
 * memblock layout was cut into zones and top-order blocks.
 *
 * A bad spec is bad input (exit 2, the message names the column and the
 * field), as are options ref refuses (ref's message names the key); a
 * machine the environment cannot back (memfd, mmap) is exit 3.
 */
#include <stdlib.h>
#include <string.h>

#include <mmtorture/machine.h>
#include <ref/mm.h>

#include "../adapters/ref_pages.h"
#include "cli.h"

enum {
	OPT_MACHINE = 1,
	OPT_VIEW,
	OPT_REF_OPTIONS,
};

static const struct mmt_cli_opt dump_opts[] = {
	{ "machine", 0, 1, OPT_MACHINE },
	{ "view", 0, 1, OPT_VIEW },
	{ "ref-options", 0, 1, OPT_REF_OPTIONS },
	{ NULL, 0, 0, 0 },
};

static void dump_usage(FILE *out)
{
	fputs("usage: mmtorture dump [--machine SPEC] [--ref-options OPTS] "
	      "[--view buddyinfo|zoneinfo|all]\n"
	      "\n"
	      "Build a reference machine and print its /proc views.\n"
	      "\n"
	      "  --machine SPEC      a machine spec, as in a program's machine "
	      "line and\n"
	      "                      stress --machine; KEY=VALUE separated by "
	      "spaces:\n"
	      "                      profile=x86_64|x86_32 era=6.12|2.6 "
	      "page=4K|8K\n"
	      "                      orders=N cpus=N ram=SIZE "
	      "bank=SIZE@START\n"
	      "                      reserve=SIZE@START (default: x86_64, "
	      "64M, 4K pages,\n"
	      "                      11 orders, 1 CPU)\n"
	      "  --ref-options OPTS  ref-pages options on top, as after "
	      "'ref-pages:' in\n"
	      "                      --allocator, e.g. mem=48M (a boot "
	      "mem= limit)\n"
	      "  --view V            buddyinfo, zoneinfo or all (default "
	      "all)\n",
	      out);
}

static int print_view(struct ref_mm *mm,
		      size_t (*view)(struct ref_mm *, char *, size_t))
{
	char probe[1];
	size_t need = view(mm, probe, sizeof(probe));
	char *buf = malloc(need + 1);

	if (!buf) {
		mmt_cli_error("dump", "out of memory");
		return MMT_EXIT_ENV;
	}
	view(mm, buf, need + 1);
	fputs(buf, stdout);
	free(buf);
	return MMT_EXIT_OK;
}

int mmt_cmd_dump(int argc, char **argv)
{
	const char *spec = NULL, *view = "all", *value, *ref_options = "";
	struct mmt_cli_parser p;
	struct mmt_machine machine;
	struct ref_config cfg;
	struct ref_mm *mm = NULL;
	char err[256];
	int id, rc, want_buddy, want_zone;

	mmt_cli_init(&p, "dump", argc, argv, dump_opts);
	while ((id = mmt_cli_next(&p, &value)) != MMT_CLI_END) {
		switch (id) {
		case MMT_CLI_HELP:
			dump_usage(stdout);
			return MMT_EXIT_OK;
		case OPT_MACHINE:
			spec = value;
			break;
		case OPT_VIEW:
			view = value;
			break;
		case OPT_REF_OPTIONS:
			ref_options = value;
			break;
		case MMT_CLI_OPERAND:
			mmt_cli_error("dump", "unexpected argument '%s'",
				      value);
			dump_usage(stderr);
			return MMT_EXIT_USAGE;
		default:
			dump_usage(stderr);
			return MMT_EXIT_USAGE;
		}
	}
	want_buddy = strcmp(view, "buddyinfo") == 0 || strcmp(view, "all") == 0;
	want_zone = strcmp(view, "zoneinfo") == 0 || strcmp(view, "all") == 0;
	if (!want_buddy && !want_zone) {
		mmt_cli_error("dump",
			      "--view: unknown view '%s' (buddyinfo, zoneinfo "
			      "or all)",
			      view);
		return MMT_EXIT_USAGE;
	}

	mmt_machine_default(&machine);
	if (spec && mmt_cli_parse_machine("dump", spec, &machine))
		return MMT_EXIT_USAGE;
	err[0] = 0;
	if (mmt_ref_pages_config(&machine, ref_options, &cfg, err,
				 sizeof(err))) {
		mmt_cli_error("dump", "--ref-options '%s': %s", ref_options,
			      err[0] ? err : "invalid");
		return MMT_EXIT_USAGE;
	}
	rc = ref_mm_create(&cfg, &mm, err, sizeof(err));
	if (rc != 0) {
		mmt_cli_error("dump", "--machine '%s': %s", spec ? spec : "",
			      err[0] ? err : "cannot build the machine");
		return rc == -1 ? MMT_EXIT_USAGE : MMT_EXIT_ENV;
	}
	rc = MMT_EXIT_OK;
	if (want_buddy && want_zone) {
		/* --view all says what it shows: the machine as ref booted
		 * it (profile, era, the sysctls in effect); a single view
		 * stays the kernel's text alone */
		char cfgtxt[1024];

		ref_config_format(&mm->config, cfgtxt, sizeof(cfgtxt));
		printf("# ref-pages: %s (min_free_kbytes %lu in effect)\n\n",
		       cfgtxt, mm->min_free_kbytes);
	}
	if (want_buddy)
		rc = print_view(mm, ref_proc_buddyinfo);
	if (rc == MMT_EXIT_OK && want_buddy && want_zone)
		putchar('\n');
	if (rc == MMT_EXIT_OK && want_zone)
		rc = print_view(mm, ref_proc_zoneinfo);
	ref_mm_destroy(mm);
	return rc;
}
