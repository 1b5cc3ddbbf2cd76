/* Jalon public API: read a job seeker's French text, rank ROME job fiches.
 * This umbrella header is the only one integrators include. */
#ifndef JALON_H
#define JALON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(JALON_BUILDING) && defined(__GNUC__)
#define JALON_EXPORT __attribute__((visibility("default")))
#else
#define JALON_EXPORT
#endif

#define JALON_VERSION_MAJOR 0
#define JALON_VERSION_MINOR 1
#define JALON_VERSION_PATCH 0
#define JALON_VERSION_STRING "0.1.0"
#define JALON_VERSION_NUMBER \
  ((JALON_VERSION_MAJOR * 10000) + (JALON_VERSION_MINOR * 100) + JALON_VERSION_PATCH)

/* Documented limits. Texts longer than JALON_MAX_TEXT_BYTES are refused
 * with JALON_ETOOBIG rather than silently truncated. */
#define JALON_MAX_TEXT_BYTES (64u * 1024u)
#define JALON_MAX_TITLE_BYTES 1024u
#define JALON_MAX_JOBS 50u
#define JALON_DEFAULT_JOBS 10u
#define JALON_MAX_EVIDENCE 8u
/* Trainings per diagnosis: default and limit; sessions kept per training. */
#define JALON_DEFAULT_TRAININGS 5u
#define JALON_MAX_TRAININGS 50u
#define JALON_MAX_SESSIONS 3u

/* Error codes: 0 is success, failures are negative. */
enum jalon_status {
  JALON_OK = 0,
  JALON_EINVAL = -1,   /* bad argument (NULL where not allowed, bad option) */
  JALON_ENOMEM = -2,   /* allocation failed; nothing was leaked */
  JALON_EIO = -3,      /* file could not be opened, read or written */
  JALON_EFORMAT = -4,  /* a model or catalogue file (or a catalogue source) is corrupt or of another format */
  JALON_EVERSION = -5, /* model or catalogue format version not supported by this library */
  JALON_EUTF8 = -6,    /* input text is not valid UTF-8 */
  JALON_ETOOBIG = -7,  /* input exceeds a documented limit */
  JALON_EEMPTY = -8,   /* input text holds no word */
  JALON_EJSON = -9,    /* request JSON malformed or of the wrong shape */
  JALON_ENOTFOUND = -10, /* no model found on the search path, unknown code */
  JALON_EDATA = -11,   /* source data for the model compiler is unusable */
  JALON_EICU = -12,    /* ICU or libstemmer could not be initialised */
  JALON_EINTERNAL = -13
};

typedef struct jalon_model jalon_model;
typedef struct jalon_workspace jalon_workspace;
typedef struct jalon_result jalon_result;
typedef struct jalon_error jalon_error;

/* ---- version and errors (thread-safe, no allocation) ---- */

/* Run-time version string, e.g. "0.1.0". Static storage. */
JALON_EXPORT const char *jalon_version(void);
/* Run-time version number, JALON_VERSION_NUMBER of the linked library. */
JALON_EXPORT unsigned jalon_version_number(void);
/* Machine name of a status code as written in JSON error responses
 * ("invalid_utf8", "not_found"...). Static storage; never NULL. */
JALON_EXPORT const char *jalon_status_name(int status);
/* Short English description of a status code. Static storage; never NULL. */
JALON_EXPORT const char *jalon_strerror(int status);

/* Detailed errors: functions taking `jalon_error **err` store a newly
 * allocated error there on failure when err is not NULL (caller frees with
 * jalon_error_free). On success *err is left untouched. */
JALON_EXPORT int jalon_error_code(const jalon_error *e);
/* English message for developers. Borrowed: valid until jalon_error_free. */
JALON_EXPORT const char *jalon_error_message(const jalon_error *e);
/* Plain-French message meant for a person. Borrowed, as above. */
JALON_EXPORT const char *jalon_error_message_fr(const jalon_error *e);
/* NULL-safe. */
JALON_EXPORT void jalon_error_free(jalon_error *e);

/* Frees strings returned by the library (JSON output). NULL-safe. */
JALON_EXPORT void jalon_free(void *p);

/* ---- model ---- */

/* Opens a compiled model read-only (mmap, or read() where mmap fails).
 * path NULL: look in $JALON_MODEL (read with secure_getenv), then the
 * build directory the library was built in, then the install datadir.
 * The model is immutable: any number of threads may use one model at once.
 * Ownership: *out is the caller's, freed with jalon_model_free after every
 * workspace made from it is freed. Thread-safe. */
JALON_EXPORT int jalon_model_open(jalon_model **out, const char *path, jalon_error **err);
/* NULL-safe. */
JALON_EXPORT void jalon_model_free(jalon_model *m);
/* Path the model was opened from. Borrowed, valid until jalon_model_free. */
JALON_EXPORT const char *jalon_model_path(const jalon_model *m);
/* ROME release the model was compiled from, e.g. "v460". Borrowed. */
JALON_EXPORT const char *jalon_model_rome_version(const jalon_model *m);
/* Checksum of the model file as 16 hex digits. Borrowed. */
JALON_EXPORT const char *jalon_model_checksum(const jalon_model *m);
/* Number of ROME fiches in the model. */
JALON_EXPORT size_t jalon_model_fiche_count(const jalon_model *m);

/* ---- workspace: mutable per-thread state (ICU iterators, stemmer, scratch) ---- */

/* One workspace serves one thread at a time; make one per thread.
 * Borrows the model, which must outlive it. */
JALON_EXPORT int jalon_workspace_new(jalon_workspace **out, const jalon_model *m, jalon_error **err);
/* NULL-safe. */
JALON_EXPORT void jalon_workspace_free(jalon_workspace *ws);

/* ---- training catalogue: certifications and sessions (jalon catalogue build) ---- */

typedef struct jalon_catalogue jalon_catalogue;

/* Opens a compiled training catalogue read-only (mmap). path NULL: the
 * JALON_CATALOGUE environment variable, then the build directory, then the
 * install datadir. Errors as for jalon_model_open (JALON_ENOTFOUND,
 * JALON_EIO, JALON_EFORMAT for a truncated or corrupt file, JALON_EVERSION).
 * Immutable once open: share it between threads. Free with
 * jalon_catalogue_free after every result that used it. */
JALON_EXPORT int jalon_catalogue_open(jalon_catalogue **out, const char *path, jalon_error **err);
JALON_EXPORT void jalon_catalogue_free(jalon_catalogue *c); /* NULL-safe */
JALON_EXPORT const char *jalon_catalogue_path(const jalon_catalogue *c);
/* Header checksum as 16 hex digits (borrowed). */
JALON_EXPORT const char *jalon_catalogue_checksum(const jalon_catalogue *c);
JALON_EXPORT size_t jalon_catalogue_certification_count(const jalon_catalogue *c);
JALON_EXPORT size_t jalon_catalogue_session_count(const jalon_catalogue *c);

/* Diagnoses made with ws also recommend trainings from cat (NULL: none).
 * cat is borrowed: it must outlive ws and every result made with it. Call
 * it from the thread that owns ws. Returns 0 or JALON_EINVAL. */
JALON_EXPORT int jalon_workspace_set_catalogue(jalon_workspace *ws, const jalon_catalogue *cat);

/* Where the person is, to choose training sessions near them. Every field
 * is optional: NULL strings, has_coords 0, radius_km 0 (= 50 km). */
typedef struct jalon_place {
  const char *department; /* "31", "2A", "974" */
  const char *region;     /* INSEE region code, "76" */
  int has_coords;
  double lat, lon;
  double radius_km;
} jalon_place;

/* Trainings leading to one ROME job, as JSON ({"rome","trainings":[...]},
 * the items shaped as in a diagnosis): the direct lookup of `jalon
 * trainings --rome`. m (may be NULL) adds the fiche label. place and after
 * ("YYYY-MM-DD", may be NULL) filter sessions as in a diagnosis; max 0 =
 * default (JALON_DEFAULT_TRAININGS). *out freed with jalon_free.
 * JALON_ENOTFOUND when m is given and does not know the code. Thread-safe. */
JALON_EXPORT int jalon_catalogue_lookup_json(char **out, const jalon_catalogue *c, const jalon_model *m,
                                             const char *rome, const jalon_place *place, const char *after,
                                             unsigned max, jalon_error **err);

/* ---- diagnosis ---- */

typedef struct jalon_diagnose_options {
  unsigned version;    /* JALON_DIAGNOSE_OPTIONS_VERSION (1 still accepted: no target) */
  const char *title;   /* optional job title typed apart from the text (UTF-8) */
  size_t title_len;    /* bytes of title; ignored when title is NULL */
  unsigned max_jobs;   /* results wanted, 1..JALON_MAX_JOBS; 0 = default */
  const char *id;      /* optional opaque request id, echoed in JSON */
  /* version 2 */
  const char *target;  /* ROME code of the job aimed at ("J1501"), NUL-terminated;
                          NULL: the best aspiration read in the text */
  unsigned flags;      /* JALON_DIAGNOSE_* flags, 0 = the whole diagnosis */
  /* version 3: trainings (used when the workspace has a catalogue) */
  const jalon_place *place; /* where the person is; NULL: anywhere */
  const char *after;   /* "YYYY-MM-DD": sessions starting on or after it; NULL: any date */
  unsigned max_trainings; /* 1..JALON_MAX_TRAININGS; 0 = default */
} jalon_diagnose_options;

/* Rank jobs only: no roles, gap, soft skills or CléA profile (a search box,
 * a job offer classifier, the matching benchmark). */
#define JALON_DIAGNOSE_MATCH_ONLY 1u
/* No training recommendations even when the workspace has a catalogue. */
#define JALON_DIAGNOSE_NO_TRAININGS 2u

#define JALON_DIAGNOSE_OPTIONS_VERSION 3
#define JALON_DIAGNOSE_OPTIONS_INIT {JALON_DIAGNOSE_OPTIONS_VERSION, NULL, 0, 0, NULL, NULL, 0, NULL, NULL, 0}

/* Diagnoses `len` bytes of UTF-8 `text` (not NUL-terminated necessarily).
 * opts may be NULL (defaults). On success *out is a new result owned by the
 * caller (jalon_result_free); it does not borrow text, the workspace or the
 * options, but borrows the model for its labels. The workspace must not be
 * used by another thread during the call. */
JALON_EXPORT int jalon_diagnose(jalon_result **out, jalon_workspace *ws, const char *text,
                                size_t len, const jalon_diagnose_options *opts,
                                jalon_error **err);
/* NULL-safe. */
JALON_EXPORT void jalon_result_free(jalon_result *r);

/* Ranked jobs, best first. Strings are borrowed from the model or the result
 * and stay valid until both are freed. Index out of range gives NULL / 0. */
JALON_EXPORT size_t jalon_result_job_count(const jalon_result *r);
JALON_EXPORT const char *jalon_result_job_code(const jalon_result *r, size_t i);
JALON_EXPORT const char *jalon_result_job_parent(const jalon_result *r, size_t i);
JALON_EXPORT const char *jalon_result_job_label(const jalon_result *r, size_t i);
JALON_EXPORT double jalon_result_job_score(const jalon_result *r, size_t i);
/* Appellation (job title) that matched best; NULL when none did. */
JALON_EXPORT const char *jalon_result_job_appellation(const jalon_result *r, size_t i);
JALON_EXPORT const char *jalon_result_job_appellation_code(const jalon_result *r, size_t i);
/* Evidence spans: byte offsets into the text passed to jalon_diagnose
 * (end exclusive). Spans in the title are not reported as evidence. */
JALON_EXPORT size_t jalon_result_job_evidence_count(const jalon_result *r, size_t i);
JALON_EXPORT int jalon_result_job_evidence(const jalon_result *r, size_t i, size_t k,
                                           size_t *start, size_t *end);
/* Confidence: score margin between the first two jobs, and whether the text
 * was too thin to decide (then the job list may be empty). */
JALON_EXPORT double jalon_result_margin(const jalon_result *r);
JALON_EXPORT int jalon_result_abstain(const jalon_result *r);

/* Roles read from cue phrases ("j'ai été", "je voudrais", "je ne veux plus"). */
enum jalon_role {
  JALON_ROLE_NEUTRAL = 0,    /* no cue: a bare title, a job offer */
  JALON_ROLE_EXPERIENCE = 1, /* a job held */
  JALON_ROLE_ASPIRATION = 2, /* a job wanted */
  JALON_ROLE_EXCLUDED = 3    /* a job no longer wanted: never an aspiration */
};
/* Role of overall job i, and the experience in months read for it (0 when
 * no duration was written). */
JALON_EXPORT int jalon_result_job_role(const jalon_result *r, size_t i);
JALON_EXPORT unsigned jalon_result_job_months(const jalon_result *r, size_t i);
/* Jobs found in the clauses of one role (EXPERIENCE, ASPIRATION, EXCLUDED),
 * best first, at most 5. Strings borrowed as above. */
JALON_EXPORT size_t jalon_result_role_count(const jalon_result *r, int role);
JALON_EXPORT const char *jalon_result_role_code(const jalon_result *r, int role, size_t i);
JALON_EXPORT double jalon_result_role_score(const jalon_result *r, int role, size_t i);
JALON_EXPORT unsigned jalon_result_role_months(const jalon_result *r, int role, size_t i);

/* Skill gap towards the target job (the request's target, else the best
 * aspiration). jalon_result_gap_target is NULL when there is no target.
 * Score: 0 = nothing missing, 1 = everything missing. */
JALON_EXPORT const char *jalon_result_gap_target(const jalon_result *r);
JALON_EXPORT double jalon_result_gap_score(const jalon_result *r);
/* Competences of the target held (held != 0) or missing (held == 0), most
 * important first: ROME item code, label, kind ("savoir_faire",
 * "savoir_etre", "savoir") and whether it is core to the job. */
JALON_EXPORT size_t jalon_result_gap_count(const jalon_result *r, int held);
JALON_EXPORT int jalon_result_gap_item(const jalon_result *r, int held, size_t i, unsigned *code,
                                       const char **label, const char **kind, int *core);

/* CléA basic-skills profile, domain 1..7. Status is JALON_CLEA_UNKNOWN,
 * _ACQUIRED or _TO_DEVELOP, or -1 when the model has no CléA sources. The
 * score (0..1) says how sure it is that the person holds the domain; 0.5
 * when nothing was found. The label is borrowed from the model. */
enum jalon_clea_status { JALON_CLEA_UNKNOWN = 0, JALON_CLEA_ACQUIRED = 1, JALON_CLEA_TO_DEVELOP = 2 };
JALON_EXPORT int jalon_result_clea_status(const jalon_result *r, int domain);
JALON_EXPORT double jalon_result_clea_score(const jalon_result *r, int domain);
JALON_EXPORT const char *jalon_result_clea_label(const jalon_result *r, int domain);
/* 1 when the domain's status rests on the text itself, 0 when it comes only
 * from the jobs held (or nothing). */
JALON_EXPORT int jalon_result_clea_from_text(const jalon_result *r, int domain);

/* Recommended trainings, best first (empty without a catalogue). Strings
 * are borrowed from the catalogue. reason: "target" (leads to the target
 * job), "gap" (its training field covers missing competences) or
 * "basic_skills" (addresses CléA domains to develop). */
JALON_EXPORT size_t jalon_result_training_count(const jalon_result *r);
JALON_EXPORT const char *jalon_result_training_title(const jalon_result *r, size_t i);
/* Certif Info code, else RNCP/RS code; may be NULL. */
JALON_EXPORT const char *jalon_result_training_id(const jalon_result *r, size_t i);
JALON_EXPORT double jalon_result_training_score(const jalon_result *r, size_t i);
JALON_EXPORT const char *jalon_result_training_reason(const jalon_result *r, size_t i);
/* Sessions kept for training i (nearest and soonest first, at most
 * JALON_MAX_SESSIONS). start/end are YYYYMMDD (0 = unknown); distance 1 for
 * distance learning, 0 on site, -1 unknown; km from the person's point
 * (-1 when either has no coordinates). Any output pointer may be NULL. */
JALON_EXPORT size_t jalon_result_training_session_count(const jalon_result *r, size_t i);
JALON_EXPORT int jalon_result_training_session(const jalon_result *r, size_t i, size_t k,
                                               const char **organisation, const char **city,
                                               const char **department, unsigned *start, unsigned *end,
                                               int *distance, double *km);

/* Misspelt words read as model words ("did you mean"): byte span in the text
 * and the word used (borrowed from the model). */
JALON_EXPORT size_t jalon_result_correction_count(const jalon_result *r);
JALON_EXPORT int jalon_result_correction(const jalon_result *r, size_t k, size_t *start, size_t *end,
                                         const char **to);

/* Response JSON (DESIGN.md contract). *out is a NUL-terminated string owned
 * by the caller, freed with jalon_free. pretty != 0 indents it. */
JALON_EXPORT int jalon_result_to_json(char **out, const jalon_result *r, int pretty,
                                      jalon_error **err);

/* JSON in, JSON out: parses a request (DESIGN.md), diagnoses, and writes the
 * response. Request errors (malformed JSON, wrong types, invalid UTF-8, empty
 * or oversized text) still produce a response: an error object
 * {"id","error":{"code","message"}}, and the function returns the status.
 * *out is always set unless allocation fails (then JALON_ENOMEM, *out NULL).
 * Freed with jalon_free. Same threading rule as jalon_diagnose. */
JALON_EXPORT int jalon_diagnose_json(char **out, jalon_workspace *ws, const char *request,
                                     size_t len, jalon_error **err);

/* The response as a stream of events instead of text: the same document,
 * members in the same order, for callers that build their own objects from
 * it (language bindings) and would otherwise write then re-read JSON.
 * Strings are UTF-8 of `len` bytes, not NUL-terminated, valid only during the
 * callback. Whole numbers come through `integer`, others through `number`,
 * exactly as the JSON text writes them (a score of 1 is the integer 1).
 * Every callback must be set; each returns 0 to go on, anything else stops
 * the walk, and that value is returned. */
typedef struct jalon_visitor {
  int (*begin_object)(void *user);
  int (*end_object)(void *user);
  int (*begin_array)(void *user);
  int (*end_array)(void *user);
  int (*key)(void *user, const char *key, size_t len);
  int (*string)(void *user, const char *s, size_t len);
  int (*integer)(void *user, long long v);
  int (*number)(void *user, double v);
  int (*boolean)(void *user, int v);
  int (*null)(void *user);
} jalon_visitor;

/* The document jalon_result_to_json writes, as events. Returns 0,
 * JALON_EINVAL (NULL argument, unset callback), JALON_EINTERNAL (an
 * inconsistent result: a bug) or a callback's non-zero value; on failure the
 * events stop where it happened and what was received should be dropped. */
JALON_EXPORT int jalon_result_visit(const jalon_result *r, const jalon_visitor *v, void *user,
                                    jalon_error **err);

/* jalon_diagnose_json with the response as events. A refused request still
 * produces its error object as events, and its status is returned; a
 * response cut short (a callback's failure, JALON_EINTERNAL) is not followed
 * by anything: the caller drops the partial events and reads *err. */
JALON_EXPORT int jalon_diagnose_visit(jalon_workspace *ws, const char *request, size_t len,
                                      const jalon_visitor *v, void *user, jalon_error **err);

/* ---- the ROME fiche (borrowed strings, valid until jalon_model_free) ---- */

/* Index of a fiche by its code ("J1501"), or -1. */
JALON_EXPORT long jalon_model_find_fiche(const jalon_model *m, const char *code);
JALON_EXPORT const char *jalon_model_fiche_code(const jalon_model *m, size_t fiche);
JALON_EXPORT const char *jalon_model_fiche_label(const jalon_model *m, size_t fiche);
JALON_EXPORT const char *jalon_model_fiche_parent(const jalon_model *m, size_t fiche);
/* Fiche description as JSON (code, label, domains, appellations,
 * competences, mobility). *out freed with jalon_free. */
JALON_EXPORT int jalon_model_fiche_json(char **out, const jalon_model *m, const char *code,
                                        jalon_error **err);

#ifdef __cplusplus
}
#endif
#endif
