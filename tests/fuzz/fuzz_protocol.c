/*
** libFuzzer target for the line protocol: splits the input into lines as the
** daemon does, parses each one, and renders every kind of reply built from
** the parsed request (the query text becomes a hit's title, snippet and id).
** JSON replies must parse back; no reply may hold a stray newline.
**   clang -fsanitize=fuzzer,address -D_GNU_SOURCE -Ilibfossc \
**     tests/fuzz/fuzz_protocol.c libfossc/protocol.c libfossc/json.c \
**     libfossc/rcache.c libfossc/common.c -lxxhash -lm
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "protocol.h"
#include "rcache.h"

static void check_reply(const fossc_buf *b, fossc_format fmt) {
  if (b->oom || b->len == 0) return;
  if (b->data[b->len - 1] != '\n') abort();
  if (fmt != FOSSC_FMT_JSON) return;
  /* A JSON reply is exactly one line that parses. */
  if (memchr(b->data, '\n', b->len - 1)) abort();
  fossc_json_doc *doc = NULL;
  if (fossc_json_parse(b->data, b->len - 1, &doc, NULL) != FOSSC_OK) abort();
  fossc_json_doc_free(doc);
}

static void one_line(const char *line, size_t len, fossc_format *conn_fmt) {
  fossc_request req;
  fossc_error err;
  fossc_buf out = FOSSC_BUF_INIT;
  if (fossc_proto_parse(line, len, *conn_fmt, &req, &err) != FOSSC_OK) {
    fossc_proto_render_error(&out, req.format, req.error, err.msg);
    check_reply(&out, req.format);
    fossc_buf_free(&out);
    return;
  }
  if (req.cmd == FOSSC_CMD_FORMAT) *conn_fmt = req.new_format;
  if (req.cmd == FOSSC_CMD_SEARCH || req.cmd == FOSSC_CMD_EXPLAIN) {
    fossc_hit hit;
    memset(&hit, 0, sizeof hit);
    hit.rank = 1;
    hit.score = (double)req.search.query_len / 3.0;
    hit.lang = req.search.lang;
    hit.id = hit.title = hit.source = hit.snippet = req.search.query;
    hit.id_len = hit.title_len = hit.source_len = hit.snippet_len =
        req.search.query_len;
    hit.explain = "{\"k\":1}";
    hit.explain_len = 7;
    fossc_results res;
    memset(&res, 0, sizeof res);
    res.total = res.count = 1;
    res.hits = &hit;
    res.suggestion = req.search.query_len < 32 ? "sugg\"estion" : NULL;
    fossc_proto_render_results(&out, req.format, &res, req.search.offset,
                               req.search.explain, req.ids_only);
    /* As the result cache serves it again: the header's took_us is always
    ** found, and the reply with a new value is still well formed. */
    fossc_buf key = FOSSC_BUF_INIT, again = FOSSC_BUF_INIT;
    if (fossc_rcache_key(&req, &key) != 0) abort();
    if (!out.oom) {
      size_t at = fossc_proto_took_at(out.data, out.len, req.format);
      if (at == SIZE_MAX) abort();
      fossc_proto_render_cached(&again, out.data, out.len, at, 987654321);
      check_reply(&again, req.format);
    }
    fossc_buf_free(&key);
    fossc_buf_free(&again);
  } else if (req.cmd == FOSSC_CMD_GET) {
    fossc_docview d;
    memset(&d, 0, sizeof d);
    d.id = d.title = d.source = d.body = req.arg;
    d.id_len = d.title_len = d.source_len = d.body_len = req.arg_len;
    fossc_proto_render_doc(&out, req.format, &d);
  } else if (req.cmd == FOSSC_CMD_STATS) {
    fossc_proto_stats st;
    memset(&st, 0, sizeof st);
    fossc_proto_render_stats(&out, req.format, &st, line, len);
  } else if (req.cmd == FOSSC_CMD_HELP) {
    fossc_proto_render_help(&out, req.format);
  } else if (req.cmd == FOSSC_CMD_PING) {
    fossc_proto_render_pong(&out, req.format);
  }
  check_reply(&out, req.format);
  fossc_buf sample = FOSSC_BUF_INIT;
  (void)fossc_proto_sample(&sample, line, len, 64);
  fossc_buf_free(&sample);
  fossc_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* Copy so that reading past a line is caught by ASan at the line's end. */
  fossc_format fmt = FOSSC_FMT_TEXT;
  size_t start = 0;
  while (start <= size) {
    const uint8_t *nl = memchr(data + start, '\n', size - start);
    size_t end = nl ? (size_t)(nl - data) : size;
    size_t n = end - start;
    char *line = malloc(n ? n : 1);
    if (!line) return 0;
    memcpy(line, data + start, n);
    one_line(line, n, &fmt);
    free(line);
    if (!nl) break;
    start = end + 1;
  }
  return 0;
}
