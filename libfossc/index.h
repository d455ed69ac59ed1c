/*
** The index: writer (fossc_writer, writer.c) and reader (fossc_index,
** reader.c). The on-disk format is specified in docs/index-format.md; the
** constants below are part of it.
*/
#ifndef FOSSC_INDEX_H
#define FOSSC_INDEX_H

#include "analysis.h"
#include "common.h"
#include "corpus.h"

#define FOSSC_INDEX_MAGIC "FOSSCIX\x1a" /* 8 bytes; \x1a stops `type` */
#define FOSSC_FORMAT_VERSION 3
/* Documents per postings block: 128 as in Lucene/Tantivy -- large enough for
** zstd and for the skip header to be cheap, small enough to skip well. */
#define FOSSC_BLOCK_DOCS 128
/* Title words take positions [0, title_len); the body starts after a gap so
** that no phrase matches across the two fields. */
#define FOSSC_FIELD_GAP 16
/* Title words indexed at most: a title is a line, not a document; the cap
** keeps title lengths in the 16-bit field of the norms. */
#define FOSSC_MAX_TITLE_WORDS 1024
/* Documents are numbered from 0 in a uint32; one index holds fewer. */
#define FOSSC_MAX_DOCS 0x7fffffffu
/* Positions per document field are capped (later words are still stored in
** the document store and shown in snippets but not indexed): bounds memory
** on a pathological document. 1M words is ~6 MB of text. */
#define FOSSC_MAX_POSITIONS (1u << 20)

/* ---------------------------------------------------------------- writer */
typedef struct fossc_writer fossc_writer;

typedef struct fossc_writer_opts {
  int zstd_level;      /* document store and postings; 0 = default (6) */
  unsigned threads;    /* analysis threads; 0 = number of online CPUs; 1 =
                       ** everything on the caller's thread */
  size_t memory_limit; /* bytes of RAM the writer may hold (postings,
                       ** dictionary, batches in flight, per-thread caches);
                       ** over it postings are spilled to sorted runs in a
                       ** temporary file; 0 = no limit */
  const char *temp_dir; /* folder for that file (created if missing; the
                        ** file is unlinked at once, so nothing is left
                        ** behind); NULL = $TMPDIR or /tmp. Copied. */
} fossc_writer_opts;

typedef struct fossc_build_stats {
  uint64_t docs, terms, tokens, bytes_in, index_bytes;
  uint64_t postings_bytes, dict_bytes, store_bytes;
  uint64_t trans_bytes; /* section TRANS (the translation lexicon): in
                        ** index_bytes, not in dict_bytes */
  uint64_t runs; /* sorted runs spilled under the memory limit */
  uint64_t memory_floor; /* under a memory limit: the most the build still
                         ** needed right after a spill (its accounting or
                         ** the resident size plus margins, the larger), the
                         ** least it can run in; 0 when nothing spilled */
  int over_budget; /* 1 when memory_floor passed memory_limit: the build
                   ** could not stay within it (the library prints nothing;
                   ** the caller may warn) */
} fossc_build_stats;

/* Creates a writer (opts may be NULL). *out owned by the caller. */
int fossc_writer_create(const fossc_writer_opts *opts, fossc_writer **out,
                        fossc_error *err);
/* Adds one document (copied). Documents are numbered in the order added.
** Analysis runs on worker threads: an error there (out of memory, a spill
** that cannot be written) is returned by a later fossc_writer_add or by
** fossc_writer_finish, and is sticky. A duplicate id is FOSSC_ERR_INPUT and
** is not sticky (the document is skipped). Not thread-safe: one caller. */
int fossc_writer_add(fossc_writer *w, const fossc_doc *doc, fossc_error *err);
/* Returns 1 when the documents added so far produced index term s[0..n)
** (waits for the documents in flight; 0 if the writer failed). */
int fossc_writer_has_term(fossc_writer *w, const char *s, size_t n);
/* Adds an extra section (at most FOSSC_MAX_EXTRA_SECTIONS, name of at most
** 8 bytes, e.g. "TRANS" for the translation lexicon) written verbatim by
** fossc_writer_finish. data is copied. */
int fossc_writer_add_section(fossc_writer *w, const char *name,
                             const void *data, size_t len, fossc_error *err);
#define FOSSC_MAX_EXTRA_SECTIONS 4

/* Writes the index into folder `dir` (created if missing) as a new
** generation and switches to it atomically (see docs/index-format.md,
** "Generations"): a failure or crash at any point leaves the previous index
** intact. stats may be NULL. */
int fossc_writer_finish(fossc_writer *w, const char *dir,
                        fossc_build_stats *stats, fossc_error *err);
void fossc_writer_free(fossc_writer *w);

/* ---------------------------------------------------------------- reader */
typedef struct fossc_index fossc_index;

/* Opens the current generation in `dir`, maps it read-only and verifies
** every section's checksum and bounds. Errors name the file and section.
** *out holds one reference. */
int fossc_index_open(const char *dir, fossc_index **out, fossc_error *err);
/* Adds a reference (for a query that must outlive a reload); returns ix. */
fossc_index *fossc_index_retain(fossc_index *ix);
/* Drops one reference; the last one unmaps. Accepts NULL. Thread-safe. */
void fossc_index_free(fossc_index *ix);

/* Number of documents. */
uint32_t fossc_index_doc_count(const fossc_index *ix);
/* Path of the generation file that was opened (owned by ix). */
const char *fossc_index_path(const fossc_index *ix);
/* Appends a JSON object of index statistics to *out. */
void fossc_index_stats_json(const fossc_index *ix, fossc_buf *out);

/* A stored document. Strings point into `scratch` (owned by the caller) and
** are valid until scratch changes; each is NUL-terminated. */
typedef struct fossc_docview {
  uint32_t docnum;
  const char *id, *title, *source, *body;
  size_t id_len, title_len, source_len, body_len;
  fossc_lang lang;
} fossc_docview;

/* Loads document `docnum`. Returns FOSSC_ERR_NOTFOUND if out of range,
** FOSSC_ERR_CORRUPT if its block does not decompress. */
int fossc_index_doc(const fossc_index *ix, uint32_t docnum, fossc_buf *scratch,
                    fossc_docview *out, fossc_error *err);
/* Finds a document number by id; FOSSC_ERR_NOTFOUND if absent. */
int fossc_index_find_id(const fossc_index *ix, const char *id, size_t len,
                        uint32_t *out_docnum);

#endif
