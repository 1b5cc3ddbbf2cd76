/* The documents the library writes (DESIGN.md): the diagnosis response, the
 * error object, the ROME fiche. Each is described once as events (emit.h);
 * jalon_*_json turn them into text, jalon_*_visit hand them to the caller. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/emit.h"
#include "api/json.h"
#include "api/result.h"
#include "clea/clea.h"
#include "model/model.h"
#include "util/error.h"

/* A span of the text as {"start","end","text"}; a span outside the text is
 * a bug of the stage that made it, reported rather than read. */
static void span_members(jj_emit *e, const jalon_result *r, uint32_t start, uint32_t end) {
  if (start > end || end > r->text_len) {
    je_fail(e, JALON_EINTERNAL);
    return;
  }
  je_knum(e, "start", start);
  je_knum(e, "end", end);
  je_key(e, "text");
  je_string_n(e, r->text + start, end - start);
}

static void span_object(jj_emit *e, const jalon_result *r, uint32_t start, uint32_t end) {
  je_begin_object(e);
  span_members(e, r, start, end);
  je_end_object(e);
}

/* ---- response ---- */

static const char *role_name(int role) {
  switch (role) {
  case JR_ROLE_EXPERIENCE: return "experience";
  case JR_ROLE_ASPIRATION: return "aspiration";
  case JR_ROLE_EXCLUDED: return "excluded";
  default: return "neutral";
  }
}

static void emit_job(jj_emit *e, const jalon_result *r, const jr_job *j) {
  const jalon_model *m = r->model;
  /* The matcher builds these indexes; a bad one is a bug, and an error
   * beats reading outside the model. */
  if (j->fiche >= m->n_fiches || (j->appel != JR_NONE && j->appel >= m->n_appels) ||
      (size_t)j->ev_first + j->ev_count > r->n_spans) {
    je_fail(e, JALON_EINTERNAL);
    return;
  }
  const jm_fiche *f = &m->fiches[j->fiche];
  je_begin_object(e);
  je_kstr(e, "rome", jm_str(m, f->code));
  je_kstr(e, "parent", jm_str(m, f->parent));
  je_kstr(e, "label", jm_str(m, f->label));
  je_knum(e, "score", round4(j->score));
  if (j->appel != JR_NONE) {
    je_kobject(e, "appellation");
    je_kcode(e, "code", m->appels[j->appel].code_ogr);
    je_kstr(e, "label", jm_str(m, m->appels[j->appel].label));
    je_end_object(e);
  }
  je_kstr(e, "role", role_name(j->role));
  if (j->months) je_knum(e, "months", j->months);
  je_karray(e, "evidence");
  for (uint32_t k = 0; k < j->ev_count && !e->rc; k++) {
    const jr_span *sp = &r->spans[j->ev_first + k];
    span_object(e, r, sp->start, sp->end);
  }
  je_end_array(e);
  je_end_object(e);
}

static void emit_jobs(jj_emit *e, const char *key, const jalon_result *r, const jr_job *v, size_t n) {
  je_karray(e, key);
  for (size_t i = 0; i < n && !e->rc; i++) emit_job(e, r, &v[i]);
  je_end_array(e);
}

/* "Did you mean": misspelt words of the text and the model word read. */
static void emit_corrections(jj_emit *e, const jalon_result *r) {
  je_karray(e, "corrections");
  for (size_t k = 0; k < r->n_corrections && !e->rc; k++) {
    const jr_correction *c = &r->corrections[k];
    if (c->start > c->end || c->end > r->text_len || c->term >= r->model->n_terms) {
      je_fail(e, JALON_EINTERNAL);
      return;
    }
    je_begin_object(e);
    je_knum(e, "start", c->start);
    je_knum(e, "end", c->end);
    je_key(e, "from");
    je_string_n(e, r->text + c->start, c->end - c->start);
    je_kstr(e, "to", jm_str(r->model, r->model->terms[c->term].str));
    je_end_object(e);
  }
  je_end_array(e);
}

static void emit_gap_items(jj_emit *e, const char *key, const jalon_result *r, const jr_gap_item *v, size_t n) {
  const jalon_model *m = r->model;
  je_karray(e, key);
  for (size_t i = 0; i < n && !e->rc; i++) {
    const jr_gap_item *gi = &v[i];
    /* As for jobs: a bad index from the gap stage is a bug, reported rather
     * than read out of bounds (an item from a job must name the job). */
    if (gi->item >= m->n_items || (gi->from != JR_NONE && gi->from >= m->n_fiches) ||
        (gi->source == JR_GAP_FROM_JOB && gi->from == JR_NONE)) {
      je_fail(e, JALON_EINTERNAL);
      return;
    }
    const jm_item *it = &m->items[gi->item];
    je_begin_object(e);
    je_kcode(e, "code", it->code_ogr);
    je_kstr(e, "label", jm_str(m, it->label));
    je_kstr(e, "kind", jr_item_kind_name(it->kind));
    je_kbool(e, "core", gi->core == JM_CORE_PRINCIPALE);
    je_knum(e, "weight", round4(gi->weight));
    if (gi->source == JR_GAP_FROM_JOB) {
      je_kstr(e, "source", "experience");
      je_kstr(e, "from", jm_str(m, m->fiches[gi->from].code));
    } else if (gi->source == JR_GAP_FROM_TEXT) {
      je_kstr(e, "source", "text");
      je_karray(e, "evidence");
      span_object(e, r, gi->ev_start, gi->ev_end);
      je_end_array(e);
    }
    je_end_object(e);
  }
  je_end_array(e);
}

/* "soft_skills": ROME savoir-être the text shows, with where. */
static void emit_soft(jj_emit *e, const jalon_result *r) {
  const jalon_model *m = r->model;
  je_karray(e, "soft_skills");
  for (size_t i = 0; i < r->n_soft && !e->rc; i++) {
    const jr_soft *s = &r->soft[i];
    if (s->item >= m->n_items) {
      je_fail(e, JALON_EINTERNAL);
      return;
    }
    je_begin_object(e);
    je_kcode(e, "code", m->items[s->item].code_ogr);
    je_kstr(e, "label", jm_str(m, m->items[s->item].label));
    je_karray(e, "evidence");
    span_object(e, r, s->start, s->end);
    je_end_array(e);
    je_end_object(e);
  }
  je_end_array(e);
}

static const char *clea_status(int s) {
  return s == JR_CLEA_ACQUIRED ? "acquired" : s == JR_CLEA_TO_DEVELOP ? "to_develop" : "unknown";
}

static void emit_clea_evidence(jj_emit *e, const jalon_result *r, const jr_clea_ev *ev) {
  const jalon_model *m = r->model;
  if ((ev->sub >= m->n_clea_subs && ev->sub != JK_DOMAIN_ONLY) ||
      (ev->from_job && (ev->fiche >= m->n_fiches || ev->item >= m->n_items))) {
    je_fail(e, JALON_EINTERNAL);
    return;
  }
  je_begin_object(e);
  je_kstr(e, "source", ev->from_job ? "experience" : "text");
  je_kstr(e, "kind", ev->need ? "need" : "has");
  if (ev->sub != JK_DOMAIN_ONLY) je_kstr(e, "subdomain", jm_str(m, m->clea_subs[ev->sub].code));
  if (ev->from_job) {
    je_kstr(e, "rome", jm_str(m, m->fiches[ev->fiche].code));
    je_kobject(e, "competence");
    je_kcode(e, "code", m->items[ev->item].code_ogr);
    je_kstr(e, "label", jm_str(m, m->items[ev->item].label));
    je_end_object(e);
  } else {
    span_members(e, r, ev->start, ev->end);
  }
  je_end_object(e);
}

/* "clea": the seven domains, each with its status and the evidence. */
static void emit_clea(jj_emit *e, const jalon_result *r) {
  const jalon_model *m = r->model;
  je_karray(e, "clea");
  for (int d = 0; d < 7 && !e->rc; d++) {
    const jr_clea_domain *cd = &r->clea[d];
    const char *label = NULL;
    for (size_t k = 0; k < m->n_clea_subs && !label; k++)
      if (m->clea_subs[k].domain == d + 1) label = jm_str(m, m->clea_subs[k].domain_label);
    if (!label) continue;
    je_begin_object(e);
    je_knum(e, "domain", d + 1);
    je_kstr(e, "label", label);
    je_kstr(e, "status", clea_status(cd->status));
    je_knum(e, "score", round4(cd->score));
    je_karray(e, "subdomains");
    for (size_t k = 0; k < m->n_clea_subs && !e->rc; k++) {
      if (!(cd->subs >> k & 1u)) continue;
      je_begin_object(e);
      je_kstr(e, "code", jm_str(m, m->clea_subs[k].code));
      je_kstr(e, "label", jm_str(m, m->clea_subs[k].label));
      if (m->clea_subs[k].unverified) je_kbool(e, "unverified", 1);
      je_end_object(e);
    }
    je_end_array(e);
    je_karray(e, "evidence");
    for (uint32_t k = 0; k < cd->ev_count && !e->rc; k++) {
      if ((size_t)cd->ev_first + k >= r->n_clea_ev) je_fail(e, JALON_EINTERNAL);
      else emit_clea_evidence(e, r, &r->clea_ev[cd->ev_first + k]);
    }
    je_end_array(e);
    je_end_object(e);
  }
  je_end_array(e);
}

/* "gap": what the target job needs that the person holds or lacks. */
static void emit_gap(jj_emit *e, const jalon_result *r) {
  const jalon_model *m = r->model;
  const jr_gap *g = &r->gap;
  if (g->target >= m->n_fiches) {
    je_fail(e, JALON_EINTERNAL);
    return;
  }
  je_kobject(e, "gap");
  je_kstr(e, "target", jm_str(m, m->fiches[g->target].code));
  je_kstr(e, "label", jm_str(m, m->fiches[g->target].label));
  je_kstr(e, "target_from", g->target_given ? "request" : "aspiration");
  je_knum(e, "score", round4(g->score));
  emit_gap_items(e, "held", r, g->held, g->n_held);
  emit_gap_items(e, "missing", r, g->missing, g->n_missing);
  je_karray(e, "nearby");
  for (size_t i = 0; i < g->n_nearby && !e->rc; i++) {
    if (g->nearby[i] >= m->n_fiches) {
      je_fail(e, JALON_EINTERNAL);
      return;
    }
    je_begin_object(e);
    je_kstr(e, "rome", jm_str(m, m->fiches[g->nearby[i]].code));
    je_kstr(e, "label", jm_str(m, m->fiches[g->nearby[i]].label));
    je_knum(e, "gap", round4(g->nearby_score[i]));
    je_end_object(e);
  }
  je_end_array(e);
  je_end_object(e);
}

/* Role lists are always present (empty when the text held no cue) so readers
 * need not test for them; the contract only grows. */
static void emit_response(jj_emit *e, const void *ctx) {
  const jalon_result *r = ctx;
  je_begin_object(e);
  if (r->id) je_kstr(e, "id", r->id);
  je_kstr(e, "jalon", jalon_version());
  je_kobject(e, "model");
  je_kstr(e, "rome", jalon_model_rome_version(r->model));
  je_kstr(e, "checksum", jalon_model_checksum(r->model));
  je_end_object(e);
  emit_jobs(e, "jobs", r, r->jobs, r->n_jobs);
  emit_jobs(e, "experience", r, r->experience, r->n_experience);
  emit_jobs(e, "aspirations", r, r->aspirations, r->n_aspirations);
  emit_jobs(e, "excluded", r, r->excluded, r->n_excluded);
  emit_corrections(e, r);
  if (r->gap.target != JR_NONE) emit_gap(e, r);
  if (r->has_clea) emit_clea(e, r);
  if (r->model->soft) emit_soft(e, r);
  jj_emit_trainings(e, r);
  je_kobject(e, "confidence");
  je_knum(e, "margin", round4(r->margin));
  je_kbool(e, "abstain", r->abstain);
  je_end_object(e);
  je_end_object(e);
}

static int response_error(jalon_error **err, int rc) {
  if (rc == JALON_ENOMEM) return ju_error(err, rc, "out of memory writing the response");
  if (rc == JALON_EINTERNAL) return ju_error(err, rc, "inconsistent result (bad index or span) while writing it");
  return ju_error(err, rc, "the visitor stopped the response (status %d)", rc);
}

int jalon_result_to_json(char **out, const jalon_result *r, int pretty, jalon_error **err) {
  if (!out || !r) return ju_error(err, JALON_EINVAL, "jalon_result_to_json: NULL argument");
  int rc = jj_write_json(out, pretty, emit_response, r);
  return rc ? response_error(err, rc) : 0;
}

int jalon_result_visit(const jalon_result *r, const jalon_visitor *v, void *user, jalon_error **err) {
  if (!r || jj_visitor_check(v)) return ju_error(err, JALON_EINVAL, "jalon_result_visit: NULL argument or callback");
  jj_emit e = {v, user, 0};
  emit_response(&e, r);
  return e.rc ? response_error(err, e.rc) : 0;
}

/* ---- jalon_diagnose_json / _visit ---- */

/* {"id": id or null, "error": {"code","message","message_fr"}}. The id is
 * always present (null when unknown) so batch readers can rely on it. */
typedef struct error_doc {
  const char *id;
  int status;
  const jalon_error *e;
} error_doc;

static void emit_error(jj_emit *e, const void *ctx) {
  const error_doc *d = ctx;
  /* When even the jalon_error could not be allocated, fall back on the fixed
   * texts for the status; a stack error object reaches the French one. */
  jalon_error fallback = {d->status, NULL, NULL};
  const jalon_error *src = d->e ? d->e : &fallback;
  je_begin_object(e);
  if (d->id) je_kstr(e, "id", d->id);
  else je_knull(e, "id");
  je_kobject(e, "error");
  je_kstr(e, "code", jj_status_code_name(d->status));
  je_kstr(e, "message", jalon_error_message(src));
  je_kstr(e, "message_fr", jalon_error_message_fr(src));
  je_end_object(e);
  je_end_object(e);
}

/* Parses the request and diagnoses it; req is the caller's to free. */
static int diagnose_request(jalon_result **res, jj_request *req, jalon_workspace *ws, const char *request,
                            size_t len, jalon_error **e) {
  memset(req, 0, sizeof *req);
  *res = NULL;
  if (!ws) return ju_error(e, JALON_EINVAL, "NULL workspace");
  int rc = jj_parse_request(req, request, len, e);
  if (rc) return rc;
  jalon_diagnose_options opts = JALON_DIAGNOSE_OPTIONS_INIT;
  opts.title = req->title;
  opts.title_len = req->title_len;
  opts.max_jobs = req->max_jobs;
  opts.id = req->id;
  opts.target = req->target;
  jalon_place place = {req->place.department, req->place.region, req->place.has_coords, req->place.lat,
                       req->place.lon, req->place.radius_km};
  if (req->place.given) opts.place = &place;
  opts.after = req->after;
  if (req->has_max_trainings && req->max_trainings == 0) opts.flags |= JALON_DIAGNOSE_NO_TRAININGS;
  else if (req->has_max_trainings) opts.max_trainings = req->max_trainings;
  return jalon_diagnose(res, ws, req->text, req->text_len, &opts, e);
}

/* Hands *e to the caller's err when the call failed, frees it otherwise:
 * the response carries its text already. */
static int finish(int rc, jalon_error *e, jalon_error **err) {
  if (rc && err) *err = e;
  else jalon_error_free(e);
  return rc;
}

int jalon_diagnose_json(char **out, jalon_workspace *ws, const char *request, size_t len, jalon_error **err) {
  if (!out) return ju_error(err, JALON_EINVAL, "jalon_diagnose_json: NULL output pointer");
  *out = NULL;
  /* Errors are always collected, even when the caller passes no err: the
   * response needs their message. */
  jalon_error *e = NULL;
  jj_request req;
  jalon_result *res = NULL;
  int rc = diagnose_request(&res, &req, ws, request, len, &e);
  if (!rc && (rc = jj_write_json(out, 0, emit_response, res)) != 0) response_error(&e, rc);
  if (rc) {
    error_doc d = {req.id, rc, e};
    if (jj_write_json(out, 0, emit_error, &d)) {
      jalon_error_free(e);
      e = NULL;
      rc = ju_error(&e, JALON_ENOMEM, "out of memory writing the error response");
    }
  }
  jalon_result_free(res);
  jj_request_free(&req);
  return finish(rc, e, err);
}

int jalon_diagnose_visit(jalon_workspace *ws, const char *request, size_t len, const jalon_visitor *v, void *user,
                         jalon_error **err) {
  if (jj_visitor_check(v)) return ju_error(err, JALON_EINVAL, "jalon_diagnose_visit: NULL callback");
  jalon_error *e = NULL;
  jj_request req;
  jalon_result *res = NULL;
  int rc = diagnose_request(&res, &req, ws, request, len, &e);
  jj_emit em = {v, user, 0};
  if (!rc) {
    emit_response(&em, res);
    if (em.rc) rc = response_error(&e, em.rc);
  } else {
    error_doc d = {req.id, rc, e};
    emit_error(&em, &d);
    /* The error object could not be delivered: the caller has only *err. */
    if (em.rc) {
      jalon_error_free(e);
      e = NULL;
      rc = response_error(&e, em.rc);
    }
  }
  jalon_result_free(res);
  jj_request_free(&req);
  return finish(rc, e, err);
}

/* ---- the ROME fiche ---- */

static const char *kind_name(uint8_t kind) {
  switch (kind) {
  case JM_ITEM_SAVOIR_ETRE: return "savoir_etre";
  case JM_ITEM_SAVOIR: return "savoir";
  default: return "savoir_faire";
  }
}

static void emit_code_label(jj_emit *e, const char *key, const jalon_model *m, uint32_t code, uint32_t label) {
  je_kobject(e, key);
  je_kstr(e, "code", jm_str(m, code));
  je_kstr(e, "label", jm_str(m, label));
  je_end_object(e);
}

typedef struct fiche_doc {
  const jalon_model *m;
  const jm_fiche *f;
} fiche_doc;

static void emit_fiche(jj_emit *e, const void *ctx) {
  const jalon_model *m = ((const fiche_doc *)ctx)->m;
  const jm_fiche *f = ((const fiche_doc *)ctx)->f;
  je_begin_object(e);
  je_kstr(e, "rome", jm_str(m, f->code));
  je_kstr(e, "parent", jm_str(m, f->parent));
  je_kstr(e, "label", jm_str(m, f->label));
  emit_code_label(e, "grand_domaine", m, f->grand_domaine, f->grand_domaine_label);
  emit_code_label(e, "domaine_professionnel", m, f->domaine_pro, f->domaine_pro_label);
  je_kstr(e, "definition", jm_str(m, f->definition));
  je_kstr(e, "access", jm_str(m, f->access));

  je_karray(e, "appellations");
  for (uint32_t k = 0; k < f->appel_count && !e->rc; k++) {
    const jm_appel *a = &m->appels[f->appel_first + k];
    je_begin_object(e);
    je_kcode(e, "code", a->code_ogr);
    je_kstr(e, "label", jm_str(m, a->label));
    je_kstr(e, "label_short", jm_str(m, a->label_short));
    je_kbool(e, "peu_usite", a->peu_usite);
    je_kbool(e, "principale", a->principale);
    je_end_object(e);
  }
  je_end_array(e);

  je_karray(e, "competences");
  for (uint32_t k = 0; k < f->item_count && !e->rc; k++) {
    const jm_fiche_item *fi = &m->fiche_items[f->item_first + k];
    const jm_item *item = &m->items[fi->item];
    je_begin_object(e);
    je_kcode(e, "code", item->code_ogr);
    je_kstr(e, "label", jm_str(m, item->label));
    je_kstr(e, "kind", kind_name(item->kind));
    /* null, not absent, when the fiche does not rank it: the field is
     * always there for readers that index by key. */
    if (fi->core == JM_CORE_PRINCIPALE) je_kstr(e, "core", "principale");
    else if (fi->core == JM_CORE_EMERGENTE) je_kstr(e, "core", "emergente");
    else je_knull(e, "core");
    je_end_object(e);
  }
  je_end_array(e);

  je_karray(e, "mobility");
  for (uint32_t k = 0; k < f->mob_count && !e->rc; k++) {
    const jm_mobility *mo = &m->mobility[f->mob_first + k];
    const jm_fiche *t = &m->fiches[mo->target];
    je_begin_object(e);
    je_kstr(e, "rome", jm_str(m, t->code));
    je_kstr(e, "label", jm_str(m, t->label));
    je_knum(e, "rank", mo->rank);
    je_end_object(e);
  }
  je_end_array(e);
  je_end_object(e);
}

int jalon_model_fiche_json(char **out, const jalon_model *m, const char *code, jalon_error **err) {
  if (!out || !m || !code) return ju_error(err, JALON_EINVAL, "jalon_model_fiche_json: NULL argument");
  *out = NULL;
  long i = jalon_model_find_fiche(m, code);
  if (i < 0) return ju_error(err, JALON_ENOTFOUND, "no fiche \"%s\" in this model", code);
  fiche_doc d = {m, &m->fiches[i]};
  int rc = jj_write_json(out, 0, emit_fiche, &d);
  if (rc) return ju_error(err, rc, "out of memory writing the fiche JSON");
  return 0;
}
