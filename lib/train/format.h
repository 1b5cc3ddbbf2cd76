/* On-disk layout of a compiled training catalogue: the model's discipline
 * (header with magic, version, size, checksum; 8-aligned flat sections used
 * in place from a read-only mmap) with its own magic and sections. */
#ifndef JALON_TRAIN_FORMAT_H
#define JALON_TRAIN_FORMAT_H

#include <stdint.h>

#include "model/format.h" /* jm_header, jm_section: same header layout */

#define JCA_MAGIC "JALONCAT"
#define JCA_FORMAT_MAJOR 1u
#define JCA_FORMAT_MINOR 0u
#define JCA_NONE UINT32_MAX

enum jca_section_id {
  JCA_S_STRINGS = 1,   /* char; ref 0 is "" and means absent */
  JCA_S_CERTS,         /* jca_cert */
  JCA_S_CERT_ROME,     /* jca_code: ROME codes of the certifications, by cert */
  JCA_S_ROME_INDEX,    /* jca_rome_ref sorted by code, then cert */
  JCA_S_SESSIONS,      /* jca_session, grouped by cert */
  JCA_S_FORMACODES,    /* jca_formacode sorted by code */
  JCA_S_FC_CERTS,      /* uint32_t cert ids, by formacode */
  JCA_S_STEMS,         /* jca_stem: stems of the Formacode words */
  JCA_S_STEM_HASH,     /* uint32_t: open addressing on ju_hash_bytes, stem index + 1, 0 = empty */
  JCA_S_STEM_POST,     /* uint32_t formacode ids, by stem */
  JCA_S_DEPTS,         /* jca_dept sorted by code: department -> region */
  JCA_S_COUNT_
};

typedef struct jca_code { char code[8]; } jca_code; /* NUL-padded */

typedef struct jca_cert {
  uint32_t certifinfo, title, type, rncp, rs, certifier; /* string refs */
  uint32_t formacode[5];  /* numeric Formacode codes, 0 = none */
  uint32_t rome_first;    /* into CERT_ROME */
  uint32_t sess_first, sess_count;
  uint8_t n_rome;
  uint8_t level;          /* European level, 0 = unknown */
  uint8_t flags;          /* jtr_cert_flags */
  uint8_t clea;           /* CléA domains addressed: bit d-1 for domain d */
} jca_cert;

typedef struct jca_rome_ref { char code[8]; uint32_t cert; uint32_t pad; } jca_rome_ref;

typedef struct jca_session {
  uint32_t cert;
  uint32_t id, organisation, siret, city, postcode, insee, url; /* string refs */
  char department[4], region[4];  /* NUL-padded, "" = unknown */
  float lat, lon;
  uint32_t start, end;    /* YYYYMMDD, 0 = unknown */
  uint32_t hours;
  uint32_t funding;       /* jtr_funding */
  uint8_t has_coords;
  int8_t distance;        /* 1 distance learning, 0 on site, -1 unknown */
  uint16_t pad;
} jca_session;

typedef struct jca_formacode {
  uint32_t code;
  uint32_t label;
  uint32_t cert_first, cert_count; /* into FC_CERTS */
} jca_formacode;

typedef struct jca_stem {
  uint32_t str;
  uint32_t post_first, post_count; /* into STEM_POST */
  float idf;                       /* over Formacode entries */
} jca_stem;

typedef struct jca_dept { char code[4]; char region[4]; } jca_dept;

#endif
