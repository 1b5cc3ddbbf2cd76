/* Roles and misspellings: cue patterns, clause splitting, durations, "did you
 * mean" corrections, and the role accuracy on the hand-written
 * self-description set (tests/data/self_descriptions.jsonl). */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
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
TestSuite(roles, .init = setup, .fini = teardown);

static jalon_result *diag(const char *t) {
  jalon_result *r = NULL;
  jalon_error *err = NULL;
  cr_assert_eq(jalon_diagnose(&r, ws, t, strlen(t), NULL, &err), 0, "%s", jalon_error_message(err));
  return r;
}

static size_t rank_in(const jalon_result *r, int role, const char *code) {
  for (size_t i = 0; i < jalon_result_role_count(r, role); i++)
    if (strcmp(jalon_result_role_code(r, role, i), code) == 0) return i + 1;
  return 0;
}

Test(roles, test_roles_experience_aspiration_exclusion_in_one_text) {
  jalon_result *r = diag("Ancienne caissière depuis 6 ans, je voudrais devenir aide-soignante. "
                         "Je ne veux plus travailler en grande surface.");
  cr_expect_eq(rank_in(r, JALON_ROLE_EXPERIENCE, "D1505"), 1);
  cr_expect_eq(rank_in(r, JALON_ROLE_ASPIRATION, "J1501"), 1);
  cr_expect_eq(rank_in(r, JALON_ROLE_ASPIRATION, "D1505"), 0);
  cr_expect_eq(jalon_result_role_months(r, JALON_ROLE_EXPERIENCE, 0), 72);
  jalon_result_free(r);
}

Test(roles, test_roles_run_on_text_without_punctuation_is_split_at_cues) {
  jalon_result *r = diag("jai fait 8 ans de plonge dans un resto jai le dos casse je veux plus etre plongeur "
                         "je cherche un poste de serveur");
  cr_expect_eq(rank_in(r, JALON_ROLE_EXPERIENCE, "G1605"), 1);
  cr_expect_gt(rank_in(r, JALON_ROLE_EXCLUDED, "G1605"), 0);
  cr_expect_eq(rank_in(r, JALON_ROLE_ASPIRATION, "G1605"), 0, "an excluded job is never a wish");
  cr_expect_eq(rank_in(r, JALON_ROLE_ASPIRATION, "G1803"), 1);
  jalon_result_free(r);
}

Test(roles, test_roles_capitals_and_no_apostrophes) {
  jalon_result *r = diag("JE SUIS CARISTE DEPUIS 6 ANS ET JE VOUDRAIS DEVENIR CHAUFFEUR POIDS LOURD");
  cr_expect_eq(rank_in(r, JALON_ROLE_EXPERIENCE, "N1101"), 1);
  cr_expect_eq(rank_in(r, JALON_ROLE_ASPIRATION, "N4101"), 1);
  cr_expect_eq(jalon_result_role_months(r, JALON_ROLE_EXPERIENCE, 0), 72);
  jalon_result_free(r);
}

Test(roles, test_roles_neutral_text_has_no_role_lists) {
  jalon_result *r = diag("Vendeur / Vendeuse en prêt-à-porter");
  cr_expect_eq(jalon_result_role_count(r, JALON_ROLE_EXPERIENCE), 0);
  cr_expect_eq(jalon_result_role_count(r, JALON_ROLE_ASPIRATION), 0);
  cr_expect_eq(jalon_result_job_role(r, 0), JALON_ROLE_NEUTRAL);
  cr_expect_str_eq(jalon_result_job_code(r, 0), "D1214");
  jalon_result_free(r);
}

Test(roles, test_roles_misspellings_are_read_and_reported) {
  const char *t = "je voudrais etre ede a domicil ou travailler dans le batiman";
  jalon_result *r = diag(t);
  /* "domicil" needs no correction: its stem is the stem of "domicile". */
  const char *want[][2] = {{"ede", "aide"}, {"batiman", "batiment"}};
  for (size_t w = 0; w < 2; w++) {
    int found = 0;
    for (size_t k = 0; k < jalon_result_correction_count(r); k++) {
      size_t a, b;
      const char *to;
      cr_assert_eq(jalon_result_correction(r, k, &a, &b, &to), 0);
      if (b - a == strlen(want[w][0]) && strncmp(t + a, want[w][0], b - a) == 0) {
        cr_expect_str_eq(to, want[w][1]);
        found = 1;
      }
    }
    cr_expect(found, "no correction for %s", want[w][0]);
  }
  jalon_result_free(r);
}

Test(roles, test_roles_correct_words_are_not_corrected) {
  jalon_result *r = diag("je suis vendeuse et je cherche un poste de caissière");
  cr_expect_eq(jalon_result_correction_count(r), 0);
  jalon_result_free(r);
  /* A capitalised word inside a sentence is a name, not a typo. */
  r = diag("Cariste à Aubenas depuis 3 ans");
  cr_expect_eq(jalon_result_correction_count(r), 0);
  jalon_result_free(r);
}

static int in_top3(const jalon_result *r, int role, const char *code) {
  size_t k = rank_in(r, role, code);
  return k >= 1 && k <= 3;
}

/* Targets of the self-description issue, on the hand-written set. */
Test(roles, test_roles_accuracy_on_self_descriptions) {
  char path[4096];
  snprintf(path, sizeof path, "%s/self_descriptions.jsonl", JALON_TEST_DATA);
  FILE *f = fopen(path, "r");
  cr_assert_not_null(f, "%s", path);
  char *line = NULL;
  size_t cap = 0;
  const char *keys[] = {NULL, "experience", "aspiration", "excluded"};
  int hit[4] = {0}, tot[4] = {0}, excluded_wished = 0, lines = 0;
  while (getline(&line, &cap, f) > 0) {
    cJSON *j = cJSON_Parse(line);
    cr_assert_not_null(j);
    jalon_result *r = diag(cJSON_GetObjectItem(j, "text")->valuestring);
    for (int role = 1; role <= 3; role++) {
      cJSON *c;
      cJSON_ArrayForEach(c, cJSON_GetObjectItem(j, keys[role])) {
        tot[role]++;
        hit[role] += in_top3(r, role, c->valuestring);
      }
    }
    for (size_t i = 0; i < jalon_result_role_count(r, JALON_ROLE_EXCLUDED); i++)
      excluded_wished += rank_in(r, JALON_ROLE_ASPIRATION, jalon_result_role_code(r, JALON_ROLE_EXCLUDED, i)) > 0;
    jalon_result_free(r);
    cJSON_Delete(j);
    lines++;
  }
  free(line);
  fclose(f);
  cr_assert_geq(lines, 60);
  double exp = (double)hit[1] / tot[1], asp = (double)hit[2] / tot[2];
  cr_log_info("experience top-3 %.3f, aspiration top-3 %.3f, excluded %d/%d", exp, asp, hit[3], tot[3]);
  cr_expect_geq(exp, 0.85, "experience top-3 %.3f", exp);
  cr_expect_geq(asp, 0.80, "aspiration top-3 %.3f", asp);
  cr_expect_eq(excluded_wished, 0);
}
