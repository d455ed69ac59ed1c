/*
** Typo candidates by walking the sorted WORDS section as an implicit trie.
**
** Words are visited in order. Consecutive words share a prefix; the rows of
** the edit distance table for that prefix (one row per code point of the
** candidate, one column per code point of the query) are kept and only the
** rows of the differing suffix are computed. Only the diagonal band
** |row - column| <= k is computed: cells outside it exceed k whatever
** follows. When a row's minimum exceeds k, no word under that prefix can be
** within k (the OSA row minimum never decreases: a transposition cell
** D[i][j] = D[i-2][j-2] + 1 is >= D[i-1][j-1]), so the whole range of words
** with that prefix is skipped by a galloping search. When it equals k, the
** few completions still possible are suffixes of the query, looked up by
** binary search in the prefix's range (enumerate). Byte order of UTF-8
** equals code point order, so a byte prefix range is a code point prefix
** range. docs/typo.md has the measurements against the alternatives.
*/
#include "typo.h"

#include <string.h>
#include <utf8proc.h>

#include "reader.h"

/* Code points of a dictionary word (rows of the table): WORDS strings are
** at most FOSSC_MAX_WORD_BYTES bytes, so at most that many code points. */
#define MAX_DEPTH FOSSC_MAX_WORD_BYTES
/* Largest distance ever allowed (FOSSC_TYPO_DIST2_CPS words and longer). */
#define MAX_DIST 2

/* Decodes one code point from s[0..n) (n >= 1) into *cp; returns its byte
** count. An ill-formed sequence yields U+FFFD for one byte, so the walk
** always advances and never reads past n. */
static uint32_t utf8_next(const uint8_t *s, size_t n, uint32_t *cp) {
  uint32_t c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  uint32_t need, min;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1, min = 0x80, c &= 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2, min = 0x800, c &= 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3, min = 0x10000, c &= 0x07;
  } else {
    *cp = 0xFFFD;
    return 1;
  }
  if (n <= need) {
    *cp = 0xFFFD;
    return 1;
  }
  for (uint32_t i = 1; i <= need; i++) {
    if ((s[i] & 0xC0) != 0x80) {
      *cp = 0xFFFD;
      return 1;
    }
    c = (c << 6) | (s[i] & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
    *cp = 0xFFFD;
    return 1;
  }
  *cp = c;
  return need + 1;
}

static int is_digit(uint32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  return utf8proc_category((utf8proc_int32_t)cp) == UTF8PROC_CATEGORY_ND;
}

/* Decodes s[0..n) into cps (at most cap code points); returns the count, or
** cap + 1 when the string is longer. *digit is set when a digit is seen. */
static uint32_t decode(const char *s, size_t n, uint32_t *cps, uint32_t cap,
                       int *digit) {
  const uint8_t *p = (const uint8_t *)s;
  uint32_t count = 0;
  *digit = 0;
  for (size_t off = 0; off < n;) {
    uint32_t cp;
    off += utf8_next(p + off, n - off, &cp);
    if (count == cap) return cap + 1;
    if (is_digit(cp)) *digit = 1;
    cps[count++] = cp;
  }
  return count;
}

int fossc_typo_eligible(const char *plain, size_t len, uint32_t *max_dist) {
  uint32_t cps[FOSSC_TYPO_MAX_CPS];
  int digit;
  if (!plain) return 0;
  uint32_t m = decode(plain, len, cps, FOSSC_TYPO_MAX_CPS, &digit);
  if (digit || m < FOSSC_TYPO_MIN_CPS || m > FOSSC_TYPO_MAX_CPS) return 0;
  if (max_dist) *max_dist = m < FOSSC_TYPO_DIST2_CPS ? 1 : MAX_DIST;
  return 1;
}

/* Candidate order: distance, then df descending, then bytes. */
static int cand_before(const fossc_typo_cand *a, const fossc_typo_cand *b) {
  if (a->dist != b->dist) return a->dist < b->dist;
  if (a->df != b->df) return a->df > b->df;
  size_t n = a->len < b->len ? a->len : b->len;
  int c = memcmp(a->str, b->str, n);
  if (c != 0) return c < 0;
  return a->len < b->len;
}

/* Keeps out[0..*count) the best max_out candidates, sorted; max_out is
** small (a handful of suggestions), so insertion is the cheapest way. */
static void keep_best(fossc_typo_cand *out, uint32_t *count, uint32_t max_out,
                      const fossc_typo_cand *c) {
  uint32_t n = *count;
  if (n == max_out && !cand_before(c, &out[n - 1])) return;
  uint32_t pos = n < max_out ? n : max_out - 1;
  while (pos > 0 && cand_before(c, &out[pos - 1])) {
    out[pos] = out[pos - 1];
    pos--;
  }
  out[pos] = *c;
  if (n < max_out) *count = n + 1;
}

/* The walk's state: the query, and the table rows of the current prefix. */
typedef struct walk {
  uint32_t q[FOSSC_TYPO_MAX_CPS];
  uint32_t m, k;
  /* q re-encoded (an invalid byte became U+FFFD): q[j..m) is
  ** qb[qoff[j] .. qlen), so enumerate copies suffixes instead of encoding */
  uint8_t qb[4 * FOSSC_TYPO_MAX_CPS];
  uint32_t qoff[FOSSC_TYPO_MAX_CPS + 1], qlen;
  uint32_t cps[MAX_DEPTH];      /* code points of the current prefix */
  /* byte length of the prefix of depth d; +2: a word cut at MAX_DEPTH
  ** records one more depth before it is skipped */
  uint32_t boff[MAX_DEPTH + 2];
  /* rows[d][j]: distance between the prefix of depth d and q[0..j), capped
  ** at k + 1. Only the band |d - j| <= k, plus one cell each side, is
  ** meaningful. */
  uint8_t rows[MAX_DEPTH + 1][FOSSC_TYPO_MAX_CPS + 2];
} walk;

/* Computes row d (d >= 1) for the code point cps[d - 1]; returns the row
** minimum over the band. */
static uint32_t compute_row(walk *w, uint32_t d) {
  const uint32_t k = w->k, m = w->m, inf = k + 1, c = w->cps[d - 1];
  uint8_t *row = w->rows[d];
  const uint8_t *up = w->rows[d - 1];
  const uint8_t *up2 = d >= 2 ? w->rows[d - 2] : NULL;
  uint32_t lo = d > k ? d - k : 0, hi = d + k < m ? d + k : m;
  uint32_t best = inf;
  if (lo > hi) return inf; /* the prefix is already longer than q + k */
  /* Left neighbour of the band: outside it, so "more than k". */
  if (lo > 0) row[lo - 1] = (uint8_t)inf;
  for (uint32_t j = lo; j <= hi; j++) {
    uint32_t v;
    if (j == 0) {
      v = d; /* d <= k here since lo == 0 */
    } else {
      v = up[j - 1] + (w->q[j - 1] != c);
      if (up[j] + 1u < v) v = up[j] + 1u;
      if (row[j - 1] + 1u < v) v = row[j - 1] + 1u;
      if (up2 && j >= 2 && c == w->q[j - 2] && w->cps[d - 2] == w->q[j - 1] &&
          up2[j - 2] + 1u < v)
        v = up2[j - 2] + 1u;
    }
    if (v > inf) v = inf;
    row[j] = (uint8_t)v;
    if (v < best) best = v;
  }
  /* Right neighbour: read by row d + 1 as its "up" cell at j = hi + 1. */
  if (hi + 1 <= m) row[hi + 1] = (uint8_t)inf;
  return best;
}

/* Prefixes are a few bytes: a loop beats a call to memcmp here, the walk's
** hottest comparison. */
static int has_prefix(const fossc_index *ix, uint32_t w, const char *p,
                      uint32_t n) {
  uint32_t len;
  const char *s = fossc_ix_word_str(ix, w, &len);
  if (len < n) return 0;
  for (uint32_t i = 0; i < n; i++)
    if (s[i] != p[i]) return 0;
  return 1;
}

/* First word index after `from` (which has the prefix p[0..n)) without that
** prefix. Galloping: most pruned ranges are short, so their cost is a few
** comparisons; long ones (a whole first letter) cost a logarithm. */
static uint32_t skip_prefix(const fossc_index *ix, uint32_t from, const char *p,
                            uint32_t n) {
  uint32_t lo = from, step = 1, hi;
  for (;;) {
    hi = from + step;
    if (hi >= ix->nwords || hi < from) {
      hi = ix->nwords;
      break;
    }
    if (!has_prefix(ix, hi, p, n)) break;
    lo = hi;
    step *= 2;
  }
  /* lo has the prefix, hi does not (or is the end). */
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (has_prefix(ix, mid, p, n))
      lo = mid;
    else
      hi = mid;
  }
  return hi;
}

/* Writes the UTF-8 encoding of cp at *o (room for 4 bytes); returns bytes. */
static uint32_t utf8_put(uint32_t cp, uint8_t *o) {
  if (cp < 0x80) {
    o[0] = (uint8_t)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (uint8_t)(0xC0 | (cp >> 6));
    o[1] = (uint8_t)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (uint8_t)(0xE0 | (cp >> 12));
    o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (uint8_t)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (uint8_t)(0xF0 | (cp >> 18));
  o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (uint8_t)(0x80 | (cp & 0x3F));
  return 4;
}

/* Longest candidate string built by enumerate: a WORDS length is one byte. */
#define MAX_CAND_BYTES 255
/* Prefix ranges of at most this many entries are read through once instead
** of binary searched per candidate suffix: enumerate looks up to 2(2k+1)
** suffixes, each a search of log2(range) probes, and most ranges under a
** prefix with row minimum k hold a handful of words. */
#define SCAN_MAX 16

/* First entry in [lo, hi) whose word is s[0..n) exactly, or hi. */
static uint32_t find_word(const fossc_index *ix, uint32_t lo, uint32_t hi,
                          const uint8_t *s, uint32_t n) {
  uint32_t end = hi;
  lo = fossc_ix_word_lower_bound_in(ix, lo, hi, (const char *)s, n);
  uint32_t len;
  if (lo < end) {
    const char *w = fossc_ix_word_str(ix, lo, &len);
    if (len == n && memcmp(w, s, n) == 0) return lo;
  }
  return end;
}

/* One string enumerate looks for under the prefix: an optional code point
** (the transposed one, t_len bytes in t) then the query's bytes from
** suffix offset off. */
typedef struct target {
  uint8_t t[4];
  uint32_t t_len, off, len; /* len: bytes after the prefix */
} target;

/* Adds the candidate whose first entry is f (the range's entries
** f .. hi-1 that hold the same word are its terms). */
static void add_found(const fossc_index *ix, uint32_t f, uint32_t hi,
                      uint32_t k, fossc_typo_cand *out, uint32_t *count,
                      uint32_t max_out) {
  fossc_typo_cand c;
  c.word = f;
  c.str = fossc_ix_word_str(ix, f, &c.len);
  c.dist = k;
  c.nterms = 0;
  c.df = 0;
  for (uint32_t e = f; e < hi; e++) {
    uint32_t len;
    const char *ws = fossc_ix_word_str(ix, e, &len);
    if (len != c.len || memcmp(ws, c.str, len) != 0) break;
    c.df += fossc_ix_term_df(ix, fossc_ix_word_term(ix, e));
    c.nterms++;
  }
  keep_best(out, count, max_out, &c);
}

/* The prefix of depth d (the first boff[d] bytes of s) has row minimum
** exactly k: every further edit is one too many, so a word under it is
** within k only if the rest of it is one of a few strings taken from the
** query. Each D[d][j] == k allows the rest q[j..m); a transposition across
** the prefix's end, from D[d-1][j-2] == k-1 when the prefix's last code
** point is q[j-1], allows q[j-2] q[j..m). Those strings are looked up in
** the prefix's range [lo, hi) instead of walking it: under a short prefix
** (one wrong first letter) the range holds thousands of words; a short
** range is read once and each word's rest compared with the few strings.
** Each found word is at distance exactly k (no completion beats the row
** minimum). */
static void enumerate(const walk *w, const fossc_index *ix, const char *s,
                      uint32_t d, uint32_t lo, uint32_t hi,
                      fossc_typo_cand *out, uint32_t *count, uint32_t max_out) {
  const uint32_t k = w->k, m = w->m, plen = w->boff[d];
  /* only band cells qualify: 2k+1 of each kind */
  target tg[2 * (2 * MAX_DIST + 1)];
  uint32_t nt = 0;
  uint32_t jlo = d > k ? d - k : 0, jhi = d + k < m ? d + k : m;
  for (uint32_t j = jlo; j <= jhi; j++) {
    if (w->rows[d][j] != k) continue;
    tg[nt].t_len = 0, tg[nt].off = w->qoff[j];
    tg[nt].len = w->qlen - w->qoff[j];
    if (plen + tg[nt].len <= MAX_CAND_BYTES) nt++;
  }
  /* transposition from D[d-1][j-2]: band of row d - 1, shifted by 2 */
  jlo = d - 1 > k ? d - 1 - k + 2 : 2;
  jhi = d - 1 + k + 2 < m ? d - 1 + k + 2 : m;
  for (uint32_t j = jlo; j <= jhi; j++) {
    if (w->rows[d - 1][j - 2] != k - 1 || w->cps[d - 1] != w->q[j - 1])
      continue;
    tg[nt].t_len = utf8_put(w->q[j - 2], tg[nt].t);
    tg[nt].off = w->qoff[j];
    tg[nt].len = tg[nt].t_len + w->qlen - w->qoff[j];
    if (plen + tg[nt].len <= MAX_CAND_BYTES) nt++;
  }
  if (nt == 0) return;
  if (hi - lo <= SCAN_MAX) {
    const char *prev = NULL;
    uint32_t prev_len = 0;
    for (uint32_t e = lo; e < hi; e++) {
      uint32_t len;
      const char *ws = fossc_ix_word_str(ix, e, &len);
      if (prev && len == prev_len && memcmp(ws, prev, len) == 0) continue;
      prev = ws, prev_len = len;
      const uint8_t *rest = (const uint8_t *)ws + plen;
      uint32_t rlen = len - plen;
      for (uint32_t t = 0; t < nt; t++) {
        if (tg[t].len != rlen || memcmp(rest, tg[t].t, tg[t].t_len) != 0 ||
            memcmp(rest + tg[t].t_len, w->qb + tg[t].off,
                   rlen - tg[t].t_len) != 0)
          continue;
        add_found(ix, e, hi, k, out, count, max_out);
        break;
      }
    }
    return;
  }
  uint32_t found[2 * (2 * MAX_DIST + 1)], nfound = 0;
  uint8_t buf[MAX_CAND_BYTES + 4];
  memcpy(buf, s, plen);
  for (uint32_t t = 0; t < nt; t++) {
    memcpy(buf + plen, tg[t].t, tg[t].t_len);
    memcpy(buf + plen + tg[t].t_len, w->qb + tg[t].off,
           tg[t].len - tg[t].t_len);
    uint32_t f = find_word(ix, lo, hi, buf, plen + tg[t].len);
    if (f == hi) continue;
    int dup = 0;
    for (uint32_t x = 0; x < nfound; x++) dup |= found[x] == f;
    if (dup) continue;
    found[nfound++] = f;
    add_found(ix, f, hi, k, out, count, max_out);
  }
}

uint32_t fossc_typo_candidates(const fossc_index *ix, const char *plain,
                               size_t len, fossc_typo_cand *out,
                               uint32_t max_out) {
  walk w;
  int digit;
  if (!ix || !out || max_out == 0 || !plain) return 0;
  if (!fossc_typo_eligible(plain, len, &w.k)) return 0;
  w.m = decode(plain, len, w.q, FOSSC_TYPO_MAX_CPS, &digit);
  w.qlen = 0;
  for (uint32_t j = 0; j < w.m; j++) {
    w.qoff[j] = w.qlen;
    w.qlen += utf8_put(w.q[j], w.qb + w.qlen);
  }
  w.qoff[w.m] = w.qlen;
  for (uint32_t j = 0; j <= w.m; j++)
    w.rows[0][j] = (uint8_t)(j <= w.k ? j : w.k + 1);
  w.rows[0][w.m + 1] = (uint8_t)(w.k + 1);
  w.boff[0] = 0;

  uint32_t count = 0, valid = 0; /* rows 0..valid match cps[0..valid) */
  const char *prev = NULL;
  uint32_t prev_len = 0;
  int pending = 0; /* cand holds the previous word, a match */
  fossc_typo_cand cand = {0};
  uint32_t i = 0;
  while (i < ix->nwords) {
    uint32_t slen;
    const char *s = fossc_ix_word_str(ix, i, &slen);
    if (prev && slen == prev_len && memcmp(s, prev, slen) == 0) {
      /* Another term of the same word: same distance. */
      if (pending) {
        cand.df += fossc_ix_term_df(ix, fossc_ix_word_term(ix, i));
        cand.nterms++;
      }
      i++;
      continue;
    }
    if (pending) keep_best(out, &count, max_out, &cand);
    pending = 0;
    prev = s, prev_len = slen;

    /* Reuse the rows of the prefix shared with the previous word. */
    const uint8_t *p = (const uint8_t *)s;
    uint32_t d = 0, off = 0, stop = 0, best = 0;
    while (off < slen) {
      uint32_t cp, n = utf8_next(p + off, slen - off, &cp);
      if (d < valid && w.cps[d] == cp) {
        d++, off += n;
        continue;
      }
      valid = d;
      if (d == MAX_DEPTH || is_digit(cp)) {
        stop = d + 1; /* too long (corrupt) or a number: skip its range */
        w.boff[d + 1] = off + n;
        best = w.k + 1;
        break;
      }
      w.cps[d] = cp;
      w.boff[d + 1] = off + n;
      best = compute_row(&w, d + 1);
      valid = ++d;
      off += n;
      if (best >= w.k) {
        stop = d;
        break;
      }
    }
    if (stop) {
      uint32_t end = skip_prefix(ix, i, s, w.boff[stop]);
      if (best == w.k) enumerate(&w, ix, s, stop, i, end, out, &count, max_out);
      prev = NULL; /* the next word has another prefix */
      i = end;
      continue;
    }
    if (d < valid) valid = d; /* word is a strict prefix of the last one */
    uint32_t dist = w.k + 1;
    if (d + w.k >= w.m && w.m + w.k >= d) dist = w.rows[d][w.m];
    if (dist >= 1 && dist <= w.k) {
      cand.word = i;
      cand.nterms = 1;
      cand.str = s;
      cand.len = slen;
      cand.dist = dist;
      cand.df = fossc_ix_term_df(ix, fossc_ix_word_term(ix, i));
      pending = 1;
    }
    i++;
  }
  if (pending) keep_best(out, &count, max_out, &cand);
  return count;
}

uint32_t fossc_typo_distance(const char *a, size_t alen, const char *b,
                             size_t blen, uint32_t cap) {
  uint32_t x[FOSSC_TYPO_MAX_CPS + 1], y[FOSSC_TYPO_MAX_CPS + 1];
  int digit;
  if (!a) alen = 0;
  if (!b) blen = 0;
  uint32_t n = a ? decode(a, alen, x, FOSSC_TYPO_MAX_CPS, &digit) : 0;
  uint32_t m = b ? decode(b, blen, y, FOSSC_TYPO_MAX_CPS, &digit) : 0;
  if (n > FOSSC_TYPO_MAX_CPS) n = FOSSC_TYPO_MAX_CPS;
  if (m > FOSSC_TYPO_MAX_CPS) m = FOSSC_TYPO_MAX_CPS;
  /* Three rolling rows: transpositions look two rows back. */
  uint32_t r[3][FOSSC_TYPO_MAX_CPS + 1];
  for (uint32_t j = 0; j <= m; j++) r[0][j] = j;
  for (uint32_t i = 1; i <= n; i++) {
    uint32_t *cur = r[i % 3], *up = r[(i + 2) % 3], *up2 = r[(i + 1) % 3];
    cur[0] = i;
    for (uint32_t j = 1; j <= m; j++) {
      uint32_t v = up[j - 1] + (x[i - 1] != y[j - 1]);
      if (up[j] + 1 < v) v = up[j] + 1;
      if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
      if (i >= 2 && j >= 2 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] &&
          up2[j - 2] + 1 < v)
        v = up2[j - 2] + 1;
      cur[j] = v;
    }
  }
  uint32_t dist = r[n % 3][m];
  return dist > cap ? cap + 1 : dist;
}
