/*
** The worker side of the index writer (segment.h): a batch of documents
** becomes a segment (its own term table and raw per-term streams with
** document numbers local to the batch, the (term, word) pairs it met, the
** per-document norms); store blocks are compressed; at the end, postings
** lists are encoded. Nothing here touches the owner's structures, so any
** number of workers run at once.
*/
#include "segment.h"

#include <string.h>
#include <xxhash.h>

/* The analyzer's word cache at its cap plus one batch (analysis.c: 144k
** words; records, strings and hash slots grown by doubling, ~16 MB of
** address space) and the worker's slots for those words in two languages
** (8 bytes each, ~4 MB once doubled). */
#define ANALYZER_BYTES (20u << 20)
/* A zstd compression context at the default level (ZSTD_estimateCCtxSize
** is not in zstd's stable API; levels up to 9 need under 2 MB), plus the
** encoding scratch. */
#define ZSTD_CCTX_BYTES (3u << 20)
/* A batch's streams hold about a third of its text in bytes (measured on
** the medium corpus: 0.26-0.37), and their buffer, with the room regions
** keep and the regions left behind by moves, 0.8-1.1 times the text: it is
** reserved at 5/4 of the text, so that it seldom grows (pages never written
** are never resident). */
#define STREAMS_RESERVE(text_len) ((text_len) + (text_len) / 4)
/* The smallest stream region: a term met once takes 4-6 bytes. */
#define STREAM_MIN_CAP 16u

int fossc_grow(void **p, uint32_t *cap, uint32_t need, size_t elem) {
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

size_t fossc_wworker_reserve(int zstd_level) {
  /* High levels use larger windows and tables: scale roughly. */
  size_t z = ZSTD_CCTX_BYTES * (zstd_level > 9 ? (size_t)zstd_level / 3 : 1);
  return ANALYZER_BYTES + z;
}

int fossc_wworker_init(fossc_wworker *wk, int zstd_level, fossc_error *err) {
  memset(wk, 0, sizeof *wk);
  wk->zstd_level = zstd_level;
  int rc = fossc_analyzer_create(&wk->an, err);
  if (rc) return rc;
  wk->cctx = ZSTD_createCCtx();
  if (!wk->cctx) {
    fossc_wworker_release(wk);
    return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  }
  return FOSSC_OK;
}

void fossc_wworker_release(fossc_wworker *wk) {
  fossc_analyzer_free(wk->an);
  ZSTD_freeCCtx(wk->cctx);
  fossc_buf_free(&wk->scratch);
  fossc_free(wk->wslot);
  fossc_free(wk->occ);
  fossc_free(wk->distinct);
  fossc_free(wk->grouped);
  fossc_free(wk->tsc);
  memset(wk, 0, sizeof *wk);
}

void fossc_wjob_free(fossc_wjob *j) {
  if (!j) return;
  fossc_free(j->docs);
  fossc_buf_free(&j->text);
  for (uint32_t i = 0; i < j->nblks; i++) fossc_buf_free(&j->blks[i].raw);
  fossc_free(j->blks);
  fossc_free(j->terms);
  fossc_buf_free(&j->streams);
  fossc_buf_free(&j->strs);
  fossc_htab_release(&j->term_ix);
  fossc_free(j->pairs);
  fossc_buf_free(&j->pstrs);
  fossc_free(j->body_len);
  fossc_free(j->title_len);
  fossc_free(j->lang);
  fossc_buf_free(&j->comp);
  fossc_free(j->enc_term);
  fossc_free(j->enc_df);
  fossc_free(j->enc_raw);
  fossc_free(j->enc_len);
  fossc_buf_free(&j->enc_in);
  fossc_buf_free(&j->enc_out);
  fossc_free(j->enc_out_len);
  fossc_free(j);
}

/* ------------------------------------------------------------ segment */
typedef struct {
  const char *s;
  size_t n;
  const fossc_wjob *j;
} seg_key;

static int seg_term_eq(const void *ctx, uint32_t id) {
  const seg_key *k = ctx;
  const fossc_seg_term *t = &k->j->terms[id];
  return t->len == k->n && memcmp(k->j->strs.data + t->str_off, k->s, k->n) == 0;
}

/* Returns the segment term id of s[0..n), adding it if new;
** FOSSC_HTAB_EMPTY on OOM. */
static uint32_t seg_intern(fossc_wworker *wk, const char *s, size_t n) {
  fossc_wjob *j = wk->job;
  uint64_t h = XXH3_64bits(s, n);
  seg_key k = {s, n, j};
  uint32_t id = fossc_htab_find(&j->term_ix, h, seg_term_eq, &k);
  if (id != FOSSC_HTAB_EMPTY) return id;
  if (fossc_grow((void **)&j->terms, &j->terms_cap, j->nterms + 1,
                 sizeof *j->terms) ||
      fossc_grow((void **)&wk->tsc, &wk->tsc_cap, j->nterms + 1,
                 sizeof *wk->tsc))
    return FOSSC_HTAB_EMPTY;
  memset(&wk->tsc[j->nterms], 0, sizeof *wk->tsc);
  fossc_seg_term *t = &j->terms[j->nterms];
  memset(t, 0, sizeof *t);
  t->hash = h;
  t->str_off = (uint32_t)j->strs.len;
  t->len = (uint8_t)n;
  t->last_doc = UINT32_MAX;
  fossc_buf_append(&j->strs, s, n);
  if (j->strs.oom || j->strs.len > UINT32_MAX ||
      fossc_htab_insert(&j->term_ix, h, j->nterms))
    return FOSSC_HTAB_EMPTY;
  return j->nterms++;
}

/* Grows the word slots to hold index ix, new slots zeroed. 0 or NOMEM. */
static int wslot_grow(fossc_wworker *wk, uint32_t ix) {
  uint32_t old = wk->wslot_cap;
  if (ix >= UINT32_MAX - 1 ||
      fossc_grow((void **)&wk->wslot, &wk->wslot_cap, ix + 1, sizeof *wk->wslot))
    return FOSSC_ERR_NOMEM;
  memset(wk->wslot + old, 0, (size_t)(wk->wslot_cap - old) * sizeof *wk->wslot);
  return 0;
}

static int on_token(void *ctx, const fossc_token *t) {
  fossc_wworker *wk = ctx;
  fossc_wjob *j = wk->job;
  if (wk->field_tokens >= wk->field_cap) return 0;
  wk->field_tokens++;
  if (t->word_epoch != wk->epoch) {
    /* The analyzer forgot its words and reuses their ids: so do we. A word
    ** met again in this job re-enters its pair; the owner drops repeats. */
    memset(wk->wslot, 0, (size_t)wk->wslot_cap * sizeof *wk->wslot);
    wk->epoch = t->word_epoch;
  }
  uint32_t ix = t->word_id * 2 + (t->lang == FOSSC_LANG_ES);
  if (ix >= wk->wslot_cap && wslot_grow(wk, ix)) return FOSSC_ERR_NOMEM;
  fossc_wslot *r = &wk->wslot[ix];
  if (r->stamp != wk->stamp) {
    /* First use in this job: enter the term and the pair in the segment. */
    uint32_t term = seg_intern(wk, t->term, t->term_len);
    if (term == FOSSC_HTAB_EMPTY ||
        fossc_grow((void **)&j->pairs, &j->pairs_cap, j->npairs + 1,
                   sizeof *j->pairs))
      return FOSSC_ERR_NOMEM;
    fossc_seg_pair *p = &j->pairs[j->npairs];
    p->term = term;
    p->off = (uint32_t)j->pstrs.len;
    p->len = (uint8_t)t->plain_len;
    fossc_buf_append(&j->pstrs, t->plain, t->plain_len);
    if (j->pstrs.oom || j->pstrs.len > UINT32_MAX) return FOSSC_ERR_NOMEM;
    j->npairs++;
    r->stamp = wk->stamp;
    r->seg_term = term;
  }
  if (fossc_grow((void **)&wk->occ, &wk->occ_cap, wk->nocc + 1,
                 sizeof *wk->occ))
    return FOSSC_ERR_NOMEM;
  wk->occ[wk->nocc++] = (uint64_t)r->seg_term << 32 | t->pos;
  return 0;
}

/* Makes room for `extra` more bytes in term t's stream (job->streams).
** Returns 0 or FOSSC_ERR_NOMEM (also when the streams would pass 4 GB). */
static int stream_reserve(fossc_wjob *j, fossc_seg_term *t, size_t extra) {
  fossc_buf *s = &j->streams;
  size_t need = (size_t)t->raw_len + extra;
  if (need <= t->raw_cap) return 0;
  size_t cap = (size_t)t->raw_cap * 2;
  if (cap < need) cap = need;
  if (cap < STREAM_MIN_CAP) cap = STREAM_MIN_CAP;
  /* The last region grows in place; another moves to the end. */
  int last = (size_t)t->raw_off + t->raw_cap == s->len;
  size_t add = last ? cap - t->raw_cap : cap;
  if (fossc_buf_reserve(s, add) || s->len + add > UINT32_MAX)
    return FOSSC_ERR_NOMEM;
  if (!last) {
    if (t->raw_len) memcpy(s->data + s->len, s->data + t->raw_off, t->raw_len);
    t->raw_off = (uint32_t)s->len;
  }
  s->len += add;
  t->raw_cap = (uint32_t)cap;
  return 0;
}

/* Appends local document d's occurrences to the segment's streams.
** Occurrences come in position order; a counting pass groups them by term,
** keeping that order, so no sort is needed. */
static int flush_occurrences(fossc_wworker *wk, uint32_t d,
                             uint32_t body_start) {
  fossc_wjob *j = wk->job;
  uint32_t nd = 0;
  if (fossc_grow((void **)&wk->grouped, &wk->grouped_cap, wk->nocc + 1,
                 sizeof *wk->grouped) ||
      fossc_grow((void **)&wk->distinct, &wk->distinct_cap, wk->nocc + 1,
                 sizeof *wk->distinct))
    return FOSSC_ERR_NOMEM;
  for (uint32_t i = 0; i < wk->nocc; i++) {
    fossc_term_scratch *t = &wk->tsc[(uint32_t)(wk->occ[i] >> 32)];
    if (t->mark != d + 1) {
      t->mark = d + 1;
      t->cnt = t->tft = 0;
      wk->distinct[nd++] = (uint32_t)(wk->occ[i] >> 32);
    }
    t->cnt++;
    if ((uint32_t)wk->occ[i] < body_start) t->tft++;
  }
  uint32_t at = 0;
  for (uint32_t i = 0; i < nd; i++) {
    fossc_term_scratch *t = &wk->tsc[wk->distinct[i]];
    t->off = at;
    at += t->cnt;
  }
  for (uint32_t i = 0; i < wk->nocc; i++) {
    fossc_term_scratch *t = &wk->tsc[(uint32_t)(wk->occ[i] >> 32)];
    wk->grouped[t->off++] = (uint32_t)wk->occ[i];
  }
  for (uint32_t i = 0; i < nd; i++) {
    fossc_seg_term *t = &j->terms[wk->distinct[i]];
    const fossc_term_scratch *c = &wk->tsc[wk->distinct[i]];
    const uint32_t *pos = wk->grouped + c->off - c->cnt;
    /* Room for every varint of this document at once (at most 5 bytes
    ** each: all values fit in 32 bits), then plain stores. */
    if (stream_reserve(j, t, ((size_t)c->cnt + 3) * 5)) return FOSSC_ERR_NOMEM;
    uint8_t *start = (uint8_t *)j->streams.data + t->raw_off + t->raw_len;
    uint8_t *o = start;
    o += fossc_put_varint_at(
        o, t->last_doc == UINT32_MAX ? d : d - t->last_doc - 1);
    o += fossc_put_varint_at(o, c->tft);
    o += fossc_put_varint_at(o, c->cnt - c->tft);
    uint32_t prev = 0;
    for (uint32_t k = 0; k < c->cnt; k++) {
      o += fossc_put_varint_at(o, k == 0 ? pos[k] : pos[k] - prev);
      prev = pos[k];
    }
    t->raw_len += (uint32_t)(o - start);
    if (t->df == 0 && (size_t)t->raw_off + t->raw_cap == j->streams.len) {
      /* A new term's region gives back what the worst case reserved: most
      ** terms are met in one document of the batch. Its later regions
      ** keep their room, so that a growing stream moves a few times only. */
      j->streams.len = (size_t)t->raw_off + t->raw_len;
      t->raw_cap = t->raw_len;
    }
    t->last_doc = d;
    t->df++;
  }
  wk->nocc = 0;
  return 0;
}

/* Analyses local document d of the job. */
static int analyse_doc(fossc_wworker *wk, uint32_t d) {
  fossc_wjob *j = wk->job;
  const fossc_wdoc *doc = &j->docs[d];
  const char *title = j->text.data + doc->title_off;
  const char *body = j->text.data + doc->body_off;
  fossc_lang lang = (fossc_lang)doc->lang;
  if (lang == FOSSC_LANG_UNKNOWN)
    lang = fossc_detect_lang(wk->an, body, doc->body_len);
  if (lang == FOSSC_LANG_UNKNOWN)
    lang = fossc_detect_lang(wk->an, title, doc->title_len);
  wk->nocc = 0;
  wk->field_tokens = 0;
  wk->field_cap = FOSSC_MAX_TITLE_WORDS;
  int rc = fossc_analyze(wk->an, title, doc->title_len, lang, 0, on_token, wk);
  if (rc) return rc;
  uint32_t title_tokens = wk->field_tokens;
  uint32_t body_start = title_tokens + FOSSC_FIELD_GAP;
  wk->field_tokens = 0;
  wk->field_cap = FOSSC_MAX_POSITIONS;
  rc = fossc_analyze(wk->an, body, doc->body_len, lang, body_start, on_token,
                     wk);
  if (rc) return rc;
  rc = flush_occurrences(wk, d, body_start);
  if (rc) return rc;
  j->body_len[d] = wk->field_tokens;
  j->title_len[d] = (uint16_t)title_tokens;
  j->lang[d] = (uint8_t)lang;
  return 0;
}

static int compress_blocks(fossc_wworker *wk, fossc_wjob *j) {
  for (uint32_t i = 0; i < j->nblks; i++) {
    fossc_store_blk *b = &j->blks[i];
    size_t bound = ZSTD_compressBound(b->raw.len);
    if (fossc_buf_reserve(&j->comp, bound)) return FOSSC_ERR_NOMEM;
    size_t z = ZSTD_compressCCtx(wk->cctx, j->comp.data + j->comp.len, bound,
                                 b->raw.data, b->raw.len, wk->zstd_level);
    if (ZSTD_isError(z)) return FOSSC_ERR_INTERNAL;
    j->comp.len += z;
    b->comp_len = (uint32_t)z;
    fossc_buf_free(&b->raw);
  }
  return 0;
}

static int run_batch(fossc_wworker *wk, fossc_wjob *j) {
  if (++wk->stamp == 0) {
    /* 2^32 jobs later: forget every stamp rather than trust a stale one. */
    memset(wk->wslot, 0, (size_t)wk->wslot_cap * sizeof *wk->wslot);
    wk->stamp = 1;
  }
  wk->job = j;
  if (j->ndocs) {
    j->body_len = fossc_malloc((size_t)j->ndocs * sizeof *j->body_len);
    j->title_len = fossc_malloc((size_t)j->ndocs * sizeof *j->title_len);
    j->lang = fossc_malloc(j->ndocs);
    if (!j->body_len || !j->title_len || !j->lang ||
        fossc_htab_init(&j->term_ix, 4096) ||
        fossc_buf_reserve(&j->streams, STREAMS_RESERVE(j->text.len)))
      return FOSSC_ERR_NOMEM;
  }
  for (uint32_t d = 0; d < j->ndocs; d++) {
    int rc = analyse_doc(wk, d);
    if (rc) {
      const fossc_wdoc *doc = &j->docs[d];
      fossc_error_set(&j->err, rc, "indexing document '%.*s': %s",
                      (int)(doc->id_len > 200 ? 200 : doc->id_len),
                      j->text.data + doc->id_off, fossc_strerror(rc));
      return rc;
    }
  }
  /* The text is no longer needed by the worker, but the owner copies the
  ** stored fields out of it when merging. */
  fossc_htab_release(&j->term_ix);
  return compress_blocks(wk, j);
}

static int run_encode(fossc_wworker *wk, fossc_wjob *j) {
  for (uint32_t i = 0; i < j->nenc; i++) {
    size_t before = j->enc_out.len;
    int rc = fossc_postings_encode(j->enc_raw[i], j->enc_len[i], j->enc_df[i],
                                   j->nv, wk->cctx, wk->zstd_level,
                                   &wk->scratch, &j->enc_out);
    if (rc) return rc;
    if (j->enc_out.len - before > UINT32_MAX) return FOSSC_ERR_LIMIT;
    j->enc_out_len[i] = (uint32_t)(j->enc_out.len - before);
  }
  return 0;
}

void fossc_wjob_run(fossc_wworker *wk, fossc_wjob *j) {
  int rc = j->kind == FOSSC_JOB_BATCH ? run_batch(wk, j) : run_encode(wk, j);
  wk->job = NULL;
  j->rc = rc;
  if (rc && !j->err.code)
    fossc_error_set(&j->err, rc, "%s: %s",
                    j->kind == FOSSC_JOB_BATCH ? "indexing" : "encoding postings",
                    fossc_strerror(rc));
}
