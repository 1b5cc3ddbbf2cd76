/* FNV-1a for short keys; a 4-lane multiply-rotate checksum for the model file
 * so that verifying ~20 MB at open costs a few milliseconds. */
#include <string.h>

#include "util/hash.h"

uint64_t ju_hash_bytes(const void *p, size_t n) {
  const unsigned char *s = p;
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) {
    h ^= s[i];
    h *= 1099511628211ull;
  }
  return h;
}

static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static inline uint64_t mix(uint64_t acc, uint64_t v) {
  acc += v * 0xc2b2ae3d27d4eb4full;
  return rotl(acc, 31) * 0x9e3779b185ebca87ull;
}

uint64_t ju_checksum(const void *p, size_t n) {
  const unsigned char *s = p;
  uint64_t a = 1, b = 2, c = 3, d = 4;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    uint64_t w[4];
    memcpy(w, s + i, sizeof w);
    a = mix(a, w[0]);
    b = mix(b, w[1]);
    c = mix(c, w[2]);
    d = mix(d, w[3]);
  }
  uint64_t h = rotl(a, 1) + rotl(b, 7) + rotl(c, 12) + rotl(d, 18);
  for (; i < n; i++) h = mix(h, s[i]);
  h ^= (uint64_t)n;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}
