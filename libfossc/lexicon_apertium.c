/*
** Gets the AT&T listings of apertium-eng-spa's two bilingual transducers
** and hands them to the builder (lexicon_build.c). The listings are read
** straight from the binary files (lexicon_lttb.c, milliseconds); lt-print
** (lttoolbox, seconds of CPU per file) is run only for a file whose layout
** that reader does not know. No shell: programs are found in $PATH and
** given fixed argv arrays.
*/
#include "lexicon_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_DIR "/usr/share/apertium/apertium-eng-spa"
#define PACKAGE "apertium-eng-spa"

/* lt-print prints each dictionary as ~3.5 MB of text; 256 MiB leaves room
** for dictionaries fifty times larger while stopping a runaway child. */
#define MAX_ATT_BYTES (256u << 20)
/* dpkg-query prints one version string. */
#define MAX_VERSION_OUT 4096

/* ------------------------------------------------------------ children */

typedef struct child {
  pid_t pid;
  int fd; /* read end of its stdout, -1 once at EOF */
  fossc_buf out;
  size_t cap;
} child;

/* Finds `name` in $PATH; writes the full path into out. Returns 1 if found. */
static int find_exe(const char *name, char *out, size_t outsz) {
  const char *path = getenv("PATH");
  if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
  while (*path) {
    const char *end = strchr(path, ':');
    size_t n = end ? (size_t)(end - path) : strlen(path);
    if (n > 0) {
      int w = snprintf(out, outsz, "%.*s/%s", (int)n, path, name);
      if (w > 0 && (size_t)w < outsz && access(out, X_OK) == 0) return 1;
    }
    path += n;
    if (*path == ':') path++;
  }
  return 0;
}

/* Starts argv[0] at `exe` with stdout into a pipe and stderr to /dev/null
** (no shell: the dictionary path is passed as one argument). */
static int spawn_capture(const char *exe, char *const argv[], size_t cap,
                         child *c, fossc_error *err) {
  int p[2];
  c->pid = -1;
  c->fd = -1;
  c->cap = cap;
  if (pipe2(p, O_CLOEXEC) != 0)
    return fossc_error_set(err, FOSSC_ERR_IO, "pipe: %s", strerror(errno));
  posix_spawn_file_actions_t fa;
  int rc = posix_spawn_file_actions_init(&fa);
  if (!rc) rc = posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
  if (!rc) rc = posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  if (!rc) rc = posix_spawn(&c->pid, exe, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(p[1]);
  if (rc) {
    close(p[0]);
    c->pid = -1;
    return fossc_error_set(err, FOSSC_ERR_IO, "cannot run %s: %s", exe, strerror(rc));
  }
  c->fd = p[0];
  return FOSSC_OK;
}

/* Reads every child's stdout to EOF (concurrently, so two lt-print runs
** overlap), then reaps them. Returns FOSSC_OK when all exited with 0. */
static int collect(child *cs, int n, fossc_error *err) {
  int rc = FOSSC_OK;
  for (;;) {
    struct pollfd pf[2];
    int map[2], np = 0;
    for (int i = 0; i < n && np < 2; i++)
      if (cs[i].fd >= 0) {
        pf[np].fd = cs[i].fd;
        pf[np].events = POLLIN;
        map[np++] = i;
      }
    if (np == 0) break;
    if (poll(pf, (nfds_t)np, -1) < 0) {
      if (errno == EINTR) continue;
      rc = fossc_error_set(err, FOSSC_ERR_IO, "poll: %s", strerror(errno));
      break;
    }
    for (int j = 0; j < np; j++) {
      if (!(pf[j].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      child *c = &cs[map[j]];
      if (fossc_buf_reserve(&c->out, 65536)) {
        rc = fossc_error_set(err, FOSSC_ERR_NOMEM, "lt-print output: out of memory");
        break;
      }
      ssize_t r = read(c->fd, c->out.data + c->out.len, 65536);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        close(c->fd);
        c->fd = -1;
        continue;
      }
      c->out.len += (size_t)r;
      if (c->out.len > c->cap) {
        rc = fossc_error_set(err, FOSSC_ERR_LIMIT, "child output above %zu bytes", c->cap);
        break;
      }
    }
    if (rc) break;
  }
  for (int i = 0; i < n; i++) {
    if (cs[i].fd >= 0) {
      close(cs[i].fd);
      cs[i].fd = -1;
    }
    if (cs[i].pid <= 0) continue;
    if (rc) kill(cs[i].pid, SIGKILL); /* our own child, by its pid */
    int st;
    while (waitpid(cs[i].pid, &st, 0) < 0 && errno == EINTR) {}
    if (!rc && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
      rc = fossc_error_set(err, FOSSC_ERR_IO, "child %d failed (status %d)", i, st);
    cs[i].pid = -1;
  }
  return rc;
}

/* Starts dpkg-query for the installed package's version; c->pid stays -1
** when it cannot run (the version is then "unknown"). */
static void version_start(child *c) {
  memset(c, 0, sizeof *c);
  c->pid = -1;
  c->fd = -1;
  c->out = (fossc_buf)FOSSC_BUF_INIT;
  char exe[PATH_MAX];
  if (!find_exe("dpkg-query", exe, sizeof exe)) return;
  char *argv[] = {"dpkg-query", "-W", "-f=${Version}", PACKAGE, NULL};
  fossc_error e;
  (void)spawn_capture(exe, argv, MAX_VERSION_OUT, c, &e);
}

/* Waits for dpkg-query; writes its version (printable ASCII) or "unknown". */
static void version_finish(child *c, char *out, size_t outsz) {
  snprintf(out, outsz, "unknown");
  fossc_error e;
  if (c->pid > 0 && collect(c, 1, &e) == FOSSC_OK && c->out.len > 0 && c->out.len < outsz) {
    size_t n = 0;
    for (size_t i = 0; i < c->out.len; i++) {
      char ch = c->out.data[i];
      if (ch > ' ' && ch < 0x7f && ch != '"' && ch != '\\') out[n++] = ch;
    }
    if (n) out[n] = '\0';
    else snprintf(out, outsz, "unknown");
  }
  fossc_buf_free(&c->out);
}

/* Runs lt-print on the files marked in need[] (both at once) into text[]. */
static int run_lt_print(char paths[2][PATH_MAX], const int need[2], fossc_buf text[2],
                        const char *why, fossc_error *err) {
  char exe[PATH_MAX];
  if (!find_exe("lt-print", exe, sizeof exe))
    return fossc_error_set(err, FOSSC_ERR_NOTFOUND,
                           "no translation lexicon: %s, and lt-print is not in PATH "
                           "(install lttoolbox); the index will be monolingual", why);
  child cs[2];
  memset(cs, 0, sizeof cs);
  int map[2], n = 0, rc = FOSSC_OK;
  for (int i = 0; i < 2 && rc == FOSSC_OK; i++) {
    if (!need[i]) continue;
    char *argv[] = {"lt-print", paths[i], NULL};
    cs[n].out = (fossc_buf)FOSSC_BUF_INIT;
    rc = spawn_capture(exe, argv, MAX_ATT_BYTES, &cs[n], err);
    if (rc == FOSSC_OK) map[n++] = i;
    else fossc_buf_free(&cs[n].out);
  }
  int crc = collect(cs, n, err);
  if (rc == FOSSC_OK && crc != FOSSC_OK) {
    rc = crc;
    if (rc == FOSSC_ERR_IO) fossc_error_set(err, rc, "lt-print failed on %s or %s", paths[0], paths[1]);
  }
  for (int k = 0; k < n; k++) {
    if (rc == FOSSC_OK) {
      fossc_buf_free(&text[map[k]]);
      text[map[k]] = cs[k].out; /* hand the buffer over */
    } else {
      fossc_buf_free(&cs[k].out);
    }
  }
  return rc;
}

struct fossc_lexicon_prep {
  struct builder *b;
  fossc_lexicon_info info;
  char sources[128];
  uint64_t us;    /* time spent so far */
  int lt_print;   /* a listing came from lt-print */
};

void fossc_lexicon_prep_free(fossc_lexicon_prep *p) {
  if (!p) return;
  fossc_lexicon_builder_free(p->b);
  fossc_free(p);
}

int fossc_lexicon_prepare(fossc_analyzer *a, const char *apertium_dir,
                          fossc_lexicon_prep **out, fossc_error *err) {
  return fossc_lexicon_prepare_cached(a, apertium_dir, NULL, out, err);
}

/* The cached state for `key`, or NULL (no file, or one that fails a check:
** it is then rebuilt and replaced). */
static struct builder *cache_get(const char *cache_dir, const uint8_t key[16],
                                 fossc_lexicon_info *ci, char *version, size_t version_sz,
                                 int *lt) {
  fossc_error e;
  struct builder *b;
  memset(ci, 0, sizeof *ci);
  if (fossc_lexcache_load(cache_dir, key, ci, version, version_sz, lt, &e, &b)) return NULL;
  return b;
}

int fossc_lexicon_prepare_cached(fossc_analyzer *a, const char *apertium_dir,
                                 const char *cache_dir, fossc_lexicon_prep **out,
                                 fossc_error *err) {
  *out = NULL;
  if (!a) return fossc_error_set(err, FOSSC_ERR_ARG, "lexicon build: no analyzer");
  uint64_t t0 = fossc_now_us();
  const char *dir = apertium_dir ? apertium_dir : DEFAULT_DIR;
  static const char *const files[2] = {"spa-eng.autobil.bin", "eng-spa.autobil.bin"};
  char paths[2][PATH_MAX];
  for (int i = 0; i < 2; i++) {
    int w = snprintf(paths[i], sizeof paths[i], "%s/%s", dir, files[i]);
    if (w < 0 || (size_t)w >= sizeof paths[i])
      return fossc_error_set(err, FOSSC_ERR_ARG, "lexicon build: path too long: %s", dir);
    if (access(paths[i], R_OK) != 0)
      return fossc_error_set(err, FOSSC_ERR_NOTFOUND,
                             "no translation lexicon: %s: %s (install %s); the index "
                             "will be monolingual", paths[i], strerror(errno), PACKAGE);
  }
  fossc_lexicon_prep *p = fossc_calloc(1, sizeof *p);
  if (!p) return fossc_error_set(err, FOSSC_ERR_NOMEM, "lexicon build: out of memory");
  /* dpkg-query takes ~40 ms: it runs while the files are read. */
  child ver;
  version_start(&ver);
  uint8_t key[16];
  const char *cpaths[2] = {paths[0], paths[1]};
  int keyed = cache_dir && fossc_lexcache_key(cpaths, key) == 0;
  if (keyed) {
    fossc_lexicon_info ci;
    char cver[sizeof p->info.version];
    int clt = 0;
    struct builder *cb = cache_get(cache_dir, key, &ci, cver, sizeof cver, &clt);
    if (cb) {
      version_finish(&ver, p->info.version, sizeof p->info.version);
      /* The version only labels the blob, but the label must be true. */
      if (strcmp(cver, p->info.version) == 0) {
        memcpy(p->info.lemma_pairs, ci.lemma_pairs, sizeof ci.lemma_pairs);
        p->info.truncated = ci.truncated;
        p->info.cached = 1;
        snprintf(p->sources, sizeof p->sources, "%s %s", PACKAGE, p->info.version);
        p->b = cb;
        p->lt_print = clt;
        p->us = fossc_now_us() - t0;
        *out = p;
        return FOSSC_OK;
      }
      fossc_lexicon_builder_free(cb);
      version_start(&ver); /* asked again below, as on any miss */
    }
  }
  fossc_buf text[2] = {FOSSC_BUF_INIT, FOSSC_BUF_INIT};
  int need[2] = {0, 0}, rc = FOSSC_OK;
  char why[sizeof err->msg] = "";
  for (int i = 0; i < 2 && rc == FOSSC_OK; i++) {
    fossc_error e;
    rc = fossc_lttb_read_listing(paths[i], &text[i], &e);
    if (rc == FOSSC_ERR_VERSION) {
      /* A layout this reader does not know (a newer lttoolbox): lt-print
      ** from the same lttoolbox can still print it. */
      need[i] = 1;
      snprintf(why, sizeof why, "%s", e.msg);
      rc = FOSSC_OK;
    } else if (rc) {
      fossc_error_set(err, rc, "%s", e.msg);
    }
  }
  version_finish(&ver, p->info.version, sizeof p->info.version);
  if (rc == FOSSC_OK && (need[0] || need[1])) rc = run_lt_print(paths, need, text, why, err);
  if (rc == FOSSC_OK) {
    snprintf(p->sources, sizeof p->sources, "%s %s", PACKAGE, p->info.version);
    const char *txt[2] = {text[0].data, text[1].data};
    size_t len[2] = {text[0].len, text[1].len};
    const char *names[2] = {paths[0], paths[1]};
    rc = fossc_lexicon_text_prepare(a, txt, len, names, &p->info, err, &p->b);
  }
  for (int i = 0; i < 2; i++) fossc_buf_free(&text[i]);
  if (rc) {
    fossc_lexicon_prep_free(p);
    return rc;
  }
  p->lt_print = need[0] || need[1];
  /* Best effort: a cache that cannot be written costs the next build time,
  ** nothing else. */
  if (keyed) (void)fossc_lexcache_save(cache_dir, key, p->b, &p->info, p->info.version, p->lt_print);
  p->us = fossc_now_us() - t0;
  *out = p;
  return FOSSC_OK;
}

int fossc_lexicon_finish(fossc_lexicon_prep *p, fossc_lexicon_keep_fn keep,
                         void *keep_ctx, fossc_buf *out, fossc_lexicon_info *info,
                         fossc_error *err) {
  if (!p || !p->b || !out)
    return fossc_error_set(err, FOSSC_ERR_ARG, "lexicon build: nothing prepared");
  uint64_t t0 = fossc_now_us();
  int rc = fossc_lexicon_text_finish(p->b, p->sources, keep, keep_ctx, out, &p->info, err);
  fossc_lexicon_builder_free(p->b);
  p->b = NULL;
  if (rc == FOSSC_OK) {
    /* Said in the indexer's summary line ("from apertium-eng-spa <version>
    ** ..."); the blob's sources string stays the same either way. */
    if (p->lt_print) {
      size_t n = strlen(p->info.version);
      snprintf(p->info.version + n, sizeof p->info.version - n, " (read by lt-print)");
    }
    p->info.build_us = p->us + (fossc_now_us() - t0);
    if (info) *info = p->info;
  }
  return rc;
}

int fossc_lexicon_build(fossc_analyzer *a, const char *apertium_dir,
                        fossc_lexicon_keep_fn keep, void *keep_ctx,
                        fossc_buf *out, fossc_lexicon_info *info,
                        fossc_error *err) {
  if (!a || !out) return fossc_error_set(err, FOSSC_ERR_ARG, "lexicon build: no analyzer or output");
  if (info) memset(info, 0, sizeof *info);
  fossc_lexicon_prep *p;
  int rc = fossc_lexicon_prepare(a, apertium_dir, &p, err);
  if (rc == FOSSC_OK) rc = fossc_lexicon_finish(p, keep, keep_ctx, out, info, err);
  fossc_lexicon_prep_free(p);
  return rc;
}
