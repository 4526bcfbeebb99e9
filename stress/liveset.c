/* SPDX-License-Identifier: MIT */
/*
 * stress/liveset.c - the set of live object addresses kmalloc-mix keeps,
 * so that an allocator handing the same address out twice is caught at
 * the second hand-out (STRESS-DOUBLE-ALLOC).
 *
 * Algorithm: LIVESET_STRIPES independent open-addressing hash tables
 * (linear probing), the stripe chosen by the high bits of a 64-bit mix of
 * the address and the slot by the low bits, so threads touching different
 * addresses rarely meet on a lock. Removal shifts the following entries of
 * the probe run back (no tombstones), so a lookup stops at the first empty
 * slot. A stripe doubles when it is 3/4 full.
 *
 * Invariants: address 0 is never stored (it marks an empty slot); every
 * stored address sits in its probe run with no empty slot between its home
 * slot and itself.
 *
 * Locks: one mutex per stripe, held only inside one call.
 */
#include <pthread.h>
#include <stdlib.h>

#include "stress_int.h"

#define LIVESET_STRIPES 64u
#define LIVESET_MIN 64u /* slots of a stripe at least; a power of two */

struct stripe {
	pthread_mutex_t lock;
	size_t cap, n; /* slots (power of two), entries */
	uintptr_t *key; /* 0 = empty */
	uint64_t *tag;
};

struct mmt_liveset {
	struct stripe s[LIVESET_STRIPES];
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static int stripe_alloc(struct stripe *st, size_t cap)
{
	st->key = calloc(cap, sizeof(*st->key));
	st->tag = calloc(cap, sizeof(*st->tag));
	if (!st->key || !st->tag) {
		free(st->key);
		free(st->tag);
		st->key = NULL;
		st->tag = NULL;
		return -1;
	}
	st->cap = cap;
	st->n = 0;
	return 0;
}

struct mmt_liveset *mmt_liveset_create(size_t expected)
{
	struct mmt_liveset *ls = calloc(1, sizeof(*ls));
	size_t cap = LIVESET_MIN, i;

	if (!ls)
		return NULL;
	while (cap * LIVESET_STRIPES / 2 < expected)
		cap *= 2;
	for (i = 0; i < LIVESET_STRIPES; i++) {
		pthread_mutex_init(&ls->s[i].lock, NULL);
		if (stripe_alloc(&ls->s[i], cap) != 0) {
			mmt_liveset_destroy(ls);
			return NULL;
		}
	}
	return ls;
}

void mmt_liveset_destroy(struct mmt_liveset *ls)
{
	size_t i;

	if (!ls)
		return;
	for (i = 0; i < LIVESET_STRIPES; i++) {
		free(ls->s[i].key);
		free(ls->s[i].tag);
		pthread_mutex_destroy(&ls->s[i].lock);
	}
	free(ls);
}

/* Slot of addr in st, or the empty slot ending its probe run. */
static size_t find_locked(const struct stripe *st, uintptr_t addr, uint64_t h)
{
	size_t mask = st->cap - 1, i = (size_t)h & mask;

	while (st->key[i] && st->key[i] != addr)
		i = (i + 1) & mask;
	return i;
}

static int grow_locked(struct stripe *st)
{
	struct stripe bigger;
	size_t i;

	if (stripe_alloc(&bigger, st->cap * 2) != 0)
		return -1;
	for (i = 0; i < st->cap; i++) {
		size_t j;

		if (!st->key[i])
			continue;
		j = find_locked(&bigger, st->key[i], mix64(st->key[i]));
		bigger.key[j] = st->key[i];
		bigger.tag[j] = st->tag[i];
		bigger.n++;
	}
	free(st->key);
	free(st->tag);
	st->key = bigger.key;
	st->tag = bigger.tag;
	st->cap = bigger.cap;
	return 0;
}

int mmt_liveset_insert(struct mmt_liveset *ls, uintptr_t addr, uint64_t tag,
		       uint64_t *old_tag)
{
	uint64_t h = mix64(addr);
	struct stripe *st = &ls->s[h >> 58]; /* 64 stripes: top 6 bits */
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&st->lock);
	if (mmt_stress_fault_take(MMT_STRESS_FAULT_NOMEM) ||
	    ((st->n + 1) * 4 > st->cap * 3 && grow_locked(st) != 0)) {
		rc = -1;
		goto out;
	}
	i = find_locked(st, addr, h);
	if (st->key[i]) {
		if (old_tag)
			*old_tag = st->tag[i];
		rc = 1;
		goto out;
	}
	st->key[i] = addr;
	st->tag[i] = tag;
	st->n++;
out:
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int mmt_liveset_remove(struct mmt_liveset *ls, uintptr_t addr, uint64_t *tag)
{
	uint64_t h = mix64(addr);
	struct stripe *st = &ls->s[h >> 58];
	size_t mask, i, j;

	pthread_mutex_lock(&st->lock);
	mask = st->cap - 1;
	i = find_locked(st, addr, h);
	if (!st->key[i]) {
		pthread_mutex_unlock(&st->lock);
		return -1;
	}
	if (tag)
		*tag = st->tag[i];
	/*
	 * Backward-shift deletion: walk the run after i; an entry whose home
	 * slot is not cyclically within (i, j] can move into the hole at i.
	 */
	j = i;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!st->key[j])
			break;
		home = (size_t)mix64(st->key[j]) & mask;
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		st->key[i] = st->key[j];
		st->tag[i] = st->tag[j];
		i = j;
	}
	st->key[i] = 0;
	st->tag[i] = 0;
	st->n--;
	pthread_mutex_unlock(&st->lock);
	return 0;
}

size_t mmt_liveset_count(struct mmt_liveset *ls)
{
	size_t i, n = 0;

	for (i = 0; i < LIVESET_STRIPES; i++) {
		pthread_mutex_lock(&ls->s[i].lock);
		n += ls->s[i].n;
		pthread_mutex_unlock(&ls->s[i].lock);
	}
	return n;
}
