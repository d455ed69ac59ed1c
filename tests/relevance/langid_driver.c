/*
** langid_driver: fossc_detect_lang over labelled paragraphs.
**
**   langid_driver PARAS [MISSES]
**
** PARAS is a sequence of records "<en|es> <nbytes>\n<nbytes bytes>" (written
** by tests/relevance/langid). Prints one line per label and one for all:
**   <label> <paragraphs> <correct> <unknown> <wrong>
** and, with MISSES, writes every paragraph not detected as its label there
** (label, guess, first bytes). Exit 0, or 2 on unreadable or malformed input.
** Linked against libfossc.a by tests/relevance/langid; not part of `make`.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "common.h"

/* A paragraph longer than this is a malformed record: the corpus's longest
** body is far below it, and it bounds what a bad length makes us allocate. */
#define LANGID_MAX_PARA (64u << 20)
/* Bytes of a missed paragraph written to the MISSES file: enough to see why. */
#define LANGID_MISS_BYTES 400

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: langid_driver PARAS [MISSES]\n");
    return 2;
  }
  FILE *in = fopen(argv[1], "rb");
  FILE *miss = argc == 3 ? fopen(argv[2], "w") : NULL;
  if (!in || (argc == 3 && !miss)) {
    perror(!in ? argv[1] : argv[2]);
    return 2;
  }
  fossc_analyzer *a = NULL;
  fossc_error err;
  if (fossc_analyzer_create(&a, &err) != FOSSC_OK) {
    fprintf(stderr, "langid_driver: %s\n", err.msg);
    return 2;
  }
  /* counts[label][guess], label and guess indexed by fossc_lang */
  long counts[FOSSC_LANG_COUNT][FOSSC_LANG_COUNT] = {{0}};
  char *buf = NULL;
  size_t cap = 0;
  int rc = 0;
  char label[8];
  unsigned long n;
  for (;;) {
    int got = fscanf(in, "%7s %lu", label, &n);
    if (got == EOF) break;
    fossc_lang want = fossc_lang_parse(label, strlen(label));
    if (got != 2 || want == FOSSC_LANG_UNKNOWN || n > LANGID_MAX_PARA ||
        fgetc(in) != '\n') {
      fprintf(stderr, "langid_driver: malformed record in %s\n", argv[1]);
      rc = 2;
      break;
    }
    if (n + 1 > cap) {
      char *nb = fossc_realloc(buf, n + 1);
      if (!nb) {
        fprintf(stderr, "langid_driver: out of memory\n");
        rc = 2;
        break;
      }
      buf = nb;
      cap = n + 1;
    }
    if (fread(buf, 1, n, in) != n) {
      fprintf(stderr, "langid_driver: truncated record in %s\n", argv[1]);
      rc = 2;
      break;
    }
    fossc_lang got_lang = fossc_detect_lang(a, buf, n);
    counts[want][got_lang]++;
    if (miss && got_lang != want)
      fprintf(miss, "=== label %s, detected %s\n%.*s\n", fossc_lang_name(want),
              fossc_lang_name(got_lang),
              (int)(n > LANGID_MISS_BYTES ? LANGID_MISS_BYTES : n), buf);
  }
  if (rc == 0) {
    long all[4] = {0};
    for (int l = FOSSC_LANG_EN; l <= FOSSC_LANG_ES; l++) {
      long tot = counts[l][0] + counts[l][1] + counts[l][2];
      long ok = counts[l][l], unk = counts[l][FOSSC_LANG_UNKNOWN];
      printf("%s %ld %ld %ld %ld\n", fossc_lang_name((fossc_lang)l), tot, ok,
             unk, tot - ok - unk);
      all[0] += tot;
      all[1] += ok;
      all[2] += unk;
      all[3] += tot - ok - unk;
    }
    printf("all %ld %ld %ld %ld\n", all[0], all[1], all[2], all[3]);
  }
  fossc_free(buf);
  fossc_analyzer_free(a);
  fclose(in);
  if (miss) fclose(miss);
  return rc;
}
