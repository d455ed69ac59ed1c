/*
** English vs Spanish language identification.
**
** Only two languages matter, so a handful of strong cues beat a general
** n-gram model: stop words (the most frequent words of each language hardly
** overlap), letters and marks that only Spanish uses (ñ, á é í ó ú, ¿ ¡), and
** word shapes (-ción, -mente, -ando vs -ing, -tion, -ly, 's, th-, w, k).
** Each cue adds a small integer weight to its language; the larger total
** wins. Measured accuracy is recorded in docs and the lead's notes.
*/
#include "analysis_int.h"

#include <string.h>

/* Fewer cue-carrying words than this and the guess is a coin toss: a
** two-word title ("Linux kernel") must fall back to the document's or the
** caller's language instead. */
#define FOSSC_LANGID_MIN_EVIDENCE 3

/* Weights. Stop words are the most reliable cue and the most frequent, so
** they dominate; shapes are weaker (English docs cite Spanish names, Spanish
** docs keep English identifiers), accents sit in between. */
#define W_STOP 4
#define W_ACCENT 3
#define W_SHAPE 2
#define W_WEAK 1
#define W_MARK 4

static inline int ends_with_n(const char *w, size_t len, const char *suf,
                              size_t n) {
  return len >= n && memcmp(w + len - n, suf, n) == 0;
}
/* suf must be a string literal (its size is taken at compile time). */
#define ends_with(w, len, suf) ends_with_n((w), (len), (suf), sizeof(suf) - 1)

/* Counts the Spanish accented letters (2-byte UTF-8, after case folding)
** in w: á é í ó ú ñ ü. */
static unsigned spanish_letters(const char *w, size_t len) {
  unsigned n = 0;
  for (size_t i = 0; i + 1 < len; i++) {
    if ((unsigned char)w[i] != 0xC3) continue;
    switch ((unsigned char)w[i + 1]) {
      case 0xA1: case 0xA9: case 0xAD: case 0xB3: case 0xBA: /* á é í ó ú */
      case 0xB1: case 0xBC:                                   /* ñ ü */
        n++;
        break;
      default: break;
    }
  }
  return n;
}

/* Stop words that are also common tokens of code and tables ("o---o",
** "x y z", "ti,omap3", "i++", "OS") or rare in prose: weak evidence. */
static int weak_stop(const char *w, size_t len) {
  if (len == 1) return 1;
  if (len != 2) return 0;
  return (w[0] == 't' && (w[1] == 'i' || w[1] == 'e' || w[1] == 'u')) ||
         (w[0] == 'o' && w[1] == 's') || (w[0] == 'm' && w[1] == 'i') ||
         (w[0] == 's' && w[1] == 'i');
}

void fossc_lang_score_word(fossc_lang_score *s, const char *w, size_t len,
                           unsigned stop) {
  uint32_t en = 0, es = 0;
  if (stop == FOSSC_STOP_EN) en += weak_stop(w, len) ? W_WEAK : W_STOP;
  if (stop == FOSSC_STOP_ES) es += weak_stop(w, len) ? W_WEAK : W_STOP;
  if (!stop && len >= 3) {
    if (spanish_letters(w, len)) es += W_ACCENT;
    /* Spanish shapes; the accentless spellings count too (cion, tambien). */
    if (ends_with(w, len, "ci\xC3\xB3n") || ends_with(w, len, "ciones") ||
        ends_with(w, len, "cion") || ends_with(w, len, "si\xC3\xB3n"))
      es += W_SHAPE;
    else if (len >= 7 && ends_with(w, len, "mente"))
      es += W_SHAPE;
    else if (len >= 5 && (ends_with(w, len, "ando") || ends_with(w, len, "iendo")))
      es += W_SHAPE;
    else if (len >= 5 && (ends_with(w, len, "idad") || ends_with(w, len, "idades")))
      es += W_SHAPE;
    else if (len >= 5 && (ends_with(w, len, "ado") || ends_with(w, len, "ada") ||
                          ends_with(w, len, "ados") || ends_with(w, len, "adas") ||
                          ends_with(w, len, "ido") || ends_with(w, len, "ida") ||
                          ends_with(w, len, "idos") || ends_with(w, len, "idas")))
      es += W_WEAK;
    else if (len >= 4 && (ends_with(w, len, "os") || ends_with(w, len, "as") ||
                          ends_with(w, len, "a") || ends_with(w, len, "o")))
      es += W_WEAK;
    if (w[0] == 'l' && w[1] == 'l') es += W_WEAK; /* llamar, lleva */
    /* English shapes. */
    if (len >= 5 && ends_with(w, len, "ing")) en += W_SHAPE;
    else if (ends_with(w, len, "tion") || ends_with(w, len, "tions")) en += W_SHAPE;
    else if (len >= 4 && ends_with(w, len, "ly")) en += W_SHAPE;
    else if (memchr(w, '\'', len)) en += W_SHAPE; /* 's, n't */
    else if (len >= 4 && (ends_with(w, len, "ed") || ends_with(w, len, "ness") ||
                          ends_with(w, len, "ful") || ends_with(w, len, "ment") ||
                          ends_with(w, len, "ght") || ends_with(w, len, "ck")))
      en += W_WEAK;
    if (memchr(w, 'w', len) || memchr(w, 'k', len) || memmem(w, len, "th", 2) ||
        memmem(w, len, "sh", 2) || memmem(w, len, "ee", 2) || memmem(w, len, "oo", 2))
      en += W_WEAK;
  }
  if (en || es) s->evidence++;
  s->en += en;
  s->es += es;
}

void fossc_lang_score_marks(fossc_lang_score *s, uint32_t n) {
  s->es += W_MARK * n;
  s->evidence += n;
}

fossc_lang fossc_lang_decide(const fossc_lang_score *s) {
  if (s->evidence < FOSSC_LANGID_MIN_EVIDENCE || s->en == s->es)
    return FOSSC_LANG_UNKNOWN;
  return s->en > s->es ? FOSSC_LANG_EN : FOSSC_LANG_ES;
}
