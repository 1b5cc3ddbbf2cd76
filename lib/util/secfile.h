/* Section files: the one container format of the model and the training
 * catalogue (header with magic, format version, data version, size and
 * checksum, then a section table and 8-aligned flat arrays used in place).
 * Writing goes through a temporary file renamed into place; reading maps the
 * file read-only (or reads it where mmap fails) and checks the header, the
 * checksum and every section's bounds before anything is used. */
#ifndef JALON_UTIL_SECFILE_H
#define JALON_UTIL_SECFILE_H

#include <stddef.h>
#include <stdint.h>

#include "jalon/jalon.h"
#include "model/format.h"

typedef struct ju_wsec {
  uint32_t id, elem;   /* section id, bytes per element */
  const void *data;    /* elem * count bytes */
  size_t count;
} ju_wsec;

/* Writes header + sections to path (via path.tmpPID, renamed). version is
 * the data version put in the header's rome_version field. */
int ju_secfile_write(const char *path, const char magic[8], uint16_t major, uint16_t minor,
                     const char *version, const ju_wsec *secs, size_t n, jalon_error **err);

/* A mapped (or read) file. */
typedef struct ju_mapped {
  const uint8_t *base;
  size_t size;
  int how; /* 1: munmap, 0: free, 2: borrowed */
} ju_mapped;

/* Maps path; JALON_ENOTFOUND, JALON_EIO, JALON_EFORMAT (empty), JALON_ENOMEM.
 * `what` names the kind of file in messages ("model", "catalogue"). */
int ju_map_file(ju_mapped *out, const char *path, const char *what, jalon_error **err);
void ju_unmap(ju_mapped *m); /* NULL-safe, leaves it zeroed */

/* A section wanted by a reader: bound to *ptr / *count when found. */
typedef struct ju_rsec {
  uint32_t id, elem;
  const void **ptr;
  size_t *count;
} ju_rsec;

/* Checks magic, byte order, major version, size and checksum, then binds
 * every wanted section (all are required). hdr gets the header. Errors are
 * JALON_EFORMAT, or JALON_EVERSION for another major version, with `name`
 * and `what` in the message. */
int ju_secfile_parse(const uint8_t *base, size_t size, const char magic[8], uint16_t major,
                     const char *name, const char *what, const ju_rsec *want, size_t n_want,
                     jm_header *hdr, jalon_error **err);

#endif
