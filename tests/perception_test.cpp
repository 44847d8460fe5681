// Sampler, key-moment selector and motion cues on hand-made streams with known answers.
#include <gtest/gtest.h>

#include "pro2assist/perception.hpp"

using namespace p2a;

namespace {
ImuSample gyro(double t_s, double norm) {
  ImuSample s;
  s.t_s = t_s;
  s.gyro_rad_s = {0, norm, 0};
  return s;
}
std::vector<double> times(const std::vector<PairTick>& ticks) {
  std::vector<double> t;
  for (const auto& k : ticks) t.push_back(k.t_s);
  return t;
}
}  // namespace

TEST(AdaptiveSampler, OnePairPerSecondWhenTheHeadIsStill) {
  AdaptiveSampler s;
  for (int i = 0; i <= 500; ++i) s.push(gyro(i * 0.01, 0.1));
  EXPECT_EQ(times(s.advance_to(5.0)), (std::vector<double>{0, 1, 2, 3, 4, 5}));
}

TEST(AdaptiveSampler, BurstHalvesTheIntervalWhileTheHeadTurns) {
  AdaptiveSampler s;
  // Head turn (0.8 rad/s) between 2.2 s and 3.6 s, still elsewhere; 100 Hz.
  for (int i = 0; i <= 800; ++i) {
    const double t = i * 0.01;
    s.push(gyro(t, (t > 2.2 && t < 3.6) ? 0.8 : 0.05));
  }
  auto ticks = s.advance_to(8.0);
  // Pair at 3 sees the turn in (2,3] -> next at 3.5, which sees (3,3.5] -> next 4.0,
  // which sees (3.5,4.0] (turn until 3.6) -> 4.5; (4,4.5] is still -> 5.5, 6.5, 7.5.
  EXPECT_EQ(times(ticks), (std::vector<double>{0, 1, 2, 3, 3.5, 4.0, 4.5, 5.5, 6.5, 7.5}));
  EXPECT_FALSE(ticks[2].burst);
  EXPECT_TRUE(ticks[3].burst);
  EXPECT_NEAR(ticks[3].gyro_rad_s, 0.8, 1e-9);
  EXPECT_FALSE(ticks[6].burst);
}

TEST(AdaptiveSampler, ThresholdIsStrict) {
  PerceptionConfig cfg;
  AdaptiveSampler s(cfg);
  s.push(gyro(0.5, cfg.tau_s_rad_s));  // exactly tau_s: not a burst
  auto ticks = s.advance_to(2.0);
  EXPECT_EQ(times(ticks), (std::vector<double>{0, 1, 2}));
}

TEST(AdaptiveSampler, NoGyroMeansSlowSampling) {
  AdaptiveSampler s;
  EXPECT_EQ(s.advance_to(3.5).size(), 4u);
  EXPECT_EQ(times(s.advance_to(4.0)), (std::vector<double>{4}));
}

TEST(MotionCues, EightDirectionsInImageAxes) {
  EXPECT_EQ(direction8(10, 0), "right");
  EXPECT_EQ(direction8(10, 10), "down-right");
  EXPECT_EQ(direction8(0, 10), "down");
  EXPECT_EQ(direction8(-10, 10), "down-left");
  EXPECT_EQ(direction8(-10, 0), "left");
  EXPECT_EQ(direction8(-10, -10), "up-left");
  EXPECT_EQ(direction8(0, -10), "up");
  EXPECT_EQ(direction8(10, -10), "up-right");
  // Sector edges: 22.4 degrees is still "right", 22.6 is "down-right".
  EXPECT_EQ(direction8(std::cos(0.39), std::sin(0.39)), "right");
  EXPECT_EQ(direction8(std::cos(0.40), std::sin(0.40)), "down-right");
}

TEST(MotionCues, DescribesEachHandAndStillness) {
  HandFlow f;
  f.left = FlowVec{12, 9};
  f.right = FlowVec{0.5, -1.0};
  EXPECT_EQ(describe_motion(f, 2.0),
            "the left hand is moving down-right, the right hand is almost still");
  HandFlow only_frame;
  only_frame.frame = FlowVec{-30, 0};
  EXPECT_EQ(describe_motion(only_frame, 2.0), "the hands are moving left");
  HandFlow left_only;
  left_only.left = FlowVec{0, -20};
  EXPECT_EQ(describe_motion(left_only, 2.0),
            "the left hand is moving up, the right hand is not visible");
  EXPECT_EQ(describe_motion(HandFlow{}, 2.0), "no hand motion information");
}

TEST(KeyMomentSelector, KeepsPairsWhoseFlowReachesTauF) {
  KeyMomentSelector sel;
  // Flow rows at 10 Hz; each row is (left, right).
  auto row = [&](double t, double l, double r) {
    sel.push({t, Region::Left, l, 0});
    sel.push({t, Region::Right, 0, r});
  };
  row(0.9, 3, 4);
  row(1.0, 11, 2);   // pair at 1.0: left 11 px -> key
  row(1.1, 40, 40);  // a neighbour row, not the nearest
  row(2.0, 9.9, 9.9);  // pair at 2.0: max 9.9 < 10 -> dropped
  row(3.0, 0, -10);  // exactly tau_f -> key (>=)
  auto p1 = sel.label(1.0, false, 0, true);
  EXPECT_TRUE(p1.has_flow);
  EXPECT_TRUE(p1.key);
  EXPECT_NEAR(p1.flow.left->dx_px, 11, 1e-9);
  EXPECT_EQ(p1.cue, "the left hand is moving right, the right hand is moving down");
  auto p2 = sel.label(2.0, false, 0, true);
  EXPECT_FALSE(p2.key);
  auto p3 = sel.label(3.0, false, 0, true);
  EXPECT_TRUE(p3.key);
  EXPECT_EQ(p3.cue, "the left hand is almost still, the right hand is moving up");
  // A pair with no row nearby in a session that has flow saw nothing move.
  auto p4 = sel.label(5.0, false, 0, true);
  EXPECT_FALSE(p4.has_flow);
  EXPECT_FALSE(p4.key);
}

TEST(KeyMomentSelector, WithoutAnyFlowSourceEveryPairIsKept) {
  KeyMomentSelector sel;
  auto p = sel.label(1.0, true, 0.9, /*session_has_flow=*/false);
  EXPECT_TRUE(p.key);
  EXPECT_TRUE(p.burst);
  EXPECT_EQ(p.cue, "no hand motion information");
}
