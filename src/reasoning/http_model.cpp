// ModelClient over any OpenAI-compatible HTTP server (SPEC §4), with libcurl.
// A slow, dead or confused model server is an expected event: ask() never throws, it returns
// an error the engine can log and carry on from.
#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>
#include <string>

#include "pro2assist/model.hpp"

namespace p2a {
namespace {

std::once_flag g_curl_init;

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", s);
  return buf;
}

std::string one_line(const std::string& text, std::size_t max_chars) {
  std::string out;
  for (char c : text.substr(0, max_chars)) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (text.size() > max_chars) out += "...";
  return out;
}

std::size_t append_body(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

long to_ms(double s) { return std::max(1L, static_cast<long>(s * 1000.0 + 0.5)); }

class HttpModel final : public ModelClient {
 public:
  explicit HttpModel(const HttpModelOptions& opt) : opt_(opt) {
    std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    while (!opt_.base_url.empty() && opt_.base_url.back() == '/') opt_.base_url.pop_back();
    url_ = opt_.base_url + "/chat/completions";
    if (opt_.api_key.empty())
      if (const char* env = std::getenv("P2A_API_KEY")) opt_.api_key = env;

    curl_ = curl_easy_init();
    if (!curl_) throw Error("model " + name() + ": curl_easy_init failed");
    headers_ = curl_slist_append(headers_, "Content-Type: application/json");
    headers_ = curl_slist_append(headers_, "Accept: application/json");
    // A large frame would otherwise make curl wait for "100 Continue" first.
    headers_ = curl_slist_append(headers_, "Expect:");
    if (!opt_.api_key.empty())
      headers_ = curl_slist_append(headers_, ("Authorization: Bearer " + opt_.api_key).c_str());

    // One easy handle per client so the connection is kept alive between calls.
    curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl_, CURLOPT_POST, 1L);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, to_ms(opt_.timeout_s));
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, to_ms(opt_.connect_timeout_s));
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &response_);
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, errbuf_);
    // A local model server must never be reached through a proxy from the environment.
    curl_easy_setopt(curl_, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
  }

  ~HttpModel() override {
    curl_easy_cleanup(curl_);
    curl_slist_free_all(headers_);
  }

  HttpModel(const HttpModel&) = delete;
  HttpModel& operator=(const HttpModel&) = delete;

  std::string name() const override { return "http:" + opt_.base_url + " model=" + opt_.model; }

  ModelResult ask(const ModelQuery& q) override {
    // The easy handle is not thread-safe; concurrent callers take turns.
    std::lock_guard lock(mutex_);
    if (!q.guideline) return fail("no_guideline", "query has no guideline", q.t_s, 0);
    // Invalid UTF-8 in a cue or guideline text is replaced rather than failing the call.
    const std::string body = build_chat_request(q, opt_.model)
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    response_.clear();
    errbuf_[0] = '\0';
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));

    const auto start = std::chrono::steady_clock::now();
    const CURLcode rc = curl_easy_perform(curl_);
    const double latency_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    if (rc != CURLE_OK) return fail_transport(rc, q.t_s, latency_s);

    long http = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &http);
    if (http != 200)
      return fail("http_" + std::to_string(http),
                  "HTTP " + std::to_string(http) + ": " + one_line(response_, 200), q.t_s,
                  latency_s);

    ModelResult r = parse_chat_response(response_, *q.guideline);
    r.latency_s = latency_s;
    if (!r.answer) {
      const std::string kind = r.error.rfind("model answer out of schema", 0) == 0 ? "schema"
                                                                                    : "malformed";
      log_failure(kind, r.error, q.t_s);
    }
    return r;
  }

 private:
  ModelResult fail_transport(CURLcode rc, double t_s, double latency_s) {
    const std::string detail = errbuf_[0] ? errbuf_ : curl_easy_strerror(rc);
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT: {
        // curl reports connect and transfer timeouts with the same code; whether the request
        // went out tells them apart (connect time would read 0 on a reused connection).
        long request_bytes = 0;
        curl_easy_getinfo(curl_, CURLINFO_REQUEST_SIZE, &request_bytes);
        if (request_bytes == 0)
          return fail("connect_timeout",
                      "connection timeout after " +
                          seconds_text(std::min(opt_.connect_timeout_s, opt_.timeout_s)) + " s: " +
                          detail,
                      t_s, latency_s);
        return fail("timeout", "timeout after " + seconds_text(opt_.timeout_s) + " s", t_s,
                    latency_s);
      }
      case CURLE_COULDNT_CONNECT:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
        return fail("connect", "connection failed: " + detail, t_s, latency_s);
      case CURLE_GOT_NOTHING:
      case CURLE_RECV_ERROR:
      case CURLE_SEND_ERROR:
        return fail("dropped", "connection dropped: " + detail, t_s, latency_s);
      default:
        return fail("transport", "transfer failed: " + detail, t_s, latency_s);
    }
  }

  ModelResult fail(const std::string& kind, std::string error, double t_s, double latency_s) {
    log_failure(kind, error, t_s);
    ModelResult r;
    r.error = std::move(error);
    r.latency_s = latency_s;
    return r;
  }

  // A dead server fails at every moment: warn once per kind of failure, then stay quiet.
  void log_failure(const std::string& kind, const std::string& error, double t_s) {
    if (opt_.warn_failures && warned_.insert(kind).second)
      spdlog::warn("model {} at t={:.3f} s: {} (further '{}' failures logged at debug level)",
                   name(), t_s, error, kind);
    else
      spdlog::debug("model {} at t={:.3f} s: {}", name(), t_s, error);
  }

  HttpModelOptions opt_;
  std::string url_;
  CURL* curl_ = nullptr;
  curl_slist* headers_ = nullptr;
  std::string response_;
  char errbuf_[CURL_ERROR_SIZE] = {};
  std::mutex mutex_;
  std::set<std::string> warned_;
};

}  // namespace

std::unique_ptr<ModelClient> make_http_model(const HttpModelOptions& opt) {
  if (opt.base_url.empty()) throw Error("model: empty base URL");
  return std::make_unique<HttpModel>(opt);
}

}  // namespace p2a
