/* Ranking on the bundled corpus (golden relevance), accent folding, query
** syntax end to end, and odd queries that must neither crash nor hang. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "corpus.h"
#include "index.h"
#include "lexicon.h"
#include "search.h"

static char tmpdir[256];
static fossc_index *ix;
static fossc_searcher *s;
static fossc_results res;
static fossc_error err;

static int add(void *ctx, const fossc_doc *d) {
  return fossc_writer_add(ctx, d, &err);
}

static int search_opts(const char *q, uint32_t limit, fossc_lang lang) {
  fossc_search_req r = {q, strlen(q), limit, 0, lang, 1, 0};
  return fossc_search(s, ix, &r, &res, &err);
}
static int search(const char *q) { return search_opts(q, 10, FOSSC_LANG_UNKNOWN); }

static int rank_of_title(const char *title) {
  for (uint32_t i = 0; i < res.count; i++)
    if (strcmp(res.hits[i].title, title) == 0) return (int)i + 1;
  return 0;
}

TEST(energia_solar_bilingual) {
  CHECK(search("energía solar") == 0);
  int r = rank_of_title("Entrevista: Como China está construyendo el socialismo");
  CHECK_MSG(r >= 1 && r <= 3, "Entrevista at rank %d", r);
  /* English articles about the Dunhuang solar plant in the top 5 */
  int english_dunhuang = 0;
  fossc_buf b = FOSSC_BUF_INIT;
  for (uint32_t i = 0; i < 5 && i < res.count; i++) {
    fossc_docview v;
    CHECK(fossc_index_doc(ix, res.hits[i].docnum, &b, &v, &err) == 0);
    if (v.lang == FOSSC_LANG_EN && strstr(v.body, "Dunhuang") &&
        strstr(v.body, "solar"))
      english_dunhuang++;
  }
  fossc_buf_free(&b);
  CHECK_MSG(english_dunhuang >= 2, "%d English Dunhuang articles", english_dunhuang);
  CHECK(strstr(res.hits[0].snippet, "<b>") != NULL);
}

TEST(accentless_same_ranking) {
  const char *pairs[][2] = {{"energía solar", "energia solar"},
                            {"revolución", "revolucion"},
                            {"construcción socialismo", "construccion socialismo"},
                            {"Ché", "che"}};
  for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
    uint32_t docs[10];
    double scores[10];
    CHECK(search(pairs[p][0]) == 0);
    uint32_t n = res.count;
    for (uint32_t i = 0; i < n; i++) docs[i] = res.hits[i].docnum, scores[i] = res.hits[i].score;
    CHECK(search(pairs[p][1]) == 0);
    CHECK_MSG(res.count == n, "%s: %u vs %u hits", pairs[p][0], n, res.count);
    for (uint32_t i = 0; i < n; i++) {
      CHECK(res.hits[i].docnum == docs[i]);
      CHECK(res.hits[i].score == scores[i]);
    }
  }
}

TEST(revolucion_finds_both_forms) {
  CHECK(search("revolucion") == 0);
  CHECK(res.count >= 1);
  /* the Spanish article (revolución, revoluciones) is found; English
  ** articles about the revolution compete through the translation */
  int r = rank_of_title("Entrevista: Como China está construyendo el socialismo");
  CHECK_MSG(r >= 1 && r <= 3, "Entrevista at %d", r);
  CHECK(strstr(res.hits[r - 1].snippet, "<b>revolución</b>") ||
        strstr(res.hits[r - 1].snippet, "<b>revoluciones</b>"));
  /* restricted to Spanish documents it is the first */
  CHECK(search("revolucion lang:es") == 0 && res.count >= 1);
  CHECK_STR(res.hits[0].title, "Entrevista: Como China está construyendo el socialismo");
}

TEST(phrase_molten_salt) {
  CHECK(search("\"molten salt\"") == 0);
  CHECK(res.count >= 1);
  fossc_buf b = FOSSC_BUF_INIT;
  fossc_docview v;
  CHECK(fossc_index_doc(ix, res.hits[0].docnum, &b, &v, &err) == 0);
  int ok = strstr(v.body, "Molten Salt") && strstr(v.body, "Dunhuang");
  fossc_buf_free(&b);
  CHECK(ok);
  /* a phrase whose words exist but never adjacent matches nothing */
  CHECK(search("\"salt terracotta\"") == 0);
  CHECK(res.count == 0);
}

TEST(terracotta_army) {
  CHECK(search("Terracotta Army") == 0);
  CHECK(rank_of_title("China’s technology infrastructure is blazing a trail for humanity") == 1);
}

TEST(operators) {
  CHECK(search("Urumqi") == 0);
  CHECK(res.total >= 1);
  uint64_t with = res.total;
  CHECK(search("Dunhuang") == 0);
  uint64_t dun = res.total;
  CHECK(search("Dunhuang -Urumqi") == 0);
  CHECK(res.total <= dun && res.total >= dun - with);
  CHECK(search("+Dunhuang +Urumqi") == 0);
  CHECK(res.total <= with);
  CHECK(search("+Dunhuang +solar") == 0);
  CHECK(res.total >= 1 && res.total <= dun); /* the articles on the plant */
  CHECK(search_opts("solar", 10, FOSSC_LANG_ES) == 0);
  for (uint32_t i = 0; i < res.count; i++) CHECK(res.hits[i].lang == FOSSC_LANG_ES);
  CHECK(res.count >= 1);
  CHECK(search("solar lang:en") == 0);
  for (uint32_t i = 0; i < res.count; i++) CHECK(res.hits[i].lang == FOSSC_LANG_EN);
  CHECK(search("Dunhu*") == 0);
  CHECK(res.total == dun);
  CHECK(search("lang:fr solar") == FOSSC_ERR_QUERY);
}

TEST(paging_is_consistent) {
  CHECK(search_opts("china", 20, FOSSC_LANG_UNKNOWN) == 0);
  uint32_t all[20], n = res.count;
  for (uint32_t i = 0; i < n; i++) all[i] = res.hits[i].docnum;
  fossc_search_req r = {"china", 5, 5, 10, 0, 0, 0};
  CHECK(fossc_search(s, ix, &r, &res, &err) == 0);
  CHECK(n >= 15 && res.count == 5);
  for (uint32_t i = 0; i < res.count; i++) {
    CHECK(res.hits[i].rank == 11 + i);
    CHECK(res.hits[i].docnum == all[10 + i]);
  }
  fossc_search_req big = {"china", 5, FOSSC_MAX_LIMIT, 1, 0, 0, 0};
  CHECK(fossc_search(s, ix, &big, &res, &err) == FOSSC_ERR_LIMIT);
  fossc_search_req expl = {"china", 5, FOSSC_MAX_EXPLAIN_LIMIT + 1, 0, 0, 0, 1};
  CHECK(fossc_search(s, ix, &expl, &res, &err) == FOSSC_ERR_LIMIT);
  expl.limit = FOSSC_MAX_EXPLAIN_LIMIT;
  CHECK(fossc_search(s, ix, &expl, &res, &err) == 0);
}

TEST(odd_queries_do_not_crash) {
  /* A prefix no word has, as the first query of a searcher (its arrays
  ** still empty): fuzz_query found a qsort of a NULL array here. */
  fossc_searcher *fresh;
  CHECK(fossc_searcher_create(&fresh, &err) == FOSSC_OK);
  fossc_search_req pr = {"zzqx*", 5, 10, 0, 0, 0, 0};
  int prc = fossc_search(fresh, ix, &pr, &res, &err);
  fossc_searcher_free(fresh);
  CHECK(prc == 0 && res.count == 0);
  const char *odd[] = {"", " ", "\"", "\"\"", "-", "+", "*", "**", "a*", "~A",
                       "Hamlet: Act 1", "-solar", "+", "\"the of\"", "the",
                       "lang:", "lang:es", "\xff\xfe\xfd", "ab\0cd", "((((",
                       "😀 emoji", "OR OR OR", "-\"\" +\"\"", "中国 能源"};
  for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
    int rc = search(odd[i]);
    CHECK_MSG(rc == 0 || rc == FOSSC_ERR_QUERY, "%s -> %d", odd[i], rc);
  }
  CHECK(search("-solar") == 0 && res.count == 0); /* only exclusions */
  CHECK(search("the") == 0); /* stop words alone are still searched */
  CHECK(res.count >= 1);
  char *big = malloc(10240 + 1);
  for (int i = 0; i < 10240; i++) big[i] = "solar energy "[i % 13];
  big[10240] = '\0';
  int rc = search(big);
  free(big);
  CHECK(rc == FOSSC_ERR_LIMIT);
  CHECK(strstr(err.msg, "limit") != NULL);
}

TEST(no_answer_is_empty) {
  /* one common word of a longer query is not an answer */
  CHECK(search("cricket world cup") == 0);
  CHECK_MSG(res.total == 0, "%llu hits", (unsigned long long)res.total);
  CHECK(search("campeonato de ajedrez") == 0);
  CHECK(res.total == 0);
  /* ... but an explicit OR keeps every word optional */
  CHECK(search("cricket OR world OR cup") == 0);
  CHECK(res.total > 0);
}

/* The misspelled query finds what the right spelling finds first, and
** says what it corrected. */
TEST(typos_find_their_articles) {
  const char *pairs[][2] = {{"Shanghia", "Shanghai"},
                            {"Terracota Army", "Terracotta Army"},
                            {"Zhejang Red Boat", "Zhejiang Red Boat"}};
  for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
    CHECK(search(pairs[p][1]) == 0 && res.count > 0);
    uint32_t want = res.hits[0].docnum;
    CHECK(res.suggestion == NULL);
    CHECK(search(pairs[p][0]) == 0 && res.count > 0);
    CHECK_MSG(res.hits[0].docnum == want, "%s: first is %s", pairs[p][0],
              res.hits[0].title);
  }
  /* "did you mean" when a word matches nothing as typed ("terracota" is
  ** the Spanish spelling, found in the interview: corrected silently) */
  CHECK(search("Shanghia") == 0);
  CHECK_STR(res.suggestion, "shanghai");
  CHECK(search("Zhejang Red Boat") == 0);
  CHECK_STR(res.suggestion, "zhejiang Red Boat");
  /* only the corrected word changes: operators and phrases keep their
  ** meaning */
  CHECK(search("Shanghia -solar \"red boat\"") == 0);
  CHECK_STR(res.suggestion, "shanghai -solar \"red boat\"");
  /* numbers and short words are never corrected */
  CHECK(search("12346") == 0 && res.suggestion == NULL);
}

/* Cross-lingual: Spanish queries find English articles and back. */
TEST(cross_lingual) {
  CHECK(ix != NULL);
  CHECK(search("ciudad del acero") == 0);
  int r = rank_of_title("Jiayuguan – the socialist future today");
  CHECK_MSG(r >= 1 && r <= 3, "Jiayuguan at %d", r);
  CHECK(search("robots deliver food to hotel rooms") == 0);
  CHECK(rank_of_title("Entrevista: Como China está construyendo el socialismo") == 1);
  /* the explanation names the translation */
  fossc_search_req rq = {"ciudad del acero", 16, 1, 0, 0, 0, 1};
  CHECK(fossc_search(s, ix, &rq, &res, &err) == 0 && res.count == 1);
  CHECK(res.hits[0].explain && strstr(res.hits[0].explain, "\"via\":\"translation\""));
  CHECK(strstr(res.hits[0].explain, "\"term\":\"steel\""));
}

TEST(get_by_id) {
  CHECK(search("Urumqi") == 0 && res.count >= 1);
  char id[256];
  snprintf(id, sizeof id, "%s", res.hits[0].id);
  fossc_docview v;
  CHECK(fossc_search_get(s, ix, id, strlen(id), &v, &err) == 0);
  CHECK_STR(v.id, id);
  CHECK(strstr(v.body, "Urumqi") != NULL);
  CHECK(fossc_search_get(s, ix, "nope", 4, &v, &err) == FOSSC_ERR_NOTFOUND);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/fossc-test-search-XXXXXX");
  if (!mkdtemp(tmpdir)) return 1;
  const char *corpus = getenv("FOSSC_CORPUS") ? getenv("FOSSC_CORPUS") : "corpus";
  fossc_writer *w;
  if (fossc_writer_create(NULL, &w, &err) ||
      fossc_corpus_read(corpus, 0, add, NULL, w, NULL, &err) ||
      (fossc_writer_add_translations(w, NULL, NULL, &err) &&
       (printf("note: no translation lexicon: %s\n", err.msg), 0)) ||
      fossc_writer_finish(w, tmpdir, NULL, &err) ||
      fossc_index_open(tmpdir, &ix, &err) || fossc_searcher_create(&s, &err)) {
    fprintf(stderr, "setup: %s\n", err.msg);
    printf("search: 0 passed, 1 failed\n");
    return 1;
  }
  fossc_writer_free(w);
  RUN(energia_solar_bilingual);
  RUN(accentless_same_ranking);
  RUN(revolucion_finds_both_forms);
  RUN(phrase_molten_salt);
  RUN(terracotta_army);
  RUN(operators);
  RUN(paging_is_consistent);
  RUN(odd_queries_do_not_crash);
  RUN(no_answer_is_empty);
  RUN(typos_find_their_articles);
  RUN(cross_lingual);
  RUN(get_by_id);
  fossc_searcher_free(s);
  fossc_index_free(ix);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  if (system(cmd)) return 1;
  return TEST_SUMMARY("search");
}
