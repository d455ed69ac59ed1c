/* Status table, error records, allocation wrapper, byte buffer, varints. */
#define _POSIX_C_SOURCE 200809L
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const status_msgs[] = {
#define FOSSC_X_MSG(name, msg) msg,
    FOSSC_STATUS_LIST(FOSSC_X_MSG)
#undef FOSSC_X_MSG
};
static const char *const status_names[] = {
#define FOSSC_X_NAME(name, msg) #name,
    FOSSC_STATUS_LIST(FOSSC_X_NAME)
#undef FOSSC_X_NAME
};

const char *fossc_strerror(int status) {
  if (status < 0 || status >= FOSSC_STATUS_COUNT) return "unknown status";
  return status_msgs[status];
}

const char *fossc_errname(int status) {
  if (status < 0 || status >= FOSSC_STATUS_COUNT) return "FOSSC_ERR_UNKNOWN";
  return status_names[status];
}

int fossc_error_set(fossc_error *err, int code, const char *fmt, ...) {
  if (err) {
    va_list ap;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

void fossc_error_clear(fossc_error *err) {
  if (err) {
    err->code = FOSSC_OK;
    err->msg[0] = '\0';
  }
}

/* ---- allocation */
static long alloc_budget = -1;

static int alloc_allowed(void) {
  if (alloc_budget < 0) return 1;
  if (alloc_budget == 0) return 0;
  alloc_budget--;
  return 1;
}

void fossc_alloc_fail_after(long n) { alloc_budget = n; }

void *fossc_malloc(size_t n) {
  if (!alloc_allowed()) return NULL;
  return malloc(n ? n : 1);
}

void *fossc_calloc(size_t count, size_t size) {
  if (!alloc_allowed()) return NULL;
  return calloc(count ? count : 1, size ? size : 1);
}

void *fossc_realloc(void *p, size_t n) {
  if (!alloc_allowed()) return NULL;
  return realloc(p, n ? n : 1);
}

void fossc_free(void *p) { free(p); }

char *fossc_strndup(const char *s, size_t n) {
  char *d = fossc_malloc(n + 1);
  if (!d) return NULL;
  if (n) memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

/* ---- buffer */
void fossc_buf_free(fossc_buf *b) {
  fossc_free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
  b->oom = 0;
}

void fossc_buf_reset(fossc_buf *b) {
  b->len = 0;
  b->oom = 0;
}

int fossc_buf_grow_(fossc_buf *b, size_t extra) {
  if (b->oom) return -1;
  if (extra > SIZE_MAX - b->len - 1) {
    b->oom = 1;
    return -1;
  }
  size_t need = b->len + extra + 1; /* +1: room for fossc_buf_cstr's NUL */
  if (need <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  char *p = fossc_realloc(b->data, cap);
  if (!p) {
    b->oom = 1;
    return -1;
  }
  b->data = p;
  b->cap = cap;
  return 0;
}

void fossc_buf_puts(fossc_buf *b, const char *s) {
  fossc_buf_append(b, s, strlen(s));
}

void fossc_buf_printf(fossc_buf *b, const char *fmt, ...) {
  va_list ap;
  char small[256];
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof small) {
    fossc_buf_append(b, small, (size_t)n);
    return;
  }
  if (fossc_buf_reserve(b, (size_t)n)) return;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

char *fossc_buf_cstr(fossc_buf *b) {
  if (fossc_buf_reserve(b, 0)) return NULL;
  b->data[b->len] = '\0';
  return b->data;
}

int fossc_get_varint_slow(const uint8_t **pp, const uint8_t *end,
                          uint64_t *out) {
  const uint8_t *p = *pp;
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p >= end) return -1;
    uint8_t c = *p++;
    v |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80)) {
      *pp = p;
      *out = v;
      return 0;
    }
  }
  return -1;
}

const char *fossc_lang_name(fossc_lang lang) {
  switch (lang) {
    case FOSSC_LANG_EN: return "en";
    case FOSSC_LANG_ES: return "es";
    default: return "unknown";
  }
}

fossc_lang fossc_lang_parse(const char *s, size_t n) {
  if (n == 2 && strncasecmp(s, "en", 2) == 0) return FOSSC_LANG_EN;
  if (n == 2 && strncasecmp(s, "es", 2) == 0) return FOSSC_LANG_ES;
  return FOSSC_LANG_UNKNOWN;
}

uint64_t fossc_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int fossc_read_file(const char *path, size_t max, fossc_buf *out, fossc_error *err) {
  fossc_buf_reset(out);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fossc_error_set(err, errno == ENOENT ? FOSSC_ERR_NOTFOUND : FOSSC_ERR_IO,
                           "%s: %s", path, strerror(errno));
  struct stat sb;
  int rc = FOSSC_OK;
  if (fstat(fd, &sb) != 0) {
    rc = fossc_error_set(err, FOSSC_ERR_IO, "%s: %s", path, strerror(errno));
  } else if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > max) {
    rc = fossc_error_set(err, FOSSC_ERR_LIMIT, "%s: not a regular file of at most %zu bytes",
                         path, max);
  } else if (fossc_buf_reserve(out, (size_t)sb.st_size + 1)) {
    rc = fossc_error_set(err, FOSSC_ERR_NOMEM, "%s: out of memory", path);
  } else {
    /* Read to EOF (the size is only a hint), up to one byte past the cap. */
    for (;;) {
      if (out->len > max) {
        rc = fossc_error_set(err, FOSSC_ERR_LIMIT, "%s: file grew past %zu bytes", path, max);
        break;
      }
      if (out->cap - out->len < 4096 && fossc_buf_reserve(out, 65536)) {
        rc = fossc_error_set(err, FOSSC_ERR_NOMEM, "%s: out of memory", path);
        break;
      }
      ssize_t k = read(fd, out->data + out->len, out->cap - out->len);
      if (k < 0 && errno == EINTR) continue;
      if (k < 0) {
        rc = fossc_error_set(err, FOSSC_ERR_IO, "%s: %s", path, strerror(errno));
        break;
      }
      if (k == 0) break;
      out->len += (size_t)k;
    }
  }
  close(fd);
  return rc;
}
