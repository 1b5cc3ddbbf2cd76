/* _jalon: the CPython face of libjalon, kept thin. Model owns a jalon_model
 * and its training catalogue, Workspace owns a jalon_workspace; library calls
 * run with the GIL released.
 *
 * Everything Pythonic (request building, exceptions by code, threads) lives
 * in jalon/__init__.py. This file only calls the public API of
 * include/jalon/jalon.h and converts types (the response's events to a dict
 * in pyevents.c, other JSON documents in pyjson.c).
 *
 * Lifetime: a Workspace keeps a strong reference to its Model, so the model
 * and the catalogue it borrows outlive every workspace made from it (the
 * library's rule). Results never leave a call (they are turned into JSON or events
 * inside it), so no result outlives them either. close() on either is
 * deterministic but never frees memory a call in another thread is still
 * using: the free is deferred to the end of that call. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

#include <jalon/jalon.h>

#include "pyevents.h"
#include "pyjson.h"

/* Raised by this module with args (code, message, message_fr, status);
 * jalon/__init__.py turns it into the jalon.Error subclass for the code. */
static PyObject *JalonCError;


/* Sets JalonCError from a status and an optional jalon_error, which it
 * frees. Returns NULL so callers can `return raise_status(...)`. */
static PyObject *raise_status(int status, jalon_error *e) {
  const char *msg = e ? jalon_error_message(e) : jalon_strerror(status);
  const char *msg_fr = e ? jalon_error_message_fr(e) : "";
  /* "replace": a message may quote a file name that is not UTF-8. */
  PyObject *m = PyUnicode_DecodeUTF8(msg, (Py_ssize_t)strlen(msg), "replace");
  PyObject *m_fr = PyUnicode_DecodeUTF8(msg_fr, (Py_ssize_t)strlen(msg_fr), "replace");
  jalon_error_free(e);
  PyObject *args = m && m_fr ? Py_BuildValue("(sOOi)", jalon_status_name(status), m, m_fr, status) : NULL;
  Py_XDECREF(m);
  Py_XDECREF(m_fr);
  if (args) {
    PyErr_SetObject(JalonCError, args);
    Py_DECREF(args);
  }
  return NULL;
}

/* ---- Model ---- */

typedef struct {
  PyObject_HEAD
  jalon_model *model;         /* NULL once freed */
  jalon_catalogue *catalogue; /* NULL: no trainings; freed with the model */
  Py_ssize_t live;            /* workspaces made from it and not yet freed,
                                 plus trainings lookups running */
  int closed;                 /* close() was called: no new workspace, no new call */
} ModelObject;

static PyTypeObject ModelType;

/* Frees the model and its catalogue once it is closed and nothing borrows
 * them any more. */
static void model_release_if_done(ModelObject *m) {
  if (m->closed && m->live == 0 && m->model) {
    jalon_catalogue_free(m->catalogue);
    m->catalogue = NULL;
    jalon_model_free(m->model);
    m->model = NULL;
  }
}

/* What Model(catalogue=...) asks for. */
enum { CAT_SEARCH, CAT_NONE, CAT_PATH };

/* Model(path=None, catalogue=None). catalogue None: the library's search
 * order ($JALON_CATALOGUE, build tree, datadir), and no trainings when it
 * finds nothing (JALON_ENOTFOUND only: a catalogue that is there but
 * unreadable is an error, as in the CLI); False: no trainings; a path: that
 * file, any error raised. */
static PyObject *Model_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"path", "catalogue", NULL};
  PyObject *path = NULL;     /* bytes from PyUnicode_FSConverter, or NULL for the search */
  PyObject *cat_path = NULL; /* the same for the catalogue */
  PyObject *arg = Py_None, *cat_arg = Py_None;
  int cat_mode = CAT_SEARCH;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OO:Model", kwlist, &arg, &cat_arg)) return NULL;
  if (cat_arg == Py_False) {
    cat_mode = CAT_NONE;
  } else if (cat_arg == Py_True) {
    PyErr_SetString(PyExc_TypeError, "catalogue must be a path, None (search) or False (no trainings)");
    return NULL;
  } else if (cat_arg != Py_None) {
    if (!PyUnicode_FSConverter(cat_arg, &cat_path)) return NULL;
    cat_mode = CAT_PATH;
  }
  if (arg != Py_None && !PyUnicode_FSConverter(arg, &path)) {
    Py_XDECREF(cat_path);
    return NULL;
  }

  ModelObject *self = (ModelObject *)type->tp_alloc(type, 0);
  if (!self) {
    Py_XDECREF(path);
    Py_XDECREF(cat_path);
    return NULL;
  }
  jalon_model *m = NULL;
  jalon_catalogue *cat = NULL;
  jalon_error *e = NULL;
  const char *p = path ? PyBytes_AS_STRING(path) : NULL;
  const char *cp = cat_path ? PyBytes_AS_STRING(cat_path) : NULL;
  int rc;
  /* Opening maps the files and checks them: milliseconds, but other Python
   * threads need not wait for it. */
  Py_BEGIN_ALLOW_THREADS
  rc = jalon_model_open(&m, p, &e);
  if (!rc && cat_mode != CAT_NONE) {
    rc = jalon_catalogue_open(&cat, cp, &e);
    if (rc == JALON_ENOTFOUND && cat_mode == CAT_SEARCH) {
      jalon_error_free(e);
      e = NULL;
      rc = 0;
    }
    if (rc) {
      jalon_model_free(m);
      m = NULL;
    }
  }
  Py_END_ALLOW_THREADS
  Py_XDECREF(path);
  Py_XDECREF(cat_path);
  if (rc) {
    Py_DECREF(self);
    return raise_status(rc, e);
  }
  self->model = m;
  self->catalogue = cat;
  return (PyObject *)self;
}

static void Model_dealloc(ModelObject *self) {
  /* Workspaces hold a reference to their model, and a trainings call holds
   * one through its bound method, so nothing borrows either here. */
  jalon_catalogue_free(self->catalogue);
  jalon_model_free(self->model);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Model_close(ModelObject *self, PyObject *Py_UNUSED(ignored)) {
  self->closed = 1;
  model_release_if_done(self);
  Py_RETURN_NONE;
}

static int model_check_open(ModelObject *self) {
  if (self->closed || !self->model) {
    PyErr_SetString(PyExc_ValueError, "the jalon model is closed");
    return -1;
  }
  return 0;
}

static PyObject *Model_fiche_json(ModelObject *self, PyObject *arg) {
  if (model_check_open(self)) return NULL;
  const char *code = PyUnicode_AsUTF8(arg);
  if (!code) return NULL;
  char *out = NULL;
  jalon_error *e = NULL;
  int rc = jalon_model_fiche_json(&out, self->model, code, &e);
  if (rc) return raise_status(rc, e);
  PyObject *s = PyUnicode_FromString(out);
  jalon_free(out);
  return s;
}

/* Borrowed strings of the model, copied into Python strings. */
static PyObject *model_str(ModelObject *self, const char *(*get)(const jalon_model *)) {
  if (model_check_open(self)) return NULL;
  const char *s = get(self->model);
  return PyUnicode_FromString(s ? s : "");
}

static PyObject *Model_get_path(ModelObject *self, void *Py_UNUSED(c)) {
  if (model_check_open(self)) return NULL;
  return PyUnicode_DecodeFSDefault(jalon_model_path(self->model));
}
static PyObject *Model_get_rome(ModelObject *self, void *Py_UNUSED(c)) {
  return model_str(self, jalon_model_rome_version);
}
static PyObject *Model_get_checksum(ModelObject *self, void *Py_UNUSED(c)) {
  return model_str(self, jalon_model_checksum);
}
static PyObject *Model_get_fiche_count(ModelObject *self, void *Py_UNUSED(c)) {
  if (model_check_open(self)) return NULL;
  return PyLong_FromSize_t(jalon_model_fiche_count(self->model));
}
static PyObject *Model_get_closed(ModelObject *self, void *Py_UNUSED(c)) {
  return PyBool_FromLong(self->closed);
}

/* A place dict as jalon_place. The strings are kept referenced in keep[]
 * (the caller releases them after the call): the dict could drop them while
 * the GIL is released. Types and finite numbers are checked here; the
 * friendly checks (known keys, ranges) are jalon/__init__.py's. */
static int place_from_dict(PyObject *d, jalon_place *pl, PyObject *keep[2]) {
  static const char *const str_keys[2] = {"department", "region"};
  static const char *const num_keys[3] = {"lat", "lon", "radius_km"};
  double nums[3] = {0, 0, 0};
  int have[3] = {0, 0, 0};
  memset(pl, 0, sizeof *pl);
  if (!PyDict_Check(d)) {
    PyErr_SetString(PyExc_TypeError, "place must be a dict");
    return -1;
  }
  for (int i = 0; i < 2; i++) {
    PyObject *v = PyDict_GetItemString(d, str_keys[i]); /* borrowed */
    if (!v || v == Py_None) continue;
    if (!PyUnicode_Check(v)) {
      PyErr_Format(PyExc_TypeError, "place[\"%s\"] must be a str", str_keys[i]);
      return -1;
    }
    const char *s = PyUnicode_AsUTF8(v);
    if (!s) return -1;
    Py_INCREF(v);
    keep[i] = v;
    if (i == 0) pl->department = s;
    else pl->region = s;
  }
  for (int i = 0; i < 3; i++) {
    PyObject *v = PyDict_GetItemString(d, num_keys[i]);
    if (!v || v == Py_None) continue;
    if (PyBool_Check(v) || !(PyFloat_Check(v) || PyLong_Check(v))) {
      PyErr_Format(PyExc_TypeError, "place[\"%s\"] must be a number", num_keys[i]);
      return -1;
    }
    nums[i] = PyFloat_AsDouble(v);
    if (nums[i] == -1.0 && PyErr_Occurred()) return -1;
    if (!isfinite(nums[i])) {
      PyErr_Format(PyExc_ValueError, "place[\"%s\"] must be a finite number", num_keys[i]);
      return -1;
    }
    have[i] = 1;
  }
  if (have[0] != have[1]) {
    PyErr_SetString(PyExc_ValueError, "place[\"lat\"] and place[\"lon\"] must be given together");
    return -1;
  }
  pl->has_coords = have[0];
  pl->lat = nums[0];
  pl->lon = nums[1];
  pl->radius_km = nums[2];
  return 0;
}

/* trainings_json(rome, place=None, after=None, max=0) -> str: the JSON of
 * jalon_catalogue_lookup_json, run with the GIL released. */
static PyObject *Model_trainings_json(ModelObject *self, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"rome", "place", "after", "max", NULL};
  const char *rome = NULL;
  PyObject *place = Py_None, *after_arg = Py_None;
  Py_ssize_t max = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "s|OOn:trainings_json", kwlist, &rome, &place, &after_arg,
                                   &max))
    return NULL;
  if (model_check_open(self)) return NULL;
  if (!self->catalogue) {
    /* Not a library status message: say why there is none. */
    PyObject *a = Py_BuildValue("(sssi)", jalon_status_name(JALON_ENOTFOUND),
                                "this model has no training catalogue (opened with catalogue=False, or "
                                "none was found on the search path)",
                                "Aucun catalogue de formations n'est disponible.", JALON_ENOTFOUND);
    if (a) {
      PyErr_SetObject(JalonCError, a);
      Py_DECREF(a);
    }
    return NULL;
  }
  if (max < 0 || max > (Py_ssize_t)JALON_MAX_TRAININGS) {
    PyErr_Format(PyExc_ValueError, "max must be from 1 to %u (0: the default)", JALON_MAX_TRAININGS);
    return NULL;
  }
  const char *after = NULL;
  if (after_arg != Py_None) {
    if (!PyUnicode_Check(after_arg)) {
      PyErr_SetString(PyExc_TypeError, "after must be a str written YYYY-MM-DD");
      return NULL;
    }
    if (!(after = PyUnicode_AsUTF8(after_arg))) return NULL; /* args keep after_arg alive */
  }
  jalon_place pl;
  PyObject *keep[2] = {NULL, NULL};
  if (place != Py_None && place_from_dict(place, &pl, keep)) {
    Py_XDECREF(keep[0]);
    Py_XDECREF(keep[1]);
    return NULL;
  }
  const jalon_place *plp = place != Py_None ? &pl : NULL;

  char *out = NULL;
  jalon_error *e = NULL;
  const jalon_model *m = self->model;
  const jalon_catalogue *cat = self->catalogue;
  int rc;
  /* Counted as a borrower, so a close() from another thread meanwhile
   * defers the free of the model and the catalogue to the end of the call. */
  self->live++;
  Py_BEGIN_ALLOW_THREADS
  rc = jalon_catalogue_lookup_json(&out, cat, m, rome, plp, after, (unsigned)max, &e);
  Py_END_ALLOW_THREADS
  self->live--;
  model_release_if_done(self);
  Py_XDECREF(keep[0]);
  Py_XDECREF(keep[1]);
  if (rc) return raise_status(rc, e);
  PyObject *s = PyUnicode_FromString(out);
  jalon_free(out);
  return s;
}

static PyObject *Model_get_catalogue_path(ModelObject *self, void *Py_UNUSED(c)) {
  if (model_check_open(self)) return NULL;
  if (!self->catalogue) Py_RETURN_NONE;
  return PyUnicode_DecodeFSDefault(jalon_catalogue_path(self->catalogue));
}
static PyObject *Model_get_catalogue_checksum(ModelObject *self, void *Py_UNUSED(c)) {
  if (model_check_open(self)) return NULL;
  if (!self->catalogue) Py_RETURN_NONE;
  return PyUnicode_FromString(jalon_catalogue_checksum(self->catalogue));
}

static PyMethodDef Model_methods[] = {
    {"close", (PyCFunction)Model_close, METH_NOARGS,
     "close()\n--\n\nNo new workspace or call after this; the model and its catalogue are "
     "freed as soon as no workspace or running call borrows them."},
    {"fiche_json", (PyCFunction)Model_fiche_json, METH_O,
     "fiche_json(code)\n--\n\nThe ROME fiche `code` as JSON text (jalon_model_fiche_json)."},
    {"trainings_json", (PyCFunction)(void (*)(void))Model_trainings_json, METH_VARARGS | METH_KEYWORDS,
     "trainings_json(rome, place=None, after=None, max=0)\n--\n\nTrainings leading to the ROME job "
     "`rome` as JSON text (jalon_catalogue_lookup_json), with the GIL released. place: a dict "
     "(department, region, lat, lon, radius_km); after: 'YYYY-MM-DD'; max 0: the default."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef Model_getset[] = {
    {"path", (getter)Model_get_path, NULL, "file the model was opened from", NULL},
    {"rome_version", (getter)Model_get_rome, NULL, "ROME release, e.g. 'v460'", NULL},
    {"checksum", (getter)Model_get_checksum, NULL, "model checksum, 16 hex digits", NULL},
    {"fiche_count", (getter)Model_get_fiche_count, NULL, "number of ROME fiches", NULL},
    {"closed", (getter)Model_get_closed, NULL, "True after close()", NULL},
    {"catalogue_path", (getter)Model_get_catalogue_path, NULL,
     "file the training catalogue was opened from, None without one", NULL},
    {"catalogue_checksum", (getter)Model_get_catalogue_checksum, NULL,
     "catalogue checksum, 16 hex digits; None without one", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyTypeObject ModelType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "jalon._jalon.Model",
    .tp_basicsize = sizeof(ModelObject),
    .tp_dealloc = (destructor)Model_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Model(path=None, catalogue=None)\n--\n\nAn opened jalon_model (immutable, shared by "
              "threads) and its training catalogue. path None searches $JALON_MODEL, the build tree, "
              "then the install datadir; catalogue None searches $JALON_CATALOGUE, the build tree, "
              "then the datadir and goes without when none is found, False opens none, a path opens "
              "that file.",
    .tp_methods = Model_methods,
    .tp_getset = Model_getset,
    .tp_new = Model_new,
};

/* ---- Workspace ---- */

typedef struct {
  PyObject_HEAD
  ModelObject *owner;  /* strong reference: the model outlives the workspace */
  jalon_workspace *ws; /* NULL once freed */
  int busy;            /* a call runs with the GIL released */
  int close_pending;   /* close() came during that call */
  jpy_tape tape;       /* diagnose()'s response events; used under `busy` */
  PyObject *weakreflist;
} WorkspaceObject;

static void workspace_free(WorkspaceObject *self) {
  if (!self->ws) return;
  jalon_workspace_free(self->ws);
  self->ws = NULL;
  self->owner->live--;
  model_release_if_done(self->owner);
}

static PyObject *Workspace_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"model", NULL};
  ModelObject *model = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!:Workspace", kwlist, &ModelType, &model))
    return NULL;
  if (model_check_open(model)) return NULL;
  WorkspaceObject *self = (WorkspaceObject *)type->tp_alloc(type, 0);
  if (!self) return NULL;
  Py_INCREF(model);
  self->owner = model;
  /* Counted before the GIL is released, so a close() from another thread
   * meanwhile defers the free of the model instead of pulling it away. */
  model->live++;
  jalon_workspace *ws = NULL;
  jalon_error *e = NULL;
  const jalon_model *m = model->model;
  const jalon_catalogue *cat = model->catalogue;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = jalon_workspace_new(&ws, m, &e);
  /* Borrowed, like the model: both are freed only once live drops to 0. */
  if (!rc && cat && (rc = jalon_workspace_set_catalogue(ws, cat)) != 0) {
    jalon_workspace_free(ws);
    ws = NULL;
  }
  Py_END_ALLOW_THREADS
  if (rc) {
    model->live--;
    model_release_if_done(model);
    Py_DECREF(self);
    return raise_status(rc, e);
  }
  self->ws = ws;
  return (PyObject *)self;
}

static void Workspace_dealloc(WorkspaceObject *self) {
  if (self->weakreflist) PyObject_ClearWeakRefs((PyObject *)self);
  if (self->owner) {
    workspace_free(self);
    Py_DECREF(self->owner);
  }
  jpy_tape_free(&self->tape);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Workspace_close(WorkspaceObject *self, PyObject *Py_UNUSED(ignored)) {
  if (self->busy)
    self->close_pending = 1; /* freed when the running call returns */
  else
    workspace_free(self);
  Py_RETURN_NONE;
}

/* The one library call, with the GIL released. request is the JSON text: a
 * str, or UTF-8 in any bytes-like object. With tape NULL the response is
 * JSON text in *out (freed with jalon_free); otherwise it is recorded on the
 * tape as events. Returns the status in *status and Py_None (borrowed, a
 * success marker) when there is a response (an error object included); NULL
 * with an exception set when there is none (out of memory) or the call was
 * refused here. */
static PyObject *call(WorkspaceObject *self, PyObject *arg, char **out, jpy_tape *tape, int *status) {
  if (!self->ws || self->close_pending) {
    PyErr_SetString(PyExc_ValueError, "the jalon workspace is closed");
    return NULL;
  }
  if (model_check_open(self->owner)) return NULL;
  /* The library's rule is one thread per workspace at a time. The check and
   * the flag are made with the GIL held, so two threads cannot both pass. */
  if (self->busy) {
    PyErr_SetString(PyExc_RuntimeError,
                    "this jalon workspace is in use by another thread; use one per thread");
    return NULL;
  }
  const char *buf;
  Py_ssize_t len;
  Py_buffer view = {0};
  int have_view = 0;
  if (PyUnicode_Check(arg)) {
    /* The UTF-8 form is cached in the str object, which stays referenced by
     * the caller for the whole call. */
    buf = PyUnicode_AsUTF8AndSize(arg, &len);
    if (!buf) return NULL;
  } else {
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE)) return NULL;
    have_view = 1;
    buf = view.buf;
    len = view.len;
  }

  jalon_error *e = NULL;
  jalon_workspace *ws = self->ws;
  int rc;
  if (out) *out = NULL;
  else jpy_tape_reset(tape);
  self->busy = 1;
  Py_BEGIN_ALLOW_THREADS
  if (out) rc = jalon_diagnose_json(out, ws, buf, (size_t)len, &e);
  else rc = jalon_diagnose_visit(ws, buf, (size_t)len, &jpy_tape_visitor, tape, &e);
  Py_END_ALLOW_THREADS
  self->busy = 0;
  if (have_view) PyBuffer_Release(&view);
  if (self->close_pending) workspace_free(self);

  /* A refused request still has its error object; a response cut short
   * (out of memory) has nothing but e. */
  if (out ? !*out : !tape->complete) return raise_status(rc, e);
  jalon_error_free(e); /* its text is in the response already */
  *status = rc;
  return Py_None;
}

/* diagnose_json(request) -> (status, response_json). */
static PyObject *Workspace_diagnose_json(WorkspaceObject *self, PyObject *arg) {
  char *out = NULL;
  int rc = 0;
  if (!call(self, arg, &out, NULL, &rc)) return NULL;
  PyObject *res = Py_BuildValue("(is)", rc, out);
  jalon_free(out);
  return res;
}

/* diagnose(request) -> (status, response as a dict), built from the
 * response's events: no JSON text is written or read. */
static PyObject *Workspace_diagnose(WorkspaceObject *self, PyObject *arg) {
  int rc = 0;
  if (!call(self, arg, NULL, &self->tape, &rc)) return NULL;
  PyObject *obj = jpy_tape_build(&self->tape);
  /* A large response's buffer is not kept between calls. */
  if (self->tape.cap > (1u << 20)) jpy_tape_free(&self->tape);
  return obj ? Py_BuildValue("(iN)", rc, obj) : NULL;
}

static PyObject *Workspace_get_closed(WorkspaceObject *self, void *Py_UNUSED(c)) {
  return PyBool_FromLong(!self->ws || self->close_pending);
}

static PyMethodDef Workspace_methods[] = {
    {"diagnose", (PyCFunction)Workspace_diagnose, METH_O,
     "diagnose(request)\n--\n\nRuns jalon_diagnose_visit on the request JSON (str or UTF-8 "
     "bytes) with the GIL released. Returns (status, response): status is 0 or a negative "
     "JALON_E* code, and then the response is the error object; the response is a dict "
     "built from the response's events, equal to json.loads of diagnose_json's text."},
    {"diagnose_json", (PyCFunction)Workspace_diagnose_json, METH_O,
     "diagnose_json(request)\n--\n\nAs diagnose(), the response left as JSON text."},
    {"close", (PyCFunction)Workspace_close, METH_NOARGS,
     "close()\n--\n\nFrees the workspace (at the end of a running call, if any)."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef Workspace_getset[] = {
    {"closed", (getter)Workspace_get_closed, NULL, "True after close()", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyTypeObject WorkspaceType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "jalon._jalon.Workspace",
    .tp_basicsize = sizeof(WorkspaceObject),
    .tp_dealloc = (destructor)Workspace_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Workspace(model)\n--\n\nMutable per-call state of the library. Use one per "
              "thread; calls on one workspace from two threads at once raise RuntimeError.",
    .tp_weaklistoffset = offsetof(WorkspaceObject, weakreflist),
    .tp_methods = Workspace_methods,
    .tp_getset = Workspace_getset,
    .tp_new = Workspace_new,
};

/* ---- module ---- */

static PyObject *mod_version(PyObject *Py_UNUSED(m), PyObject *Py_UNUSED(ignored)) {
  return PyUnicode_FromString(jalon_version());
}

static PyObject *mod_loads(PyObject *Py_UNUSED(m), PyObject *arg) {
  Py_buffer view;
  if (PyUnicode_Check(arg)) {
    Py_ssize_t len;
    const char *s = PyUnicode_AsUTF8AndSize(arg, &len);
    return s ? jpy_loads(s, (size_t)len) : NULL;
  }
  if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE)) return NULL;
  PyObject *r = jpy_loads(view.buf, (size_t)view.len);
  PyBuffer_Release(&view);
  return r;
}

static PyObject *mod_dumps(PyObject *Py_UNUSED(m), PyObject *arg) { return jpy_dumps(arg); }

static PyMethodDef module_methods[] = {
    {"version", mod_version, METH_NOARGS, "version()\n--\n\nVersion of the linked libjalon."},
    {"loads", mod_loads, METH_O,
     "loads(json)\n--\n\nThe JSON converter of the fiche and trainings lookups (str or UTF-8 bytes); equals "
     "json.loads except that NaN and Infinity literals are refused."},
    {"dumps", mod_dumps, METH_O,
     "dumps(obj)\n--\n\njson.dumps(obj, ensure_ascii=False) as UTF-8 bytes (lone surrogates "
     "kept), for plain dicts, lists, tuples, strings, numbers, booleans and None; None when obj "
     "holds anything else, for the json module to handle."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "jalon._jalon",
    .m_doc = "C extension of the jalon package: libjalon's model, workspace and JSON call.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__jalon(void) {
  if (PyType_Ready(&ModelType) < 0 || PyType_Ready(&WorkspaceType) < 0) return NULL;
  PyObject *m = PyModule_Create(&module_def);
  if (!m) return NULL;
  JalonCError = PyErr_NewExceptionWithDoc(
      "jalon._jalon.Error", "Library error: args are (code, message, message_fr, status).",
      NULL, NULL);
  if (!JalonCError || PyModule_AddObjectRef(m, "Error", JalonCError) < 0 ||
      PyModule_AddObjectRef(m, "Model", (PyObject *)&ModelType) < 0 ||
      PyModule_AddObjectRef(m, "Workspace", (PyObject *)&WorkspaceType) < 0 ||
      PyModule_AddIntConstant(m, "MAX_TEXT_BYTES", JALON_MAX_TEXT_BYTES) < 0 ||
      PyModule_AddIntConstant(m, "MAX_JOBS", JALON_MAX_JOBS) < 0 ||
      PyModule_AddIntConstant(m, "MAX_TRAININGS", JALON_MAX_TRAININGS) < 0 ||
      PyModule_AddIntConstant(m, "DEFAULT_TRAININGS", JALON_DEFAULT_TRAININGS) < 0) {
    Py_DECREF(m);
    return NULL;
  }
  return m;
}
