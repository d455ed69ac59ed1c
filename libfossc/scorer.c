/*
** Evaluation of a query's concepts over the postings (docs/ranking.md):
** cursors, the walk (leapfrog over required parts, else a union over a
** heap of cursors), BM25F with proximity, the top k, and the pruning that
** skips documents which cannot enter it (block-max windows, MaxScore,
** phrase frequency bounds).
*/
#include "search_int.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ cursors */
/* Puts every alternative's cursor on its list's first document (rewind:
** one still in its first block and clean need not decode it again). */
static void reopen_cursors(fossc_searcher *s, int rewind) {
  for (uint32_t i = 0; i < s->nalts; i++) {
    size_t len;
    if (rewind && fossc_pcursor_rewind(&s->cursors[s->alts[i].cursor])) continue;
    const uint8_t *p = fossc_ix_term_postings(s->ix, s->alts[i].term, &len);
    fossc_pcursor_open(&s->cursors[s->alts[i].cursor], p, len,
                       fossc_ix_term_df(s->ix, s->alts[i].term), s->dctx);
  }
}

int fossc_scorer_open_cursors(fossc_searcher *s) {
  if (fossc_search_grow((void **)&s->cursors, &s->cursors_cap, s->nalts ? s->nalts : 1,
               sizeof *s->cursors, 1))
    return FOSSC_ERR_NOMEM;
  /* Heads, then first blocks, then the cursors: each step's misses overlap
  ** (fossc_postings_prefetch_first). */
  for (uint32_t i = 0; i < s->nalts; i++) {
    size_t len;
    __builtin_prefetch(fossc_ix_term_postings(s->ix, s->alts[i].term, &len));
  }
  for (uint32_t i = 0; i < s->nalts; i++) {
    size_t len;
    const uint8_t *p = fossc_ix_term_postings(s->ix, s->alts[i].term, &len);
    fossc_postings_prefetch_first(p, len);
  }
  for (uint32_t i = 0; i < s->nalts; i++) s->alts[i].cursor = i;
  s->ncursors = s->nalts;
  reopen_cursors(s, 0);
  return 0;
}

static int any_corrupt(const fossc_searcher *s) {
  for (uint32_t i = 0; i < s->ncursors; i++)
    if (s->cursors[i].corrupt) return 1;
  return 0;
}

/* Merges the sorted pos[0..m) into the sorted a[0..n), which has room for
** n + m: from the end, so no sort and no second buffer. */
static void merge_positions(uint32_t *a, uint32_t n, const uint32_t *pos, uint32_t m) {
  uint32_t x = n, y = m, k = n + m;
  while (y > 0) {
    if (x > 0 && a[x - 1] > pos[y - 1])
      a[--k] = a[--x];
    else
      a[--k] = pos[--y];
  }
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
    if (fossc_search_grow((void **)dst, cap, n + m, sizeof **dst, 0)) return n;
    if (n == 0) { /* the first (often the only) alternative on doc */
      memcpy(*dst, pos, (size_t)m * sizeof *pos);
      n = m;
      continue;
    }
    merge_positions(*dst, n, pos, m);
    n += m;
  }
  return n;
}

/* Counts phrase occurrences at doc, split by field. The part with the
** fewest occurrences here anchors the candidate start positions; the
** other parts then mark the candidates they continue, alternative by
** alternative (each alternative's positions are sorted, so this is a merge
** with no sort), rarest first: a candidate set is an intersection, so the
** order changes nothing but the work, and a frequent part (a stop word's
** hundreds of positions) is decoded last, up to the last candidate left,
** or not at all once none is. */
static void eval_phrase(fossc_searcher *s, concept *k, uint32_t doc,
                        uint32_t body_start) {
  k->tf_title = k->tf_body = 0;
  uint32_t cnt[MAX_PHRASE_WORDS], order[MAX_PHRASE_WORDS];
  /* Longer (translated) phrases: checked in the parts' order. */
  const int sorted = k->nparts <= MAX_PHRASE_WORDS;
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
    if (sorted) {
      /* Insertion by count, ties in part order. */
      uint32_t j = i;
      while (j > 0 && cnt[j - 1] > t) {
        cnt[j] = cnt[j - 1];
        order[j] = order[j - 1];
        j--;
      }
      cnt[j] = t;
      order[j] = i;
    }
  }
  uint32_t n0 = part_positions(s, &s->parts[k->part0 + anchor], doc,
                               &s->pos_a, &s->pos_cap_a);
  uint32_t *cand = s->pos_a, n = 0;
  for (uint32_t j = 0; j < n0; j++)
    if (cand[j] >= anchor) cand[n++] = cand[j] - anchor; /* start positions */
  if (n && fossc_search_grow((void **)&s->pos_b, &s->pos_cap_b, n, sizeof *s->pos_b, 0))
    return;
  uint32_t *mark = s->pos_b;
  for (uint32_t o = 0; o < k->nparts && n; o++) {
    uint32_t i = sorted ? order[o] : o;
    if (i == anchor) continue;
    const part *p = &s->parts[k->part0 + i];
    memset(mark, 0, (size_t)n * sizeof *mark);
    for (uint32_t a = 0; a < p->nalt; a++) {
      fossc_pcursor *c = &s->cursors[s->alts[p->alt0 + a].cursor];
      if (c->doc != doc) continue;
      /* Positions past the last candidate are not decoded. */
      fossc_pcursor_mark(c, cand, n, i, mark);
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

/* Adds alternative a's weighted frequencies at its cursor's document to
** concept k (translations apart too: fossc_scorer_bm25f discounts them).
** Every scoring path sums in alternative order through this, so a
** document's score is the same to the bit whichever path computed it. */
static inline void add_alt_tf(concept *k, const alt *a, const fossc_pcursor *c) {
  k->tf_title += a->weight * c->tft[c->i];
  k->tf_body += a->weight * c->tfb[c->i];
  if (a->via != VIA_TRANSLATION) {
    k->tfo_title += a->weight * c->tft[c->i];
    k->tfo_body += a->weight * c->tfb[c->i];
  }
}

static void eval_terms(fossc_searcher *s, concept *k, uint32_t doc) {
  const part *p = &s->parts[k->part0];
  k->tf_title = k->tf_body = k->tfo_title = k->tfo_body = 0;
  for (uint32_t i = 0; i < p->nalt; i++) {
    const alt *a = &s->alts[p->alt0 + i];
    const fossc_pcursor *c = &s->cursors[a->cursor];
    if (c->doc == doc) add_alt_tf(k, a, c);
  }
}

/* fossc_scorer_bm25f, inline for the walk's scoring paths (one call per
** matched concept of every candidate). */
static inline float bm25f(const fossc_searcher *s, const concept *k, uint32_t doc) {
  const float *in = s->ix->inv_norm + 2 * (size_t)doc;
  float tfn = k->tf_title * in[0] + k->tf_body * in[1];
  float all = k->idf * (FOSSC_BM25_K1 + 1) * tfn / (FOSSC_BM25_K1 + tfn);
  if (k->kind == FOSSC_Q_PHRASE) return all;
  /* Translations may add to a concept's frequency but their share of the
  ** score is discounted: a document that has the word as typed is not
  ** outranked by one that merely uses a translation more often. */
  float tfo = k->tfo_title * in[0] + k->tfo_body * in[1];
  /* No translation matched (most documents): orig is all, computed again;
  ** only translations: orig is 0. Either way one division is enough. */
  if (tfo == tfn) return all;
  if (tfo == 0) return all * TRANSLATED_SCORE_FACTOR;
  float orig = k->idf * (FOSSC_BM25_K1 + 1) * tfo / (FOSSC_BM25_K1 + tfo);
  all *= TRANSLATED_SCORE_FACTOR;
  return orig > all ? orig : all;
}

float fossc_scorer_bm25f(const fossc_searcher *s, const concept *k, uint32_t doc) {
  return bm25f(s, k, doc);
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

/* Coordination of a document matching m positive concepts (bonus phrases
** aside), as fossc_scorer_score computes it: the bounds below multiply by
** it for the most concepts a document can match, which prunes documents
** that match few of a query's words; none below min_match can match. */
static float coord_bound(const fossc_searcher *s, uint32_t m) {
  if (m == 0 || m < s->min_match) return 0;
  if (m > s->npositive) m = s->npositive;
  return (1.0f + (float)m) / (1.0f + (float)s->npositive);
}

/* Largest tfn (BM25F field-weighted, length-normalised frequency) whose
** saturation tfn / (k1 + tfn) is m: the inverse of the stored block maximum. */
static float tfn_of_saturation(float m) {
  if (m <= 0) return 0;
  if (m >= 0.99999f) return 1e9f;
  return FOSSC_BM25_K1 * m / (1.0f - m);
}

/* window_bound / fossc_scorer_bounds: each alternative's whole list. */
#define WHOLE_LISTS FOSSC_DOC_END

/* Largest tfn concept k can have in a document up to `win` (its cursors'
** current block maxima; WHOLE_LISTS: the maxima of whole lists): the
** weighted sum over its alternatives, for a phrase the smallest unweighted
** sum over its words. Cursors already past win add nothing. */
static float concept_tfn_bound(const fossc_searcher *s, const concept *k,
                               uint32_t win) {
  float tfn = k->kind == FOSSC_Q_PHRASE ? 1e30f : 0;
  for (uint32_t p = 0; p < k->nparts; p++) {
    const part *pt = &s->parts[k->part0 + p];
    float t = 0;
    for (uint32_t a = 0; a < pt->nalt; a++) {
      const alt *al = &s->alts[pt->alt0 + a];
      const fossc_pcursor *c = &s->cursors[al->cursor];
      float m;
      if (win == WHOLE_LISTS) {
        m = tfn_of_saturation(fossc_pcursor_list_max(c));
      } else {
        if (c->doc > win) continue;
        m = tfn_of_saturation(fossc_pcursor_block_max(c));
      }
      t += k->kind == FOSSC_Q_PHRASE ? m : al->weight * m;
    }
    if (k->kind == FOSSC_Q_PHRASE) {
      if (t < tfn) tfn = t;
    } else {
      tfn += t;
    }
  }
  return tfn;
}

/* BM25F of a concept at that tfn (a bonus phrase counts `bonus` times). */
static float concept_bound(const concept *k, float tfn) {
  float b = k->idf * (FOSSC_BM25_K1 + 1) * tfn / (FOSSC_BM25_K1 + tfn);
  return k->bonus > 0 ? k->bonus * b : b;
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
  uint32_t present = 0;
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    const concept *k = &s->concepts[i];
    if (k->occur == FOSSC_Q_NOT) continue;
    float tfn = concept_tfn_bound(s, k, win);
    ub += concept_bound(k, tfn);
    if (tfn > 0 && !(k->bonus > 0)) present++;
    if (k->kind != FOSSC_Q_PHRASE && tfn > 0) prox_add(&pb, k->idf);
  }
  *end = win;
  return (ub + (with_prox ? prox_bound(&pb) : 0)) * coord_bound(s, present);
}

/* The current block-max window of the walk: its bound holds from the
** document it was computed at up to `end`. */
typedef struct window {
  uint32_t end;
  float ub;
  int valid;
} window;

/* Whether no document from doc up to w->end can enter the top k (the
** heap is full); recomputes the window once doc is past it. */
static int window_skips(const fossc_searcher *s, uint32_t doc, int with_prox,
                        window *w) {
  if (!w->valid || doc > w->end) {
    w->ub = window_bound(s, &w->end, with_prox);
    w->valid = 1;
  }
  return w->ub * PRUNE_MARGIN < s->heap[0].score;
}

/* Seeks every cursor of the positive concepts to target. */
static void seek_positive(fossc_searcher *s, uint32_t target) {
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    const concept *c = &s->concepts[i];
    if (c->occur == FOSSC_Q_NOT) continue;
    for (uint32_t p = 0; p < c->nparts; p++) {
      const part *pt = &s->parts[c->part0 + p];
      for (uint32_t a = 0; a < pt->nalt; a++)
        fossc_pcursor_seek(&s->cursors[s->alts[pt->alt0 + a].cursor], target);
    }
  }
}

/* Sets each positive concept's bound on its score in any document, from
** the largest block maximum of each alternative's list (window_bound's
** reasoning, over whole lists). */
void fossc_scorer_bounds(fossc_searcher *s) {
  s->npositive = 0;
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    concept *k = &s->concepts[i];
    s->npositive += k->occur != FOSSC_Q_NOT && !(k->bonus > 0);
    k->ub = 0;
    k->nonessential = 0;
    if (k->occur != FOSSC_Q_NOT)
      k->ub = concept_bound(k, concept_tfn_bound(s, k, WHOLE_LISTS));
  }
  /* The division fossc_scorer_score would make per document, made once. */
  for (uint32_t m = 0; m <= s->npositive; m++)
    s->coord[m] = (1.0f + (float)m) / (1.0f + (float)s->npositive);
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
  uint32_t m = 0;
  prox_acc pb = {0, 0, 0};
  for (uint32_t j = 0; j + 1 < n; j++) { /* one concept always drives */
    const concept *k = &s->concepts[order[j]];
    sum += k->ub;
    m += !(k->bonus > 0);
    /* A document reached only through these concepts has no proximity
    ** bonus with the others (bound it by the bonus among these alone) and
    ** matches at most these: coordination bounds it too. */
    if (k->kind != FOSSC_Q_PHRASE) prox_add(&pb, k->idf);
    float bonus = with_prox ? prox_bound(&pb) : 0;
    if ((sum + bonus) * coord_bound(s, m) * PRUNE_MARGIN >= theta) break;
    s->concepts[order[j]].nonessential = 1;
    marked++;
  }
  s->nness = 0;
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    const concept *c = &s->concepts[i];
    if (!c->nonessential) continue;
    for (uint32_t p = 0; p < c->nparts; p++) {
      const part *pt = &s->parts[c->part0 + p];
      for (uint32_t a = 0; a < pt->nalt; a++)
        s->ness[s->nness++] = s->alts[pt->alt0 + a].cursor;
    }
  }
  return marked;
}

static void drv_sift_down(fossc_drv *h, uint32_t n, uint32_t i) {
  fossc_drv x = h[i];
  for (;;) {
    uint32_t l = 2 * i + 1, m = l;
    if (l >= n) break;
    if (l + 1 < n && h[l + 1].doc < h[l].doc) m = l + 1;
    if (h[m].doc >= x.doc) break;
    h[i] = h[m];
    i = m;
  }
  h[i] = x;
}

/* Pushes cursor cur (not exhausted) at its current document. */
static void drv_push(fossc_searcher *s, uint32_t cur) {
  fossc_drv e = {s->cursors[cur].doc, cur};
  uint32_t i = s->ndrv++;
  while (i > 0 && s->drv[(i - 1) / 2].doc > e.doc) {
    s->drv[i] = s->drv[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  s->drv[i] = e;
}

/* Reads the drivers' documents again after their cursors moved, drops the
** exhausted ones and restores the heap. */
static void drv_heapify(fossc_searcher *s) {
  for (uint32_t i = 0; i < s->ndrv;) {
    s->drv[i].doc = s->cursors[s->drv[i].cur].doc;
    if (s->drv[i].doc == FOSSC_DOC_END)
      s->drv[i] = s->drv[--s->ndrv];
    else
      i++;
  }
  for (uint32_t i = s->ndrv / 2; i-- > 0;) drv_sift_down(s->drv, s->ndrv, i);
}

static int build_drivers(fossc_searcher *s) {
  if (fossc_search_grow((void **)&s->drv, &s->drv_cap, s->nalts + 1, sizeof *s->drv, 0) ||
      fossc_search_grow((void **)&s->popped, &s->popped_cap, s->nalts + 1, sizeof *s->popped, 0) ||
      fossc_search_grow((void **)&s->ness, &s->ness_cap, s->nalts + 1, sizeof *s->ness, 0) ||
      fossc_search_grow((void **)&s->at, &s->at_cap, s->nalts + 1, sizeof *s->at, 0) ||
      fossc_search_grow((void **)&s->alt_concept, &s->alt_concept_cap, s->nalts + 1,
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
        uint32_t ci = s->alts[pt->alt0 + a].cursor;
        if (s->cursors[ci].doc != FOSSC_DOC_END) {
          s->drv[s->ndrv].doc = s->cursors[ci].doc;
          s->drv[s->ndrv++].cur = ci;
        }
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
  uint32_t present = 0;
  prox_acc pb = {0, 0, 0};
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    concept *k = &s->concepts[i];
    if (k->occur == FOSSC_Q_NOT) continue;
    if (k->kind != FOSSC_Q_PHRASE) {
      eval_terms(s, k, doc);
      if (k->tf_title + k->tf_body > 0) {
        ub += bm25f(s, k, doc);
        present += !(k->bonus > 0);
        prox_add(&pb, k->idf);
      }
      continue;
    }
    /* Per field: an occurrence in the title needs every word there. */
    uint32_t tt = UINT32_MAX, tb = UINT32_MAX;
    for (uint32_t p = 0; p < k->nparts && (tt || tb); p++) {
      const part *pt = &s->parts[k->part0 + p];
      uint32_t pt_t = 0, pt_b = 0;
      for (uint32_t a = 0; a < pt->nalt; a++) {
        const fossc_pcursor *c = &s->cursors[s->alts[pt->alt0 + a].cursor];
        if (c->doc == doc) {
          pt_t += c->tft[c->i];
          pt_b += c->tfb[c->i];
        }
      }
      if (pt_t < tt) tt = pt_t;
      if (pt_b < tb) tb = pt_b;
    }
    float tfn = (float)tt * in[0] + (float)tb * in[1];
    float b = k->idf * (FOSSC_BM25_K1 + 1) * tfn / (FOSSC_BM25_K1 + tfn);
    ub += k->bonus > 0 ? k->bonus * b : b;
    present += tfn > 0 && !(k->bonus > 0);
  }
  return (ub + (with_prox ? prox_bound(&pb) : 0)) * coord_bound(s, present);
}

/* Smallest distance between two sorted position lists. */
static uint32_t min_distance(const uint32_t *a, uint32_t na, const uint32_t *b,
                             uint32_t nb) {
  uint32_t best = UINT32_MAX, i = 0, j = 0;
  while (i < na && j < nb) {
    uint32_t x = a[i], y = b[j];
    uint32_t d = x > y ? x - y : y - x;
    if (d < best) best = d;
    if (x < y)
      i++;
    else
      j++;
  }
  return best;
}

static void add_proximity(fossc_searcher *s, uint32_t doc, score_parts *sp);

/* Bound on the score of the document the cursors in s->at are on (the
** disjunctive walk's list, in alternative order, so each concept's
** alternatives are adjacent): the concepts present there add their whole
** bounds and their proximity, times the coordination of that many. Most
** candidates of a word list hold one or two of its words; once the top k
** asks for more, this skips their scoring (BM25F per concept, the length
** norms) for a few additions. */
static float at_bound(const fossc_searcher *s, int with_prox) {
  float ub = 0;
  uint32_t present = 0, last = UINT32_MAX;
  prox_acc pb = {0, 0, 0};
  for (uint32_t j = 0; j < s->nat; j++) {
    uint32_t ci = s->alt_concept[s->at[j]];
    if (ci == last) continue;
    last = ci;
    const concept *k = &s->concepts[ci];
    ub += k->ub;
    if (k->bonus > 0) continue;
    present++;
    if (k->kind != FOSSC_Q_PHRASE) prox_add(&pb, k->idf);
  }
  return (ub + (with_prox ? prox_bound(&pb) : 0)) * coord_bound(s, present);
}

/* Scores the document all cursors are positioned on (or past). Returns 0 if
** it does not match the query's required/excluded/phrase constraints, 1 if
** it matches. Without with_proximity, positions are not read and
** sp->total is BM25F x coordination only (the walk adds proximity only
** when that can still put the document into the top k). */
/* fossc_scorer_score for the disjunctive walk when every concept is a
** positive word or prefix (no NOT, no phrase, no bonus phrase: s->words_only,
** set by fossc_scorer_run): the cursors on doc (s->at, in alternative
** order, so grouped by concept in concept order) are read once, each
** concept's frequencies summed from zero in that order and its BM25F added
** in concept order, as fossc_scorer_score's general loop does: the same
** floats to the bit, without visiting concepts absent from doc. */
static int score_words_at(fossc_searcher *s, uint32_t doc, score_parts *sp) {
  memset(sp, 0, sizeof *sp);
  for (uint32_t i = 0; i < s->nconcepts; i++) s->concepts[i].matched = 0;
  for (uint32_t j = 0; j < s->nat;) {
    uint32_t ci = s->alt_concept[s->at[j]];
    concept *k = &s->concepts[ci];
    k->tf_title = k->tf_body = k->tfo_title = k->tfo_body = 0;
    do {
      const alt *a = &s->alts[s->at[j]];
      add_alt_tf(k, a, &s->cursors[a->cursor]);
    } while (++j < s->nat && s->alt_concept[s->at[j]] == ci);
    if (k->tf_title + k->tf_body > 0) {
      k->matched = 1;
      sp->matched++;
      sp->bm25 += bm25f(s, k, doc);
    }
  }
  sp->positive = s->npositive;
  if (sp->matched == 0 || sp->matched < s->min_match) return 0;
  sp->coord = sp->matched <= s->npositive
                  ? s->coord[sp->matched]
                  : (1.0f + sp->matched) / (1.0f + sp->positive);
  sp->total = sp->bm25 * sp->coord;
  return 1;
}

int fossc_scorer_score(fossc_searcher *s, uint32_t doc, score_parts *sp,
                     int with_proximity) {
  if (s->use_at && s->words_only && !with_proximity)
    return score_words_at(s, doc, sp);
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
      add_alt_tf(k, a, &s->cursors[a->cursor]);
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
  sp->coord = sp->positive == s->npositive && sp->matched <= s->npositive
                  ? s->coord[sp->matched]
                  : (1.0f + sp->matched) / (1.0f + sp->positive);
  sp->total = sp->bm25 * sp->coord;
  if (with_proximity) add_proximity(s, doc, sp);
  return 1;
}

/* Positions of word concept k (its one part) at doc, sorted, into *out:
** the cursor's own buffer when one alternative has doc (most documents;
** valid until that cursor moves, and add_proximity reads each once), else
** the alternatives' merged into *dst. Positions above limit are not
** needed: decoding may stop after the first one above it
** (fossc_pcursor_positions_upto). Returns their count. */
static uint32_t word_positions(fossc_searcher *s, const concept *k,
                               uint32_t doc, uint32_t limit, uint32_t **dst,
                               uint32_t *cap, const uint32_t **out) {
  const part *p = &s->parts[k->part0];
  const uint32_t *one = NULL; /* the only list so far, not copied */
  uint32_t n = 0;
  for (uint32_t i = 0; i < p->nalt; i++) {
    fossc_pcursor *c = &s->cursors[s->alts[p->alt0 + i].cursor];
    if (c->doc != doc) continue;
    const uint32_t *pos;
    uint32_t m = fossc_pcursor_positions_upto(c, limit, &pos);
    if (m == 0) continue; /* corrupt block: the cursor has flagged it */
    if (n == 0) {
      one = pos;
      n = m;
      continue;
    }
    if (fossc_search_grow((void **)dst, cap, n + m, sizeof **dst, 0)) break;
    if (one) {
      memcpy(*dst, one, (size_t)n * sizeof *one);
      one = NULL;
    }
    merge_positions(*dst, n, pos, m);
    n += m;
  }
  *out = one ? one : *dst;
  return n;
}

/* Adds the proximity bonus of consecutive matched single-word concepts to
** a document fossc_scorer_score has just matched (its cursors still on
** doc). The last word of a run reads its positions only up to the window
** past the previous word's last one: no later position can be within
** PROX_WINDOW of it, so the smallest distance, when it earns a bonus, is
** the same. */
static void add_proximity(fossc_searcher *s, uint32_t doc, score_parts *sp) {
  s->prox_docs++;
  const concept *prev = NULL;
  const uint32_t *pp = NULL; /* prev's positions, once read */
  uint32_t np = 0;
  int prev_read = 0;
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    const concept *k = &s->concepts[i];
    if (k->occur == FOSSC_Q_NOT || k->kind == FOSSC_Q_PHRASE) {
      prev = NULL;
      continue;
    }
    if (!k->matched) continue;
    if (prev) {
      /* pos_a may hold prev's positions; pos_b is free for k's. */
      if (!prev_read)
        np = word_positions(s, prev, doc, UINT32_MAX, &s->pos_a, &s->pos_cap_a, &pp);
      int last = 1; /* k ends the run: no later matched word before a break */
      for (uint32_t j = i + 1; j < s->nconcepts; j++) {
        const concept *q = &s->concepts[j];
        if (q->occur == FOSSC_Q_NOT || q->kind == FOSSC_Q_PHRASE) break;
        if (q->matched) {
          last = 0;
          break;
        }
      }
      uint32_t limit = UINT32_MAX;
      if (last && !s->prox_every && np && pp[np - 1] <= UINT32_MAX - PROX_WINDOW)
        limit = pp[np - 1] + PROX_WINDOW;
      const uint32_t *kp;
      uint32_t nk = word_positions(s, k, doc, limit, &s->pos_b, &s->pos_cap_b, &kp);
      uint32_t d = min_distance(pp, np, kp, nk);
      if (d >= 1 && d <= PROX_WINDOW)
        sp->prox += PROX_WEIGHT * (prev->idf < k->idf ? prev->idf : k->idf) / d;
      /* k is the next pair's first: keep its positions, read once. */
      if (kp == s->pos_b) {
        uint32_t *t = s->pos_a, tc = s->pos_cap_a;
        s->pos_a = s->pos_b;
        s->pos_cap_a = s->pos_cap_b;
        s->pos_b = t;
        s->pos_cap_b = tc;
      }
      pp = kp;
      np = nk;
      prev_read = 1;
    } else {
      prev_read = 0;
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

/* Largest proximity bonus of the document fossc_scorer_score has just
** matched: add_proximity's sum over the same pairs of consecutive matched
** word concepts, in the same order, each pair at distance 1 (its largest
** term: idfs are >= 0), so no float rounding can put the bonus above it.
** The pruning bounds (prox_bound) cannot be this tight: they do not know
** which concepts a document matches, and a subset's pairs may earn more
** than the whole query's ("a b c" with a common b: a and c alone pair their
** larger idfs), so they take every idf but the smallest, for two words the
** larger idf where this takes the smaller. */
static float matched_prox_bound(const fossc_searcher *s) {
  const concept *prev = NULL;
  float b = 0;
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    const concept *k = &s->concepts[i];
    if (k->occur == FOSSC_Q_NOT || k->kind == FOSSC_Q_PHRASE) {
      prev = NULL;
      continue;
    }
    if (!k->matched) continue;
    if (prev) b += PROX_WEIGHT * (prev->idf < k->idf ? prev->idf : k->idf);
    prev = k;
  }
  return b;
}

int fossc_scorer_cmp_desc(const void *a, const void *b) {
  const heap_ent *x = a, *y = b;
  if (heap_less(x, y)) return 1;
  if (heap_less(y, x)) return -1;
  return 0;
}

/* ------------------------------------------------------------ walk */
/* Sizes the accumulators for ndocs documents and starts a new epoch.
** Returns 0 or FOSSC_ERR_NOMEM. */
static int taat_reset(fossc_searcher *s, uint32_t ndocs) {
  if (ndocs > s->acc_docs) {
    float *acc = fossc_realloc(s->acc, (size_t)ndocs * 4 * sizeof *acc);
    if (!acc) return FOSSC_ERR_NOMEM;
    s->acc = acc;
    uint32_t *touched = fossc_realloc(s->touched, (size_t)ndocs * sizeof *touched);
    if (!touched) return FOSSC_ERR_NOMEM;
    s->touched = touched;
    uint32_t *ep = fossc_calloc(ndocs, sizeof *ep);
    if (!ep) return FOSSC_ERR_NOMEM;
    fossc_free(s->acc_epoch);
    s->acc_epoch = ep;
    s->acc_docs = ndocs;
    s->taat_epoch = 0;
  }
  if (++s->taat_epoch == 0) { /* wrapped: no stale stamp may match */
    memset(s->acc_epoch, 0, (size_t)s->acc_docs * sizeof *s->acc_epoch);
    s->taat_epoch = 1;
  }
  return 0;
}

/* One word or prefix concept and nothing else (term and prefix queries,
** 40% of the benchmark's), term at a time: each alternative's list is read
** once, block by block, into per-document accumulators, then every touched
** document is scored. Block-max pruning seldom skips anything for a single
** concept (a block of 128 documents nearly always holds one that could
** enter the top k), so a document-at-a-time walk pays a heap of cursors per
** posting for nothing; this costs a few additions per posting, and the
** total is exact. Scores are the same to the bit as fossc_scorer_run's
** other walks: the frequencies are added alternative by alternative in
** alternative order (add_alt_tf's sums, from zero) and scored by
** fossc_scorer_bm25f. */
static int run_taat(fossc_searcher *s, uint32_t depth, fossc_lang lang,
                    uint64_t *total_out) {
  const fossc_index *ix = s->ix;
  concept *k = &s->concepts[0];
  if (taat_reset(s, ix->ndocs)) return FOSSC_ERR_NOMEM;
  const uint32_t ep = s->taat_epoch;
  float *acc = s->acc;
  uint32_t *stamp = s->acc_epoch, *touched = s->touched, nt = 0;
  for (uint32_t a = 0; a < s->nalts; a++) {
    const alt *al = &s->alts[a];
    fossc_pcursor *c = &s->cursors[al->cursor];
    const float w = al->weight;
    const int orig = al->via != VIA_TRANSLATION;
    while (c->doc != FOSSC_DOC_END) {
      for (uint32_t j = c->i; j < c->n; j++) {
        uint32_t d = c->docs[j];
        if (d >= ix->ndocs) { /* a corrupt list: stop reading it */
          c->corrupt = 1;
          c->doc = FOSSC_DOC_END;
          break;
        }
        float *f = acc + 4 * (size_t)d;
        if (stamp[d] != ep) {
          stamp[d] = ep;
          f[0] = f[1] = f[2] = f[3] = 0;
          touched[nt++] = d;
        }
        float t = w * c->tft[j], b = w * c->tfb[j];
        f[0] += t;
        f[1] += b;
        if (orig) {
          f[2] += t;
          f[3] += b;
        }
      }
      if (c->doc == FOSSC_DOC_END) break;
      c->i = c->n - 1; /* the next step loads the next block */
      fossc_pcursor_next(c);
    }
  }
  uint64_t total = 0;
  for (uint32_t i = 0; i < nt; i++) {
    uint32_t d = touched[i];
    if (lang != FOSSC_LANG_UNKNOWN && fossc_ix_lang(ix, d) != lang) continue;
    const float *f = acc + 4 * (size_t)d;
    k->tf_title = f[0];
    k->tf_body = f[1];
    k->tfo_title = f[2];
    k->tfo_body = f[3];
    if (k->tf_title + k->tf_body > 0) {
      total++;
      heap_push(s, depth, bm25f(s, k, d), d);
    }
  }
  *total_out = total;
  return FOSSC_OK;
}

/* Leapfrog: the first document >= doc on which every part in
** parts[0..n) has an alternative (each part's cursors sought to it, at or
** past it), or FOSSC_DOC_END. Inlined into both callers: called once per
** candidate of a conjunction, the call cost AND and phrase queries 3-6%
** in the benchmark's order (gcc kept it out of line). */
static inline __attribute__((always_inline)) uint32_t
leapfrog(fossc_searcher *s, const uint32_t *parts, uint32_t n, uint32_t doc) {
  for (;;) {
    uint32_t hi = doc;
    int agree = 1;
    for (uint32_t r = 0; r < n; r++) {
      const part *pt = &s->parts[parts[r]];
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
    if (agree || doc == FOSSC_DOC_END) return doc;
  }
}

/* Threshold priming for the disjunctive walk of several word concepts:
** that walk takes documents in number order, so its first k fill the heap
** whatever they match (one word of three: coordination halves them), and
** MaxScore and the block maxima prune little until better ones raise the
** threshold. The first k documents that match every word, found by a
** leapfrog (cheap: the rarest word leads), are scored first; their
** scores are exact, so the k-th is a true lower bound of the final top
** k's and the walk prunes from its start. The cursors go back to the
** start and the walk counts these documents (stamped in acc_epoch)
** without scoring or pushing them again. Returns 1 if it ran, 0 if the
** query does not qualify, -1 out of memory. */
static int prime_threshold(fossc_searcher *s, uint32_t depth, fossc_lang lang,
                           int rescore) {
  uint32_t parts[FOSSC_MAX_CLAUSES], np = 0, nalts = 0, bonus_alts = 0;
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    const concept *k = &s->concepts[i];
    if (k->occur == FOSSC_Q_NOT) continue;
    if (k->bonus > 0) {
      for (uint32_t p = 0; p < k->nparts; p++) bonus_alts += s->parts[k->part0 + p].nalt;
      continue;
    }
    if (k->kind == FOSSC_Q_PHRASE || np == FOSSC_MAX_CLAUSES) return 0;
    parts[np++] = k->part0;
    nalts += s->parts[k->part0].nalt;
  }
  if (np < 2 || nalts > PRIME_MAX_ALTS) return 0;
  if (taat_reset(s, s->ix->ndocs)) return -1;
  const uint32_t ep = s->taat_epoch;
  uint32_t doc = 0;
  while ((doc = leapfrog(s, parts, np, doc)) != FOSSC_DOC_END) {
    if (bonus_alts) /* translated phrases are scored at doc too */
      for (uint32_t i = 0; i < s->nconcepts; i++) {
        const concept *k = &s->concepts[i];
        if (!(k->bonus > 0) || k->occur == FOSSC_Q_NOT) continue;
        for (uint32_t p = 0; p < k->nparts; p++) {
          const part *pt = &s->parts[k->part0 + p];
          for (uint32_t a = 0; a < pt->nalt; a++)
            fossc_pcursor_seek(&s->cursors[s->alts[pt->alt0 + a].cursor], doc);
        }
      }
    score_parts sp;
    if ((lang == FOSSC_LANG_UNKNOWN || fossc_ix_lang(s->ix, doc) == lang) &&
        fossc_scorer_score(s, doc, &sp, 0)) {
      if (rescore) add_proximity(s, doc, &sp);
      heap_push(s, depth, sp.total, doc);
      s->acc_epoch[doc] = ep;
      if (s->heap_n == depth) break;
    }
    if (doc == FOSSC_DOC_END - 1) break;
    doc++;
  }
  reopen_cursors(s, 1);
  s->primed++;
  return 1;
}

int fossc_scorer_run(fossc_searcher *s, uint32_t k, fossc_lang lang,
                     int exact_total, uint64_t *total_out, int *total_exact,
                     fossc_error *err) {
  const fossc_index *ix = s->ix;
  /* Every matching document gets BM25F x coordination; proximity needs
  ** positions, so only a document whose score plus the largest possible
  ** bonus can still enter the top k pays for it. The pruning bounds add
  ** that bonus too (prox_bound). */
  int rescore = needs_proximity(s);
  uint32_t depth = k;
  if (fossc_search_grow((void **)&s->heap, &s->heap_cap, depth, sizeof *s->heap, 0))
    return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  s->heap_n = 0;
  uint64_t total = 0;
  /* Block-max pruning (window_bound) once the heap is full, unless the
  ** caller asked for an exact count of matching documents. */
  int prune = !exact_total, pruned = 0, has_phrase = 0;
  s->words_only = !s->general_score;
  for (uint32_t i = 0; i < s->nconcepts; i++) {
    const concept *c = &s->concepts[i];
    has_phrase |= c->kind == FOSSC_Q_PHRASE && c->occur != FOSSC_Q_NOT;
    if (c->kind == FOSSC_Q_PHRASE || c->occur == FOSSC_Q_NOT || c->bonus > 0)
      s->words_only = 0;
  }
  uint32_t nness = 0;
  s->nness = 0;
  window win = {0, 0, 0};
  int drivers_built = 0, primed = 0;
  uint32_t npopped = 0;
  float theta = -1;

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
  if (nreq == 0 && s->nconcepts == 1 && s->concepts[0].occur == FOSSC_Q_SHOULD &&
      s->concepts[0].kind != FOSSC_Q_PHRASE && !(s->concepts[0].bonus > 0) &&
      s->min_match <= 1 && ix->ndocs <= s->taat_max_docs) {
    if (run_taat(s, depth, lang, &total))
      return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
    npos_cur = 0; /* done: on to the corruption check */
  }
  if (nreq) {
    /* The leapfrog leaves every required part's cursors at or past the
    ** document it settles on; only the others still need a seek. */
    if (fossc_search_grow((void **)&s->other, &s->other_cap, s->ncursors + 1,
                          sizeof *s->other, 0))
      return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
    s->nother = 0;
    for (uint32_t c = 0; c < s->ncursors; c++) {
      int in_req = 0;
      for (uint32_t r = 0; r < nreq && !in_req; r++) {
        const part *pt = &s->parts[req_parts[r]];
        for (uint32_t a = 0; a < pt->nalt; a++) in_req |= s->alts[pt->alt0 + a].cursor == c;
      }
      if (!in_req) s->other[s->nother++] = c;
    }
  }
  uint32_t doc = 0;
  while (npos_cur) {
    if (nreq) {
      doc = leapfrog(s, req_parts, nreq, doc);
      if (doc == FOSSC_DOC_END) break;
      for (uint32_t c = 0; c < s->nother; c++) fossc_pcursor_seek(&s->cursors[s->other[c]], doc);
      if (prune && s->heap_n == depth && window_skips(s, doc, rescore, &win)) {
        pruned = 1;
        if (win.end >= FOSSC_DOC_END - 1) break;
        doc = win.end + 1;
        continue;
      }
    } else {
      if (!drivers_built) {
        if (prune) {
          int pr = prime_threshold(s, depth, lang, rescore);
          if (pr < 0) return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
          primed = pr;
        }
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
      doc = s->ndrv ? s->drv[0].doc : FOSSC_DOC_END;
      if (doc == FOSSC_DOC_END) break;
      for (uint32_t i = 0; i < s->nness; i++)
        fossc_pcursor_seek(&s->cursors[s->ness[i]], doc);
      if (prune && s->heap_n == depth && window_skips(s, doc, rescore, &win)) {
        pruned = 1;
        if (win.end >= FOSSC_DOC_END - 1) break;
        seek_positive(s, win.end + 1);
        drv_heapify(s);
        continue;
      }
      /* The cursors on doc: drivers popped off the heap, then the
      ** non-essential ones that the seek above left on it. */
      s->nat = 0;
      while (s->ndrv && s->drv[0].doc == doc) {
        s->popped[s->nat] = s->drv[0].cur;
        s->at[s->nat] = s->popped[s->nat];
        s->nat++;
        s->drv[0] = s->drv[--s->ndrv];
        if (s->ndrv) drv_sift_down(s->drv, s->ndrv, 0);
      }
      npopped = s->nat;
      for (uint32_t i = 0; i < s->nness; i++)
        if (s->cursors[s->ness[i]].doc == doc) s->at[s->nat++] = s->ness[i];
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
    if (primed && s->acc_epoch[doc] == s->taat_epoch) {
      total++; /* matched, scored and pushed by prime_threshold */
      skip = 1;
    } else if (prune && has_phrase && s->heap_n == depth &&
        doc_bound(s, doc, rescore) * PRUNE_MARGIN < s->heap[0].score) {
      skip = 1;
      pruned = 1;
    } else if (prune && !nreq && s->heap_n == depth &&
               at_bound(s, rescore) * PRUNE_MARGIN < s->heap[0].score) {
      skip = 1;
      pruned = 1;
    }
    if (!skip && (lang == FOSSC_LANG_UNKNOWN || fossc_ix_lang(ix, doc) == lang) &&
        fossc_scorer_score(s, doc, &sp, 0)) {
      total++;
      if (!rescore)
        heap_push(s, depth, sp.total, doc);
      else if (s->prox_every || s->heap_n < depth ||
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
    for (uint32_t i = 0; i < npopped; i++)
      if (fossc_pcursor_next(&s->cursors[s->popped[i]]) != FOSSC_DOC_END)
        drv_push(s, s->popped[i]);
  }
  s->use_at = 0;
  if (any_corrupt(s))
    return fossc_error_set(err, FOSSC_ERR_CORRUPT,
                           "%s: section POSTS: a postings block is corrupt",
                           ix->path);
  *total_out = total;
  *total_exact = !pruned;
  return FOSSC_OK;
}
