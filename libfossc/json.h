/*
** A small JSON reader and writer, enough for JSONL corpora, the protocol's
** JSON responses and the client. The reader is a strict RFC 8259 parser into
** a tree allocated from one arena; depth and sizes are capped.
*/
#ifndef FOSSC_JSON_H
#define FOSSC_JSON_H

#include "common.h"

/* Deeper documents are refused: nothing fossc reads nests beyond 4 levels,
** and a cap keeps a hostile line from exhausting the stack. */
#define FOSSC_JSON_MAX_DEPTH 64

typedef enum {
  FOSSC_JSON_NULL,
  FOSSC_JSON_FALSE,
  FOSSC_JSON_TRUE,
  FOSSC_JSON_NUMBER,
  FOSSC_JSON_STRING,
  FOSSC_JSON_ARRAY,
  FOSSC_JSON_OBJECT
} fossc_json_type;

typedef struct fossc_json fossc_json;
struct fossc_json {
  fossc_json_type type;
  const char *key;   /* member name when inside an object (NUL-terminated) */
  size_t key_len;
  const char *str;   /* STRING: decoded UTF-8, NUL-terminated (may hold \0) */
  size_t str_len;
  double num;        /* NUMBER */
  fossc_json *child; /* ARRAY/OBJECT: first element */
  fossc_json *next;  /* next sibling */
};

typedef struct fossc_json_doc fossc_json_doc;

/* Parses text[0..len) (exactly one value, surrounded by optional white
** space). On success *out owns the tree; free with fossc_json_doc_free. On
** failure err says what and at which byte offset. Invalid UTF-8 inside
** strings is an error; lone surrogate escapes become U+FFFD. */
int fossc_json_parse(const char *text, size_t len, fossc_json_doc **out,
                     fossc_error *err);
/* fossc_json_parse for a text the caller has checked to be valid UTF-8 as a
** whole (JSONL lines are, before parsing): strings are copied without
** checking their UTF-8 again. On other text the strings may hold invalid
** UTF-8 (never a read out of bounds). */
int fossc_json_parse_valid(const char *text, size_t len, fossc_json_doc **out,
                           fossc_error *err);
void fossc_json_doc_free(fossc_json_doc *doc);
/* The root value of a parsed document (owned by doc). */
const fossc_json *fossc_json_root(const fossc_json_doc *doc);
/* Member of an object by name, or NULL. */
const fossc_json *fossc_json_get(const fossc_json *obj, const char *key);

/* Appends s[0..n) to b as a JSON string literal, quotes included. Control
** characters are escaped; s must be valid UTF-8. */
void fossc_json_put_string(fossc_buf *b, const char *s, size_t n);

#endif
