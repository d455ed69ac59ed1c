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
