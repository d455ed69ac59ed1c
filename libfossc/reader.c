/*
** Index reader: maps the current generation read-only, verifies the header,
** the section table, every section's XXH64 and the bounds of every
** fixed-size record, so that later reads only need the per-block checks of
** postings.c. A file that fails any check is refused with its path and the
** section at fault.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include "postings.h"
#include "reader.h"
#include "typo.h"

/* CURRENT holds one short file name; anything longer is not ours. */
#define CURRENT_MAX 64

/* A word's first 8 bytes as a big-endian integer, zero-padded: integers
** compare like the strings' first 8 bytes (fossc_index.word_fence). */
static uint64_t word_key(const char *s, size_t n) {
  uint64_t k = 0;
  for (size_t i = 0; i < 8; i++) k = k << 8 | (i < n ? (uint8_t)s[i] : 0);
  return k;
}

/* The fences (word_key of every step-th of n sorted strings) of a string
** with key `key`: fences whose key is below it start with a smaller string,
** those whose key is above it with a larger one (strings hold no NUL byte,
** so the zero padding sorts like the end of a shorter string); equal keys
** decide nothing. Sets [*from, *to) to the strings between the last
** smaller fence and the first larger one: the string's lower bound, and
** the string itself if present, lie there. */
static void fence_range(const uint64_t *fence, uint32_t nfence, uint32_t step,
                        uint32_t n, uint64_t key, uint32_t *from,
                        uint32_t *to) {
  uint32_t lo = 0, hi = nfence;
  while (lo < hi) { /* first fence with a key >= key */
    uint32_t mid = lo + (hi - lo) / 2;
    if (fence[mid] < key)
      lo = mid + 1;
    else
      hi = mid;
  }
  uint32_t below = lo;
  hi = nfence;
  while (lo < hi) { /* first fence with a key > key */
    uint32_t mid = lo + (hi - lo) / 2;
    if (fence[mid] <= key)
      lo = mid + 1;
    else
      hi = mid;
  }
  *from = below ? (below - 1) * step + 1 : 0;
  *to = lo < nfence ? lo * step : n;
}

/* fence[0..ceil(n / step)): word_key of every step-th string; NULL when
** out of memory. */
static uint64_t *build_fences(uint32_t n, uint32_t step, uint32_t *nfence,
                              const char *(*str)(const void *, uint32_t,
                                                 uint32_t *),
                              const void *ctx) {
  *nfence = (n + step - 1) / step;
  uint64_t *f = fossc_malloc((size_t)(*nfence ? *nfence : 1) * sizeof *f);
  if (!f) return NULL;
  for (uint32_t i = 0; i < *nfence; i++) {
    uint32_t len;
    const char *s = str(ctx, i * step, &len);
    f[i] = word_key(s, len);
  }
  return f;
}

static const char *word_at(const void *ctx, uint32_t i, uint32_t *len) {
  return fossc_ix_word_str(ctx, i, len);
}

static const char *lex_key_en(const void *ctx, uint32_t i, uint32_t *len) {
  return fossc_lexicon_key(ctx, FOSSC_LANG_EN, i, len);
}

static const char *lex_key_es(const void *ctx, uint32_t i, uint32_t *len) {
  return fossc_lexicon_key(ctx, FOSSC_LANG_ES, i, len);
}

/* Bloom filter blocks: 8 words (one cache line); a key sets 4 bits of the
** block its hash's low bits choose, 9 bits of the high 36 each. */
#define BLOOM_BLOCK_WORDS 8

/* Bit i (0-3) of a key with hash h within its block. */
static inline uint32_t bloom_bit(uint64_t h, int i) {
  return (uint32_t)(h >> (28 + 9 * i)) & 511;
}

static int bloom_may_have(const uint64_t *b, uint32_t mask, uint64_t h) {
  const uint64_t *blk = b + (size_t)(h & mask) * BLOOM_BLOCK_WORDS;
  for (int i = 0; i < 4; i++) {
    uint32_t bit = bloom_bit(h, i);
    if (!(blk[bit >> 6] >> (bit & 63) & 1)) return 0;
  }
  return 1;
}

/* The Bloom filter of the lexicon's keys of language `from`; NULL when out
** of memory. */
static uint64_t *build_bloom(const fossc_lexicon *lx, fossc_lang from,
                             uint32_t *mask) {
  uint32_t n = fossc_lexicon_nkeys(lx, from);
  uint64_t want = (uint64_t)n * FOSSC_LEX_BLOOM_BITS_PER_KEY / 512 + 1;
  uint32_t nb = 1;
  while (nb < want && nb < (1u << 24)) nb <<= 1;
  uint64_t *b = fossc_calloc((size_t)nb * BLOOM_BLOCK_WORDS, sizeof *b);
  if (!b) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t len;
    const char *k = fossc_lexicon_key(lx, from, i, &len);
    uint64_t h = XXH3_64bits(k, len);
    uint64_t *blk = b + (size_t)(h & (nb - 1)) * BLOOM_BLOCK_WORDS;
    for (int j = 0; j < 4; j++) {
      uint32_t bit = bloom_bit(h, j);
      blk[bit >> 6] |= (uint64_t)1 << (bit & 63);
    }
  }
  *mask = nb - 1;
  return b;
}

static int corrupt(fossc_error *err, const fossc_index *ix, const char *sec,
                   const char *what) {
  return fossc_error_set(err, FOSSC_ERR_CORRUPT, "%s: section %s: %s",
                         ix->path, sec, what);
}

static int read_current(const char *dir, char *name, fossc_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/CURRENT", dir);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fossc_error_set(err, errno == ENOENT ? FOSSC_ERR_NOTFOUND : FOSSC_ERR_IO,
                           "no index in %s (cannot open %s: %s)", dir, path,
                           strerror(errno));
  ssize_t n = read(fd, name, CURRENT_MAX);
  close(fd);
  if (n <= 0)
    return fossc_error_set(err, FOSSC_ERR_CORRUPT, "%s: empty or unreadable",
                           path);
  name[n < CURRENT_MAX ? n : CURRENT_MAX - 1] = '\0';
  char *nl = strchr(name, '\n');
  if (nl) *nl = '\0';
  unsigned g;
  char tail[8];
  if (sscanf(name, "fossc-%u.%7s", &g, tail) != 2 || strcmp(tail, "idx") ||
      strchr(name, '/'))
    return fossc_error_set(err, FOSSC_ERR_CORRUPT,
                           "%s: does not name an index generation", path);
  return FOSSC_OK;
}

static const struct {
  const char *name;
  size_t off; /* of the fossc_section inside fossc_index */
  int required;
} sections[] = {
    {FOSSC_SEC_META, offsetof(fossc_index, meta), 1},
    {FOSSC_SEC_TERMS, offsetof(fossc_index, terms), 1},
    {FOSSC_SEC_TSTR, offsetof(fossc_index, tstr), 1},
    {FOSSC_SEC_POSTS, offsetof(fossc_index, posts), 1},
    {FOSSC_SEC_WORDS, offsetof(fossc_index, words), 1},
    {FOSSC_SEC_WSTR, offsetof(fossc_index, wstr), 1},
    {FOSSC_SEC_NORMS, offsetof(fossc_index, norms), 1},
    {FOSSC_SEC_DDOC, offsetof(fossc_index, ddoc), 1},
    {FOSSC_SEC_FBLK, offsetof(fossc_index, fblk), 1},
    {FOSSC_SEC_FLDS, offsetof(fossc_index, flds), 1},
    {FOSSC_SEC_DBLK, offsetof(fossc_index, dblk), 1},
    {FOSSC_SEC_DOCS, offsetof(fossc_index, docs), 1},
    {FOSSC_SEC_IDS, offsetof(fossc_index, ids), 1},
    {FOSSC_SEC_TRANS, offsetof(fossc_index, trans), 0},
};

static float rdf32(const uint8_t *p) {
  uint32_t u = fossc_rd32(p);
  float f;
  memcpy(&f, &u, 4);
  return f;
}

static int check_header(fossc_index *ix, fossc_error *err) {
  const uint8_t *m = ix->map;
  if (ix->map_len < FOSSC_HEADER_BYTES ||
      memcmp(m, FOSSC_INDEX_MAGIC, 8) != 0)
    return fossc_error_set(err, FOSSC_ERR_CORRUPT,
                           "%s: not a fossc index (bad magic)", ix->path);
  uint32_t version = fossc_rd32(m + 8);
  if (version != FOSSC_FORMAT_VERSION)
    return fossc_error_set(err, FOSSC_ERR_VERSION,
                           "%s: index format %u; rebuild with this "
                           "fossc-index (it writes and reads format %d)",
                           ix->path, version, FOSSC_FORMAT_VERSION);
  uint32_t nsec = fossc_rd32(m + 12);
  size_t table_end =
      FOSSC_HEADER_BYTES + (size_t)FOSSC_MAX_SECTIONS * FOSSC_SECTION_ENTRY_BYTES;
  if (nsec > FOSSC_MAX_SECTIONS || ix->map_len < table_end)
    return corrupt(err, ix, "header", "bad section count or truncated table");
  if (fossc_rd64(m + 16) != ix->map_len)
    return fossc_error_set(err, FOSSC_ERR_CORRUPT,
                           "%s: file is %zu bytes, header says %llu "
                           "(truncated or extended)",
                           ix->path, ix->map_len,
                           (unsigned long long)fossc_rd64(m + 16));
  XXH64_state_t *xx = XXH64_createState();
  if (!xx) return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  XXH64_reset(xx, 0);
  XXH64_update(xx, m, 40);
  XXH64_update(xx, m + FOSSC_HEADER_BYTES,
               (size_t)FOSSC_MAX_SECTIONS * FOSSC_SECTION_ENTRY_BYTES);
  uint64_t h = XXH64_digest(xx);
  XXH64_freeState(xx);
  if (h != fossc_rd64(m + 40))
    return corrupt(err, ix, "header", "checksum mismatch");
  ix->ndocs = fossc_rd32(m + 24);

  for (uint32_t i = 0; i < nsec; i++) {
    const uint8_t *e = m + FOSSC_HEADER_BYTES + (size_t)i * FOSSC_SECTION_ENTRY_BYTES;
    char name[9] = {0};
    memcpy(name, e, 8);
    uint64_t off = fossc_rd64(e + 8), len = fossc_rd64(e + 16);
    if (off < table_end || off > ix->map_len || len > ix->map_len - off ||
        off % FOSSC_SECTION_ALIGN)
      return corrupt(err, ix, name, "offset or length out of the file");
    if (XXH64(m + off, (size_t)len, 0) != fossc_rd64(e + 24))
      return corrupt(err, ix, name, "checksum mismatch");
    for (size_t k = 0; k < sizeof sections / sizeof sections[0]; k++)
      if (strcmp(name, sections[k].name) == 0) {
        fossc_section *s = (fossc_section *)((char *)ix + sections[k].off);
        s->p = m + off;
        s->len = len;
      }
    /* Unknown sections are ignored: a later minor version may add some. */
  }
  for (size_t k = 0; k < sizeof sections / sizeof sections[0]; k++) {
    const fossc_section *s =
        (const fossc_section *)((const char *)ix + sections[k].off);
    if (sections[k].required && !s->p)
      return corrupt(err, ix, sections[k].name, "missing");
  }
  return FOSSC_OK;
}

/* Checks every fixed-size record against the sections it points into. */
static int check_records(fossc_index *ix, fossc_error *err) {
  const uint8_t *mt = ix->meta.p;
  if (ix->meta.len < FOSSC_META_BYTES) return corrupt(err, ix, "META", "short");
  if (fossc_rd32(mt) != ix->ndocs)
    return corrupt(err, ix, "META", "document count differs from header");
  ix->nterms = fossc_rd32(mt + 4);
  ix->nwords = fossc_rd32(mt + 8);
  if (fossc_rd32(mt + 12) != FOSSC_BLOCK_DOCS)
    return corrupt(err, ix, "META", "unsupported block size");
  ix->title_tokens = fossc_rd64(mt + 16);
  ix->body_tokens = fossc_rd64(mt + 24);
  ix->nblocks = fossc_rd32(mt + 32);
  ix->nfblocks = fossc_rd32(mt + 64);
  ix->docs_en = fossc_rd32(mt + 36);
  ix->docs_es = fossc_rd32(mt + 40);
  if (rdf32(mt + 44) != FOSSC_BM25_K1 || rdf32(mt + 48) != FOSSC_BM25_W_TITLE ||
      rdf32(mt + 52) != FOSSC_BM25_B_TITLE ||
      rdf32(mt + 56) != FOSSC_BM25_W_BODY || rdf32(mt + 60) != FOSSC_BM25_B_BODY)
    return corrupt(err, ix, "META",
                   "built with other BM25F parameters (rebuild the index)");
  ix->avg_title = ix->ndocs ? (float)ix->title_tokens / ix->ndocs : 0;
  ix->avg_body = ix->ndocs ? (float)ix->body_tokens / ix->ndocs : 0;

  if (ix->nterms >= UINT32_MAX ||
      ix->terms.len != ((uint64_t)ix->nterms + 1) * FOSSC_TERM_ENTRY_BYTES)
    return corrupt(err, ix, "TERMS", "size does not match the term count");
  /* Offsets start at 0 and grow to the sentinel's, which ends TSTR and
  ** POSTS. Each term is checked before the ones after it, so its end (the
  ** next entry's offsets) is bounded by the sections here as well. */
  const uint8_t *sentinel = fossc_ix_term_entry(ix, ix->nterms);
  if (fossc_rd32(ix->terms.p) != 0 || fossc_ix_term_post_off(ix->terms.p) != 0 ||
      fossc_rd32(sentinel) != ix->tstr.len ||
      fossc_ix_term_post_off(sentinel) != ix->posts.len)
    return corrupt(err, ix, "TERMS", "offsets do not span TSTR and POSTS");
  const char *prev = NULL;
  uint32_t prev_len = 0;
  for (uint32_t t = 0; t < ix->nterms; t++) {
    const uint8_t *e = fossc_ix_term_entry(ix, t);
    const uint8_t *next = e + FOSSC_TERM_ENTRY_BYTES;
    uint32_t so = fossc_rd32(e), df = fossc_rd32(e + 4);
    uint64_t po = fossc_ix_term_post_off(e);
    if (fossc_rd32(next) <= so || fossc_rd32(next) - so > FOSSC_MAX_STR_BYTES ||
        fossc_rd32(next) > ix->tstr.len)
      return corrupt(err, ix, "TERMS", "term string out of TSTR");
    if (fossc_ix_term_post_off(next) <= po ||
        fossc_ix_term_post_off(next) > ix->posts.len || df == 0 ||
        df > ix->ndocs)
      return corrupt(err, ix, "TERMS", "postings out of POSTS or bad df");
    uint32_t sl = fossc_rd32(next) - so;
    /* The list's last document bounds every document of the list
    ** (documents increase strictly, which the cursor checks as it decodes),
    ** so no posting can name a document past the norms and the store. */
    fossc_postings_hdr h;
    if (fossc_postings_head(ix->posts.p + po,
                            (size_t)(fossc_ix_term_post_off(next) - po), df,
                            &h) ||
        h.last >= ix->ndocs)
      return corrupt(err, ix, "POSTS", "a postings list is malformed or "
                     "names a document past the last one");
    const char *s = (const char *)ix->tstr.p + so;
    if (prev) {
      int c = memcmp(prev, s, prev_len < sl ? prev_len : sl);
      if (c > 0 || (c == 0 && prev_len >= sl))
        return corrupt(err, ix, "TERMS", "terms not in strictly sorted order");
    }
    prev = s;
    prev_len = sl;
  }
  if (ix->words.len != (uint64_t)ix->nwords * FOSSC_WORD_ENTRY_BYTES)
    return corrupt(err, ix, "WORDS", "size does not match the word count");
  for (uint32_t w = 0; w < ix->nwords; w++) {
    const uint8_t *e = ix->words.p + (size_t)w * FOSSC_WORD_ENTRY_BYTES;
    uint64_t so = fossc_rd32(e);
    if (so >= ix->wstr.len || ix->wstr.p[so] == 0 ||
        ix->wstr.p[so] > ix->wstr.len - so - 1 || fossc_rd32(e + 4) >= ix->nterms)
      return corrupt(err, ix, "WORDS", "entry out of bounds");
  }
  if (ix->norms.len != (uint64_t)ix->ndocs * FOSSC_NORM_ENTRY_BYTES)
    return corrupt(err, ix, "NORMS", "size does not match the document count");
  for (uint32_t d = 0; d < ix->ndocs; d++)
    if (fossc_ix_lang(ix, d) >= FOSSC_LANG_COUNT)
      return corrupt(err, ix, "NORMS", "bad language code");
  /* BM25F length normalisation per document, inverted once here: every
  ** scored document would otherwise pay two lookups and two divisions per
  ** concept (8 bytes per document). */
  ix->inv_norm = fossc_malloc((size_t)(ix->ndocs ? ix->ndocs : 1) * 2 * sizeof(float));
  if (!ix->inv_norm)
    return fossc_error_set(err, FOSSC_ERR_NOMEM, "%s: out of memory", ix->path);
  for (uint32_t d = 0; d < ix->ndocs; d++) {
    float nt = 1.0f - FOSSC_BM25_B_TITLE +
               FOSSC_BM25_B_TITLE *
                   (ix->avg_title > 0 ? fossc_ix_title_len(ix, d) / ix->avg_title : 1);
    float nb = 1.0f - FOSSC_BM25_B_BODY +
               FOSSC_BM25_B_BODY *
                   (ix->avg_body > 0 ? fossc_ix_body_len(ix, d) / ix->avg_body : 1);
    ix->inv_norm[2 * (size_t)d] = FOSSC_BM25_W_TITLE / nt;
    ix->inv_norm[2 * (size_t)d + 1] = FOSSC_BM25_W_BODY / nb;
  }
  ix->word_fence = build_fences(ix->nwords, FOSSC_WORD_FENCE_STEP, &ix->nfence,
                                word_at, ix);
  if (!ix->word_fence)
    return fossc_error_set(err, FOSSC_ERR_NOMEM, "%s: out of memory", ix->path);
  if (ix->ids.len != (uint64_t)ix->ndocs * FOSSC_IDS_ENTRY_BYTES)
    return corrupt(err, ix, "IDS", "size does not match the document count");
  for (uint32_t d = 0; d < ix->ndocs; d++)
    if (fossc_rd32(ix->ids.p + (size_t)d * FOSSC_IDS_ENTRY_BYTES + 8) >= ix->ndocs)
      return corrupt(err, ix, "IDS", "document number out of range");
  const fossc_section *blk[2] = {&ix->fblk, &ix->dblk};
  const fossc_section *data[2] = {&ix->flds, &ix->docs};
  const uint32_t nb[2] = {ix->nfblocks, ix->nblocks};
  const char *names[2] = {"FBLK", "DBLK"};
  for (int k = 0; k < 2; k++) {
    if (blk[k]->len != (uint64_t)nb[k] * FOSSC_DBLK_ENTRY_BYTES)
      return corrupt(err, ix, names[k], "size does not match the block count");
    for (uint32_t b = 0; b < nb[k]; b++) {
      const uint8_t *e = blk[k]->p + (size_t)b * FOSSC_DBLK_ENTRY_BYTES;
      uint64_t off = fossc_rd64(e), len = fossc_rd32(e + 8);
      if (off > data[k]->len || len > data[k]->len - off ||
          fossc_rd32(e + 12) > FOSSC_MAX_STORE_RAW)
        return corrupt(err, ix, names[k], "block out of its data section");
    }
  }
  if (ix->ddoc.len != (uint64_t)ix->ndocs * FOSSC_DDOC_ENTRY_BYTES)
    return corrupt(err, ix, "DDOC", "size does not match the document count");
  for (uint32_t d = 0; d < ix->ndocs; d++) {
    const uint8_t *e = ix->ddoc.p + (size_t)d * FOSSC_DDOC_ENTRY_BYTES;
    for (int k = 0; k < 2; k++) {
      uint32_t b = fossc_rd32(e + 8 * k);
      if (b >= nb[k] ||
          fossc_rd32(e + 8 * k + 4) >=
              fossc_rd32(blk[k]->p + (size_t)b * FOSSC_DBLK_ENTRY_BYTES + 12))
        return corrupt(err, ix, "DDOC", "document outside its block");
    }
  }
  return FOSSC_OK;
}

static int term_eq(const void *ctx, uint32_t t) {
  const void *const *k = ctx;
  const fossc_index *ix = k[0];
  const char *s = k[1];
  size_t n = *(const size_t *)k[2];
  uint32_t len;
  const char *ts = fossc_ix_term_str(ix, t, &len);
  return len == n && memcmp(ts, s, n) == 0;
}

uint32_t fossc_ix_find_term(const fossc_index *ix, const char *s, size_t n) {
  const void *k[3] = {ix, s, &n};
  return fossc_htab_find(&ix->term_ix, XXH3_64bits(s, n), term_eq, k);
}

uint32_t fossc_ix_word_lower_bound(const fossc_index *ix, const char *s,
                                   size_t n) {
  uint32_t from, to;
  fence_range(ix->word_fence, ix->nfence, FOSSC_WORD_FENCE_STEP, ix->nwords,
              word_key(s, n), &from, &to);
  return fossc_ix_word_lower_bound_in(ix, from, to, s, n);
}

uint32_t fossc_ix_translate(const fossc_index *ix, fossc_lang from,
                            const char *key, size_t len,
                            fossc_lexicon_target *out, uint32_t max) {
  if (!ix->has_lex || (from != FOSSC_LANG_EN && from != FOSSC_LANG_ES) ||
      !key || len == 0 || len > FOSSC_LEXICON_MAX_STRING ||
      !bloom_may_have(ix->lex_bloom[from], ix->lex_bloom_mask[from],
                      XXH3_64bits(key, len)))
    return 0;
  uint32_t lo, hi;
  fence_range(ix->lex_fence[from], ix->nlex_fence[from], FOSSC_LEX_FENCE_STEP,
              fossc_lexicon_nkeys(&ix->lex, from), word_key(key, len), &lo, &hi);
  return fossc_lexicon_lookup_in(&ix->lex, from, lo, hi, key, len, out, max);
}

uint32_t fossc_ix_word_lower_bound_in(const fossc_index *ix, uint32_t lo,
                                      uint32_t hi, const char *s, size_t n) {
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2, len;
    const char *w = fossc_ix_word_str(ix, mid, &len);
    int c = memcmp(w, s, len < n ? len : n);
    if (c < 0 || (c == 0 && len < n))
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

int fossc_index_open(const char *dir, fossc_index **out, fossc_error *err) {
  char name[CURRENT_MAX + 1];
  int rc = read_current(dir, name, err);
  if (rc) return rc;
  fossc_index *ix = fossc_calloc(1, sizeof *ix);
  if (!ix) return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  atomic_init(&ix->refs, 1);
  size_t plen = strlen(dir) + strlen(name) + 2;
  ix->path = fossc_malloc(plen);
  if (!ix->path) {
    fossc_free(ix);
    return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  }
  snprintf(ix->path, plen, "%s/%s", dir, name);
  int fd = open(ix->path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st)) {
    rc = fossc_error_set(err, FOSSC_ERR_IO, "cannot open %s: %s", ix->path,
                         strerror(errno));
    if (fd >= 0) close(fd);
    fossc_index_free(ix);
    return rc;
  }
  ix->map_len = (size_t)st.st_size;
  if (ix->map_len > 0) {
    void *m = mmap(NULL, ix->map_len, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
      rc = fossc_error_set(err, FOSSC_ERR_IO, "cannot map %s: %s", ix->path,
                           strerror(errno));
      close(fd);
      ix->map_len = 0;
      fossc_index_free(ix);
      return rc;
    }
    ix->map = m;
  }
  close(fd);
  rc = check_header(ix, err);
  if (!rc) rc = check_records(ix, err);
  if (!rc && ix->trans.p) {
    fossc_error lerr;
    if (fossc_lexicon_open(ix->trans.p, (size_t)ix->trans.len, &ix->lex, &lerr))
      rc = fossc_error_set(err, FOSSC_ERR_CORRUPT, "%s: section TRANS: %s",
                           ix->path, lerr.msg);
    else
      ix->has_lex = 1;
  }
  if (!rc && ix->has_lex) {
    ix->lex_fence[FOSSC_LANG_EN] =
        build_fences(fossc_lexicon_nkeys(&ix->lex, FOSSC_LANG_EN),
                     FOSSC_LEX_FENCE_STEP, &ix->nlex_fence[FOSSC_LANG_EN],
                     lex_key_en, &ix->lex);
    ix->lex_fence[FOSSC_LANG_ES] =
        build_fences(fossc_lexicon_nkeys(&ix->lex, FOSSC_LANG_ES),
                     FOSSC_LEX_FENCE_STEP, &ix->nlex_fence[FOSSC_LANG_ES],
                     lex_key_es, &ix->lex);
    for (int l = FOSSC_LANG_EN; l <= FOSSC_LANG_ES; l++)
      ix->lex_bloom[l] =
          build_bloom(&ix->lex, (fossc_lang)l, &ix->lex_bloom_mask[l]);
    if (!ix->lex_fence[FOSSC_LANG_EN] || !ix->lex_fence[FOSSC_LANG_ES] ||
        !ix->lex_bloom[FOSSC_LANG_EN] || !ix->lex_bloom[FOSSC_LANG_ES])
      rc = fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  }
  if (!rc && fossc_htab_init(&ix->term_ix, ix->nterms))
    rc = fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  for (uint32_t t = 0; !rc && t < ix->nterms; t++) {
    uint32_t len;
    const char *s = fossc_ix_term_str(ix, t, &len);
    if (fossc_htab_insert(&ix->term_ix, XXH3_64bits(s, len), t))
      rc = fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  }
  if (rc) {
    fossc_index_free(ix);
    return rc;
  }
  *out = ix;
  return FOSSC_OK;
}

fossc_index *fossc_index_retain(fossc_index *ix) {
  atomic_fetch_add(&ix->refs, 1);
  return ix;
}

void fossc_index_free(fossc_index *ix) {
  if (!ix || atomic_fetch_sub(&ix->refs, 1) != 1) return;
  if (ix->map) munmap((void *)ix->map, ix->map_len);
  fossc_htab_release(&ix->term_ix);
  fossc_typo_release(ix);
  fossc_free(ix->inv_norm);
  fossc_free(ix->word_fence);
  for (int l = 0; l < FOSSC_LANG_COUNT; l++) {
    fossc_free(ix->lex_fence[l]);
    fossc_free(ix->lex_bloom[l]);
  }
  fossc_free(ix->path);
  fossc_free(ix);
}

uint32_t fossc_index_doc_count(const fossc_index *ix) { return ix->ndocs; }
const char *fossc_index_path(const fossc_index *ix) { return ix->path; }

void fossc_index_stats_json(const fossc_index *ix, fossc_buf *out) {
  fossc_buf_printf(
      out,
      "{\"format_version\":%d,\"docs\":%u,\"docs_en\":%u,\"docs_es\":%u,"
      "\"terms\":%u,\"words\":%u,\"tokens\":%llu,\"index_bytes\":%zu,"
      "\"postings_bytes\":%llu,\"dictionary_bytes\":%llu,"
      "\"store_bytes\":%llu,\"translation_bytes\":%llu,"
      "\"avg_title_words\":%.2f,"
      "\"avg_body_words\":%.2f,\"translation\":",
      FOSSC_FORMAT_VERSION, ix->ndocs, ix->docs_en, ix->docs_es, ix->nterms,
      ix->nwords, (unsigned long long)(ix->title_tokens + ix->body_tokens),
      ix->map_len, (unsigned long long)ix->posts.len,
      (unsigned long long)(ix->terms.len + ix->tstr.len + ix->words.len +
                           ix->wstr.len),
      (unsigned long long)(ix->docs.len + ix->dblk.len + ix->ddoc.len +
                           ix->flds.len + ix->fblk.len),
      (unsigned long long)ix->trans.len, ix->avg_title, ix->avg_body);
  if (ix->has_lex)
    fossc_lexicon_info_json(&ix->lex, out);
  else
    fossc_buf_puts(out, "null");
  /* Every known section's size: where the bytes are. dictionary_bytes is
  ** TERMS + TSTR + WORDS + WSTR; TRANS (a bilingual lexicon, not this
  ** corpus's dictionary) is translation_bytes; all count in index_bytes. */
  fossc_buf_puts(out, ",\"sections\":{");
  int first = 1;
  for (size_t k = 0; k < sizeof sections / sizeof sections[0]; k++) {
    const fossc_section *sec =
        (const fossc_section *)((const char *)ix + sections[k].off);
    if (!sec->p) continue;
    fossc_buf_printf(out, "%s\"%s\":%llu", first ? "" : ",", sections[k].name,
                     (unsigned long long)sec->len);
    first = 0;
  }
  fossc_buf_puts(out, "}}");
}

static int get_str(const uint8_t **p, const uint8_t *end, const char **s,
                   size_t *n) {
  uint64_t len;
  if (fossc_get_varint(p, end, &len) || len > (uint64_t)(end - *p)) return -1;
  *s = (const char *)*p;
  *n = (size_t)len;
  *p += len;
  return 0;
}

/* Block b of a store: *mapped points at it when it is stored raw (scratch
** untouched but for its length, set to `at`), else it is decompressed into
** scratch at offset `at` (*mapped NULL). Returns the raw length or -1. */
static long load_store_block(const fossc_section *blk, const fossc_section *data,
                             uint32_t b, ZSTD_DCtx *dctx, fossc_buf *scratch,
                             size_t at, const uint8_t **mapped) {
  const uint8_t *be = blk->p + (size_t)b * FOSSC_DBLK_ENTRY_BYTES;
  uint64_t zoff = fossc_rd64(be);
  uint32_t zlen = fossc_rd32(be + 8), rawlen = fossc_rd32(be + 12);
  scratch->len = at;
  if (zlen == rawlen) { /* stored raw: a zstd frame is always longer */
    /* Read in place: copying a block of many documents' fields cost more
    ** than the rest of fetching a hit. */
    *mapped = data->p + zoff;
    return (long)rawlen;
  }
  *mapped = NULL;
  if (fossc_buf_reserve(scratch, rawlen)) return -1;
  /* A context of the caller's: ZSTD_decompress would create (and zero) a
  ** new one per call, which costs more than a small block's decoding. */
  size_t got = dctx ? ZSTD_decompressDCtx(dctx, scratch->data + at, rawlen,
                                          data->p + zoff, zlen)
                    : ZSTD_decompress(scratch->data + at, rawlen,
                                      data->p + zoff, zlen);
  if (ZSTD_isError(got) || got != rawlen) return -1;
  scratch->len = at + rawlen;
  return (long)rawlen;
}

void fossc_ix_prefetch_fields(const fossc_index *ix, const uint32_t *docs,
                              uint32_t n) {
  uint64_t nblk = ix->fblk.len / FOSSC_DBLK_ENTRY_BYTES;
  for (uint32_t i = 0; i < n; i++)
    if (docs[i] < ix->ndocs)
      __builtin_prefetch(ix->ddoc.p + (size_t)docs[i] * FOSSC_DDOC_ENTRY_BYTES);
  for (uint32_t i = 0; i < n; i++) {
    if (docs[i] >= ix->ndocs) continue;
    uint32_t b = fossc_rd32(ix->ddoc.p + (size_t)docs[i] * FOSSC_DDOC_ENTRY_BYTES);
    if (b < nblk) __builtin_prefetch(ix->fblk.p + (size_t)b * FOSSC_DBLK_ENTRY_BYTES);
  }
  for (uint32_t i = 0; i < n; i++) {
    if (docs[i] >= ix->ndocs) continue;
    const uint8_t *e = ix->ddoc.p + (size_t)docs[i] * FOSSC_DDOC_ENTRY_BYTES;
    uint32_t b = fossc_rd32(e);
    if (b >= nblk) continue;
    const uint8_t *be = ix->fblk.p + (size_t)b * FOSSC_DBLK_ENTRY_BYTES;
    /* Only a raw block is read in place; a compressed one is decoded. */
    uint64_t at = fossc_rd64(be) + fossc_rd32(e + 4);
    if (fossc_rd32(be + 8) == fossc_rd32(be + 12) && at < ix->flds.len)
      __builtin_prefetch(ix->flds.p + at);
  }
}

int fossc_ix_doc(const fossc_index *ix, uint32_t docnum, int with_body,
                 ZSTD_DCtx *dctx, fossc_buf *scratch, fossc_docview *out,
                 fossc_error *err) {
  if (docnum >= ix->ndocs)
    return fossc_error_set(err, FOSSC_ERR_NOTFOUND, "no document %u", docnum);
  const uint8_t *e = ix->ddoc.p + (size_t)docnum * FOSSC_DDOC_ENTRY_BYTES;
  fossc_buf_reset(scratch);
  /* Layout of scratch: [field block][body block][copies of the strings,
  ** each NUL-terminated], a block only when it had to be decompressed (a
  ** raw one is read where it is mapped). Offsets, not pointers, survive
  ** the reserves. */
  const uint8_t *fmap, *dmap = NULL;
  long flen = load_store_block(&ix->fblk, &ix->flds, fossc_rd32(e), dctx, scratch, 0, &fmap);
  if (flen < 0) goto bad_block;
  size_t dat = scratch->len; /* where a decompressed body block goes */
  long blen = 0;
  if (with_body) {
    blen = load_store_block(&ix->dblk, &ix->docs, fossc_rd32(e + 8), dctx,
                            scratch, dat, &dmap);
    if (blen < 0) goto bad_block;
  }
  /* Each string: in the mapping (map[i]) or at scratch offset rel[i]. */
  const char *map[4] = {NULL, NULL, NULL, NULL};
  size_t rel[4] = {0}, lens[4] = {0};
  const char *str;
  const uint8_t *fb = fmap ? fmap : (const uint8_t *)scratch->data;
  if (fossc_rd32(e + 4) >= (uint64_t)flen) goto bad;
  const uint8_t *p = fb + fossc_rd32(e + 4);
  const uint8_t *end = fb + flen;
  for (int i = 0; i < 3; i++) {
    if (get_str(&p, end, &str, &lens[i])) goto bad;
    if (fmap)
      map[i] = str;
    else
      rel[i] = (size_t)(str - scratch->data);
  }
  if (p >= end || *p >= FOSSC_LANG_COUNT) goto bad;
  fossc_lang lang = (fossc_lang)*p;
  if (with_body) {
    const uint8_t *db = dmap ? dmap : (const uint8_t *)scratch->data + dat;
    if (fossc_rd32(e + 12) >= (uint64_t)blen) goto bad;
    p = db + fossc_rd32(e + 12);
    end = db + blen;
    if (get_str(&p, end, &str, &lens[3])) goto bad;
    if (dmap)
      map[3] = str;
    else
      rel[3] = (size_t)(str - scratch->data);
  }
  if (fossc_buf_reserve(scratch, lens[0] + lens[1] + lens[2] + lens[3] + 4))
    return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  fossc_docview v = {0};
  v.docnum = docnum;
  v.lang = lang;
  size_t at = scratch->len;
  const char **dst[4] = {&v.id, &v.title, &v.source, &v.body};
  size_t *dlen[4] = {&v.id_len, &v.title_len, &v.source_len, &v.body_len};
  for (int i = 0; i < 4; i++) {
    memcpy(scratch->data + at, map[i] ? map[i] : scratch->data + rel[i], lens[i]);
    scratch->data[at + lens[i]] = '\0';
    *dst[i] = scratch->data + at;
    *dlen[i] = lens[i];
    at += lens[i] + 1;
  }
  scratch->len = at;
  *out = v;
  return FOSSC_OK;
bad_block:
  if (scratch->oom) return fossc_error_set(err, FOSSC_ERR_NOMEM, "out of memory");
  return fossc_error_set(err, FOSSC_ERR_CORRUPT,
                         "%s: section %s: block of document %u does not "
                         "decompress", ix->path, with_body ? "DOCS/FLDS" : "FLDS",
                         docnum);
bad:
  return fossc_error_set(err, FOSSC_ERR_CORRUPT,
                         "%s: document store: document %u is malformed",
                         ix->path, docnum);
}

int fossc_index_doc(const fossc_index *ix, uint32_t docnum, fossc_buf *scratch,
                    fossc_docview *out, fossc_error *err) {
  return fossc_ix_doc(ix, docnum, 1, NULL, scratch, out, err);
}

int fossc_index_find_id(const fossc_index *ix, const char *id, size_t len,
                        uint32_t *out_docnum) {
  uint64_t h = XXH3_64bits(id, len);
  uint32_t lo = 0, hi = ix->ndocs;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (fossc_rd64(ix->ids.p + (size_t)mid * FOSSC_IDS_ENTRY_BYTES) < h)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < ix->ndocs &&
      fossc_rd64(ix->ids.p + (size_t)lo * FOSSC_IDS_ENTRY_BYTES) == h) {
    *out_docnum = fossc_rd32(ix->ids.p + (size_t)lo * FOSSC_IDS_ENTRY_BYTES + 8);
    return FOSSC_OK;
  }
  return FOSSC_ERR_NOTFOUND;
}
