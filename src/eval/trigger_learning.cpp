#include "pro2assist/trigger_learning.hpp"

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "eval/rng.hpp"
#include "pro2assist/engine.hpp"
#include "pro2assist/metrics.hpp"
#include "pro2assist/sim.hpp"
#include "reasoning/reasoners.hpp"
#include "reasoning/trigger_model.hpp"

namespace p2a {
namespace {

struct Moment {
  double t_s;
  std::vector<double> x;
};

// One run's samples: on SPEC §5's 1-second grid from the first step's start to the last
// step's end, the latest moment's features and whether the point lies in a proactive period.
TriggerSamples label(const Annotations& truth, const std::vector<Moment>& moments) {
  TriggerSamples out;
  if (truth.steps.empty() || moments.empty()) return out;
  const auto periods = proactive_periods(truth);
  const double first = truth.steps.front().start_s;
  double last = first;
  for (const auto& s : truth.steps) last = std::max(last, s.end_s);
  std::size_t j = 0;
  const Moment* held = nullptr;
  for (int i = 0;; ++i) {
    const double t = first + i;
    if (t > last + 1e-6) break;
    while (j < moments.size() && moments[j].t_s <= t + 1e-6) held = &moments[j++];
    if (!held) continue;  // the tracker had no step yet: no trigger to learn
    bool in = false;
    for (const auto& p : periods) in = in || (p.start_s <= t && t <= p.end_s);
    out.add(held->x, in);
  }
  return out;
}

}  // namespace

TriggerLearnResult learn_trigger(const std::vector<EvalCase>& cases, const TriggerLearnOptions& opt) {
  if (cases.empty()) throw Error("learn-trigger: no recordings to learn from");
  if (opt.conditions.empty()) throw Error("learn-trigger: no model conditions");
  const std::size_t total = cases.size() * opt.conditions.size();
  std::vector<TriggerSamples> per_run(total);
  std::vector<std::string> errors(total);
  std::atomic<std::size_t> next{0}, done{0};
  auto work = [&] {
    for (std::size_t k; (k = next++) < total;) {
      const EvalCase& c = cases[k % cases.size()];
      const auto& cond = opt.conditions[k / cases.size()];
      try {
        if (!c.guideline) throw Error("case " + c.id + ": no guideline");
        std::vector<Moment> moments;
        TrackerOptions to;
        to.on_trigger_features = [&](double t, const std::vector<double>& x) {
          moments.push_back({t, x});
        };
        std::unique_ptr<ModelClient> model;
        if (cond.no_model) {
          model = make_no_model();
        } else {
          SimModelOptions mo;
          mo.accuracy = opt.accuracy;
          mo.mean_error_s = cond.error_run_s;
          mo.trigger_noise = cond.trigger_noise;
          mo.seed = opt.seed ^ sim::hash_string(c.id);
          model = make_simulated_model(*c.guideline, c.truth, mo);
        }
        replay_session(c.session, *c.guideline, make_tracker_reasoner(to), *model, nullptr);
        per_run[k] = label(c.truth, moments);
      } catch (const std::exception& e) {
        errors[k] = c.id + " (" + cond.name + "): " + e.what();
      }
      const std::size_t d = ++done;
      if (opt.progress) opt.progress(d, total);
    }
  };
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t jobs = std::min<std::size_t>(total, opt.jobs > 0 ? opt.jobs : hw);
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < jobs; ++i) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  for (const auto& e : errors)
    if (!e.empty()) throw Error("learn-trigger: " + e);

  // Pooled in a fixed order: the same weights whatever the number of jobs.
  TriggerSamples all;
  std::size_t in = 0;
  for (const auto& s : per_run) {
    if (s.size() == 0) continue;
    if (all.dim == 0) all.dim = s.dim;
    if (s.dim != all.dim) throw Error("learn-trigger: runs disagree on the feature count");
    all.x.insert(all.x.end(), s.x.begin(), s.x.end());
    all.y.insert(all.y.end(), s.y.begin(), s.y.end());
    for (auto v : s.y) in += v;
  }
  if (all.size() == 0) throw Error("learn-trigger: the tracker never reported a step");
  if (all.dim != trigger_feature_names().size())
    throw Error("learn-trigger: " + std::to_string(all.dim) + " features computed, " +
                std::to_string(trigger_feature_names().size()) + " named");

  TriggerLearnResult r;
  r.features = trigger_feature_names();
  r.weights = fit_logistic(all, opt.l2);
  r.points = all.size();
  r.runs = total;
  r.in_period_share = static_cast<double>(in) / static_cast<double>(all.size());
  std::vector<double> rule(all.dim, 0.0);  // the rule alone: on when its feature is
  rule[0] = -0.5;
  rule[4] = 1.0;
  r.rule_accuracy = logistic_accuracy(all, rule);
  r.learned_accuracy = logistic_accuracy(all, r.weights);
  return r;
}

nlohmann::json trigger_weights_to_json(const TriggerLearnResult& r) {
  nlohmann::json w = nlohmann::json::object();
  for (std::size_t i = 0; i < r.features.size() && i < r.weights.size(); ++i)
    w[r.features[i]] = r.weights[i];
  return {{"features", r.features},        {"weights", r.weights},
          {"points", r.points},            {"runs", r.runs},
          {"in_period_share", r.in_period_share},
          {"rule_accuracy", r.rule_accuracy}, {"learned_accuracy", r.learned_accuracy}};
}

std::vector<double> load_trigger_weights(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error("cannot read trigger weights " + file.string());
  nlohmann::json j;
  try {
    in >> j;
  } catch (const std::exception& e) {
    throw Error("trigger weights " + file.string() + ": not JSON (" + e.what() + ")");
  }
  if (!j.contains("features") || !j.contains("weights"))
    throw Error("trigger weights " + file.string() + ": needs \"features\" and \"weights\"");
  const auto names = j.at("features").get<std::vector<std::string>>();
  const auto w = j.at("weights").get<std::vector<double>>();
  if (names != trigger_feature_names() || w.size() != names.size())
    throw Error("trigger weights " + file.string() +
                ": their features are not this build's (run pro2assist learn-trigger again)");
  return w;
}

}  // namespace p2a
