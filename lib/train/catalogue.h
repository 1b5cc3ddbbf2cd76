/* The opened training catalogue: typed views into the mapped file, checked
 * at open, and the recommendation step of a diagnosis. */
#ifndef JALON_TRAIN_CATALOGUE_H
#define JALON_TRAIN_CATALOGUE_H

#include <stddef.h>
#include <stdint.h>

#include "jalon/jalon.h"
#include "train/format.h"
#include "util/secfile.h"

struct jalon_catalogue {
  ju_mapped file;
  char *path;
  char checksum_hex[17];
  const char *strings; size_t n_strings;
  const jca_cert *certs; size_t n_certs;
  const jca_code *cert_rome; size_t n_cert_rome;
  const jca_rome_ref *rome_index; size_t n_rome_index;
  const jca_session *sessions; size_t n_sessions;
  const jca_formacode *fcs; size_t n_fcs;
  const uint32_t *fc_certs; size_t n_fc_certs;
  const jca_stem *stems; size_t n_stems;
  const uint32_t *stem_hash; size_t n_stem_hash;
  const uint32_t *stem_post; size_t n_stem_post;
  const jca_dept *depts; size_t n_depts;
};

/* String at ref (checked at open); NULL for ref 0 ("absent"). */
static inline const char *jca_str(const jalon_catalogue *c, uint32_t ref) {
  return ref ? c->strings + ref : NULL;
}

/* Opens from caller-owned memory (tests, fuzzing). */
int jca_open_memory(jalon_catalogue **out, const void *data, size_t size, jalon_error **err);

/* Stem index by exact bytes, or UINT32_MAX. */
uint32_t jca_find_stem(const jalon_catalogue *c, const char *s, size_t len);
/* Range [*first, *first + *count) of rome_index entries for a code. */
void jca_rome_range(const jalon_catalogue *c, const char *code, size_t *first, size_t *count);
/* Region of a département, or NULL. */
const char *jca_region_of(const jalon_catalogue *c, const char *dept);

/* A training chosen for a person, kept in the result. */
typedef struct jr_training {
  uint32_t cert;
  float score;
  uint8_t reason;      /* enum jr_train_reason */
  uint8_t clea;        /* CléA domains it addresses among those to develop */
  uint8_t n_sessions;
  uint8_t pad;
  uint32_t sessions[JALON_MAX_SESSIONS];
  float km[JALON_MAX_SESSIONS]; /* -1: unknown */
  uint32_t cover_first, cover_count; /* model items covered, into result->train_covers */
} jr_training;

enum jr_train_reason { JR_TRAIN_TARGET = 1, JR_TRAIN_GAP = 2, JR_TRAIN_BASIC = 3 };
const char *jr_train_reason_name(int reason);

/* What the recommendation reads besides the result. */
typedef struct jtr_query {
  const jalon_place *place; /* may be NULL */
  uint32_t after;           /* YYYYMMDD, 0 = any */
  unsigned max;             /* 1..JALON_MAX_TRAININGS */
} jtr_query;

struct jalon_result;
/* Ranks trainings for the result's gap target, missing competences and
 * CléA domains to develop; fills result->trainings. 0 or JALON_ENOMEM. */
int jtr_recommend(struct jalon_result *r, const jalon_catalogue *c, const jtr_query *q);
/* The same for one ROME fiche code with nothing else known (lookup). */
int jtr_recommend_rome(struct jalon_result *r, const jalon_catalogue *c, const char *rome, const jtr_query *q);

/* Great-circle distance in km. */
double jtr_km(double lat1, double lon1, double lat2, double lon2);

#endif
