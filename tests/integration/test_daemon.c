/*
** fossc-searchd over real TCP on 127.0.0.1: the protocol, pipelining, error
** handling, abusive clients, reload and shutdown. Builds the bundled corpus's
** index into a temporary folder with BIN/fossc-index first.
*/
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../harness.h"
#include "../lib/itest.h"
#include "json.h"
#include "protocol.h"

static char tmp[FOSSC_T_PATH];
static char index_dir[FOSSC_T_PATH + 16];
static fossc_t_daemon daemon_;
static int ready;

/* An id returned by SEARCH, for GET. */
static char some_id[512];

static int starts_with(const char *s, const char *prefix) {
  return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Reads the rest of a text SEARCH reply after its OK line: returns the number
** of hit lines, or -1 if END does not come or a hit line is malformed. */
static int read_hits(fossc_t_conn *c) {
  int n = 0;
  for (;;) {
    const char *l = fossc_t_line(c, FOSSC_T_REPLY_MS);
    if (!l) return -1;
    if (strcmp(l, "END") == 0) return n;
    int tabs = 0;
    for (const char *p = l; *p; p++) tabs += *p == '\t';
    if (tabs < 5) return -1;
    n++;
  }
}

/* Reads lines until END; returns how many came before it, -1 on failure. */
static int read_until_end(fossc_t_conn *c) {
  int n = 0;
  for (;;) {
    const char *l = fossc_t_line(c, FOSSC_T_REPLY_MS);
    if (!l) return -1;
    if (strcmp(l, "END") == 0) return n;
    n++;
  }
}

TEST(ping) {
  fossc_t_conn c;
  CHECK(fossc_t_connect(&c, daemon_.port) == 0);
  CHECK_STR(fossc_t_ask(&c, "PING"), "PONG");
  CHECK_STR(fossc_t_ask(&c, "ping"), "PONG"); /* verbs are case-insensitive */
  CHECK_STR(fossc_t_ask(&c, "PING\r"), "PONG"); /* \r\n accepted */
  fossc_t_close(&c);
}

TEST(search_text) {
  fossc_t_conn c;
  CHECK(fossc_t_connect(&c, daemon_.port) == 0);
  const char *l = fossc_t_ask(&c, "SEARCH Urumqi");
  CHECK_MSG(starts_with(l, "OK total="), "%s", l ? l : "(none)");
  unsigned long total = 0, count = 0, took = 0;
  CHECK(sscanf(l, "OK total=%lu count=%lu took_us=%lu", &total, &count,
               &took) == 3);
  CHECK(total >= 1 && count >= 1 && count <= total);
  /* The first hit line carries the id used by the GET test. */
  const char *hit = fossc_t_line(&c, FOSSC_T_REPLY_MS);
  CHECK(hit && hit[0] == '1' && hit[1] == '\t');
  const char *p = hit;
  for (int i = 0; i < 3 && p; i++) {
    p = strchr(p, '\t');
    if (p) p++;
  }
  CHECK(p);
  const char *e = strchr(p, '\t');
  CHECK(e && (size_t)(e - p) < sizeof some_id);
  memcpy(some_id, p, (size_t)(e - p));
  some_id[e - p] = '\0';
  CHECK(read_hits(&c) == (int)count - 1);
  fossc_t_close(&c);
}

TEST(pipelining_in_order) {
  fossc_t_conn c;
  CHECK(fossc_t_connect(&c, daemon_.port) == 0);
  CHECK(fossc_t_send(&c, "PING\nSEARCH Urumqi\nPING\nBOGUS\nPING\n", (size_t)-1) == 0);
  CHECK_STR(fossc_t_line(&c, FOSSC_T_REPLY_MS), "PONG");
  CHECK(starts_with(fossc_t_line(&c, FOSSC_T_REPLY_MS), "OK total="));
  CHECK(read_hits(&c) >= 1);
  CHECK_STR(fossc_t_line(&c, FOSSC_T_REPLY_MS), "PONG");
  CHECK(starts_with(fossc_t_line(&c, FOSSC_T_REPLY_MS), "ERR BAD_COMMAND"));
  CHECK_STR(fossc_t_line(&c, FOSSC_T_REPLY_MS), "PONG");
  /* More than FOSSC_REQS_PER_EVENT at once: all answered, in order. */
  fossc_buf b = FOSSC_BUF_INIT;
  for (int i = 0; i < 100; i++)
    fossc_buf_puts(&b, i % 2 ? "PING\n" : "SEARCH format=json china\n");
  CHECK(!b.oom && fossc_t_send(&c, b.data, b.len) == 0);
  fossc_buf_free(&b);
  for (int i = 0; i < 100; i++) {
    const char *l = fossc_t_line(&c, FOSSC_T_REPLY_MS);
    CHECK(l);
    CHECK(i % 2 ? strcmp(l, "PONG") == 0 : starts_with(l, "{\"ok\":true"));
  }
  fossc_t_close(&c);
}

static const fossc_json *jget(const fossc_json *o, const char *k,
                              fossc_json_type t) {
  const fossc_json *v = fossc_json_get(o, k);
  return v && v->type == t ? v : NULL;
}

TEST(search_json) {
  fossc_t_conn c;
  CHECK(fossc_t_connect(&c, daemon_.port) == 0);
  const char *l = fossc_t_ask(&c, "SEARCH format=json limit=3 lang=any -- china");
  CHECK(l);
  fossc_json_doc *doc = NULL;
  fossc_error err;
  CHECK_MSG(fossc_json_parse(l, strlen(l), &doc, &err) == FOSSC_OK, "%s", err.msg);
  const fossc_json *r = fossc_json_root(doc);
  int ok = jget(r, "ok", FOSSC_JSON_TRUE) && jget(r, "total", FOSSC_JSON_NUMBER) &&
           jget(r, "took_us", FOSSC_JSON_NUMBER) &&
           jget(r, "offset", FOSSC_JSON_NUMBER) && fossc_json_get(r, "suggestion");
  const fossc_json *hits = jget(r, "hits", FOSSC_JSON_ARRAY);
  const fossc_json *count = jget(r, "count", FOSSC_JSON_NUMBER);
  int n = 0, fields = 1;
  for (const fossc_json *h = hits ? hits->child : NULL; h; h = h->next, n++) {
    fields &= jget(h, "rank", FOSSC_JSON_NUMBER) && jget(h, "id", FOSSC_JSON_STRING) &&
              jget(h, "title", FOSSC_JSON_STRING) && jget(h, "lang", FOSSC_JSON_STRING) &&
              jget(h, "score", FOSSC_JSON_NUMBER) &&
              jget(h, "source", FOSSC_JSON_STRING) &&
              jget(h, "snippet", FOSSC_JSON_STRING) && !fossc_json_get(h, "explain");
  }
  int count_ok = count && (int)count->num == n && n == 3;
  fossc_json_doc_free(doc);
  CHECK(ok && hits && fields && count_ok);

  /* EXPLAIN adds an explain object per hit. */
  l = fossc_t_ask(&c, "EXPLAIN format=json limit=1 china");
  CHECK(l && fossc_json_parse(l, strlen(l), &doc, &err) == FOSSC_OK);
  hits = jget(fossc_json_root(doc), "hits", FOSSC_JSON_ARRAY);
  int has = hits && hits->child && jget(hits->child, "explain", FOSSC_JSON_OBJECT);
  fossc_json_doc_free(doc);
  CHECK(has);
  fossc_t_close(&c);
}

TEST(get_document) {
  CHECK(some_id[0]);
  fossc_t_conn c;
  CHECK(fossc_t_connect(&c, daemon_.port) == 0);
  char req[600];
  snprintf(req, sizeof req, "GET %s", some_id);
  const char *l = fossc_t_ask(&c, req);
  unsigned long bytes = 0;
  CHECK(l && sscanf(l, "OK bytes=%lu", &bytes) == 1 && bytes > 0);
  char want[600];
  snprintf(want, sizeof want, "id: %s", some_id);
  CHECK_STR(fossc_t_line(&c, FOSSC_T_REPLY_MS), want);
  CHECK(starts_with(fossc_t_line(&c, FOSSC_T_REPLY_MS), "title: "));
  CHECK(starts_with(fossc_t_line(&c, FOSSC_T_REPLY_MS), "lang: "));
  CHECK(starts_with(fossc_t_line(&c, FOSSC_T_REPLY_MS), "source: "));
  const char *body;
  CHECK(fossc_linereader_bytes(c.lr, bytes, FOSSC_T_REPLY_MS, &body, &c.err) ==
        FOSSC_OK);
  CHECK_STR(fossc_t_line(&c, FOSSC_T_REPLY_MS), ""); /* the \n after the body */
  CHECK_STR(fossc_t_line(&c, FOSSC_T_REPLY_MS), "END");
  /* JSON form, and a missing id. */
  snprintf(req, sizeof req, "GET format=json %s", some_id);
  l = fossc_t_ask(&c, req);
  fossc_json_doc *doc = NULL;
  CHECK(l && fossc_json_parse(l, strlen(l), &doc, NULL) == FOSSC_OK);
  const fossc_json *d = jget(fossc_json_root(doc), "doc", FOSSC_JSON_OBJECT);
  const fossc_json *b = d ? jget(d, "body", FOSSC_JSON_STRING) : NULL;
  int ok = b && b->str_len == bytes;
  fossc_json_doc_free(doc);
  CHECK(ok);
  CHECK(starts_with(fossc_t_ask(&c, "GET no-such-document-id"), "ERR NOT_FOUND "));
  CHECK_STR(fossc_t_ask(&c, "PING"), "PONG");
  fossc_t_close(&c);
}

TEST(stats_and_help) {
  fossc_t_conn c;
  CHECK(fossc_t_connect(&c, daemon_.port) == 0);
  CHECK_STR(fossc_t_ask(&c, "STATS"), "OK");
  int saw_docs = 0, n = 0;
  for (;;) {
    const char *l = fossc_t_line(&c, FOSSC_T_REPLY_MS);
    CHECK(l);
    if (!strcmp(l, "END")) break;
    if (starts_with(l, "docs ") && atoi(l + 5) > 0) saw_docs = 1;
    n++;
  }
  CHECK(saw_docs && n > 5);
  const char *l = fossc_t_ask(&c, "STATS format=json");
  fossc_json_doc *doc = NULL;
  CHECK(l && fossc_json_parse(l, strlen(l), &doc, NULL) == FOSSC_OK);
  const fossc_json *st = jget(fossc_json_root(doc), "stats", FOSSC_JSON_OBJECT);
  const fossc_json *dm = st ? jget(st, "daemon", FOSSC_JSON_OBJECT) : NULL;
  int ok = dm && jget(dm, "requests", FOSSC_JSON_NUMBER) &&
           jget(dm, "conns_current", FOSSC_JSON_NUMBER) &&
           jget(st, "index", FOSSC_JSON_OBJECT);
  fossc_json_doc_free(doc);
  CHECK(ok);
  CHECK_STR(fossc_t_ask(&c, "HELP"), "OK");
  CHECK(read_until_end(&c) > 3);
  fossc_t_close(&c);
}

TEST(errors_keep_connection) {
  fossc_t_conn c;
  CHECK(fossc_t_connect(&c, daemon_.port) == 0);
  CHECK(starts_with(fossc_t_ask(&c, "FROB x"), "ERR BAD_COMMAND "));
  CHECK(starts_with(fossc_t_ask(&c, "SEARCH limit=abc china"), "ERR BAD_OPTION "));
  CHECK(starts_with(fossc_t_ask(&c, "SEARCH limit=5000 china"), "ERR LIMIT "));
  CHECK(starts_with(fossc_t_ask(&c, "SEARCH"), "ERR QUERY "));
  CHECK(starts_with(fossc_t_ask(&c, "PING extra"), "ERR BAD_ARGUMENT "));
  CHECK(starts_with(fossc_t_ask(&c, "SEARCH caf\xc3(x"), "ERR BAD_ENCODING "));
  CHECK(fossc_t_send(&c, "PI\0NG\n", 6) == 0);
  CHECK(starts_with(fossc_t_line(&c, FOSSC_T_REPLY_MS), "ERR BAD_ENCODING "));
  CHECK_STR(fossc_t_ask(&c, "PING"), "PONG");
  /* JSON errors, per request and per connection. */
  const char *l = fossc_t_ask(&c, "SEARCH format=json lang=xx china");
  CHECK(starts_with(l, "{\"ok\":false,\"error\":{\"code\":\"BAD_OPTION\""));
  CHECK_STR(fossc_t_ask(&c, "FORMAT json"), "{\"ok\":true,\"format\":\"json\"}");
  CHECK_STR(fossc_t_ask(&c, "PING"), "{\"ok\":true,\"pong\":true}");
  CHECK(starts_with(fossc_t_ask(&c, "NOPE"), "{\"ok\":false,\"error\":{\"code\":\"BAD_COMMAND\""));
  CHECK_STR(fossc_t_ask(&c, "PING format=text"), "PONG");
  CHECK_STR(fossc_t_ask(&c, "QUIT"), "{\"ok\":true,\"bye\":true}");
  CHECK(fossc_t_closed(&c, 5000));
  fossc_t_close(&c);
}

TEST(too_long_line_closes) {
  fossc_t_conn c;
  CHECK(fossc_t_connect(&c, daemon_.port) == 0);
  size_t n = FOSSC_MAX_LINE + 100;
  char *big = malloc(n + 1);
  CHECK(big);
  memset(big, 'a', n);
  big[n] = '\n';
  /* The daemon may close before taking all of it: a failed send is fine. */
  (void)fossc_t_send(&c, big, n + 1);
  free(big);
  CHECK(starts_with(fossc_t_line(&c, FOSSC_T_REPLY_MS), "ERR TOO_LONG "));
  CHECK(fossc_t_closed(&c, 5000));
  fossc_t_close(&c);
}

TEST(too_many_errors_closes) {
  fossc_t_conn c;
  CHECK(fossc_t_connect(&c, daemon_.port) == 0);
  fossc_buf b = FOSSC_BUF_INIT;
  for (int i = 0; i < FOSSC_MAX_BAD_LINES + 10; i++) fossc_buf_puts(&b, "XX\n");
  (void)fossc_t_send(&c, b.data, b.len);
  fossc_buf_free(&b);
  int errs = 0, final = 0;
  const char *l;
  while ((l = fossc_t_line(&c, FOSSC_T_REPLY_MS)) != NULL) {
    if (starts_with(l, "ERR BAD_COMMAND")) errs++;
    if (starts_with(l, "ERR TOO_MANY_ERRORS")) final = 1;
  }
  CHECK(errs == FOSSC_MAX_BAD_LINES && final);
  CHECK(fossc_linereader_state(c.lr) != FOSSC_LR_TIMEOUT);
  fossc_t_close(&c);
}

static uint64_t rng_state;
static uint64_t rng(void) { /* xorshift64: deterministic garbage */
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

TEST(garbage_costs_only_its_client) {
  fossc_t_conn bad, good;
  CHECK(fossc_t_connect(&bad, daemon_.port) == 0);
  CHECK(fossc_t_connect(&good, daemon_.port) == 0);
  rng_state = 0x9E3779B97F4A7C15ull;
  enum { CHUNK = 16384, TOTAL = 1 << 20 };
  char *chunk = malloc(CHUNK);
  CHECK(chunk);
  int sent_ok = 1;
  for (int off = 0; off < TOTAL; off += CHUNK) {
    for (int i = 0; i < CHUNK; i += 8) {
      uint64_t r = rng();
      memcpy(chunk + i, &r, 8);
    }
    if (sent_ok && fossc_net_write_all(bad.fd, chunk, CHUNK, 200, NULL) != FOSSC_OK)
      sent_ok = 0; /* closed on us (or not reading): expected */
    if (off % (CHUNK * 8) == 0) {
      const char *l = fossc_t_ask(&good, "SEARCH china");
      if (!starts_with(l, "OK total=") || read_hits(&good) < 0) {
        free(chunk);
        CHECK_MSG(0, "good client not answered while garbage flows");
      }
    }
  }
  free(chunk);
  CHECK(fossc_t_closed(&bad, 5000));
  CHECK_STR(fossc_t_ask(&good, "PING"), "PONG");
  fossc_t_close(&bad);
  fossc_t_close(&good);
}

TEST(silent_clients_do_not_block) {
  fossc_t_conn idle, half, good;
  CHECK(fossc_t_connect(&idle, daemon_.port) == 0);
  CHECK(fossc_t_connect(&half, daemon_.port) == 0);
  CHECK(fossc_t_send(&half, "SEARCH chi", (size_t)-1) == 0); /* no \n */
  CHECK(fossc_t_connect(&good, daemon_.port) == 0);
  for (int i = 0; i < 5; i++) {
    CHECK(starts_with(fossc_t_ask(&good, "SEARCH china"), "OK total="));
    CHECK(read_hits(&good) >= 0);
  }
  /* The half line completes later and is answered. */
  CHECK(fossc_t_send(&half, "na\n", (size_t)-1) == 0);
  CHECK(starts_with(fossc_t_line(&half, FOSSC_T_REPLY_MS), "OK total="));
  fossc_t_close(&idle);
  fossc_t_close(&half);
  fossc_t_close(&good);
}

TEST(non_reading_client_is_bounded) {
  fossc_t_conn hog, good;
  CHECK(fossc_t_connect(&hog, daemon_.port) == 0);
  CHECK(fossc_t_connect(&good, daemon_.port) == 0);
  CHECK_STR(fossc_t_ask(&good, "PING"), "PONG");
  unsigned long rss0 = fossc_t_daemon_rss_kb(&daemon_);
  /* Each request asks for a large reply; none is read. */
  const char *req = "SEARCH format=json limit=100 snippets=1 explain=1 china\n";
  size_t rl = strlen(req);
  fossc_buf b = FOSSC_BUF_INIT;
  for (int i = 0; i < 2000; i++) fossc_buf_append(&b, req, rl);
  CHECK(!b.oom);
  size_t sent = 0;
  for (int round = 0; round < 20; round++) {
    /* Short timeouts: once the daemon stops reading, sends stall. */
    if (fossc_net_write_all(hog.fd, b.data, b.len, 100, NULL) != FOSSC_OK) break;
    sent += b.len;
  }
  fossc_buf_free(&b);
  for (int i = 0; i < 5; i++) {
    CHECK(starts_with(fossc_t_ask(&good, "SEARCH china"), "OK total="));
    CHECK(read_hits(&good) >= 0);
  }
  unsigned long rss1 = fossc_t_daemon_rss_kb(&daemon_);
  if (getenv("FOSSC_T_VERBOSE")) fprintf(stderr, "  rss %lu -> %lu KiB, sent %zu\n", rss0, rss1, sent);
  /* Growth is bounded by FOSSC_MAX_OUTPUT + FOSSC_MAX_INPUT per connection
  ** plus allocator slack; unbounded buffering would be ~20x the input. */
  CHECK_MSG(rss1 < rss0 + 64 * 1024, "rss %lu -> %lu KiB (sent %zu bytes)", rss0,
            rss1, sent);
  fossc_t_close(&hog);
  CHECK_STR(fossc_t_ask(&good, "PING"), "PONG");
  fossc_t_close(&good);
}

/* Points CURRENT of dir at `name` atomically. */
static int set_current(const char *dir, const char *name) {
  char tmpf[FOSSC_T_PATH + 32], cur[FOSSC_T_PATH + 32];
  snprintf(tmpf, sizeof tmpf, "%s/CURRENT.tmp", dir);
  snprintf(cur, sizeof cur, "%s/CURRENT", dir);
  FILE *f = fopen(tmpf, "w");
  if (!f) return -1;
  fprintf(f, "%s\n", name);
  if (fclose(f) != 0) return -1;
  return rename(tmpf, cur);
}

/* Reads the generation name in dir/CURRENT into out. */
static int get_current(const char *dir, char *out, size_t cap) {
  char cur[FOSSC_T_PATH + 32];
  snprintf(cur, sizeof cur, "%s/CURRENT", dir);
  FILE *f = fopen(cur, "r");
  if (!f) return -1;
  int ok = fgets(out, (int)cap, f) != NULL;
  fclose(f);
  if (!ok) return -1;
  out[strcspn(out, "\r\n")] = '\0';
  return 0;
}

/* Copies src to dst, overwriting `n` bytes at the middle with 0xA5. */
static int copy_corrupted(const char *src, const char *dst, size_t n) {
  FILE *in = fopen(src, "rb"), *out = in ? fopen(dst, "wb") : NULL;
  if (!out) {
    if (in) fclose(in);
    return -1;
  }
  fseek(in, 0, SEEK_END);
  long size = ftell(in);
  fseek(in, 0, SEEK_SET);
  long at = size / 2;
  for (long i = 0; i < size; i++) {
    int ch = fgetc(in);
    if (ch == EOF) break;
    if (i >= at && i < at + (long)n) ch = 0xA5;
    fputc(ch, out);
  }
  fclose(in);
  return fclose(out) == 0 ? 0 : -1;
}

TEST(reload_good_and_corrupt) {
  fossc_t_conn c;
  CHECK(fossc_t_connect(&c, daemon_.port) == 0);
  /* A rebuilt index (a new generation) is picked up. */
  CHECK(fossc_t_build_index(fossc_t_corpus(), index_dir) == 0);
  const char *l = fossc_t_ask(&c, "RELOAD");
  CHECK_MSG(starts_with(l, "OK reloaded docs="), "%s", l ? l : "(none)");
  CHECK(atoi(l + strlen("OK reloaded docs=")) > 0);
  /* A corrupted generation is refused; the old index keeps serving. */
  char good[256], bad_path[FOSSC_T_PATH + 300], good_path[FOSSC_T_PATH + 300];
  CHECK(get_current(index_dir, good, sizeof good) == 0);
  snprintf(good_path, sizeof good_path, "%s/%s", index_dir, good);
  snprintf(bad_path, sizeof bad_path, "%s/fossc-999999.idx", index_dir);
  CHECK(copy_corrupted(good_path, bad_path, 64) == 0);
  CHECK(set_current(index_dir, "fossc-999999.idx") == 0);
  l = fossc_t_ask(&c, "RELOAD");
  CHECK_MSG(starts_with(l, "ERR RELOAD_FAILED "), "%s", l ? l : "(none)");
  CHECK(starts_with(fossc_t_ask(&c, "SEARCH Urumqi"), "OK total=1"));
  CHECK(read_hits(&c) == 1);
  /* SIGHUP takes the same path. */
  CHECK(kill(daemon_.pid, SIGHUP) == 0);
  usleep(200 * 1000);
  CHECK(starts_with(fossc_t_ask(&c, "SEARCH Urumqi"), "OK total="));
  CHECK(read_hits(&c) >= 1);
  /* A truncated file too. */
  CHECK(truncate(bad_path, 100) == 0);
  CHECK(starts_with(fossc_t_ask(&c, "RELOAD"), "ERR RELOAD_FAILED "));
  CHECK(set_current(index_dir, good) == 0);
  unlink(bad_path);
  CHECK(starts_with(fossc_t_ask(&c, "RELOAD"), "OK reloaded docs="));
  CHECK(fossc_t_daemon_alive(&daemon_));
  fossc_buf lg = FOSSC_BUF_INIT;
  fossc_t_daemon_log(&daemon_, &lg);
  int logged = fossc_buf_cstr(&lg) && strstr(lg.data, "SIGHUP") &&
               strstr(lg.data, "failed");
  fossc_buf_free(&lg);
  CHECK(logged);
  fossc_t_close(&c);
}

/* Value of the STATS line `name N` (text form), or -1. */
static long long stat_value(fossc_t_conn *c, const char *name) {
  long long v = -1;
  const char *l = fossc_t_ask(c, "STATS");
  if (!l || strcmp(l, "OK") != 0) return -1;
  size_t n = strlen(name);
  for (;;) {
    l = fossc_t_line(c, FOSSC_T_REPLY_MS);
    if (!l) return -1;
    if (!strcmp(l, "END")) return v;
    if (!strncmp(l, name, n) && l[n] == ' ') v = atoll(l + n + 1);
  }
}

/* The reply with its took_us digits removed (the one part a cached reply
** changes). */
static void strip_took(const char *l, char *out, size_t cap) {
  snprintf(out, cap, "%s", l ? l : "");
  char *t = strstr(out, "\"took_us\":");
  if (!t) t = strstr(out, " took_us=");
  if (!t) return;
  char *d = strpbrk(t, "0123456789");
  char *e = d;
  while (e && *e >= '0' && *e <= '9') e++;
  if (d) memmove(d, e, strlen(e) + 1);
}

static int write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fputs(text, f);
  return fclose(f) == 0 ? 0 : -1;
}

TEST(result_cache) {
  /* A daemon of its own: its index is rebuilt from another corpus below. */
  char dir[FOSSC_T_PATH + 16], idx[FOSSC_T_PATH + 32], corpus[FOSSC_T_PATH + 32];
  snprintf(dir, sizeof dir, "%s/cache", tmp);
  snprintf(idx, sizeof idx, "%s/index", dir);
  snprintf(corpus, sizeof corpus, "%s/c.jsonl", dir);
  CHECK(mkdir(dir, 0700) == 0);
  CHECK(write_text(corpus,
                   "{\"id\":\"a\",\"title\":\"Dunhuang\",\"lang\":\"en\",\"body\":"
                   "\"The solar plant near Dunhuang stores heat in molten salt.\"}\n") == 0);
  CHECK(fossc_t_build_index(corpus, idx) == 0);
  fossc_t_daemon d;
  CHECK(fossc_t_daemon_start(&d, dir, idx,
                             (const char *const[]){"--threads", "1", NULL}) == 0);
  fossc_t_conn c;
  CHECK(fossc_t_connect(&c, d.port) == 0);
  char first[4096], again[4096];
  const char *q = "SEARCH format=json limit=5 -- solar zebracache";
  strip_took(fossc_t_ask(&c, q), first, sizeof first);
  CHECK_MSG(starts_with(first, "{\"ok\":true,\"total\":1,"), "%s", first);
  CHECK(stat_value(&c, "cache_hits") == 0);
  /* The same request, options in another order: served from the cache,
  ** byte for byte the same apart from took_us. */
  strip_took(fossc_t_ask(&c, "SEARCH limit=5 format=json -- solar zebracache"),
             again, sizeof again);
  CHECK_STR(again, first);
  CHECK(stat_value(&c, "cache_hits") == 1);
  CHECK(stat_value(&c, "cache_entries") == 1);
  /* Another limit or format is another reply. */
  CHECK(starts_with(fossc_t_ask(&c, "SEARCH format=json limit=6 -- solar zebracache"),
                    "{\"ok\":true,\"total\":1,"));
  CHECK(starts_with(fossc_t_ask(&c, "SEARCH limit=5 -- solar zebracache"), "OK total=1 "));
  CHECK(read_hits(&c) == 1);
  CHECK(stat_value(&c, "cache_hits") == 1);
  /* After a reload the cached reply is never served: the new index has a
  ** second matching document. */
  CHECK(write_text(corpus,
                   "{\"id\":\"a\",\"title\":\"Dunhuang\",\"lang\":\"en\",\"body\":"
                   "\"The solar plant near Dunhuang stores heat in molten salt.\"}\n"
                   "{\"id\":\"b\",\"title\":\"Zebracache\",\"lang\":\"en\",\"body\":"
                   "\"A zebracache is not a solar plant.\"}\n") == 0);
  CHECK(fossc_t_build_index(corpus, idx) == 0);
  CHECK(starts_with(fossc_t_ask(&c, "RELOAD"), "OK reloaded docs=2"));
  strip_took(fossc_t_ask(&c, q), again, sizeof again);
  CHECK_MSG(starts_with(again, "{\"ok\":true,\"total\":2,"), "%s", again);
  CHECK(stat_value(&c, "cache_hits") == 1);
  fossc_t_close(&c);
  int st;
  fossc_t_daemon_stop(&d, SIGTERM, 10000, &st);
  CHECK(st == 0);
  /* --cache-mb 0: nothing is kept. */
  CHECK(fossc_t_daemon_start(&d, dir, idx,
                             (const char *const[]){"--cache-mb", "0", NULL}) == 0);
  CHECK(fossc_t_connect(&c, d.port) == 0);
  CHECK(fossc_t_ask(&c, q) && fossc_t_ask(&c, q));
  long long hits = stat_value(&c, "cache_hits"), max = stat_value(&c, "cache_max_bytes");
  fossc_t_close(&c);
  fossc_t_daemon_stop(&d, SIGTERM, 10000, &st);
  CHECK(hits == 0 && max == 0);
}

TEST(max_conns_and_idle_timeout) {
  fossc_t_daemon d;
  const char *extra[] = {"--max-conns", "2", "--idle-timeout", "1",
                         "--threads", "1", NULL};
  CHECK(fossc_t_daemon_start(&d, tmp, index_dir, extra) == 0);
  fossc_t_conn a, b, c;
  int ok = fossc_t_connect(&a, d.port) == 0 && fossc_t_connect(&b, d.port) == 0;
  ok = ok && fossc_t_ask(&a, "PING") && fossc_t_ask(&b, "PING");
  const char *l = ok && fossc_t_connect(&c, d.port) == 0
                      ? fossc_t_line(&c, FOSSC_T_REPLY_MS)
                      : NULL;
  int rejected = starts_with(l, "ERR UNAVAILABLE too many connections");
  int closed = rejected && fossc_t_closed(&c, 5000);
  fossc_t_close(&c);
  /* Idle connections are closed after 1 s; then there is room again. */
  int a_closed = ok && fossc_t_closed(&a, 5000);
  int b_closed = ok && fossc_t_closed(&b, 5000);
  fossc_t_close(&a);
  fossc_t_close(&b);
  int again = fossc_t_connect(&c, d.port) == 0 &&
              (l = fossc_t_ask(&c, "PING")) && !strcmp(l, "PONG");
  fossc_t_close(&c);
  int st;
  fossc_t_daemon_stop(&d, SIGTERM, 10000, &st);
  CHECK(ok && rejected && closed);
  CHECK(a_closed && b_closed && again);
  CHECK(st == 0);
}

TEST(refuses_to_start) {
  char prog[FOSSC_T_PATH];
  snprintf(prog, sizeof prog, "%s/fossc-searchd", fossc_t_bin());
  char nodir[FOSSC_T_PATH + 32], port[32];
  snprintf(nodir, sizeof nodir, "%s/no-such-index", tmp);
  char *a1[] = {prog, "--index", nodir, "--listen", "127.0.0.1:0", NULL};
  fossc_buf err = FOSSC_BUF_INIT;
  int st;
  CHECK(fossc_t_run(a1, NULL, FOSSC_T_RUN_MS, NULL, &err, &st) == 0);
  int msg1 = fossc_buf_cstr(&err) && strstr(err.data, "cannot open index");
  CHECK(st == 2 && msg1);
  /* The address is taken by the running daemon. */
  snprintf(port, sizeof port, "127.0.0.1:%u", daemon_.port);
  char *a2[] = {prog, "--index", index_dir, "--listen", port, NULL};
  fossc_buf_reset(&err);
  CHECK(fossc_t_run(a2, NULL, FOSSC_T_RUN_MS, NULL, &err, &st) == 0);
  int msg2 = fossc_buf_cstr(&err) && strstr(err.data, "cannot listen");
  fossc_buf_free(&err);
  CHECK(st == 2 && msg2);
}

TEST(sigterm_exits_zero) {
  fossc_t_conn c, idle;
  CHECK(fossc_t_connect(&c, daemon_.port) == 0);
  CHECK(fossc_t_connect(&idle, daemon_.port) == 0);
  /* Requests in flight when SIGTERM arrives are still answered. */
  CHECK(fossc_t_send(&c, "PING\nSEARCH china\nPING\n", (size_t)-1) == 0);
  CHECK_STR(fossc_t_line(&c, FOSSC_T_REPLY_MS), "PONG");
  int st;
  CHECK(fossc_t_daemon_stop(&daemon_, SIGTERM, 10000, &st) == 0);
  CHECK(starts_with(fossc_t_line(&c, FOSSC_T_REPLY_MS), "OK total="));
  CHECK(read_hits(&c) >= 0);
  CHECK_STR(fossc_t_line(&c, FOSSC_T_REPLY_MS), "PONG");
  CHECK(fossc_t_closed(&idle, 2000));
  fossc_t_close(&c);
  fossc_t_close(&idle);
  if (st != 0) {
    fossc_buf lg = FOSSC_BUF_INIT;
    fossc_t_daemon_log(&daemon_, &lg);
    fprintf(stderr, "  daemon log:\n%.*s\n", (int)lg.len, lg.data ? lg.data : "");
    fossc_buf_free(&lg);
  }
  CHECK(st == 0);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  if (fossc_t_tmpdir(tmp, sizeof tmp) == 0) {
    snprintf(index_dir, sizeof index_dir, "%s/index", tmp);
    ready = fossc_t_build_index(fossc_t_corpus(), index_dir) == 0 &&
            fossc_t_daemon_start(&daemon_, tmp, index_dir,
                                 (const char *const[]){"--threads", "2", NULL}) == 0;
  }
  if (!ready) {
    printf("FAIL setup (index build or daemon start)\n");
    fossc_t_rmtree(tmp);
    printf("daemon: 0 passed, 1 failed\n");
    return 1;
  }
  RUN(ping);
  RUN(search_text);
  RUN(pipelining_in_order);
  RUN(search_json);
  RUN(get_document);
  RUN(stats_and_help);
  RUN(errors_keep_connection);
  RUN(too_long_line_closes);
  RUN(too_many_errors_closes);
  RUN(garbage_costs_only_its_client);
  RUN(silent_clients_do_not_block);
  RUN(non_reading_client_is_bounded);
  RUN(reload_good_and_corrupt);
  RUN(result_cache);
  RUN(max_conns_and_idle_timeout);
  RUN(refuses_to_start);
  RUN(sigterm_exits_zero);
  int st;
  if (daemon_.pid > 0) fossc_t_daemon_stop(&daemon_, SIGKILL, 5000, &st);
  fossc_t_rmtree(tmp);
  return TEST_SUMMARY("daemon");
}
