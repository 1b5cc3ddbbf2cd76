/* The response as events (jalon_result_visit, jalon_diagnose_visit): the
 * same document as the JSON text, numbers typed as the text writes them, a
 * callback's failure stops the walk at once. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jalon/jalon.h"

static jalon_model *model;
static jalon_catalogue *catalogue;
static jalon_workspace *ws;

static void setup(void) {
  jalon_error *err = NULL;
  cr_assert_eq(jalon_model_open(&model, NULL, &err), 0, "no model: %s", jalon_error_message(err));
  cr_assert_eq(jalon_catalogue_open(&catalogue, NULL, &err), 0, "no catalogue: %s", jalon_error_message(err));
  cr_assert_eq(jalon_workspace_new(&ws, model, NULL), 0);
  cr_assert_eq(jalon_workspace_set_catalogue(ws, catalogue), 0);
}
static void teardown(void) {
  jalon_workspace_free(ws);
  jalon_catalogue_free(catalogue);
  jalon_model_free(model);
}
TestSuite(visit, .init = setup, .fini = teardown);

/* Rebuilds a cJSON tree from the events, independently of the library's own
 * writers, and checks the numbers' types on the way. */
typedef struct rebuild {
  cJSON *root;
  cJSON *stack[64];
  int depth;
  char key[256];
  int has_key;
  long events, fail_at; /* fail_at: event number that returns 4242, or -1 */
  long integers, fractions, fraction_as_integer, whole_as_number;
} rebuild;

static int step(rebuild *b) { return ++b->events == b->fail_at ? 4242 : 0; }

static int attach(rebuild *b, cJSON *item) {
  cr_assert_not_null(item);
  if (!b->depth) {
    cr_assert_null(b->root, "one root value only");
    b->root = item;
    return 0;
  }
  cJSON *parent = b->stack[b->depth - 1];
  if (cJSON_IsObject(parent)) {
    cr_assert(b->has_key, "an object member without a key");
    cJSON_AddItemToObject(parent, b->key, item);
    b->has_key = 0;
  } else {
    cr_assert(!b->has_key, "a key inside an array");
    cJSON_AddItemToArray(parent, item);
  }
  return 0;
}

static int open_(void *u, cJSON *item) {
  rebuild *b = u;
  if (step(b)) {
    cJSON_Delete(item);
    return 4242;
  }
  attach(b, item);
  cr_assert_lt(b->depth, 64);
  b->stack[b->depth++] = item;
  return 0;
}
static int close_(void *u) {
  rebuild *b = u;
  if (step(b)) return 4242;
  cr_assert_gt(b->depth, 0, "a close without an open");
  b->depth--;
  return 0;
}
static int begin_object(void *u) { return open_(u, cJSON_CreateObject()); }
static int begin_array(void *u) { return open_(u, cJSON_CreateArray()); }
static int key(void *u, const char *k, size_t n) {
  rebuild *b = u;
  if (step(b)) return 4242;
  cr_assert_lt(n, sizeof b->key);
  memcpy(b->key, k, n);
  b->key[n] = 0;
  b->has_key = 1;
  return 0;
}
static int string(void *u, const char *s, size_t n) {
  rebuild *b = u;
  if (step(b)) return 4242;
  char *copy = malloc(n + 1);
  cr_assert_not_null(copy);
  memcpy(copy, s, n);
  copy[n] = 0;
  cr_assert_eq(strlen(copy), n, "no NUL inside a string");
  attach(b, cJSON_CreateString(copy));
  free(copy);
  return 0;
}
static int integer(void *u, long long v) {
  rebuild *b = u;
  if (step(b)) return 4242;
  b->integers++;
  return attach(b, cJSON_CreateNumber((double)v));
}
static int number(void *u, double x) {
  rebuild *b = u;
  if (step(b)) return 4242;
  b->fractions++;
  if (x == trunc(x)) b->whole_as_number++;
  return attach(b, cJSON_CreateNumber(x));
}
static int boolean(void *u, int v) {
  rebuild *b = u;
  if (step(b)) return 4242;
  return attach(b, cJSON_CreateBool(v));
}
static int null_(void *u) {
  rebuild *b = u;
  if (step(b)) return 4242;
  return attach(b, cJSON_CreateNull());
}

static const jalon_visitor rebuilder = {begin_object, close_, begin_array, close_, key,
                                        string,       integer, number,     boolean, null_};

/* jalon_diagnose_visit and jalon_diagnose_json on one request: same status,
 * same document. Returns the event count. */
static long same_as_text(const char *req) {
  char *text = NULL;
  int rc_text = jalon_diagnose_json(&text, ws, req, strlen(req), NULL);
  cr_assert_not_null(text);
  rebuild b = {.fail_at = -1};
  int rc = jalon_diagnose_visit(ws, req, strlen(req), &rebuilder, &b, NULL);
  cr_expect_eq(rc, rc_text, "%s", req);
  cr_assert_eq(b.depth, 0, "the document is closed");
  cJSON *want = cJSON_Parse(text);
  cr_assert(cJSON_Compare(want, b.root, 1), "events and text differ for %s\n%s", req, text);
  /* Numbers written without a fraction are exactly the integer events. */
  cr_expect_eq(b.whole_as_number, 0, "a whole number came through number()");
  cJSON_Delete(want);
  cJSON_Delete(b.root);
  jalon_free(text);
  return b.events;
}

Test(visit, test_visit_events_build_the_document_the_text_holds) {
  same_as_text("{\"id\":\"a\",\"text\":\"j'ai été caisière 6 ans, je voudrais devenir aide-soignante\"}");
  same_as_text("{\"text\":\"cariste en entrepôt\",\"target\":\"N1103\",\"place\":{\"department\":\"31\"},"
               "\"limit\":{\"jobs\":10,\"trainings\":8}}");
  same_as_text("{\"text\":\"je cherche du travail\",\"target\":\"K2111\",\"place\":{\"lat\":43.6,\"lon\":1.44}}");
  same_as_text("{\"id\":\"q\\\"\\n\\t\\u0001\",\"text\":\"vendeuse en prêt-à-porter \\\"ok\\\"\"}");
}

Test(visit, test_visit_a_refused_request_gives_its_error_object_and_status) {
  const char *req = "{\"id\":\"x\",\"text\":\"\"}";
  rebuild b = {.fail_at = -1};
  jalon_error *err = NULL;
  cr_assert_eq(jalon_diagnose_visit(ws, req, strlen(req), &rebuilder, &b, &err), JALON_EEMPTY);
  cr_expect_eq(jalon_error_code(err), JALON_EEMPTY);
  cr_assert_eq(b.depth, 0);
  cr_expect_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(b.root, "id")), "x");
  cJSON *e = cJSON_GetObjectItem(b.root, "error");
  cr_expect_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(e, "code")), "empty_text");
  cJSON_Delete(b.root);
  jalon_error_free(err);
  same_as_text("not json");
  same_as_text("{\"text\":\"caissier\",\"target\":\"Z9999\"}");
}

Test(visit, test_visit_a_failing_callback_stops_the_walk_with_its_value) {
  const char *req = "{\"text\":\"aide à domicile depuis 3 ans, je veux passer le permis\",\"target\":\"K1304\"}";
  long total = same_as_text(req);
  cr_assert_gt(total, 100);
  /* Every event position, a sample of them past the first hundred. */
  for (long n = 1; n <= total; n += n < 100 ? 1 : 37) {
    rebuild b = {.fail_at = n};
    jalon_error *err = NULL;
    int rc = jalon_diagnose_visit(ws, req, strlen(req), &rebuilder, &b, &err);
    cr_assert_eq(rc, 4242, "failure at event %ld gives the callback's value", n);
    cr_expect_eq(b.events, n, "no event after the failing one");
    cr_expect_not_null(err);
    jalon_error_free(err);
    cJSON_Delete(b.root);
  }
}

Test(visit, test_visit_result_matches_result_to_json_and_checks_its_arguments) {
  const char *text = "serveuse en restauration, je suis rapide et souriante";
  jalon_result *r = NULL;
  cr_assert_eq(jalon_diagnose(&r, ws, text, strlen(text), NULL, NULL), 0);
  char *json = NULL;
  cr_assert_eq(jalon_result_to_json(&json, r, 0, NULL), 0);
  rebuild b = {.fail_at = -1};
  cr_assert_eq(jalon_result_visit(r, &rebuilder, &b, NULL), 0);
  cJSON *want = cJSON_Parse(json);
  cr_expect(cJSON_Compare(want, b.root, 1));
  cr_expect_gt(b.integers, 0, "evidence offsets are integers");
  cr_expect_gt(b.fractions, 0, "scores are numbers");
  cJSON_Delete(want);
  cJSON_Delete(b.root);
  jalon_free(json);

  b = (rebuild){.fail_at = -1};
  jalon_visitor partial = rebuilder;
  partial.null = NULL;
  cr_expect_eq(jalon_result_visit(r, &partial, &b, NULL), JALON_EINVAL);
  cr_expect_eq(jalon_result_visit(NULL, &rebuilder, &b, NULL), JALON_EINVAL);
  cr_expect_eq(jalon_result_visit(r, NULL, &b, NULL), JALON_EINVAL);
  cr_expect_eq(jalon_diagnose_visit(ws, "{}", 2, &partial, &b, NULL), JALON_EINVAL);
  cr_expect_eq(b.events, 0, "nothing is called when a callback is missing");
  jalon_result_free(r);
}
