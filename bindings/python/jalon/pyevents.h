/* The response as Python objects without JSON text in between: the
 * library's events (jalon_diagnose_visit) are recorded on a tape while the
 * GIL is released, then turned into objects with the GIL held. Writing and
 * re-reading JSON text was most of what the binding added to a call, and
 * all of it ran under the GIL, which capped thread scaling. */
#ifndef JALON_PYEVENTS_H
#define JALON_PYEVENTS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>

#include <jalon/jalon.h>

/* A recording of one document's events. Reused across calls (its buffer is
 * kept), owned by one thread at a time. */
/* Deeper than any response by far (it nests 6 levels). */
#define JPY_TAPE_MAX_DEPTH 64

typedef struct jpy_tape {
  char *p;
  size_t len, cap;
  int depth;    /* open containers */
  int complete; /* one root value was recorded and closed */
  /* Per open container: where its member count goes, the count so far,
   * whether it is an object (counts keys) or an array (counts values). */
  size_t count_at[JPY_TAPE_MAX_DEPTH];
  uint32_t members[JPY_TAPE_MAX_DEPTH];
  unsigned char in_object[JPY_TAPE_MAX_DEPTH];
} jpy_tape;

/* Callbacks recording onto a jpy_tape (the `user` pointer). Safe without the
 * GIL: they allocate with PyMem_Raw*. */
extern const jalon_visitor jpy_tape_visitor;

/* Empties the tape for a new document (keeps the buffer). */
void jpy_tape_reset(jpy_tape *t);
/* Frees the buffer. */
void jpy_tape_free(jpy_tape *t);

/* The recorded document as new objects: object -> dict, array -> list,
 * string -> str, integer -> int, number -> float, true/false/null. Equal to
 * json.loads of the text jalon_diagnose_json writes for the same call.
 * Needs the GIL and a complete tape. */
PyObject *jpy_tape_build(const jpy_tape *t);

#endif
