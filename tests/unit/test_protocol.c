/* Request parsing and reply rendering of the line protocol (protocol.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "json.h"
#include "protocol.h"

static fossc_request req;
static fossc_error err;

static int parse(const char *line) {
  return fossc_proto_parse(line, strlen(line), FOSSC_FMT_TEXT, &req, &err);
}

static int query_is(const char *want) {
  return req.search.query && req.search.query_len == strlen(want) &&
         memcmp(req.search.query, want, req.search.query_len) == 0;
}

TEST(ping_and_case) {
  CHECK(parse("PING") == FOSSC_OK && req.cmd == FOSSC_CMD_PING);
  CHECK(parse("ping") == FOSSC_OK && req.cmd == FOSSC_CMD_PING);
  CHECK(parse("  PiNg \r") == FOSSC_OK && req.cmd == FOSSC_CMD_PING);
  CHECK(parse("PING format=json") == FOSSC_OK && req.format == FOSSC_FMT_JSON);
  CHECK(parse("PING x") == FOSSC_ERR_PROTOCOL &&
        req.error == FOSSC_PERR_BAD_ARGUMENT);
}

TEST(empty_line_is_nothing) {
  CHECK(parse("") == FOSSC_OK && req.cmd == FOSSC_CMD_NONE);
  CHECK(parse(" \t \r") == FOSSC_OK && req.cmd == FOSSC_CMD_NONE);
}

TEST(search_defaults) {
  CHECK(parse("SEARCH china socialism") == FOSSC_OK);
  CHECK(req.cmd == FOSSC_CMD_SEARCH && query_is("china socialism"));
  CHECK(req.search.limit == FOSSC_DEFAULT_LIMIT && req.search.offset == 0);
  CHECK(req.search.lang == FOSSC_LANG_UNKNOWN && req.search.snippets == 1);
  CHECK(req.search.explain == 0 && req.format == FOSSC_FMT_TEXT);
}

TEST(search_options) {
  CHECK(parse("search LIMIT=5 offset=10 lang=ES format=JSON snippets=0 "
              "explain=1 \"el pueblo\" -x  ") == FOSSC_OK);
  CHECK(req.search.limit == 5 && req.search.offset == 10);
  CHECK(req.search.lang == FOSSC_LANG_ES && req.format == FOSSC_FMT_JSON);
  CHECK(req.search.snippets == 0 && req.search.explain == 1);
  CHECK(query_is("\"el pueblo\" -x"));
  CHECK(parse("SEARCH lang=any x") == FOSSC_OK && req.search.lang == FOSSC_LANG_UNKNOWN);
  CHECK(req.search.exact_total == 0);
  CHECK(parse("SEARCH exact_total=1 x") == FOSSC_OK && req.search.exact_total == 1);
  CHECK(parse("SEARCH exact_total=2 x") != FOSSC_OK);
  CHECK(req.ids_only == 0);
  CHECK(parse("SEARCH fields=id x") == FOSSC_OK && req.ids_only == 1 && query_is("x"));
  CHECK(parse("SEARCH fields=all x") == FOSSC_OK && req.ids_only == 0);
  CHECK(parse("SEARCH fields=title x") != FOSSC_OK);
}

TEST(options_stop) {
  /* "--" ends the options: the rest is the query even if it looks like one. */
  CHECK(parse("SEARCH limit=2 -- limit=3 x") == FOSSC_OK);
  CHECK(req.search.limit == 2 && query_is("limit=3 x"));
  /* The first token that is not an option starts the query. */
  CHECK(parse("SEARCH foo=bar limit=3") == FOSSC_OK);
  CHECK(req.search.limit == FOSSC_DEFAULT_LIMIT && query_is("foo=bar limit=3"));
  CHECK(parse("SEARCH china limit=3") == FOSSC_OK && query_is("china limit=3"));
}

TEST(bad_options) {
  CHECK(parse("SEARCH limit=abc x") == FOSSC_ERR_PROTOCOL &&
        req.error == FOSSC_PERR_BAD_OPTION);
  CHECK(strstr(err.msg, "limit"));
  CHECK(parse("SEARCH limit= x") == FOSSC_ERR_PROTOCOL && req.error == FOSSC_PERR_BAD_OPTION);
  CHECK(parse("SEARCH lang=fr x") == FOSSC_ERR_PROTOCOL && req.error == FOSSC_PERR_BAD_OPTION);
  CHECK(parse("SEARCH snippets=2 x") == FOSSC_ERR_PROTOCOL &&
        req.error == FOSSC_PERR_BAD_OPTION);
  CHECK(parse("SEARCH format=xml x") == FOSSC_ERR_PROTOCOL &&
        req.error == FOSSC_PERR_BAD_OPTION);
  CHECK(parse("GET limit=3 id") == FOSSC_ERR_PROTOCOL && req.error == FOSSC_PERR_BAD_OPTION);
  /* The error is rendered in the format asked for before the bad option. */
  CHECK(parse("SEARCH format=json lang=fr x") == FOSSC_ERR_PROTOCOL &&
        req.format == FOSSC_FMT_JSON);
}

TEST(limits) {
  char line[64];
  snprintf(line, sizeof line, "SEARCH limit=%d x", FOSSC_MAX_LIMIT);
  CHECK(parse(line) == FOSSC_OK);
  snprintf(line, sizeof line, "SEARCH limit=%d x", FOSSC_MAX_LIMIT + 1);
  CHECK(parse(line) == FOSSC_ERR_PROTOCOL && req.error == FOSSC_PERR_LIMIT);
  CHECK(parse("SEARCH limit=0 x") == FOSSC_ERR_PROTOCOL && req.error == FOSSC_PERR_LIMIT);
  CHECK(parse("SEARCH limit=10 offset=995 x") == FOSSC_ERR_PROTOCOL &&
        req.error == FOSSC_PERR_LIMIT);
  CHECK(parse("SEARCH limit=99999999999999999999 x") == FOSSC_ERR_PROTOCOL &&
        req.error == FOSSC_PERR_LIMIT);
  CHECK(parse("SEARCH") == FOSSC_ERR_PROTOCOL && req.error == FOSSC_PERR_QUERY);
  CHECK(parse("SEARCH limit=3 --  ") == FOSSC_ERR_PROTOCOL && req.error == FOSSC_PERR_QUERY);
}

TEST(other_commands) {
  CHECK(parse("EXPLAIN china") == FOSSC_OK && req.cmd == FOSSC_CMD_EXPLAIN &&
        req.search.explain == 1);
  CHECK(parse("GET some id#3") == FOSSC_OK && req.cmd == FOSSC_CMD_GET);
  CHECK(req.arg_len == 9 && memcmp(req.arg, "some id#3", 9) == 0);
  CHECK(parse("GET format=json -- format=x") == FOSSC_OK && req.arg_len == 8);
  CHECK(parse("GET") == FOSSC_ERR_PROTOCOL && req.error == FOSSC_PERR_BAD_ARGUMENT);
  CHECK(parse("FORMAT json") == FOSSC_OK && req.new_format == FOSSC_FMT_JSON &&
        req.format == FOSSC_FMT_JSON);
  CHECK(parse("FORMAT yaml") == FOSSC_ERR_PROTOCOL);
  CHECK(parse("STATS") == FOSSC_OK && req.cmd == FOSSC_CMD_STATS);
  CHECK(parse("RELOAD") == FOSSC_OK && req.cmd == FOSSC_CMD_RELOAD);
  CHECK(parse("HELP") == FOSSC_OK && req.cmd == FOSSC_CMD_HELP);
  CHECK(parse("quit") == FOSSC_OK && req.cmd == FOSSC_CMD_QUIT);
  CHECK(parse("SEARCHX a") == FOSSC_ERR_PROTOCOL && req.error == FOSSC_PERR_BAD_COMMAND);
  CHECK(strstr(err.msg, "SEARCHX"));
}

TEST(encoding_and_length) {
  CHECK(fossc_proto_parse("PI\0NG", 5, FOSSC_FMT_TEXT, &req, &err) ==
            FOSSC_ERR_PROTOCOL &&
        req.error == FOSSC_PERR_BAD_ENCODING);
  CHECK(parse("SEARCH \xff") == FOSSC_ERR_PROTOCOL && req.error == FOSSC_PERR_BAD_ENCODING);
  CHECK(parse("SEARCH \xc0\xaf") == FOSSC_ERR_PROTOCOL); /* overlong */
  CHECK(parse("SEARCH \xed\xa0\x80") == FOSSC_ERR_PROTOCOL); /* surrogate */
  CHECK(parse("SEARCH \xe2\x82") == FOSSC_ERR_PROTOCOL); /* truncated */
  CHECK(parse("SEARCH energía 中国 \xf0\x9f\x98\x80") == FOSSC_OK);
  size_t n = FOSSC_MAX_LINE + 1;
  char *big = malloc(n + 1);
  CHECK(big);
  memcpy(big, "SEARCH ", 7);
  memset(big + 7, 'a', n - 7);
  int rc = fossc_proto_parse(big, n, FOSSC_FMT_TEXT, &req, &err);
  int rc2 = fossc_proto_parse(big, n - 1, FOSSC_FMT_TEXT, &req, &err);
  free(big);
  CHECK(rc == FOSSC_ERR_PROTOCOL && rc2 == FOSSC_OK);
}

static fossc_buf out;

static const char *render_err(fossc_format f, fossc_proto_err code,
                              const char *msg) {
  fossc_buf_reset(&out);
  fossc_proto_render_error(&out, f, code, msg);
  return fossc_buf_cstr(&out);
}

static int valid_json_line(void) {
  if (!out.len || out.data[out.len - 1] != '\n') return 0;
  if (memchr(out.data, '\n', out.len - 1)) return 0;
  fossc_json_doc *doc = NULL;
  int ok = fossc_json_parse(out.data, out.len - 1, &doc, NULL) == FOSSC_OK;
  fossc_json_doc_free(doc);
  return ok;
}

TEST(error_replies) {
  CHECK_STR(render_err(FOSSC_FMT_TEXT, FOSSC_PERR_BAD_COMMAND, "no\tsuch\nthing"),
            "ERR BAD_COMMAND no such thing\n");
  CHECK_STR(render_err(FOSSC_FMT_TEXT, FOSSC_PERR_NOT_FOUND, NULL),
            "ERR NOT_FOUND no such document\n");
  CHECK_STR(render_err(FOSSC_FMT_JSON, FOSSC_PERR_LIMIT, "too \"big\""),
            "{\"ok\":false,\"error\":{\"code\":\"LIMIT\",\"message\":\"too "
            "\\\"big\\\"\"}}\n");
  render_err(FOSSC_FMT_JSON, FOSSC_PERR_QUERY, "bad \xff byte");
  CHECK(valid_json_line());
  char long_msg[2000];
  memset(long_msg, 'x', sizeof long_msg - 1);
  long_msg[sizeof long_msg - 1] = '\0';
  render_err(FOSSC_FMT_TEXT, FOSSC_PERR_INTERNAL, long_msg);
  CHECK(out.len < FOSSC_MAX_ERRMSG + 32);
  CHECK_STR(fossc_proto_err_name(FOSSC_PERR_TOO_LONG), "TOO_LONG");
  CHECK_STR(fossc_proto_err_name((fossc_proto_err)999), "INTERNAL");
  CHECK(fossc_proto_err_from_status(FOSSC_ERR_NOTFOUND) == FOSSC_PERR_NOT_FOUND);
  CHECK(fossc_proto_err_from_status(FOSSC_ERR_QUERY) == FOSSC_PERR_QUERY);
}

static fossc_hit hits[2];
static fossc_results res;

static void make_results(void) {
  memset(hits, 0, sizeof hits);
  hits[0].rank = 1;
  hits[0].score = 12.34567;
  hits[0].lang = FOSSC_LANG_EN;
  hits[0].id = "doc#1";
  hits[0].id_len = 5;
  hits[0].title = "A\ttitle";
  hits[0].title_len = 7;
  hits[0].source = "src";
  hits[0].source_len = 3;
  hits[0].snippet = "the <b>word</b>\r\nnext";
  hits[0].snippet_len = strlen(hits[0].snippet);
  hits[0].explain = "{\"bm25\":1.5}";
  hits[0].explain_len = strlen(hits[0].explain);
  hits[1] = hits[0];
  hits[1].rank = 2;
  hits[1].score = 1.0;
  hits[1].lang = FOSSC_LANG_ES;
  hits[1].id = "doc\"2";
  hits[1].title = "Título";
  hits[1].title_len = strlen("Título");
  res.total = 42;
  res.count = 2;
  res.hits = hits;
  res.took_us = 77;
  res.total_exact = 1;
  res.suggestion = NULL;
}

TEST(render_results_text) {
  make_results();
  fossc_buf_reset(&out);
  fossc_proto_render_results(&out, FOSSC_FMT_TEXT, &res, 0, 0, 0);
  CHECK_STR(fossc_buf_cstr(&out),
            "OK total=42 count=2 took_us=77 total_exact=1\n"
            "1\t12.3457\ten\tdoc#1\tA title\tthe <b>word</b>  next\n"
            "2\t1.0000\tes\tdoc\"2\tTítulo\tthe <b>word</b>  next\n"
            "END\n");
  res.count = 0;
  res.total_exact = 0; /* pruning: total is a lower bound */
  fossc_buf_reset(&out);
  fossc_proto_render_results(&out, FOSSC_FMT_TEXT, &res, 0, 0, 0);
  CHECK_STR(fossc_buf_cstr(&out),
            "OK total=42 count=0 took_us=77 total_exact=0\nEND\n");
  /* fields=id: rank, score, language and id only */
  res.count = 2;
  res.total_exact = 1;
  fossc_buf_reset(&out);
  fossc_proto_render_results(&out, FOSSC_FMT_TEXT, &res, 0, 0, 1);
  CHECK_STR(fossc_buf_cstr(&out),
            "OK total=42 count=2 took_us=77 total_exact=1\n"
            "1\t12.3457\ten\tdoc#1\n"
            "2\t1.0000\tes\tdoc\"2\n"
            "END\n");
  fossc_buf_reset(&out);
  fossc_proto_render_results(&out, FOSSC_FMT_JSON, &res, 0, 0, 1);
  CHECK(valid_json_line() && !strstr(fossc_buf_cstr(&out), "title") &&
        strstr(fossc_buf_cstr(&out), "\"id\":\"doc#1\",\"lang\":\"en\",\"score\":12.3457}"));
}

/* put_score's own formatting must print what printf's %.4f prints: floats
** of every magnitude it handles, exact ties at the fifth decimal (k/2^n),
** and the values it leaves to printf. */
TEST(scores_as_printf_prints_them) {
  static fossc_hit h[1];
  fossc_results r = {0};
  r.count = 1;
  r.hits = h;
  h[0].rank = 1;
  h[0].lang = FOSSC_LANG_EN;
  h[0].id = "d";
  h[0].id_len = 1;
  char want[128];
  uint32_t rng = 1, bad = 0, n = 0;
  for (int i = 0; i < 200000; i++) {
    double v;
    rng = rng * 1103515245u + 12345u;
    if (i % 4 == 0) {
      v = (double)(rng >> 8) / (double)(1u << (i % 24)); /* dyadic: exact ties */
    } else {
      float f;
      uint32_t u = rng & 0x7fffffffu; /* any non-negative float bit pattern */
      memcpy(&f, &u, sizeof f);
      v = f;
    }
    if (i == 7) v = 0.00005;   /* not a float: printf's path */
    if (i == 8) v = 1e12;      /* beyond the fast path */
    if (i == 9) v = 0.5 / 10000; /* 0.00005 as a float */
    if (!isfinite(v)) continue;
    fossc_buf_reset(&out);
    h[0].score = v;
    fossc_proto_render_results(&out, FOSSC_FMT_TEXT, &r, 0, 0, 1);
    snprintf(want, sizeof want, "1\t%.4f\ten\td\n", v);
    const char *got = strchr(fossc_buf_cstr(&out), '\n') + 1;
    n++;
    if (strncmp(got, want, strlen(want)) != 0 && bad++ < 5)
      printf("  %.17g: got %.*s want %s", v, (int)strlen(want), got, want);
  }
  CHECK(bad == 0);
  CHECK(n > 150000);
}

TEST(render_results_json) {
  make_results();
  res.suggestion = "chin\"a";
  fossc_buf_reset(&out);
  fossc_proto_render_results(&out, FOSSC_FMT_JSON, &res, 5, 1, 0);
  CHECK(valid_json_line());
  fossc_json_doc *doc = NULL;
  CHECK(fossc_json_parse(out.data, out.len, &doc, NULL) == FOSSC_OK);
  const fossc_json *r = fossc_json_root(doc);
  const fossc_json *h = fossc_json_get(r, "hits");
  const fossc_json *h1 = h ? h->child : NULL;
  const fossc_json *x = h1 ? fossc_json_get(h1, "explain") : NULL;
  const fossc_json *off = fossc_json_get(r, "offset");
  const fossc_json *sg = fossc_json_get(r, "suggestion");
  const fossc_json *t = h1 && h1->next ? fossc_json_get(h1->next, "title") : NULL;
  int ok = x && x->type == FOSSC_JSON_OBJECT && off && off->num == 5 && sg &&
           sg->type == FOSSC_JSON_STRING && !strcmp(sg->str, "chin\"a") && t &&
           !strcmp(t->str, "Título");
  fossc_json_doc_free(doc);
  CHECK(ok);
  CHECK(strstr(out.data, "\"score\":12.3457"));
  /* No explain unless asked. */
  res.suggestion = NULL;
  fossc_buf_reset(&out);
  fossc_proto_render_results(&out, FOSSC_FMT_JSON, &res, 0, 0, 0);
  CHECK(valid_json_line() && !strstr(fossc_buf_cstr(&out), "explain") &&
        strstr(out.data, "\"suggestion\":null"));
}

TEST(render_doc) {
  fossc_docview d;
  memset(&d, 0, sizeof d);
  d.id = "x1";
  d.id_len = 2;
  d.title = "T";
  d.title_len = 1;
  d.source = "s";
  d.source_len = 1;
  d.body = "line one\nline\ttwo\n";
  d.body_len = strlen(d.body);
  d.lang = FOSSC_LANG_ES;
  fossc_buf_reset(&out);
  fossc_proto_render_doc(&out, FOSSC_FMT_TEXT, &d);
  CHECK_STR(fossc_buf_cstr(&out),
            "OK bytes=18\nid: x1\ntitle: T\nlang: es\nsource: s\n"
            "line one\nline\ttwo\n\nEND\n");
  fossc_buf_reset(&out);
  fossc_proto_render_doc(&out, FOSSC_FMT_JSON, &d);
  CHECK(valid_json_line());
}

TEST(render_misc) {
  fossc_proto_stats st;
  memset(&st, 0, sizeof st);
  st.threads = 2;
  st.docs = 19;
  st.index_dir = "idx";
  const char *ij = "{\"docs\":19,\"avg\":1.5,\"by_lang\":{\"en\":18}}";
  fossc_buf_reset(&out);
  fossc_proto_render_stats(&out, FOSSC_FMT_TEXT, &st, ij, strlen(ij));
  fossc_buf_cstr(&out);
  CHECK(strncmp(out.data, "OK\n", 3) == 0 && strstr(out.data, "\nthreads 2\n"));
  CHECK(strstr(out.data, "\nindex.docs 19\n") && strstr(out.data, "\nindex.avg 1.5\n"));
  CHECK(strstr(out.data, "\nindex.by_lang.en 18\nEND\n"));
  fossc_buf_reset(&out);
  fossc_proto_render_stats(&out, FOSSC_FMT_JSON, &st, ij, strlen(ij));
  CHECK(valid_json_line());
  fossc_buf_reset(&out);
  fossc_proto_render_stats(&out, FOSSC_FMT_JSON, &st, "{broken", 7);
  CHECK(valid_json_line() && strstr(fossc_buf_cstr(&out), "\"index\":null"));
  fossc_buf_reset(&out);
  fossc_proto_render_help(&out, FOSSC_FMT_JSON);
  CHECK(valid_json_line());
  fossc_buf_reset(&out);
  fossc_proto_render_help(&out, FOSSC_FMT_TEXT);
  fossc_buf_cstr(&out);
  CHECK(!strncmp(out.data, "OK\n", 3) && strstr(out.data, "\nEND\n"));
  fossc_buf_reset(&out);
  fossc_proto_render_reloaded(&out, FOSSC_FMT_TEXT, 19);
  CHECK_STR(fossc_buf_cstr(&out), "OK reloaded docs=19\n");
  fossc_buf_reset(&out);
  fossc_proto_render_pong(&out, FOSSC_FMT_TEXT);
  fossc_proto_render_bye(&out, FOSSC_FMT_TEXT);
  fossc_proto_render_format(&out, FOSSC_FMT_TEXT);
  CHECK_STR(fossc_buf_cstr(&out), "PONG\nOK bye\nOK format=text\n");
  fossc_buf s = FOSSC_BUF_INIT;
  CHECK_STR(fossc_proto_sample(&s, "ab\x01\xff\\cdef", 9, 6), "ab\\x01\\xff\\x5cc...");
  fossc_buf_free(&s);
}

int main(void) {
  RUN(ping_and_case);
  RUN(empty_line_is_nothing);
  RUN(search_defaults);
  RUN(search_options);
  RUN(options_stop);
  RUN(bad_options);
  RUN(limits);
  RUN(other_commands);
  RUN(encoding_and_length);
  RUN(error_replies);
  RUN(render_results_text);
  RUN(scores_as_printf_prints_them);
  RUN(render_results_json);
  RUN(render_doc);
  RUN(render_misc);
  fossc_buf_free(&out);
  return TEST_SUMMARY("protocol");
}
