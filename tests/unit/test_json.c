/* Unit tests for the JSON reader and writer (libfossc/json.c). */
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"

static fossc_json_doc *parse(const char *s, fossc_error *err) {
  fossc_json_doc *d = NULL;
  fossc_error_clear(err);
  if (fossc_json_parse(s, strlen(s), &d, err) != FOSSC_OK) return NULL;
  return d;
}

static int rejects(const char *s) {
  fossc_error err;
  fossc_json_doc *d = parse(s, &err);
  if (d) {
    fossc_json_doc_free(d);
    return 0;
  }
  return err.code == FOSSC_ERR_INPUT && strstr(err.msg, "at byte") != NULL;
}

static int accepts(const char *s) {
  fossc_error err;
  fossc_json_doc *d = parse(s, &err);
  fossc_json_doc_free(d);
  return d != NULL;
}

TEST(parses_object_members) {
  fossc_error err;
  fossc_json_doc *d = parse(
      " {\"id\": \"a1\", \"n\": -12.5e1, \"ok\": true, \"no\": false,"
      " \"nil\": null, \"arr\": [1, [2, {}], []], \"o\": {\"k\": \"v\"}} \n",
      &err);
  CHECK_MSG(d != NULL, "%s", err.msg);
  const fossc_json *root = fossc_json_root(d);
  CHECK(root->type == FOSSC_JSON_OBJECT);
  const fossc_json *v = fossc_json_get(root, "id");
  CHECK(v && v->type == FOSSC_JSON_STRING && v->str_len == 2);
  CHECK_STR(v->str, "a1");
  CHECK_STR(v->key, "id");
  v = fossc_json_get(root, "n");
  CHECK(v && v->type == FOSSC_JSON_NUMBER && v->num == -125.0);
  CHECK(fossc_json_get(root, "ok")->type == FOSSC_JSON_TRUE);
  CHECK(fossc_json_get(root, "no")->type == FOSSC_JSON_FALSE);
  CHECK(fossc_json_get(root, "nil")->type == FOSSC_JSON_NULL);
  CHECK(fossc_json_get(root, "missing") == NULL);
  const fossc_json *arr = fossc_json_get(root, "arr");
  CHECK(arr && arr->type == FOSSC_JSON_ARRAY);
  CHECK(arr->child && arr->child->num == 1.0);
  const fossc_json *inner = arr->child->next;
  CHECK(inner && inner->type == FOSSC_JSON_ARRAY && inner->child->num == 2.0);
  CHECK(inner->child->next->type == FOSSC_JSON_OBJECT);
  CHECK(inner->child->next->child == NULL);
  CHECK(inner->next->type == FOSSC_JSON_ARRAY && inner->next->child == NULL);
  CHECK(inner->next->next == NULL);
  CHECK_STR(fossc_json_get(fossc_json_get(root, "o"), "k")->str, "v");
  CHECK(fossc_json_get(arr, "x") == NULL); /* not an object */
  fossc_json_doc_free(d);
}

TEST(parses_scalars_at_top_level) {
  CHECK(accepts("0"));
  CHECK(accepts("\"\""));
  CHECK(accepts("null"));
  CHECK(accepts(" [ ] "));
  CHECK(accepts("{ }"));
  CHECK(accepts("-0.0e-0"));
  fossc_json_doc_free(NULL);
  CHECK(fossc_json_root(NULL) == NULL);
}

TEST(numbers) {
  static const struct {
    const char *text;
    double value;
  } ok[] = {{"0", 0},          {"-0", 0},        {"123", 123},
            {"1.5", 1.5},      {"1e3", 1000},    {"1E+3", 1000},
            {"2.5e-1", 0.25},  {"-7", -7},       {"1e-400", 0},
            {"12345678901234567890", 12345678901234567890.0}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    fossc_error err;
    fossc_json_doc *d = parse(ok[i].text, &err);
    CHECK_MSG(d != NULL, "%s: %s", ok[i].text, err.msg);
    CHECK_MSG(fossc_json_root(d)->num == ok[i].value, "%s", ok[i].text);
    fossc_json_doc_free(d);
  }
  /* A long number goes through the heap copy. */
  char big[200];
  memset(big, '1', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  CHECK(accepts(big));
  static const char *bad[] = {"01", "+1", ".5", "1.", "1e", "1e+", "-",
                              "0x10", "1.5.2", "NaN", "Infinity", "1e400",
                              "- 1", "--1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK_MSG(rejects(bad[i]), "%s accepted", bad[i]);
}

TEST(string_escapes) {
  fossc_error err;
  fossc_json_doc *d =
      parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20ac\"", &err);
  CHECK_MSG(d != NULL, "%s", err.msg);
  const fossc_json *v = fossc_json_root(d);
  CHECK_STR(v->str, "a\"b\\c/d\b\f\n\r\tA\xC3\xA9\xE2\x82\xAC");
  fossc_json_doc_free(d);
  /* \u0000 is kept inside the string; str_len counts it. */
  d = parse("\"x\\u0000y\"", &err);
  CHECK(d != NULL);
  v = fossc_json_root(d);
  CHECK(v->str_len == 3 && memcmp(v->str, "x\0y", 4) == 0);
  fossc_json_doc_free(d);
  CHECK(rejects("\"\\x\""));
  CHECK(rejects("\"\\u12\""));
  CHECK(rejects("\"\\u12g4\""));
  CHECK(rejects("\"tab\there\""));   /* raw control character */
  CHECK(rejects("\"new\nline\""));
}

TEST(parse_valid_agrees_on_valid_utf8) {
  /* fossc_json_parse_valid (JSONL lines, validated first) copies non-ASCII
  ** bytes without checking them: same strings as the checking parser. */
  /* one literal in two pieces (clang warns of pieces in an array list) */
  static const char mixed[] =
      "{\"t\":\"canci\xC3\xB3n espa\xC3\xB1ola: \xC2\xBFqu\xC3\xA9 tal? "
      "\xE2\x82\xAC \xF0\x9F\x98\x80 a\\u00e9\\n\",\"n\":[1,\"\xC3\xA9\"]}";
  const char *texts[] = {
      mixed,
      "\"\xC3\xA1\xC3\xA9\xC3\xAD\xC3\xB3\xC3\xBA\xC3\xB1\xC3\x91xyz0123456789\"",
      "\"tab\there \xC3\xA9\"", /* still a raw control character */
  };
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
    fossc_error e1, e2;
    fossc_json_doc *a = NULL, *b = NULL;
    int r1 = fossc_json_parse(texts[i], strlen(texts[i]), &a, &e1);
    int r2 = fossc_json_parse_valid(texts[i], strlen(texts[i]), &b, &e2);
    CHECK(r1 == r2);
    if (r1 == FOSSC_OK && r2 == FOSSC_OK) {
      const fossc_json *x = fossc_json_root(a), *y = fossc_json_root(b);
      if (x->type == FOSSC_JSON_OBJECT) {
        x = fossc_json_get(x, "t");
        y = fossc_json_get(y, "t");
      }
      CHECK(x && y && x->str_len == y->str_len &&
            memcmp(x->str, y->str, x->str_len) == 0);
    }
    fossc_json_doc_free(a);
    fossc_json_doc_free(b);
  }
}

TEST(surrogates) {
  fossc_error err;
  /* U+1F600 as a pair. */
  fossc_json_doc *d = parse("\"\\ud83d\\ude00\"", &err);
  CHECK_MSG(d != NULL, "%s", err.msg);
  CHECK_STR(fossc_json_root(d)->str, "\xF0\x9F\x98\x80");
  fossc_json_doc_free(d);
  /* Lone high, lone low, high followed by a non-surrogate escape. */
  static const struct {
    const char *in, *out;
  } cases[] = {{"\"\\ud83dx\"", "\xEF\xBF\xBDx"},
               {"\"\\ude00\"", "\xEF\xBF\xBD"},
               {"\"\\ud83d\\u0041\"", "\xEF\xBF\xBD" "A"},
               {"\"\\ud83d\\ud83d\\ude00\"", "\xEF\xBF\xBD\xF0\x9F\x98\x80"},
               {"\"\\ud83d\"", "\xEF\xBF\xBD"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    d = parse(cases[i].in, &err);
    CHECK_MSG(d != NULL, "%s: %s", cases[i].in, err.msg);
    CHECK_STR(fossc_json_root(d)->str, cases[i].out);
    fossc_json_doc_free(d);
  }
}

TEST(invalid_utf8_is_an_error) {
  CHECK(accepts("\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\""));
  CHECK(rejects("\"\xC3\""));             /* truncated */
  CHECK(rejects("\"\xC0\xAF\""));         /* overlong */
  CHECK(rejects("\"\xE0\x80\xAF\""));     /* overlong */
  CHECK(rejects("\"\xED\xA0\x80\""));     /* encoded surrogate */
  CHECK(rejects("\"\xF4\x90\x80\x80\"")); /* above U+10FFFF */
  CHECK(rejects("\"\xFF\""));
  CHECK(rejects("\"\x80\""));
  CHECK(rejects("\xC3\xA9")); /* outside a string */
}

TEST(errors_give_offsets) {
  fossc_error err;
  CHECK(parse("{\"a\": tru}", &err) == NULL);
  CHECK(err.code == FOSSC_ERR_INPUT);
  CHECK_MSG(strstr(err.msg, "at byte 6") != NULL, "%s", err.msg);
  CHECK(parse("[1, 2,, 3]", &err) == NULL);
  CHECK_MSG(strstr(err.msg, "at byte 6") != NULL, "%s", err.msg);
  CHECK(parse("{\"a\":1} x", &err) == NULL);
  CHECK_MSG(strstr(err.msg, "trailing") && strstr(err.msg, "at byte 8"), "%s",
            err.msg);
}

TEST(rejects_malformed_documents) {
  static const char *bad[] = {
      "",         " ",          "{",          "[",         "{\"a\"",
      "{\"a\":",  "{\"a\":1",   "{\"a\":1,}", "[1,]",      "[1 2]",
      "{a:1}",    "{'a':1}",    "{\"a\" 1}",  "{1:2}",     "\"abc",
      "\"abc\\",  "nul",        "truex",      "[true false]", "{} {}",
      "[1]]",     "}",          "\"\\u",      "1 2",       "[\"a\",]"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK_MSG(rejects(bad[i]), "\"%s\" accepted", bad[i]);
}

TEST(truncations_of_a_valid_document) {
  const char *full =
      "{\"id\":\"x\\u00e9\\ud83d\\ude00\",\"n\":[1.5e2,true,null,{\"k\":\"v\"}]}";
  size_t n = strlen(full);
  CHECK(accepts(full));
  for (size_t i = 0; i < n; i++) {
    fossc_json_doc *d = NULL;
    fossc_error err;
    char *copy = malloc(i + 1); /* exact size: ASan/valgrind see overreads */
    CHECK(copy != NULL);
    memcpy(copy, full, i);
    int rc = fossc_json_parse(copy, i, &d, &err);
    free(copy);
    fossc_json_doc_free(d);
    CHECK_MSG(rc == FOSSC_ERR_INPUT, "prefix of %zu bytes accepted", i);
  }
}

TEST(depth_cap) {
  char buf[2 * (FOSSC_JSON_MAX_DEPTH + 1) + 1];
  size_t d = FOSSC_JSON_MAX_DEPTH;
  memset(buf, '[', d);
  memset(buf + d, ']', d);
  buf[2 * d] = '\0';
  CHECK(accepts(buf));
  d = FOSSC_JSON_MAX_DEPTH + 1;
  memset(buf, '[', d);
  memset(buf + d, ']', d);
  buf[2 * d] = '\0';
  fossc_error err;
  CHECK(parse(buf, &err) == NULL);
  CHECK_MSG(strstr(err.msg, "deep") != NULL, "%s", err.msg);
  /* A hostile line of a million brackets fails fast, without recursion. */
  size_t big = 1u << 20;
  char *deep = malloc(big);
  CHECK(deep != NULL);
  memset(deep, '[', big);
  fossc_json_doc *doc = NULL;
  int rc = fossc_json_parse(deep, big, &doc, &err);
  free(deep);
  CHECK(rc == FOSSC_ERR_INPUT && doc == NULL);
}

TEST(many_nodes_span_arena_blocks) {
  fossc_buf b = FOSSC_BUF_INIT;
  fossc_buf_putc(&b, '[');
  for (int i = 0; i < 20000; i++) fossc_buf_printf(&b, "%s%d", i ? "," : "", i);
  fossc_buf_putc(&b, ']');
  CHECK(!b.oom);
  fossc_json_doc *d = NULL;
  fossc_error err;
  CHECK(fossc_json_parse(b.data, b.len, &d, &err) == FOSSC_OK);
  int i = 0;
  const fossc_json *c;
  for (c = fossc_json_root(d)->child; c && c->num == i; c = c->next) i++;
  fossc_json_doc_free(d);
  fossc_buf_free(&b);
  CHECK(c == NULL && i == 20000);
}

TEST(out_of_memory_is_reported) {
  const char *s = "{\"a\":[1,2,\"xyz\"],\"b\":{\"c\":null}}";
  for (long n = 0; n < 3; n++) {
    fossc_json_doc *d = NULL;
    fossc_error err;
    fossc_alloc_fail_after(n);
    int rc = fossc_json_parse(s, strlen(s), &d, &err);
    fossc_alloc_fail_after(-1);
    if (rc == FOSSC_OK) {
      fossc_json_doc_free(d);
      continue;
    }
    CHECK(rc == FOSSC_ERR_NOMEM && d == NULL);
  }
}

static int round_trip(const char *s, size_t n, const char *expect) {
  fossc_buf b = FOSSC_BUF_INIT;
  fossc_json_put_string(&b, s, n);
  int ok = !b.oom;
  if (ok && expect) ok = b.len == strlen(expect) && !memcmp(b.data, expect, b.len);
  fossc_json_doc *d = NULL;
  fossc_error err;
  if (ok) ok = fossc_json_parse(b.data, b.len, &d, &err) == FOSSC_OK;
  if (ok) {
    const fossc_json *v = fossc_json_root(d);
    ok = v->type == FOSSC_JSON_STRING && v->str_len == n &&
         memcmp(v->str, s, n) == 0;
  }
  fossc_json_doc_free(d);
  fossc_buf_free(&b);
  return ok;
}

TEST(put_string_escapes_and_round_trips) {
  CHECK(round_trip("plain", 5, "\"plain\""));
  CHECK(round_trip("", 0, "\"\""));
  CHECK(round_trip("q\"b\\s", 5, "\"q\\\"b\\\\s\""));
  CHECK(round_trip("\n\t\r\b\f", 5, "\"\\n\\t\\r\\b\\f\""));
  CHECK(round_trip("\x01\x1f\0", 3, "\"\\u0001\\u001f\\u0000\""));
  CHECK(round_trip("a\xE2\x80\xA8" "b\xE2\x80\xA9", 8, "\"a\\u2028b\\u2029\""));
  /* Other E2 sequences and non-ASCII text pass through unchanged. */
  CHECK(round_trip("\xE2\x82\xAC \xE2\x80\x99 ni\xC3\xB1o \xF0\x9F\x98\x80", 18,
                   "\"\xE2\x82\xAC \xE2\x80\x99 ni\xC3\xB1o \xF0\x9F\x98\x80\""));
  CHECK(round_trip("</script>", 9, "\"</script>\""));
  /* Every byte value below 0x80. */
  char all[128];
  for (int i = 0; i < 128; i++) all[i] = (char)i;
  CHECK(round_trip(all, sizeof all, NULL));
}

int main(void) {
  RUN(parses_object_members);
  RUN(parses_scalars_at_top_level);
  RUN(numbers);
  RUN(string_escapes);
  RUN(parse_valid_agrees_on_valid_utf8);
  RUN(surrogates);
  RUN(invalid_utf8_is_an_error);
  RUN(errors_give_offsets);
  RUN(rejects_malformed_documents);
  RUN(truncations_of_a_valid_document);
  RUN(depth_cap);
  RUN(many_nodes_span_arena_blocks);
  RUN(out_of_memory_is_reported);
  RUN(put_string_escapes_and_round_trips);
  return TEST_SUMMARY("json");
}
