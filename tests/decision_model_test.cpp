// The tracker's decision model: the logistic fit finds known weights, model files are checked
// against this build's features, and learned on some CaptainCook4D training recordings its
// trigger and status beat the hand-built rule and estimate on held-out recordings (SPEC §5's
// Acc-P and Status-Acc); so do the built-in weights (learned on the training split) on the
// validation split. Also `pro2assist learn-decision-model` and `--decision-model` end to end.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "pro2assist/evaluation.hpp"
#include "pro2assist/decision_learning.hpp"
#include "pro2assist/decision_model.hpp"
#include "support/shell.hpp"

namespace p2a {
namespace {

namespace fs = std::filesystem;
const fs::path kCaptainCook = fs::path(P2A_SHARED_DIR) / "datasets" / "captaincook4d";

fs::path tmp_dir(const std::string& name) {
  const fs::path dir = fs::path(P2A_TEST_TMP) / "decision_model" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(LogisticFit, RecoversKnownWeights) {
  // Labels drawn with P(y) = 1 / (1 + exp(-(-1.2 + 8u - 4v))): the fit finds these weights.
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  const std::vector<double> truth = {-1.2, 8.0, -4.0};
  ModelSamples s;
  for (int i = 0; i < 40000; ++i) {
    const double u = uni(rng), v = uni(rng);
    const double p = 1.0 / (1.0 + std::exp(-(truth[0] + truth[1] * u + truth[2] * v)));
    s.add({1.0, u, v}, uni(rng) < p);
  }
  const auto w = fit_logistic(s, 1.0);
  ASSERT_EQ(w.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(w[i], truth[i], 0.1 * std::abs(truth[i])) << i;
  EXPECT_GT(logistic_accuracy(s, w), 0.75);
  EXPECT_NEAR(logistic_accuracy(s, w), logistic_accuracy(s, truth), 0.01);
  EXPECT_LT(logistic_accuracy(s, {-1.0, 0.0, 0.0}), 0.6);  // "never" does worse
}

TEST(LogisticFit, RejectsNoSamplesAndRaggedRows) {
  ModelSamples s;
  EXPECT_THROW(fit_logistic(s), Error);
  s.add({1.0, 0.5}, true);
  EXPECT_THROW(s.add({1.0, 0.5, 0.2}, false), Error);
}

TEST(DecisionModelFile, IsCheckedAgainstThisBuildsFeatures) {
  const fs::path dir = tmp_dir("files");
  const DecisionModel m = DecisionModel::hand_built();
  std::ofstream(dir / "good.json") << decision_model_to_json(m).dump();
  const DecisionModel back = load_decision_model(dir / "good.json");
  EXPECT_EQ(back.trigger, m.trigger);
  EXPECT_EQ(back.status, m.status);

  auto j = decision_model_to_json(m);
  j["features"][3] = "something_else";
  std::ofstream(dir / "renamed.json") << j.dump();
  j = decision_model_to_json(m);
  j["trigger"].erase(j["trigger"].size() - 1);
  std::ofstream(dir / "short.json") << j.dump();
  j = decision_model_to_json(m);
  j["status"].erase("transition");
  std::ofstream(dir / "no_status.json") << j.dump();
  std::ofstream(dir / "broken.json") << "{\"features\": [";
  for (const char* f : {"renamed.json", "short.json", "no_status.json", "broken.json", "missing.json"}) {
    SCOPED_TRACE(f);
    EXPECT_THROW(load_decision_model(dir / f), Error);
  }
}

TEST(DecisionModel, TheHandBuiltWeightsGiveBackTheEstimateAndTheRule) {
  const DecisionModel m = DecisionModel::hand_built();
  // Features 1-3: the estimate's one-hot (none: in progress); 4: the rule. The rest must not
  // matter, so they are set to 1.
  const std::pair<int, Status> cases[] = {{0, Status::InProgress},
                                          {1, Status::JustStart},
                                          {2, Status::AboutToFinish},
                                          {3, Status::Transition}};
  for (const auto& [hot, status] : cases)
    for (const bool rule : {false, true}) {
      std::vector<double> x(decision_feature_names().size(), 1.0);
      for (int i = 1; i <= 3; ++i) x[static_cast<std::size_t>(i)] = i == hot ? 1.0 : 0.0;
      x[4] = rule ? 1.0 : 0.0;
      EXPECT_EQ(m.status_of(x), status) << hot;
      EXPECT_EQ(m.trigger_on(x), rule) << hot;
    }
}

const std::vector<EvalCase>& train_cases() {
  static const std::vector<EvalCase> c = captaincook_cases(kCaptainCook, "train", 1);
  return c;
}
const std::vector<EvalCase>& val_cases() {
  static const std::vector<EvalCase> c = captaincook_cases(kCaptainCook, "val", 1);
  return c;
}

// The tracker with this decision model, at accuracy 0.5 with the given error runs.
Metrics tracker_with(const std::vector<EvalCase>& cases, const DecisionModel& model,
                     double error_run_s = 3.0) {
  EvalOptions opt;
  opt.reasoners = {"tracker"};
  opt.accuracies = {0.5};
  opt.error_run_s = error_run_s;
  opt.seed = 5;
  opt.jobs = 2;
  opt.reasoner.decision_model = model;
  const auto r = run_evaluation(cases, opt);
  EXPECT_EQ(r.summary.at(0).failed, 0);
  return r.summary.at(0).metrics;
}

TEST(DecisionLearning, LearnedOnSomeRecordingsItBeatsTheHandBuiltOnOthers) {
  std::vector<EvalCase> learn, held_out;
  for (std::size_t i = 0; i < train_cases().size(); ++i)
    (i % 8 == 0 ? learn : held_out).push_back(train_cases()[i]);
  held_out.resize(60);
  DecisionLearnOptions opt;
  opt.jobs = 2;
  const DecisionLearnResult r = learn_decision_model(learn, opt);
  std::printf("learned on %zu recordings x %zu conditions: %zu points, %.1f%% in periods; "
              "trigger: rule %.4f, learned %.4f; status: estimate %.4f, learned %.4f\n",
              learn.size(), opt.conditions.size(), r.points, 100 * r.in_period_share,
              r.rule_trigger_accuracy, r.learned_trigger_accuracy, r.estimate_status_accuracy,
              r.learned_status_accuracy);
  EXPECT_EQ(r.runs, learn.size() * opt.conditions.size());
  EXPECT_EQ(r.model.trigger.size(), decision_feature_names().size());
  EXPECT_TRUE(r.model.has_status());
  EXPECT_GT(r.in_period_share, 0.2);
  EXPECT_LT(r.in_period_share, 0.5);
  EXPECT_GT(r.learned_trigger_accuracy, r.rule_trigger_accuracy + 0.01);
  EXPECT_GT(r.learned_status_accuracy, r.estimate_status_accuracy + 0.03);

  const Metrics before = tracker_with(held_out, DecisionModel::hand_built());
  const Metrics after = tracker_with(held_out, r.model);
  std::printf("held out: Acc-P %.4f -> %.4f, Status-Acc %.4f -> %.4f\n", before.acc_p,
              after.acc_p, before.status_acc, after.status_acc);
  EXPECT_GT(after.acc_p, before.acc_p + 0.005);
  EXPECT_GT(after.status_acc, before.status_acc + 0.02);
  // Output only: what the tracker believes and says is the same.
  EXPECT_DOUBLE_EQ(after.step_acc, before.step_acc);
  EXPECT_DOUBLE_EQ(after.sts, before.sts);
  EXPECT_DOUBLE_EQ(after.msg_precision, before.msg_precision);
}

TEST(DecisionLearning, TheBuiltInWeightsBeatTheHandBuiltOnTheValidationSplit) {
  // Learned on the training split: the validation recordings are new to them.
  for (const double runs : {3.0, 1.0}) {
    SCOPED_TRACE(runs);
    const Metrics before = tracker_with(val_cases(), DecisionModel::hand_built(), runs);
    const Metrics after = tracker_with(val_cases(), DecisionModel::learned(), runs);
    std::printf("error runs %.0f s, validation: Acc-P %.4f -> %.4f, Status-Acc %.4f -> %.4f\n",
                runs, before.acc_p, after.acc_p, before.status_acc, after.status_acc);
    EXPECT_GT(after.acc_p, before.acc_p + 0.01);
    EXPECT_GT(after.status_acc, before.status_acc + 0.03);
  }
}

TEST(DecisionLearningCli, LearnDecisionModelWritesWeightsThatEvalTakes) {
  const fs::path dir = tmp_dir("cli");
  const std::string bin = std::string("'") + P2A_BINARY + "'";
  const std::string data = "'" + kCaptainCook.string() + "'";
  const fs::path weights = dir / "w.json";
  const auto learn = run_shell(bin + " learn-decision-model --dataset " + data +
                               " --split train --limit 3 --jobs 2 --leave-one-out --out '" +
                               weights.string() + "' 2>&1");
  ASSERT_EQ(learn.code, 0) << learn.out;
  EXPECT_NE(learn.out.find("15 runs"), std::string::npos) << learn.out;
  EXPECT_NE(learn.out.find("learn-decision-model: 15/15 runs (100%)"), std::string::npos)
      << learn.out;
  EXPECT_NE(learn.out.find("answer_help"), std::string::npos) << learn.out;
  EXPECT_TRUE(load_decision_model(weights).has_status());
  EXPECT_NE(learn.out.find("status right: estimate"), std::string::npos) << learn.out;

  const std::string eval = bin + " eval --dataset captaincook4d:" + data +
                           " --split val --reasoners tracker --accuracy 0.5 --jobs 2 ";
  const auto ok = run_shell(eval + "--decision-model '" + weights.string() + "' 2>&1");
  ASSERT_EQ(ok.code, 0) << ok.out;
  EXPECT_NE(ok.out.find("tracker     0.50"), std::string::npos) << ok.out;

  std::ofstream(dir / "bad.json")
      << "{\"features\": [\"bias\"], \"trigger\": [1], \"status\": {}}";
  const auto bad = run_shell(eval + "--decision-model '" + (dir / "bad.json").string() + "' 2>&1");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.out.find("learn-decision-model again"), std::string::npos) << bad.out;

  const auto no_data = run_shell(bin + " learn-decision-model --dataset '" + (dir / "none").string() +
                                 "' --out '" + (dir / "x.json").string() + "' 2>&1");
  EXPECT_NE(no_data.code, 0);
  EXPECT_NE(no_data.out.find("does not exist"), std::string::npos) << no_data.out;
}

}  // namespace
}  // namespace p2a
