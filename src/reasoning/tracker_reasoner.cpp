// The default reasoner: a probabilistic progress tracker (ProgressFilter) fed by durations,
// motion and gated model calls, with a proactive policy deciding trigger and delivery.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <deque>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "assist/message_budget.hpp"
#include "help_flag.hpp"
#include "looks.hpp"
#include "model_call.hpp"
#include "progress_filter.hpp"
#include "reasoners.hpp"

namespace p2a {
namespace {

struct PendingMessage {
  int priority = 0;  // higher first
  double queued_s = 0;
  Kind kind = Kind::Instruction;
  StepId step, about;
  std::string text;
  bool urgent = false;
  int needs_reported = -1;  // valid only while the tracker reports this step
  bool reminder = false;    // "next" once more, as the next step begins
  bool from_step = false;   // the decision speaks from `step`, not from the reported step
  bool seen_ending = false; // "next" on an "about to finish" reading (or, without a model,
                            // the tracker's own estimate)
};

class TrackerReasoner final : public Reasoner {
 public:
  explicit TrackerReasoner(const TrackerOptions& opt) : opt_(opt), budget_(opt.budget) {}
  std::string name() const override { return "tracker"; }

  std::optional<Decision> on_pair(const SampledPair& p, ReasonerContext& ctx) override {
    const Guideline& g = *ctx.guideline;
    if (!filter_) init(g);
    const double t = p.t_s;
    observe_motion(p);
    model_ = ctx.model && ctx.model->available() && !model_down_;

    filter_->predict(t, end_factor(p), start_factor(p));
    Decision d;
    d.t_s = t;

    answer_now_.reset();
    if (should_call(t, ctx)) {
      ModelCall call = ask_model(p, ctx, completed_ids(g), reported_id(g));
      d.vlm = call.called;
      last_call_s_ = t;
      // A model that fails is no model until it answers again: the tracker falls back to
      // durations and motion, exactly as without one.
      if (call.called) model_down_ = !call.answer;
      if (call.answer) {
        if (answers_++ == 0) first_answered_s_ = t;
        last_answered_s_ = t;
        take_answer(*call.answer, t, g);
      }
      model_ = !model_down_;
    }

    // The filter is settled for this moment: its marginals serve everything below.
    marginals_ = filter_->current_marginals();
    update_reported(t, g);
    update_named();
    note_midstep_flag(t);
    if (spdlog::should_log(spdlog::level::trace)) trace(t, g);
    fill_state(d, t, g, /*moment=*/true);
    plan_messages(d, t, g);
    deliver_one(d, t, p, g);
    return d;
  }

  std::optional<Decision> on_utterance(const Utterance& u, ReasonerContext& ctx) override {
    const Guideline& g = *ctx.guideline;
    if (!filter_) init(g);
    Decision d;
    d.t_s = u.t_s;
    fill_state(d, u.t_s, g);
    std::string lower = u.text;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    // A request to start the task is context, not a question. Whole words only: "show" or
    // "however" asks nothing.
    std::vector<std::string> words(1);
    for (const char c : lower) {
      if (std::isalnum(static_cast<unsigned char>(c)))
        words.back() += c;
      else if (!words.back().empty())
        words.emplace_back();
    }
    const auto has_word = [&](const char* w) {
      return std::find(words.begin(), words.end(), w) != words.end();
    };
    if (lower.find('?') == std::string::npos && !has_word("what") && !has_word("how") &&
        !has_word("next"))
      return std::nullopt;
    const bool wants_next = has_word("next") || reported_ < 0;
    int about = reported_;
    if (wants_next) {
      auto nxt = filter_->likely_next(filter_->best());
      about = nxt.empty() ? reported_ : nxt.front();
    }
    if (about < 0) return std::nullopt;
    const Step& s = g.at(static_cast<std::size_t>(about));
    d.trigger = true;
    d.deliver = true;
    d.kind = Kind::Answer;
    d.about = s.id;
    d.message = (wants_next ? "Next: " : "") + s.text + (s.details.empty() ? "" : ". " + s.details);
    return d;
  }

 private:
  void trace(double t, const Guideline& g) const {
    const auto& m = marginals_;
    std::string top;
    std::vector<std::size_t> idx(m.size());
    for (std::size_t i = 0; i < m.size(); ++i) idx[i] = i;
    std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return m[a] > m[b]; });
    for (std::size_t j = 0; j < std::min<std::size_t>(3, idx.size()); ++j)
      top += (idx[j] < g.size() ? g.at(idx[j]).id : std::string("none")) + "=" +
             std::to_string(m[idx[j]]).substr(0, 5) + " ";
    spdlog::trace("t={:.1f} reported={} named={} last_answer={} marginals {}", t,
                  reported_ >= 0 ? g.at(static_cast<std::size_t>(reported_)).id : "-",
                  named_ >= 0 ? g.at(static_cast<std::size_t>(named_)).id : "-",
                  last_.step >= 0 ? g.at(static_cast<std::size_t>(last_.step)).id : "-", top);
  }

  void init(const Guideline& g) {
    std::vector<DurationModel> dur;
    for (const Step& s : g.steps) dur.push_back(DurationModel::from_step(s));
    filter_.emplace(g, std::move(dur), opt_.progress);
    instructed_.assign(g.size(), false);
    finish_said_s_.assign(g.size(), {});
    finish_seen_.assign(g.size(), false);
    hesitated_.assign(g.size(), false);
    reminded_.assign(g.size(), false);
    reinstructed_.assign(g.size(), 0);
    instructed_s_.assign(g.size(), -1e18);
    alerted_.assign(g.size(), {});
    named_s_.assign(g.size(), {});
    working_s_.assign(g.size(), {});
    coming_s_.assign(g.size(), {});
  }

  void observe_motion(const SampledPair& p) {
    // A head turn that starts after a while without one (a turn lasts 0.6-1.5 s).
    turn_began_ = p.burst && p.t_s - last_burst_s_ > 2.0;
    motion_seen_ = motion_seen_ || p.burst || p.has_flow;
    if (p.burst) last_burst_s_ = p.t_s;
    flow_px_ = p.has_flow ? p.flow.magnitude() : -1;
    if (p.has_flow && flow_px_ < opt_.quiet_px) {
      if (quiet_since_s_ < 0) quiet_since_s_ = p.t_s;
    } else if (p.has_flow) {
      if (quiet_since_s_ >= 0 && p.t_s - quiet_since_s_ >= 1.0) resumed_s_ = p.t_s;
      quiet_since_s_ = -1;
    }
  }

  double quiet_for(double t) const { return quiet_since_s_ < 0 ? 0 : t - quiet_since_s_; }

  // Motion makes a change more likely; it never decides one on its own. A head turn or hands
  // at rest suggest a step is ending; hands back at work after a rest suggest one is starting.
  double end_factor(const SampledPair& p) const {
    double f = 1.0;
    if (p.burst) f *= opt_.burst_boost;
    if (quiet_for(p.t_s) >= 1.0) f *= opt_.pause_boost;
    if (p.has_flow && flow_px_ > opt_.busy_px && !p.burst) f *= opt_.busy_damp;
    return f;
  }
  double start_factor(const SampledPair& p) const {
    double f = 1.0;
    if (p.burst) f *= opt_.burst_boost;
    if (p.has_flow && flow_px_ >= opt_.quiet_px) f *= opt_.move_boost;
    if (quiet_for(p.t_s) >= 1.0) f *= opt_.rest_damp;
    return f;
  }

  // Calls go where they pay off: on motion events, when the estimate is uncertain, near the
  // expected end of a step; a floor keeps the model from being silent for long, and a token
  // bucket caps the rate whatever happens.
  bool should_call(double t, const ReasonerContext& ctx) {
    if (!ctx.model || !ctx.model->available()) return false;
    tokens_ = std::min(opt_.call_bucket, tokens_ + (t - token_s_) * opt_.call_budget_per_min / 60.0);
    token_s_ = t;
    if (tokens_ < 1.0) return false;
    const double since = t - last_call_s_;
    bool want = since >= opt_.call_floor_s;
    if (!want && since >= opt_.call_min_gap_s) {
      const auto m = filter_->current_marginals();
      const double top = *std::max_element(m.begin(), m.end());
      const Hypothesis& b = filter_->best();
      want = top < opt_.call_uncertain || t - last_burst_s_ < 1.0 ||
             (quiet_for(t) >= 1.0 && quiet_for(t) < 2.0) || t - resumed_s_ < 1.0 ||
             (b.cur >= 0 && !b.idle &&
              (since >= opt_.call_near_end_gap_s || !motion_seen_) &&
              t - b.enter_s > opt_.call_near_end * filter_->duration(b.cur).median_s()) ||
             (t < confirm_until_s_ && since >= opt_.look_gap_s);
    }
    if (want) tokens_ -= 1.0;
    return want;
  }

  void take_answer(const ModelAnswer& a, double t, const Guideline& g) {
    auto idx = g.index_of(a.step);
    if (!idx) return;
    const int k = static_cast<int>(*idx);
    // Answers close in time repeat the same mistake: the same answer soon after adds little.
    double w = 1.0;
    // The correlation fades with the time between the two answers.
    if (k == last_.step && last_answer_s_ >= 0)
      w = 1.0 - (1.0 - opt_.repeat_answer_weight) *
                    std::exp(-(t - last_answer_s_) / opt_.answer_corr_s);
    // The flag, once it is worth weighing, tells a right reading in a proactive period from
    // one outside it or a misreading.
    std::optional<HelpEvidence> ev;
    if (opt_.flag_evidence_gain > 0 && help_informative())
      ev = flag_rates_.evidence(a.trigger, opt_.flag_evidence_gain);
    flag_rates_.add(filter_->observe(k, a.status, w, ev ? &*ev : nullptr), a.trigger);
    // Separate looks: answers far enough apart not to share the same misreading.
    auto look = [&](std::vector<double>& v) {
      if (v.empty() || t - v.back() >= opt_.look_gap_s) v.push_back(t);
    };
    look(named_s_[static_cast<std::size_t>(k)]);
    if (a.trigger && (a.status == Status::Transition || a.status == Status::JustStart))
      look(coming_s_[static_cast<std::size_t>(k)]);
    if (a.status != Status::Transition) {
      const auto ki = static_cast<std::size_t>(k);
      look(working_s_[ki]);
      // A step seen under way while a prerequisite was never seen: one more look at it would
      // decide an alert, so the model is asked again once its misreading would have passed.
      if (alerted_[ki].times == 0 &&
          looks_since(working_s_[ki], t - opt_.mistake_within_s) < opt_.mistake_looks &&
          unseen_prereq(ki, g).has_value())
        confirm_until_s_ = t + opt_.mistake_confirm_s;
    }
    answer_now_ = last_ = Said{k, a.status, a.trigger};
    last_answer_s_ = t;
    if (k == reported_) status_answers_.push_back({t, a.status, a.trigger});
    help_flag_.add(a.status, a.trigger);
    while (!status_answers_.empty() && t - status_answers_.front().t_s > opt_.status_memory_s)
      status_answers_.pop_front();
  }

  // The current step under way, seen past its start window and before half its usual length:
  // no help is due, so a flag here shows how often the model calls for it falsely. Judged once
  // the tracker has moved: an answer that moves it speaks of the step it moved to.
  void note_midstep_flag(double t) {
    if (!answer_now_ || answer_now_->step != reported_ || answer_now_->status != Status::InProgress)
      return;
    const DurationModel& dm = filter_->duration(reported_);
    const double e = t - reported_since_s_;
    if (e > dm.status_window_s() && e < 0.5 * dm.median_s())
      help_flag_.add_midstep(answer_now_->help);
  }

  void update_reported(double t, const Guideline& g) {
    const auto& m = marginals_;
    const int n = static_cast<int>(g.size());
    int arg = -1;
    double best = m[static_cast<std::size_t>(n)];  // "not started"
    for (int i = 0; i < n; ++i)
      if (m[static_cast<std::size_t>(i)] > best) {
        best = m[static_cast<std::size_t>(i)];
        arg = i;
      }
    if (arg == reported_ || arg < 0) return;
    const double cur = reported_ >= 0 ? m[static_cast<std::size_t>(reported_)] : 0.0;
    // With a model, wait for its answers to make the new step likely; without one, nothing
    // more will come: the likeliest step is the best guess.
    if ((model_ && best < opt_.switch_confidence) || best < cur + opt_.switch_margin) return;
    // Its instruction may have gone out on a wrong switch: should the tracker come back to
    // this step, it may be given once more.
    if (reported_ >= 0) allow_reinstruction(static_cast<std::size_t>(reported_));
    if (reported_ >= 0 &&
        std::find(completed_.begin(), completed_.end(), reported_) == completed_.end())
      completed_.push_back(reported_);
    completed_.erase(std::remove(completed_.begin(), completed_.end(), arg), completed_.end());
    reported_ = arg;
    named_ = arg;  // the name moves with the policy, then on its own again
    switched_s_ = t;
    status_answers_.clear();
    // Entry time from the likeliest hypothesis on this step.
    reported_since_s_ = t;
    const Hypothesis& b = filter_->best();
    if (b.cur == arg && !b.idle) reported_since_s_ = std::min(t, b.enter_s);
  }

  // The step the decision names: the likeliest one, once it leads the step named so far by
  // name_margin (before the policy has moved at all, once it has that share; before any step
  // has a share, the one likeliest to come first). The policy acts on the reported step,
  // which needs more (switch_confidence, switch_margin), and the name moves with it: a
  // message or an alert on a wrong switch costs more than a wrong step named for a second.
  void update_named() {
    const auto& m = marginals_;
    int arg = -1;
    double best = 0;
    for (std::size_t i = 0; i + 1 < m.size(); ++i)
      if (m[i] > best) {
        best = m[i];
        arg = static_cast<int>(i);
      }
    if (arg < 0) {
      if (named_ < 0) {
        const auto nxt = filter_->likely_next(filter_->best());
        if (!nxt.empty()) named_ = nxt.front();
      }
      return;
    }
    const double cur = named_ >= 0 && reported_ >= 0 ? m[static_cast<std::size_t>(named_)] : 0.0;
    if (best >= cur + opt_.name_margin) named_ = arg;
  }

  bool help_informative() const { return help_flag_.informative(opt_.help_flag); }

  std::vector<StepId> completed_ids(const Guideline& g) const {
    std::vector<StepId> out;
    for (int i : completed_) out.push_back(g.at(static_cast<std::size_t>(i)).id);
    return out;
  }
  std::optional<StepId> reported_id(const Guideline& g) const {
    if (reported_ < 0) return std::nullopt;
    return g.at(static_cast<std::size_t>(reported_)).id;
  }

  // P(the reported step ends within its about-to-finish window): the duration model's
  // chance given the time spent, moved by what the model said of this step's status lately.
  double finish_probability(double t) const {
    const DurationModel& dm = filter_->duration(reported_);
    const double e = t - reported_since_s_;
    const double p0 = std::clamp(dm.ends_within(e, dm.status_window_s()), 0.01, 0.99);
    double odds = p0 / (1.0 - p0);
    for (const auto& a : status_answers_) {
      if (t - a.t_s > opt_.status_memory_s) continue;
      switch (a.status) {
        case Status::AboutToFinish:
          odds *= !help_informative() ? opt_.atf_plain_lr
                  : a.help            ? opt_.atf_help_lr
                                      : opt_.atf_answer_lr;
          break;
        case Status::Transition: odds *= opt_.transition_answer_lr; break;
        default: odds *= opt_.working_answer_lr; break;
      }
    }
    return odds / (1.0 + odds);
  }

  Status estimate_status(double t) const {
    const DurationModel& dm = filter_->duration(reported_);
    // The tracker's own belief that the step is over and the next not begun.
    if (filter_->over_probability(reported_) >= opt_.idle_confidence)
      return Status::Transition;
    const double e = t - reported_since_s_;
    const double w = dm.status_window_s();
    if (e < w) return Status::JustStart;
    if (finish_probability(t) >= opt_.finish_confidence) return Status::AboutToFinish;
    return Status::InProgress;
  }

  void fill_state(Decision& d, double t, const Guideline& g, bool moment = false) {
    if (named_ >= 0) d.step = g.at(static_cast<std::size_t>(named_)).id;
    d.completed = completed_ids(g);
    if (reported_ < 0) {
      // Not yet sure the task has begun: the step named is about to start, and its guidance
      // is due as it does.
      if (named_ < 0) return;
      d.status = Status::JustStart;
      d.trigger = true;
      return;
    }
    estimated_ = estimate_status(t);
    d.status = estimated_;
    d.trigger = estimated_ != Status::InProgress;
    // Help is needed when the step is starting, ending or just over: the status says so,
    // or the filter's phases of the step do, summed over every entry time it holds.
    const auto ph = filter_->phase(reported_);
    const double total = ph.just_start + ph.in_progress + ph.about_to_finish + ph.over;
    if (total > 0 &&
        (ph.just_start + ph.about_to_finish + ph.over) / total >= opt_.trigger_phase_confidence)
      d.trigger = true;
    // Announcing the next step opens a proactive stretch that runs on into the next step's
    // start (SPEC §5: its about-to-finish window, then the next step's guidance period):
    // help stays due for a while whatever the status estimate does meanwhile.
    if (t - next_said_s_ < opt_.trigger_after_next_s) d.trigger = true;
    // The estimate and the rule are features of the learned decision model, which weighs them
    // with the rest. The policy reads neither what it reports nor the estimate's output form.
    const DecisionModel& dm = opt_.decision;
    if (dm.has_trigger() || dm.has_status() || (moment && opt_.on_decision_features)) {
      const std::vector<double> x = decision_features(estimated_, d.trigger, t, g, ph);
      if (moment && opt_.on_decision_features) opt_.on_decision_features(t, x);
      if (dm.has_trigger()) d.trigger = dm.trigger_on(x);
      if (dm.has_status()) d.status = dm.status_of(x);
    }
  }

  // What the decision model weighs, in the order of decision_feature_names().
  std::vector<double> decision_features(Status status, bool rule, double t, const Guideline& g,
                                       const ProgressFilter::Phase& ph) const {
    const auto recent = [&](double since_s, double scale_s) {
      return since_s < 0 ? 0.0 : std::exp(-since_s / scale_s);
    };
    const double informative = help_informative() ? 1.0 : 0.0;
    std::vector<double> x;
    x.reserve(decision_feature_names().size());
    x.push_back(1.0);
    x.push_back(status == Status::JustStart);
    x.push_back(status == Status::AboutToFinish);
    x.push_back(status == Status::Transition);
    x.push_back(rule);
    const double mine = std::max(1e-12, ph.just_start + ph.in_progress + ph.about_to_finish + ph.over);
    x.push_back(ph.just_start / mine);
    x.push_back(ph.about_to_finish / mine);
    x.push_back(ph.over / mine);
    const ProgressFilter::Phase all = filter_->phase_all();
    const double total =
        std::max(1e-12, all.just_start + all.in_progress + all.about_to_finish + all.over);
    x.push_back((all.just_start + all.about_to_finish + all.over) / total);
    x.push_back(finish_probability(t));
    x.push_back(filter_->over_probability(reported_));
    const DurationModel& dm = filter_->duration(reported_);
    const double e = t - reported_since_s_;
    x.push_back(std::min(3.0, e / dm.status_window_s()));
    x.push_back(recent(t - switched_s_, 5.0));
    x.push_back(recent(t - next_said_s_, 6.0));
    x.push_back(marginals_[static_cast<std::size_t>(reported_)]);
    double age[4] = {-1, -1, -1, -1};  // just start, about to finish, transition, help
    const auto note = [&](int i, double a) { age[i] = age[i] < 0 ? a : std::min(age[i], a); };
    for (const auto& a : status_answers_) {
      if (a.status == Status::JustStart) note(0, t - a.t_s);
      if (a.status == Status::AboutToFinish) note(1, t - a.t_s);
      if (a.status == Status::Transition) note(2, t - a.t_s);
      if (a.help) note(3, t - a.t_s);
    }
    for (int i = 0; i < 3; ++i) x.push_back(recent(age[i], 5.0));
    x.push_back(informative * recent(age[3], 5.0));
    const bool other = last_.step >= 0 && last_.step != reported_;
    const double other_recent = other ? recent(t - last_answer_s_, 5.0) : 0.0;
    x.push_back(other_recent);
    x.push_back(last_.status != Status::InProgress ? other_recent : 0.0);
    x.push_back(last_.help ? informative * other_recent : 0.0);
    x.push_back(std::min(3.0, e / dm.median_s()));
    x.push_back(quiet_for(t) >= 1.0);
    x.push_back(recent(t - last_burst_s_, 2.0));
    x.push_back(recent(t - instructed_s_[static_cast<std::size_t>(reported_)], 5.0));
    x.push_back(filter_->idle_probability());
    x.push_back(informative);
    x.push_back(model_ ? 1.0 : 0.0);
    return x;
  }

  // One message of a kind per step: planning it again while it waits replaces the copy.
  void queue(PendingMessage m) {
    for (auto& q : pending_)
      if (q.kind == m.kind && q.about == m.about) {
        q = std::move(m);
        return;
      }
    pending_.push_back(std::move(m));
  }

  void allow_reinstruction(std::size_t k) {
    if (!instructed_[k] || reinstructed_[k] >= opt_.reinstructions) return;
    ++reinstructed_[k];
    instructed_[k] = false;
  }

  // The model sees step x beginning and says help is needed, while since x's instruction went
  // out it named another step (in a look of its own): the instruction may have come before
  // the step it was for (the tracker moved on too soon), and may go out once more now that it
  // is wanted. A model that is right names nothing else between a step's start and its end:
  // one instruction per step.
  void reinstruct_if_early(std::size_t x) {
    if (!instructed_[x]) return;
    for (std::size_t i = 0; i < named_s_.size(); ++i)
      if (i != x && !named_s_[i].empty() && named_s_[i].back() > instructed_s_[x]) {
        allow_reinstruction(x);
        return;
      }
  }

  // Every other step is done, as the likeliest hypothesis has it.
  bool is_last_step(std::size_t k, const Guideline& g) const {
    const std::uint64_t done = filter_->best().done | (std::uint64_t{1} << k);
    for (std::size_t i = 0; i < g.size(); ++i)
      if (!((done >> i) & 1U)) return false;
    return true;
  }

  // The budget never repeats a text: a message said a second time (or a step whose text another
  // step shares) takes the first of its wordings, from `first` on, not used yet.
  std::string fresh_text(const std::vector<std::string>& forms, std::size_t first) const {
    for (std::size_t f = first; f < forms.size(); ++f)
      if (!budget_.already_said(forms[f])) return forms[f];
    return forms.back();
  }

  // "Next" after step s: ns, from the `first` of its wordings not used yet.
  std::string next_text(const Step& s, const Step& ns, std::size_t first) const {
    return fresh_text({"Next: " + ns.text, "When \"" + s.text + "\" is done: " + ns.text,
                       "After \"" + s.text + "\", go on with: " + ns.text},
                      first);
  }

  // A second instruction for a step is worded differently.
  std::string instruction_text(const Step& s, std::size_t k) const {
    const std::string how = s.text + (s.details.empty() ? "" : ". " + s.details);
    return fresh_text({how, "Now: " + how, "Again: " + how}, reinstructed_[k] > 0 ? 1 : 0);
  }

  // A mistake alert for step c done out of order: the model must have seen c under way in
  // more than one look (its errors come in runs), and a prerequisite must never have been
  // seen: named by the model in fewer looks, close together, than a step that was done. This
  // is the model's evidence, not the filter's belief: durations make the filter explain a step
  // it never saw as done quickly rather than skipped, which is right for tracking and wrong
  // for alerting. One alert per step, and a second only as the tracker moves to a step alerted
  // about from another one (mistake_realert_s).
  void check_order(int c, double t, const Guideline& g, int looks_needed) {
    const auto ci = static_cast<std::size_t>(c);
    Alerted& a = alerted_[ci];
    const bool again = a.times == 1 && opt_.mistake_realert_s >= 0 && a.while_step != c &&
                       t - a.at_s >= opt_.mistake_realert_s;
    if ((a.times > 0 && !again) ||
        looks_since(working_s_[ci], t - opt_.mistake_within_s) < looks_needed)
      return;
    const auto pi = unseen_prereq(ci, g);
    if (!pi) return;
    const Step& cs = g.at(ci);
    const Step& ps = g.at(*pi);
    a = {a.times + 1, t, reported_};
    queue({3, t, Kind::Mistake, cs.id, ps.id,
           fresh_text({"Check the order: \"" + ps.text + "\" should come before \"" + cs.text + "\".",
                       "\"" + ps.text + "\" is not done yet: it comes before \"" + cs.text + "\"."},
                      again ? 1 : 0),
           true, reported_});
  }

  // The first prerequisite of c the model has not seen done, where not seeing it tells.
  std::optional<std::size_t> unseen_prereq(std::size_t c, const Guideline& g) const {
    for (std::size_t pi : g.prereqs(c))
      if (!looks_together(named_s_[pi], opt_.mistake_seen_looks, opt_.mistake_seen_within_s) &&
          unseen_if_done(pi) <= opt_.mistake_unseen_p)
        return pi;
    return std::nullopt;
  }

  // P(the model named step p in no more looks than it did, had p been done): looks at a done
  // step come at the rate the model has answered in this session (failed calls are no looks),
  // the model naming it in a share of them, for its median length (a Poisson count). Before the
  // rate is known, 1: nothing is proved.
  double unseen_if_done(std::size_t p) const {
    if (answers_ < 2 || last_answered_s_ <= first_answered_s_) return 1.0;
    const double rate = (answers_ - 1) / (last_answered_s_ - first_answered_s_);
    const double lambda =
        opt_.mistake_look_share * rate * filter_->duration(static_cast<int>(p)).median_s();
    const auto seen = named_s_[p].size();
    double term = std::exp(-lambda), cdf = term;
    for (std::size_t i = 1; i <= seen; ++i) cdf += (term *= lambda / static_cast<double>(i));
    return cdf;
  }

  // Not yet sure the task has begun, but the hands are at work: the step likeliest to come
  // first is instructed now rather than once the model's answers have moved the tracker. Said
  // too early, it goes out again as the tracker moves there (reinstruct_stale_s). One step
  // only: a name that moves on before the tracker does is no opening step.
  void open_task(double t, const Guideline& g) {
    if (opt_.open_flow_px < 0 || named_ < 0 || flow_px_ < opt_.open_flow_px) return;
    if (std::find(instructed_.begin(), instructed_.end(), true) != instructed_.end()) return;
    const auto k = static_cast<std::size_t>(named_);
    const Step& s = g.at(k);
    queue({1, t, Kind::Instruction, s.id, s.id, instruction_text(s, k), s.critical, -1});
  }

  void plan_messages(const Decision& d, double t, const Guideline& g) {
    if (reported_ < 0) {
      open_task(t, g);
      return;
    }
    const auto k = static_cast<std::size_t>(reported_);
    const Step& s = g.at(k);
    const auto& m = marginals_;
    const double e = t - reported_since_s_;
    const double w = filter_->duration(reported_).status_window_s();
    // What the model said at this moment, if it spoke of the step we believe in.
    const bool says_k = answer_now_ && answer_now_->step == reported_;
    const Status said = answer_now_ ? answer_now_->status : Status::InProgress;
    // The model's "help needed" flag, where it tells more than the status it comes with.
    const bool flag = help_informative();
    const bool help = flag && answer_now_ && answer_now_->help;
    // The answer asks for help, or its flag is not weighed: it does not say no help is due.
    const bool help_or_unweighed = !flag || help;
    // Whether an answer naming a step just begun or coming may instruct it by itself (rules 1
    // and 4): not when its flag is weighed and asks for no help.
    const bool answer_instructs = opt_.unflagged_answers_instruct || help_or_unweighed;

    // An instruction given long before the tracker moved to the step (announced as next, then
    // the step did not come) is stale: the step may be instructed once more now it has begun.
    if (instructed_s_[k] < switched_s_ - opt_.reinstruct_stale_s) allow_reinstruction(k);

    if (says_k && help && said == Status::JustStart) reinstruct_if_early(k);

    // 1. How to do the step, while it is just starting: later it is no longer proactive.
    // The model seeing it just begun, and saying help is needed, outweighs the tracker's own
    // estimate of when it began.
    const bool seen_starting =
        says_k && help && said == Status::JustStart && m[k] >= opt_.instruct_help_confidence;
    if (!instructed_[k] && (seen_starting || (e <= w + opt_.instruct_slack_s &&
        (!model_ || m[k] >= opt_.instruct_confidence ||
         (says_k && said != Status::AboutToFinish && answer_instructs &&
          m[k] >= (help ? opt_.instruct_help_confidence : opt_.instruct_answer_confidence)))))) {
      queue({1, t, Kind::Instruction, s.id, s.id, instruction_text(s, k), s.critical, reported_});
    }

    // 2. A step begun while a prerequisite is not done: skipped, or about to be done late.
    // The tracker has just moved to it, or the model keeps seeing it under way.
    if (t - switched_s_ <= opt_.mistake_within_s && m[k] >= opt_.mistake_confidence)
      check_order(reported_, t, g, opt_.mistake_looks_reported);
    if (answer_now_ && answer_now_->step != reported_ && answer_now_->status != Status::Transition &&
        m[static_cast<std::size_t>(answer_now_->step)] >= opt_.mistake_answer_confidence)
      check_order(answer_now_->step, t, g, opt_.mistake_looks);

    // 3. What comes next, as the current step is about to finish.
    // Without a model, the tracker's own estimate is all there is; with one, its answer
    // decides (durations alone announce too early or too late far too often).
    const bool seen_ending =
        (!model_ && estimated_ == Status::AboutToFinish) ||
        (says_k && said == Status::AboutToFinish && e > w &&
         finish_probability(t) >= (!flag ? opt_.finish_plain_confidence
                                   : help ? opt_.finish_help_confidence
                                          : opt_.finish_answer_confidence));
    const bool ending =
        // The model names the current step past its start and says help is needed: from a
        // model whose flag is worth weighing, that is the step ending, whatever status it
        // gives (its status is wrong more often than its flag).
        (says_k && help && said != Status::JustStart && e > w &&
         finish_probability(t) >= (help_flag_.noisy(opt_.help_flag)
                                       ? opt_.finish_help_any_noisy
                                       : opt_.finish_help_any_confidence)) ||
        seen_ending;
    // Said too early (the step went on well past it), it may be said once more, in other words;
    // and said on the flag alone, once more as the model sees the step about to finish.
    const auto& said_at = finish_said_s_[k];
    const bool may_finish =
        said_at.empty() ||
        (static_cast<int>(said_at.size()) < opt_.finish_messages &&
         t - said_at.back() > opt_.finish_repeat_after_w * w) ||
        (seen_ending && opt_.finish_after_flagged && !finish_seen_[k]);
    // Once "next" has gone out, the next head turn (people look around for what the next step
    // needs) marks the change of step: the next step is named once more as it begins, when
    // its guidance counts most (SPEC §5: the next step's period opens as this one ends).
    const bool announce = may_finish && ending;
    const bool remind = !announce && opt_.next_reminder_s >= 0 && turn_began_ &&
                        !said_at.empty() && !reminded_[k] && t - said_at.back() >= 1.0 &&
                        t - said_at.back() <= opt_.next_reminder_s;
    if (announce || remind) {
      auto nxt = filter_->likely_next(filter_->best());
      // By the reminder the model may already see which step comes next: the one it named
      // last (within the call floor), if it can come next in a fair share of the posterior,
      // is named rather than the best guess the first announcement went by.
      if (remind && last_.step >= 0 && last_.step != reported_ &&
          t - last_answer_s_ <= opt_.call_floor_s &&
          filter_->next_probability(last_.step) >= opt_.preannounce_next_share)
        nxt.insert(nxt.begin(), last_.step);
      if (!nxt.empty()) {
        const Step& ns = g.at(static_cast<std::size_t>(nxt.front()));
        // The same next step may follow several parallel ones, and a second announcement is
        // a reminder: each in words not used yet (the budget never repeats a text).
        PendingMessage next{2, t, Kind::NextStep, s.id, ns.id,
                            next_text(s, ns, said_at.empty() ? 0 : 1), s.critical, reported_,
                            remind};
        next.seen_ending = announce && seen_ending;
        queue(std::move(next));
      } else if (announce && is_last_step(k, g)) {
        // Nothing comes next: the person hears that this is the end of the task.
        const std::string text =
            fresh_text({"Last step: once \"" + s.text + "\" is done, the task is complete.",
                        "Almost done: \"" + s.text + "\" is the last step."},
                       said_at.empty() ? 0 : 1);
        queue({2, t, Kind::NextStep, s.id, s.id, text, s.critical, reported_});
      }
    }

    // 3b. The model sees another step about to finish, one the posterior gives a fair share.
    if (answer_now_ && answer_now_->step >= 0 && answer_now_->step != reported_ &&
        said == Status::AboutToFinish && help_or_unweighed)
      announce_after_other(answer_now_->step, t, g);

    // 4. Between steps: the model already sees the next one coming, or the tracker is sure the
    // current one is over; the next step's instruction goes out before it begins.
    {
      const double over = filter_->over_probability(reported_);
      const auto cand = filter_->likely_next(filter_->best());
      int x = -1;
      const int coming = answer_now_ && answer_now_->step != reported_ &&
                                 (said == Status::Transition || said == Status::JustStart)
                             ? answer_now_->step
                             : -1;
      // The share counts the hypotheses in which the step is already under way: the answer
      // itself has just put weight there (counting only those in which it may come next, the
      // clearer the answer, the smaller the share).
      if (coming >= 0 && answer_instructs &&
          over >= (help ? opt_.preannounce_help_idle : opt_.preannounce_idle) &&
          (std::find(cand.begin(), cand.end(), coming) != cand.end() ||
           filter_->coming_probability(coming) >= opt_.preannounce_next_share)) {
        x = coming;
        if (help) reinstruct_if_early(static_cast<std::size_t>(x));
      } else if (coming >= 0 && help && opt_.preannounce_looks > 0 &&
                 // ... or keeps seeing a step the tracker does not expect begin, asking for
                 // help each time: one done out of order, or after a step the tracker missed
                 looks_since(coming_s_[static_cast<std::size_t>(coming)],
                             t - opt_.preannounce_looks_within_s) >= opt_.preannounce_looks &&
                 !((filter_->best().done >> coming) & 1U)) {
        x = coming;
      } else if (cand.size() == 1 && over >= opt_.preannounce_sure_idle)
        x = cand.front();  // only one step can come next
      if (x >= 0 && !instructed_[static_cast<std::size_t>(x)]) {
        const Step& xs = g.at(static_cast<std::size_t>(x));
        queue({1, t, Kind::Instruction, s.id, xs.id,
               instruction_text(xs, static_cast<std::size_t>(x)), xs.critical, reported_});
      }
    }

    // 5. Nothing has moved for much longer than this step usually takes.
    if (!hesitated_[k] && e > filter_->duration(reported_).quantile(opt_.hesitation_quantile) &&
        quiet_for(t) >= opt_.hesitation_quiet_s) {
      hesitated_[k] = true;
      queue({0, t, Kind::Hesitation, s.id, s.id, "Still on this step? " + s.text, false, reported_});
    }
  }

  // "Next" after step x, which the tracker is not on: the person is likelier on x than the
  // tracker believes (a short step it has not moved to, or one it left too soon). Said from x
  // (the decision names x for that moment), once per step, and only while the tracker stays
  // where it is.
  void announce_after_other(int x, double t, const Guideline& g) {
    const auto xi = static_cast<std::size_t>(x);
    if (marginals_[xi] < opt_.finish_other_confidence || !finish_said_s_[xi].empty()) return;
    // The best hypothesis, with x under way after its prerequisites.
    Hypothesis h = filter_->best();
    for (std::size_t p : g.prereqs(xi)) h.done |= std::uint64_t{1} << p;
    h.done &= ~(std::uint64_t{1} << x);
    h.cur = x;
    h.idle = false;
    const auto nxt = filter_->likely_next(h);
    if (nxt.empty()) return;
    const Step& xs = g.at(xi);
    const Step& ns = g.at(static_cast<std::size_t>(nxt.front()));
    PendingMessage m{2, t, Kind::NextStep, xs.id, ns.id, next_text(xs, ns, 0), xs.critical,
                     reported_};
    m.from_step = true;
    queue(std::move(m));
  }

  void deliver_one(Decision& d, double t, const SampledPair& p, const Guideline& g) {
    // A message planned for a belief that has since changed, or waiting too long, goes.
    pending_.erase(std::remove_if(pending_.begin(), pending_.end(),
                                  [&](const PendingMessage& m) {
                                    if (t - m.queued_s > opt_.message_ttl_s) return true;
                                    return m.kind != Kind::Mistake && m.needs_reported != reported_;
                                  }),
                   pending_.end());
    std::stable_sort(pending_.begin(), pending_.end(),
                     [](const auto& a, const auto& b) { return a.priority > b.priority; });
    const double flow = p.has_flow ? p.flow.magnitude() : 0.0;
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      if (!budget_.allows(t, it->text, flow, it->urgent)) continue;
      budget_.record(t, it->text);
      const auto about = g.index_of(it->about);
      const auto step = g.index_of(it->step);
      if (it->kind == Kind::Instruction && about) {
        instructed_[*about] = true;
        instructed_s_[*about] = t;
      }
      if (it->kind == Kind::NextStep && step) {
        if (it->reminder)
          reminded_[*step] = true;
        else
          finish_said_s_[*step].push_back(t);
        if (it->seen_ending) finish_seen_[*step] = true;
      }
      d.deliver = true;
      d.trigger = true;
      // A message speaks from the step the policy acts on (before it has moved to any, or for
      // "next" after a step it is not on, from the step the message is for).
      d.step = reported_ >= 0 && !it->from_step ? reported_id(g) : std::optional<StepId>(it->step);
      if (it->kind == Kind::NextStep) next_said_s_ = t;
      d.kind = it->kind;
      d.message = it->text;
      d.about = it->about;
      pending_.erase(it);
      return;
    }
    // What the budget turned away for good (said before) will never go out.
    std::erase_if(pending_, [&](const PendingMessage& m) { return budget_.already_said(m.text); });
  }

  TrackerOptions opt_;
  MessageBudget budget_;
  std::optional<ProgressFilter> filter_;
  int reported_ = -1;
  int named_ = -1;  // the step decisions name (update_named)
  std::vector<double> marginals_;  // the filter's current_marginals() at this moment
  Status estimated_ = Status::InProgress;  // the hand-built status estimate of this moment
  double reported_since_s_ = 0;  // when the reported step began, as the tracker believes
  double switched_s_ = 0;        // when the tracker moved to it
  bool model_ = false;       // a model is there to ask and answers
  bool model_down_ = false;  // its last call failed
  std::vector<int> completed_;
  double last_call_s_ = -1e9;
  double next_said_s_ = -1e9;      // when the next step was last announced
  double confirm_until_s_ = -1e9;  // a look that would decide a mistake alert is wanted
  double last_answer_s_ = -1;  // when the model last answered (last_, below)
  // Every answer the model gave (last_answer_s_ is only of those naming a step of the
  // guideline, and moves after the answer is weighed): how many, the first and latest when.
  int answers_ = 0;
  double first_answered_s_ = 0, last_answered_s_ = 0;
  double last_burst_s_ = -1e9;
  double quiet_since_s_ = -1;
  double resumed_s_ = -1e9;   // hands back at work after a rest
  double tokens_ = 3.0;       // model-call token bucket
  double token_s_ = 0;
  double flow_px_ = -1;
  bool turn_began_ = false;  // a head turn begins at this moment
  bool motion_seen_ = false;  // the session has motion streams (a head turn or hand flow seen)
  std::vector<bool> instructed_, hesitated_;
  struct Alerted {
    int times = 0;         // mistake alerts raised for the step
    double at_s = -1e18;   // the latest, when
    int while_step = -1;   // ... and the step the tracker was on then
  };
  std::vector<Alerted> alerted_;
  std::vector<bool> reminded_;  // "next" went out once more for the step, as a reminder
  std::vector<int> reinstructed_;   // times a step's instruction was let out once more
  std::vector<double> instructed_s_;  // when each step's instruction went out
  std::vector<std::vector<double>> coming_s_;   // looks naming a step as coming, help needed
  std::vector<std::vector<double>> named_s_;    // separate looks at which the model named each step
  std::vector<std::vector<double>> working_s_;  // ... and saw it under way (not between steps)
  std::vector<std::vector<double>> finish_said_s_;  // when "next" went out for each step
  std::vector<bool> finish_seen_;  // ... and whether one went out on a seen ending
  std::vector<PendingMessage> pending_;
  struct StatusAnswer {
    double t_s;
    Status status;
    bool help;
  };
  std::deque<StatusAnswer> status_answers_;  // recent answers about reported_
  HelpFlag help_flag_;  // what the model's "help needed" flag is worth
  FlagRates flag_rates_;  // ... and how often it comes with each way an answer may come
  struct Said {
    int step = -1;
    Status status = Status::InProgress;
    bool help = false;  // the model says the user needs help now
  };
  std::optional<Said> answer_now_;  // this moment's answer
  Said last_;                       // the latest answer, of this moment or before
};

}  // namespace

std::unique_ptr<Reasoner> make_tracker_reasoner(const TrackerOptions& opt) {
  return std::make_unique<TrackerReasoner>(opt);
}

}  // namespace p2a
