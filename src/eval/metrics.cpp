// SPEC §5 metrics. Choices the SPEC leaves open, fixed here so that every report agrees:
// - Segments with end_s <= start_s carry no time and are ignored.
// - Overlapping segments (parallel work): at time t a decision's step is right when any
//   covering segment has it; its status is checked against the covering segment of that
//   step, or against any covering segment when the step is wrong.
// - Outside all segments the truth is `transition`, and the step that ended last before t and
//   the step that starts next after t are both right.
// - Periods are closed intervals [start_s, end_s], for the grid and for messages alike. A
//   guidance period starts where the work before it ended (the latest end of the segments
//   that started earlier), at most 30 s before the step's start and never after it.
// - Every ratio with an empty base is 0; the counts let pool() skip such sessions.
#include "pro2assist/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace p2a {
namespace {

constexpr double kGapCapS = 30.0;
constexpr double kMistakeWindowS = 20.0;
// Grid points and decision times are sums of decimals; a nanosecond of slack keeps a
// decision stamped exactly on a grid point (or the last end on the grid) from being lost.
constexpr double kSlackS = 1e-9;

std::vector<GtSegment> timed_segments(const Annotations& truth) {
  std::vector<GtSegment> out;
  for (const auto& seg : truth.steps)
    if (seg.end_s > seg.start_s) out.push_back(seg);
  std::stable_sort(out.begin(), out.end(),
                   [](const GtSegment& a, const GtSegment& b) { return a.start_s < b.start_s; });
  return out;
}

Status status_at(const GtSegment& seg, double t_s) {
  const double w = status_window_s(seg.start_s, seg.end_s);
  if (t_s < seg.start_s + w) return Status::JustStart;
  if (t_s >= seg.end_s - w) return Status::AboutToFinish;
  return Status::InProgress;
}

bool is_for(const Decision& d, const StepId& step) {
  return (d.step && *d.step == step) || (d.about && *d.about == step);
}

bool inside(const Period& p, double t_s) { return p.start_s <= t_s && t_s <= p.end_s; }

// A step the mistake window is about: the step begun too early or one of its missing
// prerequisites.
bool concerns(const MistakeWindow& w, const StepId& step) {
  return step == w.step || std::find(w.missing.begin(), w.missing.end(), step) != w.missing.end();
}

// SPEC §5: a mistake message inside the window, about one of its steps.
bool alert_hits(const MistakeWindow& w, const Decision& msg) {
  return msg.about && msg.t_s >= w.start_s && msg.t_s <= w.end_s && concerns(w, *msg.about);
}

// SPEC §5: what the first message for a period's step, at t_s inside it, scores.
double timeliness(const Period& p, double t_s) {
  return std::exp(-(t_s - p.start_s) / (p.end_s - p.start_s));
}

double ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

// The ratios from the counts; score() and pool() share it so pooled figures mean the same.
void derive_ratios(Metrics& m) {
  m.step_acc = ratio(m.step_right, m.grid_points);
  m.status_acc = ratio(m.status_right, m.grid_points);
  m.acc_p = ratio(m.trigger_right, m.grid_points);
  m.md = ratio(m.missed_points, m.in_period_points);
  m.fd = ratio(m.false_points, m.out_period_points);
  m.sts = ratio(m.sts_sum, m.periods);
  m.sts_start = ratio(m.sts_start_sum, m.start_periods);
  m.sts_finish = ratio(m.sts_finish_sum, m.finish_periods);
  m.start_hit_share = ratio(m.start_hits, m.start_periods);
  m.finish_hit_share = ratio(m.finish_hits, m.finish_periods);
  m.start_told_share = ratio(m.start_told, m.start_periods);
  m.finish_told_share = ratio(m.finish_told, m.finish_periods);
  m.mistake_told_share = ratio(m.mistake_told, m.mistake_windows);
  m.sts_told = ratio(m.sts_told_sum, m.periods);
  m.msg_precision = ratio(m.messages_in_period, m.guidance_msgs);
  m.msgs_per_min = ratio(m.messages, m.task_minutes);
  m.mistake_recall = ratio(m.mistake_hits, m.mistake_windows);
  m.mistake_precision = ratio(m.mistake_msgs_hit, m.mistake_msgs);
  m.calls_per_min = ratio(m.model_calls, m.task_minutes);
  m.calls_per_moment = ratio(m.model_calls, m.moments);
}

struct GridJudgement {
  bool step_right = false;
  bool status_right = false;
};

GridJudgement judge(const std::vector<GtSegment>& segs, const Decision* held, double t_s) {
  if (held == nullptr) return {};
  // A decision that names no step can still have its status right (SPEC §5 judges each).
  const StepId* step = held->step ? &*held->step : nullptr;
  std::vector<const GtSegment*> covering;
  for (const auto& seg : segs)
    if (seg.start_s <= t_s && t_s < seg.end_s) covering.push_back(&seg);

  GridJudgement j;
  if (covering.empty()) {
    const GtSegment* before = nullptr;
    const GtSegment* after = nullptr;
    for (const auto& seg : segs) {
      if (seg.end_s <= t_s && (before == nullptr || seg.end_s > before->end_s)) before = &seg;
      if (seg.start_s > t_s && (after == nullptr || seg.start_s < after->start_s)) after = &seg;
    }
    j.step_right = step && ((before && before->step == *step) || (after && after->step == *step));
    j.status_right = held->status == Status::Transition;
    return j;
  }
  for (const auto* seg : covering)
    if (step && seg->step == *step) {
      j.step_right = true;
      if (held->status == status_at(*seg, t_s)) j.status_right = true;
    }
  if (!j.step_right)
    for (const auto* seg : covering)
      if (held->status == status_at(*seg, t_s)) j.status_right = true;
  return j;
}

}  // namespace

double status_window_s(double start_s, double end_s) {
  const double len = end_s - start_s;
  return std::min({std::max(0.2 * len, 1.0), 10.0, len / 2.0});
}

std::array<bool, 4> right_statuses(const Annotations& truth, double t_s) {
  std::array<bool, 4> out{};
  bool covered = false;
  for (const auto& seg : timed_segments(truth))
    if (seg.start_s <= t_s && t_s < seg.end_s) {
      covered = true;
      out[static_cast<std::size_t>(status_at(seg, t_s))] = true;
    }
  if (!covered) out[static_cast<std::size_t>(Status::Transition)] = true;
  return out;
}

std::vector<Period> proactive_periods(const Annotations& truth) {
  const auto segs = timed_segments(truth);
  std::vector<Period> out;
  double latest_end_s = 0;
  for (std::size_t k = 0; k < segs.size(); ++k) {
    const auto& seg = segs[k];
    const double w = status_window_s(seg.start_s, seg.end_s);
    double from_s = seg.start_s;
    if (k > 0) from_s = std::min(seg.start_s, std::max(latest_end_s, seg.start_s - kGapCapS));
    out.push_back({seg.step, from_s, seg.start_s + w, false});
    out.push_back({seg.step, seg.end_s - w, seg.end_s, true});
    latest_end_s = k == 0 ? seg.end_s : std::max(latest_end_s, seg.end_s);
  }
  return out;
}

std::vector<StepId> steps_not_in(const Guideline& g, const Annotations& truth) {
  std::vector<StepId> out;
  for (const auto& seg : truth.steps)
    if (!g.index_of(seg.step) && std::find(out.begin(), out.end(), seg.step) == out.end())
      out.push_back(seg.step);
  return out;
}

std::vector<MistakeWindow> mistake_windows(const Guideline& g, const Annotations& truth) {
  const auto segs = timed_segments(truth);
  std::vector<MistakeWindow> out;
  for (const auto& seg : segs) {
    const auto idx = g.index_of(seg.step);
    if (!idx) continue;
    MistakeWindow w{seg.step, {}, seg.start_s, seg.start_s + kMistakeWindowS};
    for (std::size_t p : g.prereqs(*idx)) {
      const StepId& pre = g.at(p).id;
      const bool started = std::any_of(segs.begin(), segs.end(), [&](const GtSegment& s) {
        return s.step == pre && s.start_s < seg.start_s;
      });
      if (!started) w.missing.push_back(pre);
    }
    if (!w.missing.empty()) out.push_back(std::move(w));
  }
  return out;
}

Metrics score(const Guideline& g, const Annotations& truth, const std::vector<Decision>& d) {
  std::vector<Decision> decisions = d;
  std::stable_sort(decisions.begin(), decisions.end(),
                   [](const Decision& a, const Decision& b) { return a.t_s < b.t_s; });
  std::vector<const Decision*> delivered;
  for (const auto& dec : decisions)
    if (dec.deliver) delivered.push_back(&dec);

  Metrics m;
  m.moments = static_cast<int>(decisions.size());
  m.model_calls = static_cast<int>(
      std::count_if(decisions.begin(), decisions.end(), [](const Decision& x) { return x.vlm; }));
  m.messages = static_cast<int>(delivered.size());

  const auto segs = timed_segments(truth);
  const auto periods = proactive_periods(truth);
  if (!segs.empty()) {
    const double first_s = segs.front().start_s;
    double last_s = first_s;
    for (const auto& seg : segs) last_s = std::max(last_s, seg.end_s);
    m.task_minutes = (last_s - first_s) / 60.0;

    std::size_t next = 0;
    const Decision* held = nullptr;
    for (int i = 0;; ++i) {
      const double t_s = first_s + i;
      if (t_s > last_s + kSlackS) break;
      while (next < decisions.size() && decisions[next].t_s <= t_s + kSlackS)
        held = &decisions[next++];
      ++m.grid_points;
      const auto j = judge(segs, held, t_s);
      m.step_right += j.step_right;
      m.status_right += j.status_right;
      const bool in_period =
          std::any_of(periods.begin(), periods.end(), [&](const Period& p) { return inside(p, t_s); });
      const bool trigger = held != nullptr && held->trigger;
      m.trigger_right += trigger == in_period;
      if (in_period) {
        ++m.in_period_points;
        m.missed_points += !trigger;
      } else {
        ++m.out_period_points;
        m.false_points += trigger;
      }
    }
  }

  m.periods = static_cast<int>(periods.size());
  for (const auto& p : periods) {
    (p.about_to_finish ? m.finish_periods : m.start_periods) += 1;
    for (const auto* msg : delivered) {
      if (inside(p, msg->t_s) && is_for(*msg, p.step)) {
        const double score = timeliness(p, msg->t_s);
        m.sts_sum += score;
        (p.about_to_finish ? m.sts_finish_sum : m.sts_start_sum) += score;
        (p.about_to_finish ? m.finish_hits : m.start_hits) += 1;
        break;
      }
    }
  }

  for (const auto* msg : delivered) {
    if (msg->kind == Kind::Mistake) continue;
    ++m.guidance_msgs;
    m.messages_in_period += std::any_of(periods.begin(), periods.end(), [&](const Period& p) {
      return inside(p, msg->t_s) && is_for(*msg, p.step);
    });
  }

  const auto windows = mistake_windows(g, truth);
  m.mistake_windows = static_cast<int>(windows.size());
  std::vector<const Decision*> alerts;
  for (const auto* msg : delivered)
    if (msg->kind == Kind::Mistake) alerts.push_back(msg);
  m.mistake_msgs = static_cast<int>(alerts.size());
  for (const auto& w : windows)
    m.mistake_hits += std::any_of(alerts.begin(), alerts.end(),
                                  [&](const Decision* a) { return alert_hits(w, *a); });
  for (const auto* a : alerts)
    m.mistake_msgs_hit += std::any_of(windows.begin(), windows.end(),
                                      [&](const MistakeWindow& w) { return alert_hits(w, *a); });

  derive_ratios(m);
  return m;
}

void score_answers(const Guideline& g, const Annotations& truth,
                   const std::vector<AnswerSeen>& answers, Metrics& m) {
  m.start_told = m.finish_told = m.mistake_told = 0;
  m.sts_told_sum = 0;
  // The earliest answer in [from_s, to_s] that fits, if any.
  auto first_told = [&](double from_s, double to_s, auto&& fits) -> const AnswerSeen* {
    const AnswerSeen* first = nullptr;
    for (const auto& a : answers)
      if (from_s <= a.t_s && a.t_s <= to_s && fits(a) && (!first || a.t_s < first->t_s))
        first = &a;
    return first;
  };
  auto told = [&](double from_s, double to_s, auto&& fits) {
    return first_told(from_s, to_s, fits) != nullptr;
  };
  for (const auto& p : proactive_periods(truth)) {
    const AnswerSeen* named =
        first_told(p.start_s, p.end_s, [&](const AnswerSeen& a) { return a.step == p.step; });
    if (named) m.sts_told_sum += timeliness(p, named->t_s);
    if (p.about_to_finish)
      m.finish_told += told(p.start_s, p.end_s, [&](const AnswerSeen& a) {
        return a.step == p.step && a.status == Status::AboutToFinish;
      });
    else
      m.start_told += named != nullptr;
  }
  for (const auto& w : mistake_windows(g, truth))
    m.mistake_told += told(w.start_s, w.end_s, [&](const AnswerSeen& a) {
      return a.step == w.step && a.status != Status::Transition;
    });
  derive_ratios(m);
}

void explain_mistakes(const Guideline& g, const Annotations& truth,
                      const std::vector<Decision>& decisions,
                      const std::vector<AnswerSeen>& answers, Metrics& m) {
  constexpr double kNearS = 120.0;  // an alert this close to a window is about it, off time
  constexpr double kLookGapS = 3.0;  // answers this far apart are separate looks
  m.mistake_missed_time = m.mistake_missed_unseen = m.mistake_missed_named = 0;
  m.mistake_false_time = m.mistake_false_done = 0;
  const auto windows = mistake_windows(g, truth);
  std::vector<const Decision*> alerts;
  for (const auto& d : decisions)
    if (d.deliver && d.kind == Kind::Mistake && d.about) alerts.push_back(&d);
  auto near = [&](const MistakeWindow& w, double t_s) {
    return t_s >= w.start_s - kNearS && t_s <= w.end_s + kNearS;
  };
  // Separate looks in [from_s, to_s] at answers that fit.
  auto looks = [&](double from_s, double to_s, auto&& fits) {
    std::vector<double> times;
    for (const auto& a : answers)
      if (a.t_s >= from_s && a.t_s <= to_s && fits(a)) times.push_back(a.t_s);
    std::sort(times.begin(), times.end());
    int n = 0;
    double last = 0;
    for (double t : times)
      if (n == 0 || t - last >= kLookGapS) {
        ++n;
        last = t;
      }
    return n;
  };
  for (const auto& w : windows) {
    if (std::any_of(alerts.begin(), alerts.end(),
                    [&](const Decision* a) { return alert_hits(w, *a); }))
      continue;
    if (std::any_of(alerts.begin(), alerts.end(), [&](const Decision* a) {
          return near(w, a->t_s) && concerns(w, *a->about);
        }))
      ++m.mistake_missed_time;
    else if (looks(w.start_s, w.end_s, [&](const AnswerSeen& a) {
               return a.step == w.step && a.status != Status::Transition;
             }) < 2)
      ++m.mistake_missed_unseen;
    else if (std::any_of(w.missing.begin(), w.missing.end(), [&](const StepId& p) {
               return looks(-std::numeric_limits<double>::infinity(), w.end_s,
                            [&](const AnswerSeen& a) { return a.step == p; }) >= 2;
             }))
      ++m.mistake_missed_named;
  }
  const auto segs = timed_segments(truth);
  for (const auto* a : alerts) {
    if (std::any_of(windows.begin(), windows.end(),
                    [&](const MistakeWindow& w) { return alert_hits(w, *a); }))
      continue;
    if (std::any_of(windows.begin(), windows.end(), [&](const MistakeWindow& w) {
          return near(w, a->t_s) && concerns(w, *a->about);
        }))
      ++m.mistake_false_time;
    else if (std::any_of(segs.begin(), segs.end(), [&](const GtSegment& seg) {
               return seg.step == *a->about && seg.start_s < a->t_s;
             }))
      ++m.mistake_false_done;
  }
}

Metrics pool(const std::vector<Metrics>& sessions) {
  Metrics m;
  for (const auto& s : sessions) {
    m.grid_points += s.grid_points;
    m.messages += s.messages;
    m.messages_in_period += s.messages_in_period;
    m.periods += s.periods;
    m.mistake_windows += s.mistake_windows;
    m.mistake_hits += s.mistake_hits;
    m.mistake_msgs += s.mistake_msgs;
    m.mistake_msgs_hit += s.mistake_msgs_hit;
    m.model_calls += s.model_calls;
    m.model_failures += s.model_failures;
    m.moments += s.moments;
    m.task_minutes += s.task_minutes;
    m.step_right += s.step_right;
    m.status_right += s.status_right;
    m.trigger_right += s.trigger_right;
    m.in_period_points += s.in_period_points;
    m.missed_points += s.missed_points;
    m.out_period_points += s.out_period_points;
    m.false_points += s.false_points;
    m.sts_sum += s.sts_sum;
    m.start_periods += s.start_periods;
    m.start_hits += s.start_hits;
    m.sts_start_sum += s.sts_start_sum;
    m.finish_periods += s.finish_periods;
    m.finish_hits += s.finish_hits;
    m.sts_finish_sum += s.sts_finish_sum;
    m.guidance_msgs += s.guidance_msgs;
    m.start_told += s.start_told;
    m.finish_told += s.finish_told;
    m.mistake_told += s.mistake_told;
    m.sts_told_sum += s.sts_told_sum;
    m.mistake_missed_time += s.mistake_missed_time;
    m.mistake_missed_unseen += s.mistake_missed_unseen;
    m.mistake_missed_named += s.mistake_missed_named;
    m.mistake_false_time += s.mistake_false_time;
    m.mistake_false_done += s.mistake_false_done;
  }
  derive_ratios(m);
  return m;
}

}  // namespace p2a
