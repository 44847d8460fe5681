// CaptainCook4D reader on the real dataset files, checked against facts read independently
// from the raw JSON, plus the `convert captaincook4d` command end to end.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "pro2assist/dataset.hpp"
#include "pro2assist/durations.hpp"
#include "pro2assist/metrics.hpp"
#include "pro2assist/session.hpp"

namespace p2a {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kDir = fs::path(P2A_SHARED_DIR) / "datasets" / "captaincook4d";

const CaptainCook4D& dataset() {
  static const CaptainCook4D cc = CaptainCook4D::load(kDir);
  return cc;
}

json raw(const char* file) {
  std::ifstream in(kDir / file);
  return json::parse(in);
}

const GtSegment* segment(const Recording& r, const StepId& step, double start_s) {
  for (const auto& s : r.truth.steps)
    if (s.step == step && std::abs(s.start_s - start_s) < 1e-9) return &s;
  return nullptr;
}

// The guideline step whose original description is `text` (unique texts only).
StepId step_with_text(const Guideline& g, const std::string& text) {
  for (const auto& s : g.steps)
    if (s.source_text == text) return s.id;
  return {};
}

TEST(CaptainCook4D, TextNormalisation) {
  EXPECT_EQ(captaincook_recipe_id("Herb Omelet with Fried Tomatoes"), "herbomeletwithfriedtomatoes");
  EXPECT_EQ(captaincook_recipe_id("Microwave Egg Sandwich"), "microwaveeggsandwich");
  EXPECT_EQ(normalise_step_text("Coat -Coat a 6-oz. ramekin cup,  with spray!"),
            "coat coat a 6 oz ramekin cup with spray");
  EXPECT_EQ(normalise_step_text("  --  "), "");
}

TEST(CaptainCook4D, LoadsEveryRecordingOfBothSplits) {
  const auto& cc = dataset();
  EXPECT_TRUE(cc.problems().empty()) << cc.problems().front();
  EXPECT_EQ(cc.recordings("train").size(), 213u);
  EXPECT_EQ(cc.recordings("val").size(), 62u);
  EXPECT_EQ(cc.recordings("all").size(), 275u);
  EXPECT_EQ(cc.recipes().size(), 24u);
  EXPECT_THROW(cc.recordings("test"), Error);
  EXPECT_THROW(cc.recording("99_99"), Error);
  EXPECT_THROW(cc.guideline("nosuchrecipe"), Error);
}

TEST(CaptainCook4D, EveryRecordingHasItsRecipeGraphAndValidSegments) {
  const auto& cc = dataset();
  const json complete = raw("complete_step_annotations.json");
  for (const auto& r : cc.recordings("all")) {
    SCOPED_TRACE(r.id);
    EXPECT_EQ(r.activity_name, complete.at(r.id).at("activity_name").get<std::string>());
    const Guideline& g = cc.guideline(r.recipe);
    EXPECT_EQ(g.id, r.recipe);
    ASSERT_FALSE(r.truth.steps.empty());
    for (std::size_t i = 0; i < r.truth.steps.size(); ++i) {
      const auto& s = r.truth.steps[i];
      EXPECT_NE(g.find(s.step), nullptr) << s.step;
      EXPECT_GT(s.end_s, s.start_s);
      if (i > 0) EXPECT_LE(r.truth.steps[i - 1].start_s, s.start_s);
    }
    for (const auto& e : r.truth.errors) EXPECT_NE(g.find(e.step), nullptr) << e.step;
  }
}

TEST(CaptainCook4D, JoinsAnnotationStepsToGraphSteps) {
  // Measured from the raw files: 3871 performed (non-skipped) annotation steps; all but one
  // carry their graph step's text; 2_26 annotates id 25 as "Microwave for 1.5 minutes",
  // which the id table (and the graph) calls "Microwave for 1 more minute".
  const JoinStats& st = dataset().join_stats();
  EXPECT_EQ(st.steps, 3871u);
  EXPECT_EQ(st.exact, 3870u);
  EXPECT_EQ(st.by_step_id, 1u);
  EXPECT_EQ(st.by_overlap, 0u);
  EXPECT_EQ(st.unmatched, 0u);
  EXPECT_GE(st.joined_share(), 0.99);
  EXPECT_DOUBLE_EQ(st.joined_share(), 1.0);

  const auto& r = dataset().recording("2_26");
  const Guideline& g = dataset().guideline("dressedupmeatballs");
  EXPECT_NE(segment(r, step_with_text(g, "Microwave-Microwave for 1 more minute"), 1108.960825079618),
            nullptr);
  EXPECT_TRUE(r.unmatched.empty());
}

TEST(CaptainCook4D, Recording1_7StartsByCoatingTheRamekin) {
  const auto& cc = dataset();
  const Recording& r = cc.recording("1_7");
  EXPECT_EQ(r.recipe, "microwaveeggsandwich");
  EXPECT_EQ(r.activity_name, "Microwave Egg Sandwich");
  ASSERT_EQ(r.truth.steps.size(), 12u);
  const Guideline& g = cc.guideline(r.recipe);
  const GtSegment& first = r.truth.steps.front();
  EXPECT_EQ(first.step, "3");  // the graph's key for this description
  EXPECT_EQ(g.find(first.step)->text, "Coat a 6-oz. ramekin cup with cooking spray");
  EXPECT_DOUBLE_EQ(first.start_s, 7.072);
  EXPECT_DOUBLE_EQ(first.end_s, 46.288);
  EXPECT_EQ(r.truth.steps.back().step, "7");  // replace the top of the English muffin
  EXPECT_DOUBLE_EQ(r.truth.steps.back().end_s, 592.802);
  EXPECT_TRUE(r.truth.errors.empty());  // is_error: false
  EXPECT_EQ(g.title, "Microwave Egg Sandwich");
}

TEST(CaptainCook4D, MissingStepsBecomeMissingErrors) {
  const auto& cc = dataset();
  // Independently from the raw file: every skipped step tagged Missing Step.
  std::size_t tagged_recordings = 0;
  for (const json& r : raw("error_annotations.json")) {
    const std::string id = r.at("recording_id").get<std::string>();
    const Recording& rec = cc.recording(id);
    const Guideline& g = cc.guideline(rec.recipe);
    std::multiset<std::string> missing_texts;
    for (const auto& e : rec.truth.errors)
      if (e.type == "missing") missing_texts.insert(normalise_step_text(g.find(e.step)->source_text));
    bool tagged = false;
    for (const json& s : r.at("step_annotations")) {
      if (s.at("start_time").get<double>() >= 0 || !s.contains("errors")) continue;
      for (const json& e : s["errors"]) {
        if (e.at("tag") != "Missing Step") continue;
        tagged = true;
        const std::string text = normalise_step_text(s.at("description").get<std::string>());
        EXPECT_TRUE(missing_texts.count(text)) << id << ": " << text;
      }
    }
    tagged_recordings += tagged;
    if (tagged) EXPECT_FALSE(missing_texts.empty()) << id;
  }
  EXPECT_GT(tagged_recordings, 50u);

  // 1_10 skips "Microwave the ramekin cup uncovered" (graph step 4); the first step that
  // needs it is "stir the ramekin cup" (11, after 4), begun at 91.47 s.
  const Recording& r = cc.recording("1_10");
  ASSERT_EQ(r.truth.errors.size(), 1u);
  EXPECT_EQ(r.truth.errors[0].step, "4");
  EXPECT_EQ(r.truth.errors[0].type, "missing");
  EXPECT_DOUBLE_EQ(r.truth.errors[0].t_s, 91.4747659319929);
  EXPECT_EQ(r.truth.steps.size(), 11u);  // the skipped step is no segment
}

TEST(CaptainCook4D, OtherErrorTagsAtTheStepStart) {
  const auto& cc = dataset();
  const Recording& r = cc.recording("18_3");
  const Guideline& g = cc.guideline("zoodles");
  const StepId heat = step_with_text(g, "Heat-Heat a large pan on medium heat");
  ASSERT_FALSE(heat.empty());
  std::size_t order = 0;
  bool heat_order = false;
  for (const auto& e : r.truth.errors) {
    EXPECT_EQ(e.type, "order");  // 18_3's only tags are three Order Errors
    ++order;
    if (e.step == heat && e.t_s == 160.075) heat_order = true;
  }
  EXPECT_EQ(order, 3u);
  EXPECT_TRUE(heat_order);
  // "Top with more parmesan if desired" is skipped without a tag: optional, no error.
  bool noted = false;
  for (const auto& d : r.dropped) noted |= d.find("parmesan") != std::string::npos;
  EXPECT_TRUE(noted);

  // 1_28 has preparation and technique errors: lower-case tag text at the step's start.
  const Recording& r28 = cc.recording("1_28");
  const Guideline& egg = cc.guideline("microwaveeggsandwich");
  bool technique = false, preparation = false;
  for (const auto& e : r28.truth.errors) {
    if (e.type == "technique error" && e.step == "1" && e.t_s == 73.216) technique = true;
    if (e.type == "preparation error" && e.step == "12" && e.t_s == 4.121) preparation = true;
  }
  EXPECT_TRUE(technique);
  EXPECT_TRUE(preparation);
  EXPECT_EQ(egg.find("12")->source_text, "Cut -Cut the English muffin into two pieces with a knife");
}

TEST(CaptainCook4D, OrderErrorsAreKeptOnePerAnnotatedStep) {
  // The raw file has 427 annotation steps tagged Order Error (one has the tag twice); none
  // of them is a repeated annotation, so all 427 stay.
  std::size_t order = 0;
  for (const auto& r : dataset().recordings("all"))
    for (const auto& e : r.truth.errors) order += e.type == "order";
  EXPECT_EQ(order, 427u);
}

// A decision stream read off the truth at every grid point must score perfectly on real
// recordings (overlaps, gaps, repeats); mistakes made out of order must open windows.
TEST(CaptainCook4D, OracleDecisionsScorePerfectly) {
  std::vector<Metrics> all;
  for (const auto& r : dataset().recordings("all")) {
    const auto& segs = r.truth.steps;
    const auto periods = proactive_periods(r.truth);
    double last_s = 0;
    for (const auto& s : segs) last_s = std::max(last_s, s.end_s);
    std::vector<Decision> d;
    // s0 + i, not a running sum: a grid point on a window edge (1.627 + 10 in 18_11) must be
    // the same double here as in score().
    for (int i = 0; segs.front().start_s + i <= last_s; ++i) {
      const double t = segs.front().start_s + i;
      Decision x;
      x.t_s = t;
      const GtSegment* cover = nullptr;
      const GtSegment* before = nullptr;
      for (const auto& s : segs) {
        if (!cover && s.start_s <= t && t < s.end_s) cover = &s;
        if (s.end_s <= t && (!before || s.end_s > before->end_s)) before = &s;
      }
      if (cover) {
        const double w = status_window_s(cover->start_s, cover->end_s);
        x.step = cover->step;
        x.status = t < cover->start_s + w   ? Status::JustStart
                   : t >= cover->end_s - w ? Status::AboutToFinish
                                           : Status::InProgress;
      } else {
        x.step = before->step;
        x.status = Status::Transition;
      }
      for (const auto& p : periods) x.trigger |= p.start_s <= t && t <= p.end_s;
      d.push_back(x);
    }
    const Metrics m = score(dataset().guideline(r.recipe), r.truth, d);
    ASSERT_DOUBLE_EQ(m.step_acc, 1.0) << r.id;
    ASSERT_DOUBLE_EQ(m.status_acc, 1.0) << r.id;
    ASSERT_DOUBLE_EQ(m.acc_p, 1.0) << r.id;
    all.push_back(m);
  }
  const Metrics p = pool(all);
  EXPECT_DOUBLE_EQ(p.step_acc, 1.0);
  EXPECT_DOUBLE_EQ(p.md, 0.0);
  EXPECT_DOUBLE_EQ(p.fd, 0.0);
  EXPECT_GT(p.mistake_windows, 100);
  EXPECT_EQ(p.moments, p.grid_points);
}

TEST(CaptainCook4D, RepeatedGraphTextsFollowTheGraphOrder) {
  // dressedupmeatballs has two "Microwave the plate ... 1.5 minutes" (13 before 8) and two
  // "Stir the contents ..." (7 before 5): 2_3 does each twice, in that order.
  const Recording& r = dataset().recording("2_3");
  EXPECT_NE(segment(r, "13", 843), nullptr);
  EXPECT_NE(segment(r, "8", 1228.8), nullptr);
  EXPECT_NE(segment(r, "7", 1207.6), nullptr);
  EXPECT_NE(segment(r, "5", 1562.8176792404458), nullptr);
  // 2_26 annotates its first stir twice, 0.07 s apart: one segment, the repeat reported.
  const Recording& r26 = dataset().recording("2_26");
  EXPECT_NE(segment(r26, "7", 961.7), nullptr);
  EXPECT_EQ(segment(r26, "5", 961.7714792054142), nullptr);
  bool reported = false;
  for (const auto& d : r26.dropped) reported |= d.find("repeats") != std::string::npos;
  EXPECT_TRUE(reported);
}

TEST(CaptainCook4D, ConvertWritesASessionFolder) {
  const fs::path out = fs::path(P2A_TEST_TMP) / "captaincook_convert" / "1_10";
  fs::remove_all(out);
  const std::string cmd = std::string(P2A_BINARY) + " convert captaincook4d --dir '" +
                          kDir.string() + "' --recording 1_10 --seed 3 --out '" + out.string() +
                          "' > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;

  std::ifstream meta_in(out / "session.json");
  const json meta = json::parse(meta_in);
  EXPECT_EQ(meta.at("session_id"), "1_10");
  EXPECT_EQ(meta.at("task"), "microwaveeggsandwich");
  EXPECT_EQ(meta.at("instruction"), "I'm going to make Microwave Egg Sandwich");
  EXPECT_NEAR(meta.at("duration_s").get<double>(), 469.4582485670554 + 5.0, 1e-6);

  const Annotations back = read_annotations(out / "annotations.json");
  const Recording& rec = dataset().recording("1_10");
  ASSERT_EQ(back.steps.size(), rec.truth.steps.size());
  for (std::size_t i = 0; i < back.steps.size(); ++i) {
    EXPECT_EQ(back.steps[i].step, rec.truth.steps[i].step);
    EXPECT_NEAR(back.steps[i].start_s, rec.truth.steps[i].start_s, 1e-3);
  }
  ASSERT_EQ(back.errors.size(), 1u);
  EXPECT_EQ(back.errors[0].type, "missing");

  const Guideline g = load_guideline(out / "guideline.json");
  EXPECT_EQ(g.id, "microwaveeggsandwich");
  EXPECT_EQ(g.size(), dataset().guideline("microwaveeggsandwich").size());
  // With the step durations learned from the training split, as `eval` uses them (the graph
  // itself has none).
  const std::vector<Recording> train = dataset().recordings("train");
  std::vector<const Annotations*> truths;
  for (const auto& r : train)
    if (r.recipe == "microwaveeggsandwich") truths.push_back(&r.truth);
  ASSERT_GE(truths.size(), 3u);
  const auto learned = learn_durations(g, truths);
  ASSERT_FALSE(learned.empty());
  for (const auto& [id, d] : learned) {
    const Step* step = g.find(id);
    ASSERT_NE(step, nullptr) << id;
    ASSERT_TRUE(step->duration_s.has_value()) << id;
    EXPECT_NEAR(step->duration_s->min_s, d.p10_s, 0.06) << id;
    EXPECT_NEAR(step->duration_s->max_s, d.p90_s, 0.06) << id;
  }

  const Session s = read_session(out);
  EXPECT_FALSE(s.imu.empty());
  EXPECT_GT(s.imu.back().t_s, 400.0);

  // Neither --recording nor --all: a usage error, nothing written.
  const std::string bad = std::string(P2A_BINARY) + " convert captaincook4d --dir '" +
                          kDir.string() + "' --out '" + out.string() + "_x' > /dev/null 2>&1";
  EXPECT_NE(std::system(bad.c_str()), 0);
  EXPECT_FALSE(fs::exists(out.string() + "_x"));
}

}  // namespace
}  // namespace p2a
