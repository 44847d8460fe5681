// The gsp baseline (ANGEL's Global Step Predictor) on scripted model answers: hysteresis
// detectors, a forward-only tracker over the recipe order, and its two message kinds.
// Confidences in the comments follow c <- c/2 + [named]/2; "high" means c >= 0.6 x the
// step's usual level (the mean c at the updates where it was named, 0.6 before that).
#include <gtest/gtest.h>

#include <filesystem>

#include "pro2assist/reasoner.hpp"
#include "reasoning/reasoners.hpp"
#include "support/scripted_model.hpp"

using namespace p2a;
namespace fs = std::filesystem;

namespace {

const auto JS = Status::JustStart;
const auto IP = Status::InProgress;
const auto ATF = Status::AboutToFinish;

// a -> b -> c -> d, in file order; "a" has execution details.
Guideline four_steps() {
  Guideline g = test::chain_of({"a", "b", "c", "d"});
  g.steps[0].details = "Use the small bowl";
  return g;
}

using test::key_at;
using test::ScriptedModel;

std::vector<ScriptedModel::Line> named(std::initializer_list<const char*> steps) {
  std::vector<ScriptedModel::Line> lines;
  for (const char* s : steps) lines.push_back({s});
  return lines;
}

struct Trace {
  std::vector<Decision> decisions;
  std::vector<std::optional<StepId>> steps;
  std::size_t model_calls = 0, model_failures = 0;
};

Trace replay(Reasoner& r, const Guideline& g, ScriptedModel& m, std::size_t n) {
  ReasonerContext ctx{&g, "s1", &m};
  Trace out;
  for (std::size_t i = 0; i < n; ++i) {
    auto d = r.on_pair(key_at(static_cast<double>(i)), ctx);
    EXPECT_TRUE(d.has_value()) << "key moment " << i;
    if (!d) continue;
    out.decisions.push_back(*d);
    out.steps.push_back(d->step);
  }
  out.model_calls = ctx.model_calls;
  out.model_failures = ctx.model_failures;
  return out;
}

Trace run_gsp(const Guideline& g, ScriptedModel& m, std::size_t n) {
  auto r = make_reasoner("gsp", {});
  return replay(*r, g, m, n);
}

std::vector<std::optional<StepId>> steps_of(std::initializer_list<const char*> ids) {
  std::vector<std::optional<StepId>> out;
  for (const char* id : ids) out.push_back(id ? std::optional<StepId>(id) : std::nullopt);
  return out;
}

}  // namespace

TEST(GspReasoner, IsRegisteredByName) {
  auto names = reasoner_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "gsp"), names.end());
  EXPECT_EQ(make_reasoner("gsp", {})->name(), "gsp");
  // The existing entries stay.
  EXPECT_EQ(make_reasoner("seed", {})->name(), "seed");
}

TEST(GspReasoner, OneAnswerSpikeDoesNotAdvanceTwoInARowDo) {
  Guideline g = four_steps();
  ScriptedModel m(named({"a",    // c_a .5 high (1)
                         "a",    // c_a .75 high (2): a on -> start a
                         "b",    // spike: c_b .5 high (1)
                         "a",    // c_b .25 < .6 x .5: low, the run resets
                         "a",    // c_b .125 low
                         "b",    // c_b .5625 high (1)
                         "b"}));  // c_b .78125 high (2): b on -> advance to b
  Trace r = run_gsp(g, m, 7);
  EXPECT_EQ(r.steps, steps_of({nullptr, "a", "a", "a", "a", "a", "b"}));
  EXPECT_EQ(r.decisions[5].completed, std::vector<StepId>{});
  EXPECT_EQ(r.decisions[6].completed, std::vector<StepId>{"a"});
  EXPECT_EQ(r.model_calls, 7u);
  // Before the first step there is no status.
  EXPECT_FALSE(r.decisions[0].status);
}

TEST(GspReasoner, OptionsSetHowManyHighUpdatesSwitchADetectorOn) {
  Guideline g = four_steps();
  GspOptions opt;
  opt.on_updates = 1;
  auto gsp = make_gsp_reasoner(opt);
  ScriptedModel m(named({"a", "b", "a"}));
  Trace r = replay(*gsp, g, m, 3);
  // With N = 1 a single answer is enough, the spike included.
  EXPECT_EQ(r.steps, steps_of({"a", "b", "b"}));
}

TEST(GspReasoner, JumpsTwoStepsOnlyWhenTheSkippedOneWasSeen) {
  Guideline g = four_steps();
  {
    ScriptedModel m(named({"a", "a",  // start a
                           "b",       // one answer for b: c_b .5 >= .25, weak evidence
                           "c",       // c_c .5 high (1); b never switched on
                           "c"}));    // c on, b seen -> jump a -> c
    Trace r = run_gsp(g, m, 5);
    EXPECT_EQ(r.steps, steps_of({nullptr, "a", "a", "a", "c"}));
    // The jumped step counts as done, in recipe order.
    EXPECT_EQ(r.decisions[4].completed, (std::vector<StepId>{"a", "b"}));
    EXPECT_EQ(r.decisions[4].about, std::optional<StepId>("c"));
  }
  {
    ScriptedModel m(named({"a", "a", "c", "c", "c"}));  // c on, but b never named
    Trace r = run_gsp(g, m, 5);
    EXPECT_EQ(r.steps, steps_of({nullptr, "a", "a", "a", "a"}));
    EXPECT_EQ(r.decisions[4].completed, std::vector<StepId>{});
  }
  {
    // b was named before a started, but only its confidence since a started counts, and it
    // has decayed to .125 by then.
    ScriptedModel m(named({"b", "a", "a", "c", "c"}));
    Trace r = run_gsp(g, m, 5);
    EXPECT_EQ(r.steps, steps_of({nullptr, nullptr, "a", "a", "a"}));
  }
}

TEST(GspReasoner, ADetectorSwitchesOffAfterThreeLowUpdates) {
  Guideline g = four_steps();
  {
    // c switches on while b has no evidence; one update later b is seen and c is still on.
    ScriptedModel m(named({"a", "a", "c", "c", "a", "b"}));
    Trace r = run_gsp(g, m, 6);
    EXPECT_EQ(r.steps.back(), std::optional<StepId>("c"));
  }
  {
    // Three low updates for c (.1875, .09375, .046875) switch it off before b is seen.
    ScriptedModel m(named({"a", "a", "c", "c", "a", "a", "a", "b"}));
    Trace r = run_gsp(g, m, 8);
    EXPECT_EQ(r.steps.back(), std::optional<StepId>("a"));
  }
}

TEST(GspReasoner, NeverGoesBackWhenTheModelNamesAnEarlierStep) {
  Guideline g = four_steps();
  ScriptedModel m({{"a"}, {"a"}, {"b"}, {"b"},  // a, then b
                   {"a", JS, true},             // the model goes back to a three times
                   {"a", JS, true},
                   {"a", JS, true},
                   {"b", IP, false}});
  Trace r = run_gsp(g, m, 8);
  EXPECT_EQ(r.steps, steps_of({nullptr, "a", "a", "b", "b", "b", "b", "b"}));
  for (std::size_t i = 4; i < 7; ++i) {
    const Decision& d = r.decisions[i];
    EXPECT_EQ(d.completed, std::vector<StepId>{"a"}) << i;
    // The model's trigger and status are about a step the tracker is not on.
    EXPECT_FALSE(d.trigger) << i;
    EXPECT_FALSE(d.deliver) << i;
  }
  // just_start holds for the advancing update and the next one, then in_progress.
  EXPECT_EQ(r.decisions[3].status, JS);
  EXPECT_EQ(r.decisions[4].status, JS);
  EXPECT_EQ(r.decisions[5].status, IP);
  // The model is told the tracker's belief.
  EXPECT_EQ(m.queries[6].current_step, std::optional<StepId>("b"));
  EXPECT_EQ(m.queries[6].completed, std::vector<StepId>{"a"});
  EXPECT_EQ(m.queries[6].motion_cue, "the hands are moving right");
}

TEST(GspReasoner, OneInstructionPerStepAndOneNextStepOnFirstAboutToFinish) {
  Guideline g = four_steps();
  ScriptedModel m({{"a", JS, true},    // 0: a high (1), nothing yet
                   {"a", IP, false},   // 1: start a: instruction
                   {"a", ATF, true},   // 2: first about_to_finish of a: "Next: Do b"
                   {"a", ATF, true},   // 3: again: nothing new
                   {"a", IP, true},    // 4: trigger passes through, no message
                   {"b", JS, true},    // 5: b high (1): not the current step
                   {"b", IP, false},   // 6: start b: instruction
                   {"b", ATF, false},  // 7: still just_start, but the next step is announced
                   {"c", IP, false},   // 8
                   {"c", IP, false},   // 9: start c
                   {"d", IP, false},   // 10
                   {"d", IP, false},   // 11: start d
                   {"d", IP, false},   // 12
                   {"d", ATF, true},   // 13: the last step has no next step to announce
                   {"d", ATF, true}});  // 14
  Trace r = run_gsp(g, m, 15);
  EXPECT_EQ(r.steps, steps_of({nullptr, "a", "a", "a", "a", "a", "b", "b", "b", "c", "c", "d",
                               "d", "d", "d"}));

  std::vector<int> delivered;
  for (std::size_t i = 0; i < r.decisions.size(); ++i)
    if (r.decisions[i].deliver) delivered.push_back(static_cast<int>(i));
  EXPECT_EQ(delivered, (std::vector<int>{1, 2, 6, 7, 9, 11}));

  const Decision& start_a = r.decisions[1];
  EXPECT_EQ(start_a.kind, Kind::Instruction);
  EXPECT_EQ(start_a.message, "Do a. Use the small bowl");
  EXPECT_EQ(start_a.about, std::optional<StepId>("a"));
  EXPECT_TRUE(start_a.trigger);
  EXPECT_EQ(start_a.status, JS);

  const Decision& next_b = r.decisions[2];
  EXPECT_EQ(next_b.kind, Kind::NextStep);
  EXPECT_EQ(next_b.message, "Next: Do b");
  EXPECT_EQ(next_b.about, std::optional<StepId>("b"));
  EXPECT_EQ(next_b.step, std::optional<StepId>("a"));

  EXPECT_EQ(r.decisions[3].status, ATF);
  EXPECT_TRUE(r.decisions[3].trigger);
  EXPECT_TRUE(r.decisions[4].trigger);
  EXPECT_EQ(r.decisions[4].status, IP);
  EXPECT_FALSE(r.decisions[5].trigger);

  EXPECT_EQ(r.decisions[6].message, "Do b");
  EXPECT_EQ(r.decisions[7].kind, Kind::NextStep);
  EXPECT_EQ(r.decisions[7].message, "Next: Do c");
  EXPECT_EQ(r.decisions[7].status, JS);
  EXPECT_EQ(r.decisions[9].about, std::optional<StepId>("c"));
  EXPECT_EQ(r.decisions[11].about, std::optional<StepId>("d"));
  EXPECT_EQ(r.decisions[11].kind, Kind::Instruction);
  EXPECT_EQ(r.decisions[13].status, ATF);
  EXPECT_TRUE(r.decisions[13].trigger);
  EXPECT_EQ(r.decisions[14].completed, (std::vector<StepId>{"a", "b", "c"}));
}

TEST(GspReasoner, FailedOrForeignAnswersLeaveTheStateAsItWas) {
  Guideline g = four_steps();
  ScriptedModel m({{"a"}, {""}, {"a"},  // a failure in between does not break the run of a
                   {"zz"},              // a step not in the guideline
                   {"b"}, {""}, {"b"}});
  Trace r = run_gsp(g, m, 7);
  EXPECT_EQ(r.steps, steps_of({nullptr, nullptr, "a", "a", "a", "a", "b"}));
  EXPECT_TRUE(r.decisions[1].vlm);
  EXPECT_FALSE(r.decisions[1].deliver);
  // The just_start countdown counts answered updates only.
  EXPECT_EQ(r.decisions[3].status, JS);
  EXPECT_EQ(r.decisions[4].status, JS);
  EXPECT_EQ(r.decisions[5].status, JS);
  EXPECT_EQ(r.model_calls, 7u);
  EXPECT_EQ(r.model_failures, 2u);
}

TEST(GspReasoner, WalksTheRecipeOrderNotTheFileOrder) {
  // "b" is listed first but needs "a".
  Guideline g;
  g.id = "t";
  for (const char* id : {"b", "a", "c"}) {
    Step s;
    s.id = id;
    s.text = std::string("Do ") + id;
    g.steps.push_back(s);
  }
  g.steps[0].requires_ = {"a"};
  g.steps[2].requires_ = {"b"};
  g.finalize();
  ScriptedModel m(named({"b", "b", "b", "a"}));
  Trace r = run_gsp(g, m, 4);
  // b is second in the recipe: its detector is on, but with no evidence for a it is not
  // entered; the first answer for a is that evidence, and the tracker jumps over a.
  EXPECT_EQ(r.steps, steps_of({nullptr, nullptr, nullptr, "b"}));
  EXPECT_EQ(r.decisions[3].completed, std::vector<StepId>{"a"});
  EXPECT_EQ(r.decisions[3].about, std::optional<StepId>("b"));
}

TEST(GspReasoner, NonKeyPairsAndNoModel) {
  Guideline g = four_steps();
  ScriptedModel m({});
  auto r = make_reasoner("gsp", {});
  ReasonerContext ctx{&g, "s1", &m};
  SampledPair p = key_at(1);
  p.key = false;
  EXPECT_FALSE(r->on_pair(p, ctx).has_value());
  EXPECT_EQ(ctx.model_calls, 0u);

  auto none = make_no_model();
  ReasonerContext quiet{&g, "s1", none.get()};
  auto d = r->on_pair(key_at(2), quiet);
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->step);
  EXPECT_FALSE(d->vlm);
  EXPECT_FALSE(d->deliver);
}

TEST(GspReasoner, FollowsTheTeaRecipeAnsweredTwicePerStep) {
  const fs::path file =
      fs::path(P2A_SHARED_DIR) / "datasets/angel_tasks/cooking/recipe_tea.yaml";
  const Guideline g = load_guideline(file);
  const auto& order = g.topo_order();
  ASSERT_GE(order.size(), 5u);
  // Every step named twice, and once a one-answer spike for the step after next.
  std::vector<ScriptedModel::Line> lines;
  for (std::size_t k = 0; k < order.size(); ++k) {
    lines.push_back({g.at(order[k]).id});
    lines.push_back({g.at(order[k]).id});
    if (k == 2) lines.push_back({g.at(order[k + 2]).id});
  }
  const std::size_t n = lines.size();
  ScriptedModel m(lines);
  Trace r = run_gsp(g, m, n);
  std::vector<StepId> instructed;
  for (const Decision& d : r.decisions)
    if (d.deliver && d.kind == Kind::Instruction) instructed.push_back(*d.about);
  std::vector<StepId> recipe;
  for (std::size_t i : order) recipe.push_back(g.at(i).id);
  EXPECT_EQ(instructed, recipe);
  EXPECT_EQ(r.steps.back(), std::optional<StepId>(recipe.back()));
  recipe.pop_back();
  EXPECT_EQ(r.decisions.back().completed, recipe);
}
