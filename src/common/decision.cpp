#include "pro2assist/decision.hpp"

#include <cmath>
#include <fstream>

namespace p2a {

nlohmann::json to_json(const Decision& d) {
  nlohmann::json j;
  // Times are written with millisecond resolution: enough for a 0.5 s sampler, stable diffs.
  j["t_s"] = std::round(d.t_s * 1000.0) / 1000.0;
  j["step"] = d.step ? nlohmann::json(*d.step) : nlohmann::json(nullptr);
  j["status"] = d.status ? nlohmann::json(std::string(to_string(*d.status))) : nlohmann::json(nullptr);
  j["trigger"] = d.trigger;
  j["deliver"] = d.deliver;
  j["kind"] = d.kind ? nlohmann::json(std::string(to_string(*d.kind))) : nlohmann::json(nullptr);
  j["message"] = d.message;
  j["about"] = d.about ? nlohmann::json(*d.about) : nlohmann::json(nullptr);
  j["completed"] = d.completed;
  j["vlm"] = d.vlm;
  return j;
}

namespace {
std::optional<std::string> opt_string(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw Error(std::string("field '") + key + "' is not a string");
  return it->get<std::string>();
}
}  // namespace

Decision decision_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw Error("decision is not a JSON object");
  Decision d;
  if (!j.contains("t_s") || !j["t_s"].is_number()) throw Error("decision has no numeric 't_s'");
  d.t_s = j["t_s"].get<double>();
  d.step = opt_string(j, "step");
  if (auto s = opt_string(j, "status")) {
    d.status = parse_status(*s);
    if (!d.status) throw Error("unknown status '" + *s + "'");
  }
  d.trigger = j.value("trigger", false);
  d.deliver = j.value("deliver", false);
  if (auto k = opt_string(j, "kind")) {
    d.kind = parse_kind(*k);
    if (!d.kind) throw Error("unknown kind '" + *k + "'");
  }
  d.message = opt_string(j, "message").value_or("");
  d.about = opt_string(j, "about");
  if (j.contains("completed") && j["completed"].is_array())
    for (const auto& c : j["completed"]) d.completed.push_back(c.get<std::string>());
  d.vlm = j.value("vlm", false);
  return d;
}

std::vector<Decision> read_decisions(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error("decisions " + file.string() + ": cannot open");
  std::vector<Decision> out;
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      out.push_back(decision_from_json(nlohmann::json::parse(line)));
    } catch (const std::exception& e) {
      throw Error("decisions " + file.string() + ": line " + std::to_string(n) + ": " + e.what());
    }
  }
  return out;
}

}  // namespace p2a
