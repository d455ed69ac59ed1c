/*
** Internal interface between lexicon_apertium.c (runs lt-print) and
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

#endif
