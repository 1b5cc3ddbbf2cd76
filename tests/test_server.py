#!/usr/bin/env python3
"""End-to-end test of `jalon serve` on a loopback port (standard library only).

Usage: test_server.py SERVER [README]
SERVER is build/tools/jalon (the `serve` verb is added) or build/tools/server/jalon-serve.
README (default server/README-server.md next to the source root) holds curl examples
that are run against the server too. JALON_MODEL picks the model as for the CLI.

Starts the server on a free port, checks every endpoint and every error status, the
OpenAPI document against the routes and real responses, that the access log holds no
request text, and that SIGTERM stops it with exit code 0.
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


class Server:
    def __init__(self, exe):
        cmd = [exe]
        if os.path.basename(exe) == "jalon":
            cmd.append("serve")
        cmd += ["--port", "0", "--threads", "2", "--timeout", str(TIMEOUT_S),
                "--max-batch", str(MAX_BATCH),
                "--web", os.path.join(ROOT, "web"),
                "--openapi", os.path.join(ROOT, "api", "openapi.json")]
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
              "/v1/health": {"get"}, "/v1/openapi.json": {"get"}}
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


def test_readme(s, readme):
    """Runs the README's curl examples (```sh blocks) against the server."""
    if not os.path.exists(readme):
        check(False, f"README with curl examples at {readme}")
        return
    text = open(readme, encoding="utf-8").read()
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    cmds = []
    for b in blocks:
        # A command starts at a line in column 0; indented lines continue it.
        for cmd in re.split(r"\n(?=\S)", b.strip()):
            if "curl " in cmd:
                cmds.append(cmd)
    check(len(cmds) >= 4, f"the README has curl examples ({len(cmds)})")
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
        test_readme(s, readme)
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
    if failures:
        print(f"\n{len(failures)} check(s) failed", file=sys.stderr)
        print("server log (tail):\n" + "".join(s.log[-30:]), file=sys.stderr)
        sys.exit(1)
    print("\nall server checks passed")


if __name__ == "__main__":
    main()
