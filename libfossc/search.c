/*
** Query execution: clauses -> concepts -> postings cursors -> BM25F scores
** -> top k -> stored fields, snippets, explanations. docs/ranking.md gives
** the formulas; docs/query-syntax.md the syntax.
**
** A concept is one query word (or phrase, or prefix) with every index term
** that may stand for it: its English and Spanish stems, and the terms that
** the corpus's own spellings of it produced (accents, see analysis.h). A
** concept is scored as one term: frequencies are summed over its
** alternatives, and its document frequency is that of their union.
*/
#include "search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "postings.h"
#include "query.h"
#include "reader.h"
#include "snippet.h"
#include "typo.h"

/* Alternatives (index terms) one word may expand to: 2 stems plus the
** corpus spellings; real words have fewer than 8. */
#define MAX_WORD_ALTS 16
/* Index terms one query may use in all: every term is a cursor walked per
** candidate document, so 64 two-letter prefixes of 256 expansions each
** would cost seconds on a 100 MB corpus. The budget is shared in query
** order; later expansions are dropped. */
#define MAX_QUERY_ALTS 1024
/* Index terms a prefix may expand to. More would make "a*" a scan of the
** whole index; the most frequent expansions are kept. */
#define MAX_PREFIX_ALTS 256
/* Words of the dictionary examined for one prefix before keeping the most
** frequent MAX_PREFIX_ALTS: bounds the work of a short prefix. */
#define MAX_PREFIX_SCAN 20000
/* Words in one phrase: a phrase is a line of text, not a paragraph. */
#define MAX_PHRASE_WORDS 16
/* Shortest prefix (bytes of its plain form) expanded; shorter ones are
** searched as words. */
#define MIN_PREFIX_BYTES 2
/* Proximity: query words at most this many positions apart earn a bonus. */
#define PROX_WINDOW 8
#define PROX_WEIGHT 0.6f
/* Stem cache of a searcher: query words and the words of the few documents
** a page of snippets reads; 4096 slots are ~600 KB per worker thread. */
#define SEARCH_STEM_CACHE 4096
/* Weight of a stem that no word of the corpus with the query word's exact
** (folded) spelling produced: a guess of the stemmers, often in the other
** language ("energia" stems to Spanish "energi", which is English "energy"),
** so it counts, but below the spellings the corpus really has. */
#define GUESSED_STEM_WEIGHT 0.7f
/* Translations (docs/translation.md, section TRANS): each translation of
** a word counts at this weight times its lexicon weight, below the word's
** own forms, so the original language wins ties. */
#define TRANSLATION_WEIGHT 0.5f
/* A concept's score counting its translations is worth this fraction of
** the same score from the word's own forms (see bm25f). */
#define TRANSLATED_SCORE_FACTOR 0.9f
/* Words of a multi-word lexicon key tried on the query (entries of
** Apertium are rarely longer). */
#define MAX_PHRASE_KEY_WORDS 3
/* Translations read per lexicon key. */
#define MAX_TRANSLATIONS 16

/* Typo tolerance (docs/typo.md): a word that matches at most
** TYPO_MAX_DF documents is also matched through the dictionary words
** within its edit distance, the TYPO_MAX_CANDS nearest and most frequent,
** each at a weight below any exact form so exact matches rank first. */
#define TYPO_MAX_DF 1
#define TYPO_MAX_CANDS 3
#define TYPO_WEIGHT_1 0.6f
#define TYPO_WEIGHT_2 0.4f
/* ... halved when the word as typed does occur: then it may well be right
** (a rare name, a word of the other language) and its own matches should
** rank first, the corrections after them. */
#define TYPO_FOUND_FACTOR 0.5f
/* A query of three or more optional words matches documents that have at
** least half of them (rounded up), unless it spells OR: one common word of
** a long query ("world" in "cricket world cup") is noise, not an answer. */
#define MIN_MATCH_FROM 3

/* How an alternative term came to stand for a query word (explanations). */
typedef enum {
  VIA_WORD,        /* a corpus spelling of the word itself */
  VIA_STEM,        /* the stemmers' guess for the word */
  VIA_PREFIX,      /* a corpus word starting with the prefix */
  VIA_TYPO,        /* a corpus word within edit distance */
  VIA_TRANSLATION  /* a translation from the lexicon */
} alt_via;
static const char *const via_names[] = {"word", "stem", "prefix", "typo",
                                        "translation"};

/* Parts and concepts one query may hold: every clause a phrase of
** MAX_PHRASE_WORDS words, plus translated phrases. */
#define MAX_PARTS (2 * FOSSC_MAX_CLAUSES * MAX_PHRASE_WORDS)
#define MAX_CONCEPTS (2 * FOSSC_MAX_CLAUSES * MAX_PHRASE_WORDS)

typedef struct alt {
  uint32_t term;
  float weight;
  alt_via via;
  uint32_t cursor; /* index into s->cursors */
} alt;

typedef struct part {
  uint32_t alt0, nalt; /* into s->alts */
} part;

typedef struct concept {
  fossc_qkind kind;
  fossc_qoccur occur;
  uint32_t part0, nparts; /* into s->parts; WORD/PREFIX have 1 part */
  float idf;
  uint32_t label_off, label_len; /* into s->labels: the query text */
  float bonus;  /* > 0: a translated phrase ("great wall" for "gran muralla")
                  that adds bonus x its score but is not a query word: it
                  counts in neither coordination nor the minimum match */
  uint32_t tok; /* WORD: index of its token in s->tok_off */
  /* per-document evaluation state */
  float tf_title, tf_body;   /* all alternatives, weighted */
  float tfo_title, tfo_body; /* the same without translations */
  int matched;
  /* MaxScore: bound on the concept's score in any document, and whether it
  ** is left out of the documents that drive the walk (its bound, with
  ** those of the concepts below it, cannot reach the top k alone) */
  float ub;
  int nonessential;
} concept;

typedef struct heap_ent {
  float score;
  uint32_t doc;
} heap_ent;

struct fossc_searcher {
  fossc_analyzer *an;
  ZSTD_DCtx *dctx;
  fossc_pcursor *cursors;
  uint32_t ncursors, cursors_cap;
  alt *alts;
  uint32_t nalts, alts_cap;
  part parts[MAX_PARTS];
  uint32_t nparts;
  concept concepts[MAX_CONCEPTS];
  uint32_t nconcepts;
  uint32_t min_match; /* optional concepts a document must match */
  fossc_lang qlang;   /* language the query seems to be in, or UNKNOWN */
  fossc_buf suggest;  /* "did you mean" query, when a word was corrected */
  int corrected;
  fossc_buf labels;
  fossc_buf qtext;   /* sanitised query */
  fossc_buf tokbuf;  /* query tokens' plain forms, NUL-separated */
  uint32_t tok_off[FOSSC_MAX_CLAUSES * MAX_PHRASE_WORDS];
  uint32_t ntok;
  uint8_t tok_stop[FOSSC_MAX_CLAUSES * MAX_PHRASE_WORDS];
  uint32_t tok_start[FOSSC_MAX_CLAUSES * MAX_PHRASE_WORDS]; /* in qtext */
  uint32_t tok_end[FOSSC_MAX_CLAUSES * MAX_PHRASE_WORDS];
  /* corrections for the suggestion: token index -> candidate word */
  uint32_t fix_tok[FOSSC_MAX_CLAUSES * MAX_PHRASE_WORDS];
  const char *fix_str[FOSSC_MAX_CLAUSES * MAX_PHRASE_WORDS];
  uint32_t fix_len[FOSSC_MAX_CLAUSES * MAX_PHRASE_WORDS];
  uint32_t nfix;
  fossc_buf term;    /* scratch for one stem */
  heap_ent *heap;
  uint32_t heap_n, heap_cap;
  uint32_t *qterms;  /* sorted term ids of the query, for snippets */
  uint32_t *qterm_concept;
  uint32_t nqterms, qterms_cap;
  fossc_buf docbuf, out, expl;
  fossc_hit *hits;
  uint32_t hits_cap;
  uint32_t *pos_a, *pos_b, pos_cap_a, pos_cap_b;
  /* cursors that drive the disjunctive walk: positive, essential concepts'
  ** cursors not yet exhausted (a flat array: the walk reads them twice per
  ** document) */
  fossc_pcursor **drv; /* a min-heap on doc */
  uint32_t ndrv, drv_cap;
  /* cursors on the current document in the disjunctive walk (alternative
  ** indices; drivers popped from the heap first), so that scoring reads
  ** only those instead of every alternative of the query */
  uint32_t *at, nat, at_cap;
  uint32_t *popped, popped_cap; /* the drivers among them, to step and
                                   push back */
  uint32_t *alt_concept; /* alternative -> its concept */
  uint32_t alt_concept_cap;
  int use_at;
  const fossc_index *ix;
};

/* ------------------------------------------------------------ lifecycle */
int fossc_searcher_create(fossc_searcher **out, fossc_error *err) {
  fossc_searcher *s = fossc_calloc(1, sizeof *s);
  if (!s) return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  int rc = fossc_analyzer_create_sized(SEARCH_STEM_CACHE, &s->an, err);
  if (rc) {
    fossc_free(s);
    return rc;
  }
  s->dctx = ZSTD_createDCtx();
  if (!s->dctx) {
    fossc_searcher_free(s);
    return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  }
  *out = s;
  return FOSSC_OK;
}

void fossc_searcher_free(fossc_searcher *s) {
  if (!s) return;
  fossc_analyzer_free(s->an);
  ZSTD_freeDCtx(s->dctx);
  for (uint32_t i = 0; i < s->cursors_cap; i++)
    fossc_pcursor_release(&s->cursors[i]);
  fossc_free(s->cursors);
  fossc_free(s->alts);
  fossc_buf_free(&s->labels);
  fossc_buf_free(&s->suggest);
  fossc_buf_free(&s->qtext);
  fossc_buf_free(&s->tokbuf);
  fossc_buf_free(&s->term);
  fossc_free(s->heap);
  fossc_free(s->qterms);
  fossc_free(s->qterm_concept);
  fossc_buf_free(&s->docbuf);
  fossc_buf_free(&s->out);
  fossc_buf_free(&s->expl);
  fossc_free(s->hits);
  fossc_free(s->drv);
  fossc_free(s->at);
  fossc_free(s->popped);
  fossc_free(s->alt_concept);
  fossc_free(s->pos_a);
  fossc_free(s->pos_b);
  fossc_free(s);
}

static int grow_arr(void **p, uint32_t *cap, uint32_t need, size_t elem,
                    int zero) {
  if (need <= *cap) return 0;
  uint32_t nc = *cap ? *cap : 16;
  while (nc < need) {
    if (nc > UINT32_MAX / 2) return FOSSC_ERR_NOMEM;
    nc *= 2;
  }
  void *np = fossc_realloc(*p, (size_t)nc * elem);
  if (!np) return FOSSC_ERR_NOMEM;
  if (zero) memset((char *)np + (size_t)*cap * elem, 0, (size_t)(nc - *cap) * elem);
  *p = np;
  *cap = nc;
  return 0;
}

/* ------------------------------------------------------------ analysis */
typedef struct {
  fossc_searcher *s;
  uint32_t first; /* first token of this clause */
  uint32_t base;  /* offset of the clause's text in s->qtext */
} qtok_ctx;

static int on_query_token(void *ctx, const fossc_token *t) {
  qtok_ctx *q = ctx;
  fossc_searcher *s = q->s;
  if (s->ntok - q->first >= MAX_PHRASE_WORDS ||
      s->ntok >= sizeof s->tok_off / sizeof s->tok_off[0])
    return 0; /* cap: extra words of an over-long phrase are ignored */
  s->tok_off[s->ntok] = (uint32_t)s->tokbuf.len;
  s->tok_start[s->ntok] = q->base + t->start;
  s->tok_end[s->ntok] = q->base + t->end;
  s->tok_stop[s->ntok] = (uint8_t)fossc_is_stopword(FOSSC_LANG_UNKNOWN,
                                                    t->surface, t->surface_len);
  fossc_buf_append(&s->tokbuf, t->plain, t->plain_len);
  fossc_buf_putc(&s->tokbuf, '\0');
  s->ntok++;
  return s->tokbuf.oom ? FOSSC_ERR_NOMEM : 0;
}

static int add_alt(fossc_searcher *s, uint32_t term, float weight,
                   alt_via via) {
  /* Past the per-query cap further alternatives are dropped, not an error:
  ** the query still runs on what it has (see MAX_QUERY_ALTS). */
  if (s->nalts >= MAX_QUERY_ALTS) return 0;
  for (uint32_t i = s->parts[s->nparts].alt0; i < s->nalts; i++)
    if (s->alts[i].term == term) {
      if (weight > s->alts[i].weight) {
        s->alts[i].weight = weight;
        s->alts[i].via = via;
      }
      return 0;
    }
  if (grow_arr((void **)&s->alts, &s->alts_cap, s->nalts + 1, sizeof *s->alts,
               0))
    return FOSSC_ERR_NOMEM;
  s->alts[s->nalts].term = term;
  s->alts[s->nalts].weight = weight;
  s->alts[s->nalts].via = via;
  s->nalts++;
  return 0;
}

/* Adds the alternatives of one query word (its plain form) to the part
** being built: its stems in both languages, and every term the corpus's
** words with this plain form produced. */
static int add_word_alts(fossc_searcher *s, const char *plain, size_t n) {
  const fossc_index *ix = s->ix;
  static const fossc_lang langs[2] = {FOSSC_LANG_EN, FOSSC_LANG_ES};
  uint32_t w = fossc_ix_word_lower_bound(ix, plain, n);
  for (uint32_t k = 0; w < ix->nwords && k < MAX_WORD_ALTS; w++, k++) {
    uint32_t len;
    const char *ws = fossc_ix_word_str(ix, w, &len);
    if (len != n || memcmp(ws, plain, n) != 0) break;
    if (add_alt(s, fossc_ix_word_term(ix, w), 1.0f, VIA_WORD))
      return FOSSC_ERR_NOMEM;
  }
  for (int l = 0; l < 2; l++) {
    if (fossc_analyzer_term(s->an, langs[l], plain, n, &s->term))
      return FOSSC_ERR_NOMEM;
    uint32_t t = fossc_ix_find_term(ix, s->term.data, s->term.len);
    /* add_alt keeps the larger weight when the term is already there. */
    if (t != FOSSC_HTAB_EMPTY && add_alt(s, t, GUESSED_STEM_WEIGHT, VIA_STEM))
      return FOSSC_ERR_NOMEM;
  }
  return 0;
}

/* Adds the translations of one query word to the part being built: the
** lexicon is keyed by index terms, so the keys are the word's stems and
** the terms its corpus spellings produced (the alternatives added so far).
** Only the direction from the query's language when it is known. */
static int add_targets(fossc_searcher *s, const fossc_lexicon_target *tg,
                       uint32_t nt) {
  for (uint32_t i = 0; i < nt; i++) {
    if (tg[i].is_phrase) continue;
    uint32_t t = fossc_ix_find_term(s->ix, tg[i].str, tg[i].len);
    if (t != FOSSC_HTAB_EMPTY &&
        add_alt(s, t, TRANSLATION_WEIGHT * tg[i].weight, VIA_TRANSLATION))
      return FOSSC_ERR_NOMEM;
  }
  return 0;
}

static int add_translation_alts(fossc_searcher *s, const char *plain,
                                size_t n) {
  const fossc_index *ix = s->ix;
  if (!ix->has_lex || n + 1 > FOSSC_LEXICON_MAX_STRING) return 0;
  uint32_t a0 = s->parts[s->nparts].alt0, a1 = s->nalts;
  static const fossc_lang langs[2] = {FOSSC_LANG_EN, FOSSC_LANG_ES};
  fossc_lexicon_target tg[MAX_TRANSLATIONS];
  char exact[FOSSC_LEXICON_MAX_STRING + 1];
  exact[0] = '=';
  memcpy(exact + 1, plain, n);
  for (int l = 0; l < 2; l++) {
    fossc_lang from = langs[l];
    if (s->qlang != FOSSC_LANG_UNKNOWN && s->qlang != from) continue;
    /* The word's own lemma entry ("=acero": steel) is precise; stem keys
    ** conflate lemmas ("acer": acero and acera), so they are only the
    ** fallback for inflected forms that are no lemma ("barcos"). */
    uint32_t nt = fossc_lexicon_lookup(&ix->lex, from, exact, n + 1, tg,
                                       MAX_TRANSLATIONS);
    if (nt) {
      if (add_targets(s, tg, nt)) return FOSSC_ERR_NOMEM;
      continue;
    }
    for (uint32_t k = 0; k <= a1 - a0; k++) {
      const char *key;
      uint32_t klen;
      if (k == a1 - a0) {
        if (fossc_analyzer_term(s->an, from, plain, n, &s->term))
          return FOSSC_ERR_NOMEM;
        key = s->term.data;
        klen = (uint32_t)s->term.len;
      } else {
        key = fossc_ix_term_str(ix, s->alts[a0 + k].term, &klen);
      }
      nt = fossc_lexicon_lookup(&ix->lex, from, key, klen, tg,
                                MAX_TRANSLATIONS);
      if (add_targets(s, tg, nt)) return FOSSC_ERR_NOMEM;
    }
  }
  return 0;
}

static int cmp_alt_df_desc(const void *a, const void *b, void *ix) {
  uint32_t da = fossc_ix_term_df(ix, ((const alt *)a)->term);
  uint32_t db = fossc_ix_term_df(ix, ((const alt *)b)->term);
  if (da != db) return da < db ? 1 : -1;
  return ((const alt *)a)->term < ((const alt *)b)->term ? -1 : 1;
}

static int cmp_alt_term(const void *a, const void *b) {
  uint32_t x = ((const alt *)a)->term, y = ((const alt *)b)->term;
  return (x > y) - (x < y);
}

/* Expands a prefix through the corpus's words: the terms of at most
** MAX_PREFIX_SCAN words that start with it, each term once, the most
** frequent MAX_PREFIX_ALTS kept (fewer when the query's budget of
** MAX_QUERY_ALTS is nearly spent). */
static int add_prefix_alts(fossc_searcher *s, const char *plain, size_t n) {
  const fossc_index *ix = s->ix;
  uint32_t first = s->nalts;
  if (first >= MAX_QUERY_ALTS) return 0;
  uint32_t w = fossc_ix_word_lower_bound(ix, plain, n);
  for (uint32_t k = 0; w < ix->nwords && k < MAX_PREFIX_SCAN; w++, k++) {
    uint32_t len;
    const char *ws = fossc_ix_word_str(ix, w, &len);
    if (len < n || memcmp(ws, plain, n) != 0) break;
    if (grow_arr((void **)&s->alts, &s->alts_cap, s->nalts + 1,
                 sizeof *s->alts, 0))
      return FOSSC_ERR_NOMEM;
    alt *a = &s->alts[s->nalts++];
    a->term = fossc_ix_word_term(ix, w);
    a->weight = 1.0f;
    a->via = VIA_PREFIX;
  }
  /* Each term once (several spellings share a stem), then by frequency. */
  uint32_t m = s->nalts - first, u = 0;
  qsort(s->alts + first, m, sizeof *s->alts, cmp_alt_term);
  for (uint32_t i = 0; i < m; i++)
    if (u == 0 || s->alts[first + i].term != s->alts[first + u - 1].term)
      s->alts[first + u++] = s->alts[first + i];
  uint32_t keep = MAX_PREFIX_ALTS;
  if (keep > MAX_QUERY_ALTS - first) keep = MAX_QUERY_ALTS - first;
  if (u > keep)
    qsort_r(s->alts + first, u, sizeof *s->alts, cmp_alt_df_desc, (void *)ix);
  s->nalts = first + (u > keep ? keep : u);
  return 0;
}

/* Adds typo corrections of a word to the part being built when the word
** (nearly) matches nothing. Returns the best candidate when the word
** matches nothing at all (the caller writes it into the suggestion), else
** NULL. */
static const fossc_typo_cand *add_typo_alts(fossc_searcher *s, const char *plain,
                                            size_t n, fossc_typo_cand *cands) {
  const fossc_index *ix = s->ix;
  uint32_t df = 0;
  for (uint32_t i = s->parts[s->nparts].alt0; i < s->nalts; i++) {
    uint32_t d = fossc_ix_term_df(ix, s->alts[i].term);
    if (d > df) df = d;
  }
  if (df > TYPO_MAX_DF) return NULL;
  uint32_t nc = fossc_typo_candidates(ix, plain, n, cands, TYPO_MAX_CANDS);
  /* A candidate rarer than the word as typed is no better a guess. */
  if (nc == 0 || cands[0].df < df) return NULL;
  for (uint32_t c = 0; c < nc; c++) {
    float w = cands[c].dist == 1 ? TYPO_WEIGHT_1 : TYPO_WEIGHT_2;
    if (df > 0) w *= TYPO_FOUND_FACTOR;
    for (uint32_t k = 0; k < cands[c].nterms; k++)
      if (add_alt(s, fossc_ix_word_term(ix, cands[c].word + k), w, VIA_TYPO))
        return NULL;
  }
  /* Only a word that matches nothing is called a mistake to the user. */
  return df == 0 ? &cands[0] : NULL;
}

static void begin_part(fossc_searcher *s) {
  s->parts[s->nparts].alt0 = s->nalts;
  s->parts[s->nparts].nalt = 0;
}

static void end_part(fossc_searcher *s) {
  s->parts[s->nparts].nalt = s->nalts - s->parts[s->nparts].alt0;
  s->nparts++;
}

/* Document frequency of a concept: sum over its alternatives of weight x
** df (probabilistic structured queries, Darwish & Oard 2003), capped at N.
** With weight 1 for every alternative it is an upper bound of the union's
** df; a weak translation ("power" for "energía", weight 0.2) adds a fifth
** of its documents, so frequent loose translations cannot drown the idf of
** the word the user typed. */
static float union_df(const fossc_searcher *s, const part *p) {
  double n = s->ix->ndocs, df = 0;
  for (uint32_t i = 0; i < p->nalt; i++)
    df += s->alts[p->alt0 + i].weight *
          fossc_ix_term_df(s->ix, s->alts[p->alt0 + i].term);
  return (float)(df < n ? df : n);
}

static float idf_of(const fossc_searcher *s, float df) {
  double n = s->ix->ndocs;
  return (float)log(1.0 + (n - df + 0.5) / (df + 0.5));
}

static int add_concept(fossc_searcher *s, const fossc_qclause *c,
                       uint32_t part0, fossc_qkind kind) {
  concept *k = &s->concepts[s->nconcepts++];
  memset(k, 0, sizeof *k);
  k->kind = kind;
  k->occur = c->occur;
  k->part0 = part0;
  k->nparts = s->nparts - part0;
  k->label_off = (uint32_t)s->labels.len;
  k->label_len = c->len;
  fossc_buf_append(&s->labels, c->text, c->len);
  float idf = 0;
  for (uint32_t i = 0; i < k->nparts; i++)
    idf += idf_of(s, union_df(s, &s->parts[part0 + i]));
  k->idf = idf;
  return s->labels.oom ? FOSSC_ERR_NOMEM : 0;
}

/* Multi-word lexicon entries: consecutive optional words of the query
** ("gran muralla", "turismo rural") whose stems form a phrase key get the
** phrase's translations ("great wall", "rural tourism") as bonus phrase
** concepts, appended after the query's own concepts. */
static int add_phrase_translations(fossc_searcher *s) {
  const fossc_index *ix = s->ix;
  if (!ix->has_lex) return 0;
  uint32_t words[FOSSC_MAX_CLAUSES], nw = 0, nbase = s->nconcepts;
  for (uint32_t i = 0; i < nbase && nw < FOSSC_MAX_CLAUSES; i++)
    if (s->concepts[i].kind == FOSSC_Q_WORD &&
        s->concepts[i].occur == FOSSC_Q_SHOULD)
      words[nw++] = i;
  static const fossc_lang langs[2] = {FOSSC_LANG_EN, FOSSC_LANG_ES};
  fossc_lexicon_target tg[MAX_TRANSLATIONS];
  char key[FOSSC_LEXICON_MAX_STRING + 1];
  for (uint32_t w = 0; w + 1 < nw; w++) {
    for (uint32_t len = 2; len <= MAX_PHRASE_KEY_WORDS && w + len <= nw; len++) {
      for (int l = 0; l < 2; l++) {
        fossc_lang from = langs[l];
        if (s->qlang != FOSSC_LANG_UNKNOWN && s->qlang != from) continue;
        size_t kl = 0;
        int fits = 1;
        for (uint32_t j = 0; j < len && fits; j++) {
          const char *p = s->tokbuf.data + s->tok_off[s->concepts[words[w + j]].tok];
          if (fossc_analyzer_term(s->an, from, p, strlen(p), &s->term))
            return FOSSC_ERR_NOMEM;
          if (kl + (j > 0) + s->term.len > FOSSC_LEXICON_MAX_STRING) fits = 0;
          else {
            if (j > 0) key[kl++] = ' ';
            memcpy(key + kl, s->term.data, s->term.len);
            kl += s->term.len;
          }
        }
        if (!fits) continue;
        uint32_t nt = fossc_lexicon_lookup(&ix->lex, from, key, kl, tg,
                                           MAX_TRANSLATIONS);
        for (uint32_t t = 0; t < nt; t++) {
          if (!tg[t].is_phrase || s->nconcepts >= MAX_CONCEPTS) continue;
          uint32_t part0 = s->nparts, a0 = s->nalts;
          const char *q = tg[t].str, *end = q + tg[t].len;
          int ok = 1;
          while (q < end && ok) {
            const char *sp = memchr(q, ' ', (size_t)(end - q));
            size_t n = sp ? (size_t)(sp - q) : (size_t)(end - q);
            uint32_t term = fossc_ix_find_term(ix, q, n);
            if (term == FOSSC_HTAB_EMPTY || s->nparts >= MAX_PARTS) {
              ok = 0;
              break;
            }
            begin_part(s);
            if (add_alt(s, term, 1.0f, VIA_TRANSLATION)) return FOSSC_ERR_NOMEM;
            end_part(s);
            q += n + (sp != NULL);
          }
          if (!ok || s->nparts - part0 < 2) {
            s->nparts = part0; /* roll back a phrase the index cannot match */
            s->nalts = a0;
            continue;
          }
          fossc_qclause label = {FOSSC_Q_PHRASE, FOSSC_Q_SHOULD, tg[t].str,
                                 (uint32_t)tg[t].len};
          if (add_concept(s, &label, part0, FOSSC_Q_PHRASE)) return FOSSC_ERR_NOMEM;
          s->concepts[s->nconcepts - 1].bonus = TRANSLATION_WEIGHT * tg[t].weight;
        }
      }
    }
  }
  return 0;
}

/* Builds concepts from parsed clauses. Stop words are dropped from plain
** word lists when other words remain, kept inside phrases. */
static int build_concepts(fossc_searcher *s, const fossc_query *q) {
  s->nalts = s->nparts = s->nconcepts = 0;
  s->qlang = fossc_detect_lang(s->an, s->qtext.data ? s->qtext.data : "",
                               s->qtext.len);
  fossc_buf_reset(&s->labels);
  fossc_buf_reset(&s->suggest);
  s->corrected = 0;
  s->nfix = 0;
  /* First pass: tokens of every clause, to know if any non-stop word exists. */
  uint32_t tok0[FOSSC_MAX_CLAUSES], ntoks[FOSSC_MAX_CLAUSES];
  int any_content = 0;
  s->ntok = 0;
  fossc_buf_reset(&s->tokbuf);
  for (uint32_t i = 0; i < q->nclauses; i++) {
    const fossc_qclause *c = &q->clauses[i];
    qtok_ctx qc = {s, s->ntok, (uint32_t)(c->text - s->qtext.data)};
    tok0[i] = s->ntok;
    if (fossc_analyze(s->an, c->text, c->len, FOSSC_LANG_UNKNOWN, 0,
                      on_query_token, &qc))
      return FOSSC_ERR_NOMEM;
    ntoks[i] = s->ntok - tok0[i];
    for (uint32_t t = tok0[i]; t < s->ntok; t++)
      if (c->occur != FOSSC_Q_NOT &&
          (!s->tok_stop[t] || c->kind == FOSSC_Q_PHRASE || ntoks[i] > 1))
        any_content = 1;
  }
  for (uint32_t i = 0; i < q->nclauses; i++) {
    const fossc_qclause *c = &q->clauses[i];
    if (ntoks[i] == 0) continue;
    uint32_t part0 = s->nparts;
    const char *tokp = s->tokbuf.data + s->tok_off[tok0[i]];
    if (c->kind == FOSSC_Q_PREFIX && ntoks[i] == 1 &&
        strlen(tokp) >= MIN_PREFIX_BYTES) {
      begin_part(s);
      if (add_prefix_alts(s, tokp, strlen(tokp))) return FOSSC_ERR_NOMEM;
      end_part(s);
      if (add_concept(s, c, part0, FOSSC_Q_PREFIX)) return FOSSC_ERR_NOMEM;
      continue;
    }
    if (ntoks[i] == 1 && c->kind != FOSSC_Q_PHRASE) {
      if (s->tok_stop[tok0[i]] && any_content && c->occur == FOSSC_Q_SHOULD)
        continue;
    }
    for (uint32_t t = tok0[i]; t < tok0[i] + ntoks[i]; t++) {
      const char *p = s->tokbuf.data + s->tok_off[t];
      begin_part(s);
      if (add_word_alts(s, p, strlen(p)) ||
          add_translation_alts(s, p, strlen(p)))
        return FOSSC_ERR_NOMEM;
      fossc_typo_cand cands[TYPO_MAX_CANDS];
      const fossc_typo_cand *best =
          c->occur != FOSSC_Q_NOT ? add_typo_alts(s, p, strlen(p), cands) : NULL;
      if (best) {
        s->fix_tok[s->nfix] = t;
        s->fix_str[s->nfix] = best->str;
        s->fix_len[s->nfix++] = best->len;
      }
      end_part(s);
    }
    fossc_qkind kind = ntoks[i] > 1 ? FOSSC_Q_PHRASE : FOSSC_Q_WORD;
    if (add_concept(s, c, part0, kind)) return FOSSC_ERR_NOMEM;
    s->concepts[s->nconcepts - 1].tok = tok0[i];
  }
  /* The suggestion is the query as typed with only the corrected words
  ** replaced, so operators, quotes and lang: keep their meaning. */
  if (s->nfix) {
    uint32_t at = 0;
    for (uint32_t f = 0; f < s->nfix; f++) {
      uint32_t t = s->fix_tok[f];
      fossc_buf_append(&s->suggest, s->qtext.data + at, s->tok_start[t] - at);
      fossc_buf_append(&s->suggest, s->fix_str[f], s->fix_len[f]);
      at = s->tok_end[t];
    }
    fossc_buf_append(&s->suggest, s->qtext.data + at, s->qtext.len - at);
    if (s->suggest.oom) return FOSSC_ERR_NOMEM;
    s->corrected = 1;
  }
  return add_phrase_translations(s);
}

/* ------------------------------------------------------------ cursors */
static int open_cursors(fossc_searcher *s) {
  if (grow_arr((void **)&s->cursors, &s->cursors_cap, s->nalts ? s->nalts : 1,
               sizeof *s->cursors, 1))
    return FOSSC_ERR_NOMEM;
  for (uint32_t i = 0; i < s->nalts; i++) {
    size_t len;
    const uint8_t *p = fossc_ix_term_postings(s->ix, s->alts[i].term, &len);
    s->alts[i].cursor = i;
    fossc_pcursor_open(&s->cursors[i], p, len,
                       fossc_ix_term_df(s->ix, s->alts[i].term), s->dctx);
  }
  s->ncursors = s->nalts;
  return 0;
}

static int any_corrupt(const fossc_searcher *s) {
  for (uint32_t i = 0; i < s->ncursors; i++)
    if (s->cursors[i].corrupt) return 1;
  return 0;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* Merged, sorted positions of a part at the current document into *dst. */
static uint32_t part_positions(fossc_searcher *s, const part *p, uint32_t doc,
                               uint32_t **dst, uint32_t *cap) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < p->nalt; i++) {
    fossc_pcursor *c = &s->cursors[s->alts[p->alt0 + i].cursor];
    if (c->doc != doc) continue;
    const uint32_t *pos;
    uint32_t m = fossc_pcursor_positions(c, &pos);
    if (m == 0) continue; /* corrupt block: the cursor has flagged it */
    if (grow_arr((void **)dst, cap, n + m, sizeof **dst, 0)) return n;
    memcpy(*dst + n, pos, (size_t)m * sizeof *pos);
    n += m;
  }
  if (p->nalt > 1 && n > 64) {
    qsort(*dst, n, sizeof **dst, cmp_u32);
  } else if (p->nalt > 1) {
    /* Small insertion sort: few positions in most documents. */
    uint32_t *a = *dst;
    for (uint32_t i = 1; i < n; i++) {
      uint32_t v = a[i], j = i;
      while (j > 0 && a[j - 1] > v) {
        a[j] = a[j - 1];
        j--;
      }
      a[j] = v;
    }
  }
  return n;
}

/* Counts phrase occurrences at doc, split by field. The part with the
** fewest occurrences here anchors the candidate start positions; each
** other part then marks the candidates it continues, alternative by
** alternative (each alternative's positions are sorted, so this is a merge
** with no sort), and the check stops once no candidate is left. */
static void eval_phrase(fossc_searcher *s, concept *k, uint32_t doc,
                        uint32_t body_start) {
  k->tf_title = k->tf_body = 0;
  uint32_t anchor = 0, fewest = UINT32_MAX;
  for (uint32_t i = 0; i < k->nparts; i++) {
    const part *p = &s->parts[k->part0 + i];
    uint32_t t = 0;
    for (uint32_t a = 0; a < p->nalt; a++) {
      const fossc_pcursor *c = &s->cursors[s->alts[p->alt0 + a].cursor];
      if (c->doc == doc) t += c->tft[c->i] + c->tfb[c->i];
    }
    if (t == 0) return;
    if (t < fewest) {
      fewest = t;
      anchor = i;
    }
  }
  uint32_t n0 = part_positions(s, &s->parts[k->part0 + anchor], doc,
                               &s->pos_a, &s->pos_cap_a);
  uint32_t *cand = s->pos_a, n = 0;
  for (uint32_t j = 0; j < n0; j++)
    if (cand[j] >= anchor) cand[n++] = cand[j] - anchor; /* start positions */
  if (n && grow_arr((void **)&s->pos_b, &s->pos_cap_b, n, sizeof *s->pos_b, 0))
    return;
  uint32_t *mark = s->pos_b;
  for (uint32_t i = 0; i < k->nparts && n; i++) {
    if (i == anchor) continue;
    const part *p = &s->parts[k->part0 + i];
    memset(mark, 0, (size_t)n * sizeof *mark);
    for (uint32_t a = 0; a < p->nalt; a++) {
      fossc_pcursor *c = &s->cursors[s->alts[p->alt0 + a].cursor];
      if (c->doc != doc) continue;
      const uint32_t *pos;
      uint32_t m = fossc_pcursor_positions(c, &pos), j = 0;
      for (uint32_t q = 0; q < n && j < m; q++) {
        uint32_t want = cand[q] + i;
        while (j < m && pos[j] < want) j++;
        if (j < m && pos[j] == want) mark[q] = 1;
      }
    }
    uint32_t out = 0;
    for (uint32_t q = 0; q < n; q++)
      if (mark[q]) cand[out++] = cand[q];
    n = out;
  }
  for (uint32_t q = 0; q < n; q++) {
    if (cand[q] < body_start)
      k->tf_title += 1;
    else
      k->tf_body += 1;
  }
}

static void eval_terms(fossc_searcher *s, concept *k, uint32_t doc) {
  const part *p = &s->parts[k->part0];
  k->tf_title = k->tf_body = k->tfo_title = k->tfo_body = 0;
  for (uint32_t i = 0; i < p->nalt; i++) {
    const alt *a = &s->alts[p->alt0 + i];
    const fossc_pcursor *c = &s->cursors[a->cursor];
    if (c->doc != doc) continue;
    k->tf_title += a->weight * c->tft[c->i];
    k->tf_body += a->weight * c->tfb[c->i];
    if (a->via != VIA_TRANSLATION) {
      k->tfo_title += a->weight * c->tft[c->i];
      k->tfo_body += a->weight * c->tfb[c->i];
    }
  }
}

static float bm25f(const fossc_searcher *s, const concept *k, uint32_t doc) {
  const float *in = s->ix->inv_norm + 2 * (size_t)doc;
  float tfn = k->tf_title * in[0] + k->tf_body * in[1];
  float all = k->idf * (FOSSC_BM25_K1 + 1) * tfn / (FOSSC_BM25_K1 + tfn);
  if (k->kind == FOSSC_Q_PHRASE) return all;
  /* Translations may add to a concept's frequency but their share of the
  ** score is discounted: a document that has the word as typed is not
  ** outranked by one that merely uses a translation more often. */
  float tfo = k->tfo_title * in[0] + k->tfo_body * in[1];
  float orig = k->idf * (FOSSC_BM25_K1 + 1) * tfo / (FOSSC_BM25_K1 + tfo);
  all *= TRANSLATED_SCORE_FACTOR;
  return orig > all ? orig : all;
}

/* A window is skipped only when its bound is below the threshold by more
** than float rounding: the bound and the scores are summed in different
** orders, and a document equal to the threshold may still enter the top k
** on its document number. */
#define PRUNE_MARGIN 1.0001f

/* Largest proximity bonus among a set of word concepts: PROX_WEIGHT x the
** smaller idf of each consecutive matched pair (distance >= 1), so at most
** the sum of their idfs but the smallest; nothing for fewer than two. */
typedef struct prox_acc {
  float sum, least;
  uint32_t n;
} prox_acc;

static void prox_add(prox_acc *p, float idf) {
  p->sum += idf;
  if (p->n++ == 0 || idf < p->least) p->least = idf;
}

static float prox_bound(const prox_acc *p) {
  return p->n >= 2 ? PROX_WEIGHT * (p->sum - p->least) : 0;
}

/* Largest tfn (BM25F field-weighted, length-normalised frequency) whose
** saturation tfn / (k1 + tfn) is m: the inverse of the stored block maximum. */
static float tfn_of_saturation(float m) {
  if (m <= 0) return 0;
  if (m >= 0.99999f) return 1e9f;
  return FOSSC_BM25_K1 * m / (1.0f - m);
}

/* Bound on the first-pass score (BM25F x coordination, without proximity)
** of every document from doc up to *end, the first block end among the
** positive cursors: within that window every cursor's documents lie in its
** current block, whose stored maximum saturation bounds its tfn. A concept's
** tfn is the weighted sum of its alternatives' tfn (a phrase's at most that
** of its rarest part, unweighted), BM25F is increasing in tfn, the
** translated share only lowers a score and coordination is at most 1, so
** the sum over concepts bounds the score. Cursors already past the window
** add nothing. (Block-max pruning; Ding & Suel 2011.) */
static float window_bound(const fossc_searcher *s, uint32_t *end,
                          int with_prox) {
  uint32_t win = FOSSC_DOC_END;
  prox_acc pb = {0, 0, 0};
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    const concept *k = &s->concepts[i];
    if (k->occur == FOSSC_Q_NOT) continue;
    for (uint32_t p = 0; p < k->nparts; p++) {
      const part *pt = &s->parts[k->part0 + p];
      for (uint32_t a = 0; a < pt->nalt; a++) {
        uint32_t last = fossc_pcursor_block_last(&s->cursors[s->alts[pt->alt0 + a].cursor]);
        if (last < win) win = last;
      }
    }
  }
  float ub = 0;
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    const concept *k = &s->concepts[i];
    if (k->occur == FOSSC_Q_NOT) continue;
    float tfn = k->kind == FOSSC_Q_PHRASE ? 1e30f : 0;
    for (uint32_t p = 0; p < k->nparts; p++) {
      const part *pt = &s->parts[k->part0 + p];
      float t = 0;
      for (uint32_t a = 0; a < pt->nalt; a++) {
        const alt *al = &s->alts[pt->alt0 + a];
        const fossc_pcursor *c = &s->cursors[al->cursor];
        if (c->doc > win) continue;
        float m = tfn_of_saturation(fossc_pcursor_block_max(c));
        t += k->kind == FOSSC_Q_PHRASE ? m : al->weight * m;
      }
      if (k->kind == FOSSC_Q_PHRASE) {
        if (t < tfn) tfn = t;
      } else {
        tfn += t;
      }
    }
    float b = k->idf * (FOSSC_BM25_K1 + 1) * tfn / (FOSSC_BM25_K1 + tfn);
    ub += k->bonus > 0 ? k->bonus * b : b;
    if (k->kind != FOSSC_Q_PHRASE && tfn > 0) prox_add(&pb, k->idf);
  }
  *end = win;
  return ub + (with_prox ? prox_bound(&pb) : 0);
}

/* Sets each positive concept's bound on its score in any document, from
** the largest block maximum of each alternative's list (window_bound's
** reasoning, over whole lists). */
static void concept_bounds(fossc_searcher *s) {
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    concept *k = &s->concepts[i];
    k->ub = 0;
    k->nonessential = 0;
    if (k->occur == FOSSC_Q_NOT) continue;
    float tfn = k->kind == FOSSC_Q_PHRASE ? 1e30f : 0;
    for (uint32_t p = 0; p < k->nparts; p++) {
      const part *pt = &s->parts[k->part0 + p];
      float t = 0;
      for (uint32_t a = 0; a < pt->nalt; a++) {
        const alt *al = &s->alts[pt->alt0 + a];
        float m = tfn_of_saturation(fossc_pcursor_list_max(&s->cursors[al->cursor]));
        t += k->kind == FOSSC_Q_PHRASE ? m : al->weight * m;
      }
      if (k->kind == FOSSC_Q_PHRASE) {
        if (t < tfn) tfn = t;
      } else {
        tfn += t;
      }
    }
    float b = k->idf * (FOSSC_BM25_K1 + 1) * tfn / (FOSSC_BM25_K1 + tfn);
    k->ub = k->bonus > 0 ? k->bonus * b : b;
  }
}

/* MaxScore (Turtle & Flood 1995): with the concepts in increasing order of
** bound, the longest prefix whose bounds add up to less than theta cannot
** put a document into the top k by itself, so its cursors stop driving
** the walk and are only sought to the documents the others propose.
** Returns the number of non-essential concepts. */
static uint32_t mark_nonessential(fossc_searcher *s, float theta,
                                  int with_prox) {
  uint32_t order[MAX_CONCEPTS], n = 0, marked = 0;
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    s->concepts[i].nonessential = 0;
    if (s->concepts[i].occur == FOSSC_Q_NOT) continue;
    uint32_t j = n++;
    while (j > 0 && s->concepts[order[j - 1]].ub > s->concepts[i].ub) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
  }
  float sum = 0;
  prox_acc pb = {0, 0, 0};
  for (uint32_t j = 0; j + 1 < n; j++) { /* one concept always drives */
    const concept *k = &s->concepts[order[j]];
    sum += k->ub;
    /* A document reached only through these concepts has no proximity
    ** bonus with the others: bound it by the bonus among these alone. */
    if (k->kind != FOSSC_Q_PHRASE) prox_add(&pb, k->idf);
    float bonus = with_prox ? prox_bound(&pb) : 0;
    if ((sum + bonus) * PRUNE_MARGIN >= theta) break;
    s->concepts[order[j]].nonessential = 1;
    marked++;
  }
  return marked;
}

static void drv_sift_down(fossc_pcursor **h, uint32_t n, uint32_t i) {
  fossc_pcursor *x = h[i];
  for (;;) {
    uint32_t l = 2 * i + 1, m = l;
    if (l >= n) break;
    if (l + 1 < n && h[l + 1]->doc < h[l]->doc) m = l + 1;
    if (h[m]->doc >= x->doc) break;
    h[i] = h[m];
    i = m;
  }
  h[i] = x;
}

static void drv_push(fossc_searcher *s, fossc_pcursor *c) {
  uint32_t i = s->ndrv++;
  while (i > 0 && s->drv[(i - 1) / 2]->doc > c->doc) {
    s->drv[i] = s->drv[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  s->drv[i] = c;
}

/* Drops exhausted drivers and restores the heap after cursors moved. */
static void drv_heapify(fossc_searcher *s) {
  for (uint32_t i = 0; i < s->ndrv;) {
    if (s->drv[i]->doc == FOSSC_DOC_END)
      s->drv[i] = s->drv[--s->ndrv];
    else
      i++;
  }
  for (uint32_t i = s->ndrv / 2; i-- > 0;) drv_sift_down(s->drv, s->ndrv, i);
}

static int build_drivers(fossc_searcher *s) {
  if (grow_arr((void **)&s->drv, &s->drv_cap, s->nalts + 1, sizeof *s->drv, 0) ||
      grow_arr((void **)&s->popped, &s->popped_cap, s->nalts + 1, sizeof *s->popped, 0) ||
      grow_arr((void **)&s->at, &s->at_cap, s->nalts + 1, sizeof *s->at, 0) ||
      grow_arr((void **)&s->alt_concept, &s->alt_concept_cap, s->nalts + 1,
               sizeof *s->alt_concept, 0))
    return FOSSC_ERR_NOMEM;
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    const concept *c = &s->concepts[i];
    for (uint32_t p = 0; p < c->nparts; p++) {
      const part *pt = &s->parts[c->part0 + p];
      for (uint32_t a = 0; a < pt->nalt; a++) s->alt_concept[pt->alt0 + a] = i;
    }
  }
  s->ndrv = 0;
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    const concept *c = &s->concepts[i];
    if (c->occur == FOSSC_Q_NOT || c->nonessential) continue;
    for (uint32_t p = 0; p < c->nparts; p++) {
      const part *pt = &s->parts[c->part0 + p];
      for (uint32_t a = 0; a < pt->nalt; a++) {
        fossc_pcursor *cur = &s->cursors[s->alts[pt->alt0 + a].cursor];
        if (cur->doc != FOSSC_DOC_END) s->drv[s->ndrv++] = cur;
      }
    }
  }
  drv_heapify(s);
  return 0;
}

/* Bound on a document's first-pass score from frequencies alone, for
** queries with phrases: a phrase occurs at most as often as its rarest
** part, so the positions (the costly part of a phrase) are read only for
** documents that could still enter the top k. Word concepts score
** exactly; coordination (<= 1) is left out. */
static float doc_bound(fossc_searcher *s, uint32_t doc, int with_prox) {
  const float *in = s->ix->inv_norm + 2 * (size_t)doc;
  float ub = 0;
  prox_acc pb = {0, 0, 0};
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    concept *k = &s->concepts[i];
    if (k->occur == FOSSC_Q_NOT) continue;
    if (k->kind != FOSSC_Q_PHRASE) {
      eval_terms(s, k, doc);
      if (k->tf_title + k->tf_body > 0) {
        ub += bm25f(s, k, doc);
        prox_add(&pb, k->idf);
      }
      continue;
    }
    float tfn = 1e30f;
    for (uint32_t p = 0; p < k->nparts && tfn > 0; p++) {
      const part *pt = &s->parts[k->part0 + p];
      float t = 0;
      for (uint32_t a = 0; a < pt->nalt; a++) {
        const fossc_pcursor *c = &s->cursors[s->alts[pt->alt0 + a].cursor];
        if (c->doc == doc)
          t += c->tft[c->i] * in[0] + c->tfb[c->i] * in[1];
      }
      if (t < tfn) tfn = t;
    }
    float b = k->idf * (FOSSC_BM25_K1 + 1) * tfn / (FOSSC_BM25_K1 + tfn);
    ub += k->bonus > 0 ? k->bonus * b : b;
  }
  return ub + (with_prox ? prox_bound(&pb) : 0);
}

/* Smallest distance between positions of two word concepts at doc. */
static uint32_t min_distance(fossc_searcher *s, const concept *a,
                             const concept *b, uint32_t doc) {
  uint32_t na = part_positions(s, &s->parts[a->part0], doc, &s->pos_a,
                               &s->pos_cap_a);
  uint32_t nb = part_positions(s, &s->parts[b->part0], doc, &s->pos_b,
                               &s->pos_cap_b);
  uint32_t best = UINT32_MAX, i = 0, j = 0;
  while (i < na && j < nb) {
    uint32_t x = s->pos_a[i], y = s->pos_b[j];
    uint32_t d = x > y ? x - y : y - x;
    if (d < best) best = d;
    if (x < y)
      i++;
    else
      j++;
  }
  return best;
}

typedef struct score_parts {
  float bm25, prox, coord, total;
  uint32_t matched, positive;
} score_parts;

static void add_proximity(fossc_searcher *s, uint32_t doc, score_parts *sp);

/* Scores the document all cursors are positioned on (or past). Returns 0 if
** it does not match the query's required/excluded/phrase constraints, 1 if
** it matches. Without with_proximity, positions are not read and
** sp->total is BM25F x coordination only (the walk adds proximity only
** when that can still put the document into the top k). */
static int score_doc(fossc_searcher *s, uint32_t doc, score_parts *sp,
                     int with_proximity) {
  memset(sp, 0, sizeof *sp);
  uint32_t body_start = fossc_ix_title_len(s->ix, doc) + FOSSC_FIELD_GAP;
  if (s->use_at) {
    /* Word frequencies from the cursors on doc only (the walk's list). */
    for (uint32_t i = 0; i < s->nconcepts; i++) {
      concept *k = &s->concepts[i];
      k->tf_title = k->tf_body = k->tfo_title = k->tfo_body = 0;
    }
    for (uint32_t j = 0; j < s->nat; j++) {
      const alt *a = &s->alts[s->at[j]];
      concept *k = &s->concepts[s->alt_concept[s->at[j]]];
      if (k->kind == FOSSC_Q_PHRASE) continue;
      const fossc_pcursor *c = &s->cursors[a->cursor];
      k->tf_title += a->weight * c->tft[c->i];
      k->tf_body += a->weight * c->tfb[c->i];
      if (a->via != VIA_TRANSLATION) {
        k->tfo_title += a->weight * c->tft[c->i];
        k->tfo_body += a->weight * c->tfb[c->i];
      }
    }
  }
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    concept *k = &s->concepts[i];
    k->matched = 0;
    if (k->occur == FOSSC_Q_NOT) {
      const part *p = &s->parts[k->part0];
      for (uint32_t j = 0; j < p->nalt && k->nparts; j++)
        fossc_pcursor_seek(&s->cursors[s->alts[p->alt0 + j].cursor], doc);
      if (k->kind == FOSSC_Q_PHRASE) {
        for (uint32_t q = 1; q < k->nparts; q++) {
          const part *pp = &s->parts[k->part0 + q];
          for (uint32_t j = 0; j < pp->nalt; j++)
            fossc_pcursor_seek(&s->cursors[s->alts[pp->alt0 + j].cursor], doc);
        }
        eval_phrase(s, k, doc, body_start);
      } else {
        eval_terms(s, k, doc);
      }
      if (k->tf_title + k->tf_body > 0) return 0;
      continue;
    }
    if (k->bonus > 0) {
      eval_phrase(s, k, doc, body_start);
      if (k->tf_title + k->tf_body > 0) sp->bm25 += k->bonus * bm25f(s, k, doc);
      continue;
    }
    sp->positive++;
    if (k->kind == FOSSC_Q_PHRASE)
      eval_phrase(s, k, doc, body_start);
    else if (!s->use_at)
      eval_terms(s, k, doc);
    if (k->tf_title + k->tf_body > 0) {
      k->matched = 1;
      sp->matched++;
      sp->bm25 += bm25f(s, k, doc);
    } else if (k->occur == FOSSC_Q_MUST) {
      return 0;
    }
  }
  if (sp->matched == 0 || sp->matched < s->min_match) return 0;
  sp->coord = (1.0f + sp->matched) / (1.0f + sp->positive);
  sp->total = sp->bm25 * sp->coord;
  if (with_proximity) add_proximity(s, doc, sp);
  return 1;
}

/* Adds the proximity bonus of consecutive matched single-word concepts to
** a document score_doc has just matched (its cursors still on doc). */
static void add_proximity(fossc_searcher *s, uint32_t doc, score_parts *sp) {
  const concept *prev = NULL;
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    const concept *k = &s->concepts[i];
    if (k->occur == FOSSC_Q_NOT || k->kind == FOSSC_Q_PHRASE) {
      prev = NULL;
      continue;
    }
    if (!k->matched) continue;
    if (prev) {
      uint32_t d = min_distance(s, prev, k, doc);
      if (d >= 1 && d <= PROX_WINDOW)
        sp->prox += PROX_WEIGHT * (prev->idf < k->idf ? prev->idf : k->idf) / d;
    }
    prev = k;
  }
  sp->total = (sp->bm25 + sp->prox) * sp->coord;
}

/* ------------------------------------------------------------ top k */
static int heap_less(const heap_ent *a, const heap_ent *b) {
  /* The heap's root is the worst hit: lower score, or on ties the later
  ** document (ties rank by document number, so results are stable). */
  if (a->score != b->score) return a->score < b->score;
  return a->doc > b->doc;
}

static void heap_push(fossc_searcher *s, uint32_t k, float score, uint32_t doc) {
  heap_ent e = {score, doc};
  heap_ent *h = s->heap;
  if (s->heap_n < k) {
    uint32_t i = s->heap_n++;
    while (i > 0 && heap_less(&e, &h[(i - 1) / 2])) {
      h[i] = h[(i - 1) / 2];
      i = (i - 1) / 2;
    }
    h[i] = e;
    return;
  }
  if (!heap_less(&h[0], &e)) return;
  uint32_t i = 0, n = s->heap_n;
  for (;;) {
    uint32_t l = 2 * i + 1, r = l + 1, m = i;
    const heap_ent *best = &e;
    if (l < n && heap_less(&h[l], best)) m = l, best = &h[l];
    if (r < n && heap_less(&h[r], best)) m = r;
    if (m == i) break;
    h[i] = h[m];
    i = m;
  }
  h[i] = e;
}

/* Whether a proximity bonus is possible: two or more word concepts. */
static int needs_proximity(const fossc_searcher *s) {
  uint32_t words = 0;
  for (uint32_t i = 0; i < s->nconcepts; i++)
    words += s->concepts[i].occur != FOSSC_Q_NOT &&
             s->concepts[i].kind != FOSSC_Q_PHRASE;
  return words >= 2;
}

/* Largest proximity bonus of the document score_doc has just matched
** (its matched word concepts). */
static float matched_prox_bound(const fossc_searcher *s) {
  prox_acc pb = {0, 0, 0};
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    const concept *k = &s->concepts[i];
    if (k->matched && k->kind != FOSSC_Q_PHRASE) prox_add(&pb, k->idf);
  }
  return prox_bound(&pb);
}

static int cmp_heap_desc(const void *a, const void *b) {
  const heap_ent *x = a, *y = b;
  if (heap_less(x, y)) return 1;
  if (heap_less(y, x)) return -1;
  return 0;
}

/* ------------------------------------------------------------ snippets */
static int snippet_match(void *ctx, const char *term, size_t len) {
  fossc_searcher *s = ctx;
  uint32_t t = fossc_ix_find_term(s->ix, term, len);
  if (t == FOSSC_HTAB_EMPTY) return -1;
  uint32_t lo = 0, hi = s->nqterms;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (s->qterms[mid] < t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < s->nqterms && s->qterms[lo] == t ? (int)s->qterm_concept[lo] : -1;
}

static int collect_query_terms(fossc_searcher *s) {
  uint32_t cap = s->qterms_cap;
  if (grow_arr((void **)&s->qterms, &cap, s->nalts + 1, sizeof *s->qterms, 0))
    return FOSSC_ERR_NOMEM;
  cap = s->qterms_cap;
  if (grow_arr((void **)&s->qterm_concept, &cap, s->nalts + 1,
               sizeof *s->qterm_concept, 0))
    return FOSSC_ERR_NOMEM;
  s->qterms_cap = cap;
  s->nqterms = 0;
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    const concept *k = &s->concepts[i];
    if (k->occur == FOSSC_Q_NOT) continue;
    for (uint32_t p = 0; p < k->nparts; p++) {
      const part *pt = &s->parts[k->part0 + p];
      for (uint32_t a = 0; a < pt->nalt; a++) {
        /* insertion into the sorted array (queries have few terms) */
        uint32_t t = s->alts[pt->alt0 + a].term, j = s->nqterms;
        int dup = 0;
        for (uint32_t q = 0; q < s->nqterms; q++)
          if (s->qterms[q] == t) dup = 1;
        if (dup) continue;
        while (j > 0 && s->qterms[j - 1] > t) {
          s->qterms[j] = s->qterms[j - 1];
          s->qterm_concept[j] = s->qterm_concept[j - 1];
          j--;
        }
        s->qterms[j] = t;
        s->qterm_concept[j] = i * MAX_PHRASE_WORDS + p;
        s->nqterms++;
      }
    }
  }
  return 0;
}

/* ------------------------------------------------------------ explain */
static void explain_doc(fossc_searcher *s, uint32_t doc, fossc_buf *b) {
  /* Fresh cursors positioned on doc, then the same scoring code. */
  open_cursors(s);
  for (uint32_t i = 0; i < s->ncursors; i++)
    fossc_pcursor_seek(&s->cursors[i], doc);
  score_parts sp;
  int ok = score_doc(s, doc, &sp, 1);
  fossc_buf_printf(b, "{\"score\":%.4f,\"bm25f\":%.4f,\"proximity\":%.4f,"
                   "\"coord\":%.4f,\"matched\":%u,\"concepts\":%u,\"parts\":[",
                   ok ? sp.total : 0.0, sp.bm25, sp.prox, sp.coord, sp.matched,
                   sp.positive);
  int first = 1;
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    concept *k = &s->concepts[i];
    if (k->occur == FOSSC_Q_NOT) continue;
    if (!first) fossc_buf_putc(b, ',');
    first = 0;
    static const char *const kinds[] = {"word", "phrase", "prefix"};
    fossc_buf_puts(b, "{\"query\":");
    fossc_json_put_string(b, s->labels.data + k->label_off, k->label_len);
    fossc_buf_printf(b, ",\"kind\":\"%s\",\"idf\":%.4f,\"tf_title\":%.2f,"
                     "\"tf_body\":%.2f,\"score\":%.4f,\"terms\":[",
                     kinds[k->kind], k->idf, k->tf_title, k->tf_body,
                     k->matched ? bm25f(s, k, doc) : 0.0);
    int tfirst = 1;
    for (uint32_t p = 0; p < k->nparts; p++) {
      const part *pt = &s->parts[k->part0 + p];
      for (uint32_t a = 0; a < pt->nalt; a++) {
        const alt *al = &s->alts[pt->alt0 + a];
        const fossc_pcursor *c = &s->cursors[al->cursor];
        if (c->doc != doc) continue;
        uint32_t len;
        const char *ts = fossc_ix_term_str(s->ix, al->term, &len);
        if (!tfirst) fossc_buf_putc(b, ',');
        tfirst = 0;
        fossc_buf_puts(b, "{\"term\":");
        fossc_json_put_string(b, ts, len);
        fossc_buf_printf(b, ",\"via\":\"%s\",\"weight\":%.2f,\"tf_title\":%u,"
                         "\"tf_body\":%u}",
                         via_names[al->via], al->weight, c->tft[c->i],
                         c->tfb[c->i]);
      }
    }
    fossc_buf_puts(b, "]}");
  }
  fossc_buf_puts(b, "]}");
}

/* ------------------------------------------------------------ search */
int fossc_search(fossc_searcher *s, const fossc_index *ix,
                 const fossc_search_req *req, fossc_results *out,
                 fossc_error *err) {
  uint64_t t0 = fossc_now_us();
  fossc_query q;
  memset(out, 0, sizeof *out);
  s->ix = ix;
  uint32_t limit = req->limit ? req->limit : FOSSC_DEFAULT_LIMIT;
  if (limit > FOSSC_MAX_LIMIT || req->offset > FOSSC_MAX_LIMIT - limit)
    return fossc_error_set(err, FOSSC_ERR_LIMIT,
                           "offset + limit must not exceed %d", FOSSC_MAX_LIMIT);
  if (req->explain && limit > FOSSC_MAX_EXPLAIN_LIMIT)
    return fossc_error_set(err, FOSSC_ERR_LIMIT,
                           "explain is limited to %d hits per request",
                           FOSSC_MAX_EXPLAIN_LIMIT);
  if (req->query_len > FOSSC_MAX_QUERY_BYTES)
    return fossc_error_set(err, FOSSC_ERR_LIMIT,
                           "query is %zu bytes; the limit is %d",
                           req->query_len, FOSSC_MAX_QUERY_BYTES);
  if (fossc_utf8_sanitize(req->query, req->query_len, &s->qtext) < 0)
    return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  int rc = fossc_query_parse(s->qtext.data ? s->qtext.data : "", s->qtext.len,
                             &q, err);
  if (rc) return rc;
  fossc_lang lang = req->lang != FOSSC_LANG_UNKNOWN ? req->lang : q.lang;
  if (build_concepts(s, &q) || open_cursors(s) || collect_query_terms(s))
    return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  concept_bounds(s);
  uint32_t optional = 0, required = 0;
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    optional += s->concepts[i].occur == FOSSC_Q_SHOULD && !(s->concepts[i].bonus > 0);
    required += s->concepts[i].occur == FOSSC_Q_MUST;
  }
  /* matched counts required concepts too: they always match */
  s->min_match = (!q.explicit_or && optional >= MIN_MATCH_FROM)
                     ? required + (optional + 1) / 2
                     : 0;

  uint32_t k = req->offset + limit;
  /* Every matching document gets BM25F x coordination; proximity needs
  ** positions, so only a document whose score plus the largest possible
  ** bonus can still enter the top k pays for it. The pruning bounds add
  ** that bonus too (prox_bound). */
  int rescore = needs_proximity(s);
  uint32_t depth = k;
  if (grow_arr((void **)&s->heap, &s->heap_cap, depth, sizeof *s->heap, 0))
    return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  s->heap_n = 0;
  uint64_t total = 0;
  /* Block-max pruning (window_bound) once the heap is full, unless the
  ** caller asked for an exact count of matching documents. */
  int prune = !req->exact_total, pruned = 0, has_phrase = 0;
  for (uint32_t i = 0; i < s->nconcepts; i++)
    has_phrase |= s->concepts[i].kind == FOSSC_Q_PHRASE &&
                  s->concepts[i].occur != FOSSC_Q_NOT;
  uint32_t win_end = 0, nness = 0;
  int drivers_built = 0;
  uint32_t npopped = 0;
  float win_ub = 0, theta = -1;
  int win_valid = 0;

  /* Parts every matching document must contain (required concepts, or
  ** the only concept when it is a phrase): when there are some, documents
  ** are found by leapfrogging over them (conjunctive, skipping blocks),
  ** otherwise the positive cursors drive a disjunctive walk. NOT cursors
  ** are only sought. */
  uint32_t req_parts[FOSSC_MAX_CLAUSES * MAX_PHRASE_WORDS], nreq = 0;
  uint32_t npositive = 0, npos_cur = 0;
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    const concept *c = &s->concepts[i];
    if (c->occur == FOSSC_Q_NOT) continue;
    npositive += !(c->bonus > 0);
    for (uint32_t p = 0; p < c->nparts; p++) npos_cur += s->parts[c->part0 + p].nalt;
  }
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    const concept *c = &s->concepts[i];
    if (c->occur == FOSSC_Q_MUST ||
        (npositive == 1 && c->occur == FOSSC_Q_SHOULD && c->kind == FOSSC_Q_PHRASE))
      for (uint32_t p = 0; p < c->nparts; p++) req_parts[nreq++] = c->part0 + p;
  }
  uint32_t doc = 0;
  while (npos_cur) {
    if (nreq) {
      /* Leapfrog: every required part at the same document. */
      for (;;) {
        uint32_t hi = doc;
        int agree = 1;
        for (uint32_t r = 0; r < nreq; r++) {
          const part *pt = &s->parts[req_parts[r]];
          uint32_t lo = FOSSC_DOC_END;
          for (uint32_t a = 0; a < pt->nalt; a++) {
            uint32_t d = fossc_pcursor_seek(&s->cursors[s->alts[pt->alt0 + a].cursor], hi);
            if (d < lo) lo = d;
          }
          if (lo != hi) agree = 0;
          if (lo > hi) hi = lo;
          if (hi == FOSSC_DOC_END) break;
        }
        doc = hi;
        if (agree || doc == FOSSC_DOC_END) break;
      }
      if (doc == FOSSC_DOC_END) break;
      for (uint32_t c = 0; c < s->ncursors; c++) fossc_pcursor_seek(&s->cursors[c], doc);
      if (prune && s->heap_n == depth) {
        if (!win_valid || doc > win_end) {
          win_ub = window_bound(s, &win_end, rescore);
          win_valid = 1;
        }
        if (win_ub * PRUNE_MARGIN < s->heap[0].score) {
          pruned = 1;
          if (win_end >= FOSSC_DOC_END - 1) break;
          doc = win_end + 1;
          continue;
        }
      }
    } else {
      if (!drivers_built) {
        if (build_drivers(s))
          return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
        drivers_built = 1;
      }
      if (prune && s->heap_n == depth && s->heap[0].score != theta) {
        theta = s->heap[0].score;
        uint32_t was = nness;
        nness = mark_nonessential(s, theta, rescore);
        if (nness) pruned = 1;
        if (nness != was) build_drivers(s); /* shrinks: cannot fail */
      }
      doc = s->ndrv ? s->drv[0]->doc : FOSSC_DOC_END;
      if (doc == FOSSC_DOC_END) break;
      for (uint32_t i = 0; nness && i < s->nconcepts; i++) {
        const concept *c = &s->concepts[i];
        if (!c->nonessential) continue;
        for (uint32_t p = 0; p < c->nparts; p++) {
          const part *pt = &s->parts[c->part0 + p];
          for (uint32_t a = 0; a < pt->nalt; a++)
            fossc_pcursor_seek(&s->cursors[s->alts[pt->alt0 + a].cursor], doc);
        }
      }
      if (prune && s->heap_n == depth) {
        if (!win_valid || doc > win_end) {
          win_ub = window_bound(s, &win_end, rescore);
          win_valid = 1;
        }
        if (win_ub * PRUNE_MARGIN < s->heap[0].score) {
          pruned = 1;
          if (win_end >= FOSSC_DOC_END - 1) break;
          for (uint32_t i = 0; i < s->nconcepts; i++) {
            const concept *c = &s->concepts[i];
            if (c->occur == FOSSC_Q_NOT) continue;
            for (uint32_t p = 0; p < c->nparts; p++) {
              const part *pt = &s->parts[c->part0 + p];
              for (uint32_t a = 0; a < pt->nalt; a++)
                fossc_pcursor_seek(&s->cursors[s->alts[pt->alt0 + a].cursor],
                                   win_end + 1);
            }
          }
          drv_heapify(s);
          continue;
        }
      }
      /* The cursors on doc: drivers popped off the heap, then the
      ** non-essential ones that the seek above left on it. */
      s->nat = 0;
      while (s->ndrv && s->drv[0]->doc == doc) {
        s->popped[s->nat] = (uint32_t)(s->drv[0] - s->cursors);
        s->at[s->nat] = s->popped[s->nat];
        s->nat++;
        s->drv[0] = s->drv[--s->ndrv];
        if (s->ndrv) drv_sift_down(s->drv, s->ndrv, 0);
      }
      npopped = s->nat;
      for (uint32_t i = 0; nness && i < s->nconcepts; i++) {
        const concept *c = &s->concepts[i];
        if (!c->nonessential) continue;
        for (uint32_t p = 0; p < c->nparts; p++) {
          const part *pt = &s->parts[c->part0 + p];
          for (uint32_t a = 0; a < pt->nalt; a++)
            if (s->cursors[s->alts[pt->alt0 + a].cursor].doc == doc)
              s->at[s->nat++] = s->alts[pt->alt0 + a].cursor;
        }
      }
      /* In alternative order, as eval_terms adds them: float sums must not
      ** depend on the heap's order, or a document's score would change in
      ** the last bit with the pruning around it. */
      for (uint32_t i = 1; i < s->nat; i++) {
        uint32_t v = s->at[i], j = i;
        while (j > 0 && s->at[j - 1] > v) {
          s->at[j] = s->at[j - 1];
          j--;
        }
        s->at[j] = v;
      }
      s->use_at = 1;
    }
    score_parts sp;
    int skip = 0;
    if (prune && has_phrase && s->heap_n == depth &&
        doc_bound(s, doc, rescore) * PRUNE_MARGIN < s->heap[0].score) {
      skip = 1;
      pruned = 1;
    }
    if (!skip && (lang == FOSSC_LANG_UNKNOWN || fossc_ix_lang(ix, doc) == lang) &&
        score_doc(s, doc, &sp, 0)) {
      total++;
      if (!rescore)
        heap_push(s, depth, sp.total, doc);
      else if (s->heap_n < depth ||
               (sp.total + matched_prox_bound(s) * sp.coord) * PRUNE_MARGIN >=
                   s->heap[0].score) {
        add_proximity(s, doc, &sp);
        heap_push(s, depth, sp.total, doc);
      }
    }
    s->use_at = 0;
    if (nreq) {
      if (doc == FOSSC_DOC_END - 1) break;
      doc++;
      continue;
    }
    /* Non-essential cursors sit on doc at most: they are sought, not
    ** stepped, so only the drivers move on. */
    for (uint32_t i = 0; i < npopped; i++) {
      fossc_pcursor *c = &s->cursors[s->popped[i]];
      if (fossc_pcursor_next(c) != FOSSC_DOC_END) drv_push(s, c);
    }
  }
  s->use_at = 0;
  if (any_corrupt(s))
    return fossc_error_set(err, FOSSC_ERR_CORRUPT,
                           "%s: section POSTS: a postings block is corrupt",
                           ix->path);
  /* Results: sorted best first, then the requested page. */
  qsort(s->heap, s->heap_n, sizeof *s->heap, cmp_heap_desc);
  if (s->heap_n > k) s->heap_n = k;
  uint32_t first = req->offset < s->heap_n ? req->offset : s->heap_n;
  uint32_t count = s->heap_n - first;
  if (grow_arr((void **)&s->hits, &s->hits_cap, count + 1, sizeof *s->hits, 0))
    return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  fossc_buf_reset(&s->out);
  /* Offsets into s->out, turned into pointers once it stops moving. */
  typedef struct { size_t id, title, source, snippet, snip_len, expl, expl_len; } offs;
  offs o[FOSSC_MAX_LIMIT];
  for (uint32_t r = 0; r < count; r++) {
    const heap_ent *e = &s->heap[first + r];
    fossc_docview v;
    rc = fossc_ix_doc(ix, e->doc, req->snippets, s->dctx, &s->docbuf, &v, err);
    if (rc) return rc;
    fossc_hit *h = &s->hits[r];
    memset(h, 0, sizeof *h);
    h->rank = req->offset + r + 1;
    h->docnum = e->doc;
    h->score = e->score;
    h->lang = v.lang;
    h->id_len = v.id_len;
    h->title_len = v.title_len;
    h->source_len = v.source_len;
    o[r].id = s->out.len;
    fossc_buf_append(&s->out, v.id, v.id_len + 1);
    o[r].title = s->out.len;
    fossc_buf_append(&s->out, v.title, v.title_len + 1);
    o[r].source = s->out.len;
    fossc_buf_append(&s->out, v.source, v.source_len + 1);
    o[r].snippet = s->out.len;
    if (req->snippets &&
        fossc_snippet(s->an, v.body, v.body_len, v.lang, snippet_match, s,
                      &s->out))
      return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
    o[r].snip_len = s->out.len - o[r].snippet;
    fossc_buf_putc(&s->out, '\0');
    o[r].expl = s->out.len;
    if (req->explain) explain_doc(s, e->doc, &s->out);
    o[r].expl_len = s->out.len - o[r].expl;
    fossc_buf_putc(&s->out, '\0');
  }
  if (s->out.oom) return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  for (uint32_t r = 0; r < count; r++) {
    fossc_hit *h = &s->hits[r];
    h->id = s->out.data + o[r].id;
    h->title = s->out.data + o[r].title;
    h->source = s->out.data + o[r].source;
    h->snippet = s->out.data + o[r].snippet;
    h->snippet_len = o[r].snip_len;
    h->explain = req->explain ? s->out.data + o[r].expl : NULL;
    h->explain_len = o[r].expl_len;
  }
  out->total = total;
  out->total_exact = !pruned;
  out->count = count;
  out->hits = s->hits;
  out->took_us = fossc_now_us() - t0;
  out->suggestion = s->corrected ? fossc_buf_cstr(&s->suggest) : NULL;
  return FOSSC_OK;
}

int fossc_search_get(fossc_searcher *s, const fossc_index *ix, const char *id,
                     size_t id_len, fossc_docview *out, fossc_error *err) {
  uint32_t d;
  if (fossc_index_find_id(ix, id, id_len, &d))
    return fossc_error_set(err, FOSSC_ERR_NOTFOUND, "no document with id '%.*s'",
                           (int)(id_len > 200 ? 200 : id_len), id);
  int rc = fossc_ix_doc(ix, d, 1, s->dctx, &s->docbuf, out, err);
  if (rc) return rc;
  if (out->id_len != id_len || memcmp(out->id, id, id_len) != 0)
    return fossc_error_set(err, FOSSC_ERR_NOTFOUND, "no document with id '%.*s'",
                           (int)(id_len > 200 ? 200 : id_len), id);
  return FOSSC_OK;
}
