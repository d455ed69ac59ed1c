/*
** Corpus readers: turn a file or a folder into documents.
**
** Formats, chosen per file:
**   - JSONL (extension .jsonl/.ndjson, or first non-blank byte '{'):
**     {"id","title","body","lang"?,"source"?} per line;
**   - the blog dump format (a .txt file containing lines "Continue reading
**     <title>"): articles start at a title line and many end with
**     "Continue reading <title>";
**   - other .txt/.md files: one document each, title = first non-blank line.
** Folders are walked recursively in byte order of names (dotfiles skipped);
** only .jsonl/.ndjson/.txt/.md files are read, others are reported as a
** warning. A file named directly with another extension is sniffed: JSONL if
** its first non-blank byte is '{', plain text otherwise.
**
** Documents: JSONL fields as given (title, source default to "", lang to
** UNKNOWN). Blog articles: id "<basename>#<n>" (n from 1 in file order),
** source = the path as given, lang UNKNOWN. Plain .txt/.md: id = source =
** path relative to the corpus root (the basename when PATH is a file),
** title = first non-blank line (".md": leading '#'s removed), body = the
** whole text. Ids must be unique across one read: a repeated id is skipped.
**
** How the blog dump is cut into articles (no titles are known in advance):
**   1. a line "Continue reading <T>" closes an article that starts at the
**      first line equal to T after the previous closed article (else at the
**      first non-blank line there); neither line is part of the body;
**   2. the text between two closed articles (and after the last one) holds
**      posts shown in full: the first non-blank line there starts one, and
**      so does every later "title-like" line: a one-line paragraph, not
**      indented, at most FOSSC_BLOG_TITLE_MAX_BYTES, of at least
**      FOSSC_BLOG_TITLE_MIN_WORDS words and not ending in . , ; : ? ! or
**      an ellipsis. Section headings ("Gansu", "Speakers", "Serving the
**      people") and captions are shorter phrases and stay in the body.
*/
#ifndef FOSSC_CORPUS_H
#define FOSSC_CORPUS_H

#include "common.h"

/* A JSONL line longer than this is reported and skipped: it bounds the
** reader's memory; the largest document of the Debian corpora is ~2 MB. */
#define FOSSC_MAX_RECORD_BYTES (64u << 20)

/* A blog post title found only by its shape (rule 2 above) has at least this
** many words: section headings and image captions in the bundled dump have
** at most 10, post titles there have 11 to 17. */
#define FOSSC_BLOG_TITLE_MIN_WORDS 11
/* ... and at most this many bytes: titles of the dump are under 110 bytes,
** while one-line paragraphs without final punctuation reach 200. */
#define FOSSC_BLOG_TITLE_MAX_BYTES 160
/* Titles taken from a text file's first line are cut here (at a character
** boundary): a file whose first line is a whole paragraph still gets a
** title that fits in a result list. */
#define FOSSC_TITLE_MAX_BYTES 512
/* Folders nested deeper than this are skipped with a warning: no corpus
** nests that deep, and it bounds recursion. */
#define FOSSC_CORPUS_MAX_DEPTH 64

typedef struct fossc_doc {
  const char *id;     /* unique id, kept and returned with every hit */
  const char *title;  /* may be empty, never NULL */
  const char *source; /* origin (file path, or the JSONL "source"); never NULL */
  const char *body;   /* valid UTF-8 */
  size_t id_len, title_len, source_len, body_len;
  fossc_lang lang;    /* declared language, FOSSC_LANG_UNKNOWN if none */
} fossc_doc;

/* Receives each document; the strings are valid only during the call (all
** valid UTF-8, NUL-terminated). Non-zero return stops reading and is
** returned by fossc_corpus_read. */
typedef int (*fossc_doc_cb)(void *ctx, const fossc_doc *doc);
/* Receives each problem found in the input: file, 1-based line (0 if none),
** and what was done ("skipped", "repaired"). */
typedef void (*fossc_warn_cb)(void *ctx, const char *file, uint64_t line,
                              const char *msg);

typedef struct fossc_corpus_stats {
  uint64_t files, docs, bytes_in, skipped, repaired;
} fossc_corpus_stats;

/* Reads PATH (file or folder) and calls doc_cb per document in a deterministic
** order. With strict != 0 the first malformed record is fatal
** (FOSSC_ERR_INPUT, err names file and line); otherwise it is reported to
** warn_cb (may be NULL) and skipped or repaired. Malformed: bad JSON, a
** non-object, wrong field types, missing/empty id or body, duplicate id,
** over-long line, invalid UTF-8 (repaired to U+FFFD). A folder entry that
** cannot be opened is FOSSC_ERR_IO when strict, else a warning; PATH itself
** missing or unreadable is always FOSSC_ERR_IO. Returns FOSSC_OK, an error
** status, or doc_cb's non-zero value. stats (may be NULL) is filled in,
** also on failure. */
int fossc_corpus_read(const char *path, int strict, fossc_doc_cb doc_cb,
                      fossc_warn_cb warn_cb, void *ctx,
                      fossc_corpus_stats *stats, fossc_error *err);

/* Formats for fossc_corpus_read_buffer. */
enum {
  FOSSC_CORPUS_AUTO = 0, /* JSONL if the first non-blank byte is '{',
                         ** else TEXT */
  FOSSC_CORPUS_JSONL,
  FOSSC_CORPUS_TEXT,     /* .txt: the blog format when it has a "Continue
                         ** reading " line, else one document */
  FOSSC_CORPUS_MARKDOWN, /* .md: one document */
  FOSSC_CORPUS_BLOG      /* the blog format, whatever the content */
};

/* Parses data[0..len) as a file named NAME (used in messages, ids and
** sources as described above) in the given format, with the same rules,
** callbacks and return values as fossc_corpus_read. data need not be
** NUL-terminated nor valid UTF-8. */
int fossc_corpus_read_buffer(const char *name, const char *data, size_t len,
                             int format, int strict, fossc_doc_cb doc_cb,
                             fossc_warn_cb warn_cb, void *ctx,
                             fossc_corpus_stats *stats, fossc_error *err);

#endif
