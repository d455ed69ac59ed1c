/* libFuzzer target: lttoolbox transducer files (lexicon_lttb.c). The input
** is a .bin file: printed as lt-print would; what prints must then build
** into a lexicon blob or be refused cleanly, and a built blob must open.
** Seeds: tests/fuzz/seeds/fuzz_lttb/ (small hand-made transducers). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lexicon_int.h"

static fossc_analyzer *an;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fossc_error err;
  if (fossc_analyzer_create(&an, &err)) abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* a private copy, so reads past the input are caught exactly */
  uint8_t *m = malloc(size ? size : 1);
  if (!m) return 0;
  memcpy(m, data, size);
  fossc_buf att = FOSSC_BUF_INIT, blob = FOSSC_BUF_INIT;
  fossc_error err;
  int rc = fossc_lttb_listing(m, size, "fuzz", &att, &err);
  if (rc != FOSSC_OK && rc != FOSSC_ERR_CORRUPT && rc != FOSSC_ERR_LIMIT &&
      rc != FOSSC_ERR_VERSION && rc != FOSSC_ERR_NOMEM)
    abort();
  if (rc == FOSSC_OK) {
    rc = fossc_lexicon_build_att(an, att.data, att.len, NULL, 0, "fuzz", NULL, NULL, &blob,
                                 NULL, &err);
    if (rc == FOSSC_OK) {
      fossc_lexicon lx;
      if (fossc_lexicon_open((const uint8_t *)blob.data, blob.len, &lx, &err) != FOSSC_OK)
        abort();
    }
  }
  fossc_buf_free(&att);
  fossc_buf_free(&blob);
  free(m);
  return 0;
}
