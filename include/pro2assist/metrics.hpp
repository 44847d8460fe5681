// SPEC §5: ground-truth status, proactive periods, mistake windows and the metrics.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "pro2assist/decision.hpp"
#include "pro2assist/guideline.hpp"
#include "pro2assist/session.hpp"

namespace p2a {

struct Period {
  StepId step;
  double start_s = 0;
  double end_s = 0;
  bool about_to_finish = false;  // else: guidance from the transition gap to just_start end
};

struct MistakeWindow {
  StepId step;                  // the step begun too early (d)
  std::vector<StepId> missing;  // its prerequisites not started yet
  double start_s = 0;
  double end_s = 0;
};

// Status window width for a segment [s, e).
double status_window_s(double start_s, double end_s);
std::vector<Period> proactive_periods(const Annotations& truth);
// The statuses right at t_s whatever the step (in Status order): each covering segment's, or
// "transition" between segments.
std::array<bool, 4> right_statuses(const Annotations& truth, double t_s);
std::vector<MistakeWindow> mistake_windows(const Guideline& g, const Annotations& truth);
// The steps the ground truth names that the guideline does not have (each once, in order of
// first use): a guideline of another task, or annotations of another numbering. Nothing
// scored against such a guideline means anything.
std::vector<StepId> steps_not_in(const Guideline& g, const Annotations& truth);

struct Metrics {
  double step_acc = 0, status_acc = 0;
  double acc_p = 0, md = 0, fd = 0;
  double sts = 0;
  double msg_precision = 0;         // NaN-free: 0 when no messages
  double msgs_per_min = 0;
  double mistake_recall = 0, mistake_precision = 0;
  double calls_per_min = 0, calls_per_moment = 0;
  // STS split by the kind of period: guidance as a step starts (from the end of the step
  // before it to its just_start window's end) and each about_to_finish window; with the
  // share of those periods that got any message for their step at all.
  double sts_start = 0, sts_finish = 0;
  double start_hit_share = 0, finish_hit_share = 0;
  // What the model's answers told, at the moments the reasoner asked (score_answers): the
  // share of guidance periods in which one named the period's step, of about_to_finish windows
  // in which one named the step as about to finish, and of mistake windows in which one named
  // the step begun too early as under way. A reasoner acting on answers alone hits no more;
  // one that also weighs durations and motion may.
  double start_told_share = 0, finish_told_share = 0, mistake_told_share = 0;
  // The STS of a reasoner that gave each period a message at the first answer naming its
  // step, whatever the status: one acting on every such answer at once, without waiting for
  // more evidence and never before the model speaks of the step.
  double sts_told = 0;
  // counts behind the ratios, for pooling across sessions
  int grid_points = 0, messages = 0, messages_in_period = 0;
  int periods = 0, mistake_windows = 0, mistake_hits = 0, mistake_msgs = 0, mistake_msgs_hit = 0;
  int model_calls = 0, moments = 0;
  int model_failures = 0;  // calls that got no usable answer (set by the evaluation driver)
  double task_minutes = 0;
  // further counts behind the ratios (grid points, messages), so pool() can recompute them
  int step_right = 0, status_right = 0, trigger_right = 0;
  int in_period_points = 0, missed_points = 0;   // MD = missed / in-period
  int out_period_points = 0, false_points = 0;   // FD = false / out-of-period
  double sts_sum = 0;                            // STS = sts_sum / periods
  int start_periods = 0, start_hits = 0;         // ... of which guidance as a step starts
  double sts_start_sum = 0;
  int finish_periods = 0, finish_hits = 0;       // ... and about_to_finish windows
  double sts_finish_sum = 0;
  int guidance_msgs = 0;                         // delivered non-mistake messages (precision base)
  int start_told = 0, finish_told = 0, mistake_told = 0;  // periods and windows told
  double sts_told_sum = 0;                       // STS-told = sts_told_sum / periods
  // Why mistake alerts missed or were false (explain_mistakes), as counts. Missed windows: an
  // alert about its steps came, but within 2 minutes before or after it; else the answers
  // named the early step under way in fewer than two looks (answers 3 s apart) inside it; else
  // they named one of its missing prerequisites in two looks or more before it closed (a step
  // never done, named by chance, looks done); the rest for other reasons. False alerts: about
  // a window's steps within 2 minutes of it; else about a step begun before the alert (a
  // prerequisite that had been done); the rest (mostly misreadings of the step).
  int mistake_missed_time = 0, mistake_missed_unseen = 0, mistake_missed_named = 0;
  int mistake_false_time = 0, mistake_false_done = 0;
};

// A model answer a reasoner got, and when it asked.
struct AnswerSeen {
  double t_s = 0;
  StepId step;
  Status status = Status::InProgress;
};

// Scores one session. `messages` counts every delivered message (for msgs_per_min);
// msg_precision is messages_in_period / guidance_msgs. Ratios with an empty base are 0
// (mistake_recall with no windows too): pool with pool(), which skips empty bases by count.
Metrics score(const Guideline& g, const Annotations& truth, const std::vector<Decision>& d);

// Fills the *_told counts and shares of m from the answers a reasoner got in one session.
void score_answers(const Guideline& g, const Annotations& truth,
                   const std::vector<AnswerSeen>& answers, Metrics& m);

// Fills the mistake_missed_* and mistake_false_* counts of m from a session's decisions and
// the answers its reasoner got.
void explain_mistakes(const Guideline& g, const Annotations& truth,
                      const std::vector<Decision>& decisions,
                      const std::vector<AnswerSeen>& answers, Metrics& m);

// Pools sessions by their counts: accuracies weighted by grid points, STS by periods,
// precisions and recall by messages and windows, rates by task minutes and moments.
Metrics pool(const std::vector<Metrics>& sessions);

}  // namespace p2a
