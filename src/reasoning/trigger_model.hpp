// The tracker's trigger ("help is due now", SPEC §3) as a logistic model over what the tracker
// knows at a moment: its status estimate, the filter's phases, the time in the step, what the
// model said lately and the motion cues. The hand-built rule is one of the features; the
// weights come from `pro2assist learn-trigger` (annotated recordings and the simulated model,
// the reasoning itself never sees ground truth) and are built in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace p2a {

// The features, in the order of the weights. Each is in [0, 1] or a small range (see
// trigger_model.cpp for what each one is).
const std::vector<std::string>& trigger_feature_names();

struct TriggerModel {
  std::vector<double> weights;  // one per feature; empty: the hand-built rule alone
  // The weights learned on the CaptainCook4D training split (see trigger_model.cpp).
  static TriggerModel learned();
  bool empty() const { return weights.empty(); }
  // log-odds that the moment lies in a proactive period
  double log_odds(const std::vector<double>& x) const;
  bool on(const std::vector<double>& x) const { return log_odds(x) > 0.0; }
};

// Rows of features (row-major, `dim` each) with 0/1 labels.
struct TriggerSamples {
  std::size_t dim = 0;
  std::vector<float> x;
  std::vector<std::uint8_t> y;
  std::size_t size() const { return y.size(); }
  void add(const std::vector<double>& row, bool label);
};

// L2-regularised logistic regression by Newton's method (the bias, feature 0, not penalised).
// Throws Error when there are no samples or the rows are not all `dim` long.
std::vector<double> fit_logistic(const TriggerSamples& s, double l2 = 1.0, int max_iter = 30);

// Share of samples on which w·x > 0 agrees with the label.
double logistic_accuracy(const TriggerSamples& s, const std::vector<double>& w);

}  // namespace p2a
