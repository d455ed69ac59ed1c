/* The line protocol: request parsing and reply rendering (docs/protocol.md). */
#include "protocol.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "json.h"

/* ------------------------------------------------------------ error codes */
static const char *const perr_names[] = {
    "NONE",
#define FOSSC_X_NAME(name, msg) #name,
    FOSSC_PROTO_ERROR_LIST(FOSSC_X_NAME)
#undef FOSSC_X_NAME
};
static const char *const perr_msgs[] = {
    "ok",
#define FOSSC_X_MSG(name, msg) msg,
    FOSSC_PROTO_ERROR_LIST(FOSSC_X_MSG)
#undef FOSSC_X_MSG
};

const char *fossc_proto_err_name(fossc_proto_err code) {
  if ((int)code <= 0 || code >= FOSSC_PERR_COUNT) return "INTERNAL";
  return perr_names[code];
}

const char *fossc_proto_err_msg(fossc_proto_err code) {
  if ((int)code <= 0 || code >= FOSSC_PERR_COUNT)
    return perr_msgs[FOSSC_PERR_INTERNAL];
  return perr_msgs[code];
}

fossc_proto_err fossc_proto_err_from_status(int status) {
  switch (status) {
    case FOSSC_ERR_QUERY: return FOSSC_PERR_QUERY;
    case FOSSC_ERR_LIMIT: return FOSSC_PERR_LIMIT;
    case FOSSC_ERR_NOTFOUND: return FOSSC_PERR_NOT_FOUND;
    case FOSSC_ERR_ARG: return FOSSC_PERR_BAD_ARGUMENT;
    case FOSSC_ERR_PROTOCOL: return FOSSC_PERR_BAD_COMMAND;
    case FOSSC_ERR_INPUT: return FOSSC_PERR_BAD_ENCODING;
    default: return FOSSC_PERR_INTERNAL;
  }
}

/* ------------------------------------------------------------------ UTF-8 */
/* Length of the valid UTF-8 sequence at s[0..n), or 0 if it is invalid
** (overlong forms, surrogates, code points above U+10FFFF, truncation) or
** is a NUL byte. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  if (c == 0) return 0;
  if (c < 0x80) return 1;
  size_t len;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (n < len) return 0;
  if (s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < len; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  return len;
}

/* Returns the offset of the first invalid byte, or n if s is valid. */
static size_t utf8_check(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    if (u[i] >= 0x01 && u[i] < 0x80) {
      i++;
      continue;
    }
    size_t l = utf8_seq(u + i, n - i);
    if (!l) return i;
    i += l;
  }
  return n;
}

/* Appends s[0..n) for a single-line text field: control characters (tab,
** CR and LF included) become spaces so that a field never breaks the framing;
** invalid UTF-8 bytes become '?'. */
static void put_field(fossc_buf *b, const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    size_t run = i;
    while (run < n && u[run] >= 0x20 && u[run] < 0x7f) run++;
    fossc_buf_append(b, s + i, run - i);
    i = run;
    if (i >= n) break;
    if (u[i] < 0x20 || u[i] == 0x7f) {
      fossc_buf_putc(b, ' ');
      i++;
      continue;
    }
    size_t l = utf8_seq(u + i, n - i);
    if (l) {
      fossc_buf_append(b, s + i, l);
      i += l;
    } else {
      fossc_buf_putc(b, '?');
      i++;
    }
  }
}

/* Appends s[0..n) as a JSON string. fossc_json_put_string wants valid
** UTF-8, so invalid bytes become '?' (and NUL a space) in a copy first. */
static void put_json_string(fossc_buf *b, const char *s, size_t n) {
  if (!s) {
    fossc_buf_puts(b, "\"\"");
    return;
  }
  if (utf8_check(s, n) == n) {
    fossc_json_put_string(b, s, n);
    return;
  }
  /* NUL is valid in JSON strings (escaped) but utf8_check refuses it; the
  ** copy keeps it as a space, which also keeps C consumers sane. */
  fossc_buf tmp = FOSSC_BUF_INIT;
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    size_t l = utf8_seq(u + i, n - i);
    if (l) {
      fossc_buf_append(&tmp, s + i, l);
      i += l;
    } else {
      fossc_buf_putc(&tmp, u[i] == 0 ? ' ' : '?');
      i++;
    }
  }
  if (tmp.oom) {
    b->oom = 1;
  } else {
    fossc_json_put_string(b, tmp.data ? tmp.data : "", tmp.len);
  }
  fossc_buf_free(&tmp);
}

/* ---------------------------------------------------------------- parsing */
enum {
  OPT_LIMIT = 1 << 0,
  OPT_OFFSET = 1 << 1,
  OPT_LANG = 1 << 2,
  OPT_FORMAT = 1 << 3,
  OPT_SNIPPETS = 1 << 4,
  OPT_EXPLAIN = 1 << 5,
  OPT_EXACT_TOTAL = 1 << 6,
  OPT_FIELDS = 1 << 7,
  OPT_ALL = (1 << 8) - 1
};

static const struct {
  const char *name;
  unsigned bit;
} options[] = {
    {"limit", OPT_LIMIT},   {"offset", OPT_OFFSET},
    {"lang", OPT_LANG},     {"format", OPT_FORMAT},
    {"snippets", OPT_SNIPPETS}, {"explain", OPT_EXPLAIN},
    {"exact_total", OPT_EXACT_TOTAL}, {"fields", OPT_FIELDS},
};

/* What follows the options of a command. */
enum { ARG_NONE, ARG_REST, ARG_WORD };

static const struct {
  const char *name;
  fossc_cmd cmd;
  unsigned opts; /* options it accepts */
  int arg;
} commands[] = {
    {"PING", FOSSC_CMD_PING, OPT_FORMAT, ARG_NONE},
    {"SEARCH", FOSSC_CMD_SEARCH, OPT_ALL, ARG_REST},
    {"EXPLAIN", FOSSC_CMD_EXPLAIN, OPT_ALL, ARG_REST},
    {"GET", FOSSC_CMD_GET, OPT_FORMAT, ARG_REST},
    {"STATS", FOSSC_CMD_STATS, OPT_FORMAT, ARG_NONE},
    {"FORMAT", FOSSC_CMD_FORMAT, 0, ARG_WORD},
    {"RELOAD", FOSSC_CMD_RELOAD, OPT_FORMAT, ARG_NONE},
    {"HELP", FOSSC_CMD_HELP, OPT_FORMAT, ARG_NONE},
    {"QUIT", FOSSC_CMD_QUIT, OPT_FORMAT, ARG_NONE},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
/* How much of an unknown verb or bad value an error message quotes. */
#define QUOTE_MAX 40

static int is_ws(char c) { return c == ' ' || c == '\t'; }

static int fail(fossc_request *out, fossc_proto_err code, fossc_error *err,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(fossc_request *out, fossc_proto_err code, fossc_error *err,
                const char *fmt, ...) {
  out->error = code;
  if (err) {
    va_list ap;
    err->code = FOSSC_ERR_PROTOCOL;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return FOSSC_ERR_PROTOCOL;
}

/* Parses a decimal number of at most 9 digits (anything larger is over
** every limit anyway). Returns 0 or -1. */
static int parse_num(const char *s, size_t n, uint32_t *out) {
  if (n == 0 || n > 9) return -1;
  uint32_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (uint32_t)(s[i] - '0');
  }
  *out = v;
  return 0;
}

static int parse_bool(const char *s, size_t n, int *out) {
  if (n == 1 && (s[0] == '0' || s[0] == '1')) {
    *out = s[0] == '1';
    return 0;
  }
  return -1;
}

static int word_eq(const char *s, size_t n, const char *w) {
  return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

static int parse_format(const char *s, size_t n, fossc_format *out) {
  if (word_eq(s, n, "text")) {
    *out = FOSSC_FMT_TEXT;
  } else if (word_eq(s, n, "json")) {
    *out = FOSSC_FMT_JSON;
  } else {
    return -1;
  }
  return 0;
}

/* Applies one option; returns FOSSC_OK or a failure from fail(). */
static int apply_option(fossc_request *out, unsigned bit, const char *name,
                        size_t name_len, const char *v, size_t vn,
                        fossc_error *err) {
  int bad = 0;
  switch (bit) {
    case OPT_LIMIT:
    case OPT_OFFSET: {
      uint32_t num;
      if (parse_num(v, vn, &num) != 0) {
        size_t digits = 0;
        while (digits < vn && v[digits] >= '0' && v[digits] <= '9') digits++;
        if (vn > 0 && digits == vn)
          return fail(out, FOSSC_PERR_LIMIT, err,
                      "%.*s is too large (limit + offset at most %d)",
                      (int)name_len, name, FOSSC_MAX_LIMIT);
        bad = 1;
      } else if (bit == OPT_LIMIT) {
        out->search.limit = num;
      } else {
        out->search.offset = num;
      }
      break;
    }
    case OPT_LANG:
      if (word_eq(v, vn, "any")) {
        out->search.lang = FOSSC_LANG_UNKNOWN;
      } else if (word_eq(v, vn, "en")) {
        out->search.lang = FOSSC_LANG_EN;
      } else if (word_eq(v, vn, "es")) {
        out->search.lang = FOSSC_LANG_ES;
      } else {
        bad = 1;
      }
      break;
    case OPT_FORMAT: bad = parse_format(v, vn, &out->format) != 0; break;
    case OPT_SNIPPETS: bad = parse_bool(v, vn, &out->search.snippets) != 0; break;
    case OPT_EXPLAIN: bad = parse_bool(v, vn, &out->search.explain) != 0; break;
    case OPT_EXACT_TOTAL:
      bad = parse_bool(v, vn, &out->search.exact_total) != 0;
      break;
    case OPT_FIELDS:
      if (word_eq(v, vn, "id"))
        out->ids_only = 1;
      else if (word_eq(v, vn, "all"))
        out->ids_only = 0;
      else
        bad = 1;
      break;
  }
  if (bad) {
    const char *want = bit == OPT_LANG     ? "en, es or any"
                       : bit == OPT_FIELDS ? "id or all"
                       : bit == OPT_FORMAT ? "text or json"
                       : (bit == OPT_LIMIT || bit == OPT_OFFSET)
                           ? "a decimal number"
                           : "0 or 1";
    return fail(out, FOSSC_PERR_BAD_OPTION, err,
                "bad value '%.*s' for %.*s (expected %s)",
                (int)(vn > QUOTE_MAX ? QUOTE_MAX : vn), v, (int)name_len, name,
                want);
  }
  return FOSSC_OK;
}

int fossc_proto_parse(const char *line, size_t len, fossc_format dflt,
                      fossc_request *out, fossc_error *err) {
  memset(out, 0, sizeof *out);
  out->format = dflt;
  out->new_format = dflt;
  out->search.limit = FOSSC_DEFAULT_LIMIT;
  out->search.snippets = 1;
  if (len > 0 && line[len - 1] == '\r') len--;
  if (len > FOSSC_MAX_LINE)
    return fail(out, FOSSC_PERR_TOO_LONG, err,
                "request line longer than %d bytes", FOSSC_MAX_LINE);
  size_t bad = utf8_check(line, len);
  if (bad < len)
    return fail(out, FOSSC_PERR_BAD_ENCODING, err,
                "%s at byte %zu", line[bad] ? "invalid UTF-8" : "NUL byte",
                bad);

  const char *p = line, *end = line + len;
  while (p < end && is_ws(*p)) p++;
  while (end > p && is_ws(end[-1])) end--;
  if (p == end) return FOSSC_OK; /* FOSSC_CMD_NONE */

  const char *verb = p;
  while (p < end && !is_ws(*p)) p++;
  size_t verb_len = (size_t)(p - verb);
  size_t ci;
  for (ci = 0; ci < NELEM(commands); ci++)
    if (word_eq(verb, verb_len, commands[ci].name)) break;
  if (ci == NELEM(commands))
    return fail(out, FOSSC_PERR_BAD_COMMAND, err,
                "unknown command '%.*s' (try HELP)",
                (int)(verb_len > QUOTE_MAX ? QUOTE_MAX : verb_len), verb);
  out->cmd = commands[ci].cmd;
  if (out->cmd == FOSSC_CMD_EXPLAIN) out->search.explain = 1;

  /* Options: name=value tokens until "--" or a token that is not one. */
  for (;;) {
    while (p < end && is_ws(*p)) p++;
    if (p == end) break;
    const char *tok = p;
    const char *te = p;
    while (te < end && !is_ws(*te)) te++;
    size_t tn = (size_t)(te - tok);
    if (tn == 2 && tok[0] == '-' && tok[1] == '-') {
      p = te;
      break;
    }
    const char *eq = memchr(tok, '=', tn);
    if (!eq) break;
    size_t nn = (size_t)(eq - tok);
    size_t oi;
    for (oi = 0; oi < NELEM(options); oi++)
      if (word_eq(tok, nn, options[oi].name)) break;
    if (oi == NELEM(options)) break;
    if (!(commands[ci].opts & options[oi].bit))
      return fail(out, FOSSC_PERR_BAD_OPTION, err,
                  "option %s does not apply to %s", options[oi].name,
                  commands[ci].name);
    int rc = apply_option(out, options[oi].bit, options[oi].name, nn, eq + 1,
                          (size_t)(te - eq - 1), err);
    if (rc != FOSSC_OK) return rc;
    p = te;
  }
  while (p < end && is_ws(*p)) p++;
  size_t rest = (size_t)(end - p);

  switch (commands[ci].arg) {
    case ARG_NONE:
      if (rest)
        return fail(out, FOSSC_PERR_BAD_ARGUMENT, err,
                    "%s takes no arguments", commands[ci].name);
      break;
    case ARG_WORD: /* FORMAT text|json */
      if (parse_format(p, rest, &out->new_format) != 0)
        return fail(out, FOSSC_PERR_BAD_ARGUMENT, err,
                    "usage: FORMAT text|json");
      out->format = out->new_format;
      out->arg = p;
      out->arg_len = rest;
      break;
    case ARG_REST:
      if (out->cmd == FOSSC_CMD_GET) {
        if (!rest)
          return fail(out, FOSSC_PERR_BAD_ARGUMENT, err,
                      "usage: GET <id>");
        out->arg = p;
        out->arg_len = rest;
        break;
      }
      if (!rest)
        return fail(out, FOSSC_PERR_QUERY, err, "empty query");
      if (out->search.limit == 0 || out->search.limit > FOSSC_MAX_LIMIT ||
          out->search.offset > FOSSC_MAX_LIMIT - out->search.limit)
        return fail(out, FOSSC_PERR_LIMIT, err,
                    "limit must be 1..%d and limit + offset at most %d",
                    FOSSC_MAX_LIMIT, FOSSC_MAX_LIMIT);
      out->search.query = p;
      out->search.query_len = rest;
      break;
  }
  return FOSSC_OK;
}

/* -------------------------------------------------------------- rendering */
void fossc_proto_render_error(fossc_buf *out, fossc_format fmt,
                              fossc_proto_err code, const char *msg) {
  if (!msg || !*msg) msg = fossc_proto_err_msg(code);
  size_t n = strlen(msg);
  if (n > FOSSC_MAX_ERRMSG) {
    n = FOSSC_MAX_ERRMSG;
    /* Do not cut a UTF-8 sequence in two. */
    while (n > 0 && ((unsigned char)msg[n] & 0xC0) == 0x80) n--;
  }
  if (fmt == FOSSC_FMT_JSON) {
    fossc_buf_printf(out, "{\"ok\":false,\"error\":{\"code\":\"%s\",\"message\":",
                     fossc_proto_err_name(code));
    put_json_string(out, msg, n);
    fossc_buf_puts(out, "}}\n");
  } else {
    fossc_buf_printf(out, "ERR %s ", fossc_proto_err_name(code));
    put_field(out, msg, n);
    fossc_buf_putc(out, '\n');
  }
}

void fossc_proto_render_pong(fossc_buf *out, fossc_format fmt) {
  fossc_buf_puts(out, fmt == FOSSC_FMT_JSON ? "{\"ok\":true,\"pong\":true}\n"
                                            : "PONG\n");
}

size_t fossc_proto_took_at(const char *reply, size_t len, fossc_format fmt) {
  const char *tag = fmt == FOSSC_FMT_JSON ? "\"took_us\":" : " took_us=";
  size_t tn = strlen(tag);
  /* Only the header line is searched: it ends at the first \n (text) or
  ** before the first hit (JSON), and nothing in it comes from the request. */
  const char *nl = memchr(reply, '\n', len);
  size_t n = nl ? (size_t)(nl - reply) : len;
  for (size_t i = 0; i + tn <= n; i++)
    if (reply[i] == tag[0] && memcmp(reply + i, tag, tn) == 0) {
      size_t at = i + tn;
      return at < n && reply[at] >= '0' && reply[at] <= '9' ? at : SIZE_MAX;
    }
  return SIZE_MAX;
}

void fossc_proto_render_cached(fossc_buf *out, const char *reply, size_t len,
                               size_t took_at, uint64_t took_us) {
  if (took_at >= len) {
    fossc_buf_append(out, reply, len);
    return;
  }
  size_t end = took_at;
  while (end < len && reply[end] >= '0' && reply[end] <= '9') end++;
  fossc_buf_append(out, reply, took_at);
  fossc_buf_printf(out, "%llu", (unsigned long long)took_us);
  fossc_buf_append(out, reply + end, len - end);
}

/* Appends v in decimal. */
static void put_uint(fossc_buf *b, uint64_t v) {
  char d[20];
  size_t n = 0;
  do {
    d[sizeof d - ++n] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  fossc_buf_append(b, d + sizeof d - n, n);
}

/* Scores below this are written without printf (put_score). */
#define SCORE_FAST_MAX 1e9

/* A score as JSON/text: %.4f, with non-finite values (never expected) as 0
** so that the JSON stays valid. printf's float formatting was ~2.5% of the
** daemon's CPU with ten hits a query; scores are floats, and a float times
** 10^4 (24 + 14 significant bits) is exact in a double, so rounding that
** product to an integer in the default mode (ties to even) is exactly
** printf's rounding of the value to four decimals. Anything else is left
** to printf. */
static void put_score(fossc_buf *b, double s) {
  if (!isfinite(s)) s = 0;
  if (s >= 0 && s < SCORE_FAST_MAX && (double)(float)s == s) {
    uint64_t r = (uint64_t)nearbyint(s * 10000.0);
    char frac[5] = {'.', (char)('0' + r / 1000 % 10), (char)('0' + r / 100 % 10),
                    (char)('0' + r / 10 % 10), (char)('0' + r % 10)};
    put_uint(b, r / 10000);
    fossc_buf_append(b, frac, sizeof frac);
    return;
  }
  fossc_buf_printf(b, "%.4f", s);
}

void fossc_proto_render_results(fossc_buf *out, fossc_format fmt,
                                const fossc_results *res, uint32_t offset,
                                int explain, int ids_only) {
  if (fmt == FOSSC_FMT_JSON) {
    fossc_buf_printf(out,
                     "{\"ok\":true,\"total\":%llu,\"total_exact\":%s,"
                     "\"count\":%u,\"took_us\":%llu,\"offset\":%u,\"suggestion\":",
                     (unsigned long long)res->total,
                     res->total_exact ? "true" : "false", (unsigned)res->count,
                     (unsigned long long)res->took_us, (unsigned)offset);
    if (res->suggestion) {
      put_json_string(out, res->suggestion, strlen(res->suggestion));
    } else {
      fossc_buf_puts(out, "null");
    }
    fossc_buf_puts(out, ",\"hits\":[");
    for (uint32_t i = 0; i < res->count; i++) {
      const fossc_hit *h = &res->hits[i];
      fossc_buf_printf(out, "%s{\"rank\":%u,\"id\":", i ? "," : "",
                       (unsigned)h->rank);
      put_json_string(out, h->id, h->id_len);
      if (ids_only) {
        fossc_buf_printf(out, ",\"lang\":\"%s\",\"score\":",
                         fossc_lang_name(h->lang));
        put_score(out, h->score);
        fossc_buf_putc(out, '}');
        continue;
      }
      fossc_buf_puts(out, ",\"title\":");
      put_json_string(out, h->title, h->title_len);
      fossc_buf_printf(out, ",\"lang\":\"%s\",\"score\":",
                       fossc_lang_name(h->lang));
      put_score(out, h->score);
      fossc_buf_puts(out, ",\"source\":");
      put_json_string(out, h->source, h->source_len);
      fossc_buf_puts(out, ",\"snippet\":");
      put_json_string(out, h->snippet, h->snippet ? h->snippet_len : 0);
      if (explain && h->explain && h->explain_len) {
        fossc_buf_puts(out, ",\"explain\":");
        fossc_buf_append(out, h->explain, h->explain_len);
      }
      fossc_buf_putc(out, '}');
    }
    fossc_buf_puts(out, "]}\n");
    return;
  }
  fossc_buf_printf(out, "OK total=%llu count=%u took_us=%llu total_exact=%d\n",
                   (unsigned long long)res->total, (unsigned)res->count,
                   (unsigned long long)res->took_us, res->total_exact ? 1 : 0);
  for (uint32_t i = 0; i < res->count; i++) {
    const fossc_hit *h = &res->hits[i];
    put_uint(out, h->rank);
    fossc_buf_putc(out, '\t');
    put_score(out, h->score);
    fossc_buf_putc(out, '\t');
    fossc_buf_puts(out, fossc_lang_name(h->lang));
    fossc_buf_putc(out, '\t');
    put_field(out, h->id, h->id ? h->id_len : 0);
    if (ids_only) {
      fossc_buf_putc(out, '\n');
      continue;
    }
    fossc_buf_putc(out, '\t');
    put_field(out, h->title, h->title ? h->title_len : 0);
    fossc_buf_putc(out, '\t');
    put_field(out, h->snippet, h->snippet ? h->snippet_len : 0);
    if (explain && h->explain && h->explain_len) {
      fossc_buf_putc(out, '\t');
      put_field(out, h->explain, h->explain_len);
    }
    fossc_buf_putc(out, '\n');
  }
  fossc_buf_puts(out, "END\n");
}

void fossc_proto_render_doc(fossc_buf *out, fossc_format fmt,
                            const fossc_docview *doc) {
  if (fmt == FOSSC_FMT_JSON) {
    fossc_buf_puts(out, "{\"ok\":true,\"doc\":{\"id\":");
    put_json_string(out, doc->id, doc->id_len);
    fossc_buf_puts(out, ",\"title\":");
    put_json_string(out, doc->title, doc->title_len);
    fossc_buf_printf(out, ",\"lang\":\"%s\",\"source\":",
                     fossc_lang_name(doc->lang));
    put_json_string(out, doc->source, doc->source_len);
    fossc_buf_puts(out, ",\"body\":");
    put_json_string(out, doc->body, doc->body_len);
    fossc_buf_puts(out, "}}\n");
    return;
  }
  fossc_buf_printf(out, "OK bytes=%zu\nid: ", doc->body ? doc->body_len : 0);
  put_field(out, doc->id, doc->id ? doc->id_len : 0);
  fossc_buf_puts(out, "\ntitle: ");
  put_field(out, doc->title, doc->title ? doc->title_len : 0);
  fossc_buf_printf(out, "\nlang: %s\nsource: ", fossc_lang_name(doc->lang));
  put_field(out, doc->source, doc->source ? doc->source_len : 0);
  fossc_buf_putc(out, '\n');
  if (doc->body) fossc_buf_append(out, doc->body, doc->body_len);
  fossc_buf_puts(out, "\nEND\n");
}

/* Nesting of the index statistics shown flattened; deeper values are
** skipped (the index writes two levels). */
#define STATS_FLATTEN_DEPTH 4

static void flatten_json(fossc_buf *out, fossc_buf *key, const fossc_json *v,
                         int depth) {
  size_t klen = key->len;
  if (v->type == FOSSC_JSON_OBJECT || v->type == FOSSC_JSON_ARRAY) {
    if (depth >= STATS_FLATTEN_DEPTH) return;
    size_t i = 0;
    for (const fossc_json *c = v->child; c; c = c->next, i++) {
      key->len = klen;
      fossc_buf_putc(key, '.');
      if (v->type == FOSSC_JSON_OBJECT) {
        for (size_t j = 0; j < c->key_len; j++) {
          unsigned char ch = (unsigned char)c->key[j];
          fossc_buf_putc(key, (ch <= 0x20 || ch == 0x7f) ? '_' : (char)ch);
        }
      } else {
        fossc_buf_printf(key, "%zu", i);
      }
      flatten_json(out, key, c, depth + 1);
    }
    key->len = klen;
    return;
  }
  fossc_buf_append(out, key->data, key->len);
  fossc_buf_putc(out, ' ');
  switch (v->type) {
    case FOSSC_JSON_NULL: fossc_buf_puts(out, "null"); break;
    case FOSSC_JSON_TRUE: fossc_buf_puts(out, "true"); break;
    case FOSSC_JSON_FALSE: fossc_buf_puts(out, "false"); break;
    case FOSSC_JSON_NUMBER:
      if (v->num == floor(v->num) && fabs(v->num) < 1e15) {
        fossc_buf_printf(out, "%.0f", v->num);
      } else {
        fossc_buf_printf(out, "%.6g", v->num);
      }
      break;
    case FOSSC_JSON_STRING: put_field(out, v->str, v->str_len); break;
    default: break;
  }
  fossc_buf_putc(out, '\n');
}

void fossc_proto_render_stats(fossc_buf *out, fossc_format fmt,
                              const fossc_proto_stats *st,
                              const char *index_json, size_t index_json_len) {
  struct {
    const char *name;
    uint64_t v;
  } nums[] = {
      {"uptime_s", st->uptime_s},
      {"threads", st->threads},
      {"conns_current", st->conns_current},
      {"conns_total", st->conns_total},
      {"conns_rejected", st->conns_rejected},
      {"requests", st->requests},
      {"errors", st->errors},
      {"reloads", st->reloads},
      {"reload_failures", st->reload_failures},
      {"cache_hits", st->cache_hits},
      {"cache_misses", st->cache_misses},
      {"cache_entries", st->cache_entries},
      {"cache_bytes", st->cache_bytes},
      {"cache_max_bytes", st->cache_max_bytes},
      {"docs", st->docs},
  };
  const char *dir = st->index_dir ? st->index_dir : "";
  const char *path = st->index_path ? st->index_path : "";
  if (fmt == FOSSC_FMT_JSON) {
    fossc_buf_puts(out, "{\"ok\":true,\"stats\":{\"daemon\":{\"version\":\"");
    fossc_buf_puts(out, FOSSC_VERSION_STRING "\"");
    for (size_t i = 0; i < NELEM(nums); i++)
      fossc_buf_printf(out, ",\"%s\":%llu", nums[i].name,
                       (unsigned long long)nums[i].v);
    fossc_buf_puts(out, ",\"index_dir\":");
    put_json_string(out, dir, strlen(dir));
    fossc_buf_puts(out, ",\"index_path\":");
    put_json_string(out, path, strlen(path));
    fossc_buf_puts(out, "},\"index\":");
    /* The index statistics are inserted only if they parse, so a bug there
    ** cannot make this reply invalid JSON. */
    fossc_json_doc *doc = NULL;
    if (index_json && index_json_len &&
        fossc_json_parse(index_json, index_json_len, &doc, NULL) == FOSSC_OK) {
      fossc_buf_append(out, index_json, index_json_len);
    } else {
      fossc_buf_puts(out, "null");
    }
    fossc_json_doc_free(doc);
    fossc_buf_puts(out, "}}\n");
    return;
  }
  fossc_buf_puts(out, "OK\nversion " FOSSC_VERSION_STRING "\n");
  for (size_t i = 0; i < NELEM(nums); i++)
    fossc_buf_printf(out, "%s %llu\n", nums[i].name,
                     (unsigned long long)nums[i].v);
  fossc_buf_puts(out, "index_dir ");
  put_field(out, dir, strlen(dir));
  fossc_buf_puts(out, "\nindex_path ");
  put_field(out, path, strlen(path));
  fossc_buf_putc(out, '\n');
  fossc_json_doc *doc = NULL;
  if (index_json && index_json_len &&
      fossc_json_parse(index_json, index_json_len, &doc, NULL) == FOSSC_OK) {
    fossc_buf key = FOSSC_BUF_INIT;
    fossc_buf_puts(&key, "index");
    if (!key.oom) flatten_json(out, &key, fossc_json_root(doc), 0);
    if (key.oom) out->oom = 1;
    fossc_buf_free(&key);
  }
  fossc_json_doc_free(doc);
  fossc_buf_puts(out, "END\n");
}

void fossc_proto_render_format(fossc_buf *out, fossc_format fmt) {
  fossc_buf_puts(out, fmt == FOSSC_FMT_JSON
                          ? "{\"ok\":true,\"format\":\"json\"}\n"
                          : "OK format=text\n");
}

void fossc_proto_render_reloaded(fossc_buf *out, fossc_format fmt,
                                 uint32_t docs) {
  if (fmt == FOSSC_FMT_JSON) {
    fossc_buf_printf(out, "{\"ok\":true,\"reloaded\":true,\"docs\":%u}\n",
                     (unsigned)docs);
  } else {
    fossc_buf_printf(out, "OK reloaded docs=%u\n", (unsigned)docs);
  }
}

static const char *const help_lines[] = {
    ("fossc-searchd " FOSSC_VERSION_STRING
     " -- one request per line, see docs/protocol.md"),
    "PING                          -> PONG",
    "SEARCH [opt=value ...] [--] <query>  the best hits for a query",
    "  options: limit=N offset=N lang=en|es|any format=text|json",
    "           snippets=0|1 explain=0|1 exact_total=0|1 fields=id|all",
    "EXPLAIN [opt=value ...] [--] <query>  SEARCH with explain=1",
    "GET [format=..] <id>          the stored document",
    "STATS [format=..]             index and daemon statistics",
    "FORMAT text|json              default reply format of this connection",
    "RELOAD                        reopen the index",
    "HELP                          this text",
    "QUIT                          close the connection",
};

void fossc_proto_render_help(fossc_buf *out, fossc_format fmt) {
  if (fmt == FOSSC_FMT_JSON) {
    fossc_buf_puts(out, "{\"ok\":true,\"help\":[");
    for (size_t i = 0; i < NELEM(help_lines); i++) {
      if (i) fossc_buf_putc(out, ',');
      fossc_json_put_string(out, help_lines[i], strlen(help_lines[i]));
    }
    fossc_buf_puts(out, "]}\n");
    return;
  }
  fossc_buf_puts(out, "OK\n");
  for (size_t i = 0; i < NELEM(help_lines); i++) {
    fossc_buf_puts(out, help_lines[i]);
    fossc_buf_putc(out, '\n');
  }
  fossc_buf_puts(out, "END\n");
}

void fossc_proto_render_bye(fossc_buf *out, fossc_format fmt) {
  fossc_buf_puts(out, fmt == FOSSC_FMT_JSON ? "{\"ok\":true,\"bye\":true}\n"
                                            : "OK bye\n");
}

const char *fossc_proto_sample(fossc_buf *out, const char *s, size_t n,
                               size_t max) {
  static const char hex[] = "0123456789abcdef";
  fossc_buf_reset(out);
  size_t m = n > max ? max : n;
  for (size_t i = 0; i < m; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      fossc_buf_putc(out, (char)c);
    } else {
      char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
      fossc_buf_append(out, e, 4);
    }
  }
  if (m < n) fossc_buf_puts(out, "...");
  const char *r = fossc_buf_cstr(out);
  return r ? r : "";
}
