#!/usr/bin/env bash
# Browser test of the web page: starts `jalon serve` on a free loopback port, drives
# Debian's Chromium with playwright-core (from npm), types a self-description, clicks
# "Diagnostiquer", checks that the jobs, the CléA chart and the highlights appear, and
# saves a screenshot (build/browser/jalon-web.png, or $SCREENSHOT).
#   bash scripts/ci-browser.sh
# Needs: chromium (Debian), node + npm; playwright-core is installed into build/browser/
# on first run (PLAYWRIGHT_CORE_VERSION, default 1.65.1). JALON_SERVE picks the server.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
chromium=${CHROMIUM:-/usr/bin/chromium}
[[ -x "$chromium" ]] || { echo "ci-browser: no Chromium at $chromium (apt-get install chromium)" >&2; exit 1; }
command -v node >/dev/null || { echo "ci-browser: node is missing" >&2; exit 1; }

dir="$root/build/browser"
mkdir -p "$dir"
version=${PLAYWRIGHT_CORE_VERSION:-1.65.1}
if [[ ! -f "$dir/node_modules/playwright-core/package.json" ]] ||
   ! grep -q "\"version\": \"$version\"" "$dir/node_modules/playwright-core/package.json"; then
  # playwright-core ships no browser and downloads none: it drives the Chromium given.
  npm install --prefix "$dir" --no-audit --no-fund --no-save "playwright-core@$version" >&2
fi

if [[ -n "${JALON_SERVE:-}" ]]; then
  serve=("$JALON_SERVE")
elif build/tools/jalon serve --help >/dev/null 2>&1; then
  serve=(build/tools/jalon)
else
  serve=(build/tools/server/jalon-serve)
fi
[[ "$(basename "${serve[0]}")" == jalon ]] && serve+=(serve)
export JALON_MODEL="${JALON_MODEL:-$root/build/models/jalon-rome.model}"

tmp=$(mktemp -d)
pid=
cleanup() {
  [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
"${serve[@]}" --port 0 --threads 2 --web "$root/web" --openapi "$root/api/openapi.json" \
  2>"$tmp/server.log" &
pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/server.log")
  [[ -n "$port" ]] && break
  sleep 0.1
done
[[ -n "$port" ]] || { echo "ci-browser: the server did not start" >&2; cat "$tmp/server.log" >&2; exit 1; }

shot=${SCREENSHOT:-$dir/jalon-web.png}
cat >"$tmp/test.js" <<'JS'
const { chromium } = require(process.env.PW_CORE);
const url = process.env.JALON_URL;
const shot = process.env.SHOT;
const text = "J'ai été caissière pendant 6 ans dans un supermarché. Je sais lire et écrire, " +
  "je compte bien la monnaie. Je voudrais devenir aide-soignante 😀, je ne veux plus travailler le dimanche.";
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
  try {
    await page.goto(url, { waitUntil: "load" });
    check(await page.title() !== "", "the page loads");
    // Keyboard only: focus the text area through its label, type, submit with the button.
    await page.getByLabel("Parlez de vous, avec vos mots").fill(text);
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
    check(errors.length === 0, `no script error (${errors.join("; ")})`);
    // A phone-sized screen: nothing wider than the screen.
    await page.screenshot({ path: shot, fullPage: true });
    console.log("screenshot: " + shot);
    await page.setViewportSize({ width: 360, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    check(overflow <= 360, `readable on a 360 px phone screen (page width ${overflow})`);
    // An empty text is refused in French without a request.
    await page.getByLabel("Parlez de vous, avec vos mots").fill("");
    await page.keyboard.press("Tab");
    await page.getByRole("button", { name: "Diagnostiquer" }).press("Enter");
    check((await page.locator("#status").textContent()).includes("Écrivez"), "an empty text gets a French message");
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
