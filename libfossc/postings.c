/* Postings codec (docs/index-format.md, "Postings"). */
#include "postings.h"

#include <string.h>

float fossc_bm25f_w(uint32_t tf_title, uint32_t tf_body, uint32_t title_len,
                    uint32_t body_len, float avg_title, float avg_body) {
  float nt = 1.0f - FOSSC_BM25_B_TITLE +
             FOSSC_BM25_B_TITLE * (avg_title > 0 ? title_len / avg_title : 1);
  float nb = 1.0f - FOSSC_BM25_B_BODY +
             FOSSC_BM25_B_BODY * (avg_body > 0 ? body_len / avg_body : 1);
  float tfn = FOSSC_BM25_W_TITLE * (float)tf_title / nt +
              FOSSC_BM25_W_BODY * (float)tf_body / nb;
  return tfn / (FOSSC_BM25_K1 + tfn);
}

/* A worker keeps its encoding scratch between lists up to this size: the
** bodies of every list but the few longest fit, so most lists allocate
** nothing; a longer one's buffer (megabytes for the most frequent words) is
** released so that it does not stay resident for the rest of the build. */
#define FOSSC_ENCODE_SCRATCH_KEEP (1u << 20)
/* Bytes a block's documents region takes at most per document: three
** varints (document gap, tf code, tf_title - 1) of values below 2^35. */
#define FOSSC_ENC_DOC_MAX 15

/* Per-document view of the writer's stream while encoding one block. */
typedef struct {
  uint32_t doc, tft, tfb;
  const uint8_t *pos; /* start of this doc's position varints in raw */
  const uint8_t *pos_end;
} enc_doc;

/* Decodes one varint of the writer's stream. Its values fit in 32 bits and
** nearly all take one or two bytes, so those are decoded inline. */
static inline int get_raw_varint(const uint8_t **p, const uint8_t *end,
                                 uint32_t *out) {
  const uint8_t *q = *p;
  if (end - q >= 2) {
    if (q[0] < 0x80) {
      *out = q[0];
      *p = q + 1;
      return 0;
    }
    if (q[1] < 0x80) {
      *out = (uint32_t)(q[0] & 0x7f) | (uint32_t)q[1] << 7;
      *p = q + 2;
      return 0;
    }
  }
  uint64_t v;
  if (fossc_get_varint_slow(p, end, &v) || v > UINT32_MAX) return -1;
  *out = (uint32_t)v;
  return 0;
}

/* The cursor's position skipper (below): the encoder steps over a
** document's positions with it too. */
/* Words of one run of skip_varints: each byte of the flag sum counts up to
** SKIP_RUN_WORDS and their total (8 x SKIP_RUN_WORDS) must fit the byte the
** multiply sums them into, so at most 31; 4 (32 bytes) took the fewest
** instructions of 2, 3, 4, 8 and 16 (phrase queries). */
#define SKIP_RUN_WORDS 4
static const uint8_t *skip_varints(const uint8_t *p, const uint8_t *end,
                                   uint64_t need);

static int read_doc(const uint8_t **p, const uint8_t *end, uint32_t *prev,
                    enc_doc *d) {
  uint32_t delta, t, b;
  if (get_raw_varint(p, end, &delta) || get_raw_varint(p, end, &t) ||
      get_raw_varint(p, end, &b))
    return -1;
  d->doc = *prev + 1 + delta;
  *prev = d->doc;
  d->tft = t;
  d->tfb = b;
  d->pos = *p;
  d->pos_end = skip_varints(*p, end, (uint64_t)t + b);
  if (!d->pos_end) return -1;
  *p = d->pos_end;
  return 0;
}

/* The short form's block max: the least q with q / scale >= w, computed
** with the reader's own expression so that the bound holds exactly. */
static uint8_t quantize_max(float w) {
  uint32_t q = (uint32_t)(w * FOSSC_SHORT_MAX_SCALE);
  while (q < 255 && (float)q / FOSSC_SHORT_MAX_SCALE < w) q++;
  return (uint8_t)q;
}

/* One encoded block's header fields. */
typedef struct {
  uint32_t last, n, end; /* end: its body's end offset in the bodies */
  float max_w;
  uint8_t flags;
} enc_block;

static inline void store_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v; /* little endian, whatever the host */
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

/* Appends block b's long-form header to *hdrs. */
static void put_block_hdr(fossc_buf *hdrs, const enc_block *b) {
  if (fossc_buf_reserve(hdrs, FOSSC_BLOCK_HDR_BYTES)) return;
  uint8_t *h = (uint8_t *)hdrs->data + hdrs->len;
  uint32_t w;
  memcpy(&w, &b->max_w, 4);
  store_u32(h, b->last);
  store_u32(h + 4, b->end);
  store_u32(h + 8, w);
  h[12] = (uint8_t)(b->n - 1);
  h[13] = b->flags;
  hdrs->len += FOSSC_BLOCK_HDR_BYTES;
}

/* Appends block docs[0..n)'s body to *bodies: the documents region (n-1
** document deltas, the last document being in the header; n tf codes:
** raw varints, decoded for every block a query touches), then the
** positions region (zstd when that pays: decompressed only when a phrase
** or proximity needs positions). The room for all of it is reserved once
** and filled with plain stores: this runs for every posting of the index. */
static int encode_block(const enc_doc *docs, uint32_t n, uint32_t block_prev,
                        const fossc_norms_view *nv, ZSTD_CCtx *cctx, int level,
                        fossc_buf *bodies, enc_block *out) {
  size_t pos_len = 0;
  for (uint32_t k = 0; k < n; k++)
    pos_len += (size_t)(docs[k].pos_end - docs[k].pos);
  int zstd = FOSSC_COMPRESS_POSITIONS && pos_len >= FOSSC_BLOCK_MIN_COMPRESS;
  size_t bound = zstd ? ZSTD_compressBound(pos_len) : 0;
  uint32_t nskip = fossc_pos_skip_count(n);
  size_t room = (size_t)n * FOSSC_ENC_DOC_MAX + pos_len + bound +
                (size_t)nskip * 4;
  if (fossc_buf_reserve(bodies, room)) return FOSSC_ERR_NOMEM;
  uint8_t *base = (uint8_t *)bodies->data + bodies->len, *o = base;
  float max_w = 0;
  uint32_t bp = block_prev;
  for (uint32_t k = 0; k + 1 < n; k++) {
    o += fossc_put_varint_at(o, docs[k].doc - bp - 1);
    bp = docs[k].doc;
  }
  for (uint32_t k = 0; k < n; k++) {
    /* Titles rarely hold the term: tf_title 0 costs no byte. */
    uint64_t code = (uint64_t)docs[k].tfb << 1 | (docs[k].tft != 0);
    o += fossc_put_varint_at(o, code);
    if (docs[k].tft) o += fossc_put_varint_at(o, docs[k].tft - 1);
    uint32_t d = docs[k].doc;
    float w = fossc_bm25f_w(docs[k].tft, docs[k].tfb, nv->title_len[d],
                            nv->body_len[d], nv->avg_title, nv->avg_body);
    if (w > max_w) max_w = w;
  }
  uint8_t *pos = o;
  for (uint32_t k = 0; k < n; k++) {
    size_t len = (size_t)(docs[k].pos_end - docs[k].pos);
    memcpy(o, docs[k].pos, len);
    o += len;
  }
  uint8_t flags = 0;
  if (zstd) {
    /* Compressed past the gathered positions, then moved over them. */
    size_t z = ZSTD_compressCCtx(cctx, o, bound, pos, pos_len, level);
    if (!ZSTD_isError(z) && z < pos_len) {
      memcpy(pos, o, z);
      o = pos + z;
      flags |= FOSSC_BLOCK_ZSTD;
    }
  }
  /* The position skips: where documents 16, 32, ... start in the region
  ** as decoded (before any compression). */
  size_t stored = (size_t)(o - pos);
  uint32_t skip_w = fossc_pos_skip_width_w(stored, (flags & FOSSC_BLOCK_ZSTD) != 0);
  if (stored + (size_t)nskip * skip_w < FOSSC_POS_SKIP_MIN_BYTES) nskip = 0;
  size_t at = 0;
  for (uint32_t k = 0, j = 0; j < nskip; k++) {
    if (k == (j + 1) * FOSSC_POS_SKIP_DOCS) {
      if (skip_w == 2) {
        o[0] = (uint8_t)at;
        o[1] = (uint8_t)(at >> 8);
      } else {
        store_u32(o, (uint32_t)at);
      }
      o += skip_w;
      j++;
    }
    at += (size_t)(docs[k].pos_end - docs[k].pos);
  }
  bodies->len += (size_t)(o - base);
  out->last = docs[n - 1].doc;
  out->n = n;
  out->end = (uint32_t)bodies->len;
  out->max_w = max_w;
  out->flags = flags;
  return FOSSC_OK;
}

int fossc_postings_encode(const uint8_t *raw, size_t raw_len, uint32_t df,
                          const fossc_norms_view *nv, ZSTD_CCtx *cctx,
                          int level, fossc_buf *scratch, fossc_buf *out) {
  const uint8_t *p = raw, *end = raw + raw_len;
  uint32_t prev = UINT32_MAX; /* so that the first doc = delta */
  enc_doc docs[FOSSC_BLOCK_DOCS];
  /* The bodies go to *scratch. The headers of a long-form list go to hdrs,
  ** written from its second block on: most lists are one block, whose
  ** header stays in `first` and becomes the short form. */
  fossc_buf hdrs = FOSSC_BUF_INIT, *bodies = scratch;
  uint32_t nblocks = 0, seen = 0, block_prev = UINT32_MAX;
  enc_block first = {0}, blk = {0};
  int rc = FOSSC_OK;

  fossc_buf_reset(bodies);
  while (p < end) {
    uint32_t n = 0;
    size_t raw_bytes = 0;
    while (p < end && n < FOSSC_BLOCK_DOCS && raw_bytes < FOSSC_BLOCK_SOFT_RAW) {
      if (read_doc(&p, end, &prev, &docs[n])) {
        rc = FOSSC_ERR_INTERNAL;
        goto done;
      }
      raw_bytes += (size_t)(docs[n].pos_end - docs[n].pos) + 12;
      n++;
    }
    if ((rc = encode_block(docs, n, block_prev, nv, cctx, level, bodies,
                           &blk)))
      goto done;
    if (nblocks == 0) {
      first = blk;
    } else {
      if (nblocks == 1) put_block_hdr(&hdrs, &first);
      put_block_hdr(&hdrs, &blk);
    }
    block_prev = blk.last;
    nblocks++;
    seen += n;
  }
  if (seen != df || nblocks == 0) {
    rc = FOSSC_ERR_INTERNAL;
    goto done;
  }
  if (hdrs.oom ||
      fossc_buf_reserve(out, 2 * FOSSC_VARINT_MAX + hdrs.len + bodies->len)) {
    rc = FOSSC_ERR_NOMEM;
    goto done;
  }
  uint8_t *o = (uint8_t *)out->data + out->len;
  if (nblocks == 1) {
    o += fossc_put_varint_at(o, 2u | first.flags);
    *o++ = quantize_max(first.max_w);
    o += fossc_put_varint_at(o, first.last);
  } else {
    o += fossc_put_varint_at(o, (uint64_t)nblocks << 1);
    memcpy(o, hdrs.data, hdrs.len);
    o += hdrs.len;
  }
  if (bodies->len) memcpy(o, bodies->data, bodies->len);
  o += bodies->len;
  out->len = (size_t)((char *)o - out->data);
done:
  fossc_buf_free(&hdrs);
  if (bodies->cap > FOSSC_ENCODE_SCRATCH_KEEP) fossc_buf_free(bodies);
  return rc;
}

/* ------------------------------------------------------------- cursor */
/* fossc_get_varint with the one- and two-byte cases inline: most doc
** deltas, tf codes and list heads are below 128, position gaps in long
** documents mostly below 16,384, and decoding them is the cursor's work. */
static inline int get_vint(const uint8_t **p, const uint8_t *end,
                           uint64_t *out) {
  const uint8_t *q = *p;
  if (q < end && q[0] < 0x80) {
    *out = q[0];
    *p = q + 1;
    return 0;
  }
  if (end - q >= 2 && q[1] < 0x80) {
    *out = (uint64_t)(q[0] & 0x7f) | (uint64_t)q[1] << 7;
    *p = q + 2;
    return 0;
  }
  return fossc_get_varint_slow(p, end, out);
}

int fossc_postings_head(const uint8_t *list, size_t len, uint32_t df,
                        fossc_postings_hdr *h) {
  const uint8_t *p = list, *end = list + len;
  uint64_t head;
  if (get_vint(&p, end, &head)) return -1;
  uint64_t nb = head >> 1;
  if (nb == 0 || nb > df) return -1;
  if (nb == 1) {
    uint64_t last;
    if (df > FOSSC_BLOCK_DOCS || p >= end) return -1;
    h->short_max = p++;
    if (get_vint(&p, end, &last) || last >= FOSSC_DOC_END) return -1;
    h->hdrs = NULL;
    h->last = (uint32_t)last;
    h->flags = (uint8_t)(head & 1);
  } else {
    if ((head & 1) || (size_t)(end - p) / FOSSC_BLOCK_HDR_BYTES < nb)
      return -1;
    h->short_max = NULL;
    h->hdrs = p;
    p += nb * FOSSC_BLOCK_HDR_BYTES;
    h->last = fossc_rd32(h->hdrs + (nb - 1) * FOSSC_BLOCK_HDR_BYTES);
    h->flags = 0;
  }
  h->nblocks = (uint32_t)nb;
  h->bodies = p;
  h->bodies_len = (size_t)(end - p);
  return 0;
}

static void set_corrupt(fossc_pcursor *c) {
  c->corrupt = 1;
  c->doc = FOSSC_DOC_END;
  c->n = c->i = 0;
}

/* Long form only (nblocks >= 2). */
static uint32_t hdr_last(const fossc_pcursor *c, uint32_t b) {
  return fossc_rd32(c->hdrs + (size_t)b * FOSSC_BLOCK_HDR_BYTES);
}

/* The eight-at-once steps of decode_block. The bytes are copied to a local
** first: read through p (a char pointer) they might alias the uint32_t
** stores, and the compiler would read each one again after every store
** and keep the loop rolled. */
/* Eight one-byte document gaps at p: dst[b] = previous + 1 + gap. */
static inline void gaps8(uint32_t *restrict dst, const uint8_t *p,
                         uint64_t *pv) {
  uint8_t g[8];
  memcpy(g, p, 8);
  uint64_t x = *pv;
  /* Unrolled by hand: gcc -O2 keeps a loop of eight (a counter per step). */
  x += g[0], dst[0] = (uint32_t)x++;
  x += g[1], dst[1] = (uint32_t)x++;
  x += g[2], dst[2] = (uint32_t)x++;
  x += g[3], dst[3] = (uint32_t)x++;
  x += g[4], dst[4] = (uint32_t)x++;
  x += g[5], dst[5] = (uint32_t)x++;
  x += g[6], dst[6] = (uint32_t)x++;
  x += g[7], dst[7] = (uint32_t)x++;
  *pv = x;
}

/* Eight one-byte tf codes at p with no title occurrence (bit 0 clear). */
static inline void codes8(uint32_t *restrict tft, uint32_t *restrict tfb,
                          const uint8_t *p) {
  uint8_t g[8];
  memcpy(g, p, 8);
  memset(tft, 0, 8 * sizeof *tft);
  tfb[0] = g[0] >> 1u, tfb[1] = g[1] >> 1u, tfb[2] = g[2] >> 1u;
  tfb[3] = g[3] >> 1u, tfb[4] = g[4] >> 1u, tfb[5] = g[5] >> 1u;
  tfb[6] = g[6] >> 1u, tfb[7] = g[7] >> 1u;
}

/* Decodes the documents and frequencies of the block body [body, bend)
** holding n documents, the last one `last`, after document `prev`
** (UINT32_MAX before the first block); leaves positions for later. */
static int decode_block(fossc_pcursor *c, const uint8_t *body,
                        const uint8_t *bend, uint32_t n, uint32_t prev,
                        uint32_t last, uint8_t flags) {
  const uint8_t *p = body;
  if (last >= FOSSC_DOC_END) return -1;
  uint64_t pv = prev == UINT32_MAX ? 0 : (uint64_t)prev + 1;
  for (uint32_t k = 0; k + 1 < n;) {
    /* Eight one-byte gaps at once (a frequent word's documents are close);
    ** they increase, so checking the eighth against `last` covers all. */
    if (n - 1 - k >= 8 && bend - p >= 8) {
      uint64_t w;
      memcpy(&w, p, 8);
      if (!(w & 0x8080808080808080ull)) {
        gaps8(c->docs + k, p, &pv);
        if (pv - 1 >= last) return -1;
        p += 8;
        k += 8;
        continue;
      }
    }
    uint64_t d;
    if (get_vint(&p, bend, &d) || d >= FOSSC_MAX_DOCS) return -1;
    uint64_t doc = pv + d;
    if (doc >= last) return -1; /* documents increase up to `last` */
    c->docs[k++] = (uint32_t)doc;
    pv = doc + 1;
  }
  if (last < pv) return -1;
  c->docs[n - 1] = last;
  for (uint32_t k = 0; k < n;) {
    /* Eight one-byte codes with no title occurrence (bit 0 clear) and a
    ** body frequency of at least 1 (no zero byte): most documents. */
    if (n - k >= 8 && bend - p >= 8) {
      uint64_t w;
      memcpy(&w, p, 8);
      if (!(w & 0x8181818181818181ull) &&
          !((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull)) {
        codes8(c->tft + k, c->tfb + k, p);
        p += 8;
        k += 8;
        continue;
      }
    }
    uint64_t v, t = 0;
    if (get_vint(&p, bend, &v) || (v >> 1) > FOSSC_MAX_POSITIONS)
      return -1;
    if ((v & 1) &&
        (get_vint(&p, bend, &t) || t >= FOSSC_MAX_POSITIONS))
      return -1;
    c->tft[k] = (v & 1) ? (uint32_t)t + 1 : 0;
    c->tfb[k] = (uint32_t)(v >> 1);
    if (c->tft[k] + c->tfb[k] == 0) return -1;
    k++;
  }
  c->pos_zstd = (flags & FOSSC_BLOCK_ZSTD) != 0;
  c->pos_src = p;
  c->pos_src_len = (size_t)(bend - p);
  c->pos_scanned = 0;
  c->n = n;
  c->i = 0;
  c->doc = c->docs[0];
  return 0;
}

/* Decodes block b of a long-form list. */
static int load_block(fossc_pcursor *c, uint32_t b) {
  const uint8_t *h = c->hdrs + (size_t)b * FOSSC_BLOCK_HDR_BYTES;
  uint32_t start = b ? fossc_rd32(h - FOSSC_BLOCK_HDR_BYTES + 4) : 0;
  uint32_t endo = fossc_rd32(h + 4);
  uint32_t n = (uint32_t)h[12] + 1;
  if (endo < start || endo > c->bodies_len || n > FOSSC_BLOCK_DOCS) return -1;
  c->block = b;
  return decode_block(c, c->bodies + start, c->bodies + endo, n,
                      b ? hdr_last(c, b - 1) : UINT32_MAX, hdr_last(c, b),
                      h[13]);
}

const uint8_t *fossc_postings_prefetch_first(const uint8_t *list, size_t len) {
  const uint8_t *p = list, *end = list + len;
  uint64_t head;
  if (len == 0 || get_vint(&p, end, &head)) return NULL;
  uint64_t nb = head >> 1;
  if (nb == 0) return NULL;
  if (nb > 1) {
    if ((size_t)(end - p) / FOSSC_BLOCK_HDR_BYTES < nb) return NULL;
    p += nb * FOSSC_BLOCK_HDR_BYTES; /* past the block headers */
  } else {
    /* The short form's one-byte maximum and its last document. */
    uint64_t last;
    if (p >= end) return NULL;
    p++;
    if (get_vint(&p, end, &last)) return NULL;
  }
  /* Documents and frequencies: up to 128 gaps and 128 codes, mostly a
  ** byte each; the positions are read only if needed. */
  for (size_t o = 0; o < 4 * 64 && o < (size_t)(end - p); o += 64)
    __builtin_prefetch(p + o);
  return p;
}

void fossc_pcursor_open(fossc_pcursor *c, const uint8_t *list, size_t len,
                        uint32_t df, ZSTD_DCtx *dctx) {
  c->dctx = dctx;
  c->corrupt = 0;
  c->df = df;
  c->n = c->i = 0;
  fossc_postings_hdr h;
  if (len == 0 || fossc_postings_head(list, len, df, &h)) {
    set_corrupt(c);
    return;
  }
  c->nblocks = h.nblocks;
  c->bodies = h.bodies;
  c->bodies_len = h.bodies_len;
  c->block = 0;
  if (h.nblocks == 1) {
    /* Short form: hdrs points at the quantized block max. */
    c->hdrs = h.short_max;
    if (decode_block(c, h.bodies, h.bodies + h.bodies_len, df, UINT32_MAX,
                     h.last, h.flags))
      set_corrupt(c);
    return;
  }
  c->hdrs = h.hdrs;
  /* Block last-doc values must increase, or seeking would loop. */
  for (uint32_t b = 1; b < c->nblocks; b++)
    if (hdr_last(c, b) <= hdr_last(c, b - 1)) {
      set_corrupt(c);
      return;
    }
  if (load_block(c, 0)) set_corrupt(c);
}

int fossc_pcursor_rewind(fossc_pcursor *c) {
  if (c->corrupt || c->block != 0 || c->n == 0 || c->pos_scanned) return 0;
  c->i = 0;
  c->doc = c->docs[0];
  return 1;
}

void fossc_pcursor_release(fossc_pcursor *c) {
  fossc_free(c->raw);
  fossc_free(c->pos);
  c->raw = NULL;
  c->pos = NULL;
  c->raw_cap = c->pos_cap = 0;
}

uint32_t fossc_pcursor_next_block_(fossc_pcursor *c) {
  if (c->doc == FOSSC_DOC_END) return c->doc;
  if (++c->i < c->n) {
    c->doc = c->docs[c->i];
    return c->doc;
  }
  if (c->block + 1 >= c->nblocks) {
    c->doc = FOSSC_DOC_END;
    return c->doc;
  }
  if (load_block(c, c->block + 1)) set_corrupt(c);
  return c->doc;
}

uint32_t fossc_pcursor_seek_blocks_(fossc_pcursor *c, uint32_t target) {
  if (c->doc >= target) return c->doc;
  /* The loaded block's last document is its header's. */
  if (c->docs[c->n - 1] < target) {
    /* Skip blocks through their headers: binary search on last_doc. */
    uint32_t lo = c->block + 1, hi = c->nblocks;
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (hdr_last(c, mid) < target)
        lo = mid + 1;
      else
        hi = mid;
    }
    if (lo >= c->nblocks) {
      c->doc = FOSSC_DOC_END;
      return c->doc;
    }
    if (load_block(c, lo)) {
      set_corrupt(c);
      return c->doc;
    }
  }
  while (c->docs[c->i] < target) c->i++; /* last_doc >= target: stops */
  c->doc = c->docs[c->i];
  return c->doc;
}

float fossc_pcursor_block_max(const fossc_pcursor *c) {
  if (c->doc == FOSSC_DOC_END) return 0;
  if (c->nblocks == 1) return (float)c->hdrs[0] / FOSSC_SHORT_MAX_SCALE;
  float f;
  uint32_t u = fossc_rd32(c->hdrs + (size_t)c->block * FOSSC_BLOCK_HDR_BYTES + 8);
  memcpy(&f, &u, 4);
  return f;
}

float fossc_pcursor_list_max(const fossc_pcursor *c) {
  if (c->corrupt || c->nblocks == 0) return 0;
  if (c->nblocks == 1) return (float)c->hdrs[0] / FOSSC_SHORT_MAX_SCALE;
  float best = 0;
  for (uint32_t b = 0; b < c->nblocks; b++) {
    float f;
    uint32_t u = fossc_rd32(c->hdrs + (size_t)b * FOSSC_BLOCK_HDR_BYTES + 8);
    memcpy(&f, &u, 4);
    if (f > best) best = f;
  }
  return best;
}

uint32_t fossc_pcursor_block_last(const fossc_pcursor *c) {
  if (c->doc == FOSSC_DOC_END) return FOSSC_DOC_END;
  return c->nblocks == 1 ? c->docs[c->n - 1] : hdr_last(c, c->block);
}

/* Returns the byte after the need-th varint from p (the first `need`
** varints skipped), or NULL when [p, end) holds fewer. A varint ends at a
** byte below 0x80, so eight bytes are counted at once: the high bits
** inverted, shifted to bit 0 of each byte, and summed by the multiply into
** the top byte. The word holding the last end is searched bit by bit on
** little-endian machines; elsewhere byte by byte. */
static const uint8_t *skip_varints(const uint8_t *p, const uint8_t *end,
                                   uint64_t need) {
  /* A stop word's documents hold hundreds of positions: whole runs of
  ** SKIP_RUN_WORDS words first, their end flags added byte-wise and summed
  ** by one multiply. A run has at most 8 x SKIP_RUN_WORDS ends, so while
  ** more are needed the whole run is passed without looking for the last
  ** one; the rest goes eight bytes at a time. */
  while (need > 8 * SKIP_RUN_WORDS && end - p >= 8 * SKIP_RUN_WORDS) {
    uint64_t f = 0;
    for (int k = 0; k < SKIP_RUN_WORDS; k++) {
      uint64_t w;
      memcpy(&w, p + 8 * k, 8);
      f += (~w & 0x8080808080808080ull) >> 7;
    }
    need -= (f * 0x0101010101010101ull) >> 56;
    p += 8 * SKIP_RUN_WORDS;
  }
  while (need && end - p >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    uint64_t t = ~w & 0x8080808080808080ull;
    uint64_t ends = ((t >> 7) * 0x0101010101010101ull) >> 56;
    if (ends < need) {
      need -= ends;
      p += 8;
      continue;
    }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (--need) t &= t - 1;
    return p + ((unsigned)__builtin_ctzll(t) >> 3) + 1;
#else
    break;
#endif
  }
  while (need) {
    if (p >= end) return NULL;
    need -= *p++ < 0x80;
  }
  return p;
}

uint32_t fossc_pcursor_positions(fossc_pcursor *c, const uint32_t **out) {
  return fossc_pcursor_positions_upto(c, UINT32_MAX, out);
}

/* Where the current document's positions start (decoding the block's
** positions region on first use, then skipping the documents before it);
** NULL once exhausted or on a decoding error (then flagged corrupt). */
static const uint8_t *locate_positions(fossc_pcursor *c) {
  if (c->doc == FOSSC_DOC_END) return NULL;
  if (!c->pos_scanned) {
    /* Whether a position skip table ends the body, and its width, follow
    ** from the document count, the flags and the length left. */
    uint32_t nskip = fossc_pos_skip_count(c->n);
    c->skips = NULL;
    if (nskip && c->pos_src_len >= FOSSC_POS_SKIP_MIN_BYTES) {
      c->skip_w = fossc_pos_skip_width_r(c->pos_src_len, c->n, c->pos_zstd);
      size_t tlen = (size_t)nskip * c->skip_w;
      if (tlen > c->pos_src_len) {
        set_corrupt(c);
        return NULL;
      }
      c->pos_src_len -= tlen;
      c->skips = c->pos_src + c->pos_src_len;
    }
    if (c->pos_zstd) {
      unsigned long long rawn = ZSTD_getFrameContentSize(c->pos_src, c->pos_src_len);
      if (rawn == ZSTD_CONTENTSIZE_ERROR || rawn == ZSTD_CONTENTSIZE_UNKNOWN ||
          rawn > FOSSC_MAX_BLOCK_RAW) {
        set_corrupt(c);
        return NULL;
      }
      if (rawn > c->raw_cap) {
        uint8_t *r = fossc_realloc(c->raw, (size_t)rawn ? (size_t)rawn : 1);
        if (!r) {
          set_corrupt(c);
          return NULL;
        }
        c->raw = r;
        c->raw_cap = (size_t)rawn;
      }
      size_t got = ZSTD_decompressDCtx(c->dctx, c->raw, (size_t)rawn,
                                       c->pos_src, c->pos_src_len);
      if (ZSTD_isError(got) || got != rawn) {
        set_corrupt(c);
        return NULL;
      }
      c->pos_p = c->raw;
      c->pos_end = c->raw + got;
    } else {
      c->pos_p = c->pos_src;
      c->pos_end = c->pos_src + c->pos_src_len;
    }
    c->pos_cur = c->pos_p;
    c->pos_known = 0;
    c->pos_scanned = 1;
  }
  /* Skip the position lists of the documents before the current one, from
  ** the last one found or from the table's nearest entry at or before it,
  ** whichever is later. */
  if (c->skips && c->i / FOSSC_POS_SKIP_DOCS > c->pos_known / FOSSC_POS_SKIP_DOCS) {
    uint32_t j = c->i / FOSSC_POS_SKIP_DOCS;
    const uint8_t *e = c->skips + (size_t)(j - 1) * c->skip_w;
    uint32_t off = c->skip_w == 2 ? (uint32_t)e[0] | (uint32_t)e[1] << 8 : fossc_rd32(e);
    /* A stored offset behind the cursor or past the region is corrupt:
    ** positions only move forward. */
    if (off > (size_t)(c->pos_end - c->pos_p) || c->pos_p + off < c->pos_cur) {
      set_corrupt(c);
      return NULL;
    }
    c->pos_cur = c->pos_p + off;
    c->pos_known = j * FOSSC_POS_SKIP_DOCS;
  }
  if (c->pos_known < c->i) {
    uint64_t need = 0;
    for (uint32_t k = c->pos_known; k < c->i; k++) need += c->tft[k] + c->tfb[k];
    c->pos_cur = skip_varints(c->pos_cur, c->pos_end, need);
    if (!c->pos_cur) {
      set_corrupt(c);
      return NULL;
    }
    c->pos_known = c->i;
  }
  return c->pos_cur;
}

uint32_t fossc_pcursor_positions_upto(fossc_pcursor *c, uint32_t limit,
                                      const uint32_t **out) {
  *out = NULL;
  if (!locate_positions(c)) return 0;
  uint32_t cnt = c->tft[c->i] + c->tfb[c->i];
  if (cnt > c->pos_cap) {
    uint32_t *np = fossc_realloc(c->pos, (size_t)cnt * sizeof *np);
    if (!np) {
      set_corrupt(c);
      return 0;
    }
    c->pos = np;
    c->pos_cap = cnt;
  }
  const uint8_t *p = c->pos_cur;
  uint64_t acc = 0, v; /* the first position is stored as is: 0 + v */
  uint32_t j = 0;
  while (j < cnt) {
    /* Eight one-byte gaps at once (frequent words: most gaps < 128). */
    if (cnt - j >= 8 && c->pos_end - p >= 8) {
      uint64_t w;
      memcpy(&w, p, 8);
      if (!(w & 0x8080808080808080ull)) {
        uint8_t g[8]; /* a local copy: see gaps8 */
        memcpy(g, p, 8);
        uint32_t *restrict dst = c->pos + j;
        acc += g[0], dst[0] = (uint32_t)acc;
        acc += g[1], dst[1] = (uint32_t)acc;
        acc += g[2], dst[2] = (uint32_t)acc;
        acc += g[3], dst[3] = (uint32_t)acc;
        acc += g[4], dst[4] = (uint32_t)acc;
        acc += g[5], dst[5] = (uint32_t)acc;
        acc += g[6], dst[6] = (uint32_t)acc;
        acc += g[7], dst[7] = (uint32_t)acc;
        if (acc > UINT32_MAX) {
          set_corrupt(c);
          return 0;
        }
        p += 8;
        j += 8;
        if (acc > limit) break;
        continue;
      }
    }
    if (get_vint(&p, c->pos_end, &v)) {
      set_corrupt(c);
      return 0;
    }
    acc += v;
    if (acc > UINT32_MAX) {
      set_corrupt(c);
      return 0;
    }
    c->pos[j++] = (uint32_t)acc;
    if (acc > limit) break;
  }
  *out = c->pos;
  return j;
}

uint32_t fossc_pcursor_mark(fossc_pcursor *c, const uint32_t *want, uint32_t n,
                            uint32_t off, uint32_t *mark) {
  const uint8_t *p = locate_positions(c);
  if (!p) return 0;
  const uint8_t *end = c->pos_end;
  uint32_t cnt = c->tft[c->i] + c->tfb[c->i], j = 0, found = 0;
  uint64_t acc = 0, v; /* the position last decoded (j of them so far) */
  for (uint32_t q = 0; q < n; q++) {
    const uint64_t w = (uint64_t)want[q] + off;
    /* Whole runs of eight one-byte gaps that end below w: their sum is
    ** added at once (16-bit lanes: at most 8 x 127). */
    while (cnt - j >= 8 && end - p >= 8) {
      uint64_t x;
      memcpy(&x, p, 8);
      if (x & 0x8080808080808080ull) break;
      uint64_t h = (x & 0x00ff00ff00ff00ffull) + ((x >> 8) & 0x00ff00ff00ff00ffull);
      uint64_t sum = (h * 0x0001000100010001ull) >> 48;
      if (acc + sum >= w) break;
      acc += sum;
      p += 8;
      j += 8;
    }
    while ((j == 0 || acc < w) && j < cnt) {
      if (get_vint(&p, end, &v) || v > UINT32_MAX) {
        set_corrupt(c);
        return 0;
      }
      acc += v;
      j++;
    }
    if (acc > UINT32_MAX) {
      set_corrupt(c);
      return 0;
    }
    if (j == 0 || acc < w) break; /* every position is below w */
    if (acc == w) {
      mark[q] = 1;
      found++;
    }
  }
  return found;
}
