// `pro2assist replay` as a black box: the built program run on real session folders, its
// decision stream checked against SPEC §3, its errors, and a real HTTP model endpoint.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pro2assist/guideline.hpp"
#include "pro2assist/reasoner.hpp"
#include "support/fake_openai_server.hpp"
#include "support/shell.hpp"

namespace p2a {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kSource = P2A_SOURCE_DIR;
const fs::path kCaptainCook = fs::path(P2A_SHARED_DIR) / "datasets" / "captaincook4d";

fs::path tmp_dir(const std::string& name) {
  const fs::path dir = fs::path(P2A_TEST_TMP) / "replay_cli" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

struct CliRun {
  int code = -1;
  std::string out, err;
};

// Runs the program with args (already quoted), capturing stdout and stderr in files.
CliRun run_cli(const std::string& args, const std::string& name) {
  const fs::path dir = fs::path(P2A_TEST_TMP) / "replay_cli" / "runs";
  fs::create_directories(dir);
  const fs::path out = dir / (name + ".out"), err = dir / (name + ".err");
  const std::string cmd = quoted(P2A_BINARY) + " " + args + " >" + quoted(out) + " 2>" + quoted(err);
  const int rc = std::system(cmd.c_str());
  CliRun r;
  r.code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.find_first_not_of(" \t\r") != std::string::npos) out.push_back(line);
  return out;
}

// An error is one line, "error: ...", and nothing else on stderr.
void expect_one_line_error(const CliRun& r, const std::string& must_name) {
  EXPECT_EQ(r.code, 1) << r.err;
  const auto err = lines(r.err);
  ASSERT_EQ(err.size(), 1u) << r.err;
  EXPECT_EQ(err[0].rfind("error: ", 0), 0u) << err[0];
  EXPECT_NE(err[0].find(must_name), std::string::npos) << err[0];
}

struct Summary {
  std::string session_id;
  double duration_s = 0;
  std::size_t pairs = 0, key_moments = 0, decisions = 0, calls = 0, failed = 0, delivered = 0;
  double calls_per_min = 0, messages_per_min = 0;
};

Summary parse_summary(const std::string& out) {
  static const std::regex re(
      R"((\S+): ([0-9.]+) s, (\d+) frame pairs, (\d+) key moments, (\d+) decisions, (\d+) model calls \((\d+) failed\), (\d+) messages delivered; per minute ([0-9.]+) model calls, ([0-9.]+) messages)");
  std::smatch m;
  Summary s;
  if (!std::regex_search(out, m, re)) {
    ADD_FAILURE() << "no summary line in:\n" << out.substr(out.size() > 2000 ? out.size() - 2000 : 0);
    return s;
  }
  s.session_id = m[1];
  s.duration_s = std::stod(m[2]);
  s.pairs = std::stoul(m[3]);
  s.key_moments = std::stoul(m[4]);
  s.decisions = std::stoul(m[5]);
  s.calls = std::stoul(m[6]);
  s.failed = std::stoul(m[7]);
  s.delivered = std::stoul(m[8]);
  s.calls_per_min = std::stod(m[9]);
  s.messages_per_min = std::stod(m[10]);
  return s;
}

bool has_timeline_header(const std::string& out) {
  static const std::regex re(R"(^\s*time\s+step\s+status\s+message\s*$)");
  for (const auto& line : lines(out))
    if (std::regex_match(line, re)) return true;
  return false;
}

std::set<std::string> step_ids(const Guideline& g) {
  std::set<std::string> ids;
  for (const Step& s : g.steps) ids.insert(s.id);
  return ids;
}

// Reads a decision stream and checks every line against SPEC §3; returns the lines.
std::vector<json> read_stream(const fs::path& file, const std::set<std::string>& steps) {
  static const std::set<std::string> kKeys = {"t_s",     "step",    "status",  "trigger",
                                              "deliver", "kind",    "message", "about",
                                              "completed", "vlm"};
  static const std::set<std::string> kStatuses = {"just_start", "in_progress", "about_to_finish",
                                                  "transition"};
  static const std::set<std::string> kKinds = {"instruction", "next_step", "mistake",
                                               "hesitation",  "reminder",  "answer"};
  std::vector<json> out;
  std::ifstream in(file);
  EXPECT_TRUE(in) << file;
  double last_t = -1e9;
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    SCOPED_TRACE(file.filename().string() + " line " + std::to_string(n) + ": " + line);
    const json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      ADD_FAILURE() << "not a JSON object";
      continue;
    }
    std::set<std::string> keys;
    for (const auto& [k, v] : j.items()) keys.insert(k);
    EXPECT_EQ(keys, kKeys);
    if (keys != kKeys) continue;

    EXPECT_TRUE(j["t_s"].is_number());
    const double t = j["t_s"].get<double>();
    EXPECT_GE(t, last_t);
    last_t = t;
    EXPECT_TRUE(j["step"].is_null() || (j["step"].is_string() && steps.count(j["step"])));
    EXPECT_TRUE(j["status"].is_null() ||
                (j["status"].is_string() && kStatuses.count(j["status"].get<std::string>())));
    EXPECT_TRUE(j["trigger"].is_boolean());
    EXPECT_TRUE(j["deliver"].is_boolean());
    EXPECT_TRUE(j["vlm"].is_boolean());
    EXPECT_TRUE(j["message"].is_string());
    EXPECT_TRUE(j["about"].is_null() || (j["about"].is_string() && steps.count(j["about"])));
    EXPECT_TRUE(j["completed"].is_array());
    for (const auto& c : j["completed"]) EXPECT_TRUE(c.is_string() && steps.count(c)) << c;
    if (j["deliver"] == true) {
      EXPECT_EQ(j["trigger"], true) << "deliver without trigger";
      EXPECT_TRUE(j["kind"].is_string() && kKinds.count(j["kind"].get<std::string>()));
      EXPECT_FALSE(j["message"].get<std::string>().empty());
      EXPECT_TRUE(j["about"].is_string());
    } else {
      // Kind and message describe what is shown; nothing is shown.
      EXPECT_TRUE(j["kind"].is_null());
      EXPECT_EQ(j["message"], "");
    }
    out.push_back(j);
  }
  return out;
}

std::size_t count_true(const std::vector<json>& ds, const char* key) {
  return static_cast<std::size_t>(
      std::count_if(ds.begin(), ds.end(), [&](const json& d) { return d[key] == true; }));
}

const Guideline& tea() {
  static const Guideline g = load_guideline(kSource / "examples" / "tea.yaml");
  return g;
}

std::string tea_args() {
  return quoted(kSource / "examples" / "tea-session") + " --task " +
         quoted(kSource / "examples" / "tea.yaml");
}

// ---- The example session ------------------------------------------------------------------

TEST(ReplayCli, SimulatedModelWritesASpecStream) {
  const fs::path out = tmp_dir("sim") / "decisions.jsonl";
  const CliRun r = run_cli("replay " + tea_args() + " --vlm sim --out " + quoted(out), "sim");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(has_timeline_header(r.out)) << r.out.substr(0, 500);
  const Summary s = parse_summary(r.out);
  EXPECT_EQ(s.session_id, "tea-demo");

  const auto ds = read_stream(out, step_ids(tea()));
  ASSERT_FALSE(ds.empty());
  EXPECT_EQ(ds.size(), s.decisions);
  EXPECT_EQ(count_true(ds, "deliver"), s.delivered);
  EXPECT_EQ(count_true(ds, "vlm"), s.calls);
  EXPECT_GT(s.calls, 0u);
  EXPECT_EQ(s.failed, 0u);
  EXPECT_LE(s.key_moments, s.pairs);
  // The cost and the interruptions per minute of session, as printed (one decimal).
  EXPECT_NEAR(s.calls_per_min, s.calls / (s.duration_s / 60.0), 0.051);
  EXPECT_NEAR(s.messages_per_min, s.delivered / (s.duration_s / 60.0), 0.051);
  // A simulated model on a real session must get the tracker onto steps.
  EXPECT_TRUE(std::any_of(ds.begin(), ds.end(), [](const json& d) { return d["step"].is_string(); }));
}

TEST(ReplayCli, SeedWithoutAModelNeverClaimsAStep) {
  const fs::path out = tmp_dir("none-seed") / "decisions.jsonl";
  const CliRun r = run_cli("replay " + tea_args() + " --vlm none --reasoner seed --quiet --out " +
                            quoted(out),
                        "none-seed");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(has_timeline_header(r.out));
  const Summary s = parse_summary(r.out);
  const auto ds = read_stream(out, step_ids(tea()));
  ASSERT_FALSE(ds.empty());
  EXPECT_EQ(ds.size(), s.decisions);
  // The seed reasons only at key moments.
  EXPECT_EQ(ds.size(), s.key_moments);
  EXPECT_EQ(s.calls, 0u);
  EXPECT_EQ(s.delivered, 0u);
  for (const auto& d : ds) {
    EXPECT_TRUE(d["step"].is_null()) << d.dump();
    EXPECT_EQ(d["vlm"], false) << d.dump();
    EXPECT_EQ(d["deliver"], false) << d.dump();
  }
}

// ---- Messy input ----------------------------------------------------------------------------

TEST(ReplayCli, MalformedAndOutOfOrderRowsAreSkippedAndCounted) {
  const fs::path dir = tmp_dir("messy-session");
  std::ofstream(dir / "session.json")
      << json{{"session_id", "messy"}, {"task", "tea"}, {"duration_s", 30.0}}.dump();
  {
    std::ofstream imu(dir / "imu.csv");
    imu << "t_s,gx,gy,gz,ax,ay,az\n";
    std::vector<std::string> rows;
    for (int i = 0; i <= 1500; ++i) {
      const double t = i * 0.02;
      // A head turn every 5 s.
      const double gz = (i % 250) < 25 ? 1.2 : 0.02;
      rows.push_back(std::to_string(t) + ",0.01,-0.02," + std::to_string(gz) + ",0.0,9.81,0.0");
    }
    // Out of order: whole blocks swapped.
    std::swap_ranges(rows.begin() + 100, rows.begin() + 150, rows.begin() + 400);
    std::swap(rows[10], rows[900]);
    rows.insert(rows.begin() + 20, "abc,0.1,0.2,0.3,0.0,9.8,0.0");
    rows.insert(rows.begin() + 700, "14.011,0.1");
    rows.insert(rows.begin() + 1200, "21.013,x,0.2,0.3,0.0,9.8,0.0");
    for (const auto& row : rows) imu << row << "\n";
  }
  {
    std::ofstream hand(dir / "hand_motion.csv");
    hand << "t_s,region,dx,dy\n";
    std::vector<std::string> rows;
    for (int i = 1; i <= 300; ++i) {
      const double t = i * 0.1;
      const double dx = (i / 20) % 2 ? 14.0 : 1.0;  // hands busy, then still, in turns
      rows.push_back(std::to_string(t) + ",left," + std::to_string(dx) + ",2.0");
      rows.push_back(std::to_string(t) + ",right,-" + std::to_string(dx) + ",1.0");
    }
    std::reverse(rows.begin() + 50, rows.begin() + 90);
    rows.insert(rows.begin() + 30, "3.05,elbow,1.0,2.0");
    rows.insert(rows.begin() + 300, "15.05,left,fast,2.0");
    for (const auto& row : rows) hand << row << "\n";
  }

  const fs::path out = dir / "decisions.jsonl";
  const CliRun r = run_cli("replay " + quoted(dir) + " --task " + quoted(kSource / "examples" / "tea.yaml") +
                            " --vlm none --quiet --out " + quoted(out),
                        "messy");
  ASSERT_EQ(r.code, 0) << r.err;
  // Warned once each on stderr, with the reasons, and counted in the summary on stdout.
  for (const std::string& text : {std::string("imu.csv: skipped 3 of 1504 rows"),
                                  std::string("hand_motion.csv: skipped 2 of 602 rows")}) {
    const auto at = r.err.find(text);
    EXPECT_NE(at, std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(text, at + 1), std::string::npos) << r.err;
    EXPECT_NE(r.out.find(text), std::string::npos) << r.out;
  }
  EXPECT_NE(r.err.find("imu.csv: skipped 3 of 1504 rows (line "), std::string::npos) << r.err;
  const Summary s = parse_summary(r.out);
  const auto ds = read_stream(out, step_ids(tea()));
  EXPECT_EQ(ds.size(), s.decisions);
  EXPECT_GT(ds.size(), 20u);
  // The reader sorted the rows: the last decision is at the end of the session.
  ASSERT_FALSE(ds.empty());
  EXPECT_NEAR(ds.back()["t_s"].get<double>(), 30.0, 1.0);
}

// ---- Errors ---------------------------------------------------------------------------------

TEST(ReplayCli, MissingSessionJsonIsAOneLineError) {
  const fs::path dir = tmp_dir("no-session-json");
  std::ofstream(dir / "imu.csv") << "t_s,gx,gy,gz\n0.0,0,0,0\n0.02,0,0,0\n";
  const CliRun r = run_cli("replay " + quoted(dir) + " --task " + quoted(kSource / "examples" / "tea.yaml") +
                            " --vlm none --out " + quoted(dir / "d.jsonl"),
                        "no-session-json");
  expect_one_line_error(r, "session.json");
  EXPECT_FALSE(fs::exists(dir / "d.jsonl"));
}

TEST(ReplayCli, SimulatedModelNeedsAnnotations) {
  const fs::path dir = tmp_dir("no-annotations");
  std::ofstream(dir / "session.json")
      << json{{"session_id", "bare"}, {"task", "tea"}, {"duration_s", 10.0}}.dump();
  const CliRun r = run_cli("replay " + quoted(dir) + " --task " + quoted(kSource / "examples" / "tea.yaml") +
                            " --vlm sim --out " + quoted(dir / "d.jsonl"),
                        "no-annotations");
  expect_one_line_error(r, "annotations.json");
}

// A folder holding only session.json and its ground truth (how a recording with no sensor
// streams is handed over) replays to the end of its last annotated step, not for 0 s.
TEST(ReplayCli, SessionWithOnlyGroundTruthReplaysToItsEnd) {
  const fs::path dir = tmp_dir("truth-only");
  std::ofstream(dir / "session.json") << json{{"session_id", "truth-only"}, {"task", "tea"}}.dump();
  fs::copy_file(kSource / "examples" / "tea-session" / "annotations.json",
                dir / "annotations.json");
  const json truth = json::parse(read_file(dir / "annotations.json"));
  double last_end = 0;
  for (const auto& seg : truth["steps"]) last_end = std::max(last_end, seg["end_s"].get<double>());
  ASSERT_GT(last_end, 60.0);
  const std::string task = " --task " + quoted(kSource / "examples" / "tea.yaml");

  const CliRun r = run_cli("replay " + quoted(dir) + task + " --vlm sim --quiet --out " +
                               quoted(dir / "d.jsonl"),
                           "truth-only");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("annotations.json"), std::string::npos) << r.err;
  const auto ds = read_stream(dir / "d.jsonl", step_ids(tea()));
  ASSERT_FALSE(ds.empty());
  EXPECT_GE(ds.back()["t_s"].get<double>(), last_end);
  EXPECT_LE(ds.back()["t_s"].get<double>(), last_end + 5.0 + 1e-6);
  // Without sensors every 1-s pair is a key moment, and the tracker follows the steps.
  EXPECT_EQ(parse_summary(r.out).key_moments, ds.size());
  EXPECT_TRUE(std::any_of(ds.begin(), ds.end(), [](const json& d) { return d["step"].is_string(); }));

  // The time of the last decision of a replay with these options (-1 if it failed).
  auto last_decision_s = [&](const std::string& options, const std::string& name) {
    const fs::path out = dir / (name + ".jsonl");
    const CliRun run = run_cli("replay " + quoted(dir) + task + " --quiet " + options +
                                   " --out " + quoted(out),
                               name);
    EXPECT_EQ(run.code, 0) << run.err;
    const auto stream = read_stream(out, step_ids(tea()));
    return run.code == 0 && !stream.empty() ? stream.back()["t_s"].get<double>() : -1.0;
  };

  // A spoken request at the start is no clock: the replay still runs to the task's end.
  std::ofstream(dir / "utterances.jsonl") << R"({"t_s": 0.5, "text": "I'm going to brew a cup of tea"})"
                                          << "\n";
  EXPECT_GE(last_decision_s("--vlm sim", "truth-only-asked"), last_end);
  fs::remove(dir / "utterances.jsonl");

  // --duration overrides.
  const double t20 = last_decision_s("--vlm none --duration 20", "truth-only-20");
  EXPECT_LE(t20, 20.0 + 1e-6);
  EXPECT_GE(t20, 19.0);

  // With nothing to tell the length, it says so instead of replaying nothing.
  fs::remove(dir / "annotations.json");
  const CliRun none = run_cli("replay " + quoted(dir) + task + " --vlm none --out " +
                                  quoted(dir / "d0.jsonl"),
                              "truth-only-none");
  expect_one_line_error(none, "--duration");
  EXPECT_FALSE(fs::exists(dir / "d0.jsonl"));
}

TEST(ReplayCli, UnknownReasonerNamesTheKnownOnes) {
  const fs::path dir = tmp_dir("bad-reasoner");
  const CliRun r = run_cli("replay " + tea_args() + " --vlm none --reasoner oracle --out " +
                            quoted(dir / "d.jsonl"),
                        "bad-reasoner");
  expect_one_line_error(r, "oracle");
  ASSERT_FALSE(reasoner_names().empty());
  for (const auto& name : reasoner_names()) EXPECT_NE(r.err.find(name), std::string::npos) << name;
}

TEST(ReplayCli, BadVlmValueIsRejected) {
  const fs::path dir = tmp_dir("bad-vlm");
  const CliRun r = run_cli("replay " + tea_args() + " --vlm gpt-4o --out " + quoted(dir / "d.jsonl"),
                        "bad-vlm");
  expect_one_line_error(r, "gpt-4o");
}

// Numbers that are not numbers (NaN, infinities) or out of range are usage errors that name
// the option and what it takes, before anything runs: NaN used to pass every range check and
// crash the simulator, exhaust memory, or replay for ever.
TEST(ReplayCli, NonFiniteAndOutOfRangeNumbersAreUsageErrors) {
  const fs::path dir = tmp_dir("bad-numbers");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"replay " + tea_args() + " --vlm sim --sim-accuracy nan", "--sim-accuracy"},
      {"replay " + tea_args() + " --vlm none --duration nan", "--duration"},
      {"replay " + tea_args() + " --vlm none --duration inf", "--duration"},
      {"replay " + tea_args() + " --vlm http://127.0.0.1:9/v1 --timeout 0", "--timeout"},
      {"eval --dataset guidelines:" + quoted(kSource / "examples") + " --error-run nan",
       "--error-run"},
      {"eval --dataset guidelines:" + quoted(kSource / "examples") + " --accuracy 0.5,nan",
       "--accuracy"},
      {"eval --dataset guidelines:" + quoted(kSource / "examples") + " --wrong-trigger 2",
       "--wrong-trigger"},
      {"eval --dataset guidelines:" + quoted(kSource / "examples") + " --repeats 0", "--repeats"},
      {"eval --dataset guidelines:" + quoted(kSource / "examples") + " --reasoners tracker,trackr",
       "trackr"},
      {"--log-level bogus replay " + tea_args(), "--log-level"},
      {"replay " + tea_args() + " --vlm sim --seed -1", "--seed"}};
  int i = 0;
  for (const auto& [args, name] : cases) {
    const bool replay = args.find("replay ") != std::string::npos;
    const CliRun r = run_cli(args + (replay ? " --out " + quoted(dir / "d.jsonl") : std::string()),
                             "bad-number-" + std::to_string(i++));
    EXPECT_NE(r.code, 0) << args;
    EXPECT_NE(r.err.find(name), std::string::npos) << args << "\n" << r.err;
    EXPECT_EQ(r.err.find("Value "), std::string::npos) << r.err;  // no 300-digit bounds
    EXPECT_FALSE(fs::exists(dir / "d.jsonl")) << args;
  }
  // Level names are taken in any case, and a known one leaves warnings on.
  const CliRun upper = run_cli("--log-level WARN replay " + tea_args() +
                                   " --vlm http://127.0.0.1:9/v1 --quiet --out " +
                                   quoted(dir / "warn.jsonl"),
                               "log-level-upper");
  EXPECT_EQ(upper.code, 0) << upper.err;
  EXPECT_NE(upper.err.find("connection failed"), std::string::npos) << upper.err;
}

// Decisions that cannot be written are an error, not "decisions written" and exit 0; and an
// output path that cannot be opened fails before the replay, not after its model calls.
TEST(ReplayCli, OutputThatCannotBeWrittenIsAnError) {
  if (fs::exists("/dev/full")) {
    const CliRun full = run_cli("replay " + tea_args() + " --vlm none --quiet --out /dev/full", "out-full");
    expect_one_line_error(full, "/dev/full");
  }
  const fs::path dir = tmp_dir("out-unwritable");
  std::ofstream(dir / "file") << "a file, not a folder";
  FakeOpenAIServer server;
  const CliRun r = run_cli("replay " + tea_args() + " --vlm " + server.base_url() +
                               " --quiet --out " + quoted(dir / "file" / "d.jsonl"),
                           "out-unwritable");
  expect_one_line_error(r, "cannot write");
  EXPECT_TRUE(server.requests().empty());
}

// A report of an empty decision stream says so (the page shows the ground truth alone).
TEST(ReplayCli, AReportOfNoDecisionsSaysSo) {
  const fs::path dir = tmp_dir("empty-report");
  std::ofstream(dir / "empty.jsonl").flush();
  const CliRun r = run_cli("report " + quoted(kSource / "examples" / "tea-session") + " " +
                               quoted(dir / "empty.jsonl") + " --task " +
                               quoted(kSource / "examples" / "tea.yaml") + " --out " +
                               quoted(dir / "e.html"),
                           "empty-report");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("holds no decisions"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir / "e.html"));
}

// Sensor times a day or more in are absolute timestamps, not seconds since the start (SPEC
// §1): a one-line error that says so, rather than a replay walking towards them for ever.
TEST(ReplayCli, AbsoluteTimestampsAreAOneLineError) {
  const fs::path dir = tmp_dir("absolute-times");
  std::ofstream(dir / "session.json") << json{{"session_id", "abs"}, {"task", "tea"}}.dump();
  std::ofstream(dir / "imu.csv") << "t_s,gx,gy,gz\n1764547200.0,0,0,0\n1764547200.02,0,0,0\n";
  const CliRun r = run_cli("replay " + quoted(dir) + " --task " + quoted(kSource / "examples" / "tea.yaml") +
                               " --vlm none --out " + quoted(dir / "d.jsonl"),
                           "absolute-times");
  expect_one_line_error(r, "absolute timestamps");
  EXPECT_NE(r.err.find("imu.csv"), std::string::npos) << r.err;
}

// A guideline file given for a session of another task is used as asked, with a warning; a
// video the build does not decode is named, since the model then gets no frames.
TEST(ReplayCli, AGuidelineForAnotherTaskAndAnUndecodedVideoAreWarnedAbout) {
  const fs::path dir = tmp_dir("other-task");
  fs::copy(kSource / "examples" / "tea-session", dir / "session", fs::copy_options::recursive);
  std::ofstream(dir / "session" / "video.mp4") << "not really a video";
  const fs::path other = fs::path(P2A_SHARED_DIR) / "datasets" / "angel_tasks" / "cooking" /
                         "recipe_pinwheel.yaml";
  const CliRun r = run_cli("replay " + quoted(dir / "session") + " --task " + quoted(other) +
                               " --vlm none --quiet --out " + quoted(dir / "d.jsonl"),
                           "other-task");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("is for task 'tea'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("video.mp4 is not decoded"), std::string::npos) << r.err;
  const CliRun sim = run_cli("replay " + quoted(dir / "session") + " --task " + quoted(other) +
                                 " --vlm sim --quiet --out " + quoted(dir / "sim.jsonl"),
                             "other-task-sim");
  EXPECT_EQ(sim.code, 0) << sim.err;
  EXPECT_NE(sim.err.find("names 8 step(s) the guideline 'recipe_pinwheel' does not have"),
            std::string::npos)
      << sim.err;
  const CliRun same = run_cli("replay " + tea_args() + " --vlm none --quiet --out " +
                                  quoted(dir / "same.jsonl"),
                              "same-task");
  EXPECT_EQ(same.code, 0) << same.err;
  EXPECT_EQ(same.err.find("is for task"), std::string::npos) << same.err;
}

// Frames listed in frames.csv but missing on disk are reported once for the folder, not at
// every model call; the model is asked without them.
TEST(ReplayCli, MissingFramesAreReportedOnce) {
  const fs::path dir = tmp_dir("missing-frames");
  fs::copy(kSource / "examples" / "tea-session", dir / "session", fs::copy_options::recursive);
  {
    std::ofstream frames(dir / "session" / "frames.csv");
    frames << "t_s,file\n";
    for (int t = 0; t < 60; ++t) frames << t << ",frames/f" << t << ".jpg\n";
  }
  FakeOpenAIServer server;
  const CliRun r = run_cli("replay " + quoted(dir / "session") + " --task " +
                               quoted(kSource / "examples" / "tea.yaml") + " --vlm " +
                               server.base_url() + " --duration 60 --quiet --out " +
                               quoted(dir / "d.jsonl"),
                           "missing-frames");
  EXPECT_EQ(r.code, 0) << r.err;
  const auto requests = server.requests();
  ASSERT_GE(requests.size(), 5u);
  for (const auto& req : requests) EXPECT_EQ(req["messages"][1]["content"].size(), 1u);
  std::size_t reported = 0;
  for (std::size_t at = r.err.find("cannot open"); at != std::string::npos;
       at = r.err.find("cannot open", at + 1))
    ++reported;
  EXPECT_EQ(reported, 1u) << r.err;
}

// An unknown command is named with the known ones; output paths that cannot be written fail
// before the work, not after it.
TEST(ReplayCli, UnknownCommandsAndUnwritableOutputsFailFirst) {
  const CliRun bogus = run_cli("bogus", "unknown-command");
  EXPECT_EQ(bogus.code, 109);
  EXPECT_NE(bogus.err.find("unknown command 'bogus'"), std::string::npos) << bogus.err;
  EXPECT_NE(bogus.err.find("replay"), std::string::npos) << bogus.err;

  const fs::path dir = tmp_dir("unwritable-outputs");
  std::ofstream(dir / "file") << "a file, not a folder";
  const CliRun learn = run_cli("learn-decision-model --dataset " + quoted(kCaptainCook) +
                                   " --out " + quoted(dir / "none" / "dm.json"),
                               "learn-unwritable");
  expect_one_line_error(learn, "no folder");
  const CliRun report = run_cli("eval --dataset guidelines:" + quoted(kSource / "examples") +
                                    " --vlm none --report " + quoted(dir / "file" / "r"),
                                "report-unwritable");
  EXPECT_EQ(report.code, 1) << report.err;
  EXPECT_NE(report.err.find("cannot create folder"), std::string::npos) << report.err;
  EXPECT_EQ(report.out.find("reasoner"), std::string::npos) << report.out;  // nothing ran
}

// A replay against a slow model says where it is on stderr as it goes, not only at the end.
TEST(ReplayCli, ASlowReplayShowsProgress) {
  const fs::path dir = tmp_dir("progress");
  FakeOpenAIServer server;
  server.set_mode(FakeOpenAIServer::Mode::Stall);
  server.set_stall_s(0.1);  // ~115 calls: about 11 s in all
  const CliRun r = run_cli("replay " + tea_args() + " --vlm " + server.base_url() +
                               " --timeout 5 --quiet --out " + quoted(dir / "d.jsonl"),
                           "progress");
  EXPECT_EQ(r.code, 0) << r.err;
  const std::regex line(R"(replay: (\d+) of (\d+) s, (\d+) model calls \(0 failed\), \d+ messages)");
  std::vector<int> done;
  for (std::sregex_iterator it(r.err.begin(), r.err.end(), line), end; it != end; ++it) {
    done.push_back(std::stoi((*it)[1]));
    // The session's length, as the summary gives it (473.5 s).
    EXPECT_NEAR(std::stoi((*it)[2]), parse_summary(r.out).duration_s, 1.0) << it->str();
    EXPECT_GT(std::stoi((*it)[3]), 0) << it->str();
  }
  ASSERT_FALSE(done.empty()) << r.err;
  EXPECT_TRUE(std::is_sorted(done.begin(), done.end()));
  EXPECT_LT(done.front(), parse_summary(r.out).duration_s);
}

// ---- A CaptainCook4D recording against a real HTTP endpoint -------------------------------

// Recording 1_7 converted into a folder of the test's own, so tests run in parallel
// processes (ctest -j) never share one.
fs::path captaincook_session(const std::string& name) {
  const fs::path d = tmp_dir("cc-1_7-" + name) / "session";
  const CliRun r = run_cli("convert captaincook4d --dir " + quoted(kCaptainCook) +
                               " --recording 1_7 --out " + quoted(d),
                           "convert-" + name);
  EXPECT_EQ(r.code, 0) << r.err;
  return d;
}

// Step ids of a CaptainCook4D task graph, read straight from the file: its keys, without
// the START and END nodes.
std::set<std::string> graph_step_ids(const std::string& recipe) {
  std::ifstream in(kCaptainCook / "task_graphs" / (recipe + ".json"));
  EXPECT_TRUE(in) << recipe;
  const json g = json::parse(in);
  std::set<std::string> ids;
  for (const auto& [k, v] : g.at("steps").items())
    if (v != "START" && v != "END") ids.insert(k);
  return ids;
}

std::string session_task(const fs::path& dir) {
  std::ifstream in(dir / "session.json");
  return json::parse(in).at("task").get<std::string>();
}

// Replays dir against a fresh fake server and checks the requests and the stream.
void replay_against_server(const fs::path& dir, const std::string& task_arg,
                           const std::set<std::string>& recipe_ids, const std::string& name,
                           CliRun* run_out = nullptr) {
  FakeOpenAIServer server;
  const fs::path out = dir.parent_path() / (name + ".jsonl");
  const CliRun r = run_cli("replay " + quoted(dir) + task_arg + " --vlm " + server.base_url() +
                            " --model fake-vlm --timeout 5 --quiet --out " + quoted(out),
                        name);
  if (run_out) *run_out = r;
  ASSERT_EQ(r.code, 0) << r.err;
  const Summary s = parse_summary(r.out);
  EXPECT_EQ(s.session_id, "1_7");
  const auto ds = read_stream(out, recipe_ids);
  EXPECT_EQ(ds.size(), s.decisions);
  EXPECT_GT(count_true(ds, "vlm"), 0u);
  EXPECT_EQ(count_true(ds, "vlm"), s.calls);
  EXPECT_EQ(s.failed, 0u);

  const auto requests = server.requests();
  EXPECT_EQ(requests.size(), s.calls);
  for (const auto& req : requests) {
    ASSERT_TRUE(req.is_object());
    EXPECT_EQ(req["model"], "fake-vlm");
    EXPECT_EQ(req["metadata"]["session_id"], "1_7");
    const json& e = req["response_format"]["json_schema"]["schema"]["properties"]["step"]["enum"];
    ASSERT_TRUE(e.is_array());
    std::set<std::string> got;
    for (const auto& id : e) got.insert(id.get<std::string>());
    EXPECT_EQ(got.size(), e.size()) << "duplicate ids in the enum";
    EXPECT_EQ(got, recipe_ids);
  }
  // The server's answers (the enum's first step) are taken up: the stream reaches that step.
  ASSERT_FALSE(requests.empty());
  const std::string answered = FakeOpenAIServer::default_answer(requests.front())["step"];
  EXPECT_TRUE(std::any_of(ds.begin(), ds.end(), [&](const json& d) { return d["step"] == answered; }))
      << answered;
}

TEST(ReplayCli, CaptainCookRecordingWithHttpModel) {
  const fs::path dir = captaincook_session("default");
  ASSERT_TRUE(fs::exists(dir / "session.json"));
  const std::string recipe = session_task(dir);
  EXPECT_EQ(recipe, "microwaveeggsandwich");
  // Default guideline: the guideline.json the converter wrote into the session.
  replay_against_server(dir, "", graph_step_ids(recipe), "cc-default");
}

TEST(ReplayCli, TaskFolderPicksTheRecipeGuideline) {
  const fs::path dir = captaincook_session("library");
  ASSERT_TRUE(fs::exists(dir / "session.json"));
  const std::string recipe = session_task(dir);
  const std::string library = " --task " + quoted(kCaptainCook / "task_graphs");
  CliRun r;
  replay_against_server(dir, library, graph_step_ids(recipe), "cc-library", &r);
  EXPECT_NE(r.err.find("guideline '" + recipe + "' chosen"), std::string::npos) << r.err;
  // The task graph has no durations: the dataset's training recordings of the recipe give
  // them (as eval and convert use them), every step of this recipe having been seen there.
  const std::regex learned("durations of (\\d+) of (\\d+) steps learned from (\\d+) training "
                           "recordings of '" + recipe + "'");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, learned)) << r.err;
  EXPECT_EQ(m[1], m[2]);
  EXPECT_EQ(std::stoul(m[2]), graph_step_ids(recipe).size());
  EXPECT_GE(std::stoi(m[3]), 3);

  // The recipe's graph file given by name is the same guideline, with the same durations.
  const fs::path one_out = tmp_dir("cc-one-graph") / "d.jsonl";
  const CliRun one = run_cli("replay " + quoted(dir) + " --task " +
                                 quoted(kCaptainCook / "task_graphs" / (recipe + ".json")) +
                                 " --vlm none --quiet --out " + quoted(one_out),
                             "cc-one-graph");
  ASSERT_EQ(one.code, 0) << one.err;
  std::smatch m1;
  ASSERT_TRUE(std::regex_search(one.err, m1, learned)) << one.err;
  EXPECT_EQ(m1.str(0), m.str(0));

  // A folder of guidelines that is not a CaptainCook4D dataset's: nothing is learned.
  const fs::path tea_dir = tmp_dir("tea-library");
  fs::copy_file(kSource / "examples" / "tea.yaml", tea_dir / "tea.yaml");
  const CliRun tea = run_cli("replay " + quoted(kSource / "examples" / "tea-session") + " --task " +
                                 quoted(tea_dir) + " --vlm none --quiet --out " +
                                 quoted(tea_dir / "d.jsonl"),
                             "tea-library");
  ASSERT_EQ(tea.code, 0) << tea.err;
  EXPECT_NE(tea.err.find("guideline 'tea' chosen"), std::string::npos) << tea.err;
  EXPECT_EQ(tea.err.find("learned"), std::string::npos) << tea.err;
}

TEST(ReplayCli, TaskFolderPicksByTheSpokenRequest) {
  // The same recording with a task name that says nothing; the spoken request
  // ("I'm going to make Microwave Egg Sandwich") has to pick the recipe among 24.
  const fs::path src = captaincook_session("vague-source");
  ASSERT_TRUE(fs::exists(src / "session.json"));
  const fs::path dir = tmp_dir("cc-1_7-vague") / "session";
  fs::create_directories(dir);
  for (const char* f : {"imu.csv", "hand_motion.csv"}) fs::copy_file(src / f, dir / f);
  json meta = json::parse(read_file(src / "session.json"));
  const std::string recipe = meta.at("task");
  ASSERT_NE(meta.value("instruction", "").find("Microwave Egg Sandwich"), std::string::npos);
  meta["task"] = "lunch";
  std::ofstream(dir / "session.json") << meta.dump();

  CliRun r;
  replay_against_server(dir, " --task " + quoted(kCaptainCook / "task_graphs"),
                        graph_step_ids(recipe), "cc-vague", &r);
  EXPECT_NE(r.err.find("guideline '" + recipe + "' chosen"), std::string::npos) << r.err;
}

// ---- eval against a model server ------------------------------------------------------------

// eval --vlm URL: every reasoner asks the server (here a simulator of another party's that
// answers the true step by the request's metadata), once per session, scored side by side.
TEST(EvalCli, EveryReasonerAgainstAModelServerInOnePass) {
  const fs::path dir = captaincook_session("eval");
  ASSERT_TRUE(fs::exists(dir / "annotations.json"));
  const json truth = json::parse(read_file(dir / "annotations.json"));
  FakeOpenAIServer server;
  server.set_answer([&](const json& req) -> json {
    const double t_s = std::stod(req.at("metadata").at("t_s").get<std::string>());
    std::string step = truth["steps"][0]["step"];
    for (const auto& seg : truth["steps"])
      if (seg["start_s"].get<double>() <= t_s) step = seg["step"];
    return {{"step", step}, {"status", "in_progress"}, {"trigger", false}, {"response", ""}};
  });
  const fs::path report = dir.parent_path().parent_path() / "eval-report";
  const CliRun r = run_cli("eval --dataset sessions:" + quoted(dir.parent_path()) +
                               " --reasoners seed,tracker --vlm " + server.base_url() +
                               " --model their-sim --timeout 5 --jobs 2 --report " + quoted(report),
                           "eval-server");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err.find("warn"), std::string::npos) << r.err;
  const std::regex row(R"((seed|tracker)\s+server\s+\d)");
  EXPECT_EQ(std::distance(std::sregex_iterator(r.out.begin(), r.out.end(), row),
                          std::sregex_iterator()),
            6)  // the main table, the STS table and the mistake alerts by cause
      << r.out;

  const json results = json::parse(read_file(report / "results.json"));
  EXPECT_EQ(results["options"]["model"], "endpoint");
  EXPECT_EQ(results["options"]["endpoint"], server.base_url());
  EXPECT_EQ(results["options"]["endpoint_model"], "their-sim");
  ASSERT_EQ(results["summary"].size(), 2u);
  long calls = 0;
  for (const auto& s : results["summary"]) {
    EXPECT_EQ(s["accuracy"], 0.0);
    EXPECT_EQ(s["sessions"], 1);
    EXPECT_EQ(s["model_failures"], 0);
    EXPECT_GT(s["step_acc"].get<double>(), 0.85) << s["reasoner"];
    calls += s["model_calls"].get<long>();
  }
  EXPECT_LT(results["summary"][1]["model_calls"], results["summary"][0]["model_calls"]);
  // Each moment asked once (the report draws the streams the runs kept, it does not run the
  // session again), plus one request that checks the server before the runs.
  const auto requests = server.requests();
  EXPECT_EQ(static_cast<long>(requests.size()), calls + 1);
  for (const auto& req : requests) {
    EXPECT_EQ(req["metadata"]["session_id"], "1_7");
    EXPECT_EQ(req["model"], "their-sim");
  }
  const std::string html = read_file(report / "report.html");
  EXPECT_NE(html.find(server.base_url()), std::string::npos);
  EXPECT_NE(html.find("One model server: there is no accuracy to sweep"), std::string::npos);
  EXPECT_NE(html.find("every reasoner against the model server."), std::string::npos);
  EXPECT_NE(html.find("class=\"timeline\""), std::string::npos);
}

// --repeats 3: three passes with seeds 5, 6 and 7, pooled, and the spread of each figure over
// them in a last table; results.json keeps each pass's row.
TEST(EvalCli, RepeatsPoolSeveralSeedsAndShowTheSpread) {
  const fs::path dir = captaincook_session("eval-repeats");
  const fs::path report = dir.parent_path().parent_path() / "eval-repeats-report";
  const CliRun r = run_cli("eval --dataset sessions:" + quoted(dir.parent_path()) +
                               " --reasoners seed,tracker --accuracy 0.5 --seed 5 --repeats 3"
                               " --jobs 2 --report " + quoted(report),
                           "eval-repeats");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("spread over 3 seeds"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("eval (seed 7, 3 of 3)"), std::string::npos) << r.err;
  const std::regex spread(R"(tracker\s+0\.50((\s+[01]\.\d{3}-[01]\.\d{3}){7}))");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, spread)) << r.out;

  const json results = json::parse(read_file(report / "results.json"));
  EXPECT_EQ(results["options"]["seeds"], json({5, 6, 7}));
  ASSERT_EQ(results["runs"].size(), 6u);
  const json& tracker = results["summary"][1];
  EXPECT_EQ(tracker["sessions"], 3);
  ASSERT_EQ(tracker["per_seed"].size(), 3u);
  // The table's STS range is the lowest and highest of the passes.
  double lo = 1, hi = 0;
  for (const auto& pass : tracker["per_seed"]) {
    lo = std::min(lo, pass["sts"].get<double>());
    hi = std::max(hi, pass["sts"].get<double>());
  }
  EXPECT_LE(lo, tracker["sts"].get<double>() + 1e-9);
  EXPECT_GE(hi, tracker["sts"].get<double>() - 1e-9);
  const std::string ranges = m[1];
  char sts_range[32];
  std::snprintf(sts_range, sizeof sts_range, "%.3f-%.3f", lo, hi);
  EXPECT_NE(ranges.find(sts_range), std::string::npos) << ranges;
  EXPECT_NE(read_file(report / "report.html").find("5, 6, 7 (each pass pooled)"),
            std::string::npos);
  EXPECT_NE(read_file(report / "report.html").find("class=\"timeline\""), std::string::npos);
}

TEST(EvalCli, AModelServerThatIsDownIsAOneLineErrorBeforeAnyRun) {
  const fs::path dir = captaincook_session("eval-down");
  const std::string url = "http://127.0.0.1:" + std::to_string(unused_loopback_port()) + "/v1";
  const CliRun r = run_cli("eval --dataset sessions:" + quoted(dir.parent_path()) +
                               " --reasoners tracker --vlm " + url,
                           "eval-down");
  expect_one_line_error(r, "model server at " + url + " failed its first request");
  EXPECT_EQ(r.out.find("runs in"), std::string::npos) << r.out;
}

// Leaving a recording out of its own durations means something only where durations are
// learned from a training split.
TEST(EvalCli, LeaveOneOutOnSessionsIsAOneLineError) {
  const fs::path dir = captaincook_session("eval-loo");
  const CliRun r = run_cli("eval --dataset sessions:" + quoted(dir.parent_path()) +
                               " --reasoners tracker --vlm none --leave-one-out",
                           "eval-loo");
  expect_one_line_error(r, "--leave-one-out applies to captaincook4d datasets");
  EXPECT_EQ(r.out.find("runs in"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace p2a
