/* libFuzzer target: any bytes as a query word for typo candidates, against
** a small index built at start-up whose words share prefixes and endings,
** differ by one or two edits and include multibyte letters and numbers.
** Checks the documented contract (sorted output, distances within the rule,
** the query word itself never returned, every candidate really at that
** distance) and that the output is exactly a brute-force scan's: every
** distinct word, the plain distance, the documented order. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reader.h"
#include "typo.h"

static fossc_index *ix;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  static const char body[] =
      "shanghai shanghaied terracotta zhejiang dunhuang jiayuguan revolution "
      "steel steels steal stale tales abcdefgh abcdefhg bacdefgh abdcefgh "
      "пекин пекинский 北京 2024 steel1 brava bravo bravissimo aaaa aaab "
      "aaba abaa baaa aabb abab abcdefghij abcdefghji bacdefghij "
      "xxcdefghij xycdefghij yxcdefghij zzcdefghij abxdefghij "
      "annotation annotations notation rotation rotations station "
      "пекинский пекинскийй жжжжжжжж ажжжжжжж";
  char dir[64];
  snprintf(dir, sizeof dir, "/tmp/fossc-fuzz-typo-XXXXXX");
  if (!mkdtemp(dir)) abort();
  fossc_writer *w;
  fossc_error err = {0};
  if (fossc_writer_create(NULL, &w, &err)) abort();
  fossc_doc d = {"d", "", "fuzz", body, 1, 0, 4, strlen(body), FOSSC_LANG_EN};
  if (fossc_writer_add(w, &d, &err) || fossc_writer_finish(w, dir, NULL, &err))
    abort();
  fossc_writer_free(w);
  if (fossc_index_open(dir, &ix, &err)) abort();
  return 0;
}

/* The best max_out candidates by brute force, in the documented order. */
static int before(const fossc_typo_cand *a, const fossc_typo_cand *b) {
  if (a->dist != b->dist) return a->dist < b->dist;
  if (a->df != b->df) return a->df > b->df;
  int c = memcmp(a->str, b->str, a->len < b->len ? a->len : b->len);
  return c ? c < 0 : a->len < b->len;
}

static uint32_t brute(const char *q, size_t qlen, uint32_t k,
                      fossc_typo_cand *out, uint32_t max_out) {
  uint32_t n = 0;
  for (uint32_t w = 0; w < ix->nwords;) {
    uint32_t len, l2;
    const char *s = fossc_ix_word_str(ix, w, &len);
    fossc_typo_cand c = {w, 0, s, len, 0, 0};
    while (w < ix->nwords) {
      const char *s2 = fossc_ix_word_str(ix, w, &l2);
      if (l2 != len || memcmp(s, s2, len) != 0) break;
      c.nterms++;
      c.df += fossc_ix_term_df(ix, fossc_ix_word_term(ix, w));
      w++;
    }
    int digit = 0; /* the index's words have ASCII digits only */
    for (uint32_t i = 0; i < len; i++) digit |= s[i] >= '0' && s[i] <= '9';
    if (digit) continue;
    c.dist = fossc_typo_distance(q, qlen, s, len, k);
    if (c.dist == 0 || c.dist > k) continue;
    if (n == max_out && !before(&c, &out[n - 1])) continue;
    uint32_t p = n < max_out ? n++ : max_out - 1;
    while (p > 0 && before(&c, &out[p - 1])) {
      out[p] = out[p - 1];
      p--;
    }
    out[p] = c;
  }
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fossc_typo_cand c[8];
  uint32_t k = 0;
  const char *q = (const char *)data;
  int ok = fossc_typo_eligible(q, size, &k);
  uint32_t n = fossc_typo_candidates(ix, q, size, c, 8);
  if (!ok && n) abort();
  for (uint32_t i = 0; i < n; i++) {
    if (c[i].dist < 1 || c[i].dist > k) abort();
    if (fossc_typo_distance(q, size, c[i].str, c[i].len, k) != c[i].dist)
      abort();
    if (i && (c[i].dist < c[i - 1].dist ||
              (c[i].dist == c[i - 1].dist && c[i].df > c[i - 1].df)))
      abort();
  }
  if (ok) {
    fossc_typo_cand want[8];
    if (brute(q, size, k, want, 8) != n) abort();
    for (uint32_t i = 0; i < n; i++)
      if (want[i].word != c[i].word || want[i].nterms != c[i].nterms ||
          want[i].str != c[i].str || want[i].len != c[i].len ||
          want[i].dist != c[i].dist || want[i].df != c[i].df)
        abort();
  }
  return 0;
}
