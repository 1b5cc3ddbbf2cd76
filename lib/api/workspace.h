/* Per-thread workspace: the tokenizer state and matcher scratch that one
 * diagnosis at a time may mutate, while the model stays shared. */
#ifndef JALON_API_WORKSPACE_H
#define JALON_API_WORKSPACE_H

#include "clea/clea.h"
#include "cues/cues.h"
#include "match/match.h"
#include "text/tokenize.h"

struct jalon_workspace {
  const jalon_model *model;
  jt_ctx *tok;
  jt_tokens text, title;
  jx_scratch scratch;
  jq_ws *cues;
  void *clea_md; /* PCRE2 match data for the CléA cues */
  const jalon_catalogue *catalogue; /* borrowed, may be NULL */
  uint32_t *stems; /* per text token, for the gap stage */
  size_t stems_cap;
};

#endif
