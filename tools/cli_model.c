/* `jalon model build|info` and `jalon rome CODE`: compile a model from the
 * ROME release and models/, describe an opened model, print one fiche. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* fopencookie, secure_getenv; meson already defines it */
#endif
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "model/compile.h"

/* Meson passes the source tree's folders; a build without them must name
 * the folders on the command line. */
#ifndef JALON_SOURCE_MODELS
#define JALON_SOURCE_MODELS NULL
#endif
#ifndef JALON_DEFAULT_ROME_DIR
#define JALON_DEFAULT_ROME_DIR NULL
#endif

static const char MODEL_USAGE[] =
    "Usage: jalon model build [--rome DIR] [--models DIR] --output FILE\n"
    "       jalon model info [--model FILE]\n"
    "\n"
    "build  compiles the ROME open-data CSV release and the hand-written sources\n"
    "       into one binary model file (written to a temporary file, then renamed).\n"
    "  --rome DIR     ROME v4 CSV folder (default: $JALON_ROME_DIR, else the one\n"
    "                 configured at build time)\n"
    "  --models DIR   hand-written sources (default: models/ of the source tree)\n"
    "  -o, --output FILE  model file to write (required)\n"
    "info   prints the model's path, ROME version, checksum and number of fiches.\n"
    "  -m, --model FILE   model to open (default: $JALON_MODEL, build dir, datadir)\n";

static const char ROME_USAGE[] =
    "Usage: jalon rome CODE [--model FILE]\n"
    "\n"
    "Prints the ROME fiche CODE (e.g. D1214) as indented JSON: label, domains,\n"
    "appellations, competences, mobility.\n"
    "  -m, --model FILE   model to open (default: $JALON_MODEL, build dir, datadir)\n";

/* ---- progress on a terminal ---- */

typedef struct progress {
  int shown;         /* a progress line is on screen, not yet ended */
  char stage[48];
  int pct;
} progress;

static void on_progress(void *ud, const char *stage, size_t done, size_t total) {
  progress *p = ud;
  int pct = total ? (int)((double)done * 100.0 / (double)total) : -1;
  if (pct > 100) pct = 100;
  int same_stage = strncmp(p->stage, stage, sizeof p->stage - 1) == 0;
  if (p->shown && same_stage && pct == p->pct) return; /* nothing new to draw */
  if (p->shown && !same_stage) fputc('\n', stderr); /* keep finished stages visible */
  snprintf(p->stage, sizeof p->stage, "%s", stage);
  p->pct = pct;
  if (pct >= 0)
    fprintf(stderr, "\r\033[K%s %3d %%", p->stage, pct);
  else
    fprintf(stderr, "\r\033[K%s", p->stage);
  fflush(stderr);
  p->shown = 1;
}

/* Warnings go through a stream that first clears the progress line, so a
 * bad-row warning is never glued to "appellations 42 %". */
static ssize_t warn_write(void *cookie, const char *buf, size_t n) {
  progress *p = cookie;
  if (p->shown) {
    fputs("\r\033[K", stderr);
    p->shown = 0;
    p->stage[0] = '\0'; /* redraw on the next progress call */
  }
  return (ssize_t)fwrite(buf, 1, n, stderr);
}

static int model_build(int argc, char **argv) {
  static const struct option opts[] = {{"rome", required_argument, NULL, 'r'},
                                       {"models", required_argument, NULL, 'M'},
                                       {"output", required_argument, NULL, 'o'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *rome = NULL, *models = JALON_SOURCE_MODELS, *output = NULL;
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
    switch (c) {
    case 'r': rome = optarg; break;
    case 'M': models = optarg; break;
    case 'o': output = optarg; break;
    case 'h': fputs(MODEL_USAGE, stdout); return CLI_OK;
    default: return cli_bad_option("model build", c, optopt, argv[optind - 1]);
    }
  }
  if (optind < argc) return cli_usage("model build", "argument en trop : %s.", argv[optind]);
  if (!output) return cli_usage("model build", "--output FICHIER est obligatoire.");
  if (!rome) {
    rome = secure_getenv("JALON_ROME_DIR");
    if (!rome || !*rome) rome = JALON_DEFAULT_ROME_DIR;
  }
  if (!rome) return cli_usage("model build", "donnez le dossier du ROME avec --rome.");
  if (!models) return cli_usage("model build", "donnez le dossier des sources avec --models.");

  progress p = {0};
  int tty = cli_is_tty(stderr);
  FILE *warnings = stderr;
  if (tty) {
    cookie_io_functions_t io = {.write = warn_write};
    warnings = fopencookie(&p, "w", io);
    if (warnings)
      setvbuf(warnings, NULL, _IOLBF, 0); /* whole lines, so the clearing is per line */
    else
      warnings = stderr;
  }
  jm_compile_options o = {
      .rome_dir = rome,
      .models_dir = models,
      .out_path = output,
      .progress = tty ? on_progress : NULL,
      .progress_ud = &p,
      .warnings = warnings,
  };
  jalon_error *e = NULL;
  int rc = jm_compile(&o, &e);
  if (warnings != stderr) fclose(warnings);
  if (p.shown) fputc('\n', stderr);
  if (rc != 0) {
    cli_report("Le modèle n'a pas pu être construit.", rc, e);
    jalon_error_free(e);
    return CLI_FAIL;
  }
  if (tty) fprintf(stderr, "Modèle écrit : %s\n", output);
  return CLI_OK;
}

static int model_info(int argc, char **argv) {
  static const struct option opts[] = {{"model", required_argument, NULL, 'm'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *path = NULL;
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":m:h", opts, NULL)) != -1) {
    switch (c) {
    case 'm': path = optarg; break;
    case 'h': fputs(MODEL_USAGE, stdout); return CLI_OK;
    default: return cli_bad_option("model info", c, optopt, argv[optind - 1]);
    }
  }
  if (optind < argc) return cli_usage("model info", "argument en trop : %s.", argv[optind]);
  jalon_model *m = NULL;
  if (cli_open_model(&m, path) != 0) return CLI_FAIL;
  printf("path: %s\nrome: %s\nchecksum: %s\nfiches: %zu\n", jalon_model_path(m),
         jalon_model_rome_version(m), jalon_model_checksum(m), jalon_model_fiche_count(m));
  jalon_model_free(m);
  return CLI_OK;
}

int cli_model(int argc, char **argv) {
  if (argc < 2) return cli_usage("model", "précisez « build » ou « info ».");
  const char *sub = argv[1];
  if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
    fputs(MODEL_USAGE, stdout);
    return CLI_OK;
  }
  /* The sub-verb becomes argv[0] so getopt starts after it. */
  if (strcmp(sub, "build") == 0) return model_build(argc - 1, argv + 1);
  if (strcmp(sub, "info") == 0) return model_info(argc - 1, argv + 1);
  return cli_usage("model", "« %s » n'est pas une action connue (build ou info).", sub);
}

int cli_rome(int argc, char **argv) {
  static const struct option opts[] = {{"model", required_argument, NULL, 'm'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *path = NULL;
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":m:h", opts, NULL)) != -1) {
    switch (c) {
    case 'm': path = optarg; break;
    case 'h': fputs(ROME_USAGE, stdout); return CLI_OK;
    default: return cli_bad_option("rome", c, optopt, argv[optind - 1]);
    }
  }
  if (argc - optind != 1) return cli_usage("rome", "donnez un seul code métier, par exemple D1214.");
  char code[16];
  size_t len = strlen(argv[optind]);
  if (len == 0 || len >= sizeof code)
    return cli_usage("rome", "« %s » n'est pas un code ROME.", argv[optind]);
  memcpy(code, argv[optind], len + 1);
  cli_upcase(code);

  jalon_model *m = NULL;
  if (cli_open_model(&m, path) != 0) return CLI_FAIL;
  int status = CLI_FAIL;
  char *json = NULL;
  jalon_error *e = NULL;
  int rc = jalon_model_fiche_json(&json, m, code, &e);
  if (rc == JALON_ENOTFOUND) {
    char fr[96];
    snprintf(fr, sizeof fr, "Le code métier « %s » n'existe pas dans le ROME.", code);
    cli_fail(fr, "no fiche %s in this model", code);
  } else if (rc != 0) {
    cli_report(NULL, rc, e);
  } else {
    /* The library writes compact JSON; people read this one, so indent it. */
    cJSON *doc = cJSON_Parse(json);
    char *pretty = doc ? cJSON_Print(doc) : NULL;
    puts(pretty ? pretty : json);
    cJSON_free(pretty);
    cJSON_Delete(doc);
    status = fflush(stdout) == 0 && !ferror(stdout) ? CLI_OK : CLI_FAIL;
  }
  jalon_free(json);
  jalon_error_free(e);
  jalon_model_free(m);
  return status;
}
