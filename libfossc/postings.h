/*
** Postings codec: encodes a term's documents, per-field term frequencies and
** positions into blocks of FOSSC_BLOCK_DOCS documents (format.h,
** docs/index-format.md), and decodes them through a cursor that skips whole
** blocks by their last document number.
*/
#ifndef FOSSC_POSTINGS_H
#define FOSSC_POSTINGS_H

#include <zstd.h>

#include "common.h"
#include "format.h"
#include "index.h"

#define FOSSC_DOC_END 0xffffffffu
/* A block is closed early once its raw body passes this size, so that one
** block never needs more than FOSSC_MAX_BLOCK_RAW to decode. */
#define FOSSC_BLOCK_SOFT_RAW (256u << 10)
/* Largest raw block the reader accepts: one document at the position cap
** (2 fields x FOSSC_MAX_POSITIONS x 5 bytes) fits; a larger claim is
** corruption, not data. */
#define FOSSC_MAX_BLOCK_RAW (16u << 20)

/* Per-document BM25F inputs the encoder needs to compute block maxima. */
typedef struct fossc_norms_view {
  const uint32_t *body_len;  /* per docnum */
  const uint16_t *title_len; /* per docnum */
  float avg_body, avg_title;
} fossc_norms_view;

/* BM25F tf saturation tfn/(k1+tfn) of one document (see docs/ranking.md). */
float fossc_bm25f_w(uint32_t tf_title, uint32_t tf_body, uint32_t title_len,
                    uint32_t body_len, float avg_title, float avg_body);

/* Encodes one postings list. `raw` is the writer's per-term stream: for each
** document, varints (doc - prev_doc - 1 with prev_doc = -1 at start),
** tf_title, tf_body, then tf_title + tf_body position deltas (first one
** absolute). Appends the encoded list to *out. cctx: caller's zstd context.
** Returns FOSSC_OK, FOSSC_ERR_NOMEM or FOSSC_ERR_INTERNAL (bad stream). */
int fossc_postings_encode(const uint8_t *raw, size_t raw_len, uint32_t df,
                          const fossc_norms_view *norms, ZSTD_CCtx *cctx,
                          int level, fossc_buf *scratch, fossc_buf *out);

/* Position skips (format.h FOSSC_POS_SKIP_*) of a block of n documents.
** The writer knows its positions region's length len (as stored) and
** whether it is zstd: the table has fossc_pos_skip_count(n) entries of
** fossc_pos_skip_width_w(len, zstd) bytes when len plus the table reaches
** FOSSC_POS_SKIP_MIN_BYTES. The reader sees rest = region + table (the body
** after the documents region): a table is there when rest reaches the
** minimum, its entries fossc_pos_skip_width_r(rest, n, zstd) wide. The
** two agree: with u16 entries rest - 2 x count is the region itself, with
** u32 ones it passes 65,535 (or the region is zstd). */
static inline uint32_t fossc_pos_skip_count(uint32_t n) {
  return n > FOSSC_POS_SKIP_DOCS ? (n - 1) / FOSSC_POS_SKIP_DOCS : 0;
}
static inline uint32_t fossc_pos_skip_width_w(size_t len, int zstd) {
  return zstd || len > FOSSC_POS_SKIP_U16_BYTES ? 4 : 2;
}
static inline uint32_t fossc_pos_skip_width_r(size_t rest, uint32_t n, int zstd) {
  return zstd || rest - 2 * (size_t)fossc_pos_skip_count(n) > FOSSC_POS_SKIP_U16_BYTES ? 4 : 2;
}

/* The head of one postings list, parsed by fossc_postings_head. */
typedef struct fossc_postings_hdr {
  uint32_t nblocks; /* 1: short form */
  uint32_t last;    /* last document of the list */
  uint8_t flags;    /* short form: the block's flags */
  const uint8_t *short_max; /* short form: the quantized block max byte */
  const uint8_t *hdrs;      /* long form: nblocks block headers */
  const uint8_t *bodies;    /* block bodies, to the end of the list */
  size_t bodies_len;
} fossc_postings_hdr;

/* Parses the head of list[0..len) of a term of document frequency df
** (docs/index-format.md, "Postings list"); checks that the block headers
** fit in the list. *h points into list. Returns 0, or -1 when malformed. */
int fossc_postings_head(const uint8_t *list, size_t len, uint32_t df,
                        fossc_postings_hdr *h);

/* Cursor over one postings list. Decoding state lives inside; buffers grow
** on demand and are kept across fossc_pcursor_open calls (reuse cursors). */
typedef struct fossc_pcursor {
  const uint8_t *hdrs, *bodies;
  size_t bodies_len;
  uint32_t nblocks, block; /* block = current block index */
  uint32_t n, i;           /* documents in the block, index of current */
  uint32_t doc;            /* current document or FOSSC_DOC_END */
  uint32_t df;
  int corrupt;             /* set on any decoding error; doc = END then */
  ZSTD_DCtx *dctx;         /* borrowed */
  uint32_t docs[FOSSC_BLOCK_DOCS], tft[FOSSC_BLOCK_DOCS], tfb[FOSSC_BLOCK_DOCS];
  /* Positions region as stored (maybe zstd) and the position skips after
  ** it, to the block's end: told apart on first use (locate_positions),
  ** since that needs the block's positions count. */
  const uint8_t *pos_src;
  size_t pos_src_len;
  const uint8_t *skips;    /* position skips table, or NULL */
  uint32_t skip_w;         /* its entries' width: 2 or 4 */
  int pos_zstd;
  const uint8_t *pos_p, *pos_end; /* positions region, decoded */
  int pos_scanned;   /* positions region decoded for the current block */
  /* Where the positions of document pos_known of the block start; found
  ** lazily, moving forward only (a phrase or proximity check usually needs
  ** a few documents of a block, not all 128). */
  uint32_t pos_known;
  const uint8_t *pos_cur;
  uint8_t *raw;            /* decompressed body (owned) */
  size_t raw_cap;
  uint32_t *pos;           /* decoded positions of the current doc (owned) */
  size_t pos_cap;
} fossc_pcursor;

/* Starts loading into the CPU caches the first block of a list whose
** head is already cached (fossc_pcursor_open reads both): a query opens
** several cursors, and prefetching each list's head, then each first
** block, lets their misses overlap instead of following one another.
** Returns where the first block's body starts (what fossc_postings_head
** calls bodies), or NULL for a head it cannot read (then nothing is
** prefetched). */
const uint8_t *fossc_postings_prefetch_first(const uint8_t *list, size_t len);
/* Positions the cursor on the first document of list[0..len). df is the
** term's document frequency (checked against the list). */
void fossc_pcursor_open(fossc_pcursor *c, const uint8_t *list, size_t len,
                        uint32_t df, ZSTD_DCtx *dctx);
/* Back to the list's first document without decoding again, when the
** cursor never left its first block nor read positions in it. Returns 1,
** or 0 (nothing changed: open it again). */
int fossc_pcursor_rewind(fossc_pcursor *c);
/* Releases the cursor's buffers (the struct itself is the caller's). */
void fossc_pcursor_release(fossc_pcursor *c);
/* fossc_pcursor_next and _seek once the current block is used up: load
** a later block (not for callers; the inline functions below decide). */
uint32_t fossc_pcursor_next_block_(fossc_pcursor *c);
uint32_t fossc_pcursor_seek_blocks_(fossc_pcursor *c, uint32_t target);

/* Advances to the next document; returns the new c->doc. Inline: the walk
** steps a cursor per posting and nearly every step stays in its block. */
static inline uint32_t fossc_pcursor_next(fossc_pcursor *c) {
  if (c->doc != FOSSC_DOC_END && c->i + 1 < c->n) return c->doc = c->docs[++c->i];
  return fossc_pcursor_next_block_(c);
}

/* Advances to the first document >= target, skipping whole blocks through
** their headers; returns the new c->doc. Inline: most seeks of a
** conjunction find the cursor already there, or its target in the loaded
** block (an exhausted cursor's doc is FOSSC_DOC_END: the first test). */
static inline uint32_t fossc_pcursor_seek(fossc_pcursor *c, uint32_t target) {
  if (c->doc >= target) return c->doc;
  if (c->docs[c->n - 1] < target) return fossc_pcursor_seek_blocks_(c, target);
  while (c->docs[c->i] < target) c->i++; /* docs[n - 1] >= target: stops */
  return c->doc = c->docs[c->i];
}
/* Positions of the current document (sorted ascending; title positions
** first). *out valid until the cursor moves. Returns the count; 0 and
** c->corrupt on a decoding error. */
uint32_t fossc_pcursor_positions(fossc_pcursor *c, const uint32_t **out);
/* The same, decoding only as far as needed: the positions up to and
** including the first one above limit (or all, if none is). */
uint32_t fossc_pcursor_positions_upto(fossc_pcursor *c, uint32_t limit,
                                      const uint32_t **out);
/* Marks (mark[q] = 1) each want[q] + off, q < n, that is a position of the
** current document; want ascending. Decodes positions only up to the last
** one needed, adding whole runs of eight one-byte gaps that stay below
** the next wanted position without storing them (a phrase's frequent
** word). Returns how many it marked (others keep their mark); 0 and
** c->corrupt on a decoding error. */
uint32_t fossc_pcursor_mark(fossc_pcursor *c, const uint32_t *want, uint32_t n,
                            uint32_t off, uint32_t *mark);
/* The stored maximum BM25F saturation of the current block. */
float fossc_pcursor_block_max(const fossc_pcursor *c);
/* The largest stored block maximum of the whole list (a bound on any of
** its documents' BM25F saturation); reads every block header. */
float fossc_pcursor_list_max(const fossc_pcursor *c);
/* The last document of the current block (every document of the list from
** c->doc up to it is in this block); FOSSC_DOC_END once exhausted. */
uint32_t fossc_pcursor_block_last(const fossc_pcursor *c);

#endif
