// Step durations learned from annotated recordings, written back into guidelines.
#pragma once

#include <map>
#include <vector>

#include "pro2assist/guideline.hpp"
#include "pro2assist/session.hpp"

namespace p2a {

struct LearnedDuration {
  int samples = 0;
  double p10_s = 0, p50_s = 0, p90_s = 0;
};

// Per step of g, the spread of its segment lengths over the recordings (steps seen fewer than
// min_samples times are left out).
std::map<StepId, LearnedDuration> learn_durations(const Guideline& g,
                                                  const std::vector<const Annotations*>& truths,
                                                  int min_samples = 3);
// Sets each learned step's duration_s to [p10, p90]; returns how many steps changed.
int apply_durations(Guideline& g, const std::map<StepId, LearnedDuration>& learned);

}  // namespace p2a
