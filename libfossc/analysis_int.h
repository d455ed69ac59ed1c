/*
** Internal interface shared by analysis.c (pipeline, word cache),
** analysis_text.c (word and paragraph boundaries, folding), langid.c
** (language scoring) and stopwords.c (stop lists). Not for use outside
** those files and tests/unit/test_analysis.c.
*/
#ifndef FOSSC_ANALYSIS_INT_H
#define FOSSC_ANALYSIS_INT_H

#include <stddef.h>
#include <stdint.h>
#include <utf8proc.h>

#include "analysis.h"

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
    if (b == 0xE0)
      lo = 0xA0; /* overlong */
    else if (b == 0xED)
      hi = 0x9F; /* surrogates */
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 3;
    c = b & 0x07;
    if (b == 0xF0)
      lo = 0x90; /* overlong */
    else if (b == 0xF4)
      hi = 0x8F; /* above U+10FFFF */
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

/* ---- words, paragraphs and folding (analysis_text.c) */

/* Raw bytes of a word kept for folding. Folding can shrink text (NFC
** composes e + U+0301 into é), so four times the surface limit guarantees
** the first FOSSC_MAX_WORD_BYTES of the surface are right. */
#define FOSSC_RAW_WORD_BYTES (4 * FOSSC_MAX_WORD_BYTES)

/* Code points of scratch space for utf8proc: the raw word decomposed and
** case folded. Canonical decomposition plus folding expands one code point
** into at most a few, and we retry on a shorter prefix if it ever does not
** fit. */
#define FOSSC_FOLD_SCRATCH_CPS (4 * FOSSC_RAW_WORD_BYTES)

#define SURFACE_OPTS (UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_STABLE)
#define PLAIN_OPTS (UTF8PROC_COMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_STABLE)

/* One word as found by fossc_next_word, before folding. ASCII letters are
** already lower-cased (case folding and NFC give the same result either
** way: folding maps A-Z to a-z before composition). */
typedef struct fossc_raw_word {
  uint32_t start, end; /* in the input */
  uint32_t marks;      /* ¿ ¡ seen between the previous word and this one */
  size_t len;          /* bytes in buf (capped at FOSSC_RAW_WORD_BYTES) */
  int ascii;           /* only ASCII: buf is the surface form */
  int simple;          /* only ASCII and U+00C0..U+00FF: table fold */
  int numeric;
  /* FOSSC_RAW_WORD_BYTES, plus room for fossc_next_word's eight-byte
  ** stores, which may write up to 7 bytes past len */
  char buf[FOSSC_RAW_WORD_BYTES + 8];
} fossc_raw_word;

/* Finds the next word in s[*pos..end) and advances *pos past it. Returns 1
** with *w filled, or 0 when there is none. */
int fossc_next_word(const uint8_t *s, size_t end, size_t *pos,
                    fossc_raw_word *w);
/* Finds the next paragraph at or after *pos: a run of non-blank lines.
** Returns 1 with [*ps, *pe) set and *pos = *pe, or 0 at the end. */
int fossc_next_paragraph(const uint8_t *s, size_t len, size_t *pos, size_t *ps,
                         size_t *pe);
/* Normalises s[0..len) (valid UTF-8) with utf8proc `opts` into out (room
** for max+1 bytes), cut to at most max bytes, using scratch
** (FOSSC_FOLD_SCRATCH_CPS + 1 code points). Returns the length, or -1 if
** utf8proc refused the input. */
long fossc_fold_slow(utf8proc_int32_t *scratch, const char *s, size_t len,
                     utf8proc_option_t opts, char *out, size_t max);
/* fossc_fold_surface for a word that is not only ASCII. */
size_t fossc_fold_surface_slow(utf8proc_int32_t *scratch,
                               const fossc_raw_word *w, char *buf,
                               const char **out);
/* Folds a raw word into its surface form: *out points at it (w->buf for
** ASCII words, else buf, room for FOSSC_MAX_WORD_BYTES + 1). Returns its
** length, 0 when nothing is left of it (the caller drops the word). Inline:
** most words are ASCII, which fossc_next_word lower-cased already. */
static inline size_t fossc_fold_surface(utf8proc_int32_t *scratch,
                                        const fossc_raw_word *w, char *buf,
                                        const char **out) {
  if (w->ascii) {
    *out = w->buf;
    return w->len < FOSSC_MAX_WORD_BYTES ? w->len : FOSSC_MAX_WORD_BYTES;
  }
  return fossc_fold_surface_slow(scratch, w, buf, out);
}
/* Writes the plain form of a surface form (slen > 0) into out (room for
** FOSSC_MAX_WORD_BYTES + 1), NUL-terminated. Returns its length (> 0). */
size_t fossc_plain_of(utf8proc_int32_t *scratch, const char *surface,
                      size_t slen, char *out);
/* Writes the plain form of folded text in[0..len) into out (room for len
** bytes). Returns the length, or -1 if the text holds anything but ASCII
** and lower-case Latin-1 letters. */
long fossc_plain_fast(const char *in, size_t len, char *out);
/* Cuts a UTF-8 string at a code point boundary no later than max bytes. */
size_t fossc_cut_utf8(const char *s, size_t len, size_t max);
/* Copies in[0..len) into out (room for FOSSC_MAX_WORD_BYTES + 1) as valid
** UTF-8 without NULs, cut to FOSSC_MAX_WORD_BYTES. Sets *numeric when every
** code point is a decimal digit. Returns the length. */
size_t fossc_clean_word(const char *in, size_t len, char *out, int *numeric);

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
void fossc_lang_score_word(fossc_lang_score *s, const char *surface, size_t len,
                           unsigned stop);
/* Adds `n` inverted marks (¿ ¡), which only Spanish uses. */
void fossc_lang_score_marks(fossc_lang_score *s, uint32_t n);
/* FOSSC_LANG_EN, FOSSC_LANG_ES, or FOSSC_LANG_UNKNOWN when the evidence is
** thin (FOSSC_LANGID_MIN_EVIDENCE) or the scores tie. */
fossc_lang fossc_lang_decide(const fossc_lang_score *s);

#endif
