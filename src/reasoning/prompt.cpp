// The prompt sent to the vision-language model and the validation of its answer (SPEC §4).
// Everything a model says is checked against the guideline: a step id the guideline does not
// know is an error, never a new step.
#include <cctype>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

#include "pro2assist/model.hpp"

namespace p2a {
namespace {

constexpr std::string_view kStatuses[] = {"just_start", "in_progress", "about_to_finish",
                                          "transition"};

// The media type of a frame's bytes, by their signature: frames are JPEG as a rule, but a
// client may store PNG (or GIF, WebP), and a data URI must say which it is.
std::string image_mime(std::string_view bytes) {
  if (bytes.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) return "image/png";
  if (bytes.substr(0, 4) == "GIF8") return "image/gif";
  if (bytes.size() >= 12 && bytes.substr(0, 4) == "RIFF" && bytes.substr(8, 4) == "WEBP")
    return "image/webp";
  return "image/jpeg";
}

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16 |
                       static_cast<unsigned char>(bytes[i + 1]) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += rest == 2 ? kAlphabet[v >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

std::string format_fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

// "10-60 s" / "about 30 s"; durations are hints, so whole seconds are precise enough.
std::string format_duration(const DurationRange& d) {
  const std::string lo = format_fixed(d.min_s, 0);
  const std::string hi = format_fixed(d.max_s, 0);
  return lo == hi ? "about " + lo + " s" : lo + "-" + hi + " s";
}

std::string step_line(const Step& s) {
  std::string line = "- " + s.id + ": " + s.text;
  if (!s.requires_.empty()) {
    line += " (requires: ";
    for (std::size_t i = 0; i < s.requires_.size(); ++i)
      line += (i ? ", " : "") + s.requires_[i];
    line += ")";
  }
  std::string extra;
  if (!s.details.empty()) extra = "details: " + s.details;
  if (s.duration_s) extra += (extra.empty() ? "" : "; ") + ("takes " + format_duration(*s.duration_s));
  if (!extra.empty()) line += " \u2014 " + extra;
  if (s.critical) line += " [critical]";
  if (s.optional) line += " [optional]";
  return line;
}

std::string step_label(const Guideline& g, const StepId& id) {
  const Step* s = g.find(id);
  return s ? id + " (" + s->text + ")" : id;
}

// Excerpts of model output go into one-line error messages.
std::string one_line(std::string_view text, std::size_t max_chars) {
  std::string out;
  for (char c : text.substr(0, max_chars)) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (text.size() > max_chars) out += "...";
  return out;
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Models often wrap JSON in ```json fences or add a sentence around it even when asked not
// to; the object itself is what matters.
std::string strip_to_json_object(const std::string& content) {
  std::string text = trim(content);
  if (text.rfind("```", 0) == 0) {
    const auto nl = text.find('\n');
    text = nl == std::string::npos ? text.substr(3) : text.substr(nl + 1);
    const auto close = text.rfind("```");
    if (close != std::string::npos) text.erase(close);
    text = trim(text);
  }
  if (!text.empty() && text.front() != '{') {
    const auto b = text.find('{');
    const auto e = text.rfind('}');
    if (b != std::string::npos && e != std::string::npos && e > b) text = text.substr(b, e - b + 1);
  }
  return text;
}

ModelResult failure(std::string error) {
  ModelResult r;
  r.error = std::move(error);
  return r;
}

// Accepts the id itself, a step's text (some models echo the instruction; case, spacing and
// punctuation aside), or a numeric id sent as a JSON number (CaptainCook4D ids are "1", ...).
std::optional<StepId> resolve_step(const nlohmann::json& v, const Guideline& g, std::string& why) {
  std::string key;
  if (v.is_string()) {
    key = v.get<std::string>();
  } else if (v.is_number_integer()) {
    key = std::to_string(v.get<long long>());
  } else if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>()) {
    key = std::to_string(static_cast<long long>(v.get<double>()));
  } else {
    why = "step is not a string but " + one_line(v.dump(), 60);
    return std::nullopt;
  }
  if (g.find(key)) return key;
  const std::string trimmed = trim(key);
  if (g.find(trimmed)) return trimmed;
  for (const Step& s : g.steps)
    if (s.text == key || s.text == trimmed) return s.id;
  // Loosely: the id or the text in other case, spacing or punctuation.
  const std::string loose = normalise_step_text(key);
  if (!loose.empty())
    for (const Step& s : g.steps)
      if (normalise_step_text(s.id) == loose || normalise_step_text(s.text) == loose) return s.id;
  why = "unknown step '" + one_line(key, 60) + "'";
  return std::nullopt;
}

std::optional<bool> resolve_trigger(const nlohmann::json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) {
    std::string s = trim(v.get<std::string>());
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s == "true") return true;
    if (s == "false") return false;
  }
  return std::nullopt;
}

// Servers put the text either in a string or in a list of {"type": "text", "text": ...} parts.
std::optional<std::string> content_text(const nlohmann::json& content) {
  if (content.is_string()) return content.get<std::string>();
  if (content.is_array()) {
    std::string text;
    for (const auto& part : content)
      if (part.is_object() && part.value("type", "") == "text" && part.contains("text") &&
          part["text"].is_string())
        text += part["text"].get<std::string>();
    if (!text.empty()) return text;
  }
  if (content.is_object()) return content.dump();  // already-parsed JSON answer
  return std::nullopt;
}

}  // namespace

std::string system_prompt() {
  return "You are Pro2Assist, a proactive assistant for a person doing a procedural task while "
         "wearing egocentric (first-person) smart glasses. You see what the user sees and you "
         "know the task guideline. At this moment decide:\n"
         "1. step: the id of the guideline step the user is working on now, copied exactly from "
         "the guideline.\n"
         "2. status: the execution status of that step, one of \"just_start\" (the step has "
         "just begun), \"in_progress\" (under way), \"about_to_finish\" (nearly done) or "
         "\"transition\" (the previous step is done and the next has not started yet).\n"
         "3. trigger: true only if the user needs help right now (a step is starting or about "
         "to finish so the next action should be shown, the user hesitates or seems stuck, or "
         "a step was skipped or is done out of order); otherwise false.\n"
         "4. response: a short helpful message for the glasses display, one or two sentences, "
         "saying what to do now or next.\n"
         "Use the completed steps, the current step belief and the hand motion as context, but "
         "trust what you see when they disagree. Answer with JSON only, no other text: "
         "{\"step\": \"<step id>\", \"status\": \"<status>\", \"trigger\": true or false, "
         "\"response\": \"<text>\"}";
}

std::string user_context_text(const ModelQuery& q) {
  if (!q.guideline) throw Error("model query at t=" + format_fixed(q.t_s, 3) + " s has no guideline");
  const Guideline& g = *q.guideline;
  std::string text = "Task: " + (g.title.empty() ? g.id : g.title) + "\nGuideline steps:\n";
  for (const Step& s : g.steps) text += step_line(s) + "\n";

  text += "Completed steps, in order: ";
  if (q.completed.empty()) text += "none yet";
  for (std::size_t i = 0; i < q.completed.size(); ++i)
    text += (i ? ", " : "") + step_label(g, q.completed[i]);
  text += "\n";

  text += "Current step (tracker's belief): ";
  text += q.current_step ? step_label(g, *q.current_step) : std::string("not known yet");
  text += "\n";

  text += "Hand motion: " + (q.motion_cue.empty() ? std::string("no cue") : q.motion_cue) + "\n";
  text += "Time: " + format_fixed(q.t_s, 1) + " s since the session started.";
  if (!q.frame_jpeg) text += "\nNo camera frame is available at this moment.";
  return text;
}

nlohmann::json answer_schema(const Guideline& g) {
  nlohmann::json ids = nlohmann::json::array();
  for (const Step& s : g.steps) ids.push_back(s.id);
  nlohmann::json statuses = nlohmann::json::array();
  for (std::string_view s : kStatuses) statuses.push_back(s);
  return {{"type", "object"},
          {"properties",
           {{"step", {{"type", "string"}, {"enum", ids}}},
            {"status", {{"type", "string"}, {"enum", statuses}}},
            {"trigger", {{"type", "boolean"}}},
            {"response", {{"type", "string"}}}}},
          {"required", {"step", "status", "trigger", "response"}},
          {"additionalProperties", false}};
}

nlohmann::json build_chat_request(const ModelQuery& q, const std::string& model) {
  nlohmann::json user_content = nlohmann::json::array();
  user_content.push_back({{"type", "text"}, {"text", user_context_text(q)}});
  if (q.frame_jpeg)
    user_content.push_back(
        {{"type", "image_url"},
         {"image_url",
          {{"url", "data:" + image_mime(*q.frame_jpeg) + ";base64," + base64(*q.frame_jpeg)}}}});
  return {{"model", model},
          {"messages",
           {{{"role", "system"}, {"content", system_prompt()}},
            {{"role", "user"}, {"content", user_content}}}},
          {"response_format",
           {{"type", "json_schema"},
            {"json_schema",
             {{"name", "step_state"}, {"schema", answer_schema(*q.guideline)}, {"strict", true}}}}},
          {"metadata", {{"session_id", q.session_id}, {"t_s", format_fixed(q.t_s, 3)}}},
          {"temperature", 0}};
}

ModelResult parse_chat_response(const std::string& body, const Guideline& g) {
  const nlohmann::json reply = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (reply.is_discarded()) return failure("malformed body: not JSON: " + one_line(body, 80));
  if (!reply.is_object()) return failure("malformed body: not a JSON object");
  if (reply.contains("error")) {
    const auto& e = reply["error"];
    const std::string msg = e.is_object() && e.contains("message") && e["message"].is_string()
                                ? e["message"].get<std::string>()
                                : e.dump();
    return failure("server error: " + one_line(msg, 200));
  }
  if (!reply.contains("choices") || !reply["choices"].is_array() || reply["choices"].empty())
    return failure("no choices");
  const auto& choice = reply["choices"][0];
  if (!choice.is_object() || !choice.contains("message") || !choice["message"].is_object() ||
      !choice["message"].contains("content"))
    return failure("malformed body: choices[0].message.content missing");
  const auto content = content_text(choice["message"]["content"]);
  if (!content) return failure("malformed body: choices[0].message.content is not text");

  const nlohmann::json answer =
      nlohmann::json::parse(strip_to_json_object(*content), nullptr, false);
  if (answer.is_discarded() || !answer.is_object())
    return failure("model answer out of schema: content is not a JSON object: '" +
                   one_line(*content, 80) + "'");

  ModelAnswer a;
  std::string why;
  if (!answer.contains("step")) return failure("model answer out of schema: no step");
  const auto step = resolve_step(answer["step"], g, why);
  if (!step) return failure("model answer out of schema: " + why);
  a.step = *step;

  if (!answer.contains("status") || !answer["status"].is_string())
    return failure("model answer out of schema: status missing or not a string");
  const auto status = parse_status(answer["status"].get<std::string>());
  if (!status)
    return failure("model answer out of schema: unknown status '" +
                   one_line(answer["status"].get<std::string>(), 40) + "'");
  a.status = *status;

  if (!answer.contains("trigger")) return failure("model answer out of schema: no trigger");
  const auto trigger = resolve_trigger(answer["trigger"]);
  if (!trigger)
    return failure("model answer out of schema: trigger is not a boolean: " +
                   one_line(answer["trigger"].dump(), 40));
  a.trigger = *trigger;

  if (answer.contains("response") && !answer["response"].is_null()) {
    if (!answer["response"].is_string())
      return failure("model answer out of schema: response is not a string");
    a.response = trim(answer["response"].get<std::string>());
  }

  ModelResult r;
  r.answer = std::move(a);
  return r;
}

}  // namespace p2a
