/* Section-file patches shared by the model and catalogue fuzz targets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "patch.h"
#include "util/hash.h"

#define MAX_EDITS 64

void fuzz_file_load(fuzz_file *ff, const char *path) {
  memset(ff, 0, sizeof *ff);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "fuzz: cannot open %s\n", path);
    abort();
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  FUZZ_CHECK(n > (long)sizeof(jm_header));
  ff->size = (size_t)n;
  /* malloc is 16-byte aligned: the loaders' sections need JM_ALIGN (8). */
  ff->pristine = malloc(ff->size);
  ff->work = malloc(ff->size);
  FUZZ_CHECK(ff->pristine && ff->work && fread(ff->pristine, 1, ff->size, f) == ff->size);
  fclose(f);
  memcpy(ff->work, ff->pristine, ff->size);
  jm_header h;
  memcpy(&h, ff->pristine, sizeof h);
  FUZZ_CHECK(h.n_sections <= 64);
  ff->n_sections = h.n_sections;
  ff->sections = calloc(ff->n_sections ? ff->n_sections : 1, sizeof *ff->sections);
  FUZZ_CHECK(ff->sections);
  memcpy(ff->sections, ff->pristine + sizeof h, ff->n_sections * sizeof *ff->sections);
}

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int fuzz_file_apply(fuzz_file *ff, const uint8_t *data, size_t size, size_t *len_out, uint8_t *flags_out) {
  if (!size) return -1;
  uint8_t flags = data[0];
  size_t pos = 1, len = ff->size;
  if (flags & 2) {
    if (size < pos + 4) return -1;
    len = rd32(data + pos) % (ff->size + 1);
    pos += 4;
  }
  ff->n_touched = 0;
  uint8_t *work = ff->work;
  for (int e = 0; e < MAX_EDITS && pos + 9 <= size; e++, pos += 9) {
    uint8_t op = data[pos];
    uint32_t off = rd32(data + pos + 1), val = rd32(data + pos + 5);
    size_t at;
    unsigned sel = op >> 2;
    if (sel && ff->n_sections) {
      const jm_section *s = &ff->sections[(sel - 1) % ff->n_sections];
      uint64_t bytes = s->count * s->elem_size;
      if (!bytes || s->offset >= ff->size || bytes > ff->size - s->offset) continue;
      at = (size_t)s->offset + off % bytes;
    } else {
      at = off % ff->size;
    }
    if ((op & 3) == 1 || (op & 3) == 2) {
      at &= ~(size_t)3;
      if (at + 4 > ff->size) continue;
      uint32_t v = (op & 3) == 1 ? val : rd32(work + at) + (uint32_t)(int32_t)(int8_t)val;
      for (int b = 0; b < 4; b++) work[at + b] = (uint8_t)(v >> (8 * b));
      for (int b = 0; b < 4; b++) ff->touched[ff->n_touched++] = at + b;
    } else {
      work[at] = (op & 3) == 0 ? (uint8_t)val : work[at] ^ (uint8_t)val;
      ff->touched[ff->n_touched++] = at;
    }
  }
  ff->resealed = 0;
  if ((flags & 1) && len >= sizeof(jm_header)) {
    jm_header h;
    memcpy(&h, work, sizeof h);
    h.file_size = len;
    h.checksum = ju_checksum(work + sizeof h, len - sizeof h);
    memcpy(work, &h, sizeof h);
    ff->resealed = 1;
  }
  *len_out = len;
  *flags_out = flags;
  return 0;
}

void fuzz_file_undo(fuzz_file *ff) {
  for (size_t i = 0; i < ff->n_touched; i++) ff->work[ff->touched[i]] = ff->pristine[ff->touched[i]];
  if (ff->resealed) memcpy(ff->work, ff->pristine, sizeof(jm_header));
  ff->n_touched = 0;
  ff->resealed = 0;
}
