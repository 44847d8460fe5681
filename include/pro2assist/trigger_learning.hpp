// Learning the tracker's trigger (src/reasoning/trigger_model.hpp) from annotated recordings:
// the tracker runs on each case against the simulated model under several conditions, every
// reasoning moment's features are labelled by SPEC §5's proactive periods on the 1-second
// grid, and a logistic model is fitted. Only this driver sees the annotations.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pro2assist/evaluation.hpp"

namespace p2a {

struct TriggerLearnOptions {
  double accuracy = 0.5;       // the simulated model's
  std::uint64_t seed = 3;
  int jobs = 0;                // 0: all cores
  double l2 = 1.0;
  // Model conditions the weights must serve, each a pass over the cases: the simulator as
  // configured in EvalOptions terms (error runs, help-flag noise), or no model at all.
  struct Condition {
    std::string name;
    bool no_model = false;
    double error_run_s = 3.0;
    double trigger_noise = 0.0;
  };
  std::vector<Condition> conditions = {
      {"default", false, 3.0, 0.0},
      {"independent-errors", false, 1.0, 0.0},
      {"noisy-flag", false, 3.0, 0.15},
      {"random-flag", false, 3.0, 0.5},
      {"no-model", true, 3.0, 0.0},
  };
  std::function<void(std::size_t done, std::size_t total)> progress;
};

struct TriggerLearnResult {
  std::vector<std::string> features;
  std::vector<double> weights;
  std::size_t points = 0;        // grid points (seconds) the fit saw
  std::size_t runs = 0;
  double in_period_share = 0;    // of those points
  double rule_accuracy = 0;      // the hand-built rule's agreement with the periods
  double learned_accuracy = 0;   // the fitted model's
};

TriggerLearnResult learn_trigger(const std::vector<EvalCase>& cases, const TriggerLearnOptions& opt);

nlohmann::json trigger_weights_to_json(const TriggerLearnResult& r);
// Reads learn-trigger's output; throws Error when the file is unreadable or its features are
// not the ones this build computes.
std::vector<double> load_trigger_weights(const std::filesystem::path& file);

}  // namespace p2a
