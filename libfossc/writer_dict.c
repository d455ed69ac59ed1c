/*
** The writer's global dictionary: terms (interned once, their corpus
** document frequency and the stream piece gathered since the last spill),
** plain words and the (word, term) pairs that become WORDS. Terms and words
** are numbered in order of first appearance; byte order comes at finish
** (writer_sections.c) and at each spill (writer_runs.c).
*/
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "writer_int.h"

typedef struct {
  const char *s;
  size_t n;
  const fossc_buf *strs;
  const void *recs; /* fossc_term_rec* or word offsets */
  const uint8_t *lens;
} key_ctx;

static int term_eq(const void *ctx, uint32_t id) {
  const key_ctx *k = ctx;
  const fossc_term_rec *t = (const fossc_term_rec *)k->recs + id;
  return t->len == k->n && memcmp(k->strs->data + t->str_off, k->s, k->n) == 0;
}

static int word_eq(const void *ctx, uint32_t id) {
  const key_ctx *k = ctx;
  const uint32_t *off = k->recs;
  return k->lens[id] == k->n &&
         memcmp(k->strs->data + off[id], k->s, k->n) == 0;
}

static int pair_eq(const void *ctx, uint32_t id) {
  const uint64_t *want = ((const void *const *)ctx)[0];
  const uint64_t *pairs = ((const void *const *)ctx)[1];
  return pairs[id] == *want;
}

uint32_t fossc_wr_intern_term(fossc_writer *w, const char *s, size_t n,
                              uint64_t h) {
  key_ctx k = {s, n, &w->strs, w->terms, NULL};
  uint32_t id = fossc_htab_find(&w->term_ix, h, term_eq, &k);
  if (id != FOSSC_HTAB_EMPTY) return id;
  if (fossc_grow((void **)&w->terms, &w->terms_cap, w->nterms + 1,
                 sizeof *w->terms))
    return FOSSC_HTAB_EMPTY;
  fossc_term_rec *t = &w->terms[w->nterms];
  memset(t, 0, sizeof *t);
  t->str_off = (uint32_t)w->strs.len;
  t->len = (uint8_t)n;
  t->last_doc = FOSSC_NO_DOC;
  fossc_buf_append(&w->strs, s, n);
  if (w->strs.oom || w->strs.len > UINT32_MAX ||
      fossc_htab_insert(&w->term_ix, h, w->nterms))
    return FOSSC_HTAB_EMPTY;
  return w->nterms++;
}

uint32_t fossc_wr_find_term(const fossc_writer *w, const char *s, size_t n) {
  key_ctx k = {s, n, &w->strs, w->terms, NULL};
  return fossc_htab_find(&w->term_ix, XXH3_64bits(s, n), term_eq, &k);
}

uint32_t fossc_wr_intern_word(fossc_writer *w, const char *s, size_t n,
                              uint64_t h) {
  key_ctx k = {s, n, &w->wstrs, w->word_off, w->word_len};
  uint32_t id = fossc_htab_find(&w->word_ix, h, word_eq, &k);
  if (id != FOSSC_HTAB_EMPTY) return id;
  uint32_t cap = w->words_cap;
  if (fossc_grow((void **)&w->word_off, &cap, w->nwords + 1,
                 sizeof *w->word_off))
    return FOSSC_HTAB_EMPTY;
  cap = w->words_cap;
  if (fossc_grow((void **)&w->word_len, &cap, w->nwords + 1, 1))
    return FOSSC_HTAB_EMPTY;
  w->words_cap = cap;
  w->word_off[w->nwords] = (uint32_t)w->wstrs.len;
  w->word_len[w->nwords] = (uint8_t)n;
  fossc_buf_append(&w->wstrs, s, n);
  if (w->wstrs.oom || w->wstrs.len > UINT32_MAX ||
      fossc_htab_insert(&w->word_ix, h, w->nwords))
    return FOSSC_HTAB_EMPTY;
  return w->nwords++;
}

/* The first slot a lookup of hash h probes in t. */
static inline uint32_t first_slot(const fossc_htab *t, uint64_t h) {
  return (uint32_t)h & t->mask;
}

/* The first stage of both prefetches below: at stage 0 fetches h's hash
** slot in t and returns FOSSC_HTAB_EMPTY; at later stages (the slot is in
** cache by then) returns the id it holds for h, or FOSSC_HTAB_EMPTY when h is
** not in its first slot (a new string, or a collision: no prefetch). */
static uint32_t prefetch_slot(const fossc_htab *t, uint64_t h, int stage) {
  uint32_t i = first_slot(t, h);
  if (stage == 0) {
    __builtin_prefetch(&t->ids[i]);
    __builtin_prefetch(&t->hashes[i]);
    return FOSSC_HTAB_EMPTY;
  }
  /* An empty slot's hash was never written: look at the id first. */
  uint32_t id = t->ids[i];
  return id != FOSSC_HTAB_EMPTY && t->hashes[i] == h ? id : FOSSC_HTAB_EMPTY;
}

void fossc_wr_prefetch_term(const fossc_writer *w, uint64_t h, int stage) {
  uint32_t id = prefetch_slot(&w->term_ix, h, stage);
  if (id == FOSSC_HTAB_EMPTY) return;
  const fossc_term_rec *r = &w->terms[id];
  if (stage == 1) {
    __builtin_prefetch(r);
    return;
  }
  __builtin_prefetch(w->strs.data + r->str_off);
  if (r->raw) __builtin_prefetch(r->raw + r->raw_len, 1);
}

void fossc_wr_prefetch_word(const fossc_writer *w, uint64_t h, uint32_t term,
                            int stage) {
  uint32_t id = prefetch_slot(&w->word_ix, h, stage);
  if (id == FOSSC_HTAB_EMPTY) return;
  if (stage == 1) {
    __builtin_prefetch(&w->word_off[id]);
    __builtin_prefetch(&w->word_len[id]);
    uint64_t key = (uint64_t)id << 32 | term;
    uint32_t k = first_slot(&w->pair_ix, XXH3_64bits(&key, sizeof key));
    __builtin_prefetch(&w->pair_ix.ids[k]);
    __builtin_prefetch(&w->pair_ix.hashes[k]);
    return;
  }
  __builtin_prefetch(w->wstrs.data + w->word_off[id]);
}

int fossc_wr_note_pair(fossc_writer *w, uint32_t word, uint32_t term) {
  uint64_t key = (uint64_t)word << 32 | term;
  const void *ctx[2] = {&key, w->pairs};
  uint64_t h = XXH3_64bits(&key, sizeof key);
  if (fossc_htab_find(&w->pair_ix, h, pair_eq, ctx) != FOSSC_HTAB_EMPTY)
    return 0;
  if (fossc_grow((void **)&w->pairs, &w->pairs_cap, w->npairs + 1,
                 sizeof *w->pairs))
    return FOSSC_ERR_NOMEM;
  w->pairs[w->npairs] = key;
  if (fossc_htab_insert(&w->pair_ix, h, w->npairs)) return FOSSC_ERR_NOMEM;
  w->npairs++;
  return 0;
}

int fossc_wr_term_append(fossc_writer *w, fossc_term_rec *t, uint32_t first,
                         const uint8_t *rest, size_t rest_len) {
  uint8_t hdr[FOSSC_VARINT_MAX];
  size_t hn = fossc_put_varint_at(
      hdr, t->last_doc == FOSSC_NO_DOC ? first : first - t->last_doc - 1);
  uint64_t need = (uint64_t)t->raw_len + hn + rest_len;
  if (need > UINT32_MAX) return FOSSC_ERR_LIMIT;
  if (need > t->raw_cap) {
    uint64_t cap = t->raw_cap ? (uint64_t)t->raw_cap * 2 : 16;
    while (cap < need) cap *= 2;
    if (cap > UINT32_MAX) cap = UINT32_MAX;
    uint8_t *p = fossc_realloc(t->raw, (size_t)cap);
    if (!p) return FOSSC_ERR_NOMEM;
    w->raw_bytes += (size_t)cap - t->raw_cap;
    t->raw = p;
    t->raw_cap = (uint32_t)cap;
  }
  memcpy(t->raw + t->raw_len, hdr, hn);
  if (rest_len) memcpy(t->raw + t->raw_len + hn, rest, rest_len);
  t->raw_len = (uint32_t)need;
  return 0;
}

void fossc_wr_term_drop_raw(fossc_writer *w, fossc_term_rec *t) {
  fossc_free(t->raw);
  w->raw_bytes -= t->raw_cap;
  t->raw = NULL;
  t->raw_len = t->raw_cap = 0;
  t->last_doc = FOSSC_NO_DOC;
}

int fossc_wr_cmp_bytes(const char *a, size_t an, const char *b, size_t bn) {
  int c = memcmp(a, b, an < bn ? an : bn);
  return c ? c : (an > bn) - (an < bn);
}

void fossc_wr_sort_items(fossc_sort_item *it, fossc_sort_item *tmp, size_t n,
                         int (*cmp)(const void *, const void *, void *),
                         void *ctx) {
  /* LSD radix sort on the keys, a byte per pass; a pass in which every key
  ** has the same byte (the low bytes of short strings are all padding) is
  ** skipped. */
  size_t cnt[8][256];
  memset(cnt, 0, sizeof cnt);
  for (size_t i = 0; i < n; i++) {
    uint64_t k = it[i].key;
    for (int b = 0; b < 8; b++) cnt[b][(k >> (8 * b)) & 255]++;
  }
  fossc_sort_item *src = it, *dst = tmp;
  for (int b = 0; b < 8; b++) {
    size_t *c = cnt[b], at = 0;
    if (n && c[(src[0].key >> (8 * b)) & 255] == n) continue;
    for (int v = 0; v < 256; v++) {
      size_t k = c[v];
      c[v] = at;
      at += k;
    }
    for (size_t i = 0; i < n; i++)
      dst[c[(src[i].key >> (8 * b)) & 255]++] = src[i];
    fossc_sort_item *t = src;
    src = dst;
    dst = t;
  }
  if (src != it) memcpy(it, src, n * sizeof *it);
  /* Equal keys (strings sharing their first 8 bytes): by the full order. */
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && it[j].key == it[i].key) j++;
    if (j - i > 1) qsort_r(it + i, j - i, sizeof *it, cmp, ctx);
    i = j;
  }
}

/* qsort_r order of fossc_sort_items holding term ids: by the terms' bytes. */
static int cmp_term_items(const void *x, const void *y, void *ctx) {
  const fossc_writer *w = ctx;
  const fossc_term_rec *a = &w->terms[((const fossc_sort_item *)x)->val];
  const fossc_term_rec *b = &w->terms[((const fossc_sort_item *)y)->val];
  return fossc_wr_cmp_bytes(w->strs.data + a->str_off, a->len,
                            w->strs.data + b->str_off, b->len);
}

int fossc_wr_sort_term_ids(fossc_writer *w, uint32_t *ids, uint32_t n) {
  if (n < 2) return 0;
  fossc_sort_item *it = fossc_malloc(2 * (size_t)n * sizeof *it);
  if (!it) return FOSSC_ERR_NOMEM;
  for (uint32_t i = 0; i < n; i++) {
    const fossc_term_rec *t = &w->terms[ids[i]];
    it[i].key = fossc_wr_prefix_key(w->strs.data + t->str_off, t->len);
    it[i].val = ids[i];
  }
  fossc_wr_sort_items(it, it + n, n, cmp_term_items, w);
  for (uint32_t i = 0; i < n; i++) ids[i] = (uint32_t)it[i].val;
  fossc_free(it);
  return 0;
}
