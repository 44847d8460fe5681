// The --vlm family of options shared by replay and other drivers.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "pro2assist/model.hpp"
#include "pro2assist/session.hpp"

namespace p2a::cli {

struct ModelChoice {
  std::string vlm = "sim";          // URL, "sim" or "none"
  std::string model = "default";
  double timeout_s = 10.0;
  double sim_accuracy = 0.6;
  unsigned long long seed = 1;
};

void add_model_options(CLI::App& cmd, ModelChoice& c);
// "sim" reads SESSION/annotations.json here, in the driver: only the simulated model sees it.
std::unique_ptr<ModelClient> make_model(const ModelChoice& c, const Guideline& g, const Session& s);

}  // namespace p2a::cli
