/* Shared by the fuzz targets and the replay driver: the libFuzzer entry point
 * and the one model every target opens lazily (the loader target excepted). */
#ifndef JALON_FUZZ_H
#define JALON_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "jalon/jalon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant is a crash for the fuzzer: abort with a reason, so
 * libFuzzer saves the input and the replay test fails. */
#define FUZZ_CHECK(cond)                                                           \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      abort();                                                                     \
    }                                                                              \
  } while (0)

/* Opens the model ($JALON_MODEL, else the build tree's) and one workspace,
 * once per process; both stay reachable until exit, so LeakSanitizer does not
 * count them. Aborts when no model can be opened: a fuzz run without a model
 * would only exercise the error path. */
static inline jalon_workspace *fuzz_workspace(const jalon_model **model) {
  static jalon_model *m;
  static jalon_workspace *ws;
  if (!ws) {
    jalon_error *err = NULL;
    if (jalon_model_open(&m, NULL, &err) || jalon_workspace_new(&ws, m, &err)) {
      fprintf(stderr, "fuzz: cannot open the model: %s\n", err ? jalon_error_message(err) : "?");
      abort();
    }
  }
  if (model) *model = m;
  return ws;
}

#endif
