// Jalon for Node: a French job seeker's text in, ROME job codes out.
// A thin layer over the jalon.node addon (src/addon.cc): requests are built as
// the JSON of the design notes, diagnosed by libjalon off the main thread, and
// the JSON response is parsed. No matching here; no model is opened on
// require(): `new Model()` opens it.
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

function buildRequest(text, opts = {}) {
  const req = { text };
  for (const key of ['id', 'title', 'target', 'place']) {
    if (opts[key] !== undefined && opts[key] !== null) req[key] = opts[key];
  }
  if (opts.limit !== undefined && opts.limit !== null) {
    req.limit = typeof opts.limit === 'number' ? { jobs: opts.limit } : opts.limit;
  }
  return req;
}

class Model {
  // path: the model file; omitted, the library searches $JALON_MODEL, the
  // build tree, then the install datadir, like the CLI. Throws JalonError
  // (code not_found, io_error, bad_model, model_version) when it cannot.
  constructor(path) {
    try {
      this._native = new addon.Model(path === undefined ? null : path);
    } catch (e) {
      throw fromAddon(e);
    }
  }

  get path() { return this._native.path; }
  get romeVersion() { return this._native.romeVersion; }
  get checksum() { return this._native.checksum; }
  get closed() { return this._native.closed; }

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

  // diagnose(text, {title, target, place, limit, id}): limit is the number of
  // jobs wanted (or a {jobs, ...} object).
  async diagnose(text, opts = {}) {
    return this.diagnoseRequest(buildRequest(text, opts));
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
};
