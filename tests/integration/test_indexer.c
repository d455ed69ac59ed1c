/*
** fossc-index build and the lexicon cache: the second build of a corpus
** takes the prepared translation lexicon from the cache and writes the same
** index, byte for byte, as a build without it; a damaged cache file is
** rebuilt and replaced; an unusable cache folder is no error.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness.h"
#include "../lib/itest.h"

#define CORPUS "tests/golden/corpus.jsonl"
#define APERTIUM "/usr/share/apertium/apertium-eng-spa/spa-eng.autobil.bin"
#define CACHED_NOTE "(prepared earlier, from the cache)"

static char tmp[FOSSC_T_PATH];

/* Builds CORPUS into tmp/<out> with extra options and environment; *cached
** gets whether the summary says the lexicon came from the cache. */
static int build(const char *out, const char *opt1, const char *opt2, char *const env[],
                 int *cached) {
  char prog[FOSSC_T_PATH + 16], dir[FOSSC_T_PATH + 64];
  snprintf(prog, sizeof prog, "%s/fossc-index", fossc_t_bin());
  snprintf(dir, sizeof dir, "%s/%s", tmp, out);
  char *argv[8] = {prog, "build", CORPUS, "-o", dir, NULL, NULL, NULL};
  argv[5] = (char *)opt1;
  if (opt1) argv[6] = (char *)opt2;
  fossc_buf o = FOSSC_BUF_INIT, e = FOSSC_BUF_INIT;
  int status = -1;
  int rc = fossc_t_run(argv, env, FOSSC_T_RUN_MS, &o, &e, &status);
  char *s = fossc_buf_cstr(&o);
  *cached = s && strstr(s, CACHED_NOTE) != NULL;
  if (rc || status) {
    printf("  fossc-index %s: status %d: %s\n", out, status, e.data ? fossc_buf_cstr(&e) : "");
    rc = -1;
  }
  fossc_buf_free(&o);
  fossc_buf_free(&e);
  return rc;
}

/* 1 when tmp/a and tmp/b hold the same index file bytes. */
static int same_index(const char *a, const char *b) {
  char cmd[3 * FOSSC_T_PATH];
  snprintf(cmd, sizeof cmd, "cmp -s %s/%s/fossc-000001.idx %s/%s/fossc-000001.idx", tmp, a,
           tmp, b);
  return system(cmd) == 0;
}

/* Overwrites every cache file in dir with `n` bytes of `fill` (n = 0:
** truncates them). Returns the number of files. */
static int damage_cache(const char *dir, int fill, size_t n) {
  char cmd[2 * FOSSC_T_PATH];
  if (n)
    snprintf(cmd, sizeof cmd,
             "n=0; for f in %s/lexicon-*.bin; do [ -f \"$f\" ] || continue; "
             "head -c %zu /dev/zero | tr '\\000' '\\%03o' > \"$f\"; n=$((n+1)); done; exit $n",
             dir, n, fill);
  else
    snprintf(cmd, sizeof cmd,
             "n=0; for f in %s/lexicon-*.bin; do [ -f \"$f\" ] || continue; "
             ": > \"$f\"; n=$((n+1)); done; exit $n", dir);
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(second_build_uses_the_cache_and_writes_the_same_index) {
  char cache[FOSSC_T_PATH + 16];
  snprintf(cache, sizeof cache, "%s/cache", tmp);
  int cached = -1;
  CHECK(build("plain", "--no-cache", NULL, NULL, &cached) == 0 && !cached);
  CHECK(build("first", "--cache-dir", cache, NULL, &cached) == 0 && !cached);
  CHECK(build("second", "--cache-dir", cache, NULL, &cached) == 0 && cached);
  CHECK(same_index("plain", "first") && same_index("plain", "second"));
  /* FOSSC_CACHE_DIR names the default folder; --no-cache overrides it */
  char envv[FOSSC_T_PATH + 64];
  snprintf(envv, sizeof envv, "FOSSC_CACHE_DIR=%s/envcache", tmp);
  char *env[] = {envv, NULL};
  CHECK(build("env1", NULL, NULL, env, &cached) == 0 && !cached);
  CHECK(build("env2", NULL, NULL, env, &cached) == 0 && cached);
  CHECK(build("env3", "--no-cache", NULL, env, &cached) == 0 && !cached);
  CHECK(same_index("plain", "env2") && same_index("plain", "env3"));
}

TEST(damaged_cache_is_rebuilt_and_replaced) {
  char cache[FOSSC_T_PATH + 16];
  snprintf(cache, sizeof cache, "%s/cache", tmp);
  int cached = -1;
  CHECK(damage_cache(cache, 0x41, 4096) == 1);
  CHECK(build("garbage", "--cache-dir", cache, NULL, &cached) == 0 && !cached);
  CHECK(build("again", "--cache-dir", cache, NULL, &cached) == 0 && cached);
  CHECK(damage_cache(cache, 0, 0) == 1);
  CHECK(build("empty", "--cache-dir", cache, NULL, &cached) == 0 && !cached);
  CHECK(same_index("plain", "garbage") && same_index("plain", "again") &&
        same_index("plain", "empty"));
}

TEST(unusable_cache_folder_is_no_error) {
  char file[FOSSC_T_PATH + 16], under[FOSSC_T_PATH + 32];
  snprintf(file, sizeof file, "%s/a-file", tmp);
  FILE *f = fopen(file, "w");
  CHECK(f != NULL);
  if (f) fclose(f);
  snprintf(under, sizeof under, "%s/cache", file); /* a folder under a file */
  int cached = -1;
  CHECK(build("nofolder", "--cache-dir", under, NULL, &cached) == 0 && !cached);
  CHECK(same_index("plain", "nofolder"));
}

int main(void) {
  if (access(APERTIUM, R_OK) != 0) {
    printf("SKIP indexer: apertium-eng-spa is not installed\n");
    printf("indexer: 0 passed, 0 failed\n");
    return 0;
  }
  if (fossc_t_tmpdir(tmp, sizeof tmp) != 0) {
    printf("FAIL setup (temporary folder)\n");
    printf("indexer: 0 passed, 1 failed\n");
    return 1;
  }
  RUN(second_build_uses_the_cache_and_writes_the_same_index);
  RUN(damaged_cache_is_rebuilt_and_replaced);
  RUN(unusable_cache_folder_is_no_error);
  fossc_t_rmtree(tmp);
  return TEST_SUMMARY("indexer");
}
