// Step-aware reasoning: turns sampled pairs (and the model's answers) into decisions.
// Every reasoner runs inside the one Engine; they differ only in this policy.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pro2assist/decision.hpp"
#include "pro2assist/decision_model.hpp"
#include "pro2assist/guideline.hpp"
#include "pro2assist/model.hpp"
#include "pro2assist/perception.hpp"

namespace p2a {

struct ReasonerOptions {
  // seed: window consistency
  int seed_window = 6;         // W
  double seed_tau_c = 0.5;     // share of the window the new step must hold
  // tracker: the decision model reporting its status and trigger (learn-decision-model);
  // none: the built-in one
  std::optional<DecisionModel> decision_model;
};

struct ReasonerContext {
  const Guideline* guideline = nullptr;
  std::string session_id;
  ModelClient* model = nullptr;   // never null: a NoModel client answers "unavailable"
  std::size_t model_calls = 0;    // counted by reasoners, read by the engine
  std::size_t model_failures = 0;
};

class Reasoner {
 public:
  virtual ~Reasoner() = default;
  virtual std::string name() const = 0;
  // Called for every sampled pair, key moment or not, in time order. Returns the decision
  // when this pair is a reasoning moment for this reasoner.
  virtual std::optional<Decision> on_pair(const SampledPair& p, ReasonerContext& ctx) = 0;
  // Something the user said. Default: ignored.
  virtual std::optional<Decision> on_utterance(const Utterance&, ReasonerContext&) {
    return std::nullopt;
  }
  // Lets a reasoner change the sampling (periodic: every 0.5 s, no flow filter).
  virtual void adjust_perception(PerceptionConfig&) const {}
};

// Known names: "seed", "raw", "periodic" (and later ones). Throws Error for unknown names.
std::unique_ptr<Reasoner> make_reasoner(const std::string& name, const ReasonerOptions& opt);
std::vector<std::string> reasoner_names();

// A client that never answers: --vlm none.
std::unique_ptr<ModelClient> make_no_model();

}  // namespace p2a
