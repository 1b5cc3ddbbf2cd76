/* Trainings: what the recommendation step adds to a diagnosis (the same
 * texts diagnosed with and without a catalogue, interleaved in one run),
 * and what opening the catalogue costs next to opening the model. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "jalon/jalon.h"

static double time_diagnose(jalon_workspace *ws, const char *text) {
  jalon_result *r = NULL;
  double t0 = now_us();
  int rc = jalon_diagnose(&r, ws, text, strlen(text), NULL, NULL);
  double dt = now_us() - t0;
  jalon_result_free(r);
  return rc ? -1 : dt;
}

int main(int argc, char **argv) {
  int passes, status = 0;
  FILE *f = bench_open(argc, argv, "bench_train FILE.jsonl [passes]", 11, &passes, &status);
  if (!f) return status;
  char *texts[2048];
  size_t nt = 0;
  char *line = NULL;
  size_t cap = 0;
  while (nt < 2048 && getline(&line, &cap, f) > 0) {
    cJSON *j = cJSON_Parse(line);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "text");
    if (cJSON_IsString(t)) texts[nt++] = strdup(t->valuestring);
    cJSON_Delete(j);
  }
  free(line);
  fclose(f);

  enum { OPENS = 21 };
  double t_model[OPENS], t_cat[OPENS];
  jalon_model *m = NULL;
  jalon_catalogue *cat = NULL;
  for (int i = 0; i < OPENS; i++) {
    jalon_model *mm = NULL;
    jalon_catalogue *cc = NULL;
    double t0 = now_us();
    if (jalon_model_open(&mm, NULL, NULL)) return fprintf(stderr, "no model\n"), 1;
    t_model[i] = now_us() - t0;
    t0 = now_us();
    if (jalon_catalogue_open(&cc, NULL, NULL)) return fprintf(stderr, "no catalogue (set JALON_CATALOGUE)\n"), 1;
    t_cat[i] = now_us() - t0;
    if (i == OPENS - 1) {
      m = mm;
      cat = cc;
    } else {
      jalon_catalogue_free(cc);
      jalon_model_free(mm);
    }
  }
  jalon_workspace *plain = NULL, *with = NULL;
  if (jalon_workspace_new(&plain, m, NULL) || jalon_workspace_new(&with, m, NULL)) return 1;
  jalon_workspace_set_catalogue(with, cat);
  /* Warm both workspaces (lazy pattern compilation, tokenizer caches). */
  for (size_t i = 0; i < nt; i++) {
    time_diagnose(plain, texts[i]);
    time_diagnose(with, texts[i]);
  }
  double *a = calloc(nt * (size_t)passes, sizeof *a), *b = calloc(nt * (size_t)passes, sizeof *b);
  double *d = calloc(nt * (size_t)passes, sizeof *d);
  size_t n = 0;
  for (int p = 0; p < passes; p++)
    for (size_t i = 0; i < nt; i++) {
      /* Alternate which runs first: the second run of a text finds warm
       * caches, which would otherwise favour one side. */
      double x, y;
      if ((i + (size_t)p) % 2) {
        x = time_diagnose(plain, texts[i]);
        y = time_diagnose(with, texts[i]);
      } else {
        y = time_diagnose(with, texts[i]);
        x = time_diagnose(plain, texts[i]);
      }
      if (x < 0 || y < 0) continue;
      a[n] = x;
      b[n] = y;
      d[n] = y - x;
      n++;
    }
  double ma = median(a, n), mb = median(b, n), md = median(d, n);
  printf("texts: %zu x %d passes\n", nt, passes);
  printf("open: model %.2f ms, catalogue %.2f ms (medians of %d; %zu certifications, %zu sessions)\n",
         median(t_model, OPENS) / 1e3, median(t_cat, OPENS) / 1e3, OPENS, jalon_catalogue_certification_count(cat),
         jalon_catalogue_session_count(cat));
  printf("diagnose without catalogue: median %.3f ms\n", ma / 1e3);
  printf("diagnose with catalogue:    median %.3f ms (x%.2f)\n", mb / 1e3, ma > 0 ? mb / ma : 0);
  printf("added by trainings: median %.3f ms per diagnosis (paired difference)\n", md / 1e3);
  jalon_workspace_free(plain);
  jalon_workspace_free(with);
  jalon_catalogue_free(cat);
  jalon_model_free(m);
  for (size_t i = 0; i < nt; i++) free(texts[i]);
  free(a);
  free(b);
  free(d);
  return 0;
}
