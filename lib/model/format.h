/* On-disk layout of a compiled Jalon model: a header, a section table, then
 * flat little-endian arrays that are used in place from the mmap. */
#ifndef JALON_MODEL_FORMAT_H
#define JALON_MODEL_FORMAT_H

#include <stdint.h>

#define JM_MAGIC "JALONMDL"
#define JM_FORMAT_MAJOR 2u /* 2: READINGS, READING_TERMS, jm_term.bm25 */
#define JM_FORMAT_MINOR 0u
#define JM_ENDIAN_MARK 0x01020304u
#define JM_ALIGN 8u

typedef struct jm_header {
  char magic[8];
  uint16_t major, minor;
  uint32_t endian;      /* JM_ENDIAN_MARK as written by the compiler */
  uint64_t file_size;   /* whole file, header included */
  uint64_t checksum;    /* ju_checksum of bytes [sizeof header, file_size) */
  char rome_version[16];/* "v460", NUL-padded */
  uint32_t n_sections;
  uint32_t reserved;
  uint64_t built_unix;  /* build time, informational */
} jm_header;

typedef struct jm_section {
  uint32_t id;        /* enum jm_section_id */
  uint32_t elem_size; /* bytes per element; checked at open */
  uint64_t offset;    /* from the start of the file, JM_ALIGN aligned */
  uint64_t count;     /* elements */
} jm_section;

enum jm_section_id {
  JM_S_STRINGS = 1,     /* char: NUL-terminated UTF-8 strings; refs are byte offsets */
  JM_S_FICHES,          /* jm_fiche */
  JM_S_APPELS,          /* jm_appel */
  JM_S_ITEMS,           /* jm_item: competences, savoir-être, savoirs */
  JM_S_FICHE_ITEMS,     /* jm_fiche_item, grouped by fiche */
  JM_S_MOBILITY,        /* jm_mobility, grouped by fiche */
  JM_S_TERMS,           /* jm_term: folded words of the vocabulary */
  JM_S_TERM_HASH,       /* uint32_t: open addressing, term index + 1, 0 = empty */
  JM_S_STEMS,           /* jm_stem */
  JM_S_STEM_HASH,       /* uint32_t, as TERM_HASH */
  JM_S_FICHE_POST,      /* jm_posting: per stem, fiches whose document holds it */
  JM_S_FORMS,           /* jm_form: one matchable written form of a title */
  JM_S_FORM_TERMS,      /* uint32_t term ids of the forms, in order */
  JM_S_FORM_POST,       /* uint32_t form ids, per stem */
  JM_S_TRIE_NODES,      /* jm_trie_node; node 0 is the root */
  JM_S_TRIE_EDGES,      /* jm_trie_edge, sorted by stem within a node */
  JM_S_TRIE_FORMS,      /* uint32_t form ids ending at a node */
  JM_S_STOPWORDS,       /* uint32_t term ids of stop-words, sorted */
  JM_S_FICHE_ORDER,     /* uint32_t fiche ids sorted by code, for lookup */
  JM_S_FUZZY_PHON,      /* jm_key: phonetic key hash -> term, sorted */
  JM_S_FUZZY_DEL,       /* jm_key: hash of a term or a one-letter deletion of it -> term, sorted */
  JM_S_CUES,            /* char: the cue patterns source (models/cues/cues.txt), NUL-terminated */
  JM_S_ITEM_TERMS,      /* uint32_t: content term ids of each item label, in order */
  JM_S_ITEM_TERM_FIRST, /* uint32_t: n_items + 1 offsets into ITEM_TERMS */
  JM_S_CLEA_SUBS,       /* jm_clea_sub: the CléA sub-domains, from the referential CSV */
  JM_S_CLEA_SRC,        /* char: models/clea/clea.txt, NUL-terminated (empty: no CléA cues) */
  JM_S_ITEM_CLEA,       /* uint32_t per item: mask of CléA sub-domains its label gives evidence of */
  JM_S_SOFT_SRC,        /* char: models/softskills/softskills.txt, NUL-terminated (may be empty) */
  JM_S_READINGS,        /* jm_reading, sorted by term: models/text/readings.txt */
  JM_S_READING_TERMS,   /* uint32_t: the content term ids each reading stands for */
  JM_S_COUNT_
};

enum jm_item_kind { JM_ITEM_SAVOIR_FAIRE = 1, JM_ITEM_SAVOIR_ETRE = 2, JM_ITEM_SAVOIR = 3 };
enum jm_core { JM_CORE_NONE = 0, JM_CORE_PRINCIPALE = 1, JM_CORE_EMERGENTE = 2 };
enum jm_form_kind {
  JM_FORM_MASC = 0,   /* masculine long appellation */
  JM_FORM_FEM = 1,    /* feminine long appellation */
  JM_FORM_SHORT = 2,  /* libelle_appellation_court, either gender */
  JM_FORM_FICHE = 3   /* the fiche title itself (no appellation) */
};

typedef struct jm_fiche {
  uint32_t code;        /* string refs */
  uint32_t label;
  uint32_t parent;      /* parent code string (== code for the 532 parents) */
  uint32_t grand_domaine, grand_domaine_label;
  uint32_t domaine_pro, domaine_pro_label;
  uint32_t definition;  /* sentences of unix_texte "definition", joined */
  uint32_t access;      /* "acces_metier" sentences, joined */
  uint32_t appel_first, appel_count;
  uint32_t item_first, item_count;
  uint32_t mob_first, mob_count;
  uint32_t parent_fiche;/* fiche index of the parent */
  float doc_len;        /* field-weighted length of the retrieval document */
} jm_fiche;

typedef struct jm_appel {
  uint32_t code_ogr;
  uint32_t label;       /* long label as published, with the gender slash */
  uint32_t label_short;
  uint32_t fiche;
  uint8_t peu_usite;
  uint8_t principale;   /* classification PRINCIPALE */
  uint16_t pad;
} jm_appel;

typedef struct jm_item {
  uint32_t code_ogr;
  uint32_t label;
  uint8_t kind;         /* jm_item_kind */
  uint8_t pad[3];
} jm_item;

typedef struct jm_fiche_item {
  uint32_t item;
  uint8_t core;         /* jm_core */
  uint8_t pad[3];
} jm_fiche_item;

typedef struct jm_mobility {
  uint32_t target;      /* fiche index */
  uint32_t rank;        /* numero_ordre */
} jm_mobility;

typedef struct jm_term {
  uint32_t str;
  uint32_t stem;        /* stem index */
  uint32_t bm25;        /* stem index in the fiche documents: the stem, or for an
                           agent noun whose stem is shared with other words
                           ("développeur", "développement"), a stem of its own */
} jm_term;

typedef struct jm_stem {
  uint32_t str;
  uint32_t post_first, post_count;   /* into FICHE_POST */
  uint32_t fpost_first, fpost_count; /* into FORM_POST */
  float idf;            /* over fiche documents */
  float form_idf;       /* over title forms */
} jm_stem;

typedef struct jm_posting {
  uint32_t fiche;
  float tf;             /* field-weighted term frequency */
} jm_posting;

typedef struct jm_form {
  uint32_t fiche;
  uint32_t appel;       /* appellation index, UINT32_MAX for JM_FORM_FICHE */
  uint32_t term_first;  /* into FORM_TERMS */
  uint16_t n_terms;     /* content words (stop-words removed) */
  uint8_t kind;         /* jm_form_kind */
  uint8_t peu_usite;
  float idf_sum;        /* sum of form_idf of its stems */
} jm_form;

/* A word read as other words of the ROME ("developer" as "développeur",
 * "php" as "web") wherever no title phrase of the ROME writes it. */
typedef struct jm_reading {
  uint32_t term;        /* the word as written */
  uint32_t first;       /* into READING_TERMS */
  uint32_t count;
} jm_reading;

typedef struct jm_key {
  uint32_t hash;        /* jt_fuzzy_hash of the key */
  uint32_t term;
} jm_key;

typedef struct jm_clea_sub {
  uint32_t code;          /* "1-1" */
  uint32_t label;         /* sub-domain label */
  uint32_t domain_label;
  uint8_t domain;         /* 1..7 */
  uint8_t unverified;     /* label marked unverified in the source referential */
  uint16_t pad;
} jm_clea_sub;

typedef struct jm_trie_node {
  uint32_t edge_first, edge_count;
  uint32_t form_first, form_count;
} jm_trie_node;

typedef struct jm_trie_edge {
  uint32_t stem;
  uint32_t node;
} jm_trie_edge;

#endif
