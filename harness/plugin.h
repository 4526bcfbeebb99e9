/* SPDX-License-Identifier: MIT */
/* plugin.h - shared-object plug-ins (harness private). */
#ifndef MMT_HARNESS_PLUGIN_H
#define MMT_HARNESS_PLUGIN_H

#include <stddef.h>

#include <mmtorture/adapter.h>

/*
 * Load PATH and return its adapter table in *out. Returns 0, or
 * MMT_EXIT_USAGE with err naming the file and the problem.
 */
int mmt_plugin_load(const char *path, const struct mmt_adapter **out, char *err,
		    size_t errlen);

#endif /* MMT_HARNESS_PLUGIN_H */
