/* Fuzz target: the model loader (jm_open_memory) on a mutated model file. The
 * real model (12 MB) is read once; a fuzz input is a small patch applied to a
 * working copy and undone afterwards, so the corpus stays a few bytes per
 * input. Patches that re-seal the checksum get past the checksum into the
 * offset and cross-reference checks, and an opened model is then used for a
 * few diagnoses: the matcher indexes the arrays without checks of its own.
 *
 * Patch format (all little-endian):
 *   byte 0        flags: 1 re-seal (recompute file_size and checksum),
 *                        2 truncate, 4 run diagnoses when the open succeeds
 *   [u32]         with flag 2: new length, taken modulo (size + 1)
 *   then records of 9 bytes: u8 op, u32 offset, u32 value
 *     op & 3      0 store byte, 1 store u32, 2 add (int8)value to u32, 3 xor byte
 *     op >> 2     0: offset is absolute (mod size); k > 0: offset is inside
 *                 section (k - 1) mod n_sections of the original table, so
 *                 mutations reach the small tables as often as the strings. */
#include <string.h>

#include "fuzz.h"
#include "jalon_config.h"
#include "model/format.h"
#include "model/model.h"
#include "util/hash.h"

#define MAX_EDITS 64

static uint8_t *pristine, *work;
static size_t model_size;
static jm_section *sections;
static uint32_t n_sections;

static void load_model(void) {
  const char *path = getenv("JALON_MODEL");
  if (!path || !*path) path = JALON_BUILD_MODEL;
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "fuzz_model: cannot open %s\n", path);
    abort();
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  FUZZ_CHECK(n > (long)sizeof(jm_header));
  model_size = (size_t)n;
  /* malloc is 16-byte aligned: the loader's sections need JM_ALIGN (8). */
  pristine = malloc(model_size);
  work = malloc(model_size);
  FUZZ_CHECK(pristine && work && fread(pristine, 1, model_size, f) == model_size);
  fclose(f);
  memcpy(work, pristine, model_size);
  jm_header h;
  memcpy(&h, pristine, sizeof h);
  FUZZ_CHECK(h.n_sections <= 64);
  n_sections = h.n_sections;
  sections = calloc(n_sections ? n_sections : 1, sizeof *sections);
  FUZZ_CHECK(sections);
  memcpy(sections, pristine + sizeof h, n_sections * sizeof *sections);
}

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Texts that walk the trie, the fuzzy indexes, the cues, the gap and CléA. */
static void use_model(const jalon_model *m) {
  static const char *texts[] = {
      "j'ai travaillé 10 ans comme caissière, je voudrais devenir aide-soignante",
      "ede a domicil, batiman, acceuil, je ne veux plus faire de ménage",
      "Développeur Python H/F, je sais lire et écrire, compter, utiliser un ordinateur",
  };
  jalon_workspace *ws = NULL;
  if (jalon_workspace_new(&ws, m, NULL)) return;
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
    jalon_diagnose_options o = JALON_DIAGNOSE_OPTIONS_INIT;
    o.title = "agent de nettoyage";
    o.title_len = strlen(o.title);
    if (i == 1 && m->n_fiches) o.target = jm_str(m, m->fiches[m->n_fiches / 2].code);
    jalon_result *r = NULL;
    if (jalon_diagnose(&r, ws, texts[i], strlen(texts[i]), &o, NULL) == 0) {
      char *json = NULL;
      if (jalon_result_to_json(&json, r, 0, NULL) == 0) jalon_free(json);
      jalon_result_free(r);
    }
  }
  char *json = NULL;
  if (jalon_model_fiche_json(&json, m, jalon_model_fiche_code(m, 0), NULL) == 0) jalon_free(json);
  jalon_workspace_free(ws);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!pristine) load_model();
  if (!size) return 0;
  uint8_t flags = data[0];
  size_t pos = 1, len = model_size;
  if (flags & 2) {
    if (size < pos + 4) return 0;
    len = rd32(data + pos) % (model_size + 1);
    pos += 4;
  }
  size_t touched[MAX_EDITS * 4 + 32];
  size_t nt = 0;
  for (int e = 0; e < MAX_EDITS && pos + 9 <= size; e++, pos += 9) {
    uint8_t op = data[pos];
    uint32_t off = rd32(data + pos + 1), val = rd32(data + pos + 5);
    size_t at;
    unsigned sel = op >> 2;
    if (sel && n_sections) {
      const jm_section *s = &sections[(sel - 1) % n_sections];
      uint64_t bytes = s->count * s->elem_size;
      if (!bytes || s->offset >= model_size || bytes > model_size - s->offset) continue;
      at = (size_t)s->offset + off % bytes;
    } else {
      at = off % model_size;
    }
    if ((op & 3) == 1 || (op & 3) == 2) {
      at &= ~(size_t)3;
      if (at + 4 > model_size) continue;
      uint32_t v = (op & 3) == 1 ? val : rd32(work + at) + (uint32_t)(int32_t)(int8_t)val;
      for (int b = 0; b < 4; b++) work[at + b] = (uint8_t)(v >> (8 * b));
      for (int b = 0; b < 4; b++) touched[nt++] = at + b;
    } else {
      work[at] = (op & 3) == 0 ? (uint8_t)val : work[at] ^ (uint8_t)val;
      touched[nt++] = at;
    }
  }
  int resealed = 0;
  if ((flags & 1) && len >= sizeof(jm_header)) {
    jm_header h;
    memcpy(&h, work, sizeof h);
    h.file_size = len;
    h.checksum = ju_checksum(work + sizeof h, len - sizeof h);
    memcpy(work, &h, sizeof h);
    resealed = 1;
  }

  jalon_model *m = NULL;
  jalon_error *err = NULL;
  int rc = jm_open_memory(&m, work, len, &err);
  if (rc) {
    FUZZ_CHECK(m == NULL && err && jalon_error_code(err) == rc);
    FUZZ_CHECK(rc == JALON_EFORMAT || rc == JALON_EVERSION || rc == JALON_ENOMEM || rc == JALON_EDATA);
    jalon_error_free(err);
  } else {
    FUZZ_CHECK(m && jalon_model_fiche_count(m) > 0);
    if (flags & 4) use_model(m);
    jalon_model_free(m);
  }

  /* Undo the patch. */
  for (size_t i = 0; i < nt; i++) work[touched[i]] = pristine[touched[i]];
  if (resealed) memcpy(work, pristine, sizeof(jm_header));
  return 0;
}
