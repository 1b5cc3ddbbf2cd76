/* Literal prefilter for cue patterns: the literal words a match of each
 * pattern must contain, so a pattern runs only on the clauses that hold them. */
#ifndef JALON_CUES_PREFILTER_H
#define JALON_CUES_PREFILTER_H

#include <stddef.h>
#include <stdint.h>

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

/* Patterns read by the prefilter must be compiled with this option too:
 * jq_pf_match bounds each search to a group of clauses by an offset limit. */
#define JQ_PF_COMPILE_OPTIONS PCRE2_USE_OFFSET_LIMIT

typedef struct jq_pf jq_pf;

int jq_pf_new(jq_pf **out);
void jq_pf_free(jq_pf *pf);

/* Reads one PCRE2 pattern (compiled UTF | CASELESS | UCP, no EXTENDED) and
 * derives an AND / OR query of literals that any match must contain. What it
 * does not know makes the query weaker, never stronger: at worst the pattern
 * always runs. Patterns are numbered in the order they are added. Returns 0
 * or JALON_ENOMEM. */
int jq_pf_add(jq_pf *pf, const char *pat, size_t len);

size_t jq_pf_count(const jq_pf *pf);    /* patterns added */
size_t jq_pf_filtered(const jq_pf *pf); /* of which with a query that is not TRUE */

/* For tests: the query of pattern i as text ("AND(OR('abc','def'),'ghij')",
 * "TRUE"), NUL-terminated and cut to size. */
void jq_pf_describe(const jq_pf *pf, size_t i, char *buf, size_t size);

/* Per-workspace scratch (about 130 KiB): the n-grams of one folded text, by
 * group of clauses. A folded text is clauses joined by "|", which no cue
 * pattern can match, so no match spans two clauses; clauses are gathered
 * into at most 64 groups, one bit each. */
typedef struct jq_pf_text jq_pf_text;

int jq_pf_text_new(jq_pf_text **out);
void jq_pf_text_free(jq_pf_text *t);

/* Reads a text (not kept). A text holding a character that caseless
 * matching equates with an ASCII letter (KELVIN SIGN, LONG S) turns the
 * filter off: then every pattern may match anywhere. */
void jq_pf_text_set(jq_pf_text *t, const char *text, size_t len);

/* The groups of clauses where pattern i may match; 0: nowhere. */
uint64_t jq_pf_mask(const jq_pf *pf, size_t i, const jq_pf_text *t);

/* pcre2_match of code on text (the bytes last given to jq_pf_text_set) from
 * off, trying only the groups in mask: the same leftmost match as one search
 * of the whole text, since no match starts in another group. Returns
 * pcre2_match's code. */
int jq_pf_match(const pcre2_code *code, jq_pf_text *t, uint64_t mask, const char *text, size_t len, size_t off,
                uint32_t options, pcre2_match_data *md);

#endif
