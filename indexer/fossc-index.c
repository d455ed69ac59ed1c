/*
** fossc-index: builds an index from a corpus (file or folder), checks one,
** or prints its statistics.
**
**   fossc-index build PATH [-o DIR] [--strict] [--level N] [--threads N]
**                          [--memory SIZE] [--quiet] [--no-translation]
**                          [--apertium DIR] [--cache-dir DIR] [--no-cache]
**   fossc-index check [DIR]
**   fossc-index stats [DIR]
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corpus.h"
#include "index.h"
#include "lexicon.h"

#define DEFAULT_INDEX_DIR "index"
/* Progress is redrawn at most this often (microseconds). */
#define PROGRESS_INTERVAL_US 200000
/* Longest cache folder path taken from the environment. */
#define MAX_CACHE_PATH 4096

/* The default folder of prepared lexicons: $FOSSC_CACHE_DIR, else
** $XDG_CACHE_HOME/fossc, else $HOME/.cache/fossc; NULL when none is set
** (the lexicon is then prepared on every build). */
static const char *default_cache_dir(char *buf, size_t n) {
  const char *v = getenv("FOSSC_CACHE_DIR");
  if (v && *v) return v;
  v = getenv("XDG_CACHE_HOME");
  int w = -1;
  if (v && v[0] == '/')
    w = snprintf(buf, n, "%s/fossc", v);
  else if ((v = getenv("HOME")) && v[0] == '/')
    w = snprintf(buf, n, "%s/.cache/fossc", v);
  return w > 0 && (size_t)w < n ? buf : NULL;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: fossc-index build PATH [-o DIR] [--strict] [--level N]\n"
          "                         [--threads N] [--memory SIZE] [--quiet]\n"
          "       fossc-index check [DIR]\n"
          "       fossc-index stats [DIR]\n"
          "\n"
          "build   index PATH (a .jsonl file, a blog dump, .txt/.md files, or a\n"
          "        folder of them) into DIR (default ./" DEFAULT_INDEX_DIR "). The new\n"
          "        index replaces the old one atomically; on any failure the old\n"
          "        one is kept.\n"
          "  -o DIR       index folder\n"
          "  --strict     a malformed record is fatal (default: report, skip)\n"
          "  --level N    zstd level 1-22 (default 3)\n"
          "  --threads N  analysis threads (default: one per core)\n"
          "  --memory SIZE  keep the build within SIZE bytes of RAM (suffix K, M\n"
          "               or G), spilling sorted runs to a temporary file in DIR\n"
          "               (default: no limit)\n"
          "  --quiet      no summary\n"
          "  --no-translation  no translation lexicon (monolingual search)\n"
          "  --apertium DIR    apertium-eng-spa data (default\n"
          "               /usr/share/apertium/apertium-eng-spa)\n"
          "  --cache-dir DIR   where the translation lexicon, once prepared from\n"
          "               that data, is kept for the next builds (default\n"
          "               $FOSSC_CACHE_DIR, else $XDG_CACHE_HOME/fossc, else\n"
          "               ~/.cache/fossc)\n"
          "  --no-cache   prepare the lexicon from the data on every build\n"
          "check   open DIR and verify every checksum; exit 0 if sound\n"
          "stats   print DIR's statistics as JSON\n");
}

typedef struct build_ctx {
  fossc_writer *w;
  fossc_error err;
  int tty, quiet;
  uint64_t docs, bytes, last_us, t0;
  uint64_t warnings;
} build_ctx;

static void on_warn(void *ctx, const char *file, uint64_t line,
                    const char *msg) {
  build_ctx *b = ctx;
  b->warnings++;
  if (b->tty) fputs("\r\033[K", stderr);
  if (line)
    fprintf(stderr, "fossc-index: %s:%llu: %s\n", file,
            (unsigned long long)line, msg);
  else
    fprintf(stderr, "fossc-index: %s: %s\n", file, msg);
}

static int on_doc(void *ctx, const fossc_doc *doc) {
  build_ctx *b = ctx;
  int rc = fossc_writer_add(b->w, doc, &b->err);
  if (rc == FOSSC_ERR_INPUT) {
    /* A duplicate id: the record is skipped and reported, as the reader
    ** does for other malformed records. */
    on_warn(ctx, doc->source, 0, b->err.msg);
    fossc_error_clear(&b->err);
    return 0;
  }
  if (rc) return rc;
  b->docs++;
  b->bytes += doc->body_len + doc->title_len;
  if (b->tty) {
    uint64_t now = fossc_now_us();
    if (now - b->last_us > PROGRESS_INTERVAL_US) {
      b->last_us = now;
      double s = (now - b->t0) / 1e6;
      fprintf(stderr, "\r\033[K%llu documents, %.1f MB, %.1f MB/s",
              (unsigned long long)b->docs, b->bytes / 1e6,
              s > 0 ? b->bytes / 1e6 / s : 0.0);
    }
  }
  return 0;
}

/* Parses "256M" (K, M, G: powers of 1024; no suffix: bytes). Returns 0 or
** -1 on a malformed or zero size. */
static int parse_size(const char *s, size_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || v == 0) return -1;
  unsigned shift = 0;
  switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
  }
  if (*end == 'i' || *end == 'B') end += *end == 'i' && end[1] == 'B' ? 2 : 1;
  if (*end || v > (SIZE_MAX >> shift)) return -1;
  *out = (size_t)(v << shift);
  return 0;
}

static int cmd_build(int argc, char **argv) {
  const char *path = NULL, *dir = DEFAULT_INDEX_DIR;
  int strict = 0, translate = 1;
  const char *apertium = NULL;
  char cache_buf[MAX_CACHE_PATH];
  const char *cache = default_cache_dir(cache_buf, sizeof cache_buf);
  build_ctx b = {0};
  fossc_writer_opts opts = {0};
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "-o") && i + 1 < argc)
      dir = argv[++i];
    else if (!strcmp(argv[i], "--strict"))
      strict = 1;
    else if (!strcmp(argv[i], "--quiet"))
      b.quiet = 1;
    else if (!strcmp(argv[i], "--no-translation"))
      translate = 0;
    else if (!strcmp(argv[i], "--apertium") && i + 1 < argc)
      apertium = argv[++i];
    else if (!strcmp(argv[i], "--cache-dir") && i + 1 < argc)
      cache = argv[++i];
    else if (!strcmp(argv[i], "--no-cache"))
      cache = NULL;
    else if (!strcmp(argv[i], "--level") && i + 1 < argc) {
      char *end;
      long v = strtol(argv[++i], &end, 10);
      if (*end || v < 1 || v > 22) {
        fprintf(stderr, "fossc-index: --level takes 1..22\n");
        return 2;
      }
      opts.zstd_level = (int)v;
    } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
      char *end;
      long v = strtol(argv[++i], &end, 10);
      if (*end || v < 1 || v > 64) {
        fprintf(stderr, "fossc-index: --threads takes 1..64\n");
        return 2;
      }
      opts.threads = (unsigned)v;
    } else if (!strcmp(argv[i], "--memory") && i + 1 < argc) {
      if (parse_size(argv[++i], &opts.memory_limit)) {
        fprintf(stderr, "fossc-index: --memory takes a size such as 256M\n");
        return 2;
      }
    } else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "fossc-index: unknown option %s\n", argv[i]);
      usage(stderr);
      return 2;
    } else if (!path)
      path = argv[i];
    else {
      usage(stderr);
      return 2;
    }
  }
  if (!path) {
    usage(stderr);
    return 2;
  }
  b.tty = isatty(STDERR_FILENO);
  b.t0 = fossc_now_us();
  opts.temp_dir = dir; /* spilled runs live beside the index */
  int rc = fossc_writer_create(&opts, &b.w, &b.err);
  /* The dictionaries are read while the corpus is indexed. */
  fossc_lexjob *lexjob = NULL;
  if (!rc && translate) rc = fossc_lexjob_start(apertium, cache, &lexjob, &b.err);
  fossc_corpus_stats cs = {0};
  if (!rc)
    rc = fossc_corpus_read(path, strict, on_doc, on_warn, &b, &cs, &b.err);
  if (b.tty) fputs("\r\033[K", stderr);
  fossc_build_stats st = {0};
  if (!rc && b.docs == 0)
    rc = fossc_error_set(&b.err, FOSSC_ERR_INPUT,
                         "%s: no documents found; the old index is kept", path);
  fossc_lexicon_info lex = {0};
  int have_lex = 0;
  if (!rc && translate) {
    /* The lexicon keeps the translations this corpus can match; without
    ** Apertium the index still works, in each language alone. */
    int lrc = fossc_writer_add_lexjob(b.w, lexjob, &lex, &b.err);
    if (lrc == FOSSC_ERR_NOTFOUND) {
      fprintf(stderr, "fossc-index: %s\n", b.err.msg);
      fossc_error_clear(&b.err);
    } else if (lrc) {
      rc = lrc;
    } else {
      have_lex = 1;
    }
  }
  fossc_lexjob_free(lexjob);
  if (!rc) rc = fossc_writer_finish(b.w, dir, &st, &b.err);
  fossc_writer_free(b.w);
  if (rc) {
    fprintf(stderr, "fossc-index: %s\n",
            b.err.msg[0] ? b.err.msg : fossc_strerror(rc));
    return 1;
  }
  double secs = (fossc_now_us() - b.t0) / 1e6;
  char lexline[256] = "translation lexicon: none (monolingual)\n";
  if (have_lex)
    snprintf(lexline, sizeof lexline,
             "translation lexicon: %u Spanish and %u English keys, %u "
             "translations, %.2f MB, from apertium-eng-spa %s in %.1f s%s\n",
             lex.keys[FOSSC_LANG_ES], lex.keys[FOSSC_LANG_EN],
             lex.targets[FOSSC_LANG_ES] + lex.targets[FOSSC_LANG_EN],
             lex.bytes / 1e6, lex.version, lex.build_us / 1e6,
             lex.cached ? " (prepared earlier, from the cache)" : "");
  if (!b.quiet)
    printf("indexed %llu documents (%llu skipped, %llu repaired), %llu terms, "
           "%llu words indexed\n"
           "input %.2f MB in %.2f s (%.1f MB/s); index %.2f MB: postings %.2f "
           "MB, dictionary %.2f MB, document store %.2f MB, translation "
           "lexicon %.2f MB\n"
           "%s"
           "index written to %s\n",
           (unsigned long long)st.docs, (unsigned long long)cs.skipped,
           (unsigned long long)cs.repaired, (unsigned long long)st.terms,
           (unsigned long long)st.tokens, cs.bytes_in / 1e6, secs,
           secs > 0 ? cs.bytes_in / 1e6 / secs : 0.0, st.index_bytes / 1e6,
           st.postings_bytes / 1e6, st.dict_bytes / 1e6, st.store_bytes / 1e6,
           st.trans_bytes / 1e6,
           lexline, dir);
  if (st.over_budget)
    fprintf(stderr,
            "fossc-index: warning: --memory %.1f MB is below what this build "
            "needs even with its postings spilled (about %.1f MB): it spilled "
            "at every batch and may have used more\n",
            opts.memory_limit / 1e6, st.memory_floor / 1e6);
  if (!b.quiet && st.runs)
    printf("memory limit: %llu sorted runs spilled and merged\n",
           (unsigned long long)st.runs);
  return 0;
}

static int cmd_open(int argc, char **argv, int stats) {
  const char *dir = argc > 0 ? argv[0] : DEFAULT_INDEX_DIR;
  fossc_index *ix;
  fossc_error err = {0};
  int rc = fossc_index_open(dir, &ix, &err);
  if (rc) {
    fprintf(stderr, "fossc-index: %s\n", err.msg);
    return 1;
  }
  if (stats) {
    fossc_buf b = FOSSC_BUF_INIT;
    fossc_index_stats_json(ix, &b);
    printf("%.*s\n", (int)b.len, b.data ? b.data : "");
    fossc_buf_free(&b);
  } else {
    printf("%s: ok, %u documents\n", fossc_index_path(ix),
           fossc_index_doc_count(ix));
  }
  fossc_index_free(ix);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("fossc-index %s\n", FOSSC_VERSION_STRING);
    return 0;
  }
  if (!strcmp(argv[1], "build")) return cmd_build(argc - 2, argv + 2);
  if (!strcmp(argv[1], "check")) return cmd_open(argc - 2, argv + 2, 0);
  if (!strcmp(argv[1], "stats")) return cmd_open(argc - 2, argv + 2, 1);
  fprintf(stderr, "fossc-index: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
