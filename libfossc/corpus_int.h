/*
** Private interface between corpus.c (walk, JSONL, shared helpers) and
** corpus_text.c (blog dump and plain text). Not for use outside libfossc.
*/
#ifndef FOSSC_CORPUS_INT_H
#define FOSSC_CORPUS_INT_H

#include "corpus.h"
#include "json.h"

/* One line of a text file: [start, start + len), newline and trailing
** white space excluded. */
typedef struct {
  size_t start, len;
} fossc_corpus_line;

/* State of one fossc_corpus_read / fossc_corpus_read_buffer call. */
typedef struct {
  int strict;
  fossc_doc_cb doc_cb;
  fossc_warn_cb warn_cb;
  void *ctx;
  fossc_error *err;
  fossc_corpus_stats stats;
  int stopped;           /* doc_cb asked to stop */
  void *id_table;        /* duplicate-id set (corpus.c) */
  size_t id_slots, id_count;
  fossc_buf id_store;    /* every id seen, back to back */
  fossc_buf line;        /* JSONL line straddling two chunks */
  fossc_buf scratch;     /* repaired UTF-8 */
  fossc_buf whole;       /* a whole text file */
  fossc_buf out;         /* ids and titles built for text documents */
  fossc_corpus_line *lines; /* line table of a text file */
  size_t lines_cap;
} fossc_corpus_reader;

/* Reports a malformed record: with strict, records FOSSC_ERR_INPUT naming
** file:line in r->err and returns it; otherwise calls warn_cb and returns
** FOSSC_OK. The caller counts it in stats. */
int fossc_corpus_problem_(fossc_corpus_reader *r, const char *file,
                          uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Checks the id against every id seen so far (a repeat is a problem and is
** skipped), then hands the document to doc_cb. Returns FOSSC_OK, an error
** status or doc_cb's non-zero value. */
int fossc_corpus_emit_(fossc_corpus_reader *r, const char *file,
                       uint64_t line, const fossc_doc *doc);

/* Length of the longest valid UTF-8 prefix of s[0..n) (NUL is invalid): a
** fast check, so that only broken records pay for fossc_utf8_sanitize. */
size_t fossc_corpus_utf8_valid_(const char *s, size_t n);

/* Reads a text file's content as a blog dump or one plain/markdown
** document (format FOSSC_CORPUS_TEXT, _MARKDOWN or _BLOG). path: as given
** (messages, blog source); rel: relative to the corpus root (text ids). */
int fossc_corpus_text_(fossc_corpus_reader *r, const char *path,
                       const char *rel, const char *data, size_t len,
                       int format);

#endif
