// Online probabilistic estimate of task progress over the step graph: which steps are done,
// which one is under way and since when. A beam of hypotheses (done set, current step, entry
// time) follows a semi-Markov model: a step ends with the hazard of its duration model
// (raised by motion cues, never decided by them), the next step is one whose prerequisites are
// done or, at a cost, one that skips or reorders them, so mistakes are reported rather than
// forcing the wrong step. Model answers are weighed through a calibrated confusion model.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "duration_model.hpp"
#include "help_flag.hpp"
#include "pro2assist/guideline.hpp"

namespace p2a {

struct ProgressOptions {
  // Hypotheses kept. 288 instead of 96: Step-Acc 0.845 -> 0.850 on all CaptainCook4D
  // recordings, 0.819 -> 0.827 on validation, at three times the per-moment cost.
  std::size_t beam = 288;
  double merge_within_s = 6.0;     // hypotheses alike but for an entry this close are merged
  double skip_weight = 0.005;      // prior weight of a next step with prerequisites not done
  double start_rate_per_s = 0.10;  // leaving the "not started" state
  double answer_right = 0.7;       // P(the model names the current step), at most:
  // ... it is also learned from the session. Each answer's posterior share of having come
  // right (the filter's own judgement of it) is averaged, with right_prior counted as
  // right_prior_answers answers before the first; the filter weighs answers with that plus
  // right_margin, never more than answer_right. A model worse than the filter assumes is then
  // believed less, and a better one no more: at accuracy 0.5 the filter does best believing
  // 0.7 (its shares average 0.56 there), at 0.3 nearer 0.6 than 0.7 (they average 0.47). All
  // 275 CaptainCook4D recordings at accuracy 0.3: Step-Acc 0.720 -> 0.734, message precision
  // 0.561 -> 0.571, mistake alerts 0.19 / 0.16 -> 0.20 / 0.19. A margin of 0.08 did more there
  // (0.755, 0.592) but cost mistake recall at 0.5 (0.422 -> 0.405); with 0.15 the figures at
  // 0.5, seeds 1-6 pooled, move within the seeds' spread. Negative margin: answer_right always.
  double right_prior = 0.6;
  double right_prior_answers = 20.0;
  double right_margin = 0.15;
  // Of the wrong answers: a neighbouring step, the previous step, anything (weights, not
  // shares). Mostly "anything": with these the tracker follows a model whose errors favour the
  // steps around the true one as well as with weights that expect it (0.4, 0.3, 0.7), and one
  // whose errors fall anywhere far better (Step-Acc 0.822 rather than 0.801 at accuracy 0.5).
  double answer_neighbour = 0.3;
  double answer_previous = 0.2;
  double answer_any = 1.0;
  // Between steps, a right answer names a step about to begin: one the graph allows, or, this
  // much less likely each, one whose prerequisites are not done (done out of order).
  double answer_out_of_order = 0.2;
  double hazard_cap = 0.9;
  double gap_mean_s = 12.0;        // mean pause between two steps
  // status answers: P(model says "transition") between steps and during a step
  double transition_when_idle = 0.7;
  double transition_when_active = 0.15;
  // P(a right answer's other status matches the step's phase: just begun, under way, about to
  // finish, as the duration model and the time in the step put it); 0 weighs them all alike
  double status_right = 0.8;
};

struct Hypothesis {
  std::uint64_t done = 0;          // bit i: step i completed
  int cur = -1;                    // the step under way (or just finished when idle); -1 before the first
  bool idle = true;                // between steps: cur (if any) is done, the next not begun
  double enter_s = 0;              // when cur began, or when the pause began
  double logw = 0;
  int last = -1;                   // the step completed last, -1 before any (all an answer
                                   // naming "the previous step" needs of the order)
};

class ProgressFilter {
 public:
  ProgressFilter(const Guideline& g, std::vector<DurationModel> durations, ProgressOptions opt);

  // Advances time to t_s. end_factor scales the chance that the current step ends (head turn,
  // hands at rest), start_factor the chance that the next one begins (hands back at work).
  void predict(double t_s, double end_factor, double start_factor);
  // Weighs an answer naming step index `answered` with a status; weight in (0,1] tempers
  // correlated answers. With `help`, its "help needed" flag is weighed too. Returns the
  // posterior shares of the ways the answer may have come, before its flag is weighed.
  AnswerWays observe(int answered, Status status, double weight,
                     const HelpEvidence* help = nullptr);

  // Posterior share of hypotheses whose current step is i (index -1 -> not started).
  std::vector<double> current_marginals() const;   // size n+1, last entry = not started
  double idle_probability() const;                  // P(between steps)
  double over_probability(int i) const;             // P(step i just ended, nothing begun since)
  // Where step i stands, each as a share of the whole posterior: under way and just begun
  // (within its status window), under way and ending within its window, or just ended.
  struct Phase {
    double just_start = 0, in_progress = 0, about_to_finish = 0, over = 0;
  };
  Phase phase(int i) const;
  Phase phase_all() const;  // the same summed over every step (one pass over the beam)
  const Hypothesis& best() const { return beam_.front(); }
  // P(step i already completed)
  double done_probability(int i) const;
  // P(step i may come next: not done, not under way, its prerequisites done)
  double next_probability(int i) const;
  // P(step i may come next, or is under way already). An answer naming i as begun moves
  // weight from the first to the second: this share does not fall as such answers grow
  // clearer, where next_probability does.
  double coming_probability(int i) const;
  // Indices of prerequisites of step i that are not done in hypothesis h.
  std::vector<int> missing_prereqs(const Hypothesis& h, int i) const;
  const DurationModel& duration(int i) const { return durations_.at(static_cast<std::size_t>(i)); }
  // Steps that may come next given the best hypothesis (prerequisites done), likeliest first.
  std::vector<int> likely_next(const Hypothesis& h) const;
  double now_s() const { return now_s_; }
  // P(an answer names the current step) as the filter weighs the next answer: answer_right,
  // or less once the session's answers have shown the model to be wrong more often.
  double answer_right() const { return right_; }

 private:
  bool allowed(std::uint64_t done, int i) const;
  // P(step i may come next), and with under_way_too P(... or is under way)
  double next_share(int i, bool under_way_too) const;
  AnswerWays answer_likelihood(const Hypothesis& h, int a, Status st) const;
  Phase phase_of(const Hypothesis& h) const;  // one hypothesis's phase of its step, shares of 1
  Phase summed_phase(int only) const;         // over the hypotheses on step `only` (-1: any)
  void normalise_and_prune();
  void calibrate();  // right_ from the answers so far

  const Guideline& g_;
  std::vector<DurationModel> durations_;
  ProgressOptions opt_;
  std::vector<std::uint64_t> prereq_mask_;
  std::vector<Hypothesis> beam_;
  double now_s_ = 0;
  int n_ = 0;
  double right_shares_ = 0;  // the answers' posterior shares of having come right, summed
  double answers_ = 0;
  double right_ = 0;         // answer_right(), kept up to date by observe
};

}  // namespace p2a
