/* Trainings in the public API: attaching a catalogue to a workspace, the
 * result accessors, the "trainings" JSON array, and the direct lookup of the
 * trainings leading to one ROME job. */
#include <cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/json.h"
#include "api/json_util.h"
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

static int add_opt_str(cJSON *o, const char *key, const char *v) { return v && *v ? add_str(o, key, v) : 0; }

static int add_date(cJSON *o, const char *key, uint32_t ymd) {
  if (!ymd) return cJSON_AddNullToObject(o, key) ? 0 : JALON_ENOMEM;
  char buf[16];
  snprintf(buf, sizeof buf, "%04" PRIu32 "-%02" PRIu32 "-%02" PRIu32, ymd / 10000 % 10000, ymd / 100 % 100,
           ymd % 100);
  return add_str(o, key, buf);
}

static int add_place(cJSON *o, const jalon_catalogue *c, const jca_session *s) {
  cJSON *p = cJSON_AddObjectToObject(o, "place");
  if (!p) return JALON_ENOMEM;
  int rc = add_opt_str(p, "city", jca_str(c, s->city));
  if (!rc) rc = add_opt_str(p, "postcode", jca_str(c, s->postcode));
  if (!rc) rc = add_opt_str(p, "department", s->department);
  if (!rc) rc = add_opt_str(p, "region", s->region);
  if (!rc && s->has_coords) rc = add_num(p, "lat", round4(s->lat));
  if (!rc && s->has_coords) rc = add_num(p, "lon", round4(s->lon));
  return rc;
}

static int add_funding(cJSON *o, uint32_t f) {
  cJSON *a = cJSON_AddArrayToObject(o, "funding");
  if (!a) return JALON_ENOMEM;
  static const struct { uint32_t bit; const char *name; } names[] = {
      {JTR_FUND_CPF, "cpf"}, {JTR_FUND_REGION, "region"}, {JTR_FUND_FRANCE_TRAVAIL, "france_travail"},
      {JTR_FUND_APPRENTICESHIP, "apprenticeship"}};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    if (!(f & names[i].bit)) continue;
    cJSON *s = cJSON_CreateString(names[i].name);
    if (!s || !cJSON_AddItemToArray(a, s)) {
      cJSON_Delete(s);
      return JALON_ENOMEM;
    }
  }
  return 0;
}

static int add_session(cJSON *arr, const jalon_catalogue *c, const jca_session *s, float km) {
  cJSON *o = push_object(arr);
  if (!o) return JALON_ENOMEM;
  int rc = add_opt_str(o, "id", jca_str(c, s->id));
  if (!rc) rc = add_opt_str(o, "organisation", jca_str(c, s->organisation));
  if (!rc) rc = add_opt_str(o, "siret", jca_str(c, s->siret));
  if (!rc) rc = add_place(o, c, s);
  if (!rc) rc = add_date(o, "start", s->start);
  if (!rc) rc = add_date(o, "end", s->end);
  if (!rc && s->hours) rc = add_num(o, "hours", s->hours);
  if (!rc && s->distance >= 0) rc = add_bool(o, "distance", s->distance == 1);
  if (!rc && km >= 0) rc = add_num(o, "distance_km", round(km * 10.0) / 10.0);
  if (!rc) rc = add_funding(o, s->funding);
  if (!rc) rc = add_opt_str(o, "url", jca_str(c, s->url));
  return rc;
}

static int add_codes(cJSON *o, const jalon_catalogue *c, const jca_cert *x) {
  cJSON *rome = cJSON_AddArrayToObject(o, "rome");
  cJSON *fc = rome ? cJSON_AddArrayToObject(o, "formacode") : NULL;
  if (!fc) return JALON_ENOMEM;
  for (unsigned k = 0; k < x->n_rome; k++) {
    cJSON *s = cJSON_CreateString(c->cert_rome[x->rome_first + k].code);
    if (!s || !cJSON_AddItemToArray(rome, s)) {
      cJSON_Delete(s);
      return JALON_ENOMEM;
    }
  }
  for (unsigned k = 0; k < 5 && x->formacode[k]; k++) {
    char buf[12];
    snprintf(buf, sizeof buf, "%05" PRIu32, x->formacode[k]);
    cJSON *s = cJSON_CreateString(buf);
    if (!s || !cJSON_AddItemToArray(fc, s)) {
      cJSON_Delete(s);
      return JALON_ENOMEM;
    }
  }
  return 0;
}

static int add_covers(cJSON *o, const jalon_result *r, const jr_training *t) {
  cJSON *a = cJSON_AddArrayToObject(o, "covers");
  if (!a) return JALON_ENOMEM;
  const jalon_model *m = r->model;
  for (uint32_t k = 0; k < t->cover_count; k++) {
    const jm_item *it = &m->items[r->train_covers[t->cover_first + k]];
    cJSON *e = push_object(a);
    char code[12];
    snprintf(code, sizeof code, "%" PRIu32, it->code_ogr);
    int rc = e ? add_str(e, "kind", "competence") : JALON_ENOMEM;
    if (!rc) rc = add_str(e, "code", code);
    if (!rc) rc = add_str(e, "label", jm_str(m, it->label));
    if (rc) return rc;
  }
  for (int d = 0; d < 7; d++) {
    if (!(t->clea & (1u << d))) continue;
    cJSON *e = push_object(a);
    int rc = e ? add_str(e, "kind", "clea") : JALON_ENOMEM;
    if (!rc) rc = add_num(e, "domain", d + 1);
    const char *label = r->has_clea ? jalon_result_clea_label(r, d + 1) : NULL;
    if (!rc && label) rc = add_str(e, "label", label);
    if (rc) return rc;
  }
  return 0;
}

/* Plain-French reason shown to the person. */
static const char *reason_fr(int reason) {
  switch (reason) {
  case JR_TRAIN_TARGET: return "Cette formation prépare au métier visé.";
  case JR_TRAIN_GAP: return "Cette formation couvre des compétences qui vous manquent.";
  default: return "Cette formation renforce les compétences de base à développer.";
  }
}

static int add_training(cJSON *arr, const jalon_result *r, const jr_training *t) {
  const jalon_catalogue *c = r->catalogue;
  const jca_cert *x = &c->certs[t->cert];
  cJSON *o = push_object(arr);
  if (!o) return JALON_ENOMEM;
  const char *id = jca_str(c, x->certifinfo ? x->certifinfo : x->rncp ? x->rncp : x->rs);
  int rc = id ? add_str(o, "id", id) : 0;
  if (!rc) rc = add_str(o, "title", jca_str(c, x->title));
  if (!rc) rc = add_opt_str(o, "type", jca_str(c, x->type));
  if (!rc && x->level) rc = add_num(o, "level", x->level);
  if (!rc) rc = add_opt_str(o, "certifinfo", jca_str(c, x->certifinfo));
  if (!rc) rc = add_opt_str(o, "rncp", jca_str(c, x->rncp));
  if (!rc) rc = add_opt_str(o, "rs", jca_str(c, x->rs));
  if (!rc) rc = add_opt_str(o, "certifier", jca_str(c, x->certifier));
  if (!rc) rc = add_codes(o, c, x);
  if (!rc) rc = add_num(o, "score", round4(t->score));
  if (!rc) rc = add_str(o, "reason", jr_train_reason_name(t->reason));
  if (!rc) rc = add_str(o, "reason_fr", reason_fr(t->reason));
  if (!rc) rc = add_covers(o, r, t);
  /* The contract's top-level organisation, place and distance are those of
   * the first (nearest, soonest) session. */
  if (!rc && t->n_sessions) {
    const jca_session *s = &c->sessions[t->sessions[0]];
    rc = add_opt_str(o, "organisation", jca_str(c, s->organisation));
    if (!rc) rc = add_place(o, c, s);
    if (!rc) rc = add_bool(o, "distance", s->distance == 1);
  }
  cJSON *sess = rc ? NULL : cJSON_AddArrayToObject(o, "sessions");
  if (!rc && !sess) rc = JALON_ENOMEM;
  for (unsigned k = 0; k < t->n_sessions && !rc; k++)
    rc = add_session(sess, c, &c->sessions[t->sessions[k]], t->km[k]);
  if (!rc) rc = add_num(o, "sessions_in_catalogue", x->sess_count);
  return rc;
}

int jj_add_trainings(cJSON *root, const jalon_result *r) {
  if (!r->catalogue) return 0;
  cJSON *a = cJSON_AddArrayToObject(root, "trainings");
  if (!a) return JALON_ENOMEM;
  for (size_t i = 0; i < r->n_trainings; i++) {
    int rc = add_training(a, r, &r->trainings[i]);
    if (rc) return rc;
  }
  return 0;
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
  cJSON *root = rc ? NULL : cJSON_CreateObject();
  if (!rc && !root) rc = JALON_ENOMEM;
  if (!rc) rc = add_str(root, "rome", rome);
  if (!rc && fiche >= 0) rc = add_str(root, "label", jalon_model_fiche_label(m, (size_t)fiche));
  if (!rc) rc = add_str(root, "catalogue", jalon_catalogue_checksum(c));
  if (!rc) rc = jj_add_trainings(root, r);
  if (!rc) rc = print_doc(out, root, 0);
  cJSON_Delete(root);
  jalon_result_free(r);
  if (rc) return ju_error(err, rc, "cannot write the trainings JSON");
  return 0;
}
