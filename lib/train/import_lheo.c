/* LHÉO 2.x importer: streams an offer export through libxml2's xmlTextReader
 * into the catalogue builder, holding one <formation> at a time. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/xmlreader.h>

#include "text/tokenize.h"
#include "train/build.h"
#include "train/import_util.h"
#include "util/error.h"
#include "util/vec.h"

/* Limits. A field longer than LH_FIELD_MAX is cut (at a UTF-8 boundary):
 * titles, codes and names are far shorter, and the long texts (objectif,
 * contenu) are never captured. The pool holds the kept strings of one
 * formation; past LH_POOL_MAX, or past LH_MAX_RECORDS actions + sessions,
 * the formation is rejected, so one absurd record cannot take the memory a
 * streamed import is meant to keep bounded. libxml2 itself caps the depth
 * at 256 and a text node at 10 MB (no XML_PARSE_HUGE). */
#define LH_FIELD_MAX 4096
#define LH_POOL_MAX (16u << 20)
#define LH_MAX_RECORDS 100000
#define LH_DEPTH 300

/* Element local names the importer looks at; everything else is T_OTHER. */
enum lh_tag {
  T_OTHER, T_LHEO, T_OFFRES, T_FORMATION, T_DOMAINE, T_FORMACODE, T_ROME, T_TITLE, T_CERTIFIANTE,
  T_CERTIFICATION, T_RNCP, T_CERTIFINFO, T_RS, T_NIVEAU_SORTIE, T_URL_FORMATION, T_URL_ACTION,
  T_URLWEB, T_ACTION, T_MODALITES, T_LIEU, T_COORDONNEES, T_NOM, T_ADRESSE, T_VILLE, T_CODEPOSTAL,
  T_DEPARTEMENT, T_INSEE, T_REGION, T_GEOLOC, T_LATITUDE, T_LONGITUDE, T_HEURES, T_FORMATEUR,
  T_RAISON_FORMATEUR, T_SIRET_FORMATEUR, T_SIRET, T_FINANCEUR, T_CODE_FINANCEUR, T_SESSION,
  T_PERIODE, T_DEBUT, T_FIN, T_INSCRIPTION, T_EXTRAS, T_RESPONSABLE, T_NOM_ORGANISME,
  T_RAISON_SOCIALE, T_SIRET_ORGANISME
};

/* leaf: the element's text is captured. Lengths first: comparing them
 * skips nearly every strcmp of the lookup, which runs for each element. */
#define TAG(name, tag, leaf) {name, sizeof name - 1, tag, leaf}
static const struct { const char *name; unsigned char len, tag, leaf; } tags[] = {
  TAG("lheo", T_LHEO, 0), TAG("offres", T_OFFRES, 0), TAG("formation", T_FORMATION, 0),
  TAG("domaine-formation", T_DOMAINE, 0), TAG("code-FORMACODE", T_FORMACODE, 1),
  TAG("code-ROME", T_ROME, 1), TAG("intitule-formation", T_TITLE, 1),
  TAG("certifiante", T_CERTIFIANTE, 1), TAG("certification", T_CERTIFICATION, 0),
  TAG("code-RNCP", T_RNCP, 1), TAG("code-CERTIFINFO", T_CERTIFINFO, 1), TAG("code-RS", T_RS, 1),
  TAG("code-niveau-sortie", T_NIVEAU_SORTIE, 1), TAG("url-formation", T_URL_FORMATION, 0),
  TAG("url-action", T_URL_ACTION, 0), TAG("urlweb", T_URLWEB, 1), TAG("action", T_ACTION, 0),
  TAG("modalites-enseignement", T_MODALITES, 1), TAG("lieu-de-formation", T_LIEU, 0),
  TAG("coordonnees", T_COORDONNEES, 0), TAG("nom", T_NOM, 1), TAG("adresse", T_ADRESSE, 0),
  TAG("ville", T_VILLE, 1), TAG("codepostal", T_CODEPOSTAL, 1), TAG("departement", T_DEPARTEMENT, 1),
  TAG("code-INSEE-commune", T_INSEE, 1), TAG("region", T_REGION, 1),
  TAG("geolocalisation", T_GEOLOC, 0), TAG("latitude", T_LATITUDE, 1),
  TAG("longitude", T_LONGITUDE, 1), TAG("nombre-heures-total", T_HEURES, 1),
  TAG("organisme-formateur", T_FORMATEUR, 0), TAG("raison-sociale-formateur", T_RAISON_FORMATEUR, 1),
  TAG("SIRET-formateur", T_SIRET_FORMATEUR, 0), TAG("SIRET", T_SIRET, 1),
  TAG("organisme-financeur", T_FINANCEUR, 0), TAG("code-financeur", T_CODE_FINANCEUR, 1),
  TAG("session", T_SESSION, 0), TAG("periode", T_PERIODE, 0), TAG("debut", T_DEBUT, 1),
  TAG("fin", T_FIN, 1), TAG("adresse-inscription", T_INSCRIPTION, 0), TAG("extras", T_EXTRAS, 0),
  TAG("organisme-formation-responsable", T_RESPONSABLE, 0), TAG("nom-organisme", T_NOM_ORGANISME, 1),
  TAG("raison-sociale", T_RAISON_SOCIALE, 1), TAG("SIRET-organisme-formation", T_SIRET_ORGANISME, 0),
};

/* A kept string: offset into the formation's pool, 0 = not given. */
typedef uint32_t lh_str;

typedef struct lh_place {
  lh_str name, city, postcode, insee, department, region, lat, lon;
  long coord_line;
} lh_place;

typedef struct lh_action {
  lh_str id, url, formateur, formateur_siret;
  int has_formateur, has_place;
  lh_place place;
  unsigned hours, funding;
  int distance;
  long line;
} lh_action;

typedef struct lh_session {
  lh_str id, start, end;
  unsigned hours, funding;
  lh_place reg; /* adresse-inscription: the place when the action gives none */
  size_t action;
  long line;
} lh_session;

typedef struct lh_formation {
  lh_str id, title, url, certifinfo, rncp, rs, resp_name, resp_raison, resp_siret;
  lh_str fc_main[JTR_MAX_FORMACODE], fc_other[JTR_MAX_FORMACODE], rome[JTR_MAX_ROME];
  int n_main, n_other, n_rome;
  int level, certifiante; /* certifiante: -1 not given */
  int too_big;
  long line;
} lh_formation;

enum lh_target { PLACE_NONE, PLACE_ACTION, PLACE_SESSION };

typedef struct lh_ctx {
  jtr_builder *b;
  const char *name;
  xmlTextReaderPtr r;
  unsigned char stack[LH_DEPTH];
  int seen_root;
  /* text of the leaf being read */
  JU_VEC(char) text;
  int cap_tag, cap_depth, fc_principal;
  /* the formation being read */
  int in_formation, f_depth, target, target_depth, formateur_depth;
  /* Depth of the open action and session that were kept, -1 outside one: a
   * session or field counts only inside an action or session the importer
   * holds, never one it refused or one nested somewhere unexpected. */
  int action_depth, session_depth;
  lh_formation f;
  JU_VEC(lh_action) actions;
  JU_VEC(lh_session) sessions;
  JU_VEC(char) pool;
  /* outcome */
  int rc;
  jalon_error **err;
  int xml_failed, xml_nomem, io_errno;
  long xml_line;
  char xml_msg[200];
} lh_ctx;

static int tag_of(const xmlChar *name, int *leaf) {
  const char *s = (const char *)name;
  size_t n = strlen(s);
  for (size_t i = 0; i < sizeof tags / sizeof *tags; i++)
    if (tags[i].len == n && memcmp(s, tags[i].name, n) == 0) {
      *leaf = tags[i].leaf;
      return tags[i].tag;
    }
  *leaf = 0;
  return T_OTHER;
}

/* Tag of the ancestor n levels above depth (T_OTHER past the root). */
static int up(const lh_ctx *c, int depth, int n) {
  return depth - n >= 0 && depth - n < LH_DEPTH ? c->stack[depth - n] : T_OTHER;
}

/* Element lines from the node: the parser runs ahead of the reader by up to a
 * chunk. libxml2 2.9 keeps node lines in 16 bits, so past line 65534 the
 * parser's line is the best there is. */
static long node_line(xmlTextReaderPtr r) {
  xmlNodePtr n = xmlTextReaderCurrentNode(r);
  if (n && n->line > 0 && n->line < 65535) return n->line;
  return xmlTextReaderGetParserLineNumber(r);
}

/* Messages quote the source and are cut to a fixed size, which can split a
 * character: every byte that is not valid UTF-8 becomes '?'. */
static void utf8_scrub(char *s) {
  size_t n = strlen(s), bad;
  while (jt_check_utf8(s, n, &bad)) s[bad] = '?';
}

static void reject(lh_ctx *c, long line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void reject(lh_ctx *c, long line, const char *fmt, ...) {
  char where[512], why[512];
  snprintf(where, sizeof where, "%s:%ld", c->name, line);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  utf8_scrub(where);
  utf8_scrub(why);
  jtr_builder_reject(c->b, where, "%s", why);
}

static void fail_nomem(lh_ctx *c) {
  if (!c->rc) c->rc = ju_error(c->err, JALON_ENOMEM, "%s: out of memory reading LHÉO", c->name);
}

/* ---- the string pool of one formation ---- */

static void pool_reset(lh_ctx *c) {
  c->pool.n = 0;
  if (JU_PUSH(c->pool, '\0')) fail_nomem(c); /* offset 0 stays "not given" */
}

static const char *str(const lh_ctx *c, lh_str s) { return s ? c->pool.v + s : NULL; }

/* Keeps text as the value of a field. LHÉO writes "-" for a mandatory
 * element it has nothing for: that is "not given" too. */
static lh_str keep(lh_ctx *c, const char *s, size_t n) {
  if (!n || (n == 1 && s[0] == '-')) return 0;
  if (c->pool.n + n + 1 > LH_POOL_MAX) {
    c->f.too_big = 1;
    return 0;
  }
  if (ju_reserve(&c->pool.v, &c->pool.cap, c->pool.n + n + 1, 1)) {
    fail_nomem(c);
    return 0;
  }
  lh_str at = (lh_str)c->pool.n;
  memcpy(c->pool.v + c->pool.n, s, n);
  c->pool.v[c->pool.n + n] = '\0';
  c->pool.n += n + 1;
  return at;
}

static int is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

/* Trims the captured text and folds each run of white space into one space
 * (titles are often wrapped over lines). Returns its length. */
static size_t clean_text(lh_ctx *c) {
  char *t = c->text.v;
  size_t n = 0;
  int pending = 0;
  for (size_t i = 0; i < c->text.n; i++) {
    if (is_space(t[i])) {
      pending = n > 0;
      continue;
    }
    if (pending) t[n++] = ' ';
    pending = 0;
    t[n++] = t[i];
  }
  return n;
}

static void append_text(lh_ctx *c, const char *s) {
  size_t n = strlen(s), room = LH_FIELD_MAX - c->text.n;
  if (n > room) {
    n = room;
    /* Cut before a continuation byte so the field stays valid UTF-8. */
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
  }
  if (!n) return;
  if (ju_reserve(&c->text.v, &c->text.cap, c->text.n + n, 1)) {
    fail_nomem(c);
    return;
  }
  memcpy(c->text.v + c->text.n, s, n);
  c->text.n += n;
}

/* A decimal number; French exports sometimes write a decimal comma. */
static int lheo_decimal(const char *text, double *out) {
  char buf[48];
  size_t n = strlen(text);
  if (n >= sizeof buf) return -1;
  memcpy(buf, text, n + 1);
  char *comma = strchr(buf, ',');
  if (comma && !strchr(comma + 1, ',')) *comma = '.';
  return jti_decimal(buf, n, out);
}

/* A whole number of at most 9 digits (hours, dictionary codes); -1 otherwise. */
static long small_number(const char *s) {
  double v;
  if (!s || lheo_decimal(s, &v) || v < 0 || v > 999999999) return -1;
  return (long)(v + 0.5);
}

/* ---- one formation ---- */

static void formation_reset(lh_ctx *c) {
  memset(&c->f, 0, sizeof c->f);
  c->f.certifiante = -1;
  c->actions.n = 0;
  c->sessions.n = 0;
  c->target = PLACE_NONE;
  c->formateur_depth = c->action_depth = c->session_depth = -1;
  pool_reset(c);
}

static lh_action *cur_action(lh_ctx *c) { return c->actions.n ? &c->actions.v[c->actions.n - 1] : NULL; }
static lh_session *cur_session(lh_ctx *c) {
  return c->sessions.n ? &c->sessions.v[c->sessions.n - 1] : NULL;
}

static lh_place *target_place(lh_ctx *c) {
  if (c->target == PLACE_ACTION) return &cur_action(c)->place;
  if (c->target == PLACE_SESSION) return &cur_session(c)->reg;
  return NULL;
}

static int too_many(lh_ctx *c) {
  if (c->actions.n + c->sessions.n < LH_MAX_RECORDS) return 0;
  c->f.too_big = 1;
  return 1;
}

static void add_formacode(lh_ctx *c, lh_str code) {
  lh_formation *f = &c->f;
  if (!code) return;
  /* Keep every principal code first: a principal one that comes late takes
   * the place of a secondary one. */
  if (c->fc_principal && f->n_main < JTR_MAX_FORMACODE) f->fc_main[f->n_main++] = code;
  else if (!c->fc_principal && f->n_other < JTR_MAX_FORMACODE) f->fc_other[f->n_other++] = code;
}

static void place_leaf(lh_ctx *c, int tag, int parent, lh_str v) {
  lh_place *p = target_place(c);
  lh_str *field = NULL;
  if (tag == T_NOM && parent == T_COORDONNEES) field = &p->name;
  else if (parent == T_ADRESSE) {
    field = tag == T_VILLE ? &p->city : tag == T_CODEPOSTAL ? &p->postcode : tag == T_INSEE ? &p->insee
          : tag == T_DEPARTEMENT ? &p->department : tag == T_REGION ? &p->region : NULL;
  } else if (parent == T_GEOLOC && (tag == T_LATITUDE || tag == T_LONGITUDE)) {
    field = tag == T_LATITUDE ? &p->lat : &p->lon;
    p->coord_line = node_line(c->r);
  }
  if (field && !*field) *field = v;
}

/* What one leaf element means depends on where it sits. */
static void on_leaf(lh_ctx *c, int tag, int depth) {
  size_t n = clean_text(c);
  lh_str v = keep(c, c->text.v, n);
  if (c->rc) return;
  const char *s = str(c, v);
  int p = up(c, depth, 1), gp = up(c, depth, 2);
  lh_formation *f = &c->f;
  /* The action or session this leaf belongs to, when it is a direct child
   * (a) or grandchild (a2, se2) of one being held. */
  lh_action *a = c->action_depth == depth - 1 ? cur_action(c) : NULL;
  lh_action *a2 = c->action_depth == depth - 2 ? cur_action(c) : NULL;
  lh_session *se = c->session_depth == depth - 1 ? cur_session(c) : NULL;
  lh_session *se2 = c->session_depth == depth - 2 ? cur_session(c) : NULL;
  lh_action *fa = c->formateur_depth >= 0 ? cur_action(c) : NULL; /* set inside a held action only */
  int fd = depth - c->f_depth; /* 1: a child of the formation */

  if (c->target != PLACE_NONE) {
    place_leaf(c, tag, p, v);
    return;
  }
  switch (tag) {
  case T_TITLE: if (fd == 1 && !f->title) f->title = v; break;
  case T_FORMACODE: if (fd == 2 && p == T_DOMAINE) add_formacode(c, v); break;
  case T_ROME:
    if (fd == 2 && p == T_DOMAINE && v && f->n_rome < JTR_MAX_ROME) f->rome[f->n_rome++] = v;
    break;
  case T_CERTIFINFO: if (fd == 2 && p == T_CERTIFICATION && !f->certifinfo) f->certifinfo = v; break;
  case T_RNCP: if (fd == 2 && p == T_CERTIFICATION && !f->rncp) f->rncp = v; break;
  case T_RS: if (fd == 2 && p == T_CERTIFICATION && !f->rs) f->rs = v; break;
  case T_NIVEAU_SORTIE: if (fd == 1) f->level = jti_lheo_level(small_number(s)); break;
  case T_CERTIFIANTE:
    if (fd == 1 && s) f->certifiante = strcmp(s, "1") == 0 ? 1 : strcmp(s, "0") == 0 ? 0 : -1;
    break;
  case T_URLWEB:
    if (fd == 2 && p == T_URL_FORMATION && !f->url) f->url = v;
    else if (p == T_URL_ACTION && a2 && !a2->url) a2->url = v;
    break;
  case T_MODALITES: if (a) a->distance = jti_lheo_distance(small_number(s)); break;
  case T_HEURES: {
    long h = small_number(s);
    if (h < 0 || h > 100000) h = 0; /* not a number of hours: unknown */
    if (a) a->hours = (unsigned)h;
    else if (se) se->hours = (unsigned)h;
    break;
  }
  case T_CODE_FINANCEUR:
    if (p == T_FINANCEUR && a2) a2->funding |= jti_lheo_funder(small_number(s));
    break;
  case T_RAISON_FORMATEUR:
    if (fa && c->formateur_depth == depth - 1 && !fa->formateur) fa->formateur = v;
    break;
  case T_SIRET:
    if (p == T_SIRET_FORMATEUR && fa && c->formateur_depth == depth - 2) {
      if (!fa->formateur_siret) fa->formateur_siret = v;
    } else if (fd == 3 && p == T_SIRET_ORGANISME && gp == T_RESPONSABLE && !f->resp_siret) {
      f->resp_siret = v;
    }
    break;
  case T_NOM_ORGANISME: if (fd == 2 && p == T_RESPONSABLE && !f->resp_name) f->resp_name = v; break;
  case T_RAISON_SOCIALE: if (fd == 2 && p == T_RESPONSABLE && !f->resp_raison) f->resp_raison = v; break;
  case T_DEBUT:
  case T_FIN:
    if (p == T_PERIODE && se2) {
      if (tag == T_DEBUT && !se2->start) se2->start = v;
      if (tag == T_FIN && !se2->end) se2->end = v;
    }
    break;
  default: break;
  }
}

static void attr(lh_ctx *c, const char *name, lh_str *out) {
  xmlChar *v = xmlTextReaderGetAttribute(c->r, (const xmlChar *)name);
  if (!v) return;
  const char *s = (const char *)v;
  size_t n = strlen(s);
  while (n && is_space(s[n - 1])) n--;
  while (n && is_space(*s)) s++, n--;
  if (n > LH_FIELD_MAX) {
    n = LH_FIELD_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
  }
  *out = keep(c, s, n);
  xmlFree(v);
}

static int attr_is(lh_ctx *c, const char *name, const char *want) {
  xmlChar *v = xmlTextReaderGetAttribute(c->r, (const xmlChar *)name);
  int yes = v && strcmp((const char *)v, want) == 0;
  xmlFree(v);
  return yes;
}

/* Only LHÉO 2.x is read; namespaces are otherwise free (exports use
 * lheo.org/2.0 to 2.3, and platforms put their own), so a document is LHÉO
 * by its root's local name. */
static int check_root(lh_ctx *c, int tag) {
  if (tag != T_LHEO)
    return c->rc = ju_error(c->err, JALON_EFORMAT,
                            "%s:%ld: not an LHÉO document: the root element is <%s>, not <lheo>", c->name,
                            node_line(c->r), (const char *)xmlTextReaderConstLocalName(c->r));
  const char *ns = (const char *)xmlTextReaderConstNamespaceUri(c->r);
  const char *v = NULL;
  if (ns && strncmp(ns, "http://www.lheo.org/", 20) == 0) v = ns + 20;
  else if (ns && strncmp(ns, "https://www.lheo.org/", 21) == 0) v = ns + 21;
  if (v && *v && !(v[0] == '2' && (v[1] == '\0' || v[1] == '.')))
    return c->rc = ju_error(c->err, JALON_EFORMAT, "%s: LHÉO version %s is not supported (2.x only)",
                            c->name, v);
  c->seen_root = 1;
  return 0;
}

static void on_start(lh_ctx *c, int tag, int depth) {
  int p = up(c, depth, 1);
  if (tag == T_FORMATION && p == T_OFFRES && !c->in_formation) {
    formation_reset(c);
    c->in_formation = 1;
    c->f_depth = depth;
    c->f.line = node_line(c->r);
    attr(c, "numero", &c->f.id);
    return;
  }
  if (!c->in_formation) return;
  lh_action *a = c->action_depth == depth - 1 ? cur_action(c) : NULL;
  int in_session = c->session_depth == depth - 1;
  switch (tag) {
  case T_ACTION:
    if (p != T_FORMATION || c->action_depth >= 0 || too_many(c)) break;
    if (JU_PUSH(c->actions, ((lh_action){.distance = -1}))) {
      fail_nomem(c);
      break;
    }
    c->action_depth = depth;
    a = cur_action(c);
    a->line = node_line(c->r);
    attr(c, "numero", &a->id);
    break;
  case T_SESSION:
    if (!a || c->session_depth >= 0 || too_many(c)) break;
    if (JU_PUSH(c->sessions, ((lh_session){.action = c->actions.n - 1}))) {
      fail_nomem(c);
      break;
    }
    c->session_depth = depth;
    cur_session(c)->line = node_line(c->r);
    attr(c, "numero", &cur_session(c)->id);
    break;
  case T_LIEU:
    /* LHÉO 2.3 allows several places per action: the first one is kept. */
    if (a && !a->has_place && c->target == PLACE_NONE) {
      a->has_place = 1;
      c->target = PLACE_ACTION;
      c->target_depth = depth;
    }
    break;
  case T_INSCRIPTION:
    if (in_session && c->target == PLACE_NONE) {
      c->target = PLACE_SESSION;
      c->target_depth = depth;
    }
    break;
  case T_FORMATEUR:
    if (a && !a->has_formateur) {
      a->has_formateur = 1;
      c->formateur_depth = depth;
    }
    break;
  case T_EXTRAS:
    /* Any eligibility entry makes the session payable with a CPF account;
     * the entries only narrow who may use it. */
    if ((a || in_session) && attr_is(c, "info", "eligibilite-cpf")) {
      if (a) a->funding |= JTR_FUND_CPF;
      else cur_session(c)->funding |= JTR_FUND_CPF;
    }
    break;
  case T_FORMACODE:
    c->fc_principal = attr_is(c, "tag", "principal");
    break;
  default: break;
  }
}

/* ---- emitting a formation to the builder ---- */

static int place_given(const lh_place *p) {
  return p->city || p->postcode || p->insee || p->lat || p->lon;
}

/* 1 with coordinates, 0 without, -1 (after rejecting the session) when they
 * are given but unusable. */
static int coords(lh_ctx *c, const lh_place *p, long line, const char *what, jtr_session_in *s) {
  if (!p->lat && !p->lon) return 0;
  const char *la = str(c, p->lat), *lo = str(c, p->lon);
  if (!la || !lo || lheo_decimal(la, &s->lat) || lheo_decimal(lo, &s->lon) || !jti_coords_ok(s->lat, s->lon)) {
    reject(c, line, "%s skipped: bad coordinates (latitude \"%.40s\", longitude \"%.40s\", line %ld)", what,
           la ? la : "", lo ? lo : "", p->coord_line);
    return -1;
  }
  s->has_coords = 1;
  return 1;
}

/* LHÉO writes "00000000" for a date it does not know. Returns 0 and the
 * date (NULL: unknown) or -1 for text that is no date. */
static int lheo_date(const char *s, const char **out, uint32_t *ymd) {
  *out = NULL;
  *ymd = 0;
  if (!s || strcmp(s, "00000000") == 0) return 0;
  if (jtr_date_parse(s, ymd)) return -1;
  *out = s;
  return 0;
}

static int emit_session(lh_ctx *c, uint32_t cert, const lh_action *a, const lh_session *se) {
  const lh_formation *f = &c->f;
  jtr_session_in s;
  memset(&s, 0, sizeof s);
  s.cert = cert;
  long line = se ? se->line : a->line;
  char what[160];
  const char *id = str(c, se && se->id ? se->id : a->id);
  snprintf(what, sizeof what, "%s%s%s", se ? "session" : "action", id ? " " : "", id ? id : "");

  const lh_place *p = place_given(&a->place) || !se || !place_given(&se->reg) ? &a->place : &se->reg;
  if (coords(c, p, line, what, &s) < 0) return 0;
  uint32_t start = 0, end = 0;
  if (se) {
    const char *bad = lheo_date(str(c, se->start), &s.start, &start) ? str(c, se->start)
                    : lheo_date(str(c, se->end), &s.end, &end) ? str(c, se->end) : NULL;
    if (bad) {
      reject(c, line, "%s skipped: \"%.40s\" is not a date (periode wants YYYYMMDD)", what, bad);
      return 0;
    }
    if (start && end && end < start) {
      reject(c, line, "%s skipped: it ends (%s) before it starts (%s)", what, s.end, s.start);
      return 0;
    }
  }
  s.id = id;
  s.city = str(c, p->city);
  s.postcode = str(c, p->postcode);
  s.insee = str(c, p->insee);
  s.department = str(c, p->department);
  s.region = str(c, p->region);
  /* The formateur delivers the action; the responsable only answers for the
   * offer, so it speaks for the action when no formateur is named. */
  if (a->has_formateur) {
    s.organisation = str(c, a->formateur);
    s.siret = str(c, a->formateur_siret);
  }
  if (!s.organisation) s.organisation = str(c, f->resp_name ? f->resp_name : f->resp_raison);
  if (!a->has_formateur) s.siret = str(c, f->resp_siret);
  if (!s.organisation) s.organisation = str(c, p->name);
  s.hours = se && se->hours ? se->hours : a->hours;
  s.distance = a->distance;
  s.funding = a->funding | (se ? se->funding : 0);
  s.url = str(c, a->url ? a->url : f->url);
  int rc = jtr_builder_add_session(c->b, &s);
  if (rc == JALON_ENOMEM) fail_nomem(c);
  else if (rc) reject(c, line, "%s not added (%s)", what, jalon_strerror(rc));
  return c->rc;
}

static void emit_formation(lh_ctx *c) {
  const lh_formation *f = &c->f;
  const char *id = str(c, f->id);
  char what[160];
  snprintf(what, sizeof what, "formation%s%s", id ? " " : "", id ? id : "");
  if (f->too_big) {
    reject(c, f->line, "%s skipped: over %d actions and sessions or %u MiB of text", what, LH_MAX_RECORDS,
           LH_POOL_MAX >> 20);
    return;
  }
  if (!f->title) {
    reject(c, f->line, "%s skipped with its %zu action(s): no intitule-formation", what, c->actions.n);
    return;
  }
  jtr_cert_in in;
  memset(&in, 0, sizeof in);
  in.certifinfo = str(c, f->certifinfo);
  in.title = str(c, f->title);
  in.level = f->level;
  int k = 0;
  for (int i = 0; i < f->n_main && k < JTR_MAX_FORMACODE; i++) in.formacode[k++] = str(c, f->fc_main[i]);
  for (int i = 0; i < f->n_other && k < JTR_MAX_FORMACODE; i++) in.formacode[k++] = str(c, f->fc_other[i]);
  for (int i = 0; i < f->n_rome; i++) in.rome[i] = str(c, f->rome[i]);
  in.rncp = str(c, f->rncp);
  in.rs = str(c, f->rs);
  /* certifiante = 0 with no certification code: a course that leads to no
   * certification, what Certif Info calls préparatoire. */
  if (f->certifiante == 0 && !in.certifinfo && !in.rncp && !in.rs) in.flags |= JTR_CERT_PREPARATORY;
  uint32_t cert;
  int rc = jtr_builder_add_cert(c->b, &in, &cert);
  if (rc == JALON_ENOMEM) {
    fail_nomem(c);
    return;
  }
  if (rc) {
    reject(c, f->line, "%s not added (%s)", what, jalon_strerror(rc));
    return;
  }
  /* Sessions are contiguous by action; an action without any gives one
   * session of unknown dates, so the place and organisation still count. */
  size_t si = 0;
  for (size_t ai = 0; ai < c->actions.n && !c->rc; ai++) {
    const lh_action *a = &c->actions.v[ai];
    if (si >= c->sessions.n || c->sessions.v[si].action != ai) {
      emit_session(c, cert, a, NULL);
      continue;
    }
    for (; si < c->sessions.n && c->sessions.v[si].action == ai && !c->rc; si++)
      emit_session(c, cert, a, &c->sessions.v[si]);
  }
}

static void on_end(lh_ctx *c, int tag, int depth) {
  if (c->cap_tag == tag && c->cap_depth == depth) {
    if (c->in_formation) on_leaf(c, tag, depth);
    c->cap_tag = T_OTHER;
  }
  if (!c->in_formation) return;
  if (c->target != PLACE_NONE && depth == c->target_depth) c->target = PLACE_NONE;
  if (tag == T_FORMATEUR && depth == c->formateur_depth) c->formateur_depth = -1;
  if (tag == T_SESSION && depth == c->session_depth) c->session_depth = -1;
  if (tag == T_ACTION && depth == c->action_depth) c->action_depth = -1;
  if (tag == T_FORMATION && depth == c->f_depth) {
    emit_formation(c);
    c->in_formation = 0;
  }
}

/* ---- the reader ---- */

#if LIBXML_VERSION >= 21200
static void on_xml_error(void *arg, const xmlError *e) {
#else
static void on_xml_error(void *arg, xmlErrorPtr e) {
#endif
  lh_ctx *c = arg;
  if (c->xml_failed || !e || e->level < XML_ERR_ERROR) return;
  c->xml_failed = 1;
  c->xml_nomem = e->code == XML_ERR_NO_MEMORY;
  c->xml_line = e->line;
  snprintf(c->xml_msg, sizeof c->xml_msg, "%s", e->message ? e->message : "syntax error");
  utf8_scrub(c->xml_msg);
  size_t n = strlen(c->xml_msg);
  while (n && is_space(c->xml_msg[n - 1])) c->xml_msg[--n] = '\0';
}

/* Errors raised outside the parser context (encoding conversion, I/O) go to
 * libxml2's global handlers, which print to stderr: the library must not.
 * Those globals are per thread in libxml2, so they are swapped for the
 * import and put back after it, without touching other threads. */
typedef struct lh_quiet {
  xmlGenericErrorFunc generic;
  void *generic_ctx;
  xmlStructuredErrorFunc structured;
  void *structured_ctx;
} lh_quiet;

static void drop_generic(void *ctx, const char *msg, ...) {
  (void)ctx;
  (void)msg;
}

static void quiet_on(lh_ctx *c, lh_quiet *q) {
  q->generic = xmlGenericError;
  q->generic_ctx = xmlGenericErrorContext;
  q->structured = xmlStructuredError;
  q->structured_ctx = xmlStructuredErrorContext;
  xmlSetGenericErrorFunc(NULL, drop_generic);
  xmlSetStructuredErrorFunc(c, on_xml_error);
}

static void quiet_off(const lh_quiet *q) {
  xmlSetGenericErrorFunc(q->generic_ctx, q->generic);
  xmlSetStructuredErrorFunc(q->structured_ctx, q->structured);
}

static void on_node(lh_ctx *c) {
  int type = xmlTextReaderNodeType(c->r), depth = xmlTextReaderDepth(c->r);
  if (depth < 0) return;
  if (type == XML_READER_TYPE_ELEMENT) {
    int leaf, tag = tag_of(xmlTextReaderConstLocalName(c->r), &leaf);
    if (!c->seen_root && check_root(c, tag)) return;
    if (depth < LH_DEPTH) c->stack[depth] = (unsigned char)tag;
    else tag = leaf = T_OTHER;
    on_start(c, tag, depth);
    c->cap_tag = leaf && c->in_formation ? tag : T_OTHER;
    c->cap_depth = depth;
    c->text.n = 0;
    if (xmlTextReaderIsEmptyElement(c->r)) on_end(c, tag, depth);
  } else if (type == XML_READER_TYPE_END_ELEMENT) {
    on_end(c, depth < LH_DEPTH ? c->stack[depth] : T_OTHER, depth);
  } else if ((type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
              type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) &&
             c->cap_tag != T_OTHER && depth == c->cap_depth + 1) {
    const xmlChar *v = xmlTextReaderConstValue(c->r);
    if (v) append_text(c, (const char *)v);
  }
}

/* Options: no network, no DTD loading and no entity substitution (an export
 * is untrusted input), CDATA as text, small text stored inside the nodes. */
#define LH_XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_COMPACT)

static int run(lh_ctx *c, xmlInputReadCallback read_cb, void *io) {
  /* Reading through callbacks rather than xmlReaderForFile: an unreadable
   * file is then told from bad XML (EIO, not EDATA), and libxml2 prints
   * nothing of its own to stderr. */
  lh_quiet q;
  quiet_on(c, &q);
  c->r = xmlReaderForIO(read_cb, NULL, io, c->name, NULL, LH_XML_OPTIONS);
  if (!c->r) {
    quiet_off(&q);
    return ju_error(c->err, JALON_ENOMEM, "%s: cannot start the XML reader", c->name);
  }
  xmlTextReaderSetStructuredErrorHandler(c->r, on_xml_error, c);
  c->cap_tag = T_OTHER;
  c->formateur_depth = -1;
  int ret = 0;
  while (!c->rc && (ret = xmlTextReaderRead(c->r)) == 1) on_node(c);
  if (!c->rc && ret < 0) {
    if (c->io_errno)
      c->rc = ju_error(c->err, JALON_EIO, "%s: read error: %s", c->name, strerror(c->io_errno));
    else if (c->xml_nomem)
      c->rc = ju_error(c->err, JALON_ENOMEM, "%s: out of memory in the XML parser", c->name);
    else if (c->xml_failed)
      c->rc = ju_error(c->err, JALON_EDATA, "%s:%ld: malformed XML: %s", c->name,
                       c->xml_line > 0 ? c->xml_line : (long)xmlTextReaderGetParserLineNumber(c->r),
                       c->xml_msg);
    else
      c->rc = ju_error(c->err, JALON_EDATA, "%s:%d: malformed XML", c->name,
                       xmlTextReaderGetParserLineNumber(c->r));
  }
  if (!c->rc && !c->seen_root)
    c->rc = ju_error(c->err, JALON_EFORMAT, "%s: not an LHÉO document: no root element", c->name);
  xmlFreeTextReader(c->r);
  c->r = NULL;
  quiet_off(&q);
  JU_FREE(c->text);
  JU_FREE(c->actions);
  JU_FREE(c->sessions);
  JU_FREE(c->pool);
  return c->rc;
}

static void ctx_init(lh_ctx *c, jtr_builder *b, const char *name, jalon_error **err) {
  memset(c, 0, sizeof *c);
  c->b = b;
  c->name = name;
  c->err = err;
}

typedef struct lh_fd { int fd; lh_ctx *c; } lh_fd;

static int read_fd(void *arg, char *buf, int len) {
  lh_fd *io = arg;
  for (;;) {
    ssize_t n = read(io->fd, buf, (size_t)len);
    if (n >= 0) return (int)n;
    if (errno == EINTR) continue;
    io->c->io_errno = errno;
    return -1;
  }
}

int jtr_import_lheo(jtr_builder *b, const char *path, jalon_error **err) {
  if (!b || !path) return ju_error(err, JALON_EINVAL, "jtr_import_lheo: builder and path are required");
  lh_fd io = {open(path, O_RDONLY | O_CLOEXEC), NULL};
  if (io.fd < 0) return ju_error(err, JALON_EIO, "cannot open %s: %s", path, strerror(errno));
  lh_ctx c;
  ctx_init(&c, b, path, err);
  io.c = &c;
  int rc = run(&c, read_fd, &io);
  close(io.fd);
  return rc;
}

typedef struct lh_mem { const char *p; size_t left; } lh_mem;

static int read_mem(void *arg, char *buf, int len) {
  lh_mem *m = arg;
  size_t n = m->left < (size_t)len ? m->left : (size_t)len;
  memcpy(buf, m->p, n);
  m->p += n;
  m->left -= n;
  return (int)n;
}

int jtr_import_lheo_memory(jtr_builder *b, const char *data, size_t len, const char *name,
                           jalon_error **err) {
  if (!b || (!data && len))
    return ju_error(err, JALON_EINVAL, "jtr_import_lheo_memory: builder and data are required");
  lh_mem m = {data ? data : "", len};
  lh_ctx c;
  ctx_init(&c, b, name ? name : "memory", err);
  return run(&c, read_mem, &m);
}
