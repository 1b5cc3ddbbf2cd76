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
static jalon_model *fuzz_model_;
static jalon_workspace *fuzz_ws_;
/* Freed at exit so valgrind's leak check of the replay driver stays quiet. */
static inline void fuzz_cleanup(void) {
  jalon_workspace_free(fuzz_ws_);
  jalon_model_free(fuzz_model_);
  fuzz_ws_ = NULL;
  fuzz_model_ = NULL;
}
static inline jalon_workspace *fuzz_workspace(const jalon_model **model) {
  if (!fuzz_ws_) {
    jalon_error *err = NULL;
    if (jalon_model_open(&fuzz_model_, NULL, &err) || jalon_workspace_new(&fuzz_ws_, fuzz_model_, &err)) {
      fprintf(stderr, "fuzz: cannot open the model: %s\n", err ? jalon_error_message(err) : "?");
      abort();
    }
    atexit(fuzz_cleanup);
  }
  if (model) *model = fuzz_model_;
  return fuzz_ws_;
}

#endif
