/* libFuzzer target: any bytes as a query, parsed and run against the golden
** index (tests/golden/v3), with snippets and explanations. Must never crash,
** leak or read out of bounds; errors are fine. */
#include <stdint.h>
#include <stdlib.h>

#include "query.h"
#include "search.h"

static fossc_index *ix;
static fossc_searcher *s;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fossc_error err;
  const char *dir = getenv("FOSSC_FUZZ_INDEX") ? getenv("FOSSC_FUZZ_INDEX") : "tests/golden/v3";
  if (fossc_index_open(dir, &ix, &err) || fossc_searcher_create(&s, &err)) abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fossc_query q;
  fossc_error err;
  fossc_query_parse((const char *)data, size, &q, &err);
  fossc_search_req r = {(const char *)data, size, 5, size % 3, (fossc_lang)(size % 3),
                        1, (int)(size & 1)};
  fossc_results res;
  if (fossc_search(s, ix, &r, &res, &err) == FOSSC_OK) {
    if (res.count > 5) abort();
    for (uint32_t i = 0; i < res.count; i++)
      if (!res.hits[i].id || !res.hits[i].snippet) abort();
  }
  return 0;
}
