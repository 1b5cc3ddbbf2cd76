/* The diagnosis result: ranked jobs with evidence spans. Built by the matcher,
 * read by the accessors and the JSON writer. */
#ifndef JALON_API_RESULT_H
#define JALON_API_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "jalon/jalon.h"
#include "train/catalogue.h"

#define JR_NONE UINT32_MAX

typedef struct jr_span {
  uint32_t start, end; /* byte offsets in result->text, end exclusive */
} jr_span;

enum jr_role { JR_ROLE_NEUTRAL = 0, JR_ROLE_EXPERIENCE = 1, JR_ROLE_ASPIRATION = 2, JR_ROLE_EXCLUDED = 3 };

typedef struct jr_job {
  uint32_t fiche;     /* index in the model */
  uint32_t appel;     /* appellation that matched best, or JR_NONE */
  double score;       /* calibrated to [0,1] */
  uint32_t ev_first;  /* into result->spans */
  uint32_t ev_count;
  int role;           /* enum jr_role */
  char appel_code[12];/* decimal code_ogr of appel, for the accessor */
  uint32_t months;    /* experience duration read in the text, 0 if none */
} jr_job;

/* A misspelt word of the text read as a model word ("did you mean"). */
typedef struct jr_correction {
  uint32_t start, end; /* byte offsets in result->text */
  uint32_t term;       /* model term it was read as */
} jr_correction;

/* One competence of the gap: held (with where it comes from) or missing. */
typedef struct jr_gap_item {
  uint32_t item;      /* model item */
  uint8_t core;       /* jm_core */
  uint8_t source;     /* enum jr_gap_source, for held items */
  uint16_t pad;
  uint32_t from;      /* fiche of the job it comes from, or JR_NONE */
  float weight;       /* importance in the target fiche */
  float held;         /* 0..1 */
  uint32_t ev_start, ev_end; /* text span that names it (source TEXT) */
} jr_gap_item;

enum jr_gap_source { JR_GAP_MISSING = 0, JR_GAP_FROM_JOB = 1, JR_GAP_FROM_TEXT = 2 };

typedef struct jr_gap {
  uint32_t target;    /* fiche, JR_NONE when there is no gap */
  int target_given;   /* 1: from the request, 0: the best aspiration */
  double score;       /* 0 = nothing missing, 1 = everything missing */
  jr_gap_item *held, *missing;
  size_t n_held, n_missing;
  uint32_t *nearby;   /* mobility links of the target and jobs held, smallest gap first */
  double *nearby_score; /* their gap scores */
  size_t n_nearby;
} jr_gap;

/* CléA evidence: a span of the text, or a competence of a job held. */
typedef struct jr_clea_ev {
  uint8_t sub;        /* sub-domain index in the model */
  uint8_t need;       /* 1: a sign of need, 0: a sign the person holds it */
  uint8_t from_job;   /* 1: inferred from a job in experience */
  uint8_t pad;
  uint32_t start, end;/* text span (from_job == 0) */
  uint32_t fiche, item; /* job and competence (from_job == 1) */
} jr_clea_ev;

/* A ROME savoir-être the text shows ("je suis patiente"). */
typedef struct jr_soft {
  uint32_t item;
  uint32_t start, end;
} jr_soft;

enum jr_clea_status { JR_CLEA_UNKNOWN = 0, JR_CLEA_ACQUIRED = 1, JR_CLEA_TO_DEVELOP = 2 };

typedef struct jr_clea_domain {
  uint8_t status;     /* enum jr_clea_status */
  float score;        /* 0..1: how sure the person holds the domain (0.5 when unknown) */
  uint32_t subs;      /* mask of the sub-domains the evidence concerns */
  uint32_t ev_first, ev_count; /* into clea_ev */
} jr_clea_domain;

struct jalon_result {
  const jalon_model *model; /* borrowed */
  char *id;                 /* request id or NULL */
  char *text;               /* copy of the request text (NUL-terminated) */
  size_t text_len;
  jr_job *jobs;       /* overall ranking */
  size_t n_jobs;
  jr_job *experience, *aspirations, *excluded; /* per role, from the clauses */
  size_t n_experience, n_aspirations, n_excluded;
  jr_span *spans;
  size_t n_spans, spans_cap;
  jr_gap gap;
  jr_soft *soft;      /* soft skills (ROME savoir-être) read in the text */
  size_t n_soft;
  int has_clea;       /* the model has CléA sources */
  jr_clea_domain clea[7];
  jr_clea_ev *clea_ev;
  size_t n_clea_ev, clea_ev_cap;
  jr_correction *corrections;
  size_t n_corrections, corrections_cap;
  double margin;
  int abstain;
  const jalon_catalogue *catalogue; /* borrowed; NULL: no trainings */
  jr_training *trainings;
  size_t n_trainings;
  uint32_t *train_covers; /* model items covered, by training */
  size_t n_train_covers;
};

/* "savoir_faire", "savoir_etre" or "savoir" for a jm_item_kind. */
const char *jr_item_kind_name(int kind);

/* Allocates an empty result that copies text (len bytes) and id (may be NULL). */
int jr_result_new(jalon_result **out, const jalon_model *m, const char *text, size_t len,
                  const char *id);

#endif
