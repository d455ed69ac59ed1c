/* Compiles the translation lexicon for the index being written: the
** lexicon keeps only translations whose terms the corpus produced. */
#include "index.h"
#include "lexicon.h"

static int keep_term(void *ctx, fossc_lang lang, const char *term, size_t len) {
  (void)lang; /* index terms are shared by both languages' stems */
  return fossc_writer_has_term(ctx, term, len);
}

int fossc_writer_add_translations(fossc_writer *w, const char *apertium_dir,
                                  fossc_lexicon_info *info, fossc_error *err) {
  fossc_analyzer *a;
  int rc = fossc_analyzer_create(&a, err);
  if (rc) return rc;
  fossc_buf blob = FOSSC_BUF_INIT;
  fossc_lexicon_info local;
  rc = fossc_lexicon_build(a, apertium_dir, keep_term, w, &blob,
                           info ? info : &local, err);
  if (!rc) rc = fossc_writer_add_section(w, "TRANS", blob.data, blob.len, err);
  fossc_buf_free(&blob);
  fossc_analyzer_free(a);
  return rc;
}
