#include <algorithm>
#include <cmath>

#include "pro2assist/durations.hpp"

namespace p2a {
namespace {
double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}
}  // namespace

std::map<StepId, LearnedDuration> learn_durations(const Guideline& g,
                                                  const std::vector<const Annotations*>& truths,
                                                  int min_samples) {
  std::map<StepId, std::vector<double>> lengths;
  for (const Annotations* a : truths)
    for (const auto& seg : a->steps)
      if (g.find(seg.step) && seg.end_s > seg.start_s)
        lengths[seg.step].push_back(seg.end_s - seg.start_s);
  std::map<StepId, LearnedDuration> out;
  for (auto& [step, v] : lengths) {
    if (static_cast<int>(v.size()) < min_samples) continue;
    out[step] = {static_cast<int>(v.size()), quantile(v, 0.1), quantile(v, 0.5), quantile(v, 0.9)};
  }
  return out;
}

int apply_durations(Guideline& g, const std::map<StepId, LearnedDuration>& learned) {
  int changed = 0;
  for (Step& s : g.steps) {
    auto it = learned.find(s.id);
    if (it == learned.end()) continue;
    // Round to 0.1 s: learned figures, not measurements to the millisecond.
    const double lo = std::round(it->second.p10_s * 10) / 10;
    const double hi = std::max(lo, std::round(it->second.p90_s * 10) / 10);
    s.duration_s = DurationRange{lo, hi};
    ++changed;
  }
  return changed;
}

LearnedGuideline with_learned_durations(Guideline g, const std::vector<Recording>& recs,
                                        int min_samples, const std::string& leave_out) {
  std::vector<const Annotations*> truths;
  for (const auto& r : recs)
    if (r.recipe == g.id && (leave_out.empty() || r.id != leave_out)) truths.push_back(&r.truth);
  const int learned = apply_durations(g, learn_durations(g, truths, min_samples));
  return {std::move(g), truths.size(), learned};
}

std::map<std::string, LearnedGuideline> guidelines_with_learned_durations(
    const CaptainCook4D& cc, const std::string& split, int min_samples) {
  const std::vector<Recording> recs = cc.recordings(split);
  std::map<std::string, LearnedGuideline> out;
  for (const auto& recipe : cc.recipes())
    out.emplace(recipe, with_learned_durations(cc.guideline(recipe), recs, min_samples));
  return out;
}

}  // namespace p2a
