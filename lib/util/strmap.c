/* Open-addressing string map with linear probing; the compiler interns about
 * a hundred thousand strings, so it must not be quadratic. */
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/strmap.h"

void ju_strmap_init(ju_strmap *m) { memset(m, 0, sizeof *m); }

void ju_strmap_free(ju_strmap *m) {
  free(m->slots);
  for (size_t i = 0; i < m->n_arena; i++) free(m->arena[i]);
  free(m->arena);
  memset(m, 0, sizeof *m);
}

uint32_t ju_strmap_get(const ju_strmap *m, const char *key, size_t len) {
  if (!m->cap) return UINT32_MAX;
  uint64_t h = ju_hash_bytes(key, len);
  for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
    const struct ju_slot *s = &m->slots[i];
    if (!s->key) return UINT32_MAX;
    if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0) return s->val;
  }
}

static int rehash(ju_strmap *m) {
  size_t ncap = m->cap ? m->cap * 2 : 1024;
  struct ju_slot *ns = calloc(ncap, sizeof *ns);
  if (!ns) return -1;
  for (size_t i = 0; i < m->cap; i++) {
    if (!m->slots[i].key) continue;
    size_t j = m->slots[i].hash & (ncap - 1);
    while (ns[j].key) j = (j + 1) & (ncap - 1);
    ns[j] = m->slots[i];
  }
  free(m->slots);
  m->slots = ns;
  m->cap = ncap;
  return 0;
}

static const char *arena_copy(ju_strmap *m, const char *key, size_t len) {
  if (!m->n_arena || m->arena_used + len + 1 > m->arena_block) {
    size_t block = len + 1 > 65536 ? len + 1 : 65536;
    if (m->n_arena == m->arena_cap) {
      size_t nc = m->arena_cap ? m->arena_cap * 2 : 16;
      char **na = realloc(m->arena, nc * sizeof *na);
      if (!na) return NULL;
      m->arena = na;
      m->arena_cap = nc;
    }
    char *b = malloc(block);
    if (!b) return NULL;
    m->arena[m->n_arena++] = b;
    m->arena_used = 0;
    m->arena_block = block;
  }
  char *dst = m->arena[m->n_arena - 1] + m->arena_used;
  memcpy(dst, key, len);
  dst[len] = 0;
  m->arena_used += len + 1;
  return dst;
}

uint32_t ju_strmap_put(ju_strmap *m, const char *key, size_t len, uint32_t val, int *found) {
  if ((m->n + 1) * 2 > m->cap && rehash(m)) return UINT32_MAX;
  uint64_t h = ju_hash_bytes(key, len);
  size_t i = h & (m->cap - 1);
  for (;; i = (i + 1) & (m->cap - 1)) {
    struct ju_slot *s = &m->slots[i];
    if (!s->key) break;
    if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0) {
      if (found) *found = 1;
      return s->val;
    }
  }
  const char *k = arena_copy(m, key, len);
  if (!k) return UINT32_MAX;
  m->slots[i] = (struct ju_slot){h, k, (uint32_t)len, val};
  m->n++;
  if (found) *found = 0;
  return val;
}
