/*
** The fossc line protocol (docs/protocol.md): request parsing and response
** rendering, free of any transport so that it can be unit-tested and fuzzed.
** The daemon reads a line, calls fossc_proto_parse, runs the command and
** renders the reply with the fossc_proto_render_* functions into a fossc_buf.
*/
#ifndef FOSSC_PROTOCOL_H
#define FOSSC_PROTOCOL_H

#include "common.h"
#include "search.h"

/* Longest request line, in bytes without its \n. A query is a few dozen
** words; 64 KiB leaves room for pasted paragraphs while bounding what one
** connection buffers before the daemon can decide the line is garbage. */
#define FOSSC_MAX_LINE (64 * 1024)
/* Consecutive error replies after which a connection is closed: a person
** typing makes a few mistakes in a row, a client sending binary garbage makes
** thousands, and each one would cost a reply. */
#define FOSSC_MAX_BAD_LINES 32
/* Longest error message sent to a client; longer ones are cut. Enough for a
** message that quotes a short piece of the offending input. */
#define FOSSC_MAX_ERRMSG 256

/* Error codes sent on the wire: one table, name and default message. The
** names are part of the protocol: never rename one. */
#define FOSSC_PROTO_ERROR_LIST(X)                                    \
  X(BAD_COMMAND, "unknown command")                                  \
  X(BAD_ARGUMENT, "wrong arguments for the command")                 \
  X(BAD_OPTION, "invalid option")                                    \
  X(QUERY, "invalid query")                                          \
  X(LIMIT, "limit exceeded")                                         \
  X(NOT_FOUND, "no such document")                                   \
  X(TOO_LONG, "request line too long")                               \
  X(BAD_ENCODING, "request is not valid UTF-8 text")                 \
  X(TOO_MANY_ERRORS, "too many consecutive errors")                  \
  X(RELOAD_FAILED, "the index could not be reopened")              \
  X(UNAVAILABLE, "service unavailable")                              \
  X(INTERNAL, "internal error")

typedef enum fossc_proto_err {
  FOSSC_PERR_NONE = 0,
#define FOSSC_X_PERR(name, msg) FOSSC_PERR_##name,
  FOSSC_PROTO_ERROR_LIST(FOSSC_X_PERR)
#undef FOSSC_X_PERR
  FOSSC_PERR_COUNT
} fossc_proto_err;

/* Returns the wire name ("BAD_OPTION") of a code; "INTERNAL" if out of range. */
const char *fossc_proto_err_name(fossc_proto_err code);
/* Returns the default message of a code; never NULL. */
const char *fossc_proto_err_msg(fossc_proto_err code);
/* Maps a library status (FOSSC_ERR_QUERY, FOSSC_ERR_NOTFOUND, ...) to the
** wire code a client sees. */
fossc_proto_err fossc_proto_err_from_status(int status);

typedef enum fossc_cmd {
  FOSSC_CMD_NONE = 0, /* blank line: no reply */
  FOSSC_CMD_PING,
  FOSSC_CMD_SEARCH,
  FOSSC_CMD_EXPLAIN,
  FOSSC_CMD_GET,
  FOSSC_CMD_STATS,
  FOSSC_CMD_FORMAT,
  FOSSC_CMD_RELOAD,
  FOSSC_CMD_HELP,
  FOSSC_CMD_QUIT
} fossc_cmd;

typedef enum fossc_format {
  FOSSC_FMT_TEXT = 0,
  FOSSC_FMT_JSON = 1
} fossc_format;

/* A parsed request. Pointers point into the line given to fossc_proto_parse
** and are valid as long as it is. */
typedef struct fossc_request {
  fossc_cmd cmd;
  fossc_format format;     /* format of the reply (option or default) */
  fossc_search_req search; /* SEARCH/EXPLAIN: query, limit, offset, ... */
  const char *arg;         /* GET: the id; FORMAT: "text"/"json" */
  size_t arg_len;
  fossc_format new_format; /* FORMAT: the connection's new default */
  int ids_only;            /* SEARCH fields=id: hits without title, source,
                              snippet (what an application that keeps its
                              own records needs) */
  fossc_proto_err error;   /* on failure: the code to reply with */
} fossc_request;

/* Parses one request line line[0..len) (without its \n; a trailing \r is
** ignored). `dflt` is the connection's default format. Returns FOSSC_OK and
** fills *out, or FOSSC_ERR_PROTOCOL with out->error and out->format set (the
** reply format, so the error can be rendered) and a message in err. A line
** holding NUL or invalid UTF-8 fails with FOSSC_PERR_BAD_ENCODING; a line
** longer than FOSSC_MAX_LINE with FOSSC_PERR_TOO_LONG. Never reads outside
** line[0..len). */
int fossc_proto_parse(const char *line, size_t len, fossc_format dflt,
                      fossc_request *out, fossc_error *err);

/* ---- rendering. Each function appends one complete reply (ending in \n) to
** *out; allocation failure is reported through out->oom (fossc_buf). */

/* `ERR <CODE> <message>` or {"ok":false,"error":{...}}. The message is
** sanitised (control characters and invalid UTF-8 become spaces or U+FFFD)
** and cut to FOSSC_MAX_ERRMSG bytes; msg NULL = the code's default. */
void fossc_proto_render_error(fossc_buf *out, fossc_format fmt,
                              fossc_proto_err code, const char *msg);
/* PONG or {"ok":true,"pong":true}. */
void fossc_proto_render_pong(fossc_buf *out, fossc_format fmt);
/* Search results; `offset` is echoed in JSON; explanations are included when
** `explain` is non-zero and a hit carries one; with `ids_only` a hit is its
** rank, score, language and id (no title, source or snippet). */
void fossc_proto_render_results(fossc_buf *out, fossc_format fmt,
                                const fossc_results *res, uint32_t offset,
                                int explain, int ids_only);
/* Where the took_us digits of a reply rendered by fossc_proto_render_results
** start (the header comes first and holds no text of the request), or
** SIZE_MAX if reply[0..len) has none. */
size_t fossc_proto_took_at(const char *reply, size_t len, fossc_format fmt);
/* Appends reply[0..len) with its took_us digits at took_at (SIZE_MAX: none)
** replaced by took_us: a reply kept by the result cache, served again. */
void fossc_proto_render_cached(fossc_buf *out, const char *reply, size_t len,
                               size_t took_at, uint64_t took_us);
/* One stored document (GET). */
void fossc_proto_render_doc(fossc_buf *out, fossc_format fmt,
                            const fossc_docview *doc);

/* Daemon counters shown by STATS. */
typedef struct fossc_proto_stats {
  uint64_t uptime_s;
  uint64_t conns_current, conns_total, conns_rejected;
  uint64_t requests, errors;
  uint64_t reloads, reload_failures;
  uint64_t cache_hits, cache_misses;   /* result cache, all workers */
  uint64_t cache_entries, cache_bytes; /* held now */
  uint64_t cache_max_bytes;            /* 0: the cache is off */
  uint32_t threads;
  uint32_t docs;
  const char *index_dir;  /* the --index folder */
  const char *index_path; /* the generation file serving now; may be NULL */
} fossc_proto_stats;

/* STATS reply. index_json (may be NULL) is a JSON object of index
** statistics (fossc_index_stats_json); in text form its members are
** flattened into `index.<key> <value>` lines. */
void fossc_proto_render_stats(fossc_buf *out, fossc_format fmt,
                              const fossc_proto_stats *st,
                              const char *index_json, size_t index_json_len);
/* FORMAT reply: `OK format=<name>` in the new format. */
void fossc_proto_render_format(fossc_buf *out, fossc_format fmt);
/* RELOAD reply: `OK reloaded docs=N`. */
void fossc_proto_render_reloaded(fossc_buf *out, fossc_format fmt,
                                 uint32_t docs);
/* HELP reply: usage lines then END. */
void fossc_proto_render_help(fossc_buf *out, fossc_format fmt);
/* QUIT reply: `OK bye`. */
void fossc_proto_render_bye(fossc_buf *out, fossc_format fmt);

/* Copies s[0..n) into *out as a printable sample for a log line: at most
** `max` bytes of input, bytes outside printable ASCII as \xNN, a trailing
** "..." when cut. Returns out's data (NUL-terminated) or "" on OOM. */
const char *fossc_proto_sample(fossc_buf *out, const char *s, size_t n,
                               size_t max);

#endif /* FOSSC_PROTOCOL_H */
