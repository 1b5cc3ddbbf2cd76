/* Writing the response: the library's compact JSON writer against the way it
 * used to write (a cJSON tree, then cJSON_PrintUnformatted), rebuilt here as
 * the peer through the public event API, on the same results in one run.
 * Also the bare walk (events to a no-op visitor) and the diagnosis itself,
 * for scale. Checks that both writers give the same bytes.
 *   bench_json FILE.jsonl [passes]      (lines with "text" and optional "title") */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "jalon/jalon.h"

/* ---- the peer: a cJSON tree from the events ---- */

typedef struct tree {
  cJSON *root, *stack[64];
  int depth;
  char key[256];
  char *tmp;
  size_t tmp_cap;
} tree;

static int attach(tree *t, cJSON *v) {
  if (!v) return JALON_ENOMEM;
  if (!t->depth) t->root = v;
  else if (cJSON_IsObject(t->stack[t->depth - 1])) cJSON_AddItemToObject(t->stack[t->depth - 1], t->key, v);
  else cJSON_AddItemToArray(t->stack[t->depth - 1], v);
  return 0;
}
static int t_open(tree *t, cJSON *c) {
  if (t->depth >= 64 || attach(t, c)) return JALON_ENOMEM;
  t->stack[t->depth++] = c;
  return 0;
}
static int t_begin_object(void *u) { return t_open(u, cJSON_CreateObject()); }
static int t_begin_array(void *u) { return t_open(u, cJSON_CreateArray()); }
static int t_end(void *u) {
  ((tree *)u)->depth--;
  return 0;
}
static int t_key(void *u, const char *k, size_t n) {
  tree *t = u;
  if (n >= sizeof t->key) return JALON_EINVAL;
  memcpy(t->key, k, n);
  t->key[n] = 0;
  return 0;
}
static int t_string(void *u, const char *s, size_t n) {
  tree *t = u;
  if (n + 1 > t->tmp_cap) {
    char *p = realloc(t->tmp, n + 1);
    if (!p) return JALON_ENOMEM;
    t->tmp = p;
    t->tmp_cap = n + 1;
  }
  memcpy(t->tmp, s, n);
  t->tmp[n] = 0;
  return attach(t, cJSON_CreateString(t->tmp));
}
static int t_integer(void *u, long long v) { return attach(u, cJSON_CreateNumber((double)v)); }
static int t_number(void *u, double x) { return attach(u, cJSON_CreateNumber(x)); }
static int t_boolean(void *u, int b) { return attach(u, cJSON_CreateBool(b)); }
static int t_null(void *u) { return attach(u, cJSON_CreateNull()); }
static const jalon_visitor tree_visitor = {t_begin_object, t_end,     t_begin_array, t_end,     t_key,
                                           t_string,       t_integer, t_number,      t_boolean, t_null};

static char *peer_json(const jalon_result *r, tree *t) {
  t->root = NULL;
  t->depth = 0;
  char *s = NULL;
  if (!jalon_result_visit(r, &tree_visitor, t, NULL)) s = cJSON_PrintUnformatted(t->root);
  cJSON_Delete(t->root);
  return s;
}

/* ---- the bare walk ---- */

static int n_begin(void *u) { return (void)u, 0; }
static int n_key(void *u, const char *k, size_t n) { return (void)u, (void)k, (void)n, 0; }
static int n_integer(void *u, long long v) { return (void)u, (void)v, 0; }
static int n_number(void *u, double x) { return (void)u, (void)x, 0; }
static int n_boolean(void *u, int b) { return (void)u, (void)b, 0; }
static const jalon_visitor no_op = {n_begin, n_begin,   n_begin,  n_begin,   n_key,
                                    n_key,   n_integer, n_number, n_boolean, n_begin};

int main(int argc, char **argv) {
  int passes, status = 0;
  FILE *f = bench_open(argc, argv, "bench_json FILE.jsonl [passes]", 11, &passes, &status);
  if (!f) return status;
  jalon_model *m = NULL;
  jalon_catalogue *cat = NULL;
  jalon_workspace *ws = NULL;
  jalon_error *err = NULL;
  if (jalon_model_open(&m, NULL, &err) || jalon_workspace_new(&ws, m, &err)) {
    fprintf(stderr, "bench_json: %s\n", jalon_error_message(err));
    return 1;
  }
  /* With the catalogue when there is one: trainings are part of a response. */
  if (!jalon_catalogue_open(&cat, NULL, NULL)) jalon_workspace_set_catalogue(ws, cat);

  enum { MAX_TEXTS = 2048 };
  jalon_result **res = calloc(MAX_TEXTS, sizeof *res);
  double *diag = calloc(MAX_TEXTS, sizeof *diag);
  size_t nt = 0, bytes = 0;
  char *line = NULL;
  size_t cap = 0;
  while (nt < MAX_TEXTS && getline(&line, &cap, f) > 0) {
    cJSON *j = cJSON_Parse(line);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "text");
    const cJSON *ti = cJSON_GetObjectItemCaseSensitive(j, "title");
    if (cJSON_IsString(t)) {
      jalon_diagnose_options o = JALON_DIAGNOSE_OPTIONS_INIT;
      if (cJSON_IsString(ti)) {
        o.title = ti->valuestring;
        o.title_len = strlen(ti->valuestring);
      }
      double t0 = now_us();
      if (!jalon_diagnose(&res[nt], ws, t->valuestring, strlen(t->valuestring), &o, NULL))
        diag[nt++] = now_us() - t0;
    }
    cJSON_Delete(j);
  }
  free(line);
  fclose(f);

  tree t = {0};
  size_t differ = 0;
  for (size_t i = 0; i < nt; i++) {
    char *a = NULL, *b = peer_json(res[i], &t);
    if (jalon_result_to_json(&a, res[i], 0, NULL) || !b) return fprintf(stderr, "bench_json: write failed\n"), 1;
    differ += strcmp(a, b) != 0;
    bytes += strlen(a);
    jalon_free(a);
    cJSON_free(b);
  }

  size_t n = nt * (size_t)passes;
  double *w = calloc(n, sizeof *w), *p = calloc(n, sizeof *p), *v = calloc(n, sizeof *v);
  size_t k = 0;
  for (int pass = 0; pass < passes; pass++)
    for (size_t i = 0; i < nt; i++, k++) {
      /* Interleaved per text: a burst of load lands on all three alike. */
      char *a = NULL;
      double t0 = now_us();
      jalon_result_to_json(&a, res[i], 0, NULL);
      w[k] = now_us() - t0;
      jalon_free(a);
      t0 = now_us();
      char *b = peer_json(res[i], &t);
      p[k] = now_us() - t0;
      cJSON_free(b);
      t0 = now_us();
      jalon_result_visit(res[i], &no_op, NULL, NULL);
      v[k] = now_us() - t0;
    }
  double mw = median(w, n), mp = median(p, n), mv = median(v, n), md = median(diag, nt);
  printf("%s: %zu responses, mean %.0f bytes, %d passes%s\n", argv[1], nt, nt ? (double)bytes / (double)nt : 0.0,
         passes, cat ? ", with trainings" : "");
  printf("  compact writer (jalon_result_to_json)     median %6.1f us\n", mw);
  printf("  peer: cJSON tree + PrintUnformatted       median %6.1f us   (%.2fx the writer)\n", mp, mw > 0 ? mp / mw : 0);
  printf("  events alone (jalon_result_visit, no-op)  median %6.1f us\n", mv);
  printf("  the diagnosis itself, for scale           median %6.1f us   (one run per text)\n", md);
  printf("  responses that differ between the two writers: %zu\n", differ);
  for (size_t i = 0; i < nt; i++) jalon_result_free(res[i]);
  free(res);
  free(diag);
  free(w);
  free(p);
  free(v);
  free(t.tmp);
  jalon_workspace_free(ws);
  jalon_catalogue_free(cat);
  jalon_model_free(m);
  return differ != 0;
}
