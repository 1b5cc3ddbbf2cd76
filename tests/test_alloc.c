/* Allocation-failure sweep: malloc, calloc and realloc are wrapped (found with
 * dlsym(RTLD_NEXT), so ASan's allocator stays underneath) and the Nth call made
 * by the test thread fails, for N = 1, 2, ... until the call succeeds without
 * a failure. Model open, workspace creation, diagnose + JSON output and the
 * JSON entry point must each return 0 or JALON_ENOMEM, never crash, and a
 * success must give exactly the response of an undisturbed run. Leaks of the
 * failure paths are caught by running this test under ASan (CI asan stage). */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ubrk.h>

#include "jalon/jalon.h"

/* ---- the failing allocator ---- */

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);

/* dlsym may itself call calloc before real_calloc is known: serve those few
 * early requests from a static buffer, which free() then ignores. */
static _Alignas(16) unsigned char boot[4096];
static size_t boot_used;

/* Armed per thread: Criterion's own threads allocate unhindered. */
static _Thread_local int armed;
static _Thread_local unsigned long calls, fail_at, failures;

static void *boot_alloc(size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (n > sizeof boot - boot_used) return NULL;
  void *p = boot + boot_used;
  boot_used += n;
  return p;
}

static int in_boot(const void *p) {
  return (const unsigned char *)p >= boot && (const unsigned char *)p < boot + sizeof boot;
}

/* dlsym returns an object pointer; copying its bytes into the function
 * pointer is the POSIX way that ISO C's -Wpedantic accepts. */
static void next_symbol(void *fn, size_t fn_size, const char *name) {
  void *p = dlsym(RTLD_NEXT, name);
  memcpy(fn, &p, fn_size < sizeof p ? fn_size : sizeof p);
}

static int resolving;
static void resolve(void) {
  if (real_free || resolving) return;
  resolving = 1;
  next_symbol(&real_malloc, sizeof real_malloc, "malloc");
  next_symbol(&real_calloc, sizeof real_calloc, "calloc");
  next_symbol(&real_realloc, sizeof real_realloc, "realloc");
  next_symbol(&real_free, sizeof real_free, "free");
  resolving = 0;
}

/* 1 when this allocation must fail. */
static _Thread_local int in_lib;
static int should_fail(void) {
  if (!armed || in_lib) return 0;
  if (++calls != fail_at) return 0;
  failures++;
  return 1;
}

void *malloc(size_t n) {
  resolve();
  if (!real_malloc) return boot_alloc(n);
  return should_fail() ? NULL : real_malloc(n);
}

void *calloc(size_t n, size_t size) {
  resolve();
  if (!real_calloc) {
    if (size && n > SIZE_MAX / size) return NULL;
    return boot_alloc(n * size); /* static storage is zeroed */
  }
  return should_fail() ? NULL : real_calloc(n, size);
}

void *realloc(void *p, size_t n) {
  resolve();
  if (in_boot(p)) {
    void *q = malloc(n);
    if (q) memcpy(q, p, n < sizeof boot ? n : sizeof boot); /* boot blocks are small */
    return q;
  }
  return should_fail() ? NULL : real_realloc(p, n);
}

void free(void *p) {
  if (!p || in_boot(p)) return;
  resolve();
  real_free(p);
}

/* Two library calls are failed as a whole instead of at their own inner
 * allocations, because Debian 12's versions mishandle those:
 * - PCRE2 10.42 can crash inside pcre2_jit_compile when one of its own
 *   allocations fails (fixed upstream by PCRE2 pull request #697, 10.46);
 * - ICU 72's ubrk_open leaks the half-built RuleBasedBreakIterator and its
 *   UDataMemory when an allocation inside it fails (LeakSanitizer, all frames
 *   inside ICU; Jalon closes what ubrk_open returns).
 * Each wrapper (the executable's definition wins; RTLD_NEXT finds the real
 * one) counts as one allocation site: when it is the one to fail it returns
 * the library's out-of-memory result, and otherwise nothing inside it fails.
 * All other allocations of PCRE2 and ICU are still failed one by one. */
#define SYMBOL_NAME(f) SYMBOL_NAME_(f)
#define SYMBOL_NAME_(f) #f

int pcre2_jit_compile_8(void *code, uint32_t options);
int pcre2_jit_compile_8(void *code, uint32_t options) {
  static int (*real_jit)(void *, uint32_t);
  if (!real_jit) next_symbol(&real_jit, sizeof real_jit, "pcre2_jit_compile_8");
  if (should_fail()) return -48; /* PCRE2_ERROR_NOMEMORY */
  /* While armed, JIT is skipped as if unsupported (Jalon ignores the result
   * and matches without it): JIT-compiling ~350 cue patterns at each of the
   * ~700 opens of the model-open sweep would dominate the test's time. */
  if (armed) return -45; /* PCRE2_ERROR_JIT_BADOPTION */
  in_lib++;
  int rc = real_jit(code, options);
  in_lib--;
  return rc;
}

/* ubrk_open is a macro for the versioned name (ubrk_open_72): this defines that. */
UBreakIterator *ubrk_open(UBreakIteratorType type, const char *locale, const UChar *text, int32_t len,
                          UErrorCode *status) {
  static UBreakIterator *(*real_open)(UBreakIteratorType, const char *, const UChar *, int32_t, UErrorCode *);
  if (!real_open) next_symbol(&real_open, sizeof real_open, SYMBOL_NAME(ubrk_open));
  if (U_SUCCESS(*status) && should_fail()) {
    *status = U_MEMORY_ALLOCATION_ERROR;
    return NULL;
  }
  in_lib++;
  UBreakIterator *b = real_open(type, locale, text, len, status);
  in_lib--;
  return b;
}

static void arm(unsigned long n) {
  calls = 0;
  failures = 0;
  fail_at = n;
  armed = 1;
}
static void disarm(void) { armed = 0; }

/* ---- the sweep ---- */

#define SWEEP_MAX 200000ul

static const char text[] =
    "j'ai travaillé 6 ans comme caissière dans un supermarché, je ne veux plus travailler le dimanche, "
    "je voudrais devenir aide-soignante ; ede a domicil et batiman aussi, je sais utiliser un ordinateur";
static const char request[] =
    "{\"id\":\"a1\",\"text\":\"jai bossé 4 ans en entrepot a la préparation de commandes, je voudrais "
    "devenir formateur\",\"title\":\"cariste\",\"target\":\"G1203\",\"limit\":{\"jobs\":5}}";

/* The undisturbed responses, computed before any failure is injected; this
 * also loads ICU's process-wide data once, as any long-lived caller would. */
static char *ref_diagnose, *ref_json;
/* The recommendation step and the trainings JSON are swept too: every
 * diagnosing workspace has the build's catalogue attached. */
static jalon_catalogue *catalogue;

/* No Criterion assertion runs while a failure is armed (Criterion allocates
 * too): inconsistencies are returned in *bad and checked by the caller. */
static char *diagnose_to_json(jalon_workspace *ws, int *rc, const char **bad) {
  jalon_result *r = NULL;
  char *json = NULL;
  jalon_diagnose_options o = JALON_DIAGNOSE_OPTIONS_INIT;
  o.title = "agent de nettoyage";
  o.title_len = strlen(o.title);
  jalon_error *err = NULL;
  *bad = NULL;
  *rc = jalon_diagnose(&r, ws, text, strlen(text), &o, &err);
  if (*rc == 0) {
    if (!r) *bad = "diagnose succeeded without a result";
    else if ((*rc = jalon_result_to_json(&json, r, 0, &err)) != 0 && json) *bad = "to_json failed but set *out";
  } else if (r) {
    *bad = "diagnose failed but returned a result";
  }
  if (*rc && err && jalon_error_code(err) != *rc) *bad = "error code differs from the status";
  jalon_error_free(err);
  jalon_result_free(r);
  return json;
}

static void references(void) {
  jalon_model *m = NULL;
  jalon_workspace *ws = NULL;
  cr_assert_eq(jalon_model_open(&m, NULL, NULL), 0);
  cr_assert_eq(jalon_workspace_new(&ws, m, NULL), 0);
  cr_assert_eq(jalon_catalogue_open(&catalogue, NULL, NULL), 0);
  jalon_workspace_set_catalogue(ws, catalogue);
  int rc;
  const char *bad;
  ref_diagnose = diagnose_to_json(ws, &rc, &bad);
  cr_assert_eq(rc, 0);
  cr_assert_null(bad, "%s", bad);
  cr_assert_eq(jalon_diagnose_json(&ref_json, ws, request, strlen(request), NULL), 0);
  jalon_workspace_free(ws);
  jalon_model_free(m);
}

static void release(void) {
  jalon_catalogue_free(catalogue);
  catalogue = NULL;
  free(ref_diagnose);
  free(ref_json);
}

TestSuite(alloc, .init = references, .fini = release, .timeout = 900);

/* Runs step(N) for N = 1.. until a run sees no injected failure; every run
 * must give 0 or JALON_ENOMEM. Returns the number of allocation sites hit. */
typedef int (*step_fn)(void *ctx, unsigned long fail_at, unsigned long *failed);

/* Failures that came back as `tolerated` instead of JALON_ENOMEM (see the
 * JSON entry point below), counted and reported rather than hidden. */
static unsigned long tolerated_count;

static unsigned long sweep(const char *what, step_fn step, void *ctx, int tolerated) {
  tolerated_count = 0;
  /* JALON_ALLOC_TRACE=1 prints each step: the last line names the allocation of a crash. */
  int trace = getenv("JALON_ALLOC_TRACE") != NULL;
  for (unsigned long n = 1; n < SWEEP_MAX; n++) {
    unsigned long failed = 0;
    if (trace) fprintf(stderr, "%s: failing allocation %lu\n", what, n);
    int rc = step(ctx, n, &failed);
    if (tolerated && rc == tolerated && failed) {
      tolerated_count++;
      continue;
    }
    cr_assert(rc == 0 || rc == JALON_ENOMEM, "%s: allocation %lu failed, call returned %d (%s)", what, n, rc,
              jalon_strerror(rc));
    if (!failed) {
      cr_assert_eq(rc, 0, "%s: no failure injected but the call failed", what);
      cr_log_info("%s: %lu allocations, each failed once", what, n - 1);
      if (tolerated_count)
        cr_log_info("%s: %lu of them reported as %s, not JALON_ENOMEM", what, tolerated_count,
                    jalon_strerror(tolerated));
      return n - 1;
    }
  }
  cr_assert_fail("%s: more than %lu allocations", what, SWEEP_MAX);
  return 0;
}

static int step_model_open(void *ctx, unsigned long n, unsigned long *failed) {
  (void)ctx;
  jalon_model *m = NULL;
  jalon_error *err = NULL;
  arm(n);
  int rc = jalon_model_open(&m, NULL, &err);
  disarm();
  *failed = failures;
  if (rc) cr_assert_null(m);
  else cr_assert_gt(jalon_model_fiche_count(m), 0);
  jalon_error_free(err);
  jalon_model_free(m);
  return rc;
}

static int step_catalogue_open(void *ctx, unsigned long n, unsigned long *failed) {
  (void)ctx;
  jalon_catalogue *c = NULL;
  jalon_error *err = NULL;
  arm(n);
  int rc = jalon_catalogue_open(&c, NULL, &err);
  disarm();
  *failed = failures;
  if (rc) cr_assert_null(c);
  else cr_assert_gt(jalon_catalogue_certification_count(c), 0);
  jalon_error_free(err);
  jalon_catalogue_free(c);
  return rc;
}

Test(alloc, test_alloc_catalogue_open_fails_cleanly_at_every_allocation) {
  cr_expect_gt(sweep("jalon_catalogue_open", step_catalogue_open, NULL, 0), 0);
}

Test(alloc, test_alloc_model_open_fails_cleanly_at_every_allocation) {
  cr_expect_gt(sweep("jalon_model_open", step_model_open, NULL, 0), 0);
}

static int step_workspace(void *ctx, unsigned long n, unsigned long *failed) {
  jalon_workspace *ws = NULL;
  jalon_error *err = NULL;
  arm(n);
  int rc = jalon_workspace_new(&ws, ctx, &err);
  disarm();
  *failed = failures;
  if (rc) cr_assert_null(ws);
  jalon_error_free(err);
  jalon_workspace_free(ws);
  return rc;
}

Test(alloc, test_alloc_workspace_new_fails_cleanly_at_every_allocation) {
  jalon_model *m = NULL;
  cr_assert_eq(jalon_model_open(&m, NULL, NULL), 0);
  cr_expect_gt(sweep("jalon_workspace_new", step_workspace, m, 0), 0);
  jalon_model_free(m);
}

/* A failed call must leave the workspace usable: the next undisturbed call
 * gives the reference response. */
static int step_diagnose(void *ctx, unsigned long n, unsigned long *failed) {
  jalon_workspace *ws = ctx;
  int rc;
  const char *bad;
  arm(n);
  char *json = diagnose_to_json(ws, &rc, &bad);
  disarm();
  *failed = failures;
  cr_assert_null(bad, "allocation %lu failed: %s", n, bad);
  if (!rc) cr_assert_str_eq(json, ref_diagnose, "allocation %lu failed, yet a different response came back", n);
  jalon_free(json);
  int rc2;
  char *again = diagnose_to_json(ws, &rc2, &bad);
  cr_assert_eq(rc2, 0);
  cr_assert_str_eq(again, ref_diagnose, "workspace damaged by the failure of allocation %lu", n);
  jalon_free(again);
  return rc;
}

Test(alloc, test_alloc_diagnose_and_json_output_fail_cleanly_at_every_allocation) {
  jalon_model *m = NULL;
  jalon_workspace *ws = NULL;
  cr_assert_eq(jalon_model_open(&m, NULL, NULL), 0);
  cr_assert_eq(jalon_workspace_new(&ws, m, NULL), 0);
  jalon_workspace_set_catalogue(ws, catalogue);
  cr_expect_gt(sweep("jalon_diagnose + jalon_result_to_json", step_diagnose, ws, 0), 0);
  jalon_workspace_free(ws);
  jalon_model_free(m);
}

static int step_diagnose_json(void *ctx, unsigned long n, unsigned long *failed) {
  jalon_workspace *ws = ctx;
  char *out = NULL;
  jalon_error *err = NULL;
  arm(n);
  int rc = jalon_diagnose_json(&out, ws, request, strlen(request), &err);
  disarm();
  *failed = failures;
  if (!rc) cr_assert_str_eq(out, ref_json, "allocation %lu failed, yet a different response came back", n);
  /* ENOMEM may still come with an error object, or with nothing at all. */
  jalon_free(out);
  jalon_error_free(err);
  return rc;
}

/* cJSON_Parse returns NULL both for bad syntax and for a failed allocation,
 * and the library reports that as JALON_EJSON (lib/api/json.c, jj_parse_json).
 * Until the parser can tell them apart, a failure inside the parse is
 * tolerated as JALON_EJSON, counted and logged; every other allocation of the
 * call (request copy, diagnosis, response) must give JALON_ENOMEM. */
Test(alloc, test_alloc_diagnose_json_fails_cleanly_at_every_allocation) {
  jalon_model *m = NULL;
  jalon_workspace *ws = NULL;
  cr_assert_eq(jalon_model_open(&m, NULL, NULL), 0);
  cr_assert_eq(jalon_workspace_new(&ws, m, NULL), 0);
  jalon_workspace_set_catalogue(ws, catalogue);
  cr_expect_gt(sweep("jalon_diagnose_json", step_diagnose_json, ws, JALON_EJSON), 0);
  jalon_workspace_free(ws);
  jalon_model_free(m);
}
