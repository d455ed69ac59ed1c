/* libFuzzer target: a prepared-lexicon cache file (lexicon_cache.c). The
** bytes are parsed as a cache file of any key; what parses must finish
** into a lexicon blob that fossc_lexicon_open accepts, filtered or not
** (the finish trusts what the parse checked). Checksums make random
** mutations fail early, so the input's last 8 bytes are replaced by the
** checksum of the rest half of the time. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "lexicon_int.h"

static int keep_odd(void *ctx, fossc_lang lang, const char *term, size_t len) {
  (void)ctx;
  (void)lang;
  return len > 0 && (term[0] & 1);
}

static void finish(struct builder *b, int filtered) {
  fossc_lexicon_info info;
  fossc_error err;
  fossc_buf blob = FOSSC_BUF_INIT;
  memset(&info, 0, sizeof info);
  if (fossc_lexicon_text_finish(b, "fuzz", filtered ? keep_odd : NULL, NULL, &blob, &info,
                                &err) == FOSSC_OK) {
    fossc_lexicon lx;
    if (fossc_lexicon_open((const uint8_t *)blob.data, blob.len, &lx, &err) != FOSSC_OK) abort();
  }
  fossc_buf_free(&blob);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  size_t n = size - 1;
  uint8_t *m = malloc(n ? n : 1); /* a private copy: overreads are caught */
  memcpy(m, data + 1, n);
  if ((data[0] & 1) && n >= 8) {
    uint64_t h = XXH3_64bits(m, n - 8);
    for (int i = 0; i < 8; i++) m[n - 8 + i] = (uint8_t)(h >> (8 * i));
  }
  fossc_lexicon_info info;
  char version[64];
  int lt;
  fossc_error err;
  struct builder *b = NULL;
  memset(&info, 0, sizeof info);
  if (fossc_lexcache_parse(m, n, NULL, &info, version, sizeof version, &lt, &err, &b) ==
      FOSSC_OK) {
    if (!b || strlen(version) >= sizeof version) abort();
    finish(b, data[0] & 2);
  } else if (b) {
    abort();
  }
  fossc_lexicon_builder_free(b);
  free(m);
  return 0;
}
