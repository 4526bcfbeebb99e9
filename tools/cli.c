/* SPDX-License-Identifier: MIT */
/*
 * tools/cli.c - helpers shared by the mmtorture commands (see cli.h).
 *
 * Option parsing: argv is walked left to right. "--name=value" and
 * "--name value" are the same; "-o value" and "-ovalue" too. A lone "-"
 * is an operand (stdout or stdin where a command allows it). "--" makes
 * everything after it an operand. Anything that starts with '-' and is
 * not a known option is an error naming it: the CLI never guesses.
 *
 * Files: inputs are read whole, up to MMT_CLI_MAX_FILE bytes, because the
 * decoders want one buffer and a runaway input must be refused, not
 * swallowed. Outputs are written to "DIR/.NAME.tmp.XXXXXX" and renamed
 * over NAME, so a reader never sees a half-written file and a failure
 * leaves the old NAME (or nothing) in place.
 *
 * File runs (replay, diff): an operand that is a directory stands for
 * every file below it, walked depth first in alphasort order with dot
 * files skipped and at most MMT_CLI_MAX_DEPTH levels, so a run over a
 * corpus directory is the same run every time. A file found in a
 * directory whose program needs a capability the command's allocators lack
 * (corpus/fuzz_diff mixes pages and objects programs) is skipped with a
 * line saying so, before it is run; its op set is the one the program
 * names (a text's opset line or its ops, a binary's byte 0). A file
 * named on the command line is always run. Each run file's exit code is
 * tallied; the command ends with the worst by the order bad input, then
 * environment, then bug (a bad file must not hide behind a bug found in
 * another); skipped files are counted apart.
 *
 * Invariants: every error path prints one message naming the file or flag
 * and returns an enum mmt_exit; nothing here exits or aborts.
 */
#include "cli.h"
#include "mmt_lib.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *mmt_cli_progname = "mmtorture";

void mmt_cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	if (cmd)
		fprintf(stderr, "mmtorture %s: ", cmd);
	else
		fputs("mmtorture: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ------------------------------------------------------------ options */

void mmt_cli_init(struct mmt_cli_parser *p, const char *cmd, int argc,
		  char **argv, const struct mmt_cli_opt *opts)
{
	p->argc = argc;
	p->argv = argv;
	p->next = 1;
	p->only_operands = 0;
	p->cmd = cmd;
	p->opts = opts;
}

static const struct mmt_cli_opt *find_long(const struct mmt_cli_opt *opts,
					   const char *name, size_t nlen)
{
	for (; opts->name; opts++) {
		if (strlen(opts->name) == nlen &&
		    memcmp(opts->name, name, nlen) == 0)
			return opts;
	}
	return NULL;
}

static const struct mmt_cli_opt *find_short(const struct mmt_cli_opt *opts,
					    char c)
{
	for (; opts->name; opts++) {
		if (opts->short_name && opts->short_name == c)
			return opts;
	}
	return NULL;
}

static int parse_long(struct mmt_cli_parser *p, const char *arg,
		      const char **value)
{
	const char *name = arg + 2;
	const char *eq = strchr(name, '=');
	size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
	const struct mmt_cli_opt *o = find_long(p->opts, name, nlen);

	if (!o && nlen == 4 && memcmp(name, "help", 4) == 0 && !eq)
		return MMT_CLI_HELP;
	if (!o) {
		mmt_cli_error(p->cmd, "unknown option '--%.*s' (try --help)",
			      (int)nlen, name);
		return MMT_CLI_ERROR;
	}
	if (!o->has_arg) {
		if (eq) {
			mmt_cli_error(p->cmd, "option '--%s' takes no argument",
				      o->name);
			return MMT_CLI_ERROR;
		}
		return o->id;
	}
	if (eq) {
		*value = eq + 1;
		return o->id;
	}
	if (p->next >= p->argc) {
		mmt_cli_error(p->cmd, "option '--%s' needs an argument",
			      o->name);
		return MMT_CLI_ERROR;
	}
	*value = p->argv[p->next++];
	return o->id;
}

static int parse_short(struct mmt_cli_parser *p, const char *arg,
		       const char **value)
{
	const struct mmt_cli_opt *o = find_short(p->opts, arg[1]);

	if (!o && arg[1] == 'h' && arg[2] == '\0')
		return MMT_CLI_HELP;
	if (!o) {
		mmt_cli_error(p->cmd, "unknown option '%s' (try --help)", arg);
		return MMT_CLI_ERROR;
	}
	if (!o->has_arg) {
		if (arg[2] != '\0') {
			mmt_cli_error(p->cmd,
				      "unknown option '%s' (try --help)", arg);
			return MMT_CLI_ERROR;
		}
		return o->id;
	}
	if (arg[2] != '\0') {
		*value = arg + 2;
		return o->id;
	}
	if (p->next >= p->argc) {
		mmt_cli_error(p->cmd, "option '-%c' needs an argument",
			      o->short_name);
		return MMT_CLI_ERROR;
	}
	*value = p->argv[p->next++];
	return o->id;
}

int mmt_cli_next(struct mmt_cli_parser *p, const char **value)
{
	const char *arg;

	*value = NULL;
	for (;;) {
		if (p->next >= p->argc)
			return MMT_CLI_END;
		arg = p->argv[p->next++];
		if (!arg)
			return MMT_CLI_END;
		if (p->only_operands || arg[0] != '-' || arg[1] == '\0') {
			*value = arg;
			return MMT_CLI_OPERAND;
		}
		if (arg[1] == '-' && arg[2] == '\0') {
			p->only_operands = 1;
			continue;
		}
		if (arg[1] == '-')
			return parse_long(p, arg, value);
		return parse_short(p, arg, value);
	}
}

int mmt_cli_single_operand(const char *cmd, const char **file,
			   const char *value)
{
	if (*file) {
		mmt_cli_error(cmd, "one FILE only ('%s' and '%s')", *file,
			      value);
		return MMT_EXIT_USAGE;
	}
	*file = value;
	return MMT_EXIT_OK;
}

int mmt_cli_parse_u64(const char *cmd, const char *what, const char *s,
		      uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *c = s;

	if (!*c) {
		mmt_cli_error(cmd, "%s: empty value, expected a number", what);
		return -1;
	}
	for (; *c; c++) {
		unsigned int d;

		if (*c < '0' || *c > '9') {
			mmt_cli_error(cmd, "%s: '%s' is not a number", what, s);
			return -1;
		}
		d = (unsigned int)(*c - '0');
		if (v > (UINT64_MAX - d) / 10) {
			mmt_cli_error(cmd, "%s: '%s' is too large", what, s);
			return -1;
		}
		v = v * 10 + d;
	}
	if (v < min || v > max) {
		mmt_cli_error(cmd, "%s: %s is out of range %llu..%llu", what, s,
			      (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

int mmt_cli_parse_machine(const char *cmd, const char *spec,
			  struct mmt_machine *m)
{
	char msg[300];
	int rc = mmt_machine_parse_arg(spec, m, msg, sizeof(msg));

	if (rc)
		mmt_cli_error(cmd, "--machine '%s': %s", spec, msg);
	return rc;
}

/* ------------------------------------------------------------ files */

/* mmt_cli_error() unless quiet (a peek at a file must not say a word). */
static void read_error(int quiet, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void read_error(int quiet, const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mmt_cli_error(cmd, "%s", msg);
}

static int read_file(const char *cmd, int quiet, const char *path, size_t limit,
		     uint8_t **data, size_t *len)
{
	if (mmt_file_read(path, limit, data, len) == 0)
		return MMT_EXIT_OK;
	if (errno == EISDIR)
		read_error(quiet, cmd, "%s: is a directory", path);
	else if (errno == EFBIG)
		read_error(quiet, cmd, "%s: too large (limit %zu bytes)", path,
			   limit);
	else
		read_error(quiet, cmd, "%s: %s", path, strerror(errno));
	return errno == ENOMEM ? MMT_EXIT_ENV : MMT_EXIT_USAGE;
}

int mmt_cli_read_file(const char *cmd, const char *path, size_t limit,
		      uint8_t **data, size_t *len)
{
	return read_file(cmd, 0, path, limit, data, len);
}

static int write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t put = write(fd, p, len);

		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0)
			return -1;
		p += put;
		len -= (size_t)put;
	}
	return 0;
}

int mmt_cli_write_file(const char *cmd, const char *path, const void *data,
		       size_t len)
{
	const char *slash;
	size_t dirlen, tlen;
	char *tmp;
	int fd, err;
	mode_t mask;

	if (strcmp(path, "-") == 0) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout)) {
			mmt_cli_error(cmd, "stdout: %s", strerror(errno));
			return MMT_EXIT_ENV;
		}
		return MMT_EXIT_OK;
	}
	if (!*path) {
		mmt_cli_error(cmd, "empty output file name");
		return MMT_EXIT_USAGE;
	}
	slash = strrchr(path, '/');
	dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	tlen = strlen(path) + sizeof(".tmp.XXXXXX") + 2;
	tmp = malloc(tlen);
	if (!tmp) {
		mmt_cli_error(cmd, "%s: out of memory", path);
		return MMT_EXIT_ENV;
	}
	snprintf(tmp, tlen, "%.*s.%s.tmp.XXXXXX", (int)dirlen, path,
		 path + dirlen);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = errno;
		mmt_cli_error(cmd, "%s: cannot create a file there: %s", path,
			      strerror(err));
		free(tmp);
		return err == ENOSPC || err == EIO || err == EDQUOT ?
			       MMT_EXIT_ENV :
			       MMT_EXIT_USAGE;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0 || write_all(fd, data, len) != 0) {
		err = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) != 0) {
		err = errno;
		goto fail;
	}
	if (rename(tmp, path) != 0) {
		err = errno;
		goto fail;
	}
	free(tmp);
	return MMT_EXIT_OK;
fail:
	mmt_cli_error(cmd, "%s: %s (nothing written)", path, strerror(err));
	unlink(tmp);
	free(tmp);
	return err == EISDIR || err == EACCES || err == ENOTDIR ?
		       MMT_EXIT_USAGE :
		       MMT_EXIT_ENV;
}

int mmt_cli_is_text_name(const char *path)
{
	size_t n = strlen(path);

	return n >= 4 && strcmp(path + n - 4, ".txt") == 0;
}

/* ------------------------------------------------------------ programs */

/* "0 pages, 1 objects": the op sets this build knows, by id. */
static const char *known_opsets(char *buf, size_t len)
{
	struct mmt_sbuf b;

	mmt_sbuf_init(&b, buf, len);
	for (unsigned int i = 0; i < MMT_NR_OPSETS; i++)
		mmt_sbuf_printf(&b, "%s%u %s", i ? ", " : "", i,
				mmt_opset_name(i));
	return buf;
}

int mmt_cli_load_prog(const char *cmd, const char *path, enum mmt_cli_form form,
		      struct mmt_prog *prog, int *is_text)
{
	struct mmt_parse_error perr;
	uint8_t *data;
	size_t len;
	int text, rc;

	rc = mmt_cli_read_file(cmd, path, MMT_CLI_MAX_FILE, &data, &len);
	if (rc != MMT_EXIT_OK)
		return rc;
	if (form == MMT_FORM_AUTO)
		text = mmt_cli_is_text_name(path);
	else
		text = form == MMT_FORM_TEXT;
	if (is_text)
		*is_text = text;
	if (text) {
		memset(&perr, 0, sizeof(perr));
		if (mmt_prog_parse_text((const char *)data, len, path, prog,
					&perr) != 0) {
			perr.field[sizeof(perr.field) - 1] = 0;
			perr.message[sizeof(perr.message) - 1] = 0;
			fprintf(stderr, "%s:%u:%u: field '%s': %s\n", path,
				perr.line, perr.column, perr.field,
				perr.message);
			free(data);
			return MMT_EXIT_USAGE;
		}
	} else if (mmt_prog_decode(data, len, prog) != 0) {
		mmt_cli_error(cmd, "%s: out of memory decoding %zu bytes", path,
			      len);
		free(data);
		return MMT_EXIT_ENV;
	} else if (!mmt_opset_desc(prog->opset)) {
		char known[160];

		mmt_cli_error(cmd,
			      "%s: byte 0 names op set %u, which this build "
			      "does not know (known: %s)",
			      path, (unsigned int)prog->opset,
			      known_opsets(known, sizeof(known)));
		mmt_prog_free(prog);
		free(data);
		return MMT_EXIT_USAGE;
	}
	free(data);
	return MMT_EXIT_OK;
}

/* ------------------------------------------------------------ targets */

size_t mmt_cli_opset_kinds(enum mmt_opset set, unsigned int *kinds, size_t max)
{
	size_t n = 0;

	/* the set's own kinds first, then those of every set (check) */
	for (unsigned int k = 0; k < MMT_NR_OP_KINDS && n < max; k++)
		if (mmt_op_desc(k)->set == (uint32_t)set)
			kinds[n++] = k;
	for (unsigned int k = 0; k < MMT_NR_OP_KINDS && n < max; k++)
		if (mmt_op_desc(k)->set == MMT_NR_OPSETS)
			kinds[n++] = k;
	return n;
}

/* ------------------------------------------------------------ output */

void mmt_cli_shell_append(char *buf, size_t len, size_t *pos, const char *arg)
{
	struct mmt_sbuf b;

	if (len == 0)
		return;
	if (*pos >= len)
		*pos = len - 1;
	b.buf = buf;
	b.len = len;
	b.pos = *pos;
	if (b.pos > 0)
		mmt_sbuf_putc(&b, ' ');
	mmt_shell_quote(&b, arg);
	*pos = b.pos < len ? b.pos : len - 1;
}

size_t mmt_cli_caps_format(uint32_t caps, char *buf, size_t len)
{
	if (caps)
		return mmt_caps_format(caps, " ", buf, len);
	if (len)
		snprintf(buf, len, "none");
	return 4;
}

/* ------------------------------------------------------------ reports */

void mmt_cli_cmdline_init(struct mmt_cli_cmdline *c, const char *cmd)
{
	c->buf[0] = 0;
	c->pos = 0;
	mmt_cli_cmdline_add(c, mmt_cli_progname);
	mmt_cli_cmdline_add(c, cmd);
}

void mmt_cli_cmdline_add(struct mmt_cli_cmdline *c, const char *arg)
{
	mmt_cli_shell_append(c->buf, sizeof(c->buf), &c->pos, arg);
}

void mmt_cli_cmdline_add_form(struct mmt_cli_cmdline *c, enum mmt_cli_form form)
{
	if (form == MMT_FORM_TEXT)
		mmt_cli_cmdline_add(c, "--text");
	else if (form == MMT_FORM_BINARY)
		mmt_cli_cmdline_add(c, "--binary");
}

void mmt_cli_cmdline_add_file(struct mmt_cli_cmdline *c, const char *path)
{
	if (path[0] == '-')
		mmt_cli_cmdline_add(c, "--");
	mmt_cli_cmdline_add(c, path);
}

void mmt_cli_print_headline(const char *path, const char *verdict,
			    const char *noun, const struct mmt_prog *prog,
			    const struct mmt_report *r, size_t ops_run)
{
	unsigned int nr = r->nr < MMT_REPORT_MAX ? r->nr : MMT_REPORT_MAX;
	size_t first = nr ? r->v[0].op_index : SIZE_MAX;
	const struct mmt_op *op;
	char text[256];

	if (first == MMT_OP_END)
		printf("%s: %s: %lu %s%s, first at the end of input (after %zu "
		       "ops)\n",
		       path, verdict, r->total, noun, r->total == 1 ? "" : "s",
		       ops_run);
	else if (first == MMT_OP_BOOT)
		printf("%s: %s: %lu %s%s, first at boot (before op 0)\n", path,
		       verdict, r->total, noun, r->total == 1 ? "" : "s");
	else
		printf("%s: %s: %lu %s%s, first at op %zu\n", path, verdict,
		       r->total, noun, r->total == 1 ? "" : "s", first);
	if (first >= prog->nr_ops)
		return;
	op = &prog->ops[first];
	mmt_op_format(op, text, sizeof(text));
	if (op->line)
		printf("  op %zu (line %u): %s\n", first, op->line, text);
	else
		printf("  op %zu: %s\n", first, text);
}

void mmt_cli_print_violations(const struct mmt_report *r, const char *noun)
{
	unsigned int i, nr = r->nr < MMT_REPORT_MAX ? r->nr : MMT_REPORT_MAX;

	for (i = 0; i < nr; i++) {
		const struct mmt_violation *v = &r->v[i];

		if (v->op_index == MMT_OP_END || v->op_index == MMT_OP_BOOT)
			printf("  %s %u: %s: %.*s [%.*s] %.*s\n", noun, i + 1,
			       v->op_index == MMT_OP_END ? "end of input" :
							   "at boot",
			       (int)sizeof(v->id), v->id, (int)sizeof(v->layer),
			       v->layer, (int)sizeof(v->message), v->message);
		else
			printf("  %s %u: op %zu: %.*s [%.*s] %.*s\n", noun,
			       i + 1, v->op_index, (int)sizeof(v->id), v->id,
			       (int)sizeof(v->layer), v->layer,
			       (int)sizeof(v->message), v->message);
	}
	if (r->total > nr)
		printf("  ... and %lu more not kept\n", r->total - nr);
}

void mmt_cli_print_state(const char *title, enum mmt_opset set,
			 const char *state, size_t len)
{
	size_t n = strnlen(state, len);

	if (!n)
		return;
	printf("%s (%s):\n%.*s", title,
	       set == MMT_OPSET_OBJECTS ? "live objects" : "buddyinfo", (int)n,
	       state);
	if (state[n - 1] != '\n')
		putchar('\n');
}

/* ------------------------------------------------------------ file runs */

/* Is option id the command's "--target"? (Its value also picks the op set
 * of the binary files mmt_cli_run_files() finds in directories.) */
static int is_target_option(const struct mmt_cli_opt *opts, int id)
{
	for (; opts->name; opts++) {
		if (opts->id == id)
			return strcmp(opts->name, "target") == 0;
	}
	return 0;
}

int mmt_cli_parse_run(const char *cmd, int argc, char **argv,
		      const struct mmt_cli_opt *opts, void (*usage)(FILE *out),
		      void (*own)(void *ctx, int id, const char *value),
		      void *ctx, struct mmt_cli_run_args *a)
{
	struct mmt_cli_parser p;
	const char *value;
	int id;

	memset(a, 0, sizeof(*a));
	a->files = calloc((size_t)(argc > 0 ? argc : 1), sizeof(*a->files));
	if (!a->files) {
		mmt_cli_error(cmd, "out of memory");
		return MMT_EXIT_ENV;
	}
	mmt_cli_init(&p, cmd, argc, argv, opts);
	while ((id = mmt_cli_next(&p, &value)) != MMT_CLI_END) {
		switch (id) {
		case MMT_CLI_OPERAND:
			a->files[a->nr_files++] = value;
			break;
		case MMT_CLI_HELP:
			usage(stdout);
			mmt_cli_run_args_free(a);
			return MMT_EXIT_OK;
		case MMT_CLI_ERROR:
			usage(stderr);
			mmt_cli_run_args_free(a);
			return MMT_EXIT_USAGE;
		case MMT_CLI_OPT_ALLOCATOR:
			a->spec = value;
			break;
		case MMT_CLI_OPT_TEXT:
			a->form = MMT_FORM_TEXT;
			break;
		case MMT_CLI_OPT_BINARY:
			a->form = MMT_FORM_BINARY;
			break;
		case MMT_CLI_OPT_TRACE:
			a->trace = 1;
			break;
		default:
			if (is_target_option(opts, id))
				a->target = value;
			own(ctx, id, value);
			break;
		}
	}
	if (a->nr_files == 0) {
		mmt_cli_error(cmd, "no FILE given");
		usage(stderr);
		mmt_cli_run_args_free(a);
		return MMT_EXIT_USAGE;
	}
	if (!a->spec)
		a->spec = mmt_cli_default_allocator();
	return -1;
}

void mmt_cli_run_args_free(struct mmt_cli_run_args *a)
{
	free(a->files);
	a->files = NULL;
	a->nr_files = 0;
}

const char *mmt_cli_default_allocator(void)
{
	const char *env = getenv("MMT_ALLOCATOR");

	return env && *env ? env : "ref-pages";
}

int mmt_cli_select(const char *cmd, const char *flag, const char *spec,
		   const struct mmt_adapter **ad, const char **options)
{
	char err[512] = "";
	int rc = mmt_adapter_select(spec, ad, options, err, sizeof(err));

	/* options create() refuses end the command before any file runs */
	if (rc == 0 && *ad)
		rc = mmt_adapter_try_create(*ad, *options, err, sizeof(err));
	else if (rc == 0)
		rc = MMT_EXIT_USAGE;
	if (rc == 0)
		return MMT_EXIT_OK;
	*ad = NULL;
	mmt_cli_error(cmd, "%s '%s': %s", flag, spec,
		      err[0] ? err : "cannot be used");
	return rc == MMT_EXIT_ENV ? MMT_EXIT_ENV : MMT_EXIT_USAGE;
}

int mmt_cli_check_target(const char *cmd, const char *target)
{
	if (mmt_fuzz_target(target))
		return MMT_EXIT_OK;
	mmt_cli_error(cmd,
		      "--target: unknown fuzz target '%s' (see "
		      "'mmtorture list')",
		      target);
	return MMT_EXIT_USAGE;
}

int mmt_cli_target_runs(const char *cmd, const char *target, const char *path,
			const struct mmt_prog *prog)
{
	const struct mmt_fuzz_target *t = mmt_fuzz_target(target);

	if (!target || (t && (unsigned int)prog->opset < 32 &&
			(t->sets & (1u << prog->opset))))
		return MMT_EXIT_OK;
	mmt_cli_error(cmd,
		      "%s: the program is in op set %s, which --target %s "
		      "does not run (a program names its own op set: leave "
		      "--target out)",
		      path, mmt_opset_name(prog->opset), target);
	return MMT_EXIT_USAGE;
}

/* The op set the program at path names: 0 with *set, or -1 (unreadable,
 * or it does not parse: the run itself will say why). Nothing is printed. */
static int file_opset(const struct mmt_cli_run_args *a, const char *path,
		      enum mmt_opset *set)
{
	int text = a->form == MMT_FORM_AUTO ? mmt_cli_is_text_name(path) :
					      a->form == MMT_FORM_TEXT;
	struct mmt_parse_error perr;
	struct mmt_prog prog;
	uint8_t *data;
	size_t len;
	int rc;

	if (strcmp(path, "-") == 0 ||
	    read_file(NULL, 1, path, MMT_CLI_MAX_FILE, &data, &len))
		return -1;
	memset(&perr, 0, sizeof(perr));
	rc = text ? mmt_prog_parse_text((const char *)data, len, path, &prog,
					&perr) :
		    mmt_prog_decode(data, len, &prog);
	free(data);
	if (rc != 0)
		return -1;
	*set = prog.opset;
	mmt_prog_free(&prog);
	return 0;
}

int mmt_cli_refused(const char *cmd, const char *path, int rc, const char *err,
		    const char *env_default)
{
	if (rc == MMT_EXIT_ENV) {
		mmt_cli_error(cmd, "%s: environment: %s", path,
			      err[0] ? err : env_default);
		return MMT_EXIT_ENV;
	}
	mmt_cli_error(cmd, "%s: %s", path,
		      err[0] ? err : "refused by the executor");
	return MMT_EXIT_USAGE;
}

void mmt_cli_tally_add(struct mmt_cli_tally *t, int rc)
{
	switch (rc) {
	case MMT_EXIT_OK:
		t->nr_ok++;
		break;
	case MMT_EXIT_BUG:
		t->nr_bug++;
		break;
	case MMT_EXIT_ENV:
		t->nr_env++;
		break;
	default:
		t->nr_usage++;
		break;
	}
}

unsigned int mmt_cli_tally_total(const struct mmt_cli_tally *t)
{
	return t->nr_ok + t->nr_bug + t->nr_usage + t->nr_env;
}

unsigned int mmt_cli_tally_skipped(const struct mmt_cli_tally *t)
{
	unsigned int n = 0;

	for (int i = 0; i < MMT_NR_OPSETS; i++)
		n += t->nr_skipped[i];
	return n;
}

int mmt_cli_tally_exit(const struct mmt_cli_tally *t)
{
	if (t->nr_usage)
		return MMT_EXIT_USAGE;
	if (t->nr_env)
		return MMT_EXIT_ENV;
	if (t->nr_bug)
		return MMT_EXIT_BUG;
	return MMT_EXIT_OK;
}

/* What the files of a run are checked against before they run. */
struct skip_rule {
	const struct mmt_cli_run_args *a;
	const struct mmt_adapter *ad[2]; /* the allocators; NULL: none */
};

/* 1 (after "PATH: skipped: ...") when the allocators cannot run path. */
static int skip_file(const struct skip_rule *sr, const char *path,
		     struct mmt_cli_tally *t)
{
	const char *lack[2];
	enum mmt_opset set;
	uint32_t need;
	char caps[32];
	int n = 0;

	if (!sr || !sr->ad[0] || file_opset(sr->a, path, &set) != 0 ||
	    !mmt_opset_desc(set))
		return 0;
	need = mmt_opset_desc(set)->caps;
	for (int i = 0; i < 2; i++) {
		if (sr->ad[i] && (sr->ad[i]->caps & need) != need)
			lack[n++] = sr->ad[i]->name;
	}
	if (n == 0)
		return 0;
	mmt_cli_caps_format(need, caps, sizeof(caps));
	if (n == 2 && strcmp(lack[0], lack[1]) != 0)
		printf("%s: skipped: needs %s ('%s' and '%s' lack it)\n", path,
		       caps, lack[0], lack[1]);
	else
		printf("%s: skipped: needs %s ('%s' lacks it)\n", path, caps,
		       lack[0]);
	fflush(stdout);
	if ((unsigned int)set < MMT_NR_OPSETS)
		t->nr_skipped[set]++;
	return 1;
}

static void walk(const char *cmd, const char *path,
		 int (*fn)(void *ctx, const char *path), void *ctx,
		 struct mmt_cli_tally *t, int depth, const struct skip_rule *sr)
{
	char **names;
	struct stat st;
	int i, n;

	if (strcmp(path, "-") == 0 || stat(path, &st) != 0 ||
	    !S_ISDIR(st.st_mode)) {
		/* a file given by name always runs */
		if (depth == 0 || !skip_file(sr, path, t))
			mmt_cli_tally_add(t, fn(ctx, path));
		return;
	}
	if (depth >= MMT_CLI_MAX_DEPTH) {
		mmt_cli_error(cmd, "%s: directories nested too deep", path);
		mmt_cli_tally_add(t, MMT_EXIT_USAGE);
		return;
	}
	n = mmt_dir_list(path, &names);
	if (n < 0) {
		mmt_cli_error(cmd, "%s: cannot list directory", path);
		mmt_cli_tally_add(t, MMT_EXIT_USAGE);
		return;
	}
	for (i = 0; i < n; i++) {
		size_t len = strlen(path) + strlen(names[i]) + 2;
		char *child = malloc(len);

		if (child) {
			snprintf(child, len, "%s%s%s", path,
				 path[strlen(path) - 1] == '/' ? "" : "/",
				 names[i]);
			walk(cmd, child, fn, ctx, t, depth + 1, sr);
			free(child);
		} else {
			mmt_cli_tally_add(t, MMT_EXIT_ENV);
		}
	}
	mmt_dir_list_free(names, n);
}

void mmt_cli_walk(const char *cmd, const char *path,
		  int (*fn)(void *ctx, const char *path), void *ctx,
		  struct mmt_cli_tally *t)
{
	walk(cmd, path, fn, ctx, t, 0, NULL);
}

/* "needs OBJECTS", or "1 needs PAGES, 2 need OBJECTS" for more than one. */
static void skip_reasons(const struct mmt_cli_tally *t, char *buf, size_t len)
{
	struct mmt_sbuf b;
	int kinds = 0;
	char caps[32];

	mmt_sbuf_init(&b, buf, len);
	for (int i = 0; i < MMT_NR_OPSETS; i++)
		kinds += t->nr_skipped[i] != 0;
	for (int i = 0; i < MMT_NR_OPSETS; i++) {
		if (!t->nr_skipped[i])
			continue;
		mmt_cli_caps_format(mmt_opset_desc((unsigned int)i)->caps, caps,
				    sizeof(caps));
		if (kinds == 1)
			mmt_sbuf_printf(&b, "needs %s", caps);
		else
			mmt_sbuf_printf(&b, "%s%u need%s %s", b.pos ? ", " : "",
					t->nr_skipped[i],
					t->nr_skipped[i] == 1 ? "s" : "", caps);
	}
}

int mmt_cli_run_files(const char *cmd, struct mmt_cli_run_args *a,
		      int (*fn)(void *ctx, const char *path), void *ctx,
		      const char *nothing, const char *ok_word,
		      const char *bug_word)
{
	struct mmt_cli_tally t;
	struct skip_rule sr;
	char why[128];
	const char *opts;
	unsigned int skipped;
	size_t i;

	memset(&t, 0, sizeof(t));
	memset(&sr, 0, sizeof(sr));
	sr.a = a;
	sr.ad[0] = a->ad[0];
	sr.ad[1] = a->ad[1];
	/* no allocator given: spec's (selected already by the command) */
	if (!sr.ad[0] && a->spec &&
	    mmt_adapter_select(a->spec, &sr.ad[0], &opts, why, sizeof(why)))
		sr.ad[0] = NULL;
	for (i = 0; i < a->nr_files; i++)
		walk(cmd, a->files[i], fn, ctx, &t, 0, &sr);
	mmt_cli_run_args_free(a);
	skipped = mmt_cli_tally_skipped(&t);
	skip_reasons(&t, why, sizeof(why));
	if (mmt_cli_tally_total(&t) == 0) {
		if (skipped)
			mmt_cli_error(cmd,
				      "nothing to %s: every file found was "
				      "skipped (%s)",
				      nothing, why);
		else
			mmt_cli_error(cmd,
				      "nothing to %s: the directories given "
				      "hold no files",
				      nothing);
		return MMT_EXIT_USAGE;
	}
	if (mmt_cli_tally_total(&t) + skipped > 1) {
		printf("%s: %u %s, %u %s, %u bad input, %u environment", cmd,
		       t.nr_ok, ok_word, t.nr_bug, bug_word, t.nr_usage,
		       t.nr_env);
		if (skipped)
			printf("; %u ran, %u skipped (%s)", t.nr_ok + t.nr_bug,
			       skipped, why);
		putchar('\n');
	}
	return mmt_cli_tally_exit(&t);
}
