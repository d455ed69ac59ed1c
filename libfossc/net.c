/* Address parsing, connect/write/read-line with deadlines (see net.h). */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int fossc_addr_parse(const char *s, uint16_t default_port, fossc_addr *out,
                     fossc_error *err) {
  const char *host = s, *host_end, *port = NULL;
  if (!s || !*s) return fossc_error_set(err, FOSSC_ERR_ARG, "empty address");
  if (s[0] == '[') {
    host = s + 1;
    host_end = strchr(host, ']');
    if (!host_end)
      return fossc_error_set(err, FOSSC_ERR_ARG, "bad address '%s': missing ]",
                             s);
    if (host_end[1] == ':') {
      port = host_end + 2;
    } else if (host_end[1] != '\0') {
      return fossc_error_set(err, FOSSC_ERR_ARG,
                             "bad address '%s': expected [HOST]:PORT", s);
    }
  } else {
    const char *colon = strrchr(s, ':');
    if (colon && strchr(s, ':') != colon)
      return fossc_error_set(err, FOSSC_ERR_ARG,
                             "bad address '%s': write IPv6 as [ADDR]:PORT", s);
    host_end = colon ? colon : s + strlen(s);
    if (colon) port = colon + 1;
  }
  size_t hn = (size_t)(host_end - host);
  if (hn == 0)
    return fossc_error_set(err, FOSSC_ERR_ARG, "bad address '%s': no host", s);
  if (hn >= FOSSC_MAX_HOST)
    return fossc_error_set(err, FOSSC_ERR_ARG, "bad address: host too long");
  unsigned long pv = default_port;
  if (port) {
    char *e;
    errno = 0;
    pv = strtoul(port, &e, 10);
    if (!*port || *e || errno || pv > 65535 || port[0] == '-' ||
        port[0] == '+' || port[0] == ' ')
      return fossc_error_set(err, FOSSC_ERR_ARG,
                             "bad address '%s': port must be 0..65535", s);
  }
  memcpy(out->host, host, hn);
  out->host[hn] = '\0';
  out->port = (uint16_t)pv;
  return FOSSC_OK;
}

/* Milliseconds left until deadline (monotonic us), or -1 for none. */
static int ms_left(uint64_t deadline) {
  if (!deadline) return -1;
  uint64_t now = fossc_now_us();
  if (now >= deadline) return 0;
  uint64_t ms = (deadline - now + 999) / 1000;
  return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

static uint64_t deadline_of(int timeout_ms) {
  if (timeout_ms < 0) return 0;
  return fossc_now_us() + (uint64_t)timeout_ms * 1000 + 1;
}

/* Waits for `events` on fd until deadline. Returns 1 ready, 0 timeout,
** -1 error (errno set). */
static int wait_fd(int fd, short events, uint64_t deadline) {
  for (;;) {
    struct pollfd p = {fd, events, 0};
    int r = poll(&p, 1, ms_left(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    return r > 0;
  }
}

int fossc_net_connect(const fossc_addr *a, int timeout_ms, int *out_fd,
                      fossc_error *err) {
  char port[8];
  snprintf(port, sizeof port, "%u", (unsigned)a->port);
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int gr = getaddrinfo(a->host, port, &hints, &res);
  if (gr != 0)
    return fossc_error_set(err, FOSSC_ERR_IO, "cannot connect to %s:%u: %s",
                           a->host, (unsigned)a->port, gai_strerror(gr));
  uint64_t deadline = deadline_of(timeout_ms);
  int last = ECONNREFUSED;
  for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
    if (fd < 0) {
      last = errno;
      continue;
    }
    int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (r != 0 && errno == EINPROGRESS) {
      int w = wait_fd(fd, POLLOUT, deadline);
      if (w == 0) {
        last = ETIMEDOUT;
        r = -1;
      } else if (w < 0) {
        last = errno;
        r = -1;
      } else {
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) soerr = errno;
        r = soerr ? -1 : 0;
        if (soerr) last = soerr;
      }
    } else if (r != 0) {
      last = errno;
    }
    if (r == 0) {
      int one = 1;
      /* Requests and replies are small lines: do not wait for Nagle. */
      (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      freeaddrinfo(res);
      *out_fd = fd;
      return FOSSC_OK;
    }
    close(fd);
  }
  freeaddrinfo(res);
  return fossc_error_set(err, FOSSC_ERR_IO, "cannot connect to %s:%u: %s",
                         a->host, (unsigned)a->port,
                         last == ETIMEDOUT ? "Connection timed out"
                                           : strerror(last));
}

int fossc_net_write_all(int fd, const void *p, size_t n, int timeout_ms,
                        fossc_error *err) {
  const char *c = p;
  uint64_t deadline = deadline_of(timeout_ms);
  while (n > 0) {
    ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
    if (w > 0) {
      c += w;
      n -= (size_t)w;
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == ENOTSOCK) { /* a pipe */
      w = write(fd, c, n);
      if (w > 0) {
        c += w;
        n -= (size_t)w;
        continue;
      }
    }
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      int r = wait_fd(fd, POLLOUT, deadline);
      if (r == 0) return fossc_error_set(err, FOSSC_ERR_IO, "write timed out");
      if (r < 0)
        return fossc_error_set(err, FOSSC_ERR_IO, "poll: %s", strerror(errno));
      continue;
    }
    return fossc_error_set(err, FOSSC_ERR_IO, "write: %s",
                           w < 0 ? strerror(errno) : "nothing written");
  }
  return FOSSC_OK;
}

/* ----------------------------------------------------------- line reader */
/* Bytes asked of read() at a time: a typical reply fits in one call. */
#define LR_CHUNK 65536

struct fossc_linereader {
  int fd;
  size_t max_line;
  fossc_buf buf;   /* data[start..len) is unread */
  size_t start;
  size_t scanned;  /* data[start..scanned) holds no \n */
  fossc_lr_state state;
};

int fossc_linereader_create(int fd, size_t max_line, fossc_linereader **out,
                            fossc_error *err) {
  fossc_linereader *r = fossc_calloc(1, sizeof *r);
  if (!r) return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  r->fd = fd;
  r->max_line = max_line ? max_line : FOSSC_NET_MAX_REPLY;
  *out = r;
  return FOSSC_OK;
}

void fossc_linereader_free(fossc_linereader *r) {
  if (!r) return;
  fossc_buf_free(&r->buf);
  fossc_free(r);
}

fossc_lr_state fossc_linereader_state(const fossc_linereader *r) {
  return r->state;
}

size_t fossc_linereader_pending(const fossc_linereader *r) {
  return r->buf.len - r->start;
}

/* Reads more bytes within deadline. Returns FOSSC_OK or an error with
** r->state set. */
static int fill(fossc_linereader *r, uint64_t deadline, fossc_error *err) {
  if (r->start > 0 && r->start == r->buf.len) {
    r->buf.len = r->start = r->scanned = 0;
  } else if (r->start > r->buf.len / 2) {
    /* Keep the buffer from creeping: move the unread tail to the front. */
    size_t n = r->buf.len - r->start;
    memmove(r->buf.data, r->buf.data + r->start, n);
    r->scanned -= r->start;
    r->buf.len = n;
    r->start = 0;
  }
  if (fossc_buf_reserve(&r->buf, LR_CHUNK + 1) != 0) {
    r->state = FOSSC_LR_ERROR;
    return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  }
  for (;;) {
    ssize_t n = read(r->fd, r->buf.data + r->buf.len, LR_CHUNK);
    if (n > 0) {
      r->buf.len += (size_t)n;
      return FOSSC_OK;
    }
    if (n == 0) {
      r->state = FOSSC_LR_EOF;
      return fossc_error_set(err, FOSSC_ERR_IO, "connection closed by peer");
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      int w = wait_fd(r->fd, POLLIN, deadline);
      if (w > 0) continue;
      if (w == 0) {
        r->state = FOSSC_LR_TIMEOUT;
        return fossc_error_set(err, FOSSC_ERR_IO, "timed out waiting for reply");
      }
    }
    r->state = errno == ECONNRESET ? FOSSC_LR_EOF : FOSSC_LR_ERROR;
    return fossc_error_set(err, FOSSC_ERR_IO, "read: %s", strerror(errno));
  }
}

int fossc_linereader_line(fossc_linereader *r, int timeout_ms,
                          const char **line, size_t *len, fossc_error *err) {
  uint64_t deadline = deadline_of(timeout_ms);
  r->state = FOSSC_LR_OK;
  for (;;) {
    if (r->scanned < r->start) r->scanned = r->start;
    char *nl = r->buf.len > r->scanned
                   ? memchr(r->buf.data + r->scanned, '\n',
                            r->buf.len - r->scanned)
                   : NULL;
    if (nl) {
      char *s = r->buf.data + r->start;
      size_t n = (size_t)(nl - s);
      r->start = r->scanned = (size_t)(nl - r->buf.data) + 1;
      if (n > 0 && s[n - 1] == '\r') n--;
      s[n] = '\0';
      *line = s;
      *len = n;
      return FOSSC_OK;
    }
    r->scanned = r->buf.len;
    if (r->buf.len - r->start > r->max_line + 1) {
      r->state = FOSSC_LR_TOO_LONG;
      return fossc_error_set(err, FOSSC_ERR_LIMIT,
                             "line longer than %zu bytes", r->max_line);
    }
    int rc = fill(r, deadline, err);
    if (rc != FOSSC_OK) return rc;
  }
}

int fossc_linereader_bytes(fossc_linereader *r, size_t n, int timeout_ms,
                           const char **data, fossc_error *err) {
  uint64_t deadline = deadline_of(timeout_ms);
  r->state = FOSSC_LR_OK;
  if (n > r->max_line) {
    r->state = FOSSC_LR_TOO_LONG;
    return fossc_error_set(err, FOSSC_ERR_LIMIT, "%zu bytes is over the limit",
                           n);
  }
  while (r->buf.len - r->start < n) {
    if (fossc_buf_reserve(&r->buf, n - (r->buf.len - r->start)) != 0) {
      r->state = FOSSC_LR_ERROR;
      return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
    }
    int rc = fill(r, deadline, err);
    if (rc != FOSSC_OK) return rc;
  }
  /* fill() may have moved data; the slot after the n bytes is in the buffer
  ** (reserve keeps one spare byte), but it may be the next line's first
  ** byte, so no NUL is written. */
  *data = r->buf.data + r->start;
  r->start += n;
  return FOSSC_OK;
}
