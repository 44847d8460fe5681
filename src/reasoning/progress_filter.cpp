#include "progress_filter.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace p2a {
namespace {
double log_sum_exp(double a, double b) {
  if (a < b) std::swap(a, b);
  if (b == -INFINITY) return a;
  return a + std::log1p(std::exp(b - a));
}
}  // namespace

ProgressFilter::ProgressFilter(const Guideline& g, std::vector<DurationModel> durations,
                               ProgressOptions opt)
    : g_(g), durations_(std::move(durations)), opt_(opt), n_(static_cast<int>(g.size())) {
  if (n_ > 64) throw Error("tracker: guideline '" + g.id + "' has " + std::to_string(n_) +
                           " steps; at most 64 are supported");
  prereq_mask_.assign(static_cast<std::size_t>(n_), 0);
  for (int i = 0; i < n_; ++i)
    for (std::size_t p : g.prereqs(static_cast<std::size_t>(i)))
      prereq_mask_[static_cast<std::size_t>(i)] |= (std::uint64_t{1} << p);
  beam_.push_back(Hypothesis{});
  calibrate();
}

void ProgressFilter::calibrate() {
  if (opt_.right_margin < 0) {
    right_ = opt_.answer_right;
    return;
  }
  const double mean = (right_shares_ + opt_.right_prior * opt_.right_prior_answers) /
                      std::max(1e-9, answers_ + opt_.right_prior_answers);
  right_ = std::min(opt_.answer_right, mean + opt_.right_margin);
}

bool ProgressFilter::allowed(std::uint64_t done, int i) const {
  const auto need = prereq_mask_[static_cast<std::size_t>(i)];
  return (done & need) == need;
}

void ProgressFilter::predict(double t_s, double end_factor, double start_factor) {
  const double dt = t_s - now_s_;
  now_s_ = t_s;
  if (dt <= 0) return;
  std::vector<Hypothesis> next;
  next.reserve(beam_.size() * 4);
  for (const Hypothesis& h : beam_) {
    if (!h.idle) {
      // Doing cur: it ends with its duration's hazard, into a pause.
      double hz = durations_[static_cast<std::size_t>(h.cur)].hazard(t_s - dt - h.enter_s, dt);
      hz = std::clamp(hz * end_factor, 1e-6, opt_.hazard_cap);
      Hypothesis stay = h;
      stay.logw += std::log1p(-hz);
      Hypothesis end = h;
      end.idle = true;
      end.done |= std::uint64_t{1} << h.cur;
      end.last = h.cur;
      end.enter_s = t_s - 0.5 * dt;
      end.logw += std::log(hz);
      next.push_back(std::move(stay));
      next.push_back(std::move(end));
      continue;
    }
    // Between steps: the next one begins at the pause's rate; which one follows the graph,
    // with skipped or reordered prerequisites at a cost.
    auto weight_of = [&](int i) {
      if ((h.done >> i) & 1U) return 0.0;
      return allowed(h.done, i) ? 1.0 : opt_.skip_weight;
    };
    double z = 0;
    bool any_new = false;
    for (int i = 0; i < n_; ++i) {
      z += weight_of(i);
      any_new = any_new || !((h.done >> i) & 1U);
    }
    if (!any_new) {  // everything done
      next.push_back(h);
      continue;
    }
    const double rate = h.cur < 0 ? opt_.start_rate_per_s : 1.0 / opt_.gap_mean_s;
    const double hz =
        std::clamp((1.0 - std::exp(-rate * dt)) * start_factor, 1e-6, opt_.hazard_cap);
    Hypothesis stay = h;
    stay.logw += std::log1p(-hz);
    next.push_back(std::move(stay));
    const double log_hz = std::log(hz);
    for (int i = 0; i < n_; ++i) {
      const double w = weight_of(i);
      if (w <= 0) continue;
      Hypothesis s = h;
      s.cur = i;
      s.idle = false;
      s.enter_s = t_s - 0.5 * dt;
      s.logw = h.logw + log_hz + std::log(w / z);
      next.push_back(std::move(s));
    }
  }
  beam_ = std::move(next);
  normalise_and_prune();
}

// The answer's likelihood under h, in three parts: a right answer inside a proactive period
// (the step just begun or about to finish, or the next one about to begin), a right one
// outside, a wrong one.
AnswerWays ProgressFilter::answer_likelihood(const Hypothesis& h, int a, Status st) const {
  const double n_other = std::max(1, n_ - 1);
  const double r = right_;
  const double wrong = 1.0 - r;
  const double p_tr = h.idle ? opt_.transition_when_idle : opt_.transition_when_active;
  const double p_status = st == Status::Transition ? p_tr : (1.0 - p_tr) / 3.0;
  AnswerWays out;
  if (h.idle) {
    // Between steps a right answer names the step about to begin (any the graph allows next);
    // a wrong one often names the step just finished.
    int n_next = 0;
    for (int i = 0; i < n_; ++i)
      if (!((h.done >> i) & 1U) && allowed(h.done, i)) ++n_next;
    const bool a_next = !((h.done >> a) & 1U) && allowed(h.done, a);
    out.wrong = wrong * opt_.answer_any / n_other;
    if (a_next) out.on = r / std::max(1, n_next);
    // ... or, less likely, one about to be done out of order.
    else if (a != h.cur && !((h.done >> a) & 1U))
      out.on = r * opt_.answer_out_of_order / std::max(1, n_next);
    if (a == h.cur) out.wrong += wrong * (opt_.answer_previous + 0.5 * opt_.answer_neighbour);
    out.on *= p_status;
    out.wrong *= p_status;
    return out;
  }
  if (a == h.cur) {
    const Phase ph = phase_of(h);
    const double on = ph.just_start + ph.about_to_finish;
    if (opt_.status_right <= 0 || st == Status::Transition) {
      out.on = r * p_status * on;
      out.off = r * p_status * (1.0 - on);
      return out;
    }
    // A right answer's status follows the phase of the step: "just start" early in it,
    // "about to finish" when it is likely to end within its last window.
    const double c = opt_.status_right, o = (1.0 - c) / 2.0;
    auto p_st = [&](Status phase) { return st == phase ? c : o; };
    const double k = r * (1.0 - p_tr);
    out.on = k * (ph.just_start * p_st(Status::JustStart) +
                  ph.about_to_finish * p_st(Status::AboutToFinish));
    out.off = k * ph.in_progress * p_st(Status::InProgress);
    return out;
  }
  double p_step = wrong * opt_.answer_any / n_other;
  const int prev = h.last;
  if (a == prev) p_step += wrong * (opt_.answer_previous + 0.5 * opt_.answer_neighbour);
  // A model that confuses the current step with the next one names that one step, whatever
  // else the graph would allow: the neighbour mass is not split among parallel candidates.
  const std::uint64_t done_after = h.done | (std::uint64_t{1} << h.cur);
  if (!((done_after >> a) & 1U) && allowed(done_after, a))
    p_step += wrong * opt_.answer_neighbour * 0.5;
  out.wrong = p_step * p_status;
  return out;
}

AnswerWays ProgressFilter::observe(int answered, Status status, double weight,
                                   const HelpEvidence* help) {
  AnswerWays shares;
  if (answered < 0 || answered >= n_) return shares;
  auto flag_p = [&](double p) { return help->flag ? p : 1.0 - p; };
  for (Hypothesis& h : beam_) {
    const AnswerWays l = answer_likelihood(h, answered, status);
    const double p = std::exp(h.logw);
    shares.on += p * l.on;
    shares.off += p * l.off;
    shares.wrong += p * l.wrong;
    const double like = help ? l.on * flag_p(help->p_on) + l.off * flag_p(help->p_off) +
                                   l.wrong * flag_p(help->p_wrong)
                             : l.on + l.off + l.wrong;
    h.logw += weight * std::log(like);
  }
  const double total = shares.on + shares.off + shares.wrong;
  if (total > 0) {
    shares.on /= total;
    shares.off /= total;
    shares.wrong /= total;
    right_shares_ += shares.on + shares.off;
    answers_ += 1.0;
    calibrate();
  }
  normalise_and_prune();
  return shares;
}

void ProgressFilter::normalise_and_prune() {
  // Merge hypotheses that agree on (done, current) and began within merge_within_s of each
  // other: their futures are the same but for the entry time, which the heavier one keeps.
  // Entry times further apart stay apart: how long a step has gone on decides what its status
  // answers and its end mean.
  std::sort(beam_.begin(), beam_.end(), [](const Hypothesis& a, const Hypothesis& b) {
    if (a.done != b.done) return a.done < b.done;
    if (a.cur != b.cur) return a.cur < b.cur;
    if (a.idle != b.idle) return a.idle < b.idle;
    return a.logw > b.logw;
  });
  std::vector<Hypothesis> merged;
  merged.reserve(beam_.size());
  std::size_t group = 0;  // first merged hypothesis of the current (done, cur, idle) group
  for (Hypothesis& h : beam_) {
    if (merged.empty() || merged[group].done != h.done || merged[group].cur != h.cur ||
        merged[group].idle != h.idle) {
      group = merged.size();
      merged.push_back(std::move(h));
      continue;
    }
    bool into = false;
    for (std::size_t j = group; j < merged.size(); ++j) {
      Hypothesis& m = merged[j];
      if (std::abs(m.enter_s - h.enter_s) > opt_.merge_within_s) continue;
      m.logw = log_sum_exp(m.logw, h.logw);
      into = true;
      break;
    }
    if (!into) merged.push_back(std::move(h));
  }
  std::sort(merged.begin(), merged.end(),
            [](const Hypothesis& a, const Hypothesis& b) { return a.logw > b.logw; });
  if (merged.size() > opt_.beam) merged.resize(opt_.beam);
  double total = -INFINITY;
  for (const auto& h : merged) total = log_sum_exp(total, h.logw);
  for (auto& h : merged) h.logw -= total;
  beam_ = std::move(merged);
}

double ProgressFilter::idle_probability() const {
  double p = 0;
  for (const auto& h : beam_)
    if (h.idle) p += std::exp(h.logw);
  return p;
}

double ProgressFilter::over_probability(int i) const {
  double p = 0;
  for (const auto& h : beam_)
    if (h.idle && h.cur == i) p += std::exp(h.logw);
  return p;
}

ProgressFilter::Phase ProgressFilter::phase_of(const Hypothesis& h) const {
  Phase out;
  if (h.cur < 0) return out;
  if (h.idle) {
    out.over = 1.0;
    return out;
  }
  const DurationModel& dm = durations_[static_cast<std::size_t>(h.cur)];
  const double e = std::max(0.0, now_s_ - h.enter_s);
  const double w = dm.status_window_s();
  if (e < w) {
    out.just_start = 1.0;
    return out;
  }
  out.about_to_finish = dm.ends_within(e, w);
  out.in_progress = 1.0 - out.about_to_finish;
  return out;
}

ProgressFilter::Phase ProgressFilter::phase(int i) const {
  if (i < 0 || i >= n_) return {};
  return summed_phase(i);
}

ProgressFilter::Phase ProgressFilter::phase_all() const { return summed_phase(-1); }

ProgressFilter::Phase ProgressFilter::summed_phase(int only) const {
  Phase out;
  for (const auto& h : beam_) {
    if (h.cur < 0 || (only >= 0 && h.cur != only)) continue;
    const double p = std::exp(h.logw);
    const Phase one = phase_of(h);
    out.just_start += p * one.just_start;
    out.in_progress += p * one.in_progress;
    out.about_to_finish += p * one.about_to_finish;
    out.over += p * one.over;
  }
  return out;
}

std::vector<double> ProgressFilter::current_marginals() const {
  std::vector<double> m(static_cast<std::size_t>(n_) + 1, 0.0);
  for (const auto& h : beam_)
    m[h.cur < 0 ? static_cast<std::size_t>(n_) : static_cast<std::size_t>(h.cur)] += std::exp(h.logw);
  return m;
}

double ProgressFilter::done_probability(int i) const {
  double p = 0;
  for (const auto& h : beam_)
    if ((h.done >> i) & 1U) p += std::exp(h.logw);
  return p;
}

double ProgressFilter::next_share(int i, bool under_way_too) const {
  double p = 0;
  for (const auto& h : beam_) {
    if (under_way_too && h.cur == i && !h.idle) {
      p += std::exp(h.logw);
      continue;
    }
    const std::uint64_t done_after =
        (h.cur < 0 || h.idle) ? h.done : (h.done | (std::uint64_t{1} << h.cur));
    if (((done_after >> i) & 1U) || i == h.cur) continue;
    if (allowed(done_after, i)) p += std::exp(h.logw);
  }
  return p;
}

double ProgressFilter::next_probability(int i) const { return next_share(i, false); }

double ProgressFilter::coming_probability(int i) const { return next_share(i, true); }

std::vector<int> ProgressFilter::missing_prereqs(const Hypothesis& h, int i) const {
  std::vector<int> out;
  for (std::size_t p : g_.prereqs(static_cast<std::size_t>(i)))
    if (!((h.done >> p) & 1U)) out.push_back(static_cast<int>(p));
  return out;
}

std::vector<int> ProgressFilter::likely_next(const Hypothesis& h) const {
  const std::uint64_t done_after =
      (h.cur < 0 || h.idle) ? h.done : (h.done | (std::uint64_t{1} << h.cur));
  std::vector<int> out;
  // Topological order keeps the guideline's own order among parallel branches.
  for (std::size_t i : g_.topo_order()) {
    const int k = static_cast<int>(i);
    if ((done_after >> k) & 1U || k == h.cur) continue;
    if (allowed(done_after, k)) out.push_back(k);
  }
  return out;
}

}  // namespace p2a
