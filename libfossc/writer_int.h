/*
** Internal interface of the index writer, in sections "Interface to code in
** writer_X.c": writer.c (the pipeline: batches, worker threads, merging in
** order, memory budget, document stores), writer_dict.c (the global term
** and word dictionary and the terms' stream pieces), writer_runs.c
** (temporary spools, spilled runs and reading them back in term order),
** writer_sections.c (section contents at finish: postings encoded by the
** workers, TERMS, WORDS, NORMS, IDS, the store) and writer_file.c (the
** generation file: sections, checksums, header, the CURRENT switch). Not
** for use elsewhere. The layout written here is docs/index-format.md,
** "File layout" and "Generations".
*/
#ifndef FOSSC_WRITER_INT_H
#define FOSSC_WRITER_INT_H

#include <pthread.h>
#include <xxhash.h>

#include "format.h"
#include "htab.h"
#include "index.h"
#include "segment.h"

/* Writes to a file are batched to this size: few syscalls, bounded RAM. */
#define FOSSC_WRITE_CHUNK (1u << 20)
/* Room for a path in the index folder: PATH_MAX plus our file names. */
#define FOSSC_GEN_PATH_MAX 4200

/* A generation file being written: sections back to back, each checksummed,
** after room for the header and section table (written last, by
** fossc_sw_commit). Callers stop at the first error status it returns. */
typedef struct fossc_sec_writer {
  int fd;
  uint64_t off;      /* bytes of the file so far: the next section's offset */
  fossc_buf chunk;   /* bytes not yet written */
  XXH64_state_t *xx; /* checksum of the section being written */
  int nsec;
  uint8_t table[FOSSC_MAX_SECTIONS * FOSSC_SECTION_ENTRY_BYTES];
  uint64_t sec_start;
  int err_no; /* errno of the failure behind a FOSSC_ERR_IO, for the message */
  const char *dir;
  unsigned gen;
  char final_path[4096], tmp_path[FOSSC_GEN_PATH_MAX];
} fossc_sec_writer;

/* Creates folder dir (and parents) if missing and opens the file of the next
** generation there (one past the largest present) under a temporary name.
** *s is initialised here; dir must outlive it. On failure nothing is left
** open and err names the folder or file. */
int fossc_sw_open(fossc_sec_writer *s, const char *dir, fossc_error *err);
/* Starts a section at the next aligned offset. Returns a status. */
int fossc_sw_begin(fossc_sec_writer *s);
/* Appends p[0..n) to the section being written. Returns a status
** (FOSSC_ERR_IO with s->err_no set). */
int fossc_sw_write(fossc_sec_writer *s, const void *p, size_t n);
/* Closes the section begun last under `name` (at most 8 bytes). */
void fossc_sw_end(fossc_sec_writer *s, const char *name);
/* fossc_sw_begin + fossc_sw_write + fossc_sw_end. */
int fossc_sw_section(fossc_sec_writer *s, const char *name, const void *p,
                     size_t n);
/* Finishes the file. With rc == FOSSC_OK: writes the pending bytes, the
** header (ndocs in it) and the section table, syncs, gives the file its
** final name, points CURRENT at it and removes older generations. With an
** rc already failed, or on any failure here: removes the temporary file,
** leaves the previous generation current and returns the status with a
** message ending in "(previous index kept)"; `cause`, when not NULL, is the
** message to give instead of the I/O error. Releases *s in every case
** (s->off stays readable: the file size). */
int fossc_sw_commit(fossc_sec_writer *s, int rc, uint32_t ndocs,
                    const fossc_error *cause, fossc_error *err);

/* Writes all of p[0..n) to fd, retrying short writes and EINTR.
** Returns 0, or -1 with errno set. */
int fossc_write_all(int fd, const void *p, size_t n);
/* Reads exactly n bytes at offset off of fd into dst. Returns 0, or -1 with
** errno set (EIO when the file ends first). */
int fossc_read_at(int fd, void *dst, size_t n, uint64_t off);

static inline void fossc_put_le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void fossc_put_le64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- The writer's state (shared by writer*.c) */

/* Raw stream bytes and terms per encoding job at finish: enough that a
** job's fixed cost is small, few enough that the jobs in flight (two per
** worker) hold a few MB. */
#define FOSSC_ENCODE_JOB_BYTES (1u << 20)
#define FOSSC_ENCODE_JOB_TERMS 4096
/* "No document yet": a term's in-memory stream is empty. */
#define FOSSC_NO_DOC UINT32_MAX

typedef struct fossc_term_rec {
  uint32_t str_off;  /* into w->strs */
  uint32_t df;       /* over the whole corpus, spilled pieces included */
  uint32_t last_doc; /* of the in-memory stream; FOSSC_NO_DOC when empty */
  uint32_t raw_len, raw_cap;
  uint8_t len;
  uint8_t *raw; /* stream piece since the last spill (postings.h) */
} fossc_term_rec;

/* A byte sink that stays in memory, or (to_disk) goes to an unlinked
** temporary file in chunks. */
typedef struct fossc_spool {
  int fd; /* -1 until the first chunk is written */
  int to_disk;
  fossc_buf buf; /* bytes not yet in the file */
  uint64_t len;  /* bytes written in all */
} fossc_spool;

typedef struct fossc_store {
  fossc_buf raw;      /* the block being filled */
  uint32_t nblocks;   /* blocks closed */
  size_t block_bytes; /* raw size that closes a block */
  fossc_buf blk;      /* block index entries of closed blocks */
  fossc_spool comp;   /* closed blocks as stored (zstd or raw), in order */
} fossc_store;

struct fossc_writer {
  fossc_writer_opts opts;
  char *temp_dir;
  size_t batch_bytes;
  unsigned nthreads, max_inflight;
  /* dictionary */
  fossc_buf strs;
  fossc_term_rec *terms;
  uint32_t nterms, terms_cap;
  fossc_htab term_ix;
  size_t raw_bytes;  /* sum of raw_cap */
  uint32_t *seg_map; /* merge scratch: segment term -> global term */
  uint32_t seg_map_cap;
  uint64_t *seg_hash; /* merge scratch: hashes of the segment's words */
  uint32_t seg_hash_cap;
  fossc_buf wstrs;
  uint32_t *word_off;
  uint8_t *word_len;
  uint32_t nwords, words_cap;
  fossc_htab word_ix;
  fossc_htab pair_ix;
  uint64_t *pairs; /* word id << 32 | term id */
  uint32_t npairs, pairs_cap;
  /* documents: numbered when added, filled in when merged */
  uint32_t ndocs, docs_cap;
  uint32_t *body_len;
  uint16_t *title_len;
  uint8_t *lang;
  uint64_t *ids;
  uint32_t *ddoc; /* per doc: field block, offset, body block, offset */
  fossc_htab id_ix;
  uint64_t title_tokens, body_tokens, bytes_in;
  uint32_t docs_lang[FOSSC_LANG_COUNT];
  /* document stores: short fields (for result lists, stored raw) apart
  ** from bodies (for snippets and GET), so a result list decompresses
  ** nothing */
  fossc_store st[2];
  fossc_store_blk *pend; /* closed blocks waiting for a job */
  uint32_t npend, pend_cap;
  size_t pend_bytes;
  /* spilled runs, back to back in one spool */
  fossc_spool runs;
  uint64_t *run_off; /* nruns + 1 offsets */
  uint32_t nruns, run_cap;
  size_t mem_floor; /* the most needed right after a forced spill */
  /* jobs */
  fossc_wjob *cur; /* batch being filled */
  fossc_wjob *fifo_head, *fifo_tail;
  unsigned ninflight;
  fossc_wworker *wk;
  pthread_t *th;
  unsigned nstarted; /* 0: jobs run on the caller's thread */
  int sync_ready;
  pthread_mutex_t mu;
  pthread_cond_t cv_work, cv_done;
  fossc_wjob *wq_head, *wq_tail;
  int stop;
  /* extras */
  char extra_name[FOSSC_MAX_EXTRA_SECTIONS][9];
  fossc_buf extra[FOSSC_MAX_EXTRA_SECTIONS];
  int nextra;
  int failed;   /* sticky; ferr says why */
  int finished; /* fossc_writer_finish was called: a writer finishes once */
  fossc_error ferr;
  const uint32_t *rank; /* sorting context at finish */
};

/* ---- Interface to code in writer.c */

/* Records the writer's first failure (later ones are consequences) and
** returns its status (the first one's, not necessarily rc). */
int fossc_wr_fail(fossc_writer *w, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Queues job j (owned by the writer from now on) behind the jobs in flight;
** without worker threads, runs it at once. */
void fossc_wr_submit(fossc_writer *w, fossc_wjob *j);
/* Removes and returns the oldest job once it is done (waiting for it when
** `wait`); NULL when there is none, or it is not done and !wait. The caller
** owns the job returned (fossc_wjob_free). */
fossc_wjob *fossc_wr_take_head(fossc_writer *w, int wait);

/* ---- Interface to code in writer_dict.c */

/* Returns the term id of s[0..n), whose XXH3_64bits is h (the worker
** computed it), adding it if new; FOSSC_HTAB_EMPTY on OOM. s is copied. */
uint32_t fossc_wr_intern_term(fossc_writer *w, const char *s, size_t n,
                              uint64_t h);
/* Returns the term id of s[0..n), or FOSSC_HTAB_EMPTY when absent. */
uint32_t fossc_wr_find_term(const fossc_writer *w, const char *s, size_t n);
/* The same for plain words (WORDS). */
uint32_t fossc_wr_intern_word(fossc_writer *w, const char *s, size_t n,
                              uint64_t h);
/* Prefetches, for a coming fossc_wr_intern_term of hash h, what its lookup
** and append will touch, one level per stage: 0 the hash slot, 1 the term
** record, 2 its string and the end of its stream. Each stage reads what the
** one before fetched, so the merge calls them some terms apart: the
** dictionary is megabytes and every level is a likely cache miss. */
void fossc_wr_prefetch_term(const fossc_writer *w, uint64_t h, int stage);
/* The same for a coming fossc_wr_intern_word of hash h and the pair it
** forms with global term `term` (stage 1 fetches the pair's slot). */
void fossc_wr_prefetch_word(const fossc_writer *w, uint64_t h, uint32_t term,
                            int stage);
/* Records the (word, term) pair once. Returns 0 or FOSSC_ERR_NOMEM. */
int fossc_wr_note_pair(fossc_writer *w, uint32_t word, uint32_t term);
/* Appends to term t a stream piece whose first document number `first` is
** absolute; `rest` follows that first varint unchanged. Returns a status. */
int fossc_wr_term_append(fossc_writer *w, fossc_term_rec *t, uint32_t first,
                         const uint8_t *rest, size_t rest_len);
/* Releases term t's in-memory stream piece. */
void fossc_wr_term_drop_raw(fossc_writer *w, fossc_term_rec *t);
/* Byte order of a[0..an) and b[0..bn) (a prefix first): <0, 0, >0. */
int fossc_wr_cmp_bytes(const char *a, size_t an, const char *b, size_t bn);

/* An item sorted by fossc_wr_sort_items: `key` must order like the item
** (key a < key b implies item a < item b), `val` is the caller's. */
typedef struct fossc_sort_item {
  uint64_t key, val;
} fossc_sort_item;

/* The first 8 bytes of s[0..n), zero-padded, big-endian: a key that
** orders strings like fossc_wr_cmp_bytes (a shorter string is padded with
** bytes no real byte is below). */
static inline uint64_t fossc_wr_prefix_key(const char *s, size_t n) {
  uint64_t k = 0;
  for (size_t i = 0; i < 8; i++) k = k << 8 | (i < n ? (uint8_t)s[i] : 0u);
  return k;
}

/* Sorts it[0..n) by key (a radix sort: no comparisons), then each run of
** equal keys with cmp (qsort_r with ctx). The result is cmp's order. tmp is
** scratch room for n items. Sorting the dictionary at finish is serial
** work (the workers wait for its order): comparing strings for every one
** of O(n log n) comparisons cost ~0.1 s on the medium corpus. */
void fossc_wr_sort_items(fossc_sort_item *it, fossc_sort_item *tmp, size_t n,
                         int (*cmp)(const void *, const void *, void *),
                         void *ctx);
/* Sorts term ids ids[0..n) by the terms' bytes. Returns 0 or
** FOSSC_ERR_NOMEM (ids unchanged). */
int fossc_wr_sort_term_ids(fossc_writer *w, uint32_t *ids, uint32_t n);

/* ---- Interface to code in writer_runs.c */

/* Cursors over every spilled run, read back in term order. */
typedef struct fossc_run_cur fossc_run_cur;

/* Appends p[0..n) to spool sp (to its file in chunks when sp->to_disk).
** Returns a status, recorded in w. */
int fossc_wr_spool_write(fossc_writer *w, fossc_spool *sp, const void *p,
                         size_t n);
/* Closes sp's file and frees its buffer. */
void fossc_wr_spool_release(fossc_spool *sp);
/* Copies spool sp, whole, into the section being written. Returns a
** status. */
int fossc_wr_sw_spool(fossc_writer *w, fossc_sec_writer *s, fossc_spool *sp);
/* Writes the in-memory stream pieces as one run (terms in byte order) and
** releases them. Returns a status, recorded in w. */
int fossc_wr_spill(fossc_writer *w);
/* Opens a cursor on each of the w->nruns runs, each positioned on its
** first record. *out (the caller's, for fossc_wr_runs_close) is set even
** on failure. Returns a status. */
int fossc_wr_runs_open(fossc_writer *w, fossc_run_cur **out);
/* Appends to dst the whole stream of term g: its pieces from the runs, in
** run order, each first document delta made relative to the piece before.
** The terms must be asked for in the order the runs were written (byte
** order). Returns a status. */
int fossc_wr_runs_gather(fossc_writer *w, fossc_run_cur *cur, uint32_t g,
                         fossc_buf *dst);
/* Frees the cursors (NULL accepted). Returns FOSSC_ERR_INTERNAL when a run
** still had a piece nobody asked for, else 0. */
int fossc_wr_runs_close(fossc_writer *w, fossc_run_cur *cur);

/* ---- Interface to code in writer_sections.c */

/* Writes every section of the generation file but the header (the writer
** is fully merged: streams in memory or spilled in runs) and fills st's
** sizes. Returns a status. */
int fossc_wr_write_sections(fossc_writer *w, fossc_sec_writer *s,
                            fossc_build_stats *st);

#endif
