/* Self-descriptions: median latency of the full diagnosis (cues, fuzzy,
 * matching, roles, gap, CléA) per text, against tokenization alone measured
 * in the same run, on texts of about 300 characters. Prints figures only. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jalon/jalon.h"
#include "text/tokenize.h"

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, size_t n) {
  qsort(v, n, sizeof *v, cmp_d);
  return n ? v[n / 2] : 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_self FILE.jsonl [passes [min-bytes]]\n");
    return 2;
  }
  int passes = argc > 2 ? atoi(argv[2]) : 21;
  /* Consecutive texts are joined until each reaches min-bytes, to time texts
   * of a given size (the target is stated for 300 characters). */
  size_t min_bytes = argc > 3 ? (size_t)atol(argv[3]) : 0;
  if (passes < 1) passes = 1;
  FILE *f = fopen(argv[1], "r");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  char *texts[1024];
  size_t nt = 0, bytes = 0;
  char *line = NULL;
  size_t cap = 0;
  while (nt < 1024 && getline(&line, &cap, f) > 0) {
    cJSON *j = cJSON_Parse(line);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "text");
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
      } else {
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
  jt_ctx *tok = NULL;
  jt_tokens toks;
  jt_tokens_init(&toks);
  if (jt_ctx_new(&tok)) return 1;
  double *full = calloc(nt, sizeof *full), *tk = calloc(nt, sizeof *tk);
  double *per_full = calloc(nt * (size_t)passes, sizeof *per_full), *per_tok = calloc(nt * (size_t)passes, sizeof *per_tok);
  for (int p = 0; p < passes; p++) {
    for (size_t i = 0; i < nt; i++) {
      /* Alternate the two so machine load hits both alike. */
      double a = now_us();
      jt_tokenize(tok, texts[i], strlen(texts[i]), &toks);
      double b = now_us();
      jalon_result *r = NULL;
      jalon_diagnose(&r, ws, texts[i], strlen(texts[i]), NULL, NULL);
      double c = now_us();
      jalon_result_free(r);
      per_tok[i * (size_t)passes + (size_t)p] = b - a;
      per_full[i * (size_t)passes + (size_t)p] = c - b;
    }
  }
  for (size_t i = 0; i < nt; i++) {
    full[i] = median(per_full + i * (size_t)passes, (size_t)passes);
    tk[i] = median(per_tok + i * (size_t)passes, (size_t)passes);
  }
  double mf = median(full, nt), mt = median(tk, nt);
  printf("self-descriptions: %zu texts, mean %.0f bytes, %d passes\n", nt, nt ? (double)bytes / (double)nt : 0.0,
         passes);
  printf("  full diagnose   median %.1f us per text (max of per-text medians %.1f us)\n", mf, full[nt ? nt - 1 : 0]);
  printf("  tokenize only   median %.1f us per text (peer in the same run)\n", mt);
  printf("  ratio full / tokenize: %.1fx\n", mt > 0 ? mf / mt : 0.0);
  free(full);
  free(tk);
  free(per_full);
  free(per_tok);
  for (size_t i = 0; i < nt; i++) free(texts[i]);
  jt_tokens_free(&toks);
  jt_ctx_free(tok);
  jalon_workspace_free(ws);
  jalon_model_free(m);
  return 0;
}
