// pro2assist replay: a recorded session through the engine, as the glasses would have seen it.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>

#include "checks.hpp"
#include "commands.hpp"
#include "model_choice.hpp"
#include "pro2assist/dataset.hpp"
#include "pro2assist/durations.hpp"
#include "pro2assist/engine.hpp"
#include "pro2assist/guideline.hpp"
#include "pro2assist/session.hpp"
#include "pro2assist/decision_model.hpp"
#include "timeline_print.hpp"

namespace p2a::cli {
namespace {

struct ReplayArgs {
  std::string session_dir;
  std::string task;
  std::string reasoner = "tracker";
  std::string out = "decisions.jsonl";
  bool quiet = false;
  std::optional<double> duration_s;
  ModelChoice model;
  std::string decision_model;
};

// A recipe from the task_graphs folder of a CaptainCook4D dataset (picked there, or one of its
// files given by name) gets the step durations learned from the dataset's training recordings,
// as eval and convert give it: a task graph has none, and the tracker follows a recipe better
// knowing how long its steps take.
void learn_durations_from_dataset(Guideline& g, const std::filesystem::path& task_dir) {
  namespace fs = std::filesystem;
  fs::path dir = fs::absolute(task_dir).lexically_normal();
  if (dir.filename().empty()) dir = dir.parent_path();
  const fs::path root = dir.parent_path();
  if (dir.filename() != "task_graphs" || !fs::exists(root / "splits.json") ||
      !fs::exists(root / "complete_step_annotations.json"))
    return;
  try {
    const CaptainCook4D cc = CaptainCook4D::load(root);
    // A copy: should learning fail, the guideline goes on as it was.
    LearnedGuideline lg = with_learned_durations(g, cc.recordings("train"));
    g = std::move(lg.guideline);
    spdlog::info("durations of {} of {} steps learned from {} training recordings of '{}' in {}",
                 lg.learned, g.size(), lg.recordings, g.id, root.string());
  } catch (const Error& e) {
    spdlog::warn("step durations not learned from {}: {}", root.string(), e.what());
  }
}

// --task may name a guideline file, or a folder of guidelines to pick from by the
// session's task and spoken request.
Guideline resolve_guideline(const std::string& task_arg, const Session& s) {
  namespace fs = std::filesystem;
  fs::path task = task_arg;
  if (task_arg.empty()) {
    for (const char* name : {"guideline.yaml", "guideline.yml", "guideline.json"})
      if (fs::exists(s.dir / name)) return load_guideline(s.dir / name);
    throw Error("replay: no --task given and no guideline.{yaml,json} in " + s.dir.string());
  }
  if (fs::is_directory(task)) {
    auto library = load_guideline_library(task);
    const Guideline* g = match_guideline(library, s.meta.task, s.meta.instruction);
    if (!g)
      throw Error("replay: no guideline in " + task.string() + " matches task '" + s.meta.task +
                  "'");
    spdlog::info("guideline '{}' chosen for task '{}'", g->id, s.meta.task);
    Guideline chosen = *g;
    learn_durations_from_dataset(chosen, task);
    return chosen;
  }
  // One graph file of a CaptainCook4D dataset's task_graphs folder: durations as above.
  Guideline g = load_guideline(task);
  learn_durations_from_dataset(g, fs::absolute(task).parent_path());
  return g;
}

void run(const ReplayArgs& a) {
  Session s = read_session(a.session_dir);
  if (a.duration_s) {
    s.meta.duration_s = *a.duration_s;
  } else if (!has_own_clock(s)) {
    // Nothing in the folder says how long it lasts: its ground truth does, if it has one.
    const auto ann = s.dir / "annotations.json";
    if (std::filesystem::exists(ann))
      if (const auto len = length_from_annotations(s, read_annotations(ann)))
        std::fprintf(stderr,
                     "%s: no duration_s and no sensor rows; replaying %.1f s, to the end of "
                     "annotations.json (the reasoner does not see it)\n",
                     a.session_dir.c_str(), *len);
    if (s.end_s() <= 0)
      throw Error("replay: session " + a.session_dir +
                  " has no length (no duration_s in session.json, no sensor or utterance rows, "
                  "no annotated steps); give --duration");
  }
  Guideline g = resolve_guideline(a.task, s);
  // A guideline file given outright is used whatever the session's task; it may be the wrong
  // file, which the user should hear of (the guideline library's own match decides).
  if (!a.task.empty() && !std::filesystem::is_directory(a.task) && !s.meta.task.empty() &&
      !match_guideline({g}, s.meta.task, s.meta.instruction))
    spdlog::warn("session {} is for task '{}', but the guideline given is '{}' ({})",
                 s.meta.session_id, s.meta.task, g.id, g.title);
  // The output is opened before the replay: a path that cannot be written fails now, not
  // after every model call has been paid for.
  std::ofstream out(a.out);
  if (!out) throw Error("replay: cannot write " + a.out);
  auto model = make_model(a.model, g, s);
  ReasonerOptions ropt;
  if (!a.decision_model.empty()) ropt.decision_model = load_decision_model(a.decision_model);
  EngineStats stats;
  // A replay against a slow model takes minutes: once it has run a few seconds, where it is
  // goes to stderr every few seconds (the timeline itself comes at the end).
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  auto shown = started;
  const ReplayProgress progress = [&](double done_s, double end_s, const EngineStats& st) {
    const auto now = Clock::now();
    if (now - started < std::chrono::seconds(5) || now - shown < std::chrono::seconds(5)) return;
    shown = now;
    std::fprintf(stderr, "replay: %.0f of %.0f s, %zu model calls (%zu failed), %zu messages\n",
                 done_s, end_s, st.model_calls, st.model_failures, st.delivered);
  };
  auto decisions = replay_session(s, g, make_reasoner(a.reasoner, ropt), *model, &stats,
                                  PerceptionConfig{}, progress);

  for (const auto& d : decisions) out << to_json(d).dump() << "\n";
  out.close();
  if (!out) throw Error("replay: failed writing " + a.out + " (disk full?)");

  if (!a.quiet) print_timeline(std::cout, g, decisions);
  // The cost and the interruptions as a deployment sees them: per minute of session.
  const double minutes = s.end_s() / 60.0;
  const auto per_minute = [&](std::size_t n) { return minutes > 0 ? n / minutes : 0.0; };
  std::printf(
      "\n%s: %.1f s, %zu frame pairs, %zu key moments, %zu decisions, %zu model calls "
      "(%zu failed), %zu messages delivered; per minute %.1f model calls, %.1f messages\n"
      "reasoner %s, model %s; decisions written to %s\n",
      s.meta.session_id.c_str(), s.end_s(), stats.pairs, stats.key_moments, stats.decisions,
      stats.model_calls, stats.model_failures, stats.delivered, per_minute(stats.model_calls),
      per_minute(stats.delivered), a.reasoner.c_str(), model->name().c_str(), a.out.c_str());
  // The reader warned of each file's skipped rows with their reasons (on stderr, at the log
  // level); the summary keeps the counts whatever the level.
  for (const auto& r : s.reports)
    if (r.rows_skipped > 0)
      std::printf("%s: skipped %zu of %zu rows\n", r.file.c_str(), r.rows_skipped,
                  r.rows_read + r.rows_skipped);
}

}  // namespace

void register_replay(CLI::App& app) {
  auto args = std::make_shared<ReplayArgs>();
  auto* cmd = app.add_subcommand("replay", "Replay a recorded session and write the decision stream");
  cmd->add_option("session", args->session_dir, "Session folder (SPEC §1)")->required();
  cmd->add_option("--task", args->task,
                  "Guideline file, or a folder of guidelines to match the session's task against "
                  "(default: guideline.yaml/json in the session folder)");
  cmd->add_option("--reasoner", args->reasoner, "Reasoner: tracker, seed, raw, periodic, gsp")->capture_default_str();
  cmd->add_option("--out", args->out, "Decision stream (JSON Lines)")->capture_default_str();
  cmd->add_option("--decision-model", args->decision_model,
                  "The tracker's status and trigger weights, from pro2assist "
                  "learn-decision-model (default: the built-in ones)");
  cmd->add_flag("--quiet", args->quiet, "Do not print the timeline");
  cmd->add_option("--duration", args->duration_s,
                  "Replay this many seconds (default: session.json's duration_s, else the last "
                  "sensor or utterance row, else the end of annotations.json)")
      ->check(positive_check());
  add_model_options(*cmd, args->model);
  cmd->callback([args] { run(*args); });
}

}  // namespace p2a::cli
