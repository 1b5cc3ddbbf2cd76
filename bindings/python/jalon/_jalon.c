/* _jalon: the CPython face of libjalon, kept thin. Model owns a jalon_model,
 * Workspace owns a jalon_workspace; the diagnosis runs with the GIL released.
 *
 * Everything Pythonic (request building, exceptions by code, threads) lives
 * in jalon/__init__.py. This file only calls the public API of
 * include/jalon/jalon.h and converts types (the response JSON to a dict in
 * pyjson.c).
 *
 * Lifetime: a Workspace keeps a strong reference to its Model, so the model
 * outlives every workspace made from it (the library's rule). close() on
 * either is deterministic but never frees memory a call in another thread is
 * still using: the free is deferred to the end of that call. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#include <jalon/jalon.h>

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
  jalon_model *model; /* NULL once freed */
  Py_ssize_t live;    /* workspaces made from it and not yet freed */
  int closed;         /* close() was called: no new workspace, no new call */
} ModelObject;

static PyTypeObject ModelType;

/* Frees the model once it is closed and no workspace still borrows it. */
static void model_release_if_done(ModelObject *m) {
  if (m->closed && m->live == 0 && m->model) {
    jalon_model_free(m->model);
    m->model = NULL;
  }
}

static PyObject *Model_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"path", NULL};
  PyObject *path = NULL; /* bytes from PyUnicode_FSConverter, or NULL for the search */
  PyObject *arg = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:Model", kwlist, &arg)) return NULL;
  if (arg != Py_None && !PyUnicode_FSConverter(arg, &path)) return NULL;

  ModelObject *self = (ModelObject *)type->tp_alloc(type, 0);
  if (!self) {
    Py_XDECREF(path);
    return NULL;
  }
  jalon_model *m = NULL;
  jalon_error *e = NULL;
  const char *p = path ? PyBytes_AS_STRING(path) : NULL;
  int rc;
  /* Opening maps the file and checks its checksum: milliseconds, but other
   * Python threads need not wait for it. */
  Py_BEGIN_ALLOW_THREADS
  rc = jalon_model_open(&m, p, &e);
  Py_END_ALLOW_THREADS
  Py_XDECREF(path);
  if (rc) {
    Py_DECREF(self);
    return raise_status(rc, e);
  }
  self->model = m;
  return (PyObject *)self;
}

static void Model_dealloc(ModelObject *self) {
  /* Workspaces hold a reference to their model, so none is alive here. */
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

static PyMethodDef Model_methods[] = {
    {"close", (PyCFunction)Model_close, METH_NOARGS,
     "close()\n--\n\nNo new workspace or call after this; the model is freed as soon as no "
     "workspace borrows it."},
    {"fiche_json", (PyCFunction)Model_fiche_json, METH_O,
     "fiche_json(code)\n--\n\nThe ROME fiche `code` as JSON text (jalon_model_fiche_json)."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef Model_getset[] = {
    {"path", (getter)Model_get_path, NULL, "file the model was opened from", NULL},
    {"rome_version", (getter)Model_get_rome, NULL, "ROME release, e.g. 'v460'", NULL},
    {"checksum", (getter)Model_get_checksum, NULL, "model checksum, 16 hex digits", NULL},
    {"fiche_count", (getter)Model_get_fiche_count, NULL, "number of ROME fiches", NULL},
    {"closed", (getter)Model_get_closed, NULL, "True after close()", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyTypeObject ModelType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "jalon._jalon.Model",
    .tp_basicsize = sizeof(ModelObject),
    .tp_dealloc = (destructor)Model_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Model(path=None)\n--\n\nAn opened jalon_model (immutable, shared by threads). "
              "path None searches $JALON_MODEL, the build tree, then the install datadir.",
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
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = jalon_workspace_new(&ws, m, &e);
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
 * str, or UTF-8 in any bytes-like object. Returns the status and sets *out
 * (freed with jalon_free); NULL with an exception set when no response could
 * be made at all (out of memory) or the call was refused here. */
static PyObject *call_json(WorkspaceObject *self, PyObject *arg, char **out, int *status) {
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
  *out = NULL;
  self->busy = 1;
  Py_BEGIN_ALLOW_THREADS
  rc = jalon_diagnose_json(out, ws, buf, (size_t)len, &e);
  Py_END_ALLOW_THREADS
  self->busy = 0;
  if (have_view) PyBuffer_Release(&view);
  if (self->close_pending) workspace_free(self);

  if (!*out) return raise_status(rc, e);
  jalon_error_free(e); /* its text is in the response already */
  *status = rc;
  return Py_None; /* borrowed: only a success marker */
}

/* diagnose_json(request) -> (status, response_json). */
static PyObject *Workspace_diagnose_json(WorkspaceObject *self, PyObject *arg) {
  char *out = NULL;
  int rc = 0;
  if (!call_json(self, arg, &out, &rc)) return NULL;
  PyObject *res = Py_BuildValue("(is)", rc, out);
  jalon_free(out);
  return res;
}

/* diagnose(request) -> (status, response as a dict). */
static PyObject *Workspace_diagnose(WorkspaceObject *self, PyObject *arg) {
  char *out = NULL;
  int rc = 0;
  if (!call_json(self, arg, &out, &rc)) return NULL;
  PyObject *obj = jpy_loads(out, strlen(out));
  jalon_free(out);
  if (!obj) return NULL;
  PyObject *res = Py_BuildValue("(iN)", rc, obj);
  return res;
}

static PyObject *Workspace_get_closed(WorkspaceObject *self, void *Py_UNUSED(c)) {
  return PyBool_FromLong(!self->ws || self->close_pending);
}

static PyMethodDef Workspace_methods[] = {
    {"diagnose", (PyCFunction)Workspace_diagnose, METH_O,
     "diagnose(request)\n--\n\nRuns jalon_diagnose_json on the request JSON (str or UTF-8 "
     "bytes) with the GIL released. Returns (status, response): status is 0 or a negative "
     "JALON_E* code, and then the response is the error object; the response is a dict, "
     "as json.loads would give."},
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

static PyMethodDef module_methods[] = {
    {"version", mod_version, METH_NOARGS, "version()\n--\n\nVersion of the linked libjalon."},
    {"loads", mod_loads, METH_O,
     "loads(json)\n--\n\nThe JSON converter diagnose() uses (str or UTF-8 bytes); equals "
     "json.loads except that NaN and Infinity literals are refused."},
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
      PyModule_AddIntConstant(m, "MAX_JOBS", JALON_MAX_JOBS) < 0) {
    Py_DECREF(m);
    return NULL;
  }
  return m;
}
