/*
** libFuzzer target for the JSON reader and writer: any input parses or fails
** cleanly; a parsed document's strings re-encoded with fossc_json_put_string
** parse back to the same bytes.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "json.h"

static void check_strings(const fossc_json *v, int depth) {
  for (; v; v = v->next) {
    if (depth > FOSSC_JSON_MAX_DEPTH) abort();
    if (v->type == FOSSC_JSON_STRING) {
      fossc_buf b = FOSSC_BUF_INIT;
      fossc_json_put_string(&b, v->str, v->str_len);
      fossc_json_doc *d = NULL;
      fossc_error err;
      if (b.oom || fossc_json_parse(b.data, b.len, &d, &err) != FOSSC_OK)
        abort();
      const fossc_json *r = fossc_json_root(d);
      if (r->type != FOSSC_JSON_STRING || r->str_len != v->str_len ||
          memcmp(r->str, v->str, v->str_len) != 0 || r->str[r->str_len])
        abort();
      fossc_json_doc_free(d);
      fossc_buf_free(&b);
    }
    if (v->key && v->key[v->key_len]) abort();
    check_strings(v->child, depth + 1);
  }
}

/* Whether two parsed trees are equal (types, keys, strings, numbers). */
static int same_tree(const fossc_json *a, const fossc_json *b) {
  for (; a && b; a = a->next, b = b->next) {
    if (a->type != b->type || a->key_len != b->key_len ||
        (a->key_len && memcmp(a->key, b->key, a->key_len)))
      return 0;
    if (a->type == FOSSC_JSON_STRING &&
        (a->str_len != b->str_len || memcmp(a->str, b->str, a->str_len)))
      return 0;
    if (a->type == FOSSC_JSON_NUMBER && memcmp(&a->num, &b->num, sizeof a->num))
      return 0;
    if (!same_tree(a->child, b->child)) return 0;
  }
  return !a && !b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fossc_json_doc *doc = NULL;
  fossc_error err;
  int rc = fossc_json_parse((const char *)data, size, &doc, &err);
  if (rc == FOSSC_OK) {
    check_strings(fossc_json_root(doc), 0);
  } else if (doc || rc != FOSSC_ERR_INPUT) {
    abort();
  }
  /* On valid UTF-8 the parser that trusts it agrees with the one that
  ** checks it; on anything else it must still fail or succeed cleanly. */
  fossc_buf clean = FOSSC_BUF_INIT;
  long bad = fossc_utf8_sanitize((const char *)data, size, &clean);
  fossc_buf_free(&clean);
  fossc_json_doc *doc2 = NULL;
  int rc2 = fossc_json_parse_valid((const char *)data, size, &doc2, &err);
  if (bad == 0 && rc2 != rc) abort();
  if (bad == 0 && rc == FOSSC_OK && !same_tree(fossc_json_root(doc),
                                               fossc_json_root(doc2)))
    abort();
  if (rc2 != FOSSC_OK && (doc2 || rc2 != FOSSC_ERR_INPUT)) abort();
  fossc_json_doc_free(doc2);
  fossc_json_doc_free(doc);
  return 0;
}
