/*
** bin/fossc-query against a real daemon: printed results and exit codes
** (0 results, 1 none, 2 cannot connect / usage / server error), --json.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "../lib/itest.h"
#include "json.h"

static char tmp[FOSSC_T_PATH];
static char index_dir[FOSSC_T_PATH + 16];
static char addr[64];
static fossc_t_daemon daemon_;

/* Runs fossc-query with args (NULL-terminated); *status gets its exit code. */
static int query(const char *const args[], fossc_buf *out, fossc_buf *err,
                 int *status) {
  char prog[FOSSC_T_PATH];
  snprintf(prog, sizeof prog, "%s/fossc-query", fossc_t_bin());
  char *argv[32];
  int ac = 0;
  argv[ac++] = prog;
  for (int i = 0; args[i] && ac < 31; i++) argv[ac++] = (char *)args[i];
  argv[ac] = NULL;
  fossc_buf_reset(out);
  fossc_buf_reset(err);
  int rc = fossc_t_run(argv, NULL, FOSSC_T_RUN_MS, out, err, status);
  fossc_buf_cstr(out);
  fossc_buf_cstr(err);
  return rc;
}

TEST(prints_results) {
  fossc_buf out = FOSSC_BUF_INIT, err = FOSSC_BUF_INIT;
  int st;
  const char *args[] = {"--addr", addr, "-n", "3", "china", "socialism", NULL};
  CHECK(query(args, &out, &err, &st) == 0);
  /* the count is exact: fossc-query asks exact_total=1 */
  int ok = st == 0 && out.data && strstr(out.data, " results (") &&
           !strstr(out.data, "at least") &&
           strstr(out.data, "\n1. ") && strstr(out.data, "\n3. ") &&
           !strstr(out.data, "\n4. ") && !strstr(out.data, "<b>") &&
           !strstr(out.data, "\033[");
  if (!ok) fprintf(stderr, "  status %d\n%s%s", st, out.data ? out.data : "",
                   err.data ? err.data : "");
  fossc_buf_free(&out);
  fossc_buf_free(&err);
  CHECK(ok);
}

TEST(no_results_exit_1) {
  fossc_buf out = FOSSC_BUF_INIT, err = FOSSC_BUF_INIT;
  int st;
  const char *args[] = {"--addr", addr, "qzxqzvw", NULL};
  CHECK(query(args, &out, &err, &st) == 0);
  int ok = st == 1 && out.data && strstr(out.data, "0 results");
  fossc_buf_free(&out);
  fossc_buf_free(&err);
  CHECK(ok);
}

TEST(json_output) {
  fossc_buf out = FOSSC_BUF_INIT, err = FOSSC_BUF_INIT;
  int st;
  const char *args[] = {"--json", "--lang", "en", "-n", "2", "--addr", addr,
                        "china", NULL};
  CHECK(query(args, &out, &err, &st) == 0);
  CHECK(st == 0 && out.len > 0);
  fossc_json_doc *doc = NULL;
  CHECK(fossc_json_parse(out.data, out.len, &doc, NULL) == FOSSC_OK);
  const fossc_json *hits = fossc_json_get(fossc_json_root(doc), "hits");
  int n = 0, fields = hits && hits->type == FOSSC_JSON_ARRAY;
  static const char *const keys[] = {"rank", "id", "title", "lang",
                                     "score", "snippet", "source"};
  for (const fossc_json *h = hits ? hits->child : NULL; h; h = h->next, n++) {
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
      fields &= fossc_json_get(h, keys[k]) != NULL;
    const fossc_json *lang = fossc_json_get(h, "lang");
    fields &= lang && lang->type == FOSSC_JSON_STRING && !strcmp(lang->str, "en");
  }
  fossc_json_doc_free(doc);
  fossc_buf_free(&out);
  fossc_buf_free(&err);
  CHECK(fields && n == 2);
}

TEST(env_addr_and_explain) {
  fossc_buf out = FOSSC_BUF_INIT, err = FOSSC_BUF_INIT;
  char prog[FOSSC_T_PATH], env_addr[96];
  snprintf(prog, sizeof prog, "%s/fossc-query", fossc_t_bin());
  snprintf(env_addr, sizeof env_addr, "FOSSC_ADDR=%s", addr);
  char *argv[] = {prog, "--explain", "-n", "1", "Urumqi", NULL};
  char *env[] = {env_addr, NULL};
  int st;
  CHECK(fossc_t_run(argv, env, FOSSC_T_RUN_MS, &out, &err, &st) == 0);
  fossc_buf_cstr(&out);
  int ok = st == 0 && out.data && strstr(out.data, "score ") && strstr(out.data, "= (bm25f ") &&
           strstr(out.data, "\"Urumqi\" word") && strstr(out.data, "[word 1.00]");
  fossc_buf_free(&out);
  fossc_buf_free(&err);
  CHECK(ok);
}

TEST(cannot_connect_exit_2) {
  /* A daemon that has stopped leaves a port nobody listens on. */
  fossc_t_daemon d;
  CHECK(fossc_t_daemon_start(&d, tmp, index_dir, NULL) == 0);
  char dead[64];
  snprintf(dead, sizeof dead, "127.0.0.1:%u", d.port);
  int st;
  fossc_t_daemon_stop(&d, SIGTERM, 10000, &st);
  CHECK(st == 0);
  fossc_buf out = FOSSC_BUF_INIT, err = FOSSC_BUF_INIT;
  const char *args[] = {"--addr", dead, "--timeout", "5", "china", NULL};
  CHECK(query(args, &out, &err, &st) == 0);
  char want[128];
  snprintf(want, sizeof want, "fossc-query: cannot connect to %s: ", dead);
  int ok = st == 2 && err.data && strstr(err.data, want) && out.len == 0;
  if (!ok) fprintf(stderr, "  status %d, stderr: %s\n", st, err.data ? err.data : "");
  fossc_buf_free(&out);
  fossc_buf_free(&err);
  CHECK(ok);
}

TEST(usage_and_server_errors_exit_2) {
  fossc_buf out = FOSSC_BUF_INIT, err = FOSSC_BUF_INIT;
  int st, ok = 1;
  const char *noquery[] = {"--addr", addr, NULL};
  ok &= query(noquery, &out, &err, &st) == 0 && st == 2;
  const char *badn[] = {"--addr", addr, "-n", "0", "china", NULL};
  ok &= query(badn, &out, &err, &st) == 0 && st == 2;
  const char *badaddr[] = {"--addr", "127.0.0.1:99999", "china", NULL};
  ok &= query(badaddr, &out, &err, &st) == 0 && st == 2;
  const char *help[] = {"--help", NULL};
  ok &= query(help, &out, &err, &st) == 0 && st == 0 && strstr(out.data, "usage");
  fossc_buf_free(&out);
  fossc_buf_free(&err);
  CHECK(ok);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  int ready = 0;
  if (fossc_t_tmpdir(tmp, sizeof tmp) == 0) {
    snprintf(index_dir, sizeof index_dir, "%s/index", tmp);
    ready = fossc_t_build_index(fossc_t_corpus(), index_dir) == 0 &&
            fossc_t_daemon_start(&daemon_, tmp, index_dir, NULL) == 0;
    snprintf(addr, sizeof addr, "127.0.0.1:%u", daemon_.port);
  }
  if (!ready) {
    printf("FAIL setup (index build or daemon start)\n");
    fossc_t_rmtree(tmp);
    printf("client: 0 passed, 1 failed\n");
    return 1;
  }
  RUN(prints_results);
  RUN(no_results_exit_1);
  RUN(json_output);
  RUN(env_addr_and_explain);
  RUN(cannot_connect_exit_2);
  RUN(usage_and_server_errors_exit_2);
  int st;
  fossc_t_daemon_stop(&daemon_, SIGTERM, 10000, &st);
  fossc_t_rmtree(tmp);
  if (st != 0) {
    printf("FAIL daemon exit status %d\n", st);
    test_failed_++;
  }
  return TEST_SUMMARY("client");
}
