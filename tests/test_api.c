/* Public API contract: argument checks, limits, invalid UTF-8, empty text,
 * option versions, NULL-safe frees, and many threads sharing one model. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jalon/jalon.h"

static jalon_model *model;
static jalon_workspace *ws;

static void setup(void) {
  cr_assert_eq(jalon_model_open(&model, NULL, NULL), 0);
  cr_assert_eq(jalon_workspace_new(&ws, model, NULL), 0);
}
static void teardown(void) {
  jalon_workspace_free(ws);
  jalon_model_free(model);
}
TestSuite(api, .init = setup, .fini = teardown);

static int diag(const char *t, size_t n, jalon_error **err) {
  jalon_result *r = NULL;
  int rc = jalon_diagnose(&r, ws, t, n, NULL, err);
  if (rc) cr_expect_null(r);
  jalon_result_free(r);
  return rc;
}

Test(api, test_api_rejects_invalid_utf8_with_offset) {
  jalon_error *err = NULL;
  cr_expect_eq(diag("caissi\xe8re", 9, &err), JALON_EUTF8);
  cr_expect_not_null(strstr(jalon_error_message(err), "byte 6"));
  cr_expect_eq(jalon_error_code(err), JALON_EUTF8);
  jalon_error_free(err);
  cr_expect_eq(diag("\xc0\xaf", 2, NULL), JALON_EUTF8, "overlong");
  cr_expect_eq(diag("\xed\xa0\x80", 3, NULL), JALON_EUTF8, "surrogate");
  cr_expect_eq(diag("ab\0cd", 5, NULL), JALON_EUTF8, "NUL byte");
}

Test(api, test_api_empty_and_wordless_text_is_an_error) {
  jalon_error *err = NULL;
  cr_expect_eq(diag("", 0, &err), JALON_EEMPTY);
  cr_expect_gt(strlen(jalon_error_message_fr(err)), 10);
  jalon_error_free(err);
  cr_expect_eq(diag("  ... !!! 😀 ", strlen("  ... !!! 😀 "), NULL), JALON_EEMPTY);
}

Test(api, test_api_oversized_text_is_refused_not_truncated) {
  size_t n = JALON_MAX_TEXT_BYTES + 1;
  char *big = malloc(n);
  cr_assert_not_null(big);
  for (size_t i = 0; i < n; i++) big[i] = i % 8 == 7 ? ' ' : 'a';
  cr_expect_eq(diag(big, n, NULL), JALON_ETOOBIG);
  cr_expect_eq(diag(big, n - 1, NULL), 0, "exactly at the limit is accepted");
  free(big);
}

Test(api, test_api_checks_arguments_and_option_version) {
  jalon_result *r = NULL;
  cr_expect_eq(jalon_diagnose(NULL, ws, "x", 1, NULL, NULL), JALON_EINVAL);
  cr_expect_eq(jalon_diagnose(&r, NULL, "x", 1, NULL, NULL), JALON_EINVAL);
  jalon_diagnose_options o = JALON_DIAGNOSE_OPTIONS_INIT;
  o.version = 99;
  cr_expect_eq(jalon_diagnose(&r, ws, "cariste", 7, &o, NULL), JALON_EINVAL);
  o.version = JALON_DIAGNOSE_OPTIONS_VERSION;
  o.max_jobs = JALON_MAX_JOBS + 1;
  cr_expect_eq(jalon_diagnose(&r, ws, "cariste", 7, &o, NULL), JALON_EINVAL);
  o.max_jobs = 3;
  cr_assert_eq(jalon_diagnose(&r, ws, "agent de nettoyage", 18, &o, NULL), 0);
  cr_expect_leq(jalon_result_job_count(r), 3);
  cr_expect_null(jalon_result_job_code(r, 3));
  jalon_result_free(r);
  cr_expect_eq(jalon_workspace_new(NULL, model, NULL), JALON_EINVAL);
  /* NULL-safe frees. */
  jalon_result_free(NULL);
  jalon_workspace_free(NULL);
  jalon_model_free(NULL);
  jalon_error_free(NULL);
  jalon_free(NULL);
}

Test(api, test_api_version_and_strerror) {
  cr_expect_str_eq(jalon_version(), JALON_VERSION_STRING);
  cr_expect_eq(jalon_version_number(), JALON_VERSION_NUMBER);
  cr_expect_str_eq(jalon_strerror(JALON_EUTF8), "invalid UTF-8");
  cr_expect_str_eq(jalon_strerror(12345), "unknown error");
  cr_expect_str_eq(jalon_status_name(JALON_EUTF8), "invalid_utf8");
  cr_expect_str_eq(jalon_status_name(JALON_ENOTFOUND), "not_found");
  cr_expect_str_eq(jalon_model_rome_version(model), "v460");
  cr_expect_eq(strlen(jalon_model_checksum(model)), 16);
}

/* Many threads, one model, one workspace each: every result must equal the
 * single-thread one. */
static const char *texts[] = {
    "vendeuse en prêt-à-porter", "je suis cariste depuis 3 ans", "aide-soignante en EHPAD",
    "Développeur web PHP", "conducteur de bus scolaire", "j'ai été serveuse puis plongeuse",
    "préparateur de commandes en entrepôt", "secrétaire médicale dans un cabinet de radiologie"};
#define NT (sizeof texts / sizeof *texts)
static char expected[NT][64];

static void signature(jalon_workspace *w, const char *t, char *out, size_t cap) {
  jalon_result *r = NULL;
  out[0] = 0;
  if (jalon_diagnose(&r, w, t, strlen(t), NULL, NULL) != 0) return;
  size_t o = 0;
  for (size_t i = 0; i < jalon_result_job_count(r) && i < 5 && o + 8 < cap; i++)
    o += (size_t)snprintf(out + o, cap - o, "%s ", jalon_result_job_code(r, i));
  jalon_result_free(r);
}

static void *worker(void *arg) {
  (void)arg;
  jalon_workspace *w = NULL;
  if (jalon_workspace_new(&w, model, NULL)) return (void *)1;
  long bad = 0;
  for (int round = 0; round < 40; round++) {
    for (size_t k = 0; k < NT; k++) {
      char sig[64];
      signature(w, texts[(k + (size_t)round) % NT], sig, sizeof sig);
      if (strcmp(sig, expected[(k + (size_t)round) % NT]) != 0) bad++;
    }
  }
  jalon_workspace_free(w);
  return (void *)bad;
}

Test(api, test_api_threads_share_one_model) {
  for (size_t k = 0; k < NT; k++) {
    signature(ws, texts[k], expected[k], sizeof expected[k]);
    cr_assert_gt(strlen(expected[k]), 0);
  }
  pthread_t th[8];
  for (int i = 0; i < 8; i++) cr_assert_eq(pthread_create(&th[i], NULL, worker, NULL), 0);
  for (int i = 0; i < 8; i++) {
    void *ret;
    pthread_join(th[i], &ret);
    cr_expect_eq((long)ret, 0, "thread %d saw %ld different results", i, (long)ret);
  }
}
