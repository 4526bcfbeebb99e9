/* SPDX-License-Identifier: MIT */
/*
 * shadow_objects.c - the shadow model of an OBJECTS (malloc family)
 * allocator: an independent oracle for malloc/calloc/realloc/aligned/free.
 *
 * State: slots[256] ({addr, size, usable, align, fill seed}) and an index
 * of the live objects sorted by address, each as [addr, addr + max(extent,
 * 1)), where extent is the usable size (MMT_CAP_USABLE_SIZE: the
 * allocator's promise, mmt_usable_extent()) or else the size asked. Objects in the index never overlap (an object that would is
 * reported and left out of it), so their ends are sorted too and a new
 * range [a, e) can only overlap the entry with the largest start below e:
 * a binary search, O(log n); insert and remove move at most 255 entries.
 *
 * Alignment (OBJ-ALIGN): C11 7.22.3 promises memory "suitably aligned for
 * any object type with fundamental alignment", which C17 (DR 445) and C23
 * weakened to "any type that fits in the size asked". Allocators follow
 * the weak form for tiny sizes: glibc aligns everything to 16 on x86_64
 * (2 * sizeof(size_t)), but jemalloc, mimalloc and tcmalloc serve 1..8
 * bytes from an 8-byte size class aligned only to 8; an embedded malloc
 * may give 8 to everything. So the allocator declares min_align, and the
 * rule checked is min(min_align, largest power of two <= size) (size 0
 * counts as 1, so no constraint); aligned(size, A) must be A-aligned.
 *
 * Capacity (OBJ-NULL): a NULL is a finding only for a request of 1 to
 * max_size bytes (any size when the allocator declares max_size 0); a
 * larger one may fail, and when it succeeds it is checked as any other.
 *
 * Fill: at allocation the shadow writes a pattern over the first 4 KiB,
 * the last 4 KiB and 64 evenly spaced 8-byte words in between (so a 64 MiB
 * object costs about 8.5 KiB of writes and touches few pages). Byte i of
 * an object with seed f is byte (i % 8) of mmt_mix64(f ^ (i / 8) * K): a pure
 * function of the seed and the offset, never of the address, and the seed
 * is a function of the run's seed, the slot and the op index, so two
 * correct allocators give equal contents and equal digests.
 * The usable bytes beyond the request get the pattern too (their first
 * and last 4 KiB), so a usable range that reaches into a neighbour is
 * seen as the neighbour's or its own OBJ-FILL when the overlap index did
 * not see it first.
 * At free and before realloc the same positions are compared (OBJ-FILL);
 * after realloc the old positions below min(old, new) are compared in the
 * new object (OBJ-REALLOC) before the new fill is written; calloc memory
 * is read at the same positions for zeros (OBJ-ZERO).
 *
 * Digests (struct mmt_op_outcome): calloc, the bytes read at the fill
 * positions before the fill is written (zeros for a correct allocator);
 * realloc, the bytes of the preserved prefix at the old fill positions.
 * Both mixed with the length they cover.
 *
 * Fill and compare run a word (8 bytes) at a time where the offsets allow:
 * the pattern of word w is mmt_mix64(f ^ w * K) stored little endian, which
 * is the byte rule above.
 *
 * A shadow is not thread safe: one per executor run. The only global is
 * the park of destroyed shadows kept for reuse (park_lock).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmt_lib.h"
#include "shadow_objects.h"

#define FILL_HEAD 4096u /* bytes filled at the start */
#define FILL_TAIL 4096u /* bytes filled at the end */
#define FILL_WORDS 64u /* sampled 8-byte words in between */
#define MAX_SPANS (FILL_WORDS + 2u)
#define ADDR_ALIGN_CAP 4096u

struct fill_span {
	uint64_t off, len;
};

struct obj_range {
	uintptr_t start, end; /* [start, end) */
	unsigned int slot;
};

struct mmt_objshadow {
	uint32_t caps;
	uint64_t min_align; /* declared: bytes, a power of two */
	uint64_t max_size; /* declared: bytes, 0 = no limit */
	uint64_t seed;
	struct mmt_objshadow_obj slots[MMT_NR_SLOTS];
	size_t nr_live;
	uint64_t live_bytes;
	unsigned int nr_index;
	struct obj_range index[MMT_NR_SLOTS]; /* sorted by start */
};

static const char *kind_name(unsigned int kind)
{
	const char *n = mmt_op_name(kind);

	return n ? n : "?";
}

/*
 * Destroyed shadows are parked for the next creates, PARK_MAX of them (a
 * differential run has two sides): a fuzzer builds shadows for every
 * input, and under the sanitizers each fresh ~22 KiB allocation is new
 * memory (the quarantine), whose page faults showed in fuzz_diff's
 * profile. A parked shadow is cleared on reuse, so nothing of a run
 * survives into the next. Guarded by park_lock; freed at exit.
 */
#define PARK_MAX 2

static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mmt_objshadow *parked[PARK_MAX];
static int park_registered;

static void park_free(void)
{
	pthread_mutex_lock(&park_lock);
	for (unsigned int i = 0; i < PARK_MAX; i++) {
		free(parked[i]);
		parked[i] = NULL;
	}
	pthread_mutex_unlock(&park_lock);
}

struct mmt_objshadow *mmt_objshadow_create(uint32_t caps, uint64_t min_align,
					   uint64_t max_size, uint64_t seed)
{
	struct mmt_objshadow *s = NULL;

	pthread_mutex_lock(&park_lock);
	for (unsigned int i = 0; i < PARK_MAX && !s; i++) {
		s = parked[i];
		parked[i] = NULL;
	}
	pthread_mutex_unlock(&park_lock);
	if (s)
		memset(s, 0, sizeof(*s));
	else
		s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->caps = caps;
	s->min_align = min_align;
	s->max_size = max_size;
	s->seed = seed;
	return s;
}

void mmt_objshadow_destroy(struct mmt_objshadow *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&park_lock);
	if (!park_registered) {
		park_registered = 1;
		atexit(park_free);
	}
	for (unsigned int i = 0; i < PARK_MAX && s; i++) {
		if (!parked[i]) {
			parked[i] = s;
			s = NULL;
		}
	}
	pthread_mutex_unlock(&park_lock);
	free(s);
}

const struct mmt_objshadow_obj *
mmt_objshadow_slot(const struct mmt_objshadow *s, unsigned int slot)
{
	return slot < MMT_NR_SLOTS ? &s->slots[slot] : NULL;
}

size_t mmt_objshadow_live_objects(const struct mmt_objshadow *s)
{
	return s->nr_live;
}

uint64_t mmt_objshadow_live_bytes(const struct mmt_objshadow *s)
{
	return s->live_bytes;
}

uint64_t mmt_objshadow_min_align(uint64_t min_align, uint64_t size)
{
	uint64_t a = 1;

	while (a < min_align && a * 2 <= size)
		a *= 2;
	return a;
}

int mmt_objshadow_impossible(uint64_t nmemb, uint64_t size, uint64_t *bytes)
{
	if (size && nmemb > UINT64_MAX / size) {
		*bytes = UINT64_MAX;
		return 1;
	}
	*bytes = nmemb * size;
	return *bytes > (uint64_t)PTRDIFF_MAX;
}

int mmt_objshadow_must_succeed(const struct mmt_objshadow *s, uint64_t size)
{
	return size > 0 && (s->max_size == 0 || size <= s->max_size);
}

uint64_t mmt_objshadow_addr_align(const void *addr)
{
	uint64_t a = (uint64_t)(uintptr_t)addr, p = 1;

	while (p < ADDR_ALIGN_CAP && !(a & p))
		p *= 2;
	return p;
}

/* ------------------------------------------------------------ fill */

/* The positions filled in an object of size bytes, in increasing order. */
static unsigned int fill_spans(uint64_t size, struct fill_span *sp)
{
	unsigned int n = 0;
	uint64_t tail;

	if (size == 0)
		return 0;
	sp[n].off = 0;
	sp[n++].len = size < FILL_HEAD ? size : FILL_HEAD;
	if (size <= FILL_HEAD)
		return n;
	tail = size - FILL_TAIL > FILL_HEAD ? size - FILL_TAIL : FILL_HEAD;
	if (tail > FILL_HEAD) {
		uint64_t mid = tail - FILL_HEAD, prev_end = FILL_HEAD;

		for (uint64_t k = 0; k < FILL_WORDS; k++) {
			uint64_t off = FILL_HEAD +
				       (mid * (2 * k + 1)) / (2 * FILL_WORDS);

			off &= ~7ULL;
			if (off < prev_end || off + 8 > tail)
				continue;
			sp[n].off = off;
			sp[n++].len = 8;
			prev_end = off + 8;
		}
	}
	sp[n].off = tail;
	sp[n++].len = size - tail;
	return n;
}

/* The 8 pattern bytes of word w (offsets 8w..8w+7), byte k of the word
 * in bits 8k..8k+7. */
static uint64_t pattern_word(uint64_t fill, uint64_t w)
{
	return mmt_mix64(fill ^ (w * 0x100000001b3ULL));
}

/* Little-endian 8-byte store and load at any alignment, one move each
 * (and one sanitizer check, where byte stores would cost eight). */
static uint64_t to_le64(uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(v);
#else
	return v;
#endif
}

static void store_le64(uint8_t *p, uint64_t v)
{
	v = to_le64(v);
	memcpy(p, &v, 8);
}

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return to_le64(v);
}

/* Write the pattern over [off, end): whole words where the offset is a
 * multiple of 8, bytes at the ragged edges. */
static void fill_range(uint8_t *p, uint64_t off, uint64_t end, uint64_t fill)
{
	uint64_t i = off;

	while (i < end) {
		uint64_t w = pattern_word(fill, i >> 3), stop;

		if (!(i & 7) && end - i >= 8) {
			store_le64(p + i, w);
			i += 8;
			continue;
		}
		stop = (i | 7) + 1 < end ? (i | 7) + 1 : end;
		for (; i < stop; i++)
			p[i] = (uint8_t)(w >> ((i & 7) * 8));
	}
}

/* First offset in [off, end) where p differs from the pattern, or
 * UINT64_MAX. */
static uint64_t range_first_bad(const uint8_t *p, uint64_t off, uint64_t end,
				uint64_t fill)
{
	uint64_t i = off;

	while (i < end) {
		uint64_t w = pattern_word(fill, i >> 3), stop;

		if (!(i & 7) && end - i >= 8 && load_le64(p + i) == w) {
			i += 8;
			continue;
		}
		/* a ragged edge, or a word that differs: find the byte */
		stop = (i | 7) + 1 < end ? (i | 7) + 1 : end;
		for (; i < stop; i++)
			if (p[i] != (uint8_t)(w >> ((i & 7) * 8)))
				return i;
	}
	return UINT64_MAX;
}

static void fill_write(uint8_t *p, uint64_t size, uint64_t fill)
{
	struct fill_span sp[MAX_SPANS];
	unsigned int n = fill_spans(size, sp);

	for (unsigned int k = 0; k < n; k++)
		fill_range(p, sp[k].off, sp[k].off + sp[k].len, fill);
}

/*
 * Compare p against the fill of an object of size bytes with seed fill,
 * at the positions below limit. Returns the first bad offset, or
 * UINT64_MAX when intact.
 */
static uint64_t fill_first_bad(const uint8_t *p, uint64_t size, uint64_t fill,
			       uint64_t limit)
{
	struct fill_span sp[MAX_SPANS];
	unsigned int n = fill_spans(size, sp);

	for (unsigned int k = 0; k < n && sp[k].off < limit; k++) {
		uint64_t end = sp[k].off + sp[k].len, bad;

		bad = range_first_bad(p, sp[k].off, end < limit ? end : limit,
				      fill);
		if (bad != UINT64_MAX)
			return bad;
	}
	return UINT64_MAX;
}

/*
 * The usable bytes beyond the request, [size, extent): the first
 * FILL_HEAD and the last FILL_TAIL of them. Returns the spans written.
 */
static unsigned int slack_spans(uint64_t size, uint64_t extent,
				struct fill_span *sp)
{
	unsigned int n = 0;
	uint64_t head_end, tail;

	if (extent <= size)
		return 0;
	head_end = extent - size > FILL_HEAD ? size + FILL_HEAD : extent;
	sp[n].off = size;
	sp[n++].len = head_end - size;
	tail = extent - FILL_TAIL > head_end ? extent - FILL_TAIL : head_end;
	if (tail < extent) {
		sp[n].off = tail;
		sp[n++].len = extent - tail;
	}
	return n;
}

static void slack_write(uint8_t *p, uint64_t size, uint64_t extent,
			uint64_t fill)
{
	struct fill_span sp[2];
	unsigned int n = slack_spans(size, extent, sp);

	for (unsigned int k = 0; k < n; k++)
		fill_range(p, sp[k].off, sp[k].off + sp[k].len, fill);
}

static uint64_t slack_first_bad(const uint8_t *p, uint64_t size,
				uint64_t extent, uint64_t fill)
{
	struct fill_span sp[2];
	unsigned int n = slack_spans(size, extent, sp);

	for (unsigned int k = 0; k < n; k++) {
		uint64_t bad = range_first_bad(p, sp[k].off,
					       sp[k].off + sp[k].len, fill);

		if (bad != UINT64_MAX)
			return bad;
	}
	return UINT64_MAX;
}

/*
 * Digest of p at the fill positions of an object of size bytes below
 * limit; *first_nonzero gets the first non-zero offset (UINT64_MAX none).
 */
static uint64_t digest_positions(const uint8_t *p, uint64_t size,
				 uint64_t limit, uint64_t *first_nonzero)
{
	struct fill_span sp[MAX_SPANS];
	unsigned int n = fill_spans(size, sp);
	uint64_t h = mmt_mix64(0x6f626a64ULL ^ (limit < size ? limit : size));

	*first_nonzero = UINT64_MAX;
	for (unsigned int k = 0; k < n; k++) {
		uint64_t end = sp[k].off + sp[k].len;

		if (end > limit)
			end = limit;
		for (uint64_t i = sp[k].off; i < end; i += 8) {
			uint64_t w = 0, len = end - i < 8 ? end - i : 8;

			if (len == 8)
				memcpy(&w, p + i, 8);
			else
				memcpy(&w, p + i, (size_t)len);
			if (w && *first_nonzero == UINT64_MAX)
				for (uint64_t b = 0; b < len; b++)
					if (p[i + b]) {
						*first_nonzero = i + b;
						break;
					}
			h = mmt_mix64(h ^ w ^ (i * MMT_SPLITMIX_GAMMA));
		}
	}
	return h;
}

/* ------------------------------------------------------------ index */

/* Index position of the entry with the largest start below end, or -1. */
static int index_below(const struct mmt_objshadow *s, uintptr_t end)
{
	int lo = 0, hi = (int)s->nr_index - 1, found = -1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (s->index[mid].start < end) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

static void obj_range(const void *addr, uint64_t size, uintptr_t *start,
		      uintptr_t *end)
{
	uintptr_t a = (uintptr_t)addr;
	uint64_t len = size ? size : 1;

	*start = a;
	*end = len > (uint64_t)(UINTPTR_MAX - a) ? UINTPTR_MAX :
						   a + (uintptr_t)len;
}

/* The slot whose live object overlaps [start, end), or -1. */
static int index_overlap(const struct mmt_objshadow *s, uintptr_t start,
			 uintptr_t end)
{
	int i = index_below(s, end);

	if (i >= 0 && s->index[i].end > start)
		return (int)s->index[i].slot;
	return -1;
}

static void index_insert(struct mmt_objshadow *s, uintptr_t start,
			 uintptr_t end, unsigned int slot)
{
	int i = index_below(s, start) + 1;

	memmove(&s->index[i + 1], &s->index[i],
		(s->nr_index - (unsigned int)i) * sizeof(s->index[0]));
	s->index[i].start = start;
	s->index[i].end = end;
	s->index[i].slot = slot;
	s->nr_index++;
}

static void index_remove(struct mmt_objshadow *s, unsigned int slot)
{
	const struct mmt_objshadow_obj *o = &s->slots[slot];
	uintptr_t start, end;
	int i;

	if (!o->indexed)
		return;
	obj_range(o->addr, o->extent, &start, &end);
	i = index_below(s, start + 1);
	if (i < 0 || s->index[i].slot != slot)
		return;
	memmove(&s->index[i], &s->index[i + 1],
		(s->nr_index - (unsigned int)i - 1) * sizeof(s->index[0]));
	s->nr_index--;
}

/* ------------------------------------------------------------ checks */

static void forget(struct mmt_objshadow *s, unsigned int slot)
{
	struct mmt_objshadow_obj *o = &s->slots[slot];

	if (!o->live)
		return;
	index_remove(s, slot);
	s->nr_live--;
	s->live_bytes -= o->size;
	memset(o, 0, sizeof(*o));
}

/* OBJ-ALIGN: addr is below want, which the op or the contract set. */
static void align_finding(const struct mmt_objshadow *s, size_t op_index,
			  unsigned int slot, unsigned int kind, uint64_t size,
			  void *addr, uint64_t want, struct mmt_report *r)
{
	char why[96];

	if (kind == MMT_OP_ALIGNED)
		snprintf(why, sizeof(why), "the %llu asked for",
			 (unsigned long long)want);
	else if (want == s->min_align)
		snprintf(why, sizeof(why),
			 "the %llu it declares (objects->min_align)",
			 (unsigned long long)want);
	else
		snprintf(why, sizeof(why),
			 "the %llu any %llu-byte object has (the largest "
			 "power of two <= size, below objects->min_align)",
			 (unsigned long long)want, (unsigned long long)size);
	mmt_report_add(r, op_index, "shadow", "OBJ-ALIGN",
		       "s%u: %s of %llu bytes returned %p, aligned to %llu, "
		       "below %s",
		       slot, kind_name(kind), (unsigned long long)size, addr,
		       (unsigned long long)mmt_objshadow_addr_align(addr), why);
}

/*
 * Check a non-NULL object and track it in slot (empty). Contents checks
 * specific to the op (zero, prefix) are done by the caller first.
 */
static int track(struct mmt_objshadow *s, size_t op_index, unsigned int slot,
		 unsigned int kind, uint64_t size, uint64_t align, void *addr,
		 uint64_t usable, struct mmt_report *r)
{
	struct mmt_objshadow_obj *o = &s->slots[slot];
	uint64_t want = kind == MMT_OP_ALIGNED ?
				align :
				mmt_objshadow_min_align(s->min_align, size);
	uintptr_t start, end;
	int other;

	if (want && (uintptr_t)addr % want)
		align_finding(s, op_index, slot, kind, size, addr, want, r);
	if ((s->caps & MMT_CAP_USABLE_SIZE) && usable < size)
		mmt_report_add(r, op_index, "shadow", "OBJ-USABLE",
			       "s%u: %s of %llu bytes at %p has usable size "
			       "%llu",
			       slot, kind_name(kind), (unsigned long long)size,
			       addr, (unsigned long long)usable);
	else if ((s->caps & MMT_CAP_USABLE_SIZE) &&
		 mmt_usable_implausible(size, align, usable))
		mmt_report_add(r, op_index, "shadow", "OBJ-USABLE",
			       "s%u: %s of %llu bytes at %p has usable size "
			       "%llu, more than the request plus the larger "
			       "of itself and 1 MiB plus twice the alignment: "
			       "not believed",
			       slot, kind_name(kind), (unsigned long long)size,
			       addr, (unsigned long long)usable);
	if (!(s->caps & MMT_CAP_USABLE_SIZE))
		usable = 0;
	/* the usable bytes are the allocator's promise: all of them are
	 * the object's for overlap and fill */
	obj_range(addr, mmt_usable_extent(size, align, usable), &start, &end);
	other = index_overlap(s, start, end);
	if (other >= 0) {
		const struct mmt_objshadow_obj *ob = &s->slots[other];

		mmt_report_add(r, op_index, "shadow", "OBJ-OVERLAP",
			       "s%u: %s of %llu bytes at %p (usable %llu) "
			       "overlaps live s%d (%p, %llu bytes, usable "
			       "%llu)",
			       slot, kind_name(kind), (unsigned long long)size,
			       addr, (unsigned long long)(end - start), other,
			       ob->addr, (unsigned long long)ob->size,
			       (unsigned long long)ob->extent);
	}
	memset(o, 0, sizeof(*o));
	o->live = 1;
	o->addr = addr;
	o->size = size;
	o->usable = usable;
	o->extent = mmt_usable_extent(size, align, usable);
	o->align = kind == MMT_OP_ALIGNED ? align : 0;
	o->kind = kind;
	o->fill = mmt_mix64(s->seed ^ ((uint64_t)slot << 40) ^
			    mmt_mix64((uint64_t)op_index));
	if (other < 0) {
		index_insert(s, start, end, slot);
		o->indexed = 1;
		/* writing over another live object would only blur reports */
		fill_write(addr, size, o->fill);
		slack_write(addr, size, o->extent, o->fill);
		o->fill_ok = 1;
	}
	s->nr_live++;
	s->live_bytes += size;
	return 1;
}

static void outcome(struct mmt_op_outcome *oc, uint64_t size, void *addr,
		    uint64_t usable)
{
	if (!oc)
		return;
	oc->size = size;
	oc->usable = usable;
	oc->addr_align = addr ? mmt_objshadow_addr_align(addr) : 0;
}

int mmt_objshadow_alloc(struct mmt_objshadow *s, size_t op_index,
			unsigned int slot, unsigned int kind, uint64_t size,
			uint64_t align, void *addr, uint64_t usable,
			struct mmt_report *r, struct mmt_op_outcome *oc)
{
	if (slot >= MMT_NR_SLOTS)
		return 0;
	forget(s, slot);
	outcome(oc, size, addr, usable);
	if (!addr) {
		/* malloc(0) may return NULL (C11 7.22.3), and so may a
		 * request above the declared max_size */
		if (mmt_objshadow_must_succeed(s, size))
			mmt_report_add(r, op_index, "oracle", "OBJ-NULL",
				       "s%u: %s of %llu bytes returned NULL",
				       slot, kind_name(kind),
				       (unsigned long long)size);
		return 0;
	}
	if (kind == MMT_OP_CALLOC || kind == MMT_OP_CALLOC_ARRAY) {
		uint64_t nz, d = digest_positions(addr, size, size, &nz);

		if (oc) {
			oc->digest = d;
			oc->has_digest = 1;
		}
		if (nz != UINT64_MAX)
			mmt_report_add(r, op_index, "shadow", "OBJ-ZERO",
				       "s%u: %s of %llu bytes at %p has a "
				       "non-zero byte at offset %llu",
				       slot, kind_name(kind),
				       (unsigned long long)size, addr,
				       (unsigned long long)nz);
	}
	return track(s, op_index, slot, kind, size, align, addr, usable, r);
}

void mmt_objshadow_verify_fill(struct mmt_objshadow *s, size_t op_index,
			       unsigned int slot, struct mmt_report *r)
{
	const struct mmt_objshadow_obj *o;
	uint64_t bad;

	if (slot >= MMT_NR_SLOTS || !s->slots[slot].live ||
	    !s->slots[slot].fill_ok)
		return;
	o = &s->slots[slot];
	bad = fill_first_bad(o->addr, o->size, o->fill, o->size);
	if (bad == UINT64_MAX)
		bad = slack_first_bad(o->addr, o->size, o->extent, o->fill);
	if (bad != UINT64_MAX)
		mmt_report_add(r, op_index, "shadow", "OBJ-FILL",
			       "s%u: %llu-byte object at %p: fill byte at "
			       "offset %llu was overwritten while the object "
			       "was live",
			       slot, (unsigned long long)o->size, o->addr,
			       (unsigned long long)bad);
}

void mmt_objshadow_release(struct mmt_objshadow *s, unsigned int slot)
{
	if (slot < MMT_NR_SLOTS)
		forget(s, slot);
}

int mmt_objshadow_realloc(struct mmt_objshadow *s, size_t op_index,
			  unsigned int slot, uint64_t size, void *addr,
			  uint64_t usable, struct mmt_report *r,
			  struct mmt_op_outcome *oc)
{
	struct mmt_objshadow_obj old;
	uint64_t keep, bad, nz;

	if (slot >= MMT_NR_SLOTS || !s->slots[slot].live)
		return 0;
	outcome(oc, size, addr, usable);
	if (!addr) {
		/* the old object stays live and untouched */
		if (mmt_objshadow_must_succeed(s, size))
			mmt_report_add(r, op_index, "oracle", "OBJ-NULL",
				       "s%u: realloc of %p (%llu bytes) to "
				       "%llu bytes returned NULL",
				       slot, s->slots[slot].addr,
				       (unsigned long long)s->slots[slot].size,
				       (unsigned long long)size);
		return 0;
	}
	old = s->slots[slot];
	forget(s, slot);
	keep = old.size < size ? old.size : size;
	if (oc) {
		oc->digest = digest_positions(addr, old.size, keep, &nz);
		oc->has_digest = 1;
	}
	bad = old.fill_ok ? fill_first_bad(addr, old.size, old.fill, keep) :
			    UINT64_MAX;
	if (bad != UINT64_MAX)
		mmt_report_add(r, op_index, "shadow", "OBJ-REALLOC",
			       "s%u: realloc of %p (%llu bytes) to %llu bytes "
			       "at %p lost the old contents at offset %llu",
			       slot, old.addr, (unsigned long long)old.size,
			       (unsigned long long)size, addr,
			       (unsigned long long)bad);
	return track(s, op_index, slot, MMT_OP_REALLOC, size, 0, addr, usable,
		     r);
}

/* "1 x 18446744073709551615 bytes" or "4611686018427387905 x 4 bytes". */
static void impossible_request(char *buf, size_t len, unsigned int kind,
			       uint64_t nmemb, uint64_t size, uint64_t align)
{
	if (kind == MMT_OP_CALLOC_ARRAY)
		snprintf(buf, len, "%llu x %llu bytes (the product %s)",
			 (unsigned long long)nmemb, (unsigned long long)size,
			 size && nmemb > UINT64_MAX / size ?
				 "wraps" :
				 "is above PTRDIFF_MAX");
	else if (kind == MMT_OP_ALIGNED)
		snprintf(buf, len, "%llu bytes aligned to %llu",
			 (unsigned long long)size, (unsigned long long)align);
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)size);
}

void mmt_objshadow_impossible_done(struct mmt_objshadow *s, size_t op_index,
				   unsigned int slot, unsigned int kind,
				   uint64_t nmemb, uint64_t size,
				   uint64_t align, const void *addr,
				   uint64_t usable, struct mmt_report *r)
{
	const struct mmt_objshadow_obj *o =
		slot < MMT_NR_SLOTS ? &s->slots[slot] : NULL;
	char what[128];

	impossible_request(what, sizeof(what), kind, nmemb, size, align);
	if (addr)
		mmt_report_add(r, op_index, "oracle", "OBJ-IMPOSSIBLE",
			       "s%u: %s of %s returned %p: no allocator can "
			       "serve a request above PTRDIFF_MAX bytes, it "
			       "must return NULL",
			       slot, kind_name(kind), what, addr);
	else if (kind == MMT_OP_REALLOC && o && o->live &&
		 (s->caps & MMT_CAP_USABLE_SIZE) && usable != o->usable)
		mmt_report_add(r, op_index, "oracle", "OBJ-IMPOSSIBLE",
			       "s%u: realloc of %p to %s returned NULL but "
			       "the old object's usable size went from %llu "
			       "to %llu: a failed realloc leaves it as it was",
			       slot, o->addr, what,
			       (unsigned long long)o->usable,
			       (unsigned long long)usable);
	/* no side effects: every live object still holds its fill */
	for (unsigned int k = 0; k < MMT_NR_SLOTS; k++)
		mmt_objshadow_verify_fill(s, op_index, k, r);
}
