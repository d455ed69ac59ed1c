/*
** One client connection: a bufferevent plus an explicit state, driven by
** drive_machine() from every callback (read, write, event, resume timer).
**
** States (enum conn_state):
**   CONN_READ     waiting for a complete request line. Entered after each
**                 request; drive_machine looks for a line in the input buffer
**                 and, when none is complete, returns until more arrives.
**   CONN_PROCESS  a complete line is at the head of the input buffer: parse
**                 it, run the command, drop the line, and send the reply:
**                 straight to the socket when nothing is queued before it and
**                 no further request is buffered (send_reply), else appended
**                 to the output buffer. Back to CONN_READ (or CONN_CLOSING).
**   CONN_BLOCKED  pending output exceeds FOSSC_MAX_OUTPUT: reading stops
**                 (TCP pushes back on the client) until the output drains
**                 below FOSSC_OUTPUT_RESUME; the write callback resumes.
**   CONN_YIELD    FOSSC_REQS_PER_EVENT requests were served in this turn and
**                 more input is buffered: a zero timeout re-runs the
**                 connection after the loop has polled the others.
**   CONN_CLOSING  nothing more will be read (QUIT, fatal protocol error,
**                 client EOF, shutdown): the output is flushed, then the
**                 connection is freed. The write timeout bounds the flush.
*/
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "searchd.h"

enum conn_state {
  CONN_READ,
  CONN_PROCESS,
  CONN_BLOCKED,
  CONN_YIELD,
  CONN_CLOSING
};

struct fossc_sd_conn {
  fossc_sd_worker *w;
  struct bufferevent *bev;
  struct event *resume; /* zero-timeout timer for CONN_YIELD */
  enum conn_state state;
  fossc_format fmt;    /* the connection's default reply format */
  unsigned bad_lines;  /* consecutive error replies */
  int eof;             /* no more input will come (client EOF or shutdown) */
  int draining;        /* shutdown: a partial last line is dropped, not run */
  size_t line_len;     /* CONN_PROCESS: bytes of the line, \n included */
  char peer[64];
  fossc_sd_conn *prev, *next;
};

static void drive_machine(fossc_sd_conn *c);

static void conn_free(fossc_sd_conn *c) {
  fossc_sd_worker *w = c->w;
  if (c->prev) {
    c->prev->next = c->next;
  } else {
    w->conns = c->next;
  }
  if (c->next) c->next->prev = c->prev;
  if (c->resume) event_free(c->resume);
  if (c->bev) bufferevent_free(c->bev); /* closes the socket */
  atomic_fetch_sub(&w->srv->conns_current, 1);
  fossc_free(c);
  if (w->stopping && !w->conns) event_base_loopbreak(w->base);
}

static void set_closing(fossc_sd_conn *c) {
  c->state = CONN_CLOSING;
  bufferevent_disable(c->bev, EV_READ);
  /* Wake the write callback only when everything is flushed. */
  bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
}

static void read_cb(struct bufferevent *bev, void *arg) {
  (void)bev;
  drive_machine(arg);
}

static void write_cb(struct bufferevent *bev, void *arg) {
  (void)bev;
  drive_machine(arg);
}

static void event_cb(struct bufferevent *bev, short what, void *arg) {
  fossc_sd_conn *c = arg;
  (void)bev;
  if (what & BEV_EVENT_EOF) {
    c->eof = 1;
    drive_machine(c);
    return;
  }
  /* Errors (reset by peer) and timeouts (idle, or output not draining):
  ** nothing more can be delivered. */
  conn_free(c);
}

static void resume_cb(evutil_socket_t fd, short what, void *arg) {
  fossc_sd_conn *c = arg;
  (void)fd;
  (void)what;
  if (c->state == CONN_YIELD) c->state = CONN_READ;
  drive_machine(c);
}

void fossc_sd_conn_new(fossc_sd_worker *w, int fd, const char *peer) {
  fossc_sd_server *srv = w->srv;
  fossc_sd_conn *c = fossc_calloc(1, sizeof *c);
  if (c) {
    c->w = w;
    c->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
    c->resume = evtimer_new(w->base, resume_cb, c);
  }
  if (!c || !c->bev || !c->resume) {
    fossc_sd_log("out of memory accepting %s", peer);
    if (c && c->resume) event_free(c->resume);
    if (c && c->bev) {
      bufferevent_free(c->bev);
    } else {
      close(fd);
    }
    fossc_free(c);
    atomic_fetch_sub(&srv->conns_current, 1);
    return;
  }
  snprintf(c->peer, sizeof c->peer, "%s", peer);
  c->state = CONN_READ;
  c->next = w->conns;
  if (w->conns) w->conns->prev = c;
  w->conns = c;
  struct timeval tv = {srv->idle_timeout_s, 0};
  bufferevent_set_timeouts(c->bev, &tv, &tv);
  bufferevent_setwatermark(c->bev, EV_READ, 0, FOSSC_MAX_INPUT);
  bufferevent_setwatermark(c->bev, EV_WRITE, FOSSC_OUTPUT_RESUME, 0);
  bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
  bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* ------------------------------------------------------------ commands */

/* Logs why a connection is being closed with a sample of its input. */
static void log_close(fossc_sd_conn *c, const char *why, const char *data,
                      size_t n) {
  fossc_sd_worker *w = c->w;
  fossc_sd_log("closing %s: %s; input: \"%s\"", c->peer, why,
               fossc_proto_sample(&w->scratch, data, n, FOSSC_LOG_SAMPLE));
}

/* Runs the request on line[0..len) and appends the reply to w->out.
** Returns 0, 1 if the reply is an error, 2 if the connection must close. */
static int run_request(fossc_sd_conn *c, const char *line, size_t len) {
  fossc_sd_worker *w = c->w;
  fossc_sd_server *srv = w->srv;
  fossc_buf *out = &w->out;
  fossc_request req;
  fossc_error err;
  fossc_error_clear(&err);
  if (fossc_proto_parse(line, len, c->fmt, &req, &err) != FOSSC_OK) {
    fossc_proto_render_error(out, req.format, req.error, err.msg);
    /* A line just past the limit (a \r-less line of FOSSC_MAX_LINE + 1) is
    ** as fatal as one with no \n at all. */
    return req.error == FOSSC_PERR_TOO_LONG ? 2 : 1;
  }
  if (req.cmd == FOSSC_CMD_NONE) return 0;
  atomic_fetch_add(&srv->requests, 1);
  int failed = 0;
  switch (req.cmd) {
    case FOSSC_CMD_NONE: break;
    case FOSSC_CMD_PING: fossc_proto_render_pong(out, req.format); break;
    case FOSSC_CMD_HELP: fossc_proto_render_help(out, req.format); break;
    case FOSSC_CMD_FORMAT:
      c->fmt = req.new_format;
      fossc_proto_render_format(out, req.format);
      break;
    case FOSSC_CMD_QUIT:
      fossc_proto_render_bye(out, req.format);
      set_closing(c);
      break;
    case FOSSC_CMD_SEARCH:
    case FOSSC_CMD_EXPLAIN: {
      uint64_t gen, t0 = fossc_now_us();
      fossc_index *ix = fossc_sd_acquire_index_gen(srv, &gen);
      const char *hit;
      size_t hit_len, took_at;
      fossc_buf_reset(&w->key);
      int keyed = w->cache && fossc_rcache_key(&req, &w->key) == 0 && !w->key.oom;
      if (keyed && fossc_rcache_get(w->cache, gen, w->key.data, w->key.len, &hit,
                                    &hit_len, &took_at)) {
        fossc_proto_render_cached(out, hit, hit_len, took_at, fossc_now_us() - t0);
        fossc_index_free(ix);
        atomic_fetch_add(&srv->cache_hits, 1);
        break;
      }
      if (keyed) atomic_fetch_add(&srv->cache_misses, 1);
      fossc_results res;
      int rc = fossc_search(w->searcher, ix, &req.search, &res, &err);
      if (rc == FOSSC_OK) {
        size_t start = out->len;
        fossc_proto_render_results(out, req.format, &res, req.search.offset,
                                   req.search.explain, req.ids_only);
        if (keyed && !out->oom)
          fossc_rcache_put(w->cache, gen, w->key.data, w->key.len, out->data + start,
                           out->len - start,
                           fossc_proto_took_at(out->data + start, out->len - start,
                                               req.format));
        if (keyed) {
          fossc_rcache_stats cs;
          fossc_rcache_get_stats(w->cache, &cs);
          atomic_store(&w->cache_entries, cs.entries);
          atomic_store(&w->cache_bytes, cs.bytes);
        }
      } else {
        fossc_proto_render_error(out, req.format,
                                 fossc_proto_err_from_status(rc), err.msg);
        failed = 1;
      }
      fossc_index_free(ix); /* after rendering: hits may point into it */
      break;
    }
    case FOSSC_CMD_GET: {
      fossc_index *ix = fossc_sd_acquire_index(srv);
      fossc_docview doc;
      int rc = fossc_search_get(w->searcher, ix, req.arg, req.arg_len, &doc,
                                &err);
      if (rc == FOSSC_OK) {
        fossc_proto_render_doc(out, req.format, &doc);
      } else {
        fossc_proto_render_error(out, req.format,
                                 fossc_proto_err_from_status(rc), err.msg);
        failed = 1;
      }
      fossc_index_free(ix);
      break;
    }
    case FOSSC_CMD_STATS: {
      fossc_index *ix = fossc_sd_acquire_index(srv);
      fossc_proto_stats st;
      memset(&st, 0, sizeof st);
      st.uptime_s = (fossc_now_us() - srv->start_us) / 1000000;
      st.conns_current = atomic_load(&srv->conns_current);
      st.conns_total = atomic_load(&srv->conns_total);
      st.conns_rejected = atomic_load(&srv->conns_rejected);
      st.requests = atomic_load(&srv->requests);
      st.errors = atomic_load(&srv->errors);
      st.reloads = atomic_load(&srv->reloads);
      st.reload_failures = atomic_load(&srv->reload_failures);
      st.cache_hits = atomic_load(&srv->cache_hits);
      st.cache_misses = atomic_load(&srv->cache_misses);
      st.cache_max_bytes = srv->cache_bytes;
      for (unsigned i = 0; i < srv->nthreads; i++) {
        st.cache_entries += atomic_load(&srv->workers[i].cache_entries);
        st.cache_bytes += atomic_load(&srv->workers[i].cache_bytes);
      }
      st.threads = srv->nthreads;
      st.docs = fossc_index_doc_count(ix);
      st.index_dir = srv->index_dir;
      st.index_path = fossc_index_path(ix);
      fossc_buf_reset(&w->scratch);
      fossc_index_stats_json(ix, &w->scratch);
      fossc_proto_render_stats(out, req.format, &st,
                               w->scratch.oom ? NULL : w->scratch.data,
                               w->scratch.oom ? 0 : w->scratch.len);
      fossc_index_free(ix);
      break;
    }
    case FOSSC_CMD_RELOAD: {
      uint32_t docs = 0;
      char why[96];
      snprintf(why, sizeof why, "RELOAD from %s", c->peer);
      if (fossc_sd_reload(srv, why, &docs, &err) == FOSSC_OK) {
        fossc_proto_render_reloaded(out, req.format, docs);
      } else {
        char msg[FOSSC_ERRMSG_MAX + 64];
        snprintf(msg, sizeof msg, "%s (still serving the previous index)",
                 err.msg);
        fossc_proto_render_error(out, req.format, FOSSC_PERR_RELOAD_FAILED,
                                 msg);
        failed = 1;
      }
      break;
    }
  }
  return failed;
}

/* Sends a reply. A request answered with nothing queued before it and no
** other request waiting (one client, one request at a time: the common
** case) goes straight to the socket, as memcached's transmit does: handing
** it to the bufferevent would cost an epoll_ctl to watch for writability,
** a second epoll_wait and another epoll_ctl to stop watching, three system
** calls per request. Whatever the socket does not take at once (a full
** send buffer, an error for the event callback to report) and every reply
** behind queued output or ahead of pipelined requests goes through the
** output buffer in order. */
static void send_reply(fossc_sd_conn *c, const char *data, size_t len) {
  struct evbuffer *in = bufferevent_get_input(c->bev);
  struct evbuffer *outb = bufferevent_get_output(c->bev);
  if (evbuffer_get_length(outb) == 0 && evbuffer_get_length(in) == 0) {
    ssize_t n = send(bufferevent_getfd(c->bev), data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n == (ssize_t)len) return;
    if (n > 0) {
      data += n;
      len -= (size_t)n;
    }
    /* n < 0: a full send buffer (EAGAIN), or an error the bufferevent's
    ** own write meets again and reports through event_cb */
  }
  bufferevent_write(c->bev, data, len);
}

/* Serves the complete line of c->line_len bytes at the head of the input. */
static void process_line(fossc_sd_conn *c) {
  fossc_sd_worker *w = c->w;
  struct evbuffer *in = bufferevent_get_input(c->bev);
  const char *line = (const char *)evbuffer_pullup(in, (ssize_t)c->line_len);
  size_t len = c->line_len - 1; /* without \n */
  fossc_buf_reset(&w->out);
  c->state = CONN_READ;
  int failed = line ? run_request(c, line, len) : 1;
  if (!line)
    fossc_proto_render_error(&w->out, c->fmt, FOSSC_PERR_INTERNAL, NULL);
  if (failed) {
    atomic_fetch_add(&w->srv->errors, 1);
    if (failed == 2) {
      log_close(c, "request line too long", line, len);
      set_closing(c);
    } else if (++c->bad_lines >= FOSSC_MAX_BAD_LINES) {
      fossc_proto_render_error(&w->out, c->fmt, FOSSC_PERR_TOO_MANY_ERRORS,
                               "too many consecutive errors, closing");
      if (line) log_close(c, "too many consecutive errors", line, len);
      set_closing(c);
    }
  } else if (len > 0) {
    c->bad_lines = 0;
  }
  if (w->out.oom) {
    fossc_buf_reset(&w->out);
    fossc_proto_render_error(&w->out, c->fmt, FOSSC_PERR_INTERNAL,
                             "out of memory");
  }
  evbuffer_drain(in, c->line_len);
  if (w->out.len) send_reply(c, w->out.data, w->out.len);
  /* Keep the scratch buffers from holding on to a huge reply forever. */
  if (w->out.cap > FOSSC_MAX_OUTPUT) fossc_buf_free(&w->out);
}

/* Handles input that holds no complete line within FOSSC_MAX_LINE. */
static void line_too_long(fossc_sd_conn *c, size_t have) {
  fossc_sd_worker *w = c->w;
  struct evbuffer *in = bufferevent_get_input(c->bev);
  size_t n = have < FOSSC_LOG_SAMPLE ? have : FOSSC_LOG_SAMPLE;
  const char *head = (const char *)evbuffer_pullup(in, (ssize_t)n);
  if (head) log_close(c, "request line too long", head, have);
  atomic_fetch_add(&w->srv->errors, 1);
  fossc_buf_reset(&w->out);
  char msg[96];
  snprintf(msg, sizeof msg, "request line longer than %d bytes, closing",
           FOSSC_MAX_LINE);
  fossc_proto_render_error(&w->out, c->fmt, FOSSC_PERR_TOO_LONG, msg);
  bufferevent_write(c->bev, w->out.data, w->out.len);
  evbuffer_drain(in, have);
  set_closing(c);
}

/* The connection's state machine; see the comment at the top. Frees c when
** it is done, so callers must not touch c afterwards. */
static void drive_machine(fossc_sd_conn *c) {
  int budget = FOSSC_REQS_PER_EVENT;
  for (;;) {
    struct evbuffer *in = bufferevent_get_input(c->bev);
    struct evbuffer *outb = bufferevent_get_output(c->bev);
    switch (c->state) {
      case CONN_READ: {
        if (evbuffer_get_length(outb) > FOSSC_MAX_OUTPUT) {
          c->state = CONN_BLOCKED;
          bufferevent_disable(c->bev, EV_READ);
          return;
        }
        size_t have = evbuffer_get_length(in);
        if (budget == 0) {
          if (have) {
            c->state = CONN_YIELD;
            static const struct timeval zero = {0, 0};
            evtimer_add(c->resume, &zero);
          }
          return;
        }
        size_t eol_len = 0;
        struct evbuffer_ptr p =
            evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
        if (p.pos >= 0 && (size_t)p.pos <= FOSSC_MAX_LINE + 1) {
          c->line_len = (size_t)p.pos + 1;
          c->state = CONN_PROCESS;
          break;
        }
        if (p.pos >= 0 || have > FOSSC_MAX_LINE + 1) {
          line_too_long(c, have);
          break;
        }
        if (c->eof) {
          /* A last line without \n is still a request when the client
          ** closed its side (nc without -N), not when the daemon stops. */
          if (have && !c->draining) {
            if (evbuffer_add(in, "\n", 1) == 0) break;
          }
          set_closing(c);
          break;
        }
        bufferevent_enable(c->bev, EV_READ);
        return;
      }
      case CONN_PROCESS:
        process_line(c);
        budget--;
        break;
      case CONN_BLOCKED:
        if (evbuffer_get_length(outb) > FOSSC_OUTPUT_RESUME) return;
        c->state = CONN_READ;
        if (!c->eof) bufferevent_enable(c->bev, EV_READ);
        break;
      case CONN_YIELD:
        return; /* resume_cb continues */
      case CONN_CLOSING:
        if (evbuffer_get_length(outb) == 0) conn_free(c);
        return;
    }
  }
}

void fossc_sd_conn_drain_all(fossc_sd_worker *w) {
  fossc_sd_conn *c = w->conns, *next;
  for (; c; c = next) {
    next = c->next;
    c->eof = 1;
    c->draining = 1;
    bufferevent_disable(c->bev, EV_READ);
    if (c->state == CONN_READ) drive_machine(c);
  }
}

void fossc_sd_conn_free_all(fossc_sd_worker *w) {
  int was = w->stopping;
  w->stopping = 0; /* no loopbreak from conn_free now */
  while (w->conns) conn_free(w->conns);
  w->stopping = was;
}
