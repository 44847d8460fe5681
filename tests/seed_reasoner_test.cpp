// The seed's window consistency and repetition suppression on scripted model answers.
#include <gtest/gtest.h>

#include "pro2assist/reasoner.hpp"
#include "support/scripted_model.hpp"

using namespace p2a;

namespace {

using test::ScriptedModel;

Guideline three_steps() { return test::chain_of({"a", "b", "c"}); }

SampledPair key_at(double t) { return test::key_at(t, "the hands are moving left"); }

}  // namespace

TEST(SeedReasoner, ActiveStepFollowsTheWindowMajority) {
  Guideline g = three_steps();
  const auto IP = Status::InProgress;
  ScriptedModel m({{"a", IP, false},  // window [a] -> a (1/1)
                   {"b", IP, false},  // [a b] -> b holds 1/2 = 0.5 >= 0.5 -> b
                   {"a", IP, false},  // [a b a] -> a 2/3 -> a
                   {"c", IP, false},  // [a b a c] -> c 1/4 -> stays a
                   {"c", IP, false},  // [a b a c c] -> c 2/5 -> stays a
                   {"c", IP, false},  // [a b a c c c] -> c 3/6 -> c
                   {"b", IP, false},  // [b a c c c b] -> b 2/6 -> stays c
                   {"", IP, false},   // failure: nothing changes
                   {"b", IP, false},  // [a c c c b b] -> b 2/6 -> c
                   {"b", IP, false}});// [c c c b b b] -> b 3/6 -> b
  auto r = make_reasoner("seed", {});
  ReasonerContext ctx{&g, "s1", &m};
  std::vector<std::optional<StepId>> steps;
  std::vector<Decision> ds;
  for (int i = 0; i < 10; ++i) {
    auto d = r->on_pair(key_at(i), ctx);
    ASSERT_TRUE(d.has_value());
    ds.push_back(*d);
    steps.push_back(d->step);
  }
  std::vector<std::optional<StepId>> want = {"a", "b", "a", "a", "a", "c", "c", "c", "c", "b"};
  EXPECT_EQ(steps, want);
  // Completed: a joined when b became active, b when a came back, a again is already there.
  EXPECT_EQ(ds[1].completed, (std::vector<StepId>{"a"}));
  EXPECT_EQ(ds[2].completed, (std::vector<StepId>{"a", "b"}));
  EXPECT_EQ(ds[9].completed, (std::vector<StepId>{"a", "b", "c"}));
  EXPECT_TRUE(ds[7].vlm);
  EXPECT_EQ(ctx.model_calls, 10u);
  EXPECT_EQ(ctx.model_failures, 1u);
  // The model saw the completed list and current belief at each call.
  EXPECT_EQ(m.queries[6].completed, (std::vector<StepId>{"a", "b"}));
  EXPECT_EQ(m.queries[6].current_step, std::optional<StepId>("c"));
  EXPECT_EQ(m.queries[6].motion_cue, "the hands are moving left");
}

TEST(SeedReasoner, RepeatedStepAndStatusIsSuppressed) {
  Guideline g = three_steps();
  ScriptedModel m({{"a", Status::JustStart, true},      // delivered
                   {"a", Status::JustStart, true},      // same (step,status): suppressed
                   {"a", Status::InProgress, false},    // no trigger
                   {"a", Status::AboutToFinish, true},  // delivered, next step kind
                   {"a", Status::AboutToFinish, true},  // suppressed
                   {"b", Status::AboutToFinish, true}}); // different step: delivered
  auto r = make_reasoner("seed", {});
  ReasonerContext ctx{&g, "s1", &m};
  std::vector<Decision> ds;
  for (int i = 0; i < 6; ++i) ds.push_back(*r->on_pair(key_at(i), ctx));
  std::vector<bool> deliver, trigger;
  for (auto& d : ds) {
    deliver.push_back(d.deliver);
    trigger.push_back(d.trigger);
  }
  EXPECT_EQ(deliver, (std::vector<bool>{true, false, false, true, false, true}));
  EXPECT_EQ(trigger, (std::vector<bool>{true, true, false, true, true, true}));
  EXPECT_EQ(ds[0].kind, Kind::Instruction);
  EXPECT_EQ(ds[0].message, "say a");
  EXPECT_EQ(ds[0].about, std::optional<StepId>("a"));
  EXPECT_EQ(ds[3].kind, Kind::NextStep);
  // The seed presents its messages for its active step: b, named once, is not it yet.
  EXPECT_EQ(ds[5].about, std::optional<StepId>("a"));
  // Status is the model's answer at the moment, step the window's active step.
  EXPECT_EQ(ds[5].status, Status::AboutToFinish);
  // Window [a a a a a b]: b holds 1/6 < 0.5, so the active step stays a.
  EXPECT_EQ(ds[5].step, std::optional<StepId>("a"));
}

TEST(SeedReasoner, NonKeyPairsAreNotReasoningMoments) {
  Guideline g = three_steps();
  ScriptedModel m({});
  auto r = make_reasoner("seed", {});
  ReasonerContext ctx{&g, "s1", &m};
  SampledPair p = key_at(1);
  p.key = false;
  EXPECT_FALSE(r->on_pair(p, ctx).has_value());
  EXPECT_EQ(ctx.model_calls, 0u);
}

TEST(SeedReasoner, WithoutAModelDecisionsFlowWithNoStep) {
  Guideline g = three_steps();
  auto none = make_no_model();
  auto r = make_reasoner("seed", {});
  ReasonerContext ctx{&g, "s1", none.get()};
  auto d = r->on_pair(key_at(2), ctx);
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->step);
  EXPECT_FALSE(d->vlm);
  EXPECT_FALSE(d->deliver);
  EXPECT_EQ(ctx.model_calls, 0u);
}
