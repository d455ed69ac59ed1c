/*
** Query parser: turns a query string into clauses (docs/query-syntax.md).
** It never fails on odd input: stray quotes, lone operators and unknown
** syntax are read as plain words. It fails only on limits (length, clause
** count) and on an unknown language in lang:xx.
*/
#ifndef FOSSC_QUERY_H
#define FOSSC_QUERY_H

#include "common.h"

/* Longest query accepted, in bytes: 4 KiB is ~600 words, far beyond any
** typed query; longer input is refused rather than silently cut. */
#define FOSSC_MAX_QUERY_BYTES 4096
/* Most clauses per query: bounds the cursors and heaps a query allocates. */
#define FOSSC_MAX_CLAUSES 64

typedef enum { FOSSC_Q_WORD, FOSSC_Q_PHRASE, FOSSC_Q_PREFIX } fossc_qkind;
typedef enum { FOSSC_Q_SHOULD, FOSSC_Q_MUST, FOSSC_Q_NOT } fossc_qoccur;

typedef struct fossc_qclause {
  fossc_qkind kind;
  fossc_qoccur occur;
  const char *text; /* points into the parsed query; not NUL-terminated */
  uint32_t len;     /* WORD: one whitespace-separated word (may still hold
                       punctuation); PHRASE: the text between quotes;
                       PREFIX: the word without its '*' */
} fossc_qclause;

typedef struct fossc_query {
  fossc_qclause clauses[FOSSC_MAX_CLAUSES];
  uint32_t nclauses;
  fossc_lang lang; /* from lang:en / lang:es; FOSSC_LANG_UNKNOWN if none */
  int explicit_or;  /* the query spelled OR: any one word may match */
} fossc_query;

/* Parses q[0..len) into *out (text pointers refer to q, which must outlive
** *out). Returns FOSSC_OK, FOSSC_ERR_LIMIT (too long, too many clauses) or
** FOSSC_ERR_QUERY (lang:xx with an unknown language) with a message. */
int fossc_query_parse(const char *q, size_t len, fossc_query *out,
                      fossc_error *err);

#endif
