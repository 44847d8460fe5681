// The tracker: its progress filter on hand-made answer streams, and the comparison with the
// seed on CaptainCook4D recordings through the same engine and simulated model.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "pro2assist/evaluation.hpp"
#include "pro2assist/reasoner.hpp"
#include "reasoning/duration_model.hpp"
#include "reasoning/progress_filter.hpp"
#include "reasoning/help_flag.hpp"
#include "reasoning/looks.hpp"
#include "reasoning/reasoners.hpp"
#include "eval/eval_shared.hpp"
#include "pro2assist/engine.hpp"
#include "pro2assist/metrics.hpp"
#include "assist/message_budget.hpp"

using namespace p2a;

namespace {

// A guideline of steps "Do <id>", listed in this order with their prerequisites, all with
// the same duration range.
Guideline graph(const char* id, const std::vector<std::pair<StepId, std::vector<StepId>>>& steps,
                DurationRange duration) {
  Guideline g;
  g.id = id;
  g.title = id;
  for (const auto& [step, req] : steps) {
    Step s;
    s.id = step;
    s.text = "Do " + step;
    s.requires_ = req;
    s.duration_s = duration;
    g.steps.push_back(s);
  }
  g.finalize();
  return g;
}

// a -> b -> d and a -> c -> d (c parallel to b), each about 20 s.
Guideline diamond() {
  return graph("diamond", {{"a", {}}, {"b", {"a"}}, {"c", {"a"}}, {"d", {"b", "c"}}},
               DurationRange{15, 25});
}

std::vector<DurationModel> durations(const Guideline& g) {
  std::vector<DurationModel> d;
  for (const auto& s : g.steps) d.push_back(DurationModel::from_step(s));
  return d;
}

// `seconds` one-second steps of the filter, each with an answer naming step k.
void feed(ProgressFilter& f, double& t, int k, int seconds, Status st = Status::InProgress) {
  for (int i = 0; i < seconds; ++i) {
    f.predict(t += 1.0, 1.0, 1.0);
    f.observe(k, st, 1.0);
  }
}

int argmax(const std::vector<double>& m) {
  return static_cast<int>(std::max_element(m.begin(), m.end()) - m.begin());
}

}  // namespace

TEST(DurationModel, RangeIsTheTenthToNinetiethPercentile) {
  Step s;
  s.duration_s = DurationRange{10, 40};
  auto d = DurationModel::from_step(s);
  EXPECT_NEAR(d.median_s(), 20.0, 1e-6);
  EXPECT_NEAR(d.quantile(0.1), 10.0, 0.05);
  EXPECT_NEAR(d.quantile(0.9), 40.0, 0.2);
  EXPECT_NEAR(d.survival(20.0), 0.5, 1e-6);
  // The chance to end in the next second grows as the step goes on.
  EXPECT_LT(d.hazard(5, 1), d.hazard(20, 1));
  EXPECT_LT(d.hazard(20, 1), d.hazard(40, 1));
}

TEST(ProgressFilter, FollowsConsistentAnswersThroughTheGraph) {
  Guideline g = diamond();
  ProgressFilter f(g, durations(g), {});
  // 20 s of each step in the order a, c, b, d; the model right at one call per second.
  const std::vector<int> order = {0, 2, 1, 3};
  std::vector<int> reported;
  double t = 0;
  for (int k : order) {
    for (int i = 0; i < 20; ++i) {
      t += 1.0;
      f.predict(t, 1.0, 1.0);
      f.observe(k, Status::InProgress, 1.0);
      if (i == 15) reported.push_back(argmax(f.current_marginals()));
    }
  }
  EXPECT_EQ(reported, order);
  // On d, the likeliest hypothesis has a, b and c done, b (done after c) the last of them.
  const auto& b = f.best();
  EXPECT_EQ(b.cur, 3);
  EXPECT_EQ(b.done, 0b0111u);
  EXPECT_EQ(b.last, 1);
}

TEST(ProgressFilter, ASingleStrayAnswerDoesNotMoveIt) {
  Guideline g = diamond();
  ProgressFilter f(g, durations(g), {});
  double t = 0;
  feed(f, t, 0, 8);
  feed(f, t, 3, 1);  // "d", far ahead in the graph
  EXPECT_EQ(argmax(f.current_marginals()), 0);
}

TEST(ProgressFilter, ASkippedPrerequisiteIsReportedNotForced) {
  Guideline g = diamond();
  ProgressFilter f(g, durations(g), {});
  double t = 0;
  feed(f, t, 0, 20);  // a
  feed(f, t, 1, 20);  // b
  feed(f, t, 3, 20);  // d, although c was never done
  EXPECT_EQ(argmax(f.current_marginals()), 3);
  EXPECT_EQ(f.missing_prereqs(f.best(), 3), std::vector<int>{2});
  EXPECT_LT(f.done_probability(2), 0.1);
}

// How far the filter believes the model is learned from the session: a model right on three
// answers in ten is believed less than one always right, which is believed no more than
// answer_right; with a negative margin both are believed alike.
TEST(ProgressFilter, LearnsHowOftenTheModelIsRight) {
  Guideline g = graph("chain", {{"s0", {}}, {"s1", {"s0"}}, {"s2", {"s1"}}, {"s3", {"s2"}},
                                {"s4", {"s3"}}, {"s5", {"s4"}}},
                      DurationRange{15, 25});
  ProgressOptions fixed_opt;
  fixed_opt.right_margin = -1;
  ProgressFilter good(g, durations(g), {}), poor(g, durations(g), {}),
      fixed(g, durations(g), fixed_opt);
  const double prior = std::min(0.7, ProgressOptions{}.right_prior + ProgressOptions{}.right_margin);
  EXPECT_DOUBLE_EQ(good.answer_right(), prior);
  EXPECT_DOUBLE_EQ(fixed.answer_right(), 0.7);
  // 20 s per step, one answer a second; the poor model names another step 7 times in 10.
  for (int i = 0; i < 120; ++i) {
    const double t = i + 1.0;
    const int truth = i / 20;
    const int said = i % 10 < 3 ? truth : (truth + 1 + (i * 7) % 5) % 6;
    for (ProgressFilter* f : {&good, &poor, &fixed}) f->predict(t, 1.0, 1.0);
    good.observe(truth, Status::InProgress, 1.0);
    poor.observe(said, Status::InProgress, 1.0);
    fixed.observe(said, Status::InProgress, 1.0);
  }
  std::printf("answer_right: good %.3f, poor %.3f, fixed %.3f\n", good.answer_right(),
              poor.answer_right(), fixed.answer_right());
  EXPECT_DOUBLE_EQ(good.answer_right(), 0.7);
  EXPECT_LT(poor.answer_right(), 0.6);
  EXPECT_GT(poor.answer_right(), 0.3);
  EXPECT_DOUBLE_EQ(fixed.answer_right(), 0.7);
}

TEST(ProgressFilter, PausesBetweenStepsAreTransitions) {
  Guideline g = diamond();
  ProgressFilter f(g, durations(g), {});
  double t = 0;
  feed(f, t, 0, 20);
  for (int i = 0; i < 6; ++i) {
    f.predict(t += 1.0, 4.0, 0.1);  // hands at rest
    f.observe(1, Status::Transition, 1.0);
  }
  EXPECT_GT(f.idle_probability(), 0.5);
}

// The phase of a step follows its answers' statuses and the time spent in it: "just start"
// answers early in a step make it just begun; "about to finish" answers near its usual length
// make it ending; a step begun long ago is under way whatever its first answer said.
TEST(ProgressFilter, PhaseFollowsStatusAndTimeInStep) {
  Guideline g = diamond();
  ProgressFilter f(g, durations(g), {});
  double t = 0;
  auto share = [&](double ProgressFilter::Phase::*part) {
    const auto ph = f.phase(0);
    return ph.*part / (ph.just_start + ph.in_progress + ph.about_to_finish + ph.over);
  };
  for (int i = 0; i < 3; ++i) {
    f.predict(t += 1.0, 1.0, 1.0);
    f.observe(0, Status::JustStart, 1.0);
  }
  EXPECT_GT(share(&ProgressFilter::Phase::just_start), 0.6);
  for (int i = 0; i < 7; ++i) {
    f.predict(t += 1.0, 1.0, 1.0);
    f.observe(0, Status::InProgress, 1.0);
  }
  EXPECT_GT(share(&ProgressFilter::Phase::in_progress), 0.6);
  const double ending_mid = share(&ProgressFilter::Phase::about_to_finish);
  for (int i = 0; i < 8; ++i) {
    f.predict(t += 1.0, 1.0, 1.0);
    f.observe(0, Status::AboutToFinish, 1.0);
  }
  EXPECT_GT(share(&ProgressFilter::Phase::about_to_finish), 0.3);
  EXPECT_GT(share(&ProgressFilter::Phase::about_to_finish), 2.0 * ending_mid);
  // d, which needs b and c, has next to no share while they are not done.
  const auto other = f.phase(3);
  EXPECT_LT(other.just_start + other.in_progress + other.about_to_finish + other.over, 1e-3);
}

// Which steps may come next, over the whole posterior: both branches of the diamond while a
// is under way, d only once b is done and c is under way.
TEST(ProgressFilter, NextProbabilityFollowsTheGraphOverThePosterior) {
  Guideline g = diamond();
  ProgressFilter f(g, durations(g), {});
  double t = 0;
  auto see = [&](int step, Status st, int seconds) { feed(f, t, step, seconds, st); };
  see(0, Status::InProgress, 10);
  EXPECT_LT(f.next_probability(0), 0.1);  // under way ...
  EXPECT_GT(f.coming_probability(0), 0.9);  // ... which coming_probability counts
  EXPECT_GT(f.next_probability(1), 0.9);
  EXPECT_GT(f.next_probability(2), 0.9);
  EXPECT_GT(f.coming_probability(2), 0.9);
  EXPECT_LT(f.next_probability(3), 1e-3);  // needs b and c
  EXPECT_LT(f.coming_probability(3), 1e-3);
  see(0, Status::AboutToFinish, 10);
  see(1, Status::InProgress, 20);
  see(2, Status::JustStart, 4);
  EXPECT_LT(f.next_probability(1), 0.1);  // done
  EXPECT_LT(f.next_probability(2), 0.1);  // under way
  EXPECT_GT(f.next_probability(3), 0.5);
}

// The share in which a step may come next or is under way already: answers naming it as begun
// move weight from one to the other, so the share does not fall as they grow clearer, where
// next_probability does. A step done has none.
TEST(ProgressFilter, ComingProbabilityKeepsAStepTheAnswersSeeBegin) {
  Guideline g = diamond();
  ProgressFilter f(g, durations(g), {});
  double t = 0;
  feed(f, t, 0, 10);
  feed(f, t, 0, 8, Status::AboutToFinish);
  const double before = f.coming_probability(2);  // c may come next
  std::vector<double> next, coming;
  for (int i = 0; i < 4; ++i) {
    feed(f, t, 2, 1, Status::JustStart);
    next.push_back(f.next_probability(2));
    coming.push_back(f.coming_probability(2));
  }
  // c moves from "may come next" to "under way": 0.99 -> 0.06 on these four answers
  EXPECT_GT(next.front(), 0.9);
  EXPECT_LT(next.back(), 0.1);
  for (std::size_t i = 0; i < coming.size(); ++i) {
    EXPECT_GT(coming[i], before - 1e-3) << i;
    EXPECT_GE(coming[i], next[i]) << i;
  }
  EXPECT_GT(coming.back(), 0.99);
  EXPECT_LT(f.coming_probability(0), 0.1);  // done
}

// The help flag as evidence in the filter: a model that flags help when a step begins makes a
// flagged "b just started" mid-way through a more believable than the same answer unflagged,
// and the answer without its flag lies between. What observe() returns says how the answer
// may have come: an answer naming the step under way mid-step is right outside a period, one
// naming a step that needs two unfinished ones is wrong.
TEST(ProgressFilter, AHelpFlagTellsAStepJustBegunFromAMisreading) {
  Guideline g = diamond();
  HelpEvidence flagged;
  flagged.flag = true;
  flagged.p_on = 0.95;
  flagged.p_off = 0.05;
  flagged.p_wrong = 0.3;
  HelpEvidence unflagged = flagged;
  unflagged.flag = false;
  auto p_b = [&](const HelpEvidence* ev) {
    ProgressFilter f(g, durations(g), {});
    double t = 0;
    feed(f, t, 0, 12);
    f.predict(t += 1.0, 1.0, 1.0);
    f.observe(1, Status::JustStart, 1.0, ev);
    f.predict(t += 1.0, 1.0, 1.0);
    f.observe(1, Status::JustStart, 1.0, ev);
    return f.current_marginals()[1];
  };
  const double with_flag = p_b(&flagged), plain = p_b(nullptr), without_flag = p_b(&unflagged);
  std::printf("P(b) after two \"b just started\": flagged %.3f, flag not weighed %.3f, "
              "unflagged %.3f\n", with_flag, plain, without_flag);
  EXPECT_GT(with_flag, 3.0 * plain);
  EXPECT_LT(without_flag, plain / 3.0);

  ProgressFilter f(g, durations(g), {});
  double t = 0;
  feed(f, t, 0, 10);
  f.predict(t += 1.0, 1.0, 1.0);
  const AnswerWays mid = f.observe(0, Status::InProgress, 1.0);
  EXPECT_NEAR(mid.on + mid.off + mid.wrong, 1.0, 1e-9);
  EXPECT_GT(mid.off, 0.8);
  f.predict(t += 1.0, 1.0, 1.0);
  const AnswerWays stray = f.observe(3, Status::InProgress, 1.0);
  EXPECT_GT(stray.wrong, 0.95);
}

// The rates behind that evidence, learned from the shares answers came in: a flag that comes
// with right answers in periods, seldom outside and now and then with wrong ones is weighed
// (its differences scaled by the gain, never to certainty); one at random weighs nothing.
TEST(FlagRates, LearnedPerWayAndNothingFromARandomFlag) {
  FlagRates told, random;
  for (int i = 0; i < 200; ++i) {
    told.add({0.7, 0.1, 0.2}, i % 10 < 7);   // mostly "right in a period": flagged 70%
    told.add({0.05, 0.8, 0.15}, i % 10 < 1);  // mostly "right outside": flagged 10%
    random.add({0.7, 0.1, 0.2}, i % 2 == 0);
    random.add({0.05, 0.8, 0.15}, i % 2 == 1);
  }
  EXPECT_GT(told.rate(0), told.rate(2));
  EXPECT_LT(told.rate(1), told.rate(2));
  const HelpEvidence ev = told.evidence(true, 3.0);
  EXPECT_GT(ev.p_on, told.rate(0));
  EXPECT_LT(ev.p_off, told.rate(1));
  EXPECT_LE(ev.p_on, 0.98);
  EXPECT_GE(ev.p_off, 0.02);
  const HelpEvidence none = random.evidence(true, 3.0);
  EXPECT_NEAR(none.p_on, none.p_wrong, 0.05);
  EXPECT_NEAR(none.p_off, none.p_wrong, 0.05);
}

TEST(TrackerReasoner, RunsWithoutAModelOnDurationsAndMotion) {
  Guideline g = diamond();
  auto none = make_no_model();
  auto r = make_reasoner("tracker", {});
  ReasonerContext ctx{&g, "s", none.get()};
  std::vector<std::optional<StepId>> steps;
  for (int i = 0; i < 120; ++i) {
    SampledPair p;
    p.t_s = i;
    p.key = true;
    auto d = r->on_pair(p, ctx);
    ASSERT_TRUE(d);
    EXPECT_FALSE(d->vlm);
    steps.push_back(d->step);
  }
  EXPECT_EQ(ctx.model_calls, 0u);
  // Durations alone carry it through the graph's order.
  EXPECT_TRUE(steps.back().has_value());
  EXPECT_NE(steps[10], steps.back());
}

// Something the user says gets an answer when it asks (a question mark, or the words "what",
// "how" or "next"), and not when those letters only sit inside other words.
TEST(TrackerReasoner, AnswersWhatTheUserAsksNotWordsThatMerelyContainAQuestionWord) {
  const Guideline g = diamond();
  auto none = make_no_model();
  const auto answer_to = [&](const std::string& text) {
    auto r = make_reasoner("tracker", {});
    ReasonerContext ctx{&g, "s", none.get()};
    return r->on_utterance(Utterance{1.0, text}, ctx);
  };
  for (const char* statement : {"Show me the way", "I'll do it somehow", "However, I'm ready",
                                "Whatever", "Let's begin"})
    EXPECT_FALSE(answer_to(statement)) << statement;
  for (const char* question : {"How do I start", "What's next", "Next one", "Ready?"}) {
    const auto d = answer_to(question);
    ASSERT_TRUE(d) << question;
    EXPECT_TRUE(d->deliver) << question;
    EXPECT_EQ(d->kind, Kind::Answer) << question;
    // Before any step has begun, the answer is the step likeliest to come first.
    EXPECT_EQ(d->about, StepId("a")) << question;
  }
}

// Before it has moved to any step, the tracker names the step likeliest to come first, as
// just starting with help due, and has nothing done: the first step in the graph's order,
// not the first one listed, and still so once the model has named nothing yet.
TEST(TrackerReasoner, BeforeAnyStepItNamesTheOneLikeliestToComeFirst) {
  const Guideline g =
      graph("listed-late", {{"second", {"first"}}, {"first", {}}}, DurationRange{30, 60});
  auto none = make_no_model();
  auto r = make_reasoner("tracker", {});
  ReasonerContext ctx{&g, "s", none.get()};
  SampledPair p;
  p.t_s = 0;
  p.key = true;
  auto d = r->on_pair(p, ctx);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->step, StepId("first"));
  EXPECT_EQ(d->status, Status::JustStart);
  EXPECT_TRUE(d->trigger);
  EXPECT_TRUE(d->completed.empty());
  EXPECT_FALSE(d->deliver);
}

// Before it has moved to any step, once the hands get to work, the tracker instructs the step
// likeliest to come first: the task has been asked for, and its opening step is due before the
// model's answers can move the tracker. Hands at rest bring nothing; the instruction goes out
// once; with open_flow_px negative nothing goes out before the tracker moves.
TEST(TrackerReasoner, HandsAtWorkBeforeAnyStepBringTheFirstStepsInstruction) {
  const Guideline g =
      graph("listed-late", {{"second", {"first"}}, {"first", {}}}, DurationRange{30, 60});
  auto none = make_no_model();
  auto pair = [](double t, double flow_px) {
    SampledPair p;
    p.t_s = t;
    p.key = true;
    p.has_flow = true;
    p.flow.right = FlowVec{flow_px, 0};
    return p;
  };
  auto run = [&](const TrackerOptions& opt) {
    auto r = make_tracker_reasoner(opt);
    ReasonerContext ctx{&g, "s", none.get()};
    std::vector<Decision> out;
    for (auto [t, px] : {std::pair{0.0, 2.0}, {1.0, 2.0}, {2.0, 15.0}, {3.0, 15.0}, {4.0, 15.0}})
      if (auto d = r->on_pair(pair(t, px), ctx)) out.push_back(*d);
    return out;
  };
  const auto opened = run(TrackerOptions{});
  ASSERT_EQ(opened.size(), 5u);
  EXPECT_FALSE(opened[0].deliver);
  EXPECT_FALSE(opened[1].deliver);
  ASSERT_TRUE(opened[2].deliver);
  EXPECT_EQ(opened[2].kind, Kind::Instruction);
  EXPECT_EQ(opened[2].about, StepId("first"));
  EXPECT_EQ(opened[2].step, StepId("first"));
  EXPECT_TRUE(opened[2].trigger);
  EXPECT_FALSE(opened[3].deliver);
  EXPECT_FALSE(opened[4].deliver);

  // Without it, nothing goes out at the same moments until the tracker moves (here, with no
  // model, on durations alone a moment later).
  TrackerOptions waiting;
  waiting.open_flow_px = -1;
  const auto waited = run(waiting);
  ASSERT_EQ(waited.size(), 5u);
  for (std::size_t i = 0; i <= 2; ++i) EXPECT_FALSE(waited[i].deliver) << waited[i].t_s;
}

// The comparison, on ../shared recordings with the project's simulator (model right
// 50% of the time), same engine, same answers: a comparison that can fail. The model's wrong
// answers come in runs of 3 s on average (the project's default), or of 1 s: closer to
// independent errors, where the seed's majority vote does better.
// Every third CaptainCook4D training recording (71), loaded once for the comparisons below.
const std::vector<EvalCase>& third_of_training() {
  static const std::vector<EvalCase> cases = [] {
    auto all = captaincook_cases(P2A_SHARED_DIR "/datasets/captaincook4d", "train", 1);
    std::vector<EvalCase> out;
    for (std::size_t i = 0; i < all.size(); i += 3) out.push_back(std::move(all[i]));
    return out;
  }();
  return cases;
}

class TrackerVersusSeed : public ::testing::TestWithParam<double> {};

TEST_P(TrackerVersusSeed, AheadOnCaptainCook4DTrainingRecordings) {
  const std::vector<EvalCase>& cases = third_of_training();
  EvalOptions opt;
  opt.reasoners = {"seed", "tracker"};
  opt.accuracies = {0.5};
  opt.error_run_s = GetParam();
  opt.seed = 11;
  opt.jobs = 2;
  auto r = run_evaluation(cases, opt);
  ASSERT_EQ(r.summary.size(), 2u);
  const Metrics& seed = r.summary[0].metrics;
  const Metrics& tr = r.summary[1].metrics;
  ASSERT_EQ(r.summary[1].reasoner, "tracker");
  EXPECT_EQ(r.summary[1].failed, 0);
  std::printf("error runs %.0f s\n", GetParam());
  std::printf("seed:    step %.3f status %.3f accp %.3f sts %.3f prec %.3f msg/min %.2f calls/min %.1f mistakes %.2f/%.2f\n",
              seed.step_acc, seed.status_acc, seed.acc_p, seed.sts, seed.msg_precision,
              seed.msgs_per_min, seed.calls_per_min, seed.mistake_recall, seed.mistake_precision);
  std::printf("tracker: step %.3f status %.3f accp %.3f sts %.3f prec %.3f msg/min %.2f calls/min %.1f mistakes %.2f/%.2f\n",
              tr.step_acc, tr.status_acc, tr.acc_p, tr.sts, tr.msg_precision, tr.msgs_per_min,
              tr.calls_per_min, tr.mistake_recall, tr.mistake_precision);
  EXPECT_GT(tr.step_acc, seed.step_acc + 0.15);
  EXPECT_GT(tr.status_acc, seed.status_acc + 0.3);
  EXPECT_GT(tr.acc_p, seed.acc_p + 0.045);
  EXPECT_GT(tr.msg_precision, seed.msg_precision + 0.15);
  // STS: the seed's messages are for its window's active step, which lags as a step starts.
  // With errors in 3 s runs the tracker is well ahead (0.494 against 0.393); with 1 s runs the
  // seed's vote is right sooner, and the tracker's lead is smaller (0.510 against 0.462).
  // With a call budget of 14 a minute (15 now), and the step the model sees coming not yet
  // counted where it had begun already: 0.472 and 0.495. Before a step's instruction could
  // go out a second time and eight messages a minute were allowed: 0.476 with 1 s runs. And
  // before its near-end calls were spaced the seed led, 0.462 against 0.456.
  EXPECT_GT(tr.sts, seed.sts + (GetParam() == 3.0 ? 0.085 : 0.04));
  // The goals this tracker meets, held so that a change cannot lose them unnoticed.
  // Acc-P meets its 0.82 on all 275 recordings (0.840 with 3 s runs); on this third, 0.836.
  EXPECT_GE(tr.acc_p, 0.81);
  EXPECT_GE(tr.status_acc, 0.75);
  EXPECT_GE(tr.msg_precision, 0.60);
  EXPECT_LT(tr.msgs_per_min, seed.msgs_per_min / 2);
  EXPECT_LE(tr.msgs_per_min, 4.0);
  EXPECT_LT(tr.calls_per_min, seed.calls_per_min / 2);
  EXPECT_LE(tr.calls_per_min, 15.0);
  EXPECT_GT(tr.mistake_recall, seed.mistake_recall);
  EXPECT_GT(tr.mistake_precision, seed.mistake_precision);
  EXPECT_LT(tr.fd, seed.fd);
  // Why the tracker's alerts missed or were false (explain_mistakes). A window no answer told
  // (the early step never named under way in it) had fewer than two looks: it is counted
  // unseen, unless an alert about it came off time. The seed never alerts.
  std::printf("tracker mistake windows %d: hit %d, off time %d, unseen %d, prerequisite named %d; "
              "alerts %d: right %d, off time %d, about a step done %d\n",
              tr.mistake_windows, tr.mistake_hits, tr.mistake_missed_time, tr.mistake_missed_unseen,
              tr.mistake_missed_named, tr.mistake_msgs, tr.mistake_msgs_hit, tr.mistake_false_time,
              tr.mistake_false_done);
  EXPECT_GT(tr.mistake_windows - tr.mistake_told, 0) << "the check below needs untold windows";
  EXPECT_GE(tr.mistake_missed_unseen + tr.mistake_missed_time,
            tr.mistake_windows - tr.mistake_told - tr.mistake_hits);
  EXPECT_LE(tr.mistake_hits + tr.mistake_missed_time + tr.mistake_missed_unseen +
                tr.mistake_missed_named,
            tr.mistake_windows);
  EXPECT_LE(tr.mistake_msgs_hit + tr.mistake_false_time + tr.mistake_false_done, tr.mistake_msgs);
  EXPECT_GE(seed.mistake_missed_unseen, seed.mistake_windows - seed.mistake_told);
  EXPECT_EQ(seed.mistake_missed_time + seed.mistake_false_time + seed.mistake_false_done, 0);
}

INSTANTIATE_TEST_SUITE_P(ErrorRuns, TrackerVersusSeed, ::testing::Values(3.0, 1.0),
                         [](const auto& info) { return info.param == 3.0 ? "Runs3s" : "Runs1s"; });

// A model right on 30% of its answers rather than 50%: the tracker that learns how often the
// model is right (ProgressOptions::right_margin) against one that believes it right 70% of the
// time throughout, on the same answers.
TEST(TrackerCalibration, AWeakModelIsBelievedLess) {
  const std::vector<EvalCase>& cases = third_of_training();
  EvalOptions eo;
  eo.seed = 11;
  TrackerOptions learned, fixed;
  fixed.progress.right_margin = -1;
  // The same simulated answers for both: the model is seeded by the case.
  auto run = [&](const TrackerOptions& opt) {
    std::vector<Metrics> per(cases.size());
    run_parallel(cases.size(), 2, [&](std::size_t i) {
      const EvalCase& c = cases[i];
      auto model = eval_model(c, 0.3, eo);
      per[i] = score(*c.guideline, c.truth,
                     replay_session(c.session, *c.guideline, make_tracker_reasoner(opt), *model));
    }, nullptr);
    return pool(per);
  };
  const Metrics l = run(learned), f = run(fixed);
  std::printf("accuracy 0.3, learned / fixed: step %.3f / %.3f, sts %.3f / %.3f, prec %.3f / %.3f, "
              "mistakes %.2f/%.2f / %.2f/%.2f\n", l.step_acc, f.step_acc, l.sts, f.sts,
              l.msg_precision, f.msg_precision, l.mistake_recall, l.mistake_precision,
              f.mistake_recall, f.mistake_precision);
  // On these 71 recordings: Step-Acc 0.735 against 0.725, STS 0.355 against 0.353, message
  // precision 0.560 against 0.565 (on all 275, 0.571 against 0.561).
  EXPECT_GT(l.step_acc, f.step_acc + 0.005);
  EXPECT_GT(l.sts, f.sts - 0.01);
  EXPECT_GT(l.msg_precision, f.msg_precision - 0.02);
}

// Away from the simulator's most generous settings: a help flag wrong on 15% of right answers
// or one that says nothing (a coin toss), no motion streams at all (every pair a key moment,
// no motion evidence), wrong answers that name any step alike rather than mostly the steps
// around the true one, or a status right on 60% of right answers rather than 85%. The tracker stays ahead where it does not need what was taken away; the
// figures it loses are printed.
TEST(TrackerVersusSeedRobustness, NoisyFlagNoMotionStreamsErrorsAnywhereOrVagueStatus) {
  const std::vector<EvalCase>& cases = third_of_training();
  enum class Harder { NoisyFlag, RandomFlag, NoMotion, ErrorsAnywhere, VagueStatus };
  for (const Harder harder : {Harder::NoisyFlag, Harder::RandomFlag, Harder::NoMotion,
                              Harder::ErrorsAnywhere, Harder::VagueStatus}) {
    const char* what = harder == Harder::NoisyFlag        ? "trigger noise 0.15"
                       : harder == Harder::RandomFlag     ? "trigger noise 0.5"
                       : harder == Harder::NoMotion       ? "no motion streams"
                       : harder == Harder::ErrorsAnywhere ? "wrong steps anywhere"
                                                          : "status accuracy 0.6";
    SCOPED_TRACE(what);
    EvalOptions opt;
    opt.reasoners = {"seed", "tracker"};
    opt.accuracies = {0.5};
    opt.seed = 11;
    opt.jobs = 2;
    if (harder == Harder::NoisyFlag) opt.trigger_noise = 0.15;
    if (harder == Harder::RandomFlag) opt.trigger_noise = 0.5;
    if (harder == Harder::NoMotion) opt.imu = opt.hand_motion = false;
    if (harder == Harder::ErrorsAnywhere) opt.errors_nearby = false;
    if (harder == Harder::VagueStatus) opt.status_accuracy = 0.6;
    const auto r = run_evaluation(cases, opt);
    ASSERT_EQ(r.summary.size(), 2u);
    const Metrics& seed = r.summary[0].metrics;
    const Metrics& tr = r.summary[1].metrics;
    EXPECT_EQ(r.summary[1].failed, 0);
    std::printf("%s\n  seed:    step %.3f status %.3f accp %.3f sts %.3f prec %.3f msg/min %.2f "
                "calls/min %.1f\n  tracker: step %.3f status %.3f accp %.3f sts %.3f prec %.3f "
                "msg/min %.2f calls/min %.1f mistakes %.2f/%.2f\n",
                what, seed.step_acc, seed.status_acc, seed.acc_p, seed.sts, seed.msg_precision,
                seed.msgs_per_min, seed.calls_per_min, tr.step_acc, tr.status_acc, tr.acc_p,
                tr.sts, tr.msg_precision, tr.msgs_per_min, tr.calls_per_min, tr.mistake_recall,
                tr.mistake_precision);
    EXPECT_GT(tr.step_acc, seed.step_acc + 0.15);
    EXPECT_GT(tr.status_acc, seed.status_acc + 0.1);
    EXPECT_GT(tr.msg_precision, seed.msg_precision + 0.15);
    EXPECT_LE(tr.msgs_per_min, 4.0);
    EXPECT_LE(tr.calls_per_min, 15.0);
    EXPECT_GT(tr.mistake_recall, seed.mistake_recall);
    EXPECT_GT(tr.mistake_precision, seed.mistake_precision);
    // A noisy flag misleads the seed's trigger far more than the tracker's, which reads the
    // flag as evidence; without motion streams the seed's answer every second wins here.
    if (harder == Harder::NoisyFlag) EXPECT_GT(tr.acc_p, seed.acc_p + 0.05);
    // A flag that says nothing is not weighed, not even in a session's first minute: the
    // tracker's messages keep the precision, and its trigger beats a coin toss.
    if (harder == Harder::RandomFlag) {
      EXPECT_GE(tr.msg_precision, 0.60);
      EXPECT_GT(tr.acc_p, seed.acc_p + 0.2);
      EXPECT_GT(tr.sts, seed.sts + 0.02);
    }
    if (harder == Harder::ErrorsAnywhere) EXPECT_GT(tr.acc_p, seed.acc_p + 0.02);
    // A status often wrong: the seed reports it as it comes, the tracker from durations and
    // the status answers together. The seed's STS comes close here (0.434 against 0.438; it
    // led, 0.434 against 0.414, with a call budget of 14): its messages come again each time
    // the status it hears changes, while the tracker times its own by the statuses it hears.
    if (harder == Harder::VagueStatus) EXPECT_GT(tr.status_acc, seed.status_acc + 0.3);
  }
}

namespace {

// A chain a -> b -> c of 40-second steps, and a model that always names the true step with
// the SPEC §5 status of that moment, except where the test says otherwise.
Guideline chain() {
  return graph("chain", {{"a", {}}, {"b", {"a"}}, {"c", {"b"}}}, DurationRange{30, 55});
}

constexpr double kStepS = 40.0;
constexpr double kWindowS = 8.0;  // SPEC §5 status window of a 40-second step

class TruthfulModel : public ModelClient {
 public:
  std::string done = "abc";  // the steps the person does, kStepS each, in this order
  std::optional<std::pair<double, Status>> override_at;  // (time, status) of one odd answer
  std::optional<bool> override_help;                     // ... and whether it asks for help
  double override_half_s = 2.0;                          // ... for answers this close to it
  struct Misreading {
    double from_s, to_s;
    std::string step;
    Status status = Status::JustStart;
    bool help = true;
  };
  std::vector<Misreading> misreadings;  // each names the wrong step (by default "just
                                        // started", help needed) meanwhile
  // "In progress" answers in these spans ask for help where none is due.
  std::vector<std::pair<double, double>> false_help;
  std::vector<double> asked;  // when the tracker called
  int failing = 0;            // of every failing + 1 calls, all but the last fail
  std::vector<double> answered;  // when it answered
  ModelResult ask(const ModelQuery& q) override {
    asked.push_back(q.t_s);
    if (failing > 0 && asked.size() % static_cast<std::size_t>(failing + 1) != 0) return {};
    answered.push_back(q.t_s);
    const int last = static_cast<int>(done.size()) - 1;
    const int i = std::min(last, static_cast<int>(q.t_s / kStepS));
    const double e = q.t_s - i * kStepS;
    ModelAnswer a;
    a.step = std::string(1, done[static_cast<std::size_t>(i)]);
    a.status = e < kWindowS ? Status::JustStart
               : e >= kStepS - kWindowS ? Status::AboutToFinish
                                        : Status::InProgress;
    a.trigger = a.status != Status::InProgress;
    if (override_at && std::abs(q.t_s - override_at->first) < override_half_s) {
      a.status = override_at->second;
      a.trigger = override_help.value_or(a.status != Status::InProgress);
    }
    for (const auto& [from_s, to_s] : false_help)
      if (q.t_s >= from_s && q.t_s < to_s && a.status == Status::InProgress) a.trigger = true;
    for (const Misreading& m : misreadings)
      if (q.t_s >= m.from_s && q.t_s < m.to_s) {
        a.step = m.step;
        a.status = m.status;
        a.trigger = m.help;
      }
    ModelResult r;
    r.answer = a;
    return r;
  }
  std::string name() const override { return "truthful"; }
};

// A right model's "help needed" flag restates its status, and the tracker stops weighing such
// a flag once it has judged it (after 10 answers). The policy tests below are about a flag
// that is weighed: they take it at its word throughout, unless a test says otherwise.
TrackerOptions flag_weighed() {
  TrackerOptions o;
  o.help_flag.trusted_first = true;
  o.help_flag.min_answers = 1 << 30;
  return o;
}

// hand_flow_px >= 0: every pair carries hand flow of that size (else none). A head turn lasts
// 1 s from each of head_turns_s.
std::vector<Decision> run_chain(TruthfulModel& model, const TrackerOptions& opt = flag_weighed(),
                                const Guideline& g = chain(), double hand_flow_px = -1,
                                const std::vector<double>& head_turns_s = {}) {
  auto r = make_tracker_reasoner(opt);
  ReasonerContext ctx{&g, "s", &model};
  std::vector<Decision> out;
  for (double t = 0; t < static_cast<double>(model.done.size()) * kStepS; t += 0.5) {
    SampledPair p;
    p.t_s = t;
    p.key = true;
    if (hand_flow_px >= 0) {
      p.has_flow = true;
      p.flow.right = FlowVec{hand_flow_px, 0};
    }
    for (double turn : head_turns_s)
      if (t >= turn && t < turn + 1.0) p.burst = true;
    if (auto d = r->on_pair(p, ctx)) out.push_back(*d);
  }
  return out;
}

const Decision* first_message(const std::vector<Decision>& ds, Kind kind, const StepId& step) {
  for (const auto& d : ds)
    if (d.deliver && d.kind == kind && d.step == step) return &d;
  return nullptr;
}

}  // namespace

// With a model that is always right, the next step is announced while each step is about to
// finish (the end of the task as the last one is), every instruction lands in its step's start
// (or the pause before it), and nothing is said twice: not even an instruction in other words.
// So whether its flag (which restates the status) is weighed or, once judged, not.
TEST(TrackerPolicy, NextStepBeforeTheEndInstructionsNeverLate) {
  for (const bool weighed : {true, false}) {
    SCOPED_TRACE(weighed ? "flag weighed" : "flag judged");
    TruthfulModel model;
    const auto ds = run_chain(model, weighed ? flag_weighed() : TrackerOptions{});
    std::set<std::string> texts;
    std::set<StepId> instructed;
    int instructions = 0;
    for (const auto& d : ds) {
      if (!d.deliver) continue;
      EXPECT_TRUE(texts.insert(d.message).second) << "said twice: " << d.message;
      if (d.kind != Kind::Instruction) continue;
      ++instructions;
      ASSERT_TRUE(d.about.has_value());
      EXPECT_TRUE(instructed.insert(*d.about).second) << "instructed twice: " << *d.about;
      const double start = (d.about->front() - 'a') * kStepS;
      EXPECT_GE(d.t_s, start - kWindowS) << *d.about;
      EXPECT_LE(d.t_s, start + kWindowS) << *d.about;
    }
    EXPECT_GE(instructions, 1);
    for (int i = 0; i < 2; ++i) {
      const StepId k(1, static_cast<char>('a' + i));
      const double end = (i + 1) * kStepS;
      const Decision* next = first_message(ds, Kind::NextStep, k);
      ASSERT_NE(next, nullptr) << k;
      EXPECT_GE(next->t_s, end - kWindowS) << k;
      EXPECT_LE(next->t_s, end) << k;
      EXPECT_EQ(next->about, StepId(1, static_cast<char>('a' + i + 1)));
    }
    // Nothing follows c: as it is about to finish, the person hears that it is the last step.
    const Decision* last = first_message(ds, Kind::NextStep, "c");
    ASSERT_NE(last, nullptr);
    EXPECT_GE(last->t_s, 3 * kStepS - kWindowS);
    EXPECT_LE(last->t_s, 3 * kStepS);
    EXPECT_EQ(last->about, StepId("c"));
    EXPECT_NE(last->message.find("Last step"), std::string::npos) << last->message;
  }
}

// The step each decision names is the likeliest one; the step the policy acts on (messages,
// completed steps) needs more. With a policy that never becomes sure enough to move, the
// decisions still follow a right model from step to step, and nothing is done or said; with
// the hands at work, only the opening step's instruction goes out, not one for each step named.
TEST(TrackerPolicy, DecisionsNameTheLikeliestStepWhateverThePolicyWaitsFor) {
  for (const double flow_px : {-1.0, 15.0}) {
    SCOPED_TRACE(flow_px < 0 ? "no hand flow" : "hands at work");
    TruthfulModel model;
    TrackerOptions opt = flag_weighed();
    opt.switch_confidence = 1.01;
    const auto ds = run_chain(model, opt, chain(), flow_px);
    std::map<double, std::optional<StepId>> named;
    std::vector<const Decision*> said;
    for (const auto& d : ds) {
      named[d.t_s] = d.step;
      EXPECT_TRUE(d.completed.empty()) << d.t_s;
      if (d.deliver) said.push_back(&d);
    }
    for (int i = 0; i < 3; ++i) {
      const double mid = (i + 0.5) * kStepS;
      ASSERT_TRUE(named.count(mid)) << mid;
      EXPECT_EQ(named[mid], StepId(1, static_cast<char>('a' + i))) << mid;
    }
    if (flow_px < 0) {
      EXPECT_TRUE(said.empty());
    } else {
      ASSERT_EQ(said.size(), 1u);
      EXPECT_EQ(said[0]->kind, Kind::Instruction);
      EXPECT_EQ(said[0]->about, StepId("a"));
      EXPECT_LT(said[0]->t_s, 5.0);
    }
  }
}

// Once the next step has been announced, the next head turn (the person looks around for what
// it needs) names it once more, in other words: that turn marks the change of step. Only
// then: turns before any announcement, in the middle of a step, or long after the
// announcement say nothing, and next_reminder_s < 0 turns the reminder off.
TEST(TrackerPolicy, AHeadTurnAfterTheNextStepIsAnnouncedNamesItOnceMore) {
  // a's "next" goes out in its about-to-finish window [32, 40); b's in [72, 80).
  const std::vector<double> turns{20.0, 39.0, 42.0, 60.0, 95.0};
  for (const double reminder_s : {15.0, -1.0}) {
    SCOPED_TRACE(reminder_s);
    TruthfulModel model;
    TrackerOptions opt = flag_weighed();
    opt.next_reminder_s = reminder_s;
    const auto ds = run_chain(model, opt, chain(), 15.0, turns);
    std::map<StepId, std::vector<const Decision*>> next_from;  // by the step about to finish
    for (const auto& d : ds)
      if (d.deliver && d.kind == Kind::NextStep) next_from[*d.step].push_back(&d);
    ASSERT_FALSE(next_from["a"].empty());
    ASSERT_FALSE(next_from["b"].empty());
    EXPECT_EQ(next_from["a"].front()->about, StepId("b"));
    EXPECT_GE(next_from["a"].front()->t_s, kStepS - kWindowS);
    EXPECT_LT(next_from["a"].front()->t_s, 39.0) << "the turn at 39 s comes after it";
    // b's, at least 15 s before the turn at 95 s.
    EXPECT_LT(next_from["b"].front()->t_s, 80.0);
    EXPECT_EQ(next_from["b"].size(), 1u);
    if (reminder_s < 0) {
      EXPECT_EQ(next_from["a"].size(), 1u);
      continue;
    }
    // b once more at the turn at 39 s, in other words; the turn at 42 s adds nothing.
    ASSERT_EQ(next_from["a"].size(), 2u);
    EXPECT_EQ(next_from["a"][1]->about, StepId("b"));
    EXPECT_GE(next_from["a"][1]->t_s, 39.0);
    EXPECT_LT(next_from["a"][1]->t_s, 40.0);
    EXPECT_NE(next_from["a"][1]->message, next_from["a"][0]->message);
  }
}

// Where the task can go several ways, the reminder names the step the model saw last (its call
// before the turn), if that step can come next, rather than the tracker's best guess, which
// the first announcement named.
TEST(TrackerPolicy, TheReminderNamesTheNextStepTheModelSawLast) {
  const Guideline fork = graph("fork", {{"a", {}}, {"b", {"a"}}, {"c", {"a"}}}, DurationRange{30, 55});
  for (const bool seen : {true, false}) {
    SCOPED_TRACE(seen ? "the model sees c before the turn" : "the model still sees a");
    TruthfulModel model;
    model.done = "acb";
    if (seen) model.misreadings = {TruthfulModel::Misreading{37.0, 39.0, "c"}};
    // Asked at every chance near the end of a, so that a call falls in the misreading.
    TrackerOptions o = flag_weighed();
    o.call_near_end_gap_s = 0.0;
    const auto ds = run_chain(model, o, fork, 15.0, {39.0});
    std::vector<const Decision*> next_a;
    for (const auto& d : ds)
      if (d.deliver && d.kind == Kind::NextStep && d.step == StepId("a")) next_a.push_back(&d);
    ASSERT_EQ(next_a.size(), 2u);
    EXPECT_LT(next_a[0]->t_s, 39.0);
    const StepId guessed = *next_a[0]->about;
    EXPECT_EQ(guessed, StepId("b")) << "the best guess is the step listed first";
    EXPECT_GE(next_a[1]->t_s, 39.0);
    EXPECT_LT(next_a[1]->t_s, 40.0);
    EXPECT_EQ(next_a[1]->about, seen ? StepId("c") : guessed);
  }
}

// One odd "about to finish" reading early in a step (the model does not ask for help with it)
// is weighed against the time spent: it does not announce the next step, which still comes
// while the step is really about to finish.
TEST(TrackerPolicy, AnEarlyFinishAnswerAloneDoesNotAnnounceTheNextStep) {
  TruthfulModel model;
  model.override_at = {{17.0, Status::AboutToFinish}};
  model.override_help = false;
  const auto ds = run_chain(model);
  std::vector<const Decision*> next_a;
  for (const auto& d : ds)
    if (d.deliver && d.kind == Kind::NextStep && d.step == StepId("a")) next_a.push_back(&d);
  ASSERT_EQ(next_a.size(), 1u);
  EXPECT_GE(next_a[0]->t_s, kStepS - kWindowS);
  EXPECT_LE(next_a[0]->t_s, kStepS);
  EXPECT_EQ(next_a[0]->about, StepId("b"));
}

// An "about to finish" reading a little early in a step announces the next step when the
// model also says the user needs help, and waits for the step's real end when it does not:
// false "about to finish" readings mostly come without a call for help. Far too early, even a
// call for help does not outweigh the time spent. (The odd readings last 8 s, the longest the
// tracker goes without asking the model, so that at least one call sees them.)
TEST(TrackerPolicy, AFinishAnswerThatAsksForHelpNeedsLessTime) {
  auto first_next_a = [](double at, bool help) {
    TruthfulModel model;
    model.override_at = {{at, Status::AboutToFinish}};
    model.override_help = help;
    model.override_half_s = 4.0;
    for (const auto& d : run_chain(model))
      if (d.deliver && d.kind == Kind::NextStep && d.step == StepId("a")) return d.t_s;
    return -1.0;
  };
  const double with_help = first_next_a(26.0, true);
  EXPECT_GE(with_help, 22.0);
  EXPECT_LE(with_help, 30.0);  // before the SPEC about-to-finish window (from 32 s)
  for (const auto& [at, help] : {std::pair{26.0, false}, std::pair{10.0, true}}) {
    const double t = first_next_a(at, help);
    EXPECT_GE(t, kStepS - kWindowS) << at << " " << help;
    EXPECT_LE(t, kStepS) << at << " " << help;
  }
}

// The tracker lags a step the model misread (b taken for a, until b is about to finish): an
// answer seeing b about to finish, help needed, announces what follows b, from b (the decision
// names b for that moment, then the tracker's own step again), while b's period is still open.
// With the rule off, b's period hears of b only later.
TEST(TrackerPolicy, AFinishSeenOnAStepTheTrackerIsNotOnAnnouncesWhatFollowsIt) {
  auto run = [](double other_confidence) {
    TruthfulModel model;
    model.misreadings.push_back({kStepS, 2 * kStepS - kWindowS, "a", Status::InProgress, false});
    TrackerOptions opt = flag_weighed();
    opt.finish_other_confidence = other_confidence;
    return run_chain(model, opt);
  };
  const auto on = run(TrackerOptions{}.finish_other_confidence);
  const Decision* next_b = first_message(on, Kind::NextStep, "b");
  ASSERT_NE(next_b, nullptr);
  EXPECT_GE(next_b->t_s, 2 * kStepS - kWindowS);
  EXPECT_LE(next_b->t_s, 2 * kStepS);
  EXPECT_EQ(next_b->about, StepId("c"));
  // The next decision names the tracker's own step again.
  const auto after = std::find_if(on.begin(), on.end(), [&](const Decision& d) { return d.t_s > next_b->t_s; });
  ASSERT_NE(after, on.end());
  EXPECT_EQ(after->step, StepId("a"));
  for (const auto& d : on)
    if (d.t_s < 2 * kStepS - kWindowS) EXPECT_NE(d.step, StepId("b")) << d.t_s;  // it lags b
  // Off, the lagging tracker never announces what follows b: b's finish window hears only b's
  // instruction, later, as the tracker catches up.
  const auto off = run(2.0);
  EXPECT_EQ(first_message(off, Kind::NextStep, "b"), nullptr);
  double off_b = 1e9;
  for (const auto& d : off)
    if (d.deliver && (d.step == StepId("b") || d.about == StepId("b")) && d.t_s >= 2 * kStepS - kWindowS)
      off_b = std::min(off_b, d.t_s);
  EXPECT_LT(next_b->t_s, off_b);
}

// From a model whose help flag is worth weighing, an answer naming the current step well past
// its start and asking for help announces the next step whatever status it gives: the status
// is what such a model gets wrong more often. The same answer without help waits for the end.
TEST(TrackerPolicy, AHelpFlaggedAnswerAnnouncesTheNextStepWhateverItsStatus) {
  auto first_next_a = [](bool help) {
    TruthfulModel model;
    model.override_at = {{26.0, Status::InProgress}};
    model.override_help = help;
    model.override_half_s = 4.0;
    for (const auto& d : run_chain(model))
      if (d.deliver && d.kind == Kind::NextStep && d.step == StepId("a")) return d.t_s;
    return -1.0;
  };
  const double with_help = first_next_a(true);
  EXPECT_GE(with_help, 22.0);
  EXPECT_LE(with_help, 30.0);
  const double without = first_next_a(false);
  EXPECT_GE(without, kStepS - kWindowS);
  EXPECT_LE(without, kStepS);
}

// A model that also calls for help in the middle of steps, where none is due, has a noisy
// flag: a help-flagged answer late in a step then announces the next step only when the time
// spent agrees, not whatever the time. The same answer from a clean flag announces at once.
TEST(TrackerPolicy, AFlagThatCallsForHelpMidStepNoLongerAnnouncesAlone) {
  auto first_next_b = [](bool false_calls) {
    TruthfulModel model;
    // In b (40-80 s): "in progress" asking for help at 64 s, 16 s before its end.
    model.override_at = {{kStepS + 24.0, Status::InProgress}};
    model.override_help = true;
    model.override_half_s = 4.0;
    if (false_calls) model.false_help = {{10.0, 18.0}, {kStepS + 10.0, kStepS + 18.0}};
    for (const auto& d : run_chain(model))
      if (d.deliver && d.kind == Kind::NextStep && d.step == StepId("b")) return d.t_s;
    return -1.0;
  };
  const double clean = first_next_b(false);
  EXPECT_GE(clean, kStepS + 20.0);
  EXPECT_LE(clean, kStepS + 28.0);
  const double noisy = first_next_b(true);
  EXPECT_GE(noisy, 2 * kStepS - kWindowS);
  EXPECT_LE(noisy, 2 * kStepS);
}

// "Next" said on the help flag alone, before the step's end (the flag is also on as a step
// starts, and flipped at times), leaves room for one more as the model sees the step about to
// finish: b's finish window hears of c. Without that room the early one spends it.
TEST(TrackerPolicy, ANextSaidOnTheFlagAloneLeavesRoomForOneOnASeenEnding) {
  auto nexts_from_b = [](bool after_flagged) {
    TruthfulModel model;
    // In b (40-80 s), "in progress" asking for help from 66 s: 6 s before b's finish window.
    model.misreadings.push_back({kStepS + 26.0, 2 * kStepS - kWindowS - 0.5, "b",
                                 Status::InProgress, true});
    TrackerOptions opt = flag_weighed();
    opt.finish_after_flagged = after_flagged;
    std::vector<double> out;
    for (const auto& d : run_chain(model, opt))
      if (d.deliver && d.kind == Kind::NextStep && d.step == StepId("b")) {
        EXPECT_EQ(d.about, StepId("c"));
        out.push_back(d.t_s);
      }
    return out;
  };
  const auto on = nexts_from_b(true);
  ASSERT_EQ(on.size(), 2u);
  EXPECT_LT(on[0], 2 * kStepS - kWindowS);  // the flag's, early
  EXPECT_GE(on[1], 2 * kStepS - kWindowS);  // the seen ending's, in b's finish window
  EXPECT_LT(on[1], 2 * kStepS);
  const auto off = nexts_from_b(false);
  ASSERT_EQ(off.size(), 1u);
  EXPECT_EQ(off[0], on[0]);
}

// After a, b and c may come in either order. A model whose flag is worth weighing sees c
// coming while a is still under way, but asks for no help: it sees no moment for guidance
// yet, and c's instruction waits for c to begin (its start period, 40-48 s). Taken by
// itself, the same answer instructed c 8 s before a ended.
TEST(TrackerPolicy, AStepSeenComingWithoutACallForHelpIsInstructedAsItBegins) {
  const Guideline fork = graph("fork", {{"a", {}}, {"b", {"a"}}, {"c", {"a"}}, {"d", {"b", "c"}}},
                               DurationRange{30, 55});
  auto instruct_c = [&](bool unflagged_instructs) {
    TruthfulModel model;
    model.done = "acbd";
    model.misreadings.push_back({28.0, kStepS, "c", Status::Transition, false});
    TrackerOptions opt = flag_weighed();
    opt.unflagged_answers_instruct = unflagged_instructs;
    const auto ds = run_chain(model, opt, fork);
    for (const auto& d : ds)
      if (d.deliver && d.kind == Kind::Instruction && d.about == StepId("c")) return d.t_s;
    return -1.0;
  };
  const double held = instruct_c(false);
  EXPECT_GE(held, kStepS);
  EXPECT_LE(held, kStepS + kWindowS);
  const double taken = instruct_c(true);
  EXPECT_GE(taken, 0.0);
  EXPECT_LT(taken, kStepS - 4.0);
}

// Doing c right after a (b, its prerequisite, never done) raises one mistake alert about b
// while c is starting; doing them in order raises none.
TEST(TrackerPolicy, ASkippedPrerequisiteRaisesOneAlertInTime) {
  auto alerts = [](const std::string& done) {
    TruthfulModel model;
    model.done = done;
    std::vector<Decision> out;
    for (const auto& d : run_chain(model))
      if (d.deliver && d.kind == Kind::Mistake) out.push_back(d);
    return out;
  };
  EXPECT_TRUE(alerts("abc").empty());
  const auto skipped = alerts("ac");
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].about, StepId("b"));
  EXPECT_GE(skipped[0].t_s, kStepS);
  EXPECT_LE(skipped[0].t_s, kStepS + 20.0);  // SPEC §5 mistake window
}

// Not seeing a step proves it skipped only where the model would have seen it, had it been
// done. The person skips b and does c after a; the model names b in one look on the way (a
// misreading, or a step that short done in passing). That is little for b of 30-55 s: the alert
// goes out. For b of 2-4 s it is all a call every few seconds would see of it done: no alert,
// unless every prerequisite is weighed alike.
TEST(TrackerPolicy, AShortPrerequisiteSeenOnceIsNoEvidenceOfASkip) {
  auto alerts = [](DurationRange b_takes, double unseen_p) {
    Guideline g = chain();
    g.steps[1].duration_s = b_takes;
    g.finalize();
    TruthfulModel model;
    model.done = "ac";
    // Shorter than the look gap: one look, however many calls fall in it.
    model.misreadings = {TruthfulModel::Misreading{21.0, 23.0, "b", Status::InProgress, false}};
    TrackerOptions o = flag_weighed();
    o.mistake_unseen_p = unseen_p;
    int n = 0;
    for (const auto& d : run_chain(model, o, g))
      if (d.deliver && d.kind == Kind::Mistake && d.about == StepId("b")) ++n;
    EXPECT_TRUE(std::any_of(model.asked.begin(), model.asked.end(),
                            [](double t) { return t >= 21.0 && t < 23.0; }))
        << "the test needs a call during the misreading";
    return n;
  };
  const double unseen_p = TrackerOptions{}.mistake_unseen_p;
  ASSERT_LT(unseen_p, 1.0);
  EXPECT_EQ(alerts(DurationRange{30, 55}, unseen_p), 1);
  EXPECT_EQ(alerts(DurationRange{2, 4}, unseen_p), 0);
  EXPECT_EQ(alerts(DurationRange{2, 4}, 1.0), 1);
}

// Looks come only from calls the model answers. The same skip of b, 8-13 s long, with a model
// that answers every call, gets its alert; with one that fails every other call, the single
// look at b is what half as many looks would see of it done: no alert.
TEST(TrackerPolicy, FailedCallsAreNoLooksAtAPrerequisite) {
  auto run = [](int failing) {
    Guideline g = chain();
    g.steps[1].duration_s = DurationRange{8, 13};
    g.finalize();
    TruthfulModel model;
    model.done = "ac";
    model.failing = failing;
    model.misreadings = {TruthfulModel::Misreading{21.0, 23.0, "b", Status::InProgress, false}};
    int n = 0;
    for (const auto& d : run_chain(model, flag_weighed(), g))
      if (d.deliver && d.kind == Kind::Mistake && d.about == StepId("b")) ++n;
    EXPECT_TRUE(std::any_of(model.answered.begin(), model.answered.end(),
                            [](double t) { return t >= 21.0 && t < 23.0; }))
        << "the test needs an answer during the misreading";
    return std::make_pair(n, model.asked.size());
  };
  const auto [answering, calls] = run(0);
  const auto [flaky, flaky_calls] = run(1);
  EXPECT_EQ(answering, 1);
  EXPECT_EQ(flaky, 0);
  EXPECT_NEAR(static_cast<double>(flaky_calls), static_cast<double>(calls), 2.0)
      << "the tracker calls as often either way";
}

// The model misreads c under way for 8 s while a is (b, c's prerequisite, not seen yet): an
// alert goes out then, about b (taking the model's word for c however unlikely the tracker
// finds it). When c really begins after a (b skipped), the tracker moves to
// c and the alert goes out once more, in other words, inside the SPEC §5 window; without the
// re-alert the early one is all there is.
TEST(TrackerPolicy, AnAlertRaisedBeforeItsStepBeganIsRaisedAgainWhenItBegins) {
  auto alerts = [](double realert_s) {
    TruthfulModel model;
    model.done = "ac";
    model.misreadings = {TruthfulModel::Misreading{10.0, 18.0, "c", Status::InProgress, false}};
    TrackerOptions o = flag_weighed();
    o.mistake_realert_s = realert_s;
    o.mistake_answer_confidence = 0.0;  // the misreading alone raises the first alert
    std::vector<Decision> out;
    for (const auto& d : run_chain(model, o))
      if (d.deliver && d.kind == Kind::Mistake) out.push_back(d);
    return out;
  };
  const auto once = alerts(-1.0);
  ASSERT_EQ(once.size(), 1u);
  EXPECT_LT(once[0].t_s, 20.0);
  const auto twice = alerts(TrackerOptions{}.mistake_realert_s);
  ASSERT_EQ(twice.size(), 2u);
  EXPECT_EQ(twice[0].t_s, once[0].t_s);
  EXPECT_EQ(twice[1].about, StepId("b"));
  EXPECT_GE(twice[1].t_s, kStepS);
  EXPECT_LE(twice[1].t_s, kStepS + 20.0);
  EXPECT_NE(twice[0].message, twice[1].message);
}

// A misreading long enough to move the tracker to b early sends b's instruction then; when b
// really begins, the instruction goes out once more, in other words, while b is starting.
namespace {

// The instructions for b delivered on the chain while the model reads b "just started" from
// `from_s` to `to_s`.
std::vector<Decision> b_instructions_with_misreading(double from_s, double to_s) {
  TruthfulModel model;
  model.misreadings = {TruthfulModel::Misreading{from_s, to_s, "b"}};
  std::vector<Decision> out;
  for (const auto& d : run_chain(model))
    if (d.deliver && d.kind == Kind::Instruction && d.about == StepId("b")) out.push_back(d);
  return out;
}

}  // namespace

TEST(TrackerPolicy, AnInstructionSpentOnAWrongSwitchIsGivenAgainWhenTheStepBegins) {
  const auto b_instructions = b_instructions_with_misreading(8.0, 28.0);
  ASSERT_EQ(b_instructions.size(), 2u);
  EXPECT_LT(b_instructions[0].t_s, 22.0);  // on the misreading
  EXPECT_GE(b_instructions[1].t_s, kStepS - kWindowS);
  EXPECT_LE(b_instructions[1].t_s, kStepS + kWindowS);
  EXPECT_NE(b_instructions[0].message, b_instructions[1].message);
}

// Recipes repeat steps word for word ("Continue slicing to create 1 more pinwheel"): the
// budget never shows a text twice, so the repeated step's instruction comes in other words
// rather than not at all.
TEST(TrackerPolicy, AStepWordedLikeAnEarlierOneStillGetsItsInstruction) {
  Guideline g = chain();
  g.steps[1].text = g.steps[0].text;
  g.finalize();
  TruthfulModel model;
  std::map<StepId, std::string> instruction;
  for (const auto& d : run_chain(model, flag_weighed(), g))
    if (d.deliver && d.kind == Kind::Instruction && d.about) instruction.emplace(*d.about, d.message);
  ASSERT_EQ(instruction.count("a"), 1u);
  ASSERT_EQ(instruction.count("b"), 1u);
  EXPECT_NE(instruction["a"], instruction["b"]);
  EXPECT_NE(instruction["b"].find(g.steps[1].text), std::string::npos) << instruction["b"];
}

// A short misreading (b "just started", 24-30 s) while a still has 10 s to go sends b's
// instruction early; the model then sees a under way again. When it sees b begin and asks for
// help, the instruction goes out once more, in other words, while b is starting. Without
// another step named in between (a right model), a step gets one instruction: see above.
TEST(TrackerPolicy, AnInstructionGivenBeforeItsStepGoesOutAgainWhenTheStepBegins) {
  const auto b_instructions = b_instructions_with_misreading(24.0, 30.0);
  ASSERT_EQ(b_instructions.size(), 2u);
  EXPECT_LT(b_instructions[0].t_s, kStepS - kWindowS);  // on the misreading
  EXPECT_GE(b_instructions[1].t_s, kStepS);
  EXPECT_LE(b_instructions[1].t_s, kStepS + kWindowS);
  EXPECT_NE(b_instructions[0].message, b_instructions[1].message);
}

// Two parallel opening steps x and y, then z; the person does y first. A misreading of x as
// just begun at the start moves the tracker to x and brings x's instruction; the tracker moves
// on to y, and another misreading (18-26 s) brings x's instruction once more ("Now: ...").
// When x really begins, after y, its instruction goes out a third time, in other words, while
// x is starting. With one re-instruction a step, the misreadings have spent them all and x
// begins with no instruction (its "next" came in y's last seconds).
TEST(TrackerPolicy, AStepWhoseInstructionsWereSpentTwiceBeforeItBeganStillGetsOne) {
  const Guideline g =
      graph("parallel-start", {{"x", {}}, {"y", {}}, {"z", {"x", "y"}}}, DurationRange{30, 55});
  auto x_instructions = [&](int reinstructions) {
    TruthfulModel model;
    model.done = "yxz";
    model.misreadings = {TruthfulModel::Misreading{0.0, 3.0, "x"},
                         TruthfulModel::Misreading{18.0, 26.0, "x"}};
    TrackerOptions o = flag_weighed();
    o.reinstructions = reinstructions;
    std::vector<Decision> out;
    for (const auto& d : run_chain(model, o, g, /*hand_flow_px=*/20.0))
      if (d.deliver && d.kind == Kind::Instruction && d.about == StepId("x")) out.push_back(d);
    return out;
  };
  const auto once = x_instructions(1);
  ASSERT_EQ(once.size(), 2u);
  EXPECT_LT(once[1].t_s, kStepS - kWindowS);  // both spent while y is under way
  const auto twice = x_instructions(TrackerOptions{}.reinstructions);
  ASSERT_EQ(twice.size(), 3u);
  EXPECT_EQ(twice[0].t_s, once[0].t_s);
  EXPECT_EQ(twice[1].t_s, once[1].t_s);
  EXPECT_GE(twice[2].t_s, kStepS);
  EXPECT_LE(twice[2].t_s, kStepS + kWindowS);
  EXPECT_NE(twice[2].message, twice[0].message);
  EXPECT_NE(twice[2].message, twice[1].message);
}

// The person skips b and does c after a. The model sees c begin, saying help is needed, look
// after look; the tracker expects b (c needs it) and does not move to c at once, but c's
// instruction goes out while c is starting, from the second look. Without that rule it
// comes only once the tracker has moved to c, past c's start.
TEST(TrackerPolicy, AStepTheModelKeepsSeeingBeginIsAnnouncedThoughAnotherWasExpected) {
  auto c_instructed = [](int looks) {
    TruthfulModel model;
    model.done = "ac";
    TrackerOptions o = flag_weighed();
    o.preannounce_looks = looks;
    for (const auto& d : run_chain(model, o))
      if (d.deliver && d.kind == Kind::Instruction && d.about == StepId("c")) return d.t_s;
    return -1.0;
  };
  const double with_rule = c_instructed(TrackerOptions{}.preannounce_looks);
  EXPECT_GE(with_rule, kStepS + TrackerOptions{}.look_gap_s);
  EXPECT_LE(with_rule, kStepS + kWindowS);
  const double without = c_instructed(0);
  EXPECT_TRUE(without < 0 || without > kStepS + kWindowS) << without;
}

// One answer at 14 s names a step under way whose prerequisite the model never saw (c, before
// b), while a is sure and the tracker asks only every 8 s: it asks again one look gap (3 s)
// later, as a second look at c would decide a mistake alert. A step whose prerequisites were
// seen (b, after a), or the same stray answer with the confirmation turned off, waits for the
// usual call.
TEST(TrackerCalls, AStepSeenBeforeAnUnseenPrerequisiteIsLookedAtAgain) {
  auto calls_after = [](const std::string& misread, double confirm_s) {
    TruthfulModel model;
    model.misreadings = {TruthfulModel::Misreading{14.0, 14.6, misread}};
    TrackerOptions o = flag_weighed();
    o.mistake_confirm_s = confirm_s;
    run_chain(model, o);
    EXPECT_NE(std::find(model.asked.begin(), model.asked.end(), 14.0), model.asked.end())
        << "the test needs a call at 14 s, during the misreading";
    std::vector<double> out;
    for (double t : model.asked)
      if (t > 14.0 && t < 22.0) out.push_back(t);
    return out;
  };
  const auto confirmed = calls_after("c", TrackerOptions{}.mistake_confirm_s);
  ASSERT_FALSE(confirmed.empty());
  EXPECT_GE(confirmed.front(), 14.0 + TrackerOptions{}.look_gap_s);
  EXPECT_LE(confirmed.front(), 14.0 + TrackerOptions{}.look_gap_s + 0.5);
  EXPECT_TRUE(calls_after("c", 0.0).empty());
  EXPECT_TRUE(calls_after("b", TrackerOptions{}.mistake_confirm_s).empty());
}

// Past 0.7 of a step's median length the tracker asks whenever it may, so a step running long
// would take the whole call budget. Once the session has shown motion (here hands at work),
// those calls come at most every call_near_end_gap_s, leaving the budget to head turns and an
// uncertain estimate; without motion streams they are all there is, and stay as they were.
TEST(TrackerCalls, NearTheEndOfAStepCallsAreSpacedOnceMotionIsSeen) {
  // Calls in the last 10 s of each 40 s step, with the spacing at `gap_s`: past 0.7 of the
  // chain's median length (40.6 s, from its range of 30-55 s), 28.4 s. With a model always
  // right and no head turn, nothing else asks there but the floor, which is wider than the gap.
  auto late_calls = [](double gap_s, double hand_flow_px) {
    TruthfulModel model;
    TrackerOptions o = flag_weighed();
    o.call_near_end_gap_s = gap_s;
    run_chain(model, o, chain(), hand_flow_px);
    std::vector<double> out;
    for (double t : model.asked)
      if (std::fmod(t, kStepS) >= kStepS - 10.0) out.push_back(t);
    return out;
  };
  const auto spaced = late_calls(5.0, 20.0);
  const auto unspaced = late_calls(0.0, 20.0);
  ASSERT_FALSE(spaced.empty());
  EXPECT_LT(spaced.size(), unspaced.size());
  // Spaced, no two late calls in the same stretch come closer than the gap.
  for (std::size_t i = 1; i < spaced.size(); ++i)
    if (std::floor(spaced[i] / kStepS) == std::floor(spaced[i - 1] / kStepS))
      EXPECT_GE(spaced[i] - spaced[i - 1], 5.0 - 1e-9) << "t=" << spaced[i];
  // Without motion streams the spacing does not apply.
  EXPECT_EQ(late_calls(5.0, -1.0), late_calls(0.0, -1.0));
}

// Announcing the next step opens a stretch in which help is due: the finishing step's
// about-to-finish window runs straight into the next step's start (SPEC §5). The trigger stays
// on through it, though the status estimate may fall back to "in progress" meanwhile (it does
// on this chain, with the flag weighed, without the hold), and that stretch is inside the
// proactive periods. So it does with the learned trigger, which weighs the announcement too.
TEST(TrackerPolicy, TheTriggerStaysOnAfterTheNextStepIsAnnounced) {
  for (int variant = 0; variant < 4; ++variant) {
    const bool weighed = variant < 2, learned = variant % 2 == 0;
    SCOPED_TRACE(weighed ? "flag weighed" : "flag judged");
    SCOPED_TRACE(learned ? "learned trigger" : "the rule alone");
    TruthfulModel model;
    TrackerOptions o = weighed ? flag_weighed() : TrackerOptions{};
    o.trigger_after_next_s = 6.0;  // the default
    if (!learned) o.decision = DecisionModel{};
    const auto ds = run_chain(model, o);
    double said = -1e9;
    int held = 0;
    for (const auto& d : ds) {
      if (d.deliver && d.kind == Kind::NextStep) said = d.t_s;
      if (d.t_s <= said || d.t_s >= said + 6.0) continue;
      ++held;
      EXPECT_TRUE(d.trigger) << "t=" << d.t_s;
      // Within a status window of a step boundary (the chain's steps end every 40 s).
      const double boundary = std::round(d.t_s / kStepS) * kStepS;
      EXPECT_GE(d.t_s, boundary - kWindowS) << "t=" << d.t_s;
      EXPECT_LE(d.t_s, boundary + kWindowS) << "t=" << d.t_s;
    }
    EXPECT_GE(held, 20);
  }
}

// The "help needed" flag is weighed only where it tells more than the status it comes with.
TEST(HelpFlag, WorthWeighingOnlyWhenItSaysMoreThanTheStatus) {
  const HelpFlagOptions opt;  // judged after 10 answers, not trusted before
  const Status statuses[] = {Status::InProgress, Status::InProgress, Status::AboutToFinish,
                             Status::JustStart,  Status::InProgress, Status::Transition};
  auto judge = [&](auto flag_for, int answers, const HelpFlagOptions& o = {}) {
    HelpFlag f;
    for (int i = 0; i < answers; ++i) {
      const Status s = statuses[i % 6];
      f.add(s, flag_for(i, s));
    }
    return f.informative(o);
  };
  // Where a step needs help: mostly on answers not "in progress", now and then on one that is.
  auto where_needed = [](int i, Status s) { return s != Status::InProgress ? i % 4 != 0 : i % 5 == 0; };
  auto restating = [](int, Status s) { return s != Status::InProgress; };
  auto random = [](int i, Status) { return (i * 7 + 3) % 11 < 5; };
  EXPECT_TRUE(judge(where_needed, 60));
  EXPECT_FALSE(judge(restating, 60));
  EXPECT_FALSE(judge(random, 60));  // flagged 0.03 more often when not "in progress"
  // Where help is due, read through a status that is often wrong: the contrast is smaller
  // (0.47 against 0.30 here), still well above a coin toss's, and the flag is weighed; it was
  // not when 0.2 was asked of it.
  auto vague_status = [](int i, Status s) {
    return s != Status::InProgress ? (i * 7 + 3) % 11 < 5 : (i * 5 + 1) % 13 < 4;
  };
  EXPECT_TRUE(judge(vague_status, 60));
  HelpFlagOptions strict = opt;
  strict.min_contrast = 0.2;
  EXPECT_FALSE(judge(vague_status, 60, strict));
  // The same contrast on fewer answers is not enough: a flag at random shows as much by chance.
  auto judged_on = [&](int rounds) {
    HelpFlag f;
    for (int r = 0; r < rounds; ++r)
      for (int i = 0; i < 12; ++i) {
        f.add(Status::InProgress, i < 3);     // a quarter
        f.add(Status::AboutToFinish, i < 5);  // 0.42
      }
    return f.informative(opt);
  };
  EXPECT_FALSE(judged_on(1));  // 24 answers
  EXPECT_TRUE(judged_on(2));   // 48
  EXPECT_TRUE(judge(where_needed, 12));
  EXPECT_FALSE(judge(where_needed, 8));  // too few answers to judge: not weighed yet ...
  HelpFlagOptions trusting = opt;
  trusting.trusted_first = true;  // ... or taken at its word
  EXPECT_TRUE(judge(restating, 8, trusting));
  EXPECT_FALSE(judge(restating, 8));
}

// A prerequisite counts as seen (no mistake alert about it) when the model named it in two
// looks within a minute of each other: stray misreadings over a long task do not add up to it.
TEST(Looks, APrerequisiteIsSeenOnlyInLooksCloseTogether) {
  const TrackerOptions opt;
  const int need = opt.mistake_seen_looks;
  const double within = opt.mistake_seen_within_s;
  ASSERT_EQ(need, 2);
  ASSERT_EQ(within, 60.0);
  EXPECT_FALSE(looks_together({}, need, within));
  EXPECT_FALSE(looks_together({30}, need, within));
  EXPECT_TRUE(looks_together({30, 34}, need, within));
  EXPECT_TRUE(looks_together({30, 90}, need, within));      // a minute apart
  EXPECT_FALSE(looks_together({30, 95, 170, 240}, need, within));  // strays, far apart
  EXPECT_TRUE(looks_together({30, 95, 170, 175}, need, within));
  EXPECT_TRUE(looks_together({30, 95, 170, 240}, need, 0.0));  // 0: at any times
  EXPECT_FALSE(looks_together({30, 95, 170}, 4, 0.0));
  EXPECT_EQ(looks_since({10, 20, 30}, 20), 2);
  EXPECT_EQ(looks_since({10, 20, 30}, 31), 0);
}

// Flags on answers seeing a step in its middle are false calls: a few in many such answers
// are a clean flag's rare slips; more than 6% of them make the flag noisy, from the first
// (a step gives about one such answer: waiting for two let a model whose flag is wrong on a
// fifth of its answers go unjudged for most of a session).
TEST(HelpFlag, NoisyWhenItCallsForHelpInTheMiddleOfSteps) {
  const HelpFlagOptions opt;
  auto noisy_after = [&](int answers, int flagged) {
    HelpFlag f;
    for (int i = 0; i < answers; ++i) f.add_midstep(i < flagged);
    return f.noisy(opt);
  };
  EXPECT_FALSE(noisy_after(0, 0));
  EXPECT_FALSE(noisy_after(5, 0));
  EXPECT_TRUE(noisy_after(5, 1));     // one in five
  EXPECT_TRUE(noisy_after(16, 1));    // 6.25%
  EXPECT_FALSE(noisy_after(17, 1));   // 5.9%
  EXPECT_FALSE(noisy_after(40, 2));   // 5%: a clean flag's rare slip
  EXPECT_TRUE(noisy_after(40, 3));
  // The other counts (status and flag of every answer) do not enter.
  HelpFlag f;
  for (int i = 0; i < 50; ++i) f.add(Status::InProgress, true);
  EXPECT_FALSE(f.noisy(opt));
}

TEST(MessageBudget, NeverTheSameTextTwiceACapPerMinuteAndQuietHands) {
  BudgetOptions o;
  o.max_per_minute = 2;
  o.fast_motion_px = 30;
  MessageBudget b(o);
  EXPECT_TRUE(b.allows(0, "one", 5, false));
  b.record(0, "one");
  EXPECT_FALSE(b.allows(100, "one", 5, true));   // said before: not even when urgent
  EXPECT_FALSE(b.allows(1, "two", 40, false));   // hands busy
  EXPECT_TRUE(b.allows(1, "two", 40, true));     // ... unless urgent
  b.record(1, "two");
  EXPECT_FALSE(b.allows(2, "three", 5, false));  // two in the last minute
  EXPECT_TRUE(b.allows(61, "three", 5, false));  // the first has aged out
}
