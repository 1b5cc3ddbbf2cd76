/* Trainings in the public API: attaching a catalogue to a workspace, the
 * result accessors, the "trainings" JSON array, and the direct lookup of the
 * trainings leading to one ROME job. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/json.h"
#include "api/emit.h"
#include "api/result.h"
#include "api/workspace.h"
#include "model/model.h"
#include "train/build.h"
#include "util/error.h"

int jalon_workspace_set_catalogue(jalon_workspace *ws, const jalon_catalogue *cat) {
  if (!ws) return JALON_EINVAL;
  ws->catalogue = cat;
  return 0;
}

static const jr_training *training_at(const jalon_result *r, size_t i) {
  return r && i < r->n_trainings ? &r->trainings[i] : NULL;
}

size_t jalon_result_training_count(const jalon_result *r) { return r ? r->n_trainings : 0; }

const char *jalon_result_training_title(const jalon_result *r, size_t i) {
  const jr_training *t = training_at(r, i);
  return t ? jca_str(r->catalogue, r->catalogue->certs[t->cert].title) : NULL;
}

const char *jalon_result_training_id(const jalon_result *r, size_t i) {
  const jr_training *t = training_at(r, i);
  if (!t) return NULL;
  const jca_cert *c = &r->catalogue->certs[t->cert];
  uint32_t ref = c->certifinfo ? c->certifinfo : c->rncp ? c->rncp : c->rs;
  return jca_str(r->catalogue, ref);
}

double jalon_result_training_score(const jalon_result *r, size_t i) {
  const jr_training *t = training_at(r, i);
  return t ? t->score : 0;
}

const char *jalon_result_training_reason(const jalon_result *r, size_t i) {
  const jr_training *t = training_at(r, i);
  return t ? jr_train_reason_name(t->reason) : NULL;
}

size_t jalon_result_training_session_count(const jalon_result *r, size_t i) {
  const jr_training *t = training_at(r, i);
  return t ? t->n_sessions : 0;
}

int jalon_result_training_session(const jalon_result *r, size_t i, size_t k, const char **organisation,
                                  const char **city, const char **department, unsigned *start, unsigned *end,
                                  int *distance, double *km) {
  const jr_training *t = training_at(r, i);
  if (!t || k >= t->n_sessions) return JALON_EINVAL;
  const jalon_catalogue *c = r->catalogue;
  const jca_session *s = &c->sessions[t->sessions[k]];
  if (organisation) *organisation = jca_str(c, s->organisation);
  if (city) *city = jca_str(c, s->city);
  if (department) *department = s->department[0] ? s->department : NULL;
  if (start) *start = s->start;
  if (end) *end = s->end;
  if (distance) *distance = s->distance;
  if (km) *km = t->km[k];
  return 0;
}

/* ---- JSON ---- */

static void emit_date(jj_emit *e, const char *key, uint32_t ymd) {
  if (!ymd) {
    je_knull(e, key);
    return;
  }
  char buf[16];
  snprintf(buf, sizeof buf, "%04" PRIu32 "-%02" PRIu32 "-%02" PRIu32, ymd / 10000 % 10000, ymd / 100 % 100,
           ymd % 100);
  je_kstr(e, key, buf);
}

static void emit_place(jj_emit *e, const jalon_catalogue *c, const jca_session *s) {
  je_kobject(e, "place");
  je_kstr_opt(e, "city", jca_str(c, s->city));
  je_kstr_opt(e, "postcode", jca_str(c, s->postcode));
  je_kstr_opt(e, "department", s->department);
  je_kstr_opt(e, "region", s->region);
  if (s->has_coords) {
    je_knum(e, "lat", round4(s->lat));
    je_knum(e, "lon", round4(s->lon));
  }
  je_end_object(e);
}

static void emit_funding(jj_emit *e, uint32_t f) {
  static const struct {
    uint32_t bit;
    const char *name;
  } names[] = {{JTR_FUND_CPF, "cpf"},
               {JTR_FUND_REGION, "region"},
               {JTR_FUND_FRANCE_TRAVAIL, "france_travail"},
               {JTR_FUND_APPRENTICESHIP, "apprenticeship"}};
  je_karray(e, "funding");
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (f & names[i].bit) je_string(e, names[i].name);
  je_end_array(e);
}

static void emit_session(jj_emit *e, const jalon_catalogue *c, const jca_session *s, float km) {
  je_begin_object(e);
  je_kstr_opt(e, "id", jca_str(c, s->id));
  je_kstr_opt(e, "organisation", jca_str(c, s->organisation));
  je_kstr_opt(e, "siret", jca_str(c, s->siret));
  emit_place(e, c, s);
  emit_date(e, "start", s->start);
  emit_date(e, "end", s->end);
  if (s->hours) je_knum(e, "hours", s->hours);
  if (s->distance >= 0) je_kbool(e, "distance", s->distance == 1);
  if (km >= 0) je_knum(e, "distance_km", round(km * 10.0) / 10.0);
  emit_funding(e, s->funding);
  je_kstr_opt(e, "url", jca_str(c, s->url));
  je_end_object(e);
}

static void emit_codes(jj_emit *e, const jalon_catalogue *c, const jca_cert *x) {
  je_karray(e, "rome");
  for (unsigned k = 0; k < x->n_rome; k++) je_string(e, c->cert_rome[x->rome_first + k].code);
  je_end_array(e);
  je_karray(e, "formacode");
  for (unsigned k = 0; k < 5 && x->formacode[k]; k++) {
    char buf[12];
    snprintf(buf, sizeof buf, "%05" PRIu32, x->formacode[k]);
    je_string(e, buf);
  }
  je_end_array(e);
}

static void emit_covers(jj_emit *e, const jalon_result *r, const jr_training *t) {
  const jalon_model *m = r->model;
  je_karray(e, "covers");
  for (uint32_t k = 0; k < t->cover_count; k++) {
    const jm_item *it = &m->items[r->train_covers[t->cover_first + k]];
    je_begin_object(e);
    je_kstr(e, "kind", "competence");
    je_kcode(e, "code", it->code_ogr);
    je_kstr(e, "label", jm_str(m, it->label));
    je_end_object(e);
  }
  for (int d = 0; d < 7; d++) {
    if (!(t->clea & (1u << d))) continue;
    je_begin_object(e);
    je_kstr(e, "kind", "clea");
    je_knum(e, "domain", d + 1);
    const char *label = r->has_clea ? jalon_result_clea_label(r, d + 1) : NULL;
    if (label) je_kstr(e, "label", label);
    je_end_object(e);
  }
  je_end_array(e);
}

/* Plain-French reason shown to the person. */
static const char *reason_fr(int reason) {
  switch (reason) {
  case JR_TRAIN_TARGET: return "Cette formation prépare au métier visé.";
  case JR_TRAIN_GAP: return "Cette formation couvre des compétences qui vous manquent.";
  default: return "Cette formation renforce les compétences de base à développer.";
  }
}

static void emit_training(jj_emit *e, const jalon_result *r, const jr_training *t) {
  const jalon_catalogue *c = r->catalogue;
  const jca_cert *x = &c->certs[t->cert];
  je_begin_object(e);
  const char *id = jca_str(c, x->certifinfo ? x->certifinfo : x->rncp ? x->rncp : x->rs);
  if (id) je_kstr(e, "id", id);
  je_kstr(e, "title", jca_str(c, x->title));
  je_kstr_opt(e, "type", jca_str(c, x->type));
  if (x->level) je_knum(e, "level", x->level);
  je_kstr_opt(e, "certifinfo", jca_str(c, x->certifinfo));
  je_kstr_opt(e, "rncp", jca_str(c, x->rncp));
  je_kstr_opt(e, "rs", jca_str(c, x->rs));
  je_kstr_opt(e, "certifier", jca_str(c, x->certifier));
  emit_codes(e, c, x);
  je_knum(e, "score", round4(t->score));
  je_kstr(e, "reason", jr_train_reason_name(t->reason));
  je_kstr(e, "reason_fr", reason_fr(t->reason));
  emit_covers(e, r, t);
  /* The contract's top-level organisation, place and distance are those of
   * the first (nearest, soonest) session. */
  if (t->n_sessions) {
    const jca_session *s = &c->sessions[t->sessions[0]];
    je_kstr_opt(e, "organisation", jca_str(c, s->organisation));
    emit_place(e, c, s);
    je_kbool(e, "distance", s->distance == 1);
  }
  je_karray(e, "sessions");
  for (unsigned k = 0; k < t->n_sessions; k++) emit_session(e, c, &c->sessions[t->sessions[k]], t->km[k]);
  je_end_array(e);
  je_knum(e, "sessions_in_catalogue", x->sess_count);
  je_end_object(e);
}

void jj_emit_trainings(jj_emit *e, const jalon_result *r) {
  if (!r->catalogue) return;
  je_karray(e, "trainings");
  for (size_t i = 0; i < r->n_trainings && !e->rc; i++) emit_training(e, r, &r->trainings[i]);
  je_end_array(e);
}

int jj_check_place(const jalon_place *p, jalon_error **err) {
  if (!p) return 0;
  if (p->has_coords && !(isfinite(p->lat) && isfinite(p->lon) && p->lat >= -90 && p->lat <= 90 &&
                         p->lon >= -180 && p->lon <= 180))
    return ju_error(err, JALON_EINVAL, "place: lat must lie in [-90, 90] and lon in [-180, 180]");
  if (!isfinite(p->radius_km) || p->radius_km < 0 || p->radius_km > 20000)
    return ju_error(err, JALON_EINVAL, "place: radius_km must lie in [0, 20000]");
  /* Codes are compared with the catalogue's 3-character fields. */
  if ((p->department && strlen(p->department) > 3) || (p->region && strlen(p->region) > 3))
    return ju_error(err, JALON_EINVAL, "place: department and region are codes of at most 3 characters");
  return 0;
}

typedef struct lookup_doc {
  const jalon_result *r;
  const jalon_catalogue *c;
  const char *rome, *label;
} lookup_doc;

static void emit_lookup(jj_emit *e, const void *ctx) {
  const lookup_doc *d = ctx;
  je_begin_object(e);
  je_kstr(e, "rome", d->rome);
  if (d->label) je_kstr(e, "label", d->label);
  je_kstr(e, "catalogue", jalon_catalogue_checksum(d->c));
  jj_emit_trainings(e, d->r);
  je_end_object(e);
}

int jalon_catalogue_lookup_json(char **out, const jalon_catalogue *c, const jalon_model *m, const char *rome,
                                const jalon_place *place, const char *after, unsigned max, jalon_error **err) {
  if (!out || !c || !rome) return ju_error(err, JALON_EINVAL, "jalon_catalogue_lookup_json: NULL argument");
  *out = NULL;
  if (max > JALON_MAX_TRAININGS)
    return ju_error(err, JALON_EINVAL, "max %u above the limit %u", max, JALON_MAX_TRAININGS);
  uint32_t ymd = 0;
  if (after && (strlen(after) != 10 || jtr_date_parse(after, &ymd)))
    return ju_error(err, JALON_EINVAL, "after \"%.16s\" is not a date written YYYY-MM-DD", after);
  int bad = jj_check_place(place, err);
  if (bad) return bad;
  long fiche = m ? jalon_model_find_fiche(m, rome) : -1;
  if (m && fiche < 0) return ju_error(err, JALON_ENOTFOUND, "\"%.16s\" is not a ROME code of this model", rome);
  jalon_result *r = NULL;
  if (jr_result_new(&r, m, "", 0, NULL)) return ju_error(err, JALON_ENOMEM, "out of memory");
  jtr_query q = {place, ymd, max ? max : JALON_DEFAULT_TRAININGS};
  int rc = jtr_recommend_rome(r, c, rome, &q);
  lookup_doc d = {r, c, rome, fiche >= 0 ? jalon_model_fiche_label(m, (size_t)fiche) : NULL};
  if (!rc) rc = jj_write_json(out, 0, emit_lookup, &d);
  jalon_result_free(r);
  if (rc) return ju_error(err, rc, "cannot write the trainings JSON");
  return 0;
}
