/*
** Index writer internals shared by writer.c (the owner thread: batching,
** merging, spilling, the file) and segment.c (the worker side: analysing a
** batch of documents into a segment, compressing store blocks, encoding
** postings lists). Not a public interface.
**
** A job is handed to one worker and comes back to the owner, who merges
** finished jobs strictly in submission order: that order, never the timing
** of the threads, decides every byte of the index.
*/
#ifndef FOSSC_SEGMENT_H
#define FOSSC_SEGMENT_H

#include <zstd.h>

#include "analysis.h"
#include "htab.h"
#include "index.h"
#include "postings.h"

/* A document copied into a batch: offsets into the batch's text buffer. */
typedef struct fossc_wdoc {
  uint32_t id_off, title_off, source_off, body_off;
  uint32_t id_len, title_len, source_len, body_len;
  uint8_t lang; /* declared language, FOSSC_LANG_UNKNOWN to detect */
} fossc_wdoc;

/* A term of a segment: its raw stream (postings.h) with document numbers
** local to the batch, the first one absolute. The stream is the region
** [raw_off, raw_off + raw_len) of the job's `streams` (room for raw_cap). */
typedef struct fossc_seg_term {
  uint64_t hash;    /* XXH3_64bits of the term: the owner's lookup key too */
  uint32_t str_off; /* into the job's strs */
  uint8_t len;
  uint32_t df, last_doc;
  uint32_t raw_off, raw_len, raw_cap;
} fossc_seg_term;

/* A worker's per-document grouping scratch for one segment term (kept apart
** from fossc_seg_term so that the per-occurrence passes touch 16 bytes). */
typedef struct fossc_term_scratch {
  uint32_t mark, cnt, off, tft;
} fossc_term_scratch;

/* A (term, plain word) pair met in the batch; the word is in job->pstrs. */
typedef struct fossc_seg_pair {
  uint32_t term, off;
  uint8_t len;
} fossc_seg_pair;

/* A document-store block to compress. */
typedef struct fossc_store_blk {
  fossc_buf raw;     /* owned; released once compressed */
  uint32_t raw_len;  /* raw.len, kept after the release */
  uint32_t comp_len; /* set by the worker: bytes appended to job->comp */
  uint8_t store;     /* 0 = fields store, 1 = body store */
} fossc_store_blk;

enum { FOSSC_JOB_BATCH = 0, FOSSC_JOB_ENCODE = 1 };

typedef struct fossc_wjob {
  int kind;
  int done; /* guarded by the pool mutex */
  int rc;   /* the worker's status; err holds its message */
  fossc_error err;
  struct fossc_wjob *next_work, *next_fifo;
  /* ---- BATCH input: documents (maybe none) and store blocks */
  uint32_t first_doc, ndocs, docs_cap;
  fossc_wdoc *docs;
  fossc_buf text;
  fossc_store_blk *blks;
  uint32_t nblks, blks_cap;
  /* ---- BATCH output: the segment */
  fossc_buf strs;
  fossc_seg_term *terms;
  uint32_t nterms, terms_cap;
  fossc_htab term_ix;
  /* Every term's stream, in regions of one buffer: a stream that outgrows
  ** its region moves to a region twice as large at the end (the old one is
  ** left unused), or grows in place when it is the last. One buffer instead
  ** of one allocation per term and per doubling: a batch has ~20,000 terms,
  ** most of them met once. */
  fossc_buf streams;
  fossc_seg_pair *pairs;
  uint32_t npairs, pairs_cap;
  fossc_buf pstrs;
  uint32_t *body_len;
  uint16_t *title_len;
  uint8_t *lang;
  fossc_buf comp; /* compressed store blocks back to back */
  /* ---- ENCODE: postings lists of consecutive terms */
  uint32_t nenc;
  uint32_t *enc_term;        /* global term ids (owner's bookkeeping) */
  uint32_t *enc_df;
  const uint8_t **enc_raw;   /* streams: into enc_in or the owner's terms */
  uint64_t *enc_len;
  fossc_buf enc_in;          /* streams gathered from spilled runs */
  const fossc_norms_view *nv;
  fossc_buf enc_out;         /* encoded lists back to back */
  uint32_t *enc_out_len;
} fossc_wjob;

/* What a worker knows of one analyzer word in one language: its term id in
** the segment of the job stamped `stamp` (see fossc_token.word_id). */
typedef struct fossc_wslot {
  uint32_t stamp;
  uint32_t seg_term;
} fossc_wslot;

/* Per-thread state: one analyzer (not thread-safe), one zstd context. */
typedef struct fossc_wworker {
  void *owner; /* the fossc_writer, for the thread's loop */
  fossc_analyzer *an;
  ZSTD_CCtx *cctx;
  int zstd_level;
  fossc_buf scratch;
  /* per (analyzer word, language), indexed word_id * 2 + (lang == ES);
  ** valid for the analyzer's word epoch `epoch` */
  fossc_wslot *wslot;
  uint32_t wslot_cap, epoch, stamp;
  /* current document */
  fossc_wjob *job;
  uint64_t *occ;
  uint32_t nocc, occ_cap;
  fossc_term_scratch *tsc; /* by segment term id of the current job */
  uint32_t tsc_cap;
  uint32_t *distinct, *grouped;
  uint32_t distinct_cap, grouped_cap;
  uint32_t field_tokens, field_cap;
} fossc_wworker;

/* Prepares *wk. Returns FOSSC_OK or FOSSC_ERR_NOMEM (err set); on failure
** *wk is released. */
int fossc_wworker_init(fossc_wworker *wk, int zstd_level, fossc_error *err);
/* Releases what *wk holds (safe on a zeroed struct). */
void fossc_wworker_release(fossc_wworker *wk);
/* Bytes a worker holds besides its job: the analyzer's word cache and the
** worker's slots for it at their cap, the zstd context. For the memory
** budget. */
size_t fossc_wworker_reserve(int zstd_level);
/* Runs job j on worker wk: sets j->rc (and j->err on failure). */
void fossc_wjob_run(fossc_wworker *wk, fossc_wjob *j);
/* Frees a job and everything it owns. Accepts NULL. */
void fossc_wjob_free(fossc_wjob *j);
/* Grows the array *p of *cap elements of `elem` bytes to hold `need`.
** Returns 0 or FOSSC_ERR_NOMEM. */
int fossc_grow(void **p, uint32_t *cap, uint32_t need, size_t elem);

#endif
