/*
** Small blocking-with-deadline network helpers shared by fossc-query, the
** daemon (address parsing) and the integration tests: "HOST:PORT" parsing,
** TCP connect with a timeout, writing everything with a timeout, and a line
** reader with a timeout. Every wait is bounded by poll(); no signals, no
** global state.
*/
#ifndef FOSSC_NET_H
#define FOSSC_NET_H

#include "common.h"

/* The daemon's documented default port: above 1024 (no privileges needed),
** unassigned by IANA, and easy to type. */
#define FOSSC_DEFAULT_PORT 7117
#define FOSSC_DEFAULT_ADDR "127.0.0.1:7117"
/* Host names longer than this are refused: DNS names stop at 253 bytes. */
#define FOSSC_MAX_HOST 256
/* Longest reply line a client accepts: a JSON reply of FOSSC_MAX_LIMIT hits
** with snippets and explanations stays far below; past it the peer is not a
** fossc daemon, or is broken. */
#define FOSSC_NET_MAX_REPLY (64u << 20)

typedef struct fossc_addr {
  char host[FOSSC_MAX_HOST]; /* without [] for IPv6 literals */
  uint16_t port;
} fossc_addr;

/* Parses "HOST:PORT", "[V6ADDR]:PORT" or "HOST" (then default_port). Port 0
** is accepted (ephemeral, for listening). Returns FOSSC_OK or FOSSC_ERR_ARG
** with a message. */
int fossc_addr_parse(const char *s, uint16_t default_port, fossc_addr *out,
                     fossc_error *err);

/* Connects to a over TCP within timeout_ms (< 0: no limit). On success *out_fd
** is a connected non-blocking socket owned by the caller. On failure returns
** FOSSC_ERR_IO and err->msg reads "cannot connect to HOST:PORT: <reason>". */
int fossc_net_connect(const fossc_addr *a, int timeout_ms, int *out_fd,
                      fossc_error *err);

/* Writes all of p[0..n) to fd within timeout_ms (< 0: no limit). Returns
** FOSSC_OK or FOSSC_ERR_IO (timeout, reset, closed). */
int fossc_net_write_all(int fd, const void *p, size_t n, int timeout_ms,
                        fossc_error *err);

/* ---- line reader over a socket (or pipe). */
typedef struct fossc_linereader fossc_linereader;

typedef enum fossc_lr_state {
  FOSSC_LR_OK = 0,
  FOSSC_LR_EOF,     /* the peer closed: no more lines */
  FOSSC_LR_TIMEOUT, /* the deadline passed; data read so far is kept */
  FOSSC_LR_TOO_LONG,
  FOSSC_LR_ERROR
} fossc_lr_state;

/* Creates a reader on fd (not owned: the caller closes it) refusing lines
** longer than max_line bytes (0 = FOSSC_NET_MAX_REPLY). */
int fossc_linereader_create(int fd, size_t max_line, fossc_linereader **out,
                            fossc_error *err);
void fossc_linereader_free(fossc_linereader *r);

/* Reads one line within timeout_ms (< 0: no limit). On FOSSC_OK *line points
** at its bytes without the \n or \r\n (NUL-terminated, owned by r, valid until
** the next call) and *len is its length. Otherwise returns FOSSC_ERR_IO (EOF,
** timeout, read error) or FOSSC_ERR_LIMIT; fossc_linereader_state says which. */
int fossc_linereader_line(fossc_linereader *r, int timeout_ms,
                          const char **line, size_t *len, fossc_error *err);
/* Reads exactly n bytes (e.g. a GET body) within timeout_ms; same contract. */
int fossc_linereader_bytes(fossc_linereader *r, size_t n, int timeout_ms,
                           const char **data, fossc_error *err);
/* What the last call ended with. */
fossc_lr_state fossc_linereader_state(const fossc_linereader *r);
/* Bytes received but not yet returned. */
size_t fossc_linereader_pending(const fossc_linereader *r);

#endif /* FOSSC_NET_H */
