/* LHÉO 2.x importer: real files from the data folder ($JALON_DATA_DIR) and
 * small documents written here for the edge cases and errors. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/build.h"

static jtr_builder *new_builder(void) {
  jtr_builder *b = NULL;
  cr_assert_eq(jtr_builder_new(&b, NULL, NULL), 0);
  return b;
}

static char *data_path(const char *rel) {
  const char *dir = getenv("JALON_DATA_DIR");
  cr_assert(dir && *dir, "JALON_DATA_DIR is not set");
  size_t n = strlen(dir) + strlen(rel) + 2;
  char *p = malloc(n);
  cr_assert(p);
  snprintf(p, n, "%s/%s", dir, rel);
  return p;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  cr_assert(f, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  cr_assert(buf);
  cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  buf[n] = '\0';
  *len = (size_t)n;
  return buf;
}

static int import_str(jtr_builder *b, const char *xml, jalon_error **err) {
  return jtr_import_lheo_memory(b, xml, strlen(xml), "mem.xml", err);
}

static jtr_build_stats stats(const jtr_builder *b) {
  jtr_build_stats s;
  jtr_builder_stats(b, &s);
  return s;
}

static double absd(double x) { return x < 0 ? -x : x; }

/* A document around formations given as text. */
#define LHEO_DOC(body) \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<lheo xmlns=\"http://www.lheo.org/2.2\"><offres>\n" body \
  "</offres></lheo>\n"

Test(lheo, test_lheo_reads_the_onisep_bts_offer) {
  jtr_builder *b = new_builder();
  char *path = data_path("lheo/exemple-bts-onisep.xml");
  jalon_error *err = NULL;
  cr_assert_eq(jtr_import_lheo(b, path, &err), 0, "%s", jalon_error_message(err));
  jtr_build_stats st = stats(b);
  cr_expect_eq(st.certs, 1);
  cr_expect_eq(st.sessions, 1);
  cr_expect_eq(st.rejected, 0, "%s", jtr_builder_rejection(b, 0));

  jtr_cert_in c;
  cr_assert(jtr_builder_cert(b, 0, &c));
  cr_expect_str_eq(c.title, "BTS négociation et relation client");
  cr_expect_str_eq(c.certifinfo, "19004");
  cr_expect_str_eq(c.rncp, "RNCP474");
  cr_expect_eq(c.level, 5, "code-niveau-sortie 6 is niveau III (BTS), European level 5");
  cr_assert_str_eq(c.formacode[0], "34582", "the principal Formacode comes first");
  cr_expect_str_eq(c.formacode[1], "34076");
  cr_expect_null(c.formacode[2], "the organisme's <potentiel> codes are not the formation's");
  cr_expect_str_eq(c.rome[0], "D1402");
  cr_expect_str_eq(c.rome[1], "D1403");
  cr_expect_str_eq(c.rome[2], "D1408");
  cr_expect_null(c.rome[3]);
  cr_expect_eq(c.flags & JTR_CERT_PREPARATORY, 0);

  jtr_session_in s;
  cr_assert(jtr_builder_session(b, 0, &s));
  cr_expect_eq(s.cert, 0);
  cr_expect_str_eq(s.id, "9436_18706");
  cr_expect_str_eq(s.organisation, "Lycée Kerneuzec");
  cr_expect_str_eq(s.siret, "19290076900014");
  cr_expect_str_eq(s.city, "QUIMPERLÉ");
  cr_expect_str_eq(s.postcode, "29391");
  cr_expect_str_eq(s.insee, "29233");
  cr_expect_str_eq(s.department, "29");
  cr_expect_str_eq(s.region, "53");
  cr_assert(s.has_coords);
  cr_expect(absd(s.lat - 47.882108) < 1e-4 && absd(s.lon - -3.5526545) < 1e-4, "%f %f", s.lat, s.lon);
  cr_expect_str_eq(s.start, "2015-09-01");
  cr_expect_str_eq(s.end, "2017-08-31");
  cr_expect_eq(s.hours, 0, "ONISEP gives a duree-indicative (2 ans), no hours");
  cr_expect_eq(s.distance, 0, "modalites-enseignement 0: entirely on site");
  cr_expect_eq(s.funding, 0);
  cr_expect_str_eq(s.url, "lyceedekerneuzec.fr");
  free(path);
  jtr_builder_free(b);
}

/* intercarif-data-test.xml is a SYNTHETIC parser fixture with made-up content
 * (placeholder ids "F_XX_XX", 15-digit SIRETs, a web-developer title on a
 * plasterer ROME code): it checks what is read, not that it is true. */
Test(lheo, test_lheo_reads_the_synthetic_intercarif_fixture) {
  jtr_builder *b = new_builder();
  char *path = data_path("trainings/intercarif_samples/intercarif-data-test.xml");
  jalon_error *err = NULL;
  cr_assert_eq(jtr_import_lheo(b, path, &err), 0, "%s", jalon_error_message(err));
  jtr_build_stats st = stats(b);
  cr_expect_eq(st.certs, 1);
  cr_expect_eq(st.sessions, 1);
  cr_expect_eq(st.rejected, 0, "%s", jtr_builder_rejection(b, 0));

  jtr_cert_in c;
  cr_assert(jtr_builder_cert(b, 0, &c));
  cr_expect_str_eq(c.title, "Développeur web");
  cr_expect_str_eq(c.certifinfo, "80735");
  cr_expect_str_eq(c.rncp, "RNCP320");
  cr_expect_eq(c.level, 3, "code-niveau-sortie 4 is niveau V (CAP), European level 3");
  cr_expect_str_eq(c.formacode[0], "22403");
  cr_expect_null(c.formacode[1]);
  cr_expect_str_eq(c.rome[0], "F1604");
  cr_expect_null(c.rome[1]);

  jtr_session_in s;
  cr_assert(jtr_builder_session(b, 0, &s));
  cr_expect_str_eq(s.id, "SE_XXXXXX");
  cr_expect_str_eq(s.organisation, "Anotea Formation Paris", "the organisme-formateur delivers the action");
  cr_expect_str_eq(s.siret, "022222222222222");
  cr_expect_str_eq(s.city, "Paris");
  cr_expect_str_eq(s.postcode, "75019");
  cr_expect_str_eq(s.insee, "75019");
  cr_expect_str_eq(s.department, "75");
  cr_expect_str_eq(s.region, "11");
  cr_assert(s.has_coords);
  cr_expect(absd(s.lat - 48) < 1e-9 && absd(s.lon - 2) < 1e-9);
  cr_expect_str_eq(s.start, "2017-10-30", "periode, not periode-inscription");
  cr_expect_str_eq(s.end, "2018-06-01");
  cr_expect_eq(s.hours, 697);
  cr_expect_eq(s.distance, 0);
  cr_expect_eq(s.funding, JTR_FUND_CPF | JTR_FUND_REGION,
               "extras eligibilite-cpf, and code-financeur 2 (conseil régional)");
  cr_expect_str_eq(s.url, "https://anotea.francetravail.fr");
  free(path);
  jtr_builder_free(b);
}

Test(lheo, test_lheo_principal_formacode_first_and_five_kept) {
  jtr_builder *b = new_builder();
  cr_assert_eq(import_str(b, LHEO_DOC(
    "<formation><domaine-formation>"
    "<code-FORMACODE>11111</code-FORMACODE><code-FORMACODE>22222</code-FORMACODE>"
    "<code-FORMACODE>33333</code-FORMACODE><code-FORMACODE>44444</code-FORMACODE>"
    "<code-FORMACODE>55555</code-FORMACODE><code-FORMACODE>66666</code-FORMACODE>"
    "<code-FORMACODE tag=\"principal\">77777</code-FORMACODE>"
    "</domaine-formation><intitule-formation>\n  Titre   sur\n deux lignes </intitule-formation>"
    "</formation>"), NULL), 0);
  jtr_cert_in c;
  cr_assert(jtr_builder_cert(b, 0, &c));
  cr_expect_str_eq(c.title, "Titre sur deux lignes");
  cr_expect_str_eq(c.formacode[0], "77777");
  cr_expect_str_eq(c.formacode[1], "11111");
  cr_expect_str_eq(c.formacode[4], "44444");
  cr_expect_eq(stats(b).sessions, 0, "a formation without action gives no session");
  jtr_builder_free(b);
}

Test(lheo, test_lheo_action_without_session_and_distance_learning) {
  jtr_builder *b = new_builder();
  cr_assert_eq(import_str(b, LHEO_DOC(
    "<formation numero=\"F1\"><intitule-formation>Comptable</intitule-formation>"
    "<action numero=\"A1\"><modalites-enseignement>2</modalites-enseignement>"
    "<nombre-heures-total>420</nombre-heures-total>"
    "<organisme-financeur><code-financeur>4</code-financeur></organisme-financeur></action>"
    "<action numero=\"A2\"><modalites-enseignement>1</modalites-enseignement>"
    "<session numero=\"S1\"><periode><debut>00000000</debut><fin>20250630</fin></periode>"
    "<nombre-heures-total>35</nombre-heures-total>"
    "<adresse-inscription><adresse><ville>Lyon</ville><codepostal>69003</codepostal>"
    "<geolocalisation><latitude>45,7597</latitude><longitude>4,8422</longitude></geolocalisation>"
    "</adresse></adresse-inscription></session></action>"
    "<organisme-formation-responsable><SIRET-organisme-formation><SIRET>12345678900011</SIRET>"
    "</SIRET-organisme-formation><nom-organisme>-</nom-organisme>"
    "<raison-sociale>Centre Exemple</raison-sociale></organisme-formation-responsable>"
    "</formation>"), NULL), 0);
  cr_assert_eq(stats(b).sessions, 2);
  jtr_session_in s;
  cr_assert(jtr_builder_session(b, 0, &s));
  cr_expect_str_eq(s.id, "A1", "an action without sessions stands for one");
  cr_expect_null(s.start);
  cr_expect_null(s.end);
  cr_expect_eq(s.distance, 1);
  cr_expect_eq(s.hours, 420);
  cr_expect_eq(s.funding, JTR_FUND_FRANCE_TRAVAIL);
  cr_expect_str_eq(s.organisation, "Centre Exemple", "nom-organisme \"-\" falls back to raison-sociale");
  cr_expect_str_eq(s.siret, "12345678900011");
  cr_assert(jtr_builder_session(b, 1, &s));
  cr_expect_str_eq(s.id, "S1");
  cr_expect_null(s.start, "00000000 is an unknown date");
  cr_expect_str_eq(s.end, "2025-06-30");
  cr_expect_eq(s.distance, 0, "mixed teaching counts as on site");
  cr_expect_eq(s.hours, 35, "the session's hours win over the action's");
  cr_expect_str_eq(s.city, "Lyon", "adresse-inscription when the action has no lieu-de-formation");
  cr_expect_str_eq(s.department, "69");
  cr_expect(s.has_coords && absd(s.lat - 45.7597) < 1e-4 && absd(s.lon - 4.8422) < 1e-4,
            "a decimal comma is read");
  jtr_builder_free(b);
}

Test(lheo, test_lheo_formation_without_title_is_rejected_and_the_next_kept) {
  jtr_builder *b = new_builder();
  jalon_error *err = NULL;
  cr_assert_eq(import_str(b, LHEO_DOC(
    "<formation numero=\"NOTITLE\">\n<intitule-formation>  </intitule-formation>\n"
    "<action><session><periode><debut>20240101</debut><fin>20240301</fin></periode></session></action>\n"
    "</formation>\n"
    "<formation numero=\"OK\"><intitule-formation>Soudeur</intitule-formation>\n"
    "<action><session><periode><debut>20240101</debut><fin>20240301</fin></periode></session></action>\n"
    "</formation>\n"), &err), 0);
  jtr_build_stats st = stats(b);
  cr_expect_eq(st.rejected, 1);
  cr_expect_eq(st.certs, 1);
  cr_expect_eq(st.sessions, 1);
  const char *why = jtr_builder_rejection(b, 0);
  cr_assert(why);
  cr_expect(strstr(why, "mem.xml:3") && strstr(why, "NOTITLE") && strstr(why, "intitule-formation"), "%s", why);
  jtr_cert_in c;
  cr_assert(jtr_builder_cert(b, 0, &c));
  cr_expect_str_eq(c.title, "Soudeur");
  jtr_builder_free(b);
}

Test(lheo, test_lheo_bad_date_or_coordinates_reject_the_session_only) {
  jtr_builder *b = new_builder();
  cr_assert_eq(import_str(b, LHEO_DOC(
    "<formation><intitule-formation>Cariste</intitule-formation>\n"
    "<action><session numero=\"bad-date\"><periode><debut>20241340</debut><fin>20250101</fin></periode></session>\n"
    "<session numero=\"reversed\"><periode><debut>20250101</debut><fin>20240101</fin></periode></session>\n"
    "<session numero=\"good\"><periode><debut>20240901</debut><fin>20241220</fin></periode></session></action>\n"
    "<action><lieu-de-formation><coordonnees><adresse><ville>Brest</ville><geolocalisation>"
    "<latitude>148.2</latitude><longitude>-4.5</longitude></geolocalisation></adresse></coordonnees>"
    "</lieu-de-formation><session numero=\"far\"/></action>\n"
    "</formation>"), NULL), 0);
  jtr_build_stats st = stats(b);
  cr_expect_eq(st.sessions, 1);
  cr_expect_eq(st.rejected, 3);
  jtr_session_in s;
  cr_assert(jtr_builder_session(b, 0, &s));
  cr_expect_str_eq(s.id, "good");
  const char *why = jtr_builder_rejection(b, 0);
  cr_expect(why && strstr(why, "bad-date") && strstr(why, "20241340"), "%s", why);
  why = jtr_builder_rejection(b, 2);
  cr_expect(why && strstr(why, "far") && strstr(why, "coordinates"), "%s", why);
  jtr_builder_free(b);
}

Test(lheo, test_lheo_certifinfo_code_merges_with_the_certif_info_row) {
  jtr_builder *b = new_builder();
  jtr_cert_in ci = {.certifinfo = "19004", .title = "BTS NRC (Certif Info)", .level = 5};
  uint32_t idx;
  cr_assert_eq(jtr_builder_add_cert(b, &ci, &idx), 0);
  char *path = data_path("lheo/exemple-bts-onisep.xml");
  cr_assert_eq(jtr_import_lheo(b, path, NULL), 0);
  cr_expect_eq(stats(b).certs, 1);
  jtr_session_in s;
  cr_assert(jtr_builder_session(b, 0, &s));
  cr_expect_eq(s.cert, idx);
  jtr_cert_in c;
  cr_assert(jtr_builder_cert(b, idx, &c));
  cr_expect_str_eq(c.rome[0], "D1402", "the offer's ROME codes join the Certif Info row");
  free(path);
  jtr_builder_free(b);
}

Test(lheo, test_lheo_malformed_xml_is_edata_with_its_line) {
  jtr_builder *b = new_builder();
  jalon_error *err = NULL;
  int rc = import_str(b, "<?xml version=\"1.0\"?>\n<lheo><offres>\n<formation><intitule-formation>x</titre>\n"
                         "</formation></offres></lheo>\n", &err);
  cr_expect_eq(rc, JALON_EDATA);
  cr_assert(err);
  cr_expect_eq(jalon_error_code(err), JALON_EDATA);
  cr_expect(strstr(jalon_error_message(err), "mem.xml:3:"), "%s", jalon_error_message(err));
  jalon_error_free(err);
  err = NULL;
  cr_expect_eq(jtr_import_lheo_memory(b, "", 0, "empty.xml", &err), JALON_EDATA);
  jalon_error_free(err);
  jtr_builder_free(b);
}

Test(lheo, test_lheo_other_documents_are_eformat) {
  jtr_builder *b = new_builder();
  jalon_error *err = NULL;
  cr_expect_eq(import_str(b, "<?xml version=\"1.0\"?>\n<catalogue><formation/></catalogue>", &err), JALON_EFORMAT);
  cr_assert(err);
  cr_expect(strstr(jalon_error_message(err), "<catalogue>"), "%s", jalon_error_message(err));
  jalon_error_free(err);
  err = NULL;
  cr_expect_eq(import_str(b, "<lheo xmlns=\"http://www.lheo.org/3.0\"><offres/></lheo>", &err), JALON_EFORMAT);
  cr_expect(err && strstr(jalon_error_message(err), "3.0"));
  jalon_error_free(err);
  cr_expect_eq(import_str(b, "<lheo xmlns=\"http://www.lheo.org/2.3\"><offres/></lheo>", NULL), 0, "2.x is read");
  cr_expect_eq(import_str(b, "<lheo><offres/></lheo>", NULL), 0, "so is a document without namespace");
  jtr_builder_free(b);
}

Test(lheo, test_lheo_truncated_file_is_edata_and_keeps_formations_before_the_cut) {
  size_t len;
  char *path = data_path("lheo/exemple-bts-onisep.xml");
  char *xml = slurp(path, &len);
  jtr_builder *b = new_builder();
  jalon_error *err = NULL;
  cr_expect_eq(jtr_import_lheo_memory(b, xml, len / 2, "cut.xml", &err), JALON_EDATA);
  cr_expect(err && strstr(jalon_error_message(err), "cut.xml:"), "%s", jalon_error_message(err));
  cr_expect_eq(stats(b).certs, 0);
  jalon_error_free(err);
  jtr_builder_free(b);

  /* Two copies of the formation, the second cut in its middle. */
  const char *end = strstr(xml, "</formation>");
  const char *start = strstr(xml, "<formation ");
  cr_assert(end && start);
  end += strlen("</formation>");
  size_t head = (size_t)(end - xml), body = (size_t)(end - start);
  char *two = malloc(head + body / 2 + 1);
  cr_assert(two);
  memcpy(two, xml, head);
  memcpy(two + head, start, body / 2);
  b = new_builder();
  err = NULL;
  cr_expect_eq(jtr_import_lheo_memory(b, two, head + body / 2, "two.xml", &err), JALON_EDATA);
  cr_expect_eq(stats(b).certs, 1, "the formation before the cut was imported");
  cr_expect_eq(stats(b).sessions, 1);
  jalon_error_free(err);
  jtr_builder_free(b);
  free(two);
  free(xml);
  free(path);
}

Test(lheo, test_lheo_unreadable_file_is_eio) {
  jtr_builder *b = new_builder();
  jalon_error *err = NULL;
  cr_expect_eq(jtr_import_lheo(b, "/nonexistent/offres.xml", &err), JALON_EIO);
  cr_expect(err && strstr(jalon_error_message(err), "/nonexistent/offres.xml"));
  jalon_error_free(err);
  err = NULL;
  cr_expect_eq(jtr_import_lheo(b, "/", &err), JALON_EIO, "a folder cannot be read");
  jalon_error_free(err);
  cr_expect_eq(jtr_import_lheo(NULL, "/", NULL), JALON_EINVAL);
  jtr_builder_free(b);
}

/* libxml2 reports encoding errors through its global handlers, which print
 * to stderr; the importer must keep them in its error instead. */
Test(lheo, test_lheo_encoding_error_is_edata_and_prints_nothing, .init = cr_redirect_stderr) {
  jtr_builder *b = new_builder();
  jalon_error *err = NULL;
  const char *xml = "<?xml version=\"1.0\" encoding=\"SHIFT_JIS\"?>\n<lheo><offres><formation>"
                    "<intitule-formation>a\x81\x14\x14\x14</intitule-formation></formation></offres></lheo>\n";
  cr_expect_eq(import_str(b, xml, &err), JALON_EDATA);
  cr_expect(err && strstr(jalon_error_message(err), "mem.xml:2:") && strstr(jalon_error_message(err), "conversion"),
            "%s", jalon_error_message(err));
  jalon_error_free(err);
  err = NULL;
  cr_expect_eq(import_str(b, "<lheo><offres></lheo>", &err), JALON_EDATA);
  jalon_error_free(err);
  fflush(stderr);
  cr_expect_stderr_eq_str("");
  jtr_builder_free(b);
}

Test(lheo, test_lheo_oversized_formation_is_rejected_and_the_next_kept) {
  /* Past 100000 actions and sessions one formation would hold the memory a
   * streamed import is meant to bound. */
  size_t n = 100001, cap = n * 9 + 1024, len = 0;
  char *xml = malloc(cap);
  cr_assert(xml);
  len += (size_t)snprintf(xml, cap, "<lheo><offres><formation numero=\"BIG\"><intitule-formation>Gros"
                                   "</intitule-formation>\n");
  for (size_t i = 0; i < n; i++) {
    memcpy(xml + len, "<action/>", 9);
    len += 9;
  }
  len += (size_t)snprintf(xml + len, cap - len, "</formation><formation><intitule-formation>Petit"
                                                "</intitule-formation><action/></formation></offres></lheo>");
  jtr_builder *b = new_builder();
  cr_assert_eq(jtr_import_lheo_memory(b, xml, len, "big.xml", NULL), 0);
  jtr_build_stats st = stats(b);
  cr_expect_eq(st.rejected, 1);
  cr_expect_eq(st.certs, 1);
  cr_expect_eq(st.sessions, 1);
  const char *why = jtr_builder_rejection(b, 0);
  cr_expect(why && strstr(why, "big.xml:1") && strstr(why, "BIG") && strstr(why, "100000"), "%s", why);
  jtr_builder_free(b);
  free(xml);
}

Test(lheo, test_lheo_records_count_only_where_lheo_puts_them) {
  jtr_builder *b = new_builder();
  cr_assert_eq(import_str(b, LHEO_DOC(
    "<formation numero=\"F\"><intitule-formation>Serveur</intitule-formation>\n"
    "<action numero=\"A\"><session numero=\"S\"/></action>\n"
    "<contact-formation><action numero=\"X\"><session numero=\"Y\"><periode><debut>20250101</debut>"
    "</periode></session></action></contact-formation>\n"
    "<extras><session numero=\"Z\"/></extras></formation>\n"
    "<formation numero=\"OUTER\"><extras><formation><intitule-formation>Intérieur</intitule-formation>"
    "</formation></extras></formation>\n"), NULL), 0);
  jtr_build_stats st = stats(b);
  cr_expect_eq(st.certs, 1);
  cr_expect_eq(st.sessions, 1);
  cr_expect_eq(st.rejected, 1, "a title nested deeper is not the formation's");
  jtr_session_in s;
  cr_assert(jtr_builder_session(b, 0, &s));
  cr_expect_str_eq(s.id, "S");
  cr_expect_null(s.start);
  jtr_builder_free(b);
}
