/*
** Integration-test helpers: temporary folders, running the programs with a
** timeout and capturing their output, building the bundled corpus's index,
** starting fossc-searchd on 127.0.0.1 port 0 and talking to it over TCP.
**
** Programs are found in env BIN (default "bin", so `make asan` can point at
** instrumented ones), the corpus in env FOSSC_CORPUS (default "corpus").
** Every wait is bounded; nothing here blocks forever.
*/
#ifndef FOSSC_ITEST_H
#define FOSSC_ITEST_H

#include <stddef.h>
#include <sys/types.h>

#include "common.h"
#include "net.h"

/* Default wait for one reply line: generous for ASan/valgrind builds. */
#define FOSSC_T_REPLY_MS 10000
/* Wait for a program (indexer, client) to finish. */
#define FOSSC_T_RUN_MS 60000
/* Longest path the helpers build. */
#define FOSSC_T_PATH 1024

/* BIN or "bin". */
const char *fossc_t_bin(void);
/* FOSSC_CORPUS or "corpus". */
const char *fossc_t_corpus(void);

/* Creates a fresh folder under TMPDIR (or /tmp) into out. Returns 0 or -1. */
int fossc_t_tmpdir(char *out, size_t cap);
/* Removes a folder tree (best effort). */
void fossc_t_rmtree(const char *dir);

/* Runs argv (argv[0] a path) with a timeout; stdout and stderr are captured
** into the buffers (either may be NULL: discarded). *status gets the exit
** code, or 128 + signal; a timeout kills the child and returns -1. stdin is
** /dev/null. Extra environment "NAME=value" entries in env (NULL-terminated,
** may be NULL) are added. Returns 0 when the child ran to completion. */
int fossc_t_run(char *const argv[], char *const env[], int timeout_ms,
                fossc_buf *out, fossc_buf *errout, int *status);

/* Builds the index of `corpus` into `index_dir` with BIN/fossc-index.
** Returns 0 or -1 (the indexer's stderr is printed). */
int fossc_t_build_index(const char *corpus, const char *index_dir);

typedef struct fossc_t_daemon {
  pid_t pid;
  unsigned port;
  char dir[FOSSC_T_PATH];  /* holds the port file and the log */
  char log[FOSSC_T_PATH];  /* the daemon's stderr */
} fossc_t_daemon;

/* Starts BIN/fossc-searchd --index index_dir --listen 127.0.0.1:0 plus
** `extra` (NULL-terminated, may be NULL), with its stderr in a log file under
** work_dir, and waits (bounded) for its port. Returns 0 or -1. */
int fossc_t_daemon_start(fossc_t_daemon *d, const char *work_dir,
                         const char *index_dir, const char *const extra[]);
/* Sends sig and waits up to timeout_ms; *status as in fossc_t_run.
** Returns 0, or -1 if it had to be killed. */
int fossc_t_daemon_stop(fossc_t_daemon *d, int sig, int timeout_ms,
                        int *status);
/* Returns 1 while the daemon process is running. */
int fossc_t_daemon_alive(fossc_t_daemon *d);
/* Copies the daemon's log into *out (reset first). */
void fossc_t_daemon_log(const fossc_t_daemon *d, fossc_buf *out);
/* Resident set size of the daemon in KiB (from /proc), or 0. */
unsigned long fossc_t_daemon_rss_kb(const fossc_t_daemon *d);

typedef struct fossc_t_conn {
  int fd;
  fossc_linereader *lr;
  fossc_error err; /* why the last call failed */
} fossc_t_conn;

/* Connects to 127.0.0.1:port. Returns 0 or -1. */
int fossc_t_connect(fossc_t_conn *c, unsigned port);
/* Sends s[0..n) (n == (size_t)-1: strlen). Returns 0 or -1. */
int fossc_t_send(fossc_t_conn *c, const char *s, size_t n);
/* Reads one reply line (without \n) within timeout_ms; NULL on EOF, timeout
** or error (fossc_linereader_state(c->lr) says which). Valid until the next
** call. */
const char *fossc_t_line(fossc_t_conn *c, int timeout_ms);
/* Sends one request line and returns the first reply line (as above). */
const char *fossc_t_ask(fossc_t_conn *c, const char *request);
/* Waits up to timeout_ms for the peer to close: returns 1 when it did
** (EOF or reset), 0 otherwise. Discards data received meanwhile. */
int fossc_t_closed(fossc_t_conn *c, int timeout_ms);
void fossc_t_close(fossc_t_conn *c);

/* Reads a whole file into a malloc'd buffer (caller frees); NULL if it
** cannot be opened. *len receives its size. */
char *fossc_t_read_file(const char *path, size_t *len);
/* Writes into out the path of the generation that dir/CURRENT names. */
void fossc_t_current_file(const char *dir, char *out, size_t cap);

#endif /* FOSSC_ITEST_H */
