/*
** Index writer: collects documents, inverts them on worker threads, then
** writes one immutable generation file and switches CURRENT to it
** atomically (docs/index-format.md). This file decides what goes into each
** section; writer_file.c writes the file and makes the switch.
** This file is the pipeline: batches, worker threads, merging in order, the
** memory budget, the document stores. writer_dict.c keeps the dictionary,
** writer_runs.c the spilled runs, writer_sections.c writes the sections
** (writer_int.h).
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
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

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
/* Bytes per hash slot (u64 hash + u32 id), for the memory accounting. */
#define HTAB_SLOT_BYTES 12

/* ------------------------------------------------------------ errors */
/* Records the writer's first failure (later ones are consequences). */
int fossc_wr_fail(fossc_writer *w, int rc, const char *fmt, ...) {
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
  return fossc_error_set(err, w->ferr.code ? w->ferr.code : FOSSC_ERR_ARG, "%s",
                         w->ferr.code ? w->ferr.msg : "writer failed earlier");
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

void fossc_wr_submit(fossc_writer *w, fossc_wjob *j) {
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
fossc_wjob *fossc_wr_take_head(fossc_writer *w, int wait) {
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
** ranks, TERMS entries, encoding jobs in flight, write buffers, and the
** sort items of the terms then the pairs (two per term or pair). */
static size_t finish_reserve(const fossc_writer *w) {
  size_t sort = w->nterms > w->npairs ? w->nterms : w->npairs;
  return (size_t)w->nterms * (8 + FOSSC_TERM_ENTRY_BYTES) +
         sort * 2 * sizeof(fossc_sort_item) +
         (size_t)w->max_inflight * 2 * FOSSC_ENCODE_JOB_BYTES +
         2 * FOSSC_WRITE_CHUNK;
}

/* Bytes the writer holds or may hold at once, batches in flight and
** workers included, by its own accounting. */
static size_t mem_used(const fossc_writer *w) {
  size_t n = w->raw_bytes + (size_t)w->terms_cap * sizeof *w->terms +
             w->strs.cap + htab_bytes(&w->term_ix) + (size_t)w->words_cap * 5 +
             w->wstrs.cap + htab_bytes(&w->word_ix) + (size_t)w->pairs_cap * 8 +
             htab_bytes(&w->pair_ix) + (size_t)w->docs_cap * 31 +
             htab_bytes(&w->id_ix) + w->pend_bytes + w->runs.buf.cap +
             (size_t)w->seg_map_cap * 4 + (size_t)w->seg_hash_cap * 8;
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

/* ------------------------------------------------------------ merge */
static void put_str(fossc_buf *b, const char *s, size_t n) {
  fossc_buf_put_varint(b, n);
  fossc_buf_append(b, s, n);
}

/* Appends a finished block to store s: its index entry, then its bytes
** p[0..len) (a zstd frame, or the raw block when len == raw_len). */
static int put_block(fossc_writer *w, fossc_store *s, const void *p,
                     uint32_t len, uint32_t raw_len) {
  fossc_buf_put_u64(&s->blk, s->comp.len);
  fossc_buf_put_u32(&s->blk, len);
  fossc_buf_put_u32(&s->blk, raw_len);
  if (s->blk.oom) return fossc_wr_fail(w, FOSSC_ERR_NOMEM, "out of memory");
  return fossc_wr_spool_write(w, &s->comp, p, len);
}

/* Closes the store's block being filled. Field blocks are stored raw at
** once: a result page reads ten of them, and decompressing them was most of
** a one-word query's time (78% under a profiler), for a few hundred KB of
** index. Body blocks go to the queue of blocks to compress. */
static int close_block(fossc_writer *w, int which) {
  fossc_store *s = &w->st[which];
  if (s->raw.len == 0) return 0;
  if (s->raw.oom || s->raw.len > UINT32_MAX)
    return fossc_wr_fail(w, FOSSC_ERR_NOMEM, "out of memory");
  if (which == 0) {
    if (put_block(w, s, s->raw.data, (uint32_t)s->raw.len,
                  (uint32_t)s->raw.len))
      return w->ferr.code;
    fossc_buf_reset(&s->raw); /* keeps the memory for the next block */
    s->nblocks++;
    return 0;
  }
  if (fossc_grow((void **)&w->pend, &w->pend_cap, w->npend + 1,
                 sizeof *w->pend))
    return fossc_wr_fail(w, FOSSC_ERR_NOMEM, "out of memory");
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
static int put_block_raw(fossc_writer *w, fossc_store *s, const void *frame,
                         uint32_t len, uint32_t raw_len) {
  uint8_t *raw = fossc_malloc(raw_len ? raw_len : 1);
  if (!raw) return fossc_wr_fail(w, FOSSC_ERR_NOMEM, "out of memory");
  size_t got = ZSTD_decompress(raw, raw_len, frame, len);
  int rc = ZSTD_isError(got) || got != raw_len
               ? fossc_wr_fail(w, FOSSC_ERR_INTERNAL,
                               "store block does not round-trip")
               : put_block(w, s, raw, raw_len, raw_len);
  fossc_free(raw);
  return rc;
}

/* Lookups run this many terms or pairs ahead of their use, one prefetch
** stage (fossc_wr_prefetch_term) per distance: far enough for a miss to
** memory to complete, near enough for the lines to stay in cache. */
#define PREFETCH_AHEAD 12

static int merge_batch(fossc_writer *w, fossc_wjob *j) {
  if (j->rc) return fossc_wr_fail(w, j->rc, "%s", j->err.msg);
  /* terms and their streams */
  uint32_t nmap = j->nterms > j->npairs ? j->nterms : j->npairs;
  if (fossc_grow((void **)&w->seg_map, &w->seg_map_cap, j->nterms + 1,
                 sizeof *w->seg_map) ||
      fossc_grow((void **)&w->seg_hash, &w->seg_hash_cap, nmap + 1,
                 sizeof *w->seg_hash))
    return fossc_wr_fail(w, FOSSC_ERR_NOMEM, "out of memory");
  const uint32_t A = PREFETCH_AHEAD;
  for (uint32_t i = 0; i < j->nterms; i++) {
    if (i + 3 * A < j->nterms)
      fossc_wr_prefetch_term(w, j->terms[i + 3 * A].hash, 0);
    if (i + 2 * A < j->nterms)
      fossc_wr_prefetch_term(w, j->terms[i + 2 * A].hash, 1);
    if (i + A < j->nterms) {
      const fossc_seg_term *na = &j->terms[i + A];
      fossc_wr_prefetch_term(w, na->hash, 2);
      __builtin_prefetch(j->streams.data + na->raw_off);
    }
    const fossc_seg_term *st = &j->terms[i];
    uint32_t g =
        fossc_wr_intern_term(w, j->strs.data + st->str_off, st->len, st->hash);
    if (g == FOSSC_HTAB_EMPTY)
      return fossc_wr_fail(w, FOSSC_ERR_NOMEM, "out of memory");
    w->seg_map[i] = g;
    const uint8_t *p = (const uint8_t *)j->streams.data + st->raw_off,
                  *end = p + st->raw_len;
    uint64_t first;
    if (fossc_get_varint(&p, end, &first) || first >= j->ndocs)
      return fossc_wr_fail(w, FOSSC_ERR_INTERNAL, "bad segment stream");
    fossc_term_rec *t = &w->terms[g];
    int rc = fossc_wr_term_append(w, t, j->first_doc + (uint32_t)first, p,
                                  (size_t)(end - p));
    if (rc)
      return fossc_wr_fail(w, rc, "postings of term '%.*s': %s", (int)st->len,
                           j->strs.data + st->str_off, fossc_strerror(rc));
    t->last_doc = j->first_doc + st->last_doc;
    t->df += st->df;
  }
  /* plain word -> term pairs */
  uint64_t *ph = w->seg_hash;
  for (uint32_t i = 0; i < j->npairs; i++)
    ph[i] = XXH3_64bits(j->pstrs.data + j->pairs[i].off, j->pairs[i].len);
  for (uint32_t i = 0; i < j->npairs; i++) {
    if (i + 3 * A < j->npairs) fossc_wr_prefetch_word(w, ph[i + 3 * A], 0, 0);
    if (i + 2 * A < j->npairs)
      fossc_wr_prefetch_word(w, ph[i + 2 * A],
                             w->seg_map[j->pairs[i + 2 * A].term], 1);
    if (i + A < j->npairs) fossc_wr_prefetch_word(w, ph[i + A], 0, 2);
    const fossc_seg_pair *p = &j->pairs[i];
    uint32_t word =
        fossc_wr_intern_word(w, j->pstrs.data + p->off, p->len, ph[i]);
    if (word == FOSSC_HTAB_EMPTY ||
        fossc_wr_note_pair(w, word, w->seg_map[p->term]))
      return fossc_wr_fail(w, FOSSC_ERR_NOMEM, "out of memory");
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
    fossc_store *f = &w->st[0], *b = &w->st[1];
    /* Room for a whole block at once, as for the batch text. */
    if ((f->raw.cap == 0 &&
         fossc_buf_reserve(&f->raw, f->block_bytes + f->block_bytes / 4)) ||
        (b->raw.cap == 0 &&
         fossc_buf_reserve(&b->raw, b->block_bytes + b->block_bytes / 4)))
      return fossc_wr_fail(w, FOSSC_ERR_NOMEM, "out of memory");
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
      return fossc_wr_fail(w, FOSSC_ERR_NOMEM, "out of memory");
    if (f->raw.len >= f->block_bytes && close_block(w, 0)) return w->ferr.code;
    if (b->raw.len >= b->block_bytes && close_block(w, 1)) return w->ferr.code;
  }
  /* compressed body blocks, in the order they were closed; compressed only
  ** when that made them strictly smaller */
  size_t off = 0;
  for (uint32_t i = 0; i < j->nblks; i++) {
    const fossc_store_blk *k = &j->blks[i];
    fossc_store *s = &w->st[k->store];
    const char *frame = j->comp.data + off;
    if (k->comp_len < k->raw_len
            ? put_block(w, s, frame, k->comp_len, k->raw_len)
            : put_block_raw(w, s, frame, k->comp_len, k->raw_len))
      return w->ferr.code;
    off += k->comp_len;
  }
  if (w->opts.memory_limit && w->raw_bytes && over_budget(w)) {
    if (fossc_wr_spill(w)) return w->ferr.code;
    note_floor(w);
  }
  return 0;
}

/* Merges the oldest finished jobs; with `all`, waits for every job. */
static int pump(fossc_writer *w, int all) {
  fossc_wjob *j;
  while ((j = fossc_wr_take_head(w, all))) {
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
    fossc_wjob *j = fossc_wr_take_head(w, 1);
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
  fossc_wr_submit(w, j);
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
      return fossc_wr_fail(w, FOSSC_ERR_NOMEM, "out of memory");
    }
    memcpy(j->blks, w->pend + at, (size_t)n * sizeof *j->blks);
    memset(w->pend + at, 0, (size_t)n * sizeof *j->blks);
    j->nblks = j->blks_cap = n;
    fossc_wr_submit(w, j);
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
  if (!rc &&
      (!(w->wk = fossc_calloc(nt, sizeof *w->wk)) ||
       !(w->th = fossc_calloc(nt, sizeof *w->th)) ||
       fossc_htab_init(&w->term_ix, 1024) ||
       fossc_htab_init(&w->word_ix, 1024) ||
       fossc_htab_init(&w->pair_ix, 1024) || fossc_htab_init(&w->id_ix, 1024)))
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
      return fossc_error_set(err, FOSSC_ERR_INTERNAL,
                             "cannot create a condition");
    }
    if (pthread_cond_init(&w->cv_done, NULL)) {
      pthread_cond_destroy(&w->cv_work);
      pthread_mutex_destroy(&w->mu);
      fossc_writer_free(w);
      return fossc_error_set(err, FOSSC_ERR_INTERNAL,
                             "cannot create a condition");
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
  fossc_free(w->seg_hash);
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
    fossc_wr_spool_release(&w->st[i].comp);
  }
  for (uint32_t i = 0; i < w->npend; i++) fossc_buf_free(&w->pend[i].raw);
  fossc_free(w->pend);
  fossc_wr_spool_release(&w->runs);
  fossc_free(w->run_off);
  fossc_free(w->temp_dir);
  for (int i = 0; i < w->nextra; i++) fossc_buf_free(&w->extra[i]);
  fossc_free(w);
}

/* ------------------------------------------------------------ extras */
int fossc_writer_has_term(fossc_writer *w, const char *s, size_t n) {
  if (!w->finished && drain(w)) return 0;
  return fossc_wr_find_term(w, s, n) != FOSSC_HTAB_EMPTY;
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
  /* A batch's text ends a document past batch_bytes: room for that at once
  ** is the capacity doubling from 64 bytes ends with, without copying the
  ** text at every step (~4 MB of copies per 2 MB batch). */
  if (j->text.cap == 0 &&
      fossc_buf_reserve(&j->text, w->batch_bytes + w->batch_bytes / 4))
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
    fossc_wr_fail(w, rc, "indexing document '%.*s': %s",
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
/* Merges everything still in flight, compresses the last store blocks and,
** when the streams were spilled, spills the rest so that every term's
** pieces are in the runs. */
static int finish_inversion(fossc_writer *w) {
  if (drain(w) || flush_stores(w)) return w->ferr.code;
  if (w->nruns && w->raw_bytes && fossc_wr_spill(w)) return w->ferr.code;
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
  rc = fossc_wr_write_sections(w, &s, &st);
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
