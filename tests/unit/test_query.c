/* Query parser: syntax, leniency on odd input, limits. */
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "query.h"

static fossc_query q;
static fossc_error err;

static int parse(const char *s) { return fossc_query_parse(s, strlen(s), &q, &err); }

static int clause_is(uint32_t i, fossc_qkind k, fossc_qoccur o, const char *t) {
  return i < q.nclauses && q.clauses[i].kind == k && q.clauses[i].occur == o &&
         q.clauses[i].len == strlen(t) && memcmp(q.clauses[i].text, t, q.clauses[i].len) == 0;
}

TEST(words_are_should_clauses) {
  CHECK(parse("energía solar") == FOSSC_OK);
  CHECK(q.nclauses == 2);
  CHECK(clause_is(0, FOSSC_Q_WORD, FOSSC_Q_SHOULD, "energía"));
  CHECK(clause_is(1, FOSSC_Q_WORD, FOSSC_Q_SHOULD, "solar"));
}

TEST(operators_phrase_prefix_lang) {
  CHECK(parse("+china -xinjiang \"molten salt\" energ* lang:es") == FOSSC_OK);
  CHECK(q.nclauses == 4);
  CHECK(clause_is(0, FOSSC_Q_WORD, FOSSC_Q_MUST, "china"));
  CHECK(clause_is(1, FOSSC_Q_WORD, FOSSC_Q_NOT, "xinjiang"));
  CHECK(clause_is(2, FOSSC_Q_PHRASE, FOSSC_Q_SHOULD, "molten salt"));
  CHECK(clause_is(3, FOSSC_Q_PREFIX, FOSSC_Q_SHOULD, "energ"));
  CHECK(q.lang == FOSSC_LANG_ES);
}

TEST(or_keyword_dropped) {
  CHECK(parse("solar OR energía OR panel") == FOSSC_OK);
  CHECK(q.nclauses == 3);
  CHECK(clause_is(2, FOSSC_Q_WORD, FOSSC_Q_SHOULD, "panel"));
}

TEST(odd_input_is_words) {
  CHECK(parse("\"unclosed phrase here") == FOSSC_OK);
  CHECK(clause_is(0, FOSSC_Q_PHRASE, FOSSC_Q_SHOULD, "unclosed phrase here"));
  CHECK(parse("- + ~A Hamlet: Act 1 \"\" *") == FOSSC_OK);
  /* lone operators are words of punctuation; analysis drops them later */
  CHECK(q.nclauses >= 4);
  CHECK(parse("") == FOSSC_OK && q.nclauses == 0);
  CHECK(parse("   \t ") == FOSSC_OK && q.nclauses == 0);
  CHECK(parse("-\"negated phrase\"") == FOSSC_OK);
  CHECK(clause_is(0, FOSSC_Q_PHRASE, FOSSC_Q_NOT, "negated phrase"));
}

TEST(bad_lang_is_error) {
  CHECK(parse("lang:fr vino") == FOSSC_ERR_QUERY);
  CHECK(strstr(err.msg, "fr") != NULL);
  CHECK(parse("lang:any vino") == FOSSC_OK && q.lang == FOSSC_LANG_UNKNOWN);
}

TEST(limits) {
  char *big = malloc(FOSSC_MAX_QUERY_BYTES + 2);
  memset(big, 'a', FOSSC_MAX_QUERY_BYTES + 1);
  big[FOSSC_MAX_QUERY_BYTES + 1] = '\0';
  CHECK(parse(big) == FOSSC_ERR_LIMIT);
  /* many short words: the clause cap */
  for (int i = 0; i < FOSSC_MAX_QUERY_BYTES; i += 2) big[i] = 'a', big[i + 1] = ' ';
  big[FOSSC_MAX_QUERY_BYTES] = '\0';
  int rc = parse(big);
  free(big);
  CHECK(rc == FOSSC_ERR_LIMIT);
}

int main(void) {
  RUN(words_are_should_clauses);
  RUN(operators_phrase_prefix_lang);
  RUN(or_keyword_dropped);
  RUN(odd_input_is_words);
  RUN(bad_lang_is_error);
  RUN(limits);
  return TEST_SUMMARY("query");
}
