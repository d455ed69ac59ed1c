/* Compiles the translation lexicon for the index being written: the
** lexicon keeps only translations whose terms the corpus produced. Reading
** and analysing Apertium's dictionaries needs nothing of the corpus, so a
** lexicon job does it in a thread of its own while documents are indexed;
** only the filtering waits for the corpus. */
#include <pthread.h>
#include <string.h>

#include "index.h"
#include "lexicon.h"

struct fossc_lexjob {
  char *dir;   /* NULL: the default folder */
  char *cache; /* NULL: no lexicon cache */
  pthread_t tid;
  int started, joined;
  int rc;
  fossc_error err;
  fossc_analyzer *a;
  fossc_lexicon_prep *prep;
};

static int keep_term(void *ctx, fossc_lang lang, const char *term, size_t len) {
  (void)lang; /* index terms are shared by both languages' stems */
  return fossc_writer_has_term(ctx, term, len);
}

static void prepare(fossc_lexjob *j) {
  fossc_error_clear(&j->err);
  j->rc = fossc_analyzer_create(&j->a, &j->err);
  if (j->rc == FOSSC_OK) j->rc = fossc_lexicon_prepare_cached(j->a, j->dir, j->cache, &j->prep, &j->err);
  /* The analyzer is not needed once prepared: give its memory back now. */
  fossc_analyzer_free(j->a);
  j->a = NULL;
}

static void *job_main(void *arg) {
  prepare(arg);
  return NULL;
}

int fossc_lexjob_start(const char *apertium_dir, const char *cache_dir,
                       fossc_lexjob **out, fossc_error *err) {
  *out = NULL;
  fossc_lexjob *j = fossc_calloc(1, sizeof *j);
  if (!j) return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  if ((apertium_dir && !(j->dir = fossc_strndup(apertium_dir, strlen(apertium_dir)))) ||
      (cache_dir && !(j->cache = fossc_strndup(cache_dir, strlen(cache_dir))))) {
    fossc_free(j->dir);
    fossc_free(j);
    return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  }
  /* Without a thread the work is simply done at the join. */
  j->started = pthread_create(&j->tid, NULL, job_main, j) == 0;
  *out = j;
  return FOSSC_OK;
}

static void join(fossc_lexjob *j) {
  if (j->joined) return;
  if (j->started)
    pthread_join(j->tid, NULL);
  else
    prepare(j);
  j->joined = 1;
}

void fossc_lexjob_free(fossc_lexjob *j) {
  if (!j) return;
  join(j);
  fossc_lexicon_prep_free(j->prep);
  fossc_free(j->dir);
  fossc_free(j->cache);
  fossc_free(j);
}

int fossc_writer_add_lexjob(fossc_writer *w, fossc_lexjob *j,
                            fossc_lexicon_info *info, fossc_error *err) {
  join(j);
  if (j->rc) {
    if (err) *err = j->err;
    return j->rc;
  }
  if (!j->prep) return fossc_error_set(err, FOSSC_ERR_ARG, "lexicon job already used");
  fossc_buf blob = FOSSC_BUF_INIT;
  int rc = fossc_lexicon_finish(j->prep, keep_term, w, &blob, info, err);
  fossc_lexicon_prep_free(j->prep);
  j->prep = NULL;
  if (!rc) rc = fossc_writer_add_section(w, "TRANS", blob.data, blob.len, err);
  fossc_buf_free(&blob);
  return rc;
}

int fossc_writer_add_translations(fossc_writer *w, const char *apertium_dir,
                                  fossc_lexicon_info *info, fossc_error *err) {
  fossc_lexjob *j;
  int rc = fossc_lexjob_start(apertium_dir, NULL, &j, err);
  if (rc) return rc;
  rc = fossc_writer_add_lexjob(w, j, info, err);
  fossc_lexjob_free(j);
  return rc;
}
