/*
** libFuzzer target for the analysis pipeline: any bytes must analyse without
** a crash, and every token must satisfy the documented invariants; the
** sanitiser must produce valid, NUL-free UTF-8 that sanitises to itself.
**   clang -fsanitize=fuzzer,address -Ilibfossc tests/fuzz/fuzz_analysis.c \
**     libfossc/common.c libfossc/analysis.c libfossc/langid.c \
**     libfossc/stopwords.c -lutf8proc -lxxhash -lstemmer
*/
#include "analysis.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static fossc_analyzer *an;

static int valid_utf8(const char *s, size_t n) {
  utf8proc_ssize_t i = 0;
  while ((size_t)i < n) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                          (utf8proc_ssize_t)n - i, &cp);
    if (k <= 0 || cp == 0) return 0;
    i += k;
  }
  return 1;
}

typedef struct fuzz_ctx {
  size_t len;
  uint32_t next_pos;
  uint32_t last_start;
} fuzz_ctx;

static int check_tok(void *ctx, const fossc_token *t) {
  fuzz_ctx *c = ctx;
  if (t->pos != c->next_pos++) abort();
  if (t->start >= t->end || t->end > c->len || t->start < c->last_start) abort();
  c->last_start = t->start;
  if (!t->surface_len || !t->plain_len || !t->term_len) abort();
  if (t->surface_len > FOSSC_MAX_WORD_BYTES || t->plain_len > FOSSC_MAX_WORD_BYTES ||
      t->term_len > FOSSC_MAX_WORD_BYTES)
    abort();
  if (strlen(t->surface) != t->surface_len || strlen(t->plain) != t->plain_len ||
      strlen(t->term) != t->term_len)
    abort();
  if (!valid_utf8(t->surface, t->surface_len) || !valid_utf8(t->plain, t->plain_len) ||
      !valid_utf8(t->term, t->term_len))
    abort();
  if (t->lang != FOSSC_LANG_EN && t->lang != FOSSC_LANG_ES) abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!an && fossc_analyzer_create(&an, NULL) != FOSSC_OK) abort();
  const char *text = (const char *)data;
  fuzz_ctx c = {size, 5, 0};
  fossc_lang fb = size ? (fossc_lang)(data[0] % 3) : FOSSC_LANG_UNKNOWN;
  if (fossc_analyze(an, text, size, fb, 5, check_tok, &c) != FOSSC_OK) abort();
  (void)fossc_detect_lang(an, text, size);

  fossc_buf a = FOSSC_BUF_INIT, b = FOSSC_BUF_INIT;
  long bad = fossc_utf8_sanitize(text, size, &a);
  if (bad < 0) abort();
  if (!valid_utf8(a.data, a.len)) abort();
  if (bad == 0 && (a.len != size || memcmp(a.data, text, size) != 0)) abort();
  if (fossc_utf8_sanitize(a.data, a.len, &b) != 0) abort();
  if (b.len != a.len || memcmp(a.data, b.data, a.len) != 0) abort();
  if (fossc_fold_plain(text, size, &b) != FOSSC_OK || !valid_utf8(b.data, b.len)) abort();
  if (size <= 2 * FOSSC_MAX_WORD_BYTES) {
    for (int lang = 0; lang < 3; lang++) {
      if (fossc_analyzer_term(an, (fossc_lang)lang, text, size, &b) != FOSSC_OK) abort();
      if (!valid_utf8(b.data, b.len) || b.len > FOSSC_MAX_WORD_BYTES) abort();
    }
  }
  fossc_buf_free(&a);
  fossc_buf_free(&b);
  return 0;
}
