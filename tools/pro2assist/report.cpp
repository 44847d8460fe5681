// pro2assist report: a replay's decision stream drawn over its session as one HTML page.
#include "pro2assist/report.hpp"

#include <cstdio>
#include <filesystem>
#include <optional>

#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "pro2assist/decision.hpp"
#include "pro2assist/guideline.hpp"
#include "pro2assist/session.hpp"

namespace p2a::cli {
namespace {

namespace fs = std::filesystem;

struct ReportArgs {
  std::string session_dir;
  std::string decisions;
  std::string task;
  std::string out;
};

Guideline guideline_for(const ReportArgs& a) {
  if (!a.task.empty()) return load_guideline(a.task);
  for (const char* name : {"guideline.yaml", "guideline.yml", "guideline.json"})
    if (fs::exists(fs::path(a.session_dir) / name))
      return load_guideline(fs::path(a.session_dir) / name);
  throw Error("report: no --task given and no guideline.{yaml,json} in " + a.session_dir);
}

void run(const ReportArgs& a) {
  const Session s = read_session(a.session_dir);
  const Guideline g = guideline_for(a);
  std::optional<Annotations> truth;
  if (const fs::path ann = fs::path(a.session_dir) / "annotations.json"; fs::exists(ann))
    truth = read_annotations(ann);
  const std::vector<Decision> decisions = read_decisions(a.decisions);
  if (decisions.empty())
    spdlog::warn("report: {} holds no decisions; the page shows the ground truth only",
                 a.decisions);

  fs::path out = a.out;
  if (out.empty()) out = fs::path(a.decisions).replace_extension(".html");
  const std::string id =
      s.meta.session_id.empty() ? fs::path(a.session_dir).filename().string() : s.meta.session_id;
  write_replay_report(out, g, truth ? &*truth : nullptr, decisions, "Replay of " + id);
  std::printf("%s\n", out.string().c_str());
}

}  // namespace

void register_report(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand(
      "report", "Draw a replay's decisions over its session as a self-contained HTML page");
  cmd->add_option("session", args->session_dir, "Session folder (SPEC §1)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("decisions", args->decisions, "Decision stream (JSON Lines, SPEC §3)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--task", args->task,
                  "Guideline file (default: guideline.yaml/json in the session folder)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", args->out, "HTML file to write (default: DECISIONS with .html)");
  cmd->callback([args] { run(*args); });
}

}  // namespace p2a::cli
