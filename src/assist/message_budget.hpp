// The interruption budget: never the same message twice, a cap per minute, and no
// interruption during fast hand motion unless the step is critical.
#pragma once

#include <deque>
#include <set>
#include <string>
#include <tuple>

#include "pro2assist/types.hpp"

namespace p2a {

struct BudgetOptions {
  int max_per_minute = 4;
  double fast_motion_px = 35.0;  // hands moving faster than this are busy
};

class MessageBudget {
 public:
  explicit MessageBudget(BudgetOptions opt = {}) : opt_(opt) {}
  bool already_said(Kind k, const StepId& step, const StepId& about) const {
    return said_.count({static_cast<int>(k), step, about}) > 0;
  }
  // Whether a message may go out now; `urgent` (mistakes, critical steps) passes the motion
  // and rate gates but never the repetition one.
  bool allows(double t_s, Kind k, const StepId& step, const StepId& about, double hand_flow_px,
              bool urgent) {
    if (already_said(k, step, about)) return false;
    while (!recent_.empty() && recent_.front() <= t_s - 60.0) recent_.pop_front();
    if (urgent) return true;
    if (hand_flow_px > opt_.fast_motion_px) return false;
    return static_cast<int>(recent_.size()) < opt_.max_per_minute;
  }
  void record(double t_s, Kind k, const StepId& step, const StepId& about) {
    said_.insert({static_cast<int>(k), step, about});
    recent_.push_back(t_s);
  }

 private:
  BudgetOptions opt_;
  std::set<std::tuple<int, StepId, StepId>> said_;
  std::deque<double> recent_;
};

}  // namespace p2a
