/*
** libFuzzer target for the JSON reader and writer: any input parses or fails
** cleanly; a parsed document's strings re-encoded with fossc_json_put_string
** parse back to the same bytes.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fossc_json_doc *doc = NULL;
  fossc_error err;
  int rc = fossc_json_parse((const char *)data, size, &doc, &err);
  if (rc == FOSSC_OK) {
    check_strings(fossc_json_root(doc), 0);
    fossc_json_doc_free(doc);
  } else if (doc || rc != FOSSC_ERR_INPUT) {
    abort();
  }
  return 0;
}
