/* Fuzz target: the catalogue loader (jca_open_memory) on a mutated copy of
 * the real training catalogue, with the model target's patch format (see
 * patch.h, fuzz/README.md). A catalogue that opens is then used the way a
 * diagnosis uses it (lookups by ROME code with place and date filters, and a
 * diagnosis with the catalogue attached): the recommender indexes sessions,
 * postings and strings without checks of its own. */
#include <string.h>

#include "fuzz.h"
#include "jalon_config.h"
#include "patch.h"
#include "train/catalogue.h"

static fuzz_file file;

static void use_catalogue(const jalon_catalogue *c) {
  const jalon_model *m = NULL;
  jalon_workspace *ws = fuzz_workspace(&m);
  static const char *codes[] = {"J1501", "G1203", "K2204", "D1106"};
  jalon_place places[] = {{"13", NULL, 0, 0, 0, 0}, {NULL, NULL, 1, 43.3, 5.4, 30}, {NULL, "76", 0, 0, 0, 0}};
  for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
    char *out = NULL;
    int rc = jalon_catalogue_lookup_json(&out, c, m, codes[i], &places[i % 3], i % 2 ? "2021-10-01" : NULL, 0, NULL);
    FUZZ_CHECK((rc == 0) == (out != NULL));
    jalon_free(out);
  }
  jalon_workspace_set_catalogue(ws, c);
  static const char text[] = "je voudrais devenir aide-soignante mais j'ai du mal à lire et l'ordinateur me fait peur";
  jalon_result *r = NULL;
  if (jalon_diagnose(&r, ws, text, sizeof text - 1, NULL, NULL) == 0) {
    char *json = NULL;
    if (jalon_result_to_json(&json, r, 0, NULL) == 0) jalon_free(json);
    jalon_result_free(r);
  }
  jalon_workspace_set_catalogue(ws, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!file.pristine) {
    const char *path = getenv("JALON_CATALOGUE");
    fuzz_file_load(&file, path && *path ? path : JALON_BUILD_CATALOGUE);
  }
  size_t len = 0;
  uint8_t flags = 0;
  if (fuzz_file_apply(&file, data, size, &len, &flags)) return 0;
  jalon_catalogue *c = NULL;
  jalon_error *err = NULL;
  int rc = jca_open_memory(&c, file.work, len, &err);
  if (rc) {
    FUZZ_CHECK(c == NULL && err && jalon_error_code(err) == rc);
    FUZZ_CHECK(rc == JALON_EFORMAT || rc == JALON_EVERSION || rc == JALON_ENOMEM);
    jalon_error_free(err);
  } else {
    FUZZ_CHECK(c && jalon_catalogue_certification_count(c) > 0);
    if (flags & 4) use_catalogue(c);
    jalon_catalogue_free(c);
  }
  fuzz_file_undo(&file);
  return 0;
}
