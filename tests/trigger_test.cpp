// The tracker's learned trigger: the logistic fit finds a known boundary, weights files are
// checked against this build's features, and learned on some CaptainCook4D training recordings
// the trigger agrees with SPEC §5's proactive periods on held-out recordings better than the
// hand-built rule alone; so do the built-in weights (learned on the training split) on the
// validation split. Also `pro2assist learn-trigger` and `--trigger-weights` end to end.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "pro2assist/evaluation.hpp"
#include "pro2assist/trigger_learning.hpp"
#include "reasoning/trigger_model.hpp"
#include "support/shell.hpp"

namespace p2a {
namespace {

namespace fs = std::filesystem;
const fs::path kCaptainCook = fs::path(P2A_SHARED_DIR) / "datasets" / "captaincook4d";

fs::path tmp_dir(const std::string& name) {
  const fs::path dir = fs::path(P2A_TEST_TMP) / "trigger" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// The hand-built rule alone, as weights: on exactly when its feature is.
std::vector<double> rule_weights() {
  std::vector<double> w(trigger_feature_names().size(), 0.0);
  w[0] = -0.5;
  w[4] = 1.0;
  return w;
}

TEST(LogisticFit, RecoversKnownWeights) {
  // Labels drawn with P(y) = 1 / (1 + exp(-(-1.2 + 8u - 4v))): the fit finds these weights.
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  const std::vector<double> truth = {-1.2, 8.0, -4.0};
  TriggerSamples s;
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
  TriggerSamples s;
  EXPECT_THROW(fit_logistic(s), Error);
  s.add({1.0, 0.5}, true);
  EXPECT_THROW(s.add({1.0, 0.5, 0.2}, false), Error);
}

TEST(TriggerWeights, AFileIsCheckedAgainstThisBuildsFeatures) {
  const fs::path dir = tmp_dir("weights");
  TriggerLearnResult r;
  r.features = trigger_feature_names();
  r.weights = rule_weights();
  {
    std::ofstream(dir / "good.json") << trigger_weights_to_json(r).dump();
  }
  EXPECT_EQ(load_trigger_weights(dir / "good.json"), rule_weights());

  auto j = trigger_weights_to_json(r);
  j["features"][3] = "something_else";
  std::ofstream(dir / "renamed.json") << j.dump();
  j = trigger_weights_to_json(r);
  j["weights"].erase(j["weights"].size() - 1);
  std::ofstream(dir / "short.json") << j.dump();
  std::ofstream(dir / "broken.json") << "{\"features\": [";
  for (const char* f : {"renamed.json", "short.json", "broken.json", "missing.json"}) {
    SCOPED_TRACE(f);
    EXPECT_THROW(load_trigger_weights(dir / f), Error);
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

// Acc-P of the tracker with these trigger weights, at accuracy 0.5 with the given error runs.
double acc_p(const std::vector<EvalCase>& cases, const std::vector<double>& weights,
             double error_run_s = 3.0) {
  EvalOptions opt;
  opt.reasoners = {"tracker"};
  opt.accuracies = {0.5};
  opt.error_run_s = error_run_s;
  opt.seed = 5;
  opt.jobs = 2;
  opt.reasoner.trigger_weights = weights;
  const auto r = run_evaluation(cases, opt);
  EXPECT_EQ(r.summary.at(0).failed, 0);
  return r.summary.at(0).metrics.acc_p;
}

TEST(TriggerLearning, LearnedOnSomeRecordingsItBeatsTheRuleOnOthers) {
  std::vector<EvalCase> learn, held_out;
  for (std::size_t i = 0; i < train_cases().size(); ++i)
    (i % 8 == 0 ? learn : held_out).push_back(train_cases()[i]);
  held_out.resize(60);
  TriggerLearnOptions opt;
  opt.jobs = 2;
  const TriggerLearnResult r = learn_trigger(learn, opt);
  std::printf("learned on %zu recordings x %zu conditions: %zu points, %.1f%% in periods, rule "
              "%.4f, learned %.4f\n",
              learn.size(), opt.conditions.size(), r.points, 100 * r.in_period_share,
              r.rule_accuracy, r.learned_accuracy);
  EXPECT_EQ(r.runs, learn.size() * opt.conditions.size());
  EXPECT_EQ(r.weights.size(), trigger_feature_names().size());
  EXPECT_GT(r.in_period_share, 0.2);
  EXPECT_LT(r.in_period_share, 0.5);
  EXPECT_GT(r.learned_accuracy, r.rule_accuracy + 0.01);

  const double rule = acc_p(held_out, rule_weights());
  const double learned = acc_p(held_out, r.weights);
  std::printf("held-out Acc-P: rule %.4f, learned %.4f\n", rule, learned);
  EXPECT_GT(learned, rule + 0.005);
}

TEST(TriggerLearning, TheBuiltInWeightsBeatTheRuleOnTheValidationSplit) {
  // Learned on the training split: the validation recordings are new to them.
  for (const double runs : {3.0, 1.0}) {
    SCOPED_TRACE(runs);
    const double rule = acc_p(val_cases(), rule_weights(), runs);
    const double built_in = acc_p(val_cases(), TriggerModel::learned().weights, runs);
    std::printf("error runs %.0f s, validation Acc-P: rule %.4f, built-in %.4f\n", runs, rule,
                built_in);
    EXPECT_GT(built_in, rule + 0.01);
  }
}

TEST(TriggerLearningCli, LearnTriggerWritesWeightsThatEvalTakes) {
  const fs::path dir = tmp_dir("cli");
  const std::string bin = std::string("'") + P2A_BINARY + "'";
  const std::string data = "'" + kCaptainCook.string() + "'";
  const fs::path weights = dir / "w.json";
  const auto learn = run_shell(bin + " learn-trigger --dataset " + data +
                               " --split train --limit 3 --jobs 2 --out '" + weights.string() +
                               "' 2>&1");
  ASSERT_EQ(learn.code, 0) << learn.out;
  EXPECT_NE(learn.out.find("15 runs"), std::string::npos) << learn.out;
  EXPECT_NE(learn.out.find("answer_help"), std::string::npos) << learn.out;
  EXPECT_EQ(load_trigger_weights(weights).size(), trigger_feature_names().size());

  const std::string eval = bin + " eval --dataset captaincook4d:" + data +
                           " --split val --reasoners tracker --accuracy 0.5 --jobs 2 ";
  const auto ok = run_shell(eval + "--trigger-weights '" + weights.string() + "' 2>&1");
  ASSERT_EQ(ok.code, 0) << ok.out;
  EXPECT_NE(ok.out.find("tracker     0.50"), std::string::npos) << ok.out;

  std::ofstream(dir / "bad.json") << "{\"features\": [\"bias\"], \"weights\": [1]}";
  const auto bad = run_shell(eval + "--trigger-weights '" + (dir / "bad.json").string() + "' 2>&1");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.out.find("learn-trigger again"), std::string::npos) << bad.out;

  const auto no_data = run_shell(bin + " learn-trigger --dataset '" + (dir / "none").string() +
                                 "' --out '" + (dir / "x.json").string() + "' 2>&1");
  EXPECT_NE(no_data.code, 0);
  EXPECT_NE(no_data.out.find("does not exist"), std::string::npos) << no_data.out;
}

}  // namespace
}  // namespace p2a
