/* libFuzzer target: the translation lexicon. Even first byte: the rest is a
** lexicon blob, opened and looked up (open must refuse what lookups could
** not read safely). Odd first byte: the rest is an lt-print listing, built
** into a blob that must then open and answer lookups (round trip). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lexicon.h"

static fossc_analyzer *an;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fossc_error err;
  if (fossc_analyzer_create(&an, &err)) abort();
  return 0;
}

static void lookups(const fossc_lexicon *lx) {
  static const char *const keys[] = {"acer", "=acero", "steel", "turism rural", "a", ""};
  fossc_lexicon_target t[FOSSC_LEXICON_MAX_TARGETS];
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    for (int lang = 0; lang < FOSSC_LANG_COUNT; lang++) {
      uint32_t n = fossc_lexicon_lookup(lx, (fossc_lang)lang, keys[i], strlen(keys[i]), t,
                                        FOSSC_LEXICON_MAX_TARGETS);
      for (uint32_t k = 0; k < n; k++)
        if (t[k].str[t[k].len] != 0 || !(t[k].weight > 0.0f)) abort();
    }
  fossc_buf j = FOSSC_BUF_INIT;
  fossc_lexicon_info_json(lx, &j);
  fossc_buf_free(&j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  fossc_lexicon lx;
  fossc_error err;
  if ((data[0] & 1) == 0) {
    /* a private copy, so reads past the input are caught exactly */
    uint8_t *m = malloc(size - 1 ? size - 1 : 1);
    memcpy(m, data + 1, size - 1);
    if (fossc_lexicon_open(m, size - 1, &lx, &err) == FOSSC_OK) lookups(&lx);
    free(m);
    return 0;
  }
  fossc_buf blob = FOSSC_BUF_INIT;
  if (fossc_lexicon_build_att(an, (const char *)data + 1, size - 1, NULL, 0, "fuzz",
                              NULL, NULL, &blob, NULL, &err) == FOSSC_OK) {
    if (fossc_lexicon_open((const uint8_t *)blob.data, blob.len, &lx, &err) != FOSSC_OK)
      abort();
    lookups(&lx);
  }
  fossc_buf_free(&blob);
  return 0;
}
