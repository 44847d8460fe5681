// The tracker's decision model: the `status` and `trigger` it reports (SPEC §3) as logistic
// models over what it knows at a moment: its own status estimate, the filter's phases, the time
// in the step, what the model said lately and the motion cues. The hand-built status estimate
// and trigger rule are among the features. The weights come from
// `pro2assist learn-decision-model` (annotated recordings and the simulated model; the
// reasoning itself never sees ground truth) and are built in; a file of them can replace them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pro2assist/types.hpp"

namespace p2a {

// The features, in the order of the weights (see decision_model.cpp for each one).
const std::vector<std::string>& decision_feature_names();

struct DecisionModel {
  // log-odds that the moment lies in a proactive period (SPEC §5); empty: the hand-built rule
  std::vector<double> trigger;
  // one-vs-rest log-odds of each status being right, in Status order (just start, in
  // progress, about to finish, transition); empty: the hand-built estimate
  std::array<std::vector<double>, 4> status;

  // The weights learned on the CaptainCook4D training split.
  static DecisionModel learned();
  // Weights that give back the hand-built estimate and rule (features 1-4) unchanged.
  static DecisionModel hand_built();
  bool has_trigger() const { return !trigger.empty(); }
  bool has_status() const;
  bool trigger_on(const std::vector<double>& x) const;
  Status status_of(const std::vector<double>& x) const;  // the status with the highest log-odds
};

// Rows of features (row-major, `dim` each) with 0/1 labels.
struct ModelSamples {
  std::size_t dim = 0;
  std::vector<float> x;
  std::vector<std::uint8_t> y;
  std::size_t size() const { return y.size(); }
  void add(const std::vector<double>& row, bool label);
};

// L2-regularised logistic regression by Newton's method (the bias, feature 0, not penalised).
// Throws Error when there are no samples or rows and labels disagree.
std::vector<double> fit_logistic(const ModelSamples& s, double l2 = 1.0, int max_iter = 30);
// Share of samples on which w·x > 0 agrees with the label.
double logistic_accuracy(const ModelSamples& s, const std::vector<double>& w);

// learn-decision-model's JSON ({"features", "trigger", "status": {"just_start": ...}}), written
// and read; reading throws Error when the file is unreadable or its features are not the ones
// this build computes.
nlohmann::json decision_model_to_json(const DecisionModel& m);
DecisionModel load_decision_model(const std::filesystem::path& file);

}  // namespace p2a
