#include "pro2assist/perception.hpp"

#include <algorithm>

namespace p2a {

AdaptiveSampler::AdaptiveSampler(PerceptionConfig cfg, double start_s)
    : cfg_(cfg), next_pair_s_(start_s) {}

void AdaptiveSampler::push(const ImuSample& s) { pending_.push_back(s); }

std::vector<PairTick> AdaptiveSampler::advance_to(double t_s) {
  std::vector<PairTick> pairs;
  while (next_pair_s_ <= t_s) {
    // Only gyro samples up to the pair time decide the interval that follows it.
    while (!pending_.empty() && pending_.front().t_s <= next_pair_s_) {
      peak_ = std::max(peak_, pending_.front().gyro_norm_rad_s());
      pending_.pop_front();
    }
    burst_ = peak_ > cfg_.tau_s_rad_s;
    last_peak_ = peak_;
    pairs.push_back({next_pair_s_, burst_, peak_});
    next_pair_s_ += burst_ ? cfg_.burst_interval_s : cfg_.slow_interval_s;
    peak_ = 0;
  }
  return pairs;
}

}  // namespace p2a
