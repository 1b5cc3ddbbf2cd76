/* CléA stage: the seven basic-skills domains. Hand-written cues
 * (models/clea/clea.txt) say from the text whether a person holds a
 * sub-domain or needs it; rules compiled into the model map ROME competences
 * to sub-domains so the jobs a person did count as evidence too. */
#ifndef JALON_CLEA_CLEA_H
#define JALON_CLEA_CLEA_H

#include <stddef.h>
#include <stdint.h>

#include "api/result.h"
#include "jalon/jalon.h"
#include "text/tokenize.h"

#define JK_DOMAINS 7
#define JK_MAX_SUBS 32 /* sub-domains fit a uint32_t mask */
#define JK_DOMAIN_ONLY 255 /* evidence about a whole domain, no sub-domain */

/* JK_FRAME and JK_TOPIC are the two halves of a compositional need: a frame
 * of difficulty ("j'ai du mal avec", "c'est pas mon fort", "je galère") near
 * a word of a domain ("les chiffres", "l'ordi"). */
enum jk_kind { JK_HAS = 1, JK_NEED = 2, JK_RULE = 3, JK_FRAME = 4, JK_TOPIC = 5 };
/* Which side of a frame its topic is on (a frame line's CODE: ">", "<", "<>"). */
enum { JK_AFTER = 1, JK_BEFORE = 2 };

typedef struct jk_set jk_set;

/* Compiles clea.txt ("sub|has|need|rule<TAB>CODE<TAB>…"); sub codes are
 * looked up with find_sub (code -> index or -1). Returns 0, JALON_EFORMAT
 * with the line, or JALON_ENOMEM. */
int jk_set_compile(jk_set **out, const char *source, const char *name, int (*find_sub)(void *, const char *),
                   void *ud, int at_open, jalon_error **err);
/* JK_MODE_FAST (what jk_set_compile builds): a literal prefilter and the
 * patterns run one by one. JK_MODE_REFERENCE: the chunks of alternatives
 * the results are defined by, run as such; slower, kept for the tests and
 * the benchmark to compare against. Both give the same matches. */
enum { JK_MODE_FAST = 0, JK_MODE_REFERENCE = 1 };
int jk_set_compile_mode(jk_set **out, const char *source, const char *name, int (*find_sub)(void *, const char *),
                        void *ud, int at_open, int mode, jalon_error **err);
void jk_set_free(jk_set *s);
size_t jk_set_count(const jk_set *s, int kind);

/* Mask of sub-domains whose rules match a folded competence label. */
uint32_t jk_rules_mask(const jk_set *s, const char *folded, size_t len, void *match_data);

/* Per-workspace match data (PCRE2 match data and prefilter scratch, about
 * 130 KiB); good for every set. */
void *jk_match_data_new(const jk_set *s);
void jk_match_data_free(void *md);

struct jalon_model;
/* Fills r->clea from the folded clause text of the cue stage (buf, len,
 * tok_off: offset of each token in buf) and r->experience. */
int jk_profile(const struct jalon_model *m, void *match_data, const jt_tokens *t, const char *buf, size_t len,
               const size_t *tok_off, jalon_result *r);

/* Fills r->soft from the soft-skill cues of the model (m->soft), one entry
 * per savoir-être, first mention; a negation just before cancels a match. */
int jk_soft_skills(const struct jalon_model *m, void *match_data, const jt_tokens *t, const char *buf, size_t len,
                   const size_t *tok_off, jalon_result *r);

#endif
