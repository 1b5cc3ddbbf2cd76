/* Cue stage: PCRE2 patterns (from models/cues/, stored in the model and
 * compiled once at open) that mark clauses as experience, aspiration or
 * exclusion and read durations. The compiled set is shared read-only;
 * match data lives in each workspace. */
#ifndef JALON_CUES_CUES_H
#define JALON_CUES_CUES_H

#include <stddef.h>
#include <stdint.h>

#include "jalon/jalon.h"
#include "text/tokenize.h"

enum jq_kind { JQ_EXPERIENCE = 1, JQ_ASPIRATION = 2, JQ_EXCLUSION = 3, JQ_DURATION = 4, JQ_SINCE = 5 };

/* Clause roles, in increasing priority. */
enum jq_role { JQ_ROLE_NONE = 0, JQ_ROLE_EXPERIENCE = 1, JQ_ROLE_ASPIRATION = 2, JQ_ROLE_EXCLUDED = 3 };

typedef struct jq_set jq_set;

/* Compiles the cue source text (the models/cues/cues.txt format). name is
 * used in messages. Returns 0, JALON_EFORMAT (bad line or pattern, with its
 * line number) or JALON_ENOMEM. */
int jq_set_compile(jq_set **out, const char *source, const char *name, jalon_error **err);
/* prefilter = 0: every pattern runs on the whole text, as before the literal
 * prefilter (cues/prefilter.h); the same matches, slower. For the benchmark's
 * peer and the tests. jq_set_compile is prefilter = 1. */
int jq_set_compile_mode(jq_set **out, const char *source, const char *name, int prefilter, jalon_error **err);
void jq_set_free(jq_set *s);
size_t jq_set_count(const jq_set *s);

typedef struct jq_clause {
  uint32_t tok_first, tok_end; /* token range [first, end) */
  uint8_t role;                /* enum jq_role */
  uint8_t own_cue;             /* role from a cue in the clause, not inherited */
  uint8_t pad;
  uint32_t months;             /* duration read in the clause, 0 if none */
} jq_clause;

/* Per-workspace state: PCRE2 match data and the folded clause buffer. */
typedef struct jq_ws jq_ws;
int jq_ws_new(jq_ws **out, const jq_set *set);
void jq_ws_free(jq_ws *w);

/* Splits tokens into clauses (punctuation, sentence ends, "mais", "et",
 * "puis", "ou"...) and gives each a role from its cues; clauses without a
 * cue inherit the role of the clause they continue ("et", "ou", ","), never
 * across "mais" or a sentence end. now_year converts "depuis 2019" to
 * months. *clauses stays owned by w, valid until the next call. */
int jq_annotate(jq_ws *w, const jq_set *set, const jt_tokens *t, int now_year, const jq_clause **clauses,
                size_t *n_clauses);

/* The folded text of the last jq_annotate call (clauses separated by "|")
 * and the offset of each token in it, for stages that run patterns on the
 * same text (CléA). Borrowed until the next call. */
void jq_folded(const jq_ws *w, const char **buf, size_t *len, const size_t **tok_off);

#endif
