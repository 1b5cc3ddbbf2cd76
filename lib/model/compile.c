/* Model compiler, reading side: loads the ROME v4 CSV release (fiches,
 * appellations, competences, links, core flags, texts, mobility) and the
 * hand-written stop-words, then hands over to the index and writer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/compile_int.h"
#include "clea/clea.h"
#include "cues/cues.h"
#include "model/csv.h"
#include "util/error.h"

int jc_nomem(jc *c) { return ju_error(c->err, JALON_ENOMEM, "out of memory compiling the model"); }

void jc_warn(jc *c, const char *fmt, ...) {
  if (!c->o->warnings) return;
  va_list ap;
  va_start(ap, fmt);
  fputs("warning: ", c->o->warnings);
  vfprintf(c->o->warnings, fmt, ap);
  fputc('\n', c->o->warnings);
  va_end(ap);
}

void jc_progress(jc *c, const char *stage, size_t done, size_t total) {
  if (c->o->progress) c->o->progress(c->o->progress_ud, stage, done, total);
}

uint32_t jc_strn(jc *c, const char *s, size_t n) {
  uint32_t off = (uint32_t)c->strings.n;
  int found = 0;
  uint32_t v = ju_strmap_put(&c->string_map, s, n, off, &found);
  if (v == UINT32_MAX || found) return v;
  if (ju_reserve(&c->strings.v, &c->strings.cap, c->strings.n + n + 1, 1)) return UINT32_MAX;
  memcpy(c->strings.v + c->strings.n, s, n);
  c->strings.v[c->strings.n + n] = 0;
  c->strings.n += n + 1;
  return off;
}

uint32_t jc_str(jc *c, const char *s) { return jc_strn(c, s, strlen(s)); }

/* A CSV file of the release with its columns looked up by header name, so a
 * reordered export still compiles and a renamed column is a clear error. */
typedef struct table {
  jm_csv *csv;
  char path[4096];
  int col[16];
  size_t ncols;
  char **f;
  size_t nf, line;
} table;

static int table_open(jc *c, table *t, const char *file, const char *const *cols) {
  memset(t, 0, sizeof *t);
  snprintf(t->path, sizeof t->path, "%s/%s", c->o->rome_dir, file);
  int rc = jm_csv_open(&t->csv, t->path, ',', c->err);
  if (rc) return rc;
  size_t nf, line;
  char **f;
  rc = jm_csv_next(t->csv, &nf, &f, &line, c->err);
  if (rc <= 0) {
    jm_csv_close(t->csv);
    t->csv = NULL;
    return rc ? rc : ju_error(c->err, JALON_EDATA, "%s: empty file", t->path);
  }
  for (t->ncols = 0; cols[t->ncols]; t->ncols++) {
    t->col[t->ncols] = -1;
    for (size_t i = 0; i < nf; i++)
      if (strcmp(f[i], cols[t->ncols]) == 0) t->col[t->ncols] = (int)i;
    if (t->col[t->ncols] < 0) {
      jm_csv_close(t->csv);
      t->csv = NULL;
      return ju_error(c->err, JALON_EDATA, "%s:1: column \"%s\" missing", t->path, cols[t->ncols]);
    }
  }
  return 0;
}

/* Next row whose field count fits; rows that do not are reported and skipped. */
static int table_next(jc *c, table *t) {
  for (;;) {
    int rc = jm_csv_next(t->csv, &t->nf, &t->f, &t->line, c->err);
    if (rc <= 0) return rc;
    int ok = 1;
    for (size_t i = 0; i < t->ncols; i++)
      if ((size_t)t->col[i] >= t->nf) ok = 0;
    if (ok) return 1;
    jc_warn(c, "%s:%zu: %zu fields, expected more; row skipped", t->path, t->line, t->nf);
  }
}

static char *col(const table *t, size_t i) { return t->f[t->col[i]]; }

static void table_close(table *t) { jm_csv_close(t->csv); }

static uint32_t fiche_of(jc *c, const char *code) { return ju_strmap_get(&c->fiche_map, code, strlen(code)); }

static int read_stopwords(jc *c) {
  char path[4096];
  snprintf(path, sizeof path, "%s/text/stopwords.txt", c->o->models_dir);
  FILE *f = fopen(path, "r");
  if (!f) return ju_error(c->err, JALON_EIO, "cannot open stop-word list %s", path);
  char line[256];
  int rc = 0;
  while (!rc && fgets(line, sizeof line, f)) {
    char *h = strchr(line, '#');
    if (h) *h = 0;
    size_t n = strcspn(line, " \t\r\n");
    if (!n) continue;
    /* Fold through the tokenizer so the list may be written with accents. */
    if ((rc = jt_tokenize(c->tok, line, n, &c->toks))) break;
    for (size_t i = 0; i < c->toks.n; i++) {
      const char *w = jt_fold(&c->toks, i);
      if (ju_strmap_put(&c->stop, w, strlen(w), 1, NULL) == UINT32_MAX) rc = jc_nomem(c);
    }
    /* Interned as words of the vocabulary, so a query never takes an
     * everyday word ("veux") for a misspelt job word ("jeux"). */
    if (!rc) rc = jc_index_text(c, line, UINT32_MAX, 0, NULL);
  }
  fclose(f);
  if (rc && rc != JALON_ENOMEM) rc = ju_error(c->err, rc, "stop-word list %s unreadable", path);
  return rc;
}

/* A "word = target" list of models/text/. add returns 0, a positive value
 * for a line to skip (said in `skip`), or a negative status. */
static int read_pairs(jc *c, const char *file, const char *what, int (*add)(jc *, const char *, const char *),
                      const char *skip) {
  char path[4096];
  snprintf(path, sizeof path, "%s/text/%s", c->o->models_dir, file);
  FILE *f = fopen(path, "r");
  if (!f) return ju_error(c->err, JALON_EIO, "cannot open %s %s", what, path);
  char line[512];
  size_t lineno = 0;
  int rc = 0;
  while (!rc && fgets(line, sizeof line, f)) {
    lineno++;
    char *h = strchr(line, '#');
    if (h) *h = 0;
    char *eq = strchr(line, '=');
    if (!eq) {
      if (strspn(line, " \t\r\n") != strlen(line)) jc_warn(c, "%s:%zu: no \"=\"; line skipped", path, lineno);
      continue;
    }
    *eq = 0;
    rc = add(c, line, eq + 1);
    if (rc > 0) {
      rc = 0;
      jc_warn(c, "%s:%zu: %s; line skipped", path, lineno, skip);
    }
  }
  fclose(f);
  return rc;
}

/* Synonyms are read after the ROME vocabulary exists, so that a word the
 * ROME uses is never redirected. Readings may name a word the ROME writes
 * ("developer" in "Business developer"): the matcher keeps it where a ROME
 * title phrase holds it. */
static int read_synonyms(jc *c) {
  return read_pairs(c, "synonyms.txt", "synonym list", jc_add_synonym,
                    "target unknown or word already in the ROME");
}

static int read_readings(jc *c) {
  return read_pairs(c, "readings.txt", "reading list", jc_add_reading,
                    "not one word, a stop-word, read twice, or a target word unknown");
}

/* The cue patterns are stored as text and compiled at open; compiling them
 * here too makes a bad pattern fail the build, not the first diagnosis. */
static char *slurp_text(const char *path, int *rc) {
  FILE *f = fopen(path, "rb");
  *rc = 0;
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - n - 1, f);
    if (n + 1 < cap) break;
    char *nb = realloc(buf, cap * 2);
    if (!nb) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = nb;
    cap *= 2;
  }
  fclose(f);
  if (!buf) *rc = JALON_ENOMEM;
  else buf[n] = 0;
  return buf;
}

static int read_cues(jc *c) {
  char path[4096];
  int rc;
  snprintf(path, sizeof path, "%s/cues/cues.txt", c->o->models_dir);
  char *buf = slurp_text(path, &rc);
  if (rc) return jc_nomem(c);
  if (!buf) return ju_error(c->err, JALON_EIO, "cannot open cue patterns %s", path);
  jq_set *set = NULL;
  rc = jq_set_compile(&set, buf, path, c->err);
  jq_set_free(set);
  if (rc) {
    free(buf);
    return rc == JALON_EFORMAT ? JALON_EDATA : rc;
  }
  c->cues_src = buf;
  return 0;
}

static int clea_find_sub(void *ud, const char *code) {
  jc *c = ud;
  for (size_t i = 0; i < c->clea_subs.n; i++)
    if (strcmp(c->strings.v + c->clea_subs.v[i].code, code) == 0) return (int)i;
  return -1;
}

/* CléA: sub-domains from the referential CSV (shared data), cues and rules
 * from models/clea/clea.txt. Either may be absent: the model then has no
 * CléA profile and says so, rather than inventing one. */
static int read_clea(jc *c) {
  char dir[4096], path[4200];
  const char *cd = c->o->clea_dir ? c->o->clea_dir : secure_getenv("JALON_CLEA_DIR");
  if (cd) snprintf(dir, sizeof dir, "%s", cd);
  else snprintf(dir, sizeof dir, "%s/../clea", c->o->rome_dir);
  snprintf(path, sizeof path, "%s/clea_referentiel.csv", dir);
  jm_csv *csv = NULL;
  jalon_error *e = NULL;
  int rc = jm_csv_open(&csv, path, ',', &e);
  if (rc == JALON_ENOMEM) {
    jalon_error_free(e);
    return jc_nomem(c);
  }
  if (rc) {
    jc_warn(c, "CléA referential not read (%s): the model has no CléA profile", jalon_error_message(e));
    jalon_error_free(e);
  }
  size_t nf, line;
  char **f;
  int hdr = 1;
  while (csv && (rc = jm_csv_next(csv, &nf, &f, &line, c->err)) == 1) {
    rc = 0;
    if (hdr) {
      hdr = 0;
      continue;
    }
    if (nf < 5) {
      jc_warn(c, "%s:%zu: %zu fields; row skipped", path, line, nf);
      continue;
    }
    if (clea_find_sub(c, f[2]) >= 0) continue;
    if (c->clea_subs.n == 32) {
      rc = ju_error(c->err, JALON_EDATA, "%s:%zu: more than 32 CléA sub-domains", path, line);
      break;
    }
    jm_clea_sub s;
    memset(&s, 0, sizeof s);
    s.code = jc_str(c, f[2]);
    s.label = jc_str(c, f[3]);
    s.domain_label = jc_str(c, f[1]);
    s.domain = (uint8_t)atoi(f[0]);
    s.unverified = strstr(f[4], "unverified") != NULL;
    if (s.domain < 1 || s.domain > 7) {
      jc_warn(c, "%s:%zu: domain \"%s\" is not 1..7; row skipped", path, line, f[0]);
      continue;
    }
    if (s.code == UINT32_MAX || s.label == UINT32_MAX || s.domain_label == UINT32_MAX || JU_PUSH(c->clea_subs, s))
      rc = jc_nomem(c);
  }
  jm_csv_close(csv);
  if (rc < 0) return rc;
  snprintf(path, sizeof path, "%s/clea/clea.txt", c->o->models_dir);
  c->clea_src = slurp_text(path, &rc);
  if (rc) return jc_nomem(c);
  if (!c->clea_src || !c->clea_subs.n) {
    if (!c->clea_src) jc_warn(c, "%s not found: the model has no CléA cues", path);
    free(c->clea_src);
  free(c->soft_src);
    c->clea_src = strdup("");
    if (!c->clea_src) return jc_nomem(c);
  }
  jk_set *set = NULL;
  if (c->clea_src[0]) {
    rc = jk_set_compile(&set, c->clea_src, path, clea_find_sub, c, 0, c->err);
    if (rc) return rc == JALON_EFORMAT ? JALON_EDATA : rc;
  }
  /* Rules run on each competence label folded like the text. */
  void *md = set ? jk_match_data_new(set) : NULL;
  if (set && !md) rc = jc_nomem(c);
  JU_VEC(char) folded = {0};
  for (size_t i = 0; !rc && i < c->items.n; i++) {
    uint32_t mask = 0;
    if (set) {
      folded.n = 0;
      rc = jt_tokenize(c->tok, c->strings.v + c->items.v[i].label, strlen(c->strings.v + c->items.v[i].label), &c->toks);
      if (rc == JALON_ENOMEM) rc = jc_nomem(c);
      else if (rc) rc = 0; /* a label the tokenizer refuses maps to nothing */
      for (size_t k = 0; !rc && k < c->toks.n; k++) {
        size_t n = c->toks.v[k].fold_len;
        if (ju_reserve(&folded.v, &folded.cap, folded.n + n + 2, 1)) {
          rc = jc_nomem(c);
          break;
        }
        memcpy(folded.v + folded.n, jt_fold(&c->toks, k), n);
        folded.n += n;
        folded.v[folded.n++] = ' ';
      }
      if (!rc && folded.n) mask = jk_rules_mask(set, folded.v, folded.n, md);
    }
    if (!rc && JU_PUSH(c->item_clea, mask)) rc = jc_nomem(c);
  }
  JU_FREE(folded);
  jk_match_data_free(md);
  jk_set_free(set);
  return rc;
}

static int find_soft_item(void *ud, const char *code) {
  jc *c = ud;
  uint32_t it = ju_strmap_get(&c->item_map, code, strlen(code));
  return it != UINT32_MAX && c->items.v[it].kind == JM_ITEM_SAVOIR_ETRE ? (int)it : -1;
}

/* Soft-skill cues: optional; a pattern naming an item that is not a ROME
 * savoir-être fails the build. */
static int read_softskills(jc *c) {
  char path[4200];
  int rc;
  snprintf(path, sizeof path, "%s/softskills/softskills.txt", c->o->models_dir);
  c->soft_src = slurp_text(path, &rc);
  if (rc) return jc_nomem(c);
  if (!c->soft_src) {
    jc_warn(c, "%s not found: no soft skills read from texts", path);
    c->soft_src = strdup("");
    return c->soft_src ? 0 : jc_nomem(c);
  }
  jk_set *set = NULL;
  rc = jk_set_compile(&set, c->soft_src, path, find_soft_item, c, 0, c->err);
  jk_set_free(set);
  return rc == JALON_EFORMAT ? JALON_EDATA : rc;
}

static int read_fiches(jc *c) {
  static const char *const cols[] = {"code_rome", "libelle_rome", "code_rome_parent", NULL};
  table t;
  int rc = table_open(c, &t, "unix_referentiel_code_rome_v460_utf8.csv", cols);
  while (!rc && (rc = table_next(c, &t)) == 1) {
    rc = 0;
    jm_fiche f;
    memset(&f, 0, sizeof f);
    f.code = jc_str(c, col(&t, 0));
    f.label = jc_str(c, col(&t, 1));
    f.parent = jc_str(c, col(&t, 2)[0] ? col(&t, 2) : col(&t, 0));
    f.grand_domaine = f.grand_domaine_label = f.domaine_pro = f.domaine_pro_label = jc_str(c, "");
    f.definition = f.access = f.grand_domaine;
    if (f.code == UINT32_MAX || f.label == UINT32_MAX || f.parent == UINT32_MAX) return jc_nomem(c);
    int found = 0;
    if (ju_strmap_put(&c->fiche_map, col(&t, 0), strlen(col(&t, 0)), (uint32_t)c->fiches.n, &found) ==
        UINT32_MAX)
      return jc_nomem(c);
    if (found) {
      jc_warn(c, "%s:%zu: duplicate fiche %s skipped", t.path, t.line, col(&t, 0));
      continue;
    }
    if (JU_PUSH(c->fiches, f)) rc = jc_nomem(c);
  }
  table_close(&t);
  if (rc < 0) return rc;
  if (c->fiches.n == 0) return ju_error(c->err, JALON_EDATA, "no fiche in %s", t.path);
  for (size_t i = 0; i < c->fiches.n; i++) {
    uint32_t p = fiche_of(c, c->strings.v + c->fiches.v[i].parent);
    c->fiches.v[i].parent_fiche = p == UINT32_MAX ? (uint32_t)i : p;
  }
  return 0;
}

static int read_domains(jc *c) {
  static const char *const cols[] = {"code_rome", "code_grand_domaine", "libelle_grand_domaine",
                                     "code_domaine_professionel", "libelle_domaine_professionel", NULL};
  table t;
  int rc = table_open(c, &t, "unix_cr_gd_dp_v460_utf8.csv", cols);
  while (!rc && (rc = table_next(c, &t)) == 1) {
    rc = 0;
    uint32_t fi = fiche_of(c, col(&t, 0));
    if (fi == UINT32_MAX) {
      jc_warn(c, "%s:%zu: unknown fiche %s", t.path, t.line, col(&t, 0));
      continue;
    }
    jm_fiche *f = &c->fiches.v[fi];
    f->grand_domaine = jc_str(c, col(&t, 1));
    f->grand_domaine_label = jc_str(c, col(&t, 2));
    f->domaine_pro = jc_str(c, col(&t, 3));
    f->domaine_pro_label = jc_str(c, col(&t, 4));
    if (f->grand_domaine == UINT32_MAX || f->grand_domaine_label == UINT32_MAX ||
        f->domaine_pro == UINT32_MAX || f->domaine_pro_label == UINT32_MAX)
      rc = jc_nomem(c);
  }
  table_close(&t);
  return rc < 0 ? rc : 0;
}

/* "Vendeur / Vendeuse en prêt-à-porter" -> masculine and feminine complete
 * forms. The feminine part may restate several words ("Employé polyvalent /
 * Employée polyvalente de restauration"): align the last k words before the
 * slash with the first k after it when they share their first letters. */
static int gender_forms(const char *label, char *masc, char *fem, size_t cap) {
  const char *sl = strstr(label, " / ");
  if (!sl) return 0;
  size_t alen = (size_t)(sl - label);
  const char *b = sl + 3;
  const char *aw[16], *bw[16];
  size_t an = 0, bn = 0;
  for (const char *p = label; p < sl && an < 16;) {
    while (p < sl && *p == ' ') p++;
    if (p < sl) aw[an++] = p;
    while (p < sl && *p != ' ') p++;
  }
  for (const char *p = b; *p && bn < 16;) {
    while (*p == ' ') p++;
    if (*p) bw[bn++] = p;
    while (*p && *p != ' ') p++;
  }
  if (!an || !bn) return 0;
  size_t k = 1;
  for (size_t kk = an < bn ? an : bn; kk >= 1; kk--) {
    int ok = 1;
    for (size_t j = 0; j < kk && ok; j++)
      if (strncmp(aw[an - kk + j], bw[j], 2) != 0) ok = 0;
    if (ok) {
      k = kk;
      break;
    }
  }
  /* masc = A + (B without its first k words); fem = (A without its last k words) + B */
  const char *btail = k < bn ? bw[k] - 1 : b + strlen(b);
  size_t alead = (size_t)(aw[an - k] - label);
  if (alen + strlen(btail) + 1 > cap || alead + strlen(b) + 1 > cap) return 0;
  snprintf(masc, cap, "%.*s%s", (int)alen, label, btail);
  snprintf(fem, cap, "%.*s%s", (int)alead, label, b);
  return 1;
}

/* "Auxiliaire de Vie Sociale (AVS)", "Directeur des systèmes d'information
 * -DSI-": people write the words without the acronym, so the label without
 * its parenthesised or dashed asides is a form too. Returns 1 if changed,
 * 2 if only acronyms were taken out ("(IARD)", "-DSI-"). */
static int strip_asides(const char *s, char *out, size_t cap) {
  size_t o = 0;
  int changed = 0, words = 0;
  for (const char *p = s; *p && o + 1 < cap;) {
    if (*p == '(') {
      const char *q = strchr(p, ')');
      if (q) {
        const char *a = p + 1;
        while (a < q && ((*a >= 'A' && *a <= 'Z') || *a == ' ')) a++;
        words |= a < q;
        p = q + 1;
        changed = 1;
        continue;
      }
    }
    if (*p == '-' && (p == s || p[-1] == ' ')) {
      const char *q = p + 1;
      while (*q >= 'A' && *q <= 'Z') q++;
      if (q > p + 2 && *q == '-') {
        p = q + 1;
        changed = 1;
        continue;
      }
    }
    out[o++] = *p++;
  }
  out[o] = 0;
  return changed ? (words ? 1 : 2) : 0;
}

static int add_one_form(jc *c, const char *text, uint32_t fiche, uint32_t appel, int kind, int peu_usite) {
  char bare[1024];
  int rc = jc_add_form(c, text, fiche, appel, kind, peu_usite, 1);
  /* An acronym aside may be all that qualifies the title: the short label
   * "Conseiller / Conseillère (IARD)" stripped is a bare "conseiller", which
   * would then win every "Conseiller de vente". A descriptive aside is not
   * ("Livreur / Livreuse (deux-roues motorisées)" is a livreur). */
  int stripped = rc ? 0 : strip_asides(text, bare, sizeof bare);
  if (stripped) rc = jc_add_form(c, bare, fiche, appel, kind, peu_usite, stripped == 2 ? 2 : 1);
  return rc;
}

static int add_title_forms(jc *c, const char *label, uint32_t fiche, uint32_t appel, int peu_usite,
                           int short_too, const char *shortl) {
  char masc[1024], fem[1024];
  int rc;
  int fiche_kind = appel == UINT32_MAX;
  if (gender_forms(label, masc, fem, sizeof masc)) {
    if ((rc = add_one_form(c, masc, fiche, appel, fiche_kind ? JM_FORM_FICHE : JM_FORM_MASC, peu_usite)))
      return rc;
    if ((rc = add_one_form(c, fem, fiche, appel, fiche_kind ? JM_FORM_FICHE : JM_FORM_FEM, peu_usite)))
      return rc;
  } else if ((rc = add_one_form(c, label, fiche, appel, fiche_kind ? JM_FORM_FICHE : JM_FORM_MASC,
                                 peu_usite))) {
    return rc;
  }
  if (short_too && shortl && *shortl && strcmp(shortl, label) != 0) {
    if (gender_forms(shortl, masc, fem, sizeof masc)) {
      if ((rc = add_one_form(c, masc, fiche, appel, JM_FORM_SHORT, peu_usite))) return rc;
      if ((rc = add_one_form(c, fem, fiche, appel, JM_FORM_SHORT, peu_usite))) return rc;
    } else if ((rc = add_one_form(c, shortl, fiche, appel, JM_FORM_SHORT, peu_usite))) {
      return rc;
    }
  }
  return 0;
}

typedef struct appel_row { uint32_t fiche, code_ogr, label, label_short; uint8_t peu, princ; } appel_row;

static int cmp_appel(const void *a, const void *b) {
  const jm_appel *x = a, *y = b;
  if (x->fiche != y->fiche) return x->fiche < y->fiche ? -1 : 1;
  if (x->principale != y->principale) return x->principale ? -1 : 1;
  return x->code_ogr < y->code_ogr ? -1 : x->code_ogr > y->code_ogr;
}

static int read_appellations(jc *c) {
  static const char *const cols[] = {"code_ogr", "libelle_appellation_long", "libelle_appellation_court",
                                     "code_rome", "classification", "peu_usite", NULL};
  table t;
  int rc = table_open(c, &t, "unix_referentiel_appellation_v460_utf8.csv", cols);
  while (!rc && (rc = table_next(c, &t)) == 1) {
    rc = 0;
    uint32_t fi = fiche_of(c, col(&t, 3));
    if (fi == UINT32_MAX) {
      jc_warn(c, "%s:%zu: appellation %s names unknown fiche %s", t.path, t.line, col(&t, 0), col(&t, 3));
      continue;
    }
    jm_appel a;
    memset(&a, 0, sizeof a);
    a.code_ogr = (uint32_t)strtoul(col(&t, 0), NULL, 10);
    a.label = jc_str(c, col(&t, 1));
    a.label_short = jc_str(c, col(&t, 2));
    a.fiche = fi;
    a.peu_usite = col(&t, 5)[0] == 'O';
    a.principale = strcmp(col(&t, 4), "PRINCIPALE") == 0;
    if (a.label == UINT32_MAX || a.label_short == UINT32_MAX || JU_PUSH(c->appels, a)) rc = jc_nomem(c);
  }
  table_close(&t);
  if (rc < 0) return rc;
  /* Group by fiche so a fiche's appellations are one contiguous run. */
  qsort(c->appels.v, c->appels.n, sizeof *c->appels.v, cmp_appel);
  for (size_t i = 0; i < c->appels.n; i++) {
    jm_appel *a = &c->appels.v[i];
    jm_fiche *f = &c->fiches.v[a->fiche];
    if (f->appel_count == 0) f->appel_first = (uint32_t)i;
    f->appel_count++;
    if ((rc = add_title_forms(c, c->strings.v + a->label, a->fiche, (uint32_t)i, a->peu_usite, 1,
                              c->strings.v + a->label_short)))
      return rc;
    if ((rc = jc_index_text(c, c->strings.v + a->label, a->fiche, JC_W_APPEL, NULL))) return rc;
    if (i % 2000 == 0) jc_progress(c, "appellations", i, c->appels.n);
  }
  for (size_t i = 0; i < c->fiches.n; i++) {
    jm_fiche *f = &c->fiches.v[i];
    if ((rc = add_title_forms(c, c->strings.v + f->label, (uint32_t)i, UINT32_MAX, 0, 0, NULL))) return rc;
    if ((rc = jc_index_text(c, c->strings.v + f->label, (uint32_t)i, JC_W_TITLE, NULL))) return rc;
  }
  jc_progress(c, "appellations", c->appels.n, c->appels.n);
  return 0;
}

static int read_items(jc *c) {
  static const char *const cols[] = {"code_ogr", "libelle", "code_rubrique", NULL};
  table t;
  int rc = table_open(c, &t, "unix_item_v460_utf8.csv", cols);
  if (!rc && JU_PUSH(c->item_term_first, 0)) rc = jc_nomem(c);
  while (!rc && (rc = table_next(c, &t)) == 1) {
    rc = 0;
    int kind = atoi(col(&t, 2));
    if (kind < 1 || kind > 3) continue; /* work contexts: not competences */
    jm_item it;
    memset(&it, 0, sizeof it);
    it.code_ogr = (uint32_t)strtoul(col(&t, 0), NULL, 10);
    it.label = jc_str(c, col(&t, 1));
    it.kind = (uint8_t)kind;
    if (it.label == UINT32_MAX) return jc_nomem(c);
    int found = 0;
    if (ju_strmap_put(&c->item_map, col(&t, 0), strlen(col(&t, 0)), (uint32_t)c->items.n, &found) ==
        UINT32_MAX)
      return jc_nomem(c);
    if (found) {
      jc_warn(c, "%s:%zu: duplicate item %s skipped", t.path, t.line, col(&t, 0));
      continue;
    }
    if (JU_PUSH(c->items, it)) return jc_nomem(c);
    if ((rc = jc_index_text(c, col(&t, 1), UINT32_MAX, 0, &c->item_terms))) break;
    if (JU_PUSH(c->item_term_first, (uint32_t)c->item_terms.n)) rc = jc_nomem(c);
    if (c->items.n % 5000 == 0) jc_progress(c, "competences", c->items.n, 34000);
  }
  table_close(&t);
  return rc < 0 ? rc : 0;
}

static int read_core(jc *c) {
  static const char *const cols[] = {"code_rome", "code_ogr", "coeur_metier", NULL};
  table t;
  int rc = table_open(c, &t, "unix_coherence_item_v460_utf8.csv", cols);
  while (!rc && (rc = table_next(c, &t)) == 1) {
    rc = 0;
    const char *cm = col(&t, 2);
    uint32_t core = strcmp(cm, "Principale") == 0 ? JM_CORE_PRINCIPALE
                    : cm[0] ? JM_CORE_EMERGENTE : JM_CORE_NONE;
    if (core == JM_CORE_NONE) continue;
    char key[64];
    int n = snprintf(key, sizeof key, "%s %s", col(&t, 0), col(&t, 1));
    if (n < 0 || (size_t)n >= sizeof key) continue;
    if (ju_strmap_put(&c->core_map, key, (size_t)n, core, NULL) == UINT32_MAX) rc = jc_nomem(c);
  }
  table_close(&t);
  return rc < 0 ? rc : 0;
}

static int cmp_fitem(const void *a, const void *b) {
  const jc_fitem *x = a, *y = b;
  if (x->fiche != y->fiche) return x->fiche < y->fiche ? -1 : 1;
  if (x->core != y->core) return x->core == JM_CORE_PRINCIPALE ? -1 : y->core == JM_CORE_PRINCIPALE ? 1 : (x->core > y->core ? -1 : 1);
  return x->item < y->item ? -1 : x->item > y->item;
}

static int read_links(jc *c) {
  static const char *const cols[] = {"code_rome", "code_compo_bloc", "code_rubrique", "code_ogr", NULL};
  table t;
  int rc = table_open(c, &t, "unix_liens_rome_referentiels_v460_utf8.csv", cols);
  size_t rows = 0;
  while (!rc && (rc = table_next(c, &t)) == 1) {
    rc = 0;
    if (strcmp(col(&t, 1), "5") != 0) continue;
    uint32_t fi = fiche_of(c, col(&t, 0));
    uint32_t it = ju_strmap_get(&c->item_map, col(&t, 3), strlen(col(&t, 3)));
    if (fi == UINT32_MAX || it == UINT32_MAX) {
      jc_warn(c, "%s:%zu: link %s -> %s: unknown fiche or item", t.path, t.line, col(&t, 0), col(&t, 3));
      continue;
    }
    char key[64];
    int n = snprintf(key, sizeof key, "%s %s", col(&t, 0), col(&t, 3));
    uint32_t core = n > 0 && (size_t)n < sizeof key ? ju_strmap_get(&c->core_map, key, (size_t)n) : UINT32_MAX;
    jc_fitem x = {fi, it, (uint8_t)(core == UINT32_MAX ? JM_CORE_NONE : core)};
    if (JU_PUSH(c->fitems, x)) return jc_nomem(c);
    float w = c->items.v[it].kind == JM_ITEM_SAVOIR_FAIRE ? JC_W_SAVOIR_FAIRE
              : c->items.v[it].kind == JM_ITEM_SAVOIR ? JC_W_SAVOIR : JC_W_SAVOIR_ETRE;
    if (x.core == JM_CORE_PRINCIPALE) w *= 1.5f;
    for (uint32_t k = c->item_term_first.v[it]; k < c->item_term_first.v[it + 1]; k++) {
      jc_post p = {c->item_terms.v[k], fi, w, 0};
      if (JU_PUSH(c->posts, p)) return jc_nomem(c);
    }
    if (++rows % 20000 == 0) jc_progress(c, "links", rows, 90556);
  }
  table_close(&t);
  if (rc < 0) return rc;
  qsort(c->fitems.v, c->fitems.n, sizeof *c->fitems.v, cmp_fitem);
  size_t w = 0;
  for (size_t i = 0; i < c->fitems.n; i++) {
    if (w && c->fitems.v[w - 1].fiche == c->fitems.v[i].fiche && c->fitems.v[w - 1].item == c->fitems.v[i].item)
      continue;
    c->fitems.v[w++] = c->fitems.v[i];
  }
  c->fitems.n = w;
  for (size_t i = 0; i < c->fitems.n; i++) {
    jm_fiche *f = &c->fiches.v[c->fitems.v[i].fiche];
    if (!f->item_count) f->item_first = (uint32_t)i;
    f->item_count++;
  }
  return 0;
}

static int append_text(char **dst, size_t *len, const char *s) {
  size_t n = strlen(s);
  char *p = realloc(*dst, *len + n + 2);
  if (!p) return -1;
  *dst = p;
  if (*len) p[(*len)++] = ' ';
  memcpy(p + *len, s, n + 1);
  *len += n;
  return 0;
}

static int read_texts(jc *c) {
  static const char *const cols[] = {"code_rome", "libelle_type_texte", "libelle_texte", NULL};
  table t;
  size_t nf = c->fiches.n;
  char **def = calloc(nf, sizeof *def), **acc = calloc(nf, sizeof *acc);
  size_t *dl = calloc(nf, sizeof *dl), *al = calloc(nf, sizeof *al);
  int rc = (!def || !acc || !dl || !al) ? jc_nomem(c) : table_open(c, &t, "unix_texte_v460_utf8.csv", cols);
  int opened = !rc;
  while (!rc && (rc = table_next(c, &t)) == 1) {
    rc = 0;
    uint32_t fi = fiche_of(c, col(&t, 0));
    if (fi == UINT32_MAX) {
      jc_warn(c, "%s:%zu: unknown fiche %s", t.path, t.line, col(&t, 0));
      continue;
    }
    int is_def = strcmp(col(&t, 1), "definition") == 0;
    /* The release writes apostrophes doubled in these texts ("d''articles"). */
    char *txt = col(&t, 2);
    size_t w = 0;
    for (size_t r = 0; txt[r]; r++)
      if (!(txt[r] == '\'' && txt[r + 1] == '\'')) txt[w++] = txt[r];
    txt[w] = 0;
    if (append_text(is_def ? &def[fi] : &acc[fi], is_def ? &dl[fi] : &al[fi], col(&t, 2))) rc = jc_nomem(c);
  }
  if (opened) table_close(&t);
  for (size_t i = 0; !(rc < 0) && i < nf; i++) {
    jm_fiche *f = &c->fiches.v[i];
    if (def[i]) {
      f->definition = jc_str(c, def[i]);
      rc = jc_index_text(c, def[i], (uint32_t)i, JC_W_DEFINITION, NULL);
    }
    if (!rc && acc[i]) {
      f->access = jc_str(c, acc[i]);
      rc = jc_index_text(c, acc[i], (uint32_t)i, JC_W_ACCESS, NULL);
    }
    if (!rc && (f->definition == UINT32_MAX || f->access == UINT32_MAX)) rc = jc_nomem(c);
  }
  for (size_t i = 0; def && i < nf; i++) free(def[i]);
  for (size_t i = 0; acc && i < nf; i++) free(acc[i]);
  free(def);
  free(acc);
  free(dl);
  free(al);
  return rc < 0 ? rc : 0;
}

static int cmp_mob(const void *a, const void *b) {
  const jc_mob *x = a, *y = b;
  if (x->fiche != y->fiche) return x->fiche < y->fiche ? -1 : 1;
  return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static int read_mobility(jc *c) {
  static const char *const cols[] = {"code_rome", "code_rome_cible", "numero_ordre", NULL};
  table t;
  int rc = table_open(c, &t, "unix_rubrique_mobilite_v460_utf8.csv", cols);
  while (!rc && (rc = table_next(c, &t)) == 1) {
    rc = 0;
    uint32_t a = fiche_of(c, col(&t, 0)), b = fiche_of(c, col(&t, 1));
    if (a == UINT32_MAX || b == UINT32_MAX) {
      jc_warn(c, "%s:%zu: mobility %s -> %s: unknown fiche", t.path, t.line, col(&t, 0), col(&t, 1));
      continue;
    }
    jc_mob m = {a, b, (uint32_t)strtoul(col(&t, 2), NULL, 10)};
    if (JU_PUSH(c->mobs, m)) rc = jc_nomem(c);
  }
  table_close(&t);
  if (rc < 0) return rc;
  qsort(c->mobs.v, c->mobs.n, sizeof *c->mobs.v, cmp_mob);
  for (size_t i = 0; i < c->mobs.n; i++) {
    jm_fiche *f = &c->fiches.v[c->mobs.v[i].fiche];
    if (!f->mob_count) f->mob_first = (uint32_t)i;
    f->mob_count++;
  }
  return 0;
}

static void read_version(jc *c) {
  char path[4096];
  snprintf(path, sizeof path, "%s/version.txt", c->o->rome_dir);
  snprintf(c->rome_version, sizeof c->rome_version, "v4");
  FILE *f = fopen(path, "r");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    const char *p = strstr(line, "version :");
    if (p) {
      int v = atoi(p + 9);
      /* ROME 4 release numbers are published as 4xx in file names. */
      if (v > 0) snprintf(c->rome_version, sizeof c->rome_version, "v4%02d", v);
      break;
    }
  }
  fclose(f);
}

static void jc_free(jc *c) {
  jt_ctx_free(c->tok);
  jt_tokens_free(&c->toks);
  JU_FREE(c->strings);
  ju_strmap_free(&c->string_map);
  ju_strmap_free(&c->stop);
  ju_strmap_free(&c->fiche_map);
  ju_strmap_free(&c->item_map);
  ju_strmap_free(&c->core_map);
  ju_strmap_free(&c->term_map);
  ju_strmap_free(&c->stem_map);
  ju_strmap_free(&c->form_dedupe);
  JU_FREE(c->fiches); JU_FREE(c->appels); JU_FREE(c->items); JU_FREE(c->fitems);
  JU_FREE(c->mobs); JU_FREE(c->terms); JU_FREE(c->stems); JU_FREE(c->term_stop);
  JU_FREE(c->posts); JU_FREE(c->forms); JU_FREE(c->form_terms); JU_FREE(c->form_posts);
  JU_FREE(c->item_terms); JU_FREE(c->item_term_first); JU_FREE(c->fiche_post);
  JU_FREE(c->form_post); JU_FREE(c->trie_nodes); JU_FREE(c->trie_edges); JU_FREE(c->trie_forms);
  JU_FREE(c->stopwords); JU_FREE(c->fiche_order); JU_FREE(c->term_hash); JU_FREE(c->stem_hash);
  JU_FREE(c->fuzzy_phon); JU_FREE(c->fuzzy_del);
  free(c->cues_src);
  free(c->clea_src);
  free(c->soft_src);
  JU_FREE(c->clea_subs);
  JU_FREE(c->item_clea);
  JU_FREE(c->readings);
  JU_FREE(c->reading_terms);
  JU_FREE(c->sorted_fiche_items_unused);
}

int jm_compile(const jm_compile_options *o, jalon_error **err) {
  if (!o || !o->out_path || !o->models_dir) return ju_error(err, JALON_EINVAL, "jm_compile: missing option");
  jm_compile_options opts = *o;
  if (!opts.rome_dir) opts.rome_dir = secure_getenv("JALON_ROME_DIR");
  if (!opts.rome_dir) return ju_error(err, JALON_EINVAL, "no ROME folder given and JALON_ROME_DIR unset");
  jc c;
  memset(&c, 0, sizeof c);
  c.o = &opts;
  c.err = err;
  int rc = jt_ctx_new(&c.tok);
  if (rc) rc = ju_error(err, rc, "cannot start the tokenizer (%s)", jalon_strerror(rc));
  jt_tokens_init(&c.toks);
  if (!rc && jc_str(&c, "") != 0) rc = jc_nomem(&c);
  read_version(&c);
  if (!rc) rc = read_stopwords(&c);
  if (!rc) rc = read_cues(&c);
  if (!rc) rc = read_fiches(&c);
  if (!rc) rc = read_domains(&c);
  if (!rc) rc = read_appellations(&c);
  if (!rc) rc = read_items(&c);
  if (!rc) rc = read_core(&c);
  if (!rc) rc = read_links(&c);
  if (!rc) rc = read_texts(&c);
  if (!rc) rc = read_mobility(&c);
  if (!rc) rc = read_synonyms(&c);
  if (!rc) rc = read_readings(&c);
  if (!rc) rc = read_clea(&c);
  if (!rc) rc = read_softskills(&c);
  if (!rc) rc = jc_build_index(&c);
  if (!rc) rc = jc_write(&c);
  jc_free(&c);
  return rc;
}
