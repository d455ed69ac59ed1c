/* libFuzzer target: any bytes as a query word for typo candidates, against
** a small index built at start-up whose words share prefixes, differ by one
** or two edits and include multibyte letters and numbers. Checks the
** documented contract: sorted output, distances within the rule, the query
** word itself never returned, every candidate really at that distance. */
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
      "aaba abaa baaa aabb abab";
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
  return 0;
}
