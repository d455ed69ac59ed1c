/* Unit tests of the text-analysis pipeline (libfossc/analysis.h). */
#include "analysis.h"
#include "analysis_int.h"
#include "../harness.h"

#include <stdlib.h>
#include <utf8proc.h>

#define MAX_TOKS 512

typedef struct tok_copy {
  char surface[FOSSC_MAX_WORD_BYTES + 1];
  char plain[FOSSC_MAX_WORD_BYTES + 1];
  char term[FOSSC_MAX_WORD_BYTES + 1];
  uint32_t start, end, pos;
  int lang, stop, numeric;
} tok_copy;

typedef struct collected {
  tok_copy t[MAX_TOKS];
  int n;
  int stop_after; /* > 0: callback returns 7 after this many tokens */
  int bad;        /* a token broke an invariant */
} collected;

static collected col;
static fossc_analyzer *an;

static void copy_str(char *dst, const char *src, uint32_t len) {
  if (len > FOSSC_MAX_WORD_BYTES) len = FOSSC_MAX_WORD_BYTES;
  memcpy(dst, src, len);
  dst[len] = '\0';
}

static int collect_cb(void *ctx, const fossc_token *tok) {
  collected *c = ctx;
  if (tok->surface_len == 0 || tok->plain_len == 0 || tok->term_len == 0 ||
      tok->surface_len > FOSSC_MAX_WORD_BYTES ||
      tok->plain_len > FOSSC_MAX_WORD_BYTES ||
      tok->term_len > FOSSC_MAX_WORD_BYTES ||
      strlen(tok->surface) != tok->surface_len ||
      strlen(tok->plain) != tok->plain_len || strlen(tok->term) != tok->term_len ||
      tok->start >= tok->end)
    c->bad = 1;
  if (c->n < MAX_TOKS) {
    tok_copy *t = &c->t[c->n];
    copy_str(t->surface, tok->surface, tok->surface_len);
    copy_str(t->plain, tok->plain, tok->plain_len);
    copy_str(t->term, tok->term, tok->term_len);
    t->start = tok->start;
    t->end = tok->end;
    t->pos = tok->pos;
    t->lang = tok->lang;
    t->stop = tok->stop;
    t->numeric = tok->numeric;
  }
  c->n++;
  if (c->stop_after && c->n >= c->stop_after) return 7;
  return 0;
}

/* Word ids of a call, for the word_cache test (ctx: uint32_t[16]). */
static int ids_n;
static uint32_t ids_epoch[16];
static int collect_ids(void *ctx, const fossc_token *tok) {
  uint32_t *ids = ctx;
  if (ids_n < 16) {
    ids[ids_n] = tok->word_id;
    ids_epoch[ids_n] = tok->word_epoch;
  }
  ids_n++;
  return 0;
}

/* Analyses text (len: strlen unless given) into col; returns the status. */
static int run_len(const char *text, size_t len, fossc_lang fb, uint32_t first) {
  memset(&col, 0, sizeof col);
  return fossc_analyze(an, text, len, fb, first, collect_cb, &col);
}
static int run(const char *text, fossc_lang fb) {
  return run_len(text, strlen(text), fb, 0);
}

/* Term of one word in a paragraph of its own. */
static const char *term1(const char *word, fossc_lang lang) {
  static char out[FOSSC_MAX_WORD_BYTES + 1];
  if (run(word, lang) != FOSSC_OK || col.n != 1) return "(not one token)";
  strcpy(out, col.t[0].term);
  return out;
}

TEST(china_apostrophes) {
  CHECK(run("China\xE2\x80\x99s economy", FOSSC_LANG_EN) == FOSSC_OK);
  CHECK(col.n == 2 && !col.bad);
  CHECK_STR(col.t[0].surface, "china's");
  CHECK_STR(col.t[0].term, "china");
  CHECK(col.t[0].start == 0 && col.t[0].end == 9); /* ’ is 3 bytes */
  tok_copy curly = col.t[0];
  CHECK(run("China's economy", FOSSC_LANG_EN) == FOSSC_OK);
  CHECK_STR(col.t[0].surface, curly.surface);
  CHECK_STR(col.t[0].term, curly.term);
  CHECK(col.t[0].end == 7);
  /* Leading and trailing apostrophes are not part of words. */
  CHECK(run("'hello' rock'n'roll dogs' \xE2\x80\x99tis", FOSSC_LANG_EN) == FOSSC_OK);
  CHECK(col.n == 4);
  CHECK_STR(col.t[0].surface, "hello");
  CHECK(col.t[0].start == 1 && col.t[0].end == 6);
  CHECK_STR(col.t[1].surface, "rock'n'roll");
  CHECK_STR(col.t[2].surface, "dogs");
  CHECK_STR(col.t[3].surface, "tis");
}

TEST(spanish_terms_stem_then_strip) {
  CHECK_STR(term1("energ\xC3\xAD" "a", FOSSC_LANG_ES), "energ");
  CHECK_STR(term1("energia", FOSSC_LANG_ES), "energi");
  CHECK_STR(term1("revoluci\xC3\xB3n", FOSSC_LANG_ES), "revolu");
  CHECK_STR(term1("revoluciones", FOSSC_LANG_ES), "revolu");
  CHECK_STR(term1("Revoluci\xC3\xB3n", FOSSC_LANG_ES), "revolu");
  CHECK(run("energ\xC3\xAD" "a", FOSSC_LANG_ES) == FOSSC_OK);
  CHECK_STR(col.t[0].surface, "energ\xC3\xAD" "a");
  CHECK_STR(col.t[0].plain, "energia");
  CHECK(col.t[0].lang == FOSSC_LANG_ES);
  /* fossc_analyzer_term gives the same answers (and fills the cache path
  ** on the second call). */
  fossc_buf b = FOSSC_BUF_INIT;
  for (int k = 0; k < 2; k++) {
    CHECK(fossc_analyzer_term(an, FOSSC_LANG_ES, "energ\xC3\xAD" "a", 8, &b) == FOSSC_OK);
    CHECK(b.len == 5 && memcmp(b.data, "energ", 5) == 0 && b.data[5] == '\0');
  }
  CHECK(fossc_analyzer_term(an, FOSSC_LANG_ES, "energia", 7, &b) == FOSSC_OK);
  CHECK_STR(b.data, "energi");
  CHECK(fossc_analyzer_term(an, FOSSC_LANG_EN, "running", 7, &b) == FOSSC_OK);
  CHECK_STR(b.data, "run");
  CHECK(fossc_analyzer_term(an, FOSSC_LANG_EN, "12345", 5, &b) == FOSSC_OK);
  CHECK_STR(b.data, "12345");
  /* Unknown language: no stemming, just the plain form. */
  CHECK(fossc_analyzer_term(an, FOSSC_LANG_UNKNOWN, "caf\xC3\xA9s", 6, &b) == FOSSC_OK);
  CHECK_STR(b.data, "cafes");
  /* Garbage never crashes and never yields an empty term. */
  CHECK(fossc_analyzer_term(an, FOSSC_LANG_ES, "\xFF\xFE", 2, &b) == FOSSC_OK);
  CHECK(b.len > 0);
  CHECK(fossc_analyzer_term(an, FOSSC_LANG_EN, "", 0, &b) == FOSSC_OK && b.len == 0);
  fossc_buf_free(&b);
}

TEST(names_with_diacritics) {
  CHECK(run("Ch\xC3\xA9 Guevara met Mao Zedong in Xi\xE2\x80\x99" "an.", FOSSC_LANG_EN) == FOSSC_OK);
  CHECK(col.n == 7 && !col.bad);
  CHECK_STR(col.t[0].surface, "ch\xC3\xA9");
  CHECK_STR(col.t[0].plain, "che");
  CHECK_STR(col.t[0].term, "che");
  CHECK_STR(col.t[4].surface, "zedong");
  CHECK_STR(col.t[6].surface, "xi'an");
  /* Decomposed input (e + U+0301) gives the same NFC surface. */
  CHECK(run("Che\xCC\x81", FOSSC_LANG_EN) == FOSSC_OK);
  CHECK(col.n == 1);
  CHECK_STR(col.t[0].surface, "ch\xC3\xA9");
  CHECK_STR(col.t[0].plain, "che");
  CHECK(col.t[0].end == 5);
  /* Full case folding: ß -> ss; Greek. */
  CHECK(run("Stra\xC3\x9F" "e \xCE\xA3\xCE\x9F\xCE\xA6\xCE\x99\xCE\x91", FOSSC_LANG_EN) == FOSSC_OK);
  CHECK(col.n == 2);
  CHECK_STR(col.t[0].surface, "strasse");
  CHECK_STR(col.t[1].plain, "\xCF\x83\xCE\xBF\xCF\x86\xCE\xB9\xCE\xB1");
}

TEST(numbers) {
  CHECK(run("In 12345 cases, 3.14 and mp3", FOSSC_LANG_EN) == FOSSC_OK);
  CHECK(col.n == 7);
  CHECK_STR(col.t[1].surface, "12345");
  CHECK_STR(col.t[1].term, "12345");
  CHECK(col.t[1].numeric == 1 && col.t[1].stop == 0);
  CHECK(col.t[3].numeric && col.t[4].numeric); /* 3 . 14 */
  CHECK_STR(col.t[6].surface, "mp3");
  CHECK(col.t[6].numeric == 0 && col.t[0].numeric == 0);
}

TEST(separators_split_words) {
  const char *text = "foo\xC2\xA0" "bar\xE2\x80\xAF" "baz well-known fact\xE2\x80\x94" "idea"
                     "\xE2\x80\x93x a/b (c) d.e";
  CHECK(run(text, FOSSC_LANG_EN) == FOSSC_OK);
  const char *want[] = {"foo", "bar", "baz", "well", "known", "fact", "idea",
                        "x", "a", "b", "c", "d", "e"};
  CHECK(col.n == 13);
  for (int i = 0; i < 13; i++) CHECK_STR(col.t[i].surface, want[i]);
  CHECK(col.t[1].start == 5 && col.t[1].end == 8);
  CHECK(col.t[2].start == 11);
}

TEST(invalid_utf8_offsets) {
  /* \xFF invalid, \xC0\xAF overlong, \xED\xA0\x80 surrogate: all split. */
  const char text[] = "ab\xFF" "cd \xC3\xA9t\xC3\xA9 x\xC0\xAFy z\xED\xA0\x80w";
  CHECK(run_len(text, sizeof text - 1, FOSSC_LANG_EN, 0) == FOSSC_OK);
  CHECK(col.n == 7 && !col.bad);
  CHECK_STR(col.t[0].surface, "ab");
  CHECK(col.t[0].start == 0 && col.t[0].end == 2);
  CHECK_STR(col.t[1].surface, "cd");
  CHECK(col.t[1].start == 3 && col.t[1].end == 5);
  CHECK_STR(col.t[2].surface, "\xC3\xA9t\xC3\xA9");
  CHECK(col.t[2].start == 6 && col.t[2].end == 11);
  CHECK_STR(col.t[3].surface, "x");
  CHECK_STR(col.t[4].surface, "y");
  CHECK(col.t[4].start == 15);
  CHECK_STR(col.t[6].surface, "w");
  CHECK(col.t[6].start == 21 && col.t[6].end == 22);
  /* Truncated sequence at the very end. */
  CHECK(run_len("word\xE2\x82", 6, FOSSC_LANG_EN, 0) == FOSSC_OK);
  CHECK(col.n == 1 && col.t[0].end == 4);
}

TEST(nul_byte) {
  CHECK(run_len("foo\0bar", 7, FOSSC_LANG_EN, 0) == FOSSC_OK);
  CHECK(col.n == 2);
  CHECK_STR(col.t[0].surface, "foo");
  CHECK_STR(col.t[1].surface, "bar");
  CHECK(col.t[1].start == 4 && col.t[1].end == 7);
}

TEST(long_words_cut) {
  char text[1200];
  memset(text, 'A', 200);
  strcpy(text + 200, " next");
  CHECK(run(text, FOSSC_LANG_EN) == FOSSC_OK);
  CHECK(col.n == 2 && !col.bad);
  CHECK(strlen(col.t[0].surface) == FOSSC_MAX_WORD_BYTES);
  CHECK(col.t[0].start == 0 && col.t[0].end == 200); /* the whole run */
  CHECK_STR(col.t[1].surface, "next");
  CHECK(col.t[1].pos == 1);
  /* Two-byte letters: cut at a character boundary. */
  size_t n = 0;
  for (int i = 0; i < 500; i++) {
    text[n++] = '\xC3';
    text[n++] = '\x89'; /* É */
  }
  CHECK(run_len(text, n, FOSSC_LANG_ES, 0) == FOSSC_OK);
  CHECK(col.n == 1 && !col.bad);
  CHECK(strlen(col.t[0].surface) == FOSSC_MAX_WORD_BYTES);
  CHECK(utf8proc_decompose((const utf8proc_uint8_t *)col.t[0].surface, -1, NULL, 0,
                           UTF8PROC_NULLTERM) == FOSSC_MAX_WORD_BYTES / 2);
  /* Three-byte letters (CJK): 64 is not a multiple of 3. */
  n = 0;
  for (int i = 0; i < 300; i++) {
    memcpy(text + n, "\xE4\xB8\xAD", 3);
    n += 3;
  }
  CHECK(run_len(text, n, FOSSC_LANG_EN, 0) == FOSSC_OK);
  CHECK(col.n == 1 && !col.bad);
  CHECK(strlen(col.t[0].surface) == 63);
}

/* A reference for ASCII text, one byte at a time: a word is a run of
** letters and digits, with an apostrophe kept between two letters,
** lower-cased, its bytes cut at FOSSC_RAW_WORD_BYTES. */
static int ref_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
static int ref_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static int ref_next_word(const char *s, size_t end, size_t *pos, size_t *start, size_t *wend,
                         char *buf, size_t *len, int *numeric) {
  size_t i = *pos;
  while (i < end && !ref_alnum(s[i])) i++;
  if (i >= end) return 0;
  *start = i;
  *len = 0;
  *numeric = 1;
  while (i < end) {
    char c = s[i];
    if (c == '\'' && i > *start && ref_letter(s[i - 1]) && i + 1 < end && ref_letter(s[i + 1])) {
    } else if (!ref_alnum(c)) {
      break;
    }
    if (c == '\'' || ref_letter(c)) *numeric = 0;
    if (*len < FOSSC_RAW_WORD_BYTES) buf[(*len)++] = (char)(ref_letter(c) ? (c | 0x20) : c);
    i++;
  }
  *wend = i;
  *pos = i;
  return 1;
}

/* fossc_next_word reads ASCII eight bytes at a time: it must find the same
** words as the reference at every alignment and length, at the very end of
** an exactly sized buffer (ASan would see a read past it). */
TEST(next_word_matches_bytewise_reference) {
  static const char alphabet[] = "aZm09 .,'-\n";
  uint32_t seed = 7;
  int mismatches = 0;
  for (int round = 0; round < 20000 && mismatches < 5; round++) {
    seed = seed * 1103515245u + 12345u;
    size_t n = (seed >> 16) % 40;
    if (round % 100 == 0) n = 200 + round % 97; /* runs longer than a word */
    char *t = malloc(n ? n : 1);
    for (size_t k = 0; k < n; k++) {
      seed = seed * 1103515245u + 12345u;
      unsigned r = (seed >> 16) % 64;
      /* mostly letters, so that runs cross eight-byte boundaries */
      t[k] = r < 40   ? "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"[r]
             : r < 52 ? alphabet[r % (sizeof alphabet - 1)]
                      : (char)(1 + (seed >> 8) % 127); /* any ASCII byte but NUL */
    }
    size_t pos = 0, rpos = 0;
    fossc_raw_word w;
    char rbuf[FOSSC_RAW_WORD_BYTES];
    size_t rs = 0, re = 0, rl = 0;
    int rn = 0;
    for (;;) {
      int got = fossc_next_word((const uint8_t *)t, n, &pos, &w);
      int want = ref_next_word(t, n, &rpos, &rs, &re, rbuf, &rl, &rn);
      if (got != want || (got && (w.start != rs || w.end != re || w.len != rl ||
                                   memcmp(w.buf, rbuf, rl) != 0 || w.numeric != rn ||
                                   /* ascii: no apostrophe, which takes the
                                   ** general path (one that ends a word too) */
                                   (w.ascii && memchr(rbuf, '\'', rl)) || pos != rpos))) {
        CHECK_MSG(0, "round %d: text \"%.*s\" at %zu: got %d [%u,%u) \"%.*s\" numeric %d, "
                  "want %d [%zu,%zu) \"%.*s\" numeric %d", round, (int)n, t, rpos, got,
                  w.start, w.end, (int)w.len, w.buf, w.numeric, want, rs, re, (int)rl, rbuf, rn);
        mismatches++;
        break;
      }
      if (!got) break;
    }
    free(t);
  }
  CHECK(mismatches == 0);
}

static const char *en_para =
    "The committee said that the new energy policy would be presented to the "
    "parliament next week, after months of negotiations with the unions.";
static const char *es_para =
    "El comit\xC3\xA9 dijo que la nueva pol\xC3\xADtica energ\xC3\xA9tica ser\xC3\xA1 "
    "presentada al parlamento la pr\xC3\xB3xima semana, tras meses de "
    "negociaciones con los sindicatos.";

TEST(language_detection) {
  CHECK(fossc_detect_lang(an, en_para, strlen(en_para)) == FOSSC_LANG_EN);
  CHECK(fossc_detect_lang(an, es_para, strlen(es_para)) == FOSSC_LANG_ES);
  CHECK(fossc_detect_lang(an, "Linux kernel", 12) == FOSSC_LANG_UNKNOWN);
  CHECK(fossc_detect_lang(an, "", 0) == FOSSC_LANG_UNKNOWN);
  const char *q = "\xC2\xBF" "Qu\xC3\xA9 hora es?";
  CHECK(fossc_detect_lang(an, q, strlen(q)) == FOSSC_LANG_ES);
  const char *e2 = "What is happening with the weather today?";
  CHECK(fossc_detect_lang(an, e2, strlen(e2)) == FOSSC_LANG_EN);
  const char *s2 = "La energ\xC3\xAD" "a solar es m\xC3\xA1s barata que nunca.";
  CHECK(fossc_detect_lang(an, s2, strlen(s2)) == FOSSC_LANG_ES);
}

TEST(mixed_languages_per_paragraph) {
  char text[1024];
  snprintf(text, sizeof text,
           "The revolutions were happening everywhere in the country.\n"
           "  \t\n" /* a blank line made of white space */
           "Las revoluciones ocurrieron en todo el pa\xC3\xADs y en la ciudad.\n\n\n"
           "Revolutions");
  CHECK(run_len(text, strlen(text), FOSSC_LANG_UNKNOWN, 100) == FOSSC_OK);
  CHECK(col.n == 8 + 11 + 1 && !col.bad);
  for (int i = 0; i < col.n; i++) CHECK(col.t[i].pos == 100u + (uint32_t)i);
  CHECK(col.t[0].lang == FOSSC_LANG_EN);
  CHECK_STR(col.t[1].term, "revolut");
  CHECK(col.t[0].stop == 1); /* "the" */
  CHECK(col.t[8].lang == FOSSC_LANG_ES);
  CHECK_STR(col.t[9].surface, "revoluciones");
  CHECK_STR(col.t[9].term, "revolu");
  CHECK(col.t[8].stop == 1); /* "las" */
  CHECK(col.t[11].stop == 1 && col.t[12].stop == 1); /* "en", "todo" */
  /* The last paragraph (one word) uses the whole text's language. */
  CHECK(col.t[19].lang == FOSSC_LANG_ES);
  CHECK(memcmp(text + col.t[19].start, "Revolutions", 11) == 0);
  /* With an explicit fallback, that language is used instead. */
  CHECK(run_len(text, strlen(text), FOSSC_LANG_EN, 0) == FOSSC_OK);
  CHECK(col.t[19].lang == FOSSC_LANG_EN && col.t[8].lang == FOSSC_LANG_ES);
  /* Undecided everywhere: English. */
  CHECK(run("Linux kernel", FOSSC_LANG_UNKNOWN) == FOSSC_OK);
  CHECK(col.n == 2 && col.t[0].lang == FOSSC_LANG_EN);
}

TEST(callback_stops_analysis) {
  memset(&col, 0, sizeof col);
  col.stop_after = 2;
  CHECK(fossc_analyze(an, en_para, strlen(en_para), FOSSC_LANG_EN, 0,
                      collect_cb, &col) == 7);
  CHECK(col.n == 2);
  CHECK(fossc_analyze(an, "x", 1, FOSSC_LANG_EN, 0, NULL, NULL) == FOSSC_ERR_ARG);
  CHECK(run_len(NULL, 0, FOSSC_LANG_EN, 0) == FOSSC_OK && col.n == 0);
  CHECK(run("  \n\n \xE2\x80\x94 ... \n", FOSSC_LANG_EN) == FOSSC_OK && col.n == 0);
}

TEST(stop_words) {
  CHECK(fossc_is_stopword(FOSSC_LANG_EN, "the", 3));
  CHECK(fossc_is_stopword(FOSSC_LANG_EN, "don't", 5));
  CHECK(!fossc_is_stopword(FOSSC_LANG_ES, "the", 3));
  CHECK(fossc_is_stopword(FOSSC_LANG_ES, "esta", 4));
  CHECK(fossc_is_stopword(FOSSC_LANG_ES, "est\xC3\xA1", 5));
  CHECK(fossc_is_stopword(FOSSC_LANG_ES, "\xC3\xA9l", 3));
  CHECK(fossc_is_stopword(FOSSC_LANG_ES, "estuvi\xC3\xA9semos", 13));
  CHECK(!fossc_is_stopword(FOSSC_LANG_EN, "est\xC3\xA1", 5));
  CHECK(fossc_is_stopword(FOSSC_LANG_UNKNOWN, "the", 3));
  CHECK(fossc_is_stopword(FOSSC_LANG_UNKNOWN, "est\xC3\xA1", 5));
  CHECK(!fossc_is_stopword(FOSSC_LANG_UNKNOWN, "energy", 6));
  CHECK(!fossc_is_stopword(FOSSC_LANG_UNKNOWN, "th", 2));
  CHECK(!fossc_is_stopword(FOSSC_LANG_UNKNOWN, "thee", 4));
  CHECK(!fossc_is_stopword(FOSSC_LANG_UNKNOWN, "", 0));
  CHECK(fossc_is_stopword(FOSSC_LANG_EN, "a", 1) && fossc_is_stopword(FOSSC_LANG_ES, "a", 1));
  size_t n = fossc_stop_table_size();
  CHECK(n > 400);
  for (size_t i = 1; i < n; i++)
    CHECK_MSG(strcmp(fossc_stop_table_word(i - 1), fossc_stop_table_word(i)) < 0,
              "%s >= %s", fossc_stop_table_word(i - 1), fossc_stop_table_word(i));
  for (size_t i = 0; i < n; i++) {
    const char *w = fossc_stop_table_word(i);
    CHECK(fossc_is_stopword(FOSSC_LANG_UNKNOWN, w, strlen(w)));
  }
}

TEST(fold_plain) {
  fossc_buf b = FOSSC_BUF_INIT;
  CHECK(fossc_fold_plain("\xC3\x89NERG\xC3\x8D" "A \xC3\x91" "and\xC3\xBA", 17, &b) == FOSSC_OK);
  CHECK_STR(fossc_buf_cstr(&b), "energia nandu");
  CHECK(fossc_fold_plain("Hello World", 11, &b) == FOSSC_OK);
  CHECK_STR(b.data, "hello world");
  CHECK(fossc_fold_plain("a\xFF" "b", 3, &b) == FOSSC_OK);
  CHECK_STR(b.data, "a\xEF\xBF\xBD" "b");
  CHECK(fossc_fold_plain("", 0, &b) == FOSSC_OK && b.len == 0);
  /* The table fast path agrees with utf8proc for every Latin-1 letter. */
  for (int32_t cp = 0xC0; cp <= 0xFF; cp++) {
    if (cp == 0xD7 || cp == 0xF7) continue;
    char in[8] = "x";
    utf8proc_ssize_t k = utf8proc_encode_char(cp, (utf8proc_uint8_t *)in + 1);
    CHECK(run_len(in, 1 + (size_t)k, FOSSC_LANG_EN, 0) == FOSSC_OK && col.n == 1);
    CHECK(fossc_fold_plain(in, 1 + (size_t)k, &b) == FOSSC_OK);
    CHECK_MSG(strcmp(col.t[0].plain, b.data) == 0, "U+%04X: %s vs %s", (unsigned)cp,
              col.t[0].plain, b.data);
    utf8proc_uint8_t *folded = NULL;
    utf8proc_map((const utf8proc_uint8_t *)in, 1 + k, &folded,
                 UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_STABLE);
    int same = folded && strcmp((const char *)folded, col.t[0].surface) == 0;
    free(folded);
    CHECK_MSG(same, "U+%04X surface %s", (unsigned)cp, col.t[0].surface);
  }
  fossc_buf_free(&b);
}

TEST(sanitize) {
  fossc_buf b = FOSSC_BUF_INIT;
  CHECK(fossc_utf8_sanitize("plain \xE2\x82\xAC", 9, &b) == 0);
  CHECK_STR(b.data, "plain \xE2\x82\xAC");
  CHECK(fossc_utf8_sanitize("\xEF\xBF\xBD", 3, &b) == 0); /* a real U+FFFD */
  CHECK(fossc_utf8_sanitize("a\xC0\xAF" "b", 4, &b) == 2);
  CHECK_STR(b.data, "a\xEF\xBF\xBD\xEF\xBF\xBD" "b");
  CHECK(fossc_utf8_sanitize("x\0y", 3, &b) == 1);
  CHECK_STR(b.data, "x\xEF\xBF\xBDy");
  CHECK(fossc_utf8_sanitize("\xED\xA0\x80", 3, &b) == 3); /* surrogate */
  CHECK(fossc_utf8_sanitize("\xF4\x90\x80\x80", 4, &b) == 4); /* > U+10FFFF */
  CHECK(fossc_utf8_sanitize("\xF0\x9F\x98", 3, &b) == 1); /* truncated */
  CHECK(fossc_utf8_sanitize("\xF0\x9F\x98\x80", 4, &b) == 0);
  CHECK(fossc_utf8_sanitize("", 0, &b) == 0 && b.len == 0);
  fossc_buf_free(&b);
}

/* Tokens of `text` from analyzer x, as one comparable string. */
static void token_dump(fossc_analyzer *x, const char *text, fossc_buf *out) {
  memset(&col, 0, sizeof col);
  fossc_buf_reset(out);
  CHECK(fossc_analyze(x, text, strlen(text), FOSSC_LANG_UNKNOWN, 3, collect_cb,
                      &col) == FOSSC_OK);
  CHECK(!col.bad);
  for (int i = 0; i < col.n && i < MAX_TOKS; i++) {
    const tok_copy *t = &col.t[i];
    char line[300];
    int n = snprintf(line, sizeof line, "%u %u %u %d %d %d %s %s %s\n", t->start,
                     t->end, t->pos, t->lang, t->stop, t->numeric, t->surface,
                     t->plain, t->term);
    fossc_buf_append(out, line, (size_t)n);
  }
}

/* The word cache changes nothing but speed: an analyzer whose cache holds
** 64 words (cleared again and again, also in the middle of a long text)
** gives the same tokens as the default one, and within one word epoch
** equal word ids mean equal words. */
TEST(word_cache) {
  fossc_buf text = FOSSC_BUF_INIT, big = FOSSC_BUF_INIT, small = FOSSC_BUF_INIT;
  const char *parts[] = {"Energ\xC3\xAD" "a", "energia", "STRASSE", "stra\xC3\x9F" "e",
                         "don't", "China\xE2\x80\x99s", "42", "\xD9\xA1\xD9\xA2",
                         "caf\xC3\xA9", "the", "casa", "running", "\xC2\xBFQu\xC3\xA9",
                         "internationalisation", "e\xCC\x81t\xC3\xA9"};
  for (int i = 0; i < 400; i++) {
    char w[64];
    const int np = (int)(sizeof parts / sizeof *parts);
    int n = snprintf(w, sizeof w, "%s w%dx%s%s", parts[i % np], i * 7 % 113,
                     parts[(i * 5) % np], i % 37 == 0 ? "\n\n" : " ");
    fossc_buf_append(&text, w, (size_t)n);
  }
  CHECK(fossc_buf_cstr(&text) != NULL);
  fossc_analyzer *x = NULL;
  CHECK(fossc_analyzer_create_sized(64, &x, NULL) == FOSSC_OK);
  for (int round = 0; round < 3 && x; round++) {
    token_dump(an, text.data, &big);
    token_dump(x, text.data, &small);
    CHECK(big.len > 0 && big.len == small.len &&
          memcmp(big.data, small.data, big.len) == 0);
  }
  /* ids: one epoch per call on a text with few distinct words */
  const char *rep = "the cat and the hat and THE cat";
  uint32_t ids[16], epochs[16];
  int n = 0;
  fossc_analyzer_free(x);
  x = NULL;
  CHECK(fossc_analyzer_create(&x, NULL) == FOSSC_OK);
  if (x) {
    CHECK(fossc_analyze(x, rep, strlen(rep), FOSSC_LANG_EN, 0, collect_ids, ids) == FOSSC_OK);
    n = ids_n;
    CHECK(n == 8);
    for (int i = 0; i < n && i < 16; i++) epochs[i] = ids_epoch[i];
    CHECK(ids[0] == ids[3] && ids[0] == ids[6]); /* the, the, THE */
    CHECK(ids[1] == ids[7] && ids[2] == ids[5]); /* cat, and */
    CHECK(ids[0] != ids[1] && ids[1] != ids[2] && ids[4] != ids[1]);
    CHECK(epochs[0] == epochs[n - 1]);
  }
  fossc_analyzer_free(x);
  fossc_buf_free(&text);
  fossc_buf_free(&big);
  fossc_buf_free(&small);
}

TEST(out_of_memory) {
  for (long k = 0; k < 40; k++) {
    fossc_analyzer *x = NULL;
    fossc_alloc_fail_after(k);
    int rc = fossc_analyzer_create(&x, NULL);
    if (rc == FOSSC_OK) {
      memset(&col, 0, sizeof col);
      rc = fossc_analyze(x, es_para, strlen(es_para), FOSSC_LANG_UNKNOWN, 0,
                         collect_cb, &col);
    }
    fossc_alloc_fail_after(-1);
    fossc_analyzer_free(x);
    CHECK(rc == FOSSC_OK || rc == FOSSC_ERR_NOMEM);
  }
}

int main(void) {
  if (fossc_analyzer_create(&an, NULL) != FOSSC_OK) return 2;
  RUN(china_apostrophes);
  RUN(spanish_terms_stem_then_strip);
  RUN(names_with_diacritics);
  RUN(numbers);
  RUN(separators_split_words);
  RUN(invalid_utf8_offsets);
  RUN(nul_byte);
  RUN(long_words_cut);
  RUN(language_detection);
  RUN(mixed_languages_per_paragraph);
  RUN(callback_stops_analysis);
  RUN(stop_words);
  RUN(fold_plain);
  RUN(sanitize);
  RUN(word_cache);
  RUN(out_of_memory);
  RUN(next_word_matches_bytewise_reference);
  fossc_analyzer_free(an);
  return TEST_SUMMARY("analysis");
}
