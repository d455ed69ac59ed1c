/* Integration-test helpers (see itest.h). */
#include "itest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

const char *fossc_t_bin(void) {
  const char *b = getenv("BIN");
  return b && *b ? b : "bin";
}

const char *fossc_t_corpus(void) {
  const char *c = getenv("FOSSC_CORPUS");
  return c && *c ? c : "corpus";
}

int fossc_t_tmpdir(char *out, size_t cap) {
  const char *t = getenv("TMPDIR");
  if (!t || !*t) t = "/tmp";
  if (snprintf(out, cap, "%s/fossc-test-XXXXXX", t) >= (int)cap) return -1;
  return mkdtemp(out) ? 0 : -1;
}

void fossc_t_rmtree(const char *dir) {
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      char p[FOSSC_T_PATH];
      snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
      struct stat st;
      if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
        fossc_t_rmtree(p);
      } else {
        unlink(p);
      }
    }
    closedir(d);
  }
  rmdir(dir);
}

/* FOSSC_T_SLOW multiplies every timeout: programs under valgrind run ~20
** times slower, and a timeout there is not a bug of theirs. */
static int scale_ms(int ms) {
  const char *f = getenv("FOSSC_T_SLOW");
  long k = f ? strtol(f, NULL, 10) : 1;
  if (k < 1 || k > 100) k = 1;
  return (int)(ms * k);
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Waits for pid until deadline; returns 0 with *status, or -1 on timeout. */
static int wait_pid(pid_t pid, uint64_t deadline, int *status) {
  for (;;) {
    int st;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid) {
      *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return 0;
    }
    if (r < 0 && errno != EINTR) {
      *status = -1;
      return 0;
    }
    if (fossc_now_us() >= deadline) return -1;
    sleep_ms(5);
  }
}

static void kill_wait(pid_t pid, int *status) {
  kill(pid, SIGKILL);
  (void)wait_pid(pid, fossc_now_us() + 5000000, status);
}

/* execve with env = environ + extra entries. FOSSC_T_WRAP (e.g. "valgrind
** -q --error-exitcode=99 --leak-check=full") runs the programs under test
** inside a checker: `make valgrind` uses it. */
static void exec_with_env(char *const argv[], char *const env[]) {
  if (env) {
    for (char *const *e = env; *e; e++) putenv(*e);
  }
  const char *wrap = getenv("FOSSC_T_WRAP");
  if (wrap && *wrap) {
    static char words[1024];
    char *wargv[64];
    int n = 0;
    snprintf(words, sizeof words, "%s", wrap);
    for (char *t = strtok(words, " "); t && n < 32; t = strtok(NULL, " "))
      wargv[n++] = t;
    for (int i = 0; argv[i] && n < 63; i++) wargv[n++] = argv[i];
    wargv[n] = NULL;
    execvp(wargv[0], wargv);
    fprintf(stderr, "exec %s: %s\n", wargv[0], strerror(errno));
    _exit(127);
  }
  execv(argv[0], argv);
  fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

int fossc_t_run(char *const argv[], char *const env[], int timeout_ms,
                fossc_buf *out, fossc_buf *errout, int *status) {
  timeout_ms = scale_ms(timeout_ms);
  int po[2], pe[2];
  *status = -1;
  if (pipe(po) != 0) return -1;
  if (pipe(pe) != 0) {
    close(po[0]);
    close(po[1]);
    return -1;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0) dup2(nul, 0);
    dup2(po[1], 1);
    dup2(pe[1], 2);
    close(po[0]);
    close(pe[0]);
    exec_with_env(argv, env);
  }
  close(po[1]);
  close(pe[1]);
  uint64_t deadline = fossc_now_us() + (uint64_t)timeout_ms * 1000;
  struct pollfd p[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
  fossc_buf *dst[2] = {out, errout};
  int open_fds = 2, timed_out = 0;
  char chunk[8192];
  while (open_fds > 0) {
    uint64_t now = fossc_now_us();
    if (now >= deadline) {
      timed_out = 1;
      break;
    }
    int r = poll(p, 2, (int)((deadline - now) / 1000) + 1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) break;
    for (int i = 0; i < 2; i++) {
      if (p[i].fd < 0 || !p[i].revents) continue;
      ssize_t n = read(p[i].fd, chunk, sizeof chunk);
      if (n > 0) {
        if (dst[i]) fossc_buf_append(dst[i], chunk, (size_t)n);
      } else if (n == 0 || errno != EINTR) {
        close(p[i].fd);
        p[i].fd = -1;
        open_fds--;
      }
    }
  }
  for (int i = 0; i < 2; i++)
    if (p[i].fd >= 0) close(p[i].fd);
  if (timed_out || wait_pid(pid, deadline, status) != 0) {
    kill_wait(pid, status);
    fprintf(stderr, "  %s: timed out after %d ms\n", argv[0], timeout_ms);
    return -1;
  }
  return 0;
}

int fossc_t_build_index(const char *corpus, const char *index_dir) {
  char prog[FOSSC_T_PATH];
  snprintf(prog, sizeof prog, "%s/fossc-index", fossc_t_bin());
  char *argv[] = {prog, "build", (char *)corpus, "-o", (char *)index_dir, NULL};
  fossc_buf err = FOSSC_BUF_INIT;
  int status;
  int rc = fossc_t_run(argv, NULL, FOSSC_T_RUN_MS, NULL, &err, &status);
  if (rc != 0 || status != 0) {
    fprintf(stderr, "  fossc-index failed (status %d): %.*s\n", status,
            (int)err.len, err.data ? err.data : "");
    rc = -1;
  }
  fossc_buf_free(&err);
  return rc;
}

/* Daemon startup wait: an ASan build opening the index takes well under. */
#define DAEMON_START_MS 15000

int fossc_t_daemon_start(fossc_t_daemon *d, const char *work_dir,
                         const char *index_dir, const char *const extra[]) {
  static unsigned seq;
  memset(d, 0, sizeof *d);
  snprintf(d->dir, sizeof d->dir, "%s", work_dir);
  char prog[FOSSC_T_PATH], port_file[FOSSC_T_PATH + 32];
  snprintf(prog, sizeof prog, "%s/fossc-searchd", fossc_t_bin());
  seq++;
  snprintf(port_file, sizeof port_file, "%s/searchd-%u.port", work_dir, seq);
  snprintf(d->log, sizeof d->log, "%s/searchd-%u.log", work_dir, seq);
  unlink(port_file);
  char *argv[32];
  int ac = 0;
  argv[ac++] = prog;
  argv[ac++] = "--index";
  argv[ac++] = (char *)index_dir;
  argv[ac++] = "--listen";
  argv[ac++] = "127.0.0.1:0";
  argv[ac++] = "--port-file";
  argv[ac++] = port_file;
  for (int i = 0; extra && extra[i] && ac < 31; i++) argv[ac++] = (char *)extra[i];
  argv[ac] = NULL;
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int nul = open("/dev/null", O_RDONLY);
    int lg = open(d->log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (nul >= 0) dup2(nul, 0);
    if (lg >= 0) {
      dup2(lg, 1);
      dup2(lg, 2);
    }
    exec_with_env(argv, NULL);
  }
  d->pid = pid;
  uint64_t deadline = fossc_now_us() + (uint64_t)scale_ms(DAEMON_START_MS) * 1000ull;
  while (fossc_now_us() < deadline) {
    FILE *f = fopen(port_file, "r");
    if (f) {
      unsigned port = 0;
      int ok = fscanf(f, "%u", &port) == 1;
      fclose(f);
      if (ok && port) {
        d->port = port;
        return 0;
      }
    }
    if (!fossc_t_daemon_alive(d)) break;
    sleep_ms(10);
  }
  fossc_buf lg = FOSSC_BUF_INIT;
  fossc_t_daemon_log(d, &lg);
  fprintf(stderr, "  fossc-searchd did not start; log:\n%.*s\n", (int)lg.len,
          lg.data ? lg.data : "");
  fossc_buf_free(&lg);
  int st;
  if (d->pid > 0) kill_wait(d->pid, &st);
  d->pid = 0;
  return -1;
}

int fossc_t_daemon_alive(fossc_t_daemon *d) {
  if (d->pid <= 0) return 0;
  int st;
  pid_t r = waitpid(d->pid, &st, WNOHANG);
  if (r == d->pid) {
    d->pid = 0;
    return 0;
  }
  return 1;
}

int fossc_t_daemon_stop(fossc_t_daemon *d, int sig, int timeout_ms,
                        int *status) {
  timeout_ms = scale_ms(timeout_ms);
  *status = -1;
  if (d->pid <= 0) return -1;
  kill(d->pid, sig);
  int rc = wait_pid(d->pid, fossc_now_us() + (uint64_t)timeout_ms * 1000,
                    status);
  if (rc != 0) kill_wait(d->pid, status);
  d->pid = 0;
  return rc;
}

void fossc_t_daemon_log(const fossc_t_daemon *d, fossc_buf *out) {
  fossc_buf_reset(out);
  FILE *f = fopen(d->log, "r");
  if (!f) return;
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    fossc_buf_append(out, chunk, n);
  fclose(f);
}

unsigned long fossc_t_daemon_rss_kb(const fossc_t_daemon *d) {
  char p[64];
  snprintf(p, sizeof p, "/proc/%ld/status", (long)d->pid);
  FILE *f = fopen(p, "r");
  if (!f) return 0;
  char line[256];
  unsigned long kb = 0;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmRSS: %lu kB", &kb) == 1) break;
  fclose(f);
  return kb;
}

/* ------------------------------------------------------------ connections */
int fossc_t_connect(fossc_t_conn *c, unsigned port) {
  memset(c, 0, sizeof *c);
  c->fd = -1;
  fossc_addr a;
  snprintf(a.host, sizeof a.host, "127.0.0.1");
  a.port = (uint16_t)port;
  if (fossc_net_connect(&a, FOSSC_T_REPLY_MS, &c->fd, &c->err) != FOSSC_OK)
    return -1;
  if (fossc_linereader_create(c->fd, 0, &c->lr, &c->err) != FOSSC_OK) {
    close(c->fd);
    c->fd = -1;
    return -1;
  }
  return 0;
}

int fossc_t_send(fossc_t_conn *c, const char *s, size_t n) {
  if (n == (size_t)-1) n = strlen(s);
  return fossc_net_write_all(c->fd, s, n, FOSSC_T_REPLY_MS, &c->err) ==
                 FOSSC_OK
             ? 0
             : -1;
}

const char *fossc_t_line(fossc_t_conn *c, int timeout_ms) {
  timeout_ms = scale_ms(timeout_ms);
  const char *line;
  size_t len;
  if (!c->lr) return NULL;
  if (fossc_linereader_line(c->lr, timeout_ms, &line, &len, &c->err) !=
      FOSSC_OK)
    return NULL;
  return line;
}

const char *fossc_t_ask(fossc_t_conn *c, const char *request) {
  fossc_buf b = FOSSC_BUF_INIT;
  fossc_buf_puts(&b, request);
  fossc_buf_putc(&b, '\n');
  int rc = b.oom ? -1 : fossc_t_send(c, b.data, b.len);
  fossc_buf_free(&b);
  return rc == 0 ? fossc_t_line(c, FOSSC_T_REPLY_MS) : NULL;
}

int fossc_t_closed(fossc_t_conn *c, int timeout_ms) {
  timeout_ms = scale_ms(timeout_ms);
  uint64_t deadline = fossc_now_us() + (uint64_t)timeout_ms * 1000;
  for (;;) {
    uint64_t now = fossc_now_us();
    if (now >= deadline) return 0;
    if (fossc_t_line(c, (int)((deadline - now) / 1000) + 1)) continue;
    fossc_lr_state st = fossc_linereader_state(c->lr);
    if (st == FOSSC_LR_EOF || st == FOSSC_LR_ERROR) return 1;
    if (st == FOSSC_LR_TIMEOUT) return 0;
    /* FOSSC_LR_TOO_LONG: garbage; keep waiting for the close. */
  }
}

void fossc_t_close(fossc_t_conn *c) {
  fossc_linereader_free(c->lr);
  c->lr = NULL;
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
}

char *fossc_t_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc(n > 0 ? (size_t)n + 1 : 1);
  *len = n > 0 ? fread(buf, 1, (size_t)n, f) : 0;
  fclose(f);
  return buf;
}

void fossc_t_current_file(const char *dir, char *out, size_t cap) {
  char p[512], name[64] = {0};
  snprintf(p, sizeof p, "%s/CURRENT", dir);
  FILE *f = fopen(p, "r");
  if (f) {
    if (!fgets(name, sizeof name, f)) name[0] = 0;
    fclose(f);
  }
  name[strcspn(name, "\n")] = 0;
  snprintf(out, cap, "%s/%s", dir, name);
}
