/* Builder internals shared by builder.c, rules.c and builder_write.c. */
#ifndef JALON_TRAIN_BUILDER_INT_H
#define JALON_TRAIN_BUILDER_INT_H

#include "model/model.h"
#include "text/tokenize.h"
#include "train/build.h"
#include "train/format.h"
#include "util/strmap.h"
#include "util/vec.h"

typedef struct jtr_bcert {
  uint32_t certifinfo, title, type, rncp, rs, certifier; /* string refs */
  uint32_t fc[JTR_MAX_FORMACODE];
  jca_code rome[JTR_MAX_ROME];
  uint8_t n_fc, n_rome, level, flags;
  uint8_t clea;                            /* set from the rules at write time */
  char fc_text[JTR_MAX_FORMACODE][8];      /* views only */
} jtr_bcert;

typedef struct jtr_bfc { uint32_t code, label; } jtr_bfc;
typedef struct jtr_word { uint32_t stem, fc; } jtr_word;

enum jtr_rule_field { JTR_RULE_RS = 1, JTR_RULE_FORMACODE = 2, JTR_RULE_TITLE = 3 };
typedef struct jtr_rule {
  uint8_t domains; /* CléA domain bits */
  uint8_t field;   /* jtr_rule_field */
  char value[62];  /* "RS5080", "15041", or a folded title phrase */
} jtr_rule;

struct jtr_builder {
  const jalon_model *model;
  JU_VEC(char) strings;
  ju_strmap interned;
  ju_strmap by_certifinfo;
  JU_VEC(jtr_bcert) certs;
  JU_VEC(jca_session) sessions;
  JU_VEC(jtr_bfc) formacodes;
  JU_VEC(jtr_word) fc_words;
  JU_VEC(uint32_t) stems;    /* string ref of each stem */
  ju_strmap stem_ids;
  JU_VEC(jtr_rule) rules;
  JU_VEC(jca_dept) depts;
  size_t rome_links, rome_unknown, rejected;
  char **kept;
  size_t n_kept;
  jt_ctx *tok;
  jt_tokens tokens;
  char view_start[11], view_end[11];
};

/* String interning: 0 for NULL or "", JCA_NONE on allocation failure. */
uint32_t jtr_intern(jtr_builder *b, const char *s);
const char *jtr_str(const jtr_builder *b, uint32_t ref);
/* Region of a département from the rules, NULL when unknown. */
const char *jtr_region_of(const jtr_builder *b, const char dept[4]);
/* Folds text the way the title rules are written (lower case, no accents,
 * words separated by one space) into out; returns 0 or a JALON_E* code. */
int jtr_fold(jtr_builder *b, const char *text, char *out, size_t cap);
/* Applies the basic-skills rules to every certification (sets clea). */
int jtr_apply_rules(jtr_builder *b);

#endif
