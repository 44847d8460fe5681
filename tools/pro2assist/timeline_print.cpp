#include "timeline_print.hpp"

#include <cstdio>

namespace p2a::cli {
namespace {
std::string clock(double t_s) {
  char buf[32];
  const int m = static_cast<int>(t_s) / 60;
  std::snprintf(buf, sizeof buf, "%02d:%04.1f", m, t_s - 60.0 * m);
  return buf;
}
}  // namespace

void print_timeline(std::ostream& os, const Guideline& g, const std::vector<Decision>& decisions) {
  os << "  time     step                      status           message\n";
  std::optional<StepId> shown;
  for (const auto& d : decisions) {
    const bool step_changed = d.step != shown;
    if (!step_changed && !d.deliver) continue;
    shown = d.step;
    char line[96];
    std::snprintf(line, sizeof line, "  %-8s %-25.25s %-16s ", clock(d.t_s).c_str(),
                  d.step ? d.step->c_str() : "-",
                  d.status ? std::string(to_string(*d.status)).c_str() : "-");
    os << line;
    if (d.deliver) {
      os << "[" << to_string(*d.kind) << "] " << d.message;
    } else if (d.step) {
      if (const Step* s = g.find(*d.step)) os << "(" << s->text << ")";
    }
    os << "\n";
  }
}

}  // namespace p2a::cli
