/* Unit tests for the corpus readers (libfossc/corpus.c, corpus_text.c). */
#include "corpus.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../harness.h"

#define BLOG_FILE "corpus/fossc-delegations-2024-2025.txt"
#define MAX_DOCS 64
#define MAX_WARN 32

/* Everything the callbacks saw, copied (strings live only during a call). */
typedef struct {
  int ndocs, nwarn, stop_after;
  char *id[MAX_DOCS], *title[MAX_DOCS], *body[MAX_DOCS], *source[MAX_DOCS];
  size_t body_len[MAX_DOCS];
  fossc_lang lang[MAX_DOCS];
  char *warn[MAX_WARN];
} seen;

static char *dup_str(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = '\0';
  }
  return d;
}

static int on_doc(void *ctx, const fossc_doc *d) {
  seen *s = ctx;
  if (s->ndocs >= MAX_DOCS) return 0;
  int i = s->ndocs++;
  /* The interface promises NUL-terminated strings of the stated lengths. */
  if (d->id[d->id_len] || d->title[d->title_len] || d->body[d->body_len] ||
      d->source[d->source_len])
    return 99;
  s->id[i] = dup_str(d->id, d->id_len);
  s->title[i] = dup_str(d->title, d->title_len);
  s->body[i] = dup_str(d->body, d->body_len);
  s->source[i] = dup_str(d->source, d->source_len);
  s->body_len[i] = d->body_len;
  s->lang[i] = d->lang;
  if (s->stop_after && s->ndocs == s->stop_after) return 42;
  return 0;
}

static void on_warn(void *ctx, const char *file, uint64_t line,
                    const char *msg) {
  seen *s = ctx;
  if (s->nwarn >= MAX_WARN) return;
  char buf[1024];
  const char *base = strrchr(file, '/');
  snprintf(buf, sizeof buf, "%s:%llu: %s", base ? base + 1 : file,
           (unsigned long long)line, msg);
  s->warn[s->nwarn++] = dup_str(buf, strlen(buf));
}

static void seen_free(seen *s) {
  for (int i = 0; i < s->ndocs; i++) {
    free(s->id[i]);
    free(s->title[i]);
    free(s->body[i]);
    free(s->source[i]);
  }
  for (int i = 0; i < s->nwarn; i++) free(s->warn[i]);
  memset(s, 0, sizeof *s);
}

/* Index of the first warning containing both strings, or -1. */
static int find_warn(const seen *s, const char *a, const char *b) {
  for (int i = 0; i < s->nwarn; i++) {
    if (strstr(s->warn[i], a) && (!b || strstr(s->warn[i], b))) return i;
  }
  return -1;
}

static char tmpdir[64];

static void write_file(const char *rel, const char *content, size_t n) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
  FILE *f = fopen(path, "wb");
  if (!f) return;
  fwrite(content, 1, n, f);
  fclose(f);
}

#define WRITE(rel, lit) write_file(rel, lit, sizeof lit - 1)

static void make_dir(const char *rel) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
  mkdir(path, 0700);
}

static void remove_tree(const char *path) {
  DIR *d = opendir(path);
  if (d) {
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
      if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
      char sub[1024];
      snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
      struct stat st;
      if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
        remove_tree(sub);
      else
        unlink(sub);
    }
    closedir(d);
  }
  rmdir(path);
}

static const char *tmp_path(const char *rel) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
  return path;
}

TEST(blog_dump_has_19_articles) {
  seen s = {0};
  fossc_corpus_stats st;
  fossc_error err;
  fossc_error_clear(&err);
  int rc = fossc_corpus_read(BLOG_FILE, 1, on_doc, on_warn, &s, &st, &err);
  CHECK_MSG(rc == FOSSC_OK, "%s", err.msg);
  CHECK_MSG(s.ndocs == 19, "%d articles", s.ndocs);
  CHECK(st.docs == 19 && st.files == 1 && st.skipped == 0 && st.repaired == 0);
  CHECK(st.bytes_in == 80790);
  CHECK(s.nwarn == 0);
  static const struct {
    int n;
    const char *title;
  } titles[] = {
      {1, "China\xE2\x80\x99s technology infrastructure is blazing a trail for "
          "humanity"},
      {2, "Entrevista: Como China est\xC3\xA1 construyendo el socialismo"},
      {6, "Jiayuguan \xE2\x80\x93 the socialist future today"},
      {8, "Dialogue with Fudan University\xE2\x80\x99s China Institute: videos"},
      {10, "China provides a powerful counterexample to the moral rot and "
           "immiseration of the capitalist imperial core"},
      {12, "Dialogue with Fudan University\xE2\x80\x99s China Institute: Is "
           "China really socialist?"},
      {13, "The Xinjiang I saw was a hub of diversity, not oppression"},
      {14, "Videos: China proves that a new world is possible! Delegates "
           "report back from China"},
      {15, "A comparison between the experiences of the Chinese and Iraqi "
           "Communist Parties"},
      {17, "Webinar: China proves that a new world is possible! Delegates "
           "report back from China"},
      {19, "Delegates from Britain, Ireland and the US learn about the past, "
           "present and future of Socialist China"}};
  for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++)
    CHECK_STR(s.title[titles[i].n - 1], titles[i].title);
  for (int i = 0; i < s.ndocs; i++) {
    char id[128];
    snprintf(id, sizeof id, "fossc-delegations-2024-2025.txt#%d", i + 1);
    CHECK_STR(s.id[i], id);
    CHECK_STR(s.source[i], BLOG_FILE);
    CHECK(s.lang[i] == FOSSC_LANG_UNKNOWN);
    CHECK_MSG(!strstr(s.body[i], "Continue reading"), "article %d", i + 1);
    CHECK(s.body_len[i] > 300);
    /* The body starts and ends with text, never with the title. */
    CHECK(s.body[i][0] != '\n' && s.body[i][s.body_len[i] - 1] != '\n');
    CHECK(strncmp(s.body[i], s.title[i], strlen(s.title[i])) != 0);
  }
  /* Section headings and captions stay inside their articles. */
  CHECK(strstr(s.body[0], "\n\nShaanxi\n\n") && strstr(s.body[0], "\n\nGansu\n\n"));
  CHECK(strstr(s.body[16], "\n\nSpeakers\n\n"));
  CHECK(strstr(s.body[18], "\n\nServing the people\n\n"));
  CHECK(strstr(s.body[18], "\n\nAt the Beijing headquarters"));
  CHECK(strstr(s.body[7], "These are embedded below.") != NULL);
  CHECK(strstr(s.body[18], "can the people and the country be safe."));
  seen_free(&s);
}

TEST(blog_format_needs_a_continue_line) {
  static const char text[] =
      "A short post title that runs on for more than eleven words here\n\n"
      "Body one.\n\nContinue reading A short post title that runs on for more "
      "than eleven words here\n\n"
      "Second post\n\nBody two.\n\n"
      "Third post title with enough words to be seen as a real title\n\n"
      "Body three.\n";
  seen s = {0};
  fossc_error err;
  int rc = fossc_corpus_read_buffer("dir/b.txt", text, sizeof text - 1,
                                    FOSSC_CORPUS_TEXT, 0, on_doc, on_warn, &s,
                                    NULL, &err);
  CHECK(rc == FOSSC_OK && s.ndocs == 3);
  CHECK_STR(s.id[1], "dir/b.txt#2"); /* ids carry the relative path */
  CHECK_STR(s.title[1], "Second post");
  CHECK_STR(s.body[1], "Body two.");
  CHECK_STR(s.body[2], "Body three.");
  CHECK_STR(s.source[2], "dir/b.txt");
  seen_free(&s);
  /* The same text as markdown is one document. */
  rc = fossc_corpus_read_buffer("b.md", text, sizeof text - 1,
                                FOSSC_CORPUS_MARKDOWN, 0, on_doc, on_warn, &s,
                                NULL, &err);
  CHECK(rc == FOSSC_OK && s.ndocs == 1);
  CHECK_STR(s.id[0], "b.md");
  seen_free(&s);
}

static const char jsonl[] =
    "{\"id\":\"d1\",\"title\":\"One\",\"body\":\"first body\",\"lang\":\"en\","
    "\"source\":\"src/1\"}\n"                                  /* 1 */
    "\n"                                                       /* 2 */
    "   \r\n"                                                  /* 3 */
    "{\"id\":\"d2\",\"body\":\"segundo\",\"lang\":\"es\"}\r\n" /* 4 */
    "{\"id\":\"d3\",\"body\":\"x\",}\n"                        /* 5: bad JSON */
    "{\"title\":\"no id\",\"body\":\"b\"}\n"                   /* 6 */
    "{\"id\":\"d4\",\"body\":\"caf\xC3 au lait\"}\n"           /* 7: bad UTF-8 */
    "{\"id\":\"d1\",\"body\":\"again\"}\n"                     /* 8: dup */
    "[1,2]\n"                                                  /* 9 */
    "{\"id\":\"d5\",\"body\":7}\n"                             /* 10 */
    "{\"id\":\"d6\",\"body\":\"  \\n \"}\n"                    /* 11 */
    "{\"id\":\"d7\",\"body\":\"last, no newline\",\"title\":null}"; /* 12 */

TEST(jsonl_good_and_bad_lines) {
  CHECK(mkdir(tmp_path("j"), 0700) == 0);
  write_file("j/c.jsonl", jsonl, sizeof jsonl - 1);
  seen s = {0};
  fossc_corpus_stats st;
  fossc_error err;
  fossc_error_clear(&err);
  int rc = fossc_corpus_read(tmp_path("j/c.jsonl"), 0, on_doc, on_warn, &s,
                             &st, &err);
  CHECK_MSG(rc == FOSSC_OK, "%s", err.msg);
  CHECK_MSG(s.ndocs == 4, "%d docs", s.ndocs);
  CHECK_STR(s.id[0], "d1");
  CHECK_STR(s.title[0], "One");
  CHECK_STR(s.source[0], "src/1");
  CHECK(s.lang[0] == FOSSC_LANG_EN);
  CHECK_STR(s.id[1], "d2");
  CHECK_STR(s.title[1], "");
  CHECK_STR(s.source[1], "");
  CHECK(s.lang[1] == FOSSC_LANG_ES);
  CHECK_STR(s.id[2], "d4");
  CHECK_STR(s.body[2], "caf\xEF\xBF\xBD au lait");
  CHECK(s.lang[2] == FOSSC_LANG_UNKNOWN);
  CHECK_STR(s.id[3], "d7");
  CHECK_STR(s.body[3], "last, no newline");
  CHECK(find_warn(&s, "c.jsonl:5: skipped", "invalid JSON") >= 0);
  CHECK(find_warn(&s, "c.jsonl:6: skipped", "id") >= 0);
  CHECK(find_warn(&s, "c.jsonl:7: repaired", "UTF-8") >= 0);
  CHECK(find_warn(&s, "c.jsonl:8: skipped", "duplicate id \"d1\"") >= 0);
  CHECK(find_warn(&s, "c.jsonl:9: skipped", "object") >= 0);
  CHECK(find_warn(&s, "c.jsonl:10: skipped", "\"body\" is not a string") >= 0);
  CHECK(find_warn(&s, "c.jsonl:11: skipped", "body") >= 0);
  CHECK_MSG(s.nwarn == 7, "%d warnings", s.nwarn);
  CHECK(st.files == 1 && st.docs == 4 && st.skipped == 6 && st.repaired == 1);
  CHECK(st.bytes_in == sizeof jsonl - 1);
  seen_free(&s);

  /* Strict: the first bad line is fatal and named. */
  rc = fossc_corpus_read(tmp_path("j/c.jsonl"), 1, on_doc, on_warn, &s, &st,
                         &err);
  CHECK(rc == FOSSC_ERR_INPUT && err.code == FOSSC_ERR_INPUT);
  CHECK_MSG(strstr(err.msg, "c.jsonl:5:") != NULL, "%s", err.msg);
  CHECK(s.ndocs == 2 && s.nwarn == 0);
  seen_free(&s);

  /* The in-memory reader gives the same documents. */
  rc = fossc_corpus_read_buffer("mem.jsonl", jsonl, sizeof jsonl - 1,
                                FOSSC_CORPUS_AUTO, 0, on_doc, on_warn, &s, &st,
                                &err);
  CHECK(rc == FOSSC_OK && s.ndocs == 4 && s.nwarn == 7);
  CHECK(find_warn(&s, "mem.jsonl:8:", "duplicate") >= 0);
  seen_free(&s);
}

TEST(jsonl_lines_across_read_chunks) {
  /* Bodies of 100 KB straddle the reader's chunks. */
  fossc_buf b = FOSSC_BUF_INIT;
  for (int i = 0; i < 20; i++) {
    fossc_buf_printf(&b, "{\"id\":\"k%d\",\"body\":\"", i);
    for (int k = 0; k < 100000 + i; k++) fossc_buf_putc(&b, (char)('a' + k % 26));
    fossc_buf_puts(&b, "\"}\n");
  }
  CHECK(!b.oom);
  write_file("big.ndjson", b.data, b.len);
  fossc_buf_free(&b);
  seen s = {0};
  fossc_error err;
  fossc_corpus_stats st;
  int rc = fossc_corpus_read(tmp_path("big.ndjson"), 1, on_doc, on_warn, &s,
                             &st, &err);
  unlink(tmp_path("big.ndjson"));
  CHECK_MSG(rc == FOSSC_OK, "%s", err.msg);
  CHECK(s.ndocs == 20);
  for (int i = 0; i < 20; i++) CHECK(s.body_len[i] == (size_t)(100000 + i));
  CHECK_STR(s.id[19], "k19");
  seen_free(&s);
}

TEST(folder_walk_in_byte_order) {
  make_dir("f");
  make_dir("f/b");
  make_dir("f/b/c");
  make_dir("f/.hidden");
  WRITE("f/.hidden/x.txt", "hidden\n");
  WRITE("f/.dot.md", "dot\n");
  WRITE("f/a.txt", "\n  First line of a\nmore text\n");
  WRITE("f/B.md", "## Heading of B  \n\nbody of B\n");
  WRITE("f/b/c/z.txt", "deep z\n");
  WRITE("f/b/a.jsonl", "{\"id\":\"j1\",\"body\":\"json body\"}\n");
  WRITE("f/b/c.md", "# c\n");
  WRITE("f/image.png", "\x89PNG");
  WRITE("f/empty.txt", "  \n\n");
  seen s = {0};
  fossc_corpus_stats st;
  fossc_error err;
  int rc = fossc_corpus_read(tmp_path("f"), 0, on_doc, on_warn, &s, &st, &err);
  CHECK_MSG(rc == FOSSC_OK, "%s", err.msg);
  /* Byte order: "B.md" < "a.txt" < "b" < "empty.txt"; in b: "a.jsonl" <
  ** "c" (folder) < "c.md". */
  static const char *ids[] = {"B.md", "a.txt", "j1", "b/c/z.txt", "b/c.md"};
  CHECK_MSG(s.ndocs == 5, "%d docs", s.ndocs);
  for (int i = 0; i < 5; i++) CHECK_STR(s.id[i], ids[i]);
  CHECK_STR(s.title[0], "Heading of B");
  CHECK_STR(s.body[0], "## Heading of B  \n\nbody of B\n");
  CHECK_STR(s.source[0], "B.md");
  CHECK_STR(s.title[1], "First line of a");
  CHECK_STR(s.title[3], "deep z");
  CHECK_STR(s.source[3], "b/c/z.txt");
  CHECK_STR(s.title[4], "c");
  CHECK(find_warn(&s, "image.png:0: skipped", NULL) >= 0);
  CHECK(find_warn(&s, "empty.txt:0: skipped", "empty") >= 0);
  CHECK(find_warn(&s, "hidden", NULL) < 0);
  CHECK(st.files == 6 && st.docs == 5 && st.skipped == 1);
  seen_free(&s);
  /* Strict: the empty document is fatal. */
  rc = fossc_corpus_read(tmp_path("f"), 1, on_doc, on_warn, &s, &st, &err);
  CHECK(rc == FOSSC_ERR_INPUT && strstr(err.msg, "empty.txt"));
  seen_free(&s);
  /* A single file: id relative to its folder. */
  rc = fossc_corpus_read(tmp_path("f/b/c/z.txt"), 1, on_doc, on_warn, &s, &st,
                         &err);
  CHECK(rc == FOSSC_OK && s.ndocs == 1);
  CHECK_STR(s.id[0], "z.txt");
  seen_free(&s);
}

TEST(missing_path_and_unreadable_files) {
  seen s = {0};
  fossc_error err;
  int rc = fossc_corpus_read(tmp_path("does-not-exist"), 0, on_doc, on_warn,
                             &s, NULL, &err);
  CHECK(rc == FOSSC_ERR_IO && strstr(err.msg, "does-not-exist"));
  /* A dangling link cannot be opened, even by root. */
  make_dir("v");
  CHECK(symlink("nowhere.txt", tmp_path("v/broken.txt")) == 0);
  rc = fossc_corpus_read(tmp_path("v"), 0, on_doc, on_warn, &s, NULL, &err);
  CHECK(rc == FOSSC_OK && s.ndocs == 0);
  CHECK(find_warn(&s, "broken.txt:0: skipped", "cannot open") >= 0);
  rc = fossc_corpus_read(tmp_path("v"), 1, on_doc, on_warn, &s, NULL, &err);
  CHECK(rc == FOSSC_ERR_IO && strstr(err.msg, "broken.txt"));
  if (geteuid() != 0) { /* root reads everything */
    make_dir("u");
    WRITE("u/secret.txt", "secret text\n");
    chmod(tmp_path("u/secret.txt"), 0);
    rc = fossc_corpus_read(tmp_path("u"), 0, on_doc, on_warn, &s, NULL, &err);
    CHECK(rc == FOSSC_OK && s.ndocs == 0 && find_warn(&s, "secret.txt", NULL) >= 0);
    rc = fossc_corpus_read(tmp_path("u"), 1, on_doc, on_warn, &s, NULL, &err);
    CHECK(rc == FOSSC_ERR_IO && strstr(err.msg, "secret.txt"));
  }
  seen_free(&s);
}

TEST(callback_can_stop_reading) {
  seen s = {0};
  s.stop_after = 3;
  fossc_corpus_stats st;
  fossc_error err;
  int rc = fossc_corpus_read(BLOG_FILE, 0, on_doc, on_warn, &s, &st, &err);
  CHECK(rc == 42 && s.ndocs == 3 && st.docs == 2);
  seen_free(&s);
}

TEST(text_repair_and_nul_bytes) {
  static const char text[] = "Title\n\nbad \xFF byte and a NUL \0 here\n";
  seen s = {0};
  fossc_corpus_stats st;
  fossc_error err;
  int rc = fossc_corpus_read_buffer("t.txt", text, sizeof text - 1,
                                    FOSSC_CORPUS_TEXT, 0, on_doc, on_warn, &s,
                                    &st, &err);
  CHECK(rc == FOSSC_OK && s.ndocs == 1 && st.repaired == 1);
  CHECK_STR(s.body[0], "Title\n\nbad \xEF\xBF\xBD byte and a NUL \xEF\xBF\xBD here\n");
  CHECK(find_warn(&s, "t.txt:3: repaired", "2 invalid") >= 0);
  seen_free(&s);
  rc = fossc_corpus_read_buffer("t.txt", text, sizeof text - 1,
                                FOSSC_CORPUS_TEXT, 1, on_doc, on_warn, &s, &st,
                                &err);
  CHECK(rc == FOSSC_ERR_INPUT && strstr(err.msg, "t.txt:3:"));
  seen_free(&s);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/fossc-test-corpus-XXXXXX");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 1;
  }
  RUN(blog_dump_has_19_articles);
  RUN(blog_format_needs_a_continue_line);
  RUN(jsonl_good_and_bad_lines);
  RUN(jsonl_lines_across_read_chunks);
  RUN(folder_walk_in_byte_order);
  RUN(missing_path_and_unreadable_files);
  RUN(callback_can_stop_reading);
  RUN(text_repair_and_nul_bytes);
  remove_tree(tmpdir);
  return TEST_SUMMARY("corpus");
}
