/* RCO apprenticeship catalogue importer (Réseau des Carif-Oref JSON export):
 * one session per start month of each action, joined to Certif Info, which
 * must therefore be imported first (jtr_import_certifinfo). */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>

#include "train/build.h"
#include "train/import_util.h"
#include "util/error.h"

/* The export names no training organisation and no title (intitule_formation
 * is "" throughout): who trains is only a SIRET, what is trained comes from
 * the Certif Info certification, which is why that file is imported first. */
static int add_action(const cJSON *a, jti_rec *r) {
  if (!jti_is_object(r, a)) return 0;
  jtr_session_in s = {0};
  s.id = jti_str(r, a, "id_action");
  const char *ci = jti_str(r, a, "id_certifinfo");
  s.siret = jti_str(r, a, "etablissement_formateur_siret");
  /* The street address has no field in jtr_session_in; the postcode and
   * the INSEE code place the session. */
  s.postcode = jti_str(r, a, "etablissement_lieu_formation_code_postal");
  s.insee = jti_str(r, a, "etablissement_lieu_formation_code_insee");
  const char *geo = jti_str(r, a, "etablissement_lieu_formation_geo_coordonnees");
  s.distance = jti_bool(r, a, "entierement_a_distance");
  const cJSON *months = jti_array(r, a, "periode");
  if (r->bad) return 0;
  if (!s.id) {
    jti_reject(r, "no id_action");
    return 0;
  }
  if (geo && jti_latlon(geo, &s.lat, &s.lon)) {
    jti_reject(r, "field \"etablissement_lieu_formation_geo_coordonnees\" must be \"lat,lon\" (\"%.40s\")", geo);
    return 0;
  }
  s.has_coords = geo != NULL;
  s.cert = ci ? jtr_builder_find_cert(r->b, ci) : UINT32_MAX;
  if (s.cert == UINT32_MAX) {
    if (ci) jti_reject(r, "no certification known for Certif Info code %s", ci);
    else jti_reject(r, "no Certif Info code (id_certifinfo)");
    return 0;
  }
  s.funding = JTR_FUND_APPRENTICESHIP;
  /* Checked before any session is added, so that an action is kept or
   * refused whole. */
  const cJSON *m;
  cJSON_ArrayForEach(m, months) {
    uint32_t ymd;
    if (!cJSON_IsString(m) || jtr_date_parse(m->valuestring, &ymd)) {
      jti_reject(r, "field \"periode\" must hold months written YYYY-MM");
      return 0;
    }
  }
  int rc = 0;
  cJSON_ArrayForEach(m, months) {
    s.start = m->valuestring;
    if ((rc = jti_add_session(r, &s)) || r->bad) return rc;
  }
  /* No start month: the action is still offered, date unknown. */
  return cJSON_GetArraySize(months) ? 0 : jti_add_session(r, &s);
}

int jtr_import_rco(jtr_builder *b, const char *path, jalon_error **err) {
  if (!b || !path) return ju_error(err, JALON_EINVAL, "jtr_import_rco: NULL argument");
  char *data = NULL;
  size_t len = 0;
  cJSON *doc = NULL;
  int rc = jti_read_file(path, &data, &len, err);
  if (!rc) rc = jti_parse_json(&doc, data, len, path, err);
  free(data);
  if (rc) return rc;
  /* An array of actions: one object with id_action is enough to tell it
   * from another JSON file; the other elements are then judged one by one. */
  int actions = 0;
  const cJSON *list = cJSON_IsArray(doc) ? doc : NULL, *a;
  cJSON_ArrayForEach(a, list) actions |= cJSON_IsObject(a) && cJSON_HasObjectItem(a, "id_action");
  if (!cJSON_IsArray(doc) || (!actions && cJSON_GetArraySize(doc) > 0)) {
    cJSON_Delete(doc);
    return ju_error(err, JALON_EFORMAT, "%s: not an RCO catalogue (a JSON array of actions with \"id_action\")",
                    path);
  }
  size_t i = 0;
  cJSON_ArrayForEach(a, doc) {
    jti_rec r;
    jti_rec_init(&r, b, path, NULL, i++);
    if ((rc = add_action(a, &r))) {
      rc = ju_error(err, rc, "out of memory importing %s", path);
      break;
    }
  }
  cJSON_Delete(doc);
  return rc;
}
