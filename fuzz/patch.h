/* Patches of a section file (model or catalogue) for the loader fuzz targets:
 * the real file is read once, each fuzz input is a small edit list applied to
 * a working copy and undone afterwards (format in fuzz/README.md). */
#ifndef JALON_FUZZ_PATCH_H
#define JALON_FUZZ_PATCH_H

#include <stddef.h>
#include <stdint.h>

#include "model/format.h"

typedef struct fuzz_file {
  uint8_t *pristine, *work;
  size_t size;
  jm_section *sections;
  uint32_t n_sections;
  size_t touched[64 * 4 + 32];
  size_t n_touched;
  int resealed;
} fuzz_file;

/* Reads path (aborts when it cannot: a run without the file is useless). */
void fuzz_file_load(fuzz_file *f, const char *path);
/* Applies the patch in data; *len gets the length to open (truncation).
 * Returns 0, or -1 for an input too short to hold its own header. */
int fuzz_file_apply(fuzz_file *f, const uint8_t *data, size_t size, size_t *len, uint8_t *flags);
/* Restores the working copy. */
void fuzz_file_undo(fuzz_file *f);

#endif
