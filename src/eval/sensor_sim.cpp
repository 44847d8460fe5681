// Sensor streams for a step timeline: what a head-mounted IMU and a hand-flow tracker see
// while someone works through steps. Head turns cluster at step changes (looking for the
// next item), hands move during steps with short pauses, and the gaps are mostly still.
#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <vector>

#include "eval/rng.hpp"
#include "pro2assist/sim.hpp"

namespace p2a {
namespace {

using sim::Rng;

constexpr double kGravity_m_s2 = 9.81;
constexpr double kBaselineGyroSd_rad_s = 0.03;  // per axis: a norm of about 0.05 rad/s

struct HeadTurn {
  double start_s = 0;
  double duration_s = 0;
  double peak_rad_s = 0;
  std::array<double, 3> axis{};  // unit vector
};

struct Interval {
  double start_s = 0;
  double end_s = 0;
  bool contains(double t_s) const { return t_s >= start_s && t_s < end_s; }
};

HeadTurn make_head_turn(double center_s, Rng& rng) {
  HeadTurn h;
  h.duration_s = rng.uniform(0.6, 1.5);
  h.start_s = center_s - 0.5 * h.duration_s;
  h.peak_rad_s = rng.uniform(0.6, 2.0);
  // Mostly a yaw (device y axis), with some pitch and roll mixed in.
  std::array<double, 3> a{rng.normal(0, 0.3), rng.chance(0.5) ? 1.0 : -1.0, rng.normal(0, 0.3)};
  const double norm = std::sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
  for (auto& c : a) c /= norm;
  h.axis = a;
  return h;
}

// Segment starts and ends, with ones closer than 1 s merged: a quick step change is one
// look around, not two.
std::vector<double> step_changes_s(const Annotations& truth) {
  std::vector<double> t;
  for (const auto& seg : truth.steps) {
    t.push_back(seg.start_s);
    t.push_back(seg.end_s);
  }
  std::sort(t.begin(), t.end());
  std::vector<double> merged;
  for (double x : t) {
    if (!merged.empty() && x - merged.back() < 1.0)
      merged.back() = 0.5 * (merged.back() + x);
    else
      merged.push_back(x);
  }
  return merged;
}

std::vector<HeadTurn> plan_head_turns(const Annotations& truth, Rng& rng) {
  std::vector<HeadTurn> turns;
  for (double b : step_changes_s(truth))
    if (rng.chance(0.8)) turns.push_back(make_head_turn(b + rng.uniform(-1.0, 1.0), rng));
  for (const auto& seg : truth.steps) {
    for (double t = seg.start_s + rng.exponential(40.0); t < seg.end_s;
         t += rng.exponential(40.0))
      turns.push_back(make_head_turn(t, rng));
  }
  std::sort(turns.begin(), turns.end(),
            [](const HeadTurn& a, const HeadTurn& b) { return a.start_s < b.start_s; });
  return turns;
}

void synthesize_imu(const Annotations& truth, double duration_s, const SensorOptions& opt,
                    Rng& rng, std::vector<ImuSample>& imu) {
  imu.clear();
  if (opt.imu_rate_hz <= 0 || duration_s <= 0) return;
  const std::vector<HeadTurn> turns = plan_head_turns(truth, rng);
  const auto n = static_cast<std::size_t>(std::floor(duration_s * opt.imu_rate_hz)) + 1;
  imu.reserve(n);
  // Sensor noise plus slow sway: an AR(1) process keeps neighbouring samples related.
  const double keep = 0.7;
  const double innovation_sd = kBaselineGyroSd_rad_s * std::sqrt(1 - keep * keep);
  std::array<double, 3> sway{};
  std::size_t first_turn = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ImuSample s;
    s.t_s = static_cast<double>(i) / opt.imu_rate_hz;
    for (auto& v : sway) v = keep * v + rng.normal(0, innovation_sd);
    s.gyro_rad_s = sway;
    while (first_turn < turns.size() &&
           turns[first_turn].start_s + turns[first_turn].duration_s < s.t_s)
      ++first_turn;
    for (std::size_t k = first_turn; k < turns.size() && turns[k].start_s <= s.t_s; ++k) {
      const HeadTurn& h = turns[k];
      const double phase = (s.t_s - h.start_s) / h.duration_s;
      if (phase < 0 || phase > 1) continue;
      const double rate = h.peak_rad_s * std::sin(std::numbers::pi * phase);
      for (int a = 0; a < 3; ++a) s.gyro_rad_s[a] += rate * h.axis[a];
    }
    s.accel_m_s2 = std::array<double, 3>{rng.normal(0, 0.05), kGravity_m_s2 + rng.normal(0, 0.05),
                                         rng.normal(0, 0.05)};
    imu.push_back(s);
  }
}

// Pauses inside steps (both hands still) every 15-30 s, and reaches for things in some gaps.
struct Reach {
  Interval when;
  Region hand = Region::Right;
  double magnitude_px = 0;
  double angle_rad = 0;
};
struct HandPlan {
  std::vector<Interval> pauses;
  std::vector<Reach> reaches;
};

HandPlan plan_hands(const Annotations& truth, Rng& rng) {
  HandPlan plan;
  for (const auto& seg : truth.steps) {
    for (double t = seg.start_s + rng.uniform(15.0, 30.0); t + 1.0 < seg.end_s;) {
      const double d = rng.uniform(1.0, 4.0);
      plan.pauses.push_back({t, std::min(t + d, seg.end_s)});
      t += d + rng.uniform(15.0, 30.0);
    }
  }
  for (std::size_t i = 0; i + 1 < truth.steps.size(); ++i) {
    const double gap_start_s = truth.steps[i].end_s;
    const double gap_end_s = truth.steps[i + 1].start_s;
    if (gap_end_s - gap_start_s < 1.0 || !rng.chance(0.35)) continue;
    const double d = std::min(rng.uniform(0.5, 1.5), gap_end_s - gap_start_s);
    const double t = rng.uniform(gap_start_s, gap_end_s - d);
    plan.reaches.push_back({{t, t + d}, rng.chance(0.7) ? Region::Right : Region::Left,
                            rng.uniform(10.0, 25.0), rng.uniform(0.0, 2 * std::numbers::pi)});
  }
  return plan;
}

// One hand's flow during a step: episodes of 0.4-2 s with a steady speed and a drifting
// direction, like wiping, stirring or moving an item across the counter.
class ActiveHand {
 public:
  explicit ActiveHand(Region region) : region_(region) {}

  std::pair<double, double> next(double t_s, Rng& rng) {
    if (t_s >= episode_end_s_) {
      episode_end_s_ = t_s + rng.uniform(0.4, 2.0);
      // The left hand often just holds the item the right hand works on.
      const bool holding = region_ == Region::Left && rng.chance(0.2);
      magnitude_px_ = holding ? rng.uniform(1.0, 6.0) : rng.uniform(8.0, 40.0);
      angle_rad_ = rng.uniform(0.0, 2 * std::numbers::pi);
    }
    angle_rad_ += rng.normal(0, 0.2);
    const double m = std::max(0.0, magnitude_px_ * (1 + rng.normal(0, 0.15)));
    return {m * std::cos(angle_rad_), m * std::sin(angle_rad_)};
  }
  void interrupt() { episode_end_s_ = -1; }

 private:
  Region region_;
  double episode_end_s_ = -1;
  double magnitude_px_ = 0;
  double angle_rad_ = 0;
};

// Hands at rest: small jitter of the tracker, bounded below max_px.
std::pair<double, double> quiet_flow(double max_px, Rng& rng) {
  double dx = rng.normal(0, 0.8), dy = rng.normal(0, 0.8);
  const double m = std::hypot(dx, dy);
  if (m >= max_px) {
    const double scale = 0.9 * max_px / m;
    dx *= scale;
    dy *= scale;
  }
  return {dx, dy};
}

void synthesize_hands(const Annotations& truth, double duration_s, const SensorOptions& opt,
                      Rng& rng, std::vector<HandMotion>& rows) {
  rows.clear();
  if (opt.flow_rate_hz <= 0 || duration_s <= 0) return;
  const HandPlan plan = plan_hands(truth, rng);
  std::array<ActiveHand, 2> hands{ActiveHand(Region::Left), ActiveHand(Region::Right)};
  const std::array<Region, 2> regions{Region::Left, Region::Right};
  const auto n = static_cast<std::size_t>(std::floor(duration_s * opt.flow_rate_hz));
  rows.reserve(2 * n);
  std::size_t seg = 0;
  for (std::size_t i = 1; i <= n; ++i) {
    const double t_s = static_cast<double>(i) / opt.flow_rate_hz;
    while (seg < truth.steps.size() && truth.steps[seg].end_s <= t_s) ++seg;
    const bool in_step = seg < truth.steps.size() && truth.steps[seg].start_s <= t_s;
    const bool paused = in_step && std::any_of(plan.pauses.begin(), plan.pauses.end(),
                                               [&](const Interval& p) { return p.contains(t_s); });
    for (std::size_t h = 0; h < 2; ++h) {
      std::pair<double, double> flow;
      if (in_step && !paused) {
        flow = hands[h].next(t_s, rng);
      } else {
        hands[h].interrupt();
        flow = quiet_flow(in_step ? 3.0 : 4.0, rng);
        for (const Reach& r : plan.reaches) {
          if (r.hand != regions[h] || !r.when.contains(t_s)) continue;
          const double m = r.magnitude_px * (1 + rng.normal(0, 0.15));
          flow = {m * std::cos(r.angle_rad), m * std::sin(r.angle_rad)};
        }
      }
      rows.push_back({t_s, regions[h], flow.first, flow.second});
    }
  }
}

}  // namespace

void synthesize_sensors(const Annotations& truth, double duration_s, const SensorOptions& opt,
                        Session& out) {
  Rng imu_rng(opt.seed, "sensors-imu");
  synthesize_imu(truth, duration_s, opt, imu_rng, out.imu);
  Rng hand_rng(opt.seed, "sensors-hands");
  synthesize_hands(truth, duration_s, opt, hand_rng, out.hand_motion);
}

}  // namespace p2a
