/*
** A minimal test harness. Each test is a function; a failed CHECK records the
** file, line and expression and ends that test. fossc_test_main prints one
** line per test and closes with "N passed, N failed", which tests/run
** adds up across binaries.
**
**   TEST(parses_words) { CHECK(x == 1); CHECK_STR(a, "b"); }
**   int main(void) { RUN(parses_words); return TEST_SUMMARY("query"); }
*/
#ifndef FOSSC_TEST_HARNESS_H
#define FOSSC_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

static int test_passed_, test_failed_, test_cur_failed_;

#define TEST(name) static void name(void)

#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!(cond)) {                                                       \
      fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, \
              #cond);                                                    \
      test_cur_failed_ = 1;                                              \
      return;                                                            \
    }                                                                    \
  } while (0)

#define CHECK_MSG(cond, ...)                                               \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "  %s:%d: check failed: %s: ", __FILE__, __LINE__,   \
              #cond);                                                      \
      fprintf(stderr, __VA_ARGS__);                                        \
      fputc('\n', stderr);                                                 \
      test_cur_failed_ = 1;                                                \
      return;                                                              \
    }                                                                      \
  } while (0)

#define CHECK_STR(a, b)                                                    \
  do {                                                                     \
    const char *ca_ = (a), *cb_ = (b);                                     \
    if (!ca_ || !cb_ || strcmp(ca_, cb_) != 0) {                           \
      fprintf(stderr, "  %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__,   \
              ca_ ? ca_ : "(null)", cb_ ? cb_ : "(null)");                 \
      test_cur_failed_ = 1;                                                \
      return;                                                              \
    }                                                                      \
  } while (0)

#define RUN(name)                                    \
  do {                                               \
    test_cur_failed_ = 0;                            \
    name();                                          \
    if (test_cur_failed_) {                          \
      test_failed_++;                                \
      printf("FAIL %s\n", #name);                    \
    } else {                                         \
      test_passed_++;                                \
      printf("ok   %s\n", #name);                    \
    }                                                \
    fflush(stdout);                                  \
  } while (0)

/* Lookup tests' near misses of a string k[0..len): writes variant v into
** q (room for len + 1 bytes) and returns its length. v = 0: k itself, 1: a
** byte more, 2: a byte less, 3 and 4: the last byte raised and lowered. */
#define TEST_VARIANTS 5
static inline size_t test_variant(char *q, const char *k, size_t len, int v) {
  size_t n = len;
  memcpy(q, k, len);
  if (v == 1) q[n++] = 'a';
  if (v == 2 && n) n--;
  if (v == 3 && n) q[n - 1] = (char)((unsigned char)q[n - 1] + 1);
  if (v == 4 && n) q[n - 1] = (char)((unsigned char)q[n - 1] - 1);
  return n;
}

#define TEST_SUMMARY(suite)                                              \
  (printf("%s: %d passed, %d failed\n", (suite), test_passed_,           \
          test_failed_),                                                 \
   test_failed_ ? 1 : 0)

#endif
