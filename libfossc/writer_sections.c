/*
** The sections of a generation file, written at finish once every batch
** is merged: META, TSTR, POSTS (each term's stream, gathered from memory
** or from the spilled runs, encoded by the worker threads in chunks and
** written in term byte order) with TERMS, WORDS and WSTR, NORMS, IDS, the
** document store, and the extra sections (docs/index-format.md).
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "writer_int.h"

/* qsort_r order of fossc_sort_items holding pairs: word bytes, term rank. */
static int cmp_pairs(const void *x, const void *y, void *ctx) {
  const fossc_writer *w = ctx;
  uint64_t a = ((const fossc_sort_item *)x)->val;
  uint64_t b = ((const fossc_sort_item *)y)->val;
  uint32_t wa = (uint32_t)(a >> 32), wb = (uint32_t)(b >> 32);
  int c = fossc_wr_cmp_bytes(w->wstrs.data + w->word_off[wa], w->word_len[wa],
                             w->wstrs.data + w->word_off[wb], w->word_len[wb]);
  if (c) return c;
  uint32_t ta = w->rank[(uint32_t)a], tb = w->rank[(uint32_t)b];
  return (ta > tb) - (ta < tb);
}

/* Sorts the (word, term) pairs by word bytes, then term rank (w->rank).
** Returns 0 or FOSSC_ERR_NOMEM. */
static int sort_pairs(fossc_writer *w) {
  uint32_t n = w->npairs;
  if (n < 2) return 0;
  fossc_sort_item *it = fossc_malloc(2 * (size_t)n * sizeof *it);
  if (!it) return FOSSC_ERR_NOMEM;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t word = (uint32_t)(w->pairs[i] >> 32);
    it[i].key = fossc_wr_prefix_key(w->wstrs.data + w->word_off[word],
                                    w->word_len[word]);
    it[i].val = w->pairs[i];
  }
  fossc_wr_sort_items(it, it + n, n, cmp_pairs, w);
  for (uint32_t i = 0; i < n; i++) w->pairs[i] = it[i].val;
  fossc_free(it);
  return 0;
}

static int cmp_ids(const void *x, const void *y) {
  const uint8_t *a = x, *b = y;
  uint64_t ha = fossc_rd64(a), hb = fossc_rd64(b);
  if (ha != hb) return ha < hb ? -1 : 1;
  uint32_t da = fossc_rd32(a + 8), db = fossc_rd32(b + 8);
  return (da > db) - (da < db);
}

typedef struct post_state {
  const uint32_t *order;
  uint32_t next;      /* next term (index into order) to put in a job */
  fossc_run_cur *cur; /* nruns cursors, or NULL when nothing was spilled */
  fossc_norms_view nv;
  fossc_buf terms; /* TERMS entries */
  uint64_t post_off, str_off;
} post_state;

/* Builds the next encoding job from ps->order[ps->next..]. */
static int make_encode_job(fossc_writer *w, post_state *ps, fossc_wjob **out) {
  uint32_t n = 0, nterms = w->nterms;
  uint64_t bytes = 0;
  if (!ps->cur) /* in memory the sizes are known */
    while (ps->next + n < nterms && n < FOSSC_ENCODE_JOB_TERMS &&
           (n == 0 || bytes < FOSSC_ENCODE_JOB_BYTES))
      bytes += w->terms[ps->order[ps->next + n++]].raw_len;
  fossc_wjob *j = fossc_calloc(1, sizeof *j);
  uint32_t cap = ps->cur ? FOSSC_ENCODE_JOB_TERMS : n;
  if (!j) return FOSSC_ERR_NOMEM;
  j->kind = FOSSC_JOB_ENCODE;
  j->nv = &ps->nv;
  j->enc_term = fossc_malloc((size_t)cap * sizeof *j->enc_term);
  j->enc_df = fossc_malloc((size_t)cap * sizeof *j->enc_df);
  j->enc_raw = fossc_malloc((size_t)cap * sizeof *j->enc_raw);
  j->enc_len = fossc_malloc((size_t)cap * sizeof *j->enc_len);
  j->enc_out_len = fossc_malloc((size_t)cap * sizeof *j->enc_out_len);
  if (!j->enc_term || !j->enc_df || !j->enc_raw || !j->enc_len ||
      !j->enc_out_len) {
    fossc_wjob_free(j);
    return FOSSC_ERR_NOMEM;
  }
  if (!ps->cur) {
    for (uint32_t i = 0; i < n; i++) {
      const fossc_term_rec *t = &w->terms[ps->order[ps->next + i]];
      j->enc_term[i] = ps->order[ps->next + i];
      j->enc_df[i] = t->df;
      j->enc_raw[i] = t->raw;
      j->enc_len[i] = t->raw_len;
    }
    j->nenc = n;
    ps->next += n;
    *out = j;
    return 0;
  }
  /* Gather each term's pieces from the runs, in run order. */
  int rc = 0;
  while (!rc && ps->next < nterms && j->nenc < cap &&
         (j->nenc == 0 || j->enc_in.len < FOSSC_ENCODE_JOB_BYTES)) {
    uint32_t g = ps->order[ps->next];
    size_t start = j->enc_in.len;
    rc = fossc_wr_runs_gather(w, ps->cur, g, &j->enc_in);
    j->enc_term[j->nenc] = g;
    j->enc_df[j->nenc] = w->terms[g].df;
    j->enc_len[j->nenc] = j->enc_in.len - start;
    j->nenc++;
    ps->next++;
  }
  if (rc) {
    fossc_wjob_free(j);
    return rc;
  }
  size_t at = 0;
  for (uint32_t i = 0; i < j->nenc; i++) {
    j->enc_raw[i] = (const uint8_t *)j->enc_in.data + at;
    at += j->enc_len[i];
  }
  *out = j;
  return 0;
}

/* Appends one TERMS entry (docs/index-format.md, "TERMS entry"). */
static void put_term_entry(fossc_buf *b, uint64_t str_off, uint32_t df,
                           uint64_t post_off) {
  fossc_buf_put_u32(b, (uint32_t)str_off);
  fossc_buf_put_u32(b, df);
  fossc_buf_put_u32(b, (uint32_t)post_off);
  fossc_buf_putc(b, (char)(post_off >> 32));
}

/* Writes a finished encoding job's lists and their TERMS entries. */
static int merge_encode(fossc_writer *w, post_state *ps, fossc_sec_writer *s,
                        fossc_wjob *j) {
  if (j->rc) return fossc_wr_fail(w, j->rc, "%s", j->err.msg);
  size_t at = 0;
  for (uint32_t i = 0; i < j->nenc; i++) {
    fossc_term_rec *t = &w->terms[j->enc_term[i]];
    uint32_t len = j->enc_out_len[i];
    int rc = fossc_sw_write(s, j->enc_out.data + at, len);
    if (rc) return rc;
    at += len;
    put_term_entry(&ps->terms, ps->str_off, t->df, ps->post_off);
    ps->str_off += t->len;
    ps->post_off += len;
    if (!ps->cur) fossc_wr_term_drop_raw(w, t); /* encoded: release as we go */
  }
  return ps->terms.oom ? FOSSC_ERR_NOMEM : 0;
}

/* POSTS: every term's list in `order`, encoded by the workers, written in
** order; fills ps->terms with the TERMS entries. */
static int write_postings(fossc_writer *w, fossc_sec_writer *s,
                          post_state *ps) {
  int rc = 0;
  if (w->nruns) rc = fossc_wr_runs_open(w, &ps->cur);
  while (!rc && (ps->next < w->nterms || w->fifo_head)) {
    if (ps->next < w->nterms && w->ninflight < w->max_inflight) {
      fossc_wjob *j;
      rc = make_encode_job(w, ps, &j);
      if (!rc) fossc_wr_submit(w, j);
      continue;
    }
    fossc_wjob *j = fossc_wr_take_head(w, 1);
    rc = merge_encode(w, ps, s, j);
    fossc_wjob_free(j);
  }
  /* On failure, jobs may still be running: they read ps and the streams,
  ** so wait for them before anything is released. */
  fossc_wjob *j;
  while ((j = fossc_wr_take_head(w, 1))) fossc_wjob_free(j);
  int left = fossc_wr_runs_close(w, ps->cur);
  if (!rc) rc = left;
  ps->cur = NULL;
  if (rc == FOSSC_ERR_IO && !s->err_no) s->err_no = errno;
  return rc;
}

int fossc_wr_write_sections(fossc_writer *w, fossc_sec_writer *s,
                            fossc_build_stats *st) {
  int rc;
  uint32_t n = w->nterms;
  uint32_t *order = fossc_malloc((size_t)(n ? n : 1) * sizeof *order);
  uint32_t *rank = fossc_malloc((size_t)(n ? n : 1) * sizeof *rank);
  fossc_buf b = FOSSC_BUF_INIT, scratch = FOSSC_BUF_INIT;
  post_state ps = {0};
  if (!order || !rank) {
    rc = FOSSC_ERR_NOMEM;
    goto done;
  }
  for (uint32_t i = 0; i < n; i++) order[i] = i;
  if (fossc_wr_sort_term_ids(w, order, n)) {
    rc = FOSSC_ERR_NOMEM;
    goto done;
  }
  for (uint32_t i = 0; i < n; i++) rank[order[i]] = i;

  /* META */
  float avg_title = w->ndocs ? (float)w->title_tokens / w->ndocs : 0;
  float avg_body = w->ndocs ? (float)w->body_tokens / w->ndocs : 0;
  uint8_t meta[FOSSC_META_BYTES] = {0};
  fossc_put_le32(meta + 0, w->ndocs);
  fossc_put_le32(meta + 4, n);
  fossc_put_le32(meta + 8, w->npairs);
  fossc_put_le32(meta + 12, FOSSC_BLOCK_DOCS);
  fossc_put_le64(meta + 16, w->title_tokens);
  fossc_put_le64(meta + 24, w->body_tokens);
  fossc_put_le32(meta + 32, w->st[1].nblocks);
  fossc_put_le32(meta + 64, w->st[0].nblocks);
  fossc_put_le32(meta + 36, w->docs_lang[FOSSC_LANG_EN]);
  fossc_put_le32(meta + 40, w->docs_lang[FOSSC_LANG_ES]);
  float params[5] = {FOSSC_BM25_K1, FOSSC_BM25_W_TITLE, FOSSC_BM25_B_TITLE,
                     FOSSC_BM25_W_BODY, FOSSC_BM25_B_BODY};
  for (int i = 0; i < 5; i++) {
    uint32_t u;
    memcpy(&u, &params[i], 4);
    fossc_put_le32(meta + 44 + 4 * i, u);
  }
  if ((rc = fossc_sw_section(s, FOSSC_SEC_META, meta, sizeof meta))) goto done;

  /* TSTR: term strings in sorted order */
  if ((rc = fossc_sw_begin(s))) goto done;
  uint64_t tstr_len = 0;
  for (uint32_t i = 0; i < n; i++) {
    const fossc_term_rec *t = &w->terms[order[i]];
    if ((rc = fossc_sw_write(s, w->strs.data + t->str_off, t->len))) goto done;
    tstr_len += t->len;
  }
  fossc_sw_end(s, FOSSC_SEC_TSTR);

  /* POSTS, and the TERMS entries that point into it */
  ps.order = order;
  ps.nv = (fossc_norms_view){w->body_len, w->title_len, avg_body, avg_title};
  if ((rc = fossc_sw_begin(s))) goto done;
  if ((rc = write_postings(w, s, &ps))) goto done;
  fossc_sw_end(s, FOSSC_SEC_POSTS);
  st->postings_bytes = ps.post_off;
  /* The sentinel entry: the term lengths and list lengths are differences
  ** of offsets; the offsets are bounded by the format. */
  put_term_entry(&ps.terms, ps.str_off, 0, ps.post_off);
  if (ps.str_off > UINT32_MAX || ps.post_off >> (8 * FOSSC_TERM_OFF_BYTES)) {
    rc =
        fossc_wr_fail(w, FOSSC_ERR_INPUT,
                      "the index would need more than 4 GiB of term strings or "
                      "1 TiB of postings");
    goto done;
  }
  if (ps.terms.oom) {
    rc = FOSSC_ERR_NOMEM;
    goto done;
  }
  if ((rc = fossc_sw_section(s, FOSSC_SEC_TERMS, ps.terms.data, ps.terms.len)))
    goto done;
  st->dict_bytes = ps.terms.len + tstr_len;
  fossc_buf_free(&ps.terms);

  /* WORDS + WSTR: (plain word, term) pairs, sorted */
  w->rank = rank;
  if ((rc = sort_pairs(w))) goto done;
  uint32_t prev_word = FOSSC_HTAB_EMPTY, wstr_at = 0;
  for (uint32_t i = 0; i < w->npairs; i++) {
    uint32_t word = (uint32_t)(w->pairs[i] >> 32);
    if (word != prev_word) {
      /* One WSTR record per distinct word: u8 length, then the bytes. */
      wstr_at = (uint32_t)scratch.len;
      fossc_buf_putc(&scratch, (char)w->word_len[word]);
      fossc_buf_append(&scratch, w->wstrs.data + w->word_off[word],
                       w->word_len[word]);
      prev_word = word;
    }
    fossc_buf_put_u32(&b, wstr_at);
    fossc_buf_put_u32(&b, rank[(uint32_t)w->pairs[i]]);
  }
  if (scratch.len > UINT32_MAX) {
    rc = fossc_wr_fail(w, FOSSC_ERR_INPUT, "more than 4 GiB of word strings");
    goto done;
  }
  if (b.oom || scratch.oom) {
    rc = FOSSC_ERR_NOMEM;
    goto done;
  }
  if ((rc = fossc_sw_section(s, FOSSC_SEC_WORDS, b.data, b.len))) goto done;
  if ((rc = fossc_sw_section(s, FOSSC_SEC_WSTR, scratch.data, scratch.len)))
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
  if ((rc = fossc_sw_section(s, FOSSC_SEC_NORMS, b.data, b.len))) goto done;

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
  if (w->ndocs > 1) qsort(b.data, w->ndocs, FOSSC_IDS_ENTRY_BYTES, cmp_ids);
  if ((rc = fossc_sw_section(s, FOSSC_SEC_IDS, b.data, b.len))) goto done;

  /* Document store */
  fossc_buf_reset(&b);
  for (uint32_t d = 0; d < 4 * w->ndocs; d++) fossc_buf_put_u32(&b, w->ddoc[d]);
  if (b.oom) {
    rc = FOSSC_ERR_NOMEM;
    goto done;
  }
  fossc_store *fs = &w->st[0], *bs = &w->st[1];
  if ((rc = fossc_sw_section(s, FOSSC_SEC_DDOC, b.data, b.len)) ||
      (rc = fossc_sw_section(s, FOSSC_SEC_FBLK, fs->blk.data, fs->blk.len)) ||
      (rc = fossc_sw_begin(s)) || (rc = fossc_wr_sw_spool(w, s, &fs->comp)))
    goto done;
  fossc_sw_end(s, FOSSC_SEC_FLDS);
  if ((rc = fossc_sw_section(s, FOSSC_SEC_DBLK, bs->blk.data, bs->blk.len)) ||
      (rc = fossc_sw_begin(s)) || (rc = fossc_wr_sw_spool(w, s, &bs->comp)))
    goto done;
  fossc_sw_end(s, FOSSC_SEC_DOCS);
  st->store_bytes =
      fs->comp.len + fs->blk.len + bs->comp.len + bs->blk.len + b.len;
  for (int i = 0; i < w->nextra; i++) {
    if ((rc = fossc_sw_section(s, w->extra_name[i], w->extra[i].data,
                               w->extra[i].len)))
      goto done;
    if (!strcmp(w->extra_name[i], FOSSC_SEC_TRANS))
      st->trans_bytes += w->extra[i].len;
  }
done:
  if (rc && w->ferr.code) rc = w->ferr.code;
  fossc_free(order);
  fossc_free(rank);
  fossc_buf_free(&b);
  fossc_buf_free(&scratch);
  fossc_buf_free(&ps.terms);
  return rc;
}
