/*
** Index reader internals shared by reader.c, search.c and snippet.c. Programs
** use only the opaque fossc_index of index.h.
*/
#ifndef FOSSC_READER_H
#define FOSSC_READER_H

#include <stdatomic.h>
#include <zstd.h>

#include "format.h"
#include "htab.h"
#include "index.h"
#include "lexicon.h"

/* Words per fence of fossc_index.word_fence: 7,400 fences (59 KB) for the
** medium corpus's 236,309 words, small enough to stay in the L2 cache
** between queries; a lookup then binary searches 32 entries of WORDS (5
** probes, a few cache lines) instead of 236,309 (18 probes, most of them
** misses once other queries have run). */
#define FOSSC_WORD_FENCE_STEP 32
/* Keys per fence of fossc_index.lex_fence: the translation lexicon's
** ~20,000 keys a language need 15 probes of two dependent reads each (key
** record, key string); a query looks up ~5.5 keys a word. 1,250 fences
** (10 KB) a language leave 4 probes. */
#define FOSSC_LEX_FENCE_STEP 16
/* Bits per key of fossc_index.lex_bloom: most of a query's lexicon lookups
** fail (a word's stems and spellings are tried as keys in both languages
** until one is found), and a failing lookup then reads one cache line
** instead of searching the keys. 16 bits and 4 probes in a 512-bit block:
** ~0.3% false positives by the usual estimate, fewer once rounded up to a
** power of two blocks: 64 KB a language on the medium corpus (19,457 and
** 23,334 keys, 27 and 22 bits a key). */
#define FOSSC_LEX_BLOOM_BITS_PER_KEY 16

typedef struct fossc_section {
  const uint8_t *p;
  uint64_t len;
} fossc_section;

struct fossc_index {
  atomic_int refs;
  char *path;          /* generation file (owned) */
  const uint8_t *map;  /* whole file, read-only mapping */
  size_t map_len;
  fossc_section meta, terms, tstr, posts, words, wstr, norms, ddoc, fblk, flds,
      dblk, docs, ids, trans;
  uint32_t ndocs, nterms, nwords, nblocks, nfblocks;
  uint64_t title_tokens, body_tokens;
  uint32_t docs_en, docs_es;
  float avg_title, avg_body;
  /* per document: BM25F field weight / length normalisation, title then
  ** body (owned; computed at open from NORMS) */
  float *inv_norm;
  fossc_htab term_ix;  /* XXH3(term) -> term index, built at open */
  /* The first 8 bytes (big-endian, zero-padded) of every
  ** FOSSC_WORD_FENCE_STEP-th word (owned; built at open): a word lookup
  ** searches this array, which stays in cache, then one short run of WORDS,
  ** instead of binary searching all of WORDS and WSTR. */
  uint64_t *word_fence;
  uint32_t nfence;
  fossc_lexicon lex;   /* translation lexicon (section TRANS), if any */
  int has_lex;
  /* The first 8 bytes of every FOSSC_LEX_FENCE_STEP-th lexicon key of each
  ** source language, as word_fence (owned; built at open when has_lex) */
  uint64_t *lex_fence[FOSSC_LANG_COUNT];
  uint32_t nlex_fence[FOSSC_LANG_COUNT];
  /* A blocked Bloom filter of each source language's keys (XXH3 of the
  ** key; blocks of 8 words, lex_bloom_mask + 1 of them; owned) */
  uint64_t *lex_bloom[FOSSC_LANG_COUNT];
  uint32_t lex_bloom_mask[FOSSC_LANG_COUNT];
  /* typo.c's suffix order and rest order of WORDS, built on first use
  ** and shared (owned; released by fossc_typo_release) */
  _Atomic(struct fossc_typo_sfx *) typo_sfx;
  _Atomic(struct fossc_typo_sfx *) typo_rest;
};

/* Term entry accessors (no checks: fossc_index_open validated every entry,
** the sentinel entry nterms included, whose offsets end TSTR and POSTS). */
static inline const uint8_t *fossc_ix_term_entry(const fossc_index *ix,
                                                 uint32_t t) {
  return ix->terms.p + (size_t)t * FOSSC_TERM_ENTRY_BYTES;
}
static inline uint64_t fossc_ix_term_post_off(const uint8_t *e) {
  return fossc_rd32(e + 8) | (uint64_t)e[12] << 32;
}
static inline const char *fossc_ix_term_str(const fossc_index *ix, uint32_t t,
                                            uint32_t *len) {
  const uint8_t *e = fossc_ix_term_entry(ix, t);
  uint32_t off = fossc_rd32(e);
  *len = fossc_rd32(e + FOSSC_TERM_ENTRY_BYTES) - off;
  return (const char *)ix->tstr.p + off;
}
static inline uint32_t fossc_ix_term_df(const fossc_index *ix, uint32_t t) {
  return fossc_rd32(fossc_ix_term_entry(ix, t) + 4);
}
static inline const uint8_t *fossc_ix_term_postings(const fossc_index *ix,
                                                    uint32_t t, size_t *len) {
  const uint8_t *e = fossc_ix_term_entry(ix, t);
  uint64_t off = fossc_ix_term_post_off(e);
  *len = (size_t)(fossc_ix_term_post_off(e + FOSSC_TERM_ENTRY_BYTES) - off);
  return ix->posts.p + off;
}
static inline const char *fossc_ix_word_str(const fossc_index *ix, uint32_t w,
                                            uint32_t *len) {
  const uint8_t *r =
      ix->wstr.p + fossc_rd32(ix->words.p + (size_t)w * FOSSC_WORD_ENTRY_BYTES);
  *len = r[0];
  return (const char *)r + 1;
}
static inline uint32_t fossc_ix_word_term(const fossc_index *ix, uint32_t w) {
  return fossc_rd32(ix->words.p + (size_t)w * FOSSC_WORD_ENTRY_BYTES + 4);
}
static inline uint32_t fossc_ix_body_len(const fossc_index *ix, uint32_t d) {
  return fossc_rd32(ix->norms.p + (size_t)d * FOSSC_NORM_ENTRY_BYTES);
}
static inline uint32_t fossc_ix_title_len(const fossc_index *ix, uint32_t d) {
  return fossc_rd16(ix->norms.p + (size_t)d * FOSSC_NORM_ENTRY_BYTES + 4);
}
static inline fossc_lang fossc_ix_lang(const fossc_index *ix, uint32_t d) {
  return (fossc_lang)ix->norms.p[(size_t)d * FOSSC_NORM_ENTRY_BYTES + 6];
}

/* Starts loading into the CPU caches what fossc_ix_doc reads of the fields
** of docs[0..n) (a page of hits): each document's chain of three reads
** (entry, block entry, fields) is otherwise waited for one document after
** another. A hint only: numbers out of range are passed over. */
void fossc_ix_prefetch_fields(const fossc_index *ix, const uint32_t *docs,
                              uint32_t n);
/* Loads document d's fields, and its body too when with_body (else body is
** "" and body_len 0). See fossc_index_doc. */
int fossc_ix_doc(const fossc_index *ix, uint32_t d, int with_body,
                 ZSTD_DCtx *dctx, fossc_buf *scratch, fossc_docview *out,
                 fossc_error *err);

/* Looks a term up; returns its index or FOSSC_HTAB_EMPTY. */
uint32_t fossc_ix_find_term(const fossc_index *ix, const char *s, size_t n);
/* First word index whose string is >= s[0..n) in byte order (nwords if none). */
uint32_t fossc_ix_word_lower_bound(const fossc_index *ix, const char *s,
                                   size_t n);
/* The same within the word entries [lo, hi); returns hi if none. */
uint32_t fossc_ix_word_lower_bound_in(const fossc_index *ix, uint32_t lo,
                                      uint32_t hi, const char *s, size_t n);
/* fossc_lexicon_lookup on the index's lexicon (0 without one), narrowed
** by its fences first. */
uint32_t fossc_ix_translate(const fossc_index *ix, fossc_lang from,
                            const char *key, size_t len,
                            fossc_lexicon_target *out, uint32_t max);

#endif
