/*
** Spilled runs and spools. Over the memory budget the writer writes the
** terms' in-memory stream pieces, in term byte order, as one run appended
** to a temporary file (unlinked as soon as created: nothing is left behind
** whatever happens); at finish the runs are read back side by side, each
** term's pieces in run order (a k-way merge in which every run is already
** in the final order, so no heap is needed). A spool is a byte sink that
** stays in memory or goes to such a file in chunks (the runs, and the
** document stores under a budget).
*/
#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "writer_int.h"

/* Read buffer per spilled run during the final merge: share of the budget,
** clamped: small enough for hundreds of runs, big enough for few syscalls. */
#define RUN_READ_MIN (16u << 10)
#define RUN_READ_MAX (1u << 20)

/* ------------------------------------------------------------ spools */
/* Creates an unlinked temporary file in the writer's temporary folder. */
static int temp_open(fossc_writer *w, int *fd_out) {
  const char *dir = w->temp_dir;
  if (!dir) dir = getenv("TMPDIR");
  if (!dir || !*dir) dir = "/tmp";
  char path[4200];
  struct stat sb;
  if (stat(dir, &sb) && mkdir(dir, 0755) && errno != EEXIST)
    return fossc_wr_fail(w, FOSSC_ERR_IO, "cannot create %s: %s", dir,
                         strerror(errno));
  snprintf(path, sizeof path, "%s/fossc-run-XXXXXX.tmp", dir);
  int fd = mkostemps(path, 4, O_CLOEXEC);
  if (fd < 0)
    return fossc_wr_fail(w, FOSSC_ERR_IO,
                         "cannot create a temporary file in %s: %s", dir,
                         strerror(errno));
  unlink(path); /* the file lives as long as fd: never left behind */
  *fd_out = fd;
  return 0;
}

static int spool_flush(fossc_writer *w, fossc_spool *sp) {
  if (sp->buf.len == 0) return 0;
  if (sp->fd < 0 && temp_open(w, &sp->fd)) return w->ferr.code;
  if (fossc_write_all(sp->fd, sp->buf.data, sp->buf.len))
    return fossc_wr_fail(w, FOSSC_ERR_IO, "writing a temporary file: %s",
                         strerror(errno));
  fossc_buf_reset(&sp->buf);
  return 0;
}

int fossc_wr_spool_write(fossc_writer *w, fossc_spool *sp, const void *p,
                         size_t n) {
  fossc_buf_append(&sp->buf, p, n);
  if (sp->buf.oom) return fossc_wr_fail(w, FOSSC_ERR_NOMEM, "out of memory");
  sp->len += n;
  if (sp->to_disk && sp->buf.len >= FOSSC_WRITE_CHUNK)
    return spool_flush(w, sp);
  return 0;
}

void fossc_wr_spool_release(fossc_spool *sp) {
  if (sp->fd >= 0) close(sp->fd);
  sp->fd = -1;
  fossc_buf_free(&sp->buf);
}

/* ------------------------------------------------------------ runs */
/* Run record: varint term id, varint last doc, varint length, the piece
** (its first document number absolute). */
int fossc_wr_spill(fossc_writer *w) {
  uint32_t n = 0;
  uint32_t *ids =
      fossc_malloc((size_t)(w->nterms ? w->nterms : 1) * sizeof *ids);
  if (!ids) return fossc_wr_fail(w, FOSSC_ERR_NOMEM, "out of memory");
  for (uint32_t i = 0; i < w->nterms; i++)
    if (w->terms[i].raw_len) ids[n++] = i;
  if (fossc_wr_sort_term_ids(w, ids, n) ||
      fossc_grow((void **)&w->run_off, &w->run_cap, w->nruns + 2,
                 sizeof *w->run_off)) {
    fossc_free(ids);
    return fossc_wr_fail(w, FOSSC_ERR_NOMEM, "out of memory");
  }
  w->runs.to_disk = 1;
  w->run_off[w->nruns] = w->runs.len;
  int rc = 0;
  for (uint32_t i = 0; i < n && !rc; i++) {
    fossc_term_rec *t = &w->terms[ids[i]];
    uint8_t hdr[3 * FOSSC_VARINT_MAX];
    size_t hn = fossc_put_varint_at(hdr, ids[i]);
    hn += fossc_put_varint_at(hdr + hn, t->last_doc);
    hn += fossc_put_varint_at(hdr + hn, t->raw_len);
    rc = fossc_wr_spool_write(w, &w->runs, hdr, hn);
    if (!rc) rc = fossc_wr_spool_write(w, &w->runs, t->raw, t->raw_len);
    fossc_wr_term_drop_raw(w, t);
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

int fossc_wr_sw_spool(fossc_writer *w, fossc_sec_writer *s, fossc_spool *sp) {
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

/* ---- reading the runs back at finish */
struct fossc_run_cur {
  uint64_t fpos, end; /* next file byte to buffer; end of the run */
  uint8_t *buf;
  size_t cap, at, len;
  int has; /* a record header is decoded */
  uint32_t term, last;
  uint64_t rlen;
};
typedef struct fossc_run_cur run_cur;

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
** the piece before it (FOSSC_NO_DOC if none), for the first delta. */
static int rc_take(int fd, run_cur *c, uint32_t prev_last, fossc_buf *dst) {
  if (rc_fill(fd, c, c->rlen < 10 ? (size_t)c->rlen : 10)) return FOSSC_ERR_IO;
  const uint8_t *p = c->buf + c->at, *end = c->buf + c->len;
  uint64_t first;
  if (fossc_get_varint(&p, end, &first) || first > UINT32_MAX ||
      (prev_last != FOSSC_NO_DOC && first <= prev_last))
    return FOSSC_ERR_INTERNAL;
  size_t hn = (size_t)(p - (c->buf + c->at));
  fossc_buf_put_varint(
      dst, prev_last == FOSSC_NO_DOC ? first : first - prev_last - 1);
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

int fossc_wr_runs_open(fossc_writer *w, fossc_run_cur **out) {
  *out = NULL;
  if (spool_flush(w, &w->runs)) return w->ferr.code;
  size_t share = w->opts.memory_limit / 8 / w->nruns;
  if (share < RUN_READ_MIN) share = RUN_READ_MIN;
  if (share > RUN_READ_MAX) share = RUN_READ_MAX;
  run_cur *cur = fossc_calloc(w->nruns, sizeof *cur);
  if (!cur) return FOSSC_ERR_NOMEM;
  *out = cur;
  int rc = 0;
  for (uint32_t r = 0; r < w->nruns && !rc; r++) {
    run_cur *c = &cur[r];
    c->fpos = w->run_off[r];
    c->end = w->run_off[r + 1];
    c->cap = share;
    c->buf = fossc_malloc(share);
    rc = c->buf ? rc_next(w->runs.fd, c) : FOSSC_ERR_NOMEM;
  }
  return rc;
}

int fossc_wr_runs_gather(fossc_writer *w, fossc_run_cur *cur, uint32_t g,
                         fossc_buf *dst) {
  int rc = 0;
  uint32_t prev_last = FOSSC_NO_DOC;
  for (uint32_t r = 0; r < w->nruns && !rc; r++) {
    run_cur *c = &cur[r];
    if (!c->has || c->term != g) continue;
    uint32_t last = c->last;
    rc = rc_take(w->runs.fd, c, prev_last, dst);
    prev_last = last;
  }
  return rc;
}

int fossc_wr_runs_close(fossc_writer *w, fossc_run_cur *cur) {
  if (!cur) return 0;
  int rc = 0;
  for (uint32_t r = 0; r < w->nruns; r++) {
    if (cur[r].has) rc = FOSSC_ERR_INTERNAL; /* a piece nobody took */
    fossc_free(cur[r].buf);
  }
  fossc_free(cur);
  return rc;
}
