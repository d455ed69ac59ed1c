/*
** JSON reader and writer (RFC 8259).
**
** The reader is a recursive-descent parser whose nodes and decoded strings
** come from one arena per document: a JSONL corpus of 100 MB is parsed line
** by line, so per-node malloc would dominate. The first arena block is sized
** from the input (decoded strings never exceed their raw length), so a
** typical record costs one or two allocations.
*/
#include "json.h"

#include <math.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

/* Smallest arena block: small enough for tiny protocol messages, large
** enough that a line of a few members needs one block. */
#define JSON_ARENA_MIN 1024
/* Numbers longer than this are copied to the heap before strtod; most fit
** the stack buffer (doubles need at most ~25 significant characters). */
#define JSON_NUM_STACK 64

typedef struct json_block json_block;
struct json_block {
  json_block *next;
  size_t cap, used;
  alignas(max_align_t) char data[];
};

struct fossc_json_doc {
  json_block *blocks;
  fossc_json *root;
};

typedef struct {
  const unsigned char *p, *end, *start;
  fossc_json_doc *doc;
  size_t hint; /* size for the next block */
  int depth;
  int utf8_valid; /* the caller checked the whole text: copy bytes >= 0x80 */
  int code;
  const char *what;
  size_t at;
} json_parser;

/* ---- arena */

static void *arena_alloc(json_parser *ps, size_t n, size_t align) {
  json_block *b = ps->doc->blocks;
  if (b) {
    size_t off = (b->used + align - 1) & ~(align - 1);
    if (off <= b->cap && b->cap - off >= n) {
      b->used = off + n;
      return b->data + off;
    }
  }
  size_t cap = ps->hint;
  if (cap < n) cap = n;
  if (cap < JSON_ARENA_MIN) cap = JSON_ARENA_MIN;
  if (cap > SIZE_MAX - sizeof(json_block)) return NULL;
  json_block *nb = fossc_malloc(sizeof(json_block) + cap);
  if (!nb) return NULL;
  nb->next = b;
  nb->cap = cap;
  nb->used = n;
  ps->doc->blocks = nb;
  /* Later blocks double, so a document needs O(log n) allocations. */
  if (ps->hint < SIZE_MAX / 4) ps->hint *= 2;
  return nb->data;
}

static fossc_json *new_node(json_parser *ps, fossc_json_type t) {
  fossc_json *v = arena_alloc(ps, sizeof *v, alignof(fossc_json));
  if (!v) return NULL;
  memset(v, 0, sizeof *v);
  v->type = t;
  return v;
}

/* ---- errors */

static int fail(json_parser *ps, const unsigned char *at, const char *what) {
  if (ps->code == FOSSC_OK) {
    ps->code = FOSSC_ERR_INPUT;
    ps->what = what;
    ps->at = (size_t)(at - ps->start);
  }
  return -1;
}

static int fail_nomem(json_parser *ps) {
  if (ps->code == FOSSC_OK) {
    ps->code = FOSSC_ERR_NOMEM;
    ps->what = "out of memory";
    ps->at = (size_t)(ps->p - ps->start);
  }
  return -1;
}

/* ---- UTF-8 */

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0 when it
** is invalid: overlong forms, surrogates and code points above U+10FFFF are
** refused (Unicode table 3-7). */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end) {
  size_t avail = (size_t)(end - p);
  unsigned c = p[0];
  if (c >= 0xC2 && c <= 0xDF) {
    return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (avail < 3) return 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
    if (p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80) return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (avail < 4) return 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
    if (p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80 ||
        (p[3] & 0xC0) != 0x80)
      return 0;
    return 4;
  }
  return 0;
}

static size_t put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

static int hexval(unsigned c) {
  if (c >= '0' && c <= '9') return (int)(c - '0');
  if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return (int)(c - 'A' + 10);
  return -1;
}

/* Reads 4 hex digits at p (p + 4 <= end checked by caller); -1 if bad. */
static long hex4(const unsigned char *p) {
  long v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(p[i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

/* ---- values */

static void skip_ws(json_parser *ps) {
  const unsigned char *p = ps->p, *end = ps->end;
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  ps->p = p;
}

/* Parses the string starting at the opening quote at ps->p into a
** NUL-terminated arena copy. Escapes never lengthen the text (\uXXXX is 6
** bytes for at most 3 bytes of UTF-8; a surrogate pair is 12 for 4), so the
** raw length bounds the decoded one. */
/* Eight bytes at a time (SWAR): the bulk of a corpus is long strings of
** plain text, which both passes of parse_string skip or copy a word at a
** time. The tests below say whether ANY byte of the word qualifies (a
** borrow can mark a higher byte falsely, never hide a real hit). */
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

static inline uint64_t load64(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}
/* Some byte of x is zero. */
static inline uint64_t has_zero(uint64_t x) { return (x - ONES) & ~x & HIGHS; }
/* Some byte of x is '"' or '\\'. */
static inline uint64_t has_quote_or_bs(uint64_t x) {
  return has_zero(x ^ (ONES * '"')) | has_zero(x ^ (ONES * '\\'));
}
/* Some byte of x needs more than a copy: a quote or backslash, a control
** character (< 0x20) or, unless the text is known to be valid UTF-8
** (`high` = 0), a non-ASCII byte (validated as UTF-8). */
static inline uint64_t has_special(uint64_t x, uint64_t high) {
  return has_quote_or_bs(x) | ((x - ONES * 0x20) & ~x & HIGHS) | (x & high);
}

static int parse_string(json_parser *ps, const char **out, size_t *out_len) {
  const unsigned char *q = ps->p + 1, *end = ps->end;
  /* First pass: find the closing quote. */
  const unsigned char *s = q;
  for (;;) {
    while (end - s >= 8 && !has_quote_or_bs(load64(s))) s += 8;
    while (s < end && *s != '"' && *s != '\\') s++;
    if (s >= end) return fail(ps, ps->p, "unterminated string");
    if (*s == '"') break;
    if (end - s < 2) return fail(ps, ps->p, "unterminated string");
    s += 2; /* backslash and the escaped byte, checked below */
  }
  size_t raw = (size_t)(s - q);
  char *o = arena_alloc(ps, raw + 1, 1);
  if (!o) return fail_nomem(ps);
  char *w = o;
  const unsigned char *p = q;
  /* Text already validated as a whole (fossc_json_parse_valid) is copied
  ** without looking at its UTF-8 again: most of a Spanish text's words hold
  ** an accent, which sent every 8 bytes around one through the slow path. */
  const uint64_t high = ps->utf8_valid ? 0 : HIGHS;
  while (p < s) {
    if (s - p >= 8) {
      uint64_t x = load64(p), sp = has_special(x, high);
      memcpy(w, &x, 8); /* room: the output is never longer than the input */
      if (!sp) {
        w += 8;
        p += 8;
        continue;
      }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
      /* The lowest flagged byte is a real hit (false marks only sit above
      ** one): the bytes before it are plain, copied above. A "\n" every
      ** line of a JSONL body made the bytes before it go one at a time. */
      size_t k = (size_t)__builtin_ctzll(sp) >> 3;
      w += k;
      p += k;
#endif
    }
    unsigned c = *p;
    if (c >= 0x20 && c != '\\' && c < 0x80) {
      *w++ = (char)c;
      p++;
      continue;
    }
    if (c < 0x20) return fail(ps, p, "control character in string");
    if (c >= 0x80) {
      size_t n = ps->utf8_valid ? 1 : utf8_seq(p, s);
      if (!n) return fail(ps, p, "invalid UTF-8 in string");
      memcpy(w, p, n);
      w += n;
      p += n;
      continue;
    }
    /* backslash */
    if (p + 1 >= s) return fail(ps, p, "bad escape");
    unsigned e = p[1];
    p += 2;
    switch (e) {
      case '"': *w++ = '"'; break;
      case '\\': *w++ = '\\'; break;
      case '/': *w++ = '/'; break;
      case 'b': *w++ = '\b'; break;
      case 'f': *w++ = '\f'; break;
      case 'n': *w++ = '\n'; break;
      case 'r': *w++ = '\r'; break;
      case 't': *w++ = '\t'; break;
      case 'u': {
        if (s - p < 4) return fail(ps, p - 2, "bad \\u escape");
        long cp = hex4(p);
        if (cp < 0) return fail(ps, p - 2, "bad \\u escape");
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          long lo = -1;
          if (s - p >= 6 && p[0] == '\\' && p[1] == 'u') lo = hex4(p + 2);
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
          } else {
            cp = 0xFFFD; /* lone high surrogate */
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = 0xFFFD; /* lone low surrogate */
        }
        w += put_utf8(w, (unsigned)cp);
        break;
      }
      default:
        return fail(ps, p - 2, "bad escape");
    }
  }
  *w = '\0';
  *out = o;
  *out_len = (size_t)(w - o);
  ps->p = s + 1;
  return 0;
}

static int parse_number(json_parser *ps, double *out) {
  const unsigned char *p = ps->p, *end = ps->end, *b = p;
  if (p < end && *p == '-') p++;
  if (p >= end) return fail(ps, p, "truncated number");
  if (*p == '0') {
    p++;
  } else if (*p >= '1' && *p <= '9') {
    while (p < end && *p >= '0' && *p <= '9') p++;
  } else {
    return fail(ps, p, "bad number");
  }
  if (p < end && *p == '.') {
    p++;
    if (p >= end || *p < '0' || *p > '9')
      return fail(ps, p, "digit expected after '.'");
    while (p < end && *p >= '0' && *p <= '9') p++;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (p >= end || *p < '0' || *p > '9')
      return fail(ps, p, "digit expected in exponent");
    while (p < end && *p >= '0' && *p <= '9') p++;
  }
  /* strtod needs a terminated string and the input need not be one. */
  size_t n = (size_t)(p - b);
  char small[JSON_NUM_STACK];
  char *copy = n < sizeof small ? small : fossc_malloc(n + 1);
  if (!copy) return fail_nomem(ps);
  memcpy(copy, b, n);
  copy[n] = '\0';
  double d = strtod(copy, NULL);
  if (copy != small) fossc_free(copy);
  if (isinf(d)) return fail(ps, b, "number out of range");
  *out = d;
  ps->p = p;
  return 0;
}

static int match_word(json_parser *ps, const char *w, size_t n) {
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0)
    return fail(ps, ps->p, "unexpected character");
  ps->p += n;
  return 0;
}

static fossc_json *parse_value(json_parser *ps);

static int parse_container(json_parser *ps, fossc_json *v, int object) {
  const unsigned char close = object ? '}' : ']';
  fossc_json **tail = &v->child;
  if (++ps->depth > FOSSC_JSON_MAX_DEPTH)
    return fail(ps, ps->p, "nesting too deep");
  ps->p++; /* opening bracket */
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == close) {
    ps->p++;
    ps->depth--;
    return 0;
  }
  for (;;) {
    const char *key = NULL;
    size_t key_len = 0;
    if (object) {
      skip_ws(ps);
      if (ps->p >= ps->end) return fail(ps, ps->p, "truncated object");
      if (*ps->p != '"') return fail(ps, ps->p, "member name expected");
      if (parse_string(ps, &key, &key_len)) return -1;
      skip_ws(ps);
      if (ps->p >= ps->end || *ps->p != ':')
        return fail(ps, ps->p, "':' expected");
      ps->p++;
    }
    fossc_json *c = parse_value(ps);
    if (!c) return -1;
    c->key = key;
    c->key_len = key_len;
    *tail = c;
    tail = &c->next;
    skip_ws(ps);
    if (ps->p >= ps->end)
      return fail(ps, ps->p, object ? "truncated object" : "truncated array");
    if (*ps->p == ',') {
      ps->p++;
      continue;
    }
    if (*ps->p == close) {
      ps->p++;
      ps->depth--;
      return 0;
    }
    return fail(ps, ps->p, object ? "',' or '}' expected" : "',' or ']' expected");
  }
}

static fossc_json *parse_value(json_parser *ps) {
  skip_ws(ps);
  if (ps->p >= ps->end) {
    fail(ps, ps->p, "value expected");
    return NULL;
  }
  fossc_json *v;
  switch (*ps->p) {
    case '{':
    case '[':
      v = new_node(ps, *ps->p == '{' ? FOSSC_JSON_OBJECT : FOSSC_JSON_ARRAY);
      if (!v) break;
      if (parse_container(ps, v, v->type == FOSSC_JSON_OBJECT)) return NULL;
      return v;
    case '"':
      v = new_node(ps, FOSSC_JSON_STRING);
      if (!v) break;
      if (parse_string(ps, &v->str, &v->str_len)) return NULL;
      return v;
    case 't':
      v = new_node(ps, FOSSC_JSON_TRUE);
      if (!v) break;
      return match_word(ps, "true", 4) ? NULL : v;
    case 'f':
      v = new_node(ps, FOSSC_JSON_FALSE);
      if (!v) break;
      return match_word(ps, "false", 5) ? NULL : v;
    case 'n':
      v = new_node(ps, FOSSC_JSON_NULL);
      if (!v) break;
      return match_word(ps, "null", 4) ? NULL : v;
    default:
      if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) {
        v = new_node(ps, FOSSC_JSON_NUMBER);
        if (!v) break;
        return parse_number(ps, &v->num) ? NULL : v;
      }
      fail(ps, ps->p, "unexpected character");
      return NULL;
  }
  fail_nomem(ps);
  return NULL;
}

void fossc_json_doc_free(fossc_json_doc *doc) {
  if (!doc) return;
  json_block *b = doc->blocks;
  while (b) {
    json_block *n = b->next;
    fossc_free(b);
    b = n;
  }
  fossc_free(doc);
}

static int parse_doc(const char *text, size_t len, int utf8_valid,
                     fossc_json_doc **out, fossc_error *err) {
  if (!out || (!text && len)) return fossc_error_set(err, FOSSC_ERR_ARG, "json: bad arguments");
  fossc_json_doc *doc = fossc_calloc(1, sizeof *doc);
  if (!doc) return fossc_error_set(err, FOSSC_ERR_NOMEM, "json: out of memory");
  json_parser ps;
  memset(&ps, 0, sizeof ps);
  ps.start = ps.p = (const unsigned char *)(text ? text : "");
  ps.end = ps.p + len;
  ps.doc = doc;
  ps.utf8_valid = utf8_valid;
  /* Room for every decoded string plus a handful of nodes: one block for
  ** the common JSONL record. */
  ps.hint = len < SIZE_MAX / 2 ? len + 16 * sizeof(fossc_json) : len;
  ps.code = FOSSC_OK;
  doc->root = parse_value(&ps);
  if (doc->root) {
    skip_ws(&ps);
    if (ps.p != ps.end) fail(&ps, ps.p, "trailing characters after value");
  }
  if (ps.code != FOSSC_OK) {
    fossc_json_doc_free(doc);
    return fossc_error_set(err, ps.code, "json: %s at byte %zu", ps.what,
                           ps.at);
  }
  *out = doc;
  return FOSSC_OK;
}

int fossc_json_parse(const char *text, size_t len, fossc_json_doc **out,
                     fossc_error *err) {
  return parse_doc(text, len, 0, out, err);
}

int fossc_json_parse_valid(const char *text, size_t len, fossc_json_doc **out,
                           fossc_error *err) {
  return parse_doc(text, len, 1, out, err);
}

const fossc_json *fossc_json_root(const fossc_json_doc *doc) {
  return doc ? doc->root : NULL;
}

const fossc_json *fossc_json_get(const fossc_json *obj, const char *key) {
  if (!obj || obj->type != FOSSC_JSON_OBJECT || !key) return NULL;
  size_t n = strlen(key);
  for (const fossc_json *c = obj->child; c; c = c->next) {
    if (c->key_len == n && memcmp(c->key, key, n) == 0) return c;
  }
  return NULL;
}

/* ---- writer */

void fossc_json_put_string(fossc_buf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  fossc_buf_putc(b, '"');
  while (p < end) {
    const unsigned char *run = p;
    /* Bytes that need no escape are copied in runs. */
    while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' && *p != 0xE2) p++;
    if (p > run) fossc_buf_append(b, run, (size_t)(p - run));
    if (p >= end) break;
    unsigned c = *p;
    if (c == 0xE2) {
      /* U+2028/U+2029 are valid JSON but end lines in JavaScript. */
      if (end - p >= 3 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
        fossc_buf_puts(b, p[2] == 0xA8 ? "\\u2028" : "\\u2029");
        p += 3;
      } else {
        fossc_buf_putc(b, (char)c);
        p++;
      }
      continue;
    }
    p++;
    switch (c) {
      case '"': fossc_buf_append(b, "\\\"", 2); break;
      case '\\': fossc_buf_append(b, "\\\\", 2); break;
      case '\n': fossc_buf_append(b, "\\n", 2); break;
      case '\t': fossc_buf_append(b, "\\t", 2); break;
      case '\r': fossc_buf_append(b, "\\r", 2); break;
      case '\b': fossc_buf_append(b, "\\b", 2); break;
      case '\f': fossc_buf_append(b, "\\f", 2); break;
      default: {
        char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        fossc_buf_append(b, u, 6);
      }
    }
  }
  fossc_buf_putc(b, '"');
}
