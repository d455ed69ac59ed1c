/* Translation lexicon: builder on synthetic lt-print listings (always run)
** and on the real apertium-eng-spa data (skipped with a message when the
** package or lt-print is missing), reader validation, determinism; the
** lttoolbox binary reader (lexicon_lttb.c) on hand-made transducers and,
** against lt-print itself, on the installed dictionaries.
** FOSSC_LEXICON_SAMPLES=1 prints sample translations of corpus words. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "../harness.h"
#include "lexicon.h"
#include "lexicon_int.h"

#define APERTIUM_DIR "/usr/share/apertium/apertium-eng-spa"

static fossc_analyzer *an;

/* ---- helpers */

/* Appends a path for "in" : "out" to an AT&T listing: one chain of fresh
** states from 0, tags "<...>" as one symbol, ε padding the shorter side. */
static void chain(fossc_buf *att, uint32_t *next_state, const char *in, const char *out) {
  const char *p = in, *q = out;
  uint32_t from = 0;
  while (*p || *q) {
    char a[64] = "\xCE\xB5", b[64] = "\xCE\xB5";
    for (int side = 0; side < 2; side++) {
      const char **s = side ? &q : &p;
      char *dst = side ? b : a;
      if (!**s) continue;
      size_t n = 1;
      if (**s == '<') n = (size_t)(strchr(*s, '>') - *s) + 1;
      else while (((unsigned char)(*s)[n] & 0xC0) == 0x80) n++;
      memcpy(dst, *s, n);
      dst[n] = 0;
      *s += n;
    }
    uint32_t to = (*next_state)++;
    fossc_buf_printf(att, "%u\t%u\t%s\t%s\t0.000000\t\n", from, to, a, b);
    from = to;
  }
  fossc_buf_printf(att, "%u\t0.000000\n", from);
}

static int count_lookup(const fossc_lexicon *lx, fossc_lang from, const char *key,
                        fossc_lexicon_target *out) {
  return (int)fossc_lexicon_lookup(lx, from, key, strlen(key), out, 16);
}

/* Returns the weight of translation `want` of key, or -1 when absent. */
static float has(const fossc_lexicon *lx, fossc_lang from, const char *key, const char *want) {
  fossc_lexicon_target t[16];
  int n = count_lookup(lx, from, key, t);
  for (int i = 0; i < n; i++)
    if (t[i].len == strlen(want) && memcmp(t[i].str, want, t[i].len) == 0) return t[i].weight;
  return -1;
}

static int keep_set(void *ctx, fossc_lang lang, const char *term, size_t len) {
  (void)lang;
  for (const char *const *s = ctx; *s; s++)
    if (strlen(*s) == len && memcmp(*s, term, len) == 0) return 1;
  return 0;
}

/* ---- synthetic listings */

static fossc_buf syn_es, syn_en;

static void make_synthetic(void) {
  if (syn_es.len) return;
  uint32_t st = 1;
  chain(&syn_es, &st, "acero<n><m>", "steel<n>");
  chain(&syn_es, &st, "acera<n><f>", "sidewalk<n>");
  chain(&syn_es, &st, "energía<n><f>", "energy<n>");
  chain(&syn_es, &st, "turismo# rural<n><m>", "rural tourism<n>");
  chain(&syn_es, &st, "solar<adj>", "solar<adj>");
  fossc_buf_printf(&syn_es, "%u\t0\ta\ta\t0.000000\t\n", st - 1); /* a cycle back to 0 */
  chain(&syn_es, &st, "de<pr>", "of<pr>");          /* function word: dropped */
  chain(&syn_es, &st, "siglo 1<n>", "century 1<n>"); /* digits: dropped */
  fossc_buf_puts(&syn_es, "--\n");
  st = 1;
  chain(&syn_es, &st, "ciudad<n><f>", "city<n>");
  uint32_t st2 = 1;
  chain(&syn_en, &st2, "boat<n>", "barco<n><m>");
  chain(&syn_en, &st2, "ship<n>", "barco<n><m>");
}

static int build_syn(fossc_lexicon_keep_fn keep, void *ctx, fossc_buf *blob,
                     fossc_lexicon_info *info) {
  make_synthetic();
  fossc_error err;
  int rc = fossc_lexicon_build_att(an, syn_es.data, syn_es.len, syn_en.data, syn_en.len,
                                   "synthetic 1", keep, ctx, blob, info, &err);
  if (rc) fprintf(stderr, "  build: %s\n", err.msg);
  return rc;
}

TEST(synthetic_build_and_lookup) {
  fossc_buf blob = FOSSC_BUF_INIT;
  fossc_lexicon_info info;
  fossc_lexicon lx;
  fossc_error err;
  CHECK(build_syn(NULL, NULL, &blob, &info) == FOSSC_OK);
  CHECK(fossc_lexicon_open((const uint8_t *)blob.data, blob.len, &lx, &err) == FOSSC_OK);
  CHECK(info.bytes == blob.len);
  CHECK(info.truncated == 0);
  CHECK_STR(info.version, "synthetic 1");
  CHECK(has(&lx, FOSSC_LANG_ES, "=acero", "steel") == 1.0f);
  /* the stem key merges acero and acera */
  CHECK(has(&lx, FOSSC_LANG_ES, "acer", "steel") > 0.7f);
  CHECK(has(&lx, FOSSC_LANG_ES, "acer", "sidewalk") > 0.7f);
  CHECK(has(&lx, FOSSC_LANG_ES, "energ", "energi") == 1.0f);
  CHECK(has(&lx, FOSSC_LANG_ES, "energi", "energi") == 1.0f);
  CHECK(has(&lx, FOSSC_LANG_ES, "=energia", "energi") == 1.0f);
  CHECK(has(&lx, FOSSC_LANG_ES, "turism rural", "rural tourism") == 1.0f);
  fossc_lexicon_target t[4];
  CHECK(count_lookup(&lx, FOSSC_LANG_ES, "turism rural", t) == 1 && t[0].is_phrase);
  /* second section */
  CHECK(has(&lx, FOSSC_LANG_ES, "ciud", "citi") == 1.0f);
  /* identical spellings only under the exact key */
  CHECK(has(&lx, FOSSC_LANG_ES, "=solar", "solar") == 1.0f);
  CHECK(count_lookup(&lx, FOSSC_LANG_ES, "sol", t) == 0);
  CHECK(count_lookup(&lx, FOSSC_LANG_ES, "de", t) == 0);
  CHECK(count_lookup(&lx, FOSSC_LANG_ES, "sigl", t) == 0);
  /* reverse direction: found only by reading spa-eng backwards */
  float w = has(&lx, FOSSC_LANG_EN, "steel", "acer");
  CHECK(w > 0.59f && w < 0.61f);
  /* two forward translations of barco (from eng-spa read backwards) */
  w = has(&lx, FOSSC_LANG_ES, "barc", "boat");
  CHECK(w > 0.42f && w < 0.43f); /* 0.6 / sqrt(2) */
  CHECK(has(&lx, FOSSC_LANG_EN, "boat", "barc") == 1.0f);
  CHECK(count_lookup(&lx, FOSSC_LANG_EN, "nonexist", t) == 0);
  CHECK(count_lookup(&lx, FOSSC_LANG_UNKNOWN, "steel", t) == 0);
  CHECK(fossc_lexicon_lookup(&lx, FOSSC_LANG_EN, "steel", 5, t, 0) == 0);
  fossc_buf j = FOSSC_BUF_INIT;
  fossc_lexicon_info_json(&lx, &j);
  CHECK(strstr(fossc_buf_cstr(&j), "\"sources\":\"synthetic 1\"") != NULL);
  fossc_buf_free(&j);
  fossc_buf_free(&blob);
}

TEST(synthetic_keep_filters_targets_not_sources) {
  static const char *const kept[] = {"sidewalk", "energi", NULL};
  fossc_buf blob = FOSSC_BUF_INIT;
  fossc_lexicon_info info;
  fossc_lexicon lx;
  fossc_error err;
  CHECK(build_syn(keep_set, (void *)kept, &blob, &info) == FOSSC_OK);
  CHECK(fossc_lexicon_open((const uint8_t *)blob.data, blob.len, &lx, &err) == FOSSC_OK);
  fossc_lexicon_target t[4];
  CHECK(count_lookup(&lx, FOSSC_LANG_ES, "=acero", t) == 0);
  CHECK(count_lookup(&lx, FOSSC_LANG_ES, "acer", t) == 1);
  CHECK(t[0].len == 8 && memcmp(t[0].str, "sidewalk", 8) == 0);
  /* the weight still counts the dropped alternative: 1/sqrt(2) */
  CHECK(t[0].weight > 0.70f && t[0].weight < 0.71f);
  CHECK(has(&lx, FOSSC_LANG_ES, "energ", "energi") == 1.0f);
  CHECK(count_lookup(&lx, FOSSC_LANG_ES, "turism rural", t) == 0);
  CHECK(info.dropped_targets > 0);
  fossc_buf_free(&blob);
}

TEST(synthetic_deterministic) {
  fossc_buf a = FOSSC_BUF_INIT, b = FOSSC_BUF_INIT;
  CHECK(build_syn(NULL, NULL, &a, NULL) == FOSSC_OK);
  CHECK(build_syn(NULL, NULL, &b, NULL) == FOSSC_OK);
  CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
  fossc_buf_free(&a);
  fossc_buf_free(&b);
}

TEST(open_rejects_damage) {
  fossc_buf blob = FOSSC_BUF_INIT;
  fossc_lexicon lx;
  fossc_error err;
  CHECK(build_syn(NULL, NULL, &blob, NULL) == FOSSC_OK);
  const uint8_t *p = (const uint8_t *)blob.data;
  for (size_t n = 0; n < blob.len; n++)
    CHECK_MSG(fossc_lexicon_open(p, n, &lx, &err) != FOSSC_OK, "prefix %zu", n);
  uint8_t *m = malloc(blob.len + 1);
  memcpy(m, p, blob.len);
  m[blob.len] = 0;
  CHECK(fossc_lexicon_open(m, blob.len + 1, &lx, &err) == FOSSC_ERR_CORRUPT);
  m[8] = 9; /* version */
  CHECK(fossc_lexicon_open(m, blob.len, &lx, &err) == FOSSC_ERR_VERSION);
  m[8] = FOSSC_LEXICON_VERSION;
  /* first key's string offset past the pool */
  memcpy(m + FOSSC_LEXICON_HEADER_BYTES, "\xff\xff\xff\x7f", 4);
  CHECK(fossc_lexicon_open(m, blob.len, &lx, &err) == FOSSC_ERR_CORRUPT);
  memcpy(m, p, blob.len);
  /* first key's target count past the table */
  memcpy(m + FOSSC_LEXICON_HEADER_BYTES + 8, "\xff\x00", 2);
  CHECK(fossc_lexicon_open(m, blob.len, &lx, &err) == FOSSC_ERR_CORRUPT);
  memcpy(m, p, blob.len);
  /* keys out of order: swap the first two key records */
  uint8_t tmp[FOSSC_LEXICON_KEY_BYTES];
  uint8_t *k0 = m + FOSSC_LEXICON_HEADER_BYTES, *k1 = k0 + FOSSC_LEXICON_KEY_BYTES;
  memcpy(tmp, k0, sizeof tmp);
  memcpy(k0, k1, sizeof tmp);
  memcpy(k1, tmp, sizeof tmp);
  CHECK(fossc_lexicon_open(m, blob.len, &lx, &err) == FOSSC_ERR_CORRUPT);
  /* every single-byte change either opens (and lookups stay in bounds) or
  ** is refused */
  for (size_t i = 0; i < blob.len; i++) {
    memcpy(m, p, blob.len);
    m[i] ^= 0x5a;
    if (fossc_lexicon_open(m, blob.len, &lx, &err) == FOSSC_OK) {
      fossc_lexicon_target t[16];
      fossc_lexicon_lookup(&lx, FOSSC_LANG_ES, "acer", 4, t, 16);
      fossc_lexicon_lookup(&lx, FOSSC_LANG_EN, "steel", 5, t, 16);
    }
  }
  free(m);
  CHECK(fossc_lexicon_open(NULL, 0, &lx, &err) == FOSSC_ERR_ARG);
  fossc_buf_free(&blob);
}

TEST(malformed_listings) {
  fossc_buf blob = FOSSC_BUF_INIT;
  fossc_error err;
  const char *bad = "0\t1\ta\n";
  CHECK(fossc_lexicon_build_att(an, bad, strlen(bad), NULL, 0, NULL, NULL, NULL, &blob,
                                NULL, &err) == FOSSC_ERR_INPUT);
  bad = "0\tx\ta\ta\t0\n";
  CHECK(fossc_lexicon_build_att(an, bad, strlen(bad), NULL, 0, NULL, NULL, NULL, &blob,
                                NULL, &err) == FOSSC_ERR_INPUT);
  /* empty listings: a valid, empty lexicon */
  fossc_lexicon lx;
  CHECK(fossc_lexicon_build_att(an, NULL, 0, "", 0, NULL, NULL, NULL, &blob, NULL, &err) ==
        FOSSC_OK);
  CHECK(fossc_lexicon_open((const uint8_t *)blob.data, blob.len, &lx, &err) == FOSSC_OK);
  fossc_lexicon_target t[2];
  CHECK(count_lookup(&lx, FOSSC_LANG_ES, "acer", t) == 0);
  fossc_buf_free(&blob);
}

TEST(missing_package_is_notfound) {
  fossc_buf blob = FOSSC_BUF_INIT;
  fossc_error err;
  CHECK(fossc_lexicon_build(an, "/nonexistent/apertium", NULL, NULL, &blob, NULL, &err) ==
        FOSSC_ERR_NOTFOUND);
  CHECK(strstr(err.msg, "monolingual") != NULL);
  fossc_buf_free(&blob);
}

/* ---- lttoolbox binaries (lexicon_lttb.c) */

/* lttoolbox's compressed int: 1-4 bytes, the top two bits of the first
** give the number of bytes that follow. */
static void put_cint(fossc_buf *b, uint32_t v) {
  if (v < 0x40) {
    fossc_buf_putc(b, (char)v);
  } else if (v < 0x4000) {
    fossc_buf_putc(b, (char)(0x40 | (v >> 8)));
    fossc_buf_putc(b, (char)(v & 0xff));
  } else if (v < 0x400000) {
    fossc_buf_putc(b, (char)(0x80 | (v >> 16)));
    fossc_buf_putc(b, (char)((v >> 8) & 0xff));
    fossc_buf_putc(b, (char)(v & 0xff));
  } else {
    fossc_buf_putc(b, (char)(0xc0 | (v >> 24)));
    fossc_buf_putc(b, (char)((v >> 16) & 0xff));
    fossc_buf_putc(b, (char)((v >> 8) & 0xff));
    fossc_buf_putc(b, (char)(v & 0xff));
  }
}

/* A weight m / 2^30 * 2^e: each part one int, or two when it has 26 bits
** or more (the high part tagged with bit 26). */
static void put_wpart(fossc_buf *b, uint32_t v) {
  if (v < 0x04000000) {
    put_cint(b, v);
  } else {
    put_cint(b, (v >> 26) | 0x04000000);
    put_cint(b, v & 0x03ffffff);
  }
}

static void put_weight(fossc_buf *b, uint32_t mantissa, uint32_t exponent) {
  put_wpart(b, mantissa);
  put_wpart(b, exponent);
}

static void put_cstr(fossc_buf *b, const char *ascii) {
  put_cint(b, (uint32_t)strlen(ascii));
  for (const char *c = ascii; *c; c++) put_cint(b, (uint8_t)*c);
}

/* A small transducer file: tags <n> and <m>; pairs 0 ε:ε, 1 a:b, 2 <n>:<n>,
** 3 é:<m> (a 2-byte letter); section "main@standard" with states 0-3,
** finals 2 and 3 (joined by lt-print into a new state 4). file_features and
** td_features go in the LTTB / LTTD headers; weighted adds weights. */
/* Feature flags as lttoolbox 3.7.1 stores them: 8 bytes, big-endian. */
static void put_be64(fossc_buf *b, uint64_t v) {
  for (int i = 7; i >= 0; i--) fossc_buf_putc(b, (char)(v >> (8 * i)));
}

static void make_lttb(fossc_buf *b, uint64_t file_features, uint64_t td_features) {
  fossc_buf_reset(b);
  fossc_buf_append(b, "LTTB", 4);
  put_be64(b, file_features);
  put_cint(b, 0); /* letters */
  put_cint(b, 2);
  put_cstr(b, "n");
  put_cstr(b, "m");
  const int32_t pairs[4][2] = {{0, 0}, {'a', 'b'}, {-1, -1}, {0xE9, -2}};
  put_cint(b, 4);
  for (int i = 0; i < 4; i++)
    for (int k = 0; k < 2; k++) put_cint(b, (uint32_t)(pairs[i][k] + 2));
  put_cint(b, 1); /* sections */
  put_cstr(b, "main@standard");
  fossc_buf_append(b, "LTTD", 4);
  put_be64(b, td_features);
  int w = (td_features & 1) != 0;
  put_cint(b, 0); /* initial */
  put_cint(b, 2); /* finals 2, 3 */
  put_cint(b, 2);
  if (w) put_weight(b, 0x20000000, 1); /* 0.5 * 2 = 1 */
  put_cint(b, 1);
  if (w) put_weight(b, 0, 0);
  put_cint(b, 4); /* states */
  put_cint(b, 1); /* state 0: a:b -> 1 */
  put_cint(b, 1);
  put_cint(b, 1);
  if (w) put_weight(b, 0x30000000, 0); /* 0.75 */
  put_cint(b, 2); /* state 1: a:b -> 2, é:<m> -> 3 */
  put_cint(b, 1);
  put_cint(b, 1);
  if (w) put_weight(b, 0, 0);
  put_cint(b, 2);
  put_cint(b, 2);
  if (w) put_weight(b, 0, 0);
  put_cint(b, 1); /* state 2: <n>:<n> -> 2 (a loop) */
  put_cint(b, 2);
  put_cint(b, 0);
  if (w) put_weight(b, 0, 0);
  put_cint(b, 0); /* state 3 */
}

static const char lttb_expected[] =
    "0\t1\ta\tb\t0.000000\t\n"
    "1\t2\ta\tb\t0.000000\t\n"
    "1\t3\t\xC3\xA9\t<m>\t0.000000\t\n"
    "2\t4\t\xCE\xB5\t\xCE\xB5\t0.000000\t\n"
    "2\t2\t<n>\t<n>\t0.000000\t\n"
    "3\t4\t\xCE\xB5\t\xCE\xB5\t0.000000\t\n"
    "4\t0.000000\n";

static const char lttb_expected_weighted[] =
    "0\t1\ta\tb\t0.750000\t\n"
    "1\t2\ta\tb\t0.000000\t\n"
    "1\t3\t\xC3\xA9\t<m>\t0.000000\t\n"
    "2\t4\t\xCE\xB5\t\xCE\xB5\t1.000000\t\n"
    "2\t2\t<n>\t<n>\t0.000000\t\n"
    "3\t4\t\xCE\xB5\t\xCE\xB5\t0.000000\t\n"
    "4\t0.000000\n";

TEST(lttb_small_transducers) {
  fossc_buf bin = FOSSC_BUF_INIT, out = FOSSC_BUF_INIT;
  fossc_error err;
  make_lttb(&bin, 0, 0);
  int rc = fossc_lttb_listing((const uint8_t *)bin.data, bin.len, "t", &out, &err);
  CHECK_MSG(rc == FOSSC_OK, "%s", err.msg);
  CHECK(out.len == strlen(lttb_expected) && memcmp(out.data, lttb_expected, out.len) == 0);
  make_lttb(&bin, 0, 1);
  CHECK(fossc_lttb_listing((const uint8_t *)bin.data, bin.len, "t", &out, &err) == FOSSC_OK);
  CHECK(out.len == strlen(lttb_expected_weighted) &&
        memcmp(out.data, lttb_expected_weighted, out.len) == 0);
  /* layouts this reader does not know: the caller falls back to lt-print */
  make_lttb(&bin, 1, 0); /* mmap layout */
  CHECK(fossc_lttb_listing((const uint8_t *)bin.data, bin.len, "t", &out, &err) ==
        FOSSC_ERR_VERSION);
  CHECK(strstr(err.msg, "feature flags") != NULL);
  make_lttb(&bin, 4, 0);
  CHECK(fossc_lttb_listing((const uint8_t *)bin.data, bin.len, "t", &out, &err) ==
        FOSSC_ERR_VERSION);
  make_lttb(&bin, 0, 2);
  CHECK(fossc_lttb_listing((const uint8_t *)bin.data, bin.len, "t", &out, &err) ==
        FOSSC_ERR_VERSION);
  fossc_buf_free(&bin);
  fossc_buf_free(&out);
}

/* Every strict prefix is an error (never a crash); every byte flip either
** parses or is an error, and what parses is a listing the builder accepts
** or refuses cleanly. */
static void damage(const uint8_t *p, size_t len, size_t prefix_step, size_t flip_step) {
  fossc_buf out = FOSSC_BUF_INIT, blob = FOSSC_BUF_INIT;
  fossc_error err;
  for (size_t n = 0; n < len; n += prefix_step) {
    int rc = fossc_lttb_listing(p, n, "t", &out, &err);
    CHECK_MSG(rc == FOSSC_ERR_CORRUPT || rc == FOSSC_ERR_LIMIT, "prefix %zu: %d", n, rc);
  }
  uint8_t *m = malloc(len);
  uint32_t seed = 12345;
  for (size_t i = 0; i < len; i += flip_step) {
    memcpy(m, p, len);
    seed = seed * 1103515245u + 12345u;
    m[i] ^= (uint8_t)(1u << (seed >> 16) % 8);
    int rc = fossc_lttb_listing(m, len, "t", &out, &err);
    CHECK_MSG(rc == FOSSC_OK || rc == FOSSC_ERR_CORRUPT || rc == FOSSC_ERR_LIMIT ||
                  rc == FOSSC_ERR_VERSION,
              "flip at %zu: %d", i, rc);
    if (rc == FOSSC_OK && len < 4096) {
      rc = fossc_lexicon_build_att(an, out.data, out.len, NULL, 0, NULL, NULL, NULL, &blob,
                                   NULL, &err);
      CHECK_MSG(rc == FOSSC_OK || rc == FOSSC_ERR_INPUT || rc == FOSSC_ERR_LIMIT,
                "build after flip at %zu: %d", i, rc);
    }
  }
  free(m);
  fossc_buf_free(&out);
  fossc_buf_free(&blob);
}

TEST(lttb_damage_is_an_error) {
  fossc_buf bin = FOSSC_BUF_INIT;
  make_lttb(&bin, 0, 1);
  damage((const uint8_t *)bin.data, bin.len, 1, 1);
  fossc_buf_free(&bin);
  fossc_buf out = FOSSC_BUF_INIT;
  fossc_error err;
  CHECK(fossc_lttb_listing(NULL, 0, "t", &out, &err) == FOSSC_ERR_CORRUPT);
  CHECK(fossc_lttb_listing(NULL, 5, "t", &out, &err) == FOSSC_ERR_ARG);
  CHECK(fossc_lttb_read_listing("/nonexistent/x.bin", &out, &err) == FOSSC_ERR_NOTFOUND);
  fossc_buf_free(&out);
}

/* A dictionary directory whose eng-spa file has the mmap layout: the build
** falls back to lt-print for it (lt-print 3.7.1 cannot read it either, so
** the build fails naming lt-print; without lt-print it is NOTFOUND). */
TEST(lttb_unknown_layout_falls_back_to_lt_print) {
  char dir[] = "/tmp/fossc-lttb-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  fossc_buf bin = FOSSC_BUF_INIT, blob = FOSSC_BUF_INIT;
  char path[256];
  for (int i = 0; i < 2; i++) {
    make_lttb(&bin, i ? 1 : 0, 0);
    snprintf(path, sizeof path, "%s/%s", dir, i ? "eng-spa.autobil.bin" : "spa-eng.autobil.bin");
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(bin.data, 1, bin.len, f) == bin.len);
    if (f) fclose(f);
  }
  fossc_error err;
  int rc = fossc_lexicon_build(an, dir, NULL, NULL, &blob, NULL, &err);
  CHECK_MSG(rc == FOSSC_ERR_IO || rc == FOSSC_ERR_NOTFOUND, "rc %d: %s", rc, err.msg);
  CHECK(strstr(err.msg, "lt-print") != NULL);
  for (int i = 0; i < 2; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, i ? "eng-spa.autobil.bin" : "spa-eng.autobil.bin");
    unlink(path);
  }
  rmdir(dir);
  fossc_buf_free(&bin);
  fossc_buf_free(&blob);
}

/* ---- the real dictionaries */

static int real_state; /* 0 not tried, 1 built, -1 unavailable */
static fossc_buf real_blob;
static fossc_lexicon real_lx;
static fossc_lexicon_info real_info;

static int real(void) {
  if (real_state) return real_state > 0;
  real_state = -1;
  fossc_error err;
  int rc = fossc_lexicon_build(an, NULL, NULL, NULL, &real_blob, &real_info, &err);
  if (rc == FOSSC_ERR_NOTFOUND) {
    printf("SKIP apertium tests: %s\n", err.msg);
    return 0;
  }
  if (rc != FOSSC_OK) {
    fprintf(stderr, "  build failed: %s\n", err.msg);
    real_state = -2;
    return 0;
  }
  if (fossc_lexicon_open((const uint8_t *)real_blob.data, real_blob.len, &real_lx, &err)) {
    fprintf(stderr, "  open failed: %s\n", err.msg);
    real_state = -2;
    return 0;
  }
  real_state = 1;
  printf("  apertium lexicon: %.2f s, %llu bytes, keys en %u es %u (phrases %u/%u, "
         "exact %u/%u), targets %u/%u, sources \"%s\"\n",
         (double)real_info.build_us / 1e6, (unsigned long long)real_info.bytes,
         real_info.keys[FOSSC_LANG_EN], real_info.keys[FOSSC_LANG_ES],
         real_info.phrase_keys[FOSSC_LANG_EN], real_info.phrase_keys[FOSSC_LANG_ES],
         real_info.exact_keys[FOSSC_LANG_EN], real_info.exact_keys[FOSSC_LANG_ES],
         real_info.targets[FOSSC_LANG_EN], real_info.targets[FOSSC_LANG_ES],
         real_lx.sources);
  return 1;
}

#define REAL_OR_SKIP() \
  do {                 \
    if (!real()) {     \
      CHECK(real_state != -2); \
      return;          \
    }                  \
  } while (0)

TEST(apertium_translations) {
  REAL_OR_SKIP();
  const fossc_lexicon *lx = &real_lx;
  CHECK(real_info.truncated == 0);
  CHECK(has(lx, FOSSC_LANG_ES, "=acero", "steel") > 0);
  CHECK(has(lx, FOSSC_LANG_ES, "acer", "steel") > 0);
  CHECK(has(lx, FOSSC_LANG_ES, "energ", "energi") > 0);  /* energía */
  CHECK(has(lx, FOSSC_LANG_ES, "energi", "energi") > 0); /* energia */
  CHECK(has(lx, FOSSC_LANG_ES, "murall", "wall") > 0);
  CHECK(has(lx, FOSSC_LANG_ES, "ciud", "citi") > 0);
  CHECK(has(lx, FOSSC_LANG_ES, "=ciudad", "citi") > 0);
  CHECK(has(lx, FOSSC_LANG_EN, "steel", "acer") > 0);
  CHECK(has(lx, FOSSC_LANG_EN, "citi", "ciud") > 0);
  CHECK(has(lx, FOSSC_LANG_EN, "=hotel", "hotel") > 0);
  /* multi-word entries: turismo rural <-> rural tourism */
  fossc_lexicon_target t[16];
  CHECK(has(lx, FOSSC_LANG_ES, "turism rural", "rural tourism") > 0);
  CHECK(has(lx, FOSSC_LANG_EN, "rural tourism", "turism rural") > 0);
  int n = count_lookup(lx, FOSSC_LANG_EN, "rural tourism", t);
  CHECK(n > 0 && t[0].weight > 0);
  CHECK(count_lookup(lx, FOSSC_LANG_ES, "zzzqx", t) == 0);
  CHECK(count_lookup(lx, FOSSC_LANG_EN, "turism", t) == 0 ||
        has(lx, FOSSC_LANG_EN, "turism", "turism") < 0);
  for (int lang = FOSSC_LANG_EN; lang <= FOSSC_LANG_ES; lang++) {
    CHECK(real_info.keys[lang] > 10000);
    CHECK(real_info.phrase_keys[lang] > 1000);
  }
}

/* Runs lt-print directly and rebuilds from its text: the same bytes as the
** real build (determinism across runs and across the two entry points). */
static int read_cmd(const char *cmd, fossc_buf *out) {
  FILE *f = popen(cmd, "r");
  if (!f) return -1;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) fossc_buf_append(out, buf, n);
  return pclose(f) == 0 && !out->oom ? 0 : -1;
}

static fossc_buf lt_es, lt_en;

TEST(apertium_deterministic_and_filtered) {
  REAL_OR_SKIP();
  CHECK(read_cmd("lt-print " APERTIUM_DIR "/spa-eng.autobil.bin", &lt_es) == 0);
  CHECK(read_cmd("lt-print " APERTIUM_DIR "/eng-spa.autobil.bin", &lt_en) == 0);
  char sources[128];
  snprintf(sources, sizeof sources, "%s", real_lx.sources);
  fossc_buf b = FOSSC_BUF_INIT;
  fossc_error err;
  CHECK(fossc_lexicon_build_att(an, lt_es.data, lt_es.len, lt_en.data, lt_en.len, sources,
                                NULL, NULL, &b, NULL, &err) == FOSSC_OK);
  CHECK(b.len == real_blob.len && memcmp(b.data, real_blob.data, b.len) == 0);
  /* an index that holds only a few terms */
  static const char *const kept[] = {"steel", "citi", "wall", "energi", "acer", "ciud",
                                     "rural", "tourism", NULL};
  fossc_lexicon_info info;
  fossc_lexicon lx;
  CHECK(fossc_lexicon_build_att(an, lt_es.data, lt_es.len, lt_en.data, lt_en.len, sources,
                                keep_set, (void *)kept, &b, &info, &err) == FOSSC_OK);
  CHECK(fossc_lexicon_open((const uint8_t *)b.data, b.len, &lx, &err) == FOSSC_OK);
  fossc_lexicon_target t[16];
  CHECK(count_lookup(&lx, FOSSC_LANG_ES, "=acero", t) == 1);
  CHECK(t[0].len == 5 && memcmp(t[0].str, "steel", 5) == 0);
  CHECK(count_lookup(&lx, FOSSC_LANG_ES, "ciud", t) == 1); /* town dropped */
  CHECK(has(&lx, FOSSC_LANG_ES, "murall", "wall") > 0);
  CHECK(has(&lx, FOSSC_LANG_ES, "turism rural", "rural tourism") > 0);
  CHECK(has(&lx, FOSSC_LANG_EN, "steel", "acer") > 0);
  CHECK(count_lookup(&lx, FOSSC_LANG_EN, "=hotel", t) == 0);
  CHECK(info.dropped_targets > 0);
  CHECK(b.len < real_blob.len / 20);
  fossc_buf_free(&b);
}

/* The two-step build (prepare while the corpus is indexed, finish after)
** gives the one-step build's bytes, filtered or not; a prepared lexicon is
** finished once. */
TEST(apertium_prepare_then_finish) {
  REAL_OR_SKIP();
  static const char *const kept[] = {"steel", "citi", "wall", "energi", "acer", "ciud",
                                     "rural", "tourism", NULL};
  fossc_buf one = FOSSC_BUF_INIT, two = FOSSC_BUF_INIT;
  fossc_error err;
  fossc_lexicon_info info1, info2;
  CHECK(fossc_lexicon_build(an, NULL, keep_set, (void *)kept, &one, &info1, &err) == FOSSC_OK);
  fossc_lexicon_prep *p = NULL;
  CHECK(fossc_lexicon_prepare(an, NULL, &p, &err) == FOSSC_OK && p);
  CHECK(fossc_lexicon_finish(p, keep_set, (void *)kept, &two, &info2, &err) == FOSSC_OK);
  CHECK(one.len == two.len && memcmp(one.data, two.data, one.len) == 0);
  CHECK(info1.keys[FOSSC_LANG_ES] == info2.keys[FOSSC_LANG_ES] &&
        info1.dropped_targets == info2.dropped_targets && info2.build_us > 0);
  CHECK(fossc_lexicon_finish(p, keep_set, (void *)kept, &two, &info2, &err) == FOSSC_ERR_ARG);
  fossc_lexicon_prep_free(p);
  fossc_lexicon_prep_free(NULL);
  CHECK(fossc_lexicon_prepare(an, "/nonexistent/apertium", &p, &err) == FOSSC_ERR_NOTFOUND &&
        p == NULL);
  fossc_buf_free(&one);
  fossc_buf_free(&two);
}

/* The one cache file in dir (its path into out); 0 when not exactly one. */
static int cache_file(const char *dir, char *out, size_t n) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "ls %s/lexicon-*.bin 2>/dev/null", dir);
  fossc_buf o = FOSSC_BUF_INIT;
  int ok = read_cmd(cmd, &o) == 0 && o.len > 0 && memchr(o.data, '\n', o.len) == o.data + o.len - 1;
  if (ok) snprintf(out, n, "%.*s", (int)o.len - 1, o.data);
  fossc_buf_free(&o);
  return ok;
}

/* Prepares through the cache in dir and finishes with the `kept` filter. */
static int cached_blob(const char *dir, const char *const *kept, fossc_buf *out,
                       fossc_lexicon_info *info) {
  fossc_lexicon_prep *p = NULL;
  fossc_error err;
  int rc = fossc_lexicon_prepare_cached(an, NULL, dir, &p, &err);
  if (rc == FOSSC_OK)
    rc = fossc_lexicon_finish(p, kept ? keep_set : NULL, (void *)kept, out, info, &err);
  fossc_lexicon_prep_free(p);
  return rc;
}

static int write_bytes(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  int rc = fwrite(p, 1, n, f) == n ? 0 : -1;
  return fclose(f) == 0 ? rc : -1;
}

/* Parses saved bytes; FOSSC_OK only with a builder, freed here. */
static int parse_cache(const uint8_t *p, size_t n) {
  fossc_lexicon_info info;
  char version[64];
  int lt;
  fossc_error err;
  struct builder *b = NULL;
  memset(&info, 0, sizeof info);
  int rc = fossc_lexcache_parse(p, n, NULL, &info, version, sizeof version, &lt, &err, &b);
  if ((rc == FOSSC_OK) != (b != NULL)) rc = -100;
  fossc_lexicon_builder_free(b);
  return rc;
}

/* Rewrites the trailing checksum, so that a change reaches the checks
** behind it. */
static void reseal(uint8_t *p, size_t n) {
  uint64_t h = XXH3_64bits(p, n - 8);
  for (int i = 0; i < 8; i++) p[n - 8 + i] = (uint8_t)(h >> (8 * i));
}

/* A prepared lexicon read back from the cache finishes into the very bytes
** a build from the dictionaries gives; a damaged or foreign cache file is
** refused, rebuilt and replaced; a cache that cannot be written is no
** error. */
TEST(apertium_prepare_cached) {
  REAL_OR_SKIP();
  static const char *const kept[] = {"steel", "citi", "wall", "energi", "acer", "ciud",
                                     "rural", "tourism", "energy", "solar", NULL};
  char dir[] = "/tmp/fossc-lexcache-XXXXXX", file[700];
  CHECK(mkdtemp(dir) != NULL);
  fossc_buf ref = FOSSC_BUF_INIT, got = FOSSC_BUF_INIT, raw = FOSSC_BUF_INIT;
  fossc_error err;
  fossc_lexicon_info info;
  CHECK(fossc_lexicon_build(an, NULL, keep_set, (void *)kept, &ref, &info, &err) == FOSSC_OK);
  CHECK(info.cached == 0);
  /* a miss prepares and saves; a hit reads it back */
  CHECK(cached_blob(dir, kept, &got, &info) == FOSSC_OK && info.cached == 0);
  CHECK(got.len == ref.len && memcmp(got.data, ref.data, ref.len) == 0);
  CHECK(cache_file(dir, file, sizeof file));
  CHECK(cached_blob(dir, kept, &got, &info) == FOSSC_OK && info.cached == 1);
  CHECK(got.len == ref.len && memcmp(got.data, ref.data, ref.len) == 0);
  CHECK(info.lemma_pairs[FOSSC_LANG_ES] > 0 && strcmp(info.version, "unknown") != 0);
  /* unfiltered, too */
  fossc_buf all = FOSSC_BUF_INIT;
  CHECK(fossc_lexicon_build(an, NULL, NULL, NULL, &all, NULL, &err) == FOSSC_OK);
  CHECK(cached_blob(dir, NULL, &got, &info) == FOSSC_OK && info.cached == 1);
  CHECK(got.len == all.len && memcmp(got.data, all.data, all.len) == 0);
  fossc_buf_free(&all);

  CHECK(fossc_read_file(file, 64u << 20, &raw, &err) == FOSSC_OK);
  const uint8_t *p = (const uint8_t *)raw.data;
  size_t n = raw.len;
  CHECK(parse_cache(p, n) == FOSSC_OK);
  /* damage: prefixes and bit flips are refused */
  uint8_t *m = malloc(n);
  for (size_t k = 0; k < n; k += n / 61 + 1) CHECK_MSG(parse_cache(p, k) != FOSSC_OK, "prefix %zu", k);
  uint32_t seed = 99;
  for (size_t i = 0; i < n; i += n / 97 + 1) {
    memcpy(m, p, n);
    seed = seed * 1103515245u + 12345u;
    m[i] ^= (uint8_t)(1u << (seed >> 16) % 8);
    CHECK_MSG(parse_cache(m, n) != FOSSC_OK, "flip at %zu", i);
  }
  /* checksum made right again: the checks behind it still refuse, each
  ** with its own reason */
  uint32_t nstr = fossc_rd32(p + 48), vlen = fossc_rd32(p + 52);
  uint64_t nents = fossc_rd64(p + 56), slen = fossc_rd64(p + 64);
  size_t strs = 72 + vlen, ents = strs + (size_t)slen;
  CHECK(nstr > 2 && nents > 2 && ents + nents * 16 + 8 == n);
  memcpy(m, p, n);
  m[ents + 16 + 4] = 0x7f; /* second entry: key rank far out of range */
  reseal(m, n);
  CHECK(parse_cache(m, n) == FOSSC_ERR_CORRUPT);
  memcpy(m, p, n);
  memcpy(m + ents, p + ents + 16, 16); /* first two entries swapped */
  memcpy(m + ents + 16, p + ents, 16);
  reseal(m, n);
  CHECK(memcmp(p + ents, p + ents + 16, 16) == 0 || parse_cache(m, n) == FOSSC_ERR_CORRUPT);
  memcpy(m, p, n);
  m[strs + 1 + p[strs]] = 0xff; /* second string's length: past the section */
  reseal(m, n);
  CHECK(parse_cache(m, n) == FOSSC_ERR_CORRUPT);
  memcpy(m, p, n);
  m[strs + 1] = 0x7e; /* first string now sorts after the second */
  reseal(m, n);
  CHECK(parse_cache(m, n) == FOSSC_ERR_CORRUPT);
  memcpy(m, p, n);
  m[60] ^= 1; /* entries count */
  reseal(m, n);
  CHECK(parse_cache(m, n) == FOSSC_ERR_CORRUPT);
  memcpy(m, p, n);
  m[8] = 9; /* format version */
  CHECK(parse_cache(m, n) == FOSSC_ERR_VERSION);
  /* a damaged file is rebuilt, giving the same bytes, and replaced */
  memcpy(m, p, n);
  m[n / 2] ^= 0x10;
  CHECK(write_bytes(file, m, n) == 0);
  CHECK(cached_blob(dir, kept, &got, &info) == FOSSC_OK && info.cached == 0);
  CHECK(got.len == ref.len && memcmp(got.data, ref.data, ref.len) == 0);
  CHECK(cached_blob(dir, kept, &got, &info) == FOSSC_OK && info.cached == 1);
  CHECK(write_bytes(file, p, n / 3) == 0); /* truncated */
  CHECK(cached_blob(dir, kept, &got, &info) == FOSSC_OK && info.cached == 0);
  CHECK(got.len == ref.len && memcmp(got.data, ref.data, ref.len) == 0);
  free(m);
  /* a cache folder that cannot be created: built as without a cache */
  CHECK(cached_blob("/proc/fossc-no-such-dir/cache", kept, &got, &info) == FOSSC_OK &&
        info.cached == 0);
  CHECK(got.len == ref.len && memcmp(got.data, ref.data, ref.len) == 0);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  CHECK(system(cmd) == 0);
  fossc_buf_free(&ref);
  fossc_buf_free(&got);
  fossc_buf_free(&raw);
}

/* The direct reader's listings equal lt-print's, byte for byte, on the
** installed dictionaries; damaged copies give errors, never crashes. */
TEST(apertium_lttb_equals_lt_print) {
  static const char *const files[2] = {APERTIUM_DIR "/spa-eng.autobil.bin",
                                       APERTIUM_DIR "/eng-spa.autobil.bin"};
  if (access(files[0], R_OK) || access(files[1], R_OK)) {
    printf("SKIP lttb vs lt-print: apertium-eng-spa is not installed\n");
    return;
  }
  if (system("command -v lt-print >/dev/null 2>&1") != 0) {
    printf("SKIP lttb vs lt-print: lt-print (lttoolbox) is not installed\n");
    return;
  }
  fossc_buf *lt[2] = {&lt_es, &lt_en};
  for (int i = 0; i < 2; i++) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "lt-print %s", files[i]);
    if (lt[i]->len == 0) CHECK(read_cmd(cmd, lt[i]) == 0);
    fossc_buf mine = FOSSC_BUF_INIT;
    fossc_error err;
    CHECK(fossc_lttb_read_listing(files[i], &mine, &err) == FOSSC_OK);
    CHECK_MSG(mine.len == lt[i]->len && memcmp(mine.data, lt[i]->data, mine.len) == 0,
              "%s: %zu bytes, lt-print %zu", files[i], mine.len, lt[i]->len);
    fossc_buf_free(&mine);
  }
  /* damage: a sample of prefixes and of single-bit flips of the real file */
  FILE *f = fopen(files[0], "rb");
  CHECK(f != NULL);
  if (!f) return;
  fossc_buf bin = FOSSC_BUF_INIT;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) fossc_buf_append(&bin, buf, n);
  fclose(f);
  damage((const uint8_t *)bin.data, bin.len, bin.len / 97 + 1, bin.len / 53 + 1);
  fossc_buf_free(&bin);
}

static void sample(fossc_lang lang, const char *word) {
  fossc_buf plain = FOSSC_BUF_INIT, term = FOSSC_BUF_INIT, key = FOSSC_BUF_INIT;
  fossc_fold_plain(word, strlen(word), &plain);
  fossc_buf_putc(&key, FOSSC_LEXICON_EXACT_PREFIX);
  fossc_buf_append(&key, plain.data, plain.len);
  fossc_analyzer_term(an, lang, word, strlen(word), &term);
  const char *keys[2] = {fossc_buf_cstr(&key), term.data};
  printf("  %s %-11s", fossc_lang_name(lang), word);
  for (int k = 0; k < 2; k++) {
    fossc_lexicon_target t[16];
    uint32_t n = fossc_lexicon_lookup(&real_lx, lang, keys[k], strlen(keys[k]), t, 16);
    printf(" | %s:", keys[k]);
    for (uint32_t i = 0; i < n && i < 6; i++)
      printf(" %s%s %.2f", t[i].str, t[i].is_phrase ? "(phrase)" : "", t[i].weight);
  }
  printf("\n");
  fossc_buf_free(&plain);
  fossc_buf_free(&term);
  fossc_buf_free(&key);
}

TEST(apertium_samples) {
  if (!getenv("FOSSC_LEXICON_SAMPLES")) return;
  REAL_OR_SKIP();
  static const char *const es[] = {"ciudad", "acero", "energía", "muralla", "turismo",
                                   "rojo", "revolución", "barco", "solar", "desierto"};
  static const char *const en[] = {"steel", "wall", "city", "boat", "desert",
                                   "red", "tourism", "robot", "hotel", "food"};
  for (size_t i = 0; i < 10; i++) sample(FOSSC_LANG_ES, es[i]);
  for (size_t i = 0; i < 10; i++) sample(FOSSC_LANG_EN, en[i]);
}

int main(void) {
  fossc_error err;
  if (fossc_analyzer_create(&an, &err)) return 1;
  RUN(synthetic_build_and_lookup);
  RUN(synthetic_keep_filters_targets_not_sources);
  RUN(synthetic_deterministic);
  RUN(open_rejects_damage);
  RUN(malformed_listings);
  RUN(missing_package_is_notfound);
  RUN(lttb_small_transducers);
  RUN(lttb_damage_is_an_error);
  RUN(lttb_unknown_layout_falls_back_to_lt_print);
  RUN(apertium_translations);
  RUN(apertium_deterministic_and_filtered);
  RUN(apertium_prepare_then_finish);
  RUN(apertium_prepare_cached);
  RUN(apertium_lttb_equals_lt_print);
  RUN(apertium_samples);
  fossc_buf_free(&real_blob);
  fossc_buf_free(&lt_es);
  fossc_buf_free(&lt_en);
  fossc_buf_free(&syn_es);
  fossc_buf_free(&syn_en);
  fossc_analyzer_free(an);
  return TEST_SUMMARY("lexicon");
}
