/* CléA profile: signs of holding and of needing a domain in the text,
 * negation, evidence from the jobs held, and the text beating the jobs. */
#include <criterion/criterion.h>
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
TestSuite(clea, .init = setup, .fini = teardown);

static jalon_result *diag(const char *t) {
  jalon_result *r = NULL;
  cr_assert_eq(jalon_diagnose(&r, ws, t, strlen(t), NULL, NULL), 0);
  return r;
}

enum { FRENCH = 1, MATHS = 2, DIGITAL = 3 };

Test(clea, test_clea_profile_has_seven_labelled_domains) {
  jalon_result *r = diag("bonjour");
  for (int d = 1; d <= 7; d++) {
    cr_expect_eq(jalon_result_clea_status(r, d), JALON_CLEA_UNKNOWN, "domain %d", d);
    cr_expect_float_eq(jalon_result_clea_score(r, d), 0.5, 1e-9);
    cr_expect_not_null(jalon_result_clea_label(r, d));
  }
  cr_expect_eq(jalon_result_clea_status(r, 0), -1);
  cr_expect_eq(jalon_result_clea_status(r, 8), -1);
  jalon_result_free(r);
}

Test(clea, test_clea_signs_of_need_in_the_text) {
  jalon_result *r = diag("l'écrit c'est pas mon fort et je n'ai pas d'adresse mail");
  cr_expect_eq(jalon_result_clea_status(r, FRENCH), JALON_CLEA_TO_DEVELOP);
  cr_expect_eq(jalon_result_clea_status(r, DIGITAL), JALON_CLEA_TO_DEVELOP);
  cr_expect_lt(jalon_result_clea_score(r, FRENCH), 0.5);
  jalon_result_free(r);
}

Test(clea, test_clea_negation_turns_a_skill_into_a_need) {
  jalon_result *r = diag("j'utilise excel tous les jours");
  cr_expect_eq(jalon_result_clea_status(r, DIGITAL), JALON_CLEA_ACQUIRED);
  jalon_result_free(r);
  r = diag("je ne sais pas utiliser excel");
  cr_expect_eq(jalon_result_clea_status(r, DIGITAL), JALON_CLEA_TO_DEVELOP);
  jalon_result_free(r);
}

Test(clea, test_clea_jobs_held_are_evidence) {
  /* Six years as a cashier count for calculation even unsaid. */
  jalon_result *r = diag("hôtesse de caisse pendant 6 ans");
  cr_expect_eq(jalon_result_clea_status(r, MATHS), JALON_CLEA_ACQUIRED);
  jalon_result_free(r);
}

Test(clea, test_clea_the_text_beats_what_jobs_imply) {
  jalon_result *r = diag("caissière depuis 6 ans mais rendre la monnaie c'est dur pour moi");
  cr_expect_eq(jalon_result_clea_status(r, MATHS), JALON_CLEA_TO_DEVELOP);
  jalon_result_free(r);
}

Test(clea, test_clea_json_reports_sources_and_spans) {
  const char *req = "{\"text\":\"caissière depuis 6 ans, l'informatique me fait peur\"}";
  char *out = NULL;
  cr_assert_eq(jalon_diagnose_json(&out, ws, req, strlen(req), NULL), 0);
  cr_expect_not_null(strstr(out, "\"clea\":["));
  cr_expect_not_null(strstr(out, "\"status\":\"to_develop\""));
  cr_expect_not_null(strstr(out, "\"source\":\"experience\""));
  cr_expect_not_null(strstr(out, "\"source\":\"text\""));
  cr_expect_not_null(strstr(out, "l'informatique me fait peur"));
  jalon_free(out);
}

Test(clea, test_soft_skills_are_read_and_held_in_the_gap) {
  const char *req = "{\"text\":\"je suis patiente et j'aime le contact, je ne suis pas autonome\",\"target\":\"K1304\"}";
  char *out = NULL;
  cr_assert_eq(jalon_diagnose_json(&out, ws, req, strlen(req), NULL), 0);
  cr_expect_not_null(strstr(out, "\"soft_skills\":["));
  cr_expect_not_null(strstr(out, "Faire preuve de contrôle de soi"));
  cr_expect_not_null(strstr(out, "\"text\":\"je suis patiente\""));
  /* "je ne suis pas autonome" is no sign of autonomy. */
  cr_expect_null(strstr(out, "\"label\":\"Faire preuve d'autonomie\",\"evidence\""));
  jalon_free(out);
}
