"""Jalon for Python: a French job seeker's text in, ROME job codes out.

A thin layer over libjalon. A request is built as the JSON of the design notes,
diagnosed by the C library (jalon_diagnose_json) with the GIL released, and the
JSON response comes back as a dict. No matching happens here, and nothing is
loaded at import time: a Model opens the compiled model file when you make one.

    import jalon
    with jalon.Model() as model:
        print(model.diagnose("je suis vendeuse en prêt-à-porter")["jobs"][0]["rome"])
"""

import json
import os
import pkgutil
from concurrent.futures import ThreadPoolExecutor

# In a build tree the compiled _jalon sits in the build directory while this
# file stays in the source directory; extend_path lets the package span both
# when both are on sys.path. Installed, it changes nothing.
__path__ = pkgutil.extend_path(__path__, __name__)

from . import _jalon  # noqa: E402  (after the path is extended)

__all__ = ["Model", "Error", "ModelError", "RequestError", "MAX_TEXT_BYTES", "MAX_JOBS",
           "library_version"]

MAX_TEXT_BYTES = _jalon.MAX_TEXT_BYTES
MAX_JOBS = _jalon.MAX_JOBS
__version__ = "0.1.0"


def library_version():
    """Version of the libjalon the extension is linked with, e.g. '0.1.0'."""
    return _jalon.version()


class Error(Exception):
    """An error reported by libjalon.

    code: the library's status name, as in JSON error responses ("empty_text",
    "invalid_json", "not_found", ...); message: English, for developers;
    message_fr: plain French, for the person who wrote the text; id: the
    request id when there was one.
    """

    def __init__(self, code, message, message_fr="", id=None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.message_fr = message_fr
        self.id = id


class ModelError(Error):
    """The model could not be opened (codes not_found, io_error, bad_model, model_version)."""


class RequestError(Error, ValueError):
    """The request or its text was refused (invalid_json, invalid_utf8, empty_text,
    text_too_large, invalid_argument), or an unknown ROME code was asked for."""


_REQUEST_CODES = frozenset({"invalid_json", "invalid_utf8", "empty_text", "text_too_large",
                            "invalid_argument", "not_found"})


def _from_response(error, id=None):
    code = error.get("code", "internal")
    cls = RequestError if code in _REQUEST_CODES else Error
    return cls(code, error.get("message", ""), error.get("message_fr", ""), id)


def _from_c(exc, cls=None):
    code, message, message_fr, _status = exc.args
    if cls is None:
        cls = RequestError if code in _REQUEST_CODES else Error
    return cls(code, message, message_fr)


# One encoder for every call: json.dumps(..., ensure_ascii=False) would make
# a new JSONEncoder each time. Non-ASCII stays raw UTF-8: shorter to parse.
_encoder = json.JSONEncoder(ensure_ascii=False)


def _encode(request):
    """Request JSON as UTF-8 bytes. A str that cannot be UTF-8 (lone
    surrogates) is passed on as is, so the library, not Python, refuses it."""
    if isinstance(request, (bytes, bytearray, memoryview)):
        return request
    if not isinstance(request, str):
        request = _encoder.encode(request)
    return request.encode("utf-8", "surrogatepass")


def _build_request(text, title=None, target=None, place=None, limit=None, id=None):
    req = {"text": text}
    if id is not None:
        req["id"] = id
    if title is not None:
        req["title"] = title
    if target is not None:
        req["target"] = target
    if place is not None:
        req["place"] = place
    if limit is not None:
        req["limit"] = {"jobs": limit} if isinstance(limit, int) else limit
    return req


class Model:
    """A compiled Jalon model, opened once and shared by every thread.

    path: the model file; None searches $JALON_MODEL, the build tree, then the
    install datadir, like the CLI. Raises ModelError when it cannot be opened.
    Calls from any number of threads run in parallel (each call borrows a
    workspace of its own). close() or a with block frees the model; so does
    garbage collection.
    """

    def __init__(self, path=None):
        try:
            self._model = _jalon.Model(None if path is None else os.fspath(path))
        except _jalon.Error as e:
            raise _from_c(e, ModelError) from None
        # Idle workspaces, and all of them for close(). list.append and
        # list.pop are atomic under the GIL, so no lock is needed.
        self._idle = []
        self._all = []

    # ---- the model ----

    @property
    def path(self):
        return self._model.path

    @property
    def rome_version(self):
        return self._model.rome_version

    @property
    def checksum(self):
        return self._model.checksum

    @property
    def closed(self):
        return self._model.closed

    def __repr__(self):
        if self.closed:
            return "<jalon.Model closed>"
        return f"<jalon.Model rome={self.rome_version} path={self.path!r}>"

    def close(self):
        """Frees the workspaces and the model. Calls already running in other
        threads finish first; new calls raise ValueError."""
        self._model.close()
        for ws in self._all:
            ws.close()
        self._all.clear()
        self._idle.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def fiche(self, code):
        """The ROME fiche `code` (e.g. "D1214") as a dict: label, domains,
        appellations, competences, mobility."""
        try:
            return json.loads(self._model.fiche_json(code))
        except _jalon.Error as e:
            raise _from_c(e) from None

    # ---- diagnosis ----

    def _call(self, request_bytes, as_text=False):
        if self._model.closed:
            raise ValueError("the jalon model is closed")
        try:
            ws = self._idle.pop()
        except IndexError:
            try:
                ws = _jalon.Workspace(self._model)
            except _jalon.Error as e:
                raise _from_c(e) from None
            self._all.append(ws)
        try:
            if as_text:
                return ws.diagnose_json(request_bytes)
            return ws.diagnose(request_bytes)
        except _jalon.Error as e:
            raise _from_c(e) from None
        finally:
            self._idle.append(ws)

    def diagnose_json(self, request):
        """The response JSON text for one request: a JSON str or UTF-8 bytes
        (as one line of `jalon diagnose --batch`), or a dict. A refused request
        gives the library's error object, as the CLI does; nothing is raised
        for it."""
        return self._call(_encode(request), as_text=True)[1]

    def diagnose_request(self, request):
        """diagnose() for a whole request dict (DESIGN.md: text, title, target,
        place, limit, id). Returns the response dict; raises RequestError or
        Error when the library answers with an error object."""
        status, resp = self._call(_encode(request))
        if status != 0 or "error" in resp:
            raise _from_response(resp.get("error", {}), resp.get("id"))
        return resp

    def diagnose(self, text, title=None, target=None, place=None, limit=None, *, id=None):
        """Diagnoses one text. title: a job title typed apart from the text;
        target: a ROME code aimed at; place: {"department": ..., ...}; limit:
        the number of jobs wanted (or a {"jobs": n, ...} dict); id: echoed.
        Returns the response dict ("jobs", "confidence", ... per DESIGN.md)."""
        return self.diagnose_request(_build_request(text, title, target, place, limit, id))

    def diagnose_batch(self, requests, jobs=None, *, raise_errors=False):
        """Diagnoses many requests on `jobs` threads (default: the CPU count)
        and returns the responses in the order of the requests.

        Each request is a str (the text), a dict (a whole request) or bytes
        (a request JSON line). As `jalon diagnose --batch` does, a refused
        request yields its error object ({"id", "error": {...}}) in place and
        the batch goes on; raise_errors=True raises the first one instead.
        """
        items = list(requests)
        jobs = (os.cpu_count() or 1) if jobs is None else int(jobs)
        if jobs < 1:
            raise ValueError("jobs must be at least 1")

        def run(chunk):
            out = []
            for req in chunk:
                if isinstance(req, str):
                    req = {"text": req}
                status, resp = self._call(_encode(req))
                if raise_errors and (status != 0 or "error" in resp):
                    raise _from_response(resp.get("error", {}), resp.get("id"))
                out.append(resp)
            return out

        if jobs == 1 or len(items) < 2:
            return run(items)
        # A few chunks per thread: fewer futures than items, yet the threads
        # still even out when some texts are much longer than others.
        size = max(1, min(64, len(items) // (jobs * 4)))
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        results = []
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="jalon") as pool:
            for part in pool.map(run, chunks):
                results.extend(part)
        return results
