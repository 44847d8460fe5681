// A session's timeline as SVG: one row per step with the ground truth, each decision stream's
// reported step drawn over the same rows, and its delivered messages in a lane below.
#include <algorithm>
#include <cmath>
#include <cstdio>
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

constexpr Kind kAllKinds[] = {Kind::Instruction, Kind::NextStep, Kind::Mistake,
                              Kind::Hesitation,  Kind::Reminder, Kind::Answer};
constexpr const char* kTruthFill = "#c3d0e0";
constexpr const char* kTruthStroke = "#6f849e";
constexpr const char* kPeriodFill = "#2ca02c";
constexpr const char* kMistakeFill = "#d62728";
constexpr const char* kRightFill = "#8cc084";
constexpr const char* kWrongFill = "#e8a0a0";

struct Row {
  StepId id;
  std::string label;
  std::string tooltip;
};

// Guideline steps in file order, then any id the truth or a track names that the guideline
// does not (so nothing drawn is silently dropped).
std::vector<Row> build_rows(const Guideline& g, const Annotations& truth,
                            const std::vector<TimelineTrack>& tracks) {
  std::vector<Row> rows;
  std::set<StepId> seen;
  for (const auto& s : g.steps) {
    rows.push_back({s.id, s.text.empty() ? s.id : s.text, s.id + ": " + s.text});
    seen.insert(s.id);
  }
  auto extra = [&](const StepId& id) {
    if (seen.insert(id).second)
      rows.push_back({id, id + " (not in guideline)", id + ": not a step of this guideline"});
  };
  for (const auto& seg : truth.steps) extra(seg.step);
  for (const auto& t : tracks)
    for (const auto& d : t.decisions)
      if (d.step) extra(*d.step);
  return rows;
}

struct Geometry {
  double width = 0, left = 0, right = 12, plot_w = 0;
  double t_max_s = 1;
  double rows_top = 0, row_h = 18, rows_bottom = 0;
  double lanes_top = 0, lane_h = 24, lanes_bottom = 0, bottom = 0;
  std::size_t label_chars = 40;  // what fits in the label column
  double x(double t_s) const { return left + plot_w * std::clamp(t_s / t_max_s, 0.0, 1.0); }
};

// A flowing legend: items wrap to a new line when the width runs out.
class Legend {
 public:
  Legend(double x0, double y0, double width) : x0_(x0), x_(x0), y_(y0), right_(x0 + width) {}
  // `swatch` is drawn with its centre at (cx, cy) given by the callback.
  template <class Swatch>
  void add(const std::string& label, Swatch swatch, const std::string& attrs = "") {
    const double w = 22 + label.size() * report::kCharWidthPx + 16;
    if (x_ + w > right_ && x_ > x0_) newline();
    out_ += "<g class=\"legend-item\"" + attrs + ">" + swatch(x_ + 8, y_) + "<text x=\"" +
            coord(x_ + 20) + "\" y=\"" + coord(y_ + 4) + "\">" + escape(label) + "</text></g>";
    x_ += w;
  }
  void newline() {
    x_ = x0_;
    y_ += 18;
  }
  double bottom() const { return y_ + 10; }
  const std::string& svg() const { return out_; }

 private:
  double x0_, x_, y_, right_;
  std::string out_;
};

std::vector<Decision> time_ordered(const std::vector<Decision>& d) {
  std::vector<Decision> out = d;
  std::stable_sort(out.begin(), out.end(),
                   [](const Decision& a, const Decision& b) { return a.t_s < b.t_s; });
  return out;
}

// A track's reported step: `runs` holds the horizontal stretches (where the eye reads which
// step), `jumps` the vertical moves between them, drawn faintly so a jittery track does not
// hide the rows under a curtain of verticals.
struct StepLine {
  std::string runs;
  std::string jumps;
};

StepLine step_line(const std::vector<Decision>& ds, const std::map<StepId, double>& row_y,
                   double dy, double end_s, const Geometry& geo) {
  StepLine line;
  bool pen_down = false;  // a stretch ended at the previous decision
  double pen_y = 0;
  for (std::size_t i = 0; i < ds.size(); ++i) {
    const double t0 = ds[i].t_s;
    const double t1 = i + 1 < ds.size() ? ds[i + 1].t_s : std::max(end_s, t0);
    if (!ds[i].step) {
      pen_down = false;
      continue;
    }
    const double y = row_y.at(*ds[i].step) + dy;
    const double x0 = geo.x(t0), x1 = geo.x(t1);
    if (pen_down && pen_y == y) {
      line.runs += "H" + coord(x1);  // same step again: the stretch goes on
    } else {
      if (pen_down) line.jumps += "M" + coord(x0) + " " + coord(pen_y) + "V" + coord(y);
      line.runs += "M" + coord(x0) + " " + coord(y) + "H" + coord(x1);
    }
    pen_down = true;
    pen_y = y;
  }
  return line;
}

// Whether the held step is right, second by second as Step-Acc judges it (in a gap either
// neighbouring step counts), merged into stretches: {start_s, end_s, right}.
struct Verdict {
  double start_s, end_s;
  bool right;
};

std::vector<Verdict> step_verdicts(const Annotations& truth, const std::vector<Decision>& ds) {
  std::vector<GtSegment> segs;
  for (const auto& s : truth.steps)
    if (s.end_s > s.start_s) segs.push_back(s);
  if (segs.empty()) return {};
  double from_s = segs.front().start_s, to_s = segs.front().end_s;
  for (const auto& s : segs) {
    from_s = std::min(from_s, s.start_s);
    to_s = std::max(to_s, s.end_s);
  }
  std::vector<Verdict> out;
  std::size_t next = 0;
  const Decision* held = nullptr;
  for (double t = from_s; t <= to_s; t += 1.0) {
    while (next < ds.size() && ds[next].t_s <= t) held = &ds[next++];
    bool right = false;
    if (held && held->step) {
      const GtSegment *before = nullptr, *after = nullptr;
      bool covered = false;
      for (const auto& s : segs) {
        if (s.start_s <= t && t < s.end_s) {
          covered = true;
          right = right || s.step == *held->step;
        }
        if (s.end_s <= t && (!before || s.end_s > before->end_s)) before = &s;
        if (s.start_s > t && (!after || s.start_s < after->start_s)) after = &s;
      }
      if (!covered)
        right = (before && before->step == *held->step) || (after && after->step == *held->step);
    }
    const double a = std::max(from_s, t - 0.5), b = std::min(to_s, t + 0.5);
    if (!out.empty() && out.back().right == right && out.back().end_s >= a - 1e-9)
      out.back().end_s = b;
    else
      out.push_back({a, b, right});
  }
  return out;
}

// Everything the layers draw from.
struct Plot {
  const Guideline& g;
  const Annotations& truth;
  const std::vector<TimelineTrack>& tracks;
  std::vector<Row> rows;
  std::vector<std::vector<Decision>> streams;  // tracks' decisions in time order
  std::vector<std::string> colors;
  std::map<StepId, double> row_y;  // centre line of each row
  double end_s = 1;                // where the last held state ends
  Geometry geo;
};

std::string swatch_rect(double cx, double cy, double w, double h, const std::string& attrs) {
  return "<rect x=\"" + coord(cx - w / 2) + "\" y=\"" + coord(cy - h / 2) + "\" width=\"" +
         coord(w) + "\" height=\"" + coord(h) + "\" " + attrs + "/>";
}

Legend make_legend(const Plot& p) {
  Legend legend(10, 14, p.geo.width - 20);
  const bool has_truth = !p.truth.steps.empty();
  auto fill = [](const char* color) { return std::string("fill=\"") + color + "\""; };
  if (has_truth) {
    legend.add("ground-truth step", [&](double cx, double cy) {
      return swatch_rect(cx, cy, 16, 8,
                         fill(kTruthFill) + " rx=\"2\" stroke=\"" + kTruthStroke + "\"");
    });
    legend.add("proactive period",
               [&](double cx, double cy) { return swatch_rect(cx, cy, 16, 3, fill(kPeriodFill)); });
    legend.add("mistake window", [&](double cx, double cy) {
      return swatch_rect(cx, cy, 16, 12, fill(kMistakeFill) + " fill-opacity=\"0.18\"");
    });
    legend.add("annotated mistake", [](double cx, double cy) {
      return "<path d=\"M" + coord(cx - 4) + " " + coord(cy - 4) + "l8 8m0 -8l-8 8\" stroke=\"" +
             kMistakeFill + "\" stroke-width=\"2\"/>";
    });
  }
  for (std::size_t i = 0; i < p.tracks.size(); ++i)
    legend.add(
        p.tracks[i].label,
        [&](double cx, double cy) {
          return "<path d=\"M" + coord(cx - 8) + " " + coord(cy + 3) + "H" + coord(cx) + "V" +
                 coord(cy - 3) + "H" + coord(cx + 8) + "\" fill=\"none\" stroke=\"" + p.colors[i] +
                 "\" stroke-width=\"2.5\"/>";
        },
        " data-track=\"" + std::to_string(i) + "\"");
  if (p.tracks.empty()) return legend;

  legend.newline();
  for (Kind k : kAllKinds)
    legend.add(std::string(to_string(k)), [k](double cx, double cy) {
      return report::kind_marker(k, cx, cy, 5, "legend-marker", to_string(k));
    });
  if (has_truth) {
    legend.add("step right",
               [&](double cx, double cy) { return swatch_rect(cx, cy, 16, 4, fill(kRightFill)); });
    legend.add("step wrong",
               [&](double cx, double cy) { return swatch_rect(cx, cy, 16, 4, fill(kWrongFill)); });
  }
  legend.add("trigger on", [&](double cx, double cy) {
    return swatch_rect(cx, cy, 16, 3, "fill=\"#777\" fill-opacity=\"0.6\"");
  });
  return legend;
}

// Row stripes and step labels (cut to the label column; the full text is the tooltip).
std::string rows_layer(const Plot& p) {
  const Geometry& geo = p.geo;
  std::string svg = "<g class=\"rows\">";
  for (std::size_t i = 0; i < p.rows.size(); ++i) {
    const double top = geo.rows_top + geo.row_h * i;
    if (i % 2 == 0)
      svg += "<rect x=\"0\" y=\"" + coord(top) + "\" width=\"" + coord(geo.width) + "\" height=\"" +
             coord(geo.row_h) + "\" fill=\"#f4f6f9\"/>";
    svg += "<text class=\"step-label\" x=\"" + coord(geo.left - 8) + "\" y=\"" +
           coord(top + geo.row_h / 2 + 3.5) + "\" text-anchor=\"end\" fill=\"#333\"><title>" +
           escape(p.rows[i].tooltip) + "</title>" +
           escape(report::truncate_utf8(p.rows[i].label, geo.label_chars)) + "</text>";
  }
  return svg + "</g>";
}

// Time grid, with mm:ss labels above the rows and below the lanes.
std::string axis_layer(const Plot& p) {
  const Geometry& geo = p.geo;
  const double tick_s = report::time_tick_s(geo.t_max_s, std::max(2, int(geo.plot_w / 80)));
  std::string svg = "<g class=\"axis\" fill=\"#555\">";
  for (double t = 0; t <= geo.t_max_s + 1e-9; t += tick_s) {
    const std::string x = coord(geo.x(t));
    svg += "<line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + coord(geo.rows_top) + "\" y2=\"" +
           coord(geo.lanes_bottom) + "\" stroke=\"#dde1e6\" stroke-width=\"1\"/>";
    // A label centred on the last tick could run off the right edge.
    const char* anchor = geo.x(t) + 18 > geo.width ? "end" : "middle";
    for (double y : {geo.rows_top - 6, geo.lanes_bottom + 14})
      svg += "<text x=\"" + x + "\" y=\"" + coord(y) + "\" text-anchor=\"" + anchor + "\">" +
             clock(t) + "</text>";
  }
  svg += "<text x=\"" + coord(geo.left + geo.plot_w) + "\" y=\"" + coord(geo.lanes_bottom + 30) +
         "\" text-anchor=\"end\" fill=\"#777\">time (mm:ss)</text>";
  return svg + "</g>";
}

// Mistake windows: shaded across the whole plot (the lanes' mistake alerts are judged by
// them) and darker on the row of the step begun too early.
std::string mistake_layer(const Plot& p) {
  const Geometry& geo = p.geo;
  std::string svg = "<g class=\"mistake-windows\">";
  for (const auto& w : mistake_windows(p.g, p.truth)) {
    const double x0 = geo.x(w.start_s), width = std::max(geo.x(w.end_s) - x0, 1.0);
    std::string why = "mistake window " + clock(w.start_s) + "\u2013" + clock(w.end_s) + ": '" +
                      w.step + "' begun before";
    for (std::size_t i = 0; i < w.missing.size(); ++i)
      why += (i ? ", '" : " '") + w.missing[i] + "'";
    svg += "<rect class=\"mistake-window\" x=\"" + coord(x0) + "\" y=\"" + coord(geo.rows_top) +
           "\" width=\"" + coord(width) + "\" height=\"" + coord(geo.lanes_bottom - geo.rows_top) +
           "\" fill=\"" + kMistakeFill + "\" fill-opacity=\"0.07\"><title>" + escape(why) +
           "</title></rect>";
    if (auto it = p.row_y.find(w.step); it != p.row_y.end())
      svg += "<rect x=\"" + coord(x0) + "\" y=\"" + coord(it->second - geo.row_h / 2) +
             "\" width=\"" + coord(width) + "\" height=\"" + coord(geo.row_h) + "\" fill=\"" +
             kMistakeFill + "\" fill-opacity=\"0.16\"><title>" + escape(why) + "</title></rect>";
  }
  return svg + "</g>";
}

// Ground truth: a bar per segment, the proactive periods as a strip under it, and a cross
// where an annotated mistake happened.
std::string truth_layer(const Plot& p) {
  const Geometry& geo = p.geo;
  std::string svg = "<g class=\"truth\">";
  for (const auto& seg : p.truth.steps) {
    const double y = p.row_y.at(seg.step);
    const double x0 = geo.x(seg.start_s), x1 = geo.x(seg.end_s);
    const Step* s = p.g.find(seg.step);
    const std::string tip = (s ? s->text : seg.step) + "\n" + clock(seg.start_s) + "\u2013" +
                            clock(seg.end_s) + " (" + report::fixed(seg.end_s - seg.start_s, 1) +
                            " s)";
    svg += "<rect class=\"gt-bar\" data-step=\"" + escape(seg.step) + "\" x=\"" + coord(x0) +
           "\" y=\"" + coord(y - geo.row_h * 0.36) + "\" width=\"" + coord(std::max(x1 - x0, 1.5)) +
           "\" height=\"" + coord(geo.row_h * 0.64) + "\" rx=\"2\" fill=\"" + kTruthFill +
           "\" stroke=\"" + kTruthStroke + "\" stroke-width=\"0.8\"><title>" + escape(tip) +
           "</title></rect>";
  }
  for (const auto& period : proactive_periods(p.truth)) {
    auto it = p.row_y.find(period.step);
    if (it == p.row_y.end()) continue;
    const double x0 = geo.x(period.start_s), x1 = geo.x(period.end_s);
    const std::string tip = std::string("proactive period (") +
                            (period.about_to_finish ? "about to finish" : "guidance to start") +
                            ") " + clock(period.start_s) + "\u2013" + clock(period.end_s);
    svg += "<rect class=\"period\" x=\"" + coord(x0) + "\" y=\"" +
           coord(it->second + geo.row_h * 0.3) + "\" width=\"" + coord(std::max(x1 - x0, 1.0)) +
           "\" height=\"" + coord(std::max(2.0, geo.row_h * 0.14)) + "\" fill=\"" + kPeriodFill +
           "\" fill-opacity=\"0.85\"><title>" + escape(tip) + "</title></rect>";
  }
  for (const auto& e : p.truth.errors) {
    auto it = p.row_y.find(e.step);
    if (it == p.row_y.end()) continue;
    const double x = geo.x(e.t_s), y = it->second, r = std::min(4.5, geo.row_h * 0.3);
    svg += "<path class=\"gt-error\" d=\"M" + coord(x - r) + " " + coord(y - r) + "l" +
           coord(2 * r) + " " + coord(2 * r) + "m0 " + coord(-2 * r) + "l" + coord(-2 * r) + " " +
           coord(2 * r) + "\" stroke=\"" + kMistakeFill + "\" stroke-width=\"2.2\"><title>" +
           escape("annotated mistake (" + e.type + "): '" + e.step + "' at " + clock(e.t_s)) +
           "</title></path>";
  }
  return svg + "</g>";
}

// Each track's reported step, offset a little per track so overlapping lines stay visible.
std::string tracks_layer(const Plot& p) {
  const std::size_t n = p.tracks.size();
  const double spread = std::min(3.0, p.geo.row_h * 0.6 / std::max<std::size_t>(n, 1));
  std::string svg = "<g class=\"tracks\" fill=\"none\" stroke-linecap=\"round\">";
  for (std::size_t i = 0; i < n; ++i) {
    const double dy = (static_cast<double>(i) - (n - 1) / 2.0) * spread;
    const StepLine line = step_line(p.streams[i], p.row_y, dy, p.end_s, p.geo);
    const std::string id = std::to_string(i);
    if (!line.jumps.empty())
      svg += "<path class=\"track-jumps\" data-track=\"" + id + "\" d=\"" + line.jumps +
             "\" stroke=\"" + p.colors[i] + "\" stroke-width=\"0.8\" stroke-opacity=\"0.35\"/>";
    svg += "<path class=\"track\" data-track=\"" + id + "\" d=\"" +
           (line.runs.empty() ? "M0 0" : line.runs) + "\" stroke=\"" + p.colors[i] +
           "\" stroke-width=\"2.2\" stroke-opacity=\"0.9\"><title>" +
           escape(p.tracks[i].label + ": reported step") + "</title></path>";
  }
  return svg + "</g>";
}

// A track's message lane: whether its step is right (top strip), when its trigger was on
// (bottom strip), and every delivered message as a marker with its text as the tooltip.
std::string lane_layer(const Plot& p, std::size_t i) {
  const Geometry& geo = p.geo;
  const double top = geo.lanes_top + geo.lane_h * i, mid = top + geo.lane_h / 2;
  const std::string& c = p.colors[i];
  const std::string& label = p.tracks[i].label;
  const auto& ds = p.streams[i];
  std::string svg = "<g class=\"lane\" data-track=\"" + std::to_string(i) + "\">";
  svg += "<rect x=\"" + coord(geo.left) + "\" y=\"" + coord(top + 1) + "\" width=\"" +
         coord(geo.plot_w) + "\" height=\"" + coord(geo.lane_h - 2) + "\" fill=\"" + c +
         "\" fill-opacity=\"0.07\"/>";
  svg += "<text x=\"" + coord(geo.left - 8) + "\" y=\"" + coord(mid + 3.5) +
         "\" text-anchor=\"end\" font-weight=\"600\" fill=\"" + c + "\">" +
         escape(report::truncate_utf8(label + " messages", geo.label_chars)) + "</text>";
  for (const auto& v : step_verdicts(p.truth, ds))
    svg += "<rect class=\"" + std::string(v.right ? "step-right" : "step-wrong") + "\" x=\"" +
           coord(geo.x(v.start_s)) + "\" y=\"" + coord(top + 1) + "\" width=\"" +
           coord(std::max(geo.x(v.end_s) - geo.x(v.start_s), 0.5)) + "\" height=\"4\" fill=\"" +
           (v.right ? kRightFill : kWrongFill) + "\"><title>" +
           escape(label + ": step " + (v.right ? "right " : "wrong ") + clock(v.start_s) +
                  "\u2013" + clock(v.end_s)) +
           "</title></rect>";
  for (std::size_t j = 0; j < ds.size(); ++j) {
    if (!ds[j].trigger) continue;
    std::size_t k = j;
    while (k + 1 < ds.size() && ds[k + 1].trigger) ++k;
    const double x0 = geo.x(ds[j].t_s), x1 = geo.x(k + 1 < ds.size() ? ds[k + 1].t_s : p.end_s);
    svg += "<rect class=\"trigger\" x=\"" + coord(x0) + "\" y=\"" + coord(top + geo.lane_h - 5) +
           "\" width=\"" + coord(std::max(x1 - x0, 1.0)) + "\" height=\"3\" fill=\"" + c +
           "\" fill-opacity=\"0.6\"/>";
    j = k;
  }
  for (const auto& d : ds) {
    if (!d.deliver) continue;
    const Kind k = d.kind.value_or(Kind::Instruction);
    std::string tip = clock(d.t_s) + " [" + std::string(to_string(k)) + "]";
    if (d.about) tip += " about '" + *d.about + "'";
    tip += ": " + d.message;
    svg += report::kind_marker(k, geo.x(d.t_s), mid, 4.5, "msg kind-" + std::string(to_string(k)),
                               tip);
  }
  return svg + "</g>";
}

}  // namespace

std::string timeline_svg(const Guideline& g, const Annotations& truth,
                         const std::vector<TimelineTrack>& tracks, double width_px) {
  Plot p{g, truth, tracks, build_rows(g, truth, tracks), {}, {}, {}, 1, {}};
  for (std::size_t i = 0; i < tracks.size(); ++i) {
    p.streams.push_back(time_ordered(tracks[i].decisions));
    p.colors.push_back(tracks[i].color.empty() ? report::track_color(i) : tracks[i].color);
  }
  for (const auto& s : truth.steps) p.end_s = std::max(p.end_s, s.end_s);
  for (const auto& e : truth.errors) p.end_s = std::max(p.end_s, e.t_s);
  for (const auto& ds : p.streams)
    if (!ds.empty()) p.end_s = std::max(p.end_s, ds.back().t_s);

  Geometry& geo = p.geo;
  geo.width = std::max(width_px, 480.0);
  geo.left = std::clamp(geo.width * 0.26, 150.0, 300.0);
  geo.plot_w = geo.width - geo.left - geo.right;
  geo.label_chars = static_cast<std::size_t>(std::max(8.0, (geo.left - 14) / report::kCharWidthPx));
  geo.t_max_s = p.end_s * 1.01;
  // The legend's height decides where the rows start.
  const Legend legend = make_legend(p);
  const double axis_label_h = 18;
  geo.rows_top = legend.bottom() + 8 + axis_label_h;
  geo.row_h = std::clamp(440.0 / std::max<std::size_t>(p.rows.size(), 1), 14.0, 22.0);
  geo.rows_bottom = geo.rows_top + geo.row_h * p.rows.size();
  geo.lanes_top = geo.rows_bottom + (tracks.empty() ? 0 : 10);
  geo.lanes_bottom = geo.lanes_top + geo.lane_h * tracks.size();
  geo.bottom = geo.lanes_bottom + axis_label_h + 18;
  for (std::size_t i = 0; i < p.rows.size(); ++i)
    p.row_y[p.rows[i].id] = geo.rows_top + geo.row_h * (i + 0.5);

  std::string svg;
  svg.reserve(64 * 1024);
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" width=\"" +
         coord(geo.width) + "\" height=\"" + coord(geo.bottom) + "\" viewBox=\"0 0 " +
         coord(geo.width) + " " + coord(geo.bottom) +
         "\" font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\" font-size=\"11\" "
         "role=\"img\" aria-label=\"" +
         escape("timeline of " + (g.title.empty() ? g.id : g.title)) + "\">";
  svg += "<rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"#fff\"/>";
  // Back to front: what is read most (tracks, markers) is drawn last.
  svg += rows_layer(p);
  svg += axis_layer(p);
  svg += mistake_layer(p);
  svg += truth_layer(p);
  svg += tracks_layer(p);
  for (std::size_t i = 0; i < tracks.size(); ++i) svg += lane_layer(p, i);
  svg += "<g class=\"legend\" fill=\"#333\">" + legend.svg() + "</g>";
  svg += "</svg>";
  return svg;
}

}  // namespace p2a
