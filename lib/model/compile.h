/* Model compiler: ROME v4 open-data CSV release + hand-written sources in
 * models/ -> one binary model file (see format.h). Used by `jalon model build`. */
#ifndef JALON_MODEL_COMPILE_H
#define JALON_MODEL_COMPILE_H

#include <stddef.h>
#include <stdio.h>

#include "jalon/jalon.h"

/* Called as work advances; stage is a short English noun ("appellations"). */
typedef void (*jm_progress_fn)(void *ud, const char *stage, size_t done, size_t total);

typedef struct jm_compile_options {
  const char *rome_dir;   /* folder of unix_*_v460_utf8.csv; NULL: $JALON_ROME_DIR */
  const char *models_dir; /* hand-written sources (models/ of the source tree) */
  const char *out_path;   /* model file to write (written to a temp file, then renamed) */
  jm_progress_fn progress;/* may be NULL */
  void *progress_ud;
  FILE *warnings;         /* bad rows are reported here with file and line; may be NULL */
  const char *clea_dir;   /* folder of clea_referentiel.csv; NULL: $JALON_CLEA_DIR, else
                             the "clea" folder beside rome_dir */
} jm_compile_options;

/* Returns 0 or a JALON_E* code with details in *err. */
int jm_compile(const jm_compile_options *o, jalon_error **err);

#endif
