/*
** Corpus readers: the folder walk, the JSONL reader and what is shared by
** every format (problem reporting, the duplicate-id set, UTF-8 repair).
** The blog and plain-text formats are in corpus_text.c.
*/
#include "corpus_int.h"

#include "analysis.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <xxhash.h>

/* JSONL files are read in chunks of this size: large enough that read(2)
** costs nothing next to parsing, small enough to stay in L2. */
#define CORPUS_CHUNK (256u << 10)
/* The id set starts with this many slots (a power of two). */
#define IDSET_MIN_SLOTS 1024

/* ---- problems */

int fossc_corpus_problem_(fossc_corpus_reader *r, const char *file,
                          uint64_t line, const char *fmt, ...) {
  char msg[FOSSC_ERRMSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (r->strict) {
    if (line)
      return fossc_error_set(r->err, FOSSC_ERR_INPUT, "%s:%llu: %s", file,
                             (unsigned long long)line, msg);
    return fossc_error_set(r->err, FOSSC_ERR_INPUT, "%s: %s", file, msg);
  }
  if (r->warn_cb) r->warn_cb(r->ctx, file, line, msg);
  return FOSSC_OK;
}

/* ---- UTF-8 */

/* Length of the valid sequence at p, or 0 if p starts an invalid one (NUL
** counts as invalid: documents are handed out as C strings). Overlongs,
** surrogates and code points above U+10FFFF are invalid (Unicode table 3-7). */
static size_t utf8_step(const unsigned char *p, const unsigned char *end) {
  unsigned c = p[0];
  size_t avail = (size_t)(end - p), need;
  unsigned lo = 0x80, hi = 0xBF;
  if (c < 0x80) return c ? 1 : 0;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (avail < need || p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < need; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
  }
  return need;
}

size_t fossc_corpus_utf8_valid_(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  while (p < end) {
    /* ASCII without NUL, 8 bytes at a time. */
    while (end - p >= 8) {
      uint64_t w;
      memcpy(&w, p, 8);
      if ((w & 0x8080808080808080ull) ||
          ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull))
        break;
      p += 8;
    }
    if (p >= end) break;
    size_t k = utf8_step(p, end);
    if (!k) break;
    p += k;
  }
  return (size_t)(p - (const unsigned char *)s);
}

/* ---- duplicate ids: open addressing on XXH3, exact comparison against the
** stored copy (ids live in one growing buffer, slots hold offsets). */

typedef struct {
  uint64_t hash;
  size_t off, len; /* len + 1 so that 0 marks an empty slot */
} idslot;

static int idset_grow(fossc_corpus_reader *r) {
  size_t n = r->id_slots ? r->id_slots * 2 : IDSET_MIN_SLOTS;
  idslot *t = fossc_calloc(n, sizeof *t);
  if (!t) return -1;
  for (size_t i = 0; i < r->id_slots; i++) {
    idslot *s = &((idslot *)r->id_table)[i];
    if (!s->len) continue;
    size_t j = (size_t)s->hash & (n - 1);
    while (t[j].len) j = (j + 1) & (n - 1);
    t[j] = *s;
  }
  fossc_free(r->id_table);
  r->id_table = t;
  r->id_slots = n;
  return 0;
}

/* Returns 1 if id was already seen, 0 if it was added, -1 on OOM. */
static int idset_add(fossc_corpus_reader *r, const char *id, size_t n) {
  if ((r->id_count + 1) * 2 > r->id_slots && idset_grow(r)) return -1;
  uint64_t h = XXH3_64bits(id, n);
  idslot *t = r->id_table;
  size_t mask = r->id_slots - 1, j = (size_t)h & mask;
  for (; t[j].len; j = (j + 1) & mask) {
    if (t[j].hash == h && t[j].len == n + 1 &&
        memcmp(r->id_store.data + t[j].off, id, n) == 0)
      return 1;
  }
  size_t off = r->id_store.len;
  fossc_buf_append(&r->id_store, id, n);
  if (r->id_store.oom) return -1;
  t[j].hash = h;
  t[j].off = off;
  t[j].len = n + 1;
  r->id_count++;
  return 0;
}

int fossc_corpus_emit_(fossc_corpus_reader *r, const char *file,
                       uint64_t line, const fossc_doc *doc) {
  int dup = idset_add(r, doc->id, doc->id_len);
  if (dup < 0) return fossc_error_set(r->err, FOSSC_ERR_NOMEM, "out of memory");
  if (dup) {
    r->stats.skipped++;
    return fossc_corpus_problem_(r, file, line, "skipped: duplicate id \"%.*s\"",
                                 (int)(doc->id_len > 200 ? 200 : doc->id_len),
                                 doc->id);
  }
  int rc = r->doc_cb ? r->doc_cb(r->ctx, doc) : 0;
  if (rc) {
    r->stopped = 1;
    return rc;
  }
  r->stats.docs++;
  return FOSSC_OK;
}

/* ---- JSONL */

static int is_blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n' &&
        s[i] != '\f' && s[i] != '\v')
      return 0;
  }
  return 1;
}

/* Fetches an optional string member: 0 and *out (NULL when absent or null),
** or -1 when the member has another type. */
static int get_str(const fossc_json *obj, const char *key,
                   const fossc_json **out) {
  const fossc_json *v = fossc_json_get(obj, key);
  *out = NULL;
  if (!v || v->type == FOSSC_JSON_NULL) return 0;
  if (v->type != FOSSC_JSON_STRING) return -1;
  *out = v;
  return 0;
}

static int jsonl_line(fossc_corpus_reader *r, const char *file, uint64_t ln,
                      const char *s, size_t n) {
  if (n && s[n - 1] == '\r') n--;
  if (is_blank(s, n)) return FOSSC_OK;
  if (fossc_corpus_utf8_valid_(s, n) != n) {
    long k = fossc_utf8_sanitize(s, n, &r->scratch);
    if (k < 0) return fossc_error_set(r->err, FOSSC_ERR_NOMEM, "out of memory");
    r->stats.repaired += k > 0;
    int rc = k == 0 ? FOSSC_OK : fossc_corpus_problem_(
        r, file, ln, "repaired: %ld invalid UTF-8 sequence%s replaced by U+FFFD",
        k, k == 1 ? "" : "s");
    if (rc) return rc;
    s = r->scratch.data;
    n = r->scratch.len;
  }
  fossc_json_doc *jd = NULL;
  fossc_error jerr;
  fossc_error_clear(&jerr);
  int rc = fossc_json_parse_valid(s, n, &jd, &jerr); /* valid: see above */
  if (rc == FOSSC_ERR_NOMEM) return fossc_error_set(r->err, rc, "out of memory");
  if (rc) {
    r->stats.skipped++;
    return fossc_corpus_problem_(r, file, ln, "skipped: invalid JSON (%s)",
                                 jerr.msg);
  }
  const fossc_json *root = fossc_json_root(jd);
  const char *why = NULL;
  const fossc_json *id = NULL, *title = NULL, *body = NULL, *lang = NULL,
                   *source = NULL;
  if (root->type != FOSSC_JSON_OBJECT) {
    why = "not a JSON object";
  } else if (get_str(root, "id", &id)) {
    why = "\"id\" is not a string";
  } else if (get_str(root, "title", &title)) {
    why = "\"title\" is not a string";
  } else if (get_str(root, "body", &body)) {
    why = "\"body\" is not a string";
  } else if (get_str(root, "lang", &lang)) {
    why = "\"lang\" is not a string";
  } else if (get_str(root, "source", &source)) {
    why = "\"source\" is not a string";
  } else if (!id || id->str_len == 0) {
    why = "missing or empty \"id\"";
  } else if (memchr(id->str, '\0', id->str_len)) {
    why = "\"id\" contains U+0000";
  } else if (!body || is_blank(body->str, body->str_len)) {
    why = "missing or empty \"body\"";
  }
  if (why) {
    fossc_json_doc_free(jd);
    r->stats.skipped++;
    return fossc_corpus_problem_(r, file, ln, "skipped: %s", why);
  }
  fossc_doc d;
  d.id = id->str;
  d.id_len = id->str_len;
  d.title = title ? title->str : "";
  d.title_len = title ? title->str_len : 0;
  d.source = source ? source->str : "";
  d.source_len = source ? source->str_len : 0;
  d.body = body->str;
  d.body_len = body->str_len;
  d.lang = lang ? fossc_lang_parse(lang->str, lang->str_len) : FOSSC_LANG_UNKNOWN;
  rc = fossc_corpus_emit_(r, file, ln, &d);
  fossc_json_doc_free(jd);
  return rc;
}

static int long_line(fossc_corpus_reader *r, const char *file, uint64_t ln) {
  r->stats.skipped++;
  return fossc_corpus_problem_(r, file, ln, "skipped: line longer than %u bytes",
                               (unsigned)FOSSC_MAX_RECORD_BYTES);
}

static int jsonl_buffer(fossc_corpus_reader *r, const char *file,
                        const char *data, size_t len) {
  const char *p = data, *end = data + len;
  uint64_t ln = 0;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    size_t n = (size_t)(e - p);
    ln++;
    int rc = n > FOSSC_MAX_RECORD_BYTES ? long_line(r, file, ln)
                                        : jsonl_line(r, file, ln, p, n);
    if (rc) return rc;
    p = nl ? nl + 1 : end;
  }
  return FOSSC_OK;
}

/* Streams a JSONL file: lines wholly inside a chunk are parsed in place,
** lines that straddle chunks are gathered in r->line, and a line over the
** limit is dropped as it is read rather than buffered. */
static int jsonl_file(fossc_corpus_reader *r, const char *file, FILE *f) {
  char *chunk = fossc_malloc(CORPUS_CHUNK);
  if (!chunk) return fossc_error_set(r->err, FOSSC_ERR_NOMEM, "out of memory");
  fossc_buf *acc = &r->line;
  fossc_buf_reset(acc);
  int overflow = 0, rc = FOSSC_OK;
  uint64_t ln = 0;
  size_t got;
  while (rc == FOSSC_OK && (got = fread(chunk, 1, CORPUS_CHUNK, f)) > 0) {
    r->stats.bytes_in += got;
    const char *p = chunk, *end = chunk + got;
    while (rc == FOSSC_OK && p < end) {
      const char *nl = memchr(p, '\n', (size_t)(end - p));
      size_t seg = (size_t)((nl ? nl : end) - p);
      if (nl && !overflow && acc->len == 0) {
        ln++;
        rc = seg > FOSSC_MAX_RECORD_BYTES ? long_line(r, file, ln)
                                          : jsonl_line(r, file, ln, p, seg);
        p = nl + 1;
        continue;
      }
      if (!overflow) {
        if (acc->len + seg > FOSSC_MAX_RECORD_BYTES) {
          overflow = 1;
          fossc_buf_reset(acc);
        } else {
          fossc_buf_append(acc, p, seg);
          if (acc->oom) rc = fossc_error_set(r->err, FOSSC_ERR_NOMEM, "out of memory");
        }
      }
      if (!nl) break;
      ln++;
      if (rc == FOSSC_OK)
        rc = overflow ? long_line(r, file, ln)
                      : jsonl_line(r, file, ln, acc->data, acc->len);
      overflow = 0;
      fossc_buf_reset(acc);
      p = nl + 1;
    }
  }
  if (rc == FOSSC_OK && ferror(f))
    rc = fossc_error_set(r->err, FOSSC_ERR_IO, "%s: read error: %s", file,
                         strerror(errno));
  if (rc == FOSSC_OK && (overflow || acc->len)) {
    ln++;
    rc = overflow ? long_line(r, file, ln)
                  : jsonl_line(r, file, ln, acc->data, acc->len);
  }
  fossc_buf_reset(acc);
  fossc_free(chunk);
  return rc;
}

/* ---- files and folders */

static int has_ext(const char *name, const char *ext) {
  size_t n = strlen(name), e = strlen(ext);
  return n > e && strcasecmp(name + n - e, ext) == 0;
}

/* The format a name implies, or -1 for a name to skip in a folder. */
static int format_of(const char *name) {
  if (has_ext(name, ".jsonl") || has_ext(name, ".ndjson"))
    return FOSSC_CORPUS_JSONL;
  if (has_ext(name, ".txt")) return FOSSC_CORPUS_TEXT;
  if (has_ext(name, ".md")) return FOSSC_CORPUS_MARKDOWN;
  return -1;
}

static int sniff(const char *data, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n')
      continue;
    return data[i] == '{' ? FOSSC_CORPUS_JSONL : FOSSC_CORPUS_TEXT;
  }
  return FOSSC_CORPUS_TEXT;
}

static int dispatch_buffer(fossc_corpus_reader *r, const char *path,
                           const char *rel, const char *data, size_t len,
                           int format) {
  if (format == FOSSC_CORPUS_AUTO) format = sniff(data, len);
  if (format == FOSSC_CORPUS_JSONL) return jsonl_buffer(r, path, data, len);
  return fossc_corpus_text_(r, path, rel, data, len, format);
}

/* Reads one file. `rel` is its path relative to the corpus root. A file that
** cannot be opened is an error if `must` or strict, else a warning. */
static int read_file(fossc_corpus_reader *r, const char *path, const char *rel,
                     int format, int must) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    int e = errno;
    if (must || r->strict)
      return fossc_error_set(r->err, FOSSC_ERR_IO, "%s: cannot open: %s", path,
                             strerror(e));
    r->stats.skipped++;
    if (r->warn_cb) {
      char msg[FOSSC_ERRMSG_MAX];
      snprintf(msg, sizeof msg, "skipped: cannot open: %s", strerror(e));
      r->warn_cb(r->ctx, path, 0, msg);
    }
    return FOSSC_OK;
  }
  r->stats.files++;
  if (format == FOSSC_CORPUS_AUTO) {
    int c;
    while ((c = getc(f)) == ' ' || c == '\t' || c == '\r' || c == '\n') {
    }
    format = c == '{' ? FOSSC_CORPUS_JSONL : FOSSC_CORPUS_TEXT;
    rewind(f);
  }
  int rc;
  if (format == FOSSC_CORPUS_JSONL) {
    rc = jsonl_file(r, path, f);
  } else {
    /* Text files are one record (or a few articles): read whole, capped. */
    fossc_buf *b = &r->whole;
    fossc_buf_reset(b);
    rc = FOSSC_OK;
    int too_big = 0;
    for (;;) {
      if (fossc_buf_reserve(b, CORPUS_CHUNK)) {
        rc = fossc_error_set(r->err, FOSSC_ERR_NOMEM, "out of memory");
        break;
      }
      size_t got = fread(b->data + b->len, 1, CORPUS_CHUNK, f);
      b->len += got;
      r->stats.bytes_in += got;
      if (b->len > FOSSC_MAX_RECORD_BYTES) {
        too_big = 1;
        break;
      }
      if (got < CORPUS_CHUNK) break;
    }
    if (rc == FOSSC_OK && ferror(f))
      rc = fossc_error_set(r->err, FOSSC_ERR_IO, "%s: read error: %s", path,
                           strerror(errno));
    if (rc == FOSSC_OK && too_big) {
      r->stats.skipped++;
      rc = fossc_corpus_problem_(r, path, 0,
                                 "skipped: file larger than %u bytes",
                                 (unsigned)FOSSC_MAX_RECORD_BYTES);
    } else if (rc == FOSSC_OK) {
      rc = dispatch_buffer(r, path, rel, b->data ? b->data : "", b->len, format);
    }
    if (b->cap > 4 * CORPUS_CHUNK) fossc_buf_free(b); /* don't hoard */
  }
  fclose(f);
  return rc;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void warn(fossc_corpus_reader *r, const char *file, const char *msg) {
  if (r->warn_cb) r->warn_cb(r->ctx, file, 0, msg);
}

/* Walks folder `path` (whose path relative to the root is `rel`, "" for the
** root itself). */
static int walk(fossc_corpus_reader *r, const char *path, const char *rel,
                int depth) {
  DIR *d = opendir(path);
  if (!d) {
    int e = errno;
    if (depth == 0 || r->strict)
      return fossc_error_set(r->err, FOSSC_ERR_IO, "%s: cannot open folder: %s",
                             path, strerror(e));
    r->stats.skipped++;
    warn(r, path, "skipped: cannot open folder");
    return FOSSC_OK;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  int rc = FOSSC_OK;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') continue;
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 64;
      char **nn = fossc_realloc(names, nc * sizeof *nn);
      if (!nn) {
        rc = FOSSC_ERR_NOMEM;
        break;
      }
      names = nn;
      cap = nc;
    }
    if (!(names[n] = fossc_strndup(de->d_name, strlen(de->d_name)))) {
      rc = FOSSC_ERR_NOMEM;
      break;
    }
    n++;
  }
  closedir(d);
  if (rc) {
    for (size_t i = 0; i < n; i++) fossc_free(names[i]);
    fossc_free(names);
    return fossc_error_set(r->err, rc, "out of memory");
  }
  if (n) qsort(names, n, sizeof *names, cmp_names);
  fossc_buf cpath = FOSSC_BUF_INIT, crel = FOSSC_BUF_INIT;
  for (size_t i = 0; i < n && rc == FOSSC_OK; i++) {
    fossc_buf_reset(&cpath);
    fossc_buf_reset(&crel);
    size_t pl = strlen(path);
    fossc_buf_append(&cpath, path, pl);
    if (pl && path[pl - 1] != '/') fossc_buf_putc(&cpath, '/');
    fossc_buf_puts(&cpath, names[i]);
    if (*rel) {
      fossc_buf_puts(&crel, rel);
      fossc_buf_putc(&crel, '/');
    }
    fossc_buf_puts(&crel, names[i]);
    const char *cp = fossc_buf_cstr(&cpath), *cr = fossc_buf_cstr(&crel);
    if (!cp || !cr) {
      rc = fossc_error_set(r->err, FOSSC_ERR_NOMEM, "out of memory");
      break;
    }
    struct stat ls, st;
    if (lstat(cp, &ls) != 0 || stat(cp, &st) != 0) {
      if (r->strict) {
        rc = fossc_error_set(r->err, FOSSC_ERR_IO, "%s: cannot open: %s", cp,
                             strerror(errno));
      } else {
        char msg[FOSSC_ERRMSG_MAX];
        snprintf(msg, sizeof msg, "skipped: cannot open: %s", strerror(errno));
        r->stats.skipped++;
        warn(r, cp, msg);
      }
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      /* Following directory links could loop or read a tree twice. */
      if (S_ISLNK(ls.st_mode)) {
        warn(r, cp, "skipped: symbolic link to a folder");
      } else if (depth + 1 >= FOSSC_CORPUS_MAX_DEPTH) {
        warn(r, cp, "skipped: folders nested too deep");
      } else {
        rc = walk(r, cp, cr, depth + 1);
      }
      continue;
    }
    int fmt = S_ISREG(st.st_mode) ? format_of(names[i]) : -1;
    if (fmt < 0) {
      warn(r, cp, "skipped: not a .jsonl, .ndjson, .txt or .md file");
      continue;
    }
    rc = read_file(r, cp, cr, fmt, 0);
  }
  fossc_buf_free(&cpath);
  fossc_buf_free(&crel);
  for (size_t i = 0; i < n; i++) fossc_free(names[i]);
  fossc_free(names);
  return rc;
}

/* ---- entry points */

static void reader_init(fossc_corpus_reader *r, int strict, fossc_doc_cb doc_cb,
                        fossc_warn_cb warn_cb, void *ctx, fossc_error *err) {
  memset(r, 0, sizeof *r);
  r->strict = strict;
  r->doc_cb = doc_cb;
  r->warn_cb = warn_cb;
  r->ctx = ctx;
  r->err = err;
}

static int reader_done(fossc_corpus_reader *r, int rc,
                       fossc_corpus_stats *stats) {
  if (stats) *stats = r->stats;
  fossc_free(r->id_table);
  fossc_buf_free(&r->id_store);
  fossc_buf_free(&r->line);
  fossc_buf_free(&r->scratch);
  fossc_buf_free(&r->whole);
  fossc_buf_free(&r->out);
  fossc_free(r->lines);
  return rc;
}

int fossc_corpus_read_buffer(const char *name, const char *data, size_t len,
                             int format, int strict, fossc_doc_cb doc_cb,
                             fossc_warn_cb warn_cb, void *ctx,
                             fossc_corpus_stats *stats, fossc_error *err) {
  fossc_corpus_reader r;
  reader_init(&r, strict, doc_cb, warn_cb, ctx, err);
  if (!name || (!data && len) || format < FOSSC_CORPUS_AUTO ||
      format > FOSSC_CORPUS_BLOG)
    return reader_done(&r, fossc_error_set(err, FOSSC_ERR_ARG,
                                           "corpus: bad arguments"),
                       stats);
  r.stats.files = 1;
  r.stats.bytes_in = len;
  return reader_done(
      &r, dispatch_buffer(&r, name, name, data ? data : "", len, format), stats);
}

int fossc_corpus_read(const char *path, int strict, fossc_doc_cb doc_cb,
                      fossc_warn_cb warn_cb, void *ctx,
                      fossc_corpus_stats *stats, fossc_error *err) {
  fossc_corpus_reader r;
  reader_init(&r, strict, doc_cb, warn_cb, ctx, err);
  if (!path || !*path)
    return reader_done(&r, fossc_error_set(err, FOSSC_ERR_ARG,
                                           "corpus: no path given"),
                       stats);
  struct stat st;
  if (stat(path, &st) != 0)
    return reader_done(&r, fossc_error_set(err, FOSSC_ERR_IO, "%s: %s", path,
                                           strerror(errno)),
                       stats);
  int rc;
  if (S_ISDIR(st.st_mode)) {
    rc = walk(&r, path, "", 0);
  } else {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    int fmt = format_of(base);
    rc = read_file(&r, path, base, fmt < 0 ? FOSSC_CORPUS_AUTO : fmt, 1);
  }
  return reader_done(&r, rc, stats);
}
