// Tunables of the gsp reasoner (ANGEL's Global Step Predictor: per-step hysteresis
// detectors feeding a forward-only step tracker), in one place so evaluation can sweep them.
#pragma once

namespace p2a {

struct GspOptions {
  double alpha = 0.5;          // smoothing of a step's confidence per answered update
  double usual_start = 0.6;    // a step's usual level before it has ever led
  double high_fraction = 0.6;  // "high" means confidence >= this share of the usual level
  int on_updates = 2;          // N: consecutive high updates that switch a detector on
  int off_updates = 3;         // M: consecutive low updates that switch it off
  double weak_evidence = 0.25; // a skipped step must have reached this confidence
  int just_start_updates = 2;  // updates reported as just_start after advancing
};

}  // namespace p2a
