/*
** Internal interface between writer.c (inversion, section contents) and
** writer_file.c (the generation file: sections, checksums, header, the
** CURRENT switch). Not for use elsewhere. The layout written here is
** docs/index-format.md, "File layout" and "Generations".
*/
#ifndef FOSSC_WRITER_INT_H
#define FOSSC_WRITER_INT_H

#include <xxhash.h>

#include "format.h"

/* Writes to a file are batched to this size: few syscalls, bounded RAM. */
#define FOSSC_WRITE_CHUNK (1u << 20)
/* Room for a path in the index folder: PATH_MAX plus our file names. */
#define FOSSC_GEN_PATH_MAX 4200

/* A generation file being written: sections back to back, each checksummed,
** after room for the header and section table (written last, by
** fossc_sw_commit). Callers stop at the first error status it returns. */
typedef struct fossc_sec_writer {
  int fd;
  uint64_t off;     /* bytes of the file so far: the next section's offset */
  fossc_buf chunk;  /* bytes not yet written */
  XXH64_state_t *xx; /* checksum of the section being written */
  int nsec;
  uint8_t table[FOSSC_MAX_SECTIONS * FOSSC_SECTION_ENTRY_BYTES];
  uint64_t sec_start;
  int err_no; /* errno of the failure behind a FOSSC_ERR_IO, for the message */
  const char *dir;
  unsigned gen;
  char final_path[4096], tmp_path[FOSSC_GEN_PATH_MAX];
} fossc_sec_writer;

/* Creates folder dir (and parents) if missing and opens the file of the next
** generation there (one past the largest present) under a temporary name.
** *s is initialised here; dir must outlive it. On failure nothing is left
** open and err names the folder or file. */
int fossc_sw_open(fossc_sec_writer *s, const char *dir, fossc_error *err);
/* Starts a section at the next aligned offset. Returns a status. */
int fossc_sw_begin(fossc_sec_writer *s);
/* Appends p[0..n) to the section being written. Returns a status
** (FOSSC_ERR_IO with s->err_no set). */
int fossc_sw_write(fossc_sec_writer *s, const void *p, size_t n);
/* Closes the section begun last under `name` (at most 8 bytes). */
void fossc_sw_end(fossc_sec_writer *s, const char *name);
/* fossc_sw_begin + fossc_sw_write + fossc_sw_end. */
int fossc_sw_section(fossc_sec_writer *s, const char *name, const void *p,
                     size_t n);
/* Finishes the file. With rc == FOSSC_OK: writes the pending bytes, the
** header (ndocs in it) and the section table, syncs, gives the file its
** final name, points CURRENT at it and removes older generations. With an
** rc already failed, or on any failure here: removes the temporary file,
** leaves the previous generation current and returns the status with a
** message ending in "(previous index kept)"; `cause`, when not NULL, is the
** message to give instead of the I/O error. Releases *s in every case
** (s->off stays readable: the file size). */
int fossc_sw_commit(fossc_sec_writer *s, int rc, uint32_t ndocs,
                    const fossc_error *cause, fossc_error *err);

/* Writes all of p[0..n) to fd, retrying short writes and EINTR.
** Returns 0, or -1 with errno set. */
int fossc_write_all(int fd, const void *p, size_t n);
/* Reads exactly n bytes at offset off of fd into dst. Returns 0, or -1 with
** errno set (EIO when the file ends first). */
int fossc_read_at(int fd, void *dst, size_t n, uint64_t off);

static inline void fossc_put_le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void fossc_put_le64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

#endif
