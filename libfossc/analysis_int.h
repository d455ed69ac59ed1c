/*
** Internal interface shared by analysis.c (pipeline), langid.c (language
** scoring) and stopwords.c (stop lists). Not for use outside those files and
** tests/unit/test_analysis.c.
*/
#ifndef FOSSC_ANALYSIS_INT_H
#define FOSSC_ANALYSIS_INT_H

#include "analysis.h"

#include <stddef.h>
#include <stdint.h>

/* ---- UTF-8 decoding (Unicode 15, table 3-7). */

#define FOSSC_REPLACEMENT_CHAR 0xFFFD

/* Decodes one code point from s[0..len) (len >= 1) into *cp and returns the
** number of bytes consumed (1..4). Ill-formed input yields U+FFFD for each
** maximal subpart (the W3C/Unicode recommended practice), so overlongs,
** surrogates, code points above U+10FFFF, stray continuation bytes and
** truncated sequences all become one U+FFFD each; NUL also becomes U+FFFD
** (a NUL would end a C string early downstream). Never reads past len. */
static inline size_t fossc_utf8_next(const uint8_t *s, size_t len,
                                     int32_t *cp) {
  uint8_t b = s[0];
  if (b < 0x80) {
    *cp = b ? (int32_t)b : FOSSC_REPLACEMENT_CHAR;
    return 1;
  }
  size_t need;
  uint8_t lo = 0x80, hi = 0xBF; /* valid range of the second byte */
  int32_t c;
  if (b >= 0xC2 && b <= 0xDF) {
    need = 1;
    c = b & 0x1F;
  } else if (b >= 0xE0 && b <= 0xEF) {
    need = 2;
    c = b & 0x0F;
    if (b == 0xE0) lo = 0xA0;      /* overlong */
    else if (b == 0xED) hi = 0x9F; /* surrogates */
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 3;
    c = b & 0x07;
    if (b == 0xF0) lo = 0x90;      /* overlong */
    else if (b == 0xF4) hi = 0x8F; /* above U+10FFFF */
  } else {
    *cp = FOSSC_REPLACEMENT_CHAR;
    return 1;
  }
  size_t i = 1;
  for (; i <= need; i++) {
    if (i >= len) break;
    uint8_t t = s[i];
    if (i == 1 ? (t < lo || t > hi) : (t < 0x80 || t > 0xBF)) break;
    c = (c << 6) | (t & 0x3F);
  }
  if (i <= need) {
    *cp = FOSSC_REPLACEMENT_CHAR;
    return i; /* the maximal well-formed prefix, at least the lead byte */
  }
  *cp = c;
  return need + 1;
}

/* ---- stop words (stopwords.c) */

#define FOSSC_STOP_EN 1u
#define FOSSC_STOP_ES 2u

/* Raw table lookup: FOSSC_STOP_EN when word is an English stop word as is,
** FOSSC_STOP_ES when word is the plain form of a Spanish stop word. */
unsigned fossc_stop_flags(const char *word, size_t len);
/* Lookup for a folded (surface) word: English on the word itself, Spanish on
** its accent-stripped form. Returns FOSSC_STOP_* bits. */
unsigned fossc_stop_flags_folded(const char *word, size_t len);
/* Table access for the unit test that checks the table is sorted. */
size_t fossc_stop_table_size(void);
const char *fossc_stop_table_word(size_t i);

/* ---- language scoring (langid.c) */

/* Evidence gathered over a stretch of text. Scores are weighted counts of
** cues (see langid.c); `evidence` counts the words (and ¿ ¡ marks) that
** carried at least one cue. */
typedef struct fossc_lang_score {
  uint32_t en, es;
  uint32_t evidence;
} fossc_lang_score;

/* Adds one folded word. `stop` holds its FOSSC_STOP_* bits. */
void fossc_lang_score_word(fossc_lang_score *s, const char *surface,
                           size_t len, unsigned stop);
/* Adds `n` inverted marks (¿ ¡), which only Spanish uses. */
void fossc_lang_score_marks(fossc_lang_score *s, uint32_t n);
/* FOSSC_LANG_EN, FOSSC_LANG_ES, or FOSSC_LANG_UNKNOWN when the evidence is
** thin (FOSSC_LANGID_MIN_EVIDENCE) or the scores tie. */
fossc_lang fossc_lang_decide(const fossc_lang_score *s);

#endif
