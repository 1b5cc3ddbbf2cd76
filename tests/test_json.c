/* JSON contract: the request parser's refusals (shape, size, depth, NUL,
 * UTF-8), the response and error objects, and the fiche description. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json.h"
#include "jalon/jalon.h"

/* ---- request parsing (no model needed) ---- */

static int parse_n(const char *s, size_t n, jalon_error **err) {
  jj_request q;
  int rc = jj_parse_request(&q, s, n, err);
  jj_request_free(&q);
  return rc;
}
static int parse(const char *s) { return parse_n(s, strlen(s), NULL); }

/* Parses s expecting JALON_EJSON with a message naming `field`. */
static void expect_field_error(const char *s, const char *field) {
  jalon_error *err = NULL;
  cr_expect_eq(parse_n(s, strlen(s), &err), JALON_EJSON, "%s", s);
  char quoted[64];
  snprintf(quoted, sizeof quoted, "\"%s\"", field);
  cr_expect_not_null(strstr(jalon_error_message(err), quoted), "%s: message \"%s\" should name %s", s,
                     jalon_error_message(err), quoted);
  jalon_error_free(err);
}

Test(json_request, test_json_request_reads_every_field) {
  const char *s = "{\"id\":\"r-1\",\"text\":\"caissière\",\"title\":\"vendeuse\",\"target\":\"J1501\","
                  "\"place\":{\"department\":\"31\",\"region\":\"76\",\"lat\":43.6,\"lon\":1.44,\"radius_km\":50},"
                  "\"after\":\"2026-12-01\",\"limit\":{\"jobs\":7,\"trainings\":3},\"unknown\":[1,{\"x\":null}]}";
  jj_request q;
  cr_assert_eq(jj_parse_request(&q, s, strlen(s), NULL), 0);
  cr_expect_str_eq(q.id, "r-1");
  cr_expect_str_eq(q.text, "caissière");
  cr_expect_eq(q.text_len, strlen("caissière"));
  cr_expect_str_eq(q.title, "vendeuse");
  cr_expect_eq(q.title_len, 8);
  cr_expect_str_eq(q.target, "J1501");
  cr_expect_str_eq(q.after, "2026-12-01");
  cr_expect_eq(q.max_jobs, 7);
  cr_expect(q.has_max_trainings);
  cr_expect_eq(q.max_trainings, 3);
  cr_expect(q.place.given);
  cr_expect_str_eq(q.place.department, "31");
  cr_expect_str_eq(q.place.region, "76");
  cr_expect(q.place.has_coords);
  cr_expect_float_eq(q.place.lat, 43.6, 1e-9);
  cr_expect_float_eq(q.place.radius_km, 50, 1e-9);
  jj_request_free(&q);
  cr_expect_null(q.doc, "free leaves the struct zeroed");
  jj_request_free(NULL);
}

Test(json_request, test_json_request_needs_only_text_and_treats_null_as_absent) {
  jj_request q;
  cr_assert_eq(jj_parse_request(&q, "{\"text\":\"cariste\"}", 18, NULL), 0);
  cr_expect_null(q.id);
  cr_expect_null(q.title);
  cr_expect_eq(q.max_jobs, 0);
  cr_expect_not(q.place.given);
  jj_request_free(&q);
  cr_expect_eq(parse("{\"id\":null,\"text\":\"a\",\"title\":null,\"limit\":null}"), 0);
}

Test(json_request, test_json_request_malformed_json_is_invalid_json) {
  const char *bad[] = {"{", "{\"text\":}", "{\"text\":\"a\",}", "{'text':'a'}", "nul", "   ",
                       "{\"text\":\"a\\q\"}", "{\"text\":\"\\ud800\"}"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    cr_expect_eq(parse(bad[i]), JALON_EJSON, "%s", bad[i]);
  cr_expect_eq(parse_n(NULL, 0, NULL), JALON_EJSON, "empty request");
  cr_expect_eq(parse_n(NULL, 3, NULL), JALON_EINVAL);
  cr_expect_eq(parse("[1,2]"), JALON_EJSON, "not an object");
  cr_expect_eq(parse("\"text\""), JALON_EJSON, "not an object");
}

Test(json_request, test_json_request_rejects_trailing_garbage_but_not_white_space) {
  jalon_error *err = NULL;
  cr_expect_eq(parse_n("{\"text\":\"a\"} x", 14, &err), JALON_EJSON);
  cr_expect_not_null(strstr(jalon_error_message(err), "after the JSON value"), "%s", jalon_error_message(err));
  jalon_error_free(err);
  cr_expect_eq(parse("{\"text\":\"a\"}{\"text\":\"b\"}"), JALON_EJSON, "two objects");
  cr_expect_eq(parse("{\"text\":\"a\"},"), JALON_EJSON);
  cr_expect_eq(parse(" \t{\"text\":\"a\"} \r\n\t "), 0);
}

Test(json_request, test_json_request_wrong_types_name_the_field) {
  expect_field_error("{\"id\":5,\"text\":\"a\"}", "id");
  expect_field_error("{\"text\":5}", "text");
  expect_field_error("{\"text\":[\"a\"]}", "text");
  expect_field_error("{\"text\":\"a\",\"title\":true}", "title");
  expect_field_error("{\"text\":\"a\",\"target\":{}}", "target");
  expect_field_error("{\"text\":\"a\",\"place\":\"Toulouse\"}", "place");
  expect_field_error("{\"text\":\"a\",\"place\":{\"department\":31}}", "place.department");
  expect_field_error("{\"text\":\"a\",\"place\":{\"lat\":\"43\",\"lon\":1}}", "place.lat");
  expect_field_error("{\"text\":\"a\",\"place\":{\"lat\":91,\"lon\":1}}", "place.lat");
  expect_field_error("{\"text\":\"a\",\"after\":20261201}", "after");
  expect_field_error("{\"text\":\"a\",\"after\":\"01/12/2026\"}", "after");
  expect_field_error("{\"text\":\"a\",\"limit\":5}", "limit");
  expect_field_error("{\"text\":\"a\",\"limit\":{\"jobs\":\"5\"}}", "limit.jobs");
  expect_field_error("{\"text\":\"a\",\"limit\":{\"jobs\":0}}", "limit.jobs");
  expect_field_error("{\"text\":\"a\",\"limit\":{\"jobs\":51}}", "limit.jobs");
  expect_field_error("{\"text\":\"a\",\"limit\":{\"jobs\":2.5}}", "limit.jobs");
  expect_field_error("{\"text\":\"a\",\"limit\":{\"trainings\":-1}}", "limit.trainings");
  cr_expect_eq(parse("{\"text\":\"a\",\"limit\":{\"jobs\":50,\"trainings\":0}}"), 0);
}

Test(json_request, test_json_request_missing_text_is_reported) {
  jalon_error *err = NULL;
  cr_expect_eq(parse_n("{\"title\":\"cariste\"}", 19, &err), JALON_EJSON);
  cr_expect_str_eq(jalon_error_message(err), "field \"text\" is required");
  jalon_error_free(err);
  cr_expect_eq(parse("{}"), JALON_EJSON);
  cr_expect_eq(parse("{\"Text\":\"a\"}"), JALON_EJSON, "keys are case-sensitive");
}

Test(json_request, test_json_request_keeps_the_id_for_later_errors) {
  jj_request q;
  const char *s = "{\"id\":\"abc\",\"text\":42}";
  cr_expect_eq(jj_parse_request(&q, s, strlen(s), NULL), JALON_EJSON);
  cr_expect_str_eq(q.id, "abc");
  jj_request_free(&q);
}

/* A request holding `open` nested arrays as the value of "x". */
static char *nested(unsigned open, const char *extra) {
  size_t n = 64 + 2 * (size_t)open + strlen(extra);
  char *s = malloc(n);
  cr_assert_not_null(s);
  size_t k = (size_t)snprintf(s, n, "{\"text\":\"%s\",\"x\":", extra);
  for (unsigned i = 0; i < open; i++) s[k++] = '[';
  for (unsigned i = 0; i < open; i++) s[k++] = ']';
  s[k++] = '}';
  s[k] = 0;
  return s;
}

Test(json_request, test_json_request_too_deep_nesting_is_refused_before_parsing) {
  /* The outer object is level 1. */
  char *ok = nested(JJ_MAX_DEPTH - 1, "a");
  cr_expect_eq(parse(ok), 0);
  free(ok);
  char *deep = nested(JJ_MAX_DEPTH, "a");
  jalon_error *err = NULL;
  cr_expect_eq(parse_n(deep, strlen(deep), &err), JALON_EJSON);
  cr_expect_not_null(strstr(jalon_error_message(err), "deeper"), "%s", jalon_error_message(err));
  jalon_error_free(err);
  free(deep);
  /* Far deeper than cJSON's own limit: refused cheaply, not by recursion. */
  char *hostile = nested(100000, "a");
  cr_expect_eq(parse(hostile), JALON_EJSON);
  free(hostile);
  /* Brackets inside strings are text, not nesting; an escaped quote does not
   * end the string. */
  char text[128] = "\\\"";
  for (int i = 2; i < 100; i++) text[i] = i % 2 ? '{' : '[';
  text[100] = 0;
  char *in_string = nested(1, text);
  cr_expect_eq(parse(in_string), 0);
  free(in_string);
}

Test(json_request, test_json_request_too_big_is_refused_before_parsing) {
  size_t n = JJ_MAX_REQUEST_BYTES + 1;
  char *big = malloc(n);
  cr_assert_not_null(big);
  memset(big, '[', n); /* would also be too deep: size is checked first */
  jalon_error *err = NULL;
  cr_expect_eq(parse_n(big, n, &err), JALON_ETOOBIG);
  cr_expect_str_eq(jj_status_code_name(jalon_error_code(err)), "text_too_large");
  jalon_error_free(err);
  /* Exactly at the limit parses; the text limit is jalon_diagnose's business. */
  n = JJ_MAX_REQUEST_BYTES;
  memcpy(big, "{\"text\":\"", 9);
  memset(big + 9, 'a', n - 11);
  memcpy(big + n - 2, "\"}", 2);
  jj_request q;
  cr_expect_eq(jj_parse_request(&q, big, n, NULL), 0);
  cr_expect_eq(q.text_len, n - 11);
  jj_request_free(&q);
  free(big);
}

Test(json_request, test_json_request_escaped_nul_is_invalid_utf8_not_truncation) {
  jalon_error *err = NULL;
  const char *s = "{\"text\":\"caissi\\u0000ère\"}";
  cr_expect_eq(parse_n(s, strlen(s), &err), JALON_EUTF8);
  cr_expect_not_null(strstr(jalon_error_message(err), "\\u0000"), "%s", jalon_error_message(err));
  jalon_error_free(err);
  cr_expect_eq(parse("{\"text\":\"a\",\"title\":\"\\u0000\"}"), JALON_EUTF8);
  cr_expect_eq(parse("{\"text\\u0000x\":\"a\",\"text\":\"b\"}"), JALON_EUTF8, "a NUL in a key would alias it");
  /* An escaped backslash followed by "u0000" is six ordinary characters. */
  jj_request q;
  const char *lit = "{\"text\":\"a\\\\u0000\"}";
  cr_assert_eq(jj_parse_request(&q, lit, strlen(lit), NULL), 0);
  cr_expect_str_eq(q.text, "a\\u0000");
  jj_request_free(&q);
  cr_expect_eq(parse("{\"text\":\"\\u0001\"}"), 0, "other control escapes are plain text");
}

Test(json_request, test_json_request_invalid_utf8_and_raw_nul_are_refused) {
  cr_expect_eq(parse("{\"text\":\"caissi\xe8re\"}"), JALON_EUTF8);
  cr_expect_eq(parse("{\"text\":\"a\",\"title\":\"\xc0\xaf\"}"), JALON_EUTF8, "overlong in the title");
  cr_expect_eq(parse("{\"text\":\"a\",\"other\":\"\xed\xa0\x80\"}"), JALON_EUTF8, "surrogate anywhere");
  cr_expect_eq(parse_n("{\"text\":\"a\0b\"}", 14, NULL), JALON_EUTF8, "raw NUL");
}

Test(json_request, test_json_request_reads_an_unterminated_buffer_exactly) {
  /* Exactly sized heap copy: a sanitizer build catches any read past it. */
  const char *s = "{\"text\":\"cariste\"}";
  size_t n = strlen(s);
  char *b = malloc(n);
  cr_assert_not_null(b);
  memcpy(b, s, n);
  cr_expect_eq(parse_n(b, n, NULL), 0);
  cr_expect_eq(parse_n(b, n - 1, NULL), JALON_EJSON, "cut before the closing brace");
  free(b);
}

Test(json_request, test_json_status_names_are_stable) {
  struct {
    int status;
    const char *name;
  } t[] = {{JALON_EINVAL, "invalid_argument"}, {JALON_ENOMEM, "out_of_memory"}, {JALON_EIO, "io_error"},
           {JALON_EFORMAT, "bad_model"},       {JALON_EVERSION, "model_version"}, {JALON_EUTF8, "invalid_utf8"},
           {JALON_ETOOBIG, "text_too_large"},  {JALON_EEMPTY, "empty_text"},    {JALON_EJSON, "invalid_json"},
           {JALON_ENOTFOUND, "not_found"},     {JALON_EDATA, "bad_data"},       {JALON_EICU, "icu_error"},
           {JALON_EINTERNAL, "internal"},      {-999, "internal"}};
  for (size_t i = 0; i < sizeof t / sizeof *t; i++) cr_expect_str_eq(jj_status_code_name(t[i].status), t[i].name);
}

/* ---- with the built model ---- */

static jalon_model *model;
static jalon_workspace *ws;

static void setup(void) {
  jalon_error *err = NULL;
  cr_assert_eq(jalon_model_open(&model, NULL, &err), 0, "%s", jalon_error_message(err));
  cr_assert_eq(jalon_workspace_new(&ws, model, NULL), 0);
}
static void teardown(void) {
  jalon_workspace_free(ws);
  jalon_model_free(model);
}
TestSuite(json, .init = setup, .fini = teardown);

/* Runs a request; returns the parsed response (caller deletes) and status. */
static cJSON *ask(const char *req, size_t len, int *status) {
  char *out = NULL;
  *status = jalon_diagnose_json(&out, ws, req, len, NULL);
  cr_assert_not_null(out, "a response is always written");
  cJSON *doc = cJSON_Parse(out);
  cr_assert_not_null(doc, "response is JSON: %s", out);
  jalon_free(out);
  return doc;
}

static const char *str_at(const cJSON *o, const char *key) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(it) ? it->valuestring : NULL;
}

static const char *first_rome(const cJSON *doc) {
  const cJSON *jobs = cJSON_GetObjectItemCaseSensitive(doc, "jobs");
  return str_at(cJSON_GetArrayItem(jobs, 0), "rome");
}

/* Checks one job list: best first, 4-decimal scores, evidence that points at
 * the exact bytes of the text. */
static void check_jobs(const cJSON *jobs, const char *text) {
  cr_assert(cJSON_IsArray(jobs));
  double prev = INFINITY;
  const cJSON *job;
  cJSON_ArrayForEach(job, jobs) {
    cr_expect_not_null(str_at(job, "rome"));
    cr_expect_not_null(str_at(job, "parent"));
    cr_expect_not_null(str_at(job, "label"));
    cr_expect_not_null(str_at(job, "role"));
    double score = cJSON_GetObjectItemCaseSensitive(job, "score")->valuedouble;
    cr_expect_leq(score, prev, "jobs sorted by score, best first");
    cr_expect(score >= 0 && score <= 1);
    cr_expect_float_eq(score * 1e4, round(score * 1e4), 1e-6, "4 decimals");
    prev = score;
    const cJSON *ap = cJSON_GetObjectItemCaseSensitive(job, "appellation");
    if (ap) {
      cr_expect_not_null(str_at(ap, "code"));
      cr_expect_not_null(str_at(ap, "label"));
    }
    const cJSON *ev;
    cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(job, "evidence")) {
      double s = cJSON_GetObjectItemCaseSensitive(ev, "start")->valuedouble;
      double e = cJSON_GetObjectItemCaseSensitive(ev, "end")->valuedouble;
      cr_assert(s >= 0 && s < e && e <= (double)strlen(text), "span %g-%g within the text", s, e);
      const char *t = str_at(ev, "text");
      cr_assert_not_null(t);
      cr_expect_eq(strlen(t), (size_t)(e - s));
      cr_expect_eq(memcmp(t, text + (size_t)s, (size_t)(e - s)), 0, "evidence text is the substring");
    }
  }
}

Test(json, test_json_response_has_version_model_and_ranked_jobs_with_evidence) {
  const char *text = "J'ai été caissière pendant 6 ans, je voudrais devenir aide-soignante";
  char req[256];
  snprintf(req, sizeof req, "{\"id\":\"demande-7\",\"text\":\"%s\"}", text);
  int rc;
  cJSON *doc = ask(req, strlen(req), &rc);
  cr_assert_eq(rc, 0);
  cr_expect_str_eq(str_at(doc, "id"), "demande-7");
  cr_expect_str_eq(str_at(doc, "jalon"), jalon_version());
  const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, "model");
  cr_expect_str_eq(str_at(m, "rome"), jalon_model_rome_version(model));
  cr_expect_str_eq(str_at(m, "checksum"), jalon_model_checksum(model));
  const cJSON *jobs = cJSON_GetObjectItemCaseSensitive(doc, "jobs");
  cr_assert_gt(cJSON_GetArraySize(jobs), 1);
  check_jobs(jobs, text);
  check_jobs(cJSON_GetObjectItemCaseSensitive(doc, "experience"), text);
  check_jobs(cJSON_GetObjectItemCaseSensitive(doc, "aspirations"), text);
  check_jobs(cJSON_GetObjectItemCaseSensitive(doc, "excluded"), text);
  const cJSON *conf = cJSON_GetObjectItemCaseSensitive(doc, "confidence");
  cr_expect(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(conf, "margin")));
  cr_expect(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(conf, "abstain")));
  cr_expect_null(cJSON_GetObjectItemCaseSensitive(doc, "error"));
  cr_expect_null(cJSON_GetObjectItemCaseSensitive(doc, "clea"), "stages not built are omitted");
  cJSON_Delete(doc);
}

Test(json, test_json_response_omits_id_when_none_was_given_and_honours_limit) {
  int rc;
  const char *req = "{\"text\":\"agent de nettoyage\",\"limit\":{\"jobs\":2}}";
  cJSON *doc = ask(req, strlen(req), &rc);
  cr_assert_eq(rc, 0);
  cr_expect_null(cJSON_GetObjectItemCaseSensitive(doc, "id"));
  cr_expect_leq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "jobs")), 2);
  cJSON_Delete(doc);
}

Test(json, test_json_feminine_title_puts_d1214_first) {
  int rc;
  const char *req = "{\"text\":\"vendeuse en prêt-à-porter\"}";
  cJSON *doc = ask(req, strlen(req), &rc);
  cr_assert_eq(rc, 0);
  cr_expect_str_eq(first_rome(doc), "D1214");
  cJSON_Delete(doc);
  /* The same words typed as the title, with an empty text. */
  req = "{\"text\":\"\",\"title\":\"vendeuse en prêt-à-porter\"}";
  doc = ask(req, strlen(req), &rc);
  cr_assert_eq(rc, 0);
  cr_expect_str_eq(first_rome(doc), "D1214");
  cJSON_Delete(doc);
}

static void expect_error(const char *req, size_t len, int status, const char *code, const char *id) {
  int rc;
  cJSON *doc = ask(req, len, &rc);
  cr_expect_eq(rc, status, "%s", req);
  const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
  cr_assert_not_null(e, "%s", req);
  cr_expect_str_eq(str_at(e, "code"), code);
  cr_expect_gt(strlen(str_at(e, "message")), 0);
  cr_expect_gt(strlen(str_at(e, "message_fr")), 0);
  const cJSON *jid = cJSON_GetObjectItemCaseSensitive(doc, "id");
  cr_assert_not_null(jid, "the id is always there in an error");
  if (id) cr_expect_str_eq(jid->valuestring, id);
  else cr_expect(cJSON_IsNull(jid));
  cr_expect_null(cJSON_GetObjectItemCaseSensitive(doc, "jobs"));
  cJSON_Delete(doc);
}

static void expect_error_s(const char *req, int status, const char *code, const char *id) {
  expect_error(req, strlen(req), status, code, id);
}

Test(json, test_json_error_responses_carry_code_message_and_id) {
  expect_error("{\"text\":", 8, JALON_EJSON, "invalid_json", NULL);
  expect_error_s("{\"id\":\"q1\",\"text\":3}", JALON_EJSON, "invalid_json", "q1");
  expect_error_s("{\"id\":\"q2\",\"text\":\"  ... \"}", JALON_EEMPTY, "empty_text", "q2");
  expect_error_s("{\"id\":\"q3\",\"text\":\"a\",\"limit\":{\"jobs\":99}}", JALON_EJSON, "invalid_json", "q3");
  expect_error("", 0, JALON_EJSON, "invalid_json", NULL);
}

Test(json, test_json_invalid_utf8_gives_invalid_utf8) {
  const char *req = "{\"id\":\"u\",\"text\":\"caissi\xe8re\"}";
  expect_error(req, strlen(req), JALON_EUTF8, "invalid_utf8", NULL);
  req = "{\"text\":\"caissière\",\"title\":\"vend\xff\"}";
  expect_error(req, strlen(req), JALON_EUTF8, "invalid_utf8", NULL);
  req = "{\"id\":\"n\",\"text\":\"caissi\\u0000ère\"}";
  expect_error(req, strlen(req), JALON_EUTF8, "invalid_utf8", NULL);
}

Test(json, test_json_text_over_the_limit_is_text_too_large) {
  size_t n = JALON_MAX_TEXT_BYTES + 1;
  char *req = malloc(n + 32);
  cr_assert_not_null(req);
  size_t k = (size_t)sprintf(req, "{\"id\":\"big\",\"text\":\"");
  for (size_t i = 0; i < n; i++) req[k++] = i % 8 == 7 ? ' ' : 'a';
  k += (size_t)sprintf(req + k, "\"}");
  expect_error(req, k, JALON_ETOOBIG, "text_too_large", "big");
  free(req);
}

Test(json, test_json_diagnose_json_fills_err_and_checks_arguments) {
  char *out = NULL;
  jalon_error *err = NULL;
  cr_expect_eq(jalon_diagnose_json(&out, ws, "{\"text\":1}", 10, &err), JALON_EJSON);
  cr_expect_not_null(out);
  cr_expect_eq(jalon_error_code(err), JALON_EJSON);
  cr_expect_not_null(strstr(out, jalon_error_message_fr(err)) ? out : NULL, "French message in the response");
  jalon_free(out);
  jalon_error_free(err);
  cr_expect_eq(jalon_diagnose_json(NULL, ws, "{}", 2, NULL), JALON_EINVAL);
  out = NULL;
  cr_expect_eq(jalon_diagnose_json(&out, NULL, "{\"text\":\"a\"}", 12, NULL), JALON_EINVAL);
  cr_assert_not_null(out);
  cr_expect_not_null(strstr(out, "\"invalid_argument\""), "%s", out);
  jalon_free(out);
}

Test(json, test_json_result_to_json_pretty_and_compact) {
  jalon_result *r = NULL;
  cr_assert_eq(jalon_diagnose(&r, ws, "cariste", 7, NULL, NULL), 0);
  char *compact = NULL, *pretty = NULL;
  cr_assert_eq(jalon_result_to_json(&compact, r, 0, NULL), 0);
  cr_assert_eq(jalon_result_to_json(&pretty, r, 1, NULL), 0);
  cr_expect_null(strchr(compact, '\n'));
  cr_expect_not_null(strchr(pretty, '\n'));
  cJSON *a = cJSON_Parse(compact), *b = cJSON_Parse(pretty);
  cr_expect(cJSON_Compare(a, b, 1), "same document either way");
  cJSON_Delete(a);
  cJSON_Delete(b);
  jalon_free(compact);
  jalon_free(pretty);
  cr_expect_eq(jalon_result_to_json(NULL, r, 0, NULL), JALON_EINVAL);
  cr_expect_eq(jalon_result_to_json(&compact, NULL, 0, NULL), JALON_EINVAL);
  jalon_result_free(r);
}

/* cJSON allocates through hooks: failing the n-th allocation, for every n,
 * walks each error path of the writers. Live counts prove nothing leaks. */
static long live_allocs, fail_at, alloc_no;
static void *failing_malloc(size_t n) {
  if (alloc_no++ == fail_at) return NULL;
  void *p = malloc(n);
  if (p) live_allocs++;
  return p;
}
static void counting_free(void *p) {
  if (p) live_allocs--;
  free(p);
}

Test(json, test_json_writers_fail_cleanly_on_every_cjson_allocation) {
  jalon_result *r = NULL;
  const char *text = "j'ai été caissière, je voudrais être cariste";
  cr_assert_eq(jalon_diagnose(&r, ws, text, strlen(text), NULL, NULL), 0);
  cJSON_Hooks hooks = {failing_malloc, counting_free};
  int saw_success[3] = {0, 0, 0};
  for (fail_at = 0; fail_at < 5000 && !(saw_success[0] && saw_success[1] && saw_success[2]); fail_at++) {
    char *out[3] = {NULL, NULL, NULL};
    int rc[3];
    const char *req = "{\"id\":\"m\",\"text\":\"caissière\",\"limit\":{\"jobs\":3}}";
    live_allocs = 0;
    alloc_no = 0;
    cJSON_InitHooks(&hooks);
    rc[0] = jalon_result_to_json(&out[0], r, 0, NULL);
    alloc_no = 0;
    rc[1] = jalon_model_fiche_json(&out[1], model, "D1214", NULL);
    alloc_no = 0;
    rc[2] = jalon_diagnose_json(&out[2], ws, req, strlen(req), NULL);
    cJSON_InitHooks(NULL);
    cr_assert_eq(live_allocs, 0, "cJSON allocations leaked when allocation %ld failed", fail_at);
    for (int k = 0; k < 2; k++) {
      cr_assert(rc[k] == 0 || rc[k] == JALON_ENOMEM, "writer %d: %d", k, rc[k]);
      cr_assert_eq(rc[k] == 0, out[k] != NULL);
      saw_success[k] |= rc[k] == 0;
    }
    /* A failed parse cannot be told from bad syntax (cJSON returns NULL for
     * both), so the request may come back as invalid_json; what matters is a
     * well-formed response or NULL with JALON_ENOMEM. */
    if (out[2]) {
      cJSON *doc = cJSON_Parse(out[2]);
      cr_assert_not_null(doc, "%s", out[2]);
      cJSON_Delete(doc);
    } else {
      cr_assert_eq(rc[2], JALON_ENOMEM);
    }
    saw_success[2] |= rc[2] == 0;
    for (int k = 0; k < 3; k++) jalon_free(out[k]);
  }
  cr_expect(saw_success[0] && saw_success[1] && saw_success[2], "the loop reached the success path");
  cr_expect_gt(fail_at, 20, "the failure paths were walked");
  jalon_result_free(r);
}

Test(json, test_json_fiche_d1214_has_domains_appellations_and_competences) {
  char *out = NULL;
  cr_assert_eq(jalon_model_fiche_json(&out, model, "D1214", NULL), 0);
  cJSON *doc = cJSON_Parse(out);
  cr_assert_not_null(doc);
  jalon_free(out);
  cr_expect_str_eq(str_at(doc, "rome"), "D1214");
  cr_expect_str_eq(str_at(doc, "parent"), "D1214");
  cr_expect_not_null(strstr(str_at(doc, "label"), "prêt-à-porter"));
  cr_expect_str_eq(str_at(cJSON_GetObjectItemCaseSensitive(doc, "grand_domaine"), "code"), "D");
  cr_expect_str_eq(str_at(cJSON_GetObjectItemCaseSensitive(doc, "domaine_professionnel"), "code"), "D12");
  cr_expect_gt(strlen(str_at(doc, "definition")), 20);
  cr_expect_not_null(str_at(doc, "access"));

  const cJSON *apps = cJSON_GetObjectItemCaseSensitive(doc, "appellations"), *it;
  cr_assert_gt(cJSON_GetArraySize(apps), 0);
  int principale = 0;
  cJSON_ArrayForEach(it, apps) {
    cr_expect_not_null(str_at(it, "code"));
    cr_expect_not_null(str_at(it, "label"));
    cr_expect_not_null(str_at(it, "label_short"));
    cr_expect(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(it, "peu_usite")));
    principale += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "principale"));
  }
  cr_expect_gt(principale, 0);

  const cJSON *comps = cJSON_GetObjectItemCaseSensitive(doc, "competences");
  cr_assert_gt(cJSON_GetArraySize(comps), 0);
  int core = 0;
  cJSON_ArrayForEach(it, comps) {
    cr_expect_not_null(str_at(it, "code"));
    cr_expect_not_null(str_at(it, "label"));
    const char *kind = str_at(it, "kind");
    cr_assert_not_null(kind);
    cr_expect(!strcmp(kind, "savoir_faire") || !strcmp(kind, "savoir_etre") || !strcmp(kind, "savoir"), "%s", kind);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(it, "core");
    cr_assert_not_null(c, "core is always present");
    if (cJSON_IsString(c)) {
      cr_expect(!strcmp(c->valuestring, "principale") || !strcmp(c->valuestring, "emergente"));
      core++;
    } else {
      cr_expect(cJSON_IsNull(c));
    }
  }
  cr_expect_gt(core, 0, "some competences are core to the job");

  const cJSON *mob = cJSON_GetObjectItemCaseSensitive(doc, "mobility");
  cr_assert(cJSON_IsArray(mob));
  cJSON_ArrayForEach(it, mob) {
    cr_expect_not_null(str_at(it, "rome"));
    cr_expect_not_null(str_at(it, "label"));
    cr_expect(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(it, "rank")));
  }
  cJSON_Delete(doc);
}

Test(json, test_json_unknown_fiche_code_is_not_found) {
  char *out = (char *)"untouched";
  jalon_error *err = NULL;
  cr_expect_eq(jalon_model_fiche_json(&out, model, "Z9999", &err), JALON_ENOTFOUND);
  cr_expect_null(out);
  cr_expect_eq(jalon_error_code(err), JALON_ENOTFOUND);
  cr_expect_not_null(strstr(jalon_error_message(err), "Z9999"));
  jalon_error_free(err);
  cr_expect_eq(jalon_model_fiche_json(&out, model, "", NULL), JALON_ENOTFOUND);
  cr_expect_eq(jalon_model_fiche_json(&out, model, NULL, NULL), JALON_EINVAL);
  cr_expect_eq(jalon_model_fiche_json(NULL, model, "D1214", NULL), JALON_EINVAL);
}
