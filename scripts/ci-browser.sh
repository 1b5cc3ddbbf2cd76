#!/usr/bin/env bash
# Browser test of the web page: starts `jalon serve` on a free loopback port, drives
# Debian's Chromium with playwright-core (from npm), types a self-description and a
# département, clicks "Diagnostiquer", checks that the jobs, the CléA chart, the
# highlights and the trainings appear (with their sessions for a second text), and saves
# screenshots (build/browser/jalon-web.png and jalon-web-trainings.png, or $SCREENSHOT).
#   bash scripts/ci-browser.sh
# Needs: chromium (Debian), node + npm; playwright-core is installed into build/browser/
# on first run (PLAYWRIGHT_CORE_VERSION, default 1.65.1). JALON_BUILD picks the build
# folder (default build), JALON_SERVE the server, BROWSER_DIR where playwright-core and
# the screenshots go (default $JALON_BUILD/browser).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
chromium=${CHROMIUM:-/usr/bin/chromium}
[[ -x "$chromium" ]] || { echo "ci-browser: no Chromium at $chromium (apt-get install chromium)" >&2; exit 1; }
command -v node >/dev/null || { echo "ci-browser: node is missing" >&2; exit 1; }

build=${JALON_BUILD:-build}
[[ "$build" == /* ]] || build="$root/$build"
dir=${BROWSER_DIR:-$build/browser}
mkdir -p "$dir"
version=${PLAYWRIGHT_CORE_VERSION:-1.65.1}
if [[ ! -f "$dir/node_modules/playwright-core/package.json" ]] ||
   ! grep -q "\"version\": \"$version\"" "$dir/node_modules/playwright-core/package.json"; then
  # playwright-core ships no browser and downloads none: it drives the Chromium given.
  npm install --prefix "$dir" --no-audit --no-fund --no-save "playwright-core@$version" >&2
fi

source "$root/scripts/serve-lib.sh"
jalon_find_server "$build" ci-browser
export JALON_MODEL="${JALON_MODEL:-$build/models/jalon-rome.model}"
# The page shows trainings only when the server has a catalogue: the build's, named.
export JALON_CATALOGUE="${JALON_CATALOGUE:-$build/models/jalon-trainings.catalogue}"
[[ -f "$JALON_CATALOGUE" ]] || { echo "ci-browser: no training catalogue at $JALON_CATALOGUE" >&2; exit 1; }

tmp=$(mktemp -d)
pid=
cleanup() {
  [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
jalon_start_server ci-browser "$tmp/server.log" --threads 2 --web "$root/web" --openapi "$root/api/openapi.json"

shot=${SCREENSHOT:-$dir/jalon-web.png}
cat >"$tmp/test.js" <<'JS'
const { chromium } = require(process.env.PW_CORE);
const url = process.env.JALON_URL;
const shot = process.env.SHOT;
const text = "J'ai été caissière pendant 6 ans dans un supermarché. Je sais lire et écrire, " +
  "je compte bien la monnaie. Je voudrais devenir aide-soignante 😀, je ne veux plus travailler le dimanche.";
// A wish whose trainings have sessions in the catalogue (Bouches-du-Rhône).
const text2 = "Je voudrais devenir vendeuse en épicerie.";
const MONTH = "(janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)";
function check(cond, what) {
  if (!cond) throw new Error("FAIL " + what);
  console.log("ok   " + what);
}
(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  let failed = false;
  const page = await browser.newPage({ viewport: { width: 900, height: 1400 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  const sent = [];
  page.on("request", (r) => { if (r.url().endsWith("/v1/diagnose")) sent.push(r.postData()); });
  try {
    await page.goto(url, { waitUntil: "load" });
    check(await page.title() !== "", "the page loads");
    // Keyboard only: focus the text area through its label, type, submit with the button.
    await page.getByLabel("Parlez de vous, avec vos mots").fill(text);
    await page.getByLabel("Votre département").fill("13");
    await page.getByRole("button", { name: "Diagnostiquer" }).click();
    await page.waitForSelector("#jobs li", { timeout: 15000 });
    const jobs = await page.locator("#jobs li .job-label").allTextContents();
    check(jobs.length > 0, `jobs are listed (${jobs.slice(0, 3).join(" | ")})`);
    const marks = await page.locator("#yourtext mark").allTextContents();
    check(marks.length > 0, `words of the text are highlighted (${marks.join(", ")})`);
    // The highlights must sit on the words: offsets are UTF-8 bytes, the page counts UTF-16.
    check(marks.every((m) => text.includes(m) && m.trim() === m && m.length > 1),
          "highlights fall on whole words despite accents and an emoji");
    check(marks.some((m) => /caissière|aide-soignante/i.test(m)), "the job words are among the highlights");
    const bars = await page.locator("#clea-chart svg rect.bar").count();
    check(bars === 7, `the CléA chart draws seven bars (${bars})`);
    check(await page.locator("#clea-box").isVisible(), "the chart is visible");
    const held = await page.locator("#gap-held li").count();
    const missing = await page.locator("#gap-missing li").count();
    check(await page.locator("#gap-box").isVisible() && held + missing > 0, `the gap is shown (${held} held, ${missing} missing)`);
    const bad = await page.evaluate(() => [...document.querySelectorAll("textarea, input")]
      .filter((e) => !document.querySelector(`label[for="${e.id}"]`)).length);
    check(bad === 0, "every field has a label");
    check(sent.length === 1 && JSON.parse(sent[0]).place?.department === "13",
          "the département is sent as place.department");
    // Trainings for a person: a title, why, what it brings, sessions or a plain "none near you".
    await page.waitForSelector("#trainings li.training", { timeout: 15000 });
    check(await page.locator("#trainings-box").isVisible(), "the trainings are shown for a text with a wish");
    const titles = await page.locator("#trainings li.training h3").allTextContents();
    check(titles.some((t) => /aide-soignant/i.test(t)), `an aide-soignant training is listed (${titles.slice(0, 3).join(" | ")})`);
    const cards = page.locator("#trainings li.training");
    const n = await cards.count();
    let complete = 0;
    for (let k = 0; k < n; k++) {
      const card = cards.nth(k);
      const why = (await card.locator(".why-training").textContent()) || "";
      const sessions = await card.locator(".sessions li").count();
      const none = await card.locator(".no-session").count();
      if (why.length > 10 && (sessions > 0 || none === 1)) complete++;
    }
    check(n > 0 && complete === n, `every training says why and lists sessions or says there is none (${complete}/${n})`);
    const none = await page.locator("#trainings .no-session").first().textContent().catch(() => "");
    check(!none || none === "Pas de session connue près de chez vous.", `no session near: said plainly (${none})`);
    const covers = await page.locator("#trainings .covers li").allTextContents();
    check(covers.length > 0, `what the trainings bring is listed (${covers.slice(0, 2).join(" | ")})`);
    check(errors.length === 0, `no script error (${errors.join("; ")})`);
    await page.screenshot({ path: shot, fullPage: true });
    console.log("screenshot: " + shot);

    // A second text: sessions with a place and a date written the French way.
    await page.getByLabel("Parlez de vous, avec vos mots").fill(text2);
    await page.getByRole("button", { name: "Diagnostiquer" }).click();
    await page.waitForFunction(() => document.querySelectorAll("#trainings .sessions li").length > 0, null, { timeout: 15000 });
    const lines = await page.locator("#trainings .sessions li").allTextContents();
    check(lines.some((l) => new RegExp(`(commence|a commencé) le (1er|\\d{1,2}) ${MONTH} \\d{4}`).test(l)),
          `session dates are written in French (${lines[0]})`);
    check(lines.every((l) => /département [0-9AB]{2,3}|\([0-9AB]{2,3}\)|À distance|code postal/.test(l)),
          "each session says where: its town or département, or at a distance");
    const shot2 = shot.replace(/\.png$/, "") + "-trainings.png";
    await page.locator("#trainings-box").screenshot({ path: shot2 });
    console.log("screenshot: " + shot2);

    // A phone-sized screen: nothing wider than the screen.
    await page.setViewportSize({ width: 360, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    check(overflow <= 360, `readable on a 360 px phone screen (page width ${overflow})`);
    // An empty text is refused in French without a request.
    await page.getByLabel("Parlez de vous, avec vos mots").fill("");
    await page.keyboard.press("Tab");
    await page.getByRole("button", { name: "Diagnostiquer" }).press("Enter");
    check((await page.locator("#status").textContent()).includes("Écrivez"), "an empty text gets a French message");
    // A département that cannot be one is refused in French, without a request.
    const before = sent.length;
    await page.getByLabel("Parlez de vous, avec vos mots").fill(text2);
    await page.getByLabel("Votre département").fill("XYZ");
    await page.getByRole("button", { name: "Diagnostiquer" }).click();
    check((await page.locator("#status").textContent()).includes("département") && sent.length === before,
          "a wrong département gets a French message and no request");
  } catch (e) {
    console.log(String(e.message || e));
    failed = true;
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
  }
  await browser.close();
  process.exit(failed ? 1 : 0);
})();
JS
PW_CORE="$dir/node_modules/playwright-core" JALON_URL="http://127.0.0.1:$port/" SHOT="$shot" \
  CHROMIUM="$chromium" node "$tmp/test.js"
echo "ci-browser: passed"
