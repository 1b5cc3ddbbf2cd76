/* Training catalogue: the compiled catalogue of the real open data (built by
 * the build from ../shared/data), its loader's refusals, and the
 * recommendations of a diagnosis (target links, place and date filters,
 * basic-skills trainings for CléA domains to develop). */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jalon/jalon.h"
#include "train/catalogue.h"

static jalon_model *model;
static jalon_catalogue *cat;

static void setup(void) {
  jalon_error *e = NULL;
  cr_assert_eq(jalon_model_open(&model, NULL, &e), 0, "%s", jalon_error_message(e));
  cr_assert_eq(jalon_catalogue_open(&cat, NULL, &e), 0, "%s", jalon_error_message(e));
}

static void teardown(void) {
  jalon_catalogue_free(cat);
  jalon_model_free(model);
}

TestSuite(train, .init = setup, .fini = teardown);

static cJSON *lookup(const char *rome, const jalon_place *p, const char *after, unsigned max) {
  char *out = NULL;
  jalon_error *e = NULL;
  int rc = jalon_catalogue_lookup_json(&out, cat, model, rome, p, after, max, &e);
  cr_assert_eq(rc, 0, "%s", e ? jalon_error_message(e) : "");
  cJSON *doc = cJSON_Parse(out);
  jalon_free(out);
  cr_assert_not_null(doc);
  return doc;
}

static const char *str(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

Test(train, real_catalogue_has_certifications_and_sessions) {
  /* Certif Info holds 10,067 rows, some repeated per RS code; the RCO file
   * brings apprenticeship sessions in PACA. */
  cr_expect_gt(jalon_catalogue_certification_count(cat), 9000);
  cr_expect_gt(jalon_catalogue_session_count(cat), 100);
  cr_expect_eq(strlen(jalon_catalogue_checksum(cat)), 16);
}

Test(train, clea_certification_is_flagged_for_all_domains) {
  int found = 0;
  for (size_t i = 0; i < cat->n_certs; i++) {
    const jca_cert *c = &cat->certs[i];
    const char *rs = jca_str(cat, c->rs);
    if (!rs || strcmp(rs, "RS5080") != 0) continue;
    found = 1;
    cr_expect(strstr(jca_str(cat, c->title), "CléA") != NULL, "%s", jca_str(cat, c->title));
    cr_expect_eq(c->clea, 0x7f);
  }
  cr_expect(found, "no RS5080 certification");
}

Test(train, care_assistant_diploma_leads_to_J1501_first) {
  cJSON *doc = lookup("J1501", NULL, NULL, 5);
  const cJSON *tr = cJSON_GetObjectItemCaseSensitive(doc, "trainings");
  cr_assert_gt(cJSON_GetArraySize(tr), 0);
  const cJSON *first = cJSON_GetArrayItem(tr, 0);
  cr_expect_str_eq(str(first, "title"), "Diplôme d'État d'aide-soignant");
  cr_expect_str_eq(str(first, "reason"), "target");
  /* Every training listed names J1501 (or its parent) among its jobs. */
  const cJSON *t;
  cJSON_ArrayForEach(t, tr) {
    int links = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(t, "rome")) links |= strcmp(r->valuestring, "J1501") == 0;
    cr_expect(links, "%s does not lead to J1501", str(t, "title"));
  }
  cJSON_Delete(doc);
}

/* A ROME code with sessions in the catalogue, found in the data, and the
 * département of its first session. */
static void code_with_sessions(char code[8], char dept[4]) {
  for (size_t i = 0; i < cat->n_certs; i++) {
    const jca_cert *c = &cat->certs[i];
    if (!c->sess_count || !c->n_rome) continue;
    const jca_session *s = &cat->sessions[c->sess_first];
    if (!s->department[0] || !s->has_coords) continue;
    memcpy(code, cat->cert_rome[c->rome_first].code, 8);
    memcpy(dept, s->department, 4);
    return;
  }
  cr_assert_fail("no certification with located sessions");
}

Test(train, department_filter_keeps_nearby_sessions_only) {
  char code[8], dept[4];
  code_with_sessions(code, dept);
  jalon_place here = {dept, NULL, 0, 0, 0, 0};
  cJSON *doc = lookup(code, &here, NULL, 10);
  const cJSON *t;
  int sessions = 0;
  cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(doc, "trainings")) {
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(t, "sessions")) {
      sessions++;
      const cJSON *place = cJSON_GetObjectItemCaseSensitive(s, "place");
      const cJSON *dist = cJSON_GetObjectItemCaseSensitive(s, "distance");
      const char *d = str(place, "department");
      /* Same département, same region, or distance learning. */
      int ok = (d && strcmp(d, dept) == 0) || cJSON_IsTrue(dist) ||
               (str(place, "region") && jca_region_of(cat, dept) &&
                strcmp(str(place, "region"), jca_region_of(cat, dept)) == 0);
      cr_expect(ok, "session in %s offered to a person in %s", d ? d : "?", dept);
    }
  }
  cr_expect_gt(sessions, 0, "no session near %s for %s", dept, code);
  cJSON_Delete(doc);

  /* Far away (Occitanie when the data is in PACA): the same trainings keep
   * no session, since none is near or at a distance. */
  jalon_place far = {strcmp(dept, "31") ? "31" : "59", NULL, 0, 0, 0, 0};
  doc = lookup(code, &far, NULL, 10);
  cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(doc, "trainings")) {
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(t, "sessions")) {
      const char *d = str(cJSON_GetObjectItemCaseSensitive(s, "place"), "department");
      cr_expect(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "distance")) ||
                    (d && jca_region_of(cat, d) && jca_region_of(cat, far.department) &&
                     strcmp(jca_region_of(cat, d), jca_region_of(cat, far.department)) == 0),
                "session in %s offered to a person in %s", d ? d : "?", far.department);
    }
  }
  cJSON_Delete(doc);
}

Test(train, radius_and_date_filters) {
  char code[8], dept[4];
  code_with_sessions(code, dept);
  /* The person stands on the first session's place: everything kept is
   * within the radius, nearest first. */
  double lat = 0, lon = 0;
  for (size_t i = 0; i < cat->n_sessions; i++)
    if (cat->sessions[i].has_coords && strcmp(cat->sessions[i].department, dept) == 0) {
      lat = cat->sessions[i].lat;
      lon = cat->sessions[i].lon;
      break;
    }
  jalon_place here = {NULL, NULL, 1, lat, lon, 30};
  cJSON *doc = lookup(code, &here, "2021-10-01", 10);
  const cJSON *t;
  cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(doc, "trainings")) {
    double last = -1;
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(t, "sessions")) {
      const cJSON *km = cJSON_GetObjectItemCaseSensitive(s, "distance_km");
      if (cJSON_IsNumber(km) && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "distance"))) {
        cr_expect_leq(km->valuedouble, 30.0);
        cr_expect_geq(km->valuedouble, last);
        last = km->valuedouble;
      }
      const char *start = str(s, "start");
      if (start) cr_expect_geq(strcmp(start, "2021-10-01"), 0, "session starting %s", start);
    }
  }
  cJSON_Delete(doc);
}

static jalon_result *diagnose(const char *text, const char *target, const jalon_place *p) {
  jalon_workspace *ws = NULL;
  jalon_error *e = NULL;
  cr_assert_eq(jalon_workspace_new(&ws, model, &e), 0);
  cr_assert_eq(jalon_workspace_set_catalogue(ws, cat), 0);
  jalon_diagnose_options o = JALON_DIAGNOSE_OPTIONS_INIT;
  o.target = target;
  o.place = p;
  jalon_result *r = NULL;
  int rc = jalon_diagnose(&r, ws, text, strlen(text), &o, &e);
  cr_assert_eq(rc, 0, "%s", e ? jalon_error_message(e) : "");
  jalon_workspace_free(ws);
  return r;
}

Test(train, clea_needs_bring_a_basic_skills_training_in_top_three) {
  jalon_result *r = diagnose("J'ai été agent d'entretien pendant 10 ans. Je voudrais devenir aide-soignante "
                             "mais j'ai du mal à lire et à écrire, et l'ordinateur me fait peur.",
                             NULL, NULL);
  int todev = 0;
  for (int d = 1; d <= 7; d++) todev |= jalon_result_clea_status(r, d) == JALON_CLEA_TO_DEVELOP;
  cr_assert(todev, "the text should show CléA domains to develop");
  size_t n = jalon_result_training_count(r);
  cr_assert_geq(n, 3);
  int basic = 0;
  for (size_t i = 0; i < 3; i++) basic |= strcmp(jalon_result_training_reason(r, i), "basic_skills") == 0;
  cr_expect(basic, "no basic-skills training among the first three");
  /* And the job itself is not forgotten: a training leading to it is listed. */
  int target = 0;
  for (size_t i = 0; i < n; i++) target |= strcmp(jalon_result_training_reason(r, i), "target") == 0;
  cr_expect(target);
  jalon_result_free(r);
}

Test(train, titles_are_not_repeated_and_basic_skills_stay_a_complement) {
  /* Certif Info files some diplomas under several codes: one line each. */
  cJSON *doc = lookup("D1106", NULL, NULL, 20);
  const cJSON *tr = cJSON_GetObjectItemCaseSensitive(doc, "trainings");
  int n = cJSON_GetArraySize(tr);
  cr_assert_gt(n, 3);
  for (int i = 0; i < n; i++)
    for (int k = i + 1; k < n; k++)
      cr_expect_str_neq(str(cJSON_GetArrayItem(tr, i), "title"), str(cJSON_GetArrayItem(tr, k), "title"));
  cJSON_Delete(doc);
  /* A person aiming at a job with writing needs: the job's own diploma
   * first, basic-skills trainings in the first three but at most two. */
  jalon_result *r = diagnose("j'ai du mal à écrire", "J1501", NULL);
  size_t basic = 0, count = jalon_result_training_count(r);
  cr_assert_geq(count, 3);
  cr_expect_str_eq(jalon_result_training_reason(r, 0), "target");
  for (size_t i = 0; i < count; i++) basic += strcmp(jalon_result_training_reason(r, i), "basic_skills") == 0;
  cr_expect_geq(basic, 1);
  cr_expect_leq(basic, 2);
  jalon_result_free(r);
}

Test(train, json_request_place_and_limits) {
  jalon_workspace *ws = NULL;
  cr_assert_eq(jalon_workspace_new(&ws, model, NULL), 0);
  jalon_workspace_set_catalogue(ws, cat);
  const char *req = "{\"text\":\"je veux devenir aide-soignant\",\"place\":{\"department\":\"13\"},"
                    "\"limit\":{\"trainings\":2}}";
  char *out = NULL;
  cr_assert_eq(jalon_diagnose_json(&out, ws, req, strlen(req), NULL), 0);
  cJSON *doc = cJSON_Parse(out);
  jalon_free(out);
  cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "trainings")), 2);
  cJSON_Delete(doc);
  const char *none = "{\"text\":\"je veux devenir aide-soignant\",\"limit\":{\"trainings\":0}}";
  cr_assert_eq(jalon_diagnose_json(&out, ws, none, strlen(none), NULL), 0);
  doc = cJSON_Parse(out);
  jalon_free(out);
  cr_expect_null(cJSON_GetObjectItemCaseSensitive(doc, "trainings"));
  cJSON_Delete(doc);
  jalon_workspace_free(ws);
}

Test(train, bad_options_are_refused) {
  jalon_workspace *ws = NULL;
  cr_assert_eq(jalon_workspace_new(&ws, model, NULL), 0);
  jalon_diagnose_options o = JALON_DIAGNOSE_OPTIONS_INIT;
  jalon_result *r = NULL;
  o.after = "2026-13-01";
  cr_expect_eq(jalon_diagnose(&r, ws, "cuisinier", 9, &o, NULL), JALON_EINVAL);
  o.after = NULL;
  o.max_trainings = JALON_MAX_TRAININGS + 1;
  cr_expect_eq(jalon_diagnose(&r, ws, "cuisinier", 9, &o, NULL), JALON_EINVAL);
  cr_expect_null(r);
  char *out = NULL;
  cr_expect_eq(jalon_catalogue_lookup_json(&out, cat, model, "Z9999", NULL, NULL, 0, NULL), JALON_ENOTFOUND);
  jalon_place bad_lat = {NULL, NULL, 1, 123.0, 2.0, 0};
  cr_expect_eq(jalon_catalogue_lookup_json(&out, cat, model, "J1501", &bad_lat, NULL, 0, NULL), JALON_EINVAL);
  jalon_place long_dept = {"12345", NULL, 0, 0, 0, 0};
  o.max_trainings = 0;
  o.place = &long_dept;
  cr_expect_eq(jalon_diagnose(&r, ws, "cuisinier", 9, &o, NULL), JALON_EINVAL);
  cr_expect_null(out);
  jalon_workspace_free(ws);
}

/* The catalogue file is untrusted: every damaged copy is refused cleanly. */
static unsigned char *read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f);
  fseek(f, 0, SEEK_END);
  *n = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc(*n);
  cr_assert_eq(fread(b, 1, *n, f), *n);
  fclose(f);
  return b;
}

Test(train, damaged_catalogues_are_refused) {
  size_t n = 0;
  unsigned char *b = read_file(jalon_catalogue_path(cat), &n);
  jalon_catalogue *c = NULL;
  jalon_error *e = NULL;
  cr_expect_eq(jca_open_memory(&c, b, n / 2, &e), JALON_EFORMAT);
  jalon_error_free(e);
  e = NULL;
  b[n - 5] ^= 0x40;
  cr_expect_eq(jca_open_memory(&c, b, n, &e), JALON_EFORMAT);
  cr_expect(strstr(jalon_error_message(e), "checksum") != NULL, "%s", jalon_error_message(e));
  jalon_error_free(e);
  e = NULL;
  b[n - 5] ^= 0x40;
  memcpy(b, "JALONMDL", 8); /* a model is not a catalogue */
  cr_expect_eq(jca_open_memory(&c, b, n, &e), JALON_EFORMAT);
  jalon_error_free(e);
  e = NULL;
  memcpy(b, "JALONCAT", 8);
  b[8] = 9; /* major version 9 */
  cr_expect_eq(jca_open_memory(&c, b, n, &e), JALON_EVERSION);
  jalon_error_free(e);
  cr_expect_null(c);
  free(b);
  cr_expect_eq(jalon_catalogue_open(&c, "/nonexistent/x.catalogue", NULL), JALON_ENOTFOUND);
}
