/*
** Result cache (rcache.h): chained hash on XXH3 of the canonical request,
** a doubly linked list in recency order for eviction. An entry is one
** allocation: header, key bytes, reply bytes.
*/
#include "rcache.h"

#include <string.h>
#include <xxhash.h>

typedef struct entry {
  uint64_t hash;
  struct entry *chain;       /* next in the bucket */
  struct entry *newer, *older; /* recency list */
  size_t klen, rlen, took_at;
  char data[];               /* key, then reply */
} entry;

struct fossc_rcache {
  size_t max_bytes, bytes; /* bytes: entries plus the bucket array */
  uint64_t gen;
  int have_gen;
  entry **buckets;
  size_t nbuckets; /* power of two */
  size_t entries;
  entry *newest, *oldest;
  fossc_rcache_stats st;
};

/* Buckets at creation; doubled while entries outnumber them, so chains stay
** about one long whatever the reply sizes. */
#define INITIAL_BUCKETS 256

static size_t entry_bytes(size_t klen, size_t rlen) {
  return sizeof(entry) + klen + rlen;
}

int fossc_rcache_create(size_t max_bytes, fossc_rcache **out, fossc_error *err) {
  *out = NULL;
  if (max_bytes == 0) return FOSSC_OK;
  if (max_bytes < FOSSC_RCACHE_MIN_BYTES) max_bytes = FOSSC_RCACHE_MIN_BYTES;
  fossc_rcache *c = fossc_calloc(1, sizeof *c);
  if (c) c->buckets = fossc_calloc(INITIAL_BUCKETS, sizeof *c->buckets);
  if (!c || !c->buckets) {
    fossc_free(c);
    return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory (result cache)");
  }
  c->nbuckets = INITIAL_BUCKETS;
  c->max_bytes = max_bytes;
  c->bytes = INITIAL_BUCKETS * sizeof *c->buckets;
  *out = c;
  return FOSSC_OK;
}

static void unlink_recency(fossc_rcache *c, entry *e) {
  if (e->newer) e->newer->older = e->older; else c->newest = e->older;
  if (e->older) e->older->newer = e->newer; else c->oldest = e->newer;
  e->newer = e->older = NULL;
}

static void push_newest(fossc_rcache *c, entry *e) {
  e->older = c->newest;
  e->newer = NULL;
  if (c->newest) c->newest->newer = e; else c->oldest = e;
  c->newest = e;
}

static void remove_entry(fossc_rcache *c, entry *e) {
  entry **pp = &c->buckets[e->hash & (c->nbuckets - 1)];
  while (*pp != e) pp = &(*pp)->chain;
  *pp = e->chain;
  unlink_recency(c, e);
  c->bytes -= entry_bytes(e->klen, e->rlen);
  c->entries--;
  fossc_free(e);
}

void fossc_rcache_clear(fossc_rcache *c) {
  if (!c) return;
  entry *e = c->newest;
  while (e) {
    entry *next = e->older;
    fossc_free(e);
    e = next;
  }
  memset(c->buckets, 0, c->nbuckets * sizeof *c->buckets);
  c->newest = c->oldest = NULL;
  c->bytes = c->nbuckets * sizeof *c->buckets;
  c->entries = 0;
  c->st.clears++;
}

void fossc_rcache_free(fossc_rcache *c) {
  if (!c) return;
  fossc_rcache_clear(c);
  fossc_free(c->buckets);
  fossc_free(c);
}

/* Empties the cache when it holds replies of another index generation. */
static void check_gen(fossc_rcache *c, uint64_t gen) {
  if (c->have_gen && c->gen == gen) return;
  if (c->entries) fossc_rcache_clear(c);
  c->gen = gen;
  c->have_gen = 1;
}

static entry *find(const fossc_rcache *c, uint64_t h, const void *key,
                   size_t klen) {
  for (entry *e = c->buckets[h & (c->nbuckets - 1)]; e; e = e->chain)
    if (e->hash == h && e->klen == klen && memcmp(e->data, key, klen) == 0)
      return e;
  return NULL;
}

int fossc_rcache_get(fossc_rcache *c, uint64_t gen, const void *key,
                     size_t klen, const char **reply, size_t *len,
                     size_t *took_at) {
  if (!c) return 0;
  check_gen(c, gen);
  entry *e = find(c, XXH3_64bits(key, klen), key, klen);
  if (!e) {
    c->st.misses++;
    return 0;
  }
  unlink_recency(c, e);
  push_newest(c, e);
  c->st.hits++;
  *reply = e->data + e->klen;
  *len = e->rlen;
  *took_at = e->took_at;
  return 1;
}

/* Doubles the bucket array when it fits in the bound (else chains grow,
** which only costs time). */
static void maybe_grow(fossc_rcache *c) {
  if (c->entries < c->nbuckets) return;
  size_t add = c->nbuckets * sizeof *c->buckets;
  if (c->bytes + add > c->max_bytes / 2) return;
  size_t nb = c->nbuckets * 2;
  entry **b = fossc_calloc(nb, sizeof *b);
  if (!b) return;
  for (entry *e = c->newest; e; e = e->older) {
    size_t i = e->hash & (nb - 1);
    e->chain = b[i];
    b[i] = e;
  }
  fossc_free(c->buckets);
  c->buckets = b;
  c->nbuckets = nb;
  c->bytes += add;
}

void fossc_rcache_put(fossc_rcache *c, uint64_t gen, const void *key,
                      size_t klen, const char *reply, size_t len,
                      size_t took_at) {
  if (!c) return;
  check_gen(c, gen);
  size_t need = entry_bytes(klen, len);
  if (need > c->max_bytes / FOSSC_RCACHE_MAX_SHARE) return;
  uint64_t h = XXH3_64bits(key, klen);
  entry *old = find(c, h, key, klen);
  if (old) remove_entry(c, old);
  while (c->oldest && c->bytes + need > c->max_bytes) {
    remove_entry(c, c->oldest);
    c->st.evictions++;
  }
  if (c->bytes + need > c->max_bytes) return;
  entry *e = fossc_malloc(need);
  if (!e) return;
  e->hash = h;
  e->klen = klen;
  e->rlen = len;
  e->took_at = took_at < len ? took_at : SIZE_MAX;
  memcpy(e->data, key, klen);
  memcpy(e->data + klen, reply, len);
  size_t i = h & (c->nbuckets - 1);
  e->chain = c->buckets[i];
  c->buckets[i] = e;
  push_newest(c, e);
  c->bytes += need;
  c->entries++;
  c->st.inserts++;
  maybe_grow(c);
}

void fossc_rcache_get_stats(const fossc_rcache *c, fossc_rcache_stats *st) {
  memset(st, 0, sizeof *st);
  if (!c) return;
  *st = c->st;
  st->entries = c->entries;
  st->bytes = c->bytes;
  st->max_bytes = c->max_bytes;
}

int fossc_rcache_key(const fossc_request *req, fossc_buf *key) {
  if (req->cmd != FOSSC_CMD_SEARCH && req->cmd != FOSSC_CMD_EXPLAIN) return -1;
  const fossc_search_req *s = &req->search;
  /* Version byte first: a change of this layout can never match old keys.
  ** EXPLAIN is SEARCH with explain=1, so cmd itself is not part of it. */
  fossc_buf_putc(key, 1);
  fossc_buf_putc(key, (char)req->format);
  fossc_buf_putc(key, (char)(req->ids_only != 0));
  fossc_buf_putc(key, (char)(s->snippets != 0));
  fossc_buf_putc(key, (char)(s->explain != 0 || req->cmd == FOSSC_CMD_EXPLAIN));
  fossc_buf_putc(key, (char)(s->exact_total != 0));
  fossc_buf_putc(key, (char)s->lang);
  fossc_buf_put_u32(key, s->limit ? s->limit : FOSSC_DEFAULT_LIMIT);
  fossc_buf_put_u32(key, s->offset);
  fossc_buf_append(key, s->query, s->query_len);
  return 0;
}
