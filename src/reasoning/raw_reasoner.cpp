// Baselines without smoothing: every answer is taken as the state and delivered whenever it
// triggers. "periodic" is the same policy with a model call every 0.5 s regardless of motion.
#include <algorithm>

#include "model_call.hpp"
#include "reasoners.hpp"

namespace p2a {
namespace {

class RawReasoner final : public Reasoner {
 public:
  explicit RawReasoner(bool periodic) : periodic_(periodic) {}
  std::string name() const override { return periodic_ ? "periodic" : "raw"; }

  void adjust_perception(PerceptionConfig& cfg) const override {
    if (!periodic_) return;
    cfg.slow_interval_s = 0.5;
    cfg.burst_interval_s = 0.5;
    cfg.tau_f_px = 0;  // every pair is a key moment
  }

  std::optional<Decision> on_pair(const SampledPair& p, ReasonerContext& ctx) override {
    if (!p.key) return std::nullopt;
    Decision d;
    d.t_s = p.t_s;
    ModelCall call = ask_model(p, ctx, completed_, step_);
    d.vlm = call.called;
    if (call.answer) {
      const ModelAnswer& a = *call.answer;
      if (step_ && *step_ != a.step &&
          std::find(completed_.begin(), completed_.end(), *step_) == completed_.end())
        completed_.push_back(*step_);
      step_ = a.step;
      status_ = a.status;
      d.trigger = a.trigger;
      if (a.trigger) {
        d.deliver = true;
        d.kind = kind_for_status(a.status);
        d.message = message_text(a, *ctx.guideline);
        d.about = a.step;
      }
    }
    d.step = step_;
    d.status = status_;
    d.completed = completed_;
    return d;
  }

 private:
  bool periodic_;
  std::optional<StepId> step_;
  std::optional<Status> status_;
  std::vector<StepId> completed_;
};

}  // namespace

std::unique_ptr<Reasoner> make_raw_reasoner(bool periodic) {
  return std::make_unique<RawReasoner>(periodic);
}

}  // namespace p2a
