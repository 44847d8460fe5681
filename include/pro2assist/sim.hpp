// Simulation for demos and evaluation: step timelines from a guideline, sensor streams
// from a step timeline, and a simulated model that answers noisily from ground truth.
// Only drivers (simulate, replay --vlm sim, eval) may build these; reasoning never sees
// the annotations, only the ModelClient interface.
#pragma once

#include <cstdint>
#include <memory>

#include "pro2assist/guideline.hpp"
#include "pro2assist/model.hpp"
#include "pro2assist/session.hpp"

namespace p2a {

struct TimelineOptions {
  std::uint64_t seed = 1;
  bool mistakes = false;     // skip some steps / do some out of order
  double start_s = 3.0;      // idle time before the first step
};
// An order consistent with the dependencies (or with mistakes), durations from the
// guideline's ranges (defaults when absent), gaps between steps, and the errors made.
Annotations simulate_timeline(const Guideline& g, const TimelineOptions& opt);

struct SensorOptions {
  std::uint64_t seed = 1;
  double imu_rate_hz = 50;
  double flow_rate_hz = 10;  // hand_motion rows per second
};
// imu.csv and hand_motion.csv contents for a step timeline: head-turn bursts near most step
// changes and some inside steps, hand movement during steps, pauses, and quiet gaps.
void synthesize_sensors(const Annotations& truth, double duration_s, const SensorOptions& opt,
                        Session& out);

struct SimModelOptions {
  double accuracy = 0.6;          // share of time the answer is right
  std::uint64_t seed = 1;
  double mean_error_s = 3.0;      // errors come in runs of a few seconds
  double latency_s = 0.0;         // reported latency (no sleeping)
  double trigger_noise = 0.0;     // share of right answers whose help flag is flipped (0: the
                                  // flag is on exactly in the proactive periods)
  double status_accuracy = 0.85;  // share of right answers whose status is right too (a wrong
                                  // status is one of the other three, uniformly)
  double wrong_trigger = 0.3;     // share of wrong answers (wrong step) with the help flag on,
                                  // at random
  bool errors_nearby = true;      // a wrong run names a step around the true one 70% of the
                                  // time (the previous or next one), else any step; false: any
                                  // step, uniformly
};
std::unique_ptr<ModelClient> make_simulated_model(const Guideline& g, const Annotations& truth,
                                                  const SimModelOptions& opt);

}  // namespace p2a
