// jalon.node: the Node face of libjalon, kept thin. Model wraps a jalon_model
// and its training catalogue; diagnoseJson() runs jalon_diagnose_json and
// trainingsJson() jalon_catalogue_lookup_json on the libuv thread pool
// (Napi::AsyncWorker), and both resolve with the JSON text.
//
// Request building, argument checks, JSON.parse and error objects by code are
// in index.js. The model is shared by every call; each call borrows a
// workspace from a small pool (at most one per libuv worker thread running at
// once), since a workspace serves one thread at a time. close() and garbage
// collection only drop the JS side's hold: calls in flight keep the model and
// the catalogue until they finish.
#include <napi.h>

#include <jalon/jalon.h>

#include <cmath>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace {


// A library error copied out of a jalon_error (which it frees), so it can
// cross from a worker thread to the JS thread.
struct LibError {
  std::string code, message, message_fr;
  LibError() = default;
  LibError(int status, jalon_error *e)
      : code(jalon_status_name(status)),
        message(e ? jalon_error_message(e) : jalon_strerror(status)),
        message_fr(e ? jalon_error_message_fr(e) : "") {
    jalon_error_free(e);
  }
  Napi::Error ToJS(Napi::Env env) const {
    Napi::Error err = Napi::Error::New(env, message);
    err.Set("code", Napi::String::New(env, code));
    err.Set("messageFr", Napi::String::New(env, message_fr));
    return err;
  }
};

// The model, its catalogue (nullptr: no trainings) and its idle workspaces.
// Owned through shared_ptr by the JS object and by every call in flight; the
// last one frees it all, the workspaces first: they borrow the other two.
class ModelState {
 public:
  ModelState(jalon_model *m, jalon_catalogue *cat) : model_(m), catalogue_(cat) {}
  ~ModelState() {
    for (jalon_workspace *ws : idle_) jalon_workspace_free(ws);
    jalon_catalogue_free(catalogue_);
    jalon_model_free(model_);
  }
  ModelState(const ModelState &) = delete;
  ModelState &operator=(const ModelState &) = delete;

  // An idle workspace, or a new one. Called on worker threads.
  int Acquire(jalon_workspace **out, jalon_error **err) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        *out = idle_.back();
        idle_.pop_back();
        return 0;
      }
    }
    int rc = jalon_workspace_new(out, model_, err);
    // Every workspace recommends from the model's catalogue, which this
    // state outlives it with.
    if (rc == 0 && catalogue_ && (rc = jalon_workspace_set_catalogue(*out, catalogue_)) != 0) {
      jalon_workspace_free(*out);
      *out = nullptr;
    }
    return rc;
  }
  void Release(jalon_workspace *ws) {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(ws);
  }
  const jalon_model *model() const { return model_; }
  const jalon_catalogue *catalogue() const { return catalogue_; }

 private:
  jalon_model *model_;
  jalon_catalogue *catalogue_;
  std::mutex mu_;
  std::vector<jalon_workspace *> idle_;
};

// A call run on the libuv pool that settles a promise with a JSON string
// (Succeed) or a library error (Fail). Subclasses only write Execute().
class JsonWorker : public Napi::AsyncWorker {
 public:
  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  JsonWorker(Napi::Env env, const char *name, std::shared_ptr<ModelState> state)
      : Napi::AsyncWorker(env, name), state_(std::move(state)), deferred_(Napi::Promise::Deferred::New(env)) {}

  // Worker thread: takes ownership of out and e.
  void Succeed(char *out, jalon_error *e) {
    response_.assign(out);
    jalon_free(out);
    jalon_error_free(e);
    ok_ = true;
  }
  void Fail(int rc, jalon_error *e) { error_ = LibError(rc, e); }

  void OnOK() override {
    Napi::Env env = Env();
    if (ok_)
      deferred_.Resolve(Napi::String::New(env, response_));
    else
      deferred_.Reject(error_.ToJS(env).Value());
  }

  void OnError(const Napi::Error &err) override { deferred_.Reject(err.Value()); }

  std::shared_ptr<ModelState> state_;

 private:
  std::string response_;
  bool ok_ = false;
  LibError error_;
  Napi::Promise::Deferred deferred_;
};

class DiagnoseWorker : public JsonWorker {
 public:
  DiagnoseWorker(Napi::Env env, std::shared_ptr<ModelState> state, std::string request)
      : JsonWorker(env, "jalon.diagnose", std::move(state)), request_(std::move(request)) {}

 protected:
  // Worker thread: no JS values here.
  void Execute() override {
    jalon_workspace *ws = nullptr;
    jalon_error *e = nullptr;
    int rc = state_->Acquire(&ws, &e);
    if (rc == 0) {
      char *out = nullptr;
      rc = jalon_diagnose_json(&out, ws, request_.data(), request_.size(), &e);
      state_->Release(ws);
      // A refused request still has a response (an error object): it is
      // the JS side that turns it into a rejection, with the request id.
      if (out) return Succeed(out, e);
    }
    Fail(rc, e);
  }

 private:
  std::string request_;
};

// Where the person is, copied out of JS values so the worker thread can read
// it; as jalon_place once there.
struct PlaceArg {
  bool given = false;
  bool has_department = false, has_region = false;
  std::string department, region;
  bool has_coords = false;
  double lat = 0, lon = 0, radius_km = 0;

  jalon_place ToC() const {
    jalon_place p{};
    p.department = has_department ? department.c_str() : nullptr;
    p.region = has_region ? region.c_str() : nullptr;
    p.has_coords = has_coords ? 1 : 0;
    p.lat = lat;
    p.lon = lon;
    p.radius_km = radius_km;
    return p;
  }
};

class TrainingsWorker : public JsonWorker {
 public:
  TrainingsWorker(Napi::Env env, std::shared_ptr<ModelState> state, std::string rome, PlaceArg place,
                  bool has_after, std::string after, unsigned max)
      : JsonWorker(env, "jalon.trainings", std::move(state)),
        rome_(std::move(rome)),
        place_(std::move(place)),
        has_after_(has_after),
        after_(std::move(after)),
        max_(max) {}

 protected:
  void Execute() override {
    jalon_place pl = place_.ToC();
    char *out = nullptr;
    jalon_error *e = nullptr;
    int rc = jalon_catalogue_lookup_json(&out, state_->catalogue(), state_->model(), rome_.c_str(),
                                         place_.given ? &pl : nullptr, has_after_ ? after_.c_str() : nullptr,
                                         max_, &e);
    if (rc == 0) Succeed(out, e);
    else Fail(rc, e);
  }

 private:
  std::string rome_;
  PlaceArg place_;
  bool has_after_;
  std::string after_;
  unsigned max_;
};

class Model : public Napi::ObjectWrap<Model> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Model",
                       {
                           InstanceMethod<&Model::DiagnoseJson>("diagnoseJson"),
                           InstanceMethod<&Model::TrainingsJson>("trainingsJson"),
                           InstanceMethod<&Model::Close>("close"),
                           InstanceAccessor<&Model::Path>("path"),
                           InstanceAccessor<&Model::RomeVersion>("romeVersion"),
                           InstanceAccessor<&Model::Checksum>("checksum"),
                           InstanceAccessor<&Model::Closed>("closed"),
                           InstanceAccessor<&Model::CataloguePath>("cataloguePath"),
                           InstanceAccessor<&Model::CatalogueChecksum>("catalogueChecksum"),
                       });
  }

  // new Model(path?, catalogue?): opens the model and its training catalogue
  // on the calling thread. Opening maps the files and checks them:
  // milliseconds, once per process. catalogue undefined: the library's
  // search order, and no trainings when it finds nothing (JALON_ENOTFOUND
  // only: a catalogue that is there but broken is an error, as in the CLI);
  // false: no trainings; a string: that file, every error thrown.
  explicit Model(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Model>(info) {
    Napi::Env env = info.Env();
    std::string path, cat_path;
    bool has_path = info.Length() > 0 && !info[0].IsUndefined() && !info[0].IsNull();
    if (has_path) {
      if (!info[0].IsString()) throw Napi::TypeError::New(env, "path must be a string");
      path = info[0].As<Napi::String>().Utf8Value();
    }
    enum { kSearch, kNone, kPath } cat_mode = kSearch;
    if (info.Length() > 1 && !info[1].IsUndefined()) {
      if (info[1].IsString()) {
        cat_mode = kPath;
        cat_path = info[1].As<Napi::String>().Utf8Value();
      } else if (info[1].IsBoolean() && !info[1].As<Napi::Boolean>().Value()) {
        cat_mode = kNone;
      } else {
        throw Napi::TypeError::New(env, "catalogue must be a path string, false (no trainings) or undefined (search)");
      }
    }
    jalon_model *m = nullptr;
    jalon_catalogue *cat = nullptr;
    jalon_error *e = nullptr;
    int rc = jalon_model_open(&m, has_path ? path.c_str() : nullptr, &e);
    if (rc != 0) throw LibError(rc, e).ToJS(env);
    if (cat_mode != kNone) {
      rc = jalon_catalogue_open(&cat, cat_mode == kPath ? cat_path.c_str() : nullptr, &e);
      if (rc == JALON_ENOTFOUND && cat_mode == kSearch) {
        jalon_error_free(e);
        rc = 0;
      } else if (rc != 0) {
        jalon_model_free(m);
        throw LibError(rc, e).ToJS(env);
      }
    }
    state_ = std::make_shared<ModelState>(m, cat);
  }

 private:
  const jalon_model *Open(Napi::Env env) const {
    if (!state_) {
      Napi::Error err = Napi::Error::New(env, "the jalon model is closed");
      err.Set("code", Napi::String::New(env, "closed"));
      throw err;
    }
    return state_->model();
  }

  // diagnoseJson(request: string | Buffer) -> Promise<string>
  Napi::Value DiagnoseJson(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    Open(env);
    std::string request;
    if (info.Length() > 0 && info[0].IsString()) {
      request = info[0].As<Napi::String>().Utf8Value();
    } else if (info.Length() > 0 && info[0].IsBuffer()) {
      Napi::Buffer<char> b = info[0].As<Napi::Buffer<char>>();
      request.assign(b.Data(), b.Length());
    } else {
      throw Napi::TypeError::New(env, "request must be a JSON string or a Buffer");
    }
    auto *worker = new DiagnoseWorker(env, state_, std::move(request));
    Napi::Promise promise = worker->Promise();
    worker->Queue();  // the worker deletes itself once settled
    return promise;
  }

  // trainingsJson(rome, place|undefined, after|undefined, max) -> Promise<string>.
  // index.js checks the arguments with friendly messages; here only what the
  // conversion needs, so a direct caller gets a TypeError, never a crash.
  Napi::Value TrainingsJson(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    Open(env);
    if (!state_->catalogue()) {
      LibError err;
      err.code = jalon_status_name(JALON_ENOTFOUND);
      err.message = "this model has no training catalogue (opened with catalogue: false, or none was found on the search path)";
      err.message_fr = "Aucun catalogue de formations n'est disponible.";
      throw err.ToJS(env);
    }
    if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "rome must be a string");
    std::string rome = info[0].As<Napi::String>().Utf8Value();
    PlaceArg place;
    if (info.Length() > 1 && !info[1].IsUndefined() && !info[1].IsNull()) {
      if (!info[1].IsObject()) throw Napi::TypeError::New(env, "place must be an object");
      Napi::Object o = info[1].As<Napi::Object>();
      place.given = true;
      auto str = [&](const char *key, bool *has, std::string *out) {
        Napi::Value v = o.Get(key);
        if (v.IsUndefined() || v.IsNull()) return;
        if (!v.IsString()) throw Napi::TypeError::New(env, std::string("place.") + key + " must be a string");
        *has = true;
        *out = v.As<Napi::String>().Utf8Value();
      };
      auto num = [&](const char *key, double *out) {
        Napi::Value v = o.Get(key);
        if (v.IsUndefined() || v.IsNull()) return false;
        if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string("place.") + key + " must be a number");
        *out = v.As<Napi::Number>().DoubleValue();
        if (!std::isfinite(*out)) throw Napi::RangeError::New(env, std::string("place.") + key + " must be finite");
        return true;
      };
      str("department", &place.has_department, &place.department);
      str("region", &place.has_region, &place.region);
      bool has_lat = num("lat", &place.lat), has_lon = num("lon", &place.lon);
      num("radius_km", &place.radius_km);
      if (has_lat != has_lon) throw Napi::RangeError::New(env, "place.lat and place.lon must be given together");
      place.has_coords = has_lat;
    }
    bool has_after = info.Length() > 2 && !info[2].IsUndefined() && !info[2].IsNull();
    std::string after;
    if (has_after) {
      if (!info[2].IsString()) throw Napi::TypeError::New(env, "after must be a string written YYYY-MM-DD");
      after = info[2].As<Napi::String>().Utf8Value();
    }
    unsigned max = 0;
    if (info.Length() > 3 && !info[3].IsUndefined() && !info[3].IsNull()) {
      if (!info[3].IsNumber()) throw Napi::TypeError::New(env, "max must be a number");
      double v = info[3].As<Napi::Number>().DoubleValue();
      if (!(v >= 0 && v <= JALON_MAX_TRAININGS) || v != std::floor(v))
        throw Napi::RangeError::New(env, "max must be an integer from 1 to " + std::to_string(JALON_MAX_TRAININGS));
      max = static_cast<unsigned>(v);
    }
    auto *worker = new TrainingsWorker(env, state_, std::move(rome), std::move(place), has_after,
                                       std::move(after), max);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  Napi::Value Close(const Napi::CallbackInfo &info) {
    state_.reset();
    return info.Env().Undefined();
  }

  Napi::Value Path(const Napi::CallbackInfo &info) {
    return Napi::String::New(info.Env(), jalon_model_path(Open(info.Env())));
  }
  Napi::Value RomeVersion(const Napi::CallbackInfo &info) {
    return Napi::String::New(info.Env(), jalon_model_rome_version(Open(info.Env())));
  }
  Napi::Value Checksum(const Napi::CallbackInfo &info) {
    return Napi::String::New(info.Env(), jalon_model_checksum(Open(info.Env())));
  }
  Napi::Value Closed(const Napi::CallbackInfo &info) {
    return Napi::Boolean::New(info.Env(), !state_);
  }
  // null when the model has no catalogue.
  Napi::Value CataloguePath(const Napi::CallbackInfo &info) {
    Open(info.Env());
    const jalon_catalogue *c = state_->catalogue();
    return c ? Napi::String::New(info.Env(), jalon_catalogue_path(c)) : info.Env().Null();
  }
  Napi::Value CatalogueChecksum(const Napi::CallbackInfo &info) {
    Open(info.Env());
    const jalon_catalogue *c = state_->catalogue();
    return c ? Napi::String::New(info.Env(), jalon_catalogue_checksum(c)) : info.Env().Null();
  }

  std::shared_ptr<ModelState> state_;
};

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("Model", Model::Init(env));
  exports.Set("libraryVersion", Napi::String::New(env, jalon_version()));
  exports.Set("MAX_TEXT_BYTES", Napi::Number::New(env, JALON_MAX_TEXT_BYTES));
  exports.Set("MAX_JOBS", Napi::Number::New(env, JALON_MAX_JOBS));
  exports.Set("MAX_TRAININGS", Napi::Number::New(env, JALON_MAX_TRAININGS));
  return exports;
}

}  // namespace

NODE_API_MODULE(jalon, InitModule)
