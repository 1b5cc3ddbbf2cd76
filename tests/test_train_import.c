/* Catalogue importers on the real shared data (Certif Info, Formacode, RCO,
 * Intercarif) and on small fixtures for the refusals and rejections. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jalon/jalon.h"
#include "train/build.h"
#include "train/builder_int.h"

/* ---- helpers ---- */

static const char *data_path(const char *rel) {
  static char buf[4][4096];
  static int k;
  const char *dir = getenv("JALON_DATA_DIR");
  cr_assert_not_null(dir, "JALON_DATA_DIR must name the shared data folder");
  char *p = buf[k++ % 4];
  snprintf(p, 4096, "%s/%s", dir, rel);
  return p;
}
#define CERTIFINFO data_path("trainings/certifinfo_tjp-pilotage/certif_info.csv")
#define FORMACODE data_path("lheo/FCod-utf-8.csv")
#define RCO data_path("trainings/rco_catalogue-apprentissage/catalogue-formations-apprentissage.json")
#define INTERCARIF data_path("trainings/intercarif_samples/formation.json")
#define INTERCARIF2 data_path("trainings/intercarif_samples/objectif_general_formation_certifiante.json")

static jalon_model *model;

static void open_model(void) {
  jalon_error *err = NULL;
  int rc = jalon_model_open(&model, NULL, &err);
  cr_assert_eq(rc, 0, "model: %s", err ? jalon_error_message(err) : "?");
}
static void close_model(void) { jalon_model_free(model); }

static jtr_builder *builder(const jalon_model *m) {
  jtr_builder *b = NULL;
  cr_assert_eq(jtr_builder_new(&b, m, NULL), 0);
  return b;
}

static jtr_build_stats stats(const jtr_builder *b) {
  jtr_build_stats s;
  jtr_builder_stats(b, &s);
  return s;
}

/* Runs an import that must succeed, with its error message on failure. */
#define IMPORT_OK(call)                                                                  \
  do {                                                                                   \
    jalon_error *e_ = NULL;                                                              \
    int rc_ = (call);                                                                    \
    cr_assert_eq(rc_, 0, "%s: %s", #call, e_ ? jalon_error_message(e_) : "no message"); \
  } while (0)

/* An import that must fail with `code`: its message goes to `msg` (a static
 * copy). The call names its error out-parameter e_. */
static const char *failure(int code, int rc, jalon_error *err, const char *what) {
  static char buf[1024];
  cr_assert_eq(rc, code, "%s: expected %d, got %d (%s)", what, code, rc, err ? jalon_error_message(err) : "");
  cr_assert_not_null(err, "%s: a failed import explains itself", what);
  snprintf(buf, sizeof buf, "%s", jalon_error_message(err));
  jalon_error_free(err);
  return buf;
}
#define IMPORT_FAILS(msg, code, call)        \
  do {                                       \
    jalon_error *e_ = NULL;                  \
    int rc_ = (call);                        \
    (msg) = failure((code), rc_, e_, #call); \
  } while (0)

static const jtr_cert_in *cert_by_code(const jtr_builder *b, const char *certifinfo, jtr_cert_in *v) {
  uint32_t i = jtr_builder_find_cert(b, certifinfo);
  cr_assert_neq(i, UINT32_MAX, "Certif Info %s not found", certifinfo);
  return jtr_builder_cert(b, i, v);
}

static int has_rome(const jtr_cert_in *c, const char *code) {
  for (int i = 0; i < JTR_MAX_ROME && c->rome[i]; i++)
    if (strcmp(c->rome[i], code) == 0) return 1;
  return 0;
}

/* Index of the first session with this source id, or -1. */
static long session_by_id(const jtr_builder *b, const char *id, jtr_session_in *v) {
  for (size_t i = 0; jtr_builder_session(b, i, v); i++)
    if (v->id && strcmp(v->id, id) == 0) return (long)i;
  return -1;
}

static int rejection_has(const jtr_builder *b, const char *needle) {
  for (size_t i = 0; jtr_builder_rejection(b, i); i++)
    if (strstr(jtr_builder_rejection(b, i), needle)) return 1;
  return 0;
}

/* A temporary file holding text; the path is written to `path`. */
static void temp_file(char path[64], const char *text) {
  snprintf(path, 64, "/tmp/jalon-import-XXXXXX");
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  size_t n = strlen(text);
  cr_assert_eq(write(fd, text, n), (ssize_t)n);
  close(fd);
}

/* Imports `text` from a temporary file with `imp`. The file is removed
 * before any assertion can stop the test; `path` keeps its name for the
 * messages. */
static int import_text(int (*imp)(jtr_builder *, const char *, jalon_error **), jtr_builder *b,
                       const char *text, char path[64], jalon_error **err) {
  temp_file(path, text);
  int rc = imp(b, path, err);
  unlink(path);
  return rc;
}

/* build.h has no read-back of the thesaurus: the label comes from the
 * builder's own table. */
static const char *formacode_label(const jtr_builder *b, unsigned code) {
  for (size_t i = 0; i < b->formacodes.n; i++)
    if (b->formacodes.v[i].code == code) return jtr_str(b, b->formacodes.v[i].label);
  return NULL;
}

/* Whether the entry `code` was described by a word stemming to `stem`. */
static int formacode_has_stem(const jtr_builder *b, unsigned code, const char *stem) {
  for (size_t i = 0; i < b->fc_words.n; i++) {
    const jtr_word *w = &b->fc_words.v[i];
    if (b->formacodes.v[w->fc].code == code && strcmp(jtr_str(b, b->stems.v[w->stem]), stem) == 0)
      return 1;
  }
  return 0;
}

/* ---- Certif Info ---- */

TestSuite(certifinfo, .init = open_model, .fini = close_model, .timeout = 120);

Test(certifinfo, test_certifinfo_imports_every_certification_once) {
  jtr_builder *b = builder(model);
  IMPORT_OK(jtr_import_certifinfo(b, CERTIFINFO, &e_));
  jtr_build_stats s = stats(b);
  /* 10 067 rows, 126 codes listed more than once (the rows differ only in
   * their Onisep id): one certification per code. */
  cr_expect_eq(s.certs, 9923);
  cr_expect_eq(s.rejected, 0, "first rejection: %s", jtr_builder_rejection(b, 0));
  cr_expect_eq(s.sessions, 0);
  jtr_builder_free(b);
}

Test(certifinfo, test_certifinfo_keeps_clea_and_the_care_assistant_diploma) {
  jtr_builder *b = builder(model);
  IMPORT_OK(jtr_import_certifinfo(b, CERTIFINFO, &e_));
  jtr_cert_in v;
  const jtr_cert_in *c = cert_by_code(b, "84482", &v);
  cr_expect_str_eq(c->title, "Certification Socle de connaissances et de compétences professionnelles (CléA)");
  cr_expect_str_eq(c->rs, "RS5080");
  cr_expect_str_eq(c->formacode[0], "15041");
  cr_expect_str_eq(c->type, "Autre certification sans niveau spécifique");
  cr_expect_eq(c->level, 0);
  c = cert_by_code(b, "111669", &v);
  cr_expect_str_eq(c->title, "Diplôme d'État d'aide-soignant");
  cr_expect(has_rome(c, "J1501"), "DEAS leads to ROME J1501");
  cr_expect_eq(c->level, 4);
  cr_expect_str_eq(c->rncp, "RNCP35830");
  cr_expect_null(c->certifier, "certificateur is empty on this row");
  cr_expect_str_eq(cert_by_code(b, "22077", &v)->certifier, "Ministère de l'éducation nationale et de la jeunesse");
  jtr_builder_free(b);
}

Test(certifinfo, test_certifinfo_drops_rome_codes_unknown_to_the_model) {
  jtr_builder *b = builder(model), *raw = builder(NULL);
  IMPORT_OK(jtr_import_certifinfo(b, CERTIFINFO, &e_));
  IMPORT_OK(jtr_import_certifinfo(raw, CERTIFINFO, &e_));
  jtr_build_stats s = stats(b), r = stats(raw);
  /* 562 distinct codes in the file, 41 of them (A1100, D1500...) are not
   * ROME v4 fiches: 76 certification links to them go, 17 497 stay. The
   * drop counter counts occurrences: one duplicated row repeats one. */
  cr_expect_eq(s.rome_links, 17497);
  cr_expect_eq(s.rome_unknown, 77);
  cr_expect_eq(r.rome_links, 17497 + 76, "without a model every well-formed code is kept");
  cr_expect_eq(r.rome_unknown, 0);
  jtr_cert_in v;
  const jtr_cert_in *c = cert_by_code(b, "20750", &v); /* BP gouvernante: G1500, G1503 */
  cr_expect(has_rome(c, "G1503"));
  cr_expect(!has_rome(c, "G1500"), "a domain code is no fiche");
  cr_expect(has_rome(cert_by_code(raw, "20750", &v), "G1500"));
  jtr_builder_free(b);
  jtr_builder_free(raw);
}

Test(certifinfo, test_certifinfo_flags_preparatory_and_inactive_from_the_rows_own_state) {
  jtr_builder *b = builder(model);
  IMPORT_OK(jtr_import_certifinfo(b, CERTIFINFO, &e_));
  size_t prep = 0, inactive = 0;
  jtr_cert_in v;
  for (uint32_t i = 0; jtr_builder_cert(b, i, &v); i++) {
    prep += (v.flags & JTR_CERT_PREPARATORY) != 0;
    inactive += (v.flags & JTR_CERT_INACTIVE) != 0;
  }
  cr_expect_eq(prep, 1106);
  /* The 13 whose last session year (Annee_Derniere_Session) is before the
   * 2024 extract; no row's own Etat is archived in this extract. */
  cr_expect_eq(inactive, 13);
  cr_expect(cert_by_code(b, "1880", &v)->flags & JTR_CERT_PREPARATORY, "Magistère: preparatory");
  cr_expect(cert_by_code(b, "22077", &v)->flags & JTR_CERT_INACTIVE, "MC aide à domicile ended in 2023");
  /* Published, replacing an archived diploma: "archivée" is the old one's. */
  cr_expect_eq(cert_by_code(b, "22358", &v)->flags & JTR_CERT_INACTIVE, 0);
  cr_expect_eq(cert_by_code(b, "20356", &v)->flags, 0);
  jtr_builder_free(b);
}

Test(certifinfo, test_certifinfo_keeps_bare_quotes_in_titles) {
  jtr_builder *b = builder(model);
  IMPORT_OK(jtr_import_certifinfo(b, CERTIFINFO, &e_));
  jtr_cert_in v;
  cr_expect_str_eq(cert_by_code(b, "85199", &v)->title, "Test Bright Anglais \"level A\"");
  cr_expect_str_eq(cert_by_code(b, "116703", &v)->title, "Magistère science pour l\"ingénieur");
  jtr_builder_free(b);
}

Test(certifinfo, test_certifinfo_rejects_bad_rows_with_file_and_line) {
  char path[64];
  jtr_builder *b = builder(NULL);
  static const char text[] = "Code_Rome_1;Libelle_Diplome;Code_Diplome;Etat;Etat_Libelle;Code_Niveau_Europeen\n"
                             "J1501;Aide-soignant;111;0;Publié;4\n"
                             "J1501;;112;0;Publié;4\n"
                             "J1501;Trop;de;champs;ici;4;x\n"
                             ";Ancien titre;113;3;archivée;9\n";
  IMPORT_OK(import_text(jtr_import_certifinfo, b, text, path, &e_));
  jtr_build_stats s = stats(b);
  cr_expect_eq(s.certs, 2);
  cr_expect_eq(s.rejected, 2);
  char where[96];
  snprintf(where, sizeof where, "%s:3: no Libelle_Diplome", path);
  cr_expect(rejection_has(b, where), "got %s", jtr_builder_rejection(b, 0));
  snprintf(where, sizeof where, "%s:4: 7 fields", path);
  cr_expect(rejection_has(b, where), "got %s", jtr_builder_rejection(b, 1));
  jtr_cert_in v;
  cr_expect(has_rome(cert_by_code(b, "111", &v), "J1501"), "columns found by name, in any order");
  cr_expect_eq(cert_by_code(b, "113", &v)->flags, JTR_CERT_INACTIVE);
  cr_expect_eq(v.level, 0, "level 9 is no European level");
  jtr_builder_free(b);
}

Test(certifinfo, test_certifinfo_refuses_a_file_without_its_header) {
  jtr_builder *b = builder(NULL);
  const char *msg;
  IMPORT_FAILS(msg, JALON_EFORMAT, jtr_import_certifinfo(b, FORMACODE, &e_));
  cr_expect(strstr(msg, "not a Certif Info CSV"), "%s", msg);
  cr_expect_eq(stats(b).certs, 0);
  IMPORT_FAILS(msg, JALON_EIO, jtr_import_certifinfo(b, "/nonexistent/certif_info.csv", &e_));
  cr_expect(strstr(msg, "/nonexistent/certif_info.csv"), "%s", msg);
  jtr_builder_free(b);
}

/* ---- Formacode ---- */

TestSuite(formacode, .init = open_model, .fini = close_model, .timeout = 120);

Test(formacode, test_formacode_reads_the_whole_thesaurus) {
  jtr_builder *b = builder(model);
  IMPORT_OK(jtr_import_formacode(b, FORMACODE, &e_));
  jtr_build_stats s = stats(b);
  cr_expect_eq(s.formacodes, 3048);
  cr_expect_eq(s.rejected, 0);
  cr_expect_str_eq(formacode_label(b, 22403), "plaque plâtre");
  cr_expect_str_eq(formacode_label(b, 15041), "mise à niveau");
  /* Synonyms describe the entry ("cloison sèche", "plaquiste")... */
  cr_expect(formacode_has_stem(b, 22403, "cloison"));
  cr_expect(formacode_has_stem(b, 22403, "plaquist"));
  /* ...the usage note does not ("Utilisé pour les formations à la mise en
   * oeuvre..."), nor the definition of 11001 ("Branche des mathématiques
   * permettant..."), whose related term PERT does. */
  cr_expect(!formacode_has_stem(b, 22403, "oeuvr"));
  cr_expect(formacode_has_stem(b, 11001, "pert"));
  cr_expect(!formacode_has_stem(b, 11001, "branch"));
  jtr_builder_free(b);
}

Test(formacode, test_formacode_related_terms_use_the_label_of_their_code) {
  char path[64];
  jtr_builder *b = builder(NULL);
  static const char text[] = "10001;ALPHA;alpha;DOM;100 X;bêta gamma;;;10002 LIBELLE PERIME;Un texte zygomatique.;;;;;\n"
                             "10002;VANNERIE;vannerie;DOM;100 X;;;;;;;;;;\n"
                             "1234;BAD;bad;DOM;;;;;;;;;;;\n";
  IMPORT_OK(import_text(jtr_import_formacode, b, text, path, &e_));
  cr_expect_eq(stats(b).formacodes, 2);
  cr_expect_eq(stats(b).rejected, 1);
  cr_expect(formacode_has_stem(b, 10001, "gamm"), "synonym");
  cr_expect(formacode_has_stem(b, 10001, "vanner"), "related term, by the label of 10002");
  cr_expect(!formacode_has_stem(b, 10001, "perim"), "not the stale text after the code");
  cr_expect(!formacode_has_stem(b, 10001, "zygomat"), "not the definition");
  jtr_builder_free(b);
}

Test(formacode, test_formacode_refuses_another_csv) {
  jtr_builder *b = builder(NULL);
  const char *msg;
  /* Certif Info rows also start with 5-digit codes, but have no kind. */
  IMPORT_FAILS(msg, JALON_EFORMAT, jtr_import_formacode(b, CERTIFINFO, &e_));
  cr_expect(strstr(msg, "not the Formacode thesaurus"), "%s", msg);
  cr_expect_eq(stats(b).formacodes, 0, "nothing added from a refused file");
  IMPORT_FAILS(msg, JALON_EIO, jtr_import_formacode(b, "/nonexistent/FCod.csv", &e_));
  jtr_builder_free(b);
}

/* ---- RCO apprenticeship catalogue ---- */

TestSuite(rco, .init = open_model, .fini = close_model, .timeout = 120);

Test(rco, test_rco_joins_actions_to_certif_info) {
  jtr_builder *b = builder(model);
  IMPORT_OK(jtr_import_certifinfo(b, CERTIFINFO, &e_));
  IMPORT_OK(jtr_import_rco(b, RCO, &e_));
  jtr_build_stats s = stats(b);
  /* 145 of the 231 actions name a Certif Info code of the extract; their
   * 850 start months make 850 sessions. */
  cr_expect_eq(s.rejected, 231 - 145);
  cr_expect_eq(s.sessions, 850);
  cr_expect_eq(s.certs, 9923, "RCO adds no certification");
  cr_expect(rejection_has(b, "#0: no certification known for Certif Info code 56927"));
  jtr_session_in v;
  size_t actions = 0;
  const char *last = "";
  for (size_t i = 0; jtr_builder_session(b, i, &v); i++)
    if (strcmp(v.id, last)) actions++, last = v.id;
  cr_expect_eq(actions, 145);
  jtr_builder_free(b);
}

Test(rco, test_rco_session_has_place_coordinates_and_start_month) {
  jtr_builder *b = builder(model);
  IMPORT_OK(jtr_import_certifinfo(b, CERTIFINFO, &e_));
  IMPORT_OK(jtr_import_rco(b, RCO, &e_));
  jtr_session_in v;
  cr_assert_geq(session_by_id(b, "24_1441955", &v), 0);
  cr_expect_eq(v.cert, jtr_builder_find_cert(b, "106339"));
  cr_expect_str_eq(v.siret, "18830001600261");
  cr_expect_null(v.organisation, "the export names no organisation");
  cr_expect_str_eq(v.postcode, "83130");
  cr_expect_str_eq(v.insee, "83062");
  cr_expect_str_eq(v.department, "83");
  cr_expect(v.has_coords);
  cr_expect_float_eq(v.lat, 43.1279, 1e-4);
  cr_expect_float_eq(v.lon, 6.02028, 1e-4);
  cr_expect_str_eq(v.start, "2021-09-01");
  cr_expect_null(v.end);
  cr_expect_eq(v.distance, -1, "entierement_a_distance is null");
  cr_expect_eq(v.funding, JTR_FUND_APPRENTICESHIP);
  /* One session per start month: 24_1442412 lists 20 of them. */
  size_t n = 0;
  for (size_t i = 0; jtr_builder_session(b, i, &v); i++) n += strcmp(v.id, "24_1442412") == 0;
  cr_expect_eq(n, 20);
  jtr_builder_free(b);
}

Test(rco, test_rco_needs_certif_info_first) {
  jtr_builder *b = builder(model);
  IMPORT_OK(jtr_import_rco(b, RCO, &e_));
  cr_expect_eq(stats(b).sessions, 0);
  cr_expect_eq(stats(b).rejected, 231);
  jtr_builder_free(b);
}

Test(rco, test_rco_rejects_a_bad_action_and_keeps_the_next) {
  char path[64];
  jtr_builder *b = builder(NULL);
  jtr_cert_in c = {.certifinfo = "1", .title = "Titre"};
  cr_assert_eq(jtr_builder_add_cert(b, &c, NULL), 0);
  static const char text[] = "[{\"id_action\": \"a1\", \"id_certifinfo\": \"1\", \"periode\": [\"2021-09\"],"
                             "  \"etablissement_lieu_formation_geo_coordonnees\": \"43.5,5.4\"},"
                             " {\"id_action\": \"a2\", \"id_certifinfo\": \"1\", \"periode\": [202109]},"
                             " {\"id_action\": \"a3\", \"id_certifinfo\": \"1\", \"periode\": [],"
                             "  \"entierement_a_distance\": true},"
                             " {\"id_action\": \"a4\", \"id_certifinfo\": \"1\","
                             "  \"etablissement_lieu_formation_geo_coordonnees\": \"43.5;5.4\"}]";
  IMPORT_OK(import_text(jtr_import_rco, b, text, path, &e_));
  cr_expect_eq(stats(b).sessions, 2);
  cr_expect_eq(stats(b).rejected, 2);
  char where[96];
  snprintf(where, sizeof where, "%s#1: field \"periode\"", path);
  cr_expect(rejection_has(b, where), "got %s", jtr_builder_rejection(b, 0));
  jtr_session_in v;
  cr_assert_geq(session_by_id(b, "a3", &v), 0, "the action after the bad one is kept");
  cr_expect_null(v.start, "no start month: date unknown");
  cr_expect_eq(v.distance, 1);
  cr_expect(rejection_has(b, "#3: field \"etablissement_lieu_formation_geo_coordonnees\""));
  jtr_builder_free(b);
}

Test(rco, test_rco_refuses_what_is_not_an_array_of_actions) {
  static const char *const bad[] = {"{\"id_action\": \"x\"}", "[{\"id\": 1}, {\"id\": 2}]", "42"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char path[64];
    jtr_builder *b = builder(NULL);
    const char *msg;
    IMPORT_FAILS(msg, JALON_EFORMAT, import_text(jtr_import_rco, b, bad[i], path, &e_));
    cr_expect(strstr(msg, "not an RCO catalogue"), "%s", msg);
    jtr_builder_free(b);
  }
  jtr_builder *b = builder(NULL);
  const char *msg;
  IMPORT_FAILS(msg, JALON_EIO, jtr_import_rco(b, "/nonexistent/rco.json", &e_));
  IMPORT_FAILS(msg, JALON_EDATA, jtr_import_rco(b, CERTIFINFO, &e_));
  cr_expect(strstr(msg, "malformed JSON"), "%s", msg);
  jtr_builder_free(b);
}

/* ---- JSON: Intercarif ---- */

TestSuite(intercarif, .init = open_model, .fini = close_model, .timeout = 60);

Test(intercarif, test_intercarif_formation_gives_certification_and_sessions) {
  jtr_builder *b = builder(model);
  IMPORT_OK(jtr_import_json(b, INTERCARIF, &e_));
  jtr_build_stats s = stats(b);
  cr_expect_eq(s.certs, 1);
  cr_expect_eq(s.sessions, 2);
  cr_expect_eq(s.rejected, 0);
  jtr_cert_in c;
  cert_by_code(b, "80735", &c);
  cr_expect_str_eq(c.title, "Titre professionnel plaquiste");
  cr_expect_eq(c.level, 3, "niveau-sortie 4 is French level V, European 3");
  cr_expect(has_rome(&c, "F1604"));
  cr_expect_str_eq(c.formacode[0], "22402");
  cr_expect_str_eq(c.formacode[1], "22403");
  cr_expect_str_eq(c.rncp, "RNCP320");
  jtr_session_in v;
  cr_assert_geq(session_by_id(b, "23772429", &v), 0);
  cr_expect_str_eq(v.organisation, "DRAFPA d'Olivet");
  cr_expect_str_eq(v.siret, "82436343600497");
  cr_expect_str_eq(v.city, "Veigné");
  cr_expect_str_eq(v.postcode, "37250");
  cr_expect_str_eq(v.insee, "37266");
  cr_expect(v.has_coords);
  cr_expect_float_eq(v.lat, 47.306826, 1e-4);
  cr_expect_float_eq(v.lon, 0.688594, 1e-4);
  cr_expect_str_eq(v.start, "2018-05-14");
  cr_expect_str_eq(v.end, "2018-12-14");
  cr_expect_eq(v.hours, 697);
  cr_expect_eq(v.distance, 0, "modalite-enseignement 0: on site");
  cr_expect_eq(v.funding, JTR_FUND_CPF | JTR_FUND_REGION);
  cr_expect_str_eq(v.url, "http://www.centre.afpa.fr");
  jtr_builder_free(b);
}

Test(intercarif, test_intercarif_reads_the_other_formacode_spelling_and_merges) {
  jtr_builder *b = builder(model);
  IMPORT_OK(jtr_import_json(b, INTERCARIF2, &e_));
  jtr_cert_in c;
  cr_expect_str_eq(cert_by_code(b, "80735", &c)->formacode[1], "22403", "\"formacode\" read too");
  IMPORT_OK(jtr_import_json(b, INTERCARIF, &e_));
  cr_expect_eq(stats(b).certs, 1, "same Certif Info code: one certification");
  cr_expect_eq(stats(b).sessions, 4);
  jtr_builder_free(b);
}

Test(intercarif, test_intercarif_bad_session_is_rejected_alone) {
  static const char doc[] =
      "[{\"intitule\": \"A\", \"modalite-enseignement\": \"2\", \"niveau-sortie\": 11,"
      "  \"sessions\": [{\"id\": \"s0\", \"debut\": 20180514},"
      "                {\"id\": \"s1\", \"debut\": \"00000000\", \"nombre-heures-total\": \"35\","
      "                 \"financeurs\": [{\"code\": \"4\"}],"
      "                 \"localisation\": {\"formation\": {\"latitude\": \"45.1\", \"longitude\": 4.8}}},"
      "                {\"id\": \"s2\", \"localisation\": \"Lyon\"}]},"
      " {\"intitule\": 7},"
      " {\"intitule\": \"B\", \"sessions\": [{\"id\": \"s3\", \"fin\": \"2019-13-01\"}]}]";
  jtr_builder *b = builder(NULL);
  IMPORT_OK(jtr_import_json_memory(b, doc, strlen(doc), "mem.json", &e_));
  jtr_build_stats s = stats(b);
  cr_expect_eq(s.certs, 2);
  cr_expect_eq(s.sessions, 1);
  cr_expect_eq(s.rejected, 4);
  cr_expect(rejection_has(b, "mem.json#0.sessions.0: field \"debut\" must be a string"));
  cr_expect(rejection_has(b, "mem.json#0.sessions.2: field \"localisation\" must be an object"));
  cr_expect(rejection_has(b, "mem.json#1: field \"intitule\" must be a string"));
  cr_expect(rejection_has(b, "mem.json#2.sessions.0: field \"fin\" must be a date"));
  jtr_cert_in c;
  cr_expect_eq(jtr_builder_cert(b, 0, &c)->level, 1, "LHÉO 2.3 code 11: European level 1");
  jtr_session_in v;
  cr_assert_geq(session_by_id(b, "s1", &v), 0, "the session after the bad one is kept");
  cr_expect_null(v.start, "00000000 is LHÉO's unknown date");
  cr_expect_eq(v.hours, 35);
  cr_expect_eq(v.distance, 1, "modalite-enseignement 2: entirely at a distance");
  cr_expect_eq(v.funding, JTR_FUND_FRANCE_TRAVAIL);
  cr_expect_float_eq(v.lon, 4.8, 1e-4, "a number or a numeric string");
  jtr_builder_free(b);
}

/* ---- JSON: Jalon catalogue ---- */

static const char jalon_doc[] =
    "{\"jalon_catalogue\": 1,\n"
    " \"certifications\": [\n"
    "  {\"id\": \"c1\", \"title\": \"Agent de propreté\", \"rome\": [\"K2204\"], \"level\": 3,\n"
    "   \"formacode\": [\"42052\"], \"rncp\": \"34001\", \"inactive\": true},\n"
    "  {\"id\": \"c2\", \"title\": \"Deux\", \"level\": \"4\"},\n"
    "  {\"id\": \"c3\", \"certifinfo\": \"99001\", \"title\": \"Trois\", \"rs\": \"5080\"},\n"
    "  {\"id\": \"c1\", \"title\": \"Doublon\"}\n"
    " ],\n"
    " \"sessions\": [\n"
    "  {\"certification\": \"c1\", \"id\": \"s0\", \"organisation\": \"Org\", \"city\": \"Lyon\",\n"
    "   \"postcode\": \"69003\", \"lat\": 45.76, \"lon\": 4.85, \"start\": \"2025-09\",\n"
    "   \"end\": \"2026-06-30\", \"hours\": 600, \"distance\": false,\n"
    "   \"funding\": [\"cpf\", \"france_travail\"], \"url\": \"https://example.org\"},\n"
    "  {\"certification\": \"c1\", \"id\": \"s1\", \"start\": 5},\n"
    "  {\"certifinfo\": \"99001\", \"id\": \"s2\", \"distance\": true},\n"
    "  {\"certification\": \"c9\", \"id\": \"s3\"},\n"
    "  {\"certification\": \"c1\", \"id\": \"s4\", \"funding\": [\"loto\"]},\n"
    "  {\"certification\": \"c1\", \"id\": \"s5\", \"lat\": 45.1}\n"
    " ]}\n";

Test(intercarif, test_jalon_catalogue_reads_records_and_rejects_bad_ones) {
  jtr_builder *b = builder(model);
  IMPORT_OK(jtr_import_json_memory(b, jalon_doc, strlen(jalon_doc), "cat.json", &e_));
  jtr_build_stats s = stats(b);
  cr_expect_eq(s.certs, 2);
  cr_expect_eq(s.sessions, 2);
  cr_expect_eq(s.rejected, 6);
  cr_expect(rejection_has(b, "cat.json#certifications.1: field \"level\" must be a number"));
  cr_expect(rejection_has(b, "cat.json#certifications.3: id \"c1\" is given to an earlier"));
  cr_expect(rejection_has(b, "cat.json#sessions.1: field \"start\" must be a string"));
  cr_expect(rejection_has(b, "cat.json#sessions.3: no certification with id \"c9\""));
  cr_expect(rejection_has(b, "cat.json#sessions.4: field \"funding\" holds an unknown funder"));
  cr_expect(rejection_has(b, "cat.json#sessions.5: fields \"lat\" and \"lon\" must be given together"));
  jtr_cert_in c;
  jtr_builder_cert(b, 0, &c);
  cr_expect_str_eq(c.title, "Agent de propreté");
  cr_expect(has_rome(&c, "K2204"));
  cr_expect_eq(c.level, 3);
  cr_expect_str_eq(c.rncp, "RNCP34001");
  cr_expect_eq(c.flags, JTR_CERT_INACTIVE);
  cr_expect_str_eq(cert_by_code(b, "99001", &c)->rs, "RS5080");
  jtr_session_in v;
  cr_assert_geq(session_by_id(b, "s0", &v), 0);
  cr_expect_eq(v.cert, 0);
  cr_expect_str_eq(v.organisation, "Org");
  cr_expect_str_eq(v.department, "69");
  cr_expect_str_eq(v.start, "2025-09-01");
  cr_expect_str_eq(v.end, "2026-06-30");
  cr_expect_eq(v.hours, 600);
  cr_expect_eq(v.distance, 0);
  cr_expect_eq(v.funding, JTR_FUND_CPF | JTR_FUND_FRANCE_TRAVAIL);
  cr_expect_float_eq(v.lat, 45.76, 1e-4);
  cr_assert_geq(session_by_id(b, "s2", &v), 0, "a session found by Certif Info code");
  cr_expect_eq(v.cert, jtr_builder_find_cert(b, "99001"));
  cr_expect_eq(v.distance, 1);
  jtr_builder_free(b);
}

Test(intercarif, test_jalon_catalogue_sessions_join_certif_info_imported_before) {
  static const char doc[] =
      "{\"jalon_catalogue\": 1, \"sessions\": [{\"certifinfo\": \"111669\", \"id\": \"x\"}]}";
  jtr_builder *b = builder(model);
  IMPORT_OK(jtr_import_certifinfo(b, CERTIFINFO, &e_));
  IMPORT_OK(jtr_import_json_memory(b, doc, strlen(doc), "cat.json", &e_));
  jtr_session_in v;
  cr_assert_geq(session_by_id(b, "x", &v), 0);
  cr_expect_eq(v.cert, jtr_builder_find_cert(b, "111669"));
  jtr_builder_free(b);
}

Test(intercarif, test_json_refuses_other_documents) {
  static const struct { const char *doc; int code; const char *msg; } cases[] = {
    {"{\"formations\": []}", JALON_EFORMAT, "neither a Jalon catalogue"},
    {"[1, 2]", JALON_EFORMAT, "neither a Jalon catalogue"},
    {"[{\"id_action\": \"24_1\"}]", JALON_EFORMAT, "neither a Jalon catalogue"},
    {"{\"jalon_catalogue\": 2}", JALON_EFORMAT, "the only version"},
    {"{\"jalon_catalogue\": 1, \"sessions\": {}}", JALON_EFORMAT, "\"sessions\" must be an array"},
    {"{\"jalon_catalogue\": 1,\n \"sessions\": [}", JALON_EDATA, "mem.json:2: malformed JSON"},
    {"{\"intitule\": \"A\"} x", JALON_EDATA, "unexpected data after the JSON value"},
    {"{\"intitule\": \"caf\xe9\"}", JALON_EDATA, "not valid UTF-8"},
    {"", JALON_EDATA, "empty"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    jtr_builder *b = builder(NULL);
    const char *msg;
    IMPORT_FAILS(msg, cases[i].code,
                 jtr_import_json_memory(b, cases[i].doc, strlen(cases[i].doc), "mem.json", &e_));
    cr_expect(strstr(msg, cases[i].msg), "case %zu: %s", i, msg);
    cr_expect_eq(stats(b).certs + stats(b).sessions, 0, "case %zu added records", i);
    jtr_builder_free(b);
  }
  jtr_builder *b = builder(NULL);
  const char *msg;
  IMPORT_FAILS(msg, JALON_EIO, jtr_import_json(b, "/nonexistent/catalogue.json", &e_));
  cr_expect(strstr(msg, "/nonexistent/catalogue.json"), "%s", msg);
  jtr_builder_free(b);
}
