// Vision-language model access (SPEC §4). The engine only sees this interface: an HTTP
// client for real servers, or the simulator built by a driver from ground truth.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pro2assist/guideline.hpp"
#include "pro2assist/types.hpp"

namespace p2a {

struct ModelQuery {
  std::string session_id;
  double t_s = 0;
  const Guideline* guideline = nullptr;
  std::vector<StepId> completed;         // long-term context, in order
  std::optional<StepId> current_step;    // the engine's current belief, may be empty
  std::string motion_cue;                // short-term context ("the left hand is moving ...")
  std::optional<std::string> frame_jpeg; // raw JPEG bytes when a frame exists
};

struct ModelAnswer {
  StepId step;
  Status status = Status::InProgress;
  bool trigger = false;
  std::string response;
};

struct ModelResult {
  std::optional<ModelAnswer> answer;  // empty on any failure
  std::string error;                  // one line: "timeout after 5.0 s", "HTTP 500", ...
  double latency_s = 0;
};

class ModelClient {
 public:
  virtual ~ModelClient() = default;
  virtual ModelResult ask(const ModelQuery& q) = 0;
  virtual std::string name() const = 0;
  // False for the "none" client: reasoners then skip the call and mark vlm=false.
  virtual bool available() const { return true; }
};

struct HttpModelOptions {
  std::string base_url;      // e.g. http://127.0.0.1:8080/v1 ; POST {base}/chat/completions
  std::string model = "default";
  double timeout_s = 10.0;
  double connect_timeout_s = 2.0;
  std::string api_key;       // sent as Bearer when non-empty (or from env P2A_API_KEY)
  bool warn_failures = true;  // warn once per kind of failure (else: debug level only, for
                              // drivers such as eval that count and report failures)
};
std::unique_ptr<ModelClient> make_http_model(const HttpModelOptions& opt);

// Prompt pieces, shared by the HTTP client and tests.
std::string system_prompt();
std::string user_context_text(const ModelQuery& q);       // guideline, completed, motion
nlohmann::json answer_schema(const Guideline& g);          // JSON schema of the answer
nlohmann::json build_chat_request(const ModelQuery& q, const std::string& model);
// Parses choices[0].message.content; returns an error string when out of schema.
ModelResult parse_chat_response(const std::string& body, const Guideline& g);

}  // namespace p2a
