/* Snippet window selection and highlighting. */
#include "snippet.h"

#include <string.h>

typedef struct {
  uint32_t start, end;
  int concept; /* -1: not a query word */
} snip_tok;

typedef struct {
  snip_tok *toks;
  uint32_t n, cap;
  fossc_snippet_match match;
  void *ctx;
  int oom;
  int full; /* scanned FOSSC_SNIPPET_SCAN_WORDS: analysis was stopped */
} snip_ctx;

static int on_tok(void *ctx, const fossc_token *t) {
  snip_ctx *c = ctx;
  if (c->n >= FOSSC_SNIPPET_SCAN_WORDS) {
    c->full = 1; /* enough: stop (fossc_analyze returns this non-zero) */
    return 1;
  }
  if (c->n == c->cap) {
    uint32_t nc = c->cap ? c->cap * 2 : 256;
    snip_tok *p = fossc_realloc(c->toks, nc * sizeof *p);
    if (!p) {
      c->oom = 1;
      return 1;
    }
    c->toks = p;
    c->cap = nc;
  }
  snip_tok *st = &c->toks[c->n++];
  st->start = t->start;
  st->end = t->end;
  st->concept = c->match(c->ctx, t->term, t->term_len);
  return 0;
}

void fossc_html_escape(fossc_buf *out, const char *s, size_t n) {
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    const char *rep = NULL;
    switch (s[i]) {
      case '&': rep = "&amp;"; break;
      case '<': rep = "&lt;"; break;
      case '>': rep = "&gt;"; break;
      case '"': rep = "&quot;"; break;
      case '\r': case '\n': case '\t': rep = " "; break;
      default: break;
    }
    if (rep) {
      fossc_buf_append(out, s + run, i - run);
      fossc_buf_puts(out, rep);
      run = i + 1;
    }
  }
  fossc_buf_append(out, s + run, n - run);
}

/* Counts concept hits in [lo, hi): distinct concepts weigh more than
** repeats, so a window with both query words beats one with one word twice. */
static uint32_t window_score(const snip_tok *t, uint32_t lo, uint32_t hi) {
  uint64_t seen = 0;
  uint32_t hits = 0, distinct = 0;
  for (uint32_t i = lo; i < hi; i++) {
    if (t[i].concept < 0) continue;
    hits++;
    uint64_t bit = 1ull << (t[i].concept & 63);
    if (!(seen & bit)) {
      seen |= bit;
      distinct++;
    }
  }
  return distinct * 16 + hits;
}

int fossc_snippet(fossc_analyzer *a, const char *body, size_t len,
                  fossc_lang lang, fossc_snippet_match match, void *ctx,
                  fossc_buf *out) {
  snip_ctx c = {NULL, 0, 0, match, ctx, 0, 0};
  int rc = fossc_analyze(a, body, len, lang, 0, on_tok, &c);
  /* A stop requested by on_tok comes back as its return value, which may
  ** equal a status code: only an analysis that was not stopped failed. */
  if (c.oom || (rc == FOSSC_ERR_NOMEM && !c.full)) {
    fossc_free(c.toks);
    return FOSSC_ERR_NOMEM;
  }
  if (c.n == 0) {
    fossc_free(c.toks);
    return FOSSC_OK;
  }
  /* Best window: slide over the windows that start at a matched word (or
  ** at 0), a couple of words before it for context. */
  uint32_t best_lo = 0, best_score = 0;
  uint32_t win = FOSSC_SNIPPET_WORDS;
  for (uint32_t i = 0; i < c.n; i++) {
    if (c.toks[i].concept < 0) continue;
    uint32_t lo = i >= 3 ? i - 3 : 0;
    uint32_t hi = lo + win < c.n ? lo + win : c.n;
    uint32_t sc = window_score(c.toks, lo, hi);
    if (sc > best_score) {
      best_score = sc;
      best_lo = lo;
    }
  }
  uint32_t hi = best_lo + win < c.n ? best_lo + win : c.n;
  if (best_lo > 0) fossc_buf_puts(out, "… ");
  size_t at = c.toks[best_lo].start;
  for (uint32_t i = best_lo; i < hi; i++) {
    const snip_tok *t = &c.toks[i];
    if (t->concept < 0) continue;
    fossc_html_escape(out, body + at, t->start - at);
    fossc_buf_puts(out, "<b>");
    fossc_html_escape(out, body + t->start, t->end - t->start);
    fossc_buf_puts(out, "</b>");
    at = t->end;
  }
  size_t end = c.toks[hi - 1].end;
  fossc_html_escape(out, body + at, end - at);
  if (hi < c.n || end < len) fossc_buf_puts(out, " …");
  fossc_free(c.toks);
  return out->oom ? FOSSC_ERR_NOMEM : FOSSC_OK;
}
