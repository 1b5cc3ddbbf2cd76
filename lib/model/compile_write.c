/* Model compiler, writing side: lays the sections out 8-byte aligned after
 * the header and section table, checksums the body, and renames a temporary
 * file into place so a crash never leaves a half-written model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "model/compile_int.h"
#include "util/error.h"
#include "util/hash.h"

typedef struct wsec { uint32_t id, elem; const void *data; size_t count; } wsec;

static size_t align8(size_t x) { return (x + (JM_ALIGN - 1)) & ~(size_t)(JM_ALIGN - 1); }

int jc_write(jc *c) {
  wsec secs[] = {
      {JM_S_STRINGS, 1, c->strings.v, c->strings.n},
      {JM_S_FICHES, sizeof(jm_fiche), c->fiches.v, c->fiches.n},
      {JM_S_APPELS, sizeof(jm_appel), c->appels.v, c->appels.n},
      {JM_S_ITEMS, sizeof(jm_item), c->items.v, c->items.n},
      {JM_S_FICHE_ITEMS, sizeof(jm_fiche_item), NULL, c->fitems.n},
      {JM_S_MOBILITY, sizeof(jm_mobility), NULL, c->mobs.n},
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
  };
  size_t ns = sizeof secs / sizeof *secs;
  size_t off = align8(sizeof(jm_header) + ns * sizeof(jm_section));
  jm_section table[sizeof secs / sizeof *secs];
  for (size_t i = 0; i < ns; i++) {
    table[i] = (jm_section){secs[i].id, secs[i].elem, off, secs[i].count};
    off = align8(off + secs[i].elem * secs[i].count);
  }
  size_t total = off;
  uint8_t *buf = calloc(1, total);
  if (!buf) return jc_nomem(c);
  memcpy(buf + sizeof(jm_header), table, ns * sizeof(jm_section));
  for (size_t i = 0; i < ns; i++) {
    uint8_t *dst = buf + table[i].offset;
    if (secs[i].id == JM_S_FICHE_ITEMS) {
      for (size_t k = 0; k < c->fitems.n; k++) {
        jm_fiche_item fi = {c->fitems.v[k].item, c->fitems.v[k].core, {0, 0, 0}};
        memcpy(dst + k * sizeof fi, &fi, sizeof fi);
      }
    } else if (secs[i].id == JM_S_MOBILITY) {
      for (size_t k = 0; k < c->mobs.n; k++) {
        jm_mobility mb = {c->mobs.v[k].target, c->mobs.v[k].rank};
        memcpy(dst + k * sizeof mb, &mb, sizeof mb);
      }
    } else if (secs[i].count) {
      memcpy(dst, secs[i].data, secs[i].elem * secs[i].count);
    }
  }
  jm_header h;
  memset(&h, 0, sizeof h);
  memcpy(h.magic, JM_MAGIC, 8);
  h.major = JM_FORMAT_MAJOR;
  h.minor = JM_FORMAT_MINOR;
  h.endian = JM_ENDIAN_MARK;
  h.file_size = total;
  h.n_sections = (uint32_t)ns;
  h.built_unix = (uint64_t)time(NULL);
  snprintf(h.rome_version, sizeof h.rome_version, "%s", c->rome_version);
  h.checksum = ju_checksum(buf + sizeof h, total - sizeof h);
  memcpy(buf, &h, sizeof h);

  size_t plen = strlen(c->o->out_path);
  char *tmp = malloc(plen + 16);
  if (!tmp) {
    free(buf);
    return jc_nomem(c);
  }
  snprintf(tmp, plen + 16, "%s.tmp%ld", c->o->out_path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  int rc = 0;
  if (!f) {
    rc = ju_error(c->err, JALON_EIO, "cannot create %s", tmp);
  } else {
    int bad = fwrite(buf, 1, total, f) != total;
    bad |= fclose(f) != 0;
    if (bad) rc = ju_error(c->err, JALON_EIO, "cannot write %s", tmp);
    else if (rename(tmp, c->o->out_path) != 0) rc = ju_error(c->err, JALON_EIO, "cannot rename %s to %s", tmp, c->o->out_path);
    if (rc) remove(tmp);
  }
  free(tmp);
  free(buf);
  jc_progress(c, "write", 1, 1);
  return rc;
}
