/* Model compiler, writing side: hands the compiled tables to the section
 * file writer (util/secfile.c: aligned sections, checksum, atomic rename). */
#include <stdlib.h>
#include <string.h>

#include "model/compile_int.h"
#include "util/error.h"
#include "util/secfile.h"

int jc_write(jc *c) {
  /* The two grouped tables are kept with extra fields by the compiler;
   * their on-disk records are narrower. */
  jm_fiche_item *fitems = calloc(c->fitems.n ? c->fitems.n : 1, sizeof *fitems);
  jm_mobility *mobs = calloc(c->mobs.n ? c->mobs.n : 1, sizeof *mobs);
  if (!fitems || !mobs) {
    free(fitems);
    free(mobs);
    return jc_nomem(c);
  }
  for (size_t k = 0; k < c->fitems.n; k++)
    fitems[k] = (jm_fiche_item){c->fitems.v[k].item, c->fitems.v[k].core, {0, 0, 0}};
  for (size_t k = 0; k < c->mobs.n; k++) mobs[k] = (jm_mobility){c->mobs.v[k].target, c->mobs.v[k].rank};
  const ju_wsec secs[] = {
      {JM_S_STRINGS, 1, c->strings.v, c->strings.n},
      {JM_S_FICHES, sizeof(jm_fiche), c->fiches.v, c->fiches.n},
      {JM_S_APPELS, sizeof(jm_appel), c->appels.v, c->appels.n},
      {JM_S_ITEMS, sizeof(jm_item), c->items.v, c->items.n},
      {JM_S_FICHE_ITEMS, sizeof(jm_fiche_item), fitems, c->fitems.n},
      {JM_S_MOBILITY, sizeof(jm_mobility), mobs, c->mobs.n},
      {JM_S_TERMS, sizeof(jm_term), c->terms.v, c->terms.n},
      {JM_S_TERM_HASH, sizeof(uint32_t), c->term_hash.v, c->term_hash.n},
      {JM_S_STEMS, sizeof(jm_stem), c->stems.v, c->stems.n},
      {JM_S_STEM_HASH, sizeof(uint32_t), c->stem_hash.v, c->stem_hash.n},
      {JM_S_FICHE_POST, sizeof(jm_posting), c->fiche_post.v, c->fiche_post.n},
      {JM_S_FORMS, sizeof(jm_form), c->forms.v, c->forms.n},
      {JM_S_FORM_TERMS, sizeof(uint32_t), c->form_terms.v, c->form_terms.n},
      {JM_S_FORM_POST, sizeof(uint32_t), c->form_post.v, c->form_post.n},
      {JM_S_TRIE_NODES, sizeof(jm_trie_node), c->trie_nodes.v, c->trie_nodes.n},
      {JM_S_TRIE_EDGES, sizeof(jm_trie_edge), c->trie_edges.v, c->trie_edges.n},
      {JM_S_TRIE_FORMS, sizeof(uint32_t), c->trie_forms.v, c->trie_forms.n},
      {JM_S_STOPWORDS, sizeof(uint32_t), c->stopwords.v, c->stopwords.n},
      {JM_S_FICHE_ORDER, sizeof(uint32_t), c->fiche_order.v, c->fiche_order.n},
      {JM_S_FUZZY_PHON, sizeof(jm_key), c->fuzzy_phon.v, c->fuzzy_phon.n},
      {JM_S_FUZZY_DEL, sizeof(jm_key), c->fuzzy_del.v, c->fuzzy_del.n},
      {JM_S_CUES, 1, c->cues_src, strlen(c->cues_src) + 1},
      {JM_S_ITEM_TERMS, sizeof(uint32_t), c->item_terms.v, c->item_terms.n},
      {JM_S_ITEM_TERM_FIRST, sizeof(uint32_t), c->item_term_first.v, c->item_term_first.n},
      {JM_S_CLEA_SUBS, sizeof(jm_clea_sub), c->clea_subs.v, c->clea_subs.n},
      {JM_S_CLEA_SRC, 1, c->clea_src, strlen(c->clea_src) + 1},
      {JM_S_ITEM_CLEA, sizeof(uint32_t), c->item_clea.v, c->item_clea.n},
      {JM_S_SOFT_SRC, 1, c->soft_src, strlen(c->soft_src) + 1},
      {JM_S_READINGS, sizeof(jm_reading), c->readings.v, c->readings.n},
      {JM_S_READING_TERMS, sizeof(uint32_t), c->reading_terms.v, c->reading_terms.n},
  };
  int rc = ju_secfile_write(c->o->out_path, JM_MAGIC, JM_FORMAT_MAJOR, JM_FORMAT_MINOR, c->rome_version, secs,
                            sizeof secs / sizeof *secs, c->err);
  free(fitems);
  free(mobs);
  if (rc == JALON_ENOMEM) return jc_nomem(c);
  jc_progress(c, "write", 1, 1);
  return rc;
}
