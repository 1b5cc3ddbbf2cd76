/* Model loader: finds the model file, maps it read-only, and checks every
 * offset, count and cross-reference before use, because a model file is
 * untrusted input (truncated download, wrong version, hostile edit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jalon_config.h"
#include "clea/clea.h"
#include "cues/cues.h"
#include "model/model.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/secfile.h"

#define BAD(...) ju_error(err, JALON_EFORMAT, __VA_ARGS__)

static int check_ref(const jalon_model *m, uint32_t ref) { return ref < m->n_strings; }

/* Cross-references: every index used by the matcher without checks. */
static int validate(jalon_model *m, jalon_error **err) {
  if (!m->n_strings || m->strings[m->n_strings - 1] != 0) return BAD("model string table not terminated");
  if (!m->n_fiches || !m->n_trie_nodes) return BAD("model has no fiche or no index");
  if (m->n_term_hash & (m->n_term_hash - 1) || m->n_stem_hash & (m->n_stem_hash - 1) ||
      m->n_term_hash < m->n_terms || m->n_stem_hash < m->n_stems || !m->n_term_hash || !m->n_stem_hash)
    return BAD("model hash tables malformed");
  if (m->n_fiche_order != m->n_fiches) return BAD("model fiche order malformed");
  double total = 0;
  for (size_t i = 0; i < m->n_fiches; i++) {
    const jm_fiche *f = &m->fiches[i];
    if (!check_ref(m, f->code) || !check_ref(m, f->label) || !check_ref(m, f->parent) ||
        !check_ref(m, f->grand_domaine) || !check_ref(m, f->grand_domaine_label) ||
        !check_ref(m, f->domaine_pro) || !check_ref(m, f->domaine_pro_label) ||
        !check_ref(m, f->definition) || !check_ref(m, f->access) || f->parent_fiche >= m->n_fiches ||
        f->appel_first > m->n_appels || f->appel_count > m->n_appels - f->appel_first ||
        f->item_first > m->n_fiche_items || f->item_count > m->n_fiche_items - f->item_first ||
        f->mob_first > m->n_mobility || f->mob_count > m->n_mobility - f->mob_first ||
        !(f->doc_len >= 0 && f->doc_len < 1e9f))
      return BAD("model fiche %zu malformed", i);
    total += f->doc_len;
  }
  for (size_t i = 0; i < m->n_fiche_order; i++)
    if (m->fiche_order[i] >= m->n_fiches) return BAD("model fiche order malformed");
  for (size_t i = 0; i < m->n_appels; i++) {
    const jm_appel *a = &m->appels[i];
    if (!check_ref(m, a->label) || !check_ref(m, a->label_short) || a->fiche >= m->n_fiches)
      return BAD("model appellation %zu malformed", i);
  }
  for (size_t i = 0; i < m->n_items; i++)
    if (!check_ref(m, m->items[i].label)) return BAD("model item %zu malformed", i);
  for (size_t i = 0; i < m->n_fiche_items; i++)
    if (m->fiche_items[i].item >= m->n_items) return BAD("model fiche item %zu malformed", i);
  for (size_t i = 0; i < m->n_mobility; i++)
    if (m->mobility[i].target >= m->n_fiches) return BAD("model mobility %zu malformed", i);
  for (size_t i = 0; i < m->n_terms; i++)
    if (!check_ref(m, m->terms[i].str) || m->terms[i].stem >= m->n_stems || m->terms[i].bm25 >= m->n_stems)
      return BAD("model term %zu malformed", i);
  for (size_t i = 0; i < m->n_term_hash; i++)
    if (m->term_hash[i] > m->n_terms) return BAD("model term hash malformed");
  for (size_t i = 0; i < m->n_stem_hash; i++)
    if (m->stem_hash[i] > m->n_stems) return BAD("model stem hash malformed");
  for (size_t i = 0; i < m->n_stems; i++) {
    const jm_stem *s = &m->stems[i];
    if (!check_ref(m, s->str) || s->post_first > m->n_fiche_post || s->post_count > m->n_fiche_post - s->post_first ||
        s->fpost_first > m->n_form_post || s->fpost_count > m->n_form_post - s->fpost_first ||
        !(s->idf >= 0 && s->idf < 100) || !(s->form_idf >= 0 && s->form_idf < 100))
      return BAD("model stem %zu malformed", i);
  }
  for (size_t i = 0; i < m->n_fiche_post; i++)
    if (m->fiche_post[i].fiche >= m->n_fiches || !(m->fiche_post[i].tf >= 0 && m->fiche_post[i].tf < 1e6f))
      return BAD("model posting %zu malformed", i);
  for (size_t i = 0; i < m->n_forms; i++) {
    const jm_form *f = &m->forms[i];
    if (f->fiche >= m->n_fiches || (f->appel != UINT32_MAX && f->appel >= m->n_appels) ||
        f->term_first > m->n_form_terms || f->n_terms > m->n_form_terms - f->term_first || !f->n_terms ||
        !(f->idf_sum >= 0 && f->idf_sum < 1e4f))
      return BAD("model form %zu malformed", i);
  }
  for (size_t i = 0; i < m->n_form_terms; i++)
    if (m->form_terms[i] >= m->n_terms) return BAD("model form term %zu malformed", i);
  for (size_t i = 0; i < m->n_form_post; i++)
    if (m->form_post[i] >= m->n_forms) return BAD("model form posting %zu malformed", i);
  for (size_t i = 0; i < m->n_trie_nodes; i++) {
    const jm_trie_node *n = &m->trie_nodes[i];
    if (n->edge_first > m->n_trie_edges || n->edge_count > m->n_trie_edges - n->edge_first ||
        n->form_first > m->n_trie_forms || n->form_count > m->n_trie_forms - n->form_first)
      return BAD("model trie node %zu malformed", i);
  }
  for (size_t i = 0; i < m->n_trie_edges; i++)
    if (m->trie_edges[i].node >= m->n_trie_nodes ||
        m->trie_edges[i].node == 0 || m->trie_edges[i].stem >= m->n_stems)
      return BAD("model trie edge %zu malformed", i);
  for (size_t i = 0; i < m->n_trie_forms; i++)
    if (m->trie_forms[i] >= m->n_forms) return BAD("model trie form %zu malformed", i);
  for (size_t i = 0; i < m->n_fuzzy_phon; i++)
    if (m->fuzzy_phon[i].term >= m->n_terms || (i && m->fuzzy_phon[i].hash < m->fuzzy_phon[i - 1].hash))
      return BAD("model phonetic index malformed");
  for (size_t i = 0; i < m->n_fuzzy_del; i++)
    if (m->fuzzy_del[i].term >= m->n_terms || (i && m->fuzzy_del[i].hash < m->fuzzy_del[i - 1].hash))
      return BAD("model deletion index malformed");
  if (m->n_item_term_first != m->n_items + 1) return BAD("model item terms malformed");
  if (m->n_clea_subs > 32 || m->n_item_clea != m->n_items) return BAD("model CléA tables malformed");
  for (size_t i = 0; i < m->n_clea_subs; i++) {
    const jm_clea_sub *c = &m->clea_subs[i];
    if (!check_ref(m, c->code) || !check_ref(m, c->label) || !check_ref(m, c->domain_label) || c->domain < 1 ||
        c->domain > 7)
      return BAD("model CléA sub-domain %zu malformed", i);
  }
  for (size_t i = 0; i < m->n_item_clea; i++)
    if (m->n_clea_subs < 32 && (m->item_clea[i] >> m->n_clea_subs)) return BAD("model CléA mask %zu malformed", i);
  for (size_t i = 0; i < m->n_item_term_first; i++)
    if (m->item_term_first[i] > m->n_item_terms || (i && m->item_term_first[i] < m->item_term_first[i - 1]))
      return BAD("model item terms malformed");
  for (size_t i = 0; i < m->n_item_terms; i++)
    if (m->item_terms[i] >= m->n_terms) return BAD("model item term %zu malformed", i);
  for (size_t i = 0; i < m->n_stopwords; i++)
    if (m->stopwords[i] >= m->n_terms) return BAD("model stop-word %zu malformed", i);
  for (size_t i = 0; i < m->n_readings; i++) {
    const jm_reading *rd = &m->readings[i];
    if (rd->term >= m->n_terms || (i && rd->term <= m->readings[i - 1].term) || !rd->count ||
        rd->first > m->n_reading_terms || rd->count > m->n_reading_terms - rd->first)
      return BAD("model reading %zu malformed", i);
  }
  for (size_t i = 0; i < m->n_reading_terms; i++)
    if (m->reading_terms[i] >= m->n_terms) return BAD("model reading term %zu malformed", i);
  m->avg_doc_len = (float)(total / (double)m->n_fiches);
  if (!(m->avg_doc_len > 0)) m->avg_doc_len = 1;
  return 0;
}

static int find_sub(void *ud, const char *code) {
  const jalon_model *m = ud;
  for (size_t i = 0; i < m->n_clea_subs; i++)
    if (strcmp(jm_str(m, m->clea_subs[i].code), code) == 0) return (int)i;
  return -1;
}

/* Soft-skill cues name ROME savoir-être items by code_ogr. */
static int find_soft_item(void *ud, const char *code) {
  const jalon_model *m = ud;
  char *end;
  unsigned long ogr = strtoul(code, &end, 10);
  if (*end || end == code) return -1;
  for (size_t i = 0; i < m->n_items; i++)
    if (m->items[i].code_ogr == ogr && m->items[i].kind == JM_ITEM_SAVOIR_ETRE) return (int)i;
  return -1;
}

static int parse(jalon_model *m, jalon_error **err) {
  const ju_rsec want[] = {
      {JM_S_STRINGS, 1, (const void **)&m->strings, &m->n_strings},
      {JM_S_FICHES, sizeof(jm_fiche), (const void **)&m->fiches, &m->n_fiches},
      {JM_S_APPELS, sizeof(jm_appel), (const void **)&m->appels, &m->n_appels},
      {JM_S_ITEMS, sizeof(jm_item), (const void **)&m->items, &m->n_items},
      {JM_S_FICHE_ITEMS, sizeof(jm_fiche_item), (const void **)&m->fiche_items, &m->n_fiche_items},
      {JM_S_MOBILITY, sizeof(jm_mobility), (const void **)&m->mobility, &m->n_mobility},
      {JM_S_TERMS, sizeof(jm_term), (const void **)&m->terms, &m->n_terms},
      {JM_S_TERM_HASH, sizeof(uint32_t), (const void **)&m->term_hash, &m->n_term_hash},
      {JM_S_STEMS, sizeof(jm_stem), (const void **)&m->stems, &m->n_stems},
      {JM_S_STEM_HASH, sizeof(uint32_t), (const void **)&m->stem_hash, &m->n_stem_hash},
      {JM_S_FICHE_POST, sizeof(jm_posting), (const void **)&m->fiche_post, &m->n_fiche_post},
      {JM_S_FORMS, sizeof(jm_form), (const void **)&m->forms, &m->n_forms},
      {JM_S_FORM_TERMS, sizeof(uint32_t), (const void **)&m->form_terms, &m->n_form_terms},
      {JM_S_FORM_POST, sizeof(uint32_t), (const void **)&m->form_post, &m->n_form_post},
      {JM_S_TRIE_NODES, sizeof(jm_trie_node), (const void **)&m->trie_nodes, &m->n_trie_nodes},
      {JM_S_TRIE_EDGES, sizeof(jm_trie_edge), (const void **)&m->trie_edges, &m->n_trie_edges},
      {JM_S_TRIE_FORMS, sizeof(uint32_t), (const void **)&m->trie_forms, &m->n_trie_forms},
      {JM_S_STOPWORDS, sizeof(uint32_t), (const void **)&m->stopwords, &m->n_stopwords},
      {JM_S_FICHE_ORDER, sizeof(uint32_t), (const void **)&m->fiche_order, &m->n_fiche_order},
      {JM_S_FUZZY_PHON, sizeof(jm_key), (const void **)&m->fuzzy_phon, &m->n_fuzzy_phon},
      {JM_S_FUZZY_DEL, sizeof(jm_key), (const void **)&m->fuzzy_del, &m->n_fuzzy_del},
      {JM_S_CUES, 1, (const void **)&m->cues_src, &m->n_cues_src},
      {JM_S_ITEM_TERMS, sizeof(uint32_t), (const void **)&m->item_terms, &m->n_item_terms},
      {JM_S_ITEM_TERM_FIRST, sizeof(uint32_t), (const void **)&m->item_term_first, &m->n_item_term_first},
      {JM_S_CLEA_SUBS, sizeof(jm_clea_sub), (const void **)&m->clea_subs, &m->n_clea_subs},
      {JM_S_CLEA_SRC, 1, (const void **)&m->clea_src, &m->n_clea_src},
      {JM_S_ITEM_CLEA, sizeof(uint32_t), (const void **)&m->item_clea, &m->n_item_clea},
      {JM_S_SOFT_SRC, 1, (const void **)&m->soft_src, &m->n_soft_src},
      {JM_S_READINGS, sizeof(jm_reading), (const void **)&m->readings, &m->n_readings},
      {JM_S_READING_TERMS, sizeof(uint32_t), (const void **)&m->reading_terms, &m->n_reading_terms},
  };
  jm_header h;
  int rc = ju_secfile_parse(m->base, m->size, JM_MAGIC, JM_FORMAT_MAJOR, m->path, "model", want,
                            sizeof want / sizeof *want, &h, err);
  if (rc) return rc;
  memcpy(m->rome_version, h.rome_version, sizeof h.rome_version);
  m->rome_version[16] = 0;
  snprintf(m->checksum_hex, sizeof m->checksum_hex, "%016llx", (unsigned long long)h.checksum);
  rc = validate(m, err);
  if (rc) return rc;
  if (!m->n_cues_src || m->cues_src[m->n_cues_src - 1] != 0) return BAD("%s: cue patterns not terminated", m->path);
  rc = jq_set_compile(&m->cues, m->cues_src, "model cues", err);
  if (rc) return rc;
  if (!m->n_clea_src || m->clea_src[m->n_clea_src - 1] != 0) return BAD("%s: CléA cues not terminated", m->path);
  if (!m->n_soft_src || m->soft_src[m->n_soft_src - 1] != 0) return BAD("%s: soft-skill cues not terminated", m->path);
  return 0;
}

int jm_cue_sets_compile(const jalon_model *m, int mode, struct jk_set **clea, struct jk_set **soft,
                        jalon_error **err) {
  *clea = *soft = NULL;
  int rc = 0;
  /* find_sub and find_soft_item only read the model. */
  if (m->clea_src[0] && m->n_clea_subs)
    rc = jk_set_compile_mode(clea, m->clea_src, "model CléA cues", find_sub, (void *)m, 1, mode, err);
  if (!rc && m->soft_src[0])
    rc = jk_set_compile_mode(soft, m->soft_src, "model soft-skill cues", find_soft_item, (void *)m, 1, mode, err);
  if (rc) {
    jk_set_free(*clea);
    *clea = NULL;
  }
  return rc;
}

int jm_compile_lazy(jalon_model *m, jalon_error **err) {
  pthread_mutex_lock(&m->lazy_lock);
  if (!m->lazy_done) {
    int rc = jm_cue_sets_compile(m, JK_MODE_FAST, &m->clea, &m->soft, err);
    m->lazy_rc = rc;
    /* An allocation failure may pass: let a later workspace try again. */
    m->lazy_done = rc != JALON_ENOMEM;
  } else if (m->lazy_rc) {
    ju_error(err, m->lazy_rc, "model cue patterns could not be compiled");
  }
  int rc = m->lazy_rc;
  pthread_mutex_unlock(&m->lazy_lock);
  return rc;
}

static int file_exists(const char *p) { return p && *p && access(p, R_OK) == 0; }

static const char *default_path(void) {
  const char *env = secure_getenv("JALON_MODEL");
  if (env && *env) return env;
  if (file_exists(JALON_BUILD_MODEL)) return JALON_BUILD_MODEL;
  if (file_exists(JALON_DATADIR_MODEL)) return JALON_DATADIR_MODEL;
  return NULL;
}

static int load_file(jalon_model *m, jalon_error **err) {
  ju_mapped f;
  int rc = ju_map_file(&f, m->path, "model", err);
  if (rc) return rc;
  m->base = f.base;
  m->size = f.size;
  m->mapped = f.how;
  return 0;
}

int jalon_model_open(jalon_model **out, const char *path, jalon_error **err) {
  if (!out) return ju_error(err, JALON_EINVAL, "jalon_model_open: out is NULL");
  *out = NULL;
  if (!path) path = default_path();
  if (!path)
    return ju_error(err, JALON_ENOTFOUND, "no model found: set JALON_MODEL or pass a path (looked in %s and %s)",
                    JALON_BUILD_MODEL, JALON_DATADIR_MODEL);
  jalon_model *m = calloc(1, sizeof *m);
  if (!m || !(m->path = strdup(path))) {
    free(m);
    return ju_error(err, JALON_ENOMEM, "out of memory opening the model");
  }
  pthread_mutex_init(&m->lazy_lock, NULL);
  int rc = load_file(m, err);
  if (!rc) rc = parse(m, err);
  if (rc) {
    jalon_model_free(m);
    return rc;
  }
  *out = m;
  return 0;
}

int jm_open_memory(jalon_model **out, const void *data, size_t size, jalon_error **err) {
  *out = NULL;
  jalon_model *m = calloc(1, sizeof *m);
  if (!m || !(m->path = strdup("<memory>"))) {
    free(m);
    return ju_error(err, JALON_ENOMEM, "out of memory opening the model");
  }
  m->base = data;
  m->size = size;
  m->mapped = 2; /* borrowed */
  pthread_mutex_init(&m->lazy_lock, NULL);
  int rc = parse(m, err);
  if (rc) {
    jalon_model_free(m);
    return rc;
  }
  *out = m;
  return 0;
}

void jalon_model_free(jalon_model *m) {
  if (!m) return;
  pthread_mutex_destroy(&m->lazy_lock);
  jq_set_free(m->cues);
  jk_set_free(m->clea);
  jk_set_free(m->soft);
  ju_mapped f = {m->base, m->size, m->mapped};
  ju_unmap(&f);
  free(m->path);
  free(m);
}

static uint32_t lookup(const uint32_t *hash, size_t cap, const void *recs, size_t rec_size, const char *strings,
                       const char *s, size_t len) {
  size_t j = ju_hash_bytes(s, len) & (cap - 1);
  for (size_t probes = 0; probes < cap; probes++, j = (j + 1) & (cap - 1)) {
    uint32_t v = hash[j];
    if (!v) return UINT32_MAX;
    uint32_t str;
    memcpy(&str, (const char *)recs + (size_t)(v - 1) * rec_size, sizeof str);
    const char *k = strings + str;
    if (strncmp(k, s, len) == 0 && k[len] == 0) return v - 1;
  }
  return UINT32_MAX;
}

uint32_t jm_find_term(const jalon_model *m, const char *s, size_t len) {
  return lookup(m->term_hash, m->n_term_hash, m->terms, sizeof *m->terms, m->strings, s, len);
}
uint32_t jm_find_stem(const jalon_model *m, const char *s, size_t len) {
  return lookup(m->stem_hash, m->n_stem_hash, m->stems, sizeof *m->stems, m->strings, s, len);
}

int jm_is_stopword(const jalon_model *m, uint32_t term) {
  size_t lo = 0, hi = m->n_stopwords;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (m->stopwords[mid] < term) lo = mid + 1;
    else hi = mid;
  }
  return lo < m->n_stopwords && m->stopwords[lo] == term;
}

const jm_reading *jm_find_reading(const jalon_model *m, uint32_t term) {
  size_t lo = 0, hi = m->n_readings;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (m->readings[mid].term < term) lo = mid + 1;
    else hi = mid;
  }
  return lo < m->n_readings && m->readings[lo].term == term ? &m->readings[lo] : NULL;
}

const char *jalon_model_path(const jalon_model *m) { return m ? m->path : NULL; }
const char *jalon_model_rome_version(const jalon_model *m) { return m ? m->rome_version : NULL; }
const char *jalon_model_checksum(const jalon_model *m) { return m ? m->checksum_hex : NULL; }
size_t jalon_model_fiche_count(const jalon_model *m) { return m ? m->n_fiches : 0; }

long jalon_model_find_fiche(const jalon_model *m, const char *code) {
  if (!m || !code) return -1;
  size_t lo = 0, hi = m->n_fiche_order;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(jm_str(m, m->fiches[m->fiche_order[mid]].code), code);
    if (c == 0) return (long)m->fiche_order[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

const char *jalon_model_fiche_code(const jalon_model *m, size_t i) {
  return m && i < m->n_fiches ? jm_str(m, m->fiches[i].code) : NULL;
}
const char *jalon_model_fiche_label(const jalon_model *m, size_t i) {
  return m && i < m->n_fiches ? jm_str(m, m->fiches[i].label) : NULL;
}
const char *jalon_model_fiche_parent(const jalon_model *m, size_t i) {
  return m && i < m->n_fiches ? jm_str(m, m->fiches[i].parent) : NULL;
}
