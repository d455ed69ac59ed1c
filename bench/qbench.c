/*
** qbench: times queries in-process against one index (no daemon, no
** network), the figures quoted in docs/performance.md.
**
**   build/bench/qbench INDEX_DIR QUERIES.txt [passes] [snippets 0|1] [check|times]
**
** QUERIES.txt: one query per line in fossc syntax. Prints the mean
** microseconds per query over all passes and the p50/p99 of single
** queries (first pass excluded, as a warm-up). With "check", each query
** first runs with exact_total (no pruning) and its hits must equal the
** pruned run's (same documents, same order, same scores): the check behind
** the block-max pruning in docs/performance.md. With "times", each query's
** microseconds in the last pass follow, one "us<TAB>query" line each: run
** in file order, every query meets the caches as the benchmark leaves them
** (the other queries ran since its last turn), which per-class medians of
** repeated runs of one query would not show (docs/performance.md,
** "Position skips").
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search.h"

/* Queries read at most: the make-queries sets hold 7,500. */
#define MAX_QUERIES 100000

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: qbench INDEX_DIR QUERIES.txt [passes] [snippets] [check|times]\n");
    return 2;
  }
  int passes = argc > 3 ? atoi(argv[3]) : 3;
  int snippets = argc > 4 ? atoi(argv[4]) : 0;
  if (passes < 2) passes = 2;
  fossc_index *ix;
  fossc_searcher *s;
  fossc_error err = {0};
  if (fossc_index_open(argv[1], &ix, &err) || fossc_searcher_create(&s, &err)) {
    fprintf(stderr, "qbench: %s\n", err.msg);
    return 1;
  }
  FILE *f = fopen(argv[2], "r");
  if (!f) {
    perror(argv[2]);
    return 1;
  }
  static char *qs[MAX_QUERIES];
  char line[8192];
  int n = 0, errors = 0;
  while (n < MAX_QUERIES && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    if (*line) qs[n++] = strdup(line);
  }
  fclose(f);
  if (argc > 5 && !strcmp(argv[5], "check")) {
    /* Hits of the exact run, copied before the pruned run reuses s. */
    static uint32_t docs[FOSSC_MAX_LIMIT];
    static double scores[FOSSC_MAX_LIMIT];
    int diff = 0;
    uint64_t pruned = 0;
    for (int i = 0; i < n; i++) {
      fossc_search_req r = {qs[i], strlen(qs[i]), 10, 0, 0, 0, 0, 1};
      fossc_results a, b;
      if (fossc_search(s, ix, &r, &a, &err)) {
        errors++;
        continue;
      }
      uint32_t na = a.count;
      for (uint32_t h = 0; h < na; h++) {
        docs[h] = a.hits[h].docnum;
        scores[h] = a.hits[h].score;
      }
      r.exact_total = 0;
      if (fossc_search(s, ix, &r, &b, &err)) {
        errors++;
        continue;
      }
      pruned += !b.total_exact;
      int same = b.count == na;
      for (uint32_t h = 0; same && h < na; h++)
        same = docs[h] == b.hits[h].docnum && scores[h] == b.hits[h].score;
      if (!same) {
        diff++;
        printf("differs: %s\n  exact:", qs[i]);
        for (uint32_t h = 0; h < na; h++) printf(" %u:%.6f", docs[h], scores[h]);
        printf("\n  fast: ");
        for (uint32_t h = 0; h < b.count; h++)
          printf(" %u:%.6f", b.hits[h].docnum, b.hits[h].score);
        printf("\n");
      }
    }
    printf("check: %d queries, %d differ, %llu pruned, %d errors\n", n, diff,
           (unsigned long long)pruned, errors);
    return diff || errors;
  }
  int times = argc > 5 && !strcmp(argv[5], "times");
  uint64_t *lat = malloc(sizeof *lat * (size_t)n * (size_t)(passes - 1));
  uint64_t *last = malloc(sizeof *last * (size_t)(n ? n : 1));
  size_t nl = 0;
  uint64_t total = 0;
  for (int p = 0; p < passes; p++)
    for (int i = 0; i < n; i++) {
      fossc_search_req r = {qs[i], strlen(qs[i]), 10, 0, 0, snippets, 0};
      fossc_results res;
      uint64_t t0 = fossc_now_us();
      if (fossc_search(s, ix, &r, &res, &err)) errors++;
      uint64_t dt = fossc_now_us() - t0;
      last[i] = dt;
      if (p > 0) {
        lat[nl++] = dt;
        total += dt;
      }
    }
  qsort(lat, nl, sizeof *lat, cmp_u64);
  printf("%d queries x %d passes: mean %.1f us, p50 %llu us, p99 %llu us, "
         "%d errors\n",
         n, passes - 1, nl ? (double)total / nl : 0.0,
         nl ? (unsigned long long)lat[nl / 2] : 0ull,
         nl ? (unsigned long long)lat[nl * 99 / 100] : 0ull, errors);
  if (times)
    for (int i = 0; i < n; i++) printf("%llu\t%s\n", (unsigned long long)last[i], qs[i]);
  for (int i = 0; i < n; i++) free(qs[i]);
  free(lat);
  free(last);
  fossc_searcher_free(s);
  fossc_index_free(ix);
  return errors ? 1 : 0;
}
