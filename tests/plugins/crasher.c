/* SPDX-License-Identifier: MIT */
/*
 * crasher.c - a plug-in that crashes on purpose, for the crash note tests
 * (tests/tools/crash.sh). It is the example buddy (simple_buddy.c,
 * included whole, its entry renamed) with one change: the Nth allocation
 * of an instance crashes. Until then it behaves as simple-buddy does, so
 * a run (or a diff against ref-pages) gets that far without a finding.
 *
 * Options: MODE or MODE=N, N the allocation that crashes (counted from 1
 * per instance; default 3):
 *   abort    abort()                                      SIGABRT
 *   null     a write through a NULL pointer               SIGSEGV
 *   bus      a write to a shared mapping past its file's end  SIGBUS
 *   ill      an illegal instruction (__builtin_trap)      SIGILL
 *   fpe      an integer division by zero                  SIGFPE
 *   badfree  free() of an address malloc never returned (an ASan report;
 *            without ASan glibc aborts)
 *   none     never crashes
 */
#define _GNU_SOURCE
#define mmt_adapter_entry crasher_inner_entry
#include "../../adapters/examples/simple_buddy/simple_buddy.c"
#undef mmt_adapter_entry

#include <sys/mman.h>
#include <unistd.h>

enum crasher_mode {
	CR_NONE,
	CR_ABORT,
	CR_NULL,
	CR_BUS,
	CR_ILL,
	CR_FPE,
	CR_BADFREE,
};

static const char *const crasher_modes[] = { "none", "abort", "null",	"bus",
					     "ill",  "fpe",   "badfree" };

struct crasher {
	const struct mmt_adapter *inner;
	void *inner_state;
	enum crasher_mode mode;
	unsigned long nth; /* the allocation that crashes */
	unsigned long allocs; /* allocations so far */
};

static char crasher_not_heap[32];

static int crasher_parse(const char *opt, struct crasher *c, char *err,
			 size_t errlen)
{
	size_t len = strcspn(opt, "=");
	char *end;

	c->mode = CR_NONE;
	c->nth = 3;
	for (size_t i = 0; i < sizeof(crasher_modes) / sizeof(*crasher_modes);
	     i++) {
		if (strlen(crasher_modes[i]) == len &&
		    strncmp(opt, crasher_modes[i], len) == 0) {
			c->mode = (enum crasher_mode)i;
			if (opt[len] != '=')
				return 0;
			c->nth = strtoul(opt + len + 1, &end, 10);
			if (end != opt + len + 1 && !*end && c->nth > 0)
				return 0;
			break;
		}
	}
	snprintf(err, errlen,
		 "crasher: option '%s': want MODE or MODE=N (N > 0), MODE "
		 "one of none abort null bus ill fpe badfree",
		 opt);
	return -EINVAL;
}

static int crasher_create(const struct mmt_adapter_env *env, void **state,
			  char *err, size_t errlen)
{
	struct mmt_adapter_env inner_env = *env;
	struct crasher *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return -ENOMEM;
	rc = crasher_parse(env->options, c, err, errlen);
	if (rc) {
		free(c);
		return rc;
	}
	c->inner = crasher_inner_entry();
	inner_env.options = "";
	rc = c->inner->create(&inner_env, &c->inner_state, err, errlen);
	if (rc) {
		free(c);
		return rc;
	}
	*state = c;
	return 0;
}

static void crasher_destroy(void *state)
{
	struct crasher *c = state;

	c->inner->destroy(c->inner_state);
	free(c);
}

static void crasher_bus(void)
{
	int fd = memfd_create("crasher", 0);
	volatile char *p;

	if (fd < 0)
		abort();
	/* The file is empty: touching its first page is SIGBUS. */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		abort();
	p[0] = 1;
	close(fd);
}

static void crasher_crash(enum crasher_mode mode)
{
	int *volatile null_ptr = NULL;
	volatile int one = 1, zero = 0, quotient;
	char *volatile not_heap = crasher_not_heap + 8;

	switch (mode) {
	case CR_ABORT:
		abort();
	case CR_NULL:
		*null_ptr = 1;
		break;
	case CR_BUS:
		crasher_bus();
		break;
	case CR_ILL:
		__builtin_trap();
	case CR_FPE:
		quotient = one / zero; /* both unknown: an idiv */
		(void)quotient;
		break;
	case CR_BADFREE:
		free(not_heap);
		break;
	case CR_NONE:
		break;
	}
}

static int crasher_alloc(void *state, unsigned int order, uint32_t gfp,
			 uint32_t api, void **addr)
{
	struct crasher *c = state;

	if (++c->allocs == c->nth)
		crasher_crash(c->mode);
	return c->inner->pages->alloc(c->inner_state, order, gfp, api, addr);
}

static int crasher_free(void *state, void *addr, unsigned int order,
			uint32_t api)
{
	struct crasher *c = state;

	return c->inner->pages->free(c->inner_state, addr, order, api);
}

static const struct mmt_pages_ops crasher_pages = {
	.struct_size = sizeof(struct mmt_pages_ops),
	.version = MMT_PAGES_OPS_VERSION,
	.alloc = crasher_alloc,
	.free = crasher_free,
};

static const struct mmt_adapter crasher = {
	.abi_version = MMT_ADAPTER_ABI_VERSION,
	.struct_size = sizeof(struct mmt_adapter),
	.name = "crasher",
	.description = "simple-buddy that crashes on its Nth allocation",
	.caps = MMT_CAP_PAGES | MMT_CAP_ZONES | MMT_CAP_POLICY_BUDDY,
	.create = crasher_create,
	.destroy = crasher_destroy,
	.pages = &crasher_pages,
};

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void);

MMT_EXPORT const struct mmt_adapter *mmt_adapter_entry(void)
{
	return &crasher;
}
