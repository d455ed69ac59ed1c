/*
** A cache of prepared translation lexicons, one file per set of inputs.
**
** Preparing the lexicon (reading Apertium's two transducers, enumerating
** their lemma pairs, analysing every lemma: lexicon_apertium.c,
** lexicon_build.c) costs ~0.4 s of CPU on every build, ~7% of a 100 MB
** build's CPU, and needs nothing of the corpus: the same inputs give the
** same prepared state, so it is kept in a file and read back (~3 ms).
** Only the corpus filter and the serialisation run on every build, so an
** index built from the cache is byte for byte the one built without it.
**
** The key is the XXH3-128 of everything the prepared state depends on: the
** two dictionary files and the code that analyses them (the running
** program, and the shared objects of Snowball's stemmer and utf8proc); the
** package version, which only labels the blob, is stored and compared. Any
** change of program or data gives another file: a stale entry cannot be
** used. The file is checked completely before use (its own checksum, then
** every string and entry: fossc_lexb_restore); one that fails is rebuilt
** and replaced. Writes go to a temporary file renamed into place, so
** concurrent builds never see half a file.
**
** File layout (little-endian):
**    0  magic "FOSSCLC\x1a"        8  u32 format version
**   12  u32 flags (bit 0: a listing came from lt-print)
**   16  key (16 bytes)            32  u32 lemma pairs, by language (3)
**   44  u32 truncated             48  u32 strings
**   52  u32 version length        56  u64 entries      64  u64 string bytes
**   72  version, strings (u8 length + bytes each, byte order), entries
**       (u64 k1, u64 k2 each), then u64 XXH3_64bits of all the bytes before.
*/
#include "lexicon_int.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>
#include <xxhash.h>

#define LEXCACHE_MAGIC "FOSSCLC\x1a"
#define LEXCACHE_VERSION 1u
#define LEXCACHE_HEADER_BYTES 72u
/* A real prepared lexicon is ~4 MB; anything far larger is not one of ours. */
#define LEXCACHE_MAX_BYTES (256u << 20)
/* Code objects and dictionaries hashed into the key: each at most this (the
** program is a few MB, each dictionary under 1 MB). */
#define LEXCACHE_MAX_INPUT (512u << 20)
/* Cache files kept in one folder: builds of a few fossc versions side by
** side (a test suite, an installed binary) keep theirs; older ones go. */
#define LEXCACHE_KEEP_FILES 4

static int hash_file(XXH3_state_t *st, const char *path, fossc_buf *scratch) {
  fossc_error e;
  if (fossc_read_file(path, LEXCACHE_MAX_INPUT, scratch, &e)) return -1;
  uint64_t n = scratch->len;
  XXH3_128bits_update(st, &n, sizeof n);
  XXH3_128bits_update(st, scratch->data, scratch->len);
  return 0;
}

/* The file of the shared object holding `sym`; NULL when unknown. */
static const char *object_of(const void *sym) {
  Dl_info di;
  if (!dladdr(sym, &di) || !di.dli_fname || di.dli_fname[0] != '/') return NULL;
  return di.dli_fname;
}

int fossc_lexcache_key(const char *const paths[2], uint8_t key[16]) {
  XXH3_state_t *st = XXH3_createState();
  if (!st) return -1;
  fossc_buf scratch = FOSSC_BUF_INIT;
  int rc = XXH3_128bits_reset(st) == XXH_OK ? 0 : -1;
  static const char tag[] = "fossc prepared lexicon";
  if (!rc) XXH3_128bits_update(st, tag, sizeof tag);
  for (int i = 0; !rc && i < 2; i++) rc = hash_file(st, paths[i], &scratch);
  /* The program that analyses (libfossc is linked into it) and the
  ** libraries whose behaviour the terms depend on, if shared. A static
  ** link leaves them in the program; objects dladdr cannot name are
  ** covered by the program's bytes only when linked in, so no key then. */
  if (!rc) rc = hash_file(st, "/proc/self/exe", &scratch);
  const char *objs[2] = {object_of((const void *)sb_stemmer_new),
                         object_of((const void *)utf8proc_decompose)};
  for (int i = 0; !rc && i < 2; i++)
    if (objs[i]) rc = hash_file(st, objs[i], &scratch);
  if (!rc) {
    XXH128_hash_t h = XXH3_128bits_digest(st);
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, h);
    memcpy(key, c.digest, 16);
  }
  fossc_buf_free(&scratch);
  XXH3_freeState(st);
  return rc;
}

static void cache_path(const char *dir, const uint8_t key[16], char *out, size_t outsz) {
  char hex[33];
  for (int i = 0; i < 16; i++) snprintf(hex + 2 * i, 3, "%02x", key[i]);
  snprintf(out, outsz, "%s/lexicon-%s.bin", dir, hex);
}

int fossc_lexcache_parse(const uint8_t *p, size_t n, const uint8_t key[16],
                         fossc_lexicon_info *info, char *version, size_t version_sz,
                         int *lt_print, fossc_error *err, struct builder **out) {
  *out = NULL;
  if (n < LEXCACHE_HEADER_BYTES + 8 || memcmp(p, LEXCACHE_MAGIC, 8) != 0)
    return fossc_error_set(err, FOSSC_ERR_CORRUPT, "not a prepared-lexicon file");
  if (fossc_rd32(p + 8) != LEXCACHE_VERSION)
    return fossc_error_set(err, FOSSC_ERR_VERSION, "prepared-lexicon format %u, not %u",
                           fossc_rd32(p + 8), LEXCACHE_VERSION);
  if (XXH3_64bits(p, n - 8) != fossc_rd64(p + n - 8))
    return fossc_error_set(err, FOSSC_ERR_CORRUPT, "prepared lexicon: checksum mismatch");
  uint32_t flags = fossc_rd32(p + 12);
  if (flags & ~1u) return fossc_error_set(err, FOSSC_ERR_CORRUPT, "prepared lexicon: unknown flags");
  if (key && memcmp(p + 16, key, 16) != 0)
    return fossc_error_set(err, FOSSC_ERR_CORRUPT, "prepared lexicon: another key");
  uint32_t nstr = fossc_rd32(p + 48), vlen = fossc_rd32(p + 52);
  uint64_t nents = fossc_rd64(p + 56), slen = fossc_rd64(p + 64);
  uint64_t body = n - 8 - LEXCACHE_HEADER_BYTES;
  if (vlen >= version_sz || vlen > body || slen > body - vlen || nents > (body - vlen - slen) / 16 ||
      nents * 16 != body - vlen - slen)
    return fossc_error_set(err, FOSSC_ERR_CORRUPT, "prepared lexicon: sizes do not add up");
  const uint8_t *v = p + LEXCACHE_HEADER_BYTES;
  for (uint32_t i = 0; i < vlen; i++)
    if (v[i] <= ' ' || v[i] >= 0x7f)
      return fossc_error_set(err, FOSSC_ERR_CORRUPT, "prepared lexicon: bad version string");
  memcpy(version, v, vlen);
  version[vlen] = '\0';
  for (int l = 0; l < FOSSC_LANG_COUNT; l++) info->lemma_pairs[l] = fossc_rd32(p + 32 + 4 * l);
  info->truncated = fossc_rd32(p + 44) != 0;
  *lt_print = (int)(flags & 1u);
  return fossc_lexb_restore(v + vlen, (size_t)slen, nstr, v + vlen + slen, (size_t)nents, info,
                            err, out);
}

int fossc_lexcache_load(const char *dir, const uint8_t key[16], fossc_lexicon_info *info,
                        char *version, size_t version_sz, int *lt_print, fossc_error *err,
                        struct builder **out) {
  *out = NULL;
  char path[4096];
  cache_path(dir, key, path, sizeof path);
  fossc_buf data = FOSSC_BUF_INIT;
  int rc = fossc_read_file(path, LEXCACHE_MAX_BYTES, &data, err);
  if (rc == FOSSC_OK) {
    rc = fossc_lexcache_parse((const uint8_t *)data.data, data.len, key, info, version,
                              version_sz, lt_print, err, out);
    if (rc) {
      char msg[sizeof err->msg];
      snprintf(msg, sizeof msg, "%s", err->msg);
      fossc_error_set(err, rc, "%s: %s", path, msg);
    }
  }
  fossc_buf_free(&data);
  return rc;
}

/* Creates `dir` and its missing parents (mode 0700: a user's cache). */
static int make_dirs(const char *dir) {
  char p[4096];
  size_t n = strlen(dir);
  if (n == 0 || n >= sizeof p) return -1;
  memcpy(p, dir, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (p[i] != '/' && p[i] != '\0') continue;
    char c = p[i];
    p[i] = '\0';
    if (mkdir(p, 0700) != 0 && errno != EEXIST) return -1;
    p[i] = c;
  }
  return 0;
}

/* Removes the oldest lexicon-*.bin files past LEXCACHE_KEEP_FILES. */
static void prune(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct {
    char name[64];
    time_t mtime;
  } f[LEXCACHE_KEEP_FILES + 1];
  int nf = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (len >= sizeof f[0].name || strncmp(e->d_name, "lexicon-", 8) != 0 || len < 12 ||
        strcmp(e->d_name + len - 4, ".bin") != 0)
      continue;
    struct stat sb;
    if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0) continue;
    memcpy(f[nf].name, e->d_name, len + 1);
    f[nf].mtime = sb.st_mtime;
    if (++nf <= LEXCACHE_KEEP_FILES) continue;
    int old = 0; /* one too many: drop the oldest */
    for (int i = 1; i < nf; i++)
      if (f[i].mtime < f[old].mtime) old = i;
    (void)unlinkat(dirfd(d), f[old].name, 0);
    f[old] = f[--nf];
  }
  closedir(d);
}

int fossc_lexcache_save(const char *dir, const uint8_t key[16], const struct builder *b,
                        const fossc_lexicon_info *info, const char *version, int lt_print) {
  fossc_buf o = FOSSC_BUF_INIT;
  uint32_t nstr = fossc_lexb_nstrings(b);
  size_t nents, vlen = strlen(version);
  const fossc_lexb_entry *ents = fossc_lexb_entries(b, &nents);
  fossc_buf_append(&o, LEXCACHE_MAGIC, 8);
  fossc_buf_put_u32(&o, LEXCACHE_VERSION);
  fossc_buf_put_u32(&o, lt_print ? 1u : 0u);
  fossc_buf_append(&o, key, 16);
  for (int l = 0; l < FOSSC_LANG_COUNT; l++) fossc_buf_put_u32(&o, info->lemma_pairs[l]);
  fossc_buf_put_u32(&o, info->truncated ? 1u : 0u);
  fossc_buf_put_u32(&o, nstr);
  fossc_buf_put_u32(&o, (uint32_t)vlen);
  fossc_buf_put_u64(&o, nents);
  size_t slen_at = o.len;
  fossc_buf_put_u64(&o, 0); /* string bytes, below */
  fossc_buf_append(&o, version, vlen);
  size_t s0 = o.len;
  for (uint32_t r = 0; r < nstr; r++) {
    size_t len;
    const char *s = fossc_lexb_string(b, r, &len);
    fossc_buf_putc(&o, (char)len);
    fossc_buf_append(&o, s, len);
  }
  uint64_t slen = o.len - s0;
  for (size_t i = 0; i < nents; i++) {
    fossc_buf_put_u64(&o, ents[i].k1);
    fossc_buf_put_u64(&o, ents[i].k2);
  }
  int rc = o.oom ? -1 : 0;
  if (!rc) {
    for (int i = 0; i < 8; i++) o.data[slen_at + i] = (char)(slen >> (8 * i));
    fossc_buf_put_u64(&o, XXH3_64bits(o.data, o.len));
    rc = o.oom ? -1 : 0;
  }
  char path[4096], tmp[4096];
  int fd = -1;
  if (!rc && make_dirs(dir) != 0) rc = -1;
  if (!rc) {
    cache_path(dir, key, path, sizeof path);
    int w = snprintf(tmp, sizeof tmp, "%s/.lexicon-XXXXXX", dir);
    rc = (w > 0 && (size_t)w < sizeof tmp && (fd = mkstemp(tmp)) >= 0) ? 0 : -1;
  }
  for (size_t at = 0; !rc && at < o.len;) {
    ssize_t k = write(fd, o.data + at, o.len - at);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) rc = -1;
    else at += (size_t)k;
  }
  if (fd >= 0) {
    if (close(fd) != 0) rc = -1;
    if (rc || rename(tmp, path) != 0) {
      (void)unlink(tmp);
      rc = -1;
    }
  }
  fossc_buf_free(&o);
  if (!rc) prune(dir);
  return rc;
}
