/* Internal helpers to build jalon_error objects with an English message for
 * developers and a plain-French one for people. */
#ifndef JALON_UTIL_ERROR_H
#define JALON_UTIL_ERROR_H

#include "jalon/jalon.h"

struct jalon_error {
  int code;
  char *message;
  char *message_fr;
};

/* Stores a new error in *err when err is not NULL; returns code, so callers
 * can write `return ju_error(err, JALON_EIO, "...", ...)`. The French text is
 * chosen from the code. printf-style English message. */
int ju_error(jalon_error **err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
