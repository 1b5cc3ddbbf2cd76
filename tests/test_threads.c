/* Thread safety: one model shared by 16 threads, each with its own workspace,
 * running many JSON diagnoses on varied texts; every response must equal the
 * single-thread one byte for byte. scripts/ci-tsan.sh runs it under TSan.
 *
 * Criterion cannot start under ThreadSanitizer (its boxfort arena mmap fails:
 * Criterion issue #274), so with -DJALON_THREADS_MAIN the same file builds a
 * plain program with its own main(); the checks below work in both builds. */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jalon/jalon.h"

#ifdef JALON_THREADS_MAIN
static int failed;
#define REQUIRE(cond, ...)                                \
  do {                                                    \
    if (!(cond)) {                                        \
      fprintf(stderr, "test_threads: " __VA_ARGS__);      \
      fputc('\n', stderr);                                \
      exit(1);                                            \
    }                                                     \
  } while (0)
#define EXPECT(cond, ...)                                 \
  do {                                                    \
    if (!(cond)) {                                        \
      fprintf(stderr, "test_threads: " __VA_ARGS__);      \
      fputc('\n', stderr);                                \
      failed = 1;                                         \
    }                                                     \
  } while (0)
#define LOG(...) (printf(__VA_ARGS__), putchar('\n'))
#else
#include <criterion/criterion.h>
#include <criterion/logging.h>
#define REQUIRE(cond, ...) cr_assert(cond, __VA_ARGS__)
#define EXPECT(cond, ...) cr_expect(cond, __VA_ARGS__)
#define LOG(...) cr_log_info(__VA_ARGS__)
#endif

#define N_THREADS 16
#define MAX_REQUESTS 160

static jalon_model *model;
static char *requests[MAX_REQUESTS];
static size_t request_len[MAX_REQUESTS];
static char *expected[MAX_REQUESTS];
static int expected_rc[MAX_REQUESTS];
static size_t n_requests;

/* Offers, noisy text and error cases, besides the team's self-descriptions:
 * the error paths share cJSON's process-wide parse state too. */
static const char *const extra_texts[] = {
    "Cariste H/F - CDI - Entrepôt logistique. Vous conduisez des chariots élévateurs (CACES 3 et 5).",
    "Développeur/euse Python H/F - salarié·e - Télétravail partiel. Stack : Django, PostgreSQL.",
    "Aide-soignant(e) de nuit en EHPAD, temps plein, diplôme d'État exigé",
    "ede a domicil, batiman, j'ai fé du ménage et de la plonge en restauration 😀",
    "jai bossé 4ans en entrepot a la préparassion de commande jvoudrai passé dans l animassion",
    "JE SUIS VENDEUSE EN PRÊT-À-PORTER DEPUIS 2019 MAIS JE VEUX PLUS TRAVAILLER LE DIMANCHE",
    "je sais lire et écrire, compter, utiliser un ordinateur et internet, travailler en équipe",
    "serveur serveur serveur serveur, plongeur ; cuisinier !!! ??? ... ---",
    "x",
};
/* Raw requests: malformed or refused, answered with an error object. */
static const char *const raw_requests[] = {
    "{\"id\":\"e1\",\"text\":\"\"}",
    "{\"id\":\"e2\",\"text\":42}",
    "{\"id\":\"e3\",\"text\":\"pas fermé\"",
    "not json at all",
    "{\"id\":\"e4\",\"text\":\"invalide \xff\xfe utf-8\"}",
    "{\"id\":\"e5\",\"text\":\"vendeuse en boulangerie\",\"target\":\"ZZZZZ\"}",
    "{\"id\":\"e6\",\"text\":\"a\\u0000b\"}",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
};

static void add_raw(const char *s) {
  REQUIRE(n_requests < MAX_REQUESTS, "too many requests");
  requests[n_requests] = strdup(s);
  REQUIRE(requests[n_requests] != NULL, "out of memory");
  request_len[n_requests] = strlen(s);
  n_requests++;
}

/* A request with an id, the text and, every few requests, a title, a target or a limit. */
static void add_text(const char *id, const char *text) {
  cJSON *o = cJSON_CreateObject();
  REQUIRE(o != NULL, "out of memory");
  cJSON_AddStringToObject(o, "id", id);
  cJSON_AddStringToObject(o, "text", text);
  switch (n_requests % 4) {
  case 1: cJSON_AddStringToObject(o, "title", "agent de nettoyage"); break;
  case 2: cJSON_AddStringToObject(o, "target", "J1501"); break;
  case 3: cJSON_AddNumberToObject(cJSON_AddObjectToObject(o, "limit"), "jobs", 3); break;
  default: break;
  }
  char *s = cJSON_PrintUnformatted(o);
  REQUIRE(s != NULL, "out of memory");
  add_raw(s);
  cJSON_free(s);
  cJSON_Delete(o);
}

static void load_requests(void) {
  char path[4096];
  snprintf(path, sizeof path, "%s/self_descriptions.jsonl", JALON_TEST_DATA);
  FILE *f = fopen(path, "r");
  REQUIRE(f != NULL, "cannot open %s", path);
  char line[16384];
  while (fgets(line, sizeof line, f) && n_requests < MAX_REQUESTS - 32) {
    cJSON *o = cJSON_Parse(line);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(o, "text");
    if (cJSON_IsString(id) && cJSON_IsString(text)) add_text(id->valuestring, text->valuestring);
    cJSON_Delete(o);
  }
  fclose(f);
  for (size_t i = 0; i < sizeof extra_texts / sizeof *extra_texts; i++) {
    char id[32];
    snprintf(id, sizeof id, "x%zu", i);
    add_text(id, extra_texts[i]);
  }
  for (size_t i = 0; i < sizeof raw_requests / sizeof *raw_requests; i++) add_raw(raw_requests[i]);
}

static void setup(void) {
  REQUIRE(jalon_model_open(&model, NULL, NULL) == 0, "cannot open the model (JALON_MODEL)");
  load_requests();
  REQUIRE(n_requests > 50, "too few requests read");
  jalon_workspace *ws = NULL;
  REQUIRE(jalon_workspace_new(&ws, model, NULL) == 0, "jalon_workspace_new failed");
  for (size_t i = 0; i < n_requests; i++) {
    expected_rc[i] = jalon_diagnose_json(&expected[i], ws, requests[i], request_len[i], NULL);
    REQUIRE(expected[i] != NULL, "request %zu: no response", i);
  }
  jalon_workspace_free(ws);
}

static void teardown(void) {
  for (size_t i = 0; i < n_requests; i++) {
    free(requests[i]);
    jalon_free(expected[i]);
  }
  n_requests = 0;
  jalon_model_free(model);
}


typedef struct worker {
  size_t first;       /* each thread walks the requests from its own start */
  unsigned rounds;
  size_t done, mismatches, failures;
  size_t first_bad;   /* request index of the first mismatch, SIZE_MAX if none */
  char detail[256];
} worker;

static void *run_worker(void *arg) {
  worker *w = arg;
  w->first_bad = SIZE_MAX;
  jalon_workspace *ws = NULL;
  if (jalon_workspace_new(&ws, model, NULL)) {
    w->failures++;
    snprintf(w->detail, sizeof w->detail, "jalon_workspace_new failed");
    return NULL;
  }
  for (unsigned round = 0; round < w->rounds; round++) {
    for (size_t k = 0; k < n_requests; k++) {
      size_t i = (w->first + k + round * 5) % n_requests;
      char *out = NULL;
      int rc = jalon_diagnose_json(&out, ws, requests[i], request_len[i], NULL);
      w->done++;
      if (!out) {
        w->failures++;
        snprintf(w->detail, sizeof w->detail, "request %zu: no response (rc %d)", i, rc);
      } else if (rc != expected_rc[i] || strcmp(out, expected[i]) != 0) {
        if (w->first_bad == SIZE_MAX) {
          w->first_bad = i;
          snprintf(w->detail, sizeof w->detail, "request %zu: rc %d vs %d, got %.160s", i, rc,
                   expected_rc[i], out);
        }
        w->mismatches++;
      }
      jalon_free(out);
    }
  }
  jalon_workspace_free(ws);
  return NULL;
}

static unsigned rounds_from_env(unsigned dflt) {
  const char *s = getenv("JALON_THREADS_ROUNDS");
  long v = s ? strtol(s, NULL, 10) : 0;
  return v > 0 && v < 1000 ? (unsigned)v : dflt;
}

static void sixteen_threads_match_single_thread(void) {
  pthread_t tid[N_THREADS];
  worker w[N_THREADS];
  unsigned rounds = rounds_from_env(4);
  memset(w, 0, sizeof w);
  for (size_t t = 0; t < N_THREADS; t++) {
    w[t].first = t * (n_requests / N_THREADS + 1);
    w[t].rounds = rounds;
    REQUIRE(pthread_create(&tid[t], NULL, run_worker, &w[t]) == 0, "pthread_create failed");
  }
  size_t total = 0, bad = 0, failed = 0;
  for (size_t t = 0; t < N_THREADS; t++) {
    REQUIRE(pthread_join(tid[t], NULL) == 0, "pthread_join failed");
    total += w[t].done;
    bad += w[t].mismatches;
    failed += w[t].failures;
    EXPECT(w[t].mismatches + w[t].failures == 0, "thread %zu: %s", t, w[t].detail);
  }
  EXPECT(total == (size_t)N_THREADS * rounds * n_requests, "%zu diagnoses done", total);
  LOG("%zu diagnoses on %d threads (%zu requests x %u rounds): %zu mismatches, %zu failures",
              total, N_THREADS, n_requests, rounds, bad, failed);
}

/* Workspaces created and freed while other threads diagnose: set-up and
 * teardown of per-thread state (ICU iterators, stemmers, PCRE2 match data)
 * must not race with use of the shared model either. */
static void *churn(void *arg) {
  size_t *errors = arg;
  for (int k = 0; k < 8; k++) {
    jalon_workspace *ws = NULL;
    if (jalon_workspace_new(&ws, model, NULL)) {
      ++*errors;
      continue;
    }
    size_t i = (size_t)k * 11 % n_requests;
    char *out = NULL;
    int rc = jalon_diagnose_json(&out, ws, requests[i], request_len[i], NULL);
    if (!out || rc != expected_rc[i] || strcmp(out, expected[i]) != 0) ++*errors;
    jalon_free(out);
    jalon_workspace_free(ws);
  }
  return NULL;
}

static void workspace_churn_matches_single_thread(void) {
  pthread_t tid[N_THREADS];
  size_t errors[N_THREADS] = {0};
  for (size_t t = 0; t < N_THREADS; t++) REQUIRE(pthread_create(&tid[t], NULL, churn, &errors[t]) == 0, "pthread_create failed");
  for (size_t t = 0; t < N_THREADS; t++) {
    REQUIRE(pthread_join(tid[t], NULL) == 0, "pthread_join failed");
    EXPECT(errors[t] == 0, "thread %zu: %zu bad responses", t, errors[t]);
  }
}

#ifdef JALON_THREADS_MAIN
int main(void) {
  setup();
  sixteen_threads_match_single_thread();
  workspace_churn_matches_single_thread();
  teardown();
  if (!failed) printf("test_threads: all responses identical to the single-thread ones\n");
  return failed;
}
#else
TestSuite(threads, .init = setup, .fini = teardown, .timeout = 600);
Test(threads, test_threads_16_share_one_model_and_match_single_thread) { sixteen_threads_match_single_thread(); }
Test(threads, test_threads_workspace_churn_matches_single_thread) { workspace_churn_matches_single_thread(); }
#endif
