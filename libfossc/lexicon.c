/*
** Translation lexicon reader: validation of a blob and lookups. The format
** is in docs/translation.md; the builder is lexicon_build.c.
**
**   header (32 bytes)  magic, u32 version, u32 English keys, u32 Spanish
**                      keys, u32 targets, u32 pool bytes, u32 sources length
**   key table          English keys then Spanish keys, each sorted by bytes
**   target table       each key's targets contiguous, best weight first
**   string pool        sources string, then strings, each followed by NUL
*/
#include "lexicon.h"

#include "json.h"
#include <string.h>

static int corrupt(fossc_error *err, const char *what, uint32_t i) {
  return fossc_error_set(err, FOSSC_ERR_CORRUPT,
                         "translation lexicon: %s (record %u)", what, i);
}

/* Checks that pool[off..off+len) is in bounds and followed by a NUL. */
static int str_ok(const fossc_lexicon *lx, uint32_t off, uint32_t len) {
  if (len == 0 || off > lx->pool_len || len >= lx->pool_len - off) return 0;
  return lx->pool[off + len] == 0;
}

/* memcmp order, a prefix before its extensions. */
static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn) {
  int c = memcmp(a, b, an < bn ? an : bn);
  if (c) return c;
  return an < bn ? -1 : an > bn;
}

int fossc_lexicon_open(const uint8_t *p, size_t len, fossc_lexicon *out,
                       fossc_error *err) {
  if (!p || !out) return fossc_error_set(err, FOSSC_ERR_ARG, "translation lexicon: no input");
  if (len < FOSSC_LEXICON_HEADER_BYTES || memcmp(p, FOSSC_LEXICON_MAGIC, 8) != 0)
    return corrupt(err, "bad magic or short header", 0);
  uint32_t version = fossc_rd32(p + 8);
  if (version != FOSSC_LEXICON_VERSION)
    return fossc_error_set(err, FOSSC_ERR_VERSION,
                           "translation lexicon: version %u, this build reads %u",
                           version, FOSSC_LEXICON_VERSION);
  fossc_lexicon lx;
  memset(&lx, 0, sizeof lx);
  lx.nkeys[FOSSC_LANG_EN] = fossc_rd32(p + 12);
  lx.nkeys[FOSSC_LANG_ES] = fossc_rd32(p + 16);
  lx.ntargets = fossc_rd32(p + 20);
  lx.pool_len = fossc_rd32(p + 24);
  uint32_t src_len = fossc_rd32(p + 28);
  uint64_t nk = (uint64_t)lx.nkeys[FOSSC_LANG_EN] + lx.nkeys[FOSSC_LANG_ES];
  uint64_t want = FOSSC_LEXICON_HEADER_BYTES + nk * FOSSC_LEXICON_KEY_BYTES +
                  (uint64_t)lx.ntargets * FOSSC_LEXICON_TARGET_BYTES + lx.pool_len;
  if (want != len) return corrupt(err, "size does not match the header", 0);
  lx.keys = p + FOSSC_LEXICON_HEADER_BYTES;
  lx.targets = lx.keys + nk * FOSSC_LEXICON_KEY_BYTES;
  lx.pool = lx.targets + (uint64_t)lx.ntargets * FOSSC_LEXICON_TARGET_BYTES;
  lx.first_key[FOSSC_LANG_EN] = 0;
  lx.first_key[FOSSC_LANG_ES] = lx.nkeys[FOSSC_LANG_EN];
  if (src_len >= lx.pool_len || lx.pool[src_len] != 0 ||
      memchr(lx.pool, 0, src_len) != NULL)
    return corrupt(err, "bad sources string", 0);
  lx.sources = (const char *)lx.pool;
  lx.bytes = len;

  for (uint32_t t = 0; t < lx.ntargets; t++) {
    const uint8_t *r = lx.targets + (size_t)t * FOSSC_LEXICON_TARGET_BYTES;
    if (!str_ok(&lx, fossc_rd32(r), r[6])) return corrupt(err, "target string out of bounds", t);
    if (fossc_rd16(r + 4) == 0) return corrupt(err, "target weight is zero", t);
    if (r[7] & ~FOSSC_LEXICON_PHRASE) return corrupt(err, "unknown target flags", t);
  }
  for (int lang = FOSSC_LANG_EN; lang <= FOSSC_LANG_ES; lang++) {
    const char *prev = NULL;
    size_t prev_len = 0;
    for (uint32_t i = 0; i < lx.nkeys[lang]; i++) {
      uint32_t k = lx.first_key[lang] + i;
      const uint8_t *r = lx.keys + (size_t)k * FOSSC_LEXICON_KEY_BYTES;
      uint32_t off = fossc_rd32(r), first = fossc_rd32(r + 4);
      uint32_t count = fossc_rd16(r + 8), klen = r[10];
      if (!str_ok(&lx, off, klen)) return corrupt(err, "key string out of bounds", k);
      if (count == 0 || count > FOSSC_LEXICON_MAX_TARGETS || first > lx.ntargets ||
          count > lx.ntargets - first)
        return corrupt(err, "key targets out of bounds", k);
      if (r[11] & ~FOSSC_LEXICON_PHRASE) return corrupt(err, "unknown key flags", k);
      if (r[11] & FOSSC_LEXICON_PHRASE) lx.nphrase[lang]++;
      const char *s = (const char *)lx.pool + off;
      if (s[0] == FOSSC_LEXICON_EXACT_PREFIX) lx.nexact[lang]++;
      if (prev && cmp_bytes(prev, prev_len, s, klen) >= 0)
        return corrupt(err, "keys not strictly sorted", k);
      prev = s;
      prev_len = klen;
    }
  }
  *out = lx;
  return FOSSC_OK;
}

uint32_t fossc_lexicon_nkeys(const fossc_lexicon *lx, fossc_lang from) {
  if (!lx || !lx->keys || (from != FOSSC_LANG_EN && from != FOSSC_LANG_ES))
    return 0;
  return lx->nkeys[from];
}

const char *fossc_lexicon_key(const fossc_lexicon *lx, fossc_lang from,
                              uint32_t i, uint32_t *len) {
  const uint8_t *r =
      lx->keys + (size_t)(lx->first_key[from] + i) * FOSSC_LEXICON_KEY_BYTES;
  *len = r[10];
  return (const char *)lx->pool + fossc_rd32(r);
}

uint32_t fossc_lexicon_lookup_in(const fossc_lexicon *lx, fossc_lang from,
                                 uint32_t lo, uint32_t hi, const char *key,
                                 size_t len, fossc_lexicon_target *out,
                                 uint32_t max) {
  uint32_t nk = fossc_lexicon_nkeys(lx, from);
  if (nk == 0 || !key || len == 0 || len > FOSSC_LEXICON_MAX_STRING)
    return 0;
  if (hi > nk) hi = nk;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    const uint8_t *r =
        lx->keys + (size_t)(lx->first_key[from] + mid) * FOSSC_LEXICON_KEY_BYTES;
    int c = cmp_bytes((const char *)lx->pool + fossc_rd32(r), r[10], key, len);
    if (c < 0) {
      lo = mid + 1;
    } else if (c > 0) {
      hi = mid;
    } else {
      uint32_t first = fossc_rd32(r + 4), count = fossc_rd16(r + 8), n = 0;
      for (; n < count && n < max && out; n++) {
        const uint8_t *t = lx->targets + (size_t)(first + n) * FOSSC_LEXICON_TARGET_BYTES;
        out[n].str = (const char *)lx->pool + fossc_rd32(t);
        out[n].len = t[6];
        out[n].weight = (float)fossc_rd16(t + 4) / 65535.0f;
        out[n].is_phrase = (t[7] & FOSSC_LEXICON_PHRASE) != 0;
      }
      return n;
    }
  }
  return 0;
}

uint32_t fossc_lexicon_lookup(const fossc_lexicon *lx, fossc_lang from,
                              const char *key, size_t len,
                              fossc_lexicon_target *out, uint32_t max) {
  return fossc_lexicon_lookup_in(lx, from, 0, UINT32_MAX, key, len, out, max);
}

void fossc_lexicon_info_json(const fossc_lexicon *lx, fossc_buf *out) {
  if (!lx || !lx->keys) {
    fossc_buf_puts(out, "null");
    return;
  }
  fossc_buf_puts(out, "{\"sources\":");
  fossc_json_put_string(out, lx->sources, strlen(lx->sources));
  fossc_buf_printf(out,
                   ",\"keys_en\":%u,\"keys_es\":%u,\"phrase_keys_en\":%u,"
                   "\"phrase_keys_es\":%u,\"exact_keys_en\":%u,\"exact_keys_es\":%u,"
                   "\"targets\":%u,\"bytes\":%zu}",
                   lx->nkeys[FOSSC_LANG_EN], lx->nkeys[FOSSC_LANG_ES],
                   lx->nphrase[FOSSC_LANG_EN], lx->nphrase[FOSSC_LANG_ES],
                   lx->nexact[FOSSC_LANG_EN], lx->nexact[FOSSC_LANG_ES],
                   lx->ntargets, lx->bytes);
}
