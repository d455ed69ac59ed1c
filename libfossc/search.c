/*
** Query execution: clauses -> concepts -> (scorer.c: postings cursors ->
** BM25F scores -> top k) -> stored fields, snippets, explanations.
** docs/ranking.md gives the formulas; docs/query-syntax.md the syntax.
**
** A concept is one query word (or phrase, or prefix) with every index term
** that may stand for it: its English and Spanish stems, and the terms that
** the corpus's own spellings of it produced (accents, see analysis.h). A
** concept is scored as one term: frequencies are summed over its
** alternatives, and its document frequency is that of their union.
*/
#include "search_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "snippet.h"
#include "typo.h"

static const char *const via_names[] = {"word", "stem", "prefix", "typo",
                                        "translation"};

/* ------------------------------------------------------------ lifecycle */
int fossc_searcher_create(fossc_searcher **out, fossc_error *err) {
  fossc_searcher *s = fossc_calloc(1, sizeof *s);
  if (!s) return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  s->taat_max_docs = TAAT_MAX_DOCS;
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
  fossc_buf_free(&s->stems[0]);
  fossc_buf_free(&s->stems[1]);
  fossc_free(s->heap);
  fossc_free(s->other);
  fossc_free(s->qterms);
  fossc_free(s->qterm_concept);
  fossc_buf_free(&s->docbuf);
  fossc_buf_free(&s->out);
  fossc_buf_free(&s->expl);
  fossc_free(s->hits);
  fossc_free(s->drv);
  fossc_free(s->at);
  fossc_free(s->popped);
  fossc_free(s->ness);
  fossc_free(s->alt_concept);
  fossc_free(s->acc);
  fossc_free(s->acc_epoch);
  fossc_free(s->touched);
  fossc_free(s->pos_a);
  fossc_free(s->pos_b);
  fossc_free(s);
}

int fossc_search_grow(void **p, uint32_t *cap, uint32_t need, size_t elem,
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
  if (fossc_search_grow((void **)&s->alts, &s->alts_cap, s->nalts + 1, sizeof *s->alts,
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
  s->stems_of = NULL;
  for (int l = 0; l < 2; l++) {
    if (fossc_analyzer_term(s->an, langs[l], plain, n, &s->stems[l]))
      return FOSSC_ERR_NOMEM;
    uint32_t t = fossc_ix_find_term(ix, s->stems[l].data, s->stems[l].len);
    /* add_alt keeps the larger weight when the term is already there. */
    if (t != FOSSC_HTAB_EMPTY && add_alt(s, t, GUESSED_STEM_WEIGHT, VIA_STEM))
      return FOSSC_ERR_NOMEM;
  }
  s->stems_of = plain, s->stems_len = n;
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
    uint32_t nt =
        fossc_ix_translate(ix, from, exact, n + 1, tg, MAX_TRANSLATIONS);
    if (nt) {
      if (add_targets(s, tg, nt)) return FOSSC_ERR_NOMEM;
      continue;
    }
    for (uint32_t k = 0; k <= a1 - a0; k++) {
      const char *key;
      uint32_t klen;
      if (k == a1 - a0) {
        /* langs[l] == from: stems[l] is this word's stem in that language */
        fossc_buf *stem = &s->stems[l];
        if (s->stems_of != plain || s->stems_len != n) {
          stem = &s->term;
          if (fossc_analyzer_term(s->an, from, plain, n, stem))
            return FOSSC_ERR_NOMEM;
        }
        key = stem->data;
        klen = (uint32_t)stem->len;
      } else {
        key = fossc_ix_term_str(ix, s->alts[a0 + k].term, &klen);
      }
      nt = fossc_ix_translate(ix, from, key, klen, tg, MAX_TRANSLATIONS);
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
    if (fossc_search_grow((void **)&s->alts, &s->alts_cap, s->nalts + 1,
                 sizeof *s->alts, 0))
      return FOSSC_ERR_NOMEM;
    alt *a = &s->alts[s->nalts++];
    a->term = fossc_ix_word_term(ix, w);
    a->weight = 1.0f;
    a->via = VIA_PREFIX;
  }
  /* Each term once (several spellings share a stem), then by frequency. */
  uint32_t m = s->nalts - first, u = 0;
  if (m == 0) return 0; /* no word has the prefix (s->alts may be NULL) */
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
        uint32_t nt = fossc_ix_translate(ix, from, key, kl, tg,
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
  s->stems_of = NULL; /* tokbuf's addresses repeat from query to query */
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
      /* The words of a quoted phrase are not translated one by one:
      ** translations rarely keep the order ("energía solar", "solar
      ** energy"), and a word stemmed in the other language meets unrelated
      ** ones ("cases" -> "cas" -> casa -> "home": "use cases" matched "use
      ** home"). A word the tokenizer split ("e-mail") keeps them. */
      if (add_word_alts(s, p, strlen(p)) ||
          ((c->kind != FOSSC_Q_PHRASE || ntoks[i] == 1) &&
           add_translation_alts(s, p, strlen(p))))
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
  if (fossc_search_grow((void **)&s->qterms, &cap, s->nalts + 1, sizeof *s->qterms, 0))
    return FOSSC_ERR_NOMEM;
  cap = s->qterms_cap;
  if (fossc_search_grow((void **)&s->qterm_concept, &cap, s->nalts + 1,
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
  fossc_scorer_open_cursors(s);
  for (uint32_t i = 0; i < s->ncursors; i++)
    fossc_pcursor_seek(&s->cursors[i], doc);
  score_parts sp;
  int ok = fossc_scorer_score(s, doc, &sp, 1);
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
                     k->matched ? fossc_scorer_bm25f(s, k, doc) : 0.0);
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
  if (build_concepts(s, &q) || fossc_scorer_open_cursors(s) || collect_query_terms(s))
    return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  fossc_scorer_bounds(s);
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
  uint64_t total = 0;
  int total_exact = 1;
  rc = fossc_scorer_run(s, k, lang, req->exact_total, &total, &total_exact, err);
  if (rc) return rc;
  /* Results: sorted best first, then the requested page. */
  qsort(s->heap, s->heap_n, sizeof *s->heap, fossc_scorer_cmp_desc);
  if (s->heap_n > k) s->heap_n = k;
  uint32_t first = req->offset < s->heap_n ? req->offset : s->heap_n;
  uint32_t count = s->heap_n - first;
  if (fossc_search_grow((void **)&s->hits, &s->hits_cap, count + 1, sizeof *s->hits, 0))
    return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  fossc_buf_reset(&s->out);
  /* Offsets into s->out, turned into pointers once it stops moving. */
  typedef struct { size_t id, title, source, snippet, snip_len, expl, expl_len; } offs;
  offs o[FOSSC_MAX_LIMIT];
  uint32_t page[FOSSC_MAX_LIMIT];
  for (uint32_t r = 0; r < count; r++) page[r] = s->heap[first + r].doc;
  fossc_ix_prefetch_fields(ix, page, count);
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
  out->total_exact = total_exact;
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
