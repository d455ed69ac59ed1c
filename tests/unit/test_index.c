/* Writer/reader round trip against a reference model, determinism,
** atomic replacement, and refusal of corrupt or truncated files. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../harness.h"
#include "../lib/itest.h"
#include "format.h"
#include "index.h"
#include "search.h"

#define NDOCS 700 /* > 5 postings blocks for common words */

static char tmpdir[256];

/* Document i: words w<k> for every k dividing i (1..12), so the reference
** answer for "w<k>" is {i : i % k == 0}; plus a per-document unique word. */
static void make_doc(uint32_t i, char *id, char *title, char *body) {
  sprintf(id, "doc-%u", i);
  sprintf(title, "Title %u zeta%u", i, i % 7);
  char *p = body;
  for (int k = 1; k <= 12; k++)
    if (i % k == 0) p += sprintf(p, "w%c%c ", 'a' + k, 'a' + k);
  sprintf(p, "unique%c%c%c end of document.", 'a' + i % 26, 'a' + (i / 26) % 26,
          'a' + (i / 676) % 26);
}

static int build(const char *dir, uint32_t n) {
  fossc_writer *w;
  fossc_error err = {0};
  if (fossc_writer_create(NULL, &w, &err)) return -1;
  char id[64], title[64], body[512];
  for (uint32_t i = 0; i < n; i++) {
    make_doc(i, id, title, body);
    fossc_doc d = {id, title, "test", body, strlen(id), strlen(title), 4,
                   strlen(body), FOSSC_LANG_EN};
    if (fossc_writer_add(w, &d, &err)) {
      fossc_writer_free(w);
      return -1;
    }
  }
  int rc = fossc_writer_finish(w, dir, NULL, &err);
  if (rc) fprintf(stderr, "  finish: %s\n", err.msg);
  fossc_writer_free(w);
  return rc;
}


static void write_file(const char *path, const char *data, size_t len) {
  FILE *f = fopen(path, "wb");
  fwrite(data, 1, len, f);
  fclose(f);
}


TEST(round_trip_matches_model) {
  char dir[300];
  snprintf(dir, sizeof dir, "%s/a", tmpdir);
  CHECK(build(dir, NDOCS) == 0);
  fossc_index *ix;
  fossc_error err = {0};
  CHECK_MSG(fossc_index_open(dir, &ix, &err) == 0, "%s", err.msg);
  CHECK(fossc_index_doc_count(ix) == NDOCS);
  fossc_searcher *s;
  CHECK(fossc_searcher_create(&s, &err) == 0);
  for (int k = 1; k <= 12; k++) {
    char q[16];
    sprintf(q, "w%c%c", 'a' + k, 'a' + k);
    fossc_search_req r = {q, strlen(q), FOSSC_MAX_LIMIT, 0, 0, 0, 0};
    fossc_results res;
    CHECK(fossc_search(s, ix, &r, &res, &err) == 0);
    uint32_t expect = (NDOCS + k - 1) / k;
    CHECK_MSG(res.total == expect, "w%d: total %llu want %u", k,
              (unsigned long long)res.total, expect);
    for (uint32_t h = 0; h < res.count; h++) {
      unsigned d;
      CHECK(sscanf(res.hits[h].id, "doc-%u", &d) == 1);
      CHECK(d % k == 0);
    }
  }
  /* required + excluded: multiples of 2 but not of 3 */
  const char *q = "+wcc -wdd";
  fossc_search_req r = {q, strlen(q), FOSSC_MAX_LIMIT, 0, 0, 0, 0};
  fossc_results res;
  CHECK(fossc_search(s, ix, &r, &res, &err) == 0);
  uint32_t want = 0;
  for (uint32_t i = 0; i < NDOCS; i++) want += (i % 2 == 0 && i % 3 != 0);
  CHECK(res.total == want);
  /* stored fields and lookup by id */
  fossc_buf scratch = FOSSC_BUF_INIT;
  fossc_docview v;
  CHECK(fossc_index_doc(ix, 123, &scratch, &v, &err) == 0);
  CHECK_STR(v.id, "doc-123");
  CHECK_STR(v.title, "Title 123 zeta4");
  CHECK(strstr(v.body, "end of document.") != NULL);
  uint32_t dn;
  CHECK(fossc_index_find_id(ix, "doc-456", 7, &dn) == 0 && dn == 456);
  CHECK(fossc_index_find_id(ix, "doc-999999", 10, &dn) == FOSSC_ERR_NOTFOUND);
  CHECK(fossc_index_doc(ix, NDOCS, &scratch, &v, &err) == FOSSC_ERR_NOTFOUND);
  fossc_buf_free(&scratch);
  fossc_searcher_free(s);
  fossc_index_free(ix);
}

TEST(same_input_same_bytes) {
  char a[300], b[300], fa[400], fb[400];
  snprintf(a, sizeof a, "%s/det1", tmpdir);
  snprintf(b, sizeof b, "%s/det2", tmpdir);
  CHECK(build(a, 300) == 0 && build(b, 300) == 0);
  fossc_t_current_file(a, fa, sizeof fa);
  fossc_t_current_file(b, fb, sizeof fb);
  size_t la, lb;
  char *x = fossc_t_read_file(fa, &la), *y = fossc_t_read_file(fb, &lb);
  int same = x && y && la == lb && memcmp(x, y, la) == 0;
  free(x);
  free(y);
  CHECK(same);
}

TEST(rebuild_switches_generation) {
  char dir[300], f1[400], f2[400];
  snprintf(dir, sizeof dir, "%s/gen", tmpdir);
  CHECK(build(dir, 50) == 0);
  fossc_t_current_file(dir, f1, sizeof f1);
  fossc_index *old;
  fossc_error err = {0};
  CHECK(fossc_index_open(dir, &old, &err) == 0);
  CHECK(build(dir, 60) == 0);
  fossc_t_current_file(dir, f2, sizeof f2);
  CHECK(strcmp(f1, f2) != 0);
  /* The old mapping still answers after the switch (a reader in flight). */
  fossc_buf scratch = FOSSC_BUF_INIT;
  fossc_docview v;
  CHECK(fossc_index_doc(old, 49, &scratch, &v, &err) == 0);
  CHECK_STR(v.id, "doc-49");
  fossc_buf_free(&scratch);
  fossc_index_free(old);
  fossc_index *nw;
  CHECK(fossc_index_open(dir, &nw, &err) == 0);
  CHECK(fossc_index_doc_count(nw) == 60);
  fossc_index_free(nw);
}

TEST(failed_build_keeps_old_index) {
  char dir[300];
  snprintf(dir, sizeof dir, "%s/keep", tmpdir);
  CHECK(build(dir, 40) == 0);
  /* Make the folder unwritable: the new generation cannot be created. */
  if (geteuid() == 0) {
    /* root ignores permissions: simulate with a file where CURRENT.tmp goes */
    char p[400];
    snprintf(p, sizeof p, "%s/CURRENT.tmp", dir);
    mkdir(p, 0755);
    int rc = build(dir, 45);
    rmdir(p);
    CHECK(rc == FOSSC_ERR_IO);
  } else {
    chmod(dir, 0555);
    int rc = build(dir, 45);
    chmod(dir, 0755);
    CHECK(rc == FOSSC_ERR_IO);
  }
  fossc_index *ix;
  fossc_error err = {0};
  CHECK(fossc_index_open(dir, &ix, &err) == 0);
  CHECK(fossc_index_doc_count(ix) == 40);
  fossc_index_free(ix);
}

TEST(corruption_is_refused_with_section) {
  char dir[300], f[400];
  snprintf(dir, sizeof dir, "%s/corrupt", tmpdir);
  CHECK(build(dir, 200) == 0);
  fossc_t_current_file(dir, f, sizeof f);
  size_t len;
  char *orig = fossc_t_read_file(f, &len);
  CHECK(orig != NULL);
  fossc_index *ix;
  fossc_error err = {0};
  /* One flipped byte in each section is refused, naming that section. */
  uint32_t nsec = fossc_rd32((const uint8_t *)orig + 12);
  for (uint32_t i = 0; i < nsec; i++) {
    const uint8_t *e = (const uint8_t *)orig + FOSSC_HEADER_BYTES + i * 32;
    uint64_t off = fossc_rd64(e + 8), slen = fossc_rd64(e + 16);
    if (slen == 0) continue;
    char *bad = malloc(len);
    memcpy(bad, orig, len);
    bad[off + slen / 2] ^= 0x5a;
    write_file(f, bad, len);
    free(bad);
    int rc = fossc_index_open(dir, &ix, &err);
    char name[9] = {0};
    memcpy(name, e, 8);
    CHECK_MSG(rc == FOSSC_ERR_CORRUPT, "section %s accepted", name);
    CHECK_MSG(strstr(err.msg, name) != NULL, "%s lacks %s", err.msg, name);
  }
  /* Truncation, bad magic, future version, garbage header. */
  write_file(f, orig, len / 2);
  CHECK(fossc_index_open(dir, &ix, &err) == FOSSC_ERR_CORRUPT);
  CHECK(strstr(err.msg, "truncated") != NULL);
  write_file(f, orig, 10);
  CHECK(fossc_index_open(dir, &ix, &err) == FOSSC_ERR_CORRUPT);
  write_file(f, "", 0);
  CHECK(fossc_index_open(dir, &ix, &err) == FOSSC_ERR_CORRUPT);
  char *bad = malloc(len);
  memcpy(bad, orig, len);
  bad[8] = 99;
  write_file(f, bad, len);
  CHECK(fossc_index_open(dir, &ix, &err) == FOSSC_ERR_VERSION);
  memcpy(bad, orig, len);
  bad[0] = 'X';
  write_file(f, bad, len);
  CHECK(fossc_index_open(dir, &ix, &err) == FOSSC_ERR_CORRUPT);
  /* Restored: opens again. */
  write_file(f, orig, len);
  free(bad);
  free(orig);
  CHECK(fossc_index_open(dir, &ix, &err) == 0);
  fossc_index_free(ix);
  /* Missing index and a CURRENT that names something else. */
  char cur[400];
  snprintf(cur, sizeof cur, "%s/CURRENT", dir);
  write_file(cur, "../../etc/passwd\n", 17);
  CHECK(fossc_index_open(dir, &ix, &err) == FOSSC_ERR_CORRUPT);
  CHECK(fossc_index_open("/nonexistent-fossc", &ix, &err) == FOSSC_ERR_NOTFOUND);
}

/* The committed golden index (format version 1) still opens and answers,
** and today's writer reproduces it byte for byte from its corpus. */
TEST(golden_v1) {
  fossc_index *ix;
  fossc_error err = {0};
  CHECK_MSG(fossc_index_open("tests/golden/v1", &ix, &err) == 0, "%s", err.msg);
  fossc_searcher *s;
  CHECK(fossc_searcher_create(&s, &err) == 0);
  fossc_search_req r = {"energía", strlen("energía"), 10, 0, 0, 1, 0};
  fossc_results res;
  CHECK(fossc_search(s, ix, &r, &res, &err) == 0);
  CHECK(res.total == 3); /* energía, energy, energia */
  CHECK_STR(res.hits[0].id, "es-1");
  fossc_searcher_free(s);
  fossc_index_free(ix);
  /* Rebuild from the golden corpus: the same bytes (regenerate with
  ** `make golden` after an intended format change, and bump the version). */
  char dir[300], cmd[700], fa[400], fb[400];
  snprintf(dir, sizeof dir, "%s/golden", tmpdir);
  const char *bin = getenv("BIN") ? getenv("BIN") : "bin";
  snprintf(cmd, sizeof cmd, "%s/fossc-index build tests/golden/corpus.jsonl -o %s --quiet --no-translation",
           bin, dir);
  CHECK(system(cmd) == 0);
  fossc_t_current_file("tests/golden/v1", fa, sizeof fa);
  fossc_t_current_file(dir, fb, sizeof fb);
  size_t la, lb;
  char *x = fossc_t_read_file(fa, &la), *y = fossc_t_read_file(fb, &lb);
  int same = x && y && la == lb && memcmp(x, y, la) == 0;
  free(x);
  free(y);
  CHECK_MSG(same, "%s differs from %s", fb, fa);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/fossc-test-index-XXXXXX");
  if (!mkdtemp(tmpdir)) return 1;
  RUN(round_trip_matches_model);
  RUN(same_input_same_bytes);
  RUN(rebuild_switches_generation);
  RUN(failed_build_keeps_old_index);
  RUN(corruption_is_refused_with_section);
  RUN(golden_v1);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  if (system(cmd)) return 1;
  return TEST_SUMMARY("index");
}
