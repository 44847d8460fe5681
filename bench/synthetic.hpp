// Synthetic guidelines shared by the benchmarks, built in memory.
#pragma once

#include <array>
#include <string>
#include <utility>

#include "pro2assist/guideline.hpp"

namespace p2a::bench {

// Blocks of five steps: an entry step, a two-step branch and a one-step branch after it
// that run in parallel, and a step that joins them; each block follows the one before.
// Step i takes ranges_s[i % 4] as its duration range, except every seventh step, which has
// no range so the default duration path is exercised too; every ninth step from step 4 is
// critical.
inline Guideline synthetic_guideline(int n_steps, const std::array<DurationRange, 4>& ranges_s,
                                     std::string id, std::string title) {
  Guideline g;
  g.id = std::move(id);
  g.title = std::move(title);
  for (int i = 0; i < n_steps; ++i) {
    Step s;
    s.id = "step_" + std::to_string(i);
    s.text = "Do part " + std::to_string(i) + " of the procedure";
    if (i % 2 == 0) s.details = "Keep the tools for part " + std::to_string(i) + " at hand";
    if (i % 7 != 6) s.duration_s = ranges_s[static_cast<std::size_t>(i % 4)];
    s.critical = i % 9 == 4;
    const int block = i / 5, pos = i % 5, base = block * 5;
    auto step_id = [](int k) { return "step_" + std::to_string(k); };
    switch (pos) {
      case 0: if (block > 0) s.requires_ = {step_id(base - 1)}; break;
      case 1: s.requires_ = {step_id(base)}; break;
      case 2: s.requires_ = {step_id(base + 1)}; break;
      case 3: s.requires_ = {step_id(base)}; break;
      case 4: s.requires_ = {step_id(base + 2), step_id(base + 3)}; break;
    }
    g.steps.push_back(std::move(s));
  }
  g.source = "bench (in memory)";
  g.finalize();
  return g;
}

}  // namespace p2a::bench
