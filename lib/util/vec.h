/* Growable arrays for the model compiler and the per-query scratch: one
 * macro pair instead of a realloc dance in every function. */
#ifndef JALON_UTIL_VEC_H
#define JALON_UTIL_VEC_H

#include <stdlib.h>

/* Ensures room for `need` elements in (*ptr, *cap); returns 0 or -1. */
static inline int ju_reserve(void *ptrp, size_t *cap, size_t need, size_t elem) {
  void **ptr = (void **)ptrp;
  if (need <= *cap) return 0;
  size_t n = *cap ? *cap : 16;
  while (n < need) {
    if (n > ((size_t)-1) / 2 / elem) return -1;
    n *= 2;
  }
  void *q = realloc(*ptr, n * elem);
  if (!q) return -1;
  *ptr = q;
  *cap = n;
  return 0;
}

#define JU_VEC(T) struct { T *v; size_t n, cap; }
/* Appends x; evaluates to 0 or -1 on allocation failure. */
#define JU_PUSH(vec, x) \
  (ju_reserve(&(vec).v, &(vec).cap, (vec).n + 1, sizeof *(vec).v) ? -1 : ((vec).v[(vec).n++] = (x), 0))
#define JU_FREE(vec) (free((vec).v), (vec).v = NULL, (vec).n = (vec).cap = 0)

#endif
