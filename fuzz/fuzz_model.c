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
#include "patch.h"

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

static fuzz_file file;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!file.pristine) {
    const char *path = getenv("JALON_MODEL");
    fuzz_file_load(&file, path && *path ? path : JALON_BUILD_MODEL);
  }
  size_t len = 0;
  uint8_t flags = 0;
  if (fuzz_file_apply(&file, data, size, &len, &flags)) return 0;
  jalon_model *m = NULL;
  jalon_error *err = NULL;
  int rc = jm_open_memory(&m, file.work, len, &err);
  if (rc) {
    FUZZ_CHECK(m == NULL && err && jalon_error_code(err) == rc);
    FUZZ_CHECK(rc == JALON_EFORMAT || rc == JALON_EVERSION || rc == JALON_ENOMEM || rc == JALON_EDATA);
    jalon_error_free(err);
  } else {
    FUZZ_CHECK(m && jalon_model_fiche_count(m) > 0);
    if (flags & 4) use_model(m);
    jalon_model_free(m);
  }
  fuzz_file_undo(&file);
  return 0;
}
