// Motion-based perception (seed §1): gyro-driven adaptive sampling of frame pairs,
// key-moment selection by hand flow, and hand-motion cues as text.
#pragma once

#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pro2assist/session.hpp"

namespace p2a {

struct PerceptionConfig {
  double tau_s_rad_s = 0.3;       // head rotation that switches to burst sampling
  double tau_f_px = 10.0;         // hand flow below which a pair is dropped
  double slow_interval_s = 1.0;   // a pair every 1 s ...
  double burst_interval_s = 0.5;  // ... every 0.5 s in burst mode
  double pair_gap_s = 0.1;        // two frames 0.1 s apart
  double still_px = 2.0;          // below this a hand is "almost still"
  double flow_match_s = 0.25;     // hand_motion rows within this of a pair belong to it
};

// Decides when to take a frame pair from the gyro stream. The interval after a pair is
// the burst interval when the peak gyro norm since the previous pair exceeded tau_s.
// Without any gyro data it samples at the slow interval.
struct PairTick {
  double t_s = 0;
  bool burst = false;        // the interval that ends here saw a head turn
  double gyro_rad_s = 0;     // peak gyro norm in that interval
};

class AdaptiveSampler {
 public:
  explicit AdaptiveSampler(PerceptionConfig cfg = {}, double start_s = 0.0);
  void push(const ImuSample& s);
  // Pair times <= t_s not yet returned. Call with non-decreasing t_s.
  std::vector<PairTick> advance_to(double t_s);
  // State as of the last pair returned: burst mode, and the peak gyro norm before it.
  bool burst() const { return burst_; }
  double peak_gyro_rad_s() const { return last_peak_; }

 private:
  PerceptionConfig cfg_;
  double next_pair_s_;
  std::deque<ImuSample> pending_;
  double peak_ = 0;       // peak gyro norm since the last pair
  double last_peak_ = 0;
  bool burst_ = false;
};

struct FlowVec {
  double dx_px = 0;
  double dy_px = 0;
  double magnitude() const;
};

struct HandFlow {
  std::optional<FlowVec> left, right, frame;
  bool any() const { return left || right || frame; }
  double magnitude() const;  // largest region magnitude, 0 when none
};

// "right", "down-right", "down", ... (image axes: +x right, +y down).
std::string direction8(double dx_px, double dy_px);
// "the left hand is moving down-right, the right hand is almost still"
std::string describe_motion(const HandFlow& f, double still_px);

struct SampledPair {
  double t_s = 0;
  bool burst = false;
  double gyro_rad_s = 0;    // peak gyro norm in the interval before the pair
  HandFlow flow;
  bool has_flow = false;    // a hand_motion row matched this pair
  bool key = false;         // key moment: flow >= tau_f (or no flow data at all)
  std::string cue;          // describe_motion(flow)
  std::optional<std::filesystem::path> frame_file;  // nearest JPEG frame, when one exists
};

// Collects hand_motion rows and labels sampled pairs. A pair is a key moment when its flow
// magnitude reaches tau_f; sessions with no flow information at all keep every pair.
class KeyMomentSelector {
 public:
  explicit KeyMomentSelector(PerceptionConfig cfg = {});
  void push(const HandMotion& m);
  // Latest time for which all rows needed to label a pair at t may still be pending.
  double lookahead_s() const { return cfg_.flow_match_s; }
  SampledPair label(double t_s, bool burst, double gyro_rad_s, bool session_has_flow);

 private:
  PerceptionConfig cfg_;
  std::deque<HandMotion> rows_;
};

}  // namespace p2a
