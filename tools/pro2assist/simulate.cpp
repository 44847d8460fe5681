// pro2assist simulate: a synthetic session folder (sensors, spoken request, ground truth)
// for a guideline, to try the engine without a recording.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <string>

#include "checks.hpp"
#include "commands.hpp"
#include "pro2assist/guideline.hpp"
#include "pro2assist/session.hpp"
#include "pro2assist/sim.hpp"

namespace p2a::cli {
namespace {

struct SimulateArgs {
  std::string task;
  std::string out;
  unsigned long long seed = 1;
  bool mistakes = false;
  std::string session_id;
};

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

void run(const SimulateArgs& a) {
  const Guideline g = load_guideline(a.task);
  if (g.size() == 0) throw Error("simulate: guideline " + a.task + " has no steps");

  TimelineOptions topt;
  topt.seed = a.seed;
  topt.mistakes = a.mistakes;
  const Annotations truth = simulate_timeline(g, topt);
  // A few seconds after the last step, as a recording would be stopped.
  const double duration_s = truth.steps.back().end_s + 5.0;

  Session s;
  s.dir = a.out;
  s.meta.session_id =
      a.session_id.empty() ? g.id + "-sim-" + std::to_string(a.seed) : a.session_id;
  s.meta.task = g.id;
  s.meta.instruction = "I'm going to " + lowercase(g.title.empty() ? g.id : g.title);
  s.meta.duration_s = duration_s;
  SensorOptions sopt;
  sopt.seed = a.seed;
  synthesize_sensors(truth, duration_s, sopt, s);
  s.utterances.push_back({0.5, s.meta.instruction});

  std::filesystem::create_directories(s.dir);
  write_session(s, s.dir);
  write_annotations(truth, s.dir / "annotations.json");

  std::size_t missing = 0, order = 0;
  for (const auto& e : truth.errors) (e.type == "missing" ? missing : order) += 1;
  std::printf("%s: %zu of %zu steps over %.1f s, %zu mistakes (%zu missing, %zu order) -> %s\n",
              s.meta.session_id.c_str(), truth.steps.size(), g.size(), duration_s,
              truth.errors.size(), missing, order, s.dir.string().c_str());
  for (const auto& e : truth.errors)
    std::printf("  %s step '%s' at %.1f s\n", e.type.c_str(), e.step.c_str(), e.t_s);
}

}  // namespace

void register_simulate(CLI::App& app) {
  auto args = std::make_shared<SimulateArgs>();
  CLI::App* cmd = app.add_subcommand("simulate", "Write a synthetic session folder for a guideline");
  cmd->add_option("--task", args->task, "Guideline file (native, CaptainCook4D or ANGEL YAML)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", args->out, "Session folder to write")->required();
  cmd->add_option("--seed", args->seed, "Random seed")->check(count_check(0))->capture_default_str();
  cmd->add_flag("--mistakes", args->mistakes, "Skip some steps and do one out of order");
  cmd->add_option("--session-id", args->session_id,
                  "Session id (default <guideline id>-sim-<seed>)");
  cmd->callback([args] { run(*args); });
}

}  // namespace p2a::cli
