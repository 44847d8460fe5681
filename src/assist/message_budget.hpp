// The interruption budget: never the same message twice, a cap per minute, and no
// interruption during fast hand motion unless the message is urgent (a mistake, a critical
// step).
#pragma once

#include <deque>
#include <set>
#include <string>

namespace p2a {

struct BudgetOptions {
  // In any 60 s. Short steps come in bursts, each with its instruction and its next step:
  // four in a minute dropped instructions for steps of 10-20 s, and six still dropped timely
  // ones (the tracker's STS 0.458 -> 0.467 and precision 0.734 -> 0.740 with eight; training
  // split, accuracy 0.5) while the average stays under three a minute.
  int max_per_minute = 8;
  double fast_motion_px = 50.0;  // hands moving faster than this are busy
};

class MessageBudget {
 public:
  explicit MessageBudget(BudgetOptions opt = {}) : opt_(opt) {}
  // A message is the text the user sees: the same text is never shown twice, whatever step
  // the tracker was on when it was planned.
  bool already_said(const std::string& text) const { return said_.count(text) > 0; }
  // Whether a message may go out now; `urgent` passes the motion and rate gates but never the
  // repetition one.
  bool allows(double t_s, const std::string& text, double hand_flow_px, bool urgent) {
    if (already_said(text)) return false;
    while (!recent_.empty() && recent_.front() <= t_s - 60.0) recent_.pop_front();
    if (urgent) return true;
    if (hand_flow_px > opt_.fast_motion_px) return false;
    return static_cast<int>(recent_.size()) < opt_.max_per_minute;
  }
  void record(double t_s, const std::string& text) {
    said_.insert(text);
    recent_.push_back(t_s);
  }

 private:
  BudgetOptions opt_;
  std::set<std::string> said_;
  std::deque<double> recent_;
};

}  // namespace p2a
