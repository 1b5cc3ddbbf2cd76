/* String -> uint32 hash map (open addressing) used by the model compiler to
 * intern strings and find codes. Keys are copied into an arena. */
#ifndef JALON_UTIL_STRMAP_H
#define JALON_UTIL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct ju_strmap {
  struct ju_slot { uint64_t hash; const char *key; uint32_t len; uint32_t val; } *slots;
  size_t cap, n;
  char **arena; size_t n_arena, arena_cap;
  size_t arena_used, arena_block;
} ju_strmap;

void ju_strmap_init(ju_strmap *m);
void ju_strmap_free(ju_strmap *m);
/* Returns the value for key, or UINT32_MAX. */
uint32_t ju_strmap_get(const ju_strmap *m, const char *key, size_t len);
/* Inserts key -> val unless present; *found (may be NULL) tells which; returns
 * the stored value (the existing one when found), or UINT32_MAX on ENOMEM. */
uint32_t ju_strmap_put(ju_strmap *m, const char *key, size_t len, uint32_t val, int *found);

#endif
