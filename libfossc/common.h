/*
** fossc -- common definitions shared by every module of libfossc and by the
** three programs: status codes, the error record, the allocation wrapper,
** the growable byte buffer and small varint helpers.
**
** Conventions (see docs/architecture.md):
**   - every fallible function returns an int status (FOSSC_OK on success) and
**     fills an optional `fossc_error *err` with a message naming the file,
**     offset or line that caused it;
**   - `out` parameters are written only on success;
**   - each _free() accepts NULL.
*/
#ifndef FOSSC_COMMON_H
#define FOSSC_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FOSSC_VERSION_STRING "0.1.0"

/* Status codes: one table, names and messages in common.c. */
#define FOSSC_STATUS_LIST(X)                                              \
  X(FOSSC_OK, "ok")                                                       \
  X(FOSSC_ERR_NOMEM, "out of memory")                                     \
  X(FOSSC_ERR_IO, "input/output error")                                   \
  X(FOSSC_ERR_CORRUPT, "index is corrupt")                                \
  X(FOSSC_ERR_VERSION, "unsupported index format version")                \
  X(FOSSC_ERR_ARG, "invalid argument")                                    \
  X(FOSSC_ERR_QUERY, "invalid query")                                     \
  X(FOSSC_ERR_NOTFOUND, "not found")                                      \
  X(FOSSC_ERR_LIMIT, "limit exceeded")                                    \
  X(FOSSC_ERR_PROTOCOL, "protocol error")                                 \
  X(FOSSC_ERR_INPUT, "malformed input")                                   \
  X(FOSSC_ERR_INTERNAL, "internal error")

enum {
#define FOSSC_X_ENUM(name, msg) name,
  FOSSC_STATUS_LIST(FOSSC_X_ENUM)
#undef FOSSC_X_ENUM
  FOSSC_STATUS_COUNT
};

/* Returns a static English message for a status code; never NULL. */
const char *fossc_strerror(int status);
/* Returns the symbolic name ("FOSSC_ERR_IO") of a status code; never NULL. */
const char *fossc_errname(int status);

/* Room for a message that names a path, a section and an offset. */
#define FOSSC_ERRMSG_MAX 512

typedef struct fossc_error {
  int code;                    /* FOSSC_OK when no error was recorded */
  char msg[FOSSC_ERRMSG_MAX];  /* NUL-terminated, human readable */
} fossc_error;

/* Records code and a printf-style message in *err (err may be NULL).
** Returns code, so callers can write `return fossc_error_set(err, ...)`. */
int fossc_error_set(fossc_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Clears *err (err may be NULL). */
void fossc_error_clear(fossc_error *err);

/* ---- allocation: every allocation in libfossc goes through these, so tests
** can inject failures (fossc_alloc_fail_after). */
void *fossc_malloc(size_t n);
void *fossc_calloc(size_t count, size_t size);
void *fossc_realloc(void *p, size_t n);
void fossc_free(void *p);
/* Returns a fossc_malloc'd copy of s[0..n) with a NUL appended; NULL on OOM. */
char *fossc_strndup(const char *s, size_t n);
/* Test hook: after `n` more successful allocations, every allocation fails.
** n < 0 disables injection (the default). Not thread-safe; tests only. */
void fossc_alloc_fail_after(long n);

/* ---- growable byte buffer. Sticky failure: after an allocation failure
** `oom` is set and further appends do nothing, so a sequence of appends is
** checked once at the end (the FTS5 "rc" pattern). */
typedef struct fossc_buf {
  char *data; /* owned; NUL-terminated when len > 0 is not guaranteed */
  size_t len;
  size_t cap;
  int oom;
} fossc_buf;

#define FOSSC_BUF_INIT {NULL, 0, 0, 0}
void fossc_buf_free(fossc_buf *b); /* frees data, resets to empty */
void fossc_buf_reset(fossc_buf *b); /* len = 0, keeps memory, clears oom */
/* fossc_buf_reserve's growing path (out of line). */
int fossc_buf_grow_(fossc_buf *b, size_t extra);
/* Returns 0, or -1 (and sets oom) when `extra` more bytes cannot fit.
** The appends below are inline with the room check first: the indexer
** calls them for every posting it encodes and every string it merges, and
** the calls and checks were ~5% of its instructions. */
static inline int fossc_buf_reserve(fossc_buf *b, size_t extra) {
  if (!b->oom && b->cap - b->len > extra) return 0; /* len + extra + 1 <= cap */
  return fossc_buf_grow_(b, extra);
}
static inline void fossc_buf_append(fossc_buf *b, const void *p, size_t n) {
  if (n == 0 || fossc_buf_reserve(b, n)) return;
  memcpy(b->data + b->len, p, n);
  b->len += n;
}
static inline void fossc_buf_putc(fossc_buf *b, char c) {
  if (fossc_buf_reserve(b, 1)) return;
  b->data[b->len++] = c;
}
void fossc_buf_puts(fossc_buf *b, const char *s);
void fossc_buf_printf(fossc_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Ensures data[len] == '\0' (not counted in len); returns data or NULL on OOM. */
char *fossc_buf_cstr(fossc_buf *b);
/* Writes v as an unsigned LEB128 varint at p, which has room for
** FOSSC_VARINT_MAX bytes. Returns the number of bytes written (1..10). For
** encoders that reserve room once and then store many values. */
#define FOSSC_VARINT_MAX 10 /* ceil(64 / 7): a uint64_t's longest varint */
static inline size_t fossc_put_varint_at(uint8_t *p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  p[n++] = (uint8_t)v;
  return n;
}
/* Appends v as an unsigned LEB128 varint. */
static inline void fossc_buf_put_varint(fossc_buf *b, uint64_t v) {
  uint8_t tmp[FOSSC_VARINT_MAX];
  fossc_buf_append(b, tmp, fossc_put_varint_at(tmp, v));
}
static inline void fossc_buf_put_u16(fossc_buf *b, uint16_t v) {
  uint8_t t[2] = {(uint8_t)v, (uint8_t)(v >> 8)}; /* little endian */
  fossc_buf_append(b, t, 2);
}
static inline void fossc_buf_put_u32(fossc_buf *b, uint32_t v) {
  uint8_t t[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                  (uint8_t)(v >> 24)};
  fossc_buf_append(b, t, 4);
}
static inline void fossc_buf_put_u64(fossc_buf *b, uint64_t v) {
  fossc_buf_put_u32(b, (uint32_t)v);
  fossc_buf_put_u32(b, (uint32_t)(v >> 32));
}

/* Decodes a varint from [*p, end). Returns 0 and advances *p, or -1 on a
** truncated or over-long encoding (corrupt input never reads past end).
** Inline with a one-byte fast path: postings decoding calls it for every
** document, frequency and position, and most of those values are < 128. */
int fossc_get_varint_slow(const uint8_t **p, const uint8_t *end, uint64_t *out);
static inline int fossc_get_varint(const uint8_t **p, const uint8_t *end,
                                   uint64_t *out) {
  if (*p < end && **p < 0x80) {
    *out = **p;
    (*p)++;
    return 0;
  }
  return fossc_get_varint_slow(p, end, out);
}

static inline uint16_t fossc_rd16(const uint8_t *p) {
  return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t fossc_rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
         ((uint32_t)p[3] << 24);
}
static inline uint64_t fossc_rd64(const uint8_t *p) {
  return (uint64_t)fossc_rd32(p) | ((uint64_t)fossc_rd32(p + 4) << 32);
}

/* Languages. The numeric values are stored in the index: never renumber. */
typedef enum fossc_lang {
  FOSSC_LANG_UNKNOWN = 0,
  FOSSC_LANG_EN = 1,
  FOSSC_LANG_ES = 2
} fossc_lang;
#define FOSSC_LANG_COUNT 3
/* "en", "es" or "unknown". */
const char *fossc_lang_name(fossc_lang lang);
/* Parses "en"/"es" (case-insensitive); returns FOSSC_LANG_UNKNOWN otherwise. */
fossc_lang fossc_lang_parse(const char *s, size_t n);

/* Reads the regular file at `path` into *out (reset first; the caller owns
** and frees it). Returns FOSSC_OK; FOSSC_ERR_NOTFOUND (no such file),
** FOSSC_ERR_IO, FOSSC_ERR_LIMIT (not a regular file, or more than `max`
** bytes), FOSSC_ERR_NOMEM; the message names the path. */
int fossc_read_file(const char *path, size_t max, fossc_buf *out, fossc_error *err);

/* Monotonic clock in microseconds. */
uint64_t fossc_now_us(void);

#endif /* FOSSC_COMMON_H */
