/*
** Reads lttoolbox's compiled transducer files (.bin, as lt-comp writes
** them) and prints them as lt-print does, so that the lexicon builder gets
** the same AT&T listing without running lt-print (which costs seconds of
** CPU per dictionary; see docs/translation.md). Layout learnt from the
** public lttoolbox sources (compression, alphabet, transducer, lt-print):
**
**   ["LTTB" u64be features]        optional; 0 = the compressed layout below
**   letters   n, n x code point     (unused here)
**   tags      n, n x (len, len x code point)   printed as "<...>"
**   pairs     n, n x (in + ntags, out + ntags) symbol: < 0 tag -s-1,
**                                              0 epsilon, > 0 code point
**   sections  n, n x (name: len, len x code point; transducer)
**   transducer:
**     ["LTTD" u64be features]      bit 0: weights follow finals and arcs
**     initial; nfinals, nfinals x (state delta [weight]);
**     nstates, nstates x (narcs, narcs x (pair delta, target delta [weight]))
**     target = (state + delta) % nstates
**
** Every integer is a "compressed" big-endian int of 1-4 bytes: the top two
** bits of the first byte give the number of bytes that follow. A weight is
** two such ints (mantissa, exponent), either one split in two ints when it
** does not fit in 26 bits: value = (int32)mantissa / 2^30 * 2^(int32)exp.
**
** lt-print then joins the final states (more than one: a new state, one
** past the last, reached from each by an arc on pair 0 carrying the final's
** weight), prints each section's arcs by source state, then by pair number
** (file order among equal pairs), then its final states; sections sorted
** by name, "--" between them.
*/
#include "lexicon_int.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Limits on what a file may declare. The apertium-eng-spa dictionaries are
** 0.63 MB with 90 tags, a few hundred symbol pairs, 3 sections, ~100k
** states and ~135k arcs; each cap leaves a large margin over real data
** while bounding memory and time on a damaged or hostile file (every
** count is also checked against the bytes left before anything is
** allocated). */
#define MAX_FILE_BYTES (64u << 20)   /* 100x the largest real dictionary */
#define MAX_TAGS 65536u              /* tags in the alphabet */
#define MAX_TAG_CHARS 256u           /* code points of one tag name */
#define MAX_PAIRS (1u << 22)         /* symbol pairs (one per distinct arc label) */
#define MAX_SECTIONS 256u            /* transducers in one file */
#define MAX_NAME_CHARS 1024u         /* code points of a section name */
#define MAX_STATES (4u << 20)        /* the builder's cap on states per section */
#define MAX_ARCS (32u << 20)         /* arcs of one section */
/* Output: the real listings are ~3.5 MB each; the cap matches the one on
** lt-print's output (lexicon_apertium.c). */
#define MAX_LISTING_BYTES (256u << 20)

#define TDF_WEIGHTS 1u               /* transducer-level: weights present */

typedef struct rd {
  const uint8_t *base, *p, *end;
  const char *name;
  fossc_error *err;
  int rc; /* sticky: first error */
} rd;

static int fail(rd *r, int code, const char *what) {
  if (r->rc == FOSSC_OK)
    r->rc = fossc_error_set(r->err, code, "%s: byte %zu: %s", r->name,
                            (size_t)(r->p - r->base), what);
  return r->rc;
}

/* One compressed int (< 2^30); 0 after an error (sticky). */
static uint32_t cint(rd *r) {
  if (r->rc) return 0;
  if (r->p >= r->end) {
    fail(r, FOSSC_ERR_CORRUPT, "truncated");
    return 0;
  }
  uint32_t v = *r->p & 0x3f;
  unsigned extra = *r->p >> 6;
  if ((size_t)(r->end - r->p) <= extra) {
    fail(r, FOSSC_ERR_CORRUPT, "truncated");
    return 0;
  }
  r->p++;
  while (extra--) v = (v << 8) | *r->p++;
  return v;
}

/* A count that must be at most `max` and at most the bytes left divided by
** the least bytes one item takes (so no count allocates past the file). */
static uint32_t count(rd *r, uint32_t max, size_t min_item_bytes, const char *what) {
  uint32_t n = cint(r);
  if (r->rc) return 0;
  if (n > max) {
    fail(r, FOSSC_ERR_LIMIT, what);
    return 0;
  }
  if ((uint64_t)n * min_item_bytes > (uint64_t)(r->end - r->p)) {
    fail(r, FOSSC_ERR_CORRUPT, "count larger than the file");
    return 0;
  }
  return n;
}

/* A 32-bit field read as two's complement without implementation-defined
** conversions. */
static int32_t as_s32(uint32_t v) {
  return v < 0x80000000u ? (int32_t)v : -(int32_t)(~v) - 1;
}

/* The two-part number of a weight: one int, or two when the first has bit
** 26 set (26 high bits, then the low ones). Kept to 32 bits, as written. */
static uint32_t weight_part(rd *r) {
  uint32_t v = cint(r);
  if (v >= 0x04000000u) v = ((v & 0x03ffffffu) << 26) | cint(r);
  return v;
}

static double weight(rd *r) {
  int32_t m = as_s32(weight_part(r));
  int32_t e = as_s32(weight_part(r));
  return ldexp((double)m / 1073741824.0, e);
}

/* An optional 4-byte header and its little-endian u64 feature flags.
** Returns 1 when present. */
static int header(rd *r, const char *magic, uint64_t *features) {
  *features = 0;
  if (r->rc || r->end - r->p < 4 || memcmp(r->p, magic, 4) != 0) return 0;
  if (r->end - r->p < 12) {
    fail(r, FOSSC_ERR_CORRUPT, "truncated header");
    return 1;
  }
  /* lttoolbox 3.6-3.7.1 write the flags most significant byte first. */
  uint64_t f = 0;
  for (int i = 4; i < 12; i++) f = f << 8 | r->p[i];
  *features = f;
  r->p += 12;
  return 1;
}

static int valid_cp(uint32_t cp) {
  return cp > 0 && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
}

/* Code points that would break the listing's tab- and line-separated
** fields; no dictionary uses them as symbols. */
static int field_safe(uint32_t cp) {
  return cp != '\t' && cp != '\n' && cp != '\r';
}

static size_t put_utf8(char *d, uint32_t cp) {
  if (cp < 0x80) {
    d[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    d[0] = (char)(0xC0 | (cp >> 6));
    d[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    d[0] = (char)(0xE0 | (cp >> 12));
    d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  d[0] = (char)(0xF0 | (cp >> 18));
  d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  d[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  d[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Appends a string of n code points as UTF-8. */
static void read_string(rd *r, uint32_t n, fossc_buf *dst) {
  if (fossc_buf_reserve(dst, (size_t)n * 4)) {
    fail(r, FOSSC_ERR_NOMEM, "out of memory");
    return;
  }
  for (uint32_t i = 0; i < n && !r->rc; i++) {
    uint32_t cp = cint(r);
    if (r->rc) return;
    if (!valid_cp(cp) || !field_safe(cp)) {
      fail(r, FOSSC_ERR_CORRUPT, "bad character in a name");
      return;
    }
    dst->len += put_utf8(dst->data + dst->len, cp);
  }
}

/* ------------------------------------------------------------ alphabet */

typedef struct alphabet {
  fossc_buf tags;      /* "<n>" strings back to back */
  uint32_t *tag_off;   /* ntags + 1 offsets into tags */
  uint32_t ntags;
  int32_t *pair;       /* 2 * npairs symbols: in, out */
  uint32_t npairs;
} alphabet;

static void alphabet_free(alphabet *a) {
  fossc_buf_free(&a->tags);
  fossc_free(a->tag_off);
  fossc_free(a->pair);
}

static void read_alphabet(rd *r, alphabet *a) {
  a->ntags = count(r, MAX_TAGS, 1, "too many tags");
  a->tag_off = fossc_malloc(((size_t)a->ntags + 1) * sizeof *a->tag_off);
  if (!a->tag_off) {
    fail(r, FOSSC_ERR_NOMEM, "out of memory");
    return;
  }
  a->tag_off[0] = 0;
  for (uint32_t i = 0; i < a->ntags && !r->rc; i++) {
    uint32_t n = count(r, MAX_TAG_CHARS, 1, "tag name too long");
    if (r->rc) return;
    if (n == 0) {
      fail(r, FOSSC_ERR_CORRUPT, "empty tag");
      return;
    }
    fossc_buf_putc(&a->tags, '<');
    read_string(r, n, &a->tags);
    fossc_buf_putc(&a->tags, '>');
    if (a->tags.oom) fail(r, FOSSC_ERR_NOMEM, "out of memory");
    a->tag_off[i + 1] = (uint32_t)a->tags.len;
  }
  a->npairs = count(r, MAX_PAIRS, 2, "too many symbol pairs");
  if (r->rc) return;
  a->pair = fossc_malloc(((size_t)a->npairs * 2 + 1) * sizeof *a->pair);
  if (!a->pair) {
    fail(r, FOSSC_ERR_NOMEM, "out of memory");
    return;
  }
  for (uint32_t i = 0; i < 2 * a->npairs && !r->rc; i++) {
    int64_t s = (int64_t)cint(r) - (int64_t)a->ntags; /* stored biased by ntags */
    if (r->rc) return;
    if ((s < 0 && -s - 1 >= (int64_t)a->ntags) ||
        (s > 0 && (!valid_cp((uint32_t)s) || !field_safe((uint32_t)s)))) {
      fail(r, FOSSC_ERR_CORRUPT, "bad symbol in a pair");
      return;
    }
    a->pair[i] = (int32_t)s;
  }
}

/* ------------------------------------------------------------- listing */

/* Writes the decimal digits of v at d (at most 10); returns the count. */
static size_t put_u32(char *d, uint32_t v) {
  char t[10];
  size_t n = 0;
  do {
    t[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < n; i++) d[i] = t[n - 1 - i];
  return n;
}

/* lt-print's "%f" of a weight (nearly always 0). */
static size_t put_weight(char *d, size_t cap, double w) {
  if (w == 0.0 && !signbit(w)) {
    memcpy(d, "0.000000", 8);
    return 8;
  }
  int n = snprintf(d, cap, "%f", w);
  return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static size_t put_symbol(char *d, const alphabet *a, int32_t s) {
  if (s == 0) {
    memcpy(d, "\xCE\xB5", 2); /* ε */
    return 2;
  }
  if (s > 0) return put_utf8(d, (uint32_t)s);
  uint32_t t = (uint32_t)(-(int64_t)s - 1);
  size_t n = a->tag_off[t + 1] - a->tag_off[t];
  memcpy(d, a->tags.data + a->tag_off[t], n);
  return n;
}

/* Longest line: two state numbers, two tags of MAX_TAG_CHARS (4 bytes each
** plus brackets), a weight (%f of a double: up to ~320 digits), tabs. */
#define MAX_LINE (2 * 10 + 2 * (4 * MAX_TAG_CHARS + 2) + 400 + 8)

static int emit_arc(rd *r, fossc_buf *out, const alphabet *a, uint32_t from, uint32_t to,
                    uint32_t pair, double w) {
  if (out->len > MAX_LISTING_BYTES) return fail(r, FOSSC_ERR_LIMIT, "listing too large");
  if (fossc_buf_reserve(out, MAX_LINE)) return fail(r, FOSSC_ERR_NOMEM, "out of memory");
  char *d = out->data + out->len, *s = d;
  d += put_u32(d, from);
  *d++ = '\t';
  d += put_u32(d, to);
  *d++ = '\t';
  d += put_symbol(d, a, a->pair[2 * pair]);
  *d++ = '\t';
  d += put_symbol(d, a, a->pair[2 * pair + 1]);
  *d++ = '\t';
  d += put_weight(d, 400, w);
  *d++ = '\t';
  *d++ = '\n';
  out->len += (size_t)(d - s);
  return FOSSC_OK;
}

static int emit_final(rd *r, fossc_buf *out, uint32_t state, double w) {
  if (fossc_buf_reserve(out, MAX_LINE)) return fail(r, FOSSC_ERR_NOMEM, "out of memory");
  char *d = out->data + out->len, *s = d;
  d += put_u32(d, state);
  *d++ = '\t';
  d += put_weight(d, 400, w);
  *d++ = '\n';
  out->len += (size_t)(d - s);
  return FOSSC_OK;
}

typedef struct final {
  uint32_t state;
  double w;
} final;

/* Reads one transducer and appends its listing to *out. */
static void read_transducer(rd *r, const alphabet *a, fossc_buf *out) {
  uint64_t features;
  header(r, "LTTD", &features);
  if (r->rc) return;
  if (features & ~(uint64_t)TDF_WEIGHTS) {
    fail(r, FOSSC_ERR_VERSION, "transducer feature flags unknown to this reader");
    return;
  }
  int weighted = (features & TDF_WEIGHTS) != 0;
  (void)cint(r); /* initial state: lt-print lists from state 0 regardless */
  uint32_t nf = count(r, MAX_STATES, 1, "too many final states");
  if (r->rc) return;
  if (nf == 0) {
    fail(r, FOSSC_ERR_CORRUPT, "transducer without a final state");
    return;
  }
  final *fin = fossc_malloc((size_t)nf * sizeof *fin);
  if (!fin) {
    fail(r, FOSSC_ERR_NOMEM, "out of memory");
    return;
  }
  /* Finals are delta-coded in increasing order; a repeated state keeps its
  ** first weight (lt-print stores them in a map). The weight is carried
  ** over from the previous one when the file has none. */
  uint32_t nd = 0;
  uint64_t st = 0;
  double w = 0.0;
  for (uint32_t i = 0; i < nf && !r->rc; i++) {
    st += cint(r);
    if (weighted) w = weight(r);
    if (st >= MAX_STATES) {
      fail(r, FOSSC_ERR_CORRUPT, "final state out of range");
      break;
    }
    if (nd && fin[nd - 1].state == st) continue;
    fin[nd++] = (final){(uint32_t)st, w};
  }
  uint32_t ns = count(r, MAX_STATES - 1, 1, "too many states");
  /* lt-print's transducer always has state 0, even when none is stored. */
  uint32_t nstates = ns ? ns : 1;
  for (uint32_t i = 0; i < nd && !r->rc; i++)
    if (fin[i].state >= nstates) fail(r, FOSSC_ERR_CORRUPT, "final state out of range");
  int join = nd > 1;
  if (join && a->npairs == 0) fail(r, FOSSC_ERR_CORRUPT, "no symbol pairs");
  uint32_t fi = 0; /* next final to join, in state order */
  uint64_t narcs = 0;
  for (uint32_t s = 0; s < ns && !r->rc; s++) {
    uint32_t n = count(r, MAX_ARCS, 2, "too many arcs in one state");
    narcs += n;
    if (narcs > MAX_ARCS) fail(r, FOSSC_ERR_LIMIT, "too many arcs");
    /* The joining arc goes after the state's arcs on pair 0. */
    int pending = join && fi < nd && fin[fi].state == s;
    uint64_t pair = 0;
    for (uint32_t k = 0; k < n && !r->rc; k++) {
      pair += cint(r);
      uint32_t to = (uint32_t)(((uint64_t)s + cint(r)) % ns);
      if (weighted) w = weight(r);
      if (r->rc) break;
      if (pair >= a->npairs) {
        fail(r, FOSSC_ERR_CORRUPT, "arc on an unknown symbol pair");
        break;
      }
      if (pending && pair > 0) {
        emit_arc(r, out, a, s, nstates, 0, fin[fi].w);
        pending = 0;
      }
      emit_arc(r, out, a, s, to, (uint32_t)pair, w);
    }
    if (pending && !r->rc) emit_arc(r, out, a, s, nstates, 0, fin[fi].w);
    if (join && fi < nd && fin[fi].state == s) fi++;
  }
  if (!r->rc) {
    if (join) emit_final(r, out, nstates, 0.0);
    else emit_final(r, out, fin[0].state, fin[0].w);
  }
  fossc_free(fin);
}

typedef struct section {
  size_t name_off, name_len; /* in the names buffer */
  size_t off, len;           /* listing bytes in the scratch buffer */
} section;

static int cmp_name(const char *a, size_t an, const char *b, size_t bn) {
  int c = memcmp(a, b, an < bn ? an : bn);
  if (c) return c;
  return an < bn ? -1 : an > bn;
}

int fossc_lttb_listing(const uint8_t *p, size_t len, const char *name, fossc_buf *out,
                       fossc_error *err) {
  if (!out || (!p && len)) return fossc_error_set(err, FOSSC_ERR_ARG, "lttb: bad arguments");
  rd r = {p, p, p + len, name ? name : "transducer", err, FOSSC_OK};
  if (len > MAX_FILE_BYTES) return fail(&r, FOSSC_ERR_LIMIT, "file too large");
  uint64_t features;
  header(&r, "LTTB", &features);
  /* lttoolbox 3.7.1 knows no file-level flag; later versions add the mmap
  ** layout (and may store the flags little-endian): any flag means a
  ** layout this reader has not been checked against. */
  if (!r.rc && features)
    fail(&r, FOSSC_ERR_VERSION, "file feature flags unknown to this reader (a newer "
                                "lttoolbox layout, such as mmap)");
  uint32_t nletters = count(&r, UINT32_MAX, 1, "letters");
  for (uint32_t i = 0; i < nletters && !r.rc; i++) (void)cint(&r);
  alphabet a = {FOSSC_BUF_INIT, NULL, 0, NULL, 0};
  if (!r.rc) read_alphabet(&r, &a);
  uint32_t nsec = count(&r, MAX_SECTIONS, 2, "too many sections");
  section secs[MAX_SECTIONS];
  fossc_buf names = FOSSC_BUF_INIT, body = FOSSC_BUF_INIT;
  for (uint32_t i = 0; i < nsec && !r.rc; i++) {
    uint32_t n = count(&r, MAX_NAME_CHARS, 1, "section name too long");
    secs[i].name_off = names.len;
    read_string(&r, n, &names);
    secs[i].name_len = names.len - secs[i].name_off;
    secs[i].off = body.len;
    read_transducer(&r, &a, &body);
    secs[i].len = body.len - secs[i].off;
  }
  if (!r.rc && nsec == 0) fail(&r, FOSSC_ERR_CORRUPT, "no transducer");
  if (!r.rc && r.p != r.end) fail(&r, FOSSC_ERR_CORRUPT, "trailing bytes");
  if (!r.rc) {
    /* lt-print keeps sections in a map by name: sorted, and a repeated
    ** name keeps the last one read. Insertion sort: a handful of them. */
    uint32_t order[MAX_SECTIONS], n = 0;
    for (uint32_t i = 0; i < nsec; i++) {
      uint32_t pos = n;
      int dup = 0;
      for (uint32_t k = 0; k < n; k++) {
        int c = cmp_name(names.data + secs[i].name_off, secs[i].name_len,
                         names.data + secs[order[k]].name_off, secs[order[k]].name_len);
        if (c == 0) {
          order[k] = i;
          dup = 1;
          break;
        }
        if (c < 0) {
          pos = k;
          break;
        }
      }
      if (dup) continue;
      memmove(order + pos + 1, order + pos, (n - pos) * sizeof *order);
      order[pos] = i;
      n++;
    }
    fossc_buf_reset(out);
    if (fossc_buf_reserve(out, body.len + 3 * (size_t)n)) {
      fail(&r, FOSSC_ERR_NOMEM, "out of memory");
    } else {
      for (uint32_t k = 0; k < n; k++) {
        if (k) fossc_buf_append(out, "--\n", 3);
        fossc_buf_append(out, body.data + secs[order[k]].off, secs[order[k]].len);
      }
    }
  }
  alphabet_free(&a);
  fossc_buf_free(&names);
  fossc_buf_free(&body);
  return r.rc;
}

int fossc_lttb_read_listing(const char *path, fossc_buf *out, fossc_error *err) {
  fossc_buf data = FOSSC_BUF_INIT;
  int rc = fossc_read_file(path, MAX_FILE_BYTES, &data, err);
  if (rc == FOSSC_OK)
    rc = fossc_lttb_listing((const uint8_t *)data.data, data.len, path, out, err);
  fossc_buf_free(&data);
  return rc;
}
