/* Public entry points: workspaces, jalon_diagnose, and the result accessors.
 * Input checks (UTF-8, size, emptiness) happen here, once, before any stage. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/json.h"
#include "api/result.h"
#include "api/workspace.h"
#include "gap/gap.h"
#include "train/build.h"
#include "util/error.h"
#include "util/vec.h"

int jalon_workspace_new(jalon_workspace **out, const jalon_model *m, jalon_error **err) {
  if (!out || !m) return ju_error(err, JALON_EINVAL, "jalon_workspace_new: NULL argument");
  *out = NULL;
  jalon_workspace *ws = calloc(1, sizeof *ws);
  if (!ws) return ju_error(err, JALON_ENOMEM, "out of memory creating a workspace");
  ws->model = m;
  jt_tokens_init(&ws->text);
  jt_tokens_init(&ws->title);
  int rc = jt_ctx_new(&ws->tok);
  if (rc) {
    free(ws);
    return ju_error(err, rc, "cannot start the tokenizer: %s", jalon_strerror(rc));
  }
  /* The workspace writes nothing to the model but this one-time compile. */
  rc = jm_compile_lazy((jalon_model *)m, err);
  if (rc) {
    jt_ctx_free(ws->tok);
    free(ws);
    return rc;
  }
  rc = jx_scratch_init(&ws->scratch, m);
  if (!rc) rc = jq_ws_new(&ws->cues, m->cues);
  if (!rc && (m->clea || m->soft) && !(ws->clea_md = jk_match_data_new(m->clea))) rc = JALON_ENOMEM;
  if (rc) {
    jq_ws_free(ws->cues);
    jx_scratch_free(&ws->scratch);
    jt_ctx_free(ws->tok);
    free(ws);
    return ju_error(err, rc, "out of memory creating a workspace");
  }
  *out = ws;
  return 0;
}

void jalon_workspace_free(jalon_workspace *ws) {
  if (!ws) return;
  jt_ctx_free(ws->tok);
  jt_tokens_free(&ws->text);
  jt_tokens_free(&ws->title);
  jx_scratch_free(&ws->scratch);
  jq_ws_free(ws->cues);
  jk_match_data_free(ws->clea_md);
  free(ws->stems);
  free(ws);
}

int jr_result_new(jalon_result **out, const jalon_model *m, const char *text, size_t len, const char *id) {
  jalon_result *r = calloc(1, sizeof *r);
  if (!r) return JALON_ENOMEM;
  r->model = m;
  r->text = malloc(len + 1);
  if (!r->text || (id && !(r->id = strdup(id)))) {
    jalon_result_free(r);
    return JALON_ENOMEM;
  }
  memcpy(r->text, text, len);
  r->text[len] = 0;
  r->text_len = len;
  *out = r;
  return 0;
}

void jalon_result_free(jalon_result *r) {
  if (!r) return;
  free(r->id);
  free(r->text);
  free(r->jobs);
  free(r->spans);
  free(r->corrections);
  free(r->experience);
  free(r->aspirations);
  free(r->excluded);
  free(r->gap.held);
  free(r->gap.missing);
  free(r->gap.nearby);
  free(r->gap.nearby_score);
  free(r->clea_ev);
  free(r->soft);
  free(r->trainings);
  free(r->train_covers);
  free(r);
}

/* Stems of the text's content words for the gap stage (UINT32_MAX for
 * stop-words and unknown words). */
static int text_stems(jalon_workspace *ws, const jq_clause *cl, size_t ncl) {
  const jalon_model *m = ws->model;
  if (ju_reserve(&ws->stems, &ws->stems_cap, ws->text.n ? ws->text.n : 1, sizeof *ws->stems)) return JALON_ENOMEM;
  for (size_t i = 0; i < ws->text.n; i++) {
    const jt_token *tk = &ws->text.v[i];
    uint32_t st = UINT32_MAX;
    if (!(tk->flags & (JT_ELIDED | JT_NUMBER))) {
      uint32_t term = jm_find_term(m, jt_fold(&ws->text, i), tk->fold_len);
      if (term != UINT32_MAX) st = jm_is_stopword(m, term) ? UINT32_MAX : m->terms[term].stem;
      else st = jm_find_stem(m, jt_stem(&ws->text, i), tk->stem_len);
    }
    ws->stems[i] = st;
  }
  /* "je voudrais devenir aide-soignante" names a wish, not a skill held:
   * the words of aspiration and exclusion clauses hold no competence. */
  for (size_t c = 0; c < ncl; c++)
    if (cl[c].role == JQ_ROLE_ASPIRATION || cl[c].role == JQ_ROLE_EXCLUDED)
      for (uint32_t k = cl[c].tok_first; k < cl[c].tok_end && k < ws->text.n; k++) ws->stems[k] = UINT32_MAX;
  return 0;
}

/* "depuis 2019" is read against the calendar year of the call. */
static int current_year(void) {
  time_t now = time(NULL);
  struct tm tm;
  if (now == (time_t)-1 || !gmtime_r(&now, &tm)) return 0;
  return tm.tm_year + 1900;
}

static int check_input(const char *what, const char *s, size_t len, size_t max, jalon_error **err) {
  if (len > max)
    return ju_error(err, JALON_ETOOBIG, "%s is %zu bytes; the limit is %zu bytes", what, len, max);
  size_t bad = 0;
  if (jt_check_utf8(s, len, &bad))
    return ju_error(err, JALON_EUTF8, "%s is not valid UTF-8 (byte %zu)", what, bad);
  return 0;
}

int jalon_diagnose(jalon_result **out, jalon_workspace *ws, const char *text, size_t len,
                   const jalon_diagnose_options *opts, jalon_error **err) {
  if (!out || !ws || (!text && len)) return ju_error(err, JALON_EINVAL, "jalon_diagnose: NULL argument");
  *out = NULL;
  if (opts && (opts->version < 1 || opts->version > JALON_DIAGNOSE_OPTIONS_VERSION))
    return ju_error(err, JALON_EINVAL, "jalon_diagnose_options version %u unknown (expected %u)", opts->version,
                    JALON_DIAGNOSE_OPTIONS_VERSION);
  if (opts && opts->max_jobs > JALON_MAX_JOBS)
    return ju_error(err, JALON_EINVAL, "max_jobs %u above the limit %u", opts->max_jobs, JALON_MAX_JOBS);
  const char *title = opts ? opts->title : NULL;
  const char *target_code = opts && opts->version >= 2 ? opts->target : NULL;
  uint32_t target = UINT32_MAX;
  if (target_code) {
    long f = jalon_model_find_fiche(ws->model, target_code);
    if (f < 0) return ju_error(err, JALON_ENOTFOUND, "target \"%.16s\" is not a ROME code of this model", target_code);
    target = (uint32_t)f;
  }
  uint32_t after = 0;
  if (opts && opts->version >= 3) {
    if (opts->max_trainings > JALON_MAX_TRAININGS)
      return ju_error(err, JALON_EINVAL, "max_trainings %u above the limit %u", opts->max_trainings, JALON_MAX_TRAININGS);
    int bad = jj_check_place(opts->place, err);
    if (bad) return bad;
    if (opts->after && (strlen(opts->after) != 10 || jtr_date_parse(opts->after, &after)))
      return ju_error(err, JALON_EINVAL, "after \"%.16s\" is not a date written YYYY-MM-DD", opts->after);
  }
  size_t title_len = title ? opts->title_len : 0;
  int rc = check_input("text", text ? text : "", len, JALON_MAX_TEXT_BYTES, err);
  if (!rc && title) rc = check_input("title", title, title_len, JALON_MAX_TITLE_BYTES, err);
  if (rc) return rc;
  rc = jt_tokenize(ws->tok, text ? text : "", len, &ws->text);
  if (!rc) rc = jt_tokenize(ws->tok, title ? title : "", title_len, &ws->title);
  if (rc) return ju_error(err, rc, "tokenizer failed: %s", jalon_strerror(rc));
  if (ws->text.n == 0 && ws->title.n == 0)
    return ju_error(err, JALON_EEMPTY, "the text holds no word");
  jalon_result *r = NULL;
  if (jr_result_new(&r, ws->model, text ? text : "", len, opts ? opts->id : NULL))
    return ju_error(err, JALON_ENOMEM, "out of memory building the result");
  const jq_clause *clauses = NULL;
  size_t n_clauses = 0;
  int match_only = opts && opts->version >= 2 && (opts->flags & JALON_DIAGNOSE_MATCH_ONLY);
  if (!match_only) rc = jq_annotate(ws->cues, ws->model->cues, &ws->text, current_year(), &clauses, &n_clauses);
  if (!rc) rc = jx_match(ws->model, &ws->scratch, &ws->text, &ws->title, clauses, n_clauses, opts ? opts->max_jobs : 0, r);
  if (!rc && !match_only) rc = text_stems(ws, clauses, n_clauses);
  const char *fb = NULL;
  size_t fl = 0;
  const size_t *to = NULL;
  if (!rc && !match_only) {
    jq_folded(ws->cues, &fb, &fl, &to);
    if (ws->clea_md) rc = jk_soft_skills(ws->model, ws->clea_md, &ws->text, fb, fl, to, r);
    if (!rc) rc = jg_gap(ws->model, target, &ws->text, ws->stems, r);
    if (!rc && ws->clea_md) rc = jk_profile(ws->model, ws->clea_md, &ws->text, fb, fl, to, r);
  }
  int want_trainings = ws->catalogue && !match_only && !(opts && opts->version >= 2 && (opts->flags & JALON_DIAGNOSE_NO_TRAININGS));
  if (!rc && want_trainings) {
    jtr_query q = {NULL, after, JALON_DEFAULT_TRAININGS};
    if (opts && opts->version >= 3) {
      q.place = opts->place;
      if (opts->max_trainings) q.max = opts->max_trainings;
    }
    rc = jtr_recommend(r, ws->catalogue, &q);
  }
  if (rc) {
    jalon_result_free(r);
    return ju_error(err, rc, "matching failed: %s", jalon_strerror(rc));
  }
  *out = r;
  return 0;
}

static const jr_job *job_at(const jalon_result *r, size_t i) { return r && i < r->n_jobs ? &r->jobs[i] : NULL; }

size_t jalon_result_job_count(const jalon_result *r) { return r ? r->n_jobs : 0; }
const char *jalon_result_job_code(const jalon_result *r, size_t i) {
  const jr_job *j = job_at(r, i);
  return j ? jm_str(r->model, r->model->fiches[j->fiche].code) : NULL;
}
const char *jalon_result_job_parent(const jalon_result *r, size_t i) {
  const jr_job *j = job_at(r, i);
  return j ? jm_str(r->model, r->model->fiches[j->fiche].parent) : NULL;
}
const char *jalon_result_job_label(const jalon_result *r, size_t i) {
  const jr_job *j = job_at(r, i);
  return j ? jm_str(r->model, r->model->fiches[j->fiche].label) : NULL;
}
double jalon_result_job_score(const jalon_result *r, size_t i) {
  const jr_job *j = job_at(r, i);
  return j ? j->score : 0;
}
const char *jalon_result_job_appellation(const jalon_result *r, size_t i) {
  const jr_job *j = job_at(r, i);
  return j && j->appel != JR_NONE ? jm_str(r->model, r->model->appels[j->appel].label) : NULL;
}
const char *jalon_result_job_appellation_code(const jalon_result *r, size_t i) {
  /* The model stores codes as numbers; the job record keeps the decimal form. */
  const jr_job *j = job_at(r, i);
  if (!j || j->appel == JR_NONE) return NULL;
  return j->appel_code;
}
size_t jalon_result_job_evidence_count(const jalon_result *r, size_t i) {
  const jr_job *j = job_at(r, i);
  return j ? j->ev_count : 0;
}
int jalon_result_job_evidence(const jalon_result *r, size_t i, size_t k, size_t *start, size_t *end) {
  const jr_job *j = job_at(r, i);
  if (!j || k >= j->ev_count) return JALON_EINVAL;
  if (start) *start = r->spans[j->ev_first + k].start;
  if (end) *end = r->spans[j->ev_first + k].end;
  return 0;
}
int jalon_result_job_role(const jalon_result *r, size_t i) {
  const jr_job *j = job_at(r, i);
  return j ? j->role : JALON_ROLE_NEUTRAL;
}
unsigned jalon_result_job_months(const jalon_result *r, size_t i) {
  const jr_job *j = job_at(r, i);
  return j ? j->months : 0;
}

static const jr_job *role_list(const jalon_result *r, int role, size_t *n) {
  *n = 0;
  if (!r) return NULL;
  switch (role) {
  case JALON_ROLE_EXPERIENCE: *n = r->n_experience; return r->experience;
  case JALON_ROLE_ASPIRATION: *n = r->n_aspirations; return r->aspirations;
  case JALON_ROLE_EXCLUDED: *n = r->n_excluded; return r->excluded;
  default: return NULL;
  }
}

size_t jalon_result_role_count(const jalon_result *r, int role) {
  size_t n;
  role_list(r, role, &n);
  return n;
}
const char *jalon_result_role_code(const jalon_result *r, int role, size_t i) {
  size_t n;
  const jr_job *v = role_list(r, role, &n);
  return i < n ? jm_str(r->model, r->model->fiches[v[i].fiche].code) : NULL;
}
double jalon_result_role_score(const jalon_result *r, int role, size_t i) {
  size_t n;
  const jr_job *v = role_list(r, role, &n);
  return i < n ? v[i].score : 0;
}
unsigned jalon_result_role_months(const jalon_result *r, int role, size_t i) {
  size_t n;
  const jr_job *v = role_list(r, role, &n);
  return i < n ? v[i].months : 0;
}

const char *jalon_result_gap_target(const jalon_result *r) {
  return r && r->gap.target != JR_NONE ? jm_str(r->model, r->model->fiches[r->gap.target].code) : NULL;
}
double jalon_result_gap_score(const jalon_result *r) { return r && r->gap.target != JR_NONE ? r->gap.score : 0; }
size_t jalon_result_gap_count(const jalon_result *r, int held) {
  if (!r) return 0;
  return held ? r->gap.n_held : r->gap.n_missing;
}
const char *jr_item_kind_name(int kind) {
  return kind == JM_ITEM_SAVOIR_FAIRE ? "savoir_faire" : kind == JM_ITEM_SAVOIR_ETRE ? "savoir_etre" : "savoir";
}
int jalon_result_gap_item(const jalon_result *r, int held, size_t i, unsigned *code, const char **label,
                          const char **kind, int *core) {
  if (!r || i >= jalon_result_gap_count(r, held)) return JALON_EINVAL;
  const jr_gap_item *g = held ? &r->gap.held[i] : &r->gap.missing[i];
  const jm_item *it = &r->model->items[g->item];
  if (code) *code = it->code_ogr;
  if (label) *label = jm_str(r->model, it->label);
  if (kind) *kind = jr_item_kind_name(it->kind);
  if (core) *core = g->core == JM_CORE_PRINCIPALE;
  return 0;
}

int jalon_result_clea_status(const jalon_result *r, int domain) {
  if (!r || !r->has_clea || domain < 1 || domain > 7) return -1;
  return r->clea[domain - 1].status;
}
double jalon_result_clea_score(const jalon_result *r, int domain) {
  if (!r || !r->has_clea || domain < 1 || domain > 7) return 0;
  return r->clea[domain - 1].score;
}
int jalon_result_clea_from_text(const jalon_result *r, int domain) {
  if (!r || !r->has_clea || domain < 1 || domain > 7) return 0;
  const jr_clea_domain *cd = &r->clea[domain - 1];
  for (uint32_t k = 0; k < cd->ev_count; k++)
    if (!r->clea_ev[cd->ev_first + k].from_job) return 1;
  return 0;
}

const char *jalon_result_clea_label(const jalon_result *r, int domain) {
  if (!r || domain < 1 || domain > 7) return NULL;
  for (size_t k = 0; k < r->model->n_clea_subs; k++)
    if (r->model->clea_subs[k].domain == domain) return jm_str(r->model, r->model->clea_subs[k].domain_label);
  return NULL;
}

size_t jalon_result_correction_count(const jalon_result *r) { return r ? r->n_corrections : 0; }
int jalon_result_correction(const jalon_result *r, size_t k, size_t *start, size_t *end, const char **to) {
  if (!r || k >= r->n_corrections) return JALON_EINVAL;
  if (start) *start = r->corrections[k].start;
  if (end) *end = r->corrections[k].end;
  if (to) *to = jm_str(r->model, r->model->terms[r->corrections[k].term].str);
  return 0;
}

double jalon_result_margin(const jalon_result *r) { return r ? r->margin : 0; }
int jalon_result_abstain(const jalon_result *r) { return r ? r->abstain : 1; }
