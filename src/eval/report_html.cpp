// The evaluation report and the replay report: one self-contained HTML page each (inline CSS,
// SVG and a little script; nothing fetched), readable offline.
#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <set>

#include "eval/report_svg.hpp"
#include "pro2assist/metrics.hpp"
#include "pro2assist/report.hpp"

namespace p2a {
namespace {

using report::clock;
using report::coord;
using report::escape;
using report::fixed;

// ---------------------------------------------------------------------------------------
// Page frame

constexpr const char* kCss = R"CSS(
:root { --ink:#1d2330; --muted:#5b6475; --line:#dfe3ea; --soft:#f5f7fa;
  --best:#e3f3e6; --bestink:#145c25; }
* { box-sizing: border-box; }
body { margin:0; background:#eef1f5; color:var(--ink);
  font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
main { max-width:1180px; margin:0 auto; padding:24px 28px 40px; background:#fff; min-height:100vh;
  box-shadow:0 0 0 1px var(--line); }
h1 { font-size:24px; margin:0 0 4px; letter-spacing:-0.01em; }
h2 { font-size:18px; margin:32px 0 10px; padding-bottom:6px; border-bottom:2px solid var(--line); }
h3 { font-size:15px; margin:22px 0 6px; }
p { margin:6px 0; }
.sub, .note { color:var(--muted); }
.note { font-size:12.5px; }
dl.opts { display:grid; grid-template-columns:max-content 1fr; gap:3px 18px; margin:8px 0; }
dl.opts dt { color:var(--muted); }
dl.opts dd { margin:0; font-variant-numeric:tabular-nums; }
code { font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; background:var(--soft);
  padding:1px 4px; border-radius:3px; }
.table-wrap { overflow-x:auto; }
table { border-collapse:collapse; font-variant-numeric:tabular-nums; font-size:13px; }
th, td { padding:5px 7px; border-bottom:1px solid var(--line); text-align:right;
  white-space:nowrap; }
th { background:var(--soft); font-weight:600; vertical-align:bottom; white-space:normal;
  line-height:1.25; }
th[title] { cursor:help; }
table.summary th, table.run-metrics th { min-width:52px; }
th.left, td.left { text-align:left; }
td.reasoner { font-weight:600; }
tr.group-start td { border-top:2px solid #b9c2d0; }
td.best { background:var(--best); color:var(--bestink); font-weight:700; }
td.bad, dd.bad { color:#b3261e; font-weight:700; }
td.msg-text { white-space:normal; text-align:left; max-width:620px; }
.swatch { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:6px;
  vertical-align:-1px; }
.legend { display:flex; flex-wrap:wrap; gap:6px 10px; margin:8px 0; }
.legend button { font:inherit; font-size:13px; border:1px solid var(--line); background:#fff;
  border-radius:14px; padding:2px 10px 2px 8px; cursor:pointer; }
.legend button.off { opacity:0.4; text-decoration:line-through; }
.charts { display:flex; flex-wrap:wrap; gap:8px 12px; }
svg.sweep-chart { background:#fff; border:1px solid var(--line); border-radius:6px; }
svg.sweep-chart .series.off { display:none; }
.timeline-wrap { overflow-x:auto; border:1px solid var(--line); border-radius:6px; padding:4px;
  background:#fff; }
svg.timeline { display:block; width:100%; height:auto; }
svg.timeline [data-track] { cursor:pointer; }
svg.timeline .dim { opacity:0.12; }
.kind { display:inline-block; min-width:86px; font-weight:600; }
.card { border:1px solid var(--line); border-radius:6px; padding:10px 14px; margin:12px 0;
  background:#fbfcfd; }
footer { margin-top:36px; color:var(--muted); font-size:12.5px; }
footer dl { display:grid; grid-template-columns:max-content 1fr; gap:3px 16px; margin:8px 0; }
footer dt { font-weight:600; color:var(--ink); }
footer dd { margin:0; }
)CSS";

// Legend buttons show/hide a reasoner's lines in every sweep chart; clicking a track in a
// timeline (its line, lane or legend entry) fades the other tracks.
constexpr const char* kScript = R"JS(
(function () {
  document.querySelectorAll('.legend button[data-reasoner]').forEach(function (b) {
    b.addEventListener('click', function () {
      var off = b.classList.toggle('off');
      var scope = b.closest('section') || document;
      scope.querySelectorAll('.series[data-reasoner="' + b.dataset.reasoner + '"]')
        .forEach(function (s) { s.classList.toggle('off', off); });
    });
  });
  document.querySelectorAll('svg.timeline').forEach(function (svg) {
    svg.addEventListener('click', function (ev) {
      var hit = ev.target.closest('[data-track]');
      var focus = hit && svg.dataset.focus !== hit.dataset.track ? hit.dataset.track : '';
      svg.dataset.focus = focus;
      svg.querySelectorAll('.track[data-track], .lane[data-track]').forEach(function (el) {
        el.classList.toggle('dim', focus !== '' && el.dataset.track !== focus);
      });
    });
  });
})();
)JS";

std::string page_head(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         escape(title) + "</title>\n<style>" + kCss + "</style>\n</head>\n<body>\n<main>\n";
}

std::string page_foot() {
  return std::string("</main>\n<script>") + kScript + "</script>\n</body>\n</html>\n";
}

std::string now_utc() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

void write_file(const std::filesystem::path& file, const std::string& html) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) throw Error("report: cannot create the folder of " + file.string() + ": " + ec.message());
  std::ofstream out(file, std::ios::binary);
  if (!out) throw Error("report: cannot write " + file.string());
  out << html;
  out.close();
  if (!out) throw Error("report: writing " + file.string() + " failed");
}

std::string join_numbers(const std::vector<double>& v, int decimals) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + fixed(v[i], decimals);
  return s;
}

bool same_accuracy(double a, double b) { return std::abs(a - b) < 1e-9; }

// ---------------------------------------------------------------------------------------
// Metric columns

struct Column {
  const char* head;
  const char* tip;
  int decimals;
  int better;  // +1 higher is better, -1 lower is better, 0 neither
  double (*get)(const Metrics&);
};

const std::vector<Column>& columns() {
  static const std::vector<Column> cols = {
      {"Step-Acc", "share of 1-s grid points whose reported step is right", 3, +1,
       [](const Metrics& m) { return m.step_acc; }},
      {"Status-Acc", "share of grid points whose status is right", 3, +1,
       [](const Metrics& m) { return m.status_acc; }},
      {"Acc-P", "share of grid points where trigger equals 'inside a proactive period'", 3, +1,
       [](const Metrics& m) { return m.acc_p; }},
      {"MD", "missed detection: in-period grid points without a trigger", 3, -1,
       [](const Metrics& m) { return m.md; }},
      {"FD", "false detection: out-of-period grid points with a trigger", 3, -1,
       [](const Metrics& m) { return m.fd; }},
      {"STS", "step-aware timeliness: exp(-(t-s)/(e-s)) of the first message per period", 3, +1,
       [](const Metrics& m) { return m.sts; }},
      {"STS start", "STS of the guidance periods alone: from the end of the step before to the "
       "end of the step's just_start window", 3, +1, [](const Metrics& m) { return m.sts_start; }},
      {"STS finish", "STS of the about_to_finish windows alone", 3, +1,
       [](const Metrics& m) { return m.sts_finish; }},
      {"Told start", "share of guidance periods in which an answer the reasoner got named the "
       "step: what the model told it, not what it did", 3, 0,
       [](const Metrics& m) { return m.start_told_share; }},
      {"Told finish", "share of about_to_finish windows in which an answer the reasoner got "
       "named the step as about to finish", 3, 0,
       [](const Metrics& m) { return m.finish_told_share; }},
      {"STS told", "the STS of a message for each period at the first answer the reasoner got "
       "that named its step, whatever the status: acting on every such answer at once", 3, 0,
       [](const Metrics& m) { return m.sts_told; }},
      {"Msg prec.", "share of delivered guidance messages inside a period of their step", 3, +1,
       [](const Metrics& m) { return m.msg_precision; }},
      {"Msgs/min", "delivered messages per minute of task", 2, 0,
       [](const Metrics& m) { return m.msgs_per_min; }},
      {"Mistake rec.", "share of mistake windows with a fitting mistake alert", 3, +1,
       [](const Metrics& m) { return m.mistake_recall; }},
      {"Mistake prec.", "share of mistake alerts that hit a mistake window", 3, +1,
       [](const Metrics& m) { return m.mistake_precision; }},
      {"Told mistake", "share of mistake windows in which an answer the reasoner got named the "
       "step begun too early as under way", 3, 0,
       [](const Metrics& m) { return m.mistake_told_share; }},
      {"Calls/min", "model calls per minute of task", 2, -1,
       [](const Metrics& m) { return m.calls_per_min; }},
      {"Calls/moment", "model calls per reasoning moment (inference ratio)", 2, -1,
       [](const Metrics& m) { return m.calls_per_moment; }},
  };
  return cols;
}

std::string arrow(int better) { return better > 0 ? " \u2191" : better < 0 ? " \u2193" : ""; }

std::string header_cells(const char* first_head, const char* second_head) {
  std::string h = "<thead><tr>";
  if (first_head) h += std::string("<th class=\"left\">") + first_head + "</th>";
  if (second_head) h += std::string("<th class=\"left\">") + second_head + "</th>";
  for (const auto& c : columns())
    h += std::string("<th title=\"") + escape(c.tip) + "\">" + c.head + arrow(c.better) + "</th>";
  return h;
}

// ---------------------------------------------------------------------------------------
// Summary table

std::vector<std::string> datasets_of(const EvalResults& r, const std::vector<EvalCase>& cases) {
  std::vector<std::string> out;
  auto add = [&](const std::string& d) {
    if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
  };
  for (const auto& row : r.summary) add(row.dataset);
  for (const auto& c : cases) add(c.dataset);
  return out;
}

// Reasoners in the options' order (which fixes their colours), then any others seen.
std::vector<std::string> reasoners_of(const EvalResults& r, const EvalOptions& opt) {
  std::vector<std::string> out = opt.reasoners;
  for (const auto& row : r.summary)
    if (std::find(out.begin(), out.end(), row.reasoner) == out.end()) out.push_back(row.reasoner);
  return out;
}

std::size_t index_in(const std::vector<std::string>& v, const std::string& x) {
  return static_cast<std::size_t>(std::find(v.begin(), v.end(), x) - v.begin());
}

std::string summary_table(const std::vector<const EvalSummaryRow*>& rows, const EvalOptions& opt,
                          const std::vector<std::string>& reasoners) {
  // Accuracy groups, reasoners in colour order inside each.
  std::vector<const EvalSummaryRow*> sorted = rows;
  std::stable_sort(sorted.begin(), sorted.end(), [&](const auto* a, const auto* b) {
    if (!same_accuracy(a->accuracy, b->accuracy)) return a->accuracy < b->accuracy;
    return index_in(reasoners, a->reasoner) < index_in(reasoners, b->reasoner);
  });

  // Best per column per accuracy, judged on the shown (rounded) value so ties all light up.
  // A row whose every session failed has no metrics to compare.
  auto shown = [](const Column& c, const EvalSummaryRow& row) {
    return std::round(c.get(row.metrics) * std::pow(10, c.decimals));
  };
  std::map<std::pair<std::size_t, std::size_t>, bool> best;  // (row, column)
  for (std::size_t g0 = 0; g0 < sorted.size();) {
    std::size_t g1 = g0;
    while (g1 < sorted.size() && same_accuracy(sorted[g1]->accuracy, sorted[g0]->accuracy)) ++g1;
    for (std::size_t ci = 0; ci < columns().size(); ++ci) {
      const Column& c = columns()[ci];
      if (c.better == 0) continue;
      std::vector<std::size_t> live;
      for (std::size_t i = g0; i < g1; ++i)
        if (sorted[i]->sessions > sorted[i]->failed) live.push_back(i);
      if (live.size() < 2) continue;
      double top = shown(c, *sorted[live[0]]);
      for (std::size_t i : live)
        top = c.better > 0 ? std::max(top, shown(c, *sorted[i]))
                           : std::min(top, shown(c, *sorted[i]));
      std::vector<std::size_t> winners;
      for (std::size_t i : live)
        if (shown(c, *sorted[i]) == top) winners.push_back(i);
      if (winners.size() == live.size()) continue;  // all tied: nobody stands out
      for (std::size_t i : winners) best[{i, ci}] = true;
    }
    g0 = g1;
  }

  std::string h = "<div class=\"table-wrap\"><table class=\"summary\">";
  h += header_cells("Model acc.", "Reasoner");
  h += "<th title=\"sessions evaluated\">Sessions</th><th title=\"runs that failed\">Failed</th>"
       "</tr></thead><tbody>";
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const EvalSummaryRow& row = *sorted[i];
    const bool group_start = i > 0 && !same_accuracy(row.accuracy, sorted[i - 1]->accuracy);
    h += group_start ? "<tr class=\"group-start\">" : "<tr>";
    const bool first_of_group = i == 0 || group_start;
    h +=
        "<td class=\"left\">" +
        (first_of_group ? escape(accuracy_label(opt, row.accuracy)) : std::string()) +
        "</td>";
    h += "<td class=\"left reasoner\"><span class=\"swatch\" style=\"background:" +
         report::track_color(index_in(reasoners, row.reasoner)) + "\"></span>" +
         escape(row.reasoner) + "</td>";
    for (std::size_t ci = 0; ci < columns().size(); ++ci) {
      const Column& c = columns()[ci];
      h += best.count({i, ci}) ? "<td class=\"best\">" : "<td>";
      h += fixed(c.get(row.metrics), c.decimals) + "</td>";
    }
    h += "<td>" + std::to_string(row.sessions) + "</td>";
    h += (row.failed > 0 ? "<td class=\"bad\">" : "<td>") + std::to_string(row.failed) + "</td>";
    h += "</tr>";
  }
  h += "</tbody></table></div>";
  return h;
}

// ---------------------------------------------------------------------------------------
// Accuracy sweep: one small chart per metric, a line per reasoner

struct SweepMetric {
  const char* title;
  bool unit_interval;  // a share in [0, 1]
  int decimals;
  double (*get)(const Metrics&);
};

std::string sweep_chart_svg(const SweepMetric& sm, const std::vector<const EvalSummaryRow*>& rows,
                            const std::vector<std::string>& reasoners,
                            const std::vector<double>& accuracies) {
  const double W = 268, H = 210, L = 46, R = 12, T = 30, B = 40;
  const double pw = W - L - R, ph = H - T - B;
  double a_lo = accuracies.front(), a_hi = accuracies.back();
  const double pad = a_hi > a_lo ? 0.06 * (a_hi - a_lo) : 0.05;
  a_lo -= pad;
  a_hi += pad;
  double y_hi = 1;
  if (!sm.unit_interval) {
    double top = 0;
    for (const auto* r : rows) top = std::max(top, sm.get(r->metrics));
    if (top > 0) {
      const auto ticks = report::nice_ticks(0, top, 5);
      const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : top;
      y_hi = std::ceil(top / step - 1e-9) * step;
    }
  }
  auto X = [&](double a) { return L + pw * (a - a_lo) / (a_hi - a_lo); };
  auto Y = [&](double v) { return T + ph * (1 - std::clamp(v / y_hi, 0.0, 1.05)); };

  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sweep-chart\" width=\"" +
                  coord(W) + "\" height=\"" + coord(H) + "\" viewBox=\"0 0 " + coord(W) + " " +
                  coord(H) +
                  "\" font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\" "
                  "font-size=\"11\" role=\"img\" aria-label=\"" +
                  escape(std::string(sm.title) + " against model accuracy") + "\">";
  s += "<text x=\"" + coord(L) +
       "\" y=\"18\" font-size=\"13\" font-weight=\"600\" fill=\"#1d2330\">" + escape(sm.title) +
       "</text>";
  // y grid and labels
  for (double v : report::nice_ticks(0, y_hi, 6)) {
    const std::string y = coord(Y(v));
    s += "<line x1=\"" + coord(L) + "\" x2=\"" + coord(L + pw) + "\" y1=\"" + y + "\" y2=\"" + y +
         "\" stroke=\"" + (v == 0 ? "#9aa3b2" : "#e6e9ee") + "\"/>";
    s += "<text x=\"" + coord(L - 6) + "\" y=\"" + coord(Y(v) + 3.5) +
         "\" text-anchor=\"end\" fill=\"#5b6475\">" +
         fixed(v, y_hi >= 10 ? 0 : (y_hi >= 2 ? 1 : 2)) + "</text>";
  }
  // x ticks at the evaluated accuracies
  for (double a : accuracies) {
    const std::string x = coord(X(a));
    s += "<line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + coord(T + ph) + "\" y2=\"" +
         coord(T + ph + 4) + "\" stroke=\"#9aa3b2\"/>";
    s += "<text x=\"" + x + "\" y=\"" + coord(T + ph + 16) +
         "\" text-anchor=\"middle\" fill=\"#5b6475\">" + fixed(a, 2) + "</text>";
  }
  s += "<line x1=\"" + coord(L) + "\" x2=\"" + coord(L) + "\" y1=\"" + coord(T) + "\" y2=\"" +
       coord(T + ph) + "\" stroke=\"#9aa3b2\"/>";
  s += "<text x=\"" + coord(L + pw / 2) + "\" y=\"" + coord(H - 6) +
       "\" text-anchor=\"middle\" fill=\"#5b6475\">model accuracy</text>";

  for (std::size_t ri = 0; ri < reasoners.size(); ++ri) {
    std::vector<const EvalSummaryRow*> pts;
    for (const auto* r : rows)
      if (r->reasoner == reasoners[ri] && r->sessions > r->failed) pts.push_back(r);
    if (pts.empty()) continue;
    std::sort(pts.begin(), pts.end(),
              [](const auto* a, const auto* b) { return a->accuracy < b->accuracy; });
    const std::string c = report::track_color(ri);
    s += "<g class=\"series\" data-reasoner=\"" + escape(reasoners[ri]) + "\">";
    if (pts.size() > 1) {
      std::string d;
      for (std::size_t i = 0; i < pts.size(); ++i)
        d += (i ? "L" : "M") + coord(X(pts[i]->accuracy)) + " " + coord(Y(sm.get(pts[i]->metrics)));
      s += "<path d=\"" + d + "\" fill=\"none\" stroke=\"" + c +
           "\" stroke-width=\"2\" stroke-linejoin=\"round\"/>";
    }
    for (const auto* p : pts)
      s += "<circle cx=\"" + coord(X(p->accuracy)) + "\" cy=\"" + coord(Y(sm.get(p->metrics))) +
           "\" r=\"3.5\" fill=\"" + c + "\" stroke=\"#fff\" stroke-width=\"1\"><title>" +
           escape(reasoners[ri] + " at model accuracy " + fixed(p->accuracy, 2) + ": " +
                  fixed(sm.get(p->metrics), sm.decimals)) +
           "</title></circle>";
    s += "</g>";
  }
  s += "</svg>";
  return s;
}

std::string sweep_section(const std::vector<const EvalSummaryRow*>& rows,
                          const std::vector<std::string>& reasoners) {
  std::vector<double> accuracies;
  for (const auto* r : rows)
    if (std::none_of(accuracies.begin(), accuracies.end(),
                     [&](double a) { return same_accuracy(a, r->accuracy); }))
      accuracies.push_back(r->accuracy);
  std::sort(accuracies.begin(), accuracies.end());
  if (accuracies.empty()) return "";

  std::set<std::string> present;
  for (const auto* r : rows) present.insert(r->reasoner);
  std::string h = "<div class=\"legend\">";
  for (std::size_t i = 0; i < reasoners.size(); ++i)
    if (present.count(reasoners[i]))
      h += "<button type=\"button\" data-reasoner=\"" + escape(reasoners[i]) +
           "\" title=\"show or hide\"><span class=\"swatch\" style=\"background:" +
           report::track_color(i) + "\"></span>" + escape(reasoners[i]) + "</button>";
  h += "</div><div class=\"charts\">";
  static const SweepMetric kMetrics[] = {
      {"Step-Acc", true, 3, [](const Metrics& m) { return m.step_acc; }},
      {"STS", true, 3, [](const Metrics& m) { return m.sts; }},
      {"Message precision", true, 3, [](const Metrics& m) { return m.msg_precision; }},
      {"Model calls / min", false, 2, [](const Metrics& m) { return m.calls_per_min; }},
  };
  for (const auto& sm : kMetrics) h += sweep_chart_svg(sm, rows, reasoners, accuracies);
  h += "</div>";
  return h;
}

// ---------------------------------------------------------------------------------------
// Timelines

std::string run_metrics_table(const std::vector<std::pair<std::string, const RunResult*>>& runs,
                              const std::vector<std::string>& reasoners) {
  std::string h = "<div class=\"table-wrap\"><table class=\"run-metrics\">";
  h += header_cells("Reasoner", nullptr);
  h += "<th>Messages</th><th>Model calls</th></tr></thead><tbody>";
  for (const auto& [name, run] : runs) {
    h += "<tr><td class=\"left reasoner\"><span class=\"swatch\" style=\"background:" +
         report::track_color(index_in(reasoners, name)) + "\"></span>" + escape(name) + "</td>";
    if (!run || !run->error.empty()) {
      h += "<td class=\"left bad\" colspan=\"" + std::to_string(columns().size() + 2) + "\">" +
           escape(run ? "failed: " + run->error : std::string("no run")) + "</td></tr>";
      continue;
    }
    for (const auto& c : columns()) h += "<td>" + fixed(c.get(run->metrics), c.decimals) + "</td>";
    h += "<td>" + std::to_string(run->metrics.messages) + "</td><td>" +
         std::to_string(run->metrics.model_calls) + "</td></tr>";
  }
  h += "</tbody></table></div>";
  return h;
}

double session_end_s(const Annotations& truth) {
  double end_s = 0;
  for (const auto& s : truth.steps) end_s = std::max(end_s, s.end_s);
  return end_s;
}

std::string timelines_section(const EvalResults& r, const EvalOptions& opt,
                              const std::vector<EvalCase>& cases, int max_timelines,
                              const std::vector<std::string>& reasoners) {
  std::vector<double> accs;
  for (const auto& run : r.runs) accs.push_back(run.accuracy);
  if (accs.empty()) accs = opt.accuracies;
  std::sort(accs.begin(), accs.end());
  accs.erase(std::unique(accs.begin(), accs.end(), same_accuracy), accs.end());
  if (accs.empty() || cases.empty() || max_timelines <= 0) return "";
  const double mid = accs[accs.size() / 2];

  const bool any_decisions = std::any_of(r.runs.begin(), r.runs.end(),
                                         [](const RunResult& x) { return !x.decisions.empty(); });
  if (!any_decisions)
    return "<p class=\"note\">No timelines: the runs' decisions were not kept "
           "(evaluate with decisions kept to draw them).</p>";

  std::string h = "<p class=\"note\">The first " +
                  std::to_string(std::min<std::size_t>(cases.size(), max_timelines)) +
                  " sessions, every reasoner " +
                  (opt.endpoint ? "against the model server"
                   : opt.no_model ? std::string("without a model")
                                  : "at model accuracy " + fixed(mid, 2)) +
                  ". Rows are the guideline's steps; hover a bar, strip or marker for details; "
                  "click a track to fade the others.</p>";
  const std::size_t n =
      std::min<std::size_t>(cases.size(), static_cast<std::size_t>(max_timelines));
  for (std::size_t ci = 0; ci < n; ++ci) {
    const EvalCase& c = cases[ci];
    if (!c.guideline) continue;
    std::vector<TimelineTrack> tracks;
    std::vector<std::pair<std::string, const RunResult*>> runs;
    for (std::size_t ri = 0; ri < reasoners.size(); ++ri) {
      const RunResult* found = nullptr;
      for (const auto& run : r.runs)
        if (run.case_id == c.id && run.reasoner == reasoners[ri] &&
            same_accuracy(run.accuracy, mid)) {
          found = &run;
          break;
        }
      if (!found) continue;
      runs.emplace_back(reasoners[ri], found);
      tracks.push_back({reasoners[ri], found->decisions, report::track_color(ri)});
    }
    if (tracks.empty()) continue;
    const Guideline& g = *c.guideline;
    h += "<div class=\"card\"><h3>" + escape(c.id) + " \u2014 " +
         escape(g.title.empty() ? g.id : g.title) + "</h3>";
    h += "<p class=\"sub\">" + escape(c.dataset) + " \u00b7 " + std::to_string(g.size()) +
         " steps, " + std::to_string(c.truth.steps.size()) + " done \u00b7 task " +
         clock(session_end_s(c.truth)) + " \u00b7 " + std::to_string(c.truth.errors.size()) +
         " annotated mistake" + (c.truth.errors.size() == 1 ? "" : "s") + "</p>";
    h += "<div class=\"timeline-wrap\">" + timeline_svg(g, c.truth, tracks) + "</div>";
    h += run_metrics_table(runs, reasoners);
    h += "</div>";
  }
  return h;
}

std::string glossary() {
  std::string h = "<footer><h2>How to read this</h2><dl>";
  for (const auto& c : columns())
    h += std::string("<dt>") + c.head + arrow(c.better) + "</dt><dd>" + escape(c.tip) + "</dd>";
  h += "<dt>Highlight</dt><dd>the best value of a column among the reasoners at the same model "
       "accuracy (\u2191 higher is better, \u2193 lower is better).</dd>";
  h += "<dt>Model accuracy</dt><dd>the share of time the simulated model answers right; "
       "its errors come in runs of a few seconds.</dd>";
  h += "</dl><p>Metrics as defined in SPEC \u00a75, on a 1-second grid from the first step's "
       "start to the last step's end.</p></footer>";
  return h;
}

}  // namespace

void write_html_report(const std::filesystem::path& file, const EvalResults& r,
                       const EvalOptions& opt, const std::vector<EvalCase>& cases,
                       int max_timelines, const ReportInfo& info) {
  const auto datasets = datasets_of(r, cases);
  const auto reasoners = reasoners_of(r, opt);
  std::size_t failed_runs = 0;
  for (const auto& run : r.runs) failed_runs += run.error.empty() ? 0 : 1;

  std::string h = page_head(info.title);
  h += "<header><h1>" + escape(info.title) + "</h1><p class=\"sub\">Generated " + now_utc() +
       "</p></header>";

  // What was run
  h += "<section id=\"options\"><h2>Run</h2><dl class=\"opts\">";
  std::string ds_text;
  for (const auto& d : datasets) {
    const auto n = std::count_if(cases.begin(), cases.end(),
                                 [&](const EvalCase& c) { return c.dataset == d; });
    ds_text += (ds_text.empty() ? "" : "; ") + d + " (" + std::to_string(n) + " session" +
               (n == 1 ? "" : "s") + ")";
  }
  h += "<dt>Dataset</dt><dd>" + escape(ds_text.empty() ? "-" : ds_text) + "</dd>";
  if (!info.source.empty()) h += "<dt>Source</dt><dd><code>" + escape(info.source) + "</code></dd>";
  if (!info.split.empty()) h += "<dt>Split</dt><dd>" + escape(info.split) + "</dd>";
  h += "<dt>Sessions</dt><dd>" + std::to_string(cases.size()) + "</dd>";
  std::string rs;
  for (const auto& x : opt.reasoners) rs += (rs.empty() ? "" : ", ") + x;
  h += "<dt>Reasoners</dt><dd>" + escape(rs) + "</dd>";
  if (opt.endpoint) {
    h += "<dt>Model</dt><dd>server <code>" + escape(opt.endpoint->base_url) + "</code> (model " +
         escape(opt.endpoint->model) + ")</dd>";
  } else if (opt.no_model) {
    h += "<dt>Model</dt><dd>none: every reasoner without a model</dd>";
  } else {
    h += "<dt>Model accuracies</dt><dd>" + join_numbers(opt.accuracies, 2) + "</dd>";
    h += "<dt>Model error runs</dt><dd>" + fixed(opt.error_run_s, 1) + " s on average</dd>";
    if (!opt.errors_nearby)
      h += "<dt>Model wrong steps</dt><dd>anywhere in the guideline, uniformly</dd>";
    if (opt.trigger_noise > 0)
      h += "<dt>Model help flag</dt><dd>flipped on " + fixed(100 * opt.trigger_noise, 0) +
           "% of right answers</dd>";
    if (opt.status_accuracy != EvalOptions{}.status_accuracy)
      h += "<dt>Model status</dt><dd>right on " + fixed(100 * opt.status_accuracy, 0) +
           "% of right answers</dd>";
    if (opt.wrong_trigger != EvalOptions{}.wrong_trigger)
      h += "<dt>Model help flag when wrong</dt><dd>on for " + fixed(100 * opt.wrong_trigger, 0) +
           "% of wrong answers</dd>";
  }
  if (sensors_name(opt) != "all")
    h += "<dt>Motion streams</dt><dd>" + sensors_name(opt) + "</dd>";
  if (r.seeds.size() > 1) {
    std::string seeds;
    for (auto s : r.seeds) seeds += (seeds.empty() ? "" : ", ") + std::to_string(s);
    h += "<dt>Seeds</dt><dd>" + seeds + " (each pass pooled)</dd>";
  } else {
    h += "<dt>Seed</dt><dd>" + std::to_string(r.seeds.empty() ? opt.seed : r.seeds.front()) +
         "</dd>";
  }
  h += "<dt>Runs</dt><dd>" + std::to_string(r.runs.size()) +
       (failed_runs ? " (" + std::to_string(failed_runs) + " failed)" : std::string()) + "</dd>";
  long calls = 0, failed_calls = 0;
  std::string first_model_error;
  for (const auto& run : r.runs) {
    calls += run.metrics.model_calls;
    failed_calls += run.metrics.model_failures;
    if (first_model_error.empty()) first_model_error = run.model_error;
  }
  if (failed_calls > 0)
    h += "<dt>Failed model calls</dt><dd class=\"bad\">" + std::to_string(failed_calls) + " of " +
         std::to_string(calls) + " (first: " + escape(first_model_error) + ")</dd>";
  h += "<dt>Wall time</dt><dd>" + fixed(r.wall_s, 1) + " s</dd>";
  if (!info.command_line.empty())
    h += "<dt>Command</dt><dd><code>" + escape(info.command_line) + "</code></dd>";
  h += "</dl></section>";

  // Summary, and the sweep charts, per dataset
  h += "<section id=\"summary\"><h2>Summary</h2><p class=\"note\">Pooled over sessions. Green: "
       "best among the reasoners at the same model accuracy; hover a column head for its "
       "definition.</p>";
  for (const auto& d : datasets) {
    std::vector<const EvalSummaryRow*> rows;
    for (const auto& row : r.summary)
      if (row.dataset == d) rows.push_back(&row);
    if (rows.empty()) continue;
    if (datasets.size() > 1) h += "<h3>" + escape(d) + "</h3>";
    h += summary_table(rows, opt, reasoners);
  }
  if (r.summary.empty()) h += "<p class=\"note\">No results.</p>";
  h += "</section>";

  h += "<section id=\"sweep\"><h2>Accuracy sweep</h2><p class=\"note\">How each reasoner "
       "degrades as the simulated model gets worse. Click a reasoner to hide or show it.</p>";
  for (const auto& d : datasets) {
    if (single_pass(opt)) {
      h += std::string("<p class=\"note\">") +
           (opt.endpoint ? "One model server" : "No model") +
           ": there is no accuracy to sweep.</p>";
      break;
    }
    std::vector<const EvalSummaryRow*> rows;
    for (const auto& row : r.summary)
      if (row.dataset == d) rows.push_back(&row);
    if (rows.empty()) continue;
    if (datasets.size() > 1) h += "<h3>" + escape(d) + "</h3>";
    h += sweep_section(rows, reasoners);
  }
  h += "</section>";

  h += "<section id=\"timelines\"><h2>Session timelines</h2>" +
       timelines_section(r, opt, cases, max_timelines, reasoners) + "</section>";

  if (failed_runs > 0) {
    h += "<section id=\"failures\"><h2>Failed runs</h2><div class=\"table-wrap\"><table>"
         "<thead><tr><th class=\"left\">Session</th><th class=\"left\">Reasoner</th>"
         "<th>Model acc.</th><th class=\"left\">Error</th></tr></thead><tbody>";
    std::size_t shown = 0;
    for (const auto& run : r.runs) {
      if (run.error.empty() || ++shown > 20) continue;
      h += "<tr><td class=\"left\">" + escape(run.case_id) + "</td><td class=\"left\">" +
           escape(run.reasoner) + "</td><td>" + fixed(run.accuracy, 2) +
           "</td><td class=\"msg-text\">" + escape(run.error) + "</td></tr>";
    }
    h += "</tbody></table></div>";
    if (failed_runs > 20)
      h += "<p class=\"note\">and " + std::to_string(failed_runs - 20) + " more.</p>";
    h += "</section>";
  }

  h += glossary();
  h += page_foot();
  write_file(file, h);
}

void write_replay_report(const std::filesystem::path& file, const Guideline& g,
                         const Annotations* truth, const std::vector<Decision>& d,
                         const std::string& title) {
  std::size_t delivered = 0, calls = 0;
  for (const auto& x : d) {
    delivered += x.deliver ? 1 : 0;
    calls += x.vlm ? 1 : 0;
  }
  const double last_s =
      d.empty() ? 0 : std::max_element(d.begin(), d.end(), [](const auto& a, const auto& b) {
                        return a.t_s < b.t_s;
                      })->t_s;

  std::string h = page_head(title);
  h += "<header><h1>" + escape(title) + "</h1><p class=\"sub\">" +
       escape(g.title.empty() ? g.id : g.title) + " \u00b7 " + std::to_string(g.size()) +
       " steps \u00b7 " + std::to_string(d.size()) + " decisions up to " + clock(last_s) +
       " \u00b7 " + std::to_string(delivered) + " messages delivered \u00b7 " +
       std::to_string(calls) + " model calls \u00b7 generated " + now_utc() + "</p></header>";

  if (truth && !truth->steps.empty()) {
    const Metrics m = score(g, *truth, d);
    h += "<section id=\"metrics\"><h2>Against the ground truth</h2><div class=\"table-wrap\">"
         "<table class=\"summary\">";
    h += header_cells(nullptr, nullptr);
    h += "<th>Messages</th><th>Model calls</th></tr></thead><tbody><tr>";
    for (const auto& c : columns()) h += "<td>" + fixed(c.get(m), c.decimals) + "</td>";
    h += "<td>" + std::to_string(m.messages) + "</td><td>" + std::to_string(m.model_calls) +
         "</td></tr></tbody></table></div></section>";
  }

  const Annotations empty;
  h += "<section id=\"timeline\"><h2>Timeline</h2>";
  if (!truth) h += "<p class=\"note\">No annotations.json: only the decisions are drawn.</p>";
  h += "<div class=\"timeline-wrap\">" +
       timeline_svg(g, truth ? *truth : empty, {{"replay", d, report::track_color(0)}}) +
       "</div></section>";

  h += "<section id=\"messages\"><h2>Delivered messages</h2>";
  if (delivered == 0) {
    h += "<p class=\"note\">None.</p>";
  } else {
    h += "<div class=\"table-wrap\"><table class=\"messages\"><thead><tr><th class=\"left\">Time"
         "</th><th class=\"left\">Kind</th><th class=\"left\">Step</th><th class=\"left\">About"
         "</th><th class=\"left\">Message</th></tr></thead><tbody>";
    for (const auto& x : d) {
      if (!x.deliver) continue;
      const Kind k = x.kind.value_or(Kind::Instruction);
      h += "<tr><td class=\"left\">" + clock(x.t_s) +
           "</td><td class=\"left\"><span class=\"kind\""
           " style=\"color:" +
           std::string(report::kind_color(k)) + "\">" + std::string(to_string(k)) +
           "</span></td><td class=\"left\">" + escape(x.step.value_or("-")) +
           "</td><td class=\"left\">" + escape(x.about.value_or("-")) +
           "</td><td class=\"msg-text\">" + escape(x.message) + "</td></tr>";
    }
    h += "</tbody></table></div>";
  }
  h += "</section>";
  h += page_foot();
  write_file(file, h);
}

}  // namespace p2a
