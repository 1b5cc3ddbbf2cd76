/* The opened model: typed views into the mapped file, checked at open so the
 * matcher can index them without further bounds checks. */
#ifndef JALON_MODEL_MODEL_H
#define JALON_MODEL_MODEL_H

#include <stddef.h>
#include <pthread.h>
#include <stdint.h>

#include "jalon/jalon.h"
#include "model/format.h"

struct jalon_model {
  const uint8_t *base; /* mapped or read file */
  size_t size;
  int mapped;          /* 1: munmap on free, 0: free() */
  char *path;
  char rome_version[17];
  char checksum_hex[17];

  const char *strings; size_t n_strings;
  const jm_fiche *fiches; size_t n_fiches;
  const jm_appel *appels; size_t n_appels;
  const jm_item *items; size_t n_items;
  const jm_fiche_item *fiche_items; size_t n_fiche_items;
  const jm_mobility *mobility; size_t n_mobility;
  const jm_term *terms; size_t n_terms;
  const uint32_t *term_hash; size_t n_term_hash;
  const jm_stem *stems; size_t n_stems;
  const uint32_t *stem_hash; size_t n_stem_hash;
  const jm_posting *fiche_post; size_t n_fiche_post;
  const jm_form *forms; size_t n_forms;
  const uint32_t *form_terms; size_t n_form_terms;
  const uint32_t *form_post; size_t n_form_post;
  const jm_trie_node *trie_nodes; size_t n_trie_nodes;
  const jm_trie_edge *trie_edges; size_t n_trie_edges;
  const uint32_t *trie_forms; size_t n_trie_forms;
  const uint32_t *stopwords; size_t n_stopwords;
  const uint32_t *fiche_order; size_t n_fiche_order;
  const jm_key *fuzzy_phon; size_t n_fuzzy_phon;
  const jm_key *fuzzy_del; size_t n_fuzzy_del;
  const char *cues_src; size_t n_cues_src;
  const uint32_t *item_terms; size_t n_item_terms;
  const jm_clea_sub *clea_subs; size_t n_clea_subs;
  const char *clea_src; size_t n_clea_src;
  const uint32_t *item_clea; size_t n_item_clea;
  struct jk_set *clea;  /* compiled at open from clea_src; NULL without CléA cues */
  const char *soft_src; size_t n_soft_src;
  struct jk_set *soft;  /* soft-skill cues; pattern "sub" = item index */
  /* The CléA and soft-skill sets are compiled when the first workspace is
   * made, not at open: a few hundred patterns take tens of milliseconds and
   * a caller that only opens the model (or only ranks jobs) should not pay.
   * lazy_lock orders that one-time write before every workspace's reads. */
  pthread_mutex_t lazy_lock;
  int lazy_done;          /* 1: compiled (or failed: lazy_rc) */
  int lazy_rc;
  const uint32_t *item_term_first; size_t n_item_term_first;
  const jm_reading *readings; size_t n_readings;
  const uint32_t *reading_terms; size_t n_reading_terms;
  struct jq_set *cues;  /* compiled at open from cues_src */
  float avg_doc_len;
};

/* String at offset `ref` of the string section (checked at open). */
static inline const char *jm_str(const jalon_model *m, uint32_t ref) { return m->strings + ref; }

/* Term / stem lookup by exact bytes; returns index or UINT32_MAX. */
uint32_t jm_find_term(const jalon_model *m, const char *s, size_t len);
uint32_t jm_find_stem(const jalon_model *m, const char *s, size_t len);
int jm_is_stopword(const jalon_model *m, uint32_t term);
/* The reading of a term (models/text/readings.txt), or NULL. */
const jm_reading *jm_find_reading(const jalon_model *m, uint32_t term);

/* Compiles the CléA and soft-skill cue sets once (thread-safe); returns 0 or
 * the error of the first attempt. */
int jm_compile_lazy(jalon_model *m, jalon_error **err);

/* Compiles the model's CléA and soft-skill cue sets in a JK_MODE_* of
 * clea/clea.h, owned by the caller (either may be NULL when the model has no
 * such cues). jm_compile_lazy uses the fast mode; tests and the benchmark
 * build the reference mode to compare against. */
int jm_cue_sets_compile(const jalon_model *m, int mode, struct jk_set **clea, struct jk_set **soft,
                        jalon_error **err);

/* Opens from memory that stays owned by the caller (tests, fuzzing). */
int jm_open_memory(jalon_model **out, const void *data, size_t size, jalon_error **err);

#endif
