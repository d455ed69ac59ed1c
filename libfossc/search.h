/*
** Searching: parse (query.c), analyse, evaluate postings and score (scorer.c),
** make snippets (snippet.c). A fossc_searcher is per-thread scratch space:
** one per worker thread, reused for every query so that the hot path does not
** allocate once warmed up.
*/
#ifndef FOSSC_SEARCH_H
#define FOSSC_SEARCH_H

#include "common.h"
#include "index.h"

/* Most hits one request may ask for (limit + offset): deep paging past this
** is what a scroll API is for, and it bounds the top-k heap. */
#define FOSSC_MAX_LIMIT 1000
#define FOSSC_DEFAULT_LIMIT 10
/* Hits one explained request may ask for: an explanation is ~2 KB per hit
** and re-reads the hit's postings, so 1,000 explained hits would build a
** reply past the daemon's output cap (FOSSC_MAX_OUTPUT). */
#define FOSSC_MAX_EXPLAIN_LIMIT 100

typedef struct fossc_searcher fossc_searcher;

/* Creates per-thread search state. *out owned by the caller. */
int fossc_searcher_create(fossc_searcher **out, fossc_error *err);
void fossc_searcher_free(fossc_searcher *s);

typedef struct fossc_search_req {
  const char *query; /* UTF-8 (invalid bytes are replaced) */
  size_t query_len;
  uint32_t limit;    /* 0 = FOSSC_DEFAULT_LIMIT */
  uint32_t offset;
  fossc_lang lang;   /* filter; FOSSC_LANG_UNKNOWN = none (a lang: in the
                        query still applies) */
  int snippets;      /* non-zero: build a snippet per hit */
  int explain;       /* non-zero: build an explanation per hit */
  int exact_total;   /* non-zero: count every matching document (no
                        block-max pruning; slower on frequent words) */
} fossc_search_req;

typedef struct fossc_hit {
  uint32_t rank;     /* 1-based, counting from offset */
  uint32_t docnum;
  double score;
  fossc_lang lang;
  const char *id, *title, *source; /* NUL-terminated */
  size_t id_len, title_len, source_len;
  const char *snippet; /* matched words inside <b>..</b>; the rest of the text
                          HTML-escaped (&amp; &lt; &gt;); "" without snippets */
  size_t snippet_len;
  const char *explain; /* a JSON object, or NULL without explain */
  size_t explain_len;
} fossc_hit;

typedef struct fossc_results {
  uint64_t total;    /* documents that match; a lower bound when
                        total_exact is 0 (pruning skipped documents that
                        could not reach the top hits, uncounted) */
  int total_exact;
  uint32_t count;    /* hits in `hits` */
  const fossc_hit *hits;
  uint64_t took_us;  /* engine time: parse to last snippet */
  const char *suggestion; /* "did you mean" query, or NULL */
} fossc_results;

/* Runs one query. On success *out describes results owned by s, valid until
** the next call on s. A query that cannot be run returns FOSSC_ERR_QUERY or
** FOSSC_ERR_LIMIT with a message for the user in err. */
int fossc_search(fossc_searcher *s, const fossc_index *ix,
                 const fossc_search_req *req, fossc_results *out,
                 fossc_error *err);

/* Loads a document by id into s's scratch; valid until the next call on s. */
int fossc_search_get(fossc_searcher *s, const fossc_index *ix, const char *id,
                     size_t id_len, fossc_docview *out, fossc_error *err);

#endif
