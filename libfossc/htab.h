/*
** Open-addressing hash table of uint32 ids keyed by a 64-bit hash (XXH3 of
** the key). The keys themselves live elsewhere (an arena, a mapped file):
** lookups compare candidates through a callback, so collisions of the 64-bit
** hash are handled, not assumed away.
*/
#ifndef FOSSC_HTAB_H
#define FOSSC_HTAB_H

#include "common.h"

#define FOSSC_HTAB_EMPTY 0xffffffffu

typedef struct fossc_htab {
  uint64_t *hashes; /* owned */
  uint32_t *ids;    /* owned; FOSSC_HTAB_EMPTY marks a free slot */
  uint32_t mask;    /* capacity - 1 (capacity is a power of two) */
  uint32_t count;
} fossc_htab;

/* Returns 1 when id's key equals the key being looked up. */
typedef int (*fossc_htab_eq)(const void *ctx, uint32_t id);

/* Sizes the table for `expected` keys at <= 50% load. 0 or FOSSC_ERR_NOMEM. */
int fossc_htab_init(fossc_htab *t, uint32_t expected);
void fossc_htab_release(fossc_htab *t);
/* Returns the id whose key matches, or FOSSC_HTAB_EMPTY. */
uint32_t fossc_htab_find(const fossc_htab *t, uint64_t h, fossc_htab_eq eq,
                         const void *ctx);
/* Inserts id under hash h (no duplicate check: find first). Grows at 50%
** load. Returns 0 or FOSSC_ERR_NOMEM. */
int fossc_htab_insert(fossc_htab *t, uint64_t h, uint32_t id);

#endif
