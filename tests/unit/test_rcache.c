/* The result cache (rcache.c) and the protocol helpers that serve a kept
** reply again (fossc_proto_took_at, fossc_proto_render_cached). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "protocol.h"
#include "rcache.h"

static int get(fossc_rcache *c, uint64_t gen, const char *key, const char **r,
               size_t *n) {
  size_t took_at;
  return fossc_rcache_get(c, gen, key, strlen(key), r, n, &took_at);
}

static void put(fossc_rcache *c, uint64_t gen, const char *key, const char *reply) {
  fossc_rcache_put(c, gen, key, strlen(key), reply, strlen(reply), SIZE_MAX);
}

TEST(disabled_is_null) {
  fossc_rcache *c = (fossc_rcache *)1;
  fossc_error err = {0};
  CHECK(fossc_rcache_create(0, &c, &err) == FOSSC_OK && c == NULL);
  const char *r;
  size_t n;
  put(NULL, 1, "k", "v");
  CHECK(get(NULL, 1, "k", &r, &n) == 0);
  fossc_rcache_stats st;
  fossc_rcache_get_stats(NULL, &st);
  CHECK(st.max_bytes == 0 && st.hits == 0);
  fossc_rcache_free(NULL);
}

TEST(hit_miss_and_replace) {
  fossc_rcache *c;
  fossc_error err = {0};
  CHECK(fossc_rcache_create(1 << 20, &c, &err) == FOSSC_OK && c);
  const char *r;
  size_t n;
  CHECK(get(c, 7, "alpha", &r, &n) == 0);
  put(c, 7, "alpha", "reply-a");
  put(c, 7, "alphb", "reply-b");
  CHECK(get(c, 7, "alpha", &r, &n) == 1 && n == 7 && !memcmp(r, "reply-a", 7));
  CHECK(get(c, 7, "alph", &r, &n) == 0); /* keys compare whole */
  put(c, 7, "alpha", "reply-a2");
  CHECK(get(c, 7, "alpha", &r, &n) == 1 && n == 8 && !memcmp(r, "reply-a2", 8));
  fossc_rcache_stats st;
  fossc_rcache_get_stats(c, &st);
  CHECK(st.entries == 2 && st.hits == 2 && st.misses == 2 && st.inserts == 3);
  /* Another index generation: nothing of the old one is served. */
  CHECK(get(c, 8, "alpha", &r, &n) == 0);
  fossc_rcache_get_stats(c, &st);
  CHECK(st.entries == 0 && st.clears == 1);
  fossc_rcache_free(c);
}

TEST(bounded_and_lru) {
  fossc_rcache *c;
  fossc_error err = {0};
  size_t max = FOSSC_RCACHE_MIN_BYTES;
  CHECK(fossc_rcache_create(max, &c, &err) == FOSSC_OK && c);
  char key[32], reply[1000];
  memset(reply, 'x', sizeof reply - 1);
  reply[sizeof reply - 1] = '\0';
  const char *r;
  size_t n;
  fossc_rcache_stats st;
  for (int i = 0; i < 1000; i++) {
    snprintf(key, sizeof key, "q%d", i);
    put(c, 1, key, reply);
    /* Key 0 is read after every insert: it must survive as the most
    ** recently used entry while the others are evicted. */
    CHECK(get(c, 1, "q0", &r, &n) == 1);
    fossc_rcache_get_stats(c, &st);
    CHECK(st.bytes <= max);
  }
  CHECK(st.evictions > 900 && st.entries > 10);
  CHECK(get(c, 1, "q1", &r, &n) == 0);
  CHECK(get(c, 1, "q999", &r, &n) == 1);
  /* A reply over the share of one entry is not kept. */
  char *big = malloc(max / FOSSC_RCACHE_MAX_SHARE + 1);
  CHECK(big);
  memset(big, 'y', max / FOSSC_RCACHE_MAX_SHARE);
  big[max / FOSSC_RCACHE_MAX_SHARE] = '\0';
  put(c, 1, "big", big);
  free(big);
  CHECK(get(c, 1, "big", &r, &n) == 0);
  CHECK(get(c, 1, "q999", &r, &n) == 1);
  fossc_rcache_clear(c);
  fossc_rcache_get_stats(c, &st);
  CHECK(st.entries == 0 && st.bytes < max);
  fossc_rcache_free(c);
}

static int key_of(const char *line, fossc_buf *key) {
  fossc_request req;
  fossc_error err = {0};
  fossc_buf_reset(key);
  if (fossc_proto_parse(line, strlen(line), FOSSC_FMT_TEXT, &req, &err)) return -1;
  return fossc_rcache_key(&req, key);
}

static int same_key(const char *a, const char *b) {
  fossc_buf ka = FOSSC_BUF_INIT, kb = FOSSC_BUF_INIT;
  int same = key_of(a, &ka) == 0 && key_of(b, &kb) == 0 && ka.len == kb.len &&
             memcmp(ka.data, kb.data, ka.len) == 0;
  fossc_buf_free(&ka);
  fossc_buf_free(&kb);
  return same;
}

TEST(canonical_key) {
  CHECK(same_key("SEARCH limit=10 snippets=0 -- solar", "search snippets=0 -- solar"));
  CHECK(same_key("SEARCH format=json limit=3 solar", "SEARCH limit=3 format=json solar"));
  CHECK(same_key("EXPLAIN solar", "SEARCH explain=1 solar"));
  CHECK(!same_key("SEARCH solar", "SEARCH Solar"));
  CHECK(!same_key("SEARCH solar", "SEARCH limit=11 solar"));
  CHECK(!same_key("SEARCH solar", "SEARCH offset=10 solar"));
  CHECK(!same_key("SEARCH solar", "SEARCH format=json solar"));
  CHECK(!same_key("SEARCH solar", "SEARCH fields=id solar"));
  CHECK(!same_key("SEARCH solar", "SEARCH exact_total=1 solar"));
  CHECK(!same_key("SEARCH solar", "SEARCH lang=es solar"));
  CHECK(!same_key("SEARCH solar", "SEARCH snippets=0 solar"));
  fossc_buf k = FOSSC_BUF_INIT;
  CHECK(key_of("PING", &k) == -1 && k.len == 0);
  fossc_buf_free(&k);
}

TEST(took_us_replaced) {
  const char *text = "OK total=3 count=1 took_us=1234 total_exact=1\n1\t2.0\ten\tid\tt\ts\nEND\n";
  size_t at = fossc_proto_took_at(text, strlen(text), FOSSC_FMT_TEXT);
  CHECK(at == strlen("OK total=3 count=1 took_us="));
  fossc_buf out = FOSSC_BUF_INIT;
  fossc_proto_render_cached(&out, text, strlen(text), at, 7);
  CHECK_STR(fossc_buf_cstr(&out),
            "OK total=3 count=1 took_us=7 total_exact=1\n1\t2.0\ten\tid\tt\ts\nEND\n");
  const char *json = "{\"ok\":true,\"total\":1,\"count\":1,\"took_us\":99,\"hits\":[]}\n";
  at = fossc_proto_took_at(json, strlen(json), FOSSC_FMT_JSON);
  fossc_buf_reset(&out);
  fossc_proto_render_cached(&out, json, strlen(json), at, 123456);
  CHECK_STR(fossc_buf_cstr(&out),
            "{\"ok\":true,\"total\":1,\"count\":1,\"took_us\":123456,\"hits\":[]}\n");
  /* Only the header counts: a hit's text cannot be taken for the field. */
  const char *noh = "OK total=3\nx took_us=5\n";
  CHECK(fossc_proto_took_at(noh, strlen(noh), FOSSC_FMT_TEXT) == SIZE_MAX);
  fossc_buf_reset(&out);
  fossc_proto_render_cached(&out, noh, strlen(noh), SIZE_MAX, 1);
  CHECK_STR(fossc_buf_cstr(&out), noh);
  fossc_buf_free(&out);
}

int main(void) {
  RUN(disabled_is_null);
  RUN(hit_miss_and_replace);
  RUN(bounded_and_lru);
  RUN(canonical_key);
  RUN(took_us_replaced);
  return TEST_SUMMARY("rcache");
}
