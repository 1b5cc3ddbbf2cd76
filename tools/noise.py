#!/usr/bin/env python3
"""Degrades the French text of evaluation lines the way people really type it, to
measure how robust the matcher is to misspellings. Standard library only.

Reads JSONL on stdin (objects with "text" and optionally "title"), writes the same
objects, in the same order and with every other field untouched (ids, labels), but
with degraded "text" and "title":

  accents      drop diacritics (unicodedata), œ -> oe, æ -> ae
  apostrophes  elision apostrophes dropped ("jai") or replaced with a space ("j ai")
  consonants   doubled consonants made single ("ll" -> "l"), and, rarely, a single
               consonant between vowels doubled ("n" -> "nn")
  phonetic     French sound-alike spellings: word endings é/er/ez/ée swapped,
               "-ment" -> "-man", a silent final letter dropped (domicile -> domicil);
               inside words "ç" -> "ss", "eau"/"au" -> "o", "qu" -> "k", "ph" -> "f",
               "ai" -> "e" (caisse -> cesse), "tion" -> "sion", "an"/"en" swapped
               before a consonant, "ce/ci" -> "se/si", "ge/gi" -> "je/ji",
               "aill/eill" -> "ay/ey", initial "h" dropped
  edits        one random edit (insert, delete, substitute with a neighbouring AZERTY
               key, transpose) in a word of 6+ letters, with probability --p-edit;
               the first letter of a word is kept

Each kind fires independently at each place where it applies, with its own
probability (--p-accent, --p-apostrophe, --p-consonant, --p-phonetic, --p-edit);
--rate multiplies all of them (0 leaves the text unchanged). --no-KIND disables one
kind, --only KIND[,KIND] keeps only those. Letter case is kept (an ALL-CAPS word
stays in capitals). Digits and punctuation are never touched.

The output is deterministic for a given --seed: each field is degraded with a
generator seeded from the seed, the line's "id" (or its line number) and the field
name, so a line's noise does not depend on the other lines.

    python3 tools/noise.py --seed 1 < clean.jsonl > noisy.jsonl
    python3 tools/noise.py --seed 1 --only accents,apostrophes < clean.jsonl
    python3 tools/noise.py --selftest
"""

import argparse
import json
import random
import re
import sys
import unicodedata

KINDS = ("accents", "apostrophes", "consonants", "phonetic", "edits")

DEFAULT_P = {
    "accents": 0.8,       # per word that carries a diacritic
    "apostrophes": 0.8,   # per elision apostrophe
    "consonants": 0.3,    # per doubled consonant (a single one is doubled at 0.15 x this)
    "phonetic": 0.2,      # per place where a sound-alike rule applies
    "edits": 0.5,         # per word of 6+ letters
}

LETTERS = r"[^\W\d_]"
WORD_RE = re.compile(LETTERS + "+")
APOSTROPHE_RE = re.compile("(?<=" + LETTERS + ")['\u2019\u02bc\u2018](?=" + LETTERS + ")")
VOWELS = "aeiouyàâäéèêëîïôöùûüÿœæ"
CONSONANTS = "bcdfghjklmnpqrstvwxz"

AZERTY_ROWS = ("azertyuiop", "qsdfghjklm", "wxcvbn")


def _azerty_neighbours():
    pos = {}
    for r, row in enumerate(AZERTY_ROWS):
        for c, ch in enumerate(row):
            pos[ch] = (r, c)
    out = {}
    for ch, (r, c) in pos.items():
        near = []
        for other, (r2, c2) in pos.items():
            if other != ch and abs(r - r2) <= 1 and abs(c - c2) <= 1:
                near.append(other)
        out[ch] = "".join(sorted(near))
    return out


NEIGHBOURS = _azerty_neighbours()


class Config:
    """Probabilities per kind, already multiplied by the overall rate and capped at 1."""

    def __init__(self, rate=1.0, p=None, enabled=KINDS):
        probs = dict(DEFAULT_P)
        if p:
            probs.update({k: v for k, v in p.items() if v is not None})
        self.p = {k: (min(1.0, max(0.0, probs[k] * rate)) if k in enabled else 0.0)
                  for k in KINDS}


def strip_accents(s):
    s = s.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    d = unicodedata.normalize("NFD", s)
    return unicodedata.normalize("NFC", "".join(c for c in d if unicodedata.category(c) != "Mn"))


def restore_case(orig, new):
    """Gives `new` (lower case) the case pattern of `orig`."""
    if len(orig) > 1 and orig.isupper():
        return new.upper()
    if orig[:1].isupper():
        return new[:1].upper() + new[1:]
    return new


# --- phonetic -----------------------------------------------------------------

# Word endings; at most one of these fires per word. (pattern, replacements, min length)
ENDING_RULES = [
    (re.compile(r"ements?$"), ["eman", "emen"], 7),
    (re.compile(r"ments?$"), ["man", "men"], 6),
    (re.compile(r"(?:ées?|és)$"), ["é", "er", "ez", "e"], 5),
    (re.compile(r"é$"), ["er", "ez", "e"], 4),
    (re.compile(r"er$"), ["é", "ez", "e"], 5),
    (re.compile(r"ez$"), ["é", "er"], 4),
]
SILENT_FINAL_RE = re.compile(r"(?:(?<=[" + VOWELS + r"nr])[stxdz]|(?<=[lnmcvg])e|(?<=[lnm])es)$")

# Inside a word, each occurrence may fire. (pattern, replacements)
INNER_RULES = [
    (re.compile(r"eau"), ["o", "au"]),
    (re.compile(r"(?<!e)au"), ["o"]),
    (re.compile(r"ç"), ["ss", "s"]),
    (re.compile(r"qu"), ["k"]),
    (re.compile(r"ph"), ["f"]),
    (re.compile(r"a[iî](?=[" + CONSONANTS + r"])"), ["e", "è", "é"]),
    (re.compile(r"tion"), ["sion", "cion"]),
    (re.compile(r"(?<=.)en(?=[" + CONSONANTS.replace("n", "") + r"])"), ["an"]),
    (re.compile(r"(?<=.)an(?=[" + CONSONANTS.replace("n", "") + r"])"), ["en"]),
    (re.compile(r"(?<=.)c(?=[eéèêiî])"), ["s", "ss"]),
    (re.compile(r"(?<=.)g(?=[eéèêiî])"), ["j"]),
    (re.compile(r"aill"), ["ay", "aill"]),
    (re.compile(r"eill"), ["ey"]),
    (re.compile(r"^h(?=[" + VOWELS + r"])"), [""]),
]


def phonetic(low, rng, p):
    if len(low) < 3:
        return low
    for pat, repl in INNER_RULES:
        def sub(m, repl=repl):
            if rng.random() < p:
                return rng.choice(repl)
            return m.group(0)
        low = pat.sub(sub, low)
    candidates = []
    for pat, repl, min_len in ENDING_RULES:
        m = pat.search(low)
        if m and len(low) >= min_len:
            candidates.append((m.start(), repl))
            break  # the longest ending that applies; rules are ordered
    m = SILENT_FINAL_RE.search(low)
    if m and len(low) >= 5:
        candidates.append((m.start(), [""]))
    if candidates and rng.random() < p:
        start, repl = rng.choice(candidates)
        low = low[:start] + rng.choice(repl)
    return low


# --- consonants ---------------------------------------------------------------

DOUBLE_RE = re.compile(r"([bcdfglmnprst])\1")
SINGLE_RE = re.compile(r"(?<=[" + VOWELS + r"])([lnmtrspf])(?=[" + VOWELS + r"])")


def consonants(low, rng, p):
    low = DOUBLE_RE.sub(lambda m: m.group(1) if rng.random() < p else m.group(0), low)
    q = p * 0.15
    return SINGLE_RE.sub(lambda m: m.group(1) * 2 if rng.random() < q else m.group(0), low)


# --- edits --------------------------------------------------------------------

def _near(ch, rng):
    base = strip_accents(ch)
    near = NEIGHBOURS.get(base)
    if not near:
        near = "abcdefghijklmnopqrstuvwxyz".replace(base, "")
    return rng.choice(near)


def edit(low, rng):
    """One edit, never on the first letter: insert, delete, substitute, transpose."""
    n = len(low)
    op = rng.choice(("insert", "delete", "substitute", "transpose"))
    if op == "transpose":
        i = rng.randrange(1, n - 1)
        if low[i] != low[i + 1]:
            return low[:i] + low[i + 1] + low[i] + low[i + 2:]
        op = "substitute"
    if op == "insert":
        i = rng.randrange(1, n + 1)
        ch = low[i - 1] if rng.random() < 0.3 else _near(low[i - 1], rng)
        return low[:i] + ch + low[i:]
    if op == "delete":
        i = rng.randrange(1, n)
        return low[:i] + low[i + 1:]
    i = rng.randrange(1, n)
    ch = _near(low[i], rng)
    return low[:i] + ch + low[i + 1:]


# --- text ---------------------------------------------------------------------

def degrade_word(word, rng, cfg):
    low = word.lower()
    if cfg.p["phonetic"]:
        low = phonetic(low, rng, cfg.p["phonetic"])
    if cfg.p["consonants"]:
        low = consonants(low, rng, cfg.p["consonants"])
    if cfg.p["accents"] and strip_accents(low) != low and rng.random() < cfg.p["accents"]:
        low = strip_accents(low)
    if cfg.p["edits"] and len(low) >= 6 and rng.random() < cfg.p["edits"]:
        low = edit(low, rng)
    if low == word.lower():
        return word  # untouched: keep mixed case such as "JavaScript"
    if not low:
        return ""
    return restore_case(word, low)


def degrade_text(text, rng, cfg):
    text = unicodedata.normalize("NFC", text)
    if cfg.p["apostrophes"]:
        def apo(m):
            if rng.random() < cfg.p["apostrophes"]:
                return rng.choice(("", " "))
            return m.group(0)
        text = APOSTROPHE_RE.sub(apo, text)
    return WORD_RE.sub(lambda m: degrade_word(m.group(0), rng, cfg), text)


def field_rng(seed, key, field):
    # random.Random seeds a str through SHA-512: stable across runs and versions.
    return random.Random("jalon-noise\0%s\0%s\0%s" % (seed, key, field))


def degrade_object(obj, seed, key, cfg, fields=("text", "title")):
    out = dict(obj)
    for f in fields:
        if isinstance(out.get(f), str):
            out[f] = degrade_text(out[f], field_rng(seed, key, f), cfg)
    return out


def run(inp, out, seed, cfg, fields):
    n = 0
    for lineno, line in enumerate(inp, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise SystemExit("noise.py: line %d: not JSON (%s)" % (lineno, e))
        if not isinstance(obj, dict):
            raise SystemExit("noise.py: line %d: not a JSON object" % lineno)
        key = obj.get("id", "#%d" % lineno)
        out.write(json.dumps(degrade_object(obj, seed, key, cfg, fields), ensure_ascii=False) + "\n")
        n += 1
    return n


# --- self test ----------------------------------------------------------------

def osa_distance(a, b):
    """Damerau (optimal string alignment) edit distance."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


SAMPLES = [
    {"id": "t1", "rome": "D1505", "title": "Hôte / Hôtesse de caisse",
     "text": "J'ai travaillé six ans comme caissière, je voudrais devenir aide-soignante à l'hôpital."},
    {"id": "t2", "rome": "F1703", "experience": ["F1703"], "aspiration": [], "excluded": ["F1703"],
     "text": "MAÇON DEPUIS 15 ANS DANS LE BÂTIMENT, JE NE VEUX PLUS TRAVAILLER EN EXTÉRIEUR."},
    {"id": "t3", "rome": "K1304", "score": 0.5, "nested": {"a": [1, 2]},
     "text": "Aide à domicile qualifiée, j'accompagne les personnes âgées pour l'entretien du logement."},
    {"id": "t4", "rome": "N1103", "title": None,
     "text": "Préparatrice de commandes en entrepôt frigorifique, équipe de nuit, 35 heures."},
]


def selftest():
    checks = 0

    def check(cond, what):
        nonlocal checks
        if not cond:
            raise AssertionError("noise selftest failed: " + what)
        checks += 1

    cfg = Config()
    for s in SAMPLES:
        a = degrade_object(s, 1, s["id"], cfg)
        b = degrade_object(s, 1, s["id"], cfg)
        c = degrade_object(s, 2, s["id"], cfg)
        check(a == b, "same seed gives the same output (%s)" % s["id"])
        check(a["text"] != s["text"], "the text is degraded (%s): %r" % (s["id"], a["text"]))
        check(c["text"] != a["text"], "another seed gives another output (%s)" % s["id"])
        check(list(a.keys()) == list(s.keys()), "keys and their order are kept (%s)" % s["id"])
        for k in s:
            if k not in ("text", "title") or not isinstance(s[k], str):
                check(a[k] == s[k], "field %r is untouched (%s)" % (k, s["id"]))
        check(sorted(re.findall(r"\d+", a["text"])) == sorted(re.findall(r"\d+", s["text"])),
              "digits are kept (%s)" % s["id"])
        check(unicodedata.normalize("NFC", a["text"]) == a["text"], "output is NFC (%s)" % s["id"])
    t1 = degrade_object(SAMPLES[0], 1, "t1", cfg)
    check(t1["title"] != SAMPLES[0]["title"], "the title is degraded too: %r" % t1["title"])

    # The whole run: same lines, same ids, same labels, deterministic.
    import io
    src = "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in SAMPLES)
    out1, out2 = io.StringIO(), io.StringIO()
    check(run(io.StringIO(src), out1, 7, cfg, ("text", "title")) == len(SAMPLES), "all lines written")
    run(io.StringIO(src), out2, 7, cfg, ("text", "title"))
    check(out1.getvalue() == out2.getvalue(), "run() is deterministic for a seed")
    got = [json.loads(l) for l in out1.getvalue().splitlines()]
    check([g["id"] for g in got] == [s["id"] for s in SAMPLES], "ids kept, in order")
    check([g["rome"] for g in got] == [s["rome"] for s in SAMPLES], "labels kept, in order")
    # A line's noise does not depend on its neighbours.
    out3 = io.StringIO()
    run(io.StringIO("".join(reversed(src.splitlines(True)))), out3, 7, cfg, ("text", "title"))
    check(sorted(out3.getvalue().splitlines()) == sorted(out1.getvalue().splitlines()),
          "noise of a line does not depend on the order of lines")

    # Rate 0 is the identity.
    zero = Config(rate=0.0)
    for s in SAMPLES:
        check(degrade_object(s, 3, s["id"], zero)["text"] == unicodedata.normalize("NFC", s["text"]),
              "rate 0 leaves the text unchanged")

    # Each kind on its own, at probability 1.
    def only(kind, **p):
        return Config(p={kind: 1.0, **p}, enabled=(kind,))

    rng = random.Random(0)
    check(degrade_text("Élève à l'hôpital, manœuvre CÂBLÉ", rng, only("accents"))
          == "Eleve a l'hopital, manoeuvre CABLE", "accents dropped, case and apostrophe kept")
    for seed in range(10):
        got_apo = degrade_text("j'ai vu l'entrepôt d\u2019accueil", random.Random(seed), only("apostrophes"))
        check(re.fullmatch(r"j ?ai vu l ?entrepôt d ?accueil", got_apo) is not None,
              "apostrophes dropped or spaced: %r" % got_apo)
    check(degrade_text("Aujourd'hui 'citation'", random.Random(1), only("apostrophes"))
          in ("Aujourdhui 'citation'", "Aujourd hui 'citation'"), "quotes are not elisions")
    check(degrade_text("installer allée", random.Random(0), only("consonants"))
          == "instaler alée", "doubled consonants made single")
    doubled = set()
    for seed in range(200):
        doubled.add(degrade_text("animateur", random.Random(seed), only("consonants")))
    check(any(re.search(r"([nmtr])\1", w) for w in doubled), "a single consonant is sometimes doubled")
    check("animateur" in doubled, "a single consonant is doubled only rarely")
    ph = only("phonetic")
    check(degrade_text("bâtiment", random.Random(0), ph) in ("bâtiman", "bâtimen"), "-ment -> -man")
    check(degrade_text("maçon", random.Random(0), ph) in ("masson", "mason"), "ç -> ss")
    check(degrade_text("bureau", random.Random(0), ph) in ("buro", "burau"), "eau -> o")
    check(degrade_text("pharmacie", random.Random(0), ph).startswith("farma"), "ph -> f")
    check(degrade_text("quai", random.Random(0), ph) == "kai", "qu -> k")
    check(degrade_text("caisse", random.Random(0), ph)[:2] in ("ce", "cè", "cé"), "ai -> e (cesse)")
    endings = set(degrade_text("travaillé", random.Random(s), Config(p={"phonetic": 1.0}, enabled=("phonetic",))
                               ) for s in range(30))
    check(any(w.endswith("er") for w in endings) and any(w.endswith("ez") for w in endings),
          "é/er/ez endings are swapped: %r" % sorted(endings))
    finals = set(degrade_text("domicile", random.Random(s), ph) for s in range(30))
    check(all(w.endswith("il") for w in finals), "silent final letter dropped: %r" % sorted(finals))
    check(degrade_text("CHAUFFEUR", random.Random(0), ph).isupper(), "capitals kept by phonetic rules")
    ed = only("edits")
    words = "je suis préparatrice de commandes dans un entrepôt".split()
    for seed in range(50):
        got_words = degrade_text(" ".join(words), random.Random(seed), ed).split()
        check(len(got_words) == len(words), "edits keep word boundaries")
        for w, g in zip(words, got_words):
            if len(w) >= 6:
                check(osa_distance(w, g) == 1 and g[0] == w[0],
                      "one edit per long word, first letter kept: %r -> %r" % (w, g))
            else:
                check(g == w, "short words are not edited: %r -> %r" % (w, g))
    half = sum(degrade_text("entrepôt", random.Random(s), Config(enabled=("edits",))) != "entrepôt"
               for s in range(400))
    check(150 < half < 250, "--p-edit 0.5 edits about half of the long words (%d/400)" % half)
    check(degrade_text("JavaScript", random.Random(0), only("accents")) == "JavaScript",
          "an untouched word keeps its mixed case")
    check(degrade_text("", random.Random(0), cfg) == "", "empty text")
    check(degrade_text("35 h / 2024 !", random.Random(0), cfg) == "35 h / 2024 !", "no letters, no change")
    print("noise selftest: %d checks passed" % checks)
    return 0


def parse_kinds(s):
    kinds = [k.strip() for k in s.split(",") if k.strip()]
    for k in kinds:
        if k not in KINDS:
            raise argparse.ArgumentTypeError("unknown kind %r (choose among %s)" % (k, ", ".join(KINDS)))
    return kinds


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="kinds: " + ", ".join(KINDS))
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument("--rate", type=float, default=1.0,
                    help="multiplies every probability below (default 1.0; 0 = no change)")
    ap.add_argument("--p-accent", type=float, default=DEFAULT_P["accents"],
                    help="drop the accents of a word (default %(default)s)")
    ap.add_argument("--p-apostrophe", type=float, default=DEFAULT_P["apostrophes"],
                    help="drop or space an elision apostrophe (default %(default)s)")
    ap.add_argument("--p-consonant", type=float, default=DEFAULT_P["consonants"],
                    help="single a doubled consonant; a single one is doubled at 0.15 x this "
                         "(default %(default)s)")
    ap.add_argument("--p-phonetic", type=float, default=DEFAULT_P["phonetic"],
                    help="apply a sound-alike rule where it fits (default %(default)s)")
    ap.add_argument("--p-edit", type=float, default=DEFAULT_P["edits"],
                    help="one random edit in a word of 6+ letters (default %(default)s)")
    for k in KINDS:
        ap.add_argument("--no-" + k, dest="no_" + k, action="store_true", help="disable " + k)
    ap.add_argument("--only", type=parse_kinds, metavar="KIND[,KIND]",
                    help="enable only these kinds")
    ap.add_argument("--fields", default="text,title",
                    help="comma-separated string fields to degrade (default text,title)")
    ap.add_argument("--selftest", action="store_true", help="run the built-in checks and exit")
    args = ap.parse_args(argv)

    if args.selftest:
        return selftest()
    if args.rate < 0:
        ap.error("--rate must be >= 0")
    enabled = set(args.only) if args.only else set(KINDS)
    enabled -= {k for k in KINDS if getattr(args, "no_" + k)}
    cfg = Config(rate=args.rate, enabled=enabled, p={
        "accents": args.p_accent, "apostrophes": args.p_apostrophe,
        "consonants": args.p_consonant, "phonetic": args.p_phonetic, "edits": args.p_edit})
    fields = tuple(f.strip() for f in args.fields.split(",") if f.strip())
    sys.stdin.reconfigure(encoding="utf-8")
    sys.stdout.reconfigure(encoding="utf-8")
    try:
        run(sys.stdin, sys.stdout, args.seed, cfg, fields)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into head
        sys.stderr.close()
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
