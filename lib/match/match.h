/* Match stage: ranks ROME fiches for a tokenized text (and optional title)
 * from title-form similarity, phrase matches and BM25 over fiche documents. */
#ifndef JALON_MATCH_MATCH_H
#define JALON_MATCH_MATCH_H

#include "api/result.h"
#include "cues/cues.h"
#include "model/model.h"
#include "text/tokenize.h"

/* A query token resolved against the model vocabulary. */
typedef struct jx_qtok {
  uint32_t term;   /* UINT32_MAX when the folded word is not in the vocabulary */
  uint32_t stem;   /* UINT32_MAX when neither word nor stem is known */
  uint8_t content; /* 1 when it may vote (not a stop-word, elision or number) */
} jx_qtok;

typedef struct jx_phrase {
  uint32_t tok_first, tok_last; /* token range in the text */
  uint32_t node;                /* trie node whose forms matched */
} jx_phrase;

/* Per-workspace scratch, sized from the model once, reused by every query. */
typedef struct jx_scratch {
  size_t n_forms, n_fiches;
  float *form_acc;      /* n_forms, zero between queries */
  uint32_t *touched;    /* forms with form_acc != 0 */
  size_t n_touched;
  float *title_score, *phrase_score, *bm25, *raw; /* n_fiches */
  uint32_t *title_form; /* best form per fiche, UINT32_MAX none */
  uint32_t *phrase_form;/* form of the strongest phrase per fiche */
  uint32_t *cand;       /* fiche ids, for sorting */
  uint32_t *parent;     /* n_fiches: parent fiche of each, packed for family_smooth */
  jx_qtok *q;           /* resolved tokens (text) */
  jx_qtok *qt;          /* resolved tokens (title) */
  size_t q_cap, qt_cap;
  jx_phrase *phrases;
  size_t n_phrases, phrases_cap;
  uint32_t *ustems;     /* distinct stems of the query */
  float *uqtf;
  uint32_t *uterm;      /* one query term per distinct stem */
  size_t ustems_cap;
  jt_token *view;       /* tokens of the clauses of one role */
  size_t view_cap;
  /* Text and title as read (models/text/readings.txt): a word may stand
   * for several, so these streams can be longer than the tokenized ones. */
  jt_tokens read_text, read_title; /* buf borrowed from the tokenized stream */
  jx_qtok *q_spare, *qt_spare; /* the resolved tokens before reading */
  size_t q_spare_cap, qt_spare_cap;
  uint8_t *kept;        /* per token: inside a ROME title phrase */
  size_t kept_cap;
} jx_scratch;

/* Model word closest to an unknown folded word (phonetic key or up to two
 * edits, scaled by length), or UINT32_MAX. */
uint32_t jx_correct(const jalon_model *m, const char *w, size_t n);

int jx_scratch_init(jx_scratch *s, const jalon_model *m);
void jx_scratch_free(jx_scratch *s);

/* Ranks fiches for text (and title, may be NULL) into r->jobs (at most
 * max_jobs) with evidence spans, margin and abstain; then ranks the clauses
 * of each role (cl from jq_annotate) into r->experience, r->aspirations and
 * r->excluded, and labels r->jobs with their role. Returns 0 or ENOMEM. */
int jx_match(const jalon_model *m, jx_scratch *s, const jt_tokens *text, const jt_tokens *title,
             const jq_clause *cl, size_t ncl, unsigned max_jobs, jalon_result *r);

#endif
