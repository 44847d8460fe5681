// The seed system's step-aware consistency checking (Pro²Assist §3): the model is asked
// at every key moment; a sliding window of the last W answered steps decides the active
// step, and a triggered message is suppressed when (step, status) repeats.
#include <algorithm>
#include <deque>

#include "model_call.hpp"
#include "reasoners.hpp"

namespace p2a {
namespace {

class SeedReasoner final : public Reasoner {
 public:
  explicit SeedReasoner(const ReasonerOptions& opt) : opt_(opt) {}
  std::string name() const override { return "seed"; }

  std::optional<Decision> on_pair(const SampledPair& p, ReasonerContext& ctx) override {
    if (!p.key) return std::nullopt;
    Decision d;
    d.t_s = p.t_s;
    ModelCall call = ask_model(p, ctx, completed_, active_);
    d.vlm = call.called;
    if (call.answer) {
      const ModelAnswer& a = *call.answer;
      update_window(a.step);
      // The model's answer at this moment, filtered only for repetition.
      d.status = a.status;
      d.trigger = a.trigger;
      const bool repeated = last_ && last_->first == a.step && last_->second == a.status;
      if (a.trigger && !repeated) {
        d.deliver = true;
        d.kind = kind_for_status(a.status);
        d.message = message_text(a, *ctx.guideline);
        // The seed presents its message for the step its window holds active, the
        // decision's `step`: one answer naming another step does not move it.
        d.about = active_;
      }
      last_ = std::make_pair(a.step, a.status);
      last_status_ = a.status;
    } else {
      // No answer: the state holds, nothing new is asked of the user.
      d.status = active_ ? last_status_ : std::nullopt;
    }
    d.step = active_;
    d.completed = completed_;
    return d;
  }

 private:
  void update_window(const StepId& step) {
    window_.push_back(step);
    while (static_cast<int>(window_.size()) > opt_.seed_window) window_.pop_front();
    if (active_ && *active_ == step) return;
    const auto votes = std::count(window_.begin(), window_.end(), step);
    // Share of the answers in the window (fewer than W at the start of a session).
    const double share = static_cast<double>(votes) / static_cast<double>(window_.size());
    if (share + 1e-12 < opt_.seed_tau_c) return;
    if (active_ && std::find(completed_.begin(), completed_.end(), *active_) == completed_.end())
      completed_.push_back(*active_);
    active_ = step;
  }

  ReasonerOptions opt_;
  std::deque<StepId> window_;
  std::optional<StepId> active_;
  std::vector<StepId> completed_;
  std::optional<std::pair<StepId, Status>> last_;
  std::optional<Status> last_status_;
};

}  // namespace

std::unique_ptr<Reasoner> make_seed_reasoner(const ReasonerOptions& opt) {
  return std::make_unique<SeedReasoner>(opt);
}

}  // namespace p2a
