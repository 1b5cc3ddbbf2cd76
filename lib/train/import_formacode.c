/* Formacode thesaurus importer (FCod-utf-8.csv as shipped with LHÉO): each
 * code with its label and the words that describe the training field. */
#include <stdlib.h>
#include <string.h>

#include "model/csv.h"
#include "train/build.h"
#include "train/import_util.h"
#include "util/error.h"
#include "util/strmap.h"
#include "util/vec.h"

/* Columns of the file (';', no header; 15 fields, 4 for the audience and
 * modality descriptors PUB / OUT that have no field or relations). */
enum {
  F_CODE = 0,     /* "22403" */
  F_LABEL_UP = 1, /* "PLAQUE PLATRE" */
  F_LABEL = 2,    /* "plaque plâtre" */
  F_KIND = 3,     /* DOM, DIP, PAY$DOM, PUB, OUT$MOD... */
  F_FIELD = 4,    /* "224 BATIMENT SECOND OEUVRE" */
  F_SYNONYMS = 5, /* "carreau plâtre$cloison sèche$plaquiste" */
  F_BROADER = 6,  /* "22412 PLATRERIE" */
  F_NARROWER = 7,
  F_RELATED = 8,  /* "31672 PERT$11022 RECHERCHE OPERATIONNELLE" */
  F_DEFINITION = 9, /* "Branche des mathématiques permettant de..." */
  F_NOTE = 10       /* "Utilisé pour les formations à..." */
};

static int is_code(const char *s) {
  for (int i = 0; i < 5; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  return s[5] == 0;
}

/* The kind column (DOM, PAY$DOM, OUT$MOD$ADM...) tells the thesaurus from
 * another ';' file whose rows also start with 5 digits (Certif Info codes). */
static int is_kind(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || *s == '$')) return 0;
  return 1;
}

static int thesaurus_row(char **f, size_t nf) {
  return nf > F_KIND && is_code(f[F_CODE]) && (f[F_LABEL][0] || f[F_LABEL_UP][0]) && is_kind(f[F_KIND]);
}

/* The words of one entry, space-separated and NUL-terminated. */
typedef JU_VEC(char) words;

static int put(words *w, const char *s, size_t n) {
  if (!n) return 0;
  if (ju_reserve(&w->v, &w->cap, w->n + n + 2, 1)) return JALON_ENOMEM;
  if (w->n) w->v[w->n++] = ' ';
  memcpy(w->v + w->n, s, n);
  w->n += n;
  w->v[w->n] = 0;
  return 0;
}

/* Label (lower case, accented) of every code, for the related terms, which
 * the file writes as "CODE UPPER-CASE UNACCENTED LABEL". */
typedef struct labels {
  ju_strmap map; /* code -> index into list */
  JU_VEC(char *) list;
} labels;

static void labels_free(labels *l) {
  for (size_t i = 0; i < l->list.n; i++) free(l->list.v[i]);
  JU_FREE(l->list);
  ju_strmap_free(&l->map);
}

static int labels_add(labels *l, const char *code, const char *label) {
  int found = 0;
  if (ju_strmap_put(&l->map, code, 5, (uint32_t)l->list.n, &found) == UINT32_MAX) return JALON_ENOMEM;
  if (found) return 0;
  char *copy = strdup(label);
  if (!copy || JU_PUSH(l->list, copy)) {
    free(copy);
    return JALON_ENOMEM;
  }
  return 0;
}

/* Pass 1: checks the file is the thesaurus and collects the labels. */
static int scan(jm_csv *c, labels *l, jalon_error **err) {
  size_t nf, line, rows = 0, good = 0;
  char **f;
  int rc;
  while ((rc = jm_csv_next(c, &nf, &f, &line, err)) == 1) {
    rows++;
    if (!thesaurus_row(f, nf)) continue;
    good++;
    if (labels_add(l, f[F_CODE], f[F_LABEL][0] ? f[F_LABEL] : f[F_LABEL_UP]))
      return ju_error(err, JALON_ENOMEM, "out of memory reading %s", jm_csv_name(c));
  }
  if (rc < 0) return rc;
  /* A few bad rows are rejected one by one; a file where most rows are not
   * thesaurus entries is another file. */
  if (!rows || good * 2 <= rows)
    return ju_error(err, JALON_EFORMAT,
                    "%s: not the Formacode thesaurus (%zu of %zu rows start with a 5-digit code and a kind)",
                    jm_csv_name(c), good, rows);
  return 0;
}

/* Appends the '$'-separated items of s; with `coded`, each item is
 * "CODE LABEL" and the thesaurus label of CODE is used when known. */
static int put_list(words *w, const char *s, int coded, const labels *l) {
  while (*s) {
    const char *end = strchr(s, '$');
    size_t n = end ? (size_t)(end - s) : strlen(s);
    const char *item = s;
    size_t m = n;
    if (coded && n > 6 && s[5] == ' ') {
      uint32_t k = ju_strmap_get(&l->map, s, 5);
      item = k != UINT32_MAX ? l->list.v[k] : s + 6;
      m = k != UINT32_MAX ? strlen(item) : n - 6;
    }
    if (put(w, item, m)) return JALON_ENOMEM;
    s += n;
    if (*s == '$') s++;
  }
  return 0;
}

/* Pass 2: one builder entry per row. The words are the label, the synonyms
 * and the labels of the related terms, all short noun phrases naming the
 * field. Not the definition nor the usage note: they are sentences of
 * generic words ("ensemble", "méthode", "permettant", "utilisé pour les
 * formations") shared by hundreds of entries, which would relate any
 * competence to every field. */
static int add_entries(jtr_builder *b, jm_csv *c, const labels *l, jalon_error **err) {
  size_t nf, line;
  char **f;
  int rc;
  words w = {0};
  while ((rc = jm_csv_next(c, &nf, &f, &line, err)) == 1) {
    jti_rec r;
    jti_rec_line(&r, b, jm_csv_name(c), line);
    if (!thesaurus_row(f, nf)) {
      jti_reject(&r, "not a thesaurus entry (5-digit code, labels, kind)");
      continue;
    }
    const char *label = f[F_LABEL][0] ? f[F_LABEL] : f[F_LABEL_UP];
    w.n = 0;
    rc = put(&w, label, strlen(label));
    if (!rc && nf > F_SYNONYMS) rc = put_list(&w, f[F_SYNONYMS], 0, l);
    if (!rc && nf > F_RELATED) rc = put_list(&w, f[F_RELATED], 1, l);
    if (!rc) rc = jtr_builder_add_formacode(b, f[F_CODE], label, w.v);
    if (rc == JALON_ENOMEM) {
      rc = ju_error(err, rc, "out of memory importing %s", jm_csv_name(c));
      break;
    }
    if (rc) jti_reject(&r, "Formacode %s not added (%s)", f[F_CODE], jalon_strerror(rc));
  }
  JU_FREE(w);
  return rc < 0 ? rc : 0;
}

int jtr_import_formacode(jtr_builder *b, const char *path, jalon_error **err) {
  if (!b || !path) return ju_error(err, JALON_EINVAL, "jtr_import_formacode: NULL argument");
  char *data = NULL;
  size_t len = 0;
  labels l = {0};
  ju_strmap_init(&l.map);
  jm_csv *c = NULL;
  int rc = jti_read_file(path, &data, &len, err);
  if (!rc) rc = jm_csv_open_memory(&c, data, len, ';', path, err);
  if (!rc) rc = scan(c, &l, err);
  jm_csv_close(c);
  c = NULL;
  if (!rc) rc = jm_csv_open_memory(&c, data, len, ';', path, err);
  free(data);
  if (!rc) rc = add_entries(b, c, &l, err);
  jm_csv_close(c);
  labels_free(&l);
  return rc;
}
