"""Jalon for Python: a French job seeker's text in, ROME job codes out, and
trainings towards the job aimed at.

A thin layer over libjalon. A request is built as the JSON of the design notes,
diagnosed by the C library (jalon_diagnose_json) with the GIL released, and the
JSON response comes back as a dict. No matching happens here, and nothing is
loaded at import time: a Model opens the compiled model file (and the training
catalogue, when there is one) when you make one.

    import jalon
    with jalon.Model() as model:
        print(model.diagnose("je suis vendeuse en prêt-à-porter")["jobs"][0]["rome"])
"""

import datetime
import json
import math
import numbers
import os
import pkgutil
import re
from concurrent.futures import ThreadPoolExecutor

# In a build tree the compiled _jalon sits in the build directory while this
# file stays in the source directory; extend_path lets the package span both
# when both are on sys.path. Installed, it changes nothing.
__path__ = pkgutil.extend_path(__path__, __name__)

from . import _jalon  # noqa: E402  (after the path is extended)

__all__ = ["Model", "Error", "ModelError", "RequestError", "MAX_TEXT_BYTES", "MAX_JOBS",
           "MAX_TRAININGS", "library_version"]

MAX_TEXT_BYTES = _jalon.MAX_TEXT_BYTES
MAX_JOBS = _jalon.MAX_JOBS
MAX_TRAININGS = _jalon.MAX_TRAININGS
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
    """The model or its training catalogue could not be opened (codes not_found,
    io_error, bad_model, model_version), or trainings were asked of a model
    that has no catalogue (not_found)."""


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
        # The C encoder writes what json.dumps would for plain data, several
        # times faster; anything else goes through the json module.
        encoded = _jalon.dumps(request)
        if encoded is not None:
            return encoded
        request = _encoder.encode(request)
    return request.encode("utf-8", "surrogatepass")


# Where a person is (DESIGN.md "place"): the fields and their ranges, as the
# library's JSON reader checks them. Checked here too so that a mistake raises
# TypeError or ValueError naming the argument, before any call.
_PLACE_STR = ("department", "region")
_PLACE_NUM = {"lat": (-90.0, 90.0), "lon": (-180.0, 180.0), "radius_km": (0.0, 20000.0)}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def _check_place(place):
    """place as the JSON object the library reads, or None. TypeError for a
    wrong type, ValueError for an unknown field or a value out of range."""
    if place is None:
        return None
    if not isinstance(place, dict):
        raise TypeError(f"place must be a dict (department, region, lat, lon, radius_km), "
                        f"not {type(place).__name__}")
    out = {}
    for key, value in place.items():
        if value is None:
            continue
        if key in _PLACE_STR:
            if not isinstance(value, str):
                raise TypeError(f"place[{key!r}] must be a str, not {type(value).__name__}")
            out[key] = value
        elif key in _PLACE_NUM:
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"place[{key!r}] must be a number, not {type(value).__name__}")
            lo, hi = _PLACE_NUM[key]
            value = float(value)
            if not (math.isfinite(value) and lo <= value <= hi):
                raise ValueError(f"place[{key!r}] must be from {lo:g} to {hi:g}, not {value!r}")
            out[key] = value
        else:
            raise ValueError(f"unknown place field {key!r} (department, region, lat, lon, "
                             "radius_km)")
    if ("lat" in out) != ("lon" in out):
        raise ValueError("place['lat'] and place['lon'] must be given together")
    return out


def _check_after(after):
    """after as 'YYYY-MM-DD' (a str, or a datetime.date), or None."""
    if after is None:
        return None
    if isinstance(after, datetime.date):  # a datetime too: its date
        return f"{after.year:04d}-{after.month:02d}-{after.day:02d}"
    if not isinstance(after, str):
        raise TypeError(f"after must be a 'YYYY-MM-DD' str or a datetime.date, not "
                        f"{type(after).__name__}")
    try:
        if not _DATE.match(after):
            raise ValueError
        datetime.date.fromisoformat(after)
    except ValueError:
        raise ValueError(f"after must be a date written YYYY-MM-DD, not {after!r}") from None
    return after


def _check_count(value, name, lo, hi):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be from {lo} to {hi}, not {value}")
    return int(value)


def _build_request(text, title=None, target=None, place=None, limit=None, id=None, after=None,
                   max_trainings=None):
    req = {"text": text}
    if id is not None:
        req["id"] = id
    if title is not None:
        req["title"] = title
    if target is not None:
        req["target"] = target
    place = _check_place(place)
    if place is not None:
        req["place"] = place
    after = _check_after(after)
    if after is not None:
        req["after"] = after
    if limit is not None:
        req["limit"] = {"jobs": limit} if isinstance(limit, int) else dict(limit)
    if max_trainings is not None:
        # 0 asks for no trainings at all, as "limit": {"trainings": 0} does.
        n = _check_count(max_trainings, "max_trainings", 0, MAX_TRAININGS)
        req.setdefault("limit", {})["trainings"] = n
    return req


class Model:
    """A compiled Jalon model, opened once and shared by every thread.

    path: the model file; None searches $JALON_MODEL, the build tree, then the
    install datadir, like the CLI. catalogue: the training catalogue that
    diagnoses recommend trainings from; None searches $JALON_CATALOGUE, the
    build tree, then the install datadir, like the CLI, and goes without
    trainings when none is found; False: no trainings; a path: that file.
    Raises ModelError when the model, or a catalogue that is there, cannot be
    opened. Calls from any number of threads run in parallel (each call
    borrows a workspace of its own). close() or a with block frees the model
    and its catalogue; so does garbage collection.
    """

    def __init__(self, path=None, catalogue=None):
        if catalogue is not None and catalogue is not False:
            if catalogue is True:
                raise TypeError("catalogue must be a path, None (search) or False (no trainings)")
            catalogue = os.fspath(catalogue)
        try:
            self._model = _jalon.Model(None if path is None else os.fspath(path), catalogue)
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
    def catalogue_path(self):
        """File of the training catalogue, None when the model has none."""
        return self._model.catalogue_path

    @property
    def catalogue_checksum(self):
        return self._model.catalogue_checksum

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

    def diagnose(self, text, title=None, target=None, place=None, limit=None, after=None,
                 max_trainings=None, *, id=None):
        """Diagnoses one text. title: a job title typed apart from the text;
        target: a ROME code aimed at; limit: the number of jobs wanted (or a
        {"jobs": n, ...} dict); id: echoed.
        Trainings (with a catalogue): place, where the person is, a dict of
        "department", "region" (str), "lat", "lon", "radius_km" (numbers);
        after: sessions starting on or after that date ('YYYY-MM-DD' or a
        datetime.date); max_trainings: 1..MAX_TRAININGS, 0 for none.
        Returns the response dict ("jobs", "confidence", ..., "trainings" per
        DESIGN.md). Bad argument types raise TypeError, bad values ValueError."""
        return self.diagnose_request(_build_request(text, title, target, place, limit, id, after,
                                                    max_trainings))

    def trainings(self, rome, place=None, after=None, max=None):
        """Trainings leading to the ROME job `rome` ("J1501"), as a dict
        {"rome", "label", "catalogue", "trainings": [...]}, the items shaped
        as in a diagnosis (`jalon trainings --rome`). place and after as for
        diagnose(); max: 1..MAX_TRAININGS (None: the library's default).
        Raises RequestError (not_found) for a code the model does not know,
        ModelError (not_found) when the model has no catalogue."""
        if not isinstance(rome, str):
            raise TypeError(f"rome must be a str, not {type(rome).__name__}")
        place = _check_place(place)
        after = _check_after(after)
        n = 0 if max is None else _check_count(max, "max", 1, MAX_TRAININGS)
        if self._model.catalogue_path is None:  # ValueError once closed, as every call
            raise ModelError("not_found", "this model has no training catalogue (opened with "
                             "catalogue=False, or none was found on the search path)",
                             "Aucun catalogue de formations n'est disponible.")
        try:
            return _jalon.loads(self._model.trainings_json(rome, place, after, n))
        except _jalon.Error as e:
            raise _from_c(e) from None

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
