/*
** The postings cursor's decoding side against a model: random lists (long
** position lists with one- and multi-byte gaps, title and body
** frequencies, one-byte and multi-byte document gaps) are encoded, then
** read back along random paths that visit a few documents of each block,
** seek across blocks, step, and read positions whole or up to a limit.
** These paths reach the cursor's shortcuts: the inline seek and step,
** the skip over earlier documents' positions a run of words at a time,
** the eight-at-once decoding steps, and the marking of wanted positions
** (fossc_pcursor_mark) that adds runs of gaps without storing them.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "postings.h"

/* Documents of the index the lists are drawn from (several blocks for the
** longest lists). */
#define MDOCS 30000
/* Positions of one model document at most: past the cursor's run of 32
** bytes many times over, far below FOSSC_MAX_POSITIONS. */
#define MAX_TF 400

typedef struct mdoc {
  uint32_t doc, tt, tb;
  uint32_t *pos; /* tt + tb, ascending, title ones first */
} mdoc;

static uint32_t rng = 777;

static uint32_t rnd(uint32_t n) {
  rng = rng * 1103515245u + 12345u;
  return (rng >> 8) % n;
}

static uint32_t body_len[MDOCS];
static uint16_t title_len[MDOCS];

/* A random list of df documents: document gaps mostly small (one byte),
** sometimes large; frequencies mostly small, sometimes in the hundreds
** (a stop word), position gaps mostly below 128, sometimes above. */
/* make_list's frequencies: mixed (above), every document heavy (a block
** of 128 then holds more positions than u16 skip entries allow, and more
** than 65,535 bytes of them), or
** every document light (blocks near the skip table's 128-byte minimum). */
enum { TF_MIXED, TF_HEAVY, TF_LIGHT };
static int tf_mode = TF_MIXED;

static uint32_t make_list(mdoc *m, uint32_t want_df) {
  uint32_t df = 0, d = rnd(5);
  while (df < want_df && d < MDOCS) {
    mdoc *x = &m[df++];
    x->doc = d;
    x->tt = rnd(6) == 0 ? 1 + rnd(3) : 0;
    uint32_t r = rnd(10);
    x->tb = r < 6 ? rnd(4) : r < 9 ? rnd(60) : rnd(MAX_TF);
    if (tf_mode == TF_HEAVY) x->tb = 200 + rnd(100);
    if (tf_mode == TF_LIGHT) x->tt = 0, x->tb = 1 + rnd(2);
    if (x->tt + x->tb == 0) x->tb = 1;
    x->pos = malloc((x->tt + x->tb) * sizeof *x->pos);
    uint32_t p = rnd(3);
    for (uint32_t j = 0; j < x->tt + x->tb; j++) {
      if (j == x->tt) p += 16; /* body after the title */
      x->pos[j] = p;
      /* Heavy lists: three-byte gaps, so that the last table entries of
      ** a block pass 65,535 bytes. */
      p += tf_mode == TF_HEAVY ? 16384 + rnd(1000)
                               : 1 + (rnd(8) == 0 ? 100 + rnd(4000) : rnd(9));
    }
    d += 1 + (rnd(60) == 0 ? 130 + rnd(400) : rnd(6));
  }
  return df;
}

static void encode(const mdoc *m, uint32_t df, fossc_buf *out) {
  fossc_buf raw = FOSSC_BUF_INIT, sc = FOSSC_BUF_INIT;
  uint32_t prev = UINT32_MAX;
  for (uint32_t k = 0; k < df; k++) {
    fossc_buf_put_varint(&raw, m[k].doc - prev - 1);
    prev = m[k].doc;
    fossc_buf_put_varint(&raw, m[k].tt);
    fossc_buf_put_varint(&raw, m[k].tb);
    uint32_t last = 0;
    for (uint32_t j = 0; j < m[k].tt + m[k].tb; j++) {
      fossc_buf_put_varint(&raw, m[k].pos[j] - last);
      last = m[k].pos[j];
    }
  }
  fossc_norms_view nv = {body_len, title_len, 300, 5};
  ZSTD_CCtx *cc = ZSTD_createCCtx();
  int rc = fossc_postings_encode((const uint8_t *)raw.data, raw.len, df, &nv,
                                 cc, 3, &sc, out);
  if (rc) fprintf(stderr, "encode: %d\n", rc);
  ZSTD_freeCCtx(cc);
  fossc_buf_free(&raw);
  fossc_buf_free(&sc);
}

/* Checks the cursor on model document k: number, frequencies, and its
** positions (whole, or up to a limit: then a prefix ending at the first
** one above it). Returns 0 or 1 after printing the difference. */
static int same_doc(fossc_pcursor *c, const mdoc *x, int read_pos) {
  if (c->doc != x->doc || c->corrupt) {
    printf("  doc %u: cursor at %u (corrupt %d)\n", x->doc, c->doc, c->corrupt);
    return 0;
  }
  if (c->tft[c->i] != x->tt || c->tfb[c->i] != x->tb) {
    printf("  doc %u: tf %u/%u, want %u/%u\n", x->doc, c->tft[c->i],
           c->tfb[c->i], x->tt, x->tb);
    return 0;
  }
  if (!read_pos) return 1;
  uint32_t n = x->tt + x->tb, got, want = n;
  if (read_pos == 3) {
    /* Marking: ascending wanted positions, some of them there, minus an
    ** offset; the marks must be exactly the ones there. */
    static uint32_t wants[2 * MAX_TF], marks[2 * MAX_TF];
    uint32_t nw = 0, off = rnd(3), v = 0;
    for (uint32_t j = 0; j < n && nw < 2 * MAX_TF - 1; j++) {
      if (rnd(3) == 0 && x->pos[j] >= off && x->pos[j] - off > v) {
        v = x->pos[j] - off; /* there */
        wants[nw++] = v;
      } else if (rnd(3) == 0 && x->pos[j] > off + v + 1) {
        v = x->pos[j] - off - 1; /* maybe not */
        wants[nw++] = v;
      }
    }
    wants[nw++] = v + 5000; /* past the last */
    memset(marks, 0, sizeof marks);
    uint32_t found = fossc_pcursor_mark(c, wants, nw, off, marks), count = 0;
    for (uint32_t q = 0; q < nw; q++) {
      uint32_t there = 0;
      for (uint32_t j = 0; j < n; j++) there |= x->pos[j] == wants[q] + off;
      count += there;
      if (marks[q] != there) {
        printf("  doc %u: position %u + %u marked %u, there %u\n", x->doc,
               wants[q], off, marks[q], there);
        return 0;
      }
    }
    if (found != count || c->corrupt) {
      printf("  doc %u: %u marked, %u there\n", x->doc, found, count);
      return 0;
    }
    return 1;
  }
  const uint32_t *pos;
  if (read_pos == 1) {
    got = fossc_pcursor_positions(c, &pos);
  } else {
    uint32_t limit = x->pos[rnd(n)];
    got = fossc_pcursor_positions_upto(c, limit, &pos);
    /* At least up to the first position above limit (the decoder may read
    ** a few more in one step). */
    uint32_t need = 0;
    while (need < n && x->pos[need] <= limit) need++;
    if (need < n) need++;
    if (got < need || got > n) {
      printf("  doc %u: %u positions up to %u, want >= %u\n", x->doc, got,
             limit, need);
      return 0;
    }
    want = got;
  }
  if (got != want || (want && memcmp(pos, x->pos, want * sizeof *pos))) {
    printf("  doc %u: positions differ (%u of %u)\n", x->doc, got, n);
    return 0;
  }
  return 1;
}

/* Blocks whose positions were read, by their position skip table: none,
** u16 entries, u32 entries. */
static uint32_t skip_seen[3];

static void note_skips(const fossc_pcursor *c) {
  if (c->doc != FOSSC_DOC_END && c->pos_scanned)
    skip_seen[!c->skips ? 0 : c->skip_w == 2 ? 1 : 2]++;
}

/* Encodes `rounds` random lists of the given sizes and walks each along
** six random paths, checking every visited document against the model. */
static void walk_lists(const uint32_t *dfs, uint32_t ndfs, int rounds,
                       uint32_t *visits) {
  ZSTD_DCtx *dc = ZSTD_createDCtx();
  static mdoc m[MDOCS];
  fossc_pcursor c = {0};
  for (int round = 0; round < rounds; round++) {
    uint32_t df = make_list(m, dfs[(uint32_t)round % ndfs]);
    fossc_buf out = FOSSC_BUF_INIT;
    encode(m, df, &out);
    CHECK(out.len > 0);
    for (int path = 0; path < 6; path++) {
      fossc_pcursor_open(&c, (const uint8_t *)out.data, out.len, df, dc);
      uint32_t k = 0;
      while (k < df) {
        /* Read this one (or not), then step, seek just past it, seek to a
        ** model document a few ahead, or far ahead across blocks. */
        CHECK(same_doc(&c, &m[k], (int)rnd(4)));
        note_skips(&c);
        (*visits)++;
        uint32_t r = rnd(10), next;
        if (r < 3) {
          next = k + 1;
          fossc_pcursor_next(&c);
        } else if (r < 5) {
          next = k + 1;
          CHECK(fossc_pcursor_seek(&c, m[k].doc + 1) ==
                (next < df ? m[next].doc : FOSSC_DOC_END));
        } else {
          next = k + 1 + (r < 9 ? rnd(20) : rnd(400));
          uint32_t target = next < df ? m[next].doc : m[df - 1].doc + 1;
          /* Between documents: lands on the next one. */
          if (next < df && next > k + 1 && rnd(2)) target = m[next - 1].doc + 1;
          CHECK(fossc_pcursor_seek(&c, target) ==
                (next < df ? m[next].doc : FOSSC_DOC_END));
          /* Seeking back is a no-op. */
          if (next < df) CHECK(fossc_pcursor_seek(&c, m[k].doc) == m[next].doc);
        }
        k = next;
      }
      CHECK(c.doc == FOSSC_DOC_END && !c.corrupt);
      CHECK(fossc_pcursor_next(&c) == FOSSC_DOC_END);
    }
    for (uint32_t k = 0; k < df; k++) free(m[k].pos);
    fossc_buf_free(&out);
  }
  fossc_pcursor_release(&c);
  ZSTD_freeDCtx(dc);
}

static void random_norms(void) {
  for (uint32_t d = 0; d < MDOCS; d++) {
    body_len[d] = 50 + rnd(2000);
    title_len[d] = (uint16_t)(2 + rnd(10));
  }
}

TEST(cursor_paths_match_model) {
  random_norms();
  uint32_t visits = 0;
  static const uint32_t dfs[] = {1, 7, 128, 129, 300, 1000, 3000};
  tf_mode = TF_MIXED;
  walk_lists(dfs, 7, 100, &visits);
  CHECK_MSG(visits > 10000, "%u visits", visits);
}

/* The position skip tables (format 3) of blocks of every width and of none:
** blocks of 16 and 17 documents (the table starts at 17), light blocks
** around its 128-byte minimum, and heavy blocks past the u16 entries'
** reach. The same paths must read the same positions as the model. */
TEST(position_skips_match_model) {
  random_norms();
  uint32_t visits = 0;
  static const uint32_t dfs[] = {16, 17, 40, 64, 100, 128, 129, 400};
  memset(skip_seen, 0, sizeof skip_seen);
  tf_mode = TF_HEAVY;
  walk_lists(dfs, 8, 24, &visits);
  tf_mode = TF_LIGHT;
  walk_lists(dfs, 8, 40, &visits);
  tf_mode = TF_MIXED;
  CHECK_MSG(skip_seen[0] > 100 && skip_seen[1] > 100 && skip_seen[2] > 100,
            "blocks read without a table %u, with u16 entries %u, u32 %u",
            skip_seen[0], skip_seen[1], skip_seen[2]);
}

/* fossc_postings_prefetch_first finds the first block where the cursor
** reads it, and reads no byte outside the list, whole or cut short (each
** prefix is copied to a buffer of its own size: ASan sees an overread). */
TEST(prefetch_finds_first_block) {
  random_norms();
  static const uint32_t dfs[] = {1, 2, 127, 128, 129, 1000};
  static mdoc m[MDOCS];
  uint32_t checked = 0;
  for (size_t t = 0; t < sizeof dfs / sizeof dfs[0]; t++) {
    uint32_t df = make_list(m, dfs[t]);
    fossc_buf enc = FOSSC_BUF_INIT;
    encode(m, df, &enc);
    fossc_postings_hdr h;
    CHECK(fossc_postings_head((const uint8_t *)enc.data, enc.len, df, &h) == 0);
    CHECK(fossc_postings_prefetch_first((const uint8_t *)enc.data, enc.len) ==
          h.bodies);
    for (size_t len = 0; len <= enc.len && len < 4096; len++) {
      uint8_t *cut = malloc(len ? len : 1);
      memcpy(cut, enc.data, len);
      const uint8_t *b = fossc_postings_prefetch_first(cut, len);
      CHECK(b == NULL || (b >= cut && b <= cut + len));
      free(cut);
      checked++;
    }
    fossc_buf_free(&enc);
    for (uint32_t k = 0; k < df; k++) free(m[k].pos);
  }
  CHECK_MSG(checked > 1000, "%u prefixes", checked);
}

int main(void) {
  RUN(cursor_paths_match_model);
  RUN(position_skips_match_model);
  RUN(prefetch_finds_first_block);
  return TEST_SUMMARY("pcursor");
}
