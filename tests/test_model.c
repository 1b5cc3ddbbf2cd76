/* Model compiler and loader: the build -> open round trip on the real ROME
 * release, and every kind of damaged model file refused with a clear code. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/compile.h"
#include "model/csv.h"
#include "model/model.h"
#include "util/hash.h"

static unsigned char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)n);
  cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return b;
}

static const char *model_path(void) {
  const char *p = getenv("JALON_MODEL");
  cr_assert_not_null(p, "JALON_MODEL must point at the built model");
  return p;
}

/* Counts rows of a ROME CSV through the same reader, to compare with the model. */
static size_t csv_rows(const char *file) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", getenv("JALON_ROME_DIR"), file);
  jm_csv *c = NULL;
  cr_assert_eq(jm_csv_open(&c, path, ',', NULL), 0);
  size_t n = 0, nf, line;
  char **f;
  while (jm_csv_next(c, &nf, &f, &line, NULL) == 1) n++;
  jm_csv_close(c);
  return n - 1; /* header */
}

Test(model, test_model_keeps_every_fiche_and_appellation) {
  jalon_model *m = NULL;
  jalon_error *err = NULL;
  cr_assert_eq(jalon_model_open(&m, model_path(), &err), 0, "%s", jalon_error_message(err));
  cr_expect_eq(m->n_fiches, csv_rows("unix_referentiel_code_rome_v460_utf8.csv"));
  cr_expect_eq(m->n_appels, csv_rows("unix_referentiel_appellation_v460_utf8.csv"));
  cr_expect_eq(m->n_fiches, 1584);
  cr_expect_eq(m->n_appels, 13120);
  cr_expect_str_eq(jalon_model_rome_version(m), "v460");
  long d = jalon_model_find_fiche(m, "D1214");
  cr_assert_geq(d, 0);
  cr_expect_str_eq(jalon_model_fiche_label(m, (size_t)d), "Vendeur / Vendeuse en prêt-à-porter");
  long fine = jalon_model_find_fiche(m, "M1855");
  cr_assert_geq(fine, 0);
  cr_expect_str_eq(jalon_model_fiche_parent(m, (size_t)fine), "M1805");
  cr_expect_eq(jalon_model_find_fiche(m, "Z9999"), -1);
  /* Competences with core flags and mobility links survive the round trip. */
  const jm_fiche *f = &m->fiches[d];
  cr_expect_gt(f->item_count, 10);
  size_t core = 0;
  for (uint32_t k = 0; k < f->item_count; k++) core += m->fiche_items[f->item_first + k].core == JM_CORE_PRINCIPALE;
  cr_expect_gt(core, 0);
  cr_expect_gt(f->mob_count, 0);
  cr_expect_gt(strlen(jm_str(m, f->definition)), 20);
  jalon_model_free(m);
}

Test(model, test_model_has_both_gender_forms) {
  jalon_model *m = NULL;
  cr_assert_eq(jalon_model_open(&m, model_path(), NULL), 0);
  /* "Agent / Agente de propreté de locaux": both complete forms are words of the vocabulary. */
  cr_expect_neq(jm_find_term(m, "agente", 6), UINT32_MAX);
  cr_expect_neq(jm_find_term(m, "vendeuse", 8), UINT32_MAX);
  cr_expect(jm_is_stopword(m, jm_find_term(m, "de", 2)));
  cr_expect(jm_is_stopword(m, jm_find_term(m, "h", 1)));
  jalon_model_free(m);
}

Test(model, test_model_build_is_reproducible_in_content) {
  char out[] = "/tmp/jalon-test-model-XXXXXX";
  int fd = mkstemp(out);
  cr_assert_geq(fd, 0);
  close(fd);
  char models[4096];
  snprintf(models, sizeof models, "%s/models", getenv("JALON_SOURCE_ROOT"));
  jm_compile_options o = {getenv("JALON_ROME_DIR"), models, out, NULL, NULL, NULL, NULL};
  jalon_error *err = NULL;
  cr_assert_eq(jm_compile(&o, &err), 0, "%s", jalon_error_message(err));
  size_t a_len, b_len;
  unsigned char *a = slurp(out, &a_len), *b = slurp(model_path(), &b_len);
  cr_expect_eq(a_len, b_len);
  /* Same bytes after the header (the header holds the build time). */
  cr_expect_eq(memcmp(a + sizeof(jm_header), b + sizeof(jm_header), a_len - sizeof(jm_header)), 0);
  free(a);
  free(b);
  unlink(out);
}

static int open_bytes(unsigned char *data, size_t len) {
  jalon_model *m = NULL;
  jalon_error *err = NULL;
  int rc = jm_open_memory(&m, data, len, &err);
  if (rc) {
    cr_expect_not_null(err);
    cr_expect_gt(strlen(jalon_error_message(err)), 10);
  }
  jalon_error_free(err);
  jalon_model_free(m);
  return rc;
}

static void reseal(unsigned char *data, size_t len) {
  jm_header h;
  memcpy(&h, data, sizeof h);
  h.checksum = ju_checksum(data + sizeof h, len - sizeof h);
  memcpy(data, &h, sizeof h);
}

Test(model, test_model_refuses_damaged_files) {
  size_t len;
  unsigned char *good = slurp(model_path(), &len);
  unsigned char *b = malloc(len);
  cr_assert_not_null(b);

  memcpy(b, good, len);
  cr_expect_eq(open_bytes(b, len), 0, "intact copy opens");

  memcpy(b, good, len);
  b[len / 2] ^= 0x40;
  cr_expect_eq(open_bytes(b, len), JALON_EFORMAT, "one flipped bit: checksum");

  cr_expect_eq(open_bytes(b, len / 3), JALON_EFORMAT, "truncated");
  cr_expect_eq(open_bytes(b, 10), JALON_EFORMAT, "shorter than a header");
  cr_expect_eq(open_bytes(b, 0), JALON_EFORMAT, "empty");

  memcpy(b, good, len);
  memcpy(b, "NOTJALON", 8);
  cr_expect_eq(open_bytes(b, len), JALON_EFORMAT, "bad magic");

  memcpy(b, good, len);
  jm_header h;
  memcpy(&h, b, sizeof h);
  h.major = JM_FORMAT_MAJOR + 1;
  memcpy(b, &h, sizeof h);
  cr_expect_eq(open_bytes(b, len), JALON_EVERSION, "future format");

  /* Sealed with a valid checksum but pointing outside the file. */
  memcpy(b, good, len);
  jm_section s;
  memcpy(&s, b + sizeof h, sizeof s);
  s.offset = len * 4;
  memcpy(b + sizeof h, &s, sizeof s);
  reseal(b, len);
  cr_expect_eq(open_bytes(b, len), JALON_EFORMAT, "section offset beyond the end");

  /* A fiche index out of range behind a valid checksum. */
  memcpy(b, good, len);
  jalon_model *m = NULL;
  cr_assert_eq(jm_open_memory(&m, good, len, NULL), 0);
  size_t fiche_off = (size_t)((const unsigned char *)m->fiches - good);
  size_t form_off = (size_t)((const unsigned char *)m->forms - good);
  jalon_model_free(m);
  jm_fiche f;
  memcpy(&f, b + fiche_off, sizeof f);
  f.parent_fiche = 0xFFFFFFF0u;
  memcpy(b + fiche_off, &f, sizeof f);
  reseal(b, len);
  cr_expect_eq(open_bytes(b, len), JALON_EFORMAT, "fiche parent out of range");

  memcpy(b, good, len);
  jm_form fm;
  memcpy(&fm, b + form_off, sizeof fm);
  fm.term_first = 0xFFFFFF00u;
  memcpy(b + form_off, &fm, sizeof fm);
  reseal(b, len);
  cr_expect_eq(open_bytes(b, len), JALON_EFORMAT, "form term run out of range");

  free(b);
  free(good);
}

Test(model, test_model_open_reports_missing_file) {
  jalon_model *m = NULL;
  jalon_error *err = NULL;
  cr_expect_eq(jalon_model_open(&m, "/nonexistent/jalon.model", &err), JALON_ENOTFOUND);
  cr_expect_null(m);
  cr_expect_not_null(strstr(jalon_error_message(err), "/nonexistent/jalon.model"));
  cr_expect_gt(strlen(jalon_error_message_fr(err)), 5);
  jalon_error_free(err);
  cr_expect_eq(jalon_model_open(&m, "/tmp", NULL), JALON_EIO);
}
