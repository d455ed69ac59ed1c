/* Writer/reader round trip against a reference model, determinism,
** atomic replacement, and refusal of corrupt or truncated files. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../harness.h"
#include "../lib/itest.h"
#include <xxhash.h>

#include "format.h"
#include "index.h"
#include "postings.h"
#include "reader.h"
#include "search.h"

#define NDOCS 700 /* > 5 postings blocks for common words */

static char tmpdir[256];

/* Document i: words w<k> for every k dividing i (1..12), so the reference
** answer for "w<k>" is {i : i % k == 0}; plus a per-document unique word. */
static void make_doc(uint32_t i, char *id, char *title, char *body) {
  sprintf(id, "doc-%u", i);
  sprintf(title, "Title %u zeta%u", i, i % 7);
  char *p = body;
  for (int k = 1; k <= 12; k++)
    if (i % k == 0) p += sprintf(p, "w%c%c ", 'a' + k, 'a' + k);
  sprintf(p, "unique%c%c%c end of document.", 'a' + i % 26, 'a' + (i / 26) % 26,
          'a' + (i / 676) % 26);
}

static int build(const char *dir, uint32_t n) {
  fossc_writer *w;
  fossc_error err = {0};
  if (fossc_writer_create(NULL, &w, &err)) return -1;
  char id[64], title[64], body[512];
  for (uint32_t i = 0; i < n; i++) {
    make_doc(i, id, title, body);
    fossc_doc d = {id, title, "test", body, strlen(id), strlen(title), 4,
                   strlen(body), FOSSC_LANG_EN};
    if (fossc_writer_add(w, &d, &err)) {
      fossc_writer_free(w);
      return -1;
    }
  }
  int rc = fossc_writer_finish(w, dir, NULL, &err);
  if (rc) fprintf(stderr, "  finish: %s\n", err.msg);
  fossc_writer_free(w);
  return rc;
}


static void write_file(const char *path, const char *data, size_t len) {
  FILE *f = fopen(path, "wb");
  fwrite(data, 1, len, f);
  fclose(f);
}


TEST(round_trip_matches_model) {
  char dir[300];
  snprintf(dir, sizeof dir, "%s/a", tmpdir);
  CHECK(build(dir, NDOCS) == 0);
  fossc_index *ix;
  fossc_error err = {0};
  CHECK_MSG(fossc_index_open(dir, &ix, &err) == 0, "%s", err.msg);
  CHECK(fossc_index_doc_count(ix) == NDOCS);
  fossc_searcher *s;
  CHECK(fossc_searcher_create(&s, &err) == 0);
  for (int k = 1; k <= 12; k++) {
    char q[16];
    sprintf(q, "w%c%c", 'a' + k, 'a' + k);
    fossc_search_req r = {q, strlen(q), FOSSC_MAX_LIMIT, 0, 0, 0, 0};
    fossc_results res;
    CHECK(fossc_search(s, ix, &r, &res, &err) == 0);
    uint32_t expect = (NDOCS + k - 1) / k;
    CHECK_MSG(res.total == expect, "w%d: total %llu want %u", k,
              (unsigned long long)res.total, expect);
    for (uint32_t h = 0; h < res.count; h++) {
      unsigned d;
      CHECK(sscanf(res.hits[h].id, "doc-%u", &d) == 1);
      CHECK(d % k == 0);
    }
  }
  /* required + excluded: multiples of 2 but not of 3 */
  const char *q = "+wcc -wdd";
  fossc_search_req r = {q, strlen(q), FOSSC_MAX_LIMIT, 0, 0, 0, 0};
  fossc_results res;
  CHECK(fossc_search(s, ix, &r, &res, &err) == 0);
  uint32_t want = 0;
  for (uint32_t i = 0; i < NDOCS; i++) want += (i % 2 == 0 && i % 3 != 0);
  CHECK(res.total == want);
  /* stored fields and lookup by id */
  fossc_buf scratch = FOSSC_BUF_INIT;
  fossc_docview v;
  CHECK(fossc_index_doc(ix, 123, &scratch, &v, &err) == 0);
  CHECK_STR(v.id, "doc-123");
  CHECK_STR(v.title, "Title 123 zeta4");
  CHECK(strstr(v.body, "end of document.") != NULL);
  uint32_t dn;
  CHECK(fossc_index_find_id(ix, "doc-456", 7, &dn) == 0 && dn == 456);
  CHECK(fossc_index_find_id(ix, "doc-999999", 10, &dn) == FOSSC_ERR_NOTFOUND);
  CHECK(fossc_index_doc(ix, NDOCS, &scratch, &v, &err) == FOSSC_ERR_NOTFOUND);
  fossc_buf_free(&scratch);
  fossc_searcher_free(s);
  fossc_index_free(ix);
}

TEST(same_input_same_bytes) {
  char a[300], b[300], fa[400], fb[400];
  snprintf(a, sizeof a, "%s/det1", tmpdir);
  snprintf(b, sizeof b, "%s/det2", tmpdir);
  CHECK(build(a, 300) == 0 && build(b, 300) == 0);
  fossc_t_current_file(a, fa, sizeof fa);
  fossc_t_current_file(b, fb, sizeof fb);
  size_t la, lb;
  char *x = fossc_t_read_file(fa, &la), *y = fossc_t_read_file(fb, &lb);
  int same = x && y && la == lb && memcmp(x, y, la) == 0;
  free(x);
  free(y);
  CHECK(same);
}

TEST(rebuild_switches_generation) {
  char dir[300], f1[400], f2[400];
  snprintf(dir, sizeof dir, "%s/gen", tmpdir);
  CHECK(build(dir, 50) == 0);
  fossc_t_current_file(dir, f1, sizeof f1);
  fossc_index *old;
  fossc_error err = {0};
  CHECK(fossc_index_open(dir, &old, &err) == 0);
  CHECK(build(dir, 60) == 0);
  fossc_t_current_file(dir, f2, sizeof f2);
  CHECK(strcmp(f1, f2) != 0);
  /* The old mapping still answers after the switch (a reader in flight). */
  fossc_buf scratch = FOSSC_BUF_INIT;
  fossc_docview v;
  CHECK(fossc_index_doc(old, 49, &scratch, &v, &err) == 0);
  CHECK_STR(v.id, "doc-49");
  fossc_buf_free(&scratch);
  fossc_index_free(old);
  fossc_index *nw;
  CHECK(fossc_index_open(dir, &nw, &err) == 0);
  CHECK(fossc_index_doc_count(nw) == 60);
  fossc_index_free(nw);
}

TEST(failed_build_keeps_old_index) {
  char dir[300];
  snprintf(dir, sizeof dir, "%s/keep", tmpdir);
  CHECK(build(dir, 40) == 0);
  /* Make the folder unwritable: the new generation cannot be created. */
  if (geteuid() == 0) {
    /* root ignores permissions: simulate with a file where CURRENT.tmp goes */
    char p[400];
    snprintf(p, sizeof p, "%s/CURRENT.tmp", dir);
    mkdir(p, 0755);
    int rc = build(dir, 45);
    rmdir(p);
    CHECK(rc == FOSSC_ERR_IO);
  } else {
    chmod(dir, 0555);
    int rc = build(dir, 45);
    chmod(dir, 0755);
    CHECK(rc == FOSSC_ERR_IO);
  }
  fossc_index *ix;
  fossc_error err = {0};
  CHECK(fossc_index_open(dir, &ix, &err) == 0);
  CHECK(fossc_index_doc_count(ix) == 40);
  fossc_index_free(ix);
}

TEST(corruption_is_refused_with_section) {
  char dir[300], f[400];
  snprintf(dir, sizeof dir, "%s/corrupt", tmpdir);
  CHECK(build(dir, 200) == 0);
  fossc_t_current_file(dir, f, sizeof f);
  size_t len;
  char *orig = fossc_t_read_file(f, &len);
  CHECK(orig != NULL);
  fossc_index *ix;
  fossc_error err = {0};
  /* One flipped byte in each section is refused, naming that section. */
  uint32_t nsec = fossc_rd32((const uint8_t *)orig + 12);
  for (uint32_t i = 0; i < nsec; i++) {
    const uint8_t *e = (const uint8_t *)orig + FOSSC_HEADER_BYTES + i * 32;
    uint64_t off = fossc_rd64(e + 8), slen = fossc_rd64(e + 16);
    if (slen == 0) continue;
    char *bad = malloc(len);
    memcpy(bad, orig, len);
    bad[off + slen / 2] ^= 0x5a;
    write_file(f, bad, len);
    free(bad);
    int rc = fossc_index_open(dir, &ix, &err);
    char name[9] = {0};
    memcpy(name, e, 8);
    CHECK_MSG(rc == FOSSC_ERR_CORRUPT, "section %s accepted", name);
    CHECK_MSG(strstr(err.msg, name) != NULL, "%s lacks %s", err.msg, name);
  }
  /* Truncation, bad magic, future version, garbage header. */
  write_file(f, orig, len / 2);
  CHECK(fossc_index_open(dir, &ix, &err) == FOSSC_ERR_CORRUPT);
  CHECK(strstr(err.msg, "truncated") != NULL);
  write_file(f, orig, 10);
  CHECK(fossc_index_open(dir, &ix, &err) == FOSSC_ERR_CORRUPT);
  write_file(f, "", 0);
  CHECK(fossc_index_open(dir, &ix, &err) == FOSSC_ERR_CORRUPT);
  char *bad = malloc(len);
  memcpy(bad, orig, len);
  bad[8] = 99;
  write_file(f, bad, len);
  CHECK(fossc_index_open(dir, &ix, &err) == FOSSC_ERR_VERSION);
  memcpy(bad, orig, len);
  bad[0] = 'X';
  write_file(f, bad, len);
  CHECK(fossc_index_open(dir, &ix, &err) == FOSSC_ERR_CORRUPT);
  /* Restored: opens again. */
  write_file(f, orig, len);
  free(bad);
  free(orig);
  CHECK(fossc_index_open(dir, &ix, &err) == 0);
  fossc_index_free(ix);
  /* Missing index and a CURRENT that names something else. */
  char cur[400];
  snprintf(cur, sizeof cur, "%s/CURRENT", dir);
  write_file(cur, "../../etc/passwd\n", 17);
  CHECK(fossc_index_open(dir, &ix, &err) == FOSSC_ERR_CORRUPT);
  CHECK(fossc_index_open("/nonexistent-fossc", &ix, &err) == FOSSC_ERR_NOTFOUND);
}

/* Indexes of older formats (the committed tests/golden/v1, and v2, without
** position skips) are refused with a message that says what to do. */
TEST(old_golden_formats_refused) {
  for (int v = 1; v <= 2; v++) {
    char dir[32], want[64];
    snprintf(dir, sizeof dir, "tests/golden/v%d", v);
    snprintf(want, sizeof want, "index format %d; rebuild with this fossc-index", v);
    fossc_index *ix = NULL;
    fossc_error err = {0};
    CHECK(fossc_index_open(dir, &ix, &err) == FOSSC_ERR_VERSION);
    CHECK(ix == NULL);
    CHECK_MSG(strstr(err.msg, want), "v%d: %s", v, err.msg);
  }
}

/* The committed golden index (format version 3) still opens and answers,
** and today's writer reproduces it byte for byte from its corpus. */
TEST(golden_v3) {
  fossc_index *ix;
  fossc_error err = {0};
  CHECK_MSG(fossc_index_open("tests/golden/v3", &ix, &err) == 0, "%s", err.msg);
  fossc_searcher *s;
  CHECK(fossc_searcher_create(&s, &err) == 0);
  fossc_search_req r = {"energía", strlen("energía"), 10, 0, 0, 1, 0};
  fossc_results res;
  CHECK(fossc_search(s, ix, &r, &res, &err) == 0);
  CHECK(res.total == 3); /* energía, energy, energia */
  CHECK_STR(res.hits[0].id, "es-1");
  /* "salt" is in 21 documents with 9 positions each: its block ends with a
  ** position skip table, and the phrase reads documents 16-20 of the block
  ** through it. The 16 documents holding "salt tanks" in the corpus text: */
  static const char *const tanks[] = {"01", "04", "05", "06", "07", "08", "09", "10",
                                      "11", "14", "15", "16", "17", "18", "19", "20"};
  fossc_search_req rp = {"\"salt tanks\"", strlen("\"salt tanks\""), 20, 0, 0, 0, 0, 1};
  CHECK(fossc_search(s, ix, &rp, &res, &err) == 0);
  CHECK(res.total == 16 && res.count == 16);
  for (uint32_t i = 0; i < 16; i++) {
    int found = 0;
    for (uint32_t h = 0; h < res.count; h++) {
      char want[16];
      snprintf(want, sizeof want, "en-salt-%s", tanks[i]);
      found |= !strcmp(res.hits[h].id, want);
    }
    CHECK_MSG(found, "en-salt-%s missing", tanks[i]);
  }
  /* Every title is "Salt log N": the first position of each document. */
  rp.query = "\"salt log\"";
  rp.query_len = strlen(rp.query);
  CHECK(fossc_search(s, ix, &rp, &res, &err) == 0);
  CHECK_MSG(res.total == 20, "\"salt log\": %llu", (unsigned long long)res.total);
  fossc_searcher_free(s);
  fossc_index_free(ix);
  /* Rebuild from the golden corpus: the same bytes (regenerate with
  ** `make golden` after an intended format change, and bump the version). */
  char dir[300], cmd[700], fa[400], fb[400];
  snprintf(dir, sizeof dir, "%s/golden", tmpdir);
  const char *bin = getenv("BIN") ? getenv("BIN") : "bin";
  snprintf(cmd, sizeof cmd, "%s/fossc-index build tests/golden/corpus.jsonl -o %s --quiet --no-translation",
           bin, dir);
  CHECK(system(cmd) == 0);
  fossc_t_current_file("tests/golden/v3", fa, sizeof fa);
  fossc_t_current_file(dir, fb, sizeof fb);
  size_t la, lb;
  char *x = fossc_t_read_file(fa, &la), *y = fossc_t_read_file(fb, &lb);
  int same = x && y && la == lb && memcmp(x, y, la) == 0;
  free(x);
  free(y);
  CHECK_MSG(same, "%s differs from %s", fb, fa);
}

/* ------------------------------------------------- postings codec, v2 */
#define CODEC_DOCS 2000

static uint32_t codec_title[CODEC_DOCS], codec_body[CODEC_DOCS];

/* Document k of a synthetic list: every `step`-th document from `first`;
** tf_title 0 mostly (the one-byte tf code), sometimes 1..3; tf_body
** 0..200 (a two-byte code); positions 3, 10, 17, ... */
static void codec_doc(uint32_t k, uint32_t first, uint32_t step, uint32_t *d,
                      uint32_t *tt, uint32_t *tb) {
  *d = first + k * step;
  *tt = k % 7 == 3 ? k % 3 + 1 : 0;
  *tb = (k * 37) % 201;
  if (*tt + *tb == 0) *tb = 1;
}

static void codec_stream(fossc_buf *raw, uint32_t df, uint32_t first,
                         uint32_t step) {
  uint32_t prev = UINT32_MAX;
  for (uint32_t k = 0; k < df; k++) {
    uint32_t d, tt, tb;
    codec_doc(k, first, step, &d, &tt, &tb);
    fossc_buf_put_varint(raw, d - prev - 1);
    prev = d;
    fossc_buf_put_varint(raw, tt);
    fossc_buf_put_varint(raw, tb);
    for (uint32_t j = 0; j < tt + tb; j++) fossc_buf_put_varint(raw, j ? 7 : 3);
  }
}

TEST(postings_round_trip_short_and_long) {
  for (uint32_t d = 0; d < CODEC_DOCS; d++) {
    codec_title[d] = 3 + d % 5;
    codec_body[d] = 100 + d % 900;
  }
  fossc_norms_view nv = {codec_body, (const uint16_t *)NULL, 550, 5};
  uint16_t tl[CODEC_DOCS];
  for (uint32_t d = 0; d < CODEC_DOCS; d++) tl[d] = (uint16_t)codec_title[d];
  nv.title_len = tl;
  ZSTD_CCtx *cc = ZSTD_createCCtx();
  ZSTD_DCtx *dc = ZSTD_createDCtx();
  /* df 1 and 128: one block (short form); 129 and 700: long form. */
  static const uint32_t dfs[] = {1, 2, 128, 129, 700};
  for (size_t t = 0; t < sizeof dfs / sizeof dfs[0]; t++) {
    uint32_t df = dfs[t], first = 5, step = df > 500 ? 2 : 3;
    fossc_buf raw = FOSSC_BUF_INIT, out = FOSSC_BUF_INIT, sc = FOSSC_BUF_INIT;
    codec_stream(&raw, df, first, step);
    CHECK(fossc_postings_encode((const uint8_t *)raw.data, raw.len, df, &nv,
                                cc, 3, &sc, &out) == FOSSC_OK);
    fossc_postings_hdr h;
    CHECK(fossc_postings_head((const uint8_t *)out.data, out.len, df, &h) == 0);
    CHECK_MSG(h.nblocks == (df + FOSSC_BLOCK_DOCS - 1) / FOSSC_BLOCK_DOCS,
              "df %u: %u blocks", df, h.nblocks);
    CHECK(h.last == first + (df - 1) * step);
    if (df == 1) /* head, max byte, doc, tf code, 1 position */
      CHECK_MSG(out.len == 5, "df 1 list is %zu bytes", out.len);
    fossc_pcursor c = {0};
    fossc_pcursor_open(&c, (const uint8_t *)out.data, out.len, df, dc);
    for (uint32_t k = 0; k < df; k++) {
      uint32_t d, tt, tb;
      codec_doc(k, first, step, &d, &tt, &tb);
      CHECK_MSG(c.doc == d && !c.corrupt, "df %u doc %u: got %u", df, k, c.doc);
      CHECK(c.tft[c.i] == tt && c.tfb[c.i] == tb);
      float w = fossc_bm25f_w(tt, tb, tl[d], codec_body[d], 5, 550);
      float bm = fossc_pcursor_block_max(&c);
      CHECK_MSG(bm >= w, "block max %f below %f", bm, w);
      /* One document: its own saturation, rounded up to 1/255. */
      if (df == 1) CHECK_MSG(bm <= w + 1.0f / 255, "%f for %f", bm, w);
      const uint32_t *pos;
      CHECK(fossc_pcursor_positions(&c, &pos) == tt + tb);
      CHECK(pos[0] == 3 && (tt + tb < 2 || pos[1] == 10));
      fossc_pcursor_next(&c);
    }
    CHECK(c.doc == FOSSC_DOC_END && !c.corrupt);
    /* Seeking: into the middle, across blocks, past the end. */
    fossc_pcursor_open(&c, (const uint8_t *)out.data, out.len, df, dc);
    uint32_t target = first + (df / 2) * step + 1;
    uint32_t want = df / 2 + 1 < df ? first + (df / 2 + 1) * step : FOSSC_DOC_END;
    CHECK(fossc_pcursor_seek(&c, target) == want);
    CHECK(fossc_pcursor_seek(&c, first + df * step) == FOSSC_DOC_END);
    CHECK(!c.corrupt);
    /* Every truncation and a wrong df are refused without reading past the
    ** list (ASan runs this too). */
    for (size_t cut = 0; cut < out.len; cut++) {
      uint8_t *copy = malloc(cut ? cut : 1);
      memcpy(copy, out.data, cut);
      fossc_pcursor_open(&c, copy, cut, df, dc);
      while (c.doc != FOSSC_DOC_END) {
        const uint32_t *pos;
        fossc_pcursor_positions(&c, &pos);
        fossc_pcursor_next(&c);
      }
      free(copy);
    }
    fossc_pcursor_open(&c, (const uint8_t *)out.data, out.len, df + 1, dc);
    while (c.doc != FOSSC_DOC_END) fossc_pcursor_next(&c);
    if (h.nblocks == 1) CHECK(c.corrupt);
    fossc_pcursor_release(&c);
    fossc_buf_free(&raw);
    fossc_buf_free(&out);
    fossc_buf_free(&sc);
  }
  ZSTD_freeCCtx(cc);
  ZSTD_freeDCtx(dc);
}

/* Rewrites the section and header checksums of a file image. */
static void fix_checksums(uint8_t *m, size_t len) {
  uint32_t n = fossc_rd32(m + 12);
  for (uint32_t i = 0; i < n; i++) {
    uint8_t *e = m + FOSSC_HEADER_BYTES + i * FOSSC_SECTION_ENTRY_BYTES;
    uint64_t off = fossc_rd64(e + 8), l = fossc_rd64(e + 16), h;
    if (off > len || l > len - off) continue;
    h = XXH64(m + off, l, 0);
    for (int k = 0; k < 8; k++) e[24 + k] = (uint8_t)(h >> (8 * k));
  }
  XXH64_state_t *x = XXH64_createState();
  XXH64_reset(x, 0);
  XXH64_update(x, m, 40);
  XXH64_update(x, m + FOSSC_HEADER_BYTES,
               FOSSC_MAX_SECTIONS * FOSSC_SECTION_ENTRY_BYTES);
  uint64_t h = XXH64_digest(x);
  XXH64_freeState(x);
  for (int k = 0; k < 8; k++) m[40 + k] = (uint8_t)(h >> (8 * k));
}

static uint8_t *section_of(uint8_t *m, const char *name, uint64_t *len) {
  uint32_t n = fossc_rd32(m + 12);
  for (uint32_t i = 0; i < n; i++) {
    uint8_t *e = m + FOSSC_HEADER_BYTES + i * FOSSC_SECTION_ENTRY_BYTES;
    if (strncmp((const char *)e, name, 8) == 0) {
      *len = fossc_rd64(e + 16);
      return m + fossc_rd64(e + 8);
    }
  }
  return NULL;
}

/* Files with valid checksums whose records point outside their sections
** are refused at open, naming the section. */
TEST(crafted_records_refused) {
  char dir[300], f[400];
  snprintf(dir, sizeof dir, "%s/crafted", tmpdir);
  CHECK(build(dir, 200) == 0);
  fossc_t_current_file(dir, f, sizeof f);
  size_t len;
  char *orig = fossc_t_read_file(f, &len);
  CHECK(orig != NULL);
  uint8_t *m = malloc(len);
  fossc_index *ix;
  fossc_error err = {0};
  enum { SENTINEL, STROFF, POST_PAST, STR_PAST, DF_SHORT, LAST_DOC, WSTR_LEN,
         WORD_TERM, NCASES };
  static const char *want[NCASES] = {"TERMS", "TERMS", "TERMS", "TERMS",
                                     "POSTS", "POSTS", "WORDS", "WORDS"};
  for (int k = 0; k < NCASES; k++) {
    memcpy(m, orig, len);
    uint64_t tl, pl, wl, sl;
    uint8_t *terms = section_of(m, "TERMS", &tl);
    uint8_t *posts = section_of(m, "POSTS", &pl);
    uint8_t *words = section_of(m, "WORDS", &wl);
    uint8_t *wstr = section_of(m, "WSTR", &sl);
    CHECK(terms && posts && words && wstr);
    uint32_t nterms = (uint32_t)(tl / FOSSC_TERM_ENTRY_BYTES) - 1;
    /* The last real term: a document's unique word, a one-block list. */
    uint8_t *e = terms + (size_t)(nterms - 1) * FOSSC_TERM_ENTRY_BYTES;
    const uint8_t *list = posts + fossc_rd32(e + 8);
    switch (k) {
    case SENTINEL: /* the sentinel's postings offset past POSTS */
      e[FOSSC_TERM_ENTRY_BYTES + 8]++;
      break;
    case STROFF: /* a term string that runs backwards */
      e[0] = 0xff;
      e[1] = 0xff;
      break;
    case POST_PAST: /* term 1's list far past POSTS: term 0's end too */
      terms[FOSSC_TERM_ENTRY_BYTES + 12] = 1;
      break;
    case STR_PAST: /* term 1's string far past TSTR: term 0's end too */
      terms[FOSSC_TERM_ENTRY_BYTES + 3] = 0x10;
      break;
    case DF_SHORT: /* a one-block list claiming more than a block */
      CHECK(list[0] == 2 || list[0] == 3);
      e[4] = FOSSC_BLOCK_DOCS + 1;
      break;
    case LAST_DOC: /* a one-block list's last document past the last */
      CHECK(list[0] == 2 || list[0] == 3);
      posts[fossc_rd32(e + 8) + 2] = 0xff; /* 16383 */
      posts[fossc_rd32(e + 8) + 3] = 0x7f;
      break;
    case WSTR_LEN: /* the last word's length runs past WSTR */
      wstr[fossc_rd32(words + wl - FOSSC_WORD_ENTRY_BYTES)] = 0xff;
      break;
    case WORD_TERM: /* a word naming the sentinel as its term */
      words[4] = (uint8_t)nterms;
      words[5] = (uint8_t)(nterms >> 8);
      words[6] = words[7] = 0;
      break;
    }
    fix_checksums(m, len);
    write_file(f, (const char *)m, len);
    int rc = fossc_index_open(dir, &ix, &err);
    CHECK_MSG(rc == FOSSC_ERR_CORRUPT, "case %d accepted", k);
    CHECK_MSG(strstr(err.msg, want[k]) != NULL, "case %d: %s", k, err.msg);
  }
  write_file(f, orig, len);
  CHECK(fossc_index_open(dir, &ix, &err) == 0);
  fossc_index_free(ix);
  free(m);
  free(orig);
}

/* Term and word strings and lists come back through the accessors. */
TEST(dictionary_accessors) {
  char dir[300];
  snprintf(dir, sizeof dir, "%s/a", tmpdir); /* built by round_trip */
  fossc_index *ix;
  fossc_error err = {0};
  CHECK(fossc_index_open(dir, &ix, &err) == 0);
  uint32_t t = fossc_ix_find_term(ix, "wcc", 3);
  CHECK(t != FOSSC_HTAB_EMPTY);
  uint32_t len;
  const char *s = fossc_ix_term_str(ix, t, &len);
  CHECK(len == 3 && memcmp(s, "wcc", 3) == 0);
  CHECK(fossc_ix_term_df(ix, t) == NDOCS / 2);
  size_t pl;
  const uint8_t *p = fossc_ix_term_postings(ix, t, &pl);
  fossc_postings_hdr h;
  CHECK(fossc_postings_head(p, pl, NDOCS / 2, &h) == 0 && h.nblocks == 3);
  uint32_t w = fossc_ix_word_lower_bound(ix, "uniqueaba", 9);
  s = fossc_ix_word_str(ix, w, &len);
  CHECK(len == 9 && memcmp(s, "uniqueaba", 9) == 0);
  s = fossc_ix_term_str(ix, fossc_ix_word_term(ix, w), &len);
  CHECK(len >= 6 && memcmp(s, "unique", 6) == 0);
  fossc_index_free(ix);
}

/* fossc_ix_word_lower_bound (through the fences) against a binary search
** of all of WORDS, for every word, the word with a byte more, a byte less,
** its last byte raised or lowered, and odd strings: the 700 "uniqueXYZ"
** words share their first 8 bytes 26 at a time, across fences. */
TEST(word_lookup_agrees_with_full_search) {
  char dir[300];
  snprintf(dir, sizeof dir, "%s/a", tmpdir); /* built by round_trip */
  fossc_index *ix;
  fossc_error err = {0};
  CHECK(fossc_index_open(dir, &ix, &err) == 0);
  uint32_t nw = ix->nwords, probes = 0, bad = 0;
  CHECK(nw > 4 * FOSSC_WORD_FENCE_STEP);
  for (uint32_t w = 0; w < nw; w++) {
    uint32_t len;
    const char *ws = fossc_ix_word_str(ix, w, &len);
    char q[300];
    for (int v = 0; v < TEST_VARIANTS; v++) {
      size_t n = test_variant(q, ws, len, v);
      uint32_t a = fossc_ix_word_lower_bound(ix, q, n);
      uint32_t b = fossc_ix_word_lower_bound_in(ix, 0, nw, q, n);
      probes++;
      if (a != b && bad++ < 5) printf("  \"%.*s\": %u, want %u\n", (int)n, q, a, b);
    }
  }
  static const char *const odd[] = {"", "a", "zzzzzzzzzzzz", "\xff\xff", "unique",
                                    "uniqueab", "uniqueabz", "w", "wbb"};
  for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
    size_t n = strlen(odd[i]);
    bad += fossc_ix_word_lower_bound(ix, odd[i], n) !=
           fossc_ix_word_lower_bound_in(ix, 0, nw, odd[i], n);
  }
  CHECK_MSG(bad == 0, "%u of %u lookups differ", bad, probes);
  fossc_index_free(ix);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/fossc-test-index-XXXXXX");
  if (!mkdtemp(tmpdir)) return 1;
  RUN(round_trip_matches_model);
  RUN(same_input_same_bytes);
  RUN(rebuild_switches_generation);
  RUN(failed_build_keeps_old_index);
  RUN(corruption_is_refused_with_section);
  RUN(old_golden_formats_refused);
  RUN(golden_v3);
  RUN(postings_round_trip_short_and_long);
  RUN(crafted_records_refused);
  RUN(dictionary_accessors);
  RUN(word_lookup_agrees_with_full_search);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  if (system(cmd)) return 1;
  return TEST_SUMMARY("index");
}
