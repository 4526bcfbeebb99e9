/* SPDX-License-Identifier: MIT */
/*
 * tools/cli.h - helpers shared by the commands of the mmtorture CLI.
 *
 * What lives here: the entry point of every command (one file each), a
 * small option parser (long options with "--name value" or "--name=value",
 * single-letter short options, "--" ends options, options and operands may
 * mix), whole-file reading with a size limit, an atomic file writer
 * (temp file in the same directory, then rename), strict number parsing,
 * shell quoting for "reproduce:" lines, the table of fuzz targets, and
 * what the commands that run FILE operands share (replay, diff): their
 * common options, adapter selection, the failure report's lines, the
 * directory walk and the count of outcomes behind the exit code.
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
#include <mmtorture/machine.h>
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
 * Keep value as a command's one operand in *file. MMT_EXIT_OK, or
 * MMT_EXIT_USAGE after "one FILE only ('A' and 'B')" when *file was set.
 */
int mmt_cli_single_operand(const char *cmd, const char **file,
			   const char *value);

/*
 * Parse a whole decimal number in [min, max]. 0, or -1 after printing a
 * message naming the option ("--iterations: 'x' is not a number").
 */
int mmt_cli_parse_u64(const char *cmd, const char *what, const char *s,
		      uint64_t min, uint64_t max, uint64_t *out);

/*
 * Parse a --machine SPEC (the machine spec grammar of machine.h, the one
 * every command takes). 0, or -1 after printing "CMD: --machine 'SPEC':
 * column C: field 'F': MESSAGE".
 */
int mmt_cli_parse_machine(const char *cmd, const char *spec,
			  struct mmt_machine *m);

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
		      struct mmt_prog *prog, int *is_text);

/* ------------------------------------------------------------ targets */

/* Kinds an op set reads, in enum order; returns their number (<= max). */
size_t mmt_cli_opset_kinds(enum mmt_opset set, unsigned int *kinds, size_t max);

/* ------------------------------------------------------------ output */

/*
 * Append arg to buf (of size len, NUL terminated, used bytes *pos),
 * quoted for a POSIX shell when it holds anything but [A-Za-z0-9_./:=,@+-].
 * Truncates silently when full.
 */
void mmt_cli_shell_append(char *buf, size_t len, size_t *pos, const char *arg);

/* Capability bits as words: "PAGES ZONES POLICY_BUDDY ...". */
size_t mmt_cli_caps_format(uint32_t caps, char *buf, size_t len);

/*
 * A "reproduce:" command line under construction: mmt_cli_progname, the
 * command, then the arguments added, each quoted for a POSIX shell.
 */
struct mmt_cli_cmdline {
	char buf[4096];
	size_t pos;
};

void mmt_cli_cmdline_init(struct mmt_cli_cmdline *c, const char *cmd);
void mmt_cli_cmdline_add(struct mmt_cli_cmdline *c, const char *arg);
/* "--text" or "--binary" when form forces one; nothing for MMT_FORM_AUTO. */
void mmt_cli_cmdline_add_form(struct mmt_cli_cmdline *c,
			      enum mmt_cli_form form);
/* The FILE operand, after "--" when it starts with '-'. */
void mmt_cli_cmdline_add_file(struct mmt_cli_cmdline *c, const char *path);

/*
 * The failed op's headline and the op itself, for a report of r over prog:
 *   "PATH: VERDICT: N NOUNs, first at op I" and "  op I (line L): TEXT",
 * or "..., first at the end of input (after OPS ops)" when no violation
 * names an op.
 */
void mmt_cli_print_headline(const char *path, const char *verdict,
			    const char *noun, const struct mmt_prog *prog,
			    const struct mmt_report *r, size_t ops_run);

/*
 * Every kept violation of r, one line each
 * ("  NOUN K: op I: ID [LAYER] MESSAGE"), then how many were not kept.
 */
void mmt_cli_print_violations(const struct mmt_report *r, const char *noun);

/*
 * A side's state after a failure, under "TITLE (WHAT):" where WHAT names
 * what the executor captured: "live objects" for an objects program (the
 * shadow's table: an OBJECTS adapter has no buddyinfo), "buddyinfo" for a
 * pages one. Nothing when state is empty; a missing last newline is added.
 */
void mmt_cli_print_state(const char *title, enum mmt_opset set,
			 const char *state, size_t len);

/* ------------------------------------------------------------ file runs */

/*
 * What the commands that run FILE operands (replay, diff) share: options,
 * the default allocator, walking directories, counting outcomes.
 */

/* Option ids of the shared options; a command numbers its own from
 * MMT_CLI_OPT_OWN up. */
enum {
	MMT_CLI_OPT_ALLOCATOR = 1, /* --allocator SPEC */
	MMT_CLI_OPT_TEXT, /* --text */
	MMT_CLI_OPT_BINARY, /* --binary */
	MMT_CLI_OPT_TRACE, /* --trace */
	MMT_CLI_OPT_OWN,
};

struct mmt_cli_run_args {
	const char *spec; /* --allocator, else mmt_cli_default_allocator() */
	enum mmt_cli_form form; /* --text / --binary */
	int trace; /* --trace */
	/* The value of the command's option named "target" (--target), when
	 * it has one and it was given; else NULL. */
	const char *target;
	const char **files; /* the operands, in order */
	size_t nr_files;
	/*
	 * Set by the command before mmt_cli_run_files(), for the files it
	 * finds in directories: the allocators every file runs on (ad[1]
	 * NULL for one; ad[0] NULL: spec's).
	 */
	const struct mmt_adapter *ad[2];
};

/*
 * Parse argv of command cmd into *a: opts lists every option it takes (the
 * shared ones with the MMT_CLI_OPT_* ids it wants); own(ctx, id, value)
 * gets the others. Prints usage to stdout for --help, to stderr after a bad option
 * or when no FILE is given. Returns -1 to go on (free a->files with
 * mmt_cli_run_args_free), else the exit code to end with.
 */
int mmt_cli_parse_run(const char *cmd, int argc, char **argv,
		      const struct mmt_cli_opt *opts, void (*usage)(FILE *out),
		      void (*own)(void *ctx, int id, const char *value),
		      void *ctx, struct mmt_cli_run_args *a);
void mmt_cli_run_args_free(struct mmt_cli_run_args *a);

/* $MMT_ALLOCATOR when set and not empty, else "ref-pages". */
const char *mmt_cli_default_allocator(void);

/*
 * Resolve spec (as given to option flag) to an adapter and its options,
 * and create it once on the default machine (mmt_adapter_try_create), so
 * options its create() refuses end the command before any file runs.
 * MMT_EXIT_OK, or after "mmtorture CMD: FLAG 'SPEC': reason" (for a
 * refusal: "adapter 'NAME': create failed: MESSAGE") MMT_EXIT_ENV when
 * the environment refused it, else MMT_EXIT_USAGE.
 */
int mmt_cli_select(const char *cmd, const char *flag, const char *spec,
		   const struct mmt_adapter **ad, const char **options);

/*
 * A --target value: MMT_EXIT_OK, or MMT_EXIT_USAGE after naming it as an
 * unknown fuzz target.
 */
int mmt_cli_check_target(const char *cmd, const char *target);

/*
 * --target T given to a command that runs PATH's program: MMT_EXIT_OK when
 * T runs programs of the op set the program names, else MMT_EXIT_USAGE
 * after saying so (a program names its own op set; --target only checks).
 */
int mmt_cli_target_runs(const char *cmd, const char *target, const char *path,
			const struct mmt_prog *prog);

/*
 * An executor's refusal of FILE path (rc MMT_EXIT_ENV or anything but
 * OK/BUG): prints "PATH: environment: ERR" (env_default when err is
 * empty) or "PATH: ERR" ("refused by the executor") and returns
 * MMT_EXIT_ENV or MMT_EXIT_USAGE.
 */
int mmt_cli_refused(const char *cmd, const char *path, int rc, const char *err,
		    const char *env_default);

/* Outcomes of the files of one command. */
struct mmt_cli_tally {
	unsigned int nr_ok, nr_bug, nr_usage, nr_env;
	/* Files found in a directory and not run: the allocators lack the
	 * capability their op set needs; by that op set. */
	unsigned int nr_skipped[MMT_NR_OPSETS];
};

void mmt_cli_tally_add(struct mmt_cli_tally *t, int rc);
unsigned int mmt_cli_tally_total(const struct mmt_cli_tally *t);
/* Over all files: 2 if any was bad input, else 3, else 1, else 0. */
int mmt_cli_tally_exit(const struct mmt_cli_tally *t);

/* Deepest directory nesting mmt_cli_walk() follows. */
#define MMT_CLI_MAX_DEPTH 8

/*
 * Run fn(ctx, path) and add its exit code to t; when path is a directory
 * (never "-", which is stdin), do so for every file below it instead, in
 * name order, skipping names that start with '.'. A directory nested too
 * deep or that cannot be listed counts as bad input, a child path that
 * cannot be built as the environment.
 */
void mmt_cli_walk(const char *cmd, const char *path,
		  int (*fn)(void *ctx, const char *path), void *ctx,
		  struct mmt_cli_tally *t);

/* Files skipped, over every op set. */
unsigned int mmt_cli_tally_skipped(const struct mmt_cli_tally *t);

/*
 * Run fn over every FILE of a (mmt_cli_walk) and free a->files. A file
 * found in a directory whose program needs a capability one of the
 * allocators lacks (an objects program on a PAGES allocator; the op set
 * the program names) is not run: "PATH: skipped: needs OBJECTS ('NAME' lacks
 * it)" on stdout, and counted apart. A FILE given by name always runs (and
 * such a refusal is bad input). Then end the command: when no file ran,
 * "nothing to NOTHING: the directories given hold no files" (or "... every
 * file found was skipped: ...") and MMT_EXIT_USAGE; when more than one file
 * was seen, the line "CMD: N OK_WORD, N BUG_WORD, N bad input, N
 * environment", followed by "; N ran, M skipped (needs OBJECTS)" when any
 * was skipped; and the exit code over those that ran (mmt_cli_tally_exit).
 */
int mmt_cli_run_files(const char *cmd, struct mmt_cli_run_args *a,
		      int (*fn)(void *ctx, const char *path), void *ctx,
		      const char *nothing, const char *ok_word,
		      const char *bug_word);

#endif /* MMT_TOOLS_CLI_H */
