/*
** fossc-query: asks a running fossc-searchd and prints the hits.
**   fossc-query [options] QUERY...
** Exit status: 0 results, 1 no results, 2 cannot connect / usage / server
** error.
*/
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "net.h"
#include "protocol.h"
#include "search.h"

/* Default seconds to wait for connect and reply: a query on a local index
** answers in milliseconds; a daemon that takes 10 s is stuck. */
#define QUERY_TIMEOUT_S 10.0

enum { EXIT_HITS = 0, EXIT_NONE = 1, EXIT_FAIL = 2 };

static void usage(FILE *f) {
  fprintf(f,
          "usage: fossc-query [options] QUERY...\n"
          "  -n N             number of results (default %d, at most %d)\n"
          "  --offset N       skip the first N results\n"
          "  --addr HOST:PORT daemon address (env FOSSC_ADDR; default %s)\n"
          "  --lang en|es|any only documents in this language\n"
          "  --json           print the daemon's JSON reply as is\n"
          "  --explain        show how each score was computed\n"
          "  --timeout S      seconds to wait for the daemon (default %.0f)\n"
          "  --help\n"
          "Exit status: 0 results, 1 no results, 2 error.\n",
          FOSSC_DEFAULT_LIMIT, FOSSC_MAX_LIMIT, FOSSC_DEFAULT_ADDR,
          QUERY_TIMEOUT_S);
}

static int parse_count(const char *s, unsigned long max, unsigned long *out) {
  char *e;
  if (!s || !*s || *s == '-' || *s == '+') return -1;
  unsigned long v = strtoul(s, &e, 10);
  if (*e || v > max) return -1;
  *out = v;
  return 0;
}

static const char *jstr(const fossc_json *obj, const char *key) {
  const fossc_json *v = fossc_json_get(obj, key);
  return v && v->type == FOSSC_JSON_STRING ? v->str : "";
}

static double jnum(const fossc_json *obj, const char *key) {
  const fossc_json *v = fossc_json_get(obj, key);
  return v && v->type == FOSSC_JSON_NUMBER ? v->num : 0;
}

/* Prints a snippet: <b>..</b> as bold on a terminal, dropped otherwise;
** the entities the engine escapes are turned back into characters. */
static void print_snippet(const char *s, int tty) {
  static const struct {
    const char *from, *to_tty, *to_plain;
  } subst[] = {
      {"<b>", "\033[1m", ""},  {"</b>", "\033[0m", ""},
      {"&amp;", "&", "&"},     {"&lt;", "<", "<"},
      {"&gt;", ">", ">"},      {"&quot;", "\"", "\""},
      {"&#39;", "'", "'"},
  };
  while (*s) {
    size_t i;
    for (i = 0; i < sizeof subst / sizeof subst[0]; i++) {
      size_t n = strlen(subst[i].from);
      if (strncmp(s, subst[i].from, n) == 0) {
        fputs(tty ? subst[i].to_tty : subst[i].to_plain, stdout);
        s += n;
        break;
      }
    }
    if (i == sizeof subst / sizeof subst[0]) {
      unsigned char c = (unsigned char)*s++;
      putchar(c < 0x20 ? ' ' : c);
    }
  }
  if (tty) fputs("\033[0m", stdout);
}

/* Prints a hit's explanation (search.c's explain object) for people:
**   score 4.82 = (bm25f 3.60 + proximity 0.22) x coord 1.00
**     "ciudad" word, idf 2.21, score 3.60: ciud [word 1.00] body 2, ...
*/
static void print_explain(const fossc_json *x) {
  printf("   score %.4f = (bm25f %.4f + proximity %.4f) x coord %.4f\n",
         jnum(x, "score"), jnum(x, "bm25f"), jnum(x, "proximity"),
         jnum(x, "coord"));
  const fossc_json *parts = fossc_json_get(x, "parts");
  for (const fossc_json *p = parts ? parts->child : NULL; p; p = p->next) {
    printf("     \"%s\" %s, idf %.3f, score %.4f:", jstr(p, "query"),
           jstr(p, "kind"), jnum(p, "idf"), jnum(p, "score"));
    const fossc_json *terms = fossc_json_get(p, "terms");
    if (!terms || !terms->child) printf(" not matched");
    for (const fossc_json *t = terms ? terms->child : NULL; t; t = t->next) {
      printf(" %s [%s %.2f]", jstr(t, "term"), jstr(t, "via"),
             jnum(t, "weight"));
      if (jnum(t, "tf_title") > 0) printf(" title %.0f", jnum(t, "tf_title"));
      if (jnum(t, "tf_body") > 0) printf(" body %.0f", jnum(t, "tf_body"));
      if (t->next) putchar(',');
    }
    putchar('\n');
  }
}

/* Prints the reply; returns the exit status. */
static int print_reply(const char *line, size_t len, int json_out, int tty) {
  fossc_json_doc *doc = NULL;
  fossc_error err;
  fossc_error_clear(&err);
  if (fossc_json_parse(line, len, &doc, &err) != FOSSC_OK) {
    fprintf(stderr, "fossc-query: bad reply from the daemon: %s\n", err.msg);
    return EXIT_FAIL;
  }
  const fossc_json *root = fossc_json_root(doc);
  const fossc_json *ok = fossc_json_get(root, "ok");
  int status;
  if (!ok || ok->type != FOSSC_JSON_TRUE) {
    const fossc_json *e = fossc_json_get(root, "error");
    if (json_out) {
      fwrite(line, 1, len, stdout);
      putchar('\n');
    }
    fprintf(stderr, "fossc-query: server error %s: %s\n",
            e ? jstr(e, "code") : "?", e ? jstr(e, "message") : "?");
    fossc_json_doc_free(doc);
    return EXIT_FAIL;
  }
  const fossc_json *hits = fossc_json_get(root, "hits");
  double count = jnum(root, "count");
  status = count > 0 ? EXIT_HITS : EXIT_NONE;
  if (json_out) {
    fwrite(line, 1, len, stdout);
    putchar('\n');
    fossc_json_doc_free(doc);
    return status;
  }
  double total = jnum(root, "total");
  /* Without exact_total the engine skips documents that cannot reach the
  ** page, so its count is a lower bound: "at least". */
  const fossc_json *exact = fossc_json_get(root, "total_exact");
  int at_least = exact && exact->type == FOSSC_JSON_FALSE;
  printf("%s%.0f result%s (%.0f \xc2\xb5s)\n", at_least ? "at least " : "",
         total, total == 1 ? "" : "s", jnum(root, "took_us"));
  const fossc_json *sugg = fossc_json_get(root, "suggestion");
  if (sugg && sugg->type == FOSSC_JSON_STRING)
    printf("Did you mean: %s\n", sugg->str);
  for (const fossc_json *h = hits ? hits->child : NULL; h; h = h->next) {
    printf("\n%.0f. %s%s%s  [%s]  %.4f\n", jnum(h, "rank"), tty ? "\033[1m" : "",
           jstr(h, "title"), tty ? "\033[0m" : "", jstr(h, "lang"),
           jnum(h, "score"));
    const char *snip = jstr(h, "snippet");
    if (*snip) {
      fputs("   ", stdout);
      print_snippet(snip, tty);
      putchar('\n');
    }
    printf("   %s", jstr(h, "id"));
    const char *src = jstr(h, "source");
    if (*src && strcmp(src, jstr(h, "id")) != 0) printf("  (%s)", src);
    putchar('\n');
    const fossc_json *x = fossc_json_get(h, "explain");
    if (x && x->type == FOSSC_JSON_OBJECT) print_explain(x);
  }
  fossc_json_doc_free(doc);
  return status;
}

int main(int argc, char **argv) {
  unsigned long limit = FOSSC_DEFAULT_LIMIT, offset = 0;
  const char *addr_s = getenv("FOSSC_ADDR");
  const char *lang = NULL;
  int json_out = 0, explain = 0;
  double timeout_s = QUERY_TIMEOUT_S;
  if (!addr_s || !*addr_s) addr_s = FOSSC_DEFAULT_ADDR;
  static const struct option longopts[] = {
      {"offset", required_argument, NULL, 'o'},
      {"addr", required_argument, NULL, 'a'},
      {"lang", required_argument, NULL, 'l'},
      {"json", no_argument, NULL, 'j'},
      {"explain", no_argument, NULL, 'x'},
      {"timeout", required_argument, NULL, 't'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int opt;
  while ((opt = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
    switch (opt) {
      case 'n':
        if (parse_count(optarg, FOSSC_MAX_LIMIT, &limit) != 0 || limit == 0) {
          fprintf(stderr, "fossc-query: -n must be 1..%d\n", FOSSC_MAX_LIMIT);
          return EXIT_FAIL;
        }
        break;
      case 'o':
        if (parse_count(optarg, FOSSC_MAX_LIMIT, &offset) != 0) {
          fprintf(stderr, "fossc-query: --offset must be 0..%d\n",
                  FOSSC_MAX_LIMIT);
          return EXIT_FAIL;
        }
        break;
      case 'a': addr_s = optarg; break;
      case 'l':
        if (strcmp(optarg, "en") != 0 && strcmp(optarg, "es") != 0 &&
            strcmp(optarg, "any") != 0) {
          fprintf(stderr, "fossc-query: --lang must be en, es or any\n");
          return EXIT_FAIL;
        }
        lang = optarg;
        break;
      case 'j': json_out = 1; break;
      case 'x': explain = 1; break;
      case 't': {
        char *e;
        timeout_s = strtod(optarg, &e);
        if (*e || !(timeout_s > 0) || timeout_s > 86400) {
          fprintf(stderr, "fossc-query: --timeout must be a number of seconds\n");
          return EXIT_FAIL;
        }
        break;
      }
      case 'h': usage(stdout); return EXIT_HITS;
      default: usage(stderr); return EXIT_FAIL;
    }
  }
  if (optind >= argc) {
    usage(stderr);
    return EXIT_FAIL;
  }
  fossc_error err;
  fossc_error_clear(&err);
  fossc_addr addr;
  if (fossc_addr_parse(addr_s, FOSSC_DEFAULT_PORT, &addr, &err) != FOSSC_OK) {
    fprintf(stderr, "fossc-query: %s\n", err.msg);
    return EXIT_FAIL;
  }
  fossc_buf req = FOSSC_BUF_INIT;
  fossc_buf_printf(&req, "SEARCH format=json limit=%lu offset=%lu", limit,
                   offset);
  if (lang) fossc_buf_printf(&req, " lang=%s", lang);
  /* A person reads the count: ask for an exact one (the daemon's default
  ** may skip documents that cannot reach the page, docs/protocol.md). */
  fossc_buf_printf(&req, " snippets=1 exact_total=1%s --",
                   explain ? " explain=1" : "");
  for (int i = optind; i < argc; i++) {
    fossc_buf_putc(&req, ' ');
    /* A newline would end the request early: it becomes a space. */
    for (const char *p = argv[i]; *p; p++)
      fossc_buf_putc(&req, (*p == '\n' || *p == '\r') ? ' ' : *p);
  }
  fossc_buf_putc(&req, '\n');
  if (req.oom || req.len > FOSSC_MAX_LINE) {
    fprintf(stderr, "fossc-query: query too long (at most %d bytes)\n",
            FOSSC_MAX_LINE);
    fossc_buf_free(&req);
    return EXIT_FAIL;
  }
  int timeout_ms = (int)ceil(timeout_s * 1000);
  int fd = -1, status = EXIT_FAIL;
  fossc_linereader *lr = NULL;
  const char *line;
  size_t len;
  if (fossc_net_connect(&addr, timeout_ms, &fd, &err) != FOSSC_OK) {
    fprintf(stderr, "fossc-query: %s\n", err.msg);
  } else if (fossc_net_write_all(fd, req.data, req.len, timeout_ms, &err) !=
                 FOSSC_OK ||
             fossc_linereader_create(fd, 0, &lr, &err) != FOSSC_OK ||
             fossc_linereader_line(lr, timeout_ms, &line, &len, &err) !=
                 FOSSC_OK) {
    fprintf(stderr, "fossc-query: %s:%u: %s\n", addr.host, (unsigned)addr.port,
            err.msg);
  } else {
    status = print_reply(line, len, json_out, isatty(STDOUT_FILENO));
  }
  fossc_linereader_free(lr);
  if (fd >= 0) close(fd);
  fossc_buf_free(&req);
  if (fflush(stdout) != 0) status = EXIT_FAIL;
  return status;
}
