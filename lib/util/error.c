/* jalon_error objects and status strings. The French messages are short and
 * plain: they may be shown to people who read with difficulty. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

static const char *message_fr(int code) {
  switch (code) {
  case JALON_EINVAL: return "La demande n'est pas correcte.";
  case JALON_ENOMEM: return "Le service manque de mémoire. Réessayez plus tard.";
  case JALON_EIO: return "Un fichier n'a pas pu être lu.";
  case JALON_EFORMAT: return "Un fichier de données (modèle ou catalogue) est abîmé ou n'est pas au bon format.";
  case JALON_EVERSION: return "Un fichier de données (modèle ou catalogue) n'est pas de la bonne version.";
  case JALON_EUTF8: return "Le texte contient des caractères illisibles.";
  case JALON_ETOOBIG: return "Le texte est trop long.";
  case JALON_EEMPTY: return "Le texte est vide. Écrivez quelques mots sur vous.";
  case JALON_EJSON: return "La demande est mal écrite.";
  case JALON_ENOTFOUND: return "Introuvable.";
  case JALON_EDATA: return "Les données sources sont inutilisables.";
  case JALON_EICU: return "Le découpage du texte n'a pas pu démarrer.";
  default: return "Une erreur interne est survenue.";
  }
}

const char *jalon_strerror(int status) {
  switch (status) {
  case JALON_OK: return "success";
  case JALON_EINVAL: return "invalid argument";
  case JALON_ENOMEM: return "out of memory";
  case JALON_EIO: return "input/output error";
  case JALON_EFORMAT: return "corrupt or foreign data file (model, catalogue or catalogue source)";
  case JALON_EVERSION: return "unsupported model or catalogue format version";
  case JALON_EUTF8: return "invalid UTF-8";
  case JALON_ETOOBIG: return "input too large";
  case JALON_EEMPTY: return "empty input";
  case JALON_EJSON: return "malformed request JSON";
  case JALON_ENOTFOUND: return "not found";
  case JALON_EDATA: return "unusable source data";
  case JALON_EICU: return "ICU or stemmer initialisation failed";
  case JALON_EINTERNAL: return "internal error";
  default: return "unknown error";
  }
}

int ju_error(jalon_error **err, int code, const char *fmt, ...) {
  if (!err) return code;
  jalon_error *e = calloc(1, sizeof *e);
  if (!e) return code;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n >= 0) {
    e->message = malloc((size_t)n + 1);
    if (e->message) {
      va_start(ap, fmt);
      vsnprintf(e->message, (size_t)n + 1, fmt, ap);
      va_end(ap);
    }
  }
  e->message_fr = strdup(message_fr(code));
  e->code = code;
  if (!e->message || !e->message_fr) {
    /* Keep the code even when the text could not be allocated. */
    free(e->message);
    free(e->message_fr);
    e->message = NULL;
    e->message_fr = NULL;
  }
  *err = e;
  return code;
}

int jalon_error_code(const jalon_error *e) { return e ? e->code : JALON_OK; }
const char *jalon_error_message(const jalon_error *e) {
  if (!e) return "";
  return e->message ? e->message : jalon_strerror(e->code);
}
const char *jalon_error_message_fr(const jalon_error *e) {
  if (!e) return "";
  return e->message_fr ? e->message_fr : message_fr(e->code);
}
void jalon_error_free(jalon_error *e) {
  if (!e) return;
  free(e->message);
  free(e->message_fr);
  free(e);
}
void jalon_free(void *p) { free(p); }
const char *jalon_version(void) { return JALON_VERSION_STRING; }
unsigned jalon_version_number(void) { return JALON_VERSION_NUMBER; }
