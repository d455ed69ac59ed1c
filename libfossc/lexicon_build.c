/*
** Translation lexicon builder, from lt-print listings (see lexicon.h,
** docs/translation.md; lexicon_apertium.c runs lt-print):
**
**     AT&T text: "from to in out weight" arcs, "state weight" finals,
**        "--" between the transducer's sections
**     -> paths from state 0 to a final state (bounded DFS, cycles skipped)
**        spell "acero<n><m>" : "steel<n>"
**     -> lemma pairs of content words, both directions from each file
**     -> index terms through the indexer's analyzer -> weighted entries
**     -> sorted, deduplicated blob.
*/
#include "lexicon_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* States and arcs of one section: the dictionaries have ~100k of each;
** the caps bound memory on a broken or hostile file. */
#define MAX_STATES (4u << 20)
/* Distinct arc symbols (letters of both languages plus tags: ~400). */
#define MAX_SYMBOLS 8192
/* Arcs on one path: a lemma pair of at most MAX_LEMMA_BYTES per side plus
** its tags needs fewer; longer paths are idioms or sentences. */
#define MAX_DEPTH 320
/* Bytes of a lemma (one side). Longer entries are sentences, not terms. */
#define MAX_LEMMA_BYTES 120
/* Words of a multi-word lemma. Longer ones ("consejería de turismo, medio
** ambiente...") are names of institutions, never typed as queries. */
#define MAX_LEMMA_WORDS 4
/* Enumeration budgets per section: each dictionary has ~92k paths and the
** DFS takes a few million steps; these stop a cyclic or exploding section
** (the small regex sections of autobil files) in well under a second. */
#define MAX_PATHS 2000000u
#define MAX_STEPS 40000000u
/* Weight of a pair found only in the reverse dictionary (boat -> barco
** read backwards as barco -> boat): a valid translation, but not the one
** the dictionary chose for this direction. */
#define REVERSE_WEIGHT 0.6

/* ------------------------------------------------------ transducer text */

enum { SYM_EPS, SYM_TAG, SYM_LETTER, SYM_SEP, SYM_BAD };

typedef struct sym {
  uint32_t off, len; /* in the symbol arena */
  uint8_t kind;
  uint8_t content; /* a tag naming an open-class part of speech */
} sym;

typedef struct arc {
  uint32_t to, in, out;
} arc;

typedef struct lemma_pair {
  uint32_t src_off, tgt_off; /* in builder.lemmas */
  uint8_t src_len, tgt_len;
  uint8_t src_lang;
  uint8_t fwd; /* found in the src -> tgt dictionary itself */
} lemma_pair;

typedef struct entry {
  uint32_t key_off, val_off; /* in builder.strs */
  uint8_t key_len, val_len;
  uint8_t lang; /* of the key */
  uint8_t kept; /* the index has the value's terms */
  float raw;
} entry;

typedef struct builder {
  fossc_analyzer *a;
  fossc_lexicon_keep_fn keep;
  void *keep_ctx;
  fossc_lexicon_info *info;
  fossc_error *err;
  /* symbols of the current file */
  fossc_buf sym_arena;
  sym syms[MAX_SYMBOLS];
  uint32_t nsyms;
  int32_t sym_slot[2 * MAX_SYMBOLS]; /* open addressing, -1 free */
  /* lemma pairs of both files */
  fossc_buf lemmas;
  lemma_pair *pairs;
  size_t npairs, cap_pairs;
  /* entries */
  fossc_buf strs;
  entry *ents;
  size_t nents, cap_ents;
  fossc_buf t1, t2; /* scratch terms */
} builder;

/* Parts of speech whose translations help retrieval: nouns, proper nouns,
** adjectives, adverbs, lexical verbs, acronyms. Function words (determiners,
** prepositions, pronouns, conjunctions) translate into stop words. */
static int content_tag(const char *s, size_t n) {
  static const char *const tags[] = {"<n>", "<np>", "<adj>", "<adv>", "<vblex>", "<acr>"};
  for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
    if (strlen(tags[i]) == n && memcmp(tags[i], s, n) == 0) return 1;
  return 0;
}

static uint8_t classify_symbol(const char *s, size_t n) {
  if (n == 2 && memcmp(s, "\xCE\xB5", 2) == 0) return SYM_EPS; /* ε */
  if (n >= 3 && s[0] == '<' && s[n - 1] == '>') return SYM_TAG;
  if (n == 1 && (s[0] == ' ' || s[0] == '#' || s[0] == '-' || s[0] == '\''))
    return SYM_SEP;
  utf8proc_int32_t cp;
  utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &cp);
  if (k <= 0 || (size_t)k != n) return SYM_BAD;
  if (cp == 0x2019) return SYM_SEP; /* ’ inside a word, as the analyzer */
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
      return SYM_LETTER;
    default:
      return SYM_BAD;
  }
}

static uint32_t hash_bytes(const char *s, size_t n) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
  return h;
}

/* Returns the symbol id of s[0..n), interning it; UINT32_MAX on overflow. */
static uint32_t intern(builder *b, const char *s, size_t n) {
  uint32_t mask = 2 * MAX_SYMBOLS - 1;
  for (uint32_t h = hash_bytes(s, n) & mask;; h = (h + 1) & mask) {
    int32_t id = b->sym_slot[h];
    if (id < 0) {
      if (b->nsyms >= MAX_SYMBOLS || n > 255) return UINT32_MAX;
      sym *y = &b->syms[b->nsyms];
      y->off = (uint32_t)b->sym_arena.len;
      y->len = (uint32_t)n;
      y->kind = classify_symbol(s, n);
      y->content = y->kind == SYM_TAG && content_tag(s, n);
      fossc_buf_append(&b->sym_arena, s, n);
      if (b->sym_arena.oom) return UINT32_MAX;
      b->sym_slot[h] = (int32_t)b->nsyms;
      return b->nsyms++;
    }
    const sym *y = &b->syms[id];
    /* n == 0: the arena may still be empty (data NULL) */
    if (y->len == n && (n == 0 || memcmp(b->sym_arena.data + y->off, s, n) == 0))
      return (uint32_t)id;
  }
}

/* Parses a decimal state number; returns -1 on anything else. */
static long parse_state(const char *s, size_t n) {
  if (n == 0 || n > 9) return -1;
  long v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

static int add_pair(builder *b, fossc_lang src, const char *s, size_t sn,
                    const char *t, size_t tn, int fwd) {
  if (b->npairs == b->cap_pairs) {
    size_t cap = b->cap_pairs ? 2 * b->cap_pairs : 65536;
    lemma_pair *np = fossc_realloc(b->pairs, cap * sizeof *np);
    if (!np) return FOSSC_ERR_NOMEM;
    b->pairs = np;
    b->cap_pairs = cap;
  }
  lemma_pair *p = &b->pairs[b->npairs++];
  p->src_off = (uint32_t)b->lemmas.len;
  fossc_buf_append(&b->lemmas, s, sn);
  p->tgt_off = (uint32_t)b->lemmas.len;
  fossc_buf_append(&b->lemmas, t, tn);
  p->src_len = (uint8_t)sn;
  p->tgt_len = (uint8_t)tn;
  p->src_lang = (uint8_t)src;
  p->fwd = (uint8_t)fwd;
  if (b->lemmas.oom || b->lemmas.len > UINT32_MAX - 2 * MAX_LEMMA_BYTES) return FOSSC_ERR_NOMEM;
  return FOSSC_OK;
}

/* One DFS frame: the state reached and what the path spells so far. */
typedef struct frame {
  uint32_t state, next_arc;
  uint32_t in_sym, out_sym; /* the arc that led here */
  uint16_t in_bytes, out_bytes; /* lemma bytes so far */
  uint8_t in_tag, out_tag;      /* 0 none yet, 1 content POS, 2 other */
} frame;

/* Appends the lemma spelt by one side of the path (symbols before the first
** tag) to *dst. */
static void spell(const builder *b, const frame *st, int depth, int out_side,
                  fossc_buf *dst) {
  fossc_buf_reset(dst);
  for (int d = 1; d <= depth; d++) {
    const sym *y = &b->syms[out_side ? st[d].out_sym : st[d].in_sym];
    if (y->kind == SYM_TAG) break;
    if (y->kind == SYM_LETTER || y->kind == SYM_SEP)
      fossc_buf_append(dst, b->sym_arena.data + y->off, y->len);
  }
}

/* Applies one side's symbol to a frame's side state; returns 0 to prune. */
static int step_side(const sym *y, uint16_t *bytes, uint8_t *tag) {
  switch (y->kind) {
    case SYM_EPS:
      return 1;
    case SYM_TAG:
      if (*tag == 0) {
        if (*bytes == 0) return 0; /* a tag with no lemma */
        *tag = y->content ? 1 : 2;
      }
      return 1;
    case SYM_LETTER:
    case SYM_SEP:
      if (*tag || *bytes + y->len > MAX_LEMMA_BYTES) return 0;
      *bytes = (uint16_t)(*bytes + y->len);
      return 1;
    default:
      return 0;
  }
}

/* Enumerates one section's paths and records its content lemma pairs. */
static int enumerate(builder *b, const uint32_t *first, const arc *arcs,
                     const uint8_t *final, uint8_t *on_path, uint32_t nstates,
                     fossc_lang in_lang) {
  fossc_lang out_lang = in_lang == FOSSC_LANG_ES ? FOSSC_LANG_EN : FOSSC_LANG_ES;
  frame *st = fossc_malloc((MAX_DEPTH + 1) * sizeof *st);
  if (!st) return FOSSC_ERR_NOMEM;
  int rc = FOSSC_OK, d = 0;
  uint64_t steps = 0, paths = 0;
  memset(&st[0], 0, sizeof st[0]);
  st[0].next_arc = first[0];
  on_path[0] = 1;
  while (d >= 0 && rc == FOSSC_OK) {
    frame *f = &st[d];
    if (f->next_arc >= first[f->state + 1] || d >= MAX_DEPTH) {
      on_path[f->state] = 0;
      d--;
      continue;
    }
    const arc *e = &arcs[f->next_arc++];
    if (++steps > MAX_STEPS) {
      b->info->truncated = 1;
      break;
    }
    if (e->to >= nstates || on_path[e->to]) continue; /* cycle */
    frame nf = *f;
    nf.state = e->to;
    nf.next_arc = first[e->to];
    nf.in_sym = e->in;
    nf.out_sym = e->out;
    if (!step_side(&b->syms[e->in], &nf.in_bytes, &nf.in_tag) ||
        !step_side(&b->syms[e->out], &nf.out_bytes, &nf.out_tag))
      continue;
    st[++d] = nf;
    on_path[nf.state] = 1;
    if (final[nf.state] && nf.in_tag == 1 && nf.out_tag == 1) {
      if (++paths > MAX_PATHS) {
        b->info->truncated = 1;
        break;
      }
      spell(b, st, d, 0, &b->t1);
      spell(b, st, d, 1, &b->t2);
      if (b->t1.oom || b->t2.oom) {
        rc = FOSSC_ERR_NOMEM;
        break;
      }
      rc = add_pair(b, in_lang, b->t1.data, b->t1.len, b->t2.data, b->t2.len, 1);
      if (!rc) rc = add_pair(b, out_lang, b->t2.data, b->t2.len, b->t1.data, b->t1.len, 0);
    }
  }
  for (; d >= 0; d--) on_path[st[d].state] = 0;
  fossc_free(st);
  return rc;
}

static int push_arc(arc **arcs, uint32_t **from, size_t *n, size_t *cap,
                    uint32_t f, arc e) {
  if (*n == *cap) {
    size_t c = *cap ? 2 * *cap : 65536;
    arc *na = fossc_realloc(*arcs, c * sizeof *na);
    if (!na) return FOSSC_ERR_NOMEM;
    *arcs = na;
    uint32_t *nf = fossc_realloc(*from, c * sizeof *nf);
    if (!nf) return FOSSC_ERR_NOMEM;
    *from = nf;
    *cap = c;
  }
  (*arcs)[*n] = e;
  (*from)[(*n)++] = f;
  return FOSSC_OK;
}

/* Parses one lt-print listing and enumerates each of its sections. */
static int read_listing(builder *b, const char *text, size_t len, fossc_lang in_lang,
                        const char *name) {
  b->nsyms = 0;
  fossc_buf_reset(&b->sym_arena);
  memset(b->sym_slot, 0xff, sizeof b->sym_slot);
  arc *arcs = NULL;
  uint32_t *from = NULL, *first = NULL;
  uint8_t *final = NULL, *on_path = NULL;
  size_t narcs = 0, cap = 0;
  uint32_t nstates = 0;
  int rc = FOSSC_OK;
  size_t pos = 0, line_no = 0;
  while (rc == FOSSC_OK && pos <= len) {
    size_t end = pos;
    while (end < len && text[end] != '\n') end++;
    const char *line = text + pos;
    size_t ll = end - pos;
    line_no++;
    int dash = ll == 2 && line[0] == '-' && line[1] == '-';
    if (!dash && ll > 0) {
      const char *fld[6];
      size_t fl[6];
      int nf = 0;
      size_t s = 0;
      for (size_t i = 0; i <= ll && nf < 6; i++)
        if (i == ll || line[i] == '\t') {
          fld[nf] = line + s;
          fl[nf++] = i - s;
          s = i + 1;
        }
      if (nf >= 4) {
        long f = parse_state(fld[0], fl[0]), t = parse_state(fld[1], fl[1]);
        uint32_t in = intern(b, fld[2], fl[2]), out = intern(b, fld[3], fl[3]);
        if (f < 0 || t < 0 || (uint32_t)f >= MAX_STATES || (uint32_t)t >= MAX_STATES) {
          rc = fossc_error_set(b->err, FOSSC_ERR_INPUT, "%s: line %zu: bad state", name, line_no);
        } else if (in == UINT32_MAX || out == UINT32_MAX) {
          rc = fossc_error_set(b->err, FOSSC_ERR_LIMIT, "%s: line %zu: too many symbols", name, line_no);
        } else {
          rc = push_arc(&arcs, &from, &narcs, &cap, (uint32_t)f, (arc){(uint32_t)t, in, out});
          if ((uint32_t)f >= nstates) nstates = (uint32_t)f + 1;
          if ((uint32_t)t >= nstates) nstates = (uint32_t)t + 1;
        }
      } else if (nf == 3) {
        rc = fossc_error_set(b->err, FOSSC_ERR_INPUT, "%s: line %zu: 3 fields", name, line_no);
      } else {
        long f = parse_state(fld[0], fl[0]);
        if (f < 0 || (uint32_t)f >= MAX_STATES)
          rc = fossc_error_set(b->err, FOSSC_ERR_INPUT, "%s: line %zu: bad final state", name, line_no);
        else {
          /* A final state is kept as an arc to nowhere until the section
          ** ends (the state count is not known before). */
          rc = push_arc(&arcs, &from, &narcs, &cap, (uint32_t)f,
                        (arc){UINT32_MAX, UINT32_MAX, UINT32_MAX});
          if ((uint32_t)f >= nstates) nstates = (uint32_t)f + 1;
        }
      }
    }
    if (rc == FOSSC_OK && (dash || end >= len) && narcs > 0) {
      /* Section complete: build the arc lists per state (stable counting
      ** sort, so enumeration order follows the file) and enumerate. */
      first = fossc_calloc((size_t)nstates + 1, sizeof *first);
      final = fossc_calloc(nstates, 1);
      on_path = fossc_calloc(nstates, 1);
      arc *sorted = fossc_malloc(narcs * sizeof *sorted);
      uint32_t *fill = fossc_calloc((size_t)nstates + 1, sizeof *fill);
      if (!first || !final || !on_path || !sorted || !fill) {
        rc = FOSSC_ERR_NOMEM;
      } else {
        for (size_t i = 0; i < narcs; i++) {
          if (arcs[i].to == UINT32_MAX) final[from[i]] = 1;
          else first[from[i] + 1]++;
        }
        for (uint32_t s = 0; s < nstates; s++) first[s + 1] += first[s];
        memcpy(fill, first, ((size_t)nstates + 1) * sizeof *fill);
        for (size_t i = 0; i < narcs; i++)
          if (arcs[i].to != UINT32_MAX) sorted[fill[from[i]]++] = arcs[i];
        rc = enumerate(b, first, sorted, final, on_path, nstates, in_lang);
      }
      fossc_free(first);
      fossc_free(final);
      fossc_free(on_path);
      fossc_free(sorted);
      fossc_free(fill);
      first = NULL;
      final = on_path = NULL;
      narcs = 0;
      nstates = 0;
    }
    pos = end + 1;
  }
  fossc_free(arcs);
  fossc_free(from);
  if (rc == FOSSC_ERR_NOMEM) fossc_error_set(b->err, rc, "%s: out of memory", name);
  return rc;
}

/* ------------------------------------------------ lemmas -> index terms */

/* The words of one lemma as the analyzer splits them. */
typedef struct lemma_words {
  uint32_t n;
  int bad; /* a number, or too many words */
  char surface[MAX_LEMMA_WORDS][FOSSC_MAX_WORD_BYTES + 1];
  char plain[MAX_LEMMA_WORDS][FOSSC_MAX_WORD_BYTES + 1];
} lemma_words;

static int collect_word(void *ctx, const fossc_token *tok) {
  lemma_words *w = ctx;
  if (tok->numeric || w->n == MAX_LEMMA_WORDS) {
    w->bad = 1;
    return 1;
  }
  memcpy(w->surface[w->n], tok->surface, tok->surface_len + 1);
  memcpy(w->plain[w->n], tok->plain, tok->plain_len + 1);
  w->n++;
  return 0;
}

/* Splits a lemma into words exactly as the indexer splits text. Returns
** FOSSC_OK (w->n == 0 or w->bad when unusable) or FOSSC_ERR_NOMEM. */
static int lemma_split(builder *b, fossc_lang lang, const char *s, size_t n,
                       lemma_words *w) {
  w->n = 0;
  w->bad = 0;
  int rc = fossc_analyze(b->a, s, n, lang, 0, collect_word, w);
  if (rc == 1 && w->bad) return FOSSC_OK;
  return rc;
}

/* Writes into *dst the index terms of the lemma's words (surface or plain
** forms) joined by single spaces; *kept tells whether keep() accepted every
** term (kept may be NULL: not asked). Returns 0, 1 when unusable (an empty
** term, too long), or FOSSC_ERR_NOMEM as a negative value. */
static int join_terms(builder *b, fossc_lang lang, const lemma_words *w,
                      int plain, fossc_buf *dst, int *kept) {
  fossc_buf_reset(dst);
  if (kept) *kept = 1;
  for (uint32_t i = 0; i < w->n; i++) {
    const char *word = plain ? w->plain[i] : w->surface[i];
    if (fossc_analyzer_term(b->a, lang, word, strlen(word), &b->t1) != FOSSC_OK)
      return -FOSSC_ERR_NOMEM;
    if (b->t1.len == 0) return 1;
    if (kept && *kept && b->keep && !b->keep(b->keep_ctx, lang, b->t1.data, b->t1.len))
      *kept = 0;
    if (i) fossc_buf_putc(dst, ' ');
    fossc_buf_append(dst, b->t1.data, b->t1.len);
  }
  if (dst->oom) return -FOSSC_ERR_NOMEM;
  return dst->len == 0 || dst->len > FOSSC_LEXICON_MAX_STRING;
}

static int add_entry(builder *b, fossc_lang lang, const fossc_buf *key,
                     const fossc_buf *val, int kept, float raw) {
  if (b->nents == b->cap_ents) {
    size_t cap = b->cap_ents ? 2 * b->cap_ents : 65536;
    entry *ne = fossc_realloc(b->ents, cap * sizeof *ne);
    if (!ne) return FOSSC_ERR_NOMEM;
    b->ents = ne;
    b->cap_ents = cap;
  }
  entry *e = &b->ents[b->nents++];
  e->key_off = (uint32_t)b->strs.len;
  fossc_buf_append(&b->strs, key->data, key->len);
  e->val_off = (uint32_t)b->strs.len;
  fossc_buf_append(&b->strs, val->data, val->len);
  e->key_len = (uint8_t)key->len;
  e->val_len = (uint8_t)val->len;
  e->lang = (uint8_t)lang;
  e->kept = (uint8_t)kept;
  e->raw = raw;
  if (b->strs.oom || b->strs.len > UINT32_MAX - 2 * FOSSC_LEXICON_MAX_STRING)
    return FOSSC_ERR_NOMEM;
  return FOSSC_OK;
}

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn) {
  int c = memcmp(a, b, an < bn ? an : bn);
  if (c) return c;
  return an < bn ? -1 : an > bn;
}

static int cmp_pair(const void *x, const void *y, void *ctx) {
  const lemma_pair *p = x, *q = y;
  const char *base = ctx;
  if (p->src_lang != q->src_lang) return p->src_lang < q->src_lang ? -1 : 1;
  int c = cmp_bytes(base + p->src_off, p->src_len, base + q->src_off, q->src_len);
  if (!c) c = cmp_bytes(base + p->tgt_off, p->tgt_len, base + q->tgt_off, q->tgt_len);
  if (!c) c = (int)q->fwd - (int)p->fwd; /* forward first: it wins the merge */
  return c;
}

/* Turns the distinct lemma pairs into (key, value) entries. */
static int pairs_to_entries(builder *b) {
  const char *base = b->lemmas.data;
  if (b->npairs) qsort_r(b->pairs, b->npairs, sizeof *b->pairs, cmp_pair, (void *)base);
  lemma_words *sw = fossc_malloc(sizeof *sw), *tw = fossc_malloc(sizeof *tw);
  fossc_buf key = FOSSC_BUF_INIT, key2 = FOSSC_BUF_INIT, val = FOSSC_BUF_INIT;
  fossc_buf ps = FOSSC_BUF_INIT, pt = FOSSC_BUF_INIT;
  int rc = (sw && tw) ? FOSSC_OK : FOSSC_ERR_NOMEM;
  for (size_t i = 0; i < b->npairs && rc == FOSSC_OK; i++) {
    const lemma_pair *p = &b->pairs[i];
    const lemma_pair *q = i ? &b->pairs[i - 1] : NULL;
    if (q && q->src_lang == p->src_lang &&
        cmp_bytes(base + q->src_off, q->src_len, base + p->src_off, p->src_len) == 0 &&
        cmp_bytes(base + q->tgt_off, q->tgt_len, base + p->tgt_off, p->tgt_len) == 0)
      continue; /* same lemma pair; the forward copy sorts first */
    fossc_lang sl = (fossc_lang)p->src_lang;
    fossc_lang tl = sl == FOSSC_LANG_ES ? FOSSC_LANG_EN : FOSSC_LANG_ES;
    if ((rc = lemma_split(b, sl, base + p->src_off, p->src_len, sw))) break;
    if ((rc = lemma_split(b, tl, base + p->tgt_off, p->tgt_len, tw))) break;
    if (sw->bad || tw->bad || sw->n == 0 || tw->n == 0) continue;
    /* Identical spellings (most proper nouns) need no translation: the
    ** query's own form already matches them in both languages. */
    fossc_buf_reset(&ps);
    fossc_buf_reset(&pt);
    for (uint32_t k = 0; k < sw->n; k++) {
      if (k) fossc_buf_putc(&ps, ' ');
      fossc_buf_puts(&ps, sw->plain[k]);
    }
    for (uint32_t k = 0; k < tw->n; k++) {
      if (k) fossc_buf_putc(&pt, ' ');
      fossc_buf_puts(&pt, tw->plain[k]);
    }
    if (ps.oom || pt.oom) {
      rc = FOSSC_ERR_NOMEM;
      break;
    }
    int ident = cmp_bytes(ps.data, ps.len, pt.data, pt.len) == 0;
    if (ps.len < 2 || (ident && sw->n > 1)) continue;
    int kept, r;
    if ((r = join_terms(b, tl, tw, 0, &val, &kept)) != 0) {
      if (r < 0) rc = -r;
      continue;
    }
    float raw = p->fwd ? 1.0f : (float)REVERSE_WEIGHT;
    b->info->lemma_pairs[sl]++;
    if (!ident) {
      if ((r = join_terms(b, sl, sw, 0, &key, NULL)) != 0 ||
          (r = join_terms(b, sl, sw, 1, &key2, NULL)) != 0) {
        if (r < 0) rc = -r;
        continue;
      }
      rc = add_entry(b, sl, &key, &val, kept, raw);
      if (!rc && cmp_bytes(key.data, key.len, key2.data, key2.len) != 0)
        rc = add_entry(b, sl, &key2, &val, kept, raw);
    }
    if (!rc && sw->n == 1 && ps.len < FOSSC_LEXICON_MAX_STRING) {
      /* Exact-word key: "=" + plain lemma. Identical spellings are kept
      ** here, so that a word known to translate to itself ("solar") is not
      ** sent on to the ambiguous stem key ("sol": sun, alone, ...). */
      fossc_buf_reset(&key);
      fossc_buf_putc(&key, FOSSC_LEXICON_EXACT_PREFIX);
      fossc_buf_append(&key, ps.data, ps.len);
      rc = key.oom ? FOSSC_ERR_NOMEM : add_entry(b, sl, &key, &val, kept, raw);
    }
  }
  fossc_free(sw);
  fossc_free(tw);
  fossc_buf_free(&key);
  fossc_buf_free(&key2);
  fossc_buf_free(&val);
  fossc_buf_free(&ps);
  fossc_buf_free(&pt);
  return rc;
}

/* ------------------------------------------------------------ the blob */

static int cmp_entry(const void *x, const void *y, void *ctx) {
  const entry *p = x, *q = y;
  const char *base = ctx;
  if (p->lang != q->lang) return p->lang < q->lang ? -1 : 1;
  int c = cmp_bytes(base + p->key_off, p->key_len, base + q->key_off, q->key_len);
  if (!c) c = cmp_bytes(base + p->val_off, p->val_len, base + q->val_off, q->val_len);
  if (!c && p->raw != q->raw) c = p->raw > q->raw ? -1 : 1;
  return c;
}

typedef struct out_key {
  uint32_t str, len; /* in builder.strs */
  uint32_t first, count;
  uint8_t lang;
} out_key;

typedef struct out_target {
  uint32_t str, len;
  uint16_t q;
} out_target;

typedef struct str_ref {
  uint32_t off, len;
} str_ref;

static int cmp_ref(const void *x, const void *y, void *ctx) {
  const str_ref *p = x, *q = y;
  const char *base = ctx;
  return cmp_bytes(base + p->off, p->len, base + q->off, q->len);
}

/* Pool offset of strs[off..off+len) in the sorted unique table. */
static uint32_t pool_off(const str_ref *u, const uint32_t *at, size_t n,
                         const char *base, uint32_t off, uint32_t len) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = cmp_bytes(base + u[mid].off, u[mid].len, base + off, len);
    if (c == 0) return at[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return UINT32_MAX; /* unreachable: every string was added */
}

static int has_space(const char *s, size_t n) { return memchr(s, ' ', n) != NULL; }

/* Groups sorted entries by key, weights and filters their targets, and
** serialises the blob into *out. */
static int serialise(builder *b, const char *sources, fossc_buf *out) {
  const char *base = b->strs.data;
  if (b->nents) qsort_r(b->ents, b->nents, sizeof *b->ents, cmp_entry, (void *)base);
  out_key *keys = fossc_malloc((b->nents + 1) * sizeof *keys);
  out_target *tg = fossc_malloc((b->nents + 1) * sizeof *tg);
  str_ref *refs = fossc_malloc((2 * b->nents + 1) * sizeof *refs);
  uint32_t *at = fossc_malloc((2 * b->nents + 1) * sizeof *at);
  int rc = (keys && tg && refs && at) ? FOSSC_OK : FOSSC_ERR_NOMEM;
  size_t nk = 0, nt = 0, nr = 0;
  for (size_t i = 0; rc == FOSSC_OK && i < b->nents;) {
    size_t j = i;
    const entry *e0 = &b->ents[i];
    while (j < b->nents && b->ents[j].lang == e0->lang &&
           cmp_bytes(base + b->ents[j].key_off, b->ents[j].key_len,
                     base + e0->key_off, e0->key_len) == 0)
      j++;
    /* Distinct values of the key, before the index filter: the ambiguity
    ** of a word is the dictionary's, not the corpus's. */
    size_t nvals = 0;
    for (size_t k = i; k < j; k++)
      if (k == i || cmp_bytes(base + b->ents[k].val_off, b->ents[k].val_len,
                              base + b->ents[k - 1].val_off, b->ents[k - 1].val_len) != 0)
        nvals++;
    double norm = 1.0 / sqrt((double)nvals);
    size_t first = nt;
    for (size_t k = i; k < j; k++) {
      const entry *e = &b->ents[k];
      if (k > i && cmp_bytes(base + e->val_off, e->val_len, base + b->ents[k - 1].val_off,
                             b->ents[k - 1].val_len) == 0)
        continue; /* duplicate value: the first has the largest raw weight */
      if (!e->kept) {
        b->info->dropped_targets++;
        continue;
      }
      double w = e->raw * norm;
      long q = (long)floor(w * 65535.0 + 0.5);
      out_target t = {e->val_off, e->val_len, (uint16_t)(q < 1 ? 1 : q > 65535 ? 65535 : q)};
      /* insertion by weight desc, then bytes: best translations first */
      size_t pos = nt;
      while (pos > first &&
             (tg[pos - 1].q < t.q ||
              (tg[pos - 1].q == t.q &&
               cmp_bytes(base + tg[pos - 1].str, tg[pos - 1].len, base + t.str, t.len) > 0))) {
        tg[pos] = tg[pos - 1];
        pos--;
      }
      tg[pos] = t;
      nt++;
    }
    if (nt - first > FOSSC_LEXICON_MAX_TARGETS) {
      b->info->dropped_targets += (uint32_t)(nt - first - FOSSC_LEXICON_MAX_TARGETS);
      nt = first + FOSSC_LEXICON_MAX_TARGETS;
    }
    if (nt > first) {
      keys[nk] = (out_key){e0->key_off, e0->key_len, (uint32_t)first,
                           (uint32_t)(nt - first), e0->lang};
      b->info->keys[e0->lang]++;
      b->info->targets[e0->lang] += (uint32_t)(nt - first);
      if (has_space(base + e0->key_off, e0->key_len)) b->info->phrase_keys[e0->lang]++;
      if (base[e0->key_off] == FOSSC_LEXICON_EXACT_PREFIX) b->info->exact_keys[e0->lang]++;
      refs[nr++] = (str_ref){e0->key_off, e0->key_len};
      nk++;
    }
    i = j;
  }
  for (size_t t = 0; rc == FOSSC_OK && t < nt; t++) refs[nr++] = (str_ref){tg[t].str, tg[t].len};
  /* String pool: the sources string, then each distinct string once, in
  ** byte order (deterministic), each followed by a NUL. */
  size_t nu = 0;
  uint64_t pool = strlen(sources) + 1;
  if (rc == FOSSC_OK) {
    if (nr) qsort_r(refs, nr, sizeof *refs, cmp_ref, (void *)base);
    for (size_t r = 0; r < nr; r++) {
      if (nu && cmp_ref(&refs[nu - 1], &refs[r], (void *)base) == 0) continue;
      refs[nu] = refs[r];
      at[nu++] = (uint32_t)pool;
      pool += refs[r].len + 1;
    }
    if (pool > UINT32_MAX || nt > UINT32_MAX)
      rc = fossc_error_set(b->err, FOSSC_ERR_LIMIT, "translation lexicon above 4 GiB");
  }
  if (rc == FOSSC_OK) {
    fossc_buf_reset(out);
    fossc_buf_append(out, FOSSC_LEXICON_MAGIC, 8);
    fossc_buf_put_u32(out, FOSSC_LEXICON_VERSION);
    fossc_buf_put_u32(out, b->info->keys[FOSSC_LANG_EN]);
    fossc_buf_put_u32(out, b->info->keys[FOSSC_LANG_ES]);
    fossc_buf_put_u32(out, (uint32_t)nt);
    fossc_buf_put_u32(out, (uint32_t)pool);
    fossc_buf_put_u32(out, (uint32_t)strlen(sources));
    for (size_t k = 0; k < nk; k++) {
      fossc_buf_put_u32(out, pool_off(refs, at, nu, base, keys[k].str, keys[k].len));
      fossc_buf_put_u32(out, keys[k].first);
      fossc_buf_put_u16(out, (uint16_t)keys[k].count);
      fossc_buf_putc(out, (char)keys[k].len);
      fossc_buf_putc(out, has_space(base + keys[k].str, keys[k].len) ? FOSSC_LEXICON_PHRASE : 0);
    }
    for (size_t t = 0; t < nt; t++) {
      fossc_buf_put_u32(out, pool_off(refs, at, nu, base, tg[t].str, tg[t].len));
      fossc_buf_put_u16(out, tg[t].q);
      fossc_buf_putc(out, (char)tg[t].len);
      fossc_buf_putc(out, has_space(base + tg[t].str, tg[t].len) ? FOSSC_LEXICON_PHRASE : 0);
    }
    fossc_buf_append(out, sources, strlen(sources) + 1);
    for (size_t u = 0; u < nu; u++) {
      fossc_buf_append(out, base + refs[u].off, refs[u].len);
      fossc_buf_putc(out, '\0');
    }
    if (out->oom) rc = FOSSC_ERR_NOMEM;
  }
  fossc_free(keys);
  fossc_free(tg);
  fossc_free(refs);
  fossc_free(at);
  return rc;
}

/* ------------------------------------------------------------- driver */

static void builder_free(builder *b) {
  if (!b) return;
  fossc_buf_free(&b->sym_arena);
  fossc_free(b->pairs);
  fossc_buf_free(&b->lemmas);
  fossc_free(b->ents);
  fossc_buf_free(&b->strs);
  fossc_buf_free(&b->t1);
  fossc_buf_free(&b->t2);
  fossc_free(b);
}

int fossc_lexicon_build_text(fossc_analyzer *a, const char *const text[2],
                           const size_t len[2], const char *const names[2],
                           const char *sources, fossc_lexicon_keep_fn keep,
                           void *keep_ctx, fossc_buf *out,
                           fossc_lexicon_info *info, fossc_error *err) {
  static const fossc_lang in_lang[2] = {FOSSC_LANG_ES, FOSSC_LANG_EN};
  builder *b = fossc_calloc(1, sizeof *b);
  if (!b) return fossc_error_set(err, FOSSC_ERR_NOMEM, "lexicon build: out of memory");
  b->a = a;
  b->keep = keep;
  b->keep_ctx = keep_ctx;
  b->info = info;
  b->err = err;
  int rc = FOSSC_OK;
  for (int i = 0; i < 2 && rc == FOSSC_OK; i++)
    rc = read_listing(b, text[i] ? text[i] : "", text[i] ? len[i] : 0, in_lang[i], names[i]);
  if (rc == FOSSC_OK) rc = pairs_to_entries(b);
  if (rc == FOSSC_OK) rc = serialise(b, sources, out);
  if (rc == FOSSC_ERR_NOMEM) fossc_error_set(err, rc, "lexicon build: out of memory");
  builder_free(b);
  if (rc == FOSSC_OK) info->bytes = out->len;
  return rc;
}

int fossc_lexicon_build_att(fossc_analyzer *a, const char *spa_eng, size_t spa_eng_len,
                            const char *eng_spa, size_t eng_spa_len,
                            const char *sources, fossc_lexicon_keep_fn keep,
                            void *keep_ctx, fossc_buf *out,
                            fossc_lexicon_info *info, fossc_error *err) {
  if (!a || !out || (!spa_eng && spa_eng_len) || (!eng_spa && eng_spa_len))
    return fossc_error_set(err, FOSSC_ERR_ARG, "lexicon build: bad arguments");
  uint64_t t0 = fossc_now_us();
  fossc_lexicon_info local;
  if (!info) info = &local;
  memset(info, 0, sizeof *info);
  if (!sources) sources = "unknown";
  size_t sl = strnlen(sources, sizeof info->version);
  if (sl >= sizeof info->version || memchr(sources, '\n', sl))
    return fossc_error_set(err, FOSSC_ERR_ARG, "lexicon build: bad sources string");
  memcpy(info->version, sources, sl + 1);
  const char *text[2] = {spa_eng, eng_spa};
  size_t len[2] = {spa_eng_len, eng_spa_len};
  const char *names[2] = {"spa-eng listing", "eng-spa listing"};
  int rc = fossc_lexicon_build_text(a, text, len, names, sources, keep, keep_ctx, out, info, err);
  if (rc == FOSSC_OK) info->build_us = fossc_now_us() - t0;
  return rc;
}
