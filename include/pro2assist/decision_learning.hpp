// Learning the tracker's decision model (pro2assist/decision_model.hpp) from annotated
// recordings: the tracker runs on each case against the simulated model under several
// conditions, every reasoning moment's features are labelled on SPEC §5's 1-second grid (in a
// proactive period or not; which statuses are right), and logistic models are fitted. Only
// this driver sees the annotations.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pro2assist/decision_model.hpp"
#include "pro2assist/evaluation.hpp"

namespace p2a {

struct DecisionLearnOptions {
  double accuracy = 0.5;       // the simulated model's
  std::uint64_t seed = 3;
  int jobs = 0;                // 0: all cores
  double l2 = 1.0;
  // Model conditions the weights must serve, each a pass over the cases: the simulator with
  // these error runs and help-flag noise, or no model at all.
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

struct DecisionLearnResult {
  DecisionModel model;
  std::size_t points = 0;        // grid points (seconds) the fits saw
  std::size_t runs = 0;
  double in_period_share = 0;    // of those points
  double rule_trigger_accuracy = 0;     // the hand-built trigger's agreement with the periods
  double learned_trigger_accuracy = 0;  // the fitted model's
  double estimate_status_accuracy = 0;  // the hand-built status estimate's share right
  double learned_status_accuracy = 0;   // the fitted models'
};

DecisionLearnResult learn_decision_model(const std::vector<EvalCase>& cases,
                                         const DecisionLearnOptions& opt);

nlohmann::json decision_learning_to_json(const DecisionLearnResult& r);  // the model and figures

}  // namespace p2a
