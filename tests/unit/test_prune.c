/*
** Dynamic pruning (block-max windows, MaxScore, the phrase frequency bound,
** proximity only for documents that can still enter the top k) must not
** change a single hit: on a generated corpus large enough for multi-block
** lists, every query is run with exact_total (no pruning) and without, and
** the pages must be equal document by document and score by score.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "index.h"
#include "search.h"
#include "search_int.h"

/* Documents: several 128-document blocks for the frequent words, and a
** corpus built in about a second. */
#define NDOCS 3000
/* Queries generated per class. */
#define NQUERIES 60

static const char *const vocab[] = {
    "the", "of", "and", "to", "in", "system", "data", "network", "energy",
    "solar", "power", "plant", "city", "river", "train", "steel", "factory",
    "worker", "school", "farm", "village", "road", "bridge", "port", "ship",
    "market", "price", "export", "import", "industry", "science", "research",
    "model", "design", "engine", "battery", "vehicle", "electric", "grid",
    "water", "forest", "mountain", "desert", "wind", "turbine", "panel",
    "silicon", "chip", "robot", "hospital", "doctor", "medicine", "history",
    "museum", "temple", "wall", "army", "emperor", "dynasty", "poem", "music",
    "film", "festival", "tea", "rice", "noodle", "bamboo", "panda", "garden",
    "energía", "ciudad", "río", "tren", "acero", "fábrica", "escuela", "puente",
    "mercado", "ciencia", "agua", "bosque", "montaña", "desierto", "viento",
};
#define NVOCAB (sizeof vocab / sizeof vocab[0])

static fossc_index *ix;
static fossc_searcher *s;
static fossc_error err;
static char tmpdir[64];
static uint32_t rng = 12345;

static uint32_t next_rand(void) {
  rng = rng * 1103515245u + 12345u;
  return rng >> 8;
}

/* Zipf-like: small indices far more often than large ones. */
static const char *word(void) {
  uint32_t r = next_rand() % 10000;
  return vocab[(r * r / 10000) * NVOCAB / 10000];
}

static int build(void) {
  fossc_writer *w;
  if (fossc_writer_create(NULL, &w, &err)) return -1;
  static char body[64 << 10];
  char id[32], title[256];
  int rc = 0;
  for (uint32_t i = 0; i < NDOCS && !rc; i++) {
    snprintf(id, sizeof id, "d%u", i);
    snprintf(title, sizeof title, "%s %s %s", word(), word(), word());
    char *p = body;
    /* lengths from 10 to ~2,000 words so that norms differ */
    uint32_t n = 10 + next_rand() % (i % 7 == 0 ? 2000 : 300);
    for (uint32_t k = 0; k < n; k++) p += sprintf(p, "%s ", word());
    fossc_doc d = {id, title, "gen", body, strlen(id), strlen(title), 3,
                   (size_t)(p - body), FOSSC_LANG_UNKNOWN};
    rc = fossc_writer_add(w, &d, &err);
  }
  if (!rc) rc = fossc_writer_finish(w, tmpdir, NULL, &err);
  fossc_writer_free(w);
  return rc;
}

static uint32_t docs[FOSSC_MAX_LIMIT];
static double scores[FOSSC_MAX_LIMIT];
static uint32_t kept; /* hits in docs/scores */
static uint32_t pruned_queries, compared;

/* Keeps a page's documents and scores before the searcher is reused. */
static void keep_page(const fossc_results *a) {
  kept = a->count;
  for (uint32_t h = 0; h < kept; h++) {
    docs[h] = a->hits[h].docnum;
    scores[h] = a->hits[h].score;
  }
}

/* Whether page b is the kept one: the same documents, scores to the bit. */
static int same_page(const fossc_results *b) {
  if (b->count != kept) return 0;
  for (uint32_t h = 0; h < kept; h++)
    if (docs[h] != b->hits[h].docnum || scores[h] != b->hits[h].score) return 0;
  return 1;
}

/* Runs q exactly and pruned; returns 1 if the pages agree. */
static int same_both_ways(const char *q, uint32_t limit) {
  fossc_search_req r = {q, strlen(q), limit, 0, 0, 0, 0, 1};
  fossc_results a, b;
  if (fossc_search(s, ix, &r, &a, &err)) {
    printf("  %s: %s\n", q, err.msg);
    return 0;
  }
  if (!a.total_exact) {
    printf("  %s: exact_total run says its total is not exact\n", q);
    return 0;
  }
  uint32_t na = a.count;
  uint64_t total = a.total;
  keep_page(&a);
  r.exact_total = 0;
  if (fossc_search(s, ix, &r, &b, &err)) return 0;
  compared++;
  pruned_queries += !b.total_exact;
  int same = b.count == na && b.total <= total && (b.total_exact ? b.total == total : 1);
  same = same && same_page(&b);
  if (!same) printf("  differs: %s (limit %u)\n", q, limit);
  return same;
}

TEST(terms_and_prefixes) {
  /* One-concept queries are evaluated term at a time, never pruned: the
  ** general walk's pruning of them (indexes over TAAT_MAX_DOCS) is tested
  ** here with that path forced; term_at_a_time_agrees tests the other. */
  char q[256];
  s->taat_max_docs = 0;
  for (int i = 0; i < NQUERIES; i++) {
    snprintf(q, sizeof q, "%s", word());
    CHECK(same_both_ways(q, 10));
    snprintf(q, sizeof q, "%.3s*", word());
    CHECK(same_both_ways(q, 10));
  }
  s->taat_max_docs = TAAT_MAX_DOCS;
}

TEST(and_or_not) {
  char q[256];
  for (int i = 0; i < NQUERIES; i++) {
    snprintf(q, sizeof q, "+%s +%s", word(), word());
    CHECK(same_both_ways(q, 10));
    snprintf(q, sizeof q, "%s OR %s OR %s", word(), word(), word());
    CHECK(same_both_ways(q, 10));
    snprintf(q, sizeof q, "%s %s %s %s", word(), word(), word(), word());
    CHECK(same_both_ways(q, 5));
    snprintf(q, sizeof q, "%s %s -%s", word(), word(), word());
    CHECK(same_both_ways(q, 20));
  }
}

TEST(phrases) {
  char q[256];
  for (int i = 0; i < NQUERIES; i++) {
    snprintf(q, sizeof q, "\"%s %s\"", word(), word());
    CHECK(same_both_ways(q, 10));
    snprintf(q, sizeof q, "\"%s %s\" %s", word(), word(), word());
    CHECK(same_both_ways(q, 10));
  }
}

/* Runs q (one word or prefix) term at a time, then with the general walk
** without pruning; returns 1 if pages and totals agree. */
static int taat_agrees(const char *q) {
  fossc_search_req r = {q, strlen(q), 10, 0, 0, 0, 0, 0};
  fossc_results a, b;
  if (fossc_search(s, ix, &r, &a, &err)) return 0;
  uint32_t na = a.count;
  uint64_t total = a.total;
  int exact = a.total_exact;
  keep_page(&a);
  s->taat_max_docs = 0;
  r.exact_total = 1;
  int rc = fossc_search(s, ix, &r, &b, &err);
  s->taat_max_docs = TAAT_MAX_DOCS;
  if (rc) return 0;
  int same = exact && b.total_exact && b.total == total && b.count == na;
  same = same && same_page(&b);
  if (!same) printf("  term at a time differs: %s\n", q);
  return same;
}

TEST(term_at_a_time_agrees) {
  char q[256];
  for (int i = 0; i < NQUERIES; i++) {
    snprintf(q, sizeof q, "%s", word());
    CHECK(taat_agrees(q));
    snprintf(q, sizeof q, "%.2s*", word());
    CHECK(taat_agrees(q));
  }
  /* Accumulators are reused by epoch: after a wrap none may look fresh. */
  s->taat_epoch = UINT32_MAX;
  CHECK(taat_agrees("energy"));
  CHECK(s->taat_epoch == 1);
  CHECK(taat_agrees("energ*"));
}

/* Runs q with the general scoring loop, then (words only) with
** score_words_at; returns 1 if pages and totals agree to the bit. */
static int fast_score_agrees(const char *q, int exact) {
  fossc_search_req r = {q, strlen(q), 10, 0, 0, 0, 0, exact};
  fossc_results a, b;
  s->general_score = 1;
  int rc = fossc_search(s, ix, &r, &a, &err);
  s->general_score = 0;
  if (rc) return 0;
  uint32_t na = a.count;
  uint64_t total = a.total;
  int te = a.total_exact;
  keep_page(&a);
  if (fossc_search(s, ix, &r, &b, &err)) return 0;
  int same = b.total == total && b.total_exact == te && b.count == na;
  same = same && same_page(&b);
  if (!same) printf("  word scoring differs: %s (exact %d)\n", q, exact);
  return same;
}

TEST(word_scoring_agrees) {
  char q[256];
  for (int i = 0; i < NQUERIES; i++) {
    for (int exact = 0; exact < 2; exact++) {
      snprintf(q, sizeof q, "%s OR %s OR %s", word(), word(), word());
      CHECK(fast_score_agrees(q, exact));
      snprintf(q, sizeof q, "%s OR %.2s* OR %s", word(), word(), word());
      CHECK(fast_score_agrees(q, exact));
      snprintf(q, sizeof q, "%s %s %s %.2s*", word(), word(), word(), word());
      CHECK(fast_score_agrees(q, exact));
      snprintf(q, sizeof q, "%s %s", word(), word());
      CHECK(fast_score_agrees(q, exact));
    }
  }
}

/* Runs q as the walk does by default, then reading every position of
** every matching document (s->prox_every), pruned both times, then the
** latter without pruning; returns 1 if the pages agree to the bit and the
** two pruned runs agree on the total and its flag too (the bound on a
** document's proximity decides only whose positions are read, never a
** pruning decision). Counts the documents that read positions. */
static uint64_t prox_default, prox_every_docs;
static int prox_agrees(const char *q, uint32_t limit) {
  fossc_search_req r = {q, strlen(q), limit, 0, 0, 0, 0, 0};
  fossc_results a, b;
  uint64_t was = s->prox_docs;
  if (fossc_search(s, ix, &r, &a, &err)) return 0;
  prox_default += s->prox_docs - was;
  uint32_t na = a.count;
  uint64_t total = a.total;
  int te = a.total_exact;
  keep_page(&a);
  s->prox_every = 1;
  was = s->prox_docs;
  int rc = fossc_search(s, ix, &r, &b, &err);
  prox_every_docs += s->prox_docs - was;
  int same = !rc && b.total == total && b.total_exact == te && b.count == na;
  same = same && same_page(&b);
  r.exact_total = 1;
  rc = fossc_search(s, ix, &r, &b, &err);
  s->prox_every = 0;
  same = same && !rc && b.count == na;
  same = same && same_page(&b);
  if (!same) printf("  proximity differs: %s (limit %u)\n", q, limit);
  return same;
}

TEST(proximity_only_where_needed) {
  char q[256];
  static const uint32_t limits[] = {1, 5, 10, 20};
  for (int i = 0; i < NQUERIES; i++) {
    uint32_t lim = limits[i % 4];
    snprintf(q, sizeof q, "+%s +%s", word(), word());
    CHECK(prox_agrees(q, lim));
    snprintf(q, sizeof q, "%s OR %s OR %s", word(), word(), word());
    CHECK(prox_agrees(q, lim));
    snprintf(q, sizeof q, "%s %s %s %s", word(), word(), word(), word());
    CHECK(prox_agrees(q, lim));
    snprintf(q, sizeof q, "+%s %s -%s %s", word(), word(), word(), word());
    CHECK(prox_agrees(q, lim));
    snprintf(q, sizeof q, "%s \"%s %s\" %s", word(), word(), word(), word());
    CHECK(prox_agrees(q, lim));
    snprintf(q, sizeof q, "%s %.3s* %s", word(), word(), word());
    CHECK(prox_agrees(q, lim));
    /* A word no document has between two others: every document pairs
    ** them across it (add_proximity skips unmatched concepts). */
    snprintf(q, sizeof q, "%s OR xylophone OR %s", word(), word());
    CHECK(prox_agrees(q, lim));
  }
  /* Without this the comparisons would pass vacuously. */
  printf("  positions read for %llu documents, %llu with every match\n",
         (unsigned long long)prox_default, (unsigned long long)prox_every_docs);
  CHECK(prox_default < prox_every_docs / 2);
}

TEST(pruning_happens) {
  /* Without this the comparisons above would pass vacuously. */
  printf("  %u of %u queries pruned\n", pruned_queries, compared);
  CHECK(pruned_queries > compared / 10);
}

TEST(priming_happens) {
  /* The OR and plain word lists of and_or_not are primed (prime_threshold)
  ** before their walks; their pages must still equal the unpruned ones. */
  printf("  %llu queries primed\n", (unsigned long long)s->primed);
  CHECK(s->primed > NQUERIES / 2);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/fossc-test-prune-XXXXXX");
  if (!mkdtemp(tmpdir)) return 1;
  if (build() || fossc_index_open(tmpdir, &ix, &err) ||
      fossc_searcher_create(&s, &err)) {
    fprintf(stderr, "setup: %s\n", err.msg);
    printf("prune: 0 passed, 1 failed\n");
    return 1;
  }
  RUN(terms_and_prefixes);
  RUN(and_or_not);
  RUN(phrases);
  RUN(term_at_a_time_agrees);
  RUN(word_scoring_agrees);
  RUN(proximity_only_where_needed);
  RUN(pruning_happens);
  RUN(priming_happens);
  fossc_searcher_free(s);
  fossc_index_free(ix);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  if (system(cmd)) return 1;
  return TEST_SUMMARY("prune");
}
