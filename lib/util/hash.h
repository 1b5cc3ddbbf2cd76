/* Hashes shared by the model compiler and the loader: string hashing for the
 * term tables and the file checksum. Both sides must agree bit for bit. */
#ifndef JALON_UTIL_HASH_H
#define JALON_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t ju_hash_bytes(const void *p, size_t n);
/* Checksum over a buffer: 4 independent 64-bit lanes so it runs near memory
 * speed (the model is verified at every open). */
uint64_t ju_checksum(const void *p, size_t n);

#endif
