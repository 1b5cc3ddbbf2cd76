/* Fuzz target: jalon_diagnose_json on arbitrary request bytes. Whatever the
 * request, the answer is one whole JSON object: a response or an error. */
#include <cjson/cJSON.h>
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  jalon_workspace *ws = fuzz_workspace(NULL);
  char *out = NULL;
  jalon_error *err = NULL;
  int rc = jalon_diagnose_json(&out, ws, (const char *)data, size, &err);
  FUZZ_CHECK(rc <= 0);
  FUZZ_CHECK(out != NULL); /* only an allocation failure may leave it NULL */
  if (rc) FUZZ_CHECK(err && jalon_error_code(err) == rc);
  else FUZZ_CHECK(err == NULL);
  cJSON *doc = cJSON_Parse(out);
  FUZZ_CHECK(doc && cJSON_IsObject(doc));
  cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
  FUZZ_CHECK(rc ? e != NULL : cJSON_GetObjectItemCaseSensitive(doc, "jobs") != NULL);
  if (e) FUZZ_CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "code")));
  cJSON_Delete(doc);
  jalon_error_free(err);
  jalon_free(out);
  return 0;
}
