// Jalon web page: sends the text to POST /v1/diagnose and draws the answer for a
// person, in plain French. Data is written with textContent only, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

// The API gives UTF-8 byte offsets; JS strings count UTF-16 units. Returns a
// function mapping a byte offset to a string index (-1 inside a character).
function byteToIndex(text) {
  const map = new Map();
  let bytes = 0;
  let i = 0;
  for (const ch of text) {
    map.set(bytes, i);
    const cp = ch.codePointAt(0);
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += ch.length;
  }
  map.set(bytes, i);
  return (b) => (map.has(b) ? map.get(b) : -1);
}

function months(n) {
  if (!n) return "";
  if (n < 12) return `${n} mois`;
  const y = Math.floor(n / 12);
  const m = n % 12;
  return (y === 1 ? "1 an" : `${y} ans`) + (m ? ` et ${m} mois` : "");
}

const ROLE_FR = {
  experience: "métier que vous avez exercé",
  aspiration: "métier que vous voulez faire",
  excluded: "métier que vous ne voulez plus faire",
};

// Draws the text with the evidence words of the first jobs and the corrected
// words marked. Overlapping spans: the first one kept wins.
function drawText(text, jobs, corrections) {
  const box = $("yourtext");
  box.replaceChildren();
  const toIdx = byteToIndex(text);
  const spans = [];
  jobs.slice(0, 5).forEach((job) => {
    (job.evidence || []).forEach((ev) => {
      spans.push({ s: toIdx(ev.start), e: toIdx(ev.end), title: job.label, cls: "" });
    });
  });
  (corrections || []).forEach((c) => {
    spans.push({ s: toIdx(c.start), e: toIdx(c.end), title: `lu comme « ${c.to} »`, cls: "fix" });
  });
  const ok = spans.filter((sp) => sp.s >= 0 && sp.e > sp.s && sp.e <= text.length)
    .sort((a, b) => a.s - b.s || b.e - a.e);
  let at = 0;
  for (const sp of ok) {
    if (sp.s < at) continue;
    box.append(document.createTextNode(text.slice(at, sp.s)));
    const m = el("mark", text.slice(sp.s, sp.e), sp.cls);
    m.title = sp.title;
    box.append(m);
    at = sp.e;
  }
  box.append(document.createTextNode(text.slice(at)));
}

function drawJobs(resp, text) {
  const list = $("jobs");
  list.replaceChildren();
  const raw = new TextEncoder().encode(text);
  const dec = new TextDecoder();
  (resp.jobs || []).slice(0, 5).forEach((job) => {
    const li = el("li");
    li.append(el("span", job.label, "job-label"));
    const meta = [];
    if (ROLE_FR[job.role]) meta.push(ROLE_FR[job.role]);
    if (job.months) meta.push(months(job.months));
    meta.push(`proche à ${Math.round((job.score || 0) * 100)} %`);
    li.append(el("div", meta.join(" · "), "job-meta"));
    const words = [];
    (job.evidence || []).forEach((ev) => {
      const w = ev.text || dec.decode(raw.slice(ev.start, ev.end));
      if (!words.includes(w)) words.push(w);
    });
    if (words.length) {
      const why = el("div", "Parce que vous avez écrit : ", "why");
      words.forEach((w, k) => {
        if (k) why.append(", ");
        why.append(el("q", w));
      });
      li.append(why);
    }
    list.append(li);
  });
  $("abstain").hidden = !(resp.confidence && resp.confidence.abstain);
}

function drawRoles(resp) {
  const box = $("roles");
  box.replaceChildren();
  const groups = [
    ["experience", "Ce que vous avez fait"],
    ["aspirations", "Ce que vous voulez faire"],
    ["excluded", "Ce que vous ne voulez plus faire"],
  ];
  let any = false;
  for (const [key, title] of groups) {
    const jobs = resp[key] || [];
    if (!jobs.length) continue;
    any = true;
    box.append(el("h3", title));
    const ul = el("ul");
    jobs.slice(0, 3).forEach((j) => ul.append(el("li", j.label + (j.months ? ` (${months(j.months)})` : ""))));
    box.append(ul);
  }
  $("roles-box").hidden = !any;
}

const CLEA_FR = { acquired: "acquis", to_develop: "à travailler", unknown: "on ne sait pas encore" };

// The seven CléA domains as horizontal bars, drawn in SVG, with the same
// figures in a list for screen readers.
function drawClea(resp) {
  const domains = resp.clea || [];
  const box = $("clea-chart");
  box.replaceChildren();
  $("clea-box").hidden = !domains.length;
  if (!domains.length) return;
  const rowH = 46;
  const w = 640;
  const labelH = 18;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${domains.length * rowH + 6}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-labelledby", "clea-h");
  svg.setAttribute("class", "clea-chart");
  domains.forEach((d, k) => {
    const y = k * rowH;
    const t = document.createElementNS(SVG, "text");
    t.setAttribute("x", "0");
    t.setAttribute("y", String(y + 14));
    // The longest CléA labels do not fit one line of the chart: clipped, whole in a tooltip
    // and in the list for screen readers below.
    const label = d.label.length > 62 ? d.label.slice(0, 60).trimEnd() + "…" : d.label;
    t.textContent = `${d.domain}. ${label} — ${CLEA_FR[d.status] || d.status}`;
    const tip = document.createElementNS(SVG, "title");
    tip.textContent = d.label;
    t.append(tip);
    const bg = document.createElementNS(SVG, "rect");
    bg.setAttribute("x", "0");
    bg.setAttribute("y", String(y + labelH + 2));
    bg.setAttribute("width", String(w));
    bg.setAttribute("height", "16");
    bg.setAttribute("rx", "4");
    bg.setAttribute("class", "bar-bg");
    const bar = document.createElementNS(SVG, "rect");
    bar.setAttribute("x", "0");
    bar.setAttribute("y", String(y + labelH + 2));
    bar.setAttribute("width", String(Math.max(4, Math.round(w * Math.min(1, Math.max(0, d.score || 0))))));
    bar.setAttribute("height", "16");
    bar.setAttribute("rx", "4");
    bar.setAttribute("class", `bar bar-${d.status}`);
    svg.append(t, bg, bar);
  });
  box.append(svg);
  const ul = el("ul", null, "sr-only");
  domains.forEach((d) => ul.append(el("li", `${d.label} : ${CLEA_FR[d.status] || d.status}, ${Math.round((d.score || 0) * 100)} sur 100`)));
  box.append(ul);
}

function drawGap(resp) {
  const gap = resp.gap;
  const show = gap && gap.target && ((gap.held || []).length || (gap.missing || []).length);
  $("gap-box").hidden = !show;
  if (!show) return;
  $("gap-target").textContent = `Métier visé : ${gap.label || gap.target}. ` +
    `Il vous manque environ ${Math.round((gap.score || 0) * 100)} % de ce qu'il demande.`;
  for (const [key, id] of [["held", "gap-held"], ["missing", "gap-missing"]]) {
    const ul = $(id);
    ul.replaceChildren();
    const items = gap[key] || [];
    items.slice(0, 8).forEach((it) => {
      const li = el("li", it.label, it.core ? "core" : "");
      if (it.core) li.append(el("span", " (essentiel)"));
      ul.append(li);
    });
    if (!items.length) ul.append(el("li", "Rien pour l'instant."));
    if (items.length > 8) ul.append(el("li", `… et ${items.length - 8} autres.`));
  }
}

// Trainings, written for the person: what it is, why it is proposed, what it
// brings, and where and when it takes place. Dates come as "YYYY-MM-DD" and are
// read as local days (new Date("2027-01-04") would be UTC midnight, the day
// before west of Greenwich).
const MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
  "septembre", "octobre", "novembre", "décembre"];

function dateFr(ymd) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd || "");
  if (!m) return "";
  const month = MONTHS_FR[Number(m[2]) - 1];
  return month ? `${Number(m[3]) === 1 ? "1er" : Number(m[3])} ${month} ${m[1]}` : "";
}

// Levels of the French national framework, said as people say them.
const LEVEL_FR = { 3: "niveau CAP", 4: "niveau bac", 5: "niveau bac + 2", 6: "niveau bac + 3", 7: "niveau bac + 5", 8: "niveau doctorat" };

const FUNDING_FR = {
  apprenticeship: "en apprentissage",
  cpf: "avec votre compte formation (CPF)",
  region: "payée par la Région",
  france_travail: "payée par France Travail",
};

function placeFr(p) {
  p = p || {};
  if (p.city) return p.department ? `${p.city} (${p.department})` : p.city;
  if (p.department) return `département ${p.department}` + (p.postcode ? `, code postal ${p.postcode}` : "");
  if (p.postcode) return `code postal ${p.postcode}`;
  return "";
}

function sessionItem(s) {
  const li = el("li");
  const where = [];
  if (s.distance) where.push("À distance");
  const place = placeFr(s.place);
  if (place && !s.distance) where.push(place);
  if (typeof s.distance_km === "number" && !s.distance) where.push(`à ${Math.round(s.distance_km)} km de chez vous`);
  if (!where.length) where.push("Lieu non précisé");
  li.append(el("span", where.join(", "), "where"));
  const when = dateFr(s.start);
  // Catalogues keep sessions that have begun (entries all year round): say so.
  const now = new Date();
  const today = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
  const verb = s.start && s.start < today ? "a commencé le" : "commence le";
  li.append(el("span", when ? ` — ${verb} ${when}` : " — date de début pas encore connue"));
  const end = dateFr(s.end);
  if (when && end) li.append(el("span", `, finit le ${end}`));
  const extra = [];
  if (s.organisation) extra.push(s.organisation);
  if (typeof s.hours === "number" && s.hours > 0) extra.push(`${Math.round(s.hours)} heures`);
  (s.funding || []).forEach((f) => { if (FUNDING_FR[f]) extra.push(FUNDING_FR[f]); });
  if (extra.length) li.append(el("div", extra.join(" · "), "job-meta"));
  // Only web links: a catalogue is outside data, and a "javascript:" link must not run.
  if (s.url && /^https?:\/\//i.test(s.url)) {
    const a = el("a", "Voir cette session");
    a.href = s.url;
    a.rel = "noopener noreferrer";
    li.append(" ", a);
  }
  return li;
}

function drawTrainings(resp) {
  const list = resp.trainings || [];
  $("trainings-box").hidden = !list.length;
  const ul = $("trainings");
  ul.replaceChildren();
  list.slice(0, 5).forEach((t, k) => {
    const li = el("li", null, "training");
    const h = el("h3", t.title || "Formation");
    h.id = `training-${k}`;
    li.setAttribute("aria-labelledby", h.id);
    li.append(h);
    if (LEVEL_FR[t.level]) li.append(el("div", LEVEL_FR[t.level], "job-meta"));
    if (t.reason_fr) li.append(el("p", t.reason_fr, "why-training"));
    // Labels once each: a CléA cover without a label (no profile) says its domain.
    const covers = [];
    (t.covers || []).forEach((c) => {
      const label = c.label || (c.kind === "clea" ? `compétences de base (domaine ${c.domain})` : "");
      if (label && !covers.includes(label)) covers.push(label);
    });
    if (covers.length) {
      li.append(el("p", "Ce qu'elle vous apporte :", "sub"));
      const cu = el("ul", null, "covers");
      covers.slice(0, 6).forEach((c) => cu.append(el("li", c)));
      li.append(cu);
    }
    const sessions = t.sessions || [];
    if (sessions.length) {
      li.append(el("p", sessions.length > 1 ? "Les sessions :" : "La session :", "sub"));
      const su = el("ul", null, "sessions");
      sessions.forEach((s) => su.append(sessionItem(s)));
      li.append(su);
    } else {
      li.append(el("p", "Pas de session connue près de chez vous.", "no-session"));
    }
    ul.append(li);
  });
}

function drawCorrections(resp) {
  const list = resp.corrections || [];
  $("corrections-box").hidden = !list.length;
  const ul = $("corrections");
  ul.replaceChildren();
  list.forEach((c) => ul.append(el("li", `Vous avez écrit « ${c.from} » : nous avons lu « ${c.to} ».`)));
}

async function diagnose(ev) {
  ev.preventDefault();
  const text = $("text").value;
  const status = $("status");
  status.className = "";
  if (!text.trim()) {
    status.textContent = "Écrivez d'abord quelques mots sur vous.";
    status.className = "error";
    $("text").focus();
    return;
  }
  const req = { text };
  const title = $("title").value.trim();
  const target = $("target").value.trim().toUpperCase();
  if (title) req.title = title;
  if (target) req.target = target;
  // The département as INSEE writes it ("13", "2A", "974"); "1" is taken as "01".
  let dept = $("department").value.trim().toUpperCase();
  if (/^[0-9]$/.test(dept)) dept = "0" + dept;
  if (dept && !/^([0-9]{2,3}|2[AB])$/.test(dept)) {
    status.textContent = "Le département s'écrit avec 2 ou 3 caractères, par exemple 13, 2A ou 974.";
    status.className = "error";
    $("department").setAttribute("aria-invalid", "true");
    $("department").focus();
    return;
  }
  $("department").removeAttribute("aria-invalid");
  if (dept) req.place = { department: dept };
  $("go").disabled = true;
  status.textContent = "Un instant…";
  try {
    const r = await fetch("/v1/diagnose", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(req),
    });
    const resp = await r.json();
    if (resp.error) {
      status.textContent = resp.error.message_fr || "La demande n'a pas abouti.";
      status.className = "error";
      return;
    }
    drawCorrections(resp);
    drawText(text, resp.jobs || [], resp.corrections);
    drawJobs(resp, text);
    drawRoles(resp);
    drawClea(resp);
    drawGap(resp);
    drawTrainings(resp);
    $("results").hidden = false;
    const n = (resp.jobs || []).length;
    status.textContent = n ? `Voici ${Math.min(n, 5)} métiers proches de vous.` : "Aucun métier trouvé. Ajoutez quelques mots.";
    $("jobs-h").focus({ preventScroll: false });
  } catch (e) {
    status.textContent = "Le service ne répond pas. Réessayez dans un moment.";
    status.className = "error";
  } finally {
    $("go").disabled = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("jobs-h").tabIndex = -1;
  $("form").addEventListener("submit", diagnose);
});
