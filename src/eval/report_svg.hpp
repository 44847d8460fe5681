// Building blocks shared by the report pages and their SVG charts (private to src/eval).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pro2assist/types.hpp"

namespace p2a::report {

// Text or attribute value for HTML and XML: & < > " ' escaped, control characters dropped
// (XML 1.0 forbids them even escaped).
std::string escape(std::string_view text);
// At most max_chars code points, with "…" when cut; never splits a UTF-8 sequence.
std::string truncate_utf8(std::string_view text, std::size_t max_chars);

std::string coord(double v);  // SVG coordinate: 1 decimal, no "-0"
std::string fixed(double v, int decimals);
std::string clock(double t_s);  // "mm:ss", "h:mm:ss" past an hour

// Round tick values (1-2-5 steps) covering [lo, hi], at most about max_ticks of them.
std::vector<double> nice_ticks(double lo, double hi, int max_ticks);
// Tick spacing on a time axis that reads as whole seconds/minutes, at most max_ticks ticks.
double time_tick_s(double span_s, int max_ticks);

// Reasoner colours: by position in the evaluation's reasoner list, so the sweep chart,
// table and timelines agree.
std::string track_color(std::size_t i);
std::string_view kind_color(Kind k);
// A message marker centred on (x, y): one <path> whose shape and colour tell the kind, with
// `css_class` and a <title> tooltip (given unescaped).
std::string kind_marker(Kind k, double x, double y, double r, std::string_view css_class,
                        std::string_view tooltip);

// Average advance of a character at the page's 11-12 px sans-serif, for fitting labels.
constexpr double kCharWidthPx = 6.2;

}  // namespace p2a::report
