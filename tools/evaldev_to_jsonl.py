#!/usr/bin/env python3
"""Turns the two eval-dev job-offer CSVs (../shared/data/eval-dev) into the JSONL
lines `jalon eval` and the bench read: {"id", "title", "text", "rome"}.

The offers are development data with no licence to redistribute: write them to a
build directory (e.g. build/eval/), never into the repository (a path in the source
tree outside build*/ is refused). Row counts are checked against SOURCES.md section 6
(150 general offers; 429 distinct IT offers). Standard library only.

    python3 tools/evaldev_to_jsonl.py --general build/eval/general.jsonl \\
                                      --it build/eval/it.jsonl
"""

import argparse
import csv
import json
import os
import re
import sys

SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_EVAL_DEV = os.path.join(os.path.dirname(SOURCE_ROOT), "shared", "data", "eval-dev")
GENERAL_CSV = os.path.join("mounaTay_france-travail", "offres_emploi.csv")
IT_CSV = os.path.join("ily25-11_mon-projet", "offres_france_travail_dev.csv")
# Row counts of the files described in ../shared/data/SOURCES.md section 6.
EXPECT_GENERAL = 150
EXPECT_IT = 429

ROME_CODE = re.compile(r"^[A-N][0-9]{4}$")

# Some descriptions are long; the default field limit (128 KiB) is enough today,
# but a longer offer must not abort the conversion.
csv.field_size_limit(16 * 1024 * 1024)


class DataError(Exception):
    pass


def read_rows(path, delimiter):
    # newline="" lets the csv module keep newlines that sit inside quoted fields.
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f, delimiter=delimiter)
        for row in reader:
            yield reader.line_num, row


def field(row, name, path, line):
    value = row.get(name)
    if value is None:
        raise DataError(f"{path}:{line}: no column {name!r}")
    return value.strip()


def record(row_id, title, description, rome, path, line):
    if not ROME_CODE.match(rome):
        raise DataError(f"{path}:{line}: bad ROME code {rome!r}")
    if not title and not description:
        raise DataError(f"{path}:{line}: empty title and description")
    return {"id": row_id, "title": title, "text": title + "\n" + description, "rome": rome}


def convert_general(path):
    """France Travail offers, one département: '|'-separated, every row kept."""
    out, seen = [], set()
    for line, row in read_rows(path, "|"):
        rec = record(field(row, "id", path, line), field(row, "intitule", path, line),
                     field(row, "description", path, line),
                     field(row, "romeCode", path, line), path, line)
        if rec["id"] in seen:
            raise DataError(f"{path}:{line}: duplicate id {rec['id']!r}")
        seen.add(rec["id"])
        out.append(rec)
    return out


def convert_it(path):
    """IT offers from four overlapping searches: the same offer appears under several
    queries, so keep the first row of each distinct (titre, description)."""
    out, seen_text, seen_id = [], {}, set()
    for line, row in read_rows(path, ","):
        rec = record(field(row, "hash_id", path, line), field(row, "titre", path, line),
                     field(row, "description", path, line),
                     field(row, "rome_code", path, line), path, line)
        # Dedupe on the raw fields, as SOURCES.md counts them.
        key = (row["titre"], row["description"])
        if key in seen_text:
            if seen_text[key] != rec["rome"]:
                raise DataError(f"{path}:{line}: duplicate offer with another label "
                                f"({seen_text[key]} vs {rec['rome']})")
            continue
        seen_text[key] = rec["rome"]
        if rec["id"] in seen_id:
            raise DataError(f"{path}:{line}: duplicate id {rec['id']!r}")
        seen_id.add(rec["id"])
        out.append(rec)
    return out


def inside_repo_but_not_build(out):
    """True for an output path in the source tree outside a build* directory."""
    path = os.path.realpath(out)
    rel = os.path.relpath(path, SOURCE_ROOT)
    if rel == os.curdir or rel.startswith(os.pardir + os.sep) or rel == os.pardir:
        return False
    return not rel.split(os.sep)[0].startswith("build")


def write_jsonl(records, out):
    if out == "-":
        for r in records:
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    directory = os.path.dirname(os.path.abspath(out))
    os.makedirs(directory, exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    os.replace(tmp, out)


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Convert the eval-dev job-offer CSVs to Jalon eval JSONL "
                    "(lines {id, title, text, rome}). Write under build/, e.g. build/eval/: "
                    "the data must not be committed.")
    p.add_argument("--general", metavar="OUT",
                   help="write the general-population set (France Travail, 150 offers) here; "
                        "'-' for stdout")
    p.add_argument("--it", metavar="OUT",
                   help="write the IT set (429 distinct offers) here; '-' for stdout")
    p.add_argument("--eval-dev", metavar="DIR", default=DEFAULT_EVAL_DEV,
                   help="eval-dev folder (default: %(default)s)")
    p.add_argument("--general-csv", metavar="CSV",
                   help=f"general CSV (default: DIR/{GENERAL_CSV})")
    p.add_argument("--it-csv", metavar="CSV", help=f"IT CSV (default: DIR/{IT_CSV})")
    p.add_argument("--expect-general", type=int, default=EXPECT_GENERAL, metavar="N",
                   help="fail unless the general set has N rows; 0 skips the check "
                        "(default: %(default)s)")
    p.add_argument("--expect-it", type=int, default=EXPECT_IT, metavar="N",
                   help="fail unless the IT set has N rows; 0 skips the check "
                        "(default: %(default)s)")
    p.add_argument("--allow-in-tree", action="store_true",
                   help="allow an output path inside the source tree outside build*/ "
                        "(the data must still not be committed)")
    args = p.parse_args(argv)

    if not args.general and not args.it:
        p.error("nothing to do: give --general OUT and/or --it OUT (e.g. build/eval/general.jsonl)")
    if args.general == "-" and args.it == "-":
        p.error("only one of --general and --it can write to stdout")

    jobs = []
    if args.general:
        jobs.append(("general", args.general_csv or os.path.join(args.eval_dev, GENERAL_CSV),
                     convert_general, args.expect_general, args.general))
    if args.it:
        jobs.append(("it", args.it_csv or os.path.join(args.eval_dev, IT_CSV),
                     convert_it, args.expect_it, args.it))

    # The offers have no licence to redistribute: refuse a path in the source tree
    # (outside build*/ folders, which are not committed) unless told otherwise.
    for name in ("general", "it"):
        out = getattr(args, name)
        if out and out != "-" and inside_repo_but_not_build(out) and not args.allow_in_tree:
            p.error(f"--{name} {out} is inside the source tree; these offers must not be "
                    "committed: write under build*/ (e.g. build/eval/) or pass --allow-in-tree")

    # Convert and check everything before writing anything.
    converted = []
    for name, src, convert, expect, out in jobs:
        try:
            records = convert(src)
        except (OSError, UnicodeDecodeError, csv.Error, DataError) as e:
            print(f"evaldev_to_jsonl: {name}: {e}", file=sys.stderr)
            return 1
        if expect and len(records) != expect:
            print(f"evaldev_to_jsonl: {name}: {src} gave {len(records)} rows, expected {expect} "
                  f"(another version of the file? --expect-{name} 0 skips this check)",
                  file=sys.stderr)
            return 1
        converted.append((name, src, records, out))

    for name, src, records, out in converted:
        try:
            write_jsonl(records, out)
        except OSError as e:
            print(f"evaldev_to_jsonl: {name}: {e}", file=sys.stderr)
            return 1
        codes = len({r["rome"] for r in records})
        print(f"evaldev_to_jsonl: {name}: {len(records)} offers, {codes} distinct ROME codes "
              f"-> {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
