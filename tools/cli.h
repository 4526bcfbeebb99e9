/* SPDX-License-Identifier: MIT */
/*
 * tools/cli.h - helpers shared by the commands of the mmtorture CLI.
 *
 * What lives here: the entry point of every command (one file each), a
 * small option parser (long options with "--name value" or "--name=value",
 * single-letter short options, "--" ends options, options and operands may
 * mix), whole-file reading with a size limit, an atomic file writer
 * (temp file in the same directory, then rename), strict number parsing,
 * shell quoting for "reproduce:" lines, and the table of fuzz targets.
 *
 * Exit codes are enum mmt_exit (include/mmtorture/exec.h): 0 held, 1 bug,
 * 2 usage or input, 3 environment. Every helper that can fail prints its
 * own message on stderr, prefixed "mmtorture CMD: ", and returns the exit
 * code the command should end with.
 *
 * Threads and locks: the CLI is single threaded (stress runs its own).
 * The only mutable global is the program name, set once by main().
 */
#ifndef MMT_TOOLS_CLI_H
#define MMT_TOOLS_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mmtorture/exec.h>
#include <mmtorture/ops.h>

/* Largest input file a command reads: bigger is bad input (exit 2). */
#define MMT_CLI_MAX_FILE (64u << 20)

/* argv[0] as invoked, for "reproduce:" lines; set by main(). */
extern const char *mmt_cli_progname;

/* Commands: argv[0] is the command name. Each returns an enum mmt_exit. */
int mmt_cmd_replay(int argc, char **argv);
int mmt_cmd_trace(int argc, char **argv);
int mmt_cmd_compile(int argc, char **argv);
int mmt_cmd_list(int argc, char **argv);
int mmt_cmd_dump(int argc, char **argv);
int mmt_cmd_bench(int argc, char **argv);
int mmt_cmd_diff(int argc, char **argv);

/* Print "mmtorture CMD: message\n" on stderr. */
void mmt_cli_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------ options */

struct mmt_cli_opt {
	const char *name; /* long name without "--", e.g. "allocator" */
	char short_name; /* 'o' for -o, or 0 */
	int has_arg; /* 1 when the option takes a value */
	int id; /* returned by mmt_cli_next(); > 0 */
};

enum {
	MMT_CLI_END = 0, /* no more arguments */
	MMT_CLI_OPERAND = -1, /* *value is an operand (a file name ...) */
	MMT_CLI_ERROR = -2, /* message printed: exit MMT_EXIT_USAGE */
	MMT_CLI_HELP = -3, /* -h or --help */
};

struct mmt_cli_parser {
	int argc;
	char **argv;
	int next; /* index of the next argument to look at */
	int only_operands; /* set after "--" */
	const char *cmd; /* for messages */
	const struct mmt_cli_opt *opts; /* terminated by a NULL name */
};

/* Start parsing argv[1..argc-1] of command cmd (argv[0] is skipped). */
void mmt_cli_init(struct mmt_cli_parser *p, const char *cmd, int argc,
		  char **argv, const struct mmt_cli_opt *opts);

/*
 * Next option or operand. Returns the option's id with *value set to its
 * argument (NULL when it takes none), MMT_CLI_OPERAND with *value the
 * operand, MMT_CLI_HELP, MMT_CLI_END, or MMT_CLI_ERROR after printing a
 * message naming the flag ("unknown option '--frob'", "option '-o' needs
 * an argument", "option '--list' takes no argument").
 */
int mmt_cli_next(struct mmt_cli_parser *p, const char **value);

/*
 * Parse a whole decimal number in [min, max]. 0, or -1 after printing a
 * message naming the option ("--iterations: 'x' is not a number").
 */
int mmt_cli_parse_u64(const char *cmd, const char *what, const char *s,
		      uint64_t min, uint64_t max, uint64_t *out);

/* ------------------------------------------------------------ files */

/*
 * Read a whole file (regular or FIFO; "-" is stdin) of at most limit
 * bytes into a malloc'd buffer with a NUL after the last byte (*len
 * excludes it).
 * Returns MMT_EXIT_OK, or MMT_EXIT_USAGE after printing "PATH: reason"
 * (missing, unreadable, a directory, too large), or MMT_EXIT_ENV when
 * memory ran out.
 */
int mmt_cli_read_file(const char *cmd, const char *path, size_t limit,
		      uint8_t **data, size_t *len);

/*
 * Write len bytes to path atomically: a temp file in the same directory,
 * then rename(2) over path, so a failure never leaves a partial output.
 * path "-" writes to stdout. Returns an enum mmt_exit after printing a
 * message naming path on failure.
 */
int mmt_cli_write_file(const char *cmd, const char *path, const void *data,
		       size_t len);

/* 1 when path ends in ".txt" (a text op sequence by convention). */
int mmt_cli_is_text_name(const char *path);

/* ------------------------------------------------------------ programs */

enum mmt_cli_form {
	MMT_FORM_AUTO = 0, /* text when the name ends in .txt, else binary */
	MMT_FORM_TEXT = 1,
	MMT_FORM_BINARY = 2,
};

/*
 * Load an op sequence from path: text (strict parser; errors print
 * "PATH:LINE:COL: field 'F': message") or binary decoded with op set.
 * Returns an enum mmt_exit; on MMT_EXIT_OK *prog must be freed with
 * mmt_prog_free(). *is_text tells which form was read (may be NULL).
 */
int mmt_cli_load_prog(const char *cmd, const char *path, enum mmt_cli_form form,
		      enum mmt_opset set, struct mmt_prog *prog, int *is_text);

/* ------------------------------------------------------------ targets */

struct mmt_cli_target {
	const char *name; /* "fuzz_pages": fuzz/fuzz_pages.c */
	enum mmt_opset opset; /* what its bytes decode to */
	const char *what; /* one line */
};

/* The fuzz targets fuzz/ builds, NULL-name terminated. */
extern const struct mmt_cli_target mmt_cli_targets[];

/* The target named name, or NULL. */
const struct mmt_cli_target *mmt_cli_find_target(const char *name);

/* Name of an op set ("pages", "objects"). */
const char *mmt_cli_opset_name(enum mmt_opset set);

/* Kinds an op set reads, in enum order; returns their number (<= max). */
size_t mmt_cli_opset_kinds(enum mmt_opset set, unsigned int *kinds, size_t max);

/*
 * The fuzz target a path belongs to: the innermost directory component
 * that mmt_opset_for_target() knows ("crashes/new/fuzz_pages/crash-1" ->
 * "fuzz_pages"), copied into buf. NULL when no component names a target.
 */
const char *mmt_cli_target_from_path(const char *path, char *buf, size_t len);

/* ------------------------------------------------------------ output */

/*
 * Append arg to buf (of size len, NUL terminated, used bytes *pos),
 * quoted for a POSIX shell when it holds anything but [A-Za-z0-9_./:=,@+-].
 * Truncates silently when full.
 */
void mmt_cli_shell_append(char *buf, size_t len, size_t *pos, const char *arg);

/* Capability bits as words: "PAGES ZONES POLICY_BUDDY ...". */
size_t mmt_cli_caps_format(uint32_t caps, char *buf, size_t len);

#endif /* MMT_TOOLS_CLI_H */
