/*
** fossc-searchd: serves an index over the line protocol of
** docs/protocol.md. This file: options, startup, the listener (main thread),
** signals (SIGHUP reload, SIGTERM/SIGINT graceful stop), reload, logging.
*/
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "searchd.h"
#include "typo.h"

void fossc_sd_log(const char *fmt, ...) {
  char line[1024];
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
  n += (size_t)snprintf(line + n, sizeof line - n, ".%03ldZ fossc-searchd[%ld]: ",
                        ts.tv_nsec / 1000000, (long)getpid());
  va_list ap;
  va_start(ap, fmt);
  if (n < sizeof line) vsnprintf(line + n, sizeof line - n, fmt, ap);
  va_end(ap);
  n = strlen(line);
  if (n > sizeof line - 2) n = sizeof line - 2;
  line[n++] = '\n';
  /* One write per line so lines from several threads never interleave. */
  fwrite(line, 1, n, stderr);
  fflush(stderr);
}

fossc_index *fossc_sd_acquire_index_gen(fossc_sd_server *srv, uint64_t *gen) {
  pthread_mutex_lock(&srv->index_lock);
  fossc_index *ix = fossc_index_retain(srv->index);
  *gen = srv->index_gen;
  pthread_mutex_unlock(&srv->index_lock);
  return ix;
}

fossc_index *fossc_sd_acquire_index(fossc_sd_server *srv) {
  uint64_t gen;
  return fossc_sd_acquire_index_gen(srv, &gen);
}

/* Builds what the first query of some kind would otherwise build on the
** index it runs on (typo.c's suffix and rest orders: 30-40 ms each on the
** medium corpus), before the index serves, so that no client waits for
** them. Without memory for them, typo corrections take the slower walk:
** nothing to report. */
static void warm_index(const fossc_index *ix) {
  (void)fossc_typo_suffix_order(ix, NULL);
  (void)fossc_typo_rest_order(ix, NULL);
}

int fossc_sd_reload(fossc_sd_server *srv, const char *why, uint32_t *docs,
                    fossc_error *err) {
  pthread_mutex_lock(&srv->reload_lock);
  fossc_index *nix = NULL;
  int rc = fossc_index_open(srv->index_dir, &nix, err);
  if (rc != FOSSC_OK) {
    atomic_fetch_add(&srv->reload_failures, 1);
    fossc_sd_log("reload (%s) failed, still serving the previous index: %s",
                 why, err ? err->msg : fossc_strerror(rc));
    pthread_mutex_unlock(&srv->reload_lock);
    return rc;
  }
  warm_index(nix);
  pthread_mutex_lock(&srv->index_lock);
  fossc_index *old = srv->index;
  srv->index = nix;
  srv->index_gen++;
  pthread_mutex_unlock(&srv->index_lock);
  /* Queries in flight hold their own reference to the old index. */
  fossc_index_free(old);
  atomic_fetch_add(&srv->reloads, 1);
  uint32_t n = fossc_index_doc_count(nix);
  fossc_sd_log("reloaded (%s): %s, %u docs", why, fossc_index_path(nix),
               (unsigned)n);
  if (docs) *docs = n;
  pthread_mutex_unlock(&srv->reload_lock);
  return FOSSC_OK;
}

/* ---------------------------------------------------------------- listener */
typedef struct {
  fossc_sd_server *srv;
  struct event_base *base;
  struct evconnlistener *listener;
} main_ctx;

static void peer_name(const struct sockaddr *sa, char *out, size_t cap) {
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
    port = ntohs(s4->sin_port);
    snprintf(out, cap, "%s:%u", host, port);
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
    port = ntohs(s6->sin6_port);
    snprintf(out, cap, "[%s]:%u", host, port);
  } else {
    snprintf(out, cap, "?");
  }
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd,
                      struct sockaddr *sa, int salen, void *arg) {
  main_ctx *m = arg;
  fossc_sd_server *srv = m->srv;
  (void)l;
  (void)salen;
  if (atomic_load(&srv->shutting_down)) {
    evutil_closesocket(fd);
    return;
  }
  if (atomic_load(&srv->conns_current) >= srv->max_conns) {
    static const char msg[] = "ERR UNAVAILABLE too many connections\n";
    atomic_fetch_add(&srv->conns_rejected, 1);
    (void)!send(fd, msg, sizeof msg - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    /* Half-close and drop what the client already sent, so that close()
    ** does not reset the connection before it has read the reply. */
    shutdown(fd, SHUT_WR);
    char sink[512];
    while (recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {
    }
    evutil_closesocket(fd);
    return;
  }
  char peer[64];
  peer_name(sa, peer, sizeof peer);
  atomic_fetch_add(&srv->conns_current, 1);
  atomic_fetch_add(&srv->conns_total, 1);
  fossc_sd_dispatch(srv, fd, peer);
}

static void accept_error_cb(struct evconnlistener *l, void *arg) {
  (void)l;
  (void)arg;
  /* EMFILE and the like: logged, the listener keeps going. */
  fossc_sd_log("accept: %s", strerror(errno));
}

static void sigterm_cb(evutil_socket_t sig, short what, void *arg) {
  main_ctx *m = arg;
  (void)what;
  fossc_sd_log("%s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  atomic_store(&m->srv->shutting_down, 1);
  if (m->listener) {
    evconnlistener_free(m->listener);
    m->listener = NULL;
  }
  event_base_loopbreak(m->base);
}

static void sighup_cb(evutil_socket_t sig, short what, void *arg) {
  main_ctx *m = arg;
  (void)sig;
  (void)what;
  fossc_error err;
  fossc_error_clear(&err);
  (void)fossc_sd_reload(m->srv, "SIGHUP", NULL, &err);
}

/* ---------------------------------------------------------------- options */
static void usage(FILE *f) {
  fprintf(f,
          "usage: fossc-searchd [options]\n"
          "  --index DIR          index folder (default ./index)\n"
          "  --listen HOST:PORT   address (default %s; port 0 = any free)\n"
          "  --threads N          worker threads (default: number of cores)\n"
          "  --port-file FILE     write the bound port to FILE (for tests)\n"
          "  --max-conns N        open connections cap (default %d)\n"
          "  --idle-timeout S     close idle connections after S s (default %d)\n"
          "  --cache-mb N         result cache in MiB, all threads (default %d; 0 = off)\n"
          "  --help, --version\n"
          "Protocol: docs/protocol.md; try `echo HELP | nc 127.0.0.1 %d`.\n"
          "Signals: SIGHUP reopens the index, SIGTERM/SIGINT stop gracefully.\n",
          FOSSC_DEFAULT_ADDR, FOSSC_MAX_CONNS, FOSSC_IDLE_TIMEOUT_S,
          FOSSC_DEFAULT_CACHE_MB, FOSSC_DEFAULT_PORT);
}

static int parse_uint(const char *s, unsigned long lo, unsigned long hi,
                      unsigned long *out) {
  char *e;
  errno = 0;
  if (!s || !*s || *s == '-' || *s == '+') return -1;
  unsigned long v = strtoul(s, &e, 10);
  if (*e || errno || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

static int write_port_file(const char *path, unsigned port) {
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return -1;
  FILE *f = fopen(tmp, "w");
  if (!f) return -1;
  fprintf(f, "%u\n", port);
  if (fclose(f) != 0) return -1;
  /* Atomic: a reader polling for the file never sees it half-written. */
  return rename(tmp, path);
}

int main(int argc, char **argv) {
  const char *index_dir = "index", *listen_at = FOSSC_DEFAULT_ADDR;
  const char *port_file = NULL;
  unsigned long threads = 0, max_conns = FOSSC_MAX_CONNS,
                idle = FOSSC_IDLE_TIMEOUT_S, cache_mb = FOSSC_DEFAULT_CACHE_MB;
  static const struct option longopts[] = {
      {"index", required_argument, NULL, 'i'},
      {"listen", required_argument, NULL, 'l'},
      {"threads", required_argument, NULL, 't'},
      {"port-file", required_argument, NULL, 'p'},
      {"max-conns", required_argument, NULL, 'm'},
      {"idle-timeout", required_argument, NULL, 'T'},
      {"cache-mb", required_argument, NULL, 'c'},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},
      {NULL, 0, NULL, 0}};
  int opt;
  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (opt) {
      case 'i': index_dir = optarg; break;
      case 'l': listen_at = optarg; break;
      case 'p': port_file = optarg; break;
      case 't':
        if (parse_uint(optarg, 1, FOSSC_MAX_THREADS, &threads) != 0) {
          fprintf(stderr, "fossc-searchd: --threads must be 1..%d\n",
                  FOSSC_MAX_THREADS);
          return 2;
        }
        break;
      case 'm':
        if (parse_uint(optarg, 1, 1000000, &max_conns) != 0) {
          fprintf(stderr, "fossc-searchd: --max-conns must be 1..1000000\n");
          return 2;
        }
        break;
      case 'T':
        if (parse_uint(optarg, 1, 86400 * 7, &idle) != 0) {
          fprintf(stderr, "fossc-searchd: --idle-timeout must be 1..604800\n");
          return 2;
        }
        break;
      case 'c':
        if (parse_uint(optarg, 0, FOSSC_MAX_CACHE_MB, &cache_mb) != 0) {
          fprintf(stderr, "fossc-searchd: --cache-mb must be 0..%d\n",
                  FOSSC_MAX_CACHE_MB);
          return 2;
        }
        break;
      case 'h': usage(stdout); return 0;
      case 'V': printf("fossc-searchd %s\n", FOSSC_VERSION_STRING); return 0;
      default: usage(stderr); return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "fossc-searchd: unexpected argument '%s'\n", argv[optind]);
    usage(stderr);
    return 2;
  }
  if (!threads) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    threads = n < 1 ? 1 : (n > FOSSC_MAX_THREADS ? FOSSC_MAX_THREADS : (unsigned long)n);
  }
  fossc_error err;
  fossc_error_clear(&err);
  fossc_addr addr;
  if (fossc_addr_parse(listen_at, FOSSC_DEFAULT_PORT, &addr, &err) != FOSSC_OK) {
    fprintf(stderr, "fossc-searchd: --listen: %s\n", err.msg);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);

  static fossc_sd_server srv; /* static: zeroed, lives until exit */
  srv.index_dir = index_dir;
  srv.nthreads = (unsigned)threads;
  srv.max_conns = (unsigned)max_conns;
  srv.idle_timeout_s = (int)idle;
  srv.cache_bytes = (size_t)cache_mb << 20;
  srv.start_us = fossc_now_us();
  pthread_mutex_init(&srv.index_lock, NULL);
  pthread_mutex_init(&srv.reload_lock, NULL);

  if (fossc_index_open(index_dir, &srv.index, &err) != FOSSC_OK) {
    fprintf(stderr, "fossc-searchd: cannot open index %s: %s\n", index_dir,
            err.msg);
    return 2;
  }
  warm_index(srv.index);
  int status = 2;
  main_ctx m = {&srv, NULL, NULL};
  struct event *sigs[3] = {NULL, NULL, NULL};
  struct addrinfo *ai = NULL;
  evthread_use_pthreads();
  m.base = event_base_new();
  if (!m.base) {
    fprintf(stderr, "fossc-searchd: cannot create event base\n");
    goto out;
  }
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  char portstr[8];
  snprintf(portstr, sizeof portstr, "%u", (unsigned)addr.port);
  int gr = getaddrinfo(addr.host, portstr, &hints, &ai);
  if (gr != 0) {
    fprintf(stderr, "fossc-searchd: cannot listen on %s: %s\n", listen_at,
            gai_strerror(gr));
    goto out;
  }
  m.listener = evconnlistener_new_bind(
      m.base, accept_cb, &m,
      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
      FOSSC_LISTEN_BACKLOG, ai->ai_addr, (int)ai->ai_addrlen);
  if (!m.listener) {
    fprintf(stderr, "fossc-searchd: cannot listen on %s: %s\n", listen_at,
            strerror(errno));
    goto out;
  }
  evconnlistener_set_error_cb(m.listener, accept_error_cb);
  struct sockaddr_storage bound;
  socklen_t blen = sizeof bound;
  unsigned port = addr.port;
  if (getsockname(evconnlistener_get_fd(m.listener), (struct sockaddr *)&bound,
                  &blen) == 0)
    port = bound.ss_family == AF_INET6
               ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
               : ntohs(((struct sockaddr_in *)&bound)->sin_port);
  if (fossc_sd_workers_start(&srv, &err) != FOSSC_OK) {
    fprintf(stderr, "fossc-searchd: %s\n", err.msg);
    goto out;
  }
  sigs[0] = evsignal_new(m.base, SIGTERM, sigterm_cb, &m);
  sigs[1] = evsignal_new(m.base, SIGINT, sigterm_cb, &m);
  sigs[2] = evsignal_new(m.base, SIGHUP, sighup_cb, &m);
  for (int i = 0; i < 3; i++) {
    if (!sigs[i] || event_add(sigs[i], NULL) != 0) {
      fprintf(stderr, "fossc-searchd: cannot install signal handlers\n");
      goto out;
    }
  }
  if (port_file && write_port_file(port_file, port) != 0) {
    fprintf(stderr, "fossc-searchd: cannot write %s: %s\n", port_file,
            strerror(errno));
    goto out;
  }
  fossc_sd_log("listening on %s%s%s:%u, %u threads, index %s (%u docs)",
               strchr(addr.host, ':') ? "[" : "", addr.host,
               strchr(addr.host, ':') ? "]" : "", port, srv.nthreads,
               fossc_index_path(srv.index),
               (unsigned)fossc_index_doc_count(srv.index));
  event_base_loop(m.base, EVLOOP_NO_EXIT_ON_EMPTY);
  status = 0;

out:
  if (m.listener) evconnlistener_free(m.listener);
  atomic_store(&srv.shutting_down, 1);
  fossc_sd_workers_stop(&srv);
  for (int i = 0; i < 3; i++)
    if (sigs[i]) event_free(sigs[i]);
  if (m.base) event_base_free(m.base);
  if (ai) freeaddrinfo(ai);
  fossc_index_free(srv.index);
  pthread_mutex_destroy(&srv.index_lock);
  pthread_mutex_destroy(&srv.reload_lock);
  if (status == 0) {
    fossc_sd_log("stopped: %llu connections, %llu requests served",
                 (unsigned long long)atomic_load(&srv.conns_total),
                 (unsigned long long)atomic_load(&srv.requests));
  }
  libevent_global_shutdown();
  return status;
}
