/* Gap stage: what the target job requires (its ROME competences, savoirs and
 * savoir-être, core ones weighted up) against what the person holds (the
 * competences of the jobs they did, and competences their text names). */
#ifndef JALON_GAP_GAP_H
#define JALON_GAP_GAP_H

#include "api/result.h"
#include "model/model.h"
#include "text/tokenize.h"

/* Computes r->gap for target fiche (UINT32_MAX: the best aspiration, if
 * any) from r->experience and the tokens of the text. Needs the resolved
 * query stems: stems[] of the text tokens (UINT32_MAX for unknown words).
 * Returns 0 or JALON_ENOMEM. */
int jg_gap(const jalon_model *m, uint32_t target, const jt_tokens *text, const uint32_t *stems, jalon_result *r);

#endif
