// Tests of the Node binding, run by build.sh --test (`meson test node`).
// JALON_NODE_ADDON is the addon build.sh made, JALON_MODEL and JALON_CATALOGUE
// the built model and training catalogue, JALON_CLI the `jalon` tool whose
// output the binding must reproduce exactly.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const jalon = require('..');

const SOURCE_ROOT = process.env.JALON_SOURCE_ROOT || path.resolve(__dirname, '..', '..', '..');
const CLI = process.env.JALON_CLI;
const VENDEUSE = 'je suis vendeuse en prêt-à-porter';
const AIDE_SOIGNANTE = "J'ai été caissière pendant 10 ans, je voudrais devenir aide-soignante";
const ASSISTANTE = 'assistante de vie auprès de personnes âgées';
const MARSEILLE = { lat: 43.3, lon: 5.37, radius_km: 30 };

function selfDescriptions() {
  const file = path.join(SOURCE_ROOT, 'tests', 'data', 'self_descriptions.jsonl');
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

// 100 requests: the 85 self-descriptions, shapes they lack (title, limit,
// trainings options, no id, refused ones), and some of them again with a
// title or a limit.
function hundredRequests() {
  const sd = selfDescriptions();
  const reqs = sd.map((d) => ({ id: d.id, text: d.text }));
  reqs.push({ id: 'title', text: 'polyvalente, rigoureuse', title: 'Caissière H/F' });
  reqs.push({ id: 'limit', text: 'cariste en entrepôt', limit: { jobs: 3 } });
  reqs.push({ id: 'trainings', text: AIDE_SOIGNANTE, target: 'J1501', place: { department: '13' },
              after: '2021-01-01', limit: { trainings: 3 } });
  reqs.push({ id: 'near', text: ASSISTANTE, target: 'K1302', place: MARSEILLE });
  reqs.push({ id: 'no-trainings', text: AIDE_SOIGNANTE, limit: { trainings: 0 } });
  reqs.push({ id: 'bad-after', text: AIDE_SOIGNANTE, after: '2025-13-01' });
  reqs.push({ id: 'empty', text: '   ' });
  reqs.push({ id: 'type', text: 42 });
  reqs.push({ text: VENDEUSE });
  for (let i = 0; reqs.length < 100; i++) {
    reqs.push({ id: `again-${i}`, text: sd[i].text, title: i % 2 ? 'Vendeuse' : undefined,
                limit: { jobs: 1 + (i % 5) } });
  }
  return reqs;
}

function cliBatch(lines) {
  assert.ok(CLI, 'JALON_CLI must point at the jalon tool');
  const out = execFileSync(CLI, ['diagnose', '--batch', '--jobs', '1'],
                           { input: lines.join('\n') + '\n', encoding: 'utf8',
                             maxBuffer: 256 * 1024 * 1024 });
  return out.split('\n').filter((l) => l.length);
}

function cli(args) {
  assert.ok(CLI, 'JALON_CLI must point at the jalon tool');
  return execFileSync(CLI, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

test('a French text gives D1214 first, evidence offsets in bytes', async () => {
  const model = new jalon.Model();
  const resp = await model.diagnose(VENDEUSE);
  assert.equal(resp.jobs[0].rome, 'D1214');
  const raw = Buffer.from(VENDEUSE, 'utf8');
  for (const ev of resp.jobs[0].evidence) {
    assert.equal(raw.subarray(ev.start, ev.end).toString('utf8'), ev.text);
  }
  const titled = await model.diagnose('rigoureuse et souriante',
                                      { title: 'Caissière', limit: 2, id: 'r1' });
  assert.equal(titled.id, 'r1');
  assert.ok(titled.jobs.length <= 2);
  assert.equal(titled.jobs[0].rome, 'D1505');
  assert.equal(model.romeVersion, resp.model.rome);
  model.close();
});

test('100 concurrent awaits give the CLI\'s responses, byte for byte', async () => {
  const reqs = hundredRequests();
  assert.equal(reqs.length, 100);
  const lines = reqs.map((r) => JSON.stringify(r));
  const expected = cliBatch(lines);
  assert.equal(expected.length, 100);
  // The CLI found the catalogue, so the comparison covers trainings; the
  // binding opened the same one by the same search.
  assert.ok(expected.some((l) => l.includes('"trainings":[{')));

  const model = new jalon.Model();
  const texts = await Promise.all(lines.map((l) => model.diagnoseJson(l)));
  assert.deepEqual(texts, expected);

  // The parsed form: objects for answers, JalonErrors for refusals.
  const settled = await Promise.allSettled(reqs.map((r) => model.diagnoseRequest(r)));
  settled.forEach((s, i) => {
    const want = JSON.parse(expected[i]);
    if (want.error) {
      assert.equal(s.status, 'rejected', `request ${i}`);
      assert.ok(s.reason instanceof jalon.JalonError);
      assert.equal(s.reason.code, want.error.code);
      assert.equal(s.reason.message, want.error.message);
      assert.equal(s.reason.messageFr, want.error.message_fr);
    } else {
      assert.equal(s.status, 'fulfilled', `request ${i}`);
      assert.deepEqual(s.value, want);
    }
  });
  model.close();
});

test('library errors reject with code and message', async () => {
  const model = new jalon.Model();
  await assert.rejects(model.diagnose('  ...  ', { id: 'e1' }), (e) => {
    assert.ok(e instanceof jalon.JalonError);
    assert.equal(e.code, 'empty_text');
    assert.ok(e.message.length > 0);
    assert.ok(e.messageFr.length > 0);
    assert.equal(e.id, 'e1');
    return true;
  });
  for (const bad of ['{', '[]', '{"text": "a"} x', '']) {
    await assert.rejects(model.diagnoseRequest(bad), { code: 'invalid_json' });
  }
  await assert.rejects(model.diagnose('x'.repeat(jalon.MAX_TEXT_BYTES + 1)),
                       { code: 'text_too_large' });
  await assert.rejects(model.diagnoseRequest(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d])),
                       { code: 'invalid_utf8' });
  const errorObject = JSON.parse(await model.diagnoseJson('{"id": "z", "text": ""}'));
  assert.equal(errorObject.error.code, 'empty_text');
  model.close();
});

test('a model that cannot be opened throws JalonError', () => {
  assert.throws(() => new jalon.Model(path.join(os.tmpdir(), 'no-such-dir', 'x.model')),
                (e) => e instanceof jalon.JalonError && ['not_found', 'io_error'].includes(e.code));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-node-'));
  const file = path.join(dir, 'bad.model');
  fs.writeFileSync(file, 'not a model at all'.repeat(10));
  try {
    assert.throws(() => new jalon.Model(file), { code: 'bad_model' });
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('close lets running calls finish, then refuses new ones', async () => {
  const model = new jalon.Model();
  const running = Array.from({ length: 8 }, () => model.diagnose(VENDEUSE));
  model.close();
  for (const resp of await Promise.all(running)) assert.equal(resp.jobs[0].rome, 'D1214');
  assert.equal(model.closed, true);
  await assert.rejects(model.diagnose(VENDEUSE), { code: 'closed' });
});

test('a target gives trainings towards it', async () => {
  const model = new jalon.Model();
  if (process.env.JALON_CATALOGUE) assert.equal(model.cataloguePath, process.env.JALON_CATALOGUE);
  assert.match(model.catalogueChecksum, /^[0-9a-f]{16}$/);
  const resp = await model.diagnose(AIDE_SOIGNANTE, { target: 'J1501' });
  assert.equal(resp.gap.target, 'J1501');
  assert.equal(resp.trainings[0].title, "Diplôme d'État d'aide-soignant");
  assert.equal(resp.trainings[0].reason, 'target');
  model.close();
});

test('place, after and maxTrainings reach the library', async () => {
  const model = new jalon.Model();
  const one = await model.diagnose(AIDE_SOIGNANTE, { target: 'J1501', maxTrainings: 1 });
  assert.equal(one.trainings.length, 1);
  const none = await model.diagnose(AIDE_SOIGNANTE, { target: 'J1501', maxTrainings: 0 });
  assert.equal('trainings' in none, false);
  const both = await model.diagnose(AIDE_SOIGNANTE, { target: 'J1501', limit: 2, maxTrainings: 2 });
  assert.ok(both.jobs.length <= 2);
  assert.equal(both.trainings.length, 2);
  // A point: sessions nearby, with their distance (radiusKm or radius_km).
  for (const place of [MARSEILLE, { lat: 43.3, lon: 5.37, radiusKm: 30 }]) {
    const near = await model.diagnose(ASSISTANTE, { target: 'K1302', place });
    const sessions = near.trainings.flatMap((t) => t.sessions);
    assert.ok(sessions.length > 0);
    for (const s of sessions) assert.ok(s.distance_km <= 30, JSON.stringify(s));
  }
  // No session of the catalogue starts that late.
  const late = await model.diagnose(ASSISTANTE, { target: 'K1302', after: '2030-01-01' });
  assert.ok(late.trainings.length > 0);
  assert.deepEqual(late.trainings.flatMap((t) => t.sessions), []);
  // And exactly what the CLI answers to the same request.
  const req = { id: 't', text: AIDE_SOIGNANTE, target: 'J1501', place: { department: '13' },
                after: '2021-01-01', limit: { trainings: 3 } };
  const want = JSON.parse(cliBatch([JSON.stringify(req)])[0]);
  assert.deepEqual(await model.diagnose(AIDE_SOIGNANTE, { id: 't', target: 'J1501', place: { department: '13' },
                                                          after: '2021-01-01', maxTrainings: 3 }), want);
  model.close();
});

test('trainings(rome) gives what `jalon trainings` prints', async () => {
  const model = new jalon.Model();
  const got = await model.trainings('J1501', { place: { department: '13' } });
  assert.equal(got.rome, 'J1501');
  assert.ok(Array.isArray(got.trainings));
  assert.equal(got.trainings[0].title, "Diplôme d'État d'aide-soignant");
  assert.deepEqual(got, JSON.parse(cli(['trainings', '--rome', 'J1501', '--dept', '13'])));
  const near = await model.trainings('K1302', { place: MARSEILLE, after: '2021-01-01', max: 2 });
  assert.equal(near.trainings.length, 2);
  assert.deepEqual(near, JSON.parse(cli(['trainings', '--rome', 'K1302', '--lat', '43.3', '--lon', '5.37',
                                         '--radius', '30', '--after', '2021-01-01', '--max', '2'])));
  // Many at once, on the thread pool.
  const all = await Promise.all(Array.from({ length: 16 }, () => model.trainings('J1501', { place: { department: '13' } })));
  for (const r of all) assert.deepEqual(r, got);
  await assert.rejects(model.trainings('Z9999'), (e) => e instanceof jalon.JalonError && e.code === 'not_found');
  model.close();
  await assert.rejects(model.trainings('J1501'), { code: 'closed' });
});

test('bad trainings options reject with TypeError or RangeError', async () => {
  const model = new jalon.Model();
  const typeErrors = [{ place: '13' }, { place: ['13'] }, { place: { department: 13 } },
                      { place: { region: 93 } }, { place: { lat: '43.3', lon: 5.37 } },
                      { place: { departement: '13' } }, { after: 20250101 }, { after: new Date() }];
  const rangeErrors = [{ place: { lat: 43.3 } }, { place: { lat: 91, lon: 5 } },
                       { place: { lat: 43, lon: 181 } }, { place: { lat: NaN, lon: 5 } },
                       { place: { radius_km: -1 } }, { after: '2025-13-01' }, { after: '1/1/2025' }];
  for (const opts of typeErrors) {
    await assert.rejects(model.diagnose(AIDE_SOIGNANTE, opts), TypeError, JSON.stringify(opts));
    await assert.rejects(model.trainings('J1501', opts), TypeError, JSON.stringify(opts));
  }
  for (const opts of rangeErrors) {
    await assert.rejects(model.diagnose(AIDE_SOIGNANTE, opts), RangeError, JSON.stringify(opts));
    await assert.rejects(model.trainings('J1501', opts), RangeError, JSON.stringify(opts));
  }
  for (const [bad, err] of [['3', TypeError], [true, TypeError], [-1, RangeError], [1.5, RangeError],
                            [jalon.MAX_TRAININGS + 1, RangeError]]) {
    await assert.rejects(model.diagnose(AIDE_SOIGNANTE, { maxTrainings: bad }), err);
    await assert.rejects(model.trainings('J1501', { max: bad }), err);
  }
  await assert.rejects(model.trainings(1501), TypeError);
  // The addon checks what it converts by itself too.
  assert.throws(() => model._native.trainingsJson('J1501', { department: 13 }), TypeError);
  assert.throws(() => model._native.trainingsJson('J1501', { lat: Infinity, lon: 0 }), RangeError);
  assert.throws(() => model._native.trainingsJson('J1501', undefined, undefined, 51), RangeError);
  model.close();
});

test('catalogue: false gives no trainings; a missing one is not_found', async () => {
  const model = new jalon.Model(undefined, { catalogue: false });
  assert.equal(model.cataloguePath, null);
  const resp = await model.diagnose(AIDE_SOIGNANTE, { target: 'J1501' });
  assert.equal('trainings' in resp, false);
  assert.equal((await model.diagnose(VENDEUSE)).jobs[0].rome, 'D1214');
  await assert.rejects(model.trainings('J1501'), (e) => e instanceof jalon.JalonError && e.code === 'not_found');
  model.close();

  const missing = path.join(os.tmpdir(), 'no-such-dir', 'x.catalogue');
  assert.throws(() => new jalon.Model(undefined, { catalogue: missing }),
                (e) => e instanceof jalon.JalonError && e.code === 'not_found');
  assert.throws(() => new jalon.Model(undefined, { catalogue: true }), TypeError);
  assert.throws(() => new jalon.Model(undefined, { catalog: false }), TypeError);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-node-'));
  const file = path.join(dir, 'bad.catalogue');
  fs.writeFileSync(file, 'not a catalogue at all'.repeat(10));
  try {
    assert.throws(() => new jalon.Model(undefined, { catalogue: file }), { code: 'bad_model' });
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
  // Nothing found by the search: no trainings, and no error (the search
  // reads the environment of the process, so a child process).
  const code = `const jalon = require(${JSON.stringify(path.join(__dirname, '..', 'index.js'))});
    const m = new jalon.Model();
    m.diagnose(${JSON.stringify(AIDE_SOIGNANTE)}, { target: 'J1501' })
      .then((r) => console.log(JSON.stringify([m.cataloguePath, 'trainings' in r])));`;
  const out = execFileSync(process.execPath, ['-e', code],
                           { encoding: 'utf8', env: { ...process.env, JALON_CATALOGUE: missing } });
  assert.deepEqual(JSON.parse(out), [null, false]);
});

test('close while trainings run lets them finish', async () => {
  const model = new jalon.Model();
  const running = [
    ...Array.from({ length: 8 }, () => model.trainings('K1302', { place: MARSEILLE })),
    ...Array.from({ length: 8 }, () => model.diagnose(ASSISTANTE, { target: 'K1302' })),
  ];
  model.close();
  const done = await Promise.all(running);
  for (const r of done) assert.ok(r.trainings.length > 0);
});

test('the README examples run', () => {
  const readme = fs.readFileSync(path.join(SOURCE_ROOT, 'bindings', 'README-bindings.md'), 'utf8');
  const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 1);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-node-readme-'));
  try {
    const outputs = blocks.map((code, i) => {
      const file = path.join(dir, `example${i}.js`);
      // The examples require('jalon') as an installed package would be.
      const entry = JSON.stringify(path.join(__dirname, '..', 'index.js'));
      fs.writeFileSync(file, code.replace(/require\('jalon'\)/g, `require(${entry})`));
      return execFileSync(process.execPath, [file], { encoding: 'utf8' });
    });
    const all = outputs.join('\n');
    assert.match(all, /D1505/);
    assert.match(all, /empty_text/);
    assert.match(all, /Diplôme d'État d'aide-soignant - target/);
    assert.match(all, /Titre professionnel assistant de vie aux familles 13016/);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
