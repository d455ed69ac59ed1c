/*
** The generation file: sections written back to back with their checksums,
** then the header and section table over the zeros left for them, then the
** atomic switch (docs/index-format.md, "Generations"): the file is written
** as fossc-NNNNNN.idx.tmp, synced, renamed, and only then does CURRENT name
** it, so a failure or crash at any point leaves the previous index current.
** What goes into the sections is writer.c's business.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index.h"
#include "writer_int.h"

int fossc_write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n) {
    ssize_t k = write(fd, c, n);
    if (k < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    c += k;
    n -= (size_t)k;
  }
  return 0;
}

int fossc_read_at(int fd, void *dst, size_t n, uint64_t off) {
  char *c = dst;
  while (n) {
    ssize_t k = pread(fd, c, n, (off_t)off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      if (k == 0) errno = EIO;
      return -1;
    }
    c += k;
    n -= (size_t)k;
    off += (uint64_t)k;
  }
  return 0;
}

/* ------------------------------------------------------------ sections */
static int sw_flush(fossc_sec_writer *s) {
  if (fossc_write_all(s->fd, s->chunk.data, s->chunk.len)) {
    s->err_no = errno;
    return FOSSC_ERR_IO;
  }
  fossc_buf_reset(&s->chunk);
  return 0;
}

int fossc_sw_write(fossc_sec_writer *s, const void *p, size_t n) {
  XXH64_update(s->xx, p, n);
  s->off += n;
  if (n >= FOSSC_WRITE_CHUNK) {
    /* Large pieces go straight to the file, without a copy. */
    if (sw_flush(s)) return FOSSC_ERR_IO;
    if (fossc_write_all(s->fd, p, n)) {
      s->err_no = errno;
      return FOSSC_ERR_IO;
    }
    return 0;
  }
  fossc_buf_append(&s->chunk, p, n);
  if (s->chunk.oom) return FOSSC_ERR_NOMEM;
  return s->chunk.len >= FOSSC_WRITE_CHUNK ? sw_flush(s) : 0;
}

int fossc_sw_begin(fossc_sec_writer *s) {
  static const uint8_t zeros[FOSSC_SECTION_ALIGN];
  size_t pad = (FOSSC_SECTION_ALIGN - s->off % FOSSC_SECTION_ALIGN) %
               FOSSC_SECTION_ALIGN;
  fossc_buf_append(&s->chunk, zeros, pad);
  s->off += pad;
  s->sec_start = s->off;
  XXH64_reset(s->xx, 0);
  return s->chunk.oom ? FOSSC_ERR_NOMEM : 0;
}

void fossc_sw_end(fossc_sec_writer *s, const char *name) {
  uint8_t *e = s->table + s->nsec * FOSSC_SECTION_ENTRY_BYTES;
  memset(e, 0, FOSSC_SECTION_ENTRY_BYTES);
  memcpy(e, name, strlen(name));
  fossc_put_le64(e + 8, s->sec_start);
  fossc_put_le64(e + 16, s->off - s->sec_start);
  fossc_put_le64(e + 24, XXH64_digest(s->xx));
  s->nsec++;
}

int fossc_sw_section(fossc_sec_writer *s, const char *name, const void *p,
                     size_t n) {
  int rc = fossc_sw_begin(s);
  if (!rc && n) rc = fossc_sw_write(s, p, n);
  if (!rc) fossc_sw_end(s, name);
  return rc;
}

/* ------------------------------------------------------------ generations */
/* Finds the next generation number: one past the largest in dir. */
static unsigned next_generation(const char *dir) {
  unsigned max = 0;
  DIR *dh = opendir(dir);
  if (!dh) return 1;
  struct dirent *de;
  while ((de = readdir(dh))) {
    unsigned g;
    char tail[8];
    if (sscanf(de->d_name, "fossc-%u.%7s", &g, tail) == 2 &&
        strcmp(tail, "idx") == 0 && g > max)
      max = g;
  }
  closedir(dh);
  return max + 1;
}

static void remove_old(const char *dir, unsigned keep) {
  DIR *dh = opendir(dir);
  if (!dh) return;
  struct dirent *de;
  char path[4096];
  while ((de = readdir(dh))) {
    unsigned g;
    char tail[16];
    if (sscanf(de->d_name, "fossc-%u.%15s", &g, tail) == 2 && g != keep &&
        (strcmp(tail, "idx") == 0 || strcmp(tail, "idx.tmp") == 0)) {
      snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
      unlink(path);
    }
  }
  closedir(dh);
}

/* mkdir -p: creates dir and its missing parents. Returns 0 or -1 (errno). */
static int make_dirs(const char *dir) {
  char path[4096];
  size_t n = strlen(dir);
  if (n == 0 || n >= sizeof path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(path, dir, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (path[i] != '/' && path[i] != '\0') continue;
    char c = path[i];
    path[i] = '\0';
    if (mkdir(path, 0755) && errno != EEXIST) return -1;
    path[i] = c;
  }
  struct stat st;
  if (stat(dir, &st)) return -1;
  if (!S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    return -1;
  }
  return 0;
}

static int fsync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return -1;
  int r = fsync(fd);
  close(fd);
  return r;
}

int fossc_sw_open(fossc_sec_writer *s, const char *dir, fossc_error *err) {
  memset(s, 0, sizeof *s);
  s->fd = -1;
  if (make_dirs(dir))
    return fossc_error_set(err, FOSSC_ERR_IO, "cannot create %s: %s", dir,
                           strerror(errno));
  s->dir = dir;
  s->gen = next_generation(dir);
  snprintf(s->final_path, sizeof s->final_path, "%s/fossc-%06u.idx", dir,
           s->gen);
  snprintf(s->tmp_path, sizeof s->tmp_path, "%s.tmp", s->final_path);
  s->xx = XXH64_createState();
  s->fd = open(s->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (s->fd < 0 || !s->xx) {
    int e = errno;
    XXH64_freeState(s->xx);
    s->xx = NULL;
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
    return fossc_error_set(err, FOSSC_ERR_IO, "cannot create %s: %s",
                           s->tmp_path, strerror(e));
  }
  /* Header and section table are written last, over these zeros. */
  uint8_t zeros[FOSSC_HEADER_BYTES +
                FOSSC_MAX_SECTIONS * FOSSC_SECTION_ENTRY_BYTES] = {0};
  fossc_buf_append(&s->chunk, zeros, sizeof zeros);
  s->off = sizeof zeros;
  return FOSSC_OK;
}

/* Writes the header and the section table over the zeros at the start. */
static int write_header(fossc_sec_writer *s, uint32_t ndocs) {
  uint8_t hdr[FOSSC_HEADER_BYTES] = {0};
  memcpy(hdr, FOSSC_INDEX_MAGIC, 8);
  fossc_put_le32(hdr + 8, FOSSC_FORMAT_VERSION);
  fossc_put_le32(hdr + 12, (uint32_t)s->nsec);
  fossc_put_le64(hdr + 16, s->off);
  fossc_put_le32(hdr + 24, ndocs);
  XXH64_reset(s->xx, 0);
  XXH64_update(s->xx, hdr, 40);
  XXH64_update(s->xx, s->table, sizeof s->table);
  fossc_put_le64(hdr + 40, XXH64_digest(s->xx));
  if (pwrite(s->fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr ||
      pwrite(s->fd, s->table, sizeof s->table, FOSSC_HEADER_BYTES) !=
          (ssize_t)sizeof s->table) {
    s->err_no = errno;
    return FOSSC_ERR_IO;
  }
  return 0;
}

int fossc_sw_commit(fossc_sec_writer *s, int rc, uint32_t ndocs,
                    const fossc_error *cause, fossc_error *err) {
  if (!rc) rc = sw_flush(s);
  if (!rc) rc = write_header(s, ndocs);
  if (!rc && fsync(s->fd)) s->err_no = errno, rc = FOSSC_ERR_IO;
  if (close(s->fd) && !rc) s->err_no = errno, rc = FOSSC_ERR_IO;
  s->fd = -1;
  XXH64_freeState(s->xx);
  s->xx = NULL;
  fossc_buf_free(&s->chunk);
  if (rc) {
    unlink(s->tmp_path);
    if (cause)
      return fossc_error_set(err, rc, "%s (previous index kept)", cause->msg);
    if (rc == FOSSC_ERR_IO)
      return fossc_error_set(err, rc, "writing %s: %s (previous index kept)",
                             s->tmp_path, strerror(s->err_no));
    return fossc_error_set(err, rc, "writing %s: %s (previous index kept)",
                           s->tmp_path, fossc_strerror(rc));
  }
  /* Switch: the new file gets its final name, then CURRENT names it. A crash
  ** before the last rename leaves CURRENT naming the previous generation. */
  char cur[FOSSC_GEN_PATH_MAX], cur_tmp[FOSSC_GEN_PATH_MAX];
  snprintf(cur, sizeof cur, "%s/CURRENT", s->dir);
  snprintf(cur_tmp, sizeof cur_tmp, "%s/CURRENT.tmp", s->dir);
  FILE *f = NULL;
  if (rename(s->tmp_path, s->final_path) || !(f = fopen(cur_tmp, "w")) ||
      fprintf(f, "fossc-%06u.idx\n", s->gen) < 0 || fflush(f) ||
      fsync(fileno(f)) || fclose(f) || (f = NULL, rename(cur_tmp, cur)) ||
      fsync_dir(s->dir)) {
    int e = errno;
    if (f) fclose(f);
    unlink(s->tmp_path);
    unlink(cur_tmp);
    return fossc_error_set(err, FOSSC_ERR_IO,
                           "switching %s to generation %u: %s", s->dir, s->gen,
                           strerror(e));
  }
  remove_old(s->dir, s->gen);
  return FOSSC_OK;
}
