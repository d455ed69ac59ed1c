/* Typo candidates: the issue's examples, the eligibility rule, ordering,
** limits, UTF-8, and a brute-force reference model over the whole
** dictionary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "index.h"
#include "reader.h"
#include "typo.h"

static char tmpdir[256];
static fossc_index *ix;

/* word, document frequency: word j appears in documents 0 .. df-1. The
** words are chosen so that each is its own term (no two share a stem). */
static const struct {
  const char *word;
  unsigned df;
} vocab[] = {
    {"shanghai", 5},   {"terracotta", 4}, {"zhejiang", 3},  {"dunhuang", 2},
    {"jiayuguan", 2},  {"revolution", 3}, {"steel", 3},     {"brava", 3},
    {"bravo", 1},      {"steel1", 2},     {"2024", 4},      {"2025", 2},
    {"пекин", 1},      {"kyoto", 1},      {"tokyo", 2},     {"the", 6},
    {"she", 2},        {"tie", 1},        {"army", 2},      {"boat", 2},
    {"red", 3},        {"bravissimo", 1}, {"shanghaied", 1}, {"zhejiangs", 1},
    {"xian", 1},       {"cat", 1},        {"cart", 1},      {"carts", 1},
    {"abcdefgh", 1},   {"abcdefhg", 1},   {"abdcefgh", 1},  {"bacdefgh", 1},
};
#define NVOCAB (sizeof vocab / sizeof vocab[0])
#define NDOCS 6

static int build(const char *dir) {
  fossc_writer *w;
  fossc_error err = {0};
  if (fossc_writer_create(NULL, &w, &err)) return -1;
  for (unsigned d = 0; d < NDOCS; d++) {
    char id[32], body[4096] = "";
    snprintf(id, sizeof id, "doc-%u", d);
    for (size_t j = 0; j < NVOCAB; j++)
      if (d < vocab[j].df) {
        strcat(body, vocab[j].word);
        strcat(body, " ");
      }
    fossc_doc doc = {id, "", "test", body, strlen(id), 0, 4, strlen(body),
                     FOSSC_LANG_EN};
    if (fossc_writer_add(w, &doc, &err)) {
      fossc_writer_free(w);
      return -1;
    }
  }
  int rc = fossc_writer_finish(w, dir, NULL, &err);
  if (rc) fprintf(stderr, "  finish: %s\n", err.msg);
  fossc_writer_free(w);
  return rc;
}

#define MAXC 64

/* Candidates of q as one "word:dist" string per candidate, space separated. */
static const char *cands(const char *q, uint32_t max_out) {
  static char buf[4096];
  fossc_typo_cand c[MAXC];
  uint32_t n = fossc_typo_candidates(ix, q, strlen(q), c, max_out);
  buf[0] = 0;
  for (uint32_t i = 0; i < n; i++) {
    char one[128];
    snprintf(one, sizeof one, "%s%.*s:%u", i ? " " : "", (int)c[i].len,
             c[i].str, c[i].dist);
    strcat(buf, one);
  }
  return buf;
}

TEST(issue_examples) {
  CHECK_STR(cands("shanghia", 3), "shanghai:1");
  CHECK_STR(cands("terracota", 3), "terracotta:1");
  CHECK_STR(cands("zhejang", 3), "zhejiang:1");
  CHECK_STR(cands("dunhaung", 3), "dunhuang:1");
  CHECK_STR(cands("jiayugan", 3), "jiayuguan:1");
  CHECK_STR(cands("revoluton", 3), "revolution:1");
}

TEST(eligibility_rule) {
  uint32_t k = 99;
  CHECK(!fossc_typo_eligible("red", 3, &k) && k == 99);
  CHECK(!fossc_typo_eligible("2023", 4, &k));
  CHECK(!fossc_typo_eligible("abc1", 4, &k));
  CHECK(!fossc_typo_eligible("", 0, &k));
  CHECK(!fossc_typo_eligible(NULL, 4, &k));
  CHECK(!fossc_typo_eligible("١٢٣٤", strlen("١٢٣٤"), &k)); /* Arabic digits */
  CHECK(fossc_typo_eligible("army", 4, &k) && k == 1);
  CHECK(fossc_typo_eligible("zhejang", 7, &k) && k == 1);
  CHECK(fossc_typo_eligible("shanghia", 8, &k) && k == 2);
  /* code points, not bytes: 4 Cyrillic letters are 8 bytes */
  CHECK(fossc_typo_eligible("пеки", strlen("пеки"), &k) && k == 1);
  CHECK(!fossc_typo_eligible("пек", strlen("пек"), &k));
  CHECK(fossc_typo_eligible("x", 1, NULL) == 0);
  char longw[200];
  memset(longw, 'a', sizeof longw);
  CHECK(fossc_typo_eligible(longw, FOSSC_TYPO_MAX_CPS, NULL));
  CHECK(!fossc_typo_eligible(longw, FOSSC_TYPO_MAX_CPS + 1, NULL));
}

TEST(short_words_and_numbers_yield_nothing) {
  CHECK_STR(cands("thx", 8), "");
  CHECK_STR(cands("shx", 8), "");
  CHECK_STR(cands("2026", 8), "");
  CHECK_STR(cands("2o24", 8), ""); /* a digit in the query */
  /* a candidate containing a digit is never proposed */
  CHECK_STR(cands("steelx", 8), "steel:1");
}

TEST(distance_two_only_from_eight_letters) {
  CHECK(fossc_typo_distance("jayuguen", 8, "jiayuguan", 9, 5) == 2);
  CHECK_STR(cands("jayuguen", 8), "jiayuguan:2");
  CHECK(fossc_typo_distance("dnhuanx", 7, "dunhuang", 8, 5) == 2);
  CHECK_STR(cands("dnhuanx", 8), "");
  CHECK_STR(cands("dunhuanx", 8), "dunhuang:1");
}

TEST(order_distance_then_df_then_bytes) {
  /* brava (df 3) before bravo (df 1), both at distance 1 */
  CHECK_STR(cands("bravi", 8), "brava:1 bravo:1");
  /* kyoto and tokyo: only tokyo's neighbour at distance 1 */
  CHECK_STR(cands("tokya", 8), "tokyo:1");
  /* abcdefgh family: exact word excluded; distance 1 before distance 2; ties
  ** on df broken by bytes */
  CHECK_STR(cands("abcdefgh", 8), "abcdefhg:1 abdcefgh:1 bacdefgh:1");
  CHECK_STR(cands("abcdeffh", 8),
            "abcdefgh:1 abcdefhg:2 abdcefgh:2 bacdefgh:2");
  /* shanghai (df 5) at 1 before shanghaied (df 1) at 2 */
  CHECK_STR(cands("shanghae", 8), "shanghai:1 shanghaied:2");
}

TEST(exact_word_excluded_and_max_out) {
  CHECK_STR(cands("shanghai", 8), "shanghaied:2");
  CHECK_STR(cands("abcdefgh", 2), "abcdefhg:1 abdcefgh:1");
  CHECK_STR(cands("abcdefgh", 1), "abcdefhg:1");
  fossc_typo_cand c[1];
  CHECK(fossc_typo_candidates(ix, "abcdefgh", 8, c, 0) == 0);
  CHECK(fossc_typo_candidates(NULL, "abcdefgh", 8, c, 1) == 0);
  CHECK(fossc_typo_candidates(ix, "abcdefgh", 8, NULL, 1) == 0);
}

TEST(candidate_fields) {
  fossc_typo_cand c[4];
  CHECK(fossc_typo_candidates(ix, "shanghia", 8, c, 4) == 1);
  uint32_t len;
  const char *s = fossc_ix_word_str(ix, c[0].word, &len);
  CHECK(len == 8 && memcmp(s, "shanghai", 8) == 0 && s == c[0].str);
  CHECK(c[0].nterms >= 1 && c[0].df == 5);
  /* every entry in the reported range holds the word; the next does not */
  for (uint32_t e = c[0].word; e < c[0].word + c[0].nterms; e++) {
    s = fossc_ix_word_str(ix, e, &len);
    CHECK(len == 8 && memcmp(s, "shanghai", 8) == 0);
  }
}

TEST(utf8_input) {
  CHECK_STR(cands("пекин", 8), "");
  CHECK_STR(cands("пекін", 8), "пекин:1"); /* Ukrainian і for и */
  CHECK_STR(cands("пеки", 8), "пекин:1");
  /* invalid bytes are one code point each, never a crash */
  CHECK_STR(cands("\xff\xfe\xfd\xfc", 8), "");
  CHECK_STR(cands("shangha\xff", 8), "shanghai:1");
  CHECK_STR(cands("shanghai\xe4\xb8", 8), "shanghai:2 shanghaied:2");
  char longw[300];
  memset(longw, 'a', sizeof longw);
  fossc_typo_cand c[2];
  CHECK(fossc_typo_candidates(ix, longw, sizeof longw, c, 2) == 0);
  CHECK(fossc_typo_candidates(ix, longw, 60, c, 2) == 0); /* nothing near */
}

/* Reference: every distinct dictionary word, distance by the plain DP; keeps
** the best `cap` in the documented order. */
static int ref_before(const fossc_typo_cand *c, const fossc_typo_cand *b) {
  if (c->dist != b->dist) return c->dist < b->dist;
  if (c->df != b->df) return c->df > b->df;
  int m = memcmp(c->str, b->str, c->len < b->len ? c->len : b->len);
  return m ? m < 0 : c->len < b->len;
}

static uint32_t reference(const fossc_index *dx, const char *q,
                          fossc_typo_cand *out, uint32_t cap) {
  uint32_t k, n = 0;
  if (!fossc_typo_eligible(q, strlen(q), &k)) return 0;
  for (uint32_t w = 0; w < dx->nwords;) {
    uint32_t len, l2;
    const char *s = fossc_ix_word_str(dx, w, &len);
    fossc_typo_cand c = {w, 0, s, len, 0, 0};
    while (w < dx->nwords) {
      const char *s2 = fossc_ix_word_str(dx, w, &l2);
      if (l2 != len || memcmp(s, s2, len) != 0) break;
      c.nterms++;
      c.df += fossc_ix_term_df(dx, fossc_ix_word_term(dx, w));
      w++;
    }
    int digit = 0;
    for (uint32_t i = 0; i < len; i++) digit |= s[i] >= '0' && s[i] <= '9';
    if (digit) continue;
    c.dist = fossc_typo_distance(q, strlen(q), s, len, k);
    if (c.dist == 0 || c.dist > k) continue;
    if (n == cap && !ref_before(&c, &out[n - 1])) continue;
    uint32_t p = n < cap ? n++ : cap - 1;
    while (p > 0 && ref_before(&c, &out[p - 1])) {
      out[p] = out[p - 1];
      p--;
    }
    out[p] = c;
  }
  return n;
}

TEST(matches_reference_model) {
  /* every dictionary word and every single edit of it */
  static const char alpha[] = "aeghinorstuz";
  char q[80];
  unsigned checked = 0;
  for (uint32_t w = 0; w < ix->nwords; w++) {
    uint32_t len;
    const char *s = fossc_ix_word_str(ix, w, &len);
    if (len + 2 >= sizeof q) continue;
    for (uint32_t pos = 0; pos <= len; pos++)
      for (size_t a = 0; a <= sizeof alpha - 1; a++)
        for (int op = 0; op < 4; op++) {
          uint32_t n = 0;
          if (op == 0) { /* insert alpha[a] at pos */
            if (a == sizeof alpha - 1) continue;
            memcpy(q, s, pos);
            q[pos] = alpha[a];
            memcpy(q + pos + 1, s + pos, len - pos);
            n = len + 1;
          } else if (op == 1) { /* substitute at pos */
            if (pos == len || a == sizeof alpha - 1) continue;
            memcpy(q, s, len);
            q[pos] = alpha[a];
            n = len;
          } else if (op == 2) { /* delete at pos (once per pos) */
            if (pos == len || a) continue;
            memcpy(q, s, pos);
            memcpy(q + pos, s + pos + 1, len - pos - 1);
            n = len - 1;
          } else { /* transpose pos, pos+1 (once per pos) */
            if (pos + 1 >= len || a) continue;
            memcpy(q, s, len);
            q[pos] = s[pos + 1];
            q[pos + 1] = s[pos];
            n = len;
          }
          q[n] = 0;
          fossc_typo_cand got[MAXC], want[MAXC];
          uint32_t ng = fossc_typo_candidates(ix, q, n, got, MAXC);
          uint32_t nw = reference(ix, q, want, MAXC);
          CHECK_MSG(ng == nw, "%s: %u candidates, reference %u", q, ng, nw);
          for (uint32_t i = 0; i < ng; i++) {
            CHECK_MSG(got[i].word == want[i].word && got[i].dist == want[i].dist &&
                          got[i].df == want[i].df &&
                          got[i].nterms == want[i].nterms,
                      "%s: candidate %u differs", q, i);
          }
          checked++;
        }
  }
  CHECK(checked > 1000);
}

/* Random words over a 4-letter alphabet (one of them two bytes long): a
** dense dictionary where most words have neighbours at distance 1 and 2,
** through every kind of edit, shared prefixes and multibyte code points. */
static const char *const alpha4[] = {"a", "b", "c", "ж"};

static void random_word(char *out, unsigned *seed, unsigned minlen,
                        unsigned maxlen) {
  unsigned n = minlen + (unsigned)rand_r(seed) % (maxlen - minlen + 1);
  out[0] = 0;
  for (unsigned i = 0; i < n; i++) strcat(out, alpha4[rand_r(seed) % 4]);
}

TEST(matches_reference_on_dense_dictionary) {
  char dir[300];
  snprintf(dir, sizeof dir, "%s/dense", tmpdir);
  unsigned seed = 12345;
  fossc_writer *wr;
  fossc_error err = {0};
  CHECK(fossc_writer_create(NULL, &wr, &err) == 0);
  for (unsigned d = 0; d < 40; d++) {
    char body[40 * 32] = "", word[32], id[16];
    for (unsigned j = 0; j < 30; j++) {
      random_word(word, &seed, 1, 10);
      strcat(body, word);
      strcat(body, " ");
    }
    snprintf(id, sizeof id, "d%u", d);
    fossc_doc doc = {id, "", "t", body, strlen(id), 0, 1, strlen(body),
                     FOSSC_LANG_UNKNOWN};
    CHECK(fossc_writer_add(wr, &doc, &err) == 0);
  }
  int rc = fossc_writer_finish(wr, dir, NULL, &err);
  fossc_writer_free(wr);
  CHECK_MSG(rc == 0, "%s", err.msg);
  fossc_index *dx;
  CHECK(fossc_index_open(dir, &dx, &err) == 0);
  unsigned nonempty = 0;
  for (int t = 0; t < 1500; t++) {
    char q[64];
    random_word(q, &seed, 4, 11);
    fossc_typo_cand got[MAXC], want[MAXC];
    uint32_t ng = fossc_typo_candidates(dx, q, strlen(q), got, MAXC);
    uint32_t nw = reference(dx, q, want, MAXC);
    nonempty += ng > 0;
    int same = ng == nw;
    for (uint32_t i = 0; same && i < ng; i++)
      same = got[i].word == want[i].word && got[i].dist == want[i].dist &&
             got[i].df == want[i].df && got[i].nterms == want[i].nterms;
    if (!same) fossc_index_free(dx);
    CHECK_MSG(same, "%s: %u candidates, reference %u", q, ng, nw);
  }
  fossc_index_free(dx);
  CHECK(nonempty > 500);
}

/* Builds an index in tmpdir/name from one document per body; NULL on
** failure. */
static fossc_index *build_bodies(const char *name, const char *const *bodies,
                                 unsigned n) {
  char dir[300];
  snprintf(dir, sizeof dir, "%s/%s", tmpdir, name);
  fossc_writer *wr;
  fossc_error err = {0};
  if (fossc_writer_create(NULL, &wr, &err)) return NULL;
  for (unsigned d = 0; d < n; d++) {
    char id[16];
    snprintf(id, sizeof id, "d%u", d);
    fossc_doc doc = {id, "", "t", bodies[d], strlen(id), 0, 1,
                     strlen(bodies[d]), FOSSC_LANG_UNKNOWN};
    if (fossc_writer_add(wr, &doc, &err)) {
      fossc_writer_free(wr);
      return NULL;
    }
  }
  int rc = fossc_writer_finish(wr, dir, NULL, &err);
  fossc_writer_free(wr);
  fossc_index *dx = NULL;
  if (rc || fossc_index_open(dir, &dx, &err)) return NULL;
  return dx;
}

/* fossc_typo_candidates against the reference, every field. */
static int same_as_reference(const fossc_index *dx, const char *q,
                             size_t qlen, uint32_t cap) {
  fossc_typo_cand got[MAXC], want[MAXC];
  char z[300];
  if (qlen >= sizeof z) return 0;
  memcpy(z, q, qlen);
  z[qlen] = 0;
  uint32_t ng = fossc_typo_candidates(dx, q, qlen, got, cap);
  uint32_t nw = reference(dx, z, want, cap);
  int same = ng == nw;
  for (uint32_t i = 0; same && i < ng; i++)
    same = got[i].word == want[i].word && got[i].dist == want[i].dist &&
           got[i].df == want[i].df && got[i].nterms == want[i].nterms &&
           got[i].str == want[i].str && got[i].len == want[i].len;
  if (!same) fprintf(stderr, "  %s: %u candidates, reference %u\n", z, ng, nw);
  return same;
}

/* Bytes of the first code point of s[0..len) as the walk decodes it: a
** well-formed sequence, else one byte. */
static uint32_t first_cp_len(const unsigned char *s, uint32_t len) {
  uint32_t need = s[0] < 0x80 ? 0 : s[0] >= 0xC2 && s[0] <= 0xDF ? 1
                : s[0] >= 0xE0 && s[0] <= 0xEF ? 2
                : s[0] >= 0xF0 && s[0] <= 0xF4 ? 3 : 99;
  if (need == 0) return 1;
  if (need == 99 || len <= need) return 1;
  for (uint32_t i = 1; i <= need; i++)
    if ((s[i] & 0xC0) != 0x80) return 1;
  return need + 1; /* the test indexes hold no overlong forms */
}

/* Byte j of a word's sequence in the suffix order (read backwards) or the
** rest order (after the first code point), plus 1; 0 past its end. */
static int seq_byte(const char *s, uint32_t len, uint32_t j, int rest) {
  if (!rest) return j < len ? (unsigned char)s[len - 1 - j] + 1 : 0;
  j += first_cp_len((const unsigned char *)s, len);
  return j < len ? (unsigned char)s[j] + 1 : 0;
}

/* The suffix order (rest = 0) holds exactly the distinct words of at least
** FOSSC_TYPO_DIST2_CPS - 2 bytes without an ASCII digit, strictly ascending
** by reversed bytes; the rest order (rest = 1) those of at least
** FOSSC_TYPO_MIN_CPS bytes, ascending by their bytes after the first code
** point (words with equal rests differ in their first code point: any
** order). */
static int order_ok(const fossc_index *dx, int rest) {
  const uint32_t *w;
  uint32_t n = rest ? fossc_typo_rest_order(dx, &w)
                    : fossc_typo_suffix_order(dx, &w),
           want = 0;
  uint32_t min_len = rest ? FOSSC_TYPO_MIN_CPS : FOSSC_TYPO_DIST2_CPS - 2;
  if (!w) return 0;
  for (uint32_t e = 0; e < dx->nwords; e++) {
    uint32_t len, plen;
    const char *s = fossc_ix_word_str(dx, e, &len);
    if (e > 0) {
      const char *p = fossc_ix_word_str(dx, e - 1, &plen);
      if (plen == len && memcmp(p, s, len) == 0) continue;
    }
    int digit = 0;
    for (uint32_t i = 0; i < len; i++) digit |= s[i] >= '0' && s[i] <= '9';
    want += !digit && len >= min_len;
  }
  if (n != want) return 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t len;
    const char *s = fossc_ix_word_str(dx, w[i], &len);
    if (w[i] > 0) { /* a first entry */
      uint32_t plen;
      const char *p = fossc_ix_word_str(dx, w[i] - 1, &plen);
      if (plen == len && memcmp(p, s, len) == 0) return 0;
    }
    if (i == 0) continue;
    uint32_t plen;
    const char *p = fossc_ix_word_str(dx, w[i - 1], &plen);
    int c = 0;
    for (uint32_t j = 0; c == 0; j++) {
      int a = seq_byte(p, plen, j, rest), b = seq_byte(s, len, j, rest);
      c = a - b;
      if (a == 0 && b == 0) break;
    }
    if (rest ? c > 0 : c >= 0) return 0;
  }
  return 1;
}

static int suffix_order_ok(const fossc_index *dx) { return order_ok(dx, 0); }
static int rest_order_ok(const fossc_index *dx) { return order_ok(dx, 1); }

/* build_bodies, checked: the index opens and both orders are right. *out
** is the index, or NULL after a failed check (the test has failed). */
static void build_checked_(const char *name, const char *const *bodies,
                           unsigned n, fossc_index **out) {
  *out = build_bodies(name, bodies, n);
  CHECK_MSG(*out != NULL, "%s", name);
  fossc_index *dx = *out;
  int ok = suffix_order_ok(dx) && rest_order_ok(dx);
  if (!ok) {
    fossc_index_free(dx);
    *out = NULL;
  }
  CHECK_MSG(ok, "%s: the suffix and rest orders", name);
}

static fossc_index *build_checked(const char *name, const char *const *bodies,
                                  unsigned n) {
  fossc_index *dx;
  build_checked_(name, bodies, n, &dx);
  return dx;
}

TEST(suffix_order) {
  CHECK(suffix_order_ok(ix));
  CHECK(rest_order_ok(ix));
  /* built once, then shared */
  const uint32_t *a, *b;
  fossc_typo_suffix_order(ix, &a);
  fossc_typo_suffix_order(ix, &b);
  CHECK(a == b);
  CHECK(fossc_typo_suffix_order(NULL, &a) == 0 && a == NULL);
}

/* Distance 2 through every path of the split walk: long words over a small
** alphabet (shared endings, so tails of every size, down to the plain walk
** when an ending is too common), edits at every position including
** transpositions across the split, and a two-byte letter. */
TEST(distance_two_matches_reference) {
  static const char *const alpha[] = {"a", "b", "c", "d", "e", "ж"};
  enum { NA = 6, NDOC = 30, PER = 40 };
  unsigned seed = 777;
  static char bodies[NDOC][PER * 40];
  const char *bp[NDOC];
  char words[NDOC * PER][40];
  unsigned nw = 0;
  for (unsigned d = 0; d < NDOC; d++) {
    bodies[d][0] = 0;
    for (unsigned j = 0; j < PER; j++) {
      char *w = words[nw++];
      unsigned n = 6 + (unsigned)rand_r(&seed) % 9;
      /* few letters first, any letter after: shared prefixes and endings */
      w[0] = 0;
      for (unsigned i = 0; i < n; i++)
        strcat(w, alpha[rand_r(&seed) % (i < 3 || i + 3 >= n ? 3 : NA)]);
      strcat(bodies[d], w);
      strcat(bodies[d], " ");
    }
    bp[d] = bodies[d];
  }
  fossc_index *dx = build_checked("long", bp, NDOC);
  if (!dx) return;
  unsigned bad = 0, found = 0;
  for (int t = 0; t < 3000; t++) {
    /* a dictionary word with 0-3 code point edits */
    uint32_t cps[64], m = 0;
    const char *w = words[(unsigned)rand_r(&seed) % nw];
    for (const unsigned char *p = (const unsigned char *)w; *p;) {
      uint32_t c = *p++;
      if (c >= 0x80) c = (c & 0x1F) << 6 | (*p++ & 0x3F);
      cps[m++] = c;
    }
    int edits = rand_r(&seed) % 4;
    for (int e = 0; e < edits && m > 1; e++) {
      uint32_t pos = (uint32_t)rand_r(&seed) % m, letter;
      const char *a = alpha[rand_r(&seed) % NA];
      letter = (unsigned char)a[0] < 0x80
                   ? (unsigned char)a[0]
                   : ((unsigned char)a[0] & 0x1Fu) << 6 |
                         ((unsigned char)a[1] & 0x3Fu);
      switch (rand_r(&seed) % 4) {
        case 0: cps[pos] = letter; break;
        case 1:
          memmove(cps + pos + 1, cps + pos, (m - pos) * sizeof *cps);
          cps[pos] = letter, m++;
          break;
        case 2: memmove(cps + pos, cps + pos + 1, (m - pos - 1) * sizeof *cps), m--; break;
        default:
          if (pos + 1 < m) {
            uint32_t x = cps[pos];
            cps[pos] = cps[pos + 1], cps[pos + 1] = x;
          }
      }
    }
    char q[200];
    size_t n = 0;
    for (uint32_t i = 0; i < m; i++) {
      if (cps[i] < 0x80) {
        q[n++] = (char)cps[i];
      } else {
        q[n++] = (char)(0xC0 | cps[i] >> 6);
        q[n++] = (char)(0x80 | (cps[i] & 0x3F));
      }
    }
    uint32_t k;
    if (!fossc_typo_eligible(q, n, &k) || k != 2) continue;
    fossc_typo_cand c[1];
    found += fossc_typo_candidates(dx, q, n, c, 1) > 0;
    if (!same_as_reference(dx, q, n, MAXC) || !same_as_reference(dx, q, n, 3))
      bad++;
  }
  CHECK_MSG(bad == 0, "%u queries differ from the reference", bad);
  CHECK(found > 500);
  fossc_index_free(dx);
}

/* Words under a first code point that is none of the query's first k + 1
** are found through the rest order (exact rests at distance 1, a cut's two
** prefixes and one suffix at distance 2), or by the walk when those hold
** too many words; and by the walk alone when the orders cannot be built.
** Many first letters (Latin and Cyrillic) before the same rests, nested
** prefixes ("aaaa..."), and a family of 34 x 34 words that is over the
** lookups' limit. */
TEST(root_lookups) {
  static const char *const xs[] = {
      "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l",
      "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x",
      "y", "z", "ж", "ш", "щ", "ы", "э", "ю", "я", "д"};
  enum { NX = sizeof xs / sizeof *xs };
  static char body[200000];
  size_t n = 0;
  for (int a = 0; a < NX; a++) {
    for (int b = 0; b < NX; b++) /* over the limit */
      n += (size_t)snprintf(body + n, sizeof body - n, "%sbcdefgh%s ", xs[a],
                            xs[b]);
    n += (size_t)snprintf(body + n, sizeof body - n,
                          "%smnop %samnop %sqwertyuio %sqwertyuiop %saaaaaaaa "
                          "%sqwertzuio %sжшщыэюя ",
                          xs[a], xs[a], xs[a], xs[a], xs[a], xs[a], xs[a]);
  }
  const char *bodies[] = {body};
  fossc_index *dx = build_checked("roots", bodies, 1);
  if (!dx) return;
  static const char *const qs[] = {
      /* distance 1 */
      "amnop", "mnop", "mmnop", "nmop", "жmnop", "mnopq", "amnopp", "bamnop",
      "ammnop", "mamnop", "xmnoq", "жamnop",
      /* distance 2 through the lookups */
      "zqwertyuio", "qwertyuiop", "wqertyuiop", "qwertyuio", "жqwertyuoi",
      "aqwertzuiop", "bqwertyuiopp", "qqwertyui", "xwertyuiop", "wertyuiopqq",
      "aaaaaaaa", "baaaaaaaa", "aaaaaaaaa", "жaaaaaaa", "abaaaaaaa",
      "aжшщыэюяa", "жшщыэюяя", "шжщыэюя", "ыжшщыэюя",
      /* the family over the limit: the walk */
      "abcdefghz", "bcdefghzq", "xbcdefgh", "жbcdefghш", "bcdefghab",
      "cbcdefgha", "aabcdefgh", "bacdefghy", "zcbdefghж"};
  for (long fail = -1; fail < 4; fail++) {
    /* fail >= 0: a fresh copy of the index whose orders fail to build
    ** after that many allocations (then the walk does it all) */
    fossc_index *tx = dx;
    if (fail >= 0) {
      char dir[300];
      fossc_error err = {0};
      snprintf(dir, sizeof dir, "%s/roots", tmpdir);
      CHECK(fossc_index_open(dir, &tx, &err) == 0);
      fossc_alloc_fail_after(fail);
    }
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
      CHECK_MSG(same_as_reference(tx, qs[i], strlen(qs[i]), MAXC), "%s %ld",
                qs[i], fail);
      CHECK_MSG(same_as_reference(tx, qs[i], strlen(qs[i]), 3), "%s %ld",
                qs[i], fail);
    }
    fossc_alloc_fail_after(-1);
    if (tx != dx) fossc_index_free(tx);
  }
  fossc_index_free(dx);
}

TEST(edge_indexes) {
  /* no words at all */
  const char *empty[] = {"1 2 3"};
  fossc_index *dx = build_checked("empty", empty, 1);
  if (dx) {
    fossc_typo_cand c[4];
    CHECK(fossc_typo_candidates(dx, "abcdefgh", 8, c, 4) == 0);
    fossc_index_free(dx);
  }
  /* one word */
  const char *one[] = {"abcdefghij"};
  dx = build_checked("one", one, 1);
  if (dx) {
    CHECK(same_as_reference(dx, "abcdefgihj", 10, 4));
    CHECK(same_as_reference(dx, "bacdefghji", 10, 4)); /* two transpositions */
    CHECK(same_as_reference(dx, "abcdxfghiy", 10, 4));
    CHECK(same_as_reference(dx, "abcdefghij", 10, 4)); /* itself: none */
    CHECK(same_as_reference(dx, "zzzzzzzzzz", 10, 4));
    fossc_index_free(dx);
  }
  /* the first and last words of WORDS and of the suffix order, the longest
  ** word (64 bytes) against queries of 66 code points, invalid UTF-8 */
  char w64[65], body[400];
  memset(w64, 'q', 64);
  w64[64] = 0;
  snprintf(body, sizeof body,
           "aaaaaaaa aaaaaaab zzzzzzzz zzzzzzzy baaaaaaa yzzzzzzz жжжжжжжж "
           "ажжжжжжж %s", w64);
  const char *ends[] = {body};
  dx = build_checked("ends", ends, 1);
  if (dx) {
    static const char *const qs[] = {
        "aaaaaaaa", "aaaaaaaaa", "aaaaaaa", "aaaaaaab", "abaaaaaa",
        "zzzzzzzz", "zzzzzzzzz", "zzzzzzyz", "zzzzzzz",  "жжжжжжжж",
        "жжжжжжжа", "жажжжжжж", "aaaaaaa\xff", "\xffzzzzzzz",
        "zzzzzz\xe4\xb8", "жжжж\xd0жжжж"};
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++)
      CHECK_MSG(same_as_reference(dx, qs[i], strlen(qs[i]), MAXC), "%s", qs[i]);
    char q[80];
    memset(q, 'q', sizeof q);
    CHECK(same_as_reference(dx, q, 66, MAXC)); /* 64 + 2 insertions */
    fossc_typo_cand c[2];
    CHECK(fossc_typo_candidates(dx, q, 66, c, 2) == 1 && c[0].dist == 2);
    CHECK(fossc_typo_candidates(dx, q, 67, c, 2) == 0); /* not eligible */
    q[10] = 'x', q[50] = 'y';
    CHECK(same_as_reference(dx, q, 64, MAXC));
    CHECK(same_as_reference(dx, q, 65, MAXC));
    fossc_index_free(dx);
  }
}

/* Common endings: a tail too long for the split's first choices (h moves
** left), too long even at h = 3 (the plain walk), and buckets so deep that
** the suffix order's radix sort hands them to its Shell sort. */
TEST(common_endings) {
  static char body[200000];
  const char *l13 = "abcdefghijklm";
  size_t n = 0;
  for (int a = 0; a < 13; a++)
    for (int b = 0; b < 13; b++)
      for (int c = 0; c < 13; c++)
        n += (size_t)snprintf(body + n, sizeof body - n, "%c%c%cbcdefgh ",
                              l13[a], l13[b], l13[c]);
  for (int a = 0; a < 13; a++)
    for (int b = 0; b < 5; b++)
      n += (size_t)snprintf(body + n, sizeof body - n,
                            "%c%cqwertyuiopasdfghjklzxcvb ", l13[a], l13[b]);
  const char *bodies[] = {body};
  fossc_index *dx = build_checked("endings", bodies, 1);
  if (!dx) return;
  static const char *const qs[] = {
      "xybcdefgh",   "xyzbcdefgh", "abcbcdefgh", "abxbcdefgh", "acbbcdefg",
      "aabcdefhg",   "mmmbcdefghh", "kqwertyuiopasdfghjklzxcvb",
      "abqwertyuiopasdfghjklzxcbv", "baqwertyuopasdfghjklzxcvb",
      "abcqwertyuiopasdfghjklzxcv"};
  for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
    CHECK_MSG(same_as_reference(dx, qs[i], strlen(qs[i]), MAXC), "%s", qs[i]);
    CHECK_MSG(same_as_reference(dx, qs[i], strlen(qs[i]), 5), "%s", qs[i]);
  }
  fossc_index_free(dx);
}

/* Concurrent first calls: one suffix order wins, the others are freed. */
#include <pthread.h>
static void *typo_thread(void *arg) {
  fossc_index *dx = arg;
  fossc_typo_cand c[4];
  for (int i = 0; i < 50; i++)
    fossc_typo_candidates(dx, "shanghaix", 9, c, 4);
  return NULL;
}

TEST(concurrent_first_calls) {
  char dir[300];
  snprintf(dir, sizeof dir, "%s/ix", tmpdir);
  fossc_index *dx;
  fossc_error err = {0};
  CHECK(fossc_index_open(dir, &dx, &err) == 0);
  pthread_t th[4];
  for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, typo_thread, dx);
  for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
  CHECK(suffix_order_ok(dx) && rest_order_ok(dx));
  CHECK_STR(cands("shanghia", 3), "shanghai:1");
  fossc_index_free(dx);
}

TEST(distance_function) {
  CHECK(fossc_typo_distance("ca", 2, "abc", 3, 5) == 3); /* OSA, not DL */
  CHECK(fossc_typo_distance("abcd", 4, "acbd", 4, 5) == 1);
  CHECK(fossc_typo_distance("", 0, "abc", 3, 5) == 3);
  CHECK(fossc_typo_distance("abc", 3, "xyz", 3, 1) == 2); /* capped */
  CHECK(fossc_typo_distance("пекин", strlen("пекин"), "пекін",
                            strlen("пекін"), 5) == 1);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/fossc-test-typo-XXXXXX");
  if (!mkdtemp(tmpdir)) return 1;
  char dir[300];
  snprintf(dir, sizeof dir, "%s/ix", tmpdir);
  fossc_error err = {0};
  if (build(dir) || fossc_index_open(dir, &ix, &err)) {
    fprintf(stderr, "cannot build the test index: %s\n", err.msg);
    return 1;
  }
  RUN(issue_examples);
  RUN(eligibility_rule);
  RUN(short_words_and_numbers_yield_nothing);
  RUN(distance_two_only_from_eight_letters);
  RUN(order_distance_then_df_then_bytes);
  RUN(exact_word_excluded_and_max_out);
  RUN(candidate_fields);
  RUN(utf8_input);
  RUN(matches_reference_model);
  RUN(matches_reference_on_dense_dictionary);
  RUN(suffix_order);
  RUN(distance_two_matches_reference);
  RUN(root_lookups);
  RUN(edge_indexes);
  RUN(common_endings);
  RUN(concurrent_first_calls);
  RUN(distance_function);
  fossc_index_free(ix);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  if (system(cmd)) fprintf(stderr, "cannot remove %s\n", tmpdir);
  return TEST_SUMMARY("typo");
}
