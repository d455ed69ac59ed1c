/*
** Typo tolerance: the dictionary words close to a query word.
**
** The dictionary is the index's WORDS section (plain forms of the corpus,
** sorted by bytes). fossc_typo_candidates walks it as an implicit trie: the
** words sharing a prefix are a contiguous range, so one row of the edit
** distance table per prefix character serves every word under that prefix,
** and a prefix whose row minimum already exceeds the allowed distance is
** skipped with one galloping search. Distance 2 splits the query in two
** (pigeonhole): a walk allowing one edit in the first part, and the words
** ending with the second part, found in a suffix order of the words built
** by the first distance-2 call (4 bytes a word, shared, freed with the
** index). Nothing is built at open time; see docs/typo.md for the method
** and the measurements behind it.
**
** Distance: optimal string alignment (Damerau-Levenshtein where an adjacent
** transposition costs 1 and no substring is edited twice), over Unicode
** code points.
*/
#ifndef FOSSC_TYPO_H
#define FOSSC_TYPO_H

#include "common.h"
#include "index.h"

/* Shortest word corrected, in code points: 3-letter words have too many
** neighbours at distance 1 ("the" -> "she", "tie", "thy") for a correction
** to mean anything. */
#define FOSSC_TYPO_MIN_CPS 4
/* Words of this many code points or more get distance 2, shorter ones 1:
** two edits in a 5-letter word leave too little of it to be a guess. */
#define FOSSC_TYPO_DIST2_CPS 8
/* Longest query word corrected, in code points. Dictionary words are at most
** FOSSC_MAX_WORD_BYTES bytes (so at most that many code points); a longer
** query than that plus the maximum distance cannot be near any of them. */
#define FOSSC_TYPO_MAX_CPS (FOSSC_MAX_WORD_BYTES + 2)

/* One correction candidate. */
typedef struct fossc_typo_cand {
  uint32_t word;   /* first WORDS entry of this word (fossc_ix_word_*) */
  uint32_t nterms; /* WORDS entries word .. word+nterms-1 all hold this word,
                      one per term it produced (fossc_ix_word_term) */
  const char *str; /* the word's bytes, inside the index mapping: valid while
                      the index is open; not NUL-terminated */
  uint32_t len;    /* bytes of str */
  uint32_t dist;   /* edit distance to the query word: 1 or 2 */
  uint64_t df;     /* sum of the document frequencies of its terms */
} fossc_typo_cand;

/* Decides whether plain[0..len) (a query word's plain form) may be
** corrected, by the one rule shared by every caller: at least
** FOSSC_TYPO_MIN_CPS and at most FOSSC_TYPO_MAX_CPS code points, and no
** digit anywhere (numbers are never corrected). Invalid UTF-8 bytes count as
** one code point each. Returns 1 and stores the maximum distance (1 below
** FOSSC_TYPO_DIST2_CPS code points, else 2) in *max_dist (may be NULL), or
** returns 0 and leaves *max_dist untouched. */
int fossc_typo_eligible(const char *plain, size_t len, uint32_t *max_dist);

/* Finds the dictionary words within the allowed distance of the query word
** plain[0..len) (its plain form: folded and accent-stripped, as
** fossc_fold_plain gives; any bytes are accepted). Returns 0 when the word
** is not eligible (fossc_typo_eligible) or ix/out is NULL or max_out is 0.
** Otherwise writes the best min(max_out, found) candidates into
** out[0..return value), sorted by distance ascending, then df descending,
** then word bytes ascending. Excluded: the query word itself and words that
** contain a digit. out is owned by the caller; its str pointers point into
** ix. Uses about 8 KB of stack and no heap, except that the first call
** on an index builds its rest order, and the first with distance 2 its
** suffix order (see fossc_typo_rest_order and fossc_typo_suffix_order;
** without memory for them, the slower walk gives the same result);
** thread-safe on a shared index. */
uint32_t fossc_typo_candidates(const fossc_index *ix, const char *plain,
                               size_t len, fossc_typo_cand *out,
                               uint32_t max_out);

/* The suffix order distance-2 calls use, built now if not yet: stores in
** *words (may be NULL) the first WORDS entry of every distinct word of at
** least FOSSC_TYPO_DIST2_CPS - 2 bytes without an ASCII digit, sorted by
** their bytes read backwards (pointer owned by ix, valid while it is open);
** returns their count, or 0 with *words NULL when out of memory. For tests,
** and for fossc-searchd, which builds it before an index serves. */
uint32_t fossc_typo_suffix_order(const fossc_index *ix, const uint32_t **words);

/* The rest order distance-1 and split calls use for the words whose first
** code point is not one of the query's first k + 1, built now if not yet:
** stores in *words (may be NULL) the first WORDS entry of every distinct
** word of at least FOSSC_TYPO_MIN_CPS bytes without an ASCII digit, sorted
** by their bytes after the first code point (pointer owned by ix, valid
** while it is open); returns their count, or 0 with *words NULL when out of
** memory. For tests, and for fossc-searchd, which builds it before an index
** serves. */
uint32_t fossc_typo_rest_order(const fossc_index *ix, const uint32_t **words);

/* Frees what fossc_typo_candidates built for ix (its suffix and rest
** orders of the words, ~4 bytes per distinct word each). Called by
** fossc_index_free only. */
void fossc_typo_release(fossc_index *ix);

/* Edit distance (optimal string alignment, over code points) between two
** UTF-8 strings, capped: returns min(distance, cap + 1). Strings longer than
** FOSSC_TYPO_MAX_CPS code points are cut there. For tests and for callers
** that re-rank. */
uint32_t fossc_typo_distance(const char *a, size_t alen, const char *b,
                             size_t blen, uint32_t cap);

#endif
