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
namespace report {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') break;
        out.push_back(c);
    }
  }
  return out;
}

std::string truncate_utf8(std::string_view text, std::size_t max_chars) {
  std::size_t chars = 0, cut = std::string_view::npos;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (chars + 1 == max_chars) cut = i;  // where "…" goes if the text is too long
    if (++chars > max_chars) return std::string(text.substr(0, cut)) + "\u2026";
  }
  return std::string(text);
}

std::string coord(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", std::abs(v) < 0.05 ? 0.0 : v);
  std::string s = buf;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s;
}

std::string fixed(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s.find_first_not_of("-0.") == std::string::npos && s[0] == '-') s.erase(0, 1);
  return s;
}

std::string clock(double t_s) {
  const long total = std::lround(std::max(0.0, t_s));
  char buf[32];
  if (total >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
  else
    std::snprintf(buf, sizeof buf, "%02ld:%02ld", total / 60, total % 60);
  return buf;
}

std::vector<double> nice_ticks(double lo, double hi, int max_ticks) {
  if (!(hi > lo)) hi = lo + 1;
  max_ticks = std::max(max_ticks, 2);
  const double raw = (hi - lo) / (max_ticks - 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> out;
  // Multiples of the step, not a running sum, so 0.6 is not 0.6000000000000001.
  for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k += 1)
    out.push_back(k == 0 ? 0.0 : std::round(k * step / mag * 1e6) * mag / 1e6);
  return out;
}

double time_tick_s(double span_s, int max_ticks) {
  for (double step : {1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0, 120.0, 180.0, 300.0, 600.0,
                      900.0, 1200.0, 1800.0, 3600.0})
    if (span_s / step <= max_ticks) return step;
  return 3600.0 * std::ceil(span_s / 3600.0 / max_ticks);
}

std::string track_color(std::size_t i) {
  // Tableau 10: distinct on white and for the common colour-vision deficiencies.
  static const char* kPalette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#e15759",
                                   "#76b7b2", "#edc948", "#9c755f", "#ff9da7", "#bab0ac"};
  return kPalette[i % (sizeof kPalette / sizeof kPalette[0])];
}

std::string_view kind_color(Kind k) {
  switch (k) {
    case Kind::Instruction:
      return "#1f63b4";
    case Kind::NextStep:
      return "#17914f";
    case Kind::Mistake:
      return "#d62728";
    case Kind::Hesitation:
      return "#e08a00";
    case Kind::Reminder:
      return "#8e44ad";
    case Kind::Answer:
      return "#0e9bb0";
  }
  return "#555";
}

std::string kind_marker(Kind k, double x, double y, double r, std::string_view css_class,
                        std::string_view tooltip) {
  // Shape and colour both tell the kind, so it reads in grey print too.
  std::string d;
  auto pt = [](double px, double py) { return coord(px) + " " + coord(py); };
  switch (k) {
    case Kind::Instruction:
    case Kind::Answer:  // circle; answer is drawn hollow
      d = "M" + pt(x - r, y) + "a" + coord(r) + " " + coord(r) + " 0 1 0 " + coord(2 * r) + " 0a" +
          coord(r) + " " + coord(r) + " 0 1 0 " + coord(-2 * r) + " 0Z";
      break;
    case Kind::NextStep:  // triangle pointing right: "go on"
      d = "M" + pt(x - r, y - r) + "L" + pt(x + r, y) + "L" + pt(x - r, y + r) + "Z";
      break;
    case Kind::Mistake:  // diamond
      d = "M" + pt(x, y - 1.25 * r) + "L" + pt(x + 1.25 * r, y) + "L" + pt(x, y + 1.25 * r) + "L" +
          pt(x - 1.25 * r, y) + "Z";
      break;
    case Kind::Hesitation:  // square
      d = "M" + pt(x - 0.85 * r, y - 0.85 * r) + "h" + coord(1.7 * r) + "v" + coord(1.7 * r) + "h" +
          coord(-1.7 * r) + "Z";
      break;
    case Kind::Reminder:  // triangle pointing up
      d = "M" + pt(x, y - r) + "L" + pt(x + r, y + 0.8 * r) + "L" + pt(x - r, y + 0.8 * r) + "Z";
      break;
  }
  const std::string color(kind_color(k));
  const bool hollow = k == Kind::Answer;
  return "<path class=\"" + escape(css_class) + "\" d=\"" + d + "\" fill=\"" +
         (hollow ? std::string("#fff") : color) + "\" stroke=\"" + (hollow ? color : "#fff") +
         "\" stroke-width=\"" + (hollow ? "2" : "0.8") + "\"><title>" + escape(tooltip) +
         "</title></path>";
}

}  // namespace report

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
  double rows_top = 0, row_h = 18, lanes_top = 0, lane_h = 24, bottom = 0;
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

}  // namespace

std::string timeline_svg(const Guideline& g, const Annotations& truth,
                         const std::vector<TimelineTrack>& tracks, double width_px) {
  const std::vector<Row> rows = build_rows(g, truth, tracks);
  std::vector<std::vector<Decision>> streams;
  for (const auto& t : tracks) streams.push_back(time_ordered(t.decisions));

  Geometry geo;
  geo.width = std::max(width_px, 480.0);
  geo.left = std::clamp(geo.width * 0.26, 150.0, 300.0);
  geo.plot_w = geo.width - geo.left - geo.right;
  double end_s = 1;
  for (const auto& s : truth.steps) end_s = std::max(end_s, s.end_s);
  for (const auto& e : truth.errors) end_s = std::max(end_s, e.t_s);
  for (const auto& ds : streams)
    if (!ds.empty()) end_s = std::max(end_s, ds.back().t_s);
  geo.t_max_s = end_s * 1.01;

  auto color_of = [&](std::size_t i) {
    return tracks[i].color.empty() ? report::track_color(i) : tracks[i].color;
  };

  // Legend first: its height decides where the rows start.
  Legend legend(10, 14, geo.width - 20);
  if (!truth.steps.empty()) {
    legend.add("ground-truth step", [](double cx, double cy) {
      return "<rect x=\"" + coord(cx - 8) + "\" y=\"" + coord(cy - 4) +
             "\" width=\"16\" height=\"8\" rx=\"2\" fill=\"" + kTruthFill + "\" stroke=\"" +
             kTruthStroke + "\"/>";
    });
    legend.add("proactive period", [](double cx, double cy) {
      return "<rect x=\"" + coord(cx - 8) + "\" y=\"" + coord(cy - 1.5) +
             "\" width=\"16\" height=\"3\" fill=\"" + kPeriodFill + "\"/>";
    });
    legend.add("mistake window", [](double cx, double cy) {
      return "<rect x=\"" + coord(cx - 8) + "\" y=\"" + coord(cy - 6) +
             "\" width=\"16\" height=\"12\" fill=\"" + kMistakeFill + "\" fill-opacity=\"0.18\"/>";
    });
    legend.add("annotated mistake", [](double cx, double cy) {
      return "<path d=\"M" + coord(cx - 4) + " " + coord(cy - 4) + "l8 8m0 -8l-8 8\" stroke=\"" +
             kMistakeFill + "\" stroke-width=\"2\"/>";
    });
  }
  for (std::size_t i = 0; i < tracks.size(); ++i) {
    const std::string c = color_of(i);
    legend.add(
        tracks[i].label,
        [&](double cx, double cy) {
          return "<path d=\"M" + coord(cx - 8) + " " + coord(cy + 3) + "H" + coord(cx) + "V" +
                 coord(cy - 3) + "H" + coord(cx + 8) + "\" fill=\"none\" stroke=\"" + c +
                 "\" stroke-width=\"2.5\"/>";
        },
        " data-track=\"" + std::to_string(i) + "\"");
  }
  if (!tracks.empty()) {
    legend.newline();
    for (Kind k : kAllKinds)
      legend.add(std::string(to_string(k)), [k](double cx, double cy) {
        return report::kind_marker(k, cx, cy, 5, "legend-marker", to_string(k));
      });
    if (!truth.steps.empty()) {
      legend.add("step right", [](double cx, double cy) {
        return "<rect x=\"" + coord(cx - 8) + "\" y=\"" + coord(cy - 2) +
               "\" width=\"16\" height=\"4\" fill=\"" + kRightFill + "\"/>";
      });
      legend.add("step wrong", [](double cx, double cy) {
        return "<rect x=\"" + coord(cx - 8) + "\" y=\"" + coord(cy - 2) +
               "\" width=\"16\" height=\"4\" fill=\"" + kWrongFill + "\"/>";
      });
    }
    legend.add("trigger on", [](double cx, double cy) {
      return "<rect x=\"" + coord(cx - 8) + "\" y=\"" + coord(cy - 1.5) +
             "\" width=\"16\" height=\"3\" fill=\"#777\" fill-opacity=\"0.6\"/>";
    });
  }

  const double axis_label_h = 18;
  geo.rows_top = legend.bottom() + 8 + axis_label_h;
  geo.row_h = std::clamp(440.0 / std::max<std::size_t>(rows.size(), 1), 14.0, 22.0);
  const double rows_bottom = geo.rows_top + geo.row_h * rows.size();
  geo.lanes_top = rows_bottom + (tracks.empty() ? 0 : 10);
  const double lanes_bottom = geo.lanes_top + geo.lane_h * tracks.size();
  geo.bottom = lanes_bottom + axis_label_h + 18;
  const double height = geo.bottom;

  std::map<StepId, double> row_y;  // centre line of each row
  for (std::size_t i = 0; i < rows.size(); ++i)
    row_y[rows[i].id] = geo.rows_top + geo.row_h * (i + 0.5);

  std::string svg;
  svg.reserve(64 * 1024);
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" width=\"" +
         coord(geo.width) + "\" height=\"" + coord(height) + "\" viewBox=\"0 0 " +
         coord(geo.width) + " " + coord(height) +
         "\" font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\" font-size=\"11\" "
         "role=\"img\" aria-label=\"" +
         escape("timeline of " + (g.title.empty() ? g.id : g.title)) + "\">";
  svg += "<rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"#fff\"/>";

  // Row stripes and step labels.
  const auto label_chars =
      static_cast<std::size_t>(std::max(8.0, (geo.left - 14) / report::kCharWidthPx));
  svg += "<g class=\"rows\">";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double top = geo.rows_top + geo.row_h * i;
    if (i % 2 == 0)
      svg += "<rect x=\"0\" y=\"" + coord(top) + "\" width=\"" + coord(geo.width) + "\" height=\"" +
             coord(geo.row_h) + "\" fill=\"#f4f6f9\"/>";
    svg += "<text class=\"step-label\" x=\"" + coord(geo.left - 8) + "\" y=\"" +
           coord(top + geo.row_h / 2 + 3.5) + "\" text-anchor=\"end\" fill=\"#333\"><title>" +
           escape(rows[i].tooltip) + "</title>" +
           escape(report::truncate_utf8(rows[i].label, label_chars)) + "</text>";
  }
  svg += "</g>";

  // Time grid and labels, above the rows and below the lanes.
  const double tick_s = report::time_tick_s(geo.t_max_s, std::max(2, int(geo.plot_w / 80)));
  svg += "<g class=\"axis\" fill=\"#555\">";
  for (double t = 0; t <= geo.t_max_s + 1e-9; t += tick_s) {
    const std::string x = coord(geo.x(t));
    svg += "<line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + coord(geo.rows_top) + "\" y2=\"" +
           coord(lanes_bottom) + "\" stroke=\"#dde1e6\" stroke-width=\"1\"/>";
    // A label centred on the last tick could run off the right edge.
    const char* anchor = geo.x(t) + 18 > geo.width ? "end" : "middle";
    for (double y : {geo.rows_top - 6, lanes_bottom + 14})
      svg += "<text x=\"" + x + "\" y=\"" + coord(y) + "\" text-anchor=\"" + anchor + "\">" +
             clock(t) + "</text>";
  }
  svg += "<text x=\"" + coord(geo.left + geo.plot_w) + "\" y=\"" + coord(lanes_bottom + 30) +
         "\" text-anchor=\"end\" fill=\"#777\">time (mm:ss)</text>";
  svg += "</g>";

  // Mistake windows: shaded across the whole plot (messages in the lanes are judged by them)
  // and darker on the row of the step begun too early.
  const auto windows = mistake_windows(g, truth);
  svg += "<g class=\"mistake-windows\">";
  for (const auto& w : windows) {
    const double x0 = geo.x(w.start_s), x1 = geo.x(w.end_s);
    std::string why = "mistake window " + clock(w.start_s) + "\u2013" + clock(w.end_s) + ": '" +
                      w.step + "' begun before";
    for (std::size_t i = 0; i < w.missing.size(); ++i)
      why += (i ? ", '" : " '") + w.missing[i] + "'";
    svg += "<rect class=\"mistake-window\" x=\"" + coord(x0) + "\" y=\"" + coord(geo.rows_top) +
           "\" width=\"" + coord(std::max(x1 - x0, 1.0)) + "\" height=\"" +
           coord(lanes_bottom - geo.rows_top) + "\" fill=\"" + kMistakeFill +
           "\" fill-opacity=\"0.07\"><title>" + escape(why) + "</title></rect>";
    if (auto it = row_y.find(w.step); it != row_y.end())
      svg += "<rect x=\"" + coord(x0) + "\" y=\"" + coord(it->second - geo.row_h / 2) +
             "\" width=\"" + coord(std::max(x1 - x0, 1.0)) + "\" height=\"" + coord(geo.row_h) +
             "\" fill=\"" + kMistakeFill + "\" fill-opacity=\"0.16\"><title>" + escape(why) +
             "</title></rect>";
  }
  svg += "</g>";

  // Ground truth: a bar per segment, the proactive periods as a strip under it.
  svg += "<g class=\"truth\">";
  for (const auto& seg : truth.steps) {
    const double y = row_y.at(seg.step);
    const double x0 = geo.x(seg.start_s), x1 = geo.x(seg.end_s);
    const Step* s = g.find(seg.step);
    const std::string tip = (s ? s->text : seg.step) + "\n" + clock(seg.start_s) + "\u2013" +
                            clock(seg.end_s) + " (" + report::fixed(seg.end_s - seg.start_s, 1) +
                            " s)";
    svg += "<rect class=\"gt-bar\" data-step=\"" + escape(seg.step) + "\" x=\"" + coord(x0) +
           "\" y=\"" + coord(y - geo.row_h * 0.36) + "\" width=\"" + coord(std::max(x1 - x0, 1.5)) +
           "\" height=\"" + coord(geo.row_h * 0.64) + "\" rx=\"2\" fill=\"" + kTruthFill +
           "\" stroke=\"" + kTruthStroke + "\" stroke-width=\"0.8\"><title>" + escape(tip) +
           "</title></rect>";
  }
  for (const auto& p : proactive_periods(truth)) {
    auto it = row_y.find(p.step);
    if (it == row_y.end()) continue;
    const double x0 = geo.x(p.start_s), x1 = geo.x(p.end_s);
    const std::string tip = std::string("proactive period (") +
                            (p.about_to_finish ? "about to finish" : "guidance to start") + ") " +
                            clock(p.start_s) + "\u2013" + clock(p.end_s);
    svg += "<rect class=\"period\" x=\"" + coord(x0) + "\" y=\"" +
           coord(it->second + geo.row_h * 0.3) + "\" width=\"" + coord(std::max(x1 - x0, 1.0)) +
           "\" height=\"" + coord(std::max(2.0, geo.row_h * 0.14)) + "\" fill=\"" + kPeriodFill +
           "\" fill-opacity=\"0.85\"><title>" + escape(tip) + "</title></rect>";
  }
  for (const auto& e : truth.errors) {
    auto it = row_y.find(e.step);
    if (it == row_y.end()) continue;
    const double x = geo.x(e.t_s), y = it->second, r = std::min(4.5, geo.row_h * 0.3);
    svg += "<path class=\"gt-error\" d=\"M" + coord(x - r) + " " + coord(y - r) + "l" +
           coord(2 * r) + " " + coord(2 * r) + "m0 " + coord(-2 * r) + "l" + coord(-2 * r) + " " +
           coord(2 * r) + "\" stroke=\"" + kMistakeFill + "\" stroke-width=\"2.2\"><title>" +
           escape("annotated mistake (" + e.type + "): '" + e.step + "' at " + clock(e.t_s)) +
           "</title></path>";
  }
  svg += "</g>";

  // Each track's reported step, offset a little per track so overlapping lines stay visible.
  const double spread = std::min(3.0, geo.row_h * 0.6 / std::max<std::size_t>(tracks.size(), 1));
  svg += "<g class=\"tracks\" fill=\"none\" stroke-linecap=\"round\">";
  for (std::size_t i = 0; i < tracks.size(); ++i) {
    const double dy = (static_cast<double>(i) - (tracks.size() - 1) / 2.0) * spread;
    const StepLine line = step_line(streams[i], row_y, dy, end_s, geo);
    const std::string c = color_of(i), id = std::to_string(i);
    if (!line.jumps.empty())
      svg += "<path class=\"track-jumps\" data-track=\"" + id + "\" d=\"" + line.jumps +
             "\" stroke=\"" + c + "\" stroke-width=\"0.8\" stroke-opacity=\"0.35\"/>";
    svg += "<path class=\"track\" data-track=\"" + id + "\" d=\"" +
           (line.runs.empty() ? "M0 0" : line.runs) + "\" stroke=\"" + c +
           "\" stroke-width=\"2.2\" stroke-opacity=\"0.9\"><title>" +
           escape(tracks[i].label + ": reported step") + "</title></path>";
  }
  svg += "</g>";

  // Message lanes: when the trigger was held on, and every delivered message.
  for (std::size_t i = 0; i < tracks.size(); ++i) {
    const double top = geo.lanes_top + geo.lane_h * i, mid = top + geo.lane_h / 2;
    const std::string c = color_of(i);
    svg += "<g class=\"lane\" data-track=\"" + std::to_string(i) + "\">";
    svg += "<rect x=\"" + coord(geo.left) + "\" y=\"" + coord(top + 1) + "\" width=\"" +
           coord(geo.plot_w) + "\" height=\"" + coord(geo.lane_h - 2) + "\" fill=\"" + c +
           "\" fill-opacity=\"0.07\"/>";
    svg += "<text x=\"" + coord(geo.left - 8) + "\" y=\"" + coord(mid + 3.5) +
           "\" text-anchor=\"end\" font-weight=\"600\" fill=\"" + c + "\">" +
           escape(report::truncate_utf8(tracks[i].label + " messages", label_chars)) + "</text>";
    const auto& ds = streams[i];
    for (const auto& v : step_verdicts(truth, ds)) {
      svg += "<rect class=\"" + std::string(v.right ? "step-right" : "step-wrong") + "\" x=\"" +
             coord(geo.x(v.start_s)) + "\" y=\"" + coord(top + 1) + "\" width=\"" +
             coord(std::max(geo.x(v.end_s) - geo.x(v.start_s), 0.5)) + "\" height=\"4\" fill=\"" +
             (v.right ? kRightFill : kWrongFill) + "\"><title>" +
             escape(tracks[i].label + ": step " + (v.right ? "right " : "wrong ") +
                    clock(v.start_s) + "\u2013" + clock(v.end_s)) +
             "</title></rect>";
    }
    for (std::size_t j = 0; j < ds.size(); ++j) {
      if (!ds[j].trigger) continue;
      std::size_t k = j;
      while (k + 1 < ds.size() && ds[k + 1].trigger) ++k;
      const double t1 = k + 1 < ds.size() ? ds[k + 1].t_s : end_s;
      svg += "<rect class=\"trigger\" x=\"" + coord(geo.x(ds[j].t_s)) + "\" y=\"" +
             coord(top + geo.lane_h - 5) + "\" width=\"" +
             coord(std::max(geo.x(t1) - geo.x(ds[j].t_s), 1.0)) + "\" height=\"3\" fill=\"" + c +
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
    svg += "</g>";
  }

  svg += "<g class=\"legend\" fill=\"#333\">" + legend.svg() + "</g>";
  svg += "</svg>";
  return svg;
}

}  // namespace p2a
