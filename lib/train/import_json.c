/* JSON catalogue importer: the Jalon catalogue format for integrators
 * (docs/catalogue-format.md) and Intercarif formation JSON, told apart here. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/build.h"
#include "train/import_util.h"
#include "util/error.h"
#include "util/strmap.h"

/* ---- Jalon catalogue format ---- */

static const struct { const char *name; unsigned bit; } funders[] = {
  {"cpf", JTR_FUND_CPF}, {"region", JTR_FUND_REGION}, {"france_travail", JTR_FUND_FRANCE_TRAVAIL},
  {"apprenticeship", JTR_FUND_APPRENTICESHIP},
};

static const struct { const char *name; unsigned bit; } cert_flags[] = {
  {"basic_skills", JTR_CERT_BASIC_SKILLS}, {"preparatory", JTR_CERT_PREPARATORY},
  {"inactive", JTR_CERT_INACTIVE},
};

/* A date field: absent is unknown; text that is no date rejects the record
 * (build.h leaves reporting bad dates to the importers). */
static const char *date_field(jti_rec *r, const cJSON *o, const char *path) {
  const char *s = jti_str(r, o, path);
  uint32_t ymd;
  if (s && jtr_date_parse(s, &ymd)) {
    jti_reject(r, "field \"%s\" must be a date written YYYY-MM-DD, YYYY-MM or YYYYMMDD", path);
    return NULL;
  }
  return s;
}

/* Coordinates given as a pair or not at all: one alone is a broken record. */
static void coords(jti_rec *r, const cJSON *o, const char *lat, const char *lon, int lenient,
                   jtr_session_in *s) {
  int has_lat = jti_num(r, o, lat, lenient, &s->lat), has_lon = jti_num(r, o, lon, lenient, &s->lon);
  if (r->bad || (!has_lat && !has_lon)) return;
  if (has_lat != has_lon) jti_reject(r, "fields \"%s\" and \"%s\" must be given together", lat, lon);
  else if (!jti_coords_ok(s->lat, s->lon)) jti_reject(r, "coordinates %g, %g out of range", s->lat, s->lon);
  else s->has_coords = 1;
}

static int add_jalon_cert(const cJSON *o, jti_rec *r, ju_strmap *ids) {
  if (!jti_is_object(r, o)) return 0;
  jtr_cert_in c = {0};
  const char *id = jti_str(r, o, "id");
  c.certifinfo = jti_str(r, o, "certifinfo");
  c.title = jti_str(r, o, "title");
  c.type = jti_str(r, o, "type");
  long level = 0;
  if (jti_int(r, o, "level", 0, 0, 8, &level)) c.level = (int)level;
  jti_codes(r, o, "formacode", c.formacode, JTR_MAX_FORMACODE, 1);
  jti_codes(r, o, "rome", c.rome, JTR_MAX_ROME, 1);
  c.rncp = jti_str(r, o, "rncp");
  c.rs = jti_str(r, o, "rs");
  c.certifier = jti_str(r, o, "certifier");
  for (size_t i = 0; i < sizeof cert_flags / sizeof *cert_flags; i++)
    if (jti_bool(r, o, cert_flags[i].name) == 1) c.flags |= cert_flags[i].bit;
  if (!r->bad && !c.title) jti_reject(r, "field \"title\" is required");
  if (!r->bad && id && ju_strmap_get(ids, id, strlen(id)) != UINT32_MAX)
    jti_reject(r, "id \"%s\" is given to an earlier certification", id);
  if (r->bad) return 0;
  uint32_t idx;
  int rc = jti_add_cert(r, &c, &idx);
  if (!rc && !r->bad && id && ju_strmap_put(ids, id, strlen(id), idx, NULL) == UINT32_MAX) rc = JALON_ENOMEM;
  return rc;
}

static int add_jalon_session(const cJSON *o, jti_rec *r, const ju_strmap *ids) {
  if (!jti_is_object(r, o)) return 0;
  jtr_session_in s = {0};
  const char *ref = jti_str(r, o, "certification"), *ci = jti_str(r, o, "certifinfo");
  s.id = jti_str(r, o, "id");
  s.organisation = jti_str(r, o, "organisation");
  s.siret = jti_str(r, o, "siret");
  s.city = jti_str(r, o, "city");
  s.postcode = jti_str(r, o, "postcode");
  s.insee = jti_str(r, o, "insee");
  s.department = jti_str(r, o, "department");
  s.region = jti_str(r, o, "region");
  s.url = jti_str(r, o, "url");
  coords(r, o, "lat", "lon", 0, &s);
  s.start = date_field(r, o, "start");
  s.end = date_field(r, o, "end");
  long hours = 0;
  if (jti_int(r, o, "hours", 0, 0, 100000, &hours)) s.hours = (unsigned)hours;
  s.distance = jti_bool(r, o, "distance");
  const cJSON *fund = jti_array(r, o, "funding"), *f;
  cJSON_ArrayForEach(f, fund) {
    size_t k = 0;
    while (k < sizeof funders / sizeof *funders &&
           !(cJSON_IsString(f) && strcmp(f->valuestring, funders[k].name) == 0))
      k++;
    if (k == sizeof funders / sizeof *funders) {
      jti_reject(r, "field \"funding\" holds an unknown funder (cpf, region, france_travail, apprenticeship)");
      break;
    }
    s.funding |= funders[k].bit;
  }
  if (r->bad) return 0;
  if (ref) {
    s.cert = ju_strmap_get(ids, ref, strlen(ref));
    if (s.cert == UINT32_MAX) jti_reject(r, "no certification with id \"%s\" in this file", ref);
  } else if (ci) {
    s.cert = jtr_builder_find_cert(r->b, ci);
    if (s.cert == UINT32_MAX) jti_reject(r, "no certification known for Certif Info code %s", ci);
  } else {
    jti_reject(r, "field \"certification\" or \"certifinfo\" is required");
  }
  return r->bad ? 0 : jti_add_session(r, &s);
}

/* A top-level member that is not an array is the document's shape being
 * wrong, not one record: the whole file is refused. */
static int section(const cJSON *doc, const char *key, const char *name, const cJSON **out,
                   jalon_error **err) {
  *out = cJSON_GetObjectItemCaseSensitive(doc, key);
  if (*out && !cJSON_IsNull(*out) && !cJSON_IsArray(*out))
    return ju_error(err, JALON_EFORMAT, "%s: \"%s\" must be an array", name, key);
  return 0;
}

static int import_jalon(jtr_builder *b, const cJSON *doc, const char *name, jalon_error **err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "jalon_catalogue");
  if (!cJSON_IsNumber(v) || v->valuedouble != 1)
    return ju_error(err, JALON_EFORMAT, "%s: \"jalon_catalogue\" must be 1, the only version this library reads",
                    name);
  const cJSON *certs, *sessions, *o;
  int rc = section(doc, "certifications", name, &certs, err);
  if (!rc) rc = section(doc, "sessions", name, &sessions, err);
  if (rc) return rc;
  ju_strmap ids;
  ju_strmap_init(&ids);
  size_t i = 0;
  cJSON_ArrayForEach(o, certs) {
    jti_rec r;
    jti_rec_init(&r, b, name, "certifications", i++);
    if ((rc = add_jalon_cert(o, &r, &ids))) break;
  }
  i = 0;
  if (rc) sessions = NULL;
  cJSON_ArrayForEach(o, sessions) {
    jti_rec r;
    jti_rec_init(&r, b, name, "sessions", i++);
    if ((rc = add_jalon_session(o, &r, &ids))) break;
  }
  ju_strmap_free(&ids);
  return rc;
}

/* ---- Intercarif formation JSON ---- */

static unsigned session_funding(jti_rec *r, const cJSON *s) {
  unsigned bits = 0;
  const cJSON *fs = jti_array(r, s, "financeurs"), *f;
  cJSON_ArrayForEach(f, fs) {
    long code;
    if (!cJSON_IsObject(f)) {
      jti_reject(r, "field \"financeurs\" must hold objects");
      break;
    }
    if (jti_int(r, f, "code", 1, 0, 999, &code)) bits |= jti_lheo_funder(code);
  }
  /* Any CPF eligibility entry means the session can be paid with a CPF
   * account; the entries only narrow who (employees of some branches,
   * job-seekers of a region). */
  if (cJSON_GetArraySize(jti_array(r, s, "eligibilite-cpf")) > 0) bits |= JTR_FUND_CPF;
  return bits;
}

/* Intercarif writes "00000000" for a date it does not know (LHÉO's
 * convention), which is no error. */
static const char *lheo_date(jti_rec *r, const cJSON *o, const char *path) {
  const char *s = jti_str(r, o, path);
  return s && strcmp(s, "00000000") == 0 ? NULL : date_field(r, o, path);
}

static int add_formation_session(const cJSON *s, jti_rec *r, const jtr_session_in *base) {
  if (!jti_is_object(r, s)) return 0;
  jtr_session_in x = *base;
  x.id = jti_str(r, s, "id");
  x.start = lheo_date(r, s, "debut");
  x.end = lheo_date(r, s, "fin");
  long hours = 0;
  if (jti_int(r, s, "nombre-heures-total", 1, 0, 100000, &hours)) x.hours = (unsigned)hours;
  x.city = jti_str(r, s, "localisation.formation.ville");
  x.postcode = jti_str(r, s, "localisation.formation.code-postal");
  x.insee = jti_str(r, s, "localisation.formation.commune-insee");
  coords(r, s, "localisation.formation.latitude", "localisation.formation.longitude", 1, &x);
  x.funding = session_funding(r, s);
  x.url = jti_str(r, s, "contact.url");
  return r->bad ? 0 : jti_add_session(r, &x);
}

/* One formation: its certification (found by Certif Info code, else made
 * from the formation) and its sessions. A bad session is refused alone; a
 * bad formation field refuses the formation with its sessions. */
static int add_formation(const cJSON *f, jti_rec *r, const char *sessions_section) {
  if (!jti_is_object(r, f)) return 0;
  jtr_cert_in c = {0};
  c.title = jti_str(r, f, "intitule");
  c.certifinfo = jti_str(r, f, "code-certifinfo");
  c.rncp = jti_str(r, f, "code-rncp");
  /* The trefle samples show both spellings of the Formacode list. */
  if (!jti_codes(r, f, "codes-formacode", c.formacode, JTR_MAX_FORMACODE, 0))
    jti_codes(r, f, "formacode", c.formacode, JTR_MAX_FORMACODE, 0);
  jti_codes(r, f, "codes-rome-vises", c.rome, JTR_MAX_ROME, 0);
  long code;
  if (jti_int(r, f, "niveau-sortie", 1, 0, 99, &code)) c.level = jti_lheo_level(code);
  jtr_session_in base = {0};
  base.distance = jti_int(r, f, "modalite-enseignement", 1, 0, 99, &code) ? jti_lheo_distance(code) : -1;
  base.organisation = jti_str(r, f, "organisme.nom");
  base.siret = jti_str(r, f, "organisme.siret");
  const cJSON *sessions = jti_array(r, f, "sessions"), *s;
  if (!r->bad && !c.title) jti_reject(r, "field \"intitule\" is required");
  if (r->bad) return 0;
  int rc = jti_add_cert(r, &c, &base.cert);
  if (rc || r->bad) return rc;
  size_t i = 0;
  cJSON_ArrayForEach(s, sessions) {
    jti_rec sr;
    jti_rec_init(&sr, r->b, r->name, sessions_section, i++);
    if ((rc = add_formation_session(s, &sr, &base))) return rc;
  }
  return 0;
}

static int is_formation(const cJSON *o) {
  return cJSON_IsObject(o) && cJSON_HasObjectItem(o, "intitule");
}

static int import_intercarif(jtr_builder *b, const cJSON *doc, const char *name) {
  jti_rec r;
  if (cJSON_IsObject(doc)) {
    jti_rec_init(&r, b, name, NULL, 0);
    return add_formation(doc, &r, "sessions");
  }
  size_t i = 0;
  const cJSON *f;
  cJSON_ArrayForEach(f, doc) {
    char sec[64];
    snprintf(sec, sizeof sec, "%zu.sessions", i);
    jti_rec_init(&r, b, name, NULL, i++);
    int rc = add_formation(f, &r, sec);
    if (rc) return rc;
  }
  return 0;
}

/* ---- entry points ---- */

int jtr_import_json_memory(jtr_builder *b, const char *data, size_t len, const char *name,
                           jalon_error **err) {
  if (!b || (!data && len)) return ju_error(err, JALON_EINVAL, "jtr_import_json_memory: NULL argument");
  if (!name) name = "(memory)";
  cJSON *doc = NULL;
  int rc = jti_parse_json(&doc, data ? data : "", len, name, err);
  if (rc) return rc;
  if (cJSON_IsObject(doc) && cJSON_HasObjectItem(doc, "jalon_catalogue")) {
    rc = import_jalon(b, doc, name, err);
  } else if (is_formation(doc) || (cJSON_IsArray(doc) && is_formation(doc->child))) {
    rc = import_intercarif(b, doc, name);
  } else {
    rc = ju_error(err, JALON_EFORMAT,
                  "%s: neither a Jalon catalogue (an object with \"jalon_catalogue\": 1) nor Intercarif "
                  "formation JSON (an object, or array of objects, with \"intitule\")", name);
  }
  if (rc == JALON_ENOMEM) rc = ju_error(err, rc, "out of memory importing %s", name);
  cJSON_Delete(doc);
  return rc;
}

int jtr_import_json(jtr_builder *b, const char *path, jalon_error **err) {
  if (!b || !path) return ju_error(err, JALON_EINVAL, "jtr_import_json: NULL argument");
  char *data = NULL;
  size_t len = 0;
  int rc = jti_read_file(path, &data, &len, err);
  if (!rc) rc = jtr_import_json_memory(b, data, len, path, err);
  free(data);
  return rc;
}
