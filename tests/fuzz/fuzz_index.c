/* libFuzzer target: any bytes as an index generation file. The harness
** recomputes every section checksum and the header checksum first, so the
** mutations reach the bounds checks and decoders behind them instead of
** stopping at the checksums; then the index is opened, searched, and every
** document fetched. Seeds: tests/golden/v3/fossc-000001.idx and
** seeds/fuzz_index/long-form-lists.idx (150 documents repeating seven
** words: long-form lists whose blocks end with position skip tables). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "format.h"
#include "search.h"

static char dir[64];
static char path[128];
static fossc_searcher *s;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  snprintf(dir, sizeof dir, "/tmp/fossc-fuzz-index-XXXXXX");
  if (!mkdtemp(dir)) abort();
  char cur[128];
  snprintf(cur, sizeof cur, "%s/CURRENT", dir);
  FILE *f = fopen(cur, "w");
  fputs("fossc-000001.idx\n", f);
  fclose(f);
  snprintf(path, sizeof path, "%s/fossc-000001.idx", dir);
  fossc_error err;
  if (fossc_searcher_create(&s, &err)) abort();
  return 0;
}

static void put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void fix_checksums(uint8_t *m, size_t len) {
  size_t table = FOSSC_HEADER_BYTES + FOSSC_MAX_SECTIONS * FOSSC_SECTION_ENTRY_BYTES;
  if (len < table) return;
  put64(m + 16, len);
  uint32_t n = fossc_rd32(m + 12);
  for (uint32_t i = 0; i < n && i < FOSSC_MAX_SECTIONS; i++) {
    uint8_t *e = m + FOSSC_HEADER_BYTES + i * FOSSC_SECTION_ENTRY_BYTES;
    uint64_t off = fossc_rd64(e + 8), l = fossc_rd64(e + 16);
    if (off <= len && l <= len - off) put64(e + 24, XXH64(m + off, l, 0));
  }
  XXH64_state_t *x = XXH64_createState();
  XXH64_reset(x, 0);
  XXH64_update(x, m, 40);
  XXH64_update(x, m + FOSSC_HEADER_BYTES, FOSSC_MAX_SECTIONS * FOSSC_SECTION_ENTRY_BYTES);
  put64(m + 40, XXH64_digest(x));
  XXH64_freeState(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *m = malloc(size ? size : 1);
  memcpy(m, data, size);
  fix_checksums(m, size);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, m, size) != (ssize_t)size) abort();
  close(fd);
  free(m);
  fossc_index *ix;
  fossc_error err;
  if (fossc_index_open(dir, &ix, &err) != FOSSC_OK) return 0;
  static const char *queries[] = {"energía solar", "\"molten salt\"", "ener*",
                                  "+army -solar", "revolucion lang:es"};
  for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
    fossc_search_req r = {queries[i], strlen(queries[i]), 10, 0, 0, 1, 1};
    fossc_results res;
    fossc_search(s, ix, &r, &res, &err);
  }
  fossc_buf b = FOSSC_BUF_INIT;
  for (uint32_t d = 0; d < fossc_index_doc_count(ix) && d < 64; d++) {
    fossc_docview v;
    fossc_index_doc(ix, d, &b, &v, &err);
  }
  fossc_buf_free(&b);
  fossc_index_free(ix);
  return 0;
}
