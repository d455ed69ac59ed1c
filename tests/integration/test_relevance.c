/*
** The judged query set of tests/relevance/ against the real daemon: builds
** the bundled corpus's index, asks every query of queries.tsv through the
** protocol (SEARCH format=json limit=10), computes nDCG@10 per class from
** qrels.tsv and fails when a class, or the mean over all queries, falls below
** its floor in floor.tsv. Also fails when an accentless query (class
** noaccent) ranks differently from its accented original (5th column).
** Metric definitions match tests/relevance/eval and docs/relevance.md:
** gain 2^grade - 1, discount log2(rank + 1); a noanswer query scores 1 when
** nothing is returned, else 0.
**
** Env FOSSC_RELEVANCE_DIR (default tests/relevance) locates the three files.
*/
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "../lib/itest.h"
#include "json.h"

/* Rank cut-off: the harness measures nDCG@10. */
#define REL_K 10
/* Room for the judged set: it holds 72 queries; a few hundred is the most a
** hand-judged set on a 19-article corpus will reach. */
#define REL_MAX_QUERIES 512
/* Judgements (grade > 0): at most one per article per query. */
#define REL_MAX_QRELS 4096
/* Classes and floors: eight classes plus "overall"; spare room. */
#define REL_MAX_CLASSES 16
/* Longest field kept: queries are a sentence at most; ids are file#n. */
#define REL_FIELD 256
/* Longest TSV line read: five short fields. */
#define REL_LINE 2048

typedef struct {
  char qid[32];
  char cls[32];
  char query[REL_FIELD];
  char orig[REL_FIELD]; /* accented original of a noaccent query, or "" */
} rel_query;

typedef struct {
  char qid[32];
  char doc[REL_FIELD];
  int grade;
} rel_qrel;

typedef struct {
  char cls[32];
  double floor;
} rel_floor;

static rel_query queries[REL_MAX_QUERIES];
static int n_queries;
static rel_qrel qrels[REL_MAX_QRELS];
static int n_qrels;
static rel_floor floors[REL_MAX_CLASSES];
static int n_floors;

static char tmp[FOSSC_T_PATH];
static char index_dir[FOSSC_T_PATH + 16];
static fossc_t_daemon daemon_;
static fossc_t_conn conn;

static const char *rel_dir(void) {
  const char *d = getenv("FOSSC_RELEVANCE_DIR");
  return d && *d ? d : "tests/relevance";
}

/* Splits line (modified in place, trailing newline dropped) at tabs into at
** most max fields; returns the count. */
static int split_tabs(char *line, char **f, int max) {
  line[strcspn(line, "\r\n")] = '\0';
  int n = 0;
  char *p = line;
  while (n < max) {
    f[n++] = p;
    char *t = strchr(p, '\t');
    if (!t) break;
    *t = '\0';
    p = t + 1;
  }
  return n;
}

static int copy_field(char *dst, size_t cap, const char *src) {
  size_t n = strlen(src);
  if (n >= cap) return -1;
  memcpy(dst, src, n + 1);
  return 0;
}

/* Reads one of the three TSV files; kind 'q', 'r' or 'f'. Returns 0, or -1
** with a message on stderr. */
static int load(const char *name, char kind) {
  char path[FOSSC_T_PATH];
  snprintf(path, sizeof path, "%s/%s", rel_dir(), name);
  FILE *fp = fopen(path, "r");
  if (!fp) {
    fprintf(stderr, "  cannot open %s\n", path);
    return -1;
  }
  char line[REL_LINE];
  int lineno = 0, rc = 0;
  while (rc == 0 && fgets(line, sizeof line, fp)) {
    lineno++;
    if (line[0] == '#' || line[0] == '\n' || line[0] == '\0') continue;
    char *f[6];
    int n = split_tabs(line, f, 6);
    if (kind == 'q') {
      if (n != 5 || n_queries >= REL_MAX_QUERIES ||
          copy_field(queries[n_queries].qid, sizeof queries[0].qid, f[0]) ||
          copy_field(queries[n_queries].cls, sizeof queries[0].cls, f[1]) ||
          copy_field(queries[n_queries].query, sizeof queries[0].query, f[3]) ||
          copy_field(queries[n_queries].orig, sizeof queries[0].orig, f[4]))
        rc = -1;
      else
        n_queries++;
    } else if (kind == 'r') {
      int g = n == 3 ? atoi(f[2]) : 0;
      if (g < 1 || g > 3 || n_qrels >= REL_MAX_QRELS ||
          copy_field(qrels[n_qrels].qid, sizeof qrels[0].qid, f[0]) ||
          copy_field(qrels[n_qrels].doc, sizeof qrels[0].doc, f[1]))
        rc = -1;
      else
        qrels[n_qrels++].grade = g;
    } else {
      char *end = NULL;
      double v = n == 2 ? strtod(f[1], &end) : -1;
      if (n != 2 || !end || *end || v < 0 || v > 1 ||
          n_floors >= REL_MAX_CLASSES ||
          copy_field(floors[n_floors].cls, sizeof floors[0].cls, f[0]))
        rc = -1;
      else
        floors[n_floors++].floor = v;
    }
    if (rc) fprintf(stderr, "  %s:%d: malformed line\n", path, lineno);
  }
  fclose(fp);
  return rc;
}

static int grade_of(const char *qid, const char *doc) {
  for (int i = 0; i < n_qrels; i++)
    if (strcmp(qrels[i].qid, qid) == 0 && strcmp(qrels[i].doc, doc) == 0)
      return qrels[i].grade;
  return 0;
}

typedef struct {
  int n;
  char id[REL_K][REL_FIELD];
} rel_hits;

/* Asks the daemon for the top REL_K of query. Returns 0, or -1 (message on
** stderr) when there is no reply, an error reply or an unparsable one. */
static int search(const char *query, rel_hits *out) {
  char req[REL_FIELD + 64];
  out->n = 0;
  snprintf(req, sizeof req, "SEARCH format=json limit=%d snippets=0 -- %s",
           REL_K, query);
  const char *reply = fossc_t_ask(&conn, req);
  if (!reply) {
    fprintf(stderr, "  no reply to %s\n", req);
    return -1;
  }
  fossc_json_doc *doc = NULL;
  if (fossc_json_parse(reply, strlen(reply), &doc, NULL) != FOSSC_OK) {
    fprintf(stderr, "  unparsable reply to %s: %.200s\n", req, reply);
    return -1;
  }
  const fossc_json *root = fossc_json_root(doc);
  const fossc_json *ok = fossc_json_get(root, "ok");
  const fossc_json *hits = fossc_json_get(root, "hits");
  int rc = 0;
  if (!ok || ok->type != FOSSC_JSON_TRUE || !hits ||
      hits->type != FOSSC_JSON_ARRAY) {
    fprintf(stderr, "  error reply to %s: %.200s\n", req, reply);
    rc = -1;
  }
  for (const fossc_json *h = rc ? NULL : hits->child; h && out->n < REL_K;
       h = h->next) {
    const fossc_json *id = fossc_json_get(h, "id");
    if (!id || id->type != FOSSC_JSON_STRING ||
        copy_field(out->id[out->n], REL_FIELD, id->str)) {
      rc = -1;
      break;
    }
    out->n++;
  }
  fossc_json_doc_free(doc);
  return rc;
}

/* nDCG@REL_K of hits for query q; noanswer: 1 if empty, else 0. */
static double score(const rel_query *q, const rel_hits *h) {
  if (strcmp(q->cls, "noanswer") == 0) return h->n == 0 ? 1.0 : 0.0;
  double dcg = 0, idcg = 0;
  for (int i = 0; i < h->n; i++)
    dcg += (pow(2, grade_of(q->qid, h->id[i])) - 1) / log2(i + 2.0);
  /* Ideal: the judged grades in decreasing order. */
  int rank = 0;
  for (int g = 3; g >= 1; g--)
    for (int i = 0; i < n_qrels && rank < REL_K; i++)
      if (qrels[i].grade == g && strcmp(qrels[i].qid, q->qid) == 0)
        idcg += (pow(2, g) - 1) / log2(rank++ + 2.0);
  return idcg > 0 ? dcg / idcg : 0.0;
}

static double per_query[REL_MAX_QUERIES];
static int searched;

TEST(judged_set_loads) {
  CHECK(n_queries > 0 && n_qrels > 0 && n_floors > 0);
  for (int i = 0; i < n_queries; i++) {
    int noanswer = strcmp(queries[i].cls, "noanswer") == 0, best = 0;
    for (int j = 0; j < n_qrels; j++)
      if (strcmp(qrels[j].qid, queries[i].qid) == 0 && qrels[j].grade > best)
        best = qrels[j].grade;
    CHECK_MSG(noanswer ? best == 0 : best >= 2, "%s: %s", queries[i].qid,
              noanswer ? "noanswer query with judgements"
                       : "no article graded 2 or more");
  }
}

TEST(every_query_answers) {
  for (int i = 0; i < n_queries; i++) {
    rel_hits h;
    CHECK_MSG(search(queries[i].query, &h) == 0, "%s", queries[i].qid);
    per_query[i] = score(&queries[i], &h);
  }
  searched = 1;
}

TEST(ndcg_floors) {
  CHECK(searched);
  int failed = 0;
  for (int f = 0; f < n_floors; f++) {
    int all = strcmp(floors[f].cls, "overall") == 0, n = 0;
    double sum = 0;
    for (int i = 0; i < n_queries; i++)
      if (all || strcmp(queries[i].cls, floors[f].cls) == 0) {
        sum += per_query[i];
        n++;
      }
    double v = n ? sum / n : 0;
    int below = n == 0 || v < floors[f].floor;
    printf("     %-9s n=%-3d nDCG@10 %.3f (floor %.2f)%s\n", floors[f].cls, n,
           v, floors[f].floor, below ? "  BELOW" : "");
    failed |= below;
  }
  CHECK_MSG(!failed, "a class is below its floor (tests/relevance/floor.tsv)");
}

TEST(accentless_ranks_like_accented) {
  int compared = 0;
  for (int i = 0; i < n_queries; i++) {
    if (!queries[i].orig[0]) continue;
    rel_hits a, b;
    CHECK(search(queries[i].query, &a) == 0);
    CHECK(search(queries[i].orig, &b) == 0);
    int same = a.n == b.n;
    for (int j = 0; same && j < a.n; j++) same = strcmp(a.id[j], b.id[j]) == 0;
    CHECK_MSG(same, "%s: \"%s\" ranks differently from \"%s\"",
              queries[i].qid, queries[i].query, queries[i].orig);
    compared++;
  }
  CHECK(compared > 0);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  int ready = load("queries.tsv", 'q') == 0 && load("qrels.tsv", 'r') == 0 &&
              load("floor.tsv", 'f') == 0;
  if (ready && fossc_t_tmpdir(tmp, sizeof tmp) == 0) {
    snprintf(index_dir, sizeof index_dir, "%s/index", tmp);
    ready = fossc_t_build_index(fossc_t_corpus(), index_dir) == 0 &&
            fossc_t_daemon_start(&daemon_, tmp, index_dir, NULL) == 0 &&
            fossc_t_connect(&conn, daemon_.port) == 0;
  } else {
    ready = 0;
  }
  if (!ready) {
    printf("FAIL setup (judged set, index build or daemon start)\n");
    if (tmp[0]) fossc_t_rmtree(tmp);
    printf("relevance: 0 passed, 1 failed\n");
    return 1;
  }
  RUN(judged_set_loads);
  RUN(every_query_answers);
  RUN(ndcg_floors);
  RUN(accentless_ranks_like_accented);
  fossc_t_close(&conn);
  int st;
  fossc_t_daemon_stop(&daemon_, SIGTERM, 5000, &st);
  fossc_t_rmtree(tmp);
  return TEST_SUMMARY("relevance");
}
