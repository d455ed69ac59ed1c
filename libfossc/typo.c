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
** range. Distance 2 splits the query (split_point): a walk that allows one
** edit in the query's first part, plus the words ending with the rest.
** The walk visits only the first code points of q[0..k]; the words under
** the others come from a rest order of the words (root_words). docs/typo.md
** has the method and the measurements against the alternatives.
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
  /* Split walk (distance 2, see split_point): cells of the columns j < h
  ** above 1 count as "more than k". h == 0: a plain walk. */
  uint32_t h;
  /* ny[d] > 0: under the prefix of depth d only a child code point among
  ** ys[d][0..ny[d]) (ascending) can lead to a word; any other child's row
  ** is all "more than k". */
  uint8_t ny[MAX_DEPTH + 1], nys[MAX_DEPTH + 1];
  uint32_t ys[MAX_DEPTH + 1][2 * MAX_DIST + 2];
} walk;

/* "No code point": code points end at 0x10FFFF. */
#define NO_CP 0xFFFFFFFFu

/* Computes row d (d >= 1) for the code point cps[d - 1]; returns the row
** minimum over the band. split: w->h may be > 0 (a constant in each
** caller, so the plain walk's loop has no split test). */
static inline uint32_t row_impl(walk *w, uint32_t d, int split) {
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
    if (v > inf || (split && j < w->h && v > 1)) v = inf;
    row[j] = (uint8_t)v;
    if (v < best) best = v;
  }
  /* Right neighbour: read by row d + 1 as its "up" cell at j = hi + 1. */
  if (hi + 1 <= m) row[hi + 1] = (uint8_t)inf;
  return best;
}
static uint32_t compute_row(walk *w, uint32_t d) {
  return w->h ? row_impl(w, d, 1) : row_impl(w, d, 0);
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

/* Whether word w no longer has the prefix key[0..n). */
static int lacks_prefix(const fossc_index *ix, uint32_t w, const void *key,
                        uint32_t n) {
  return !has_prefix(ix, w, key, n);
}

/* Whether word w sorts at or after key[0..n). */
static int at_or_after(const fossc_index *ix, uint32_t w, const void *key,
                       uint32_t n) {
  uint32_t len;
  const char *s = fossc_ix_word_str(ix, w, &len);
  int c = memcmp(s, key, len < n ? len : n);
  return c > 0 || (c == 0 && len >= n);
}

/* First word index after `from` for which past() holds (nwords if none);
** past must be false at `from` and, over WORDS, false then true. Galloping:
** the wanted word is usually a few entries on (pruned ranges are short),
** and a long range (a whole first letter) costs a logarithm. */
static uint32_t gallop(const fossc_index *ix, uint32_t from,
                       int (*past)(const fossc_index *, uint32_t, const void *, uint32_t),
                       const void *key, uint32_t n) {
  uint32_t lo = from, step = 1, hi;
  for (;;) {
    hi = from + step;
    if (hi >= ix->nwords || hi < from) {
      hi = ix->nwords;
      break;
    }
    if (past(ix, hi, key, n)) break;
    lo = hi;
    step *= 2;
  }
  /* past() is false at lo and true at hi (or hi is the end). */
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (past(ix, mid, key, n))
      hi = mid;
    else
      lo = mid;
  }
  return hi;
}

/* First word index after `from` (which has the prefix p[0..n)) without it. */
static uint32_t skip_prefix(const fossc_index *ix, uint32_t from, const char *p,
                            uint32_t n) {
  return gallop(ix, from, lacks_prefix, p, n);
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
  if (jlo < w->h) jlo = w->h; /* split walk: value k there is pruned */
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

/* The code points a child of a prefix of depth d can match, whatever the
** prefix: row d + 1 reads q[j - 1] (match) and q[j - 2] (transposition) for
** j in its band [d + 1 - k, d + 1 + k]. Ascending, without repeats; done
** once per query for every depth. */
static void child_letters(walk *w) {
  for (uint32_t d = 0; d <= MAX_DEPTH; d++) {
    uint32_t lo = d >= w->k + 1 ? d - w->k - 1 : 0, hi = d + w->k, n = 0;
    for (uint32_t t = lo; t <= hi && t < w->m; t++) {
      uint32_t cp = w->q[t], pos = n;
      int dup = 0;
      for (uint32_t x = 0; x < n; x++) dup |= w->ys[d][x] == cp;
      if (dup) continue;
      while (pos > 0 && w->ys[d][pos - 1] > cp) {
        w->ys[d][pos] = w->ys[d][pos - 1];
        pos--;
      }
      w->ys[d][pos] = cp;
      n++;
    }
    w->nys[d] = (uint8_t)n;
  }
}

/* After row d of a split walk: decides whether a child whose code point
** is none of ys[d] can survive. Its row is 1 + min(left, up, up-left)
** everywhere: within k only from a cell 0 of row d, or from a cell 1 of
** row d in column h - 1 or later (a 2 in the columns before h is pruned).
** When it cannot, the walk jumps over every such child of the prefix with
** one search instead of visiting each (a first letter has dozens). */
static void target_children(walk *w, uint32_t d) {
  const uint32_t k = w->k, m = w->m;
  uint32_t lo = d > k ? d - k : 0, hi = d + k < m ? d + k : m;
  w->ny[d] = 0;
  if (d >= MAX_DEPTH || lo > hi) return;
  for (uint32_t j = lo; j <= hi; j++)
    if (w->rows[d][j] == 0 || (w->rows[d][j] == 1 && j + 1 >= w->h)) return;
  w->ny[d] = w->nys[d];
}

/* First word index >= from whose string is >= key[0..n): the next wanted
** child is usually near. */
static uint32_t gallop_lower_bound(const fossc_index *ix, uint32_t from,
                                   const uint8_t *key, uint32_t n) {
  if (from >= ix->nwords || at_or_after(ix, from, key, n)) return from;
  return gallop(ix, from, at_or_after, key, n);
}

/* ---- the suffix and rest orders: distinct words sorted by their reversed
** bytes, or by their bytes after the first code point */

struct fossc_typo_sfx {
  uint32_t n;     /* distinct words */
  uint32_t w[];   /* first WORDS entry of each, by reversed bytes */
};

/* The two orders sort words by a byte sequence of each: the suffix order
** by its bytes read backwards, the rest order by its bytes after its first
** code point (as utf8_next decodes it). */
enum { BY_SUFFIX = 0, BY_REST = 1 };

/* Bytes of word s[0..len)'s first code point (0 for an empty word). */
static inline uint32_t first_cp_bytes(const uint8_t *s, uint32_t len) {
  uint32_t cp;
  if (len && s[0] < 0x80) return 1; /* the sort's hot path: most words */
  return len ? utf8_next(s, len, &cp) : 0;
}

/* Byte p of word e's sequence in order `by`, plus 1; 0 once past its end. */
static inline uint32_t sym(const fossc_index *ix, uint32_t e, uint32_t p,
                           int by) {
  uint32_t len;
  const uint8_t *s = (const uint8_t *)fossc_ix_word_str(ix, e, &len);
  if (by == BY_SUFFIX) return p < len ? s[len - 1 - p] + 1u : 0;
  p += first_cp_bytes(s, len);
  return p < len ? s[p] + 1u : 0;
}

/* Order `by` of words a and b, equal in their first p symbols. */
static int rcmp(const fossc_index *ix, uint32_t a, uint32_t b, uint32_t p,
                int by) {
  for (;; p++) {
    uint32_t x = sym(ix, a, p, by), y = sym(ix, b, p, by);
    if (x != y) return x < y ? -1 : 1;
    if (x == 0) return 0;
  }
}

/* While sorting, an element is the entry index (low 32 bits) under the
** word's symbols p, p+1, p+2 (sym) of 9 bits each: three radix levels read
** no string, then the next three are loaded at once. */
#define SFX_SYMS 3
/* Buckets this small are insertion sorted: radix passes cost 257 counters. */
#define SFX_SMALL 24
/* Radix levels before the rest of a bucket is Shell sorted: bounds the
** stack (3 KB a level) whatever the words; real buckets end much sooner. */
#define SFX_MAX_LEVELS 24

static uint64_t sfx_load(const fossc_index *ix, uint32_t e, uint32_t p,
                         int by) {
  uint64_t v = 0;
  for (uint32_t l = 0; l < SFX_SYMS; l++) v = v << 9 | sym(ix, e, p + l, by);
  return v << 32 | e;
}

/* Sorts a[0..n) (words equal in their first p symbols; their keys hold
** symbols p - l .. p - l + 2, so symbol p is number l) in order `by`:
** in-place most-significant-symbol radix sort (American flag). */
static void sfx_sort(const fossc_index *ix, uint64_t *a, uint32_t n,
                     uint32_t p, uint32_t l, uint32_t level, int by) {
  if (l == SFX_SYMS) {
    for (uint32_t i = 0; i < n; i++)
      a[i] = sfx_load(ix, (uint32_t)a[i], p, by);
    l = 0;
  }
  if (n <= SFX_SMALL || level >= SFX_MAX_LEVELS) {
    /* Shell sort (gap 1 alone is insertion sort, for small n). The keys'
    ** symbols before l are equal, so the keys order the words unless they
    ** are equal too; then the strings are read. */
    static const uint32_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
    const uint32_t rest = p + SFX_SYMS - l;
    for (size_t g = n <= SFX_SMALL ? 7 : 0; g < sizeof gaps / sizeof *gaps;
         g++)
      for (uint32_t i = gaps[g]; i < n; i++) {
        uint64_t v = a[i];
        uint32_t j = i;
        for (; j >= gaps[g]; j -= gaps[g]) {
          uint64_t u = a[j - gaps[g]];
          if ((u >> 32) < (v >> 32)) break;
          if ((u >> 32) == (v >> 32) &&
              ((v >> 32 & 0x1FF) == 0 ||
               rcmp(ix, (uint32_t)u, (uint32_t)v, rest, by) <= 0))
            break;
          a[j] = u;
        }
        a[j] = v;
      }
    return;
  }
  const uint32_t shift = 32 + 9 * (SFX_SYMS - 1 - l);
  uint32_t cnt[257] = {0}, next[257], end[257], bmin = 256, bmax = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t c = (a[i] >> shift) & 0x1FF;
    cnt[c]++;
    if (c < bmin) bmin = c;
    if (c > bmax) bmax = c;
  }
  /* symbols of words are a narrow span (letters): loop over it only */
  for (uint32_t b = bmin, sum = 0; b <= bmax; b++) {
    next[b] = sum;
    sum += cnt[b];
    end[b] = sum;
  }
  for (uint32_t b = bmin; b <= bmax; b++)
    while (next[b] < end[b]) {
      uint64_t v = a[next[b]];
      uint32_t c = (v >> shift) & 0x1FF;
      while (c != b) { /* place v in its bucket, carry on with the evicted */
        uint64_t t = a[next[c]];
        a[next[c]++] = v;
        v = t;
        c = (v >> shift) & 0x1FF;
      }
      a[next[b]++] = v;
    }
  /* bucket 0: words that ended, all equal (distinct words: at most one) */
  for (uint32_t b = bmin ? bmin : 1, start = cnt[0]; b <= bmax;
       start += cnt[b], b++)
    if (cnt[b] > 1)
      sfx_sort(ix, a + start, cnt[b], p + 1, l + 1, level + 1, by);
}

/* Whether a word may be a distance-2 candidate at all, cheaply: at least
** FOSSC_TYPO_DIST2_CPS - MAX_DIST bytes (so possibly that many code points)
** and no ASCII digit. The suffix order holds only these: 39% fewer words
** on the medium index (numbers are many), so less memory and time. */
static int tail_word(const char *s, uint32_t len) {
  if (len < FOSSC_TYPO_DIST2_CPS - MAX_DIST) return 0;
  for (uint32_t i = 0; i < len; i++)
    if (s[i] >= '0' && s[i] <= '9') return 0;
  return 1;
}

/* The same for the rest order, which also serves distance 1: a candidate
** within 1 of a FOSSC_TYPO_MIN_CPS query has at least that many bytes
** after a first code point that differs from the query's. */
static int rest_word(const char *s, uint32_t len) {
  if (len < FOSSC_TYPO_MIN_CPS) return 0;
  for (uint32_t i = 0; i < len; i++)
    if (s[i] >= '0' && s[i] <= '9') return 0;
  return 1;
}

/* The index's suffix order (by = BY_SUFFIX) or rest order (BY_REST),
** built by the first caller (a concurrent one may build it too; one copy
** wins, the other is freed). NULL when out of memory: the caller then
** walks without it. */
static const struct fossc_typo_sfx *get_order(const fossc_index *ix, int by) {
  fossc_index *mix = (fossc_index *)ix; /* only the atomic slots change */
  _Atomic(struct fossc_typo_sfx *) *slot =
      by == BY_SUFFIX ? &mix->typo_sfx : &mix->typo_rest;
  struct fossc_typo_sfx *x = atomic_load_explicit(slot, memory_order_acquire);
  if (x) return x;
  /* Sorted as 8-byte elements (index and key), then narrowed in place to
  ** the 4-byte indexes. Sized for every entry (pages past the words kept
  ** are never touched), then shrunk. */
  uint64_t *a = fossc_malloc((size_t)ix->nwords * sizeof *a + sizeof *x);
  if (!a) return NULL;
  const char *prev = NULL;
  uint32_t prev_len = 0;
  uint32_t na = 0;
  for (uint32_t e = 0; e < ix->nwords; e++) {
    uint32_t len;
    const char *s = fossc_ix_word_str(ix, e, &len);
    if ((!prev || len != prev_len || memcmp(s, prev, len) != 0) &&
        (by == BY_SUFFIX ? tail_word(s, len) : rest_word(s, len)))
      a[na++] = sfx_load(ix, e, 0, by);
    prev = s, prev_len = len;
  }
  sfx_sort(ix, a, na, 0, 0, 0, by);
  x = (struct fossc_typo_sfx *)(void *)a;
  uint32_t *wv = (uint32_t *)(void *)a + sizeof *x / sizeof(uint32_t);
  /* element i's index moves to byte 4 * i + sizeof *x <= 8 * i once i >= 1
  ** (sizeof *x is 4): never past an element not yet read */
  for (uint32_t i = 0; i < na; i++) {
    uint32_t e = (uint32_t)a[i];
    wv[i] = e;
  }
  x->n = na;
  struct fossc_typo_sfx *shrunk =
      fossc_realloc(x, sizeof *x + (size_t)na * sizeof x->w[0]);
  if (shrunk) x = shrunk;
  struct fossc_typo_sfx *expected = NULL;
  if (!atomic_compare_exchange_strong_explicit(slot, &expected, x,
                                               memory_order_acq_rel,
                                               memory_order_acquire)) {
    fossc_free(x);
    return expected;
  }
  return x;
}

static const struct fossc_typo_sfx *get_sfx(const fossc_index *ix) {
  return get_order(ix, BY_SUFFIX);
}

uint32_t fossc_typo_suffix_order(const fossc_index *ix,
                                 const uint32_t **words) {
  const struct fossc_typo_sfx *x = ix ? get_sfx(ix) : NULL;
  if (words) *words = x ? x->w : NULL;
  return x ? x->n : 0;
}

uint32_t fossc_typo_rest_order(const fossc_index *ix,
                               const uint32_t **words) {
  const struct fossc_typo_sfx *x = ix ? get_order(ix, BY_REST) : NULL;
  if (words) *words = x ? x->w : NULL;
  return x ? x->n : 0;
}

void fossc_typo_release(fossc_index *ix) {
  if (!ix) return;
  fossc_free(atomic_load(&ix->typo_sfx));
  atomic_store(&ix->typo_sfx, NULL);
  fossc_free(atomic_load(&ix->typo_rest));
  atomic_store(&ix->typo_rest, NULL);
}

/* Compares word e's end with s[0..n), both read backwards: < 0 when the
** word sorts before the words ending with s in the suffix order (a word
** shorter than s, equal as far as it goes, sorts before). */
static int sfx_cmp(const fossc_index *ix, uint32_t e, const uint8_t *s,
                   uint32_t n) {
  uint32_t len;
  const uint8_t *w = (const uint8_t *)fossc_ix_word_str(ix, e, &len);
  for (uint32_t p = 0; p < n; p++) {
    if (p == len) return -1;
    uint8_t x = w[len - 1 - p], y = s[n - 1 - p];
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

/* Narrows [*lo, *hi) of the suffix order to the words ending with s[0..n). */
static void sfx_range(const fossc_index *ix, const struct fossc_typo_sfx *x,
                      const uint8_t *s, uint32_t n, uint32_t *lo,
                      uint32_t *hi) {
  uint32_t a = *lo, b = *hi;
  while (a < b) {
    uint32_t mid = a + (b - a) / 2;
    if (sfx_cmp(ix, x->w[mid], s, n) < 0)
      a = mid + 1;
    else
      b = mid;
  }
  uint32_t c = a, d = *hi;
  while (c < d) {
    uint32_t mid = c + (d - c) / 2;
    if (sfx_cmp(ix, x->w[mid], s, n) <= 0)
      c = mid + 1;
    else
      d = mid;
  }
  *lo = a, *hi = c;
}

/* OSA distance between x[0..n) and the query, capped at k + 1, with the
** split walk's rule when capa is 1 (cells of columns j < h above 1 count
** as more than k): the value the walk gives the word. */
static uint32_t word_dist(const walk *w, const uint32_t *x, uint32_t n,
                          uint32_t capa) {
  const uint32_t k = w->k, m = w->m, inf = k + 1;
  uint8_t r[3][FOSSC_TYPO_MAX_CPS + 1];
  for (uint32_t j = 0; j <= m; j++)
    r[0][j] = (uint8_t)(j > inf || (j < w->h && j > capa) ? inf : j);
  for (uint32_t i = 1; i <= n; i++) {
    uint8_t *cur = r[i % 3];
    const uint8_t *up = r[(i + 2) % 3], *up2 = r[(i + 1) % 3];
    for (uint32_t j = 0; j <= m; j++) {
      uint32_t v = i;
      if (j > 0) {
        v = up[j - 1] + (x[i - 1] != w->q[j - 1]);
        if (up[j] + 1u < v) v = up[j] + 1u;
        if (cur[j - 1] + 1u < v) v = cur[j - 1] + 1u;
        if (i >= 2 && j >= 2 && x[i - 1] == w->q[j - 2] &&
            x[i - 2] == w->q[j - 1] && up2[j - 2] + 1u < v)
          v = up2[j - 2] + 1u;
      }
      if (v > inf || (j < w->h && v > capa)) v = inf;
      cur[j] = (uint8_t)v;
    }
  }
  return r[n % 3][m];
}

/* Split walks prefer the largest h (the narrowest walk) whose tail holds
** at most SPLIT_MAX_TAIL words; failing that, h = SPLIT_MIN_H if its tail
** holds at most SPLIT_MAX_TAIL_LAST, else the plain walk. Below h = 3 the
** split walk is nearly as wide as the plain one. Measured: docs/typo.md. */
#define SPLIT_MAX_TAIL 64
#define SPLIT_MAX_TAIL_LAST 2048
#define SPLIT_MIN_H 3

/* Distance 2 by pigeonhole: split q into A = q[0..h) and the rest. A word
** within 2 either aligns with A's columns at cost <= 1 all the way (the
** split walk: cells of columns j < h above 1 are pruned, so the walk is
** nearly as narrow as a distance 1 walk), or its alignment reaches cost 2
** at some column j < h and matches exactly from there: then it ends with
** q[h-1..m) (the tail). The tail's words are found in the suffix order and
** checked one by one; those the split walk also finds are left to it.
** Chooses h and sets *lo, *hi to the tail's range in x; returns 0 when no
** split is worth it (h = 0: plain walk). */
static uint32_t split_point(const walk *w, const fossc_index *ix,
                            const struct fossc_typo_sfx *x, uint32_t *lo,
                            uint32_t *hi) {
  uint32_t h = (w->m + 1) / 2;
  *lo = 0, *hi = x->n;
  if (h < SPLIT_MIN_H) return 0;
  for (; h >= SPLIT_MIN_H; h--) {
    sfx_range(ix, x, w->qb + w->qoff[h - 1], w->qlen - w->qoff[h - 1], lo, hi);
    if (*hi - *lo <= SPLIT_MAX_TAIL) return h;
  }
  return *hi - *lo <= SPLIT_MAX_TAIL_LAST ? SPLIT_MIN_H : 0;
}

/* The tail's words (split_point) that the split walk does not find. */
static void tail_words(const walk *w, const fossc_index *ix,
                       const struct fossc_typo_sfx *x, uint32_t lo,
                       uint32_t hi, fossc_typo_cand *out, uint32_t *count,
                       uint32_t max_out) {
  for (uint32_t i = lo; i < hi; i++) {
    uint32_t e = x->w[i], len, cps[MAX_DEPTH + 1];
    int digit;
    const char *s = fossc_ix_word_str(ix, e, &len);
    uint32_t n = decode(s, len, cps, MAX_DEPTH, &digit);
    if (digit || n > MAX_DEPTH) continue; /* the walk skips these too */
    uint32_t d = word_dist(w, cps, n, w->k);
    /* d <= 1 means the split walk's value is d too: it has the word */
    if (d != w->k || word_dist(w, cps, n, 1) <= w->k) continue;
    add_found(ix, e, ix->nwords, w->k, out, count, max_out);
  }
}

/* A split walk's row d (the prefix s[0..boff[d])) is all "more than k",
** yet one word under it may still be within k: the transposition of
** q[h-2] q[h-1] lands in column h (value 2 allowed) from D[d-1][h-2] == 1,
** skipping the cell D[d][h-1] == 2 that the split pruned. It needs the
** prefix to end with q[h-1], then q[h-2], then exactly q[h..m). */
static void across_split(const walk *w, const fossc_index *ix, const char *s,
                         uint32_t d, uint32_t lo, uint32_t hi,
                         fossc_typo_cand *out, uint32_t *count,
                         uint32_t max_out) {
  const uint32_t h = w->h, plen = w->boff[d];
  /* cell (d - 1, h - 2) inside row d - 1's band, and 1 */
  if (d < 1 || h < 2 || h - 2 + w->k < d - 1 || h - 2 > d - 1 + w->k ||
      w->rows[d - 1][h - 2] != 1 || w->cps[d - 1] != w->q[h - 1])
    return;
  uint8_t buf[MAX_CAND_BYTES + 4];
  uint32_t n = plen + 4 + (w->qlen - w->qoff[h]);
  if (n > MAX_CAND_BYTES + 4) return;
  memcpy(buf, s, plen);
  n = plen + utf8_put(w->q[h - 2], buf + plen);
  memcpy(buf + n, w->qb + w->qoff[h], w->qlen - w->qoff[h]);
  n += w->qlen - w->qoff[h];
  if (n > MAX_CAND_BYTES) return;
  uint32_t f = find_word(ix, lo, hi, buf, n);
  if (f < hi) add_found(ix, f, hi, w->k, out, count, max_out);
}

/* ---- the root through the rest order
**
** The walk visits every first code point of WORDS (2,124 on the medium
** index, mostly Chinese), and under each one that is not a letter of the
** query's first columns (q[0..k]) the row minimum is already 1: each costs
** a prefix search and an enumeration (distance 1) or a few child searches
** (distance 2), about 2 M instructions a call in all. A word x·rest within
** k whose first code point x is none of q[0..k] paid 1 for x (replacing
** q[0] or inserted before it: a deletion first would need x to match q[1]
** or q[2]), so its rest is within k - 1 of T1 = q[1..m) or T0 = q[0..m):
** - distance 1: the rest is exactly T1 or T0;
** - distance 2: the rest is within 1 of T1 or T0, so for any cut c it
**   starts with q[1..c) or q[0..c), or the word ends with q[c+1..m) (an
**   edit, a transposition included, cannot touch both sides of the cut).
** So the walk keeps the first code points of q[0..k]; the words under the
** others are taken from the rest order (distinct words by their bytes
** after the first code point) and, at distance 2, from the suffix order,
** and given the distance the walk would give them. */

/* Distance-2 lookups larger than this are left to the walk: each word
** costs a distance table, the walk's root about 2 M instructions.
** Measured: docs/typo.md. */
#define REST_MAX 1024

/* Compares word e's rest (bytes after its first code point) with s[0..n):
** < 0 when it sorts before every rest starting with s, 0 when it starts
** with s, > 0 after. *rest_len (may be NULL): the rest's length. */
static int rest_cmp(const fossc_index *ix, uint32_t e, const uint8_t *s,
                    uint32_t n, uint32_t *rest_len) {
  uint32_t len;
  const uint8_t *w = (const uint8_t *)fossc_ix_word_str(ix, e, &len);
  uint32_t o = first_cp_bytes(w, len);
  if (rest_len) *rest_len = len - o;
  for (uint32_t p = 0; p < n; p++) {
    if (o + p == len) return -1;
    if (w[o + p] != s[p]) return w[o + p] < s[p] ? -1 : 1;
  }
  return 0;
}

/* The range [*lo, *hi) of the rest order whose rests start with s[0..n). */
static void rest_range(const fossc_index *ix, const struct fossc_typo_sfx *r,
                       const uint8_t *s, uint32_t n, uint32_t *lo,
                       uint32_t *hi) {
  uint32_t a = 0, b = r->n;
  while (a < b) {
    uint32_t mid = a + (b - a) / 2;
    if (rest_cmp(ix, r->w[mid], s, n, NULL) < 0)
      a = mid + 1;
    else
      b = mid;
  }
  uint32_t c = a, d = r->n;
  while (c < d) {
    uint32_t mid = c + (d - c) / 2;
    if (rest_cmp(ix, r->w[mid], s, n, NULL) <= 0)
      c = mid + 1;
    else
      d = mid;
  }
  *lo = a, *hi = c;
}

/* Adds word e (a first WORDS entry) unless the walk visits its first code
** point (ys[0]), at the distance the walk would give it. */
static void root_word(const walk *w, const fossc_index *ix, uint32_t e,
                      fossc_typo_cand *out, uint32_t *count,
                      uint32_t max_out) {
  uint32_t len, cps[MAX_DEPTH + 1];
  const char *s = fossc_ix_word_str(ix, e, &len);
  int digit;
  uint32_t n = decode(s, len, cps, MAX_DEPTH, &digit);
  if (digit || n > MAX_DEPTH || n == 0) return; /* the walk skips these too */
  if (n + w->k < w->m || n > w->m + w->k) return; /* too short or long */
  for (uint32_t i = 0; i < w->nys[0]; i++)
    if (w->ys[0][i] == cps[0]) return;
  uint32_t d = word_dist(w, cps, n, 1);
  if (d >= 1 && d <= w->k) add_found(ix, e, ix->nwords, d, out, count, max_out);
}

/* The root's lookups: ranges of the rest order (r, [0] and [1]) and, at
** distance 2, of the suffix order (x, [2]). */
typedef struct root_look {
  uint32_t lo[3], hi[3];
  uint32_t c; /* distance 2: the cut */
} root_look;

/* Sets up the root's lookups; returns 0 when they hold too many words. */
static int root_lookups(const walk *w, const fossc_index *ix,
                        const struct fossc_typo_sfx *r,
                        const struct fossc_typo_sfx *x, root_look *L) {
  if (w->k == 1) {
    /* [0]: rests starting with T1, [1]: with T0; the exact ones first */
    rest_range(ix, r, w->qb + w->qoff[1], w->qlen - w->qoff[1], &L->lo[0],
               &L->hi[0]);
    rest_range(ix, r, w->qb, w->qlen, &L->lo[1], &L->hi[1]);
    L->lo[2] = L->hi[2] = 0;
    return 1;
  }
  /* The cut with the fewest words: prefixes shrink and the suffix grows
  ** as c moves right. */
  uint32_t best = UINT32_MAX;
  for (uint32_t c = 2; c + 2 <= w->m; c++) {
    root_look t;
    t.c = c;
    rest_range(ix, r, w->qb + w->qoff[1], w->qoff[c] - w->qoff[1], &t.lo[0],
               &t.hi[0]);
    rest_range(ix, r, w->qb, w->qoff[c], &t.lo[1], &t.hi[1]);
    t.lo[2] = 0, t.hi[2] = x->n;
    sfx_range(ix, x, w->qb + w->qoff[c + 1], w->qlen - w->qoff[c + 1],
              &t.lo[2], &t.hi[2]);
    uint32_t sz = (t.hi[0] - t.lo[0]) + (t.hi[1] - t.lo[1]) + (t.hi[2] - t.lo[2]);
    if (sz < best) best = sz, *L = t;
  }
  return best <= REST_MAX;
}

/* The words of the root's lookups (root_word), each once. */
static void root_words(const walk *w, const fossc_index *ix,
                       const struct fossc_typo_sfx *r,
                       const struct fossc_typo_sfx *x, const root_look *L,
                       fossc_typo_cand *out, uint32_t *count,
                       uint32_t max_out) {
  if (w->k == 1) {
    const uint32_t want[2] = {w->qlen - w->qoff[1], w->qlen};
    for (uint32_t t = 0; t < 2; t++)
      for (uint32_t i = L->lo[t]; i < L->hi[t]; i++) {
        uint32_t rl;
        (void)rest_cmp(ix, r->w[i], NULL, 0, &rl);
        if (rl != want[t]) break; /* past the exact rests */
        root_word(w, ix, r->w[i], out, count, max_out);
      }
    return;
  }
  const uint8_t *p1 = w->qb + w->qoff[1], *p0 = w->qb;
  uint32_t n1 = w->qoff[L->c] - w->qoff[1], n0 = w->qoff[L->c];
  for (uint32_t i = L->lo[0]; i < L->hi[0]; i++)
    root_word(w, ix, r->w[i], out, count, max_out);
  for (uint32_t i = L->lo[1]; i < L->hi[1]; i++)
    if (rest_cmp(ix, r->w[i], p1, n1, NULL) != 0)
      root_word(w, ix, r->w[i], out, count, max_out);
  for (uint32_t i = L->lo[2]; i < L->hi[2]; i++) {
    uint32_t e = x->w[i];
    if (rest_cmp(ix, e, p1, n1, NULL) != 0 && rest_cmp(ix, e, p0, n0, NULL) != 0)
      root_word(w, ix, e, out, count, max_out);
  }
}

/* The first code points the walk visits, as ranges of WORDS: q[0..k]'s
** (ys[0], ascending, so the ranges are too). Returns their count. */
static uint32_t root_ranges(const walk *w, const fossc_index *ix,
                            uint32_t *lo, uint32_t *hi) {
  for (uint32_t i = 0; i < w->nys[0]; i++) {
    uint8_t key[4];
    uint32_t n = utf8_put(w->ys[0][i], key);
    lo[i] = fossc_ix_word_lower_bound_in(ix, 0, ix->nwords, (const char *)key, n);
    key[n - 1]++; /* a last UTF-8 byte is below 0xFF: no carry */
    hi[i] = fossc_ix_word_lower_bound_in(ix, lo[i], ix->nwords,
                                         (const char *)key, n);
  }
  return w->nys[0];
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
  /* Split only at distance 2 and for valid UTF-8 (the tail is looked up by
  ** its bytes, and an invalid byte's U+FFFD stands for many). */
  const struct fossc_typo_sfx *sfx = NULL;
  uint32_t tail_lo = 0, tail_hi = 0;
  int valid_utf8 = 1;
  for (uint32_t j = 0; j < w.m; j++) valid_utf8 &= w.q[j] != 0xFFFD;
  w.h = 0;
  if (w.k == MAX_DIST && valid_utf8 && (sfx = get_sfx(ix)) != NULL)
    w.h = split_point(&w, ix, sfx, &tail_lo, &tail_hi);
  for (uint32_t j = 0; j <= w.m; j++)
    w.rows[0][j] = (uint8_t)(j <= w.k && !(j < w.h && j > 1) ? j : w.k + 1);
  w.rows[0][w.m + 1] = (uint8_t)(w.k + 1);
  w.boff[0] = 0;
  w.ny[0] = 0;
  if (w.h) {
    child_letters(&w);
    target_children(&w, 0);
  }
  /* The root through the rest order (root_words), for valid UTF-8 (the
  ** root's ranges are byte prefixes). */
  const struct fossc_typo_sfx *rest = NULL, *sfx2 = NULL;
  root_look look;
  if (valid_utf8 && (rest = get_order(ix, BY_REST)) != NULL &&
      (w.k == 1 || (sfx2 = get_sfx(ix)) != NULL)) {
    if (!w.h) child_letters(&w);
    if (!root_lookups(&w, ix, rest, sfx2, &look)) rest = NULL;
  } else {
    rest = NULL;
  }

  uint32_t count = 0, valid = 0; /* rows 0..valid match cps[0..valid) */
  const char *prev = NULL;
  uint32_t prev_len = 0;
  int pending = 0; /* cand holds the previous word, a match */
  fossc_typo_cand cand = {0};
  uint32_t wlo[MAX_DIST + 1] = {0}, whi[MAX_DIST + 1] = {ix->nwords}, nw = 1;
  if (rest) nw = root_ranges(&w, ix, wlo, whi);
  for (uint32_t r = 0; r < nw; r++) {
  uint32_t i = wlo[r], rend = whi[r];
  valid = 0;
  prev = NULL;
  while (i < rend) {
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
    uint32_t d = 0, off = 0, stop = 0, best = 0, jump = 0;
    while (off < slen) {
      uint32_t cp, n = 1;
      if (p[off] < 0x80)
        cp = p[off];
      else
        n = utf8_next(p + off, slen - off, &cp);
      if (d < valid && w.cps[d] == cp) {
        d++, off += n;
        continue;
      }
      valid = d;
      if (w.ny[d]) {
        /* Only children in ys[d] can lead anywhere: go to the next one. */
        uint32_t y = NO_CP, x;
        for (x = 0; x < w.ny[d] && w.ys[d][x] < cp; x++) continue;
        if (x < w.ny[d] && w.ys[d][x] != cp) y = w.ys[d][x];
        if (x == w.ny[d]) {
          jump = skip_prefix(ix, i, s, w.boff[d]);
          break;
        }
        if (y != NO_CP) {
          uint8_t key[MAX_CAND_BYTES + 4];
          memcpy(key, s, w.boff[d]);
          uint32_t kn = w.boff[d] + utf8_put(y, key + w.boff[d]);
          jump = gallop_lower_bound(ix, i + 1, key, kn);
          break;
        }
      }
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
        w.ny[d] = 0;
        stop = d;
        break;
      }
      if (w.h)
        target_children(&w, d);
      else
        w.ny[d] = 0;
    }
    if (jump) {
      prev = NULL; /* the next word has another prefix */
      i = jump;
      continue;
    }
    if (stop) {
      uint32_t end = skip_prefix(ix, i, s, w.boff[stop]);
      if (best == w.k)
        enumerate(&w, ix, s, stop, i, end, out, &count, max_out);
      else if (w.h && stop == valid)
        across_split(&w, ix, s, stop, i, end, out, &count, max_out);
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
  }
  if (pending) keep_best(out, &count, max_out, &cand);
  if (w.h) tail_words(&w, ix, sfx, tail_lo, tail_hi, out, &count, max_out);
  if (rest) root_words(&w, ix, rest, sfx2, &look, out, &count, max_out);
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
