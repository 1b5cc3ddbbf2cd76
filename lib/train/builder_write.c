/* Catalogue builder, writing side: lays the collected records out as the
 * flat sections of format.h (sessions grouped by certification, a sorted
 * ROME index, Formacode -> certifications, stem -> Formacode postings). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train/builder_int.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/secfile.h"

static int cmp_session(const void *a, const void *b) {
  const jca_session *x = a, *y = b;
  if (x->cert != y->cert) return x->cert < y->cert ? -1 : 1;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_rome(const void *a, const void *b) {
  const jca_rome_ref *x = a, *y = b;
  int c = memcmp(x->code, y->code, 8);
  return c ? c : (x->cert < y->cert ? -1 : x->cert > y->cert);
}

static int cmp_fc(const void *a, const void *b) {
  const jca_formacode *x = a, *y = b;
  return x->code < y->code ? -1 : x->code > y->code;
}

static int cmp_dept(const void *a, const void *b) { return memcmp(a, b, 4); }


typedef struct tables {
  jca_cert *certs;
  jca_code *cert_rome;
  size_t n_cert_rome;
  jca_rome_ref *rome_index;
  jca_formacode *fcs;
  size_t n_fcs;
  uint32_t *fc_certs;
  size_t n_fc_certs;
  jca_stem *stems;
  uint32_t *stem_hash;
  size_t n_stem_hash;
  uint32_t *stem_post;
  size_t n_stem_post;
} tables;

static void free_tables(tables *t) {
  free(t->certs);
  free(t->cert_rome);
  free(t->rome_index);
  free(t->fcs);
  free(t->fc_certs);
  free(t->stems);
  free(t->stem_hash);
  free(t->stem_post);
}

/* Certifications, their ROME codes, and the code -> certification index. */
static int lay_certs(jtr_builder *b, tables *t) {
  size_t nc = b->certs.n;
  t->certs = calloc(nc ? nc : 1, sizeof *t->certs);
  size_t nr = 0;
  for (size_t i = 0; i < nc; i++) nr += b->certs.v[i].n_rome;
  t->cert_rome = calloc(nr ? nr : 1, sizeof *t->cert_rome);
  t->rome_index = calloc(nr ? nr : 1, sizeof *t->rome_index);
  if (!t->certs || !t->cert_rome || !t->rome_index) return JALON_ENOMEM;
  qsort(b->sessions.v, b->sessions.n, sizeof *b->sessions.v, cmp_session);
  size_t s = 0;
  for (size_t i = 0; i < nc; i++) {
    const jtr_bcert *bc = &b->certs.v[i];
    jca_cert *c = &t->certs[i];
    c->certifinfo = bc->certifinfo;
    c->title = bc->title;
    c->type = bc->type;
    c->rncp = bc->rncp;
    c->rs = bc->rs;
    c->certifier = bc->certifier;
    for (unsigned k = 0; k < bc->n_fc; k++) c->formacode[k] = bc->fc[k];
    c->rome_first = (uint32_t)t->n_cert_rome;
    c->n_rome = bc->n_rome;
    for (unsigned k = 0; k < bc->n_rome; k++) {
      t->rome_index[t->n_cert_rome] = (jca_rome_ref){{0}, (uint32_t)i, 0};
      memcpy(t->rome_index[t->n_cert_rome].code, bc->rome[k].code, 8);
      t->cert_rome[t->n_cert_rome++] = bc->rome[k];
    }
    c->level = bc->level;
    c->flags = (uint8_t)(bc->flags | (bc->clea ? JTR_CERT_BASIC_SKILLS : 0));
    c->clea = bc->clea;
    c->sess_first = (uint32_t)s;
    while (s < b->sessions.n && b->sessions.v[s].cert == i) s++;
    c->sess_count = (uint32_t)(s - c->sess_first);
  }
  qsort(t->rome_index, t->n_cert_rome, sizeof *t->rome_index, cmp_rome);
  return 0;
}

/* Formacode entries sorted by code, each with the certifications filed
 * under it; the builder's formacode indexes are remapped to sorted ones. */
static int lay_formacodes(jtr_builder *b, tables *t, uint32_t **order_out) {
  size_t nf = b->formacodes.n;
  t->fcs = calloc(nf ? nf : 1, sizeof *t->fcs);
  uint32_t *order = calloc(nf ? nf : 1, sizeof *order);
  *order_out = order;
  if (!t->fcs || !order) return JALON_ENOMEM;
  for (size_t i = 0; i < nf; i++)
    t->fcs[i] = (jca_formacode){b->formacodes.v[i].code, b->formacodes.v[i].label, (uint32_t)i, 0};
  qsort(t->fcs, nf, sizeof *t->fcs, cmp_fc);
  /* Duplicated codes in the thesaurus keep the first entry. */
  size_t w = 0;
  for (size_t i = 0; i < nf; i++) {
    if (w && t->fcs[w - 1].code == t->fcs[i].code) {
      order[t->fcs[i].cert_first] = (uint32_t)(w - 1);
      continue;
    }
    order[t->fcs[i].cert_first] = (uint32_t)w;
    t->fcs[w++] = t->fcs[i];
  }
  t->n_fcs = w;
  size_t total = 0;
  for (size_t i = 0; i < b->certs.n; i++) total += b->certs.v[i].n_fc;
  t->fc_certs = calloc(total ? total : 1, sizeof *t->fc_certs);
  if (!t->fc_certs) return JALON_ENOMEM;
  for (size_t f = 0; f < t->n_fcs; f++) {
    t->fcs[f].cert_first = (uint32_t)t->n_fc_certs;
    for (size_t i = 0; i < b->certs.n; i++)
      for (unsigned k = 0; k < b->certs.v[i].n_fc; k++)
        if (b->certs.v[i].fc[k] == t->fcs[f].code) t->fc_certs[t->n_fc_certs++] = (uint32_t)i;
    t->fcs[f].cert_count = (uint32_t)(t->n_fc_certs - t->fcs[f].cert_first);
  }
  return 0;
}

static int cmp_word(const void *a, const void *b) {
  const jtr_word *x = a, *y = b;
  if (x->stem != y->stem) return x->stem < y->stem ? -1 : 1;
  return x->fc < y->fc ? -1 : x->fc > y->fc;
}

/* Stem -> Formacode postings with an idf over Formacode entries, and the
 * open-addressing hash the reader finds stems with. */
static int lay_stems(jtr_builder *b, tables *t, const uint32_t *order) {
  for (size_t i = 0; i < b->fc_words.n; i++) b->fc_words.v[i].fc = order[b->fc_words.v[i].fc];
  qsort(b->fc_words.v, b->fc_words.n, sizeof *b->fc_words.v, cmp_word);
  size_t ns = b->stems.n;
  t->stems = calloc(ns ? ns : 1, sizeof *t->stems);
  t->stem_post = calloc(b->fc_words.n ? b->fc_words.n : 1, sizeof *t->stem_post);
  size_t cap = 16;
  while (cap < ns * 2) cap *= 2;
  t->stem_hash = calloc(cap, sizeof *t->stem_hash);
  t->n_stem_hash = cap;
  if (!t->stems || !t->stem_post || !t->stem_hash) return JALON_ENOMEM;
  size_t k = 0;
  double n_fc = t->n_fcs ? (double)t->n_fcs : 1.0;
  for (size_t s = 0; s < ns; s++) {
    t->stems[s].str = b->stems.v[s];
    t->stems[s].post_first = (uint32_t)t->n_stem_post;
    for (; k < b->fc_words.n && b->fc_words.v[k].stem == s; k++) {
      uint32_t fc = b->fc_words.v[k].fc;
      if (t->n_stem_post > t->stems[s].post_first && t->stem_post[t->n_stem_post - 1] == fc) continue;
      t->stem_post[t->n_stem_post++] = fc;
    }
    t->stems[s].post_count = (uint32_t)(t->n_stem_post - t->stems[s].post_first);
    t->stems[s].idf = (float)log(1.0 + n_fc / (t->stems[s].post_count ? t->stems[s].post_count : 1));
    const char *str = jtr_str(b, b->stems.v[s]);
    uint64_t h = ju_hash_bytes(str, strlen(str));
    size_t at = h & (cap - 1);
    while (t->stem_hash[at]) at = (at + 1) & (cap - 1);
    t->stem_hash[at] = (uint32_t)s + 1;
  }
  return 0;
}

int jtr_builder_write(jtr_builder *b, const char *path, jalon_error **err) {
  if (!b || !path) return ju_error(err, JALON_EINVAL, "jtr_builder_write: NULL argument");
  if (!b->certs.n) return ju_error(err, JALON_EDATA, "the catalogue holds no certification; nothing to write");
  tables t;
  memset(&t, 0, sizeof t);
  uint32_t *order = NULL;
  int rc = jtr_apply_rules(b);
  if (!rc) rc = lay_certs(b, &t);
  if (!rc) rc = lay_formacodes(b, &t, &order);
  if (!rc) rc = lay_stems(b, &t, order);
  free(order);
  if (rc) {
    free_tables(&t);
    return ju_error(err, rc, "cannot lay out the catalogue %s", path);
  }
  qsort(b->depts.v, b->depts.n, sizeof *b->depts.v, cmp_dept);
  const ju_wsec secs[] = {
      {JCA_S_STRINGS, 1, b->strings.v, b->strings.n},
      {JCA_S_CERTS, sizeof(jca_cert), t.certs, b->certs.n},
      {JCA_S_CERT_ROME, sizeof(jca_code), t.cert_rome, t.n_cert_rome},
      {JCA_S_ROME_INDEX, sizeof(jca_rome_ref), t.rome_index, t.n_cert_rome},
      {JCA_S_SESSIONS, sizeof(jca_session), b->sessions.v, b->sessions.n},
      {JCA_S_FORMACODES, sizeof(jca_formacode), t.fcs, t.n_fcs},
      {JCA_S_FC_CERTS, sizeof(uint32_t), t.fc_certs, t.n_fc_certs},
      {JCA_S_STEMS, sizeof(jca_stem), t.stems, b->stems.n},
      {JCA_S_STEM_HASH, sizeof(uint32_t), t.stem_hash, t.n_stem_hash},
      {JCA_S_STEM_POST, sizeof(uint32_t), t.stem_post, t.n_stem_post},
      {JCA_S_DEPTS, sizeof(jca_dept), b->depts.v, b->depts.n},
  };
  rc = ju_secfile_write(path, JCA_MAGIC, JCA_FORMAT_MAJOR, JCA_FORMAT_MINOR, "catalogue", secs,
                        sizeof secs / sizeof *secs, err);
  free_tables(&t);
  return rc;
}
