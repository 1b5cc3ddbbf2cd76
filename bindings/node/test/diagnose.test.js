// Tests of the Node binding, run by build.sh --test (`meson test node`).
// JALON_NODE_ADDON is the addon build.sh made, JALON_MODEL the built model,
// JALON_CLI the `jalon` tool whose output the binding must reproduce exactly.
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

function selfDescriptions() {
  const file = path.join(SOURCE_ROOT, 'tests', 'data', 'self_descriptions.jsonl');
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

// 100 requests: the 85 self-descriptions, shapes they lack (title, limit, no
// id, refused ones), and some of them again with a title or a limit.
function hundredRequests() {
  const sd = selfDescriptions();
  const reqs = sd.map((d) => ({ id: d.id, text: d.text }));
  reqs.push({ id: 'title', text: 'polyvalente, rigoureuse', title: 'Caissière H/F' });
  reqs.push({ id: 'limit', text: 'cariste en entrepôt', limit: { jobs: 3 } });
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
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
