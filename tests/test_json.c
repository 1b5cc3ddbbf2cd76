/* JSON contracts (DESIGN.md "Request" / "Response"): the request parser on its
 * own, then the response, error objects and fiche JSON against the built model. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json.h"
#include "api/result.h"
#include "jalon/jalon.h"

/* ================= request parsing: no model needed ================= */

/* Parses a NUL-terminated request; the caller frees req. */
static int parse(jj_request *req, const char *s, jalon_error **err) {
  return jj_parse_request(req, s, strlen(s), err);
}

/* Asserts that the request is refused with `status` and that the English
 * message contains `needle` (the field name, for shape errors). */
static void expect_refused(const char *s, int status, const char *needle) {
  jj_request req;
  jalon_error *err = NULL;
  int rc = parse(&req, s, &err);
  cr_expect_eq(rc, status, "%s: got %d, expected %d", s, rc, status);
  cr_expect_eq(jalon_error_code(err), status, "%s: error object code", s);
  if (needle)
    cr_expect_not_null(strstr(jalon_error_message(err), needle), "%s: message \"%s\" lacks \"%s\"", s,
                       jalon_error_message(err), needle);
  jalon_error_free(err);
  jj_request_free(&req);
}

Test(json_request, test_json_request_reads_every_contract_field) {
  const char *s = "{\"id\":\"r-1\",\"text\":\"J'ai été caissière\",\"title\":\"vendeuse\","
                  "\"target\":\"J1501\",\"after\":\"2026-12-01\","
                  "\"place\":{\"department\":\"31\",\"region\":\"76\",\"lat\":43.6,\"lon\":1.44,"
                  "\"radius_km\":50},\"limit\":{\"jobs\":7,\"trainings\":3}}";
  jj_request req;
  cr_assert_eq(parse(&req, s, NULL), 0);
  cr_expect_str_eq(req.id, "r-1");
  cr_expect_str_eq(req.text, "J'ai été caissière");
  cr_expect_eq(req.text_len, strlen("J'ai été caissière"));
  cr_expect_str_eq(req.title, "vendeuse");
  cr_expect_eq(req.title_len, 8);
  cr_expect_str_eq(req.target, "J1501");
  cr_expect_str_eq(req.after, "2026-12-01");
  cr_expect(req.place.given);
  cr_expect_str_eq(req.place.department, "31");
  cr_expect_str_eq(req.place.region, "76");
  cr_expect(req.place.has_coords);
  cr_expect_float_eq(req.place.lat, 43.6, 1e-9);
  cr_expect_float_eq(req.place.lon, 1.44, 1e-9);
  cr_expect_float_eq(req.place.radius_km, 50.0, 1e-9);
  cr_expect_eq(req.max_jobs, 7);
  cr_expect(req.has_max_trainings);
  cr_expect_eq(req.max_trainings, 3);
  jj_request_free(&req);
  cr_expect_null(req.doc, "free leaves the struct zeroed");
  jj_request_free(&req); /* twice is harmless */
  jj_request_free(NULL);
}

Test(json_request, test_json_request_only_text_is_required_and_absent_fields_stay_empty) {
  jj_request req;
  cr_assert_eq(parse(&req, "{\"text\":\"cariste\"}", NULL), 0);
  cr_expect_str_eq(req.text, "cariste");
  cr_expect_null(req.id);
  cr_expect_null(req.title);
  cr_expect_null(req.target);
  cr_expect_null(req.after);
  cr_expect_not(req.place.given);
  cr_expect_eq(req.max_jobs, 0);
  cr_expect_not(req.has_max_trainings);
  jj_request_free(&req);
}

Test(json_request, test_json_request_null_fields_count_as_absent) {
  jj_request req;
  cr_assert_eq(parse(&req, "{\"id\":null,\"text\":\"x\",\"title\":null,\"place\":null,\"limit\":{\"jobs\":null}}",
                     NULL),
               0);
  cr_expect_null(req.id);
  cr_expect_null(req.title);
  cr_expect_not(req.place.given);
  cr_expect_eq(req.max_jobs, 0);
  jj_request_free(&req);
}

Test(json_request, test_json_request_ignores_unknown_fields) {
  jj_request req;
  cr_assert_eq(parse(&req, "{\"text\":\"x\",\"extra\":[1,{\"a\":true}],\"Text\":5,\"limit\":{\"other\":\"y\"}}", NULL),
               0, "unknown fields, and keys differing only in case, are not errors");
  cr_expect_str_eq(req.text, "x");
  jj_request_free(&req);
}

Test(json_request, test_json_request_reads_a_buffer_without_terminator) {
  /* An exact-size heap copy: a read past the end shows up under ASan. */
  const char *s = "{\"text\":\"aide-soignante\"}";
  size_t n = strlen(s);
  char *buf = malloc(n);
  cr_assert_not_null(buf);
  memcpy(buf, s, n);
  jj_request req;
  cr_expect_eq(jj_parse_request(&req, buf, n, NULL), 0);
  cr_expect_str_eq(req.text, "aide-soignante");
  jj_request_free(&req);
  cr_expect_eq(jj_parse_request(&req, buf, n - 1, NULL), JALON_EJSON, "cut before the closing brace");
  jj_request_free(&req);
  /* The length is honoured: a valid prefix followed by bytes past len. */
  const char *longer = "{\"text\":\"a\"}GARBAGE";
  cr_expect_eq(jj_parse_request(&req, longer, strlen("{\"text\":\"a\"}"), NULL), 0);
  jj_request_free(&req);
  free(buf);
}

Test(json_request, test_json_request_malformed_json_is_invalid_json) {
  expect_refused("{\"text\":", JALON_EJSON, "malformed");
  expect_refused("{\"text\":\"x\",}", JALON_EJSON, "malformed");
  expect_refused("{'text':'x'}", JALON_EJSON, "malformed");
  expect_refused("{\"text\":\"unterminated}", JALON_EJSON, "malformed");
  expect_refused("{\"text\":}", JALON_EJSON, "malformed");
  expect_refused("{\"text\":\"a\\q\"}", JALON_EJSON, "malformed"); /* unknown escape */
  expect_refused("nul", JALON_EJSON, "malformed");
  expect_refused("", JALON_EJSON, "empty");
  expect_refused("   ", JALON_EJSON, NULL);
  jj_request req;
  cr_expect_eq(jj_parse_request(&req, NULL, 0, NULL), JALON_EJSON, "NULL with length 0 is an empty request");
  jj_request_free(&req);
  cr_expect_eq(jj_parse_request(&req, NULL, 3, NULL), JALON_EINVAL);
  jj_request_free(&req);
  cr_expect_eq(jj_parse_request(NULL, "{}", 2, NULL), JALON_EINVAL);
}

Test(json_request, test_json_request_trailing_data_is_refused_but_white_space_is_not) {
  expect_refused("{\"text\":\"x\"}x", JALON_EJSON, "after the JSON value");
  expect_refused("{\"text\":\"x\"}{\"text\":\"y\"}", JALON_EJSON, "after the JSON value");
  expect_refused("{\"text\":\"x\"} ,", JALON_EJSON, "after the JSON value");
  expect_refused("{\"text\":\"x\"}\v", JALON_EJSON, NULL);
  expect_refused("\x01{\"text\":\"x\"}", JALON_EJSON, "control character");
  jj_request req;
  cr_expect_eq(parse(&req, " \t\r\n{\"text\":\"x\"} \t\r\n", NULL), 0);
  jj_request_free(&req);
}

Test(json_request, test_json_request_must_be_an_object) {
  expect_refused("[\"text\"]", JALON_EJSON, "object");
  expect_refused("\"text\"", JALON_EJSON, "object");
  expect_refused("42", JALON_EJSON, "object");
  expect_refused("null", JALON_EJSON, "object");
}

Test(json_request, test_json_request_missing_text_names_the_field) {
  expect_refused("{}", JALON_EJSON, "field \"text\" is required");
  expect_refused("{\"id\":\"a\",\"title\":\"vendeuse\"}", JALON_EJSON, "field \"text\" is required");
  expect_refused("{\"text\":null}", JALON_EJSON, "field \"text\" is required");
}

Test(json_request, test_json_request_wrong_types_name_the_field) {
  expect_refused("{\"text\":5}", JALON_EJSON, "field \"text\" must be a string");
  expect_refused("{\"text\":[\"a\"]}", JALON_EJSON, "field \"text\" must be a string");
  expect_refused("{\"text\":\"x\",\"id\":12}", JALON_EJSON, "field \"id\" must be a string");
  expect_refused("{\"text\":\"x\",\"title\":true}", JALON_EJSON, "field \"title\" must be a string");
  expect_refused("{\"text\":\"x\",\"target\":1501}", JALON_EJSON, "field \"target\" must be a string");
  expect_refused("{\"text\":\"x\",\"after\":20261201}", JALON_EJSON, "field \"after\"");
  expect_refused("{\"text\":\"x\",\"after\":\"01/12/2026\"}", JALON_EJSON, "field \"after\"");
  expect_refused("{\"text\":\"x\",\"after\":\"2026-02-30\"}", JALON_EJSON, "field \"after\"");
  expect_refused("{\"text\":\"x\",\"place\":\"Toulouse\"}", JALON_EJSON, "field \"place\" must be an object");
  expect_refused("{\"text\":\"x\",\"place\":{\"department\":31}}", JALON_EJSON, "field \"place.department\"");
  expect_refused("{\"text\":\"x\",\"place\":{\"lat\":\"43\",\"lon\":1}}", JALON_EJSON, "field \"place.lat\"");
  expect_refused("{\"text\":\"x\",\"place\":{\"lat\":43.6}}", JALON_EJSON, "place.lon");
  expect_refused("{\"text\":\"x\",\"place\":{\"lat\":91,\"lon\":1}}", JALON_EJSON, "field \"place.lat\"");
  expect_refused("{\"text\":\"x\",\"limit\":5}", JALON_EJSON, "field \"limit\" must be an object");
  expect_refused("{\"text\":\"x\",\"limit\":{\"jobs\":\"5\"}}", JALON_EJSON, "field \"limit.jobs\"");
  expect_refused("{\"text\":\"x\",\"limit\":{\"trainings\":-1}}", JALON_EJSON, "field \"limit.trainings\"");
}

Test(json_request, test_json_request_limit_jobs_is_an_integer_from_1_to_50) {
  expect_refused("{\"text\":\"x\",\"limit\":{\"jobs\":0}}", JALON_EJSON, "field \"limit.jobs\"");
  expect_refused("{\"text\":\"x\",\"limit\":{\"jobs\":51}}", JALON_EJSON, "field \"limit.jobs\"");
  expect_refused("{\"text\":\"x\",\"limit\":{\"jobs\":2.5}}", JALON_EJSON, "field \"limit.jobs\"");
  expect_refused("{\"text\":\"x\",\"limit\":{\"jobs\":1e400}}", JALON_EJSON, "field \"limit.jobs\"");
  jj_request req;
  cr_expect_eq(parse(&req, "{\"text\":\"x\",\"limit\":{\"jobs\":1}}", NULL), 0);
  cr_expect_eq(req.max_jobs, 1);
  jj_request_free(&req);
  cr_expect_eq(parse(&req, "{\"text\":\"x\",\"limit\":{\"jobs\":50.0}}", NULL), 0);
  cr_expect_eq(req.max_jobs, 50);
  jj_request_free(&req);
}

Test(json_request, test_json_request_keeps_the_id_for_errors_found_after_it) {
  jj_request req;
  cr_expect_eq(parse(&req, "{\"id\":\"abc\",\"text\":5}", NULL), JALON_EJSON);
  cr_expect_str_eq(req.id, "abc", "the id is read first so the error can echo it");
  jj_request_free(&req);
}

/* "[[...[]...]]" wrapped as the value of an unknown field: depth levels in all,
 * counting the outer object. */
static char *nested(unsigned depth) {
  size_t inner = depth - 1;
  size_t n = strlen("{\"text\":\"x\",\"deep\":}") + 2 * inner + 1;
  char *s = malloc(n);
  cr_assert_not_null(s);
  char *p = s + sprintf(s, "{\"text\":\"x\",\"deep\":");
  for (size_t i = 0; i < inner; i++) *p++ = '[';
  for (size_t i = 0; i < inner; i++) *p++ = ']';
  strcpy(p, "}");
  return s;
}

Test(json_request, test_json_request_nesting_over_32_levels_is_refused) {
  char *ok = nested(JJ_MAX_DEPTH);
  jj_request req;
  cr_expect_eq(parse(&req, ok, NULL), 0, "exactly %u levels is accepted", JJ_MAX_DEPTH);
  jj_request_free(&req);
  free(ok);
  char *deep = nested(JJ_MAX_DEPTH + 1);
  expect_refused(deep, JALON_EJSON, "nests deeper");
  free(deep);
  /* Far past cJSON's own limit: refused by the pre-scan without recursion. */
  size_t n = 100000;
  char *huge = malloc(n + 1);
  cr_assert_not_null(huge);
  memset(huge, '[', n);
  huge[n] = 0;
  expect_refused(huge, JALON_EJSON, "nests deeper");
  free(huge);
}

Test(json_request, test_json_request_brackets_inside_strings_do_not_count_as_nesting) {
  char text[200];
  char *p = text + sprintf(text, "{\"text\":\"");
  for (int i = 0; i < 40; i++) *p++ = i % 2 ? '{' : '[';
  strcpy(p, "\\\"[[\"}");
  jj_request req;
  cr_expect_eq(parse(&req, text, NULL), 0, "%s", text);
  cr_expect_eq(req.text[40], '"', "escaped quote kept inside the string");
  jj_request_free(&req);
}

Test(json_request, test_json_request_over_four_times_the_text_limit_is_too_big) {
  size_t n = JJ_MAX_REQUEST_BYTES + 1;
  char *big = malloc(n);
  cr_assert_not_null(big);
  /* Valid JSON padded with white space: refused on size alone. */
  memset(big, ' ', n);
  memcpy(big, "{\"text\":\"x\"}", 12);
  jj_request req;
  jalon_error *err = NULL;
  cr_expect_eq(jj_parse_request(&req, big, n, &err), JALON_ETOOBIG);
  cr_expect_not_null(strstr(jalon_error_message(err), "limit"));
  jalon_error_free(err);
  jj_request_free(&req);
  cr_expect_eq(jj_parse_request(&req, big, n - 1, NULL), 0, "exactly at the limit is parsed");
  jj_request_free(&req);
  free(big);
}

Test(json_request, test_json_request_escaped_nul_is_invalid_text_not_truncated) {
  expect_refused("{\"text\":\"caissi\\u0000ère\"}", JALON_EUTF8, "\\u0000");
  expect_refused("{\"text\":\"\\u0000\"}", JALON_EUTF8, NULL);
  expect_refused("{\"text\":\"a\\\\\\u0000\"}", JALON_EUTF8, NULL); /* escaped backslash, then a NUL */
  expect_refused("{\"text\":\"x\",\"title\":\"a\\u0000b\"}", JALON_EUTF8, NULL);
  /* A key cut at the NUL would read as "text" and smuggle a value in. */
  expect_refused("{\"text\\u0000x\":\"a\",\"text\":\"b\"}", JALON_EUTF8, NULL);
  /* An escaped backslash followed by "u0000" is six ordinary characters. */
  jj_request req;
  cr_assert_eq(parse(&req, "{\"text\":\"a\\\\u0000b\"}", NULL), 0);
  cr_expect_str_eq(req.text, "a\\u0000b");
  cr_expect_eq(req.text_len, 8);
  jj_request_free(&req);
  /* Other escapes decode normally; \u00e9 is é (2 bytes). */
  cr_assert_eq(parse(&req, "{\"text\":\"caissi\\u00e8re\\n\"}", NULL), 0);
  cr_expect_str_eq(req.text, "caissière\n");
  cr_expect_eq(req.text_len, strlen("caissière\n"));
  jj_request_free(&req);
  cr_expect_eq(parse(&req, "{\"text\":\"a\\u0001\"}", NULL), 0, "other control escapes are plain text");
  cr_expect_eq(req.text_len, 2);
  jj_request_free(&req);
}

Test(json_request, test_json_request_invalid_utf8_is_refused_with_its_offset) {
  expect_refused("{\"text\":\"caissi\xe8re\"}", JALON_EUTF8, "byte 15");
  expect_refused("{\"text\":\"\xed\xa0\x80\"}", JALON_EUTF8, NULL);
  expect_refused("{\"text\":\"a\",\"title\":\"\xc0\xaf\"}", JALON_EUTF8, NULL); /* overlong, in the title */
  expect_refused("{\"text\":\"a\",\"other\":\"\xed\xa0\x80\"}", JALON_EUTF8, NULL); /* in any field */
  jj_request req;
  cr_expect_eq(jj_parse_request(&req, "{\"text\":\"a\0b\"}", 14, NULL), JALON_EUTF8, "raw NUL byte");
  jj_request_free(&req);
  /* A lone surrogate escape is malformed JSON for cJSON. */
  expect_refused("{\"text\":\"\\ud800\"}", JALON_EJSON, NULL);
}

Test(json_request, test_json_parse_json_gives_an_object_or_nothing) {
  /* The tools' entry point: same refusals, no request fields. */
  struct cJSON *doc = NULL;
  const char *line = "{\"id\":\"e1\",\"text\":\"cariste\",\"rome\":\"N1101\"} ";
  cr_assert_eq(jj_parse_json(&doc, line, strlen(line), NULL), 0);
  cr_expect_str_eq(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "rome")), "N1101");
  cJSON_Delete(doc);
  const char *bad[] = {"[1]", "{}x", "{\"t\":\"\\u0000\"}", "{\"t\":"};
  const int want[] = {JALON_EJSON, JALON_EJSON, JALON_EUTF8, JALON_EJSON};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    doc = (struct cJSON *)1;
    cr_expect_eq(jj_parse_json(&doc, bad[i], strlen(bad[i]), NULL), want[i], "%s", bad[i]);
    cr_expect_null(doc, "%s: nothing handed out on failure", bad[i]);
  }
  cr_expect_eq(jj_parse_json(NULL, "{}", 2, NULL), JALON_EINVAL);
}

Test(json_request, test_json_status_code_names_are_stable) {
  /* The CLI, the HTTP server and integrators match on these strings. */
  static const struct {
    int status;
    const char *name;
  } t[] = {{JALON_OK, "ok"},
           {JALON_EINVAL, "invalid_argument"},
           {JALON_ENOMEM, "out_of_memory"},
           {JALON_EIO, "io_error"},
           {JALON_EFORMAT, "bad_model"},
           {JALON_EVERSION, "model_version"},
           {JALON_EUTF8, "invalid_utf8"},
           {JALON_ETOOBIG, "text_too_large"},
           {JALON_EEMPTY, "empty_text"},
           {JALON_EJSON, "invalid_json"},
           {JALON_ENOTFOUND, "not_found"},
           {JALON_EDATA, "bad_data"},
           {JALON_EICU, "icu_error"},
           {JALON_EINTERNAL, "internal"},
           {-999, "internal"},
           {5, "internal"}};
  for (size_t i = 0; i < sizeof t / sizeof *t; i++)
    cr_expect_str_eq(jj_status_code_name(t[i].status), t[i].name, "status %d", t[i].status);
  /* Every status has a distinct name apart from the fallback. */
  for (int a = JALON_OK; a >= JALON_EINTERNAL; a--)
    for (int b = a - 1; b >= JALON_EINTERNAL; b--)
      cr_expect_str_neq(jj_status_code_name(a), jj_status_code_name(b), "%d vs %d", a, b);
}

/* ================= responses: need the built model ================= */

static jalon_model *model;
static jalon_workspace *ws;

static void setup(void) {
  jalon_error *err = NULL;
  int rc = jalon_model_open(&model, NULL, &err);
  cr_assert_eq(rc, 0, "no model (build it, or set JALON_MODEL): %s", jalon_error_message(err));
  cr_assert_eq(jalon_workspace_new(&ws, model, NULL), 0);
}
static void teardown(void) {
  jalon_workspace_free(ws);
  jalon_model_free(model);
}
TestSuite(json, .init = setup, .fini = teardown);

/* Runs jalon_diagnose_json on a NUL-terminated request; returns the parsed
 * response (never NULL) and the status in *rc. */
static cJSON *diagnose(const char *request, int *rc) {
  char *out = NULL;
  *rc = jalon_diagnose_json(&out, ws, request, strlen(request), NULL);
  cr_assert_not_null(out, "%s: no output", request);
  cJSON *doc = cJSON_Parse(out);
  cr_assert_not_null(doc, "output is not JSON: %s", out);
  cr_expect_null(strchr(out, '\n'), "one line: %s", out);
  jalon_free(out);
  return doc;
}

static const cJSON *get(const cJSON *o, const char *key) { return cJSON_GetObjectItemCaseSensitive(o, key); }

static int has_job(const cJSON *doc, const char *code) {
  const cJSON *j;
  cJSON_ArrayForEach(j, get(doc, "jobs")) {
    if (cJSON_IsString(get(j, "rome")) && strcmp(get(j, "rome")->valuestring, code) == 0) return 1;
  }
  return 0;
}

static int is_4_decimals(double x) { return fabs(x * 10000.0 - round(x * 10000.0)) < 1e-6; }

/* The job shape of the contract, and every evidence span pointing into text. */
static void check_job(const cJSON *j, const char *text) {
  size_t len = strlen(text);
  const char *code = cJSON_GetStringValue(get(j, "rome"));
  cr_assert_not_null(code);
  cr_expect_eq(strlen(code), 5, "ROME code %s", code);
  cr_expect_not_null(cJSON_GetStringValue(get(j, "parent")));
  cr_expect_gt(strlen(cJSON_GetStringValue(get(j, "label"))), 0);
  const cJSON *score = get(j, "score");
  cr_assert(cJSON_IsNumber(score));
  cr_expect(score->valuedouble >= 0 && score->valuedouble <= 1, "score %g", score->valuedouble);
  cr_expect(is_4_decimals(score->valuedouble), "score %.10g has more than 4 decimals", score->valuedouble);
  const cJSON *appel = get(j, "appellation");
  if (appel) {
    const char *c = cJSON_GetStringValue(get(appel, "code"));
    cr_assert_not_null(c, "appellation code is a string");
    cr_expect_eq(strspn(c, "0123456789"), strlen(c), "appellation code %s is digits", c);
    cr_expect_gt(strlen(cJSON_GetStringValue(get(appel, "label"))), 0);
  }
  const cJSON *months = get(j, "months");
  if (months) /* only when a duration was read */
    cr_expect(cJSON_IsNumber(months) && months->valuedouble >= 1 && months->valuedouble == floor(months->valuedouble),
              "months %g", months->valuedouble);
  const char *role = cJSON_GetStringValue(get(j, "role"));
  cr_assert_not_null(role);
  cr_expect(strcmp(role, "neutral") == 0 || strcmp(role, "experience") == 0 || strcmp(role, "aspiration") == 0 ||
                strcmp(role, "excluded") == 0,
            "role %s", role);
  const cJSON *ev = get(j, "evidence"), *e;
  cr_assert(cJSON_IsArray(ev));
  cJSON_ArrayForEach(e, ev) {
    const cJSON *s = get(e, "start"), *t = get(e, "end");
    cr_assert(cJSON_IsNumber(s) && cJSON_IsNumber(t));
    cr_assert(s->valuedouble >= 0 && s->valuedouble <= t->valuedouble && t->valuedouble <= (double)len,
              "span [%g, %g) outside a text of %zu bytes", s->valuedouble, t->valuedouble, len);
    size_t a = (size_t)s->valuedouble, b = (size_t)t->valuedouble;
    const char *et = cJSON_GetStringValue(get(e, "text"));
    cr_assert_not_null(et);
    cr_expect(strlen(et) == b - a && memcmp(et, text + a, b - a) == 0, "evidence \"%s\" is not text[%zu,%zu)", et,
              a, b);
  }
}

/* "gap" (DESIGN.md): target code, score in [0,1], held / missing competences
 * (evidence, when read in the text, pointing at its words), nearby jobs. */
static void check_gap(const cJSON *gap, const char *text) {
  cr_assert(cJSON_IsObject(gap));
  const char *target = cJSON_GetStringValue(get(gap, "target"));
  cr_assert_not_null(target);
  cr_expect_geq(jalon_model_find_fiche(model, target), 0, "gap target %s exists", target);
  const cJSON *score = get(gap, "score");
  cr_assert(cJSON_IsNumber(score));
  cr_expect(score->valuedouble >= 0 && score->valuedouble <= 1 && is_4_decimals(score->valuedouble));
  static const char *lists[] = {"held", "missing"};
  for (int l = 0; l < 2; l++) {
    const cJSON *list = get(gap, lists[l]), *it, *e;
    cr_assert(cJSON_IsArray(list), "gap.%s is an array", lists[l]);
    cJSON_ArrayForEach(it, list) {
      cr_expect_not_null(cJSON_GetStringValue(get(it, "code")));
      cr_expect_gt(strlen(cJSON_GetStringValue(get(it, "label"))), 0);
      cJSON_ArrayForEach(e, get(it, "evidence")) {
        const cJSON *s = get(e, "start"), *t = get(e, "end");
        cr_assert(cJSON_IsNumber(s) && cJSON_IsNumber(t));
        cr_assert(s->valuedouble >= 0 && s->valuedouble <= t->valuedouble && t->valuedouble <= (double)strlen(text));
        size_t a = (size_t)s->valuedouble, b = (size_t)t->valuedouble;
        const char *et = cJSON_GetStringValue(get(e, "text"));
        cr_assert_not_null(et);
        cr_expect(strlen(et) == b - a && memcmp(et, text + a, b - a) == 0, "gap evidence \"%s\"", et);
      }
    }
  }
  const cJSON *near = get(gap, "nearby"), *n;
  if (near) {
    cr_assert(cJSON_IsArray(near));
    cJSON_ArrayForEach(n, near) cr_expect_geq(jalon_model_find_fiche(model, cJSON_GetStringValue(get(n, "rome"))), 0);
  }
}

static void check_response(const cJSON *doc, const char *text) {
  cr_expect_null(get(doc, "error"));
  cr_expect_str_eq(cJSON_GetStringValue(get(doc, "jalon")), jalon_version());
  const cJSON *m = get(doc, "model");
  cr_assert(cJSON_IsObject(m));
  cr_expect_str_eq(cJSON_GetStringValue(get(m, "rome")), jalon_model_rome_version(model));
  const char *sum = cJSON_GetStringValue(get(m, "checksum"));
  cr_assert_not_null(sum);
  cr_expect_eq(strlen(sum), 16);
  cr_expect_eq(strspn(sum, "0123456789abcdef"), 16, "checksum %s is hex", sum);
  cr_expect_str_eq(sum, jalon_model_checksum(model));
  const cJSON *jobs = get(doc, "jobs"), *j;
  cr_assert(cJSON_IsArray(jobs));
  double prev = 2.0;
  cJSON_ArrayForEach(j, jobs) {
    check_job(j, text);
    double s = get(j, "score")->valuedouble;
    cr_expect_leq(s, prev, "jobs sorted by score, best first");
    prev = s;
  }
  static const char *roles[] = {"experience", "aspirations", "excluded"};
  for (int r = 0; r < 3; r++) {
    const cJSON *list = get(doc, roles[r]);
    if (!list) continue; /* optional in the contract */
    cr_assert(cJSON_IsArray(list), "%s is an array", roles[r]);
    cJSON_ArrayForEach(j, list) check_job(j, text);
  }
  /* "Did you mean": spans of the text and the model word read there. */
  const cJSON *corr = get(doc, "corrections"), *c;
  if (corr) {
    cr_assert(cJSON_IsArray(corr));
    cJSON_ArrayForEach(c, corr) {
      const cJSON *s = get(c, "start"), *t = get(c, "end");
      cr_assert(cJSON_IsNumber(s) && cJSON_IsNumber(t));
      cr_assert(s->valuedouble >= 0 && s->valuedouble < t->valuedouble && t->valuedouble <= (double)strlen(text));
      size_t a = (size_t)s->valuedouble, b = (size_t)t->valuedouble;
      const char *from = cJSON_GetStringValue(get(c, "from"));
      cr_assert_not_null(from);
      cr_expect(strlen(from) == b - a && memcmp(from, text + a, b - a) == 0, "\"%s\" is not text[%zu,%zu)", from, a, b);
      cr_expect_gt(strlen(cJSON_GetStringValue(get(c, "to"))), 0);
    }
  }
  const cJSON *conf = get(doc, "confidence");
  cr_assert(cJSON_IsObject(conf));
  cr_expect(cJSON_IsNumber(get(conf, "margin")));
  cr_expect(is_4_decimals(get(conf, "margin")->valuedouble));
  cr_expect(cJSON_IsBool(get(conf, "abstain")));
  const cJSON *gap = get(doc, "gap");
  if (gap) check_gap(gap, text);
  /* Stages are written once built, never as placeholders: when present,
   * they hold the contract's shape. */
  const cJSON *clea = get(doc, "clea"), *d;
  if (clea) {
    cr_assert(cJSON_IsArray(clea));
    cr_expect_eq(cJSON_GetArraySize(clea), 7, "the seven CléA domains");
    cJSON_ArrayForEach(d, clea) {
      const cJSON *dom = get(d, "domain");
      cr_expect(cJSON_IsNumber(dom) && dom->valuedouble >= 1 && dom->valuedouble <= 7);
      const char *st = cJSON_GetStringValue(get(d, "status"));
      cr_assert_not_null(st);
      cr_expect(!strcmp(st, "acquired") || !strcmp(st, "to_develop") || !strcmp(st, "unknown"), "status %s", st);
      const cJSON *e;
      cJSON_ArrayForEach(e, get(d, "evidence")) {
        const cJSON *s = get(e, "start"), *t = get(e, "end");
        if (!s || !t) continue; /* evidence from a job held, not from the text */
        cr_assert(s->valuedouble >= 0 && s->valuedouble <= t->valuedouble && t->valuedouble <= (double)strlen(text));
      }
    }
  }
  const cJSON *tr = get(doc, "trainings");
  if (tr) cr_expect(cJSON_IsArray(tr));
}

Test(json, test_json_request_target_gives_a_gap) {
  int rc;
  cJSON *doc = diagnose("{\"text\":\"je suis cariste depuis 3 ans\",\"target\":\"N4101\"}", &rc);
  cr_assert_eq(rc, 0);
  check_response(doc, "je suis cariste depuis 3 ans");
  const cJSON *gap = get(doc, "gap");
  cr_assert(cJSON_IsObject(gap));
  cr_expect_str_eq(cJSON_GetStringValue(get(gap, "target")), "N4101");
  cr_expect_str_eq(cJSON_GetStringValue(get(gap, "target_from")), "request");
  cr_expect_gt(cJSON_GetArraySize(get(gap, "missing")), 10);
  cr_expect_gt(cJSON_GetArraySize(get(gap, "held")), 0, "a forklift driver already handles loads");
  cJSON_Delete(doc);
  doc = diagnose("{\"text\":\"cariste\",\"target\":\"Z9999\"}", &rc);
  cr_expect_eq(rc, JALON_ENOTFOUND);
  cr_expect_str_eq(cJSON_GetStringValue(get(get(doc, "error"), "code")), "not_found");
  cJSON_Delete(doc);
}

Test(json, test_json_response_has_the_contract_shape_and_echoes_the_id) {
  int rc;
  cJSON *doc = diagnose("{\"id\":\"req-42\",\"text\":\"vendeuse en prêt-à-porter\"}", &rc);
  cr_expect_eq(rc, 0);
  cr_expect_str_eq(cJSON_GetStringValue(get(doc, "id")), "req-42");
  check_response(doc, "vendeuse en prêt-à-porter");
  cr_expect(has_job(doc, "D1214"), "vendeuse en prêt-à-porter finds D1214");
  cr_expect_str_eq(cJSON_GetStringValue(get(cJSON_GetArrayItem(get(doc, "jobs"), 0), "rome")), "D1214");
  cJSON_Delete(doc);
}

Test(json, test_json_response_without_id_has_no_id) {
  int rc;
  cJSON *doc = diagnose("{\"text\":\"cariste\"}", &rc);
  cr_expect_eq(rc, 0);
  cr_expect_null(get(doc, "id"));
  check_response(doc, "cariste");
  cJSON_Delete(doc);
}

Test(json, test_json_response_feminine_title_field_finds_d1214) {
  int rc;
  const char *text = "je cherche un emploi près de chez moi";
  char req[256];
  snprintf(req, sizeof req, "{\"text\":\"%s\",\"title\":\"vendeuse en prêt-à-porter\"}", text);
  cJSON *doc = diagnose(req, &rc);
  cr_expect_eq(rc, 0);
  check_response(doc, text); /* title words are never evidence in the text */
  cr_expect(has_job(doc, "D1214"));
  cJSON_Delete(doc);
  /* The title alone, with an empty text, is enough to answer. */
  doc = diagnose("{\"text\":\"\",\"title\":\"vendeuse en prêt-à-porter\"}", &rc);
  cr_expect_eq(rc, 0);
  check_response(doc, "");
  cr_expect_str_eq(cJSON_GetStringValue(get(cJSON_GetArrayItem(get(doc, "jobs"), 0), "rome")), "D1214");
  cJSON_Delete(doc);
}

Test(json, test_json_response_evidence_points_at_the_words_in_a_long_text) {
  const char *text = "Bonjour, j'ai été caissière pendant 5 ans chez Carrefour, puis aide à domicile. "
                     "Je voudrais devenir aide-soignante. Je ne veux plus travailler en caisse.";
  char req[512];
  snprintf(req, sizeof req, "{\"id\":\"e\",\"text\":\"%s\",\"limit\":{\"jobs\":20}}", text);
  int rc;
  cJSON *doc = diagnose(req, &rc);
  cr_expect_eq(rc, 0);
  check_response(doc, text);
  cr_expect_gt(cJSON_GetArraySize(get(doc, "jobs")), 0);
  cr_expect_leq(cJSON_GetArraySize(get(doc, "jobs")), 20);
  cJSON_Delete(doc);
}

Test(json, test_json_response_reports_corrections_and_months) {
  const char *text = "j ai été caisiere pendant 3 ans, je voudrais devenir ede a domicil";
  char req[256];
  snprintf(req, sizeof req, "{\"text\":\"%s\"}", text);
  int rc;
  cJSON *doc = diagnose(req, &rc);
  cr_expect_eq(rc, 0);
  check_response(doc, text);
  cr_expect_gt(cJSON_GetArraySize(get(doc, "corrections")), 0, "caisiere is read as a model word");
  int months = 0;
  const cJSON *j;
  cJSON_ArrayForEach(j, get(doc, "experience")) {
    if (cJSON_IsNumber(get(j, "months"))) months = (int)get(j, "months")->valuedouble;
  }
  cr_expect_eq(months, 36, "3 ans of experience");
  cJSON_Delete(doc);
}

Test(json, test_json_request_target_sets_the_gap_target) {
  const char *text = "j'ai été caissière pendant 4 ans";
  char req[256];
  snprintf(req, sizeof req, "{\"text\":\"%s\",\"target\":\"J1501\"}", text);
  int rc;
  cJSON *doc = diagnose(req, &rc);
  cr_expect_eq(rc, 0);
  check_response(doc, text);
  const cJSON *gap = get(doc, "gap");
  cr_assert_not_null(gap, "a target given in the request yields a gap");
  cr_expect_str_eq(cJSON_GetStringValue(get(gap, "target")), "J1501");
  cr_expect_gt(cJSON_GetArraySize(get(gap, "missing")), 0, "a cashier lacks some care skills");
  cJSON_Delete(doc);
}

Test(json, test_json_response_limit_jobs_caps_the_ranking) {
  int rc;
  cJSON *doc = diagnose("{\"text\":\"vendeuse\",\"limit\":{\"jobs\":2}}", &rc);
  cr_expect_eq(rc, 0);
  cr_expect_leq(cJSON_GetArraySize(get(doc, "jobs")), 2);
  cr_expect_geq(cJSON_GetArraySize(get(doc, "jobs")), 1);
  cJSON_Delete(doc);
}

/* An error response: {"id": id or null, "error": {"code","message","message_fr"}}. */
static void expect_error(const char *request, int status, const char *code, const char *id) {
  char *out = NULL;
  jalon_error *err = NULL;
  int rc = jalon_diagnose_json(&out, ws, request, strlen(request), &err);
  cr_expect_eq(rc, status, "%s: status %d", request, rc);
  cr_expect_eq(jalon_error_code(err), status, "%s: err filled", request);
  cr_assert_not_null(out);
  cJSON *doc = cJSON_Parse(out);
  cr_assert_not_null(doc, "%s", out);
  const cJSON *e = get(doc, "error");
  cr_assert(cJSON_IsObject(e), "%s", out);
  cr_expect_str_eq(cJSON_GetStringValue(get(e, "code")), code, "%s", out);
  cr_expect_str_eq(cJSON_GetStringValue(get(e, "message")), jalon_error_message(err));
  cr_expect_str_eq(cJSON_GetStringValue(get(e, "message_fr")), jalon_error_message_fr(err));
  cr_expect_gt(strlen(cJSON_GetStringValue(get(e, "message_fr"))), 0);
  const cJSON *jid = get(doc, "id");
  cr_assert_not_null(jid, "id always present in an error object: %s", out);
  if (id) cr_expect_str_eq(cJSON_GetStringValue(jid), id);
  else cr_expect(cJSON_IsNull(jid), "%s", out);
  cr_expect_null(get(doc, "jobs"), "an error carries no results");
  cJSON_Delete(doc);
  jalon_free(out);
  jalon_error_free(err);
}

Test(json, test_json_errors_come_back_as_error_objects_with_codes) {
  expect_error("{\"id\":\"b\",\"text\":", JALON_EJSON, "invalid_json", NULL);
  expect_error("not json", JALON_EJSON, "invalid_json", NULL);
  expect_error("{\"id\":\"t\",\"text\":5}", JALON_EJSON, "invalid_json", "t");
  expect_error("{\"id\":\"m\"}", JALON_EJSON, "invalid_json", "m");
  expect_error("{\"id\":7,\"text\":\"x\"}", JALON_EJSON, "invalid_json", NULL);
  expect_error("{\"id\":\"d\",\"text\":\"\"}", JALON_EEMPTY, "empty_text", "d");
  expect_error("{\"id\":\"p\",\"text\":\" ... !!! \"}", JALON_EEMPTY, "empty_text", "p");
  expect_error("{\"id\":\"c\",\"text\":\"caissi\xffre\"}", JALON_EUTF8, "invalid_utf8", NULL);
  expect_error("{\"id\":\"z\",\"text\":\"a\\u0000b\"}", JALON_EUTF8, "invalid_utf8", NULL);
  expect_error("{\"text\":\"caissière\",\"title\":\"vend\xff\"}", JALON_EUTF8, "invalid_utf8", NULL);
  expect_error("", JALON_EJSON, "invalid_json", NULL);
  expect_error("{\"id\":\"l\",\"text\":\"x\",\"limit\":{\"jobs\":99}}", JALON_EJSON, "invalid_json", "l");
}

Test(json, test_json_error_message_names_the_wrong_field) {
  char *out = NULL;
  const char *req = "{\"text\":\"x\",\"title\":42}";
  cr_expect_eq(jalon_diagnose_json(&out, ws, req, strlen(req), NULL), JALON_EJSON);
  cr_assert_not_null(out);
  cr_expect_not_null(strstr(out, "field \\\"title\\\" must be a string"), "%s", out);
  jalon_free(out);
}

Test(json, test_json_oversized_text_and_request_are_text_too_large) {
  /* Text over the text limit inside a request under the request limit. */
  size_t n = JALON_MAX_TEXT_BYTES + 1;
  char *req = malloc(n + 64);
  cr_assert_not_null(req);
  char *p = req + sprintf(req, "{\"id\":\"big\",\"text\":\"");
  for (size_t i = 0; i < n; i++) *p++ = i % 8 == 7 ? ' ' : 'a';
  strcpy(p, "\"}");
  expect_error(req, JALON_ETOOBIG, "text_too_large", "big");
  free(req);
  /* A request over the request limit: refused before parsing, id unknown. */
  size_t m = JJ_MAX_REQUEST_BYTES + 10;
  char *huge = malloc(m + 1);
  cr_assert_not_null(huge);
  memset(huge, ' ', m);
  memcpy(huge, "{\"id\":\"h\",\"text\":\"x\"}", 21);
  huge[m] = 0;
  expect_error(huge, JALON_ETOOBIG, "text_too_large", NULL);
  free(huge);
}

Test(json, test_json_diagnose_json_checks_its_arguments) {
  char *out = (char *)1;
  cr_expect_eq(jalon_diagnose_json(NULL, ws, "{}", 2, NULL), JALON_EINVAL);
  cr_expect_eq(jalon_diagnose_json(&out, NULL, "{\"text\":\"x\"}", 12, NULL), JALON_EINVAL);
  cr_assert_not_null(out, "a NULL workspace still gets an error object");
  cr_expect_not_null(strstr(out, "\"invalid_argument\""), "%s", out);
  jalon_free(out);
}

Test(json, test_json_roles_show_in_jobs_and_role_lists) {
  const char *text = "j'ai été caissière, je voudrais devenir aide-soignante";
  char req[256];
  snprintf(req, sizeof req, "{\"text\":\"%s\"}", text);
  int rc;
  cJSON *doc = diagnose(req, &rc);
  cr_expect_eq(rc, 0);
  check_response(doc, text);
  const cJSON *j;
  int asp = 0;
  cJSON_ArrayForEach(j, get(doc, "jobs")) {
    if (strcmp(cJSON_GetStringValue(get(j, "rome")), "J1501") == 0)
      asp = strcmp(cJSON_GetStringValue(get(j, "role")), "aspiration") == 0;
  }
  cr_expect(asp, "J1501 is an aspiration");
  cJSON_Delete(doc);
}

Test(json, test_json_pretty_and_compact_output_hold_the_same_json) {
  jalon_result *r = NULL;
  jalon_diagnose_options o = JALON_DIAGNOSE_OPTIONS_INIT;
  o.id = "x\"y\\z"; /* quotes and backslashes are escaped */
  cr_assert_eq(jalon_diagnose(&r, ws, "agent d'entretien", strlen("agent d'entretien"), &o, NULL), 0);
  char *a = NULL, *b = NULL;
  cr_assert_eq(jalon_result_to_json(&a, r, 0, NULL), 0);
  cr_assert_eq(jalon_result_to_json(&b, r, 1, NULL), 0);
  cr_expect_not_null(strchr(b, '\n'));
  cr_expect_null(strchr(a, '\n'));
  cJSON *da = cJSON_Parse(a), *db = cJSON_Parse(b);
  cr_assert(da && db);
  cr_expect(cJSON_Compare(da, db, 1));
  cr_expect_str_eq(cJSON_GetStringValue(get(da, "id")), "x\"y\\z");
  check_response(da, "agent d'entretien");
  cJSON_Delete(da);
  cJSON_Delete(db);
  jalon_free(a);
  jalon_free(b);
  cr_expect_eq(jalon_result_to_json(NULL, r, 0, NULL), JALON_EINVAL);
  cr_expect_eq(jalon_result_to_json(&a, NULL, 0, NULL), JALON_EINVAL);
  jalon_result_free(r);
}

/* A result built by hand: a job with no appellation, and broken indexes. */
Test(json, test_json_result_without_appellation_omits_it_and_bad_spans_are_internal_errors) {
  const char *text = "vendeuse au marché";
  jalon_result *r = NULL;
  cr_assert_eq(jr_result_new(&r, model, text, strlen(text), NULL), 0);
  long f = jalon_model_find_fiche(model, "D1214");
  cr_assert_geq(f, 0);
  r->jobs = calloc(1, sizeof *r->jobs);
  r->spans = calloc(2, sizeof *r->spans);
  cr_assert(r->jobs && r->spans);
  r->n_jobs = 1;
  r->n_spans = r->spans_cap = 2;
  r->spans[0] = (jr_span){0, 8};
  r->spans[1] = (jr_span){12, (uint32_t)strlen(text)};
  r->jobs[0] = (jr_job){.fiche = (uint32_t)f, .appel = JR_NONE, .score = 0.123456, .ev_first = 0, .ev_count = 2,
                        .role = JR_ROLE_NEUTRAL};
  char *out = NULL;
  cr_assert_eq(jalon_result_to_json(&out, r, 0, NULL), 0);
  cJSON *doc = cJSON_Parse(out);
  cr_assert_not_null(doc);
  const cJSON *j = cJSON_GetArrayItem(get(doc, "jobs"), 0);
  cr_expect_null(get(j, "appellation"));
  cr_expect_null(get(doc, "id"));
  cr_expect_str_eq(cJSON_GetStringValue(get(j, "role")), "neutral");
  cr_expect_float_eq(get(j, "score")->valuedouble, 0.1235, 1e-12);
  cr_expect_str_eq(cJSON_GetStringValue(get(cJSON_GetArrayItem(get(j, "evidence"), 1), "text")), "marché");
  check_response(doc, text);
  cJSON_Delete(doc);
  jalon_free(out);

  jalon_error *err = NULL;
  r->spans[1].end = (uint32_t)strlen(text) + 1;
  out = (char *)1;
  cr_expect_eq(jalon_result_to_json(&out, r, 0, &err), JALON_EINTERNAL);
  cr_expect_null(out);
  jalon_error_free(err);
  r->spans[1].end = (uint32_t)strlen(text);
  r->jobs[0].fiche = (uint32_t)jalon_model_fiche_count(model);
  cr_expect_eq(jalon_result_to_json(&out, r, 0, NULL), JALON_EINTERNAL);
  r->jobs[0].fiche = (uint32_t)f;
  r->jobs[0].ev_count = 3;
  cr_expect_eq(jalon_result_to_json(&out, r, 0, NULL), JALON_EINTERNAL);
  jalon_result_free(r);
}

/* ---- allocation failures ----
 * cJSON allocates through hooks: the request parser and the indented writer
 * (a cJSON tree) use it; the compact writer allocates with malloc, which
 * test_alloc fails instead. Two ways of failing walk every cJSON error path:
 * from the n-th allocation on (nothing can recover, so the answers are
 * success, JALON_ENOMEM with no output, or, for a request, the error object
 * the compact writer still manages), and the n-th alone (later allocations
 * succeed, so the error object itself can be written). A live count of
 * cJSON blocks proves nothing leaks on any path. */

static long alloc_no, fail_at, live_allocs;
static int fail_rest; /* 1: fail from fail_at on; 0: only at fail_at */

static void *failing_malloc(size_t n) {
  long k = alloc_no++;
  if (k == fail_at || (fail_rest && k > fail_at)) return NULL;
  void *p = malloc(n);
  if (p) live_allocs++;
  return p;
}
static void counting_free(void *p) {
  if (p) live_allocs--;
  free(p);
}

static void walk_failures(int rest) {
  jalon_result *r = NULL;
  /* Misspelt, with a duration: corrections and months are written too. */
  const char *text = "j'ai été caisiere 2 ans, je voudrais devenir aide-soignante";
  cr_assert_eq(jalon_diagnose(&r, ws, text, strlen(text), NULL, NULL), 0);
  cr_assert_gt(jalon_result_correction_count(r), 0);
  const char *req = "{\"id\":\"o\",\"text\":\"vendeuse en prêt-à-porter\",\"limit\":{\"jobs\":3}}";
  /* References, written with working allocation. */
  char *ref[3] = {NULL, NULL, NULL};
  cr_assert_eq(jalon_result_to_json(&ref[0], r, 0, NULL), 0);
  cr_assert_eq(jalon_model_fiche_json(&ref[1], model, "D1214", NULL), 0);
  cr_assert_eq(jalon_diagnose_json(&ref[2], ws, req, strlen(req), NULL), 0);

  cJSON_Hooks hooks = {failing_malloc, counting_free};
  int done[3] = {0, 0, 0};
  fail_rest = rest;
  for (fail_at = 0; fail_at < 20000 && !(done[0] && done[1] && done[2]); fail_at++) {
    char *out[3] = {(char *)1, (char *)1, (char *)1};
    jalon_error *err[3] = {NULL, NULL, NULL};
    int rc[3];
    cJSON_InitHooks(&hooks);
    live_allocs = 0;
    alloc_no = 0;
    rc[0] = jalon_result_to_json(&out[0], r, 1, &err[0]);
    alloc_no = 0;
    rc[1] = jalon_model_fiche_json(&out[1], model, "D1214", &err[1]);
    alloc_no = 0;
    rc[2] = jalon_diagnose_json(&out[2], ws, req, strlen(req), &err[2]);
    cJSON_InitHooks(NULL);
    cr_assert_eq(live_allocs, 0, "%ld cJSON blocks leaked when allocation %ld failed", live_allocs, fail_at);
    for (int k = 0; k < 3; k++) {
      if (rc[k] == 0) {
        cr_assert_not_null(out[k]);
        cJSON *a = cJSON_Parse(ref[k]), *b = cJSON_Parse(out[k]);
        cr_assert(a && b);
        cr_expect(cJSON_Compare(a, b, 1), "writer %d, failure %ld: output differs", k, fail_at);
        cJSON_Delete(a);
        cJSON_Delete(b);
        done[k] = 1;
      } else if (k < 2 || !out[k]) {
        cr_assert_eq(rc[k], JALON_ENOMEM, "writer %d, failure %ld: status %d", k, fail_at, rc[k]);
        cr_assert_null(out[k], "writer %d: no output with JALON_ENOMEM", k);
        cr_expect_eq(jalon_error_code(err[k]), JALON_ENOMEM);
      } else {
        /* The request could not be parsed: its error object is written. A
         * failed parse reads as invalid_json since cJSON returns NULL for
         * both; any well-formed error object is right here. */
        cJSON *doc = cJSON_Parse(out[k]);
        cr_assert_not_null(doc, "%s", out[k]);
        cr_assert(cJSON_IsObject(get(doc, "error")), "%s", out[k]);
        cr_expect_str_eq(cJSON_GetStringValue(get(get(doc, "error"), "code")), jj_status_code_name(rc[k]));
        cJSON_Delete(doc);
      }
      if (rc[k] == 0 || out[k] != (char *)1) jalon_free(out[k]);
      jalon_error_free(err[k]);
    }
  }
  cr_expect(done[0] && done[1] && done[2], "the loop reached the success path of every writer");
  cr_expect_gt(fail_at, 20, "the failure paths were walked");
  for (int k = 0; k < 3; k++) jalon_free(ref[k]);
  jalon_result_free(r);
}

Test(json, test_json_out_of_memory_from_any_allocation_on_leaks_nothing) { walk_failures(1); }
Test(json, test_json_one_failed_allocation_leaks_nothing_and_answers) { walk_failures(0); }

/* ---- many threads: each with its own workspace, one shared model ---- */

#define N_THREADS 4
#define N_ROUNDS 25

static const char *thread_requests[] = {
    "{\"id\":\"1\",\"text\":\"vendeuse en prêt-à-porter\"}",
    "{\"id\":\"2\",\"text\":",
    "{\"id\":\"3\",\"text\":\"j'ai été caissière, je voudrais devenir aide-soignante\",\"limit\":{\"jobs\":5}}",
    "{\"id\":\"4\",\"text\":\"x\\u0000\"}",
    "{\"id\":\"5\",\"text\":\"cariste\",\"title\":\"magasinier\"}",
};
#define N_REQ (sizeof thread_requests / sizeof *thread_requests)
static char *expected[N_REQ];

static void *thread_main(void *arg) {
  (void)arg;
  jalon_workspace *w = NULL;
  if (jalon_workspace_new(&w, model, NULL)) return (void *)1;
  intptr_t bad = 0;
  for (int round = 0; round < N_ROUNDS; round++) {
    for (size_t i = 0; i < N_REQ; i++) {
      char *out = NULL;
      jalon_diagnose_json(&out, w, thread_requests[i], strlen(thread_requests[i]), NULL);
      if (!out || strcmp(out, expected[i]) != 0) bad++;
      jalon_free(out);
    }
  }
  jalon_workspace_free(w);
  return (void *)bad;
}

Test(json, test_json_threads_get_the_same_answers_as_one_thread) {
  for (size_t i = 0; i < N_REQ; i++) {
    jalon_diagnose_json(&expected[i], ws, thread_requests[i], strlen(thread_requests[i]), NULL);
    cr_assert_not_null(expected[i]);
  }
  pthread_t t[N_THREADS];
  for (int i = 0; i < N_THREADS; i++) cr_assert_eq(pthread_create(&t[i], NULL, thread_main, NULL), 0);
  for (int i = 0; i < N_THREADS; i++) {
    void *bad = NULL;
    pthread_join(t[i], &bad);
    cr_expect_null(bad, "thread %d: %ld answers differ", i, (long)(intptr_t)bad);
  }
  for (size_t i = 0; i < N_REQ; i++) jalon_free(expected[i]);
}

/* ---- the fiche ---- */

Test(json, test_json_fiche_json_describes_d1214) {
  char *out = NULL;
  cr_assert_eq(jalon_model_fiche_json(&out, model, "D1214", NULL), 0);
  cJSON *d = cJSON_Parse(out);
  cr_assert_not_null(d, "%s", out);
  cr_expect_str_eq(cJSON_GetStringValue(get(d, "rome")), "D1214");
  cr_expect_str_eq(cJSON_GetStringValue(get(d, "parent")), "D1214");
  cr_expect_not_null(strstr(cJSON_GetStringValue(get(d, "label")), "prêt-à-porter"));
  cr_expect_str_eq(cJSON_GetStringValue(get(get(d, "grand_domaine"), "code")), "D");
  cr_expect_gt(strlen(cJSON_GetStringValue(get(get(d, "grand_domaine"), "label"))), 0);
  cr_expect_str_eq(cJSON_GetStringValue(get(get(d, "domaine_professionnel"), "code")), "D12");
  cr_expect_gt(strlen(cJSON_GetStringValue(get(d, "definition"))), 20);
  cr_expect_not_null(cJSON_GetStringValue(get(d, "access")));

  const cJSON *it;
  int found_main = 0;
  cJSON_ArrayForEach(it, get(d, "appellations")) {
    const char *code = cJSON_GetStringValue(get(it, "code"));
    cr_assert_not_null(code);
    cr_expect_gt(strlen(cJSON_GetStringValue(get(it, "label"))), 0);
    cr_expect_not_null(cJSON_GetStringValue(get(it, "label_short")));
    cr_expect(cJSON_IsBool(get(it, "peu_usite")) && cJSON_IsBool(get(it, "principale")));
    if (strcmp(code, "20613") == 0) found_main = cJSON_IsTrue(get(it, "principale"));
  }
  cr_expect(found_main, "appellation 20613 is the principal one");

  int n_comp = 0;
  cJSON_ArrayForEach(it, get(d, "competences")) {
    n_comp++;
    cr_expect_not_null(cJSON_GetStringValue(get(it, "code")));
    cr_expect_gt(strlen(cJSON_GetStringValue(get(it, "label"))), 0);
    const char *kind = cJSON_GetStringValue(get(it, "kind"));
    cr_assert_not_null(kind);
    cr_expect(strcmp(kind, "savoir_faire") == 0 || strcmp(kind, "savoir_etre") == 0 || strcmp(kind, "savoir") == 0,
              "kind %s", kind);
    const cJSON *core = get(it, "core");
    cr_assert_not_null(core, "core always present");
    cr_expect(cJSON_IsNull(core) || strcmp(cJSON_GetStringValue(core), "principale") == 0 ||
                  strcmp(cJSON_GetStringValue(core), "emergente") == 0);
  }
  cr_expect_gt(n_comp, 5);

  cJSON_ArrayForEach(it, get(d, "mobility")) {
    const char *code = cJSON_GetStringValue(get(it, "rome"));
    cr_assert_not_null(code);
    cr_expect_geq(jalon_model_find_fiche(model, code), 0, "mobility target %s exists", code);
    cr_expect_not_null(cJSON_GetStringValue(get(it, "label")));
    cr_expect(cJSON_IsNumber(get(it, "rank")));
  }
  cJSON_Delete(d);
  jalon_free(out);
}

Test(json, test_json_fiche_json_unknown_code_is_not_found) {
  char *out = (char *)1;
  jalon_error *err = NULL;
  cr_expect_eq(jalon_model_fiche_json(&out, model, "Z9999", &err), JALON_ENOTFOUND);
  cr_expect_null(out);
  cr_expect_not_null(strstr(jalon_error_message(err), "Z9999"));
  jalon_error_free(err);
  cr_expect_eq(jalon_model_fiche_json(&out, model, "", NULL), JALON_ENOTFOUND);
  cr_expect_eq(jalon_model_fiche_json(NULL, model, "D1214", NULL), JALON_EINVAL);
  cr_expect_eq(jalon_model_fiche_json(&out, NULL, "D1214", NULL), JALON_EINVAL);
  cr_expect_eq(jalon_model_fiche_json(&out, model, NULL, NULL), JALON_EINVAL);
}

Test(json, test_json_every_fiche_prints_as_json) {
  /* The whole model: no fiche trips the writer (bad string, bad index). */
  size_t n = jalon_model_fiche_count(model);
  cr_assert_gt(n, 500);
  for (size_t i = 0; i < n; i++) {
    char *out = NULL;
    const char *code = jalon_model_fiche_code(model, i);
    cr_assert_eq(jalon_model_fiche_json(&out, model, code, NULL), 0, "%s", code);
    cJSON *d = cJSON_Parse(out);
    cr_assert_not_null(d, "%s", code);
    cr_expect_str_eq(cJSON_GetStringValue(get(d, "rome")), code);
    cJSON_Delete(d);
    jalon_free(out);
  }
}
