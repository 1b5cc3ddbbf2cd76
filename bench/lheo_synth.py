#!/usr/bin/env python3
"""Writes a SYNTHETIC LHÉO 2.2 offer export of a requested size, to measure the
streaming importer (bench_lheo) on a regional-sized file. Python 3 stdlib only.

Everything in the output is made up: titles, codes, organisations, places and
texts are drawn at random from the small lists below (the places use real
postcodes and coordinates of a few French cities, so the builder derives
départements). The file says so in a comment and every numero starts with
"SYNTH-". Deterministic for a given --seed.

    python3 bench/lheo_synth.py --size 200M -o /tmp/lheo-synth-200m.xml

Write it outside the repository (/tmp): it is data for a run, not a source.
"""

import argparse
import random
import sys
from xml.sax.saxutils import escape

TITLES = [
    "Agent de propreté et d'hygiène", "Cariste d'entrepôt", "Soudeur TIG électrode", "Plaquiste",
    "Assistant de vie aux familles", "Cuisinier", "Serveur en restauration", "Vendeur conseil en magasin",
    "Technicien d'assistance en informatique", "Développeur web et web mobile", "Comptable assistant",
    "Secrétaire assistant", "Conducteur de transport en commun sur route", "Maçon", "Électricien d'équipement",
    "Agent de sûreté et de sécurité privée", "Préparateur de commandes", "Aide-soignant", "Boulanger",
    "Installateur thermique et sanitaire", "Mécanicien automobile", "Employé commercial en magasin",
    "Remise à niveau et savoirs de base", "Certificat CléA", "Français langue étrangère",
]
PREFIXES = ["Titre professionnel", "CAP", "BTS", "Formation qualifiante", "Bac pro", "Certificat de qualification professionnelle", ""]
ROME = ["K2204", "N1101", "H2913", "F1604", "K1302", "G1602", "G1803", "D1106", "I1401", "M1805", "M1203",
        "M1607", "N4103", "F1703", "F1602", "K2503", "N1103", "J1501", "D1102", "F1603", "I1604", "D1507"]
CITIES = [  # city, postcode, INSEE, département, region, lat, lon
    ("Toulouse", "31000", "31555", "31", "76", 43.6045, 1.4442),
    ("Lyon", "69003", "69383", "69", "84", 45.7597, 4.8422),
    ("Lille", "59000", "59350", "59", "32", 50.6292, 3.0573),
    ("Rennes", "35000", "35238", "35", "53", 48.1173, -1.6778),
    ("Marseille", "13001", "13201", "13", "93", 43.2965, 5.3698),
    ("Strasbourg", "67000", "67482", "67", "44", 48.5734, 7.7521),
    ("Nantes", "44000", "44109", "44", "52", 47.2184, -1.5536),
    ("Limoges", "87000", "87085", "87", "75", 45.8336, 1.2611),
    ("Ajaccio", "20000", "2A004", "2A", "94", 41.9192, 8.7386),
    ("Pointe-à-Pitre", "97110", "97120", "971", "01", 16.2411, -61.5331),
]
ORGS = ["Centre de formation", "GRETA", "AFPA", "Institut", "Lycée professionnel", "École", "Campus", "CFA"]
WORDS = ("le la les des une un et pour avec sans dans sur par entre compétences métier pratique atelier "
         "stage entreprise sécurité qualité client équipe outils technique réglementation hygiène "
         "communication gestion organisation projet chantier production maintenance service accueil "
         "numérique bureautique évaluation certification module séquence apprentissage individualisé "
         "accompagnement recherche emploi savoir-faire savoir-être posture professionnelle").split()


def sentence(rng, lo, hi):
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def html_text(rng, size):
    """Paragraphs and lists as the exporters write them: HTML escaped in the XML."""
    parts, n = [], 0
    while n < size:
        if rng.random() < 0.3:
            items = "".join("<li>%s</li>" % sentence(rng, 6, 14) for _ in range(rng.randint(2, 6)))
            chunk = "<ul>%s</ul>" % items
        else:
            chunk = "<p>%s</p>" % " ".join(sentence(rng, 8, 20) for _ in range(rng.randint(2, 5)))
        parts.append(chunk)
        n += len(chunk)
    return escape("".join(parts))


def date(rng, year):
    return "%04d%02d%02d" % (year, rng.randint(1, 12), rng.randint(1, 28))


def address(rng, city, indent):
    name, pc, insee, dept, region, lat, lon = city
    pad = " " * indent
    return (f"{pad}<adresse>\n{pad} <ligne>{rng.randint(1, 200)} rue de la Formation</ligne>\n"
            f"{pad} <codepostal>{pc}</codepostal>\n{pad} <ville>{escape(name)}</ville>\n"
            f"{pad} <departement>{dept}</departement>\n{pad} <code-INSEE-commune>{insee}</code-INSEE-commune>\n"
            f"{pad} <region>{region}</region>\n{pad} <pays>FR</pays>\n"
            f"{pad} <geolocalisation><latitude>{lat + rng.uniform(-0.05, 0.05):.6f}</latitude>"
            f"<longitude>{lon + rng.uniform(-0.05, 0.05):.6f}</longitude></geolocalisation>\n"
            f"{pad}</adresse>\n")


def session(rng, fid, a, s, city):
    year = rng.randint(2024, 2026)
    cpf = ""
    if rng.random() < 0.5:
        cpf = ('   <extras info="eligibilite-cpf" numero="SYNTH-CPF-%d">\n'
               '    <extra info="source">Synthetic</extra><extra info="france-entiere">1</extra>\n'
               '   </extras>\n' % rng.randint(1, 99999))
    return (f'  <session numero="SYNTH-{fid}-{a}-{s}">\n'
            f"   <periode><debut>{date(rng, year)}</debut><fin>{date(rng, year + 1)}</fin></periode>\n"
            f"   <adresse-inscription>\n{address(rng, city, 4)}   </adresse-inscription>\n"
            f"   <periode-inscription><periode><debut>00000000</debut><fin>{date(rng, year)}</fin></periode>"
            f"</periode-inscription>\n   <etat-recrutement>1</etat-recrutement>\n{cpf}  </session>\n")


def action(rng, fid, a, counts):
    city = rng.choice(CITIES)
    n_sessions = rng.randint(1, 5)
    counts["sessions"] += n_sessions
    org = "%s %s %s" % (rng.choice(ORGS), escape(city[0]), rng.randint(1, 999))
    formateur = ""
    if rng.random() < 0.6:
        formateur = (f"  <organisme-formateur numero=\"SYNTH-OF-{rng.randint(1, 9999)}\">\n"
                     f"   <SIRET-formateur><SIRET>{rng.randint(10**13, 10**14 - 1)}</SIRET></SIRET-formateur>\n"
                     f"   <raison-sociale-formateur>{org}</raison-sociale-formateur>\n  </organisme-formateur>\n")
    return (f'<action numero="SYNTH-{fid}-{a}">\n'
            f"  <rythme-formation>Temps plein</rythme-formation>\n"
            f"  <code-public-vise ref=\"V12\">8{rng.randint(1000, 9999)}</code-public-vise>\n"
            f"  <niveau-entree-obligatoire>0</niveau-entree-obligatoire>\n"
            f"  <modalites-alternance>{html_text(rng, 200)}</modalites-alternance>\n"
            f"  <modalites-enseignement>{rng.choice('0001112')}</modalites-enseignement>\n"
            f"  <conditions-specifiques>{html_text(rng, 300)}</conditions-specifiques>\n"
            f"  <prise-en-charge-frais-possible>1</prise-en-charge-frais-possible>\n"
            f"  <lieu-de-formation>\n   <coordonnees>\n    <nom>{org}</nom>\n{address(rng, city, 4)}"
            f"   </coordonnees>\n  </lieu-de-formation>\n"
            f"  <modalites-entrees-sorties>0</modalites-entrees-sorties>\n"
            + "".join(session(rng, fid, a, s, city) for s in range(n_sessions)) +
            f"  <nombre-heures-centre>{rng.randint(100, 900)}</nombre-heures-centre>\n"
            f"  <nombre-heures-total>{rng.randint(150, 1500)}</nombre-heures-total>\n"
            + formateur +
            f"  <organisme-financeur><code-financeur>{rng.choice('2456')}</code-financeur>"
            f"<nb-places-financees>{rng.randint(5, 20)}</nb-places-financees></organisme-financeur>\n"
            "</action>\n")


def formation(rng, fid, counts):
    title = (rng.choice(PREFIXES) + " " + rng.choice(TITLES)).strip()
    fcs = "".join('<code-FORMACODE ref="V12"%s>%05d</code-FORMACODE>\n'
                  % (' tag="principal"' if i == 0 else "", rng.randint(10000, 99999)) for i in range(rng.randint(1, 4)))
    romes = "".join("<code-ROME>%s</code-ROME>\n" % r for r in rng.sample(ROME, rng.randint(1, 3)))
    cert = ""
    if rng.random() < 0.7:
        cert = ("<certification><code-RNCP>%d</code-RNCP><code-CERTIFINFO>%d</code-CERTIFINFO></certification>\n"
                % (rng.randint(100, 39999), rng.randint(1000, 120000)))
    n_actions = rng.randint(1, 4)
    counts["formations"] += 1
    counts["actions"] += n_actions
    city = rng.choice(CITIES)
    resp = "%s %s" % (rng.choice(ORGS), escape(city[0]))
    return (f'<formation numero="SYNTH-{fid}" datecrea="20240101" datemaj="20250101">\n'
            f"<domaine-formation>\n{fcs}<code-NSF>{rng.randint(100, 399)}</code-NSF>\n{romes}</domaine-formation>\n"
            f"<intitule-formation>{escape(title)}</intitule-formation>\n"
            f"<objectif-formation>{html_text(rng, rng.randint(800, 2500))}</objectif-formation>\n"
            f"<resultats-attendus>{html_text(rng, rng.randint(300, 1200))}</resultats-attendus>\n"
            f"<contenu-formation>{html_text(rng, rng.randint(2000, 6000))}</contenu-formation>\n"
            f"<certifiante>{1 if cert else 0}</certifiante>\n"
            f"<contact-formation><coordonnees><nom>Contact</nom>\n{address(rng, city, 1)}</coordonnees></contact-formation>\n"
            f"<parcours-de-formation>1</parcours-de-formation>\n<code-niveau-entree>0</code-niveau-entree>\n"
            f"{cert}<code-niveau-sortie>{rng.randint(0, 8)}</code-niveau-sortie>\n"
            + "".join(action(rng, fid, a, counts) for a in range(n_actions)) +
            f'<organisme-formation-responsable numero="SYNTH-OR-{fid}">\n'
            f"<numero-activite>{rng.randint(10**10, 10**11 - 1)}</numero-activite>\n"
            f"<SIRET-organisme-formation><SIRET>{rng.randint(10**13, 10**14 - 1)}</SIRET></SIRET-organisme-formation>\n"
            f"<nom-organisme>{resp}</nom-organisme>\n<raison-sociale>{resp} SAS</raison-sociale>\n"
            f"<coordonnees-organisme><coordonnees>\n{address(rng, city, 1)}</coordonnees></coordonnees-organisme>\n"
            f"<contact-organisme><coordonnees>\n{address(rng, city, 1)}</coordonnees></contact-organisme>\n"
            f"</organisme-formation-responsable>\n</formation>\n")


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().rstrip("B")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="200M", help="target size in bytes (K, M, G suffixes), default 200M")
    ap.add_argument("-o", "--output", required=True, help="file to write (outside the repository)")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    target = parse_size(args.size)
    rng = random.Random(args.seed)
    counts = {"formations": 0, "actions": 0, "sessions": 0}
    with open(args.output, "w", encoding="utf-8", newline="\n") as out:
        head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                "<!-- SYNTHETIC LHÉO 2.2 export written by bench/lheo_synth.py for benchmarks: "
                "made-up offers, not real training data. -->\n"
                '<lheo xmlns="http://www.lheo.org/2.2">\n<offres>\n')
        out.write(head)
        written = len(head.encode("utf-8"))
        tail = "</offres>\n</lheo>\n"
        fid = 0
        while written + len(tail) < target:
            chunk = formation(rng, fid, counts)
            out.write(chunk)
            written += len(chunk.encode("utf-8"))
            fid += 1
        out.write(tail)
        written += len(tail)
    print("%s: %d bytes, %d formations, %d actions, %d sessions (synthetic)"
          % (args.output, written, counts["formations"], counts["actions"], counts["sessions"]), file=sys.stderr)


if __name__ == "__main__":
    main()
