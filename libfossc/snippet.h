/*
** Snippets: the window of a document's body that holds the most query
** concepts, with the matched words marked <b>..</b> and the rest HTML-escaped.
*/
#ifndef FOSSC_SNIPPET_H
#define FOSSC_SNIPPET_H

#include "analysis.h"
#include "common.h"

/* Words shown in a snippet: about two lines of text. */
#define FOSSC_SNIPPET_WORDS 32
/* Words of a body scanned for the best window: bounds snippet cost on huge
** documents; matches are nearly always found early or in the title. */
#define FOSSC_SNIPPET_SCAN_WORDS 20000

/* Says whether an index term (NUL-terminated) is a query term: returns the
** concept number (>= 0) it belongs to, or -1. */
typedef int (*fossc_snippet_match)(void *ctx, const char *term, size_t len);

/* Appends to *out the snippet of body[0..len), analysed as the indexer did
** (fallback language `lang`). Returns FOSSC_OK or FOSSC_ERR_NOMEM. */
int fossc_snippet(fossc_analyzer *a, const char *body, size_t len,
                  fossc_lang lang, fossc_snippet_match match, void *ctx,
                  fossc_buf *out);

/* Appends s[0..n) HTML-escaped (& < > ") to *out. */
void fossc_html_escape(fossc_buf *out, const char *s, size_t n);

#endif
