/*
** Text analysis: the one pipeline used for documents and for queries.
**
**   bytes -> UTF-8 validation (invalid sequences become U+FFFD, never a crash)
**         -> paragraphs (split at blank lines) -> language per paragraph
**         -> words (Unicode letters/digits/marks; ’ and ' inside a word are one
**            apostrophe; hyphens, dashes, no-break spaces split words)
**         -> NFC + case folding ("surface" form)
**         -> accent stripping ("plain" form)
**         -> Snowball stem of the surface form in the paragraph's language,
**            then accent-stripped ("term": what the index stores).
**
** Why accents are stripped after stemming: Snowball's Spanish stemmer needs the
** accents (energía -> energ, but energia -> energi). Index terms are the
** stripped stems; a query word w is looked up through its plain form only
** (fossc_analyzer_concept), so "energia" and "energía" always expand to the
** same terms. The index keeps a fold map plain -> terms that the corpus's
** accented words produced, which is how "energia" reaches "energ".
*/
#ifndef FOSSC_ANALYSIS_H
#define FOSSC_ANALYSIS_H

#include "common.h"

/* Longest word kept, in bytes of its surface form. Longer runs (base64,
** hashes, garbage) are cut here: no real word in either language is longer,
** and the term dictionary stores lengths in a byte. A cut word yields ONE
** token: its surface is the first <= 64 bytes (cut at a character
** boundary), while start/end still span the whole run; the rest of the run
** produces no token. */
#define FOSSC_MAX_WORD_BYTES 64

typedef struct fossc_analyzer fossc_analyzer;

/* Creates an analyzer (owns one Snowball stemmer per language and a word
** cache: each distinct word's folded forms, stop bits, language cues and
** stems, so repeated words cost one lookup). Not thread-safe: use one per
** thread. *out is owned by the caller, release with fossc_analyzer_free. */
int fossc_analyzer_create(fossc_analyzer **out, fossc_error *err);
void fossc_analyzer_free(fossc_analyzer *a);
/* The same with a word cache that is cleared once it holds about
** cache_slots words (rounded up to a power of two, 64 .. the default of
** 128k, ~16 MB): a query thread analyses few distinct words and should not
** hold the indexer's cache. */
int fossc_analyzer_create_sized(uint32_t cache_slots, fossc_analyzer **out,
                                fossc_error *err);

typedef struct fossc_token {
  const char *surface; /* folded form, NUL-terminated; valid during callback */
  const char *plain;   /* surface without accents, NUL-terminated */
  const char *term;    /* index term (stem, accent-stripped), NUL-terminated */
  uint32_t surface_len, plain_len, term_len;
  uint32_t start, end; /* byte offsets of the word in the analysed input */
  uint32_t pos;        /* word position, counted from 0 within the call */
  uint32_t word_id;    /* the analyzer's number for (surface, numeric): */
  uint32_t word_epoch; /* within one epoch, equal ids mean equal surface,
                       ** plain and (per lang) term, so a caller may key its
                       ** own per-word data by id; a new epoch reuses ids */
  uint8_t lang;        /* the paragraph's language, used for stemming:
                       ** FOSSC_LANG_EN or FOSSC_LANG_ES */
  uint8_t stop;        /* stop word in the paragraph's language */
  uint8_t numeric;     /* all digits */
} fossc_token;

/* Called for each token, in text order; a non-zero return stops analysis and
** is returned. The callback must not use the same analyzer (the token's
** strings live in its buffers). */
typedef int (*fossc_token_cb)(void *ctx, const fossc_token *tok);

/* Analyses text[0..len) (need not be valid UTF-8 nor NUL-terminated).
** `fallback` is the language used for paragraphs whose language cannot be
** told (FOSSC_LANG_UNKNOWN: decide from the whole text, English if even that
** is undecided). Positions start at `first_pos` and continue across
** paragraphs. Paragraphs end at blank lines (lines of only white space).
** Returns FOSSC_OK, the callback's non-zero value, FOSSC_ERR_NOMEM,
** FOSSC_ERR_ARG (NULL analyzer or callback), or FOSSC_ERR_LIMIT (len above
** UINT32_MAX, or positions would pass UINT32_MAX). */
int fossc_analyze(fossc_analyzer *a, const char *text, size_t len,
                  fossc_lang fallback, uint32_t first_pos, fossc_token_cb cb,
                  void *ctx);

/* Guesses the language of text[0..len): FOSSC_LANG_EN, FOSSC_LANG_ES, or
** FOSSC_LANG_UNKNOWN when there is too little evidence. */
fossc_lang fossc_detect_lang(fossc_analyzer *a, const char *text, size_t len);

/* Writes into *out (reset first) the index term of one word, already folded
** (a token's `surface` or `plain`), stemmed in `lang`, then accent-stripped.
** Numbers are their own term; FOSSC_LANG_UNKNOWN gives the plain form
** unstemmed. Invalid bytes become U+FFFD; the word is cut at
** FOSSC_MAX_WORD_BYTES. out->data is NUL-terminated unless the word is empty.
** Returns FOSSC_OK or FOSSC_ERR_NOMEM. */
int fossc_analyzer_term(fossc_analyzer *a, fossc_lang lang, const char *word,
                        size_t len, fossc_buf *out);

/* Returns 1 when the folded word is a stop word of `lang`
** (FOSSC_LANG_UNKNOWN: of either language). */
int fossc_is_stopword(fossc_lang lang, const char *word, size_t len);

/* Writes into *out (reset first) a valid UTF-8 copy of in[0..len): each
** maximal ill-formed subsequence (overlong, surrogate, > U+10FFFF, stray or
** truncated) and each NUL byte becomes one U+FFFD. out->data is
** NUL-terminated. Returns the number of replacements, or -1 on allocation
** failure. */
long fossc_utf8_sanitize(const char *in, size_t len, fossc_buf *out);

/* Writes into *out (reset first) NFC + case folded + accent-stripped text
** (the "plain" form) of a UTF-8 string (invalid bytes become U+FFFD).
** out->data is NUL-terminated. Returns FOSSC_OK or FOSSC_ERR_NOMEM. */
int fossc_fold_plain(const char *in, size_t len, fossc_buf *out);

#endif
