/* Self-descriptions: median latency of the full diagnosis (cues, fuzzy,
 * matching, roles, gap, CléA) per text, against two peers measured in the
 * same run: tokenization alone, and the full diagnosis with the cue scans
 * (roles, CléA, soft skills) run the reference way, every pattern over the
 * whole text as before the literal prefilter (same results, checked here).
 * Prints figures only. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clea/clea.h"
#include "cues/cues.h"
#include "bench_util.h"
#include "jalon/jalon.h"
#include "model/model.h"
#include "text/tokenize.h"

/* The model's cue sets, fast or reference: swapped in and out of the model
 * (one thread, nothing else uses it meanwhile). */
typedef struct cue_sets {
  struct jq_set *cues;
  struct jk_set *clea, *soft;
} cue_sets;

static void use(jalon_model *m, const cue_sets *c) {
  m->cues = c->cues;
  m->clea = c->clea;
  m->soft = c->soft;
}

/* Diagnoses text (with its title, if any: offers have one); returns
 * microseconds, and the response JSON in *json if json is not NULL. */
static double timed(jalon_workspace *ws, const char *text, const char *title, char **json) {
  jalon_diagnose_options o = JALON_DIAGNOSE_OPTIONS_INIT;
  o.title = title;
  o.title_len = title ? strlen(title) : 0;
  double a = now_us();
  jalon_result *r = NULL;
  jalon_diagnose(&r, ws, text, strlen(text), &o, NULL);
  double b = now_us();
  if (json && jalon_result_to_json(json, r, 0, NULL)) *json = NULL;
  jalon_result_free(r);
  return b - a;
}

int main(int argc, char **argv) {
  int passes, status = 0;
  FILE *f = bench_open(argc, argv, "bench_self FILE.jsonl [passes [min-bytes]]", 21, &passes, &status);
  if (!f) return status;
  /* Consecutive texts are joined until each reaches min-bytes, to time texts
   * of a given size (the target is stated for 300 characters). */
  size_t min_bytes = argc > 3 ? (size_t)atol(argv[3]) : 0;
  char *texts[1024], *titles[1024];
  size_t nt = 0, bytes = 0;
  char *line = NULL;
  size_t cap = 0;
  while (nt < 1024 && getline(&line, &cap, f) > 0) {
    cJSON *j = cJSON_Parse(line);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "text");
    const cJSON *ti = cJSON_GetObjectItemCaseSensitive(j, "title");
    if (cJSON_IsString(t)) {
      if (nt && strlen(texts[nt - 1]) < min_bytes) {
        size_t a = strlen(texts[nt - 1]), b = strlen(t->valuestring);
        char *joined = realloc(texts[nt - 1], a + b + 2);
        if (joined) {
          joined[a] = ' ';
          memcpy(joined + a + 1, t->valuestring, b + 1);
          texts[nt - 1] = joined;
          bytes += b + 1;
        }
        free(titles[nt - 1]); /* joined texts have no one title */
        titles[nt - 1] = NULL;
      } else {
        titles[nt] = cJSON_IsString(ti) ? strdup(ti->valuestring) : NULL;
        texts[nt] = strdup(t->valuestring);
        bytes += strlen(texts[nt++]);
      }
    }
    cJSON_Delete(j);
  }
  free(line);
  fclose(f);
  jalon_model *m = NULL;
  jalon_workspace *ws = NULL;
  jalon_error *err = NULL;
  if (jalon_model_open(&m, NULL, &err) || jalon_workspace_new(&ws, m, &err)) {
    fprintf(stderr, "%s\n", jalon_error_message(err));
    return 1;
  }
  /* The workspace compiled the fast sets; the reference ones are built from
   * the same sources the model holds. */
  cue_sets fast = {m->cues, m->clea, m->soft}, ref = {NULL, NULL, NULL};
  if (jq_set_compile_mode(&ref.cues, m->cues_src, "model cues", 0, &err) ||
      jm_cue_sets_compile(m, JK_MODE_REFERENCE, &ref.clea, &ref.soft, &err)) {
    fprintf(stderr, "%s\n", jalon_error_message(err));
    return 1;
  }
  jt_ctx *tok = NULL;
  jt_tokens toks;
  jt_tokens_init(&toks);
  if (jt_ctx_new(&tok)) return 1;
  double *full = calloc(nt, sizeof *full), *tk = calloc(nt, sizeof *tk), *rf = calloc(nt, sizeof *rf);
  double *per_full = calloc(nt * (size_t)passes, sizeof *per_full), *per_tok = calloc(nt * (size_t)passes, sizeof *per_tok);
  double *per_ref = calloc(nt * (size_t)passes, sizeof *per_ref);
  size_t differ = 0;
  /* Each pass runs every text three ways, one way after the other over all
   * texts (so that one does not run in the caches another just filled), the
   * two diagnoses in turns (fast first on even passes): load on the machine
   * hits all three alike. Pass 0 keeps the fast responses and compares the
   * reference ones with them. */
  enum { FAST, REFERENCE, TOKENIZE };
  char **j_fast = calloc(nt, sizeof *j_fast);
  for (int p = 0; p < passes; p++) {
    for (int k = 0; k < 3; k++) {
      int what = k == 2 ? TOKENIZE : (k == 0) == !(p & 1) ? FAST : REFERENCE;
      if (what == REFERENCE) use(m, &ref);
      for (size_t i = 0; i < nt; i++) {
        size_t at = i * (size_t)passes + (size_t)p;
        if (what == TOKENIZE) {
          double a = now_us();
          jt_tokenize(tok, texts[i], strlen(texts[i]), &toks);
          per_tok[at] = now_us() - a;
        } else if (what == FAST) {
          per_full[at] = timed(ws, texts[i], titles[i], p ? NULL : &j_fast[i]);
        } else {
          char *j_ref = NULL;
          per_ref[at] = timed(ws, texts[i], titles[i], p ? NULL : &j_ref);
          if (!p) differ += !j_ref || !j_fast[i] || strcmp(j_fast[i], j_ref) != 0;
          jalon_free(j_ref);
        }
      }
      use(m, &fast);
    }
  }
  for (size_t i = 0; i < nt; i++) jalon_free(j_fast[i]);
  free(j_fast);
  for (size_t i = 0; i < nt; i++) {
    full[i] = median(per_full + i * (size_t)passes, (size_t)passes);
    tk[i] = median(per_tok + i * (size_t)passes, (size_t)passes);
    rf[i] = median(per_ref + i * (size_t)passes, (size_t)passes);
  }
  double mf = median(full, nt), mt = median(tk, nt), mr = median(rf, nt);
  printf("%s: %zu texts, mean %.0f bytes, %d passes%s\n", argv[1], nt, nt ? (double)bytes / (double)nt : 0.0, passes,
         nt && titles[0] ? " (with their titles)" : "");
  printf("  full diagnose   median %.1f us per text (max of per-text medians %.1f us)\n", mf, full[nt ? nt - 1 : 0]);
  printf("  reference scans median %.1f us per text (max %.1f us; peer: the same with the cue, CleA and\n"
         "                  soft-skill patterns run over the whole text, no prefilter; %zu responses differ)\n",
         mr, rf[nt ? nt - 1 : 0], differ);
  printf("  tokenize only   median %.1f us per text (peer in the same run)\n", mt);
  printf("  ratio reference / full: %.2fx; full / tokenize: %.1fx\n", mf > 0 ? mr / mf : 0.0, mt > 0 ? mf / mt : 0.0);
  free(full);
  free(tk);
  free(rf);
  free(per_full);
  free(per_tok);
  free(per_ref);
  jq_set_free(ref.cues);
  jk_set_free(ref.clea);
  jk_set_free(ref.soft);
  for (size_t i = 0; i < nt; i++) {
    free(texts[i]);
    free(titles[i]);
  }
  jt_tokens_free(&toks);
  jt_ctx_free(tok);
  jalon_workspace_free(ws);
  jalon_model_free(m);
  return 0;
}
