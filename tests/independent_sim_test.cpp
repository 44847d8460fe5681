// scripts/independent-sim.mjs, a simulated model written apart from the engine's own, served
// over HTTP (SPEC §4): what it answers is checked against the ground truth it reads, and
// `pro2assist eval --vlm URL` scores the seed and the tracker against it on the CaptainCook4D
// validation recordings, as sessions written by `pro2assist convert`.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "pro2assist/guideline.hpp"
#include "pro2assist/metrics.hpp"
#include "pro2assist/model.hpp"
#include "pro2assist/session.hpp"
#include "support/shell.hpp"

namespace p2a {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kScript = fs::path(P2A_SOURCE_DIR) / "scripts" / "independent-sim.mjs";
const fs::path kCaptainCook = fs::path(P2A_SHARED_DIR) / "datasets" / "captaincook4d";
const fs::path kTmp = fs::path(P2A_TEST_TMP) / "independent_sim";

// The server as a child process: started with `args`, stopped when this goes out of scope.
class SimServer {
 public:
  explicit SimServer(const std::string& args) {
    log_ = kTmp / ("server-" + std::to_string(::getpid()) + ".log");
    fs::remove(log_);
    const ShellRun r = run_shell("node " + quoted(kScript) + " " + args + " >" + quoted(log_) +
                                 " 2>&1 & echo $!");
    pid_ = std::atoi(r.out.c_str());
    // It says where it listens once it does.
    for (int i = 0; i < 100 && url_.empty(); ++i) {
      const std::string text = read_file(log_);
      const auto at = text.find("listening on ");
      if (at != std::string::npos) {
        const auto end = text.find(' ', at + 13);
        url_ = text.substr(at + 13, end - at - 13);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }
  ~SimServer() {
    if (pid_ > 0) ::kill(pid_, SIGTERM);
  }
  const std::string& url() const { return url_; }
  std::string log() const { return read_file(log_); }

 private:
  fs::path log_;
  int pid_ = -1;
  std::string url_;
};

// CaptainCook4D recordings as session folders in a folder of the test's own (ctest runs each
// test as a process of its own, in parallel): the whole validation split, or some of it.
fs::path sessions(const std::string& name, const std::vector<std::string>& recordings) {
  const fs::path d = kTmp / name;
  fs::remove_all(d);
  fs::create_directories(d);
  const std::string convert = quoted(P2A_BINARY) + " convert captaincook4d --dir " +
                              quoted(kCaptainCook) + " ";
  if (recordings.empty()) {
    const ShellRun r = run_shell(convert + "--all --split val --out " + quoted(d) + " 2>&1");
    EXPECT_EQ(r.code, 0) << r.out;
  }
  for (const auto& id : recordings) {
    const ShellRun r = run_shell(convert + "--recording " + id + " --out " + quoted(d / id) +
                                 " 2>&1");
    EXPECT_EQ(r.code, 0) << r.out;
  }
  return d;
}

class IndependentSim : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(std::system("node --version > /dev/null 2>&1"), 0)
        << "node is not installed: run scripts/setup.sh (or apt-get install nodejs npm)";
    ASSERT_TRUE(fs::exists(kCaptainCook)) << kCaptainCook << " is missing";
    fs::create_directories(kTmp);
  }
};

ModelQuery query(const std::string& session, double t_s, const Guideline& g) {
  ModelQuery q;
  q.session_id = session;
  q.t_s = t_s;
  q.guideline = &g;
  return q;
}

// Its answers are right as often as it is told, the same each time a moment is asked, and a
// session it does not have is an error, as from any server.
TEST_F(IndependentSim, AnswersFromTheTruthAsOftenAsToldAndTheSameEachTime) {
  const fs::path dir = sessions("three", {"10_46", "12_15", "12_16"});
  const SimServer server(quoted(dir) + " --port 0 --accuracy 0.5 --flag-flip 0 --seed 3");
  ASSERT_FALSE(server.url().empty()) << server.log();
  HttpModelOptions ho;
  ho.base_url = server.url();
  ho.warn_failures = false;
  auto model = make_http_model(ho);

  int asked = 0, right = 0, flag_in = 0, in_period = 0, flag_out = 0, out_period = 0;
  for (const std::string id : {"10_46", "12_15", "12_16"}) {
    const Annotations truth = read_annotations(dir / id / "annotations.json");
    const Guideline g = load_guideline(dir / id / "guideline.json");
    const auto periods = proactive_periods(truth);
    const double end_s = truth.steps.back().end_s;
    for (double t = 2.0; t < end_s; t += 2.5) {
      const ModelResult r = model->ask(query(id, t, g));
      ASSERT_TRUE(r.answer) << r.error;
      // Under way at t: the step of a segment that covers it (between steps, skip).
      std::string cur;
      for (const auto& s : truth.steps)
        if (s.start_s <= t && t < s.end_s) cur = s.step;
      if (!cur.empty()) {
        ++asked;
        right += r.answer->step == cur;
      }
      bool in = false;
      for (const auto& p : periods) in = in || (p.start_s <= t && t < p.end_s);
      (in ? in_period : out_period) += 1;
      (in ? flag_in : flag_out) += r.answer->trigger ? 1 : 0;
    }
  }
  ASSERT_GT(asked, 300);
  const double share = static_cast<double>(right) / asked;
  EXPECT_GT(share, 0.4) << right << " of " << asked;
  EXPECT_LT(share, 0.6) << right << " of " << asked;
  // With --flag-flip 0 the flag is on exactly in the proactive periods.
  EXPECT_EQ(flag_in, in_period);
  EXPECT_EQ(flag_out, 0);

  const Guideline g = load_guideline(dir / "12_15" / "guideline.json");
  const ModelResult a = model->ask(query("12_15", 100.0, g));
  const ModelResult b = model->ask(query("12_15", 100.0, g));
  ASSERT_TRUE(a.answer && b.answer);
  EXPECT_EQ(a.answer->step, b.answer->step);
  EXPECT_EQ(a.answer->status, b.answer->status);
  EXPECT_EQ(a.answer->trigger, b.answer->trigger);

  const ModelResult unknown = model->ask(query("no-such-session", 10.0, g));
  EXPECT_FALSE(unknown.answer);
  EXPECT_NE(unknown.error.find("404"), std::string::npos) << unknown.error;
}

// Against a model that is not the project's (its default errors: 4 s wrong runs, status right
// on 75% of right answers, help flag flipped on 20% of all answers), the tracker still follows
// the task far better than the seed, with fewer and more precise messages, under the call
// budget, and it alone alerts mistakes. Measured on the 62 validation recordings: Step-Acc
// 0.786 against 0.553, Status-Acc 0.792 against 0.448, Acc-P 0.783 against 0.774, precision
// 0.539 against 0.252, 2.51 against 12.3 messages and 14.7 against 48.2 calls a minute,
// mistakes 0.35 / 0.28. Its STS, 0.350 against the seed's 0.415, is behind (README, "A model
// that is not ours").
TEST_F(IndependentSim, TrackerLeadsTheSeedOnStepsStatusAndPrecision) {
  const fs::path dir = sessions("val", {});
  const SimServer server(quoted(dir) + " --port 0");
  ASSERT_FALSE(server.url().empty()) << server.log();
  const fs::path report = kTmp / "report";
  fs::remove_all(report);
  const ShellRun r = run_shell(quoted(P2A_BINARY) + " eval --dataset sessions:" +
                               quoted(dir) + " --vlm " + server.url() +
                               " --reasoners seed,tracker --jobs 2 --report " + quoted(report) +
                               " 2>&1");
  ASSERT_EQ(r.code, 0) << r.out;
  const json j = json::parse(read_file(report / "results.json"));
  std::map<std::string, json> row;
  for (const auto& s : j.at("summary")) row[s.at("reasoner").get<std::string>()] = s;
  ASSERT_TRUE(row.count("seed") && row.count("tracker")) << j.at("summary").dump();
  for (const auto& [name, s] : row) {
    EXPECT_EQ(s.at("sessions").get<int>(), 62) << name;
    EXPECT_EQ(s.at("model_failures").get<int>(), 0) << name;
    EXPECT_GT(s.at("model_calls").get<int>(), 0) << name;
  }
  const json& seed = row["seed"];
  const json& tracker = row["tracker"];
  const auto v = [](const json& s, const char* k) { return s.at(k).get<double>(); };
  EXPECT_GT(v(tracker, "step_acc"), v(seed, "step_acc") + 0.15);
  EXPECT_GT(v(tracker, "status_acc"), v(seed, "status_acc") + 0.2);
  EXPECT_GT(v(tracker, "acc_p"), v(seed, "acc_p"));
  EXPECT_GT(v(tracker, "msg_precision"), v(seed, "msg_precision") + 0.2);
  EXPECT_LT(v(tracker, "msgs_per_min"), 4.0);
  EXPECT_LT(v(tracker, "calls_per_min"), 15.0);
  EXPECT_GT(v(tracker, "mistake_recall"), 0.0);
  EXPECT_EQ(v(seed, "mistake_recall"), 0.0);
}

}  // namespace
}  // namespace p2a
