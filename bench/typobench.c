/* typobench: typo candidate latency (docs/typo.md), approach (a) trie walk of WORDS
** (libfossc/typo.c) vs (b) SymSpell deletion index vs (c) trigram index.
**   bench cands DIR word...       print candidates
**   bench bench DIR N [seed]      N typo'd dictionary words, p50/p99/max
** Build: make build/bench/typobench (make bench builds it too). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <xxhash.h>

#include "reader.h"
#include "typo.h"

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
