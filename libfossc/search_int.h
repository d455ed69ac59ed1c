/*
** Internals shared by the two halves of query execution: search.c turns a
** query into concepts and a page of results, scorer.c evaluates the
** concepts' postings (walk, scores, pruning, top k). Not a public API.
*/
#ifndef FOSSC_SEARCH_INT_H
#define FOSSC_SEARCH_INT_H

#include <zstd.h>

#include "analysis.h"
#include "postings.h"
#include "query.h"
#include "reader.h"
#include "search.h"

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
/* Threshold priming (scorer.c, prime_threshold) leapfrogs over every
** word's alternatives at each step: not for queries with more (prefixes). */
#define PRIME_MAX_ALTS 64
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


/* Parts and concepts one query may hold: every clause a phrase of
** MAX_PHRASE_WORDS words, plus translated phrases. */
#define MAX_PARTS (2 * FOSSC_MAX_CLAUSES * MAX_PHRASE_WORDS)
#define MAX_CONCEPTS (2 * FOSSC_MAX_CLAUSES * MAX_PHRASE_WORDS)

/* Documents above which a single-concept query is not evaluated term at a
** time (run_taat, scorer.c): its accumulators take 24 bytes per document
** of the index in each searcher (one per daemon worker), 24 MiB at this
** bound; larger indexes take the document-at-a-time walk. */
#define TAAT_MAX_DOCS (1u << 20)

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

/* A driver of the disjunctive walk: its cursor's current document, and
** the cursor (index into s->cursors). */
typedef struct fossc_drv {
  uint32_t doc, cur;
} fossc_drv;

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
  uint32_t npositive; /* positive concepts other than bonus phrases: the
                         denominator of coordination (scorer.c) */
  float coord[MAX_CONCEPTS + 1]; /* coordination of m matched concepts */
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
  /* The stems (English, Spanish) of the word add_word_alts last took,
  ** plain form stems_of[0..stems_len): the translation keys of that word
  ** reuse them instead of stemming it again */
  fossc_buf stems[2];
  const char *stems_of;
  size_t stems_len;
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
  struct fossc_drv *drv; /* a min-heap on doc (the doc kept in the entry:
                            comparing never touches the cursors) */
  uint32_t ndrv, drv_cap;
  /* cursors on the current document in the disjunctive walk (alternative
  ** indices; drivers popped from the heap first), so that scoring reads
  ** only those instead of every alternative of the query */
  uint32_t *at, nat, at_cap;
  uint32_t *ness, nness, ness_cap; /* cursors of non-essential concepts,
                                      sought to each candidate */
  uint32_t *popped, popped_cap; /* the drivers among them, to step and
                                   push back */
  uint32_t *other, nother, other_cap; /* conjunctive walk: the cursors not
                                         in a required part, sought to each
                                         document the required ones agree on */
  uint32_t *alt_concept; /* alternative -> its concept */
  uint32_t alt_concept_cap;
  /* run_taat's accumulators, indexed by document: the concept's four
  ** weighted frequencies (title, body, and both without translations),
  ** valid where acc_epoch is taat_epoch; the documents touched, in order
  ** of first touch */
  float *acc;
  uint32_t *acc_epoch, *touched;
  uint32_t acc_docs, taat_epoch;
  uint32_t taat_max_docs; /* TAAT_MAX_DOCS; tests set 0 to run the general
                             walk on one-concept queries */
  int use_at;
  int words_only; /* every concept a positive word or prefix (set by
                     fossc_scorer_run: scoring takes score_words_at) */
  int general_score; /* 0; tests set 1 to score every document through
                        fossc_scorer_score's general loop */
  int prox_every;    /* 0; tests set 1 to read positions for the proximity
                        of every matching document, and all of them (the
                        reference that the bounds in fossc_scorer_run and
                        the truncated reads of add_proximity must not
                        change) */
  uint64_t prox_docs; /* documents whose positions add_proximity read since
                         the searcher was created (tests, measurements) */
  uint64_t primed;    /* queries whose walk prime_threshold primed since the
                         searcher was created (tests, measurements) */
  const fossc_index *ix;
};

typedef struct score_parts {
  float bm25, prox, coord, total;
  uint32_t matched, positive;
} score_parts;

/* Grows *p (capacity *cap elements of elem bytes) to hold need elements,
** doubling; zero: clear the new elements. FOSSC_ERR_NOMEM on failure (*p
** unchanged). */
int fossc_search_grow(void **p, uint32_t *cap, uint32_t need, size_t elem,
                      int zero);

/* scorer.c */
/* (Re)opens one cursor per alternative, at its first document. */
int fossc_scorer_open_cursors(fossc_searcher *s);
/* Bounds of each concept's score (MaxScore); after open_cursors. */
void fossc_scorer_bounds(fossc_searcher *s);
/* Walks the postings into s->heap: the best k documents (limited to lang
** unless FOSSC_LANG_UNKNOWN), unsorted. *total: matching documents seen;
** *total_exact: 0 when pruning skipped some (never with exact_total).
** FOSSC_ERR_NOMEM, or FOSSC_ERR_CORRUPT for a bad postings block. */
int fossc_scorer_run(fossc_searcher *s, uint32_t k, fossc_lang lang,
                     int exact_total, uint64_t *total, int *total_exact,
                     fossc_error *err);
/* Scores the document the cursors are on (explanations); see scorer.c. */
int fossc_scorer_score(fossc_searcher *s, uint32_t doc, score_parts *sp,
                       int with_proximity);
float fossc_scorer_bm25f(const fossc_searcher *s, const concept *k, uint32_t doc);
/* qsort order of heap entries: best first, ties by document number. */
int fossc_scorer_cmp_desc(const void *a, const void *b);

#endif
