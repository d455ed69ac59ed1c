/* typobench: typo candidate latency (docs/typo.md), approach (a) trie walk of WORDS
** (libfossc/typo.c) vs (b) SymSpell deletion index vs (c) trigram index.
**   typobench cands DIR word...       print candidates
**   typobench bench DIR N [seed]      N typo'd dictionary words, p50/p99/max
**   typobench bench DIR N seed print  the bench's queries, one per line
**   typobench gen DIR N [seed]        N mixed test queries, one per line
**                                     (prefixed "1 " or "2 " by kind, see gen)
**   typobench dump DIR FILE [max]     every candidate of every line of FILE
**   typobench check DIR FILE          each line against brute force: the
**                                     full sorted list, every field
**   typobench icount DIR FILE         one call per line; under
**                                     valgrind --tool=callgrind each call's
**                                     instructions are dumped separately
** Build: make build/bench/typobench (make bench builds it too). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <xxhash.h>

#include "analysis.h"
#include "reader.h"
#include "typo.h"
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#endif
#endif
#ifndef CALLGRIND_DUMP_STATS
#define CALLGRIND_DUMP_STATS
#define CALLGRIND_ZERO_STATS
#endif

#include <time.h>
/* Thread CPU time: the machine is shared (load 5 on 2 cores), so wall time
** measures the scheduler; CPU time measures the work. BENCH_WALL=1 for wall. */
static double now_us(void) {
  struct timespec ts;
  clock_gettime(getenv("BENCH_WALL") ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmpd(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void report(const char *name, double *t, int n, double cands) {
  qsort(t, (size_t)n, sizeof *t, cmpd);
  double sum = 0;
  for (int i = 0; i < n; i++) sum += t[i];
  printf("%-28s n=%d p50=%.1fus p90=%.1fus p99=%.1fus max=%.1fus mean=%.1fus "
         "cands/query=%.2f\n",
         name, n, t[n / 2], t[n * 9 / 10], t[n * 99 / 100], t[n - 1], sum / n,
         cands);
}

/* distinct word starts */
static uint32_t *dw;
static uint32_t ndw;
static void distinct_words(const fossc_index *ix) {
  dw = malloc(sizeof *dw * ix->nwords);
  const char *prev = NULL;
  uint32_t pl = 0;
  for (uint32_t w = 0; w < ix->nwords; w++) {
    uint32_t l;
    const char *s = fossc_ix_word_str(ix, w, &l);
    if (prev && l == pl && !memcmp(s, prev, l)) continue;
    dw[ndw++] = w;
    prev = s, pl = l;
  }
}

/* ---------------------------------------------------------- (b) SymSpell */
typedef struct {
  uint64_t h;
  uint32_t w;
} sent;
static sent *stab;
static uint64_t scap, scount;
static void sput(uint64_t h, uint32_t w) {
  uint64_t i = h & (scap - 1);
  while (stab[i].h) {
    if (stab[i].h == h && stab[i].w == w) return;
    i = (i + 1) & (scap - 1);
  }
  stab[i].h = h, stab[i].w = w;
  scount++;
}
/* all deletions of up to k chars (ASCII positions; good enough to size it) */
static void deletes(const char *s, uint32_t n, uint32_t k, void (*f)(const char *, uint32_t, void *), void *ctx) {
  char b1[80], b2[80];
  f(s, n, ctx);
  if (k == 0) return;
  for (uint32_t i = 0; i < n; i++) {
    memcpy(b1, s, i);
    memcpy(b1 + i, s + i + 1, n - i - 1);
    f(b1, n - 1, ctx);
    if (k < 2) continue;
    for (uint32_t j = i; j + 1 < n; j++) {
      memcpy(b2, b1, j);
      memcpy(b2 + j, b1 + j + 1, n - 2 - j);
      f(b2, n - 2, ctx);
    }
  }
}
static void ins_cb(const char *s, uint32_t n, void *ctx) {
  uint64_t h = XXH3_64bits(s, n) | 1;
  sput(h, *(uint32_t *)ctx);
}
static uint64_t sym_bytes;
static void build_symspell(const fossc_index *ix) {
  scap = 1u << 25; /* 32M slots */
  stab = calloc(scap, sizeof *stab);
  for (uint32_t i = 0; i < ndw; i++) {
    uint32_t l;
    const char *s = fossc_ix_word_str(ix, dw[i], &l);
    if (l < 3 || l > 40) continue; /* queries >= 4 letters: words >= 3 */
    /* a dictionary word of length >= 6 can be within 2 of a query >= 8 */
    uint32_t k = l >= 6 ? 2 : 1;
    deletes(s, l, k, ins_cb, &i);
  }
  /* realistic packed layout: 8-byte key hash + 4-byte word id, at 0.8 load */
  sym_bytes = (uint64_t)(scount * 12 / 0.8);
}
typedef struct {
  const fossc_index *ix;
  const char *q;
  uint32_t qn, k, found;
  uint32_t seen[4096];
  uint32_t nseen;
} sq;
static void look_cb(const char *s, uint32_t n, void *ctx) {
  sq *c = ctx;
  uint64_t h = XXH3_64bits(s, n) | 1;
  for (uint64_t i = h & (scap - 1); stab[i].h; i = (i + 1) & (scap - 1)) {
    if (stab[i].h != h) continue;
    uint32_t w = stab[i].w, dup = 0;
    for (uint32_t j = 0; j < c->nseen; j++) dup |= c->seen[j] == w;
    if (dup) continue;
    if (c->nseen < 4096) c->seen[c->nseen++] = w;
    uint32_t l;
    const char *ws = fossc_ix_word_str(c->ix, dw[w], &l);
    uint32_t d = fossc_typo_distance(c->q, c->qn, ws, l, c->k);
    if (d >= 1 && d <= c->k) c->found++;
  }
}

/* ---------------------------------------------------------- (c) trigrams */
static uint32_t *tg_off, *tg_post; /* by trigram hash bucket */
#define TG_BUCKETS (1u << 20)
static uint64_t tg_bytes;
static uint32_t tg_hash(const char *s) {
  return (uint32_t)(XXH3_64bits(s, 3) & (TG_BUCKETS - 1));
}
static uint32_t grams(const char *s, uint32_t n, uint32_t *out) {
  char b[90];
  b[0] = b[1] = '$';
  memcpy(b + 2, s, n);
  b[n + 2] = b[n + 3] = '$';
  for (uint32_t i = 0; i < n + 2; i++) out[i] = tg_hash(b + i);
  return n + 2;
}
static void build_trigrams(const fossc_index *ix) {
  uint32_t g[90];
  tg_off = calloc(TG_BUCKETS + 1, sizeof *tg_off);
  for (int pass = 0; pass < 2; pass++) {
    for (uint32_t i = 0; i < ndw; i++) {
      uint32_t l;
      const char *s = fossc_ix_word_str(ix, dw[i], &l);
      if (l < 2 || l > 80) continue;
      uint32_t n = grams(s, l, g);
      for (uint32_t j = 0; j < n; j++) {
        if (pass == 0)
          tg_off[g[j] + 1]++;
        else
          tg_post[tg_off[g[j]]++] = i;
      }
    }
    if (pass == 0) {
      for (uint32_t b = 0; b < TG_BUCKETS; b++) tg_off[b + 1] += tg_off[b];
      tg_post = malloc(sizeof *tg_post * tg_off[TG_BUCKETS]);
      tg_bytes = (uint64_t)tg_off[TG_BUCKETS] * 4 + (TG_BUCKETS + 1) * 4;
    } else {
      for (uint32_t b = TG_BUCKETS; b > 0; b--) tg_off[b] = tg_off[b - 1];
      tg_off[0] = 0;
    }
  }
}
static uint16_t *acc;
static uint32_t *touched;
static uint32_t tg_query(const fossc_index *ix, const char *q, uint32_t qn,
                         uint32_t k) {
  uint32_t g[90], n = grams(q, qn, g), nt = 0, found = 0;
  for (uint32_t j = 0; j < n; j++)
    for (uint32_t p = tg_off[g[j]]; p < tg_off[g[j] + 1]; p++) {
      uint32_t w = tg_post[p];
      if (!acc[w]++) touched[nt++] = w;
    }
  /* each edit destroys at most 3 padded trigrams, a transposition 4 */
  int need = (int)n - 4 * (int)k;
  for (uint32_t t = 0; t < nt; t++) {
    uint32_t w = touched[t];
    if ((int)acc[w] >= need) {
      uint32_t l;
      const char *ws = fossc_ix_word_str(ix, dw[w], &l);
      if (l + k >= qn && qn + k >= l) {
        uint32_t d = fossc_typo_distance(q, qn, ws, l, k);
        if (d >= 1 && d <= k) found++;
      }
    }
    acc[w] = 0;
  }
  return found;
}

static long rss_kb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/* ------------------------------------------- test queries, dumps, checks */
#include <utf8proc.h>

/* Appends code point cp (or, for cp >= 0x110000, the raw byte cp - 0x110000)
** to o; returns bytes written. */
static int put_cp(uint32_t cp, char *o) {
  if (cp >= 0x110000) {
    o[0] = (char)(cp - 0x110000);
    return 1;
  }
  return (int)utf8proc_encode_char((utf8proc_int32_t)cp, (utf8proc_uint8_t *)o);
}

/* A random letter: a-z mostly, else a code point of a random non-ASCII
** dictionary word (two-byte letters as the corpus has them). */
static uint32_t rand_letter(const fossc_index *ix, const uint32_t *na,
                            uint32_t nna) {
  if (nna == 0 || rand() % 3) return (uint32_t)('a' + rand() % 26);
  uint32_t l;
  const char *s = fossc_ix_word_str(ix, dw[na[(uint32_t)rand() % nna]], &l);
  for (uint32_t i = 0; i < l;) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t n =
        utf8proc_iterate((const utf8proc_uint8_t *)s + i, l - i, &cp);
    if (n <= 0) break;
    if (cp >= 0x80) return (uint32_t)cp;
    i += (uint32_t)n;
  }
  return 'e';
}

/* Prints N test queries, one per line (never '\n' or NUL inside): a mix of
** dictionary words of every kind with 0-3 random code point edits, long
** concatenations (up to and past the 66 code point limit), random letters
** (no candidates) and random bytes (invalid UTF-8). */
static void gen(const fossc_index *ix, int n) {
  uint32_t *na = malloc(sizeof *na * ndw), nna = 0;
  for (uint32_t i = 0; i < ndw; i++) {
    uint32_t l;
    const char *s = fossc_ix_word_str(ix, dw[i], &l);
    for (uint32_t j = 0; j < l; j++)
      if ((unsigned char)s[j] >= 0x80) {
        na[nna++] = i;
        break;
      }
  }
  for (int q = 0; q < n; q++) {
    uint32_t cps[200], m = 0;
    int kind = rand() % 10, edits = rand() % 4;
    if (kind <= 6) { /* 0-3: any word; 4-6: a non-ASCII word */
      uint32_t parts = kind == 3 ? 2 + (uint32_t)(rand() % 3) : 1;
      for (uint32_t p = 0; p < parts; p++) {
        uint32_t w = kind >= 4 && nna ? na[(uint32_t)rand() % nna]
                                      : (uint32_t)rand() % ndw, l;
        const char *s = fossc_ix_word_str(ix, dw[w], &l);
        for (uint32_t i = 0; i < l && m < 150;) {
          utf8proc_int32_t cp;
          utf8proc_ssize_t k =
              utf8proc_iterate((const utf8proc_uint8_t *)s + i, l - i, &cp);
          if (k <= 0) break;
          cps[m++] = (uint32_t)cp;
          i += (uint32_t)k;
        }
      }
      if (kind == 3 && m > 60 && rand() % 2) m = 60 + (uint32_t)(rand() % 12);
    } else if (kind <= 8) { /* random letters */
      m = 4 + (uint32_t)(rand() % 14);
      for (uint32_t i = 0; i < m; i++) cps[i] = rand_letter(ix, na, nna);
      edits = 0;
    } else { /* random bytes, some of them letters */
      m = 1 + (uint32_t)(rand() % 20);
      for (uint32_t i = 0; i < m; i++) {
        uint32_t b = 1 + (uint32_t)(rand() % 255);
        if (b == '\n') b = 0xC3;
        cps[i] = rand() % 2 ? (uint32_t)('a' + rand() % 26) : 0x110000 + b;
      }
      edits = 0;
    }
    for (int e = 0; e < edits && m > 0; e++) {
      uint32_t pos = (uint32_t)rand() % m, t;
      switch (rand() % 4) {
        case 0: cps[pos] = rand_letter(ix, na, nna); break;
        case 1:
          if (m < 199) {
            memmove(cps + pos + 1, cps + pos, (m - pos) * sizeof *cps);
            cps[pos] = rand_letter(ix, na, nna);
            m++;
          }
          break;
        case 2:
          memmove(cps + pos, cps + pos + 1, (m - pos - 1) * sizeof *cps);
          m--;
          break;
        default:
          if (pos + 1 < m) t = cps[pos], cps[pos] = cps[pos + 1], cps[pos + 1] = t;
      }
    }
    char out[1000];
    int o = 0;
    for (uint32_t i = 0; i < m; i++) o += put_cp(cps[i], out + o);
    if (o == 0) out[o++] = 'x';
    fwrite(out, 1, (size_t)o, stdout);
    putchar('\n');
  }
  free(na);
}

/* Reads FILE's lines into *lines (NUL-terminated, lengths in *lens). */
static int read_lines(const char *path, char ***lines, size_t **lens) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  int n = 0, cap = 0;
  char *line = NULL;
  size_t lcap = 0;
  ssize_t r;
  *lines = NULL, *lens = NULL;
  while ((r = getline(&line, &lcap, f)) >= 0) {
    if (r > 0 && line[r - 1] == '\n') r--;
    if (n == cap) {
      cap = cap ? cap * 2 : 1024;
      *lines = realloc(*lines, sizeof **lines * (size_t)cap);
      *lens = realloc(*lens, sizeof **lens * (size_t)cap);
    }
    (*lines)[n] = malloc((size_t)r + 1);
    memcpy((*lines)[n], line, (size_t)r);
    (*lines)[n][r] = 0;
    (*lens)[n++] = (size_t)r;
  }
  free(line);
  fclose(f);
  return n;
}

static void print_cands(const char *q, size_t ql, const fossc_typo_cand *c,
                        uint32_t n) {
  fwrite(q, 1, ql, stdout);
  printf("\t%u:", n);
  for (uint32_t i = 0; i < n; i++) {
    printf(" ");
    fwrite(c[i].str, 1, c[i].len, stdout);
    printf("(w=%u,n=%u,d=%u,df=%llu,len=%u)", c[i].word, c[i].nterms,
           c[i].dist, (unsigned long long)c[i].df, c[i].len);
  }
  printf("\n");
}

static int dump(const fossc_index *ix, const char *path, uint32_t max) {
  char **ls;
  size_t *lens;
  int n = read_lines(path, &ls, &lens);
  if (n < 0) return 1;
  fossc_typo_cand *c = malloc(sizeof *c * max);
  for (int i = 0; i < n; i++)
    print_cands(ls[i], lens[i], c, fossc_typo_candidates(ix, ls[i], lens[i], c, max));
  return 0;
}

/* Candidate order (typo.h): distance, df descending, bytes. */
static int cand_cmp(const void *x, const void *y) {
  const fossc_typo_cand *a = x, *b = y;
  if (a->dist != b->dist) return a->dist < b->dist ? -1 : 1;
  if (a->df != b->df) return a->df > b->df ? -1 : 1;
  int c = memcmp(a->str, b->str, a->len < b->len ? a->len : b->len);
  if (c) return c;
  return a->len < b->len ? -1 : a->len > b->len;
}

static int has_digit(const char *s, uint32_t l) {
  for (uint32_t i = 0; i < l;) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t k =
        utf8proc_iterate((const utf8proc_uint8_t *)s + i, l - i, &cp);
    if (k <= 0) {
      i++;
      continue;
    }
    if (utf8proc_category(cp) == UTF8PROC_CATEGORY_ND) return 1;
    i += (uint32_t)k;
  }
  return 0;
}

/* Code points as typo.c counts them (an invalid byte is one). */
static uint32_t count_cps(const char *s, uint32_t l) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < l; n++) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t k =
        utf8proc_iterate((const utf8proc_uint8_t *)s + i, l - i, &cp);
    i += k > 0 ? (uint32_t)k : 1;
  }
  return n;
}

/* Every line against brute force over every distinct word: the full list
** (up to 256), every field. */
static int check(const fossc_index *ix, const char *path) {
  char **ls;
  size_t *lens;
  int n = read_lines(path, &ls, &lens);
  if (n < 0) return 1;
  uint8_t *wcps = malloc(ndw), *wdig = malloc(ndw);
  for (uint32_t x = 0; x < ndw; x++) {
    uint32_t l;
    const char *s = fossc_ix_word_str(ix, dw[x], &l);
    wcps[x] = (uint8_t)count_cps(s, l);
    wdig[x] = (uint8_t)has_digit(s, l);
  }
  enum { MAXC = 256 };
  fossc_typo_cand *want = malloc(sizeof *want * ndw), got[MAXC];
  int bad = 0, elig = 0, k1 = 0, k2 = 0, empty = 0;
  for (int i = 0; i < n; i++) {
    uint32_t k, nw = 0;
    const char *q = ls[i];
    size_t ql = lens[i];
    uint32_t ng = fossc_typo_candidates(ix, q, ql, got, MAXC);
    if (fossc_typo_eligible(q, ql, &k)) {
      elig++, k == 1 ? k1++ : k2++;
      uint32_t m = count_cps(q, (uint32_t)ql);
      for (uint32_t x = 0; x < ndw; x++) {
        if (wdig[x] || wcps[x] + k < m || m + k < wcps[x]) continue;
        uint32_t l;
        const char *s = fossc_ix_word_str(ix, dw[x], &l);
        uint32_t d = fossc_typo_distance(q, ql, s, l, k);
        if (d < 1 || d > k) continue;
        fossc_typo_cand *c = &want[nw++];
        c->word = dw[x], c->str = s, c->len = l, c->dist = d;
        c->nterms = 0, c->df = 0;
        uint32_t end = x + 1 < ndw ? dw[x + 1] : ix->nwords;
        for (uint32_t e = dw[x]; e < end; e++) {
          c->df += fossc_ix_term_df(ix, fossc_ix_word_term(ix, e));
          c->nterms++;
        }
      }
      qsort(want, nw, sizeof *want, cand_cmp);
      if (nw > MAXC) nw = MAXC;
    }
    if (nw == 0) empty++;
    int ok = ng == nw;
    for (uint32_t j = 0; ok && j < nw; j++)
      ok = got[j].word == want[j].word && got[j].nterms == want[j].nterms &&
           got[j].str == want[j].str && got[j].len == want[j].len &&
           got[j].dist == want[j].dist && got[j].df == want[j].df;
    if (!ok) {
      bad++;
      printf("MISMATCH got ");
      print_cands(q, ql, got, ng);
      printf("        want ");
      print_cands(q, ql, want, nw);
    }
  }
  printf("check: %d lines, %d eligible (k=1 %d, k=2 %d), %d with no "
         "candidate, %d mismatches\n", n, elig, k1, k2, empty, bad);
  return bad != 0;
}

/* One call per line, each bracketed for callgrind; prints k per line. */
static int icount(const fossc_index *ix, const char *path) {
  char **ls;
  size_t *lens;
  int n = read_lines(path, &ls, &lens);
  if (n < 0) return 1;
  fossc_typo_cand c[16];
  /* The first distance-2 call builds the suffix order: timed apart. */
  double t0 = now_us();
  fossc_typo_candidates(ix, "warmupword", 10, c, 16);
  fprintf(stderr, "first distance-2 call: %.0f us\n", now_us() - t0);
  for (int i = 0; i < n; i++) {
    uint32_t k = 0;
    fossc_typo_eligible(ls[i], lens[i], &k);
    CALLGRIND_ZERO_STATS;
    fossc_typo_candidates(ix, ls[i], lens[i], c, 16);
    CALLGRIND_DUMP_STATS;
    printf("%u\n", k);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  fossc_index *ix;
  fossc_error err = {0};
  if (fossc_index_open(argv[2], &ix, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  if (!strcmp(argv[1], "cands")) {
    for (int a = 3; a < argc; a++) {
      fossc_buf p = FOSSC_BUF_INIT;
      fossc_fold_plain(argv[a], strlen(argv[a]), &p);
      fossc_typo_cand c[10];
      double t0 = now_us();
      uint32_t n = fossc_typo_candidates(ix, p.data, p.len, c, 10);
      double t1 = now_us();
      printf("%s (plain %s, %.0fus):", argv[a], p.data, t1 - t0);
      for (uint32_t i = 0; i < n; i++)
        printf(" %.*s(d=%u,df=%llu,terms=%u)", (int)c[i].len, c[i].str,
               c[i].dist, (unsigned long long)c[i].df, c[i].nterms);
      printf("\n");
      fossc_buf_free(&p);
    }
    return 0;
  }
  int n = argc > 3 ? atoi(argv[3]) : 2000;
  srand(argc > 4 ? (unsigned)atoi(argv[4]) : 1);
  distinct_words(ix);
  if (!strcmp(argv[1], "gen")) {
    gen(ix, n);
    return 0;
  }
  if (argc > 3 && !strcmp(argv[1], "dump"))
    return dump(ix, argv[3], argc > 4 ? (uint32_t)atoi(argv[4]) : 16);
  if (argc > 3 && !strcmp(argv[1], "check")) return check(ix, argv[3]);
  if (argc > 3 && !strcmp(argv[1], "icount")) return icount(ix, argv[3]);
  printf("WORDS entries %u, distinct words %u, index file %s\n", ix->nwords,
         ndw, fossc_index_path(ix));
  /* sample: ASCII-letter dictionary words of 4+ letters, then one random
  ** edit (substitute, insert, delete, transpose) */
  char (*qs)[80] = malloc((size_t)n * 80);
  int nq = 0, tries = 0;
  while (nq < n && tries++ < n * 1000) {
    uint32_t w = dw[(uint32_t)rand() % ndw], l;
    const char *s = fossc_ix_word_str(ix, w, &l);
    if (l < 4 || l > 20) continue;
    int ok = 1;
    for (uint32_t i = 0; i < l; i++) ok &= s[i] >= 'a' && s[i] <= 'z';
    if (!ok) continue;
    /* half the queries long (distance 2), half short (distance 1) */
    if ((nq % 2 == 0) != (l >= 8)) continue;
    char *q = qs[nq];
    memcpy(q, s, l);
    q[l] = 0;
    uint32_t pos = (uint32_t)rand() % l;
    char c = (char)('a' + rand() % 26);
    switch (rand() % 4) {
      case 0: q[pos] = c; break;
      case 1: memmove(q + pos + 1, q + pos, l - pos + 1); q[pos] = c; break;
      case 2: memmove(q + pos, q + pos + 1, l - pos); break;
      default:
        if (pos + 1 < l) { char t = q[pos]; q[pos] = q[pos + 1]; q[pos + 1] = t; }
    }
    if (strlen(q) < 4) continue;
    nq++;
  }
  if (argc > 5 && !strcmp(argv[5], "print")) { /* the sample, for dump/check */
    for (int i = 0; i < nq; i++) printf("%s\n", qs[i]);
    return 0;
  }
  if (argc > 5 && !strcmp(argv[5], "verify")) {
    /* brute force over every distinct word, digits excluded */
    int bad = 0;
    for (int i = 0; i < nq; i++) {
      uint32_t k, want = 0;
      size_t ql = strlen(qs[i]);
      if (!fossc_typo_eligible(qs[i], ql, &k)) continue;
      for (uint32_t x = 0; x < ndw; x++) {
        uint32_t l;
        const char *s = fossc_ix_word_str(ix, dw[x], &l);
        int dig = 0;
        for (uint32_t y = 0; y < l; y++) dig |= s[y] >= '0' && s[y] <= '9';
        if (dig) continue;
        uint32_t d = fossc_typo_distance(qs[i], ql, s, l, k);
        want += d >= 1 && d <= k;
      }
      fossc_typo_cand cc[256];
      uint32_t got = fossc_typo_candidates(ix, qs[i], ql, cc, 256);
      if (got != want) { bad++; printf("MISMATCH %s got %u want %u\n", qs[i], got, want); }
    }
    printf("verify: %d queries, %d mismatches\n", nq, bad);
    return 0;
  }
  double *t1 = malloc(sizeof(double) * nq), *t2 = malloc(sizeof(double) * nq);
  int n1 = 0, n2 = 0;
  double c1 = 0, c2 = 0;
  fossc_typo_cand c[16];
  long rss0 = rss_kb();
  for (int pass = 0; pass < 2; pass++) /* pass 0 warms the page cache */
    for (int i = 0; i < nq; i++) {
      uint32_t k;
      size_t ql = strlen(qs[i]);
      fossc_typo_eligible(qs[i], ql, &k);
      double a = now_us();
      uint32_t m = fossc_typo_candidates(ix, qs[i], ql, c, 16);
      double b = now_us();
      if (pass == 0) continue;
      if (k == 1) t1[n1++] = b - a, c1 += m;
      else t2[n2++] = b - a, c2 += m;
    }
  printf("(a) trie walk over WORDS: extra memory 0 (RSS grew %ld KB: mapped pages touched)\n",
         rss_kb() - rss0);
  report("(a) k=1 (4-7 letters)", t1, n1, c1 / n1);
  report("(a) k=2 (8+ letters)", t2, n2, c2 / n2);

  if (argc > 5 && !strcmp(argv[5], "all")) {
    double a = now_us();
    build_symspell(ix);
    double b = now_us();
    printf("(b) SymSpell: %llu deletion entries, ~%.1f MB packed (12 B/entry at 0.8 load), build %.2fs\n",
           (unsigned long long)scount, sym_bytes / 1e6, (b - a) / 1e6);
    n1 = n2 = 0, c1 = c2 = 0;
    for (int i = 0; i < nq; i++) {
      uint32_t k;
      size_t ql = strlen(qs[i]);
      fossc_typo_eligible(qs[i], ql, &k);
      sq ctx = {ix, qs[i], (uint32_t)ql, k, 0, {0}, 0};
      a = now_us();
      deletes(qs[i], (uint32_t)ql, k, look_cb, &ctx);
      b = now_us();
      if (k == 1) t1[n1++] = b - a, c1 += ctx.found;
      else t2[n2++] = b - a, c2 += ctx.found;
    }
    report("(b) k=1", t1, n1, c1 / n1);
    report("(b) k=2", t2, n2, c2 / n2);
    free(stab);

    a = now_us();
    build_trigrams(ix);
    b = now_us();
    acc = calloc(ndw, sizeof *acc);
    touched = malloc(sizeof *touched * ndw);
    printf("(c) trigrams: %.1f MB (4 B/posting + bucket offsets), build %.2fs\n",
           tg_bytes / 1e6, (b - a) / 1e6);
    n1 = n2 = 0, c1 = c2 = 0;
    for (int i = 0; i < nq; i++) {
      uint32_t k;
      size_t ql = strlen(qs[i]);
      fossc_typo_eligible(qs[i], ql, &k);
      a = now_us();
      uint32_t f = tg_query(ix, qs[i], (uint32_t)ql, k);
      b = now_us();
      if (k == 1) t1[n1++] = b - a, c1 += f;
      else t2[n2++] = b - a, c2 += f;
    }
    report("(c) k=1", t1, n1, c1 / n1);
    report("(c) k=2", t2, n2, c2 / n2);
  }
  fossc_index_free(ix);
  return 0;
}
