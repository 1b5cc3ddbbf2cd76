// jalon.node: the Node face of libjalon, kept thin. Model wraps a jalon_model;
// diagnoseJson() runs jalon_diagnose_json on the libuv thread pool
// (Napi::AsyncWorker) and resolves with the response JSON text.
//
// Request building, JSON.parse and error objects by code are in index.js.
// The model is shared by every call; each call borrows a workspace from a
// small pool (at most one per libuv worker thread running at once), since a
// workspace serves one thread at a time. close() and garbage collection only
// drop the JS side's hold: calls in flight keep the model until they finish.
#include <napi.h>

#include <jalon/jalon.h>

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

// The model and its idle workspaces. Owned through shared_ptr by the JS
// object and by every call in flight; the last one frees it all.
class ModelState {
 public:
  explicit ModelState(jalon_model *m) : model_(m) {}
  ~ModelState() {
    for (jalon_workspace *ws : idle_) jalon_workspace_free(ws);
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
    return jalon_workspace_new(out, model_, err);
  }
  void Release(jalon_workspace *ws) {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(ws);
  }
  const jalon_model *model() const { return model_; }

 private:
  jalon_model *model_;
  std::mutex mu_;
  std::vector<jalon_workspace *> idle_;
};

class DiagnoseWorker : public Napi::AsyncWorker {
 public:
  DiagnoseWorker(Napi::Env env, std::shared_ptr<ModelState> state, std::string request)
      : Napi::AsyncWorker(env, "jalon.diagnose"),
        state_(std::move(state)),
        request_(std::move(request)),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

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
      if (out) {
        // A refused request still has a response (an error object): it is
        // the JS side that turns it into a rejection, with the request id.
        response_.assign(out);
        jalon_free(out);
        jalon_error_free(e);
        has_response_ = true;
        return;
      }
    }
    error_ = LibError(rc, e);
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (has_response_)
      deferred_.Resolve(Napi::String::New(env, response_));
    else
      deferred_.Reject(error_.ToJS(env).Value());
  }

  void OnError(const Napi::Error &err) override { deferred_.Reject(err.Value()); }

 private:
  std::shared_ptr<ModelState> state_;
  std::string request_;
  std::string response_;
  bool has_response_ = false;
  LibError error_;
  Napi::Promise::Deferred deferred_;
};

class Model : public Napi::ObjectWrap<Model> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Model",
                       {
                           InstanceMethod<&Model::DiagnoseJson>("diagnoseJson"),
                           InstanceMethod<&Model::Close>("close"),
                           InstanceAccessor<&Model::Path>("path"),
                           InstanceAccessor<&Model::RomeVersion>("romeVersion"),
                           InstanceAccessor<&Model::Checksum>("checksum"),
                           InstanceAccessor<&Model::Closed>("closed"),
                       });
  }

  // new Model(path?): opens the model on the calling thread. Opening maps the
  // file and checks it: milliseconds, once per process.
  explicit Model(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Model>(info) {
    Napi::Env env = info.Env();
    std::string path;
    bool has_path = info.Length() > 0 && !info[0].IsUndefined() && !info[0].IsNull();
    if (has_path) {
      if (!info[0].IsString()) throw Napi::TypeError::New(env, "path must be a string");
      path = info[0].As<Napi::String>().Utf8Value();
    }
    jalon_model *m = nullptr;
    jalon_error *e = nullptr;
    int rc = jalon_model_open(&m, has_path ? path.c_str() : nullptr, &e);
    if (rc != 0) throw LibError(rc, e).ToJS(env);
    state_ = std::make_shared<ModelState>(m);
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

  std::shared_ptr<ModelState> state_;
};

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("Model", Model::Init(env));
  exports.Set("libraryVersion", Napi::String::New(env, jalon_version()));
  exports.Set("MAX_TEXT_BYTES", Napi::Number::New(env, JALON_MAX_TEXT_BYTES));
  exports.Set("MAX_JOBS", Napi::Number::New(env, JALON_MAX_JOBS));
  return exports;
}

}  // namespace

NODE_API_MODULE(jalon, InitModule)
