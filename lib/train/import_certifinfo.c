/* Certif Info open-data CSV importer: one certification per row, with its
 * Formacode, ROME links, RNCP/RS numbers and its state in Certif Info. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/csv.h"
#include "train/build.h"
#include "train/import_util.h"
#include "util/error.h"

/* Columns are found by their header name: the open-data extracts have added
 * and moved columns between releases (37 here, more in later ones). */
enum {
  C_CODE, C_TITLE, C_TYPE, C_LEVEL, C_UPDATED, C_FORMACODE,
  C_ROME1, C_ROME2, C_ROME3, C_ROME4, C_ROME5,
  C_RNCP, C_RS, C_CERTIFIER, C_STATE, C_STATE_LABEL, C_LAST_YEAR, C_N
};
static const char *const col_names[C_N] = {
  "Code_Diplome", "Libelle_Diplome", "Libelle_Type_Diplome", "Code_Niveau_Europeen", "Date_MaJ",
  "Code_FormaCode", "Code_Rome_1", "Code_Rome_2", "Code_Rome_3", "Code_Rome_4", "Code_Rome_5",
  "Code_RNCP", "Code_RS", "certificateur", "Etat", "Etat_Libelle", "Annee_Derniere_Session"
};

/* Certif Info states, as the file itself pairs codes and labels (the
 * Etat_Ancien_Diplome columns use all of them). Only Etat / Etat_Libelle
 * describe the row's own certification: "archivée" in Etat_Ancien_Diplome
 * (4 548 rows) is the state of the certification this one replaced, and
 * reading it as this row's would hide half the active catalogue. */
static const struct { const char *code, *label; unsigned flags; } states[] = {
  {"2", "erronée", JTR_CERT_INACTIVE},
  {"3", "archivée", JTR_CERT_INACTIVE},
  {"4", "formations préparatoires et non certifiantes", JTR_CERT_PREPARATORY},
  {"12", "formation préparatoire, non certifiante supprimée", JTR_CERT_PREPARATORY | JTR_CERT_INACTIVE},
};

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = 0;
  return s;
}

/* The field of column k, trimmed; NULL when the column is missing or empty. */
static char *field(char **f, size_t nf, const size_t *col, int k) {
  if (col[k] == SIZE_MAX || col[k] >= nf) return NULL;
  char *s = trim(f[col[k]]);
  return *s ? s : NULL;
}

static int find_columns(jm_csv *c, size_t *col, size_t *n_header, jalon_error **err) {
  size_t nf = 0, line = 0;
  char **f = NULL;
  int rc = jm_csv_next(c, &nf, &f, &line, err);
  if (rc < 0) return rc;
  for (int k = 0; k < C_N; k++) col[k] = SIZE_MAX;
  for (size_t i = 0; rc == 1 && i < nf; i++)
    for (int k = 0; k < C_N; k++)
      if (col[k] == SIZE_MAX && strcasecmp(trim(f[i]), col_names[k]) == 0) col[k] = i;
  if (col[C_CODE] == SIZE_MAX || col[C_TITLE] == SIZE_MAX)
    return ju_error(err, JALON_EFORMAT, "%s: not a Certif Info CSV (no %s column in the header)",
                    jm_csv_name(c), col[C_CODE] == SIZE_MAX ? col_names[C_CODE] : col_names[C_TITLE]);
  *n_header = nf;
  return 0;
}

/* The year of the extract: the latest Date_MaJ of the file, 0 when none. A
 * certification whose last session year is before it is no longer delivered
 * (13 rows of the 2024 extract, e.g. "MC aide à domicile", last 2023); the
 * extract's date rather than today's keeps a build reproducible. */
static int extract_year(const char *data, size_t len, const char *name, unsigned *year,
                        jalon_error **err) {
  jm_csv *c = NULL;
  size_t col[C_N], nh, nf, line;
  char **f;
  uint32_t latest = 0;
  int rc = jm_csv_open_memory(&c, data, len, ';', name, err);
  if (!rc) rc = find_columns(c, col, &nh, err);
  while (!rc && (rc = jm_csv_next(c, &nf, &f, &line, err)) == 1) {
    const char *d = field(f, nf, col, C_UPDATED);
    uint32_t ymd;
    if (d && jtr_date_parse(d, &ymd) == 0 && ymd > latest) latest = ymd;
    rc = 0;
  }
  jm_csv_close(c);
  *year = latest / 10000;
  return rc < 0 ? rc : 0;
}

static unsigned state_flags(const char *code, const char *label) {
  for (size_t i = 0; i < sizeof states / sizeof *states; i++)
    if ((code && strcmp(code, states[i].code) == 0) || (label && strcasecmp(label, states[i].label) == 0))
      return states[i].flags;
  return 0;
}

static int add_row(jti_rec *r, char **f, size_t nf, const size_t *col, unsigned year) {
  jtr_cert_in c = {0};
  c.certifinfo = field(f, nf, col, C_CODE);
  c.title = field(f, nf, col, C_TITLE);
  if (!c.certifinfo || !c.title) {
    jti_reject(r, "no %s", c.certifinfo ? col_names[C_TITLE] : col_names[C_CODE]);
    return 0;
  }
  c.type = field(f, nf, col, C_TYPE);
  const char *lv = field(f, nf, col, C_LEVEL);
  if (lv && lv[0] >= '1' && lv[0] <= '8' && !lv[1]) c.level = lv[0] - '0';
  c.formacode[0] = field(f, nf, col, C_FORMACODE);
  size_t nr = 0;
  for (int k = C_ROME1; k <= C_ROME5; k++) {
    const char *code = field(f, nf, col, k);
    if (code) c.rome[nr++] = code;
  }
  c.rncp = field(f, nf, col, C_RNCP);
  c.rs = field(f, nf, col, C_RS);
  c.certifier = field(f, nf, col, C_CERTIFIER);
  c.flags = state_flags(field(f, nf, col, C_STATE), field(f, nf, col, C_STATE_LABEL));
  const char *last = field(f, nf, col, C_LAST_YEAR);
  if (last && year && strlen(last) == 4 && (unsigned)strtoul(last, NULL, 10) < year)
    c.flags |= JTR_CERT_INACTIVE;
  return jti_add_cert(r, &c, NULL);
}

int jtr_import_certifinfo(jtr_builder *b, const char *path, jalon_error **err) {
  if (!b || !path) return ju_error(err, JALON_EINVAL, "jtr_import_certifinfo: NULL argument");
  char *data = NULL;
  size_t len = 0;
  unsigned year = 0;
  int rc = jti_read_file(path, &data, &len, err);
  if (!rc) rc = extract_year(data, len, path, &year, err);
  jm_csv *c = NULL;
  size_t col[C_N], nh = 0, nf, line;
  char **f;
  if (!rc) rc = jm_csv_open_memory(&c, data, len, ';', path, err);
  free(data);
  if (!rc) rc = find_columns(c, col, &nh, err);
  while (!rc && (rc = jm_csv_next(c, &nf, &f, &line, err)) == 1) {
    jti_rec r;
    jti_rec_line(&r, b, path, line);
    /* A title holding an unquoted ';' shifts every later column: the ROME
     * codes would be read from the NSF column. Such a row is refused whole. */
    if (nf != nh) jti_reject(&r, "%zu fields where the header has %zu", nf, nh);
    rc = r.bad ? 0 : add_row(&r, f, nf, col, year);
    if (rc) rc = ju_error(err, rc, "out of memory importing %s", path);
  }
  jm_csv_close(c);
  return rc < 0 ? rc : 0;
}
