/*
** Index writer: collects documents, inverts them on worker threads, then
** writes one immutable generation file and switches CURRENT to it
** atomically (docs/index-format.md). This file decides what goes into each
** section; writer_file.c writes the file and makes the switch.
**
** Pipeline (segment.h has the job types):
**   1. fossc_writer_add copies each document into the batch being filled, on
**      the caller's thread (the "owner"); a full batch is handed to a worker.
**   2. A worker analyses the batch into a segment: its own term table and
**      raw per-term streams (postings.h) with document numbers local to the
**      batch, the (term, word) pairs met, the norms; it also compresses the
**      body-store blocks that were attached to the batch.
**   3. The owner merges finished jobs strictly in submission order: each
**      segment term is interned once in the global dictionary and its
**      stream appended, only the first document delta re-encoded (the rest
**      is relative); stored fields are packed into field blocks, stored
**      raw, and bodies into body blocks, which ride along with the next
**      batch to be compressed.
**   4. Over the memory budget, the owner spills the streams: the terms with
**      data, in term-byte order, go to a run in a temporary file (unlinked
**      as soon as created, so nothing is left behind whatever happens); the
**      dictionary, norms and words stay in memory.
**   5. fossc_writer_finish sorts the dictionary, gathers each term's pieces
**      (runs in order, first delta fixed at each seam) and has the workers
**      encode the lists in chunks, written in term order.
** Every byte depends only on the documents and their order: not on the
** number of threads, the batch size or the memory budget.
*/
#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdarg.h>
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
#include "segment.h"
#include "writer_int.h"

/* Level 3, zstd's own default: on the medium corpus level 6 made the store
** 5% smaller (30.3 vs 31.9 MB) for 1.6 s more CPU per 100 MB, a quarter of
** all indexing CPU once analysis got cheaper; 19 is 6x slower still. */
#define DEFAULT_ZSTD_LEVEL 3
/* Text that closes a batch: large enough that a batch's distinct terms are
** few next to its tokens (the merge is cheap), small enough that the last
** batch, which no other work overlaps, is short. */
#define BATCH_BYTES (2u << 20)
/* ... and documents: many tiny documents cost per-document work too. */
#define BATCH_MAX_DOCS 2000
/* Under a small memory budget batches shrink to budget / this, but not
** below BATCH_MIN_BYTES (below that per-batch overhead dominates). */
#define BATCH_BUDGET_SHARE 64
#define BATCH_MIN_BYTES (32u << 10)
/* Jobs in flight per worker: one being run, one queued, so a worker never
** waits for the owner; more would only hold memory. */
#define INFLIGHT_PER_THREAD 2
/* A batch in flight holds its text, its segment (streams and tables, about
** the size of the text) and the store blocks it carries. */
#define BATCH_EXPANSION 3
/* Thread count cap: beyond this the owner's merge is the bottleneck. */
#define MAX_THREADS 64
/* Raw stream bytes and terms per encoding job at finish. */
#define ENCODE_JOB_BYTES (1u << 20)
#define ENCODE_JOB_TERMS 4096
/* Read buffer per spilled run during the final merge: share of the budget,
** clamped: small enough for hundreds of runs, big enough for few syscalls. */
#define RUN_READ_MIN (16u << 10)
#define RUN_READ_MAX (1u << 20)
/* Bytes per hash slot (u64 hash + u32 id), for the memory accounting. */
#define HTAB_SLOT_BYTES 12
#define NO_DOC UINT32_MAX

typedef struct term_rec {
  uint32_t str_off; /* into w->strs */
  uint32_t df;      /* over the whole corpus, spilled pieces included */
  uint32_t last_doc; /* of the in-memory stream; NO_DOC when empty */
  uint32_t raw_len, raw_cap;
  uint8_t len;
  uint8_t *raw; /* stream piece since the last spill (postings.h) */
} term_rec;

/* A byte sink that stays in memory, or (to_disk) goes to an unlinked
** temporary file in chunks. */
typedef struct spool {
  int fd;        /* -1 until the first chunk is written */
  int to_disk;
  fossc_buf buf; /* bytes not yet in the file */
  uint64_t len;  /* bytes written in all */
} spool;

typedef struct store {
  fossc_buf raw;      /* the block being filled */
  uint32_t nblocks;   /* blocks closed */
  size_t block_bytes; /* raw size that closes a block */
  fossc_buf blk;      /* block index entries of closed blocks */
  spool comp;         /* closed blocks as stored (zstd or raw), in order */
} store;

struct fossc_writer {
  fossc_writer_opts opts;
  char *temp_dir;
  size_t batch_bytes;
  unsigned nthreads, max_inflight;
  /* dictionary */
  fossc_buf strs;
  term_rec *terms;
  uint32_t nterms, terms_cap;
  fossc_htab term_ix;
  size_t raw_bytes; /* sum of raw_cap */
  uint32_t *seg_map; /* merge scratch: segment term -> global term */
  uint32_t seg_map_cap;
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
  store st[2];
  fossc_store_blk *pend; /* closed blocks waiting for a job */
  uint32_t npend, pend_cap;
  size_t pend_bytes;
  /* spilled runs, back to back in one spool */
  spool runs;
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

/* ------------------------------------------------------------ errors */
static int fail(fossc_writer *w, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Records the writer's first failure (later ones are consequences). */
static int fail(fossc_writer *w, int rc, const char *fmt, ...) {
  if (!w->failed) {
    va_list ap;
    va_start(ap, fmt);
    char msg[FOSSC_ERRMSG_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    w->failed = 1;
    fossc_error_set(&w->ferr, rc, "%s", msg);
  }
  return w->ferr.code;
}

static int report(const fossc_writer *w, fossc_error *err) {
  return fossc_error_set(err, w->ferr.code ? w->ferr.code : FOSSC_ERR_ARG,
                         "%s", w->ferr.code ? w->ferr.msg : "writer failed earlier");
}

/* ------------------------------------------------------------ dictionary */
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
  if (fossc_grow((void **)&w->terms, &w->terms_cap, w->nterms + 1,
                 sizeof *w->terms))
    return FOSSC_HTAB_EMPTY;
  term_rec *t = &w->terms[w->nterms];
  memset(t, 0, sizeof *t);
  t->str_off = (uint32_t)w->strs.len;
  t->len = (uint8_t)n;
  t->last_doc = NO_DOC;
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

static int note_pair(fossc_writer *w, uint32_t word, uint32_t term) {
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

static size_t put_varint(uint8_t *p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  p[n++] = (uint8_t)v;
  return n;
}

/* Appends to term t a stream piece whose first document number `first` is
** absolute; `rest` follows that first varint unchanged. */
static int term_append(fossc_writer *w, term_rec *t, uint32_t first,
                       const uint8_t *rest, size_t rest_len) {
  uint8_t hdr[10];
  size_t hn = put_varint(hdr, t->last_doc == NO_DOC ? first
                                                    : first - t->last_doc - 1);
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

static void term_drop_raw(fossc_writer *w, term_rec *t) {
  fossc_free(t->raw);
  w->raw_bytes -= t->raw_cap;
  t->raw = NULL;
  t->raw_len = t->raw_cap = 0;
  t->last_doc = NO_DOC;
}

/* ------------------------------------------------------------ spools */
/* Creates an unlinked temporary file in the writer's temporary folder. */
static int temp_open(fossc_writer *w, int *fd_out) {
  const char *dir = w->temp_dir;
  if (!dir) dir = getenv("TMPDIR");
  if (!dir || !*dir) dir = "/tmp";
  char path[4200];
  struct stat sb;
  if (stat(dir, &sb) && mkdir(dir, 0755) && errno != EEXIST)
    return fail(w, FOSSC_ERR_IO, "cannot create %s: %s", dir, strerror(errno));
  snprintf(path, sizeof path, "%s/fossc-run-XXXXXX.tmp", dir);
  int fd = mkostemps(path, 4, O_CLOEXEC);
  if (fd < 0)
    return fail(w, FOSSC_ERR_IO, "cannot create a temporary file in %s: %s",
                dir, strerror(errno));
  unlink(path); /* the file lives as long as fd: never left behind */
  *fd_out = fd;
  return 0;
}

static int spool_flush(fossc_writer *w, spool *sp) {
  if (sp->buf.len == 0) return 0;
  if (sp->fd < 0 && temp_open(w, &sp->fd)) return w->ferr.code;
  if (fossc_write_all(sp->fd, sp->buf.data, sp->buf.len))
    return fail(w, FOSSC_ERR_IO, "writing a temporary file: %s",
                strerror(errno));
  fossc_buf_reset(&sp->buf);
  return 0;
}

static int spool_write(fossc_writer *w, spool *sp, const void *p, size_t n) {
  fossc_buf_append(&sp->buf, p, n);
  if (sp->buf.oom) return fail(w, FOSSC_ERR_NOMEM, "out of memory");
  sp->len += n;
  if (sp->to_disk && sp->buf.len >= FOSSC_WRITE_CHUNK)
    return spool_flush(w, sp);
  return 0;
}

static void spool_release(spool *sp) {
  if (sp->fd >= 0) close(sp->fd);
  sp->fd = -1;
  fossc_buf_free(&sp->buf);
}

/* ------------------------------------------------------------ threads */
static void *worker_main(void *arg) {
  fossc_wworker *wk = arg;
  fossc_writer *w = wk->owner;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (!w->stop && !w->wq_head) pthread_cond_wait(&w->cv_work, &w->mu);
    if (w->stop) break;
    fossc_wjob *j = w->wq_head;
    w->wq_head = j->next_work;
    if (!w->wq_head) w->wq_tail = NULL;
    pthread_mutex_unlock(&w->mu);
    fossc_wjob_run(wk, j);
    pthread_mutex_lock(&w->mu);
    j->done = 1;
    pthread_cond_broadcast(&w->cv_done);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

static void submit(fossc_writer *w, fossc_wjob *j) {
  j->next_fifo = NULL;
  j->next_work = NULL;
  if (w->fifo_tail)
    w->fifo_tail->next_fifo = j;
  else
    w->fifo_head = j;
  w->fifo_tail = j;
  w->ninflight++;
  if (!w->nstarted) {
    fossc_wjob_run(&w->wk[0], j);
    j->done = 1;
    return;
  }
  pthread_mutex_lock(&w->mu);
  if (w->wq_tail)
    w->wq_tail->next_work = j;
  else
    w->wq_head = j;
  w->wq_tail = j;
  pthread_cond_signal(&w->cv_work);
  pthread_mutex_unlock(&w->mu);
}

/* Removes and returns the oldest job once it is done (waiting for it when
** `wait`); NULL when there is none, or it is not done and !wait. */
static fossc_wjob *take_head(fossc_writer *w, int wait) {
  fossc_wjob *j = w->fifo_head;
  if (!j) return NULL;
  if (w->nstarted) {
    pthread_mutex_lock(&w->mu);
    while (!j->done && wait) pthread_cond_wait(&w->cv_done, &w->mu);
    int done = j->done;
    pthread_mutex_unlock(&w->mu);
    if (!done) return NULL;
  }
  w->fifo_head = j->next_fifo;
  if (!w->fifo_head) w->fifo_tail = NULL;
  w->ninflight--;
  return j;
}

static void stop_threads(fossc_writer *w) {
  if (!w->nstarted) return;
  pthread_mutex_lock(&w->mu);
  w->stop = 1;
  pthread_cond_broadcast(&w->cv_work);
  pthread_mutex_unlock(&w->mu);
  for (unsigned i = 0; i < w->nstarted; i++) pthread_join(w->th[i], NULL);
  w->nstarted = 0;
}

/* ------------------------------------------------------------ memory */
static size_t htab_bytes(const fossc_htab *t) {
  return t->ids ? ((size_t)t->mask + 1) * HTAB_SLOT_BYTES : 0;
}

/* What fossc_writer_finish allocates besides the dictionary: sort order and
** ranks, TERMS entries, encoding jobs in flight, write buffers. */
static size_t finish_reserve(const fossc_writer *w) {
  return (size_t)w->nterms * (8 + FOSSC_TERM_ENTRY_BYTES) +
         (size_t)w->max_inflight * 2 * ENCODE_JOB_BYTES +
         2 * FOSSC_WRITE_CHUNK;
}

/* Bytes the writer holds or may hold at once, batches in flight and
** workers included, by its own accounting. */
static size_t mem_used(const fossc_writer *w) {
  size_t n = w->raw_bytes + (size_t)w->terms_cap * sizeof *w->terms +
             w->strs.cap + htab_bytes(&w->term_ix) +
             (size_t)w->words_cap * 5 + w->wstrs.cap + htab_bytes(&w->word_ix) +
             (size_t)w->pairs_cap * 8 + htab_bytes(&w->pair_ix) +
             (size_t)w->docs_cap * 31 + htab_bytes(&w->id_ix) +
             w->pend_bytes + w->runs.buf.cap + (size_t)w->seg_map_cap * 4;
  for (int i = 0; i < 2; i++)
    n += w->st[i].raw.cap + w->st[i].blk.cap + w->st[i].comp.buf.cap;
  n += (size_t)w->nthreads * fossc_wworker_reserve(w->opts.zstd_level);
  n += (size_t)(w->max_inflight + 1) * w->batch_bytes * BATCH_EXPANSION;
  return n + finish_reserve(w);
}

/* The process's resident size in bytes, 0 if unknown. */
static size_t rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "re");
  if (!f) return 0;
  unsigned long pages_total, pages_res;
  int n = fscanf(f, "%lu %lu", &pages_total, &pages_res);
  fclose(f);
  long page = sysconf(_SC_PAGESIZE);
  return n == 2 && page > 0 ? (size_t)pages_res * (size_t)page : 0;
}

/* The resident size plus what may still be added before the next check
** and what finishing needs; 0 if the resident size is unknown. */
static size_t rss_need(const fossc_writer *w) {
  size_t rss = rss_bytes();
  return rss ? rss + w->batch_bytes * BATCH_EXPANSION + finish_reserve(w) : 0;
}

/* Whether the streams must be spilled: by the writer's own accounting, or
** by the resident size it cannot see (allocator overhead, per-thread
** arenas, the caller's memory) plus what may still be added before the
** next check and what finishing needs. */
static int over_budget(const fossc_writer *w) {
  if (mem_used(w) > w->opts.memory_limit) return 1;
  return rss_need(w) > w->opts.memory_limit;
}

/* Right after a spill the budget forced, the writer holds nothing more it
** could release: what it needs then, by the measures over_budget uses, is
** the least the build can run in. When that is still over the limit every
** later batch spills again without ever getting under it: kept so that the
** caller can warn (the library prints nothing). */
static void note_floor(fossc_writer *w) {
  size_t need = mem_used(w), r = rss_need(w);
  if (r > need) need = r;
  if (need > w->mem_floor) w->mem_floor = need;
}

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn) {
  int c = memcmp(a, b, an < bn ? an : bn);
  return c ? c : (an > bn) - (an < bn);
}

static int cmp_term_ids(const void *x, const void *y, void *ctx) {
  const fossc_writer *w = ctx;
  const term_rec *a = &w->terms[*(const uint32_t *)x];
  const term_rec *b = &w->terms[*(const uint32_t *)y];
  return cmp_bytes(w->strs.data + a->str_off, a->len, w->strs.data + b->str_off,
                   b->len);
}

/* Writes the in-memory stream pieces as one run (terms in byte order) and
** releases them. Run record: varint term id, varint last doc, varint
** length, the piece (its first document number absolute). */
static int spill(fossc_writer *w) {
  uint32_t n = 0;
  uint32_t *ids = fossc_malloc((size_t)(w->nterms ? w->nterms : 1) * sizeof *ids);
  if (!ids) return fail(w, FOSSC_ERR_NOMEM, "out of memory");
  for (uint32_t i = 0; i < w->nterms; i++)
    if (w->terms[i].raw_len) ids[n++] = i;
  if (n > 1) qsort_r(ids, n, sizeof *ids, cmp_term_ids, w);
  if (fossc_grow((void **)&w->run_off, &w->run_cap, w->nruns + 2,
                 sizeof *w->run_off)) {
    fossc_free(ids);
    return fail(w, FOSSC_ERR_NOMEM, "out of memory");
  }
  w->runs.to_disk = 1;
  w->run_off[w->nruns] = w->runs.len;
  int rc = 0;
  for (uint32_t i = 0; i < n && !rc; i++) {
    term_rec *t = &w->terms[ids[i]];
    uint8_t hdr[30];
    size_t hn = put_varint(hdr, ids[i]);
    hn += put_varint(hdr + hn, t->last_doc);
    hn += put_varint(hdr + hn, t->raw_len);
    rc = spool_write(w, &w->runs, hdr, hn);
    if (!rc) rc = spool_write(w, &w->runs, t->raw, t->raw_len);
    term_drop_raw(w, t);
  }
  fossc_free(ids);
  if (rc) return rc;
#ifdef __GLIBC__
  /* The pieces were many small blocks scattered over the heap: give their
  ** pages back, or the resident size keeps the peak of every run. */
  malloc_trim(0);
#endif
  w->nruns++;
  w->run_off[w->nruns] = w->runs.len;
  return 0;
}

/* ------------------------------------------------------------ merge */
static void put_str(fossc_buf *b, const char *s, size_t n) {
  fossc_buf_put_varint(b, n);
  fossc_buf_append(b, s, n);
}

/* Appends a finished block to store s: its index entry, then its bytes
** p[0..len) (a zstd frame, or the raw block when len == raw_len). */
static int put_block(fossc_writer *w, store *s, const void *p, uint32_t len,
                     uint32_t raw_len) {
  fossc_buf_put_u64(&s->blk, s->comp.len);
  fossc_buf_put_u32(&s->blk, len);
  fossc_buf_put_u32(&s->blk, raw_len);
  if (s->blk.oom) return fail(w, FOSSC_ERR_NOMEM, "out of memory");
  return spool_write(w, &s->comp, p, len);
}

/* Closes the store's block being filled. Field blocks are stored raw at
** once: a result page reads ten of them, and decompressing them was most of
** a one-word query's time (78% under a profiler), for a few hundred KB of
** index. Body blocks go to the queue of blocks to compress. */
static int close_block(fossc_writer *w, int which) {
  store *s = &w->st[which];
  if (s->raw.len == 0) return 0;
  if (s->raw.oom || s->raw.len > UINT32_MAX)
    return fail(w, FOSSC_ERR_NOMEM, "out of memory");
  if (which == 0) {
    if (put_block(w, s, s->raw.data, (uint32_t)s->raw.len,
                  (uint32_t)s->raw.len))
      return w->ferr.code;
    fossc_buf_reset(&s->raw); /* keeps the memory for the next block */
    s->nblocks++;
    return 0;
  }
  if (fossc_grow((void **)&w->pend, &w->pend_cap, w->npend + 1, sizeof *w->pend))
    return fail(w, FOSSC_ERR_NOMEM, "out of memory");
  fossc_store_blk *b = &w->pend[w->npend++];
  memset(b, 0, sizeof *b);
  b->raw = s->raw;
  b->raw_len = (uint32_t)s->raw.len;
  b->store = (uint8_t)which;
  w->pend_bytes += s->raw.cap;
  memset(&s->raw, 0, sizeof s->raw);
  s->nblocks++;
  return 0;
}

/* Stores a body block that zstd could not shrink as raw bytes, so that
** "compressed length == raw length" always means raw to the reader. The
** worker has released the raw block: the frame is decoded again (rare:
** incompressible or tiny blocks only). */
static int put_block_raw(fossc_writer *w, store *s, const void *frame,
                         uint32_t len, uint32_t raw_len) {
  uint8_t *raw = fossc_malloc(raw_len ? raw_len : 1);
  if (!raw) return fail(w, FOSSC_ERR_NOMEM, "out of memory");
  size_t got = ZSTD_decompress(raw, raw_len, frame, len);
  int rc = ZSTD_isError(got) || got != raw_len
               ? fail(w, FOSSC_ERR_INTERNAL, "store block does not round-trip")
               : put_block(w, s, raw, raw_len, raw_len);
  fossc_free(raw);
  return rc;
}

static int merge_batch(fossc_writer *w, fossc_wjob *j) {
  if (j->rc) return fail(w, j->rc, "%s", j->err.msg);
  /* terms and their streams */
  if (fossc_grow((void **)&w->seg_map, &w->seg_map_cap, j->nterms + 1,
                 sizeof *w->seg_map))
    return fail(w, FOSSC_ERR_NOMEM, "out of memory");
  for (uint32_t i = 0; i < j->nterms; i++) {
    const fossc_seg_term *st = &j->terms[i];
    uint32_t g = intern_term(w, j->strs.data + st->str_off, st->len);
    if (g == FOSSC_HTAB_EMPTY) return fail(w, FOSSC_ERR_NOMEM, "out of memory");
    w->seg_map[i] = g;
    const uint8_t *p = (const uint8_t *)st->raw.data, *end = p + st->raw.len;
    uint64_t first;
    if (fossc_get_varint(&p, end, &first) || first >= j->ndocs)
      return fail(w, FOSSC_ERR_INTERNAL, "bad segment stream");
    term_rec *t = &w->terms[g];
    int rc = term_append(w, t, j->first_doc + (uint32_t)first, p,
                         (size_t)(end - p));
    if (rc) return fail(w, rc, "postings of term '%.*s': %s", (int)st->len,
                        j->strs.data + st->str_off, fossc_strerror(rc));
    t->last_doc = j->first_doc + st->last_doc;
    t->df += st->df;
  }
  /* plain word -> term pairs */
  for (uint32_t i = 0; i < j->npairs; i++) {
    const fossc_seg_pair *p = &j->pairs[i];
    uint32_t word = intern_word(w, j->pstrs.data + p->off, p->len);
    if (word == FOSSC_HTAB_EMPTY || note_pair(w, word, w->seg_map[p->term]))
      return fail(w, FOSSC_ERR_NOMEM, "out of memory");
  }
  /* norms and stored records */
  for (uint32_t i = 0; i < j->ndocs; i++) {
    uint32_t d = j->first_doc + i;
    const fossc_wdoc *doc = &j->docs[i];
    const char *text = j->text.data;
    w->body_len[d] = j->body_len[i];
    w->title_len[d] = j->title_len[i];
    w->lang[d] = j->lang[i];
    w->title_tokens += j->title_len[i];
    w->body_tokens += j->body_len[i];
    w->docs_lang[j->lang[i] < FOSSC_LANG_COUNT ? j->lang[i] : 0]++;
    store *f = &w->st[0], *b = &w->st[1];
    w->ddoc[4 * d] = f->nblocks;
    w->ddoc[4 * d + 1] = (uint32_t)f->raw.len;
    put_str(&f->raw, text + doc->id_off, doc->id_len);
    put_str(&f->raw, text + doc->title_off, doc->title_len);
    put_str(&f->raw, text + doc->source_off, doc->source_len);
    fossc_buf_putc(&f->raw, (char)j->lang[i]);
    w->ddoc[4 * d + 2] = b->nblocks;
    w->ddoc[4 * d + 3] = (uint32_t)b->raw.len;
    put_str(&b->raw, text + doc->body_off, doc->body_len);
    if (f->raw.oom || b->raw.oom)
      return fail(w, FOSSC_ERR_NOMEM, "out of memory");
    if (f->raw.len >= f->block_bytes && close_block(w, 0)) return w->ferr.code;
    if (b->raw.len >= b->block_bytes && close_block(w, 1)) return w->ferr.code;
  }
  /* compressed body blocks, in the order they were closed; compressed only
  ** when that made them strictly smaller */
  size_t off = 0;
  for (uint32_t i = 0; i < j->nblks; i++) {
    const fossc_store_blk *k = &j->blks[i];
    store *s = &w->st[k->store];
    const char *frame = j->comp.data + off;
    if (k->comp_len < k->raw_len
            ? put_block(w, s, frame, k->comp_len, k->raw_len)
            : put_block_raw(w, s, frame, k->comp_len, k->raw_len))
      return w->ferr.code;
    off += k->comp_len;
  }
  if (w->opts.memory_limit && w->raw_bytes && over_budget(w)) {
    if (spill(w)) return w->ferr.code;
    note_floor(w);
  }
  return 0;
}

/* Merges the oldest finished jobs; with `all`, waits for every job. */
static int pump(fossc_writer *w, int all) {
  fossc_wjob *j;
  while ((j = take_head(w, all))) {
    int rc = w->failed ? w->ferr.code : merge_batch(w, j);
    fossc_wjob_free(j);
    if (rc) return rc;
  }
  return w->failed ? w->ferr.code : 0;
}

/* Hands the batch being filled (with the store blocks waiting for
** compression) to a worker, after making room in the pipeline. */
static int submit_batch(fossc_writer *w) {
  while (w->ninflight >= w->max_inflight) {
    fossc_wjob *j = take_head(w, 1);
    int rc = w->failed ? w->ferr.code : merge_batch(w, j);
    fossc_wjob_free(j);
    if (rc) return rc;
  }
  fossc_wjob *j = w->cur;
  w->cur = NULL;
  j->blks = w->pend;
  j->nblks = w->npend;
  j->blks_cap = w->pend_cap;
  w->pend = NULL;
  w->npend = w->pend_cap = 0;
  w->pend_bytes = 0;
  submit(w, j);
  return pump(w, 0);
}

/* Submits what is pending and merges everything. */
static int drain(fossc_writer *w) {
  if (w->failed) return w->ferr.code;
  if (w->cur && submit_batch(w)) return w->ferr.code;
  return pump(w, 1);
}

/* Closes the open store blocks and has the workers compress every block
** still waiting, split in one job per worker. */
static int flush_stores(fossc_writer *w) {
  if (close_block(w, 0) || close_block(w, 1)) return w->ferr.code;
  uint32_t per = (w->npend + w->nthreads - 1) / w->nthreads;
  for (uint32_t at = 0; at < w->npend; at += per) {
    uint32_t n = w->npend - at < per ? w->npend - at : per;
    fossc_wjob *j = fossc_calloc(1, sizeof *j);
    if (j) j->blks = fossc_malloc((size_t)n * sizeof *j->blks);
    if (!j || !j->blks) {
      fossc_wjob_free(j);
      return fail(w, FOSSC_ERR_NOMEM, "out of memory");
    }
    memcpy(j->blks, w->pend + at, (size_t)n * sizeof *j->blks);
    memset(w->pend + at, 0, (size_t)n * sizeof *j->blks);
    j->nblks = j->blks_cap = n;
    submit(w, j);
  }
  fossc_free(w->pend);
  w->pend = NULL;
  w->npend = w->pend_cap = 0;
  w->pend_bytes = 0;
  return pump(w, 1);
}

/* ------------------------------------------------------------ create */
int fossc_writer_create(const fossc_writer_opts *opts, fossc_writer **out,
                        fossc_error *err) {
  fossc_writer *w = fossc_calloc(1, sizeof *w);
  if (!w) return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  if (opts) w->opts = *opts;
  w->opts.temp_dir = NULL;
  w->runs.fd = w->st[0].comp.fd = w->st[1].comp.fd = -1;
  if (w->opts.zstd_level <= 0) w->opts.zstd_level = DEFAULT_ZSTD_LEVEL;
  if (w->opts.zstd_level > ZSTD_maxCLevel())
    w->opts.zstd_level = ZSTD_maxCLevel();
  unsigned nt = w->opts.threads;
  if (nt == 0) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    nt = c > 0 ? (unsigned)c : 1;
  }
  if (nt > MAX_THREADS) nt = MAX_THREADS;
  w->nthreads = nt;
  w->max_inflight = nt == 1 ? 1 : INFLIGHT_PER_THREAD * nt;
  w->batch_bytes = BATCH_BYTES;
  if (w->opts.memory_limit) {
    size_t b = w->opts.memory_limit / BATCH_BUDGET_SHARE;
    if (b < BATCH_MIN_BYTES) b = BATCH_MIN_BYTES;
    if (b < w->batch_bytes) w->batch_bytes = b;
    /* The stores never hold more than a chunk in memory. */
    w->st[0].comp.to_disk = w->st[1].comp.to_disk = 1;
  }
  w->st[0].block_bytes = FOSSC_FIELDS_BLOCK_BYTES;
  w->st[1].block_bytes = FOSSC_STORE_BLOCK_BYTES;
  int rc = FOSSC_OK;
  if (opts && opts->temp_dir &&
      !(w->temp_dir = fossc_strndup(opts->temp_dir, strlen(opts->temp_dir))))
    rc = FOSSC_ERR_NOMEM;
  if (!rc && (!(w->wk = fossc_calloc(nt, sizeof *w->wk)) ||
              !(w->th = fossc_calloc(nt, sizeof *w->th)) ||
              fossc_htab_init(&w->term_ix, 1024) ||
              fossc_htab_init(&w->word_ix, 1024) ||
              fossc_htab_init(&w->pair_ix, 1024) ||
              fossc_htab_init(&w->id_ix, 1024)))
    rc = FOSSC_ERR_NOMEM;
  if (rc) {
    fossc_writer_free(w);
    return fossc_error_set(err, rc, "out of memory");
  }
  for (unsigned i = 0; i < nt; i++) {
    rc = fossc_wworker_init(&w->wk[i], w->opts.zstd_level, err);
    if (rc) {
      fossc_writer_free(w);
      return rc;
    }
    w->wk[i].owner = w;
  }
  if (nt > 1) {
    if (pthread_mutex_init(&w->mu, NULL)) {
      fossc_writer_free(w);
      return fossc_error_set(err, FOSSC_ERR_INTERNAL, "cannot create a mutex");
    }
    if (pthread_cond_init(&w->cv_work, NULL)) {
      pthread_mutex_destroy(&w->mu);
      fossc_writer_free(w);
      return fossc_error_set(err, FOSSC_ERR_INTERNAL, "cannot create a condition");
    }
    if (pthread_cond_init(&w->cv_done, NULL)) {
      pthread_cond_destroy(&w->cv_work);
      pthread_mutex_destroy(&w->mu);
      fossc_writer_free(w);
      return fossc_error_set(err, FOSSC_ERR_INTERNAL, "cannot create a condition");
    }
    w->sync_ready = 1;
    for (unsigned i = 0; i < nt; i++) {
      int e = pthread_create(&w->th[i], NULL, worker_main, &w->wk[i]);
      if (e) {
        fossc_writer_free(w);
        return fossc_error_set(err, FOSSC_ERR_INTERNAL,
                               "cannot start indexing thread %u: %s", i,
                               strerror(e));
      }
      w->nstarted++;
    }
  }
  *out = w;
  return FOSSC_OK;
}

void fossc_writer_free(fossc_writer *w) {
  if (!w) return;
  stop_threads(w);
  if (w->sync_ready) {
    pthread_cond_destroy(&w->cv_done);
    pthread_cond_destroy(&w->cv_work);
    pthread_mutex_destroy(&w->mu);
  }
  while (w->fifo_head) {
    fossc_wjob *j = w->fifo_head;
    w->fifo_head = j->next_fifo;
    fossc_wjob_free(j);
  }
  fossc_wjob_free(w->cur);
  for (unsigned i = 0; w->wk && i < w->nthreads; i++)
    fossc_wworker_release(&w->wk[i]);
  fossc_free(w->wk);
  fossc_free(w->th);
  for (uint32_t i = 0; i < w->nterms; i++) fossc_free(w->terms[i].raw);
  fossc_free(w->terms);
  fossc_buf_free(&w->strs);
  fossc_htab_release(&w->term_ix);
  fossc_free(w->seg_map);
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
  for (int i = 0; i < 2; i++) {
    fossc_buf_free(&w->st[i].raw);
    fossc_buf_free(&w->st[i].blk);
    spool_release(&w->st[i].comp);
  }
  for (uint32_t i = 0; i < w->npend; i++) fossc_buf_free(&w->pend[i].raw);
  fossc_free(w->pend);
  spool_release(&w->runs);
  fossc_free(w->run_off);
  fossc_free(w->temp_dir);
  for (int i = 0; i < w->nextra; i++) fossc_buf_free(&w->extra[i]);
  fossc_free(w);
}

/* ------------------------------------------------------------ extras */
int fossc_writer_has_term(fossc_writer *w, const char *s, size_t n) {
  if (!w->finished && drain(w)) return 0;
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
static int id_eq(const void *ctx, uint32_t docnum) {
  /* Ids are hashed with 64 bits; a true collision between two distinct ids
  ** is treated as a duplicate (probability ~n^2/2^65: negligible). */
  (void)ctx;
  (void)docnum;
  return 1;
}

/* Copies doc into the batch being filled. */
static int batch_add(fossc_writer *w, const fossc_doc *doc) {
  if (!w->cur) {
    w->cur = fossc_calloc(1, sizeof *w->cur);
    if (!w->cur) return FOSSC_ERR_NOMEM;
    w->cur->kind = FOSSC_JOB_BATCH;
    w->cur->first_doc = w->ndocs;
  }
  fossc_wjob *j = w->cur;
  if (fossc_grow((void **)&j->docs, &j->docs_cap, j->ndocs + 1,
                 sizeof *j->docs))
    return FOSSC_ERR_NOMEM;
  uint64_t need = (uint64_t)j->text.len + doc->id_len + doc->title_len +
                  doc->source_len + doc->body_len;
  if (need > UINT32_MAX || doc->body_len > UINT32_MAX ||
      doc->title_len > UINT32_MAX)
    return FOSSC_ERR_LIMIT;
  fossc_wdoc *d = &j->docs[j->ndocs];
  d->id_off = (uint32_t)j->text.len;
  d->id_len = (uint32_t)doc->id_len;
  fossc_buf_append(&j->text, doc->id, doc->id_len);
  d->title_off = (uint32_t)j->text.len;
  d->title_len = (uint32_t)doc->title_len;
  fossc_buf_append(&j->text, doc->title, doc->title_len);
  d->source_off = (uint32_t)j->text.len;
  d->source_len = (uint32_t)doc->source_len;
  fossc_buf_append(&j->text, doc->source, doc->source_len);
  d->body_off = (uint32_t)j->text.len;
  d->body_len = (uint32_t)doc->body_len;
  fossc_buf_append(&j->text, doc->body, doc->body_len);
  d->lang = (uint8_t)(doc->lang < FOSSC_LANG_COUNT ? doc->lang : 0);
  if (j->text.oom) return FOSSC_ERR_NOMEM;
  j->ndocs++;
  return 0;
}

int fossc_writer_add(fossc_writer *w, const fossc_doc *doc, fossc_error *err) {
  if (w->finished)
    return fossc_error_set(err, FOSSC_ERR_ARG, "writer already finished");
  if (w->failed) return report(w, err);
  if (w->ndocs >= FOSSC_MAX_DOCS)
    return fossc_error_set(err, FOSSC_ERR_LIMIT, "more than %u documents",
                           FOSSC_MAX_DOCS);
  uint64_t idh = XXH3_64bits(doc->id, doc->id_len);
  if (fossc_htab_find(&w->id_ix, idh, id_eq, NULL) != FOSSC_HTAB_EMPTY)
    return fossc_error_set(err, FOSSC_ERR_INPUT, "duplicate document id '%.*s'",
                           (int)(doc->id_len > 200 ? 200 : doc->id_len),
                           doc->id);
  uint32_t d = w->ndocs;
  uint32_t cap = w->docs_cap;
  int rc = 0;
  rc |= fossc_grow((void **)&w->body_len, &cap, d + 1, sizeof *w->body_len);
  cap = w->docs_cap;
  rc |= fossc_grow((void **)&w->title_len, &cap, d + 1, sizeof *w->title_len);
  cap = w->docs_cap;
  rc |= fossc_grow((void **)&w->lang, &cap, d + 1, 1);
  cap = w->docs_cap;
  rc |= fossc_grow((void **)&w->ids, &cap, d + 1, sizeof *w->ids);
  cap = w->docs_cap;
  rc |= fossc_grow((void **)&w->ddoc, &cap, d + 1, 4 * sizeof *w->ddoc);
  if (!rc) {
    w->docs_cap = cap;
    rc = batch_add(w, doc);
  }
  if (!rc && fossc_htab_insert(&w->id_ix, idh, d)) rc = FOSSC_ERR_NOMEM;
  if (rc) {
    fail(w, rc, "indexing document '%.*s': %s",
         (int)(doc->id_len > 200 ? 200 : doc->id_len), doc->id,
         fossc_strerror(rc));
    return report(w, err);
  }
  w->ids[d] = idh;
  w->bytes_in += doc->title_len + doc->body_len;
  w->ndocs++;
  if ((w->cur->text.len >= w->batch_bytes || w->cur->ndocs >= BATCH_MAX_DOCS) &&
      submit_batch(w))
    return report(w, err);
  return FOSSC_OK;
}

/* ------------------------------------------------------------ finish */
/* Copies a spool into the current section. */
static int sw_spool(fossc_writer *w, fossc_sec_writer *s, spool *sp) {
  if (sp->fd < 0)
    return sp->buf.len ? fossc_sw_write(s, sp->buf.data, sp->buf.len) : 0;
  if (spool_flush(w, sp)) return w->ferr.code;
  fossc_buf tmp = FOSSC_BUF_INIT;
  if (fossc_buf_reserve(&tmp, FOSSC_WRITE_CHUNK)) return FOSSC_ERR_NOMEM;
  int rc = 0;
  for (uint64_t at = 0; at < sp->len && !rc; at += FOSSC_WRITE_CHUNK) {
    size_t n = sp->len - at < FOSSC_WRITE_CHUNK ? (size_t)(sp->len - at)
                                                : FOSSC_WRITE_CHUNK;
    if (fossc_read_at(sp->fd, tmp.data, n, at)) {
      s->err_no = errno;
      rc = FOSSC_ERR_IO;
    } else {
      rc = fossc_sw_write(s, tmp.data, n);
    }
  }
  fossc_buf_free(&tmp);
  return rc;
}

static int cmp_pairs(const void *x, const void *y, void *ctx) {
  const fossc_writer *w = ctx;
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  uint32_t wa = (uint32_t)(a >> 32), wb = (uint32_t)(b >> 32);
  int c = cmp_bytes(w->wstrs.data + w->word_off[wa], w->word_len[wa],
                    w->wstrs.data + w->word_off[wb], w->word_len[wb]);
  if (c) return c;
  uint32_t ta = w->rank[(uint32_t)a], tb = w->rank[(uint32_t)b];
  return (ta > tb) - (ta < tb);
}

static int cmp_ids(const void *x, const void *y) {
  const uint8_t *a = x, *b = y;
  uint64_t ha = fossc_rd64(a), hb = fossc_rd64(b);
  if (ha != hb) return ha < hb ? -1 : 1;
  uint32_t da = fossc_rd32(a + 8), db = fossc_rd32(b + 8);
  return (da > db) - (da < db);
}

/* ---- postings at finish: gathering spilled pieces, encoding in jobs */
typedef struct run_cur {
  uint64_t fpos, end; /* next file byte to buffer; end of the run */
  uint8_t *buf;
  size_t cap, at, len;
  int has;            /* a record header is decoded */
  uint32_t term, last;
  uint64_t rlen;
} run_cur;

/* Makes at least `need` bytes available in c->buf (fewer at the run's end). */
static int rc_fill(int fd, run_cur *c, size_t need) {
  if (c->len - c->at >= need) return 0;
  memmove(c->buf, c->buf + c->at, c->len - c->at);
  c->len -= c->at;
  c->at = 0;
  uint64_t left = c->end - c->fpos;
  size_t want = c->cap - c->len;
  if (want > left) want = (size_t)left;
  if (want && fossc_read_at(fd, c->buf + c->len, want, c->fpos))
    return FOSSC_ERR_IO;
  c->len += want;
  c->fpos += want;
  return 0;
}

/* Decodes the next record header of run c (c->has = 0 at its end). */
static int rc_next(int fd, run_cur *c) {
  c->has = 0;
  if (c->at == c->len && c->fpos == c->end) return 0;
  if (rc_fill(fd, c, 30)) return FOSSC_ERR_IO;
  const uint8_t *p = c->buf + c->at, *end = c->buf + c->len;
  uint64_t t, l;
  if (fossc_get_varint(&p, end, &t) || fossc_get_varint(&p, end, &l) ||
      fossc_get_varint(&p, end, &c->rlen) || t > UINT32_MAX || l > UINT32_MAX ||
      c->rlen == 0)
    return FOSSC_ERR_INTERNAL;
  c->term = (uint32_t)t;
  c->last = (uint32_t)l;
  c->at = (size_t)(p - c->buf);
  c->has = 1;
  return 0;
}

/* Appends run c's current piece to *dst; prev_last is the last document of
** the piece before it (NO_DOC if none), for the first delta. */
static int rc_take(int fd, run_cur *c, uint32_t prev_last, fossc_buf *dst) {
  if (rc_fill(fd, c, c->rlen < 10 ? (size_t)c->rlen : 10)) return FOSSC_ERR_IO;
  const uint8_t *p = c->buf + c->at, *end = c->buf + c->len;
  uint64_t first;
  if (fossc_get_varint(&p, end, &first) || first > UINT32_MAX ||
      (prev_last != NO_DOC && first <= prev_last))
    return FOSSC_ERR_INTERNAL;
  size_t hn = (size_t)(p - (c->buf + c->at));
  fossc_buf_put_varint(dst, prev_last == NO_DOC ? first : first - prev_last - 1);
  c->at += hn;
  uint64_t rest = c->rlen - hn;
  size_t inbuf = c->len - c->at;
  if (inbuf > rest) inbuf = (size_t)rest;
  fossc_buf_append(dst, c->buf + c->at, inbuf);
  c->at += inbuf;
  rest -= inbuf;
  if (rest) {
    if (fossc_buf_reserve(dst, (size_t)rest)) return FOSSC_ERR_NOMEM;
    if (fossc_read_at(fd, dst->data + dst->len, (size_t)rest, c->fpos))
      return FOSSC_ERR_IO;
    dst->len += (size_t)rest;
    c->fpos += rest;
  }
  if (dst->oom) return FOSSC_ERR_NOMEM;
  return rc_next(fd, c);
}

typedef struct post_state {
  const uint32_t *order;
  uint32_t next; /* next term (index into order) to put in a job */
  run_cur *cur;  /* nruns cursors, or NULL when nothing was spilled */
  fossc_norms_view nv;
  fossc_buf terms; /* TERMS entries */
  uint64_t post_off, str_off;
} post_state;

/* Builds the next encoding job from ps->order[ps->next..]. */
static int make_encode_job(fossc_writer *w, post_state *ps, fossc_wjob **out) {
  uint32_t n = 0, nterms = w->nterms;
  uint64_t bytes = 0;
  if (!ps->cur) /* in memory the sizes are known */
    while (ps->next + n < nterms && n < ENCODE_JOB_TERMS &&
           (n == 0 || bytes < ENCODE_JOB_BYTES))
      bytes += w->terms[ps->order[ps->next + n++]].raw_len;
  fossc_wjob *j = fossc_calloc(1, sizeof *j);
  uint32_t cap = ps->cur ? ENCODE_JOB_TERMS : n;
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
      const term_rec *t = &w->terms[ps->order[ps->next + i]];
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
         (j->nenc == 0 || j->enc_in.len < ENCODE_JOB_BYTES)) {
    uint32_t g = ps->order[ps->next];
    size_t start = j->enc_in.len;
    uint32_t prev_last = NO_DOC;
    for (uint32_t r = 0; r < w->nruns && !rc; r++) {
      run_cur *c = &ps->cur[r];
      if (!c->has || c->term != g) continue;
      uint32_t last = c->last;
      rc = rc_take(w->runs.fd, c, prev_last, &j->enc_in);
      prev_last = last;
    }
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
  if (j->rc) return fail(w, j->rc, "%s", j->err.msg);
  size_t at = 0;
  for (uint32_t i = 0; i < j->nenc; i++) {
    term_rec *t = &w->terms[j->enc_term[i]];
    uint32_t len = j->enc_out_len[i];
    int rc = fossc_sw_write(s, j->enc_out.data + at, len);
    if (rc) return rc;
    at += len;
    put_term_entry(&ps->terms, ps->str_off, t->df, ps->post_off);
    ps->str_off += t->len;
    ps->post_off += len;
    if (!ps->cur) term_drop_raw(w, t); /* encoded: release as we go */
  }
  return ps->terms.oom ? FOSSC_ERR_NOMEM : 0;
}

/* POSTS: every term's list in `order`, encoded by the workers, written in
** order; fills ps->terms with the TERMS entries. */
static int write_postings(fossc_writer *w, fossc_sec_writer *s,
                          post_state *ps) {
  int rc = 0;
  if (w->nruns) {
    if (spool_flush(w, &w->runs)) return w->ferr.code;
    size_t share = w->opts.memory_limit / 8 / w->nruns;
    if (share < RUN_READ_MIN) share = RUN_READ_MIN;
    if (share > RUN_READ_MAX) share = RUN_READ_MAX;
    ps->cur = fossc_calloc(w->nruns, sizeof *ps->cur);
    if (!ps->cur) return FOSSC_ERR_NOMEM;
    for (uint32_t r = 0; r < w->nruns && !rc; r++) {
      run_cur *c = &ps->cur[r];
      c->fpos = w->run_off[r];
      c->end = w->run_off[r + 1];
      c->cap = share;
      c->buf = fossc_malloc(share);
      rc = c->buf ? rc_next(w->runs.fd, c) : FOSSC_ERR_NOMEM;
    }
  }
  while (!rc && (ps->next < w->nterms || w->fifo_head)) {
    if (ps->next < w->nterms && w->ninflight < w->max_inflight) {
      fossc_wjob *j;
      rc = make_encode_job(w, ps, &j);
      if (!rc) submit(w, j);
      continue;
    }
    fossc_wjob *j = take_head(w, 1);
    rc = merge_encode(w, ps, s, j);
    fossc_wjob_free(j);
  }
  /* On failure, jobs may still be running: they read ps and the streams,
  ** so wait for them before anything is released. */
  fossc_wjob *j;
  while ((j = take_head(w, 1))) fossc_wjob_free(j);
  if (!rc && ps->cur)
    for (uint32_t r = 0; r < w->nruns; r++)
      if (ps->cur[r].has) rc = FOSSC_ERR_INTERNAL; /* a piece nobody took */
  if (ps->cur)
    for (uint32_t r = 0; r < w->nruns; r++) fossc_free(ps->cur[r].buf);
  fossc_free(ps->cur);
  ps->cur = NULL;
  if (rc == FOSSC_ERR_IO && !s->err_no) s->err_no = errno;
  return rc;
}

static int write_sections(fossc_writer *w, fossc_sec_writer *s,
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
  if (n > 1) qsort_r(order, n, sizeof *order, cmp_term_ids, w);
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
    const term_rec *t = &w->terms[order[i]];
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
    rc = fail(w, FOSSC_ERR_INPUT,
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
  if (w->npairs > 1)
    qsort_r(w->pairs, w->npairs, sizeof *w->pairs, cmp_pairs, w);
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
    rc = fail(w, FOSSC_ERR_INPUT, "more than 4 GiB of word strings");
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
  store *fs = &w->st[0], *bs = &w->st[1];
  if ((rc = fossc_sw_section(s, FOSSC_SEC_DDOC, b.data, b.len)) ||
      (rc = fossc_sw_section(s, FOSSC_SEC_FBLK, fs->blk.data, fs->blk.len)) ||
      (rc = fossc_sw_begin(s)) || (rc = sw_spool(w, s, &fs->comp)))
    goto done;
  fossc_sw_end(s, FOSSC_SEC_FLDS);
  if ((rc = fossc_sw_section(s, FOSSC_SEC_DBLK, bs->blk.data, bs->blk.len)) ||
      (rc = fossc_sw_begin(s)) || (rc = sw_spool(w, s, &bs->comp)))
    goto done;
  fossc_sw_end(s, FOSSC_SEC_DOCS);
  st->store_bytes = fs->comp.len + fs->blk.len + bs->comp.len + bs->blk.len +
                    b.len;
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

/* Merges everything still in flight, compresses the last store blocks and,
** when the streams were spilled, spills the rest so that every term's
** pieces are in the runs. */
static int finish_inversion(fossc_writer *w) {
  if (drain(w) || flush_stores(w)) return w->ferr.code;
  if (w->nruns && w->raw_bytes && spill(w)) return w->ferr.code;
  return 0;
}

int fossc_writer_finish(fossc_writer *w, const char *dir,
                        fossc_build_stats *stats, fossc_error *err) {
  fossc_build_stats st = {0};
  if (w->finished)
    return fossc_error_set(err, FOSSC_ERR_ARG, "writer already finished");
  if (w->failed) return report(w, err);
  if (finish_inversion(w)) return report(w, err);
  w->finished = 1;
  fossc_sec_writer s;
  int rc = fossc_sw_open(&s, dir, err);
  if (rc) return rc;
  rc = write_sections(w, &s, &st);
  rc = fossc_sw_commit(&s, rc, w->ndocs, w->ferr.code ? &w->ferr : NULL, err);
  if (rc) return rc;
  st.docs = w->ndocs;
  st.terms = w->nterms;
  st.tokens = w->title_tokens + w->body_tokens;
  st.bytes_in = w->bytes_in;
  st.index_bytes = s.off;
  st.runs = w->nruns;
  st.memory_floor = w->mem_floor;
  st.over_budget = w->opts.memory_limit && w->mem_floor > w->opts.memory_limit;
  if (stats) *stats = st;
  return FOSSC_OK;
}
