/* SPDX-License-Identifier: MIT */
/* peers.h - production mallocs as OBJECTS adapters (adapters/peers.c). */
#ifndef MMT_ADAPTERS_PEERS_H
#define MMT_ADAPTERS_PEERS_H

#include <mmtorture/adapter.h>

enum mmt_peer {
	MMT_PEER_GLIBC = 0,
	MMT_PEER_JEMALLOC = 1,
	MMT_PEER_MIMALLOC = 2,
	MMT_PEER_TCMALLOC = 3,
	MMT_NR_PEERS
};

/*
 * The glibc tunable that reserves enough surplus static TLS for a dlopen'ed
 * libjemalloc.so.2 (its TLS block is about 2.6 KiB, initial-exec model);
 * harness/process.c sets it before re-executing.
 */
#define MMT_PEER_TLS_NAME "glibc.rtld.optional_static_tls"
#define MMT_PEER_TLS_BYTES "16384"
#define MMT_PEER_TLS_TUNABLE MMT_PEER_TLS_NAME "=" MMT_PEER_TLS_BYTES

/*
 * Called by harness/process.c with why mmt_process_init() could not arrange
 * the tunable above (no argv, AFL++, exec failed...); peers.c keeps a copy
 * and appends it to jemalloc's reason. Before any thread starts.
 */
void mmt_peer_set_process_note(const char *note);

/* NULL when the peer's library loads here, else why not (with the package). */
const char *mmt_peer_unavailable(enum mmt_peer id);

extern const struct mmt_adapter mmt_adapter_glibc;
extern const struct mmt_adapter mmt_adapter_jemalloc;
extern const struct mmt_adapter mmt_adapter_mimalloc;
extern const struct mmt_adapter mmt_adapter_tcmalloc;

#endif /* MMT_ADAPTERS_PEERS_H */
