/*
** Worker threads. Each owns an event_base, a fossc_searcher and its
** connections. The listener thread hands a new connection over by appending
** it to the worker's locked queue and activating the worker's notify event
** (safe across threads because main() calls evthread_use_pthreads() before
** any base exists); the worker drains the queue in its own thread.
*/
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "searchd.h"

static void notify_cb(evutil_socket_t fd, short what, void *arg) {
  fossc_sd_worker *w = arg;
  (void)fd;
  (void)what;
  pthread_mutex_lock(&w->qlock);
  fossc_sd_newconn *q = w->qhead;
  w->qhead = w->qtail = NULL;
  int stop = w->stop_requested;
  pthread_mutex_unlock(&w->qlock);
  while (q) {
    fossc_sd_newconn *next = q->next;
    if (stop) {
      close(q->fd);
      atomic_fetch_sub(&w->srv->conns_current, 1);
    } else {
      fossc_sd_conn_new(w, q->fd, q->peer);
    }
    fossc_free(q);
    q = next;
  }
  if (stop && !w->stopping) {
    w->stopping = 1;
    /* Bounded: replies that cannot be flushed in the grace time are lost. */
    struct timeval grace = {FOSSC_SHUTDOWN_GRACE_S, 0};
    event_base_loopexit(w->base, &grace);
    fossc_sd_conn_drain_all(w);
    if (!w->conns) event_base_loopbreak(w->base);
  }
}

static void *worker_main(void *arg) {
  fossc_sd_worker *w = arg;
  event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
  fossc_sd_conn_free_all(w);
  return NULL;
}

static void worker_free(fossc_sd_worker *w) {
  fossc_sd_newconn *q = w->qhead;
  while (q) {
    fossc_sd_newconn *next = q->next;
    close(q->fd);
    atomic_fetch_sub(&w->srv->conns_current, 1);
    fossc_free(q);
    q = next;
  }
  w->qhead = w->qtail = NULL;
  if (w->notify) event_free(w->notify);
  if (w->base) event_base_free(w->base);
  fossc_searcher_free(w->searcher);
  fossc_rcache_free(w->cache);
  fossc_buf_free(&w->key);
  fossc_buf_free(&w->out);
  fossc_buf_free(&w->scratch);
  pthread_mutex_destroy(&w->qlock);
}

int fossc_sd_workers_start(fossc_sd_server *srv, fossc_error *err) {
  srv->workers = fossc_calloc(srv->nthreads, sizeof *srv->workers);
  if (!srv->workers) return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  for (unsigned i = 0; i < srv->nthreads; i++) {
    srv->workers[i].srv = srv;
    srv->workers[i].id = i;
    pthread_mutex_init(&srv->workers[i].qlock, NULL);
  }
  for (unsigned i = 0; i < srv->nthreads; i++) {
    fossc_sd_worker *w = &srv->workers[i];
    w->base = event_base_new();
    if (w->base) w->notify = event_new(w->base, -1, 0, notify_cb, w);
    if (!w->base || !w->notify)
      return fossc_error_set(err, FOSSC_ERR_NOMEM, "cannot create event base");
    int rc = fossc_searcher_create(&w->searcher, err);
    if (rc != FOSSC_OK) return rc;
    /* Per worker: lookups take no lock, and a query repeated on one
    ** connection always meets its own worker's cache. */
    rc = fossc_rcache_create(srv->cache_bytes / srv->nthreads, &w->cache, err);
    if (rc != FOSSC_OK) return rc;
  }
  /* Signals are handled by the main thread's event loop only. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  int rc = FOSSC_OK;
  for (unsigned i = 0; i < srv->nthreads; i++) {
    fossc_sd_worker *w = &srv->workers[i];
    int e = pthread_create(&w->tid, NULL, worker_main, w);
    if (e != 0) {
      rc = fossc_error_set(err, FOSSC_ERR_INTERNAL, "pthread_create: %s",
                           strerror(e));
      break;
    }
    w->started = 1;
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return rc;
}

void fossc_sd_dispatch(fossc_sd_server *srv, int fd, const char *peer) {
  fossc_sd_newconn *q = fossc_calloc(1, sizeof *q);
  if (!q) {
    close(fd);
    atomic_fetch_sub(&srv->conns_current, 1);
    return;
  }
  q->fd = fd;
  snprintf(q->peer, sizeof q->peer, "%s", peer);
  fossc_sd_worker *w = &srv->workers[srv->next_worker++ % srv->nthreads];
  pthread_mutex_lock(&w->qlock);
  if (w->qtail) {
    w->qtail->next = q;
  } else {
    w->qhead = q;
  }
  w->qtail = q;
  pthread_mutex_unlock(&w->qlock);
  event_active(w->notify, EV_READ, 0);
}

void fossc_sd_workers_stop(fossc_sd_server *srv) {
  if (!srv->workers) return;
  for (unsigned i = 0; i < srv->nthreads; i++) {
    fossc_sd_worker *w = &srv->workers[i];
    if (!w->started) continue;
    pthread_mutex_lock(&w->qlock);
    w->stop_requested = 1;
    pthread_mutex_unlock(&w->qlock);
    event_active(w->notify, EV_READ, 0);
  }
  for (unsigned i = 0; i < srv->nthreads; i++) {
    fossc_sd_worker *w = &srv->workers[i];
    if (w->started) pthread_join(w->tid, NULL);
    worker_free(w);
  }
  fossc_free(srv->workers);
  srv->workers = NULL;
}
