#include "pro2assist/decision_learning.hpp"

#include "eval/eval_shared.hpp"
#include "pro2assist/engine.hpp"
#include "pro2assist/metrics.hpp"
#include "reasoning/reasoners.hpp"

namespace p2a {
namespace {

struct Moment {
  double t_s;
  std::vector<double> x;
};

// One run's rows: on SPEC §5's 1-second grid from the first step's start to the last step's
// end, the latest moment's features; labels: in a proactive period, and each status right.
struct RunSamples {
  ModelSamples trigger;
  std::array<ModelSamples, 4> status;
};

RunSamples label(const Annotations& truth, const std::vector<Moment>& moments) {
  RunSamples out;
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
    if (!held) continue;  // the tracker had no step yet: nothing to learn
    bool in = false;
    for (const auto& p : periods) in = in || (p.start_s <= t && t <= p.end_s);
    out.trigger.add(held->x, in);
    const auto right = right_statuses(truth, t);
    for (std::size_t k = 0; k < right.size(); ++k) out.status[k].add(held->x, right[k]);
  }
  return out;
}

void append(ModelSamples& all, const ModelSamples& s) {
  if (s.size() == 0) return;
  if (all.dim == 0) all.dim = s.dim;
  if (s.dim != all.dim) throw Error("learn-decision-model: runs disagree on the feature count");
  all.x.insert(all.x.end(), s.x.begin(), s.x.end());
  all.y.insert(all.y.end(), s.y.begin(), s.y.end());
}

}  // namespace

DecisionLearnResult learn_decision_model(const std::vector<EvalCase>& cases,
                                         const DecisionLearnOptions& opt) {
  if (cases.empty()) throw Error("learn-decision-model: no recordings to learn from");
  if (opt.conditions.empty()) throw Error("learn-decision-model: no model conditions");
  const std::size_t total = cases.size() * opt.conditions.size();
  std::vector<RunSamples> per_run(total);
  std::vector<std::string> errors(total);
  run_parallel(
      total, opt.jobs,
      [&](std::size_t k) {
        const EvalCase& c = cases[k % cases.size()];
        const auto& cond = opt.conditions[k / cases.size()];
        try {
          if (!c.guideline) throw Error("case " + c.id + ": no guideline");
          EvalOptions model_opt;  // the model eval would give this case under the condition
          model_opt.no_model = cond.no_model;
          model_opt.error_run_s = cond.error_run_s;
          model_opt.trigger_noise = cond.trigger_noise;
          model_opt.seed = opt.seed;
          const auto model = eval_model(c, opt.accuracy, model_opt);
          std::vector<Moment> moments;
          TrackerOptions to;
          to.on_decision_features = [&](double t, const std::vector<double>& x) {
            moments.push_back({t, x});
          };
          replay_session(c.session, *c.guideline, make_tracker_reasoner(to), *model, nullptr);
          per_run[k] = label(c.truth, moments);
        } catch (const std::exception& e) {
          errors[k] = c.id + " (" + cond.name + "): " + e.what();
        }
      },
      opt.progress);
  for (const auto& e : errors)
    if (!e.empty()) throw Error("learn-decision-model: " + e);

  // Pooled in a fixed order: the same weights whatever the number of jobs.
  RunSamples all;
  for (const auto& r : per_run) {
    append(all.trigger, r.trigger);
    for (std::size_t k = 0; k < all.status.size(); ++k) append(all.status[k], r.status[k]);
  }
  const ModelSamples& tr = all.trigger;
  if (tr.size() == 0) throw Error("learn-decision-model: the tracker never reported a step");
  if (tr.dim != decision_feature_names().size())
    throw Error("learn-decision-model: " + std::to_string(tr.dim) + " features computed, " +
                std::to_string(decision_feature_names().size()) + " named");

  DecisionLearnResult r;
  r.model.trigger = fit_logistic(tr, opt.l2);
  for (std::size_t k = 0; k < all.status.size(); ++k)
    r.model.status[k] = fit_logistic(all.status[k], opt.l2);
  r.points = tr.size();
  r.runs = total;
  const DecisionModel hand = DecisionModel::hand_built();
  std::size_t in = 0, estimate_right = 0, learned_right = 0;
  for (std::size_t i = 0; i < tr.size(); ++i) {
    in += tr.y[i];
    const float* row = &tr.x[i * tr.dim];
    const std::vector<double> x(row, row + tr.dim);
    estimate_right += all.status[static_cast<std::size_t>(hand.status_of(x))].y[i];
    learned_right += all.status[static_cast<std::size_t>(r.model.status_of(x))].y[i];
  }
  const double n = static_cast<double>(tr.size());
  r.in_period_share = static_cast<double>(in) / n;
  r.rule_trigger_accuracy = logistic_accuracy(tr, hand.trigger);
  r.learned_trigger_accuracy = logistic_accuracy(tr, r.model.trigger);
  r.estimate_status_accuracy = static_cast<double>(estimate_right) / n;
  r.learned_status_accuracy = static_cast<double>(learned_right) / n;
  return r;
}

nlohmann::json decision_learning_to_json(const DecisionLearnResult& r) {
  nlohmann::json j = decision_model_to_json(r.model);
  j["fit"] = {{"points", r.points},
              {"runs", r.runs},
              {"in_period_share", r.in_period_share},
              {"rule_trigger_accuracy", r.rule_trigger_accuracy},
              {"learned_trigger_accuracy", r.learned_trigger_accuracy},
              {"estimate_status_accuracy", r.estimate_status_accuracy},
              {"learned_status_accuracy", r.learned_status_accuracy}};
  return j;
}

}  // namespace p2a
