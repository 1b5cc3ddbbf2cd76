#!/usr/bin/env python3
"""End-to-end test of `jalon serve` on a loopback port (standard library only).

Usage: test_server.py SERVER [README]
SERVER is build/tools/jalon (the `serve` verb is added) or build/tools/server/jalon-serve.
README (default server/README-server.md next to the source root) holds curl examples
that are run against the server too, with those of the HTTP section of README.md.
JALON_MODEL and JALON_CATALOGUE pick the model and the training catalogue as for the CLI.

Starts the server on a free port, checks every endpoint and every error status, the
OpenAPI document against the routes and real responses (validated against its schemas),
the trainings, that the access log holds no request text, and that SIGTERM stops it
with exit code 0; then a second server with --no-trainings.
"""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get("JALON_SOURCE_ROOT") or os.path.dirname(HERE)
TIMEOUT_S = 2          # --timeout given to the server: the slow-client tests wait on it
MAX_BATCH = 5          # --max-batch given to the server
SECRET = "Zorglubette"  # a word in request texts that must never reach the log

failures = []


def check(cond, what):
    if cond:
        print(f"ok   {what}")
    else:
        print(f"FAIL {what}")
        failures.append(what)
    return cond


def server_cmd(exe):
    return [exe, "serve"] if os.path.basename(exe) == "jalon" else [exe]


class Server:
    def __init__(self, exe, extra=()):
        cmd = server_cmd(exe)
        cmd += ["--port", "0", "--threads", "2", "--timeout", str(TIMEOUT_S),
                "--max-batch", str(MAX_BATCH),
                "--web", os.path.join(ROOT, "web"),
                "--openapi", os.path.join(ROOT, "api", "openapi.json")] + list(extra)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.log = []
        self.port = None
        ready = threading.Event()

        def read_stderr():
            for raw in self.proc.stderr:
                line = raw.decode("utf-8", "replace")
                self.log.append(line)
                m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line)
                if m:
                    self.port = int(m.group(1))
                    ready.set()
            ready.set()

        self.reader = threading.Thread(target=read_stderr, daemon=True)
        self.reader.start()
        if not ready.wait(30) or self.port is None:
            self.proc.kill()
            sys.exit("server did not start:\n" + "".join(self.log))

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        if isinstance(body, str):
            body = body.encode("utf-8")
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

    def json(self, method, path, body=None, headers=None):
        status, hdrs, data = self.request(method, path, body, headers)
        try:
            doc = json.loads(data)
        except ValueError:
            doc = None
        return status, hdrs, doc


def is_error(doc, code=None):
    return (isinstance(doc, dict) and isinstance(doc.get("error"), dict)
            and isinstance(doc["error"].get("code"), str)
            and isinstance(doc["error"].get("message"), str)
            and (code is None or doc["error"]["code"] == code))


def required_of(openapi, name):
    return openapi["components"]["schemas"][name].get("required", [])


DATE_RE = re.compile(r"\d{4}-\d\d-\d\d$")


def validate(value, schema, openapi, where="$", strict=True):
    """Checks value against an OpenAPI 3.0 schema (the subset api/openapi.json uses:
    $ref, type, nullable, required, properties, items, enum, oneOf, minimum/maximum,
    exclusiveMinimum, maxItems, pattern, format date). strict: a property the schema
    does not list is a problem too, so the document cannot fall behind the server.
    Returns a list of problems, empty when the value conforms."""
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = openapi["components"]["schemas"][name]
    if value is None:
        return [] if schema.get("nullable") else [f"{where}: null"]
    if "oneOf" in schema:
        fits = [b for b in schema["oneOf"] if not validate(value, b, openapi, where, strict)]
        return [] if len(fits) == 1 else [f"{where}: matches {len(fits)} of the oneOf branches"]
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool}
    if kind in types and not isinstance(value, types[kind]):
        return [f"{where}: {type(value).__name__}, not {kind}"]
    if kind in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return [f"{where}: {type(value).__name__}, not {kind}"]
        if kind == "integer" and value != int(value):
            return [f"{where}: {value} is not an integer"]
        lo, hi = schema.get("minimum"), schema.get("maximum")
        if lo is not None and (value < lo or (schema.get("exclusiveMinimum") and value == lo)):
            return [f"{where}: {value} below {lo}"]
        if hi is not None and value > hi:
            return [f"{where}: {value} above {hi}"]
    problems = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} not in {schema['enum']}")
    if kind == "string":
        if "pattern" in schema and not re.search(schema["pattern"], value):
            problems.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if schema.get("format") == "date" and not DATE_RE.match(value):
            problems.append(f"{where}: {value!r} is not a date")
    if kind == "array":
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            problems.append(f"{where}: {len(value)} items, more than {schema['maxItems']}")
        for i, item in enumerate(value):
            problems += validate(item, schema.get("items", {}), openapi, f"{where}[{i}]", strict)
    if kind == "object":
        props = schema.get("properties")
        problems += [f"{where}: no {k}" for k in schema.get("required", []) if k not in value]
        for k, v in value.items():
            if props is not None and k in props:
                problems += validate(v, props[k], openapi, f"{where}.{k}", strict)
            elif props is not None and strict:
                problems.append(f"{where}.{k}: not documented")
    return problems


def conforms(value, name, openapi, what, strict=True):
    problems = validate(value, {"$ref": f"#/components/schemas/{name}"}, openapi, strict=strict) if openapi else []
    return check(not problems, f"{what} conforms to the {name} schema ({'; '.join(problems[:4])})")


def test_endpoints(s, openapi):
    text = f"J'ai été caissière pendant 6 ans chez {SECRET}, je voudrais devenir aide-soignante. Je sais lire et écrire."
    status, hdrs, doc = s.json("POST", "/v1/diagnose", json.dumps({"id": "r1", "text": text}))
    check(status == 200, "POST /v1/diagnose answers 200")
    check(hdrs.get("content-type", "").startswith("application/json"), "diagnose is application/json")
    check(hdrs.get("cache-control") == "no-store", "diagnose is not cached")
    check(doc and doc.get("id") == "r1", "diagnose echoes the id")
    if openapi:
        missing = [f for f in required_of(openapi, "DiagnoseResponse") if f not in (doc or {})]
        check(not missing, f"diagnose carries the documented fields (missing {missing})")
        props = openapi["components"]["schemas"]["DiagnoseResponse"]["properties"]
        extra = [f for f in (doc or {}) if f not in props]
        check(not extra, f"every field of the diagnose response is documented (undocumented {extra})")
        conforms(doc, "DiagnoseResponse", openapi, "the diagnose response", strict=False)
    jobs = (doc or {}).get("jobs") or []
    check(len(jobs) > 0 and jobs[0].get("rome"), "diagnose finds jobs")
    raw = text.encode("utf-8")
    spans_ok = all(raw[e["start"]:e["end"]].decode("utf-8") == e["text"]
                   for j in jobs for e in j.get("evidence", []) if "text" in e)
    check(spans_ok, "evidence offsets are byte offsets into the text")

    status, _, doc = s.json("GET", "/v1/health")
    check(status == 200 and doc and doc.get("status") == "ok", "GET /v1/health answers ok")
    if openapi:
        missing = [f for f in required_of(openapi, "Health") if f not in (doc or {})]
        check(not missing, f"health carries the documented fields (missing {missing})")
        conforms(doc, "Health", openapi, "health")
    check(doc and doc["model"].get("rome") and re.fullmatch(r"[0-9a-f]{16}", doc["model"].get("checksum", "")),
          "health gives the model's ROME version and checksum")
    status, hdrs, data = s.request("HEAD", "/v1/health")
    check(status == 200 and data == b"", "HEAD /v1/health answers without a body")

    status, _, doc = s.json("GET", "/v1/rome/D1505")
    check(status == 200 and doc and doc.get("rome") == "D1505", "GET /v1/rome/D1505 gives the fiche")
    if openapi:
        missing = [f for f in required_of(openapi, "Fiche") if f not in (doc or {})]
        check(not missing, f"fiche carries the documented fields (missing {missing})")
    for k in ("appellations", "competences", "mobility"):
        check(isinstance((doc or {}).get(k), list), f"the fiche has {k}")
    status, _, doc = s.json("GET", "/v1/rome/d1505")
    check(status == 200 and doc and doc.get("rome") == "D1505", "a lower-case ROME code is accepted")
    status, _, doc = s.json("GET", "/v1/rome/Z9999")
    check(status == 404 and is_error(doc, "not_found"), "an unknown ROME code answers 404 JSON")
    status, _, doc = s.json("GET", "/v1/rome/%C3%A9t%C3%A9")
    check(status == 404 and is_error(doc), "a ROME code with odd bytes answers 404 JSON")


AIDE_SOIGNANT = "Diplôme d'État d'aide-soignant"


def sessions_of(doc):
    return [x for t in (doc or {}).get("trainings", []) for x in t.get("sessions", [])]


def test_trainings(s, openapi):
    """Trainings in a diagnosis and GET /v1/trainings, with a catalogue loaded."""
    status, _, health = s.json("GET", "/v1/health")
    cat = (health or {}).get("catalogue") or {}
    check(re.fullmatch(r"[0-9a-f]{16}", cat.get("checksum", "")) and cat.get("certifications", 0) > 0
          and isinstance(cat.get("sessions"), int),
          f"health reports the training catalogue found by the default search ({cat})")

    text = "J'ai été caissière pendant 6 ans, je voudrais devenir aide-soignante. Je sais lire et écrire."
    status, _, doc = s.json("POST", "/v1/diagnose", json.dumps({"text": text, "target": "J1501"}))
    trainings = (doc or {}).get("trainings")
    check(status == 200 and isinstance(trainings, list) and trainings,
          "a diagnosis with target J1501 recommends trainings")
    for i, t in enumerate(trainings or []):
        conforms(t, "Training", openapi, f"training {i} of the diagnosis")
    check(bool(trainings) and trainings[0].get("title") == AIDE_SOIGNANT and trainings[0].get("reason") == "target",
          f"the first training is the {AIDE_SOIGNANT} ({trainings and trainings[0].get('title')})")
    check(all(isinstance(t.get("reason_fr"), str) and t["reason_fr"] for t in trainings or []),
          "every training says why in French")

    # place, after and limit.trainings in the request.
    body = {"text": "je voudrais devenir vendeuse en épicerie", "target": "D1106",
            "place": {"department": "13"}, "after": "2000-01-01", "limit": {"trainings": 2}}
    status, _, doc = s.json("POST", "/v1/diagnose", json.dumps(body))
    trainings = (doc or {}).get("trainings") or []
    check(status == 200 and 0 < len(trainings) <= 2, f"limit.trainings caps the trainings ({len(trainings)})")
    near = [x for x in sessions_of(doc)
            if x["place"].get("department") == "13" or x["place"].get("region") == "93" or x.get("distance")]
    check(sessions_of(doc) and near == sessions_of(doc),
          "place.department keeps sessions in the département, its region or at a distance")
    status, _, doc = s.json("POST", "/v1/diagnose", json.dumps({"text": "cariste", "limit": {"trainings": 0}}))
    check(status == 200 and "trainings" not in (doc or {}), "limit.trainings 0 leaves the trainings out")

    # GET /v1/trainings
    status, hdrs, doc = s.json("GET", "/v1/trainings?rome=J1501")
    check(status == 200 and hdrs.get("content-type", "").startswith("application/json"),
          "GET /v1/trainings?rome=J1501 answers 200 JSON")
    conforms(doc, "TrainingsResponse", openapi, "the /v1/trainings response")
    check(doc and doc.get("rome") == "J1501" and doc.get("catalogue") == cat.get("checksum")
          and doc.get("trainings") and doc["trainings"][0].get("title") == AIDE_SOIGNANT,
          "/v1/trainings?rome=J1501 lists the aide-soignant diploma first, with the catalogue checksum")
    check(hdrs.get("cache-control") == "no-store", "/v1/trainings is not cached (the query may say where someone lives)")
    status, _, doc = s.json("GET", "/v1/trainings?rome=j1501&limit=1&unknown=x")
    check(status == 200 and doc and doc.get("rome") == "J1501" and len(doc.get("trainings", [])) == 1,
          "a lower-case code, limit=1 and an unknown parameter are taken")
    q = "rome=D1106&department=13&region=93&lat=43.3&lon=5.4&radius_km=30&after=2000-01-01&limit=5"
    status, _, doc = s.json("GET", "/v1/trainings?" + q)
    conforms(doc, "TrainingsResponse", openapi, "/v1/trainings with every parameter")
    sess = sessions_of(doc)
    check(status == 200 and sess and all("distance_km" in x for x in sess if "lat" in x["place"]),
          f"lat/lon give each located session its distance_km ({len(sess)} sessions)")
    check(all(x["distance_km"] <= 30 or x.get("distance") or x["place"].get("region") == "93"
              for x in sess if "distance_km" in x), "radius_km keeps sessions near, in the region or at a distance")
    status, _, doc = s.json("GET", "/v1/trainings?rome=D1106&after=2099-01-01")
    check(status == 200 and all(x["start"] is None or x["start"] >= "2099-01-01" for x in sessions_of(doc)),
          "after drops the sessions that start before it")
    status, _, doc = s.json("GET", "/v1/trainings?rome=D1106&department=2a")
    check(status == 200, "a département written 2a is taken")

    bad = [("no rome", ""), ("rome given twice", "rome=J1501&rome=D1106"), ("empty rome", "rome="),
           ("lat without lon", "rome=J1501&lat=43.3"), ("lon without lat", "rome=J1501&lon=5.4"),
           ("non-numeric lat", "rome=J1501&lat=abc&lon=5.4"), ("lat out of range", "rome=J1501&lat=91&lon=5"),
           ("lat written nan", "rome=J1501&lat=nan&lon=5"), ("radius 0", "rome=J1501&lat=43&lon=5&radius_km=0"),
           ("bad date", "rome=J1501&after=2026-13-01"), ("not a day", "rome=J1501&after=2026-02-30"),
           ("date in another form", "rome=J1501&after=01%2F12%2F2026"), ("limit 0", "rome=J1501&limit=0"),
           ("limit 51", "rome=J1501&limit=51"), ("limit 2.5", "rome=J1501&limit=2.5"),
           ("bad département", "rome=J1501&department=1234"), ("bad region", "rome=J1501&region=x9")]
    for what, q in bad:
        status, _, doc = s.json("GET", "/v1/trainings?" + q)
        check(status == 400 and is_error(doc, "invalid_argument") and doc["error"].get("message_fr"),
              f"/v1/trainings with {what} answers 400 JSON ({status})")
    for what, q in (("an unknown code", "rome=Z9999"), ("a code with odd bytes", "rome=%C3%A9t%C3%A9"),
                    ("a code too long", "rome=" + "A" * 40)):
        status, _, doc = s.json("GET", "/v1/trainings?" + q)
        check(status == 404 and is_error(doc, "not_found"), f"/v1/trainings with {what} answers 404 JSON ({status})")
    status, hdrs, doc = s.json("POST", "/v1/trainings?rome=J1501", "{}")
    check(status == 405 and hdrs.get("allow") == "GET, HEAD", "POST /v1/trainings answers 405")


def test_no_trainings(exe, openapi):
    """A server started with --no-trainings: no trainings anywhere, /v1/trainings 404."""
    s = Server(exe, ["--no-trainings", "--quiet"])
    try:
        status, _, doc = s.json("POST", "/v1/diagnose", json.dumps(
            {"text": "je voudrais devenir aide-soignante", "target": "J1501"}))
        check(status == 200 and doc and doc.get("jobs") and "trainings" not in doc,
              "with --no-trainings a diagnosis has no trainings key")
        conforms(doc, "DiagnoseResponse", openapi, "the diagnosis without trainings", strict=False)
        status, _, doc = s.json("GET", "/v1/health")
        check(status == 200 and doc and "catalogue" not in doc, "with --no-trainings health names no catalogue")
        status, _, doc = s.json("GET", "/v1/trainings?rome=J1501")
        check(status == 404 and is_error(doc, "not_found"), "with --no-trainings /v1/trainings answers 404")
    finally:
        s.proc.send_signal(signal.SIGTERM)
        try:
            rc = s.proc.wait(15)
        except subprocess.TimeoutExpired:
            s.proc.kill()
            rc = "hung"
        s.reader.join(5)
    check(rc == 0, f"the --no-trainings server stops with exit code 0 ({rc})")

    # A catalogue named on the command line must open: a missing one is a
    # start-up error (exit 1, French report), never a silent server without trainings.
    p = subprocess.run(server_cmd(exe) + ["--port", "0", "--catalogue", "/nonexistent/x.catalogue"],
                       capture_output=True, timeout=30)
    err = p.stderr.decode("utf-8", "replace")
    check(p.returncode == 1 and "catalogue" in err, f"--catalogue with a missing file stops the start ({p.returncode})")
    named = os.environ.get("JALON_CATALOGUE")
    if named and os.path.exists(named):
        s = Server(exe, ["--catalogue", named, "--quiet"])
        try:
            status, _, doc = s.json("GET", "/v1/health")
            check(status == 200 and (doc or {}).get("catalogue", {}).get("certifications", 0) > 0,
                  "--catalogue FILE loads that catalogue")
        finally:
            s.proc.kill()
            s.proc.wait(15)
            s.reader.join(5)


def test_batch(s):
    reqs = [{"id": "a", "text": "cariste depuis dix ans"},
            {"id": "b", "text": 42},
            {"id": "c", "text": f"serveur en brasserie, ] [ \" {{ chez {SECRET}"}]
    status, _, doc = s.json("POST", "/v1/diagnose/batch", json.dumps(reqs))
    check(status == 200 and isinstance(doc, list) and len(doc) == 3, "batch (array) answers one element per request")
    if isinstance(doc, list) and len(doc) == 3:
        check([d.get("id") for d in doc] == ["a", "b", "c"], "batch keeps the order")
        check("jobs" in doc[0] and is_error(doc[1], "invalid_json") and "jobs" in doc[2],
              "a bad request in a batch gets its error object in place")
    jsonl = "\n".join(json.dumps(r, ensure_ascii=False) for r in reqs) + "\n\n"
    status, _, doc = s.json("POST", "/v1/diagnose/batch", jsonl, {"Content-Type": "application/x-ndjson"})
    check(status == 200 and isinstance(doc, list) and [d.get("id") for d in doc] == ["a", "b", "c"],
          "batch (JSON lines) answers in order")
    status, _, doc = s.json("POST", "/v1/diagnose/batch", "[]")
    check(status == 200 and doc == [], "an empty batch answers []")
    status, _, doc = s.json("POST", "/v1/diagnose/batch", '[{"text":"cariste"},')
    check(status == 400 and is_error(doc, "invalid_json"), "an unclosed batch array answers 400")
    status, _, doc = s.json("POST", "/v1/diagnose/batch", '[{"text":"cariste"}] x')
    check(status == 400 and is_error(doc, "invalid_json"), "data after a batch array answers 400")
    many = json.dumps([{"text": "cariste"}] * (MAX_BATCH + 1))
    status, _, doc = s.json("POST", "/v1/diagnose/batch", many)
    check(status == 413 and is_error(doc, "batch_too_large"), "a batch over --max-batch answers 413")


def test_errors(s):
    cases = [
        ("malformed JSON", '{"text": "pas fermé"', 400, "invalid_json"),
        ("wrong type", '{"text": 42}', 400, "invalid_json"),
        ("wrong type of limit", '{"text": "cariste", "limit": {"jobs": "dix"}}', 400, "invalid_json"),
        ("not an object", '["cariste"]', 400, "invalid_json"),
        ("empty body", "", 400, None),
        ("empty text", '{"text": ""}', 400, "empty_text"),
        ("unknown target", '{"text": "cariste", "target": "ZZZZZ"}', 400, "not_found"),
        ("text over 64 KiB", json.dumps({"text": "cariste " * 9000}), 400, "text_too_large"),
    ]
    for what, body, want, code in cases:
        status, _, doc = s.json("POST", "/v1/diagnose", body)
        check(status == want and is_error(doc, code), f"{what} answers {want} with a JSON error ({status}, {doc and doc.get('error')})")
    status, _, doc = s.json("POST", "/v1/diagnose", b'{"text": "caissi\xe8re invalide"}')
    check(status == 400 and is_error(doc, "invalid_utf8"), "invalid UTF-8 answers 400 invalid_utf8")
    status, hdrs, doc = s.json("POST", "/v1/diagnose", b"x" * (300 * 1024))
    check(status == 413 and is_error(doc, "body_too_large"), "a body over 256 KiB answers 413")
    status, _, doc = s.json("GET", "/v1/nothing")
    check(status == 404 and is_error(doc, "not_found"), "an unknown route answers 404 JSON")
    status, _, doc = s.json("GET", "/etc/passwd")
    check(status == 404 and is_error(doc), "a path outside the routes answers 404")
    status, hdrs, doc = s.json("GET", "/v1/diagnose")
    check(status == 405 and is_error(doc, "method_not_allowed") and hdrs.get("allow") == "POST",
          "GET /v1/diagnose answers 405 with Allow: POST")
    status, hdrs, doc = s.json("DELETE", "/v1/health")
    check(status == 405 and hdrs.get("allow") == "GET, HEAD", "DELETE /v1/health answers 405 with Allow: GET, HEAD")
    status, _, doc = s.json("POST", "/v1/rome/D1505", "{}")
    check(status == 405 and is_error(doc), "POST /v1/rome answers 405")


def chunked_oversize(s):
    """A chunked body (no Content-Length) over the limit: read to its end, then 413."""
    c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    c.sendall(b"POST /v1/diagnose HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"a" * 65536
    for _ in range(5):
        c.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    c.sendall(b"0\r\n\r\n")
    data = recv_all(c)
    c.close()
    status, doc = parse_raw(data)
    check(status == 413 and is_error(doc, "body_too_large"), "a chunked body over the limit answers 413")


def recv_all(c):
    data = b""
    while True:
        try:
            d = c.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not d:
            break
        data += d
    return data


def parse_raw(data):
    m = re.match(rb"HTTP/1\.1 (\d+)", data)
    if not m:
        return None, None
    body = data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""
    try:
        return int(m.group(1)), json.loads(body)
    except ValueError:
        return int(m.group(1)), None


def test_slow_clients(s):
    """A body sent byte by byte past the deadline gets 408 JSON; a client that stops
    mid-body is dropped at the idle timeout; others are served all the while."""
    body = json.dumps({"text": f"caissière chez {SECRET}"}).encode()
    delay = (TIMEOUT_S + 1.5) / len(body)
    results = {}

    def slow():
        c = socket.create_connection(("127.0.0.1", s.port), timeout=TIMEOUT_S * 5)
        c.sendall(b"POST /v1/diagnose HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body))
        t0 = time.time()
        try:
            for b in body:
                c.sendall(bytes([b]))
                time.sleep(delay)
        except OSError:
            pass
        results["slow"] = parse_raw(recv_all(c))
        results["slow_s"] = time.time() - t0
        c.close()

    def stalled():
        c = socket.create_connection(("127.0.0.1", s.port), timeout=TIMEOUT_S * 5)
        c.sendall(b"POST /v1/diagnose HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{\"text\":")
        t0 = time.time()
        results["stalled"] = recv_all(c)
        results["stalled_s"] = time.time() - t0
        c.close()

    threads = [threading.Thread(target=slow), threading.Thread(target=stalled)]
    for t in threads:
        t.start()
    served = 0
    t_end = time.time() + TIMEOUT_S
    while time.time() < t_end:
        status, _, doc = s.json("POST", "/v1/diagnose", json.dumps({"text": "cariste"}))
        served += status == 200
    for t in threads:
        t.join()
    check(served > 5, f"other clients are served while slow clients hang on ({served} requests)")
    status, doc = results.get("slow", (None, None))
    check(status == 408 and is_error(doc, "timeout"), f"a body sent byte by byte past the deadline answers 408 JSON ({status})")
    check(results.get("stalled") == b"" and results.get("stalled_s", 0) < TIMEOUT_S * 3,
          f"a client stalled mid-body is dropped at the idle timeout ({results.get('stalled_s', 0):.1f} s)")


def test_concurrent(s):
    errors = []

    def worker(k):
        for i in range(20):
            status, _, doc = s.json("POST", "/v1/diagnose",
                                    json.dumps({"id": f"{k}-{i}", "text": "aide à domicile, je voudrais être auxiliaire de vie"}))
            if status != 200 or not doc or doc.get("id") != f"{k}-{i}":
                errors.append((status, k, i))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errors, f"8 clients x 20 requests on 2 threads all answer 200 with their id ({len(errors)} errors)")


def test_openapi(s):
    status, hdrs, doc = s.json("GET", "/v1/openapi.json")
    check(status == 200 and doc and doc.get("openapi", "").startswith("3."), "GET /v1/openapi.json serves an OpenAPI 3 document")
    if not doc:
        return None
    with open(os.path.join(ROOT, "api", "openapi.json"), encoding="utf-8") as f:
        check(json.load(f) == doc, "the served document is the one in the repository")
    routes = {"/v1/diagnose": {"post"}, "/v1/diagnose/batch": {"post"}, "/v1/rome/{code}": {"get"},
              "/v1/trainings": {"get"}, "/v1/health": {"get"}, "/v1/openapi.json": {"get"}}
    documented = {p: {m for m in ops if m in ("get", "post", "put", "delete", "patch", "head")}
                  for p, ops in doc.get("paths", {}).items()}
    check(documented == routes, f"the document's paths and methods are the server's routes ({documented})")
    # Every documented status must be one the server can answer.
    for p, ops in doc["paths"].items():
        for m, op in ops.items():
            for code in op.get("responses", {}):
                check(code in {"200", "400", "404", "405", "408", "413", "500", "503"}, f"{m.upper()} {p} documents status {code}")
    return doc


def test_web(s):
    status, hdrs, data = s.request("GET", "/")
    if not os.path.exists(os.path.join(ROOT, "web", "index.html")):
        check(status == 404, "without web/, / answers 404")
        return
    check(status == 200 and hdrs.get("content-type", "").startswith("text/html") and b"<html" in data,
          "GET / serves the web page")
    check("default-src 'self'" in hdrs.get("content-security-policy", ""), "the page is served with a CSP")
    for path, kind in (("/app.js", "text/javascript"), ("/style.css", "text/css")):
        status, hdrs, _ = s.request("GET", path)
        check(status == 200 and hdrs.get("content-type", "").startswith(kind), f"GET {path} serves {kind}")
    status, _, _ = s.request("GET", "/../api/openapi.json")
    check(status == 404, "no path outside the three web files is served")


def test_readme(s, readme, section=None, least=4):
    """Runs the README's curl examples (```sh blocks) against the server; with
    section, only those under the "## " heading that starts with it."""
    if not os.path.exists(readme):
        check(False, f"README with curl examples at {readme}")
        return
    text = open(readme, encoding="utf-8").read()
    if section:
        m = re.search(r"^## " + re.escape(section) + r".*?(?=^## |\Z)", text, re.S | re.M)
        check(m is not None, f"{os.path.basename(readme)} has a section '{section}'")
        text = m.group(0) if m else ""
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    cmds = []
    for b in blocks:
        # A command starts at a line in column 0; indented lines continue it.
        for cmd in re.split(r"\n(?=\S)", b.strip()):
            if "curl " in cmd:
                cmds.append(cmd)
    check(len(cmds) >= least, f"{os.path.basename(readme)} has curl examples ({len(cmds)})")
    url = f"http://127.0.0.1:{s.port}"
    for cmd in cmds:
        run = cmd.replace("http://127.0.0.1:8080", url)
        p = subprocess.run(["bash", "-c", run], capture_output=True, timeout=60)
        out = p.stdout.decode("utf-8", "replace")
        ok = p.returncode == 0
        try:
            json.loads(out)
        except ValueError:
            ok = False
        check(ok, f"README example runs and prints JSON: {cmd.splitlines()[0][:70]}")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    exe = sys.argv[1]
    readme = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "server", "README-server.md")
    s = Server(exe)
    try:
        openapi = test_openapi(s)
        test_endpoints(s, openapi)
        test_batch(s)
        test_errors(s)
        chunked_oversize(s)
        test_concurrent(s)
        test_slow_clients(s)
        test_web(s)
        test_trainings(s, openapi)
        test_readme(s, readme)
        test_readme(s, os.path.join(ROOT, "README.md"), section="HTTP API", least=1)
        status, _, doc = s.json("GET", "/v1/health")
        check(status == 200, "the server still serves after all the bad requests")

        # SIGTERM while a request is under way: the request completes, then exit 0.
        box = {}

        def late():
            try:
                box["r"] = s.json("POST", "/v1/diagnose/batch",
                                  json.dumps([{"text": "cariste et magasinier"}] * MAX_BATCH))[0]
            except OSError:
                box["r"] = "refused"  # SIGTERM came first: the port was closed

        t = threading.Thread(target=late)
        t.start()
        time.sleep(0.005)
        s.proc.send_signal(signal.SIGTERM)
        t.join()
        try:
            rc = s.proc.wait(15)
        except subprocess.TimeoutExpired:
            s.proc.kill()
            rc = "hung"
        check(rc == 0, f"SIGTERM stops the server with exit code 0 ({rc})")
        r = box.get("r")
        check(r in (200, "refused"), f"a request under way at SIGTERM is answered or refused, never cut ({r})")
    finally:
        if s.proc.poll() is None:
            s.proc.kill()
        s.reader.join(5)
    log = "".join(s.log)
    check(SECRET not in log, "the log holds no request text")
    access = [l for l in s.log if re.match(r"\d{4}-\d\d-\d\dT\S+Z (GET|POST|HEAD|DELETE) \S+ \d{3} \d+ [\d.]+ms", l)]
    check(len(access) > 20, f"the access log has one line per request ({len(access)} lines)")
    check(any(" 408 " in l for l in access) and any(" 413 " in l for l in access), "the access log records error statuses")
    test_no_trainings(exe, openapi)
    if failures:
        print(f"\n{len(failures)} check(s) failed", file=sys.stderr)
        print("server log (tail):\n" + "".join(s.log[-30:]), file=sys.stderr)
        sys.exit(1)
    print("\nall server checks passed")


if __name__ == "__main__":
    main()
