/*
** Translation lexicon: index term (or phrase of terms) in one language ->
** weighted index terms in the other, compiled from Apertium's English-Spanish
** bilingual dictionaries at index build time and stored with the index
** (section "TRANS"), so that the daemon needs no dictionary of its own.
**
** Builder (lexicon_build.c): reads the two .autobil.bin transducers of
** apertium-eng-spa (lexicon_lttb.c; `lt-print` only for a layout that
** reader does not know), enumerates their lemma pairs, turns each
** lemma into index terms with the indexer's own analyzer, and serialises a
** sorted, versioned blob. Reader (lexicon.c): validates a blob once, then
** answers lookups by binary search without further checks.
**
** The blob format is specified in docs/translation.md (and summarised in
** docs/index-format.md); the constants below are part of it.
*/
#ifndef FOSSC_LEXICON_H
#define FOSSC_LEXICON_H

#include "analysis.h"
#include "common.h"

#define FOSSC_LEXICON_MAGIC "FOSSCLX\x1a" /* 8 bytes */
#define FOSSC_LEXICON_VERSION 1
#define FOSSC_LEXICON_HEADER_BYTES 32
/* Key record: u32 string offset, u32 first target, u16 target count,
** u8 key length, u8 flags (bit 0: the key is a phrase). */
#define FOSSC_LEXICON_KEY_BYTES 12
/* Target record: u32 string offset, u16 weight (w * 65535, >= 1),
** u8 length, u8 flags (bit 0: the target is a phrase). */
#define FOSSC_LEXICON_TARGET_BYTES 8
#define FOSSC_LEXICON_PHRASE 0x01
/* Keys and targets are stored with a one-byte length: a phrase of four
** 64-byte words would not fit, but real dictionary phrases are far shorter
** and longer ones are dropped at build time. */
#define FOSSC_LEXICON_MAX_STRING 255
/* Translations kept per key (the best by weight). A query word expands to
** its translations as alternatives of one concept; past a dozen they are
** mostly rare senses that add noise and cost postings reads. */
#define FOSSC_LEXICON_MAX_TARGETS 16

/* Keys come in three kinds, all in one sorted table per source language:
**   "energ"      an index term: the stem of a lemma's accented surface form
**   "energi"     the stem of its accent-stripped form, when different (what
**                an accentless query word stems to)
**   "=energia"   EXACT: '=' + the plain (folded, accent-stripped) lemma of a
**                one-word entry. Stems merge unrelated lemmas (acero and
**                acera both stem to "acer": steel and sidewalk), so a query
**                word that IS a dictionary lemma should be looked up here
**                first, and through its stem only when this finds nothing.
**                Exact keys also record words that translate to themselves
**                ("=solar" -> "solar"), which stem keys leave out.
**   "turism rural"  a phrase: the terms of a multi-word lemma, joined by one
**                space (both surface and plain variants).
** '=' never occurs in an index term, so the kinds cannot collide. */
#define FOSSC_LEXICON_EXACT_PREFIX '='

/* Returns 1 when `term` (an index term, not NUL-terminated) of language
** `lang` exists in the index being built, 0 otherwise. */
typedef int (*fossc_lexicon_keep_fn)(void *ctx, fossc_lang lang,
                                     const char *term, size_t len);

/* What a build produced. Arrays are indexed by the SOURCE fossc_lang
** (FOSSC_LANG_EN: English -> Spanish entries). */
typedef struct fossc_lexicon_info {
  uint32_t lemma_pairs[FOSSC_LANG_COUNT]; /* distinct usable lemma pairs read */
  uint32_t keys[FOSSC_LANG_COUNT];        /* keys stored (terms and phrases) */
  uint32_t phrase_keys[FOSSC_LANG_COUNT]; /* of which multi-word */
  uint32_t exact_keys[FOSSC_LANG_COUNT];  /* of which exact-word ("=...") */
  uint32_t targets[FOSSC_LANG_COUNT];     /* (key, target) pairs stored */
  uint32_t dropped_targets;  /* translations whose terms the index lacks */
  uint32_t truncated;        /* 1 if a path or step budget cut enumeration */
  uint64_t bytes;            /* size of the blob */
  uint64_t build_us;         /* wall time of the whole build */
  int cached;                /* prepared from the lexicon cache (see
                             ** fossc_lexicon_prepare_cached) */
  char version[64]; /* apertium-eng-spa package version or "unknown"
                    ** (fossc_lexicon_build_att: its `sources`) */
} fossc_lexicon_info;

/* Builds the lexicon blob from the Apertium data in `apertium_dir` (NULL:
** /usr/share/apertium/apertium-eng-spa), using analyzer `a` (the same
** analysis the indexer uses; it must not be in use by another thread).
** `keep` (may be NULL: keep everything) filters translation targets: a
** single-word target is kept when keep() accepts it, a phrase target when
** keep() accepts each of its words; keys left without a target are dropped.
** Source keys are never filtered.
** On success replaces out's content (reset first) with the blob and fills
** *info (may be NULL). Returns FOSSC_OK; FOSSC_ERR_NOTFOUND when the
** .autobil.bin files are missing, or a file needs the lt-print fallback
** and lttoolbox is not installed (the message says the index will be
** monolingual); FOSSC_ERR_IO when lt-print fails; FOSSC_ERR_CORRUPT /
** FOSSC_ERR_LIMIT for a transducer file the reader refuses;
** FOSSC_ERR_NOMEM; FOSSC_ERR_ARG. Same inputs give the same bytes. */
int fossc_lexicon_build(fossc_analyzer *a, const char *apertium_dir,
                        fossc_lexicon_keep_fn keep, void *keep_ctx,
                        fossc_buf *out, fossc_lexicon_info *info,
                        fossc_error *err);

/* fossc_lexicon_build in two steps, so that the costly one runs while the
** corpus is being indexed. fossc_lexicon_prepare reads and analyses the
** dictionaries with `a` (not used afterwards; it must not be in use by
** another thread meanwhile) and needs nothing of the corpus; *out (owned by
** the caller: fossc_lexicon_prep_free, which accepts NULL) is then finished
** once by fossc_lexicon_finish, which filters with keep and writes the blob
** as fossc_lexicon_build does. Same returns as fossc_lexicon_build. */
typedef struct fossc_lexicon_prep fossc_lexicon_prep;
int fossc_lexicon_prepare(fossc_analyzer *a, const char *apertium_dir,
                          fossc_lexicon_prep **out, fossc_error *err);
int fossc_lexicon_finish(fossc_lexicon_prep *p, fossc_lexicon_keep_fn keep,
                         void *keep_ctx, fossc_buf *out,
                         fossc_lexicon_info *info, fossc_error *err);
void fossc_lexicon_prep_free(fossc_lexicon_prep *p);

/* fossc_lexicon_prepare with a cache of prepared lexicons in folder
** `cache_dir` (NULL: none; created if missing). A valid cached state for the
** same dictionaries, package version and program is used instead of reading
** the dictionaries (info->cached = 1 after finish); otherwise the lexicon is
** prepared as usual and saved there. The blob finish writes is the same
** either way. A cache file that cannot be used is rebuilt and replaced, and
** one that cannot be written is skipped: neither is an error. Same returns
** as fossc_lexicon_prepare. */
int fossc_lexicon_prepare_cached(fossc_analyzer *a, const char *apertium_dir,
                                 const char *cache_dir, fossc_lexicon_prep **out,
                                 fossc_error *err);

/* The same build from lt-print listings already in memory (AT&T text as
** lt-print prints it; NULL with length 0 for none): for tests, fuzzing and
** tools that cache the listings. `sources` (NULL: "unknown") is recorded
** in the blob as is and copied to info->version; it must be shorter than
** info->version and hold no newline. Same returns as fossc_lexicon_build
** except FOSSC_ERR_NOTFOUND; FOSSC_ERR_INPUT / FOSSC_ERR_LIMIT on a
** malformed listing (the message names the listing and line). */
int fossc_lexicon_build_att(fossc_analyzer *a, const char *spa_eng,
                            size_t spa_eng_len, const char *eng_spa,
                            size_t eng_spa_len, const char *sources,
                            fossc_lexicon_keep_fn keep, void *keep_ctx,
                            fossc_buf *out, fossc_lexicon_info *info,
                            fossc_error *err);

/* A validated blob. Plain struct filled by fossc_lexicon_open; it points
** into the caller's bytes, which must outlive it. Fields are private. */
typedef struct fossc_lexicon {
  const uint8_t *keys, *targets, *pool;
  uint32_t nkeys[FOSSC_LANG_COUNT]; /* by source language */
  uint32_t first_key[FOSSC_LANG_COUNT];
  uint32_t nphrase[FOSSC_LANG_COUNT];
  uint32_t nexact[FOSSC_LANG_COUNT];
  uint32_t ntargets, pool_len;
  const char *sources; /* NUL-terminated, in the pool */
  size_t bytes;
} fossc_lexicon;

/* One translation. `str` points into the blob and is NUL-terminated: a term,
** or for a phrase its terms separated by single spaces. */
typedef struct fossc_lexicon_target {
  const char *str;
  size_t len;
  float weight; /* in (0, 1] */
  int is_phrase;
} fossc_lexicon_target;

/* Validates p[0..len) completely (header, every offset and length in
** bounds, NUL after each string, keys strictly sorted per language, target
** ranges in bounds, weights non-zero), so lookups can trust it. Fills *out.
** Returns FOSSC_OK, FOSSC_ERR_CORRUPT (message names the record) or
** FOSSC_ERR_VERSION. */
int fossc_lexicon_open(const uint8_t *p, size_t len, fossc_lexicon *out,
                       fossc_error *err);

/* Looks up key[0..len) (an index term, or a phrase of index terms joined by
** single spaces) of language `from`; translations are in the other
** language. Writes at most `max` targets to out[], best weight first, and
** returns how many were written (0 when the key is unknown). */
uint32_t fossc_lexicon_lookup(const fossc_lexicon *lx, fossc_lang from,
                              const char *key, size_t len,
                              fossc_lexicon_target *out, uint32_t max);

/* fossc_lexicon_lookup among the keys i of language `from` with
** lo <= i < hi only (key indexes in sorted order; hi is clipped to the
** count): for callers that narrowed the range with fences of their own. */
uint32_t fossc_lexicon_lookup_in(const fossc_lexicon *lx, fossc_lang from,
                                 uint32_t lo, uint32_t hi, const char *key,
                                 size_t len, fossc_lexicon_target *out,
                                 uint32_t max);

/* Number of keys of language `from` (0 for lx NULL or another language). */
uint32_t fossc_lexicon_nkeys(const fossc_lexicon *lx, fossc_lang from);

/* Key i (< fossc_lexicon_nkeys) of language `from`, in sorted order: its
** bytes (in the blob) and *len. */
const char *fossc_lexicon_key(const fossc_lexicon *lx, fossc_lang from,
                              uint32_t i, uint32_t *len);

/* Appends a JSON object to *out: {"sources":..., "keys_en":N, "keys_es":N,
** "phrase_keys_en":N, "phrase_keys_es":N, "exact_keys_en":N,
** "exact_keys_es":N, "targets":N, "bytes":N}; "null" for lx NULL. */
void fossc_lexicon_info_json(const fossc_lexicon *lx, fossc_buf *out);

/* Builds the lexicon for the documents added to w so far (keeping the
** translations whose terms they produced) and adds it to w as section
** TRANS (writer_lexicon.c). FOSSC_ERR_NOTFOUND when the Apertium data is
** missing: the index then works monolingually. */
struct fossc_writer;
int fossc_writer_add_translations(struct fossc_writer *w,
                                  const char *apertium_dir,
                                  fossc_lexicon_info *info, fossc_error *err);

/* The same in two steps: fossc_lexjob_start begins reading Apertium's
** dictionaries (apertium_dir may be NULL: the default) in a thread of its
** own, to overlap with indexing; *out is owned by the caller
** (fossc_lexjob_free, which waits for the thread; accepts NULL). Once every
** document is added, fossc_writer_add_lexjob waits for it, keeps the
** translations w's terms can match and adds section TRANS; a job is added
** once. cache_dir (may be NULL: none) is a folder of prepared lexicons
** (fossc_lexicon_prepare_cached). Same returns as
** fossc_writer_add_translations. */
typedef struct fossc_lexjob fossc_lexjob;
int fossc_lexjob_start(const char *apertium_dir, const char *cache_dir,
                       fossc_lexjob **out, fossc_error *err);
int fossc_writer_add_lexjob(struct fossc_writer *w, fossc_lexjob *j,
                            fossc_lexicon_info *info, fossc_error *err);
void fossc_lexjob_free(fossc_lexjob *j);

#endif
