/* State shared by the model compiler's files: what has been read from the
 * CSV release and the index being built from it. */
#ifndef JALON_MODEL_COMPILE_INT_H
#define JALON_MODEL_COMPILE_INT_H

#include "model/compile.h"
#include "model/format.h"
#include "text/tokenize.h"
#include "util/strmap.h"
#include "util/vec.h"

/* A word of a fiche document; stem is set from term by jc_build_index. */
typedef struct jc_post { uint32_t term, fiche; float w; uint32_t stem; } jc_post;
typedef struct jc_fitem { uint32_t fiche, item; uint8_t core; } jc_fitem;
typedef struct jc_mob { uint32_t fiche, target, rank; } jc_mob;
typedef struct jc_pair { uint32_t a, b; } jc_pair;

typedef struct jc {
  const jm_compile_options *o;
  jalon_error **err;
  jt_ctx *tok;
  jt_tokens toks;

  JU_VEC(char) strings;
  ju_strmap string_map;
  ju_strmap stop;       /* folded stop-words */
  ju_strmap fiche_map;  /* code -> fiche */
  ju_strmap item_map;   /* code_ogr -> item */
  ju_strmap core_map;   /* "code_rome ogr" -> core */
  ju_strmap term_map, stem_map;
  ju_strmap form_dedupe; /* fiche + term sequence of forms already added */

  JU_VEC(jm_fiche) fiches;
  JU_VEC(jm_appel) appels;
  JU_VEC(jm_item) items;
  JU_VEC(jc_fitem) fitems;
  JU_VEC(jc_mob) mobs;
  JU_VEC(jm_term) terms;
  JU_VEC(jm_stem) stems;
  JU_VEC(uint8_t) term_stop;
  JU_VEC(jc_post) posts;
  JU_VEC(jm_form) forms;
  JU_VEC(uint32_t) form_terms;
  JU_VEC(jc_pair) form_posts;   /* (stem, form) */
  JU_VEC(uint32_t) item_terms;  /* cached content terms of each item label */
  JU_VEC(uint32_t) item_term_first; /* per item, n_items + 1 entries */

  /* Outputs of the index step. */
  JU_VEC(jm_posting) fiche_post;
  JU_VEC(uint32_t) form_post;
  JU_VEC(jm_trie_node) trie_nodes;
  JU_VEC(jm_trie_edge) trie_edges;
  JU_VEC(uint32_t) trie_forms;
  JU_VEC(uint32_t) stopwords;
  JU_VEC(uint32_t) fiche_order;
  JU_VEC(uint32_t) term_hash, stem_hash;
  JU_VEC(jm_key) fuzzy_phon, fuzzy_del;
  JU_VEC(jm_posting) sorted_fiche_items_unused;
  char *cues_src;       /* models/cues/cues.txt, checked by compiling it */
  char *clea_src;       /* models/clea/clea.txt, or "" */
  char *soft_src;       /* models/softskills/softskills.txt, or "" */
  JU_VEC(jm_clea_sub) clea_subs;
  JU_VEC(uint32_t) item_clea;
  JU_VEC(jm_reading) readings;  /* sorted by term before writing */
  JU_VEC(uint32_t) reading_terms;
  char rome_version[16];
} jc;

/* Interns a NUL-terminated string, returns its offset or UINT32_MAX. */
uint32_t jc_str(jc *c, const char *s);
uint32_t jc_strn(jc *c, const char *s, size_t n);
int jc_nomem(jc *c);
void jc_warn(jc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jc_progress(jc *c, const char *stage, size_t done, size_t total);

/* Field weights of the retrieval document of a fiche. */
#define JC_W_APPEL 2.0f
#define JC_W_TITLE 3.0f
#define JC_W_SAVOIR_FAIRE 1.0f
#define JC_W_SAVOIR 0.7f
#define JC_W_SAVOIR_ETRE 0.3f
#define JC_W_DEFINITION 1.0f
#define JC_W_ACCESS 0.4f

/* Tokenizes text and adds its content words to fiche's document with weight w
 * (fiche UINT32_MAX: only intern the vocabulary). If out is not NULL, the
 * content term ids are appended to it. */
int jc_index_text(jc *c, const char *text, uint32_t fiche, float w, void *out_terms_vec);
/* Adds one matchable written form of a title, unless it has fewer than
 * min_words content words. */
int jc_add_form(jc *c, const char *text, uint32_t fiche, uint32_t appel, int kind, int peu_usite, size_t min_words);
/* Makes word (any spelling) a term sharing the stem of target's first word.
 * Returns 0, 1 when skipped (word known or target unknown), or < 0. */
int jc_add_synonym(jc *c, const char *word, const char *target);
/* Makes word read as the content words of target (readings.txt). Returns
 * 0, 1 when skipped (not one word, or a target word unknown), or < 0. */
int jc_add_reading(jc *c, const char *word, const char *target);
/* Builds postings, idf, trie and hash tables once everything is read. */
int jc_build_index(jc *c);
/* Serialises everything to o->out_path. */
int jc_write(jc *c);

#endif
