/* Fuzz target: jalon_diagnose on arbitrary bytes, then every accessor and the
 * response JSON. Input: text, optionally NUL, title (so both are fuzzed). */
#include <cjson/cJSON.h>
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  jalon_workspace *ws = fuzz_workspace(NULL);
  const char *text = (const char *)data;
  const uint8_t *nul = memchr(data, 0, size);
  size_t text_len = nul ? (size_t)(nul - data) : size;
  jalon_diagnose_options opts = JALON_DIAGNOSE_OPTIONS_INIT;
  if (nul) {
    opts.title = (const char *)nul + 1;
    opts.title_len = size - text_len - 1;
  }
  jalon_result *r = NULL;
  jalon_error *err = NULL;
  int rc = jalon_diagnose(&r, ws, text, text_len, &opts, &err);
  if (rc) {
    /* A failure leaves nothing half-built and always explains itself. */
    FUZZ_CHECK(r == NULL);
    FUZZ_CHECK(rc < 0 && err && jalon_error_code(err) == rc);
    FUZZ_CHECK(jalon_error_message(err) && jalon_error_message_fr(err));
    jalon_error_free(err);
    return 0;
  }
  FUZZ_CHECK(r != NULL && err == NULL);
  size_t n = jalon_result_job_count(r);
  FUZZ_CHECK(n <= JALON_MAX_JOBS);
  for (size_t i = 0; i < n; i++) {
    FUZZ_CHECK(jalon_result_job_code(r, i) && jalon_result_job_label(r, i));
    double s = jalon_result_job_score(r, i);
    FUZZ_CHECK(s >= 0 && s <= 1);
    size_t ne = jalon_result_job_evidence_count(r, i);
    FUZZ_CHECK(ne <= JALON_MAX_EVIDENCE);
    for (size_t k = 0; k < ne; k++) {
      size_t a, b;
      FUZZ_CHECK(jalon_result_job_evidence(r, i, k, &a, &b) == 0);
      FUZZ_CHECK(a < b && b <= text_len);
    }
  }
  for (int role = JALON_ROLE_EXPERIENCE; role <= JALON_ROLE_EXCLUDED; role++)
    for (size_t i = 0; i < jalon_result_role_count(r, role); i++)
      FUZZ_CHECK(jalon_result_role_code(r, role, i) != NULL);
  for (size_t k = 0; k < jalon_result_correction_count(r); k++) {
    size_t a, b;
    const char *to;
    FUZZ_CHECK(jalon_result_correction(r, k, &a, &b, &to) == 0);
    FUZZ_CHECK(a < b && b <= text_len && to);
  }
  for (int held = 0; held <= 1; held++)
    for (size_t i = 0; i < jalon_result_gap_count(r, held); i++) {
      unsigned code;
      const char *label, *kind;
      int core;
      FUZZ_CHECK(jalon_result_gap_item(r, held, i, &code, &label, &kind, &core) == 0);
    }
  for (int d = 1; d <= 7; d++) (void)jalon_result_clea_status(r, d);
  char *json = NULL;
  FUZZ_CHECK(jalon_result_to_json(&json, r, (int)(size & 1), NULL) == 0 && json);
  /* The response is whole JSON (a single thread here: cJSON's parse error
   * state needs no lock). */
  cJSON *doc = cJSON_Parse(json);
  FUZZ_CHECK(doc && cJSON_GetObjectItemCaseSensitive(doc, "jobs"));
  cJSON_Delete(doc);
  jalon_free(json);
  jalon_result_free(r);
  return 0;
}
