/* `jalon catalogue build|info` compiles and describes a training catalogue;
 * `jalon trainings --rome CODE` lists the trainings leading to one job. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jalon_config.h"
#include "train/build.h"

static const char CATALOGUE_USAGE[] =
    "Usage: jalon catalogue build --output FILE [sources...]\n"
    "       jalon catalogue info [--catalogue FILE]\n"
    "\n"
    "Compiles training offers into one catalogue file, loaded next to the model.\n"
    "Sources are read in this order (a session joins its certification by its\n"
    "Certif Info code, so Certif Info comes first):\n"
    "      --certifinfo FILE  Certif Info open-data CSV (certifications)\n"
    "      --formacode FILE   Formacode thesaurus CSV (training fields)\n"
    "      --rco FILE         RCO apprenticeship catalogue JSON (sessions)\n"
    "      --lheo FILE        LHÉO 2.x XML offers (repeatable)\n"
    "      --json FILE        Jalon catalogue JSON or Intercarif JSON (repeatable)\n"
    "      --data DIR         take every source above from DIR as laid out in\n"
    "                         ../shared/data (trainings/, lheo/)\n"
    "      --rules DIR        rule tables (default: models/train of the sources)\n"
    "  -m, --model FILE       model used to check ROME codes (default: search order)\n"
    "  -o, --output FILE      catalogue to write\n"
    "  -v, --verbose          list every record skipped (a terminal shows ten)\n"
    "  -h, --help             this help\n";

static const char TRAININGS_USAGE[] =
    "Usage: jalon trainings --rome CODE [options]\n"
    "\n"
    "Trainings leading to a ROME job, with their sessions, as JSON.\n"
    "      --rome CODE        ROME code (\"J1501\")\n"
    "      --dept CODE        département of the person (\"13\")\n"
    "      --region CODE      INSEE region code (\"93\")\n"
    "      --lat X --lon Y    the person's position\n"
    "      --radius KM        distance accepted from it (default 50)\n"
    "      --after DATE       sessions starting on or after DATE (YYYY-MM-DD)\n"
    "  -n, --max N            trainings to list, 1..50 (default 5)\n"
    "      --catalogue FILE   catalogue (default: $JALON_CATALOGUE, build dir, datadir)\n"
    "  -m, --model FILE       model (default: search order)\n"
    "  -h, --help             this help\n";

#define MAX_SOURCES 64

typedef struct source { const char *kind, *path; } source;

static int add_data_dir(source *src, size_t *n, const char *dir, char **owned, size_t *n_owned) {
  static const struct { const char *kind, *rel; } layout[] = {
      {"certifinfo", "trainings/certifinfo_tjp-pilotage/certif_info.csv"},
      {"formacode", "lheo/FCod-utf-8.csv"},
      {"rco", "trainings/rco_catalogue-apprentissage/catalogue-formations-apprentissage.json"},
      {"lheo", "lheo/exemple-bts-onisep.xml"},
      {"json", "trainings/intercarif_samples/formation.json"},
      {"json", "trainings/intercarif_samples/objectif_general_formation_certifiante.json"},
  };
  for (size_t i = 0; i < sizeof layout / sizeof *layout; i++) {
    size_t len = strlen(dir) + strlen(layout[i].rel) + 2;
    char *p = malloc(len);
    if (!p || *n >= MAX_SOURCES) {
      free(p);
      return -1;
    }
    snprintf(p, len, "%s/%s", dir, layout[i].rel);
    owned[(*n_owned)++] = p;
    src[(*n)++] = (source){layout[i].kind, p};
  }
  return 0;
}

/* Certif Info first, the thesaurus next, then the offers that join them. */
static int rank(const char *kind) {
  static const char *order[] = {"certifinfo", "formacode", "rco", "lheo", "json"};
  for (int i = 0; i < 5; i++)
    if (strcmp(order[i], kind) == 0) return i;
  return 5;
}

static int import_one(jtr_builder *b, const source *s, jalon_error **e) {
  if (strcmp(s->kind, "certifinfo") == 0) return jtr_import_certifinfo(b, s->path, e);
  if (strcmp(s->kind, "formacode") == 0) return jtr_import_formacode(b, s->path, e);
  if (strcmp(s->kind, "rco") == 0) return jtr_import_rco(b, s->path, e);
  if (strcmp(s->kind, "lheo") == 0) return jtr_import_lheo(b, s->path, e);
  return jtr_import_json(b, s->path, e);
}

static int catalogue_build(int argc, char **argv) {
  static const struct option opts[] = {{"certifinfo", required_argument, NULL, 'C'},
                                       {"formacode", required_argument, NULL, 'F'},
                                       {"rco", required_argument, NULL, 'R'},
                                       {"lheo", required_argument, NULL, 'L'},
                                       {"json", required_argument, NULL, 'J'},
                                       {"data", required_argument, NULL, 'D'},
                                       {"rules", required_argument, NULL, 'r'},
                                       {"model", required_argument, NULL, 'm'},
                                       {"output", required_argument, NULL, 'o'},
                                       {"verbose", no_argument, NULL, 'v'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int verbose = 0;
  source src[MAX_SOURCES];
  char *owned[MAX_SOURCES];
  size_t n = 0, n_owned = 0;
  const char *rules = JALON_TRAIN_RULES, *model_path = NULL, *output = NULL;
  int c, status = CLI_USAGE;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":m:o:vh", opts, NULL)) != -1) {
    const char *kind = NULL;
    switch (c) {
    case 'C': kind = "certifinfo"; break;
    case 'F': kind = "formacode"; break;
    case 'R': kind = "rco"; break;
    case 'L': kind = "lheo"; break;
    case 'J': kind = "json"; break;
    case 'D':
      if (add_data_dir(src, &n, optarg, owned, &n_owned)) {
        status = cli_usage("catalogue build", "trop de sources.");
        goto out;
      }
      break;
    case 'r': rules = optarg; break;
    case 'm': model_path = optarg; break;
    case 'o': output = optarg; break;
    case 'v': verbose = 1; break;
    case 'h': fputs(CATALOGUE_USAGE, stdout); status = CLI_OK; goto out;
    default: status = cli_bad_option("catalogue build", c, optopt, argv[optind - 1]); goto out;
    }
    if (kind) {
      if (n >= MAX_SOURCES) {
        status = cli_usage("catalogue build", "trop de sources.");
        goto out;
      }
      src[n++] = (source){kind, optarg};
    }
  }
  if (optind < argc) {
    status = cli_usage("catalogue build", "argument en trop : %s.", argv[optind]);
    goto out;
  }
  if (!output || !n) {
    status = cli_usage("catalogue build", "donnez --output FICHIER et au moins une source (--data DOSSIER).");
    goto out;
  }
  /* Stable order by kind, so the command line order does not change joins. */
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && rank(src[j].kind) < rank(src[j - 1].kind); j--) {
      source t = src[j];
      src[j] = src[j - 1];
      src[j - 1] = t;
    }
  status = CLI_FAIL;
  jalon_model *m = NULL;
  jtr_builder *b = NULL;
  jalon_error *e = NULL;
  if (cli_open_model(&m, model_path) != 0) goto out;
  double t0 = cli_now();
  int rc = jtr_builder_new(&b, m, &e);
  if (!rc) rc = jtr_builder_load_rules(b, rules, &e);
  for (size_t i = 0; i < n && !rc; i++) {
    rc = import_one(b, &src[i], &e);
    if (rc) fprintf(stderr, "jalon : la source %s n'a pas pu être lue.\n", src[i].path);
  }
  if (!rc) rc = jtr_builder_write(b, output, &e);
  if (rc) {
    cli_report("Le catalogue n'a pas pu être construit.", rc, e);
  } else {
    jtr_build_stats st;
    jtr_builder_stats(b, &st);
    fprintf(stderr,
            "catalogue: %zu certifications, %zu sessions, %zu Formacode entries, %zu ROME links "
            "(%zu codes unknown to ROME %s dropped), %zu records skipped, %.2f s -> %s\n",
            st.certs, st.sessions, st.formacodes, st.rome_links, st.rome_unknown, jalon_model_rome_version(m),
            st.rejected, cli_now() - t0, output);
    /* The list of skipped records is for a person reading a terminal (or
     * asking with --verbose); builds and scripts get the count above. */
    size_t show = verbose ? SIZE_MAX : cli_is_tty(stderr) ? 10 : 0;
    const char *msg;
    for (size_t i = 0; i < show && (msg = jtr_builder_rejection(b, i)); i++) fprintf(stderr, "  skipped %s\n", msg);
    if (show && st.rejected > show) fprintf(stderr, "  ... and %zu more\n", st.rejected - show);
    status = CLI_OK;
  }
  jalon_error_free(e);
  jtr_builder_free(b);
  jalon_model_free(m);
out:
  for (size_t i = 0; i < n_owned; i++) free(owned[i]);
  return status;
}

static int catalogue_info(int argc, char **argv) {
  static const struct option opts[] = {{"catalogue", required_argument, NULL, 'c'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *path = NULL;
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
    switch (c) {
    case 'c': path = optarg; break;
    case 'h': fputs(CATALOGUE_USAGE, stdout); return CLI_OK;
    default: return cli_bad_option("catalogue info", c, optopt, argv[optind - 1]);
    }
  }
  jalon_catalogue *cat = NULL;
  if (cli_open_catalogue(&cat, path)) return CLI_FAIL;
  printf("catalogue: %s\nchecksum: %s\ncertifications: %zu\nsessions: %zu\n", jalon_catalogue_path(cat),
         jalon_catalogue_checksum(cat), jalon_catalogue_certification_count(cat),
         jalon_catalogue_session_count(cat));
  jalon_catalogue_free(cat);
  return CLI_OK;
}

int cli_catalogue(int argc, char **argv) {
  if (argc < 2) return cli_usage("catalogue", "précisez « build » ou « info ».");
  const char *sub = argv[1];
  if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
    fputs(CATALOGUE_USAGE, stdout);
    return CLI_OK;
  }
  if (strcmp(sub, "build") == 0) return catalogue_build(argc - 1, argv + 1);
  if (strcmp(sub, "info") == 0) return catalogue_info(argc - 1, argv + 1);
  return cli_usage("catalogue", "« %s » n'est pas une action connue (build ou info).", sub);
}

int cli_open_catalogue(jalon_catalogue **out, const char *path) {
  jalon_error *e = NULL;
  int rc = jalon_catalogue_open(out, path, &e);
  if (rc) cli_report("Le catalogue de formations n'a pas pu être ouvert.", rc, e);
  jalon_error_free(e);
  return rc;
}

int cli_pick_catalogue(jalon_catalogue **out, const char *path, int no_trainings) {
  *out = NULL;
  if (no_trainings) return 0;
  if (path) return cli_open_catalogue(out, path) ? 1 : 0;
  /* Only "nothing found" is silent: a catalogue that is there but broken
   * deserves a report even when nobody asked for it by name. */
  jalon_error *e = NULL;
  int rc = jalon_catalogue_open(out, NULL, &e);
  if (rc && rc != JALON_ENOTFOUND) cli_report("Le catalogue de formations n'a pas pu être ouvert.", rc, e);
  jalon_error_free(e);
  return rc && rc != JALON_ENOTFOUND ? 1 : 0;
}

int cli_place_option(int c, const char *arg, cli_place *p) {
  double v = 0;
  char *end = NULL;
  switch (c) {
  case CLI_OPT_DEPT: p->place.department = arg; p->given = 1; return 0;
  case CLI_OPT_REGION: p->place.region = arg; p->given = 1; return 0;
  case CLI_OPT_AFTER: p->after = arg; return 0;
  default: break;
  }
  v = strtod(arg, &end);
  if (!end || *end || end == arg) return -1;
  if (c == CLI_OPT_LAT && v >= -90 && v <= 90) p->place.lat = v, p->has_lat = 1;
  else if (c == CLI_OPT_LON && v >= -180 && v <= 180) p->place.lon = v, p->has_lon = 1;
  else if (c == CLI_OPT_RADIUS && v > 0 && v <= 20000) p->place.radius_km = v;
  else return -1;
  p->given = 1;
  p->place.has_coords = p->has_lat && p->has_lon;
  return 0;
}

int cli_trainings(int argc, char **argv) {
  static const struct option opts[] = {{"rome", required_argument, NULL, 'r'},
                                       {"dept", required_argument, NULL, CLI_OPT_DEPT},
                                       {"region", required_argument, NULL, CLI_OPT_REGION},
                                       {"lat", required_argument, NULL, CLI_OPT_LAT},
                                       {"lon", required_argument, NULL, CLI_OPT_LON},
                                       {"radius", required_argument, NULL, CLI_OPT_RADIUS},
                                       {"after", required_argument, NULL, CLI_OPT_AFTER},
                                       {"max", required_argument, NULL, 'n'},
                                       {"catalogue", required_argument, NULL, 'c'},
                                       {"model", required_argument, NULL, 'm'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *cat_path = NULL, *model_path = NULL;
  char rome[16] = "";
  unsigned max = 0;
  cli_place pl;
  memset(&pl, 0, sizeof pl);
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":n:m:h", opts, NULL)) != -1) {
    switch (c) {
    case 'r': snprintf(rome, sizeof rome, "%s", optarg); cli_upcase(rome); break;
    case 'n':
      if (cli_parse_uint(optarg, 1, JALON_MAX_TRAININGS, &max))
        return cli_usage("trainings", "--max attend un nombre entre 1 et %u.", JALON_MAX_TRAININGS);
      break;
    case 'c': cat_path = optarg; break;
    case 'm': model_path = optarg; break;
    case 'h': fputs(TRAININGS_USAGE, stdout); return CLI_OK;
    case CLI_OPT_DEPT: case CLI_OPT_REGION: case CLI_OPT_LAT: case CLI_OPT_LON: case CLI_OPT_RADIUS:
    case CLI_OPT_AFTER:
      if (cli_place_option(c, optarg, &pl)) return cli_usage("trainings", "valeur invalide : %s.", optarg);
      break;
    default: return cli_bad_option("trainings", c, optopt, argv[optind - 1]);
    }
  }
  if (optind < argc) return cli_usage("trainings", "argument en trop : %s.", argv[optind]);
  if (!rome[0]) return cli_usage("trainings", "donnez le code métier avec --rome, par exemple J1501.");
  if (pl.has_lat != pl.has_lon) return cli_usage("trainings", "--lat et --lon vont ensemble.");
  jalon_model *m = NULL;
  jalon_catalogue *cat = NULL;
  int status = CLI_FAIL;
  if (cli_open_model(&m, model_path) || cli_open_catalogue(&cat, cat_path)) goto out;
  char *json = NULL;
  jalon_error *e = NULL;
  int rc = jalon_catalogue_lookup_json(&json, cat, m, rome, pl.given ? &pl.place : NULL, pl.after, max, &e);
  if (rc == JALON_ENOTFOUND || rc == JALON_EINVAL) {
    status = cli_usage("trainings", "%s", jalon_error_message(e));
  } else if (rc) {
    cli_report("La recherche de formations a échoué.", rc, e);
  } else {
    puts(json);
    status = CLI_OK;
  }
  jalon_free(json);
  jalon_error_free(e);
out:
  jalon_catalogue_free(cat);
  jalon_model_free(m);
  return status;
}
