// Whether a model's "help needed" flag tells more than the status it comes with. A model may
// flag help where a step needs it (then the flag separates right readings from misreadings),
// flag every answer that is not "in progress" (it restates the status), or flag at random.
// Only the first kind is worth weighing; the tracker asks this before it does.
#pragma once

#include <algorithm>
#include <array>

#include "pro2assist/types.hpp"

namespace p2a {

struct HelpFlagOptions {
  // Judged after this many answers; before, taken at its word or not. Not: a flag taken at
  // its word while it is random or restates the status sends "next" on every stray reading
  // in a session's first minute (message precision 0.611 -> 0.647 over all CaptainCook4D
  // recordings with a coin-toss flag, `eval --trigger-noise 0.5`), and waiting costs a flag
  // that is worth weighing little (STS 0.409 -> 0.403 with the simulator's own flag).
  int min_answers = 10;
  bool trusted_first = false;
  // A flag worth weighing is on this much more often on answers not "in progress" than on
  // those that are. The status is itself a noisy proxy for where help is due, so a good flag's
  // contrast may be small; judged on its first answers, a flag at random shows one by chance,
  // so those need twice as much.
  // 0.2 throughout before: with the simulator's status right on 60% of right answers rather
  // than 85% (`eval --status-accuracy 0.6`) the flag was judged worthless in many sessions.
  // On all 275 CaptainCook4D recordings at accuracy 0.5 the tracker's STS there rose 0.356 ->
  // 0.402 with these bars, and 0.446 -> 0.452 with the default status.
  double min_contrast = 0.1;
  double early_contrast = 0.2;  // ... while it has been judged on fewer than early_answers
  int early_answers = 30;
  double restates = 0.03;       // flagged within this of never when "in progress" and of
                                // always otherwise: a restatement of the status
  // No help is due in the middle of a step: a flag on an answer that sees the current step
  // under way there is a false call. This many of them, in more than this share of such
  // answers, make the flag noisy (it still tells something, but not enough to act on alone).
  // One is enough: a step gives about one such answer, so waiting for a second left a flag
  // wrong on a fifth of its answers unjudged for most of a session, announcing "next" on its
  // own at a precision of 0.30 meanwhile (independent simulator; README, help flag).
  int noisy_min_flags = 1;
  double noisy_share = 0.06;
};

class HelpFlag {
 public:
  void add(Status status, bool help) {
    auto& [n, flagged] = counts_[status == Status::InProgress ? 0 : 1];
    ++n;
    flagged += help ? 1 : 0;
  }

  // An answer seeing the current step under way in its middle, with or without the flag.
  void add_midstep(bool help) {
    ++mid_answers_;
    mid_flagged_ += help ? 1 : 0;
  }
  bool noisy(const HelpFlagOptions& opt) const {
    return mid_flagged_ >= opt.noisy_min_flags &&
           mid_flagged_ > opt.noisy_share * static_cast<double>(mid_answers_);
  }

  bool informative(const HelpFlagOptions& opt) const {
    const auto& [n_ip, h_ip] = counts_[0];
    const auto& [n_other, h_other] = counts_[1];
    if (n_ip + n_other < opt.min_answers || n_ip == 0 || n_other == 0) return opt.trusted_first;
    const double p_ip = static_cast<double>(h_ip) / n_ip;
    const double p_other = static_cast<double>(h_other) / n_other;
    const bool restates = p_ip <= opt.restates && p_other >= 1.0 - opt.restates;
    const double need = n_ip + n_other < opt.early_answers ? opt.early_contrast : opt.min_contrast;
    return !restates && p_other - p_ip >= need;
  }

 private:
  std::array<std::array<int, 2>, 2> counts_{};  // [in progress, other][answers, flagged]
  int mid_answers_ = 0, mid_flagged_ = 0;
};

// The three ways an answer may have come, as posterior shares or as likelihoods: right inside
// a proactive period (its step just begun or about to finish, or about to begin between
// steps), right outside one, wrong.
struct AnswerWays {
  double on = 0, off = 0, wrong = 0;
};

// The flag of one answer as evidence: how likely it is in each of those ways.
struct HelpEvidence {
  bool flag = false;
  double p_on = 0.5, p_off = 0.5, p_wrong = 0.5;
};

// How often the flag comes in each way, learned from the session's own answers: each answer
// counts toward each way by the progress filter's posterior share of it (before its flag is
// weighed). Those shares are blurred, since the filter's phases come from durations and its
// answers' rightness is uncertain, so the learned rates understate the flag: `gain` scales
// their differences from the wrong answers' rate back up. A flag at random learns the same rate
// for all three ways and weighs nothing, whatever the gain.
class FlagRates {
 public:
  void add(const AnswerWays& shares, bool flag) {
    const double sh[3] = {shares.on, shares.off, shares.wrong};
    for (int i = 0; i < 3; ++i) {
      counts_[i][0] += sh[i];
      counts_[i][1] += flag ? sh[i] : 0.0;
    }
  }
  double rate(int way) const {
    const auto& [n, flagged] = counts_[static_cast<std::size_t>(way)];
    return std::clamp((flagged + 0.5) / (n + 1.0), kFloor, 1.0 - kFloor);
  }
  HelpEvidence evidence(bool flag, double gain) const {
    HelpEvidence ev;
    ev.flag = flag;
    ev.p_wrong = rate(2);
    ev.p_on = std::clamp(ev.p_wrong + gain * (rate(0) - ev.p_wrong), kFloor, 1.0 - kFloor);
    ev.p_off = std::clamp(ev.p_wrong + gain * (rate(1) - ev.p_wrong), kFloor, 1.0 - kFloor);
    return ev;
  }

 private:
  static constexpr double kFloor = 0.02;  // no flag value is ever taken as impossible
  std::array<std::array<double, 2>, 3> counts_{};  // [on, off, wrong][answers, flagged]
};

}  // namespace p2a
