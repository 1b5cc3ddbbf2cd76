/* Training catalogue, building side: importers (Certif Info CSV, Formacode
 * thesaurus, RCO apprenticeship JSON, LHÉO XML, Jalon catalogue JSON) feed
 * one builder; jtr_builder_write compiles it into a catalogue file that
 * jalon_catalogue_open maps read-only (catalogue.h).
 *
 * Two layers. A certification says what one trains for (title, level,
 * Formacode, ROME links, RNCP/RS); a session says who, where and when
 * (organisation, place, dates, hours, distance learning). Sessions point at
 * a certification: the importers of offers (LHÉO, RCO, JSON) either find it
 * by its Certif Info code or add one for the formation they read.
 *
 * Every string passed in is copied; the *_in structs may live on the stack.
 * Bad records are reported with jtr_builder_reject (file, line or record
 * number, reason) and skipped: an import keeps going after a bad record and
 * only fails on a file that cannot be read or is not what it claims. */
#ifndef JALON_TRAIN_BUILD_H
#define JALON_TRAIN_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "jalon/jalon.h"

typedef struct jtr_builder jtr_builder;

#define JTR_MAX_ROME 8      /* ROME links kept per certification */
#define JTR_MAX_FORMACODE 5 /* Formacode codes kept per certification */

/* Reads the rule tables written in models/train/ (basic_skills.txt: which
 * certifications address which CléA domains; regions.txt: département ->
 * region). Call before the importers; without them no certification is
 * flagged basic-skills and regions are only those the sources give.
 * JALON_EIO, or JALON_EDATA with file:line for a bad rule. */
int jtr_builder_load_rules(jtr_builder *b, const char *dir, jalon_error **err);

/* Parses a date ("YYYY-MM-DD", "YYYYMMDD", "YYYY-MM", "DD/MM/YYYY") into
 * YYYYMMDD; a month alone gives its first day. Returns 0, or -1 for text
 * that is not a valid date ("00000000" included: callers treat it as
 * unknown). */
int jtr_date_parse(const char *s, uint32_t *ymd);

/* Certification flags. */
enum jtr_cert_flags {
  JTR_CERT_BASIC_SKILLS = 1u, /* CléA (RS 5080), CléA numérique (RS 5616), "remise à niveau",
                                 "savoirs de base", "compétences clés": set by the builder from
                                 the RS number and the title (models/train/basic_skills.txt) */
  JTR_CERT_PREPARATORY = 2u,  /* Certif Info "formations préparatoires et non certifiantes" */
  JTR_CERT_INACTIVE = 4u      /* archived / no longer delivered (Certif Info Etat) */
};

typedef struct jtr_cert_in {
  const char *certifinfo;  /* Certif Info code ("56927"), NULL when unknown */
  const char *title;       /* required, non-empty */
  const char *type;        /* "Titre professionnel", "BTS"... or NULL */
  int level;               /* European level 1..8, 0 = unknown */
  const char *formacode[JTR_MAX_FORMACODE]; /* numeric codes as text ("22403"); NULL ends */
  const char *rome[JTR_MAX_ROME];           /* ROME codes ("J1501"); NULL ends */
  const char *rncp;        /* "RNCP34001" or "34001" (normalised to the RNCP prefix), NULL */
  const char *rs;          /* "RS5080" or "5080", NULL */
  const char *certifier;   /* awarding body, NULL */
  unsigned flags;          /* jtr_cert_flags known from the source */
} jtr_cert_in;

/* Session funding flags (LHÉO extras / Intercarif eligibilite-cpf, RCO). */
enum jtr_funding { JTR_FUND_CPF = 1u, JTR_FUND_REGION = 2u, JTR_FUND_FRANCE_TRAVAIL = 4u,
                   JTR_FUND_APPRENTICESHIP = 8u };

typedef struct jtr_session_in {
  uint32_t cert;           /* certification index from jtr_builder_add_cert / _find_cert */
  const char *id;          /* source id of the action or session, NULL */
  const char *organisation;/* name of the training organisation, NULL when the source has none */
  const char *siret;       /* NULL */
  const char *city, *postcode, *insee; /* NULL when unknown */
  const char *department;  /* "31", "2A", "971"; NULL: derived from postcode by the builder */
  const char *region;      /* INSEE region code ("76"); NULL: derived from the department */
  int has_coords;
  double lat, lon;
  const char *start, *end; /* "YYYY-MM-DD", "YYYYMMDD" or "YYYY-MM"; NULL or "00000000" = unknown */
  unsigned hours;          /* total hours, 0 = unknown */
  int distance;            /* 1: entirely at a distance, 0: on site (or mixed), -1: unknown */
  unsigned funding;        /* jtr_funding */
  const char *url;         /* NULL */
} jtr_session_in;

/* m (may be NULL) checks ROME codes: with a model, codes the model does not
 * know (ROME v3 codes absent from v4) are dropped and counted. The model is
 * borrowed for the builder's lifetime. */
int jtr_builder_new(jtr_builder **out, const jalon_model *m, jalon_error **err);
void jtr_builder_free(jtr_builder *b); /* NULL-safe */

/* Adds a certification, or merges into the one with the same Certif Info
 * code (fields missing there are filled, ROME/Formacode lists united).
 * *index gets its index. JALON_EINVAL for a missing title; JALON_ENOMEM. */
int jtr_builder_add_cert(jtr_builder *b, const jtr_cert_in *c, uint32_t *index);
/* Index of the certification with this Certif Info code, or UINT32_MAX. */
uint32_t jtr_builder_find_cert(const jtr_builder *b, const char *certifinfo);
/* Adds a session of certification s->cert (must exist: JALON_EINVAL).
 * Dates that do not parse are reported by the caller, not here: the
 * builder takes them as unknown. */
int jtr_builder_add_session(jtr_builder *b, const jtr_session_in *s);
/* A Formacode thesaurus entry: code, label, and the words that describe it
 * (synonyms, related terms), which the builder stems to relate missing
 * competences to training fields. */
int jtr_builder_add_formacode(jtr_builder *b, const char *code, const char *label, const char *words);

/* Records a skipped record: `where` is "file:line" or "file#record". Keeps
 * the first messages for the report, counts all. Never fails. */
void jtr_builder_reject(jtr_builder *b, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Counters for the build report and the tests. */
typedef struct jtr_build_stats {
  size_t certs, sessions, formacodes;
  size_t rome_links, rome_unknown; /* ROME codes kept / dropped as unknown to the model */
  size_t rejected;                 /* records skipped (jtr_builder_reject) */
} jtr_build_stats;
void jtr_builder_stats(const jtr_builder *b, jtr_build_stats *out);
/* The i-th kept rejection message, NULL past the end. */
const char *jtr_builder_rejection(const jtr_builder *b, size_t i);

/* Read back what was added (tests of the importers): views valid until the
 * next add or free. NULL past the end. Strings are the builder's copies;
 * unknown fields are NULL / 0 as in the *_in structs (dates normalised to
 * "YYYY-MM-DD", a month alone to its first day; department and region
 * filled when derivable). */
const jtr_cert_in *jtr_builder_cert(const jtr_builder *b, uint32_t i, jtr_cert_in *view);
const jtr_session_in *jtr_builder_session(const jtr_builder *b, size_t i, jtr_session_in *view);

/* Compiles the catalogue file (checksummed, written to a temporary file and
 * renamed). */
int jtr_builder_write(jtr_builder *b, const char *path, jalon_error **err);

/* ---- importers: each returns 0 (bad records rejected and counted), or
 * JALON_EIO (unreadable), JALON_EDATA / JALON_EFORMAT (not the format it
 * claims, with the reason), JALON_ETOOBIG (a JSON file over 256 MiB: JSON is
 * parsed whole; LHÉO streams and has no such limit), JALON_ENOMEM. ---- */

/* Certif Info open-data CSV (';', header Code_Diplome;Libelle_Diplome;...). */
int jtr_import_certifinfo(jtr_builder *b, const char *path, jalon_error **err);
/* Formacode thesaurus as shipped with LHÉO (FCod-utf-8.csv, ';', no header). */
int jtr_import_formacode(jtr_builder *b, const char *path, jalon_error **err);
/* RCO apprenticeship catalogue JSON (array of actions; joined on id_certifinfo,
 * so import Certif Info first: actions whose code is unknown are rejected). */
int jtr_import_rco(jtr_builder *b, const char *path, jalon_error **err);
/* LHÉO 2.x XML, streamed with libxml2's xmlTextReader (bounded memory). */
int jtr_import_lheo(jtr_builder *b, const char *path, jalon_error **err);
int jtr_import_lheo_memory(jtr_builder *b, const char *data, size_t len, const char *name,
                           jalon_error **err);
/* Jalon catalogue JSON (docs/catalogue-format.md) and Intercarif formation JSON. */
int jtr_import_json(jtr_builder *b, const char *path, jalon_error **err);
int jtr_import_json_memory(jtr_builder *b, const char *data, size_t len, const char *name,
                           jalon_error **err);

#endif
