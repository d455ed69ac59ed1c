/*
** Text corpora: the blog dump format (articles cut at "Continue reading"
** lines and at title-like lines, rules in corpus.h) and plain .txt/.md
** files read as one document each.
*/
#include "corpus_int.h"

#include "analysis.h"

#include <stdio.h>
#include <string.h>

#define CONTINUE_PREFIX "Continue reading "
#define CONTINUE_LEN (sizeof CONTINUE_PREFIX - 1)

typedef struct {
  fossc_corpus_reader *r;
  const char *path;  /* as given: messages and source */
  const char *base;  /* path relative to the corpus root: ids */
  const char *data;
  size_t len;
  fossc_corpus_line *lines;
  size_t nlines;
  uint64_t article;  /* articles found so far (ids count skipped ones too) */
} blog;

static int is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Splits data into lines (trailing white space dropped) in r->lines. */
static int split_lines(fossc_corpus_reader *r, const char *data, size_t len,
                       size_t *count) {
  size_t n = 0, pos = 0;
  while (pos < len) {
    const char *nl = memchr(data + pos, '\n', len - pos);
    size_t e = nl ? (size_t)(nl - data) : len;
    size_t l = e - pos;
    while (l && is_space(data[pos + l - 1])) l--;
    if (n == r->lines_cap) {
      size_t nc = r->lines_cap ? r->lines_cap * 2 : 256;
      fossc_corpus_line *nl2 = fossc_realloc(r->lines, nc * sizeof *nl2);
      if (!nl2) return fossc_error_set(r->err, FOSSC_ERR_NOMEM, "out of memory");
      r->lines = nl2;
      r->lines_cap = nc;
    }
    r->lines[n].start = pos;
    r->lines[n].len = l;
    n++;
    pos = nl ? e + 1 : len;
  }
  *count = n;
  return FOSSC_OK;
}

/* Text of line i without its leading white space. */
static const char *line_text(const blog *b, size_t i, size_t *n) {
  const char *s = b->data + b->lines[i].start;
  size_t l = b->lines[i].len;
  while (l && is_space(*s)) {
    s++;
    l--;
  }
  *n = l;
  return s;
}

static int blank(const blog *b, size_t i) { return b->lines[i].len == 0; }

static int is_continue(const blog *b, size_t i) {
  return b->lines[i].len >= CONTINUE_LEN &&
         memcmp(b->data + b->lines[i].start, CONTINUE_PREFIX, CONTINUE_LEN) == 0;
}

/* Cuts s[0..n) to at most max bytes without splitting a UTF-8 sequence. */
static size_t cut_utf8(const char *s, size_t n, size_t max) {
  if (n <= max) return n;
  while (max && ((unsigned char)s[max] & 0xC0) == 0x80) max--;
  return max;
}

/* Rule 2 of corpus.h: does line i, inside an open region ending at `end`,
** look like a post title rather than a heading, caption or sentence? */
static int title_like(const blog *b, size_t i, size_t end) {
  const char *s = b->data + b->lines[i].start;
  size_t n = b->lines[i].len;
  if (n == 0 || n > FOSSC_BLOG_TITLE_MAX_BYTES || is_space(s[0])) return 0;
  if (i == 0 || !blank(b, i - 1)) return 0;
  if (i + 1 < end && !blank(b, i + 1)) return 0;
  char last = s[n - 1];
  if (last == '.' || last == ',' || last == ';' || last == ':' || last == '?' ||
      last == '!')
    return 0;
  if (n >= 3 && memcmp(s + n - 3, "\xE2\x80\xA6", 3) == 0) return 0; /* … */
  size_t words = 0;
  for (size_t k = 0; k < n; k++) {
    if (!is_space(s[k]) && (k == 0 || is_space(s[k - 1]))) words++;
  }
  return words >= FOSSC_BLOG_TITLE_MIN_WORDS;
}

/* Emits the article whose title is line t and whose body is the lines
** (t, e), blank lines at either end dropped. */
static int article(blog *b, size_t t, size_t e) {
  fossc_corpus_reader *r = b->r;
  uint64_t num = ++b->article;
  size_t first = t + 1, last = e;
  while (first < last && blank(b, first)) first++;
  while (last > first && blank(b, last - 1)) last--;
  size_t tlen;
  const char *title = line_text(b, t, &tlen);
  tlen = cut_utf8(title, tlen, FOSSC_TITLE_MAX_BYTES);
  if (first == last) {
    r->stats.skipped++;
    return fossc_corpus_problem_(r, b->path, t + 1,
                                 "skipped: article \"%.*s\" has an empty body",
                                 (int)(tlen > 200 ? 200 : tlen), title);
  }
  size_t bstart = b->lines[first].start;
  size_t bend = b->lines[last - 1].start + b->lines[last - 1].len;
  fossc_buf *o = &r->out;
  fossc_buf_reset(o);
  fossc_buf_printf(o, "%s#%llu", b->base, (unsigned long long)num);
  size_t id_len = o->len;
  fossc_buf_putc(o, '\0');
  size_t title_off = o->len;
  fossc_buf_append(o, title, tlen);
  fossc_buf_putc(o, '\0');
  size_t body_off = o->len;
  fossc_buf_append(o, b->data + bstart, bend - bstart);
  if (!fossc_buf_cstr(o))
    return fossc_error_set(r->err, FOSSC_ERR_NOMEM, "out of memory");
  fossc_doc d;
  d.id = o->data;
  d.id_len = id_len;
  d.title = o->data + title_off;
  d.title_len = tlen;
  d.source = b->path;
  d.source_len = strlen(b->path);
  d.body = o->data + body_off;
  d.body_len = bend - bstart;
  d.lang = FOSSC_LANG_UNKNOWN;
  return fossc_corpus_emit_(r, b->path, t + 1, &d);
}

/* Lines [a, e) are not closed by a "Continue reading" line: posts shown in
** full. The first non-blank line and every title-like line start one. */
static int open_region(blog *b, size_t a, size_t e) {
  size_t t = a;
  while (t < e && blank(b, t)) t++;
  if (t >= e) return FOSSC_OK;
  for (size_t j = t + 1; j < e; j++) {
    if (!title_like(b, j, e)) continue;
    int rc = article(b, t, j);
    if (rc) return rc;
    t = j;
  }
  return article(b, t, e);
}

static int read_blog(blog *b) {
  size_t pos = 0;
  for (size_t c = 0; c < b->nlines; c++) {
    if (!is_continue(b, c)) continue;
    size_t tn;
    const char *want = line_text(b, c, &tn);
    want += CONTINUE_LEN;
    tn -= CONTINUE_LEN;
    while (tn && is_space(*want)) {
      want++;
      tn--;
    }
    size_t t = c;
    for (size_t i = pos; i < c && t == c; i++) {
      size_t ln;
      const char *s = line_text(b, i, &ln);
      if (ln == tn && tn && memcmp(s, want, tn) == 0) t = i;
    }
    if (t == c) { /* title not found: the article starts at the first line */
      for (size_t i = pos; i < c && t == c; i++) {
        if (!blank(b, i)) t = i;
      }
    }
    int rc = FOSSC_OK;
    if (t == c) {
      b->r->stats.skipped++;
      rc = fossc_corpus_problem_(b->r, b->path, c + 1,
                                 "skipped: \"Continue reading\" line without "
                                 "an article");
    } else {
      rc = open_region(b, pos, t);
      if (rc == FOSSC_OK) rc = article(b, t, c);
    }
    if (rc) return rc;
    pos = c + 1;
  }
  return open_region(b, pos, b->nlines);
}

static int has_continue_line(const char *data, size_t len) {
  if (len >= CONTINUE_LEN && memcmp(data, CONTINUE_PREFIX, CONTINUE_LEN) == 0)
    return 1;
  return memmem(data, len, "\n" CONTINUE_PREFIX, CONTINUE_LEN + 1) != NULL;
}

static int is_blank_text(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (!is_space(s[i]) && s[i] != '\n') return 0;
  }
  return 1;
}

/* One document for the whole file. */
static int read_plain(fossc_corpus_reader *r, const char *path,
                      const char *rel, const char *data, size_t len,
                      int markdown) {
  if (is_blank_text(data, len)) {
    r->stats.skipped++;
    return fossc_corpus_problem_(r, path, 0, "skipped: empty document");
  }
  size_t pos = 0, tlen = 0;
  const char *title = "";
  while (pos < len) {
    const char *nl = memchr(data + pos, '\n', len - pos);
    size_t e = nl ? (size_t)(nl - data) : len;
    const char *s = data + pos;
    size_t n = e - pos;
    while (n && is_space(*s)) {
      s++;
      n--;
    }
    while (n && is_space(s[n - 1])) n--;
    if (n) {
      if (markdown) {
        while (n && *s == '#') {
          s++;
          n--;
        }
        while (n && is_space(*s)) {
          s++;
          n--;
        }
      }
      title = s;
      tlen = cut_utf8(s, n, FOSSC_TITLE_MAX_BYTES);
      break;
    }
    pos = e + 1;
  }
  fossc_buf *o = &r->out;
  fossc_buf_reset(o);
  size_t rel_len = strlen(rel);
  fossc_buf_append(o, rel, rel_len);
  fossc_buf_putc(o, '\0');
  size_t title_off = o->len;
  fossc_buf_append(o, title, tlen);
  fossc_buf_putc(o, '\0');
  size_t body_off = o->len;
  fossc_buf_append(o, data, len);
  if (!fossc_buf_cstr(o))
    return fossc_error_set(r->err, FOSSC_ERR_NOMEM, "out of memory");
  fossc_doc d;
  d.id = d.source = o->data;
  d.id_len = d.source_len = rel_len;
  d.title = o->data + title_off;
  d.title_len = tlen;
  d.body = o->data + body_off;
  d.body_len = len;
  d.lang = FOSSC_LANG_UNKNOWN;
  return fossc_corpus_emit_(r, path, 0, &d);
}

int fossc_corpus_text_(fossc_corpus_reader *r, const char *path,
                       const char *rel, const char *data, size_t len,
                       int format) {
  size_t ok = fossc_corpus_utf8_valid_(data, len);
  if (ok != len) {
    uint64_t line = 1;
    for (size_t i = 0; i < ok; i++) line += data[i] == '\n';
    long k = fossc_utf8_sanitize(data, len, &r->scratch);
    if (k < 0) return fossc_error_set(r->err, FOSSC_ERR_NOMEM, "out of memory");
    r->stats.repaired += k > 0;
    int rc = k == 0 ? FOSSC_OK : fossc_corpus_problem_(
        r, path, line,
        "repaired: %ld invalid UTF-8 sequence%s replaced by U+FFFD (first "
        "here)",
        k, k == 1 ? "" : "s");
    if (rc) return rc;
    data = r->scratch.data;
    len = r->scratch.len;
  }
  if (format == FOSSC_CORPUS_TEXT && has_continue_line(data, len))
    format = FOSSC_CORPUS_BLOG;
  if (format != FOSSC_CORPUS_BLOG)
    return read_plain(r, path, rel, data, len,
                      format == FOSSC_CORPUS_MARKDOWN);
  blog b;
  memset(&b, 0, sizeof b);
  b.r = r;
  b.path = path;
  /* Ids use the path relative to the corpus root (just the file name when
  ** the file itself was given), so two dumps with the same name in
  ** different folders do not collide. */
  b.base = (rel && *rel) ? rel
                         : (strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
  b.data = data;
  b.len = len;
  int rc = split_lines(r, data, len, &b.nlines);
  if (rc) return rc;
  b.lines = r->lines;
  return read_blog(&b);
}
