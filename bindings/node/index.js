// Jalon for Node: a French job seeker's text in, ROME job codes out, and
// trainings towards the job aimed at.
// A thin layer over the jalon.node addon (src/addon.cc): requests are built as
// the JSON of the design notes, diagnosed by libjalon off the main thread, and
// the JSON response is parsed. No matching here; no model is opened on
// require(): `new Model()` opens it (and the training catalogue).
'use strict';

const fs = require('fs');
const path = require('path');

// The addon: $JALON_NODE_ADDON (set by build.sh for the tests), the package's
// own build (npm install), or the one build.sh makes in the tree's build/.
function loadAddon() {
  const candidates = [
    process.env.JALON_NODE_ADDON,
    path.join(__dirname, 'build', 'Release', 'jalon.node'),
    path.join(__dirname, '..', '..', 'build', 'bindings', 'node', 'build', 'Release', 'jalon.node'),
  ].filter(Boolean);
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(`jalon: the native addon is not built (looked for ${candidates.join(', ')}); ` +
                    'run bash bindings/node/build.sh');
  }
  return require(found);
}

const addon = loadAddon();

// An error reported by libjalon. code: the library's status name, as in JSON
// error responses ("empty_text", "invalid_json", "not_found", ...); message:
// English, for developers; messageFr: plain French, for the person who wrote
// the text; id: the request id, when there was one.
class JalonError extends Error {
  constructor(code, message, messageFr = '', id = undefined) {
    super(message);
    this.name = 'JalonError';
    this.code = code;
    this.messageFr = messageFr;
    if (id !== undefined && id !== null) this.id = id;
  }
}

function fromAddon(e) {
  if (e instanceof JalonError || typeof e.code !== 'string') return e;
  return new JalonError(e.code, e.message, e.messageFr);
}

const given = (v) => v !== undefined && v !== null;

// Where a person is (DESIGN.md "place"): the fields and their ranges, as the
// library's JSON reader checks them. Checked here too so that a mistake
// rejects with a TypeError or RangeError naming the option, before any call.
// radiusKm is accepted for radius_km.
const PLACE_STR = ['department', 'region'];
const PLACE_NUM = { lat: [-90, 90], lon: [-180, 180], radius_km: [0, 20000] };

function checkPlace(place) {
  if (!given(place)) return undefined;
  if (typeof place !== 'object' || Array.isArray(place)) {
    throw new TypeError('place must be an object {department, region, lat, lon, radiusKm}');
  }
  const out = {};
  for (const [key, value] of Object.entries(place)) {
    if (!given(value)) continue;
    const name = key === 'radiusKm' ? 'radius_km' : key;
    if (PLACE_STR.includes(name)) {
      if (typeof value !== 'string') throw new TypeError(`place.${key} must be a string`);
    } else if (Object.hasOwn(PLACE_NUM, name)) {
      if (typeof value !== 'number') throw new TypeError(`place.${key} must be a number`);
      const [lo, hi] = PLACE_NUM[name];
      if (!Number.isFinite(value) || value < lo || value > hi) {
        throw new RangeError(`place.${key} must be from ${lo} to ${hi}, not ${value}`);
      }
      if (Object.hasOwn(out, name)) throw new TypeError('give place.radiusKm or place.radius_km, not both');
    } else {
      throw new TypeError(`unknown place field ${JSON.stringify(key)} (department, region, lat, lon, radiusKm)`);
    }
    out[name] = value;
  }
  if (Object.hasOwn(out, 'lat') !== Object.hasOwn(out, 'lon')) {
    throw new RangeError('place.lat and place.lon must be given together');
  }
  return out;
}

// after: sessions starting on or after that day, "YYYY-MM-DD".
function checkAfter(after) {
  if (!given(after)) return undefined;
  if (typeof after !== 'string') throw new TypeError('after must be a string written YYYY-MM-DD');
  const d = /^\d{4}-\d{2}-\d{2}$/.test(after) ? new Date(`${after}T00:00:00Z`) : null;
  if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== after) {
    throw new RangeError(`after must be a date written YYYY-MM-DD, not ${JSON.stringify(after)}`);
  }
  return after;
}

function checkCount(value, name, lo, hi) {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number`);
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new RangeError(`${name} must be an integer from ${lo} to ${hi}, not ${value}`);
  }
  return value;
}

function buildRequest(text, opts = {}) {
  const req = { text };
  for (const key of ['id', 'title', 'target']) {
    if (given(opts[key])) req[key] = opts[key];
  }
  const place = checkPlace(opts.place);
  if (place) req.place = place;
  const after = checkAfter(opts.after);
  if (after) req.after = after;
  if (given(opts.limit)) {
    req.limit = typeof opts.limit === 'number' ? { jobs: opts.limit } : { ...opts.limit };
  }
  if (given(opts.maxTrainings)) {
    // 0 asks for no trainings at all, as "limit": {"trainings": 0} does.
    req.limit = { ...req.limit, trainings: checkCount(opts.maxTrainings, 'maxTrainings', 0, addon.MAX_TRAININGS) };
  }
  return req;
}

class Model {
  // path: the model file; omitted, the library searches $JALON_MODEL, the
  // build tree, then the install datadir, like the CLI. opts.catalogue: the
  // training catalogue diagnoses recommend from; omitted, the library
  // searches $JALON_CATALOGUE, the build tree, then the datadir, and goes
  // without trainings when none is found; false: no trainings; a string: that
  // file. Throws JalonError (code not_found, io_error, bad_model,
  // model_version) when the model, or a catalogue that is there, cannot be
  // opened.
  constructor(path, opts = {}) {
    if (typeof opts !== 'object' || opts === null) throw new TypeError('options must be an object');
    for (const key of Object.keys(opts)) {
      if (key !== 'catalogue') throw new TypeError(`unknown Model option ${JSON.stringify(key)} (catalogue)`);
    }
    try {
      this._native = new addon.Model(path === undefined ? null : path, opts.catalogue);
    } catch (e) {
      throw fromAddon(e);
    }
  }

  get path() { return this._native.path; }
  get romeVersion() { return this._native.romeVersion; }
  get checksum() { return this._native.checksum; }
  get closed() { return this._native.closed; }
  // File of the training catalogue; null when the model has none.
  get cataloguePath() { return this._native.cataloguePath; }
  get catalogueChecksum() { return this._native.catalogueChecksum; }

  // The response JSON text for one request (a JSON string, a Buffer, or an
  // object), exactly as `jalon diagnose --batch` writes it. A refused request
  // resolves with the library's error object, as the CLI does.
  async diagnoseJson(request) {
    const body = typeof request === 'string' || Buffer.isBuffer(request)
      ? request : JSON.stringify(request);
    try {
      return await this._native.diagnoseJson(body);
    } catch (e) {
      throw fromAddon(e);
    }
  }

  // A whole request object ({text, title, target, place, limit, id}): resolves
  // with the response object, rejects with a JalonError when the library
  // answers with an error object.
  async diagnoseRequest(request) {
    const resp = JSON.parse(await this.diagnoseJson(request));
    if (resp.error) {
      throw new JalonError(resp.error.code, resp.error.message, resp.error.message_fr, resp.id);
    }
    return resp;
  }

  // diagnose(text, {title, target, place, after, maxTrainings, limit, id}):
  // limit is the number of jobs wanted (or a {jobs, ...} object). Trainings
  // (with a catalogue): place {department, region, lat, lon, radiusKm}, after
  // "YYYY-MM-DD", maxTrainings 1..MAX_TRAININGS (0: none). Bad option types
  // reject with a TypeError, bad values with a RangeError.
  async diagnose(text, opts = {}) {
    return this.diagnoseRequest(buildRequest(text, opts));
  }

  // trainings(rome, {place, after, max}): the trainings leading to the ROME
  // job `rome` ("J1501"), as `jalon trainings --rome` prints them: resolves
  // with {rome, label, catalogue, trainings: [...]}. Rejects with a
  // JalonError not_found for a code the model does not know, or when the
  // model has no catalogue.
  async trainings(rome, opts = {}) {
    if (typeof rome !== 'string') throw new TypeError('rome must be a string');
    if (typeof opts !== 'object' || opts === null) throw new TypeError('options must be an object');
    const place = checkPlace(opts.place);
    const after = checkAfter(opts.after);
    const max = given(opts.max) ? checkCount(opts.max, 'max', 1, addon.MAX_TRAININGS) : 0;
    try {
      return JSON.parse(await this._native.trainingsJson(rome, place, after, max));
    } catch (e) {
      throw fromAddon(e);
    }
  }

  // Frees the model once the calls already running have finished; later
  // calls reject with code "closed".
  close() { this._native.close(); }
}

module.exports = {
  Model,
  JalonError,
  libraryVersion: addon.libraryVersion,
  MAX_TEXT_BYTES: addon.MAX_TEXT_BYTES,
  MAX_JOBS: addon.MAX_JOBS,
  MAX_TRAININGS: addon.MAX_TRAININGS,
};
