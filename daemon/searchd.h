/*
** fossc-searchd internals. The layout follows memcached:
**   main.c   options, startup, the listener thread (accepts and hands each
**            connection to a worker), signals, reload, shutdown, logging;
**   thread.c worker threads: one event_base each, a locked queue of new
**            connections plus a notification event per worker;
**   conn.c   one connection: struct fossc_sd_conn with an explicit state,
**            driven by one function (drive_machine), running the commands.
*/
#ifndef FOSSC_SEARCHD_H
#define FOSSC_SEARCHD_H

#include <event2/event.h>
#include <pthread.h>
#include <stdatomic.h>

#include "common.h"
#include "index.h"
#include "protocol.h"
#include "rcache.h"
#include "search.h"

/* Requests served per connection per event before yielding to the others:
** a pipelining client cannot starve the rest of its worker's connections,
** and 20 keeps the per-turn overhead small (memcached's reqs_per_event). */
#define FOSSC_REQS_PER_EVENT 20
/* Pending output per connection past which its requests are no longer read
** until it drains: a client that pipelines but never reads cannot make the
** daemon grow. 4 MiB holds several maximal JSON replies. */
#define FOSSC_MAX_OUTPUT (4u << 20)
/* Reading resumes when pending output falls below this (hysteresis, so a
** slow reader does not flip the connection on every write). */
#define FOSSC_OUTPUT_RESUME (FOSSC_MAX_OUTPUT / 4)
/* Input buffered per connection: two maximal lines, so that whether the
** first line is too long can always be decided without reading more. */
#define FOSSC_MAX_INPUT (2u * FOSSC_MAX_LINE + 2)
/* Seconds without progress (nothing received, or output not draining)
** after which a connection is closed: long enough for a person typing at
** nc, short enough that abandoned connections do not pile up. */
#define FOSSC_IDLE_TIMEOUT_S 300
/* Default cap on open connections: each costs a socket and up to
** FOSSC_MAX_OUTPUT + FOSSC_MAX_INPUT of buffers in the worst case. */
#define FOSSC_MAX_CONNS 1024
/* --threads above this is refused: more threads than this cannot help a
** CPU-bound search on any machine the project targets. */
#define FOSSC_MAX_THREADS 256
/* Seconds SIGTERM waits for in-flight replies to flush before exiting. */
#define FOSSC_SHUTDOWN_GRACE_S 5
/* Bytes of offending input quoted in a log line (sanitised). */
#define FOSSC_LOG_SAMPLE 64
/* listen() backlog: absorbs bursts of connects while the listener thread
** is busy handing connections over. */
#define FOSSC_LISTEN_BACKLOG 511
/* Default result cache, split evenly between the workers: thousands of
** typical replies (a page of 10 hits with snippets is 2-4 KB), small beside
** the index. --cache-mb 0 turns it off (as the benchmarks do). */
#define FOSSC_DEFAULT_CACHE_MB 16
/* --cache-mb above this is refused: the cache is for repeated queries, not
** a copy of the index. */
#define FOSSC_MAX_CACHE_MB 65536

typedef struct fossc_sd_server fossc_sd_server;
typedef struct fossc_sd_worker fossc_sd_worker;
typedef struct fossc_sd_conn fossc_sd_conn;

/* A connection accepted by the listener, waiting in a worker's queue. */
typedef struct fossc_sd_newconn {
  int fd;
  char peer[64];
  struct fossc_sd_newconn *next;
} fossc_sd_newconn;

struct fossc_sd_worker {
  fossc_sd_server *srv;
  unsigned id;
  pthread_t tid;
  int started;
  struct event_base *base;
  struct event *notify; /* activated by other threads: queue or stop */
  pthread_mutex_t qlock;
  fossc_sd_newconn *qhead, *qtail; /* under qlock */
  int stop_requested;              /* under qlock */
  int stopping;                    /* worker thread only */
  fossc_searcher *searcher;        /* per-thread search scratch */
  fossc_sd_conn *conns;            /* this worker's connections */
  fossc_buf out;                   /* reply scratch, reused */
  fossc_buf scratch;               /* stats JSON, log samples */
  fossc_rcache *cache;             /* this worker's replies; NULL = off */
  fossc_buf key;                   /* canonical request, reused */
  /* The cache's size, published for STATS on other threads. */
  atomic_uint_fast64_t cache_entries, cache_bytes;
};

struct fossc_sd_server {
  const char *index_dir;
  pthread_mutex_t index_lock;
  fossc_index *index; /* serving now; under index_lock */
  uint64_t index_gen; /* bumped when index is swapped; under index_lock */
  size_t cache_bytes; /* result cache of all workers together; 0 = off */
  pthread_mutex_t reload_lock; /* one reload at a time */
  unsigned nthreads;
  unsigned max_conns;
  int idle_timeout_s;
  uint64_t start_us;
  fossc_sd_worker *workers;
  unsigned next_worker;
  atomic_int shutting_down;
  atomic_uint_fast64_t conns_current, conns_total, conns_rejected;
  atomic_uint_fast64_t requests, errors, reloads, reload_failures;
  atomic_uint_fast64_t cache_hits, cache_misses;
};

/* main.c */
/* Writes one timestamped line to stderr. */
void fossc_sd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Returns the index serving now with one more reference (release with
** fossc_index_free), never NULL. */
fossc_index *fossc_sd_acquire_index(fossc_sd_server *srv);
/* The same, and *gen (out) the index generation: result cache entries of
** another generation are stale. */
fossc_index *fossc_sd_acquire_index_gen(fossc_sd_server *srv, uint64_t *gen);
/* Opens the index again and swaps it in on success; on failure the old
** index keeps serving. *docs (may be NULL) gets the new document count. */
int fossc_sd_reload(fossc_sd_server *srv, const char *why, uint32_t *docs,
                    fossc_error *err);

/* thread.c */
/* Creates and starts srv->nthreads workers. */
int fossc_sd_workers_start(fossc_sd_server *srv, fossc_error *err);
/* Queues an accepted socket for the next worker (round-robin); takes fd. */
void fossc_sd_dispatch(fossc_sd_server *srv, int fd, const char *peer);
/* Asks every worker to finish and joins them (bounded by the grace time),
** then frees them. */
void fossc_sd_workers_stop(fossc_sd_server *srv);

/* conn.c */
/* Starts serving fd on worker w (worker thread). Takes fd. */
void fossc_sd_conn_new(fossc_sd_worker *w, int fd, const char *peer);
/* Stops reading new requests on every connection of w; each closes once
** its buffered requests are answered and the output flushed. */
void fossc_sd_conn_drain_all(fossc_sd_worker *w);
/* Frees every connection of w immediately. */
void fossc_sd_conn_free_all(fossc_sd_worker *w);

#endif /* FOSSC_SEARCHD_H */
