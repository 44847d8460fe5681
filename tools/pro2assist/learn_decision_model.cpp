// pro2assist learn-decision-model: fits the status and trigger the tracker reports to SPEC
// §5's ground truth on CaptainCook4D recordings, with the simulated model under several
// conditions, and writes the weights as JSON (eval and replay take them with
// --decision-model; the built-in ones came from this command on the training split).
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

#include "checks.hpp"
#include "commands.hpp"
#include "pro2assist/decision_learning.hpp"

namespace p2a::cli {
namespace {

struct LearnArgs {
  std::string dataset;
  std::string split = "train";
  std::string out;
  double accuracy = DecisionLearnOptions{}.accuracy;
  unsigned long long seed = DecisionLearnOptions{}.seed;
  int jobs = 0;
  int limit = 0;
  bool leave_one_out = false;
};

void run(const LearnArgs& a) {
  if (!std::filesystem::is_directory(a.dataset))
    throw Error("learn-decision-model: dataset folder " + a.dataset + " does not exist");
  check_output_file(a.out, "learn-decision-model");
  std::vector<EvalCase> cases = captaincook_cases(a.dataset, a.split, a.seed, a.leave_one_out);
  if (a.limit > 0 && cases.size() > static_cast<std::size_t>(a.limit))
    cases.resize(static_cast<std::size_t>(a.limit));
  DecisionLearnOptions opt;
  opt.accuracy = a.accuracy;
  opt.seed = a.seed;
  opt.jobs = a.jobs;
  opt.progress = stderr_progress("learn-decision-model");
  spdlog::info("learn-decision-model: {} recordings x {} model conditions", cases.size(),
               opt.conditions.size());
  const DecisionLearnResult r = learn_decision_model(cases, opt);
  std::ofstream out(a.out);
  if (!out) throw Error("learn-decision-model: cannot write " + a.out);
  out << decision_learning_to_json(r).dump(2) << "\n";
  out.close();
  if (!out) throw Error("learn-decision-model: failed writing " + a.out);
  std::printf("%zu runs, %zu grid points (%.1f%% in proactive periods)\n", r.runs, r.points,
              100.0 * r.in_period_share);
  std::printf("trigger agrees with the periods: rule %.4f, learned %.4f\n",
              r.rule_trigger_accuracy, r.learned_trigger_accuracy);
  std::printf("status right: estimate %.4f, learned %.4f\n", r.estimate_status_accuracy,
              r.learned_status_accuracy);
  const auto& names = decision_feature_names();
  std::printf("  %-26s %9s %9s %9s %9s %9s\n", "feature", "trigger", "start", "progress",
              "finish", "between");
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::printf("  %-26s %+9.4f", names[i].c_str(), r.model.trigger[i]);
    for (const auto& w : r.model.status) std::printf(" %+9.4f", w[i]);
    std::printf("\n");
  }
  std::printf("weights written to %s\n", a.out.c_str());
}

}  // namespace

void register_learn_decision_model(CLI::App& app) {
  auto args = std::make_shared<LearnArgs>();
  auto* cmd = app.add_subcommand(
      "learn-decision-model",
      "Learn the status and trigger the tracker reports, from CaptainCook4D recordings and the "
      "simulated model");
  cmd->add_option("--dataset", args->dataset, "CaptainCook4D folder")->required();
  cmd->add_option("--split", args->split, "train, val or all (learn on train to evaluate on val)")
      ->check(CLI::IsMember({"train", "val", "all"}))
      ->capture_default_str();
  cmd->add_option("--out", args->out, "JSON file for the weights")->required();
  cmd->add_option("--accuracy", args->accuracy, "The simulated model's accuracy")
      ->check(share_check())
      ->capture_default_str();
  cmd->add_flag("--leave-one-out", args->leave_one_out,
               "Each training recording gets step durations learned from the other training "
               "recordings only, as in use on a recording never seen");
  cmd->add_option("--seed", args->seed, "Random seed (sensors, model answers)")
      ->check(count_check(0))
      ->capture_default_str();
  cmd->add_option("--jobs", args->jobs, "Worker threads (0: every core)")
      ->check(count_check(0))
      ->capture_default_str();
  cmd->add_option("--limit", args->limit, "Learn from the first N recordings only (0: all)")
      ->check(count_check(0))
      ->capture_default_str();
  cmd->callback([args] { run(*args); });
}

}  // namespace p2a::cli
