/*
** Translation lexicon builder, from lt-print listings (see lexicon.h,
** docs/translation.md; lexicon_apertium.c gets them from lexicon_lttb.c,
** or from lt-print for layouts that reader does not know):
**
**     AT&T text: "from to in out weight" arcs, "state weight" finals,
**        "--" between the transducer's sections
**     -> paths from state 0 to a final state (bounded DFS, cycles skipped)
**        spell "acero<n><m>" : "steel<n>"
**     -> lemma pairs of content words (lemmas interned, pairs deduplicated),
**        both directions from each file
**     -> index terms through the indexer's analyzer, once per lemma
**        -> weighted entries over interned strings
**     -> strings ranked in byte order, entries sorted on ranks -> blob.
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
/* Distinct lemmas (per language) and distinct key/target strings: the
** dictionaries have ~100k of each; the cap keeps ids and offsets in 32 bits
** with room to spare on a hostile listing (MAX_PATHS per section allows
** more). */
#define MAX_STRINGS (8u << 20)
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

/* Interned byte strings (at most 255 bytes) with a one-byte tag: the
** lemmas (tag: language) and the key/target strings (tag 0). An id is an
** index into s[]; equal bytes and tag give the same id. */
typedef struct str {
  uint32_t off, hash; /* off in arena */
  uint8_t len, tag;
} str;

typedef struct strtab {
  fossc_buf arena;
  str *s;
  uint32_t n, cap;
  uint32_t *slot; /* open addressing: id, or UINT32_MAX when free */
  uint32_t nslot; /* a power of two, at least 2n */
} strtab;

/* What a lemma gives, computed once per (language, lemma) however many
** pairs use it. String fields are ids in builder.strs. */
typedef struct lemma_info {
  uint8_t state;      /* LI_UNKNOWN, LI_OK, LI_BAD (a number, no words...) */
  uint8_t nwords;
  uint8_t surf_ok;    /* the surface terms make a usable string */
  uint8_t pterms_ok;  /* the plain-form terms too */
  uint32_t plain_len; /* bytes of the plain words joined by spaces */
  uint32_t plain;     /* that string */
  uint32_t exact;     /* "=" + plain, or NO_STR (several words, too long) */
  uint32_t surf;      /* surface terms joined by spaces */
  uint32_t pterms;    /* plain-form terms joined by spaces */
} lemma_info;

enum { LI_UNKNOWN, LI_OK, LI_BAD };
#define NO_STR UINT32_MAX

/* A lemma pair read from a path: ids in builder.lemmas. */
typedef struct lemma_pair {
  uint32_t src, tgt;
  uint8_t fwd; /* found in the src -> tgt dictionary itself */
} lemma_pair;

/* A (key, target) entry, as two sort keys: k1 = language << 32 | key,
** k2 = target << 1 | (0 forward, 1 reverse); key and target are string ids,
** then (once ranked) positions in byte order. */
typedef fossc_lexb_entry entry;

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
  /* lemmas and lemma pairs of both files */
  strtab lemmas;
  lemma_info *linfo; /* by lemma id, once enumeration is over */
  lemma_pair *pairs;
  size_t npairs, cap_pairs;
  /* key and target strings, entries */
  strtab strs;
  uint8_t *kept; /* by string id: bit 2l known for language l, bit 2l+1 kept */
  entry *ents;
  size_t nents, cap_ents;
  /* the strings entries use, by byte order (rank_entries): rank -> id */
  uint32_t *byrank;
  uint32_t nranked;
  fossc_buf t1, t2, t3; /* scratch */
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

static uint32_t hash_tagged(uint8_t tag, const char *s, size_t n) {
  uint32_t h = hash_bytes(s, n) ^ (tag * 0x9E3779B9u);
  return h ? h : 1;
}

static int strtab_rehash(strtab *t, uint32_t nslot) {
  uint32_t *slot = fossc_malloc((size_t)nslot * sizeof *slot);
  if (!slot) return FOSSC_ERR_NOMEM;
  memset(slot, 0xff, (size_t)nslot * sizeof *slot);
  for (uint32_t id = 0; id < t->n; id++) {
    uint32_t h = t->s[id].hash & (nslot - 1);
    while (slot[h] != UINT32_MAX) h = (h + 1) & (nslot - 1);
    slot[h] = id;
  }
  fossc_free(t->slot);
  t->slot = slot;
  t->nslot = nslot;
  return FOSSC_OK;
}

/* Returns the id of (tag, s[0..n)), adding it; NO_STR when out of memory or
** past MAX_STRINGS. n <= 255. */
static uint32_t strtab_add(strtab *t, uint8_t tag, const char *s, size_t n) {
  if (2 * (size_t)t->n >= t->nslot && strtab_rehash(t, t->nslot ? 2 * t->nslot : 65536))
    return NO_STR;
  uint32_t hash = hash_tagged(tag, s, n), mask = t->nslot - 1;
  for (uint32_t h = hash & mask;; h = (h + 1) & mask) {
    uint32_t id = t->slot[h];
    if (id == UINT32_MAX) {
      if (t->n >= MAX_STRINGS || n > 255 || t->arena.len > UINT32_MAX - 256) return NO_STR;
      if (t->n == t->cap) {
        uint32_t cap = t->cap ? 2 * t->cap : 65536;
        str *ns = fossc_realloc(t->s, (size_t)cap * sizeof *ns);
        if (!ns) return NO_STR;
        t->s = ns;
        t->cap = cap;
      }
      str *y = &t->s[t->n];
      y->off = (uint32_t)t->arena.len;
      y->hash = hash;
      y->len = (uint8_t)n;
      y->tag = tag;
      fossc_buf_append(&t->arena, s, n);
      if (t->arena.oom) return NO_STR;
      t->slot[h] = t->n;
      return t->n++;
    }
    const str *y = &t->s[id];
    if (y->hash == hash && y->len == n && y->tag == tag &&
        (n == 0 || memcmp(t->arena.data + y->off, s, n) == 0))
      return id;
  }
}

static void strtab_free(strtab *t) {
  fossc_buf_free(&t->arena);
  fossc_free(t->s);
  fossc_free(t->slot);
}

static const char *str_bytes(const strtab *t, uint32_t id) { return t->arena.data + t->s[id].off; }

static int push_pair(builder *b, uint32_t src, uint32_t tgt, int fwd) {
  if (b->npairs == b->cap_pairs) {
    size_t cap = b->cap_pairs ? 2 * b->cap_pairs : 65536;
    lemma_pair *np = fossc_realloc(b->pairs, cap * sizeof *np);
    if (!np) return FOSSC_ERR_NOMEM;
    b->pairs = np;
    b->cap_pairs = cap;
  }
  b->pairs[b->npairs++] = (lemma_pair){src, tgt, (uint8_t)fwd};
  return FOSSC_OK;
}

/* Records a path's lemma pair in both directions. */
static int add_pair(builder *b, fossc_lang in_lang, const fossc_buf *in, fossc_lang out_lang,
                    const fossc_buf *out) {
  uint32_t s = strtab_add(&b->lemmas, (uint8_t)in_lang, in->data, in->len);
  uint32_t t = strtab_add(&b->lemmas, (uint8_t)out_lang, out->data, out->len);
  if (s == NO_STR || t == NO_STR) return FOSSC_ERR_NOMEM;
  int rc = push_pair(b, s, t, 1);
  return rc ? rc : push_pair(b, t, s, 0);
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
  /* step_side keeps a lemma within MAX_LEMMA_BYTES: one reservation. */
  if (fossc_buf_reserve(dst, MAX_LEMMA_BYTES + 1)) return;
  for (int d = 1; d <= depth; d++) {
    const sym *y = &b->syms[out_side ? st[d].out_sym : st[d].in_sym];
    if (y->kind == SYM_TAG) break;
    if ((y->kind == SYM_LETTER || y->kind == SYM_SEP) && dst->len + y->len <= MAX_LEMMA_BYTES) {
      memcpy(dst->data + dst->len, b->sym_arena.data + y->off, y->len);
      dst->len += y->len;
    }
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
      rc = add_pair(b, in_lang, &b->t1, out_lang, &b->t2);
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
** forms) joined by single spaces. Returns 0, 1 when unusable (an empty
** term, too long), or FOSSC_ERR_NOMEM as a negative value. */
static int join_terms(builder *b, fossc_lang lang, const lemma_words *w,
                      int plain, fossc_buf *dst) {
  fossc_buf_reset(dst);
  for (uint32_t i = 0; i < w->n; i++) {
    const char *word = plain ? w->plain[i] : w->surface[i];
    if (fossc_analyzer_term(b->a, lang, word, strlen(word), &b->t1) != FOSSC_OK)
      return -FOSSC_ERR_NOMEM;
    if (b->t1.len == 0) return 1;
    if (i) fossc_buf_putc(dst, ' ');
    fossc_buf_append(dst, b->t1.data, b->t1.len);
  }
  if (dst->oom) return -FOSSC_ERR_NOMEM;
  return dst->len == 0 || dst->len > FOSSC_LEXICON_MAX_STRING;
}

/* Interns dst as a key/target string into *id. */
static int intern_str(builder *b, const fossc_buf *dst, uint32_t *id) {
  *id = strtab_add(&b->strs, 0, dst->data, dst->len);
  return *id == NO_STR ? FOSSC_ERR_NOMEM : FOSSC_OK;
}

/* Fills b->linfo[id] on first use: the analyzer runs once per lemma, not
** once per pair that mentions it. */
static int lemma_get(builder *b, uint32_t id, lemma_words *w, const lemma_info **out) {
  lemma_info *li = &b->linfo[id];
  *out = li;
  if (li->state != LI_UNKNOWN) return FOSSC_OK;
  const str *y = &b->lemmas.s[id];
  fossc_lang lang = (fossc_lang)y->tag;
  int rc = lemma_split(b, lang, str_bytes(&b->lemmas, id), y->len, w);
  if (rc) return rc;
  li->state = LI_BAD;
  li->exact = li->plain = li->surf = li->pterms = NO_STR;
  if (w->bad || w->n == 0) return FOSSC_OK;
  fossc_buf *d = &b->t2;
  fossc_buf_reset(d);
  for (uint32_t k = 0; k < w->n; k++) {
    if (k) fossc_buf_putc(d, ' ');
    fossc_buf_puts(d, w->plain[k]);
  }
  if (d->oom) return FOSSC_ERR_NOMEM;
  /* Lemmas have at most MAX_LEMMA_BYTES: a plain form past 255 bytes would
  ** take folding that triples every character; such a lemma is dropped. */
  if (d->len > FOSSC_LEXICON_MAX_STRING) return FOSSC_OK;
  li->plain_len = (uint32_t)d->len;
  if ((rc = intern_str(b, d, &li->plain))) return rc;
  if (w->n == 1 && d->len < FOSSC_LEXICON_MAX_STRING) {
    fossc_buf_reset(&b->t3);
    fossc_buf_putc(&b->t3, FOSSC_LEXICON_EXACT_PREFIX);
    fossc_buf_append(&b->t3, d->data, d->len);
    if (b->t3.oom) return FOSSC_ERR_NOMEM;
    if ((rc = intern_str(b, &b->t3, &li->exact))) return rc;
  }
  int r = join_terms(b, lang, w, 0, d);
  if (r < 0) return -r;
  if (r == 0 && (rc = intern_str(b, d, &li->surf))) return rc;
  li->surf_ok = r == 0;
  uint32_t k = 0;
  while (k < w->n && strcmp(w->plain[k], w->surface[k]) == 0) k++;
  if (k == w->n) {
    /* no accents: the plain-form terms are the surface ones */
    li->pterms = li->surf;
    li->pterms_ok = li->surf_ok;
  } else {
    r = join_terms(b, lang, w, 1, d);
    if (r < 0) return -r;
    if (r == 0 && (rc = intern_str(b, d, &li->pterms))) return rc;
    li->pterms_ok = r == 0;
  }
  li->nwords = (uint8_t)w->n;
  li->state = LI_OK;
  return FOSSC_OK;
}

static int add_entry(builder *b, fossc_lang lang, uint32_t key, uint32_t val, int fwd) {
  if (b->nents == b->cap_ents) {
    size_t cap = b->cap_ents ? 2 * b->cap_ents : 65536;
    entry *ne = fossc_realloc(b->ents, cap * sizeof *ne);
    if (!ne) return FOSSC_ERR_NOMEM;
    b->ents = ne;
    b->cap_ents = cap;
  }
  b->ents[b->nents++] = (entry){(uint64_t)lang << 32 | key, (uint64_t)val << 1 | (fwd ? 0 : 1)};
  return FOSSC_OK;
}

/* Drops repeated pairs (the same lemmas from two paths or both files),
** keeping "forward" when any copy has it. Order does not matter: entries
** are sorted before serialisation. */
static int dedup_pairs(builder *b) {
  size_t nslot = 1;
  while (nslot < 2 * b->npairs + 2) nslot *= 2;
  uint32_t *slot = fossc_malloc(nslot * sizeof *slot);
  if (!slot) return FOSSC_ERR_NOMEM;
  memset(slot, 0xff, nslot * sizeof *slot);
  size_t n = 0;
  for (size_t i = 0; i < b->npairs; i++) {
    lemma_pair p = b->pairs[i];
    uint64_t k = (uint64_t)p.src << 32 | p.tgt;
    size_t h = (size_t)((k * 0x9E3779B97F4A7C15ull) >> 32) & (nslot - 1);
    for (;; h = (h + 1) & (nslot - 1)) {
      if (slot[h] == UINT32_MAX) {
        slot[h] = (uint32_t)n;
        b->pairs[n++] = p;
        break;
      }
      lemma_pair *q = &b->pairs[slot[h]];
      if (q->src == p.src && q->tgt == p.tgt) {
        q->fwd |= p.fwd;
        break;
      }
    }
  }
  b->npairs = n;
  fossc_free(slot);
  return FOSSC_OK;
}

/* Turns the distinct lemma pairs into (key, target) entries. */
static int pairs_to_entries(builder *b) {
  int rc = dedup_pairs(b);
  if (rc) return rc;
  b->linfo = fossc_calloc(b->lemmas.n ? b->lemmas.n : 1, sizeof *b->linfo);
  lemma_words *w = fossc_malloc(sizeof *w);
  if (!b->linfo || !w) rc = FOSSC_ERR_NOMEM;
  for (size_t i = 0; i < b->npairs && rc == FOSSC_OK; i++) {
    const lemma_pair *p = &b->pairs[i];
    const lemma_info *si, *ti;
    if ((rc = lemma_get(b, p->src, w, &si)) || (rc = lemma_get(b, p->tgt, w, &ti))) break;
    if (si->state != LI_OK || ti->state != LI_OK) continue;
    fossc_lang sl = (fossc_lang)b->lemmas.s[p->src].tag;
    /* Identical spellings (most proper nouns) need no translation: the
    ** query's own form already matches them in both languages. */
    int ident = si->plain == ti->plain;
    if (si->plain_len < 2 || (ident && si->nwords > 1)) continue;
    if (!ti->surf_ok) continue;
    b->info->lemma_pairs[sl]++;
    if (!ident) {
      if (!si->surf_ok || !si->pterms_ok) continue;
      rc = add_entry(b, sl, si->surf, ti->surf, p->fwd);
      if (!rc && si->pterms != si->surf) rc = add_entry(b, sl, si->pterms, ti->surf, p->fwd);
    }
    /* Exact-word key: "=" + plain lemma. Identical spellings are kept
    ** here, so that a word known to translate to itself ("solar") is not
    ** sent on to the ambiguous stem key ("sol": sun, alone, ...). */
    if (!rc && si->exact != NO_STR) rc = add_entry(b, sl, si->exact, ti->surf, p->fwd);
  }
  fossc_free(w);
  return rc;
}

/* ------------------------------------------------------------ the blob */

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn) {
  int c = memcmp(a, b, an < bn ? an : bn);
  if (c) return c;
  return an < bn ? -1 : an > bn;
}

/* A string to rank: its first 8 bytes as a big-endian number (zero
** padded), so most comparisons need no memcmp. */
typedef struct rank_item {
  uint64_t prefix;
  uint32_t id;
} rank_item;

static int cmp_rank_item(const void *x, const void *y, void *ctx) {
  const rank_item *a = x, *c = y;
  if (a->prefix != c->prefix) return a->prefix < c->prefix ? -1 : 1;
  const strtab *t = ctx;
  const str *p = &t->s[a->id], *q = &t->s[c->id];
  return cmp_bytes(t->arena.data + p->off, p->len, t->arena.data + q->off, q->len);
}

static int cmp_entry(const void *x, const void *y) {
  const entry *p = x, *q = y;
  if (p->k1 != q->k1) return p->k1 < q->k1 ? -1 : 1;
  return p->k2 < q->k2 ? -1 : p->k2 > q->k2;
}

/* Whether keep() accepts every term of string `id` in language `lang`;
** cached per string and language. */
static int kept_str(builder *b, fossc_lang lang, uint32_t id) {
  if (!b->keep) return 1;
  uint8_t known = (uint8_t)(1u << (2 * lang)), yes = (uint8_t)(2u << (2 * lang));
  if (b->kept[id] & known) return (b->kept[id] & yes) != 0;
  const char *s = str_bytes(&b->strs, id);
  size_t n = b->strs.s[id].len, i = 0;
  int ok = 1;
  while (ok && i <= n) {
    size_t j = i;
    while (j < n && s[j] != ' ') j++;
    ok = b->keep(b->keep_ctx, lang, s + i, j - i);
    i = j + 1;
  }
  b->kept[id] |= (uint8_t)(known | (ok ? yes : 0));
  return ok;
}

typedef struct out_key {
  uint32_t rank, first, count;
  uint8_t lang;
} out_key;

typedef struct out_target {
  uint32_t rank;
  uint16_t q;
} out_target;

static int has_space(const char *s, size_t n) { return memchr(s, ' ', n) != NULL; }

/* Ranks the strings entries use by bytes (the pool's order), sorts the
** entries, groups them by key, weights and filters their targets, and
** serialises the blob into *out. */
/* Ranks the strings the entries use by their bytes (b->byrank) and re-keys
** the entries by rank, sorted. Nothing here depends on the corpus, so it is
** done while preparing, on the lexicon's own thread, not at finish, which
** the main thread runs alone at the end of a build (the two sorts were
** ~150 M instructions there). Returns a status. */
static int rank_entries(builder *b) {
  const strtab *t = &b->strs;
  uint32_t ns = t->n;
  uint32_t *byrank = fossc_malloc(((size_t)ns + 1) * sizeof *byrank);
  uint32_t *rank = fossc_malloc(((size_t)ns + 1) * sizeof *rank);
  uint8_t *used = fossc_calloc((size_t)ns + 1, 1);
  int rc = (byrank && rank && used) ? FOSSC_OK : FOSSC_ERR_NOMEM;
  uint32_t nu = 0;
  if (rc == FOSSC_OK) {
    for (size_t i = 0; i < b->nents; i++) {
      used[b->ents[i].k1 & 0xffffffffu] = 1;
      used[b->ents[i].k2 >> 1] = 1;
    }
    rank_item *items = fossc_malloc(((size_t)ns + 1) * sizeof *items);
    if (!items) rc = FOSSC_ERR_NOMEM;
    for (uint32_t id = 0; items && id < ns; id++) {
      if (!used[id]) continue;
      const uint8_t *p = (const uint8_t *)str_bytes(t, id);
      uint64_t pre = 0;
      for (uint32_t k = 0; k < 8; k++) pre = pre << 8 | (k < t->s[id].len ? p[k] : 0);
      items[nu++] = (rank_item){pre, id};
    }
    if (nu) qsort_r(items, nu, sizeof *items, cmp_rank_item, (void *)t);
    for (uint32_t r = 0; r < nu; r++) {
      byrank[r] = items[r].id;
      rank[items[r].id] = r;
    }
    fossc_free(items);
  }
  if (rc == FOSSC_OK) {
    for (size_t i = 0; i < b->nents; i++) {
      entry *e = &b->ents[i];
      e->k1 = (e->k1 >> 32) << 32 | rank[e->k1 & 0xffffffffu];
      e->k2 = (uint64_t)rank[e->k2 >> 1] << 1 | (e->k2 & 1);
    }
    if (b->nents) qsort(b->ents, b->nents, sizeof *b->ents, cmp_entry);
    b->byrank = byrank;
    b->nranked = nu;
    byrank = NULL;
  }
  fossc_free(byrank);
  fossc_free(rank);
  fossc_free(used);
  return rc;
}

/* Writes the TRANS blob of the ranked entries (rank_entries) whose strings
** b->keep accepts. */
static int serialise(builder *b, const char *sources, fossc_buf *out) {
  const strtab *t = &b->strs;
  uint32_t ns = t->n;
  const uint32_t *byrank = b->byrank;
  uint32_t *at = fossc_malloc(((size_t)ns + 1) * sizeof *at);
  /* by rank: the string is in the pool */
  uint8_t *used = fossc_calloc((size_t)ns + 1, 1);
  out_key *keys = fossc_malloc((b->nents + 1) * sizeof *keys);
  out_target *tg = fossc_malloc((b->nents + 1) * sizeof *tg);
  b->kept = fossc_calloc((size_t)ns + 1, 1);
  int rc = (byrank && at && used && keys && tg && b->kept) ? FOSSC_OK : FOSSC_ERR_NOMEM;
  size_t nk = 0, nt = 0;
  uint32_t nu = b->nranked;
  for (size_t i = 0; rc == FOSSC_OK && i < b->nents;) {
    size_t j = i;
    uint64_t k1 = b->ents[i].k1;
    while (j < b->nents && b->ents[j].k1 == k1) j++;
    fossc_lang lang = (fossc_lang)(k1 >> 32);
    fossc_lang tl = lang == FOSSC_LANG_ES ? FOSSC_LANG_EN : FOSSC_LANG_ES;
    uint32_t krank = (uint32_t)k1;
    /* Distinct values of the key, before the index filter: the ambiguity
    ** of a word is the dictionary's, not the corpus's. */
    size_t nvals = 0;
    for (size_t k = i; k < j; k++)
      if (k == i || b->ents[k].k2 >> 1 != b->ents[k - 1].k2 >> 1) nvals++;
    double norm = 1.0 / sqrt((double)nvals);
    size_t first = nt;
    for (size_t k = i; k < j; k++) {
      const entry *e = &b->ents[k];
      uint32_t vrank = (uint32_t)(e->k2 >> 1);
      if (k > i && vrank == (uint32_t)(b->ents[k - 1].k2 >> 1))
        continue; /* duplicate value: the first is forward when any is */
      if (!kept_str(b, tl, byrank[vrank])) {
        b->info->dropped_targets++;
        continue;
      }
      float raw = (e->k2 & 1) ? (float)REVERSE_WEIGHT : 1.0f;
      double wgt = raw * norm;
      long q = (long)floor(wgt * 65535.0 + 0.5);
      out_target o = {vrank, (uint16_t)(q < 1 ? 1 : q > 65535 ? 65535 : q)};
      /* insertion by weight desc, then bytes: best translations first */
      size_t pos = nt;
      while (pos > first &&
             (tg[pos - 1].q < o.q || (tg[pos - 1].q == o.q && tg[pos - 1].rank > o.rank))) {
        tg[pos] = tg[pos - 1];
        pos--;
      }
      tg[pos] = o;
      nt++;
    }
    if (nt - first > FOSSC_LEXICON_MAX_TARGETS) {
      b->info->dropped_targets += (uint32_t)(nt - first - FOSSC_LEXICON_MAX_TARGETS);
      nt = first + FOSSC_LEXICON_MAX_TARGETS;
    }
    if (nt > first) {
      const char *ks = str_bytes(t, byrank[krank]);
      size_t kl = t->s[byrank[krank]].len;
      keys[nk++] = (out_key){krank, (uint32_t)first, (uint32_t)(nt - first), (uint8_t)lang};
      b->info->keys[lang]++;
      b->info->targets[lang] += (uint32_t)(nt - first);
      if (has_space(ks, kl)) b->info->phrase_keys[lang]++;
      if (ks[0] == FOSSC_LEXICON_EXACT_PREFIX) b->info->exact_keys[lang]++;
      used[krank] = 1;
      for (size_t k = first; k < nt; k++) used[tg[k].rank] = 1;
    }
    i = j;
  }
  /* String pool: the sources string, then each distinct string once, in
  ** byte order (deterministic), each followed by a NUL. */
  uint64_t pool = strlen(sources) + 1;
  if (rc == FOSSC_OK) {
    for (uint32_t r = 0; r < nu; r++)
      if (used[r]) {
        at[r] = (uint32_t)pool;
        pool += t->s[byrank[r]].len + 1u;
        if (pool > UINT32_MAX) break;
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
      uint32_t id = byrank[keys[k].rank];
      fossc_buf_put_u32(out, at[keys[k].rank]);
      fossc_buf_put_u32(out, keys[k].first);
      fossc_buf_put_u16(out, (uint16_t)keys[k].count);
      fossc_buf_putc(out, (char)t->s[id].len);
      fossc_buf_putc(out, has_space(str_bytes(t, id), t->s[id].len) ? FOSSC_LEXICON_PHRASE : 0);
    }
    for (size_t k = 0; k < nt; k++) {
      uint32_t id = byrank[tg[k].rank];
      fossc_buf_put_u32(out, at[tg[k].rank]);
      fossc_buf_put_u16(out, tg[k].q);
      fossc_buf_putc(out, (char)t->s[id].len);
      fossc_buf_putc(out, has_space(str_bytes(t, id), t->s[id].len) ? FOSSC_LEXICON_PHRASE : 0);
    }
    fossc_buf_append(out, sources, strlen(sources) + 1);
    for (uint32_t r = 0; r < nu; r++)
      if (used[r]) {
        fossc_buf_append(out, str_bytes(t, byrank[r]), t->s[byrank[r]].len);
        fossc_buf_putc(out, '\0');
      }
    if (out->oom) rc = FOSSC_ERR_NOMEM;
  }
  fossc_free(at);
  fossc_free(used);
  fossc_free(keys);
  fossc_free(tg);
  return rc;
}

/* ------------------------------------------------------------- driver */

static void builder_free(builder *b) {
  if (!b) return;
  fossc_buf_free(&b->sym_arena);
  strtab_free(&b->lemmas);
  fossc_free(b->linfo);
  fossc_free(b->pairs);
  strtab_free(&b->strs);
  fossc_free(b->kept);
  fossc_free(b->ents);
  fossc_free(b->byrank);
  fossc_buf_free(&b->t1);
  fossc_buf_free(&b->t2);
  fossc_buf_free(&b->t3);
  fossc_free(b);
}

int fossc_lexicon_text_prepare(fossc_analyzer *a, const char *const text[2],
                               const size_t len[2], const char *const names[2],
                               fossc_lexicon_info *info, fossc_error *err,
                               struct builder **out) {
  static const fossc_lang in_lang[2] = {FOSSC_LANG_ES, FOSSC_LANG_EN};
  *out = NULL;
  builder *b = fossc_calloc(1, sizeof *b);
  if (!b) return fossc_error_set(err, FOSSC_ERR_NOMEM, "lexicon build: out of memory");
  b->a = a;
  b->info = info;
  b->err = err;
  int rc = FOSSC_OK;
  for (int i = 0; i < 2 && rc == FOSSC_OK; i++)
    rc = read_listing(b, text[i] ? text[i] : "", text[i] ? len[i] : 0, in_lang[i], names[i]);
  if (rc == FOSSC_OK) rc = pairs_to_entries(b);
  if (rc == FOSSC_OK) rc = rank_entries(b);
  if (rc == FOSSC_ERR_NOMEM) fossc_error_set(err, rc, "lexicon build: out of memory");
  if (rc) {
    builder_free(b);
    return rc;
  }
  /* Done with the analyzer and the listings; the rest is the builder's. */
  b->a = NULL;
  fossc_buf_free(&b->sym_arena);
  *out = b;
  return FOSSC_OK;
}

int fossc_lexicon_text_finish(struct builder *b, const char *sources,
                              fossc_lexicon_keep_fn keep, void *keep_ctx,
                              fossc_buf *out, fossc_lexicon_info *info,
                              fossc_error *err) {
  b->keep = keep;
  b->keep_ctx = keep_ctx;
  b->info = info;
  b->err = err;
  int rc = serialise(b, sources, out);
  if (rc == FOSSC_ERR_NOMEM) fossc_error_set(err, rc, "lexicon build: out of memory");
  if (rc == FOSSC_OK) info->bytes = out->len;
  return rc;
}

void fossc_lexicon_builder_free(struct builder *b) { builder_free(b); }

int fossc_lexicon_build_text(fossc_analyzer *a, const char *const text[2],
                           const size_t len[2], const char *const names[2],
                           const char *sources, fossc_lexicon_keep_fn keep,
                           void *keep_ctx, fossc_buf *out,
                           fossc_lexicon_info *info, fossc_error *err) {
  struct builder *b;
  int rc = fossc_lexicon_text_prepare(a, text, len, names, info, err, &b);
  if (rc == FOSSC_OK) rc = fossc_lexicon_text_finish(b, sources, keep, keep_ctx, out, info, err);
  builder_free(b);
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

/* ------------------------------------- the prepared state, for caching */

uint32_t fossc_lexb_nstrings(const struct builder *b) { return b->nranked; }

const char *fossc_lexb_string(const struct builder *b, uint32_t rank, size_t *len) {
  uint32_t id = b->byrank[rank];
  *len = b->strs.s[id].len;
  return str_bytes(&b->strs, id);
}

const fossc_lexb_entry *fossc_lexb_entries(const struct builder *b, size_t *n) {
  *n = b->nents;
  return b->ents;
}

int fossc_lexb_restore(const uint8_t *recs, size_t recs_len, uint32_t nstr,
                       const uint8_t *ents, size_t nents, fossc_lexicon_info *info,
                       fossc_error *err, struct builder **out) {
  *out = NULL;
  if (nstr > MAX_STRINGS || recs_len > (size_t)nstr * 256u ||
      nents > (size_t)MAX_STRINGS * FOSSC_LEXICON_MAX_TARGETS * 4u)
    return fossc_error_set(err, FOSSC_ERR_CORRUPT, "prepared lexicon: counts out of range");
  builder *b = fossc_calloc(1, sizeof *b);
  if (!b) return fossc_error_set(err, FOSSC_ERR_NOMEM, "prepared lexicon: out of memory");
  b->info = info;
  b->err = err;
  strtab *t = &b->strs;
  t->s = fossc_malloc(((size_t)nstr + 1) * sizeof *t->s);
  b->byrank = fossc_malloc(((size_t)nstr + 1) * sizeof *b->byrank);
  b->ents = fossc_malloc((nents + 1) * sizeof *b->ents);
  int rc = (t->s && b->byrank && b->ents && !fossc_buf_reserve(&t->arena, recs_len + nstr + 1))
               ? FOSSC_OK
               : fossc_error_set(err, FOSSC_ERR_NOMEM, "prepared lexicon: out of memory");
  /* Strings: u8 length and bytes each, strictly increasing in byte order
  ** (the ranks a build gives); each copied with a NUL after it, as the
  ** serialiser may look at a string's first byte. */
  size_t at = 0;
  const char *prev = NULL;
  size_t prev_len = 0;
  for (uint32_t r = 0; rc == FOSSC_OK && r < nstr; r++) {
    if (at >= recs_len || recs[at] > recs_len - at - 1) {
      rc = fossc_error_set(err, FOSSC_ERR_CORRUPT, "prepared lexicon: string %u runs past its section", r);
      break;
    }
    size_t n = recs[at];
    const char *p = (const char *)recs + at + 1;
    if (prev && cmp_bytes(prev, prev_len, p, n) >= 0) {
      rc = fossc_error_set(err, FOSSC_ERR_CORRUPT, "prepared lexicon: string %u out of order", r);
      break;
    }
    t->s[r] = (str){(uint32_t)t->arena.len, 0, (uint8_t)n, 0};
    fossc_buf_append(&t->arena, p, n);
    fossc_buf_putc(&t->arena, '\0');
    b->byrank[r] = r;
    prev = p;
    prev_len = n;
    at += 1 + n;
  }
  if (rc == FOSSC_OK && at != recs_len)
    rc = fossc_error_set(err, FOSSC_ERR_CORRUPT, "prepared lexicon: bytes after the last string");
  /* Entries: (k1, k2) as 2 x u64, sorted as rank_entries leaves them, with
  ** a language and string ranks in range. */
  for (size_t i = 0; rc == FOSSC_OK && i < nents; i++) {
    entry e = {fossc_rd64(ents + 16 * i), fossc_rd64(ents + 16 * i + 8)};
    uint64_t lang = e.k1 >> 32;
    if ((lang != FOSSC_LANG_EN && lang != FOSSC_LANG_ES) || (e.k1 & 0xffffffffu) >= nstr ||
        (e.k2 >> 1) >= nstr || (i && cmp_entry(&b->ents[i - 1], &e) > 0)) {
      rc = fossc_error_set(err, FOSSC_ERR_CORRUPT, "prepared lexicon: bad entry %zu", i);
      break;
    }
    b->ents[i] = e;
  }
  if (rc) {
    builder_free(b);
    return rc;
  }
  t->n = t->cap = nstr;
  b->nranked = nstr;
  b->nents = b->cap_ents = nents;
  *out = b;
  return FOSSC_OK;
}
