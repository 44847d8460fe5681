// Text, number and colour helpers shared by the report pages and their SVG charts.
#include "eval/report_svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

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

}  // namespace p2a
