// A stand-in for a vision-language model: answers from ground truth with errors that come
// in runs, like a real model that misreads a scene for a few seconds. The noise is a
// function of the query time only, so two reasoners that ask at the same moments face the
// same model, whatever else they do.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "eval/rng.hpp"
#include "pro2assist/metrics.hpp"
#include "pro2assist/sim.hpp"

namespace p2a {
namespace {

using sim::Rng;

// What is true at a moment: the step to report, its status, and every step that counts as
// right (both neighbours in a transition).
struct TruthAt {
  std::size_t segment = 0;  // containing segment, else the upcoming one, else the last
  StepId step;
  Status status = Status::Transition;
  std::vector<StepId> right;
};

struct Run {
  double start_s = 0;
  double end_s = 0;
  bool wrong = false;
  std::vector<StepId> wrong_choices;  // first one that is not right at query time wins
};

std::uint64_t truth_hash(const Annotations& truth) {
  std::uint64_t h = sim::hash_string("truth");
  for (const auto& seg : truth.steps) {
    h = sim::mix(h, sim::hash_string(seg.step));
    h = sim::mix(h, sim::time_key(seg.start_s));
    h = sim::mix(h, sim::time_key(seg.end_s));
  }
  return h;
}

class SimulatedModel : public ModelClient {
 public:
  SimulatedModel(const Guideline& g, const Annotations& truth, const SimModelOptions& opt)
      : g_(g),
        truth_(truth),
        opt_(opt),
        session_seed_(sim::mix(opt.seed, truth_hash(truth))),
        run_rng_(session_seed_, "runs") {
    // Empty segments have no status to be right about; the scorer drops them too.
    std::erase_if(truth_.steps, [](const GtSegment& s) { return !(s.end_s > s.start_s); });
    std::stable_sort(truth_.steps.begin(), truth_.steps.end(),
                     [](const GtSegment& a, const GtSegment& b) { return a.start_s < b.start_s; });
    opt_.accuracy = std::clamp(opt_.accuracy, 0.0, 1.0);
    opt_.mean_error_s = std::max(opt_.mean_error_s, 0.01);
    opt_.trigger_noise = std::clamp(opt_.trigger_noise, 0.0, 1.0);
    opt_.wrong_trigger = std::clamp(opt_.wrong_trigger, 0.0, 1.0);
    opt_.status_accuracy = std::clamp(opt_.status_accuracy, 0.0, 1.0);
    // The scorer's own periods: when the model is right, its trigger is what gets credit.
    periods_ = proactive_periods(truth_);
  }

  ModelResult ask(const ModelQuery& q) override {
    ModelResult result;
    result.latency_s = opt_.latency_s;
    if (truth_.steps.empty() || g_.size() == 0) {
      result.error = "simulated model has no ground truth to answer from";
      return result;
    }
    const double t_s = q.t_s;
    const TruthAt truth = truth_at(t_s);
    const Run run = run_at(t_s);
    Rng rng(sim::mix(session_seed_, sim::time_key(t_s)), "query");

    ModelAnswer a;
    if (!run.wrong) {
      a.step = truth.step;
      a.status = rng.chance(opt_.status_accuracy) ? truth.status : other_status(truth.status, rng);
      a.trigger = in_proactive_period(t_s);
      if (opt_.trigger_noise > 0 && rng.chance(opt_.trigger_noise)) a.trigger = !a.trigger;
    } else {
      a.step = run.wrong_choices.front();
      for (const auto& candidate : run.wrong_choices) {
        if (std::find(truth.right.begin(), truth.right.end(), candidate) == truth.right.end()) {
          a.step = candidate;
          break;
        }
      }
      a.status = static_cast<Status>(rng.index(4));
      a.trigger = rng.chance(opt_.wrong_trigger);
    }
    if (a.trigger) a.response = response_for(a.step, a.status);
    result.answer = std::move(a);
    return result;
  }

  std::string name() const override {
    std::ostringstream out;
    out << "sim(accuracy=" << std::fixed << std::setprecision(2) << opt_.accuracy
        << ", seed=" << opt_.seed << ")";
    return out.str();
  }

 private:
  static Status other_status(Status s, Rng& rng) {
    const auto k = static_cast<std::size_t>(s);
    return static_cast<Status>((k + 1 + rng.index(3)) % 4);
  }

  TruthAt truth_at(double t_s) const {
    TruthAt out;
    const auto& segs = truth_.steps;
    // Last segment that has started by t.
    std::size_t started = 0;
    while (started < segs.size() && segs[started].start_s <= t_s) ++started;
    if (started == 0) {
      out.segment = 0;
      out.step = segs[0].step;
      out.right = {out.step};
      return out;
    }
    std::size_t i = started - 1;
    // With overlapping segments the last one to start may be over while an earlier one
    // still runs: that one is what the person is doing.
    if (t_s >= segs[i].end_s) {
      for (std::size_t j = i; j-- > 0;)
        if (segs[j].end_s > t_s) {
          i = j;
          break;
        }
    }
    const GtSegment& seg = segs[i];
    if (t_s < seg.end_s) {
      out.segment = i;
      out.step = seg.step;
      out.right = {seg.step};
      const double w = status_window_s(seg.start_s, seg.end_s);
      if (t_s < seg.start_s + w)
        out.status = Status::JustStart;
      else if (t_s >= seg.end_s - w)
        out.status = Status::AboutToFinish;
      else
        out.status = Status::InProgress;
      return out;
    }
    if (i + 1 < segs.size()) {
      out.segment = i + 1;
      out.step = segs[i + 1].step;
      out.right = {seg.step, segs[i + 1].step};
    } else {
      out.segment = i;
      out.step = seg.step;
      out.right = {seg.step};
    }
    return out;
  }

  bool in_proactive_period(double t_s) const {
    return std::any_of(periods_.begin(), periods_.end(),
                       [&](const Period& p) { return p.start_s <= t_s && t_s <= p.end_s; });
  }

  // Runs are generated in time order from their own stream, so the run covering t never
  // depends on which times were asked before.
  Run run_at(double t_s) {
    // Past the end of the truth every answer is the same; don't generate runs for ever.
    const double horizon_s = truth_.steps.back().end_s + 3600.0;
    const double t = std::clamp(t_s, 0.0, horizon_s);
    std::lock_guard<std::mutex> lock(mutex_);
    while (runs_.empty() || runs_.back().end_s <= t) extend_runs();
    const auto it = std::upper_bound(runs_.begin(), runs_.end(), t,
                                     [](double x, const Run& r) { return x < r.end_s; });
    return *it;
  }

  void extend_runs() {
    const double a = opt_.accuracy;
    Run run;
    if (runs_.empty()) {
      run.start_s = 0;
      run.wrong = !run_rng_.chance(a);  // start in the long-run mix
    } else {
      run.start_s = runs_.back().end_s;
      const bool was_wrong = runs_.back().wrong;
      run.wrong = a <= 0 ? true : a >= 1 ? false : !was_wrong;
    }
    const double mean_s = run.wrong || a >= 1 ? opt_.mean_error_s
                                              : opt_.mean_error_s * a / (1 - a);
    run.end_s = run.start_s + std::max(run_rng_.exponential(mean_s), 1e-3);
    if (run.wrong) run.wrong_choices = wrong_choices_for(run.start_s, runs_.size());
    runs_.push_back(std::move(run));
  }

  // The step a wrong run reports, chosen once for the run: mostly a confusion with the
  // steps around the true one, sometimes anything (always anything without errors_nearby).
  // Later entries are fallbacks for when the first becomes right as the truth moves on
  // during the run.
  std::vector<StepId> wrong_choices_for(double start_s, std::size_t run_index) const {
    Rng rng(sim::mix(session_seed_, run_index), "wrong-run");
    const TruthAt truth = truth_at(start_s);
    const auto& segs = truth_.steps;
    const std::size_t i = truth.segment;
    const bool has_prev = i > 0, has_next = i + 1 < segs.size();

    std::vector<StepId> choices;
    double u = rng.uniform();
    if (!opt_.errors_nearby) u = 1.0;  // anything
    if (u < 0.4 && (has_prev || has_next)) {
      const bool prev = has_prev && (!has_next || rng.chance(0.5));
      choices.push_back(prev ? segs[i - 1].step : segs[i + 1].step);
    } else if (u >= 0.4 && u < 0.7 && has_prev) {
      choices.push_back(segs[i - 1].step);
    }
    // Any other guideline step, in a run-specific random order.
    std::vector<std::size_t> perm(g_.size());
    for (std::size_t k = 0; k < perm.size(); ++k) perm[k] = k;
    for (std::size_t k = perm.size(); k > 1; --k) std::swap(perm[k - 1], perm[rng.index(k)]);
    for (std::size_t k : perm)
      if (g_.at(k).id != truth.step) choices.push_back(g_.at(k).id);
    if (choices.empty()) choices.push_back(truth.step);  // a one-step guideline cannot be wrong
    return choices;
  }

  static std::string sentence(std::string text) {
    while (!text.empty() && (text.back() == '.' || text.back() == ' ')) text.pop_back();
    return text + ".";
  }

  std::string response_for(const StepId& step, Status status) const {
    const auto idx = g_.index_of(step);
    if (status == Status::JustStart || status == Status::InProgress) {
      if (!idx) return "Now: " + sentence(step);
      const Step& s = g_.at(*idx);
      std::string out = "Now: " + sentence(s.text);
      if (!s.details.empty()) out += " " + sentence(s.details);
      return out;
    }
    if (!idx) return "Next: continue with the next step.";
    // The successor that comes first in the guideline's usual order.
    const auto& topo = g_.topo_order();
    std::optional<std::size_t> next;
    std::size_t best_rank = topo.size();
    for (std::size_t s : g_.successors(*idx)) {
      const auto rank = static_cast<std::size_t>(std::find(topo.begin(), topo.end(), s) - topo.begin());
      if (!next || rank < best_rank) {
        next = s;
        best_rank = rank;
      }
    }
    if (!next) return "Next: nothing left, the task is done.";
    return "Next: " + sentence(g_.at(*next).text);
  }

  Guideline g_;
  Annotations truth_;
  SimModelOptions opt_;
  std::uint64_t session_seed_;
  std::vector<Period> periods_;
  std::mutex mutex_;
  Rng run_rng_;
  std::vector<Run> runs_;
};

}  // namespace

std::unique_ptr<ModelClient> make_simulated_model(const Guideline& g, const Annotations& truth,
                                                  const SimModelOptions& opt) {
  // Shares are in [0, 1] and the error run a positive time; NaN passes no comparison, so each
  // is checked for being inside rather than outside.
  const auto share = [](double v, const char* what) {
    if (!(v >= 0.0 && v <= 1.0))
      throw Error(std::string("simulated model: ") + what + " must be in [0, 1], not " +
                  std::to_string(v));
  };
  share(opt.accuracy, "accuracy");
  share(opt.trigger_noise, "trigger noise");
  share(opt.status_accuracy, "status accuracy");
  share(opt.wrong_trigger, "wrong-answer trigger share");
  if (!(opt.mean_error_s > 0.0 && std::isfinite(opt.mean_error_s)))
    throw Error("simulated model: the mean error run must be a positive number of seconds, not " +
                std::to_string(opt.mean_error_s));
  return std::make_unique<SimulatedModel>(g, truth, opt);
}

}  // namespace p2a
