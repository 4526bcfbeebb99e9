/* SPDX-License-Identifier: MIT */
/*
 * registry.c - which adapters exist and how a --allocator spec names one.
 *
 * Built-ins live in a const table in a fixed order. A spec is
 * "NAME[:options]" for a built-in, or "PATH.so[:options]" (anything with
 * a '/' or a name ending in ".so") for a plug-in, loaded by plugin.c.
 * The options text is handed to create() untouched.
 *
 * Availability is probed lazily: the built-in peers (glibc, jemalloc,
 * mimalloc, tcmalloc; adapters/peers.c) dlopen their library only when a
 * caller first asks about them, mmt_adapters_builtin() (which `mmtorture
 * list` uses) probes every entry, mmt_adapter_select() only the one named.
 * Each entry's probe runs once per process (pthread_once in peers.c); the
 * table entries are written once under probe_lock and never change after.
 *
 * mmt_adapter_validate() is the one place that decides whether a table is
 * usable: ABI version (v1 refused with how to port), struct sizes (at
 * least this ABI's minimum; a field past a table's struct_size reads as
 * absent), name, no reserved capability (CACHES, VMALLOC, DMA: their
 * layers have no table yet), for every declared capability its table, its
 * version and every function it needs, and the declared contract. The
 * upool table is appended to struct mmt_adapter: an adapter whose
 * struct_size ends before it has none, and declaring UPOOL then is
 * refused as a NULL table.
 *
 * mmt_adapter_try_create() is the one place that decides, before any input
 * runs, whether a spec's options are accepted: it creates one instance on
 * the default machine (an arena mapped as the executor maps it, for PAGES
 * without OWN_ARENA) and destroys it at once. Every command and fuzz
 * target calls it right after selecting, so options create() refuses end
 * the run at start-up (exit 2, or 3 for the environment) instead of
 * failing every input one by one.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <mmtorture/exec.h>
#include <mmtorture/machine.h>
#include <mmtorture/ops.h>

#include "../adapters/peers.h"
#include "mmt_internal.h"
#include "mmt_lib.h"
#include "plugin.h"

#define NO_PEER (-1)

/* peer[i]: the enum mmt_peer behind builtins[i], or NO_PEER (always there). */
static const int builtin_peer[] = {
	NO_PEER,	   MMT_PEER_GLIBC,    MMT_PEER_JEMALLOC,
	MMT_PEER_MIMALLOC, MMT_PEER_TCMALLOC,
};

#define NR_BUILTINS (sizeof(builtin_peer) / sizeof(builtin_peer[0]))

/* available starts at 0 for the peers: probe() fills it. */
static struct mmt_adapter_info builtins[NR_BUILTINS] = {
	{ &mmt_adapter_ref_pages, 1, NULL },
	{ &mmt_adapter_glibc, 0, "not probed" },
	{ &mmt_adapter_jemalloc, 0, "not probed" },
	{ &mmt_adapter_mimalloc, 0, "not probed" },
	{ &mmt_adapter_tcmalloc, 0, "not probed" },
};
static int probed[NR_BUILTINS];
static pthread_mutex_t probe_lock = PTHREAD_MUTEX_INITIALIZER;

/* Find out once whether builtins[i] can be used in this process. */
static void probe(size_t i)
{
	const char *why;

	if (builtin_peer[i] == NO_PEER)
		return;
	/* Outside the lock: dlopen runs library constructors. */
	why = mmt_peer_unavailable((enum mmt_peer)builtin_peer[i]);
	pthread_mutex_lock(&probe_lock);
	if (!probed[i]) {
		builtins[i].available = why == NULL;
		builtins[i].why_not = why;
		probed[i] = 1;
	}
	pthread_mutex_unlock(&probe_lock);
}

const struct mmt_adapter_info *mmt_adapters_builtin(size_t *n)
{
	for (size_t i = 0; i < NR_BUILTINS; i++)
		probe(i);
	*n = NR_BUILTINS;
	return builtins;
}

/* Is the part before ':' a plug-in path? Sets *name_len to its length. */
static int is_plugin(const char *spec, size_t *name_len)
{
	const char *so = NULL, *p = spec;

	/* A path may hold ':' itself; the options start after ".so:". */
	while ((p = strstr(p, ".so")) != NULL) {
		if (p[3] == '\0' || p[3] == ':') {
			so = p;
			break;
		}
		p += 3;
	}
	if (so) {
		*name_len = (size_t)(so + 3 - spec);
		return 1;
	}
	*name_len = strcspn(spec, ":");
	return memchr(spec, '/', *name_len) != NULL;
}

int mmt_adapter_select(const char *spec, const struct mmt_adapter **ad,
		       const char **options, char *err, size_t errlen)
{
	size_t n, nb = NR_BUILTINS;
	const struct mmt_adapter_info *b = builtins;
	char known[256] = "";
	size_t kl = 0;

	*ad = NULL;
	*options = "";
	if (!spec || !*spec) {
		snprintf(err, errlen, "empty allocator name");
		return MMT_EXIT_USAGE;
	}
	if (is_plugin(spec, &n)) {
		char path[4096];
		int ret;

		if (n >= sizeof(path)) {
			snprintf(err, errlen, "plug-in path is too long");
			return MMT_EXIT_USAGE;
		}
		memcpy(path, spec, n);
		path[n] = '\0';
		ret = mmt_plugin_load(path, ad, err, errlen);
		if (ret)
			return ret;
		*options = spec[n] == ':' ? spec + n + 1 : "";
		return 0;
	}
	for (size_t i = 0; i < nb; i++) {
		const char *name = b[i].adapter->name;

		if (strlen(name) == n && memcmp(name, spec, n) == 0) {
			probe(i);
			if (!b[i].available) {
				snprintf(err, errlen,
					 "allocator '%s' is not available: %s",
					 name,
					 b[i].why_not ? b[i].why_not : "?");
				return MMT_EXIT_ENV;
			}
			*ad = b[i].adapter;
			*options = spec[n] == ':' ? spec + n + 1 : "";
			return 0;
		}
		kl += (size_t)snprintf(
			known + kl, kl < sizeof(known) ? sizeof(known) - kl : 0,
			"%s%s", i ? ", " : "", name);
		if (kl >= sizeof(known))
			kl = sizeof(known) - 1;
	}
	snprintf(err, errlen,
		 "unknown allocator '%.*s' (known: %s; or a plug-in "
		 "PATH.so)",
		 (int)(n > 64 ? 64 : n), spec, known);
	return MMT_EXIT_USAGE;
}

/* The capability names, by bit (adapter.h's MMT_CAP_*). */
static const char *const cap_names[] = {
	"PAGES", "OBJECTS",	"CACHES",	"VMALLOC",
	"DMA",	 "THREAD_SAFE", "USABLE_SIZE",	"POLICY_BUDDY",
	"ZONES", "OWN_ARENA",	"CHECK",	"TRACE",
	"UPOOL", "WATERMARKS",	"FAULT_INJECT",
};

size_t mmt_caps_format(uint32_t caps, const char *sep, char *buf, size_t len)
{
	struct mmt_sbuf b;

	mmt_sbuf_init(&b, buf, len);
	for (size_t i = 0; i < 32; i++) {
		if (!(caps & (1u << i)))
			continue;
		if (b.pos)
			mmt_sbuf_puts(&b, sep);
		if (i < sizeof(cap_names) / sizeof(cap_names[0]))
			mmt_sbuf_puts(&b, cap_names[i]);
		else
			mmt_sbuf_printf(&b, "bit%zu", i);
	}
	return b.pos;
}

/*
 * The capability tables struct mmt_adapter points at, one row each: the
 * capability that declares it, its field, its type, the struct_size and
 * version this harness reads, and the power-of-two alignment its contract
 * declares (align_name NULL: none). A layer with a table adds its row here, an
 * enum row in need_table and its functions' rows in needs[].
 */
enum need_table {
	IN_PAGES,
	IN_OBJECTS,
	IN_UPOOL,
	NR_CAP_TABLES,
	IN_ADAPTER = NR_CAP_TABLES, /* struct mmt_adapter itself */
};

struct cap_table {
	uint32_t cap;
	const char *cap_name; /* "UPOOL" */
	const char *field; /* "upool" */
	const char *type; /* "mmt_upool_ops" */
	size_t offset; /* of the table's pointer in struct mmt_adapter */
	size_t min_size;
	uint32_t version;
	const char *align_name; /* "upool->align", NULL: none declared */
	size_t align_off; /* of that uint64_t in the table */
	const char *align_hint; /* what to declare instead of a bad one */
};

#define CAP_TABLE(c, f, ver)                                                 \
	.cap = MMT_CAP_##c, .cap_name = #c, .field = #f,                     \
	.type = "mmt_" #f "_ops", .offset = offsetof(struct mmt_adapter, f), \
	.min_size = MMT_##c##_OPS_MIN_SIZE, .version = ver
#define CAP_ALIGN(f, a, hint)     \
	.align_name = #f "->" #a, \
	.align_off = offsetof(struct mmt_##f##_ops, a), .align_hint = hint

static const struct cap_table cap_tables[NR_CAP_TABLES] = {
	[IN_PAGES] = { CAP_TABLE(PAGES, pages, MMT_PAGES_OPS_VERSION) },
	[IN_OBJECTS] = { CAP_TABLE(OBJECTS, objects, MMT_OBJECTS_OPS_VERSION),
			 CAP_ALIGN(objects, min_align,
				   "the alignment every malloc result has, 16 "
				   "for most 64-bit mallocs") },
	[IN_UPOOL] = { CAP_TABLE(UPOOL, upool, MMT_UPOOL_OPS_VERSION),
		       CAP_ALIGN(upool, align,
				 "the alignment every chunk has") },
};

struct cap_need {
	uint32_t cap;
	const char *cap_name;
	const char *field;
	enum need_table table;
	size_t offset; /* of the function pointer in its table */
};

#define NEED(c, t, type, name, f)                           \
	{                                                   \
		MMT_CAP_##c, #c, name, t, offsetof(type, f) \
	}
#define NEED_PAGES(c, f) \
	NEED(c, IN_PAGES, struct mmt_pages_ops, "pages->" #f, f)
#define NEED_OBJECTS(c, f) \
	NEED(c, IN_OBJECTS, struct mmt_objects_ops, "objects->" #f, f)
#define NEED_UPOOL(c, f) \
	NEED(c, IN_UPOOL, struct mmt_upool_ops, "upool->" #f, f)
#define NEED_ADAPTER(c, f) NEED(c, IN_ADAPTER, struct mmt_adapter, #f, f)

static const struct cap_need needs[] = {
	NEED_PAGES(PAGES, alloc),
	NEED_PAGES(PAGES, free),
	NEED_PAGES(OWN_ARENA, arena),
	NEED_OBJECTS(OBJECTS, malloc),
	NEED_OBJECTS(OBJECTS, free),
	NEED_OBJECTS(OBJECTS, realloc),
	NEED_OBJECTS(OBJECTS, aligned),
	NEED_OBJECTS(OBJECTS, calloc),
	NEED_OBJECTS(USABLE_SIZE, usable_size),
	NEED_UPOOL(UPOOL, create),
	NEED_UPOOL(UPOOL, alloc),
	NEED_UPOOL(UPOOL, free),
	NEED_UPOOL(UPOOL, destroy),
	NEED_ADAPTER(CHECK, check),
	NEED_ADAPTER(TRACE, set_trace),
};

/* Capabilities whose layer has no table yet: refused by name. */
static const struct {
	uint32_t cap;
	const char *name;
} reserved_caps[] = {
	{ MMT_CAP_CACHES, "CACHES" },
	{ MMT_CAP_VMALLOC, "VMALLOC" },
	{ MMT_CAP_DMA, "DMA" },
};

/*
 * Copy len bytes at off of a table whose struct_size is size into out; a
 * field that does not lie wholly inside size is absent and reads as zero.
 */
static void abi_read(const void *table, size_t size, size_t off, size_t len,
		     void *out)
{
	if (off + len <= size)
		memcpy(out, (const char *)table + off, len);
	else
		memset(out, 0, len);
}

/*
 * A capability table and its struct_size (from its header), or NULL and 0
 * when the pointer is NULL or lies past the adapter's struct_size.
 */
static const void *cap_table_of(const struct mmt_adapter *ad,
				const struct cap_table *ct, uint32_t *size)
{
	const void *t;

	abi_read(ad, ad->struct_size, ct->offset, sizeof(t), &t);
	*size = 0;
	if (t)
		memcpy(size, t, sizeof(*size));
	return t;
}

/* A capability table's header: present, large enough, a version we read. */
static int check_table(const struct mmt_adapter *ad, const struct cap_table *ct,
		       char *err, size_t errlen)
{
	uint32_t size, ver;
	const void *table = cap_table_of(ad, ct, &size);

	if (!table) {
		snprintf(err, errlen,
			 "adapter '%s': capability %s declared but %s is "
			 "NULL",
			 ad->name, ct->cap_name, ct->field);
		return MMT_EXIT_USAGE;
	}
	/* both header fields sit at the front of every table */
	memcpy(&ver, (const char *)table + sizeof(size), sizeof(ver));
	if (size < ct->min_size) {
		snprintf(err, errlen,
			 "adapter '%s': struct %s: struct_size %u is below "
			 "the %zu bytes of this ABI (rebuild against this "
			 "adapter.h)",
			 ad->name, ct->type, size, ct->min_size);
		return MMT_EXIT_USAGE;
	}
	if (ver != ct->version) {
		snprintf(err, errlen,
			 "adapter '%s': struct %s: version %u, this harness "
			 "reads version %u",
			 ad->name, ct->type, ver, ct->version);
		return MMT_EXIT_USAGE;
	}
	return 0;
}

/* The table and its struct_size a need is read from. */
static const void *need_table(const struct mmt_adapter *ad, enum need_table t,
			      size_t *size)
{
	uint32_t sz;
	const void *table;

	if (t == IN_ADAPTER) {
		*size = ad->struct_size;
		return ad;
	}
	table = cap_table_of(ad, &cap_tables[t], &sz);
	*size = sz;
	return table;
}

/* The header of the adapter: version, size, name, create and destroy. */
static int check_header(const struct mmt_adapter *ad, char *err, size_t errlen)
{
	const char *name = ad->name ? ad->name : "?";

	if (ad->abi_version == 1) {
		snprintf(err, errlen,
			 "adapter '%s': ABI v1 plug-in: rebuild against this "
			 "adapter.h; see docs/adapters.md 'Porting from v1'",
			 name);
		return MMT_EXIT_USAGE;
	}
	if (ad->abi_version != MMT_ADAPTER_ABI_VERSION &&
	    ad->abi_version != 2) {
		snprintf(err, errlen,
			 "adapter '%s': ABI version %u, this mmtorture speaks "
			 "version %u (rebuild it against this "
			 "include/mmtorture/adapter.h)",
			 name, ad->abi_version, MMT_ADAPTER_ABI_VERSION);
		return MMT_EXIT_USAGE;
	}
	if (ad->struct_size < MMT_ADAPTER_MIN_SIZE) {
		snprintf(err, errlen,
			 "adapter '%s': struct mmt_adapter: struct_size %u is "
			 "below the %zu bytes of ABI version %u",
			 name, ad->struct_size, (size_t)MMT_ADAPTER_MIN_SIZE,
			 MMT_ADAPTER_ABI_VERSION);
		return MMT_EXIT_USAGE;
	}
	if (!ad->name || !ad->name[0]) {
		snprintf(err, errlen, "adapter has no name");
		return MMT_EXIT_USAGE;
	}
	if (!ad->create || !ad->destroy) {
		snprintf(err, errlen, "adapter '%s': %s is NULL", ad->name,
			 !ad->create ? "create" : "destroy");
		return MMT_EXIT_USAGE;
	}
	return 0;
}

/* The capabilities declared: none reserved, every table well formed. */
static int check_caps(const struct mmt_adapter *ad, char *err, size_t errlen)
{
	int ret;

	for (size_t i = 0; i < sizeof(reserved_caps) / sizeof(*reserved_caps);
	     i++) {
		if (ad->caps & reserved_caps[i].cap) {
			snprintf(err, errlen,
				 "adapter '%s': capability %s is not "
				 "supported by this harness yet",
				 ad->name, reserved_caps[i].name);
			return MMT_EXIT_USAGE;
		}
	}
	if ((ad->caps & MMT_CAP_OWN_ARENA) && !(ad->caps & MMT_CAP_PAGES)) {
		snprintf(err, errlen,
			 "adapter '%s': capability OWN_ARENA declared without "
			 "PAGES",
			 ad->name);
		return MMT_EXIT_USAGE;
	}
	for (size_t i = 0; i < NR_CAP_TABLES; i++) {
		if (!(ad->caps & cap_tables[i].cap))
			continue;
		ret = check_table(ad, &cap_tables[i], err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * What the tables declare beyond the functions: a declared alignment must
 * be a power of two. Runs after check_caps, so every declared table is
 * there and holds its contract fields.
 */
static int check_contract(const struct mmt_adapter *ad, char *err,
			  size_t errlen)
{
	for (size_t i = 0; i < NR_CAP_TABLES; i++) {
		const struct cap_table *ct = &cap_tables[i];
		uint32_t size;
		uint64_t a;

		if (!(ad->caps & ct->cap) || !ct->align_name)
			continue;
		memcpy(&a,
		       (const char *)cap_table_of(ad, ct, &size) +
			       ct->align_off,
		       sizeof(a));
		if (a != 0 && !(a & (a - 1)))
			continue;
		snprintf(err, errlen,
			 "adapter '%s': %s %llu is not a power of two "
			 "(declare %s)",
			 ad->name, ct->align_name, (unsigned long long)a,
			 ct->align_hint);
		return MMT_EXIT_USAGE;
	}
	return 0;
}

int mmt_adapter_validate(const struct mmt_adapter *ad, char *err, size_t errlen)
{
	int ret;

	if (!ad) {
		snprintf(err, errlen, "no adapter table");
		return MMT_EXIT_USAGE;
	}
	ret = check_header(ad, err, errlen);
	if (!ret)
		ret = check_caps(ad, err, errlen);
	if (ret)
		return ret;
	for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
		void (*fn)(void);
		size_t size;
		const void *t;

		if (!(ad->caps & needs[i].cap))
			continue;
		t = need_table(ad, needs[i].table, &size);
		abi_read(t, size, needs[i].offset, sizeof(fn), &fn);
		if (!fn) {
			snprintf(err, errlen,
				 "adapter '%s': capability %s declared but %s "
				 "is NULL",
				 ad->name, needs[i].cap_name, needs[i].field);
			return MMT_EXIT_USAGE;
		}
	}
	return check_contract(ad, err, errlen);
}

/* The env of ABI v2: struct mmt_machine ended at reserved[]. */
struct machine_v2 {
	uint32_t profile, era, page_shift, nr_orders, nr_cpus, nr_banks;
	struct mmt_pfn_range banks[MMT_MAX_RANGES];
	uint32_t nr_reserved;
	struct mmt_pfn_range reserved[MMT_MAX_RANGES];
};

struct env_v2 {
	uint32_t abi_version;
	uint32_t struct_size;
	const char *options;
	struct machine_v2 machine;
	struct mmt_arena arena;
	uint32_t nr_threads;
};

int mmt_adapter_create(const struct mmt_adapter *ad,
		       const struct mmt_adapter_env *env, void **state,
		       char *err, size_t errlen)
{
	struct mmt_machine m;
	struct env_v2 v2;

	if (ad->abi_version != 2)
		return ad->create(env, state, err, errlen);
	mmt_machine_apply_mem(&env->machine, &m);
	memset(&v2, 0, sizeof(v2));
	v2.abi_version = 2;
	v2.struct_size = sizeof(v2);
	v2.options = env->options;
	v2.machine.profile = m.profile;
	v2.machine.era = m.era;
	v2.machine.page_shift = m.page_shift;
	v2.machine.nr_orders = m.nr_orders;
	v2.machine.nr_cpus = m.nr_cpus;
	v2.machine.nr_banks = m.nr_banks;
	memcpy(v2.machine.banks, m.banks, sizeof(v2.machine.banks));
	v2.machine.nr_reserved = m.nr_reserved;
	memcpy(v2.machine.reserved, m.reserved, sizeof(v2.machine.reserved));
	v2.arena = env->arena;
	v2.nr_threads = env->nr_threads;
	/* the layouts agree up to the machine's end: the plug-in reads v2 */
	return ad->create((const struct mmt_adapter_env *)(const void *)&v2,
			  state, err, errlen);
}

int mmt_adapter_try_create(const struct mmt_adapter *ad, const char *options,
			   char *err, size_t errlen)
{
	struct mmt_exec *ex = NULL;
	struct mmt_prog prog;
	int ret;

	/* no op set it runs: nothing to create it for, but the table */
	if (!ad || !(ad->caps & (MMT_CAP_PAGES | MMT_CAP_OBJECTS)))
		return mmt_adapter_validate(ad, err, errlen);
	/* An empty program on the default machine, opened the way every run
	 * opens one (validation, env, arena, create() error mapping). */
	mmt_prog_init(&prog, (ad->caps & MMT_CAP_PAGES) ? MMT_OPSET_PAGES :
							  MMT_OPSET_OBJECTS);
	ret = mmt_exec_open(ad, options, &prog, NULL, &ex, err, errlen);
	mmt_exec_close(ex);
	mmt_prog_free(&prog);
	return ret;
}
