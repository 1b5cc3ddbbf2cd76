/* Small cJSON helpers shared by the JSON writers (json.c, json_train.c):
 * each turns cJSON's NULL on failure into a status the callers chain. */
#ifndef JALON_API_JSON_UTIL_H
#define JALON_API_JSON_UTIL_H

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jalon/jalon.h"

/* jalon_free() is free(), but cJSON allocates through process-wide hooks that
 * the application may have replaced (cJSON_InitHooks). Copying the printed
 * text into a malloc'd buffer keeps jalon_free right whatever the hooks. */
static inline int print_doc(char **out, cJSON *doc, int pretty) {
  char *s = pretty ? cJSON_Print(doc) : cJSON_PrintUnformatted(doc);
  if (!s) return JALON_ENOMEM;
  size_t n = strlen(s);
  char *copy = malloc(n + 1);
  if (copy) memcpy(copy, s, n + 1);
  cJSON_free(s);
  if (!copy) return JALON_ENOMEM;
  *out = copy;
  return 0;
}

/* The cJSON_Add*ToObject helpers free what they created when they fail, so a
 * failed add leaks nothing; these turn their NULL into a status to chain. */
static inline int add_str(cJSON *o, const char *key, const char *v) {
  return cJSON_AddStringToObject(o, key, v ? v : "") ? 0 : JALON_ENOMEM;
}
static inline int add_num(cJSON *o, const char *key, double v) {
  return cJSON_AddNumberToObject(o, key, v) ? 0 : JALON_ENOMEM;
}
static inline int add_bool(cJSON *o, const char *key, int v) {
  return cJSON_AddBoolToObject(o, key, v ? 1 : 0) ? 0 : JALON_ENOMEM;
}

/* An object appended to an array. cJSON_AddItemToArray does not take
 * ownership when it fails, so the new object is deleted here then. */
static inline cJSON *push_object(cJSON *array) {
  cJSON *o = cJSON_CreateObject();
  if (o && !cJSON_AddItemToArray(array, o)) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

/* Scores travel as 4 decimals: more digits are noise to a reader and make
 * golden files churn on harmless float changes. */
static inline double round4(double x) { return isfinite(x) ? round(x * 10000.0) / 10000.0 : 0.0; }

#endif
