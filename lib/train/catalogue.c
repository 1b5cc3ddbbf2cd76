/* Catalogue loader: finds the catalogue file, maps it, and checks every
 * reference before the recommender indexes it without checks, because a
 * catalogue arrives daily from outside and may be truncated or hostile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jalon_config.h"
#include "train/catalogue.h"
#include "util/error.h"
#include "util/hash.h"

#define BAD(...) ju_error(err, JALON_EFORMAT, __VA_ARGS__)

static int ref_ok(const jalon_catalogue *c, uint32_t ref) { return ref < c->n_strings; }

static int code_ok(const char *code, size_t n) {
  /* NUL-padded, NUL-terminated within its field. */
  return memchr(code, 0, n) != NULL;
}

static int check_certs(const jalon_catalogue *c, jalon_error **err) {
  for (size_t i = 0; i < c->n_certs; i++) {
    const jca_cert *x = &c->certs[i];
    uint32_t refs[] = {x->certifinfo, x->title, x->type, x->rncp, x->rs, x->certifier};
    for (size_t k = 0; k < sizeof refs / sizeof *refs; k++)
      if (!ref_ok(c, refs[k])) return BAD("%s: certification %zu has a bad string reference", c->path, i);
    if (!x->title) return BAD("%s: certification %zu has no title", c->path, i);
    if (x->n_rome > 8 || x->rome_first > c->n_cert_rome || x->n_rome > c->n_cert_rome - x->rome_first)
      return BAD("%s: certification %zu has bad ROME links", c->path, i);
    if (x->sess_first > c->n_sessions || x->sess_count > c->n_sessions - x->sess_first)
      return BAD("%s: certification %zu has bad sessions", c->path, i);
  }
  for (size_t i = 0; i < c->n_cert_rome; i++)
    if (!code_ok(c->cert_rome[i].code, 8)) return BAD("%s: bad ROME code %zu", c->path, i);
  for (size_t i = 0; i < c->n_rome_index; i++) {
    if (c->rome_index[i].cert >= c->n_certs || !code_ok(c->rome_index[i].code, 8))
      return BAD("%s: bad ROME index entry %zu", c->path, i);
    if (i && memcmp(c->rome_index[i - 1].code, c->rome_index[i].code, 8) > 0)
      return BAD("%s: ROME index not sorted", c->path);
  }
  return 0;
}

static int check_sessions(const jalon_catalogue *c, jalon_error **err) {
  for (size_t i = 0; i < c->n_sessions; i++) {
    const jca_session *s = &c->sessions[i];
    uint32_t refs[] = {s->id, s->organisation, s->siret, s->city, s->postcode, s->insee, s->url};
    for (size_t k = 0; k < sizeof refs / sizeof *refs; k++)
      if (!ref_ok(c, refs[k])) return BAD("%s: session %zu has a bad string reference", c->path, i);
    if (s->cert >= c->n_certs || !code_ok(s->department, 4) || !code_ok(s->region, 4))
      return BAD("%s: session %zu is malformed", c->path, i);
    /* Sessions must sit in their certification's range: the recommender
     * walks ranges, never the whole table. */
    const jca_cert *x = &c->certs[s->cert];
    if (i < x->sess_first || i >= (size_t)x->sess_first + x->sess_count)
      return BAD("%s: session %zu lies outside its certification's range", c->path, i);
  }
  return 0;
}

static int check_index(const jalon_catalogue *c, jalon_error **err) {
  for (size_t i = 0; i < c->n_fcs; i++) {
    const jca_formacode *f = &c->fcs[i];
    if (!ref_ok(c, f->label) || f->cert_first > c->n_fc_certs || f->cert_count > c->n_fc_certs - f->cert_first)
      return BAD("%s: Formacode entry %zu is malformed", c->path, i);
  }
  for (size_t i = 0; i < c->n_fc_certs; i++)
    if (c->fc_certs[i] >= c->n_certs) return BAD("%s: bad Formacode certification %zu", c->path, i);
  for (size_t i = 0; i < c->n_stems; i++) {
    const jca_stem *s = &c->stems[i];
    if (!ref_ok(c, s->str) || s->post_first > c->n_stem_post || s->post_count > c->n_stem_post - s->post_first)
      return BAD("%s: stem %zu is malformed", c->path, i);
  }
  for (size_t i = 0; i < c->n_stem_post; i++)
    if (c->stem_post[i] >= c->n_fcs) return BAD("%s: bad stem posting %zu", c->path, i);
  /* A power-of-two table with at least one empty slot, so lookups end. */
  if (!c->n_stem_hash || (c->n_stem_hash & (c->n_stem_hash - 1)) || c->n_stem_hash <= c->n_stems)
    return BAD("%s: bad stem hash size", c->path);
  for (size_t i = 0; i < c->n_stem_hash; i++)
    if (c->stem_hash[i] > c->n_stems) return BAD("%s: bad stem hash slot %zu", c->path, i);
  for (size_t i = 0; i < c->n_depts; i++)
    if (!code_ok(c->depts[i].code, 4) || !code_ok(c->depts[i].region, 4))
      return BAD("%s: bad département %zu", c->path, i);
  return 0;
}

static int parse(jalon_catalogue *c, jalon_error **err) {
  const ju_rsec want[] = {
      {JCA_S_STRINGS, 1, (const void **)&c->strings, &c->n_strings},
      {JCA_S_CERTS, sizeof(jca_cert), (const void **)&c->certs, &c->n_certs},
      {JCA_S_CERT_ROME, sizeof(jca_code), (const void **)&c->cert_rome, &c->n_cert_rome},
      {JCA_S_ROME_INDEX, sizeof(jca_rome_ref), (const void **)&c->rome_index, &c->n_rome_index},
      {JCA_S_SESSIONS, sizeof(jca_session), (const void **)&c->sessions, &c->n_sessions},
      {JCA_S_FORMACODES, sizeof(jca_formacode), (const void **)&c->fcs, &c->n_fcs},
      {JCA_S_FC_CERTS, sizeof(uint32_t), (const void **)&c->fc_certs, &c->n_fc_certs},
      {JCA_S_STEMS, sizeof(jca_stem), (const void **)&c->stems, &c->n_stems},
      {JCA_S_STEM_HASH, sizeof(uint32_t), (const void **)&c->stem_hash, &c->n_stem_hash},
      {JCA_S_STEM_POST, sizeof(uint32_t), (const void **)&c->stem_post, &c->n_stem_post},
      {JCA_S_DEPTS, sizeof(jca_dept), (const void **)&c->depts, &c->n_depts},
  };
  jm_header h;
  int rc = ju_secfile_parse(c->file.base, c->file.size, JCA_MAGIC, JCA_FORMAT_MAJOR, c->path, "catalogue", want,
                            sizeof want / sizeof *want, &h, err);
  if (rc) return rc;
  snprintf(c->checksum_hex, sizeof c->checksum_hex, "%016llx", (unsigned long long)h.checksum);
  if (!c->n_strings || c->strings[c->n_strings - 1] != 0 || c->strings[0] != 0)
    return BAD("%s: string table not terminated", c->path);
  rc = check_certs(c, err);
  if (!rc) rc = check_sessions(c, err);
  if (!rc) rc = check_index(c, err);
  return rc;
}

static int file_exists(const char *p) { return p && *p && access(p, R_OK) == 0; }

static const char *default_path(void) {
  const char *env = secure_getenv("JALON_CATALOGUE");
  if (env && *env) return env;
  if (file_exists(JALON_BUILD_CATALOGUE)) return JALON_BUILD_CATALOGUE;
  if (file_exists(JALON_DATADIR_CATALOGUE)) return JALON_DATADIR_CATALOGUE;
  return NULL;
}

static int open_common(jalon_catalogue **out, jalon_catalogue *c, jalon_error **err) {
  int rc = parse(c, err);
  if (rc) {
    jalon_catalogue_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

int jalon_catalogue_open(jalon_catalogue **out, const char *path, jalon_error **err) {
  if (!out) return ju_error(err, JALON_EINVAL, "jalon_catalogue_open: out is NULL");
  *out = NULL;
  if (!path) path = default_path();
  if (!path)
    return ju_error(err, JALON_ENOTFOUND, "no training catalogue found: set JALON_CATALOGUE or pass a path (looked in %s and %s)",
                    JALON_BUILD_CATALOGUE, JALON_DATADIR_CATALOGUE);
  jalon_catalogue *c = calloc(1, sizeof *c);
  if (!c || !(c->path = strdup(path))) {
    free(c);
    return ju_error(err, JALON_ENOMEM, "out of memory opening the catalogue");
  }
  int rc = ju_map_file(&c->file, path, "catalogue", err);
  if (rc) {
    jalon_catalogue_free(c);
    return rc;
  }
  return open_common(out, c, err);
}

int jca_open_memory(jalon_catalogue **out, const void *data, size_t size, jalon_error **err) {
  *out = NULL;
  jalon_catalogue *c = calloc(1, sizeof *c);
  if (!c || !(c->path = strdup("<memory>"))) {
    free(c);
    return ju_error(err, JALON_ENOMEM, "out of memory opening the catalogue");
  }
  c->file = (ju_mapped){data, size, 2};
  return open_common(out, c, err);
}

void jalon_catalogue_free(jalon_catalogue *c) {
  if (!c) return;
  ju_unmap(&c->file);
  free(c->path);
  free(c);
}

const char *jalon_catalogue_path(const jalon_catalogue *c) { return c ? c->path : NULL; }
const char *jalon_catalogue_checksum(const jalon_catalogue *c) { return c ? c->checksum_hex : NULL; }
size_t jalon_catalogue_certification_count(const jalon_catalogue *c) { return c ? c->n_certs : 0; }
size_t jalon_catalogue_session_count(const jalon_catalogue *c) { return c ? c->n_sessions : 0; }

uint32_t jca_find_stem(const jalon_catalogue *c, const char *s, size_t len) {
  size_t cap = c->n_stem_hash;
  uint64_t h = ju_hash_bytes(s, len);
  for (size_t i = h & (cap - 1), probes = 0; probes < cap; i = (i + 1) & (cap - 1), probes++) {
    uint32_t v = c->stem_hash[i];
    if (!v) return UINT32_MAX;
    const char *str = c->strings + c->stems[v - 1].str;
    if (strncmp(str, s, len) == 0 && str[len] == 0) return v - 1;
  }
  return UINT32_MAX;
}

void jca_rome_range(const jalon_catalogue *c, const char *code, size_t *first, size_t *count) {
  char key[8] = {0};
  strncpy(key, code, 7);
  size_t lo = 0, hi = c->n_rome_index;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (memcmp(c->rome_index[mid].code, key, 8) < 0) lo = mid + 1;
    else hi = mid;
  }
  size_t end = lo;
  while (end < c->n_rome_index && memcmp(c->rome_index[end].code, key, 8) == 0) end++;
  *first = lo;
  *count = end - lo;
}

const char *jca_region_of(const jalon_catalogue *c, const char *dept) {
  if (!dept) return NULL;
  for (size_t i = 0; i < c->n_depts; i++)
    if (strncmp(c->depts[i].code, dept, 4) == 0) return c->depts[i].region;
  return NULL;
}
