/* `jalon diagnose`: one text (arguments or stdin) to a plain-French summary of
 * the nearest ROME jobs, or to the response JSON; `--batch` hands off to cli_batch.c. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char USAGE[] =
    "Usage: jalon diagnose [options] [TEXT...]\n"
    "       jalon diagnose --batch [--jobs N] [--model FILE] < requests.jsonl > responses.jsonl\n"
    "\n"
    "Reads a job seeker's text (the arguments joined by spaces, or stdin when\n"
    "there are none) and ranks the nearest ROME jobs.\n"
    "\n"
    "Options:\n"
    "  -m, --model FILE    compiled model (default: $JALON_MODEL, build dir, datadir)\n"
    "  -t, --title TEXT    job title typed apart from the text (a strong signal)\n"
    "      --target CODE   ROME code the person aims at; the summary says where it ranks\n"
    "  -n, --max-jobs N    number of jobs to list, 1..50 (default 10)\n"
    "  -j, --json          print the response JSON (indented on a terminal)\n"
    "  -b, --batch         JSON requests on stdin, one per line; one JSON response\n"
    "                      per line on stdout, same order; bad lines give error objects\n"
    "      --jobs N        worker threads for --batch (default: number of CPUs)\n"
    "\n"
    "Trainings (when a catalogue is found: --catalogue, $JALON_CATALOGUE, build\n"
    "dir, datadir):\n"
    "      --catalogue FILE  training catalogue (jalon catalogue build)\n"
    "      --no-trainings    do not recommend trainings\n"
    "      --dept CODE       the person's département (\"31\"), for nearby sessions\n"
    "      --region CODE     INSEE region code (\"76\")\n"
    "      --lat X --lon Y   the person's position; --radius KM (default 50)\n"
    "      --after DATE      sessions starting on or after DATE (YYYY-MM-DD)\n"
    "      --max-trainings N trainings to list, 1..50 (default 5)\n"
    "  -h, --help          show this help\n"
    "\n"
    "Exit status: 0 ok, 1 runtime error, 2 usage error. --batch exits 0 even when\n"
    "some lines are bad: their error objects say why.\n";

enum { OPT_TARGET = 256, OPT_JOBS, OPT_NO_TRAININGS };

/* Writes a piece of the person's text on one line: control characters (a
 * newline inside an evidence span) would break the layout. */
static void put_clean(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    putchar(c < 0x20 || c == 0x7f ? ' ' : c);
  }
}

static void put_bar(double score) {
  int cells = (int)(score * 10.0 + 0.5);
  if (cells < 0) cells = 0;
  if (cells > 10) cells = 10;
  for (int i = 0; i < 10; i++) fputs(i < cells ? "\u2588" : "\u2591", stdout);
}

/* The words of the text that led to job i, each once, in text order. */
static void put_evidence(const jalon_result *r, size_t i, const char *text, size_t len) {
  size_t n = jalon_result_job_evidence_count(r, i);
  size_t shown_start[JALON_MAX_EVIDENCE], shown_len[JALON_MAX_EVIDENCE];
  size_t shown = 0;
  for (size_t k = 0; k < n && shown < JALON_MAX_EVIDENCE; k++) {
    size_t s = 0, e = 0;
    if (jalon_result_job_evidence(r, i, k, &s, &e) != 0 || s >= e || e > len) continue;
    int dup = 0;
    for (size_t j = 0; j < shown && !dup; j++)
      dup = shown_len[j] == e - s && memcmp(text + shown_start[j], text + s, e - s) == 0;
    if (dup) continue;
    fputs(shown ? ", « " : "    Mots trouvés : « ", stdout);
    put_clean(text + s, e - s);
    fputs(" »", stdout);
    shown_start[shown] = s;
    shown_len[shown] = e - s;
    shown++;
  }
  if (shown) putchar('\n');
}

/* "6 ans", "1 an et 6 mois", "8 mois": durations as people say them. */
static void put_duration(unsigned months) {
  unsigned y = months / 12, m = months % 12;
  if (y) printf("%u an%s", y, y > 1 ? "s" : "");
  if (y && m) fputs(" et ", stdout);
  if (m || !y) printf("%u mois", m);
}

/* What the text says about job i: held, wanted, or no longer wanted. */
static void put_role(const jalon_result *r, size_t i) {
  unsigned months = jalon_result_job_months(r, i);
  switch (jalon_result_job_role(r, i)) {
  case JALON_ROLE_EXPERIENCE:
    fputs("    Vous l'avez déjà fait", stdout);
    if (months) {
      fputs(" (", stdout);
      put_duration(months);
      putchar(')');
    }
    puts(".");
    break;
  case JALON_ROLE_ASPIRATION: puts("    Vous aimeriez faire ce métier."); break;
  case JALON_ROLE_EXCLUDED: puts("    Vous ne voulez plus faire ce métier."); break;
  default: break;
  }
}

/* Misspelt words the engine read as other words, so people can check them. */
static void put_corrections(const jalon_result *r, const char *text, size_t len) {
  size_t n = jalon_result_correction_count(r), shown = 0;
  for (size_t k = 0; k < n; k++) {
    size_t s = 0, e = 0;
    const char *to = NULL;
    if (jalon_result_correction(r, k, &s, &e, &to) != 0 || !to || s >= e || e > len) continue;
    fputs(shown++ ? ", « " : "Mots corrigés : « ", stdout);
    put_clean(text + s, e - s);
    printf(" » lu comme « %s »", to);
  }
  if (shown) puts(".\n");
}

/* The gap towards the target job, in a few lines a person can act on. */
static void put_gap(const jalon_model *m, const jalon_result *r) {
  const char *target = jalon_result_gap_target(r);
  if (!target) return;
  long f = jalon_model_find_fiche(m, target);
  const char *label = f >= 0 ? jalon_model_fiche_label(m, (size_t)f) : "";
  int pct = (int)((1.0 - jalon_result_gap_score(r)) * 100.0 + 0.5);
  printf("\nPour devenir %s (%s) : vous avez déjà environ %d %% des compétences.\n", label, target, pct);
  size_t nh = jalon_result_gap_count(r, 1), nm = jalon_result_gap_count(r, 0);
  for (int held = 1; held >= 0; held--) {
    size_t n = held ? nh : nm;
    if (!n) continue;
    puts(held ? "    Ce que vous savez déjà faire :" : "    Ce qu'il vous reste à apprendre (le plus important d'abord) :");
    for (size_t i = 0; i < n && i < 6; i++) {
      const char *l = NULL;
      int core = 0;
      if (jalon_result_gap_item(r, held, i, NULL, &l, NULL, &core) == 0)
        printf("      - %s%s\n", l, core ? " (essentiel)" : "");
    }
    if (n > 6) printf("      … et %zu autres.\n", n - 6);
  }
}

/* The seven CléA domains: what seems acquired, what to work on first. */
static void put_clea(const jalon_result *r) {
  if (jalon_result_clea_status(r, 1) < 0) return;
  int any = 0;
  for (int pass = 0; pass < 2; pass++) {
    int want = pass == 0 ? JALON_CLEA_TO_DEVELOP : JALON_CLEA_ACQUIRED;
    int shown = 0;
    for (int d = 1; d <= 7; d++) {
      if (jalon_result_clea_status(r, d) != want) continue;
      if (!shown++) puts(pass == 0 ? "\nCompétences de base à travailler (CléA) :" : "\nCompétences de base déjà là (CléA) :");
      printf("    - %s\n", jalon_result_clea_label(r, d));
      any = 1;
    }
  }
  if (!any) puts("\nCompétences de base (CléA) : rien de sûr dans le texte.");
}

/* Trainings: what, why, and where and when when the catalogue says. */
static void put_trainings(const jalon_result *r) {
  size_t n = jalon_result_training_count(r);
  if (!n) return;
  puts("\nFormations possibles :");
  for (size_t i = 0; i < n; i++) {
    const char *reason = jalon_result_training_reason(r, i);
    const char *why = strcmp(reason, "target") == 0 ? "mène au métier visé"
                      : strcmp(reason, "gap") == 0  ? "couvre des compétences qui manquent"
                                                    : "compétences de base";
    printf("    %zu. %s (%s)\n", i + 1, jalon_result_training_title(r, i), why);
    size_t ns = jalon_result_training_session_count(r, i);
    if (!ns) puts("       Pas de session connue dans le catalogue.");
    for (size_t k = 0; k < ns; k++) {
      const char *org = NULL, *city = NULL, *dept = NULL;
      unsigned start = 0;
      int distance = -1;
      double km = -1;
      if (jalon_result_training_session(r, i, k, &org, &city, &dept, &start, NULL, &distance, &km)) continue;
      printf("       - %s%s%s", city ? city : "lieu non précisé", dept ? " (" : "", dept ? dept : "");
      if (dept) putchar(')');
      if (start) printf(", début %02u/%04u", start / 100 % 100, start / 10000);
      if (distance == 1) fputs(", à distance", stdout);
      if (km >= 0) printf(", à %.0f km", km);
      if (org) printf(", %s", org);
      putchar('\n');
    }
  }
}

static void put_summary(const jalon_model *m, const jalon_result *r, const char *text,
                        size_t len, const char *target, int tty) {
  size_t n = jalon_result_job_count(r);
  put_corrections(r, text, len);
  if (jalon_result_abstain(r)) {
    puts("Le texte ne suffit pas pour trouver un métier avec assez de sûreté.");
    puts("Donnez le nom d'un métier, ou dites ce que vous avez fait au travail.");
    if (n) puts("\nPistes possibles :");
  } else if (n == 0) {
    puts("Aucun métier trouvé. Essayez avec le nom d'un métier.");
  } else {
    puts("Métiers proches de votre texte :");
  }
  for (size_t i = 0; i < n; i++) {
    const char *code = jalon_result_job_code(r, i);
    const char *label = jalon_result_job_label(r, i);
    const char *appel = jalon_result_job_appellation(r, i);
    double score = jalon_result_job_score(r, i);
    int pct = (int)(score * 100.0 + 0.5);
    printf("\n%2zu. %s  %s\n", i + 1, code ? code : "?", label ? label : "");
    printf("    Correspondance : %d %%", pct < 0 ? 0 : pct > 100 ? 100 : pct);
    /* Bars only on a terminal: piped output stays plain text. */
    if (tty) {
      fputs("  ", stdout);
      put_bar(score);
    }
    putchar('\n');
    if (appel && *appel) printf("    Métier reconnu : %s\n", appel);
    put_role(r, i);
    put_evidence(r, i, text, len);
  }
  if (target) {
    size_t rank = 0;
    for (size_t i = 0; i < n && !rank; i++) {
      const char *code = jalon_result_job_code(r, i);
      if (code && strcmp(code, target) == 0) rank = i + 1;
    }
    long f = jalon_model_find_fiche(m, target);
    const char *label = f >= 0 ? jalon_model_fiche_label(m, (size_t)f) : NULL;
    printf("\nMétier visé : %s  %s\n", target, label ? label : "");
    if (rank == 1)
      puts("    C'est le métier le plus proche de votre texte.");
    else if (rank)
      printf("    Il arrive en position %zu sur %zu.\n", rank, n);
    else
      printf("    Il n'est pas dans les %zu métiers trouvés.\n", n);
  }
  put_gap(m, r);
  put_clea(r);
  put_trainings(r);
}

/* Joins the text arguments with single spaces. */
static int join_args(cli_buf *b, int argc, char **argv) {
  for (int i = 0; i < argc; i++) {
    if (i && cli_buf_append(b, " ", 1)) return -1;
    if (cli_buf_append(b, argv[i], strlen(argv[i]))) return -1;
  }
  return cli_buf_reserve(b, 1); /* a NUL even when there is no argument */
}

int cli_diagnose(int argc, char **argv) {
  static const struct option opts[] = {
      {"model", required_argument, NULL, 'm'},   {"title", required_argument, NULL, 't'},
      {"target", required_argument, NULL, OPT_TARGET},
      {"max-jobs", required_argument, NULL, 'n'}, {"json", no_argument, NULL, 'j'},
      {"batch", no_argument, NULL, 'b'},         {"jobs", required_argument, NULL, OPT_JOBS},
      {"catalogue", required_argument, NULL, CLI_OPT_CATALOGUE},
      {"no-trainings", no_argument, NULL, OPT_NO_TRAININGS},
      {"dept", required_argument, NULL, CLI_OPT_DEPT},  {"region", required_argument, NULL, CLI_OPT_REGION},
      {"lat", required_argument, NULL, CLI_OPT_LAT},    {"lon", required_argument, NULL, CLI_OPT_LON},
      {"radius", required_argument, NULL, CLI_OPT_RADIUS}, {"after", required_argument, NULL, CLI_OPT_AFTER},
      {"max-trainings", required_argument, NULL, CLI_OPT_MAX_TRAININGS},
      {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
  const char *catalogue_path = NULL;
  int no_trainings = 0;
  unsigned max_trainings = 0;
  cli_place pl;
  memset(&pl, 0, sizeof pl);
  const char *model_path = NULL, *title = NULL;
  char *target = NULL;
  unsigned max_jobs = 0, jobs = 0;
  int json = 0, batch = 0, c;
  int status = CLI_FAIL;

  opterr = 0;
  while ((c = getopt_long(argc, argv, ":m:t:n:jbh", opts, NULL)) != -1) {
    switch (c) {
    case 'm': model_path = optarg; break;
    case 't': title = optarg; break;
    case OPT_TARGET: target = optarg; break;
    case 'n':
      if (cli_parse_uint(optarg, 1, JALON_MAX_JOBS, &max_jobs))
        return cli_usage("diagnose", "--max-jobs attend un nombre entre 1 et %u.",
                         JALON_MAX_JOBS);
      break;
    case 'j': json = 1; break;
    case 'b': batch = 1; break;
    case OPT_JOBS:
      if (cli_parse_uint(optarg, 1, 1024, &jobs))
        return cli_usage("diagnose", "--jobs attend un nombre entre 1 et 1024.");
      break;
    case CLI_OPT_CATALOGUE: catalogue_path = optarg; break;
    case OPT_NO_TRAININGS: no_trainings = 1; break;
    case CLI_OPT_MAX_TRAININGS:
      if (cli_parse_uint(optarg, 1, JALON_MAX_TRAININGS, &max_trainings))
        return cli_usage("diagnose", "--max-trainings attend un nombre entre 1 et %u.", JALON_MAX_TRAININGS);
      break;
    case CLI_OPT_DEPT: case CLI_OPT_REGION: case CLI_OPT_LAT: case CLI_OPT_LON: case CLI_OPT_RADIUS:
    case CLI_OPT_AFTER:
      if (cli_place_option(c, optarg, &pl)) return cli_usage("diagnose", "valeur invalide : %s.", optarg);
      break;
    case 'h': fputs(USAGE, stdout); return CLI_OK;
    default: return cli_bad_option("diagnose", c, optopt, argv[optind - 1]);
    }
  }

  if (batch) {
    /* Requests carry their own title, target and limits. */
    if (optind < argc) return cli_usage("diagnose", "--batch lit les demandes sur l'entrée standard, pas dans les arguments.");
    if (title || target || max_jobs || pl.given || pl.after || max_trainings)
      return cli_usage("diagnose", "avec --batch, le titre, la cible, le lieu et les limites se donnent dans chaque demande JSON.");
    return cli_batch(model_path, catalogue_path, no_trainings, jobs ? jobs : cli_default_jobs());
  }
  if (jobs) return cli_usage("diagnose", "--jobs ne sert qu'avec --batch.");
  if (pl.has_lat != pl.has_lon) return cli_usage("diagnose", "--lat et --lon vont ensemble.");
  jalon_catalogue *cat = NULL;

  cli_buf text = {0};
  jalon_model *m = NULL;
  jalon_workspace *ws = NULL;
  jalon_result *r = NULL;
  jalon_error *e = NULL;
  char *out = NULL;
  char target_code[16];

  if (target) {
    size_t tl = strlen(target);
    if (tl == 0 || tl >= sizeof target_code)
      return cli_usage("diagnose", "le code métier « %s » n'est pas un code ROME.", target);
    memcpy(target_code, target, tl + 1);
    cli_upcase(target_code);
    target = target_code;
  }

  if (optind < argc) {
    if (join_args(&text, argc - optind, argv + optind)) goto nomem;
  } else {
    if (isatty(STDIN_FILENO))
      fputs("Écrivez votre texte, puis appuyez sur Entrée et Ctrl-D.\n", stderr);
    cli_reader *rd = malloc(sizeof *rd);
    if (!rd) goto nomem;
    cli_reader_init(rd, STDIN_FILENO);
    int truncated = 0;
    /* One byte over the limit is enough to know the text is too long. */
    int rc = cli_read_all(rd, &text, JALON_MAX_TEXT_BYTES + 1, &truncated);
    free(rd);
    if (rc < 0) {
      cli_fail("Impossible de lire le texte.", "read from stdin failed: %s", strerror(errno));
      goto out;
    }
  }
  if (text.len == 0) {
    cli_fail("Aucun texte reçu. Écrivez un texte après « jalon diagnose », "
             "ou envoyez-le sur l'entrée standard.",
             "no text in the arguments nor on stdin");
    goto out;
  }
  if (text.len > JALON_MAX_TEXT_BYTES) {
    /* Checked here rather than by the library because a text cut at the
     * read limit may end inside a character and be reported as bad UTF-8. */
    cli_fail("Le texte est trop long.", "text exceeds JALON_MAX_TEXT_BYTES (%u bytes)",
             JALON_MAX_TEXT_BYTES);
    goto out;
  }

  if (cli_open_model(&m, model_path) != 0) goto out;
  if (target && jalon_model_find_fiche(m, target) < 0) {
    status = cli_usage("diagnose", "le code métier « %s » n'existe pas dans le ROME de ce modèle.",
                       target);
    goto out;
  }
  if (cli_pick_catalogue(&cat, catalogue_path, no_trainings)) goto out;
  int rc = jalon_workspace_new(&ws, m, &e);
  if (rc == 0) rc = jalon_workspace_set_catalogue(ws, cat);
  if (rc != 0) {
    cli_report("Le traitement n'a pas pu démarrer.", rc, e);
    goto out;
  }
  jalon_diagnose_options o = JALON_DIAGNOSE_OPTIONS_INIT;
  if (title) {
    o.title = title;
    o.title_len = strlen(title);
  }
  o.max_jobs = max_jobs;
#if JALON_DIAGNOSE_OPTIONS_VERSION >= 2
  /* The library reads the gap towards the target (in the JSON); the summary
   * below also says where the target ranks. Guarded so the tool still builds
   * against a version-1 header. */
  o.target = target;
#endif
  o.target = target;
  if (pl.given) o.place = &pl.place;
  o.after = pl.after;
  o.max_trainings = max_trainings;
  rc = jalon_diagnose(&r, ws, text.data, text.len, &o, &e);
  if (rc != 0) {
    cli_report(NULL, rc, e);
    goto out;
  }

  if (json) {
    rc = jalon_result_to_json(&out, r, isatty(STDOUT_FILENO), &e);
    if (rc != 0) {
      cli_report("La réponse n'a pas pu être écrite.", rc, e);
      goto out;
    }
    fputs(out, stdout);
    if (!*out || out[strlen(out) - 1] != '\n') putchar('\n');
  } else {
    put_summary(m, r, text.data, text.len, target, isatty(STDOUT_FILENO));
  }
  if (fflush(stdout) != 0 || ferror(stdout)) {
    cli_fail("Impossible d'écrire la réponse.", "write to stdout failed");
    goto out;
  }
  status = CLI_OK;
  goto out;

nomem:
  cli_report(NULL, JALON_ENOMEM, NULL);
out:
  jalon_free(out);
  jalon_result_free(r);
  jalon_workspace_free(ws);
  jalon_catalogue_free(cat);
  jalon_model_free(m);
  jalon_error_free(e);
  cli_buf_free(&text);
  return status;
}
