// Baseline after ANGEL's Global Step Predictor: every answered model call is one update of a
// smoothed confidence per step; a per-step hysteresis detector switches on after N high
// updates and off after M low ones, and a tracker walks the recipe order forward only —
// one step when the next detector is on, two when the one in between showed weak evidence.
#include <algorithm>
#include <cstddef>
#include <vector>

#include "model_call.hpp"
#include "reasoners.hpp"

namespace p2a {
namespace {

// Leaves room for rounding at exact thresholds (0.6 x 0.625 need not give exactly 0.375).
constexpr double kEps = 1e-12;

struct StepDetector {
  double confidence = 0;
  double led_sum = 0;     // confidences at updates where this step led
  int led_updates = 0;
  int high_run = 0;       // consecutive high updates while off
  int low_run = 0;        // consecutive low updates while on
  bool on = false;

  double usual(const GspOptions& opt) const {
    return led_updates == 0 ? opt.usual_start : led_sum / led_updates;
  }
};

// "Do X" and "Use Y" read as "Do X. Use Y"; a step without details is just its text.
std::string instruction_text(const Step& s) {
  if (s.details.empty()) return s.text;
  if (s.text.empty()) return s.details;
  const char last = s.text.back();
  const bool closed = last == '.' || last == '!' || last == '?';
  return s.text + (closed ? " " : ". ") + s.details;
}

class GspReasoner final : public Reasoner {
 public:
  explicit GspReasoner(const GspOptions& opt) : opt_(opt) {}
  std::string name() const override { return "gsp"; }

  std::optional<Decision> on_pair(const SampledPair& p, ReasonerContext& ctx) override {
    if (!p.key) return std::nullopt;
    const Guideline& g = *ctx.guideline;
    if (detectors_.size() != g.size()) detectors_.assign(g.size(), StepDetector{});
    const auto& order = g.topo_order();

    Decision d;
    d.t_s = p.t_s;
    ModelCall call = ask_model(p, ctx, completed_, current_id(g));
    d.vlm = call.called;

    // An answer naming no step of this guideline carries no evidence: the state holds, as
    // it does when the call failed.
    std::optional<std::size_t> answered;
    if (call.answer) answered = g.index_of(call.answer->step);

    if (answered) {
      const ModelAnswer& a = *call.answer;
      update_detectors(*answered);
      const bool advanced = advance(g);
      if (advanced) just_start_left_ = opt_.just_start_updates;

      const bool about_current = pos_ >= 0 && order[pos_] == *answered;
      if (just_start_left_ > 0) {
        status_ = Status::JustStart;
        just_start_left_--;
      } else if (about_current) {
        status_ = a.status;
      } else if (pos_ >= 0) {
        status_ = Status::InProgress;
      }
      d.trigger = about_current && a.trigger;

      if (advanced) {
        const Step& s = g.at(order[pos_]);
        d.deliver = true;
        d.kind = Kind::Instruction;
        d.message = instruction_text(s);
        d.about = s.id;
      } else if (about_current && a.status == Status::AboutToFinish && !next_announced_ &&
                 pos_ + 1 < static_cast<int>(order.size())) {
        const Step& next = g.at(order[pos_ + 1]);
        next_announced_ = true;
        d.deliver = true;
        d.kind = Kind::NextStep;
        d.message = "Next: " + next.text;
        d.about = next.id;
      }
      // A message on the glasses is help the user needs now, whoever asked for it.
      d.trigger = d.trigger || d.deliver;
    }

    d.step = current_id(g);
    d.status = pos_ >= 0 ? status_ : std::nullopt;
    d.completed = completed_;
    return d;
  }

 private:
  std::optional<StepId> current_id(const Guideline& g) const {
    if (pos_ < 0) return std::nullopt;
    return g.at(g.topo_order()[pos_]).id;
  }

  // The answer is a one-hot observation. With alpha = 0.5 the answered step always leads
  // afterwards, so its usual level is the mean confidence it has when it is being named.
  void update_detectors(std::size_t answered) {
    for (std::size_t i = 0; i < detectors_.size(); ++i) {
      StepDetector& det = detectors_[i];
      det.confidence = (1 - opt_.alpha) * det.confidence + (i == answered ? opt_.alpha : 0.0);
    }
    std::size_t lead = 0;
    for (std::size_t i = 1; i < detectors_.size(); ++i)
      if (detectors_[i].confidence > detectors_[lead].confidence) lead = i;
    detectors_[lead].led_sum += detectors_[lead].confidence;
    detectors_[lead].led_updates++;

    for (StepDetector& det : detectors_) {
      const bool high = det.confidence + kEps >= opt_.high_fraction * det.usual(opt_);
      if (det.on) {
        det.low_run = high ? 0 : det.low_run + 1;
        if (det.low_run >= opt_.off_updates) {
          det.on = false;
          det.low_run = 0;
        }
      } else {
        det.high_run = high ? det.high_run + 1 : 0;
        if (det.high_run >= opt_.on_updates) {
          det.on = true;
          det.high_run = 0;
        }
      }
    }
  }

  // Moves forward at most once per update. A jump over one step needs that step to have
  // been seen at least weakly since the tracker reached its current step, so a detector
  // that fires far ahead cannot drag the tracker past a step with no evidence at all.
  bool advance(const Guideline& g) {
    const auto& order = g.topo_order();
    const int n = static_cast<int>(order.size());
    if (pos_ + 1 < n)
      skipped_max_ = std::max(skipped_max_, detectors_[order[pos_ + 1]].confidence);
    int to = -1;
    if (pos_ + 1 < n && detectors_[order[pos_ + 1]].on) {
      to = pos_ + 1;
    } else if (pos_ + 2 < n && detectors_[order[pos_ + 2]].on &&
               skipped_max_ + kEps >= opt_.weak_evidence) {
      to = pos_ + 2;
    }
    if (to < 0) return false;
    // Everything left behind counts as done, the jumped step included: it was seen.
    for (int k = std::max(pos_, 0); k < to; ++k) completed_.push_back(g.at(order[k]).id);
    pos_ = to;
    skipped_max_ = pos_ + 1 < n ? detectors_[order[pos_ + 1]].confidence : 0.0;
    next_announced_ = false;
    return true;
  }

  GspOptions opt_;
  std::vector<StepDetector> detectors_;  // by guideline index
  int pos_ = -1;                         // index into topo_order(); -1 before the first step
  double skipped_max_ = 0;               // max confidence of the step after pos_ since entering
  int just_start_left_ = 0;
  bool next_announced_ = false;
  std::optional<Status> status_;
  std::vector<StepId> completed_;
};

}  // namespace

std::unique_ptr<Reasoner> make_gsp_reasoner(const GspOptions& opt) {
  return std::make_unique<GspReasoner>(opt);
}

}  // namespace p2a
