#include "htab.h"

#include <string.h>

static int alloc_slots(fossc_htab *t, uint32_t cap) {
  t->hashes = fossc_malloc((size_t)cap * sizeof *t->hashes);
  t->ids = fossc_malloc((size_t)cap * sizeof *t->ids);
  if (!t->hashes || !t->ids) {
    fossc_free(t->hashes);
    fossc_free(t->ids);
    t->hashes = NULL;
    t->ids = NULL;
    return FOSSC_ERR_NOMEM;
  }
  memset(t->ids, 0xff, (size_t)cap * sizeof *t->ids);
  t->mask = cap - 1;
  return 0;
}

int fossc_htab_init(fossc_htab *t, uint32_t expected) {
  uint32_t cap = 16;
  while (cap < 0x80000000u && cap / 2 < expected) cap *= 2;
  t->count = 0;
  return alloc_slots(t, cap);
}

void fossc_htab_release(fossc_htab *t) {
  fossc_free(t->hashes);
  fossc_free(t->ids);
  memset(t, 0, sizeof *t);
}

uint32_t fossc_htab_find(const fossc_htab *t, uint64_t h, fossc_htab_eq eq,
                         const void *ctx) {
  if (!t->ids) return FOSSC_HTAB_EMPTY;
  for (uint32_t i = (uint32_t)h & t->mask;; i = (i + 1) & t->mask) {
    uint32_t id = t->ids[i];
    if (id == FOSSC_HTAB_EMPTY) return id;
    if (t->hashes[i] == h && eq(ctx, id)) return id;
  }
}

static void put(fossc_htab *t, uint64_t h, uint32_t id) {
  uint32_t i = (uint32_t)h & t->mask;
  while (t->ids[i] != FOSSC_HTAB_EMPTY) i = (i + 1) & t->mask;
  t->ids[i] = id;
  t->hashes[i] = h;
}

int fossc_htab_insert(fossc_htab *t, uint64_t h, uint32_t id) {
  if ((t->count + 1) * 2 > t->mask + 1) {
    fossc_htab old = *t;
    if ((old.mask + 1) >= 0x80000000u) return FOSSC_ERR_NOMEM;
    if (alloc_slots(t, (old.mask + 1) * 2)) {
      *t = old;
      return FOSSC_ERR_NOMEM;
    }
    for (uint32_t i = 0; i <= old.mask; i++)
      if (old.ids[i] != FOSSC_HTAB_EMPTY) put(t, old.hashes[i], old.ids[i]);
    fossc_free(old.hashes);
    fossc_free(old.ids);
  }
  put(t, h, id);
  t->count++;
  return 0;
}
