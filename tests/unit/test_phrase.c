/*
** Phrase matching against a model: a generated corpus of words whose stems
** never collide (stop words frequent, so that their lists hold hundreds
** of positions per document), phrases of two to four words, and for every
** query the set of matching documents and each hit's score recomputed from
** the phrase's occurrences counted in the text, per field. The parts of a
** phrase are checked in whatever order the scorer picks (rarest first):
** only the occurrences may decide.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "index.h"
#include "search.h"
#include "search_int.h"

/* Documents: several 128-document blocks per word. */
#define NDOCS 1500
/* Words of a body at most (a long body holds the stop words' long lists). */
#define MAX_BODY 1200
#define MAX_TITLE 6
/* Phrases generated per length. */
#define NPHRASES 80
/* Hits compared per query (all of them for most phrases). */
#define LIMIT 100

static const char *const vocab[] = {
    "the", "of", "de", "la", "river", "stone", "bridge", "garden",
    "music", "window", "yellow", "castle", "forest", "paper", "silver", "dragon",
};
#define NVOCAB (sizeof vocab / sizeof vocab[0])

static uint8_t body[NDOCS][MAX_BODY], title[NDOCS][MAX_TITLE];
static uint32_t nbody[NDOCS], ntitle[NDOCS];

static fossc_index *ix;
static fossc_searcher *s;
static fossc_error err;
static char tmpdir[64];
static uint32_t rng = 4242;

static uint32_t rnd(uint32_t n) {
  rng = rng * 1103515245u + 12345u;
  return (rng >> 8) % n;
}

/* Zipf-like: the stop words most often. */
static uint8_t word(void) {
  uint32_t r = rnd(10000);
  return (uint8_t)((r * r / 10000) * NVOCAB / 10000);
}

static int build(void) {
  fossc_writer *w;
  if (fossc_writer_create(NULL, &w, &err)) return -1;
  static char bt[MAX_BODY * 8], tt[MAX_TITLE * 8];
  char id[32];
  int rc = 0;
  for (uint32_t i = 0; i < NDOCS && !rc; i++) {
    ntitle[i] = 1 + rnd(MAX_TITLE);
    nbody[i] = 5 + rnd(i % 5 == 0 ? MAX_BODY - 5 : 100);
    char *p = tt;
    for (uint32_t k = 0; k < ntitle[i]; k++)
      p += sprintf(p, "%s ", vocab[title[i][k] = word()]);
    size_t tl = (size_t)(p - tt);
    p = bt;
    for (uint32_t k = 0; k < nbody[i]; k++)
      p += sprintf(p, "%s ", vocab[body[i][k] = word()]);
    snprintf(id, sizeof id, "d%u", i);
    fossc_doc d = {id, tt, "gen", bt, strlen(id), tl, 3, (size_t)(p - bt),
                   FOSSC_LANG_UNKNOWN};
    rc = fossc_writer_add(w, &d, &err);
  }
  if (!rc) rc = fossc_writer_finish(w, tmpdir, NULL, &err);
  fossc_writer_free(w);
  return rc;
}

/* Occurrences of the phrase ph[0..n) in field f[0..len). */
static uint32_t count(const uint8_t *f, uint32_t len, const uint8_t *ph,
                      uint32_t n) {
  uint32_t c = 0;
  for (uint32_t i = 0; i + n <= len; i++) {
    uint32_t j = 0;
    while (j < n && f[i + j] == ph[j]) j++;
    c += j == n;
  }
  return c;
}

static uint32_t expected[NDOCS][2];

/* Runs the phrase ph[0..n) (exact total, no pruning) and compares the
** total, the hits and their scores with the model; 1 if they agree. */
static int phrase_agrees(const uint8_t *ph, uint32_t n) {
  char q[256], *p = q;
  *p++ = '"';
  for (uint32_t j = 0; j < n; j++) p += sprintf(p, "%s%s", j ? " " : "", vocab[ph[j]]);
  *p++ = '"';
  *p = 0;
  uint32_t want = 0;
  for (uint32_t d = 0; d < NDOCS; d++) {
    expected[d][0] = count(title[d], ntitle[d], ph, n);
    expected[d][1] = count(body[d], nbody[d], ph, n);
    want += expected[d][0] + expected[d][1] > 0;
  }
  fossc_search_req r = {q, strlen(q), LIMIT, 0, 0, 0, 0, 1};
  fossc_results res;
  if (fossc_search(s, ix, &r, &res, &err)) {
    printf("  %s: %s\n", q, err.msg);
    return 0;
  }
  if (res.total != want || res.count != (want < LIMIT ? want : LIMIT)) {
    printf("  %s: %llu matches, %u hits; model %u\n", q,
           (unsigned long long)res.total, res.count, want);
    return 0;
  }
  const concept *k = &s->concepts[0];
  for (uint32_t h = 0; h < res.count; h++) {
    uint32_t d = res.hits[h].docnum;
    const float *in = ix->inv_norm + 2 * (size_t)d;
    float tfn = (float)expected[d][0] * in[0] + (float)expected[d][1] * in[1];
    float sc = k->idf * (FOSSC_BM25_K1 + 1) * tfn / (FOSSC_BM25_K1 + tfn);
    if (fabs(res.hits[h].score - sc) > 1e-5 * sc) {
      printf("  %s: doc %u scores %f, model %f (%u in title, %u in body)\n", q,
             d, res.hits[h].score, sc, expected[d][0], expected[d][1]);
      return 0;
    }
  }
  return 1;
}

TEST(phrases_match_model) {
  uint8_t ph[4];
  uint32_t matched = 0;
  for (uint32_t n = 2; n <= 4; n++) {
    for (int i = 0; i < NPHRASES; i++) {
      if (i % 2) {
        /* Taken from a body: it matches at least there. */
        uint32_t d = rnd(NDOCS);
        if (nbody[d] < n) continue;
        uint32_t at = rnd(nbody[d] - n + 1);
        memcpy(ph, body[d] + at, n);
      } else {
        for (uint32_t j = 0; j < n; j++) ph[j] = word();
      }
      /* A phrase of stop words alone would be another test. */
      int content = 0;
      for (uint32_t j = 0; j < n; j++) content |= ph[j] >= 4;
      if (!content) continue;
      CHECK(phrase_agrees(ph, n));
      matched++;
    }
  }
  CHECK(matched > 100);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/fossc-test-phrase-XXXXXX");
  if (!mkdtemp(tmpdir)) return 1;
  if (build() || fossc_index_open(tmpdir, &ix, &err) ||
      fossc_searcher_create(&s, &err)) {
    fprintf(stderr, "setup: %s\n", err.msg);
    printf("phrase: 0 passed, 1 failed\n");
    return 1;
  }
  RUN(phrases_match_model);
  fossc_searcher_free(s);
  fossc_index_free(ix);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  if (system(cmd)) return 1;
  return TEST_SUMMARY("phrase");
}
