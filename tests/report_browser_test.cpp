// The HTML reports in a real browser: an evaluation of simulated sessions (the real harness,
// reasoners and scorer) and a replay page, each opened in Debian's headless Chromium through
// tests/browser/check_report.mjs, which fails on any script or console error and on anything
// the page would fetch from elsewhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "pro2assist/evaluation.hpp"
#include "pro2assist/report.hpp"
#include "pro2assist/sim.hpp"
#include "support/shell.hpp"

namespace p2a {
namespace {

namespace fs = std::filesystem;

const fs::path kBrowserDir = fs::path(P2A_SOURCE_DIR) / "tests" / "browser";

struct NodeRun {
  int code = -1;
  std::string out;  // stdout and stderr
  nlohmann::json summary;
};

// Skipping would hide a report that no longer loads: a missing browser set-up is a failure
// with the command that fixes it.
std::string browser_setup_problem() {
  if (std::system("node --version > /dev/null 2>&1") != 0)
    return "node is not installed: run scripts/setup.sh (or apt-get install nodejs npm)";
  if (!fs::exists(kBrowserDir / "node_modules" / "playwright-core"))
    return "playwright-core is not installed: run `npm ci` in " + kBrowserDir.string() +
           " (scripts/setup.sh does that)";
  if (!fs::exists("/usr/bin/chromium") && !std::getenv("CHROMIUM"))
    return "/usr/bin/chromium is missing: run scripts/setup.sh (or apt-get install chromium)";
  return "";
}

NodeRun check_in_browser(const fs::path& html, const fs::path& png, bool replay) {
  NodeRun r;
  const std::string cmd = "node \"" + (kBrowserDir / "check_report.mjs").string() + "\" " +
                          (replay ? "--replay " : "") + "\"" + html.string() + "\" \"" +
                          png.string() + "\" 2>&1";
  const ShellRun run = run_shell(cmd);
  r.code = run.code;
  r.out = run.out;
  // The summary is the last line that parses as a JSON object.
  std::size_t end = r.out.size();
  while (end > 0) {
    const std::size_t start = r.out.rfind('\n', end - 1);
    const std::string line = r.out.substr(start == std::string::npos ? 0 : start + 1,
                                          end - (start == std::string::npos ? 0 : start + 1));
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.is_object()) {
      r.summary = j;
      break;
    }
    if (start == std::string::npos) break;
    end = start;
  }
  return r;
}

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::path(P2A_TEST_TMP) / "report_browser_test" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(ReportInBrowser, EvaluationPageLoadsAndShowsEveryPart) {
  const std::string problem = browser_setup_problem();
  ASSERT_EQ(problem, "") << problem;

  // A 6-step native guideline and a 27-step CaptainCook4D graph, two simulated sessions each
  // (the second with mistakes), every reasoner, three model accuracies.
  const fs::path dir = scratch("eval");
  fs::create_directories(dir / "guidelines");
  fs::copy_file(fs::path(P2A_SOURCE_DIR) / "examples" / "tea.yaml",
                dir / "guidelines" / "tea.yaml");
  fs::copy_file(fs::path(P2A_SHARED_DIR) / "datasets" / "captaincook4d" / "task_graphs" /
                    "broccolistirfry.json",
                dir / "guidelines" / "broccolistirfry.json");
  const auto cases = guideline_cases(dir / "guidelines", 2, 1);
  ASSERT_EQ(cases.size(), 4u);
  EvalOptions opt;
  opt.jobs = 2;
  opt.keep_decisions = true;
  const EvalResults results = run_evaluation(cases, opt);
  ReportInfo info;
  info.source = "guidelines:" + (dir / "guidelines").string();
  const fs::path html = dir / "report.html", png = dir / "report.png";
  write_html_report(html, results, opt, cases, 6, info);

  const NodeRun run = check_in_browser(html, png, false);
  ASSERT_EQ(run.code, 0) << run.out;
  ASSERT_TRUE(run.summary.is_object()) << run.out;
  const auto& s = run.summary;
  EXPECT_EQ(s["errors"].size(), 0u) << s.dump();
  EXPECT_EQ(s["external"].size(), 0u) << s.dump();
  EXPECT_EQ(s["rows"].get<std::size_t>(), results.summary.size());
  EXPECT_EQ(s["charts"].get<int>(), 4);
  EXPECT_EQ(s["lines"].get<std::size_t>(), 4 * opt.reasoners.size());
  EXPECT_EQ(s["timelines"].get<std::size_t>(), cases.size());
  EXPECT_EQ(s["clipped"].get<int>(), 0);
  EXPECT_TRUE(s["toggles"].get<bool>());

  // What the browser laid out is what the runs hold: a bar per annotated segment, a marker
  // per message delivered at the middle accuracy (0.5).
  std::size_t segments = 0, delivered = 0;
  for (const auto& c : cases) segments += c.truth.steps.size();
  for (const auto& r : results.runs)
    if (r.accuracy == 0.5)
      delivered += std::count_if(r.decisions.begin(), r.decisions.end(),
                                 [](const Decision& d) { return d.deliver; });
  EXPECT_EQ(s["bars"].get<std::size_t>(), segments);
  EXPECT_EQ(s["markers"].get<std::size_t>(), delivered);
  ASSERT_TRUE(fs::exists(png));
  EXPECT_GT(fs::file_size(png), 20'000u);
}

TEST(ReportInBrowser, ReplayPageLoadsWithItsTimeline) {
  const std::string problem = browser_setup_problem();
  ASSERT_EQ(problem, "") << problem;

  const fs::path dir = scratch("replay");
  const auto cases = guideline_cases(
      [&] {
        fs::create_directories(dir / "g");
        fs::copy_file(fs::path(P2A_SOURCE_DIR) / "examples" / "tea.yaml", dir / "g" / "tea.yaml");
        return dir / "g";
      }(),
      2, 5);
  const EvalCase& c = cases.at(1);  // the one with mistakes
  EvalOptions opt;
  opt.reasoners = {"seed"};
  opt.accuracies = {0.7};
  opt.keep_decisions = true;
  const EvalResults results = run_evaluation({c}, opt);
  ASSERT_EQ(results.runs.size(), 1u);
  ASSERT_EQ(results.runs[0].error, "");
  const auto& d = results.runs[0].decisions;

  const fs::path html = dir / "replay.html", png = dir / "replay.png";
  write_replay_report(html, *c.guideline, &c.truth, d, "Replay of " + c.id);
  const NodeRun run = check_in_browser(html, png, true);
  ASSERT_EQ(run.code, 0) << run.out;
  const auto& s = run.summary;
  EXPECT_EQ(s["errors"].size(), 0u) << s.dump();
  EXPECT_EQ(s["timelines"].get<int>(), 1);
  EXPECT_EQ(s["bars"].get<std::size_t>(), c.truth.steps.size());
  EXPECT_EQ(s["markers"].get<std::size_t>(),
            static_cast<std::size_t>(
                std::count_if(d.begin(), d.end(), [](const Decision& x) { return x.deliver; })));
  EXPECT_EQ(s["title"].get<std::string>(), "Replay of " + c.id);
}

}  // namespace
}  // namespace p2a
