// Evaluation harness on the real CaptainCook4D recordings and on generated session folders:
// every reasoner runs without failing, the baselines score what their definitions imply when
// the model is always right, results are deterministic whatever the number of jobs, and the
// case builders return what the files hold.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "eval/progress.hpp"
#include "pro2assist/dataset.hpp"
#include "pro2assist/durations.hpp"
#include "pro2assist/evaluation.hpp"
#include "pro2assist/reasoner.hpp"
#include "pro2assist/sim.hpp"
#include "support/fake_openai_server.hpp"

namespace p2a {
namespace {

namespace fs = std::filesystem;

const fs::path kDatasets = fs::path(P2A_SHARED_DIR) / "datasets";
const fs::path kCaptainCook = kDatasets / "captaincook4d";

// Loading the train split synthesizes sensors for 213 recordings: do it once for the suite.
const std::vector<EvalCase>& train_cases() {
  static const std::vector<EvalCase> cases = captaincook_cases(kCaptainCook, "train", 1);
  return cases;
}

// Recordings where no two steps overlap in time (no parallel work).
bool sequential(const Annotations& truth) {
  double last_end_s = -1e300;
  for (const auto& s : truth.steps) {
    if (!(s.end_s > s.start_s)) continue;
    if (s.start_s < last_end_s) return false;
    last_end_s = s.end_s;
  }
  return true;
}

std::vector<EvalCase> first_sequential_cases(std::size_t n) {
  std::vector<EvalCase> out;
  for (const auto& c : train_cases())
    if (out.size() < n && sequential(c.truth)) out.push_back(c);
  return out;
}

std::vector<EvalCase> first_cases(std::size_t n) {
  const auto& all = train_cases();
  return {all.begin(), all.begin() + static_cast<std::ptrdiff_t>(std::min(n, all.size()))};
}

// These reasoners at these accuracies, on two workers.
EvalOptions options(std::vector<std::string> reasoners, std::vector<double> accuracies) {
  EvalOptions opt;
  opt.reasoners = std::move(reasoners);
  opt.accuracies = std::move(accuracies);
  opt.jobs = 2;
  return opt;
}

// seed, raw, periodic, tracker, and gsp once make_reasoner knows it.
std::vector<std::string> available_reasoners() {
  std::vector<std::string> names = reasoner_names();
  if (std::find(names.begin(), names.end(), "gsp") == names.end()) {
    try {
      make_reasoner("gsp", {});
      names.push_back("gsp");
    } catch (const Error&) {
    }
  }
  return names;
}

bool has_timed_segment(const Annotations& a) {
  return std::any_of(a.steps.begin(), a.steps.end(),
                     [](const GtSegment& s) { return s.end_s > s.start_s; });
}

// Grid points (SPEC §5 grid) that fall within `age_s` after a segment starts: there an answer
// that was right when asked may already be stale. Plus the first point, which may come before
// any answer.
int stale_grid_points(const Annotations& truth, double age_s) {
  double first_s = 1e300, last_s = -1e300;
  for (const auto& s : truth.steps)
    if (s.end_s > s.start_s) first_s = std::min(first_s, s.start_s), last_s = std::max(last_s, s.end_s);
  int stale = 1;
  for (double t = first_s; t <= last_s + 1e-9; t += 1.0)
    stale += std::any_of(truth.steps.begin(), truth.steps.end(), [&](const GtSegment& s) {
      return s.end_s > s.start_s && s.start_s <= t && t < s.start_s + age_s;
    });
  return stale;
}

nlohmann::json without_volatile(nlohmann::json j) {
  j.erase("generated");
  j.erase("wall_s");
  return j;
}

// --- case builders ---------------------------------------------------------------------

TEST(CaptainCookCases, OneCasePerRecordingWithStepsAndSensorsCoveringIt) {
  const CaptainCook4D cc = CaptainCook4D::load(kCaptainCook);
  std::size_t expected = 0;
  for (const auto& r : cc.recordings("train")) expected += has_timed_segment(r.truth);
  const auto& cases = train_cases();
  ASSERT_EQ(cases.size(), expected);
  ASSERT_GT(cases.size(), 200u);

  for (const auto& c : cases) {
    const Recording& r = cc.recording(c.id);
    EXPECT_EQ(c.dataset, "captaincook4d");
    EXPECT_EQ(c.session.meta.session_id, r.id);
    EXPECT_EQ(c.session.meta.task, r.recipe);
    ASSERT_TRUE(c.guideline);
    EXPECT_EQ(c.guideline->id, r.recipe);
    EXPECT_EQ(c.truth.steps.size(), r.truth.steps.size());
    double last_end_s = 0;
    for (const auto& s : r.truth.steps)
      if (s.end_s > s.start_s) last_end_s = std::max(last_end_s, s.end_s);
    ASSERT_TRUE(c.session.meta.duration_s);
    EXPECT_DOUBLE_EQ(*c.session.meta.duration_s, last_end_s + 5.0) << c.id;
    ASSERT_FALSE(c.session.imu.empty()) << c.id;
    ASSERT_FALSE(c.session.hand_motion.empty()) << c.id;
    EXPECT_GE(c.session.imu.back().t_s, last_end_s) << c.id;
  }
}

TEST(CaptainCookCases, RecordingsOfARecipeShareOneGuideline) {
  std::map<std::string, const Guideline*> by_recipe;
  for (const auto& c : train_cases()) {
    auto [it, fresh] = by_recipe.try_emplace(c.session.meta.task, c.guideline.get());
    EXPECT_EQ(it->second, c.guideline.get()) << c.id;
  }
  EXPECT_GE(by_recipe.size(), 20u);
}

TEST(CaptainCookCases, SensorsAreDeterministicPerRecordingWhateverTheSplit) {
  // Recording 1 of train evaluated in "all": the same sensors as in "train".
  const auto& train = train_cases();
  const auto all = captaincook_cases(kCaptainCook, "all", 1);
  const EvalCase& t = train.front();
  auto it = std::find_if(all.begin(), all.end(), [&](const EvalCase& c) { return c.id == t.id; });
  ASSERT_NE(it, all.end());
  ASSERT_EQ(it->session.imu.size(), t.session.imu.size());
  for (std::size_t i = 0; i < t.session.imu.size(); i += 97) {
    EXPECT_EQ(it->session.imu[i].t_s, t.session.imu[i].t_s);
    EXPECT_EQ(it->session.imu[i].gyro_rad_s, t.session.imu[i].gyro_rad_s);
  }
  // Another seed, other sensors.
  const auto other = captaincook_cases(kCaptainCook, "val", 2);
  const auto same_id = std::find_if(all.begin(), all.end(),
                                    [&](const EvalCase& c) { return c.id == other.front().id; });
  ASSERT_NE(same_id, all.end());
  bool differs = same_id->session.imu.size() != other.front().session.imu.size();
  for (std::size_t i = 0; !differs && i < other.front().session.imu.size(); ++i)
    differs = same_id->session.imu[i].gyro_rad_s != other.front().session.imu[i].gyro_rad_s;
  EXPECT_TRUE(differs);
}

TEST(CaptainCookCases, DurationsAreLearnedFromTrainRecordingsOnlyEvenForVal) {
  const CaptainCook4D cc = CaptainCook4D::load(kCaptainCook);
  const auto val = captaincook_cases(kCaptainCook, "val", 1);
  ASSERT_FALSE(val.empty());
  std::set<std::string> checked;
  std::size_t differs_from_all = 0;
  for (const auto& c : val) {
    const std::string recipe = c.session.meta.task;
    if (!checked.insert(recipe).second) continue;
    std::vector<const Annotations*> train_truths, all_truths;
    const auto train = cc.recordings("train");
    const auto all = cc.recordings("all");
    for (const auto& r : train)
      if (r.recipe == recipe) train_truths.push_back(&r.truth);
    for (const auto& r : all)
      if (r.recipe == recipe) all_truths.push_back(&r.truth);
    Guideline expected = cc.guideline(recipe);
    apply_durations(expected, learn_durations(expected, train_truths));
    Guideline leaky = cc.guideline(recipe);
    apply_durations(leaky, learn_durations(leaky, all_truths));
    ASSERT_EQ(c.guideline->size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
      EXPECT_EQ(c.guideline->at(i).duration_s, expected.at(i).duration_s)
          << recipe << " step " << expected.at(i).id;
    for (std::size_t i = 0; i < expected.size(); ++i)
      differs_from_all += leaky.at(i).duration_s != expected.at(i).duration_s;
  }
  // Learning on train + val would have given other ranges: the check above can tell.
  EXPECT_GT(differs_from_all, 0u);
}

// --leave-one-out: a training recording's durations come from the other training recordings
// of its recipe; validation recordings keep the durations of the whole training split.
TEST(CaptainCookCases, LeaveOneOutLearnsEachTrainingRecordingFromTheOthers) {
  const CaptainCook4D cc = CaptainCook4D::load(kCaptainCook);
  const auto loo = captaincook_cases(kCaptainCook, "all", 1, /*leave_one_out=*/true);
  const auto shared = captaincook_cases(kCaptainCook, "all", 1);
  ASSERT_EQ(loo.size(), shared.size());
  const auto train = cc.recordings("train");
  std::set<std::string> train_ids;
  for (const auto& r : train) train_ids.insert(r.id);
  std::size_t train_checked = 0, val_checked = 0, train_differ = 0;
  for (std::size_t k = 0; k < loo.size(); k += 7) {
    const EvalCase& c = loo[k];
    ASSERT_EQ(c.id, shared[k].id);
    ASSERT_EQ(c.guideline->size(), shared[k].guideline->size());
    if (!train_ids.count(c.id)) {
      for (std::size_t i = 0; i < c.guideline->size(); ++i)
        EXPECT_EQ(c.guideline->at(i).duration_s, shared[k].guideline->at(i).duration_s) << c.id;
      ++val_checked;
      continue;
    }
    std::vector<const Annotations*> others;
    for (const auto& r : train)
      if (r.recipe == c.session.meta.task && r.id != c.id) others.push_back(&r.truth);
    Guideline expected = cc.guideline(c.session.meta.task);
    apply_durations(expected, learn_durations(expected, others));
    bool differs = false;
    for (std::size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(c.guideline->at(i).duration_s, expected.at(i).duration_s)
          << c.id << " step " << expected.at(i).id;
      differs |= c.guideline->at(i).duration_s != shared[k].guideline->at(i).duration_s;
    }
    train_differ += differs;
    ++train_checked;
  }
  EXPECT_GT(train_checked, 20u);
  EXPECT_GT(val_checked, 5u);
  // Leaving the recording out changes what is learned: the check above can tell.
  EXPECT_GT(train_differ, train_checked / 2);
}

TEST(CaptainCookCases, UnknownSplitIsAnError) {
  EXPECT_THROW(captaincook_cases(kCaptainCook, "test", 1), Error);
}

// Two simulated session folders with their guideline, one folder without a guideline (a
// recorded failure, not a fatal one), and one without annotations (not a session to score).
TEST(SessionCases, ReadsSessionFoldersWithTheirGuideline) {
  const fs::path root = fs::path(P2A_TEST_TMP) / "evaluation" / "sessions";
  fs::remove_all(root);
  const Guideline g = load_guideline(kDatasets / "angel_tasks/cooking/recipe_tea.yaml");
  std::map<std::string, Annotations> written;
  for (int k = 0; k < 3; ++k) {
    const std::string id = "tea-" + std::to_string(k);
    const fs::path dir = root / id;
    fs::create_directories(dir);
    TimelineOptions topt;
    topt.seed = 10 + k;
    topt.mistakes = k == 1;
    const Annotations truth = simulate_timeline(g, topt);
    Session s;
    s.meta.session_id = id;
    s.meta.task = g.id;
    s.meta.duration_s = truth.steps.back().end_s + 5;
    synthesize_sensors(truth, *s.meta.duration_s, SensorOptions{std::uint64_t(k + 1)}, s);
    write_session(s, dir);
    write_annotations(truth, dir / "annotations.json");
    if (k < 2) save_guideline(g, dir / (k == 0 ? "guideline.yaml" : "guideline.json"));
    written[id] = truth;
  }
  fs::create_directories(root / "no-annotations");
  fs::copy_file(root / "tea-0" / "session.json", root / "no-annotations" / "session.json");

  const auto cases = session_cases(root);
  ASSERT_EQ(cases.size(), 2u);  // tea-2 has no guideline, no-annotations is not a session
  EXPECT_EQ(cases[0].id, "tea-0");
  EXPECT_EQ(cases[1].id, "tea-1");
  for (const auto& c : cases) {
    EXPECT_EQ(c.dataset, "sessions");
    ASSERT_TRUE(c.guideline);
    EXPECT_EQ(c.guideline->id, g.id);
    EXPECT_EQ(c.guideline->size(), g.size());
    const Annotations& truth = written.at(c.id);
    ASSERT_EQ(c.truth.steps.size(), truth.steps.size());
    for (std::size_t i = 0; i < truth.steps.size(); ++i) {
      EXPECT_EQ(c.truth.steps[i].step, truth.steps[i].step);
      EXPECT_NEAR(c.truth.steps[i].start_s, truth.steps[i].start_s, 1e-3);
    }
    EXPECT_EQ(c.truth.errors.size(), truth.errors.size());
    EXPECT_FALSE(c.session.imu.empty());
    EXPECT_FALSE(c.session.hand_motion.empty());
  }
  EXPECT_FALSE(cases[1].truth.errors.empty());  // simulated with mistakes

  EvalOptions opt;
  opt.reasoners = {"seed", "raw"};
  opt.accuracies = {0.6};
  opt.jobs = 2;
  const auto r = run_evaluation(cases, opt);
  ASSERT_EQ(r.runs.size(), 4u);
  for (const auto& run : r.runs) {
    EXPECT_TRUE(run.error.empty()) << run.case_id << " " << run.reasoner << ": " << run.error;
    EXPECT_GT(run.metrics.grid_points, 0);
    EXPECT_GT(run.metrics.step_acc, 0.0);
  }
}

// Recordings handed over as ground truth only (no sensor streams, no duration_s) are scored
// over their whole length: the replay runs to the end of the last annotated step.
TEST(SessionCases, AFolderWithOnlyGroundTruthIsReplayedToItsEnd) {
  const fs::path dir = fs::path(P2A_TEST_TMP) / "evaluation" / "truth-only" / "tea";
  fs::remove_all(dir.parent_path());
  fs::create_directories(dir);
  const Guideline g = load_guideline(kDatasets / "angel_tasks/cooking/recipe_tea.yaml");
  TimelineOptions topt;
  topt.seed = 21;
  const Annotations truth = simulate_timeline(g, topt);
  Session s;
  s.meta.session_id = "tea";
  s.meta.task = g.id;
  write_session(s, dir);
  write_annotations(truth, dir / "annotations.json");
  save_guideline(g, dir / "guideline.yaml");

  const auto cases = session_cases(dir.parent_path());
  ASSERT_EQ(cases.size(), 1u);
  double last_end = 0;
  for (const auto& seg : truth.steps) last_end = std::max(last_end, seg.end_s);
  EXPECT_NEAR(cases[0].session.end_s(), last_end + 5.0, 1e-3);
  EXPECT_TRUE(cases[0].session.imu.empty());

  EvalOptions opt;
  opt.reasoners = {"tracker"};
  opt.accuracies = {0.7};
  opt.jobs = 1;
  const auto r = run_evaluation(cases, opt);
  ASSERT_EQ(r.runs.size(), 1u);
  ASSERT_TRUE(r.runs[0].error.empty()) << r.runs[0].error;
  // Decisions cover the whole task: most grid points name the right step.
  EXPECT_GT(r.runs[0].metrics.step_acc, 0.5);
  EXPECT_GT(r.runs[0].metrics.model_calls, 0);
}

// Two folders that carry one session_id are both evaluated, under ids that tell them apart
// (results are keyed by case id).
TEST(SessionCases, FoldersSharingASessionIdAreKeptApart) {
  const fs::path root = fs::path(P2A_TEST_TMP) / "evaluation" / "same-id";
  fs::remove_all(root);
  const Guideline g = load_guideline(kDatasets / "angel_tasks/cooking/recipe_tea.yaml");
  for (const char* folder : {"first", "second"}) {
    const fs::path dir = root / folder;
    fs::create_directories(dir);
    TimelineOptions topt;
    topt.seed = folder[0] == 'f' ? 31 : 32;
    const Annotations truth = simulate_timeline(g, topt);
    Session s;
    s.meta.session_id = "same";
    s.meta.task = g.id;
    s.meta.duration_s = truth.steps.back().end_s + 5;
    write_session(s, dir);
    write_annotations(truth, dir / "annotations.json");
    save_guideline(g, dir / "guideline.yaml");
  }
  const auto cases = session_cases(root);
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].id, "same");
  EXPECT_EQ(cases[1].id, "same (second)");
}

TEST(SessionCases, MissingFolderIsAnError) {
  EXPECT_THROW(session_cases(fs::path(P2A_TEST_TMP) / "evaluation" / "nowhere"), Error);
}

TEST(GuidelineCases, SimulatesSessionsForEveryGuidelineFileRecursively) {
  const fs::path dir = kDatasets / "angel_tasks";
  std::size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    files += e.path().extension() == ".yaml";
  const auto cases = guideline_cases(dir, 2, 5);
  EXPECT_EQ(cases.size(), 2 * files);
  std::set<std::string> ids;
  std::size_t with_mistakes = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    EXPECT_TRUE(ids.insert(c.id).second) << "duplicate case id " << c.id;
    EXPECT_EQ(c.dataset, "guidelines");
    ASSERT_TRUE(c.guideline);
    ASSERT_FALSE(c.truth.steps.empty()) << c.id;
    EXPECT_FALSE(c.session.imu.empty()) << c.id;
    EXPECT_GE(*c.session.meta.duration_s, c.truth.steps.back().end_s) << c.id;
    // Sessions 0 and 1 of a guideline: without and with mistakes.
    if (i % 2 == 0) EXPECT_TRUE(c.truth.errors.empty()) << c.id;
    with_mistakes += !c.truth.errors.empty();
  }
  EXPECT_GT(with_mistakes, files / 2);
  // Same seed, same sessions.
  const auto again = guideline_cases(dir, 2, 5);
  ASSERT_EQ(again.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(again[i].id, cases[i].id);
    EXPECT_EQ(again[i].truth.steps.back().end_s, cases[i].truth.steps.back().end_s);
    EXPECT_EQ(again[i].session.imu.size(), cases[i].session.imu.size());
  }
}

// --- the harness ---------------------------------------------------------------------------

// (a) Every reasoner there is, on every train recording, without one failed session.
TEST(RunEvaluation, EveryReasonerRunsOnTheWholeTrainSplit) {
  const auto& cases = train_cases();
  EvalOptions opt;
  opt.reasoners = available_reasoners();
  opt.accuracies = {0.5};
  opt.jobs = 2;
  std::atomic<std::size_t> calls{0}, last{0};
  opt.progress = [&](std::size_t done, std::size_t total) {
    ++calls;
    if (done == total) last = done;
  };
  const auto r = run_evaluation(cases, opt);
  const std::size_t n = cases.size() * opt.reasoners.size();
  ASSERT_EQ(r.runs.size(), n);
  EXPECT_EQ(calls.load(), n);
  EXPECT_EQ(last.load(), n);
  for (const auto& run : r.runs) {
    EXPECT_TRUE(run.error.empty()) << run.case_id << " " << run.reasoner << ": " << run.error;
    EXPECT_GT(run.metrics.grid_points, 0) << run.case_id;
  }
  ASSERT_EQ(r.summary.size(), opt.reasoners.size());
  for (std::size_t i = 0; i < r.summary.size(); ++i) {
    const auto& row = r.summary[i];
    EXPECT_EQ(row.reasoner, opt.reasoners[i]);
    EXPECT_EQ(row.dataset, "captaincook4d");
    EXPECT_EQ(row.sessions, static_cast<int>(cases.size()));
    EXPECT_EQ(row.failed, 0);
    // A model right half of the time: every reasoner gets some steps right, and not all.
    EXPECT_GT(row.metrics.step_acc, 0.1) << row.reasoner;
    EXPECT_LT(row.metrics.step_acc, 1.0) << row.reasoner;
    EXPECT_GT(row.metrics.calls_per_min, 0.0) << row.reasoner;
  }
  std::printf("train split: %zu sessions x %zu reasoners in %.1f s\n", cases.size(),
              opt.reasoners.size(), r.wall_s);
}

// (b) With a model that is always right, the baselines that take every answer as the state.
// Recordings without parallel steps: where segments nest, the simulated model's idea of the
// current step (the last one started) and the scorer's (any covering one) differ.
TEST(RunEvaluation, BaselinesWithAnAlwaysRightModelScoreWhatTheyAreDefinedToDo) {
  const auto cases = first_sequential_cases(4);
  ASSERT_EQ(cases.size(), 4u);
  EvalOptions opt;
  opt.reasoners = {"periodic", "raw"};
  opt.accuracies = {1.0};
  opt.jobs = 2;
  opt.keep_decisions = true;
  const auto r = run_evaluation(cases, opt);
  ASSERT_EQ(r.runs.size(), 2 * cases.size());
  for (const auto& run : r.runs) {
    ASSERT_TRUE(run.error.empty()) << run.error;
    const Metrics& m = run.metrics;
    const auto triggered = std::count_if(run.decisions.begin(), run.decisions.end(),
                                         [](const Decision& d) { return d.trigger; });
    // Every moment asks the model, and every triggering answer is delivered at once.
    EXPECT_EQ(m.calls_per_moment, 1.0) << run.reasoner << " " << run.case_id;
    EXPECT_EQ(m.messages, triggered) << run.reasoner << " " << run.case_id;
    EXPECT_EQ(m.moments, static_cast<int>(run.decisions.size()));
    if (run.reasoner == "periodic") {
      const auto& c = *std::find_if(cases.begin(), cases.end(),
                                    [&](const EvalCase& x) { return x.id == run.case_id; });
      // A call every 0.5 s: the held answer is at most half a second old, so the step can be
      // wrong only just after a step begins.
      EXPECT_LE(m.grid_points - m.step_right, stale_grid_points(c.truth, 0.5 + 1e-6))
          << run.case_id;
      EXPECT_GE(m.step_acc, 0.99) << run.case_id;
      // The simulated model reports the true status 85% of the time even when its step is
      // right, so status accuracy sits just under that, not near 1.
      EXPECT_GE(m.status_acc, 0.75) << run.case_id;
      // 120 calls per minute of session; Calls/min is per minute of task (first step start
      // to last step end), which the idle head and tail of a recording make a little higher.
      const double session_min = *c.session.meta.duration_s / 60.0;
      EXPECT_NEAR(m.model_calls / session_min, 120.0, 1.0) << run.case_id;
      EXPECT_NEAR(m.calls_per_min, m.model_calls / m.task_minutes, 1e-9);
      EXPECT_GE(m.calls_per_min, 119.0) << run.case_id;
      // Asked every 0.5 s, an always-right model names each step within its guidance period
      // (at least half a second long here), and says "about to finish" in nearly every
      // window (its status is right 85% of the time).
      EXPECT_EQ(m.start_told, m.start_periods) << run.case_id;
      EXPECT_GE(m.finish_told_share, 0.85) << run.case_id;
    }
  }
}

// What the model told a reasoner is counted from the answers it got: none without a model,
// more from a better model, and no more than the periods there are.
TEST(RunEvaluation, TheAnswersAReasonerGotAreCountedAsWhatItWasTold) {
  const auto cases = first_cases(6);
  auto opt = options({"tracker", "seed"}, {0.3, 0.7});
  const auto r = run_evaluation(cases, opt);
  ASSERT_EQ(r.summary.size(), 4u);
  for (const auto& row : r.summary) {
    const Metrics& m = row.metrics;
    std::printf("%s %.1f: told start %.3f finish %.3f mistake %.3f; hit start %.3f finish %.3f\n",
                row.reasoner.c_str(), row.accuracy, m.start_told_share, m.finish_told_share,
                m.mistake_told_share, m.start_hit_share, m.finish_hit_share);
    EXPECT_GT(m.start_told, 0) << row.reasoner;
    EXPECT_LE(m.start_told, m.start_periods);
    EXPECT_LE(m.finish_told, m.finish_periods);
    EXPECT_LE(m.mistake_told, m.mistake_windows);
    // Why alerts missed or were false: the causes never outnumber the windows missed, nor the
    // false alerts (TrackerVersusSeed checks them against the windows told, on recordings
    // with windows no answer told).
    EXPECT_LE(m.mistake_missed_time + m.mistake_missed_unseen + m.mistake_missed_named,
              m.mistake_windows - m.mistake_hits);
    EXPECT_LE(m.mistake_false_time + m.mistake_false_done, m.mistake_msgs - m.mistake_msgs_hit);
    if (row.reasoner == "seed")  // it never alerts
      EXPECT_EQ(m.mistake_missed_time + m.mistake_false_time + m.mistake_false_done, 0);
  }
  for (std::size_t i : {0u, 2u}) {  // each reasoner: accuracy 0.3, then 0.7
    const Metrics& low = r.summary[i].metrics;
    const Metrics& high = r.summary[i + 1].metrics;
    EXPECT_GT(high.start_told_share, low.start_told_share) << r.summary[i].reasoner;
    EXPECT_GT(high.finish_told_share, low.finish_told_share) << r.summary[i].reasoner;
  }
  // The seed asks at every key moment, the tracker about a quarter as often: told less.
  EXPECT_GT(r.summary[3].metrics.finish_told_share, r.summary[1].metrics.finish_told_share);
  const auto j = results_to_json(r, opt);
  EXPECT_EQ(j["summary"][0]["start_told"], r.summary[0].metrics.start_told);
  EXPECT_DOUBLE_EQ(j["summary"][0]["finish_told_share"].get<double>(),
                   r.summary[0].metrics.finish_told_share);
  EXPECT_EQ(j["summary"][1]["mistake_missed_unseen"], r.summary[1].metrics.mistake_missed_unseen);
  EXPECT_EQ(j["summary"][1]["mistake_false_done"], r.summary[1].metrics.mistake_false_done);

  auto none = options({"tracker"}, {0.5});
  none.no_model = true;
  for (const auto& run : run_evaluation(cases, none).runs) {
    EXPECT_EQ(run.metrics.start_told + run.metrics.finish_told + run.metrics.mistake_told, 0);
    EXPECT_GT(run.metrics.start_periods, 0);
  }
}

// (b2) --vlm none: one pass without any model; the tracker still follows the recordings on
// durations and motion, where the seed, which only repeats the model, has nothing to say.
TEST(RunEvaluation, WithoutAModelOnePassNoCallsAndTheTrackerStillFollows) {
  const auto cases = guideline_cases(kDatasets / "angel_tasks", 1, 3);
  ASSERT_FALSE(cases.empty());
  EvalOptions opt;
  opt.reasoners = {"tracker", "seed"};
  opt.accuracies = {0.3, 0.5};  // no model: nothing to sweep
  opt.no_model = true;
  opt.jobs = 2;
  const auto r = run_evaluation(cases, opt);
  ASSERT_EQ(r.runs.size(), 2 * cases.size());
  for (const auto& run : r.runs) {
    ASSERT_TRUE(run.error.empty()) << run.error;
    EXPECT_EQ(run.accuracy, 0.0);
    EXPECT_EQ(run.metrics.model_calls, 0) << run.reasoner << " " << run.case_id;
  }
  ASSERT_EQ(r.summary.size(), 2u);
  const Metrics& tracker = r.summary[0].metrics;
  const Metrics& seed = r.summary[1].metrics;
  std::printf("no model: tracker Step-Acc %.3f Status-Acc %.3f, seed %.3f %.3f\n",
              tracker.step_acc, tracker.status_acc, seed.step_acc, seed.status_acc);
  // Guessing one of a task's steps at random would be right 1/n of the time.
  double chance = 0;
  for (const auto& c : cases) chance += 1.0 / static_cast<double>(c.guideline->size());
  chance /= static_cast<double>(cases.size());
  EXPECT_EQ(seed.step_acc, 0.0);
  EXPECT_GT(tracker.step_acc, 1.5 * chance);
  EXPECT_GT(tracker.status_acc, seed.status_acc);
  EXPECT_EQ(results_to_json(r, opt)["options"]["model"], "none");
}

// --sensors: the same sessions replayed without some motion streams. Without hand flow every
// pair is a key moment, so the seed (which asks at each) asks more often; without the IMU no
// pair is sampled at the faster head-turn rate. The tracker still follows the task.
TEST(RunEvaluation, MotionStreamsCanBeLeftOut) {
  const auto cases = first_cases(6);
  EvalOptions opt = options({"seed", "tracker"}, {0.7});
  const auto all = run_evaluation(cases, opt);
  opt.imu = false;
  opt.hand_motion = false;
  const auto none = run_evaluation(cases, opt);
  EXPECT_EQ(results_to_json(none, opt)["options"]["sensors"], "none");
  opt.imu = true;
  const auto imu_only = run_evaluation(cases, opt);
  EXPECT_EQ(results_to_json(imu_only, opt)["options"]["sensors"], "imu");
  ASSERT_EQ(all.summary.size(), 2u);
  ASSERT_EQ(none.summary.size(), 2u);
  ASSERT_EQ(imu_only.summary.size(), 2u);
  for (const auto* r : {&all, &none, &imu_only})
    for (const auto& run : r->runs) ASSERT_TRUE(run.error.empty()) << run.error;

  const Metrics& seed_all = all.summary[0].metrics;
  const Metrics& seed_none = none.summary[0].metrics;
  const Metrics& seed_imu = imu_only.summary[0].metrics;
  // The same task minutes are scored, with more pairs kept as key moments.
  EXPECT_EQ(seed_none.grid_points, seed_all.grid_points);
  EXPECT_GT(seed_none.model_calls, seed_all.model_calls);
  // One pair a second, no faster sampling on head turns: about 60 calls a minute.
  EXPECT_NEAR(seed_none.calls_per_min, 60.0, 3.0);
  EXPECT_GT(seed_imu.calls_per_min, seed_none.calls_per_min);  // head turns sample faster
  const Metrics& tracker_none = none.summary[1].metrics;
  EXPECT_EQ(tracker_none.grid_points, seed_all.grid_points);
  EXPECT_GT(tracker_none.step_acc, 0.6);
  EXPECT_LE(tracker_none.calls_per_min, 15.5);
}

// (c) The same options give the same results, with one job or two.
TEST(RunEvaluation, DeterministicWhateverTheNumberOfJobs) {
  const auto cases = first_cases(6);
  EvalOptions opt;
  opt.reasoners = available_reasoners();
  opt.accuracies = {0.7, 0.3};
  opt.seed = 9;
  opt.jobs = 2;
  const auto a = results_to_json(run_evaluation(cases, opt), opt);
  const auto b = results_to_json(run_evaluation(cases, opt), opt);
  EXPECT_EQ(without_volatile(a), without_volatile(b));
  opt.jobs = 1;
  const auto c = results_to_json(run_evaluation(cases, opt), opt);
  EXPECT_EQ(a["runs"], c["runs"]);
  EXPECT_EQ(a["summary"], c["summary"]);
  // Another seed is another model: the check above is not comparing constants.
  opt.seed = 10;
  const auto d = results_to_json(run_evaluation(cases, opt), opt);
  EXPECT_NE(a["runs"], d["runs"]);
}

// --vlm URL: a model server in place of the simulator. Here it is another party's simulator,
// as SPEC §4's metadata allows: it answers the true step of the session it is asked about at
// the time it is asked, except at whole ten seconds, where it names a step that does not
// exist (a malformed answer: the engine carries on without it, and the failure is counted).
TEST(RunEvaluation, AgainstAModelServerAnsweringByMetadata) {
  const auto cases = first_sequential_cases(3);
  ASSERT_EQ(cases.size(), 3u);
  std::map<std::string, const Annotations*> truth;
  for (const auto& c : cases) truth[c.session.meta.session_id] = &c.truth;
  auto malformed = [](double t_s) { return static_cast<long>(std::floor(t_s)) % 10 == 0; };

  FakeOpenAIServer server;
  server.set_answer([&](const nlohmann::json& req) -> nlohmann::json {
    const std::string id = req.at("metadata").at("session_id");
    const double t_s = std::stod(req.at("metadata").at("t_s").get<std::string>());
    if (malformed(t_s)) return {{"step", "no-such-step"}, {"status", "in_progress"}, {"trigger", false}, {"response", ""}};
    const Annotations& a = *truth.at(id);
    std::string step = a.steps.front().step;
    for (const auto& seg : a.steps)
      if (seg.start_s <= t_s) step = seg.step;
    return {{"step", step}, {"status", "in_progress"}, {"trigger", false}, {"response", ""}};
  });

  EvalOptions opt = options({"seed", "tracker"}, {0.3, 0.7});  // one pass: no accuracy to sweep
  HttpModelOptions endpoint;
  endpoint.base_url = server.base_url();
  endpoint.model = "their-sim";
  endpoint.timeout_s = 5;
  opt.endpoint = endpoint;
  const auto r = run_evaluation(cases, opt);

  ASSERT_EQ(r.runs.size(), 6u);
  long calls = 0, failures = 0;
  for (const auto& run : r.runs) {
    ASSERT_TRUE(run.error.empty()) << run.error;
    EXPECT_EQ(run.accuracy, 0.0);
    EXPECT_GT(run.metrics.model_calls, 0) << run.reasoner << " " << run.case_id;
    EXPECT_GT(run.metrics.model_failures, 0) << run.reasoner << " " << run.case_id;
    EXPECT_LT(run.metrics.model_failures, run.metrics.model_calls / 4);
    EXPECT_NE(run.model_error.find("no-such-step"), std::string::npos) << run.model_error;
    // The server's answers are what the reasoner was told: the true step, never "about to
    // finish".
    EXPECT_GT(run.metrics.start_told, 0) << run.reasoner << " " << run.case_id;
    EXPECT_EQ(run.metrics.finish_told, 0) << run.reasoner << " " << run.case_id;
    calls += run.metrics.model_calls;
    failures += run.metrics.model_failures;
  }
  // Every call reached the server, about a session of the evaluation, in the model named;
  // the failures are exactly the malformed answers.
  const auto requests = server.requests();
  EXPECT_EQ(static_cast<long>(requests.size()), calls);
  long malformed_sent = 0;
  for (const auto& req : requests) {
    EXPECT_EQ(req["model"], "their-sim");
    EXPECT_TRUE(truth.count(req["metadata"]["session_id"].get<std::string>()));
    malformed_sent += malformed(std::stod(req["metadata"]["t_s"].get<std::string>()));
  }
  EXPECT_EQ(failures, malformed_sent);

  ASSERT_EQ(r.summary.size(), 2u);
  for (const auto& row : r.summary) {
    EXPECT_EQ(row.accuracy, 0.0);
    EXPECT_EQ(row.sessions, 3);
    std::printf("%s against the server: Step-Acc %.3f, %.1f calls/min, %d of %d calls failed\n",
                row.reasoner.c_str(), row.metrics.step_acc, row.metrics.calls_per_min,
                row.metrics.model_failures, row.metrics.model_calls);
    // A model that names the true step (late by its own lag only) is followed.
    EXPECT_GT(row.metrics.step_acc, 0.85) << row.reasoner;
  }
  const auto j = results_to_json(r, opt);
  EXPECT_EQ(j["options"]["model"], "endpoint");
  EXPECT_EQ(j["options"]["endpoint"], server.base_url());
  EXPECT_EQ(j["summary"][0]["model_failures"], r.summary[0].metrics.model_failures);
  EXPECT_TRUE(j["runs"][0]["model_error"].is_string());
  EXPECT_EQ(accuracy_label(opt, 0.0), "server");
}

// A server that is down for the whole evaluation: every run completes without a model, and
// every call shows as failed, with its reason.
TEST(RunEvaluation, AModelServerThatIsDownShowsAsFailedCalls) {
  const auto cases = first_cases(1);
  EvalOptions opt = options({"tracker"}, {0.5});
  HttpModelOptions endpoint;
  endpoint.base_url = "http://127.0.0.1:" + std::to_string(unused_loopback_port()) + "/v1";
  endpoint.timeout_s = 2;
  opt.endpoint = endpoint;
  const auto r = run_evaluation(cases, opt);
  ASSERT_EQ(r.runs.size(), 1u);
  const RunResult& run = r.runs[0];
  ASSERT_TRUE(run.error.empty()) << run.error;
  EXPECT_GT(run.metrics.model_calls, 0);
  EXPECT_EQ(run.metrics.model_failures, run.metrics.model_calls);
  EXPECT_FALSE(run.model_error.empty());
  std::printf("down: %s\n", run.model_error.c_str());
}

// (d) One summary row per reasoner x accuracy, accuracies ascending, with every metric.
TEST(RunEvaluation, JsonHasOneSummaryRowPerReasonerAndAccuracy) {
  const auto cases = first_cases(2);
  EvalOptions opt;
  opt.reasoners = {"tracker", "seed", "raw"};
  opt.accuracies = {0.7, 0.3, 0.5};
  opt.jobs = 2;
  const auto r = run_evaluation(cases, opt);
  const auto j = results_to_json(r, opt);
  ASSERT_EQ(j["summary"].size(), 9u);
  ASSERT_EQ(j["runs"].size(), 2u * 9u);
  const std::vector<double> ascending = {0.3, 0.5, 0.7};
  for (std::size_t i = 0; i < 9; ++i) {
    const auto& row = j["summary"][i];
    EXPECT_EQ(row["reasoner"], opt.reasoners[i / 3]);
    EXPECT_EQ(row["accuracy"], ascending[i % 3]);
    EXPECT_EQ(row["sessions"], 2);
    EXPECT_EQ(row["failed"], 0);
    for (const char* key : {"step_acc", "status_acc", "acc_p", "md", "fd", "sts", "msg_precision",
                            "msgs_per_min", "mistake_recall", "mistake_precision",
                            "calls_per_min", "calls_per_moment"})
      EXPECT_TRUE(row.contains(key)) << key;
    // The pooled row is the pool of its runs.
    std::vector<Metrics> runs;
    for (const auto& run : r.runs)
      if (run.reasoner == row["reasoner"] && run.accuracy == row["accuracy"])
        runs.push_back(run.metrics);
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_DOUBLE_EQ(row["step_acc"].get<double>(), pool(runs).step_acc);
    EXPECT_EQ(row["grid_points"], runs[0].grid_points + runs[1].grid_points);
  }
  EXPECT_TRUE(j.contains("generated"));
  EXPECT_EQ(j["options"]["reasoners"].size(), 3u);
  EXPECT_TRUE(j["runs"][0]["error"].is_null());
}

// --repeats: passes under several seeds pool as one. Each summary row is the pool of every run
// of both passes (by counts, as sessions pool), each pass's own row is kept beside it for the
// spread, and each run says which seed it ran with.
TEST(RunEvaluation, PassesUnderSeveralSeedsPoolAsOne) {
  const auto cases = first_cases(4);
  EvalOptions opt = options({"seed", "tracker"}, {0.5});
  opt.seed = 1;
  const EvalResults first = run_evaluation(cases, opt);
  opt.seed = 2;
  const EvalResults second = run_evaluation(cases, opt);
  EXPECT_EQ(first.seeds, std::vector<std::uint64_t>{1});
  const EvalResults both = combine_seeds({first, second});
  EXPECT_EQ(both.seeds, (std::vector<std::uint64_t>{1, 2}));
  ASSERT_EQ(both.runs.size(), first.runs.size() + second.runs.size());
  EXPECT_EQ(both.runs.front().seed, 1u);
  EXPECT_EQ(both.runs.back().seed, 2u);
  ASSERT_EQ(both.summary.size(), 2u);
  bool passes_differ = false;
  for (std::size_t i = 0; i < both.summary.size(); ++i) {
    const EvalSummaryRow& row = both.summary[i];
    EXPECT_EQ(row.sessions, 8);
    ASSERT_EQ(row.per_seed.size(), 2u);
    EXPECT_EQ(row.per_seed[0].sts, first.summary[i].metrics.sts);
    EXPECT_EQ(row.per_seed[1].sts, second.summary[i].metrics.sts);
    std::vector<Metrics> runs;
    for (const auto& run : both.runs)
      if (run.reasoner == row.reasoner) runs.push_back(run.metrics);
    ASSERT_EQ(runs.size(), 8u);
    const Metrics all = pool(runs);
    EXPECT_DOUBLE_EQ(row.metrics.sts, all.sts) << row.reasoner;
    EXPECT_DOUBLE_EQ(row.metrics.step_acc, all.step_acc) << row.reasoner;
    EXPECT_EQ(row.metrics.mistake_windows, all.mistake_windows);
    EXPECT_EQ(row.metrics.grid_points, 2 * first.summary[i].metrics.grid_points);
    passes_differ = passes_differ || row.per_seed[0].step_acc != row.per_seed[1].step_acc;
  }
  EXPECT_TRUE(passes_differ) << "another seed is another model: the passes must differ";

  const auto j = results_to_json(both, opt);
  EXPECT_EQ(j["options"]["seeds"], nlohmann::json({1, 2}));
  EXPECT_EQ(j["options"]["seed"], 1);
  ASSERT_EQ(j["summary"][1]["per_seed"].size(), 2u);
  EXPECT_EQ(j["summary"][1]["per_seed"][1]["seed"], 2);
  EXPECT_DOUBLE_EQ(j["summary"][1]["per_seed"][1]["sts"].get<double>(),
                   second.summary[1].metrics.sts);
  EXPECT_EQ(j["runs"].back()["seed"], 2);
  // One pass is itself, without a spread; passes with other rows cannot be pooled.
  EXPECT_TRUE(combine_seeds({first}).summary[0].per_seed.empty());
  EXPECT_FALSE(results_to_json(first, opt)["options"].contains("seeds"));
  opt.reasoners = {"tracker", "seed"};
  const EvalResults swapped = run_evaluation(cases, opt);
  EXPECT_THROW(combine_seeds({first, swapped}), std::invalid_argument);
}

// A reasoner that does not exist (as "gsp" before it is written) fails its runs only.
TEST(RunEvaluation, UnknownReasonerIsARecordedFailureNotACrash) {
  const auto cases = first_cases(2);
  const EvalOptions opt = options({"raw", "no-such-reasoner"}, {0.5});
  const auto r = run_evaluation(cases, opt);
  ASSERT_EQ(r.runs.size(), 4u);
  for (const auto& run : r.runs) {
    if (run.reasoner == "raw") {
      EXPECT_TRUE(run.error.empty()) << run.error;
    } else {
      EXPECT_NE(run.error.find("no-such-reasoner"), std::string::npos) << run.error;
    }
  }
  ASSERT_EQ(r.summary.size(), 2u);
  EXPECT_EQ(r.summary[0].sessions, 2);
  EXPECT_EQ(r.summary[0].failed, 0);
  EXPECT_EQ(r.summary[1].sessions, 0);
  EXPECT_EQ(r.summary[1].failed, 2);
  const auto j = results_to_json(r, opt);
  EXPECT_TRUE(j["runs"][1]["metrics"].is_null());
  EXPECT_TRUE(j["runs"][1]["error"].is_string());
}

// --- progress --------------------------------------------------------------------------------

TEST(Progress, BarShowsCountsElapsedAndEstimate) {
  EXPECT_EQ(format_clock(42), "0:42");
  EXPECT_EQ(format_clock(3 * 3600 + 65), "3:01:05");
  EXPECT_EQ(format_progress_bar(5, 10, 42, "runs", 10),
            "[#####.....] 5/10 runs  0:42 elapsed  ~0:42 left");
  EXPECT_EQ(format_progress_bar(10, 10, 70, "runs", 10), "[##########] 10/10 runs  1:10 elapsed");
  EXPECT_EQ(format_progress_line(410, 820, "runs"), "eval: 410/820 runs (50%)");
  EXPECT_EQ(format_progress_line(3, 12, "runs", "learn-decision-model"),
            "learn-decision-model: 3/12 runs (25%)");
}

TEST(Progress, PlainLinesEveryFivePercent) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressPrinter p(f, false);
    for (std::size_t i = 1; i <= 200; ++i) p.update(i, 200);
  }
  std::rewind(f);
  std::vector<std::string> lines;
  char buf[128];
  while (std::fgets(buf, sizeof buf, f)) lines.emplace_back(buf);
  std::fclose(f);
  ASSERT_EQ(lines.size(), 21u);  // 0%, 5%, ..., 100%
  EXPECT_EQ(lines[10], "eval: 100/200 runs (50%)\n");
  EXPECT_EQ(lines.back(), "eval: 200/200 runs (100%)\n");
}

}  // namespace
}  // namespace p2a
