// Step durations learned from annotated recordings, written back into guidelines.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "pro2assist/dataset.hpp"
#include "pro2assist/guideline.hpp"
#include "pro2assist/session.hpp"

namespace p2a {

// Steps seen fewer times than this keep the guideline's own duration.
inline constexpr int kMinDurationSamples = 3;

struct LearnedDuration {
  int samples = 0;
  double p10_s = 0, p50_s = 0, p90_s = 0;
};

// Per step of g, the spread of its segment lengths over the recordings (steps seen fewer than
// min_samples times are left out).
std::map<StepId, LearnedDuration> learn_durations(const Guideline& g,
                                                  const std::vector<const Annotations*>& truths,
                                                  int min_samples = kMinDurationSamples);
// Sets each learned step's duration_s to [p10, p90]; returns how many steps changed.
int apply_durations(Guideline& g, const std::map<StepId, LearnedDuration>& learned);

// Every CaptainCook4D recipe's guideline with the durations learned from its recordings in
// `split` (to evaluate or replay val recordings, learn on "train": never on the recordings the
// guideline will be used on).
struct LearnedGuideline {
  Guideline guideline;
  std::size_t recordings = 0;  // of the recipe in the split
  int learned = 0;             // steps given a learned duration
};
std::map<std::string, LearnedGuideline> guidelines_with_learned_durations(
    const CaptainCook4D& cc, const std::string& split, int min_samples = kMinDurationSamples);
// The same for one guideline: its recipe (g.id) learned from its recordings among `recs`,
// but for the one with id `leave_out` (none when empty).
LearnedGuideline with_learned_durations(Guideline g, const std::vector<Recording>& recs,
                                        int min_samples = kMinDurationSamples,
                                        const std::string& leave_out = {});

}  // namespace p2a
