/* JSON text to Python objects for the _jalon extension: turns the library's
 * response into a dict without a round trip through the json module. */
#ifndef JALON_PYJSON_H
#define JALON_PYJSON_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Parses `len` bytes of UTF-8 JSON (one value, RFC 8259, optional white
 * space around it) into new Python objects: object -> dict, array -> list,
 * string -> str, integer -> int, other numbers -> float, true/false/null ->
 * True/False/None. The result equals json.loads() of the same text (lone
 * surrogates escaped as \uD800 come back as in json.loads). Malformed input
 * raises ValueError and returns NULL. Needs the GIL. */
PyObject *jpy_loads(const char *s, size_t len);

/* A str for a key of n bytes of UTF-8: short ASCII keys are shared (one
 * interned str per key for the module's life). New reference. GIL. */
PyObject *jpy_key(const char *s, size_t n);
/* A str from n bytes of UTF-8 (lone surrogates as "surrogatepass" reads
 * them); ascii != 0 promises every byte is below 0x80. New reference. GIL. */
PyObject *jpy_str(const char *s, size_t n, int ascii);

/* The bytes of json.dumps(v, ensure_ascii=False) encoded to UTF-8 with
 * "surrogatepass", for exact dict, list, tuple, str, int, float, bool and
 * None; None (the object) when v holds anything else (non-str keys, other
 * types, nesting over 256 levels) so the caller falls back on the json
 * module. NULL with an exception on failure. GIL. */
PyObject *jpy_dumps(PyObject *v);

#endif
