/*
** Text below the analyzer: word and paragraph boundaries (fossc_next_word,
** fossc_next_paragraph), character classes, UTF-8 decoding, folding to the
** surface and plain forms (Latin-1 by table, the rest through utf8proc),
** and the text helpers of analysis.h that need no analyzer
** (fossc_utf8_sanitize, fossc_fold_plain). See analysis.c for why the
** common cases take fast paths.
*/
#include <string.h>

#include "analysis_int.h"

/* ---- character classes */

enum { CH_SEP, CH_LETTER, CH_DIGIT, CH_MARK, CH_APOS };

static int classify_slow(int32_t cp);

static inline int classify(int32_t cp) {
  if (cp < 0x80) {
    if ((unsigned)((cp | 0x20) - 'a') < 26u) return CH_LETTER;
    if ((unsigned)(cp - '0') < 10u) return CH_DIGIT;
    return cp == '\'' ? CH_APOS : CH_SEP;
  }
  return classify_slow(cp);
}

static int classify_slow(int32_t cp) {
  if (cp == 0x2019 || cp == 0x02BC) return CH_APOS; /* ’ and modifier ʼ */
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
      return CH_LETTER;
    case UTF8PROC_CATEGORY_ND:
      return CH_DIGIT;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
      return CH_MARK;
    default:
      return CH_SEP;
  }
}

static inline size_t decode(const uint8_t *s, size_t len, int32_t *cp) {
  if (s[0] && s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  return fossc_utf8_next(s, len, cp);
}

/* ---- Latin-1 fast path. Lower case and plain form of U+00C0..U+00FF,
** matching what utf8proc gives for these (ß folds to "ss" so it takes the
** slow path; æ ð ø þ have no decomposition and stay). 0 = not a letter. */
static int32_t latin1_lower(int32_t cp) {
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;
  if (cp >= 0xDF && cp <= 0xFF && cp != 0xF7) return cp;
  return 0;
}

static const char latin1_plain_tab[32] = {
    /* à..ÿ (U+00E0..U+00FF) */
    'a', 'a', 'a', 'a', 'a', 'a', 0,   'c', 'e', 'e', 'e',
    'e', 'i', 'i', 'i', 'i', 0,   'n', 'o', 'o', 'o', 'o',
    'o', 0,   0,   'u', 'u', 'u', 'u', 'y', 0,   'y'};

long fossc_plain_fast(const char *in, size_t len, char *out) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)in[i];
    if (c < 0x80) {
      out[n++] = (char)c;
      continue;
    }
    if (c != 0xC3 || i + 1 >= len) return -1;
    unsigned char d = (unsigned char)in[i + 1];
    if (d < 0xA0 || d > 0xBF) return -1;
    char p = latin1_plain_tab[d - 0xA0];
    if (p) {
      out[n++] = p;
    } else {
      out[n++] = (char)c;
      out[n++] = (char)d;
    }
    i++;
  }
  return (long)n;
}

size_t fossc_cut_utf8(const char *s, size_t len, size_t max) {
  if (len <= max) return len;
  size_t n = max;
  while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
  return n;
}

long fossc_fold_slow(utf8proc_int32_t *scratch, const char *s, size_t len,
                     utf8proc_option_t opts, char *out, size_t max) {
  for (;;) {
    utf8proc_ssize_t n =
        utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len,
                           scratch, FOSSC_FOLD_SCRATCH_CPS, opts);
    if (n < 0) return -1;
    if (n > FOSSC_FOLD_SCRATCH_CPS) { /* retry on the first half */
      len = fossc_cut_utf8(s, len, len / 2);
      if (len == 0) return -1;
      continue;
    }
    n = utf8proc_reencode(scratch, n, opts);
    if (n < 0) return -1;
    size_t m = fossc_cut_utf8((const char *)scratch, (size_t)n, max);
    memcpy(out, scratch, m);
    out[m] = '\0';
    return (long)m;
  }
}

size_t fossc_fold_surface_slow(utf8proc_int32_t *scratch,
                               const fossc_raw_word *w, char *buf,
                               const char **out) {
  *out = buf;
  if (w->simple) {
    /* ASCII and Latin-1 letters: case folding is a table lookup and the
    ** text is already NFC (no combining marks on this path). */
    size_t n = 0;
    for (size_t i = 0; i < w->len && n < FOSSC_MAX_WORD_BYTES; i++) {
      unsigned char c = (unsigned char)w->buf[i];
      if (c < 0x80) {
        buf[n++] = (char)c;
      } else {
        if (n + 2 > FOSSC_MAX_WORD_BYTES) break;
        int32_t cp = ((c & 0x1F) << 6) | ((unsigned char)w->buf[i + 1] & 0x3F);
        cp = latin1_lower(cp);
        buf[n++] = (char)(0xC0 | (cp >> 6));
        buf[n++] = (char)(0x80 | (cp & 0x3F));
        i++;
      }
    }
    return n;
  }
  long n = fossc_fold_slow(scratch, w->buf, w->len, SURFACE_OPTS, buf,
                           FOSSC_MAX_WORD_BYTES);
  return n > 0 ? (size_t)n : 0;
}

size_t fossc_plain_of(utf8proc_int32_t *scratch, const char *surface,
                      size_t slen, char *out) {
  long p = fossc_plain_fast(surface, slen, out);
  if (p < 0)
    p = fossc_fold_slow(scratch, surface, slen, PLAIN_OPTS, out,
                        FOSSC_MAX_WORD_BYTES);
  if (p <= 0) { /* only marks or ignorables: keep the surface */
    memcpy(out, surface, slen);
    p = (long)slen;
  }
  out[p] = '\0';
  return (size_t)p;
}

/* ASCII letters and digits, for next_word's fast path (0: anything else,
** including the apostrophe, which needs context). */
enum { A_LETTER = 1, A_DIGIT = 2 };
static const uint8_t ascii_alnum[256] = {
    ['0'] = A_DIGIT,  ['1'] = A_DIGIT,  ['2'] = A_DIGIT,  ['3'] = A_DIGIT,
    ['4'] = A_DIGIT,  ['5'] = A_DIGIT,  ['6'] = A_DIGIT,  ['7'] = A_DIGIT,
    ['8'] = A_DIGIT,  ['9'] = A_DIGIT,  ['A'] = A_LETTER, ['B'] = A_LETTER,
    ['C'] = A_LETTER, ['D'] = A_LETTER, ['E'] = A_LETTER, ['F'] = A_LETTER,
    ['G'] = A_LETTER, ['H'] = A_LETTER, ['I'] = A_LETTER, ['J'] = A_LETTER,
    ['K'] = A_LETTER, ['L'] = A_LETTER, ['M'] = A_LETTER, ['N'] = A_LETTER,
    ['O'] = A_LETTER, ['P'] = A_LETTER, ['Q'] = A_LETTER, ['R'] = A_LETTER,
    ['S'] = A_LETTER, ['T'] = A_LETTER, ['U'] = A_LETTER, ['V'] = A_LETTER,
    ['W'] = A_LETTER, ['X'] = A_LETTER, ['Y'] = A_LETTER, ['Z'] = A_LETTER,
    ['a'] = A_LETTER, ['b'] = A_LETTER, ['c'] = A_LETTER, ['d'] = A_LETTER,
    ['e'] = A_LETTER, ['f'] = A_LETTER, ['g'] = A_LETTER, ['h'] = A_LETTER,
    ['i'] = A_LETTER, ['j'] = A_LETTER, ['k'] = A_LETTER, ['l'] = A_LETTER,
    ['m'] = A_LETTER, ['n'] = A_LETTER, ['o'] = A_LETTER, ['p'] = A_LETTER,
    ['q'] = A_LETTER, ['r'] = A_LETTER, ['s'] = A_LETTER, ['t'] = A_LETTER,
    ['u'] = A_LETTER, ['v'] = A_LETTER, ['w'] = A_LETTER, ['x'] = A_LETTER,
    ['y'] = A_LETTER, ['z'] = A_LETTER,
};

/* Eight bytes at a time (SWAR): bit 7 of each byte of the result is set
** when that byte of v is an ASCII letter or digit; *letters gets the same
** for letters alone. Values stay below 0x100 per byte, so no carry crosses
** bytes. */
#define SWAR_ONES UINT64_C(0x0101010101010101)
#define SWAR_HIGH UINT64_C(0x8080808080808080)
static inline uint64_t swar_in(uint64_t x7, unsigned lo, unsigned hi) {
  /* x7 has bit 7 clear in every byte: x + (0x80 - lo) sets it when x >= lo,
  ** x + (0x7f - hi) when x > hi */
  uint64_t ge = x7 + SWAR_ONES * (0x80u - lo);
  uint64_t gt = x7 + SWAR_ONES * (0x7fu - hi);
  return ge & ~gt & SWAR_HIGH;
}

static inline uint64_t swar_alnum(uint64_t v, uint64_t *letters) {
  uint64_t x7 = v & ~SWAR_HIGH;
  uint64_t ascii = ~v & SWAR_HIGH;
  uint64_t l = swar_in(x7 | SWAR_ONES * 0x20u, 'a', 'z') & ascii;
  *letters = l;
  return (l | swar_in(x7, '0', '9')) & ascii;
}

static inline int next_word_once(const uint8_t *s, size_t end, size_t *pos,
                                 fossc_raw_word *w) {
  size_t i = *pos;
  int32_t cp = 0;
  int cls = CH_SEP;
  w->marks = 0;
  while (i < end) {    /* skip to the first letter or digit */
    if (s[i] < 0x80) { /* ASCII: letter, digit or separator */
      if (ascii_alnum[s[i]]) break;
      i++;
      continue;
    }
    size_t n = decode(s + i, end - i, &cp);
    cls = classify(cp);
    if (cls == CH_LETTER || cls == CH_DIGIT) break;
    if (cp == 0xBF || cp == 0xA1) w->marks++; /* ¿ ¡ */
    i += n;
  }
  if (i >= end) {
    *pos = end;
    return 0;
  }
  w->start = (uint32_t)i;
  w->len = 0;
  w->simple = 1;
  w->numeric = 1;
  int prev = CH_SEP;
  int full = 0; /* the word is cut: the rest of its run is skipped */
  int ascii = 1;
  while (i < end) {
    /* Fast path: a run of ASCII letters and digits, copied in one go. */
    size_t r = i;
    unsigned k = 0, any = 0;
    for (;;) {
      if (end - r < 8) { /* the text's last bytes, one at a time */
        while (r < end && (k = ascii_alnum[s[r]])) {
          any |= k;
          r++;
        }
        break;
      }
      uint64_t v, letters;
      memcpy(&v, s + r, 8);
      uint64_t m8 = swar_alnum(v, &letters);
      if (m8 == SWAR_HIGH) { /* eight more, and on */
        any |= letters ? A_LETTER : 0;
        r += 8;
        continue;
      }
      /* the run ends at the lowest byte that is not alnum (little-endian
      ** byte order: load with memcpy, count from the low bits) */
      unsigned nb = (unsigned)__builtin_ctzll(~m8 & SWAR_HIGH) >> 3;
      if (nb && (letters & (~UINT64_C(0) >> (64 - 8 * nb)))) any |= A_LETTER;
      r += nb;
      break;
    }
    if (r > i) {
      if (any & A_LETTER) w->numeric = 0;
      prev = ascii_alnum[s[r - 1]] == A_LETTER ? CH_LETTER : CH_DIGIT;
      size_t n = r - i, m = full ? 0 : FOSSC_RAW_WORD_BYTES - w->len;
      if (m > n) m = n;
      if (m < n) full = 1;
      /* lower case (see fossc_raw_word): | 0x20 maps A-Z to a-z, keeps 0-9;
      ** eight bytes at a time where eight can be read: a store may run up
      ** to 7 bytes past the run into buf's slack, and len ignores them */
      size_t j = 0;
      for (; j < m && end - (i + j) >= 8; j += 8) {
        uint64_t v;
        memcpy(&v, s + i + j, 8);
        v |= SWAR_ONES * 0x20u;
        memcpy(w->buf + w->len + j, &v, 8);
      }
      for (; j < m; j++) w->buf[w->len + j] = (char)(s[i + j] | 0x20);
      w->len += m;
      i = r;
      if (i >= end) break;
    }
    if (s[i] < 0x80 && s[i] != '\'') break; /* an ASCII separator */
    ascii = 0;
    size_t n = decode(s + i, end - i, &cp);
    cls = classify(cp);
    if (cls == CH_APOS) {
      /* Kept only between two letters ("China’s", "don't"). */
      int32_t next_cp;
      if (prev != CH_LETTER && prev != CH_MARK) break;
      if (i + n >= end) break;
      decode(s + i + n, end - i - n, &next_cp);
      if (classify(next_cp) != CH_LETTER) break;
      if (!full && w->len < FOSSC_RAW_WORD_BYTES)
        w->buf[w->len++] = '\'';
      else
        full = 1;
      w->numeric = 0;
      prev = CH_APOS;
      i += n;
      continue;
    }
    if (cls == CH_SEP) break;
    if (cls != CH_DIGIT) w->numeric = 0;
    if (!full && w->len + n <= FOSSC_RAW_WORD_BYTES) {
      if (cp >= 0x80 && !latin1_lower(cp)) w->simple = 0;
      memcpy(w->buf + w->len, s + i, n);
      w->len += n;
    } else {
      full = 1;
    }
    prev = cls;
    i += n;
  }
  if (w->simple && !ascii) {
    /* ß folds to "ss": let utf8proc do it. */
    for (size_t k = 0; k + 1 < w->len; k++)
      if ((unsigned char)w->buf[k] == 0xC3 &&
          (unsigned char)w->buf[k + 1] == 0x9F)
        w->simple = 0;
  }
  w->ascii = ascii;
  w->end = (uint32_t)i;
  *pos = i;
  return 1;
}

int fossc_next_word(const uint8_t *s, size_t end, size_t *pos,
                    fossc_raw_word *w) {
  for (;;) {
    int got = next_word_once(s, end, pos, w);
    if (!got || w->end > w->start) return got;
    /* An empty word: only if the start test (ascii_alnum, classify) and
    ** the run's (the eight-byte mask) ever disagreed. Step over the byte
    ** rather than return the same empty word forever. */
    *pos = (size_t)w->start + 1;
  }
}

/* Returns 1 when the line p[0..n) holds only white space (ASCII blanks and
** Unicode space separators such as U+00A0). */
static int line_blank(const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = p[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      i++;
      continue;
    }
    if (c < 0x80) return 0;
    int32_t cp;
    i += fossc_utf8_next(p + i, n - i, &cp);
    if (utf8proc_category(cp) != UTF8PROC_CATEGORY_ZS) return 0;
  }
  return 1;
}

int fossc_next_paragraph(const uint8_t *s, size_t len, size_t *pos,
                         size_t *ps, size_t *pe) {
  size_t i = *pos;
  const uint8_t *nl; /* the end of the line starting at i (NULL: the text's) */
  for (;;) {         /* skip blank lines */
    if (i >= len) {
      *pos = len;
      return 0;
    }
    nl = memchr(s + i, '\n', len - i);
    size_t le = nl ? (size_t)(nl - s) : len;
    if (!line_blank(s + i, le - i)) break;
    i = nl ? le + 1 : len;
  }
  *ps = i;
  /* Extend over non-blank lines; each line's end is searched for once. */
  for (;;) {
    if (!nl) {
      i = len;
      break;
    }
    i = (size_t)(nl - s) + 1;
    if (i >= len) break;
    nl = memchr(s + i, '\n', len - i);
    size_t le = nl ? (size_t)(nl - s) : len;
    if (line_blank(s + i, le - i)) break;
  }
  *pe = i;
  *pos = i;
  return 1;
}

size_t fossc_clean_word(const char *in, size_t len, char *out, int *numeric) {
  const uint8_t *s = (const uint8_t *)in;
  size_t i = 0, n = 0;
  *numeric = len > 0;
  while (i < len) {
    int32_t cp;
    size_t k = fossc_utf8_next(s + i, len - i, &cp);
    uint8_t enc[4];
    utf8proc_ssize_t m = utf8proc_encode_char(cp, enc);
    if (n + (size_t)m > FOSSC_MAX_WORD_BYTES) break;
    memcpy(out + n, enc, (size_t)m);
    n += (size_t)m;
    if (classify(cp) != CH_DIGIT) *numeric = 0;
    i += k;
  }
  out[n] = '\0';
  if (n == 0) *numeric = 0;
  return n;
}

long fossc_utf8_sanitize(const char *in, size_t len, fossc_buf *out) {
  fossc_buf_reset(out);
  if (!in && len) return -1;
  const uint8_t *s = (const uint8_t *)in;
  long bad = 0;
  size_t i = 0;
  if (fossc_buf_reserve(out, len)) return -1;
  while (i < len) {
    size_t run = i; /* copy runs of valid ASCII in one go */
    while (run < len && s[run] && s[run] < 0x80) run++;
    if (run > i) {
      fossc_buf_append(out, s + i, run - i);
      i = run;
      continue;
    }
    int32_t cp;
    size_t k = fossc_utf8_next(s + i, len - i, &cp);
    if (cp == FOSSC_REPLACEMENT_CHAR &&
        !(k == 3 && memcmp(s + i, "\xEF\xBF\xBD", 3) == 0)) {
      fossc_buf_append(out, "\xEF\xBF\xBD", 3);
      bad++;
    } else {
      fossc_buf_append(out, s + i, k);
    }
    i += k;
  }
  if (!fossc_buf_cstr(out)) return -1;
  return bad;
}

int fossc_fold_plain(const char *in, size_t len, fossc_buf *out) {
  fossc_buf_reset(out);
  if (!in && len) return FOSSC_ERR_ARG;
  size_t i = 0;
  while (i < len && in[i] && (unsigned char)in[i] < 0x80) i++;
  if (i == len) { /* ASCII: lower-casing is the whole job */
    if (fossc_buf_reserve(out, len)) return FOSSC_ERR_NOMEM;
    for (i = 0; i < len; i++) {
      char c = in[i];
      out->data[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 0x20) : c;
    }
    out->len = len;
    return fossc_buf_cstr(out) ? FOSSC_OK : FOSSC_ERR_NOMEM;
  }
  fossc_buf clean = FOSSC_BUF_INIT;
  if (fossc_utf8_sanitize(in, len, &clean) < 0) {
    fossc_buf_free(&clean);
    return FOSSC_ERR_NOMEM;
  }
  const utf8proc_option_t opts = SURFACE_OPTS | UTF8PROC_STRIPMARK;
  const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)clean.data;
  utf8proc_ssize_t n =
      utf8proc_decompose(u, (utf8proc_ssize_t)clean.len, NULL, 0, opts);
  int rc = FOSSC_OK;
  utf8proc_int32_t *buf = NULL;
  if (n < 0) {
    rc = n == UTF8PROC_ERROR_NOMEM ? FOSSC_ERR_NOMEM : FOSSC_ERR_INPUT;
  } else if (!(buf = fossc_malloc(((size_t)n + 1) * sizeof *buf))) {
    rc = FOSSC_ERR_NOMEM;
  } else {
    n = utf8proc_decompose(u, (utf8proc_ssize_t)clean.len, buf, n, opts);
    if (n >= 0) n = utf8proc_reencode(buf, n, opts);
    if (n < 0)
      rc = FOSSC_ERR_INPUT;
    else
      fossc_buf_append(out, buf, (size_t)n);
    if (rc == FOSSC_OK && !fossc_buf_cstr(out)) rc = FOSSC_ERR_NOMEM;
  }
  fossc_free(buf);
  fossc_buf_free(&clean);
  return rc;
}
