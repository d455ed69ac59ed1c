/*
** The text-analysis pipeline (see analysis.h for the stages): the word
** cache, language decisions, stems, tokens handed to the caller. Word and
** paragraph boundaries and folding are in analysis_text.c.
**
** Speed: documents are analysed once per indexing run and most of the cost
** is per word, so the common cases take fast paths:
**   - UTF-8 is decoded in place over the original bytes (no sanitised copy),
**     which also keeps every offset relative to the original input;
**   - ASCII is lower-cased while a word is scanned, and words made of ASCII
**     and Latin-1 letters (all of English and Spanish) are folded with a
**     table; only other scripts go through utf8proc;
**   - everything that depends only on a word's surface form (its plain
**     form, stop-word bits, language cues, stem in each language) is
**     computed once per distinct word and kept in a word cache, so a word
**     met again costs one hash lookup: Zipf's law makes most tokens repeats.
** Once the token array and the cache are warm, analysis allocates nothing.
**
** A paragraph is tokenised into a reusable token array first (its language
** must be known before the first stem), then stemmed and handed to the
** callback in order.
*/
#include <libstemmer.h>
#include <string.h>

#include "analysis_int.h"
/* Inlined: a word's hash is a few instructions, a call through the PLT
** costs as much again. */
#define XXH_INLINE_ALL
#include <xxhash.h>

/* Distinct words an indexing analyzer keeps before it forgets them all.
** The words that make up 95% of the tokens of a large corpus number in the
** low tens of thousands, so 128k keeps the hit rate high (98% of tokens on
** the medium corpus, which clears it once) while bounding memory (records,
** strings and hash slots: ~16 MB of address space at the cap plus one
** batch) whatever the corpus's vocabulary. The cache is cleared only
** between batches, never under pending tokens. */
#define FOSSC_WORD_CACHE_WORDS (1u << 17)

/* Smallest word cache an analyzer is given (fossc_analyzer_create_sized):
** a query's words and a snippet's few dozen fit, and tests of the clearing
** path can still fill it quickly. */
#define FOSSC_WORD_CACHE_MIN 64

/* Slots of the word cache's direct-mapped front table (a power of two; no
** more than the cache's words). The main table is megabytes, so its lines
** and pages miss the CPU's caches and TLB; the front table holds the
** thousands of most frequent words, which make up most tokens, in 256 KB
** (measured: 16k slots beat 4k on the medium corpus). */
#define WORD_HOT_SLOTS 16384u

/* Initial hash slots of the word cache (16 KB): enough for a query
** analyzer's words without growing; an indexer's table doubles at 50% load
** up to 512k slots. */
#define WORD_SLOTS_INITIAL 1024u

/* Words per analysis batch (12 bytes of memory each). Paragraphs are
** tokenised into a batch before their language is decided; a text that fits
** in one batch (nearly every document: 16k words is ~100 KB of prose) also
** gets its whole-text language from the same pass. A longer paragraph (a
** file without blank lines) is cut into batches, each with its own language
** guess, so memory stays bounded. */
#define FOSSC_MAX_BATCH_WORDS 16384

/* term_off of a stem not computed yet. */
#define NO_TERM UINT32_MAX

/* A distinct word (surface form, numeric flag) of the word cache and all
** that follows from it. Strings live in the analyzer's `words` arena. */
typedef struct word_ent {
  uint32_t off;         /* surface, NUL, plain, NUL */
  uint32_t term_off[2]; /* stems in [EN], [ES] (index lang - 1), or NO_TERM */
  uint8_t slen, plen, term_len[2];
  uint8_t numeric;
  uint8_t stop; /* FOSSC_STOP_* bits (0 for numbers) */
  /* What the word adds to a fossc_lang_score: en, es, and one piece of
  ** evidence when either is non-zero. */
  uint8_t en, es;
} word_ent;

/* A hash slot of the word cache. It holds what tokenising needs (the key
** of a short word, the language cues), so most tokens touch one cache line
** of the table and nothing else until they are emitted. */
typedef struct word_slot {
  uint64_t head; /* the surface's first 8 bytes, zero-padded */
  uint32_t id1;  /* index in the cache + 1; 0: free slot */
  uint8_t len;   /* surface bytes */
  uint8_t numeric;
  uint8_t en, es; /* the word_ent's */
} word_slot;

/* A token of the current batch. */
typedef struct pending_tok {
  uint32_t start, end;
  uint32_t word; /* index in the word cache */
} pending_tok;

/* A paragraph (or the part of one that fits in a batch). */
typedef struct para_seg {
  uint32_t first; /* index of its first token in the batch */
  fossc_lang_score score;
} para_seg;

struct fossc_analyzer {
  struct sb_stemmer *stemmer[FOSSC_LANG_COUNT]; /* [EN], [ES] */
  /* word cache */
  word_ent *ents;
  uint32_t nents, cap_ents;
  uint32_t max_ents; /* cleared at a batch start once it holds this many */
  word_slot *slots;
  uint32_t slot_mask;
  word_slot *hot; /* front table: copies of recently used slots */
  uint32_t hot_mask;
  uint32_t epoch; /* bumped at each clear (fossc_token.word_epoch) */
  fossc_buf words;
  /* current batch */
  pending_tok *toks;
  size_t ntoks, cap_toks;
  para_seg *segs;
  size_t nsegs, cap_segs;
  utf8proc_int32_t scratch[FOSSC_FOLD_SCRATCH_CPS + 1]; /* +1: reencode's NUL */
  char term[FOSSC_MAX_WORD_BYTES + 1];
};

/* ---- analyzer */

int fossc_analyzer_create(fossc_analyzer **out, fossc_error *err) {
  return fossc_analyzer_create_sized(FOSSC_WORD_CACHE_WORDS, out, err);
}

int fossc_analyzer_create_sized(uint32_t cache_slots, fossc_analyzer **out,
                                fossc_error *err) {
  uint32_t max = FOSSC_WORD_CACHE_MIN;
  while (max < cache_slots && max < FOSSC_WORD_CACHE_WORDS) max *= 2;
  fossc_analyzer *a = fossc_calloc(1, sizeof *a);
  if (!a)
    return fossc_error_set(err, FOSSC_ERR_NOMEM, "analyzer: out of memory");
  a->max_ents = max;
  uint32_t hot = max < WORD_HOT_SLOTS ? max : WORD_HOT_SLOTS;
  a->slots = fossc_calloc(WORD_SLOTS_INITIAL, sizeof *a->slots);
  a->hot = fossc_calloc(hot, sizeof *a->hot);
  a->hot_mask = hot - 1;
  if (!a->slots || !a->hot) {
    fossc_analyzer_free(a);
    return fossc_error_set(err, FOSSC_ERR_NOMEM,
                           "analyzer: out of memory for word cache");
  }
  a->slot_mask = WORD_SLOTS_INITIAL - 1;
  a->stemmer[FOSSC_LANG_EN] = sb_stemmer_new("english", "UTF_8");
  a->stemmer[FOSSC_LANG_ES] = sb_stemmer_new("spanish", "UTF_8");
  if (!a->stemmer[FOSSC_LANG_EN] || !a->stemmer[FOSSC_LANG_ES]) {
    fossc_analyzer_free(a);
    /* libstemmer returns NULL both for OOM and for a missing algorithm. */
    return fossc_error_set(err, FOSSC_ERR_NOMEM,
                           "analyzer: cannot create Snowball stemmers "
                           "(english, spanish; UTF_8)");
  }
  *out = a;
  return FOSSC_OK;
}

void fossc_analyzer_free(fossc_analyzer *a) {
  if (!a) return;
  for (int i = 0; i < FOSSC_LANG_COUNT; i++)
    if (a->stemmer[i]) sb_stemmer_delete(a->stemmer[i]);
  fossc_free(a->ents);
  fossc_free(a->slots);
  fossc_free(a->hot);
  fossc_buf_free(&a->words);
  fossc_free(a->toks);
  fossc_free(a->segs);
  fossc_free(a);
}

/* Plain form of folded UTF-8 (fast table, else utf8proc), cut to
** FOSSC_MAX_WORD_BYTES. Returns the length (0 if nothing is left). */
static size_t strip_word(fossc_analyzer *a, const char *s, size_t len,
                         char *out) {
  char tmp[FOSSC_RAW_WORD_BYTES];
  len = fossc_cut_utf8(s, len, FOSSC_RAW_WORD_BYTES);
  long n = fossc_plain_fast(s, len, tmp);
  if (n >= 0) {
    size_t m = fossc_cut_utf8(tmp, (size_t)n, FOSSC_MAX_WORD_BYTES);
    memcpy(out, tmp, m);
    out[m] = '\0';
    return m;
  }
  n = fossc_fold_slow(a->scratch, s, len, PLAIN_OPTS, out,
                      FOSSC_MAX_WORD_BYTES);
  return n > 0 ? (size_t)n : 0;
}

/* Computes into a->term the stem of a folded, non-numeric word (valid
** UTF-8, 0 < slen <= FOSSC_MAX_WORD_BYTES) in lang (EN or ES), then
** accent-stripped. Returns its length (> 0), or -1 when Snowball runs out
** of memory. */
static long stem_of(fossc_analyzer *a, fossc_lang lang, const char *surface,
                    size_t slen) {
  const sb_symbol *st =
      sb_stemmer_stem(a->stemmer[lang], (const sb_symbol *)surface, (int)slen);
  if (!st) return -1;
  int stlen = sb_stemmer_length(a->stemmer[lang]);
  size_t n =
      stlen > 0 ? strip_word(a, (const char *)st, (size_t)stlen, a->term) : 0;
  if (n == 0) n = strip_word(a, surface, slen, a->term);
  if (n == 0) {
    n = slen;
    memcpy(a->term, surface, n);
    a->term[n] = '\0';
  }
  return (long)n;
}

/* Stop bits of a folded word: English on the surface, Spanish on the
** plain form. */
static unsigned stop_bits(const char *surface, size_t slen, const char *plain,
                          size_t plen) {
  unsigned b = fossc_stop_flags(surface, slen);
  /* Same length: either plain == surface, or the plain form still has
  ** non-ASCII letters (stripping never lengthens, and turning a letter into
  ** ASCII shortens it) and cannot be a Spanish stop word (all ASCII). */
  if (plen == slen) return b;
  return (b & FOSSC_STOP_EN) | (fossc_stop_flags(plain, plen) & FOSSC_STOP_ES);
}

/* ---- word cache: surface form -> word_ent */

/* The first min(n, 8) bytes of s, zero-padded; s must have 8 readable
** bytes (every word buffer here has at least FOSSC_MAX_WORD_BYTES + 1). */
static inline uint64_t word_head(const char *s, size_t n) {
  static const unsigned char keep[16] = {
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0};
  uint64_t v, m;
  memcpy(&v, s, 8);
  memcpy(&m, keep + 8 - (n < 8 ? n : 8), 8);
  return v & m;
}

static inline uint64_t word_hash(const char *s, size_t n, uint64_t head) {
  if (n > 8) return XXH3_64bits(s, n);
  uint64_t h = (head ^ n) * UINT64_C(0x9E3779B97F4A7C15); /* Fibonacci mix */
  return h ^ (h >> 29);
}

/* Forgets every word. Only between batches: tokens hold word indexes. */
static void word_cache_clear(fossc_analyzer *a) {
  memset(a->slots, 0, ((size_t)a->slot_mask + 1) * sizeof *a->slots);
  memset(a->hot, 0, ((size_t)a->hot_mask + 1) * sizeof *a->hot);
  a->nents = 0;
  fossc_buf_reset(&a->words);
  a->epoch++;
}

/* Clears the cache if it is full or broken by an earlier allocation
** failure. Only between batches. */
static void word_cache_check(fossc_analyzer *a) {
  if (a->nents >= a->max_ents || a->words.oom) word_cache_clear(a);
}

/* Returns 1 when the used slot w holds (s[0..n), numeric) with head `head`. */
static inline int slot_is(const fossc_analyzer *a, const word_slot *w,
                          const char *s, size_t n, int numeric, uint64_t head) {
  if (w->head != head || w->len != n || w->numeric != numeric) return 0;
  if (n <= 8) return 1;
  const char *k = a->words.data + a->ents[w->id1 - 1].off;
  size_t j = 8; /* inline compare: words are short, a call costs more */
  while (j < n && k[j] == s[j]) j++;
  return j == n;
}

/* Returns the slot of (s[0..n), numeric) with hash h and head `head`: the
** word's slot (id1 != 0) or the free slot where it would go. */
static inline word_slot *word_find(const fossc_analyzer *a, const char *s,
                                   size_t n, int numeric, uint64_t h,
                                   uint64_t head) {
  for (uint32_t i = (uint32_t)h & a->slot_mask;; i = (i + 1) & a->slot_mask) {
    word_slot *w = &a->slots[i];
    if (!w->id1) return w;
    if (slot_is(a, w, s, n, numeric, head)) return w;
  }
}

/* The front-table slot of hash h. */
static inline word_slot *word_hot(fossc_analyzer *a, uint64_t h) {
  return &a->hot[(uint32_t)(h >> 20) & a->hot_mask];
}

/* Doubles the hash slots. Returns 0 or -1 on OOM (the table is kept). */
static int word_slots_grow(fossc_analyzer *a) {
  uint32_t cap = (a->slot_mask + 1) * 2;
  word_slot *ns = fossc_calloc(cap, sizeof *ns);
  if (!ns) return -1;
  for (uint32_t i = 0; i <= a->slot_mask; i++) {
    const word_slot *w = &a->slots[i];
    if (!w->id1) continue;
    const word_ent *e = &a->ents[w->id1 - 1];
    char key[FOSSC_MAX_WORD_BYTES + 1];
    memcpy(key, a->words.data + e->off, e->slen);
    uint64_t h = word_hash(key, e->slen, w->head);
    uint32_t k = (uint32_t)h & (cap - 1);
    while (ns[k].id1) k = (k + 1) & (cap - 1);
    ns[k] = *w;
  }
  fossc_free(a->slots);
  a->slots = ns;
  a->slot_mask = cap - 1;
  return 0;
}

/* Computes what a word adds to language scores and its stop bits. */
static void word_fill(word_ent *e, const char *surface, size_t slen,
                      const char *plain, size_t plen, int numeric) {
  e->numeric = (uint8_t)(numeric != 0);
  e->stop = 0;
  e->en = e->es = 0;
  if (numeric) return; /* numbers are neither stop words nor cues */
  e->stop = (uint8_t)stop_bits(surface, slen, plain, plen);
  fossc_lang_score sc = {0, 0, 0};
  fossc_lang_score_word(&sc, surface, slen, e->stop);
  e->en = (uint8_t)sc.en;
  e->es = (uint8_t)sc.es;
}

/* Adds the word (surface[0..slen), numeric), slen > 0, whose lookup gave
** the free slot w. Returns its slot, or NULL on OOM. */
static word_slot *word_add(fossc_analyzer *a, const char *surface, size_t slen,
                           int numeric, uint64_t h, uint64_t head,
                           word_slot *w) {
  if ((a->nents + 1) * 2 > a->slot_mask + 1) {
    if (word_slots_grow(a)) return NULL;
    w = word_find(a, surface, slen, numeric, h, head);
  }
  if (a->nents == a->cap_ents) {
    uint32_t cap = a->cap_ents ? a->cap_ents * 2 : 1024;
    word_ent *ne = fossc_realloc(a->ents, (size_t)cap * sizeof *ne);
    if (!ne) return NULL;
    a->ents = ne;
    a->cap_ents = cap;
  }
  char plain[FOSSC_MAX_WORD_BYTES + 1];
  size_t plen = fossc_plain_of(a->scratch, surface, slen, plain);
  if (a->words.len > UINT32_MAX - 2 * (FOSSC_MAX_WORD_BYTES + 1))
    return NULL; /* cleared at the next batch */
  word_ent *e = &a->ents[a->nents];
  e->off = (uint32_t)a->words.len;
  e->slen = (uint8_t)slen;
  e->plen = (uint8_t)plen;
  e->term_off[0] = e->term_off[1] = NO_TERM;
  e->term_len[0] = e->term_len[1] = 0;
  word_fill(e, surface, slen, plain, plen, numeric);
  fossc_buf_append(&a->words, surface, slen);
  fossc_buf_append(&a->words, "", 1);
  fossc_buf_append(&a->words, plain, plen + 1);
  if (a->words.oom) return NULL;
  w->head = head;
  w->len = (uint8_t)slen;
  w->numeric = e->numeric;
  w->en = e->en;
  w->es = e->es;
  w->id1 = ++a->nents;
  return w;
}

/* Looks up or adds a folded word (8 readable bytes at surface). Returns its
** slot, or NULL on OOM. */
static inline const word_slot *word_get(fossc_analyzer *a, const char *surface,
                                        size_t slen, int numeric) {
  uint64_t head = word_head(surface, slen);
  uint64_t h = word_hash(surface, slen, head);
  word_slot *w = word_find(a, surface, slen, numeric, h, head);
  if (w->id1) return w;
  return word_add(a, surface, slen, numeric, h, head, w);
}

/* Makes sure word id has its stem in lang (EN or ES). Returns 0 or -1 on
** OOM. */
static int word_stem(fossc_analyzer *a, uint32_t id, fossc_lang lang) {
  word_ent *e = &a->ents[id];
  int li = lang - 1;
  if (e->term_off[li] != NO_TERM) return 0;
  long n = e->numeric ? -2 : stem_of(a, lang, a->words.data + e->off, e->slen);
  if (n == -1) return -1;
  if (n == -2) { /* a number is its own term */
    e->term_off[li] = e->off;
    e->term_len[li] = e->slen;
    return 0;
  }
  if (a->words.len > UINT32_MAX - (FOSSC_MAX_WORD_BYTES + 1)) return -1;
  uint32_t off = (uint32_t)a->words.len;
  fossc_buf_append(&a->words, a->term, (size_t)n + 1);
  if (a->words.oom) return -1;
  e->term_off[li] = off;
  e->term_len[li] = (uint8_t)n;
  return 0;
}

static fossc_lang_score score_text(fossc_analyzer *a, const uint8_t *s,
                                   size_t len) {
  fossc_lang_score sc = {0, 0, 0};
  size_t i = 0;
  fossc_raw_word w;
  char buf[FOSSC_MAX_WORD_BYTES + 1];
  while (fossc_next_word(s, len, &i, &w)) {
    fossc_lang_score_marks(&sc, w.marks);
    if (w.numeric) continue;
    const char *surface;
    size_t slen = fossc_fold_surface(a->scratch, &w, buf, &surface);
    if (!slen) continue;
    uint64_t head = word_head(surface, slen);
    uint64_t h = word_hash(surface, slen, head);
    const word_slot *ws = word_find(a, surface, slen, 0, h, head);
    /* New words are cached only up to a bound: this may run while a batch
    ** holds word indexes, so the cache cannot be cleared here. */
    if (!ws->id1 && a->nents < a->max_ents)
      ws = word_add(a, surface, slen, 0, h, head, (word_slot *)ws);
    uint32_t en, es;
    if (ws && ws->id1) {
      en = ws->en;
      es = ws->es;
    } else {
      word_ent tmp;
      char plain[FOSSC_MAX_WORD_BYTES + 1];
      size_t plen = fossc_plain_of(a->scratch, surface, slen, plain);
      word_fill(&tmp, surface, slen, plain, plen, 0);
      en = tmp.en;
      es = tmp.es;
    }
    sc.en += en;
    sc.es += es;
    sc.evidence += (en | es) != 0;
  }
  fossc_lang_score_marks(&sc, w.marks);
  return sc;
}

fossc_lang fossc_detect_lang(fossc_analyzer *a, const char *text, size_t len) {
  if (!a || !text || !len) return FOSSC_LANG_UNKNOWN;
  if (len > UINT32_MAX) len = UINT32_MAX; /* offsets are 32-bit; plenty */
  word_cache_check(a);
  fossc_lang_score sc = score_text(a, (const uint8_t *)text, len);
  return fossc_lang_decide(&sc);
}

/* Appends a word to the current batch. Returns 0 or -1 on OOM. */
static inline int push_tok(fossc_analyzer *a, const fossc_raw_word *w,
                           uint32_t id) {
  if (a->ntoks == a->cap_toks) {
    size_t cap = a->cap_toks ? a->cap_toks * 2 : 256;
    if (cap > FOSSC_MAX_BATCH_WORDS) cap = FOSSC_MAX_BATCH_WORDS;
    pending_tok *t = fossc_realloc(a->toks, cap * sizeof *t);
    if (!t) return -1;
    a->toks = t;
    a->cap_toks = cap;
  }
  pending_tok *t = &a->toks[a->ntoks++];
  t->start = w->start;
  t->end = w->end;
  t->word = id;
  return 0;
}

/* Appends an empty segment starting at the current token. Returns 0 or -1
** on OOM. */
static int push_seg(fossc_analyzer *a) {
  if (a->nsegs == a->cap_segs) {
    size_t cap = a->cap_segs ? a->cap_segs * 2 : 64;
    para_seg *g = fossc_realloc(a->segs, cap * sizeof *g);
    if (!g) return -1;
    a->segs = g;
    a->cap_segs = cap;
  }
  para_seg *g = &a->segs[a->nsegs++];
  g->first = (uint32_t)a->ntoks;
  memset(&g->score, 0, sizeof g->score);
  return 0;
}

/* Hands the tokens of one segment to the callback, stemmed in `lang`. */
static int emit_seg(fossc_analyzer *a, const para_seg *g, size_t end,
                    fossc_lang lang, uint64_t *next_pos, fossc_token_cb cb,
                    void *ctx) {
  unsigned stop_mask = lang == FOSSC_LANG_EN ? FOSSC_STOP_EN : FOSSC_STOP_ES;
  int li = lang - 1;
  fossc_token tok;
  tok.lang = (uint8_t)lang;
  tok.word_epoch = a->epoch;
  for (size_t k = g->first; k < end; k++) {
    const pending_tok *t = &a->toks[k];
    const word_ent *e = &a->ents[t->word];
    if (e->term_off[li] == NO_TERM) {
      if (word_stem(a, t->word, lang)) return FOSSC_ERR_NOMEM;
    }
    if (*next_pos > UINT32_MAX) return FOSSC_ERR_LIMIT;
    const char *base = a->words.data; /* after word_stem: it may move */
    tok.surface = base + e->off;
    tok.plain = base + e->off + e->slen + 1;
    tok.term = base + e->term_off[li];
    tok.surface_len = e->slen;
    tok.plain_len = e->plen;
    tok.term_len = e->term_len[li];
    tok.start = t->start;
    tok.end = t->end;
    tok.pos = (uint32_t)(*next_pos)++;
    tok.word_id = t->word;
    tok.stop = (e->stop & stop_mask) != 0;
    tok.numeric = e->numeric;
    int rc = cb(ctx, &tok);
    if (rc) return rc;
  }
  return FOSSC_OK;
}

/* A word scanned ahead of its lookup (see tokenize_para). */
typedef struct lookahead {
  fossc_raw_word w;
  char buf[FOSSC_MAX_WORD_BYTES + 1];
  const char *surface;
  size_t slen;
  uint64_t head, hash;
} lookahead;

/* Words scanned ahead of their lookup in the word cache: a lookup that
** misses the CPU caches waits ~100 ns, scanning one word takes a fraction
** of that, so each word's slots are prefetched this many words early
** (perf: with one word ahead, the loads of the front and main tables were
** 38% of tokenize_para's samples). */
#define WORD_LOOKAHEAD 4

/* Looks up (or adds) the scanned word c and appends its token, adding its
** language cues to *sc. Returns 0 or -1 on OOM. */
static int take_word(fossc_analyzer *a, const lookahead *c, fossc_lang_score *sc) {
  word_slot *hs = word_hot(a, c->hash);
  const word_slot *ws = hs;
  if (!hs->id1 || !slot_is(a, hs, c->surface, c->slen, c->w.numeric, c->head)) {
    word_slot *m = word_find(a, c->surface, c->slen, c->w.numeric, c->hash, c->head);
    if (!m->id1)
      m = word_add(a, c->surface, c->slen, c->w.numeric, c->hash, c->head, m);
    if (!m) return -1;
    *hs = *m;
  }
  if (push_tok(a, &c->w, ws->id1 - 1)) return -1;
  /* emit_seg reads the record soon */
  __builtin_prefetch(&a->ents[ws->id1 - 1]);
  sc->en += ws->en;
  sc->es += ws->es;
  sc->evidence += (ws->en | ws->es) != 0;
  return 0;
}

/* Adds the words of paragraph s[*i..pe) to the batch until it ends (*eop =
** 1) or the batch is full (*eop = 0, *i after the last word taken), and
** their language cues to *sc. Returns 0 or -1 on OOM.
**
** Each word's front-table and main-table slots are prefetched when it is
** scanned, and it is looked up only WORD_LOOKAHEAD - 1 words later, which
** hides most of the wait; most words are found in the front table, the
** rest in the main table (copied to the front). Words are still looked up
** and added in text order, so the batch is the same. */
static int tokenize_para(fossc_analyzer *a, const uint8_t *s, size_t pe,
                         size_t *i, fossc_lang_score *sc, int *eop) {
  lookahead la[WORD_LOOKAHEAD];
  uint32_t first = 0, npend = 0; /* la[first ..]: words awaiting lookup */
  *eop = 0;
  for (;;) {
    int got = 0;
    if (a->ntoks + (size_t)npend < FOSSC_MAX_BATCH_WORDS) {
      lookahead *nx = &la[(first + npend) % WORD_LOOKAHEAD];
      got = fossc_next_word(s, pe, i, &nx->w);
      if (nx->w.marks) fossc_lang_score_marks(sc, nx->w.marks);
      if (!got) *eop = 1; /* its marks were the paragraph's last */
      if (got) {
        nx->slen = fossc_fold_surface(a->scratch, &nx->w, nx->buf, &nx->surface);
        if (nx->slen) { /* else nothing is left of it: dropped */
          nx->head = word_head(nx->surface, nx->slen);
          nx->hash = word_hash(nx->surface, nx->slen, nx->head);
          __builtin_prefetch(word_hot(a, nx->hash));
          __builtin_prefetch(&a->slots[(uint32_t)nx->hash & a->slot_mask]);
          npend++;
        }
      }
    }
    /* The oldest word once the window is full; all of them at the end. */
    while (npend && (npend == WORD_LOOKAHEAD || !got)) {
      if (take_word(a, &la[first], sc)) return -1;
      first = (first + 1) % WORD_LOOKAHEAD;
      npend--;
    }
    if (!got) return 0;
  }
}

int fossc_analyze(fossc_analyzer *a, const char *text, size_t len,
                  fossc_lang fallback, uint32_t first_pos, fossc_token_cb cb,
                  void *ctx) {
  if (!a || !cb || (!text && len)) return FOSSC_ERR_ARG;
  if (len > UINT32_MAX) return FOSSC_ERR_LIMIT;
  const uint8_t *s = (const uint8_t *)text;
  int doc_lang = -1; /* whole-text guess, computed only when needed */
  uint64_t next_pos = first_pos;
  size_t pos = 0, ps = 0, pe = 0, i = 0;
  int in_para = 0, eof = 0, first_batch = 1;
  while (!eof) {
    /* Fill a batch with whole paragraphs (cutting the last one if the
    ** batch is full), each paragraph a segment with its own score. */
    a->ntoks = 0;
    a->nsegs = 0;
    word_cache_check(a);
    while (a->ntoks < FOSSC_MAX_BATCH_WORDS) {
      if (!in_para) {
        if (!fossc_next_paragraph(s, len, &pos, &ps, &pe)) {
          eof = 1;
          break;
        }
        i = ps;
        in_para = 1;
      }
      if (push_seg(a)) return FOSSC_ERR_NOMEM;
      para_seg *g = &a->segs[a->nsegs - 1];
      fossc_lang_score sc = g->score;
      int eop; /* the paragraph is done (else the batch is full) */
      if (tokenize_para(a, s, pe, &i, &sc, &eop)) return FOSSC_ERR_NOMEM;
      if (eop) in_para = 0;
      g->score = sc;
      if (g->first == a->ntoks) a->nsegs--; /* no words: drop it */
    }
    for (size_t k = 0; k < a->nsegs; k++) {
      const para_seg *g = &a->segs[k];
      size_t end = k + 1 < a->nsegs ? a->segs[k + 1].first : a->ntoks;
      fossc_lang lang = fossc_lang_decide(&g->score);
      if (lang == FOSSC_LANG_UNKNOWN) lang = fallback;
      if (lang != FOSSC_LANG_EN && lang != FOSSC_LANG_ES) {
        if (doc_lang < 0) {
          fossc_lang_score all = {0, 0, 0};
          if (first_batch && eof) { /* the batch is the whole text */
            for (size_t j = 0; j < a->nsegs; j++) {
              all.en += a->segs[j].score.en;
              all.es += a->segs[j].score.es;
              all.evidence += a->segs[j].score.evidence;
            }
          } else {
            all = score_text(a, s, len);
          }
          doc_lang = (int)fossc_lang_decide(&all);
          if (doc_lang == FOSSC_LANG_UNKNOWN) doc_lang = FOSSC_LANG_EN;
        }
        lang = (fossc_lang)doc_lang;
      }
      int rc = emit_seg(a, g, end, lang, &next_pos, cb, ctx);
      if (rc) return rc;
    }
    first_batch = 0;
  }
  return FOSSC_OK;
}

int fossc_analyzer_term(fossc_analyzer *a, fossc_lang lang, const char *word,
                        size_t len, fossc_buf *out) {
  fossc_buf_reset(out);
  if (!a || (!word && len)) return FOSSC_ERR_ARG;
  char w[FOSSC_MAX_WORD_BYTES + 1];
  int numeric;
  size_t n = fossc_clean_word(word, len, w, &numeric);
  if (n == 0) return FOSSC_OK; /* an empty word has an empty term */
  if (numeric) {
    fossc_buf_append(out, w, n);
  } else if (lang != FOSSC_LANG_EN && lang != FOSSC_LANG_ES) {
    char p[FOSSC_MAX_WORD_BYTES + 1];
    size_t m = strip_word(a, w, n, p);
    if (m)
      fossc_buf_append(out, p, m);
    else
      fossc_buf_append(out, w, n);
  } else {
    word_cache_check(a);
    const word_slot *ws = word_get(a, w, n, 0);
    uint32_t id = ws ? ws->id1 - 1 : 0;
    if (!ws || word_stem(a, id, lang)) return FOSSC_ERR_NOMEM;
    const word_ent *e = &a->ents[id];
    fossc_buf_append(out, a->words.data + e->term_off[lang - 1],
                     e->term_len[lang - 1]);
  }
  if (!fossc_buf_cstr(out)) return FOSSC_ERR_NOMEM;
  return FOSSC_OK;
}
