// Decision stream (SPEC §3): one JSON line per reasoning moment.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pro2assist/types.hpp"

namespace p2a {

struct Decision {
  double t_s = 0;
  std::optional<StepId> step;
  std::optional<Status> status;
  bool trigger = false;
  bool deliver = false;
  std::optional<Kind> kind;
  std::string message;
  std::optional<StepId> about;
  std::vector<StepId> completed;
  bool vlm = false;
};

nlohmann::json to_json(const Decision& d);
Decision decision_from_json(const nlohmann::json& j);  // throws Error
// Reads a JSONL decision file; bad lines throw Error naming the line.
std::vector<Decision> read_decisions(const std::filesystem::path& file);

}  // namespace p2a
