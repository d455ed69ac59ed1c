/*
** libFuzzer target for the corpus readers: the input is read as each format
** through fossc_corpus_read_buffer. Nothing may crash, and every document
** handed out must be NUL-terminated valid UTF-8 with a non-empty id.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"

static int valid_utf8(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    size_t k = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2
               : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (!k || n - i < k) return 0;
    for (size_t j = 1; j < k; j++) {
      if ((s[i + j] & 0xC0) != 0x80) return 0;
    }
    if (c == 0xE0 && s[i + 1] < 0xA0) return 0;
    if (c == 0xED && s[i + 1] > 0x9F) return 0;
    if (c == 0xF0 && s[i + 1] < 0x90) return 0;
    if (c == 0xF4 && s[i + 1] > 0x8F) return 0;
    i += k;
  }
  return 1;
}

static void check(const char *s, size_t n) {
  if (!s || s[n] != '\0' || !valid_utf8((const unsigned char *)s, n)) abort();
}

static int on_doc(void *ctx, const fossc_doc *d) {
  (void)ctx;
  if (!d->id_len) abort();
  check(d->id, d->id_len);
  check(d->title, d->title_len);
  check(d->source, d->source_len);
  check(d->body, d->body_len);
  if ((unsigned)d->lang >= FOSSC_LANG_COUNT) abort();
  return 0;
}

static void on_warn(void *ctx, const char *file, uint64_t line,
                    const char *msg) {
  (void)ctx;
  (void)line;
  if (!file || !msg) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const int formats[] = {FOSSC_CORPUS_AUTO, FOSSC_CORPUS_JSONL,
                                FOSSC_CORPUS_TEXT, FOSSC_CORPUS_MARKDOWN,
                                FOSSC_CORPUS_BLOG};
  for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
    for (int strict = 0; strict < 2; strict++) {
      fossc_corpus_stats st;
      fossc_error err;
      int rc = fossc_corpus_read_buffer("fuzz/in.txt", (const char *)data,
                                        size, formats[i], strict, on_doc,
                                        on_warn, NULL, &st, &err);
      if (rc != FOSSC_OK && rc != FOSSC_ERR_INPUT) abort();
      if (!strict && rc != FOSSC_OK) abort();
    }
  }
  return 0;
}
