/* `jalon eval`: runs the diagnosis on labelled lines {"id","text","rome"[,"title"]}
 * and prints ranking accuracy at fiche, parent, domain and grand-domain level. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/json.h"
#include "cli.h"

/* The report is for researchers, so it is in English like the rest of the
 * developer-facing output; errors that stop the run stay in French first. */
static const char USAGE[] =
    "Usage: jalon eval --data FILE.jsonl [--model FILE] [--json] [--jobs N] [--errors FILE]\n"
    "\n"
    "Each line of FILE is {\"id\": ..., \"text\": \"...\", \"rome\": \"D1214\"} with an\n"
    "optional \"title\". Every line is diagnosed (10 jobs, with the title when\n"
    "present) and the gold code is looked for in the ranking.\n"
    "\n"
    "Prints: n, top-1/3/5/10 accuracy, MRR@10, parent-fiche top-1/5, domaine\n"
    "professionnel (3 characters) top-1/5, grand domaine (1 character) top-1,\n"
    "abstention rate, gold codes unknown to the model, and a breakdown by grand\n"
    "domaine. Bad lines are reported on stderr and skipped.\n"
    "\n"
    "Options:\n"
    "  -d, --data FILE     labelled JSONL file (- for stdin)\n"
    "  -m, --model FILE    compiled model (default: $JALON_MODEL, build dir, datadir)\n"
    "  -j, --json          print the figures as one JSON object (keys n, top1, top3,\n"
    "                      top5, top10, mrr10, parent_top1, parent_top5, dp_top1,\n"
    "                      dp_top5, gd_top1, abstain_rate, unknown_gold, skipped,\n"
    "                      by_grand_domaine)\n"
    "      --jobs N        worker threads (default: number of CPUs); the figures\n"
    "                      do not depend on it\n"
    "  -e, --errors FILE   write top-1 misses as JSONL (line, id, gold, rank,\n"
    "                      predicted top 3, abstain)\n"
    "  -h, --help          show this help\n";

enum { OPT_JOBS = 256 };
enum { EVAL_K = 10, CODE_MAX = 16, REASON_MAX = 200 };
enum { EV_OK, EV_BLANK, EV_SKIP, EV_FATAL };

/* What a worker learnt from one line; one malloc block (see cli_item). The
 * JSON text of the line's id is kept in cli_item.out for the errors file. */
typedef struct eval_out {
  int kind;
  int status;      /* JALON_E* for EV_SKIP from the library and EV_FATAL */
  char reason[REASON_MAX]; /* English, for the skip warning */
  char gold[CODE_MAX];
  size_t n_pred;
  char pred[EVAL_K][CODE_MAX];
  char pred_parent[EVAL_K][CODE_MAX];
  int abstain;
  int has_rome;          /* the line has a "rome" label */
  int has_roles;         /* the line has experience / aspiration / excluded labels */
  unsigned role_tot[4], role_hit[4]; /* by jalon_role: labels, labels in the role's top 3 */
  unsigned excluded_wished; /* excluded jobs also proposed as aspirations */
  int has_clea;          /* the line has "to_develop" / "acquired" CléA labels */
  /* CléA counts: [0] all evidence, [1] text evidence only */
  unsigned dev_tp[2], dev_pred[2], dev_gold, acq_tp[2], acq_pred[2], acq_gold;
} eval_out;

typedef struct counts {
  uint64_t n, top1, top5;
} counts;

typedef struct eval_ctx {
  const jalon_model *model;
  const char *data_name;
  FILE *errors;
  uint64_t n, top1, top3, top5, top10, parent1, parent5, dp1, dp5, gd1, abstain, unknown;
  uint64_t skipped;
  double rr; /* sum of reciprocal ranks within the top 10 */
  uint64_t role_lines, role_tot[4], role_hit[4], excluded_wished;
  uint64_t clea_lines, dev_tp[2], dev_pred[2], dev_gold, acq_tp[2], acq_pred[2], acq_gold;
  counts by_gd[27]; /* A..Z, then anything else */
  int progress;     /* stderr is a terminal: show lines done */
  uint64_t lines;
  double last_shown;
  int fatal_status;
  uint64_t fatal_line;
  char fatal_reason[REASON_MAX];
} eval_ctx;

static void copy_code(char dst[CODE_MAX], const char *src) {
  snprintf(dst, CODE_MAX, "%s", src ? src : "");
}

static int is_blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') return 0;
  return 1;
}

static void skip(eval_out *o, const char *reason) {
  o->kind = EV_SKIP;
  snprintf(o->reason, sizeof o->reason, "%s", reason);
}

/* Input-side refusals skip the line; anything else (memory, ICU) would hit
 * every line, so it stops the run. */
static int is_input_error(int status) {
  return status == JALON_EUTF8 || status == JALON_ETOOBIG || status == JALON_EEMPTY ||
         status == JALON_EINVAL;
}

/* Parent fiche of a code, read from the model for gold and predicted codes
 * alike so both sides roll up the same way. A code the model does not know
 * (an old or mistyped gold label) is its own parent: it can still meet a
 * prediction written the same way, never an empty string. */
static const char *parent_of(const jalon_model *m, const char *code) {
  long f = jalon_model_find_fiche(m, code);
  const char *p = f >= 0 ? jalon_model_fiche_parent(m, (size_t)f) : NULL;
  return p && *p ? p : code;
}

static const char *const role_keys[4] = {NULL, "experience", "aspiration", "excluded"};

static size_t role_rank(const jalon_result *r, int role, const char *code) {
  for (size_t i = 0; i < jalon_result_role_count(r, role); i++)
    if (strcmp(jalon_result_role_code(r, role, i), code) == 0) return i + 1;
  return 0;
}

/* Role labels of self-description sets: each expected code must be in the
 * top 3 of its role list; an excluded job must never be an aspiration. */
static void eval_roles(const cJSON *doc, const jalon_result *r, eval_out *o) {
  for (int role = JALON_ROLE_EXPERIENCE; role <= JALON_ROLE_EXCLUDED; role++) {
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, role_keys[role]), *c;
    if (!cJSON_IsArray(arr)) continue;
    o->has_roles = 1;
    cJSON_ArrayForEach(c, arr) {
      if (!cJSON_IsString(c)) continue;
      char code[CODE_MAX];
      copy_code(code, c->valuestring);
      cli_upcase(code);
      size_t k = role_rank(r, role, code);
      o->role_tot[role]++;
      o->role_hit[role] += k >= 1 && k <= 3;
    }
  }
  for (size_t i = 0; i < jalon_result_role_count(r, JALON_ROLE_EXCLUDED); i++)
    o->excluded_wished += role_rank(r, JALON_ROLE_ASPIRATION, jalon_result_role_code(r, JALON_ROLE_EXCLUDED, i)) > 0;
}

/* CléA labels {"to_develop":[1,3],"acquired":[2]}: domain statuses an
 * adviser reads in the text. Precision and recall per status, with all the
 * evidence and with the text's evidence only (jobs held also imply domains
 * the text does not state). */
static int in_list(const cJSON *arr, int d) {
  const cJSON *c;
  cJSON_ArrayForEach(c, arr) if (cJSON_IsNumber(c) && (int)c->valuedouble == d) return 1;
  return 0;
}

static void eval_clea(const cJSON *doc, const jalon_result *r, eval_out *o) {
  const cJSON *dev = cJSON_GetObjectItemCaseSensitive(doc, "to_develop");
  const cJSON *acq = cJSON_GetObjectItemCaseSensitive(doc, "acquired");
  if (!cJSON_IsArray(dev) && !cJSON_IsArray(acq)) return;
  if (jalon_result_clea_status(r, 1) < 0) return;
  o->has_clea = 1;
  for (int d = 1; d <= 7; d++) {
    int st = jalon_result_clea_status(r, d), text = jalon_result_clea_from_text(r, d);
    int gd = in_list(dev, d), ga = in_list(acq, d);
    o->dev_gold += gd;
    o->acq_gold += ga;
    for (int v = 0; v < 2; v++) {
      int counted = v == 0 || text;
      int pd = counted && st == JALON_CLEA_TO_DEVELOP, pa = counted && st == JALON_CLEA_ACQUIRED;
      o->dev_pred[v] += pd;
      o->dev_tp[v] += pd && gd;
      o->acq_pred[v] += pa;
      o->acq_tp[v] += pa && ga;
    }
  }
}

static void eval_line(const eval_ctx *ctx, jalon_workspace *ws, cli_item *it, eval_out *o) {
  if (it->too_long) {
    snprintf(o->reason, sizeof o->reason, "line longer than %u bytes", CLI_MAX_LINE_BYTES);
    o->kind = EV_SKIP;
    return;
  }
  if (is_blank(it->line.data, it->line.len)) {
    o->kind = EV_BLANK;
    return;
  }
  /* The library's parser: bounded, NUL-safe, and serialised around cJSON's
   * process-wide error record, which worker threads would otherwise race on. */
  cJSON *doc = NULL;
  if (jj_parse_json(&doc, it->line.data, it->line.len, NULL) != 0) doc = NULL;
  if (!cJSON_IsObject(doc)) {
    skip(o, "not a JSON object");
    cJSON_Delete(doc);
    return;
  }
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "id");
  const cJSON *text = cJSON_GetObjectItemCaseSensitive(doc, "text");
  const cJSON *rome = cJSON_GetObjectItemCaseSensitive(doc, "rome");
  const cJSON *title = cJSON_GetObjectItemCaseSensitive(doc, "title");
  jalon_result *r = NULL;
  jalon_error *e = NULL;

  char *id_json = id ? cJSON_PrintUnformatted(id) : NULL;
  it->out.len = 0;
  if (cli_buf_append(&it->out, id_json ? id_json : "null", strlen(id_json ? id_json : "null")))
    it->out.len = 0;
  cJSON_free(id_json);

  if (!cJSON_IsString(text)) {
    skip(o, "\"text\" missing or not a string");
    goto out;
  }
  int roles_only = !rome && (cJSON_GetObjectItemCaseSensitive(doc, "experience") ||
                              cJSON_GetObjectItemCaseSensitive(doc, "to_develop") ||
                              cJSON_GetObjectItemCaseSensitive(doc, "acquired") ||
                              cJSON_GetObjectItemCaseSensitive(doc, "aspiration") ||
                              cJSON_GetObjectItemCaseSensitive(doc, "excluded"));
  if (!roles_only && (!cJSON_IsString(rome) || !rome->valuestring[0])) {
    skip(o, "\"rome\" missing, empty or not a string");
    goto out;
  }
  if (title && !cJSON_IsString(title) && !cJSON_IsNull(title)) {
    skip(o, "\"title\" is not a string");
    goto out;
  }
  const char *g = roles_only ? "-" : rome->valuestring;
  o->has_rome = !roles_only;
  while (*g == ' ') g++;
  size_t glen = strlen(g);
  while (glen && g[glen - 1] == ' ') glen--;
  if (glen == 0 || glen >= CODE_MAX) {
    skip(o, "\"rome\" is not a ROME code");
    goto out;
  }
  memcpy(o->gold, g, glen);
  o->gold[glen] = '\0';
  cli_upcase(o->gold); /* labels are sometimes written "d1214" */

  jalon_diagnose_options opts = JALON_DIAGNOSE_OPTIONS_INIT;
  opts.max_jobs = EVAL_K;
  if (title && cJSON_IsString(title) && title->valuestring[0]) {
    opts.title = title->valuestring;
    opts.title_len = strlen(title->valuestring);
  }
  int rc = jalon_diagnose(&r, ws, text->valuestring, strlen(text->valuestring), &opts, &e);
  if (rc != 0) {
    o->kind = is_input_error(rc) ? EV_SKIP : EV_FATAL;
    o->status = rc;
    snprintf(o->reason, sizeof o->reason, "%s",
             e && jalon_error_message(e) ? jalon_error_message(e) : jalon_strerror(rc));
    goto out;
  }
  size_t n = jalon_result_job_count(r);
  if (n > EVAL_K) n = EVAL_K;
  for (size_t i = 0; i < n; i++) {
    copy_code(o->pred[i], jalon_result_job_code(r, i));
    copy_code(o->pred_parent[i], parent_of(ctx->model, o->pred[i]));
  }
  o->n_pred = n;
  o->abstain = jalon_result_abstain(r) != 0;
  eval_roles(doc, r, o);
  eval_clea(doc, r, o);
  o->kind = EV_OK;
out:
  jalon_result_free(r);
  jalon_error_free(e);
  cJSON_Delete(doc);
}

static void eval_work(void *ud, jalon_workspace *ws, cli_item *it) {
  eval_out *o = calloc(1, sizeof *o);
  it->result = o;
  if (!o) return; /* the sink reports it */
  eval_line(ud, ws, it, o);
}

/* JSON string for the errors file (ids are already JSON text). */
static void put_json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

static int write_miss(eval_ctx *c, const cli_item *it, const eval_out *o, size_t rank) {
  FILE *f = c->errors;
  fprintf(f, "{\"line\":%" PRIu64 ",\"id\":%s,\"gold\":", it->line_no,
          it->out.len ? it->out.data : "null");
  put_json_string(f, o->gold);
  if (rank)
    fprintf(f, ",\"rank\":%zu,\"predicted\":[", rank);
  else
    fputs(",\"rank\":null,\"predicted\":[", f);
  for (size_t i = 0; i < o->n_pred && i < 3; i++) {
    if (i) fputc(',', f);
    put_json_string(f, o->pred[i]);
  }
  fprintf(f, "],\"abstain\":%s}\n", o->abstain ? "true" : "false");
  return ferror(f) ? 1 : 0;
}

static int same_prefix(const char *a, const char *b, size_t n) {
  return strlen(a) >= n && strlen(b) >= n && strncmp(a, b, n) == 0;
}

static int eval_sink(void *ud, cli_item *it) {
  eval_ctx *c = ud;
  eval_out *o = it->result;
  if (!o) {
    c->fatal_status = JALON_ENOMEM;
    snprintf(c->fatal_reason, sizeof c->fatal_reason, "out of memory");
    return 2;
  }
  int rc = 0;
  c->lines++;
  if (c->progress) {
    double now = cli_now();
    if (now - c->last_shown >= 0.25) {
      c->last_shown = now;
      fprintf(stderr, "\r\033[K%" PRIu64 " lines", c->lines);
      fflush(stderr);
    }
  }
  switch (o->kind) {
  case EV_BLANK: break; /* a trailing empty line is not a bad line */
  case EV_SKIP:
    if (c->progress) fputs("\r\033[K", stderr); /* the warning replaces the counter */
    fprintf(stderr, "%s:%" PRIu64 ": skipped: %s\n", c->data_name, it->line_no, o->reason);
    c->skipped++;
    break;
  case EV_FATAL:
    c->fatal_status = o->status;
    c->fatal_line = it->line_no;
    memcpy(c->fatal_reason, o->reason, sizeof c->fatal_reason);
    rc = 2;
    break;
  default: {
    if (o->has_roles) {
      c->role_lines++;
      for (int k = 1; k < 4; k++) {
        c->role_tot[k] += o->role_tot[k];
        c->role_hit[k] += o->role_hit[k];
      }
      c->excluded_wished += o->excluded_wished;
    }
    if (o->has_clea) {
      c->clea_lines++;
      for (int v = 0; v < 2; v++) {
        c->dev_tp[v] += o->dev_tp[v];
        c->dev_pred[v] += o->dev_pred[v];
        c->acq_tp[v] += o->acq_tp[v];
        c->acq_pred[v] += o->acq_pred[v];
      }
      c->dev_gold += o->dev_gold;
      c->acq_gold += o->acq_gold;
    }
    if (!o->has_rome) break;
    const jalon_model *m = c->model;
    long gf = jalon_model_find_fiche(m, o->gold);
    /* An unknown gold code (an old or mistyped one) stays in n as a miss
     * and is counted apart, so the figures stay comparable across models. */
    if (gf < 0) c->unknown++;
    char gold_parent[CODE_MAX];
    copy_code(gold_parent, parent_of(m, o->gold));

    size_t rank = 0;
    for (size_t i = 0; i < o->n_pred && !rank; i++)
      if (strcmp(o->pred[i], o->gold) == 0) rank = i + 1;
    int parent5 = 0, dp5 = 0;
    for (size_t i = 0; i < o->n_pred && i < 5; i++) {
      parent5 |= strcmp(o->pred_parent[i], gold_parent) == 0;
      dp5 |= same_prefix(o->pred[i], o->gold, 3);
    }
    int has = o->n_pred > 0;
    c->n++;
    c->top1 += rank == 1;
    c->top3 += rank && rank <= 3;
    c->top5 += rank && rank <= 5;
    c->top10 += rank && rank <= 10;
    if (rank) c->rr += 1.0 / (double)rank;
    c->parent1 += has && strcmp(o->pred_parent[0], gold_parent) == 0;
    c->parent5 += parent5;
    c->dp1 += has && same_prefix(o->pred[0], o->gold, 3);
    c->dp5 += dp5;
    c->gd1 += has && same_prefix(o->pred[0], o->gold, 1);
    c->abstain += o->abstain;
    char letter = o->gold[0];
    counts *g = &c->by_gd[letter >= 'A' && letter <= 'Z' ? letter - 'A' : 26];
    g->n++;
    g->top1 += rank == 1;
    g->top5 += rank && rank <= 5;
    if (c->errors && rank != 1) rc = write_miss(c, it, o, rank);
  }
  }
  free(o);
  it->result = NULL;
  return rc;
}

static double rate(uint64_t k, uint64_t n) { return n ? (double)k / (double)n : 0.0; }
/* Four decimals are plenty for a rate and keep the JSON stable to read. */
static double round4(double x) { return floor(x * 10000.0 + 0.5) / 10000.0; }

static char gd_name(size_t i) { return i < 26 ? (char)('A' + i) : '?'; }

static int print_json(const eval_ctx *c, int pretty) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return -1;
  cJSON_AddNumberToObject(o, "n", (double)c->n);
  cJSON_AddNumberToObject(o, "top1", round4(rate(c->top1, c->n)));
  cJSON_AddNumberToObject(o, "top3", round4(rate(c->top3, c->n)));
  cJSON_AddNumberToObject(o, "top5", round4(rate(c->top5, c->n)));
  cJSON_AddNumberToObject(o, "top10", round4(rate(c->top10, c->n)));
  cJSON_AddNumberToObject(o, "mrr10", round4(c->n ? c->rr / (double)c->n : 0.0));
  cJSON_AddNumberToObject(o, "parent_top1", round4(rate(c->parent1, c->n)));
  cJSON_AddNumberToObject(o, "parent_top5", round4(rate(c->parent5, c->n)));
  cJSON_AddNumberToObject(o, "dp_top1", round4(rate(c->dp1, c->n)));
  cJSON_AddNumberToObject(o, "dp_top5", round4(rate(c->dp5, c->n)));
  cJSON_AddNumberToObject(o, "gd_top1", round4(rate(c->gd1, c->n)));
  cJSON_AddNumberToObject(o, "abstain_rate", round4(rate(c->abstain, c->n)));
  cJSON_AddNumberToObject(o, "unknown_gold", (double)c->unknown);
  cJSON_AddNumberToObject(o, "skipped", (double)c->skipped);
  cJSON *model = cJSON_AddObjectToObject(o, "model");
  if (model) {
    cJSON_AddStringToObject(model, "rome", jalon_model_rome_version(c->model));
    cJSON_AddStringToObject(model, "checksum", jalon_model_checksum(c->model));
  }
  if (c->role_lines) {
    cJSON *roles = cJSON_AddObjectToObject(o, "roles");
    if (roles) {
      cJSON_AddNumberToObject(roles, "lines", (double)c->role_lines);
      for (int k = 1; k < 4; k++) {
        char key[32];
        snprintf(key, sizeof key, "%s_top3", role_keys[k]);
        cJSON_AddNumberToObject(roles, key, round4(rate(c->role_hit[k], c->role_tot[k])));
        snprintf(key, sizeof key, "%s_n", role_keys[k]);
        cJSON_AddNumberToObject(roles, key, (double)c->role_tot[k]);
      }
      cJSON_AddNumberToObject(roles, "excluded_as_aspiration", (double)c->excluded_wished);
    }
  }
  if (c->clea_lines) {
    cJSON *cl = cJSON_AddObjectToObject(o, "clea");
    static const char *const which[2] = {"all_evidence", "text_evidence"};
    for (int v = 0; cl && v < 2; v++) {
      cJSON *w = cJSON_AddObjectToObject(cl, which[v]);
      if (!w) continue;
      cJSON_AddNumberToObject(w, "to_develop_precision", round4(rate(c->dev_tp[v], c->dev_pred[v])));
      cJSON_AddNumberToObject(w, "to_develop_recall", round4(rate(c->dev_tp[v], c->dev_gold)));
      cJSON_AddNumberToObject(w, "acquired_precision", round4(rate(c->acq_tp[v], c->acq_pred[v])));
      cJSON_AddNumberToObject(w, "acquired_recall", round4(rate(c->acq_tp[v], c->acq_gold)));
    }
    if (cl) cJSON_AddNumberToObject(cl, "lines", (double)c->clea_lines);
  }
  cJSON *by = cJSON_AddObjectToObject(o, "by_grand_domaine");
  for (size_t i = 0; by && i < 27; i++) {
    const counts *g = &c->by_gd[i];
    if (!g->n) continue;
    char key[2] = {gd_name(i), '\0'};
    cJSON *d = cJSON_AddObjectToObject(by, key);
    if (!d) continue;
    cJSON_AddNumberToObject(d, "n", (double)g->n);
    cJSON_AddNumberToObject(d, "top1", round4(rate(g->top1, g->n)));
    cJSON_AddNumberToObject(d, "top5", round4(rate(g->top5, g->n)));
  }
  char *s = pretty ? cJSON_Print(o) : cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  if (!s) return -1;
  puts(s);
  cJSON_free(s);
  return 0;
}

static void print_text(const eval_ctx *c) {
  printf("data: %s\nmodel: ROME %s, checksum %s\n", c->data_name,
         jalon_model_rome_version(c->model), jalon_model_checksum(c->model));
  printf("n: %" PRIu64 " (skipped: %" PRIu64 ", gold codes unknown to the model: %" PRIu64
         ")\n\n",
         c->n, c->skipped, c->unknown);
  double n = (double)(c->n ? c->n : 1);
  printf("%-26s %7s %7s %7s %7s %7s\n", "level", "top-1", "top-3", "top-5", "top-10", "MRR@10");
  printf("%-26s %6.2f%% %6.2f%% %6.2f%% %6.2f%% %7.4f\n", "fiche", 100.0 * (double)c->top1 / n,
         100.0 * (double)c->top3 / n, 100.0 * (double)c->top5 / n, 100.0 * (double)c->top10 / n,
         c->rr / n);
  printf("%-26s %6.2f%% %7s %6.2f%%\n", "parent fiche", 100.0 * (double)c->parent1 / n, "",
         100.0 * (double)c->parent5 / n);
  printf("%-26s %6.2f%% %7s %6.2f%%\n", "domaine pro (3 chars)", 100.0 * (double)c->dp1 / n, "",
         100.0 * (double)c->dp5 / n);
  printf("%-26s %6.2f%%\n", "grand domaine (1 char)", 100.0 * (double)c->gd1 / n);
  printf("\nabstention rate: %.2f%%\n", 100.0 * (double)c->abstain / n);
  if (c->role_lines) {
    printf("\nroles (%" PRIu64 " lines with role labels; expected code in the role's top 3):\n", c->role_lines);
    for (int k = 1; k < 4; k++)
      printf("  %-11s %6.2f%% of %" PRIu64 "\n", role_keys[k], 100.0 * rate(c->role_hit[k], c->role_tot[k]),
             c->role_tot[k]);
    printf("  excluded jobs proposed as aspirations: %" PRIu64 "\n", c->excluded_wished);
  }
  if (c->clea_lines) {
    printf("\nCléA (%" PRIu64 " lines with labels):\n", c->clea_lines);
    printf("  %-16s %12s %12s %12s %12s\n", "evidence", "dev. prec.", "dev. recall", "acq. prec.", "acq. recall");
    static const char *const which[2] = {"all", "text only"};
    for (int v = 0; v < 2; v++)
      printf("  %-16s %11.2f%% %11.2f%% %11.2f%% %11.2f%%\n", which[v], 100.0 * rate(c->dev_tp[v], c->dev_pred[v]),
             100.0 * rate(c->dev_tp[v], c->dev_gold), 100.0 * rate(c->acq_tp[v], c->acq_pred[v]),
             100.0 * rate(c->acq_tp[v], c->acq_gold));
  }
  printf("\nby grand domaine:\n");
  printf("  %-3s %7s %7s %7s\n", "", "n", "top-1", "top-5");
  for (size_t i = 0; i < 27; i++) {
    const counts *g = &c->by_gd[i];
    if (!g->n) continue;
    printf("  %-3c %7" PRIu64 " %6.2f%% %6.2f%%\n", gd_name(i), g->n,
           100.0 * (double)g->top1 / (double)g->n, 100.0 * (double)g->top5 / (double)g->n);
  }
}

int cli_eval(int argc, char **argv) {
  static const struct option opts[] = {
      {"data", required_argument, NULL, 'd'},   {"model", required_argument, NULL, 'm'},
      {"json", no_argument, NULL, 'j'},         {"jobs", required_argument, NULL, OPT_JOBS},
      {"errors", required_argument, NULL, 'e'}, {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *data = NULL, *model_path = NULL, *errors_path = NULL;
  unsigned jobs = 0;
  int json = 0, c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":d:m:je:h", opts, NULL)) != -1) {
    switch (c) {
    case 'd': data = optarg; break;
    case 'm': model_path = optarg; break;
    case 'j': json = 1; break;
    case 'e': errors_path = optarg; break;
    case OPT_JOBS:
      if (cli_parse_uint(optarg, 1, 1024, &jobs))
        return cli_usage("eval", "--jobs attend un nombre entre 1 et 1024.");
      break;
    case 'h': fputs(USAGE, stdout); return CLI_OK;
    default: return cli_bad_option("eval", c, optopt, argv[optind - 1]);
    }
  }
  if (optind < argc) return cli_usage("eval", "argument en trop : %s.", argv[optind]);
  if (!data) return cli_usage("eval", "--data FICHIER est obligatoire.");

  int fd = strcmp(data, "-") == 0 ? STDIN_FILENO : open(data, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    cli_fail("Le fichier de données ne s'ouvre pas.", "%s: %s", data, strerror(errno));
    return CLI_FAIL;
  }
  eval_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.data_name = strcmp(data, "-") == 0 ? "<stdin>" : data;
  int status = CLI_FAIL;
  jalon_model *m = NULL;
  jalon_error *e = NULL;
  if (cli_open_model(&m, model_path) != 0) goto out;
  ctx.model = m;
  if (errors_path) {
    ctx.errors = fopen(errors_path, "w");
    if (!ctx.errors) {
      cli_fail("Le fichier d'erreurs ne s'ouvre pas en écriture.", "%s: %s", errors_path,
               strerror(errno));
      goto out;
    }
  }

  ctx.progress = cli_is_tty(stderr);
  ctx.last_shown = cli_now();
  int read_errno = 0;
  int rc = cli_map_lines(fd, m, NULL, jobs ? jobs : cli_default_jobs(), CLI_MAX_LINE_BYTES, eval_work,
                         eval_sink, &ctx, &e, &read_errno);
  if (ctx.progress && ctx.lines) fputs("\r\033[K", stderr);
  if (rc == 2) {
    cli_report("L'évaluation s'est arrêtée.", ctx.fatal_status, NULL);
    fprintf(stderr, "  at %s:%" PRIu64 ": %s\n", ctx.data_name, ctx.fatal_line, ctx.fatal_reason);
    goto out;
  }
  if (rc == 1) {
    cli_fail("Impossible d'écrire le fichier d'erreurs.", "%s: write failed", errors_path);
    goto out;
  }
  if (rc < 0) {
    if (read_errno)
      cli_fail("Impossible de lire le fichier de données.", "%s: %s", ctx.data_name,
               strerror(read_errno));
    else
      cli_report("L'évaluation n'a pas pu démarrer.", rc, e);
    goto out;
  }
  if (ctx.errors) {
    int bad = fclose(ctx.errors) != 0;
    ctx.errors = NULL;
    if (bad) {
      cli_fail("Impossible d'écrire le fichier d'erreurs.", "%s: %s", errors_path,
               strerror(errno));
      goto out;
    }
  }
  if (json) {
    if (print_json(&ctx, isatty(STDOUT_FILENO))) {
      cli_report(NULL, JALON_ENOMEM, NULL);
      goto out;
    }
  } else {
    print_text(&ctx);
  }
  status = fflush(stdout) == 0 && !ferror(stdout) ? CLI_OK : CLI_FAIL;

out:
  if (ctx.errors) fclose(ctx.errors);
  if (fd != STDIN_FILENO) close(fd);
  jalon_error_free(e);
  jalon_model_free(m);
  return status;
}
