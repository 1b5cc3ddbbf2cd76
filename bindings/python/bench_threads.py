#!/usr/bin/env python3
"""Measures the Python binding: thread scaling (GIL released during the C call)
and the per-call overhead of the binding over the C library. Prints figures;
never passes or fails on time.

    PYTHONPATH=bindings/python:build/bindings/python \\
    /usr/bin/python3 bindings/python/bench_threads.py --data build/eval/general.jsonl

--data is JSONL with "text" (and optional "title", "id"), e.g. the eval-dev
lines from tools/evaldev_to_jsonl.py, or tests/data/self_descriptions.jsonl.

Figures:
  threads      requests/s with 1, 2 and 4 Python threads each calling
               model.diagnose_request() on its share of the requests, and the
               ratio to 1 thread; the same through diagnose_batch(jobs=N); and
               `jalon diagnose --batch --jobs N` in the same rounds, the C
               ceiling on this machine at that moment (other processes on a
               shared machine lower it for all three alike).
  overhead     CPU time per call of
                 C     `jalon diagnose --batch --jobs 1` on the same requests, its
                       start-up (one request) subtracted: jalon_diagnose_json
                       plus line I/O, no Python at all;
                 raw   Workspace.diagnose_json(bytes): the C call through the
                       extension, request already encoded, response as str;
                 full  Model.diagnose_request(dict): request encoded, the C call,
                       the response turned into a dict, error check: what a
                       user calls.
               overhead = full / raw - 1: what the binding adds to the C call
               (the acceptance figure, at most 10 %), and full / C - 1.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time

import jalon
from jalon import _jalon


def load_requests(path, limit_jobs):
    reqs = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if not line.strip():
                continue
            d = json.loads(line)
            req = {"id": str(d.get("id", i)), "text": d["text"], "limit": {"jobs": limit_jobs}}
            if d.get("title"):
                req["title"] = d["title"]
            reqs.append(req)
    return reqs


def run_threads(model, reqs, n_threads):
    shares = [reqs[i::n_threads] for i in range(n_threads)]

    def work(share):
        for r in share:
            model.diagnose_request(r)

    threads = [threading.Thread(target=work, args=(s,)) for s in shares]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def cli_wall(cli, model_path, path, jobs):
    """Wall time of one `jalon diagnose --batch --jobs N` over the file at
    `path` (None: one short request, to time the start-up)."""
    cmd = [cli, "diagnose", "--batch", "--jobs", str(jobs), "--model", model_path]
    t0 = time.perf_counter()
    if path:
        with open(path, "rb") as inp:
            subprocess.run(cmd, stdin=inp, stdout=subprocess.DEVNULL, check=True)
    else:
        subprocess.run(cmd, input=b'{"text": "cariste"}\n', stdout=subprocess.DEVNULL,
                       check=True)
    return time.perf_counter() - t0


def cli_cpu_seconds(cli, model_path, lines, repeat):
    """Least CPU time (user + system) of `jalon diagnose --batch --jobs 1`
    over `lines`."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as f:
        f.write("".join(lines))
        path = f.name
    try:
        best = float("inf")
        for _ in range(repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            with open(path, "rb") as inp:
                subprocess.run([cli, "diagnose", "--batch", "--jobs", "1", "--model", model_path],
                               stdin=inp, stdout=subprocess.DEVNULL, check=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            best = min(best, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
        return best
    finally:
        os.unlink(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="JSONL with text (and title)")
    ap.add_argument("--model", default=None, help="model file (default: the library's search)")
    ap.add_argument("--cli", default=os.environ.get("JALON_CLI"),
                    help="jalon CLI for the C baseline (default: $JALON_CLI; skipped if unset)")
    ap.add_argument("--repeat", type=int, default=5, help="runs per figure, best kept")
    ap.add_argument("--min-requests", type=int, default=400,
                    help="repeat the data up to this many requests per run")
    ap.add_argument("--jobs", type=int, default=10, help="limit.jobs of each request")
    args = ap.parse_args()

    base = load_requests(args.data, args.jobs)
    if not base:
        sys.exit("bench_threads: no request in " + args.data)
    reqs = list(base)
    while len(reqs) < args.min_requests:
        reqs.extend(base)
    n = len(reqs)
    text_bytes = sum(len(r["text"].encode()) for r in base) / len(base)

    model = jalon.Model(args.model)
    print(f"model {model.path} (ROME {model.rome_version}), libjalon {jalon.library_version()}")
    print(f"data {args.data}: {len(base)} requests, mean text {text_bytes:.0f} bytes; "
          f"{n} requests per run, best of {args.repeat}; {os.cpu_count()} CPUs")

    # Warm up: page in the model, make the workspaces the threads will use.
    run_threads(model, reqs[:64], 4)

    # Rounds interleave the configurations, so a burst of load from other
    # processes on a shared machine does not land on one of them only. The
    # CLI's own scaling in the same rounds is the ceiling the machine allows
    # at that moment: pure C, no GIL.
    kinds = {
        "model.diagnose_request from N Python threads": lambda k: run_threads(model, reqs, k),
        "model.diagnose_batch(jobs=N)": lambda k: model.diagnose_batch(reqs, jobs=k),
    }
    cli_file = None
    if args.cli:
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8",
                                         delete=False) as f:
            f.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in reqs))
            cli_file = f.name
        start_up = min(cli_wall(args.cli, model.path, None, 1) for _ in range(3))
        kinds["jalon diagnose --batch --jobs N (C, start-up subtracted)"] = (
            lambda k: cli_wall(args.cli, model.path, cli_file, k))
    best = {}
    for _ in range(args.repeat):
        for name, fn in kinds.items():
            for k in (1, 2, 4):
                t0 = time.perf_counter()
                fn(k)
                dt = time.perf_counter() - t0
                if name.startswith("jalon diagnose"):
                    dt -= start_up
                best[name, k] = min(best.get((name, k), dt), dt)
    if cli_file:
        os.unlink(cli_file)
    for name in kinds:
        print(f"\nthreads ({name}; wall time, best of {args.repeat} interleaved rounds)")
        for k in (1, 2, 4):
            rate = n / best[name, k]
            print(f"  N={k}  {rate:8.0f} req/s  x{best[name, 1] / best[name, k]:4.2f}")

    print("\noverhead per call, 1 thread (CPU time of the calling thread, best of "
          f"{args.repeat} interleaved runs)")
    ws = _jalon.Workspace(model._model)
    encoded = [jalon._encode(r) for r in reqs]
    # Each response is dropped at once, as a server or a streaming evaluation
    # would: keeping hundreds of response dicts alive makes the cyclic GC
    # walk them, a cost of the caller's program that json.loads would pay too.
    def raw_calls():
        for b in encoded:
            ws.diagnose_json(b)

    def full_calls():
        for r in reqs:
            model.diagnose_request(r)

    variants = {"raw": raw_calls, "full": full_calls}
    best = {k: float("inf") for k in variants}
    # Interleaved, on thread CPU time: other processes on a shared machine
    # slow every variant alike instead of whichever ran during a burst.
    for _ in range(args.repeat):
        for k, fn in variants.items():
            t0 = time.thread_time()
            fn()
            best[k] = min(best[k], time.thread_time() - t0)
    raw_us, full_us = best["raw"] / n * 1e6, best["full"] / n * 1e6
    c_us = None
    if args.cli:
        lines = [json.dumps(r, ensure_ascii=False) + "\n" for r in reqs]
        t_all = cli_cpu_seconds(args.cli, model.path, lines, args.repeat)
        t_one = cli_cpu_seconds(args.cli, model.path, lines[:1], args.repeat)
        c_us = (t_all - t_one) / (n - 1) * 1e6
        print(f"  C    jalon diagnose --batch --jobs 1  {c_us:7.1f} us   (process CPU time; "
              f"start-up {t_one * 1e3:.1f} ms subtracted)")
    else:
        print("  C    skipped: pass --cli or set JALON_CLI")
    print(f"  raw  Workspace.diagnose_json(bytes)   {raw_us:7.1f} us   (the C call via the "
          "extension)")
    print(f"  full Model.diagnose_request(dict)     {full_us:7.1f} us   (request dict in, "
          "response dict out)")
    print(f"  overhead full vs raw: {100 * (full_us / raw_us - 1):+5.1f} %   "
          f"({full_us - raw_us:.1f} us per call to encode the request and build the dict)")
    if c_us:
        print(f"  overhead full vs C:   {100 * (full_us / c_us - 1):+5.1f} %")
    ws.close()
    model.close()


if __name__ == "__main__":
    main()
