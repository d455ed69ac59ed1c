/*
** Internal interface between lexicon_apertium.c (finds the dictionaries,
** gets their listings), lexicon_lttb.c (reads lttoolbox binaries) and
** lexicon_build.c (listings -> blob). Not for use elsewhere.
*/
#ifndef FOSSC_LEXICON_INT_H
#define FOSSC_LEXICON_INT_H

#include "lexicon.h"

/* Builds the blob from the two listings text[0] (spa-eng: Spanish input)
** and text[1] (eng-spa); names[] label them in error messages. *info must
** be zeroed by the caller; info->bytes is set here, build_us is not. */
int fossc_lexicon_build_text(fossc_analyzer *a, const char *const text[2],
                             const size_t len[2], const char *const names[2],
                             const char *sources, fossc_lexicon_keep_fn keep,
                             void *keep_ctx, fossc_buf *out,
                             fossc_lexicon_info *info, fossc_error *err);

/* The same in two steps. Prepare reads the listings and analyses every
** lemma with `a` (the costly part; it needs nothing of the corpus); on
** success *out holds the entries and `a` is no longer used. *info is filled
** in part and must stay valid until finish. Finish filters with keep and
** serialises (as build_text); the builder is freed by
** fossc_lexicon_builder_free either way (accepts NULL). */
struct builder;
int fossc_lexicon_text_prepare(fossc_analyzer *a, const char *const text[2],
                               const size_t len[2], const char *const names[2],
                               fossc_lexicon_info *info, fossc_error *err,
                               struct builder **out);
int fossc_lexicon_text_finish(struct builder *b, const char *sources,
                              fossc_lexicon_keep_fn keep, void *keep_ctx,
                              fossc_buf *out, fossc_lexicon_info *info,
                              fossc_error *err);
void fossc_lexicon_builder_free(struct builder *b);

/* ---- lexicon_build.c: a prepared builder's state, for lexicon_cache.c */

/* An entry of a prepared builder: k1 = source language << 32 | key rank,
** k2 = target rank << 1 | (1: found only in the reverse dictionary). */
typedef struct fossc_lexb_entry {
  uint64_t k1, k2;
} fossc_lexb_entry;

/* The prepared builder's strings, by rank (byte order); pointers into b. */
uint32_t fossc_lexb_nstrings(const struct builder *b);
const char *fossc_lexb_string(const struct builder *b, uint32_t rank, size_t *len);
/* Its entries, sorted by (k1, k2); *n gets their count. */
const fossc_lexb_entry *fossc_lexb_entries(const struct builder *b, size_t *n);

/* Rebuilds a prepared builder from saved state: `recs` holds nstr strings
** (u8 length, bytes) in strictly increasing byte order, `ents` nents
** entries (u64 k1, u64 k2, little-endian) sorted by (k1, k2). Everything is
** checked: FOSSC_ERR_CORRUPT names what is wrong; FOSSC_ERR_NOMEM. On
** success *out (the caller's: fossc_lexicon_builder_free) finishes like a
** builder fossc_lexicon_text_prepare made, into the same bytes; *info and
** *err must stay valid until then. */
int fossc_lexb_restore(const uint8_t *recs, size_t recs_len, uint32_t nstr,
                       const uint8_t *ents, size_t nents, fossc_lexicon_info *info,
                       fossc_error *err, struct builder **out);

/* ---- lexicon_cache.c: prepared lexicons kept between builds */

/* Computes the cache key of the dictionaries at paths[0..1] for the running
** program (see lexicon_cache.c). Returns 0, or -1 when something cannot be
** read: then nothing is cached. */
int fossc_lexcache_key(const char *const paths[2], uint8_t key[16]);

/* Reads dir's file for `key` into *out (the caller's), the lemma counts and
** truncation into *info, the package version it was built with into
** version[version_sz], whether a listing came from lt-print into
** *lt_print. Returns FOSSC_OK; FOSSC_ERR_NOTFOUND when there is no such
** file; another status, with the file named in err, for one that cannot
** be read or fails any check. */
int fossc_lexcache_load(const char *dir, const uint8_t key[16], fossc_lexicon_info *info,
                        char *version, size_t version_sz, int *lt_print, fossc_error *err,
                        struct builder **out);

/* The same from bytes p[0..n) (key NULL: any key), for fuzzing and tests. */
int fossc_lexcache_parse(const uint8_t *p, size_t n, const uint8_t key[16],
                         fossc_lexicon_info *info, char *version, size_t version_sz,
                         int *lt_print, fossc_error *err, struct builder **out);

/* Writes prepared builder b (not modified) as dir's file for `key`,
** creating dir (0700) if needed, then keeps only the newest few files.
** Returns 0, or -1 when it could not be written (nothing is left behind). */
int fossc_lexcache_save(const char *dir, const uint8_t key[16], const struct builder *b,
                        const fossc_lexicon_info *info, const char *version, int lt_print);

/* ---- lexicon_lttb.c: lttoolbox transducer files without lt-print */

/* Prints the lttoolbox transducer file p[0..len) as `lt-print` (lttoolbox
** 3.7) does: the same AT&T listing, byte for byte, for the compressed
** layout lt-comp writes (with or without the "LTTB" header). `name` labels
** error messages (may be NULL). On success replaces out's content (reset
** first) with the listing. Returns FOSSC_OK; FOSSC_ERR_VERSION when the
** file uses a layout or feature flags this reader does not know (the caller
** may run lt-print instead); FOSSC_ERR_CORRUPT on truncated or inconsistent
** bytes and FOSSC_ERR_LIMIT past a size cap (the message gives the byte
** offset); FOSSC_ERR_NOMEM; FOSSC_ERR_ARG. On error *out is unspecified. */
int fossc_lttb_listing(const uint8_t *p, size_t len, const char *name,
                       fossc_buf *out, fossc_error *err);

/* Reads the file at `path` and converts it with fossc_lttb_listing. Same
** returns, plus FOSSC_ERR_NOTFOUND (no such file) and FOSSC_ERR_IO. */
int fossc_lttb_read_listing(const char *path, fossc_buf *out, fossc_error *err);

#endif
