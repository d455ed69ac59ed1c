/* The parallel, memory-bounded writer: the same documents give the same
** bytes whatever the number of threads and the memory budget (many spilled
** runs or none); document order is kept; a failure mid-build keeps the
** previous index and leaves no temporary file; an empty corpus works. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../harness.h"
#include "../lib/itest.h"
#include "index.h"

/* Enough text for dozens of batches and runs under the tiny budget. */
#define NDOCS 2600
#define TINY_BUDGET (1u << 20)

static char tmpdir[256];

static const char *const en_words[] = {
    "the", "system", "package", "install", "running", "configuration", "files",
    "kernel", "network", "energy", "user", "manual", "section", "editing"};
static const char *const es_words[] = {
    "el", "sistema", "paquete", "instalación", "configuración", "archivos",
    "núcleo", "red", "energía", "usuario", "manual", "sección", "edición"};

/* Document i: English, Spanish or undeclared (detected), of varying
** length; some long enough to span store blocks. */
static void make_doc(uint32_t i, char *id, char *title, char *body,
                     fossc_lang *lang) {
  sprintf(id, "doc-%05u", i);
  int es = i % 3 == 1;
  *lang = i % 3 == 2 ? FOSSC_LANG_UNKNOWN : es ? FOSSC_LANG_ES : FOSSC_LANG_EN;
  const char *const *v = es ? es_words : en_words;
  size_t nv = es ? 13 : 14;
  sprintf(title, "%s %u %s", v[i % nv], i, v[(i / 7) % nv]);
  char *p = body;
  uint32_t n = 20 + (i * 37) % 300 + (i % 97 == 0 ? 4000 : 0);
  uint32_t x = i * 2654435761u + 1;
  for (uint32_t k = 0; k < n; k++) {
    x = x * 1103515245u + 12345u;
    p += sprintf(p, "%s ", v[(x >> 16) % nv]);
    if (k % 50 == 49) p += sprintf(p, "w%ux%u\n\n", (x >> 8) % 5000, i % 11);
  }
  sprintf(p, "unique%u end.", i);
}

/* Builds n documents into dir with the given options. Returns the status
** of the first failing call (0 on success); *runs gets the spilled runs. */
static int build_opts(const char *dir, uint32_t n, unsigned threads,
                      size_t budget, const char *temp_dir, long fail_after,
                      uint64_t *runs) {
  fossc_writer *w;
  fossc_error err = {0};
  fossc_writer_opts o = {0, threads, budget, temp_dir};
  if (fossc_writer_create(&o, &w, &err)) return -1;
  static char body[64 << 10];
  char id[64], title[128];
  int rc = 0;
  if (fail_after >= 0) fossc_alloc_fail_after(fail_after);
  for (uint32_t i = 0; i < n && !rc; i++) {
    fossc_lang lang;
    make_doc(i, id, title, body, &lang);
    fossc_doc d = {id, title, "src", body, strlen(id), strlen(title), 3,
                   strlen(body), lang};
    rc = fossc_writer_add(w, &d, &err);
  }
  fossc_build_stats st = {0};
  if (!rc) rc = fossc_writer_finish(w, dir, &st, &err);
  fossc_alloc_fail_after(-1);
  if (runs) *runs = st.runs;
  fossc_writer_free(w);
  return rc;
}



static int same_files(const char *dir_a, const char *dir_b) {
  char fa[400], fb[400];
  fossc_t_current_file(dir_a, fa, sizeof fa);
  fossc_t_current_file(dir_b, fb, sizeof fb);
  size_t la = 0, lb = 0;
  char *x = fossc_t_read_file(fa, &la), *y = fossc_t_read_file(fb, &lb);
  int same = x && y && la == lb && memcmp(x, y, la) == 0;
  free(x);
  free(y);
  return same;
}

/* Entries of a folder, "." and ".." aside. */
static int count_entries(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  closedir(d);
  return n;
}

TEST(same_bytes_any_threads_any_budget) {
  char ref[300], dir[300], tmp[300];
  snprintf(ref, sizeof ref, "%s/ref", tmpdir);
  snprintf(tmp, sizeof tmp, "%s/spill", tmpdir);
  uint64_t runs = 0;
  CHECK(build_opts(ref, NDOCS, 1, 0, NULL, -1, &runs) == 0);
  CHECK(runs == 0);
  static const unsigned threads[] = {1, 2, 4};
  for (int t = 0; t < 3; t++) {
    for (int tiny = 0; tiny < 2; tiny++) {
      snprintf(dir, sizeof dir, "%s/t%u-%d", tmpdir, threads[t], tiny);
      CHECK(build_opts(dir, NDOCS, threads[t], tiny ? TINY_BUDGET : 0, tmp, -1,
                       &runs) == 0);
      CHECK_MSG(same_files(ref, dir), "%u threads, budget %s differ",
                threads[t], tiny ? "tiny" : "none");
      /* The tiny budget forces a run per batch, dozens in all. */
      CHECK_MSG(tiny ? runs > 10 : runs == 0, "%llu runs",
                (unsigned long long)runs);
      CHECK(count_entries(tmp) <= 0); /* no temporary file left */
    }
  }
}

TEST(document_order_kept) {
  char dir[300], id[64], title[128];
  static char body[64 << 10];
  snprintf(dir, sizeof dir, "%s/t4-1", tmpdir);
  fossc_index *ix;
  fossc_error err = {0};
  CHECK_MSG(fossc_index_open(dir, &ix, &err) == 0, "%s", err.msg);
  CHECK(fossc_index_doc_count(ix) == NDOCS);
  fossc_buf scratch = FOSSC_BUF_INIT;
  for (uint32_t i = 0; i < NDOCS; i++) {
    fossc_lang lang;
    make_doc(i, id, title, body, &lang);
    fossc_docview v;
    CHECK(fossc_index_doc(ix, i, &scratch, &v, &err) == 0);
    CHECK_STR(v.id, id);
    CHECK_STR(v.title, title);
    CHECK(v.body_len == strlen(body) && memcmp(v.body, body, v.body_len) == 0);
    if (lang != FOSSC_LANG_UNKNOWN) CHECK(v.lang == lang);
    uint32_t dn;
    CHECK(fossc_index_find_id(ix, id, strlen(id), &dn) == 0 && dn == i);
  }
  fossc_buf_free(&scratch);
  fossc_index_free(ix);
}

TEST(unwritable_spill_keeps_old_index) {
  char dir[300], bad[400], file[300];
  snprintf(dir, sizeof dir, "%s/keep", tmpdir);
  CHECK(build_opts(dir, 100, 2, 0, NULL, -1, NULL) == 0);
  /* The spill folder lies under a regular file: it cannot be created. */
  snprintf(file, sizeof file, "%s/plainfile", tmpdir);
  FILE *f = fopen(file, "w");
  CHECK(f != NULL);
  fclose(f);
  snprintf(bad, sizeof bad, "%s/sub", file);
  for (unsigned t = 1; t <= 2; t++) {
    int rc = build_opts(dir, NDOCS, t, TINY_BUDGET, bad, -1, NULL);
    CHECK_MSG(rc == FOSSC_ERR_IO, "threads %u: rc %d", t, rc);
  }
  fossc_index *ix;
  fossc_error err = {0};
  CHECK(fossc_index_open(dir, &ix, &err) == 0);
  CHECK(fossc_index_doc_count(ix) == 100);
  fossc_index_free(ix);
  CHECK(count_entries(dir) == 2); /* CURRENT and one generation */
}

TEST(allocation_failures_keep_old_index) {
  char dir[300], tmp[300];
  snprintf(dir, sizeof dir, "%s/oom", tmpdir);
  snprintf(tmp, sizeof tmp, "%s/oomtmp", tmpdir);
  CHECK(build_opts(dir, 50, 1, 0, NULL, -1, NULL) == 0);
  /* Fail the n-th allocation, from early (batching) to late (spills, the
  ** final merge); one thread: the injection counter is not thread-safe. */
  static const long at[] = {0, 3, 40, 400, 4000, 20000, 60000, 150000};
  int failures = 0;
  for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
    int rc = build_opts(dir, 600, 1, TINY_BUDGET, tmp, at[k], NULL);
    CHECK_MSG(rc == 0 || rc == FOSSC_ERR_NOMEM || rc == -1,
              "fail after %ld: rc %d", at[k], rc);
    failures += rc != 0;
    fossc_index *ix;
    fossc_error err = {0};
    CHECK_MSG(fossc_index_open(dir, &ix, &err) == 0, "%s", err.msg);
    uint32_t n = fossc_index_doc_count(ix);
    CHECK(n == 50 || (rc == 0 && n == 600));
    fossc_index_free(ix);
    CHECK(count_entries(dir) == 2);
    CHECK(count_entries(tmp) <= 0);
  }
  CHECK(failures > 0);
}

TEST(empty_corpus) {
  char dir[300];
  for (unsigned t = 1; t <= 2; t++) {
    snprintf(dir, sizeof dir, "%s/empty%u", tmpdir, t);
    uint64_t runs = 1;
    CHECK(build_opts(dir, 0, t, t == 2 ? TINY_BUDGET : 0, NULL, -1, &runs) == 0);
    CHECK(runs == 0);
    fossc_index *ix;
    fossc_error err = {0};
    CHECK_MSG(fossc_index_open(dir, &ix, &err) == 0, "%s", err.msg);
    CHECK(fossc_index_doc_count(ix) == 0);
    fossc_index_free(ix);
  }
  char a[300], b[300];
  snprintf(a, sizeof a, "%s/empty1", tmpdir);
  snprintf(b, sizeof b, "%s/empty2", tmpdir);
  CHECK(same_files(a, b));
}

/* has_term waits for the batches in flight; duplicates are skipped, not
** fatal; neither changes the bytes. */
TEST(has_term_and_duplicates_mid_build) {
  char dir[300], ref[300], id[64], title[128];
  static char body[64 << 10];
  snprintf(dir, sizeof dir, "%s/mid", tmpdir);
  snprintf(ref, sizeof ref, "%s/midref", tmpdir);
  CHECK(build_opts(ref, 700, 1, 0, NULL, -1, NULL) == 0);
  fossc_writer *w;
  fossc_error err = {0};
  fossc_writer_opts o = {0, 2, TINY_BUDGET, NULL};
  CHECK(fossc_writer_create(&o, &w, &err) == 0);
  for (uint32_t i = 0; i < 700; i++) {
    fossc_lang lang;
    make_doc(i, id, title, body, &lang);
    fossc_doc d = {id, title, "src", body, strlen(id), strlen(title), 3,
                   strlen(body), lang};
    CHECK(fossc_writer_add(w, &d, &err) == 0);
    if (i == 300) {
      CHECK(fossc_writer_has_term(w, "unique300", 9));
      CHECK(!fossc_writer_has_term(w, "unique301", 9));
      CHECK(fossc_writer_add(w, &d, &err) == FOSSC_ERR_INPUT);
    }
  }
  CHECK(fossc_writer_finish(w, dir, NULL, &err) == 0);
  CHECK(fossc_writer_has_term(w, "unique699", 9));
  fossc_writer_free(w);
  CHECK(same_files(ref, dir));
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/fossc-test-writer-XXXXXX");
  if (!mkdtemp(tmpdir)) return 1;
  RUN(same_bytes_any_threads_any_budget);
  RUN(document_order_kept);
  RUN(unwritable_spill_keeps_old_index);
  RUN(allocation_failures_keep_old_index);
  RUN(empty_corpus);
  RUN(has_term_and_duplicates_mid_build);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  if (system(cmd)) return 1;
  return TEST_SUMMARY("writer");
}
