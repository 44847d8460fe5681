// The report pages: the timeline SVG drawn from a hand-made session, the evaluation page from
// hand-made results (so every number on it is known), and `pro2assist report` end to end.
#include "pro2assist/report.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "eval/report_svg.hpp"
#include "pro2assist/metrics.hpp"
#include "support/shell.hpp"

namespace p2a {
namespace {

namespace fs = std::filesystem;

// ---- a tiny well-formedness checker: every tag closed in order, no stray '<' or '&' ----

bool is_void_html(const std::string& name) {
  static const std::set<std::string> kVoid = {"meta", "link", "br", "hr", "img", "input"};
  return kVoid.count(name) > 0;
}

// Returns "" when balanced, else what is wrong and where.
std::string check_balanced(const std::string& doc) {
  std::vector<std::string> stack;
  std::size_t i = 0;
  while (i < doc.size()) {
    const char c = doc[i];
    if (c == '&') {
      const auto semi = doc.find(';', i);
      const std::string ent = doc.substr(i, semi == std::string::npos ? 8 : semi - i + 1);
      if (!std::regex_match(ent, std::regex("&(amp|lt|gt|quot|#[0-9]+|#x[0-9a-fA-F]+);")))
        return "stray '&' at " + std::to_string(i) + ": " + ent;
      i = semi + 1;
      continue;
    }
    if (c != '<') {
      if (c == '>') return "stray '>' at " + std::to_string(i);
      ++i;
      continue;
    }
    if (doc.compare(i, 2, "<!") == 0) {  // doctype or comment
      i = doc.find('>', i) + 1;
      continue;
    }
    // Attribute values may hold '>' only escaped; find the tag's end outside quotes.
    std::size_t j = i + 1;
    bool in_quote = false;
    while (j < doc.size() && (in_quote || doc[j] != '>')) {
      if (doc[j] == '"') in_quote = !in_quote;
      if (in_quote && doc[j] == '<') return "raw '<' in an attribute at " + std::to_string(j);
      ++j;
    }
    if (j >= doc.size()) return "unterminated tag at " + std::to_string(i);
    const std::string tag = doc.substr(i + 1, j - i - 1);
    const bool closing = !tag.empty() && tag[0] == '/';
    const bool self_closing = !tag.empty() && tag.back() == '/';
    std::smatch m;
    const std::string body = closing ? tag.substr(1) : tag;
    if (!std::regex_search(body, m, std::regex("^([A-Za-z][A-Za-z0-9-]*)")))
      return "bad tag '<" + tag + ">' at " + std::to_string(i);
    const std::string name = m[1];
    i = j + 1;
    if (closing) {
      if (stack.empty() || stack.back() != name)
        return "</" + name + "> closes " + (stack.empty() ? "nothing" : "<" + stack.back() + ">") +
               " at " + std::to_string(j);
      stack.pop_back();
    } else if (!self_closing && !is_void_html(name)) {
      if (name == "script" || name == "style") {  // raw text up to the end tag
        const auto end = doc.find("</" + name + ">", i);
        if (end == std::string::npos) return "unclosed <" + name + ">";
        i = end;
      }
      stack.push_back(name);
    }
  }
  if (!stack.empty()) return "unclosed <" + stack.back() + ">";
  return "";
}

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + needle.size()))
    ++n;
  return n;
}

// The part of `doc` from the first `from` to the following `to`.
std::string between(const std::string& doc, const std::string& from, const std::string& to) {
  const auto a = doc.find(from);
  if (a == std::string::npos) return "";
  const auto b = doc.find(to, a);
  return doc.substr(a, b == std::string::npos ? std::string::npos : b - a);
}

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::path(P2A_TEST_TMP) / "report_test" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// ---- fixtures ----

// boil -> pour <- cup: pour needs both.
Guideline tea_like() {
  Guideline g;
  g.id = "t";
  g.title = "Tea & <things>";
  auto step = [&](StepId id, std::string text, std::vector<StepId> req) {
    Step s;
    s.id = std::move(id);
    s.text = std::move(text);
    s.requires_ = std::move(req);
    g.steps.push_back(s);
  };
  step("boil", "Heat <oil> & \"stir\"", {});
  step("cup", "Take a cup", {});
  step("pour", "Pour the water", {"boil", "cup"});
  step("sip", "Sip", {"pour"});
  g.finalize();
  return g;
}

// boil [5, 40), pour [45, 60) begun before cup (a mistake window), cup [62, 70).
Annotations tea_truth() {
  Annotations a;
  a.steps = {{"boil", 5, 40}, {"pour", 45, 60}, {"cup", 62, 70}};
  a.errors = {{"cup", "order", 45}};
  return a;
}

Decision said(double t_s, std::optional<StepId> step, std::optional<Kind> kind = std::nullopt,
              std::string message = "", bool trigger = false) {
  Decision d;
  d.t_s = t_s;
  d.step = std::move(step);
  d.status = Status::InProgress;
  d.trigger = trigger || kind.has_value();
  d.deliver = kind.has_value();
  d.kind = kind;
  d.message = std::move(message);
  if (kind && d.step) d.about = d.step;
  return d;
}

std::vector<Decision> stream_a() {
  return {said(0, std::nullopt),
          said(5, "boil", Kind::Instruction, "Fill it <now> & wait"),
          said(20, "boil"),
          said(38, "boil", Kind::NextStep, "Next: pour"),
          said(46, "pour", Kind::Mistake, "Take the cup first"),
          said(62, "cup", Kind::Instruction, "Take a cup"),
          said(66, "cup", Kind::Reminder, "Then pour again")};
}

std::vector<Decision> stream_b() {
  return {said(0, std::nullopt),
          said(10, "boil"),
          said(30, std::nullopt, Kind::Hesitation, "Need help?"),
          said(50, "pour"),
          said(55, "pour", Kind::Answer, "Yes, 350 ml"),
          said(64, "mystery")};  // a step the guideline does not have
}

// ---- timeline ----

TEST(TimelineSvg, IsBalancedAndEscapesText) {
  const std::string svg =
      timeline_svg(tea_like(), tea_truth(), {{"alpha", stream_a(), ""}, {"beta", stream_b(), ""}});
  EXPECT_EQ(check_balanced(svg), "");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("Heat &lt;oil&gt; &amp; &quot;stir&quot;"), std::string::npos);
  EXPECT_EQ(svg.find("<oil>"), std::string::npos);
  EXPECT_NE(svg.find("Fill it &lt;now&gt; &amp; wait"), std::string::npos);
  EXPECT_NE(svg.find("timeline of Tea &amp; &lt;things&gt;"), std::string::npos);
}

TEST(TimelineSvg, DrawsOneBarPerSegmentAndOneMarkerPerMessage) {
  const Guideline g = tea_like();
  const Annotations truth = tea_truth();
  const std::string svg =
      timeline_svg(g, truth, {{"alpha", stream_a(), ""}, {"beta", stream_b(), ""}});
  EXPECT_EQ(count(svg, "class=\"gt-bar\""), 3u);
  // Two periods per segment (guidance to start, about to finish).
  EXPECT_EQ(count(svg, "class=\"period\""), 6u);
  // pour begins before cup: one window, and the annotated error drawn once.
  ASSERT_EQ(mistake_windows(g, truth).size(), 1u);
  EXPECT_EQ(count(svg, "class=\"mistake-window\""), 1u);
  EXPECT_EQ(count(svg, "class=\"gt-error\""), 1u);
  // 5 messages from alpha, 2 from beta, each with its kind's class.
  EXPECT_EQ(count(svg, "class=\"msg kind-"), 7u);
  EXPECT_EQ(count(svg, "class=\"msg kind-instruction\""), 2u);
  EXPECT_EQ(count(svg, "class=\"msg kind-next_step\""), 1u);
  EXPECT_EQ(count(svg, "class=\"msg kind-mistake\""), 1u);
  EXPECT_EQ(count(svg, "class=\"msg kind-reminder\""), 1u);
  EXPECT_EQ(count(svg, "class=\"msg kind-hesitation\""), 1u);
  EXPECT_EQ(count(svg, "class=\"msg kind-answer\""), 1u);
  EXPECT_NE(svg.find("<title>00:46 [mistake] about &#39;pour&#39;: Take the cup first</title>"),
            std::string::npos);
  EXPECT_EQ(count(svg, "class=\"track\""), 2u);
  // 4 guideline rows plus the unknown step beta reported.
  EXPECT_EQ(count(svg, "class=\"step-label\""), 5u);
  EXPECT_NE(svg.find("mystery (not in guideline)"), std::string::npos);
}

TEST(TimelineSvg, MarksWhereTheHeldStepIsRightOrWrong) {
  // alpha holds boil from 5 s through the gap to 45 s, where pour has begun: wrong for the
  // grid point at 45 s only (pour reported from 46 s); every other second from 5 to 70 is right.
  const std::string svg = timeline_svg(tea_like(), tea_truth(), {{"alpha", stream_a(), ""}});
  EXPECT_EQ(count(svg, "class=\"step-wrong\""), 1u);
  EXPECT_EQ(count(svg, "class=\"step-right\""), 2u);
  EXPECT_NE(svg.find("<title>alpha: step wrong 00:45\u201300:46</title>"), std::string::npos);
  EXPECT_NE(svg.find("<title>alpha: step right 00:05\u201300:45</title>"), std::string::npos);
}

TEST(TimelineSvg, StepLineBreaksWhereNoStepIsHeld) {
  const Guideline g = tea_like();
  const std::vector<Decision> d = {said(0, std::nullopt), said(10, "boil"), said(20, std::nullopt),
                                   said(30, "cup"), said(40, "pour")};
  const std::string svg = timeline_svg(g, {}, {{"x", d, ""}});
  const std::string track = between(svg, "class=\"track\"", "stroke=");
  const std::string jumps = between(svg, "class=\"track-jumps\"", "stroke=");
  ASSERT_FALSE(track.empty());
  // Stretches: boil; then cup and pour, joined by one vertical move (no step held in between
  // boil and cup, so no move there).
  EXPECT_EQ(count(track, "M"), 3u);
  EXPECT_EQ(count(track, "V"), 0u);
  EXPECT_EQ(count(jumps, "M"), 1u);
  EXPECT_EQ(count(jumps, "V"), 1u);
  // Without annotations nothing of the truth is drawn, and the legend does not offer it.
  EXPECT_EQ(count(svg, "class=\"gt-bar\""), 0u);
  EXPECT_EQ(svg.find("ground-truth step"), std::string::npos);
  EXPECT_EQ(check_balanced(svg), "");
}

TEST(TimelineSvg, ScalesToFortyStepsAndHalfAnHour) {
  Guideline g;
  g.id = "long";
  for (int i = 0; i < 40; ++i) {
    Step s;
    s.id = "s" + std::to_string(i);
    s.text = "Step number " + std::to_string(i) + " with a rather long instruction text to cut";
    if (i > 0) s.requires_ = {"s" + std::to_string(i - 1)};
    g.steps.push_back(s);
  }
  g.finalize();
  Annotations truth;
  std::vector<Decision> d;
  for (int i = 0; i < 40; ++i) {
    truth.steps.push_back({"s" + std::to_string(i), i * 45.0, i * 45.0 + 40});  // ends at 1795 s
    d.push_back(said(i * 45.0 + 2, "s" + std::to_string(i), Kind::Instruction, "go"));
  }
  const std::string svg = timeline_svg(g, truth, {{"only", d, ""}});
  EXPECT_EQ(check_balanced(svg), "");
  EXPECT_EQ(count(svg, "class=\"gt-bar\""), 40u);
  EXPECT_EQ(count(svg, "class=\"msg kind-instruction\""), 40u);
  EXPECT_NE(svg.find(">30:00</text>"), std::string::npos);  // 5-minute ticks up to the end
  EXPECT_NE(svg.find(">25:00</text>"), std::string::npos);
  EXPECT_EQ(svg.find(">31:00</text>"), std::string::npos);
  // Long labels are cut to the label column, the full text stays in the tooltip.
  EXPECT_NE(svg.find("\u2026</text>"), std::string::npos);
  EXPECT_NE(svg.find("<title>s3: Step number 3 with a rather long instruction text to cut</title>"),
            std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex("height=\"([0-9.]+)\" viewBox")));
  const double height = std::stod(m[1]);
  EXPECT_GT(height, 40 * 14.0);  // rows no thinner than 14 px
  EXPECT_LT(height, 900.0);      // and the whole still fits a screen or two
}

TEST(ReportText, TheCheckerCatchesBrokenMarkup) {
  EXPECT_EQ(check_balanced("<svg><g><rect/></g><text>a &amp; b</text></svg>"), "");
  EXPECT_NE(check_balanced("<svg><g></svg>"), "");
  EXPECT_NE(check_balanced("<svg><text>a <oil> b</text></svg>"), "");
  EXPECT_NE(check_balanced("<svg><text>a & b</text></svg>"), "");
  EXPECT_NE(check_balanced("<svg><text>a > b</text></svg>"), "");
  EXPECT_NE(check_balanced("<svg><title x=\"<\">t</title></svg>"), "");
}

TEST(ReportText, HelpersFormatAndEscape) {
  EXPECT_EQ(report::escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(report::escape(std::string("x\x01y")), "xy");
  EXPECT_EQ(report::clock(0), "00:00");
  EXPECT_EQ(report::clock(125.4), "02:05");
  EXPECT_EQ(report::clock(3725), "1:02:05");
  EXPECT_EQ(report::truncate_utf8("caf\u00e9 cr\u00e8me", 5), "caf\u00e9\u2026");
  EXPECT_EQ(report::truncate_utf8("caf\u00e9", 4), "caf\u00e9");
  EXPECT_EQ(report::fixed(-0.0001, 2), "0.00");
  const std::vector<double> expected = {0, 0.2, 0.4, 0.6, 0.8, 1.0};
  const auto ticks = report::nice_ticks(0, 1, 6);
  ASSERT_EQ(ticks.size(), expected.size());
  for (std::size_t i = 0; i < ticks.size(); ++i) EXPECT_NEAR(ticks[i], expected[i], 1e-12);
  EXPECT_EQ(report::fixed(ticks[3], 2), "0.60");
  EXPECT_EQ(report::nice_ticks(0, 13, 6), (std::vector<double>{0, 5, 10}));
  EXPECT_EQ(report::time_tick_s(600, 10), 60.0);
}

// ---- evaluation page ----

Metrics metrics(double step_acc, double md, double calls_per_min) {
  Metrics m;
  m.step_acc = step_acc;
  m.status_acc = step_acc / 2;
  m.md = md;
  m.calls_per_min = calls_per_min;
  return m;
}

struct HandMade {
  EvalResults results;
  EvalOptions opt;
  std::vector<EvalCase> cases;
};

HandMade hand_made() {
  HandMade h;
  h.opt.reasoners = {"alpha", "beta"};
  h.opt.accuracies = {0.3, 0.5, 0.7};
  h.opt.seed = 7;
  auto row = [&](std::string r, double acc, Metrics m, int failed = 0) {
    h.results.summary.push_back({"sessions", std::move(r), acc, 1, failed, m});
  };
  row("alpha", 0.3, metrics(0.6123, 0.301, 4.1111));
  row("beta", 0.3, metrics(0.5456, 0.202, 9.8765));
  row("alpha", 0.5, metrics(0.7321, 0.271, 4.2222));
  row("beta", 0.5, metrics(0.6987, 0.103, 11.3456));
  row("alpha", 0.7, metrics(0.8642, 0.251, 4.3333));
  row("beta", 0.7, metrics(0.0, 0.0, 0.0), 1);  // every session failed
  h.results.wall_s = 3.25;

  EvalCase c;
  c.dataset = "sessions";
  c.id = "case<1>";
  c.guideline = std::make_shared<Guideline>(tea_like());
  c.truth = tea_truth();
  h.cases.push_back(c);
  for (const auto& s : h.results.summary) {
    RunResult run;
    run.case_id = c.id;
    run.reasoner = s.reasoner;
    run.accuracy = s.accuracy;
    run.metrics = s.metrics;
    if (s.failed)
      run.error = "model exploded at <t=3>";
    else
      run.decisions = s.reasoner == "alpha" ? stream_a() : stream_b();
    h.results.runs.push_back(run);
  }
  return h;
}

TEST(HtmlReport, SummaryTableHoldsTheGivenMetrics) {
  const HandMade h = hand_made();
  const fs::path file = scratch("eval") / "nested" / "report.html";
  ReportInfo info;
  info.source = "/data/sessions";
  write_html_report(file, h.results, h.opt, h.cases, 6, info);
  const std::string html = read_file(file);
  EXPECT_EQ(check_balanced(html), "");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  // Self-contained: nothing loaded from elsewhere.
  EXPECT_EQ(count(html, "http://"), count(html, "http://www.w3.org/2000/svg"));
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);

  const std::string table = between(html, "<table class=\"summary\">", "</table>");
  const std::string body = between(table, "<tbody>", "</tbody>");
  EXPECT_EQ(count(body, "<tr"), 6u);
  // Values as given, rounded for display.
  for (const char* v : {">0.612<", ">0.546<", ">0.732<", ">0.699<", ">0.864<", ">0.301<", ">0.103<",
                        ">4.11<", ">9.88<", ">11.35<", ">0.366<"})
    EXPECT_NE(body.find(v), std::string::npos) << v;
  // Best per accuracy: alpha's Step-Acc at 0.5, beta's lower MD at 0.5; calls/min lower wins.
  EXPECT_NE(body.find("<td class=\"best\">0.732</td>"), std::string::npos);
  EXPECT_NE(body.find("<td class=\"best\">0.103</td>"), std::string::npos);
  EXPECT_EQ(body.find("<td class=\"best\">0.699</td>"), std::string::npos);
  EXPECT_NE(body.find("<td class=\"best\">4.22</td>"), std::string::npos);
  // At 0.7 beta failed everywhere: nothing to compare, nothing highlighted, failure in red.
  EXPECT_EQ(body.find("<td class=\"best\">0.864</td>"), std::string::npos);
  EXPECT_NE(body.find("<td class=\"bad\">1</td>"), std::string::npos);

  EXPECT_EQ(count(html, "class=\"sweep-chart\""), 4u);
  EXPECT_EQ(count(html, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\""), 1u);
  EXPECT_NE(html.find("case&lt;1&gt;"), std::string::npos);
  EXPECT_NE(html.find("model exploded at &lt;t=3&gt;"), std::string::npos);
  EXPECT_NE(html.find("/data/sessions"), std::string::npos);
  EXPECT_NE(html.find("0.30, 0.50, 0.70"), std::string::npos);
  // Timelines at the middle accuracy, 0.5: beta's answer is drawn from its 0.5 run.
  EXPECT_NE(html.find("[answer] about &#39;pour&#39;: Yes, 350 ml"), std::string::npos);
}

TEST(HtmlReport, SweepChartHasALinePerReasonerWithItsPoints) {
  const HandMade h = hand_made();
  const fs::path file = scratch("sweep") / "report.html";
  write_html_report(file, h.results, h.opt, h.cases, 0);
  const std::string html = read_file(file);
  const std::string chart =
      between(html, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sweep-chart\"", "</svg>");
  ASSERT_FALSE(chart.empty());
  EXPECT_EQ(count(chart, "class=\"series\""), 2u);
  // alpha has 3 points, beta 2 (its 0.7 row failed entirely).
  EXPECT_EQ(count(chart, "<circle"), 5u);
  EXPECT_NE(chart.find("<title>alpha at model accuracy 0.50: 0.732</title>"), std::string::npos);
  EXPECT_NE(chart.find(">model accuracy</text>"), std::string::npos);
  // max_timelines 0: no timeline at all.
  EXPECT_EQ(count(html, "class=\"timeline\""), 0u);
}

TEST(HtmlReport, SaysWhyThereAreNoTimelinesWithoutDecisions) {
  HandMade h = hand_made();
  for (auto& run : h.results.runs) run.decisions.clear();
  const fs::path file = scratch("nodecisions") / "report.html";
  write_html_report(file, h.results, h.opt, h.cases);
  const std::string html = read_file(file);
  EXPECT_EQ(count(html, "class=\"timeline\""), 0u);
  EXPECT_NE(html.find("decisions were not kept"), std::string::npos);
}

// eval --vlm none: one pass without a model, said as such; no accuracy to sweep.
TEST(HtmlReport, WithoutAModelSaysSoAndSweepsNothing) {
  HandMade h = hand_made();
  h.opt.no_model = true;
  h.opt.accuracies = {0.0};
  std::erase_if(h.results.summary, [](const EvalSummaryRow& r) { return r.accuracy != 0.3; });
  std::erase_if(h.results.runs, [](const RunResult& r) { return r.accuracy != 0.3; });
  for (auto& r : h.results.summary) r.accuracy = 0.0;
  for (auto& r : h.results.runs) r.accuracy = 0.0;
  const fs::path file = scratch("nomodel") / "report.html";
  write_html_report(file, h.results, h.opt, h.cases, 6);
  const std::string html = read_file(file);
  EXPECT_EQ(check_balanced(html), "");
  EXPECT_NE(html.find("none: every reasoner without a model"), std::string::npos);
  EXPECT_EQ(html.find("Model accuracies"), std::string::npos);
  const std::string body = between(between(html, "<table class=\"summary\">", "</table>"), "<tbody>", "</tbody>");
  EXPECT_EQ(count(body, "<tr"), 2u);
  EXPECT_NE(body.find(">none<"), std::string::npos);
  EXPECT_EQ(count(html, "class=\"sweep-chart\""), 0u);
  EXPECT_NE(html.find("no accuracy to sweep"), std::string::npos);
  EXPECT_NE(html.find("sessions, every reasoner without a model."), std::string::npos);
  EXPECT_EQ(count(html, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\""), 1u);
}

// eval --vlm URL: the server is named, one pass, and failed model calls are in plain sight.
TEST(HtmlReport, AgainstAModelServerNamesItAndCountsFailedCalls) {
  HandMade h = hand_made();
  HttpModelOptions endpoint;
  endpoint.base_url = "http://127.0.0.1:8080/v1";
  endpoint.model = "qwen<vl>";
  h.opt.endpoint = endpoint;
  h.opt.accuracies = {0.0};
  std::erase_if(h.results.summary, [](const EvalSummaryRow& r) { return r.accuracy != 0.3; });
  std::erase_if(h.results.runs, [](const RunResult& r) { return r.accuracy != 0.3; });
  for (auto& r : h.results.summary) r.accuracy = 0.0;
  for (auto& r : h.results.runs) {
    r.accuracy = 0.0;
    r.metrics.model_calls = 40;
    r.metrics.model_failures = 3;
    r.model_error = "HTTP 503 <busy>";
  }
  const fs::path file = scratch("server") / "report.html";
  write_html_report(file, h.results, h.opt, h.cases, 6);
  const std::string html = read_file(file);
  EXPECT_EQ(check_balanced(html), "");
  EXPECT_NE(html.find("server <code>http://127.0.0.1:8080/v1</code> (model qwen&lt;vl&gt;)"),
            std::string::npos);
  EXPECT_EQ(html.find("Model accuracies"), std::string::npos);
  EXPECT_NE(html.find("<dd class=\"bad\">6 of 80 (first: HTTP 503 &lt;busy&gt;)</dd>"),
            std::string::npos);
  const std::string body = between(between(html, "<table class=\"summary\">", "</table>"), "<tbody>", "</tbody>");
  EXPECT_NE(body.find(">server<"), std::string::npos);
  EXPECT_NE(html.find("One model server: there is no accuracy to sweep"), std::string::npos);
}

TEST(HtmlReport, UnwritablePathIsAnError) {
  const HandMade h = hand_made();
  const fs::path dir = scratch("unwritable");
  std::ofstream(dir / "file") << "x";
  EXPECT_THROW(write_html_report(dir / "file" / "report.html", h.results, h.opt, h.cases), Error);
}

// ---- replay page ----

TEST(ReplayReport, ShowsMetricsTimelineAndMessages) {
  const Guideline g = tea_like();
  const Annotations truth = tea_truth();
  const fs::path file = scratch("replay") / "r.html";
  write_replay_report(file, g, &truth, stream_a(), "Replay of <x>");
  const std::string html = read_file(file);
  EXPECT_EQ(check_balanced(html), "");
  EXPECT_NE(html.find("<title>Replay of &lt;x&gt;</title>"), std::string::npos);
  const Metrics m = score(g, truth, stream_a());
  EXPECT_NE(html.find(">" + report::fixed(m.step_acc, 3) + "<"), std::string::npos);
  EXPECT_EQ(count(between(html, "<table class=\"messages\">", "</table>"), "<tr>"), 1u + 5u);
  EXPECT_EQ(count(html, "class=\"gt-bar\""), 3u);

  write_replay_report(file, g, nullptr, stream_a(), "no truth");
  const std::string bare = read_file(file);
  EXPECT_EQ(count(bare, "class=\"gt-bar\""), 0u);
  EXPECT_EQ(bare.find("<table class=\"summary\">"), std::string::npos);
  EXPECT_NE(bare.find("No annotations.json"), std::string::npos);
  EXPECT_EQ(count(bare, "class=\"msg kind-"), 5u);
}

// ---- the command ----

ShellRun run(const std::string& args) {
  return run_shell(std::string(P2A_BINARY) + " " + args + " 2>&1");
}

TEST(ReportCommand, DrawsAReplayOfASimulatedSession) {
  const fs::path dir = scratch("cli");
  const std::string task = std::string(P2A_SOURCE_DIR) + "/examples/tea.yaml";
  const fs::path session = dir / "session", decisions = dir / "d.jsonl";
  ASSERT_EQ(
      run("simulate --task " + task + " --out " + session.string() + " --seed 3 --mistakes").code,
      0);
  const ShellRun replay = run("replay " + session.string() + " --task " + task +
                                   " --vlm sim --quiet --out " + decisions.string());
  ASSERT_EQ(replay.code, 0) << replay.out;

  const ShellRun rep =
      run("report " + session.string() + " " + decisions.string() + " --task " + task);
  ASSERT_EQ(rep.code, 0) << rep.out;
  const fs::path html_file = dir / "d.html";
  EXPECT_NE(rep.out.find(html_file.string()), std::string::npos) << rep.out;
  ASSERT_TRUE(fs::exists(html_file));
  const std::string html = read_file(html_file);
  EXPECT_EQ(check_balanced(html), "");

  const Annotations truth = read_annotations(session / "annotations.json");
  const auto ds = read_decisions(decisions);
  const auto delivered =
      std::count_if(ds.begin(), ds.end(), [](const Decision& d) { return d.deliver; });
  EXPECT_EQ(count(html, "class=\"gt-bar\""), truth.steps.size());
  EXPECT_EQ(count(html, "class=\"msg kind-"), static_cast<std::size_t>(delivered));
  EXPECT_EQ(count(html, "<table class=\"summary\">"), 1u);

  // --out, and the guideline taken from the session folder when --task is absent.
  fs::copy_file(task, session / "guideline.yaml");
  const fs::path other = dir / "out" / "page.html";
  const ShellRun rep2 =
      run("report " + session.string() + " " + decisions.string() + " --out " + other.string());
  ASSERT_EQ(rep2.code, 0) << rep2.out;
  EXPECT_TRUE(fs::exists(other));
}

TEST(ReportCommand, BadDecisionLineIsAOneLineError) {
  const fs::path dir = scratch("cli-bad");
  const std::string task = std::string(P2A_SOURCE_DIR) + "/examples/tea.yaml";
  const fs::path session = dir / "session";
  ASSERT_EQ(run("simulate --task " + task + " --out " + session.string()).code, 0);
  std::ofstream(dir / "d.jsonl") << "{\"t_s\": 1, \"step\": null}\nnot json\n";
  const ShellRun rep =
      run("report " + session.string() + " " + (dir / "d.jsonl").string() + " --task " + task);
  EXPECT_NE(rep.code, 0);
  EXPECT_NE(rep.out.find("line 2"), std::string::npos) << rep.out;
  EXPECT_FALSE(fs::exists(dir / "d.html"));
}

}  // namespace
}  // namespace p2a
