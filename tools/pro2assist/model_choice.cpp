#include "model_choice.hpp"

#include <spdlog/spdlog.h>

#include "checks.hpp"
#include "pro2assist/metrics.hpp"
#include "pro2assist/reasoner.hpp"
#include "pro2assist/sim.hpp"

namespace p2a::cli {

void add_model_options(CLI::App& cmd, ModelChoice& c) {
  cmd.add_option("--vlm", c.vlm,
                 "Model: an OpenAI-compatible base URL (e.g. http://127.0.0.1:8080/v1), "
                 "'sim' (simulated from annotations.json) or 'none'")
      ->capture_default_str();
  cmd.add_option("--model", c.model, "Model name sent to the endpoint")->capture_default_str();
  cmd.add_option("--timeout", c.timeout_s, "Model request timeout, seconds")
      ->check(positive_check())
      ->capture_default_str();
  cmd.add_option("--sim-accuracy", c.sim_accuracy, "Simulated model: share of right answers")
      ->check(share_check())
      ->capture_default_str();
  cmd.add_option("--seed", c.seed, "Simulated model: random seed")
      ->check(count_check(0))
      ->capture_default_str();
}

std::unique_ptr<ModelClient> make_model(const ModelChoice& c, const Guideline& g, const Session& s) {
  if (c.vlm == "none") return make_no_model();
  if (c.vlm == "sim") {
    const auto file = s.dir / "annotations.json";
    if (!std::filesystem::exists(file))
      throw Error("--vlm sim needs ground truth: " + file.string() + " not found");
    static Annotations truth;  // outlives the model; one replay per process
    truth = read_annotations(file);
    if (const auto unknown = steps_not_in(g, truth); !unknown.empty())
      spdlog::warn("--vlm sim: {} names {} step(s) the guideline '{}' does not have (first: "
                   "'{}'): the simulated model will name steps the reasoner cannot know",
                   file.string(), unknown.size(), g.id, unknown.front());
    SimModelOptions opt;
    opt.accuracy = c.sim_accuracy;
    opt.seed = c.seed;
    return make_simulated_model(g, truth, opt);
  }
  if (c.vlm.rfind("http://", 0) == 0 || c.vlm.rfind("https://", 0) == 0) {
    HttpModelOptions opt;
    opt.base_url = c.vlm;
    opt.model = c.model;
    opt.timeout_s = c.timeout_s;
    return make_http_model(opt);
  }
  throw Error("--vlm must be an http(s) URL, 'sim' or 'none', not '" + c.vlm + "'");
}

}  // namespace p2a::cli
