/* Query parser (docs/query-syntax.md). Lenient by design: users paste text,
** so anything that is not recognised syntax is read as words. */
#include "query.h"

#include <string.h>
#include <strings.h>

static int is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

static int add_clause(fossc_query *out, fossc_qkind kind, fossc_qoccur occur,
                      const char *text, size_t len, fossc_error *err) {
  if (len == 0) return FOSSC_OK;
  if (out->nclauses >= FOSSC_MAX_CLAUSES)
    return fossc_error_set(err, FOSSC_ERR_LIMIT,
                           "query has more than %d terms", FOSSC_MAX_CLAUSES);
  fossc_qclause *c = &out->clauses[out->nclauses++];
  c->kind = kind;
  c->occur = occur;
  c->text = text;
  c->len = (uint32_t)len;
  return FOSSC_OK;
}

/* "OR" and "AND" in capitals are accepted for compatibility with other
** engines' syntax: words are OR-ed by default, and AND is spelled +word. */
static int is_keyword(const char *w, size_t n) {
  return (n == 2 && memcmp(w, "OR", 2) == 0) ||
         (n == 3 && memcmp(w, "AND", 3) == 0) ||
         (n == 2 && memcmp(w, "||", 2) == 0) ||
         (n == 2 && memcmp(w, "&&", 2) == 0);
}

int fossc_query_parse(const char *q, size_t len, fossc_query *out,
                      fossc_error *err) {
  memset(out, 0, sizeof *out);
  if (len > FOSSC_MAX_QUERY_BYTES)
    return fossc_error_set(err, FOSSC_ERR_LIMIT,
                           "query is %zu bytes; the limit is %d", len,
                           FOSSC_MAX_QUERY_BYTES);
  size_t i = 0;
  while (i < len) {
    while (i < len && is_space(q[i])) i++;
    if (i >= len) break;
    fossc_qoccur occur = FOSSC_Q_SHOULD;
    if ((q[i] == '+' || q[i] == '-') && i + 1 < len && !is_space(q[i + 1])) {
      occur = q[i] == '+' ? FOSSC_Q_MUST : FOSSC_Q_NOT;
      i++;
    }
    if (q[i] == '"') {
      size_t start = ++i;
      while (i < len && q[i] != '"') i++;
      /* An unclosed quote runs to the end of the query: still a phrase. */
      int rc = add_clause(out, FOSSC_Q_PHRASE, occur, q + start, i - start,
                          err);
      if (rc) return rc;
      if (i < len) i++;
      continue;
    }
    size_t start = i;
    while (i < len && !is_space(q[i]) && q[i] != '"') i++;
    const char *w = q + start;
    size_t n = i - start;
    if (occur == FOSSC_Q_SHOULD && is_keyword(w, n)) {
      if (w[0] == 'O' || w[0] == '|') out->explicit_or = 1;
      continue;
    }
    if (n > 5 && strncasecmp(w, "lang:", 5) == 0) {
      fossc_lang l = fossc_lang_parse(w + 5, n - 5);
      if (l == FOSSC_LANG_UNKNOWN) {
        if (n - 5 == 3 && strncasecmp(w + 5, "any", 3) == 0) {
          out->lang = FOSSC_LANG_UNKNOWN;
          continue;
        }
        return fossc_error_set(err, FOSSC_ERR_QUERY,
                               "unknown language '%.*s' in lang: (use en or "
                               "es)", (int)(n - 5 > 16 ? 16 : n - 5), w + 5);
      }
      out->lang = l;
      continue;
    }
    /* A run of '*' alone, or a word that is only operators, carries no
    ** search term: skip it rather than fail. */
    fossc_qkind kind = FOSSC_Q_WORD;
    if (n > 1 && w[n - 1] == '*') {
      while (n > 0 && w[n - 1] == '*') n--;
      kind = FOSSC_Q_PREFIX;
    }
    int rc = add_clause(out, kind, occur, w, n, err);
    if (rc) return rc;
  }
  return FOSSC_OK;
}
