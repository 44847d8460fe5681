// SPEC §5 metrics on hand-made timelines. Every expected value is worked out by hand in the
// comments, grid point by grid point, so a change to a definition shows up as a changed count.
#include <gtest/gtest.h>

#include <cmath>

#include "pro2assist/metrics.hpp"

namespace p2a {
namespace {

constexpr double kTol = 1e-9;

Guideline chain(const std::vector<std::pair<StepId, std::vector<StepId>>>& steps) {
  Guideline g;
  g.id = "test";
  g.title = "Test";
  for (const auto& [id, req] : steps) {
    Step s;
    s.id = id;
    s.text = "do " + id;
    s.requires_ = req;
    g.steps.push_back(s);
  }
  g.finalize();
  return g;
}

Annotations truth_of(std::vector<GtSegment> segs) {
  Annotations a;
  a.steps = std::move(segs);
  return a;
}

// A decision; `say` non-empty means a delivered message of that kind.
Decision at(double t_s, std::optional<StepId> step, std::optional<Status> status, bool trigger,
            std::optional<Kind> say = std::nullopt, std::optional<StepId> about = std::nullopt,
            bool vlm = false) {
  Decision d;
  d.t_s = t_s;
  d.step = std::move(step);
  d.status = status;
  d.trigger = trigger;
  d.deliver = say.has_value();
  d.kind = say;
  if (say) d.message = "msg";
  d.about = std::move(about);
  d.vlm = vlm;
  return d;
}

TEST(StatusWindow, FollowsTheSpecFormula) {
  EXPECT_NEAR(status_window_s(0, 100), 10.0, kTol);   // 0.2*100 = 20, capped at 10
  EXPECT_NEAR(status_window_s(0, 20), 4.0, kTol);     // 0.2*20
  EXPECT_NEAR(status_window_s(5, 8), 1.0, kTol);      // 0.6 raised to 1, below 3/2
  EXPECT_NEAR(status_window_s(0, 1.5), 0.75, kTol);   // 1 s would exceed half of 1.5 s
  EXPECT_NEAR(status_window_s(10.2, 11.6), 0.7, kTol);
}

// Ground truth naming steps the guideline lacks (another task's guideline) is found, each
// step once, in order of first use.
TEST(StepsNotIn, ListsTheAnnotatedStepsTheGuidelineLacks) {
  const Guideline g = chain({{"a", {}}, {"b", {"a"}}});
  EXPECT_TRUE(steps_not_in(g, truth_of({{"a", 0, 5}, {"b", 5, 9}})).empty());
  EXPECT_EQ(steps_not_in(g, truth_of({{"x", 0, 5}, {"a", 5, 9}, {"y", 9, 12}, {"x", 12, 15}})),
            (std::vector<StepId>{"x", "y"}));
}

TEST(ProactivePeriods, GapsAreCappedAtThirtySeconds) {
  // A [10,30) w=4; B [32,52) w=4; C [100,110) w=2.
  // A: guidance starts at its own start: [10,14]; about_to_finish [26,30].
  // B: from A's end: [30,36]; [48,52].  C: gap 48 s capped: max(52, 70) = 70 -> [70,102]; [108,110].
  const auto p = proactive_periods(truth_of({{"A", 10, 30}, {"B", 32, 52}, {"C", 100, 110}}));
  ASSERT_EQ(p.size(), 6u);
  const double want[6][2] = {{10, 14}, {26, 30}, {30, 36}, {48, 52}, {70, 102}, {108, 110}};
  const char* step[6] = {"A", "A", "B", "B", "C", "C"};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(p[i].step, step[i]) << i;
    EXPECT_NEAR(p[i].start_s, want[i][0], kTol) << i;
    EXPECT_NEAR(p[i].end_s, want[i][1], kTol) << i;
    EXPECT_EQ(p[i].about_to_finish, i % 2 == 1) << i;
  }
}

TEST(ProactivePeriods, OverlappingSegmentsStartNoLaterThanTheStep) {
  // A [0,100) w=10; B [10,20) w=2 runs inside A; C [105,125) w=4.
  // B: the work before it (A) has not ended, so guidance is just [10,12].
  // C: the latest end before it is A's 100 (not B's 20): [max(100, 75), 109].
  const auto p = proactive_periods(truth_of({{"A", 0, 100}, {"B", 10, 20}, {"C", 105, 125}}));
  ASSERT_EQ(p.size(), 6u);
  EXPECT_NEAR(p[0].start_s, 0, kTol);
  EXPECT_NEAR(p[0].end_s, 10, kTol);
  EXPECT_NEAR(p[1].start_s, 90, kTol);
  EXPECT_NEAR(p[2].start_s, 10, kTol);
  EXPECT_NEAR(p[2].end_s, 12, kTol);
  EXPECT_NEAR(p[3].start_s, 18, kTol);
  EXPECT_NEAR(p[4].start_s, 100, kTol);
  EXPECT_NEAR(p[4].end_s, 109, kTol);
  EXPECT_NEAR(p[5].start_s, 121, kTol);
  EXPECT_NEAR(p[5].end_s, 125, kTol);
}

// Truth: a [10,20) w=2, b [25,35) w=2, c [40,43) w=1. Grid t = 10..43: 34 points.
// Truth per point: 10-11 a js; 12-17 a ip; 18-19 a atf; 20-24 gap (a|b); 25-26 b js;
// 27-32 b ip; 33-34 b atf; 35-39 gap (b|c); 40 c js; 41 c ip; 42 c atf; 43 after c (c).
// Periods: a [10,12] [18,20]; b [20,27] [33,35]; c [35,41] [42,43].
// In-period points: 10-12, 18-27, 33-41, 42-43 = 3+10+9+2 = 24; out: 13-17, 28-32 = 10.
struct MainData {
  Guideline g = chain({{"a", {}}, {"b", {"a"}}, {"c", {"b"}}});
  Annotations truth = truth_of({{"a", 10, 20}, {"b", 25, 35}, {"c", 40, 43}});
  std::vector<Decision> d = {
      // before the first step; held at 10-12 (a js, trigger): a message outside a's periods
      at(5, "a", Status::JustStart, true, Kind::Instruction, "a", true),
      at(13, "a", Status::InProgress, false),                                  // 13-17
      at(18, "a", Status::AboutToFinish, true, Kind::NextStep, "b", true),     // 18-20
      at(21, "b", Status::Transition, true, Kind::Instruction, "b"),           // 21-23
      at(24, "b", Status::Transition, true, Kind::Hesitation, "b"),            // 24-27 (2nd msg)
      at(28, "b", Status::InProgress, false, std::nullopt, std::nullopt, true),// 28-30
      at(30.5, "b", Status::InProgress, true, Kind::Reminder, "b"),            // 31-32, no period
      at(33, "b", Status::AboutToFinish, true),                                // 33-35, not shown
      at(36, "c", Status::Transition, true, Kind::Instruction, "c"),           // 36-39
      at(40, "c", Status::JustStart, false, std::nullopt, std::nullopt, true), // 40-41 missed
      at(42, "b", Status::AboutToFinish, true),                                // 42-43 wrong step
  };
};
struct MainTimeline : ::testing::Test, MainData {};

TEST_F(MainTimeline, StepAndStatusAccuracy) {
  const Metrics m = score(g, truth, d);
  EXPECT_EQ(m.grid_points, 34);
  // Step right: 10-12 (3), 13-17 (5), 18-20 (3, 20 is the gap, a neighbours it), 21-27 (7: the
  // gap counts b as the next step), 28-30 (3), 31-32 (2), 33-35 (3), 36-39 (4, c next),
  // 40-41 (2); 42 c covers but b held, 43 after c: b wrong. 32 of 34.
  EXPECT_EQ(m.step_right, 32);
  EXPECT_NEAR(m.step_acc, 32.0 / 34.0, kTol);
  // Status right: 10-11 js (2; 12 is ip); 13-17 (5); 18-19 (2; 20 is transition); 21-24 (4;
  // 25-27 are b js/ip); 28-32 (5); 33-34 (2); 36-39 (4); 40 (1; 41 is ip); 42: b is wrong, so
  // any covering status counts and c is atf (1); 43 transition != atf. 26 of 34.
  EXPECT_EQ(m.status_right, 26);
  EXPECT_NEAR(m.status_acc, 26.0 / 34.0, kTol);
}

TEST_F(MainTimeline, TriggerAccuracyMissedAndFalseDetections) {
  const Metrics m = score(g, truth, d);
  // Wrong trigger: 31-32 (held trigger out of period) and 40-41 (no trigger in c's guidance).
  EXPECT_EQ(m.trigger_right, 30);
  EXPECT_NEAR(m.acc_p, 30.0 / 34.0, kTol);
  EXPECT_EQ(m.in_period_points, 24);
  EXPECT_EQ(m.missed_points, 2);
  EXPECT_NEAR(m.md, 2.0 / 24.0, kTol);
  EXPECT_EQ(m.out_period_points, 10);
  EXPECT_EQ(m.false_points, 2);
  EXPECT_NEAR(m.fd, 2.0 / 10.0, kTol);
}

TEST_F(MainTimeline, TimelinessCountsOnlyTheFirstMessageOfAPeriod) {
  const Metrics m = score(g, truth, d);
  // a [10,12]: the t=5 message is before it, the t=18 one after: 0.
  // a [18,20]: t=18 is for a (its step): exp(0) = 1.
  // b [20,27]: first for b inside is t=21 (t=24 is ignored): exp(-1/7).
  // b [33,35]: nothing delivered for b inside (t=33 not shown, t=30.5 before): 0.
  // c [35,41]: t=36: exp(-1/6).  c [42,43]: nothing delivered: 0.
  const double sum = 1.0 + std::exp(-1.0 / 7.0) + std::exp(-1.0 / 6.0);
  EXPECT_EQ(m.periods, 6);
  EXPECT_NEAR(m.sts_sum, sum, kTol);
  EXPECT_NEAR(m.sts, sum / 6.0, kTol);
  // Split by kind. Guidance as a step starts: a [10,12] 0, b [20,27] exp(-1/7), c [35,41]
  // exp(-1/6); two of three periods got a message. About to finish: a [18,20] 1, b and c 0;
  // one of three.
  EXPECT_EQ(m.start_periods, 3);
  EXPECT_EQ(m.finish_periods, 3);
  EXPECT_EQ(m.start_hits, 2);
  EXPECT_EQ(m.finish_hits, 1);
  EXPECT_NEAR(m.sts_start, (std::exp(-1.0 / 7.0) + std::exp(-1.0 / 6.0)) / 3.0, kTol);
  EXPECT_NEAR(m.sts_finish, 1.0 / 3.0, kTol);
  EXPECT_NEAR(m.start_hit_share, 2.0 / 3.0, kTol);
  EXPECT_NEAR(m.finish_hit_share, 1.0 / 3.0, kTol);
}

TEST_F(MainTimeline, MessagePrecisionRateAndCost) {
  const Metrics m = score(g, truth, d);
  // Delivered: t=5 (outside a's periods), 18 (a atf), 21 and 24 (b guidance), 30.5 (outside),
  // 36 (c guidance): 4 of 6 in a period of their step.
  EXPECT_EQ(m.messages, 6);
  EXPECT_EQ(m.guidance_msgs, 6);
  EXPECT_EQ(m.messages_in_period, 4);
  EXPECT_NEAR(m.msg_precision, 4.0 / 6.0, kTol);
  // Task: 10 to 43 s = 0.55 min.
  EXPECT_NEAR(m.task_minutes, 0.55, kTol);
  EXPECT_NEAR(m.msgs_per_min, 6.0 / 0.55, kTol);
  // Model calls at t = 5, 18, 28, 40 over 11 moments.
  EXPECT_EQ(m.model_calls, 4);
  EXPECT_EQ(m.moments, 11);
  EXPECT_NEAR(m.calls_per_min, 4.0 / 0.55, kTol);
  EXPECT_NEAR(m.calls_per_moment, 4.0 / 11.0, kTol);
  // Steps in order: no mistake windows, no mistake messages; both figures 0 by definition.
  EXPECT_EQ(m.mistake_windows, 0);
  EXPECT_EQ(m.mistake_msgs, 0);
  EXPECT_NEAR(m.mistake_recall, 0, kTol);
  EXPECT_NEAR(m.mistake_precision, 0, kTol);
}

TEST_F(MainTimeline, DecisionOrderDoesNotMatter) {
  std::vector<Decision> shuffled(d.rbegin(), d.rend());
  const Metrics a = score(g, truth, d);
  const Metrics b = score(g, truth, shuffled);
  EXPECT_EQ(a.step_right, b.step_right);
  EXPECT_EQ(a.status_right, b.status_right);
  EXPECT_NEAR(a.sts_sum, b.sts_sum, kTol);
}

// Truth a [10,20) w=2; one decision at 12. Grid 10..20: 11 points. Periods [10,12], [18,20].
// 10-11: nothing decided yet: step, status and trigger wrong (in period: missed).
// 12: a ip right/right, in period, no trigger: missed. 13-17: right/right, out, no trigger: right.
// 18-19: a atf: step right, status wrong, missed. 20: after a: transition; step right, status
// wrong, missed.  Step 9/11, status 6/11, Acc-P 5/11, MD 6/6, FD 0/5.
TEST(Score, NoDecisionYetCountsAsWrong) {
  const Guideline g = chain({{"a", {}}});
  const Metrics m = score(g, truth_of({{"a", 10, 20}}), {at(12, "a", Status::InProgress, false)});
  EXPECT_EQ(m.grid_points, 11);
  EXPECT_NEAR(m.step_acc, 9.0 / 11.0, kTol);
  EXPECT_NEAR(m.status_acc, 6.0 / 11.0, kTol);
  EXPECT_NEAR(m.acc_p, 5.0 / 11.0, kTol);
  EXPECT_NEAR(m.md, 1.0, kTol);
  EXPECT_NEAR(m.fd, 0.0, kTol);
  EXPECT_NEAR(m.sts, 0.0, kTol);
  EXPECT_EQ(m.periods, 2);
  EXPECT_NEAR(m.msg_precision, 0.0, kTol);  // no messages at all
  EXPECT_NEAR(m.calls_per_moment, 0.0, kTol);
}

// A decision that names no step (as another program's decision stream may hold) is
// judged on its status alone: a [10,20) w=2; "in progress" from 10 is right at 12-17 (6 of 11
// points), "transition" from 20 right at 20 (after a ends). No step is ever right.
TEST(Score, StatusWithoutAStepIsStillJudged) {
  const Guideline g = chain({{"a", {}}});
  const Metrics m = score(g, truth_of({{"a", 10, 20}}),
                          {at(10, std::nullopt, Status::InProgress, false),
                           at(20, std::nullopt, Status::Transition, false)});
  EXPECT_EQ(m.grid_points, 11);
  EXPECT_NEAR(m.step_acc, 0.0, kTol);
  EXPECT_NEAR(m.status_acc, 7.0 / 11.0, kTol);
}

// A [0,10) w=2 (js 0-1, ip 2-7, atf 8-9); B [4,8) w=1 inside it (js 4, ip 5-6, atf 7).
// Grid 0..10: 11 points; 10 is after both (A ended last, at 10).
TEST(Score, OverlappingSegments) {
  const Guideline g = chain({{"A", {}}, {"B", {}}});
  const std::vector<Decision> d = {
      at(0, "A", Status::JustStart, false),   // 0,1 right/right; 2,3 right/wrong (A is ip)
      at(4, "B", Status::JustStart, false),   // 4 right/right
      at(5, "A", Status::InProgress, false),  // 5,6 right/right
      // 7: B covers and is held, so B's status (atf) decides, not A's (ip): right/wrong
      at(7, "B", Status::InProgress, false),
      // 8,9: B is over, only A covers: step wrong; status matches A's atf: right
      at(8, "B", Status::AboutToFinish, false),
      at(10, "A", Status::Transition, false),  // 10: after A: right/right
  };
  const Metrics m = score(g, truth_of({{"A", 0, 10}, {"B", 4, 8}}), d);
  EXPECT_EQ(m.grid_points, 11);
  EXPECT_EQ(m.step_right, 9);    // all but 8, 9
  EXPECT_EQ(m.status_right, 8);  // 0,1,4,5,6,8,9,10
}

// a [0,10) w=2; b [10.2,11.6) is 1.4 s long, so w = 0.7 (half), not 1.
// Grid 0..11 (12 points). At 11: b js would be [10.2,10.9), atf [10.9,11.6): atf. (With w = 1
// it would still be inside js.) At 10: the 0.2 s gap: transition, a or b.
TEST(Score, ShortSegmentUsesHalfItsLengthAsWindow) {
  const Guideline g = chain({{"a", {}}, {"b", {"a"}}});
  const auto truth = truth_of({{"a", 0, 10}, {"b", 10.2, 11.6}});
  const std::vector<Decision> d = {
      at(0, "a", Status::JustStart, false),    // 0,1 right; 2-9 status wrong
      at(10, "b", Status::Transition, false),  // 10 right/right (next neighbour)
      at(11, "b", Status::AboutToFinish, false),
  };
  const Metrics m = score(g, truth, d);
  EXPECT_EQ(m.grid_points, 12);
  EXPECT_EQ(m.step_right, 12);
  EXPECT_EQ(m.status_right, 4);
  const auto p = proactive_periods(truth);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_NEAR(p[2].start_s, 10.0, kTol);  // b's guidance starts where a ended
  EXPECT_NEAR(p[2].end_s, 10.9, kTol);
  EXPECT_NEAR(p[3].start_s, 10.9, kTol);
  EXPECT_NEAR(p[3].end_s, 11.6, kTol);
}

// Guideline: b needs a; c needs a and b; d needs c. Truth: b [0,10), a [12,20), d [22,30);
// c is never done. Windows: b at 0 (a not started: missing {a}) -> [0,20];
// d at 22 (c never started: missing {c}) -> [22,42]. a has no prerequisites.
TEST(Score, MistakeWindowsHitsAndPrecision) {
  const Guideline g = chain({{"a", {}}, {"b", {"a"}}, {"c", {"a", "b"}}, {"d", {"c"}}});
  const auto truth = truth_of({{"b", 0, 10}, {"a", 12, 20}, {"d", 22, 30}});
  const auto w = mistake_windows(g, truth);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].step, "b");
  EXPECT_EQ(w[0].missing, std::vector<StepId>{"a"});
  EXPECT_NEAR(w[0].start_s, 0, kTol);
  EXPECT_NEAR(w[0].end_s, 20, kTol);
  EXPECT_EQ(w[1].step, "d");
  EXPECT_EQ(w[1].missing, std::vector<StepId>{"c"});
  EXPECT_NEAR(w[1].start_s, 22, kTol);
  EXPECT_NEAR(w[1].end_s, 42, kTol);

  const std::vector<Decision> d = {
      at(3, "b", Status::JustStart, true, Kind::Mistake, "a"),      // hits window b (missing a)
      at(25, "d", Status::InProgress, true, Kind::Mistake, "b"),    // in d's window, wrong about
      at(41, "d", Status::InProgress, true, std::nullopt, "d"),     // not delivered
      at(42.5, "d", Status::Transition, true, Kind::Mistake, "d"),  // just after d's window
      at(50, "d", Status::Transition, true, Kind::Mistake, "c"),    // long after
  };
  const Metrics m = score(g, truth, d);
  EXPECT_EQ(m.mistake_windows, 2);
  EXPECT_EQ(m.mistake_hits, 1);
  EXPECT_NEAR(m.mistake_recall, 0.5, kTol);
  EXPECT_EQ(m.mistake_msgs, 4);
  EXPECT_EQ(m.mistake_msgs_hit, 1);
  EXPECT_NEAR(m.mistake_precision, 0.25, kTol);
  // Mistake alerts are not guidance: message precision has no base, but they are messages.
  EXPECT_EQ(m.guidance_msgs, 0);
  EXPECT_NEAR(m.msg_precision, 0, kTol);
  EXPECT_EQ(m.messages, 4);
  // The window closes at +20 s inclusive: an alert about d at 42 is a hit.
  const Metrics on_edge = score(g, truth, {at(42, "d", Status::InProgress, true, Kind::Mistake, "d")});
  EXPECT_EQ(on_edge.mistake_hits, 1);
  EXPECT_NEAR(on_edge.mistake_precision, 1.0, kTol);
}

// The MistakeWindowsHitsAndPrecision guideline and truth: b [0,10), a [12,20), d [22,30).
// Windows w = min(max(0.2 L, 1), 10, L/2): b 2 s, a and d 1.6 s. Guidance periods: b [0,2]
// (nothing before it), a [10,13.6], d [20,23.6]; about_to_finish: b [8,10], a [18.4,20],
// d [28.4,30]. Mistake windows: b [0,20], d [22,42].
TEST(ScoreAnswers, CountsThePeriodsAndWindowsTheAnswersTold) {
  const Guideline g = chain({{"a", {}}, {"b", {"a"}}, {"c", {"a", "b"}}, {"d", {"c"}}});
  const auto truth = truth_of({{"b", 0, 10}, {"a", 12, 20}, {"d", 22, 30}});
  const std::vector<AnswerSeen> answers = {
      {1, "b", Status::Transition},      // b's guidance told (any status); b's window not:
                                         // "transition" is not the step under way
      {9, "c", Status::AboutToFinish},   // in b's finish window, but another step
      {11, "a", Status::Transition},     // a's guidance told, from the gap before it
      {19, "a", Status::AboutToFinish},  // a's finish told
      {21, "c", Status::AboutToFinish},  // c has no periods
      {22, "b", Status::InProgress},     // after b's periods, and just after its window
      {24, "d", Status::JustStart},      // just after d's guidance period; d's window told
      {29, "d", Status::AboutToFinish},  // d's finish told
  };
  Metrics m = score(g, truth, {});
  score_answers(g, truth, answers, m);
  EXPECT_EQ(m.start_periods, 3);
  EXPECT_EQ(m.start_told, 2);
  EXPECT_NEAR(m.start_told_share, 2.0 / 3.0, kTol);
  EXPECT_EQ(m.finish_told, 2);
  EXPECT_NEAR(m.finish_told_share, 2.0 / 3.0, kTol);
  EXPECT_EQ(m.mistake_windows, 2);
  EXPECT_EQ(m.mistake_told, 1);
  EXPECT_NEAR(m.mistake_told_share, 0.5, kTol);
  // STS-told: a message at the first answer naming each period's step, whatever its status:
  // b's guidance at 1, a's at 11, a's finish at 19, d's finish at 29; b's finish window (only
  // c named in it) and d's guidance (b, c; d named just after) score 0.
  const double told_sum = std::exp(-1.0 / 2.0) + std::exp(-1.0 / 3.6) + 2 * std::exp(-0.6 / 1.6);
  EXPECT_NEAR(m.sts_told_sum, told_sum, kTol);
  EXPECT_NEAR(m.sts_told, told_sum / 6.0, kTol);
  // The earliest naming answer counts, in whatever order the answers come.
  Metrics late_first = score(g, truth, {});
  score_answers(g, truth, {{13, "a", Status::JustStart}, {11, "a", Status::Transition}}, late_first);
  EXPECT_NEAR(late_first.sts_told_sum, std::exp(-1.0 / 3.6), kTol);
  // Periods are closed: an answer on an edge tells it.
  Metrics edge = score(g, truth, {});
  score_answers(g, truth, {{23.6, "d", Status::InProgress}, {20, "a", Status::AboutToFinish}}, edge);
  EXPECT_EQ(edge.start_told, 1);
  EXPECT_EQ(edge.finish_told, 1);
  // Pooled by counts, like every other share.
  const Metrics both = pool({m, edge});
  EXPECT_EQ(both.start_told, 3);
  EXPECT_NEAR(both.start_told_share, 3.0 / 6.0, kTol);
  EXPECT_NEAR(both.finish_told_share, 3.0 / 6.0, kTol);
  EXPECT_NEAR(both.mistake_told_share, 2.0 / 4.0, kTol);
  EXPECT_NEAR(both.sts_told, (told_sum + 2 * std::exp(-1.0)) / 12.0, kTol);
  // No answers (no model): nothing told, and the other metrics are left as scored.
  Metrics none = score(g, truth, {at(1, "b", Status::JustStart, true, Kind::Instruction, "b")});
  const int hits = none.start_hits;
  score_answers(g, truth, {}, none);
  EXPECT_EQ(none.start_told + none.finish_told + none.mistake_told, 0);
  EXPECT_EQ(none.sts_told, 0.0);
  EXPECT_EQ(none.start_hits, hits);
  EXPECT_EQ(hits, 1);
}

// Guideline: b needs a, c needs b; e needs nothing and is never done. Truth: b [0,30), a
// [100,130), c [130,160): one mistake window, b begun before a, [0,20], missing {a}. Each case
// is one way its alert is had, missed or false.
TEST(ExplainMistakes, SaysWhyAWindowWasMissedAndAnAlertFalse) {
  const Guideline g = chain({{"a", {}}, {"b", {"a"}}, {"c", {"b"}}, {"e", {}}});
  const auto truth = truth_of({{"b", 0, 30}, {"a", 100, 130}, {"c", 130, 160}});
  ASSERT_EQ(mistake_windows(g, truth).size(), 1u);
  auto alert = [](double t_s, const StepId& about) {
    return at(t_s, "b", Status::InProgress, true, Kind::Mistake, about);
  };
  auto explain = [&](const std::vector<Decision>& d, const std::vector<AnswerSeen>& answers) {
    Metrics m = score(g, truth, d);
    explain_mistakes(g, truth, d, answers, m);
    return m;
  };
  // b seen under way in two looks (5 s apart) inside the window.
  const std::vector<AnswerSeen> b_seen = {{5, "b", Status::JustStart}, {10, "b", Status::InProgress}};

  // In time: the window is hit, nothing to explain.
  const Metrics hit = explain({alert(10, "a")}, b_seen);
  EXPECT_EQ(hit.mistake_hits, 1);
  EXPECT_EQ(hit.mistake_missed_time + hit.mistake_missed_unseen + hit.mistake_missed_named, 0);
  EXPECT_EQ(hit.mistake_false_time + hit.mistake_false_done, 0);
  // 5 s after the window closed: missed off time, and the alert is false off time.
  const Metrics late = explain({alert(25, "a")}, b_seen);
  EXPECT_EQ(late.mistake_missed_time, 1);
  EXPECT_EQ(late.mistake_false_time, 1);
  EXPECT_EQ(late.mistake_missed_unseen + late.mistake_missed_named + late.mistake_false_done, 0);
  // Two answers naming b 2 s apart are one look: the model did not show b under way.
  const Metrics unseen = explain({}, {{5, "b", Status::JustStart}, {7, "b", Status::InProgress}});
  EXPECT_EQ(unseen.mistake_missed_unseen, 1);
  // Nor does "transition" naming b.
  EXPECT_EQ(explain({}, {{5, "b", Status::Transition}, {10, "b", Status::Transition}})
                .mistake_missed_unseen,
            1);
  // b seen, and a (never started yet) named in two looks before the window closed: a looks done.
  std::vector<AnswerSeen> a_named = b_seen;
  a_named.push_back({12, "a", Status::InProgress});
  a_named.push_back({16, "a", Status::InProgress});
  const Metrics named = explain({}, a_named);
  EXPECT_EQ(named.mistake_missed_named, 1);
  EXPECT_EQ(named.mistake_missed_unseen, 0);
  // ... but not once, nor twice after the window: missed for another reason.
  std::vector<AnswerSeen> a_once = b_seen;
  a_once.push_back({12, "a", Status::InProgress});
  a_once.push_back({21, "a", Status::InProgress});
  const Metrics other = explain({}, a_once);
  EXPECT_EQ(other.mistake_hits + other.mistake_missed_time + other.mistake_missed_unseen +
                other.mistake_missed_named,
            0);
  // Far from the window: about a, begun at 100, is about a step done; about e, never done, is
  // neither (a misreading).
  const Metrics done = explain({alert(300, "a"), alert(310, "e")}, b_seen);
  EXPECT_EQ(done.mistake_msgs, 2);
  EXPECT_EQ(done.mistake_false_done, 1);
  EXPECT_EQ(done.mistake_false_time, 0);
  // About the window's steps up to 2 minutes after it closed: off time; past that, about a
  // step done (a began at 100).
  EXPECT_EQ(explain({alert(139, "a")}, b_seen).mistake_false_time, 1);
  const Metrics past = explain({alert(141, "a")}, b_seen);
  EXPECT_EQ(past.mistake_false_time, 0);
  EXPECT_EQ(past.mistake_false_done, 1);
  // About c before c began (at 130), and c is not one of the window's steps: neither.
  const Metrics early_c = explain({alert(90, "c")}, b_seen);
  EXPECT_EQ(early_c.mistake_msgs, 1);
  EXPECT_EQ(early_c.mistake_false_time + early_c.mistake_false_done, 0);
  // Pooled by counts.
  const Metrics all = pool({late, unseen, named, done});
  EXPECT_EQ(all.mistake_missed_time, 1);
  EXPECT_EQ(all.mistake_missed_unseen, 1);
  EXPECT_EQ(all.mistake_missed_named, 1);
  EXPECT_EQ(all.mistake_false_time, 1);
  EXPECT_EQ(all.mistake_false_done, 1);
}

TEST(Score, PrerequisiteDoneEarlierOpensNoWindow) {
  // b needs a, a started at 0 before b at 5 (even though a is still going on).
  const Guideline g = chain({{"a", {}}, {"b", {"a"}}});
  EXPECT_TRUE(mistake_windows(g, truth_of({{"a", 0, 10}, {"b", 5, 12}})).empty());
  // Started at the same moment is not "before": a window.
  EXPECT_EQ(mistake_windows(g, truth_of({{"a", 5, 10}, {"b", 5, 12}})).size(), 1u);
}

TEST(Pool, WeightsByCounts) {
  // Session 1: the MainTimeline numbers; session 2: NoDecisionYetCountsAsWrong's.
  const MainData fixture_values;
  const Metrics one = score(fixture_values.g, fixture_values.truth, fixture_values.d);
  const Metrics two = score(chain({{"a", {}}}), truth_of({{"a", 10, 20}}),
                            {at(12, "a", Status::InProgress, false)});
  const Metrics p = pool({one, two});
  EXPECT_EQ(p.grid_points, 45);
  EXPECT_NEAR(p.step_acc, (32.0 + 9.0) / 45.0, kTol);
  EXPECT_NEAR(p.status_acc, (26.0 + 6.0) / 45.0, kTol);
  EXPECT_NEAR(p.acc_p, (30.0 + 5.0) / 45.0, kTol);
  EXPECT_NEAR(p.md, (2.0 + 6.0) / (24.0 + 6.0), kTol);
  EXPECT_NEAR(p.fd, (2.0 + 0.0) / (10.0 + 5.0), kTol);
  EXPECT_NEAR(p.sts, (1.0 + std::exp(-1.0 / 7.0) + std::exp(-1.0 / 6.0)) / 8.0, kTol);
  // Session 2 adds one period of each kind, neither with a message.
  EXPECT_NEAR(p.sts_start, (std::exp(-1.0 / 7.0) + std::exp(-1.0 / 6.0)) / 4.0, kTol);
  EXPECT_NEAR(p.sts_finish, 1.0 / 4.0, kTol);
  EXPECT_NEAR(p.start_hit_share, 2.0 / 4.0, kTol);
  EXPECT_NEAR(p.finish_hit_share, 1.0 / 4.0, kTol);
  EXPECT_NEAR(p.msg_precision, 4.0 / 6.0, kTol);
  EXPECT_NEAR(p.task_minutes, 0.55 + 10.0 / 60.0, kTol);
  EXPECT_NEAR(p.msgs_per_min, 6.0 / (0.55 + 10.0 / 60.0), kTol);
  EXPECT_NEAR(p.calls_per_moment, 4.0 / 12.0, kTol);
  EXPECT_EQ(p.mistake_windows, 0);
  EXPECT_NEAR(pool({}).step_acc, 0, kTol);
}

TEST(Score, EmptyTruthScoresNothing) {
  const Metrics m = score(chain({{"a", {}}}), Annotations{}, {at(1, "a", Status::JustStart, true)});
  EXPECT_EQ(m.grid_points, 0);
  EXPECT_EQ(m.periods, 0);
  EXPECT_EQ(m.moments, 1);
  EXPECT_NEAR(m.step_acc, 0, kTol);
}

}  // namespace
}  // namespace p2a
