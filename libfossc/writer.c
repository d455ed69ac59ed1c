/*
** Index writer: collects analysed documents in memory, then writes one
** immutable generation file and switches CURRENT to it atomically
** (docs/index-format.md).
**
** Per document, tokens become (term id, position) pairs, sorted, and each
** term's pairs are appended to that term's raw stream (postings.h describes
** the stream). fossc_writer_finish sorts the terms and encodes the streams
** into blocks.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include "format.h"
#include "htab.h"
#include "index.h"
#include "postings.h"

/* Level 6: 19 compresses the store 5% better but indexes 6x slower. */
#define DEFAULT_ZSTD_LEVEL 6
/* Writes to the file are batched to this size: few syscalls, bounded RAM. */
#define WRITE_CHUNK (1u << 20)

typedef struct doc_store {
  fossc_buf raw;  /* the block being filled */
  fossc_buf comp; /* compressed blocks */
  fossc_buf blk;  /* block index entries (FOSSC_DBLK_ENTRY_BYTES each) */
  uint32_t nblocks;
  size_t block_bytes; /* raw size that closes a block */
} doc_store;

typedef struct term_rec {
  uint32_t str_off; /* into w->strs */
  uint8_t len;
  uint32_t df;
  uint32_t last_doc;
  fossc_buf raw; /* postings stream, see postings.h */
  /* per-document grouping scratch (flush_occurrences) */
  uint32_t mark; /* docnum + 1 when seen in the current document */
  uint32_t cnt, off, tft;
} term_rec;

/* What one surface form in one language resolves to: its term and its
** plain word. Tokens repeat (Zipf): resolving each distinct form once
** replaces three hash lookups per token by one. */
typedef struct surf_rec {
  uint32_t off; /* into w->surfs */
  uint8_t len, lang;
  uint32_t term, word;
} surf_rec;

struct fossc_writer {
  fossc_writer_opts opts;
  fossc_analyzer *an;
  fossc_buf strs;       /* term strings, back to back */
  term_rec *terms;
  uint32_t nterms, terms_cap;
  fossc_htab term_ix;   /* term string -> term id */
  fossc_buf wstrs;      /* word (plain form) strings */
  uint32_t *word_off;   /* per word id: offset into wstrs */
  uint8_t *word_len;
  uint32_t nwords, words_cap;
  fossc_htab word_ix;   /* plain string -> word id */
  fossc_htab pair_ix;   /* (word id, term id) seen */
  uint64_t *pairs;      /* word id << 32 | term id */
  uint32_t npairs, pairs_cap;
  /* per document */
  uint32_t ndocs, docs_cap;
  uint32_t *body_len;
  uint16_t *title_len;
  uint8_t *lang;
  uint64_t *ids; /* XXH3(id) << 32 is not enough: (hash, docnum) pairs */
  uint32_t *ddoc; /* per doc: field block, offset, body block, offset */
  fossc_htab id_ix; /* id hash -> docnum, for duplicate detection */
  /* document stores: short fields (for result lists) apart from bodies
  ** (for snippets and GET), so a result list decompresses small blocks */
  doc_store fst, bst;
  ZSTD_CCtx *cctx;
  /* token collection for the current document */
  uint64_t *occ; /* term id << 32 | position, in position order */
  uint32_t nocc, occ_cap;
  uint32_t *distinct; /* terms of the current document */
  uint32_t *grouped;  /* positions grouped by term */
  uint32_t distinct_cap, grouped_cap;
  fossc_buf surfs;      /* surface strings of surf_rec */
  surf_rec *surf;
  uint32_t nsurf, surf_cap;
  fossc_htab surf_ix;
  uint32_t field_tokens; /* tokens of the field being analysed */
  uint32_t field_cap;    /* tokens indexed at most in that field */
  uint64_t title_tokens, body_tokens, bytes_in;
  uint32_t docs_lang[FOSSC_LANG_COUNT];
  fossc_buf tmp;
  char extra_name[FOSSC_MAX_EXTRA_SECTIONS][9];
  fossc_buf extra[FOSSC_MAX_EXTRA_SECTIONS];
  int nextra;
  int failed; /* sticky: a failed add leaves the writer unusable */
};

/* ------------------------------------------------------------ helpers */
static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem) {
  if (need <= *cap) return 0;
  uint32_t nc = *cap ? *cap : 256;
  while (nc < need) {
    if (nc > 0x7fffffffu) return FOSSC_ERR_NOMEM;
    nc *= 2;
  }
  void *np = fossc_realloc(*p, (size_t)nc * elem);
  if (!np) return FOSSC_ERR_NOMEM;
  *p = np;
  *cap = nc;
  return 0;
}

typedef struct {
  const char *s;
  size_t n;
  const fossc_buf *strs;
  const void *recs; /* term_rec* or word offsets */
  const uint8_t *lens;
} key_ctx;

static int term_eq(const void *ctx, uint32_t id) {
  const key_ctx *k = ctx;
  const term_rec *t = (const term_rec *)k->recs + id;
  return t->len == k->n && memcmp(k->strs->data + t->str_off, k->s, k->n) == 0;
}

static int word_eq(const void *ctx, uint32_t id) {
  const key_ctx *k = ctx;
  const uint32_t *off = k->recs;
  return k->lens[id] == k->n && memcmp(k->strs->data + off[id], k->s, k->n) == 0;
}

static int pair_eq(const void *ctx, uint32_t id) {
  const uint64_t *want = ((const void *const *)ctx)[0];
  const uint64_t *pairs = ((const void *const *)ctx)[1];
  return pairs[id] == *want;
}

/* Returns the term id of s[0..n), adding it if new; FOSSC_HTAB_EMPTY on OOM. */
static uint32_t intern_term(fossc_writer *w, const char *s, size_t n) {
  uint64_t h = XXH3_64bits(s, n);
  key_ctx k = {s, n, &w->strs, w->terms, NULL};
  uint32_t id = fossc_htab_find(&w->term_ix, h, term_eq, &k);
  if (id != FOSSC_HTAB_EMPTY) return id;
  if (grow((void **)&w->terms, &w->terms_cap, w->nterms + 1, sizeof *w->terms))
    return FOSSC_HTAB_EMPTY;
  term_rec *t = &w->terms[w->nterms];
  memset(t, 0, sizeof *t);
  t->str_off = (uint32_t)w->strs.len;
  t->len = (uint8_t)n;
  t->last_doc = UINT32_MAX;
  fossc_buf_append(&w->strs, s, n);
  if (w->strs.oom || w->strs.len > UINT32_MAX ||
      fossc_htab_insert(&w->term_ix, h, w->nterms))
    return FOSSC_HTAB_EMPTY;
  return w->nterms++;
}

static uint32_t intern_word(fossc_writer *w, const char *s, size_t n) {
  uint64_t h = XXH3_64bits(s, n);
  key_ctx k = {s, n, &w->wstrs, w->word_off, w->word_len};
  uint32_t id = fossc_htab_find(&w->word_ix, h, word_eq, &k);
  if (id != FOSSC_HTAB_EMPTY) return id;
  uint32_t cap = w->words_cap;
  if (grow((void **)&w->word_off, &cap, w->nwords + 1, sizeof *w->word_off))
    return FOSSC_HTAB_EMPTY;
  cap = w->words_cap;
  if (grow((void **)&w->word_len, &cap, w->nwords + 1, 1))
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

static int note_pair(fossc_writer *w, uint32_t word, uint32_t term) {
  uint64_t key = (uint64_t)word << 32 | term;
  const void *ctx[2] = {&key, w->pairs};
  uint64_t h = XXH3_64bits(&key, sizeof key);
  if (fossc_htab_find(&w->pair_ix, h, pair_eq, ctx) != FOSSC_HTAB_EMPTY)
    return 0;
  if (grow((void **)&w->pairs, &w->pairs_cap, w->npairs + 1, sizeof *w->pairs))
    return FOSSC_ERR_NOMEM;
  w->pairs[w->npairs] = key;
  if (fossc_htab_insert(&w->pair_ix, h, w->npairs)) return FOSSC_ERR_NOMEM;
  w->npairs++;
  return 0;
}

/* ------------------------------------------------------------ create */
int fossc_writer_create(const fossc_writer_opts *opts, fossc_writer **out,
                        fossc_error *err) {
  fossc_writer *w = fossc_calloc(1, sizeof *w);
  if (!w) return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  if (opts) w->opts = *opts;
  if (w->opts.zstd_level <= 0) w->opts.zstd_level = DEFAULT_ZSTD_LEVEL;
  if (w->opts.zstd_level > ZSTD_maxCLevel())
    w->opts.zstd_level = ZSTD_maxCLevel();
  int rc = fossc_analyzer_create(&w->an, err);
  if (rc) {
    fossc_writer_free(w);
    return rc;
  }
  w->fst.block_bytes = FOSSC_FIELDS_BLOCK_BYTES;
  w->bst.block_bytes = FOSSC_STORE_BLOCK_BYTES;
  w->cctx = ZSTD_createCCtx();
  if (!w->cctx || fossc_htab_init(&w->term_ix, 1024) ||
      fossc_htab_init(&w->word_ix, 1024) || fossc_htab_init(&w->pair_ix, 1024) ||
      fossc_htab_init(&w->id_ix, 1024) || fossc_htab_init(&w->surf_ix, 1024)) {
    fossc_writer_free(w);
    return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  }
  *out = w;
  return FOSSC_OK;
}

void fossc_writer_free(fossc_writer *w) {
  if (!w) return;
  fossc_analyzer_free(w->an);
  for (uint32_t i = 0; i < w->nterms; i++) fossc_buf_free(&w->terms[i].raw);
  fossc_free(w->terms);
  fossc_buf_free(&w->strs);
  fossc_htab_release(&w->term_ix);
  fossc_buf_free(&w->wstrs);
  fossc_free(w->word_off);
  fossc_free(w->word_len);
  fossc_htab_release(&w->word_ix);
  fossc_htab_release(&w->pair_ix);
  fossc_free(w->pairs);
  fossc_free(w->body_len);
  fossc_free(w->title_len);
  fossc_free(w->lang);
  fossc_free(w->ids);
  fossc_free(w->ddoc);
  fossc_htab_release(&w->id_ix);
  doc_store *st[2] = {&w->fst, &w->bst};
  for (int i = 0; i < 2; i++) {
    fossc_buf_free(&st[i]->raw);
    fossc_buf_free(&st[i]->comp);
    fossc_buf_free(&st[i]->blk);
  }
  ZSTD_freeCCtx(w->cctx);
  fossc_free(w->occ);
  fossc_free(w->distinct);
  fossc_free(w->grouped);
  fossc_buf_free(&w->surfs);
  fossc_free(w->surf);
  fossc_htab_release(&w->surf_ix);
  fossc_buf_free(&w->tmp);
  for (int i = 0; i < w->nextra; i++) fossc_buf_free(&w->extra[i]);
  fossc_free(w);
}

/* ------------------------------------------------------------ extras */
int fossc_writer_has_term(const fossc_writer *w, const char *s, size_t n) {
  key_ctx k = {s, n, &w->strs, w->terms, NULL};
  return fossc_htab_find(&w->term_ix, XXH3_64bits(s, n), term_eq, &k) !=
         FOSSC_HTAB_EMPTY;
}

int fossc_writer_add_section(fossc_writer *w, const char *name,
                             const void *data, size_t len, fossc_error *err) {
  size_t nl = strlen(name);
  if (w->nextra >= FOSSC_MAX_EXTRA_SECTIONS || nl == 0 || nl > 8)
    return fossc_error_set(err, FOSSC_ERR_ARG, "cannot add section '%s'", name);
  fossc_buf *b = &w->extra[w->nextra];
  fossc_buf_append(b, data, len);
  if (b->oom) return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  memcpy(w->extra_name[w->nextra], name, nl + 1);
  w->nextra++;
  return FOSSC_OK;
}

/* ------------------------------------------------------------ add */
typedef struct {
  fossc_writer *w;
  int rc;
} tok_ctx;

typedef struct {
  const char *s;
  size_t n;
  uint8_t lang;
  const fossc_writer *w;
} surf_key;

static int surf_eq(const void *ctx, uint32_t id) {
  const surf_key *k = ctx;
  const surf_rec *r = &k->w->surf[id];
  return r->len == k->n && r->lang == k->lang &&
         memcmp(k->w->surfs.data + r->off, k->s, k->n) == 0;
}

static int on_token(void *ctx, const fossc_token *t) {
  tok_ctx *tc = ctx;
  fossc_writer *w = tc->w;
  if (w->field_tokens >= w->field_cap) return 0;
  w->field_tokens++;
  surf_key k = {t->surface, t->surface_len, t->lang, w};
  uint64_t h = XXH3_64bits_withSeed(t->surface, t->surface_len, t->lang);
  uint32_t id = fossc_htab_find(&w->surf_ix, h, surf_eq, &k);
  uint32_t term;
  if (id != FOSSC_HTAB_EMPTY) {
    term = w->surf[id].term;
  } else {
    term = intern_term(w, t->term, t->term_len);
    if (term == FOSSC_HTAB_EMPTY) return FOSSC_ERR_NOMEM;
    uint32_t word = intern_word(w, t->plain, t->plain_len);
    if (word == FOSSC_HTAB_EMPTY || note_pair(w, word, term))
      return FOSSC_ERR_NOMEM;
    if (grow((void **)&w->surf, &w->surf_cap, w->nsurf + 1, sizeof *w->surf))
      return FOSSC_ERR_NOMEM;
    surf_rec *r = &w->surf[w->nsurf];
    r->off = (uint32_t)w->surfs.len;
    r->len = (uint8_t)t->surface_len;
    r->lang = t->lang;
    r->term = term;
    r->word = word;
    fossc_buf_append(&w->surfs, t->surface, t->surface_len);
    if (w->surfs.oom || w->surfs.len > UINT32_MAX ||
        fossc_htab_insert(&w->surf_ix, h, w->nsurf))
      return FOSSC_ERR_NOMEM;
    w->nsurf++;
  }
  if (grow((void **)&w->occ, &w->occ_cap, w->nocc + 1, sizeof *w->occ))
    return FOSSC_ERR_NOMEM;
  w->occ[w->nocc++] = (uint64_t)term << 32 | t->pos;
  return 0;
}

/* Appends document d's occurrences to the terms' streams. Occurrences come
** in position order; a counting pass groups them by term, keeping that
** order, so no sort is needed. */
static int flush_occurrences(fossc_writer *w, uint32_t d, uint32_t body_start) {
  uint32_t nd = 0;
  if (grow((void **)&w->grouped, &w->grouped_cap, w->nocc + 1,
           sizeof *w->grouped) ||
      grow((void **)&w->distinct, &w->distinct_cap, w->nocc + 1,
           sizeof *w->distinct))
    return FOSSC_ERR_NOMEM;
  for (uint32_t i = 0; i < w->nocc; i++) {
    term_rec *t = &w->terms[(uint32_t)(w->occ[i] >> 32)];
    if (t->mark != d + 1) {
      t->mark = d + 1;
      t->cnt = t->tft = 0;
      w->distinct[nd++] = (uint32_t)(w->occ[i] >> 32);
    }
    t->cnt++;
    if ((uint32_t)w->occ[i] < body_start) t->tft++;
  }
  uint32_t at = 0;
  for (uint32_t i = 0; i < nd; i++) {
    term_rec *t = &w->terms[w->distinct[i]];
    t->off = at;
    at += t->cnt;
  }
  for (uint32_t i = 0; i < w->nocc; i++) {
    term_rec *t = &w->terms[(uint32_t)(w->occ[i] >> 32)];
    w->grouped[t->off++] = (uint32_t)w->occ[i];
  }
  for (uint32_t i = 0; i < nd; i++) {
    term_rec *t = &w->terms[w->distinct[i]];
    const uint32_t *pos = w->grouped + t->off - t->cnt;
    fossc_buf *b = &t->raw;
    fossc_buf_put_varint(b, t->last_doc == UINT32_MAX ? d : d - t->last_doc - 1);
    fossc_buf_put_varint(b, t->tft);
    fossc_buf_put_varint(b, t->cnt - t->tft);
    uint32_t prev = 0;
    for (uint32_t k = 0; k < t->cnt; k++) {
      fossc_buf_put_varint(b, k == 0 ? pos[k] : pos[k] - prev);
      prev = pos[k];
    }
    if (b->oom) return FOSSC_ERR_NOMEM;
    t->last_doc = d;
    t->df++;
  }
  w->nocc = 0;
  return 0;
}

static int store_flush_block(fossc_writer *w, doc_store *st) {
  if (st->raw.len == 0) return 0;
  size_t bound = ZSTD_compressBound(st->raw.len);
  if (fossc_buf_reserve(&st->comp, bound)) return FOSSC_ERR_NOMEM;
  size_t z = ZSTD_compressCCtx(w->cctx, st->comp.data + st->comp.len, bound,
                               st->raw.data, st->raw.len, w->opts.zstd_level);
  if (ZSTD_isError(z)) return FOSSC_ERR_INTERNAL;
  fossc_buf_put_u64(&st->blk, st->comp.len);
  fossc_buf_put_u32(&st->blk, (uint32_t)z);
  fossc_buf_put_u32(&st->blk, (uint32_t)st->raw.len);
  st->comp.len += z;
  st->nblocks++;
  fossc_buf_reset(&st->raw);
  return st->blk.oom ? FOSSC_ERR_NOMEM : 0;
}

static void put_str(fossc_buf *b, const char *s, size_t n) {
  fossc_buf_put_varint(b, n);
  fossc_buf_append(b, s, n);
}

typedef struct {
  const char *s;
  size_t n;
  const fossc_writer *w;
} id_ctx;

static int id_eq(const void *ctx, uint32_t docnum) {
  /* Ids are hashed with 64 bits; a true collision between two distinct ids
  ** is treated as a duplicate (probability ~n^2/2^65: negligible). */
  (void)ctx;
  (void)docnum;
  return 1;
}

int fossc_writer_add(fossc_writer *w, const fossc_doc *doc, fossc_error *err) {
  if (w->failed)
    return fossc_error_set(err, FOSSC_ERR_ARG, "writer failed earlier");
  if (w->ndocs >= FOSSC_MAX_DOCS)
    return fossc_error_set(err, FOSSC_ERR_LIMIT, "more than %u documents",
                           FOSSC_MAX_DOCS);
  uint64_t idh = XXH3_64bits(doc->id, doc->id_len);
  id_ctx ic = {doc->id, doc->id_len, w};
  if (fossc_htab_find(&w->id_ix, idh, id_eq, &ic) != FOSSC_HTAB_EMPTY)
    return fossc_error_set(err, FOSSC_ERR_INPUT, "duplicate document id '%.*s'",
                           (int)(doc->id_len > 200 ? 200 : doc->id_len),
                           doc->id);
  uint32_t d = w->ndocs;
  uint32_t cap = w->docs_cap;
  int rc = 0;
  rc |= grow((void **)&w->body_len, &cap, d + 1, sizeof *w->body_len);
  cap = w->docs_cap;
  rc |= grow((void **)&w->title_len, &cap, d + 1, sizeof *w->title_len);
  cap = w->docs_cap;
  rc |= grow((void **)&w->lang, &cap, d + 1, 1);
  cap = w->docs_cap;
  rc |= grow((void **)&w->ids, &cap, d + 1, sizeof *w->ids);
  cap = w->docs_cap;
  rc |= grow((void **)&w->ddoc, &cap, d + 1, 4 * sizeof *w->ddoc);
  if (rc) goto oom;
  w->docs_cap = cap;

  fossc_lang lang = doc->lang;
  if (lang == FOSSC_LANG_UNKNOWN)
    lang = fossc_detect_lang(w->an, doc->body, doc->body_len);
  if (lang == FOSSC_LANG_UNKNOWN)
    lang = fossc_detect_lang(w->an, doc->title, doc->title_len);

  tok_ctx tc = {w, 0};
  w->nocc = 0;
  w->field_tokens = 0;
  w->field_cap = FOSSC_MAX_TITLE_WORDS;
  rc = fossc_analyze(w->an, doc->title, doc->title_len, lang, 0, on_token, &tc);
  if (rc) goto fail;
  uint32_t title_tokens = w->field_tokens;
  uint32_t body_start = title_tokens + FOSSC_FIELD_GAP;
  w->field_tokens = 0;
  w->field_cap = FOSSC_MAX_POSITIONS;
  rc = fossc_analyze(w->an, doc->body, doc->body_len, lang, body_start,
                     on_token, &tc);
  if (rc) goto fail;
  uint32_t body_tokens = w->field_tokens;
  rc = flush_occurrences(w, d, body_start);
  if (rc) goto fail;

  w->body_len[d] = body_tokens;
  w->title_len[d] = (uint16_t)title_tokens;
  w->lang[d] = (uint8_t)lang;
  w->ids[d] = idh;
  w->title_tokens += title_tokens;
  w->body_tokens += body_tokens;
  w->docs_lang[lang]++;
  w->bytes_in += doc->title_len + doc->body_len;

  /* Stored fields, for GET and snippets. */
  w->ddoc[4 * d] = w->fst.nblocks;
  w->ddoc[4 * d + 1] = (uint32_t)w->fst.raw.len;
  put_str(&w->fst.raw, doc->id, doc->id_len);
  put_str(&w->fst.raw, doc->title, doc->title_len);
  put_str(&w->fst.raw, doc->source, doc->source_len);
  fossc_buf_putc(&w->fst.raw, (char)lang);
  w->ddoc[4 * d + 2] = w->bst.nblocks;
  w->ddoc[4 * d + 3] = (uint32_t)w->bst.raw.len;
  put_str(&w->bst.raw, doc->body, doc->body_len);
  if (w->fst.raw.oom || w->bst.raw.oom) goto oom;
  if (w->fst.raw.len >= w->fst.block_bytes &&
      (rc = store_flush_block(w, &w->fst)))
    goto fail;
  if (w->bst.raw.len >= w->bst.block_bytes &&
      (rc = store_flush_block(w, &w->bst)))
    goto fail;
  if (fossc_htab_insert(&w->id_ix, idh, d)) goto oom;
  w->ndocs++;
  return FOSSC_OK;
oom:
  rc = FOSSC_ERR_NOMEM;
fail:
  w->failed = 1;
  return fossc_error_set(err, rc, "indexing document '%.*s': %s",
                         (int)(doc->id_len > 200 ? 200 : doc->id_len), doc->id,
                         fossc_strerror(rc));
}

/* ------------------------------------------------------------ finish */
typedef struct sec_writer {
  int fd;
  const char *path;
  uint64_t off;
  fossc_buf chunk;
  XXH64_state_t *xx;
  int nsec;
  uint8_t table[FOSSC_MAX_SECTIONS * FOSSC_SECTION_ENTRY_BYTES];
  uint64_t sec_start;
  int err_no;
} sec_writer;

static int sw_flush(sec_writer *s) {
  size_t done = 0;
  while (done < s->chunk.len) {
    ssize_t n = write(s->fd, s->chunk.data + done, s->chunk.len - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      s->err_no = errno;
      return FOSSC_ERR_IO;
    }
    done += (size_t)n;
  }
  fossc_buf_reset(&s->chunk);
  return 0;
}

static int sw_write(sec_writer *s, const void *p, size_t n) {
  XXH64_update(s->xx, p, n);
  fossc_buf_append(&s->chunk, p, n);
  s->off += n;
  if (s->chunk.oom) return FOSSC_ERR_NOMEM;
  return s->chunk.len >= WRITE_CHUNK ? sw_flush(s) : 0;
}

static int sw_begin(sec_writer *s) {
  static const uint8_t zeros[FOSSC_SECTION_ALIGN];
  size_t pad = (FOSSC_SECTION_ALIGN - s->off % FOSSC_SECTION_ALIGN) %
               FOSSC_SECTION_ALIGN;
  fossc_buf_append(&s->chunk, zeros, pad);
  s->off += pad;
  s->sec_start = s->off;
  XXH64_reset(s->xx, 0);
  return s->chunk.oom ? FOSSC_ERR_NOMEM : 0;
}

static void put_le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put_le64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void sw_end(sec_writer *s, const char *name) {
  uint8_t *e = s->table + s->nsec * FOSSC_SECTION_ENTRY_BYTES;
  memset(e, 0, FOSSC_SECTION_ENTRY_BYTES);
  memcpy(e, name, strlen(name));
  put_le64(e + 8, s->sec_start);
  put_le64(e + 16, s->off - s->sec_start);
  put_le64(e + 24, XXH64_digest(s->xx));
  s->nsec++;
}

static int sw_section(sec_writer *s, const char *name, const void *p,
                      size_t n) {
  int rc = sw_begin(s);
  if (!rc && n) rc = sw_write(s, p, n);
  if (!rc) sw_end(s, name);
  return rc;
}

/* Sorting context for terms and words (qsort has no user pointer). */
static const fossc_writer *sort_w;

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn) {
  int c = memcmp(a, b, an < bn ? an : bn);
  return c ? c : (an > bn) - (an < bn);
}

static int cmp_term_ids(const void *x, const void *y) {
  const term_rec *a = &sort_w->terms[*(const uint32_t *)x];
  const term_rec *b = &sort_w->terms[*(const uint32_t *)y];
  return cmp_bytes(sort_w->strs.data + a->str_off, a->len,
                   sort_w->strs.data + b->str_off, b->len);
}

static const uint32_t *sort_term_rank; /* old term id -> sorted index */

static int cmp_pairs(const void *x, const void *y) {
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  uint32_t wa = (uint32_t)(a >> 32), wb = (uint32_t)(b >> 32);
  int c = cmp_bytes(sort_w->wstrs.data + sort_w->word_off[wa],
                    sort_w->word_len[wa],
                    sort_w->wstrs.data + sort_w->word_off[wb],
                    sort_w->word_len[wb]);
  if (c) return c;
  uint32_t ta = sort_term_rank[(uint32_t)a], tb = sort_term_rank[(uint32_t)b];
  return (ta > tb) - (ta < tb);
}

static int cmp_ids(const void *x, const void *y) {
  const uint8_t *a = x, *b = y;
  uint64_t ha = fossc_rd64(a), hb = fossc_rd64(b);
  if (ha != hb) return ha < hb ? -1 : 1;
  uint32_t da = fossc_rd32(a + 8), db = fossc_rd32(b + 8);
  return (da > db) - (da < db);
}

/* Finds the next generation number: one past the largest in dir. */
static unsigned next_generation(const char *dir) {
  unsigned max = 0;
  DIR *dh = opendir(dir);
  if (!dh) return 1;
  struct dirent *de;
  while ((de = readdir(dh))) {
    unsigned g;
    char tail[8];
    if (sscanf(de->d_name, "fossc-%u.%7s", &g, tail) == 2 &&
        strcmp(tail, "idx") == 0 && g > max)
      max = g;
  }
  closedir(dh);
  return max + 1;
}

static void remove_old(const char *dir, unsigned keep) {
  DIR *dh = opendir(dir);
  if (!dh) return;
  struct dirent *de;
  char path[4096];
  while ((de = readdir(dh))) {
    unsigned g;
    char tail[16];
    if (sscanf(de->d_name, "fossc-%u.%15s", &g, tail) == 2 && g != keep &&
        (strcmp(tail, "idx") == 0 || strcmp(tail, "idx.tmp") == 0)) {
      snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
      unlink(path);
    }
  }
  closedir(dh);
}

/* mkdir -p: creates dir and its missing parents. Returns 0 or -1 (errno). */
static int make_dirs(const char *dir) {
  char path[4096];
  size_t n = strlen(dir);
  if (n == 0 || n >= sizeof path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(path, dir, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (path[i] != '/' && path[i] != '\0') continue;
    char c = path[i];
    path[i] = '\0';
    if (mkdir(path, 0755) && errno != EEXIST) return -1;
    path[i] = c;
  }
  struct stat st;
  if (stat(dir, &st)) return -1;
  if (!S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    return -1;
  }
  return 0;
}

static int fsync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return -1;
  int r = fsync(fd);
  close(fd);
  return r;
}

static int write_sections(fossc_writer *w, sec_writer *s,
                          fossc_build_stats *st) {
  int rc;
  uint32_t n = w->nterms;
  uint32_t *order = fossc_malloc((size_t)(n ? n : 1) * sizeof *order);
  uint32_t *rank = fossc_malloc((size_t)(n ? n : 1) * sizeof *rank);
  fossc_buf b = FOSSC_BUF_INIT, post = FOSSC_BUF_INIT, scratch = FOSSC_BUF_INIT;
  if (!order || !rank) {
    rc = FOSSC_ERR_NOMEM;
    goto done;
  }
  /* META counts the blocks */
  if ((rc = store_flush_block(w, &w->fst)) ||
      (rc = store_flush_block(w, &w->bst)))
    goto done;
  for (uint32_t i = 0; i < n; i++) order[i] = i;
  sort_w = w;
  qsort(order, n, sizeof *order, cmp_term_ids);
  for (uint32_t i = 0; i < n; i++) rank[order[i]] = i;

  /* META */
  float avg_title = w->ndocs ? (float)w->title_tokens / w->ndocs : 0;
  float avg_body = w->ndocs ? (float)w->body_tokens / w->ndocs : 0;
  uint8_t meta[FOSSC_META_BYTES] = {0};
  put_le32(meta + 0, w->ndocs);
  put_le32(meta + 4, n);
  put_le32(meta + 8, w->npairs);
  put_le32(meta + 12, FOSSC_BLOCK_DOCS);
  put_le64(meta + 16, w->title_tokens);
  put_le64(meta + 24, w->body_tokens);
  put_le32(meta + 32, w->bst.nblocks);
  put_le32(meta + 64, w->fst.nblocks);
  put_le32(meta + 36, w->docs_lang[FOSSC_LANG_EN]);
  put_le32(meta + 40, w->docs_lang[FOSSC_LANG_ES]);
  float params[5] = {FOSSC_BM25_K1, FOSSC_BM25_W_TITLE, FOSSC_BM25_B_TITLE,
                     FOSSC_BM25_W_BODY, FOSSC_BM25_B_BODY};
  for (int i = 0; i < 5; i++) {
    uint32_t u;
    memcpy(&u, &params[i], 4);
    put_le32(meta + 44 + 4 * i, u);
  }
  if ((rc = sw_section(s, FOSSC_SEC_META, meta, sizeof meta))) goto done;

  /* TSTR: term strings in sorted order */
  if ((rc = sw_begin(s))) goto done;
  uint64_t tstr_len = 0;
  for (uint32_t i = 0; i < n; i++) {
    const term_rec *t = &w->terms[order[i]];
    if ((rc = sw_write(s, w->strs.data + t->str_off, t->len))) goto done;
    tstr_len += t->len;
  }
  sw_end(s, FOSSC_SEC_TSTR);

  /* POSTS, and the TERMS entries that point into it */
  fossc_norms_view nv = {w->body_len, w->title_len, avg_body, avg_title};
  if ((rc = sw_begin(s))) goto done;
  uint64_t post_off = 0, str_off = 0;
  for (uint32_t i = 0; i < n; i++) {
    term_rec *t = &w->terms[order[i]];
    fossc_buf_reset(&post);
    rc = fossc_postings_encode((const uint8_t *)t->raw.data, t->raw.len, t->df,
                               &nv, w->cctx, w->opts.zstd_level, &scratch,
                               &post);
    if (rc) goto done;
    if (post.len > UINT32_MAX) {
      rc = FOSSC_ERR_LIMIT;
      goto done;
    }
    if ((rc = sw_write(s, post.data, post.len))) goto done;
    fossc_buf_put_u32(&b, (uint32_t)str_off);
    fossc_buf_put_u32(&b, t->df);
    fossc_buf_put_u64(&b, post_off);
    fossc_buf_put_u32(&b, (uint32_t)post.len);
    fossc_buf_putc(&b, (char)t->len);
    fossc_buf_append(&b, "\0\0\0", 3);
    str_off += t->len;
    post_off += post.len;
    fossc_buf_free(&t->raw); /* encoded: release as we go */
  }
  sw_end(s, FOSSC_SEC_POSTS);
  st->postings_bytes = post_off;
  if (b.oom) {
    rc = FOSSC_ERR_NOMEM;
    goto done;
  }
  if ((rc = sw_section(s, FOSSC_SEC_TERMS, b.data, b.len))) goto done;
  st->dict_bytes = b.len + tstr_len;

  /* WORDS + WSTR: (plain word, term) pairs, sorted */
  sort_term_rank = rank;
  qsort(w->pairs, w->npairs, sizeof *w->pairs, cmp_pairs);
  fossc_buf_reset(&b);
  fossc_buf_reset(&scratch);
  uint32_t prev_word = FOSSC_HTAB_EMPTY, wstr_at = 0;
  for (uint32_t i = 0; i < w->npairs; i++) {
    uint32_t word = (uint32_t)(w->pairs[i] >> 32);
    if (word != prev_word) {
      wstr_at = (uint32_t)scratch.len;
      fossc_buf_append(&scratch, w->wstrs.data + w->word_off[word],
                       w->word_len[word]);
      prev_word = word;
    }
    fossc_buf_put_u32(&b, wstr_at);
    fossc_buf_put_u32(&b, rank[(uint32_t)w->pairs[i]]);
    fossc_buf_putc(&b, (char)w->word_len[word]);
    fossc_buf_append(&b, "\0\0\0", 3);
  }
  if (b.oom || scratch.oom) {
    rc = FOSSC_ERR_NOMEM;
    goto done;
  }
  if ((rc = sw_section(s, FOSSC_SEC_WORDS, b.data, b.len))) goto done;
  if ((rc = sw_section(s, FOSSC_SEC_WSTR, scratch.data, scratch.len)))
    goto done;
  st->dict_bytes += b.len + scratch.len;

  /* NORMS */
  fossc_buf_reset(&b);
  for (uint32_t d = 0; d < w->ndocs; d++) {
    fossc_buf_put_u32(&b, w->body_len[d]);
    fossc_buf_put_u16(&b, w->title_len[d]);
    fossc_buf_putc(&b, (char)w->lang[d]);
    fossc_buf_putc(&b, 0);
  }
  if (b.oom) {
    rc = FOSSC_ERR_NOMEM;
    goto done;
  }
  if ((rc = sw_section(s, FOSSC_SEC_NORMS, b.data, b.len))) goto done;

  /* IDS */
  fossc_buf_reset(&b);
  for (uint32_t d = 0; d < w->ndocs; d++) {
    fossc_buf_put_u64(&b, w->ids[d]);
    fossc_buf_put_u32(&b, d);
  }
  if (b.oom) {
    rc = FOSSC_ERR_NOMEM;
    goto done;
  }
  qsort(b.data, w->ndocs, FOSSC_IDS_ENTRY_BYTES, cmp_ids);
  if ((rc = sw_section(s, FOSSC_SEC_IDS, b.data, b.len))) goto done;

  /* Document store */
  fossc_buf_reset(&b);
  for (uint32_t d = 0; d < 4 * w->ndocs; d++) fossc_buf_put_u32(&b, w->ddoc[d]);
  if (b.oom || w->fst.comp.oom || w->bst.comp.oom) {
    rc = FOSSC_ERR_NOMEM;
    goto done;
  }
  if ((rc = sw_section(s, FOSSC_SEC_DDOC, b.data, b.len)) ||
      (rc = sw_section(s, FOSSC_SEC_FBLK, w->fst.blk.data, w->fst.blk.len)) ||
      (rc = sw_section(s, FOSSC_SEC_FLDS, w->fst.comp.data, w->fst.comp.len)) ||
      (rc = sw_section(s, FOSSC_SEC_DBLK, w->bst.blk.data, w->bst.blk.len)) ||
      (rc = sw_section(s, FOSSC_SEC_DOCS, w->bst.comp.data, w->bst.comp.len)))
    goto done;
  st->store_bytes = w->fst.comp.len + w->fst.blk.len + w->bst.comp.len +
                    w->bst.blk.len + b.len;
  for (int i = 0; i < w->nextra; i++)
    if ((rc = sw_section(s, w->extra_name[i], w->extra[i].data, w->extra[i].len)))
      goto done;
  rc = sw_flush(s);
done:
  fossc_free(order);
  fossc_free(rank);
  fossc_buf_free(&b);
  fossc_buf_free(&post);
  fossc_buf_free(&scratch);
  return rc;
}

int fossc_writer_finish(fossc_writer *w, const char *dir,
                        fossc_build_stats *stats, fossc_error *err) {
  fossc_build_stats st = {0};
  if (w->failed)
    return fossc_error_set(err, FOSSC_ERR_ARG, "writer failed earlier");
  w->failed = 1; /* a writer finishes once */
  if (make_dirs(dir))
    return fossc_error_set(err, FOSSC_ERR_IO, "cannot create %s: %s", dir,
                           strerror(errno));
  unsigned gen = next_generation(dir);
  char final_path[4096], tmp_path[4200], cur_tmp[4200], cur[4200];
  snprintf(final_path, sizeof final_path, "%s/fossc-%06u.idx", dir, gen);
  snprintf(tmp_path, sizeof tmp_path, "%s.tmp", final_path);
  snprintf(cur, sizeof cur, "%s/CURRENT", dir);
  snprintf(cur_tmp, sizeof cur_tmp, "%s/CURRENT.tmp", dir);

  sec_writer s = {0};
  s.path = tmp_path;
  s.xx = XXH64_createState();
  s.fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (s.fd < 0 || !s.xx) {
    int e = errno;
    XXH64_freeState(s.xx);
    if (s.fd >= 0) close(s.fd);
    return fossc_error_set(err, FOSSC_ERR_IO, "cannot create %s: %s", tmp_path,
                           strerror(e));
  }
  /* Header and section table are written last, over these zeros. */
  uint8_t zeros[FOSSC_HEADER_BYTES + FOSSC_MAX_SECTIONS * FOSSC_SECTION_ENTRY_BYTES] = {0};
  fossc_buf_append(&s.chunk, zeros, sizeof zeros);
  s.off = sizeof zeros;
  int rc = write_sections(w, &s, &st);
  if (!rc) {
    uint8_t hdr[FOSSC_HEADER_BYTES] = {0};
    memcpy(hdr, FOSSC_INDEX_MAGIC, 8);
    put_le32(hdr + 8, FOSSC_FORMAT_VERSION);
    put_le32(hdr + 12, (uint32_t)s.nsec);
    put_le64(hdr + 16, s.off);
    put_le32(hdr + 24, w->ndocs);
    XXH64_reset(s.xx, 0);
    XXH64_update(s.xx, hdr, 40);
    XXH64_update(s.xx, s.table, sizeof s.table);
    put_le64(hdr + 40, XXH64_digest(s.xx));
    if (pwrite(s.fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr ||
        pwrite(s.fd, s.table, sizeof s.table, FOSSC_HEADER_BYTES) !=
            (ssize_t)sizeof s.table)
      s.err_no = errno, rc = FOSSC_ERR_IO;
  }
  if (!rc && fsync(s.fd)) s.err_no = errno, rc = FOSSC_ERR_IO;
  if (close(s.fd) && !rc) s.err_no = errno, rc = FOSSC_ERR_IO;
  XXH64_freeState(s.xx);
  fossc_buf_free(&s.chunk);
  if (rc) {
    unlink(tmp_path);
    if (rc == FOSSC_ERR_IO)
      return fossc_error_set(err, rc, "writing %s: %s (previous index kept)",
                             tmp_path, strerror(s.err_no));
    return fossc_error_set(err, rc, "writing %s: %s (previous index kept)",
                           tmp_path, fossc_strerror(rc));
  }
  /* Switch: the new file gets its final name, then CURRENT names it. A crash
  ** before the last rename leaves CURRENT naming the previous generation. */
  FILE *f = NULL;
  if (rename(tmp_path, final_path) || !(f = fopen(cur_tmp, "w")) ||
      fprintf(f, "fossc-%06u.idx\n", gen) < 0 || fflush(f) ||
      fsync(fileno(f)) || fclose(f) || (f = NULL, rename(cur_tmp, cur)) ||
      fsync_dir(dir)) {
    int e = errno;
    if (f) fclose(f);
    unlink(tmp_path);
    unlink(cur_tmp);
    return fossc_error_set(err, FOSSC_ERR_IO,
                           "switching %s to generation %u: %s", dir, gen,
                           strerror(e));
  }
  remove_old(dir, gen);
  st.docs = w->ndocs;
  st.terms = w->nterms;
  st.tokens = w->title_tokens + w->body_tokens;
  st.bytes_in = w->bytes_in;
  st.index_bytes = s.off;
  if (stats) *stats = st;
  return FOSSC_OK;
}
