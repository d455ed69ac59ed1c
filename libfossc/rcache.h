/*
** Result cache: search replies already rendered, keyed by the request in a
** canonical form (fossc_rcache_key) and looked up by the XXH3 of that key.
**
** One cache belongs to one thread (fossc-searchd gives each worker its
** own), so there is no lock. Every entry is tied to an index generation: a
** lookup or insert with another generation empties the cache first, so a
** reload can never serve a reply computed on the previous index. Memory is
** bounded by max_bytes (entries, keys, replies and the bucket array);
** least recently used entries are evicted first. docs/performance.md says
** what it buys; benchmarks run with it off.
*/
#ifndef FOSSC_RCACHE_H
#define FOSSC_RCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "protocol.h"

/* A reply larger than max_bytes / this is not kept: one huge page of
** results must not flush the whole cache. */
#define FOSSC_RCACHE_MAX_SHARE 8
/* Smallest useful cache; a smaller non-zero max_bytes is raised to it so
** that typical replies (a few KB) still fit under FOSSC_RCACHE_MAX_SHARE. */
#define FOSSC_RCACHE_MIN_BYTES (64u * 1024u)

typedef struct fossc_rcache fossc_rcache;

typedef struct fossc_rcache_stats {
  uint64_t hits, misses, inserts, evictions, clears;
  uint64_t entries, bytes, max_bytes;
} fossc_rcache_stats;

/* Creates a cache holding at most max_bytes (max_bytes 0: *out = NULL and
** FOSSC_OK, a disabled cache; every function accepts NULL). *out is owned
** by the caller: fossc_rcache_free. */
int fossc_rcache_create(size_t max_bytes, fossc_rcache **out, fossc_error *err);
/* Frees c and its entries; accepts NULL. */
void fossc_rcache_free(fossc_rcache *c);

/* Appends to *key the canonical form of a SEARCH or EXPLAIN request: every
** option that changes the reply, in a fixed order with defaults filled in
** (so "limit=10 snippets=0" and "snippets=0" with the default limit are one
** key), then the query bytes as sent. Returns 0, or -1 when req is not a
** search (nothing appended). */
int fossc_rcache_key(const fossc_request *req, fossc_buf *key);

/* Looks key[0..klen) up for index generation gen. On a hit returns 1 and
** sets *reply / *len (valid until the next call on c; owned by c) and
** *took_at (where the reply's took_us digits start, or SIZE_MAX); else 0. */
int fossc_rcache_get(fossc_rcache *c, uint64_t gen, const void *key,
                     size_t klen, const char **reply, size_t *len,
                     size_t *took_at);
/* Keeps a copy of reply[0..len) under key for generation gen (replacing an
** entry with the same key); evicts older entries to stay within the bound.
** A reply too large for the cache, or out of memory, is simply not kept. */
void fossc_rcache_put(fossc_rcache *c, uint64_t gen, const void *key,
                      size_t klen, const char *reply, size_t len,
                      size_t took_at);
/* Drops every entry (the counters stay). */
void fossc_rcache_clear(fossc_rcache *c);
/* Counters and sizes; all zero for NULL. */
void fossc_rcache_get_stats(const fossc_rcache *c, fossc_rcache_stats *st);

#endif /* FOSSC_RCACHE_H */
