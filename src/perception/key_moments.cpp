#include <array>
#include <cmath>

#include "pro2assist/perception.hpp"

namespace p2a {

KeyMomentSelector::KeyMomentSelector(PerceptionConfig cfg) : cfg_(cfg) {}

void KeyMomentSelector::push(const HandMotion& m) { rows_.push_back(m); }

SampledPair KeyMomentSelector::label(double t_s, bool burst, double gyro_rad_s,
                                     bool session_has_flow) {
  // Rows older than the match window can never belong to this or a later pair.
  while (!rows_.empty() && rows_.front().t_s < t_s - cfg_.flow_match_s) rows_.pop_front();

  SampledPair p;
  p.t_s = t_s;
  p.burst = burst;
  p.gyro_rad_s = gyro_rad_s;
  std::array<double, 3> best_dt{1e9, 1e9, 1e9};
  for (const auto& r : rows_) {
    if (r.t_s > t_s + cfg_.flow_match_s) break;
    const double dt = std::abs(r.t_s - t_s);
    const auto i = static_cast<std::size_t>(r.region);
    if (dt >= best_dt[i]) continue;
    best_dt[i] = dt;
    FlowVec v{r.dx_px, r.dy_px};
    switch (r.region) {
      case Region::Left: p.flow.left = v; break;
      case Region::Right: p.flow.right = v; break;
      case Region::Frame: p.flow.frame = v; break;
    }
  }
  p.has_flow = p.flow.any();
  if (p.has_flow) {
    p.key = p.flow.magnitude() >= cfg_.tau_f_px;
  } else {
    // With no flow source at all the filter cannot drop anything; with one, a pair with
    // no matching row saw no movement.
    p.key = !session_has_flow || cfg_.tau_f_px <= 0;
  }
  p.cue = describe_motion(p.flow, cfg_.still_px);
  return p;
}

}  // namespace p2a
