/* SPDX-License-Identifier: MIT */
/*
 * crash.c - the crash note of mmtorture/crash.h: which op was running
 * when the allocator aborted, faulted or made ASan report.
 *
 * Chaining. mmt_crash_install() saves each signal's previous action with
 * the sigaction() call that installs ours. Our handler writes the note and
 * then hands the signal on, with the same signal number, siginfo and
 * context:
 *   - a previous SA_SIGINFO handler (ASan's deadly-signal handler,
 *     libFuzzer's, which chains to ASan's for SIGSEGV) or plain handler
 *     (the standalone driver's SIGABRT handler) is called; when it
 *     returns, so do we (for a fault that re-runs the instruction, which
 *     comes back to us, and the note is not written twice);
 *   - the default action: it is put back; a fault the kernel raised
 *     comes again when the instruction re-runs as we return, a signal
 *     that was sent (abort()) is raised again and, blocked while we run,
 *     arrives as we return: either way the process dies of that signal
 *     as it would have (and under TSan, whose own handler sits below the
 *     ones a program sees, the re-run fault reaches it as it would have);
 *   - ignored: the ignore is put back and we return (abort() then resets
 *     and raises itself; a fault is fatal to the kernel anyway).
 * ASan reports that are not signals (a bad free(), an overflow in
 * instrumented code) reach us through __asan_set_error_report_callback,
 * called after ASan printed the report and before it runs the death
 * callbacks (libFuzzer's and the driver's, which save the input) and
 * exits; for a SIGSEGV ASan reports after our handler already wrote the
 * note, which is written once per process.
 *
 * Signal safety: the handler reads the thread's crash point, formats with
 * mmt_op_format() (snprintf into its stack buffer, no allocation) and
 * writes with write(2). It takes no lock and calls no stdio function on
 * a FILE: the trace stream was flushed before the op started, and the
 * CLI's stdout is line buffered.
 *
 * Under ThreadSanitizer the faults it handles itself (SIGSEGV, SIGBUS,
 * SIGFPE) are left to it: its handler sits below the ones a program sees,
 * and one in front of it costs its report the stack ("nested bug in the
 * same thread"). The note comes from its death callback instead, after
 * its report (no other part of a TSan build uses that callback; ASan
 * builds leave it to libFuzzer and the driver).
 *
 * Findings that cannot return (mmt_crash_finding(), called by the handler
 * adapters/ref_pages.c gives ref for its assertions) are not signals: they
 * run on the thread that found them, use stdio, print through the front
 * end's reporter and end the process with exit status 1 (or abort() for a
 * fuzz target, which then goes through the handlers above).
 *
 * A thread without an alternate signal stack gets one (ASan gives the
 * main thread its own), so a stack overflow in the allocator can still be
 * noted.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mmtorture/crash.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CRASH_HAVE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(CRASH_HAVE_ASAN)
#define CRASH_HAVE_ASAN 1
#endif
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CRASH_HAVE_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) && !defined(CRASH_HAVE_TSAN)
#define CRASH_HAVE_TSAN 1
#endif
#ifdef CRASH_HAVE_ASAN
#include <sanitizer/asan_interface.h>
#endif
#ifdef CRASH_HAVE_TSAN
#include <sanitizer/common_interface_defs.h>
#endif

#define CRASH_NR_SIGNALS 5
#define CRASH_ALTSTACK_SIZE (64u << 10)

static const int crash_signals[CRASH_NR_SIGNALS] = { SIGSEGV, SIGBUS, SIGABRT,
						     SIGILL, SIGFPE };
static const char *const crash_signal_names[CRASH_NR_SIGNALS] = {
	"SIGSEGV", "SIGBUS", "SIGABRT", "SIGILL", "SIGFPE"
};
static struct sigaction crash_prev[CRASH_NR_SIGNALS];
static int crash_state; /* 0 not yet, 1 installed, -1 MMT_CRASH_NOTE=0 */
static int crash_report_fd = -1;
static void *crash_altstack;
static volatile sig_atomic_t crash_noted;

struct crash_point {
	const char *adapter;
	const struct mmt_prog *prog;
	size_t op;
	int trace_fd;
	FILE *trace;
};

static _Thread_local struct crash_point crash_cur = { NULL, NULL, 0, -1, NULL };

void mmt_crash_point(const char *adapter, const struct mmt_prog *prog,
		     size_t op, FILE *trace)
{
	if (trace)
		fflush(trace);
	crash_cur.adapter = adapter;
	crash_cur.prog = prog;
	crash_cur.op = op;
	crash_cur.trace_fd = trace ? fileno(trace) : -1;
	crash_cur.trace = trace;
}

/* ------------------------------------------------------------ output */

struct crash_buf {
	char s[640];
	size_t n;
};

static void cb_puts(struct crash_buf *b, const char *s)
{
	while (*s && b->n < sizeof(b->s))
		b->s[b->n++] = *s++;
}

static void cb_putu(struct crash_buf *b, uint64_t v)
{
	char t[24];
	unsigned int i = 0;

	do {
		t[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i && b->n < sizeof(b->s))
		b->s[b->n++] = t[--i];
}

/* v left-aligned in a field of width characters (the "#12    " column). */
static void cb_putu_left(struct crash_buf *b, uint64_t v, unsigned int width)
{
	uint64_t t = v;
	unsigned int digits = 1;

	while (t >= 10) {
		t /= 10;
		digits++;
	}
	cb_putu(b, v);
	for (; digits < width && b->n < sizeof(b->s); digits++)
		b->s[b->n++] = ' ';
}

static void cb_puthex(struct crash_buf *b, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	int shift = 60;

	cb_puts(b, "0x");
	while (shift > 0 && ((v >> shift) & 0xf) == 0)
		shift -= 4;
	for (; shift >= 0 && b->n < sizeof(b->s); shift -= 4)
		b->s[b->n++] = hex[(v >> shift) & 0xf];
}

static void write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void cb_flush(struct crash_buf *b, int fd)
{
	write_all(fd, b->s, b->n);
	b->n = 0;
}

/* Are fds a and b open on one file (a tty, a pipe, a regular file)? */
static int same_file(int a, int b)
{
	struct stat sa, sb;

	if (a == b)
		return 1;
	if (fstat(a, &sa) != 0 || fstat(b, &sb) != 0)
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int fd_open(int fd)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0;
}

/* "SIGSEGV at address 0x0", "SIGABRT", "an AddressSanitizer report". */
static void cb_what(struct crash_buf *b, int sig, const siginfo_t *info)
{
	for (unsigned int i = 0; i < CRASH_NR_SIGNALS; i++) {
		if (crash_signals[i] != sig)
			continue;
		cb_puts(b, crash_signal_names[i]);
		if (info && (sig == SIGSEGV || sig == SIGBUS) &&
		    info->si_code > 0) {
			cb_puts(b, " at address ");
			cb_puthex(b, (uint64_t)(uintptr_t)info->si_addr);
		}
		return;
	}
	cb_puts(b, sig == 0 ? "an AddressSanitizer report" :
			      "a fatal ThreadSanitizer report");
}

static void cb_where(struct crash_buf *b, const struct crash_point *p)
{
	cb_puts(b, " in allocator '");
	cb_puts(b, p->adapter ? p->adapter : "?");
	cb_puts(b, "' during ");
	if (p->op == MMT_CRASH_AT_END || p->op >= p->prog->nr_ops) {
		cb_puts(b, "the end-of-input checks and frees");
		return;
	}
	cb_puts(b, "op #");
	cb_putu(b, p->op);
}

static void cb_op(struct crash_buf *b, const struct mmt_op *op)
{
	char line[256];
	size_t n = mmt_op_format(op, line, sizeof(line));

	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	line[n] = '\0';
	cb_puts(b, line);
}

/*
 * The note, once per process, when the crashing thread is in a run. sig
 * 0: an ASan report, -1: TSan's death.
 */
static void crash_note(int sig, const siginfo_t *info)
{
	struct crash_point p = crash_cur;
	struct crash_buf b;
	size_t ran, i;
	int at_end, fds[2], nfds = 0;

	if (!p.prog || crash_noted)
		return;
	crash_noted = 1;
	at_end = p.op == MMT_CRASH_AT_END || p.op >= p.prog->nr_ops;
	ran = at_end ? p.prog->nr_ops : p.op;

	b.n = 0;
	cb_puts(&b, "==== crash: ");
	cb_what(&b, sig, info);
	cb_where(&b, &p);
	cb_puts(&b, " (");
	cb_putu(&b, p.prog->nr_ops);
	cb_puts(&b, " ops, ");
	if (at_end) {
		cb_puts(&b, "all ran)\n");
	} else {
		cb_putu(&b, ran);
		cb_puts(&b, " ran before it)\n");
	}
	cb_flush(&b, 2);
	for (i = 0; i < ran; i++) {
		cb_puts(&b, "#");
		cb_putu_left(&b, i, 6);
		cb_puts(&b, " ");
		cb_op(&b, &p.prog->ops[i]);
		cb_puts(&b, "\n");
		cb_flush(&b, 2);
	}
	if (!at_end) {
		cb_puts(&b, "#");
		cb_putu_left(&b, p.op, 6);
		cb_puts(&b, " ");
		cb_op(&b, &p.prog->ops[p.op]);
		cb_puts(&b, "   <- running\n");
	}
	cb_puts(&b, "==== crash: end of note; ");
	cb_puts(&b, sig > 0 ? "the signal goes on to the handler that was "
			      "there before\n" :
			      "the sanitizer ends the process\n");
	cb_flush(&b, 2);

	/* One line on the trace and report streams, when they are not
	 * stderr (a file, a pipe): the trace ends in the op line that was
	 * running, hence the newline first. */
	if (fd_open(p.trace_fd) && !same_file(p.trace_fd, 2))
		fds[nfds++] = p.trace_fd;
	if (fd_open(crash_report_fd) && !same_file(crash_report_fd, 2) &&
	    !(nfds && same_file(crash_report_fd, fds[0])))
		fds[nfds++] = crash_report_fd;
	for (int k = 0; k < nfds; k++) {
		cb_puts(&b,
			fds[k] == p.trace_fd ? "\n!! crash: " : "!! crash: ");
		cb_what(&b, sig, info);
		cb_where(&b, &p);
		if (!at_end) {
			cb_puts(&b, ": ");
			cb_op(&b, &p.prog->ops[p.op]);
		}
		cb_puts(&b, "\n");
		cb_flush(&b, fds[k]);
	}
}

/* ------------------------------------------------------------ handlers */

static void crash_chain(int sig, siginfo_t *info, void *uc)
{
	const struct sigaction *prev = NULL;

	for (unsigned int i = 0; i < CRASH_NR_SIGNALS; i++)
		if (crash_signals[i] == sig)
			prev = &crash_prev[i];
	if (!prev)
		return;
	if ((prev->sa_flags & SA_SIGINFO) && prev->sa_sigaction) {
		prev->sa_sigaction(sig, info, uc);
		return;
	}
	if (!(prev->sa_flags & SA_SIGINFO) && prev->sa_handler != SIG_DFL &&
	    prev->sa_handler != SIG_IGN) {
		prev->sa_handler(sig);
		return;
	}
	/*
	 * The default action (or ignored): put it back. A fault the kernel
	 * raised (si_code > 0) happens again when we return, with its own
	 * siginfo, and goes to what is installed now; a signal that was
	 * sent (abort(), kill) is sent again, and arrives as we return.
	 */
	sigaction(sig, prev, NULL);
	if (info && info->si_code > 0)
		return;
	if ((prev->sa_flags & SA_SIGINFO) || prev->sa_handler != SIG_IGN)
		raise(sig);
}

static void crash_on_signal(int sig, siginfo_t *info, void *uc)
{
	int saved = errno;

	crash_note(sig, info);
	errno = saved;
	crash_chain(sig, info, uc);
}

#ifdef CRASH_HAVE_ASAN
static void crash_on_asan_report(const char *report)
{
	(void)report;
	crash_note(0, NULL);
}
#endif

#ifdef CRASH_HAVE_TSAN
static void crash_on_tsan_death(void)
{
	crash_note(-1, NULL);
}
#endif

/* Is sig one we put our handler on? */
static int crash_handles(int sig)
{
#ifdef CRASH_HAVE_TSAN
	if (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE)
		return 0;
#endif
	(void)sig;
	return 1;
}

/* An alternate signal stack for the calling thread, unless it has one. */
static void crash_give_altstack(void)
{
	stack_t cur, ss;

	if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_DISABLE))
		return;
	if (!crash_altstack)
		crash_altstack = malloc(CRASH_ALTSTACK_SIZE);
	if (!crash_altstack)
		return;
	memset(&ss, 0, sizeof(ss));
	ss.ss_sp = crash_altstack;
	ss.ss_size = CRASH_ALTSTACK_SIZE;
	sigaltstack(&ss, NULL);
}

int mmt_crash_install(FILE *report)
{
	const char *env;
	struct sigaction sa;

	if (crash_state)
		return crash_state > 0 ? 0 : -1;
	env = getenv("MMT_CRASH_NOTE");
	if (env && strcmp(env, "0") == 0) {
		crash_state = -1;
		return -1;
	}
	crash_state = 1;
	crash_report_fd = report ? fileno(report) : -1;
	crash_give_altstack();
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = crash_on_signal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (unsigned int i = 0; i < CRASH_NR_SIGNALS; i++)
		if (crash_handles(crash_signals[i]))
			sigaction(crash_signals[i], &sa, &crash_prev[i]);
#ifdef CRASH_HAVE_ASAN
	__asan_set_error_report_callback(crash_on_asan_report);
#endif
#ifdef CRASH_HAVE_TSAN
	__sanitizer_set_death_callback(crash_on_tsan_death);
#endif
	return 0;
}

/* ------------------------------------------------------------ findings */

static mmt_crash_report_fn finding_fn;
static void *finding_ctx;
static int finding_abort;
static atomic_flag finding_taken = ATOMIC_FLAG_INIT;

void mmt_crash_set_reporter(mmt_crash_report_fn fn, void *ctx, int abort_after)
{
	finding_fn = fn;
	finding_ctx = ctx;
	finding_abort = abort_after;
}

/* "ID in allocator 'A' during op #K: OP", or "... during the end-of-input
 * checks and frees". */
static void finding_where(char *buf, size_t len, const struct crash_point *p,
			  const char *id)
{
	char op[256] = "";
	int at_end = p->op == MMT_CRASH_AT_END || p->op >= p->prog->nr_ops;

	if (!at_end)
		mmt_op_format(&p->prog->ops[p->op], op, sizeof(op));
	if (at_end)
		snprintf(buf, len,
			 "%s in allocator '%s' during the end-of-input checks "
			 "and frees",
			 id, p->adapter ? p->adapter : "?");
	else
		snprintf(buf, len, "%s in allocator '%s' during op #%zu: %s",
			 id, p->adapter ? p->adapter : "?", p->op, op);
}

_Noreturn void mmt_crash_finding(const char *id, const char *layer,
				 const char *message)
{
	struct crash_point p = crash_cur;
	struct mmt_crash_finding f;
	char where[400];
	int report_fd = crash_report_fd;

	if (atomic_flag_test_and_set(&finding_taken))
		for (;;)
			pause(); /* another thread is reporting: wait for _exit */
	memset(&f, 0, sizeof(f));
	snprintf(f.v.id, sizeof(f.v.id), "%s", id);
	snprintf(f.v.layer, sizeof(f.v.layer), "%s", layer);
	snprintf(f.v.message, sizeof(f.v.message), "%s", message);
	f.v.op_index = MMT_CRASH_AT_END;
	if (p.prog) {
		f.adapter = p.adapter;
		f.prog = p.prog;
		if (p.op < p.prog->nr_ops)
			f.v.op_index = p.op;
		finding_where(where, sizeof(where), &p, id);
		if (p.trace) {
			fprintf(p.trace, "\n!! %s\n", where);
			fflush(p.trace);
		}
	}
	if (finding_fn) {
		finding_fn(finding_ctx, &f);
	} else if (p.prog) {
		fflush(NULL);
		if (f.v.op_index == MMT_CRASH_AT_END)
			fprintf(stderr,
				"==== finding: %s [%s] during the end-of-input "
				"checks and frees of allocator '%s': %s\n",
				id, layer, p.adapter ? p.adapter : "?",
				message);
		else
			fprintf(stderr,
				"==== finding: %s [%s] during op #%zu of "
				"allocator '%s': %s\n",
				id, layer, p.op, p.adapter ? p.adapter : "?",
				message);
		fflush(stderr);
		if (fd_open(report_fd) && !same_file(report_fd, 2) &&
		    !(fd_open(p.trace_fd) &&
		      same_file(report_fd, p.trace_fd))) {
			struct crash_buf b = { .n = 0 };

			cb_puts(&b, "!! ");
			cb_puts(&b, where);
			cb_puts(&b, "\n");
			fflush(NULL);
			cb_flush(&b, report_fd);
		}
	} else {
		fprintf(stderr, "==== finding: %s [%s] outside a run: %s\n", id,
			layer, message);
	}
	fflush(NULL);
	if (finding_abort) {
		if (finding_fn)
			crash_noted = 1; /* the reporter printed the program */
		abort();
	}
	_exit(MMT_EXIT_BUG);
}
